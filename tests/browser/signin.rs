//! Signing in: a token is checked with the server when it is pasted, a wrong one is refused in
//! words, the header names the person; a private instance asks first and then shows the map
//! without a reload.

use eventmap::api::ApiConfig;
use eventmap::auth::Role;

use crate::harness::{assert_no_console_errors, js, wait_for, wait_ready, with_browser};

/// Types `token` into the sign-in dialog and submits it.
async fn submit_token(c: &crate::wd::Client, token: &str) {
    js(c, "document.getElementById('signin-token').value = ''; return true;").await;
    c.find("#signin-token").await.unwrap().send_keys(token).await.unwrap();
    c.find("#signin-submit").await.unwrap().click().await.unwrap();
}

/// The browser logs each refused token's 401; nothing else may be an error.
async fn only_refusals_logged(c: &crate::wd::Client) {
    let logged = crate::harness::console(c).await;
    let other: Vec<_> =
        logged.iter().filter(|(level, m)| level == "SEVERE" && !(m.contains("/api/me") && m.contains("401"))).collect();
    assert!(other.is_empty(), "console errors besides the refused tokens:\n{other:#?}");
}

const ERROR: &str = "const e = document.getElementById('signin-error'); return !e.hidden && e.textContent;";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_token_is_refused_at_once_and_a_right_one_names_its_person() {
    with_browser!(|app, c| {
        let (token, _) =
            eventmap::auth::create_for(app._store.as_ref(), "laptop", Some("Rana Haddad"), Role::Editor).await.unwrap();
        c.goto(&format!("{}/", app.base)).await.unwrap();
        wait_ready(&c).await;
        c.find("#btn-signin").await.unwrap().click().await.unwrap();
        wait_for(&c, "the sign-in dialog", "return document.getElementById('dlg-signin').open;").await;
        let label = js(&c, "return document.querySelector('label[for=signin-token]').textContent;").await;
        assert_eq!(label, "Token");

        submit_token(&c, "emt_0123456789ab_not-the-secret").await;
        let why = wait_for(&c, "the refusal", ERROR).await;
        assert!(why.as_str().unwrap().contains("not known here"), "{why}");
        submit_token(&c, "just some words").await;
        let why = wait_for(
            &c,
            "the refusal of a malformed token",
            "const e = document.getElementById('signin-error'); return e.textContent.includes('emt_') && e.textContent;",
        )
        .await;
        assert!(why.as_str().unwrap().contains("not a token"), "{why}");
        let kept = js(&c, "return sessionStorage.getItem('eventmap.token');").await;
        assert!(kept.is_null(), "a refused token is not kept: {kept}");
        only_refusals_logged(&c).await;

        submit_token(&c, &token).await;
        let who = wait_for(
            &c,
            "the header to name the person",
            "return !document.getElementById('dlg-signin').open && document.getElementById('btn-signin').textContent;",
        )
        .await;
        assert_eq!(who, "Rana Haddad (editor)");
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("signed-in.png"), c.screenshot().await.unwrap()).unwrap();
        // The editor takes the same sign-in: its form is open at once.
        c.find("#btn-editor").await.unwrap().click().await.unwrap();
        let as_who = wait_for(
            &c,
            "the editor's form",
            "return !document.getElementById('ed-form').hidden && document.getElementById('ed-signed-in-as').textContent;",
        )
        .await;
        assert!(as_who.as_str().unwrap().contains("Rana Haddad"), "{as_who}");
        assert_no_console_errors(&c, "while signing in").await;
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_private_instance_asks_for_a_token_first_and_then_shows_the_map_without_a_reload() {
    with_browser!(config = ApiConfig { private: true, ..ApiConfig::default() }, |app, c| {
        let (viewer, _) =
            eventmap::auth::create_for(app._store.as_ref(), "reader", Some("Omar Said"), Role::Viewer).await.unwrap();
        c.goto(&format!("{}/", app.base)).await.unwrap();
        wait_for(&c, "the sign-in dialog", "return document.getElementById('dlg-signin').open;").await;
        let page = js(
            &c,
            "return [document.getElementById('signin-lead').textContent, document.getElementById('signin-cancel').hidden, document.body.textContent.includes('viewer role')];",
        )
        .await;
        assert!(page[0].as_str().unwrap().contains("This map is private"), "{page}");
        assert_eq!(page[1], true, "no way around it: {page}");
        assert_eq!(page[2], false, "no raw API error on the page: {page}");

        submit_token(&c, "emt_0123456789ab_not-the-secret").await;
        wait_for(&c, "the refusal", ERROR).await;
        let marker = js(&c, "window.__notReloaded = true; return true;").await;
        assert_eq!(marker, true);
        submit_token(&c, &viewer).await;
        wait_ready(&c).await;
        let after =
            js(&c, "return [window.__notReloaded === true, document.getElementById('btn-signin').textContent];").await;
        assert_eq!(after[0], true, "the page was reloaded");
        assert_eq!(after[1], "Omar Said (viewer)");
        only_refusals_logged(&c).await;
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_makes_a_token_for_a_person_sees_it_once_and_revokes_it() {
    with_browser!(|app, c| {
        let (admin, _) =
            eventmap::auth::create_for(app._store.as_ref(), "desk", Some("Lina Saleh"), Role::Admin).await.unwrap();
        c.goto(&format!("{}/", app.base)).await.unwrap();
        wait_ready(&c).await;
        c.find("#btn-signin").await.unwrap().click().await.unwrap();
        submit_token(&c, &admin).await;
        wait_for(&c, "signed in", "return document.getElementById('btn-signin').textContent.includes('Lina Saleh');")
            .await;
        c.find("#btn-signin").await.unwrap().click().await.unwrap();
        c.find("#signin-tokens").await.unwrap().click().await.unwrap();
        wait_for(&c, "the token list", "return document.querySelectorAll('#tokens-table tbody tr').length >= 2;").await;

        c.find("#tok-person").await.unwrap().send_keys("Yusuf Demir").await.unwrap();
        c.find("#tok-name").await.unwrap().send_keys("phone").await.unwrap();
        js(&c, "document.getElementById('tok-role').value = 'editor'; return true;").await;
        c.find("#tok-create").await.unwrap().click().await.unwrap();
        let token = wait_for(&c, "the new token", "const o = document.getElementById('tok-once'); return !o.hidden && document.getElementById('tok-once-value').value;").await;
        let token = token.as_str().unwrap().to_string();
        let me = |t: String| {
            let base = app.base.clone();
            async move { reqwest::Client::new().get(format!("{base}/api/me")).bearer_auth(t).send().await.unwrap() }
        };
        let who: serde_json::Value = me(token.clone()).await.json().await.unwrap();
        assert_eq!((who["person"].as_str(), who["role"].as_str()), (Some("Yusuf Demir"), Some("editor")));
        let listed = wait_for(
            &c,
            "the new row",
            "return [...document.querySelectorAll('#tokens-table tbody tr')].map((r) => r.textContent).join('|');",
        )
        .await;
        assert!(listed.as_str().unwrap().contains("Yusuf Demir"), "{listed}");
        assert!(!listed.as_str().unwrap().contains(&token[17..]), "a secret is listed");

        js(&c, "window.confirm = () => true; return true;").await;
        let id = who["id"].as_str().unwrap().to_string();
        c.find(&format!("button[data-token='{id}']")).await.unwrap().click().await.unwrap();
        wait_for(&c, "the row marked revoked", &format!("const r = document.querySelector('#tokens-table tr[data-id=\"{id}\"]'); return r && r.classList.contains('revoked');")).await;
        assert_eq!(me(token).await.status(), 401, "the revoked token still works");
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("tokens.png"), c.screenshot().await.unwrap()).unwrap();
        assert_no_console_errors(&c, "while managing tokens").await;
    })
}
