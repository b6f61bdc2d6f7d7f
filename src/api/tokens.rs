//! `/api/tokens`: token management for admins; `/api/me`: who a token is.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use super::caller::Caller;
use super::error::ApiError;
use super::extract::JsonBody;
use super::state::AppState;
use crate::auth::Role;
use crate::domain::ValidationErrors;
use crate::store::StoreError;

/// A token to create.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    pub name: String,
    /// The person it belongs to (1 to 100 characters); history names them.
    #[serde(default)]
    pub person: Option<String>,
    #[schema(value_type = RoleDoc)]
    pub role: Role,
}

/// Roles of API tokens, weakest first.
///
/// The schema of [`Role`], which is a plain type of `auth`; the test below keeps the two alike.
#[derive(utoipa::ToSchema)]
#[schema(as = Role, rename_all = "lowercase")]
#[allow(dead_code)]
pub enum RoleDoc {
    Viewer,
    Editor,
    Admin,
}

/// A stored token, without its secret.
///
/// The schema of [`crate::auth::TokenInfo`] as served; the test below keeps the two alike.
#[derive(utoipa::ToSchema)]
#[schema(as = TokenInfo)]
#[allow(dead_code)]
pub struct TokenInfoDoc {
    id: String,
    name: String,
    person: Option<String>,
    role: RoleDoc,
    created_at: String,
    revoked_at: Option<String>,
    last_used_at: Option<String>,
}

/// `GET /api/tokens`
#[utoipa::path(get, path = "/api/tokens", tag = "tokens", security(("bearer" = [])),
    responses((status = 200, description = "Every token, without secrets", body = Vec<TokenInfoDoc>),
              (status = 401, description = "No token", body = super::error::Problem, content_type = "application/problem+json"),
              (status = 403, description = "Not an admin", body = super::error::Problem, content_type = "application/problem+json")))]
pub async fn list(State(state): State<AppState>, caller: Caller) -> Result<Response, ApiError> {
    caller.require(Role::Admin)?;
    Ok(Json(state.store.tokens().await?).into_response())
}

/// `POST /api/tokens`
#[utoipa::path(post, path = "/api/tokens", tag = "tokens", request_body = NewToken, security(("bearer" = [])),
    responses((status = 201, description = "The token, shown this once"),
              (status = 403, description = "Not an admin", body = super::error::Problem, content_type = "application/problem+json")))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    caller.require(Role::Admin)?;
    let nt: NewToken = serde_json::from_value(body).map_err(|e| ValidationErrors::one("", e.to_string()))?;
    let (token, info) = crate::auth::create_for(state.store.as_ref(), &nt.name, nt.person.as_deref(), nt.role)
        .await
        .map_err(|e| match e {
            StoreError::Conflict(m) => ApiError::Validation(ValidationErrors::one("name", m)),
            other => other.into(),
        })?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"token": token, "id": info.id, "name": info.name, "person": info.person, "role": info.role})),
    )
        .into_response())
}

/// Who the caller's token is.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Me {
    /// The token's id (its public part).
    pub id: String,
    /// What the token is for.
    pub name: String,
    /// The person it belongs to, when it says.
    pub person: Option<String>,
    #[schema(value_type = RoleDoc)]
    pub role: Role,
}

/// `GET /api/me`: the caller's token, to check one at once (the map's sign-in does).
#[utoipa::path(get, path = "/api/me", tag = "tokens", security(("bearer" = [])),
    responses((status = 200, description = "The token checks out", body = Me),
              (status = 401, description = "No token, or one that is malformed, unknown or revoked", body = super::error::Problem, content_type = "application/problem+json"),
              (status = 429, description = "Too many wrong tokens from this client", body = super::error::Problem, content_type = "application/problem+json")))]
pub async fn me(caller: Caller) -> Result<Response, ApiError> {
    let Some(p) = caller.0.as_ref() else {
        return Err(ApiError::Unauthorized("send a token: `Authorization: Bearer <token>`".into()));
    };
    Ok(Json(Me { id: p.token_id.clone(), name: p.name.clone(), person: p.person.clone(), role: p.role })
        .into_response())
}

/// `DELETE /api/tokens/{id}`
#[utoipa::path(delete, path = "/api/tokens/{id}", tag = "tokens", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 204, description = "Revoked"),
              (status = 404, description = "No such live token", body = super::error::Problem, content_type = "application/problem+json")))]
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

#[cfg(test)]
mod tests {
    use utoipa::PartialSchema;

    use super::*;

    fn schema_json<T: PartialSchema>() -> serde_json::Value {
        serde_json::to_value(T::schema()).unwrap()
    }

    #[test]
    fn the_documented_roles_are_the_roles_as_served() {
        let served: Vec<serde_json::Value> = Role::ALL.iter().map(|r| serde_json::to_value(r).unwrap()).collect();
        assert_eq!(schema_json::<RoleDoc>()["enum"], serde_json::Value::Array(served));
    }

    #[test]
    fn the_documented_token_has_the_fields_a_served_token_has() {
        let t = crate::auth::TokenInfo {
            id: "0123456789ab".into(),
            name: "desk".into(),
            person: Some("Rana Haddad".into()),
            role: Role::Editor,
            created_at: chrono::Utc::now(),
            revoked_at: None,
            last_used_at: None,
            secret_hash: "h".into(),
        };
        let served: std::collections::BTreeSet<String> =
            serde_json::to_value(&t).unwrap().as_object().unwrap().keys().cloned().collect();
        let documented: std::collections::BTreeSet<String> =
            schema_json::<TokenInfoDoc>()["properties"].as_object().unwrap().keys().cloned().collect();
        assert_eq!(served, documented);
    }
}
