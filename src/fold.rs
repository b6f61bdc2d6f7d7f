//! Folding names and text so that spelling variants meet: `Ţarţūs` and `tartus`, `Al-Lādhiqīyah`
//! and `al ladhiqiyah`, `أللاذقيّة` and `اللاذقيه`, `Лёва` and `лева`.
//!
//! Folding is Unicode NFKD with combining marks removed, lower case, a few letters that do not
//! decompose mapped by hand (ı ł ø đ ß æ œ þ), Arabic normalised (alef forms, ta marbuta, alef
//! maksura, Persian yeh and kaf, tatweel, harakat), and every run of characters that are not
//! letters or digits turned into a single space. Apostrophes and the ʿayn/hamza signs vanish
//! instead, so `Sol'deu` meets `Soldeu`. The same function serves the gazetteer, the geoparser and
//! full-text search, so a name folds the same way everywhere.

use unicode_normalization::char::is_combining_mark;

/// Characters that disappear without leaving a space: apostrophes, ʿayn and hamza signs,
/// Arabic tatweel, zero-width joiners and soft hyphens.
fn vanishes(c: char) -> bool {
    matches!(
        c,
        '\'' | '\u{2019}'
            | '\u{2018}'
            | '\u{02BC}'
            | '\u{02BB}'
            | '\u{02BF}'
            | '\u{02BE}'
            | '`'
            | '\u{00B4}'
            | '\u{0640}'
            | '\u{200C}'
            | '\u{200D}'
            | '\u{00AD}'
            | '\u{200E}'
            | '\u{200F}'
    )
}

/// Maps one (already decomposed, lower-cased) character to its folded form.
fn push_folded(c: char, out: &mut String) {
    match c {
        'ı' => out.push('i'),
        'ł' => out.push('l'),
        'ø' => out.push('o'),
        'đ' | 'ð' => out.push('d'),
        'ß' => out.push_str("ss"),
        'æ' => out.push_str("ae"),
        'œ' => out.push_str("oe"),
        'þ' => out.push_str("th"),
        'ħ' => out.push('h'),
        // Arabic: hamza-bearing and wasla alef forms become bare alef (NFKD already splits
        // most of them into alef plus a combining hamza, which is then dropped).
        'ٱ' | 'أ' | 'إ' | 'آ' => out.push('ا'),
        'ة' => out.push('ه'),
        'ى' => out.push('ي'),
        'ی' | 'ێ' => out.push('ي'),
        'ک' => out.push('ك'),
        'ؤ' => out.push('و'),
        'ئ' => out.push('ي'),
        'ء' => {}
        c => out.push(c),
    }
}

/// Folds `s` into its comparison form (see the module documentation).
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    fold_core(s, &mut out, false, |_, _, _| {});
    out
}

/// Appends the folded form of `s` to `out`, after a space when `out` already holds words: the
/// same words as joining [`fold`]s with spaces, without a string for each part.
pub fn fold_append(s: &str, out: &mut String) {
    fold_core(s, out, !out.is_empty(), |_, _, _| {});
}

/// Folded text that remembers where each folded byte came from, for finding names in text.
#[derive(Debug, Clone, Default)]
pub struct Folded {
    pub text: String,
    /// For each byte of `text`, the index (in characters) of the original character it came from.
    pub origin: Vec<u32>,
    /// Byte offsets of `text` where an apostrophe inside a word vanished (`Tartus'a`): a name
    /// may end there, the rest being a suffix.
    pub soft_ends: Vec<usize>,
}

/// Folds `s` like [`fold`], keeping the map back to character offsets.
pub fn fold_mapped(s: &str) -> Folded {
    let mut out = String::with_capacity(s.len());
    let mut origin: Vec<u32> = Vec::with_capacity(s.len());
    let mut soft_ends = Vec::new();
    fold_core(s, &mut out, false, |len_before, len_after, ci| {
        if len_after == usize::MAX {
            soft_ends.push(len_before);
        } else {
            origin.extend(std::iter::repeat_n(ci as u32, len_after - len_before));
        }
    });
    Folded { text: out, origin, soft_ends }
}

/// The folding itself. `record(before, after, char_index)` is told how `out` grew for each
/// original character; `after == usize::MAX` marks a vanished apostrophe between letters.
/// `separate`: a space goes before the first folded word (`out` holds words already).
fn fold_core(s: &str, out: &mut String, separate: bool, mut record: impl FnMut(usize, usize, usize)) {
    let base = out.len();
    let mut pending_space = separate;
    let mut prev_alnum = false;
    let bytes = s.as_bytes();
    let (mut at, mut ci) = (0usize, 0usize);
    while at < bytes.len() {
        let before = out.len();
        let b = bytes[at];
        // ASCII, most of most text, byte by byte: letters and digits in lower case, apostrophes
        // gone, anything else a word break. The same as the general path below, without
        // decomposing or looking characters up in Unicode's tables.
        if b.is_ascii() {
            at += 1;
            if b.is_ascii_alphanumeric() {
                if pending_space && (out.len() > base || separate) {
                    out.push(' ');
                }
                pending_space = false;
                out.push(char::from(b.to_ascii_lowercase()));
                prev_alnum = true;
            } else if b == b'\'' || b == b'`' {
                let next_alnum = s[at..].chars().next().is_some_and(char::is_alphanumeric);
                if prev_alnum && next_alnum && b == b'\'' {
                    record(before, usize::MAX, ci);
                }
                ci += 1;
                continue;
            } else {
                pending_space = true;
                prev_alnum = false;
            }
            record(before, out.len(), ci);
            ci += 1;
            continue;
        }
        let ch = s[at..].chars().next().expect("a character starts here");
        at += ch.len_utf8();
        if vanishes(ch) {
            let next_alnum = s[at..].chars().next().is_some_and(char::is_alphanumeric);
            if prev_alnum && next_alnum && ch == '\u{2019}' {
                record(before, usize::MAX, ci);
            }
            ci += 1;
            continue;
        }
        unicode_normalization::char::decompose_compatible(ch, |c: char| {
            if is_combining_mark(c) || vanishes(c) {
                return;
            }
            if c.is_alphanumeric() {
                if pending_space && (out.len() > base || separate) {
                    out.push(' ');
                }
                pending_space = false;
                if c.is_ascii() {
                    out.push(c.to_ascii_lowercase());
                } else {
                    for l in c.to_lowercase() {
                        push_folded(l, out);
                    }
                }
            } else {
                pending_space = true;
            }
        });
        prev_alnum = ch.is_alphanumeric();
        record(before, out.len(), ci);
        ci += 1;
    }
}

/// Latin-script definite articles that may be left out of a name (`al`, `el`, `ad`, `as`, ...
/// as written in transliterations of Arabic: "Al Ladhiqiyah", "El Bab", "Ar Raqqah").
const LATIN_ARTICLES: [&str; 12] =
    ["al ", "el ", "ad ", "ar ", "as ", "ash ", "at ", "az ", "an ", "adh ", "ath ", "ad "];

/// Countries whose place names are transliterated from Arabic, where "al", "ash", "ad" ... before
/// a name are the article (elsewhere "El Paso" and "Ash Flat" keep theirs).
pub const ARABIC_NAMED: [&str; 22] = [
    "AE", "BH", "DZ", "EG", "EH", "IQ", "JO", "KM", "KW", "LB", "LY", "MA", "MR", "OM", "PS", "QA", "SA", "SD", "SY",
    "TD", "TN", "YE",
];

/// Whether names of places in `country` may drop a Latin-script article (see [`ARABIC_NAMED`]).
pub fn latin_article_country(country: Option<&str>) -> bool {
    country.is_some_and(|c| ARABIC_NAMED.contains(&c))
}

/// A place name's folded form without its article, for names of places in `country`: the
/// Arabic-script article always, Latin-script transliterations only in Arabic-speaking countries.
pub fn strip_place_article<'a>(folded: &'a str, country: Option<&str>) -> Option<&'a str> {
    match strip_article(folded) {
        Some(rest) if folded.starts_with("ال") || latin_article_country(country) => Some(rest),
        _ => None,
    }
}

/// The folded name without its definite article, when it has one: `al ladhiqiyah` →
/// `ladhiqiyah`, `اللاذقيه` → `لاذقيه`. Used so that the article is optional in lookups.
pub fn strip_article(folded: &str) -> Option<&str> {
    if let Some(rest) = folded.strip_prefix("ال") {
        if rest.chars().count() >= 2 {
            return Some(rest);
        }
    }
    for a in LATIN_ARTICLES {
        if let Some(rest) = folded.strip_prefix(a) {
            if rest.chars().count() >= 3 {
                return Some(rest);
            }
        }
    }
    None
}

/// Splits folded text into its words.
pub fn words(folded: &str) -> impl Iterator<Item = &str> {
    folded.split(' ').filter(|w| !w.is_empty())
}

/// Bumped whenever [`fold`] changes, so that a gazetteer file folded by an older version is
/// refused at load instead of silently missing names.
pub const FOLD_VERSION: u32 = 1;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appending_gives_the_words_of_the_parts_joined_by_single_spaces() {
        let mut out = String::new();
        for part in ["Ţarţūs!", "", " ...", "Al-Lādhiqīyah", "  (Syria) "] {
            fold_append(part, &mut out);
        }
        assert_eq!(out, "tartus al ladhiqiyah syria");
        let joined: Vec<String> = ["Ţarţūs!", "Al-Lādhiqīyah", "  (Syria) "].iter().map(|p| fold(p)).collect();
        assert_eq!(out, joined.join(" "));
    }

    #[test]
    fn latin_diacritics_and_punctuation_fold_away() {
        assert_eq!(fold("Ţarţūs"), "tartus");
        assert_eq!(fold("Al-Lādhiqīyah"), "al ladhiqiyah");
        assert_eq!(fold("  Tartús, SYRIA! "), "tartus syria");
        assert_eq!(fold("Sol'deu"), "soldeu");
        assert_eq!(fold("Hımeymim"), "himeymim");
        assert_eq!(fold("ʿAyn al-ʿArab"), "ayn al arab");
        assert_eq!(fold("Straße Łódź"), "strasse lodz");
    }

    #[test]
    fn cyrillic_yo_folds_to_ye() {
        assert_eq!(fold("Ёлкино"), fold("Елкино"));
        assert_eq!(fold("Латакия"), "латакия");
    }

    #[test]
    fn arabic_alef_forms_ta_marbuta_tatweel_and_harakat_are_normalised() {
        assert_eq!(fold("اللاذقيّة"), "اللاذقيه");
        assert_eq!(fold("أللاذقية"), fold("اللاذقيه"));
        assert_eq!(fold("طرطـــوس"), "طرطوس");
        assert_eq!(fold("إدلب"), "ادلب");
        assert_eq!(fold("مُصطفى"), "مصطفي");
    }

    #[test]
    fn mapped_folding_knows_where_each_byte_came_from() {
        let f = fold_mapped("Al-Lādhiqīyah, Tartus'a");
        assert_eq!(f.text, "al ladhiqiyah tartusa");
        assert_eq!(f.text, fold("Al-Lādhiqīyah, Tartus'a"));
        // "tartus" starts at character 15 of the original; its last byte is the "s" at 20.
        let t = f.text.find("tartus").unwrap();
        assert_eq!(f.origin[t], 15);
        assert_eq!(f.origin[t + 5], 20);
        assert_eq!(f.soft_ends, vec![t + 6]);
        assert_eq!(f.origin.len(), f.text.len());
        let ar = fold_mapped("في اللاذقية");
        assert_eq!(ar.origin.len(), ar.text.len());
        assert_eq!(ar.origin[ar.text.len() - 1], 10);
    }

    #[test]
    fn apostrophes_vanish_and_mark_a_soft_end_only_between_letters() {
        for (text, folded, soft) in [
            ("Tartus'a", "tartusa", vec![6]),
            ("Tartus\u{2019}a", "tartusa", vec![6]),
            ("'Tartus' a", "tartus a", vec![]),
            ("Tartus`a", "tartusa", vec![]),
            ("a''b", "ab", vec![1]),
            ("Ţarţūs'ün", "tartusun", vec![6]),
            ("Ò'b é", "ob e", vec![1]),
        ] {
            let f = fold_mapped(text);
            assert_eq!((f.text.as_str(), &f.soft_ends), (folded, &soft), "{text}");
            assert_eq!(f.origin.len(), f.text.len(), "{text}");
            assert_eq!(fold(text), folded);
        }
        // Each folded byte points at the character it came from, ASCII or not; a word break
        // belongs to the character that starts the next word.
        let f = fold_mapped("Ab-Ç'd");
        assert_eq!(f.text, "ab cd");
        assert_eq!(f.origin, vec![0, 1, 3, 3, 5]);
    }

    #[test]
    fn the_definite_article_can_be_stripped() {
        assert_eq!(strip_article("al ladhiqiyah"), Some("ladhiqiyah"));
        assert_eq!(strip_article(&fold("اللاذقية")), Some("لاذقيه"));
        assert_eq!(strip_article("tartus"), None);
        assert_eq!(strip_article("al ab"), None);
    }
}
