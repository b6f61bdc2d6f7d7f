//! How many events a text search matches, past the bound up to which every count is exact:
//! each backend counts the words in its text index alone, which must leave out deleted events,
//! and past the numbers it samples estimates them from a sample of that index, within a few
//! percent; any other filter is counted on the events themselves.

use eventmap::domain::{EventFilter, Status};
use eventmap::store::sql::text_estimate::SAMPLED;
use eventmap::store::{EventStore, ImportItem};
use serde_json::json;

use crate::common::{TestDb, backends};
use crate::support::{data, editor, synthetic_id};

#[tokio::test]
async fn a_common_word_is_counted_exactly_past_the_bound_without_deleted_events() {
    let n: u128 = 12_000;
    for backend in backends() {
        let db = TestDb::on(&backend).await;
        let store = db.store().await;
        for chunk in (0..n).collect::<Vec<_>>().chunks(4000) {
            let items = chunk
                .iter()
                .map(|&i| {
                    // Eleven events in twelve name a convoy; every third of all a checkpoint.
                    let mut title = format!("event {i}");
                    if i % 12 != 0 {
                        title.push_str(" convoy");
                    }
                    if i % 3 == 0 {
                        title.push_str(" checkpoint");
                    }
                    let start = chrono::DateTime::from_timestamp(1_640_995_200 + (i as i64) * 600, 0).unwrap();
                    let category = if i % 4 == 0 { "protest" } else { "other" };
                    let v = json!({"title": title, "start": start.to_rfc3339(), "time_precision": "exact",
                        "category": category,
                        "places": [{"name": "A", "lon": 36.0 + (i % 50) as f64 * 0.01, "lat": 35.0}]});
                    ImportItem { id: synthetic_id(i), data: data(v) }
                })
                .collect();
            store.import(items, &editor()).await.unwrap();
        }
        // Fifty convoys deleted: a count that still saw them would be fifty too many.
        for i in (1..=600u128).filter(|i| i % 12 != 0).take(50) {
            store.delete(synthetic_id(i), None, &editor(), "duplicate").await.unwrap();
        }
        let words = |q: &str| EventFilter { q: Some(q.into()), ..Default::default() };
        let convoys = (0..n).filter(|i| i % 12 != 0).count() - 50;
        let m = store.matched(&words("convoy"), false).await.unwrap();
        assert!(m.exact && m.n as usize == convoys, "{}: {m:?}, want {convoys}", backend.name());
        // Both words: a third of the convoys, less the deleted ones among them.
        let both = (0..n).filter(|i| i % 12 != 0 && i % 3 == 0).count()
            - (1..=600u128).filter(|i| i % 12 != 0).take(50).filter(|i| i % 3 == 0).count();
        let m = store.matched(&words("convoy checkpoint"), false).await.unwrap();
        assert!(m.exact && m.n as usize == both, "{}: {m:?}, want {both}", backend.name());
        // Under the bound, and over a window, the count stays exact as before.
        let m = store.matched(&words("checkpoint"), false).await.unwrap();
        assert!(
            m.exact
                && m.n == 4000 - (1..=600u128).filter(|i| i % 12 != 0).take(50).filter(|i| i % 3 == 0).count() as u64,
            "{m:?}"
        );
        let window = EventFilter {
            start: chrono::DateTime::from_timestamp(1_640_995_200, 0),
            end: chrono::DateTime::from_timestamp(1_640_995_200 + 6000 * 600, 0),
            ..words("convoy")
        };
        let in_window = (0..=6000u128).filter(|i| i % 12 != 0).count() - 50;
        let m = store.matched(&window, false).await.unwrap();
        assert!(m.exact && m.n as usize == in_window, "{}: {m:?}, want {in_window}", backend.name());
        // A category besides the word is counted on the events: the text index knows no category.
        let protests = EventFilter { categories: vec!["protest".into()], ..words("convoy") };
        let want = (0..n).filter(|i| i % 12 != 0 && i % 4 == 0).count()
            - (1..=600u128).filter(|i| i % 12 != 0).take(50).filter(|i| i % 4 == 0).count();
        let m = store.matched(&protests, false).await.unwrap();
        assert!(m.exact && m.n as usize == want, "{}: {m:?}, want {want}", backend.name());
    }
}

/// The status of event `i` of [`convoys`]: one in ten disputed, a third of the rest verified.
fn status_of(i: u128) -> Status {
    match i {
        i if i % 10 == 3 => Status::Disputed,
        i if i % 3 == 0 => Status::Verified,
        _ => Status::Reported,
    }
}

/// Writes `n` events from number `from` on: three in four name a convoy, every tenth is at the
/// place `geonames:1`, whose events never name one, six in seven are protests, and each has its
/// [`status_of`].
async fn convoys(store: &dyn EventStore, from: u128, n: u128) {
    for chunk in (from..from + n).collect::<Vec<_>>().chunks(5000) {
        let items = chunk
            .iter()
            .map(|&i| {
                let at_place = i % 10 == 0;
                let title = if i % 4 != 0 && !at_place { format!("convoy {i}") } else { format!("event {i}") };
                let start = chrono::DateTime::from_timestamp(1_640_995_200 + (i as i64) * 60, 0).unwrap();
                let place = if at_place {
                    json!({"name": "Somewhere", "gazetteer_id": "geonames:1", "lon": 36.0, "lat": 35.0})
                } else {
                    json!({"name": "A", "lon": 36.0 + (i % 50) as f64 * 0.01, "lat": 35.0})
                };
                let category = if i % 7 != 0 { "protest" } else { "other" };
                let status = status_of(i).as_str();
                let v = json!({"title": title, "start": start.to_rfc3339(), "time_precision": "exact",
                    "category": category, "status": status, "places": [place]});
                ImportItem { id: synthetic_id(i), data: data(v) }
            })
            .collect();
        store.import(items, &editor()).await.unwrap();
    }
}

#[tokio::test]
async fn past_the_numbers_sampled_a_text_is_estimated_within_a_few_percent() {
    // Both sample their text index past SAMPLED events.
    let n = SAMPLED as u128 + 7_232;
    for backend in backends() {
        let db = TestDb::on(&backend).await;
        let store = db.store().await;
        convoys(store.as_ref(), 0, n).await;
        let gone: Vec<u128> = (1..n).step_by(97).take(200).collect();
        for &i in &gone {
            store.delete(synthetic_id(i), None, &editor(), "duplicate").await.unwrap();
        }
        let live = |i: &u128| !gone.contains(i);
        let names = |i: &u128| i % 4 != 0 && i % 10 != 0;
        let words = EventFilter { q: Some("convoy".into()), ..Default::default() };
        let truth = (0..n).filter(|i| names(i) && live(i)).count() as f64;
        let m = store.matched(&words, false).await.unwrap();
        assert!(!m.exact && (m.n as f64 - truth).abs() < 0.03 * truth, "{}: {m:?}, want about {truth}", backend.name());
        let m = store.matched(&words, true).await.unwrap();
        assert!(m.exact && m.n as f64 == truth, "{} count=exact: {m:?}, want {truth}", backend.name());
        // The text names the place: its events count too, though none names a convoy.
        let named = EventFilter { q_places: vec!["geonames:1".into()], ..words.clone() };
        let truth = (0..n).filter(|i| (names(i) || i % 10 == 0) && live(i)).count() as f64;
        let m = store.matched(&named, false).await.unwrap();
        assert!(!m.exact && (m.n as f64 - truth).abs() < 0.03 * truth, "{}: {m:?}, want about {truth}", backend.name());
        let m = store.matched(&named, true).await.unwrap();
        assert!(m.exact && m.n as f64 == truth, "{} count=exact: {m:?}, want {truth}", backend.name());
        // A category: the text's estimate times the category's share of all events.
        let protests = EventFilter { categories: vec!["protest".into()], ..words.clone() };
        let truth = (0..n).filter(|i| names(i) && i % 7 != 0 && live(i)).count() as f64;
        let m = store.matched(&protests, false).await.unwrap();
        assert!(!m.exact && (m.n as f64 - truth).abs() < 0.03 * truth, "{}: {m:?}, want about {truth}", backend.name());
        let m = store.matched(&protests, true).await.unwrap();
        assert!(m.exact && m.n as f64 == truth, "{} count=exact: {m:?}, want {truth}", backend.name());
        // Statuses, read from each sampled event; with the place, its events of those statuses.
        let undisputed = vec![Status::Reported, Status::Verified];
        let at_place = EventFilter { statuses: undisputed.clone(), ..named };
        for (f, place) in [(EventFilter { statuses: undisputed, ..words.clone() }, false), (at_place, true)] {
            let keeps = |i: &u128| (names(i) || (place && i % 10 == 0)) && status_of(*i) != Status::Disputed;
            let (truth, name) = ((0..n).filter(|i| keeps(i) && live(i)).count() as f64, backend.name());
            let m = store.matched(&f, false).await.unwrap();
            assert!(!m.exact && (m.n as f64 - truth).abs() < 0.03 * truth, "{name} {f:?}: {m:?}, want about {truth}");
            let m = store.matched(&f, true).await.unwrap();
            assert!(m.exact && m.n as f64 == truth, "{name} count=exact: {m:?}, want {truth}");
        }
        // A status that keeps fewer than twice the bound is counted, not estimated.
        for status in [Status::Verified, Status::Disputed] {
            let f = EventFilter { statuses: vec![status], ..words.clone() };
            let truth = (0..n).filter(|i| names(i) && live(i) && status_of(*i) == status).count();
            let m = store.matched(&f, false).await.unwrap();
            assert!(m.exact && m.n as usize == truth, "{} {status:?}: {m:?}, want {truth}", backend.name());
        }
    }
}
