//! The captures of an event's sources in its panel: each source's under it ("Captured 11 Feb
//! 2025 08:02 UTC · SHA-256 3f2a… · View · WARC", or why it failed), all of them fetched with one
//! request for the event (`GET /api/events/{id}/captures`), none per source; in English and
//! Arabic, at desk and phone sizes, with a screenshot of each.

use std::path::Path;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use eventmap::domain::capture::{Fetched, Hop};
use eventmap::store::DynStore;
use eventmap::store::captures::Finish;
use serde_json::json;
use uuid::Uuid;

use crate::harness::{assert_no_console_errors, js, viewport, wait_for, wait_ready, with_browser};

const PAGE: &[u8] = b"<!doctype html><p>A convoy left Hmeimim for Tartus.</p>";

/// Records one capture of `source` that ended as `end`, as the worker would.
async fn captured(store: &DynStore, source: Uuid, end: impl FnOnce(DateTime<Utc>) -> Finish) {
    let at = DateTime::parse_from_rfc3339("2025-02-11T08:02:00Z").unwrap().to_utc();
    store.queue_capture(source, "desk", at).await.unwrap().expect("a stored source");
    let job = store.claim_captures("browser", at, at + chrono::Duration::seconds(60), 1).await.unwrap().remove(0);
    assert!(store.finish_capture(job.id, "browser", 1, &end(at)).await.unwrap());
}

fn answer(status: u16, body: &'static [u8], at: DateTime<Utc>, hops: Vec<(Hop, Bytes)>) -> Fetched {
    Fetched {
        final_url: "https://a.example.org/tartus".into(),
        status,
        headers: vec![("content-type".into(), "text/html".into())],
        body: Bytes::from_static(body),
        at,
        hops,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_panel_shows_each_sources_captures_from_one_request_for_the_event() {
    with_browser!(|app, c| {
        let id = app
            .create(
                json!({"title": "Convoy held outside Tartus", "start": "2025-02-10", "category": "military_movement",
                "places": [{"name": "Tartus", "lon": 35.8866, "lat": 34.889}],
                "sources": [{"url": "https://a.example.org/tartus-old", "publisher": "A"},
                            {"url": "https://b.example.org/tartus", "publisher": "B"},
                            {"url": "https://c.example.org/tartus", "publisher": "C"}]}),
            )
            .await;
        let ev: serde_json::Value =
            reqwest::get(format!("{}/api/events/{id}", app.base)).await.unwrap().json().await.unwrap();
        let sid = |i: usize| Uuid::parse_str(ev["properties"]["sources"][i]["id"].as_str().unwrap()).unwrap();
        let store = &app._store;
        captured(store, sid(0), |at| {
            let hop = Hop::new(
                "https://a.example.org/tartus-old".into(),
                301,
                vec![("location".into(), "/tartus".into())],
                b"",
                at,
            );
            Finish::Captured(answer(200, PAGE, at, vec![(hop, Bytes::new())]))
        })
        .await;
        captured(store, sid(1), |at| Finish::Failed {
            reason: "the server answered 404".into(),
            fetched: Some(answer(404, b"gone", at, vec![])),
        })
        .await;
        let sha = eventmap::domain::capture::sha256_hex(PAGE);

        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        for (lang, width, height, phone) in
            [("en", 1280, 800, false), ("ar", 1280, 800, false), ("en", 390, 844, true), ("ar", 390, 844, true)]
        {
            viewport(&c, width, height, phone).await;
            c.goto(&format!("{}/?lang={lang}&event={id}", app.base)).await.unwrap();
            wait_ready(&c).await;
            let items = wait_for(
                &c,
                "the captures under the sources",
                "const lists = [...document.querySelectorAll('#panel .source-captures')];
                 if (lists.length !== 3 || lists.slice(0, 2).some((l) => !l.children.length)) return false;
                 return lists.map((l) => [...l.children].map((li) => li.textContent));",
            )
            .await;
            let lists = items.as_array().unwrap();
            assert_eq!(lists[2], json!([]), "{lang}: a source never captured shows nothing");
            let first = lists[0][0].as_str().unwrap();
            let failed = lists[1][0].as_str().unwrap();
            assert!(first.contains(&format!("SHA-256 {}…", &sha[..4])), "{lang}: {first}");
            assert!(first.contains("08:02 UTC") && first.ends_with("WARC"), "{lang}: {first}");
            assert!(failed.contains("the server answered 404"), "{lang}: {failed}");
            if lang == "en" {
                assert_eq!(first, format!("Captured 11 Feb 2025 08:02 UTC · SHA-256 {}… · View · WARC", &sha[..4]));
                assert_eq!(failed, "Capture failed: the server answered 404");
            }
            let links = js(
                &c,
                "return [...document.querySelectorAll('#panel .source-captures a')].map((a) => a.getAttribute('href'));",
            )
            .await;
            let links: Vec<&str> = links.as_array().unwrap().iter().map(|l| l.as_str().unwrap()).collect();
            assert_eq!(links.len(), 2, "{links:?}");
            assert!(links[0].contains(&format!("/api/sources/{}/captures/", sid(0))), "{links:?}");
            assert_eq!(format!("{}.warc", links[0]), links[1]);
            // One request for the event's captures, none per source.
            let asked = js(
                &c,
                "return performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname)
                   .filter((p) => p.startsWith('/api/') && (p.endsWith('/captures') || p.startsWith('/api/sources/')));",
            )
            .await;
            assert_eq!(asked, json!([format!("/api/events/{id}/captures")]), "{lang} {width}px");
            js(&c, "document.querySelector('#panel .source-captures').scrollIntoView({block: 'center'}); return true;")
                .await;
            tokio::time::sleep(std::time::Duration::from_millis(400)).await;
            let name = format!("captures-{lang}-{}.png", if phone { "phone" } else { "desktop" });
            std::fs::write(dir.join(name), c.screenshot().await.unwrap()).unwrap();
        }
        assert_no_console_errors(&c, "showing captures").await;
    })
}
