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
