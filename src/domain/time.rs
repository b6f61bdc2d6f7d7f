//! Event times: instants in UTC, how precisely they are known, and the interval they cover.
//!
//! An event has a `start`, an optional `end` and a [`TimePrecision`]. When `end` is missing the
//! event covers the precision period that begins at `start` (a day for `day`, an instant for
//! `exact`), so a filter for the afternoon of 10 February still finds an event known only to have
//! happened "on 10 February". Times are kept as milliseconds since the Unix epoch.

use chrono::{DateTime, Datelike, Months, NaiveDate, SecondsFormat, TimeZone, Utc};
use serde::{Deserialize, Serialize};

/// How sure a time is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema, Default)]
#[serde(rename_all = "lowercase")]
pub enum TimePrecision {
    #[default]
    Exact,
    Hour,
    Day,
    Week,
    Month,
    Year,
}

impl TimePrecision {
    pub const ALL: [TimePrecision; 6] = [Self::Exact, Self::Hour, Self::Day, Self::Week, Self::Month, Self::Year];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Exact => "exact",
            Self::Hour => "hour",
            Self::Day => "day",
            Self::Week => "week",
            Self::Month => "month",
            Self::Year => "year",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str().eq_ignore_ascii_case(s.trim()))
    }

    /// The last millisecond of the precision period that begins at `start`.
    pub fn period_end(self, start: DateTime<Utc>) -> DateTime<Utc> {
        let next = match self {
            Self::Exact => return start,
            Self::Hour => start + chrono::Duration::hours(1),
            Self::Day => start + chrono::Duration::days(1),
            Self::Week => start + chrono::Duration::days(7),
            Self::Month => start.checked_add_months(Months::new(1)).unwrap_or(start),
            Self::Year => start.checked_add_months(Months::new(12)).unwrap_or(start),
        };
        next - chrono::Duration::milliseconds(1)
    }
}

/// Milliseconds since the Unix epoch.
pub fn to_millis(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

/// The instant `ms` milliseconds after the Unix epoch (clamped to chrono's range).
pub fn from_millis(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// RFC 3339 in UTC with a `Z`, with fractional seconds only when there are any.
pub fn format_rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// A parsed instant and whether it was written as a date only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParsedInstant {
    pub at: DateTime<Utc>,
    pub date_only: bool,
}

/// Parses an RFC 3339 date-time (`2025-02-10T14:00:00+03:00`) or a date (`2025-02-10`, meaning
/// midnight UTC). A date-time without an offset is refused: it would silently mean UTC.
pub fn parse_instant(s: &str) -> Result<ParsedInstant, String> {
    let s = s.trim();
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        if s.len() != 10 {
            return Err(format!("`{s}` is not a date of the form YYYY-MM-DD"));
        }
        let at = Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0).expect("midnight exists"));
        return Ok(ParsedInstant { at, date_only: true });
    }
    match DateTime::parse_from_rfc3339(s) {
        Ok(t) => {
            let at = t.with_timezone(&Utc);
            if !(1..=9999).contains(&at.year()) {
                return Err(format!("`{s}` is outside the years 1 to 9999"));
            }
            if chrono::Timelike::nanosecond(&at) >= 1_000_000_000 {
                return Err(format!("`{s}` is a leap second, which eventmap does not keep: use :59"));
            }
            Ok(ParsedInstant { at, date_only: false })
        }
        Err(_)
            if chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S").is_ok()
                || chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").is_ok() =>
        {
            Err(format!("`{s}` has no UTC offset: add `Z` or one such as `+03:00`"))
        }
        Err(_) => Err(format!("`{s}` is not an RFC 3339 date-time (2025-02-10T14:00:00Z) or a date (2025-02-10)")),
    }
}

/// The years an event may happen in: anything else is a typing error (`0205` for `2025`) or a
/// date no report gives.
pub const EVENT_YEARS: std::ops::RangeInclusive<i32> = 1000..=2999;

/// Parses an event's `start` or `end` as [`parse_instant`] does, within [`EVENT_YEARS`].
pub fn parse_event_time(s: &str) -> Result<ParsedInstant, String> {
    let p = parse_instant(s)?;
    if !EVENT_YEARS.contains(&p.at.year()) {
        return Err(format!("`{}` is outside the years 1000 to 2999", s.trim()));
    }
    Ok(p)
}

/// Parses the upper bound of a query range: a date means the end of that day.
pub fn parse_range_end(s: &str) -> Result<DateTime<Utc>, String> {
    let p = parse_instant(s)?;
    Ok(if p.date_only { TimePrecision::Day.period_end(p.at) } else { p.at })
}

/// A whole year (`2024`) or month (`2024-11`) as written in a query: its first instant and the
/// precision whose period it is.
fn parse_period(s: &str) -> Option<(DateTime<Utc>, TimePrecision)> {
    let s = s.trim();
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    let (year, month, precision) = match s.split_once('-') {
        None if s.len() == 4 && digits(s) => (s, "1", TimePrecision::Year),
        Some((y, m)) if y.len() == 4 && m.len() == 2 && digits(y) && digits(m) => (y, m, TimePrecision::Month),
        _ => return None,
    };
    let d = NaiveDate::from_ymd_opt(year.parse().ok()?, month.parse().ok()?, 1)?;
    Some((Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0).expect("midnight exists")), precision))
}

/// The lower bound of a query range: an instant, a date (its midnight), a month (`2024-11`, its
/// first day) or a year (`2024`, its first day).
pub fn parse_query_start(s: &str) -> Result<DateTime<Utc>, String> {
    match parse_period(s) {
        Some((at, _)) => Ok(at),
        None => parse_instant(s).map(|p| p.at).map_err(with_periods),
    }
}

/// The upper bound of a query range: an instant, or the last millisecond of a date, a month
/// (`2024-11`) or a year (`2024`).
pub fn parse_query_end(s: &str) -> Result<DateTime<Utc>, String> {
    match parse_period(s) {
        Some((at, precision)) => Ok(precision.period_end(at)),
        None => parse_range_end(s).map_err(with_periods),
    }
}

fn with_periods(m: String) -> String {
    format!("{m}, a month (2025-02) or a year (2025)")
}

/// The interval an event covers, both ends inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeRange {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl TimeRange {
    /// The interval covered by an event with this start, optional end and precision.
    pub fn of_event(start: DateTime<Utc>, end: Option<DateTime<Utc>>, precision: TimePrecision) -> Self {
        let end = end.unwrap_or_else(|| precision.period_end(start));
        Self { start, end: end.max(start) }
    }

    pub fn overlaps(&self, other: &TimeRange) -> bool {
        self.start <= other.end && self.end >= other.start
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_times_are_refused_outside_the_years_1000_to_2999_and_on_leap_seconds() {
        assert!(parse_event_time("2025-02-10").is_ok());
        assert!(parse_event_time("1000-01-01T00:00:00Z").is_ok());
        for bad in ["0999-12-31", "0205-02-10", "3000-01-01", "9999-12-31T23:59:59Z"] {
            assert!(parse_event_time(bad).unwrap_err().contains("1000 to 2999"), "{bad}");
        }
        assert!(parse_instant("2016-12-31T23:59:60Z").unwrap_err().contains("leap second"));
    }

    #[test]
    fn a_query_takes_a_year_or_a_month_as_the_whole_period() {
        let t = |s: &str| format_rfc3339(DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc));
        assert_eq!(format_rfc3339(parse_query_start("2024").unwrap()), t("2024-01-01T00:00:00Z"));
        assert_eq!(format_rfc3339(parse_query_end("2024").unwrap()), t("2024-12-31T23:59:59.999Z"));
        assert_eq!(format_rfc3339(parse_query_start("2024-11").unwrap()), t("2024-11-01T00:00:00Z"));
        assert_eq!(format_rfc3339(parse_query_end("2024-02").unwrap()), t("2024-02-29T23:59:59.999Z"));
        assert_eq!(format_rfc3339(parse_query_end("2024-11-05").unwrap()), t("2024-11-05T23:59:59.999Z"));
        assert_eq!(format_rfc3339(parse_query_start("2024-11-05T10:00:00+02:00").unwrap()), t("2024-11-05T08:00:00Z"));
        for bad in ["2024-13", "24", "2024-1", "202411", "2024-00", "nov 2024"] {
            let e = parse_query_start(bad).unwrap_err();
            assert!(e.contains("a month (2025-02) or a year (2025)"), "{bad}: {e}");
        }
    }

    fn t(s: &str) -> DateTime<Utc> {
        parse_instant(s).unwrap().at
    }

    #[test]
    fn dates_and_offsets_are_read_as_utc_instants() {
        assert_eq!(format_rfc3339(t("2025-02-10T17:00:00+03:00")), "2025-02-10T14:00:00Z");
        let p = parse_instant("2025-02-10").unwrap();
        assert!(p.date_only);
        assert_eq!(format_rfc3339(p.at), "2025-02-10T00:00:00Z");
    }

    #[test]
    fn a_date_time_without_offset_is_refused_with_advice() {
        let e = parse_instant("2025-02-10T17:00:00").unwrap_err();
        assert!(e.contains("no UTC offset"), "{e}");
        assert!(parse_instant("10/02/2025").is_err());
        assert!(parse_instant("2025-02-30").is_err());
    }

    #[test]
    fn an_event_known_to_the_day_covers_the_whole_day() {
        let r = TimeRange::of_event(t("2025-02-10"), None, TimePrecision::Day);
        assert_eq!(format_rfc3339(r.end), "2025-02-10T23:59:59.999Z");
        let afternoon = TimeRange { start: t("2025-02-10T13:00:00Z"), end: t("2025-02-10T14:00:00Z") };
        assert!(r.overlaps(&afternoon));
        let next_day = TimeRange { start: t("2025-02-11"), end: t("2025-02-12") };
        assert!(!r.overlaps(&next_day));
    }

    #[test]
    fn month_and_year_periods_follow_the_calendar() {
        assert_eq!(format_rfc3339(TimePrecision::Month.period_end(t("2025-02-01"))), "2025-02-28T23:59:59.999Z");
        assert_eq!(format_rfc3339(TimePrecision::Year.period_end(t("2024-01-01"))), "2024-12-31T23:59:59.999Z");
        assert_eq!(TimePrecision::Exact.period_end(t("2024-01-01")), t("2024-01-01"));
    }

    #[test]
    fn range_end_given_as_a_date_includes_that_day() {
        assert_eq!(format_rfc3339(parse_range_end("2025-02-10").unwrap()), "2025-02-10T23:59:59.999Z");
    }
}
