//! The event tiles benchmark: loads synthetic events (200,000 by default; 1,000,000 with
//! `EVENTMAP_BENCH_EVENTS=1000000`) into SQLite, or into PostgreSQL with PostGIS
//! (`EVENTMAP_BENCH_DATABASE=postgres://…`, a database `eventmap_tiles_<events>` of its own),
//! and times what `GET /api/events/tiles/{z}/{x}/{y}.mvt` does for a tile (the store's query
//! and the encoding; not HTTP) at every zoom from 0 to 14, over a mix of time windows (a day, a
//! week, 30 days, a year, all time) centred on real events: p50 and p99 per zoom, and for the
//! zooms the count table serves (0 to 6) the same cells counted from the events alone, as the
//! baseline. Then the MVT encoder on the basemap's and the events' tiles, against the `mvt` crate.
//! On PostgreSQL with `EVENTMAP_BENCH_MARTIN=/path/to/martin`, the same tiles over HTTP beside
//! Martin serving the same events from PostGIS (`martin/mod.rs`).
//!
//! cargo bench --bench tiles
//! EVENTMAP_BENCH_DATABASE=postgres://postgres@127.0.0.1/postgres cargo bench --bench tiles
//!
//! Options: `EVENTMAP_BENCH_ZOOMS=7-14` times only those zooms (the tiles of the others are
//! still drawn, so a zoom gets the same tiles and windows whatever the range), and
//! `EVENTMAP_BENCH_DBNAME` names the PostgreSQL database instead of `eventmap_tiles_<events>`.
//!
//! Synthetic events cluster round 500 places worldwide over ten years; one in twenty is a
//! movement (a line to another place). The SQLite file is kept in `target/bench/`; either
//! database is reused when it holds the events asked for.

#[allow(dead_code)]
mod common;
mod encoders;
mod martin;

use std::time::{Duration, Instant};

use eventmap::domain::tile::TileId;
use eventmap::domain::{EventFilter, EventInput, Vocabulary};
use eventmap::gazetteer::Gazetteer;
use eventmap::gazetteer::resolve::division_of;
use eventmap::store::{Actor, ImportItem};
use eventmap::web::event_tiles;
use serde_json::json;

use common::Rng;

/// The handler's own choices (`api::tiles`).
const EVENTS_ZOOM: u8 = 10;
const MAX_EVENTS: u32 = 3000;

fn place(rng: &mut Rng, centres: &[(f64, f64)]) -> (f64, f64) {
    let (x, y) = centres[rng.below(centres.len())];
    ((x + rng.gauss() * 0.15).clamp(-180.0, 180.0), (y + rng.gauss() * 0.15).clamp(-85.0, 85.0))
}

/// A synthetic event, its places' regions filled in as the server's one-time repair
/// (`eventmap::repair::divisions`) would, so that the repair finds nothing to rewrite: at
/// 1,000,000 events it rewrote about 390 events a second while the bench waited for it.
fn event(rng: &mut Rng, g: &Gazetteer, centres: &[(f64, f64)], cats: &[String], i: usize) -> ImportItem {
    let (lon, lat) = place(rng, centres);
    let start = 1_420_070_400 + (rng.f() * 10.0 * 365.25 * 86400.0) as i64;
    let start = chrono::DateTime::from_timestamp(start, 0).expect("in range");
    let mut places = vec![json!({"name": format!("Place {i}"), "lon": lon, "lat": lat, "precision": "near"})];
    if rng.f() < 0.05 {
        let (lon2, lat2) = place(rng, centres);
        places[0]["role"] = json!("origin");
        places.push(json!({"name": format!("Goal {i}"), "role": "destination", "lon": lon2, "lat": lat2}));
    }
    let input = json!({"title": format!("[synthetic] event {i}"), "category": cats[rng.below(cats.len())],
                       "start": start.to_rfc3339(), "places": places});
    let mut data = EventInput::from_json(input).expect("well formed").validate(&Vocabulary::default()).expect("valid");
    for p in &mut data.places {
        p.admin1_id = division_of(g, p.gazetteer_id.as_deref(), p.lon, p.lat, Some(p.precision));
    }
    ImportItem { id: uuid::Uuid::now_v7(), data }
}

fn pct(sorted: &[Duration], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize].as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() {
    let n: usize = std::env::var("EVENTMAP_BENCH_EVENTS").ok().and_then(|v| v.parse().ok()).unwrap_or(200_000);
    let server = std::env::var("EVENTMAP_BENCH_DATABASE").ok().filter(|u| !u.is_empty());
    let url = match &server {
        None => {
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench");
            std::fs::create_dir_all(&dir).unwrap();
            format!("sqlite://{}", dir.join(format!("tiles-{n}.db")).display())
        }
        Some(admin) => {
            use sqlx::Connection;
            let name = std::env::var("EVENTMAP_BENCH_DBNAME")
                .ok()
                .filter(|v| !v.is_empty())
                .unwrap_or_else(|| format!("eventmap_tiles_{n}"));
            let mut c = sqlx::PgConnection::connect(admin).await.expect("EVENTMAP_BENCH_DATABASE reachable");
            let _ = sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut c).await;
            let mut u = url::Url::parse(admin).expect("a URL");
            u.set_path(&format!("/{name}"));
            u.to_string()
        }
    };
    let label = if server.is_some() { "PostgreSQL with PostGIS" } else { "SQLite" };
    let store = eventmap::store::connect(&url).await.unwrap();
    let mut rng = Rng(2026);
    let centres: Vec<(f64, f64)> =
        (0..500).map(|_| (rng.f() * 340.0 - 170.0, (rng.f() * 2.0 - 1.0).asin().to_degrees() * 0.8)).collect();
    let cats: Vec<String> = Vocabulary::default().values().map(str::to_string).collect();
    let have = store.live_count().await.unwrap() as usize;
    if have != n {
        let g = Gazetteer::load_embedded().expect("the built-in gazetteer");
        assert_eq!(have, 0, "{url} holds {have} events, not {n}: delete it");
        let t = Instant::now();
        let mut done = 0;
        while done < n {
            let items: Vec<ImportItem> =
                (done..(done + 10_000).min(n)).map(|i| event(&mut rng, &g, &centres, &cats, i)).collect();
            store.import(items, &Actor::new("bench")).await.unwrap();
            done = (done + 10_000).min(n);
        }
        eprintln!("imported {n} events in {:.0} s", t.elapsed().as_secs_f64());
        if server.is_some() {
            use sqlx::Connection;
            let mut c = sqlx::PgConnection::connect(&url).await.unwrap();
            sqlx::query("VACUUM ANALYZE").execute(&mut c).await.unwrap();
        }
    }
    println!("event tiles: {n} synthetic events, {label}, store query + encoding per tile (no HTTP)");
    println!(
        "| zoom | tiles | p50 ms | p99 ms | mean bytes | cells or events | from the events alone: p50 ms | p99 ms |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    let zooms = std::env::var("EVENTMAP_BENCH_ZOOMS").ok().and_then(|v| {
        let (a, b) = v.split_once('-').unwrap_or((&v, &v));
        Some(a.trim().parse::<u8>().ok()?..=b.trim().parse::<u8>().ok()?)
    });
    let spans = [1i64, 7, 30, 365, 0];
    let per_zoom = 60;
    let mut tiles_seen: Vec<(String, Vec<eventmap::web::mvt::Layer>)> = Vec::new();
    for z in 0..=14u8 {
        let (mut times, mut alone, mut all_time) = (Vec::new(), Vec::new(), Vec::new());
        let (mut bytes, mut kinds) = (0usize, [0usize; 2]);
        for k in 0..per_zoom {
            // A tile round a place events cluster at (some tiles hold few), a window round a day.
            let (lon, lat) = place(&mut rng, &centres);
            let [mx, my] = eventmap::domain::tile::mercator([lon, lat]);
            let side = f64::from(1u32 << z);
            let tile =
                TileId { z, x: ((mx * side) as u32).min((1 << z) - 1), y: ((my * side) as u32).min((1 << z) - 1) };
            let span = spans[k % spans.len()];
            let mut filter = EventFilter::default();
            if span > 0 {
                let mid = 1_420_070_400 + (rng.f() * 10.0 * 365.25 * 86400.0) as i64;
                filter.start = chrono::DateTime::from_timestamp(mid - span * 43_200, 0);
                filter.end = chrono::DateTime::from_timestamp(mid + span * 43_200, 0);
            }
            if zooms.as_ref().is_some_and(|r| !r.contains(&z)) {
                continue;
            }
            let t = Instant::now();
            let mut found = None;
            let full = z >= EVENTS_ZOOM
                && store.tile_surely_full(&filter, &tile, event_tiles::BUFFER, MAX_EVENTS + 1).await.unwrap();
            if z >= EVENTS_ZOOM && !full {
                let ev = store.tile_events(&filter, &tile, event_tiles::BUFFER, MAX_EVENTS + 1).await.unwrap();
                if ev.len() <= MAX_EVENTS as usize {
                    found = Some(ev);
                }
            }
            let mut cells = Vec::new();
            let body = match &found {
                Some(ev) => event_tiles::events(&tile, ev),
                None => {
                    cells = store.tile_cells(&filter, &tile).await.unwrap();
                    event_tiles::cells(&tile, &cells)
                }
            };
            times.push(t.elapsed());
            if span == 0 {
                all_time.push(t.elapsed());
            }
            if found.is_none() && z <= eventmap::store::sql::tile_counts::GRID_ZOOM {
                // The baseline: the same cells counted from the events alone (every status is
                // asked for, which the count table does not hold), checked to be the same.
                let every = EventFilter { statuses: eventmap::domain::Status::ALL.to_vec(), ..filter.clone() };
                let t = Instant::now();
                let from_events = store.tile_cells(&every, &tile).await.unwrap();
                alone.push(t.elapsed());
                let total = |c: &[eventmap::domain::tile::CellCount]| c.iter().map(|c| c.count).sum::<u64>();
                assert_eq!(total(&cells), total(&from_events), "{z}/{}/{} counted as the events", tile.x, tile.y);
            }
            kinds[usize::from(found.is_some())] += 1;
            bytes += body.len();
            if k < 2 {
                let layers = match &found {
                    Some(ev) => event_tiles::event_layers(&tile, ev),
                    None => event_tiles::cell_layers(&tile, &cells),
                };
                tiles_seen.push((format!("events {}/{}/{}", tile.z, tile.x, tile.y), layers));
            }
        }
        if times.is_empty() {
            continue;
        }
        times.sort();
        alone.sort();
        all_time.sort();
        let base = if alone.is_empty() {
            "| |".to_string()
        } else {
            format!("{:.1} | {:.1} |", pct(&alone, 0.5), pct(&alone, 0.99))
        };
        println!(
            "| {z} | {} | {:.1} | {:.1} | {:.1} | {:.1} | {} | {} cells, {} events | {base}",
            times.len(),
            pct(&times, 0.5),
            pct(&times, 0.99),
            pct(&all_time, 0.5),
            pct(&all_time, 1.0),
            bytes / per_zoom,
            kinds[0],
            kinds[1]
        );
    }
    beside_martin(server.is_some(), &url, &centres, &mut rng).await;
    encoder(tiles_seen);
}

/// The same tiles from eventmap's server and from Martin's, when on PostgreSQL and
/// `EVENTMAP_BENCH_MARTIN` names Martin's binary (`cargo install martin@1.14.0 --locked
/// --no-default-features --features postgres,mbtiles`).
async fn beside_martin(postgres: bool, url: &str, centres: &[(f64, f64)], rng: &mut Rng) {
    let Some(binary) = std::env::var("EVENTMAP_BENCH_MARTIN").ok().filter(|b| !b.is_empty()) else {
        println!("\nMartin: skipped (set EVENTMAP_BENCH_MARTIN to the martin binary, on PostgreSQL)");
        return;
    };
    if !postgres {
        println!("\nMartin: skipped (it serves PostGIS: set EVENTMAP_BENCH_DATABASE too)");
        return;
    }
    let per_zoom = 20;
    let mut tiles = Vec::new();
    for z in 0..=14u8 {
        for _ in 0..per_zoom {
            let [mx, my] = eventmap::domain::tile::mercator(place(rng, centres).into());
            let side = f64::from(1u32 << z);
            tiles.push(TileId {
                z,
                x: ((mx * side) as u32).min((1 << z) - 1),
                y: ((my * side) as u32).min((1 << z) - 1),
            });
        }
    }
    let pool = sqlx::PgPool::connect(url).await.expect("the bench database");
    martin::prepare(&pool).await;
    let client = reqwest::Client::new();
    let (mut ours, base, _) = common::serve(url, &client).await;
    let theirs = martin::start(&binary, url, &client).await;
    // One pass each to warm both servers' connections and the database's cache.
    for t in tiles.iter().step_by(5) {
        let _ = client.get(format!("{base}/api/events/tiles/{}/{}/{}.mvt", t.z, t.x, t.y)).send().await;
        let _ = client.get(format!("{}/events/{}/{}/{}", theirs.base, t.z, t.x, t.y)).send().await;
    }
    martin::compare(&client, &base, &theirs.base, &tiles).await;
    let _ = ours.kill();
    let _ = ours.wait();
}

/// Times the hand-written MVT encoder on the basemap's tiles (cut and encoded), then against the
/// `mvt` crate on the layers of those tiles and of the event tiles seen.
fn encoder(mut tiles_seen: Vec<(String, Vec<eventmap::web::mvt::Layer>)>) {
    use eventmap::web::tiles;
    let basemap = [(0u8, 0u32, 0u32), (2, 2, 1), (5, 19, 12), (8, 153, 102)];
    println!("\nMVT encoder (hand-written, src/web/mvt.rs), median of 20 runs:");
    for (z, x, y) in basemap {
        let mut times: Vec<Duration> = (0..20)
            .map(|_| {
                let t = Instant::now();
                let b = tiles::tile(z, x, y);
                assert!(b.is_some(), "the map is built in");
                t.elapsed()
            })
            .collect();
        times.sort();
        let size = tiles::tile(z, x, y).map_or(0, |b| b.len());
        println!("  basemap {z}/{x}/{y}: cut and encode {:.2} ms, {size} bytes", pct(&times, 0.5));
        tiles_seen.insert(0, (format!("basemap {z}/{x}/{y}"), tiles::layers(z, x, y).expect("built in")));
    }
    encoders::compare(&tiles_seen, 50);
}
