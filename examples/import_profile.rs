//! Times the store's streamed import alone, for profiling: parses and validates a file of the
//! interop bench first (`cargo bench --bench interop` writes them), then imports the rows into a
//! fresh SQLite database in `/tmp` through `import_stream`, in batches of `BATCH` (10,000).
//!
//! cargo run --release --example import_profile -- target/bench/interop-plain-200000.csv
//! perf record -g target/release/examples/import_profile target/bench/interop-acled-200000.csv
use std::ops::ControlFlow;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use eventmap::domain::Vocabulary;
use eventmap::gazetteer::Gazetteer;
use eventmap::import::pipeline::Checker;
use eventmap::import::places::GazetteerPlaces;
use eventmap::import::{Format, ParseOptions};
use eventmap::store::{Actor, ImportItem};

#[tokio::main]
async fn main() {
    let file = std::env::args().nth(1).unwrap();
    let format = if file.contains("acled") { Format::Acled } else { Format::Csv };
    let gaz = Arc::new(Gazetteer::load_embedded().unwrap());
    let checker = Checker { vocab: Arc::new(Vocabulary::default()), places: Arc::new(GazetteerPlaces(gaz)) };
    let mut items: Vec<ImportItem> = Vec::new();
    let mut r = std::io::BufReader::new(std::fs::File::open(&file).unwrap());
    eventmap::import::parse(format, &mut r, &ParseOptions::default(), &mut |_, p| {
        items.push(checker.check(format, p.unwrap().unwrap()).unwrap());
        ControlFlow::Continue(())
    })
    .unwrap();
    let n = items.len();
    let db = Path::new("/tmp/import-profile.db");
    for s in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{s}", db.display()));
    }
    let store = eventmap::store::connect(&format!("sqlite://{}", db.display())).await.unwrap();
    let batch: usize = std::env::var("BATCH").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000);
    let t = Instant::now();
    let actor = Actor::new("bench");
    let (tx, rx) = tokio::sync::mpsc::channel(1);
    let feed = tokio::spawn(async move {
        while !items.is_empty() {
            let rest = items.split_off(items.len().min(batch));
            let b = std::mem::replace(&mut items, rest);
            tx.send(eventmap::store::ImportChunk::Rows(b)).await.unwrap();
        }
        tx.send(eventmap::store::ImportChunk::Commit).await.unwrap();
    });
    store.import_stream(rx, &actor).await.unwrap().unwrap();
    feed.await.unwrap();
    let d = t.elapsed();
    println!("{n} rows in {:.2} s: {:.0} rows/s", d.as_secs_f64(), n as f64 / d.as_secs_f64());
}
