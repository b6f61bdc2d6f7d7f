//! `POST /api/events/{id}/merge`: an editor merges a duplicate into the event it duplicates. The
//! duplicate's sources move to the survivor and the duplicate becomes a tombstone that points at
//! it, in one transaction; both changes are in the histories with the reason.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;
use uuid::Uuid;

use super::caller::Caller;
use super::error::ApiError;
use super::events::{MAX_REASON, feature_response, gone, if_match};
use super::extract::{JsonBody, Pairs, event_id, from_json};
use super::state::AppState;
use crate::auth::Role;
use crate::domain::ValidationErrors;
use crate::store::{Lookup, StoreError};

/// The body of a merge.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeRequest {
    /// The id of the event that survives (the one this event duplicates).
    pub into: String,
    /// Why, for both histories.
    pub reason: String,
}

/// `POST /api/events/{id}/merge`
#[utoipa::path(post, path = "/api/events/{id}/merge", tag = "events",
    params(("id" = String, Path, description = "The duplicate, which becomes a tombstone"),
           ("If-Match" = Option<String>, Header, description = "The duplicate's revision as the editor saw it, e.g. \"3\"")),
    request_body = MergeRequest,
    security(("bearer" = [])),
    responses((status = 200, description = "The survivor, with the duplicate's sources; `ETag` is its revision", content_type = "application/geo+json"),
              (status = 404, description = "No event with this id", body = super::error::Problem, content_type = "application/problem+json"),
              (status = 410, description = "The duplicate was deleted already", body = super::error::Problem, content_type = "application/problem+json"),
              (status = 412, description = "The duplicate changed since the If-Match revision", body = super::error::Problem, content_type = "application/problem+json"),
              (status = 422, description = "No reason, or `into` is unknown, deleted or the event itself", body = super::error::Problem, content_type = "application/problem+json")))]
pub async fn merge(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    pairs: Pairs,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    caller.require(Role::Editor)?;
    pairs.only(&[])?;
    let id = event_id(&id)?;
    let expected = if_match(&headers)?;
    let req: MergeRequest = from_json(body)?;
    let mut errors = ValidationErrors::new();
    let into = Uuid::parse_str(req.into.trim()).ok();
    if into.is_none() {
        errors.add("into", "is not an event id (a UUID such as 0192f5c4-…)");
    }
    let reason = req.reason.trim().to_string();
    if reason.is_empty() {
        errors.add("reason", "a merge needs a reason, for both histories");
    } else if reason.chars().count() > MAX_REASON {
        errors.add("reason", "must be at most 1000 characters");
    }
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let into = into.expect("checked");
    match state.store.merge(id, expected, into, &caller.actor(), &reason).await {
        Ok((survivor, _)) => Ok(feature_response(axum::http::StatusCode::OK, &survivor)),
        // The duplicate's own state decides between 404 and 410 (with the tombstone's details).
        Err(StoreError::Gone(g)) if g == id => match state.store.get(id).await? {
            Lookup::Deleted(t) => Err(gone(&t)),
            _ => Err(StoreError::Gone(id).into()),
        },
        Err(e) => Err(e.into()),
    }
}
