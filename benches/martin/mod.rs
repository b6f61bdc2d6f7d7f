//! eventmap's event tiles beside Martin (MapLibre's tile server, crates.io `martin`) serving the
//! same events from the same PostGIS database, its tile cache off: per zoom, the same tiles asked
//! of both over HTTP one at a time, p50 and p99 of each and their ratio, with what each tile
//! held. Run by `cargo bench --bench tiles` on PostgreSQL when `EVENTMAP_BENCH_MARTIN` names the
//! `martin` binary; skipped, saying so, otherwise.
//!
//! Martin publishes a table made here from eventmap's own (`martin.events`: id, category,
//! status and the PostGIS geometry of every live event, a GiST index on the geometry), as a
//! table source: every event whose geometry meets the tile (and Martin's buffer) is a feature
//! of it, at every zoom, as PostGIS's `ST_AsMVT` encodes them. eventmap answers the same tiles
//! with its own endpoint, all time and no filter: counted cells up to zoom 9, the events
//! themselves from zoom 10. The two answer different questions at low zoom (every point against
//! cells that count them), which is the point of the comparison; from zoom 10 both send events.
//! What each tile held (Martin's features, eventmap's counted events) is printed beside the
//! times: Martin's count is larger near edges (its buffer, and a line counted in every tile it
//! crosses where eventmap counts an event once, at its position).

use std::process::{Child, Command};
use std::time::{Duration, Instant};

use eventmap::domain::tile::TileId;
use eventmap::web::mvt::read;

/// Martin, started on a free port with a config file; stopped when dropped.
pub struct Martin {
    child: Child,
    pub base: String,
    _dir: tempfile::TempDir,
}

impl Drop for Martin {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Makes `martin.events` from eventmap's live events (replacing an older one).
pub async fn prepare(pool: &sqlx::PgPool) {
    for sql in [
        "DROP SCHEMA IF EXISTS martin CASCADE",
        "CREATE SCHEMA martin",
        "CREATE TABLE martin.events AS SELECT id, category, status, geom FROM public.events WHERE deleted = 0",
        "ALTER TABLE martin.events ADD PRIMARY KEY (id)",
        "CREATE INDEX ON martin.events USING gist (geom)",
        "VACUUM ANALYZE martin.events",
    ] {
        sqlx::query(sql).execute(pool).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
}

/// Starts `martin` on the database at `url`, serving `martin.events` as the source `events`,
/// with its tile cache off.
pub async fn start(binary: &str, url: &str, client: &reqwest::Client) -> Martin {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("martin.yaml");
    std::fs::write(
        &config,
        format!(
            "listen_addresses: \"127.0.0.1:{port}\"\ncache_size_mb: 0\npostgres:\n  connection_string: \"{url}\"\n  \
             auto_publish: false\n  tables:\n    events:\n      schema: martin\n      table: events\n      srid: 4326\n      \
             geometry_column: geom\n      geometry_type: GEOMETRY\n      id_column: ~\n      properties:\n        \
             id: text\n        category: text\n        status: text\n"
        ),
    )
    .unwrap();
    let child = Command::new(binary)
        .args(["--config", config.to_str().unwrap()])
        .env("RUST_LOG", "warn")
        .spawn()
        .unwrap_or_else(|e| panic!("starting {binary}: {e}"));
    let m = Martin { child, base: format!("http://127.0.0.1:{port}"), _dir: dir };
    let started = Instant::now();
    loop {
        if let Ok(r) = client.get(format!("{}/events", m.base)).send().await {
            if r.status().is_success() {
                break;
            }
        }
        assert!(started.elapsed() < Duration::from_secs(60), "martin did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    m
}

/// One tile fetched: how long it took, its bytes, and how many events it held (Martin's
/// features; eventmap's cell counts added up, or its event features).
async fn fetch(client: &reqwest::Client, url: &str) -> (Duration, usize, u64) {
    let t = Instant::now();
    let r = client.get(url).send().await.unwrap_or_else(|e| panic!("{url}: {e}"));
    let status = r.status();
    let body = r.bytes().await.unwrap();
    let took = t.elapsed();
    assert!(status.is_success() || status.as_u16() == 204, "{url}: {status}");
    let mut held = 0;
    for (name, features) in read::features(&body) {
        held += match name.as_str() {
            "cells" => features.iter().map(|f| f.properties["count"].parse::<u64>().unwrap()).sum(),
            "shapes" => 0,
            _ => features.len() as u64,
        };
    }
    (took, body.len(), held)
}

fn pct(sorted: &[Duration], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize].as_secs_f64() * 1000.0
}

/// Asks both servers for `tiles` (grouped by zoom, all time, no filter) and prints, per zoom,
/// p50/p99 of each, the ratio of the p50s and what the tiles held.
pub async fn compare(client: &reqwest::Client, ours: &str, martin: &str, tiles: &[TileId]) {
    println!("\nevent tiles over HTTP beside Martin (same PostGIS events, all time, Martin's cache off):");
    println!(
        "| zoom | tiles | eventmap p50 / p99 ms | Martin p50 / p99 ms | Martin ÷ eventmap (p50) | eventmap KB | Martin KB | events counted by eventmap | features sent by Martin |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for z in 0..=14u8 {
        let at: Vec<&TileId> = tiles.iter().filter(|t| t.z == z).collect();
        if at.is_empty() {
            continue;
        }
        let (mut a, mut b) = (Vec::new(), Vec::new());
        let (mut a_bytes, mut b_bytes, mut a_held, mut b_held) = (0, 0, 0, 0);
        for t in &at {
            let (took, bytes, held) =
                fetch(client, &format!("{ours}/api/events/tiles/{}/{}/{}.mvt", t.z, t.x, t.y)).await;
            a.push(took);
            a_bytes += bytes;
            a_held += held;
            let (took, bytes, held) = fetch(client, &format!("{martin}/events/{}/{}/{}", t.z, t.x, t.y)).await;
            b.push(took);
            b_bytes += bytes;
            b_held += held;
        }
        a.sort();
        b.sort();
        let n = at.len();
        println!(
            "| {z} | {n} | {:.1} / {:.1} | {:.1} / {:.1} | {:.1}× | {:.1} | {:.1} | {a_held} | {b_held} |",
            pct(&a, 0.5),
            pct(&a, 0.99),
            pct(&b, 0.5),
            pct(&b, 0.99),
            pct(&b, 0.5) / pct(&a, 0.5).max(1e-3),
            a_bytes as f64 / n as f64 / 1024.0,
            b_bytes as f64 / n as f64 / 1024.0,
        );
    }
}
