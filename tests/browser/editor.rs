//! The editor: a pasted report is drafted, matched to the event it describes and added to it, or
//! saved as a new event.

use std::path::Path;
use std::time::Duration;

use serde_json::json;

use crate::harness::{assert_no_console_errors, js, wait_for, wait_ready, with_browser};

/// Opens the map and the editor, and signs in there with the app's editor token.
async fn open_editor_signed_in(c: &crate::wd::Client, app: &crate::harness::App) {
    c.goto(&format!("{}/", app.base)).await.unwrap();
    wait_ready(c).await;
    c.find("#btn-editor").await.unwrap().click().await.unwrap();
    c.find("#ed-token").await.unwrap().send_keys(&app.editor).await.unwrap();
    c.find("#ed-token-use").await.unwrap().click().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pasted_report_is_drafted_and_added_to_the_event_it_describes() {
    with_browser!(|app, c| {
        open_editor_signed_in(&c, &app).await;
        wait_for(&c, "the report section", "return !document.getElementById('ed-report').hidden;").await;
        let url = "https://tr.example.org/rus-konvoyu-tartus";
        c.find("#rp-text")
            .await
            .unwrap()
            .send_keys("Rus askeri konvoyu dün Hmeymim'den Tartus'a gitti, ancak Tartus'taki kontrol noktasında sekiz saat bekletildi.")
            .await
            .unwrap();
        c.find("#rp-url").await.unwrap().send_keys(url).await.unwrap();
        c.find("#rp-lang").await.unwrap().send_keys("tr").await.unwrap();
        c.find("#rp-publisher").await.unwrap().send_keys("Örnek Haber").await.unwrap();
        js(&c, "const d = document.getElementById('rp-date'); d.value = '2025-02-11'; return d.value;").await;
        c.find("#rp-find").await.unwrap().click().await.unwrap();
        let draft =
            wait_for(&c, "the draft", "const d = document.getElementById('rp-draft'); return d && d.textContent;")
                .await;
        let draft = draft.as_str().unwrap();
        assert!(draft.contains("Military movement"), "{draft}");
        assert!(draft.contains("from Hmeimim air base") && draft.contains("to Tartus"), "{draft}");
        assert!(draft.contains("2025-02-10"), "yesterday, counted from the publication date: {draft}");
        let marks =
            js(&c, "return [...document.querySelectorAll('#rp-result .mention')].map(m => m.textContent);").await;
        assert!(marks.as_array().unwrap().len() >= 2, "the places are marked in the text: {marks}");
        let roles =
            js(&c, "return [...document.querySelectorAll('#rp-result select[id$=\"-role\"]')].map(s => s.value);")
                .await;
        assert!(roles.as_array().unwrap().iter().any(|r| r == "origin"), "roles come preselected: {roles}");
        // The place selectors show their place, not a word of it.
        let cut = js(
            &c,
            "return [...document.querySelectorAll('#rp-result select[id$=\"-place\"]')]
               .filter((s) => s.getBoundingClientRect().width < 240).map((s) => s.id);",
        )
        .await;
        assert_eq!(cut, json!([]), "place selectors narrower than 240 px: {cut}");

        // The demo's convoy is already on the map: the report is offered to it.
        let matched =
            wait_for(&c, "the match", "const m = document.getElementById('rp-match'); return m && m.textContent;")
                .await;
        let matched = matched.as_str().unwrap();
        assert!(matched.contains("Already on the map"), "{matched}");
        assert!(matched.contains("leaves Hmeimim"), "the way there, not the way back: {matched}");
        js(&c, "document.getElementById('rp-draft').scrollIntoView(); return true;").await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let shot = c.screenshot().await.unwrap();
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("report-draft.png"), shot).unwrap();
        c.find("#rp-attach").await.unwrap().click().await.unwrap();
        let links = wait_for(
            &c,
            "the event with the report among its sources",
            &format!(
                "return !document.getElementById('panel').hidden && [...document.querySelectorAll('#panel a.source-link')].some(a => a.href === {}) && document.getElementById('panel-title').textContent;",
                json!(url)
            ),
        )
        .await;
        assert!(links.as_str().unwrap().contains("convoy"), "the convoy's panel is open: {links}");

        // A report of something not yet on the map is saved as a new event through the API.
        c.find("#btn-editor").await.unwrap().click().await.unwrap();
        wait_for(
            &c,
            "the editor",
            "return !document.getElementById('editor').hidden && !document.getElementById('ed-report').hidden;",
        )
        .await;
        js(&c, "for (const id of ['rp-text', 'rp-url', 'rp-publisher', 'rp-lang']) document.getElementById(id).value = ''; return true;").await;
        c.find("#rp-text")
            .await
            .unwrap()
            .send_keys("Hundreds of people protested in Aleppo on Monday against rising bread prices.")
            .await
            .unwrap();
        c.find("#rp-url").await.unwrap().send_keys("https://en.example.org/aleppo-protest").await.unwrap();
        js(&c, "document.getElementById('rp-date').value = '2025-02-11'; return true;").await;
        c.find("#rp-find").await.unwrap().click().await.unwrap();
        wait_for(
            &c,
            "a draft without a match",
            "return !!document.getElementById('rp-create') && !document.getElementById('rp-match');",
        )
        .await;
        c.find("#rp-create").await.unwrap().click().await.unwrap();
        let title = wait_for(
            &c,
            "the new event's panel",
            "const t = document.getElementById('panel-title'); return !document.getElementById('panel').hidden && t.textContent.includes('Aleppo') && t.textContent;",
        )
        .await;
        assert!(title.as_str().unwrap().contains("protested in Aleppo"), "{title}");
        assert_no_console_errors(&c, "while drafting a report").await;
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn form_errors_name_the_forms_labels_in_plain_words() {
    with_browser!(|app, c| {
        open_editor_signed_in(&c, &app).await;
        wait_for(&c, "the form", "return !document.getElementById('ed-form').hidden;").await;
        c.find("#ed-title").await.unwrap().send_keys("Strike reported near Sarmin").await.unwrap();
        c.find("#ed-src-url").await.unwrap().send_keys("example.org/sarmin-strike").await.unwrap();
        c.find("#ed-save").await.unwrap().click().await.unwrap();
        let summary = wait_for(
            &c,
            "the error summary",
            "const s = document.getElementById('ed-summary'); return !s.hidden && s.textContent;",
        )
        .await;
        let summary = summary.as_str().unwrap();
        assert!(summary.contains("Link: this is not a web address"), "{summary}");
        assert!(!summary.contains("sources[0]") && !summary.contains("relative URL"), "API words shown: {summary}");
        let by_field =
            js(&c, "const e = document.getElementById('err-sources[0].url'); return !e.hidden && e.textContent;").await;
        assert!(by_field.as_str().unwrap_or("").contains("not a web address"), "not by the field: {by_field}");
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pasted_round_up_is_drafted_as_one_event_per_item_and_saved_at_once() {
    with_browser!(|app, c| {
        open_editor_signed_in(&c, &app).await;
        wait_for(&c, "the report section", "return !document.getElementById('ed-report').hidden;").await;
        let text = "Syria round-up, 12 February 2025.\nWarplanes struck Sarmin, killing three civilians.\n\
                    In Daraa, hundreds of people protested against the arrests.\nA car bomb exploded in Raqqa.";
        js(&c, &format!("document.getElementById('rp-text').value = {}; return true;", json!(text))).await;
        c.find("#rp-url").await.unwrap().send_keys("https://en.example.org/roundup-12-feb").await.unwrap();
        c.find("#rp-find").await.unwrap().click().await.unwrap();
        let said =
            wait_for(&c, "the round-up", "const r = document.getElementById('rp-roundup'); return r && r.textContent;")
                .await;
        assert!(said.as_str().unwrap().contains("tells 3 events"), "{said}");
        let items =
            js(&c, "return [...document.querySelectorAll('#rp-draft .report-item')].map((e) => e.textContent);").await;
        let items: Vec<String> = serde_json::from_value(items).unwrap();
        assert!(items[0].contains("Sarmin") && items[1].contains("Dar'a") && items[2].contains("Raqqah"), "{items:?}");
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("report-roundup.png"), c.screenshot().await.unwrap()).unwrap();
        let before = reqwest::get(format!("{}/api/events?limit=1000", app.base))
            .await
            .unwrap()
            .json::<serde_json::Value>()
            .await
            .unwrap();
        c.find("#rp-create-all").await.unwrap().click().await.unwrap();
        wait_for(&c, "the first item's panel", "const t = document.getElementById('panel-title'); return !document.getElementById('panel').hidden && t.textContent.includes('Sarmin');").await;
        let after = reqwest::get(format!("{}/api/events?limit=1000", app.base))
            .await
            .unwrap()
            .json::<serde_json::Value>()
            .await
            .unwrap();
        assert_eq!(after["numberMatched"].as_u64().unwrap(), before["numberMatched"].as_u64().unwrap() + 3);
        assert_no_console_errors(&c, "while saving a round-up").await;
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_place_name_is_offered_its_near_matches_and_one_is_chosen() {
    with_browser!(|app, c| {
        open_editor_signed_in(&c, &app).await;
        wait_for(&c, "the form", "return !document.getElementById('ed-form').hidden;").await;
        c.find("#ed-title").await.unwrap().send_keys("Shelling reported in Maarat al-Numan").await.unwrap();
        js(&c, "document.getElementById('ed-start').value = '2025-02-11'; return true;").await;
        // A spelling the gazetteer does not hold, beyond the two typos a search forgives (it has
        // Ma'arrat an Nu'man): typed, not picked from the list.
        let name = c.find("#ed-form [data-row=\"0\"] input[role=combobox]").await.unwrap();
        name.send_keys("Maaret Alnouman").await.unwrap();
        c.find("#ed-title").await.unwrap().click().await.unwrap();
        c.find("#ed-save").await.unwrap().click().await.unwrap();
        let offered = wait_for(
            &c,
            "near matches under the place",
            "const b = [...document.querySelectorAll('[data-row=\"0\"] .candidates button')]; \
             return b.length > 0 && b.map((x) => x.textContent);",
        )
        .await;
        let offered: Vec<String> = serde_json::from_value(offered).unwrap();
        let i =
            offered.iter().position(|t| t.starts_with("Ma'arrat an Nu'man")).unwrap_or_else(|| panic!("{offered:?}"));
        js(&c, &format!("document.querySelectorAll('[data-row=\"0\"] .candidates button')[{i}].click(); return true;"))
            .await;
        c.find("#ed-save").await.unwrap().click().await.unwrap();
        // Saved: the event is in the list with the chosen place.
        let mut list = serde_json::Value::Null;
        for _ in 0..50 {
            list = reqwest::get(format!("{}/api/events?q=Maarat", app.base)).await.unwrap().json().await.unwrap();
            if list["numberMatched"] == 1 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let place = &list["features"][0]["properties"]["places"][0];
        assert_eq!(place["gazetteer_id"], "geonames:167611", "{list}");
    })
}
