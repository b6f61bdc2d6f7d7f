//! SQL for tiles of events: the matching events of a tile counted by cell and category, and
//! the matching events near a tile. On SQLite the tile's own box drives the query (the R*Tree:
//! an event's position lies in its envelope); on PostgreSQL a tile's cells are counted from the
//! index of the stored position (`events_by_position`, migration 0016) without reading the
//! rows. The position test is the one `domain::tile` states, with bound values, so both
//! backends count exactly the same events.

use crate::domain::EventFilter;
use crate::domain::tile::TileId;

use super::{Dialect, Sql, bbox_condition, from_clause, where_clause};

/// An event's position (`domain::tile`): a line's last point (a movement's destination), else the
/// centre of its envelope (a point's own point, tested first so that points read no JSON).
/// The count tables' triggers (migrations sqlite/0014, postgres/0013), the stored columns of
/// [`stored_position`] and `tile_counts::rebuild` repeat these expressions word for word.
pub fn position(dialect: Dialect) -> (&'static str, &'static str) {
    match dialect {
        Dialect::Sqlite => (
            "(CASE WHEN e.min_lon = e.max_lon AND e.min_lat = e.max_lat THEN e.min_lon \
             WHEN e.feature ->> '$.geometry.type' = 'LineString' THEN e.feature ->> '$.geometry.coordinates[#-1][0]' \
             ELSE (e.min_lon + e.max_lon) / 2 END)",
            "(CASE WHEN e.min_lon = e.max_lon AND e.min_lat = e.max_lat THEN e.min_lat \
             WHEN e.feature ->> '$.geometry.type' = 'LineString' THEN e.feature ->> '$.geometry.coordinates[#-1][1]' \
             ELSE (e.min_lat + e.max_lat) / 2 END)",
        ),
        Dialect::Postgres => (
            "(CASE WHEN e.min_lon = e.max_lon AND e.min_lat = e.max_lat THEN e.min_lon \
             WHEN ST_GeometryType(e.geom) = 'ST_LineString' THEN ST_X(ST_EndPoint(e.geom)) \
             ELSE (e.min_lon + e.max_lon) / 2 END)",
            "(CASE WHEN e.min_lon = e.max_lon AND e.min_lat = e.max_lat THEN e.min_lat \
             WHEN ST_GeometryType(e.geom) = 'ST_LineString' THEN ST_Y(ST_EndPoint(e.geom)) \
             ELSE (e.min_lat + e.max_lat) / 2 END)",
        ),
    }
}

/// [`position`] as stored: on PostgreSQL the columns `pos_lon` and `pos_lat` that migration 0016
/// generates from the same expressions (the same values, to the bit), which the index
/// `events_by_position` holds. Queries that should not be driven by that index test
/// [`position`] itself, which the planner cannot take to the index.
pub fn stored_position(dialect: Dialect) -> (&'static str, &'static str) {
    match dialect {
        Dialect::Sqlite => position(dialect),
        Dialect::Postgres => ("e.pos_lon", "e.pos_lat"),
    }
}

/// The filter a tile query runs with: the caller's, for live events only, driven by `bbox`
/// (the tile's box) or, with `None`, by the position test alone; the caller's own box, if any,
/// is kept to be tested on its own.
fn driven(
    f: &EventFilter,
    bbox: Option<crate::domain::filter::BBox>,
) -> (EventFilter, Option<crate::domain::filter::BBox>) {
    let own = f.bbox.filter(|b| !b.is_world());
    (EventFilter { include_deleted: false, bbox, ..f.clone() }, own)
}

/// Appends `AND` the position (`lon`, `lat`) lies in tile `t`.
fn position_in(sql: &mut Sql, t: &TileId, (lon, lat): (&str, &str)) {
    let b = t.bounds();
    sql.push(" AND ").push(lon).push(" >= ").real(b.west);
    if let Some(e) = b.east {
        sql.push(" AND ").push(lon).push(" < ").real(e);
    }
    if let Some(s) = b.south {
        sql.push(" AND ").push(lat).push(" >= ").real(s);
    }
    if let Some(n) = b.north {
        sql.push(" AND ").push(lat).push(" < ").real(n);
    }
}

/// Appends the number of `edges` that `expr` lies at or beyond (`>=` for longitudes rising to
/// the east, `<` for latitudes falling to the south): the column or row of the cell, found by
/// halving (three comparisons a row for eight cells, not seven).
fn cell_index(sql: &mut Sql, expr: &str, op: &str, edges: &[f64]) {
    fn half(sql: &mut Sql, expr: &str, op: &str, edges: &[f64], lo: usize, hi: usize) {
        if lo == hi {
            sql.push(&lo.to_string());
            return;
        }
        let mid = (lo + hi).div_ceil(2);
        sql.push("CASE WHEN ").push(expr).push(op).real(edges[mid - 1]).push(" THEN ");
        half(sql, expr, op, edges, mid, hi);
        sql.push(" ELSE ");
        half(sql, expr, op, edges, lo, mid - 1);
        sql.push(" END");
    }
    sql.push("CAST(");
    half(sql, expr, op, edges, 0, edges.len());
    sql.push(" AS BIGINT)");
}

/// From this zoom PostgreSQL counts a tile's cells from the index of the position
/// (`events_by_position`), a range of the tile's longitudes over every latitude: at zoom 7 a
/// tile is 2.8° wide. Below it a tile spans too many longitudes for that (a short window over
/// a tile of zoom 2 would scan a quarter of the index), so the envelope's space-time index
/// finds its events as before (zooms 0 to 6 are mostly counted from `event_tile_counts`).
pub const POSITION_ZOOM: u8 = super::tile_counts::GRID_ZOOM + 1;

/// Rows of (column, row, category, count, sum of longitudes, sum of latitudes) of the matching
/// live events whose position lies in tile `t`, of those starting at or after `from` and before
/// `before` (ms) when given (the rest being counted by `tile_counts`).
///
/// On PostgreSQL from zoom [`POSITION_ZOOM`] the envelope's overlap with the tile is not
/// tested: a position lies in its envelope, so every event positioned in the tile passes it,
/// and leaving it out lets the position's index (which holds no envelope) answer alone.
pub fn cells(dialect: Dialect, f: &EventFilter, t: &TileId, from: Option<i64>, before: Option<i64>) -> Sql {
    let mut sql = Sql::new(dialect);
    let by_position = dialect == Dialect::Postgres && t.z >= POSITION_ZOOM;
    let (f, own) = driven(f, (!by_position).then(|| t.bbox(0.0)));
    let (lons, lats) = t.cell_edges();
    let (lon, lat) = if by_position { stored_position(dialect) } else { position(dialect) };
    sql.push("SELECT ");
    cell_index(&mut sql, lon, " >= ", &lons);
    sql.push(", ");
    cell_index(&mut sql, lat, " < ", &lats);
    sql.push(&format!(", e.category, count(*), sum({lon}), sum({lat})"));
    from_clause(&mut sql, &f);
    where_clause(&mut sql, &f);
    if let Some(b) = own {
        bbox_condition(&mut sql, &b, &f);
    }
    position_in(&mut sql, t, (lon, lat));
    if let Some(ms) = from {
        sql.push(" AND e.t_start >= ").int(ms);
    }
    if let Some(ms) = before {
        sql.push(" AND e.t_start < ").int(ms);
    }
    sql.push(" GROUP BY 1, 2, 3");
    sql
}

/// Rows of (Feature JSON, min_lon, min_lat, max_lon, max_lat, position in the tile as 0 or 1,
/// the position's longitude and latitude)
/// of at most `limit` matching live events whose envelope overlaps tile `t` widened by `pad`
/// tiles, in no particular order.
pub fn events(dialect: Dialect, f: &EventFilter, t: &TileId, pad: f64, limit: u32) -> Sql {
    let mut sql = Sql::new(dialect);
    let (f, own) = driven(f, Some(t.bbox(pad)));
    let feature = if dialect == Dialect::Postgres { "e.feature::text" } else { "e.feature" };
    sql.push(&format!("SELECT {feature}, e.min_lon, e.min_lat, e.max_lon, e.max_lat, CAST(CASE WHEN true"));
    // The stored position: read from the row, not worked out from its geometry.
    let (lon, lat) = stored_position(dialect);
    position_in(&mut sql, t, (lon, lat));
    sql.push(&format!(" THEN 1 ELSE 0 END AS BIGINT), {lon}, {lat}"));
    from_clause(&mut sql, &f);
    where_clause(&mut sql, &f);
    if let Some(b) = own {
        bbox_condition(&mut sql, &b, &f);
    }
    sql.push(" AND e.min_lon IS NOT NULL LIMIT ").int(i64::from(limit));
    sql
}

/// Whether the index of the position holds all that filter `f` tests (a window, categories,
/// statuses), so that [`positions_near`] reads no row.
pub fn indexed(f: &EventFilter) -> bool {
    super::tile_counts::countable(&EventFilter { statuses: Vec::new(), ..f.clone() })
}

/// One row: how many (at most `limit`) matching live events have their position in tile `t`
/// widened by `pad` tiles, bounds included (PostgreSQL: from the position's index alone). Each
/// such event's envelope overlaps the widened tile, so when the count reaches `limit`,
/// [`events`] with the same `pad` and `limit` finds `limit` events too, without their rows read.
pub fn positions_near(dialect: Dialect, f: &EventFilter, t: &TileId, pad: f64, limit: u32) -> Sql {
    let mut sql = Sql::new(dialect);
    let b = t.bbox(pad);
    let (f, own) = driven(f, None);
    let (lon, lat) = stored_position(dialect);
    sql.push("SELECT count(*) FROM (SELECT 1");
    from_clause(&mut sql, &f);
    where_clause(&mut sql, &f);
    if let Some(b) = own {
        bbox_condition(&mut sql, &b, &f);
    }
    sql.push(&format!(" AND {lon} >= ")).real(b.min_lon).push(&format!(" AND {lon} <= ")).real(b.max_lon);
    sql.push(&format!(" AND {lat} >= ")).real(b.min_lat).push(&format!(" AND {lat} <= ")).real(b.max_lat);
    sql.push(" LIMIT ").int(i64::from(limit)).push(") n");
    sql
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tile_query_binds_every_value_and_starts_from_the_tiles_box() {
        let t = TileId { z: 5, x: 19, y: 12 };
        let sql = cells(Dialect::Sqlite, &EventFilter::default(), &t, None, None);
        assert!(sql.text.contains("FROM events_rtree"), "{}", sql.text);
        assert_eq!(sql.text.matches('?').count(), sql.binds.len());
        assert!(!sql.text.contains("35."), "no value in the text: {}", sql.text);
        assert_eq!(sql.text.matches("CASE WHEN (CASE").count(), 14, "seven edges a side, each tested once");
        let sql = events(Dialect::Postgres, &EventFilter::default(), &t, 0.1, 100);
        assert!(
            sql.text.contains("ST_MakeEnvelope(e.min_lon, e.min_lat, e.max_lon, e.max_lat) && ST_MakeEnvelope("),
            "all time, the 2D index: {}",
            sql.text
        );
    }

    #[test]
    fn a_line_is_placed_at_its_last_point_and_anything_else_at_its_envelopes_centre() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        let (lon, lat) = position(Dialect::Sqlite);
        let at = |feature: &str, env: [f64; 4]| -> (f64, f64) {
            conn.query_row(
                &format!(
                    "SELECT {lon}, {lat} FROM (SELECT ?1 AS feature, ?2 AS min_lon, ?3 AS min_lat, ?4 AS max_lon, ?5 AS max_lat) e"
                ),
                rusqlite::params![feature, env[0], env[1], env[2], env[3]],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap()
        };
        let line = r#"{"type":"Feature","geometry":{"type":"LineString","coordinates":[[36.2,35.9],[39.5,33.1],[38.9,36.1]]}}"#;
        assert_eq!(at(line, [36.2, 33.1, 39.5, 36.1]), (38.9, 36.1), "the destination");
        let many = r#"{"type":"Feature","geometry":{"type":"MultiPoint","coordinates":[[36,35],[38,37]]}}"#;
        assert_eq!(at(many, [36.0, 35.0, 38.0, 37.0]), (37.0, 36.0), "the envelope's centre");
        assert_eq!(at("not read: a point", [36.5, 35.5, 36.5, 35.5]), (36.5, 35.5), "a point reads no JSON");
    }

    #[test]
    fn halving_finds_the_column_and_the_row() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        let index = |v: f64, op: &str, edges: &[f64]| -> i64 {
            let mut sql = Sql::new(Dialect::Sqlite);
            sql.push("WITH v(x) AS (SELECT ").real(v).push(") SELECT ");
            cell_index(&mut sql, "v.x", op, edges);
            sql.push(" FROM v");
            let binds: Vec<f64> =
                sql.binds.iter().map(|b| if let super::super::Bind::Real(r) = b { *r } else { panic!() }).collect();
            conn.query_row(&sql.text, rusqlite::params_from_iter(binds), |r| r.get(0)).unwrap()
        };
        let rising = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0];
        for (v, want) in [(0.5, 0), (1.0, 1), (3.5, 3), (4.0, 4), (6.9, 6), (7.0, 7), (99.0, 7)] {
            assert_eq!(index(v, " >= ", &rising), want, "{v}");
        }
        let falling = [7.0, 6.0, 5.0, 4.0, 3.0, 2.0, 1.0];
        for (v, want) in [(7.5, 0), (7.0, 0), (6.5, 1), (4.0, 3), (3.9, 4), (1.0, 6), (0.2, 7)] {
            assert_eq!(index(v, " < ", &falling), want, "{v}");
        }
    }
}
