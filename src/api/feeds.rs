//! Atom feeds of changes: `GET /api/events.atom?<filters>` and `GET /api/searches/{id}/feed.atom`.
//! The newest changes first (deletions included, as `include_deleted=true` lists them), with an
//! `ETag` over the bytes and a `Last-Modified` of the newest change, so that a reader that polls
//! with `If-None-Match` or `If-Modified-Since` gets a 304 while nothing changed.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use serde_json::Value;

use super::error::ApiError;
use super::extract::Pairs;
use super::list::base_url;
use super::searches::{find, read_filters};
use super::state::AppState;
use crate::domain::filter::PageRequest;
use crate::domain::follow::{SearchFilters, filter_keys};
use crate::domain::{EventFilter, Sort};
use crate::follow::dispatch::resolve_filters;
use crate::formats::atom::{self, FeedHead};

/// Entries of a feed unless `limit` says otherwise; and at most.
const DEFAULT_ENTRIES: u32 = 50;
const MAX_ENTRIES: u32 = 500;

/// The query parameters of a feed: the events filters and `limit` (documentation only).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct FeedParams {
    /// Any filter of `GET /api/events` (`start`, `end`, `bbox`, `lat`, `lon`, `radius_km`, `place`, `country`, `admin1`, `category`, `tag`, `actor`, `fatalities_min`, `status`, `q`, `source`, `geometry_type`).
    category: Option<String>,
    country: Option<String>,
    place: Option<String>,
    q: Option<String>,
    /// Entries, 1 to 500 (default 50).
    limit: Option<u32>,
}

fn http_date(t: DateTime<Utc>) -> String {
    t.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

/// Whether the request's validators say the reader has this version.
fn not_modified(headers: &HeaderMap, etag: &str, modified: Option<DateTime<Utc>>) -> bool {
    if let Some(inm) = headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) {
        // If-None-Match wins over If-Modified-Since (RFC 9110, 13.2.2); weak comparison.
        return inm.split(',').map(str::trim).any(|t| t == "*" || t.trim_start_matches("W/") == etag);
    }
    let since = headers
        .get(header::IF_MODIFIED_SINCE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| DateTime::parse_from_rfc2822(v).ok());
    match (since, modified) {
        (Some(s), Some(m)) => m.timestamp() <= s.timestamp(),
        _ => false,
    }
}

/// Answers a feed of `filter`'s newest changes.
async fn respond(
    state: &AppState,
    headers: &HeaderMap,
    filter: EventFilter,
    limit: u32,
    head: FeedHead,
) -> Result<Response, ApiError> {
    let filter = EventFilter { include_deleted: true, updated_since: None, ..filter };
    let page = PageRequest { limit, sort: Sort::UpdatedDesc, cursor: None };
    let rows: Vec<_> = state.store.list(&filter, &page).try_collect().await?;
    let features: Vec<Value> = rows
        .iter()
        .take(limit as usize)
        .map(|r| serde_json::from_str(&r.feature).map_err(|e| ApiError::Internal(format!("stored Feature: {e}"))))
        .collect::<Result<_, _>>()?;
    let body = atom::feed(&head, &features);
    let etag = {
        use sha2::{Digest, Sha256};
        let d = Sha256::digest(body.as_bytes());
        format!("\"{}\"", d[..12].iter().map(|b| format!("{b:02x}")).collect::<String>())
    };
    let modified =
        atom::newest(&features).and_then(|s| DateTime::parse_from_rfc3339(s).ok()).map(|t| t.with_timezone(&Utc));
    let mut r = if not_modified(headers, &etag, modified) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mut r = body.into_response();
        r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/atom+xml; charset=utf-8"));
        r
    };
    let h = r.headers_mut();
    h.insert(header::ETAG, HeaderValue::from_str(&etag).expect("hex"));
    if let Some(m) = modified {
        h.insert(header::LAST_MODIFIED, HeaderValue::from_str(&http_date(m)).expect("ascii"));
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    Ok(r)
}

/// Reads `limit` (1 to 500).
fn limit(pairs: &[(String, String)]) -> Result<u32, ApiError> {
    match pairs.iter().rev().find(|(k, _)| k == "limit") {
        None => Ok(DEFAULT_ENTRIES),
        Some((_, v)) => match v.trim().parse::<u32>() {
            Ok(n) if (1..=MAX_ENTRIES).contains(&n) => Ok(n),
            _ => Err(ApiError::bad_parameters(crate::domain::ValidationErrors::one(
                "limit",
                format!("must be a whole number from 1 to {MAX_ENTRIES}"),
            ))),
        },
    }
}

/// `GET /api/events.atom`
#[utoipa::path(get, path = "/api/events.atom", tag = "following", params(FeedParams),
    responses((status = 200, description = "An Atom 1.0 feed of the newest changes matching the filters", content_type = "application/atom+xml"),
              (status = 304, description = "Not modified since `If-None-Match` / `If-Modified-Since`"),
              (status = 400, description = "Bad query parameter", body = super::error::Problem, content_type = "application/problem+json"),
              (status = 401, description = "A private instance and no token", body = super::error::Problem, content_type = "application/problem+json")))]
pub async fn events(State(state): State<AppState>, headers: HeaderMap, pairs: Pairs) -> Result<Response, ApiError> {
    let mut allowed: Vec<&str> = filter_keys().collect();
    allowed.push("limit");
    pairs.only(&allowed)?;
    let n = limit(&pairs.0)?;
    let filters: Vec<(String, String)> = pairs.0.into_iter().filter(|(k, _)| k != "limit").collect();
    let q = super::list::list_query(&state, &filters, &[])?;
    let base = base_url(&state, &headers);
    let mut as_filters = SearchFilters::default();
    for (k, v) in &filters {
        as_filters.0.entry(k.clone()).or_default().push(v.clone());
    }
    let qs = as_filters.query_string();
    let sep = if qs.is_empty() { "" } else { "?" };
    let self_url = format!("{base}/api/events.atom{sep}{qs}");
    let head = FeedHead {
        id: self_url.clone(),
        title: if qs.is_empty() { "eventmap: all changes".into() } else { format!("eventmap: changes of {qs}") },
        self_url,
        map_url: format!("{base}/{sep}{qs}"),
        base,
    };
    respond(&state, &headers, q.filter, n, head).await
}

/// `GET /api/searches/{id}/feed.atom`
#[utoipa::path(get, path = "/api/searches/{id}/feed.atom", tag = "following",
    params(("id" = String, Path, description = "Saved search id"), ("limit" = Option<u32>, Query, description = "Entries, 1 to 500 (default 50)")),
    responses((status = 200, description = "An Atom 1.0 feed of the search's newest changes", content_type = "application/atom+xml"),
              (status = 304, description = "Not modified since `If-None-Match` / `If-Modified-Since`"),
              (status = 400, description = "Bad query parameter", body = super::error::Problem, content_type = "application/problem+json"),
              (status = 401, description = "A private instance and no token", body = super::error::Problem, content_type = "application/problem+json"),
              (status = 404, description = "Unknown search", body = super::error::Problem, content_type = "application/problem+json"),
              (status = 422, description = "The search's filters no longer resolve (a place removed from the gazetteer)", body = super::error::Problem, content_type = "application/problem+json")))]
pub async fn search(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    pairs: Pairs,
) -> Result<Response, ApiError> {
    pairs.only(&["limit"])?;
    let n = limit(&pairs.0)?;
    let s = find(&state, &id).await?;
    // Checked again as at creation: the gazetteer may have changed since.
    read_filters(&state, &s.filters.to_json(), "filters")?;
    let filter =
        resolve_filters(&s.filters, &state.vocab, &state.gazetteer).map_err(|e| ApiError::Internal(e.to_string()))?;
    let base = base_url(&state, &headers);
    let qs = s.filters.query_string();
    let sep = if qs.is_empty() { "" } else { "?" };
    let head = FeedHead {
        id: format!("urn:uuid:{}", s.id),
        title: format!("eventmap: {}", s.name),
        self_url: format!("{base}/api/searches/{}/feed.atom", s.id),
        map_url: format!("{base}/{sep}{qs}"),
        base,
    };
    respond(&state, &headers, filter, n, head).await
}
