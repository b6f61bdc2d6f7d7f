//! A sure lower bound of a box's matches from `event_tile_counts` (issue 20): the live events
//! whose position lies in a cell of the grid wholly inside the box and whose start lies on a
//! whole day of the window. Each of them matches (its position is a point of its envelope, so
//! the envelope meets the box; it starts within the window), so when they alone pass the bound
//! of an exact `numberMatched`, counting the box on the R*Tree to the bound is work thrown away.

use std::sync::LazyLock;

use crate::domain::EventFilter;
use crate::domain::filter::BBox;

use super::tile_counts::{GRID, grid_edges, split};
use super::{Dialect, Sql};

/// The grid's edges, `GRID + 1` a side: `lons[k]` the west side of column `k` and `lats[k]` the
/// north side of row `k`, with the world's own edges outermost (column 0 holds everything west
/// of `lons[1]`, row 0 everything north of `lats[1]`, and so on: positions are never outside the
/// world).
struct Edges {
    lons: Vec<f64>,
    lats: Vec<f64>,
}

static EDGES: LazyLock<Edges> = LazyLock::new(|| {
    let n = GRID as usize;
    let (mut lons, mut lats) = (vec![-180.0; n + 1], vec![90.0; n + 1]);
    (lons[n], lats[n]) = (180.0, -90.0);
    for (axis, edge, k) in grid_edges() {
        if axis == 0 { lons[k as usize] = edge } else { lats[k as usize] = edge }
    }
    Edges { lons, lats }
});

/// Columns and rows of cells, each as (first, last).
type Cells = ((u32, u32), (u32, u32));

/// The columns and rows (first, last) of the cells wholly inside a box that does not cross the
/// antimeridian, or `None` when no cell is: every position a cell can hold lies in the box.
fn cells_inside(b: &BBox) -> Option<Cells> {
    let e = &*EDGES;
    let n = GRID as usize;
    let cols = first_last((0..n).filter(|&k| e.lons[k] >= b.min_lon && e.lons[k + 1] <= b.max_lon))?;
    let rows = first_last((0..n).filter(|&k| e.lats[k + 1] >= b.min_lat && e.lats[k] <= b.max_lat))?;
    Some((cols, rows))
}

/// The first and last of a run of indexes, if any.
fn first_last(mut it: impl Iterator<Item = usize>) -> Option<(u32, u32)> {
    let first = it.next()?;
    Some((first as u32, it.last().unwrap_or(first) as u32))
}

/// The shortest blocks [`lower_bound`] asks for, in days.
const SHORTEST: i64 = 30;

/// The first and last block of each level that a split counts, ends open where the window is:
/// `(days, first, last)` as [`split`] gives them.
type Blocks = Vec<(i64, i64, i64)>;

/// Whether [`lower_bound`] can say anything of the filter: a box (not the world, not across the
/// antimeridian) holding a cell of the grid, a window holding a whole block of 30 days (or none),
/// and nothing else (`plan::estimable`: the estimate the bound stands beside has no category).
pub fn bounds(f: &EventFilter) -> bool {
    sure_cells(f).is_some()
}

/// One number: the live events of the filter's box and window counted by the table for the
/// cells wholly inside the box and the blocks of 30 days or more that the window's whole days
/// hold, or `None` when the table cannot say ([`bounds`]). Blocks of a day are left out: they
/// are the ends of a window, each asked once for every row of cells, and a window of days alone
/// rarely passes the bound. Each row of cells is asked by its key (days, block, first and last
/// cell of the row), so the rows read are those of the box, not of the band of latitudes it
/// spans. `days` is the first and last day holding live events (`plan::span`), which close an
/// open end of the window.
pub fn lower_bound(dialect: Dialect, f: &EventFilter, days: (i64, i64)) -> Option<Sql> {
    let (blocks, ((c0, c1), (r0, r1))) = sure_cells(f)?;
    let g = i64::from(GRID);
    let cast = if dialect == Dialect::Postgres { "::bigint" } else { "" };
    let mut sql = Sql::new(dialect);
    sql.push(&format!("SELECT 0{cast}"));
    for (level, first, last) in blocks {
        // Only the blocks holding the days that hold events: an open end is far away.
        let (lo, hi) = (first.max(days.0.div_euclid(level)), last.min(days.1.div_euclid(level)));
        if lo > hi {
            continue;
        }
        sql.push(" + (WITH RECURSIVE r(k) AS (SELECT ").int(i64::from(r0));
        sql.push(" UNION ALL SELECT k + 1 FROM r WHERE k < ").int(i64::from(r1));
        // CROSS JOIN: SQLite takes the rows first (else it read every cell of each block).
        sql.push(") SELECT coalesce(sum(t.n), 0) FROM r CROSS JOIN event_tile_counts t WHERE t.days = ").int(level);
        sql.push(" AND t.block IN (");
        for (i, block) in (lo..=hi).enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.int(block);
        }
        sql.push(&format!(") AND t.cell >= r.k * {g} + ")).int(i64::from(c0));
        sql.push(&format!(" AND t.cell <= r.k * {g} + ")).int(i64::from(c1));
        sql.push(&format!("){cast}"));
    }
    Some(sql)
}

/// The blocks and the cells inside the box that [`lower_bound`] counts, when there are any.
fn sure_cells(f: &EventFilter) -> Option<(Blocks, Cells)> {
    if !super::plan::estimable(f) {
        return None;
    }
    let boxes = f.bbox.filter(|b| !b.is_world())?.split();
    let [b] = boxes.as_slice() else { return None };
    let split = split(&EventFilter { bbox: None, ..f.clone() })?;
    let blocks: Blocks = split.counted.into_iter().filter(|&(days, ..)| days >= SHORTEST).collect();
    if blocks.is_empty() {
        return None;
    }
    Some((blocks, cells_inside(b)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::time::parse_instant;

    fn filter(bbox: &str, start: Option<&str>, end: Option<&str>) -> EventFilter {
        let at = |s: &str| parse_instant(s).unwrap().at;
        EventFilter {
            bbox: Some(BBox::parse(bbox).unwrap()),
            start: start.map(at),
            end: end.map(at),
            ..Default::default()
        }
    }

    #[test]
    fn the_cells_inside_a_box_lie_wholly_in_it_and_their_neighbours_do_not() {
        let e = &*EDGES;
        for bbox in ["30,30,40,40", "-10.3,-5.2,12.7,20.1", "-180,-90,-170,-80", "170,80,180,90", "0,0,2,2"] {
            let b = BBox::parse(bbox).unwrap();
            let ((c0, c1), (r0, r1)) = cells_inside(&b).unwrap();
            let (c0, c1, r0, r1) = (c0 as usize, c1 as usize, r0 as usize, r1 as usize);
            assert!(e.lons[c0] >= b.min_lon && e.lons[c1 + 1] <= b.max_lon, "{bbox}");
            assert!(e.lats[r1 + 1] >= b.min_lat && e.lats[r0] <= b.max_lat, "{bbox}");
            // One more column or row either side would leave the box.
            assert!(c0 == 0 || e.lons[c0 - 1] < b.min_lon, "{bbox}");
            assert!(c1 + 1 == GRID as usize || e.lons[c1 + 2] > b.max_lon, "{bbox}");
            assert!(r0 == 0 || e.lats[r0 - 1] > b.max_lat, "{bbox}");
            assert!(r1 + 1 == GRID as usize || e.lats[r1 + 2] < b.min_lat, "{bbox}");
        }
        // A box narrower than a cell holds none.
        assert_eq!(cells_inside(&BBox::parse("10,10,10.5,10.5").unwrap()), None);
    }

    #[test]
    fn a_bound_asks_each_block_by_its_key_and_needs_a_box_and_a_whole_day() {
        let days = (16_000, 20_000);
        let none = |f: &EventFilter| !bounds(f) && lower_bound(Dialect::Sqlite, f, days).is_none();
        let all = filter("30,30,40,40", None, None);
        let sql = lower_bound(Dialect::Sqlite, &all, days).unwrap();
        // All time: the blocks of 3,600 days holding days 16,000 to 20,000.
        assert!(sql.text.contains("t.days = ? AND t.block IN (?, ?)"), "{}", sql.text);
        let year = filter("30,30,40,40", Some("2020-01-01T00:00:00Z"), Some("2020-12-31T23:59:59.999Z"));
        let sql = lower_bound(Dialect::Postgres, &year, days).unwrap();
        // Blocks of 30 days (2020-01-01 is day 18,262) and no blocks of one day.
        assert_eq!(sql.text.matches("CROSS JOIN event_tile_counts").count(), 1, "{}", sql.text);
        assert!(!sql.text.contains(" OR "), "{}", sql.text);
        // Under 30 days: nothing to say.
        let week = filter("30,30,40,40", Some("2020-01-01T00:00:00Z"), Some("2020-01-07T23:59:59.999Z"));
        assert!(none(&week));
        // Under a day, across the antimeridian, the world, a text: the table cannot say.
        let hour = filter("30,30,40,40", Some("2020-01-01T10:00:00Z"), Some("2020-01-01T11:00:00Z"));
        assert!(none(&hour));
        assert!(none(&filter("170,0,-170,10", None, None)));
        assert!(none(&filter("-180,-90,180,90", None, None)));
        assert!(none(&filter("10,10,10.5,10.5", None, None)));
        assert!(none(&EventFilter { q: Some("convoy".into()), ..all.clone() }));
        assert!(none(&EventFilter { categories: vec!["protest".into()], ..all }));
    }
}
