//! The soak bench of issue 23: the release `eventmap serve` on a fresh SQLite database, several
//! clients mixing reads (lists, gets, histograms, bbox windows, text searches, CSV exports) and
//! writes (creates, PATCH updates, deletes, small imports) for ten minutes, the server's
//! resident memory and write-ahead log sampled every 10 s. Prints the memory curve, the log's
//! largest size and the requests by kind; fails (exit 1) on any 5xx, any write acknowledged but
//! not found afterwards, resident memory over 300 MB or a log over its 64 MiB cap.
//!
//! cargo bench --bench soak                         # 10 minutes
//! EVENTMAP_SOAK_SECS=60 cargo bench --bench soak   # a short run
//! EVENTMAP_SOAK_READERS=4 EVENTMAP_SOAK_WRITERS=3  # the clients (defaults)
//! EVENTMAP_SOAK_DATABASE=postgres://postgres@127.0.0.1/eventmap_soak  # another database (must exist)

mod common;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// Resident memory the server must stay under, in bytes (issue 23, item 7).
const RSS_BAR: u64 = 300 * 1000 * 1000;
/// The documented cap of the write-ahead log.
const WAL_CAP: u64 = 64 * 1024 * 1024;

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

use common::Rng;

/// Places the events fall on: name, longitude, latitude, country.
const PLACES: [(&str, f64, f64, &str); 8] = [
    ("Tartus", 35.8866, 34.889, "SY"),
    ("Latakia", 35.7833, 35.5167, "SY"),
    ("Idlib", 36.6333, 35.9333, "SY"),
    ("Aleppo", 37.1612, 36.2021, "SY"),
    ("Kharkiv", 36.2304, 49.9935, "UA"),
    ("Odesa", 30.7326, 46.4775, "UA"),
    ("Mosul", 43.1189, 36.335, "IQ"),
    ("Gaza", 34.4667, 31.5, "PS"),
];

const WORDS: &str = "convoy checkpoint vehicles reported residents forces clashes near road market district \
    village port airport bridge protesters police shelling drone strike witnesses local sources said";

fn description(rng: &mut Rng) -> String {
    let words: Vec<&str> = WORDS.split_whitespace().collect();
    let n = 40 + rng.below(400);
    (0..n).map(|_| words[rng.below(words.len())]).collect::<Vec<_>>().join(" ")
}

/// The plain form of an event.
fn event(rng: &mut Rng, title: &str, tag: &str) -> Value {
    let (name, lon, lat, cc) = PLACES[rng.below(PLACES.len())];
    let (dlon, dlat) = (rng.f() * 0.2 - 0.1, rng.f() * 0.2 - 0.1);
    json!({
        "title": title, "start": format!("2024-{:02}-{:02}", 1 + rng.below(12), 1 + rng.below(28)),
        "description": description(rng), "category": "military movement", "tags": [tag],
        "places": [{"name": name, "lon": lon + dlon, "lat": lat + dlat, "country": cc}],
        "sources": [{"url": format!("https://example.org/soak/{}", rng.next()), "publisher": "Example"}]
    })
}

/// What the writers were told was stored: checked at the end.
#[derive(Default)]
struct Ledger {
    /// Live events by id, with the title last acknowledged.
    live: HashMap<String, String>,
    deleted: HashSet<String>,
    /// Tags of acknowledged imports, with the number of events each brought.
    imports: Vec<(String, usize)>,
}

/// Counts by request kind: (answers, refused with 429, errors).
#[derive(Default)]
struct Tally {
    by_kind: Mutex<BTreeMap<&'static str, (u64, u64, u64)>>,
    failures: Mutex<Vec<String>>,
}

impl Tally {
    /// Records an answer; any status not in `ok` (but 429) is a failure, kept to print.
    fn note(&self, kind: &'static str, status: u16, ok: &[u16], detail: impl FnOnce() -> String) -> bool {
        let mut m = self.by_kind.lock().unwrap();
        let e = m.entry(kind).or_default();
        e.0 += 1;
        if ok.contains(&status) {
            return true;
        }
        if status == 429 {
            e.1 += 1;
            return false;
        }
        e.2 += 1;
        let mut f = self.failures.lock().unwrap();
        if f.len() < 50 {
            f.push(format!("{kind}: {status} {}", detail()));
        }
        false
    }
    fn error(&self, kind: &'static str, what: String) {
        self.by_kind.lock().unwrap().entry(kind).or_default().2 += 1;
        let mut f = self.failures.lock().unwrap();
        if f.len() < 50 {
            f.push(format!("{kind}: {what}"));
        }
    }
}

struct Shared {
    base: String,
    token: String,
    client: reqwest::Client,
    tally: Tally,
    /// Every id a writer was given, for the readers' gets.
    ids: Mutex<Vec<String>>,
    stop: AtomicBool,
}

async fn send(s: &Shared, kind: &'static str, rb: reqwest::RequestBuilder, ok: &[u16]) -> Option<(u16, String)> {
    match rb.send().await {
        Ok(r) => {
            let status = r.status().as_u16();
            let body = match r.text().await {
                Ok(b) => b,
                Err(e) => {
                    s.tally.error(kind, format!("body cut: {e}"));
                    return None;
                }
            };
            s.tally.note(kind, status, ok, || body.chars().take(300).collect()).then_some((status, body))
        }
        Err(e) => {
            s.tally.error(kind, format!("no answer: {e}"));
            None
        }
    }
}

async fn reader(s: Arc<Shared>, seed: u64) {
    let mut rng = Rng(seed);
    while !s.stop.load(Ordering::Relaxed) {
        let b = &s.base;
        let (kind, url): (&'static str, String) = match rng.below(10) {
            0 | 1 => ("list 100", format!("{b}/api/events?limit=100")),
            2 => ("list 1000", format!("{b}/api/events?limit=1000&sort=start")),
            3 | 4 => {
                let id = {
                    let ids = s.ids.lock().unwrap();
                    (!ids.is_empty()).then(|| ids[rng.below(ids.len())].clone())
                };
                match id {
                    Some(id) => ("get", format!("{b}/api/events/{id}")),
                    None => ("list 100", format!("{b}/api/events?limit=100")),
                }
            }
            5 => ("histogram", format!("{b}/api/events/histogram?bucket=week&group_by=category")),
            6 | 7 => {
                let (_, lon, lat, _) = PLACES[rng.below(PLACES.len())];
                let w = 0.05 + rng.f() * 0.5;
                let bbox = format!("{},{},{},{}", lon - w, lat - w, lon + w, lat + w);
                ("bbox window", format!("{b}/api/events?bbox={bbox}&start=2024-03&end=2024-10&limit=500"))
            }
            8 => ("text search", format!("{b}/api/events?q=convoy+checkpoint&limit=50")),
            _ => ("csv export", format!("{b}/api/events?format=csv&limit=2000")),
        };
        send(&s, kind, s.client.get(url), &[200, 410]).await;
    }
}

async fn writer(s: Arc<Shared>, n: usize) -> Ledger {
    let mut rng = Rng(1_000 + n as u64);
    let mut ledger = Ledger::default();
    let mut own: Vec<String> = Vec::new();
    let b = s.base.clone();
    for i in 0.. {
        if s.stop.load(Ordering::Relaxed) {
            break;
        }
        match rng.below(20) {
            0..=8 => {
                let title = format!("Soak {n}.{i}");
                let rb = s.client.post(format!("{b}/api/events")).bearer_auth(&s.token);
                let body = event(&mut rng, &title, &format!("w{n}"));
                if let Some((_, text)) = send(&s, "create", rb.json(&body), &[201]).await {
                    let id = serde_json::from_str::<Value>(&text).unwrap()["id"].as_str().unwrap().to_string();
                    ledger.live.insert(id.clone(), title);
                    own.push(id.clone());
                    s.ids.lock().unwrap().push(id);
                }
            }
            9..=14 if !own.is_empty() => {
                let id = own[rng.below(own.len())].clone();
                let title = format!("Soak {n}.{i} (revised)");
                let rb = s.client.patch(format!("{b}/api/events/{id}")).bearer_auth(&s.token);
                let patch = json!({"title": title, "description": description(&mut rng)});
                if send(&s, "update", rb.json(&patch), &[200]).await.is_some() {
                    ledger.live.insert(id, title);
                }
            }
            15..=17 if !own.is_empty() => {
                let id = own.swap_remove(rng.below(own.len()));
                let rb = s.client.delete(format!("{b}/api/events/{id}?reason=soak")).bearer_auth(&s.token);
                if send(&s, "delete", rb, &[200, 204]).await.is_some() {
                    ledger.live.remove(&id);
                    ledger.deleted.insert(id);
                }
            }
            _ => {
                let tag = format!("imp{n}x{i}");
                let size = 5 + rng.below(30);
                let features: Vec<Value> = (0..size)
                    .map(|k| {
                        let e = event(&mut rng, &format!("Imported {n}.{i}.{k}"), &tag);
                        json!({"type": "Feature", "id": format!("{tag}-{k}"), "geometry": null, "properties": e})
                    })
                    .collect();
                let file = json!({"type": "FeatureCollection", "features": features}).to_string();
                let rb = s.client.post(format!("{b}/api/import?format=geojson")).bearer_auth(&s.token).body(file);
                if send(&s, "import", rb, &[200]).await.is_some() {
                    ledger.imports.push((tag, size));
                }
            }
        }
    }
    ledger
}

/// Checks that every acknowledged write is there: live events with their last title, deleted
/// ones gone, every import whole. Returns the problems found.
async fn verify(s: &Shared, ledgers: &[Ledger]) -> Vec<String> {
    let mut lost = Vec::new();
    for l in ledgers {
        for (id, title) in &l.live {
            let r = s.client.get(format!("{}/api/events/{id}", s.base)).send().await.unwrap();
            let status = r.status().as_u16();
            let v: Value = r.json().await.unwrap_or(Value::Null);
            if status != 200 || v["properties"]["title"] != *title {
                lost.push(format!(
                    "{id}: {status}, title {} where {title:?} was acknowledged",
                    v["properties"]["title"]
                ));
            }
        }
        for id in &l.deleted {
            let status = s.client.get(format!("{}/api/events/{id}", s.base)).send().await.unwrap().status().as_u16();
            if status != 410 {
                lost.push(format!("{id}: {status} after an acknowledged delete"));
            }
        }
        for (tag, n) in &l.imports {
            let url = format!("{}/api/events?tag={tag}&limit=1", s.base);
            let v: Value = s.client.get(url).send().await.unwrap().json().await.unwrap();
            if v["numberMatched"] != json!(n) {
                lost.push(format!("import {tag}: {} events where {n} were acknowledged", v["numberMatched"]));
            }
        }
    }
    lost
}

/// VmRSS, RssAnon and RssFile of `pid`, in bytes.
fn memory(pid: u32) -> (u64, u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
            * 1024
    };
    (field("VmRSS:"), field("RssAnon:"), field("RssFile:"))
}

fn file_len(p: &Path) -> u64 {
    std::fs::metadata(p).map(|m| m.len()).unwrap_or(0)
}

fn mib(b: u64) -> f64 {
    b as f64 / (1024.0 * 1024.0)
}

/// Seeds the database with `n` events by one import, so that reads have something to read.
async fn seed(s: &Shared, n: usize) {
    let mut rng = Rng(7);
    let features: Vec<Value> = (0..n)
        .map(|k| {
            let e = event(&mut rng, &format!("Seed {k}"), "seed");
            json!({"type": "Feature", "id": format!("seed-{k}"), "geometry": null, "properties": e})
        })
        .collect();
    let file = json!({"type": "FeatureCollection", "features": features}).to_string();
    let r = s
        .client
        .post(format!("{}/api/import?format=geojson", s.base))
        .bearer_auth(&s.token)
        .body(file)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "seeding failed: {}", r.text().await.unwrap());
}

fn token(database: &str) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_eventmap"))
        .args(["token", "create", "--database", database, "--name", "soak", "--role", "editor"])
        .output()
        .expect("eventmap token create");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

#[tokio::main]
async fn main() {
    let secs = env_num("EVENTMAP_SOAK_SECS", 600);
    let (n_readers, n_writers) = (env_num("EVENTMAP_SOAK_READERS", 4), env_num("EVENTMAP_SOAK_WRITERS", 3));
    let dir = tempfile::tempdir().unwrap();
    let db_file: PathBuf = dir.path().join("soak.db");
    let database =
        std::env::var("EVENTMAP_SOAK_DATABASE").unwrap_or_else(|_| format!("sqlite://{}", db_file.display()));
    let sqlite = database.starts_with("sqlite:");
    let wal_file = PathBuf::from(format!("{}-wal", database.trim_start_matches("sqlite://")));
    let token = token(&database);
    let client = reqwest::Client::builder().timeout(Duration::from_secs(60)).build().unwrap();
    let (mut child, base, _) = common::serve(&database, &client).await;
    let pid = child.id();
    let s = Arc::new(Shared {
        base,
        token,
        client,
        tally: Tally::default(),
        ids: Mutex::new(Vec::new()),
        stop: AtomicBool::new(false),
    });
    seed(&s, 2_000).await;
    println!(
        "soak: {secs} s, {n_readers} readers, {n_writers} writers, on {}",
        if sqlite { "SQLite" } else { "another database" }
    );
    println!(
        "{:>6} {:>10} {:>10} {:>10} {:>10} {:>10}",
        "t (s)", "RSS MiB", "anon MiB", "file MiB", "WAL MiB", "requests"
    );

    let wal_max = Arc::new(AtomicU64::new(0));
    let watcher = {
        let (s, wal_max, wal_file) = (s.clone(), wal_max.clone(), wal_file.clone());
        tokio::spawn(async move {
            while !s.stop.load(Ordering::Relaxed) {
                wal_max.fetch_max(file_len(&wal_file), Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        })
    };
    let started = Instant::now();
    let readers: Vec<_> = (0..n_readers).map(|i| tokio::spawn(reader(s.clone(), 100 + i))).collect();
    let writers: Vec<_> = (0..n_writers as usize).map(|n| tokio::spawn(writer(s.clone(), n))).collect();
    let mut curve = Vec::new();
    let total = |s: &Shared| s.tally.by_kind.lock().unwrap().values().map(|e| e.0).sum::<u64>();
    let sample = |t: u64, s: &Shared, curve: &mut Vec<(u64, u64)>| {
        let (rss, anon, file) = memory(pid);
        curve.push((t, rss));
        println!(
            "{t:>6} {:>10.1} {:>10.1} {:>10.1} {:>10.1} {:>10}",
            mib(rss),
            mib(anon),
            mib(file),
            mib(file_len(&wal_file)),
            total(s)
        );
    };
    sample(0, &s, &mut curve);
    let mut next = 10;
    while started.elapsed() < Duration::from_secs(secs) {
        tokio::time::sleep(Duration::from_millis(200)).await;
        if started.elapsed() >= Duration::from_secs(next) {
            sample(next, &s, &mut curve);
            next += 10;
        }
    }
    s.stop.store(true, Ordering::Relaxed);
    for r in readers {
        r.await.unwrap();
    }
    let mut ledgers = Vec::new();
    for w in writers {
        ledgers.push(w.await.unwrap());
    }
    watcher.await.unwrap();
    let elapsed = started.elapsed().as_secs_f64();
    sample(started.elapsed().as_secs(), &s, &mut curve);

    println!("\nrequests in {elapsed:.0} s:");
    let mut errors = 0;
    for (kind, (n, refused, failed)) in s.tally.by_kind.lock().unwrap().iter() {
        println!("  {kind:<12} {n:>8}  ({:.1}/s) {refused} refused (429), {failed} failed", *n as f64 / elapsed);
        errors += failed;
    }
    let lost = verify(&s, &ledgers).await;
    let acked: usize = ledgers.iter().map(|l| l.live.len() + l.deleted.len() + l.imports.len()).sum();
    let (rss_max, rss_last) = (curve.iter().map(|c| c.1).max().unwrap_or(0), curve.last().map_or(0, |c| c.1));
    let wal_max = wal_max.load(Ordering::Relaxed);
    println!(
        "resident memory: largest {:.1} MiB, last {:.1} MiB (bar {} MB)",
        mib(rss_max),
        mib(rss_last),
        RSS_BAR / 1_000_000
    );
    if sqlite {
        println!(
            "write-ahead log: largest {:.1} MiB (cap {:.0} MiB), database {:.1} MiB",
            mib(wal_max),
            mib(WAL_CAP),
            mib(file_len(&db_file))
        );
    }
    println!("writes checked: {acked} acknowledged, {} lost", lost.len());
    let _ = child.kill();
    let _ = child.wait();

    let mut fail = Vec::new();
    if errors > 0 {
        fail.push(format!("{errors} failed requests:\n  {}", s.tally.failures.lock().unwrap().join("\n  ")));
    }
    if !lost.is_empty() {
        fail.push(format!(
            "{} writes lost:\n  {}",
            lost.len(),
            lost.iter().take(20).cloned().collect::<Vec<_>>().join("\n  ")
        ));
    }
    if rss_max > RSS_BAR {
        fail.push(format!("resident memory reached {:.1} MiB, over {} MB", mib(rss_max), RSS_BAR / 1_000_000));
    }
    if sqlite && wal_max > WAL_CAP {
        fail.push(format!("the write-ahead log reached {:.1} MiB, over its cap", mib(wal_max)));
    }
    if !fail.is_empty() {
        eprintln!("\nSOAK FAILED:\n{}", fail.join("\n"));
        // `exit` runs no destructor: the database goes first.
        drop(dir);
        std::process::exit(1);
    }
    println!("soak passed");
}
