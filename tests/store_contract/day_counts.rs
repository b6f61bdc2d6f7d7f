//! How many events a time window holds, counted from the live events per day (`event_days`) for
//! its whole days and from the time index for the rest: events a millisecond either side of
//! midnight, events lasting into a window from days before it, and deleted ones, against a scan
//! of every live event, for windows bounded and open at either end.

use chrono::{DateTime, Duration, Utc};
use eventmap::domain::EventFilter;
use eventmap::domain::filter::BBox;
use eventmap::store::ImportItem;
use serde_json::json;

use crate::common::{TestDb, backends};
use crate::support::{data, editor, every_live, synthetic_id};

const DAY: i64 = 86_400_000;
const BASE: i64 = 1_640_995_200_000; // 2022-01-01, a midnight

/// Offsets from a midnight that a window or an event may start at.
const OFFSETS: [i64; 4] = [-1, 0, 1, DAY / 2];

fn at(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).expect("an instant")
}

#[tokio::test]
async fn a_time_window_is_counted_exactly_from_its_whole_days_and_the_days_around_them() {
    for backend in backends() {
        let db = TestDb::on(&backend).await;
        let store = db.store().await;
        let mut items = Vec::new();
        let mut i = 0u128;
        for day in 0..8 {
            for off in OFFSETS {
                for lasting in [None, Some(Duration::hours(30)), Some(Duration::hours(70))] {
                    let start = at(BASE + day * DAY + off);
                    let mut v = json!({"title": format!("event {i}"), "start": start.to_rfc3339(),
                        "time_precision": "exact", "places": [{"name": "A", "lon": 36.2, "lat": 37.0}]});
                    if let Some(d) = lasting {
                        v["end"] = json!((start + d).to_rfc3339());
                    }
                    items.push(ImportItem { id: synthetic_id(i), data: data(v) });
                    i += 1;
                }
            }
        }
        store.import(items, &editor()).await.unwrap();
        // Every fifth event deleted: a count from a table that still held them would be too high.
        for k in (0..i).filter(|k| k % 5 == 2) {
            store.delete(synthetic_id(k), None, &editor(), "duplicate").await.unwrap();
        }
        let all: Vec<(i64, i64)> = every_live(&store).await.iter().map(|(_, p)| (p.t_start, p.t_max)).collect();
        assert_eq!(all.len(), (0..i).filter(|k| k % 5 != 2).count(), "{}", backend.name());
        let mut bounds: Vec<Option<i64>> = vec![None];
        for day in -1..10 {
            bounds.extend(OFFSETS.iter().map(|off| Some(BASE + day * DAY + off)));
        }
        let world = BBox { min_lon: -180.0, min_lat: -90.0, max_lon: 180.0, max_lat: 90.0 };
        let mut windows = 0;
        for &start in &bounds {
            for &end in &bounds {
                if matches!((start, end), (Some(s), Some(e)) if s > e) {
                    continue;
                }
                let want = all
                    .iter()
                    .filter(|(t0, t1)| start.is_none_or(|s| *t1 >= s) && end.is_none_or(|e| *t0 <= e))
                    .count() as u64;
                for bbox in [None, Some(world)] {
                    let f = EventFilter { start: start.map(at), end: end.map(at), bbox, ..Default::default() };
                    let m = store.matched(&f, false).await.unwrap();
                    assert!(m.exact && m.n == want, "{}: {start:?}..{end:?}: {m:?}, want {want}", backend.name());
                    assert_eq!(store.count(&f).await.unwrap(), want, "{}: {start:?}..{end:?}", backend.name());
                }
                windows += 1;
            }
        }
        assert!(windows > 900, "{windows} windows");
    }
}
