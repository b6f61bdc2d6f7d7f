//! Requests an attacker would send: a `Host` naming another server, an encoded body, a long URI
//! or large headers (over raw TCP, through the real listener), event ids in other spellings,
//! polygons that are not polygons; a request held up past the time limit; and every status the
//! middleware answers is in the OpenAPI document of the route.

use std::collections::BTreeMap;
use std::sync::Arc;

use eventmap::api::{ApiConfig, AppState, router};
use eventmap::domain::Vocabulary;
use reqwest::Method;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::{TestApp, backends, gazetteer, tartus_event};

/// The app's store served through `listen::serve`, the listener `eventmap serve` uses (hyper's
/// own limits included); its address.
pub async fn real_listener(app: &TestApp, config: ApiConfig) -> String {
    let g = Arc::new(gazetteer().fresh());
    let state = AppState::new(app.store.clone(), g, Vocabulary::default(), config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let limits = eventmap::api::listen::limits(None, Some(64), None);
    tokio::spawn(eventmap::api::listen::serve(listener, router(state), limits, std::future::pending()));
    addr
}

/// A raw response: status, lower-cased headers, body.
pub struct Raw {
    pub status: u16,
    pub headers: BTreeMap<String, String>,
    pub body: String,
}

impl Raw {
    #[track_caller]
    fn problem(&self, status: u16, slug: &str) -> Value {
        let show = format!("{} {:?}\n{}", self.status, self.headers, self.body);
        assert_eq!(self.status, status, "{show}");
        assert_eq!(self.headers.get("content-type").map(String::as_str), Some("application/problem+json"), "{show}");
        let v: Value = serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {show}"));
        assert_eq!(v["type"], format!("/problems/{slug}"), "{show}");
        v
    }
}

/// Sends `head` (and no body) on a new connection with `Connection: close`, reads the answer.
pub async fn raw(addr: &str, head: &str) -> Raw {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(head.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    // The server may close before it has read all of a large head: what it answered is kept.
    let _ = tokio::time::timeout(std::time::Duration::from_secs(30), s.read_to_end(&mut out)).await;
    let text = String::from_utf8_lossy(&out).to_string();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines.next().and_then(|l| l.split(' ').nth(1)).and_then(|c| c.parse().ok()).unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    // Problems come whole; a list comes in chunks, whose size lines are left in (only searched).
    Raw { status, headers, body: body.to_string() }
}

fn get(addr: &str, target: &str, extra: &str) -> String {
    format!("GET {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n{extra}\r\n")
}

#[tokio::test]
async fn a_host_that_is_not_this_servers_is_a_421_and_never_appears_in_a_link() {
    for backend in backends() {
        let app = TestApp::on(&backend).await;
        app.create(tartus_event("one")).await;
        app.create(tartus_event("two")).await;
        let evil = |path: &str| app.client.get(format!("{}{path}", app.base)).header("host", "evil.example");
        for path in ["/api/events?limit=1", "/ogc", "/ogc/collections/events/items?limit=1", "/"] {
            let g = TestApp::got(evil(path)).await;
            g.problem(421, "misdirected");
            assert!(!g.text.contains("evil.example/"), "{g}");
        }
        // Probes by address still answer.
        TestApp::got(evil("/healthz")).await.expect(200);
        // The server's own address makes links to itself.
        let g = app.get("/api/events?limit=1").await;
        assert!(g.text.contains(&format!("\"{}/api/events?", app.base)), "{g}");

        // With a public URL, links are made from it whatever the Host says.
        let config = ApiConfig { public_url: Some("https://events.example.org".into()), ..Default::default() };
        let addr = real_listener(&app, config).await;
        for path in ["/api/events?limit=1", "/ogc", "/ogc/collections/events/items?limit=1"] {
            let r = raw(&addr, &get("evil.example", path, "")).await;
            assert_eq!(r.status, 200, "{path}: {}", r.body);
            assert!(!r.body.contains("evil.example"), "{path}: {}", r.body);
            assert!(r.body.contains("https://events.example.org/"), "{path}: {}", r.body);
        }
        // --allowed-host names the hosts taken; others are refused even with a public URL.
        let config = ApiConfig {
            public_url: Some("https://events.example.org".into()),
            allowed_hosts: vec!["map.internal".into()],
            ..Default::default()
        };
        let addr = real_listener(&app, config).await;
        assert_eq!(raw(&addr, &get("map.internal:8080", "/ogc", "")).await.status, 200);
        raw(&addr, &get("evil.example", "/ogc", "")).await.problem(421, "misdirected");
    }
}

#[tokio::test]
async fn an_encoded_request_body_is_a_415_problem_and_nothing_is_stored() {
    for backend in backends() {
        let app = TestApp::on(&backend).await;
        let before = app.snapshot().await;
        for encoding in ["gzip", "deflate, gzip", "br", "x-unknown"] {
            let rb = app
                .client
                .post(format!("{}/api/events", app.base))
                .bearer_auth(&app.editor)
                .header("content-type", "application/json")
                .header("content-encoding", encoding)
                .body(tartus_event("encoded").to_string());
            let g = TestApp::got(rb).await;
            let v = g.problem(415, "unsupported-media-type");
            assert!(v["detail"].as_str().unwrap().contains("Content-Encoding"), "{g}");
            assert_eq!(g.header("accept-encoding"), "identity", "{g}");
        }
        // `identity` is no encoding at all.
        let rb = app
            .client
            .post(format!("{}/api/events", app.base))
            .bearer_auth(&app.editor)
            .header("content-type", "application/json")
            .header("content-encoding", "identity")
            .body(tartus_event("plain").to_string());
        TestApp::got(rb).await.expect(201);
        assert_ne!(app.snapshot().await, before);
    }
}

#[tokio::test]
async fn a_long_uri_and_large_or_many_headers_are_answered_as_problems_over_raw_tcp() {
    let backend = backends().remove(0);
    let app = TestApp::on(&backend).await;
    let addr = real_listener(&app, ApiConfig::default()).await;
    let long = format!("/api/events?q={}", "a".repeat(9_000));
    raw(&addr, &get(&addr, &long, "")).await.problem(414, "uri-too-long");
    // Up to the HTTP layer's own limit of 64 KiB, still a problem.
    let longer = format!("/api/events?q={}", "a".repeat(60_000));
    raw(&addr, &get(&addr, &longer, "")).await.problem(414, "uri-too-long");
    let many: String = (0..150).map(|i| format!("X-Many-{i}: {i}\r\n")).collect();
    raw(&addr, &get(&addr, "/api/events", &many)).await.problem(431, "headers-too-large");
    let large = format!("X-Large: {}\r\n", "b".repeat(40_000));
    raw(&addr, &get(&addr, "/api/events", &large)).await.problem(431, "headers-too-large");
    // What is within the limits reaches the handler (which finds the word too long).
    let fine = format!("/api/events?q={}", "a".repeat(7_000));
    let r = raw(&addr, &get(&addr, &fine, &format!("X-Large: {}\r\n", "b".repeat(20_000)))).await;
    assert!(r.status == 200 || r.status == 400, "{} {}", r.status, r.body);
    let some: String = (0..90).map(|i| format!("X-Many-{i}: {i}\r\n")).collect();
    assert_eq!(raw(&addr, &get(&addr, "/api/events", &some)).await.status, 200);
}

#[tokio::test]
async fn event_ids_in_another_spelling_are_a_400_naming_the_canonical_one() {
    for backend in backends() {
        let app = TestApp::on(&backend).await;
        let id = app.create(tartus_event("one")).await["id"].as_str().unwrap().to_string();
        assert_eq!(id, id.to_ascii_lowercase());
        let simple = id.replace('-', "");
        for other in [id.to_ascii_uppercase(), format!("{{{id}}}"), simple, format!("urn:uuid:{id}")] {
            for path in [
                format!("/api/events/{other}"),
                format!("/api/events/{other}/history"),
                format!("/ogc/collections/events/items/{other}"),
            ] {
                let g = app.get(&path).await;
                let v = g.problem(400, "invalid-request");
                assert!(v["detail"].as_str().unwrap().contains(&format!("`{id}`")), "{g}");
            }
            let g = app
                .send(Method::PATCH, &format!("/api/events/{other}"), Some(&app.editor), Some(json!({"title": "x"})))
                .await;
            g.problem(400, "invalid-request");
        }
        let g = app.get(&format!("/api/events/{id}")).await;
        assert_eq!(g.expect(200).json()["id"], id.as_str());
        app.get("/api/events/not-an-id").await.problem(404, "not-found");
    }
}

#[tokio::test]
async fn invalid_polygons_are_refused_with_the_reason_on_the_geometry() {
    let poly = |rings: Value| {
        json!({"type": "Feature", "geometry": {"type": "Polygon", "coordinates": rings},
               "properties": {"title": "area", "start": "2025-02-10"}})
    };
    let multi = |parts: Value| {
        json!({"type": "Feature", "geometry": {"type": "MultiPolygon", "coordinates": parts},
               "properties": {"title": "areas", "start": "2025-02-10"}})
    };
    let square = json!([[35.0, 34.0], [36.0, 34.0], [36.0, 35.0], [35.0, 35.0], [35.0, 34.0]]);
    let cases = [
        (
            poly(json!([[[35, 34], [36, 35], [36, 34], [35, 35], [35, 34]]])),
            "crosses or touches itself at [35.5, 34.5]",
        ),
        (poly(json!([[[35, 34], [35.5, 34.5], [36, 35], [35, 34]]])), "encloses no area"),
        (
            poly(json!([square, [[37, 37], [37, 37.5], [37.5, 37.5], [37, 37]]])),
            "ring 1 (a hole) is outside the outer ring",
        ),
        (poly(json!([[[35, 34], [36, 34], [36, 35], [35, 35]]])), "must end where it starts"),
        (poly(json!([[[35, 34], [36, 34], [35, 34]]])), "at least 4 positions"),
        (
            multi(json!([[square], [[[35.5, 34.5], [37, 34.5], [37, 36], [35.5, 36], [35.5, 34.5]]]])),
            "not a valid MultiPolygon: polygon 0 ring 0 (the outer ring) and polygon 1 ring 0 (the outer ring) cross",
        ),
        (
            multi(json!([[square], [[[35.2, 34.2], [35.4, 34.2], [35.4, 34.4], [35.2, 34.2]]]])),
            "not a valid MultiPolygon: polygon 1 overlaps polygon 0",
        ),
    ];
    for backend in backends() {
        let app = TestApp::on(&backend).await;
        let before = app.snapshot().await;
        for (body, reason) in &cases {
            let g = app.post(body.clone()).await;
            let v = g.problem(422, "validation");
            assert_eq!(g.fields(), ["geometry"], "{g}");
            assert!(v["errors"][0]["message"].as_str().unwrap().contains(reason), "{reason}: {g}");
        }
        // Over the limit on polygon positions: refused before any topology check.
        let n = 10_001;
        let mut ring: Vec<Value> = (0..n)
            .map(|i| {
                let t = i as f64 / n as f64 * std::f64::consts::TAU;
                json!([36.0 + t.cos(), 35.0 + t.sin()])
            })
            .collect();
        ring.push(ring[0].clone());
        let g = app.post(poly(json!([ring]))).await;
        let v = g.problem(422, "validation");
        assert!(v["errors"][0]["message"].as_str().unwrap().contains("at most 10000"), "{g}");
        assert_eq!(app.snapshot().await, before, "nothing stored");
        app.create(poly(json!([square]))).await;
        // Polygons of a MultiPolygon that touch at a corner are fine.
        app.create(multi(json!([[square], [[[36, 35], [37, 35], [37, 36], [36, 36], [36, 35]]]]))).await;
    }
}

/// Another process's write lock on the events, held until dropped.
enum Lock {
    Sqlite { _held: rusqlite::Connection },
    Postgres { _held: sqlx::PgConnection },
}

async fn lock_events(url: &str) -> Lock {
    use sqlx::Connection;
    if let Some(path) = url.strip_prefix("sqlite://") {
        let c = rusqlite::Connection::open(path).unwrap();
        c.execute_batch("BEGIN IMMEDIATE").unwrap();
        Lock::Sqlite { _held: c }
    } else {
        let mut c = sqlx::PgConnection::connect(url).await.unwrap();
        sqlx::raw_sql("BEGIN; LOCK TABLE events IN EXCLUSIVE MODE").execute(&mut c).await.unwrap();
        Lock::Postgres { _held: c }
    }
}

#[tokio::test]
async fn a_request_held_up_past_the_time_limit_ends_with_a_503_and_changes_nothing() {
    for backend in backends() {
        let config = ApiConfig { request_timeout: std::time::Duration::from_secs(1), ..ApiConfig::default() };
        let app = TestApp::on_with(&backend, config).await;
        // The division shapes load on first use (`serve` loads them as it starts).
        tokio::task::spawn_blocking(|| gazetteer().admin1_at(0.0, 0.0)).await.unwrap();
        app.create(tartus_event("before")).await;
        let before = app.snapshot().await;
        let lock = lock_events(app.database_url()).await;

        let started = std::time::Instant::now();
        let g = app.post(tartus_event("held up")).await;
        let took = started.elapsed();
        g.problem(503, "timeout");
        assert!(took < std::time::Duration::from_secs(5), "the limit of 1 s ended it after {took:?}: {g}");
        // Reads go on meanwhile.
        let started = std::time::Instant::now();
        assert_eq!(app.ids("").await.len(), 1);
        assert!(started.elapsed() < std::time::Duration::from_secs(1), "a read waited {:?}", started.elapsed());

        // Once the lock goes, the abandoned change must not be committed after all: its client
        // was told it failed and may send it again.
        drop(lock);
        tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
        assert_eq!(app.snapshot().await, before, "{}: the timed-out create was stored", backend.name());
        app.create(tartus_event("after")).await;
        assert_eq!(app.ids("").await.len(), 2);
    }
}
