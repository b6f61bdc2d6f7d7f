//! Request extractors whose rejections are our own problems: a JSON body (with its media type
//! checked and syntax errors located, a large one parsed off the async workers), query pairs,
//! and event ids; and [`blocking`], which runs a request's CPU work off the async workers.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header;
use axum::http::request::Parts;
use serde_json::Value;
use uuid::Uuid;

use super::error::ApiError;

/// A JSON request body as a value.
pub struct JsonBody(pub Value);

/// Reads a request body into `T`; a wrong type or an unknown field is a 422 naming its path.
pub fn from_json<T: serde::de::DeserializeOwned>(v: Value) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(v).map_err(|err| {
        let path = err.path().to_string();
        crate::domain::ValidationErrors::one(
            if path == "." { String::new() } else { path },
            err.into_inner().to_string(),
        )
        .into()
    })
}

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let ct =
            req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_ascii_lowercase();
        let essence = ct.split(';').next().unwrap_or("").trim().to_string();
        if !matches!(essence.as_str(), "application/json" | "application/geo+json" | "application/merge-patch+json") {
            return Err(ApiError::UnsupportedMediaType(if essence.is_empty() {
                "send the body as JSON with `Content-Type: application/json`".into()
            } else {
                format!("`{essence}` is not accepted; send JSON with `Content-Type: application/json`")
            }));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::PayloadTooLarge(e.body_text())
            } else {
                ApiError::invalid(format!("could not read the request body: {}", e.body_text()))
            }
        })?;
        let large = bytes.len() >= LARGE_BODY;
        let parse = move || {
            serde_json::from_slice(&bytes).map_err(|e| {
                ApiError::invalid(format!("the body is not valid JSON (line {}, column {}): {e}", e.line(), e.column()))
            })
        };
        let v = if large { blocking(parse).await? } else { parse()? };
        Ok(Self(v))
    }
}

/// Bodies from this size on are parsed on a blocking thread: a megabyte of JSON takes
/// milliseconds that the other requests on the same worker would wait.
const LARGE_BODY: usize = 64 * 1024;

/// Runs a request's CPU work (parsing a large body, validation, geometry checks, geocoding
/// places) on a blocking thread, so that it holds up no other request and the request's time
/// limit can end the request even while the work runs (the work itself finishes in the
/// background, its result unused).
pub async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f).await.map_err(|e| ApiError::Internal(format!("request task failed: {e}")))?
}

/// The query string as decoded `(key, value)` pairs, repeats kept in order.
pub struct Pairs(pub Vec<(String, String)>);

impl<S: Send + Sync> FromRequestParts<S> for Pairs {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let q = parts.uri.query().unwrap_or("");
        Ok(Self(url::form_urlencoded::parse(q.as_bytes()).into_owned().collect()))
    }
}

impl Pairs {
    /// The last value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// Refuses keys other than `allowed`.
    pub fn only(&self, allowed: &[&str]) -> Result<(), ApiError> {
        let mut e = crate::domain::ValidationErrors::new();
        for (k, _) in &self.0 {
            if !allowed.contains(&k.as_str()) {
                e.add(k.clone(), "is not a known parameter");
            }
        }
        if e.is_empty() { Ok(()) } else { Err(ApiError::bad_parameters(e)) }
    }
}

/// Parses an event id from a path: a UUID in its one canonical form (lower case, hyphenated, as
/// every response writes it). Another spelling of a UUID (upper case, braces, no hyphens, a
/// `urn:uuid:`) is a 400 naming the canonical one, so that one event has one address; anything
/// that is not a UUID names no event.
pub fn event_id(s: &str) -> Result<Uuid, ApiError> {
    let id = Uuid::parse_str(s).map_err(|_| ApiError::NotFound(format!("no event with id `{s}`")))?;
    let canonical = id.hyphenated().to_string();
    if canonical != s {
        return Err(ApiError::InvalidRequest {
            detail: format!("write the event id `{s}` as `{canonical}`: lower case, with hyphens"),
            errors: vec![crate::domain::FieldError { field: "id".into(), message: "is not in canonical form".into() }],
        });
    }
    Ok(id)
}
