//! Wrong tokens are limited without locking anyone out: a token that checks out is always taken,
//! failures are counted per client (behind a trusted proxy, per the address it reports) and per
//! token id.

use eventmap::api::ApiConfig;
use reqwest::Method;

use crate::helpers::{TestApp, backends, tartus_event};

const WRONG: &str = "emt_000000000000_nope";

async fn try_token(app: &TestApp, token: &str, client: Option<&str>) -> crate::helpers::Got {
    let mut rb = app.client.request(Method::GET, format!("{}/api/tokens", app.base)).bearer_auth(token);
    if let Some(c) = client {
        // What a client wrote itself comes first; the trusted proxy appends the address it saw.
        rb = rb.header("X-Forwarded-For", format!("203.0.113.66, {c}"));
    }
    TestApp::got(rb).await
}

#[tokio::test]
async fn a_token_that_checks_out_is_taken_after_wrong_ones_from_the_same_address() {
    for backend in backends() {
        let app = TestApp::on(&backend).await;
        for _ in 0..12 {
            try_token(&app, WRONG, None).await;
        }
        try_token(&app, WRONG, None).await.problem(429, "too-many-requests");
        try_token(&app, &app.admin, None).await.expect(200);
        app.send(Method::POST, "/api/events", Some(&app.editor), Some(tartus_event("still works"))).await.expect(201);
    }
}

#[tokio::test]
async fn behind_a_trusted_proxy_failures_count_against_the_client_it_reports() {
    for backend in backends() {
        let config = ApiConfig { client_ip_header: Some("X-Forwarded-For".into()), ..Default::default() };
        let app = TestApp::on_with(&backend, config).await;
        // Wrong tokens with other ids, so that only the addresses are counted.
        for i in 0..11 {
            try_token(&app, &format!("emt_{i:012x}_nope"), Some("198.51.100.7")).await;
        }
        try_token(&app, "emt_00000000000f_nope", Some("198.51.100.7")).await.problem(429, "too-many-requests");
        // Another client behind the same proxy is not blocked by the first one's failures.
        try_token(&app, "emt_0000000000ff_nope", Some("203.0.113.9")).await.problem(401, "unauthorized");
    }
}

#[tokio::test]
async fn wrong_secrets_for_one_token_id_are_limited_from_any_address() {
    for backend in backends() {
        let config = ApiConfig { client_ip_header: Some("X-Forwarded-For".into()), ..Default::default() };
        let app = TestApp::on_with(&backend, config).await;
        let id = &app.editor[4..16];
        for i in 0..10 {
            try_token(&app, &format!("emt_{id}_guess{i}"), Some(&format!("192.0.2.{i}"))).await.expect(401);
        }
        try_token(&app, &format!("emt_{id}_guess"), Some("192.0.2.200")).await.problem(429, "too-many-requests");
        app.send(Method::POST, "/api/events", Some(&app.editor), Some(tartus_event("the owner"))).await.expect(201);
    }
}
