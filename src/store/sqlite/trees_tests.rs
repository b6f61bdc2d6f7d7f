//! Tests that every write keeps the two R*Trees in step with the live events: each live event's
//! entry in exactly the tree its envelope belongs to (`write::rtree_of`), none for a deleted one,
//! through create, update, delete, merge, a batch import and a streamed one.

use rusqlite::Connection;
use serde_json::json;
use uuid::Uuid;

use super::write::rtree_of;
use crate::domain::event::EventData;
use crate::domain::{EventInput, Vocabulary};
use crate::store::{Actor, DynStore, ImportChunk, ImportItem};

/// An event at `from`, or a movement from `from` to `to`.
fn data(title: &str, from: (f64, f64), to: Option<(f64, f64)>) -> EventData {
    let mut places = vec![json!({"name": "A", "lon": from.0, "lat": from.1})];
    if let Some((lon, lat)) = to {
        places[0]["role"] = json!("origin");
        places.push(json!({"name": "B", "role": "destination", "lon": lon, "lat": lat}));
    }
    let v = json!({"title": title, "start": "2024-03-01T12:00:00Z", "places": places});
    EventInput::from_json(v).unwrap().validate(&Vocabulary::default()).unwrap()
}

/// Every live event's envelope, and the trees that hold it.
fn trees(path: &std::path::Path) -> Vec<(String, [f64; 4], Vec<String>)> {
    let c = Connection::open(path).unwrap();
    let mut st = c
        .prepare(
            "SELECT e.id, e.min_lon, e.min_lat, e.max_lon, e.max_lat, \
             (SELECT count(*) FROM events_rtree r WHERE r.id = e.seq), \
             (SELECT count(*) FROM events_rtree_wide w WHERE w.id = e.seq) FROM events e WHERE e.deleted = 0",
        )
        .unwrap();
    let live: Vec<(String, [f64; 4], Vec<String>)> = st
        .query_map([], |r| {
            let mut held = Vec::new();
            for _ in 0..r.get::<_, i64>(5)? {
                held.push("events_rtree".to_string());
            }
            for _ in 0..r.get::<_, i64>(6)? {
                held.push("events_rtree_wide".to_string());
            }
            Ok((r.get(0)?, [r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?], held))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let entries: i64 = c
        .query_row("SELECT (SELECT count(*) FROM events_rtree) + (SELECT count(*) FROM events_rtree_wide)", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(entries as usize, live.len(), "an entry of an event no longer live is left");
    live
}

fn assert_in_step(path: &std::path::Path, step: &str) -> usize {
    let live = trees(path);
    for (id, envelope, held) in &live {
        assert_eq!(held, &vec![rtree_of(*envelope).to_string()], "{step}: event {id} {envelope:?}");
    }
    live.iter().filter(|(_, e, _)| rtree_of(*e) == "events_rtree_wide").count()
}

#[tokio::test]
async fn every_write_keeps_each_live_event_in_the_tree_its_envelope_belongs_to() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("trees.db");
    let store: DynStore = crate::store::connect(&format!("sqlite://{}", path.display())).await.unwrap();
    let actor = Actor::new("desk");
    let (damascus, paris) = ((36.3, 33.5), (2.35, 48.85));
    let (a, b, c) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());

    store.create(a, data("a point", damascus, None), &actor).await.unwrap();
    store.create(b, data("a long movement", damascus, Some(paris)), &actor).await.unwrap();
    store.create(c, data("a short movement", damascus, Some((36.5, 33.6))), &actor).await.unwrap();
    assert_eq!(assert_in_step(&path, "created"), 1);

    // The point becomes a long movement, the long movement a point: both change trees.
    store.update(a, None, data("now long", paris, Some(damascus)), &actor, None).await.unwrap();
    store.update(b, None, data("now a point", paris, None), &actor, None).await.unwrap();
    assert_eq!(assert_in_step(&path, "updated"), 1);

    // Merged into the short one, the long movement leaves its tree (the survivor may take its
    // places, and with them a wide envelope).
    store.merge(a, None, c, &actor, "the same").await.unwrap();
    assert_in_step(&path, "merged");
    store.delete(b, None, &actor, "wrong").await.unwrap();
    let before = assert_in_step(&path, "deleted");

    // A batch large enough to pack both trees anew, then one small enough to insert into them.
    for n in [400, 7] {
        let items = (0..n)
            .map(|i| {
                let at = (damascus.0 + f64::from(i) * 0.01, damascus.1);
                let to = (i % 5 == 0).then_some(paris);
                ImportItem { id: Uuid::now_v7(), data: data(&format!("imported {i}"), at, to) }
            })
            .collect();
        store.import(items, &actor).await.unwrap();
    }
    assert_eq!(assert_in_step(&path, "imported"), before + 80 + 2);

    // A streamed import.
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    let rows = (0..20)
        .map(|i| ImportItem { id: Uuid::now_v7(), data: data("streamed", paris, (i % 2 == 0).then_some(damascus)) });
    tx.send(ImportChunk::Rows(rows.collect())).await.unwrap();
    tx.send(ImportChunk::Commit).await.unwrap();
    drop(tx);
    store.import_stream(rx, &actor).await.unwrap();
    assert_eq!(assert_in_step(&path, "streamed"), before + 82 + 10);
}
