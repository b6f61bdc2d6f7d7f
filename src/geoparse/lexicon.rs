//! The word lists the geoparser consults: everyday English words that are also place names,
//! demonyms, given names, person titles, calendar words, and the lower-case words allowed inside
//! multi-word names. The lists live in `data/geoparse/`; see `data/README.md`.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::sync::OnceLock;

use crate::fold;

const COMMON: &str = include_str!("../../data/geoparse/common-words.txt");
const DEMONYMS: &str = include_str!("../../data/geoparse/demonyms.tsv");
const FIRST_NAMES: &str = include_str!("../../data/geoparse/first-names.txt");
const NOT_PLACES: &str = include_str!("../../data/geoparse/not-places.txt");
const PERSON_NAMES: &str = include_str!("../../data/geoparse/person-names.tsv");

/// Generic heads that make the capitalised word before them part of another name: a street, a
/// river or a firm is not the town it is named after ("Lebanon Street", "Marburg virus").
/// Folded; the head follows the name in English and Turkish.
pub const HEADS_AFTER: [&str; 48] = [
    "road",
    "rd",
    "street",
    "st",
    "drive",
    "dr",
    "avenue",
    "ave",
    "boulevard",
    "blvd",
    "lane",
    "ln",
    "parkway",
    "pkwy",
    "pike",
    "trail",
    "trails",
    "river",
    "creek",
    "valley",
    "township",
    "park",
    "bridge",
    "ridge",
    "nebula",
    "way",
    "circle",
    "terrace",
    "mountain",
    "mountains",
    "hill",
    "hills",
    "heights",
    "virus",
    "ebolavirus",
    // What is named after a person or a place without standing there: "the Obama
    // administration", "New York Times", "Agence France-Presse", «Obama yönetimi». An
    // institution that stands at the place it is named after ("Idlib University", "Tulsa Zoo")
    // keeps the place: an event there happened there.
    "administration",
    "times",
    "daily",
    "tribune",
    "herald",
    "gazette",
    "presse",
    "yonetimi",
    // Turkish: street, avenue, boulevard, river. (A university keeps its place, «İdlib
    // Üniversitesi» as "Idlib University".)
    "caddesi",
    "sokak",
    "sokagi",
    "bulvari",
    "nehri",
];

/// Heads written before the name they belong to (Russian, Ukrainian, Arabic): «улица Ленина»,
/// «вулиця Київська», «شارع بغداد» name a street, not the town. A university keeps its place
/// («جامعة حلب» as "University of Aleppo").
pub const HEADS_BEFORE: [&str; 18] = [
    "улица",
    "улице",
    "улицы",
    "улицу",
    "ул",
    "проспект",
    "проспекте",
    "проспекта",
    "переулок",
    "переулке",
    "вулиця",
    "вулиці",
    "вулицю",
    "вул",
    "проспекті",
    "провулок",
    "شارع",
    "نهر",
];
/// Institutions whose name goes on with "of" and a name that is not where they are: "Chamber of
/// Commerce", "Department of Commerce", "Bank of America". A university or museum "of" a place
/// stands there ("University of Aleppo") and is not listed.
pub const HEADS_OF: [&str; 16] = [
    "chamber",
    "department",
    "dept",
    "secretary",
    "bank",
    "corporation",
    "council",
    "board",
    "pastor",
    "institute",
    "cathedral",
    "bureau",
    "commission",
    "committee",
    "society",
    "association",
];

/// Verbs of saying: a bare name right before one is a person ("Jones said").
pub const SAYING: [&str; 14] = [
    "said",
    "says",
    "told",
    "added",
    "explained",
    "noted",
    "wrote",
    "asked",
    "stated",
    "testified",
    "recalled",
    "agreed",
    "argued",
    "insisted",
];

/// Titles and roles that put a person's name after them ("Gov. Perdue", "President Jackson").
const TITLES: [&str; 46] = [
    "sens",
    "reps",
    "mr",
    "mrs",
    "ms",
    "miss",
    "dr",
    "sen",
    "senator",
    "rep",
    "gov",
    "governor",
    "president",
    "judge",
    "justice",
    "sheriff",
    "officer",
    "sgt",
    "sergeant",
    "lt",
    "lieutenant",
    "gen",
    "general",
    "col",
    "colonel",
    "capt",
    "captain",
    "maj",
    "major",
    "rev",
    "reverend",
    "father",
    "coach",
    "secretary",
    "minister",
    "prince",
    "king",
    "queen",
    "lord",
    "lady",
    "sir",
    "mayor",
    "chief",
    "pastor",
    "bishop",
    "deputy",
];

/// Words that never start a place name on their own in running text, whatever the gazetteer
/// holds: calendar words and the commonest sentence openers.
const NEVER_ALONE: [&str; 75] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "the",
    "a",
    "an",
    "of",
    "and",
    "or",
    "but",
    "in",
    "on",
    "at",
    "to",
    "for",
    "god",
    "police",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "university",
    "miss",
    "north",
    "south",
    "east",
    "west",
    "northeast",
    "northwest",
    "southeast",
    "southwest",
    "northern",
    "southern",
    "eastern",
    "western",
    "central",
    "middle",
    "upper",
    "lower",
    "big",
    "little",
    "great",
    "main",
    "metro",
    "human",
    "leader",
    // Generic nouns of places and institutions, capitalised in a longer name ("City of
    // Athens", "Village of Glen Carbon", "Chamber of Commerce").
    "city",
    "village",
    "town",
    "cathedral",
    "chamber",
];

/// Lower-case words that may stand inside a multi-word name ("Bay of Pigs", "Rio de Janeiro").
pub const CONNECTORS: [&str; 28] = [
    "of", "de", "del", "della", "la", "le", "les", "los", "las", "du", "des", "da", "do", "dos", "das", "upon", "on",
    "am", "an", "der", "al", "el", "en", "sur", "the", "and", "y", "e",
];

pub struct Lexicon {
    pub common: HashSet<String>,
    /// Folded demonym → ISO country code.
    pub demonyms: HashMap<String, String>,
    /// The longest demonym in words.
    pub demonym_words: usize,
    pub first_names: HashSet<String>,
    /// Folded names that are not places in running text ("Christmas", "White House").
    pub not_places: HashSet<String>,
    pub titles: HashSet<&'static str>,
    /// Folded given names of the 1990 US census → occurrences per 100,000 people.
    pub given: HashMap<String, u32>,
    /// Folded surnames of the 1990 US census → occurrences per 100,000 people.
    pub surnames: HashMap<String, u32>,
    pub never_alone: HashSet<&'static str>,
}

/// The lexicon, read once.
pub fn lexicon() -> &'static Lexicon {
    static L: OnceLock<Lexicon> = OnceLock::new();
    L.get_or_init(|| {
        let lines = |s: &'static str| s.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#'));
        let mut demonyms = HashMap::default();
        let mut demonym_words = 1;
        for l in lines(DEMONYMS) {
            if let Some((cc, forms)) = l.split_once('\t') {
                for f in forms.split('|') {
                    let folded = fold::fold(f);
                    demonym_words = demonym_words.max(folded.split(' ').count());
                    demonyms.insert(folded, cc.trim().to_string());
                }
            }
        }
        let (mut given, mut surnames) = (HashMap::default(), HashMap::default());
        for l in lines(PERSON_NAMES) {
            let mut f = l.split('\t');
            let (Some(k), Some(n), Some(freq)) = (f.next(), f.next(), f.next()) else { continue };
            let Ok(freq) = freq.parse::<u32>() else { continue };
            match k {
                "g" => given.insert(n.to_string(), freq),
                _ => surnames.insert(n.to_string(), freq),
            };
        }
        Lexicon {
            given,
            surnames,
            common: lines(COMMON).map(str::to_string).collect(),
            demonyms,
            demonym_words,
            first_names: lines(FIRST_NAMES).flat_map(|l| l.split_whitespace()).map(fold::fold).collect(),
            not_places: lines(NOT_PLACES).map(fold::fold).collect(),
            titles: TITLES.into_iter().collect(),
            never_alone: NEVER_ALONE.into_iter().collect(),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lists_load() {
        let l = lexicon();
        assert!(l.common.contains("reading") && l.common.contains("mobile") && l.common.contains("nice"));
        assert!(!l.common.contains("paris"));
        assert_eq!(l.demonyms.get("russian").map(String::as_str), Some("RU"));
        assert_eq!(l.demonyms.get("sri lankan").map(String::as_str), Some("LK"));
        assert!(l.first_names.contains("george"));
        assert_eq!(l.demonym_words, 3);
    }
}
