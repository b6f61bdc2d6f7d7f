//! How a page of a box is found, chosen per query from cheap counts (issue 20): the SQL of the
//! counts (a probe of the space index, the events of a time window, an estimate of a box's
//! events) and the choice itself. Both backends ask the same questions in their own dialect.
//!
//! A box query can start from three places. The space index (SQLite's R*Tree, PostgreSQL's
//! space-time GiST) yields every event in the box and window, which are then sorted: the index
//! plan, whose cost grows with the matches `m`, and which counts them in the same pass. The
//! same index asked one slice of start times at a time, newest first, each slice sorted, until
//! the page is full: the slices plan, whose cost grows with the page. The time index, walked
//! newest first with the box tested on each entry (the index holds the envelope, so no row is
//! read), stopping when the page is full: the walk, whose cost grows with the entries walked,
//! about `limit × n / m` for `n` events in the window, so it pays when the box holds a good
//! share of the window. The probe counts the space index's candidates only up to a few pages
//! ([`index_cap`]), so it never costs more than the index plan would; beyond, the count tables
//! say which share of the window the box holds.

use std::borrow::Cow;

#[cfg(test)]
use super::Bind;
use super::{Dialect, Gist, Sql, is_spatial};
use crate::domain::EventFilter;
use crate::domain::filter::{BBox, PageRequest, Sort, day_of};

/// Up to this many times the page's rows (`limit + 1`) in the space index, the index plan
/// collects and sorts them all (and counts them in the same pass); beyond, the slices plan or
/// the walk is cheaper.
pub const INDEX_ROWS: u64 = 4;

/// The share of the window's events in the box from which walking the time index costs less
/// than asking the space index slice by slice: a walked entry against a fetched and sorted
/// candidate.
pub const WALK_SHARE: f64 = 0.05;

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
    /// Asking the space index for one slice of start times after another, newest first, each
    /// sorted, until the page is full ([`super::slices`]): run as [`Plan::Slice`] queries.
    Slices,
    /// One slice `[from, to)` of start times (ms) of [`Plan::Slices`].
    Slice { from: i64, to: i64 },
    /// Walking the time index in the requested order, testing each event against the text
    /// index, stopping at the page (a common word, SQLite).
    TextWalk,
}

/// The filter of a query by `how`: for one slice `[from, to)` of start times, its time window
/// narrowed to the slice, so that the space index is asked for the slice alone (an event
/// starting in the slice ends in or after it; [`super::list_planned`] adds the exact bounds on
/// the start); the filter itself otherwise.
pub fn narrowed(f: &EventFilter, how: Plan) -> Cow<'_, EventFilter> {
    let Plan::Slice { from, to } = how else {
        return Cow::Borrowed(f);
    };
    let start = f.start.map_or(from, |s| s.timestamp_millis().max(from));
    let end = f.end.map_or(to - 1, |e| e.timestamp_millis().min(to - 1));
    Cow::Owned(EventFilter {
        start: chrono::DateTime::from_timestamp_millis(start),
        end: chrono::DateTime::from_timestamp_millis(end),
        ..f.clone()
    })
}

/// One row: the first and last day holding live events and the longest interval of any event
/// ([`super::slices::Span`]). Each day is found by the table's key, from either end: an
/// aggregate over the table read every day (0.24 ms at 4,000 days, on every sliced page).
pub fn span(dialect: Dialect) -> Sql {
    let mut sql = Sql::new(dialect);
    let cast = if dialect == Dialect::Postgres { "::bigint" } else { "" };
    let day = |dir: &str| format!("(SELECT t_day FROM event_days WHERE n > 0 ORDER BY t_day {dir} LIMIT 1)");
    sql.push(&format!(
        "SELECT coalesce({}, 0){cast}, coalesce({}, -1){cast}, \
         (SELECT value FROM meta WHERE key = 'max_duration_ms'){cast}",
        day("ASC"),
        day("DESC")
    ));
    sql
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

/// Whether the text index (with the events at the places the text names) and the count of the
/// categories alone say how many events a text search matches: nothing else filters but a time
/// window, categories and statuses ([`walkable_text`] lets a walk test fatalities and geometry
/// types on each event; a count cannot). Without a window or category the count is the text
/// index's (its sample's, with statuses read from each sampled event), since a deletion takes
/// its event out of it; with them it is an estimate: that count times the window's and the
/// categories' shares of all events (taken as independent).
pub fn text_counted(f: &EventFilter) -> bool {
    walkable_text(f) && f.fatalities_min.is_none() && f.geometry_types.is_empty()
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

/// The space-index candidates to count for the choice of a page of `limit`: up to
/// [`INDEX_ROWS`] times its rows.
pub fn index_cap(limit: u32) -> u64 {
    (u64::from(limit) + 1) * INDEX_ROWS
}

/// The plan for a box whose space index holds `candidates` (counted up to [`index_cap`]), and
/// the matches expected; `window` gives the window's events ([`window_events`]) and `estimate`
/// the box's matches from the count tables, both asked only when the index plan is out.
pub fn choose<E>(
    limit: u32,
    window: impl FnOnce() -> Result<u64, E>,
    candidates: u64,
    estimate: impl FnOnce() -> Result<f64, E>,
) -> Result<(Plan, f64), E> {
    if candidates < index_cap(limit) {
        return Ok((Plan::Index, candidates as f64));
    }
    let matches = estimate()?.max(candidates as f64);
    Ok((if matches >= WALK_SHARE * window()? as f64 { Plan::Walk } else { Plan::Slices }, matches))
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

/// One number: the live events whose start lies on a day of the window, from `event_days` by
/// its key (the first column of [`window_count`], without the sum of every day's events that
/// the second needs).
pub fn window_events(dialect: Dialect, f: &EventFilter) -> Sql {
    let (from, to) = days(f);
    let mut sql = Sql::new(dialect);
    let cast = if dialect == Dialect::Postgres { "::bigint" } else { "" };
    sql.push("SELECT coalesce(sum(n), 0)").push(cast).push(" FROM event_days WHERE t_day >= ").int(from);
    sql.push(" AND t_day <= ").int(to);
    sql
}

/// One number: the space index's candidates for the filter's box and window, counted up to
/// `cap` (the box must not be the world); `gist` says where PostgreSQL finds them.
pub fn probe(dialect: Dialect, f: &EventFilter, cap: u64, gist: Gist) -> Sql {
    let mut sql = Sql::new(dialect);
    let b = f.bbox.expect("a box");
    sql.push("SELECT count(*) FROM (");
    match dialect {
        Dialect::Sqlite => {
            for (i, b) in b.split().iter().enumerate() {
                if i > 0 {
                    sql.push(" UNION ALL ");
                }
                super::rtree_select(&mut sql, b, f, " UNION ALL ");
            }
        }
        Dialect::Postgres => {
            sql.push("SELECT 1 FROM ");
            candidates(&mut sql, f, gist);
        }
    }
    sql.push(" LIMIT ").int(cap as i64).push(") c");
    sql
}

/// Appends the live events that are candidates for the box of `f` (PostgreSQL): the union of
/// two indexes where `gist` splits `f`, else `events e WHERE e.deleted = 0 AND (…)`, the box in
/// its GiST index.
fn candidates(sql: &mut Sql, f: &EventFilter, gist: Gist) {
    sql.split = gist.splits(f);
    super::gist::source(sql, f);
    if sql.split {
        return;
    }
    sql.push(" WHERE e.deleted = 0 AND (");
    for (i, b) in f.bbox.expect("a box").split().iter().enumerate() {
        if i > 0 {
            sql.push(" OR ");
        }
        super::space_time_overlaps(sql, b, f);
    }
    sql.push(")");
}

/// One row (PostgreSQL): the space-time index's candidates for the filter's box and window,
/// counted up to `cap`, and how many of them match the whole filter (for [`walkable`] filters):
/// below `cap` the second is the exact count. One scan of the index where a probe and a bounded
/// count made two (9–14 ms each for a 0.5° box over a year at 1,000,000 events: the index's
/// three-dimensional boxes are compared page by page, whatever few events match).
pub fn probe_counted(f: &EventFilter, cap: u64, gist: Gist) -> Sql {
    let mut sql = Sql::new(Dialect::Postgres);
    sql.push("SELECT count(*), count(*) FILTER (WHERE true");
    // The exact tests alone: the index's own condition chose the candidates.
    sql.walk = true;
    super::live_conditions(&mut sql, f);
    sql.walk = false;
    sql.push(") FROM (SELECT e.seq, e.t_start, e.t_max, e.t_day, e.min_lon, e.max_lon, e.min_lat, e.max_lat, ");
    sql.push("e.category, e.status FROM ");
    candidates(&mut sql, f, gist);
    sql.push(" LIMIT ").int(cap as i64).push(") e");
    sql
}

/// One number: the events of the filter's box (not the world) starting in the slice
/// `[from, to)` of start times (ms), counted on SQLite's R*Trees alone up to `cap`, for
/// [`super::slices::Slices::crowded`]. Only starts are counted (the R*Tree's `min_t`, in days):
/// an event that started before the slice and lasts into it belongs to an earlier one, and
/// counting it would call every slice crowded while long events overlap it. The bounds are
/// those of the R*Tree's single-precision days (minutes apart), enough for an estimate.
pub fn slice_probe(f: &EventFilter, from: i64, to: i64, cap: u64) -> Sql {
    let b = f.bbox.expect("a box");
    let mut sql = Sql::new(Dialect::Sqlite);
    sql.push("SELECT count(*) FROM (");
    let mut first = true;
    for b in b.split() {
        for tree in ["events_rtree", "events_rtree_wide"] {
            if !first {
                sql.push(" UNION ALL ");
            }
            first = false;
            sql.push(&format!("SELECT 1 FROM {tree} WHERE max_x >= ")).real(b.min_lon);
            sql.push(" AND min_x <= ").real(b.max_lon).push(" AND max_y >= ").real(b.min_lat);
            sql.push(" AND min_y <= ").real(b.max_lat);
            sql.push(" AND min_t >= ").real(from as f64 / 86_400_000.0);
            sql.push(" AND min_t < ").real(to as f64 / 86_400_000.0);
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
    let real = if dialect == Dialect::Postgres { "1.0::float8 * " } else { "1.0 * " };
    sql.push("SELECT coalesce((SELECT ").push(real).push("sum(n) FROM event_days WHERE t_day >= ").int(from);
    sql.push(" AND t_day <= ").int(to).push(") / nullif((SELECT sum(n) FROM event_days), 0), 0) * (");
    cells(&mut sql, f);
    sql.push(")");
    sql
}

/// One number: the events of the filter's box over all time, estimated from the events per
/// cell as [`estimate`] does (PostgreSQL's choice of [`Gist`]).
pub fn box_events(dialect: Dialect, f: &EventFilter) -> Sql {
    let mut sql = Sql::new(dialect);
    sql.push("SELECT ");
    cells(&mut sql, f);
    sql
}

/// Appends the sum over the box's cells of their events, each cell counted by the part of it
/// inside the box.
fn cells(sql: &mut Sql, f: &EventFilter) {
    let dialect = sql.dialect;
    let (lo, hi) = match dialect {
        Dialect::Sqlite => ("max", "min"),
        Dialect::Postgres => ("greatest", "least"),
    };
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
        corner(sql, "lon");
        sql.push(" + 1, ").real(b.max_lon).push(") - ").push(lo).push("(");
        corner(sql, "lon");
        sql.push(", ").real(b.min_lon).push(")) * ").push(lo).push("(0, ").push(hi).push("(");
        corner(sql, "lat");
        sql.push(" + 1, ").real(b.max_lat).push(") - ").push(lo).push("(");
        corner(sql, "lat");
        sql.push(", ").real(b.min_lat).push("))) FROM event_cells WHERE cell >= ").int(row_lo * 360);
        sql.push(" AND cell <= ").int(row_hi * 360 + 359).push("), 0)");
    }
}

/// How far a bound may be from a value stored in SQLite's R*Tree, whose single-precision
/// coordinates are rounded outwards (by at most about 2.4e-7 of the value): a stored value this
/// far inside a bound is inside it exactly.
fn rtree_margin(v: f64) -> f64 {
    v.abs() * 1e-6 + 1e-30
}

/// One number: the matches of a box and window counted exactly up to `cap`, from SQLite's
/// R*Tree alone: an entry whose stored box lies a margin (`rtree_margin`) inside every bound matches
/// for sure; only those near a bound are looked up in `events` and tested exactly. `None` when
/// the filter holds more than a box and a window, or its box crosses the antimeridian (an event
/// could be a candidate of both halves).
///
/// The sure entries of both trees are asked by their own constraints, which the R*Tree tests
/// while it descends (a large window reaches `cap` there); then, in one more pass over each tree,
/// the entries within the bounds that are not sure, each looked up. A pass costs the nodes it
/// visits, and a tree grown by inserts has nodes thin in time and wide in space, so that a small
/// box over all time visits most of them whatever it matches: the earlier form, a band near
/// each bound asked apart, took five passes a tree where this takes two (a 0.5° box over all
/// time at 1,000,000 events, 6,569 matches, 28 → 13 ms; a 10° box over a year 3.2 → 2.7 ms).
pub fn rtree_count(f: &EventFilter, cap: u64) -> Option<Sql> {
    let boxes = f.bbox.filter(|b| !b.is_world())?.split();
    if !estimable(f) || boxes.len() != 1 {
        return None;
    }
    let b = boxes[0];
    let days = |t: Option<chrono::DateTime<chrono::Utc>>| t.map(|t| t.timestamp_millis() as f64 / 86_400_000.0);
    let (from, to) = (days(f.start), days(f.end));
    // The bounds, each as (column, whether the entry must be at or above it, the bound).
    let mut bounds = vec![("max_x", true, b.min_lon), ("min_x", false, b.max_lon)];
    bounds.extend([("max_y", true, b.min_lat), ("min_y", false, b.max_lat)]);
    bounds.extend(from.map(|t| ("max_t", true, t)));
    bounds.extend(to.map(|t| ("min_t", false, t)));
    // A bound as a condition, moved inwards by its margin or not.
    let inside = |sql: &mut Sql, (column, above, v): (&str, bool, f64), margin: bool| {
        let m = if margin { rtree_margin(v) } else { 0.0 };
        let op = if above { ">=" } else { "<=" };
        sql.push(&format!(" AND r.{column} {op} ")).real(if above { v + m } else { v - m });
    };
    let trees = ["events_rtree", "events_rtree_wide"];
    let mut parts = 0;
    let mut part = |sql: &mut Sql, tree: &str| {
        sql.push(if parts == 0 { "" } else { " UNION ALL " });
        sql.push(&format!("SELECT 1 FROM {tree} r WHERE true"));
        parts += 1;
    };
    let mut sql = Sql::new(Dialect::Sqlite);
    sql.push("SELECT count(*) FROM (");
    // The sure entries of both trees (their ids are disjoint).
    for tree in trees {
        part(&mut sql, tree);
        for &c in &bounds {
            inside(&mut sql, c, true);
        }
    }
    // The entries within the bounds that are not sure, looked up and tested exactly.
    for tree in trees {
        part(&mut sql, tree);
        for &c in &bounds {
            inside(&mut sql, c, false);
        }
        sql.push(" AND NOT (true");
        for &c in &bounds {
            inside(&mut sql, c, true);
        }
        sql.push(") AND EXISTS (SELECT 1 FROM events e WHERE e.seq = r.id AND e.deleted = 0 AND e.max_lon >= ");
        sql.real(b.min_lon).push(" AND e.min_lon <= ").real(b.max_lon);
        sql.push(" AND e.max_lat >= ").real(b.min_lat).push(" AND e.min_lat <= ").real(b.max_lat);
        if let Some(t) = f.start {
            sql.push(" AND e.t_max >= ").int(t.timestamp_millis());
        }
        if let Some(t) = f.end {
            sql.push(" AND e.t_start <= ").int(t.timestamp_millis());
        }
        sql.push(")");
    }
    sql.push(" LIMIT ").int(cap as i64).push(") c");
    Some(sql)
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
    fn the_index_serves_few_candidates_slices_a_small_share_and_the_walk_a_large_one() {
        let never = || -> Result<f64, ()> { panic!("the estimate is not needed") };
        let no_window = || -> Result<u64, ()> { panic!("the window is not needed") };
        let million = || Ok(1_000_000);
        let plan = |r: Result<(Plan, f64), ()>| r.unwrap().0;
        assert_eq!(index_cap(99), 400);
        assert_eq!(plan(choose(99, no_window, 399, never)), Plan::Index);
        assert_eq!(plan(choose(99, million, 400, || Ok(10_000.0))), Plan::Slices);
        assert_eq!(plan(choose(99, million, 400, || Ok(50_000.0))), Plan::Walk);
        // The candidates counted are matches too, whatever the estimate says.
        assert_eq!(choose(9, || Ok(500), 40, || Ok::<_, ()>(0.0)), Ok((Plan::Walk, 40.0)));
    }

    #[test]
    fn a_slice_probe_counts_starts_in_the_slice_on_both_trees_of_each_half() {
        let f = EventFilter { bbox: Some(BBox::parse("170,-20,-170,-10").unwrap()), ..Default::default() };
        let s = slice_probe(&f, 86_400_000, 2 * 86_400_000, 9);
        assert_eq!(s.text.matches("FROM events_rtree WHERE").count(), 2, "{}", s.text);
        assert_eq!(s.text.matches("FROM events_rtree_wide WHERE").count(), 2, "{}", s.text);
        assert_eq!(s.text.matches("min_t >= ? AND min_t < ?").count(), 4, "{}", s.text);
        assert!(!s.text.contains("max_t"), "an event lasting into the slice is not counted: {}", s.text);
        assert_eq!(ints(&s), vec![9]);
    }

    #[test]
    fn a_probe_counts_candidates_only_up_to_its_cap() {
        let f = EventFilter { bbox: Some(BBox::parse("170,-20,-170,-10").unwrap()), ..Default::default() };
        let s = probe(Dialect::Sqlite, &f, 77, Gist::Whole);
        assert!(s.text.contains("UNION ALL") && s.text.ends_with("LIMIT ?) c"), "{}", s.text);
        assert_eq!(ints(&s), vec![77]);
        let p = probe(Dialect::Postgres, &f, 77, Gist::Whole);
        assert!(
            p.text.contains(" OR ")
                && p.text.contains("ST_MakeEnvelope(e.min_lon, e.min_lat, e.max_lon, e.max_lat) && ST_MakeEnvelope("),
            "{}",
            p.text
        );
    }
}
