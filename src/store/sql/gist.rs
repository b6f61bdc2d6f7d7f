//! The condition that takes PostgreSQL's candidates of a box and time window from a GiST index:
//! the space-time index for a window, the geometry's 2D index over all time.

use super::{DAY_MS, Sql};
use crate::domain::EventFilter;
use crate::domain::filter::BBox;

/// The box of a live event in longitude, latitude and time (days since the epoch), as a 3D
/// line from corner to corner: PostgreSQL's n-dimensional GiST index
/// (`migrations/postgres/0001_events.sql`, `events_space_time`) is built on exactly this
/// expression, so that a box and a time window are answered by one index, as SQLite's R*Tree
/// answers them.
pub const SPACE_TIME: &str = "ST_MakeLine(ST_MakePoint(e.min_lon, e.min_lat, e.t_start::float8 / 86400000), \
     ST_MakePoint(e.max_lon, e.max_lat, e.t_max::float8 / 86400000))";

/// Days far enough in the past and future to stand for an open end of a time window.
const OPEN_DAYS: f64 = 1.0e9;

/// Appends `SPACE_TIME &&& box` for box `b` (which must not cross the antimeridian) and the
/// time window of `f` (PostgreSQL only); for a window open at both ends, the 2D index of the
/// geometry instead (`e.geom && box`: the geometry's box is the event's envelope, rounded
/// outward to single precision by PostGIS, so it passes every event the exact test after it
/// keeps). Over all time the n-dimensional index is a poor guide: its entries, wide in time
/// and (for movements) in space, make a search of a 0.05° box visit 4,454 pages and take
/// 104 ms where the 2D index visits 1,508 and takes 5 ms (1,000,000 events, 926 found, warm,
/// `EXPLAIN (ANALYZE, BUFFERS)`).
pub(super) fn space_time_overlaps(sql: &mut Sql, b: &BBox, f: &EventFilter) {
    if f.start.is_none() && f.end.is_none() {
        sql.push("e.geom && ST_MakeEnvelope(")
            .real(b.min_lon)
            .push(", ")
            .real(b.min_lat)
            .push(", ")
            .real(b.max_lon)
            .push(", ")
            .real(b.max_lat)
            .push(", 4326)");
        return;
    }
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
