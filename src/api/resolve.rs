//! Completing the places of an event through the gazetteer before it is validated: a name is
//! geocoded, a gazetteer id is looked up, and bare coordinates are reverse geocoded. An unknown or
//! too ambiguous name fails with the candidates listed, so the client can pick one.

use serde_json::{Value, json};

use super::error::ApiError;
use crate::domain::filter::distance_km;
use crate::domain::{FieldError, PlaceInput};
use crate::gazetteer::{Candidate, Gazetteer, Kind, SearchOptions};

/// Two candidates closer than this are one place for the purpose of ambiguity (a city and the
/// district named after it).
const SAME_PLACE_KM: f64 = 50.0;
/// A runner-up within this much of the top score makes a name ambiguous.
const AMBIGUITY_MARGIN: f64 = 0.04;
/// How far a point may be from a place for reverse geocoding to name it.
pub const REVERSE_KM: f64 = 50.0;

fn contains(region: &Candidate, p: &Candidate) -> bool {
    matches!(region.place.kind, Kind::Country | Kind::Region | Kind::District)
        && region.place.bbox.is_some_and(|b| {
            let lon_ok = if b[0] <= b[2] {
                p.place.lon >= b[0] && p.place.lon <= b[2]
            } else {
                p.place.lon >= b[0] || p.place.lon <= b[2]
            };
            lon_ok && p.place.lat >= b[1] && p.place.lat <= b[3]
        })
}

/// The best candidate, or `None` when another, far from it and not containing it, scores
/// almost as well.
pub fn pick(cands: &[Candidate]) -> Option<&Candidate> {
    let top = cands.first()?;
    let rival = cands[1..].iter().any(|c| {
        c.score >= top.score - AMBIGUITY_MARGIN
            && distance_km(top.place.lon, top.place.lat, c.place.lon, c.place.lat) > SAME_PLACE_KM
            && !contains(c, top)
            && !contains(top, c)
    });
    (!rival).then_some(top)
}

/// Candidates as a problem lists them.
pub fn candidates_json(field: &str, cands: &[Candidate]) -> Vec<Value> {
    cands
        .iter()
        .map(|c| {
            json!({"for": field, "gazetteer_id": c.place.gazetteer_id, "name": c.place.name, "kind": c.place.kind,
                   "country": c.place.country, "admin1": c.place.admin1, "population": c.place.population,
                   "lon": c.place.lon, "lat": c.place.lat, "matched_name": c.matched_name, "score": c.score})
        })
        .collect()
}

/// Fills in what the gazetteer knows about each place. `country_hint` applies to names without
/// a country of their own.
pub fn complete_places(g: &Gazetteer, places: &mut [PlaceInput], country_hint: Option<&str>) -> Result<(), ApiError> {
    let mut errors: Vec<FieldError> = Vec::new();
    let mut candidates: Vec<Value> = Vec::new();
    let mut ambiguous = false;
    for (i, p) in places.iter_mut().enumerate() {
        let field = format!("places[{i}]");
        if let (Some(lon), Some(lat)) = (p.lon, p.lat) {
            if !(lon.is_finite() && lat.is_finite() && (-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat))
            {
                continue; // validation reports it
            }
            if p.name.is_none() || p.country.is_none() || p.admin1.is_none() {
                let near = g.reverse(lon, lat, REVERSE_KM, 1);
                match near.first() {
                    Some((info, _)) => {
                        p.country = p.country.take().or_else(|| info.country.clone());
                        p.admin1 = p.admin1.take().or_else(|| info.admin1.clone());
                        p.name = p.name.take().or_else(|| Some(info.name.clone()));
                    }
                    None if p.name.is_none() => p.name = Some(format!("{lat:.5}, {lon:.5}")),
                    None => {}
                }
            }
            continue;
        }
        if let Some(id) = p.gazetteer_id.as_deref().filter(|s| !s.trim().is_empty()) {
            match g.get(id.trim()) {
                Some((info, _)) => {
                    p.lon = Some(info.lon);
                    p.lat = Some(info.lat);
                    p.name = p.name.take().or(Some(info.name));
                    p.country = p.country.take().or(info.country);
                    p.admin1 = p.admin1.take().or(info.admin1);
                    p.precision = p.precision.or(Some(info.kind.precision()));
                }
                None => errors.push(FieldError {
                    field: format!("{field}.gazetteer_id"),
                    message: format!("`{id}` is not in the gazetteer"),
                }),
            }
            continue;
        }
        let Some(name) = p.name.clone().filter(|n| !n.trim().is_empty()) else { continue };
        let opts = SearchOptions {
            country: p.country.clone().or_else(|| country_hint.map(str::to_string)),
            limit: 5,
            ..Default::default()
        };
        let cands = g.search(&name, &opts);
        match pick(&cands) {
            Some(c) => {
                p.gazetteer_id = Some(c.place.gazetteer_id.clone());
                p.lon = Some(c.place.lon);
                p.lat = Some(c.place.lat);
                p.country = p.country.take().or_else(|| c.place.country.clone());
                p.admin1 = p.admin1.take().or_else(|| c.place.admin1.clone());
                p.precision = p.precision.or(Some(c.place.kind.precision()));
            }
            None if cands.is_empty() => errors.push(FieldError {
                field: format!("{field}.name"),
                message: format!(
                    "the gazetteer knows no place called `{name}`; give coordinates or add it with POST /api/places"
                ),
            }),
            None => {
                ambiguous = true;
                errors.push(FieldError {
                    field: format!("{field}.name"),
                    message: format!(
                        "`{name}` could be several places; give a gazetteer_id, a country or coordinates (see candidates)"
                    ),
                });
                candidates.extend(candidates_json(&field, &cands));
            }
        }
    }
    if errors.is_empty() {
        return Ok(());
    }
    let detail = if ambiguous { "some place names are ambiguous" } else { "some places could not be resolved" };
    Err(ApiError::UnresolvedPlace { detail: detail.into(), errors, candidates: Value::Array(candidates) })
}
