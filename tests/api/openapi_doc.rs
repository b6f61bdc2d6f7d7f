//! The OpenAPI document says what the server does: its version is the crate's, and every status
//! the middleware answers a route with (a long URI, large headers, an encoded or oversized body,
//! a foreign `Host`, a private instance without a token) is declared on that route.

use crate::hardening::{raw, real_listener};
use crate::helpers::{TestApp, backends, tartus_event};

#[tokio::test]
async fn every_operation_declares_each_status_the_middleware_answers_it_with() {
    let backend = backends().remove(0);
    let app = TestApp::on(&backend).await;
    let id = app.create(tartus_event("one")).await["id"].as_str().unwrap().to_string();
    let doc = app.get("/api/openapi.json").await.expect(200).json();
    assert_eq!(doc["info"]["version"], env!("CARGO_PKG_VERSION"));
    let open = real_listener(&app, Default::default()).await;
    let private = real_listener(&app, eventmap::api::ApiConfig { private: true, ..Default::default() }).await;
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        let target = path
            .replace("{z}/{x}/{y}", "3/4/3")
            .replace("{id}", &id)
            .replace("{collection_id}", "events")
            .replace("{feature_id}", &id)
            .replace("/api/places/{id}", "/api/places/geonames:163345");
        for (method, op) in item.as_object().unwrap() {
            if !["get", "post", "patch", "put", "delete"].contains(&method.as_str()) {
                continue;
            }
            let declared: Vec<&String> = op["responses"].as_object().unwrap().keys().collect();
            let m = method.to_ascii_uppercase();
            let long = format!("{target}?x={}", "a".repeat(9_000));
            let many: String = (0..120).map(|i| format!("X-H-{i}: {i}\r\n")).collect();
            let tries = [
                (&open, format!("{m} {long} HTTP/1.1\r\nHost: {open}\r\nConnection: close\r\n\r\n")),
                (&open, format!("{m} {target} HTTP/1.1\r\nHost: {open}\r\nConnection: close\r\n{many}\r\n")),
                (
                    &open,
                    format!(
                        "{m} {target} HTTP/1.1\r\nHost: {open}\r\nConnection: close\r\nContent-Type: application/json\r\n\
                         Content-Encoding: gzip\r\nContent-Length: 0\r\n\r\n"
                    ),
                ),
                (
                    &open,
                    format!(
                        "{m} {target} HTTP/1.1\r\nHost: {open}\r\nConnection: close\r\nContent-Type: application/json\r\n\
                         Content-Length: 999999999\r\n\r\n"
                    ),
                ),
                (&open, format!("{m} {target} HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n")),
                (&private, format!("{m} {target} HTTP/1.1\r\nHost: {private}\r\nConnection: close\r\n\r\n")),
                (
                    &private,
                    format!(
                        "{m} {target} HTTP/1.1\r\nHost: {private}\r\nConnection: close\r\nAuthorization: Bearer em_wrong\r\n\r\n"
                    ),
                ),
            ];
            for (addr, request) in tries {
                let r = raw(addr, &request).await;
                let status = r.status.to_string();
                assert!(
                    declared.contains(&&status),
                    "{m} {path} answered {status}, which its OpenAPI operation does not declare ({declared:?}):\n{}\n{}",
                    request.lines().take(3).collect::<Vec<_>>().join(" | "),
                    r.body
                );
                if r.status >= 400 {
                    assert_eq!(r.headers.get("content-type").map(String::as_str), Some("application/problem+json"));
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 100, "{checked} requests");
}
