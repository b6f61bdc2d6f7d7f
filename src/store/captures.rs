//! The storage of captures behind [`CaptureStore`]: the capture rows (each fetch of a source,
//! kept and never overwritten; the queued ones are the job queue) and their bytes, kept once per
//! SHA-256. Both backends keep the same tables (`migrations/*/..._captures.sql`).
//!
//! Like the webhook deliveries (`store/follow.rs`), a due capture is leased to one worker until
//! a time (PostgreSQL: `FOR UPDATE SKIP LOCKED`), and its attempt is recorded only while the
//! lease is still that worker's, so a restart or a second instance carries on without doubles.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::StoreError;
use crate::domain::Source;
use crate::domain::capture::{Capture, CaptureState, Fetched, Hop};

/// A capture leased to a worker.
#[derive(Debug, Clone, PartialEq)]
pub struct CaptureJob {
    pub id: Uuid,
    pub source_id: Uuid,
    pub url: String,
    /// Attempts made before this one.
    pub attempts: u32,
}

/// How an attempt ends, as the store records it.
#[derive(Debug, Clone, PartialEq)]
pub enum Finish {
    Captured(Fetched),
    Failed {
        reason: String,
        fetched: Option<Fetched>,
    },
    Refused(String),
    /// Queued again, due at `next_at`.
    Retry {
        reason: String,
        next_at: DateTime<Utc>,
    },
}

impl Finish {
    pub fn state(&self) -> CaptureState {
        match self {
            Self::Captured(_) => CaptureState::Captured,
            Self::Failed { .. } => CaptureState::Failed,
            Self::Refused(_) => CaptureState::Refused,
            Self::Retry { .. } => CaptureState::Queued,
        }
    }
}

/// A capture made by another archiver, for a stored source with this URL.
#[derive(Debug, Clone, PartialEq)]
pub struct Imported {
    pub url: String,
    pub captured_at: DateTime<Utc>,
    pub sha256: String,
    pub archive_url: Option<String>,
    pub origin: String,
}

/// The latest capture of a source: when, and the hash of its bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct Latest {
    pub captured_at: DateTime<Utc>,
    pub sha256: String,
}

/// Captures and their bytes.
#[async_trait]
pub trait CaptureStore: Send + Sync + 'static {
    /// One stored source (no excerpt: that belongs to a citation).
    async fn source(&self, id: Uuid) -> Result<Option<Source>, StoreError>;
    /// Queues a new capture of a source; `None` when there is no such source.
    async fn queue_capture(&self, source: Uuid, by: &str, now: DateTime<Utc>) -> Result<Option<Capture>, StoreError>;
    /// Queues a capture of each source of `sources` (every stored source when `None`) that has
    /// none yet; returns how many were queued.
    async fn queue_uncaptured(&self, sources: Option<&[Uuid]>, by: &str, now: DateTime<Utc>)
    -> Result<u64, StoreError>;
    /// Leases at most `limit` queued captures due at `now` to `worker` until `until`.
    async fn claim_captures(
        &self,
        worker: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<CaptureJob>, StoreError>;
    /// Records attempt number `attempts` of a capture leased to `worker`, and its bytes (once per
    /// hash); `false` (nothing written) when the lease is no longer the worker's.
    async fn finish_capture(&self, id: Uuid, worker: &str, attempts: u32, end: &Finish) -> Result<bool, StoreError>;
    /// Every capture of a source, oldest first.
    async fn captures(&self, source: Uuid) -> Result<Vec<Capture>, StoreError>;
    /// Every capture of each of `sources` (an event's), oldest first, in one read.
    async fn captures_of(&self, sources: &[Uuid]) -> Result<Vec<Capture>, StoreError>;
    /// The bytes with this SHA-256, if kept.
    async fn capture_bytes(&self, sha256: &str) -> Result<Option<Vec<u8>>, StoreError>;
    /// The latest successful capture of each of `sources` that has one.
    async fn latest_captures(&self, sources: &[Uuid]) -> Result<HashMap<Uuid, Latest>, StoreError>;
    /// Stores captures made elsewhere as captures of the sources with their URLs, in one
    /// transaction; a capture already stored (same source, hash and time) is left alone. Returns,
    /// in order, whether each was stored (`Some(true)`), already there (`Some(false)`), or
    /// matched no source (`None`).
    async fn import_captures(&self, rows: &[Imported], by: &str) -> Result<Vec<Option<bool>>, StoreError>;
}

/// Adds to each source of each row's Feature its latest capture (`captured_at`, `sha256`), for
/// exports: rows are read in batches of 256 and their sources' latest captures looked up once
/// per batch. A source never captured, and a tombstone, are left as they are.
pub fn with_latest_captures(store: super::DynStore, rows: super::RowStream) -> super::RowStream {
    use futures::StreamExt;
    rows.ready_chunks(256)
        .then(move |batch| {
            let store = store.clone();
            async move { annotate(store.as_ref(), batch).await }
        })
        .flat_map(futures::stream::iter)
        .boxed()
}

async fn annotate(
    store: &dyn super::Store,
    mut batch: Vec<Result<super::Row, StoreError>>,
) -> Vec<Result<super::Row, StoreError>> {
    use serde_json::Value;
    let mut parsed: Vec<Option<Value>> = Vec::with_capacity(batch.len());
    let mut ids: Vec<Uuid> = Vec::new();
    for r in &batch {
        let v = r.as_ref().ok().and_then(|row| serde_json::from_str::<Value>(&row.feature).ok());
        if let Some(sources) = v.as_ref().and_then(|v| v["properties"]["sources"].as_array()) {
            ids.extend(sources.iter().filter_map(|s| s["id"].as_str().and_then(|i| Uuid::parse_str(i).ok())));
        }
        parsed.push(v);
    }
    if ids.is_empty() {
        return batch;
    }
    ids.sort_unstable();
    ids.dedup();
    let latest = match store.latest_captures(&ids).await {
        Ok(l) => l,
        Err(e) => {
            batch.push(Err(e));
            return batch;
        }
    };
    for (r, v) in batch.iter_mut().zip(parsed) {
        let (Ok(row), Some(mut v)) = (r.as_mut(), v) else { continue };
        let mut changed = false;
        if let Some(sources) = v["properties"]["sources"].as_array_mut() {
            for s in sources {
                let id = s["id"].as_str().and_then(|i| Uuid::parse_str(i).ok());
                if let (Some(l), Some(o)) = (id.and_then(|i| latest.get(&i)), s.as_object_mut()) {
                    o.insert("captured_at".into(), Value::from(crate::domain::time::format_rfc3339(l.captured_at)));
                    o.insert("sha256".into(), Value::from(l.sha256.clone()));
                    changed = true;
                }
            }
        }
        if changed {
            row.feature = v.to_string();
        }
    }
    batch
}

/// A redirect hop as stored in the `hops` column (a JSON array of these); its body, unless
/// empty, is kept in `capture_blobs` under `sha256`, like the capture's own bytes.
#[derive(serde::Serialize, serde::Deserialize)]
struct StoredHop {
    url: String,
    status: u16,
    headers: Vec<(String, String)>,
    sha256: String,
    bytes: u64,
    /// ms since the epoch.
    at: i64,
}

/// Hops as stored; `None` when there are none (most captures).
pub(crate) fn hops_text(hops: &[Hop]) -> Option<String> {
    if hops.is_empty() {
        return None;
    }
    let stored: Vec<StoredHop> = hops
        .iter()
        .map(|h| StoredHop {
            url: h.url.clone(),
            status: h.status,
            headers: h.headers.clone(),
            sha256: h.sha256.clone(),
            bytes: h.bytes,
            at: h.at.timestamp_millis(),
        })
        .collect();
    serde_json::to_string(&stored).ok()
}

/// Reads stored hops back.
pub(crate) fn hops_of(text: Option<&str>) -> Result<Vec<Hop>, StoreError> {
    let Some(t) = text else { return Ok(Vec::new()) };
    let stored: Vec<StoredHop> =
        serde_json::from_str(t).map_err(|e| StoreError::Internal(format!("stored redirect hops: {e}")))?;
    Ok(stored
        .into_iter()
        .map(|h| Hop {
            location: crate::domain::capture::header(&h.headers, "location").map(str::to_string),
            url: h.url,
            status: h.status,
            headers: h.headers,
            sha256: h.sha256,
            bytes: h.bytes,
            at: crate::domain::time::from_millis(h.at),
        })
        .collect())
}

/// Headers as stored: a JSON array of `[name, value]` pairs.
pub(crate) fn headers_text(h: &[(String, String)]) -> String {
    serde_json::to_string(h).unwrap_or_else(|_| "[]".into())
}

/// Reads stored headers back.
pub(crate) fn headers_of(text: Option<&str>) -> Result<Vec<(String, String)>, StoreError> {
    match text {
        None => Ok(Vec::new()),
        Some(t) => serde_json::from_str(t).map_err(|e| StoreError::Internal(format!("stored headers: {e}"))),
    }
}

pub(crate) fn capture_state_of(text: &str) -> Result<CaptureState, StoreError> {
    CaptureState::parse(text).ok_or_else(|| StoreError::Internal(format!("unknown capture state `{text}`")))
}

/// The columns of a capture, in the order [`Capture`] is read back by both backends.
pub(crate) const CAPTURE_COLUMNS: &str = "id, source_id, state, reason, url, final_url, status, content_type, size, \
     sha256, captured_at, requested_at, requested_by, attempts, origin, archive_url, headers, hops";

/// The plain values a capture's columns hold, for both backends.
pub(crate) struct CaptureFields {
    pub state: String,
    pub reason: Option<String>,
    pub url: String,
    pub final_url: Option<String>,
    pub status: Option<i64>,
    pub content_type: Option<String>,
    pub size: Option<i64>,
    pub sha256: Option<String>,
    pub captured_at: Option<i64>,
    pub requested_at: i64,
    pub requested_by: String,
    pub attempts: i64,
    pub origin: String,
    pub archive_url: Option<String>,
    pub headers: Option<String>,
    pub hops: Option<String>,
}

impl CaptureFields {
    pub(crate) fn into_capture(self, id: Uuid, source_id: Uuid) -> Result<Capture, StoreError> {
        let t = crate::domain::time::from_millis;
        Ok(Capture {
            id,
            source_id,
            state: capture_state_of(&self.state)?,
            reason: self.reason,
            url: self.url,
            final_url: self.final_url,
            status: self.status.map(|s| s as u16),
            content_type: self.content_type,
            bytes: self.size.map(|s| s.max(0) as u64),
            sha256: self.sha256,
            captured_at: self.captured_at.map(t),
            requested_at: t(self.requested_at),
            requested_by: self.requested_by,
            attempts: self.attempts.max(0) as u32,
            origin: self.origin,
            archive_url: self.archive_url,
            headers: headers_of(self.headers.as_deref())?,
            hops: hops_of(self.hops.as_deref())?,
        })
    }
}

/// The columns an attempt writes: state, reason, captured_at, final_url, status, content_type,
/// headers, hops, size and sha256, and the bodies to keep (the capture's and its hops', each by
/// its SHA-256).
pub(crate) struct Written {
    pub state: &'static str,
    pub reason: Option<String>,
    pub captured_at: Option<i64>,
    pub final_url: Option<String>,
    pub status: Option<i64>,
    pub content_type: Option<String>,
    pub headers: Option<String>,
    pub hops: Option<String>,
    pub size: Option<i64>,
    pub sha256: Option<String>,
    /// `(sha256, bytes)` of every body to keep, once per hash.
    pub blobs: Vec<(String, bytes::Bytes)>,
    pub next_at: i64,
}

impl Written {
    pub(crate) fn of(end: &Finish, now: i64) -> Self {
        let mut w = Written {
            state: end.state().as_str(),
            reason: None,
            captured_at: None,
            final_url: None,
            status: None,
            content_type: None,
            headers: None,
            hops: None,
            size: None,
            sha256: None,
            blobs: Vec::new(),
            next_at: now,
        };
        let fill = |w: &mut Written, f: &Fetched, keep: bool| {
            w.captured_at = Some(f.at.timestamp_millis());
            w.final_url = Some(f.final_url.clone());
            w.status = Some(i64::from(f.status));
            w.content_type = f.content_type();
            w.headers = Some(headers_text(&f.headers));
            let hops: Vec<Hop> = f.hops.iter().map(|(h, _)| h.clone()).collect();
            w.hops = hops_text(&hops);
            // An empty body (most redirects) needs no blob: its hash says what it was.
            for (h, body) in f.hops.iter().filter(|(_, b)| !b.is_empty()) {
                if !w.blobs.iter().any(|(s, _)| *s == h.sha256) {
                    w.blobs.push((h.sha256.clone(), body.clone()));
                }
            }
            if keep {
                let sha = crate::domain::capture::sha256_hex(&f.body);
                w.size = Some(f.body.len() as i64);
                w.sha256 = Some(sha.clone());
                if !w.blobs.iter().any(|(s, _)| *s == sha) {
                    w.blobs.push((sha, f.body.clone()));
                }
            }
        };
        match end {
            Finish::Captured(f) => fill(&mut w, f, true),
            Finish::Failed { reason, fetched } => {
                w.reason = Some(reason.clone());
                if let Some(f) = fetched {
                    fill(&mut w, f, false);
                }
            }
            Finish::Refused(r) => w.reason = Some(r.clone()),
            Finish::Retry { reason, next_at } => {
                w.reason = Some(reason.clone());
                w.next_at = next_at.timestamp_millis();
            }
        }
        w
    }
}
