//! Creating, reading, changing and deleting events through HTTP.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, backends, tartus_event};

#[tokio::test]
async fn a_created_event_comes_back_with_201_location_etag_and_every_field() {
    for backend in backends() {
        let app = TestApp::on(&backend).await;
        let body = json!({
            "title": "Russian convoy leaves Hmeimim for Tartus",
            "description": "About 30 vehicles, some carrying air-defence containers.",
            "category": "military_movement", "tags": ["Convoy", "convoy", "air defence"], "actors": ["Russian armed forces"],
            "start": "2025-02-10T05:00:00Z", "end": "2025-02-10T09:00:00Z", "time_precision": "hour",
            "places": [{"name": "Hmeimim", "role": "origin", "lon": 35.9486, "lat": 35.4011, "precision": "near"},
                       {"name": "Tartus", "role": "destination", "lon": 35.8866, "lat": 34.889}],
            "sources": [{"url": "https://uawire.org/syrian-army-blocks-russian-convoy", "title": "Syrian army blocks Russian convoy",
                         "publisher": "UAWire", "published_at": "2025-02-11T10:00:00+02:00", "language": "en", "excerpt": "a convoy of about 30 vehicles"}],
            "fatalities": 0, "properties": {"codebook_id": "SYR-0001"}
        });
        let g = app.post(body).await;
        g.expect(201);
        assert_eq!(g.header("content-type"), "application/geo+json");
        assert_eq!(g.header("etag"), "\"1\"");
        let f = g.json();
        let id = f["id"].as_str().unwrap();
        assert_eq!(g.header("location"), format!("/api/events/{id}"));
        assert_eq!(uuid::Uuid::parse_str(id).unwrap().get_version_num(), 7);
        assert_eq!(f["type"], "Feature");
        assert_eq!(
            f["geometry"],
            json!({"type": "LineString", "coordinates": [[35.9486, 35.4011], [35.8866, 34.889]]})
        );
        let p = &f["properties"];
        assert_eq!(p["tags"], json!(["Convoy", "air defence"]));
        assert_eq!(p["time_precision"], "hour");
        assert_eq!(p["end"], "2025-02-10T09:00:00Z");
        assert_eq!(p["reported_at"], "2025-02-11T08:00:00Z");
        assert_eq!(p["status"], "reported");
        assert_eq!(p["revision"], 1);
        assert_eq!(p["properties"], json!({"codebook_id": "SYR-0001"}));
        assert_eq!(p["places"][0]["country"], "SY", "completed by reverse geocoding: {f}");
        assert!(p["sources"][0]["id"].is_string());
        assert_eq!(p["sources"][0]["excerpt"], "a convoy of about 30 vehicles");
        assert!(p.get("geometry").is_none());

        let again = app.get(&format!("/api/events/{id}")).await;
        again.expect(200);
        assert_eq!(again.json(), f);
    }
}

#[tokio::test]
async fn a_geojson_feature_with_an_explicit_polygon_is_accepted() {
    for backend in backends() {
        let app = TestApp::on(&backend).await;
        let f = app
            .create(json!({"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [[[35.8, 34.8], [36.0, 34.8], [36.0, 35.0], [35.8, 34.8]]]},
                           "properties": {"title": "Exclusion zone around the port", "start": "2025-02-10"}}))
            .await;
        assert_eq!(f["geometry"]["type"], "Polygon");
        assert_eq!(f["properties"]["places"], json!([]));
        assert_eq!(f["properties"]["time_precision"], "day");
    }
}

#[tokio::test]
async fn unknown_and_malformed_ids_are_404_problems() {
    for backend in backends() {
        let app = TestApp::on(&backend).await;
        app.get("/api/events/0193a0b0-0000-7000-8000-000000000000").await.problem(404, "not-found");
        app.get("/api/events/not-a-uuid").await.problem(404, "not-found");
    }
}

#[tokio::test]
async fn a_patch_with_the_current_revision_applies_and_a_stale_one_is_412() {
    for backend in backends() {
        let app = TestApp::on(&backend).await;
        let f = app.create(tartus_event("Convoy at Tartus")).await;
        let id = f["id"].as_str().unwrap();
        let url = format!("{}/api/events/{id}", app.base);
        let patch = |rev: &str, body: Value| {
            app.client
                .patch(&url)
                .bearer_auth(&app.editor)
                .header("If-Match", rev)
                .header("Content-Type", "application/merge-patch+json")
                .body(body.to_string())
        };
        let ok = TestApp::got(patch(
            "\"1\"",
            json!({"title": "Convoy held at Tartus checkpoint", "tags": ["checkpoint"], "fatalities": null}),
        ))
        .await;
        ok.expect(200);
        assert_eq!(ok.header("etag"), "\"2\"");
        assert_eq!(ok.json()["properties"]["title"], "Convoy held at Tartus checkpoint");
        assert_eq!(ok.json()["properties"]["revision"], 2);
        assert_eq!(ok.json()["properties"]["places"], f["properties"]["places"], "untouched fields stay");

        let stale = TestApp::got(patch("\"1\"", json!({"title": "Lost update"}))).await;
        stale.problem(412, "revision-mismatch");
        assert_eq!(
            app.get(&format!("/api/events/{id}")).await.json()["properties"]["title"],
            "Convoy held at Tartus checkpoint"
        );
    }
}

#[tokio::test]
async fn a_patch_of_places_rederives_the_geometry_and_nulls_remove_fields() {
    for backend in backends() {
        let app = TestApp::on(&backend).await;
        let mut body = tartus_event("Convoy");
        body["description"] = json!("to be removed");
        let f = app.create(body).await;
        let id = f["id"].as_str().unwrap();
        let g = app
            .send(
                Method::PATCH,
                &format!("/api/events/{id}"),
                Some(&app.editor),
                Some(json!({
                "description": null,
                "places": [{"name": "Hmeimim", "role": "origin", "lon": 35.9486, "lat": 35.4011},
                           {"name": "Tartus", "role": "destination", "lon": 35.8866, "lat": 34.889}]})),
            )
            .await;
        g.expect(200);
        assert_eq!(g.json()["geometry"]["type"], "LineString");
        assert_eq!(g.json()["properties"]["description"], Value::Null);
    }
}

#[tokio::test]
async fn a_patch_that_changes_nothing_makes_no_revision() {
    for backend in backends() {
        let app = TestApp::on(&backend).await;
        let f = app.create(tartus_event("Same")).await;
        let id = f["id"].as_str().unwrap();
        let g = app
            .send(Method::PATCH, &format!("/api/events/{id}"), Some(&app.editor), Some(json!({"title": "Same"})))
            .await;
        g.expect(200);
        assert_eq!(g.json()["properties"]["revision"], 1);
    }
}

#[tokio::test]
async fn a_delete_needs_a_reason_and_leaves_a_410_tombstone_with_history() {
    for backend in backends() {
        let app = TestApp::on(&backend).await;
        let f = app.create(tartus_event("Duplicate report")).await;
        let id = f["id"].as_str().unwrap();
        let path = format!("/api/events/{id}");
        let no_reason = app.send(Method::DELETE, &path, Some(&app.editor), None).await;
        no_reason.problem(422, "validation");
        assert_eq!(no_reason.fields(), ["reason"]);
        app.get(&path).await.expect(200);

        let d = app
            .send(Method::DELETE, &path, Some(&app.editor), Some(json!({"reason": "duplicate of another event"})))
            .await;
        d.expect(200);
        assert_eq!(d.json()["properties"]["deleted"], true);
        let gone = app.get(&path).await.problem(410, "gone");
        assert_eq!(gone["reason"], "duplicate of another event");
        app.send(Method::DELETE, &format!("{path}?reason=again"), Some(&app.editor), None).await.problem(410, "gone");
        assert!(app.ids("").await.is_empty());

        let h = app.get(&format!("{path}/history")).await;
        h.expect(200);
        let revs = h.json()["revisions"].as_array().unwrap().clone();
        assert_eq!(revs.iter().map(|r| r["action"].as_str().unwrap()).collect::<Vec<_>>(), ["create", "delete"]);
        assert_eq!(revs[1]["reason"], "duplicate of another event");
        assert_eq!(revs[1]["actor"], "editor desk");
        assert_eq!(revs[0]["changes"]["title"], json!({"before": null, "after": "Duplicate report"}));
    }
}

#[tokio::test]
async fn a_source_is_stored_once_per_url_and_shared_between_events() {
    for backend in backends() {
        let app = TestApp::on(&backend).await;
        let src = json!([{"url": "https://uawire.org/convoy", "title": "Convoy blocked", "publisher": "UAWire"}]);
        let mut a = tartus_event("Departure");
        a["sources"] = src.clone();
        let mut b = tartus_event("Hold at checkpoint");
        b["sources"] = json!([{"url": "https://uawire.org/convoy", "excerpt": "held for eight hours"}]);
        let fa = app.create(a).await;
        let fb = app.create(b).await;
        let (sa, sb) = (&fa["properties"]["sources"][0], &fb["properties"]["sources"][0]);
        assert_eq!(sa["id"], sb["id"]);
        assert_eq!(sb["title"], "Convoy blocked", "the stored source's fields are shown");
        assert_eq!(sb["excerpt"], "held for eight hours");
        assert!(sa.get("excerpt").is_none());
    }
}

#[tokio::test]
async fn a_place_given_by_name_is_geocoded_and_an_ambiguous_one_lists_candidates() {
    for backend in backends() {
        let app = TestApp::on(&backend).await;
        let f = app
            .create(json!({"title": "Convoy reaches Tartus", "start": "2025-02-10", "places": [{"name": "Tartous", "role": "destination"}]}))
            .await;
        let p = &f["properties"]["places"][0];
        assert_eq!(p["country"], "SY");
        assert!(p["gazetteer_id"].as_str().unwrap().starts_with("geonames:"));
        assert_eq!(p["precision"], "settlement");
        assert_eq!(p["name"], "Tartous", "the name as reported is kept");

        let before = app.snapshot().await;
        let g = app.post(json!({"title": "Rally", "start": "2025-02-10", "places": [{"name": "Springfield"}]})).await;
        let v = g.problem(422, "unresolved-place");
        assert_eq!(g.fields(), ["places[0].name"]);
        assert!(v["candidates"].as_array().unwrap().len() >= 2, "{v}");
        let g = app.post(json!({"title": "Rally", "start": "2025-02-10", "places": [{"name": "Xqzzyplace"}]})).await;
        g.problem(422, "unresolved-place");
        assert_eq!(app.snapshot().await, before);

        let plain =
            app.create(json!({"title": "Rally", "start": "2025-02-10", "places": [{"name": "Damascus"}]})).await;
        assert_eq!(
            plain["properties"]["places"][0]["gazetteer_id"], "geonames:170654",
            "Damascus means Syria's capital"
        );
        let g = app.post(json!({"title": "Rally", "start": "2025-02-10", "places": [{"name": "Tripoli"}]})).await;
        let v = g.problem(422, "unresolved-place");
        let countries: Vec<&str> =
            v["candidates"].as_array().unwrap().iter().map(|c| c["country"].as_str().unwrap()).collect();
        assert!(countries.contains(&"LY") && countries.contains(&"LB"), "{v}");
        let hinted = app
            .create(json!({"title": "Rally", "start": "2025-02-10", "places": [{"name": "Tripoli", "country": "LB"}]}))
            .await;
        assert_eq!(hinted["properties"]["places"][0]["country"], "LB");
    }
}

#[tokio::test]
async fn coordinates_come_back_to_the_bit_as_they_were_sent() {
    // Values whose nearest double a fast float parser misses by one unit in the last place
    // (tile edges among them): stored and served as sent, in the JSON text itself.
    for backend in backends() {
        let app = TestApp::on(&backend).await;
        let lat = "11.178401873711781";
        let body = format!(
            r#"{{"title": "Edge", "category": "protest", "start": "2024-05-01",
            "places": [{{"name": "On an edge", "lon": -78.75, "lat": {lat}}}]}}"#
        );
        let created = app
            .client
            .post(format!("{}/api/events", app.base))
            .bearer_auth(&app.editor)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(created.status().as_u16(), 201);
        let id = created.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string();
        let text = app.client.get(format!("{}/api/events/{id}", app.base)).send().await.unwrap().text().await.unwrap();
        assert!(text.contains(&format!("[-78.75,{lat}]")), "{backend:?}: {text}");
    }
}
