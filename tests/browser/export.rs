//! The Export dialog: the events in view in every format, even across the antimeridian.

use std::time::Duration;

use serde_json::Value;

use crate::harness::{assert_no_console_errors, js, wait_for, wait_ready, with_browser};
use crate::wd::Client;

/// Opens the Export dialog with a click and answers, for each of its links, the format's name,
/// the media type it is served with, and how many events it holds (GeoJSON features, CSV rows
/// after the header, KML placemarks, NDJSON lines).
async fn export_links(c: &Client) -> Value {
    c.find("#btn-export").await.unwrap().click().await.unwrap();
    wait_for(
        c,
        "the export count",
        "return /match the filters/.test(document.getElementById('export-count').textContent);",
    )
    .await;
    let got = js(
        c,
        "const links = [...document.querySelectorAll('#export-links a')];
         return Promise.all(links.map(async (a) => {
           const r = await fetch(a.href); const t = await r.text();
           const type = r.headers.get('content-type') || '';
           const n = type.includes('geo+json') ? JSON.parse(t).features.length
             : type.includes('csv') ? t.trim().split('\\n').length - 1
             : type.includes('kml') ? (t.match(/<Placemark/g) || []).length
             : t.trim() ? t.trim().split('\\n').length : 0;
           return [a.textContent, type.split(';')[0], n, a.getAttribute('download')];
         }));",
    )
    .await;
    js(c, "document.getElementById('dlg-export').close(); return true;").await;
    got
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_export_dialog_gives_the_events_in_view_in_every_format_even_across_the_antimeridian() {
    with_browser!(|app, c| {
        c.goto(&format!("{}/", app.base)).await.unwrap();
        wait_ready(&c).await;
        let in_view = js(&c, "return window.eventmap.data.inView(window.eventmap.map).length;").await.as_u64().unwrap();
        assert!(in_view >= 4, "the demo events are in view: {in_view}");
        let links = export_links(&c).await;
        let types: Vec<&str> = links.as_array().unwrap().iter().map(|l| l[1].as_str().unwrap()).collect();
        assert_eq!(
            types,
            ["application/geo+json", "text/csv", "application/vnd.google-earth.kml+xml", "application/x-ndjson"],
            "{links}"
        );
        for l in links.as_array().unwrap() {
            assert_eq!(l[2].as_u64().unwrap(), in_view, "{} holds the events in view: {links}", l[0]);
            assert!(l[3].as_str().unwrap().starts_with("eventmap"), "a file name to save under: {links}");
        }
        // Over the Pacific without Syria, and with it, the view crossing 180° both times.
        for (lon, expect_some) in [(-170.0, false), (150.0, true)] {
            js(&c, &format!("window.eventmap.map.jumpTo({{center: [{lon}, -20], zoom: 1.3}}); return true;")).await;
            tokio::time::sleep(Duration::from_millis(400)).await;
            let links = export_links(&c).await;
            for l in links.as_array().unwrap() {
                let n = l[2].as_u64().unwrap();
                assert_eq!(n > 0, expect_some, "{} for the view centred on {lon}: {links}", l[0]);
            }
        }
        assert_no_console_errors(&c, "after exporting").await;
    })
}
