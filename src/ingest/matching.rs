//! Whether a draft from a report describes an event already stored: overlapping time, the same or
//! nearby places, and similar words or the same category. Pure: the caller fetches the candidates.

use std::collections::HashSet;

use chrono::Duration;
use serde::Serialize;
use uuid::Uuid;

use crate::domain::filter::distance_km;
use crate::domain::{Event, PlaceRole, TimeRange};
use crate::geoparse::report::Draft;

/// Places this close count as the same place (a checkpoint "at Tartus" and Tartus itself).
pub const SAME_PLACE_KM: f64 = 25.0;
/// Reports often date an event a day off (time zones, "yesterday" from a late edition).
pub const TIME_SLACK_DAYS: i64 = 1;
/// The least score that attaches a report to an event.
pub const MIN_SCORE: f64 = 0.6;

/// A stored event a draft matches, and why.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Match {
    pub event_id: Uuid,
    pub title: String,
    /// 0 to 1: places 0.45, time 0.25, words or category 0.3.
    pub score: f64,
    pub reasons: Vec<String>,
}

/// The interval a draft covers.
pub fn draft_range(d: &Draft) -> TimeRange {
    TimeRange::of_event(d.start, None, d.time_precision)
}

/// Folded words of four letters or more: enough to compare two texts about the same thing.
fn words(text: &str) -> HashSet<String> {
    crate::fold::fold(text)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 4)
        .map(str::to_string)
        .collect()
}

/// Shared words over the words of the shorter text.
pub fn similarity(a: &str, b: &str) -> f64 {
    let (a, b) = (words(a), words(b));
    let n = a.len().min(b.len());
    if n == 0 {
        return 0.0;
    }
    a.intersection(&b).count() as f64 / n as f64
}

/// Scores a draft against a stored event; `None` when they cannot be the same event.
pub fn score(draft: &Draft, draft_text: &str, ev: &Event) -> Option<Match> {
    let mut reasons = Vec::new();
    let d = draft_range(draft);
    let e = TimeRange::of_event(ev.data.start, ev.data.end, ev.data.time_precision);
    let slack = Duration::days(TIME_SLACK_DAYS);
    let widened = TimeRange { start: d.start - slack, end: d.end + slack };
    if !widened.overlaps(&e) {
        return None;
    }
    let exact_overlap = d.overlaps(&e);
    let time_score = if exact_overlap { 1.0 } else { 0.5 };
    reasons.push(format!(
        "time {}: the report says {}, the event is dated {}",
        if exact_overlap { "overlaps" } else { "is within a day" },
        d.start.format("%Y-%m-%d"),
        e.start.format("%Y-%m-%d")
    ));

    let mut matched = 0usize;
    let mut same_roles = 0usize;
    let mut crossed_roles = 0usize;
    let mut named = Vec::new();
    for p in &draft.places {
        let best = ev
            .data
            .places
            .iter()
            .map(|q| {
                let same_id = q.gazetteer_id.as_deref() == Some(p.gazetteer_id.as_str());
                (if same_id { 0.0 } else { distance_km(p.lon, p.lat, q.lon, q.lat) }, q)
            })
            .min_by(|a, b| a.0.total_cmp(&b.0));
        if let Some((km, q)) = best.filter(|(km, _)| *km <= SAME_PLACE_KM) {
            matched += 1;
            if p.role != PlaceRole::Location && p.role == q.role {
                same_roles += 1;
            }
            // The way back is another event: an origin of one that is the other's destination.
            if matches!(
                (p.role, q.role),
                (PlaceRole::Origin, PlaceRole::Destination) | (PlaceRole::Destination, PlaceRole::Origin)
            ) {
                crossed_roles += 1;
            }
            named.push(if km < 0.5 { p.name.clone() } else { format!("{} ({km:.0} km from {})", p.name, q.name) });
        }
    }
    if matched == 0 {
        return None;
    }
    let place_score = matched.saturating_sub(crossed_roles) as f64 / draft.places.len() as f64;
    if place_score < 0.5 {
        return None;
    }
    reasons.push(format!("{matched} of {} places match: {}", draft.places.len(), named.join(", ")));
    if same_roles > 0 {
        reasons.push(format!("{same_roles} in the same role (origin, destination or via)"));
    }
    if crossed_roles > 0 {
        reasons.push(format!("{crossed_roles} in the opposite role (the way back?)"));
    }

    let mut ev_text = format!("{} {}", ev.data.title, ev.data.description.as_deref().unwrap_or(""));
    for s in &ev.data.sources {
        for t in [&s.title, &s.excerpt].into_iter().flatten() {
            ev_text.push(' ');
            ev_text.push_str(t);
        }
    }
    let text = similarity(draft_text, &ev_text);
    let same_category = draft.category == ev.data.category && draft.category != "other";
    if same_category {
        reasons.push(format!("same category: {}", draft.category));
    }
    if text > 0.0 {
        reasons.push(format!("shared words: {:.0}%", text * 100.0));
    }
    if !same_category && text < 0.2 {
        return None;
    }
    let words_score = if same_category { text.max(0.5) + 0.5 * text.min(0.5) } else { text };
    let score = 0.45 * place_score + 0.25 * time_score + 0.3 * words_score.min(1.0);
    (score >= MIN_SCORE).then(|| Match {
        event_id: ev.id,
        title: ev.data.title.clone(),
        score: (score * 1000.0).round() / 1000.0,
        reasons,
    })
}

/// The best of several matches.
pub fn best(draft: &Draft, draft_text: &str, events: &[Event]) -> Option<Match> {
    events.iter().filter_map(|e| score(draft, draft_text, e)).max_by(|a, b| a.score.total_cmp(&b.score))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{EventInput, TimePrecision, Vocabulary};
    use crate::gazetteer::Kind;
    use crate::geoparse::report::{DraftPlace, TimeBasis};
    use chrono::Utc;

    fn place(role: PlaceRole, name: &str, id: &str, lon: f64, lat: f64) -> DraftPlace {
        DraftPlace {
            role,
            name: name.into(),
            gazetteer_id: id.into(),
            kind: Kind::Settlement,
            country: Some("SY".into()),
            lon,
            lat,
            text: name.into(),
            start: 0,
            end: 0,
            confidence: 1.0,
            cue: None,
        }
    }

    fn draft(day: &str, places: Vec<DraftPlace>) -> Draft {
        Draft {
            title: "Convoy".into(),
            category: "military_movement".into(),
            start: format!("{day}T00:00:00Z").parse().unwrap(),
            time_precision: TimePrecision::Day,
            time_basis: TimeBasis::Text,
            time_text: None,
            places,
            excerpt: String::new(),
            movement: true,
            also_mentioned: Vec::new(),
        }
    }

    fn stored() -> Event {
        let input: EventInput = serde_json::from_value(serde_json::json!({
            "title": "Russian convoy leaves Latakia for Tartus", "category": "military_movement",
            "start": "2025-02-10T05:00:00Z", "end": "2025-02-10T17:00:00Z", "time_precision": "hour",
            "places": [{"name": "Latakia", "role": "origin", "gazetteer_id": "geonames:173576", "lon": 35.79, "lat": 35.52},
                       {"name": "Tartus", "role": "destination", "gazetteer_id": "geonames:163345", "lon": 35.886, "lat": 34.889}]
        }))
        .unwrap();
        let data = input.validate(&Vocabulary::default()).unwrap();
        Event { id: Uuid::now_v7(), data, created_at: Utc::now(), updated_at: Utc::now(), revision: 1 }
    }

    fn latakia() -> DraftPlace {
        place(PlaceRole::Origin, "Latakia", "geonames:173576", 35.79, 35.52)
    }

    fn tartus() -> DraftPlace {
        place(PlaceRole::Destination, "Tartus", "geonames:163345", 35.886, 34.889)
    }

    #[test]
    fn the_same_movement_in_another_language_matches() {
        let m = score(&draft("2025-02-10", vec![latakia(), tartus()]), "колонна", &stored()).expect("a match");
        assert!(m.score >= 0.8, "{m:?}");
        assert!(m.reasons.iter().any(|r| r.contains("2 of 2 places")), "{m:?}");
    }

    #[test]
    fn a_day_off_still_matches_but_a_week_off_does_not() {
        assert!(score(&draft("2025-02-11", vec![latakia(), tartus()]), "", &stored()).is_some());
        assert!(score(&draft("2025-02-17", vec![latakia(), tartus()]), "", &stored()).is_none());
    }

    #[test]
    fn the_way_back_is_another_event() {
        let there = score(&draft("2025-02-10", vec![latakia(), tartus()]), "", &stored()).unwrap();
        let mut back_origin = tartus();
        back_origin.role = PlaceRole::Origin;
        let mut back_destination = latakia();
        back_destination.role = PlaceRole::Destination;
        let back = score(&draft("2025-02-10", vec![back_origin, back_destination]), "", &stored());
        assert!(back.is_none(), "the way back is another event: {back:?} (the way there: {there:?})");
    }

    #[test]
    fn other_places_do_not_match() {
        let aleppo = place(PlaceRole::Location, "Aleppo", "geonames:170063", 37.16, 36.2);
        assert!(score(&draft("2025-02-10", vec![aleppo]), "", &stored()).is_none());
    }

    #[test]
    fn another_category_needs_shared_words() {
        let mut d = draft("2025-02-10", vec![tartus()]);
        d.category = "protest".into();
        assert!(score(&d, "protesters gathered", &stored()).is_none());
        assert!(score(&d, "russian convoy leaves latakia for tartus", &stored()).is_some());
    }
}
