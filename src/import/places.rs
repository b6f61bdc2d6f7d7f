//! The importers' gazetteer: places of imported rows completed as `POST /api/events` completes
//! them ([`gazetteer::resolve::complete_places`](crate::gazetteer::resolve::complete_places)),
//! with the row's country as a hint, and a reason an import report can show when a place cannot
//! be resolved: an unknown or ambiguous name, or a name the gazetteer knows only outside the
//! country the row gives, with the candidates named.

use std::sync::Arc;

use super::pipeline::PlaceCompleter;
use crate::domain::PlaceInput;
use crate::gazetteer::resolve::{Unresolved, complete_places};
use crate::gazetteer::{Candidate, Gazetteer, SearchOptions};

/// How many candidates of an ambiguous name a rejection names.
const NAMED_CANDIDATES: usize = 3;

/// Places completed through the gazetteer.
pub struct GazetteerPlaces(pub Arc<Gazetteer>);

impl PlaceCompleter for GazetteerPlaces {
    fn complete(&self, place: &mut PlaceInput, country_hint: Option<&str>) -> Result<(), String> {
        // A name to geocode, and the country the row puts it in.
        let geocoded = place.needs_coordinates()
            && place.gazetteer_id.as_deref().is_none_or(|id| id.trim().is_empty())
            && place.name.as_deref().is_some_and(|n| !n.trim().is_empty());
        let expected = place.country.clone().or_else(|| country_hint.map(str::to_string));
        complete_places(&self.0, std::slice::from_mut(place), country_hint).map_err(|u| reason(&u))?;
        let (true, Some(cc), Some(id)) = (geocoded, expected, place.gazetteer_id.as_deref()) else { return Ok(()) };
        let found = self.0.get(id).and_then(|(info, _)| info.country);
        match found {
            Some(c) if !c.eq_ignore_ascii_case(&cc) => {
                let name = place.name.clone().unwrap_or_default();
                let cands = self.0.search(&name, &SearchOptions { limit: NAMED_CANDIDATES, ..Default::default() });
                Err(format!(
                    "the gazetteer knows no place called `{name}` in {cc}, the row's country; give coordinates or fix the country (candidates: {})",
                    named(cands.iter())
                ))
            }
            _ => Ok(()),
        }
    }
}

/// Candidates as a rejection names them: `geonames:170063 Aleppo SY`.
fn named<'a>(cands: impl Iterator<Item = &'a Candidate>) -> String {
    cands
        .take(NAMED_CANDIDATES)
        .map(|c| {
            format!("{} {} {}", c.place.gazetteer_id, c.place.name, c.place.country.as_deref().unwrap_or(""))
                .trim()
                .to_string()
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Why a row's place was refused, in one line: each field's message, and the first candidates
/// of an ambiguous name.
fn reason(u: &Unresolved) -> String {
    let mut msg = u.errors.iter().map(|e| e.message.as_str()).collect::<Vec<_>>().join("; ");
    if !u.candidates.is_empty() {
        msg = msg.replace(" (see candidates)", "");
        msg.push_str(&format!(" (candidates: {})", named(u.candidates.iter().map(|(_, c)| c))));
    }
    msg
}

#[cfg(test)]
mod tests {
    use std::sync::OnceLock;

    use super::*;

    fn places() -> &'static GazetteerPlaces {
        static P: OnceLock<GazetteerPlaces> = OnceLock::new();
        P.get_or_init(|| GazetteerPlaces(Arc::new(Gazetteer::load_embedded().expect("the embedded gazetteer"))))
    }

    fn named(name: &str, country: Option<&str>) -> PlaceInput {
        PlaceInput { name: Some(name.into()), country: country.map(str::to_string), ..Default::default() }
    }

    #[test]
    fn a_name_without_coordinates_is_found_in_the_rows_country() {
        let mut p = named("Aden", None);
        places().complete(&mut p, Some("YE")).unwrap();
        assert_eq!(p.country.as_deref(), Some("YE"));
        assert!((p.lat.unwrap() - 12.78).abs() < 0.2, "{p:?}");
        let mut p = named("Tripoli", None);
        places().complete(&mut p, Some("LB")).unwrap();
        assert_eq!(p.country.as_deref(), Some("LB"), "the hint decides between Lebanon and Libya");
    }

    #[test]
    fn a_name_known_only_outside_the_rows_country_is_refused_with_the_candidates() {
        let mut p = named("Kharkiv", Some("YE"));
        let e = places().complete(&mut p, Some("YE")).unwrap_err();
        assert!(e.contains("`Kharkiv` in YE"), "{e}");
        assert!(e.contains("Kharkiv UA"), "{e}");
        let mut p = named("Khartoum", None);
        let e = places().complete(&mut p, Some("SY")).unwrap_err();
        assert!(e.contains("Khartoum SD"), "{e}");
    }

    #[test]
    fn an_ambiguous_or_unknown_name_is_refused_with_the_candidates() {
        let mut p = named("Tripoli", None);
        let e = places().complete(&mut p, None).unwrap_err();
        assert!(e.contains("could be several places") && e.contains("Tripoli LB") && e.contains("Tripoli LY"), "{e}");
        let mut p = named("Zzyzxqq Made-up Hamlet", None);
        let e = places().complete(&mut p, Some("SY")).unwrap_err();
        assert!(e.contains("knows no place called"), "{e}");
    }

    #[test]
    fn a_place_with_coordinates_is_not_held_to_the_rows_country() {
        // Coordinates are the row's own word; only a name looked up can land in the wrong country.
        let mut p =
            PlaceInput { name: Some("Idlib".into()), lon: Some(36.6339), lat: Some(35.9306), ..Default::default() };
        places().complete(&mut p, Some("YE")).unwrap();
        assert_eq!(p.country.as_deref(), Some("SY"));
    }
}
