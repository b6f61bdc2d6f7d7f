//! Corrections in the map: an editor changes an event's status with a reason, meets a change
//! made meanwhile by someone else (412) and reloads, detaches a source and deletes the event,
//! all from the event panel; a reader sees none of it.

use serde_json::{Value, json};

use crate::harness::{App, js, wait_for, with_browser};

async fn api(app: &App, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
    let mut rb = reqwest::Client::new().request(method, format!("{}{path}", app.base)).bearer_auth(&app.editor);
    if let Some(b) = body {
        rb = rb.json(&b);
    }
    let r = rb.send().await.unwrap();
    assert!(r.status().is_success(), "{path}: {}", r.status());
    r.json().await.unwrap_or(Value::Null)
}

/// A function body: the panel's status badge once it reads `label`.
fn badge(label: &str) -> String {
    format!(
        "const b = document.querySelector('#panel .badge'); return b && b.textContent === {} && b.textContent;",
        json!(label)
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_editor_corrects_detaches_and_deletes_in_the_panel_and_a_reader_cannot() {
    with_browser!(|app, c| {
        let id = app
            .create(json!({"title": "Shelling reported near Saraqib", "start": "2025-02-12", "category": "shelling",
                "places": [{"name": "Saraqib", "lon": 36.8, "lat": 35.86}],
                "sources": [{"url": "https://a.example.org/saraqib", "publisher": "A"},
                            {"url": "https://b.example.org/saraqib", "publisher": "B"}]}))
            .await;
        // A reader: no corrections.
        c.goto(&format!("{}/?event={id}", app.base)).await.unwrap();
        wait_for(&c, "the panel", "return document.getElementById('panel-title')?.textContent.includes('Saraqib');")
            .await;
        let offered =
            js(&c, "return !!document.getElementById('cx-status-open') || !!document.querySelector('.source-detach');")
                .await;
        assert_eq!(offered, false, "a reader is offered corrections");

        // Signed in as an editor, the panel offers them at once.
        c.find("#btn-signin").await.unwrap().click().await.unwrap();
        c.find("#signin-token").await.unwrap().send_keys(&app.editor).await.unwrap();
        c.find("#signin-submit").await.unwrap().click().await.unwrap();
        wait_for(&c, "the corrections", "return !!document.getElementById('cx-status-open');").await;

        // Change the status, with a reason; a missing reason is asked for first.
        c.find("#cx-status-open").await.unwrap().click().await.unwrap();
        js(&c, "document.getElementById('cx-status-value').value = 'verified'; return true;").await;
        c.find("#cx-status-send").await.unwrap().click().await.unwrap();
        let asked = wait_for(
            &c,
            "the reason asked for",
            "const e = document.getElementById('cx-status-error'); return !e.hidden && e.textContent;",
        )
        .await;
        assert!(asked.as_str().unwrap().contains("Say why"), "{asked}");
        c.find("#cx-status-reason").await.unwrap().send_keys("Geolocated from two videos").await.unwrap();
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("correct-status.png"), c.screenshot().await.unwrap()).unwrap();
        c.find("#cx-status-send").await.unwrap().click().await.unwrap();
        wait_for(&c, "the verified badge", &badge("Verified")).await;
        let history = wait_for(&c, "the reason in the history", "const h = document.getElementById('panel-history'); return h && h.textContent.includes('Geolocated from two videos') && h.textContent;").await;
        assert!(history.as_str().unwrap().contains("browser test desk"), "{history}");

        // Someone else changes it meanwhile: the next change is refused in words, and a reload
        // shows theirs.
        api(
            &app,
            reqwest::Method::PATCH,
            &format!("/api/events/{id}?reason=seen%20elsewhere"),
            Some(json!({"status": "disputed"})),
        )
        .await;
        c.find("#cx-status-open").await.unwrap().click().await.unwrap();
        js(&c, "document.getElementById('cx-status-value').value = 'retracted'; return true;").await;
        c.find("#cx-status-reason").await.unwrap().send_keys("The outlet withdrew it").await.unwrap();
        c.find("#cx-status-send").await.unwrap().click().await.unwrap();
        let conflict = wait_for(
            &c,
            "the conflict",
            "const e = document.getElementById('cx-status-error'); return !e.hidden && e.textContent;",
        )
        .await;
        assert!(conflict.as_str().unwrap().contains("Someone else changed this event"), "{conflict}");
        c.find("#cx-status-reload").await.unwrap().click().await.unwrap();
        wait_for(&c, "their change", &badge("Disputed")).await;

        // Detach one source.
        let before = js(&c, "return document.querySelectorAll('#panel a.source-link').length;").await;
        assert_eq!(before, 2);
        c.find(".source-detach").await.unwrap().click().await.unwrap();
        c.find("#cx-detach-reason").await.unwrap().send_keys("Copied the other outlet word for word").await.unwrap();
        c.find("#cx-detach-send").await.unwrap().click().await.unwrap();
        wait_for(&c, "one source left", "return document.querySelectorAll('#panel a.source-link').length === 1;").await;
        let stored = api(&app, reqwest::Method::GET, &format!("/api/events/{id}"), None).await;
        assert_eq!(stored["properties"]["sources"].as_array().unwrap().len(), 1, "{stored}");

        // Delete, with a reason: the panel shows the tombstone and the map drops the event.
        c.find("#cx-delete-open").await.unwrap().click().await.unwrap();
        c.find("#cx-delete-reason").await.unwrap().send_keys("Duplicate of an earlier report").await.unwrap();
        c.find("#cx-delete-send").await.unwrap().click().await.unwrap();
        let gone = wait_for(&c, "the tombstone", "const t = document.getElementById('panel-title'); return t && t.textContent.includes('deleted') && document.getElementById('panel').textContent;").await;
        assert!(gone.as_str().unwrap().contains("Duplicate of an earlier report"), "{gone}");
        wait_for(
            &c,
            "the event gone from the loaded data",
            &format!("return !window.eventmap.data.get({});", json!(id)),
        )
        .await;
        // The browser logs the expected 412 and the tombstone's 410; nothing else may be an error.
        let logged = crate::harness::console(&c).await;
        let other: Vec<_> = logged
            .iter()
            .filter(|(level, m)| level == "SEVERE" && !m.contains("status of 412") && !m.contains("status of 410"))
            .collect();
        assert!(other.is_empty(), "console errors while correcting:\n{other:#?}");
    })
}
