//! Histogram buckets as times: the bucket that holds an instant, the one after it, and every
//! bucket of a window, for a histogram whose empty buckets are shown as zeros. All in UTC.

use chrono::{DateTime, Months, Utc};

use super::filter::{Bucket, day_of};
use super::time::from_millis;

const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 86_400_000;

/// The start of the bucket that holds `t`.
pub fn floor(bucket: Bucket, t: DateTime<Utc>) -> DateTime<Utc> {
    let ms = t.timestamp_millis();
    match bucket {
        Bucket::Hour => from_millis(ms.div_euclid(HOUR_MS) * HOUR_MS),
        b => from_millis(b.floor_day(day_of(ms)) * DAY_MS),
    }
}

/// The start of the bucket after the one that starts at `start`.
pub fn next(bucket: Bucket, start: DateTime<Utc>) -> DateTime<Utc> {
    match bucket {
        Bucket::Hour => start + chrono::Duration::hours(1),
        Bucket::Day => start + chrono::Duration::days(1),
        Bucket::Week => start + chrono::Duration::days(7),
        Bucket::Month => start.checked_add_months(Months::new(1)).unwrap_or(DateTime::<Utc>::MAX_UTC),
        Bucket::Year => start.checked_add_months(Months::new(12)).unwrap_or(DateTime::<Utc>::MAX_UTC),
    }
}

/// The starts of every bucket from the one holding `from` to the one holding `to`, or `None`
/// when there would be more than `max` of them.
pub fn between(bucket: Bucket, from: DateTime<Utc>, to: DateTime<Utc>, max: usize) -> Option<Vec<DateTime<Utc>>> {
    let (mut at, last) = (floor(bucket, from), floor(bucket, to));
    let mut out = Vec::new();
    while at <= last {
        if out.len() == max {
            return None;
        }
        out.push(at);
        at = next(bucket, at);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::time::{format_rfc3339, parse_instant};

    fn t(s: &str) -> DateTime<Utc> {
        parse_instant(s).unwrap().at
    }

    fn starts(bucket: Bucket, from: &str, to: &str) -> Vec<String> {
        between(bucket, t(from), t(to), 100).unwrap().into_iter().map(format_rfc3339).collect()
    }

    #[test]
    fn every_bucket_of_a_window_is_listed_from_the_one_holding_its_start() {
        assert_eq!(
            starts(Bucket::Month, "2024-11-20", "2025-02-01"),
            ["2024-11-01T00:00:00Z", "2024-12-01T00:00:00Z", "2025-01-01T00:00:00Z", "2025-02-01T00:00:00Z"]
        );
        assert_eq!(starts(Bucket::Week, "2025-02-12", "2025-02-20"), ["2025-02-10T00:00:00Z", "2025-02-17T00:00:00Z"]);
        assert_eq!(
            starts(Bucket::Hour, "2025-02-10T22:30:00Z", "2025-02-11T00:10:00Z"),
            ["2025-02-10T22:00:00Z", "2025-02-10T23:00:00Z", "2025-02-11T00:00:00Z"]
        );
        assert_eq!(starts(Bucket::Year, "2023-05-05", "2024-01-01"), ["2023-01-01T00:00:00Z", "2024-01-01T00:00:00Z"]);
        assert!(starts(Bucket::Day, "2025-02-11", "2025-02-10").is_empty());
    }

    #[test]
    fn a_window_of_too_many_buckets_is_refused_rather_than_listed() {
        assert!(between(Bucket::Hour, t("2000-01-01"), t("2025-01-01"), 10_000).is_none());
        assert_eq!(between(Bucket::Day, t("2025-01-01"), t("2025-01-10"), 10).map(|v| v.len()), Some(10));
        assert!(between(Bucket::Day, t("2025-01-01"), t("2025-01-11"), 10).is_none());
    }
}
