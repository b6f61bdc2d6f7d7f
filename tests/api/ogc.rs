//! OGC API – Features under `/ogc`: landing page, conformance, collections with extents, items
//! with bbox, datetime, limit, property filters and paging, single items, media types and links.

use std::collections::HashSet;

use reqwest::header::ACCEPT;
use serde_json::Value;

use crate::helpers::{Got, TestApp, backends};

/// 25 made-up events: every fifth a protest, the rest armed clashes; 13 at Tartus in February
/// 2025 and 12 at Kharkiv in March 2025.
async fn seeded(app: &TestApp) {
    let mut csv = String::from("id,title,date,category,place,latitude,longitude,country,status\n");
    for i in 0..25 {
        let (place, lat, lon, cc, month) =
            if i % 2 == 0 { ("Tartus", 34.889, 35.8866, "SY", 2) } else { ("Kharkiv", 49.9935, 36.2304, "UA", 3) };
        let cat = if i % 5 == 0 { "protest" } else { "armed clash" };
        let status = if i % 3 == 0 { "verified" } else { "reported" };
        csv.push_str(&format!(
            "ogc-{i},Made-up event {i},2025-{month:02}-{:02},{cat},{place},{lat},{lon},{cc},{status}\n",
            1 + i
        ));
    }
    let g =
        TestApp::got(app.client.post(format!("{}/api/import?format=csv", app.base)).bearer_auth(&app.editor).body(csv))
            .await;
    g.expect(200);
    assert_eq!(g.json()["created"], 25, "{g}");
}

fn link<'a>(v: &'a Value, rel: &str) -> Option<&'a Value> {
    v["links"].as_array()?.iter().find(|l| l["rel"] == rel)
}

/// The path and query of an absolute link, to fetch it from the test app.
fn local(href: &str) -> String {
    let u = url::Url::parse(href).expect("an absolute link");
    match u.query() {
        Some(q) => format!("{}?{q}", u.path()),
        None => u.path().to_string(),
    }
}

async fn get_accepting(app: &TestApp, path: &str, accept: &str) -> Got {
    TestApp::got(app.client.get(format!("{}{path}", app.base)).header(ACCEPT, accept)).await
}

#[tokio::test]
async fn the_landing_page_links_the_api_description_conformance_and_data() {
    for backend in backends() {
        let app = TestApp::on(&backend).await;
        let g = app.get("/ogc").await;
        g.expect(200);
        assert_eq!(g.header("content-type"), "application/json");
        let v = g.json();
        for (rel, media) in [
            ("self", "application/json"),
            ("service-desc", "application/vnd.oai.openapi+json;version=3.0"),
            ("conformance", "application/json"),
            ("data", "application/json"),
        ] {
            let l = link(&v, rel).unwrap_or_else(|| panic!("no {rel} link: {g}"));
            assert_eq!(l["type"], media, "{rel}");
            assert!(l["href"].as_str().unwrap().starts_with("http://"), "absolute: {l}");
            let target = app.get(&local(l["href"].as_str().unwrap())).await;
            target.expect(200);
            assert!(target.header("content-type").starts_with(media.split(';').next().unwrap()), "{rel}: {target}");
        }
        let doc = app.get("/ogc/api").await.json();
        assert_eq!(doc["openapi"], "3.0.3");
        assert!(doc["paths"]["/ogc/collections/{collectionId}/items"]["get"].is_object());
        app.get("/ogc?f=json").await.expect(200);
    }
}

#[tokio::test]
async fn conformance_declares_core_geojson_and_openapi_3_0() {
    for backend in backends() {
        let app = TestApp::on(&backend).await;
        let v = app.get("/ogc/conformance").await.json();
        let classes: Vec<&str> = v["conformsTo"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
        for c in ["conf/core", "conf/geojson", "conf/oas30"] {
            assert!(
                classes.iter().any(|k| k == &format!("http://www.opengis.net/spec/ogcapi-features-1/1.0/{c}")),
                "{c}"
            );
        }
    }
}

#[tokio::test]
async fn the_collection_carries_the_extent_of_the_data_and_grows_with_it() {
    for backend in backends() {
        let app = TestApp::on(&backend).await;
        let empty = app.get("/ogc/collections/events").await.json();
        assert_eq!(empty["extent"]["spatial"]["bbox"][0], serde_json::json!([-180.0, -90.0, 180.0, 90.0]));
        seeded(&app).await;
        let g = app.get("/ogc/collections").await;
        g.expect(200);
        let v = g.json();
        assert!(link(&v, "self").is_some());
        let c = &v["collections"][0];
        assert_eq!(c["id"], "events");
        assert_eq!(c["itemType"], "feature");
        let bbox: Vec<f64> =
            c["extent"]["spatial"]["bbox"][0].as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect();
        assert_eq!(bbox, [35.8866, 34.889, 36.2304, 49.9935]);
        assert_eq!(c["extent"]["spatial"]["crs"], "http://www.opengis.net/def/crs/OGC/1.3/CRS84");
        assert_eq!(c["extent"]["temporal"]["interval"][0][0], "2025-02-01T00:00:00Z");
        assert_eq!(c["extent"]["temporal"]["interval"][0][1], "2025-03-24T23:59:59.999Z");
        let items = link(c, "items").unwrap();
        assert_eq!(items["type"], "application/geo+json");
        // A new event far away widens the extent.
        app.create(serde_json::json!({"title": "Far away", "start": "2026-01-01", "places": [{"name": "Nowhere island", "lon": -150.0, "lat": -20.0, "country": "PF"}]})).await;
        let c = app.get("/ogc/collections/events").await.json();
        assert_eq!(c["extent"]["spatial"]["bbox"][0][0], -150.0);
        assert_eq!(c["extent"]["temporal"]["interval"][0][1], "2026-01-01T23:59:59.999Z");
        app.get("/ogc/collections/other").await.problem(404, "not-found");
    }
}

#[tokio::test]
async fn items_page_ten_at_a_time_through_next_links_to_every_event() {
    for backend in backends() {
        let app = TestApp::on(&backend).await;
        seeded(&app).await;
        let g = app.get("/ogc/collections/events/items").await;
        g.expect(200);
        assert_eq!(g.header("content-type"), "application/geo+json");
        let v = g.json();
        assert_eq!(v["type"], "FeatureCollection");
        assert_eq!(v["numberReturned"], 10);
        assert_eq!(v["numberMatched"], 25);
        assert!(v["timeStamp"].is_string());
        assert_eq!(link(&v, "self").unwrap()["type"], "application/geo+json");
        assert_eq!(link(&v, "collection").unwrap()["type"], "application/json");
        let mut seen = HashSet::new();
        let mut page = v;
        let mut pages = 1;
        loop {
            for f in page["features"].as_array().unwrap() {
                assert!(seen.insert(f["id"].as_str().unwrap().to_string()), "a feature came twice");
            }
            let Some(next) = link(&page, "next") else { break };
            assert_eq!(next["type"], "application/geo+json");
            let g = app.get(&local(next["href"].as_str().unwrap())).await;
            g.expect(200);
            page = g.json();
            assert_eq!(page["numberMatched"], 25);
            pages += 1;
        }
        assert_eq!((seen.len(), pages), (25, 3));
    }
}

#[tokio::test]
async fn bbox_datetime_and_properties_filter_items() {
    for backend in backends() {
        let app = TestApp::on(&backend).await;
        seeded(&app).await;
        let matched = |q: &str| {
            let app = &app;
            let q = q.to_string();
            async move {
                let g = app.get(&format!("/ogc/collections/events/items?{q}")).await;
                g.expect(200);
                g.json()["numberMatched"].as_u64().unwrap()
            }
        };
        assert_eq!(matched("bbox=35,34,36.5,35.5").await, 13);
        assert_eq!(matched("bbox=35,34,36.5,35.5&bbox-crs=http://www.opengis.net/def/crs/OGC/1.3/CRS84").await, 13);
        assert_eq!(matched("datetime=2025-03-01T00:00:00Z/..").await, 12);
        assert_eq!(matched("datetime=../2025-02-28").await, 13);
        assert_eq!(matched("datetime=2025-02-01/2025-02-05").await, 3);
        assert_eq!(matched("datetime=2025-02-03").await, 1);
        assert_eq!(matched("category=protest").await, 5);
        assert_eq!(matched("status=verified").await, 9);
        assert_eq!(matched("country=UA&category=armed_clash").await, 10);
        assert_eq!(matched("limit=50000").await, 25);
        let all = app.get("/ogc/collections/events/items?limit=50000").await.json();
        assert_eq!(all["numberReturned"], 25, "a limit over the maximum is lowered, not refused");
    }
}

#[tokio::test]
async fn unknown_or_malformed_parameters_and_other_formats_are_refused() {
    for backend in backends() {
        let app = TestApp::on(&backend).await;
        let g = app.get("/ogc/collections/events/items?colour=red").await;
        assert_eq!(g.problem(400, "invalid-request")["errors"][0]["field"], "colour");
        app.get("/ogc/collections/events/items?limit=0").await.problem(400, "invalid-request");
        app.get("/ogc/collections/events/items?bbox=1,2,3").await.problem(400, "invalid-request");
        app.get("/ogc/collections/events/items?datetime=2025-03-01/2025-02-01").await.problem(400, "invalid-request");
        app.get("/ogc/collections/events/items?bbox-crs=EPSG:3857&bbox=1,2,3,4").await.problem(400, "invalid-request");
        app.get("/ogc/collections/events/items?format=csv").await.problem(400, "invalid-request");
        app.get("/ogc/collections/events/items?f=html").await.problem(406, "not-acceptable");
        app.get("/ogc/collections/events/items?f=xml").await.problem(400, "invalid-request");
        get_accepting(&app, "/ogc/collections", "text/html").await.problem(406, "not-acceptable");
        get_accepting(&app, "/ogc", "text/html,application/xhtml+xml,*/*;q=0.8").await.expect(200);
        get_accepting(&app, "/ogc/collections/events/items", "application/geo+json").await.expect(200);
        app.get("/ogc/collections/other/items").await.problem(404, "not-found");
        app.get("/ogc/conformance?x=1").await.problem(400, "invalid-request");
    }
}

#[tokio::test]
async fn one_item_is_a_feature_with_links_and_unknown_ids_are_404() {
    for backend in backends() {
        let app = TestApp::on(&backend).await;
        seeded(&app).await;
        let list = app.get("/ogc/collections/events/items?limit=1").await.json();
        let id = list["features"][0]["id"].as_str().unwrap().to_string();
        let g = app.get(&format!("/ogc/collections/events/items/{id}")).await;
        g.expect(200);
        assert_eq!(g.header("content-type"), "application/geo+json");
        let f = g.json();
        assert_eq!(f["type"], "Feature");
        assert_eq!(f["id"], id.as_str());
        assert!(local(link(&f, "self").unwrap()["href"].as_str().unwrap()).ends_with(&id));
        assert_eq!(link(&f, "collection").unwrap()["type"], "application/json");
        app.get("/ogc/collections/events/items/not-an-id").await.problem(404, "not-found");
        app.get("/ogc/collections/events/items/0195a1b2-0000-7000-8000-000000000001").await.problem(404, "not-found");
    }
}

#[tokio::test]
async fn the_openapi_document_describes_the_ogc_paths_and_the_import() {
    for backend in backends() {
        let app = TestApp::on(&backend).await;
        let doc = app.get("/api/openapi.json").await.json();
        for p in [
            "/ogc",
            "/ogc/conformance",
            "/ogc/collections",
            "/ogc/collections/{collectionId}/items",
            "/ogc/collections/{collectionId}/items/{featureId}",
            "/api/import",
        ] {
            assert!(doc["paths"][p].is_object(), "{p} is not described");
        }
    }
}

/// 11 made-up events: 6 points at Tartus and 5 routes from Kharkiv to Izium.
async fn points_and_routes(app: &TestApp) {
    for i in 0..11 {
        let places = if i % 2 == 0 {
            serde_json::json!([{"name": "Tartus", "lon": 35.8866, "lat": 34.889}])
        } else {
            serde_json::json!([{"name": "Kharkiv", "role": "origin", "lon": 36.2304, "lat": 49.9935},
                               {"name": "Izium", "role": "destination", "lon": 37.2556, "lat": 49.2128}])
        };
        app.create(serde_json::json!({"title": format!("Made-up event {i}"), "start": "2025-02-10", "places": places}))
            .await;
    }
}

#[tokio::test]
async fn geometry_type_gives_the_items_of_one_kind_through_every_page_with_their_count() {
    for backend in backends() {
        let app = TestApp::on(&backend).await;
        points_and_routes(&app).await;
        for (kind, n, geojson) in [("line", 5, "LineString"), ("point", 6, "Point")] {
            let mut path = format!("/ogc/collections/events/items?geometry_type={kind}&limit=2");
            let mut seen = HashSet::new();
            loop {
                let g = app.get(&path).await;
                g.expect(200);
                let page = g.json();
                assert_eq!(page["numberMatched"], n, "{kind}: {g}");
                for f in page["features"].as_array().unwrap() {
                    assert_eq!(f["geometry"]["type"], geojson, "{kind}: {g}");
                    assert!(seen.insert(f["id"].as_str().unwrap().to_string()), "a feature came twice");
                }
                let Some(next) = link(&page, "next") else { break };
                path = local(next["href"].as_str().unwrap());
                assert!(path.contains(&format!("geometry_type={kind}")), "{path}");
            }
            assert_eq!(seen.len(), n, "{kind}");
        }
        let none = app.get("/ogc/collections/events/items?geometry_type=polygon").await;
        assert_eq!(none.json()["numberMatched"], 0, "{none}");
        let g = app.get("/ogc/collections/events/items?geometry_type=linestring").await;
        assert_eq!(g.problem(400, "invalid-request")["errors"][0]["field"], "geometry_type");
    }
}

#[tokio::test]
async fn every_ogc_path_accepts_the_geometry_type_a_client_keeps_in_its_connection_url() {
    for backend in backends() {
        let app = TestApp::on(&backend).await;
        points_and_routes(&app).await;
        let one = app.get("/ogc/collections/events/items?limit=1").await.json()["features"][0]["id"].clone();
        let item = format!("/ogc/collections/events/items/{}", one.as_str().unwrap());
        for p in ["/ogc", "/ogc/conformance", "/ogc/api", "/ogc/collections", "/ogc/collections/events", &item] {
            app.get(&format!("{p}?geometry_type=line")).await.expect(200);
            let g = app.get(&format!("{p}?geometry_type=curve")).await;
            assert_eq!(g.problem(400, "invalid-request")["errors"][0]["field"], "geometry_type", "{p}");
        }
        app.get("/ogc/conformance?geometry_type=line&x=1").await.problem(400, "invalid-request");
    }
}
