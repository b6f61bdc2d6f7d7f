//! Tiles of zoom 6 or less counted from `event_tile_counts` (issue 20): the live events per cell
//! of a fine grid (the cells of zoom-6 tiles), category and block of days of their start, kept by
//! triggers on both backends. A tile's cells are unions of the grid's cells, so the table answers
//! the whole days of a window that it holds in blocks; the events that start in the partial days
//! at either end (and those that started earlier and last into the window) are counted from the
//! events as before. The sum is exactly what the events alone would give.

use crate::domain::EventFilter;
use crate::domain::tile::{CELLS, TileId};

use super::{Dialect, Sql};

/// The zoom whose tiles' cells are the grid's cells.
pub const GRID_ZOOM: u8 = 6;

/// Cells a side of the grid.
pub const GRID: u32 = CELLS << GRID_ZOOM;

/// The blocks of days counted, longest first (each a multiple of the next).
pub const LEVELS: [i64; 4] = [3600, 360, 30, 1];

const DAY_MS: i64 = 86_400_000;

/// Farther than any day an event can start on, for an open end of a window (a whole number of
/// the longest blocks, so that all time is one range of them).
const FAR: i64 = 3600 << 28;

/// The grid's edges as rows of (axis, edge, k): axis 0 the west side of column k, axis 1 the north
/// side of row k, for k from 1 (column and row 0 have no edge: everything west or north of edge 1
/// is in them). Computed by the tiles of zoom [`GRID_ZOOM`] themselves, so they equal the edges
/// every tile of that zoom or less tests, to the bit.
pub fn grid_edges() -> Vec<(i64, f64, i64)> {
    let mut out = Vec::with_capacity(2 * GRID as usize);
    for k in 1..GRID {
        let (tile, inner) = (k / CELLS, (k % CELLS) as usize);
        let t = TileId { z: GRID_ZOOM, x: tile, y: tile };
        let (lons, lats) = t.cell_edges();
        let b = t.bounds();
        let lon = if inner == 0 { b.west } else { lons[inner - 1] };
        let lat = if inner == 0 { b.north.expect("a tile below the first row") } else { lats[inner - 1] };
        out.push((0, lon, i64::from(k)));
        out.push((1, lat, i64::from(k)));
    }
    out
}

/// The SQL that counts the events already stored into `event_tile_counts` (once, when the grid's
/// edges are first written, and at the end of a first load into PostgreSQL), each in the cell of
/// its position (`tiles::position`; on PostgreSQL found by `event_tile_cell_in`, migration 0015).
pub fn rebuild(dialect: Dialect) -> &'static str {
    static SQLITE: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| rebuild_sql(Dialect::Sqlite));
    static POSTGRES: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| rebuild_sql(Dialect::Postgres));
    match dialect {
        Dialect::Sqlite => &SQLITE,
        Dialect::Postgres => &POSTGRES,
    }
}

fn rebuild_sql(dialect: Dialect) -> String {
    let (lon, lat) = super::tiles::position(dialect);
    match dialect {
        Dialect::Sqlite => format!(
            "INSERT INTO event_tile_counts (days, block, cell, category, n, sum_lon, sum_lat) \
             SELECT l.days, (c.t_day - ((c.t_day % l.days) + l.days) % l.days) / l.days AS b, c.cell, c.category, \
                    count(*), sum(c.lon), sum(c.lat) \
             FROM (SELECT p.t_day, p.category, p.lon, p.lat, \
                     coalesce((SELECT k FROM tile_grid WHERE axis = 1 AND edge > p.lat ORDER BY edge LIMIT 1), 0) * 512 \
                     + coalesce((SELECT k FROM tile_grid WHERE axis = 0 AND edge <= p.lon ORDER BY edge DESC LIMIT 1), 0) AS cell \
                   FROM (SELECT e.t_day, e.category, {lon} AS lon, {lat} AS lat \
                         FROM events e WHERE e.deleted = 0 AND e.min_lon IS NOT NULL LIMIT -1 OFFSET 0) p) c, \
                  (SELECT 1 AS days UNION ALL SELECT 30 UNION ALL SELECT 360 UNION ALL SELECT 3600) l \
             GROUP BY l.days, b, c.cell, c.category"
        ),
        Dialect::Postgres => format!(
            "INSERT INTO event_tile_counts (days, block, cell, category, n, sum_lon, sum_lat) \
             SELECT l.days, floor(c.t_day::float8 / l.days)::bigint AS b, c.cell, c.category, count(*), sum(c.lon), sum(c.lat) \
             FROM (SELECT p.t_day, p.category, p.lon, p.lat, \
                          event_tile_cell_in(p.lon, p.lat, g.lons, g.lon_k, g.lats, g.lat_k) AS cell \
                   FROM (SELECT e.t_day, e.category, {lon} AS lon, {lat} AS lat \
                         FROM events e WHERE e.deleted = 0 AND e.min_lon IS NOT NULL OFFSET 0) p, \
                        event_tile_grid() g OFFSET 0) c, \
                  (VALUES (1), (30), (360), (3600)) l(days) \
             GROUP BY l.days, b, c.cell, c.category"
        ),
    }
}

/// How a window's events are counted: blocks of the table, and the events starting before or
/// after the whole days those blocks cover, counted from the events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    /// (days, first block, last block) of the table.
    pub counted: Vec<(i64, i64, i64)>,
    /// The events starting before this instant (ms) are counted from the events.
    pub before: Option<i64>,
    /// The events starting at or after this instant (ms) are counted from the events.
    pub after: Option<i64>,
}

/// Whether the table can count the filter: nothing but a window and categories (the table has no
/// status, text, term or place; a box of the caller's own is tested on the events). That is what
/// the count tables of `plan::estimate` hold, and categories besides.
pub fn countable(f: &EventFilter) -> bool {
    !super::is_spatial(f) && super::plan::estimable(&EventFilter { categories: Vec::new(), ..f.clone() })
}

/// The blocks of `[lo, hi)` (days), longest first where they fit.
fn blocks(lo: i64, hi: i64, levels: &[i64], out: &mut Vec<(i64, i64, i64)>) {
    let Some((&d, rest)) = levels.split_first() else { return };
    if lo >= hi {
        return;
    }
    let (first, end) = (lo.div_euclid(d) + i64::from(lo.rem_euclid(d) != 0), hi.div_euclid(d));
    if first >= end {
        return blocks(lo, hi, rest, out);
    }
    blocks(lo, first * d, rest, out);
    out.push((d, first, end - 1));
    blocks(end * d, hi, rest, out);
}

/// The split of the filter's window, or `None` when the table cannot help: the filter is not
/// [`countable`], or the window holds no whole day.
pub fn split(f: &EventFilter) -> Option<Split> {
    if !countable(f) {
        return None;
    }
    // The whole days of the window: every event starting in them matches.
    let (first, last) = super::days::whole_days(f)?;
    let (lo, hi) = (first.unwrap_or(-FAR), last.map_or(FAR, |d| d + 1));
    let mut counted = Vec::new();
    blocks(lo, hi, &LEVELS, &mut counted);
    Some(Split { counted, before: first.map(|d| d * DAY_MS), after: last.map(|d| (d + 1) * DAY_MS) })
}

/// Rows of (column, row, category, count, sum of longitudes, sum of latitudes) of the table's
/// blocks `counted` in tile `t` (zoom [`GRID_ZOOM`] or less), as `tiles::cells` gives them.
pub fn cells(dialect: Dialect, f: &EventFilter, t: &TileId, counted: &[(i64, i64, i64)]) -> Sql {
    assert!(t.z <= GRID_ZOOM, "the grid holds the cells of zoom {GRID_ZOOM} and less");
    let span = 1i64 << (GRID_ZOOM - t.z);
    let (c0, r0) = (i64::from(t.x) * i64::from(CELLS) * span, i64::from(t.y) * i64::from(CELLS) * span);
    let side = i64::from(CELLS) * span;
    let g = i64::from(GRID);
    let mut sql = Sql::new(dialect);
    sql.push("SELECT CAST((cell % ").int(g).push(") / ").int(span).push(" - ").int(c0 / span);
    sql.push(" AS BIGINT), CAST((cell / ").int(g).push(") / ").int(span).push(" - ").int(r0 / span);
    sql.push(
        " AS BIGINT), category, CAST(sum(n) AS BIGINT), sum(sum_lon), sum(sum_lat) FROM event_tile_counts WHERE (",
    );
    for (i, (days, first, last)) in counted.iter().enumerate() {
        if i > 0 {
            sql.push(" OR ");
        }
        sql.push("(days = ").int(*days).push(" AND block >= ").int(*first).push(" AND block <= ").int(*last).push(")");
    }
    sql.push(") AND cell >= ").int(r0 * g).push(" AND cell <= ").int((r0 + side - 1) * g + g - 1);
    sql.push(" AND cell % ").int(g).push(" >= ").int(c0).push(" AND cell % ").int(g).push(" <= ").int(c0 + side - 1);
    if !f.categories.is_empty() {
        sql.push(" AND category IN ").list(f.categories.iter().cloned());
    }
    sql.push(" GROUP BY 1, 2, 3");
    sql
}

/// Tiles of this zoom or less (the world tile) are always counted from the table: a short
/// window over the whole world is a thin slab of time that the space index cannot narrow (at
/// 1,000,000 events, `cargo bench --bench tiles`, the world tile's median was 15 ms through the
/// table and 49 ms when windows under 50,000 events were counted from the events on SQLite; 52
/// against 269 ms on PostgreSQL). Zooms 1 and 2 follow the rule of zooms 3 to 6: their medians
/// were lower from the events than through the table in every run on both backends (SQLite
/// 16 against 26 ms at zoom 1; PostgreSQL 42–73 against 51–148 ms at zoom 1 and 12–44 against
/// 23–93 at zoom 2, three runs at loads 7 to 17), while their widest windows, which the table
/// serves best, pass [`TABLE_MIN_EVENTS`].
pub const TABLE_ALWAYS_ZOOM: u8 = 0;

/// Closer in, the live events starting in a window from which a tile is counted from the table
/// whatever share of all events they are: below it, the few events of the window cost about as
/// little as the table's rows (zooms 3 to 6 at 1,000,000 events: 0.6–3.7 ms at the median
/// either way).
pub const TABLE_MIN_EVENTS: u64 = 10_000;

/// The share of all live events from which a window is counted from the table however few
/// events the store holds (all time always is).
pub const TABLE_MIN_SHARE: f64 = 0.05;

/// Whether a tile of zoom `z` with a window of `window` live events among `all` is counted from
/// the table.
pub fn table_pays(z: u8, window: u64, all: u64) -> bool {
    (0..=TABLE_ALWAYS_ZOOM).contains(&z)
        || window >= TABLE_MIN_EVENTS
        || (window > 0 && window as f64 >= all as f64 * TABLE_MIN_SHARE)
}

/// Whether tile `t` of filter `f` may be counted from the table: then the caller counts the
/// events of the window and of all time (`plan::window_count`) and gives them to [`queries`].
pub fn wants_window(f: &EventFilter, t: &TileId) -> bool {
    t.z <= GRID_ZOOM && split(f).is_some()
}

/// The queries whose rows, added up by cell and category, are the cells of tile `t`: from the
/// table and the events where it helps (`window`: the live events of the window and of all
/// time, where [`table_pays`]), from the events alone otherwise.
pub fn queries(dialect: Dialect, f: &EventFilter, t: &TileId, window: Option<(u64, u64)>) -> Vec<Sql> {
    let many = window.is_some_and(|(w, all)| table_pays(t.z, w, all));
    let Some(split) = split(f).filter(|_| t.z <= GRID_ZOOM && many) else {
        return vec![super::tiles::cells(dialect, f, t, None, None)];
    };
    let mut out = Vec::with_capacity(3);
    if !split.counted.is_empty() {
        out.push(cells(dialect, f, t, &split.counted));
    }
    if let Some(ms) = split.before {
        out.push(super::tiles::cells(dialect, f, t, None, Some(ms)));
    }
    if let Some(ms) = split.after {
        out.push(super::tiles::cells(dialect, f, t, Some(ms), None));
    }
    out
}

/// Adds up rows of several queries by cell and category, leaving out empty cells (a count the
/// triggers took back down to 0).
pub fn merge(rows: Vec<crate::domain::tile::CellCount>) -> Vec<crate::domain::tile::CellCount> {
    let mut by: std::collections::BTreeMap<(u32, u32, String), crate::domain::tile::CellCount> = Default::default();
    for r in rows {
        match by.entry((r.column, r.row, r.category.clone())) {
            std::collections::btree_map::Entry::Vacant(v) => {
                v.insert(r);
            }
            std::collections::btree_map::Entry::Occupied(mut o) => {
                let c = o.get_mut();
                c.count += r.count;
                c.sum_lon += r.sum_lon;
                c.sum_lat += r.sum_lat;
            }
        }
    }
    by.into_values().filter(|c| c.count > 0).collect()
}

#[cfg(test)]
#[path = "tile_counts_tests.rs"]
mod tests;
