//! The cost of following: matching changes against 1,000 webhooks (each with saved-search
//! filters) on SQLite over 5,000 stored events.
//!
//! `cargo bench --bench follow` prints, at the median of 5 rounds, what one change costs to
//! match against all 1,000 (the store's list query per webhook, as the worker runs it) and a
//! whole worker round (matching, then moving 1,000 cursors and queueing the deliveries).
//!
//! Release figures on the 2-core dev machine: matching 0.93 ms per search per change (the store's
//! list query per webhook); a round 1.10 s since the cursors move in one transaction, 6.65 s when
//! each webhook had its own (one SQLite fsync each). Matching is now most of a round.

use std::sync::Arc;
use std::time::{Duration, Instant};

// Only the generator of the shared helpers.
#[allow(dead_code)]
mod common;

use chrono::Utc;
use eventmap::domain::follow::{ChangeKind, SearchFilters, Subject, Webhook};
use eventmap::domain::{EventInput, Vocabulary};
use eventmap::follow::dispatch::{changes, resolve_filters};
use eventmap::follow::{Worker, WorkerConfig};
use eventmap::gazetteer::Gazetteer;
use eventmap::store::{Actor, ImportItem};
use serde_json::json;

const EVENTS: usize = 5_000;
const HOOKS: usize = 1_000;
const ROUNDS: usize = 5;

const CATEGORIES: [&str; 4] = ["protest", "armed clash", "shelling", "military movement"];
const PLACES: [(&str, f64, f64, &str); 4] = [
    ("Tartus", 35.8866, 34.889, "SY"),
    ("Kharkiv", 36.2304, 49.9935, "UA"),
    ("Latakia", 35.7833, 35.5167, "SY"),
    ("Odesa", 30.7326, 46.4775, "UA"),
];

fn event(i: usize, rng: &mut common::Rng) -> serde_json::Value {
    let (name, lon, lat, country) = PLACES[rng.below(PLACES.len())];
    json!({"title": format!("Event {i} near {name}"), "start": format!("2025-{:02}-{:02}", 1 + rng.below(12), 1 + rng.below(28)),
           "category": CATEGORIES[rng.below(CATEGORIES.len())], "actors": [format!("unit {}", rng.below(50))],
           "places": [{"name": name, "lon": lon, "lat": lat, "country": country}]})
}

/// Filters of webhook `i`: a mix of what people follow (a category, a country, a box, a word, an
/// actor, a time window), one to three at once.
fn filters(i: usize) -> serde_json::Value {
    match i % 6 {
        0 => json!({"category": CATEGORIES[i % 4]}),
        1 => json!({"country": PLACES[i % 4].3, "category": CATEGORIES[(i / 6) % 4]}),
        2 => json!({"bbox": "35,34,37,36"}),
        3 => json!({"q": format!("near {}", PLACES[i % 4].0)}),
        4 => json!({"actor": format!("unit {}", i % 50)}),
        _ => json!({"start": "2025-03-01", "end": "2025-06-30", "category": CATEGORIES[i % 4]}),
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let store = eventmap::store::connect(&format!("sqlite://{}", dir.path().join("b.db").display())).await.unwrap();
    let vocab = Vocabulary::default();
    let gazetteer = Arc::new(Gazetteer::load_embedded().unwrap());
    let mut rng = common::Rng(22);
    let items: Vec<ImportItem> = (0..EVENTS)
        .map(|i| ImportItem {
            id: uuid::Uuid::now_v7(),
            data: EventInput::from_json(event(i, &mut rng)).unwrap().validate(&vocab).unwrap(),
        })
        .collect();
    store.import(items, &Actor::new("bench")).await.unwrap();
    let mut resolved = Vec::new();
    for i in 0..HOOKS {
        let f = SearchFilters::from_json(&filters(i), "filters").unwrap();
        resolved.push(resolve_filters(&f, &vocab, &gazetteer).unwrap());
        let w = Webhook {
            id: uuid::Uuid::now_v7(),
            // Never sent to: the bench stops before the worker's send step.
            url: "http://192.0.2.1/hook".into(),
            subject: Subject::Filters(f),
            secret: "a bench secret of some length".into(),
            events: ChangeKind::ALL.to_vec(),
            created_by: "bench".into(),
            created_at: Utc::now(),
            cursor: 0,
            last_error: None,
            failing_since: None,
        };
        store.insert_webhook(&w).await.unwrap();
    }
    let client = eventmap::outbound::Client::new(eventmap::outbound::Policy::default(), Default::default()).unwrap();
    let worker =
        Worker::new(store.clone(), gazetteer.clone(), Arc::new(vocab.clone()), client, WorkerConfig::default());
    let (mut matching, mut rounds, mut matched) = (Vec::new(), Vec::new(), 0usize);
    for r in 0..ROUNDS {
        let before = store.last_change().await.unwrap();
        let e = EventInput::from_json(event(EVENTS + r, &mut rng)).unwrap().validate(&vocab).unwrap();
        store.create(uuid::Uuid::now_v7(), e, &Actor::new("bench")).await.unwrap();
        let t = Instant::now();
        for f in &resolved {
            matched += changes(&store, f, before).await.unwrap().0.len();
        }
        matching.push(t.elapsed());
        let t = Instant::now();
        eventmap::follow::dispatch::run(&worker).await.unwrap();
        rounds.push(t.elapsed());
    }
    let (m, r) = (median(matching), median(rounds));
    println!("following: {EVENTS} events, {HOOKS} webhooks, one change per round, median of {ROUNDS}");
    println!(
        "  matching one change against {HOOKS} searches: {:.1} ms ({:.1} µs per search); {} matches in all",
        m.as_secs_f64() * 1e3,
        m.as_secs_f64() * 1e6 / HOOKS as f64,
        matched
    );
    println!("  a whole worker round (match, move {HOOKS} cursors, queue): {:.1} ms", r.as_secs_f64() * 1e3);
}
