//! The speed benchmark of PRODUCT.md §8: loads synthetic events into SQLite (1,000,000 by
//! default), or into PostgreSQL with PostGIS, starts the release `eventmap serve` on them, and
//! prints what it measured.
//!
//! cargo bench --bench eventmap                      # 1,000,000 events, SQLite
//! EVENTMAP_BENCH_EVENTS=100000 cargo bench --bench eventmap
//! EVENTMAP_BENCH_DATABASE=postgres://postgres@127.0.0.1/postgres cargo bench --bench eventmap
//! EVENTMAP_BENCH_IMPORTS=200000,1000000 EVENTMAP_BENCH_DATABASE=postgres://… cargo bench --bench eventmap
//!     # only the import comparison: SQLite, PostgreSQL by COPY and by arrays, same events
//! EVENTMAP_BENCH_MIX_URLS=/tmp/mix.txt cargo bench --bench eventmap
//!     # only writes the window mix's URLs (limit 100), for a profiler's own client
//!
//! The SQLite database is kept in `target/bench/`; on PostgreSQL the benchmark makes a database
//! of its own, `eventmap_bench_<events>`, on the server of `EVENTMAP_BENCH_DATABASE` (whose URL
//! is only used to create it). Either is reused when it already holds the events asked for
//! (delete it to measure the import again). Synthetic events cluster around real cities,
//! spread over 2015–2025, with text, tags, actors and shared sources; both backends get the
//! same events and the same queries.

mod common;
mod imports;
mod mix;
mod tipg;

use std::sync::Arc;
use std::time::{Duration, Instant};

use eventmap::domain::event::EventData;
use eventmap::domain::{Event, EventInput, Vocabulary};
use eventmap::gazetteer::resolve::division_of;
use eventmap::gazetteer::{Gazetteer, Kind, PlaceInfo, SearchOptions};
use eventmap::store::{Actor, ImportItem};
use serde_json::json;

use common::Rng;

const WORDS: [&str; 40] = [
    "convoy",
    "checkpoint",
    "vehicles",
    "reported",
    "residents",
    "forces",
    "clashes",
    "near",
    "road",
    "market",
    "district",
    "village",
    "port",
    "airport",
    "bridge",
    "protesters",
    "police",
    "shelling",
    "drone",
    "strike",
    "witnesses",
    "local",
    "sources",
    "said",
    "morning",
    "evening",
    "night",
    "several",
    "dozens",
    "military",
    "civilians",
    "buildings",
    "damaged",
    "arrested",
    "gathered",
    "crossing",
    "border",
    "base",
    "column",
    "trucks",
];

struct Generator {
    cities: Vec<PlaceInfo>,
    /// Each city's first-level division, as the API and the importers give it.
    admin1: std::collections::HashMap<String, Option<String>>,
    cumulative: Vec<f64>,
    categories: Vec<String>,
    rng: Rng,
}

impl Generator {
    fn new(g: &Gazetteer) -> Self {
        let cities = g.in_box([-180.0, -90.0, 180.0, 90.0], &[Kind::Settlement], 150_000, 2000);
        let mut acc = 0.0;
        let cumulative = cities
            .iter()
            .map(|c| {
                acc += (c.population as f64).sqrt();
                acc
            })
            .collect();
        let categories = Vocabulary::default().values().map(str::to_string).collect();
        let admin1 = cities
            .iter()
            .map(|c| (c.gazetteer_id.clone(), division_of(g, Some(&c.gazetteer_id), c.lon, c.lat, None)))
            .collect();
        Self { cities, admin1, cumulative, categories, rng: Rng(42) }
    }

    fn city(&mut self) -> &PlaceInfo {
        let total = *self.cumulative.last().expect("cities");
        let x = self.rng.f() * total;
        let i = self.cumulative.partition_point(|c| *c < x).min(self.cities.len() - 1);
        &self.cities[i]
    }

    fn words(&mut self, n: usize) -> String {
        (0..n).map(|_| WORDS[self.rng.below(WORDS.len())]).collect::<Vec<_>>().join(" ")
    }

    fn event(&mut self, i: usize) -> EventData {
        let c = self.city().clone();
        let lon = (c.lon + self.rng.gauss() * 0.08).clamp(-180.0, 180.0);
        let lat = (c.lat + self.rng.gauss() * 0.08).clamp(-90.0, 90.0);
        let start = 1_420_070_400 + (self.rng.f() * 11.0 * 365.25 * 86400.0) as i64;
        let start = chrono::DateTime::from_timestamp(start, 0).expect("in range");
        let admin1 = self.admin1[&c.gazetteer_id].clone();
        let mut places =
            vec![json!({"name": c.name, "lon": lon, "lat": lat, "country": c.country, "precision": "near",
                                     "gazetteer_id": c.gazetteer_id, "admin1_id": admin1})];
        if self.rng.f() < 0.05 {
            let d = self.city().clone();
            places[0]["role"] = json!("origin");
            // Linked, as intake links a place it finds in the gazetteer: unlinked, every one of
            // them was rewritten by `serve`'s one-time repair while the benchmark measured.
            let admin1 = self.admin1[&d.gazetteer_id].clone();
            places.push(json!({"name": d.name, "role": "destination", "lon": d.lon, "lat": d.lat,
                "country": d.country, "precision": "near", "gazetteer_id": d.gazetteer_id, "admin1_id": admin1}));
        }
        let end = (self.rng.f() < 0.1).then(|| start + chrono::Duration::hours(1 + self.rng.below(72) as i64));
        let cat = self.categories[self.rng.below(self.categories.len())].clone();
        let nsrc = 1 + self.rng.below(3);
        let first = self.rng.below(50_000);
        let sources: Vec<_> = (0..nsrc)
            .map(|k| {
                let n = (first + k * 7919) % 50_000;
                json!({"url": format!("https://news{}.example/reports/{n}", n % 200), "title": format!("Report {n}: {}", self.words(5)),
                       "publisher": format!("Synthetic News {}", n % 200)})
            })
            .collect();
        let status = ["reported", "reported", "corroborated", "verified", "disputed"][self.rng.below(5)];
        let input = json!({
            "title": format!("[synthetic] {} near {} #{i}", cat.replace('_', " "), c.name),
            "description": self.words(30),
            "category": cat, "start": start.to_rfc3339(), "end": end.map(|e| e.to_rfc3339()),
            "time_precision": if end.is_some() { "hour" } else { "day" },
            "tags": [format!("tag{}", self.rng.below(50)), "synthetic"],
            "actors": [format!("Actor {}", self.rng.below(100))],
            "places": places, "sources": sources,
            "status": status,
        });
        EventInput::from_json(input).expect("well formed").validate(&Vocabulary::default()).expect("valid")
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn rss_kib(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with(field)).and_then(|l| l.split_whitespace().nth(1)?.parse().ok()))
        .unwrap_or(0)
}

async fn timed_get(client: &reqwest::Client, url: &str) -> (Duration, usize) {
    let t = Instant::now();
    let r = client.get(url).send().await.expect("request");
    assert!(r.status().is_success(), "{url}: {}", r.status());
    let n = r.bytes().await.expect("body").len();
    (t.elapsed(), n)
}

#[tokio::main]
async fn main() {
    let n: usize = std::env::var("EVENTMAP_BENCH_EVENTS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    let server = std::env::var("EVENTMAP_BENCH_DATABASE").ok().filter(|u| !u.is_empty());
    if let Ok(sizes) = std::env::var("EVENTMAP_BENCH_IMPORTS") {
        let sizes: Vec<usize> = sizes
            .split(',')
            .map(|s| s.trim().parse().expect("EVENTMAP_BENCH_IMPORTS: sizes like 200000,1000000"))
            .collect();
        println!("eventmap import comparison: {sizes:?} synthetic events, batches of 10,000 in one transaction");
        let g = Gazetteer::load_embedded().unwrap();
        let mut gen_ = Generator::new(&g);
        imports::compare(&sizes, server.as_deref(), |i| gen_.event(i)).await;
        return;
    }
    let backend = Backend::new(server.as_deref(), n).await;
    println!(
        "eventmap benchmark: {n} synthetic events, {}, {} cores",
        backend.label(),
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
    );
    let url = backend.url.clone();

    // Gazetteer.
    let t = Instant::now();
    let g = Arc::new(Gazetteer::load_embedded().unwrap());
    let gaz_load = t.elapsed();
    let names: Vec<String> =
        g.in_box([-180.0, -90.0, 180.0, 90.0], &[Kind::Settlement], 20_000, 5000).into_iter().map(|p| p.name).collect();
    let mut lookups = Vec::with_capacity(names.len());
    for name in &names {
        let t = Instant::now();
        let r = g.search(name, &SearchOptions::default());
        lookups.push(t.elapsed());
        assert!(!r.is_empty());
    }
    lookups.sort();
    let mut rng = Rng(7);
    let mut reverses = Vec::new();
    for _ in 0..5000 {
        let (lon, lat) = (rng.f() * 360.0 - 180.0, rng.f() * 140.0 - 60.0);
        let t = Instant::now();
        let _ = g.reverse(lon, lat, 50.0, 5);
        reverses.push(t.elapsed());
    }
    reverses.sort();

    // Import.
    let store = eventmap::store::connect(&url).await.unwrap();
    let have = store.live_count().await.unwrap() as usize;
    let mut import_rate = None;
    let mut vacuum = None;
    if have != n {
        drop(store);
        backend.reset().await;
        let store = eventmap::store::connect(&url).await.unwrap();
        let mut gen_ = Generator::new(&g);
        let actor = Actor::new("bench");
        let mut generated = Duration::ZERO;
        let mut importing = Duration::ZERO;
        let batch = 10_000;
        let mut done = 0;
        while done < n {
            let t = Instant::now();
            let items: Vec<ImportItem> = (done..(done + batch).min(n))
                .map(|i| ImportItem { id: uuid::Uuid::now_v7(), data: gen_.event(i) })
                .collect();
            generated += t.elapsed();
            let t = Instant::now();
            store.import(items, &actor).await.unwrap();
            importing += t.elapsed();
            done = (done + batch).min(n);
            if done % 100_000 == 0 {
                eprintln!("  imported {done} ({:.0} events/s)", done as f64 / importing.as_secs_f64());
            }
        }
        import_rate = Some(n as f64 / importing.as_secs_f64());
        eprintln!("  generating took {:.1} s (not counted)", generated.as_secs_f64());
        drop(store);
        vacuum = backend.settle().await;
    } else {
        drop(store);
    }
    let _ = Event::new; // the generator builds domain values the same way the API does
    if std::env::var("EVENTMAP_BENCH_PREP").is_ok() {
        let mut gen_ = Generator::new(&g);
        let datas: Vec<EventData> = (0..10_000).map(|i| gen_.event(i)).collect();
        let t = Instant::now();
        let evs: Vec<Event> =
            datas.iter().map(|d| Event::new(uuid::Uuid::now_v7(), d.clone(), chrono::Utc::now())).collect();
        println!("clone+new: {:?}", t.elapsed());
        let t = Instant::now();
        let ps: Vec<eventmap::store::Prepared> = evs.into_iter().map(eventmap::store::Prepared::new).collect();
        println!("prepared: {:?}", t.elapsed());
        let t = Instant::now();
        let ds: Vec<String> =
            ps.iter().map(|p| eventmap::domain::revision::diff(None, Some(&p.event.data)).to_string()).collect();
        println!("diffs: {:?} {}", t.elapsed(), ds.len());
        let t = Instant::now();
        let fs: usize = ps.iter().map(|p| p.event.to_feature_json().len()).sum();
        println!("feature json: {:?} {fs}", t.elapsed());
        let t = Instant::now();
        let ss: usize = ps.iter().map(|p| p.search.len()).sum();
        let folded: Vec<String> = ps.iter().map(|p| eventmap::fold::fold(&p.event.data.title)).collect();
        println!("fold titles: {:?} {ss} {}", t.elapsed(), folded.len());
        return;
    }
    if std::env::var("EVENTMAP_BENCH_IMPORT_ONLY").is_ok() {
        println!("import: {:?} events/s", import_rate);
        return;
    }

    // Serve with the release binary.
    let client = reqwest::Client::builder().pool_max_idle_per_host(64).tcp_nodelay(true).build().unwrap();
    let (mut child, base, startup) = common::serve(&url, &client).await;

    // The window mix of issue 20 (EVENTMAP_BENCH_MIX_ONLY=1 measures it alone).
    let mut gen_ = Generator::new(&g);
    let centres: Vec<(f64, f64, i64)> = (0..997)
        .map(|_| {
            let c = gen_.city().clone();
            let (dx, dy) = (gen_.rng.gauss() * 0.08, gen_.rng.gauss() * 0.08);
            (c.lon + dx, c.lat + dy, 1_420_070_400_000 + (gen_.rng.f() * 11.0 * 365.25 * 86_400_000.0) as i64)
        })
        .collect();
    let per_class: usize =
        std::env::var("EVENTMAP_BENCH_MIX_PER_CLASS").ok().and_then(|v| v.parse().ok()).unwrap_or(20);
    if let Ok(path) = std::env::var("EVENTMAP_BENCH_MIX_URLS") {
        // The mix's URLs written out (limit 100, one a line) for a profiler's own client.
        let lines: Vec<String> = mix::urls(&base, &centres, 100, 3000);
        std::fs::write(&path, lines.join("\n") + "\n").expect("the URL file");
        eprintln!("  wrote {} URLs to {path}", lines.len());
        let _ = child.kill();
        let _ = child.wait();
        return;
    }
    let db = mix::Db::open(&url).await;
    for w in mix::urls(&base, &centres, 100, 60) {
        timed_get(&client, &w).await;
    }
    let figures = mix::classes(&client, &base, &db, &centres, per_class).await;
    let mut mix_rps = Vec::new();
    for limit in mix::LIMITS {
        mix_rps.push((limit, mix::throughput(&client, mix::urls(&base, &centres, limit, 3000), 8, 10).await));
    }
    println!();
    println!("| window class (box × span × limit) | p50 | p99 | numberMatched estimated | plans |");
    println!("|---|---|---|---|---|");
    for c in &figures {
        println!("| {} | {} | {} | {}/{} | {} |", c.label, ms(c.p50), ms(c.p99), c.estimated, c.n, c.plans());
    }
    for (limit, rps) in &mix_rps {
        println!("| the whole mix, limit {limit}, 8 connections, 10 s | {rps:.0} req/s | | | |");
    }
    compare_tipg(&client, &base, &backend, &centres).await;
    if std::env::var("EVENTMAP_BENCH_MIX_ONLY").is_ok() {
        let _ = child.kill();
        let _ = child.wait();
        return;
    }

    // Queries: a 1° box around a city, a one-year window.
    let cities = Generator::new(&g).cities;
    let mut rng = Rng(99);
    let mut query = |limit: usize| {
        let c = &cities[rng.below(cities.len().min(300))];
        let year = 2015 + rng.below(11);
        format!(
            "{base}/api/events?bbox={},{},{},{}&start={year}-01-01&end={year}-12-31&limit={limit}",
            c.lon - 0.5,
            c.lat - 0.5,
            c.lon + 0.5,
            c.lat + 0.5
        )
    };
    for _ in 0..50 {
        timed_get(&client, &query(1000)).await;
    }
    let mut l1000 = Vec::new();
    let mut bytes1000 = 0;
    for _ in 0..500 {
        let (d, b) = timed_get(&client, &query(1000)).await;
        l1000.push(d);
        bytes1000 += b;
    }
    l1000.sort();
    let mut l10000 = Vec::new();
    for _ in 0..50 {
        l10000.push(timed_get(&client, &query(10_000)).await.0);
    }
    l10000.sort();
    let mut text = Vec::new();
    for w in WORDS.iter().cycle().take(100) {
        text.push(timed_get(&client, &format!("{base}/api/events?q={w}%20convoy&limit=100")).await.0);
    }
    text.sort();
    // A category alone and over a year (its count is the cost: every event of the category).
    let mut by_category: [Vec<Duration>; 2] = Default::default();
    for (k, c) in gen_.categories.clone().iter().cycle().take(40).enumerate() {
        let year = 2015 + k % 11;
        by_category[0].push(timed_get(&client, &format!("{base}/api/events?category={c}&limit=100")).await.0);
        let when = format!("start={year}-01-01&end={year}-12-31");
        by_category[1].push(timed_get(&client, &format!("{base}/api/events?category={c}&{when}&limit=100")).await.0);
    }
    for c in &mut by_category {
        c.sort();
    }
    let mut hist = Vec::new();
    for _ in 0..20 {
        hist.push(timed_get(&client, &format!("{base}/api/events/histogram?bucket=day")).await.0);
    }
    hist.sort();
    let mut hist_month = Vec::new();
    for _ in 0..20 {
        hist_month.push(timed_get(&client, &format!("{base}/api/events/histogram?bucket=month")).await.0);
    }
    hist_month.sort();

    // The area filters of issue 17 (country=, admin1=, place=<region>) beside a box of 1° round
    // the same city, each with a one-year window and a page of 100, on the same 200 cities.
    let mut area: [Vec<Duration>; 4] = Default::default();
    let mut rng = Rng(7);
    for _ in 0..200 {
        let c = &cities[rng.below(cities.len().min(300))];
        let year = 2015 + rng.below(11);
        let Some(region) = division_of(&g, Some(&c.gazetteer_id), c.lon, c.lat, None) else { continue };
        let cc = c.country.clone().unwrap_or_default();
        let when = format!("start={year}-01-01&end={year}-12-31&limit=100");
        let b = format!("bbox={},{},{},{}", c.lon - 0.5, c.lat - 0.5, c.lon + 0.5, c.lat + 0.5);
        for (k, filter) in
            [b, format!("country={cc}"), format!("admin1={region}"), format!("place={region}")].iter().enumerate()
        {
            area[k].push(timed_get(&client, &format!("{base}/api/events?{filter}&{when}")).await.0);
        }
    }
    for a in &mut area {
        a.sort();
    }

    // Throughput: 16 connections asking limit-100 box queries for 10 s.
    let urls: Arc<Vec<String>> = Arc::new((0..2000).map(|_| query(100)).collect());
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut tasks = Vec::new();
    for k in 0..16 {
        let (client, urls) = (client.clone(), urls.clone());
        tasks.push(tokio::spawn(async move {
            let mut done = 0u64;
            let mut i = k * 97;
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
        total += t.await.unwrap();
    }
    let rps = total as f64 / 10.0;
    let rss = rss_kib(child.id(), "VmRSS:");
    let hwm = rss_kib(child.id(), "VmHWM:");
    let _ = child.kill();
    let _ = child.wait();

    println!();
    println!("| measure | figure | target |");
    println!("|---|---|---|");
    match import_rate {
        Some(r) => println!("| import (store, batches of 10,000) | {r:.0} events/s | > 50,000 events/s |"),
        None => println!("| import | (database reused; delete {} to measure) | > 50,000 events/s |", backend.place()),
    }
    if let Some(v) = vacuum {
        println!("| VACUUM ANALYZE after the import (not in the import figure) | {:.1} s | |", v.as_secs_f64());
    }
    println!("| start-up to ready (gazetteer + database) | {} | < 1 s |", ms(startup));
    println!("| gazetteer load (in process) | {} | |", ms(gaz_load));
    println!(
        "| gazetteer lookup, p50 / p99 ({} names) | {:.1} µs / {:.1} µs | < 50 µs |",
        lookups.len(),
        percentile(&lookups, 0.5).as_secs_f64() * 1e6,
        percentile(&lookups, 0.99).as_secs_f64() * 1e6
    );
    println!(
        "| reverse geocode, p50 / p99 | {:.1} µs / {:.1} µs | |",
        percentile(&reverses, 0.5).as_secs_f64() * 1e6,
        percentile(&reverses, 0.99).as_secs_f64() * 1e6
    );
    println!(
        "| bbox + year + limit 1,000, p50 / p99 (500 queries, {} KiB avg) | {} / {} | p50 < 5 ms |",
        bytes1000 / 500 / 1024,
        ms(percentile(&l1000, 0.5)),
        ms(percentile(&l1000, 0.99))
    );
    println!(
        "| bbox + year + limit 10,000, p50 / p99 | {} / {} | |",
        ms(percentile(&l10000, 0.5)),
        ms(percentile(&l10000, 0.99))
    );
    println!(
        "| text search + limit 100, p50 / p99 | {} / {} | |",
        ms(percentile(&text, 0.5)),
        ms(percentile(&text, 0.99))
    );
    for (name, c) in ["category= + limit 100", "category= + year + limit 100"].iter().zip(&by_category) {
        println!("| {name}, p50 / p99 | {} / {} | |", ms(percentile(c, 0.5)), ms(percentile(c, 0.99)));
    }
    for (name, a) in ["bbox 1°", "country=", "admin1=", "place=<region>"].iter().zip(&area) {
        println!(
            "| {name} + year + limit 100, p50 / p99 ({} queries) | {} / {} | |",
            a.len(),
            ms(percentile(a, 0.5)),
            ms(percentile(a, 0.99))
        );
    }
    println!("| histogram of all events by day, p50 | {} | < 50 ms |", ms(percentile(&hist, 0.5)));
    println!("| histogram of all events by month, p50 | {} | |", ms(percentile(&hist_month, 0.5)));
    println!("| throughput, limit 100, 16 connections, 10 s | {rps:.0} req/s | > 3,000 req/s |");
    println!("| server resident memory after the run (peak) | {} MiB ({} MiB) | < 300 MB |", rss / 1024, hwm / 1024);
    if let Some(size) = backend.size().await {
        println!("| database size on disk | {} MiB | |", size / (1024 * 1024));
    }
}

/// The window mix against tipg on the same PostgreSQL database (`benches/tipg`), when
/// `EVENTMAP_BENCH_TIPG` names a Python with tipg and uvicorn; skipped, saying why, otherwise.
async fn compare_tipg(client: &reqwest::Client, base: &str, backend: &Backend, centres: &[(f64, f64, i64)]) {
    let Some(python) = std::env::var("EVENTMAP_BENCH_TIPG").ok().filter(|p| !p.is_empty()) else {
        println!("tipg comparison skipped: set EVENTMAP_BENCH_TIPG=/path/to/python (with tipg and uvicorn installed)");
        return;
    };
    if backend.postgres.is_none() {
        println!("tipg comparison skipped: it needs PostgreSQL (EVENTMAP_BENCH_DATABASE=postgres://…)");
        return;
    }
    let pool = sqlx::PgPool::connect(&backend.url).await.expect("bench database");
    let longest = tipg::prepare(&pool).await;
    let server = tipg::start(&python, &backend.url, client).await;
    let per_class: usize =
        std::env::var("EVENTMAP_BENCH_TIPG_PER_CLASS").ok().and_then(|v| v.parse().ok()).unwrap_or(10);
    let secs: f64 = std::env::var("EVENTMAP_BENCH_TIPG_SECS").ok().and_then(|v| v.parse().ok()).unwrap_or(2.0);
    let servers = tipg::Servers { client, ours: base, tipg: &server, pool: &pool, longest };
    let (rows, checked) = tipg::compare(&servers, centres, per_class, secs).await;
    tipg::print(&rows, &checked);
}

/// Where the benchmark's events live: a SQLite file, or a PostgreSQL database of its own.
struct Backend {
    url: String,
    /// For PostgreSQL: the URL given (used to create and drop the database) and its name.
    postgres: Option<(String, String)>,
    file: std::path::PathBuf,
}

impl Backend {
    async fn new(server: Option<&str>, n: usize) -> Self {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench");
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join(format!("events-{n}.db"));
        match server {
            None => Self { url: format!("sqlite://{}", file.display()), postgres: None, file },
            Some(admin) => {
                let name = format!("eventmap_bench_{n}");
                let mut url = url::Url::parse(admin).expect("EVENTMAP_BENCH_DATABASE is a URL");
                url.set_path(&format!("/{name}"));
                let b = Self { url: url.to_string(), postgres: Some((admin.to_string(), name)), file };
                b.admin(&format!("CREATE DATABASE {}", b.postgres.as_ref().unwrap().1), true).await;
                b
            }
        }
    }

    fn label(&self) -> &'static str {
        if self.postgres.is_some() { "PostgreSQL with PostGIS" } else { "SQLite" }
    }

    fn place(&self) -> String {
        match &self.postgres {
            Some((_, name)) => format!("database {name}"),
            None => self.file.display().to_string(),
        }
    }

    /// Runs one statement (made here, never from input) on the server's administration database.
    async fn admin(&self, sql: &str, may_fail: bool) {
        use sqlx::Connection;
        let (admin, _) = self.postgres.as_ref().expect("PostgreSQL");
        let mut c = sqlx::PgConnection::connect(admin).await.expect("EVENTMAP_BENCH_DATABASE reachable");
        if let Err(e) = sqlx::query(sql).execute(&mut c).await {
            assert!(may_fail, "{sql}: {e}");
        }
    }

    /// Empties the store before an import.
    async fn reset(&self) {
        match &self.postgres {
            Some((_, name)) => {
                self.admin(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"), false).await;
                self.admin(&format!("CREATE DATABASE {name}"), false).await;
            }
            None => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", self.file.display()));
                }
            }
        }
    }

    /// After a bulk import, PostgreSQL needs fresh statistics and a visibility map (autovacuum
    /// would get there by itself, later): done here, and timed apart from the import.
    async fn settle(&self) -> Option<Duration> {
        use sqlx::Connection;
        self.postgres.as_ref()?;
        let t = Instant::now();
        let mut c = sqlx::PgConnection::connect(&self.url).await.expect("bench database");
        sqlx::query("VACUUM ANALYZE").execute(&mut c).await.expect("VACUUM ANALYZE");
        Some(t.elapsed())
    }

    async fn size(&self) -> Option<u64> {
        use sqlx::Connection;
        match &self.postgres {
            Some(_) => {
                let mut c = sqlx::PgConnection::connect(&self.url).await.ok()?;
                let n: i64 =
                    sqlx::query_scalar("SELECT pg_database_size(current_database())").fetch_one(&mut c).await.ok()?;
                Some(n as u64)
            }
            None => std::fs::metadata(&self.file).ok().map(|m| m.len()),
        }
    }
}
