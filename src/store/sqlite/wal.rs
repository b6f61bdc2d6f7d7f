//! Keeping the write-ahead log under its cap: a keeper thread checkpoints the log into the
//! database and truncates it once it passes [`CHECKPOINT_AT`], looking every second and whenever
//! a write leaves it that large; imports and a stop truncate it at once.
//!
//! SQLite's own checkpoints are passive: they copy what no reader still needs and start the log
//! again from its beginning only at a moment when no reader uses it. Under steady reads that
//! moment never comes, and the log grew without bound (497 MiB after 70 s of mixed load, 1.3 GB
//! with two imports; `journal_size_limit` only cuts a log that has been started again). A
//! `TRUNCATE` checkpoint copies every frame and cuts the file to nothing, but only once no
//! reader uses the log; with reads that never stop, it waited in vain as often as not (tried
//! with a 2 s wait: busy in most rounds, the log at 59 MiB). So when a first try finds readers,
//! the keeper pauses this process's readers (`Readers::paused`: each read in flight finishes,
//! new ones wait) for the length of the checkpoint, a fraction of a second.
//!
//! A single transaction larger than the cap (a big import) still writes all of its pages to the
//! log; the log is truncated as soon as it commits.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, Weak};
use std::time::Duration;

use rusqlite::Connection;

use super::read::{Readers, WeakReaders};
use crate::store::StoreError;

/// The largest the log may be outside one transaction, in bytes (`journal_size_limit`).
pub const WAL_CAP: u64 = 64 * 1024 * 1024;

/// The size at which the keeper checkpoints and truncates the log: a quarter of the cap, so that
/// the writes made while a checkpoint waits for readers cannot take the log past the cap.
pub const CHECKPOINT_AT: u64 = WAL_CAP / 4;

/// How often the keeper looks at the log when no write pokes it.
const EVERY: Duration = Duration::from_secs(1);

/// How long a checkpoint, with this process's readers paused, waits for those of other
/// processes before it gives up for this round (writes and reads wait meanwhile).
const WAIT_FOR_READERS: Duration = Duration::from_secs(2);

/// The log file of the database at `db`.
pub fn wal_path(db: &Path) -> PathBuf {
    let mut p = db.as_os_str().to_owned();
    p.push("-wal");
    PathBuf::from(p)
}

/// The size of the log file in bytes (0 when there is none).
pub fn wal_bytes(db: &Path) -> u64 {
    std::fs::metadata(wal_path(db)).map(|m| m.len()).unwrap_or(0)
}

/// What a checkpoint did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checkpoint {
    /// Whether a reader or writer kept it from finishing.
    pub busy: bool,
    /// Frames in the log before it ran.
    pub frames: i64,
}

/// Copies the whole log into the database and truncates it to nothing, waiting for readers of
/// older snapshots up to `wait`. `c` must not be in a transaction.
pub fn truncate(c: &Connection, wait: Duration, normal_wait: Duration) -> Result<Checkpoint, StoreError> {
    c.busy_timeout(wait)?;
    let out = c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
        Ok(Checkpoint { busy: r.get::<_, i64>(0)? != 0, frames: r.get(1)? })
    });
    c.busy_timeout(normal_wait)?;
    Ok(out?)
}

/// Checkpoints and truncates the log on the writer `c`: at once if no reader uses it, else with
/// `readers` paused. `c` must not be in a transaction.
pub fn truncate_fully(c: &Connection, readers: &Readers, normal_wait: Duration) -> Result<Checkpoint, StoreError> {
    let first = truncate(c, Duration::ZERO, normal_wait)?;
    if !first.busy {
        return Ok(first);
    }
    readers.paused(|| truncate(c, WAIT_FOR_READERS, normal_wait))
}

/// The keeper's bell: writes ring it when the log has grown past [`CHECKPOINT_AT`].
#[derive(Default)]
pub struct Bell {
    rung: Mutex<bool>,
    cv: Condvar,
}

impl Bell {
    /// Wakes the keeper now.
    pub fn ring(&self) {
        *self.rung.lock().unwrap_or_else(|p| p.into_inner()) = true;
        self.cv.notify_one();
    }

    /// Waits for a ring or for `at_most`.
    fn wait(&self, at_most: Duration) {
        let rung = self.rung.lock().unwrap_or_else(|p| p.into_inner());
        let (mut rung, _) = self.cv.wait_timeout_while(rung, at_most, |r| !*r).unwrap_or_else(|p| p.into_inner());
        *rung = false;
    }
}

/// Starts the keeper of the log of `db`, written through `writer`. It stops when the writer is
/// dropped; a round that finds the writer busy (a long import) leaves the log to the next.
pub fn keep(
    db: PathBuf,
    writer: Weak<Mutex<Connection>>,
    readers: WeakReaders,
    bell: Arc<Bell>,
    normal_wait: Duration,
) {
    let spawned = std::thread::Builder::new().name("eventmap-wal".into()).spawn(move || {
        loop {
            bell.wait(EVERY);
            let (Some(writer), Some(readers)) = (writer.upgrade(), readers.upgrade()) else { return };
            if wal_bytes(&db) <= CHECKPOINT_AT {
                continue;
            }
            // Waits for the write in progress; a long import holds the writer to its end and
            // truncates the log itself.
            let Ok(c) = writer.lock() else { return };
            let before = wal_bytes(&db);
            match truncate_fully(&c, &readers, normal_wait) {
                Ok(Checkpoint { busy: false, .. }) => {
                    tracing::debug!(bytes = before, "write-ahead log checkpointed and truncated")
                }
                Ok(Checkpoint { busy: true, .. }) => {
                    tracing::warn!(
                        bytes = before,
                        "write-ahead log not truncated: another process reads the database; tried again soon"
                    )
                }
                Err(e) => tracing::warn!(cause = %e, "checkpointing the write-ahead log failed"),
            }
        }
    });
    if let Err(e) = spawned {
        tracing::warn!(cause = %e, "the write-ahead log keeper did not start; SQLite's own checkpoints remain");
    }
}
