//! Sources: shared by URL between the events that cite them, also across the batches of a
//! streamed import.

use std::collections::HashSet;

use eventmap::store::ImportItem;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::common::{TestDb, backends};
use crate::support::{data, editor, ids, live, stream_of, synthetic_id};

#[tokio::test]
async fn sources_are_shared_by_url_and_fields_learned_later_show_on_every_citing_event() {
    for backend in backends() {
        let db = TestDb::on(&backend).await;
        let store = db.store().await;
        let with_source = |title: &str, source: Value| {
            data(json!({"title": title, "start": "2025-02-10", "places": [{"name": "T", "lon": 35.9, "lat": 34.9}],
                        "sources": [source]}))
        };
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        let ea = store
            .create(a, with_source("a", json!({"url": "https://news.example/1", "excerpt": "first"})), &editor())
            .await
            .unwrap();
        let eb = store
            .create(
                b,
                with_source("b", json!({"url": "https://news.example/1", "title": "The report", "excerpt": "second"})),
                &editor(),
            )
            .await
            .unwrap();
        assert_eq!(ea.data.sources[0].id, eb.data.sources[0].id);
        assert_eq!(eb.data.sources[0].excerpt.as_deref(), Some("second"));
        let a_now = live(&store, a).await;
        assert_eq!(a_now.data.sources[0].title.as_deref(), Some("The report"), "the first event shows the title");
        assert_eq!(a_now.data.sources[0].excerpt.as_deref(), Some("first"), "but keeps its own excerpt");
        assert_eq!(a_now.revision, 1, "learning a source's title is not a revision of the event");
        assert!(a_now.updated_at > ea.updated_at, "but it is a change, for the corrections feed");
    }
}

#[tokio::test]
async fn a_streamed_import_into_an_empty_database_shares_sources_by_url_across_its_batches() {
    use eventmap::store::ImportChunk;
    for backend in backends() {
        let db = TestDb::on(&backend).await;
        let store = db.store().await;
        let item = |i: u128, sources: Value| ImportItem {
            id: synthetic_id(i),
            data: data(json!({"title": format!("row {i}"), "start": "2025-02-10",
                              "places": [{"name": "T", "lon": 35.9, "lat": 34.9}], "sources": sources})),
        };
        let (rx, feed) = stream_of(vec![
            ImportChunk::Rows(vec![
                item(1, json!([{"url": "https://news.example/1", "excerpt": "first"}])),
                item(2, json!([{"url": "https://news.example/2"}])),
            ]),
            ImportChunk::Rows(vec![
                item(
                    3,
                    json!([{"url": "https://news.example/1", "title": "The report"}, {"url": "https://news.example/3"}]),
                ),
                item(4, json!([{"url": "https://news.example/2"}, {"url": "https://news.example/4"}])),
            ]),
            ImportChunk::Commit,
        ]);
        let c = store.import_stream(rx, &editor()).await.unwrap().expect("committed");
        feed.await.unwrap();
        assert_eq!(c.created, 4, "{backend:?}");
        let (e1, e2, e3, e4) = (
            live(&store, synthetic_id(1)).await,
            live(&store, synthetic_id(2)).await,
            live(&store, synthetic_id(3)).await,
            live(&store, synthetic_id(4)).await,
        );
        assert_eq!(e1.data.sources[0].id, e3.data.sources[0].id, "{backend:?}: one source per URL");
        assert_eq!(e2.data.sources[0].id, e4.data.sources[0].id, "{backend:?}");
        assert_eq!(e1.data.sources[0].title.as_deref(), Some("The report"), "{backend:?}: learned in a later batch");
        assert_eq!(e1.data.sources[0].excerpt.as_deref(), Some("first"));
        let sources: HashSet<Uuid> =
            [&e1, &e2, &e3, &e4].iter().flat_map(|e| e.data.sources.iter().map(|s| s.id)).collect();
        assert_eq!(sources.len(), 4, "{backend:?}: four URLs, four sources");
        assert_eq!(ids(&store, "source=news.example").await.len(), 4, "{backend:?}");
    }
}
