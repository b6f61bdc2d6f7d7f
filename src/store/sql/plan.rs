//! How a page of a box is found, chosen per query from cheap counts (issue 20): the SQL of the
//! counts (a probe of the space index, the events of a time window, an estimate of a box's
//! events) and the choice itself. Both backends ask the same questions in their own dialect.
//!
//! A box query can start from two places. The space index (SQLite's R*Tree, PostgreSQL's
//! space-time GiST) yields every event in the box and window, which are then sorted: its cost
//! grows with the matches, `m`. The time index, walked newest first with the box tested on each
//! entry (the index holds the envelope, so no row is read), stops when the page is full: its cost
//! grows with the entries walked, about `limit × n / m` for `n` events in the window. The walk
//! wins when `m² > limit × n × WALK_COST`, where `WALK_COST` is the cost of a walked entry against
//! that of a sorted match; the probe counts the space index's candidates only up to that point,
//! so it never costs more than the cheaper plan.

#[cfg(test)]
use super::Bind;
use super::{Dialect, Sql, is_spatial};
use crate::domain::EventFilter;
use crate::domain::filter::{BBox, PageRequest, Sort, day_of};

/// The cost of walking one entry of the time index against that of fetching and sorting one
/// candidate of the space index (about 0.15 µs against 1.5 µs on SQLite, measured by
/// `cargo bench --bench eventmap`, window classes).
pub const WALK_COST: f64 = 0.1;

/// The number of matches up to which `numberMatched` is counted exactly by default.
pub const EXACT_BOUND: u64 = 10_000;

/// Where a box query starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plan {
    /// From the space index (or whatever `store::sql` picks for the filter), counting every
    /// match in the same pass.
    Index,
    /// Walking the time index in the requested order, testing the box, stopping at the page.
    Walk,
    /// Walking the time index in the requested order, testing each event against the text
    /// index, stopping at the page (a common word, SQLite).
    TextWalk,
}

/// The cost of testing one walked event against the text index against that of collecting one
/// match of the text index (a seek in each word's list against a step along it).
pub const TEXT_TEST_COST: f64 = 20.0;

/// Whether a text search may be answered by walking the time index: only a text and a time
/// window (any other filter starts from its own index), sorted by start.
pub fn walkable_text(f: &EventFilter) -> bool {
    f.q.is_some()
        && !is_spatial(f)
        && f.place.is_none()
        && f.countries.is_empty()
        && f.admin1.is_empty()
        && f.tags.is_empty()
        && f.actors.is_empty()
        && f.source_domains.is_empty()
        && f.updated_since.is_none()
        && !f.include_deleted
}

/// The number of text matches above which testing each walked event is cheaper than collecting
/// every match, for a page of `limit` among `events` events.
pub fn text_threshold(limit: u32, events: u64) -> u64 {
    ((f64::from(limit.max(1)) * events as f64 * TEXT_TEST_COST).sqrt().ceil() as u64).max(1)
}

/// One number: the text index's matches for the filter's words, counted up to `cap` (SQLite).
pub fn fts_probe(f: &EventFilter, cap: u64) -> Option<Sql> {
    let terms = super::search_terms(f.q.as_deref()?);
    if terms.is_empty() {
        return None;
    }
    let mut sql = Sql::new(Dialect::Sqlite);
    sql.push("SELECT count(*) FROM (SELECT 1 FROM events_fts WHERE events_fts MATCH ").str(super::fts_match(&terms));
    sql.push(" LIMIT ").int(cap as i64).push(") c");
    Some(sql)
}

/// Whether a filter and page may be answered by the walk: a box (not the world) and a time
/// window or none, sorted by start, with no filter that the time index cannot test (a term, a
/// text, a radius, a place: those start from their own index, as before).
pub fn walkable(f: &EventFilter, page: &PageRequest) -> bool {
    f.bbox.as_ref().is_some_and(|b| !b.is_world())
        && matches!(page.sort, Sort::StartAsc | Sort::StartDesc)
        && f.near.is_none()
        && f.place.is_none()
        && f.countries.is_empty()
        && f.admin1.is_empty()
        && f.tags.is_empty()
        && f.actors.is_empty()
        && f.source_domains.is_empty()
        && f.q.is_none()
        && f.updated_since.is_none()
        && !f.include_deleted
        && f.geometry_types.is_empty()
        && f.fatalities_min.is_none()
}

/// The number of space-index candidates above which the walk is cheaper, for a page of `limit`
/// in a window of `window` events.
pub fn walk_threshold(limit: u32, window: u64) -> u64 {
    ((f64::from(limit.max(1)) * window as f64 * WALK_COST).sqrt().ceil() as u64).max(1)
}

/// The plan for a box whose space index holds `candidates` (counted up to [`walk_threshold`]).
pub fn choose(limit: u32, window: u64, candidates: u64) -> Plan {
    if candidates >= walk_threshold(limit, window) { Plan::Walk } else { Plan::Index }
}

/// The first and last day of the filter's window (open ends far away).
fn days(f: &EventFilter) -> (i64, i64) {
    // An event that started before the window but lasts into it is on an earlier day; the count
    // of a window is an estimate of the events to walk, so it need not be exact.
    let from = f.start.map_or(i64::MIN / 4, |t| day_of(t.timestamp_millis()));
    let to = f.end.map_or(i64::MAX / 4, |t| day_of(t.timestamp_millis()));
    (from, to)
}

/// One row: the live events whose start lies on a day of the window, and all live events, from
/// `event_days`.
pub fn window_count(dialect: Dialect, f: &EventFilter) -> Sql {
    let (from, to) = days(f);
    let mut sql = Sql::new(dialect);
    let cast = if dialect == Dialect::Postgres { "::bigint" } else { "" };
    sql.push("SELECT coalesce(sum(n) FILTER (WHERE t_day >= ")
        .int(from)
        .push(" AND t_day <= ")
        .int(to)
        .push(&format!("), 0){cast}, coalesce(sum(n), 0){cast} FROM event_days"));
    sql
}

/// One number: the space index's candidates for the filter's box and window, counted up to
/// `cap` (the box must not be the world).
pub fn probe(dialect: Dialect, f: &EventFilter, cap: u64) -> Sql {
    let mut sql = Sql::new(dialect);
    let b = f.bbox.expect("a box");
    sql.push("SELECT count(*) FROM (");
    match dialect {
        Dialect::Sqlite => {
            for (i, b) in b.split().iter().enumerate() {
                if i > 0 {
                    sql.push(" UNION ALL ");
                }
                super::rtree_select(&mut sql, b, f);
            }
        }
        Dialect::Postgres => {
            sql.push("SELECT 1 FROM events e WHERE e.deleted = 0 AND (");
            for (i, b) in b.split().iter().enumerate() {
                if i > 0 {
                    sql.push(" OR ");
                }
                super::space_time_overlaps(&mut sql, b, f);
            }
            sql.push(")");
        }
    }
    sql.push(" LIMIT ").int(cap as i64).push(") c");
    sql
}

/// One number: the estimated matches of a box and window, from the events per cell of the box
/// (a cell on the box's edge counted by the part of it inside) times the share of all events
/// that the window holds. Space and time are taken as independent: an estimate, marked so.
pub fn estimate(dialect: Dialect, f: &EventFilter) -> Sql {
    let (from, to) = days(f);
    let mut sql = Sql::new(dialect);
    let (lo, hi, real) = match dialect {
        Dialect::Sqlite => ("max", "min", "1.0 * "),
        Dialect::Postgres => ("greatest", "least", "1.0::float8 * "),
    };
    sql.push("SELECT coalesce((SELECT ").push(real).push("sum(n) FROM event_days WHERE t_day >= ").int(from);
    sql.push(" AND t_day <= ").int(to).push(") / nullif((SELECT sum(n) FROM event_days), 0), 0) * (");
    let boxes = f.bbox.map_or_else(|| vec![BBox::parse("-180,-90,180,90").expect("world")], |b| b.split());
    for (i, b) in boxes.iter().enumerate() {
        if i > 0 {
            sql.push(" + ");
        }
        let (row_lo, row_hi) = ((b.min_lat + 90.0).floor() as i64, ((b.max_lat + 90.0).floor() as i64).min(179));
        // The cell's corner is (cell % 360 - 180, cell / 360 - 90).
        let corner = |sql: &mut Sql, axis: &str| {
            match (dialect, axis) {
                (Dialect::Sqlite, "lon") => sql.push("(cell % 360 - 180)"),
                (Dialect::Sqlite, _) => sql.push("(cell / 360 - 90)"),
                (Dialect::Postgres, "lon") => sql.push("(cell % 360 - 180)::float8"),
                (Dialect::Postgres, _) => sql.push("(cell / 360 - 90)::float8"),
            };
        };
        sql.push("coalesce((SELECT sum(n * ").push(lo).push("(0, ").push(hi).push("(");
        corner(&mut sql, "lon");
        sql.push(" + 1, ").real(b.max_lon).push(") - ").push(lo).push("(");
        corner(&mut sql, "lon");
        sql.push(", ").real(b.min_lon).push(")) * ").push(lo).push("(0, ").push(hi).push("(");
        corner(&mut sql, "lat");
        sql.push(" + 1, ").real(b.max_lat).push(") - ").push(lo).push("(");
        corner(&mut sql, "lat");
        sql.push(", ").real(b.min_lat).push("))) FROM event_cells WHERE cell >= ").int(row_lo * 360);
        sql.push(" AND cell <= ").int(row_hi * 360 + 359).push("), 0)");
    }
    sql.push(")");
    sql
}

/// Whether the filter keeps only what the count tables describe (a box, a window, or neither),
/// so that [`estimate`] applies.
pub fn estimable(f: &EventFilter) -> bool {
    let page = PageRequest { sort: Sort::StartDesc, ..PageRequest::default() };
    (walkable(f, &page) || !is_spatial(f))
        && f.near.is_none()
        && f.place.is_none()
        && f.categories.is_empty()
        && f.statuses.is_empty()
        && f.countries.is_empty()
        && f.admin1.is_empty()
        && f.tags.is_empty()
        && f.actors.is_empty()
        && f.source_domains.is_empty()
        && f.q.is_none()
        && f.updated_since.is_none()
        && !f.include_deleted
        && f.geometry_types.is_empty()
        && f.fatalities_min.is_none()
}

/// Binds of a probe, for tests.
#[cfg(test)]
fn ints(sql: &Sql) -> Vec<i64> {
    sql.binds.iter().filter_map(|b| if let Bind::Int(v) = b { Some(*v) } else { None }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_walk_is_chosen_when_the_box_holds_many_of_the_windows_events() {
        // 1,000,000 events in the window, a page of 1,000: the walk pays from 10,000 candidates.
        assert_eq!(walk_threshold(1000, 1_000_000), 10_000);
        assert_eq!(choose(1000, 1_000_000, 9_999), Plan::Index);
        assert_eq!(choose(1000, 1_000_000, 10_000), Plan::Walk);
        // An empty store never walks for nothing: one candidate is already the threshold.
        assert_eq!(walk_threshold(10, 0), 1);
    }

    #[test]
    fn a_probe_counts_candidates_only_up_to_its_cap() {
        let f = EventFilter { bbox: Some(BBox::parse("170,-20,-170,-10").unwrap()), ..Default::default() };
        let s = probe(Dialect::Sqlite, &f, 77);
        assert!(s.text.contains("UNION ALL") && s.text.ends_with("LIMIT ?) c"), "{}", s.text);
        assert_eq!(ints(&s), vec![77]);
        let p = probe(Dialect::Postgres, &f, 77);
        assert!(p.text.contains(" OR ") && p.text.contains("&&&"), "{}", p.text);
    }
}
