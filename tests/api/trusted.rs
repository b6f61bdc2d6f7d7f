//! Answers a researcher can trust (issue 17): the small traps of the list filters, countries in
//! every form data sets use, histograms with zeros and categories, and places confirmed from the
//! gazetteer that keep the precision of their kind. On the seed of `filters.rs`.

use serde_json::{Value, json};

use crate::filters::seed;
use crate::helpers::{backends, gazetteer};

#[tokio::test]
async fn a_radius_without_a_centre_is_a_400_and_with_one_it_applies() {
    for backend in backends() {
        let s = seed(&backend).await;
        let p = s.app.get("/api/events?radius_km=10").await.problem(400, "invalid-request");
        assert!(p["detail"].as_str().unwrap().contains("radius_km"), "{p}");
        assert_eq!(s.names(&s.matches("place=Latakia&radius_km=25").await), ["departure"]);
    }
}

#[tokio::test]
async fn a_cursor_reused_with_other_filters_or_order_is_a_400_that_says_to_start_again() {
    for backend in backends() {
        let s = seed(&backend).await;
        let first = s.app.get("/api/events?limit=1&country=SY").await.json();
        let next = first["links"].as_array().unwrap().iter().find(|l| l["rel"] == "next").unwrap().clone();
        let href = next["href"].as_str().unwrap().strip_prefix(&s.app.base).unwrap().to_string();
        let page = s.app.get(&href).await;
        page.expect(200);
        assert_eq!(page.json()["numberMatched"], 3, "the same filters page on with the same total");
        let cursor = href.split("cursor=").nth(1).unwrap();
        for other in ["country=FR", "country=SY&tag=convoy", "country=SY&sort=start", ""] {
            let sep = if other.is_empty() { "" } else { "&" };
            let p = s
                .app
                .get(&format!("/api/events?limit=1&{other}{sep}cursor={cursor}"))
                .await
                .problem(400, "invalid-request");
            assert!(p["detail"].as_str().unwrap().contains("start again"), "{other}: {p}");
        }
    }
}

#[tokio::test]
async fn actors_match_in_any_letter_case_and_by_a_prefix_with_a_star() {
    for backend in backends() {
        let s = seed(&backend).await;
        assert_eq!(s.names(&s.matches("actor=SYRIAN%20MOD").await), ["hold"]);
        assert_eq!(s.names(&s.matches("actor=syrian*&sort=start").await), ["hold", "airspace"]);
        assert_eq!(
            s.names(&s.matches("actor=Russ*&actor=syrian%20government&sort=start").await),
            ["departure", "airspace"]
        );
        assert_eq!(s.names(&s.matches("actor=Syrian*&country=SY&bbox=35,34,37,36").await), ["hold"]);
        assert!(s.matches("actor=Syriac*").await.is_empty());
        for bad in ["actor=*", "actor=Syr*an", "actor=**"] {
            s.app.get(&format!("/api/events?{bad}")).await.problem(400, "invalid-request");
        }
    }
}

#[tokio::test]
async fn a_year_or_a_month_as_start_or_end_means_the_whole_period() {
    for backend in backends() {
        let s = seed(&backend).await;
        let cases: Vec<(&str, Vec<&str>)> = vec![
            ("start=2025&end=2025", vec!["departure", "hold", "airspace"]),
            ("start=2024-06&end=2024-06", vec!["paris"]),
            ("end=2023", vec!["fiji", "samoa"]),
            ("start=2023-05&end=2024", vec!["samoa", "paris"]),
            ("start=2025-02&end=2025-02-11", vec!["departure", "hold"]),
        ];
        for (q, want) in cases {
            assert_eq!(s.names(&s.matches(q).await), s.names(&s.set(&want)), "query `{q}`");
        }
        for bad in ["start=2025-13", "end=25", "start=2025-1"] {
            s.app.get(&format!("/api/events?{bad}")).await.problem(400, "invalid-request");
        }
    }
}

#[tokio::test]
async fn fatalities_min_keeps_the_events_reporting_at_least_that_many() {
    for backend in backends() {
        let s = seed(&backend).await;
        let mut made = Vec::new();
        for n in [0, 3, 12] {
            let f = s
                .app
                .create(json!({"title": format!("Strike with {n} killed"), "start": "2025-03-01",
                "fatalities": n, "places": [{"name": "Sarmin", "lon": 36.72, "lat": 35.9}]}))
                .await;
            made.push(f["id"].as_str().unwrap().to_string());
        }
        let mut three = s.app.ids("fatalities_min=3").await;
        three.sort();
        let mut want = made[1..].to_vec();
        want.sort();
        assert_eq!(three, want);
        assert_eq!(s.app.ids("fatalities_min=4").await, [made[2].clone()]);
        assert_eq!(s.app.ids("fatalities_min=0").await.len(), 3, "events that report no number are left out");
        s.app.get("/api/events?fatalities_min=-1").await.problem(400, "invalid-request");
        let h = s.app.get("/api/events/histogram?fatalities_min=3").await.json();
        assert_eq!(h["total"], 2, "{h}");
    }
}

#[tokio::test]
async fn a_country_is_taken_as_alpha_2_alpha_3_numeric_or_a_name_in_any_script() {
    for backend in backends() {
        let s = seed(&backend).await;
        let syria = s.set(&["departure", "hold", "airspace"]);
        for form in
            ["SY", "sy", "SYR", "760", "Syria", "%D8%B3%D9%88%D8%B1%D9%8A%D8%A7", "%D0%A1%D0%B8%D1%80%D0%B8%D1%8F"]
        {
            assert_eq!(s.matches(&format!("country={form}")).await, syria, "country={form}");
        }
        assert_eq!(s.matches("country=France,FJI").await, s.set(&["fiji", "paris"]));
        let histogram = s.app.get("/api/events/histogram?bucket=month&country=SYR").await.json();
        assert_eq!(histogram["total"], 3);
        for bad in ["XX", "ZZZ", "999", "Atlantis", "Latakia"] {
            let p = s.app.get(&format!("/api/events?country={bad}")).await.problem(400, "invalid-request");
            assert!(p["detail"].as_str().unwrap().contains(bad), "{bad}: {p}");
        }
    }
}

#[tokio::test]
async fn the_histogram_lists_empty_buckets_with_fill_and_counts_categories_with_group_by() {
    for backend in backends() {
        let s = seed(&backend).await;
        let g = s.app.get("/api/events/histogram?bucket=day&start=2025-02-09&end=2025-02-13&fill=true").await;
        g.expect(200);
        let counts: Vec<(String, u64)> = g.json()["buckets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| (b["start"].as_str().unwrap()[..10].to_string(), b["count"].as_u64().unwrap()))
            .collect();
        let days = ["2025-02-09", "2025-02-10", "2025-02-11", "2025-02-12", "2025-02-13"];
        assert_eq!(counts, days.iter().zip([0, 2, 0, 1, 0]).map(|(d, n)| (d.to_string(), n)).collect::<Vec<_>>());
        let by = s.app.get("/api/events/histogram?bucket=month&group_by=category&start=2024&fill=true").await.json();
        let buckets = by["buckets"].as_array().unwrap();
        assert_eq!(buckets.len(), 14, "January 2024 to February 2025: {by}");
        assert_eq!(buckets[5], json!({"start": "2024-06-01T00:00:00Z", "count": 1, "categories": {"protest": 1}}));
        assert_eq!(
            buckets[13],
            json!({"start": "2025-02-01T00:00:00Z", "count": 3,
                   "categories": {"military_movement": 2, "strategic_development": 1}})
        );
        assert_eq!(buckets[0]["categories"], json!({}));
        assert_eq!(by["total"], 4);
        s.app.get("/api/events/histogram?group_by=actor").await.problem(400, "invalid-request");
        s.app.get("/api/events/histogram?fill=maybe").await.problem(400, "invalid-request");
        s.app
            .get("/api/events/histogram?bucket=hour&start=2000&end=2025&fill=true")
            .await
            .problem(400, "invalid-request");
    }
}

#[tokio::test]
async fn a_place_confirmed_from_the_gazetteer_keeps_the_precision_of_its_kind_unless_told_exact() {
    let opts = eventmap::gazetteer::SearchOptions { country: Some("SY".into()), limit: 1, ..Default::default() };
    let tartus = gazetteer().search("Tartus", &opts).remove(0).place;
    for backend in backends() {
        let s = seed(&backend).await;
        let place = |precision: Option<&str>| {
            let mut p =
                json!({"name": "Tartus", "gazetteer_id": tartus.gazetteer_id, "lon": tartus.lon, "lat": tartus.lat});
            if let Some(x) = precision {
                p["precision"] = Value::from(x);
            }
            json!({"title": "Convoy seen in Tartus", "start": "2025-02-10", "places": [p]})
        };
        let confirmed = s.app.create(place(None)).await;
        assert_eq!(confirmed["properties"]["places"][0]["precision"], "settlement", "{confirmed}");
        let exact = s.app.create(place(Some("exact"))).await;
        assert_eq!(exact["properties"]["places"][0]["precision"], "exact");
        let by_name = s
            .app
            .create(json!({"title": "By name", "start": "2025-02-10", "places": [{"name": "Tartus", "country": "SY"}]}))
            .await;
        assert_eq!(by_name["properties"]["places"][0]["precision"], "settlement");
    }
}

#[tokio::test]
async fn a_text_search_finds_a_place_in_every_spelling_and_script_the_gazetteer_has() {
    for backend in backends() {
        let s = seed(&backend).await;
        // As an ACLED or CSV row gives it: a spelling of its own, and coordinates.
        let latakia = s
            .app
            .create(json!({"title": "Shelling reported", "start": "2024-11-02",
                "places": [{"name": "Lattakia", "lon": 35.7909, "lat": 35.5312}]}))
            .await;
        let place = &latakia["properties"]["places"][0];
        assert_eq!(place["name"], "Lattakia", "the name as given is kept");
        assert_eq!(place["lon"], 35.7909, "and so are the coordinates");
        assert!(place["gazetteer_id"].as_str().is_some_and(|id| id.starts_with("geonames:")), "{place}");
        let id = latakia["id"].as_str().unwrap().to_string();
        for q in [
            "Latakia",
            "Lattakia",
            "Lazkiye",
            "%D0%9B%D0%B0%D1%82%D0%B0%D0%BA%D0%B8%D1%8F",
            "%D8%A7%D9%84%D9%84%D8%A7%D8%B0%D9%82%D9%8A%D8%A9",
        ] {
            assert_eq!(s.app.ids(&format!("q={q}")).await, std::slice::from_ref(&id), "q={q}");
        }
        // Words still have to be there for anything else, and a far place of the same name is not linked.
        assert!(s.app.ids("q=Lattakia%20convoy").await.is_empty());
        let far = s
            .app
            .create(json!({"title": "Far away", "start": "2024-11-02",
                "places": [{"name": "Lattakia", "lon": 2.35, "lat": 48.85}]}))
            .await;
        assert!(far["properties"]["places"][0].get("gazetteer_id").is_none(), "{far}");
    }
}

#[tokio::test]
async fn a_country_as_place_keeps_every_event_in_it_as_country_does() {
    for backend in backends() {
        let s = seed(&backend).await;
        let syria = s.set(&["departure", "hold", "airspace"]);
        assert_eq!(s.matches("place=Syria").await, syria);
        assert_eq!(s.matches("place=%D8%B3%D9%88%D8%B1%D9%8A%D8%A7").await, syria, "in Arabic");
        assert_eq!(s.matches("country=SY").await, syria);
        assert_eq!(s.matches("place=France").await, s.set(&["paris"]));
        assert!(s.matches("place=Syria&country=FR").await.is_empty(), "filters still combine with AND");
        assert_eq!(s.matches("place=Syria&bbox=35,34,37,36").await, s.set(&["departure", "hold"]));
        let page = s.app.get("/api/events?place=Syria&limit=1").await.json();
        assert_eq!(page["numberMatched"], 3, "{page}");
        let h = s.app.get("/api/events/histogram?place=Syria").await.json();
        assert_eq!(h["total"], 3);
        // A town keeps the radius rule.
        assert_eq!(s.matches("place=Latakia&radius_km=25").await, s.set(&["departure"]));
    }
}
