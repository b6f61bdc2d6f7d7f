//! What the tests share: valid event data, the editing actor, list queries and pages as the API
//! would make them, the ids of synthetic events and a stream of import chunks.

use eventmap::domain::event::EventData;
use eventmap::domain::filter::{PageRequest, parse_query};
use eventmap::domain::{EventFilter, EventInput, Vocabulary};
use eventmap::store::{Actor, DynStore, Lookup};
use futures::StreamExt;
use serde_json::{Value, json};
use uuid::Uuid;

pub(crate) fn data(v: Value) -> EventData {
    EventInput::from_json(v).expect("well formed").validate(&Vocabulary::default()).expect("valid")
}

pub(crate) fn tartus(title: &str) -> EventData {
    data(json!({"title": title, "start": "2025-02-10T08:00:00Z", "category": "military_movement",
                "places": [{"name": "Tartus", "lon": 35.8866, "lat": 34.889}]}))
}

pub(crate) fn editor() -> Actor {
    Actor::new("desk")
}

/// A list query as the API would parse it (`place` excepted).
pub(crate) fn query(q: &str) -> (EventFilter, PageRequest) {
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(q.as_bytes()).into_owned().collect();
    let parsed = parse_query(&pairs, &Vocabulary::default(), &[]).unwrap_or_else(|e| panic!("{q}: {e:?}"));
    (parsed.filter, parsed.page)
}

/// The rows of one page: `(id, key, seq)`, and the number matched if the store counted it.
pub(crate) async fn page(store: &DynStore, f: &EventFilter, p: &PageRequest) -> Vec<(String, i64, i64, Option<u64>)> {
    let mut rows = store.list(f, p);
    let mut out = Vec::new();
    while let Some(r) = rows.next().await {
        let r = r.expect("list row");
        let v: Value = serde_json::from_str(&r.feature).expect("feature JSON");
        out.push((v["id"].as_str().expect("id").to_string(), r.key, r.seq, r.matched));
    }
    out
}

/// Ids matching a query string, in order (first page only).
pub(crate) async fn ids(store: &DynStore, q: &str) -> Vec<String> {
    let (f, p) = query(q);
    let mut v: Vec<String> = page(store, &f, &p).await.into_iter().map(|r| r.0).collect();
    v.truncate(p.limit as usize);
    v
}

pub(crate) async fn live(store: &DynStore, id: Uuid) -> eventmap::domain::Event {
    match store.get(id).await.expect("get") {
        Lookup::Live(ev) => *ev,
        other => panic!("{id} is not live: {other:?}"),
    }
}

pub(crate) fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// A channel that a task fills with `chunks` (it stops when the store stops listening).
pub(crate) fn stream_of(
    chunks: Vec<eventmap::store::ImportChunk>,
) -> (tokio::sync::mpsc::Receiver<eventmap::store::ImportChunk>, tokio::task::JoinHandle<()>) {
    let (tx, rx) = tokio::sync::mpsc::channel(1);
    let feed = tokio::spawn(async move {
        for c in chunks {
            if tx.send(c).await.is_err() {
                break;
            }
        }
    });
    (rx, feed)
}

pub(crate) fn synthetic_id(i: u128) -> Uuid {
    Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0000 + i)
}

/// Every live event with its storage number, newest first, read page by page through
/// `EventStore::list` as a client would, and prepared as the store derives its columns.
pub(crate) async fn every_live(store: &DynStore) -> Vec<(i64, eventmap::store::Prepared)> {
    use eventmap::domain::Cursor;
    use eventmap::domain::filter::Sort;
    let mut all = Vec::new();
    let mut p = PageRequest { limit: 1000, sort: Sort::StartDesc, cursor: None };
    loop {
        let mut rows = store.list(&EventFilter::default(), &p);
        let mut got = Vec::new();
        while let Some(r) = rows.next().await {
            got.push(r.expect("row"));
        }
        let more = got.len() > p.limit as usize;
        got.truncate(p.limit as usize);
        for r in &got {
            all.push((r.seq, eventmap::store::Prepared::new(r.event().expect("live").clone())));
        }
        let Some(last) = got.last().filter(|_| more) else { return all };
        p.cursor = Some(Cursor { key: last.key, seq: last.seq, matched: None });
    }
}
