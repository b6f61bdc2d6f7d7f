//! The one error type of the HTTP API, written as `application/problem+json` (RFC 9457).
//!
//! Every problem has a stable `type` (a path under `/problems/`, which the server also serves as
//! a short explanation), a `title`, the `status` and a human `detail`; validation problems list
//! the fields at fault. A 500 says only "internal error" and carries the cause in a response
//! extension, which the logging middleware writes to the log once.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::domain::{FieldError, ValidationErrors};
use crate::gazetteer::Candidate;
use crate::gazetteer::resolve::{ResolveError, Unresolved};
use crate::store::StoreError;

/// The cause of an internal error, for the log only.
#[derive(Debug, Clone)]
pub struct InternalCause(pub String);

/// Every error the API answers with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{detail}")]
    InvalidRequest { detail: String, errors: Vec<FieldError> },
    #[error("{0}")]
    Validation(ValidationErrors),
    #[error("{detail}")]
    UnresolvedPlace { detail: String, errors: Vec<FieldError>, candidates: Value },
    /// An import refused whole; `report` (counts and rejected rows) is merged into the problem.
    #[error("{detail}")]
    ImportRejected { detail: String, report: Value },
    #[error("{0}")]
    NotAcceptable(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{detail}")]
    Gone { detail: String, extra: Value },
    #[error("{0}")]
    PreconditionFailed(String),
    #[error("{0}")]
    Conflict(String),
    #[error("request body too large")]
    PayloadTooLarge(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("{0}")]
    Misdirected(String),
    #[error("{0}")]
    UriTooLong(String),
    #[error("{0}")]
    HeadersTooLarge(String),
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("too many failed sign-ins")]
    TooManyRequests { retry_after: u64 },
    #[error("this address has as many downloads open as it may: wait for one to end")]
    TooManyDownloads { retry_after: u64 },
    #[error("{0}")]
    Unavailable(String),
    #[error("{0}")]
    Timeout(String),
    #[error("internal error: {0}")]
    Internal(String),
}

/// An RFC 9457 problem (documentation only).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct Problem {
    /// `/problems/<slug>`; see `docs/API.md` for every type.
    r#type: String,
    title: String,
    status: u16,
    detail: String,
    /// Fields at fault, for 400 and 422.
    errors: Option<Vec<crate::domain::FieldError>>,
    /// For unresolved places: what the gazetteer found.
    #[schema(value_type = Option<Vec<Object>>)]
    candidates: Option<Vec<serde_json::Value>>,
}

/// A problem type: its slug (the `type` is `/problems/<slug>`), title and status.
pub struct ProblemType {
    pub slug: &'static str,
    pub title: &'static str,
    pub status: StatusCode,
    pub explanation: &'static str,
}

/// Every problem type the API uses, for `/problems/<slug>` and `docs/API.md`.
pub const PROBLEM_TYPES: [ProblemType; 22] = [
    ProblemType {
        slug: "invalid-request",
        title: "Invalid request",
        status: StatusCode::BAD_REQUEST,
        explanation: "The request could not be read: malformed JSON, a bad query parameter, or a missing required part. `errors` names the parameters at fault.",
    },
    ProblemType {
        slug: "validation",
        title: "Validation failed",
        status: StatusCode::UNPROCESSABLE_ENTITY,
        explanation: "The body was well-formed but some fields are not acceptable. `errors` lists each field (as a path such as `places[0].lat`) with the reason. Nothing was stored.",
    },
    ProblemType {
        slug: "unresolved-place",
        title: "Place could not be resolved",
        status: StatusCode::UNPROCESSABLE_ENTITY,
        explanation: "A place given by name is unknown to the gazetteer, or too ambiguous to pick without a hint. `candidates` lists what the gazetteer found; give a `gazetteer_id`, coordinates or a `country`.",
    },
    ProblemType {
        slug: "import-rejected",
        title: "Import rejected",
        status: StatusCode::UNPROCESSABLE_ENTITY,
        explanation: "The file could not be imported: it is not in the format named (or guessed), or some rows are invalid. `rejections` lists the first bad rows with their line, the reason and the row as it is in the file, `rejected` counts them all. Nothing was imported; fix the rows, or import with `skip_invalid=true` to keep the good ones.",
    },
    ProblemType {
        slug: "not-acceptable",
        title: "Not acceptable",
        status: StatusCode::NOT_ACCEPTABLE,
        explanation: "The `Accept` header (or `f=`) asks for a representation this address does not have; it serves JSON.",
    },
    ProblemType {
        slug: "not-found",
        title: "Not found",
        status: StatusCode::NOT_FOUND,
        explanation: "There is nothing at this address.",
    },
    ProblemType {
        slug: "gone",
        title: "Deleted",
        status: StatusCode::GONE,
        explanation: "The event was deleted. The problem says when and why; its history is still available.",
    },
    ProblemType {
        slug: "revision-mismatch",
        title: "Revision mismatch",
        status: StatusCode::PRECONDITION_FAILED,
        explanation: "The `If-Match` revision is not the event's current revision: someone changed it since you read it. Read it again and reapply your change.",
    },
    ProblemType {
        slug: "conflict",
        title: "Conflict",
        status: StatusCode::CONFLICT,
        explanation: "The request conflicts with what is stored.",
    },
    ProblemType {
        slug: "payload-too-large",
        title: "Request body too large",
        status: StatusCode::PAYLOAD_TOO_LARGE,
        explanation: "The request body is larger than the server accepts.",
    },
    ProblemType {
        slug: "unsupported-media-type",
        title: "Unsupported media type",
        status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
        explanation: "Send JSON (`application/json`, `application/geo+json` or `application/merge-patch+json`), unencoded: a request `Content-Encoding` (gzip and others) is refused.",
    },
    ProblemType {
        slug: "misdirected",
        title: "Misdirected request",
        status: StatusCode::MISDIRECTED_REQUEST,
        explanation: "The `Host` header names a server this one is not. Links are built from it, so only this server's own names are answered: loopback names, the host of `--public-url`, and those given with `--allowed-host`.",
    },
    ProblemType {
        slug: "uri-too-long",
        title: "URI too long",
        status: StatusCode::URI_TOO_LONG,
        explanation: "The request's path and query are longer than 8,192 bytes.",
    },
    ProblemType {
        slug: "headers-too-large",
        title: "Request headers too large",
        status: StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        explanation: "The request has more than 100 header fields, or more than 32,768 bytes of them.",
    },
    ProblemType {
        slug: "method-not-allowed",
        title: "Method not allowed",
        status: StatusCode::METHOD_NOT_ALLOWED,
        explanation: "This address does not accept this HTTP method.",
    },
    ProblemType {
        slug: "unauthorized",
        title: "Authentication required",
        status: StatusCode::UNAUTHORIZED,
        explanation: "Send `Authorization: Bearer <token>` with a token made by `eventmap token create`.",
    },
    ProblemType {
        slug: "forbidden",
        title: "Not allowed",
        status: StatusCode::FORBIDDEN,
        explanation: "The token is valid but its role does not allow this.",
    },
    ProblemType {
        slug: "too-many-requests",
        title: "Too many failed sign-ins",
        status: StatusCode::TOO_MANY_REQUESTS,
        explanation: "Too many requests with a wrong token came from this address. Wait for `Retry-After` seconds.",
    },
    ProblemType {
        slug: "too-many-downloads",
        title: "Too many downloads at once",
        status: StatusCode::TOO_MANY_REQUESTS,
        explanation: "This address has as many exports and large pages open as it may (2 by default). Finish or close one, or wait for `Retry-After` seconds.",
    },
    ProblemType {
        slug: "unavailable",
        title: "Service unavailable",
        status: StatusCode::SERVICE_UNAVAILABLE,
        explanation: "The database cannot be reached at the moment. The request can be retried; nothing was changed.",
    },
    ProblemType {
        slug: "timeout",
        title: "Request timed out",
        status: StatusCode::SERVICE_UNAVAILABLE,
        explanation: "The request took longer than the server allows.",
    },
    ProblemType {
        slug: "internal",
        title: "Internal error",
        status: StatusCode::INTERNAL_SERVER_ERROR,
        explanation: "Something went wrong on the server. It has been logged; the request id in `X-Request-Id` helps find it.",
    },
];

/// Candidates of ambiguous names as a problem lists them, each with the field it is for.
fn candidates_json(cands: &[(String, Candidate)]) -> Value {
    cands
        .iter()
        .map(|(field, c)| {
            json!({"for": field, "gazetteer_id": c.place.gazetteer_id, "name": c.place.name, "kind": c.place.kind,
                   "country": c.place.country, "admin1": c.place.admin1, "population": c.place.population,
                   "lon": c.place.lon, "lat": c.place.lat, "matched_name": c.matched_name, "score": c.score})
        })
        .collect()
}

/// Places of an event that could not be completed: a 422 listing the candidates.
impl From<Unresolved> for ApiError {
    fn from(u: Unresolved) -> Self {
        let candidates = candidates_json(&u.candidates);
        Self::UnresolvedPlace { detail: u.to_string(), errors: u.errors, candidates }
    }
}

/// How many candidates a 400 for an ambiguous `place=` names.
const NAMED_CANDIDATES: usize = 4;

impl ApiError {
    pub fn invalid(detail: impl Into<String>) -> Self {
        Self::InvalidRequest { detail: detail.into(), errors: Vec::new() }
    }

    /// A 400 for bad query parameters, listing them.
    /// A `place=` or `country=` parameter that names no one place: a 400 that names the
    /// candidates' ids.
    pub fn place_parameter(field: &str, e: ResolveError) -> Self {
        let (detail, message) = match &e {
            ResolveError::Unknown(_) | ResolveError::NotACountry(_) | ResolveError::NotARegion(_) => {
                (e.to_string(), "is unknown")
            }
            ResolveError::RadiusOfArea(..) => (e.to_string(), "does not apply to a country or a region"),
            ResolveError::Ambiguous { name, candidates } => {
                let ids: Vec<String> = candidates
                    .iter()
                    .take(NAMED_CANDIDATES)
                    .map(|c| {
                        let country = c.place.country.as_deref().unwrap_or_default();
                        format!("{} ({}, {country})", c.place.gazetteer_id, c.place.name)
                    })
                    .collect();
                (
                    format!("`{name}` could be several places: use a gazetteer id such as {}", ids.join(", ")),
                    "is ambiguous",
                )
            }
        };
        Self::InvalidRequest { detail, errors: vec![FieldError { field: field.into(), message: message.into() }] }
    }

    pub fn bad_parameters(e: ValidationErrors) -> Self {
        Self::InvalidRequest { detail: format!("invalid query parameters: {}", e.summary()), errors: e.errors }
    }

    fn slug(&self) -> &'static str {
        match self {
            Self::InvalidRequest { .. } => "invalid-request",
            Self::Validation(_) => "validation",
            Self::UnresolvedPlace { .. } => "unresolved-place",
            Self::ImportRejected { .. } => "import-rejected",
            Self::NotAcceptable(_) => "not-acceptable",
            Self::NotFound(_) => "not-found",
            Self::Gone { .. } => "gone",
            Self::PreconditionFailed(_) => "revision-mismatch",
            Self::Conflict(_) => "conflict",
            Self::PayloadTooLarge(_) => "payload-too-large",
            Self::UnsupportedMediaType(_) => "unsupported-media-type",
            Self::Misdirected(_) => "misdirected",
            Self::UriTooLong(_) => "uri-too-long",
            Self::HeadersTooLarge(_) => "headers-too-large",
            Self::MethodNotAllowed => "method-not-allowed",
            Self::Unauthorized(_) => "unauthorized",
            Self::Forbidden(_) => "forbidden",
            Self::TooManyRequests { .. } => "too-many-requests",
            Self::TooManyDownloads { .. } => "too-many-downloads",
            Self::Unavailable(_) => "unavailable",
            Self::Timeout(_) => "timeout",
            Self::Internal(_) => "internal",
        }
    }

    pub fn status(&self) -> StatusCode {
        let slug = self.slug();
        PROBLEM_TYPES.iter().find(|p| p.slug == slug).map(|p| p.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

impl From<ValidationErrors> for ApiError {
    fn from(e: ValidationErrors) -> Self {
        Self::Validation(e)
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(id) => Self::NotFound(format!("no event with id {id}")),
            StoreError::Gone(id) => Self::Gone { detail: format!("event {id} was deleted"), extra: json!({}) },
            StoreError::RevisionMismatch { expected, current } => Self::PreconditionFailed(format!(
                "the event is at revision {current}, not {expected}: read it again and reapply your change"
            )),
            StoreError::Conflict(m) | StoreError::Unsupported(m) => Self::Conflict(m),
            StoreError::Unavailable(m) => Self::Unavailable(m),
            StoreError::Internal(m) => Self::Internal(m),
            StoreError::Invalid { field, message } => Self::Validation(ValidationErrors::one(field, message)),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let slug = self.slug();
        let title = PROBLEM_TYPES.iter().find(|p| p.slug == slug).map(|p| p.title).unwrap_or("Error");
        let detail = match &self {
            Self::Internal(_) => "internal error".to_string(),
            Self::Unavailable(_) => "the database is unavailable; try again shortly".to_string(),
            other => other.to_string(),
        };
        let mut body =
            json!({"type": format!("/problems/{slug}"), "title": title, "status": status.as_u16(), "detail": detail});
        match &self {
            Self::InvalidRequest { errors, .. } if !errors.is_empty() => body["errors"] = json!(errors),
            Self::Validation(v) => body["errors"] = json!(v.errors),
            Self::UnresolvedPlace { errors, candidates, .. } => {
                body["errors"] = json!(errors);
                body["candidates"] = candidates.clone();
            }
            Self::ImportRejected { report: Value::Object(m), .. } => {
                for (k, v) in m {
                    body[k] = v.clone();
                }
            }
            Self::Gone { extra: Value::Object(m), .. } => {
                for (k, v) in m {
                    body[k] = v.clone();
                }
            }
            _ => {}
        }
        let mut resp = (status, body.to_string()).into_response();
        resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        if let Self::TooManyRequests { retry_after } | Self::TooManyDownloads { retry_after } = &self {
            resp.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(*retry_after));
        }
        if let Self::Unauthorized(_) = &self {
            resp.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"eventmap\""));
        }
        match self {
            Self::Internal(cause) => {
                resp.extensions_mut().insert(InternalCause(cause));
            }
            Self::Unavailable(cause) => {
                resp.extensions_mut().insert(InternalCause(cause));
            }
            _ => {}
        }
        resp
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn internal_errors_tell_the_client_nothing_but_keep_the_cause_for_the_log() {
        let resp = ApiError::Internal("SELECT * FROM events failed at /var/lib/x.db".into()).into_response();
        assert_eq!(resp.status(), 500);
        assert_eq!(resp.extensions().get::<InternalCause>().unwrap().0, "SELECT * FROM events failed at /var/lib/x.db");
        let body = axum::body::to_bytes(resp.into_body(), 10_000).await.unwrap();
        let v: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            v,
            json!({"type": "/problems/internal", "title": "Internal error", "status": 500, "detail": "internal error"})
        );
    }

    #[test]
    fn every_variant_has_a_registered_problem_type() {
        for e in [
            ApiError::invalid("x"),
            ApiError::Validation(ValidationErrors::new()),
            ApiError::MethodNotAllowed,
            ApiError::TooManyRequests { retry_after: 1 },
            ApiError::Timeout("x".into()),
        ] {
            let slug = e.slug();
            assert!(PROBLEM_TYPES.iter().any(|p| p.slug == slug), "{slug}");
        }
    }
}

#[cfg(test)]
mod doc_tests {
    use super::PROBLEM_TYPES;

    #[test]
    fn every_problem_type_is_documented_in_the_api_guide() {
        let doc = include_str!("../../docs/API.md");
        for p in PROBLEM_TYPES {
            let row = format!("| `/problems/{}` | {} |", p.slug, p.status.as_u16());
            assert!(doc.contains(&row), "docs/API.md lacks the row {row}");
        }
    }
}
