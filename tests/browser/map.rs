//! The map itself: the page loads cleanly, the events are drawn from the tiles, counted and listed (across the
//! antimeridian too), an event opens its panel, events at one place are chosen one by one,
//! filters live in the URL, the embed view, and HTML in an event's text stays text.

use std::time::Duration;

use serde_json::{Value, json};

use crate::harness::{
    DRAWN, assert_no_console_errors, click_at, js, list_titles, screen_point, wait_for, wait_ready, with_browser,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_loads_with_no_console_error_and_no_request_to_another_host() {
    with_browser!(|app, c| {
        c.goto(&format!("{}/", app.base)).await.unwrap();
        wait_ready(&c).await;
        // Let the basemap and the labels arrive too.
        wait_for(&c, "place labels", "return window.eventmap.map.querySourceFeatures('labels').length > 0;").await;
        tokio::time::sleep(Duration::from_millis(800)).await;
        assert_no_console_errors(&c, "after the page loaded").await;
        let entries =
            js(&c, "return [location.href, ...performance.getEntriesByType('resource').map(e => e.name)];").await;
        let urls: Vec<String> = serde_json::from_value(entries).unwrap();
        assert!(urls.len() > 5, "the page made its requests: {urls:#?}");
        for u in &urls {
            assert!(
                u.starts_with(&format!("{}/", app.base)) || u.starts_with("data:") || u.starts_with("blob:"),
                "a request left the server: {u}"
            );
        }
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_view_across_the_antimeridian_lists_only_the_events_on_screen() {
    with_browser!(|app, c| {
        c.goto(&format!("{}/", app.base)).await.unwrap();
        wait_ready(&c).await;
        // The demo events are in Syria. Over the Pacific the view runs from about 60° E across
        // 180° to about 40° W, which leaves Syria out; centred on 150° E it takes Syria in.
        for (lon, listed) in [(-170.0, false), (150.0, true)] {
            let v = js(
                &c,
                &format!(
                    "const m = window.eventmap.map; m.jumpTo({{center: [{lon}, -20], zoom: 1.3}});
                     const b = m.getBounds(); return [b.getWest(), b.getEast()];"
                ),
            )
            .await;
            let (w, e) = (v[0].as_f64().unwrap(), v[1].as_f64().unwrap());
            assert!(w < -180.0 || e > 180.0, "the view crosses the antimeridian: {v}");
            assert!(e - w < 360.0, "but does not show the whole world: {v}");
            wait_for(
                &c,
                &format!("the list for the view centred on {lon}"),
                &format!(
                    "const n = document.getElementById('list-items').children.length;
                     const inView = window.eventmap.data.inView(window.eventmap.map).length;
                     return document.getElementById('list-status').textContent !== '' && ({listed} ? n >= 4 && inView >= 4 : n === 0 && inView === 0);"
                ),
            )
            .await;
        }
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_events_are_drawn_from_the_tiles_with_right_counts_and_listed() {
    with_browser!(|app, c| {
        c.goto(&format!("{}/", app.base)).await.unwrap();
        wait_ready(&c).await;
        let titles = list_titles(&c).await;
        assert!(titles.len() >= 4, "the list shows the demo events: {titles:?}");
        assert!(titles.iter().any(|t| t.contains("Hmeimim")), "{titles:?}");
        // The tiles count every event in view once, by cell or one by one.
        let count = js(&c, DRAWN).await;
        let in_view = js(&c, "return document.querySelectorAll('#list-items .item').length;").await;
        assert_eq!(count, in_view, "the cells and points on the map count every event in view once");
        // The legend names the categories of what is drawn.
        wait_for(
            &c,
            "the legend",
            "return document.getElementById('legend-cats').textContent.includes('Military movement');",
        )
        .await;
        // Closer, the movements are lines, with a head at their destination.
        js(&c, "window.eventmap.map.jumpTo({center: [35.9, 35.0], zoom: 10}); return true;").await;
        wait_for(
            &c,
            "the convoy's movements drawn as lines with heads",
            "const m = window.eventmap.map;
             return m.queryRenderedFeatures({layers: ['ev-line']}).length > 0 && m.queryRenderedFeatures({layers: ['ev-head']}).length > 0;",
        )
        .await;
        assert_no_console_errors(&c, "while drawing the events").await;
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clicking_an_event_opens_its_panel_with_its_sources_as_safe_links() {
    with_browser!(|app, c| {
        c.goto(&format!("{}/", app.base)).await.unwrap();
        wait_ready(&c).await;
        // The airspace decision stands alone at Syria's centre: click its point.
        let target = js(
            &c,
            "const f = window.eventmap.data.all().find(f => f.properties.title.includes('airspace'));
             return [f.id, f.geometry.coordinates, f.properties.sources.map(s => s.url), f.properties.title];",
        )
        .await;
        let id = target[0].as_str().unwrap().to_string();
        let (lon, lat) = (target[1][0].as_f64().unwrap(), target[1][1].as_f64().unwrap());
        // Out here it is counted in a cell: a click zooms in to where it is drawn on its own.
        let (x, y) = screen_point(&c, lon, lat).await;
        click_at(&c, x, y).await;
        wait_for(
            &c,
            "the map zoomed in to the event",
            &format!(
                "const m = window.eventmap.map; return !m.isMoving() && m.getZoom() >= 10
                   && m.queryRenderedFeatures({{layers: ['ev-points']}}).some((f) => f.properties.id === {});",
                json!(id)
            ),
        )
        .await;
        let (x, y) = screen_point(&c, lon, lat).await;
        click_at(&c, x, y).await;
        let title = wait_for(
            &c,
            "the panel",
            "const t = document.getElementById('panel-title'); return !document.getElementById('panel').hidden && t && t.textContent;",
        )
        .await;
        assert_eq!(title, target[3]);
        assert!(c.current_url().await.unwrap().contains(&format!("event={id}")), "the URL names the event");
        let links = js(
            &c,
            "return [...document.querySelectorAll('#panel a.source-link')].map(a => [a.href, a.target, a.rel]);",
        )
        .await;
        let links = links.as_array().unwrap();
        let urls: Vec<&str> = target[2].as_array().unwrap().iter().map(|u| u.as_str().unwrap()).collect();
        assert_eq!(links.len(), urls.len(), "every source is listed: {links:?}");
        for l in links {
            assert!(urls.contains(&l[0].as_str().unwrap()), "{l:?} is one of {urls:?}");
            assert_eq!(l[1], "_blank", "a source opens in a new tab");
            let rel = l[2].as_str().unwrap();
            assert!(rel.contains("noopener") && rel.contains("noreferrer"), "rel is {rel}");
        }
        wait_for(&c, "the history", "return document.getElementById('panel-history').textContent.includes('Created');")
            .await;
        let text = js(&c, "return document.getElementById('panel').textContent;").await;
        assert!(text.as_str().unwrap().contains("within about 500 km"), "the precision is said in words");
        // Escape closes the panel and the URL forgets the event.
        c.find("#panel-title").await.unwrap().send_keys("\u{E00C}").await.unwrap();
        wait_for(&c, "the panel to close", "return document.getElementById('panel').hidden;").await;
        assert!(!c.current_url().await.unwrap().contains("event="));
        assert_no_console_errors(&c, "while opening an event").await;
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_at_the_same_place_can_be_chosen_one_by_one() {
    with_browser!(|app, c| {
        c.goto(&format!("{}/?map=11/34.9/35.9", app.base)).await.unwrap();
        wait_ready(&c).await;
        // Tartus holds the checkpoint event, the convoy's arrival and the start of its return.
        let (x, y) = screen_point(&c, 35.886_589, 34.889_019).await;
        click_at(&c, x, y).await;
        let n = wait_for(&c, "the chooser", "return document.querySelectorAll('.chooser-item').length;").await;
        assert!(n.as_u64().unwrap() >= 2, "the chooser lists the events at Tartus one by one");
        let chosen = js(
            &c,
            "const b = document.querySelector('.chooser-item'); const t = b.querySelector('.chooser-title').textContent; b.click(); return t;",
        )
        .await;
        let title = wait_for(
            &c,
            "the panel",
            "return !document.getElementById('panel').hidden && document.getElementById('panel-title').textContent;",
        )
        .await;
        assert_eq!(title, chosen);
        assert_no_console_errors(&c, "while choosing among events").await;
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_filter_change_updates_the_list_and_the_url_and_a_reload_restores_it() {
    with_browser!(|app, c| {
        c.goto(&format!("{}/", app.base)).await.unwrap();
        wait_ready(&c).await;
        let before = list_titles(&c).await;
        let q = c.find("#f-q").await.unwrap();
        q.send_keys("checkpoint\u{E007}").await.unwrap();
        wait_for(&c, "the URL to carry the search", "return location.search.includes('q=checkpoint');").await;
        wait_for(
            &c,
            "the list to narrow",
            &format!("return document.querySelectorAll('#list-items .item').length < {};", before.len()),
        )
        .await;
        let after = list_titles(&c).await;
        assert_eq!(after.len(), 1, "{after:?}");
        assert!(after[0].contains("checkpoint"), "{after:?}");
        // A category too, from the form.
        js(&c, "document.getElementById('more-filters').open = true; return 1;").await;
        c.find("input[name=category][value=strategic_development]").await.unwrap().click().await.unwrap();
        wait_for(
            &c,
            "the URL to carry the category",
            "return location.search.includes('category=strategic_development');",
        )
        .await;
        // A reload shows the same view.
        let url = c.current_url().await.unwrap();
        c.refresh().await.unwrap();
        wait_ready(&c).await;
        assert_eq!(c.current_url().await.unwrap(), url);
        let restored = js(
            &c,
            "return [document.getElementById('f-q').value,
                     document.querySelector('input[name=category][value=strategic_development]').checked];",
        )
        .await;
        assert_eq!(restored, json!(["checkpoint", true]));
        assert_eq!(list_titles(&c).await, after, "the reloaded list is the same");
        // Back goes to the view before the category.
        c.back().await.unwrap();
        wait_for(&c, "back to drop the category", "return !location.search.includes('category=');").await;
        wait_for(
            &c,
            "the checkbox to follow",
            "return !document.querySelector('input[name=category][value=strategic_development]').checked;",
        )
        .await;
        assert_no_console_errors(&c, "while filtering").await;
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_embed_view_shows_the_same_view_without_the_page_around_it() {
    with_browser!(|app, c| {
        c.goto(&format!("{}/?q=convoy", app.base)).await.unwrap();
        wait_ready(&c).await;
        c.find("#btn-embed").await.unwrap().click().await.unwrap();
        let code = wait_for(&c, "the embed code", "return document.getElementById('embed-code').value;").await;
        let code = code.as_str().unwrap().to_string();
        assert!(code.starts_with("<iframe src=\""), "{code}");
        assert!(code.contains("/embed?") && code.contains("q=convoy"), "the snippet keeps the view: {code}");
        let src = code.split('"').nth(1).unwrap().replace("&amp;", "&");
        c.goto(&src).await.unwrap();
        wait_ready(&c).await;
        let shown = js(
            &c,
            "const vis = (id) => { const e = document.getElementById(id); return !!e && e.getClientRects().length > 0; };
             return {topbar: vis('topbar'), filters: vis('filters'), list: vis('list'), map: vis('map'),
                     timeline: vis('timeline'), open: vis('embed-open'), href: document.getElementById('embed-open').href,
                     embed: document.body.classList.contains('embed')};",
        )
        .await;
        assert_eq!(shown["embed"], true, "{shown}");
        assert_eq!(shown["topbar"], false, "no page header in the embed: {shown}");
        assert_eq!(shown["filters"], false, "{shown}");
        assert_eq!(shown["list"], false, "{shown}");
        assert_eq!(shown["map"], true, "{shown}");
        assert_eq!(shown["timeline"], true, "{shown}");
        assert_eq!(shown["open"], true, "{shown}");
        assert!(shown["href"].as_str().unwrap().contains("q=convoy"), "the full-map link keeps the view: {shown}");
        let events = js(&c, "return window.eventmap.data.all().length;").await;
        assert!(events.as_u64().unwrap() >= 3, "the embed draws the filtered events");
        assert_no_console_errors(&c, "in the embed view").await;
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_titled_with_html_shows_as_text_and_runs_nothing() {
    with_browser!(|app, c| {
        let title = "<img src=x onerror=alert(1)>";
        let id = app
            .create(json!({
                "title": title,
                "description": "<script>alert(2)</script><b>bold?</b>",
                "actors": ["<svg onload=alert(3)>"],
                "start": "2025-02-11", "category": "protest",
                "places": [{"name": "Tartus", "lon": 35.8866, "lat": 34.8890}],
                "sources": [{"url": "https://example.org/report", "title": "<i>javascript:alert(4)</i>"}],
            }))
            .await;
        c.goto(&format!("{}/?event={id}", app.base)).await.unwrap();
        wait_ready(&c).await;
        let shown = wait_for(
            &c,
            "the panel",
            "return !document.getElementById('panel').hidden && document.getElementById('panel-title').textContent;",
        )
        .await;
        assert_eq!(shown, title, "the title shows as the text it is");
        wait_for(
            &c,
            "the list",
            &format!(
                "return [...document.querySelectorAll('#list-items .item-title')].some(e => e.textContent === {});",
                json!(title)
            ),
        )
        .await;
        let injected = js(
            &c,
            "return {imgs: document.querySelectorAll('img[src=\"x\"], img[onerror], svg[onload], script:not([src])').length,
                     bold: document.querySelectorAll('#panel b').length,
                     desc: document.querySelector('#panel .description').textContent};",
        )
        .await;
        assert_eq!(injected["imgs"], 0, "no element was made from the text: {injected}");
        assert_eq!(injected["bold"], 0, "{injected}");
        assert!(injected["desc"].as_str().unwrap().contains("<script>alert(2)</script>"), "{injected}");
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert!(c.get_alert_text().await.is_err(), "no alert opened");
        assert_no_console_errors(&c, "with HTML in the text").await;
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_country_picked_as_the_place_shows_all_of_it_and_says_so() {
    with_browser!(|app, c| {
        // Syria's gazetteer id, as the Place box's choice puts it in the URL.
        c.goto(&format!("{}/?place=geonames:163843", app.base)).await.unwrap();
        wait_ready(&c).await;
        let chip = wait_for(
            &c,
            "the place chip",
            "const s = document.getElementById('f-place-scope'); const n = document.getElementById('f-place-name');
             return !s.hidden && n.textContent.includes('Syria') ? [s.textContent, document.getElementById('f-radius').hidden] : null;",
        )
        .await;
        assert_eq!(chip, json!(["the whole country", true]), "no radius for a country");
        let all =
            js(&c, "const r = await fetch('/api/events?country=SY&limit=1'); return (await r.json()).numberMatched;")
                .await;
        let with_place = js(&c, "const r = await fetch('/api/events?place=geonames:163843&limit=1'); return (await r.json()).numberMatched;").await;
        assert_eq!(with_place, all, "the same events as country=SY");
        assert_no_console_errors(&c, "with a country as the place").await;
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_governorate_picked_as_the_place_shows_what_is_in_it_and_drops_a_radius() {
    with_browser!(|app, c| {
        let search: Value = reqwest::get(format!("{}/api/places/search?q=Tartus&country=SY&limit=10", app.base))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let gov = search["features"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["properties"]["kind"] == "region")
            .unwrap_or_else(|| panic!("{search}"))["id"]
            .as_str()
            .unwrap()
            .to_string();
        // An older link with a radius: the region keeps all of itself, and the radius goes.
        c.goto(&format!("{}/?place={gov}&radius_km=100", app.base)).await.unwrap();
        wait_ready(&c).await;
        let chip = wait_for(
            &c,
            "the place chip",
            "const s = document.getElementById('f-place-scope');
             return !s.hidden ? [s.textContent, document.getElementById('f-radius').hidden, location.search.includes('radius_km')] : null;",
        )
        .await;
        assert_eq!(chip, json!(["the whole region", true, false]), "no radius for a region");
        let count = |q: String| {
            let c = &c;
            async move {
                js(
                    c,
                    &format!(
                        "const r = await fetch('/api/events?{q}&limit=1'); return (await r.json()).numberMatched;"
                    ),
                )
                .await
            }
        };
        let by_place = count(format!("place={gov}")).await;
        assert_eq!(by_place, count(format!("admin1={gov}")).await, "the same events as admin1=");
        assert!(by_place.as_u64().unwrap() >= 1, "the demo has events in Tartus governorate");
        assert_no_console_errors(&c, "with a governorate as the place").await;
    })
}
