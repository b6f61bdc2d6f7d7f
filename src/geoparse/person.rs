//! People's names read as places: which capitalised words a text uses as a person's surname
//! ("Kristina Moore" ... "Moore"), so that spotting can refuse them. The name lists are the
//! lexicon's (1990 US census given names and surnames, titles); this module only reads a text.

use rustc_hash::FxHashSet as HashSet;

use crate::gazetteer::Gazetteer;

use super::lexicon::Lexicon;
use super::spot::Source;

/// A given name this common (per 100,000 people in the 1990 US census: Floyd 53, Alexis 9)
/// before a capitalised word makes a person.
pub const GIVEN_MIN_FREQ: u32 = 20;

/// Words the text uses as people's surnames, so that a later bare "Jones" is not taken for a
/// town: the second word of "First Last" where First is a given name, a title with its dot, or
/// any capitalised word that is neither a place name nor an everyday word ("Kristina Moore",
/// "Mahmoud Abbas").
pub fn person_words(g: &Gazetteer, src: &Source<'_>, lex: &Lexicon) -> HashSet<String> {
    let mut out = HashSet::default();
    let words: Vec<(usize, usize)> = {
        let mut v = Vec::new();
        let mut i = 0;
        let c = &src.chars;
        while i < c.len() {
            if c[i].is_alphabetic() {
                let s = i;
                while i < c.len() && (c[i].is_alphanumeric() || c[i] == '\'' || c[i] == '’') {
                    i += 1;
                }
                v.push((s, i));
            } else {
                i += 1;
            }
        }
        v
    };
    for w in words.windows(2) {
        let (a, b) = (w[0], w[1]);
        let gap: String = src.chars[a.1..b.0].iter().collect();
        if gap != " " && gap != ". " {
            continue;
        }
        let first = crate::fold::fold(&src.surface(a.0, a.1));
        let cap_b = src.chars[b.0].is_uppercase();
        let titled = lex.titles.contains(first.as_str()) && src.chars.get(a.1) == Some(&'.');
        let cap_a = src.chars[a.0].is_uppercase() && src.chars[a.0 + 1..a.1].iter().any(|c| c.is_lowercase());
        let given = gap == " "
            && cap_a
            && a.1 - a.0 >= 3
            && !lex.common.contains(&first)
            && !lex.never_alone.contains(first.as_str())
            && !lex.titles.contains(first.as_str())
            && !lex.demonyms.contains_key(&first)
            && g.name(&first).is_empty();
        let census_given = lex.given.get(&first).is_some_and(|f| *f >= GIVEN_MIN_FREQ);
        if cap_b && cap_a && (lex.first_names.contains(&first) || census_given || titled || given) {
            let last = src.surface(b.0, b.1);
            let last = last.trim_end_matches("'s").trim_end_matches("’s");
            out.insert(crate::fold::fold(last));
        }
    }
    // "Robert M. Perez": a given name, an initial, a capitalised word.
    for w in words.windows(3) {
        let (a, m, b) = (w[0], w[1], w[2]);
        let initial = m.1 - m.0 == 1 && src.chars[m.0].is_uppercase() && src.surface(m.1, b.0) == ". ";
        if !initial {
            continue;
        }
        let first = crate::fold::fold(&src.surface(a.0, a.1));
        let given = lex.given.get(&first).is_some_and(|f| *f >= GIVEN_MIN_FREQ) || lex.first_names.contains(&first);
        if given && src.surface(a.1, m.0) == " " && src.chars[b.0].is_uppercase() {
            let last = src.surface(b.0, b.1);
            out.insert(crate::fold::fold(last.trim_end_matches("'s").trim_end_matches("’s")));
        }
    }
    out
}
