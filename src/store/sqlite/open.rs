//! Opening a SQLite database: the file in WAL mode with foreign keys on, its schema brought up
//! to date by the embedded migrations (`migrate`, serialised between processes), then one writer
//! and a pool of read-only `rusqlite` connections. The migrations' own tests live here.

use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rusqlite::{Connection, ErrorCode};
use sqlx::sqlite::SqliteConnectOptions;

use super::import;
use super::read::Readers;
use super::{BUSY_TIMEOUT, PAGE_SIZE, SqliteStore, join_error, wal};
use crate::store::StoreError;

/// The memory SQLite may keep in all connections of a serving process, in bytes, before it
/// reuses cached pages instead of taking more: the writer's 16 MiB cache, the readers' 4 MiB
/// each, statements and schemas, with room for a streamed import's pages.
const SOFT_HEAP_LIMIT: i64 = 64 * 1024 * 1024;

impl SqliteStore {
    /// Opens (creating if needed) the database at `url` and runs the migrations.
    ///
    /// Every step waits up to 10 s (`BUSY_TIMEOUT`) for a lock another process holds (an import, a
    /// backup, another command migrating the same new file), as docs/DEPLOYMENT.md says.
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        let opts = SqliteConnectOptions::from_str(url)
            .map_err(|e| StoreError::Unavailable(format!("bad SQLite URL `{url}`: {e}")))?;
        let path = opts.get_filename().to_path_buf();
        let p = path.clone();
        let (writer, readers) = tokio::task::spawn_blocking(move || -> Result<_, StoreError> {
            let mut c = Connection::open(&p)
                .map_err(|e| StoreError::Unavailable(format!("cannot open `{}`: {e}", p.display())))?;
            // The busy timeout first: every statement below may meet another process's lock.
            c.busy_timeout(BUSY_TIMEOUT)?;
            // Only a new database takes this page size (an old one keeps its own until a VACUUM,
            // or a restored `eventmap backup`). See `PAGE_SIZE` for why 8 KiB.
            c.pragma_update(None, "page_size", PAGE_SIZE)?;
            // FULL: a commit is on disk before it is acknowledged, even if the machine loses power.
            // The log is cut back to its cap when SQLite starts it again (a large import grows it
            // to the size of what it wrote, and it would stay that size on disk); `wal::keep`
            // makes sure that it is started again. No map of the file outside streamed imports
            // (`import::stream`): every page the writer touched through it stayed resident,
            // the whole database in time.
            set_wal(&c)?;
            c.execute_batch(
                "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; \
                 PRAGMA temp_store = memory; PRAGMA mmap_size = 0;",
            )?;
            // All connections of the process together: SQLite reuses cached pages rather than
            // take more memory past it (a streamed import's large cache included).
            c.pragma_update(None, "soft_heap_limit", SOFT_HEAP_LIMIT)?;
            c.pragma_update(None, "journal_size_limit", wal::WAL_CAP as i64)?;
            super::migrate::run(&mut c)?;
            c.pragma_update(None, "cache_size", -import::WRITER_CACHE_KIB)?;
            c.set_prepared_statement_cache_capacity(64);
            Ok((c, Readers::open(p, 4)?))
        })
        .await
        .map_err(join_error)??;
        let writer = Arc::new(Mutex::new(writer));
        let wal_bell = Arc::new(wal::Bell::default());
        wal::keep(path.clone(), Arc::downgrade(&writer), readers.downgrade(), wal_bell.clone(), BUSY_TIMEOUT);
        Ok(Self { path, writer, readers, exclusive_loads: false, wal_bell })
    }

    /// Opens the database for `eventmap import`: as [`SqliteStore::open`], and a streamed import
    /// into a database without events takes it to itself and writes it with a rollback journal
    /// (see `import::journal`), unless another connection has it open.
    pub async fn open_for_import(url: &str) -> Result<Self, StoreError> {
        let store = Self { exclusive_loads: true, ..Self::open(url).await? };
        // A process that only imports may use what memory the import's cache asks for.
        let writer = store.writer.clone();
        tokio::task::spawn_blocking(move || -> Result<(), StoreError> {
            let c = writer.lock().map_err(|_| StoreError::Internal("writer lock poisoned".into()))?;
            Ok(c.pragma_update(None, "soft_heap_limit", 0)?)
        })
        .await
        .map_err(join_error)??;
        Ok(store)
    }
}

/// Puts the database in WAL mode, waiting up to [`BUSY_TIMEOUT`] for another process. The switch
/// does not wait out the busy timeout by itself: while `eventmap import` wrote a load with a
/// rollback journal (and switched back to WAL after), `serve` failed with "database is locked"
/// well before the 10 s it documents (3.5 s in the issue's trials). So it is tried again here.
fn set_wal(c: &Connection) -> Result<(), StoreError> {
    let started = Instant::now();
    loop {
        match c.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get::<_, String>(0)) {
            Ok(mode) if mode.eq_ignore_ascii_case("wal") => return Ok(()),
            Ok(mode) => return Err(StoreError::Internal(format!("the database stays in journal mode {mode}"))),
            Err(rusqlite::Error::SqliteFailure(e, _))
                if matches!(e.code, ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
                    && started.elapsed() < BUSY_TIMEOUT =>
            {
                std::thread::sleep(Duration::from_millis(25));
            }
            Err(e) => return Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use rusqlite::Connection;

    /// Migration 0004 rebuilds `events` with named unique indexes and keeps every row and link.
    #[test]
    fn migration_4_keeps_every_event_and_link_and_their_rules() {
        let c = Connection::open_in_memory().unwrap();
        c.execute_batch("PRAGMA foreign_keys = ON").unwrap();
        for m in [
            include_str!("../../../migrations/sqlite/0001_events.sql"),
            include_str!("../../../migrations/sqlite/0002_tokens_places.sql"),
            include_str!("../../../migrations/sqlite/0003_revisions_by_seq.sql"),
        ] {
            c.execute_batch(m).unwrap();
        }
        let insert = |c: &Connection, seq: i64, id: &str, change: i64| {
            c.execute(
                "INSERT INTO events (seq, id, t_start, t_max, t_day, category, status, created_at, updated_at, \
                 change_seq, revision, feature) VALUES (?1, ?2, ?1, ?1, 0, 'other', 'reported', 0, 0, ?3, 1, ?2)",
                rusqlite::params![seq, id, change],
            )
        };
        for (seq, id) in [(1, "b"), (2, "a"), (5, "c")] {
            insert(&c, seq, id, seq * 10).unwrap();
        }
        c.execute("INSERT INTO sources (id, url, created_at) VALUES ('s', 'https://example.org/s', 0)", []).unwrap();
        c.execute(
            "INSERT INTO event_sources (seq, source_id, position, excerpt) VALUES (2, 's', 0, 'x'), (5, 's', 0, NULL)",
            [],
        )
        .unwrap();
        let dump = |c: &Connection| -> Vec<String> {
            c.prepare(
                "SELECT seq || '|' || id || '|' || t_start || '|' || change_seq || '|' || feature FROM events ORDER BY seq",
            )
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .chain(
                c.prepare("SELECT seq || '|' || source_id || '|' || coalesce(excerpt, '-') FROM event_sources ORDER BY seq")
                    .unwrap()
                    .query_map([], |r| r.get(0))
                    .unwrap(),
            )
            .collect::<Result<_, _>>()
            .unwrap()
        };
        let before = dump(&c);
        // sqlx runs each migration in a transaction, foreign keys enforced.
        c.execute_batch(&format!(
            "BEGIN; {} COMMIT;",
            include_str!("../../../migrations/sqlite/0004_events_named_indexes.sql")
        ))
        .unwrap();
        assert_eq!(dump(&c), before, "no event and no link lost");
        assert!(insert(&c, 6, "a", 60).is_err(), "ids stay unique");
        assert!(insert(&c, 6, "d", 10).is_err(), "change numbers stay unique");
        let parent: String = c
            .query_row(
                "SELECT \"table\" FROM pragma_foreign_key_list('event_sources') WHERE \"from\" = 'seq'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(parent, "events");
        c.execute("DELETE FROM events WHERE seq = 2", []).unwrap();
        let links: i64 = c.query_row("SELECT count(*) FROM event_sources", [], |r| r.get(0)).unwrap();
        assert_eq!(links, 1, "links still follow their event");
        let plan: String =
            c.query_row("EXPLAIN QUERY PLAN SELECT seq FROM events WHERE id = 'c'", [], |r| r.get(3)).unwrap();
        assert!(plan.contains("events_by_id"), "{plan}");
    }

    /// Migration 0005 gives every live event stored before it the geometry term writers now add.
    #[test]
    fn migration_5_gives_every_live_event_its_geometry_type_as_a_term() {
        let c = Connection::open_in_memory().unwrap();
        for m in [
            include_str!("../../../migrations/sqlite/0001_events.sql"),
            include_str!("../../../migrations/sqlite/0002_tokens_places.sql"),
            include_str!("../../../migrations/sqlite/0003_revisions_by_seq.sql"),
            include_str!("../../../migrations/sqlite/0004_events_named_indexes.sql"),
        ] {
            c.execute_batch(m).unwrap();
        }
        for (seq, deleted, feature) in [
            (1, 0, r#"{"type":"Feature","id":"a","geometry":{"type":"Point","coordinates":[1,2]},"properties":{}}"#),
            (
                2,
                0,
                r#"{"type":"Feature","id":"b","geometry":{"type":"LineString","coordinates":[[1,2],[3,4]]},"properties":{}}"#,
            ),
            (3, 1, r#"{"type":"Feature","id":"c","geometry":null,"properties":{"deleted":true}}"#),
        ] {
            c.execute(
                "INSERT INTO events (seq, id, t_start, t_max, t_day, category, status, created_at, updated_at, \
                 change_seq, revision, deleted, feature) VALUES (?1, ?1, 0, 0, 0, 'other', 'reported', 0, 0, ?1, 1, ?2, ?3)",
                rusqlite::params![seq, deleted, feature],
            )
            .unwrap();
        }
        c.execute("INSERT INTO event_terms (kind, value, seq) VALUES ('tag', 'navy', 1)", []).unwrap();
        c.execute_batch(include_str!("../../../migrations/sqlite/0005_geometry_terms.sql")).unwrap();
        let terms: Vec<(String, String, i64)> = c
            .prepare("SELECT kind, value, seq FROM event_terms ORDER BY seq, kind")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let want = [("geometry", "Point", 1), ("tag", "navy", 1), ("geometry", "LineString", 2)];
        assert_eq!(terms, want.map(|(k, v, s)| (k.to_string(), v.to_string(), s)), "none for the tombstone");
    }

    /// Migration 0003 moves every revision to its event's storage number, in order.
    #[test]
    fn migration_3_keys_every_revision_by_its_events_seq() {
        let c = Connection::open_in_memory().unwrap();
        c.execute_batch(include_str!("../../../migrations/sqlite/0001_events.sql")).unwrap();
        c.execute_batch(include_str!("../../../migrations/sqlite/0002_tokens_places.sql")).unwrap();
        for (seq, id) in [(1, "b"), (2, "a")] {
            c.execute(
                "INSERT INTO events (seq, id, t_start, t_max, t_day, category, status, created_at, updated_at, \
                 change_seq, revision, feature) VALUES (?1, ?2, 0, 0, 0, 'other', 'reported', 0, 0, ?1, 1, '{}')",
                rusqlite::params![seq, id],
            )
            .unwrap();
        }
        for (id, rev, action, changes) in
            [("a", 1, "create", "{}"), ("b", 1, "import", "{}"), ("a", 2, "update", r#"{"title":{}}"#)]
        {
            c.execute(
                "INSERT INTO revisions VALUES (?1, ?2, ?2 * 1000, 'desk', ?3, NULL, ?4)",
                rusqlite::params![id, rev, action, changes],
            )
            .unwrap();
        }
        c.execute_batch(include_str!("../../../migrations/sqlite/0003_revisions_by_seq.sql")).unwrap();
        let rows: Vec<(i64, i64, i64, String, String)> = c
            .prepare("SELECT seq, revision, at, action, changes FROM revisions ORDER BY seq, revision")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            rows,
            vec![
                (1, 1, 1000, "import".into(), "{}".into()),
                (2, 1, 1000, "create".into(), "{}".into()),
                (2, 2, 2000, "update".into(), r#"{"title":{}}"#.into()),
            ]
        );
    }
}
