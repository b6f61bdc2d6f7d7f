//! `/api/tokens`: token management for admins.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use super::AppState;
use super::caller::Caller;
use super::error::ApiError;
use super::extract::JsonBody;
use crate::domain::ValidationErrors;
use crate::store::{Role, StoreError};

/// A token to create.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    pub name: String,
    pub role: Role,
}

/// `GET /api/tokens`
#[utoipa::path(get, path = "/api/tokens", tag = "tokens", security(("bearer" = [])),
    responses((status = 200, description = "Every token, without secrets", body = Vec<crate::store::TokenInfo>),
              (status = 401, description = "No token", body = super::openapi::Problem, content_type = "application/problem+json"),
              (status = 403, description = "Not an admin", body = super::openapi::Problem, content_type = "application/problem+json")))]
pub async fn list(State(state): State<AppState>, caller: Caller) -> Result<Response, ApiError> {
    caller.require(Role::Admin)?;
    Ok(Json(state.store.tokens().await?).into_response())
}

/// `POST /api/tokens`
#[utoipa::path(post, path = "/api/tokens", tag = "tokens", request_body = NewToken, security(("bearer" = [])),
    responses((status = 201, description = "The token, shown this once"),
              (status = 403, description = "Not an admin", body = super::openapi::Problem, content_type = "application/problem+json")))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    caller.require(Role::Admin)?;
    let nt: NewToken = serde_json::from_value(body).map_err(|e| ValidationErrors::one("", e.to_string()))?;
    let (token, info) = crate::auth::create(state.store.as_ref(), &nt.name, nt.role).await.map_err(|e| match e {
        StoreError::Conflict(m) => ApiError::Validation(ValidationErrors::one("name", m)),
        other => other.into(),
    })?;
    Ok((StatusCode::CREATED, Json(json!({"token": token, "id": info.id, "name": info.name, "role": info.role})))
        .into_response())
}

/// `DELETE /api/tokens/{id}`
#[utoipa::path(delete, path = "/api/tokens/{id}", tag = "tokens", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 204, description = "Revoked"),
              (status = 404, description = "No such live token", body = super::openapi::Problem, content_type = "application/problem+json")))]
pub async fn revoke(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    caller.require(Role::Admin)?;
    if state.store.revoke_token(&id).await? {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(ApiError::NotFound(format!("no live token with id `{id}`")))
    }
}
