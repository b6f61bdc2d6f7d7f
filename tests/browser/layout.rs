//! The layouts at desk (1280×800) and phone (390×844) sizes, and the screenshots taken of them.

use std::path::Path;
use std::time::Duration;

use serde_json::Value;

use crate::harness::{App, assert_no_console_errors, js, viewport, wait_for, wait_ready, with_browser};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_map_reads_well_on_a_desk_and_on_a_phone() {
    with_browser!(|app, c| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        let update_docs = std::env::var("EVENTMAP_UPDATE_SCREENSHOTS").is_ok_and(|v| v == "1");
        let id = js_id_of_convoy(&app).await;

        viewport(&c, 1280, 800, false).await;
        c.goto(&format!("{}/?map=8.00/35.1400/36.3000&event={id}", app.base)).await.unwrap();
        wait_ready(&c).await;
        wait_for(&c, "the panel", "return !document.getElementById('panel').hidden && !!document.getElementById('panel-history').querySelector('ol');").await;
        // The basemap's vector tiles (1:10m at this zoom) are in, with the rest of the map.
        wait_for(
            &c,
            "the basemap tiles",
            "const m = window.eventmap.map;
             return m.querySourceFeatures('basemap', {sourceLayer: 'land'}).length > 0 && m.loaded();",
        )
        .await;
        tokio::time::sleep(Duration::from_millis(1200)).await;
        let png = c.screenshot().await.unwrap();
        std::fs::write(dir.join("desktop.png"), &png).unwrap();
        if update_docs {
            std::fs::write(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/screenshot.png"), &png).unwrap();
        }

        viewport(&c, 390, 844, true).await;
        c.goto(&format!("{}/", app.base)).await.unwrap();
        wait_ready(&c).await;
        tokio::time::sleep(Duration::from_millis(1200)).await;
        let layout = js(
            &c,
            "const r = (id) => document.getElementById(id).getBoundingClientRect();
             return {width: document.documentElement.scrollWidth, handle: r('list-handle').height,
                     listTop: r('list').top, height: innerHeight, mapHeight: r('map').height};",
        )
        .await;
        assert!(layout["width"].as_f64().unwrap() <= 390.0, "nothing overflows the phone's width: {layout}");
        assert!(layout["handle"].as_f64().unwrap() > 30.0, "the list is a bottom sheet with a handle: {layout}");
        assert!(layout["mapHeight"].as_f64().unwrap() > 400.0, "the map fills most of the phone: {layout}");
        let png = c.screenshot().await.unwrap();
        std::fs::write(dir.join("phone.png"), &png).unwrap();
        if update_docs {
            std::fs::write(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/screenshot-phone.png"), &png).unwrap();
        }
        // The list opens as a sheet, and an event as a sheet over the map.
        c.find("#list-handle").await.unwrap().click().await.unwrap();
        wait_for(&c, "the list sheet", "return document.getElementById('list').classList.contains('expanded');").await;
        // The sheet slides up: the first event is tapped once it has arrived under the finger.
        wait_for(
            &c,
            "the first listed event on screen",
            "const b = document.querySelector('#list-items .item-btn'); if (!b) return false;
             const r = b.getBoundingClientRect(); if (r.height === 0 || r.bottom > innerHeight) return false;
             const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
             return !!hit && b.contains(hit);",
        )
        .await;
        c.find("#list-items .item-btn").await.unwrap().click().await.unwrap();
        wait_for(&c, "the panel sheet", "return !document.getElementById('panel').hidden;").await;
        let sheet = js(&c, "const r = document.getElementById('panel').getBoundingClientRect(); return [r.width, r.bottom, innerHeight];").await;
        let n = |i: usize| sheet[i].as_f64().unwrap();
        assert_eq!(n(0), 390.0, "the panel spans the phone: {sheet}");
        assert!((n(1) - n(2)).abs() < 1.0, "the panel is a bottom sheet: {sheet}");
        std::fs::write(dir.join("phone-panel.png"), c.screenshot().await.unwrap()).unwrap();
        assert_no_console_errors(&c, "at desk and phone sizes").await;
    })
}

/// The id of the convoy's departure, for a view with its panel open.
pub(crate) async fn js_id_of_convoy(app: &App) -> String {
    let v: Value =
        reqwest::get(format!("{}/api/events?q=Hmeimim&sort=start", app.base)).await.unwrap().json().await.unwrap();
    v["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["properties"]["title"].as_str().unwrap_or("").contains("leaves"))
        .map(|f| f["id"].as_str().unwrap().to_string())
        .expect("the convoy's departure is in the demo")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_embed_in_a_760_px_column_keeps_its_dates_on_one_or_two_lines() {
    with_browser!(|app, c| {
        viewport(&c, 760, 520, false).await;
        c.goto(&format!("{}/embed?start=2025-02-08&end=2025-02-11", app.base)).await.unwrap();
        wait_ready(&c).await;
        let lines = js(
            &c,
            "const w = document.getElementById('tl-window'); const lh = parseFloat(getComputedStyle(w).lineHeight) || 18;
             return [w.textContent, Math.round(w.getBoundingClientRect().height / lh)];",
        )
        .await;
        assert!(lines[0].as_str().unwrap().contains("Feb 2025"), "{lines}");
        assert!(lines[1].as_u64().unwrap() <= 2, "the dates wrap into {} lines: {lines}", lines[1]);
    })
}
