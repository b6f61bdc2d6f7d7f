//! Captures and their bytes on PostgreSQL: the bytes in `capture_blobs` (bytea), once per
//! SHA-256. Several instances share the queue: a claim leases due rows with
//! `FOR UPDATE SKIP LOCKED`, so two workers never fetch the same capture at once.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::postgres::PgRow;
use uuid::Uuid;

use super::PgStore;
use crate::domain::Source;
use crate::domain::capture::Capture;
use crate::store::StoreError;
use crate::store::captures::{
    CAPTURE_COLUMNS, CaptureFields, CaptureJob, CaptureStore, Finish, Imported, Latest, Written,
};

fn capture(r: &PgRow) -> Result<Capture, StoreError> {
    let f = CaptureFields {
        state: r.try_get(2)?,
        reason: r.try_get(3)?,
        url: r.try_get(4)?,
        final_url: r.try_get(5)?,
        status: r.try_get::<Option<i32>, _>(6)?.map(i64::from),
        content_type: r.try_get(7)?,
        size: r.try_get(8)?,
        sha256: r.try_get(9)?,
        captured_at: r.try_get(10)?,
        requested_at: r.try_get(11)?,
        requested_by: r.try_get(12)?,
        attempts: i64::from(r.try_get::<i32, _>(13)?),
        origin: r.try_get(14)?,
        archive_url: r.try_get(15)?,
        headers: r.try_get(16)?,
        hops: r.try_get(17)?,
    };
    f.into_capture(r.try_get(0)?, r.try_get(1)?)
}

const INSERT_QUEUED: &str = "INSERT INTO captures (id, source_id, url, state, next_at, requested_at, requested_by) \
                             VALUES ($1, $2, $3, 'queued', $4, $4, $5)";

#[async_trait]
impl CaptureStore for PgStore {
    async fn source(&self, id: Uuid) -> Result<Option<Source>, StoreError> {
        let r = sqlx::query(
            "SELECT url, title, publisher, published_at, language, archived_url FROM sources WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        r.map(|r| {
            Ok(Source {
                id,
                url: r.try_get(0)?,
                title: r.try_get(1)?,
                publisher: r.try_get(2)?,
                published_at: r.try_get::<Option<i64>, _>(3)?.map(crate::domain::time::from_millis),
                language: r.try_get(4)?,
                archived_url: r.try_get(5)?,
                excerpt: None,
            })
        })
        .transpose()
    }

    async fn queue_capture(&self, source: Uuid, by: &str, now: DateTime<Utc>) -> Result<Option<Capture>, StoreError> {
        self.writable()?;
        let url: Option<String> = sqlx::query_scalar("SELECT url FROM sources WHERE id = $1")
            .bind(source)
            .fetch_optional(self.pool())
            .await?;
        let Some(url) = url else { return Ok(None) };
        let id = Uuid::now_v7();
        sqlx::query(INSERT_QUEUED)
            .bind(id)
            .bind(source)
            .bind(&url)
            .bind(now.timestamp_millis())
            .bind(by)
            .execute(self.pool())
            .await?;
        let r = sqlx::query(&format!("SELECT {CAPTURE_COLUMNS} FROM captures WHERE id = $1"))
            .bind(id)
            .fetch_one(self.pool())
            .await?;
        Ok(Some(capture(&r)?))
    }

    async fn queue_uncaptured(
        &self,
        sources: Option<&[Uuid]>,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        self.writable()?;
        let mut tx = self.pool().begin().await?;
        let todo: Vec<(Uuid, String)> = sqlx::query_as(
            "SELECT s.id, s.url FROM sources s WHERE NOT EXISTS (SELECT 1 FROM captures c WHERE c.source_id = s.id) \
             AND ($1::uuid[] IS NULL OR s.id = ANY($1)) ORDER BY s.created_at, s.id FOR UPDATE OF s",
        )
        .bind(sources.map(|s| s.to_vec()))
        .fetch_all(&mut *tx)
        .await?;
        for (id, url) in &todo {
            sqlx::query(INSERT_QUEUED)
                .bind(Uuid::now_v7())
                .bind(id)
                .bind(url)
                .bind(now.timestamp_millis())
                .bind(by)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(todo.len() as u64)
    }

    async fn claim_captures(
        &self,
        worker: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<CaptureJob>, StoreError> {
        self.writable()?;
        let rows = sqlx::query(
            "WITH c AS (SELECT id FROM captures WHERE state = 'queued' AND next_at <= $1 AND lease_until <= $1 \
             ORDER BY next_at LIMIT $2 FOR UPDATE SKIP LOCKED) \
             UPDATE captures d SET lease_until = $3, leased_by = $4 FROM c WHERE d.id = c.id \
             RETURNING d.id, d.source_id, d.url, d.attempts, d.next_at",
        )
        .bind(now.timestamp_millis())
        .bind(i64::from(limit))
        .bind(until.timestamp_millis())
        .bind(worker)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(CaptureJob {
                    id: r.try_get(0)?,
                    source_id: r.try_get(1)?,
                    url: r.try_get(2)?,
                    attempts: r.try_get::<i32, _>(3)?.max(0) as u32,
                })
            })
            .collect()
    }

    async fn finish_capture(&self, id: Uuid, worker: &str, attempts: u32, end: &Finish) -> Result<bool, StoreError> {
        self.writable()?;
        let w = Written::of(end, Utc::now().timestamp_millis());
        let mut tx = self.pool().begin().await?;
        for (sha, body) in &w.blobs {
            sqlx::query(
                "INSERT INTO capture_blobs (sha256, size, bytes) VALUES ($1, $2, $3) ON CONFLICT (sha256) DO NOTHING",
            )
            .bind(sha)
            .bind(body.len() as i64)
            .bind(body.as_ref())
            .execute(&mut *tx)
            .await?;
        }
        let n = sqlx::query(
            "UPDATE captures SET state = $1, reason = $2, captured_at = $3, final_url = $4, status = $5, \
             content_type = $6, headers = $7, size = $8, sha256 = $9, attempts = $10, next_at = $11, \
             lease_until = 0, leased_by = NULL, hops = $14 \
             WHERE id = $12 AND leased_by = $13 AND state = 'queued'",
        )
        .bind(w.state)
        .bind(&w.reason)
        .bind(w.captured_at)
        .bind(&w.final_url)
        .bind(w.status.map(|s| s as i32))
        .bind(&w.content_type)
        .bind(&w.headers)
        .bind(w.size)
        .bind(&w.sha256)
        .bind(attempts as i32)
        .bind(w.next_at)
        .bind(id)
        .bind(worker)
        .bind(&w.hops)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n != 1 {
            return Ok(false); // rolled back: the bytes of a lost lease are not kept
        }
        tx.commit().await?;
        Ok(true)
    }

    async fn captures(&self, source: Uuid) -> Result<Vec<Capture>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {CAPTURE_COLUMNS} FROM captures WHERE source_id = $1 ORDER BY requested_at, id"
        ))
        .bind(source)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(capture).collect()
    }

    async fn captures_of(&self, sources: &[Uuid]) -> Result<Vec<Capture>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {CAPTURE_COLUMNS} FROM captures WHERE source_id = ANY($1) ORDER BY requested_at, id"
        ))
        .bind(sources)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(capture).collect()
    }

    async fn capture_bytes(&self, sha256: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(sqlx::query_scalar("SELECT bytes FROM capture_blobs WHERE sha256 = $1")
            .bind(sha256)
            .fetch_optional(self.pool())
            .await?)
    }

    async fn latest_captures(&self, sources: &[Uuid]) -> Result<HashMap<Uuid, Latest>, StoreError> {
        let rows: Vec<(Uuid, i64, String)> = sqlx::query_as(
            "SELECT DISTINCT ON (source_id) source_id, captured_at, sha256 FROM captures \
             WHERE source_id = ANY($1) AND state = 'captured' AND sha256 IS NOT NULL \
             ORDER BY source_id, captured_at DESC, id DESC",
        )
        .bind(sources.to_vec())
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(s, at, sha256)| (s, Latest { captured_at: crate::domain::time::from_millis(at), sha256 }))
            .collect())
    }

    async fn import_captures(&self, rows: &[Imported], by: &str) -> Result<Vec<Option<bool>>, StoreError> {
        self.writable()?;
        let now = Utc::now().timestamp_millis();
        let mut tx = self.pool().begin().await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let source: Option<Uuid> = sqlx::query_scalar("SELECT id FROM sources WHERE url = $1")
                .bind(&r.url)
                .fetch_optional(&mut *tx)
                .await?;
            let Some(source) = source else {
                out.push(None);
                continue;
            };
            let at = r.captured_at.timestamp_millis();
            let there = sqlx::query("SELECT 1 FROM captures WHERE source_id = $1 AND sha256 = $2 AND captured_at = $3")
                .bind(source)
                .bind(&r.sha256)
                .bind(at)
                .fetch_optional(&mut *tx)
                .await?
                .is_some();
            if !there {
                sqlx::query(
                    "INSERT INTO captures (id, source_id, url, state, next_at, requested_at, requested_by, \
                     captured_at, final_url, sha256, origin, archive_url) \
                     VALUES ($1, $2, $3, 'captured', $4, $4, $5, $6, $3, $7, $8, $9)",
                )
                .bind(Uuid::now_v7())
                .bind(source)
                .bind(&r.url)
                .bind(now)
                .bind(by)
                .bind(at)
                .bind(&r.sha256)
                .bind(&r.origin)
                .bind(&r.archive_url)
                .execute(&mut *tx)
                .await?;
            }
            out.push(Some(!there));
        }
        tx.commit().await?;
        Ok(out)
    }
}
