//! Writing a whole database into PostgreSQL, row for row, for `eventmap copy`: one transaction
//! that holds the writers' lock, refuses a target that already holds data, keeps every stored
//! value (ids, change numbers, times, revisions, token hashes) and rebuilds the derived columns
//! and rows (geometry, search vector, terms, points) from each live event's Feature. The bulk
//! tables (sources, events and their derived rows, links, revisions, the change log) go in by
//! `COPY` (`copy_rows`); the few rows of the others by statements.

use sqlx::{Postgres, Row as _, Transaction};

use super::PgStore;
use super::copy_rows;
use super::copy_text::CopyText;
use super::write::{self as w, CHUNK};
use crate::store::StoreError;
use crate::store::transfer::{COUNTS_COLUMNS, COUNTS_SQL, Chunk, Counts};

/// A copy in progress; nothing is visible until [`Loader::finish`].
pub struct Loader {
    tx: Transaction<'static, Postgres>,
}

impl PgStore {
    /// Rows in each table.
    pub async fn counts(&self) -> Result<Counts, StoreError> {
        let r = sqlx::query(COUNTS_SQL).fetch_one(self.pool()).await?;
        let mut n = [0i64; COUNTS_COLUMNS];
        for (i, v) in n.iter_mut().enumerate() {
            *v = r.try_get(i)?;
        }
        Ok(Counts::from_row(n))
    }

    /// Starts a copy into this database, which must hold no events, sources, tokens or places.
    pub async fn loader(&self) -> Result<Loader, StoreError> {
        self.writable()?;
        let mut tx = self.pool().begin().await?;
        w::lock_writers(&mut tx).await?;
        let r = sqlx::query(COUNTS_SQL).fetch_one(&mut *tx).await?;
        let mut n = [0i64; COUNTS_COLUMNS];
        for (i, v) in n.iter_mut().enumerate() {
            *v = r.try_get(i)?;
        }
        let there = Counts::from_row(n);
        if !there.is_empty() {
            return Err(StoreError::Conflict(format!(
                "the target database already holds data ({there}); copy into an empty database"
            )));
        }
        Ok(Loader { tx })
    }
}

impl Loader {
    /// Writes one chunk of rows.
    pub async fn write(&mut self, chunk: Chunk) -> Result<(), StoreError> {
        let c = &mut *self.tx;
        match chunk {
            Chunk::Start(_) => {}
            Chunk::Meta(pairs) => {
                for (key, value) in pairs {
                    sqlx::query(
                        "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                    )
                    .bind(key)
                    .bind(value)
                    .execute(&mut *c)
                    .await?;
                }
            }
            Chunk::Tokens(tokens) => {
                for t in tokens {
                    sqlx::query(
                        "INSERT INTO tokens (id, name, role, secret_hash, created_at, revoked_at, last_used_at, \
                         person) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    )
                    .bind(&t.id)
                    .bind(&t.name)
                    .bind(t.role.as_str())
                    .bind(&t.secret_hash)
                    .bind(t.created_at.timestamp_millis())
                    .bind(t.revoked_at.map(|t| t.timestamp_millis()))
                    .bind(t.last_used_at.map(|t| t.timestamp_millis()))
                    .bind(&t.person)
                    .execute(&mut *c)
                    .await?;
                }
            }
            Chunk::Places(places) => {
                for p in places {
                    let names =
                        serde_json::to_string(&p.place.names).map_err(|e| StoreError::Internal(e.to_string()))?;
                    sqlx::query(
                        "INSERT INTO places (id, name, kind, country, admin1, lon, lat, population, names, created_at, \
                         created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::json, $10, $11)",
                    )
                    .bind(&p.place.id)
                    .bind(&p.place.name)
                    .bind(p.place.kind.as_str())
                    .bind(&p.place.country)
                    .bind(&p.place.admin1)
                    .bind(p.place.lon)
                    .bind(p.place.lat)
                    .bind(p.place.population as i64)
                    .bind(names)
                    .bind(p.created_at)
                    .bind(&p.created_by)
                    .execute(&mut *c)
                    .await?;
                }
            }
            Chunk::Sources(rows) => {
                let mut out = CopyText::new();
                for s in &rows {
                    out.uuid(s.id)
                        .text(&s.url)
                        .opt_text(s.title.as_deref())
                        .opt_text(s.publisher.as_deref())
                        .opt_int(s.published_at)
                        .opt_text(s.language.as_deref())
                        .opt_text(s.archived_url.as_deref())
                        .int(s.created_at)
                        .end_row();
                }
                copy_rows::send(
                    c,
                    "COPY sources (id, url, title, publisher, published_at, language, archived_url, created_at) \
                     FROM STDIN",
                    out,
                )
                .await?;
            }
            Chunk::Events(rows) => {
                // Rebuilding the derived values is CPU work: keep it off the async threads.
                let enc = tokio::task::spawn_blocking(move || copy_rows::stored_rows(&rows))
                    .await
                    .map_err(|e| StoreError::Internal(format!("copy task failed: {e}")))??;
                copy_rows::send(c, copy_rows::STORED_EVENTS_COPY, enc.events).await?;
                copy_rows::send(c, "COPY event_terms (kind, value, seq) FROM STDIN", enc.terms).await?;
                copy_rows::send(c, "COPY event_points (seq, x, y, z) FROM STDIN", enc.points).await?;
                w::adjust_days(c, enc.days).await?;
            }
            Chunk::Links(rows) => {
                let mut out = CopyText::new();
                for l in &rows {
                    out.int(l.seq)
                        .uuid(l.source_id)
                        .int(i64::from(l.position))
                        .opt_text(l.excerpt.as_deref())
                        .end_row();
                }
                copy_rows::send(c, "COPY event_sources (seq, source_id, position, excerpt) FROM STDIN", out).await?;
            }
            Chunk::Revisions(rows) => {
                let mut out = CopyText::new();
                for r in &rows {
                    out.uuid(r.event_id)
                        .int(i64::from(r.revision))
                        .int(r.at)
                        .text(&r.actor)
                        .text(&r.action)
                        .opt_text(r.reason.as_deref())
                        .text(&r.changes)
                        .end_row();
                }
                copy_rows::send(
                    c,
                    "COPY revisions (event_id, revision, at, actor, action, reason, changes) FROM STDIN",
                    out,
                )
                .await?;
            }
            Chunk::Changes(rows) => {
                let mut out = CopyText::new();
                for r in &rows {
                    out.int(r.at).int(r.last_seq).end_row();
                }
                copy_rows::send(c, "COPY change_log (at, last_seq) FROM STDIN", out).await?;
            }
            Chunk::Blobs(rows) => {
                for b in rows {
                    sqlx::query("INSERT INTO capture_blobs (sha256, size, bytes) VALUES ($1, $2, $3)")
                        .bind(&b.sha256)
                        .bind(b.bytes.len() as i64)
                        .bind(&b.bytes)
                        .execute(&mut *c)
                        .await?;
                }
            }
            Chunk::Follow(table, rows) => {
                // The table name is one of FOLLOW_TABLES, never from the data.
                let sql = format!("INSERT INTO {table} SELECT * FROM json_populate_recordset(NULL::{table}, $1::json)");
                for chunk in rows.chunks(CHUNK) {
                    sqlx::query(&sql).bind(format!("[{}]", chunk.join(","))).execute(&mut *c).await?;
                }
            }
            Chunk::Captures(rows) => {
                for r in rows {
                    insert_capture_row(c, &r).await?;
                }
            }
        }
        Ok(())
    }

    /// Commits the copy; then it is visible all at once.
    pub async fn finish(self) -> Result<(), StoreError> {
        self.tx.commit().await?;
        Ok(())
    }
}

/// Inserts a capture as stored (its lease, if any, is not carried: a copy has no workers yet).
async fn insert_capture_row(
    c: &mut sqlx::PgConnection,
    r: &crate::store::transfer::CaptureRow,
) -> Result<(), StoreError> {
    let k = &r.capture;
    sqlx::query(
        "INSERT INTO captures (id, source_id, url, state, reason, attempts, next_at, requested_at, requested_by, \
         captured_at, final_url, status, content_type, headers, size, sha256, origin, archive_url, hops) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)",
    )
    .bind(k.id)
    .bind(k.source_id)
    .bind(&k.url)
    .bind(k.state.as_str())
    .bind(&k.reason)
    .bind(k.attempts as i32)
    .bind(r.next_at)
    .bind(k.requested_at.timestamp_millis())
    .bind(&k.requested_by)
    .bind(k.captured_at.map(|t| t.timestamp_millis()))
    .bind(&k.final_url)
    .bind(k.status.map(i32::from))
    .bind(&k.content_type)
    .bind((!k.headers.is_empty() || k.final_url.is_some()).then(|| crate::store::captures::headers_text(&k.headers)))
    .bind(k.bytes.map(|b| b as i64))
    .bind(&k.sha256)
    .bind(&k.origin)
    .bind(&k.archive_url)
    .bind(crate::store::captures::hops_text(&k.hops))
    .execute(&mut *c)
    .await?;
    Ok(())
}
