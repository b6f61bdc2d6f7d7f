//! `POST /api/events/{id}/merge` through HTTP: an editor merges a duplicate, a viewer may not,
//! a stale `If-Match` or a bad `into` is refused and changes nothing, and the duplicate then
//! answers 410 naming its survivor.

use reqwest::Method;
use serde_json::json;

use crate::helpers::{TestApp, backends, tartus_event};

fn with_source(title: &str, url: &str) -> serde_json::Value {
    let mut e = tartus_event(title);
    e["sources"] = json!([{"url": url, "excerpt": format!("{title}: as reported")}]);
    e
}

#[tokio::test]
async fn an_editor_merges_a_duplicate_and_the_duplicate_points_at_the_survivor() {
    for backend in backends() {
        let app = TestApp::on(&backend).await;
        let keep = app.create(with_source("Convoy reaches Tartus", "https://en.example/convoy")).await;
        let dup = app.create(with_source("Колонна прибыла в Тартус", "https://ru.example/kolonna")).await;
        let (keep_id, dup_id) = (keep["id"].as_str().unwrap(), dup["id"].as_str().unwrap());
        let path = format!("/api/events/{dup_id}/merge");
        let body = json!({"into": keep_id, "reason": "the same convoy, reported in Russian"});

        let before = app.snapshot().await;
        app.send(Method::POST, &path, Some(&app.viewer), Some(body.clone())).await.problem(403, "forbidden");
        app.send(Method::POST, &path, None, Some(body.clone())).await.problem(401, "unauthorized");
        let no_reason =
            app.send(Method::POST, &path, Some(&app.editor), Some(json!({"into": keep_id, "reason": " "}))).await;
        no_reason.problem(422, "validation");
        assert_eq!(no_reason.fields(), ["reason"]);
        let itself =
            app.send(Method::POST, &path, Some(&app.editor), Some(json!({"into": dup_id, "reason": "x"}))).await;
        itself.problem(422, "validation");
        assert_eq!(itself.fields(), ["into"]);
        let not_an_id =
            app.send(Method::POST, &path, Some(&app.editor), Some(json!({"into": "Tartus", "reason": "x"}))).await;
        assert_eq!(not_an_id.problem(422, "validation")["errors"][0]["field"], "into");
        let extra = app
            .send(Method::POST, &path, Some(&app.editor), Some(json!({"into": keep_id, "reason": "x", "sources": []})))
            .await;
        assert_eq!(extra.status, 422, "{extra}");
        let stale = app.client.post(format!("{}{path}", app.base)).bearer_auth(&app.editor).header("If-Match", "\"7\"");
        TestApp::got(stale.json(&body)).await.problem(412, "revision-mismatch");
        assert_eq!(app.snapshot().await, before, "{backend:?}: a refused merge changes nothing");

        let ok = app.client.post(format!("{}{path}", app.base)).bearer_auth(&app.editor).header("If-Match", "\"1\"");
        let merged = TestApp::got(ok.json(&body)).await;
        merged.expect(200);
        assert_eq!(merged.header("etag"), "\"2\"");
        let f = merged.json();
        assert_eq!(f["id"], keep_id);
        let urls: Vec<&str> =
            f["properties"]["sources"].as_array().unwrap().iter().map(|s| s["url"].as_str().unwrap()).collect();
        assert_eq!(urls, ["https://en.example/convoy", "https://ru.example/kolonna"], "{backend:?}");

        let gone = app.get(&format!("/api/events/{dup_id}")).await.problem(410, "gone");
        assert_eq!(gone["merged_into"], keep_id);
        assert_eq!(gone["survivor"], format!("/api/events/{keep_id}"));
        assert!(gone["detail"].as_str().unwrap().contains("merged into"), "{gone}");
        assert_eq!(app.ids("").await, vec![keep_id.to_string()]);
        let all = app.get("/api/events?include_deleted=true").await.json();
        let tomb =
            all["features"].as_array().unwrap().iter().find(|f| f["id"] == dup_id).expect("the tombstone is listed");
        assert_eq!(tomb["properties"]["merged_into"], keep_id, "{tomb}");
        app.send(Method::POST, &path, Some(&app.editor), Some(body.clone())).await.problem(410, "gone");

        let h = app.get(&format!("/api/events/{keep_id}/history")).await.json();
        let last = h["revisions"].as_array().unwrap().last().unwrap().clone();
        assert_eq!(last["action"], "update");
        assert!(last["reason"].as_str().unwrap().contains(dup_id), "{last}");
    }
}
