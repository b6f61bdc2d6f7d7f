//! Both backends, the same answers: the same synthetic events written to SQLite and PostgreSQL,
//! then random queries compared page by page, with the counts, the histograms and the history.

use std::collections::HashSet;

use chrono::DateTime;
use eventmap::domain::event::EventData;
use eventmap::domain::filter::PageRequest;
use eventmap::domain::{Action, Bucket, Cursor, EventFilter};
use eventmap::store::{Actor, DynStore, ImportItem, Lookup};
use futures::StreamExt;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::common::{TestDb, backends};
use crate::support::{data, page, query, synthetic_id, urlencode};

/// A small deterministic generator (SplitMix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn f(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len())]
    }
}

const WORDS: [&str; 16] = [
    "convoy",
    "Ţarţūs",
    "al-Bab",
    "uawire.org",
    "3.5km",
    "checkpoint",
    "Лёва",
    "اللاذقية",
    "drone",
    "strike",
    "port",
    "O'Neil",
    "naïve",
    "B-52",
    "e-mail",
    "convoys",
];

/// Spots that stress the spatial tests: the antimeridian, the poles, the prime meridian.
const SPOTS: [(f64, f64); 8] = [
    (35.9, 34.9),
    (179.9, -16.4),
    (-179.95, -16.5),
    (0.0, 89.9),
    (2.35, 48.85),
    (-0.01, 0.0),
    (120.0, -89.5),
    (-73.9, 40.7),
];

fn synthetic(rng: &mut Rng, i: usize) -> EventData {
    let (lon, lat) = *rng.pick(&SPOTS);
    let jitter = |rng: &mut Rng, v: f64, lim: f64| (v + (rng.f() - 0.5) * 0.6).clamp(-lim, lim);
    let place = |rng: &mut Rng, role: &str| json!({"name": rng.pick(&WORDS).to_string(), "role": role, "lon": jitter(rng, lon, 180.0), "lat": jitter(rng, lat, 90.0)});
    let places = match rng.below(4) {
        0 => vec![place(rng, "origin"), place(rng, "destination")],
        1 => vec![place(rng, "location"), place(rng, "location")],
        _ => vec![place(rng, "location")],
    };
    let day = rng.below(900) as i64;
    let start = DateTime::from_timestamp(1_700_000_000 + day * 86_400 + rng.below(86_400) as i64, 0).expect("time");
    let precision = *rng.pick(&["hour", "day", "day", "month", "year"]);
    let end = (rng.below(5) == 0).then(|| start + chrono::Duration::hours(1 + rng.below(400) as i64));
    let words: Vec<&str> = (0..4).map(|_| *rng.pick(&WORDS)).collect();
    let first = rng.below(12);
    let sources: Vec<Value> = (0..rng.below(3))
        .map(|k| {
            let n = (first + k * 5) % 12;
            let mut s = json!({"url": format!("https://news{}.example/r/{n}", n % 3), "excerpt": words[0]});
            if rng.below(2) == 0 {
                s["title"] = json!(format!("Report {n} {}", words[1]));
            }
            s
        })
        .collect();
    let mut v = json!({
        "title": format!("{} {} #{i}", words[0], words[1]), "description": words[2..].join(" "),
        "category": rng.pick(&["protest", "military_movement", "armed_clash", "strategic_development"]).to_string(),
        "start": start.to_rfc3339(), "time_precision": precision,
        "tags": [format!("tag{}", rng.below(4))], "actors": [format!("Actor {}", rng.below(3))],
        "status": rng.pick(&["reported", "verified", "disputed"]).to_string(),
        "places": places, "sources": sources,
    });
    if let Some(e) = end {
        v["end"] = json!(e.to_rfc3339());
        v["time_precision"] = json!("hour");
    }
    data(v)
}

/// Everything a backend answers for a query, with times of writing (which differ between two
/// databases written at different moments) left out.
async fn answer(store: &DynStore, f: &EventFilter, p: &PageRequest) -> Vec<String> {
    let mut rows = store.list(f, p);
    let mut out = Vec::new();
    while let Some(r) = rows.next().await {
        let r = r.expect("list row");
        let mut v: Value = serde_json::from_str(&r.feature).expect("feature");
        if let Some(props) = v["properties"].as_object_mut() {
            for k in ["created_at", "updated_at", "deleted_at"] {
                props.remove(k);
            }
        }
        // How many match is counted in the same pass when that comes for free, which differs
        // between backends; when it is there, it must be right.
        if let Some(n) = r.matched {
            assert_eq!(n, store.count(f).await.expect("count"), "the in-pass count");
        }
        out.push(format!("{v} key={} seq={} explicit={}", r.key, r.seq, r.geometry_explicit));
    }
    out
}

/// Asserts two answers are the same, showing the first difference.
#[track_caller]
fn same(a: &[String], b: &[String], what: &str) {
    if let Some(i) = (0..a.len().max(b.len())).find(|&i| a.get(i) != b.get(i)) {
        panic!(
            "{what}: row {i} differs between SQLite and PostgreSQL ({} and {} rows)\n sqlite:   {:?}\n postgres: {:?}",
            a.len(),
            b.len(),
            a.get(i),
            b.get(i)
        );
    }
}

fn random_query(rng: &mut Rng) -> String {
    let mut q: Vec<String> = Vec::new();
    if rng.below(3) == 0 {
        let a = rng.below(900) as i64;
        let b = a + rng.below(200) as i64;
        let day =
            |d: i64| DateTime::from_timestamp(1_700_000_000 + d * 86_400, 0).expect("t").format("%Y-%m-%d").to_string();
        q.push(format!("start={}", day(a)));
        if rng.below(2) == 0 {
            q.push(format!("end={}", day(b)));
        }
    }
    match rng.below(6) {
        0 => {
            let (lon, lat) = *rng.pick(&SPOTS);
            let w = rng.f() * 3.0;
            let min_lon = lon - w;
            let max_lon = lon + w;
            let wrap = |x: f64| {
                if x > 180.0 {
                    x - 360.0
                } else if x < -180.0 {
                    x + 360.0
                } else {
                    x
                }
            };
            q.push(format!(
                "bbox={},{},{},{}",
                wrap(min_lon),
                (lat - w).max(-90.0),
                wrap(max_lon),
                (lat + w).min(90.0)
            ));
        }
        1 => {
            let (lon, lat) = *rng.pick(&SPOTS);
            q.push(format!("lat={lat}&lon={lon}&radius_km={}", 1.0 + rng.f() * 120.0));
        }
        _ => {}
    }
    if rng.below(4) == 0 {
        q.push(format!("tag=tag{}", rng.below(4)));
    }
    if rng.below(5) == 0 {
        q.push(format!("actor=actor {}", rng.below(3)));
    }
    if rng.below(5) == 0 {
        q.push(format!("status={}", rng.pick(&["reported", "verified"])));
    }
    if rng.below(4) == 0 {
        let w = rng.pick(&[
            "convoy", "conv*", "tartus", "bab", "uawire", "org", "3", "лева", "naive", "b 52", "mail", "oneil",
            "report*",
        ]);
        q.push(format!("q={}", urlencode(w)));
    }
    if rng.below(6) == 0 {
        q.push(format!("source=news{}.example", rng.below(3)));
    }
    if rng.below(8) == 0 {
        q.push("include_deleted=true".into());
    }
    q.push(format!("sort={}", rng.pick(&["start", "-start", "updated_at", "-updated_at"])));
    q.push(format!("limit={}", 1 + rng.below(40)));
    q.join("&")
}

/// The writes to make: imports of 240 events in three batches, then edits and deletions.
/// Made once, so that both backends receive the very same values (source ids included).
pub(crate) struct Script {
    batches: Vec<Vec<ImportItem>>,
    edits: Vec<(Uuid, Option<EventData>)>,
}

pub(crate) fn script(seed: u64) -> Script {
    let mut rng = Rng(seed);
    let ids: Vec<Uuid> = (0..240u128).map(synthetic_id).collect();
    let batches = ids
        .chunks(80)
        .enumerate()
        .map(|(b, chunk)| {
            chunk
                .iter()
                .enumerate()
                .map(|(i, id)| ImportItem { id: *id, data: synthetic(&mut rng, b * 80 + i) })
                .collect()
        })
        .collect();
    let edits = (0..30)
        .map(|k| {
            let id = ids[rng.below(ids.len())];
            (id, (k % 3 != 0).then(|| synthetic(&mut rng, 1000 + k)))
        })
        .collect();
    Script { batches, edits }
}

/// Runs the script on a store: an edit of a deleted event is skipped; `None` deletes.
pub(crate) async fn run_script(store: &DynStore, s: &Script) {
    for batch in &s.batches {
        store.import(batch.clone(), &Actor::new("import")).await.expect("import");
    }
    for (id, edit) in &s.edits {
        if let Lookup::Live(_) = store.get(*id).await.expect("get") {
            match edit {
                None => drop(store.delete(*id, None, &Actor::new("chief"), "duplicate").await.expect("delete")),
                Some(d) => drop(store.update(*id, None, d.clone(), &Actor::new("desk"), None).await.expect("update")),
            }
        }
    }
}

#[tokio::test]
async fn both_backends_answer_every_filter_sort_page_and_histogram_the_same() {
    let all = backends();
    if all.len() < 2 {
        eprintln!("skipped: comparing backends needs PostgreSQL too");
        return;
    }
    let dbs = [TestDb::on(&all[0]).await, TestDb::on(&all[1]).await];
    let stores = [dbs[0].store().await, dbs[1].store().await];
    let writes = script(11);
    for s in &stores {
        run_script(s, &writes).await;
    }
    let mut rng = Rng(2024);
    let mut nonempty = 0;
    for _ in 0..250 {
        let q = random_query(&mut rng);
        let (f, mut p) = query(&q);
        let mut pages = 0;
        loop {
            let a = answer(&stores[0], &f, &p).await;
            let b = answer(&stores[1], &f, &p).await;
            same(&a, &b, &format!("{q} (page {pages})"));
            assert_eq!(stores[0].count(&f).await.unwrap(), stores[1].count(&f).await.unwrap(), "count of {q}");
            if !a.is_empty() {
                nonempty += 1;
            }
            if a.len() <= p.limit as usize || pages == 3 {
                break;
            }
            let rows = page(&stores[0], &f, &p).await;
            let last = &rows[p.limit as usize - 1];
            p.cursor = Some(Cursor { key: last.1, seq: last.2, matched: None });
            pages += 1;
        }
        for bucket in [Bucket::Hour, Bucket::Day, Bucket::Week, Bucket::Month, Bucket::Year] {
            assert_eq!(
                stores[0].histogram(&f, bucket).await.unwrap(),
                stores[1].histogram(&f, bucket).await.unwrap(),
                "histogram by {bucket:?} of {q}"
            );
        }
    }
    assert!(nonempty > 100, "the random queries mostly match something ({nonempty})");
    // The stored history is the same too.
    let some: HashSet<Uuid> = (0..240u128).step_by(7).map(synthetic_id).collect();
    for id in some {
        let strip = |h: Vec<eventmap::domain::Revision>| -> Vec<(u32, Action, String, Value)> {
            h.into_iter().map(|r| (r.revision, r.action, r.actor, r.changes)).collect()
        };
        assert_eq!(strip(stores[0].history(id).await.unwrap()), strip(stores[1].history(id).await.unwrap()));
    }
}
