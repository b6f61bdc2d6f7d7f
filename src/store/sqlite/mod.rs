//! The SQLite backend: one file in WAL mode with foreign keys on. The schema is brought up to date
//! by the embedded migrations at open (`migrate`); reads and writes then go through `rusqlite`
//! connections used from blocking threads (see `read` for why): one writer, each write a
//! single `BEGIN IMMEDIATE` transaction, and a small pool of read-only connections.
//!
//! Spatial and time filters go through an R*Tree over (longitude, latitude, day) (two: one
//! for envelopes over a degree wide, one for the rest; `write::rtree_of`), text search
//! through FTS5, and multi-valued filters through `event_terms`; see `store::sql` for the queries.
//!
//! The room: `open` (the file, the connections), `migrate` (the schema, one process at a time),
//! `read` (the readers' pool), `write` (one write's rows), `events`, `accounts` and `captures` (the traits),
//! `dump` (a whole database read for `eventmap copy`), `wal` (the log kept under its cap), and
//! `import/`, the bulk path of a large import.

mod accounts;
mod captures;
mod dump;
mod events;
mod follow;
mod import;
mod migrate;
mod open;
#[cfg(test)]
mod plans_tests;
mod read;
#[cfg(test)]
mod trees_tests;
mod wal;
mod write;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use rusqlite::{Connection, TransactionBehavior};

use crate::store::StoreError;
use read::Readers;

/// The page size of new databases, in bytes. Readers keep 4 MiB of pages each (the memory bar),
/// so at 1,000,000 events most pages a query touches come from the system's file cache, and each
/// read copies a whole page: with 8 KiB pages the window mix served about 1.35 times as many
/// requests a second as with 32 KiB ones, for 4 % more disk (docs/PERFORMANCE.md, "Where the
/// server's time goes under the mix; smaller pages").
pub const PAGE_SIZE: u32 = 8 * 1024;

/// The SQLite store.
#[derive(Clone)]
pub struct SqliteStore {
    path: PathBuf,
    // Fields drop in this order: the readers close before the writer, so that the writer is the
    // last connection and its close checkpoints the log and deletes it (a read-only connection
    // closing last leaves the log behind, and the next process to open the database reads all of
    // it again).
    readers: Readers,
    writer: Arc<Mutex<Connection>>,
    /// Whether a streamed import into an empty database may take the database to itself
    /// (`import::journal`): only for a process that does nothing else meanwhile.
    exclusive_loads: bool,
    /// Rung by writes that leave the write-ahead log past [`wal::CHECKPOINT_AT`].
    wal_bell: Arc<wal::Bell>,
}

/// How long a connection waits for a lock held by another.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// The error of a write whose caller stopped waiting; nobody sees it.
fn abandoned() -> StoreError {
    StoreError::Unavailable("the request ended before its change was committed".into())
}

fn join_error(e: tokio::task::JoinError) -> StoreError {
    StoreError::Internal(format!("database task failed: {e}"))
}

impl SqliteStore {
    /// Runs `f` in one write transaction on a blocking thread; commits when it returns `Ok` and
    /// the caller still waits for the answer. A caller that gave up (its request ended at the
    /// time limit, or its client went away) is told nothing, so its change is rolled back rather
    /// than committed unseen: a client that retries after a 503 must not find it stored twice.
    async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let writer = self.writer.clone();
        let (path, bell) = (self.path.clone(), self.wal_bell.clone());
        let (answer, answered) = tokio::sync::oneshot::channel();
        let task = tokio::task::spawn_blocking(move || {
            let run = || {
                let mut c = writer.lock().map_err(|_| StoreError::Internal("writer lock poisoned".into()))?;
                if answer.is_closed() {
                    return Err(abandoned());
                }
                let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
                let out = f(&tx)?;
                if answer.is_closed() {
                    return Err(abandoned()); // `tx` rolls back as it drops
                }
                tx.commit()?;
                if wal::wal_bytes(&path) > wal::CHECKPOINT_AT {
                    bell.ring();
                }
                Ok(out)
            };
            let result = run();
            let _ = answer.send(result);
        });
        match answered.await {
            Ok(result) => result,
            Err(_) => Err(task.await.err().map_or_else(abandoned, join_error)),
        }
    }

    /// Runs `f` on a fresh read connection on a blocking thread.
    async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        self.readers.run(f).await
    }

    /// The database file.
    pub(super) fn path(&self) -> &std::path::Path {
        &self.path
    }

    /// Checkpoints and truncates the write-ahead log on the writer `c` after an import. A failure
    /// is logged, not returned: the import is committed, and the keeper tries again.
    fn truncate_wal(c: &Connection, readers: &Readers) {
        match wal::truncate_fully(c, readers, BUSY_TIMEOUT) {
            Ok(done) if done.busy => {
                tracing::warn!(frames = done.frames, "write-ahead log not truncated: another process reads it")
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(cause = %e, "checkpointing the write-ahead log failed"),
        }
    }
}

#[async_trait]
impl crate::store::Store for SqliteStore {
    /// A consistent copy of the whole database into a new file (`VACUUM INTO`), safe while serving,
    /// written with [`PAGE_SIZE`] pages whatever the database's own (a database made when new
    /// files took larger pages is brought to today's by restoring a backup).
    async fn backup(&self, path: &str) -> Result<(), StoreError> {
        if std::path::Path::new(path).exists() {
            return Err(StoreError::Conflict(format!("`{path}` exists; choose a new file name")));
        }
        let db = self.path.clone();
        let target = path.to_string();
        tokio::task::spawn_blocking(move || -> Result<(), StoreError> {
            let c = Connection::open(db)?;
            c.busy_timeout(Duration::from_secs(30))?;
            c.pragma_update(None, "page_size", PAGE_SIZE)?;
            c.execute("VACUUM INTO ?1", [target])?;
            Ok(())
        })
        .await
        .map_err(join_error)?
    }

    async fn repaired(&self, name: &str) -> Result<bool, StoreError> {
        let key = crate::store::repair_key(name);
        self.read(move |c| Ok(c.prepare_cached("SELECT 1 FROM meta WHERE key = ?1")?.exists([key])?)).await
    }

    fn wal_bytes(&self) -> Option<u64> {
        Some(wal::wal_bytes(&self.path))
    }

    async fn checkpoint(&self) -> Result<(), StoreError> {
        let (writer, readers) = (self.writer.clone(), self.readers.clone());
        tokio::task::spawn_blocking(move || {
            let c = writer.lock().map_err(|_| StoreError::Internal("writer lock poisoned".into()))?;
            match wal::truncate_fully(&c, &readers, BUSY_TIMEOUT)? {
                wal::Checkpoint { busy: true, .. } => {
                    Err(StoreError::Unavailable("another process reads the write-ahead log".into()))
                }
                _ => Ok(()),
            }
        })
        .await
        .map_err(join_error)?
    }

    async fn mark_repaired(&self, name: &str) -> Result<(), StoreError> {
        let key = crate::store::repair_key(name);
        self.write(move |tx| {
            tx.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?1, 1)", [key])?;
            Ok(())
        })
        .await
    }
}
