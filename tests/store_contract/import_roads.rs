//! The two roads of an import on PostgreSQL store the same thing: the same synthetic imports,
//! re-imports and edits written by `COPY` (the road imports take) into one database and by bound
//! arrays (the road of single writes, which imports took before) into another, then every table
//! compared row for row (write times aside) and the counts, histograms and searches asked of both.
//! Text that COPY's format must escape (tabs, newlines, backslashes, quotes) and every kind of
//! geometry are among the events. A COPY that the server refuses half-way leaves nothing behind.
//! A first load that builds its indexes at its end (`PgStore::open_for_import`) stores the same
//! as the array road and leaves the indexes and constraints as they were defined; it keeps them
//! up to date as it goes while another session is connected, and a failed one leaves them alone.
//! A load into a database that holds events does the same when it announces half as many.

use eventmap::domain::Bucket;
use eventmap::store::postgres::{ImportRoad, PgStore};
use eventmap::store::{Actor, DynStore, EventStore, ImportChunk, ImportItem};
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

/// The object ids of the indexes of the tables a first load may take to itself, by name: an
/// index dropped and built again has a new one.
async fn index_oids(store: &PgStore) -> Vec<String> {
    strings(
        store,
        "SELECT concat_ws(' | ', c.relname, c.oid, pg_get_indexdef(c.oid)) FROM pg_index i JOIN pg_class c \
         ON c.oid = i.indexrelid WHERE i.indrelid IN ('events'::regclass, 'event_terms'::regclass, \
         'event_sources'::regclass, 'revisions'::regclass, 'event_tile_counts'::regclass) ORDER BY c.relname",
    )
    .await
}

/// The constraints of those tables, as they are defined.
async fn constraints(store: &PgStore) -> Vec<String> {
    strings(
        store,
        "SELECT concat_ws(' | ', conrelid::regclass, conname, pg_get_constraintdef(oid), convalidated) FROM pg_constraint \
         WHERE conrelid IN ('events'::regclass, 'event_terms'::regclass, 'event_sources'::regclass, \
         'revisions'::regclass, 'event_tile_counts'::regclass) ORDER BY 1",
    )
    .await
}

/// The triggers on `events` that are not enabled (a load disables those that count cells).
/// The names of the indexes in `after` that are not in `before` (rows of [`index_oids`]): those
/// built again.
/// What a load into PostgreSQL that takes the tables builds again, by name: every index of
/// `events` that backs no constraint, and the primary keys of `event_terms`, `revisions` and
/// `event_tile_counts`.
const REBUILT: [&str; 10] = [
    "event_terms_pkey",
    "event_tile_counts_pkey",
    "events_by_category",
    "events_by_position",
    "events_by_time",
    "events_narrow_area",
    "events_search",
    "events_space_time",
    "events_wide_space_time",
    "revisions_pkey",
];

fn rebuilt<'a>(before: &[String], after: &'a [String]) -> Vec<&'a str> {
    after.iter().filter(|row| !before.contains(row)).map(|row| row.split(" | ").next().unwrap()).collect()
}

/// Every table of `load` equals that of `arrays`, row for row; returns `load`'s.
async fn same_tables(load: &PgStore, arrays: &PgStore) -> Vec<(String, Vec<String>)> {
    let (a, b) = (tables(load).await, tables(arrays).await);
    for ((name, x), (_, y)) in a.iter().zip(&b) {
        if let Some(i) = (0..x.len().max(y.len())).find(|&i| x.get(i) != y.get(i)) {
            panic!("{name}: row {i} differs\n load:   {:?}\n arrays: {:?}", x.get(i), y.get(i));
        }
    }
    a
}

async fn disabled_triggers(store: &PgStore) -> Vec<String> {
    strings(
        store,
        "SELECT tgname::text FROM pg_trigger WHERE tgrelid = 'events'::regclass AND NOT tgisinternal \
         AND tgenabled <> 'O' ORDER BY 1",
    )
    .await
}

/// A plain event: a point, a day of January 2025, a tag, one of 11 sources, which gain a
/// title from the 1,700th event on (the events citing them are rendered again).
fn plain(i: u128) -> ImportItem {
    let mut source = json!({"url": format!("https://example.org/p/{}", i % 11)});
    if i >= 1700 {
        source["title"] = json!("Filled in later");
    }
    let category = ["protest", "riot"][i as usize % 2];
    ImportItem {
        id: synthetic_id(i),
        data: data(json!({"title": format!("row {i}"), "start": format!("2025-01-{:02}", 1 + i % 28),
                          "tags": [format!("t{}", i % 7)], "category": category,
                          "places": [{"name": "Here", "lon": (i % 90) as f64, "lat": (i % 40) as f64}],
                          "sources": [source]})),
    }
}

/// A first load's batches: the awkward events and 1,500 plain ones, then some of them again
/// (a third of them changed) with 300 new ones, whose sources gain a title.
fn first_load() -> Vec<Vec<ImportItem>> {
    let first: Vec<ImportItem> = (0..12).map(awkward).chain((0..1500).map(plain)).collect();
    let mut again: Vec<ImportItem> = (0..12).map(awkward).chain((1400..1800).map(plain)).collect();
    for it in again.iter_mut().step_by(3) {
        it.data.title.push_str(" (corrected)");
    }
    vec![first, again]
}

/// The batches as a streamed import's chunks, with the commit.
fn chunks(batches: &[Vec<ImportItem>]) -> Vec<ImportChunk> {
    batches.iter().cloned().map(ImportChunk::Rows).chain([ImportChunk::Commit]).collect()
}

#[tokio::test]
async fn a_first_load_that_builds_its_indexes_at_the_end_stores_what_the_array_road_stores() {
    let Some(admin) = postgres_url() else { return };
    let backend = Backend::Postgres(admin);
    let dbs = [TestDb::on(&backend).await, TestDb::on(&backend).await];
    let load = PgStore::open_for_import(&dbs[0].url).await.expect("opens for import");
    let arrays = open(&dbs[1], ImportRoad::Arrays).await;
    let (oids, defined) = (index_oids(&load).await, constraints(&load).await);
    assert_eq!(disabled_triggers(&load).await, Vec::<String>::new());
    // The same items (their sources' ids are made when they are read) into both.
    let batches = first_load();
    for s in [&load, &arrays] {
        let (rx, feed) = stream_of(chunks(&batches));
        let c = s.import_stream(rx, &Actor::new("import")).await.expect("import").expect("committed");
        feed.await.unwrap();
        assert_eq!((c.created, c.updated, c.unchanged), (1812, 104, 8));
    }
    // The load took the tables: every index of `events` that backs no constraint, and the
    // primary keys of `event_terms`, `revisions` and `event_tile_counts`, were built again, the
    // rest kept; the triggers that count cells, disabled during the load, count again.
    let after = index_oids(&load).await;
    let rebuilt = rebuilt(&oids, &after);
    assert_eq!(rebuilt, REBUILT);
    assert_eq!(disabled_triggers(&load).await, Vec::<String>::new(), "every trigger enabled again");
    // Vacuumed after its commit, so that tiles count from the position's index alone.
    let visible =
        "SELECT (relallvisible > 0 AND relallvisible = relpages)::text FROM pg_class WHERE relname = 'events'";
    assert_eq!(strings(&load, visible).await, ["true"], "every page of events marked all-visible");
    let strip_oid = |rows: &[String]| -> Vec<String> {
        rows.iter().map(|r| r.split(" | ").enumerate().filter(|(i, _)| *i != 1).map(|(_, p)| p).collect()).collect()
    };
    assert_eq!(strip_oid(&after), strip_oid(&oids), "the same indexes, defined the same");
    assert_eq!(constraints(&load).await, defined, "the same constraints, validated");
    for (name, rows) in same_tables(&load, &arrays).await {
        assert!(!rows.is_empty(), "{name} has rows");
    }
    counts_agree(&load).await;
    let tiles =
        "SELECT concat_ws(' | ', days, block, cell, category, n) FROM event_tile_counts WHERE n <> 0 ORDER BY 1";
    assert_eq!(strings(&load, tiles).await, strings(&arrays, tiles).await, "event_tile_counts");
    let stores: [DynStore; 2] = [std::sync::Arc::new(load.clone()), std::sync::Arc::new(arrays.clone())];
    let q = "q=quotes";
    assert_eq!(ids(&stores[0], q).await, ids(&stores[1], q).await);
    assert_eq!(ids(&stores[0], "tag=t3&bbox=0,0,50,50").await, ids(&stores[1], "tag=t3&bbox=0,0,50,50").await);
    // A second import into it keeps its indexes up to date as it goes.
    let (rx, feed) =
        stream_of(vec![ImportChunk::Rows((0..12).map(|i| awkward(100 + i)).collect()), ImportChunk::Commit]);
    load.import_stream(rx, &Actor::new("import")).await.expect("import").expect("committed");
    feed.await.unwrap();
    assert_eq!(index_oids(&load).await, after);
    counts_agree(&load).await;
    let counted = "SELECT sum(n)::text FROM event_tile_counts WHERE days = 1";
    let live = "SELECT count(*)::text FROM events WHERE deleted = 0";
    assert_eq!(
        strings(&load, counted).await,
        strings(&load, live).await,
        "the triggers counted the second import's events"
    );
}

#[tokio::test]
async fn a_load_half_as_large_as_the_database_it_joins_builds_its_indexes_at_the_end() {
    let Some(admin) = postgres_url() else { return };
    let backend = Backend::Postgres(admin);
    let dbs = [TestDb::on(&backend).await, TestDb::on(&backend).await];
    let load = PgStore::open_for_import(&dbs[0].url).await.expect("opens for import");
    let arrays = open(&dbs[1], ImportRoad::Arrays).await;
    // 1,000 events held, written one batch at a time as a server writes them (the same items
    // into both: their sources' ids are made when they are read).
    let held: Vec<ImportItem> = (0..1000).map(plain).collect();
    for s in [&load, &arrays] {
        s.import(held.clone(), &Actor::new("server")).await.expect("held");
    }
    let (oids, defined) = (index_oids(&load).await, constraints(&load).await);
    // A load that will write fewer than half as many keeps every index up to date (the road is
    // chosen at its second batch).
    let small: Vec<ImportItem> = (2000..2020).map(plain).collect();
    for s in [&load, &arrays] {
        let (first, second) = small.split_at(10);
        let (rx, feed) = stream_of(vec![
            ImportChunk::Expect(499),
            ImportChunk::Rows(first.to_vec()),
            ImportChunk::Rows(second.to_vec()),
            ImportChunk::Commit,
        ]);
        s.import_stream(rx, &Actor::new("import")).await.expect("import").expect("committed");
        feed.await.unwrap();
    }
    assert_eq!(index_oids(&load).await, oids);
    // One that announces 510: 60 new events (written as they come, the first batch), then 300
    // of which 100 change held ones, then awkward ones, written with the indexes built at the
    // end (the first batch wrote all its rows: about 510 writes expected, 1,020 events held).
    let mut second: Vec<ImportItem> = (900..1200).map(plain).collect();
    for it in second.iter_mut().take(100) {
        it.data.title.push_str(" (corrected)");
    }
    let batches = vec![(1940..2000).map(plain).collect(), second, (0..12).map(awkward).collect()];
    for s in [&load, &arrays] {
        let announced = [ImportChunk::Expect(510)].into_iter().chain(chunks(&batches)).collect();
        let (rx, feed) = stream_of(announced);
        let c = s.import_stream(rx, &Actor::new("import")).await.expect("import").expect("committed");
        feed.await.unwrap();
        assert_eq!((c.created, c.updated, c.unchanged), (272, 100, 0));
    }
    let after = index_oids(&load).await;
    let rebuilt = rebuilt(&oids, &after);
    // As a first load's, but for the terms' key: a changed event's old terms are deleted by it.
    let terms_kept: Vec<&str> = REBUILT.into_iter().filter(|n| *n != "event_terms_pkey").collect();
    assert_eq!(rebuilt, terms_kept);
    assert_eq!(disabled_triggers(&load).await, Vec::<String>::new(), "every trigger enabled again");
    assert_eq!(constraints(&load).await, defined, "the same constraints, validated");
    // The same load again, announcing as many: its first batch writes nothing, so neither will
    // the rest, and the indexes are kept.
    for s in [&load, &arrays] {
        let announced = [ImportChunk::Expect(5_000)].into_iter().chain(chunks(&batches)).collect();
        let (rx, feed) = stream_of(announced);
        let c = s.import_stream(rx, &Actor::new("import")).await.expect("import").expect("committed");
        feed.await.unwrap();
        assert_eq!((c.created, c.updated, c.unchanged), (0, 0, 372));
    }
    assert_eq!(index_oids(&load).await, after);
    same_tables(&load, &arrays).await;
    counts_agree(&load).await;
    // The counts by tile of the events held before the load, counted again with the new ones.
    let tiles =
        "SELECT concat_ws(' | ', days, block, cell, category, n) FROM event_tile_counts WHERE n <> 0 ORDER BY 1";
    assert_eq!(strings(&load, tiles).await, strings(&arrays, tiles).await, "event_tile_counts");
    let counted = "SELECT sum(n)::text FROM event_tile_counts WHERE days = 30";
    assert_eq!(strings(&load, counted).await, ["1292"]);
    let stores: [DynStore; 2] = [std::sync::Arc::new(load.clone()), std::sync::Arc::new(arrays.clone())];
    for q in ["q=corrected&limit=500", "tag=t3&bbox=0,0,50,50", "q=quotes"] {
        assert_eq!(ids(&stores[0], q).await, ids(&stores[1], q).await, "{q}");
    }
    assert_eq!(ids(&stores[0], "q=corrected&limit=500").await.len(), 100);
}

#[tokio::test]
async fn the_cell_found_by_bucket_is_the_cell_found_by_lookup_at_every_edge_and_between() {
    let Some(admin) = postgres_url() else { return };
    let db = TestDb::on(&Backend::Postgres(admin)).await;
    let store = open(&db, ImportRoad::Copy).await;
    // Every edge of both axes, a hair either side of it, the poles and the antimeridian, and
    // a spread of positions between.
    let checked: Vec<String> = strings(
        &store,
        "WITH v AS (SELECT edge AS x FROM tile_grid UNION ALL SELECT edge - 1e-9 FROM tile_grid \
                    UNION ALL SELECT edge + 1e-9 FROM tile_grid \
                    UNION ALL SELECT unnest(ARRAY[-180, 180, -90, 90, 0, -85.0511287798066, 85.0511287798066]::float8[]) \
                    UNION ALL SELECT -180 + i * 0.0731 FROM generate_series(0, 4924) i), \
              n AS (SELECT x, row_number() OVER (ORDER BY x) AS r, count(*) OVER () AS m FROM v), \
              p AS (SELECT a.x AS lon, b.x AS lat FROM n a JOIN n b ON b.r = (a.r * 7919) % a.m + 1 \
                    UNION ALL SELECT x, x FROM v UNION ALL SELECT x, -x FROM v) \
         SELECT concat_ws(' | ', count(*), count(*) FILTER (WHERE event_tile_cell(p.lon, p.lat) \
                <> event_tile_cell_in(p.lon, p.lat, g.lons, g.lon_k, g.lats, g.lat_k))) \
         FROM p, event_tile_grid() g",
    )
    .await;
    let (n, differ) = checked[0].split_once(" | ").unwrap();
    assert!(n.parse::<u64>().unwrap() > 20_000, "{n} positions checked");
    assert_eq!(differ, "0", "positions whose cells differ");
}

#[tokio::test]
async fn a_first_load_keeps_its_indexes_while_another_session_is_connected_or_when_it_fails() {
    let Some(admin) = postgres_url() else { return };
    let db = TestDb::on(&Backend::Postgres(admin)).await;
    let load = PgStore::open_for_import(&db.url).await.expect("opens for import");
    let oids = index_oids(&load).await;
    // A load the server refuses half-way (a NUL in the second batch) leaves every index as it was.
    let mut batches = first_load();
    batches[1][300].data.category = "protest\u{0}".into();
    let (rx, feed) = stream_of(chunks(&batches));
    load.import_stream(rx, &Actor::new("import")).await.expect_err("the server refuses the row");
    feed.await.unwrap();
    assert_eq!(index_oids(&load).await, oids);
    assert_eq!(disabled_triggers(&load).await, Vec::<String>::new());
    assert_eq!(load.live_count().await.unwrap(), 0);
    // Someone else connected (a server, psql): the load keeps every index up to date.
    let other = open(&db, ImportRoad::Copy).await;
    let mut held = other.pool().acquire().await.unwrap();
    sqlx::query("SELECT 1").execute(&mut *held).await.unwrap();
    let (rx, feed) = stream_of(chunks(&first_load()));
    load.import_stream(rx, &Actor::new("import")).await.expect("import").expect("committed");
    feed.await.unwrap();
    assert_eq!(index_oids(&load).await, oids);
    assert_eq!(load.live_count().await.unwrap(), 1812);
    drop(held);
}
