//! Correcting in the map, the larger corrections: an editor edits every field of an event in the
//! editor form with a reason, meets a change made meanwhile (412), reloads and reapplies; merges
//! a duplicate into the event it duplicates; adds a team place by clicking the map.

use std::path::Path;

use serde_json::{Value, json};

use crate::harness::{App, click_at, js, screen_point, sign_in_as, wait_for, with_browser};

async fn get(app: &App, path: &str) -> (u16, Value) {
    let r = reqwest::Client::new().get(format!("{}{path}", app.base)).bearer_auth(&app.editor).send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

/// Sets a form control's value as typing would (an `input` event follows).
async fn set(c: &crate::wd::Client, id: &str, value: &str) {
    js(
        c,
        &format!(
            "const e = document.getElementById({}); e.value = {}; e.dispatchEvent(new Event('input', {{bubbles: true}})); return true;",
            json!(id),
            json!(value)
        ),
    )
    .await;
}

fn shot(c_png: Vec<u8>, name: &str) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(name), c_png).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_editor_edits_every_field_with_a_reason_and_reapplies_after_a_conflict() {
    with_browser!(|app, c| {
        let id = app
            .create(json!({"title": "Strike reported in Sarmin", "start": "2025-02-12", "category": "shelling",
                "description": "First report, unconfirmed.", "actors": ["Unknown"],
                "places": [{"name": "Sarmin", "lon": 36.7228, "lat": 35.9033}],
                "sources": [{"url": "https://a.example.org/sarmin", "publisher": "A"},
                            {"url": "https://b.example.org/sarmin", "publisher": "B"}]}))
            .await;
        c.goto(&format!("{}/?event={id}", app.base)).await.unwrap();
        sign_in_as(&c, &app.editor).await;
        wait_for(&c, "the Edit button", "return !!document.getElementById('cx-edit-open');").await;
        c.find("#cx-edit-open").await.unwrap().click().await.unwrap();
        let filled = wait_for(
            &c,
            "the form filled with the event",
            "const t = document.getElementById('ed-title'); return !document.getElementById('editor').hidden && t.value && [t.value, document.getElementById('ed-description').value, document.querySelectorAll('#ed-kept-sources input[type=checkbox]').length, document.getElementById('editor-title').textContent];",
        )
        .await;
        assert_eq!(filled, json!(["Strike reported in Sarmin", "First report, unconfirmed.", 2, "Edit the event"]));
        assert_eq!(
            js(&c, "return document.getElementById('ed-report').hidden;").await,
            true,
            "no report pasting in an edit"
        );

        // Change the title and type, clear the description, detach source B, add source C.
        set(&c, "ed-title", "Air strike on Sarmin").await;
        js(&c, "document.getElementById('ed-category').value = 'air_or_drone_strike'; return true;").await;
        set(&c, "ed-description", "").await;
        js(&c, "document.getElementById('ed-keep-1').click(); return true;").await;
        set(&c, "ed-src-url", "https://c.example.org/sarmin-video").await;
        set(&c, "ed-src-publisher", "C").await;
        c.find("#ed-save").await.unwrap().click().await.unwrap();
        let asked = wait_for(
            &c,
            "the reason asked for",
            "const e = document.getElementById('err-reason'); return !e.hidden && e.textContent;",
        )
        .await;
        assert!(asked.as_str().unwrap().contains("Say why"), "{asked}");
        set(&c, "ed-reason", "Two videos show a jet; B copied A").await;
        shot(c.screenshot().await.unwrap(), "edit-form.png");
        c.find("#ed-save").await.unwrap().click().await.unwrap();
        wait_for(&c, "the panel with the new title", "const t = document.getElementById('panel-title'); return t && t.textContent === 'Air strike on Sarmin' && document.getElementById('editor').hidden;").await;
        let (_, f) = get(&app, &format!("/api/events/{id}")).await;
        let p = &f["properties"];
        assert_eq!(
            (p["category"].as_str(), p["description"].is_null(), p["revision"].as_u64()),
            (Some("air_or_drone_strike"), true, Some(2)),
            "{f}"
        );
        let urls: Vec<&str> = p["sources"].as_array().unwrap().iter().map(|s| s["url"].as_str().unwrap()).collect();
        assert_eq!(urls, ["https://a.example.org/sarmin", "https://c.example.org/sarmin-video"]);
        assert_eq!(p["actors"], json!(["Unknown"]), "an untouched field stays");
        let (_, h) = get(&app, &format!("/api/events/{id}/history")).await;
        assert_eq!(h["revisions"][1]["reason"], "Two videos show a jet; B copied A");

        // Someone changes it while the form is open: the save is refused in words, the reload
        // shows their change, and the edit made again goes through.
        c.find("#cx-edit-open").await.unwrap().click().await.unwrap();
        wait_for(&c, "the form", "return document.getElementById('ed-title').value === 'Air strike on Sarmin';").await;
        let r = reqwest::Client::new()
            .patch(format!("{}/api/events/{id}?reason=seen%20elsewhere", app.base))
            .bearer_auth(&app.editor)
            .json(&json!({"status": "disputed"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200);
        set(&c, "ed-fatalities", "2").await;
        set(&c, "ed-reason", "Hospital count").await;
        c.find("#ed-save").await.unwrap().click().await.unwrap();
        let said = wait_for(
            &c,
            "the conflict",
            "const s = document.getElementById('ed-summary'); return !s.hidden && s.textContent;",
        )
        .await;
        assert!(said.as_str().unwrap().contains("Someone else changed this event"), "{said}");
        c.find("#ed-reload").await.unwrap().click().await.unwrap();
        wait_for(&c, "their status in the form", "return document.getElementById('ed-status').value === 'disputed' && document.getElementById('ed-fatalities').value === '';").await;
        set(&c, "ed-fatalities", "2").await;
        set(&c, "ed-reason", "Hospital count").await;
        c.find("#ed-save").await.unwrap().click().await.unwrap();
        wait_for(&c, "the editor closed", "return document.getElementById('editor').hidden;").await;
        let (_, f) = get(&app, &format!("/api/events/{id}")).await;
        assert_eq!(
            (f["properties"]["fatalities"].as_u64(), f["properties"]["status"].as_str()),
            (Some(2), Some("disputed")),
            "{f}"
        );
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_editor_merges_a_duplicate_and_adds_a_team_place_on_the_map() {
    with_browser!(|app, c| {
        let keep = app
            .create(json!({"title": "Air strike on Sarmin", "start": "2025-02-12", "category": "air_or_drone_strike",
                "places": [{"name": "Sarmin", "lon": 36.7228, "lat": 35.9033}],
                "sources": [{"url": "https://en.example.org/sarmin"}]}))
            .await;
        let dup = app
            .create(json!({"title": "Авиаудар по Сармину", "start": "2025-02-12", "category": "air_or_drone_strike",
                "places": [{"name": "Sarmin", "lon": 36.7228, "lat": 35.9033}],
                "sources": [{"url": "https://ru.example.org/sarmin"}]}))
            .await;
        c.goto(&format!("{}/?event={dup}", app.base)).await.unwrap();
        sign_in_as(&c, &app.editor).await;
        wait_for(&c, "Merge into", "return !!document.getElementById('cx-merge-open');").await;
        c.find("#cx-merge-open").await.unwrap().click().await.unwrap();
        let pick = format!("mg-pick-{keep}");
        wait_for(&c, "the nearby event offered", &format!("return !!document.getElementById({});", json!(pick))).await;
        c.find("#cx-merge-send").await.unwrap().click().await.unwrap();
        let asked = wait_for(
            &c,
            "a reason asked for",
            "const e = document.getElementById('cx-merge-error'); return !e.hidden && e.textContent;",
        )
        .await;
        assert!(asked.as_str().unwrap().contains("Say why"), "{asked}");
        c.find("#cx-merge-reason").await.unwrap().send_keys("The same strike, reported in Russian").await.unwrap();
        c.find("#cx-merge-send").await.unwrap().click().await.unwrap();
        let unchosen = wait_for(
            &c,
            "the choice asked for",
            "const e = document.getElementById('cx-merge-error'); return !e.hidden && e.textContent;",
        )
        .await;
        assert!(unchosen.as_str().unwrap().contains("choose the event"), "{unchosen}");
        js(&c, &format!("document.getElementById({}).click(); return true;", json!(pick))).await;
        shot(c.screenshot().await.unwrap(), "merge-form.png");
        c.find("#cx-merge-send").await.unwrap().click().await.unwrap();
        wait_for(&c, "the survivor in the panel", "const t = document.getElementById('panel-title'); return t && t.textContent === 'Air strike on Sarmin' && document.querySelectorAll('#panel a.source-link').length === 2;").await;
        let (status, gone) = get(&app, &format!("/api/events/{dup}")).await;
        assert_eq!((status, gone["merged_into"].as_str()), (410, Some(keep.as_str())), "{gone}");

        // The duplicate's link now leads to the survivor.
        c.goto(&format!("{}/?event={dup}", app.base)).await.unwrap();
        wait_for(&c, "the merged notice", "return !!document.getElementById('panel-survivor');").await;
        c.find("#panel-survivor").await.unwrap().click().await.unwrap();
        wait_for(
            &c,
            "the survivor",
            "const t = document.getElementById('panel-title'); return t && t.textContent === 'Air strike on Sarmin';",
        )
        .await;

        // A team place by a click on the map, named in three scripts.
        c.find("#btn-editor").await.unwrap().click().await.unwrap();
        js(&c, "document.getElementById('tp-start').scrollIntoView({block: 'center'}); return true;").await;
        c.find("#tp-start").await.unwrap().click().await.unwrap();
        let (x, y) = screen_point(&c, 36.7, 35.95).await;
        click_at(&c, x, y).await;
        wait_for(&c, "the place form", "return !!document.getElementById('tp-name');").await;
        js(&c, "document.getElementById('tp-save').scrollIntoView({block: 'center'}); return true;").await;
        c.find("#tp-save").await.unwrap().click().await.unwrap();
        let named = wait_for(
            &c,
            "a name asked for",
            "const e = document.getElementById('tp-err-name'); return !e.hidden && e.textContent;",
        )
        .await;
        assert!(named.as_str().unwrap().contains("name"), "{named}");
        set(&c, "tp-name", "Sarmin north checkpoint").await;
        set(&c, "tp-names", "حاجز سرمين الشمالي\nСеверный блокпост Сармина").await;
        js(&c, "document.getElementById('tp-save').scrollIntoView({block: 'center'}); return true;").await;
        c.find("#tp-save").await.unwrap().click().await.unwrap();
        wait_for(&c, "the place in the event's places", "return [...document.querySelectorAll('#editor .place-rows input')].some((i) => i.value === 'Sarmin north checkpoint');").await;
        let r = reqwest::get(format!("{}/api/places/search?q={}", app.base, "حاجز%20سرمين")).await.unwrap();
        let found: Value = r.json().await.unwrap();
        let hit = &found["features"][0];
        assert_eq!(hit["properties"]["name"], "Sarmin north checkpoint", "{found}");
        let lon = hit["geometry"]["coordinates"][0].as_f64().unwrap();
        assert!((lon - 36.7).abs() < 0.05, "placed where the map was clicked: {hit}");
    })
}
