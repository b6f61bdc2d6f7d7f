//! The estimate of a text search's matches past the exact bound (issue 20), on both backends:
//! the text index counted over evenly spaced ranges of event numbers and scaled to all of them,
//! plus the events at the places the text names that the text itself does not match.
//!
//! Counting every match of a common word costs about 0.1 µs a match in FTS5 (40–85 ms for the
//! 400,000–635,000 matches of one or two common words among 1,000,000 events) and about 2 µs in
//! PostgreSQL (0.8–1.4 s); the same count over 32,768 event numbers (16,384 on PostgreSQL) costs
//! 1–3 ms in FTS5 and about 10 ms in PostgreSQL, and is within a few percent. A deletion takes
//! its event out of the text index and leaves a gap in the numbers, so the matches per number
//! sampled, times the highest number, estimate the live matches. [`matched`] decides, asking its
//! questions through a callback, so that one decision serves SQLite's blocking connections and
//! PostgreSQL's pool.

use std::future::Future;

use super::{Dialect, Sql, fts_match, search_terms, text_condition};
use crate::domain::{EventFilter, Status};
use crate::store::sql::plan;
use crate::store::{Matched, StoreError, estimated, prepare};

/// Event numbers sampled in all on SQLite.
pub const SAMPLED: i64 = 32_768;

/// The ranges the sample is spread over, so that a stretch of numbers written together (one
/// import, one source) weighs no more than its share.
pub const RANGES: i64 = 16;

/// Events at the named places tested against the text, to estimate how many of them the text
/// does not match (each test is a lookup in the text index, 10–150 µs).
pub const PLACE_TESTS: i64 = 100;

/// Event numbers sampled in all on PostgreSQL, which reads each sampled event's row to test
/// its words (16,384 rows: about 10 ms at 1,000,000 events, 20–30 ms for [`SAMPLED`], in the
/// server's log).
pub const SAMPLED_POSTGRES: i64 = 16_384;

/// The event numbers sampled in all on `dialect`.
pub fn sampled_on(dialect: Dialect) -> i64 {
    match dialect {
        Dialect::Sqlite => SAMPLED,
        Dialect::Postgres => SAMPLED_POSTGRES,
    }
}

/// The ranges `[from, to]` of event numbers sampled among `1..=last` on `dialect`: all of them
/// when there are no more than [`sampled_on`] says, else [`RANGES`] evenly spaced ranges, the
/// first starting at 1 and the last ending at `last`.
pub fn ranges(dialect: Dialect, last: i64) -> Vec<(i64, i64)> {
    ranges_of(last, sampled_on(dialect), RANGES)
}

/// Event numbers sampled to tell a common word from a rare one when choosing a page's plan
/// on PostgreSQL ([`share`]), in [`SHARE_RANGES`] ranges.
pub const SHARE_SAMPLED: i64 = 2_048;

/// The ranges of [`SHARE_SAMPLED`].
pub const SHARE_RANGES: i64 = 4;

/// The ranges of the sample that says which share of the events a text matches, for the
/// choice of a page's plan.
pub fn share(last: i64) -> Vec<(i64, i64)> {
    ranges_of(last, SHARE_SAMPLED, SHARE_RANGES)
}

fn ranges_of(last: i64, sampled: i64, count: i64) -> Vec<(i64, i64)> {
    if last <= sampled {
        return vec![(1, last.max(1))];
    }
    let len = sampled / count;
    (0..count)
        .map(|i| {
            let from = 1 + i * (last - len) / (count - 1);
            (from, from + len - 1)
        })
        .collect()
}

/// One row: the highest event number (0 without events).
pub fn last_number(dialect: Dialect) -> Sql {
    let mut sql = Sql::new(dialect);
    sql.push("SELECT coalesce(max(seq), 0) FROM events");
    sql
}

/// One number: the text index's matches for the filter's words, counted up to `cap`. `None`
/// without searchable words.
pub fn probe(dialect: Dialect, f: &EventFilter, cap: u64) -> Option<Sql> {
    if dialect == Dialect::Sqlite {
        return plan::fts_probe(f, cap);
    }
    if search_terms(f.q.as_deref()?).is_empty() {
        return None;
    }
    let words = EventFilter { q: f.q.clone(), ..EventFilter::default() };
    Some(super::count_upto(dialect, &words, cap.saturating_sub(1)))
}

/// Appends the test that the event numbered `seq` (an SQL expression) is live and matches the
/// words of `q`: a lookup in FTS5 on SQLite, the event's own `tsvector` on PostgreSQL.
fn matches_text(sql: &mut Sql, seq: &str, q: &str) {
    match sql.dialect {
        Dialect::Sqlite => {
            sql.push("EXISTS (SELECT 1 FROM events_fts WHERE events_fts MATCH ").str(fts_match(&search_terms(q)));
            sql.push(" AND rowid = ").push(seq).push(")");
        }
        Dialect::Postgres => {
            sql.push("EXISTS (SELECT 1 FROM events e WHERE e.seq = ").push(seq).push(" AND e.deleted = 0");
            text_condition(sql, q, &[]);
            sql.push(")");
        }
    }
}

/// Appends ` AND e.status IN (…)` for the filter's statuses (nothing without).
fn statuses(sql: &mut Sql, f: &EventFilter) {
    if !f.statuses.is_empty() {
        sql.push(" AND e.status IN ").list(f.statuses.iter().map(|s| Status::as_str(*s).to_string()));
    }
}

/// One row: the text index's matches for the filter's words (and statuses) in each of
/// `ranges`, summed. `None` without searchable words.
///
/// On PostgreSQL each range is read along the primary key and the text tested as an aggregate's
/// filter, which no index can serve: asked as a condition, the planner may read the whole of a
/// common word's GIN posting list for each range.
pub fn sample(dialect: Dialect, f: &EventFilter, ranges: &[(i64, i64)]) -> Option<Sql> {
    let q = f.q.as_deref()?;
    if search_terms(q).is_empty() || ranges.is_empty() {
        return None;
    }
    let mut sql = Sql::new(dialect);
    sql.push("SELECT 0");
    for &(from, to) in ranges {
        match dialect {
            Dialect::Sqlite if f.statuses.is_empty() => {
                sql.push(" + (SELECT count(*) FROM events_fts WHERE events_fts MATCH ");
                sql.str(fts_match(&search_terms(q))).push(" AND rowid BETWEEN ");
            }
            Dialect::Sqlite => {
                // Each match's status read from its event.
                sql.push(" + (SELECT count(*) FROM events_fts JOIN events e ON e.seq = events_fts.rowid");
                sql.push(" WHERE events_fts MATCH ").str(fts_match(&search_terms(q)));
                statuses(&mut sql, f);
                sql.push(" AND events_fts.rowid BETWEEN ");
            }
            Dialect::Postgres => {
                sql.push(" + (SELECT count(*) FILTER (WHERE e.deleted = 0");
                text_condition(&mut sql, q, &[]);
                statuses(&mut sql, f);
                sql.push(") FROM events e WHERE e.seq BETWEEN ");
            }
        }
        sql.int(from).push(" AND ").int(to).push(")");
    }
    Some(sql)
}

/// One row: the place terms among the filter's `q_places` (an event at two of them counted
/// twice), the events among the first [`PLACE_TESTS`] of them tested, and how many of those the
/// text does not match (and that have one of the filter's statuses). `None` when the text names
/// no place or has no searchable words.
pub fn places(dialect: Dialect, f: &EventFilter) -> Option<Sql> {
    let q = f.q.as_deref()?;
    if search_terms(q).is_empty() || f.q_places.is_empty() {
        return None;
    }
    let mut sql = Sql::new(dialect);
    sql.push("SELECT (SELECT count(*) FROM event_terms WHERE kind = ").str(prepare::PLACE);
    sql.push(" AND value IN ").list(f.q_places.iter().cloned()).push("), count(*), ");
    sql.push("coalesce(sum(CASE WHEN ");
    matches_text(&mut sql, "s.seq", q);
    if f.statuses.is_empty() {
        sql.push(" THEN 0 ELSE 1 END");
    } else {
        sql.push(" THEN 0 WHEN EXISTS (SELECT 1 FROM events e WHERE e.seq = s.seq AND e.deleted = 0");
        statuses(&mut sql, f);
        sql.push(") THEN 1 ELSE 0 END");
    }
    sql.push("), 0) FROM (SELECT DISTINCT seq FROM event_terms WHERE kind = ").str(prepare::PLACE);
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

/// The matches of a text search with no filter but a time window, categories and statuses
/// ([`plan::text_counted`]), from the text index alone (with the events at the places the text
/// names), or `None` when the bounded count decides: a window or categories expected to hold
/// about the bound or fewer. `ask` runs a query and gives its first row's numbers.
pub async fn matched<F, Fut>(dialect: Dialect, f: &EventFilter, mut ask: F) -> Result<Option<Matched>, StoreError>
where
    F: FnMut(Sql) -> Fut,
    Fut: Future<Output = Result<Vec<f64>, StoreError>>,
{
    let bound = plan::EXACT_BOUND as f64;
    let Some(probe) = probe(dialect, f, plan::EXACT_BOUND + 1) else { return Ok(None) };
    let first = |v: Vec<f64>| v.first().copied().unwrap_or(0.0);
    // The cheap counts first: a window or categories that hold few events leave the count to
    // the bounded count, whatever the words.
    let mut window_share = None;
    if f.start.is_some() || f.end.is_some() {
        let w = ask(plan::window_count(dialect, f)).await?;
        let (inside, all) = (w.first().copied().unwrap_or(0.0), w.get(1).copied().unwrap_or(0.0));
        if inside <= 2.0 * bound {
            return Ok(None);
        }
        window_share = Some(inside / all.max(1.0));
    }
    let mut of_categories = None;
    if !f.categories.is_empty() {
        // Counted on their index.
        let only = EventFilter { categories: f.categories.clone(), ..EventFilter::default() };
        let of_them = first(ask(super::count(dialect, &only)).await?);
        if of_them <= bound {
            return Ok(None);
        }
        of_categories = Some(of_them);
    }
    let last = first(ask(last_number(dialect)).await?);
    // A small sample first: a word it finds far beyond the bound needs no bounded count (on
    // PostgreSQL that reads 25,000 rows for a word in two events of five, 14–34 ms).
    let pre = share(last as i64);
    let mut common = false;
    if let Some(sql) = sample(dialect, f, &pre) {
        let per_number = first(ask(sql).await?) / (sampled(&pre) as f64).max(1.0);
        common = (sampled(&pre) as f64) < last && per_number * last > 4.0 * bound;
    }
    if !common {
        let upto = first(ask(probe).await?);
        if upto <= bound {
            // Few matches: exact, unless a window, categories, statuses or the named places'
            // events must be counted too.
            let alone =
                window_share.is_none() && f.q_places.is_empty() && of_categories.is_none() && f.statuses.is_empty();
            return Ok(alone.then_some(Matched { n: upto as u64, exact: true }));
        }
    }
    let ranges = ranges(dialect, last as i64);
    let sampled = sampled(&ranges) as f64;
    let Some(sample) = sample(dialect, f, &ranges) else { return Ok(None) };
    let in_sample = first(ask(sample).await?);
    let places = match places(dialect, f) {
        Some(sql) => ask(sql).await?.get(..3).map(|r| [r[0], r[1], r[2]]),
        None => None,
    };
    let mut all = matches(in_sample, sampled, last, places);
    if (common || !f.statuses.is_empty()) && all <= 2.0 * bound {
        // The small sample misled (a word whose events were written together), or the statuses
        // keep few of the text's matches: the bounded count decides.
        return Ok(None);
    }
    match (of_categories, window_share) {
        (None, None) => {
            // A store small enough to be sampled whole has its text counted exactly.
            let whole = sampled >= last && f.q_places.is_empty();
            return Ok(Some(if whole { Matched { n: all.round() as u64, exact: true } } else { estimated(all) }));
        }
        (Some(of_them), _) => {
            // The categories' share of all events (`event_days`), taken as independent of the words.
            all *= of_them / first(ask(super::count(dialect, &EventFilter::default())).await?).max(1.0);
        }
        (None, Some(_)) => {}
    }
    // And the window's share.
    let expected = all * window_share.unwrap_or(1.0);
    Ok((expected > 2.0 * bound).then(|| estimated(expected)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_small_store_is_sampled_whole() {
        for dialect in [Dialect::Sqlite, Dialect::Postgres] {
            let all = sampled_on(dialect);
            assert_eq!(ranges(dialect, 0), vec![(1, 1)]);
            assert_eq!(ranges(dialect, 1_000), vec![(1, 1_000)]);
            assert_eq!(ranges(dialect, all), vec![(1, all)]);
        }
    }

    #[test]
    fn ranges_are_even_disjoint_and_reach_both_ends() {
        for dialect in [Dialect::Sqlite, Dialect::Postgres] {
            let all = sampled_on(dialect);
            for last in [all + 1, 100_000, 1_000_000, 123_456_789] {
                for (r, count, total) in
                    [(ranges(dialect, last), RANGES, all), (share(last), SHARE_RANGES, SHARE_SAMPLED)]
                {
                    assert_eq!((r.len() as i64, sampled(&r)), (count, total), "{last}");
                    assert_eq!((r[0].0, r.last().unwrap().1), (1, last));
                    for w in r.windows(2) {
                        assert!(w[1].0 > w[0].1, "{last}: {w:?}");
                    }
                }
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
        assert!(sample(Dialect::Sqlite, &f, &ranges(Dialect::Sqlite, 10)).is_none());
        let f = EventFilter { q: Some("convoy".into()), ..Default::default() };
        assert!(places(Dialect::Postgres, &f).is_none(), "the text names no place");
        for dialect in [Dialect::Sqlite, Dialect::Postgres] {
            let sql = sample(dialect, &f, &ranges(dialect, 100_000)).unwrap();
            assert_eq!(sql.binds.len() as i64, 3 * RANGES, "{dialect:?}");
        }
    }
}
