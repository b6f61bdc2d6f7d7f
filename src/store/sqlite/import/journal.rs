//! A first load into a SQLite database that no other connection has open is written with a
//! rollback journal instead of the write-ahead log, and the database goes back to WAL after.
//!
//! With the log, every page of a load is written twice: into the log at the commit, then from the
//! log into the database by the checkpoint that follows (about a second of a 200,000-row import,
//! the log growing to the size of the database). With a rollback journal the new pages go to the
//! database once; the journal keeps only the few pages that existed before, which is what
//! undoes the load after a crash. Durability is the same: the commit is on disk before it is
//! acknowledged (`synchronous = FULL`).
//!
//! Leaving WAL needs the database to itself, so this is only tried by a command that loads it
//! (`eventmap import`, see [`super::connect_for_import`]), after closing its own readers, and only
//! when the database holds no event. While the load runs, other processes cannot read the database
//! (in WAL they could). When another connection has the database open, the switch is refused at
//! once and the load goes through the log as usual.

use std::time::Duration;

use rusqlite::{Connection, ErrorCode};

use crate::store::StoreError;

/// Switches `c` to a rollback journal when the database holds no event and no other connection
/// has it open. Returns whether it did; `c` must not be in a transaction.
pub fn try_rollback_journal(c: &Connection, busy_timeout: Duration) -> Result<bool, StoreError> {
    let empty: bool = c.query_row("SELECT NOT EXISTS (SELECT 1 FROM events)", [], |r| r.get(0))?;
    if !empty {
        return Ok(false);
    }
    // Another connection holding the database is not waited for: the load then uses the log.
    c.busy_timeout(Duration::ZERO)?;
    let mode = c.query_row("PRAGMA journal_mode = DELETE", [], |r| r.get::<_, String>(0));
    c.busy_timeout(busy_timeout)?;
    match mode {
        Ok(m) => Ok(m.eq_ignore_ascii_case("delete")),
        Err(e) if matches!(e.sqlite_error_code(), Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)) => {
            Ok(false)
        }
        Err(e) => Err(e.into()),
    }
}

/// Switches `c` back to the write-ahead log after a load with a rollback journal.
pub fn back_to_wal(c: &Connection) -> Result<(), StoreError> {
    let mode: String = c.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    if mode.eq_ignore_ascii_case("wal") {
        // A read opens the new log on this connection, so that when it closes last it deletes
        // the log as usual (read-only connections cannot).
        c.query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get::<_, i64>(0))?;
        Ok(())
    } else {
        Err(StoreError::Internal(format!("the database stayed in journal mode `{mode}` instead of going back to WAL")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db(dir: &std::path::Path) -> (Connection, std::path::PathBuf) {
        let path = dir.join("j.db");
        let c = Connection::open(&path).unwrap();
        c.execute_batch("PRAGMA journal_mode = WAL; CREATE TABLE events (seq INTEGER PRIMARY KEY, x);").unwrap();
        (c, path)
    }

    fn mode(c: &Connection) -> String {
        c.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap()
    }

    #[test]
    fn an_empty_database_alone_switches_and_goes_back_to_wal() {
        let dir = tempfile::tempdir().unwrap();
        let (c, _) = db(dir.path());
        assert!(try_rollback_journal(&c, Duration::from_secs(1)).unwrap());
        assert_eq!(mode(&c), "delete");
        c.execute_batch("BEGIN; INSERT INTO events (x) VALUES (1); COMMIT;").unwrap();
        back_to_wal(&c).unwrap();
        assert_eq!(mode(&c), "wal");
        let n: i64 = c.query_row("SELECT count(*) FROM events", [], |r| r.get(0)).unwrap();
        assert_eq!(n, 1);
    }

    #[test]
    fn another_connection_or_a_stored_event_keeps_the_log() {
        let dir = tempfile::tempdir().unwrap();
        let (c, path) = db(dir.path());
        let other = Connection::open(&path).unwrap();
        let _: i64 = other.query_row("SELECT count(*) FROM events", [], |r| r.get(0)).unwrap();
        let t = std::time::Instant::now();
        assert!(!try_rollback_journal(&c, Duration::from_secs(5)).unwrap());
        assert!(t.elapsed() < Duration::from_secs(2), "not waited for");
        assert_eq!(mode(&c), "wal");
        drop(other);
        c.execute("INSERT INTO events (x) VALUES (1)", []).unwrap();
        assert!(!try_rollback_journal(&c, Duration::from_secs(1)).unwrap());
        assert_eq!(mode(&c), "wal");
    }
}
