//! The filter terms of a load into an empty SQLite database: kept by key while the load runs and
//! written at its end in key order, so that each row is appended to `event_terms` instead of
//! being placed among the rows of earlier batches.
//!
//! Terms repeat (a country, an actor, a tag for thousands of events), so each key is kept once
//! with the numbers of its events, which arrive in increasing order: nothing but the distinct
//! keys needs sorting, and the memory is about 8 bytes a term.

use rusqlite::Transaction;
use rustc_hash::{FxHashMap, FxHashSet};

use super::append::append;
use crate::store::StoreError;

/// Terms kept for writing: `(kind, value)` to the numbers of its events, increasing.
#[derive(Debug, Default)]
pub struct KeptTerms {
    by_key: FxHashMap<(&'static str, String), Vec<i64>>,
    count: usize,
    /// Events whose kept terms are not to be written: written again during the load, their
    /// current terms went to the table then.
    forgotten: FxHashSet<i64>,
}

impl KeptTerms {
    /// Keeps the term `(kind, value)` of event `seq`; events must come in increasing order.
    pub fn add(&mut self, kind: &'static str, value: String, seq: i64) {
        let seqs = self.by_key.entry((kind, value)).or_default();
        debug_assert!(seqs.last().is_none_or(|&last| last < seq), "events in increasing order");
        seqs.push(seq);
        self.count += 1;
    }

    /// Drops the kept terms of these events (which may have none).
    pub fn forget(&mut self, seqs: impl IntoIterator<Item = i64>) {
        self.forgotten.extend(seqs);
    }

    /// How many terms are kept.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Writes every kept term in key order and forgets them.
    pub fn write(&mut self, tx: &Transaction<'_>) -> Result<(), StoreError> {
        let mut keys: Vec<((&'static str, String), Vec<i64>)> = self.by_key.drain().collect();
        keys.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let forgotten = std::mem::take(&mut self.forgotten);
        let rows = keys
            .iter()
            .flat_map(|((kind, value), seqs)| seqs.iter().map(move |seq| (*kind, value.as_str(), *seq)))
            .filter(|(_, _, seq)| !forgotten.contains(seq));
        append(tx, "event_terms", &["kind", "value", "seq"], rows, |st, at, (kind, value, seq)| {
            st.raw_bind_parameter(at + 1, kind)?;
            st.raw_bind_parameter(at + 2, value)?;
            st.raw_bind_parameter(at + 3, seq)
        })?;
        self.count = 0;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_terms_are_written_whole_and_in_key_order() {
        let mut c = rusqlite::Connection::open_in_memory().unwrap();
        c.execute_batch(
            "CREATE TABLE event_terms (kind TEXT NOT NULL, value TEXT NOT NULL, seq INTEGER NOT NULL,
             PRIMARY KEY (kind, value, seq)) STRICT, WITHOUT ROWID;",
        )
        .unwrap();
        // 257 terms over 22 keys: four statements of 64 rows and one of one.
        let mut kept = KeptTerms::default();
        let mut expected = Vec::new();
        for seq in 1..=257i64 {
            let (kind, value) = (["tag", "actor"][(seq % 2) as usize], format!("v{}", (seq * 37) % 11));
            expected.push((kind.to_string(), value.clone(), seq));
            kept.add(kind, value, seq);
        }
        assert_eq!(kept.len(), 257);
        expected.sort();
        let tx = c.transaction().unwrap();
        kept.write(&tx).unwrap();
        assert_eq!(kept.len(), 0);
        let stored: Vec<(String, String, i64)> = tx
            .prepare("SELECT kind, value, seq FROM event_terms")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(stored, expected);
        // Written again after more terms: the new ones join the stored ones, but for those of
        // forgotten events.
        kept.add("tag", "v3".into(), 300);
        kept.add("tag", "v4".into(), 301);
        kept.add("actor", "v4".into(), 301);
        kept.forget([301, 999]);
        kept.write(&tx).unwrap();
        let n: i64 = tx.query_row("SELECT count(*) FROM event_terms", [], |r| r.get(0)).unwrap();
        assert_eq!(n, 258);
    }
}
