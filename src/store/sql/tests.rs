//! The SQL written for each filter, sort and dialect: which index a query starts from, and
//! that every value is bound.

use super::*;
use crate::domain::filter::{Cursor, Near};
use crate::domain::geometry_type::GeometryType;
use crate::domain::time::parse_instant;

fn filter() -> EventFilter {
    EventFilter {
        start: Some(parse_instant("2025-01-01").unwrap().at),
        end: Some(parse_instant("2025-12-31").unwrap().at),
        bbox: Some(BBox::parse("35,34,37,36").unwrap()),
        tags: vec!["navy".into()],
        q: Some("convoy'; DROP TABLE events; --".into()),
        ..Default::default()
    }
}

#[test]
fn a_box_query_on_sqlite_starts_from_the_rtree_with_the_time_window() {
    let sql = list(Dialect::Sqlite, &filter(), &PageRequest::default());
    assert!(
        sql.text.starts_with(
            "SELECT x.feature, p.k, p.seq, x.geometry_explicit, p.n FROM (SELECT e.t_start AS k, e.seq AS seq, \
             count(*) OVER () AS n FROM (SELECT id FROM events_rtree WHERE"
        ),
        "{}",
        sql.text
    );
    assert!(sql.text.contains("max_t >= ?") && sql.text.contains("CROSS JOIN events e"));
    assert_eq!(sql.text.matches('?').count(), sql.binds.len());
}

#[test]
fn user_values_are_bound_never_formatted_into_sql() {
    for d in [Dialect::Sqlite, Dialect::Postgres] {
        let sql = list(d, &filter(), &PageRequest::default());
        assert!(!sql.text.contains("DROP"), "{}", sql.text);
        assert!(!sql.text.contains("navy"));
    }
    let pg = list(Dialect::Postgres, &filter(), &PageRequest::default());
    assert!(pg.text.contains(&format!("${}", pg.binds.len())));
    assert!(!pg.text.contains('?'));
}

#[test]
fn postgres_finds_candidates_by_gist_and_keeps_the_exact_tests_of_sqlite() {
    let f = EventFilter {
        bbox: Some(BBox::parse("170,-20,-170,-10").unwrap()),
        near: Some(Near { lon: 35.8, lat: 35.5, radius_km: 10.0 }),
        q: Some("Ţarţūs conv*".into()),
        ..Default::default()
    };
    let pg = count(Dialect::Postgres, &f);
    // Over all time by the narrow envelopes' 2D index or the wide ones' space-time index, within
    // a window by the space-time index of all events.
    assert_eq!(
        pg.text.matches("ST_MakeEnvelope(e.min_lon, e.min_lat, e.max_lon, e.max_lat) && ST_MakeEnvelope(").count(),
        3,
        "two boxes and the circle's: {}",
        pg.text
    );
    assert_eq!(pg.text.matches(") OR (NOT (e.max_lon - e.min_lon <= 1").count(), 3, "{}", pg.text);
    assert_eq!(pg.text.matches(" &&& ST_MakeLine(").count(), 3, "{}", pg.text);
    let within = EventFilter { start: Some(chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap()), ..f.clone() };
    let pg = count(Dialect::Postgres, &within);
    assert_eq!(pg.text.matches(" &&& ST_MakeLine(").count(), 3, "two boxes and the circle's: {}", pg.text);
    assert!(!pg.text.contains("e.max_lat) && ST_MakeEnvelope("), "{}", pg.text);
    assert!(pg.text.contains("e.max_lon >= $") && pg.text.contains("EXISTS (SELECT 1 FROM event_points"));
    assert!(pg.text.contains("e.search @@ $") && pg.text.contains("::tsquery"), "{}", pg.text);
    assert!(pg.binds.contains(&Bind::Text("'tartus' & 'conv':*".into())), "{:?}", pg.binds);
    let sqlite = count(Dialect::Sqlite, &f);
    assert!(!sqlite.text.contains("ST_") && !sqlite.text.contains("tsquery"));
}

#[test]
fn the_space_time_expression_is_the_one_postgres_indexes() {
    let migration = include_str!("../../../migrations/postgres/0001_events.sql");
    let expr = SPACE_TIME.replace("e.", "");
    assert!(migration.contains(&format!("(({expr}) gist_geometry_ops_nd)")), "{expr}");
}

#[test]
fn both_backends_count_everything_from_the_days_table() {
    assert!(count(Dialect::Postgres, &EventFilter::default()).text.contains("FROM event_days"));
    let q = EventFilter { q: Some("***".into()), ..Default::default() };
    assert!(histogram(Dialect::Postgres, &q, Bucket::Month).text.contains("FROM event_days"));
    assert!(!histogram(Dialect::Postgres, &q, Bucket::Hour).text.contains("event_days"));
    let deleted = EventFilter { include_deleted: true, ..Default::default() };
    assert!(!count(Dialect::Postgres, &deleted).text.contains("event_days"));
    assert!(count(Dialect::Sqlite, &EventFilter::default()).text.contains("FROM event_days"));
    assert!(histogram(Dialect::Sqlite, &q, Bucket::Day).text.contains("FROM event_days"));
    assert!(!count(Dialect::Sqlite, &deleted).text.contains("event_days"));
}

#[test]
fn a_geometry_type_is_a_bound_term_test_and_is_never_counted_from_the_days_table() {
    let f = EventFilter { geometry_types: vec![GeometryType::Line], ..Default::default() };
    let pg = count(Dialect::Postgres, &f);
    assert!(
        !pg.text.contains("event_days") && pg.text.contains("t.kind = $1 AND (t.value IN ($2, $3))"),
        "{}",
        pg.text
    );
    assert_eq!(pg.binds[1..], [Bind::Text("LineString".into()), Bind::Text("MultiLineString".into())]);
    assert!(!histogram(Dialect::Postgres, &f, Bucket::Day).text.contains("event_days"));
    let sqlite = list(Dialect::Sqlite, &f, &PageRequest::default());
    assert!(sqlite.text.contains(" FROM events e WHERE e.deleted = 0 AND EXISTS"), "{}", sqlite.text);
}

#[test]
fn a_box_across_the_antimeridian_unions_two_rtree_lookups() {
    let f = EventFilter { bbox: Some(BBox::parse("170,-20,-170,-10").unwrap()), ..Default::default() };
    let sql = count(Dialect::Sqlite, &f);
    // Each half asks both trees, the main one and the wide envelopes'.
    assert_eq!(sql.text.matches("FROM events_rtree WHERE").count(), 2);
    assert_eq!(sql.text.matches("FROM events_rtree_wide WHERE").count(), 2);
    // A wide envelope may meet both halves: after the first `UNION`, no `UNION ALL` keeps its
    // duplicate.
    let after = &sql.text[sql.text.find(" UNION SELECT").expect("the halves joined by UNION")..];
    assert!(!after.contains("UNION ALL"), "{}", sql.text);
}

#[test]
fn a_cursor_continues_after_the_last_row_in_sort_order() {
    let page = PageRequest { cursor: Some(Cursor { key: 5, seq: 9, matched: None }), ..Default::default() };
    let sql = list(Dialect::Sqlite, &EventFilter::default(), &page);
    assert!(
        sql.text.contains(
            "AND (e.t_start < ? OR (e.t_start = ? AND e.seq < ?)) ORDER BY e.t_day DESC, e.t_start DESC, e.seq DESC"
        ),
        "{}",
        sql.text
    );
    assert!(sql.text.contains(", NULL AS n"), "no count after the first page: {}", sql.text);
}

#[test]
fn radius_and_text_only_queries_pick_their_own_index() {
    let f = EventFilter { near: Some(Near { lon: 35.8, lat: 35.5, radius_km: 10.0 }), ..Default::default() };
    assert!(count(Dialect::Sqlite, &f).text.contains("events_rtree"));
    let f = EventFilter { q: Some("convoy".into()), ..Default::default() };
    let sql = list(Dialect::Sqlite, &f, &PageRequest::default());
    assert!(
        sql.text.contains(" FROM events e WHERE e.deleted = 0 AND e.seq IN (SELECT rowid FROM events_fts"),
        "{}",
        sql.text
    );
    assert!(sql.text.contains(", NULL AS n"), "the time index stops early, so it is not counted in the same pass");
    let f = EventFilter { q: Some("***".into()), ..Default::default() };
    assert!(!count(Dialect::Sqlite, &f).text.contains("fts"));
}

#[test]
fn a_walk_tests_the_box_on_the_time_index_and_never_starts_from_the_space_index() {
    let f = EventFilter { bbox: Some(BBox::parse("0,30,60,60").unwrap()), ..Default::default() };
    let s = list_planned(Dialect::Sqlite, &f, &PageRequest::default(), plan::Plan::Walk, Gist::Whole);
    assert!(
        s.text.contains("FROM events e INDEXED BY events_by_time WHERE") && !s.text.contains("rtree"),
        "{}",
        s.text
    );
    assert!(s.text.contains("ORDER BY e.t_day DESC, e.t_start DESC, e.seq DESC LIMIT"), "{}", s.text);
    let p = list_planned(Dialect::Postgres, &f, &PageRequest::default(), plan::Plan::Walk, Gist::Whole);
    assert!(
        !p.text.contains("&&&")
            && !p.text.contains("e.max_lat) && ST_MakeEnvelope(")
            && !p.text.contains("count(*) OVER"),
        "{}",
        p.text
    );
    let i = list_planned(Dialect::Postgres, &f, &PageRequest::default(), plan::Plan::Index, Gist::Whole);
    assert!(
        i.text.contains("ST_MakeEnvelope(e.min_lon, e.min_lat, e.max_lon, e.max_lat) && ST_MakeEnvelope(")
            && i.text.contains("count(*) OVER"),
        "{}",
        i.text
    );
}

#[test]
fn a_slice_asks_the_space_index_for_its_start_times_alone_and_never_counts() {
    let f = EventFilter { bbox: Some(BBox::parse("0,30,2,32").unwrap()), ..Default::default() };
    let day = 86_400_000;
    let how = plan::Plan::Slice { from: 100 * day, to: 110 * day };
    for d in [Dialect::Sqlite, Dialect::Postgres] {
        let s = list_planned(d, &f, &PageRequest::default(), how, Gist::Whole);
        assert!(s.text.contains("AND e.t_start >= ") && s.text.contains(" AND e.t_start < "), "{}", s.text);
        assert!(!s.text.contains("count(*) OVER"), "a slice's count is not the window's: {}", s.text);
        // The index is asked for the slice's days: the window's ends are the slice's.
        assert!(s.binds.contains(&Bind::Real(100.0)) && s.binds.contains(&Bind::Int(110 * day - 1)), "{:?}", s.binds);
    }
    let s = list_planned(Dialect::Sqlite, &f, &PageRequest::default(), how, Gist::Whole);
    assert!(s.text.contains("FROM events_rtree WHERE") && s.text.contains("max_t >= ?"), "{}", s.text);
}
