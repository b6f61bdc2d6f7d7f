//! Dates as data sets write them: ISO dates and RFC 3339 date-times, ACLED's `02 June 2023` and
//! `9-May-20`, GDELT's `20230602`, TimeMap's `06/02/2023`, and a date format a mapping file
//! names. Slashed dates are read only in the order the caller says (TimeMap's month first, the
//! old ACLED layout's day first), never guessed: `03/04/2023` is a different day in Europe and in
//! America, so without an order only a date that reads one way (`15/01/1997`) is taken.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};

/// A day, or an instant when a time of day was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    Day(NaiveDate),
    At(DateTime<Utc>),
}

impl When {
    /// As `EventInput::start` takes it: `2023-06-02` or an RFC 3339 date-time.
    pub fn to_input(self) -> String {
        match self {
            Self::Day(d) => d.format("%Y-%m-%d").to_string(),
            Self::At(t) => crate::domain::time::format_rfc3339(t),
        }
    }

    /// The day the instant falls on (in UTC).
    pub fn day(self) -> NaiveDate {
        match self {
            Self::Day(d) => d,
            Self::At(t) => t.date_naive(),
        }
    }
}

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// The month number of an English month name or its three-letter abbreviation.
fn month(name: &str) -> Option<u32> {
    let n = name.trim().trim_end_matches('.').to_ascii_lowercase();
    if n.len() < 3 {
        return None;
    }
    MONTHS
        .iter()
        .position(|m| *m == n || (n.len() == 3 && m.starts_with(&n)) || (n == "sept" && *m == "september"))
        .map(|i| i as u32 + 1)
}

/// A year written with two digits: 90–99 are the 1990s, the rest this century (ACLED's data
/// begins in 1997).
fn year(s: &str) -> Option<i32> {
    let y: i32 = s.trim().parse().ok()?;
    match s.trim().len() {
        2 => Some(if y >= 90 { 1900 + y } else { 2000 + y }),
        4 => Some(y),
        _ => None,
    }
}

/// Reads ISO dates, RFC 3339 date-times, `02 June 2023`, `2 Jun 2023`, `9-May-20`,
/// `09-May-2020` and `20230602`.
pub fn parse_date(s: &str) -> Result<When, String> {
    let t = s.trim();
    if t.is_empty() {
        return Err("the date is empty".into());
    }
    if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return Ok(When::Day(d));
    }
    if t.len() == 8 && t.bytes().all(|b| b.is_ascii_digit()) {
        if let Ok(d) = NaiveDate::parse_from_str(t, "%Y%m%d") {
            return Ok(When::Day(d));
        }
    }
    if t.contains('T') || t.contains(':') {
        return crate::domain::time::parse_instant(t).map(|p| When::At(p.at));
    }
    let parts: Vec<&str> = t.split([' ', '-']).filter(|p| !p.is_empty()).collect();
    if let [d, m, y] = parts[..] {
        if let (Ok(d), Some(m), Some(y)) = (d.parse::<u32>(), month(m), year(y)) {
            if let Some(date) = NaiveDate::from_ymd_opt(y, m, d) {
                return Ok(When::Day(date));
            }
            return Err(format!("`{t}` is not a day of the calendar"));
        }
    }
    Err(format!("`{t}` is not a date eventmap reads (2023-06-02, 02 June 2023, 9-May-20 or 20230602)"))
}

/// Which comes first in a slashed date such as `11/05/2024`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlashOrder {
    DayFirst,
    MonthFirst,
}

/// Reads a slashed date (`11/05/2024`, `1/5/24`), or `None` when `s` is not one. With an order,
/// it is read in that order. Without one, it is read only when it cannot be read two ways (a
/// number over 12, or day and month the same); otherwise the error names both readings.
pub fn parse_slashed(s: &str, order: Option<SlashOrder>) -> Option<Result<NaiveDate, String>> {
    let t = s.trim();
    if !t.contains('/') {
        return None;
    }
    let parts: Vec<&str> = t.split('/').map(str::trim).collect();
    let [a, b, y] = parts[..] else { return None };
    let (Ok(a), Ok(b), Some(y)) = (a.parse::<u32>(), b.parse::<u32>(), year(y)) else { return None };
    let day_first = NaiveDate::from_ymd_opt(y, b, a);
    let month_first = NaiveDate::from_ymd_opt(y, a, b);
    let not_a_day = || format!("`{t}` is not a day of the calendar");
    Some(match order {
        Some(SlashOrder::DayFirst) => day_first.ok_or_else(not_a_day),
        Some(SlashOrder::MonthFirst) => month_first.ok_or_else(not_a_day),
        None => match (day_first, month_first) {
            (Some(d), Some(m)) if d != m => Err(format!(
                "`{t}` could be {} or {}, and nothing says whether the day or the month comes first; write it as {} or {}",
                d.format("%-d %B %Y"),
                m.format("%-d %B %Y"),
                d.format("%Y-%m-%d"),
                m.format("%Y-%m-%d"),
            )),
            (Some(d), _) | (None, Some(d)) => Ok(d),
            (None, None) => Err(not_a_day()),
        },
    })
}

/// Reads a date with month first, then day, then year (`6/2/2023`, `06/02/2023`), as TimeMap
/// writes them by default; ISO dates are accepted too.
pub fn parse_month_first(s: &str) -> Result<NaiveDate, String> {
    let t = s.trim();
    if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return Ok(d);
    }
    let parts: Vec<&str> = t.split('/').collect();
    if let [m, d, y] = parts[..] {
        if let (Ok(m), Ok(d), Some(y)) = (m.trim().parse::<u32>(), d.trim().parse::<u32>(), year(y)) {
            if let Some(date) = NaiveDate::from_ymd_opt(y, m, d) {
                return Ok(date);
            }
        }
    }
    parse_date(t).map(When::day).map_err(|_| format!("`{t}` is not a date of the form MM/DD/YYYY or YYYY-MM-DD"))
}

/// Reads a time of day (`18:30`, `18:30:05`).
pub fn parse_time(s: &str) -> Result<NaiveTime, String> {
    let t = s.trim();
    NaiveTime::parse_from_str(t, "%H:%M")
        .or_else(|_| NaiveTime::parse_from_str(t, "%H:%M:%S"))
        .map_err(|_| format!("`{t}` is not a time of day such as 18:30"))
}

/// A day and a time of day taken as UTC.
pub fn at_utc(day: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    Utc.from_utc_datetime(&NaiveDateTime::new(day, time))
}

/// Reads a date with a strftime-style format from a mapping file. A format with a time but no
/// offset (`%z`) is read as UTC.
pub fn parse_with(s: &str, format: &str) -> Result<When, String> {
    let t = s.trim();
    if let Ok(dt) = DateTime::parse_from_str(t, format) {
        return Ok(When::At(dt.with_timezone(&Utc)));
    }
    if let Ok(dt) = NaiveDateTime::parse_from_str(t, format) {
        return Ok(When::At(Utc.from_utc_datetime(&dt)));
    }
    if let Ok(d) = NaiveDate::parse_from_str(t, format) {
        return Ok(When::Day(d));
    }
    Err(format!("`{t}` does not match the date format `{format}`"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> String {
        parse_date(s).unwrap().to_input()
    }

    #[test]
    fn acled_dates_in_every_layout_are_read() {
        assert_eq!(day("02 June 2023"), "2023-06-02");
        assert_eq!(day("2023-06-02"), "2023-06-02");
        assert_eq!(day("9-May-20"), "2020-05-09");
        assert_eq!(day("09 May 2020"), "2020-05-09");
        assert_eq!(day("9 Sept 2021"), "2021-09-09");
        assert_eq!(day("15-Jan-97"), "1997-01-15");
        assert_eq!(day("20230602"), "2023-06-02");
    }

    #[test]
    fn impossible_and_ambiguous_dates_are_refused() {
        assert!(parse_date("31 February 2023").is_err());
        assert!(parse_date("03/04/2023").is_err());
        assert!(parse_date("yesterday").is_err());
        assert!(parse_date("").is_err());
    }

    #[test]
    fn date_times_keep_their_offset() {
        assert_eq!(day("2023-06-02T10:00:00+02:00"), "2023-06-02T08:00:00Z");
        assert!(parse_date("2023-06-02T10:00:00").is_err(), "no offset");
    }

    #[test]
    fn a_slashed_date_that_reads_two_ways_is_refused_naming_both_unless_an_order_is_given() {
        let e = parse_slashed("11/05/2024", None).unwrap().unwrap_err();
        assert!(e.contains("11 May 2024") && e.contains("5 November 2024"), "{e}");
        assert_eq!(parse_slashed("11/05/2024", Some(SlashOrder::DayFirst)).unwrap().unwrap().to_string(), "2024-05-11");
        assert_eq!(
            parse_slashed("11/05/2024", Some(SlashOrder::MonthFirst)).unwrap().unwrap().to_string(),
            "2024-11-05"
        );
    }

    #[test]
    fn a_slashed_date_that_reads_one_way_is_read_and_other_text_is_not_slashed() {
        assert_eq!(parse_slashed("15/01/1997", None).unwrap().unwrap().to_string(), "1997-01-15");
        assert_eq!(parse_slashed("01/15/1997", None).unwrap().unwrap().to_string(), "1997-01-15");
        assert_eq!(parse_slashed("05/05/2024", None).unwrap().unwrap().to_string(), "2024-05-05");
        assert!(parse_slashed("31/02/2024", None).unwrap().is_err());
        assert!(parse_slashed("13/13/2024", Some(SlashOrder::DayFirst)).unwrap().is_err());
        assert!(parse_slashed("02 June 2023", None).is_none());
        assert!(parse_slashed("2023-06-02", None).is_none());
    }

    #[test]
    fn timemap_dates_are_month_first() {
        assert_eq!(parse_month_first("6/2/2023").unwrap().to_string(), "2023-06-02");
        assert_eq!(parse_month_first("2023-06-02").unwrap().to_string(), "2023-06-02");
        assert!(parse_month_first("13/02/2023").is_err());
    }

    #[test]
    fn a_mapping_format_reads_dates_and_times() {
        assert_eq!(parse_with("10/02/2025", "%d/%m/%Y").unwrap().to_input(), "2025-02-10");
        assert_eq!(parse_with("10/02/2025 14:30", "%d/%m/%Y %H:%M").unwrap().to_input(), "2025-02-10T14:30:00Z");
        assert!(parse_with("2025-02-10", "%d/%m/%Y").is_err());
    }
}
