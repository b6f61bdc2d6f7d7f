//! The speed of imports and exports (issue: interoperability): imports of CSV and ACLED must
//! run at over 50,000 rows/s and exports (`eventmap export`, `GET /api/events?format=`) at over
//! 100,000 events/s on a 2-core machine.
//!
//! cargo bench --bench interop                         # 200,000 rows
//! EVENTMAP_BENCH_ROWS=50000 cargo bench --bench interop
//! EVENTMAP_BENCH_IMPORT_ONLY=1 cargo bench --bench interop   # the import stages only
//!
//! It writes synthetic files (made-up rows in ACLED's current layout and in a plain CSV) to
//! `target/bench/`, imports each into a fresh SQLite database, and times every stage apart:
//! parsing alone, parsing with validation, the store's import of ready rows (per batch and streamed),
//! and the whole `eventmap import` (the release binary, as users run it). Then it exports the database in every format, in
//! process and through the release binary (`eventmap export`, and `eventmap serve` for HTTP).

use std::io::Write;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use eventmap::domain::Vocabulary;
use eventmap::domain::filter::Format as OutFormat;
use eventmap::formats::{CollectionTail, Writer};
use eventmap::gazetteer::Gazetteer;
use eventmap::import::pipeline::{self, Checker, Quiet};
use eventmap::import::places::GazetteerPlaces;
use eventmap::import::{Format, ImportOptions, ParseOptions};
use eventmap::store::{Actor, ImportChunk, ImportItem};
use futures::StreamExt;

/// Made-up places: name, admin1, country name, ISO numeric, lon, lat.
const PLACES: [(&str, &str, &str, u16, f64, f64); 12] = [
    ("Tartus", "Tartus", "Syria", 760, 35.8866, 34.8890),
    ("Latakia", "Lattakia", "Syria", 760, 35.7796, 35.5317),
    ("Jableh", "Lattakia", "Syria", 760, 35.9256, 35.3610),
    ("Homs", "Homs", "Syria", 760, 36.7235, 34.7324),
    ("Kharkiv", "Kharkivska", "Ukraine", 804, 36.2304, 49.9935),
    ("Kyiv", "Kyiv City", "Ukraine", 804, 30.5234, 50.4501),
    ("Odesa", "Odeska", "Ukraine", 804, 30.7233, 46.4825),
    ("Bamako", "Bamako", "Mali", 466, -8.0029, 12.6392),
    ("Gao", "Gao", "Mali", 466, -0.0447, 16.2717),
    ("Khartoum", "Khartoum", "Sudan", 729, 32.5599, 15.5007),
    ("Mosul", "Ninewa", "Iraq", 368, 43.1189, 36.3350),
    ("Aden", "Aden", "Yemen", 887, 45.0367, 12.7855),
];

const TYPES: [(&str, &str); 6] = [
    ("Battles", "Armed clash"),
    ("Explosions/Remote violence", "Air/drone strike"),
    ("Explosions/Remote violence", "Shelling/artillery/missile attack"),
    ("Protests", "Peaceful protest"),
    ("Violence against civilians", "Attack"),
    ("Strategic developments", "Arrests"),
];

fn acled_file(path: &Path, n: usize) {
    let mut w = csv::Writer::from_path(path).unwrap();
    w.write_record([
        "event_id_cnty",
        "event_date",
        "year",
        "time_precision",
        "disorder_type",
        "event_type",
        "sub_event_type",
        "actor1",
        "assoc_actor_1",
        "inter1",
        "actor2",
        "assoc_actor_2",
        "inter2",
        "interaction",
        "civilian_targeting",
        "iso",
        "region",
        "country",
        "admin1",
        "admin2",
        "admin3",
        "location",
        "latitude",
        "longitude",
        "geo_precision",
        "source",
        "source_scale",
        "notes",
        "fatalities",
        "tags",
        "timestamp",
    ])
    .unwrap();
    for i in 0..n {
        let p = PLACES[i % PLACES.len()];
        let t = TYPES[(i / 7) % TYPES.len()];
        let day = 1 + (i % 28);
        let month = 1 + (i / 28) % 12;
        let lat = p.5 + ((i % 97) as f64 - 48.0) * 0.001;
        let lon = p.4 + ((i % 89) as f64 - 44.0) * 0.001;
        w.write_record([
            format!("XBN{i}"),
            format!("{day:02} {} 2023", ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"][month - 1]),
            "2023".into(),
            ["1", "1", "1", "2", "3"][i % 5].into(),
            "Political violence".into(),
            t.0.into(),
            t.1.into(),
            format!("Fictional Group {}", i % 40),
            String::new(),
            "3".into(),
            format!("Fictional Group {}", (i + 7) % 40),
            String::new(),
            "3".into(),
            "33".into(),
            String::new(),
            p.3.to_string(),
            "Somewhere".into(),
            p.2.into(),
            p.1.into(),
            format!("{} district", p.0),
            String::new(),
            p.0.into(),
            format!("{lat:.4}"),
            format!("{lon:.4}"),
            ["1", "2", "3"][i % 3].into(),
            "Example Weekly; Sample Radio".into(),
            "National".into(),
            format!("On an invented day, fictional group {} and fictional group {} were reported in a made-up incident near {}; this synthetic note is about two hundred characters long so that rows weigh what real rows weigh.", i % 40, (i + 7) % 40, p.0),
            (i % 4).to_string(),
            String::new(),
            (1_700_000_000 + i).to_string(),
        ])
        .unwrap();
    }
    w.flush().unwrap();
}

fn csv_file(path: &Path, n: usize) {
    let mut w = csv::Writer::from_path(path).unwrap();
    w.write_record([
        "id",
        "title",
        "description",
        "category",
        "date",
        "place",
        "latitude",
        "longitude",
        "country",
        "source_url",
        "tags",
    ])
    .unwrap();
    for i in 0..n {
        let p = PLACES[i % PLACES.len()];
        w.write_record([
            format!("row-{i}"),
            format!("Made-up event {i} near {}", p.0),
            "A synthetic description of an invented event, a sentence or two long, as a spreadsheet row would have."
                .into(),
            ["armed clash", "protest", "shelling", "arrest", "other"][i % 5].into(),
            format!("2024-{:02}-{:02}", 1 + (i / 28) % 12, 1 + i % 28),
            p.0.into(),
            format!("{:.4}", p.5 + ((i % 97) as f64 - 48.0) * 0.001),
            format!("{:.4}", p.4 + ((i % 89) as f64 - 44.0) * 0.001),
            eventmap::import::countries::from_numeric(&p.3.to_string()).unwrap().into(),
            format!("https://news{}.example/report/{}", i % 50, i / 3),
            "synthetic|bench".into(),
        ])
        .unwrap();
    }
    w.flush().unwrap();
}

fn rate(n: u64, d: Duration) -> String {
    format!("{:.0}", n as f64 / d.as_secs_f64())
}

struct Row {
    what: String,
    figure: String,
    target: &'static str,
}

async fn import_stages(
    rows: &mut Vec<Row>,
    label: &str,
    format: Format,
    file: &Path,
    dir: &Path,
    checker: &Checker,
    n: u64,
) -> PathBuf {
    // Parsing alone.
    let t = Instant::now();
    let mut count = 0u64;
    let mut r = std::io::BufReader::with_capacity(256 * 1024, std::fs::File::open(file).unwrap());
    eventmap::import::parse(format, &mut r, &ParseOptions::default(), &mut |_, p| {
        assert!(p.is_ok());
        count += 1;
        ControlFlow::Continue(())
    })
    .unwrap();
    let parse = t.elapsed();
    assert_eq!(count, n);
    // Parsing and validation: what the pipeline does before the store.
    let t = Instant::now();
    let mut items: Vec<ImportItem> = Vec::with_capacity(n as usize);
    let mut r = std::io::BufReader::with_capacity(256 * 1024, std::fs::File::open(file).unwrap());
    eventmap::import::parse(format, &mut r, &ParseOptions::default(), &mut |_, p| {
        items.push(checker.check(format, p.unwrap().unwrap()).unwrap());
        ControlFlow::Continue(())
    })
    .unwrap();
    let check = t.elapsed();
    // The store alone, given ready rows in batches of 10,000: one transaction per batch, then
    // the streamed import the pipeline uses (one transaction for all).
    let fresh = |name: String| {
        let db = dir.join(name);
        for s in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{s}", db.display()));
        }
        format!("sqlite://{}", db.display())
    };
    let actor = Actor::new("bench");
    let store = eventmap::store::connect(&fresh(format!("interop-store-{label}.db"))).await.unwrap();
    let batches: Vec<Vec<ImportItem>> = items.chunks(10_000).map(|c| c.to_vec()).collect();
    let t = Instant::now();
    for batch in batches {
        store.import(batch, &actor).await.unwrap();
    }
    let store_batches = t.elapsed();
    drop(store);
    let store = eventmap::store::connect(&fresh(format!("interop-stream-{label}.db"))).await.unwrap();
    let (send, receive) = tokio::sync::mpsc::channel(1);
    let t = Instant::now();
    let feed = tokio::spawn(async move {
        while !items.is_empty() {
            let rest = items.split_off(items.len().min(10_000));
            send.send(ImportChunk::Rows(std::mem::replace(&mut items, rest))).await.unwrap();
        }
        send.send(ImportChunk::Commit).await.unwrap();
    });
    let streamed = store.import_stream(receive, &actor).await.unwrap().expect("committed");
    let store_stream = t.elapsed();
    feed.await.unwrap();
    assert_eq!(streamed.created, n);
    drop(store);
    // The whole `eventmap import`, as users run it: the release binary into a fresh database
    // (start-up, migrations and the final commit included), three times, the median reported.
    let db = dir.join(format!("interop-{label}.db"));
    let url = format!("sqlite://{}", db.display());
    let mut runs = Vec::new();
    for _ in 0..3 {
        for s in ["", "-wal", "-shm", "-journal"] {
            let _ = std::fs::remove_file(format!("{}{s}", db.display()));
        }
        let t = Instant::now();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_eventmap"))
            .args(["import", "--quiet", "--database", &url, "--format", format.as_str()])
            .arg(file)
            .env("EVENTMAP_LOG", "warn")
            .output()
            .unwrap();
        runs.push(t.elapsed());
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert!(stdout.contains(&format!(" {n} created")), "{stdout}");
    }
    runs.sort();
    let whole = runs[1];
    let store = eventmap::store::connect(&url).await.unwrap();
    let t = Instant::now();
    let again =
        pipeline::run(store.clone(), file, ImportOptions::default(), checker.clone(), Arc::new(Quiet), None, &actor)
            .await
            .unwrap();
    let reimport = t.elapsed();
    assert_eq!(again.unchanged, n);
    let t = Instant::now();
    let skip = ImportOptions { skip_invalid: true, ..Default::default() };
    pipeline::run(store.clone(), file, skip, checker.clone(), Arc::new(Quiet), None, &actor).await.unwrap();
    let one_pass = t.elapsed();
    let mb = std::fs::metadata(file).unwrap().len() as f64 / 1e6;
    rows.push(Row {
        what: format!("{label}: parse only ({mb:.0} MB)"),
        figure: format!("{} rows/s", rate(n, parse)),
        target: "",
    });
    rows.push(Row {
        what: format!("{label}: parse + validate"),
        figure: format!("{} rows/s", rate(n, check)),
        target: "",
    });
    rows.push(Row {
        what: format!("{label}: store.import of validated rows, one transaction per 10,000"),
        figure: format!("{} rows/s", rate(n, store_batches)),
        target: "",
    });
    rows.push(Row {
        what: format!("{label}: store.import_stream of validated rows (batches of 10,000, one transaction)"),
        figure: format!("{} rows/s", rate(n, store_stream)),
        target: "",
    });
    rows.push(Row {
        what: format!("**{label}: `eventmap import`, new database (release binary, median of 3)**"),
        figure: format!(
            "**{} rows/s** ({:.2} s; runs {})",
            rate(n, whole),
            whole.as_secs_f64(),
            runs.iter().map(|d| format!("{:.2} s", d.as_secs_f64())).collect::<Vec<_>>().join(", ")
        ),
        target: "> 50,000 rows/s",
    });
    rows.push(Row {
        what: format!("{label}: re-import, every row unchanged"),
        figure: format!("{} rows/s", rate(n, reimport)),
        target: "",
    });
    rows.push(Row {
        what: format!("{label}: `--skip-invalid`, every row unchanged"),
        figure: format!("{} rows/s", rate(n, one_pass)),
        target: "",
    });
    db
}

#[tokio::main]
async fn main() {
    let n: usize = std::env::var("EVENTMAP_BENCH_ROWS").ok().and_then(|v| v.parse().ok()).unwrap_or(200_000);
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench");
    std::fs::create_dir_all(&dir).unwrap();
    println!(
        "eventmap interop benchmark: {n} rows, {} cores",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
    );
    let g = Arc::new(Gazetteer::load_embedded().unwrap());
    let checker = Checker { vocab: Arc::new(Vocabulary::default()), places: Arc::new(GazetteerPlaces(g)) };
    let acled = dir.join(format!("interop-acled-{n}.csv"));
    let plain = dir.join(format!("interop-plain-{n}.csv"));
    if !acled.exists() {
        acled_file(&acled, n);
    }
    if !plain.exists() {
        csv_file(&plain, n);
    }
    let mut rows = Vec::new();
    let db = import_stages(&mut rows, "ACLED", Format::Acled, &acled, &dir, &checker, n as u64).await;
    import_stages(&mut rows, "CSV", Format::Csv, &plain, &dir, &checker, n as u64).await;
    if std::env::var_os("EVENTMAP_BENCH_IMPORT_ONLY").is_some() {
        print_table(n, rows);
        return;
    }

    // Exports, in process: every row read from the store and written in each format.
    let url = format!("sqlite://{}", db.display());
    let store = eventmap::store::connect(&url).await.unwrap();
    for format in [OutFormat::Geojson, OutFormat::Csv, OutFormat::Ndjson, OutFormat::Kml] {
        let t = Instant::now();
        let mut w = Writer::new(format);
        let mut buf = Vec::with_capacity(1 << 16);
        let mut sink = std::io::sink();
        w.head(&mut buf);
        let mut all = eventmap::store::all_rows(store.clone(), Default::default(), Default::default(), 5000);
        let mut count = 0u64;
        while let Some(r) = all.next().await {
            w.row(&r.unwrap(), &mut buf);
            count += 1;
            if buf.len() > 1 << 16 {
                sink.write_all(&buf).unwrap();
                buf.clear();
            }
        }
        w.tail(&CollectionTail::default(), &mut buf);
        let d = t.elapsed();
        assert_eq!(count, n as u64);
        rows.push(Row {
            what: format!("export {format:?}, in process (store + writer)"),
            figure: format!("{} events/s", rate(count, d)),
            target: "> 100,000 events/s",
        });
    }
    drop(store);

    // Exports through the release binary: `eventmap export` and `eventmap serve`.
    let bin = env!("CARGO_BIN_EXE_eventmap");
    for f in ["geojson", "csv", "ndjson", "kml"] {
        let t = Instant::now();
        let out = std::process::Command::new(bin)
            .args(["export", "--database", &url, "--format", f, "--output", "/dev/null"])
            .env("EVENTMAP_LOG", "warn")
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        rows.push(Row {
            what: format!("`eventmap export --format {f}` (whole process, incl. start-up)"),
            figure: format!("{} events/s", rate(n as u64, t.elapsed())),
            target: "> 100,000 events/s",
        });
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut child = std::process::Command::new(bin)
        .args(["serve", "--database", &url, "--listen", &format!("127.0.0.1:{port}")])
        .env("EVENTMAP_LOG", "warn")
        .spawn()
        .unwrap();
    let client = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    let t = Instant::now();
    while client.get(format!("{base}/readyz")).send().await.map(|r| !r.status().is_success()).unwrap_or(true) {
        assert!(t.elapsed() < Duration::from_secs(30), "the server did not start");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    for f in ["csv", "ndjson", "kml"] {
        let t = Instant::now();
        let mut resp = client.get(format!("{base}/api/events?format={f}")).send().await.unwrap();
        assert!(resp.status().is_success());
        let mut bytes = 0usize;
        while let Some(chunk) = resp.chunk().await.unwrap() {
            bytes += chunk.len();
        }
        rows.push(Row {
            what: format!("`GET /api/events?format={f}` ({} MB)", bytes / 1_000_000),
            figure: format!("{} events/s", rate(n as u64, t.elapsed())),
            target: "> 100,000 events/s",
        });
    }
    let _ = child.kill();
    let _ = child.wait();
    print_table(n, rows);
}

fn print_table(n: usize, rows: Vec<Row>) {
    println!();
    println!("| measure ({n} rows) | figure | target |");
    println!("|---|---|---|");
    for r in rows {
        println!("| {} | {} | {} |", r.what, r.figure, r.target);
    }
}
