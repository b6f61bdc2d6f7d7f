//! Tokens and roles: who may read and write.

use eventmap::api::ApiConfig;
use reqwest::Method;
use serde_json::json;

use crate::helpers::{TestApp, backends, tartus_event};

#[tokio::test]
async fn writes_need_an_editor_token_and_nothing_is_written_otherwise() {
    for backend in backends() {
        let app = TestApp::on(&backend).await;
        let before = app.snapshot().await;
        let anon = app.send(Method::POST, "/api/events", None, Some(tartus_event("x"))).await;
        anon.problem(401, "unauthorized");
        assert!(anon.header("www-authenticate").starts_with("Bearer"));
        app.send(Method::POST, "/api/events", Some(&app.viewer), Some(tartus_event("x")))
            .await
            .problem(403, "forbidden");
        app.send(Method::POST, "/api/events", Some("emt_000000000000_wrong"), Some(tartus_event("x")))
            .await
            .problem(401, "unauthorized");
        app.send(Method::POST, "/api/events", Some("garbage"), Some(tartus_event("x")))
            .await
            .problem(401, "unauthorized");
        assert_eq!(app.snapshot().await, before);
        app.send(Method::POST, "/api/events", Some(&app.admin), Some(tartus_event("x"))).await.expect(201);
    }
}

#[tokio::test]
async fn token_management_needs_an_admin_and_a_revoked_token_stops_working() {
    for backend in backends() {
        let app = TestApp::on(&backend).await;
        app.send(Method::GET, "/api/tokens", Some(&app.editor), None).await.problem(403, "forbidden");
        let c = app
            .send(Method::POST, "/api/tokens", Some(&app.admin), Some(json!({"name": "stringer", "role": "editor"})))
            .await;
        c.expect(201);
        let token = c.json()["token"].as_str().unwrap().to_string();
        let id = c.json()["id"].as_str().unwrap().to_string();
        app.send(Method::POST, "/api/events", Some(&token), Some(tartus_event("by stringer"))).await.expect(201);
        let list = app.send(Method::GET, "/api/tokens", Some(&app.admin), None).await;
        assert!(!list.text.contains(&token[17..]), "secrets are never listed");
        // Its use is recorded, in the background and at most once a minute (a write per request
        // would put every signed-in read behind the database's write lock).
        let used = |list: &crate::helpers::Got| {
            let all = list.json();
            let t = all.as_array().unwrap().iter().find(|t| t["id"] == id.as_str()).cloned().unwrap();
            t["last_used_at"].as_str().map(str::to_string)
        };
        let mut first = used(&list);
        for _ in 0..50 {
            if first.is_some() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            first = used(&app.send(Method::GET, "/api/tokens", Some(&app.admin), None).await);
        }
        assert!(first.is_some(), "the token's use was not recorded");
        app.send(Method::GET, "/api/events", Some(&token), None).await.expect(200);
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let again = used(&app.send(Method::GET, "/api/tokens", Some(&app.admin), None).await);
        assert_eq!(again, first, "a second use within the minute writes nothing");
        app.send(Method::DELETE, &format!("/api/tokens/{id}"), Some(&app.admin), None).await.expect(204);
        app.send(Method::POST, "/api/events", Some(&token), Some(tartus_event("after revoke")))
            .await
            .problem(401, "unauthorized");
    }
}

#[tokio::test]
async fn repeated_wrong_tokens_are_rate_limited() {
    for backend in backends() {
        let app = TestApp::on(&backend).await;
        for _ in 0..10 {
            app.send(Method::POST, "/api/events", Some("emt_000000000000_nope"), Some(tartus_event("x")))
                .await
                .expect(401);
        }
        let g = app.send(Method::POST, "/api/events", Some("emt_000000000000_nope"), Some(tartus_event("x"))).await;
        g.problem(429, "too-many-requests");
        assert!(g.header("retry-after").parse::<u64>().unwrap() >= 1);
    }
}

#[tokio::test]
async fn a_private_instance_needs_a_viewer_token_for_reads() {
    for backend in backends() {
        let app = TestApp::on_with(&backend, ApiConfig { private: true, ..Default::default() }).await;
        app.get("/api/events").await.problem(401, "unauthorized");
        app.send(Method::GET, "/api/events", Some(&app.viewer), None).await.expect(200);
        app.get("/healthz").await.expect(200);
        app.get("/api/config").await.expect(200);
    }
}

#[tokio::test]
async fn me_says_who_a_token_is_and_history_names_its_person() {
    for backend in backends() {
        let app = TestApp::on(&backend).await;
        app.get("/api/me").await.problem(401, "unauthorized");
        app.send(Method::GET, "/api/me", Some("emt_000000000000_wrong"), None).await.problem(401, "unauthorized");
        app.send(Method::GET, "/api/me", Some("not a token"), None).await.problem(401, "unauthorized");
        let me = app.send(Method::GET, "/api/me", Some(&app.viewer), None).await;
        me.expect(200);
        assert_eq!(me.json()["role"], "viewer");
        assert_eq!(me.json()["person"], serde_json::Value::Null);

        // A token of a person, made by an admin: changes made with it are recorded in her name.
        let body = json!({"name": "laptop", "person": "  Rana Haddad ", "role": "editor"});
        let c = app.send(Method::POST, "/api/tokens", Some(&app.admin), Some(body)).await;
        c.expect(201);
        assert_eq!(c.json()["person"], "Rana Haddad");
        let token = c.json()["token"].as_str().unwrap().to_string();
        let me = app.send(Method::GET, "/api/me", Some(&token), None).await;
        assert_eq!(
            (me.json()["name"].as_str(), me.json()["person"].as_str(), me.json()["role"].as_str()),
            (Some("laptop"), Some("Rana Haddad"), Some("editor"))
        );
        let f = app.send(Method::POST, "/api/events", Some(&token), Some(tartus_event("by Rana"))).await;
        f.expect(201);
        let h = app.get(&format!("/api/events/{}/history", f.json()["id"].as_str().unwrap())).await;
        assert_eq!(h.json()["revisions"][0]["actor"], "Rana Haddad", "{h}");
        let list = app.send(Method::GET, "/api/tokens", Some(&app.admin), None).await;
        assert!(list.json().as_array().unwrap().iter().any(|t| t["person"] == "Rana Haddad"), "{list}");

        // A person's name is 1 to 100 characters; nothing is made otherwise.
        let long = "x".repeat(101);
        let before = app.send(Method::GET, "/api/tokens", Some(&app.admin), None).await.json();
        for person in ["", "   ", long.as_str()] {
            let body = json!({"name": "spare", "person": person, "role": "viewer"});
            app.send(Method::POST, "/api/tokens", Some(&app.admin), Some(body)).await.expect(422);
        }
        assert_eq!(app.send(Method::GET, "/api/tokens", Some(&app.admin), None).await.json(), before);

        // A revoked token is no one.
        let id = c.json()["id"].as_str().unwrap().to_string();
        app.send(Method::DELETE, &format!("/api/tokens/{id}"), Some(&app.admin), None).await.expect(204);
        app.send(Method::GET, "/api/me", Some(&token), None).await.problem(401, "unauthorized");
    }
}
