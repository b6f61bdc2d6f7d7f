//! The gazetteer through HTTP: search, reverse, one place, a team's own places.

use reqwest::Method;
use serde_json::json;

use crate::helpers::{TestApp, backends};

#[tokio::test]
async fn search_ranks_candidates_with_every_field() {
    for backend in backends() {
        let app = TestApp::on(&backend).await;
        let g = app.get("/api/places/search?q=Tartous&limit=3").await;
        g.expect(200);
        assert_eq!(g.header("content-type"), "application/geo+json");
        let f = &g.json()["features"][0];
        let p = &f["properties"];
        assert_eq!(p["gazetteer_id"], "geonames:163345");
        assert_eq!(p["name"], "Tartus", "shown as English news writes it, not \"Ţarţūs\"");
        assert_eq!(p["country"], "SY");
        assert_eq!(p["kind"], "settlement");
        for k in ["gazetteer_id", "matched_name", "admin1", "population", "score"] {
            assert!(!p[k].is_null(), "{k} missing: {f}");
        }
        assert_eq!(f["geometry"]["type"], "Point");
        let us = app.get("/api/places/search?q=Damascus&country=US").await.json();
        assert_eq!(us["features"][0]["properties"]["country"], "US");
        app.get("/api/places/search").await.problem(400, "invalid-request");
        app.get("/api/places/search?q=x&country=Syria").await.problem(400, "invalid-request");
    }
}

#[tokio::test]
async fn reverse_finds_latakia_and_get_returns_all_names() {
    for backend in backends() {
        let app = TestApp::on(&backend).await;
        let r = app.get("/api/places/reverse?lat=35.53&lon=35.79").await;
        r.expect(200);
        let first = &r.json()["features"][0];
        assert_eq!(first["properties"]["name"], "Latakia");
        let id = first["properties"]["gazetteer_id"].as_str().unwrap().to_string();
        let one = app.get(&format!("/api/places/{id}")).await;
        one.expect(200);
        assert!(one.json()["properties"]["names"].as_array().unwrap().iter().any(|n| n == "Латакия"));
        app.get("/api/places/geonames:999999999").await.problem(404, "not-found");
        app.get("/api/places/reverse?lat=95&lon=0").await.problem(400, "invalid-request");
    }
}

#[tokio::test]
async fn a_custom_place_is_found_by_each_of_its_names_and_after_a_restart() {
    for backend in backends() {
        let app = TestApp::on(&backend).await;
        let body = json!({"name": "Hmeimim Air Base", "names": ["Hmeimim", "Khmeimim", "Hımeymim", "Хмеймим", "حميميم"], "kind": "site", "lon": 35.9486, "lat": 35.4011});
        app.send(Method::POST, "/api/places", None, Some(body.clone())).await.problem(401, "unauthorized");
        let c = app.send(Method::POST, "/api/places", Some(&app.editor), Some(body)).await;
        c.expect(201);
        let id = c.json()["id"].as_str().unwrap().to_string();
        assert_eq!(c.json()["properties"]["country"], "SY");
        for name in ["Hmeimim", "Khmeimim", "Hımeymim", "Хмеймим", "حميميم", "Hmeimim Air Base"] {
            let g = app.get(&format!("/api/places/search?q={}", urlencode(name))).await.json();
            assert_eq!(g["features"][0]["properties"]["gazetteer_id"], id, "{name}: {g}");
        }
        // A new server on the same database (a restart) finds it too.
        let g = std::sync::Arc::new(crate::helpers::gazetteer().fresh());
        g.set_custom(app.store.custom_places().await.unwrap());
        let found = g.search("Хмеймим", &eventmap::gazetteer::SearchOptions::default());
        assert_eq!(found[0].place.gazetteer_id, id);
        // And an event can name it.
        let ev = app.create(json!({"title": "Convoy leaves Hmeimim", "start": "2025-02-10", "places": [{"name": "Khmeimim", "role": "origin"}, {"name": "Tartus", "role": "destination"}]})).await;
        assert_eq!(ev["properties"]["places"][0]["gazetteer_id"], id);
        assert_eq!(ev["properties"]["places"][0]["precision"], "near");
        assert_eq!(ev["geometry"]["type"], "LineString");
    }
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
