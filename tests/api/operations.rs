//! Health, readiness, metrics, OpenAPI, unknown routes and methods, and response headers.

use reqwest::Method;
use serde_json::Value;

use crate::helpers::{TestApp, backends, tartus_event};

#[tokio::test]
async fn health_and_readiness_answer() {
    for backend in backends() {
        let app = TestApp::on(&backend).await;
        app.get("/healthz").await.expect(200);
        let r = app.get("/readyz").await;
        r.expect(200);
        assert_eq!(r.json()["status"], "ready");
    }
}

#[tokio::test]
async fn metrics_count_requests_by_route_template_and_status() {
    for backend in backends() {
        let app = TestApp::on(&backend).await;
        let f = app.create(tartus_event("x")).await;
        app.get(&format!("/api/events/{}", f["id"].as_str().unwrap())).await.expect(200);
        app.get("/api/events/0193a0b0-0000-7000-8000-000000000000").await.expect(404);
        let m = app.get("/metrics").await;
        m.expect(200);
        assert!(m.header("content-type").starts_with("text/plain"));
        assert!(
            m.text.contains("eventmap_http_requests_total{method=\"GET\",route=\"/api/events/{id}\",status=\"200\"} 1"),
            "{}",
            m.text
        );
        assert!(
            m.text.contains("eventmap_http_requests_total{method=\"GET\",route=\"/api/events/{id}\",status=\"404\"} 1")
        );
        assert!(
            m.text.contains("eventmap_http_requests_total{method=\"POST\",route=\"/api/events\",status=\"201\"} 1")
        );
        assert!(
            m.text
                .contains("eventmap_http_request_duration_seconds_count{method=\"GET\",route=\"/api/events/{id}\"} 2")
        );
    }
}

#[tokio::test]
async fn the_openapi_document_describes_every_route() {
    for backend in backends() {
        let app = TestApp::on(&backend).await;
        let g = app.get("/api/openapi.json").await;
        g.expect(200);
        let v: Value = g.json();
        assert!(v["openapi"].as_str().unwrap().starts_with("3."));
        for (path, method) in [
            ("/api/events", "get"),
            ("/api/events", "post"),
            ("/api/events/{id}", "get"),
            ("/api/events/{id}", "patch"),
            ("/api/events/{id}", "delete"),
            ("/api/events/{id}/history", "get"),
            ("/api/events/histogram", "get"),
            ("/api/places/search", "get"),
            ("/api/places/reverse", "get"),
            ("/api/places/{gazetteer_id}", "get"),
            ("/api/places", "post"),
            ("/api/geoparse", "post"),
            ("/api/reports", "post"),
            ("/api/tokens", "get"),
            ("/api/me", "get"),
            ("/healthz", "get"),
            ("/readyz", "get"),
            ("/metrics", "get"),
        ] {
            assert!(v["paths"][path][method].is_object(), "{method} {path} is not described");
        }
        let params: Vec<&str> = v["paths"]["/api/events"]["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        for p in [
            "start",
            "end",
            "bbox",
            "lat",
            "lon",
            "radius_km",
            "place",
            "country",
            "category",
            "tag",
            "actor",
            "status",
            "q",
            "source",
            "updated_since",
            "limit",
            "cursor",
            "sort",
            "format",
        ] {
            assert!(params.contains(&p), "parameter {p} is not described");
        }
        assert!(v["components"]["schemas"]["EventInput"].is_object());
    }
}

#[tokio::test]
async fn unknown_routes_and_methods_are_problems_too() {
    for backend in backends() {
        let app = TestApp::on(&backend).await;
        app.get("/api/nothing").await.problem(404, "not-found");
        app.send(Method::PUT, "/api/events", Some(&app.editor), None).await.problem(405, "method-not-allowed");
        let p = app.get("/problems/revision-mismatch").await;
        p.expect(200);
        assert!(p.text.contains("If-Match"));
    }
}

#[tokio::test]
async fn responses_carry_a_request_id_security_headers_and_no_server_banner() {
    for backend in backends() {
        let app = TestApp::on(&backend).await;
        let g = app.get("/api/events").await;
        assert_eq!(g.header("x-request-id").len(), 32);
        assert_eq!(g.header("x-content-type-options"), "nosniff");
        assert_eq!(g.header("referrer-policy"), "no-referrer");
        let csp = g.header("content-security-policy");
        assert!(
            csp.contains("default-src 'self'")
                && csp.contains("script-src 'self'")
                && csp.contains("frame-ancestors 'none'"),
            "{csp}"
        );
        assert!(!csp.contains("unsafe-inline"));
        assert!(g.headers.get("server").is_none());
        let e = app.get("/embed").await;
        assert!(e.header("content-security-policy").contains("frame-ancestors *"));
        let echoed =
            TestApp::got(app.client.get(format!("{}/healthz", app.base)).header("x-request-id", "trace-me-123")).await;
        assert_eq!(echoed.header("x-request-id"), "trace-me-123");
    }
}

#[tokio::test]
async fn a_cross_origin_browser_gets_no_cors_grant_by_default() {
    for backend in backends() {
        let app = TestApp::on(&backend).await;
        let g =
            TestApp::got(app.client.get(format!("{}/api/events", app.base)).header("Origin", "https://evil.example"))
                .await;
        assert!(g.headers.get("access-control-allow-origin").is_none());
    }
}

#[tokio::test]
async fn the_basemap_is_served_as_vector_tiles_and_a_tile_that_cannot_exist_is_a_problem() {
    if !eventmap::web::has_map() {
        eprintln!("skipped: built without the map (feature `web`)");
        return;
    }
    for backend in backends() {
        let app = TestApp::on(&backend).await;
        // Zoom 8 around Latakia, and the whole world at zoom 0.
        for path in ["/basemap/tiles/8/153/102.mvt", "/basemap/tiles/0/0/0.mvt"] {
            let r = app.get(path).await;
            r.expect(200);
            assert_eq!(r.header("content-type"), "application/vnd.mapbox-vector-tile", "{path}");
            assert!(r.header("cache-control").contains("max-age"), "{path}");
            assert!(!r.text.is_empty(), "{path} holds land");
        }
        for bad in [
            "/basemap/tiles/9/0/0.mvt",
            "/basemap/tiles/2/4/0.mvt",
            "/basemap/tiles/x/0/0.mvt",
            "/basemap/tiles/1/0/0.png",
        ] {
            let r = app.get(bad).await;
            r.problem(404, "not-found");
            assert!(r.json()["detail"].as_str().unwrap().contains("z/x/y.mvt"), "{bad}: {}", r.text);
        }
    }
}
