//! The text index after an import: merged into one segment once the events imports wrote since
//! it last was reach a quarter of the live events (issue 20).
//!
//! FTS5 adds a segment for every transaction (and every megabyte of one), and merges them only
//! in part: 1,000,000 events imported in batches of 10,000 left 20. A text search tests each
//! walked event against every segment, so two common words took 280 µs an event and 80 ms a
//! page of 100; after FTS5's `optimize` (2.6 s at 1,000,000 events) they take 29 µs. Merging
//! when a quarter has been written since keeps its cost to a few times 2.6 µs an imported
//! event; single writes are left to FTS5's own merging.

use std::time::Duration;

use rusqlite::{OptionalExtension, Transaction};

use crate::store::StoreError;

/// The events imported since the text index was last merged, in `meta`.
const SINCE: &str = "text_imported_since_merge";

/// Whether the text index should be merged, after `since` events imported among `live`.
pub fn due(since: i64, live: i64) -> bool {
    since > 0 && since.saturating_mul(4) >= live
}

/// Counts `written` events (created or changed) of an import inside `tx`, and merges the text
/// index when they are [`due`]. Returns how long the merge took, if it ran.
pub fn finish(tx: &Transaction<'_>, written: u64) -> Result<Option<Duration>, StoreError> {
    let before: i64 =
        tx.query_row("SELECT value FROM meta WHERE key = ?1", [SINCE], |r| r.get(0)).optional()?.unwrap_or(0);
    let since = before.saturating_add(written as i64);
    let live: i64 = tx.query_row("SELECT coalesce(sum(n), 0) FROM event_days", [], |r| r.get(0))?;
    let merged = if due(since, live) {
        let t = std::time::Instant::now();
        tx.execute("INSERT INTO events_fts (events_fts) VALUES ('optimize')", [])?;
        Some(t.elapsed())
    } else {
        None
    };
    let since = if merged.is_some() { 0 } else { since };
    tx.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        rusqlite::params![SINCE, since],
    )?;
    Ok(merged)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{EventInput, Vocabulary};
    use crate::store::{Actor, DynStore, ImportItem};

    #[test]
    fn a_quarter_of_the_live_events_is_due() {
        assert!(!due(0, 0));
        assert!(due(10, 0));
        assert!(due(25, 100));
        assert!(!due(24, 100));
    }

    /// The text index's segments.
    fn segments(path: &std::path::Path) -> i64 {
        let c = rusqlite::Connection::open(path).unwrap();
        c.query_row("SELECT count(DISTINCT segid) FROM events_fts_idx", [], |r| r.get(0)).unwrap()
    }

    #[tokio::test]
    async fn imports_merge_the_text_index_once_a_quarter_is_new() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("text.db");
        let store: DynStore = crate::store::connect(&format!("sqlite://{}", path.display())).await.unwrap();
        let item = |i: u32| {
            let v = serde_json::json!({"title": format!("convoy {i}"), "start": "2024-03-01T12:00:00Z",
                "places": [{"name": "A", "lon": 36.0, "lat": 35.0}]});
            let data = EventInput::from_json(v).unwrap().validate(&Vocabulary::default()).unwrap();
            ImportItem { id: uuid::Uuid::now_v7(), data }
        };
        let actor = Actor::new("test");
        store.import((0..400).map(item).collect(), &actor).await.unwrap();
        assert_eq!(segments(&path), 1, "the first import is all new");
        // Single writes add segments of their own; an import of a tenth leaves them.
        for i in 400..404 {
            let it = item(i);
            store.create(it.id, it.data, &actor).await.unwrap();
        }
        let after_writes = segments(&path);
        assert!(after_writes > 1, "{after_writes}");
        store.import((404..444).map(item).collect(), &actor).await.unwrap();
        assert!(segments(&path) > 1);
        // 40 + 156 imported since the merge, past a quarter of 600: merged again.
        store.import((444..600).map(item).collect(), &actor).await.unwrap();
        assert_eq!(segments(&path), 1);
        let convoy = crate::domain::EventFilter { q: Some("convoy".into()), ..Default::default() };
        assert_eq!(store.count(&convoy).await.unwrap(), 600, "every event still found by its words");
    }
}
