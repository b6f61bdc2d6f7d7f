//! Geoparsing: text in, place mentions out. A pure module: no I/O, the gazetteer is handed in.
//!
//! [`geoparse`] folds the text (keeping a map back to character offsets), spots every gazetteer
//! name and demonym on word boundaries (`spot`), gathers each spot's candidates, and resolves them
//! with evidence from the whole text (`resolve`). Offsets are in Unicode code points, end exclusive.

pub mod calibrate;
pub mod category;
pub mod eval;
pub mod language;
mod lexicon;
mod person;
pub mod report;
mod resolve;
pub mod roundup;
mod spot;
pub mod when;

use serde::Serialize;

use crate::gazetteer::{Gazetteer, Kind, PlaceInfo};

/// What the caller knows about the text.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// ISO alpha-2 code of the country the text is most likely about.
    pub country_hint: Option<String>,
    /// BCP 47 language of the text (`ru`, `tr`), when known.
    pub language: Option<String>,
}

/// A runner-up reading of a mention.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Alternative {
    pub gazetteer_id: String,
    pub name: String,
    pub kind: Kind,
    pub country: Option<String>,
    pub admin1: Option<String>,
    pub lon: f64,
    pub lat: f64,
    pub score: f64,
}

/// A place mentioned in a text.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Mention {
    /// Code-point offsets in the text, end exclusive.
    pub start: usize,
    pub end: usize,
    /// The text of the mention.
    pub text: String,
    /// The place it most likely means.
    pub place: PlaceInfo,
    /// How sure the resolution is, 0 to 1.
    pub confidence: f64,
    /// A demonym ("Russian") names its country, but not as where something happened.
    pub demonym: bool,
    /// Other readings, best first.
    pub candidates: Vec<Alternative>,
    /// What the confidence was computed from (for evaluation; not part of the API).
    #[serde(skip)]
    #[schema(ignore)]
    pub evidence: calibrate::Evidence,
}

/// How many candidates a spot may have (a "Springfield" has dozens).
const MAX_CANDIDATES: usize = 48;
/// Everyday words ("Reading") are kept only with this much support, or a large place.
const WEAK_MIN_POPULATION: u64 = 50_000;
/// A one-word name of a place smaller than this needs support from the rest of the text.
const LONE_MIN_POPULATION: u64 = 5_000;
const LONE_MIN_SUPPORT: f64 = 0.05;
/// A word also used as a surname in the text is kept as a place only this big, or in "X, Y".
const SURNAME_MIN_POPULATION: u64 = 50_000;

/// A surname at least this common (per 100,000 people: Moore 312, Flores 115) is a person
/// even after "in" when it names only a small place.
const COMMON_SURNAME_FREQ: u32 = 100;
/// A given name at least this common (per 100,000 people: Charlotte 36, Norman 50) standing
/// alone is a person unless the text introduces it as a place.
const COMMON_GIVEN_FREQ: u32 = 20;

/// A word of two to four letters, all capitals ("HIV", "NATO"; not "U.S.", "Ohio").
fn is_acronym(surface: &str) -> bool {
    let n = surface.chars().count();
    (2..=4).contains(&n) && surface.chars().all(char::is_uppercase)
}

/// The words between two spots that make the second contain the first.
fn is_container_link(between: &str) -> bool {
    let b = between.trim().to_lowercase();
    matches!(b.as_str(), "," | "in" | "(" | ", in" | "near" | "outside" | "in the" | "of" | "-" | "–")
}

/// Finds and resolves every place mention in `text`.
pub fn geoparse(g: &Gazetteer, text: &str, opts: &Options) -> Vec<Mention> {
    let folded = crate::fold::fold_mapped(text);
    let src = spot::Source { chars: text.chars().collect(), folded: &folded };
    let lex = lexicon::lexicon();
    let lang = language::detect(text, opts.language.as_deref());
    let turkic = spot::looks_turkic(text, opts.language.as_deref()) || lang == Some(language::Lang::Tr);
    let spots = spot::spot(g, &src, lex, turkic, lang);
    let mut items: Vec<resolve::Item> = Vec::with_capacity(spots.len());
    let mut kept: Vec<&spot::Spot> = Vec::with_capacity(spots.len());
    for s in &spots {
        let cands = match &s.demonym {
            Some(cc) => g
                .country(cc)
                .map(|p| {
                    vec![crate::gazetteer::Candidate {
                        matched_name: src.surface(s.start, s.end),
                        match_type: crate::gazetteer::MatchType::AlternateName,
                        score: 1.0,
                        place: p,
                    }]
                })
                .unwrap_or_default(),
            None => {
                let mut c = g.candidates(&s.names, MAX_CANDIDATES);
                // A short word in capitals is an acronym ("HIV", "UN", "SWAT"): a place only by
                // an abbreviation the gazetteer writes so ("US", "DRC"), not a town "Hiv".
                if is_acronym(&src.surface(s.start, s.end)) {
                    c.retain(|c| !c.matched_name.chars().any(char::is_lowercase));
                }
                if let (Some(wl), true) = (s.word_lang, s.word_zipf > 0.0) {
                    // A word is a place only if some reading of it is likelier than the everyday
                    // word; which reading is the context's call, not the word's.
                    let likelier = c.iter().any(|c| {
                        let cc = c.place.country.as_deref();
                        let hint = match (opts.country_hint.as_deref(), cc) {
                            (Some(h), Some(cc)) if h.eq_ignore_ascii_case(cc) => language::HINT_ALLOWANCE,
                            _ => 0.0,
                        };
                        language::place_zipf_allowance(wl, c.place.population, c.place.kind, cc) + hint >= s.word_zipf
                    });
                    if !likelier {
                        c.clear();
                    }
                }
                c
            }
        };
        if cands.is_empty() {
            continue;
        }
        items.push(resolve::Item {
            key: s.key.clone(),
            cands,
            container: None,
            scores: Vec::new(),
            confidence: 0.0,
            support: 0.0,
        });
        kept.push(s);
    }
    for i in 0..items.len().saturating_sub(1) {
        let between = src.surface(kept[i].end, kept[i + 1].start);
        if kept[i].demonym.is_none() && kept[i + 1].demonym.is_none() && is_container_link(&between) {
            items[i].container = Some(i + 1);
        }
    }
    resolve::resolve(&mut items, opts.country_hint.as_deref());
    let mut repeats: rustc_hash::FxHashMap<&str, usize> = rustc_hash::FxHashMap::default();
    for s in &kept {
        *repeats.entry(s.key.as_str()).or_default() += 1;
    }
    let mut out = Vec::with_capacity(items.len());
    for (s, it) in kept.iter().zip(items) {
        let Some(best) = it.cands.first() else { continue };
        // Abbreviations keep their final dot ("Kan.", "U.S."), which folding dropped.
        let mut end = s.end;
        if src.chars.get(end) == Some(&'.') && it.cands.iter().any(|c| c.matched_name.ends_with('.')) {
            end += 1;
        }
        let big = best.place.population >= WEAK_MIN_POPULATION;
        if s.weak && !big && (s.leads_name || (it.container.is_none() && it.support < 0.1)) {
            continue;
        }
        // An abbreviation written with a dot ("Miss.", "Kan.") needs its dot.
        if it.cands.iter().all(|c| c.matched_name.ends_with('.')) && src.chars.get(s.end) != Some(&'.') {
            continue;
        }
        if s.surname && best.place.population < SURNAME_MIN_POPULATION && it.container.is_none() {
            continue;
        }
        // A lone word naming only a hamlet far from everything else the text mentions is more
        // likely a surname or a brand than that hamlet.
        // A team's own place was added because its reports name it: never dropped as lone.
        let team = best.place.gazetteer_id.starts_with("custom:");
        let lone = !team && !s.key.contains(' ') && s.demonym.is_none() && it.container.is_none();
        if lone && best.place.population < LONE_MIN_POPULATION && it.support < LONE_MIN_SUPPORT {
            continue;
        }
        // A person's name read as a town: a common given name before another name ("Floyd
        // Chaney"), or a common US surname naming a small place that nothing in the text
        // introduces as one ("Moore said", "Clark's plea"; but "in Moore").
        let area = matches!(best.place.kind, Kind::Country | Kind::Region | Kind::Continent);
        if !team && !area && s.given_first {
            continue;
        }
        // A common given name alone ("Tim and Kristina said", "Norman's Welding") likewise, when
        // nothing ("in", a comma, "X, Y") makes it a place.
        let common_surname = s.surname_freq >= COMMON_SURNAME_FREQ || (s.surname_freq > 0 && !s.locative);
        let common_given = s.given_freq >= COMMON_GIVEN_FREQ && !s.locative;
        if !team
            && !area
            && (common_surname || common_given)
            && best.place.population < SURNAME_MIN_POPULATION * 2
            && it.container.is_none()
        {
            continue;
        }
        let evidence = calibrate::Evidence {
            share: it.confidence,
            population: best.place.population,
            kind: Some(best.place.kind),
            demonym: s.demonym.is_some(),
            weak: s.weak,
            surname: s.surname,
            multiword: s.key.contains(' '),
            support: it.support,
            candidates: it.cands.len(),
            word_zipf: match (s.key.contains(' '), s.word_lang) {
                (false, Some(l)) => f64::from(language::zipf(l, &s.key)),
                _ => 0.0,
            },
            repeated: repeats.get(s.key.as_str()).is_some_and(|n| *n > 1),
            uncased: s.word_lang.is_some_and(language::uncased),
            contained: it.container.is_some(),
            person_name: s.given_freq > 0 || s.surname_freq > 0,
            locative: s.locative,
        };
        out.push(Mention {
            start: s.start,
            end,
            text: src.surface(s.start, end),
            place: best.place.clone(),
            confidence: calibrate::confidence(&evidence),
            evidence,
            demonym: s.demonym.is_some(),
            candidates: it
                .cands
                .iter()
                .zip(&it.scores)
                .skip(1)
                .take(4)
                .map(|(c, sc)| Alternative {
                    gazetteer_id: c.place.gazetteer_id.clone(),
                    name: c.place.name.clone(),
                    kind: c.place.kind,
                    country: c.place.country.clone(),
                    admin1: c.place.admin1.clone(),
                    lon: c.place.lon,
                    lat: c.place.lat,
                    score: (sc * 1000.0).round() / 1000.0,
                })
                .collect(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gazetteer::tests::gazetteer;

    fn ids(text: &str) -> Vec<(String, String)> {
        geoparse(gazetteer(), text, &Options::default()).into_iter().map(|m| (m.text, m.place.gazetteer_id)).collect()
    }

    const TARTUS: &str = "geonames:163345";
    const LATAKIA: &str = "geonames:173576";
    const JABLEH: &str = "geonames:169304";

    #[test]
    fn an_english_report_names_tartus_latakia_and_jableh() {
        let m = ids("A Russian convoy left Latakia for Tartus on Monday after stopping near Jableh.");
        assert!(m.contains(&("Latakia".into(), LATAKIA.into())), "{m:?}");
        assert!(m.contains(&("Tartus".into(), TARTUS.into())), "{m:?}");
        assert!(m.contains(&("Jableh".into(), JABLEH.into())), "{m:?}");
        assert!(m.iter().any(|(t, id)| t == "Russian" && id == "geonames:2017370"), "{m:?}");
        assert!(!m.iter().any(|(t, _)| t == "Monday"), "{m:?}");
    }

    #[test]
    fn inflected_russian_turkish_and_arabic_forms_resolve() {
        let ru = ids("Колонна вышла из Латакии и направилась к Тартусу, но в Тартусе её остановили.");
        assert!(ru.iter().filter(|(_, id)| id == TARTUS).count() == 2, "{ru:?}");
        assert!(ru.iter().any(|(_, id)| id == LATAKIA), "{ru:?}");
        let tr = ids("Rus konvoyu Lazkiye'den Tartus'a gitti ve Tartus'taki üssün girişinde bekletildi.");
        assert_eq!(tr.iter().filter(|(_, id)| id == TARTUS).count(), 2, "{tr:?}");
        assert!(tr.iter().any(|(t, id)| t == "Lazkiye" && id == LATAKIA), "{tr:?}");
        let ar = ids("انطلقت القافلة من اللاذقية باتجاه طرطوس، وتوقفت بطرطوس ثماني ساعات");
        assert_eq!(ar.iter().filter(|(_, id)| id == TARTUS).count(), 2, "{ar:?}");
        assert!(ar.iter().any(|(_, id)| id == LATAKIA), "{ar:?}");
    }

    #[test]
    fn a_cyrillic_word_that_is_a_small_place_as_written_is_read_inflected_when_likelier() {
        // «в Ракке» is the locative of Ракка (Raqqa), not Rakke in Estonia, which it spells.
        let ru = ids("В Ракке взорвался заминированный автомобиль.");
        assert_eq!(ru, [("Ракке".to_string(), "geonames:172955".to_string())]);
        // A name as written that is the likelier place stays itself.
        let ru = ids("Колонна вернулась в Москву, а потом в Ригу.");
        assert!(ru.iter().any(|(t, id)| t == "Ригу" && id == "geonames:456172"), "{ru:?}");
    }

    #[test]
    fn offsets_are_code_points_of_the_original_text() {
        let text = "Ţarţūs — a port. Then Латакии.";
        for m in geoparse(gazetteer(), text, &Options::default()) {
            let s: String = text.chars().skip(m.start).take(m.end - m.start).collect();
            assert_eq!(s, m.text);
        }
    }

    #[test]
    fn everyday_words_persons_and_lower_case_are_not_places() {
        let m = ids("Reading the report, George Washington said the police in us were nice. Of course.");
        assert!(m.is_empty(), "{m:?}");
        let m = ids("I’ve seen it and I've said so; we’ll see.");
        assert!(m.is_empty(), "contractions: {m:?}");
    }

    #[test]
    fn context_picks_the_nearby_namesake() {
        let m = geoparse(gazetteer(), "Flooding hit Paris, Texas, and nearby Dallas on Sunday.", &Options::default());
        let paris = m.iter().find(|m| m.text == "Paris").unwrap();
        assert_eq!(paris.place.country.as_deref(), Some("US"), "{m:?}");
        let m = geoparse(gazetteer(), "Protesters marched in Paris and Lyon.", &Options::default());
        assert_eq!(m[0].place.country.as_deref(), Some("FR"), "{m:?}");
        assert!(m[0].confidence > 0.5);
    }

    fn texts(text: &str) -> Vec<String> {
        geoparse(gazetteer(), text, &Options::default()).into_iter().map(|m| m.text).collect()
    }

    #[test]
    fn a_given_name_before_another_name_is_a_person_in_english_and_turkish() {
        let m = texts("Floyd Chaney said the fire at the depot in Atlanta started at noon.");
        assert_eq!(m, ["Atlanta"]);
        let m = texts("Floyd Chaney dün Ankara'da bir açıklama yaptı.");
        assert_eq!(m, ["Ankara"]);
        // A middle initial: "Robert M. Sanford" makes Sanford a surname for the rest of the text.
        let m = texts("Robert M. Sanford spoke in Atlanta. Sanford is a lawyer.");
        assert_eq!(m, ["Atlanta"]);
        // After a given name of the census list: "Phyllis Chu" is not Chu in China.
        assert_eq!(texts("Phyllis Chu was raised in Atlanta."), ["Atlanta"]);
        assert_eq!(texts("Phyllis Chu İstanbul'da büyüdü."), ["İstanbul"]);
    }

    #[test]
    fn a_common_surname_naming_a_small_town_is_a_place_only_where_the_text_puts_one() {
        assert!(texts("Sanford said the plan was approved by the board.").is_empty());
        assert_eq!(texts("Flooding closed two roads in Sanford on Monday."), ["Sanford"]);
        assert!(texts("Sel, Sanford'da iki yolu kapattı.").contains(&"Sanford".to_string()));
        // Moore is so common a surname that even "in Moore" needs more (a container).
        assert!(texts("Moore told reporters the county would appeal.").is_empty());
        assert_eq!(texts("A tornado hit Moore, Oklahoma, on Monday."), ["Moore", "Oklahoma"]);
    }

    #[test]
    fn a_name_with_a_generic_head_names_a_street_or_a_firm_not_the_town() {
        assert_eq!(texts("The crash on Lebanon Street closed a lane near Damascus."), ["Damascus"]);
        assert!(texts("The Marburg virus spreads slowly.").is_empty());
        assert!(texts("Stevens & Wilkinson sued the city.").is_empty());
        assert_eq!(texts("Ankara Caddesi üzerinde Halep'ten gelen bir araç durduruldu."), ["Halep"]);
        let ar = texts("انفجار في شارع بغداد وسط دمشق");
        assert_eq!(ar, ["دمشق"]);
        let ru = texts("Взрыв прогремел на улице Алеппо в Латакии.");
        assert_eq!(ru, ["Латакии"]);
    }

    #[test]
    fn a_short_word_in_capitals_is_an_acronym_unless_the_gazetteer_writes_it_so() {
        assert_eq!(texts("HIV cases rose in Kenya, the UN said."), ["Kenya"]);
        assert_eq!(texts("HIV vakaları Kenya'da arttı, dedi UN."), ["Kenya"]);
        let m = texts("Troops from the US and UK landed in the DRC.");
        assert_eq!(m, ["US", "UK", "DRC"]);
    }

    #[test]
    fn a_title_with_its_dot_is_not_a_town_in_english_and_turkish() {
        let m = texts("U.S. Sens. Harmon and Whitfield visited Atlanta on Monday.");
        assert!(!m.contains(&"Sens".to_string()) && m.contains(&"Atlanta".to_string()), "{m:?}");
        let m = texts("ABD'li Sens. Harmon ve Whitfield dün Ankara'yı ziyaret etti.");
        assert!(!m.contains(&"Sens".to_string()) && m.contains(&"Ankara".to_string()), "{m:?}");
    }

    #[test]
    fn what_is_named_after_a_person_or_a_place_elsewhere_is_not_that_place() {
        assert_eq!(texts("The Obama administration sent tents to Haiti."), ["Haiti"]);
        assert_eq!(texts("Obama yönetimi Haiti'ye çadır gönderdi."), ["Haiti"]);
        assert_eq!(texts("The Chamber of Commerce in Atlanta met the Department of Commerce on Friday."), ["Atlanta"]);
        let m = texts("The City of Athens and the Village of Glen Carbon both voted.");
        assert!(!m.iter().any(|t| t == "City" || t == "Village"), "{m:?}");
        // An institution standing where it is named keeps its place: the strike was there.
        assert!(texts("An air strike hit Idlib University on Monday.").contains(&"Idlib".to_string()));
        // The same in Turkish and Arabic, where the street before or after the name is not.
        assert!(texts("Hava saldırısı İdlib Üniversitesi'ni vurdu.").contains(&"İdlib".to_string()));
        assert!(texts("قصفت طائرات حربية جامعة حلب يوم الاثنين").contains(&"حلب".to_string()));
        assert!(!texts("أغلقت الشرطة شارع بغداد في دمشق").contains(&"بغداد".to_string()));
    }

    #[test]
    fn a_given_name_before_a_surname_or_alone_is_a_person_in_english_and_turkish() {
        assert_eq!(texts("Iola Whitfield flew to Atlanta on Monday."), ["Atlanta"]);
        assert_eq!(texts("Dün Iola Whitfield Ankara'ya uçtu."), ["Ankara"]);
        assert_eq!(texts("Alma and her brother moved to Atlanta in May."), ["Atlanta"]);
        assert_eq!(texts("Dün Alma ve kardeşi Ankara'ya taşındı."), ["Ankara"]);
        // Introduced as a place, the same name is one.
        assert_eq!(texts("Flooding closed two roads in Alma on Monday."), ["Alma"]);
    }
}
