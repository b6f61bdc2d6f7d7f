//! `/api/webhooks`: editors register a URL that is sent each matching change, signed with a
//! secret, and read the log of deliveries and attempts. The URL must be a public http(s) address
//! unless its host was allowed (`--allow-host`); the worker (`crate::follow`) sends.

use std::time::Duration;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde_json::{Value, json};
use uuid::Uuid;

use super::caller::Caller;
use super::error::ApiError;
use super::extract::{JsonBody, Pairs};
use super::list::base_url;
use super::searches::{path_id, read_filters};
use super::state::AppState;
use crate::auth::Role;
use crate::domain::ValidationErrors;
use crate::domain::follow::{ChangeKind, Subject, Webhook, check_secret};
use crate::domain::time::format_rfc3339;
use crate::outbound::OutboundError;

/// How long a webhook's host may take to resolve when it is registered.
const RESOLVE_TIMEOUT: Duration = Duration::from_secs(3);

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct NewWebhook {
    url: String,
    search_id: Option<String>,
    filters: Option<Value>,
    secret: String,
    events: Option<Vec<String>>,
}

/// A webhook to register (documentation only).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct WebhookBody {
    /// A public http or https URL (a private one only if its host is allowed with `--allow-host`).
    url: String,
    /// Follow a saved search (its filters as they are at each change), or give `filters`.
    search_id: Option<String>,
    /// Query parameters of `GET /api/events`, as for a saved search.
    #[schema(value_type = Option<Object>)]
    filters: Option<Value>,
    /// 16 to 200 characters; the HMAC-SHA256 key of `X-Eventmap-Signature`. Never served back.
    secret: String,
    /// Any of `created`, `updated`, `deleted` (default: all three).
    events: Option<Vec<String>>,
}

fn webhook_json(base: &str, w: &Webhook) -> Value {
    let mut v = json!({
        "id": w.id,
        "url": w.url,
        "events": w.events.iter().map(|k| k.as_str()).collect::<Vec<_>>(),
        "created_by": w.created_by,
        "created_at": format_rfc3339(w.created_at),
        "deliveries_url": format!("{base}/api/webhooks/{}/deliveries", w.id),
        "state": if w.last_error.is_some() { "failing" } else { "active" },
        "last_error": w.last_error,
        "failing_since": w.failing_since.map(format_rfc3339),
    });
    match &w.subject {
        Subject::Search(id) => v["search_id"] = json!(id),
        Subject::Filters(f) => v["filters"] = f.to_json(),
    }
    v
}

/// Refuses a URL the worker could never send to: not http(s), or a host that is (or resolves
/// only to) a non-public address and is not allowed.
async fn check_url(state: &AppState, raw: &str) -> Result<String, ApiError> {
    let bad = |m: String| ApiError::Validation(ValidationErrors::one("url", m));
    let u = url::Url::parse(raw).map_err(|e| bad(format!("is not a URL: {e}")))?;
    state.outbound.check_url(&u).map_err(|e| bad(e.to_string()))?;
    if let Some(url::Host::Domain(host)) = u.host() {
        let port = u.port_or_known_default().unwrap_or(80);
        let found = tokio::time::timeout(RESOLVE_TIMEOUT, tokio::net::lookup_host((host, port)))
            .await
            .map_err(|_| bad(format!("{host} did not resolve within {} s", RESOLVE_TIMEOUT.as_secs())))?
            .map_err(|_| bad(OutboundError::Unresolved(host.to_string()).to_string()))?
            .collect();
        state.outbound.filter_addresses(host, found).map_err(|e| bad(e.to_string()))?;
    }
    Ok(u.to_string())
}

/// `POST /api/webhooks`
#[utoipa::path(post, path = "/api/webhooks", tag = "following", request_body = WebhookBody,
    responses((status = 201, description = "The webhook (without its secret)"),
              (status = 400, description = "Malformed JSON", body = super::error::Problem, content_type = "application/problem+json"),
              (status = 401, description = "No token", body = super::error::Problem, content_type = "application/problem+json"),
              (status = 403, description = "Not an editor", body = super::error::Problem, content_type = "application/problem+json"),
              (status = 415, description = "Not JSON", body = super::error::Problem, content_type = "application/problem+json"),
              (status = 422, description = "A URL that is not public http(s), a short secret, bad filters, an unknown search", body = super::error::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let who = caller.require(Role::Editor)?.name.clone();
    let b: NewWebhook = super::extract::from_json(body)?;
    let mut e = ValidationErrors::new();
    if let Err(x) = check_secret(&b.secret) {
        e.errors.extend(x.errors);
    }
    let mut events = Vec::new();
    for (i, k) in b
        .events
        .clone()
        .unwrap_or_else(|| vec!["created".into(), "updated".into(), "deleted".into()])
        .iter()
        .enumerate()
    {
        match ChangeKind::parse(k) {
            Some(k) if !events.contains(&k) => events.push(k),
            Some(_) => {}
            None => e.add(format!("events[{i}]"), "must be created, updated or deleted"),
        }
    }
    if b.events.as_ref().is_some_and(|v| v.is_empty()) {
        e.add("events", "name at least one of created, updated, deleted");
    }
    if !e.is_empty() {
        return Err(ApiError::Validation(e));
    }
    let subject = match (&b.search_id, &b.filters) {
        (Some(id), None) => {
            let uid = Uuid::parse_str(id)
                .map_err(|_| ApiError::Validation(ValidationErrors::one("search_id", "is not a saved search's id")))?;
            if state.store.search(uid).await?.is_none() {
                return Err(ApiError::Validation(ValidationErrors::one(
                    "search_id",
                    "there is no saved search with this id",
                )));
            }
            Subject::Search(uid)
        }
        (None, Some(f)) => Subject::Filters(read_filters(&state, f, "filters")?),
        _ => {
            return Err(ApiError::Validation(ValidationErrors::one(
                "search_id",
                "give either `search_id` or `filters` (`{}` for every change)",
            )));
        }
    };
    let url = check_url(&state, &b.url).await?;
    events.sort();
    let w = Webhook {
        id: Uuid::now_v7(),
        url,
        subject,
        secret: b.secret,
        events,
        created_by: who,
        created_at: Utc::now(),
        cursor: 0,
        last_error: None,
        failing_since: None,
    };
    let w = state.store.insert_webhook(&w).await?;
    let mut r = (StatusCode::CREATED, Json(webhook_json(&base_url(&state, &headers), &w))).into_response();
    r.headers_mut().insert(header::LOCATION, HeaderValue::from_str(&format!("/api/webhooks/{}", w.id)).expect("ascii"));
    Ok(r)
}

/// `GET /api/webhooks`
#[utoipa::path(get, path = "/api/webhooks", tag = "following",
    responses((status = 200, description = "Every webhook, oldest first: `{\"webhooks\": [...]}`"),
              (status = 401, description = "No token", body = super::error::Problem, content_type = "application/problem+json"),
              (status = 403, description = "Not an editor", body = super::error::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn list(State(state): State<AppState>, caller: Caller, headers: HeaderMap) -> Result<Response, ApiError> {
    caller.require(Role::Editor)?;
    let base = base_url(&state, &headers);
    let all: Vec<Value> = state.store.webhooks().await?.iter().map(|w| webhook_json(&base, w)).collect();
    Ok(Json(json!({"webhooks": all})).into_response())
}

async fn find(state: &AppState, id: &str) -> Result<Webhook, ApiError> {
    let uid = path_id(id, "webhook")?;
    state.store.webhook(uid).await?.ok_or_else(|| ApiError::NotFound(format!("no webhook with id `{id}`")))
}

/// `GET /api/webhooks/{id}`
#[utoipa::path(get, path = "/api/webhooks/{id}", tag = "following", params(("id" = String, Path, description = "Webhook id")),
    responses((status = 200, description = "The webhook (without its secret)"),
              (status = 401, description = "No token", body = super::error::Problem, content_type = "application/problem+json"),
              (status = 403, description = "Not an editor", body = super::error::Problem, content_type = "application/problem+json"),
              (status = 404, description = "Unknown", body = super::error::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn get_one(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    caller.require(Role::Editor)?;
    let w = find(&state, &id).await?;
    Ok(Json(webhook_json(&base_url(&state, &headers), &w)).into_response())
}

/// `DELETE /api/webhooks/{id}`
#[utoipa::path(delete, path = "/api/webhooks/{id}", tag = "following", params(("id" = String, Path, description = "Webhook id")),
    responses((status = 204, description = "Deleted; deliveries not yet made are dropped, the log stays"),
              (status = 401, description = "No token", body = super::error::Problem, content_type = "application/problem+json"),
              (status = 403, description = "Not an editor", body = super::error::Problem, content_type = "application/problem+json"),
              (status = 404, description = "Unknown", body = super::error::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    caller.require(Role::Editor)?;
    let uid = path_id(&id, "webhook")?;
    if !state.store.delete_webhook(uid).await? {
        return Err(ApiError::NotFound(format!("no webhook with id `{id}`")));
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET /api/webhooks/{id}/deliveries`
#[utoipa::path(get, path = "/api/webhooks/{id}/deliveries", tag = "following",
    params(("id" = String, Path, description = "Webhook id"), ("limit" = Option<u32>, Query, description = "Newest deliveries, 1 to 1000 (default 100)")),
    responses((status = 200, description = "`{\"deliveries\": [...]}`, oldest first: each with its state, attempts (time, status, error) and next try"),
              (status = 400, description = "Bad query parameter", body = super::error::Problem, content_type = "application/problem+json"),
              (status = 401, description = "No token", body = super::error::Problem, content_type = "application/problem+json"),
              (status = 403, description = "Not an editor", body = super::error::Problem, content_type = "application/problem+json"),
              (status = 404, description = "Unknown", body = super::error::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn deliveries(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    pairs: Pairs,
) -> Result<Response, ApiError> {
    caller.require(Role::Editor)?;
    pairs.only(&["limit"])?;
    let limit = match pairs.get("limit") {
        None => 100,
        Some(v) => match v.trim().parse::<u32>() {
            Ok(n) if (1..=1000).contains(&n) => n,
            _ => {
                return Err(ApiError::bad_parameters(ValidationErrors::one(
                    "limit",
                    "must be a whole number from 1 to 1000",
                )));
            }
        },
    };
    let w = find(&state, &id).await?;
    let all: Vec<Value> = state
        .store
        .deliveries(w.id, limit)
        .await?
        .into_iter()
        .map(|(d, attempts)| {
            json!({
                "id": d.id,
                "event_id": d.event_id,
                "type": d.kind.as_str(),
                "state": d.state.as_str(),
                "attempt_count": d.attempts,
                "next_attempt_at": d.next_at.map(format_rfc3339),
                "created_at": format_rfc3339(d.created_at),
                "delivered_at": d.delivered_at.map(format_rfc3339),
                "attempts": attempts.iter().map(|a| json!({
                    "number": a.number,
                    "at": format_rfc3339(a.at),
                    "status": a.status,
                    "error": a.error,
                    "duration_ms": a.duration_ms,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    Ok(Json(json!({"webhook_id": w.id, "deliveries": all})).into_response())
}
