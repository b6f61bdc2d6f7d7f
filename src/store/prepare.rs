//! The values every backend derives from an event before writing it: the Feature JSON served,
//! the covered time interval, the envelope, the filter terms, the unit vectors of its positions
//! and its folded search text. Computed once here so both backends index the same things.

use crate::domain::Event;
use crate::domain::filter::{day_of, unit_vector};
use crate::domain::geometry;
use crate::domain::geometry_type::geojson_type;
use crate::domain::source::domain_of;
use crate::fold;

/// An event with everything derived from it that the store writes.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub event: Event,
    pub feature: String,
    pub t_start: i64,
    pub t_max: i64,
    pub t_day: i64,
    /// `[min_lon, min_lat, max_lon, max_lat]`.
    pub envelope: [f64; 4],
    /// `(kind, value)`: tag, actor, country, admin1, domain, place, geometry.
    pub terms: Vec<(&'static str, String)>,
    pub points: Vec<[f64; 3]>,
    /// Folded words for full-text search.
    pub search: String,
}

/// Term kinds, as stored.
pub const TAG: &str = "tag";
pub const ACTOR: &str = "actor";
pub const COUNTRY: &str = "country";
/// The gazetteer id of a first-level division that a place lies in.
pub const ADMIN1: &str = "admin1";
pub const DOMAIN: &str = "domain";
pub const PLACE: &str = "place";
/// The GeoJSON type of the event's geometry (`Point`, `LineString`, ...), one per live event.
pub const GEOMETRY: &str = "geometry";

/// The filter terms of an event, sorted and without repeats.
pub fn terms(d: &crate::domain::event::EventData) -> Vec<(&'static str, String)> {
    let mut terms: Vec<(&'static str, String)> = Vec::new();
    terms.extend(d.tags.iter().map(|t| (TAG, t.to_lowercase())));
    terms.extend(d.actors.iter().map(|a| (ACTOR, a.to_lowercase())));
    terms.extend(d.countries().into_iter().map(|c| (COUNTRY, c)));
    terms.extend(d.places.iter().filter_map(|p| p.admin1_id.clone()).map(|a| (ADMIN1, a)));
    terms.extend(d.places.iter().filter_map(|p| p.gazetteer_id.clone()).map(|g| (PLACE, g)));
    terms.extend(d.sources.iter().filter_map(|s| domain_of(&s.url)).map(|h| (DOMAIN, h)));
    terms.push((GEOMETRY, geojson_type(&d.geometry).to_string()));
    terms.sort();
    terms.dedup();
    terms
}

impl Prepared {
    pub fn new(event: Event) -> Self {
        let d = &event.data;
        let range = d.time_range();
        let terms = terms(d);

        let mut points: Vec<[f64; 3]> =
            geometry::anchor_points(&d.geometry).into_iter().map(|(lon, lat)| unit_vector(lon, lat)).collect();
        points.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
        points.dedup();

        let mut text: Vec<&str> = vec![&d.title];
        text.extend(d.description.as_deref());
        text.extend(d.places.iter().map(|p| p.name.as_str()));
        text.extend(d.actors.iter().map(String::as_str));
        text.extend(d.tags.iter().map(String::as_str));
        for s in &d.sources {
            text.extend(s.title.as_deref());
            text.extend(s.publisher.as_deref());
            text.extend(s.excerpt.as_deref());
        }
        let mut search = String::with_capacity(text.iter().map(|t| t.len() + 1).sum());
        for t in &text {
            fold::fold_append(t, &mut search);
        }

        Self {
            feature: event.to_feature_json(),
            t_start: range.start.timestamp_millis(),
            t_max: range.end.timestamp_millis(),
            t_day: day_of(range.start.timestamp_millis()),
            envelope: geometry::envelope(&d.geometry),
            terms,
            points,
            search,
            event,
        }
    }
}

/// Turns a user's `q` into folded words; a trailing `*` on a word asks for a prefix match.
/// Returns `(word, is_prefix)` pairs; an empty list means the query has no searchable words.
pub fn search_terms(q: &str) -> Vec<(String, bool)> {
    q.split_whitespace()
        .flat_map(|raw| {
            let prefix = raw.ends_with('*');
            let words: Vec<String> = fold::words(&fold::fold(raw)).map(str::to_string).collect();
            let n = words.len();
            words.into_iter().enumerate().map(move |(i, w)| (w, prefix && i + 1 == n))
        })
        .take(32)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{EventInput, Vocabulary};
    use serde_json::json;
    use uuid::Uuid;

    #[test]
    fn terms_and_search_text_come_from_every_searchable_field() {
        let d = EventInput::from_json(json!({
            "title": "Convoy held at Ţarţūs", "start": "2025-02-10", "tags": ["Navy"], "actors": ["Syrian MoD"],
            "places": [{"name": "Tartus", "lon": 35.88, "lat": 34.88, "country": "SY", "gazetteer_id": "geonames:173339", "admin1_id": "geonames:173334"}],
            "sources": [{"url": "https://www.uawire.org/a", "title": "Syrian army blocks convoy", "excerpt": "eight hours"}]
        }))
        .unwrap()
        .validate(&Vocabulary::default())
        .unwrap();
        let p = Prepared::new(Event::new(Uuid::now_v7(), d, chrono::Utc::now()));
        let kinds: Vec<_> = p.terms.iter().map(|(k, v)| format!("{k}={v}")).collect();
        assert!(kinds.contains(&"tag=navy".to_string()));
        assert!(kinds.contains(&"actor=syrian mod".to_string()));
        assert!(kinds.contains(&"country=SY".to_string()));
        assert!(kinds.contains(&"admin1=geonames:173334".to_string()));
        assert!(kinds.contains(&"domain=uawire.org".to_string()));
        assert!(kinds.contains(&"place=geonames:173339".to_string()));
        assert!(kinds.contains(&"geometry=Point".to_string()));
        assert!(p.search.contains("tartus") && p.search.contains("eight hours") && p.search.contains("blocks"));
        assert_eq!(p.t_max - p.t_start, 86_400_000 - 1);
        assert_eq!(p.points.len(), 1);
    }

    #[test]
    fn search_terms_are_folded_and_may_end_in_a_prefix() {
        assert_eq!(search_terms("Ţarţūs conv*"), vec![("tartus".to_string(), false), ("conv".to_string(), true)]);
        assert!(search_terms(" \" * ").is_empty());
        assert_eq!(search_terms("al-Bab")[1], ("bab".to_string(), false));
    }
}
