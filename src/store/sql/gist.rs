//! The condition that takes PostgreSQL's candidates of a box and time window from a GiST index:
//! the space-time index for a window, and the narrow envelopes' 2D index beside the wide ones'
//! space-time index for a small box over a long window and for any box over all time.

use super::{DAY_MS, Dialect, Sql};
use crate::domain::EventFilter;
use crate::domain::filter::{BBox, Near};

/// The box of a live event in longitude, latitude and time (days since the epoch), as a 3D
/// line from corner to corner: PostgreSQL's n-dimensional GiST index
/// (`events_space_time`, migrations postgres 0001 and 0018) is built on exactly this
/// expression, so that a box and a time window are answered by one index, as SQLite's R*Tree
/// answers them.
pub const SPACE_TIME: &str = "ST_MakeLine(ST_MakePoint(e.min_lon, e.min_lat, e.t_start::float8 / 86400000), \
     ST_MakePoint(e.max_lon, e.max_lat, e.t_max::float8 / 86400000))";

/// Days far enough in the past and future to stand for an open end of a time window.
const OPEN_DAYS: f64 = 1.0e9;

/// The event's envelope as a 2D box, the expression of PostgreSQL's `events_narrow_area` index
/// (`migrations/postgres/0018_boxes_index_only.sql`).
const AREA: &str = "ST_MakeEnvelope(e.min_lon, e.min_lat, e.max_lon, e.max_lat)";

/// Whether `f` asks for all time (a window open at both ends).
fn all_time(f: &EventFilter) -> bool {
    f.start.is_none() && f.end.is_none()
}

/// Whether `f` has one box, not the world and not across the antimeridian.
fn one_box(f: &EventFilter) -> bool {
    f.bbox.is_some_and(|b| !b.is_world() && b.split().len() == 1)
}

/// Appends `SPACE_TIME &&& box` for box `b` (which must not cross the antimeridian) and the
/// time window of `f` (PostgreSQL only). For a window open at both ends, where the
/// n-dimensional index of every event is a poor guide (its entries, wide in time and, for
/// movements, in space, made a search of a 0.05° box visit 4,454 pages and take 104 ms where a
/// 2D index visited 1,508 and took 5 ms: 1,000,000 events, 926 found, warm, `EXPLAIN
/// (ANALYZE, BUFFERS)`), an `OR` of the two partial indexes that hold every live envelope:
/// the narrow ones' 2D index (`AREA && box`: PostGIS compares single-precision boxes rounded
/// outward, so it passes every event the exact test after it keeps) and the wide ones'
/// space-time index, which PostgreSQL reads with a bitmap scan of each
/// ([`Gist::needs_bitmaps`]); a walkable query over all time takes the two as a union
/// instead ([`Gist::splits`], [`source`]).
pub(super) fn space_time_overlaps(sql: &mut Sql, b: &BBox, f: &EventFilter) {
    if all_time(f) {
        sql.push("((").push(NARROW).push(" AND ");
        area_overlaps(sql, b);
        sql.push(") OR (NOT (").push(NARROW).push(") AND ");
        n_dimensional(sql, b, f);
        sql.push("))");
        return;
    }
    n_dimensional(sql, b, f);
}

/// Appends `AREA && box`.
fn area_overlaps(sql: &mut Sql, b: &BBox) {
    sql.push(AREA).push(" && ST_MakeEnvelope(").real(b.min_lon).push(", ").real(b.min_lat).push(", ");
    sql.real(b.max_lon).push(", ").real(b.max_lat).push(")");
}

/// Appends `SPACE_TIME &&& box` with the window of `f` (open ends far away).
fn n_dimensional(sql: &mut Sql, b: &BBox, f: &EventFilter) {
    let from = f.start.map_or(-OPEN_DAYS, |t| t.timestamp_millis() as f64 / DAY_MS);
    let to = f.end.map_or(OPEN_DAYS, |t| t.timestamp_millis() as f64 / DAY_MS);
    sql.push(SPACE_TIME)
        .push(" &&& ST_MakeLine(ST_MakePoint(")
        .real(b.min_lon)
        .push(", ")
        .real(b.min_lat)
        .push(", ")
        .real(from)
        .push("), ST_MakePoint(")
        .real(b.max_lon)
        .push(", ")
        .real(b.max_lat)
        .push(", ")
        .real(to)
        .push("))");
}

/// Appends, on PostgreSQL, an index-answerable condition that holds for every event with a
/// position within the radius: its envelope overlaps the box around the circle within the time
/// window (the same candidates SQLite takes from its R*Tree). Nothing on SQLite.
pub(super) fn near_candidates(sql: &mut Sql, near: &Near, f: &EventFilter) {
    if sql.dialect != Dialect::Postgres {
        return;
    }
    let b = near.bbox();
    if b.is_world() {
        return;
    }
    sql.push("(");
    for (i, b) in b.split().iter().enumerate() {
        if i > 0 {
            sql.push(" OR ");
        }
        space_time_overlaps(sql, b, f);
    }
    sql.push(") AND ");
}

/// An envelope at most a degree wide and tall (points, short lines): the predicate of the
/// indexes `events_narrow_area` and, negated, `events_wide_space_time` (migration postgres 0018),
/// written exactly as there so that PostgreSQL sees the one implied by a query.
const NARROW: &str = "e.max_lon - e.min_lon <= 1 AND e.max_lat - e.min_lat <= 1";

/// The events of a box whose estimate (every event ever, from the count by cell) is at most
/// this are few enough for the narrow envelopes' 2D index, which tests the window on each entry
/// of the box: about 0.4 µs an entry, so at most some 8 ms.
pub const SPLIT_BOX_EVENTS: f64 = 20_000.0;

/// Boxes larger than this (square degrees) are not split, nor their events counted by cell for
/// the choice (1.5 ms for a box 25° by 20°): in a dataset dense enough for the choice to matter
/// they hold more than [`SPLIT_BOX_EVENTS`].
pub const SPLIT_BOX_DEGREES: f64 = 100.0;

/// Windows at least this long (days, or open at one end) take a small box's narrow envelopes
/// from their 2D index; shorter ones are served well by the space-time index.
pub const SPLIT_DAYS: f64 = 60.0;

/// Where a box query on PostgreSQL takes its candidates from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gist {
    /// For a window, one index for all events (`space_time_overlaps`).
    Whole,
    /// For a long window, the narrow envelopes from their 2D index (sorted when built, the
    /// window tested on the entries it includes) and the wide ones from their own space-time
    /// index, as a union of two scans; for a short window, as [`Gist::Whole`]. Only for a box
    /// that holds few events (`SPLIT_BOX_EVENTS`): the 2D index reads all of them.
    ///
    /// PostGIS builds its n-dimensional index one insertion at a time and splits a full page
    /// linearly (each entry to the nearer side of the page's box, or of the mean centre, and the
    /// page cut in half in no order when neither is even), which one wide entry among clustered
    /// ones defeats: the count of a 0.5° box over a year (565 matches of 1,000,000) visited
    /// about 1,700 index pages, 7.2 ms, where the two indexes take 1.5 ms (10° box: 9.1 → 3.1
    /// ms; `EXPLAIN ANALYZE`, warm).
    ///
    /// Over all time every box takes the two indexes, whichever is chosen (the 2D index of
    /// every envelope that served it is gone, migration postgres 0019): the choice is then the
    /// one of the page's slices, which have windows.
    Split,
}

impl Gist {
    /// The indexes for the box of `f`, given the estimate of the box's events over all time.
    pub fn choose(f: &EventFilter, box_events: f64) -> Self {
        if box_events <= SPLIT_BOX_EVENTS && Self::worth_asking(f) { Self::Split } else { Self::Whole }
    }

    /// Whether the box of `f` could be split: one box (not crossing the antimeridian, not the
    /// world, at most `SPLIT_BOX_DEGREES`) and a window long or open at an end (an open one may
    /// be read in long slices).
    pub fn worth_asking(f: &EventFilter) -> bool {
        let long = match (f.start, f.end) {
            (Some(s), Some(e)) => (e - s).num_seconds() as f64 >= SPLIT_DAYS * 86_400.0,
            _ => true,
        };
        let small = |b: BBox| (b.max_lon - b.min_lon) * (b.max_lat - b.min_lat) <= SPLIT_BOX_DEGREES;
        long && one_box(f) && f.bbox.is_some_and(small)
    }

    /// Whether the query of filter `f` (a page's, a slice's, a count's; a walkable one, see
    /// [`super::plan::walkable`]) takes the two indexes: over all time whenever `f` has one
    /// box, else when this is [`Gist::Split`] and the box is worth asking.
    pub fn splits(self, f: &EventFilter) -> bool {
        if all_time(f) {
            return one_box(f);
        }
        self == Self::Split && Self::worth_asking(f)
    }

    /// Whether a query of `f` that is not walkable, or whose box crosses the antimeridian,
    /// tests its box over all time by an `OR` of the narrow and the wide envelopes' indexes'
    /// conditions, which PostgreSQL reads from those partial indexes by bitmap scans only
    /// (without them it reads every event).
    pub fn needs_bitmaps(f: &EventFilter) -> bool {
        let spatial = f.bbox.is_some_and(|b| !b.is_world()) || f.near.is_some();
        all_time(f) && spatial && !(one_box(f) && super::plan::walkable(f, &Default::default()))
    }
}

/// Appends what PostgreSQL reads events `e` from: the table, or with `sql.split` (a
/// [`Gist::splits`] filter) a derived table of the narrow envelopes that overlap the box in the
/// window and the wide ones, each from its own index with the columns a walkable filter tests
/// (all included in both indexes).
pub(super) fn source(sql: &mut Sql, f: &EventFilter) {
    if !sql.split {
        sql.push("events e");
        return;
    }
    debug_assert_eq!(sql.dialect, Dialect::Postgres);
    const COLUMNS: &str = "e.seq, e.t_start, e.t_max, e.t_day, e.min_lon, e.max_lon, e.min_lat, e.max_lat, e.category, e.status, e.deleted";
    let b = f.bbox.expect("a box");
    sql.push("(SELECT ").push(COLUMNS).push(" FROM events e WHERE e.deleted = 0 AND ").push(NARROW).push(" AND ");
    area_overlaps(sql, &b);
    if let Some(t) = f.start {
        sql.push(" AND e.t_max >= ").int(t.timestamp_millis());
    }
    if let Some(t) = f.end {
        sql.push(" AND e.t_start <= ").int(t.timestamp_millis());
    }
    sql.push(" UNION ALL SELECT ").push(COLUMNS).push(" FROM events e WHERE e.deleted = 0 AND NOT (").push(NARROW);
    sql.push(") AND ");
    n_dimensional(sql, &b, f);
    sql.push(") e");
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};

    use super::*;
    use crate::domain::filter::PageRequest;
    use crate::store::sql::{Gist, list_planned, plan};

    fn window(lon: f64, days: Option<i64>) -> EventFilter {
        let start = DateTime::<Utc>::from_timestamp(1_577_836_800, 0).expect("2020");
        EventFilter {
            bbox: Some(BBox { min_lon: lon, min_lat: 41.95, max_lon: lon + 0.5, max_lat: 42.45 }),
            start: days.map(|_| start),
            end: days.map(|d| start + chrono::Duration::days(d)),
            ..Default::default()
        }
    }

    #[test]
    fn a_small_box_over_a_long_window_takes_two_indexes() {
        let year = window(69.26, Some(366));
        assert_eq!(Gist::choose(&year, 5_000.0), Gist::Split);
        assert!(Gist::Split.splits(&year));
        // Many events in the box, a short window, a box across the antimeridian: one index.
        assert_eq!(Gist::choose(&year, SPLIT_BOX_EVENTS + 1.0), Gist::Whole);
        assert!(!Gist::worth_asking(&window(69.26, Some(30))));
        assert!(!Gist::Split.splits(&window(69.26, Some(30))));
        let mut across = window(179.8, Some(366));
        across.bbox = Some(BBox { max_lon: -179.7, ..across.bbox.expect("a box") });
        assert!(!Gist::worth_asking(&across));
        let wide = EventFilter {
            bbox: Some(BBox { min_lon: 57.0, min_lat: 32.0, max_lon: 82.0, max_lat: 52.0 }),
            ..year.clone()
        };
        assert!(!Gist::worth_asking(&wide), "25° by 20° is not asked");
        // Over all time every box of one piece takes the two indexes, whatever was chosen for
        // its slices; the choice still says whether the slices do.
        let ever = window(69.26, None);
        assert_eq!(Gist::choose(&ever, 5_000.0), Gist::Split);
        assert_eq!(Gist::choose(&ever, SPLIT_BOX_EVENTS + 1.0), Gist::Whole);
        assert!(Gist::Split.splits(&ever) && Gist::Whole.splits(&ever));
        let ever_wide = EventFilter { start: None, end: None, ..wide.clone() };
        assert!(Gist::Whole.splits(&ever_wide), "any size over all time");
        assert!(!Gist::needs_bitmaps(&ever) && !Gist::needs_bitmaps(&year));
        let ever_across = EventFilter { start: None, end: None, ..across.clone() };
        assert!(!Gist::Split.splits(&ever_across), "two boxes: the OR of the indexes");
        assert!(Gist::needs_bitmaps(&ever_across));
        let tagged = EventFilter { tags: vec!["convoy".into()], ..ever.clone() };
        assert!(Gist::needs_bitmaps(&tagged), "not walkable: its box is an OR of the indexes");
        let since = EventFilter { end: None, ..year.clone() };
        assert!(Gist::Split.splits(&since), "open at one end: as long as it gets");
        assert!(!Gist::Whole.splits(&since));
    }

    #[test]
    fn over_all_time_a_box_is_read_from_the_narrow_and_the_wide_envelopes_indexes() {
        let ever = window(69.26, None);
        // A walkable page, probe and count: the union of two index-only scans.
        let p = list_planned(Dialect::Postgres, &ever, &Default::default(), plan::Plan::Index, Gist::Whole);
        assert!(p.text.contains(" UNION ALL ") && p.text.contains(&format!("{NARROW} AND {AREA} && ")), "{}", p.text);
        let from = -OPEN_DAYS;
        assert!(p.text.contains(&format!("NOT ({NARROW}) AND {SPACE_TIME} &&& ")), "{}", p.text);
        assert!(p.binds.iter().any(|b| matches!(b, crate::store::sql::Bind::Real(x) if *x == from)), "{:?}", p.binds);
        let probe = plan::probe(Dialect::Postgres, &ever, 5, Gist::Whole);
        assert!(probe.text.contains(" UNION ALL "), "{}", probe.text);
        // Any other query tests the box by an OR of the two indexes' conditions.
        let tagged = EventFilter { tags: vec!["convoy".into()], ..ever.clone() };
        let page = PageRequest::default();
        let t = list_planned(Dialect::Postgres, &tagged, &page, plan::Plan::Index, Gist::Split);
        assert!(!t.text.contains(" UNION ALL "), "{}", t.text);
        let or = format!("(({NARROW} AND {AREA} && ST_MakeEnvelope(");
        assert!(
            t.text.contains(&or) && t.text.contains(&format!(") OR (NOT ({NARROW}) AND {SPACE_TIME} &&& ")),
            "{}",
            t.text
        );
        let updated = PageRequest { sort: crate::domain::filter::Sort::UpdatedDesc, ..page };
        let u = list_planned(Dialect::Postgres, &ever, &updated, plan::Plan::Index, Gist::Split);
        assert!(!u.text.contains(" UNION ALL ") && u.text.contains(&or), "sorted by change: {}", u.text);
        // A window keeps the index of all events unless split.
        let y = list_planned(Dialect::Postgres, &window(69.26, Some(7)), &page, plan::Plan::Index, Gist::Whole);
        assert!(!y.text.contains(NARROW) && y.text.contains(&format!("{SPACE_TIME} &&& ")), "{}", y.text);
    }

    #[test]
    fn the_split_reads_narrow_envelopes_by_area_and_wide_ones_by_space_and_time() {
        let year = window(69.26, Some(366));
        let p = list_planned(Dialect::Postgres, &year, &Default::default(), plan::Plan::Index, Gist::Split);
        let from = &p.text[p.text.find(" FROM (SELECT e.seq").expect("the union as the source")..];
        assert_eq!(from.matches(NARROW).count(), 2, "both branches by the indexes' predicate: {}", p.text);
        assert!(from.contains(&format!("NOT ({NARROW}) AND {SPACE_TIME} &&& ")), "{}", p.text);
        assert!(from.contains(&format!("{NARROW} AND {AREA} && ST_MakeEnvelope(")), "{}", p.text);
        assert_eq!(p.text.matches("&&&").count(), 1, "the box is not asked of the whole index again: {}", p.text);
        assert!(p.text.contains("e.max_lon >= ") && p.text.contains("count(*) OVER"), "exact tests and the count stay");
        // The same filter with one index, and a short slice of it, read the table as before.
        let whole = list_planned(Dialect::Postgres, &year, &Default::default(), plan::Plan::Index, Gist::Whole);
        assert!(whole.text.contains(" FROM events e WHERE ") && !whole.text.contains(NARROW), "{}", whole.text);
        let probe = plan::probe(Dialect::Postgres, &window(69.26, Some(7)), 5, Gist::Split);
        assert!(probe.text.starts_with("SELECT count(*) FROM (SELECT 1 FROM events e WHERE"), "{}", probe.text);
        let counted = plan::probe_counted(&year, 5, Gist::Split);
        let limit = format!(" LIMIT ${}) e", counted.binds.len());
        assert!(counted.text.contains(" UNION ALL ") && counted.text.ends_with(&limit), "{}", counted.text);
        // SQLite has its own trees.
        let s = list_planned(Dialect::Sqlite, &year, &Default::default(), plan::Plan::Index, Gist::Split);
        assert!(!s.text.contains(NARROW), "{}", s.text);
    }
}
