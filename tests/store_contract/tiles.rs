//! Tiles of events close in: whether a tile surely holds too many events to list them
//! (`tile_surely_full`, which PostgreSQL answers from the index of the position alone) against
//! the events `tile_events` finds. Whenever the store says a tile is full, listing its events
//! finds as many as asked for; on PostgreSQL it says so exactly when that many events have their
//! position in the widened tile, and SQLite never says so.

use eventmap::domain::EventFilter;
use eventmap::domain::tile::{TileId, mercator};
use eventmap::store::ImportItem;
use eventmap::web::event_tiles::BUFFER;
use serde_json::json;

use crate::common::{TestDb, backends};
use crate::support::{data, editor, synthetic_id};

/// Points round two spots a tile of zoom 10 apart, and movements from far away to each.
fn events() -> Vec<ImportItem> {
    let spots = [(35.90, 34.90), (36.25, 34.90)];
    let cats = ["protest", "shelling", "riot"];
    (0..240)
        .map(|i| {
            let (lon, lat) = spots[i % 2];
            let (dx, dy) = (((i * 37) % 100) as f64 / 400.0 - 0.125, ((i * 53) % 100) as f64 / 400.0 - 0.125);
            let places = if i % 10 == 0 {
                json!([{"name": "A", "role": "origin", "lon": 20.0 + i as f64 / 10.0, "lat": 50.0},
                       {"name": "B", "role": "destination", "lon": lon + dx, "lat": lat + dy}])
            } else {
                json!([{"name": "A", "lon": lon + dx, "lat": lat + dy}])
            };
            let start = format!("2024-0{}-1{}T08:00:00Z", 1 + i % 6, i % 10);
            let v = json!({"title": format!("event {i}"), "start": start, "category": cats[i % 3], "places": places});
            ImportItem { id: synthetic_id(i as u128), data: data(v) }
        })
        .collect()
}

#[tokio::test]
async fn a_tile_said_to_be_full_lists_as_many_events_as_asked_for() {
    for backend in backends() {
        let db = TestDb::on(&backend).await;
        let store = db.store().await;
        store.import(events(), &editor()).await.unwrap();
        let filters = [
            EventFilter::default(),
            EventFilter { categories: vec!["protest".into()], ..Default::default() },
            EventFilter {
                start: chrono::DateTime::parse_from_rfc3339("2024-02-01T00:00:00Z").ok().map(Into::into),
                end: chrono::DateTime::parse_from_rfc3339("2024-04-15T00:00:00Z").ok().map(Into::into),
                ..Default::default()
            },
        ];
        let mut full_seen = 0;
        for z in [10u8, 11, 12] {
            for (lon, lat) in [(35.90, 34.90), (36.25, 34.90), (36.0, 34.9), (40.0, 50.0)] {
                let [mx, my] = mercator([lon, lat]);
                let n = f64::from(1u32 << z);
                let tile = TileId { z, x: (mx * n) as u32, y: (my * n) as u32 };
                let b = tile.bbox(BUFFER);
                for f in &filters {
                    let near = store.tile_events(f, &tile, BUFFER, 100_000).await.unwrap();
                    let positioned = near
                        .iter()
                        .filter(|e| {
                            let [x, y] = e.position;
                            x >= b.min_lon && x <= b.max_lon && y >= b.min_lat && y <= b.max_lat
                        })
                        .count();
                    for limit in [1u32, 5, 20, 60, 200] {
                        let full = store.tile_surely_full(f, &tile, BUFFER, limit).await.unwrap();
                        let listed = store.tile_events(f, &tile, BUFFER, limit).await.unwrap().len();
                        let at = format!("{} {z}/{}/{} {f:?} limit {limit}", backend.name(), tile.x, tile.y);
                        if full {
                            assert_eq!(listed, limit as usize, "{at}: said full");
                            full_seen += 1;
                        }
                        let want = db.is_postgres() && positioned >= limit as usize;
                        assert_eq!(full, want, "{at}: {positioned} positioned in the widened tile");
                    }
                }
            }
        }
        assert_eq!(full_seen > 0, db.is_postgres(), "{}: some tiles full", backend.name());
    }
}
