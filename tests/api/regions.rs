//! Places by what they contain (issue 17, item 1): a country or a first-level division as
//! `place=` keeps the events in it, `admin1=` takes a division in any script or by id, and the
//! counts of every way to ask agree, on an ACLED file of our own with rows in four countries
//! and three Syrian governorates.

use serde_json::Value;

use crate::helpers::{TestApp, backends};

/// Imports `tests/fixtures/import/acled-regions.csv`: six rows in Idlib governorate (ACLED
/// spells it "Idleb"), three in Aleppo governorate, one in Damascus, and one each in Kharkiv,
/// Taiz and El Fasher.
async fn seeded(backend: &crate::helpers::Backend) -> TestApp {
    let app = TestApp::on(backend).await;
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import/acled-regions.csv");
    let rb =
        app.client.post(format!("{}/api/import", app.base)).bearer_auth(&app.editor).body(std::fs::read(p).unwrap());
    let got = TestApp::got(rb).await;
    got.expect(200);
    assert_eq!(got.json()["created"], 13, "{}", got.json());
    app
}

async fn count(app: &TestApp, query: &str) -> u64 {
    let got = app.get(&format!("/api/events?limit=1&{query}")).await;
    got.expect(200);
    got.json()["numberMatched"].as_u64().unwrap_or_else(|| panic!("{query}: {}", got.json()))
}

async fn histogram_total(app: &TestApp, query: &str) -> u64 {
    let got = app.get(&format!("/api/events/histogram?bucket=day&{query}")).await;
    got.expect(200);
    got.json()["total"].as_u64().unwrap()
}

#[tokio::test]
async fn a_country_a_governorate_admin1_and_a_box_of_it_give_counts_that_agree() {
    for backend in backends() {
        let app = seeded(&backend).await;
        // The governorate's gazetteer id, as the Place box puts it in the URL.
        let idlib: Value = app.get("/api/places/search?q=Idlib&limit=10").await.json();
        let gov = idlib["features"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["properties"]["kind"] == "region")
            .unwrap_or_else(|| panic!("{idlib}"))["id"]
            .as_str()
            .unwrap()
            .to_string();
        let table = [
            ("country=SY", 10),
            ("country=SYR", 10),
            ("place=Syria", 10),
            ("place=%D8%B3%D9%88%D8%B1%D9%8A%D8%A7", 10),
            (&format!("place={gov}") as &str, 6),
            (&format!("admin1={gov}"), 6),
            ("admin1=Idlib", 6),
            ("admin1=Idleb", 6),
            ("admin1=%D8%A5%D8%AF%D9%84%D8%A8", 6),
            ("admin1=%D0%98%D0%B4%D0%BB%D0%B8%D0%B1", 6),
            ("bbox=36.2,35.40,37.05,36.25", 6),
            ("admin1=Idlib&admin1=Aleppo", 9),
            ("admin1=Idlib,Aleppo", 9),
            ("admin1=Aleppo&country=SY", 3),
            ("admin1=Kharkiv", 1),
            ("country=UA,YE,SD", 3),
        ];
        let mut seen = Vec::new();
        for (query, want) in table {
            let got = count(&app, query).await;
            seen.push(format!("{query}: {got}"));
            assert_eq!(got, want, "{query} ({backend:?}); so far {seen:?}");
            assert_eq!(histogram_total(&app, query).await, want, "the histogram of {query}");
        }
        eprintln!("{backend:?}: {}", seen.join(", "));
        // The OGC collection takes the same filters.
        for query in ["admin1=Idlib", "place=Syria"] {
            let ogc = app.get(&format!("/ogc/collections/events/items?{query}&limit=1")).await;
            ogc.expect(200);
            let want = if query.starts_with("admin1") { 6 } else { 10 };
            assert_eq!(ogc.json()["numberMatched"], want, "OGC {query}: {}", ogc.json());
        }
        // Every event of the governorate carries its id, and the ACLED spelling it came with.
        let page = app.get(&format!("/api/events?admin1={gov}&limit=100")).await.json();
        for f in page["features"].as_array().unwrap() {
            let p = &f["properties"]["places"][0];
            assert_eq!(p["admin1_id"], gov.as_str(), "{p}");
            assert_eq!(p["admin1"], "Idleb", "{p}");
        }
    }
}

#[tokio::test]
async fn a_region_as_place_takes_no_radius_and_an_unknown_division_is_a_400() {
    for backend in backends() {
        let app = seeded(&backend).await;
        let p = app.get("/api/events?place=Syria&radius_km=30").await.problem(400, "invalid-request");
        assert_eq!(p["errors"][0]["field"], "radius_km", "{p}");
        let p = app.get("/api/events?admin1=Atlantis").await.problem(400, "invalid-request");
        assert_eq!(p["errors"][0]["field"], "admin1", "{p}");
        // A town is no first-level division, and its id says so.
        let sarmin: Value = app.get("/api/places/search?q=Sarmin&limit=1").await.json();
        let town = sarmin["features"][0]["id"].as_str().unwrap().to_string();
        let p = app.get(&format!("/api/events?admin1={town}")).await.problem(400, "invalid-request");
        assert!(p["detail"].as_str().unwrap().contains("first-level division"), "{p}");
        // A town as the place keeps the radius rule: Sarmin, Saraqib and Idlib city lie
        // within 25 km of Idlib city; Khan Shaykhun and Jisr ash-Shughur do not.
        let idlib_city: Value = app.get("/api/places/search?q=Idlib&limit=10").await.json();
        let city = idlib_city["features"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["properties"]["kind"] == "settlement")
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string();
        assert_eq!(count(&app, &format!("place={city}")).await, 3);
    }
}
