//! Clients that never read their response hold no database connection: four downloads left
//! unread do not keep other readers waiting.

use std::io::Write;
use std::time::{Duration, Instant};

use eventmap::domain::{EventInput, Vocabulary};
use eventmap::store::{Actor, ImportItem};
use serde_json::json;

use crate::helpers::{TestApp, backends};

/// Events whose page of 10,000 is tens of megabytes: far more than the sockets buffer.
async fn many_large_events(app: &TestApp, n: usize) {
    let vocab = Vocabulary::default();
    let words = "A convoy was held at the checkpoint for eight hours and turned back. ".repeat(70);
    let items: Vec<ImportItem> = (0..n)
        .map(|i| {
            let input = EventInput::from_json(json!({
                "title": format!("Report {i}"), "start": "2025-02-10", "description": words,
                "places": [{"name": "Tartus", "lon": 35.88 + (i % 100) as f64 * 0.001, "lat": 34.88, "country": "SY"}]
            }))
            .unwrap();
            ImportItem { id: uuid::Uuid::now_v7(), data: input.validate(&vocab).unwrap() }
        })
        .collect();
    app.store.import(items, &Actor::new("test")).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_unread_downloads_leave_every_other_read_answering_at_once() {
    for backend in backends() {
        let app = TestApp::on(&backend).await;
        many_large_events(&app, 10_000).await;
        let addr = app.base.strip_prefix("http://").unwrap().to_string();
        let mut unread = Vec::new();
        for path in [
            "/api/events?limit=10000",
            "/api/events?format=csv",
            "/api/events?limit=10000&sort=start",
            "/ogc/collections/events/items?limit=10000",
        ] {
            let mut s = std::net::TcpStream::connect(&addr).unwrap();
            write!(s, "GET {path} HTTP/1.1\r\nHost: {addr}\r\n\r\n").unwrap();
            unread.push(s);
        }
        // Time for the four to have run their queries and filled every buffer on the way.
        tokio::time::sleep(Duration::from_secs(2)).await;
        for path in ["/readyz", "/api/events?limit=5", "/api/events/histogram", "/api/events?q=convoy&limit=1"] {
            let started = Instant::now();
            let r = tokio::time::timeout(Duration::from_secs(10), app.client.get(format!("{}{path}", app.base)).send())
                .await
                .unwrap_or_else(|_| panic!("{path} did not answer within 10 s while four downloads stayed unread"))
                .unwrap();
            assert_eq!(r.status(), 200, "{path}");
            assert!(started.elapsed() < Duration::from_secs(5), "{path} took {:?}", started.elapsed());
        }
        drop(unread);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_third_heavy_download_from_one_address_is_a_429_until_one_ends() {
    for backend in backends() {
        let config = eventmap::api::ApiConfig { downloads_per_client: 2, ..Default::default() };
        let app = TestApp::on_with(&backend, config).await;
        many_large_events(&app, 4_000).await;
        let addr = app.base.strip_prefix("http://").unwrap().to_string();
        let mut unread = Vec::new();
        for path in ["/api/events?format=csv", "/ogc/collections/events/items?limit=4000"] {
            let mut s = std::net::TcpStream::connect(&addr).unwrap();
            write!(s, "GET {path} HTTP/1.1\r\nHost: {addr}\r\n\r\n").unwrap();
            unread.push(s);
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
        for path in ["/api/events?format=kml", "/api/events?limit=5000", "/api/events?format=ndjson&limit=10"] {
            let got = app.send(reqwest::Method::GET, path, None, None).await;
            got.problem(429, "too-many-downloads");
            assert!(got.header("retry-after").parse::<u64>().is_ok_and(|s| s >= 1), "{got}");
        }
        // Other reads, and pages of up to 1,000, are not downloads.
        app.send(reqwest::Method::GET, "/api/events?limit=1000", None, None).await.expect(200);
        app.send(reqwest::Method::GET, "/api/events/histogram", None, None).await.expect(200);
        // Closed downloads give their slots back (once the server finds the socket gone).
        drop(unread);
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let got = app.send(reqwest::Method::GET, "/api/events?format=csv&limit=10", None, None).await;
            if got.status == 200 {
                break;
            }
            assert!(Instant::now() < deadline, "still refused 30 s after the downloads closed: {got}");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_bodies_are_read_off_the_workers_with_the_same_answers_and_others_still_served() {
    for backend in backends() {
        let app = TestApp::on(&backend).await;
        // Over 64 KiB: parsed, checked and geocoded on a blocking thread.
        let mut big = crate::helpers::tartus_event("Large");
        big["description"] = json!("word ".repeat(3_900));
        big["properties"] = json!({"note": "x".repeat(60_000)});
        let created = app.send(reqwest::Method::POST, "/api/events", Some(&app.editor), Some(big)).await;
        created.expect(201);
        let id = created.json()["id"].as_str().unwrap().to_string();
        let patch = json!({"description": "word ".repeat(3_000), "properties": {"note": "y".repeat(60_000)}});
        app.send(reqwest::Method::PATCH, &format!("/api/events/{id}"), Some(&app.editor), Some(patch))
            .await
            .expect(200);
        // A large body that is no JSON is the same 400 as a small one, with where it broke.
        let broken = format!("{{\"title\": \"{}\", ", "x".repeat(100_000));
        let rb = app.client.post(format!("{}/api/events", app.base)).bearer_auth(&app.editor);
        let got = TestApp::got(rb.header("content-type", "application/json").body(broken)).await;
        assert!(got.problem(400, "invalid-request")["detail"].as_str().unwrap().contains("line 1"), "{got}");
        // Bodies of almost 2 MiB sent at once leave the other requests answering.
        let sends: Vec<_> = (0..4)
            .map(|_| {
                let rb = app.client.post(format!("{}/api/events", app.base)).bearer_auth(&app.editor);
                let body = json!({"title": "t", "tags": vec!["a"; 300_000]}).to_string();
                tokio::spawn(TestApp::got(rb.header("content-type", "application/json").body(body)))
            })
            .collect();
        let started = Instant::now();
        app.send(reqwest::Method::GET, "/api/events?limit=1", None, None).await.expect(200);
        assert!(started.elapsed() < Duration::from_secs(10), "a read took {:?}", started.elapsed());
        for s in sends {
            let got = s.await.unwrap();
            assert!(got.status.is_client_error(), "{got}");
        }
    }
}
