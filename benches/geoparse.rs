//! Geoparsing speed: megabytes of news text per second on one core, and the latency of
//! `POST /api/geoparse` for a 5 KB article through the release binary.
//!
//! `cargo bench --bench geoparse` reads the development corpora of `../shared/eval/geoparse/`
//! (or the JSON-lines files named in `EVENTMAP_BENCH_CORPUS`, comma-separated) and prints its
//! figures; the targets are over 5 MB/s per core, a p50 under 5 ms and the gazetteer loaded
//! (the bulk of a start) in under a second.

use std::time::{Duration, Instant};

mod common;

use eventmap::gazetteer::Gazetteer;
use eventmap::geoparse::{Options, geoparse};

fn corpus() -> Vec<String> {
    let default = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/eval/geoparse/lgl.jsonl,",
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/eval/geoparse/geovirus.jsonl"
    );
    let list = std::env::var("EVENTMAP_BENCH_CORPUS").unwrap_or_else(|_| default.to_string());
    let mut texts = Vec::new();
    for path in list.split(',').filter(|p| !p.is_empty()) {
        let data = std::fs::read_to_string(path).unwrap_or_else(|e| {
            panic!("cannot read the corpus {path} ({e}); name JSON-lines files with a \"text\" field in EVENTMAP_BENCH_CORPUS")
        });
        for (i, line) in data.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
            let v: serde_json::Value =
                serde_json::from_str(line).unwrap_or_else(|e| panic!("{path}: line {}: {e}", i + 1));
            texts.push(v["text"].as_str().unwrap_or_else(|| panic!("{path}: line {}: no text", i + 1)).to_string());
        }
    }
    texts
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

#[tokio::main]
async fn main() {
    let t = Instant::now();
    let g = Gazetteer::load_embedded().expect("gazetteer");
    println!("gazetteer loaded in {:.0} ms (start-up target < 1,000 ms)", t.elapsed().as_secs_f64() * 1000.0);
    let texts = corpus();
    let bytes: usize = texts.iter().map(String::len).sum();
    println!("corpus: {} documents, {:.2} MB", texts.len(), bytes as f64 / 1e6);

    // One core: every document in turn, for at least three seconds after a warm-up pass.
    let opts = Options::default();
    let mut mentions = 0usize;
    for t in &texts {
        mentions += geoparse(&g, t, &opts).len();
    }
    let t = Instant::now();
    let mut done = 0usize;
    let mut passes = 0;
    while t.elapsed() < Duration::from_secs(3) {
        for text in &texts {
            std::hint::black_box(geoparse(&g, text, &opts));
        }
        done += bytes;
        passes += 1;
    }
    let secs = t.elapsed().as_secs_f64();
    println!(
        "geoparse, one core: {:.2} MB/s ({passes} passes, {mentions} mentions per pass; target > 5 MB/s)",
        done as f64 / 1e6 / secs
    );

    // Through HTTP: articles of about 5 KB, built from the corpus's documents.
    let mut articles = Vec::new();
    let mut cur = String::new();
    for text in &texts {
        cur.push_str(text);
        cur.push_str("\n\n");
        if cur.len() >= 5_000 {
            let mut end = 5_000;
            while !cur.is_char_boundary(end) {
                end -= 1;
            }
            articles.push(cur[..end].to_string());
            cur.clear();
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let client = reqwest::Client::builder().tcp_nodelay(true).build().unwrap();
    let (mut child, base, _) = common::serve(&url, &client).await;
    let post = |text: &str| {
        let client = &client;
        let url = format!("{base}/api/geoparse");
        let body = serde_json::json!({ "text": text });
        async move {
            let t = Instant::now();
            let r = client.post(url).json(&body).send().await.expect("request");
            assert!(r.status().is_success(), "{}", r.status());
            r.bytes().await.expect("body");
            t.elapsed()
        }
    };
    for a in articles.iter().take(20) {
        post(a).await;
    }
    let mut lat = Vec::new();
    for i in 0..500 {
        lat.push(post(&articles[i % articles.len()]).await);
    }
    lat.sort();
    println!(
        "POST /api/geoparse, 5 KB articles ({} different), 500 sequential requests: p50 {:.2} ms, p99 {:.2} ms (target p50 < 5 ms)",
        articles.len(),
        percentile(&lat, 0.5).as_secs_f64() * 1000.0,
        percentile(&lat, 0.99).as_secs_f64() * 1000.0
    );
    let _ = child.kill();
    let _ = child.wait();
}
