//! `eventmap ingest` as a user runs it: a bad file is refused with line numbers and stores
//! nothing; a file of reports about one convoy makes one corroborated event; a second run
//! changes nothing.

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
