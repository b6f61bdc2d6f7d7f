//! `/api/searches`: saved searches (a name and the filters of `GET /api/events`) with their feed
//! and map addresses. Reads are like the events'; editors create, change and delete them.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde_json::{Value, json};
use uuid::Uuid;

use super::caller::Caller;
use super::error::ApiError;
use super::extract::JsonBody;
use super::list::base_url;
use super::state::AppState;
use crate::auth::Role;
use crate::domain::ValidationErrors;
use crate::domain::follow::{SavedSearch, SearchFilters, check_name};
use crate::domain::time::format_rfc3339;
use crate::follow::dispatch::{FilterError, resolve_filters};

/// Parses a path id as a saved search's (or a webhook's) id; anything else names nothing.
pub fn path_id(s: &str, what: &str) -> Result<Uuid, ApiError> {
    match Uuid::parse_str(s) {
        Ok(id) if id.hyphenated().to_string() == s => Ok(id),
        _ => Err(ApiError::NotFound(format!("no {what} with id `{s}`"))),
    }
}

/// Reads and checks a `filters` object: known keys, and values `GET /api/events` accepts.
pub fn read_filters(state: &AppState, v: &Value, field: &str) -> Result<SearchFilters, ApiError> {
    let f = SearchFilters::from_json(v, field).map_err(ApiError::Validation)?;
    match resolve_filters(&f, &state.vocab, &state.gazetteer) {
        Ok(_) => Ok(f),
        Err(FilterError::Bad(key, message)) => {
            Err(ApiError::Validation(ValidationErrors::one(format!("{field}.{key}"), message)))
        }
        Err(e) => Err(ApiError::Internal(e.to_string())),
    }
}

/// The JSON of a saved search, with where to follow it.
pub fn search_json(base: &str, s: &SavedSearch) -> Value {
    let q = s.filters.query_string();
    let sep = if q.is_empty() { "" } else { "?" };
    json!({
        "id": s.id,
        "name": s.name,
        "filters": s.filters.to_json(),
        "feed_url": format!("{base}/api/searches/{}/feed.atom", s.id),
        "map_url": format!("{base}/{sep}{q}"),
        "events_url": format!("{base}/api/events{sep}{q}"),
        "created_by": s.created_by,
        "created_at": format_rfc3339(s.created_at),
        "updated_at": format_rfc3339(s.updated_at),
    })
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct NewSearch {
    name: String,
    filters: Value,
}

/// A saved search to create (documentation only).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct SearchBody {
    /// 1 to 200 characters.
    name: String,
    /// Query parameters of `GET /api/events` (filters only: no `limit`, `cursor`, `sort`, `format`),
    /// each a string, number, boolean or a list of them (a repeated parameter).
    #[schema(value_type = Object)]
    filters: Value,
}

/// A change to a saved search (documentation only).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct SearchPatch {
    name: Option<String>,
    /// Replaces every filter.
    #[schema(value_type = Option<Object>)]
    filters: Option<Value>,
}

fn created(base: &str, s: &SavedSearch) -> Response {
    let mut r = (StatusCode::CREATED, Json(search_json(base, s))).into_response();
    r.headers_mut().insert(header::LOCATION, HeaderValue::from_str(&format!("/api/searches/{}", s.id)).expect("ascii"));
    r
}

/// `POST /api/searches`
#[utoipa::path(post, path = "/api/searches", tag = "following", request_body = SearchBody,
    responses((status = 201, description = "The saved search, with its `feed_url` and `map_url`"),
              (status = 400, description = "Malformed JSON", body = super::error::Problem, content_type = "application/problem+json"),
              (status = 401, description = "No token", body = super::error::Problem, content_type = "application/problem+json"),
              (status = 403, description = "Not an editor", body = super::error::Problem, content_type = "application/problem+json"),
              (status = 415, description = "Not JSON", body = super::error::Problem, content_type = "application/problem+json"),
              (status = 422, description = "Bad name or filters", body = super::error::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let who = caller.require(Role::Editor)?.name.clone();
    let b: NewSearch = super::extract::from_json(body)?;
    let name = check_name(&b.name).map_err(ApiError::Validation)?;
    let filters = read_filters(&state, &b.filters, "filters")?;
    let now = Utc::now();
    let s = SavedSearch { id: Uuid::now_v7(), name, filters, created_by: who, created_at: now, updated_at: now };
    state.store.insert_search(&s).await?;
    Ok(created(&base_url(&state, &headers), &s))
}

/// `GET /api/searches`
#[utoipa::path(get, path = "/api/searches", tag = "following",
    responses((status = 200, description = "Every saved search, oldest first: `{\"searches\": [...]}`"),
              (status = 401, description = "A private instance and no token", body = super::error::Problem, content_type = "application/problem+json")))]
pub async fn list(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    let base = base_url(&state, &headers);
    let all: Vec<Value> = state.store.searches().await?.iter().map(|s| search_json(&base, s)).collect();
    Ok(Json(json!({"searches": all})).into_response())
}

/// The saved search at `id`, or a 404.
pub async fn find(state: &AppState, id: &str) -> Result<SavedSearch, ApiError> {
    let uid = path_id(id, "saved search")?;
    state.store.search(uid).await?.ok_or_else(|| ApiError::NotFound(format!("no saved search with id `{id}`")))
}

/// `GET /api/searches/{id}`
#[utoipa::path(get, path = "/api/searches/{id}", tag = "following", params(("id" = String, Path, description = "Saved search id")),
    responses((status = 200, description = "The saved search"),
              (status = 401, description = "A private instance and no token", body = super::error::Problem, content_type = "application/problem+json"),
              (status = 404, description = "Unknown", body = super::error::Problem, content_type = "application/problem+json")))]
pub async fn get_one(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let s = find(&state, &id).await?;
    Ok(Json(search_json(&base_url(&state, &headers), &s)).into_response())
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Patch {
    name: Option<String>,
    filters: Option<Value>,
}

/// `PATCH /api/searches/{id}`
#[utoipa::path(patch, path = "/api/searches/{id}", tag = "following", params(("id" = String, Path, description = "Saved search id")),
    request_body = SearchPatch,
    responses((status = 200, description = "The changed saved search"),
              (status = 400, description = "Malformed JSON", body = super::error::Problem, content_type = "application/problem+json"),
              (status = 401, description = "No token", body = super::error::Problem, content_type = "application/problem+json"),
              (status = 403, description = "Not an editor", body = super::error::Problem, content_type = "application/problem+json"),
              (status = 404, description = "Unknown", body = super::error::Problem, content_type = "application/problem+json"),
              (status = 415, description = "Not JSON", body = super::error::Problem, content_type = "application/problem+json"),
              (status = 422, description = "Bad name or filters", body = super::error::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn patch(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    caller.require(Role::Editor)?;
    let p: Patch = super::extract::from_json(body)?;
    let mut s = find(&state, &id).await?;
    if let Some(n) = &p.name {
        s.name = check_name(n).map_err(ApiError::Validation)?;
    }
    if let Some(f) = &p.filters {
        s.filters = read_filters(&state, f, "filters")?;
    }
    s.updated_at = Utc::now();
    if !state.store.update_search(&s).await? {
        return Err(ApiError::NotFound(format!("no saved search with id `{id}`")));
    }
    Ok(Json(search_json(&base_url(&state, &headers), &s)).into_response())
}

/// `DELETE /api/searches/{id}`
#[utoipa::path(delete, path = "/api/searches/{id}", tag = "following", params(("id" = String, Path, description = "Saved search id")),
    responses((status = 204, description = "Deleted"),
              (status = 401, description = "No token", body = super::error::Problem, content_type = "application/problem+json"),
              (status = 403, description = "Not an editor", body = super::error::Problem, content_type = "application/problem+json"),
              (status = 404, description = "Unknown", body = super::error::Problem, content_type = "application/problem+json"),
              (status = 409, description = "A webhook follows it", body = super::error::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    caller.require(Role::Editor)?;
    let uid = path_id(&id, "saved search")?;
    if !state.store.delete_search(uid).await? {
        return Err(ApiError::NotFound(format!("no saved search with id `{id}`")));
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}
