//! Writing a whole database into PostgreSQL, row for row, for `eventmap copy`: one transaction
//! that holds the writers' lock, refuses a target that already holds data, keeps every stored
//! value (ids, change numbers, times, revisions, token hashes) and rebuilds the derived columns
//! and rows (geometry, search vector, terms, points) from each live event's Feature.

use sqlx::{Postgres, Row as _, Transaction};

use super::PgStore;
use super::write::{self as w, CHUNK, GEOM_FROM_TEXT};
use crate::domain::Event;
use crate::store::transfer::{COUNTS_COLUMNS, COUNTS_SQL, Chunk, Counts, EventRow};
use crate::store::{Prepared, StoreError};

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
                for chunk in rows.chunks(CHUNK) {
                    sqlx::query(
                        "INSERT INTO sources (id, url, title, publisher, published_at, language, archived_url, created_at) \
                         SELECT * FROM UNNEST($1::uuid[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[], \
                         $7::text[], $8::bigint[])",
                    )
                    .bind(chunk.iter().map(|s| s.id).collect::<Vec<_>>())
                    .bind(chunk.iter().map(|s| s.url.as_str()).collect::<Vec<_>>())
                    .bind(chunk.iter().map(|s| s.title.as_deref()).collect::<Vec<_>>())
                    .bind(chunk.iter().map(|s| s.publisher.as_deref()).collect::<Vec<_>>())
                    .bind(chunk.iter().map(|s| s.published_at).collect::<Vec<_>>())
                    .bind(chunk.iter().map(|s| s.language.as_deref()).collect::<Vec<_>>())
                    .bind(chunk.iter().map(|s| s.archived_url.as_deref()).collect::<Vec<_>>())
                    .bind(chunk.iter().map(|s| s.created_at).collect::<Vec<_>>())
                    .execute(&mut *c)
                    .await?;
                }
            }
            Chunk::Events(rows) => {
                for chunk in rows.chunks(CHUNK) {
                    insert_event_rows(c, chunk).await?;
                }
            }
            Chunk::Links(rows) => {
                let links: Vec<(i64, uuid::Uuid, i32, Option<&str>)> =
                    rows.iter().map(|l| (l.seq, l.source_id, l.position, l.excerpt.as_deref())).collect();
                w::insert_links(c, &links).await?;
            }
            Chunk::Revisions(rows) => {
                for chunk in rows.chunks(CHUNK) {
                    sqlx::query(
                        "INSERT INTO revisions (event_id, revision, at, actor, action, reason, changes) \
                         SELECT * FROM UNNEST($1::uuid[], $2::int4[], $3::bigint[], $4::text[], $5::text[], $6::text[], \
                         $7::text[])",
                    )
                    .bind(chunk.iter().map(|r| r.event_id).collect::<Vec<_>>())
                    .bind(chunk.iter().map(|r| r.revision as i32).collect::<Vec<_>>())
                    .bind(chunk.iter().map(|r| r.at).collect::<Vec<_>>())
                    .bind(chunk.iter().map(|r| r.actor.as_str()).collect::<Vec<_>>())
                    .bind(chunk.iter().map(|r| r.action.as_str()).collect::<Vec<_>>())
                    .bind(chunk.iter().map(|r| r.reason.as_deref()).collect::<Vec<_>>())
                    .bind(chunk.iter().map(|r| r.changes.as_str()).collect::<Vec<_>>())
                    .execute(&mut *c)
                    .await?;
                }
            }
            Chunk::Changes(rows) => {
                for chunk in rows.chunks(CHUNK * 4) {
                    sqlx::query(
                        "INSERT INTO change_log (at, last_seq) SELECT * FROM UNNEST($1::bigint[], $2::bigint[])",
                    )
                    .bind(chunk.iter().map(|r| r.at).collect::<Vec<_>>())
                    .bind(chunk.iter().map(|r| r.last_seq).collect::<Vec<_>>())
                    .execute(&mut *c)
                    .await?;
                }
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

/// Inserts events as stored, and the derived rows of the live ones.
async fn insert_event_rows(c: &mut sqlx::PgConnection, rows: &[EventRow]) -> Result<(), StoreError> {
    let mut lexemes: Vec<Option<String>> = Vec::with_capacity(rows.len());
    let mut geometries: Vec<Option<String>> = Vec::with_capacity(rows.len());
    let mut prepared: Vec<(i64, Prepared)> = Vec::new();
    for r in rows {
        if r.deleted {
            lexemes.push(None);
            geometries.push(None);
            continue;
        }
        let ev = Event::from_feature_json(&r.feature, r.geometry_explicit)
            .map_err(|e| StoreError::Internal(format!("the stored Feature of event {} is unreadable: {e}", r.id)))?;
        let p = Prepared::new(ev);
        lexemes.push(Some(w::lexemes(&p.search)));
        geometries.push(Some(w::geometry_text(&p.event)));
        prepared.push((r.seq, p));
    }
    let env = |i: usize| rows.iter().map(|r| r.envelope[i]).collect::<Vec<_>>();
    let text = format!(
        "INSERT INTO events (seq, id, t_start, t_max, t_day, category, status, min_lon, min_lat, max_lon, max_lat, \
         created_at, updated_at, change_seq, revision, deleted, geometry_explicit, geom, search, feature) \
         SELECT u.seq, u.id, u.t_start, u.t_max, u.t_day, u.category, u.status, u.min_lon, u.min_lat, u.max_lon, \
         u.max_lat, u.created_at, u.updated_at, u.change_seq, u.revision, u.deleted, u.geometry_explicit, \
         CASE WHEN u.deleted = 0 THEN {GEOM_FROM_TEXT} END, \
         CASE WHEN u.deleted = 0 THEN array_to_tsvector(string_to_array(u.search, ' ')) END, u.feature::json \
         FROM UNNEST($1::bigint[], $2::uuid[], $3::bigint[], $4::bigint[], $5::bigint[], $6::text[], $7::text[], \
         $8::float8[], $9::float8[], $10::float8[], $11::float8[], $12::bigint[], $13::bigint[], $14::bigint[], \
         $15::int4[], $16::int2[], $17::int2[], $18::text[], $19::text[], $20::text[]) AS u(seq, id, t_start, \
         t_max, t_day, category, status, min_lon, min_lat, max_lon, max_lat, created_at, updated_at, change_seq, \
         revision, deleted, geometry_explicit, search, feature, geometry)"
    );
    sqlx::query(&text)
        .bind(rows.iter().map(|r| r.seq).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.id).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.t_start).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.t_max).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.t_day).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.category.as_str()).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.status.as_str()).collect::<Vec<_>>())
        .bind(env(0))
        .bind(env(1))
        .bind(env(2))
        .bind(env(3))
        .bind(rows.iter().map(|r| r.created_at).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.updated_at).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.change_seq).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.revision as i32).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| i16::from(r.deleted)).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| i16::from(r.geometry_explicit)).collect::<Vec<_>>())
        .bind(lexemes)
        .bind(rows.iter().map(|r| r.feature.as_str()).collect::<Vec<_>>())
        .bind(geometries)
        .execute(&mut *c)
        .await?;
    let indexed: Vec<(i64, &Prepared)> = prepared.iter().map(|(s, p)| (*s, p)).collect();
    w::insert_terms_points(c, &indexed).await?;
    w::adjust_days(c, rows.iter().filter(|r| !r.deleted).map(|r| (r.t_day, 1))).await
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
