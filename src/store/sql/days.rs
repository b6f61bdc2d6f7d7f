//! Counts of a time window and nothing else, exact and cheap: the live events per day
//! (`event_days`) for the window's whole days, the time index for the days around them.

use crate::domain::EventFilter;

use super::{Dialect, LONGEST, Sql};

const DAY: i64 = 86_400_000;

/// The whole days of a time window, first and last (days since the epoch): each day whose every
/// instant lies in `[start, end]`, unbounded where the window is; `None` when there is none.
pub(super) fn whole_days(f: &EventFilter) -> Option<(Option<i64>, Option<i64>)> {
    let first =
        f.start.map(|t| t.timestamp_millis().div_euclid(DAY) + i64::from(t.timestamp_millis().rem_euclid(DAY) != 0));
    let last = f.end.map(|t| (t.timestamp_millis() + 1).div_euclid(DAY) - 1);
    match (first, last) {
        (Some(a), Some(b)) if a > b => None,
        days => Some(days),
    }
}

/// [`super::count`] of a time window and nothing else, exactly: the live events of its whole
/// days from `event_days`, and those of the days around them (the part days at each end, and the
/// days before it whose events may last into it) counted on the time index, whose entries carry
/// `t_day`, `t_start` and `t_max`. A year of 1,000,000 events over ten years reads 365 rows of
/// `event_days` and the index entries of about five days, where the bounded count of
/// `EventStore::matched` visited 10,001 of its 90,000 events and then estimated.
pub(super) fn count_window(dialect: Dialect, f: &EventFilter, (first, last): (Option<i64>, Option<i64>)) -> Sql {
    let mut sql = Sql::new(dialect);
    let cast = if dialect == Dialect::Postgres { "::bigint" } else { "" };
    sql.push("SELECT (SELECT coalesce(sum(n), 0) FROM event_days WHERE true");
    if let Some(d) = first {
        sql.push(" AND t_day >= ").int(d);
    }
    if let Some(d) = last {
        sql.push(" AND t_day <= ").int(d);
    }
    sql.push(&format!("){cast}"));
    // Each part bounds the day once from above and once from below: SQLite ranges its index by
    // one bound a side, and a second (the window's own end) could be the one it takes.
    if let (Some(d), Some(start)) = (first, f.start) {
        // Events of the days before the first whole one: those lasting into the window.
        let ms = start.timestamp_millis();
        sql.push(" + (SELECT count(*) FROM events e WHERE e.deleted = 0 AND e.t_day >= (")
            .int(ms)
            .push(&format!(" - {LONGEST}) / {DAY} - 1 AND e.t_day < "))
            .int(d)
            .push(" AND e.t_start >= ")
            .int(ms)
            .push(&format!(" - {LONGEST} AND e.t_start < "))
            .int(d * DAY)
            .push(" AND e.t_max >= ")
            .int(ms)
            .push(")");
    }
    if let (Some(d), Some(end)) = (last, f.end) {
        // Events of the days after the last whole one that start by the window's end.
        let ms = end.timestamp_millis();
        sql.push(" + (SELECT count(*) FROM events e WHERE e.deleted = 0 AND e.t_day > ")
            .int(d)
            .push(" AND e.t_day <= ")
            .int(crate::domain::filter::day_of(ms))
            .push(" AND e.t_start >= ")
            .int((d + 1) * DAY)
            .push(" AND e.t_start <= ")
            .int(ms)
            .push(")");
    }
    sql
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::time::parse_instant;

    fn window(start: Option<&str>, end: Option<&str>) -> EventFilter {
        let at = |s: &str| parse_instant(s).unwrap().at;
        EventFilter { start: start.map(at), end: end.map(at), ..Default::default() }
    }

    #[test]
    fn a_windows_whole_days_are_those_it_covers_from_midnight_to_midnight() {
        let d = |s: &str| crate::domain::filter::day_of(parse_instant(s).unwrap().at.timestamp_millis());
        let (jan1, jan2, jan3) = (d("2025-01-01"), d("2025-01-02"), d("2025-01-03"));
        // From a midnight: that day is whole; to a midnight: the day before it is the last.
        let f = window(Some("2025-01-01T00:00:00Z"), Some("2025-01-03T00:00:00Z"));
        assert_eq!(whole_days(&f), Some((Some(jan1), Some(jan2))));
        // A millisecond past midnight leaves that day out; the last millisecond of a day keeps it.
        let f = window(Some("2025-01-01T00:00:00.001Z"), Some("2025-01-03T23:59:59.999Z"));
        assert_eq!(whole_days(&f), Some((Some(jan2), Some(jan3))));
        // Open at either end.
        assert_eq!(whole_days(&window(None, Some("2025-01-03T12:00:00Z"))), Some((None, Some(jan2))));
        assert_eq!(whole_days(&window(Some("2025-01-01T12:00:00Z"), None)), Some((Some(jan2), None)));
        // Less than a whole day: none.
        assert_eq!(whole_days(&window(Some("2025-01-01T06:00:00Z"), Some("2025-01-02T05:00:00Z"))), None);
    }

    #[test]
    fn a_week_is_counted_from_the_table_and_the_days_around_it_with_every_value_bound() {
        for dialect in [Dialect::Sqlite, Dialect::Postgres] {
            let f = window(Some("2025-01-01T12:00:00Z"), Some("2025-01-08T12:00:00Z"));
            let sql = super::super::count(dialect, &f);
            assert!(
                sql.text.starts_with("SELECT (SELECT coalesce(sum(n), 0) FROM event_days WHERE true AND t_day >= ")
            );
            assert_eq!(sql.text.matches("SELECT count(*)").count(), 2, "{}", sql.text);
            assert_eq!(sql.text.matches('?').count() + sql.text.matches('$').count(), sql.binds.len());
            // Under a whole day the window is counted on the events as before.
            let f = window(Some("2025-01-01T12:00:00Z"), Some("2025-01-02T11:00:00Z"));
            assert!(super::super::count(dialect, &f).text.starts_with("SELECT count(*)"));
        }
    }
}
