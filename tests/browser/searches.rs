//! The Saved searches dialog: an editor saves the page's filters under a name, the list opens
//! the map on a saved search and gives its feed's address, a reader without the editor role
//! cannot save or delete, and an editor deletes one. Screenshots at desk and phone sizes.

use std::path::Path;

use serde_json::Value;

use crate::harness::{assert_no_console_errors, js, sign_in_as, viewport, wait_for, wait_ready, with_browser};
use crate::wd::Client;

/// Opens the dialog with a click and waits for the list to arrive.
async fn open_dialog(c: &Client) {
    c.find("#btn-searches").await.unwrap().click().await.unwrap();
    wait_for(
        c,
        "the saved searches",
        "const d = document.getElementById('dlg-searches');
         return d.open && !/Loading/.test(document.getElementById('searches-note').textContent);",
    )
    .await;
}

async fn saved(app: &crate::harness::App) -> Value {
    let r = reqwest::get(format!("{}/api/searches", app.base)).await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    r.json::<Value>().await.unwrap()["searches"].clone()
}

fn shot(c_png: Vec<u8>, name: &str) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(name), c_png).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_editor_saves_the_filters_as_a_search_that_opens_the_map_and_has_a_feed() {
    with_browser!(|app, c| {
        viewport(&c, 1280, 800, false).await;
        c.goto(&format!("{}/?category=strategic_development&start=2024-01-01", app.base)).await.unwrap();
        sign_in_as(&c, &app.editor).await;
        open_dialog(&c).await;
        let before = js(
            &c,
            "return [document.getElementById('search-save').hidden, document.getElementById('searches-note').textContent,
                     document.getElementById('search-save-what').textContent];",
        )
        .await;
        assert_eq!(before[0], false, "an editor may save: {before}");
        assert!(before[1].as_str().unwrap().contains("No search is saved yet"), "{before}");
        assert_eq!(before[2], "category: strategic_development · from: 2024-01-01", "{before}");

        // A name is needed; the refusal says so without asking the server.
        c.find("#search-save-submit").await.unwrap().click().await.unwrap();
        let why = wait_for(
            &c,
            "the missing name",
            "const e = document.getElementById('search-save-error'); return !e.hidden && e.textContent;",
        )
        .await;
        assert_eq!(why, "Give the search a name.");
        assert_eq!(saved(&app).await.as_array().unwrap().len(), 0, "nothing was saved without a name");

        c.find("#search-name").await.unwrap().send_keys("Strategic moves <b>north</b>").await.unwrap();
        c.find("#search-save-submit").await.unwrap().click().await.unwrap();
        wait_for(
            &c,
            "the saved search in the list",
            "return document.querySelectorAll('#searches-list li').length === 1;",
        )
        .await;
        let list = saved(&app).await;
        let s = &list[0];
        assert_eq!(s["name"], "Strategic moves <b>north</b>", "{list}");
        assert_eq!(
            s["filters"],
            serde_json::json!({"category": "strategic_development", "start": "2024-01-01"}),
            "{list}"
        );
        let shown = js(
            &c,
            "const li = document.querySelector('#searches-list li');
             return {name: li.querySelector('.search-name').textContent, open: li.querySelector('.search-name').href,
                     feed: li.querySelector('.search-feed').value, feedLink: li.querySelector('.search-feed-link').href,
                     bold: li.querySelectorAll('b').length, error: document.getElementById('search-save-error').hidden};",
        )
        .await;
        assert_eq!(shown["name"], s["name"], "the name as text: {shown}");
        assert_eq!(shown["bold"], 0, "no HTML from the name: {shown}");
        assert_eq!(shown["open"], s["map_url"], "{shown}");
        assert_eq!(shown["feed"], s["feed_url"], "{shown}");
        assert_eq!(shown["feedLink"], s["feed_url"], "{shown}");
        assert_eq!(shown["error"], true, "the earlier refusal is gone: {shown}");
        let feed = js(
            &c,
            "const r = await fetch(document.querySelector('#searches-list .search-feed').value);
             return [r.status, r.headers.get('content-type').split(';')[0], (await r.text()).includes('<feed')];",
        )
        .await;
        assert_eq!(feed, serde_json::json!([200, "application/atom+xml", true]), "the feed is there: {feed}");
        shot(c.screenshot().await.unwrap(), "searches-desktop.png");

        // The name opens the map on the search, from a page without filters.
        js(&c, "document.getElementById('dlg-searches').close(); return true;").await;
        c.goto(&format!("{}/", app.base)).await.unwrap();
        wait_ready(&c).await;
        open_dialog(&c).await;
        c.find("#searches-list .search-name").await.unwrap().click().await.unwrap();
        wait_for(
            &c,
            "the map on the saved search",
            "return location.search.includes('category=strategic_development');",
        )
        .await;
        wait_ready(&c).await;
        let opened = js(
            &c,
            "const s = window.eventmap.state.get();
             return [s.filters.categories, s.time.start,
                     document.querySelector('input[name=category][value=strategic_development]').checked];",
        )
        .await;
        assert_eq!(opened, serde_json::json!([["strategic_development"], "2024-01-01", true]), "{opened}");

        // On a phone, from the More menu; nothing wider than the screen.
        viewport(&c, 390, 844, true).await;
        c.refresh().await.unwrap();
        // The desk's view on a narrower screen may hold none of the events: started is enough.
        wait_for(&c, "the page", "return document.body.classList.contains('ready');").await;
        c.find("#btn-menu").await.unwrap().click().await.unwrap();
        open_dialog(&c).await;
        let width = js(&c, "return document.getElementById('dlg-searches').getBoundingClientRect().right;").await;
        assert!(width.as_f64().unwrap() <= 390.0, "the dialog fits the phone: {width}");
        shot(c.screenshot().await.unwrap(), "searches-phone.png");
        js(&c, "document.getElementById('dlg-searches').close(); return true;").await;
        viewport(&c, 1280, 800, false).await;

        // Someone without the editor role reads the list but cannot save or delete.
        sign_in_as(&c, "").await;
        open_dialog(&c).await;
        let reader = js(
            &c,
            "return [document.getElementById('search-save').hidden, document.getElementById('search-save-signin').hidden,
                     document.querySelectorAll('#searches-list li').length, document.querySelectorAll('.search-delete').length];",
        )
        .await;
        assert_eq!(reader, serde_json::json!([true, false, 1, 0]), "{reader}");
        js(&c, "document.getElementById('dlg-searches').close(); return true;").await;

        // An editor deletes it, after a second click to confirm.
        sign_in_as(&c, &app.editor).await;
        open_dialog(&c).await;
        c.find(".search-delete").await.unwrap().click().await.unwrap();
        assert_eq!(saved(&app).await.as_array().unwrap().len(), 1, "one click does not delete");
        c.find(".search-delete").await.unwrap().click().await.unwrap();
        wait_for(&c, "the empty list", "return document.querySelectorAll('#searches-list li').length === 0;").await;
        assert_eq!(saved(&app).await.as_array().unwrap().len(), 0, "deleted on the server");
        assert_no_console_errors(&c, "while saving and deleting searches").await;
    })
}
