//! `POST /api/import`: every format, re-imports that change nothing, changed rows as revisions,
//! all-or-nothing refusals with line numbers, and the round trip of our own GeoJSON export.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Got, TestApp, backends};

fn fixture(name: &str) -> Vec<u8> {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import").join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

async fn import(app: &TestApp, query: &str, body: impl Into<reqwest::Body>) -> Got {
    let rb = app.client.post(format!("{}/api/import{query}", app.base)).bearer_auth(&app.editor).body(body);
    TestApp::got(rb).await
}

/// Every event's Feature, keyed by id.
async fn features(app: &TestApp) -> Vec<Value> {
    let g = app.get("/api/events?limit=10000&sort=start").await;
    g.expect(200);
    g.json()["features"].as_array().unwrap().clone()
}

fn counts(g: &Got) -> (u64, u64, u64) {
    let v = g.json();
    (v["created"].as_u64().unwrap(), v["updated"].as_u64().unwrap(), v["unchanged"].as_u64().unwrap())
}

#[tokio::test]
async fn acled_in_all_three_layouts_is_imported_and_a_second_import_changes_nothing() {
    for backend in backends() {
        let app = TestApp::on(&backend).await;
        for (file, n) in [("acled-current.csv", 6), ("acled-2020.csv", 3), ("acled-old.csv", 3)] {
            let g = import(&app, "", fixture(file)).await;
            g.expect(200);
            assert_eq!(g.json()["format"], "acled", "guessed: {g}");
            assert_eq!(counts(&g), (n, 0, 0), "{file}: {g}");
            let again = import(&app, "?format=acled", fixture(file)).await;
            again.expect(200);
            assert_eq!(counts(&again), (0, 0, n), "{file} again: {again}");
        }
        let all = features(&app).await;
        assert_eq!(all.len(), 12);
        let by_key = |k: &str| {
            all.iter()
                .find(|f| {
                    f["properties"]["properties"]["acled"]["event_id_cnty"] == k
                        || f["properties"]["properties"]["acled"]["EVENT_ID_CNTY"] == k
                })
                .unwrap_or_else(|| panic!("no event with ACLED key {k}"))
                .clone()
        };
        let strike = by_key("XSY0002");
        assert_eq!(strike["properties"]["category"], "air_or_drone_strike");
        assert_eq!(strike["properties"]["start"], "2023-06-03T00:00:00Z");
        assert_eq!(strike["properties"]["places"][0]["country"], "SY");
        assert_eq!(strike["properties"]["places"][0]["precision"], "settlement");
        assert_eq!(strike["properties"]["sources"], json!([]), "ACLED names publishers, not URLs");
        assert_eq!(strike["properties"]["properties"]["acled"]["source"], "Example Weekly; Sample Radio");
        assert!(strike["properties"]["tags"].as_array().unwrap().contains(&json!("civilian targeting")));
        let protest = by_key("XSY0003");
        assert_eq!(protest["properties"]["time_precision"], "week");
        assert_eq!(protest["properties"]["start"], "2023-06-11T00:00:00Z", "the week centred on 14 June");
        assert_eq!(protest["properties"]["places"][0]["precision"], "district");
        let arrest = by_key("XUA0005");
        assert_eq!(arrest["properties"]["category"], "arrest");
        assert_eq!(arrest["properties"]["time_precision"], "month");
        assert_eq!(arrest["properties"]["start"], "2023-07-01T00:00:00Z");
        let old = by_key("XML0001");
        assert_eq!(old["properties"]["start"], "1997-01-15T00:00:00Z");
        assert_eq!(old["properties"]["category"], "armed_clash");
        assert_eq!(old["properties"]["places"][0]["country"], "ML", "completed by reverse geocoding");
        assert_eq!(by_key("XSY2001")["properties"]["start"], "2020-05-09T00:00:00Z");
        assert_eq!(by_key("XSY2002")["properties"]["category"], "shelling");
        assert_eq!(by_key("XSY2001")["properties"]["fatalities"], 3);
    }
}

#[tokio::test]
async fn a_changed_row_becomes_a_new_revision_of_the_same_event() {
    for backend in backends() {
        let app = TestApp::on(&backend).await;
        import(&app, "", fixture("acled-current.csv")).await.expect(200);
        let text = String::from_utf8(fixture("acled-current.csv")).unwrap().replace(",2,,1700000001", ",5,,1700000099");
        let g = import(&app, "", text).await;
        g.expect(200);
        assert_eq!(counts(&g), (0, 1, 5), "{g}");
        let f =
            features(&app).await.into_iter().find(|f| f["properties"]["fatalities"] == 5).expect("the changed event");
        assert_eq!(f["properties"]["revision"], 2);
        let h = app.get(&format!("/api/events/{}/history", f["id"].as_str().unwrap())).await;
        h.expect(200);
        let revs = h.json()["revisions"].as_array().unwrap().clone();
        assert_eq!(revs[1]["action"], "import");
        assert_eq!(revs[1]["actor"], "editor desk");
        assert_eq!(revs[1]["changes"]["fatalities"], json!({"before": 2, "after": 5}));
    }
}

#[tokio::test]
async fn a_file_with_bad_rows_is_refused_whole_with_their_lines_unless_skip_invalid() {
    for backend in backends() {
        let app = TestApp::on(&backend).await;
        let before = app.snapshot().await;
        let g = import(&app, "?format=acled", fixture("acled-bad.csv")).await;
        let p = g.problem(422, "import-rejected");
        assert_eq!(p["rejected"], 3);
        assert_eq!(p["imported"], false);
        let lines: Vec<u64> = p["rejections"].as_array().unwrap().iter().map(|r| r["line"].as_u64().unwrap()).collect();
        assert_eq!(lines, [3, 4, 5]);
        assert!(p["rejections"][0]["reason"].as_str().unwrap().contains("31 February 2023"), "{g}");
        assert!(p["rejections"][1]["reason"].as_str().unwrap().starts_with("places[0].lat"), "{g}");
        assert_eq!(app.snapshot().await, before, "nothing was stored");

        let g = import(&app, "?format=acled&skip_invalid=true", fixture("acled-bad.csv")).await;
        g.expect(200);
        let v = g.json();
        assert_eq!((v["created"].as_u64(), v["rejected"].as_u64()), (Some(1), Some(3)), "{g}");
        assert_eq!(v["rejections"][2]["line"], 5);
    }
}

/// Made-up ACLED rows (current layout, fewer columns) with Windows line ends: a good row, an
/// impossible date on line 3, a note over lines 4 and 5, a latitude off the globe on line 6.
fn windows_acled(long_note: &str) -> String {
    [
        "event_id_cnty,event_date,year,event_type,sub_event_type,iso,country,admin1,location,latitude,longitude,notes,fatalities",
        "XYE9001,02 June 2023,2023,Battles,Armed clash,887,Yemen,Aden,Aden,12.7794,45.0367,A made-up clash.,0",
        "XYE9002,31 February 2023,2023,Battles,Armed clash,887,Yemen,Aden,Aden,12.7794,45.0367,A made-up impossible date.,0",
        "XSD9003,04 June 2023,2023,Protests,Peaceful protest,729,Sudan,Khartoum,Khartoum,15.5007,32.5599,\"A made-up protest\r\nover two lines.\",0",
        &format!("XSD9004,05 June 2023,2023,Protests,Peaceful protest,729,Sudan,Khartoum,Khartoum,95.0,32.5599,\"{long_note}\",0"),
        "",
    ]
    .join("\r\n")
}

#[tokio::test]
async fn rejections_give_the_files_own_lines_and_the_row_as_it_was_within_a_bound() {
    for backend in backends() {
        let app = TestApp::on(&backend).await;
        let long_note = "a made-up note that goes on and on ".repeat(2000);
        let g = import(&app, "", windows_acled(&long_note)).await;
        let p = g.problem(422, "import-rejected");
        let lines: Vec<u64> = p["rejections"].as_array().unwrap().iter().map(|r| r["line"].as_u64().unwrap()).collect();
        assert_eq!(lines, [3, 6], "{g}");
        assert_eq!(
            p["rejections"][0]["row"],
            "XYE9002,31 February 2023,2023,Battles,Armed clash,887,Yemen,Aden,Aden,12.7794,45.0367,A made-up impossible date.,0",
            "{g}"
        );
        let long = p["rejections"][1]["row"].as_str().unwrap();
        assert!(long.starts_with("XSD9004,05 June 2023,"), "{long}");
        assert!(long.len() < 4096 && long.ends_with('…'), "bounded: {} bytes", long.len());
        assert_eq!(p["rejections"][1]["row_truncated"], true, "{}", &g.text[..500]);
        assert!(p["rejections"][0].get("row_truncated").is_none_or(|t| t == false), "{g}");
    }
}

#[tokio::test]
async fn a_geojson_feature_is_rejected_on_the_line_where_it_begins() {
    for backend in backends() {
        let app = TestApp::on(&backend).await;
        let fc = json!({"type": "FeatureCollection", "features": [
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [36.6339, 35.9306]},
             "properties": {"title": "A made-up event in Idlib", "start": "2025-02-10"}},
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [37.1343, 36.2021]},
             "properties": {"title": "A made-up event in Aleppo", "start": "someday"}}]});
        let text = serde_json::to_string_pretty(&fc).unwrap();
        let begins = 1 + text.lines().position(|l| l.contains("37.1343")).unwrap() as u64;
        // The second feature's `{` is on the line before its `"geometry"`... counted from the text.
        let feature_line = (1..begins)
            .rev()
            .find(|&n| text.lines().nth(n as usize - 1).unwrap().trim() == "{")
            .expect("the line that opens the second feature");
        let g = import(&app, "", text.clone()).await;
        let p = g.problem(422, "import-rejected");
        assert_eq!(p["rejections"][0]["line"], feature_line, "{g}\n{text}");
        let row = p["rejections"][0]["row"].as_str().unwrap();
        assert!(row.starts_with('{') && row.ends_with('}') && row.contains("someday"), "{row}");
    }
}

#[tokio::test]
async fn acled_rows_without_coordinates_are_geocoded_in_their_country_or_refused_with_candidates() {
    for backend in backends() {
        let app = TestApp::on(&backend).await;
        let text = "event_id_cnty,event_date,year,event_type,sub_event_type,iso,country,admin1,location,latitude,longitude,geo_precision,fatalities\n\
                    XSY8001,02 June 2023,2023,Battles,Armed clash,760,Syria,Idlib,Idlib,,,1,0\n\
                    XYE8002,03 June 2023,2023,Protests,Peaceful protest,887,Yemen,Aden,Aden,,,1,0\n\
                    XYE8003,04 June 2023,2023,Protests,Peaceful protest,887,Yemen,Aden,Kharkiv,,,1,0\n\
                    XUS8004,05 June 2023,2023,Protests,Peaceful protest,840,United States,Virginia,Alexandria,,,1,0\n";
        let g = import(&app, "?skip_invalid=true", text).await;
        g.expect(200);
        let v = g.json();
        assert_eq!((v["created"].as_u64(), v["rejected"].as_u64()), (Some(2), Some(2)), "{g}");
        let kharkiv = v["rejections"][0]["reason"].as_str().unwrap();
        assert_eq!(v["rejections"][0]["line"], 4, "{g}");
        assert!(kharkiv.contains("in YE") && kharkiv.contains("Kharkiv UA"), "{kharkiv}");
        let alexandria = v["rejections"][1]["reason"].as_str().unwrap();
        assert!(alexandria.contains("could be several places") && alexandria.contains("Alexandria US"), "{alexandria}");
        let all = features(&app).await;
        let place = |key: &str| {
            all.iter()
                .find(|f| f["properties"]["properties"]["acled"]["event_id_cnty"] == key)
                .unwrap_or_else(|| panic!("no {key}"))["properties"]["places"][0]
                .clone()
        };
        let idlib = place("XSY8001");
        assert_eq!((idlib["country"].as_str(), idlib["admin1"].as_str()), (Some("SY"), Some("Idlib")));
        assert!((idlib["lat"].as_f64().unwrap() - 35.93).abs() < 0.1, "{idlib}");
        assert!(idlib["gazetteer_id"].is_string(), "{idlib}");
        assert_eq!(place("XYE8002")["country"], "YE");
    }
}

#[tokio::test]
async fn gdelt_one_and_two_timemap_csv_and_foreign_geojson_are_imported() {
    for backend in backends() {
        let app = TestApp::on(&backend).await;
        for (file, format, n) in [
            ("gdelt-v1.export.CSV", "gdelt", 3),
            ("gdelt-v2.export.CSV", "gdelt", 3),
            ("timemap.json", "timemap", 3),
            ("events.csv", "csv", 3),
            ("foreign.geojson", "geojson", 2),
        ] {
            let g = import(&app, "", fixture(file)).await;
            g.expect(200);
            assert_eq!(g.json()["format"], format, "{file}: {g}");
            assert_eq!(counts(&g).0, n, "{file}: {g}");
        }
        let all = features(&app).await;
        let find = |pred: &dyn Fn(&Value) -> bool| all.iter().find(|f| pred(f)).cloned().expect("found");
        let air = find(&|f| f["properties"]["properties"]["gdelt"]["globaleventid"] == "1100000002");
        assert_eq!(air["properties"]["category"], "air_or_drone_strike");
        assert_eq!(air["properties"]["places"][0]["country"], "UA", "FIPS UP is Ukraine");
        assert_eq!(air["properties"]["sources"][0]["url"], "https://example.org/gdelt/four");
        assert_eq!(air["properties"]["sources"][0]["published_at"], "2025-02-11T12:00:00Z");
        let wire = find(&|f| f["properties"]["properties"]["gdelt"]["globaleventid"] == "900000003");
        assert_eq!(wire["properties"]["properties"]["gdelt"]["source"], "BBC Monitoring");
        let tm = find(&|f| f["properties"]["properties"]["timemap"]["id"] == "TM2");
        assert!(tm["properties"]["places"][0]["gazetteer_id"].is_string(), "Kyiv geocoded by name: {tm}");
        let tm1 = find(&|f| f["properties"]["properties"]["timemap"]["id"] == "TM1");
        assert_eq!(tm1["properties"]["start"], "2022-03-07T14:30:00Z");
        assert_eq!(tm1["properties"]["sources"].as_array().unwrap().len(), 2);
        let checkpoint = find(&|f| f["properties"]["title"] == "Checkpoint closed for the day");
        assert!(checkpoint["properties"]["places"][0]["gazetteer_id"].is_string(), "Tartus geocoded: {checkpoint}");
        assert_eq!(checkpoint["properties"]["properties"]["codebook_id"], "C-002");
        let zone = find(&|f| f["properties"]["title"] == "An invented exclusion zone");
        assert_eq!(zone["geometry"]["type"], "Polygon");
        let post = find(&|f| f["properties"]["title"] == "An invented observation post");
        assert_eq!(post["properties"]["properties"]["colour"], "red");
    }
}

#[tokio::test]
async fn a_mapping_reads_a_csv_with_unusual_headers() {
    for backend in backends() {
        let app = TestApp::on(&backend).await;
        let mapping = String::from_utf8(fixture("custom-mapping.json")).unwrap();
        let q = format!(
            "?format=csv&mapping={}",
            percent_encoding::utf8_percent_encode(&mapping, percent_encoding::NON_ALPHANUMERIC)
        );
        let g = import(&app, &q, fixture("custom.csv")).await;
        g.expect(200);
        assert_eq!(counts(&g), (2, 0, 0), "{g}");
        let all = features(&app).await;
        assert_eq!(all[0]["properties"]["start"], "2025-02-10T00:00:00Z");
        assert_eq!(all[0]["properties"]["category"], "protest");
        assert_eq!(all[0]["properties"]["properties"]["bemerkung"], "made up");
        let g = import(&app, "?format=csv&mapping=%7B%22colour%22%3A1%7D", fixture("custom.csv")).await;
        assert_eq!(g.problem(400, "invalid-request")["errors"][0]["field"], "mapping");
    }
}

#[tokio::test]
async fn our_own_geojson_export_round_trips_into_an_empty_database() {
    for backend in backends() {
        let source = TestApp::on(&backend).await;
        import(&source, "", fixture("acled-current.csv")).await.expect(200);
        import(&source, "", fixture("timemap.json")).await.expect(200);
        source
            .create(json!({"title": "Convoy from Hmeimim to Tartus", "start": "2025-02-10T05:00:00Z", "end": "2025-02-10T09:00:00Z",
                "time_precision": "hour", "category": "military movement", "tags": ["convoy"], "actors": ["A fictional army"],
                "places": [{"name": "Hmeimim", "role": "origin", "lon": 35.9486, "lat": 35.4011, "precision": "near"},
                           {"name": "Tartus", "role": "destination", "lon": 35.8866, "lat": 34.889}],
                "sources": [{"url": "https://example.org/convoy", "title": "A made-up report", "publisher": "Example",
                             "published_at": "2025-02-11T10:00:00Z", "language": "en", "excerpt": "about 30 vehicles"}],
                "status": "corroborated", "fatalities": 0, "properties": {"codebook_id": "X-1"}}))
            .await;
        source
            .create(json!({"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [[[35.8, 34.8], [36.0, 34.8], [36.0, 35.0], [35.8, 34.8]]]},
                "properties": {"title": "Exclusion zone", "start": "2025-02-10"}}))
            .await;
        let export = source.get("/api/events?limit=10000").await;
        export.expect(200);

        let target = TestApp::on(&backend).await;
        let g = import(&target, "?format=geojson", export.text.clone()).await;
        g.expect(200);
        let n = export.json()["features"].as_array().unwrap().len() as u64;
        assert_eq!(counts(&g), (n, 0, 0), "{g}");
        let strip = |mut f: Value| {
            let p = f["properties"].as_object_mut().unwrap();
            for k in ["created_at", "updated_at"] {
                p.remove(k);
            }
            f
        };
        let a: Vec<Value> = export.json()["features"].as_array().unwrap().iter().cloned().map(strip).collect();
        let back = target.get("/api/events?limit=10000").await;
        let b: Vec<Value> = back.json()["features"].as_array().unwrap().iter().cloned().map(strip).collect();
        assert_eq!(a, b, "same ids, fields and sources");
        let again = import(&target, "", export.text.clone()).await;
        assert_eq!(counts(&again), (0, 0, n), "{again}");
        // The derived geometry stays derived: moving a place moves the line.
        let convoy = b.iter().find(|f| f["properties"]["title"] == "Convoy from Hmeimim to Tartus").unwrap();
        let id = convoy["id"].as_str().unwrap();
        let patch = json!({"places": [{"name": "Hmeimim", "role": "origin", "lon": 35.95, "lat": 35.40},
                                      {"name": "Tartus", "role": "destination", "lon": 35.8866, "lat": 34.889}]});
        let g = target.send(Method::PATCH, &format!("/api/events/{id}"), Some(&target.editor), Some(patch)).await;
        g.expect(200);
        assert_eq!(g.json()["geometry"]["coordinates"][0], json!([35.95, 35.40]));
    }
}

#[tokio::test]
async fn deleted_events_stay_deleted_when_their_file_is_imported_again() {
    for backend in backends() {
        let app = TestApp::on(&backend).await;
        import(&app, "", fixture("acled-2020.csv")).await.expect(200);
        let id = features(&app).await[0]["id"].as_str().unwrap().to_string();
        app.send(Method::DELETE, &format!("/api/events/{id}?reason=duplicate"), Some(&app.editor), None)
            .await
            .expect(200);
        let g = import(&app, "", fixture("acled-2020.csv")).await;
        assert_eq!(counts(&g), (0, 0, 3), "{g}");
        app.get(&format!("/api/events/{id}")).await.expect(410);
    }
}

#[tokio::test]
async fn imports_need_an_editor_and_a_body_in_a_known_format() {
    for backend in backends() {
        let app = TestApp::on(&backend).await;
        let anon = TestApp::got(app.client.post(format!("{}/api/import", app.base)).body("x")).await;
        anon.problem(401, "unauthorized");
        let viewer = TestApp::got(
            app.client.post(format!("{}/api/import", app.base)).bearer_auth(&app.viewer).body(fixture("events.csv")),
        )
        .await;
        viewer.problem(403, "forbidden");
        import(&app, "", Vec::new()).await.problem(400, "invalid-request");
        let g = import(&app, "", "just some words").await;
        assert_eq!(g.problem(400, "invalid-request")["errors"][0]["field"], "format");
        import(&app, "?format=xlsx", fixture("events.csv")).await.problem(400, "invalid-request");
        import(&app, "?colour=red", fixture("events.csv")).await.problem(400, "invalid-request");
        let g = import(&app, "?format=acled", fixture("events.csv")).await;
        assert!(g.problem(422, "import-rejected")["detail"].as_str().unwrap().contains("not an ACLED export"), "{g}");
        let g = import(&app, "?format=geojson", "{\"type\": \"FeatureCollection\", \"features\": [,]}").await;
        g.problem(422, "import-rejected");
    }
}

#[tokio::test]
async fn a_body_over_two_mebibytes_is_accepted_by_the_import_route() {
    for backend in backends() {
        let app = TestApp::on(&backend).await;
        let mut text = String::from("title,start,latitude,longitude,place,country,description\n");
        let padding = "a made-up description that only adds weight ".repeat(12);
        let mut i = 0;
        while text.len() < 3 * 1024 * 1024 {
            text.push_str(&format!("Made-up row number {i},2025-01-01,34.889,35.8866,Tartus,SY,{padding}\n"));
            i += 1;
        }
        let g = import(&app, "?format=csv", text).await;
        g.expect(200);
        assert_eq!(counts(&g).0, i as u64);
    }
}

/// The CSV export of the fixtures of ACLED, GDELT and TimeMap (15 events), one record per event,
/// each with its cells by column name.
async fn csv_records(app: &TestApp) -> Vec<std::collections::HashMap<String, String>> {
    for file in ["acled-current.csv", "gdelt-v1.export.CSV", "gdelt-v2.export.CSV", "timemap.json"] {
        import(app, "", fixture(file)).await.expect(200);
    }
    let g = app.get("/api/events?format=csv&sort=start").await;
    g.expect(200);
    let mut r = csv::Reader::from_reader(g.text.trim_start_matches('\u{feff}').as_bytes());
    let headers = r.headers().unwrap().clone();
    r.records()
        .map(|rec| headers.iter().zip(rec.unwrap().iter()).map(|(h, v)| (h.to_string(), v.to_string())).collect())
        .collect()
}

#[tokio::test]
async fn a_csv_export_of_imported_rows_names_their_sources_and_the_keys_they_came_with() {
    for backend in backends() {
        let app = TestApp::on(&backend).await;
        let rows = csv_records(&app).await;
        assert_eq!(rows.len(), 15);
        let by = |col: &str, v: &str| {
            rows.iter().find(|r| r[col] == v).unwrap_or_else(|| panic!("no row with {col} = {v}: {rows:#?}")).clone()
        };
        let strike = by("acled_event_id_cnty", "XSY0002");
        assert_eq!(strike["source_names"], "Example Weekly | Sample Radio", "ACLED's source column, by name");
        assert_eq!(strike["source_urls"], "");
        assert_eq!(by("acled_event_id_cnty", "XSY0001")["source_names"], "Example Weekly");
        let air = by("gdelt_globaleventid", "1100000002");
        assert_eq!(air["source_urls"], "https://example.org/gdelt/four");
        assert_eq!(air["source_names"], "", "GDELT gives a URL and no name");
        let wire = by("gdelt_globaleventid", "900000003");
        assert_eq!((wire["source_urls"].as_str(), wire["source_names"].as_str()), ("", "BBC Monitoring"));
        let tm = by("timemap_id", "TM1");
        assert_eq!(tm["source_urls"], "https://example.org/timemap/video1 | https://example.org/timemap/photo2");
        assert_eq!(tm["source_names"], "Invented video of the school | Invented photo");
        assert_eq!(rows.iter().filter(|r| !r["acled_event_id_cnty"].is_empty()).count(), 6);
        assert_eq!(rows.iter().filter(|r| !r["gdelt_globaleventid"].is_empty()).count(), 6);
        assert_eq!(rows.iter().filter(|r| !r["timemap_id"].is_empty()).count(), 3);
    }
}

#[tokio::test]
async fn a_kml_export_of_imported_rows_names_their_sources_and_the_keys_they_came_with() {
    for backend in backends() {
        let app = TestApp::on(&backend).await;
        for file in ["acled-current.csv", "gdelt-v1.export.CSV", "timemap.json"] {
            import(&app, "", fixture(file)).await.expect(200);
        }
        let g = app.get("/api/events?format=kml").await;
        g.expect(200);
        let placemark = |key: &str| {
            let at = g.text.find(key).unwrap_or_else(|| panic!("no {key} in\n{g}"));
            let start = g.text[..at].rfind("<Placemark").unwrap();
            let end = at + g.text[at..].find("</Placemark>").unwrap();
            g.text[start..end].to_string()
        };
        let strike = placemark(r#"<Data name="acled_event_id_cnty"><value>XSY0002</value></Data>"#);
        assert!(
            strike.contains(r#"<Data name="source_names"><value>Example Weekly | Sample Radio</value></Data>"#),
            "{strike}"
        );
        let wire = placemark(r#"<Data name="gdelt_globaleventid"><value>900000003</value></Data>"#);
        assert!(wire.contains(r#"<Data name="source_names"><value>BBC Monitoring</value></Data>"#), "{wire}");
        let tm = placemark(r#"<Data name="timemap_id"><value>TM1</value></Data>"#);
        assert!(
            tm.contains(
                r#"<Data name="source_names"><value>Invented video of the school | Invented photo</value></Data>"#
            ),
            "{tm}"
        );
        assert!(tm.contains("https://example.org/timemap/video1 | https://example.org/timemap/photo2"), "{tm}");
    }
}
