//! The map with 10,000 synthetic events: counted on the map from the tiles and listed page by page, with the time to an interactive page and
//! the frame intervals while panning measured.

use std::path::Path;

use eventmap::domain::Vocabulary;
use serde_json::json;

use crate::harness::{App, DRAWN, READY, assert_no_console_errors, js, wait_for, with_browser};

/// 10,000 made-up events (labelled synthetic) spread around the eastern Mediterranean.
async fn add_synthetic(app: &App, n: usize) {
    let vocab = Vocabulary::default();
    let cats = ["protest", "armed_clash", "shelling", "military_movement", "arrest"];
    let items: Vec<eventmap::store::ImportItem> = (0..n)
        .map(|i| {
            let input: eventmap::domain::EventInput = serde_json::from_value(json!({
                "title": format!("Synthetic event {i}"),
                "description": "A made-up event for measuring the map with many events.",
                "category": cats[i % cats.len()], "tags": ["synthetic"],
                "start": format!("2024-{:02}-{:02}", 1 + i % 12, 1 + i % 28),
                "places": [{"name": format!("Synthetic place {i}"), "lon": 33.0 + (i % 97) as f64 * 0.07, "lat": 31.0 + (i % 89) as f64 * 0.07}]
            }))
            .unwrap();
            eventmap::store::ImportItem { id: uuid::Uuid::now_v7(), data: input.validate(&vocab).unwrap() }
        })
        .collect();
    app._store.import(items, &eventmap::store::Actor::new("browser test")).await.unwrap();
}

/// Not a timed test: it checks that the events in view are counted on the map and listed, and writes what it
/// measured (time to an interactive page, frame intervals while panning) to
/// `target/screenshots/page-speed.txt`. Run it on the release build for figures:
/// `EVENTMAP_REQUIRE_BROWSER=1 cargo test --release --test browser ten_thousand -- --nocapture`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_events_are_drawn_and_the_time_to_interactive_is_measured() {
    with_browser!(|app, c| {
        add_synthetic(&app, 10_000).await;
        c.goto(&format!("{}/?map=6/34/36.5", app.base)).await.unwrap();
        // The page checks READY itself on every frame, so the time is not rounded up to the
        // next poll of the test.
        js(
            &c,
            &format!(
                "const ready = () => {{ {READY} }};
                 const tick = () => {{ if (ready()) window.__readyAt = performance.now(); else requestAnimationFrame(tick); }};
                 requestAnimationFrame(tick); return true;"
            ),
        )
        .await;
        let ready =
            wait_for(&c, "the map to draw the events", "return window.__readyAt || false;").await.as_f64().unwrap();
        // Every event in view is counted on the map (by cell at this zoom); the list holds a page.
        let drawn = wait_for(
            &c,
            "every event in view counted",
            &format!("const n = (() => {{ {DRAWN} }})(); return n >= 5000 && n;"),
        )
        .await;
        let counts = js(
            &c,
            "const i = window.eventmap.data.info(); return [i.matched, i.exact, document.getElementById('list-items').children.length];",
        )
        .await;
        // Pan for two seconds and record the interval between frames.
        let frames = js(
            &c,
            "const m = window.eventmap.map; const times = [];
             let on = true; const tick = (t) => { times.push(t); if (on) requestAnimationFrame(tick); };
             requestAnimationFrame(tick);
             m.panBy([400, 0], {duration: 1000}); setTimeout(() => m.panBy([-400, 200], {duration: 1000}), 1000);
             return new Promise((done) => setTimeout(() => { on = false;
               const d = times.slice(1).map((t, i) => t - times[i]).sort((a, b) => a - b);
               done([d.length, d[Math.floor(d.length / 2)], d[Math.floor(d.length * 0.95)]]); }, 2100));",
        )
        .await;
        let report = format!(
            "10,000 events + demo: interactive {:.0} ms after navigation start; {} events counted on the map, \
             {} matched in view (exact: {}), {} listed; panning 2 s: {} frames, frame interval p50 {:.1} ms, p95 {:.1} ms\n",
            ready,
            drawn,
            counts[0],
            counts[1],
            counts[2],
            frames[0],
            frames[1].as_f64().unwrap_or(f64::NAN),
            frames[2].as_f64().unwrap_or(f64::NAN)
        );
        eprint!("{report}");
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("page-speed.txt"), &report).unwrap();
        std::fs::write(dir.join("ten-thousand.png"), c.screenshot().await.unwrap()).unwrap();
        let listed = counts[2].as_u64().unwrap();
        assert!(listed > 0 && listed <= 100, "the list shows its first page: {counts}");
        assert!(frames[0].as_u64().unwrap() > 10, "the map kept drawing while panning: {frames}");
        assert_no_console_errors(&c, "with 10,000 events").await;
    })
}
