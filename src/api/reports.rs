//! `POST /api/geoparse` (the places a text mentions) and `POST /api/reports` (a report to draft
//! events, matched against the stored ones, stored on request).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::caller::Caller;
use super::error::ApiError;
use super::extract::{JsonBody, from_json};
use super::state::AppState;
use crate::auth::Role;
use crate::domain::ValidationErrors;
use crate::geoparse::{Mention, Options};
use crate::ingest::{IngestError, ReportRequest};

/// A text to geoparse.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GeoparseRequest {
    pub text: String,
    /// BCP 47 language (ru, tr, az, ar ...), when known.
    #[serde(default)]
    pub language: Option<String>,
    /// ISO alpha-2 of the country the text is most likely about.
    #[serde(default)]
    pub country_hint: Option<String>,
}

/// The places a text mentions.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct GeoparseResponse {
    pub mentions: Vec<Mention>,
}

/// `POST /api/geoparse`
#[utoipa::path(post, path = "/api/geoparse", tag = "reports", request_body = GeoparseRequest,
    responses((status = 200, description = "Every place mention, with code-point offsets, the resolved place, a confidence and the runner-up candidates", body = GeoparseResponse),
              (status = 415, description = "Not JSON", body = super::error::Problem, content_type = "application/problem+json"),
              (status = 422, description = "No text, or a bad hint", body = super::error::Problem, content_type = "application/problem+json")))]
pub async fn geoparse(
    State(state): State<AppState>,
    JsonBody(v): JsonBody,
) -> Result<Json<GeoparseResponse>, ApiError> {
    let req: GeoparseRequest = from_json(v)?;
    let mut e = ValidationErrors::new();
    if req.text.chars().count() > crate::ingest::MAX_TEXT_CHARS {
        e.add("text", format!("is longer than {} characters", crate::ingest::MAX_TEXT_CHARS));
    }
    crate::ingest::check_country_hint(req.country_hint.as_deref(), &mut e);
    if !e.is_empty() {
        return Err(e.into());
    }
    let opts = Options { country_hint: req.country_hint.map(|c| c.to_ascii_uppercase()), language: req.language };
    let g = state.gazetteer.clone();
    let mentions = tokio::task::spawn_blocking(move || crate::geoparse::geoparse(&g, &req.text, &opts))
        .await
        .map_err(|e| ApiError::Internal(format!("geoparsing failed: {e}")))?;
    Ok(Json(GeoparseResponse { mentions }))
}

/// `POST /api/reports`
#[utoipa::path(post, path = "/api/reports", tag = "reports", request_body = ReportRequest, security(("bearer" = [])),
    responses((status = 200, description = "The drafts, each with its action (`draft`, `matches`, `attached`, `already_attached`) and why", body = crate::ingest::Outcome),
              (status = 201, description = "A draft was stored as a new `reported` event (`action: created`)", body = crate::ingest::Outcome),
              (status = 401, description = "No token", body = super::error::Problem, content_type = "application/problem+json"),
              (status = 403, description = "Token role too weak", body = super::error::Problem, content_type = "application/problem+json"),
              (status = 415, description = "Not JSON", body = super::error::Problem, content_type = "application/problem+json"),
              (status = 422, description = "No text, or a URL that is not http(s)", body = super::error::Problem, content_type = "application/problem+json")))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(v): JsonBody,
) -> Result<Response, ApiError> {
    caller.require(Role::Editor)?;
    let req: ReportRequest = from_json(v)?;
    let out = crate::ingest::ingest(
        state.store.as_ref(),
        &state.gazetteer,
        &state.vocab,
        &req,
        &caller.actor(),
        chrono::Utc::now(),
    )
    .await
    .map_err(|e| match e {
        IngestError::Invalid(v) => ApiError::from(v),
        IngestError::Store(s) => ApiError::from(s),
    })?;
    // The report as stored (one source per URL: its id may be an earlier citation's). A failed
    // look-up is logged, never the request's, as queue_new's own failures are.
    if state.config.capture {
        match out.stored_sources(state.store.as_ref()).await {
            Ok(ids) => super::sources::queue_new(&state, &ids, &caller.actor().name).await,
            Err(e) => tracing::warn!(cause = %e, "finding the report's stored source to capture failed"),
        }
    }
    let created = out.drafts.iter().any(|d| d.action == crate::ingest::Action::Created);
    Ok((if created { StatusCode::CREATED } else { StatusCode::OK }, Json(out)).into_response())
}
