//! Loads into an empty SQLite database: the secondary indexes of `events` are dropped when the
//! load begins and built again when it ends, inside the load's own transaction.
//!
//! An event row is appended (its number only grows), but each of its three indexes (the public
//! id, the change number, the time) takes it at a random place, and those inserts were half of a
//! row's cost. Building an index from every row at once sorts the keys and writes full pages
//! bottom up instead. Readers see none of this: the drop, the rows and the new indexes become
//! visible together at the commit, and a rollback brings the old indexes back with the old rows.
//!
//! The tile counts are deferred for every import alike (`counts`).
//!
//! Only a database without events qualifies. In one that holds events an import must look them
//! up by id as it goes, and rebuilding the indexes of every stored event for the sake of a few
//! new ones would cost more than it saves.

use rusqlite::Transaction;

use crate::store::StoreError;

/// The indexes of `events` that a load dropped, as the statements that create them.
#[derive(Debug, Default)]
pub struct Deferred {
    create: Vec<String>,
}

/// Drops the secondary indexes of `events` inside `tx`; [`finish`] builds them again. Only for a
/// database that holds no events, whose rows must then be found by number until [`finish`].
pub fn begin(tx: &Transaction<'_>) -> Result<Deferred, StoreError> {
    let indexes: Vec<(String, String)> = tx
        .prepare(
            "SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'events' AND sql IS NOT NULL \
             ORDER BY name",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    for (name, _) in &indexes {
        tx.execute_batch(&format!("DROP INDEX \"{}\"", name.replace('"', "\"\"")))?;
    }
    Ok(Deferred { create: indexes.into_iter().map(|(_, sql)| sql).collect() })
}

/// Builds the indexes that [`begin`] dropped, over every row now in `events`. A unique index
/// that its rows break fails the load (the import checks ids first, so this is a safeguard).
pub fn finish(tx: &Transaction<'_>, d: Deferred) -> Result<(), StoreError> {
    for sql in d.create {
        tx.execute_batch(&sql)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::Connection;

    fn db() -> Connection {
        let c = Connection::open_in_memory().unwrap();
        c.execute_batch(
            "CREATE TABLE events (seq INTEGER PRIMARY KEY, id TEXT NOT NULL, t INTEGER NOT NULL);
             CREATE UNIQUE INDEX events_by_id ON events (id);
             CREATE INDEX events_by_t ON events (t);
             CREATE TABLE other (x); CREATE INDEX other_x ON other (x);",
        )
        .unwrap();
        c
    }

    fn indexes(c: &Connection) -> Vec<String> {
        c.prepare("SELECT name || ': ' || sql FROM sqlite_schema WHERE type = 'index' ORDER BY name")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    #[test]
    fn the_indexes_of_events_are_dropped_and_built_again_as_they_were() {
        let mut c = db();
        let before = indexes(&c);
        let tx = c.transaction().unwrap();
        let d = begin(&tx).unwrap();
        let during: Vec<String> = indexes(&tx);
        assert_eq!(during, vec!["other_x: CREATE INDEX other_x ON other (x)".to_string()]);
        for i in 0..100 {
            tx.execute(
                "INSERT INTO events (seq, id, t) VALUES (?1, ?2, ?3)",
                rusqlite::params![i, format!("e{i}"), 99 - i],
            )
            .unwrap();
        }
        finish(&tx, d).unwrap();
        tx.commit().unwrap();
        assert_eq!(indexes(&c), before);
        let plan: String =
            c.query_row("EXPLAIN QUERY PLAN SELECT seq FROM events WHERE id = 'e5'", [], |r| r.get(3)).unwrap();
        assert!(plan.contains("events_by_id"), "{plan}");
        assert!(c.execute("INSERT INTO events (seq, id, t) VALUES (500, 'e5', 0)", []).is_err(), "still unique");
    }

    #[test]
    fn a_unique_index_that_the_loaded_rows_break_fails_the_load_and_a_rollback_restores_it() {
        let mut c = db();
        let before = indexes(&c);
        {
            let tx = c.transaction().unwrap();
            let d = begin(&tx).unwrap();
            tx.execute_batch("INSERT INTO events (seq, id, t) VALUES (1, 'a', 0), (2, 'a', 0)").unwrap();
            assert!(finish(&tx, d).is_err());
        }
        assert_eq!(indexes(&c), before);
        let n: i64 = c.query_row("SELECT count(*) FROM events", [], |r| r.get(0)).unwrap();
        assert_eq!(n, 0);
    }
}
