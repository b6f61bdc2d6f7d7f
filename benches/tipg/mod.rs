//! eventmap beside tipg (developmentseed's OGC API – Features server for PostGIS, run by
//! uvicorn) on the same events in the same PostgreSQL, with the window mix of `mix`: per class,
//! p50 and p99 one request at a time and the throughput at 8 connections of each, and their
//! ratio. Run when `EVENTMAP_BENCH_TIPG` names a Python that has `tipg` and `uvicorn`; without
//! it the comparison is skipped, saying so.
//!
//! tipg serves a table made here from eventmap's own (`tipg.events`: id, seq, start and end in
//! ms, title, category, status and the PostGIS geometry, with a GiST index on the geometry and a
//! B-tree on (t_start, seq)), in a schema of its own so that it lists nothing else. Each window
//! is asked of it as a box (`bbox=`) and a CQL2 filter for the overlap of the event's interval
//! with the window's (`t_start <= end AND t_max >= start`, with the lower bound on `t_start` that
//! the longest event allows, which eventmap's own query uses too), sorted as eventmap sorts
//! (`sortby=-t_start,-seq`). tipg runs two worker processes, one per core of the machine.
//!
//! The answers are checked: the same ids in the same order. tipg keeps an event whose geometry
//! meets the box and eventmap one whose envelope does, so a line passing by a box's corner may be
//! on eventmap's page only: such events (found with `ST_Intersects` on the database) are set
//! aside before comparing, and counted. Windows that cross the antimeridian are left out (tipg
//! reads such a box as a box the other way round).

use std::process::{Child, Command};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::mix::{self, LIMITS, SIZES, SPANS, Window};

/// The figures of one class, for both servers.
pub struct Row {
    pub label: String,
    pub ours: (Duration, Duration),
    pub theirs: (Duration, Duration),
    pub ours_rps: f64,
    pub theirs_rps: f64,
}

/// How many windows were compared, and how many events only eventmap's envelope test kept.
#[derive(Default)]
pub struct Checked {
    pub windows: usize,
    pub envelope_only: usize,
}

/// tipg, started on a free port; stopped when dropped.
pub struct Tipg {
    child: Child,
    pub base: String,
}

impl Drop for Tipg {
    /// Stops uvicorn with SIGTERM, which stops its workers too (a SIGKILL would leave them
    /// running, holding the port).
    fn drop(&mut self) {
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        let t = Instant::now();
        while t.elapsed() < Duration::from_secs(10) {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Makes `tipg.events` from eventmap's events (replacing an older one); returns the longest
/// interval of an event, ms.
pub async fn prepare(pool: &sqlx::PgPool) -> i64 {
    for sql in [
        "DROP SCHEMA IF EXISTS tipg CASCADE",
        "CREATE SCHEMA tipg",
        "CREATE TABLE tipg.events AS SELECT id, seq, t_start, t_max, feature -> 'properties' ->> 'title' AS title, \
         category, status, geom FROM public.events WHERE deleted = 0",
        "ALTER TABLE tipg.events ADD PRIMARY KEY (id)",
        "CREATE INDEX ON tipg.events USING gist (geom)",
        "CREATE INDEX ON tipg.events (t_start, seq)",
        "VACUUM ANALYZE tipg.events",
    ] {
        sqlx::query(sql).execute(pool).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    sqlx::query_scalar("SELECT coalesce(max(t_max - t_start), 0) FROM tipg.events")
        .fetch_one(pool)
        .await
        .expect("longest")
}

/// Starts tipg with `python` (which must have `tipg` and `uvicorn`) on the database at `url`.
pub async fn start(python: &str, url: &str, client: &reqwest::Client) -> Tipg {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new(python)
        .args(["-m", "uvicorn", "tipg.main:app", "--host", "127.0.0.1", "--port", &port.to_string()])
        .args(["--workers", "2", "--log-level", "warning", "--no-access-log"])
        .env("DATABASE_URL", url.replacen("postgres://", "postgresql://", 1))
        .env("TIPG_DB_SCHEMAS", "[\"tipg\"]")
        .env("TIPG_MAX_FEATURES_PER_QUERY", "10000")
        .spawn()
        .unwrap_or_else(|e| panic!("starting tipg with {python}: {e}"));
    let t = Tipg { child, base: format!("http://127.0.0.1:{port}") };
    let started = Instant::now();
    loop {
        if let Ok(r) = client.get(format!("{}/collections/tipg.events", t.base)).send().await {
            if r.status().is_success() {
                break;
            }
        }
        assert!(started.elapsed() < Duration::from_secs(60), "tipg did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    t
}

/// The box of a window as its query string gives it to eventmap (to four decimals).
fn box_of(w: &Window) -> Option<[f64; 4]> {
    let r = |v: f64| format!("{v:.4}").parse::<f64>().expect("a number");
    w.filter.bbox.as_ref().map(|b| [r(b.min_lon), r(b.min_lat), r(b.max_lon), r(b.max_lat)])
}

/// The URL that asks tipg for window `w`, `limit` events.
pub fn tipg_url(base: &str, w: &Window, limit: u32, longest: i64) -> String {
    let mut q = vec![format!("limit={limit}"), "sortby=-t_start,-seq".to_string()];
    if let Some([a, b, c, d]) = box_of(w) {
        q.push(format!("bbox={a},{b},{c},{d}"));
    }
    let mut cql = Vec::new();
    if let Some(s) = w.filter.start {
        let s = s.timestamp_millis();
        cql.push(format!("t_max >= {s} AND t_start >= {}", s - longest));
    }
    if let Some(e) = w.filter.end {
        cql.push(format!("t_start <= {}", e.timestamp_millis()));
    }
    if !cql.is_empty() {
        let text: String = url::form_urlencoded::byte_serialize(cql.join(" AND ").as_bytes()).collect();
        q.push(format!("filter-lang=cql2-text&filter={text}"));
    }
    format!("{base}/collections/tipg.events/items?{}", q.join("&"))
}

/// The URL that asks eventmap for window `w`.
pub fn ours_url(base: &str, w: &Window, limit: u32) -> String {
    let sep = if w.query.is_empty() { "" } else { "&" };
    format!("{base}/api/events?{}{sep}limit={limit}", w.query)
}

/// The windows of one class round `centres`, those crossing the antimeridian left out.
fn windows(size: usize, span: usize, centres: &[(f64, f64, i64)], from: usize, n: usize) -> Vec<Window> {
    centres
        .iter()
        .cycle()
        .skip(from)
        .map(|&(lon, lat, at)| mix::window(size, span, lon, lat, at))
        .filter(|w| box_of(w).is_none_or(|b| b[0] <= b[2]))
        .take(n)
        .collect()
}

/// One request: the time it took and the ids of its features, in order.
async fn ids(client: &reqwest::Client, url: &str) -> (Duration, Vec<String>) {
    let t = Instant::now();
    let r = client.get(url).send().await.expect("request");
    let status = r.status();
    let body = r.bytes().await.expect("body");
    let d = t.elapsed();
    assert!(status.is_success(), "{url}: {status} {}", String::from_utf8_lossy(&body));
    let v: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
    let ids = v["features"]
        .as_array()
        .expect("features")
        .iter()
        .map(|f| f["id"].as_str().map(str::to_string).unwrap_or_else(|| f["id"].to_string()))
        .collect();
    (d, ids)
}

/// Checks that tipg's page is eventmap's once the events that meet the box by their envelope
/// only are set aside; returns how many such events there were.
async fn check(pool: &sqlx::PgPool, w: &Window, limit: u32, ours: &[String], theirs: &[String], url: &str) -> usize {
    let aside: Vec<String> = match box_of(w) {
        Some([a, b, c, d]) => {
            let uuids: Vec<uuid::Uuid> = ours.iter().map(|s| s.parse().expect("uuid")).collect();
            sqlx::query_scalar::<_, uuid::Uuid>(
                "SELECT id FROM tipg.events WHERE id = ANY($1) AND NOT ST_Intersects(geom, ST_MakeEnvelope($2, $3, $4, $5, 4326))",
            )
            .bind(&uuids)
            .bind(a)
            .bind(b)
            .bind(c)
            .bind(d)
            .fetch_all(pool)
            .await
            .expect("envelope check")
            .into_iter()
            .map(|u| u.to_string())
            .collect()
        }
        None => Vec::new(),
    };
    let kept: Vec<&String> = ours.iter().filter(|id| !aside.contains(id)).collect();
    let full = ours.len() == limit as usize;
    let agree = if full {
        theirs.len() >= kept.len() && theirs.iter().zip(&kept).all(|(t, k)| t == *k)
    } else {
        theirs.len() == kept.len() && theirs.iter().zip(&kept).all(|(t, k)| t == *k)
    };
    assert!(agree, "tipg and eventmap disagree on {url}:\n eventmap {ours:?}\n tipg {theirs:?}\n set aside {aside:?}");
    aside.len()
}

/// Requests per second at `conns` connections over about `secs` seconds, cycling through
/// `urls`; requests under way at the end are waited for and counted, over the time they took.
async fn throughput(client: &reqwest::Client, urls: Vec<String>, conns: usize, secs: f64) -> f64 {
    let urls = Arc::new(urls);
    let t = Instant::now();
    let deadline = t + Duration::from_secs_f64(secs);
    let mut tasks = Vec::new();
    for c in 0..conns {
        let (client, urls) = (client.clone(), urls.clone());
        tasks.push(tokio::spawn(async move {
            let mut done = 0u64;
            let mut i = c * 7;
            while Instant::now() < deadline {
                let r = client.get(&urls[i % urls.len()]).send().await.expect("request");
                assert!(r.status().is_success(), "{}: {}", urls[i % urls.len()], r.status());
                r.bytes().await.expect("body");
                done += 1;
                i += 1;
            }
            done
        }));
    }
    let mut total = 0;
    for task in tasks {
        total += task.await.expect("task");
    }
    total as f64 / t.elapsed().as_secs_f64()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// What the comparison talks to: eventmap at `ours`, tipg, and the database both serve (with the
/// longest interval of an event, ms).
#[derive(Clone, Copy)]
pub struct Servers<'a> {
    pub client: &'a reqwest::Client,
    pub ours: &'a str,
    pub tipg: &'a Tipg,
    pub pool: &'a sqlx::PgPool,
    pub longest: i64,
}

/// Every class: `per_class` windows one request at a time on each server (answers checked), then
/// each server's throughput at 8 connections over `secs` seconds.
pub async fn compare(s: &Servers<'_>, centres: &[(f64, f64, i64)], per_class: usize, secs: f64) -> (Vec<Row>, Checked) {
    let Servers { client, ours, tipg, pool, longest } = *s;
    let mut rows = Vec::new();
    let mut checked = Checked::default();
    let mut k = 0;
    for (size, (size_label, _, _)) in SIZES.iter().enumerate() {
        for (span, (span_label, _)) in SPANS.iter().enumerate() {
            for &limit in &LIMITS {
                let ws = windows(size, span, centres, k, per_class.max(20));
                k += per_class;
                let (mut a, mut b) = (Vec::new(), Vec::new());
                for w in ws.iter().take(per_class) {
                    let (u, v) = (ours_url(ours, w, limit), tipg_url(&tipg.base, w, limit, longest));
                    let (da, ia) = ids(client, &u).await;
                    let (db, ib) = ids(client, &v).await;
                    checked.envelope_only += check(pool, w, limit, &ia, &ib, &v).await;
                    checked.windows += 1;
                    a.push(da);
                    b.push(db);
                }
                a.sort();
                b.sort();
                let ours_urls: Vec<String> = ws.iter().map(|w| ours_url(ours, w, limit)).collect();
                let tipg_urls: Vec<String> = ws.iter().map(|w| tipg_url(&tipg.base, w, limit, longest)).collect();
                let ours_rps = throughput(client, ours_urls, 8, secs).await;
                let theirs_rps = throughput(client, tipg_urls, 8, secs).await;
                let label = format!("{size_label} × {span_label} × {limit}");
                eprintln!("  {label}: eventmap {ours_rps:.0} req/s, tipg {theirs_rps:.0} req/s");
                rows.push(Row {
                    label,
                    ours: (percentile(&a, 0.5), percentile(&a, 0.99)),
                    theirs: (percentile(&b, 0.5), percentile(&b, 0.99)),
                    ours_rps,
                    theirs_rps,
                });
            }
        }
    }
    (rows, checked)
}

/// Prints the comparison as a table, with the classes where eventmap is under 3× tipg counted.
pub fn print(rows: &[Row], checked: &Checked) {
    let ms = |d: Duration| format!("{:.1}", d.as_secs_f64() * 1000.0);
    println!();
    println!(
        "| window class (box × span × limit) | eventmap p50 / p99 ms | tipg p50 / p99 ms | eventmap req/s (8 conn.) | tipg req/s (8 conn.) | ratio |"
    );
    println!("|---|---|---|---|---|---|");
    let mut under = 0;
    for r in rows {
        let ratio = r.ours_rps / r.theirs_rps.max(f64::MIN_POSITIVE);
        under += usize::from(ratio < 3.0);
        println!(
            "| {} | {} / {} | {} / {} | {:.0} | {:.1} | {:.1}× |",
            r.label,
            ms(r.ours.0),
            ms(r.ours.1),
            ms(r.theirs.0),
            ms(r.theirs.1),
            r.ours_rps,
            r.theirs_rps,
            ratio
        );
    }
    println!(
        "answers checked on {} windows (same ids, same order; {} events on eventmap's pages met the box by their \
         envelope only and were set aside); classes under 3× tipg's throughput: {under} of {}",
        checked.windows,
        checked.envelope_only,
        rows.len()
    );
}
