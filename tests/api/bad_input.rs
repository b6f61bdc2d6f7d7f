//! Every class of bad input of PRODUCT.md §8 gets a clear 4xx problem and leaves the stored data
//! exactly as it was.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, backends, tartus_event};

/// Posts a raw body and checks the problem and that nothing changed.
async fn refused(app: &TestApp, body: &str, content_type: &str, status: u16, slug: &str) -> Value {
    let before = app.snapshot().await;
    let g = TestApp::got(
        app.client
            .post(format!("{}/api/events", app.base))
            .bearer_auth(&app.editor)
            .header("Content-Type", content_type)
            .body(body.to_string()),
    )
    .await;
    let v = g.problem(status, slug);
    assert_eq!(app.snapshot().await, before, "stored data changed after {body}");
    v
}

#[tokio::test]
async fn malformed_json_is_a_400_that_says_where() {
    for backend in backends() {
        let app = TestApp::on(&backend).await;
        app.create(tartus_event("existing")).await;
        let v = refused(&app, "{\"title\": \"x\",", "application/json", 400, "invalid-request").await;
        assert!(v["detail"].as_str().unwrap().contains("line 1"), "{v}");
    }
}

#[tokio::test]
async fn a_body_that_is_not_json_is_a_415() {
    for backend in backends() {
        let app = TestApp::on(&backend).await;
        refused(&app, "title=x", "application/x-www-form-urlencoded", 415, "unsupported-media-type").await;
    }
}

#[tokio::test]
async fn wrong_types_unknown_fields_bad_values_are_422_with_each_field() {
    for backend in backends() {
        let app = TestApp::on(&backend).await;
        app.create(tartus_event("existing")).await;
        let cases: Vec<(Value, &[&str])> = vec![
            (json!({"title": 5, "start": "2025-02-10"}), &["title"]),
            (json!({"title": "x", "start": "2025-02-10", "colour": "red"}), &["colour"]),
            (
                json!({"title": "x", "start": "2025-02-10", "places": [{"name": "A", "lon": 200, "lat": 95}]}),
                &["places[0].lon", "places[0].lat"],
            ),
            (json!({"title": "x", "start": "2025-02-31", "places": [{"name": "A", "lon": 1, "lat": 1}]}), &["start"]),
            (
                json!({"title": "x", "start": "2025-02-10T10:00:00", "places": [{"name": "A", "lon": 1, "lat": 1}]}),
                &["start"],
            ),
            (
                json!({"title": "x", "start": "2025-02-10T10:00:00Z", "end": "2025-02-10T09:00:00Z", "places": [{"name": "A", "lon": 1, "lat": 1}]}),
                &["end"],
            ),
            (
                json!({"title": "x", "start": "2025-02-10", "places": [{"name": "A", "lon": 1, "lat": 1}], "sources": [{"url": "javascript:alert(1)"}]}),
                &["sources[0].url"],
            ),
            (
                json!({"title": "x", "start": "2025-02-10", "places": [{"name": "A", "lon": 1, "lat": 1}], "sources": [{"url": "file:///etc/passwd"}]}),
                &["sources[0].url"],
            ),
            (
                json!({"title": "x".repeat(301), "start": "2025-02-10", "places": [{"name": "A", "lon": 1, "lat": 1}]}),
                &["title"],
            ),
            (json!({"title": "x", "start": "2025-02-10"}), &["places"]),
            (
                json!({"title": "x", "start": "2025-02-10", "category": "picnic", "places": [{"name": "A", "lon": 1, "lat": 1}]}),
                &["category"],
            ),
            (
                json!({"title": "x", "start": "2025-02-10", "status": "rumour", "places": [{"name": "A", "lon": 1, "lat": 1}]}),
                &["status"],
            ),
            (
                json!({"title": "x", "start": "2025-02-10", "fatalities": 1.5, "places": [{"name": "A", "lon": 1, "lat": 1}]}),
                &["fatalities"],
            ),
            (
                json!({"id": "0193a0b0-0000-7000-8000-000000000000", "title": "x", "start": "2025-02-10", "places": [{"name": "A", "lon": 1, "lat": 1}]}),
                &["id"],
            ),
            (
                json!({"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]}, "properties": {"title": "x", "start": "2025-02-10"}}),
                &["geometry"],
            ),
            (json!([1, 2, 3]), &[""]),
        ];
        for (body, fields) in cases {
            let v = refused(&app, &body.to_string(), "application/json", 422, "validation").await;
            let got: Vec<&str> = v["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
            assert_eq!(got, fields, "{body} -> {v}");
            assert!(v["errors"].as_array().unwrap().iter().all(|e| !e["message"].as_str().unwrap().is_empty()));
        }
    }
}

#[tokio::test]
async fn an_oversized_body_is_a_413_problem() {
    for backend in backends() {
        let app = TestApp::on(&backend).await;
        let mut big = tartus_event("big");
        big["description"] = json!("x".repeat(3 * 1024 * 1024));
        refused(&app, &big.to_string(), "application/json", 413, "payload-too-large").await;
    }
}

#[tokio::test]
async fn html_script_and_sql_looking_text_is_stored_verbatim_as_inert_text() {
    for backend in backends() {
        let app = TestApp::on(&backend).await;
        let title = "<img src=x onerror=alert(1)>";
        let desc = "'; DROP TABLE events; -- <script>alert('x')</script>";
        let mut body = tartus_event(title);
        body["description"] = json!(desc);
        body["tags"] = json!(["1' OR '1'='1"]);
        let f = app.create(body).await;
        let got = app.get(&format!("/api/events/{}", f["id"].as_str().unwrap())).await;
        assert_eq!(got.header("content-type"), "application/geo+json");
        assert_eq!(got.json()["properties"]["title"], title);
        assert_eq!(got.json()["properties"]["description"], desc);
        assert_eq!(app.ids("q=DROP%20TABLE").await, vec![f["id"].as_str().unwrap().to_string()]);
        assert_eq!(app.ids("tag=1'%20OR%20'1'%3D'1").await.len(), 1);
        assert_eq!(app.ids("").await.len(), 1, "the table is still there");
    }
}

#[tokio::test]
async fn bad_query_parameters_are_400_problems_naming_them() {
    for backend in backends() {
        let app = TestApp::on(&backend).await;
        for (q, field) in [
            ("bbox=1,2,3", "bbox"),
            ("bbox=0,10,1,5", "bbox"),
            ("start=yesterday", "start"),
            ("limit=100000", "limit"),
            ("limit=-1", "limit"),
            ("lat=91&lon=0", "lat"),
            ("sort=title", "sort"),
            ("format=xlsx", "format"),
            ("catgory=protest", "catgory"),
            ("status=rumour", "status"),
            ("country=Atlantis", "country"),
            ("country=ZZ", "country"),
            ("radius_km=5", "radius_km"),
        ] {
            let g = app.get(&format!("/api/events?{q}")).await;
            g.problem(400, "invalid-request");
            assert_eq!(g.fields(), [field], "{q}: {g}");
        }
    }
}

#[tokio::test]
async fn a_bad_patch_changes_nothing() {
    for backend in backends() {
        let app = TestApp::on(&backend).await;
        let f = app.create(tartus_event("Keep me")).await;
        let path = format!("/api/events/{}", f["id"].as_str().unwrap());
        let before = app.snapshot().await;
        app.send(Method::PATCH, &path, Some(&app.editor), Some(json!({"start": "not a date"})))
            .await
            .problem(422, "validation");
        app.send(Method::PATCH, &path, Some(&app.editor), Some(json!({"revision": 9})))
            .await
            .problem(422, "validation");
        app.send(
            Method::PATCH,
            &path,
            Some(&app.editor),
            Some(json!({"places": [{"name": "X", "lat": 100, "lon": 0}]})),
        )
        .await
        .problem(422, "validation");
        app.send(Method::PATCH, &path, Some(&app.editor), Some(json!("title"))).await.problem(400, "invalid-request");
        assert_eq!(app.snapshot().await, before);
    }
}

#[tokio::test]
async fn lists_far_over_their_limits_are_refused_at_once_and_nothing_is_written() {
    for backend in backends() {
        let app = TestApp::on(&backend).await;
        let before = app.snapshot().await;
        let many: Vec<String> = (0..200_000).map(|i| format!("t{i}")).collect();
        for (field, value) in [
            ("tags", json!(many)),
            ("actors", json!(many)),
            (
                "sources",
                json!((0..20_000).map(|i| json!({"url": format!("https://example.org/{i}")})).collect::<Vec<_>>()),
            ),
            ("places", json!((0..20_000).map(|i| json!({"name": format!("Place {i}")})).collect::<Vec<_>>())),
        ] {
            let mut body = tartus_event("too many");
            body[field] = value;
            let started = std::time::Instant::now();
            let g = app.post(body).await;
            g.problem(422, "validation");
            assert!(g.fields().contains(&field.to_string()), "{field}: {g}");
            // Quadratic checks took minutes here; one pass takes well under a second.
            assert!(started.elapsed() < std::time::Duration::from_secs(20), "{field}: {:?}", started.elapsed());
        }
        let names: Vec<String> = (0..100_000).map(|i| format!("n{i}")).collect();
        let g = app
            .send(
                Method::POST,
                "/api/places",
                Some(&app.editor),
                Some(json!({"name": "Sheikh Maqsoud", "lon": 37.16, "lat": 36.23, "names": names})),
            )
            .await;
        g.problem(422, "validation");
        assert_eq!(g.fields(), ["names"], "{g}");
        assert_eq!(app.snapshot().await, before, "nothing was written");
    }
}

#[tokio::test]
async fn small_traps_are_400s_or_422s_and_change_nothing() {
    for backend in backends() {
        let app = TestApp::on(&backend).await;
        let f = app.create(tartus_event("held at the checkpoint")).await;
        let id = f["id"].as_str().unwrap().to_string();
        let before = app.snapshot().await;
        // A search with no word would match every event.
        for q in ["q=%21%21%21", "q=*", "q=%E2%80%94"] {
            let g = app.get(&format!("/api/events?{q}")).await;
            g.problem(400, "invalid-request");
            assert_eq!(g.fields(), ["q"], "{q}");
        }
        // A patch's reason is limited like a deletion's.
        let long = "x".repeat(1001);
        let g = app
            .send(
                Method::PATCH,
                &format!("/api/events/{id}?reason={long}"),
                Some(&app.editor),
                Some(json!({"title": "t"})),
            )
            .await;
        g.problem(422, "validation");
        assert_eq!(g.fields(), ["reason"]);
        // Event times a report never gives, and leap seconds.
        for start in ["0205-02-10", "3025-02-10", "2016-12-31T23:59:60Z"] {
            let mut body = tartus_event("when?");
            body["start"] = json!(start);
            let g = app.post(body).await;
            g.problem(422, "validation");
            assert_eq!(g.fields(), ["start"], "{start}");
        }
        // The histogram refuses what it would ignore.
        for p in ["limit=5", "sort=start", "format=csv", "cursor=abc"] {
            let g = app.get(&format!("/api/events/histogram?{p}")).await;
            g.problem(400, "invalid-request");
        }
        assert_eq!(app.snapshot().await, before);
    }
}

#[tokio::test]
async fn metrics_need_a_viewer_token_on_a_private_instance() {
    for backend in backends() {
        let app = TestApp::on_with(&backend, eventmap::api::ApiConfig { private: true, ..Default::default() }).await;
        app.get("/metrics").await.problem(401, "unauthorized");
        app.send(Method::GET, "/metrics", Some(&app.viewer), None).await.expect(200);
        app.get("/healthz").await.expect(200);
    }
}
