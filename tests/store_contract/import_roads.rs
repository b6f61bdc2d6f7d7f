//! The two roads of an import on PostgreSQL store the same thing: the same synthetic imports,
//! re-imports and edits written by `COPY` (the road imports take) into one database and by bound
//! arrays (the road of single writes, which imports took before) into another, then every table
//! compared row for row (write times aside) and the counts, histograms and searches asked of both.
//! Text that COPY's format must escape (tabs, newlines, backslashes, quotes) and every kind of
//! geometry are among the events. A COPY that the server refuses half-way leaves nothing behind.

use eventmap::domain::Bucket;
use eventmap::store::postgres::{ImportRoad, PgStore};
use eventmap::store::{Actor, DynStore, ImportChunk, ImportItem};
use serde_json::json;

use crate::both_backends::{run_script, script};
use crate::common::{Backend, TestDb, postgres_url};
use crate::support::{data, ids, query, stream_of, synthetic_id};

/// Events whose text and geometry exercise the encodings of the COPY road.
fn awkward(i: u128) -> ImportItem {
    let at = |lon: f64, lat: f64| json!({"name": "Spot\tone", "lon": lon, "lat": lat});
    let geometries = [
        json!({"type": "Polygon", "coordinates": [[[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]]}),
        json!({"type": "MultiPolygon", "coordinates": [[[[5.0, 5.0], [6.0, 5.0], [6.0, 6.0], [5.0, 5.0]]]]}),
        json!({"type": "MultiLineString", "coordinates": [[[0.0, 0.0], [1.0, 1.0]], [[2.0, 2.0], [3.0, 3.5]]]}),
        json!({"type": "GeometryCollection", "geometries": [{"type": "Point", "coordinates": [1.5, 2.5, 100.0]},
                {"type": "LineString", "coordinates": [[-179.9, -16.5], [179.9, -16.4]]}]}),
        json!({"type": "Point", "coordinates": [0.1, -0.30000000000000004, 7.0]}),
    ];
    let mut v = json!({
        "title": format!("Back\\slash, \"quotes\" and O'Neil's\ttab #{i}"),
        "description": "two\nlines\r\nand a \\N that is not NULL, naïve Ţarţūs اللاذقية",
        "start": "2025-02-10T08:00:00Z", "tags": ["a\\b", "tab\there"], "actors": ["O'Neil"],
        "places": [at(10.0 + i as f64, 10.0)],
        "sources": [{"url": format!("https://example.org/r/{}", i % 3), "title": "T\\itle", "excerpt": "ex\tcerpt\n'quoted'"}],
    });
    if let Some(g) = geometries.get(i as usize % 6) {
        v["geometry"] = g.clone();
    }
    ImportItem { id: synthetic_id(10_000 + i), data: data(v) }
}

/// Every table that an import writes, as text, without the times of writing (which differ
/// between two databases written at different moments).
async fn tables(store: &PgStore) -> Vec<(String, Vec<String>)> {
    let strip = r#"regexp_replace(feature::text, '"(created_at|updated_at|deleted_at)":"[^"]*"', '', 'g')"#;
    let queries = [
        (
            "events",
            format!(
                "SELECT concat_ws(' | ', seq, id, t_start, t_max, t_day, category, status, min_lon, min_lat, max_lon, \
                 max_lat, change_seq, revision, deleted, geometry_explicit, encode(ST_AsEWKB(geom), 'hex'), search::text, {strip}) \
                 FROM events ORDER BY seq"
            ),
        ),
        ("event_terms", "SELECT concat_ws(' | ', kind, value, seq) FROM event_terms ORDER BY 1".into()),
        ("event_points", "SELECT concat_ws(' | ', seq, x, y, z) FROM event_points ORDER BY 1".into()),
        (
            "event_sources",
            "SELECT concat_ws(' | ', seq, source_id, position, excerpt) FROM event_sources ORDER BY 1".into(),
        ),
        (
            "sources",
            "SELECT concat_ws(' | ', id, url, title, publisher, published_at, language, archived_url) FROM sources \
             ORDER BY 1"
                .into(),
        ),
        (
            "revisions",
            "SELECT concat_ws(' | ', event_id, revision, actor, action, reason, changes) FROM revisions ORDER BY 1"
                .into(),
        ),
        ("event_days", "SELECT concat_ws(' | ', t_day, n) FROM event_days WHERE n <> 0 ORDER BY 1".into()),
        ("event_cells", "SELECT concat_ws(' | ', cell, n) FROM event_cells WHERE n <> 0 ORDER BY 1".into()),
        (
            "meta",
            "SELECT concat_ws(' | ', key, value) FROM meta WHERE key IN ('change_seq', 'max_duration_ms') ORDER BY 1"
                .into(),
        ),
        ("change_log", "SELECT last_seq::text FROM change_log ORDER BY 1".into()),
    ];
    let mut out = Vec::new();
    for (name, sql) in queries {
        let rows: Vec<String> = sqlx::query_scalar(&sql).fetch_all(store.pool()).await.expect(name);
        out.push((name.to_string(), rows));
    }
    out
}

/// The rows of a query that selects one text column.
async fn strings(store: &PgStore, sql: &str) -> Vec<String> {
    sqlx::query_scalar(sql).fetch_all(store.pool()).await.unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// The counts kept by writes agree with the events they count.
async fn counts_agree(store: &PgStore) {
    let days = "SELECT concat_ws(' | ', t_day, count(*)) FROM events WHERE deleted = 0 GROUP BY t_day ORDER BY 1";
    let kept = "SELECT concat_ws(' | ', t_day, n) FROM event_days WHERE n <> 0 ORDER BY 1";
    assert_eq!(strings(store, days).await, strings(store, kept).await, "event_days counts the live events of each day");
    let cells = "SELECT concat_ws(' | ', c, count(*)) FROM (SELECT event_cell(min_lon, min_lat, max_lon, max_lat) AS c \
                 FROM events WHERE deleted = 0 AND min_lon IS NOT NULL) x GROUP BY c ORDER BY 1";
    let kept = "SELECT concat_ws(' | ', cell, n) FROM event_cells WHERE n <> 0 ORDER BY 1";
    assert_eq!(
        strings(store, cells).await,
        strings(store, kept).await,
        "event_cells counts the live events of each cell"
    );
}

async fn open(db: &TestDb, road: ImportRoad) -> PgStore {
    PgStore::open(&db.url).await.expect("test store opens").with_import_road(road)
}

#[tokio::test]
async fn an_import_by_copy_stores_row_for_row_what_the_array_road_stores() {
    let Some(admin) = postgres_url() else { return };
    let backend = Backend::Postgres(admin);
    let dbs = [TestDb::on(&backend).await, TestDb::on(&backend).await];
    let roads = [ImportRoad::Copy, ImportRoad::Arrays];
    let mut stores = Vec::new();
    for (db, road) in dbs.iter().zip(roads) {
        stores.push(open(db, road).await);
    }
    let writes = script(7);
    let awkward: Vec<ImportItem> = (0..12).map(awkward).collect();
    for s in &stores {
        let dynamic: DynStore = std::sync::Arc::new(s.clone());
        run_script(&dynamic, &writes).await;
        let c = dynamic.import(awkward.clone(), &Actor::new("import")).await.expect("awkward import");
        assert_eq!(c.created, 12);
        // Again, with some changed: revised on both roads alike.
        let mut again = awkward.clone();
        for it in again.iter_mut().step_by(3) {
            it.data.title.push_str(" (corrected)");
        }
        let c = dynamic.import(again, &Actor::new("import")).await.expect("re-import");
        assert_eq!((c.created, c.updated, c.unchanged), (0, 4, 8));
    }
    let (a, b) = (tables(&stores[0]).await, tables(&stores[1]).await);
    for ((name, x), (_, y)) in a.iter().zip(&b) {
        assert!(!x.is_empty(), "{name} has rows");
        if let Some(i) = (0..x.len().max(y.len())).find(|&i| x.get(i) != y.get(i)) {
            panic!("{name}: row {i} differs\n COPY:   {:?}\n arrays: {:?}", x.get(i), y.get(i));
        }
    }
    for s in &stores {
        counts_agree(s).await;
    }
    let dynamic: Vec<DynStore> = stores.iter().map(|s| std::sync::Arc::new(s.clone()) as DynStore).collect();
    for q in
        ["q=quotes", "q=naive%20tartus", "q=o%27neil", "tag=a%5Cb", "bbox=0,0,20,20", "start=2023-11-20&end=2024-03-01"]
    {
        assert_eq!(ids(&dynamic[0], q).await, ids(&dynamic[1], q).await, "{q}");
        let (f, _) = query(q);
        assert_eq!(dynamic[0].count(&f).await.unwrap(), dynamic[1].count(&f).await.unwrap(), "count of {q}");
        assert_eq!(
            dynamic[0].histogram(&f, Bucket::Day).await.unwrap(),
            dynamic[1].histogram(&f, Bucket::Day).await.unwrap(),
            "histogram of {q}"
        );
    }
    assert_eq!(ids(&dynamic[0], "q=quotes").await.len(), 12, "the awkward text is found by its words");
}

#[tokio::test]
async fn a_copy_the_server_refuses_half_way_leaves_nothing_and_the_store_keeps_working() {
    let Some(admin) = postgres_url() else { return };
    let db = TestDb::on(&Backend::Postgres(admin)).await;
    let store: DynStore = std::sync::Arc::new(open(&db, ImportRoad::Copy).await);
    let good: Vec<ImportItem> = (0..700u128)
        .map(|i| ImportItem { id: synthetic_id(i), data: data(json!({"title": format!("row {i}"), "start": "2025-01-01",
                                                                     "places": [{"name": "Here", "lon": 1.0, "lat": 2.0}]})) })
        .collect();
    // PostgreSQL's text holds no NUL character: the server refuses this event's row in the
    // middle of the second batch's COPY of events (after the 500 rows of its first slice).
    let mut bad: Vec<ImportItem> = (700..1400u128)
        .map(|i| ImportItem { id: synthetic_id(i), data: data(json!({"title": format!("row {i}"), "start": "2025-01-02",
                                                                     "places": [{"name": "Here", "lon": 1.0, "lat": 2.0}]})) })
        .collect();
    bad[600].data.category = "protest\u{0}".into();
    let (rx, feed) = stream_of(vec![ImportChunk::Rows(good.clone()), ImportChunk::Rows(bad), ImportChunk::Commit]);
    let err = store.import_stream(rx, &Actor::new("import")).await.expect_err("the server refuses the row");
    feed.await.unwrap();
    assert!(err.to_string().contains("0x00"), "{err}");
    assert_eq!(store.live_count().await.unwrap(), 0, "nothing of either batch stays");
    let left = "SELECT concat_ws(' ', (SELECT count(*) FROM events), (SELECT count(*) FROM event_terms), \
                (SELECT count(*) FROM revisions), (SELECT count(*) FROM sources), (SELECT coalesce(sum(n), 0) FROM event_days), \
                (SELECT coalesce(sum(n), 0) FROM event_cells))";
    assert_eq!(strings(&open(&db, ImportRoad::Copy).await, left).await, ["0 0 0 0 0 0"]);
    // The pool's connections are fine: the same good rows import.
    let c = store.import(good, &Actor::new("import")).await.expect("import after the failure");
    assert_eq!(c.created, 700);
    let (f, _) = query("bbox=0,1,2,3&start=2025-01-01&end=2025-01-01");
    assert_eq!(store.count(&f).await.unwrap(), 700, "found by place and time");
}
