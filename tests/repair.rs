//! One-time repairs that `eventmap serve` runs on a database written by an older version, through
//! the real binary on both backends.

use std::time::{Duration, Instant};

use eventmap::domain::{EventInput, Vocabulary};
use eventmap::gazetteer::{Gazetteer, SearchOptions};
use eventmap::store::{Actor, Lookup};
use serde_json::{Value, json};

mod common;

use common::server::Server;
use common::{TestDb, backends};

/// Places stored by a version that took coordinates sent with a gazetteer id for an exact spot.
async fn stored_by_an_older_version(db: &TestDb) -> uuid::Uuid {
    let g = Gazetteer::load_embedded().expect("gazetteer");
    let opts = SearchOptions { country: Some("SY".into()), limit: 1, ..Default::default() };
    let tartus = g.search("Tartus", &opts).remove(0).place;
    let input = EventInput::from_json(json!({
        "title": "Convoy turned back at Tartus", "start": "2025-02-10", "category": "military movement",
        "places": [
            {"name": "Tartus", "gazetteer_id": tartus.gazetteer_id, "lon": tartus.lon, "lat": tartus.lat,
             "precision": "exact", "country": "SY"},
            {"name": "Checkpoint", "lon": 35.95, "lat": 35.1, "precision": "exact", "country": "SY"}
        ]
    }))
    .unwrap();
    let data = input.validate(&Vocabulary::default()).unwrap();
    let id = uuid::Uuid::now_v7();
    db.store().await.create(id, data, &Actor::new("desk")).await.expect("stored");
    id
}

#[tokio::test]
async fn serve_gives_places_confirmed_from_the_gazetteer_their_kinds_precision_once() {
    for backend in backends() {
        let db = TestDb::on(&backend).await;
        let id = stored_by_an_older_version(&db).await;
        let server = Server::start(&db.url).await;
        let url = format!("{}/api/events/{id}", server.base);
        let deadline = Instant::now() + Duration::from_secs(60);
        let event: Value = loop {
            let e: Value = reqwest::get(&url).await.unwrap().json().await.unwrap();
            // Two repairs, two revisions: precision, then divisions.
            if e["properties"]["revision"] == 3 || Instant::now() > deadline {
                break e;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        };
        let places = &event["properties"]["places"];
        assert_eq!(places[0]["precision"], "settlement", "{event}\n{}", server.log());
        assert_eq!(places[1]["precision"], "exact", "a spot given by coordinates alone stays as sent");
        let history: Value = reqwest::get(format!("{url}/history")).await.unwrap().json().await.unwrap();
        let revisions = history["revisions"].as_array().cloned().unwrap_or_default();
        let reason = |r: usize| revisions.get(r).map(|v| v["reason"].as_str().unwrap_or_default().to_string());
        assert_eq!(revisions.last().map(|r| r["actor"].clone()), Some(json!("eventmap")), "{history}");
        assert!(
            revisions.iter().any(|r| r["reason"].as_str().unwrap_or_default().contains("precision corrected")),
            "{history}"
        );
        assert!(reason(revisions.len() - 1).unwrap().contains("first-level division"), "{history}");
        // Both places now carry the governorate they lie in: Tartus by its entry, the
        // checkpoint by the shape that holds its point.
        let tartus_gov = places[0]["admin1_id"].as_str().unwrap_or_else(|| panic!("{event}"));
        assert_eq!(places[1]["admin1_id"], tartus_gov, "{event}");
        let listed: Value = reqwest::get(format!("{}/api/events?admin1={tartus_gov}", server.base))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(listed["numberMatched"], 1, "{listed}");
        drop(server);

        // Once only: a client that later says `exact` on purpose keeps it across restarts.
        let store = db.store().await;
        let Lookup::Live(stored) = store.get(id).await.unwrap() else { panic!("the event is live") };
        let mut input = stored.data.to_input();
        input.places.as_mut().unwrap()[0].precision = Some(eventmap::domain::LocationPrecision::Exact);
        let data = input.validate(&Vocabulary::default()).unwrap();
        store.update(id, None, data, &Actor::new("desk"), Some("on purpose")).await.unwrap();
        drop(store);
        let server = Server::start(&db.url).await;
        tokio::time::sleep(Duration::from_secs(1)).await;
        let e: Value = reqwest::get(format!("{}/api/events/{id}", server.base)).await.unwrap().json().await.unwrap();
        assert_eq!(e["properties"]["places"][0]["precision"], "exact", "{e}\n{}", server.log());
        assert_eq!(e["properties"]["revision"], 4, "no repair runs twice");
    }
}

/// The repairs run while the server serves: an event written after it started was written by
/// today's rules, and a repair that revised it would race its writer (a second revision, by
/// `eventmap`, moments after the client's). Only events last written before the start are
/// repaired.
#[tokio::test]
async fn a_repair_leaves_alone_what_was_written_since_the_server_started() {
    let g = Gazetteer::load_embedded().expect("gazetteer");
    for backend in backends() {
        for written_after_start in [true, false] {
            let db = TestDb::on(&backend).await;
            let mut started = chrono::Utc::now();
            tokio::time::sleep(Duration::from_millis(5)).await;
            let id = stored_by_an_older_version(&db).await;
            tokio::time::sleep(Duration::from_millis(5)).await;
            if !written_after_start {
                started = chrono::Utc::now();
            }
            let store = db.store().await;
            let changed = eventmap::repair::gazetteer_precision(&store, &g, started).await.unwrap();
            let Lookup::Live(e) = store.get(id).await.unwrap() else { panic!("the event is live") };
            let name = backend.name();
            if written_after_start {
                assert_eq!((changed, e.revision), (0, 1), "{name}: written after the start, left alone");
            } else {
                assert_eq!((changed, e.revision), (1, 2), "{name}: written before the start, repaired");
            }
        }
    }
}
