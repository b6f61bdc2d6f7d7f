//! Liveness, readiness, metrics, the client configuration, the category vocabulary, and the
//! explanation of each problem type.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::error::{ApiError, PROBLEM_TYPES};
use super::state::AppState;

/// `GET /healthz`: the process is up.
#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200, description = "Up")))]
pub async fn healthz() -> Json<serde_json::Value> {
    Json(json!({"status": "ok"}))
}

/// `GET /readyz`: the database answers.
#[utoipa::path(get, path = "/readyz", tag = "operations", responses((status = 200, description = "Ready"),
    (status = 503, description = "The database is unreachable", body = super::error::Problem, content_type = "application/problem+json")))]
pub async fn readyz(State(state): State<AppState>) -> Result<Json<serde_json::Value>, ApiError> {
    state.store.ping().await.map_err(|e| ApiError::Unavailable(e.to_string()))?;
    Ok(Json(json!({"status": "ready"})))
}

/// `GET /metrics`: Prometheus text format.
#[utoipa::path(get, path = "/metrics", tag = "operations", responses((status = 200, description = "Prometheus text exposition", content_type = "text/plain")))]
pub async fn metrics(State(state): State<AppState>) -> Response {
    let places = state.gazetteer.len() as f64;
    let custom = state.gazetteer.custom_len() as f64;
    let mut gauges = vec![
        ("eventmap_gazetteer_places", "Places in the embedded gazetteer.", places),
        ("eventmap_custom_places", "A team's own places loaded.", custom),
    ];
    if let Some(bytes) = state.store.wal_bytes() {
        gauges.push((
            "eventmap_sqlite_wal_bytes",
            "Size of the SQLite write-ahead log file in bytes (checkpointed and truncated past 16 MiB; capped at 64 MiB outside one transaction).",
            bytes as f64,
        ));
    }
    let text = state.metrics.render(&gauges);
    let mut r = text.into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"));
    r
}

/// `GET /api/config`: what the map needs to know about this server.
#[utoipa::path(get, path = "/api/config", tag = "operations", responses((status = 200, description = "Map configuration")))]
pub async fn config(State(state): State<AppState>) -> Json<serde_json::Value> {
    Json(json!({
        "private": state.config.private,
        "basemap_style": state.config.basemap_style,
        "categories": state.vocab.categories,
        "statuses": crate::domain::Status::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        "attribution": "© Natural Earth (public domain) · places © GeoNames (CC BY 4.0) · MapLibre",
        "version": env!("CARGO_PKG_VERSION"),
    }))
}

/// `GET /api/categories`: the category vocabulary with labels and colours.
#[utoipa::path(get, path = "/api/categories", tag = "events", responses((status = 200, description = "The vocabulary", body = crate::domain::Vocabulary)))]
pub async fn categories(State(state): State<AppState>) -> Json<crate::domain::Vocabulary> {
    Json((*state.vocab).clone())
}

/// `GET /problems/{slug}`: what a problem type means.
pub async fn problem(Path(slug): Path<String>) -> Result<Response, ApiError> {
    let p = PROBLEM_TYPES
        .iter()
        .find(|p| p.slug == slug)
        .ok_or_else(|| ApiError::NotFound(format!("no problem type `{slug}`")))?;
    let text = format!("{} ({})\n\n{}\n", p.title, p.status.as_u16(), p.explanation);
    let mut r = (StatusCode::OK, text).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    Ok(r)
}
