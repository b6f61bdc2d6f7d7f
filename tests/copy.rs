//! `eventmap copy`: a SQLite database moved into PostgreSQL keeps every event (ids, revisions,
//! times, change order, tombstones), source, place, token and capture (bytes and redirect hops
//! included), and answers every query the same. Needs PostgreSQL (`TEST_DATABASE_URL`).
//! `eventmap backup` of a SQLite database keeps the captures too (no PostgreSQL needed).

mod common;

use std::process::Command;

use eventmap::auth::Role;
use eventmap::domain::filter::{PageRequest, parse_query};
use eventmap::domain::{Bucket, EventInput, Vocabulary};
use eventmap::gazetteer::{CustomPlace, Kind};
use eventmap::store::{Actor, DynStore, ImportItem, Lookup};
use futures::StreamExt;
use serde_json::json;
use uuid::Uuid;

use common::{Backend, TestDb};

const BIN: &str = env!("CARGO_BIN_EXE_eventmap");

fn event(i: usize, url: &str) -> eventmap::domain::event::EventData {
    EventInput::from_json(json!({
        "title": format!("Convoy {i} near Ţarţūs"), "start": format!("2024-{:02}-{:02}T{:02}:00:00Z", 1 + i % 12, 1 + i % 28, i % 24),
        "tags": [format!("tag{}", i % 7)], "places": [{"name": "Tartus", "lon": 35.0 + (i % 100) as f64 / 50.0, "lat": 34.889}],
        "sources": [{"url": url, "excerpt": format!("excerpt {i}")}]
    }))
    .expect("well formed")
    .validate(&Vocabulary::default())
    .expect("valid")
}

/// Every stored event, tombstones included, in change order: `(feature, key, seq, explicit)`.
async fn everything(store: &DynStore, q: &str) -> Vec<(String, i64, i64, bool)> {
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(q.as_bytes()).into_owned().collect();
    let parsed = parse_query(&pairs, &Vocabulary::default(), &[]).expect("query");
    let page = PageRequest { limit: 10_000, ..parsed.page };
    let mut rows = store.list(&parsed.filter, &page);
    let mut out = Vec::new();
    while let Some(r) = rows.next().await {
        let r = r.expect("row");
        out.push((r.feature, r.key, r.seq, r.geometry_explicit));
    }
    out
}

const HOP_BODY: &[u8] = b"<a href=\"/0\">moved</a>";

/// A page reached through one redirect (whose body is kept too), as the capture worker records it.
fn kept_page(now: chrono::DateTime<chrono::Utc>) -> eventmap::domain::capture::Fetched {
    let hop = eventmap::domain::capture::Hop::new(
        "https://news.example/old/0".into(),
        301,
        vec![("location".into(), "/0".into())],
        HOP_BODY,
        now,
    );
    eventmap::domain::capture::Fetched {
        final_url: "https://news.example/0".into(),
        status: 200,
        headers: vec![("content-type".into(), "text/html".into())],
        body: bytes::Bytes::from_static(b"<html>kept page</html>"),
        at: now,
        hops: vec![(hop, bytes::Bytes::from_static(HOP_BODY))],
    }
}

fn copy(from: &str, to: &str) -> std::process::Output {
    Command::new(BIN).args(["copy", "--from", from, "--to", to]).output().expect("eventmap copy runs")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sqlite_database_copied_into_postgres_keeps_everything_and_answers_the_same() {
    let Some(admin) = common::postgres_url() else { return };
    let sqlite = TestDb::on(&Backend::Sqlite).await;
    let source = sqlite.store().await;
    let desk = Actor::new("desk");
    // More rows than one chunk of the copy, edits, a deletion, shared sources, tokens, places.
    let items: Vec<ImportItem> = (0..5200)
        .map(|i| ImportItem { id: Uuid::now_v7(), data: event(i, &format!("https://news.example/{}", i % 40)) })
        .collect();
    source.import(items.clone(), &Actor::new("import")).await.expect("import");
    source
        .update(items[3].id, Some(1), event(10_003, "https://news.example/3"), &desk, Some("fix"))
        .await
        .expect("update");
    source.delete(items[5].id, None, &desk, "duplicate").await.expect("delete");
    let created = Uuid::now_v7();
    source.create(created, event(20_000, "https://other.example/a"), &desk).await.expect("create");
    let (_, kept) = eventmap::auth::create(source.as_ref(), "desk", Role::Editor).await.expect("token");
    let (_, revoked) = eventmap::auth::create(source.as_ref(), "old", Role::Viewer).await.expect("token");
    source.touch_token(&kept.id).await.expect("touch");
    source.revoke_token(&revoked.id).await.expect("revoke");
    let place = CustomPlace {
        id: "custom:depot".into(),
        name: "Depot".into(),
        kind: Kind::Site,
        country: Some("SY".into()),
        admin1: None,
        lon: 35.9,
        lat: 34.9,
        population: 0,
        names: vec!["Depot".into(), "Склад".into()],
    };
    source.put_custom_places(std::slice::from_ref(&place), &desk).await.expect("place");
    // Captures: one kept with its bytes, one still queued, one imported from another archiver.
    // Following changes: a saved search, a webhook on it with a queued delivery, a deleted one.
    use eventmap::domain::follow::{ChangeKind, NewDelivery, SavedSearch, SearchFilters, Subject, Webhook};
    let now = chrono::Utc::now();
    let filters = SearchFilters::from_json(&serde_json::json!({"category": "shelling", "country": ["SY"]}), "filters")
        .expect("filters");
    let search = SavedSearch {
        id: Uuid::now_v7(),
        name: "Shelling in Syria".into(),
        filters: filters.clone(),
        created_by: "Rana Haddad".into(),
        created_at: now,
        updated_at: now,
    };
    source.insert_search(&search).await.expect("search");
    let hook = |subject| Webhook {
        id: Uuid::now_v7(),
        url: "https://hooks.example.org/desk".into(),
        subject,
        secret: "s3cret".into(),
        events: vec![ChangeKind::Created, ChangeKind::Deleted],
        created_by: "desk".into(),
        created_at: now,
        cursor: 0,
        last_error: None,
        failing_since: None,
    };
    let followed = source.insert_webhook(&hook(Subject::Search(search.id))).await.expect("webhook");
    let gone = source.insert_webhook(&hook(Subject::Filters(filters))).await.expect("webhook");
    source.delete_webhook(gone.id).await.expect("delete webhook");
    let delivery = NewDelivery {
        id: Uuid::now_v7(),
        webhook_id: followed.id,
        event_id: created,
        kind: ChangeKind::Created,
        change: followed.cursor + 1,
        body: "{\"event\":1}".into(),
        created_at: now,
    };
    assert!(source.advance_webhook(followed.id, followed.cursor, followed.cursor + 1, &[delivery]).await.unwrap());

    let sid = match source.get(items[0].id).await.unwrap() {
        Lookup::Live(e) => e.data.sources[0].id,
        other => panic!("{other:?}"),
    };
    let now = chrono::Utc::now();
    source.queue_capture(sid, "desk", now).await.unwrap().expect("a source");
    let job = source.claim_captures("w", now, now + chrono::Duration::seconds(60), 1).await.unwrap().remove(0);
    let page = bytes::Bytes::from_static(b"<html>kept page</html>");
    let fetched = kept_page(now);
    let end = eventmap::store::captures::Finish::Captured(fetched);
    assert!(source.finish_capture(job.id, "w", 1, &end).await.unwrap());
    source.queue_capture(sid, "desk", now).await.unwrap();
    let imported = eventmap::store::captures::Imported {
        url: "https://news.example/0".into(),
        captured_at: now,
        sha256: "ab".repeat(32),
        archive_url: Some("https://archive.example/0".into()),
        origin: "auto-archiver".into(),
    };
    assert_eq!(source.import_captures(&[imported], "desk").await.unwrap(), vec![Some(true)]);

    let pg = TestDb::on(&Backend::Postgres(admin)).await;
    let out = copy(&sqlite.url, &pg.url);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "copy failed: {stderr}");
    assert!(
        stderr.contains("every count matches")
            && stderr.contains("5201 events (5200 live)")
            && stderr.contains("1 saved searches, 2 webhooks, 1 webhook deliveries"),
        "{stderr}"
    );

    let target = pg.store().await;
    for q in ["include_deleted=true&sort=updated_at", "sort=-start", "tag=tag3&bbox=35,34,36,35", "q=convoy&sort=start"]
    {
        assert_eq!(everything(&source, q).await, everything(&target, q).await, "{q}");
    }
    let f = eventmap::domain::EventFilter::default();
    assert_eq!(source.histogram(&f, Bucket::Month).await.unwrap(), target.histogram(&f, Bucket::Month).await.unwrap());
    for id in [items[0].id, items[3].id, items[5].id, created] {
        assert_eq!(source.history(id).await.unwrap(), target.history(id).await.unwrap(), "history of {id}");
        let (a, b) = (source.get(id).await.unwrap(), target.get(id).await.unwrap());
        assert_eq!(a, b);
    }
    assert!(matches!(target.get(items[5].id).await.unwrap(), Lookup::Deleted(_)));
    assert_eq!(source.tokens().await.unwrap(), target.tokens().await.unwrap(), "tokens, hashes and times");
    assert_eq!(target.custom_places().await.unwrap(), vec![place]);
    assert_eq!(target.searches().await.unwrap(), source.searches().await.unwrap(), "saved searches");
    assert_eq!(target.webhooks().await.unwrap(), source.webhooks().await.unwrap(), "webhooks");
    assert_eq!(target.webhooks().await.unwrap().len(), 1, "the deleted webhook stays deleted");
    let queued = target.deliveries(followed.id, 10).await.unwrap();
    assert_eq!(queued, source.deliveries(followed.id, 10).await.unwrap(), "the queued delivery");
    assert_eq!(queued.len(), 1);
    let (a, b) = (source.captures(sid).await.unwrap(), target.captures(sid).await.unwrap());
    assert_eq!(a.len(), 3);
    assert_eq!(a[0].hops.len(), 1, "{a:?}");
    assert_eq!(a, b, "captures, their states, hashes, headers and redirect hops");
    let sha = eventmap::domain::capture::sha256_hex(&page);
    assert_eq!(target.capture_bytes(&sha).await.unwrap().as_deref(), Some(&page[..]), "the kept bytes");
    assert_eq!(target.capture_bytes(&b[0].hops[0].sha256).await.unwrap().as_deref(), Some(HOP_BODY), "a hop's body");

    // Writing goes on after the copied changes, and sources stay shared by URL.
    let next = Uuid::now_v7();
    let ev = target.create(next, event(30_000, "https://news.example/7"), &desk).await.expect("write after copy");
    let first_citation = match target.get(items[7].id).await.unwrap() {
        Lookup::Live(e) => e.data.sources[0].id,
        other => panic!("{other:?}"),
    };
    assert_eq!(ev.data.sources[0].id, first_citation);
    let feed = everything(&target, "include_deleted=true&sort=updated_at").await;
    assert!(feed.last().expect("rows").0.contains(&next.to_string()), "the new change comes last");

    // A second copy into the same database is refused, and changes nothing.
    let again = copy(&sqlite.url, &pg.url);
    assert!(!again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("already holds data"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert_eq!(target.live_count().await.unwrap(), 5201);
}

#[test]
fn copying_from_a_file_that_does_not_exist_says_so() {
    let dir = tempfile::tempdir().expect("dir");
    let from = format!("sqlite://{}", dir.path().join("missing.db").display());
    let out = copy(&from, "postgres://nobody:secret@127.0.0.1:1/none");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("there is no SQLite database") && !stderr.contains("secret"), "{stderr}");
    assert!(!dir.path().join("missing.db").exists(), "nothing is created");
}

#[tokio::test]
async fn a_backup_keeps_captures_with_their_bytes_and_redirect_hops() {
    let db = TestDb::on(&Backend::Sqlite).await;
    let store = db.store().await;
    let id = Uuid::now_v7();
    let ev = store.create(id, event(1, "https://news.example/0"), &Actor::new("desk")).await.expect("create");
    let sid = ev.data.sources[0].id;
    let now = chrono::Utc::now();
    store.queue_capture(sid, "desk", now).await.unwrap().expect("a source");
    let job = store.claim_captures("w", now, now + chrono::Duration::seconds(60), 1).await.unwrap().remove(0);
    let end = eventmap::store::captures::Finish::Captured(kept_page(now));
    assert!(store.finish_capture(job.id, "w", 1, &end).await.unwrap());

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("backup.db");
    let out = Command::new(BIN).args(["backup", file.to_str().unwrap(), "--database", &db.url]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let restored = eventmap::store::connect(&format!("sqlite://{}", file.display())).await.unwrap();
    let (a, b) = (store.captures(sid).await.unwrap(), restored.captures(sid).await.unwrap());
    assert_eq!(a.len(), 1);
    assert_eq!(b, a, "the capture, its headers and its hops");
    assert_eq!(b[0].hops[0].location.as_deref(), Some("/0"));
    let sha = b[0].sha256.clone().unwrap();
    assert_eq!(restored.capture_bytes(&sha).await.unwrap().as_deref(), Some(&b"<html>kept page</html>"[..]));
    assert_eq!(restored.capture_bytes(&b[0].hops[0].sha256).await.unwrap().as_deref(), Some(HOP_BODY));
}
