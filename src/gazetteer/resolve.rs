//! Place resolution: a place name or gazetteer id turned into what a filter or an event needs.
//! The HTTP API, `eventmap export`, the importers and the demo all call these functions, so a
//! name means the same place everywhere. Errors are typed ([`ResolveError`], [`Unresolved`]) and
//! carry the candidates; how they are shown (a 400 or 422 problem, a command-line message, an
//! import rejection) is the caller's business. No HTTP here.

use super::{Candidate, Gazetteer, Kind, MatchType, PlaceInfo, SearchOptions};
use crate::domain::filter::{Area, DEFAULT_RADIUS_KM, ListQuery, Near, PlaceFilter, distance_km};
use crate::domain::{FieldError, PlaceInput};

/// Two candidates closer than this are one place for the purpose of ambiguity (a city and the
/// district named after it).
const SAME_PLACE_KM: f64 = 50.0;
/// A runner-up within this much of the top score makes a name ambiguous.
const AMBIGUITY_MARGIN: f64 = 0.04;
/// How far a point may be from a place for reverse geocoding to name it.
pub const REVERSE_KM: f64 = 50.0;
/// How many candidates a name is weighed against.
const CANDIDATES: usize = 5;

/// Why a place name or id names no one place.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ResolveError {
    #[error("the gazetteer knows no place `{0}`")]
    Unknown(String),
    #[error("the gazetteer knows no country called `{0}`")]
    NotACountry(String),
    #[error("the gazetteer knows no first-level division (governorate, oblast, province) called `{0}`")]
    NotARegion(String),
    /// `radius_km` with a place that is a whole area: it keeps the events in it, not near it.
    #[error("radius_km does not apply to `{0}`: a {1} keeps the events in it, whatever the distance from its centre")]
    RadiusOfArea(String, &'static str),
    /// Several places fit about equally well; the best first.
    #[error("`{name}` could be several places")]
    Ambiguous { name: String, candidates: Vec<Candidate> },
}

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

/// The one place that `place` names: a gazetteer id (`geonames:…`, `custom:…`) or a name that is
/// neither unknown nor ambiguous.
pub fn place(g: &Gazetteer, place: &str) -> Result<PlaceInfo, ResolveError> {
    if place.contains(':') {
        return g.get(place).map(|(info, _)| info).ok_or_else(|| ResolveError::Unknown(place.to_string()));
    }
    let cands = g.search(place, &SearchOptions { limit: CANDIDATES, ..Default::default() });
    match pick(&cands) {
        Some(c) => Ok(c.place.clone()),
        None if cands.is_empty() => Err(ResolveError::Unknown(place.to_string())),
        None => Err(ResolveError::Ambiguous { name: place.to_string(), candidates: cands }),
    }
}

/// How far from a place's coordinates the entry its name names may lie for the place to be linked
/// to it: ACLED gives a district's or a province's centre for places it knows less well.
pub const LINK_KM: f64 = 25.0;

/// The gazetteer entry that `name` names (by its main or an alternate name, in any script; no
/// prefix, no typo) nearest to (`lon`, `lat`) and within [`LINK_KM`] of it.
pub fn link(g: &Gazetteer, name: &str, lon: f64, lat: f64) -> Option<PlaceInfo> {
    let opts = SearchOptions { near: Some((lon, lat)), limit: 10, prefix: false, fuzzy: false, country: None };
    g.search(name, &opts)
        .into_iter()
        .filter(|c| matches!(c.match_type, MatchType::Name | MatchType::AlternateName))
        .map(|c| (distance_km(lon, lat, c.place.lon, c.place.lat), c.place))
        .filter(|(d, _)| *d <= LINK_KM)
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, p)| p)
}

/// The gazetteer ids of the places that `q`, taken whole, names (by a main or an alternate name,
/// in any script): a text search also finds the events at those places, however their names
/// were spelled. Nothing for a prefix search (`word*`).
pub fn places_named(g: &Gazetteer, q: &str) -> Vec<String> {
    let q = q.trim();
    if q.is_empty() || q.ends_with('*') {
        return Vec::new();
    }
    let opts = SearchOptions { limit: 20, prefix: false, fuzzy: false, ..Default::default() };
    g.search(q, &opts)
        .into_iter()
        .filter(|c| matches!(c.match_type, MatchType::Name | MatchType::AlternateName))
        .map(|c| c.place.gazetteer_id)
        .collect()
}

/// The ISO 3166-1 alpha-2 code of the country called `name`, in any language and script the
/// gazetteer knows (`Syria`, `سوريا`, `Сирия`): the best-matching country among the candidates.
pub fn country(g: &Gazetteer, name: &str) -> Result<String, ResolveError> {
    let cands = g.search(name, &SearchOptions { limit: 20, ..Default::default() });
    cands
        .iter()
        .find(|c| c.place.kind == Kind::Country)
        .and_then(|c| c.place.country.clone())
        .ok_or_else(|| ResolveError::NotACountry(name.to_string()))
}

/// Resolves what only the gazetteer can in a parsed list query: `place=` into a place filter,
/// and country names into codes. Returns the parameter at fault with the error.
pub fn query(g: &Gazetteer, q: &mut ListQuery) -> Result<(), (&'static str, ResolveError)> {
    if let Some(place) = &q.place {
        let filter = place_filter(g, place, q.radius_km)
            .map_err(|e| (if matches!(e, ResolveError::RadiusOfArea(..)) { "radius_km" } else { "place" }, e))?;
        q.filter.place = Some(filter);
    }
    if let Some(text) = &q.filter.q {
        q.filter.q_places = places_named(g, text);
    }
    for name in std::mem::take(&mut q.country_names) {
        let code = country(g, &name).map_err(|e| ("country", e))?;
        if !q.filter.countries.contains(&code) {
            q.filter.countries.push(code);
        }
    }
    for name in std::mem::take(&mut q.admin1_names) {
        let id = region(g, &name).map_err(|e| ("admin1", e))?.gazetteer_id;
        if !q.filter.admin1.contains(&id) {
            q.filter.admin1.push(id);
        }
    }
    Ok(())
}

/// The first-level division (governorate, oblast, province) that `name_or_id` names: a
/// gazetteer id of one, or a name in any script. A name that several divisions far apart bear
/// equally well is ambiguous; one a town also bears (`Idlib`) means the division.
pub fn region(g: &Gazetteer, name_or_id: &str) -> Result<PlaceInfo, ResolveError> {
    if name_or_id.contains(':') {
        return match g.get(name_or_id) {
            Some((info, _)) if info.kind == Kind::Region => Ok(info),
            _ => Err(ResolveError::NotARegion(name_or_id.to_string())),
        };
    }
    let ranked = g.regions_named(name_or_id);
    match pick(&ranked) {
        Some(c) => Ok(c.place.clone()),
        None if ranked.is_empty() => Err(ResolveError::NotARegion(name_or_id.to_string())),
        None => Err(ResolveError::Ambiguous { name: name_or_id.to_string(), candidates: ranked }),
    }
}

/// The filter `place=` (with `radius_km`, [`DEFAULT_RADIUS_KM`] when absent) asks for: events
/// that reference the place, or lie within the radius of it.
pub fn place_filter(g: &Gazetteer, name_or_id: &str, radius_km: Option<f64>) -> Result<PlaceFilter, ResolveError> {
    let info = place(g, name_or_id)?;
    if radius_km.is_some() && matches!(info.kind, Kind::Country | Kind::Region) {
        return Err(ResolveError::RadiusOfArea(info.name, info.kind.as_str()));
    }
    let radius_km = radius_km.unwrap_or(DEFAULT_RADIUS_KM);
    let area = match info.kind {
        Kind::Country => info.country.clone().map(Area::Country),
        Kind::Region => Some(Area::Admin1(info.gazetteer_id.clone())),
        _ => None,
    };
    Ok(PlaceFilter { gazetteer_id: info.gazetteer_id, near: Near { lon: info.lon, lat: info.lat, radius_km }, area })
}

/// Places of an event that could not be completed: a message for each field, and the candidates
/// of ambiguous names with the field they are for (`places[0]`).
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}", if *.ambiguous { "some place names are ambiguous" } else { "some places could not be resolved" })]
pub struct Unresolved {
    /// Whether a name was ambiguous (rather than only unknown).
    pub ambiguous: bool,
    pub errors: Vec<FieldError>,
    pub candidates: Vec<(String, Candidate)>,
}

/// Fills in what the gazetteer knows about each place of an event: a name is geocoded, a
/// gazetteer id is looked up, and bare coordinates are reverse geocoded. `country_hint` applies
/// to names without a country of their own. Coordinates out of range are left for validation to
/// report.
pub fn complete_places(g: &Gazetteer, places: &mut [PlaceInput], country_hint: Option<&str>) -> Result<(), Unresolved> {
    let mut out = Unresolved { ambiguous: false, errors: Vec::new(), candidates: Vec::new() };
    for (i, p) in places.iter_mut().enumerate() {
        let field = format!("places[{i}]");
        if let (Some(lon), Some(lat)) = (p.lon, p.lat) {
            if !(lon.is_finite() && lat.is_finite() && (-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat))
            {
                continue; // validation reports it
            }
            // Coordinates sent with a gazetteer id are that place's: it is known as well as its
            // kind says (a town, a governorate), not to the metre, unless the client says so.
            let entry = p.gazetteer_id.as_deref().map(str::trim).and_then(|id| g.get(id)).map(|(info, _)| info);
            if let Some(info) = entry {
                p.precision = p.precision.or(Some(info.kind.precision()));
                p.name = p.name.take().or(Some(info.name));
                p.country = p.country.take().or(info.country);
                p.admin1 = p.admin1.take().or(info.admin1);
            } else if p.gazetteer_id.is_none() {
                // A name with coordinates (an ACLED or CSV row, a client) is linked to the entry
                // it names near there, so that every spelling of that entry finds the event;
                // the coordinates and precision stay those it came with.
                if let Some(info) = p.name.as_deref().and_then(|n| link(g, n, lon, lat)) {
                    p.gazetteer_id = Some(info.gazetteer_id);
                    p.country = p.country.take().or(info.country);
                    p.admin1 = p.admin1.take().or(info.admin1);
                }
            }
            if p.country.is_none() || p.admin1.is_none() {
                // The division whose shape holds the point says the country better than the
                // nearest town, which may lie across a border.
                if let Some(region) = g.admin1_at(lon, lat) {
                    p.country = p.country.take().or(region.country);
                    p.admin1 = p.admin1.take().or(Some(region.name));
                }
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
                None => out.errors.push(FieldError {
                    field: format!("{field}.gazetteer_id"),
                    message: format!("`{id}` is not in the gazetteer"),
                }),
            }
            continue;
        }
        let Some(name) = p.name.clone().filter(|n| !n.trim().is_empty()) else { continue };
        let opts = SearchOptions {
            country: p.country.clone().or_else(|| country_hint.map(str::to_string)),
            limit: CANDIDATES,
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
            None if cands.is_empty() => {
                let near = near_matches(g, &name, opts.country.as_deref());
                let listed: Vec<String> = near.iter().map(|c| c.place.name.clone()).collect();
                out.errors.push(FieldError {
                    field: format!("{field}.name"),
                    message: if listed.is_empty() {
                        format!(
                            "the gazetteer knows no place called `{name}`; give coordinates or add it with POST /api/places"
                        )
                    } else {
                        format!(
                            "the gazetteer knows no place called `{name}`; near matches: {} (see candidates); or give \
                             coordinates, or add it with POST /api/places",
                            listed.join(", ")
                        )
                    },
                });
                out.candidates.extend(near.into_iter().map(|c| (field.clone(), c)));
            }
            None => {
                out.ambiguous = true;
                out.errors.push(FieldError {
                    field: format!("{field}.name"),
                    message: format!(
                        "`{name}` could be several places; give a gazetteer_id, a country or coordinates (see candidates)"
                    ),
                });
                out.candidates.extend(cands.into_iter().map(|c| (field.clone(), c)));
            }
        }
    }
    for (i, p) in places.iter_mut().enumerate() {
        if let Err(message) = fill_admin1(g, p) {
            out.errors.push(FieldError { field: format!("places[{i}].admin1_id"), message });
        }
    }
    if out.errors.is_empty() { Ok(()) } else { Err(out) }
}

/// How many near matches an unknown name gets, and how far (in edits per letter) they may be.
const NEAR_MATCHES: usize = 5;
const NEAR_EDITS_PER_LETTER: f64 = 0.34;

/// Places whose name is close to an unknown `name`: names that start like it (its first word,
/// or its first four letters) ranked by edit distance over the folded letters, within about
/// one edit in three letters ("Kafr Nabuda" → "Kafr Nabudah" if the gazetteer has it,
/// "Sheikh Maksoud" → "Sheikh Maqsud"). The fuzzy search already forgives two typos; this finds
/// the spellings of transliteration that differ more.
pub fn near_matches(g: &Gazetteer, name: &str, country: Option<&str>) -> Vec<Candidate> {
    let key = crate::fold::fold(name);
    let letters = key.chars().count();
    if letters < 4 {
        return Vec::new();
    }
    let first = key.split(' ').next().unwrap_or("");
    let stem: String = if first.chars().count() >= 3 && first.len() < key.len() {
        first.to_string()
    } else {
        key.chars().take(4).collect()
    };
    let opts = SearchOptions {
        country: country.map(str::to_string),
        limit: 400,
        prefix: true,
        fuzzy: false,
        ..Default::default()
    };
    let max = ((letters as f64) * NEAR_EDITS_PER_LETTER).ceil() as usize;
    let mut scored: Vec<(usize, Candidate)> = g
        .search(&stem, &opts)
        .into_iter()
        .map(|c| (super::search::levenshtein(&key, &crate::fold::fold(&c.matched_name)), c))
        .filter(|(d, _)| *d <= max)
        .collect();
    // Closest spelling first; among equals, the asked country's, then the larger place.
    let abroad = |c: &Candidate| country.is_some() && c.place.country.as_deref() != country;
    scored.sort_by(|a, b| {
        a.0.cmp(&b.0).then(abroad(&a.1).cmp(&abroad(&b.1))).then(b.1.place.population.cmp(&a.1.place.population))
    });
    let mut out: Vec<Candidate> = Vec::new();
    for (_, c) in scored {
        if !out.iter().any(|o| o.place.gazetteer_id == c.place.gazetteer_id) {
            out.push(c);
        }
        if out.len() == NEAR_MATCHES {
            break;
        }
    }
    out
}

/// Gives a completed place the gazetteer id of the first-level division it lies in: its
/// entry's (a town's governorate, a governorate itself), or for a place known by coordinates
/// alone (or a team's own place) the division whose shape holds it. A place that stands
/// for a whole country lies in no one division. An `admin1_id` the client sent back must name
/// a division.
fn fill_admin1(g: &Gazetteer, p: &mut PlaceInput) -> Result<(), String> {
    if let Some(id) = p.admin1_id.as_deref().map(str::trim) {
        return match g.get(id) {
            Some((info, _)) if info.kind == Kind::Region => Ok(()),
            _ => Err(format!("`{id}` is not a first-level division in the gazetteer")),
        };
    }
    let (Some(lon), Some(lat)) = (p.lon, p.lat) else { return Ok(()) };
    p.admin1_id = division_of(g, p.gazetteer_id.as_deref(), lon, lat, p.precision);
    Ok(())
}

/// The gazetteer id of the first-level division a place lies in (see [`complete_places`]):
/// its entry's, else the one whose shape holds its point; none for a whole country.
pub fn division_of(
    g: &Gazetteer,
    gazetteer_id: Option<&str>,
    lon: f64,
    lat: f64,
    precision: Option<crate::domain::LocationPrecision>,
) -> Option<String> {
    if !(lon.is_finite() && lat.is_finite()) || precision == Some(crate::domain::LocationPrecision::Country) {
        return None;
    }
    let entry = gazetteer_id.and_then(|id| g.get(id.trim())).map(|(info, _)| info);
    if entry.as_ref().is_some_and(|e| matches!(e.kind, Kind::Country | Kind::Continent)) {
        return None;
    }
    let region = entry.and_then(|e| g.admin1_of(&e.gazetteer_id)).or_else(|| g.admin1_at(lon, lat));
    region.map(|r| r.gazetteer_id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::LocationPrecision;
    use crate::gazetteer::tests::gazetteer;

    fn id_of(name: &str, country: &str) -> PlaceInfo {
        let opts = SearchOptions { country: Some(country.into()), limit: 1, ..Default::default() };
        gazetteer().search(name, &opts).remove(0).place
    }

    #[test]
    fn coordinates_sent_with_a_gazetteer_id_take_the_precision_of_its_kind() {
        let tartus = id_of("Tartus", "SY");
        let mut places = vec![PlaceInput {
            gazetteer_id: Some(tartus.gazetteer_id.clone()),
            lon: Some(tartus.lon),
            lat: Some(tartus.lat),
            ..Default::default()
        }];
        complete_places(gazetteer(), &mut places, None).unwrap();
        assert_eq!(places[0].precision, Some(LocationPrecision::Settlement));
        assert_eq!(places[0].country.as_deref(), Some("SY"));
        assert_eq!(places[0].name.as_deref(), Some(tartus.name.as_str()));
    }

    #[test]
    fn a_client_that_says_exact_keeps_exact_and_bare_coordinates_are_left_alone() {
        let tartus = id_of("Tartus", "SY");
        let mut places = vec![
            PlaceInput {
                gazetteer_id: Some(tartus.gazetteer_id.clone()),
                lon: Some(tartus.lon + 0.001),
                lat: Some(tartus.lat),
                precision: Some(LocationPrecision::Exact),
                ..Default::default()
            },
            PlaceInput { lon: Some(35.9), lat: Some(34.9), ..Default::default() },
        ];
        complete_places(gazetteer(), &mut places, None).unwrap();
        assert_eq!(places[0].precision, Some(LocationPrecision::Exact));
        assert_eq!(places[1].precision, None, "validation decides for coordinates alone");
    }

    #[test]
    fn a_country_is_found_by_its_name_in_any_script() {
        for name in ["Syria", "سوريا", "Сирия", "Ukraine", "Украина"] {
            let code = country(gazetteer(), name).unwrap_or_else(|e| panic!("{name}: {e}"));
            let expected = if name.starts_with('U') || name.starts_with('У') { "UA" } else { "SY" };
            assert_eq!(code, expected, "{name}");
        }
        assert!(matches!(country(gazetteer(), "Latakia"), Err(ResolveError::NotACountry(_))), "a city is no country");
    }

    #[test]
    fn a_name_shared_by_far_apart_places_is_ambiguous_and_an_id_is_not() {
        let err = place(gazetteer(), "Tripoli").unwrap_err();
        assert!(matches!(err, ResolveError::Ambiguous { ref candidates, .. } if candidates.len() > 1), "{err}");
        let libya = id_of("Tripoli", "LY");
        assert_eq!(place(gazetteer(), &libya.gazetteer_id).unwrap().country.as_deref(), Some("LY"));
        assert!(matches!(place(gazetteer(), "geonames:1"), Err(ResolveError::Unknown(_))));
    }

    #[test]
    fn every_place_gets_the_division_it_lies_in_and_a_country_none() {
        let g = gazetteer();
        let idlib = region(g, "إدلب").unwrap();
        assert_eq!(region(g, "Idlib").unwrap().gazetteer_id, idlib.gazetteer_id, "the governorate, not the city");
        let sarmin = id_of("Sarmin", "SY");
        let mut places = vec![
            PlaceInput { name: Some("a field".into()), lon: Some(36.68), lat: Some(35.91), ..Default::default() },
            PlaceInput { gazetteer_id: Some(sarmin.gazetteer_id), ..Default::default() },
            PlaceInput { name: Some("Syria".into()), ..Default::default() },
            PlaceInput { gazetteer_id: Some(idlib.gazetteer_id.clone()), ..Default::default() },
        ];
        complete_places(g, &mut places, None).unwrap();
        let ids: Vec<Option<&str>> = places.iter().map(|p| p.admin1_id.as_deref()).collect();
        let i = Some(idlib.gazetteer_id.as_str());
        assert_eq!(ids, [i, i, None, i]);
        assert_eq!(places[0].country.as_deref(), Some("SY"));
        let mut bad = vec![PlaceInput { admin1_id: Some(id_of("Sarmin", "SY").gazetteer_id), ..places[0].clone() }];
        let e = complete_places(g, &mut bad, None).unwrap_err();
        assert_eq!(e.errors[0].field, "places[0].admin1_id", "a town is no division");
        assert!(matches!(region(g, "Damascus Airport"), Err(ResolveError::NotARegion(_))));
    }

    #[test]
    fn an_unknown_name_gets_near_matches() {
        let g = crate::gazetteer::tests::gazetteer();
        for (q, want) in
            [("Kafr Nubul", "geonames:168661"), ("Saraqeeb", "geonames:164816"), ("Jarabloos", "geonames:169179")]
        {
            let near: Vec<(String, String)> =
                near_matches(g, q, Some("SY")).into_iter().map(|c| (c.place.gazetteer_id, c.matched_name)).collect();
            assert!(near.iter().any(|(id, _)| id == want), "{q}: {near:?}");
        }
        assert!(near_matches(g, "Xqzwv", None).is_empty());
    }
}
