//! Captures end to end, on both backends, against pages a server started by the test serves on
//! 127.0.0.1 (allowed by name, as `--allow-host 127.0.0.1` does): an HTML page, a redirect chain
//! to it, a 404, a slow page, an endless one, and a redirect to `localhost` (and a source on
//! `localhost` itself), which resolves to a loopback address that is not allowed and so must
//! never be reached. Each source ends in the state it should, with the page's SHA-256 and its
//! redirect hops, served back in a sandbox and as a WARC (every hop a request and response pair)
//! that warcio reads; an event's captures come in one answer; the bytes outlive the page and the
//! store, and a queued capture outlives the worker.
//!
//! The tests drive the worker round by round (`Worker::tick`), as the webhook tests do.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use eventmap::api::ApiConfig;
use eventmap::capture::{CaptureConfig, Worker};
use eventmap::domain::capture::sha256_hex;
use eventmap::domain::follow::Backoff;
use eventmap::outbound::{Client, Limits, Policy};
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, backends, tartus_event};

const PAGE: &str = "<!doctype html><title>Convoy</title><p>A convoy left Hmeimim for Tartus.</p>\
                    <script>document.title = 'ran'</script>";

/// The body of the chain's second redirect (the first has none).
const REDIRECT_BODY: &str = "Moved to /page.html";

/// What the pages' server saw.
#[derive(Clone, Default)]
struct Seen {
    secret: Arc<AtomicUsize>,
    page: Arc<AtomicUsize>,
    dead: Arc<AtomicBool>,
    port: Arc<AtomicUsize>,
}

async fn page(State(s): State<Seen>) -> Response {
    s.page.fetch_add(1, Ordering::SeqCst);
    if s.dead.load(Ordering::SeqCst) {
        return (StatusCode::NOT_FOUND, "taken down").into_response();
    }
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], PAGE).into_response()
}

fn redirect(to: String) -> Response {
    (StatusCode::FOUND, [(header::LOCATION, to)]).into_response()
}

/// Starts the pages' server; returns what it saw and its base URL.
async fn pages() -> (Seen, String) {
    let seen = Seen::default();
    let app = axum::Router::new()
        .route("/page.html", axum::routing::get(page))
        .route("/r1", axum::routing::get(|| async { redirect("/r2".into()) }))
        .route(
            "/r2",
            axum::routing::get(|| async {
                (StatusCode::MOVED_PERMANENTLY, [(header::LOCATION, "/page.html")], REDIRECT_BODY).into_response()
            }),
        )
        .route("/missing", axum::routing::get(|| async { (StatusCode::NOT_FOUND, "no such page") }))
        .route(
            "/slow",
            axum::routing::get(|| async {
                tokio::time::sleep(Duration::from_secs(5)).await;
                "late"
            }),
        )
        .route(
            "/endless",
            axum::routing::get(|| async {
                let chunk = bytes::Bytes::from(vec![b'x'; 16 * 1024]);
                let s = futures::stream::repeat_with(move || Ok::<_, std::io::Error>(chunk.clone()));
                axum::body::Body::from_stream(s)
            }),
        )
        .route(
            "/to-private",
            axum::routing::get(|State(s): State<Seen>| async move {
                redirect(format!("http://localhost:{}/secret", s.port.load(Ordering::SeqCst)))
            }),
        )
        .route(
            "/secret",
            axum::routing::get(|State(s): State<Seen>| async move {
                s.secret.fetch_add(1, Ordering::SeqCst);
                "internal"
            }),
        )
        .with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    seen.port.store(addr.port() as usize, Ordering::SeqCst);
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (seen, format!("http://127.0.0.1:{}", addr.port()))
}

fn config() -> ApiConfig {
    ApiConfig { outbound_hosts: vec!["127.0.0.1".into()], capture: true, ..Default::default() }
}

/// A worker with a 64 KiB limit, a one-second total timeout and one retry after 50 ms.
fn worker(store: eventmap::store::DynStore) -> Worker {
    let limits = Limits {
        user_agent: "eventmap-test".into(),
        connect_timeout: Duration::from_secs(1),
        total_timeout: Duration::from_secs(1),
        body_limit: 64 * 1024,
        max_redirects: 5,
    };
    let client = Client::new(Policy::new(["127.0.0.1"]), limits).unwrap();
    let config = CaptureConfig { backoff: Backoff(vec![Duration::from_millis(50)]), ..Default::default() };
    Worker::new(store, client, config)
}

/// Runs rounds until no capture of `sources` is queued (or 30 s pass); returns each source.
async fn settle(app: &TestApp, w: &Worker, sources: &[String]) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        w.tick().await.unwrap();
        let mut got = Vec::new();
        for id in sources {
            got.push(app.get(&format!("/api/sources/{id}")).await.expect(200).json());
        }
        let queued = got.iter().any(|s| s["captures"].as_array().unwrap().iter().any(|c| c["state"] == "queued"));
        if !queued || Instant::now() > deadline {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(60)).await;
    }
}

/// Reads a WARC with warcio (PyPI), checking its digests; `None` (skipped) when it is not
/// installed and not required.
fn warcio(warc: &[u8]) -> Option<Value> {
    let required = std::env::var("EVENTMAP_REQUIRE_WARCIO").is_ok_and(|v| v == "1" || v == "true");
    let python = std::env::var("EVENTMAP_WARCIO_PYTHON")
        .ok()
        .filter(|p| !p.is_empty())
        .unwrap_or("/var/cache/eventmap-ci/warcio-venv/bin/python".into());
    let script = r#"
import hashlib, json, sys
from warcio.archiveiterator import ArchiveIterator
out = []
for r in ArchiveIterator(sys.stdin.buffer, check_digests='raise'):
    body = r.content_stream().read()
    out.append({"type": r.rec_type, "uri": r.rec_headers.get_header("WARC-Target-URI"),
                "payload": r.rec_headers.get_header("WARC-Payload-Digest"),
                "status": r.http_headers.get_statuscode() if r.rec_type == "response" else None,
                "sha256": hashlib.sha256(body).hexdigest()})
print(json.dumps(out))
"#;
    use std::io::Write;
    let child = std::process::Command::new(&python)
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => {
            assert!(!required, "EVENTMAP_REQUIRE_WARCIO=1 but {python} cannot run: {e}");
            eprintln!("skipped: {python} cannot run (set EVENTMAP_WARCIO_PYTHON)");
            return None;
        }
    };
    child.stdin.take().unwrap().write_all(warc).unwrap();
    let out = child.wait_with_output().unwrap();
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!required && err.contains("No module named"), "warcio failed: {err}");
        eprintln!("skipped: warcio is not installed for {python} (set EVENTMAP_WARCIO_PYTHON)");
        return None;
    }
    Some(serde_json::from_slice(&out.stdout).expect("warcio's summary is JSON"))
}

fn source_ids(event: &Value) -> Vec<String> {
    event["properties"]["sources"].as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap().to_string()).collect()
}

fn only_capture(source: &Value) -> &Value {
    let c = source["captures"].as_array().unwrap();
    assert_eq!(c.len(), 1, "one capture expected: {source:#}");
    &c[0]
}

#[tokio::test]
async fn each_kind_of_page_ends_as_it_should_and_a_private_address_is_never_reached() {
    for backend in backends() {
        let app = TestApp::on_with(&backend, config()).await;
        let (seen, base) = pages().await;
        let urls = ["/page.html", "/r1", "/missing", "/slow", "/endless", "/to-private"];
        let mut ev = tartus_event("Convoy held at the checkpoint");
        let mut sources: Vec<Value> = urls.iter().map(|u| json!({"url": format!("{base}{u}")})).collect();
        sources.push(json!({"url": "http://10.1.2.3/internal"}));
        // The pages' own server by a name that is not allowed: refused before any connection.
        sources.push(json!({"url": format!("{}/secret", base.replace("127.0.0.1", "localhost"))}));
        ev["sources"] = Value::Array(sources);
        let created = app.create(ev).await;
        let ids = source_ids(&created);
        assert_eq!(ids.len(), 8);
        let w = worker(app.store.clone());
        let started = Instant::now();
        let got = settle(&app, &w, &ids).await;
        let took = started.elapsed();
        let caps: Vec<&Value> = got.iter().map(only_capture).collect();
        let want = sha256_hex(PAGE.as_bytes());

        let page = caps[0];
        assert_eq!(page["state"], "captured", "{page:#}");
        assert_eq!(page["sha256"], want.as_str());
        assert_eq!(page["bytes"], PAGE.len());
        assert_eq!(page["status"], 200);
        assert_eq!(page["content_type"], "text/html; charset=utf-8");
        assert!(page["captured_at"].as_str().is_some());

        assert_eq!(page["hops"], json!([]), "the page answered itself");

        let chain = caps[1];
        assert_eq!(chain["state"], "captured", "{chain:#}");
        assert_eq!(chain["final_url"], format!("{base}/page.html"));
        assert_eq!(chain["sha256"], want.as_str(), "the same page by another way has the same hash");
        assert_eq!(
            chain["hops"],
            json!([{"url": format!("{base}/r1"), "status": 302, "location": "/r2"},
                   {"url": format!("{base}/r2"), "status": 301, "location": "/page.html"}]),
            "each hop of the chain, in order"
        );

        assert_eq!(caps[2]["state"], "failed", "{:#}", caps[2]);
        assert_eq!(caps[2]["status"], 404);
        assert!(caps[2]["reason"].as_str().unwrap().contains("404"));
        assert!(caps[2]["sha256"].is_null());

        assert_eq!(caps[3]["state"], "failed", "{:#}", caps[3]);
        assert_eq!(caps[3]["attempts"], 2, "a timeout is tried again, then given up");
        assert!(caps[3]["reason"].as_str().unwrap().contains("gave up after 2 attempts"), "{:#}", caps[3]);

        assert_eq!(caps[4]["state"], "failed", "{:#}", caps[4]);
        assert!(caps[4]["reason"].as_str().unwrap().contains("larger than 65536 bytes"), "{:#}", caps[4]);

        for c in [caps[5], caps[6], caps[7]] {
            assert_eq!(c["state"], "refused", "{c:#}");
            assert!(c["reason"].as_str().unwrap().contains("--allow-host"), "{c:#}");
            assert!(c["status"].is_null() && c["sha256"].is_null(), "{c:#}");
        }
        assert!(caps[7]["reason"].as_str().unwrap().starts_with("localhost is a loopback"), "{:#}", caps[7]);
        assert_eq!(seen.secret.load(Ordering::SeqCst), 0, "the private address was reached");
        eprintln!("{}: eight sources settled in {} ms", backend.name(), took.as_millis());

        // The event's captures in one answer: each source's, as its own GET gives them.
        let eid = created["id"].as_str().unwrap();
        let grouped = app.get(&format!("/api/events/{eid}/captures")).await.expect(200).json();
        assert_eq!(grouped["event"], eid);
        let keys: Vec<&String> = grouped["sources"].as_object().unwrap().keys().collect();
        assert_eq!(keys, ids.iter().collect::<Vec<_>>(), "every source, in the event's order");
        for (id, s) in ids.iter().zip(&got) {
            assert_eq!(grouped["sources"][id], s["captures"], "source {id}");
        }
        app.get("/api/events/0190f5c2-0000-7000-8000-000000000000/captures").await.problem(404, "not-found");

        // The bytes as kept, in a sandbox, never as active content of eventmap's origin.
        let view = app.get(&format!("/api/sources/{}/captures/{}", ids[0], page["id"].as_str().unwrap())).await;
        view.expect(200);
        assert_eq!(view.text, PAGE);
        assert!(view.header("content-security-policy").starts_with("sandbox"), "{view}");
        assert!(!view.header("content-security-policy").contains("allow-scripts"));
        assert_eq!(view.header("x-content-type-options"), "nosniff");
        assert_eq!(view.header("x-eventmap-sha256"), want);
        app.get(&format!("/api/sources/{}/captures/{}", ids[2], caps[2]["id"].as_str().unwrap()))
            .await
            .problem(404, "not-found");
    }
}

#[tokio::test]
async fn a_redirected_capture_is_a_warc_of_every_hop_that_warcio_reads_with_matching_digests() {
    for backend in backends() {
        let app = TestApp::on_with(&backend, config()).await;
        let (_, base) = pages().await;
        let mut ev = tartus_event("Convoy");
        ev["sources"] = json!([{"url": format!("{base}/r1")}]);
        let ids = source_ids(&app.create(ev).await);
        let got = settle(&app, &worker(app.store.clone()), &ids).await;
        let c = only_capture(&got[0]);
        let r = app
            .client
            .get(format!("{}/api/sources/{}/captures/{}.warc", app.base, ids[0], c["id"].as_str().unwrap()))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-type"], "application/warc");
        let warc = r.bytes().await.unwrap();
        let Some(records) = warcio(&warc) else { return };
        let want = sha256_hex(PAGE.as_bytes());
        let seen: Vec<(&str, &str, &Value)> = records
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r["type"].as_str().unwrap(), r["uri"].as_str().unwrap_or(""), &r["status"]))
            .collect();
        let (r1, r2, page) = (format!("{base}/r1"), format!("{base}/r2"), format!("{base}/page.html"));
        let none = Value::Null;
        let (s302, s301, s200) = (json!("302"), json!("301"), json!("200"));
        assert_eq!(
            seen,
            [
                ("warcinfo", "", &none),
                ("request", r1.as_str(), &none),
                ("response", r1.as_str(), &s302),
                ("request", r2.as_str(), &none),
                ("response", r2.as_str(), &s301),
                ("request", page.as_str(), &none),
                ("response", page.as_str(), &s200),
            ],
            "{records:#}"
        );
        let hop = &records[4];
        assert_eq!(hop["sha256"], sha256_hex(REDIRECT_BODY.as_bytes()), "the redirect's body as received");
        assert_eq!(hop["payload"], format!("sha256:{}", sha256_hex(REDIRECT_BODY.as_bytes())));
        let resp = &records[6];
        assert_eq!(resp["sha256"], want.as_str(), "warcio's payload is the page");
        assert_eq!(resp["payload"], format!("sha256:{want}"));
        assert_eq!(resp["payload"], format!("sha256:{}", c["sha256"].as_str().unwrap()), "the hash the API shows");
    }
}

#[tokio::test]
async fn captures_outlive_the_page_and_the_store_and_a_queued_one_outlives_its_worker() {
    for backend in backends() {
        let app = TestApp::on_with(&backend, config()).await;
        let (seen, base) = pages().await;
        let mut ev = tartus_event("Convoy");
        ev["sources"] = json!([{"url": format!("{base}/page.html")}]);
        let ids = source_ids(&app.create(ev).await);
        let first = settle(&app, &worker(app.store.clone()), &ids).await;
        let sha = only_capture(&first[0])["sha256"].as_str().unwrap().to_string();

        // The page dies; an editor asks for a capture again; nobody fetches it yet.
        seen.dead.store(true, Ordering::SeqCst);
        let queued =
            app.send(Method::POST, &format!("/api/sources/{}/captures", ids[0]), Some(&app.editor), None).await;
        queued.expect(202);
        assert_eq!(queued.json()["state"], "queued");
        app.send(Method::POST, &format!("/api/sources/{}/captures", ids[0]), None, None)
            .await
            .problem(401, "unauthorized");

        // A new process: a new store on the same database, and a new worker.
        let reopened = eventmap::store::connect(app.database_url()).await.unwrap();
        let sid = uuid::Uuid::parse_str(&ids[0]).unwrap();
        let before = reopened.captures(sid).await.unwrap();
        assert_eq!(before.len(), 2);
        assert_eq!(reopened.capture_bytes(&sha).await.unwrap().as_deref(), Some(PAGE.as_bytes()));
        let w = worker(reopened.clone());
        let deadline = Instant::now() + Duration::from_secs(10);
        while reopened.captures(sid).await.unwrap().iter().any(|c| c.state.as_str() == "queued") {
            assert!(Instant::now() < deadline, "the queued capture was not taken up");
            w.tick().await.unwrap();
        }
        let after = reopened.captures(sid).await.unwrap();
        assert_eq!(after[0].sha256.as_deref(), Some(sha.as_str()), "the first capture is not overwritten");
        assert_eq!(after[1].state.as_str(), "failed");
        assert_eq!(after[1].status, Some(404));
        // The first capture is still served, though the page is gone.
        let view = app.get(&format!("/api/sources/{}/captures/{}", ids[0], after[0].id)).await;
        view.expect(200);
        assert_eq!(view.text, PAGE);
    }
}

#[tokio::test]
async fn the_same_bytes_are_kept_once_and_auto_archiver_captures_keep_their_hashes() {
    for backend in backends() {
        let app = TestApp::on_with(&backend, config()).await;
        let (_, base) = pages().await;
        let mut ev = tartus_event("Convoy");
        ev["sources"] = json!([{"url": format!("{base}/page.html")}, {"url": format!("{base}/r1")}]);
        let ids = source_ids(&app.create(ev).await);
        settle(&app, &worker(app.store.clone()), &ids).await;
        let counts = match &backend {
            Backend::Sqlite => {
                eventmap::store::sqlite::SqliteStore::open(app.database_url()).await.unwrap().counts().await.unwrap()
            }
            Backend::Postgres(_) => {
                eventmap::store::postgres::PgStore::open(app.database_url()).await.unwrap().counts().await.unwrap()
            }
        };
        assert_eq!(
            (counts.captures, counts.blobs),
            (2, 2),
            "two captures of one page keep its bytes once (and the chain's one redirect body)"
        );

        // Exports carry each source's latest capture: CSV columns, and fields of each source.
        let want = sha256_hex(PAGE.as_bytes());
        let csv = app.get("/api/events?format=csv").await.expect(200).text.clone();
        let mut r = ::csv::Reader::from_reader(csv.trim_start_matches('\u{feff}').as_bytes());
        let head = r.headers().unwrap().clone();
        let row = r.records().next().unwrap().unwrap();
        let col = |name: &str| row.get(head.iter().position(|h| h == name).unwrap()).unwrap().to_string();
        assert_eq!(col("source_sha256"), format!("{want} | {want}"), "{csv}");
        assert_eq!(col("source_captured_at").split(" | ").count(), 2, "{csv}");
        let nd = app.get("/api/events?format=ndjson").await.expect(200).text.clone();
        let f: Value = serde_json::from_str(nd.lines().next().unwrap()).unwrap();
        assert_eq!(f["properties"]["sources"][0]["sha256"], want.as_str(), "{nd}");
        let page = app.get("/api/events?captures=true").await.json();
        assert_eq!(page["features"][0]["properties"]["sources"][0]["sha256"], want.as_str(), "{page}");
        let plain = app.get("/api/events").await.json();
        assert!(
            plain["features"][0]["properties"]["sources"][0]["sha256"].is_null(),
            "a page is stored bytes by default"
        );
        app.get("/api/events?captures=yes").await.problem(400, "invalid-request");

        let sha = "3f2a9c1b5e7d8f60a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718";
        let at = chrono::DateTime::parse_from_rfc3339("2025-02-11T08:02:00Z").unwrap().to_utc();
        let row = |url: String| eventmap::store::captures::Imported {
            url,
            captured_at: at,
            sha256: sha.into(),
            archive_url: Some("https://archive.example/a.html".into()),
            origin: "auto-archiver".into(),
        };
        let rows = [row(format!("{base}/page.html")), row("https://nowhere.example/x".into())];
        assert_eq!(app.store.import_captures(&rows, "t").await.unwrap(), vec![Some(true), None]);
        assert_eq!(app.store.import_captures(&rows, "t").await.unwrap(), vec![Some(false), None], "twice is once");
        let s = app.get(&format!("/api/sources/{}", ids[0])).await.expect(200).json();
        let imported = s["captures"].as_array().unwrap().iter().find(|c| c["origin"] == "auto-archiver").unwrap();
        assert_eq!(imported["sha256"], sha);
        assert_eq!(imported["captured_at"], "2025-02-11T08:02:00Z");
        let none = app.get(&format!("/api/sources/{}/captures/{}", ids[0], imported["id"].as_str().unwrap())).await;
        let p = none.problem(404, "not-found");
        assert!(p["detail"].as_str().unwrap().contains("https://archive.example/a.html"), "{p:#}");
    }
}

#[tokio::test]
async fn without_capture_nothing_is_queued_and_unknown_sources_are_404() {
    let backend = backends().remove(0);
    let app = TestApp::on(&backend).await;
    let mut ev = tartus_event("Convoy");
    ev["sources"] = json!([{"url": "https://example.org/a"}]);
    let created = app.create(ev).await;
    let ids = source_ids(&created);
    let s = app.get(&format!("/api/sources/{}", ids[0])).await.expect(200).json();
    assert_eq!(s["url"], "https://example.org/a");
    assert_eq!(s["captures"], json!([]));
    let eid = created["id"].as_str().unwrap();
    let grouped = app.get(&format!("/api/events/{eid}/captures")).await.expect(200).json();
    assert_eq!(grouped["sources"], json!({ids[0].clone(): []}), "a source never captured has an empty list");
    app.send(Method::DELETE, &format!("/api/events/{eid}?reason=duplicate"), Some(&app.editor), None).await.expect(200);
    app.get(&format!("/api/events/{eid}/captures")).await.problem(410, "gone");
    app.get("/api/events/nope/captures").await.problem(404, "not-found");
    app.get("/api/sources/0190f5c2-0000-7000-8000-000000000000").await.problem(404, "not-found");
    app.get("/api/sources/nope").await.problem(404, "not-found");
}

#[tokio::test]
async fn a_report_posted_with_a_link_ends_within_seconds_with_a_capture_of_the_page() {
    for backend in backends() {
        let app = TestApp::on_with(&backend, config()).await;
        let (seen, base) = pages().await;
        let report = json!({"url": format!("{base}/page.html"), "create": true, "published_at": "2025-02-11T09:00:00Z",
            "text": "A Russian convoy of about 30 military trucks left Latakia for Tartus on Monday."});
        let started = Instant::now();
        let out = app.send(Method::POST, "/api/reports", Some(&app.editor), Some(report)).await;
        out.expect(201);
        let eid = out.json()["drafts"][0]["event_id"].as_str().unwrap().to_string();
        let event = app.get(&format!("/api/events/{eid}")).await.expect(200).json();
        let ids = source_ids(&event);
        let got = settle(&app, &worker(app.store.clone()), &ids).await;
        let c = only_capture(&got[0]);
        assert_eq!(c["state"], "captured", "{c:#}");
        assert_eq!(c["sha256"], sha256_hex(PAGE.as_bytes()), "the page's own hash");
        assert_eq!(seen.page.load(Ordering::SeqCst), 1);
        eprintln!("{}: report posted to page captured in {} ms", backend.name(), started.elapsed().as_millis());
    }
}
