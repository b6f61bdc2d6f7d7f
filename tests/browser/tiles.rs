//! The map drawn from the event tiles with more events than one page of the API could hold
//! (25,000, beyond the 10,000 the map once showed at most): at the world view the cells count
//! every match, a filter redraws the tiles and the count, an event is clickable close up, and
//! the list pages. Screenshots in English and Arabic, desk and phone, world and close up. A
//! movement is drawn and counted at its destination at every zoom; the legend counts the dots
//! in view, as the list counts the events in view, in English and Arabic.

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

/// A movement far from every other event (the Southern Ocean): origin, destination.
const CONVOY: ([f64; 2], [f64; 2]) = ([-140.0, -62.0], [-118.5, -60.5]);

async fn add_convoy(app: &App) -> String {
    let input: eventmap::domain::EventInput = serde_json::from_value(json!({
        "title": "Synthetic convoy", "category": "military_movement", "start": "2024-05-05",
        "places": [{"name": "From", "role": "origin", "lon": CONVOY.0[0], "lat": CONVOY.0[1], "precision": "exact"},
                   {"name": "To", "role": "destination", "lon": CONVOY.1[0], "lat": CONVOY.1[1], "precision": "exact"}]
    }))
    .unwrap();
    let id = uuid::Uuid::now_v7();
    let data = input.validate(&Vocabulary::default()).unwrap();
    app._store
        .import(vec![eventmap::store::ImportItem { id, data }], &eventmap::store::Actor::new("browser test"))
        .await
        .unwrap();
    id.to_string()
}

/// The cells and events drawn within `tolerance` degrees of `at`: [[count or 1, id or null]].
async fn drawn_near(c: &Client, at: [f64; 2], tolerance: f64) -> Vec<Value> {
    js(
        c,
        &format!(
            "const [x, y] = [{}, {}];
             return window.eventmap.map.queryRenderedFeatures({{layers: ['ev-cells', 'ev-points']}})
               .filter((f) => Math.abs(f.geometry.coordinates[0] - x) <= {tolerance} && Math.abs(f.geometry.coordinates[1] - y) <= {tolerance})
               .map((f) => [Number(f.properties.count || 1), f.properties.id === undefined ? null : String(f.properties.id)]);",
            at[0], at[1]
        ),
    )
    .await
    .as_array()
    .unwrap()
    .clone()
}

/// The legend's counts added up, read from the page (Arabic or Latin digits).
async fn legend_total(c: &Client) -> u64 {
    let texts =
        js(c, "return [...document.querySelectorAll('#legend-cats .legend-count')].map((e) => e.textContent);").await;
    texts
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            let digits: String = t
                .as_str()
                .unwrap()
                .chars()
                .filter_map(|ch| match ch {
                    '0'..='9' => Some(ch),
                    '٠'..='٩' => char::from_digit(ch as u32 - '٠' as u32, 10),
                    _ => None,
                })
                .collect();
            digits.parse::<u64>().unwrap()
        })
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_movement_is_drawn_and_counted_at_its_destination_and_the_legend_counts_the_view_as_the_list_does() {
    with_browser!(|app, c| {
        add_worldwide(&app, 8000).await;
        let convoy = add_convoy(&app).await;
        let (origin, dest) = CONVOY;
        let centre = [(origin[0] + dest[0]) / 2.0, (origin[1] + dest[1]) / 2.0];
        viewport(&c, 1366, 800, false).await;
        // Counted by cell (zoom 4): a cell of one event at the destination, none at the centre of
        // the line's envelope, nor at its origin.
        c.goto(&format!("{}/?map=4/{}/{}", app.base, centre[1], centre[0])).await.unwrap();
        ready(&c).await;
        wait_drawn(&c, "the convoy's cell").await;
        assert_eq!(
            drawn_near(&c, dest, 0.05).await,
            vec![json!([1, null])],
            "one cell of one event at the destination"
        );
        assert!(drawn_near(&c, centre, 1.0).await.is_empty(), "nothing at the envelope's centre");
        assert!(drawn_near(&c, origin, 1.0).await.is_empty(), "nothing at the origin");
        std::fs::write(shot("tiles-convoy-cell-en.png"), c.screenshot().await.unwrap()).unwrap();
        // One by one (zoom 12): the convoy's dot at its destination, not at its envelope's centre.
        for (at, want) in [(dest, true), (centre, false)] {
            c.goto(&format!("{}/?map=12/{}/{}", app.base, at[1], at[0])).await.unwrap();
            wait_for(
                &c,
                "the close view drawn",
                "const m = window.eventmap && window.eventmap.map;
                 return !!m && document.body.classList.contains('ready') && !m.isMoving() && m.loaded() && m.isSourceLoaded('ev-tiles');",
            )
            .await;
            let dots = drawn_near(&c, at, 0.001).await;
            let found = dots.iter().any(|d| d[1] == json!(convoy));
            assert_eq!(found, want, "the convoy's dot at {at:?}: {dots:?}");
        }

        // The legend and the list count the same events in a view whose edge runs through a
        // place's events: the events of its third column have their dot's centre 3 pixels beyond
        // the view's west edge, so their dots reach in but they are not in view.
        for lang in ["en", "ar"] {
            c.goto(&format!("{}/?lang={lang}&map=10.5/-44.95/-169.5", app.base)).await.unwrap();
            ready(&c).await;
            js(
                &c,
                "const m = window.eventmap.map; const p = m.project([-169.85, -44.95]);
                 m.panBy([p.x + 3, 0], {animate: false}); return true;",
            )
            .await;
            wait_drawn(&c, "the view cut through a place's events").await;
            wait_for(
                &c,
                "the list of the view",
                "return !document.body.classList.contains('loading') && window.eventmap.data.info().key !== null;",
            )
            .await;
            tokio::time::sleep(Duration::from_millis(500)).await;
            let (status, info) = list_status(&c).await;
            assert_eq!(info["exact"], true, "{info}");
            let listed = info["matched"].as_u64().unwrap();
            let legend = legend_total(&c).await;
            let reaching = js(&c, DRAWN).await.as_u64().unwrap();
            assert_eq!(legend, listed, "{lang}: the legend counts the events in view as the list does ({status})");
            assert!(
                reaching > legend,
                "{lang}: dots beyond the edge reach into the view ({reaching} drawn, {legend} in view)"
            );
            let head = js(&c, "return document.querySelector('#legend-cats .legend-head').textContent;").await;
            assert_eq!(head, if lang == "en" { "On the map:" } else { "على الخريطة:" });
            if lang == "en" {
                assert_eq!(status, format!("{} events in view", en(listed)));
            }
            std::fs::write(shot(&format!("tiles-legend-edge-{lang}.png")), c.screenshot().await.unwrap()).unwrap();
        }
        assert_no_console_errors(&c, "a movement and the legend at the view's edge").await;
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
