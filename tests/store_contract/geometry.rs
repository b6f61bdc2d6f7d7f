//! `geometry_type=`: each kind of geometry kept apart in pages, counts and histograms, and the
//! migration that gives events stored before it their geometry's kind.

use eventmap::domain::filter::PageRequest;
use eventmap::domain::{Bucket, Cursor};
use eventmap::store::DynStore;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::common::{TestDb, backends};
use crate::support::{data, editor, page, query};

/// One event of each kind of geometry (and a second line, a MultiLineString) at made-up spots,
/// keyed by name; then the line `gone` deleted and the point `moved` turned into a line.
async fn one_of_each_geometry(store: &DynStore) -> std::collections::BTreeMap<&'static str, String> {
    let at = |lon: f64, lat: f64| json!({"name": "Spot", "lon": lon, "lat": lat});
    let route = |role: &str, lon: f64, lat: f64| json!({"name": "Stop", "role": role, "lon": lon, "lat": lat});
    let explicit =
        |g: Value| json!({"title": "Drawn", "start": "2025-03-01", "places": [at(10.0, 10.0)], "geometry": g});
    let line = json!({"title": "Route", "start": "2025-03-02",
                      "places": [route("origin", 35.95, 35.41), route("destination", 35.88, 34.89)]});
    let square = json!([[[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]]);
    let made = [
        ("point", json!({"title": "Here", "start": "2025-03-03", "places": [at(35.88, 34.89)]})),
        ("moved", json!({"title": "Here first", "start": "2025-03-04", "places": [at(36.2, 49.9)]})),
        ("multipoint", json!({"title": "Both", "start": "2025-03-05", "places": [at(35.88, 34.89), at(35.78, 35.52)]})),
        ("line", line.clone()),
        ("gone", line.clone()),
        (
            "multiline",
            explicit(
                json!({"type": "MultiLineString", "coordinates": [[[0.0, 0.0], [1.0, 1.0]], [[2.0, 2.0], [3.0, 3.0]]]}),
            ),
        ),
        ("polygon", explicit(json!({"type": "Polygon", "coordinates": square}))),
        (
            "collection",
            explicit(
                json!({"type": "GeometryCollection", "geometries": [{"type": "Point", "coordinates": [1.0, 2.0]}]}),
            ),
        ),
    ];
    let mut ids = std::collections::BTreeMap::new();
    for (name, v) in made {
        let id = Uuid::now_v7();
        store.create(id, data(v), &editor()).await.unwrap();
        ids.insert(name, id.to_string());
    }
    store.delete(Uuid::parse_str(&ids["gone"]).unwrap(), None, &editor(), "duplicate").await.unwrap();
    let moved = json!({"title": "Here, then there", "start": "2025-03-04",
                       "places": [route("origin", 36.2, 49.9), route("destination", 37.5, 49.2)]});
    store.update(Uuid::parse_str(&ids["moved"]).unwrap(), None, data(moved), &editor(), None).await.unwrap();
    ids
}

#[tokio::test]
async fn geometry_type_keeps_exactly_the_events_of_those_kinds_in_pages_counts_and_histograms() {
    for backend in backends() {
        let db = TestDb::on(&backend).await;
        let store = db.store().await;
        let ids = one_of_each_geometry(&store).await;
        let names = |got: Vec<String>| -> Vec<&str> {
            let mut n: Vec<&str> = got.iter().map(|id| *ids.iter().find(|(_, x)| *x == id).unwrap().0).collect();
            n.sort();
            n
        };
        for (q, want) in [
            ("geometry_type=point", vec!["point"]),
            ("geometry_type=multipoint", vec!["multipoint"]),
            ("geometry_type=line", vec!["line", "moved", "multiline"]),
            ("geometry_type=polygon", vec!["polygon"]),
            ("geometry_type=collection", vec!["collection"]),
            ("geometry_type=point,polygon", vec!["point", "polygon"]),
            ("geometry_type=line&geometry_type=point", vec!["line", "moved", "multiline", "point"]),
            ("geometry_type=line&bbox=35,34,37,36", vec!["line"]),
            ("geometry_type=line&start=2025-03-04&end=2025-03-04", vec!["moved"]),
            (
                "geometry_type=line&include_deleted=true&updated_since=2000-01-01",
                vec!["gone", "line", "moved", "multiline"],
            ),
        ] {
            let (f, p) = query(q);
            // One event a page: the filter holds on every page, not only the first.
            let mut got = Vec::new();
            let mut p = PageRequest { limit: 1, ..p };
            loop {
                let rows = page(&store, &f, &p).await;
                got.extend(rows.iter().take(1).map(|r| r.0.clone()));
                if rows.len() < 2 {
                    break;
                }
                p.cursor = Some(Cursor { key: rows[0].1, seq: rows[0].2, matched: None });
            }
            assert_eq!(names(got), want, "{q} on {}", backend.name());
            let live = want.iter().filter(|n| **n != "gone").count() as u64;
            if !q.contains("include_deleted") {
                assert_eq!(store.count(&f).await.unwrap(), live, "count of {q} on {}", backend.name());
                let by_day: u64 = store.histogram(&f, Bucket::Day).await.unwrap().iter().map(|b| b.1).sum();
                assert_eq!(by_day, live, "histogram of {q} on {}", backend.name());
            }
        }
    }
}

/// Runs SQL written for the schema (a migration) straight on the test database.
async fn run_sql(db: &TestDb, sql: &str) {
    use sqlx::Connection;
    if db.is_postgres() {
        let mut c = sqlx::PgConnection::connect(&db.url).await.expect("the test database");
        sqlx::raw_sql(sql).execute(&mut c).await.expect(sql);
    } else {
        let mut c = sqlx::SqliteConnection::connect(&db.url).await.expect("the test database");
        sqlx::raw_sql(sql).execute(&mut c).await.expect(sql);
    }
}

#[tokio::test]
async fn events_stored_before_geometry_terms_existed_are_given_them_by_the_migration() {
    for backend in backends() {
        let db = TestDb::on(&backend).await;
        let store = db.store().await;
        one_of_each_geometry(&store).await;
        let counts = || async {
            let mut n = Vec::new();
            for kind in ["point", "multipoint", "line", "polygon", "collection"] {
                n.push(store.count(&query(&format!("geometry_type={kind}")).0).await.unwrap());
            }
            n
        };
        let written = counts().await;
        assert_eq!(written, [1, 1, 3, 1, 1], "as written, on {}", backend.name());
        // A database from before: no geometry terms; then its migration.
        run_sql(&db, "DELETE FROM event_terms WHERE kind = 'geometry'").await;
        assert_eq!(counts().await, [0; 5], "{}", backend.name());
        run_sql(
            &db,
            if db.is_postgres() {
                include_str!("../../migrations/postgres/0003_geometry_terms.sql")
            } else {
                include_str!("../../migrations/sqlite/0005_geometry_terms.sql")
            },
        )
        .await;
        assert_eq!(counts().await, written, "migrated, on {}", backend.name());
    }
}
