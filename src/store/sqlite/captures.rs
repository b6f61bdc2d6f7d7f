//! Captures and their bytes on SQLite: the bytes in `capture_blobs` inside the database file,
//! once per SHA-256. One writer at a time makes every claim exclusive between processes.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Row, params};
use uuid::Uuid;

use super::SqliteStore;
use crate::domain::Source;
use crate::domain::capture::Capture;
use crate::store::StoreError;
use crate::store::captures::{
    CAPTURE_COLUMNS, CaptureFields, CaptureJob, CaptureStore, Finish, Imported, Latest, Written,
};
use crate::store::follow::uuid_of;

/// A capture from a row that starts with [`CAPTURE_COLUMNS`] (also read by `dump`).
pub(super) fn capture(r: &Row<'_>) -> Result<Capture, StoreError> {
    let f = CaptureFields {
        state: r.get(2)?,
        reason: r.get(3)?,
        url: r.get(4)?,
        final_url: r.get(5)?,
        status: r.get(6)?,
        content_type: r.get(7)?,
        size: r.get(8)?,
        sha256: r.get(9)?,
        captured_at: r.get(10)?,
        requested_at: r.get(11)?,
        requested_by: r.get(12)?,
        attempts: r.get(13)?,
        origin: r.get(14)?,
        archive_url: r.get(15)?,
        headers: r.get(16)?,
        hops: r.get(17)?,
    };
    f.into_capture(uuid_of(&r.get::<_, String>(0)?)?, uuid_of(&r.get::<_, String>(1)?)?)
}

fn insert_queued(
    tx: &rusqlite::Transaction<'_>,
    id: Uuid,
    source: &str,
    url: &str,
    by: &str,
    now: i64,
) -> Result<(), StoreError> {
    tx.prepare_cached(
        "INSERT INTO captures (id, source_id, url, state, next_at, requested_at, requested_by) \
         VALUES (?1, ?2, ?3, 'queued', ?4, ?4, ?5)",
    )?
    .execute(params![id.to_string(), source, url, now, by])?;
    Ok(())
}

fn read_capture(c: &rusqlite::Connection, id: Uuid) -> Result<Option<Capture>, StoreError> {
    let mut st = c.prepare_cached(&format!("SELECT {CAPTURE_COLUMNS} FROM captures WHERE id = ?1"))?;
    st.query_row([id.to_string()], |r| Ok(capture(r))).optional()?.transpose()
}

#[async_trait]
impl CaptureStore for SqliteStore {
    async fn source(&self, id: Uuid) -> Result<Option<Source>, StoreError> {
        self.read(move |c| {
            let mut st = c.prepare_cached(
                "SELECT url, title, publisher, published_at, language, archived_url FROM sources WHERE id = ?1",
            )?;
            Ok(st
                .query_row([id.to_string()], |r| {
                    Ok(Source {
                        id,
                        url: r.get(0)?,
                        title: r.get(1)?,
                        publisher: r.get(2)?,
                        published_at: r.get::<_, Option<i64>>(3)?.map(crate::domain::time::from_millis),
                        language: r.get(4)?,
                        archived_url: r.get(5)?,
                        excerpt: None,
                    })
                })
                .optional()?)
        })
        .await
    }

    async fn queue_capture(&self, source: Uuid, by: &str, now: DateTime<Utc>) -> Result<Option<Capture>, StoreError> {
        let by = by.to_string();
        self.write(move |tx| {
            let url: Option<String> =
                tx.query_row("SELECT url FROM sources WHERE id = ?1", [source.to_string()], |r| r.get(0)).optional()?;
            let Some(url) = url else { return Ok(None) };
            let id = Uuid::now_v7();
            insert_queued(tx, id, &source.to_string(), &url, &by, now.timestamp_millis())?;
            read_capture(tx, id)
        })
        .await
    }

    async fn queue_uncaptured(
        &self,
        sources: Option<&[Uuid]>,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let (by, sources) = (by.to_string(), sources.map(|s| s.to_vec()));
        self.write(move |tx| {
            let todo: Vec<(String, String)> = {
                let mut st = tx.prepare_cached(
                    "SELECT s.id, s.url FROM sources s WHERE NOT EXISTS \
                     (SELECT 1 FROM captures c WHERE c.source_id = s.id) ORDER BY s.created_at, s.id",
                )?;
                let all = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<Vec<_>, _>>()?;
                match &sources {
                    None => all,
                    Some(ids) => {
                        let ids: std::collections::HashSet<String> = ids.iter().map(Uuid::to_string).collect();
                        all.into_iter().filter(|(id, _)| ids.contains(id)).collect()
                    }
                }
            };
            for (id, url) in &todo {
                insert_queued(tx, Uuid::now_v7(), id, url, &by, now.timestamp_millis())?;
            }
            Ok(todo.len() as u64)
        })
        .await
    }

    async fn claim_captures(
        &self,
        worker: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<CaptureJob>, StoreError> {
        let worker = worker.to_string();
        self.write(move |tx| {
            let (now, until) = (now.timestamp_millis(), until.timestamp_millis());
            let mut st = tx.prepare_cached(
                "SELECT id, source_id, url, attempts FROM captures WHERE state = 'queued' AND next_at <= ?1 \
                 AND lease_until <= ?1 ORDER BY next_at LIMIT ?2",
            )?;
            let jobs = st
                .query_map(params![now, limit], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, u32>(3)?))
                })?
                .collect::<Result<Vec<_>, _>>()?;
            let mut lease = tx.prepare_cached("UPDATE captures SET lease_until = ?1, leased_by = ?2 WHERE id = ?3")?;
            let mut out = Vec::with_capacity(jobs.len());
            for (id, source, url, attempts) in jobs {
                lease.execute(params![until, worker, id])?;
                out.push(CaptureJob { id: uuid_of(&id)?, source_id: uuid_of(&source)?, url, attempts });
            }
            Ok(out)
        })
        .await
    }

    async fn finish_capture(&self, id: Uuid, worker: &str, attempts: u32, end: &Finish) -> Result<bool, StoreError> {
        let (worker, w) = (worker.to_string(), Written::of(end, Utc::now().timestamp_millis()));
        self.write(move |tx| {
            for (sha, body) in &w.blobs {
                tx.prepare_cached("INSERT OR IGNORE INTO capture_blobs (sha256, size, bytes) VALUES (?1, ?2, ?3)")?
                    .execute(params![sha, body.len() as i64, body.as_ref()])?;
            }
            let n = tx.execute(
                "UPDATE captures SET state = ?1, reason = ?2, captured_at = ?3, final_url = ?4, status = ?5, \
                 content_type = ?6, headers = ?7, size = ?8, sha256 = ?9, attempts = ?10, next_at = ?11, \
                 lease_until = 0, leased_by = NULL, hops = ?14 \
                 WHERE id = ?12 AND leased_by = ?13 AND state = 'queued'",
                params![
                    w.state,
                    w.reason,
                    w.captured_at,
                    w.final_url,
                    w.status,
                    w.content_type,
                    w.headers,
                    w.size,
                    w.sha256,
                    attempts,
                    w.next_at,
                    id.to_string(),
                    worker,
                    w.hops
                ],
            )?;
            Ok(n == 1)
        })
        .await
    }

    async fn captures(&self, source: Uuid) -> Result<Vec<Capture>, StoreError> {
        self.read(move |c| {
            let mut st = c.prepare_cached(&format!(
                "SELECT {CAPTURE_COLUMNS} FROM captures WHERE source_id = ?1 ORDER BY requested_at, id"
            ))?;
            let rows = st.query_map([source.to_string()], |r| Ok(capture(r)))?;
            rows.map(|r| r?).collect()
        })
        .await
    }

    async fn captures_of(&self, sources: &[Uuid]) -> Result<Vec<Capture>, StoreError> {
        let sources = sources.to_vec();
        self.read(move |c| {
            // One indexed look-up per source, on one pooled connection.
            let mut st = c.prepare_cached(&format!(
                "SELECT {CAPTURE_COLUMNS} FROM captures WHERE source_id = ?1 ORDER BY requested_at, id"
            ))?;
            let mut out = Vec::new();
            for s in sources {
                for r in st.query_map([s.to_string()], |r| Ok(capture(r)))? {
                    out.push(r??);
                }
            }
            out.sort_by_key(|c| (c.requested_at, c.id));
            Ok(out)
        })
        .await
    }

    async fn capture_bytes(&self, sha256: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let sha = sha256.to_string();
        self.read(move |c| {
            let mut st = c.prepare_cached("SELECT bytes FROM capture_blobs WHERE sha256 = ?1")?;
            Ok(st.query_row([sha], |r| r.get(0)).optional()?)
        })
        .await
    }

    async fn latest_captures(&self, sources: &[Uuid]) -> Result<HashMap<Uuid, Latest>, StoreError> {
        let sources = sources.to_vec();
        self.read(move |c| {
            let mut st = c.prepare_cached(
                "SELECT captured_at, sha256 FROM captures WHERE source_id = ?1 AND state = 'captured' \
                 AND sha256 IS NOT NULL ORDER BY captured_at DESC, id DESC LIMIT 1",
            )?;
            let mut out = HashMap::new();
            for s in sources {
                let got: Option<(i64, String)> =
                    st.query_row([s.to_string()], |r| Ok((r.get(0)?, r.get(1)?))).optional()?;
                if let Some((at, sha256)) = got {
                    out.insert(s, Latest { captured_at: crate::domain::time::from_millis(at), sha256 });
                }
            }
            Ok(out)
        })
        .await
    }

    async fn import_captures(&self, rows: &[Imported], by: &str) -> Result<Vec<Option<bool>>, StoreError> {
        let (rows, by) = (rows.to_vec(), by.to_string());
        self.write(move |tx| {
            let now = Utc::now().timestamp_millis();
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                let source: Option<String> =
                    tx.query_row("SELECT id FROM sources WHERE url = ?1", [&r.url], |x| x.get(0)).optional()?;
                let Some(source) = source else {
                    out.push(None);
                    continue;
                };
                let at = r.captured_at.timestamp_millis();
                let there = tx
                    .query_row(
                        "SELECT 1 FROM captures WHERE source_id = ?1 AND sha256 = ?2 AND captured_at = ?3",
                        params![source, r.sha256, at],
                        |_| Ok(()),
                    )
                    .optional()?
                    .is_some();
                if !there {
                    tx.execute(
                        "INSERT INTO captures (id, source_id, url, state, next_at, requested_at, requested_by, \
                         captured_at, final_url, sha256, origin, archive_url) \
                         VALUES (?1, ?2, ?3, 'captured', ?4, ?4, ?5, ?6, ?3, ?7, ?8, ?9)",
                        params![
                            Uuid::now_v7().to_string(),
                            source,
                            r.url,
                            now,
                            by,
                            at,
                            r.sha256,
                            r.origin,
                            r.archive_url
                        ],
                    )?;
                }
                out.push(Some(!there));
            }
            Ok(out)
        })
        .await
    }
}
