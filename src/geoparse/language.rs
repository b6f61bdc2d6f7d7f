//! The language of a text and of its words, and how common a word is in that language.
//!
//! A text's language is the caller's, or is read from its letters: the script most of its
//! letters are in, then letters and function words that only one language of that script uses
//! (Persian پ چ ژ گ and است, Ukrainian і ї є ґ and що, Turkish ı ğ ş and ve). Each word is then
//! judged in the language of its own script, so an Arabic name in an English text is weighed
//! against Arabic words.
//!
//! Word frequencies (Zipf: log10 of occurrences per billion words) come from
//! `data/geoparse/word-freq.tsv`, derived from the `wordfreq` lists (see `data/README.md`). The
//! comparison with a place is [`place_zipf_allowance`]: a mention is kept as a place only when
//! the place is at least as likely as the everyday word.

use rustc_hash::FxHashMap as HashMap;
use std::sync::OnceLock;

use crate::gazetteer::Kind;

const TABLE: &str = include_str!("../../data/geoparse/word-freq.tsv");

/// The languages the geoparser knows words of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    Ar,
    Fa,
    Ru,
    Uk,
    Tr,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Ar => "ar",
            Lang::Fa => "fa",
            Lang::Ru => "ru",
            Lang::Uk => "uk",
            Lang::Tr => "tr",
            Lang::En => "en",
        }
    }

    /// A BCP 47 tag's language, if it is one of ours (`ar-SY` is `ar`; `az` counts as Turkish,
    /// whose words it mostly shares).
    pub fn from_tag(tag: &str) -> Option<Lang> {
        match tag.split(['-', '_']).next().unwrap_or("").to_ascii_lowercase().as_str() {
            "ar" => Some(Lang::Ar),
            "fa" | "prs" => Some(Lang::Fa),
            "ru" => Some(Lang::Ru),
            "uk" => Some(Lang::Uk),
            "tr" | "az" => Some(Lang::Tr),
            "en" => Some(Lang::En),
            _ => None,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Script {
    Arabic,
    Cyrillic,
    Latin,
}

fn script(c: char) -> Option<Script> {
    match c {
        '\u{0600}'..='\u{06FF}' | '\u{0750}'..='\u{077F}' | '\u{FB50}'..='\u{FDFF}' | '\u{FE70}'..='\u{FEFF}' => {
            Some(Script::Arabic)
        }
        '\u{0400}'..='\u{04FF}' => Some(Script::Cyrillic),
        'a'..='z' | 'A'..='Z' | '\u{00C0}'..='\u{024F}' => Some(Script::Latin),
        _ => None,
    }
}

/// Function words that tell two languages of one script apart.
const FA_WORDS: [&str; 8] = ["است", "را", "که", "این", "برای", "می", "شد", "های"];
const UK_WORDS: [&str; 8] = ["що", "та", "це", "від", "які", "його", "було", "вже"];
const TR_WORDS: [&str; 10] = ["ve", "bir", "ile", "için", "bu", "da", "de", "olarak", "sonra", "göre"];

/// The language of the text: the caller's if it is one we know, else detected. `None` when
/// the text has too few letters of a known script to tell.
pub fn detect(text: &str, given: Option<&str>) -> Option<Lang> {
    if let Some(l) = given.and_then(Lang::from_tag) {
        return Some(l);
    }
    let sample: String = text.chars().take(4000).collect();
    let (mut ar, mut cy, mut la) = (0usize, 0usize, 0usize);
    let (mut fa_letters, mut uk_letters, mut tr_letters) = (0usize, 0usize, 0usize);
    for c in sample.chars() {
        match script(c) {
            Some(Script::Arabic) => ar += 1,
            Some(Script::Cyrillic) => cy += 1,
            Some(Script::Latin) => la += 1,
            None => {}
        }
        match c {
            'پ' | 'چ' | 'ژ' | 'گ' | 'ی' | 'ک' => fa_letters += 1,
            'і' | 'ї' | 'є' | 'ґ' | 'І' | 'Ї' | 'Є' | 'Ґ' => uk_letters += 1,
            'ı' | 'ğ' | 'ş' | 'İ' | 'Ş' | 'Ğ' | 'ə' | 'Ə' => tr_letters += 1,
            _ => {}
        }
    }
    if ar + cy + la < 3 {
        return None;
    }
    let words: Vec<String> =
        sample.split(|c: char| !c.is_alphabetic()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect();
    let count = |list: &[&str]| words.iter().filter(|w| list.contains(&w.as_str())).count();
    Some(if ar >= cy && ar >= la {
        if fa_letters >= 2 || count(&FA_WORDS) >= 2 { Lang::Fa } else { Lang::Ar }
    } else if cy >= la {
        if uk_letters >= 2 || count(&UK_WORDS) >= 2 { Lang::Uk } else { Lang::Ru }
    } else if tr_letters >= 2 || count(&TR_WORDS) >= 2 {
        Lang::Tr
    } else {
        Lang::En
    })
}

/// The language to weigh a word in: the text's language when the word is in its script,
/// else the main language of the word's script.
pub fn word_lang(word: &str, text: Option<Lang>) -> Option<Lang> {
    let s = word.chars().find_map(script)?;
    let of_text = text.and_then(|l| {
        let ls = match l {
            Lang::Ar | Lang::Fa => Script::Arabic,
            Lang::Ru | Lang::Uk => Script::Cyrillic,
            Lang::Tr | Lang::En => Script::Latin,
        };
        (ls == s).then_some(l)
    });
    of_text.or(Some(match s {
        Script::Arabic => Lang::Ar,
        Script::Cyrillic => Lang::Ru,
        Script::Latin => Lang::En,
    }))
}

/// Whether a language's script has no letter case (so capitals say nothing about names).
pub fn uncased(l: Lang) -> bool {
    matches!(l, Lang::Ar | Lang::Fa)
}

/// Per language (in [`Lang`] order), folded word → Zipf.
type Table = [HashMap<String, f32>; 6];

fn slot(l: Lang) -> usize {
    l as usize
}

fn table() -> &'static Table {
    static T: OnceLock<Table> = OnceLock::new();
    T.get_or_init(|| {
        let mut t: Table = Default::default();
        for line in TABLE.lines().filter(|l| !l.starts_with('#')) {
            let mut parts = line.splitn(3, '\t');
            let (Some(l), Some(z), Some(words)) = (parts.next(), parts.next(), parts.next()) else { continue };
            let (Some(lang), Ok(z)) = (Lang::from_tag(l), z.parse::<f32>()) else { continue };
            for w in words.split(' ') {
                // Several spellings may fold to one key (أن, ان): the commonest counts.
                let e = t[slot(lang)].entry(crate::fold::fold(w)).or_insert(0.0);
                *e = e.max(z);
            }
        }
        t
    })
}

/// The Zipf frequency of a folded word in a language; 0 for a word rarer than the table keeps.
pub fn zipf(lang: Lang, folded: &str) -> f32 {
    table()[slot(lang)].get(folded).copied().unwrap_or(0.0)
}

/// Countries whose main language (or one in everyday use) is `lang`: their places are named
/// in that language's texts as a matter of course, and their names in its script are native,
/// not exonyms of foreign places.
fn local(lang: Lang, country: &str) -> bool {
    let list: &[&str] = match lang {
        Lang::Ar => &[
            "SY", "IQ", "LB", "JO", "PS", "IL", "SA", "EG", "YE", "OM", "AE", "QA", "BH", "KW", "LY", "TN", "DZ", "MA",
            "SD", "MR", "SO", "DJ", "KM", "EH",
        ],
        Lang::Fa => &["IR", "AF", "TJ"],
        Lang::Ru => &["RU", "BY", "KZ", "KG", "UA", "MD"],
        Lang::Uk => &["UA"],
        Lang::Tr => &["TR", "CY", "AZ"],
        Lang::En => &["US", "GB", "IE", "CA", "AU", "NZ"],
    };
    list.contains(&country)
}

/// How often a place's name may be met as a word of `lang` and still be read as the place, in
/// Zipf: it grows with the population (a city of a million is written about far more than a
/// village), with a bonus for countries and regions (their names are everyday words of the
/// news; an unknown population counts as a large one) and for places in a country that speaks
/// the language. Fitted by hand so that Idlib (165,000 people; Zipf 4.3 in Arabic), Damascus
/// (5.1) and Moscow (5.4 in Russian) pass while "حربية" (Zipf 4.1, "military") is not the
/// Turkish village Harbiye and "مدينة" (5.8, "city") is not Medina.
pub fn place_zipf_allowance(lang: Lang, population: u64, kind: Kind, country: Option<&str>) -> f32 {
    let population = match kind {
        Kind::Country | Kind::Continent if population == 0 => 10_000_000,
        Kind::Region | Kind::District if population == 0 => 1_000_000,
        _ => population,
    };
    let p = (population.max(300) as f32).log10();
    let kind_bonus = match kind {
        Kind::Country | Kind::Continent => 1.2,
        Kind::Region => 0.6,
        _ => 0.0,
    };
    let local_bonus = if country.is_some_and(|c| local(lang, c)) { LOCAL_ALLOWANCE } else { 0.0 };
    ALLOWANCE_BASE + ALLOWANCE_SLOPE * p + kind_bonus + local_bonus
}

const ALLOWANCE_BASE: f32 = 1.4;
const ALLOWANCE_SLOPE: f32 = 0.55;
const LOCAL_ALLOWANCE: f32 = 0.5;
/// What the caller's `country_hint` adds to a place in that country.
pub const HINT_ALLOWANCE: f32 = 0.4;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_script_and_function_words_give_the_language() {
        assert_eq!(detect("قصفت طائرات حربية يوم الاثنين محيط مدينة إدلب", None), Some(Lang::Ar));
        assert_eq!(detect("این گزارش درباره حمله به شهر است که دیروز رخ داد", None), Some(Lang::Fa));
        assert_eq!(detect("Российская авиация нанесла удар по Идлибу", None), Some(Lang::Ru));
        assert_eq!(detect("Російські війська обстріляли Харків уночі", None), Some(Lang::Uk));
        assert_eq!(detect("Savaş uçakları İdlib çevresini bombaladı ve üç sivil öldü", None), Some(Lang::Tr));
        assert_eq!(detect("Warplanes struck the outskirts of Idlib", None), Some(Lang::En));
        assert_eq!(detect("Warplanes struck", Some("ar-SY")), Some(Lang::Ar));
        assert_eq!(detect("12 345 !!", None), None);
    }

    #[test]
    fn a_word_is_weighed_in_the_language_of_its_script() {
        assert_eq!(word_lang("حلب", Some(Lang::En)), Some(Lang::Ar));
        assert_eq!(word_lang("харків", Some(Lang::Uk)), Some(Lang::Uk));
        assert_eq!(word_lang("харків", Some(Lang::Tr)), Some(Lang::Ru));
        assert_eq!(word_lang("2025", Some(Lang::En)), None);
    }

    #[test]
    fn common_words_outweigh_small_places_and_big_places_outweigh_words() {
        let f = |l, w: &str| zipf(l, &crate::fold::fold(w));
        let a = |l, pop, kind, cc| place_zipf_allowance(l, pop, kind, Some(cc));
        assert!(f(Lang::Ar, "مدينة") > a(Lang::Ar, 1_300_000, Kind::Settlement, "SA"));
        assert!(f(Lang::Ar, "حربية") > a(Lang::Ar, 10_000, Kind::Settlement, "TR"));
        assert!(f(Lang::Ar, "إلى") > a(Lang::Ar, 10_000, Kind::Settlement, "IR"));
        assert!(f(Lang::Ar, "إدلب") < a(Lang::Ar, 165_000, Kind::Settlement, "SY"));
        assert!(f(Lang::Ar, "دمشق") < a(Lang::Ar, 1_600_000, Kind::Settlement, "SY"));
        assert!(f(Lang::Ru, "москва") < a(Lang::Ru, 10_000_000, Kind::Settlement, "RU"));
        assert!(f(Lang::Ru, "россии") < a(Lang::Ru, 140_000_000, Kind::Country, "RU"));
        assert!(f(Lang::Ru, "удар") > a(Lang::Ru, 2_000, Kind::Settlement, "RU"));
        assert!(f(Lang::Tr, "hatay") < a(Lang::Tr, 0, Kind::Region, "TR"));
        assert_eq!(f(Lang::Ar, "سرمين"), 0.0);
    }
}
