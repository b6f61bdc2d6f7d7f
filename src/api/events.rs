//! `/api/events`: list (with every filter, cursors and formats), get, create, patch, delete,
//! history, histogram and the captures of an event's sources (merging is in `merge`).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

use super::caller::Caller;
use super::error::ApiError;
use super::extract::{JsonBody, Pairs, blocking, event_id};
use super::list::{LinkContext, base_url, list_query, respond_list};
use super::state::AppState;
use crate::auth::Role;
use crate::domain::event::{EventData, merge_patch};
use crate::domain::filter::Bucket;
use crate::domain::histogram;
use crate::domain::time::format_rfc3339;
use crate::domain::{Event, EventInput};
use crate::gazetteer::resolve;
use crate::store::{Lookup, StoreError};

/// `GET /api/events`
#[utoipa::path(get, path = "/api/events", tag = "events",
    params(ListParams),
    responses((status = 200, description = "A GeoJSON FeatureCollection (or CSV, NDJSON, KML with `format=`)", content_type = "application/geo+json"),
              (status = 400, description = "Bad query parameter", body = super::error::Problem, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    Pairs(pairs): Pairs,
) -> Result<Response, ApiError> {
    let q = list_query(&state, &pairs, &[])?;
    let explicit_limit = pairs.iter().any(|(k, _)| k == "limit");
    let links = LinkContext {
        base: base_url(&state, &headers),
        path: "/api/events".into(),
        pairs: pairs.into_iter().filter(|(k, _)| k != "cursor").collect(),
        extra: Vec::new(),
        media_type: "application/geo+json",
    };
    respond_list(&state, q.filter, q.page, q.format, explicit_limit, q.options, links).await
}

/// The query parameters of the events list (documentation only).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct ListParams {
    /// Keep events whose interval overlaps one starting here: a year (`2025`, its first day), a month (`2025-02`), a date (`2025-02-10`) or an RFC 3339 date-time.
    start: Option<String>,
    /// Keep events whose interval overlaps one ending here: a year, a month or a date means the end of that period.
    end: Option<String>,
    /// `minLon,minLat,maxLon,maxLat`; minLon > maxLon crosses the antimeridian.
    bbox: Option<String>,
    lat: Option<f64>,
    lon: Option<f64>,
    /// Radius for `lat`/`lon` and `place` (default 25); without either it is a 400.
    radius_km: Option<f64>,
    /// A place name or gazetteer id: for a country or a first-level division (governorate, oblast, province), the events in it (as `country=` or `admin1=`); for any other place, events referencing it or within `radius_km` of it.
    place: Option<String>,
    /// A country of any of the event's places: ISO 3166-1 alpha-2 (`SY`), alpha-3 (`SYR`), numeric (`760`) or a name in any language the gazetteer knows (`Syria`, `سوريا`, `Сирия`); repeat or comma-separate for any of several.
    country: Option<String>,
    /// A first-level division (governorate, oblast, province) that any of the event's places lies in: a name in any script (`Idlib`, `إدلب`) or a gazetteer id (`geonames:169388`); repeat or comma-separate for any of several.
    admin1: Option<String>,
    category: Option<String>,
    tag: Option<String>,
    /// An actor, in any letter case; `Hayat*` for every actor whose name begins so. Repeat for any of several.
    actor: Option<String>,
    /// Events reporting at least this many fatalities.
    fatalities_min: Option<u32>,
    /// reported, corroborated, verified, disputed, retracted.
    status: Option<String>,
    /// Full-text search over title, description, places, actors, tags, source titles and excerpts; `word*` for a prefix.
    q: Option<String>,
    /// A source's domain (`uawire.org`).
    source: Option<String>,
    /// `point`, `multipoint`, `line` (LineString, MultiLineString), `polygon` (Polygon, MultiPolygon) or
    /// `collection`; comma-separate for any of several. One kind is what a Shapefile layer holds.
    geometry_type: Option<String>,
    /// Changed after this instant.
    updated_since: Option<String>,
    /// With `true`, deleted events come back as tombstones.
    include_deleted: Option<bool>,
    /// Page size, 1 to 10,000 (default 500). Download formats give every match unless set.
    limit: Option<u32>,
    /// Opaque, from a `next` link; only valid with the filters and sort it was issued for (else a 400).
    cursor: Option<String>,
    /// `start`, `-start` (default), `updated_at`, `-updated_at`.
    sort: Option<String>,
    /// `geojson` (default), `csv`, `ndjson`, `kml`.
    format: Option<String>,
    /// The properties each Feature carries (GeoJSON and NDJSON), comma-separated: title, description, category,
    /// tags, actors, start, end, time_precision, places, sources, status, fatalities, properties, reported_at,
    /// created_at, updated_at, revision. Empty for none; `id` and `geometry` always come.
    properties: Option<String>,
    /// `true`: each source of a GeoJSON page carries its latest capture (`captured_at`, `sha256`), as the
    /// download formats (CSV, NDJSON, KML) always do.
    captures: Option<bool>,
    /// `exact` counts `numberMatched` exactly however many match; by default (`auto`) it is exact up to
    /// 10,000 matches and beyond an estimate from count tables, marked `"numberMatchedExact": false`.
    count: Option<String>,
}

pub(super) fn feature_response(status: StatusCode, ev: &Event) -> Response {
    let mut resp = (status, ev.to_feature_json()).into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/geo+json"));
    h.insert(header::ETAG, HeaderValue::from_str(&format!("\"{}\"", ev.revision)).expect("digits"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    resp
}

pub(super) fn gone(t: &crate::store::Tombstone) -> ApiError {
    let mut extra = json!({"deleted_at": format_rfc3339(t.deleted_at), "reason": t.reason, "revision": t.revision,
                           "history": format!("/api/events/{}/history", t.id)});
    let detail = match t.merged_into {
        Some(into) => {
            extra["merged_into"] = json!(into);
            extra["survivor"] = json!(format!("/api/events/{into}"));
            format!("event {} was merged into event {into} on {}", t.id, format_rfc3339(t.deleted_at))
        }
        None => format!("event {} was deleted on {}", t.id, format_rfc3339(t.deleted_at)),
    };
    ApiError::Gone { detail, extra }
}

/// `GET /api/events/{id}`
#[utoipa::path(get, path = "/api/events/{id}", tag = "events", params(("id" = String, Path, description = "Event id (UUIDv7)")),
    responses((status = 200, description = "The event as a GeoJSON Feature; `ETag` is its revision", content_type = "application/geo+json"),
              (status = 304, description = "Not modified since the `If-None-Match` revision"),
              (status = 404, description = "Unknown", body = super::error::Problem, content_type = "application/problem+json"),
              (status = 410, description = "Deleted", body = super::error::Problem, content_type = "application/problem+json")))]
pub async fn get_one(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let id = event_id(&id)?;
    match state.store.get(id).await? {
        Lookup::Live(ev) => {
            let etag = format!("\"{}\"", ev.revision);
            if headers
                .get(header::IF_NONE_MATCH)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.split(',').any(|t| t.trim() == etag))
            {
                let mut r = StatusCode::NOT_MODIFIED.into_response();
                r.headers_mut().insert(header::ETAG, HeaderValue::from_str(&etag).expect("digits"));
                return Ok(r);
            }
            Ok(feature_response(StatusCode::OK, &ev))
        }
        Lookup::Deleted(t) => Err(gone(&t)),
        Lookup::Missing => Err(ApiError::NotFound(format!("no event with id {id}"))),
    }
}

/// `GET /api/events/{id}/captures`: the captures of every source of an event in one answer (the
/// event panel shows them all at once), grouped by source id in the event's source order.
#[utoipa::path(get, path = "/api/events/{id}/captures", tag = "events", params(("id" = String, Path, description = "Event id (UUIDv7)")),
    responses((status = 200, description = "`{\"event\": id, \"sources\": {source id: [capture, ...]}}`: every source of the event, each with its captures as `GET /api/sources/{id}` gives them (oldest first, `[]` when none)"),
              (status = 404, description = "Unknown", body = super::error::Problem, content_type = "application/problem+json"),
              (status = 410, description = "Deleted", body = super::error::Problem, content_type = "application/problem+json")))]
pub async fn captures(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = event_id(&id)?;
    let ev = match state.store.get(id).await? {
        Lookup::Live(ev) => ev,
        Lookup::Deleted(t) => return Err(gone(&t)),
        Lookup::Missing => return Err(ApiError::NotFound(format!("no event with id {id}"))),
    };
    let ids: Vec<Uuid> = ev.data.sources.iter().map(|s| s.id).collect();
    let base = base_url(&state, &headers);
    let mut grouped = serde_json::Map::new();
    for sid in &ids {
        grouped.insert(sid.to_string(), Value::Array(Vec::new()));
    }
    for c in state.store.captures_of(&ids).await? {
        if let Some(Value::Array(list)) = grouped.get_mut(&c.source_id.to_string()) {
            list.push(super::sources::capture_json(&base, &c));
        }
    }
    Ok(axum::Json(json!({"event": id, "sources": grouped})).into_response())
}

/// Validates an input into event fields, completing its places through the gazetteer.
pub fn prepare_input(state: &AppState, mut input: EventInput) -> Result<EventData, ApiError> {
    // Too many places are refused by validation before any is looked up in the gazetteer.
    if let Some(places) = input.places.as_mut().filter(|p| p.len() <= crate::domain::event::MAX_PLACES) {
        resolve::complete_places(&state.gazetteer, places, None)?;
    }
    Ok(input.validate(&state.vocab)?)
}

/// `POST /api/events`
#[utoipa::path(post, path = "/api/events", tag = "events", request_body(content = EventInput, description = "The plain form, or a GeoJSON Feature whose properties are these fields"),
    security(("bearer" = [])),
    responses((status = 201, description = "Created; `Location` names it", content_type = "application/geo+json"),
              (status = 400, description = "Malformed JSON", body = super::error::Problem, content_type = "application/problem+json"),
              (status = 401, description = "No token", body = super::error::Problem, content_type = "application/problem+json"),
              (status = 403, description = "Token role too weak", body = super::error::Problem, content_type = "application/problem+json"),
              (status = 413, description = "Body too large", body = super::error::Problem, content_type = "application/problem+json"),
              (status = 415, description = "Not JSON", body = super::error::Problem, content_type = "application/problem+json"),
              (status = 422, description = "Invalid fields, or a place name unknown or ambiguous (with candidates)", body = super::error::Problem, content_type = "application/problem+json")))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    caller.require(Role::Editor)?;
    let st = state.clone();
    let data = blocking(move || {
        let input = EventInput::from_json(body)?;
        input.refuse_read_only()?;
        prepare_input(&st, input)
    })
    .await?;
    let ev = state.store.create(Uuid::now_v7(), data, &caller.actor()).await?;
    let sources: Vec<Uuid> = ev.data.sources.iter().map(|s| s.id).collect();
    super::sources::queue_new(&state, &sources, &caller.actor().name).await;
    let mut resp = feature_response(StatusCode::CREATED, &ev);
    resp.headers_mut()
        .insert(header::LOCATION, HeaderValue::from_str(&format!("/api/events/{}", ev.id)).expect("ascii"));
    Ok(resp)
}

/// Reads `If-Match`: `None` when absent or `*`.
pub(super) fn if_match(headers: &HeaderMap) -> Result<Option<u32>, ApiError> {
    let Some(v) = headers.get(header::IF_MATCH) else { return Ok(None) };
    let s = v.to_str().unwrap_or("").trim();
    if s == "*" {
        return Ok(None);
    }
    let s = s.trim_start_matches("W/").trim_matches('"');
    s.parse::<u32>().map(Some).map_err(|_| ApiError::invalid(format!("If-Match `{s}` is not a revision such as \"3\"")))
}

/// The longest reason a change may give, in characters.
pub(super) const MAX_REASON: usize = 1000;

pub(super) fn reason(pairs: &Pairs, headers: &HeaderMap) -> Option<String> {
    pairs
        .get("reason")
        .map(str::to_string)
        .or_else(|| headers.get("x-reason").and_then(|v| v.to_str().ok()).map(str::to_string))
        .map(|r| r.trim().to_string())
        .filter(|r| !r.is_empty())
}

/// `PATCH /api/events/{id}`
#[utoipa::path(patch, path = "/api/events/{id}", tag = "events", params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "The revision the patch was written against, e.g. \"3\""), ("reason" = Option<String>, Query, description = "Why, for the history")),
    request_body(content = Object, description = "A JSON merge patch (RFC 7386) of the plain form", content_type = "application/merge-patch+json"),
    security(("bearer" = [])),
    responses((status = 200, description = "The updated event", content_type = "application/geo+json"),
              (status = 404, description = "Unknown", body = super::error::Problem, content_type = "application/problem+json"),
              (status = 410, description = "Deleted", body = super::error::Problem, content_type = "application/problem+json"),
              (status = 412, description = "Stale If-Match", body = super::error::Problem, content_type = "application/problem+json"),
              (status = 422, description = "Invalid fields", body = super::error::Problem, content_type = "application/problem+json")))]
pub async fn patch(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    pairs: Pairs,
    JsonBody(patch): JsonBody,
) -> Result<Response, ApiError> {
    caller.require(Role::Editor)?;
    pairs.only(&["reason"])?;
    let id = event_id(&id)?;
    let expected = if_match(&headers)?;
    let Value::Object(ref p) = patch else { return Err(ApiError::invalid("a merge patch must be a JSON object")) };
    let mut read_only = crate::domain::ValidationErrors::new();
    for k in ["id", "created_at", "updated_at", "revision", "reported_at"] {
        if p.contains_key(k) {
            read_only.add(k, "is set by the server and cannot be written");
        }
    }
    if !read_only.is_empty() {
        return Err(read_only.into());
    }
    let reason = reason(&pairs, &headers);
    if reason.as_ref().is_some_and(|r| r.chars().count() > MAX_REASON) {
        return Err(crate::domain::ValidationErrors::one("reason", "must be at most 1000 characters").into());
    }
    // Without If-Match, a concurrent edit between our read and write is retried on the new state.
    for _ in 0..3 {
        let current = match state.store.get(id).await? {
            Lookup::Live(ev) => ev,
            Lookup::Deleted(t) => return Err(gone(&t)),
            Lookup::Missing => return Err(ApiError::NotFound(format!("no event with id {id}"))),
        };
        if let Some(exp) = expected {
            if exp != current.revision {
                return Err(StoreError::RevisionMismatch { expected: exp, current: current.revision }.into());
            }
        }
        let revision = current.revision;
        let (st, patch) = (state.clone(), patch.clone());
        let data = blocking(move || {
            let mut doc = serde_json::to_value(current.data.to_input()).expect("serialisable");
            merge_patch(&mut doc, &patch);
            prepare_input(&st, EventInput::from_json(doc)?)
        })
        .await?;
        match state.store.update(id, Some(revision), data, &caller.actor(), reason.as_deref()).await {
            Ok(ev) => {
                let sources: Vec<Uuid> = ev.data.sources.iter().map(|s| s.id).collect();
                super::sources::queue_new(&state, &sources, &caller.actor().name).await;
                return Ok(feature_response(StatusCode::OK, &ev));
            }
            Err(StoreError::RevisionMismatch { .. }) if expected.is_none() => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ApiError::Conflict("the event kept changing while this edit was applied; try again".into()))
}

/// `DELETE /api/events/{id}`
#[utoipa::path(delete, path = "/api/events/{id}", tag = "events", params(("id" = String, Path), ("reason" = Option<String>, Query, description = "Why (required here or as `{\"reason\"}` in the body)"), ("If-Match" = Option<String>, Header)),
    request_body(content = Option<serde_json::Value>, description = "Optional `{\"reason\": \"...\"}`", content_type = "application/json"),
    security(("bearer" = [])),
    responses((status = 200, description = "The tombstone", content_type = "application/geo+json"),
              (status = 404, description = "Unknown", body = super::error::Problem, content_type = "application/problem+json"),
              (status = 410, description = "Already deleted", body = super::error::Problem, content_type = "application/problem+json"),
              (status = 412, description = "Stale If-Match", body = super::error::Problem, content_type = "application/problem+json"),
              (status = 422, description = "No reason given", body = super::error::Problem, content_type = "application/problem+json")))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    pairs: Pairs,
    body: Bytes,
) -> Result<Response, ApiError> {
    caller.require(Role::Editor)?;
    pairs.only(&["reason"])?;
    let id = event_id(&id)?;
    let expected = if_match(&headers)?;
    let mut why = reason(&pairs, &headers);
    if !body.is_empty() {
        let v: Value =
            serde_json::from_slice(&body).map_err(|e| ApiError::invalid(format!("the body is not valid JSON: {e}")))?;
        match v.get("reason").and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty()) {
            Some(r) => why = Some(r.to_string()),
            None if v.get("reason").is_some() => {}
            None => {}
        }
        if v.as_object().is_some_and(|o| o.keys().any(|k| k != "reason")) {
            return Err(crate::domain::ValidationErrors::one("", "the body may only hold `reason`").into());
        }
    }
    let why = why.ok_or_else(|| {
        crate::domain::ValidationErrors::one("reason", "a deletion needs a reason (`?reason=` or `{\"reason\": ...}`)")
    })?;
    if why.chars().count() > MAX_REASON {
        return Err(crate::domain::ValidationErrors::one("reason", "must be at most 1000 characters").into());
    }
    let t = state.store.delete(id, expected, &caller.actor(), &why).await?;
    let mut resp = (
        StatusCode::OK,
        json!({"type": "Feature", "id": t.id, "geometry": null, "properties": {
        "deleted": true, "deleted_at": format_rfc3339(t.deleted_at), "reason": t.reason, "revision": t.revision}})
        .to_string(),
    )
        .into_response();
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/geo+json"));
    Ok(resp)
}

/// `GET /api/events/{id}/history`
#[utoipa::path(get, path = "/api/events/{id}/history", tag = "events", params(("id" = String, Path)),
    responses((status = 200, description = "Every revision, oldest first", body = History),
              (status = 404, description = "Unknown", body = super::error::Problem, content_type = "application/problem+json")))]
pub async fn history(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let id = event_id(&id)?;
    let revs = state.store.history(id).await?;
    if revs.is_empty() {
        return Err(ApiError::NotFound(format!("no event with id {id}")));
    }
    Ok(Json(json!({"id": id, "revisions": revs})))
}

/// The history of an event (documentation only).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct History {
    id: String,
    revisions: Vec<crate::domain::Revision>,
}

/// The most buckets `fill=true` lists.
const MAX_FILLED_BUCKETS: usize = 10_000;

/// `GET /api/events/histogram`
#[utoipa::path(get, path = "/api/events/histogram", tag = "events",
    params(("bucket" = Option<String>, Query, description = "hour, day (default), week (from Monday), month, year; UTC"),
           ("group_by" = Option<String>, Query, description = "`category`: each bucket also counts its events by category"),
           ("fill" = Option<bool>, Query, description = "true: empty buckets are listed with a count of 0, from the bucket of `start` (or the first event) to that of `end` (or the last); at most 10,000"),
           ListParams),
    responses((status = 200, description = "Counts of matching events by the bucket their start falls in", body = Histogram),
              (status = 400, description = "Bad query parameter", body = super::error::Problem, content_type = "application/problem+json")))]
pub async fn histogram(State(state): State<AppState>, Pairs(pairs): Pairs) -> Result<Json<Value>, ApiError> {
    // Paging and formats mean nothing to a histogram: refused rather than ignored.
    let ignored: Vec<&str> =
        ["limit", "cursor", "sort", "format", "f"].into_iter().filter(|k| pairs.iter().any(|(p, _)| p == k)).collect();
    if !ignored.is_empty() {
        let mut e = crate::domain::ValidationErrors::new();
        for k in ignored {
            e.add(k, "is not a parameter of the histogram");
        }
        return Err(ApiError::bad_parameters(e));
    }
    let q = list_query(&state, &pairs, &["bucket", "group_by", "fill"])?;
    let one = |field: &str, message: &str| {
        ApiError::bad_parameters(crate::domain::ValidationErrors::one(field, message.to_string()))
    };
    let value = |key: &str| pairs.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
    let bucket = match value("bucket") {
        Some(b) => Bucket::parse(b).ok_or_else(|| one("bucket", "must be hour, day, week, month or year"))?,
        None => Bucket::Day,
    };
    let by_category = match value("group_by") {
        None | Some("") => false,
        Some("category") => true,
        Some(_) => return Err(one("group_by", "must be category")),
    };
    let fill = match value("fill") {
        None | Some("") | Some("false") | Some("0") => false,
        Some("true") | Some("1") => true,
        Some(_) => return Err(one("fill", "must be true or false")),
    };
    // (bucket start, count, counts by category)
    let mut rows: Vec<(DateTime<Utc>, u64, serde_json::Map<String, Value>)> = Vec::new();
    if by_category {
        for (t, category, n) in state.store.histogram_by_category(&q.filter, bucket).await? {
            match rows.last_mut() {
                Some((s, count, by)) if *s == t => {
                    *count += n;
                    by.insert(category, n.into());
                }
                _ => rows.push((t, n, [(category, Value::from(n))].into_iter().collect())),
            }
        }
    } else {
        rows = state
            .store
            .histogram(&q.filter, bucket)
            .await?
            .into_iter()
            .map(|(t, n)| (t, n, Default::default()))
            .collect();
    }
    let total: u64 = rows.iter().map(|(_, n, _)| n).sum();
    if fill {
        let from = q.filter.start.or(rows.first().map(|r| r.0));
        let to = q.filter.end.or(rows.last().map(|r| r.0));
        if let (Some(from), Some(to)) = (from, to) {
            let starts = histogram::between(bucket, from, to, MAX_FILLED_BUCKETS).ok_or_else(|| {
                one("fill", "would list more than 10,000 buckets: choose a larger bucket or a shorter window")
            })?;
            let mut counted = std::mem::take(&mut rows).into_iter().peekable();
            for s in starts {
                match counted.next_if(|r| r.0 == s) {
                    Some(r) => rows.push(r),
                    None => rows.push((s, 0, Default::default())),
                }
            }
        }
    }
    let buckets: Vec<Value> = rows
        .into_iter()
        .map(|(t, n, by)| {
            let mut b = json!({"start": format_rfc3339(t), "count": n});
            if by_category {
                b["categories"] = Value::Object(by);
            }
            b
        })
        .collect();
    Ok(Json(json!({"bucket": bucket, "total": total, "buckets": buckets})))
}

/// A histogram (documentation only).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct Histogram {
    bucket: Bucket,
    total: u64,
    /// `{"start": RFC 3339, "count": n}`, oldest first; empty buckets are left out unless
    /// `fill=true`. With `group_by=category`, each also has `"categories": {"<category>": n}`.
    #[schema(value_type = Vec<Object>)]
    buckets: Vec<Value>,
}
