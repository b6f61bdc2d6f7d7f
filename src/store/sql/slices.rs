//! The slices plan's way through time (issue 20): a box asked of the space index one slice of
//! start times at a time, newest first (oldest first for an ascending sort), each slice sorted
//! on its own, until the page is full or the window is done. A slice is as wide as the matches
//! seen so far say holds what the page still needs (with a margin), so its cost grows with the
//! page, not with the matches of the whole window.
//!
//! Slices are half-open ranges `[from, to)` of `t_start` in milliseconds: every event falls in
//! exactly one, and events of one instant in the same, so the order within a slice (start, then
//! sequence number) is the page's order.

use crate::domain::EventFilter;
use crate::domain::filter::{PageRequest, Sort};

const DAY_MS: i64 = 86_400_000;

/// How many matches a slice is sized to hold, against the rows the page still needs: a margin
/// so that one slice usually suffices.
const MARGIN: f64 = 1.5;

/// The most a slice may widen over the last one when it found nothing to go by.
const GROWTH: f64 = 8.0;

/// How much a slice narrows when the space index says it is crowded ([`Slices::crowded`]).
const SHRINK: f64 = 8.0;

/// The narrowest slice that [`Slices::crowded`] gives back, in milliseconds: an hour, well
/// above the R*Tree's resolution in time (single-precision days, minutes apart), so that
/// narrowing ends after a few probes.
const NARROWEST_CROWDED: i64 = 3_600_000;

/// A slice whose space index holds this many times the rows the page still wants is crowded:
/// fetching and sorting them all would cost more than asking again for a narrower slice.
pub const CROWDED: u64 = 2;

/// The start times a window's matches can have, from the counts kept by writes: the first and
/// last day holding live events, and the longest interval of any event.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Span {
    pub first_day: i64,
    pub last_day: i64,
    pub max_duration_ms: i64,
}

/// Where a walk through the slices stands.
#[derive(Debug, Clone)]
pub struct Slices {
    descending: bool,
    /// Start times not yet visited, both ends included.
    lo: i64,
    hi: i64,
    /// The width of the next slice, in milliseconds.
    width: f64,
    /// Rows the page wants (`limit + 1`) and rows found so far.
    want: u64,
    got: u64,
    /// The milliseconds visited so far.
    seen: f64,
}

impl Slices {
    /// The slices of `f` for `page`, expecting about `expected` matches in the whole window.
    pub fn new(f: &EventFilter, page: &PageRequest, span: Span, expected: f64) -> Self {
        let descending = page.sort.descending();
        debug_assert!(matches!(page.sort, Sort::StartAsc | Sort::StartDesc), "slices are by start time");
        let mut lo = span.first_day.saturating_mul(DAY_MS);
        let mut hi = span.last_day.saturating_add(1).saturating_mul(DAY_MS) - 1;
        if let Some(s) = f.start {
            // An event that started before the window may last into it, up to the longest.
            lo = lo.max(s.timestamp_millis().saturating_sub(span.max_duration_ms.max(0)));
        }
        if let Some(e) = f.end {
            hi = hi.min(e.timestamp_millis());
        }
        // The matches expected per millisecond of the whole window, a cursor or not.
        let per_ms = expected / (hi as f64 - lo as f64 + 1.0).max(1.0);
        if let Some(c) = &page.cursor {
            // The cursor's own instant stays in: its later sequence numbers may follow.
            if descending {
                hi = hi.min(c.key);
            } else {
                lo = lo.max(c.key);
            }
        }
        let want = u64::from(page.limit) + 1;
        let length = (hi as f64 - lo as f64 + 1.0).max(1.0);
        let width = if per_ms > 0.0 { want as f64 * MARGIN / per_ms } else { length };
        Self { descending, lo, hi, width: width.max(1.0), want, got: 0, seen: 0.0 }
    }

    /// The next slice `[from, to)`, or `None` when the page is full or the window is done.
    pub fn next_slice(&mut self) -> Option<(i64, i64)> {
        if self.got >= self.want || self.lo > self.hi {
            return None;
        }
        let width = self.width.min((self.hi as f64 - self.lo as f64) + 1.0).max(1.0) as i64;
        let (from, to) = if self.descending {
            let from = self.hi - (width - 1);
            let slice = (from, self.hi + 1);
            self.hi = from - 1;
            slice
        } else {
            let to = self.lo + width;
            let slice = (self.lo, to);
            self.lo = to;
            slice
        };
        self.seen += (to - from) as f64;
        Some((from, to))
    }

    /// The rows the page still wants (the `LIMIT` of the next slice).
    pub fn wanted(&self) -> u64 {
        self.want.saturating_sub(self.got)
    }

    /// The space index's candidates to count in a slice before fetching it: beyond this many,
    /// the slice is [`Slices::crowded`].
    pub fn probe_cap(&self) -> u64 {
        self.wanted() * CROWDED
    }

    /// Gives back the slice `[from, to)` just taken, whose space index holds at least
    /// [`Slices::probe_cap`] candidates, and narrows the next one: the expected matches of the
    /// window (the count tables' estimate) were too few, as they are for a small box that long
    /// movements cross (an envelope is counted in the cell of its centre only). `false` when the
    /// slice is an hour or less (`NARROWEST_CROWDED`): then it is fetched as it is.
    pub fn crowded(&mut self, from: i64, to: i64) -> bool {
        if to - from <= NARROWEST_CROWDED {
            return false;
        }
        if self.descending {
            self.hi = to - 1;
        } else {
            self.lo = from;
        }
        self.seen -= (to - from) as f64;
        self.width = ((to - from) as f64 / SHRINK).max(1.0);
        true
    }

    /// Records that the last slice gave `rows` rows, and sizes the next from what was seen.
    pub fn found(&mut self, rows: u64) {
        self.got += rows;
        let need = self.wanted() as f64;
        self.width = if self.got > 0 {
            let per_ms = self.got as f64 / self.seen.max(1.0);
            (need * MARGIN / per_ms).min(self.width * GROWTH).max(1.0)
        } else {
            self.width * GROWTH
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::filter::Cursor;

    fn span() -> Span {
        Span { first_day: 0, last_day: 99, max_duration_ms: DAY_MS }
    }

    /// Every slice until done, each giving `per_day` rows a day (at most what is wanted).
    fn walk(mut s: Slices, per_day: f64) -> Vec<(i64, i64)> {
        let mut out = Vec::new();
        while let Some((from, to)) = s.next_slice() {
            out.push((from, to));
            let rows = ((to - from) as f64 / DAY_MS as f64 * per_day) as u64;
            s.found(rows.min(s.wanted()));
        }
        out
    }

    #[test]
    fn slices_cover_the_window_newest_first_without_gap_or_overlap() {
        let page = PageRequest { limit: 1_000_000, sort: Sort::StartDesc, cursor: None };
        let slices = walk(Slices::new(&EventFilter::default(), &page, span(), 50.0), 0.5);
        assert_eq!(slices.first().unwrap().1, 100 * DAY_MS);
        assert_eq!(slices.last().unwrap().0, 0);
        for w in slices.windows(2) {
            assert_eq!(w[1].1, w[0].0, "{slices:?}");
        }
    }

    #[test]
    fn ascending_slices_go_oldest_first_from_the_cursor() {
        let cursor = Some(Cursor { key: 10 * DAY_MS, seq: 5, matched: None });
        let page = PageRequest { limit: 1_000_000, sort: Sort::StartAsc, cursor };
        let slices = walk(Slices::new(&EventFilter::default(), &page, span(), 50.0), 0.5);
        assert_eq!(slices[0].0, 10 * DAY_MS, "the cursor's instant stays in");
        assert_eq!(slices.last().unwrap().1, 100 * DAY_MS);
        for w in slices.windows(2) {
            assert_eq!(w[1].0, w[0].1);
        }
    }

    #[test]
    fn a_good_estimate_takes_one_slice_and_a_poor_one_few_more() {
        let page = PageRequest { limit: 99, sort: Sort::StartDesc, cursor: None };
        // 100 rows a day over 100 days: the page is the newest day and a half.
        assert_eq!(walk(Slices::new(&EventFilter::default(), &page, span(), 10_000.0), 100.0).len(), 1);
        // Told ten times too many matches, the slices widen by eight until the page is full.
        assert!(walk(Slices::new(&EventFilter::default(), &page, span(), 100_000.0), 100.0).len() <= 3);
        // Told ten times too few, the first slice holds more than the page (cut by its limit).
        assert_eq!(walk(Slices::new(&EventFilter::default(), &page, span(), 1_000.0), 100.0).len(), 1);
    }

    #[test]
    fn a_window_bounds_the_slices_and_an_event_may_start_a_longest_interval_before_it() {
        let start = chrono::DateTime::from_timestamp_millis(50 * DAY_MS);
        let end = chrono::DateTime::from_timestamp_millis(60 * DAY_MS);
        let f = EventFilter { start, end, ..Default::default() };
        let page = PageRequest { limit: 1_000_000, sort: Sort::StartDesc, cursor: None };
        let slices = walk(Slices::new(&f, &page, span(), 10.0), 1.0);
        assert_eq!(slices[0].1, 60 * DAY_MS + 1);
        assert_eq!(slices.last().unwrap().0, 49 * DAY_MS);
    }

    #[test]
    fn a_crowded_slice_is_given_back_and_asked_again_narrower_without_gap() {
        let page = PageRequest { limit: 99, sort: Sort::StartDesc, cursor: None };
        // Told a hundred times too few matches: the first slice is the whole window.
        let mut s = Slices::new(&EventFilter::default(), &page, span(), 100.0);
        assert_eq!(s.probe_cap(), 200);
        let (from, to) = s.next_slice().unwrap();
        assert_eq!((from, to), (0, 100 * DAY_MS));
        assert!(s.crowded(from, to));
        let (from2, to2) = s.next_slice().unwrap();
        assert_eq!(to2, to, "the newest end is asked again");
        assert_eq!(to2 - from2, (to - from) / 8);
        // An hour or less, a slice is not given back.
        assert!(!s.crowded(to2 - NARROWEST_CROWDED, to2));
        assert!(s.crowded(to2 - NARROWEST_CROWDED - 1, to2));
        // Ascending: the oldest end is asked again.
        let page = PageRequest { sort: Sort::StartAsc, ..page };
        let mut s = Slices::new(&EventFilter::default(), &page, span(), 100.0);
        let (from, to) = s.next_slice().unwrap();
        assert!(s.crowded(from, to));
        assert_eq!(s.next_slice().unwrap().0, from);
    }

    #[test]
    fn an_empty_window_has_no_slice() {
        let f = EventFilter { end: chrono::DateTime::from_timestamp_millis(-DAY_MS), ..Default::default() };
        let mut s = Slices::new(&f, &PageRequest::default(), span(), 0.0);
        assert_eq!(s.next_slice(), None);
    }
}
