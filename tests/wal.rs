//! The SQLite write-ahead log stays under its documented cap (64 MiB): under writes while
//! readers never stop, after an import, and after a stop; `/metrics` shows its size. PostgreSQL
//! keeps no such log: its store says so and `/metrics` still answers.

mod common;

use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use eventmap::domain::filter::PageRequest;
use eventmap::domain::{EventFilter, EventInput, Vocabulary};
use eventmap::store::{Actor, DynStore, ImportItem};
use futures::StreamExt;
use serde_json::json;

use common::server::{Server, editor_token};
use common::{Backend, TestDb, backends};

/// The documented cap of the log (docs/DEPLOYMENT.md).
const CAP: u64 = 64 * 1024 * 1024;

fn wal_file(db: &TestDb) -> PathBuf {
    PathBuf::from(format!("{}-wal", db.url.strip_prefix("sqlite://").unwrap()))
}

fn wal_size(db: &TestDb) -> u64 {
    std::fs::metadata(wal_file(db)).map(|m| m.len()).unwrap_or(0)
}

/// An event of about 6 KB, so that the log grows quickly.
fn item(i: usize, vocab: &Vocabulary) -> ImportItem {
    let input = EventInput::from_json(json!({
        "title": format!("Report {i}"), "start": "2025-02-10",
        "description": format!("{i} ") + &"A convoy was held at the checkpoint and turned back. ".repeat(110),
        "tags": [format!("t{}", i % 50)],
        "places": [{"name": "Tartus", "lon": 35.0 + (i % 1000) as f64 * 0.002, "lat": 34.88, "country": "SY"}]
    }))
    .unwrap();
    ImportItem { id: uuid::Uuid::now_v7(), data: input.validate(vocab).unwrap() }
}

/// Waits up to `within` for the log to be at most `bytes`; its size at the end.
async fn wal_at_most(db: &TestDb, bytes: u64, within: Duration) -> u64 {
    let deadline = Instant::now() + within;
    while wal_size(db) > bytes && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    wal_size(db)
}

/// Reads pages of 2,000 events (12 MB) without pause until `stop`: with several of these, some
/// reader always holds a snapshot, as under a busy newsroom's load.
async fn read_without_pause(store: DynStore, stop: Arc<AtomicBool>) -> u64 {
    let mut pages = 0;
    while !stop.load(Ordering::Relaxed) {
        let page = PageRequest { limit: 2_000, ..PageRequest::default() };
        let mut rows = store.list(&EventFilter::default(), &page);
        while let Some(r) = rows.next().await {
            r.unwrap();
        }
        pages += 1;
    }
    pages
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_log_stays_under_its_cap_while_readers_never_stop() {
    let db = TestDb::on(&Backend::Sqlite).await;
    let store = db.store().await;
    let vocab = Vocabulary::default();
    store.import((0..2_000).map(|i| item(i, &vocab)).collect(), &Actor::new("test")).await.unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let largest = Arc::new(AtomicU64::new(0));
    let readers: Vec<_> = (0..4).map(|_| tokio::spawn(read_without_pause(store.clone(), stop.clone()))).collect();
    let sampler = {
        let (stop, largest, file) = (stop.clone(), largest.clone(), wal_file(&db));
        tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let now = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
                largest.fetch_max(now, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
    };
    // About 3,000 writes of 6 KB events, each touching a dozen 8 KiB pages: hundreds of
    // megabytes through the log, several times its cap.
    let actor = Actor::new("test");
    for i in 0..3_000 {
        let it = item(10_000 + i, &vocab);
        store.create(it.id, it.data, &actor).await.unwrap();
    }
    stop.store(true, Ordering::Relaxed);
    let mut pages = 0;
    for r in readers {
        pages += r.await.unwrap();
    }
    sampler.await.unwrap();
    let largest = largest.load(Ordering::Relaxed);
    eprintln!("pages read meanwhile: {pages}; largest log: {largest} bytes");
    assert!(pages > 10, "the readers did read ({pages} pages)");
    assert!(largest <= CAP, "the log reached {largest} bytes, over its cap of {CAP}");
    assert_eq!(store.wal_bytes(), Some(wal_size(&db)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_larger_than_the_cap_leaves_the_log_under_it_once_committed() {
    let db = TestDb::on(&Backend::Sqlite).await;
    let store = db.store().await;
    let vocab = Vocabulary::default();
    // A first event, so that the import below is not a first load (which may bypass the log).
    store.import(vec![item(0, &vocab)], &Actor::new("test")).await.unwrap();
    let items: Vec<_> = (1..12_001).map(|i| item(i, &vocab)).collect();
    store.import(items, &Actor::new("test")).await.unwrap();
    let size = wal_at_most(&db, CAP, Duration::from_secs(15)).await;
    assert!(size <= CAP, "the log holds {size} bytes after the import, over its cap of {CAP}");
    // A checkpoint asked for truncates it to nothing.
    store.checkpoint().await.unwrap();
    assert_eq!(wal_size(&db), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_show_the_log_and_a_stop_leaves_none_behind() {
    for backend in backends() {
        let db = TestDb::on(&backend).await;
        let token = editor_token(&db.url);
        let mut server = Server::start(&db.url).await;
        let client = reqwest::Client::new();
        for i in 0..50 {
            let r = client
                .post(format!("{}/api/events", server.base))
                .bearer_auth(&token)
                .json(&json!({"title": format!("Event {i}"), "start": "2025-02-10", "description": "x".repeat(3000),
                    "places": [{"name": "Tartus", "lon": 35.88, "lat": 34.88, "country": "SY"}]}))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
        }
        let text = client.get(format!("{}/metrics", server.base)).send().await.unwrap().text().await.unwrap();
        let line = text.lines().find(|l| l.starts_with("eventmap_sqlite_wal_bytes "));
        if db.is_postgres() {
            assert!(line.is_none(), "PostgreSQL has no SQLite log:\n{text}");
            assert!(text.contains("eventmap_http_requests_total"), "{text}");
        } else {
            let line = line.unwrap_or_else(|| panic!("no eventmap_sqlite_wal_bytes in /metrics:\n{text}"));
            let bytes: f64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
            assert!(bytes > 0.0 && bytes <= CAP as f64, "{line}");
            assert!(text.contains("# TYPE eventmap_sqlite_wal_bytes gauge"), "{text}");
        }
        // A stop with a download open still ends promptly and leaves no log behind.
        let mut open = std::net::TcpStream::connect(server.base.strip_prefix("http://").unwrap()).unwrap();
        std::io::Write::write_all(&mut open, b"GET /api/events?limit=50 HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        let started = Instant::now();
        assert!(Command::new("kill").args(["-TERM", &server.child.id().to_string()]).status().unwrap().success());
        let deadline = Instant::now() + Duration::from_secs(30);
        while server.child.try_wait().unwrap().is_none() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        let status = server.child.try_wait().unwrap();
        assert!(status.is_some_and(|s| s.success()), "{status:?} after SIGTERM:\n{}", server.log());
        assert!(started.elapsed() < Duration::from_secs(20), "stopped after {:?}", started.elapsed());
        if !db.is_postgres() {
            assert_eq!(wal_size(&db), 0, "the log left behind:\n{}", server.log());
        }
        drop(open);
    }
}
