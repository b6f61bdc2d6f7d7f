//! Merging a duplicate into the event it duplicates: the sources move, the duplicate becomes a
//! tombstone that points at the survivor, both histories say why, all in one transaction.

use eventmap::domain::Action;
use eventmap::store::{Lookup, StoreError};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::common::{TestDb, backends};
use crate::support::{data, editor, ids, live};

fn cited(title: &str, urls: &[&str]) -> eventmap::domain::event::EventData {
    let sources: Vec<Value> = urls.iter().map(|u| json!({"url": u, "excerpt": format!("{title} says so")})).collect();
    data(json!({"title": title, "start": "2025-02-10", "category": "air_or_drone_strike",
                "places": [{"name": "Sarmin", "lon": 36.7228, "lat": 35.9033}], "sources": sources}))
}

#[tokio::test]
async fn a_merge_moves_the_sources_and_leaves_a_tombstone_pointing_at_the_survivor() {
    for backend in backends() {
        let db = TestDb::on(&backend).await;
        let store = db.store().await;
        let (keep, dup) = (Uuid::now_v7(), Uuid::now_v7());
        store
            .create(keep, cited("Strike on Sarmin", &["https://a.example/1", "https://b.example/2"]), &editor())
            .await
            .unwrap();
        store
            .create(dup, cited("Удар по Сармину", &["https://b.example/2", "https://c.example/ru"]), &editor())
            .await
            .unwrap();

        // A stale revision of the duplicate is refused and changes nothing.
        match store.merge(dup, Some(5), keep, &editor(), "same strike").await {
            Err(StoreError::RevisionMismatch { expected: 5, current: 1 }) => {}
            other => panic!("{backend:?}: {other:?}"),
        }
        assert_eq!(live(&store, keep).await.revision, 1);

        let (survivor, t) = store.merge(dup, Some(1), keep, &editor(), "the same strike, in Russian").await.unwrap();
        let urls: Vec<&str> = survivor.data.sources.iter().map(|s| s.url.as_str()).collect();
        assert_eq!(urls, ["https://a.example/1", "https://b.example/2", "https://c.example/ru"], "{backend:?}");
        let moved = survivor.data.sources.iter().find(|s| s.url == "https://c.example/ru").unwrap();
        assert_eq!(moved.excerpt.as_deref(), Some("Удар по Сармину says so"), "the excerpt moves with it");
        assert_eq!(survivor.revision, 2);
        assert_eq!(live(&store, keep).await, survivor);
        assert_eq!((t.id, t.revision, t.merged_into), (dup, 2, Some(keep)));
        match store.get(dup).await.unwrap() {
            Lookup::Deleted(d) => assert_eq!(d, t, "{backend:?}"),
            other => panic!("{other:?}"),
        }
        assert_eq!(ids(&store, "").await, vec![keep.to_string()]);

        let kept = store.history(keep).await.unwrap();
        let last = kept.last().unwrap();
        assert_eq!(last.action, Action::Update);
        assert!(last.reason.as_deref().unwrap().contains(&dup.to_string()), "{:?}", last.reason);
        assert!(last.reason.as_deref().unwrap().ends_with("the same strike, in Russian"));
        let gone = store.history(dup).await.unwrap();
        assert_eq!(gone.last().unwrap().action, Action::Delete);
        assert_eq!(gone.last().unwrap().reason.as_deref(), Some("the same strike, in Russian"));
    }
}

#[tokio::test]
async fn a_merge_into_itself_a_tombstone_or_nothing_is_refused_and_changes_nothing() {
    for backend in backends() {
        let db = TestDb::on(&backend).await;
        let store = db.store().await;
        let (a, b, c) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        for (id, t) in [(a, "a"), (b, "b"), (c, "c")] {
            store.create(id, cited(t, &[&format!("https://x.example/{t}")]), &editor()).await.unwrap();
        }
        store.delete(c, None, &editor(), "wrong").await.unwrap();
        let invalid = |r: Result<_, StoreError>| match r {
            Err(StoreError::Invalid { field: "into", message }) => message,
            other => panic!("{backend:?}: {other:?}"),
        };
        assert!(invalid(store.merge(a, None, a, &editor(), "x").await).contains("itself"));
        assert!(invalid(store.merge(a, None, c, &editor(), "x").await).contains("deleted"));
        assert!(invalid(store.merge(a, None, Uuid::now_v7(), &editor(), "x").await).contains("no event"));
        assert!(matches!(store.merge(c, None, a, &editor(), "x").await, Err(StoreError::Gone(_))));
        assert!(matches!(store.merge(Uuid::now_v7(), None, a, &editor(), "x").await, Err(StoreError::NotFound(_))));
        for id in [a, b] {
            let ev = live(&store, id).await;
            assert_eq!((ev.revision, ev.data.sources.len()), (1, 1), "{backend:?}");
        }
    }
}
