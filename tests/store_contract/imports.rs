//! Imports: the same import twice, streamed imports that commit every batch or none, and an id
//! sent again in a later batch of one stream.

use eventmap::domain::Action;
use eventmap::store::{ImportItem, Lookup, StoreError};
use serde_json::json;
use uuid::Uuid;

use crate::common::{TestDb, backends};
use crate::support::{data, editor, ids, live, stream_of, synthetic_id, tartus};

#[tokio::test]
async fn an_import_twice_changes_nothing_and_keeps_deletions() {
    for backend in backends() {
        let db = TestDb::on(&backend).await;
        let store = db.store().await;
        let items: Vec<ImportItem> =
            (0..5).map(|i| ImportItem { id: Uuid::now_v7(), data: tartus(&format!("event {i}")) }).collect();
        let c = store.import(items.clone(), &editor()).await.unwrap();
        assert_eq!((c.created, c.updated, c.unchanged), (5, 0, 0));
        let c = store.import(items.clone(), &editor()).await.unwrap();
        assert_eq!((c.created, c.updated, c.unchanged), (0, 0, 5));
        store.delete(items[0].id, None, &editor(), "wrong").await.unwrap();
        let mut again = items.clone();
        again[1].data = tartus("event 1, corrected");
        let c = store.import(again, &editor()).await.unwrap();
        assert_eq!((c.created, c.updated, c.unchanged), (0, 1, 4));
        assert!(matches!(store.get(items[0].id).await.unwrap(), Lookup::Deleted(_)));
        let h = store.history(items[1].id).await.unwrap();
        assert_eq!(h.iter().map(|r| r.action).collect::<Vec<_>>(), vec![Action::Import, Action::Import]);
        // One id twice: refused whole.
        let twice = vec![items[2].clone(), ImportItem { id: Uuid::now_v7(), data: tartus("new") }, items[2].clone()];
        assert!(matches!(store.import(twice, &editor()).await, Err(StoreError::Conflict(_))));
        assert_eq!(store.live_count().await.unwrap(), 4);
    }
}

#[tokio::test]
async fn a_streamed_import_commits_every_batch_together_or_nothing() {
    use eventmap::store::ImportChunk;
    for backend in backends() {
        let db = TestDb::on(&backend).await;
        let store = db.store().await;
        let batch = |from: usize| -> Vec<ImportItem> {
            (from..from + 3)
                .map(|i| ImportItem { id: synthetic_id(i as u128), data: tartus(&format!("row {i}")) })
                .collect()
        };
        // Ends without Commit: rolled back, although two batches were written.
        let (rx, feed) = stream_of(vec![ImportChunk::Rows(batch(0)), ImportChunk::Rows(batch(3))]);
        assert_eq!(store.import_stream(rx, &editor()).await.unwrap(), None, "{backend:?}");
        feed.await.unwrap();
        assert_eq!(store.live_count().await.unwrap(), 0, "{backend:?}: nothing of it stays");
        assert!(store.history(synthetic_id(0)).await.unwrap().is_empty());
        // With Commit: every batch, and the counts of all of them.
        let (rx, feed) = stream_of(vec![ImportChunk::Rows(batch(0)), ImportChunk::Rows(batch(3)), ImportChunk::Commit]);
        let c = store.import_stream(rx, &editor()).await.unwrap().expect("committed");
        feed.await.unwrap();
        assert_eq!((c.created, c.updated, c.unchanged), (6, 0, 0), "{backend:?}");
        assert_eq!(store.live_count().await.unwrap(), 6);
        assert_eq!(live(&store, synthetic_id(4)).await.data.title, "row 4");
        // A store error in a later batch (an id twice in one batch) rolls back the earlier ones.
        let mut changed = batch(0);
        changed[0].data = tartus("row 0, corrected");
        let mut twice = batch(10);
        twice.push(twice[0].clone());
        let (rx, feed) = stream_of(vec![ImportChunk::Rows(changed), ImportChunk::Rows(twice), ImportChunk::Commit]);
        assert!(matches!(store.import_stream(rx, &editor()).await, Err(StoreError::Conflict(_))), "{backend:?}");
        feed.await.unwrap();
        assert_eq!(live(&store, synthetic_id(0)).await.data.title, "row 0", "{backend:?}: the first batch was undone");
        assert_eq!(store.live_count().await.unwrap(), 6);
    }
}

#[tokio::test]
async fn an_id_sent_again_in_a_later_batch_of_one_stream_is_revised_even_into_an_empty_database() {
    use eventmap::store::ImportChunk;
    for backend in backends() {
        let db = TestDb::on(&backend).await;
        let store = db.store().await;
        let item = |i: u128, title: &str, actor: &str| ImportItem {
            id: synthetic_id(i),
            data: data(json!({"title": title, "start": "2025-02-10T08:00:00Z", "actors": [actor],
                              "places": [{"name": "Tartus", "lon": 35.8866, "lat": 34.889}]})),
        };
        let (rx, feed) = stream_of(vec![
            ImportChunk::Rows(vec![item(1, "first", "Navy"), item(2, "second", "Army")]),
            ImportChunk::Rows(vec![
                item(1, "first, corrected", "Coast guard"),
                item(2, "second", "Army"),
                item(3, "third", "Army"),
            ]),
            ImportChunk::Commit,
        ]);
        let c = store.import_stream(rx, &editor()).await.unwrap().expect("committed");
        feed.await.unwrap();
        assert_eq!((c.created, c.updated, c.unchanged), (3, 1, 1), "{backend:?}");
        assert_eq!(live(&store, synthetic_id(1)).await.data.title, "first, corrected");
        assert_eq!(store.history(synthetic_id(1)).await.unwrap().len(), 2, "{backend:?}");
        // Each is found once by place and time (one R*Tree entry each on SQLite).
        let near = ids(&store, "bbox=35.5,34.5,36.5,35.5&start=2025-02-10&end=2025-02-10").await;
        assert_eq!(near.len(), 3, "{backend:?}: {near:?}");
        assert!(ids(&store, "bbox=35.5,34.5,36.5,35.5&start=2025-02-11").await.is_empty());
        assert!(ids(&store, "bbox=0,0,1,1").await.is_empty());
        // The revised event is found by its new actor only; the others by theirs.
        assert!(ids(&store, "actor=Navy").await.is_empty(), "{backend:?}");
        assert_eq!(ids(&store, "actor=Coast guard").await, [synthetic_id(1).to_string()], "{backend:?}");
        assert_eq!(ids(&store, "actor=Army").await.len(), 2, "{backend:?}");
    }
}
