//! Many rows of one table written by one statement: `INSERT OR FAIL INTO t (…) VALUES (…), (…)`.
//!
//! Each statement run has a fixed cost (binding, opening cursors, halting), and an import pays
//! it for every row of every table. Sixty-four rows to a statement share it. `OR FAIL` matters:
//! a plain multi-row insert into a table with a unique key opens a statement journal, so that a
//! failing row can undo the rows before it, and that made such statements slower than single
//! rows (measured, docs/PERFORMANCE.md). With `OR FAIL` a failing row stops the statement with
//! the same error and leaves the rows before it; nothing is lost by that, because every caller
//! writes inside a transaction that a failure rolls back whole.

use rusqlite::{CachedStatement, Statement, Transaction};

use crate::store::StoreError;

/// Rows written by one statement.
pub const ROWS: usize = 64;

/// Writes `rows` into `table`'s `columns`, [`ROWS`] to a statement and the rest one by one, in
/// the order given (SQLite keeps its place in an index within a statement, so rows in key order
/// are appended without a search from the root). `bind` binds one row's values at parameters
/// `at + 1 ..= at + columns.len()`.
pub fn append<T>(
    tx: &Transaction<'_>,
    table: &str,
    columns: &[&str],
    rows: impl IntoIterator<Item = T>,
    mut bind: impl FnMut(&mut Statement<'_>, usize, &T) -> rusqlite::Result<()>,
) -> Result<(), StoreError> {
    let width = columns.len();
    let one_row = format!("({})", vec!["?"; width].join(", "));
    let head = format!("INSERT OR FAIL INTO {table} ({}) VALUES ", columns.join(", "));
    let mut many: Option<CachedStatement<'_>> = None;
    let mut pending: Vec<T> = Vec::with_capacity(ROWS);
    for row in rows {
        pending.push(row);
        if pending.len() == ROWS {
            let st = match &mut many {
                Some(st) => st,
                None => many.insert(tx.prepare_cached(&format!("{head}{}", vec![one_row.as_str(); ROWS].join(", ")))?),
            };
            for (i, row) in pending.iter().enumerate() {
                bind(st, i * width, row)?;
            }
            st.raw_execute()?;
            pending.clear();
        }
    }
    if !pending.is_empty() {
        let mut one = tx.prepare_cached(&format!("{head}{one_row}"))?;
        for row in &pending {
            bind(&mut one, 0, row)?;
            one.raw_execute()?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::Connection;

    fn db() -> Connection {
        let c = Connection::open_in_memory().unwrap();
        c.execute_batch("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT NOT NULL UNIQUE) STRICT;").unwrap();
        c
    }

    fn bind(s: &mut Statement<'_>, at: usize, row: &(i64, String)) -> rusqlite::Result<()> {
        s.raw_bind_parameter(at + 1, row.0)?;
        s.raw_bind_parameter(at + 2, row.1.as_str())
    }

    #[test]
    fn every_row_is_written_in_full_groups_and_one_by_one() {
        let mut c = db();
        for n in [0, 1, ROWS - 1, ROWS, 2 * ROWS + 5] {
            let rows: Vec<(i64, String)> = (0..n as i64).map(|k| (k, format!("v{k}"))).collect();
            let tx = c.transaction().unwrap();
            tx.execute("DELETE FROM t", []).unwrap();
            append(&tx, "t", &["k", "v"], rows.iter().cloned(), bind).unwrap();
            let stored: Vec<(i64, String)> = tx
                .prepare("SELECT k, v FROM t ORDER BY k")
                .unwrap()
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            assert_eq!(stored, rows, "{n} rows");
            tx.commit().unwrap();
        }
    }

    #[test]
    fn a_row_that_breaks_a_constraint_fails_the_call_and_the_rollback_undoes_all() {
        let mut c = db();
        c.execute("INSERT INTO t VALUES (1000, 'kept')", []).unwrap();
        let mut rows: Vec<(i64, String)> = (0..ROWS as i64 + 3).map(|k| (k, format!("v{k}"))).collect();
        rows[10].1 = "kept".into();
        {
            let tx = c.transaction().unwrap();
            let e = append(&tx, "t", &["k", "v"], rows, bind).unwrap_err();
            assert!(e.to_string().contains("UNIQUE"), "{e}");
        }
        let n: i64 = c.query_row("SELECT count(*) FROM t", [], |r| r.get(0)).unwrap();
        assert_eq!(n, 1);
    }
}
