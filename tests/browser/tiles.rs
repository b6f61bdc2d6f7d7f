//! The map drawn from the event tiles with more events than one page of the API could hold
//! (25,000, beyond the 10,000 the map once showed at most): at the world view the cells count
//! every match, a filter redraws the tiles and the count, an event is clickable close up, and
//! the list pages. Screenshots in English and Arabic, desk and phone, world and close up.

use std::path::Path;
use std::time::Duration;

use eventmap::domain::Vocabulary;
use serde_json::{Value, json};

use crate::wd::Client;

use crate::harness::{
    App, DRAWN, assert_no_console_errors, click_at, js, screen_point, viewport, wait_for, with_browser,
};

const EVENTS: usize = 25_000;
const CATEGORIES: [&str; 5] = ["protest", "armed_clash", "shelling", "military_movement", "arrest"];

/// `n` made-up events (labelled synthetic) round 400 places over the world between 45° S and
/// 55° N, ten years of days; no two at the same point.
async fn add_worldwide(app: &App, n: usize) {
    let vocab = Vocabulary::default();
    let items: Vec<eventmap::store::ImportItem> = (0..n)
        .map(|i| {
            let (place, j) = (i % 400, i / 400);
            let lon = -170.0 + ((place * 37) % 340) as f64 + (j % 8) as f64 * 0.05;
            let lat = -45.0 + ((place * 53) % 100) as f64 + (j / 8) as f64 * 0.05;
            let input: eventmap::domain::EventInput = serde_json::from_value(json!({
                "title": format!("Synthetic event {i}"),
                "category": CATEGORIES[i % CATEGORIES.len()], "tags": ["synthetic"],
                "start": format!("{}-{:02}-{:02}", 2015 + i % 10, 1 + i % 12, 1 + i % 28),
                "places": [{"name": format!("Synthetic place {place}"), "lon": lon, "lat": lat, "precision": "settlement"}]
            }))
            .unwrap();
            eventmap::store::ImportItem { id: uuid::Uuid::now_v7(), data: input.validate(&vocab).unwrap() }
        })
        .collect();
    app._store.import(items, &eventmap::store::Actor::new("browser test")).await.unwrap();
}

/// The exact number of matches of the API's list for `query` (`count=exact`), asked by the page.
async fn exact_count(c: &Client, query: &str) -> u64 {
    js(
        c,
        &format!(
            "return fetch('/api/events?limit=1&count=exact&{query}').then((r) => r.json()).then((fc) => fc.numberMatched);"
        ),
    )
    .await
    .as_u64()
    .unwrap()
}

/// Waits until the page is ready (harness READY), saying what it saw when it is not.
async fn ready(c: &Client) {
    let started = std::time::Instant::now();
    while started.elapsed() < Duration::from_secs(30) {
        if js(c, &format!("return (() => {{ {} }})() || false;", crate::harness::READY)).await == true {
            return;
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    let d = js(
        c,
        "const m = window.eventmap && window.eventmap.map; if (!m) return 'no map';
         return [m.loaded(), m.isSourceLoaded('ev-tiles'), document.body.className, m.getZoom(),
                 m.queryRenderedFeatures({layers: ['ev-cells', 'ev-points']}).length, !!m.getLayer('ev-points'),
                 document.getElementById('list-status').textContent];",
    )
    .await;
    panic!("the page did not get ready: {d}");
}

/// Waits until the event tiles are loaded and drawn, and the map is still.
async fn wait_drawn(c: &Client, what: &str) {
    wait_for(
        c,
        what,
        "const m = window.eventmap.map;
         return !m.isMoving() && m.loaded() && m.isSourceLoaded('ev-tiles') && !document.body.classList.contains('loading')
           && m.queryRenderedFeatures({layers: ['ev-cells', 'ev-points']}).length > 0;",
    )
    .await;
}

fn shot(name: &str) -> std::path::PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_world_view_counts_every_event_and_a_filter_redraws_the_tiles_and_the_count() {
    with_browser!(|app, c| {
        add_worldwide(&app, EVENTS).await;
        // Wider than the world at zoom 1 (1,024 pixels): every cell is on screen, some twice.
        viewport(&c, 1400, 900, false).await;
        c.goto(&format!("{}/?map=1/5/0", app.base)).await.unwrap();
        ready(&c).await;
        wait_drawn(&c, "the world's cells").await;
        let all = exact_count(&c, "").await;
        assert!(all as usize > EVENTS, "the synthetic events and the demo's match: {all}");
        // Each cell is a bubble labelled with its count; together they count every match.
        let drawn = js(&c, DRAWN).await.as_u64().unwrap();
        assert_eq!(drawn, all, "the cells at the world view count every matching event");
        let events = js(&c, "return window.eventmap.map.queryRenderedFeatures({layers: ['ev-points']}).length;").await;
        assert_eq!(events, 0, "at the world view the events are counted by cell, not drawn one by one");
        // The count is of every match in view: beyond 10,000 the server estimates it, and says so.
        let (status, info) = list_status(&c).await;
        assert_eq!(info["exact"], false, "{info}");
        let matched = info["matched"].as_u64().unwrap();
        assert!(status.starts_with("about ") && status.contains(&en(matched)), "{status} ({info})");
        assert!(matched.abs_diff(all) * 4 < all, "the estimate {matched} is near the true {all}");
        assert!(js(&c, "return !document.getElementById('map-notice');").await == true, "no notice of a cap");
        std::fs::write(shot("tiles-world-en.png"), c.screenshot().await.unwrap()).unwrap();

        // A category: the tiles are asked again with it, and the count follows.
        let before = js(&c, "return window.eventmap.map.getSource('ev-tiles').tiles[0];").await;
        js(&c, "window.eventmap.state.update({filters: {categories: ['protest']}}); return true;").await;
        let protests = exact_count(&c, "category=protest").await;
        assert!(protests as usize >= EVENTS / 5 && protests < all, "{protests} of {all}");
        wait_for(
            &c,
            "the tiles of protests drawn",
            &format!(
                "const m = window.eventmap.map;
                 if (m.isMoving() || !m.loaded() || !m.isSourceLoaded('ev-tiles')) return false;
                 const n = (() => {{ {DRAWN} }})(); return n === {protests};"
            ),
        )
        .await;
        let after = js(&c, "return window.eventmap.map.getSource('ev-tiles').tiles[0];").await;
        assert!(after.as_str().unwrap().contains("category=protest"), "{before} → {after}");
        let (status, info) = list_status(&c).await;
        assert_eq!(info["exact"], true, "{info}");
        assert_eq!(status, format!("{} events in view", en(protests)), "{info}");
        let legend = js(&c, "return document.getElementById('legend-cats').textContent;").await;
        assert!(legend.as_str().unwrap().contains(&en(protests)), "the legend counts what is drawn: {legend}");

        // Phone, world and close up; then Arabic at both sizes.
        viewport(&c, 390, 844, true).await;
        c.goto(&format!("{}/?map=1/10/30", app.base)).await.unwrap();
        ready(&c).await;
        wait_drawn(&c, "the world on a phone").await;
        std::fs::write(shot("tiles-world-phone-en.png"), c.screenshot().await.unwrap()).unwrap();
        c.goto(&format!("{}/?map=10.5/8.15/-132.8", app.base)).await.unwrap();
        ready(&c).await;
        wait_drawn(&c, "the events close up on a phone").await;
        std::fs::write(shot("tiles-close-phone-en.png"), c.screenshot().await.unwrap()).unwrap();
        c.goto(&format!("{}/?lang=ar&map=1/10/30", app.base)).await.unwrap();
        ready(&c).await;
        wait_drawn(&c, "the world on a phone in Arabic").await;
        std::fs::write(shot("tiles-world-phone-ar.png"), c.screenshot().await.unwrap()).unwrap();
        viewport(&c, 1280, 800, false).await;
        c.goto(&format!("{}/?lang=ar&map=1/5/0", app.base)).await.unwrap();
        ready(&c).await;
        wait_drawn(&c, "the world in Arabic").await;
        let (status, _) = list_status(&c).await;
        assert!(status.starts_with("نحو"), "the estimate is marked in Arabic too: {status}");
        std::fs::write(shot("tiles-world-ar.png"), c.screenshot().await.unwrap()).unwrap();
        c.goto(&format!("{}/?lang=ar&map=10.5/8.15/-132.8", app.base)).await.unwrap();
        ready(&c).await;
        wait_drawn(&c, "the events close up in Arabic").await;
        std::fs::write(shot("tiles-close-ar.png"), c.screenshot().await.unwrap()).unwrap();
        assert_no_console_errors(&c, "with 25,000 events drawn from tiles").await;
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn close_up_an_event_opens_its_panel_and_the_list_pages_through_every_match() {
    with_browser!(|app, c| {
        add_worldwide(&app, EVENTS).await;
        viewport(&c, 1280, 800, false).await;
        c.goto(&format!("{}/?map=1/5/0", app.base)).await.unwrap();
        ready(&c).await;
        // The list shows a page of the newest events in view, and the next on request.
        let first = wait_for(
            &c,
            "the first page",
            "const n = document.querySelectorAll('#list-items .item').length; return n === 100 && n;",
        )
        .await;
        assert_eq!(first, 100);
        let more = js(&c, "const b = document.getElementById('list-more'); return !b.hidden && b.textContent;").await;
        assert_eq!(more, "Show 100 more", "{more}");
        c.find("#list-more").await.unwrap().click().await.unwrap();
        wait_for(&c, "the second page", "return document.querySelectorAll('#list-items .item').length === 200;").await;
        let ids = js(&c, "return window.eventmap.data.all().map((f) => [String(f.id), f.properties.start]);").await;
        let ids = ids.as_array().unwrap();
        let distinct: std::collections::HashSet<&str> = ids.iter().map(|x| x[0].as_str().unwrap()).collect();
        assert_eq!(distinct.len(), 200, "the second page follows the first without repeating it");
        let starts: Vec<&str> = ids.iter().map(|x| x[1].as_str().unwrap()).collect();
        assert!(starts.windows(2).all(|w| w[0] >= w[1]), "newest first across both pages");
        let focused = js(&c, "return document.activeElement.closest('#list-items li') === document.querySelectorAll('#list-items li')[100];").await;
        assert_eq!(focused, true, "the first new event takes the focus");
        // A move loads the first page of the new view.
        js(&c, "window.eventmap.map.jumpTo({center: [20, 10], zoom: 3}); return true;").await;
        wait_for(
            &c,
            "the new view's first page",
            "const n = document.querySelectorAll('#list-items .item').length; return n > 0 && n <= 100;",
        )
        .await;

        // Close up, the events are drawn one by one: a click opens the panel.
        let target = js(
            &c,
            "const f = window.eventmap.data.all().find((f) => f.properties.title.startsWith('Synthetic')); return [String(f.id), f.geometry.coordinates, f.properties.title];",
        )
        .await;
        let (lon, lat) = (target[1][0].as_f64().unwrap(), target[1][1].as_f64().unwrap());
        js(&c, &format!("window.eventmap.map.jumpTo({{center: [{lon}, {lat}], zoom: 12}}); return true;")).await;
        wait_for(
            &c,
            "the event drawn on its own",
            &format!(
                "const m = window.eventmap.map; return m.loaded() && m.queryRenderedFeatures({{layers: ['ev-points']}}).some((f) => String(f.properties.id) === {});",
                target[0]
            ),
        )
        .await;
        let cells = js(&c, "return window.eventmap.map.queryRenderedFeatures({layers: ['ev-cells']}).length;").await;
        assert_eq!(cells, 0, "close up no event is counted in a cell");
        let (x, y) = screen_point(&c, lon, lat).await;
        click_at(&c, x, y).await;
        let title = wait_for(
            &c,
            "the panel",
            "return !document.getElementById('panel').hidden && document.getElementById('panel-title').textContent;",
        )
        .await;
        assert_eq!(title, target[2]);
        let url = c.current_url().await.unwrap();
        assert!(url.contains(&format!("event={}", target[0].as_str().unwrap())), "{url}");
        // The precision of each place near the view is drawn around its event.
        wait_for(
            &c,
            "the precision circles",
            "return window.eventmap.map.querySourceFeatures('ev-precision').length > 0;",
        )
        .await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        std::fs::write(shot("tiles-close-en.png"), c.screenshot().await.unwrap()).unwrap();

        // A link to the event opens its panel whether or not it is in the loaded page.
        c.goto(&format!("{}/?map=2/0/0&event={}", app.base, target[0].as_str().unwrap())).await.unwrap();
        ready(&c).await;
        let title = wait_for(
            &c,
            "the panel from the link",
            "return !document.getElementById('panel').hidden && document.getElementById('panel-title').textContent;",
        )
        .await;
        assert_eq!(title, target[2]);
        assert_no_console_errors(&c, "paging and clicking with 25,000 events").await;
    })
}

/// The list's count line and data.js's load state.
async fn list_status(c: &Client) -> (String, Value) {
    let v = js(c, "return [document.getElementById('list-status').textContent, window.eventmap.data.info()];").await;
    (v[0].as_str().unwrap().to_string(), v[1].clone())
}

/// `n` as the English page writes it (1,234).
fn en(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out
}
