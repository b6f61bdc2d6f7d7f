//! Nothing acknowledged is ever lost: the server killed with SIGKILL while clients write as fast
//! as they can, an import killed halfway (nothing of it stays), a backup of a running database restored, and the
//! request id on every log line. Through the real binary, on SQLite and (when available)
//! PostgreSQL.

mod common;

use std::collections::HashMap;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use common::server::{BIN, Server, editor_token};
use common::{Backend, TestDb, backends};

fn event(i: usize, writer: usize) -> Value {
    json!({
        "title": format!("Write {i} of writer {writer}"),
        "description": "x".repeat(200 + i % 300),
        "start": "2025-02-10T08:00:00Z", "category": "military movement",
        "tags": [format!("w{writer}"), format!("n{i}")],
        "places": [{"name": "Hmeimim", "role": "origin", "lon": 35.9486, "lat": 35.4011},
                   {"name": "Tartus", "role": "destination", "lon": 35.8866, "lat": 34.889}],
        "sources": [{"url": format!("https://example.org/{writer}/{i}"), "publisher": "Example"}]
    })
}

/// Writes events as fast as it can until told to stop or the server goes; returns the
/// acknowledged ones: id and what was sent.
async fn writer(base: String, token: String, n: usize, stop: Arc<AtomicBool>) -> Vec<(String, Value)> {
    let client = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap();
    let mut acked = Vec::new();
    for i in 0.. {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        let body = event(i, n);
        let Ok(r) = client.post(format!("{base}/api/events")).bearer_auth(&token).json(&body).send().await else {
            break;
        };
        if r.status().as_u16() != 201 {
            break;
        }
        let Ok(f) = r.json::<Value>().await else { break };
        acked.push((f["id"].as_str().unwrap().to_string(), body));
    }
    acked
}

async fn all_events(base: &str) -> Vec<Value> {
    let v: Value = reqwest::get(format!("{base}/api/events?limit=10000")).await.unwrap().json().await.unwrap();
    v["features"].as_array().unwrap().clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acknowledged_write_survives_a_sigkill_whole() {
    for backend in backends() {
        let db = TestDb::on(&backend).await;
        let token = editor_token(&db.url);
        let mut server = Server::start(&db.url).await;
        // One write first, so that the window below is spent writing, not loading what the
        // first write needs (the division shapes take seconds to load in a debug build).
        let first = event(0, 9);
        let r = reqwest::Client::new()
            .post(format!("{}/api/events", server.base))
            .bearer_auth(&token)
            .json(&first)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 201, "{}", server.log());
        let first_id = r.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string();
        let stop = Arc::new(AtomicBool::new(false));
        let writers: Vec<_> =
            (0..4).map(|n| tokio::spawn(writer(server.base.clone(), token.clone(), n, stop.clone()))).collect();
        // Let the writers get going, then kill the server mid-stream.
        let t = Instant::now();
        while t.elapsed() < Duration::from_millis(1500) {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        server.child.kill().expect("SIGKILL");
        server.child.wait().unwrap();
        stop.store(true, Ordering::Relaxed);
        let mut acked = vec![(first_id, first)];
        for w in writers {
            acked.extend(w.await.unwrap());
        }
        assert!(acked.len() >= 10, "the writers wrote ({} acknowledged):\n{}", acked.len(), server.log());

        let again = Server::start(&db.url).await;
        let stored = all_events(&again.base).await;
        let by_id: HashMap<&str, &Value> = stored.iter().map(|f| (f["id"].as_str().unwrap(), f)).collect();
        for (id, sent) in &acked {
            let f = by_id
                .get(id.as_str())
                .unwrap_or_else(|| panic!("acknowledged event {id} is lost ({})", backend.name()));
            let p = &f["properties"];
            assert_eq!(p["title"], sent["title"]);
            assert_eq!(p["description"], sent["description"]);
            assert_eq!(p["sources"][0]["url"], sent["sources"][0]["url"]);
            assert_eq!(f["geometry"]["type"], "LineString");
        }
        // Nothing half-written: every stored event is one that was sent, whole, with its history.
        for f in &stored {
            let p = &f["properties"];
            assert!(p["title"].as_str().unwrap().starts_with("Write "), "{f}");
            assert_eq!(p["places"].as_array().unwrap().len(), 2, "{f}");
            assert_eq!(p["sources"].as_array().unwrap().len(), 1, "{f}");
            assert_eq!(p["revision"], 1, "{f}");
        }
        assert!(stored.len() <= acked.len() + 4, "at most one write in flight per writer was unacknowledged");
        let one = &acked[acked.len() / 2].0;
        let h: Value =
            reqwest::get(format!("{}/api/events/{one}/history", again.base)).await.unwrap().json().await.unwrap();
        assert_eq!(h["revisions"].as_array().unwrap().len(), 1, "{h}");
        eprintln!("{}: {} acknowledged, {} stored", backend.name(), acked.len(), stored.len());
    }
}

/// A CSV of `n` events of our own making, one per row.
fn csv(n: usize) -> String {
    let mut s = String::from("id,title,start,category,lon,lat,place,source_url\n");
    for i in 0..n {
        let id = uuid::Uuid::from_u128(0x0194_f0a0_0000_7000_8000_0000_0000_0000 + i as u128);
        s.push_str(&format!(
            "{id},Import row {i},2024-{:02}-{:02},protest,{:.4},{:.4},Somewhere {i},https://example.org/row/{i}\n",
            1 + i % 12,
            1 + i % 28,
            35.0 + (i % 100) as f64 * 0.01,
            34.0 + (i % 77) as f64 * 0.01
        ));
    }
    s
}

fn sqlite_count(path: &std::path::Path) -> usize {
    let c = rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    c.busy_timeout(Duration::from_secs(5)).unwrap();
    c.query_row("SELECT count(*) FROM events", [], |r| r.get::<_, i64>(0)).unwrap_or(0) as usize
}

/// Bytes the process `pid` has read so far (`rchar` of `/proc/PID/io`).
fn bytes_read(pid: u32) -> u64 {
    let io = std::fs::read_to_string(format!("/proc/{pid}/io")).unwrap_or_default();
    io.lines().find_map(|l| l.strip_prefix("rchar: ")).and_then(|v| v.trim().parse().ok()).unwrap_or(0)
}

/// Starts `eventmap import` of `file` and kills it once it has read more than half of it.
fn import_killed_halfway(db: &str, file: &std::path::Path) {
    let size = std::fs::metadata(file).unwrap().len();
    let mut child = Command::new(BIN)
        .args(["import", file.to_str().unwrap(), "--database", db, "--quiet", "--batch-size", "2000"])
        .env("EVENTMAP_LOG", "warn")
        .spawn()
        .unwrap();
    // Kill it once it has read more than half of the file (batches have gone to the store).
    let t = Instant::now();
    while bytes_read(child.id()) < size / 2 && t.elapsed() < Duration::from_secs(120) {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(child.try_wait().unwrap().is_none(), "the import was interrupted (it had finished: make the file bigger)");
    child.kill().unwrap();
    child.wait().unwrap();
}

/// Rows of the CSV that the interrupted imports are given.
const KILLED_ROWS: usize = 60_000;

/// A new directory holding a migrated, empty database `name` and a CSV of [`KILLED_ROWS`] rows:
/// the directory (kept alive by the caller), the database's path and URL, the CSV's path.
fn migrated_db_and_csv(name: &str) -> (tempfile::TempDir, std::path::PathBuf, String, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    let db = format!("sqlite://{}", path.display());
    let file = dir.path().join("rows.csv");
    std::fs::write(&file, csv(KILLED_ROWS)).unwrap();
    assert!(Command::new(BIN).args(["migrate", "--database", &db]).status().unwrap().success());
    (dir, path, db, file)
}

/// Asserts that SQLite finds the database behind `c` intact.
fn assert_intact(c: &rusqlite::Connection) {
    let check: String = c.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(check, "ok");
}

#[test]
fn a_first_import_into_an_empty_database_killed_halfway_leaves_it_empty_and_usable() {
    // Such an import writes with a rollback journal (it has the database to itself): the kill
    // leaves a hot journal, which the next connection rolls back.
    let (dir, path, db, file) = migrated_db_and_csv("empty.db");
    import_killed_halfway(&db, &file);
    assert!(dir.path().join("empty.db-journal").exists(), "the killed import wrote with a rollback journal");
    let c = rusqlite::Connection::open(&path).unwrap();
    let n: i64 = c.query_row("SELECT count(*) FROM events", [], |r| r.get(0)).unwrap();
    assert_eq!(n, 0, "nothing of the killed import is stored");
    assert_intact(&c);
    let indexes: Vec<String> = c
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'events' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        indexes,
        ["events_by_category", "events_by_change", "events_by_id", "events_by_time"],
        "the indexes the import dropped are back"
    );
    drop(c);
    let out = Command::new(BIN)
        .args(["import", file.to_str().unwrap(), "--database", &db, "--quiet"])
        .env("EVENTMAP_LOG", "warn")
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{said} {}", String::from_utf8_lossy(&out.stderr));
    assert!(said.contains(&format!("{KILLED_ROWS} created")), "{said}");
    let c = rusqlite::Connection::open(&path).unwrap();
    let mode: String = c.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
    assert_eq!(mode, "wal", "the database is back in WAL after the import");
    let n: i64 = c.query_row("SELECT count(*) FROM events", [], |r| r.get(0)).unwrap();
    assert_eq!(n as usize, KILLED_ROWS);
    assert_intact(&c);
}

#[test]
fn an_import_killed_halfway_leaves_nothing_and_a_rerun_imports_it_all() {
    // The schema and one event first: the kill must leave exactly this behind.
    let (dir, path, db, file) = migrated_db_and_csv("import.db");
    let one = dir.path().join("one.csv");
    std::fs::write(
        &one,
        "id,title,start,category,lon,lat,place,source_url\n\
         0194f0a0-ffff-7000-8000-000000000000,Stored before,2024-01-01,protest,35.1,34.1,Before,https://example.org/before\n",
    )
    .unwrap();
    let out = Command::new(BIN).args(["import", one.to_str().unwrap(), "--database", &db, "--quiet"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    import_killed_halfway(&db, &file);
    assert_eq!(sqlite_count(&path), 1, "nothing of the killed import is stored");

    let c = rusqlite::Connection::open(&path).unwrap();
    assert_intact(&c);
    let (terms, revisions): (i64, i64) = c
        .query_row("SELECT (SELECT count(DISTINCT seq) FROM event_terms), (SELECT count(*) FROM revisions)", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!((terms, revisions), (1, 1), "no derived row of the killed import is left either");
    drop(c);

    // Running it again imports every row, whole.
    let out = Command::new(BIN)
        .args(["import", file.to_str().unwrap(), "--database", &db, "--quiet"])
        .env("EVENTMAP_LOG", "warn")
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{said} {}", String::from_utf8_lossy(&out.stderr));
    assert!(said.contains(&format!("{KILLED_ROWS} created")), "{said}");
    assert_eq!(sqlite_count(&path), KILLED_ROWS + 1);
    let out = Command::new(BIN).args(["export", "--format", "ndjson", "--database", &db]).output().unwrap();
    let lines: Vec<Value> =
        String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), KILLED_ROWS + 1);
    let imported: Vec<&Value> =
        lines.iter().filter(|f| f["properties"]["title"].as_str().unwrap().starts_with("Import row ")).collect();
    assert_eq!(imported.len(), KILLED_ROWS);
    for f in imported {
        assert_eq!(f["geometry"]["type"], "Point", "{f}");
        assert_eq!(f["properties"]["sources"].as_array().unwrap().len(), 1, "{f}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_of_a_running_database_restores_whole() {
    let db = TestDb::on(&Backend::Sqlite).await;
    let token = editor_token(&db.url);
    let server = Server::start(&db.url).await;
    let stop = Arc::new(AtomicBool::new(false));
    let before = writer_for(&server.base, &token, 30).await;
    // Keep writing during the backup.
    let w = tokio::spawn(writer(server.base.clone(), token.clone(), 7, stop.clone()));
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("copy.db");
    let out = Command::new(BIN).args(["backup", copy.to_str().unwrap(), "--database", &db.url]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    stop.store(true, Ordering::Relaxed);
    let during = w.await.unwrap();
    // A second backup to the same file is refused rather than overwriting it.
    let out = Command::new(BIN).args(["backup", copy.to_str().unwrap(), "--database", &db.url]).output().unwrap();
    assert!(!out.status.success(), "an existing file is not overwritten");

    // Restore: serve the copy.
    let restored_url = format!("sqlite://{}", copy.display());
    let c = rusqlite::Connection::open(&copy).unwrap();
    assert_intact(&c);
    drop(c);
    let restored = Server::start(&restored_url).await;
    let stored = all_events(&restored.base).await;
    let ids: std::collections::HashSet<&str> = stored.iter().map(|f| f["id"].as_str().unwrap()).collect();
    for (id, _) in &before {
        assert!(ids.contains(id.as_str()), "an event written before the backup is in it");
    }
    assert!(stored.len() >= before.len() && stored.len() <= before.len() + during.len() + 1);
    for f in &stored {
        assert_eq!(f["properties"]["places"].as_array().unwrap().len(), 2, "whole: {f}");
    }
    // The restored copy takes writes, with the original's tokens.
    let r = reqwest::Client::new()
        .post(format!("{}/api/events", restored.base))
        .bearer_auth(&token)
        .json(&event(0, 99))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
}

/// Writes `n` events one after another and returns them.
async fn writer_for(base: &str, token: &str, n: usize) -> Vec<(String, Value)> {
    let client = reqwest::Client::new();
    let mut out = Vec::new();
    for i in 0..n {
        let body = event(i, 0);
        let r = client.post(format!("{base}/api/events")).bearer_auth(token).json(&body).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 201);
        out.push((r.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string(), body));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_logs_carry_the_request_id_on_every_line_of_a_request() {
    let db = TestDb::on(&Backend::Sqlite).await;
    let server = Server::launch(&db.url, &[("EVENTMAP_LOG_FORMAT", "json")]);
    assert!(server.ready_within(Duration::from_secs(60)).await, "{}", server.log());
    let client = reqwest::Client::new();
    let ids = AtomicUsize::new(0);
    let mut sent = Vec::new();
    for (method, path, body) in [
        ("GET", "/api/events?bbox=1,2,3", None),
        ("POST", "/api/events", Some(json!({"title": "no token"}))),
        ("GET", "/api/events", None),
    ] {
        let id = format!("test-{}", ids.fetch_add(1, Ordering::Relaxed));
        let mut rb =
            client.request(method.parse().unwrap(), format!("{}{path}", server.base)).header("x-request-id", &id);
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        let r = rb.send().await.unwrap();
        assert_eq!(r.headers()["x-request-id"], id.as_str(), "the response names the request");
        sent.push((id, r.status().as_u16()));
    }
    // Without an id of its own, the client gets one.
    let r = client.get(format!("{}/healthz", server.base)).send().await.unwrap();
    assert!(r.headers()["x-request-id"].len() >= 16);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let log = server.log();
    let lines: Vec<Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("a log line is not JSON ({e}): {l}")))
        .collect();
    for (id, status) in &sent {
        let mine: Vec<&Value> = lines.iter().filter(|l| l["span"]["request_id"] == id.as_str()).collect();
        assert!(!mine.is_empty(), "no log line names request {id}:\n{log}");
        assert!(mine.iter().any(|l| l["fields"]["status"] == *status), "the status is logged for {id}:\n{log}");
    }
    let request_lines: Vec<&Value> = lines.iter().filter(|l| l["fields"]["message"] == "request").collect();
    assert!(request_lines.iter().all(|l| l["span"]["request_id"].is_string()), "every request line has an id:\n{log}");
}

#[test]
fn a_backup_of_a_database_with_older_larger_pages_takes_todays_page_size() {
    let dir = tempfile::tempdir().unwrap();
    let (old, copy) = (dir.path().join("old.db"), dir.path().join("copy.db"));
    // A database made when new files took 32 KiB pages: the page size stays until a VACUUM.
    let c = rusqlite::Connection::open(&old).unwrap();
    c.execute_batch("PRAGMA page_size = 32768; PRAGMA journal_mode = WAL; CREATE TABLE t (x); DROP TABLE t;").unwrap();
    drop(c);
    let url = format!("sqlite://{}", old.display());
    let file = dir.path().join("events.geojson");
    let features: Vec<Value> = (0..40)
        .map(|i| {
            json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [36.0 + f64::from(i) * 0.01, 35.0]},
                   "properties": {"title": format!("event {i}"), "start": "2025-03-01T10:00:00Z"}})
        })
        .collect();
    std::fs::write(&file, json!({"type": "FeatureCollection", "features": features}).to_string()).unwrap();
    let out = Command::new(BIN).args(["import", file.to_str().unwrap(), "--database", &url]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = Command::new(BIN).args(["backup", copy.to_str().unwrap(), "--database", &url]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let page_size = |p: &std::path::Path| -> u32 {
        rusqlite::Connection::open(p).unwrap().query_row("PRAGMA page_size", [], |r| r.get(0)).unwrap()
    };
    assert_eq!(page_size(&old), 32768, "the original keeps its pages");
    assert_eq!(page_size(&copy), eventmap::store::sqlite::PAGE_SIZE, "the copy is written with today's");
    // The same events in both.
    let export = |p: &std::path::Path| {
        let out = Command::new(BIN)
            .args(["export", "--format", "ndjson", "--database", &format!("sqlite://{}", p.display())])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        out.stdout
    };
    let (a, b) = (export(&old), export(&copy));
    assert_eq!(String::from_utf8_lossy(&a).lines().count(), 40);
    assert_eq!(a, b);
    let c = rusqlite::Connection::open(&copy).unwrap();
    assert_intact(&c);
}
