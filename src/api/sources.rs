//! `/api/sources/{id}`: a source with its captures (as `/api/events/{id}/captures` shows those of
//! all of an event's sources at once, in `events.rs`); editors ask for a new capture; anyone who
//! may read gets a capture's bytes exactly as kept (`Content-Security-Policy: sandbox`, `nosniff`:
//! never active content of eventmap's origin) or the capture as a WARC 1.1 file. The worker
//! (`crate::capture`) fetches; this module only queues and reads.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde_json::{Value, json};

use super::caller::Caller;
use super::error::ApiError;
use super::list::base_url;
use super::searches::path_id;
use super::state::AppState;
use crate::auth::Role;
use crate::domain::capture::{Capture, CaptureState};
use crate::domain::time::format_rfc3339;

/// The policy of served capture bytes: a sandbox with no permissions (no scripts, no forms, an
/// opaque origin), and nothing loaded from anywhere.
pub const CAPTURE_CSP: &str = "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'";

/// A capture as the API shows it: its fields, and `view` and `warc` links when its bytes are kept.
pub(super) fn capture_json(base: &str, c: &Capture) -> Value {
    let mut v = serde_json::to_value(c).unwrap_or(Value::Null);
    if let Some(o) = v.as_object_mut() {
        o.insert("captured_at".into(), json!(c.captured_at.map(format_rfc3339)));
        o.insert("requested_at".into(), json!(format_rfc3339(c.requested_at)));
        if c.state == CaptureState::Captured && c.origin == "eventmap" {
            let at = format!("{base}/api/sources/{}/captures/{}", c.source_id, c.id);
            o.insert("view".into(), json!(at));
            o.insert("warc".into(), json!(format!("{at}.warc")));
        }
    }
    v
}

/// `GET /api/sources/{id}`
#[utoipa::path(get, path = "/api/sources/{id}", tag = "sources", params(("id" = String, Path, description = "Source id")),
    responses((status = 200, description = "The source (its stored fields) and `captures`, oldest first, each with its redirect `hops` (`url`, `status`, `location`)"),
              (status = 404, description = "Unknown", body = super::error::Problem, content_type = "application/problem+json")))]
pub async fn get_one(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let uid = path_id(&id, "source")?;
    let source =
        state.store.source(uid).await?.ok_or_else(|| ApiError::NotFound(format!("no source with id `{id}`")))?;
    let base = base_url(&state, &headers);
    let captures: Vec<Value> = state.store.captures(uid).await?.iter().map(|c| capture_json(&base, c)).collect();
    let mut v = serde_json::to_value(&source).unwrap_or(Value::Null);
    v["captures"] = Value::Array(captures);
    Ok(axum::Json(v).into_response())
}

/// `POST /api/sources/{id}/captures`
#[utoipa::path(post, path = "/api/sources/{id}/captures", tag = "sources", params(("id" = String, Path, description = "Source id")),
    responses((status = 202, description = "A new capture, queued; the worker fetches it within seconds"),
              (status = 401, description = "No token", body = super::error::Problem, content_type = "application/problem+json"),
              (status = 403, description = "Not an editor", body = super::error::Problem, content_type = "application/problem+json"),
              (status = 404, description = "Unknown", body = super::error::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn capture(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let who = caller.require(Role::Editor)?.actor_name().to_string();
    let uid = path_id(&id, "source")?;
    let c = state
        .store
        .queue_capture(uid, &who, Utc::now())
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no source with id `{id}`")))?;
    let base = base_url(&state, &headers);
    let mut r = (StatusCode::ACCEPTED, axum::Json(capture_json(&base, &c))).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("/api/sources/{}/captures/{}", c.source_id, c.id)) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    Ok(r)
}

/// The capture `cid` of source `id` and its kept bytes, or the 404 that says why there are none.
async fn kept(state: &AppState, id: &str, cid: &str) -> Result<(Capture, Vec<u8>), ApiError> {
    let uid = path_id(id, "source")?;
    let cuid = path_id(cid, "capture")?;
    let c = state
        .store
        .captures(uid)
        .await?
        .into_iter()
        .find(|c| c.id == cuid)
        .ok_or_else(|| ApiError::NotFound(format!("source `{id}` has no capture `{cid}`")))?;
    let sha = match (&c.state, &c.sha256) {
        (CaptureState::Captured, Some(sha)) => sha.clone(),
        _ => {
            return Err(ApiError::NotFound(format!(
                "capture `{cid}` is {} and has no bytes{}",
                c.state.as_str(),
                c.reason.as_deref().map(|r| format!(": {r}")).unwrap_or_default()
            )));
        }
    };
    match state.store.capture_bytes(&sha).await? {
        Some(b) => Ok((c, b)),
        None => Err(ApiError::NotFound(format!(
            "capture `{cid}` was imported from {} and its bytes are kept there{}",
            c.origin,
            c.archive_url.as_deref().map(|u| format!(": {u}")).unwrap_or_default()
        ))),
    }
}

/// `GET /api/sources/{id}/captures/{cid}` and `GET /api/sources/{id}/captures/{cid}.warc` (one
/// route: a path segment is matched whole).
#[utoipa::path(get, path = "/api/sources/{id}/captures/{cid}", tag = "sources",
    params(("id" = String, Path, description = "Source id"), ("cid" = String, Path, description = "Capture id")),
    responses((status = 200, description = "The captured bytes exactly, with the captured content type, `Content-Security-Policy: sandbox`, `X-Content-Type-Options: nosniff` and `X-Eventmap-SHA256`"),
              (status = 404, description = "Unknown, or not captured (yet)", body = super::error::Problem, content_type = "application/problem+json")))]
pub async fn bytes(
    State(state): State<AppState>,
    Path((id, cid)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    if let Some(cid) = cid.strip_suffix(".warc") {
        return warc(&state, &id, cid).await;
    }
    let (c, body) = kept(&state, &id, &cid).await?;
    let mut r = body.into_response();
    let h = r.headers_mut();
    let ct = c.content_type.as_deref().and_then(|t| HeaderValue::from_str(t).ok());
    h.insert(header::CONTENT_TYPE, ct.unwrap_or(HeaderValue::from_static("application/octet-stream")));
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CAPTURE_CSP));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert("cross-origin-resource-policy", HeaderValue::from_static("same-origin"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable"));
    if let Some(v) = c.sha256.as_deref().and_then(|s| HeaderValue::from_str(s).ok()) {
        h.insert("x-eventmap-sha256", v);
    }
    Ok(r)
}

async fn warc(state: &AppState, id: &str, cid: &str) -> Result<Response, ApiError> {
    let (c, body) = kept(state, id, cid).await?;
    let mut hop_bodies = Vec::with_capacity(c.hops.len());
    for h in &c.hops {
        if h.bytes == 0 {
            hop_bodies.push(Vec::new());
            continue;
        }
        let b = state.store.capture_bytes(&h.sha256).await?.ok_or_else(|| {
            ApiError::Internal(format!("the body of redirect hop {} of capture {} is not kept", h.url, c.id))
        })?;
        hop_bodies.push(b);
    }
    let ua = crate::outbound::user_agent(state.config.public_url.as_deref());
    let file = crate::formats::warc::write(&c, &body, &hop_bodies, &ua, Utc::now());
    let mut r = file.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/warc"));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"capture-{}.warc\"", c.id)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    Ok(r)
}

/// Documents `GET /api/sources/{id}/captures/{cid}.warc`, served by [`bytes()`].
#[utoipa::path(get, path = "/api/sources/{id}/captures/{cid}.warc", tag = "sources",
    params(("id" = String, Path, description = "Source id"), ("cid" = String, Path, description = "Capture id")),
    responses((status = 200, description = "The capture as a WARC 1.1 file (warcinfo, then a request and a response record per redirect hop and for the final URL; `WARC-Payload-Digest: sha256:<hex>`)", content_type = "application/warc"),
              (status = 404, description = "Unknown, or not captured (yet)", body = super::error::Problem, content_type = "application/problem+json")))]
#[allow(dead_code)]
pub async fn warc_doc() {}

/// Queues a capture of each of `sources` that has none yet, when this instance captures; a
/// failure is logged, never the request's: the event or report is stored either way.
pub async fn queue_new(state: &AppState, sources: &[uuid::Uuid], by: &str) {
    if !state.config.capture || sources.is_empty() {
        return;
    }
    if let Err(e) = state.store.queue_uncaptured(Some(sources), by, Utc::now()).await {
        tracing::warn!(cause = %e, "queueing captures of new sources failed");
    }
}
