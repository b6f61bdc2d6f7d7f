//! `eventmap ingest` as a user runs it: a bad file is refused with line numbers and stores
//! nothing; a file of reports about one convoy makes one corroborated event; a second run
//! changes nothing; with `--capture` the stored report's page is queued, and an
//! `eventmap serve --allow-host 127.0.0.1` on the same database captures it with its SHA-256.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::cli::{eventmap, text};
use serde_json::Value;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/reports").join(name)
}

fn actions(o: &Output) -> Vec<String> {
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("JSON lines"))
        .map(|v| v["drafts"][0]["action"].as_str().unwrap_or("none").to_string())
        .collect()
}

fn exported(db: &str) -> Vec<Value> {
    let o = eventmap(db, &["export", "--format", "ndjson"]);
    assert!(o.status.success(), "{}", text(&o));
    String::from_utf8_lossy(&o.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

#[test]
fn a_bad_file_is_refused_by_line_and_stores_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("cli.db").display());
    let o = eventmap(&db, &["ingest", fixture("bad.jsonl").to_str().unwrap(), "--create"]);
    assert!(!o.status.success(), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("line 2: url"), "{}", text(&o));
    assert!(err.contains("line 3: text"), "{}", text(&o));
    assert!(err.contains("nothing was stored"), "{}", text(&o));
    assert!(exported(&db).is_empty());
}

#[test]
fn three_reports_make_one_corroborated_event_and_a_second_run_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("cli.db").display());
    let f = fixture("convoy.jsonl");

    let o = eventmap(&db, &["ingest", f.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(actions(&o), ["draft", "draft", "draft"], "{}", text(&o));
    assert!(exported(&db).is_empty(), "without --create nothing is stored");

    let o = eventmap(&db, &["ingest", f.to_str().unwrap(), "--create"]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(actions(&o), ["created", "attached", "attached"], "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("3 reports: 2 attached, 1 created"), "{}", text(&o));
    let events = exported(&db);
    assert_eq!(events.len(), 1, "{events:?}");
    let p = &events[0]["properties"];
    assert_eq!(p["status"], "corroborated");
    assert_eq!(p["sources"].as_array().unwrap().len(), 3);
    assert_eq!(p["places"][0]["role"], "origin");
    assert_eq!(p["places"][0]["name"], "Latakia");
    assert_eq!(p["start"], "2025-02-10T00:00:00Z");

    let o = eventmap(&db, &["ingest", f.to_str().unwrap(), "--create"]);
    assert_eq!(actions(&o), ["already_attached"; 3], "{}", text(&o));
    assert_eq!(exported(&db), events);
}

/// Serves `body` as an HTML page at `/report.html` on 127.0.0.1 and counts its requests.
async fn page_server(body: &'static str) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let hits = std::sync::Arc::new(AtomicUsize::new(0));
    let seen = hits.clone();
    let app = axum::Router::new().route(
        "/report.html",
        axum::routing::get(move || {
            let seen = seen.clone();
            async move {
                seen.fetch_add(1, Ordering::SeqCst);
                ([(axum::http::header::CONTENT_TYPE, "text/html; charset=utf-8")], body)
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://127.0.0.1:{port}/report.html"), hits)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ingest_with_capture_queues_the_stored_source_and_serve_captures_it_with_its_hash() {
    use std::sync::atomic::Ordering;
    const PAGE: &str = "<!doctype html><title>Convoy</title><p>A convoy left Latakia for Tartus.</p>";
    let (url, hits) = page_server(PAGE).await;
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("cli.db").display());
    let file = dir.path().join("report.jsonl");
    let report = serde_json::json!({"url": url, "publisher": "Example Wire", "published_at": "2025-02-11T09:00:00Z",
        "text": "A Russian convoy of about 30 military trucks left Latakia for Tartus on Monday."});
    std::fs::write(&file, format!("{report}\n")).unwrap();

    // Drafting only stores nothing, so nothing is queued.
    let o = eventmap(&db, &["ingest", file.to_str().unwrap(), "--capture"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("queued 0 captures"), "{}", text(&o));

    let o = eventmap(&db, &["ingest", file.to_str().unwrap(), "--create", "--capture"]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(actions(&o), ["created"], "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("queued 1 captures"), "{}", text(&o));
    assert_eq!(hits.load(Ordering::SeqCst), 0, "ingest only queues; it fetches nothing itself");
    let events = exported(&db);
    let sid = events[0]["properties"]["sources"][0]["id"].as_str().unwrap().to_string();

    // A second run attaches nothing new and queues nothing more.
    let o = eventmap(&db, &["ingest", file.to_str().unwrap(), "--create", "--capture"]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("queued 0 captures"), "{}", text(&o));

    // The queued capture is in the database before any server runs.
    let server = common::server::Server::launch(&db, &[("EVENTMAP_ALLOW_HOSTS", "127.0.0.1")]);
    assert!(server.ready_within(std::time::Duration::from_secs(60)).await, "{}", server.log());
    let started = std::time::Instant::now();
    let deadline = started + std::time::Duration::from_secs(30);
    let source = loop {
        let s: Value = reqwest::get(format!("{}/api/sources/{sid}", server.base)).await.unwrap().json().await.unwrap();
        let caps = s["captures"].as_array().cloned().unwrap_or_default();
        assert_eq!(caps.len(), 1, "one capture, queued by ingest: {s:#}");
        if caps[0]["state"] != "queued" || std::time::Instant::now() > deadline {
            break s;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    let c = &source["captures"][0];
    assert_eq!(c["state"], "captured", "{source:#}\n{}", server.log());
    eprintln!("captured {} ms after the server was ready", started.elapsed().as_millis());
    assert_eq!(c["requested_by"], "cli");
    assert_eq!(c["sha256"], eventmap::domain::capture::sha256_hex(PAGE.as_bytes()));
    assert_eq!(c["bytes"], PAGE.len());
    assert_eq!(hits.load(Ordering::SeqCst), 1);
}
