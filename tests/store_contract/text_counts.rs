//! How many events a text search matches, past the bound up to which every count is exact:
//! SQLite counts the words in its text index alone, which must leave out deleted events and
//! agree with PostgreSQL's count of its own rows.

use eventmap::domain::EventFilter;
use eventmap::store::ImportItem;
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
                    let v = json!({"title": title, "start": start.to_rfc3339(), "time_precision": "exact",
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
    }
}
