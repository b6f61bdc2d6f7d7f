//! Spotting: finding every gazetteer name in a text, leftmost-longest on word boundaries, in
//! any script, with inflected forms (Russian case endings, Arabic prefixes, Turkish and
//! Azerbaijani suffixes), and refusing spans that are not names in this text (lower case, a
//! person's name, an everyday word opening a sentence).

use rustc_hash::FxHashSet as HashSet;

use crate::fold::Folded;
use crate::gazetteer::{Gazetteer, NameRef};

use super::language::{self, Lang};
use super::lexicon::{CONNECTORS, HEADS_AFTER, HEADS_BEFORE, HEADS_OF, Lexicon};
use super::person::GIVEN_MIN_FREQ;

/// A span of text that names a place (or a country, by its demonym).
#[derive(Debug, Clone)]
pub struct Spot {
    /// Character offsets in the original text, end exclusive.
    pub start: usize,
    pub end: usize,
    /// The folded form that matched.
    pub key: String,
    pub names: Vec<NameRef>,
    /// ISO code of the country a demonym names.
    pub demonym: Option<String>,
    /// An everyday word ("Reading", "Mobile"): kept only if the text supports it.
    pub weak: bool,
    /// An everyday word leading a run of capitalised words ("Oxford Police"): kept only for a
    /// sizeable place.
    pub leads_name: bool,
    /// A word the text also uses as a person's surname ("Sheriff Mike Jones" ... "Jones"), or
    /// one right after a title ("Gov. Perry"): kept only for a sizeable place.
    pub surname: bool,
    /// How common the word is in its language (Zipf), when that is evidence against it being a
    /// name: always in a script without case, and at a sentence start in one with case. 0 when
    /// not weighed (several words, a demonym, a capitalised word inside a sentence).
    pub word_zipf: f32,
    /// The language the word was weighed in.
    pub word_lang: Option<Lang>,
    /// A common given name right before a capitalised word ("Floyd Chaney", "Eugene C.
    /// Dexheimer"): a person unless it names a country or region.
    pub given_first: bool,
    /// How common the word is as a US surname (per 100,000 people; 0 when it is none).
    pub surname_freq: u32,
    /// How common the word is as a US given name (per 100,000 people; 0 when it is none).
    pub given_freq: u32,
    /// Right after a word that introduces a place ("in", "near", "from", a comma).
    pub locative: bool,
}

/// The text as characters, with helpers about words and case.
pub struct Source<'a> {
    pub chars: Vec<char>,
    pub folded: &'a Folded,
}

fn cased(c: char) -> bool {
    c.is_uppercase() || c.is_lowercase()
}

impl Source<'_> {
    pub fn surface(&self, start: usize, end: usize) -> String {
        self.chars[start..end].iter().collect()
    }

    /// The original character range of folded bytes `fs..fe`.
    fn chars_of(&self, fs: usize, fe: usize) -> (usize, usize) {
        (self.folded.origin[fs] as usize, self.folded.origin[fe - 1] as usize + 1)
    }

    /// Whether the span starts a sentence: nothing but spaces, quotes or brackets between it
    /// and the text's start or a sentence mark.
    pub fn sentence_initial(&self, start: usize) -> bool {
        let mut i = start;
        while i > 0 {
            i -= 1;
            let c = self.chars[i];
            if c.is_whitespace()
                || matches!(c, '"' | '\'' | '“' | '”' | '‘' | '’' | '(' | '[' | '«' | '—' | '-' | '*' | '•')
            {
                if c == '\n' && i > 0 && self.chars[i - 1] == '\n' {
                    return true;
                }
                continue;
            }
            if matches!(c, '.' | '!' | '?' | ':' | ';') {
                // "U.S. Army": a dot after a one-letter word is an abbreviation, not a full stop.
                let one_letter = i >= 2 && self.chars[i - 1].is_alphabetic() && !self.chars[i - 2].is_alphabetic()
                    || (i >= 1 && self.chars[i - 1].is_uppercase() && (i < 2 || self.chars[i - 2] == '.'));
                return !one_letter;
            }
            return false;
        }
        true
    }

    /// The word before `start` (letters and dots), if any, and whether it is capitalised.
    pub fn word_before(&self, start: usize) -> Option<(String, bool)> {
        let mut i = start;
        while i > 0 && self.chars[i - 1] == ' ' {
            i -= 1;
        }
        if i == start {
            return None;
        }
        let end = i;
        while i > 0 && (self.chars[i - 1].is_alphanumeric() || self.chars[i - 1] == '.') {
            i -= 1;
        }
        (i < end).then(|| {
            let w: String = self.chars[i..end].iter().collect();
            let cap = w.chars().next().is_some_and(char::is_uppercase);
            (w, cap)
        })
    }

    /// The word after `end`, if it follows after spaces only, and whether it is capitalised.
    pub fn word_after(&self, end: usize) -> Option<(String, bool)> {
        let mut i = end;
        while i < self.chars.len() && self.chars[i] == ' ' {
            i += 1;
        }
        if i == end {
            return None;
        }
        let start = i;
        while i < self.chars.len() && self.chars[i].is_alphanumeric() {
            i += 1;
        }
        (i > start).then(|| {
            let w: String = self.chars[start..i].iter().collect();
            let cap = w.chars().next().is_some_and(char::is_uppercase);
            (w, cap)
        })
    }

    /// Whether the span is written as a name: in scripts with case, every word but inner
    /// connectors ("of", "de") starts with a capital, and a word of one or two letters is all
    /// capitals ("US", not "Us" or "us").
    fn written_as_name(&self, start: usize, end: usize) -> bool {
        let s = self.surface(start, end);
        let words: Vec<&str> = s.split(|c: char| c.is_whitespace() || c == '-').filter(|w| !w.is_empty()).collect();
        for (i, w) in words.iter().enumerate() {
            let Some(first) = w.chars().find(|c| c.is_alphabetic()) else { continue };
            if !cased(first) {
                continue;
            }
            let lower = w.to_lowercase();
            if i > 0 && CONNECTORS.contains(&lower.trim_matches('.')) {
                continue;
            }
            if !first.is_uppercase() {
                return false;
            }
        }
        let letters: Vec<char> = s.chars().filter(|c| c.is_alphabetic()).collect();
        if letters.len() <= 2 && letters.iter().any(|c| c.is_lowercase()) {
            return false;
        }
        true
    }
}

fn is_cyrillic(w: &str) -> bool {
    w.chars().all(|c| matches!(c, '\u{0400}'..='\u{04FF}'))
}

fn is_arabic(w: &str) -> bool {
    w.chars().all(|c| matches!(c, '\u{0600}'..='\u{06FF}'))
}

/// Russian and Ukrainian case endings, longest first, and what a nominative may end in instead
/// (folded: ё is е, й is и, ї is і).
const CY_ENDINGS: [&str; 35] = [
    "ами", "ями", "ого", "его", "ому", "ему", "ові", "еві", "єві", "ою", "ею", "ії", "ію", "ой", "ей", "ом", "ем",
    "ам", "ям", "ах", "ях", "ов", "ев", "ию", "ии", "ия", "ие", "а", "я", "у", "ю", "е", "и", "і", "ы",
];
const CY_NOMINATIVE: [&str; 10] = ["", "а", "я", "ь", "и", "ия", "о", "і", "ія", "е"];

/// A Ukrainian stem whose last о, е or є became і in the nominative (Харкова, Харкові → Харків;
/// Миколаєва → Миколаїв), folded.
fn uk_alternation(stem: &str) -> Option<String> {
    let chars: Vec<char> = stem.chars().collect();
    let n = chars.len();
    (n >= 3 && matches!(chars[n - 2], 'о' | 'е' | 'є') && !"аеиіоуюяєї".contains(chars[n - 1])).then(|| {
        let mut c = chars.clone();
        c[n - 2] = 'і';
        c.into_iter().collect()
    })
}

/// How much likelier (in the resolver's score) an inflected reading of a Cyrillic word must be
/// than the word read as written for the inflected one to win.
const INFLECTED_MARGIN: f64 = 0.08;

/// Arabic proclitics: conjunctions and prepositions written onto the next word.
const AR_PREFIXES: [&str; 10] = ["وب", "ول", "فب", "فل", "وك", "و", "ف", "ب", "ل", "ك"];

/// Turkish and Azerbaijani case suffixes (folded: ı is i), longest first.
const TR_SUFFIXES: [&str; 30] = [
    "daki", "deki", "dəki", "nin", "nun", "nün", "dan", "den", "tan", "ten", "dən", "tən", "da", "de", "ta", "te",
    "də", "tə", "ya", "ye", "yə", "in", "un", "ün", "a", "e", "ə", "i", "u", "ü",
];

/// Forms a word may take in the gazetteer when it is inflected in the text.
pub fn inflection_variants(word: &str, turkic: bool) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let n = word.chars().count();
    if is_cyrillic(word) && n >= 4 {
        for e in CY_ENDINGS {
            if let Some(stem) = word.strip_suffix(e) {
                if stem.chars().count() >= 3 {
                    out.extend(CY_NOMINATIVE.iter().map(|nom| format!("{stem}{nom}")));
                    out.extend(uk_alternation(stem));
                }
            }
        }
    } else if is_arabic(word) && n >= 4 {
        if word.starts_with("لل") {
            // li- before al- drops the article's alef: للاذقية is ل + اللاذقية.
            out.push(format!("ا{word}"));
        }
        for p in AR_PREFIXES {
            if let Some(rest) = word.strip_prefix(p) {
                if rest.chars().count() >= 3 {
                    out.push(rest.to_string());
                }
            }
        }
    } else if turkic && n >= 5 && word.chars().all(|c| c.is_alphabetic()) {
        for s in TR_SUFFIXES {
            if let Some(stem) = word.strip_suffix(s) {
                if stem.chars().count() >= 3 {
                    out.push(stem.to_string());
                    // Buffer consonants: Tartus-a, Lazkiye-ye.
                    if let Some(st) = stem.strip_suffix('y').or_else(|| stem.strip_suffix('n')) {
                        if st.chars().count() >= 3 {
                            out.push(st.to_string());
                        }
                    }
                }
            }
        }
    }
    out.retain(|v| v != word);
    out.dedup();
    out
}

/// Whether the text is Turkish or Azerbaijani (or the caller says so): letters that only they use.
pub fn looks_turkic(text: &str, language: Option<&str>) -> bool {
    if let Some(l) = language {
        return matches!(l.split('-').next().unwrap_or(""), "tr" | "az");
    }
    text.chars().filter(|c| matches!(c, 'ı' | 'ğ' | 'ş' | 'ə' | 'İ' | 'Ş' | 'Ğ' | 'Ə')).take(2).count() >= 2
}

/// Finds the spots of a text.
pub fn spot(g: &Gazetteer, src: &Source<'_>, lex: &Lexicon, turkic: bool, lang: Option<Lang>) -> Vec<Spot> {
    let persons = super::person::person_words(g, src, lex);
    let text = &src.folded.text;
    let bytes = text.as_bytes();
    let mut out: Vec<Spot> = Vec::new();
    let mut ws = 0;
    while ws < bytes.len() {
        let we = bytes[ws..].iter().position(|b| *b == b' ').map_or(bytes.len(), |p| ws + p);
        // No name starts with a lower-case letter (`Source::written_as_name` refuses every span
        // that does), so such a word is passed over unlooked-up: most words of a text in a
        // script with case.
        if src.chars.get(src.folded.origin[ws] as usize).is_some_and(|c| c.is_lowercase()) {
            ws = we + 1;
            continue;
        }
        // Candidate spans at this word, longest first: (folded end, names, demonym).
        let mut spans: Vec<(usize, Vec<NameRef>, Option<String>)> = Vec::new();
        let found = g.names_at(text, ws, &src.folded.soft_ends);
        let mut ends: Vec<usize> = found.iter().map(|(e, _)| *e).collect();
        ends.dedup();
        for e in ends.iter().rev() {
            spans.push((*e, found.iter().filter(|(x, _)| x == e).map(|(_, n)| *n).collect(), None));
        }
        let mut end = we;
        for _ in 0..lex.demonym_words {
            if let Some(cc) = lex.demonyms.get(&text[ws..end]) {
                spans.push((end, Vec::new(), Some(cc.clone())));
            }
            if end >= bytes.len() {
                break;
            }
            end = bytes[end + 1..].iter().position(|b| *b == b' ').map_or(bytes.len(), |p| end + 1 + p);
        }
        let mut lemma = None;
        // Arabic proclitics are not part of the name: the mention starts after them.
        let mut lemma_start = ws;
        // A name ending at an apostrophe ("Hatay'da") is the name; its suffix is not tried off.
        let at_soft_end = spans.iter().any(|(e, _, _)| src.folded.soft_ends.contains(e));
        if !at_soft_end && !spans.iter().any(|(e, _, _)| *e >= we) {
            let word = &text[ws..we];
            // Of the forms the gazetteer knows, the one naming the likeliest place: "Харкові"
            // is Харків (Kharkiv) before it is Харк (an Iranian island).
            let mut best: Option<(f64, String, Vec<NameRef>)> = None;
            for v in inflection_variants(word, turkic) {
                let names = g.name(&v);
                let Some(top) = g.candidates(&names, 4).first().map(|c| c.score) else { continue };
                if best.as_ref().is_none_or(|(b, _, _)| top > *b) {
                    best = Some((top, v, names));
                }
            }
            if let Some((_, v, names)) = best {
                if is_arabic(word) {
                    lemma_start = if word.ends_with(v.as_str()) {
                        we - v.len()
                    } else {
                        // لل + لاذقية: one lam is the preposition.
                        ws + 'ل'.len_utf8()
                    };
                }
                spans.push((we, names, None));
                lemma = Some(v);
            }
        }
        // A Russian or Ukrainian word that is a name as written may still be another name
        // inflected: «в Ракке» is Raqqa (Ракка) before it is Rakke in Estonia. The inflected
        // reading wins when it names a clearly likelier place.
        if !at_soft_end && lemma.is_none() && is_cyrillic(&text[ws..we]) {
            if let Some(i) = spans.iter().position(|(e, n, d)| *e == we && d.is_none() && !n.is_empty()) {
                let exact = g.candidates(&spans[i].1, 4).first().map_or(0.0, |c| c.score);
                let better = inflection_variants(&text[ws..we], false)
                    .into_iter()
                    .filter_map(|v| {
                        let names = g.name(&v);
                        let top = g.candidates(&names, 4).first().map(|c| c.score)?;
                        Some((top, v, names))
                    })
                    .max_by(|a, b| a.0.total_cmp(&b.0));
                if let Some((_, v, names)) = better.filter(|b| b.0 > exact + INFLECTED_MARGIN) {
                    spans[i].1 = names;
                    lemma = Some(v);
                }
            }
        }
        spans.sort_by_key(|(e, _, d)| (std::cmp::Reverse(*e), d.is_none()));
        // "Dublin City Council": an administrative "X City" that is not itself a town yields to
        // the town X (the council is Dublin's; "Kansas City" and "Mexico City" are towns).
        if let [(long, long_names, None), rest @ ..] = &spans[..] {
            if let Some(core) = text[ws..*long].strip_suffix(" city") {
                let town =
                    g.candidates(long_names, 8).iter().any(|c| c.place.kind == crate::gazetteer::Kind::Settlement);
                if !town && rest.iter().any(|(e, _, _)| *e == ws + core.len()) {
                    spans.remove(0);
                }
            }
        }
        let mut accepted = None;
        let after_place = out.last().map(|p: &Spot| p.end);
        for (fe, names, demonym) in spans {
            let from_lemma = lemma.is_some() && fe == we && demonym.is_none();
            let fs = if from_lemma { lemma_start } else { ws };
            if let Some(mut s) = judge(src, lex, &persons, after_place, fs, fe, names, demonym) {
                weigh_word(src, &mut s, lemma.as_deref().filter(|_| from_lemma), lang);
                accepted = Some(s);
                break;
            }
        }
        match accepted {
            Some(s) => {
                let fe = src.folded.origin.partition_point(|o| (*o as usize) < s.end);
                out.push(s);
                // Continue after the spot's last word.
                ws = bytes[fe.min(bytes.len())..].iter().position(|b| *b == b' ').map_or(bytes.len(), |p| fe + p) + 1;
            }
            None => ws = we + 1,
        }
    }
    out
}

/// Records how common a one-word spot is as a word of its language, where that is evidence:
/// in Arabic or Persian script always (no capitals mark names), in cased scripts only at a
/// sentence start. An inflected or prefixed word is weighed by its commonest form (بمدينة by
/// مدينة).
fn weigh_word(src: &Source<'_>, s: &mut Spot, lemma: Option<&str>, text_lang: Option<Lang>) {
    let Some(wl) = language::word_lang(&s.key, text_lang) else { return };
    s.word_lang = Some(wl);
    if s.demonym.is_some() || s.key.contains(' ') {
        return;
    }
    if !language::uncased(wl) && !src.sentence_initial(s.start) {
        return;
    }
    let z = language::zipf(wl, &s.key);
    s.word_zipf = lemma.map_or(z, |l| z.max(language::zipf(wl, l)));
}

/// Whether the span follows a place with only "and" or a comma between ("in Damascus and
/// Aleppo said": Aleppo is a place in a list, not the person who said).
fn in_place_list(src: &Source<'_>, after_place: Option<usize>, start: usize) -> bool {
    after_place.is_some_and(|e| {
        e <= start && matches!(src.surface(e, start).trim().to_lowercase().as_str(), "and" | "," | ", and" | "or")
    })
}

/// Accepts or refuses a candidate span.
#[allow(clippy::too_many_arguments)]
fn judge(
    src: &Source<'_>,
    lex: &Lexicon,
    persons: &HashSet<String>,
    after_place: Option<usize>,
    fs: usize,
    fe: usize,
    names: Vec<NameRef>,
    demonym: Option<String>,
) -> Option<Spot> {
    let (start, end) = src.chars_of(fs, fe);
    let key = src.folded.text[fs..fe].to_string();
    if !src.written_as_name(start, end) {
        return None;
    }
    let one_word = !key.contains(' ');
    if one_word && lex.never_alone.contains(key.as_str()) {
        return None;
    }
    if lex.not_places.contains(&key) {
        return None;
    }
    // A title written with its dot ("Sen.", "U.S. Sens. Boxer") is not Sens in France.
    if one_word && lex.titles.contains(key.as_str()) && src.chars.get(end) == Some(&'.') {
        return None;
    }
    let letters = src.chars[start..end].iter().filter(|c| c.is_alphabetic()).count();
    if letters < 2 {
        return None;
    }
    // A contraction spelled like a name ("I've" is Ive, "I’ve" too) is not one.
    let surface = src.chars[start..end].iter().collect::<String>().to_lowercase().replace('’', "'");
    if let Some((head, tail)) = surface.split_once('\'') {
        let pronoun = ["i", "we", "you", "they", "he", "she", "it", "there", "that", "who"].contains(&head);
        if pronoun && ["ve", "ll", "re", "m", "d", "s"].contains(&tail) {
            return None;
        }
    }
    // English contractions ("I've", "we'll") are not names with a suffix.
    // Only a whole contraction counts: the Turkish "Lazkiye'den" goes on with letters.
    if matches!(src.chars.get(end), Some('\'' | '’')) {
        let suffix: String =
            src.chars[end + 1..].iter().take_while(|c| c.is_alphabetic()).collect::<String>().to_lowercase();
        if ["ve", "ll", "re", "m", "d", "t"].contains(&suffix.as_str()) {
            return None;
        }
    }
    if one_word
        && !in_place_list(src, after_place, start)
        && src.word_after(end).is_some_and(|(w, _)| super::lexicon::SAYING.contains(&w.to_lowercase().as_str()))
    {
        return None;
    }
    let mut after_title = false;
    if let Some((w, cap)) = src.word_before(start) {
        let w = crate::fold::fold(&w);
        after_title = lex.titles.contains(w.as_str());
        let given = lex.first_names.contains(&w) || lex.given.get(&w).is_some_and(|f| *f >= GIVEN_MIN_FREQ);
        if cap && given && demonym.is_none() {
            return None;
        }
    }
    // A given name followed by a capitalised word is a person ("George Washington").
    if one_word && lex.first_names.contains(&key) && src.word_after(end).is_some_and(|(_, cap)| cap) {
        return None;
    }
    if demonym.is_none() && !key.ends_with(" county") && part_of_other_name(src, start, end) {
        return None;
    }
    let surname = one_word && demonym.is_none() && (persons.contains(&key) || after_title);
    let mut weak = false;
    let mut leads_name = false;
    if one_word && demonym.is_none() && lex.common.contains(&key) {
        // An everyday word opening a sentence and followed by a lower-case word is that word
        // ("Reading the report", "Mobile phones"); followed by a name it may be the place
        // ("Oxford Police said").
        let initial = src.sentence_initial(start);
        let cap_after = src.word_after(end).is_some_and(|(_, cap)| cap);
        if initial && !cap_after {
            return None;
        }
        // Inside or at the end of a run of capitalised words it is part of another name
        // ("Civic Center", "City Council", "Main Road").
        if !initial && src.word_before(start).is_some_and(|(_, cap)| cap) {
            return None;
        }
        leads_name = cap_after;
        weak = true;
    }
    let person_evidence = one_word && demonym.is_none();
    let given_freq = if person_evidence { lex.given.get(&key).copied().unwrap_or(0) } else { 0 };
    // Any given name of the census list before a capitalised word that is no everyday word
    // ("Nadia Moayyad", "Kate Hudson"): a person.
    let given_first = given_freq > 0
        && src
            .word_after(end)
            .is_some_and(|(w, cap)| cap && language::zipf(Lang::En, &crate::fold::fold(&w)) < GIVEN_NEXT_MAX_ZIPF);
    let surname_freq = if person_evidence { lex.surnames.get(&key).copied().unwrap_or(0) } else { 0 };
    let locative = src.word_before(start).is_some_and(|(w, _)| LOCATIVE.contains(&w.to_lowercase().as_str()))
        || src.chars[..start].iter().rev().find(|c| !c.is_whitespace()).is_some_and(|c| *c == ',')
        || turkish_case_after(src, end);
    Some(Spot {
        start,
        end,
        key,
        names,
        demonym,
        weak,
        leads_name,
        surname,
        word_zipf: 0.0,
        word_lang: None,
        given_first,
        surname_freq,
        given_freq,
        locative,
    })
}

/// ... unless the capitalised word is an everyday one ("Madison Police", "Austin Energy").
const GIVEN_NEXT_MAX_ZIPF: f32 = 4.5;

/// Words after which a name is read as a place ("in Lancaster", "near Moore").
const LOCATIVE: [&str; 18] = [
    "in",
    "at",
    "from",
    "near",
    "of",
    "to",
    "into",
    "outside",
    "through",
    "across",
    "toward",
    "towards",
    "around",
    "between",
    "via",
    "within",
    "throughout",
    "and",
];

/// Whether a case suffix follows the name after an apostrophe ("Sanford'da", "Tartus'a"): a
/// place, not a person; the English possessive ("Clark's") is not one.
fn turkish_case_after(src: &Source<'_>, end: usize) -> bool {
    if !matches!(src.chars.get(end), Some('\'' | '’')) {
        return false;
    }
    let suffix: String = src.chars[end + 1..].iter().take_while(|c| c.is_alphabetic()).collect();
    !suffix.is_empty() && suffix != "s"
}

/// Whether the name at `start..end` is part of another name: a generic head follows it
/// ("Lebanon Street", "Marburg virus") or comes before it («улица Ленина», «شارع بغداد»), or
/// it is one side of a firm's "&" ("Stevens & Wilkinson").
fn part_of_other_name(src: &Source<'_>, start: usize, end: usize) -> bool {
    let fold_word = |w: &str| crate::fold::fold(w.trim_end_matches('.'));
    let after = src.word_after(end).is_some_and(|(w, _)| HEADS_AFTER.contains(&fold_word(&w).as_str()));
    let before = src.word_before(start).is_some_and(|(w, _)| HEADS_BEFORE.contains(&fold_word(&w).as_str()));
    // "Chamber of Commerce", "University of Hull": a name after an institution's "X of".
    let of_head = word_start_before(src, start).is_some_and(|of| {
        src.surface(of, start).trim_end() == "of"
            && src.word_before(of).is_some_and(|(w, cap)| cap && HEADS_OF.contains(&fold_word(&w).as_str()))
    });
    let firm = src.surface(end, (end + 3).min(src.chars.len())) == " & "
        || start >= 2 && src.surface(start - 2, start) == "& ";
    after || before || of_head || firm
}

/// Where the word before `start` (after spaces) begins.
fn word_start_before(src: &Source<'_>, start: usize) -> Option<usize> {
    let mut i = start;
    while i > 0 && src.chars[i - 1] == ' ' {
        i -= 1;
    }
    let end = i;
    while i > 0 && src.chars[i - 1].is_alphanumeric() {
        i -= 1;
    }
    (i < end && end < start).then_some(i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn russian_case_endings_lead_back_to_the_nominative() {
        assert!(inflection_variants("тартусе", false).contains(&"тартус".to_string()));
        assert!(inflection_variants("латакии", false).contains(&"латакия".to_string()));
        assert!(inflection_variants("джеблы", false).contains(&"джебла".to_string()));
    }

    #[test]
    fn ukrainian_case_endings_and_the_i_alternation_lead_back_to_the_nominative() {
        let v = |w: &str| inflection_variants(&crate::fold::fold(w), false);
        assert!(v("Харкові").contains(&crate::fold::fold("Харків")), "{:?}", v("Харкові"));
        assert!(v("Миколаєві").contains(&crate::fold::fold("Миколаїв")));
        assert!(v("Києва").contains(&crate::fold::fold("Київ")));
        assert!(v("Сумах").contains(&crate::fold::fold("Суми")));
        assert!(v("Одесі").contains(&crate::fold::fold("Одеса")));
    }

    #[test]
    fn arabic_proclitics_are_taken_off() {
        let v = inflection_variants(&crate::fold::fold("بطرطوس"), false);
        assert!(v.contains(&crate::fold::fold("طرطوس")), "{v:?}");
        let v = inflection_variants(&crate::fold::fold("للاذقية"), false);
        assert!(v.contains(&crate::fold::fold("اللاذقية")), "{v:?}");
    }

    #[test]
    fn turkish_suffixes_come_off_only_in_turkish_text() {
        assert!(inflection_variants("lazkiyedeki", true).contains(&"lazkiye".to_string()));
        assert!(inflection_variants("tartusa", true).contains(&"tartus".to_string()));
        assert!(inflection_variants("tartusa", false).is_empty());
        assert!(looks_turkic("Rus askeri konvoyu Lazkiye'den çıktı, üsse girişine izin verilmedi", None));
        assert!(!looks_turkic("A convoy left Latakia", None));
    }
}
