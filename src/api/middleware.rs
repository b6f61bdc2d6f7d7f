//! Middleware around every request: a request id on every log line and in the `X-Request-Id`
//! header, one log line per request (with the cause of any 5xx), metrics, security headers,
//! a time limit that answers with a problem, and the cap on heavy downloads per client.

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use tracing::Instrument;

use super::downloads;
use super::error::{ApiError, InternalCause};
use super::state::AppState;

pub static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// A request id from the client if it is short and plain, else a new one.
fn request_id(req: &Request) -> String {
    req.headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty() && v.len() <= 64 && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
        .map(str::to_string)
        .unwrap_or_else(|| uuid::Uuid::now_v7().simple().to_string())
}

/// Request id, span, access log, metrics.
pub async fn observe(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let id = request_id(&req);
    let method = req.method().to_string();
    let route = req.extensions().get::<MatchedPath>().map(|p| p.as_str().to_string()).unwrap_or_else(|| {
        if req.uri().path().starts_with("/assets/") { "/assets/{file}".into() } else { "unmatched".into() }
    });
    let path = req.uri().path().to_string();
    let span = tracing::info_span!("request", request_id = %id, method = %method, path = %path);
    let started = Instant::now();
    let mut resp = next.run(req).instrument(span.clone()).await;
    let took = started.elapsed();
    let status = resp.status();
    span.in_scope(|| {
        if let Some(InternalCause(cause)) = resp.extensions().get::<InternalCause>() {
            tracing::error!(status = status.as_u16(), cause = %cause, "request failed");
        }
        tracing::info!(status = status.as_u16(), ms = took.as_secs_f64() * 1000.0, "request");
    });
    state.metrics.record(&method, &route, status.as_u16(), took);
    if let Ok(v) = HeaderValue::from_str(&id) {
        resp.headers_mut().insert(REQUEST_ID.clone(), v);
    }
    resp
}

/// Security headers. The Content-Security-Policy allows only this origin (and a team's basemap
/// host, when one is configured) and no inline script; only `/embed` may be framed, by anyone.
/// `'wasm-unsafe-eval'` lets the map compile the WebAssembly of the right-to-left text plugin
/// (Arabic shaping); it does not allow `eval` of JavaScript.
pub async fn security_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let embed = req.uri().path() == "/embed";
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    let extra = state.config.basemap_origin.as_deref().map(|o| format!(" {o}")).unwrap_or_default();
    let frame = if embed { "*" } else { "'none'" };
    let csp = format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data: blob:{extra}; \
         connect-src 'self'{extra}; worker-src 'self' blob:; child-src blob:; font-src 'self'; object-src 'none'; \
         base-uri 'none'; form-action 'self'; frame-ancestors {frame}"
    );
    // A handler that set its own policy (served capture bytes: a sandbox) keeps it.
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_str(&csp).expect("ascii"));
    }
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    if !embed {
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    h.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    resp
}

/// Refuses at once, with a 413, a request whose declared `Content-Length` is over the body limit
/// of its route (the import's own for `POST /api/import`), before its body is read.
pub async fn declared_length(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let limit =
        if req.uri().path() == "/api/import" { super::import::IMPORT_BODY_LIMIT } else { state.config.body_limit };
    let declared = req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    match declared {
        Some(n) if n > limit as u64 => {
            ApiError::PayloadTooLarge(format!("the body declares {n} bytes; at most {limit} are taken")).into_response()
        }
        _ => next.run(req).await,
    }
}

/// Answers a request that takes longer than the configured limit with a 503 problem. A bulk
/// import (`POST /api/import`) is exempt: a large file takes longer than any page request, and
/// its answer (the counts) comes only at the end.
pub async fn time_limit(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if req.uri().path() == "/api/import" {
        return next.run(req).await;
    }
    let limit: Duration = state.config.request_timeout;
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(r) => r,
        Err(_) => ApiError::Timeout(format!("the request took longer than {} s", limit.as_secs())).into_response(),
    }
}

/// Middleware: refuses a heavy download beyond the client's share with a 429, and holds the
/// slot of one it lets through until its body is done.
pub async fn download_cap(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if !downloads::is_heavy(req.uri().path(), req.uri().query().unwrap_or("")) {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let client = super::caller::client_address(&parts, state.config.client_ip_header.as_deref());
    let Some(slot) = state.downloads.take(client, state.config.downloads_per_client.max(1)) else {
        return ApiError::TooManyDownloads { retry_after: downloads::RETRY_AFTER }.into_response();
    };
    let resp = next.run(Request::from_parts(parts, body)).await;
    let (parts, body) = resp.into_parts();
    // The slot goes with the body: given back when the last byte is sent, or when the
    // connection closes (a client that stops reading is dropped after the write deadline).
    let body = Body::from_stream(body.into_data_stream().map(move |chunk| {
        let _held = &slot;
        chunk
    }));
    Response::from_parts(parts, body)
}
