//! Real OGC API – Features clients against the real server: GDAL's `ogrinfo` and `ogr2ogr`
//! (the `OAPIF` driver, Debian's `gdal-bin`) and the PyPI client `owslib`, each reading a seeded
//! database (every feature, through paging, and filtered selections) and seeing the counts the
//! API reports; and `ogr2ogr` writing each kind of geometry to a Shapefile of its own.
//!
//! When a client is missing these tests say "skipped: ..." and pass, unless
//! `EVENTMAP_REQUIRE_OGC_CLIENTS=1` (as in CI). `EVENTMAP_OWSLIB_PYTHON` names the Python that has
//! owslib (default `python3`).

use std::net::SocketAddr;
use std::process::Command;
use std::sync::Arc;

use eventmap::api::{ApiConfig, AppState, router};
use eventmap::domain::{EventInput, Vocabulary};
use eventmap::gazetteer::Gazetteer;
use eventmap::store::{Actor, ImportItem};
use serde_json::{Value, json};

/// Events in the seeded database: more than two pages of GDAL's and owslib's page sizes.
const EVENTS: usize = 2345;

fn required() -> bool {
    std::env::var("EVENTMAP_REQUIRE_OGC_CLIENTS").is_ok_and(|v| v == "1" || v.eq_ignore_ascii_case("true"))
}

/// Whether a client can run; says why not (or fails when clients are required).
fn available(what: &str, cmd: &mut Command) -> bool {
    let ok = cmd.output().map(|o| o.status.success()).unwrap_or(false);
    if !ok {
        assert!(!required(), "EVENTMAP_REQUIRE_OGC_CLIENTS=1, but {what} cannot be run");
        eprintln!("skipped: {what} is not installed");
    }
    ok
}

fn python() -> String {
    std::env::var("EVENTMAP_OWSLIB_PYTHON").ok().filter(|p| !p.is_empty()).unwrap_or_else(|| "python3".into())
}

/// The kind of geometry of made-up event `i`: a route from Kharkiv to Izium for every sixth
/// (`i % 6 == 3`, all odd), Tartus and Latakia together for every tenth (`i % 10 == 4`, all even),
/// else a point.
fn kind_of(i: usize) -> &'static str {
    if i % 6 == 3 {
        "line"
    } else if i % 10 == 4 {
        "multipoint"
    } else {
        "point"
    }
}

/// A server on port 0 over a fresh SQLite database holding [`EVENTS`] made-up events: every
/// seventh a protest, the rest armed clashes, at Tartus (even) or Kharkiv (odd), over 2025; of
/// the kind of geometry [`kind_of`] says.
struct Server {
    base: String,
    _dir: tempfile::TempDir,
}

async fn server() -> Server {
    let dir = tempfile::tempdir().unwrap();
    let store = eventmap::store::connect(&format!("sqlite://{}", dir.path().join("ogc.db").display())).await.unwrap();
    let vocab = Vocabulary::default();
    let mut items = Vec::with_capacity(EVENTS);
    for i in 0..EVENTS {
        let (name, lon, lat, cc) =
            if i % 2 == 0 { ("Tartus", 35.8866, 34.889, "SY") } else { ("Kharkiv", 36.2304, 49.9935, "UA") };
        let day = chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap() + chrono::Duration::days((i % 365) as i64);
        let here = json!({"name": name, "lon": lon + (i % 10) as f64 * 0.001, "lat": lat, "country": cc});
        let places = match kind_of(i) {
            "line" => {
                let mut origin = here.clone();
                origin["role"] = json!("origin");
                json!([origin, {"name": "Izium", "role": "destination", "lon": 37.2556, "lat": 49.2128, "country": "UA"}])
            }
            "multipoint" => json!([here, {"name": "Latakia", "lon": 35.7796, "lat": 35.5317, "country": "SY"}]),
            _ => json!([here]),
        };
        let input = EventInput::from_json(json!({
            "title": format!("Made-up event {i}"), "start": day.to_string(),
            "category": if i % 7 == 0 { "protest" } else { "armed clash" },
            "places": places,
            "sources": [{"url": format!("https://example.org/ogc/{i}")}],
        }))
        .unwrap();
        items.push(ImportItem {
            id: eventmap::import::key_id(&format!("ogc-test:{i}")),
            data: input.validate(&vocab).unwrap(),
        });
    }
    store.import(items, &Actor::new("test")).await.unwrap();
    let g = Arc::new(Gazetteer::load_embedded().unwrap());
    let state = AppState::new(store, g, vocab, ApiConfig::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, router(state).into_make_service_with_connect_info::<SocketAddr>()).await.unwrap();
    });
    Server { base: format!("http://{addr}"), _dir: dir }
}

async fn matched(base: &str, query: &str) -> u64 {
    let v: Value =
        reqwest::get(format!("{base}/ogc/collections/events/items?{query}")).await.unwrap().json().await.unwrap();
    v["numberMatched"].as_u64().unwrap()
}

/// Runs a command on a blocking thread (the server answers on the runtime meanwhile).
async fn run(mut cmd: Command) -> (bool, String, String) {
    tokio::task::spawn_blocking(move || {
        let o = cmd.output().expect("the command runs");
        (
            o.status.success(),
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gdal_reads_every_feature_through_paging_and_filters_by_bbox() {
    if !available("GDAL's ogrinfo (apt-get install gdal-bin)", Command::new("ogrinfo").arg("--version")) {
        return;
    }
    let s = server().await;
    let source = format!("OAPIF:{}/ogc", s.base);

    let mut info = Command::new("ogrinfo");
    info.args(["-ro", "-al", "-so", &source]).env("GDAL_HTTP_TIMEOUT", "60");
    let (ok, out, err) = run(info).await;
    assert!(ok, "ogrinfo failed:\n{out}\n{err}");
    assert!(out.contains("Layer name: events"), "{out}");
    assert!(out.contains(&format!("Feature Count: {EVENTS}")), "{out}");

    let dir = tempfile::tempdir().unwrap();
    let all = dir.path().join("all.geojson");
    let mut copy = Command::new("ogr2ogr");
    copy.args(["-f", "GeoJSON", all.to_str().unwrap(), &source, "events"]);
    let (ok, out, err) = run(copy).await;
    assert!(ok, "ogr2ogr failed:\n{out}\n{err}");
    let v: Value = serde_json::from_slice(&std::fs::read(&all).unwrap()).unwrap();
    let features = v["features"].as_array().unwrap();
    assert_eq!(features.len(), EVENTS, "every feature, through the next links");
    let titles: std::collections::HashSet<&str> =
        features.iter().map(|f| f["properties"]["title"].as_str().unwrap()).collect();
    assert_eq!(titles.len(), EVENTS, "none twice");
    assert_eq!(matched(&s.base, "").await, EVENTS as u64);

    let some = dir.path().join("tartus.geojson");
    let mut copy = Command::new("ogr2ogr");
    copy.args(["-f", "GeoJSON", "-spat", "35", "34", "36.5", "35.5", some.to_str().unwrap(), &source, "events"]);
    let (ok, out, err) = run(copy).await;
    assert!(ok, "ogr2ogr -spat failed:\n{out}\n{err}");
    let v: Value = serde_json::from_slice(&std::fs::read(&some).unwrap()).unwrap();
    let n = v["features"].as_array().unwrap().len() as u64;
    assert_eq!(n, matched(&s.base, "bbox=35,34,36.5,35.5").await);
    assert_eq!(n, EVENTS.div_ceil(2) as u64);
}

/// Reads the conformance, the collections and filtered items with owslib; prints JSON.
const OWSLIB_SCRIPT: &str = r#"
import json, sys
from owslib.ogcapi.features import Features
api = Features(sys.argv[1])
out = {"conformsTo": api.conformance()["conformsTo"],
       "collections": [c["id"] for c in api.collections()["collections"]]}
items = api.collection_items("events", bbox=[35, 34, 36.5, 35.5], datetime_="2025-03-01/..", category="protest", limit=10000)
out["numberMatched"] = items["numberMatched"]
out["returned"] = len(items["features"])
page = api.collection_items("events", limit=100)
out["page"] = [len(page["features"]), page["numberMatched"], [l["rel"] for l in page["links"]]]
one = api.collection_item("events", page["features"][0]["id"])
out["item"] = one["id"] == page["features"][0]["id"]
print(json.dumps(out))
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn owslib_reads_filtered_items_with_the_counts_of_the_api() {
    if !available("Python's owslib (pip install owslib)", Command::new(python()).args(["-c", "import owslib"])) {
        return;
    }
    let s = server().await;
    let mut py = Command::new(python());
    py.args(["-c", OWSLIB_SCRIPT, &format!("{}/ogc", s.base)]);
    let (ok, out, err) = run(py).await;
    assert!(ok, "the owslib script failed:\n{out}\n{err}");
    let v: Value = serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert!(v["conformsTo"].as_array().unwrap().iter().any(|c| c.as_str().unwrap().ends_with("/conf/geojson")));
    assert_eq!(v["collections"], json!(["events"]));
    let api = matched(&s.base, "bbox=35,34,36.5,35.5&datetime=2025-03-01/..&category=protest").await;
    assert!(api > 0);
    assert_eq!(v["numberMatched"], api);
    assert_eq!(v["returned"], api);
    assert_eq!(v["page"][0], 100);
    assert_eq!(v["page"][1], EVENTS);
    assert!(v["page"][2].as_array().unwrap().contains(&json!("next")));
    assert_eq!(v["item"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gdal_writes_each_kind_of_geometry_to_a_shapefile_of_its_own() {
    if !available("GDAL's ogr2ogr (apt-get install gdal-bin)", Command::new("ogr2ogr").arg("--version")) {
        return;
    }
    let s = server().await;
    let dir = tempfile::tempdir().unwrap();
    // A Shapefile holds one kind of geometry: the whole collection, points and lines mixed, does
    // not fit one (GDAL stops at the first feature of another kind), and each kind read alone does.
    let mut all = Command::new("ogr2ogr");
    all.args(["-f", "ESRI Shapefile", dir.path().join("all").to_str().unwrap(), &format!("OAPIF:{}/ogc", s.base)])
        .args(["events"])
        .env("GDAL_HTTP_TIMEOUT", "60");
    let (ok, _, err) = run(all).await;
    assert!(!ok, "the seeded events mix kinds of geometry, which no Shapefile holds: {err}");
    for (kind, shapefile_type) in [("line", "Line String"), ("point", "Point"), ("multipoint", "Multi Point")] {
        let want = (0..EVENTS).filter(|&i| kind_of(i) == kind).count();
        assert!(want > 100, "the seeded data has {kind}s");
        assert_eq!(matched(&s.base, &format!("geometry_type={kind}")).await, want as u64);
        let out = dir.path().join(kind);
        let mut copy = Command::new("ogr2ogr");
        copy.args([
            "-f",
            "ESRI Shapefile",
            out.to_str().unwrap(),
            &format!("OAPIF:{}/ogc?geometry_type={kind}", s.base),
        ])
        .args(["events"])
        .env("GDAL_HTTP_TIMEOUT", "60");
        let (ok, stdout, err) = run(copy).await;
        assert!(ok, "ogr2ogr to a Shapefile of {kind}s failed:\n{stdout}\n{err}");
        let mut info = Command::new("ogrinfo");
        info.args(["-ro", "-so", out.join("events.shp").to_str().unwrap(), "events"]);
        let (ok, stdout, err) = run(info).await;
        assert!(ok, "ogrinfo failed:\n{stdout}\n{err}");
        assert!(stdout.contains(&format!("Geometry: {shapefile_type}\n")), "{kind}: {stdout}");
        assert!(stdout.contains(&format!("Feature Count: {want}\n")), "{kind}: {stdout}");
    }
}
