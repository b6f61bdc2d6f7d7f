//! The estimate of a text search's matches past the exact bound, on SQLite (issue 20): the text
//! index counted over evenly spaced ranges of event numbers and scaled to all of them, plus the
//! events at the places the text names that the text itself does not match.
//!
//! Counting every match of a common word in FTS5 costs about 0.1 µs a match (40–85 ms for the
//! 400,000–635,000 matches of one or two common words among 1,000,000 events); the same count
//! over 32,768 event numbers costs 1–3 ms and is within a few percent. A deletion takes its event
//! out of the text index and leaves a gap in the numbers, so the matches per number sampled,
//! times the highest number, estimate the live matches.

use super::{Dialect, Sql, fts_match, search_terms};
use crate::domain::EventFilter;
use crate::store::prepare;

/// Event numbers sampled in all.
pub const SAMPLED: i64 = 32_768;

/// The ranges the sample is spread over, so that a stretch of numbers written together (one
/// import, one source) weighs no more than its share.
pub const RANGES: i64 = 16;

/// Events at the named places tested against the text, to estimate how many of them the text
/// does not match (each test is a lookup in the text index, 10–150 µs).
pub const PLACE_TESTS: i64 = 100;

/// The ranges `[from, to]` of event numbers sampled among `1..=last`: all of them when there are
/// no more than [`SAMPLED`], else [`RANGES`] evenly spaced ranges, the first starting at 1 and the
/// last ending at `last`.
pub fn ranges(last: i64) -> Vec<(i64, i64)> {
    if last <= SAMPLED {
        return vec![(1, last.max(1))];
    }
    let len = SAMPLED / RANGES;
    (0..RANGES)
        .map(|i| {
            let from = 1 + i * (last - len) / (RANGES - 1);
            (from, from + len - 1)
        })
        .collect()
}

/// One row: the highest event number (0 without events).
pub fn last_number() -> Sql {
    let mut sql = Sql::new(Dialect::Sqlite);
    sql.push("SELECT coalesce(max(seq), 0) FROM events");
    sql
}

/// One row: the text index's matches for the filter's words in each of `ranges`, summed. `None`
/// without searchable words.
pub fn sample(f: &EventFilter, ranges: &[(i64, i64)]) -> Option<Sql> {
    let terms = search_terms(f.q.as_deref()?);
    if terms.is_empty() || ranges.is_empty() {
        return None;
    }
    let mut sql = Sql::new(Dialect::Sqlite);
    sql.push("SELECT 0");
    for &(from, to) in ranges {
        sql.push(" + (SELECT count(*) FROM events_fts WHERE events_fts MATCH ").str(fts_match(&terms));
        sql.push(" AND rowid BETWEEN ").int(from).push(" AND ").int(to).push(")");
    }
    Some(sql)
}

/// One row: the place terms among the filter's `q_places` (an event at two of them counted
/// twice), the events among the first [`PLACE_TESTS`] of them tested, and how many of those the
/// text does not match. `None` when the text names no place or has no searchable words.
pub fn places(f: &EventFilter) -> Option<Sql> {
    let terms = search_terms(f.q.as_deref()?);
    if terms.is_empty() || f.q_places.is_empty() {
        return None;
    }
    let mut sql = Sql::new(Dialect::Sqlite);
    sql.push("SELECT (SELECT count(*) FROM event_terms WHERE kind = ").str(prepare::PLACE);
    sql.push(" AND value IN ").list(f.q_places.iter().cloned()).push("), count(*), coalesce(sum(NOT EXISTS ");
    sql.push("(SELECT 1 FROM events_fts WHERE events_fts MATCH ").str(fts_match(&terms));
    sql.push(" AND rowid = s.seq)), 0) FROM (SELECT DISTINCT seq FROM event_terms WHERE kind = ").str(prepare::PLACE);
    sql.push(" AND value IN ").list(f.q_places.iter().cloned()).push(" LIMIT ").int(PLACE_TESTS).push(") s");
    Some(sql)
}

/// The estimated live events a text matches, with no other filter: `matches` counted in
/// `sampled` event numbers of `1..=last`, and from [`places`] its three figures (`None` when
/// the text names no place).
pub fn matches(matches: f64, sampled: f64, last: f64, places: Option<[f64; 3]>) -> f64 {
    let in_text = if sampled > 0.0 { matches * last / sampled } else { 0.0 };
    let at_places = match places {
        Some([terms, tested, unmatched]) if tested > 0.0 => terms * unmatched / tested,
        _ => 0.0,
    };
    in_text + at_places
}

/// The event numbers in `ranges`.
pub fn sampled(ranges: &[(i64, i64)]) -> i64 {
    ranges.iter().map(|(from, to)| to - from + 1).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_small_store_is_sampled_whole() {
        assert_eq!(ranges(0), vec![(1, 1)]);
        assert_eq!(ranges(1_000), vec![(1, 1_000)]);
        assert_eq!(ranges(SAMPLED), vec![(1, SAMPLED)]);
    }

    #[test]
    fn ranges_are_even_disjoint_and_reach_both_ends() {
        for last in [SAMPLED + 1, 100_000, 1_000_000, 123_456_789] {
            let r = ranges(last);
            assert_eq!(r.len() as i64, RANGES);
            assert_eq!(r[0].0, 1);
            assert_eq!(r.last().unwrap().1, last);
            assert_eq!(sampled(&r), SAMPLED);
            for w in r.windows(2) {
                assert!(w[1].0 > w[0].1, "{last}: {w:?}");
            }
        }
    }

    #[test]
    fn the_sample_is_scaled_to_every_number_and_the_places_add_what_the_text_misses() {
        assert_eq!(matches(100.0, 1_000.0, 10_000.0, None), 1_000.0);
        // 300 place terms, 100 tested, 25 of them not matched by the text: 75 more.
        assert_eq!(matches(100.0, 1_000.0, 10_000.0, Some([300.0, 100.0, 25.0])), 1_075.0);
        assert_eq!(matches(0.0, 0.0, 0.0, Some([0.0, 0.0, 0.0])), 0.0);
    }

    #[test]
    fn no_words_no_sample() {
        let f = EventFilter { q: Some("-- !".into()), ..Default::default() };
        assert!(sample(&f, &ranges(10)).is_none());
        let f = EventFilter { q: Some("convoy".into()), ..Default::default() };
        assert!(places(&f).is_none(), "the text names no place");
        let sql = sample(&f, &ranges(100_000)).unwrap();
        assert_eq!(sql.binds.len() as i64, 3 * RANGES);
    }
}
