//! Every filter, sort order, cursor, format and the histogram, on a small set with known answers.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, backends};

pub(crate) struct Seeded {
    pub(crate) app: TestApp,
    /// Event ids by short name.
    ids: std::collections::HashMap<&'static str, String>,
}

impl Seeded {
    pub(crate) fn id(&self, name: &str) -> String {
        self.ids[name].clone()
    }

    pub(crate) fn set(&self, names: &[&str]) -> Vec<String> {
        let mut v: Vec<String> = names.iter().map(|n| self.id(n)).collect();
        v.sort();
        v
    }

    pub(crate) async fn matches(&self, query: &str) -> Vec<String> {
        let mut v = self.app.ids(query).await;
        v.sort();
        v
    }

    #[track_caller]
    pub(crate) fn names(&self, ids: &[String]) -> Vec<&'static str> {
        ids.iter().map(|id| *self.ids.iter().find(|(_, v)| *v == id).map(|(k, _)| k).unwrap()).collect()
    }
}

pub(crate) async fn seed(backend: &Backend) -> Seeded {
    let app = TestApp::on(backend).await;
    let events: Vec<(&'static str, Value)> = vec![
        (
            "departure",
            json!({"title": "Russian convoy leaves Hmeimim", "category": "military_movement", "start": "2025-02-10",
            "tags": ["convoy"], "actors": ["Russian armed forces"],
            "places": [{"name": "Hmeimim", "role": "origin", "lon": 35.9486, "lat": 35.4011},
                       {"name": "Tartus", "role": "destination", "lon": 35.8866, "lat": 34.889}],
            "sources": [{"url": "https://uawire.org/convoy", "title": "Syrian army blocks Russian convoy"}]}),
        ),
        (
            "hold",
            json!({"title": "Held at the Tartus checkpoint", "category": "military_movement",
            "start": "2025-02-10T08:00:00Z", "end": "2025-02-10T16:00:00Z", "tags": ["checkpoint"], "actors": ["Syrian MoD"],
            "status": "corroborated", "places": [{"name": "Tartus", "lon": 35.8866, "lat": 34.889}],
            "sources": [{"url": "https://metbuat.az/news/1"}, {"url": "https://dikgazete.com/haber/2", "excerpt": "sekiz saat"}]}),
        ),
        (
            "airspace",
            json!({"title": "Syria opens its airspace to Türkiye", "category": "strategic_development", "start": "2025-02-12",
            "actors": ["Syrian government"], "status": "verified",
            "places": [{"name": "Damascus", "lon": 36.2913, "lat": 33.5102}], "sources": [{"url": "https://news.az/analysis"}]}),
        ),
        (
            "paris",
            json!({"title": "Protest in Paris", "category": "protest", "start": "2024-06-01", "time_precision": "month",
            "tags": ["protest"], "places": [{"name": "Paris", "lon": 2.3488, "lat": 48.8534}],
            "sources": [{"url": "https://www.lemonde.fr/a"}]}),
        ),
        (
            "fiji",
            json!({"title": "Storm damage in Fiji", "start": "2023-01-01T00:00:00Z", "places": [{"name": "Labasa", "lon": 179.39, "lat": -16.43}]}),
        ),
        (
            "samoa",
            json!({"title": "Harbour closed in Apia", "start": "2023-05-01T00:00:00Z", "places": [{"name": "Apia", "lon": -171.76, "lat": -13.83}]}),
        ),
    ];
    let mut ids = std::collections::HashMap::new();
    for (name, body) in events {
        let f = app.create(body).await;
        ids.insert(name, f["id"].as_str().unwrap().to_string());
    }
    Seeded { app, ids }
}

#[tokio::test]
async fn every_filter_keeps_exactly_the_matching_events() {
    for backend in backends() {
        let s = seed(&backend).await;
        let cases: Vec<(&str, Vec<&str>)> = vec![
            ("", vec!["departure", "hold", "airspace", "paris", "fiji", "samoa"]),
            // An event known to the day covers the whole day; an interval overlaps.
            ("start=2025-02-10T12:00:00Z&end=2025-02-10T13:00:00Z", vec!["departure", "hold"]),
            ("start=2025-02-11", vec!["airspace"]),
            ("end=2024-12-31", vec!["paris", "fiji", "samoa"]),
            ("start=2024-06-15&end=2024-06-15", vec!["paris"]),
            ("bbox=35,34,37,36", vec!["departure", "hold"]),
            ("bbox=170,-20,-170,-10", vec!["fiji", "samoa"]),
            ("bbox=-180,-90,180,90", vec!["departure", "hold", "airspace", "paris", "fiji", "samoa"]),
            ("lat=34.9&lon=35.9&radius_km=10", vec!["departure", "hold"]),
            ("lat=35.40&lon=35.95&radius_km=5", vec!["departure"]),
            ("lat=-16.4&lon=-179.9&radius_km=80", vec!["fiji"]),
            ("country=FR", vec!["paris"]),
            ("country=SY,FJ", vec!["departure", "hold", "airspace", "fiji"]),
            ("category=protest", vec!["paris"]),
            ("category=military_movement&category=Strategic%20development", vec!["departure", "hold", "airspace"]),
            ("tag=checkpoint", vec!["hold"]),
            ("tag=CONVOY", vec!["departure"]),
            ("actor=syrian%20mod", vec!["hold"]),
            ("status=verified", vec!["airspace"]),
            ("status=reported", vec!["departure", "paris", "fiji", "samoa"]),
            ("q=checkpoint", vec!["hold"]),
            ("q=Turkiye", vec!["airspace"]),
            ("q=conv*", vec!["departure"]),
            ("q=sekiz", vec!["hold"]),
            ("q=hmeimim%20tartus", vec!["departure"]),
            ("source=uawire.org", vec!["departure"]),
            ("source=lemonde.fr", vec!["paris"]),
            ("source=https://dikgazete.com/whatever", vec!["hold"]),
            ("place=Tartus", vec!["departure", "hold"]),
            ("place=Latakia&radius_km=25", vec!["departure"]),
            (
                "bbox=35,34,37,36&start=2025-02-10&end=2025-02-10&category=military_movement&status=corroborated",
                vec!["hold"],
            ),
        ];
        for (q, want) in cases {
            let got = s.matches(q).await;
            assert_eq!(s.names(&got), s.names(&s.set(&want)), "query `{q}`");
        }
    }
}

#[tokio::test]
async fn sort_orders_are_by_start_with_the_newest_first_by_default() {
    for backend in backends() {
        let s = seed(&backend).await;
        let asc = s.app.ids("sort=start").await;
        assert_eq!(s.names(&asc), ["fiji", "samoa", "paris", "departure", "hold", "airspace"]);
        let desc = s.app.ids("").await;
        assert_eq!(s.names(&desc), ["airspace", "hold", "departure", "paris", "samoa", "fiji"]);
        let upd = s.app.ids("sort=updated_at").await;
        assert_eq!(s.names(&upd), ["departure", "hold", "airspace", "paris", "fiji", "samoa"]);
    }
}

#[tokio::test]
async fn pages_follow_next_links_with_a_constant_number_matched() {
    for backend in backends() {
        let s = seed(&backend).await;
        let mut url = "/api/events?limit=2&sort=start".to_string();
        let mut seen = Vec::new();
        let mut pages = 0;
        loop {
            let g = s.app.get(&url).await;
            g.expect(200);
            let v = g.json();
            pages += 1;
            assert_eq!(v["numberMatched"], 6, "{g}");
            assert_eq!(v["numberReturned"], v["features"].as_array().unwrap().len());
            seen.extend(v["features"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap().to_string()));
            assert_eq!(v["links"][0]["rel"], "self");
            match v["links"].as_array().unwrap().iter().find(|l| l["rel"] == "next") {
                Some(next) => url = next["href"].as_str().unwrap().strip_prefix(&s.app.base).unwrap().to_string(),
                None => break,
            }
        }
        assert_eq!(pages, 3);
        assert_eq!(s.names(&seen), ["fiji", "samoa", "paris", "departure", "hold", "airspace"]);
    }
}

#[tokio::test]
async fn a_forged_cursor_is_a_400() {
    for backend in backends() {
        let s = seed(&backend).await;
        s.app.get("/api/events?cursor=bm9wZQ").await.problem(400, "invalid-request");
    }
}

#[tokio::test]
async fn the_changes_feed_returns_edits_and_tombstones_in_order() {
    for backend in backends() {
        let s = seed(&backend).await;
        let t0 = s.app.get(&format!("/api/events/{}", s.id("samoa"))).await.json()["properties"]["updated_at"]
            .as_str()
            .unwrap()
            .to_string();
        let p = s
            .app
            .send(
                Method::PATCH,
                &format!("/api/events/{}", s.id("departure")),
                Some(&s.app.editor),
                Some(json!({"status": "corroborated"})),
            )
            .await;
        p.expect(200);
        s.app
            .send(
                Method::DELETE,
                &format!("/api/events/{}?reason=wrong%20place", s.id("fiji")),
                Some(&s.app.editor),
                None,
            )
            .await
            .expect(200);
        let g = s.app.get(&format!("/api/events?updated_since={t0}&include_deleted=true&sort=updated_at")).await;
        g.expect(200);
        let fs = g.json()["features"].as_array().unwrap().clone();
        assert_eq!(fs.len(), 2, "{g}");
        assert_eq!(fs[0]["id"], s.id("departure"));
        assert_eq!(fs[0]["properties"]["status"], "corroborated");
        assert_eq!(fs[1]["id"], s.id("fiji"));
        assert_eq!(fs[1]["properties"]["deleted"], true);
        assert_eq!(fs[1]["geometry"], Value::Null);
        let without = s.matches(&format!("updated_since={t0}")).await;
        assert_eq!(s.names(&without), ["departure"]);
    }
}

#[tokio::test]
async fn csv_ndjson_and_kml_give_the_same_selection() {
    for backend in backends() {
        let s = seed(&backend).await;
        let csv = s.app.get("/api/events?format=csv&country=SY&sort=start").await;
        csv.expect(200);
        assert_eq!(csv.header("content-type"), "text/csv; charset=utf-8");
        assert!(csv.header("content-disposition").contains("events.csv"));
        let mut rdr = csv::Reader::from_reader(csv.text.trim_start_matches('\u{feff}').as_bytes());
        let headers = rdr.headers().unwrap().clone();
        assert_eq!(&headers[0], "id");
        let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
        assert_eq!(rows.len(), 3);
        assert_eq!(&rows[0][1], "Russian convoy leaves Hmeimim");
        let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
        assert_eq!(&rows[0][col("place_roles")], "origin | destination");
        assert_eq!(&rows[1][col("source_urls")], "https://metbuat.az/news/1 | https://dikgazete.com/haber/2");

        let nd = s.app.get("/api/events?format=ndjson&country=SY").await;
        nd.expect(200);
        assert_eq!(nd.header("content-type"), "application/x-ndjson");
        let lines: Vec<Value> = nd.text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines.len(), 3);
        assert!(lines.iter().all(|f| f["type"] == "Feature"));

        let kml = s.app.get("/api/events?format=kml&country=SY").await;
        kml.expect(200);
        assert_eq!(kml.header("content-type"), "application/vnd.google-earth.kml+xml");
        assert_eq!(kml.text.matches("<Placemark").count(), 3);
        assert!(
            kml.text
                .contains("<TimeSpan><begin>2025-02-10T08:00:00Z</begin><end>2025-02-10T16:00:00Z</end></TimeSpan>")
        );
        assert!(kml.text.contains("<LineString>"));
    }
}

#[tokio::test]
async fn the_histogram_counts_events_by_day_month_and_with_filters() {
    for backend in backends() {
        let s = seed(&backend).await;
        let g = s.app.get("/api/events/histogram?bucket=day").await;
        g.expect(200);
        assert_eq!(
            g.json(),
            json!({"bucket": "day", "total": 6, "buckets": [
                {"start": "2023-01-01T00:00:00Z", "count": 1}, {"start": "2023-05-01T00:00:00Z", "count": 1},
                {"start": "2024-06-01T00:00:00Z", "count": 1}, {"start": "2025-02-10T00:00:00Z", "count": 2},
                {"start": "2025-02-12T00:00:00Z", "count": 1}]})
        );
        let m = s.app.get("/api/events/histogram?bucket=month&country=SY").await.json();
        assert_eq!(m["buckets"], json!([{"start": "2025-02-01T00:00:00Z", "count": 3}]));
        let w = s.app.get("/api/events/histogram?bucket=week&start=2025-01-01").await.json();
        assert_eq!(w["buckets"], json!([{"start": "2025-02-10T00:00:00Z", "count": 3}]));
        let h = s.app.get("/api/events/histogram?bucket=hour&tag=checkpoint").await.json();
        assert_eq!(h["buckets"], json!([{"start": "2025-02-10T08:00:00Z", "count": 1}]));
        s.app.get("/api/events/histogram?bucket=fortnight").await.problem(400, "invalid-request");
    }
}

/// A researcher's copy, kept in sync through the changes feed: every page of
/// `updated_since=…&include_deleted=true&sort=updated_at`, followed through `next` links.
#[derive(Default)]
struct Copy {
    events: std::collections::BTreeMap<String, Value>,
    /// Where the next sync starts: the last change seen.
    since: Option<String>,
}

impl Copy {
    async fn sync(&mut self, app: &TestApp) {
        let mut path = String::from("/api/events?include_deleted=true&sort=updated_at&limit=2");
        if let Some(s) = &self.since {
            path.push_str(&format!("&updated_since={}", s.replace('+', "%2B")));
        }
        loop {
            let g = app.get(&path).await;
            g.expect(200);
            let v = g.json();
            for f in v["features"].as_array().unwrap() {
                let id = f["id"].as_str().unwrap().to_string();
                let p = &f["properties"];
                if p["deleted"] == true {
                    self.events.remove(&id);
                } else {
                    self.events.insert(id, f.clone());
                }
                self.since = p["updated_at"].as_str().map(str::to_string).or(self.since.take());
            }
            let next = v["links"]
                .as_array()
                .unwrap()
                .iter()
                .find(|l| l["rel"] == "next")
                .map(|l| l["href"].as_str().unwrap().to_string());
            match next {
                Some(href) => path = href.strip_prefix(&app.base).unwrap_or(&href).to_string(),
                None => break,
            }
        }
    }
}

/// Every live event, by id.
async fn live(app: &TestApp) -> std::collections::BTreeMap<String, Value> {
    let g = app.get("/api/events?limit=10000").await;
    g.expect(200);
    g.json()["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["id"].as_str().unwrap().to_string(), f.clone()))
        .collect()
}

#[tokio::test]
async fn replaying_the_changes_feed_into_an_empty_copy_reproduces_the_data_exactly() {
    for backend in backends() {
        let s = seed(&backend).await;
        let app = &s.app;
        let mut copy = Copy::default();
        copy.sync(app).await;
        assert_eq!(copy.events, live(app).await, "the first sync copies everything");

        // Corrections: an edit, a status change, a deletion and a new event; then sync again.
        app.send(
            Method::PATCH,
            &format!("/api/events/{}?reason=typo", s.id("departure")),
            Some(&app.editor),
            Some(json!({"title": "Convoy departs (corrected)"})),
        )
        .await
        .expect(200);
        app.send(
            Method::PATCH,
            &format!("/api/events/{}", s.id("samoa")),
            Some(&app.editor),
            Some(json!({"status": "disputed"})),
        )
        .await
        .expect(200);
        app.send(Method::DELETE, &format!("/api/events/{}?reason=duplicate", s.id("fiji")), Some(&app.editor), None)
            .await
            .expect(200);
        let new = app.create(crate::helpers::tartus_event("Added after the first sync")).await;
        copy.sync(app).await;
        let now = live(app).await;
        assert_eq!(copy.events, now, "the second sync brings exactly the changes");
        assert!(!copy.events.contains_key(&s.id("fiji")), "the deletion reached the copy");
        assert!(copy.events.contains_key(new["id"].as_str().unwrap()));
        assert_eq!(copy.events[&s.id("samoa")]["properties"]["status"], "disputed");

        // With nothing new, a sync changes nothing.
        copy.sync(app).await;
        assert_eq!(copy.events, now);
    }
}

#[tokio::test]
async fn geometry_type_keeps_routes_apart_from_points_in_the_list_its_count_downloads_and_histogram() {
    for backend in backends() {
        let s = seed(&backend).await;
        assert_eq!(s.names(&s.matches("geometry_type=line").await), ["departure"]);
        let points = s.matches("geometry_type=point").await;
        assert_eq!(points, s.set(&["hold", "airspace", "paris", "fiji", "samoa"]));
        assert_eq!(s.matches("geometry_type=polygon,multipoint").await, Vec::<String>::new());
        let page = s.app.get("/api/events?geometry_type=point&limit=2").await;
        page.expect(200);
        assert_eq!(page.json()["numberMatched"], 5, "{page}");
        let csv = s.app.get("/api/events?format=csv&geometry_type=line").await;
        csv.expect(200);
        let mut r = csv::Reader::from_reader(csv.text.trim_start_matches('\u{feff}').as_bytes());
        let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
        assert_eq!((rows.len(), &rows[0][1]), (1, "Russian convoy leaves Hmeimim"));
        let h = s.app.get("/api/events/histogram?bucket=year&geometry_type=point").await;
        h.expect(200);
        assert_eq!(h.json()["total"], 5, "{h}");
        let g = s.app.get("/api/events?geometry_type=curve").await;
        assert_eq!(g.problem(400, "invalid-request")["errors"][0]["field"], "geometry_type");
    }
}
