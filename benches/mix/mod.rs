//! The map windows of issue 20: boxes of 0.5°, 2°, 10°, 25°×20°, 60°×40° and the world, each
//! with a day, a week, 30 days, a year or all time, centred on where and when events are (the
//! generator's own distribution), with pages of 10, 100 and 1,000. Per class: p50 and p99 one
//! request at a time, how often `numberMatched` was an estimate, and the plans the store chose
//! (worked out with the store's own plan SQL on the same database); then the throughput of the
//! whole mix at 8 connections.

use std::sync::Arc;
use std::time::{Duration, Instant};

use eventmap::domain::EventFilter;
use eventmap::domain::filter::BBox;
use eventmap::store::sql::{Bind, Dialect, Gist, Sql, plan};

/// Box sizes in degrees (width, height); 360 is the world.
pub const SIZES: [(&str, f64, f64); 6] = [
    ("0.5°", 0.5, 0.5),
    ("2°", 2.0, 2.0),
    ("10°", 10.0, 10.0),
    ("25°×20°", 25.0, 20.0),
    ("60°×40°", 60.0, 40.0),
    ("world", 360.0, 180.0),
];

/// Time spans in days; 0 is all time.
pub const SPANS: [(&str, i64); 5] = [("day", 1), ("week", 7), ("30 days", 30), ("year", 365), ("all", 0)];

pub const LIMITS: [u32; 3] = [10, 100, 1000];

/// One window: its filter and its query string.
#[derive(Clone)]
pub struct Window {
    pub filter: EventFilter,
    pub query: String,
}

/// The window of a size and span round a point and instant (ms).
pub fn window(size: usize, span: usize, lon: f64, lat: f64, at_ms: i64) -> Window {
    let (_, w, h) = SIZES[size];
    let wrap = |x: f64| {
        if x > 180.0 {
            x - 360.0
        } else if x < -180.0 {
            x + 360.0
        } else {
            x
        }
    };
    let bbox = if w >= 360.0 {
        None
    } else {
        Some(BBox {
            min_lon: wrap(lon - w / 2.0),
            max_lon: wrap(lon + w / 2.0),
            min_lat: (lat - h / 2.0).max(-90.0),
            max_lat: (lat + h / 2.0).min(90.0),
        })
    };
    let days = SPANS[span].1;
    let (start, end) = if days == 0 {
        (None, None)
    } else {
        let half = days * 43_200_000;
        (chrono::DateTime::from_timestamp_millis(at_ms - half), chrono::DateTime::from_timestamp_millis(at_ms + half))
    };
    let mut q = Vec::new();
    if let Some(b) = bbox {
        q.push(format!("bbox={:.4},{:.4},{:.4},{:.4}", b.min_lon, b.min_lat, b.max_lon, b.max_lat));
    }
    let iso = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    if let (Some(s), Some(e)) = (start, end) {
        q.push(format!("start={}&end={}", iso(s), iso(e)));
    }
    // The filter as the server parses it: the instants to the second.
    let sec =
        |t: Option<chrono::DateTime<chrono::Utc>>| t.and_then(|t| chrono::DateTime::from_timestamp(t.timestamp(), 0));
    Window { filter: EventFilter { bbox, start: sec(start), end: sec(end), ..Default::default() }, query: q.join("&") }
}

/// Where the plan SQL runs.
pub enum Db {
    Sqlite(rusqlite::Connection),
    Postgres(sqlx::PgPool),
}

impl Db {
    pub async fn open(url: &str) -> Self {
        match url.strip_prefix("sqlite://") {
            Some(path) => Db::Sqlite(rusqlite::Connection::open(path).expect("bench database")),
            None => Db::Postgres(sqlx::PgPool::connect(url).await.expect("bench database")),
        }
    }

    async fn number(&self, sql: &Sql) -> f64 {
        match self {
            Db::Sqlite(c) => {
                let binds: Vec<rusqlite::types::Value> = sql
                    .binds
                    .iter()
                    .map(|b| match b {
                        Bind::Int(v) => (*v).into(),
                        Bind::Real(v) => (*v).into(),
                        Bind::Text(s) => s.clone().into(),
                        Bind::Null => rusqlite::types::Value::Null,
                    })
                    .collect();
                c.query_row(&sql.text, rusqlite::params_from_iter(binds), |r| r.get::<_, Option<f64>>(0))
                    .expect("plan query")
                    .unwrap_or(0.0)
            }
            Db::Postgres(pool) => {
                use sqlx::Row;
                let mut q = sqlx::query(&sql.text);
                for b in &sql.binds {
                    q = match b {
                        Bind::Int(v) => q.bind(*v),
                        Bind::Real(v) => q.bind(*v),
                        Bind::Text(s) => q.bind(s.clone()),
                        Bind::Null => q.bind(None::<String>),
                    };
                }
                let r = q.fetch_one(pool).await.expect("plan query");
                r.try_get::<Option<f64>, _>(0)
                    .or_else(|_| r.try_get::<Option<i64>, _>(0).map(|v| v.map(|v| v as f64)))
                    .expect("a number")
                    .unwrap_or(0.0)
            }
        }
    }

    fn dialect(&self) -> Dialect {
        match self {
            Db::Sqlite(_) => Dialect::Sqlite,
            Db::Postgres(_) => Dialect::Postgres,
        }
    }

    /// The plan the store takes for this window and page (as `list` decides): index, walk or
    /// slices for a box, with `+2` where PostgreSQL takes a small box's narrow and wide
    /// envelopes from two indexes (`sql::Gist`); the world's is `time` (the time index walked)
    /// or `all`.
    pub async fn plan(&self, f: &EventFilter, limit: u32) -> &'static str {
        let page = eventmap::domain::filter::PageRequest { limit, ..Default::default() };
        if !plan::walkable(f, &page) {
            return if f.start.is_some() || f.end.is_some() { "time" } else { "all" };
        }
        let window = self.number(&plan::window_events(self.dialect(), f)).await as u64;
        let cap = plan::index_cap(limit);
        let gist = if self.dialect() == Dialect::Postgres && Gist::worth_asking(f) {
            Gist::choose(f, self.number(&plan::box_events(self.dialect(), f)).await)
        } else {
            Gist::Whole
        };
        let candidates = self.number(&plan::probe(self.dialect(), f, cap, gist)).await as u64;
        let estimate = if candidates < cap { 0.0 } else { self.number(&plan::estimate(self.dialect(), f)).await };
        match (
            plan::choose(limit, || Ok::<_, ()>(window), candidates, || Ok::<_, ()>(estimate)).expect("no error"),
            gist,
        ) {
            ((plan::Plan::Walk, _), _) => "walk",
            ((plan::Plan::Slices, _), Gist::Split) => "slices+2",
            ((plan::Plan::Slices, _), _) => "slices",
            (_, Gist::Split) if gist.splits(f) => "index+2",
            _ => "index",
        }
    }
}

/// The figures of one class.
pub struct ClassFigures {
    pub label: String,
    pub p50: Duration,
    pub p99: Duration,
    pub estimated: usize,
    /// The plans taken, each with how many windows took it.
    pub plans: Vec<(&'static str, usize)>,
    pub n: usize,
}

impl ClassFigures {
    /// The plans taken, as `walk 7, slices 3`.
    pub fn plans(&self) -> String {
        self.plans.iter().map(|(p, n)| format!("{p} {n}")).collect::<Vec<_>>().join(", ")
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// One request; whether its `numberMatched` was marked an estimate.
async fn get(client: &reqwest::Client, url: &str) -> (Duration, bool) {
    let t = Instant::now();
    let r = client.get(url).send().await.expect("request");
    assert!(r.status().is_success(), "{url}: {}", r.status());
    let body = r.bytes().await.expect("body");
    let d = t.elapsed();
    (d, memchr_estimate(&body))
}

fn memchr_estimate(body: &[u8]) -> bool {
    body.windows(26).any(|w| w == b"\"numberMatchedExact\":false")
}

/// Every class, `per_class` windows each (round the centres given), one request at a time.
pub async fn classes(
    client: &reqwest::Client,
    base: &str,
    db: &Db,
    centres: &[(f64, f64, i64)],
    per_class: usize,
) -> Vec<ClassFigures> {
    let mut out = Vec::new();
    let mut k = 0;
    for (size, (size_label, _, _)) in SIZES.iter().enumerate() {
        for (span, (span_label, _)) in SPANS.iter().enumerate() {
            for &limit in &LIMITS {
                let mut times = Vec::with_capacity(per_class);
                let mut estimated = 0;
                let mut plans: Vec<(&'static str, usize)> = Vec::new();
                for _ in 0..per_class {
                    let (lon, lat, at) = centres[k % centres.len()];
                    k += 1;
                    let w = window(size, span, lon, lat, at);
                    let sep = if w.query.is_empty() { "" } else { "&" };
                    let url = format!("{base}/api/events?{}{sep}limit={limit}", w.query);
                    let (d, est) = get(client, &url).await;
                    times.push(d);
                    estimated += usize::from(est);
                    let p = db.plan(&w.filter, limit).await;
                    match plans.iter_mut().find(|(q, _)| *q == p) {
                        Some((_, n)) => *n += 1,
                        None => plans.push((p, 1)),
                    }
                }
                times.sort();
                out.push(ClassFigures {
                    label: format!("{size_label} × {span_label} × {limit}"),
                    p50: percentile(&times, 0.5),
                    p99: percentile(&times, 0.99),
                    estimated,
                    plans,
                    n: per_class,
                });
            }
        }
    }
    out
}

/// Requests per second over `secs` seconds at `conns` connections, cycling through `urls`.
pub async fn throughput(client: &reqwest::Client, urls: Vec<String>, conns: usize, secs: u64) -> f64 {
    let urls = Arc::new(urls);
    let deadline = Instant::now() + Duration::from_secs(secs);
    let mut tasks = Vec::new();
    for c in 0..conns {
        let (client, urls) = (client.clone(), urls.clone());
        tasks.push(tokio::spawn(async move {
            let mut done = 0u64;
            let mut i = c * 131;
            while Instant::now() < deadline {
                let r = client.get(&urls[i % urls.len()]).send().await.expect("request");
                assert!(r.status().is_success());
                r.bytes().await.expect("body");
                done += 1;
                i += 1;
            }
            done
        }));
    }
    let mut total = 0;
    for t in tasks {
        total += t.await.expect("task");
    }
    total as f64 / secs as f64
}

/// The mix's URLs for one page size, every class in turn.
pub fn urls(base: &str, centres: &[(f64, f64, i64)], limit: u32, n: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            let (lon, lat, at) = centres[i % centres.len()];
            let w = window(i % SIZES.len(), (i / SIZES.len()) % SPANS.len(), lon, lat, at);
            let sep = if w.query.is_empty() { "" } else { "&" };
            format!("{base}/api/events?{}{sep}limit={limit}", w.query)
        })
        .collect()
}
