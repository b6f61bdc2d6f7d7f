//! The import comparison of issue 20: the same synthetic events streamed into SQLite, into
//! PostgreSQL opened as `eventmap import` opens it (`COPY`, the indexes built at the end of a
//! first load), by `COPY` with every index kept up to date (a server's imports) and by bound
//! arrays (the road they took before), each into a new database, in one run. The events are made before the clock
//! starts, in batches of 10,000, and handed to `import_stream` as `eventmap import` hands its
//! batches (one transaction, the store opened as `eventmap import` opens it); the time runs from
//! the first batch to the commit.

use std::sync::Arc;
use std::time::{Duration, Instant};

use eventmap::domain::event::EventData;
use eventmap::store::postgres::{ImportRoad, PgStore};
use eventmap::store::{Actor, DynStore, ImportChunk, ImportItem};

const BATCH: usize = 10_000;

/// One backend of the comparison.
#[derive(Clone, Copy, PartialEq)]
enum Target {
    Sqlite,
    /// `PgStore::open_for_import`: a first load builds its indexes at its end.
    PostgresLoad,
    Postgres(ImportRoad),
}

impl Target {
    fn label(self) -> &'static str {
        match self {
            Target::Sqlite => "SQLite",
            Target::PostgresLoad => "PostgreSQL, COPY, indexes at the end",
            Target::Postgres(ImportRoad::Copy) => "PostgreSQL, COPY, indexes kept",
            Target::Postgres(ImportRoad::Arrays) => "PostgreSQL, arrays (before)",
        }
    }
}

/// Runs the comparison at each size; `admin` is a PostgreSQL URL on whose server the
/// benchmark may create and drop the database `eventmap_bench_import` (without it, only SQLite
/// is measured, saying so).
pub async fn compare(sizes: &[usize], admin: Option<&str>, mut make: impl FnMut(usize) -> EventData) {
    let mut targets = vec![Target::Sqlite];
    match admin {
        Some(_) => targets.extend([
            Target::PostgresLoad,
            Target::Postgres(ImportRoad::Copy),
            Target::Postgres(ImportRoad::Arrays),
        ]),
        None => println!("PostgreSQL skipped: set EVENTMAP_BENCH_DATABASE=postgres://… to compare it"),
    }
    let mut table = Vec::new();
    for &n in sizes {
        let t = Instant::now();
        let batches: Vec<Vec<ImportItem>> = (0..n)
            .collect::<Vec<_>>()
            .chunks(BATCH)
            .map(|c| c.iter().map(|&i| ImportItem { id: id(i), data: make(i) }).collect())
            .collect();
        eprintln!("  {n} events made in {:.1} s (not counted)", t.elapsed().as_secs_f64());
        let mut rates = Vec::new();
        for &target in &targets {
            let (store, url) = fresh(target, n, admin).await;
            let chunks: Vec<ImportChunk> = batches.iter().cloned().map(ImportChunk::Rows).collect();
            let took = stream(&store, chunks).await;
            assert_eq!(store.live_count().await.expect("count") as usize, n, "{}: every event stored", target.label());
            drop(store);
            let rate = n as f64 / took.as_secs_f64();
            eprintln!("  {n} events into {}: {:.1} s, {rate:.0} events/s", target.label(), took.as_secs_f64());
            rates.push(rate);
            if let Some(u) = url {
                drop_database(admin.expect("PostgreSQL"), &u).await;
            }
        }
        table.push((n, rates));
    }
    println!();
    let heads: Vec<&str> = targets.iter().map(|t| t.label()).collect();
    let ratios = targets.len() == 4;
    println!(
        "| events | {} |{}",
        heads.iter().map(|h| format!("{h}, events/s")).collect::<Vec<_>>().join(" | "),
        if ratios { " load / COPY kept | load / SQLite |" } else { "" }
    );
    println!("|---|{}{}", "---|".repeat(heads.len()), if ratios { "---|---|" } else { "" });
    for (n, rates) in &table {
        let cells: Vec<String> = rates.iter().map(|r| format!("{r:.0}")).collect();
        let extra = if ratios {
            format!(" {:.1}× | {:.2}× |", rates[1] / rates[2], rates[1] / rates[0])
        } else {
            String::new()
        };
        println!("| {n} | {} |{extra}", cells.join(" | "));
    }
}

/// The id of the `i`-th synthetic event (a UUIDv7 layout, the same in every run).
fn id(i: usize) -> uuid::Uuid {
    uuid::Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0000 + i as u128)
}

/// A new, empty database for `target`: the store as `eventmap import` opens it, and for
/// PostgreSQL the name of the database made for it.
async fn fresh(target: Target, n: usize, admin: Option<&str>) -> (DynStore, Option<String>) {
    match target {
        Target::Sqlite => {
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench");
            std::fs::create_dir_all(&dir).expect("target/bench");
            let file = dir.join(format!("import-{n}.db"));
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
            }
            let store = eventmap::store::connect_for_import(&format!("sqlite://{}", file.display())).await.unwrap();
            (store, None)
        }
        Target::PostgresLoad | Target::Postgres(_) => {
            let admin = admin.expect("PostgreSQL");
            let name = "eventmap_bench_import";
            drop_database(admin, name).await;
            run(admin, &format!("CREATE DATABASE {name}")).await;
            let mut url = url::Url::parse(admin).expect("EVENTMAP_BENCH_DATABASE is a URL");
            url.set_path(&format!("/{name}"));
            let store = match target {
                Target::Postgres(road) => {
                    PgStore::open(url.as_str()).await.expect("bench database").with_import_road(road)
                }
                _ => PgStore::open_for_import(url.as_str()).await.expect("bench database"),
            };
            (Arc::new(store), Some(name.to_string()))
        }
    }
}

async fn drop_database(admin: &str, name: &str) {
    run(admin, &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
}

/// Runs one statement (made here, never from input) on the administration database.
async fn run(admin: &str, sql: &str) {
    use sqlx::Connection;
    let mut c = sqlx::PgConnection::connect(admin).await.expect("EVENTMAP_BENCH_DATABASE reachable");
    sqlx::query(sql).execute(&mut c).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// Streams `chunks` and a commit into `store` as one import; how long it took.
async fn stream(store: &DynStore, chunks: Vec<ImportChunk>) -> Duration {
    let (tx, rx) = tokio::sync::mpsc::channel(2);
    let feed = tokio::spawn(async move {
        for c in chunks.into_iter().chain([ImportChunk::Commit]) {
            if tx.send(c).await.is_err() {
                break;
            }
        }
    });
    let t = Instant::now();
    let counts = store.import_stream(rx, &Actor::new("bench")).await.expect("import").expect("committed");
    let took = t.elapsed();
    feed.await.expect("feed");
    assert_eq!(counts.updated + counts.unchanged, 0);
    took
}
