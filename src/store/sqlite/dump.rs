//! Reading a whole SQLite database out, row for row, for `eventmap copy`: one read transaction
//! on a connection of its own (a consistent snapshot while a server keeps writing), streamed in
//! chunks from a blocking thread.

use rusqlite::{Connection, OpenFlags};
use tokio::sync::mpsc::{Receiver, Sender, channel};
use uuid::Uuid;

use super::SqliteStore;
use crate::store::StoreError;
use crate::store::captures::CAPTURE_COLUMNS;
use crate::store::stored::{self, PLACE_COLUMNS, TOKEN_COLUMNS};
use crate::store::transfer::{
    BLOBS_PER_CHUNK, BlobRow, COUNTS_COLUMNS, COUNTS_SQL, CaptureRow, ChangeRow, Chunk, Counts, EventRow,
    FOLLOW_TABLES, LinkRow, PlaceRow, RevisionRow, SourceRow, sqlite_json_rows,
};

fn uuid(s: String) -> Result<Uuid, StoreError> {
    Uuid::parse_str(&s).map_err(|e| StoreError::Internal(format!("stored id `{s}` is not a UUID: {e}")))
}

fn counts(c: &Connection) -> Result<Counts, StoreError> {
    let n = c.query_row(COUNTS_SQL, [], |r| {
        let mut n = [0i64; COUNTS_COLUMNS];
        for (i, v) in n.iter_mut().enumerate() {
            *v = r.get(i)?;
        }
        Ok(n)
    })?;
    Ok(Counts::from_row(n))
}

/// Streams the rows of `sql` in chunks of `size`, each row mapped by `row` and each chunk
/// wrapped by `wrap`. Returns false when the receiver has gone.
fn stream<T>(
    c: &Connection,
    tx: &Sender<Result<Chunk, StoreError>>,
    size: usize,
    sql: &str,
    row: impl Fn(&rusqlite::Row<'_>) -> Result<T, StoreError>,
    wrap: impl Fn(Vec<T>) -> Chunk,
) -> Result<bool, StoreError> {
    let mut st = c.prepare(sql)?;
    let mut rows = st.query([])?;
    let mut batch = Vec::with_capacity(size);
    while let Some(r) = rows.next()? {
        batch.push(row(r)?);
        if batch.len() == size && tx.blocking_send(Ok(wrap(std::mem::take(&mut batch)))).is_err() {
            return Ok(false);
        }
    }
    Ok(batch.is_empty() || tx.blocking_send(Ok(wrap(batch))).is_ok())
}

fn dump_all(c: &Connection, tx: &Sender<Result<Chunk, StoreError>>, size: usize) -> Result<(), StoreError> {
    // The snapshot starts with the first read of this transaction and holds to its end.
    c.execute_batch("BEGIN")?;
    if tx.blocking_send(Ok(Chunk::Start(counts(c)?))).is_err() {
        return Ok(());
    }
    let steps: [&dyn Fn() -> Result<bool, StoreError>; 10] = [
        &|| {
            stream(c, tx, size, "SELECT key, value FROM meta ORDER BY key", |r| Ok((r.get(0)?, r.get(1)?)), Chunk::Meta)
        },
        &|| {
            stream(
                c,
                tx,
                size,
                &format!("SELECT {TOKEN_COLUMNS} FROM tokens ORDER BY created_at, id"),
                |r| stored::token(r),
                Chunk::Tokens,
            )
        },
        &|| {
            stream(
                c,
                tx,
                size,
                &format!("SELECT {PLACE_COLUMNS}, created_at, created_by FROM places ORDER BY id"),
                |r| {
                    let place = stored::place(r)?;
                    Ok(PlaceRow { place, created_at: r.get(9)?, created_by: r.get(10)? })
                },
                Chunk::Places,
            )
        },
        &|| {
            stream(
                c,
                tx,
                size,
                "SELECT id, url, title, publisher, published_at, language, archived_url, created_at FROM sources \
                 ORDER BY created_at, id",
                |r| {
                    Ok(SourceRow {
                        id: uuid(r.get(0)?)?,
                        url: r.get(1)?,
                        title: r.get(2)?,
                        publisher: r.get(3)?,
                        published_at: r.get(4)?,
                        language: r.get(5)?,
                        archived_url: r.get(6)?,
                        created_at: r.get(7)?,
                    })
                },
                Chunk::Sources,
            )
        },
        &|| {
            stream(
                c,
                tx,
                size,
                "SELECT seq, id, t_start, t_max, t_day, category, status, min_lon, min_lat, max_lon, max_lat, \
                 created_at, updated_at, change_seq, revision, deleted, geometry_explicit, feature FROM events ORDER BY seq",
                |r| {
                    Ok(EventRow {
                        seq: r.get(0)?,
                        id: uuid(r.get(1)?)?,
                        t_start: r.get(2)?,
                        t_max: r.get(3)?,
                        t_day: r.get(4)?,
                        category: r.get(5)?,
                        status: r.get(6)?,
                        envelope: [r.get(7)?, r.get(8)?, r.get(9)?, r.get(10)?],
                        created_at: r.get(11)?,
                        updated_at: r.get(12)?,
                        change_seq: r.get(13)?,
                        revision: r.get(14)?,
                        deleted: r.get::<_, i64>(15)? != 0,
                        geometry_explicit: r.get::<_, i64>(16)? != 0,
                        feature: r.get(17)?,
                    })
                },
                Chunk::Events,
            )
        },
        &|| {
            stream(
                c,
                tx,
                size,
                "SELECT seq, source_id, position, excerpt FROM event_sources ORDER BY seq, position",
                |r| {
                    Ok(LinkRow { seq: r.get(0)?, source_id: uuid(r.get(1)?)?, position: r.get(2)?, excerpt: r.get(3)? })
                },
                Chunk::Links,
            )
        },
        &|| {
            stream(
                c,
                tx,
                size,
                "SELECT e.id, r.revision, r.at, r.actor, r.action, r.reason, r.changes FROM revisions r \
                 JOIN events e ON e.seq = r.seq ORDER BY e.id, r.revision",
                |r| {
                    Ok(RevisionRow {
                        event_id: uuid(r.get(0)?)?,
                        revision: r.get(1)?,
                        at: r.get(2)?,
                        actor: r.get(3)?,
                        action: r.get(4)?,
                        reason: r.get(5)?,
                        changes: r.get(6)?,
                    })
                },
                Chunk::Revisions,
            )
        },
        &|| {
            stream(
                c,
                tx,
                size,
                "SELECT at, last_seq FROM change_log ORDER BY at",
                |r| Ok(ChangeRow { at: r.get(0)?, last_seq: r.get(1)? }),
                Chunk::Changes,
            )
        },
        &|| {
            stream(
                c,
                tx,
                BLOBS_PER_CHUNK.min(size),
                "SELECT sha256, bytes FROM capture_blobs ORDER BY sha256",
                |r| Ok(BlobRow { sha256: r.get(0)?, bytes: r.get(1)? }),
                Chunk::Blobs,
            )
        },
        &|| {
            stream(
                c,
                tx,
                size,
                &format!("SELECT {CAPTURE_COLUMNS}, next_at FROM captures ORDER BY requested_at, id"),
                |r| Ok(CaptureRow { capture: super::captures::capture(r)?, next_at: r.get(18)? }),
                Chunk::Captures,
            )
        },
    ];
    for step in steps {
        if !step()? {
            return Ok(());
        }
    }
    for (table, columns, order) in FOLLOW_TABLES {
        let sql = sqlite_json_rows(table, columns, order);
        if !stream(c, tx, size, &sql, |r| Ok(r.get::<_, String>(0)?), |rows| Chunk::Follow(table, rows))? {
            return Ok(());
        }
    }
    c.execute_batch("COMMIT")?;
    Ok(())
}

impl SqliteStore {
    /// Rows in each table.
    pub async fn counts(&self) -> Result<Counts, StoreError> {
        let path = self.path().to_path_buf();
        tokio::task::spawn_blocking(move || {
            let c = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
            counts(&c)
        })
        .await
        .map_err(|e| StoreError::Internal(format!("database task failed: {e}")))?
    }

    /// Every row of the database from one consistent snapshot, in chunks of at most `size`
    /// rows, in the order [`Chunk`] describes; the first chunk holds the snapshot's counts.
    pub fn dump(&self, size: usize) -> Receiver<Result<Chunk, StoreError>> {
        let path = self.path().to_path_buf();
        let (tx, rx) = channel(4);
        tokio::task::spawn_blocking(move || {
            let res = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
                .map_err(StoreError::from)
                .and_then(|c| {
                    c.busy_timeout(std::time::Duration::from_secs(30))?;
                    dump_all(&c, &tx, size.max(1))
                });
            if let Err(e) = res {
                let _ = tx.blocking_send(Err(e));
            }
        });
        rx
    }
}
