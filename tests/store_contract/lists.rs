//! Lists: each filter, cursors through every sort, `updated_since` and the histogram.

use chrono::{DateTime, Utc};
use eventmap::domain::filter::{Near, PlaceFilter};
use eventmap::domain::{Bucket, Cursor, EventFilter};
use eventmap::store::ImportItem;
use serde_json::json;
use uuid::Uuid;

use crate::common::{TestDb, backends};
use crate::support::{data, editor, ids, page, query, tartus, urlencode};

#[tokio::test]
async fn each_filter_keeps_exactly_the_matching_events() {
    for backend in backends() {
        let db = TestDb::on(&backend).await;
        let store = db.store().await;
        let mut made = std::collections::HashMap::new();
        for (name, v) in [
            (
                "tartus",
                json!({"title": "Convoy held at Ţarţūs", "start": "2025-02-10", "category": "military_movement",
                "tags": ["Navy"], "actors": ["Syrian MoD"], "status": "verified",
                "places": [{"name": "Tartus", "lon": 35.8866, "lat": 34.889, "country": "SY", "gazetteer_id": "geonames:163345"}],
                "sources": [{"url": "https://uawire.org/a", "title": "Syrian army blocks convoy"}]}),
            ),
            (
                "paris",
                json!({"title": "Protest in Paris", "start": "2024-06-01", "time_precision": "month",
                "category": "protest", "tags": ["protest"],
                "places": [{"name": "Paris", "lon": 2.3488, "lat": 48.8534, "country": "FR"}]}),
            ),
            (
                "fiji",
                json!({"title": "Storm damage at Labasa", "start": "2023-01-01T00:00:00Z",
                "places": [{"name": "Labasa", "lon": 179.39, "lat": -16.43}]}),
            ),
            (
                "samoa",
                json!({"title": "Harbour closed in Apia", "start": "2023-05-01T00:00:00Z",
                "places": [{"name": "Apia", "lon": -171.76, "lat": -13.83}]}),
            ),
        ] {
            let id = Uuid::now_v7();
            store.create(id, data(v), &editor()).await.unwrap();
            made.insert(name, id.to_string());
        }
        let names = |v: Vec<String>| -> Vec<&str> {
            let mut n: Vec<&str> = v.iter().map(|id| *made.iter().find(|(_, x)| *x == id).unwrap().0).collect();
            n.sort();
            n
        };
        for (q, want) in [
            ("", vec!["fiji", "paris", "samoa", "tartus"]),
            ("start=2025-02-10T12:00:00Z&end=2025-02-10T13:00:00Z", vec!["tartus"]),
            ("start=2024-06-20&end=2024-06-20", vec!["paris"]),
            ("end=2023-12-31", vec!["fiji", "samoa"]),
            ("bbox=35,34,37,36", vec!["tartus"]),
            ("bbox=170,-20,-170,-10", vec!["fiji", "samoa"]),
            ("lat=34.9&lon=35.9&radius_km=5", vec!["tartus"]),
            ("lat=-16.4&lon=-179.9&radius_km=80", vec!["fiji"]),
            ("country=FR", vec!["paris"]),
            ("category=protest", vec!["paris"]),
            ("tag=navy", vec!["tartus"]),
            ("actor=syrian mod", vec!["tartus"]),
            ("status=verified", vec!["tartus"]),
            ("q=tartus", vec!["tartus"]),
            ("q=conv*", vec!["tartus"]),
            ("q=paris convoy", vec![]),
            ("q=blocks army", vec!["tartus"]),
            ("source=uawire.org", vec!["tartus"]),
            ("tag=navy&country=FR", vec![]),
            ("tag=na%00vy&actor=%00", vec![]),
        ] {
            assert_eq!(names(ids(&store, q).await), want, "{q} on {}", backend.name());
            let (f, _) = query(q);
            assert_eq!(store.count(&f).await.unwrap(), want.len() as u64, "count of {q}");
        }
        let near_tartus = PlaceFilter {
            gazetteer_id: "geonames:163345".into(),
            near: Near { lon: 35.8866, lat: 34.889, radius_km: 1.0 },
            area: None,
        };
        let f = EventFilter { place: Some(near_tartus), ..Default::default() };
        assert_eq!(store.count(&f).await.unwrap(), 1);
    }
}

#[tokio::test]
async fn cursors_page_through_every_sort_without_gaps_or_repeats() {
    for backend in backends() {
        let db = TestDb::on(&backend).await;
        let store = db.store().await;
        let items: Vec<ImportItem> = (0..23)
            .map(|i| ImportItem {
                id: Uuid::now_v7(),
                // Several events share a start, so ties are broken by storage order.
                data: data(json!({"title": format!("event {i}"), "start": format!("2025-01-{:02}", 1 + i % 5),
                    "places": [{"name": "Tartus", "lon": 35.8866, "lat": 34.889}]})),
            })
            .collect();
        store.import(items, &editor()).await.unwrap();
        for sort in ["start", "-start", "updated_at", "-updated_at"] {
            let (f, mut p) = query(&format!("sort={sort}&limit=5"));
            let (_, whole) = query(&format!("sort={sort}&limit=100"));
            let all: Vec<String> = page(&store, &f, &whole).await.into_iter().map(|r| r.0).collect();
            assert_eq!(all.len(), 23);
            let mut seen = Vec::new();
            let mut first = true;
            loop {
                let rows = page(&store, &f, &p).await;
                if first {
                    assert!(rows[0].3.is_none_or(|n| n == 23), "a counted first page counts every match");
                    first = false;
                }
                let more = rows.len() > 5;
                seen.extend(rows.iter().take(5).map(|r| r.0.clone()));
                if !more {
                    break;
                }
                let last = &rows[4];
                p.cursor = Some(Cursor { key: last.1, seq: last.2, matched: None });
            }
            assert_eq!(seen, all, "sort {sort} on {}", backend.name());
        }
    }
}

#[tokio::test]
async fn updated_since_and_the_updated_sort_follow_the_order_of_changes() {
    for backend in backends() {
        let db = TestDb::on(&backend).await;
        let store = db.store().await;
        let (a, b, c) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        store.create(a, tartus("a"), &editor()).await.unwrap();
        let eb = store.create(b, tartus("b"), &editor()).await.unwrap();
        store.create(c, tartus("c"), &editor()).await.unwrap();
        store.update(a, None, tartus("a2"), &editor(), None).await.unwrap();
        store.delete(c, None, &editor(), "gone").await.unwrap();
        assert_eq!(ids(&store, "sort=updated_at").await, vec![b.to_string(), a.to_string()]);
        assert_eq!(
            ids(&store, "sort=updated_at&include_deleted=true").await,
            vec![b.to_string(), a.to_string(), c.to_string()]
        );
        let since = eb.updated_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let q = format!("updated_since={}&include_deleted=true&sort=updated_at", urlencode(&since));
        assert_eq!(ids(&store, &q).await, vec![a.to_string(), c.to_string()], "{}", backend.name());
    }
}

#[tokio::test]
async fn the_histogram_counts_live_events_by_bucket_in_utc() {
    for backend in backends() {
        let db = TestDb::on(&backend).await;
        let store = db.store().await;
        for (start, n) in [("2025-02-10T01:00:00Z", 2), ("2025-02-12T23:30:00Z", 1), ("2025-03-01T00:00:00Z", 1)] {
            for _ in 0..n {
                let d =
                    data(json!({"title": "x", "start": start, "places": [{"name": "T", "lon": 35.9, "lat": 34.9}]}));
                store.create(Uuid::now_v7(), d, &editor()).await.unwrap();
            }
        }
        let gone = Uuid::now_v7();
        store.create(gone, tartus("deleted"), &editor()).await.unwrap();
        store.delete(gone, None, &editor(), "x").await.unwrap();
        let f = EventFilter::default();
        let fmt = |v: Vec<(DateTime<Utc>, u64)>| -> Vec<(String, u64)> {
            v.into_iter().map(|(t, n)| (t.format("%Y-%m-%dT%H").to_string(), n)).collect()
        };
        let day = fmt(store.histogram(&f, Bucket::Day).await.unwrap());
        assert_eq!(day, vec![("2025-02-10T00".into(), 2), ("2025-02-12T00".into(), 1), ("2025-03-01T00".into(), 1)]);
        let week = fmt(store.histogram(&f, Bucket::Week).await.unwrap());
        assert_eq!(week, vec![("2025-02-10T00".into(), 3), ("2025-02-24T00".into(), 1)]);
        let month = fmt(store.histogram(&f, Bucket::Month).await.unwrap());
        assert_eq!(month, vec![("2025-02-01T00".into(), 3), ("2025-03-01T00".into(), 1)]);
        let hour = fmt(store.histogram(&f, Bucket::Hour).await.unwrap());
        assert_eq!(hour[0], ("2025-02-10T01".into(), 2));
        assert_eq!(fmt(store.histogram(&f, Bucket::Year).await.unwrap()), vec![("2025-01-01T00".into(), 4)]);
    }
}
