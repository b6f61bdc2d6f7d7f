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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_image_for_a_story_is_a_print_sized_png_with_the_map_and_its_key() {
    with_browser!(|app, c| {
        c.goto(&format!("{}/", app.base)).await.unwrap();
        wait_ready(&c).await;
        let screen = js(&c, "return window.eventmap.map.getCanvas().getBoundingClientRect().width;").await;
        c.find("#btn-export").await.unwrap().click().await.unwrap();
        c.find("#img-title").await.unwrap().send_keys("Russian convoys around Tartus").await.unwrap();
        c.find("#img-make").await.unwrap().click().await.unwrap();
        wait_for(&c, "the image", "return !document.getElementById('img-download').hidden;").await;
        // The image itself, decoded as the browser decodes it (the page's policy keeps scripts
        // from fetching blob: URLs, but images may show them): its size, and pixels that are
        // not all one colour (the map was drawn, not a blank canvas).
        let png = js(
            &c,
            "const a = document.getElementById('img-download');
             return new Promise((done, fail) => {
               const img = new Image(); img.onerror = () => fail(new Error('not an image'));
               img.onload = () => {
                 const c = document.createElement('canvas'); c.width = img.naturalWidth; c.height = img.naturalHeight;
                 const g = c.getContext('2d'); g.drawImage(img, 0, 0);
                 const mid = g.getImageData(0, Math.floor(c.height * 0.3), c.width, Math.floor(c.height * 0.4)).data;
                 const colours = new Set(); for (let i = 0; i < mid.length; i += 4 * 97) colours.add(mid[i] << 16 | mid[i + 1] << 8 | mid[i + 2]);
                 done(['image', c.width, c.height, colours.size, a.download, c.toDataURL('image/png')]);
               };
               img.src = a.href;
             });",
        )
        .await;
        let (w, h) = (png[1].as_f64().unwrap(), png[2].as_f64().unwrap());
        let screen = screen.as_f64().unwrap();
        assert!(w >= 1600.0 && w >= 2.0 * screen - 1.0, "{w} px wide for a {screen} px map");
        assert!(h > 400.0, "{h} px high");
        assert!(png[3].as_u64().unwrap() > 20, "the map area is nearly one colour: {png}");
        assert!(png[4].as_str().unwrap().ends_with(".png"), "{png}");
        // Kept to look at, beside the page's screenshots.
        use base64::Engine;
        let data = png[5].as_str().unwrap().trim_start_matches("data:image/png;base64,");
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("story-image.png"), base64::engine::general_purpose::STANDARD.decode(data).unwrap())
            .unwrap();
        let status = js(&c, "return document.getElementById('img-status').textContent;").await;
        assert!(status.as_str().unwrap().contains("PNG is ready"), "{status}");
        assert_no_console_errors(&c, "while making the image").await;
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn printing_gives_the_map_as_an_image_and_the_events_in_view_with_their_sources() {
    with_browser!(|app, c| {
        c.goto(&format!("{}/", app.base)).await.unwrap();
        wait_ready(&c).await;
        let in_view = js(&c, "return document.querySelectorAll('#list-items .item-title').length;").await;
        // The browser's own print dialog is not ours to drive: note that it was asked for.
        js(&c, "window.print = () => { window.__printed = true; }; return true;").await;
        c.find("#btn-export").await.unwrap().click().await.unwrap();
        c.find("#btn-print").await.unwrap().click().await.unwrap();
        wait_for(&c, "the print dialog to be asked for", "return window.__printed === true;").await;

        c.post(
            "goog/cdp/execute",
            serde_json::json!({"cmd": "Emulation.setEmulatedMedia", "params": {"media": "print"}}),
        )
        .await
        .expect("print media");
        let sheet = js(
            &c,
            "const s = document.getElementById('print-sheet'); const img = s.querySelector('img.print-map');
             return [getComputedStyle(s).display, getComputedStyle(document.getElementById('topbar')).display,
                     img ? img.naturalWidth : 0, s.querySelectorAll('.print-event').length,
                     [...s.querySelectorAll('.print-url')].map((u) => u.textContent)];",
        )
        .await;
        assert_eq!(sheet[0], "block", "{sheet}");
        assert_eq!(sheet[1], "none", "the page around the sheet is printed: {sheet}");
        assert!(sheet[2].as_u64().unwrap() >= 1600, "{sheet}");
        assert_eq!(sheet[3], in_view, "every event in view is on the sheet: {sheet}");
        assert!(sheet[4].as_array().unwrap().iter().any(|u| u.as_str().unwrap().starts_with("https://")), "{sheet}");
        let shot = c.screenshot().await.unwrap();
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("print-sheet.png"), shot).unwrap();
        // On A4 and on Letter the browser makes a PDF of it.
        for (paper, w, h) in [("a4", 8.27, 11.69), ("letter", 8.5, 11.0)] {
            let pdf = c
                .post(
                    "goog/cdp/execute",
                    serde_json::json!({"cmd": "Page.printToPDF", "params": {"paperWidth": w, "paperHeight": h, "printBackground": true}}),
                )
                .await
                .expect("a PDF");
            let data = pdf["data"].as_str().unwrap_or_default();
            assert!(data.starts_with("JVBERi"), "{paper}: not a PDF");
            use base64::Engine;
            let bytes = base64::engine::general_purpose::STANDARD.decode(data).unwrap();
            std::fs::write(dir.join(format!("print-{paper}.pdf")), &bytes).unwrap();
        }
        c.post("goog/cdp/execute", serde_json::json!({"cmd": "Emulation.setEmulatedMedia", "params": {"media": ""}}))
            .await
            .expect("screen media");
        assert_no_console_errors(&c, "while printing").await;
    })
}
