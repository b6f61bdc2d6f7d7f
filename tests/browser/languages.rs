//! The page in other languages: Arabic laid out right to left and Russian, at desk (1280×800)
//! and phone (390×844) sizes, with screenshots in `target/screenshots/` (`desktop-ar.png`,
//! `phone-ar.png`, `desktop-ru.png`, `phone-ru.png`); the Edit form on an event in Arabic
//! (`edit-form-ar.png`); and the header's language switcher, whose choice the URL keeps.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Value, json};

use crate::harness::{assert_no_console_errors, js, sign_in_as, viewport, wait_for, wait_ready, with_browser};
use crate::layout::js_id_of_convoy;
use crate::wd::Client;

fn shots() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The page's language and direction, some of its words, and where its parts are.
async fn page(c: &Client) -> Value {
    js(
        c,
        "const r = (id) => document.getElementById(id).getBoundingClientRect();
         const text = (id) => document.getElementById(id).textContent.trim();
         const bars = [...document.querySelectorAll('#tl-chart .tl-bar')].map((b) => Number(b.getAttribute('x')));
         return {lang: document.documentElement.lang, dir: document.documentElement.dir,
                 exportBtn: text('btn-export'), filters: text('filters-title'), status: text('list-status'),
                 timeline: text('tl-window'), sidebar: [r('filters').left, r('filters').right], map: [r('map').left, r('map').right],
                 nav: document.querySelector('.maplibregl-ctrl-zoom-in').getBoundingClientRect().left,
                 zoomLabel: document.querySelector('.maplibregl-ctrl-zoom-in').getAttribute('aria-label'),
                 bars, width: document.documentElement.scrollWidth, inner: innerWidth, search: location.search};",
    )
    .await
}

async fn settle(c: &Client) {
    wait_ready(c).await;
    wait_for(c, "the events listed", "return document.querySelectorAll('#list-items .item').length > 0 || !document.getElementById('list-empty').hidden;").await;
    wait_for(c, "the timeline", "return document.querySelectorAll('#tl-chart .tl-bar').length > 0;").await;
    tokio::time::sleep(Duration::from_millis(1200)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn arabic_lays_the_page_out_right_to_left_at_desk_and_phone_sizes() {
    with_browser!(|app, c| {
        let dir = shots();
        let id = js_id_of_convoy(&app).await;
        viewport(&c, 1280, 800, false).await;
        c.goto(&format!("{}/?lang=ar&map=8.00/35.1400/36.3000&event={id}", app.base)).await.unwrap();
        settle(&c).await;
        wait_for(&c, "the panel", "return !document.getElementById('panel').hidden && !!document.getElementById('panel-history').querySelector('ol');").await;
        let p = page(&c).await;
        assert_eq!(p["lang"], "ar", "{p}");
        assert_eq!(p["dir"], "rtl", "{p}");
        assert_eq!(p["exportBtn"], "تصدير", "{p}");
        assert_eq!(p["filters"], "التصفية", "{p}");
        assert_eq!(p["zoomLabel"], "تكبير", "MapLibre's own controls speak Arabic: {p}");
        assert!(p["status"].as_str().unwrap().contains("ظاهر"), "the count is in Arabic: {p}");
        let n = |k: &str, i: usize| p[k][i].as_f64().unwrap();
        assert!(n("sidebar", 0) > n("map", 1) - 1.0, "the sidebar is right of the map: {p}");
        assert!(p["nav"].as_f64().unwrap() > n("map", 1) - 60.0, "the zoom buttons are at the map's right: {p}");
        let bars: Vec<f64> = p["bars"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
        if bars.len() > 1 {
            assert!(bars[0] > bars[bars.len() - 1], "time runs right to left on the timeline: {bars:?}");
        }
        let panel = js(&c, "const r = document.getElementById('panel').getBoundingClientRect(); return [r.left, r.right, document.getElementById('panel-title').textContent, getComputedStyle(document.getElementById('panel')).direction];").await;
        assert!(panel[0].as_f64().unwrap() < n("map", 0) + 5.0, "the panel opens at the map's left: {panel} {p}");
        assert_eq!(panel[3], "rtl", "{panel}");
        let places =
            js(&c, "return [...document.querySelectorAll('#panel .place-role')].map((e) => e.textContent);").await;
        assert!(
            places.as_array().unwrap().iter().all(|r| r
                .as_str()
                .unwrap()
                .chars()
                .any(|ch| ('\u{0600}'..='\u{06FF}').contains(&ch))),
            "the place roles are in Arabic: {places}"
        );
        std::fs::write(dir.join("desktop-ar.png"), c.screenshot().await.unwrap()).unwrap();

        // A dialog lays out right to left too.
        c.find("#btn-export").await.unwrap().click().await.unwrap();
        wait_for(&c, "the export count", "return /[\\u0600-\\u06FF]/.test(document.getElementById('export-count').textContent) && !/…$/.test(document.getElementById('export-count').textContent);").await;
        let dlg = js(&c, "const d = document.getElementById('dlg-export'); const h = d.querySelector('h2').getBoundingClientRect(); const b = d.getBoundingClientRect(); return [h.right, b.right, getComputedStyle(d).direction, d.querySelector('h2').textContent];").await;
        assert_eq!(dlg[2], "rtl", "{dlg}");
        assert!(
            dlg[1].as_f64().unwrap() - dlg[0].as_f64().unwrap() < 40.0,
            "the dialog's heading starts at its right: {dlg}"
        );
        std::fs::write(dir.join("desktop-ar-export.png"), c.screenshot().await.unwrap()).unwrap();
        c.execute("document.getElementById('dlg-export').close(); return null;").await.unwrap();

        // The URL keeps the language as the view changes.
        c.execute("document.querySelector('#panel .panel-close').click(); return null;").await.unwrap();
        wait_for(&c, "the panel closed", "return document.getElementById('panel').hidden;").await;
        let search = js(&c, "return location.search;").await;
        assert!(search.as_str().unwrap().contains("lang=ar"), "{search}");

        viewport(&c, 390, 844, true).await;
        c.goto(&format!("{}/?lang=ar", app.base)).await.unwrap();
        settle(&c).await;
        let p = page(&c).await;
        assert_eq!(p["dir"], "rtl", "{p}");
        assert!(p["width"].as_f64().unwrap() <= 390.0, "nothing overflows the phone's width: {p}");
        let handle = js(&c, "return document.getElementById('list-handle-text').textContent;").await;
        assert!(handle.as_str().unwrap().contains("ظاهر"), "{handle}");
        std::fs::write(dir.join("phone-ar.png"), c.screenshot().await.unwrap()).unwrap();
        c.find("#list-handle").await.unwrap().click().await.unwrap();
        wait_for(&c, "the list sheet", "return document.getElementById('list').classList.contains('expanded');").await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        std::fs::write(dir.join("phone-ar-list.png"), c.screenshot().await.unwrap()).unwrap();
        assert_no_console_errors(&c, "in Arabic").await;
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_edit_form_reads_in_arabic_right_to_left() {
    with_browser!(|app, c| {
        let id = app
            .create(json!({"title": "قصف على سرمين", "start": "2025-02-12", "category": "shelling",
                "places": [{"name": "Sarmin", "lon": 36.7228, "lat": 35.9033}],
                "sources": [{"url": "https://a.example.org/sarmin", "publisher": "A"},
                            {"url": "https://b.example.org/sarmin", "publisher": "B"}]}))
            .await;
        viewport(&c, 1280, 800, false).await;
        c.goto(&format!("{}/?lang=ar&event={id}", app.base)).await.unwrap();
        sign_in_as(&c, &app.editor).await;
        wait_for(&c, "the Edit button", "return !!document.getElementById('cx-edit-open');").await;
        let buttons =
            js(&c, "return ['cx-edit-open', 'cx-merge-open'].map((id) => document.getElementById(id).textContent);")
                .await;
        assert_eq!(buttons, json!(["تعديل", "دمج في…"]));
        c.find("#cx-edit-open").await.unwrap().click().await.unwrap();
        let form = wait_for(
            &c,
            "the form filled with the event",
            "const t = document.getElementById('ed-title'); return !document.getElementById('editor').hidden && t.value && [document.getElementById('editor-title').textContent, document.getElementById('ed-save').textContent, document.querySelector('#ed-kept-sources .kept-title').textContent, document.querySelector('label[for=ed-reason]').textContent, getComputedStyle(document.getElementById('editor')).direction];",
        )
        .await;
        assert_eq!(form[0], "تعديل الحدث", "{form}");
        assert_eq!(form[1], "حفظ التغييرات", "{form}");
        let arabic = |v: &Value| v.as_str().unwrap().chars().any(|ch| ('\u{0600}'..='\u{06FF}').contains(&ch));
        assert!(arabic(&form[2]) && arabic(&form[3]), "the kept sources and the reason speak Arabic: {form}");
        assert_eq!(form[4], "rtl", "{form}");
        tokio::time::sleep(Duration::from_millis(500)).await;
        std::fs::write(shots().join("edit-form-ar.png"), c.screenshot().await.unwrap()).unwrap();
        assert_no_console_errors(&c, "the Arabic edit form").await;
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn russian_reads_in_russian_with_its_plural_forms() {
    with_browser!(|app, c| {
        let dir = shots();
        viewport(&c, 1280, 800, false).await;
        c.goto(&format!("{}/?lang=ru", app.base)).await.unwrap();
        settle(&c).await;
        let p = page(&c).await;
        assert_eq!(p["lang"], "ru", "{p}");
        assert_eq!(p["dir"], "ltr", "{p}");
        assert_eq!(p["exportBtn"], "Экспорт", "{p}");
        assert_eq!(p["filters"], "Фильтры", "{p}");
        assert_eq!(p["timeline"], "Все даты", "{p}");
        let status = p["status"].as_str().unwrap();
        assert!(status.contains(" событи") && status.ends_with("в поле зрения"), "a Russian count: {p}");
        let n = |k: &str, i: usize| p[k][i].as_f64().unwrap();
        assert!(n("sidebar", 1) <= n("map", 0) + 1.0, "the sidebar stays on the left: {p}");
        let month =
            js(&c, "return [...document.querySelectorAll('#tl-chart .tl-label')].map((t) => t.textContent).join(' ');")
                .await;
        assert!(
            month.as_str().unwrap().chars().any(|ch| ('\u{0400}'..='\u{04FF}').contains(&ch))
                || month.as_str().unwrap().chars().all(|ch| !ch.is_alphabetic()),
            "the timeline's dates are Russian: {month}"
        );
        std::fs::write(dir.join("desktop-ru.png"), c.screenshot().await.unwrap()).unwrap();

        viewport(&c, 390, 844, true).await;
        c.goto(&format!("{}/?lang=ru", app.base)).await.unwrap();
        settle(&c).await;
        let p = page(&c).await;
        assert!(p["width"].as_f64().unwrap() <= 390.0, "nothing overflows the phone's width: {p}");
        std::fs::write(dir.join("phone-ru.png"), c.screenshot().await.unwrap()).unwrap();
        assert_no_console_errors(&c, "in Russian").await;
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_language_switcher_changes_the_page_and_the_url_keeps_it() {
    with_browser!(|app, c| {
        viewport(&c, 1280, 800, false).await;
        c.goto(&format!("{}/?q=convoy", app.base)).await.unwrap();
        wait_ready(&c).await;
        let before = page(&c).await;
        assert_eq!(before["lang"], "en", "English is the default: {before}");
        assert_eq!(before["exportBtn"], "Export", "{before}");
        let options = js(
            &c,
            "return [...document.querySelectorAll('#lang-select option')].map((o) => o.value + ':' + o.textContent);",
        )
        .await;
        assert_eq!(
            options,
            serde_json::json!(["en:English", "ar:العربية", "ru:Русский", "uk:Українська", "tr:Türkçe"])
        );
        c.execute("const s = document.getElementById('lang-select'); s.value = 'uk'; s.dispatchEvent(new Event('change')); return null;")
            .await
            .unwrap();
        wait_for(
            &c,
            "the Ukrainian page",
            "return document.documentElement.lang === 'uk' && document.body.classList.contains('ready');",
        )
        .await;
        let after = page(&c).await;
        assert_eq!(after["exportBtn"], "Експорт", "{after}");
        let search = after["search"].as_str().unwrap();
        assert!(
            search.contains("lang=uk") && search.contains("q=convoy"),
            "the URL keeps the view and the language: {after}"
        );
        let selected = js(&c, "return document.getElementById('lang-select').value;").await;
        assert_eq!(selected, "uk");
    })
}
