//! `numberMatched` of a box past the exact bound, told from the count table's cells inside the
//! box without counting the box: events just outside the box in a cell it cuts, deleted events
//! and events outside the window must not be taken for matches, or a count of 9,000 that should
//! be exact would come back "about" (both backends).

use chrono::{DateTime, Utc};
use eventmap::domain::EventFilter;
use eventmap::domain::filter::BBox;
use eventmap::store::ImportItem;
use eventmap::store::sql::plan::EXACT_BOUND;
use serde_json::json;

use crate::common::{TestDb, backends};
use crate::support::{data, editor, synthetic_id};

const DAY: i64 = 86_400_000;
const Y2020: i64 = 1_577_836_800_000;
const Y2021: i64 = 1_609_459_200_000;
/// 2020-01-14 and 2021-01-14: 320 days from either lie in the whole blocks of 30 days (from day
/// 18,270) that the table counts, so that the table alone could say 2020 passes the bound if it
/// took a single event it should not.
const JAN14_2020: i64 = Y2020 + 13 * DAY;
const JAN14_2021: i64 = Y2021 + 13 * DAY;

fn at(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).expect("an instant")
}

/// `n` points spread over `[lon0, lon1] × [31.2, 31.8]` and over the 320 days from `from`.
fn points(first: u128, n: u128, (lon0, lon1): (f64, f64), from: i64) -> Vec<ImportItem> {
    (0..n)
        .map(|i| {
            let f = i as f64 / n as f64;
            let (lon, lat) = (lon0 + (lon1 - lon0) * f, 31.2 + 0.6 * ((i * 7919) % n) as f64 / n as f64);
            let start = at(from + (i as i64 * 7_777_777) % (320 * DAY));
            let v = json!({"title": format!("event {}", first + i), "start": start.to_rfc3339(),
                "time_precision": "exact", "places": [{"name": "P", "lon": lon, "lat": lat}]});
            ImportItem { id: synthetic_id(first + i), data: data(v) }
        })
        .collect()
}

#[tokio::test]
async fn a_box_past_the_bound_is_told_by_its_inner_cells_and_nothing_else() {
    assert_eq!(EXACT_BOUND, 10_000, "the counts below are set around the bound");
    for backend in backends() {
        let db = TestDb::on(&backend).await;
        let store = db.store().await;
        // Inside the box, well within its inner cells: 9,000 in 2020 and 1,500 in 2021.
        let mut items = points(0, 9_000, (30.8, 31.6), JAN14_2020);
        items.extend(points(9_000, 1_500, (30.8, 31.6), JAN14_2021));
        // Just west of the box, in the column of cells its west edge cuts (29.53° to 30.23°).
        items.extend(points(20_000, 2_000, (29.6, 29.95), JAN14_2020));
        // Inside, in 2020, then deleted.
        items.extend(points(30_000, 1_100, (30.8, 31.6), JAN14_2020));
        store.import(items, &editor()).await.unwrap();
        for k in 30_000..31_100 {
            store.delete(synthetic_id(k), None, &editor(), "duplicate").await.unwrap();
        }
        let bbox = BBox { min_lon: 30.0, min_lat: 30.0, max_lon: 33.0, max_lat: 33.0 };
        let year =
            EventFilter { bbox: Some(bbox), start: Some(at(Y2020)), end: Some(at(Y2021 - 1)), ..Default::default() };
        let m = store.matched(&year, false).await.unwrap();
        assert_eq!((m.n, m.exact), (9_000, true), "{}: 2020 holds 9,000 matches, under the bound", backend.name());
        assert_eq!(store.count(&year).await.unwrap(), 9_000, "{}", backend.name());

        let all = EventFilter { bbox: Some(bbox), ..Default::default() };
        let m = store.matched(&all, false).await.unwrap();
        assert!(!m.exact && m.n >= 10_500, "{}: all time holds 10,500, past the bound: {m:?}", backend.name());
        assert_eq!(store.count(&all).await.unwrap(), 10_500, "{}", backend.name());
        assert_eq!(store.matched(&all, true).await.unwrap().n, 10_500, "{}", backend.name());

        // Taking in the cut column takes in the 2,000 west of the old edge.
        let wider = EventFilter { bbox: Some(BBox { min_lon: 29.0, ..bbox }), ..year.clone() };
        let m = store.matched(&wider, false).await.unwrap();
        assert!(!m.exact && m.n >= 11_000, "{}: {m:?}", backend.name());
        assert_eq!(store.count(&wider).await.unwrap(), 11_000, "{}", backend.name());
    }
}
