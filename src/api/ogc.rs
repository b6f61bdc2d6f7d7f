//! OGC API – Features, Part 1 (Core, GeoJSON, OpenAPI 3.0) under `/ogc`, so that QGIS, GDAL
//! (`OAPIF:`), ArcGIS and owslib read the events as one collection, `events`:
//!
//! - `/ogc` the landing page, `/ogc/conformance`, `/ogc/api` (the OpenAPI 3.0 description of
//!   these paths), `/ogc/collections`, `/ogc/collections/events` (with the spatial and temporal
//!   extent of the data), `/ogc/collections/events/items` and `.../items/{featureId}`.
//! - Items take `bbox` (CRS84), `datetime` (an instant or an interval with open ends `..`),
//!   `limit` (default 10; above 10,000 it is lowered to 10,000, as the standard asks), the
//!   `cursor` of a `next` link, and properties as parameters: `category`, `status`, `country`,
//!   `tag`, `actor`, `source`, and `q` for text. Any other parameter is a 400.
//! - Only JSON is served: `f=json` is accepted, and an `Accept` header that allows no JSON gets a
//!   406.
//!
//! The list itself is the events list of `/api/events` (same filters, same cursors), written by
//! `events::respond_list` with OGC's links.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use futures::StreamExt;
use geojson::Geometry;
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::Mutex;

use super::AppState;
use super::error::ApiError;
use super::events::{LinkContext, base_url, list_query, respond_list};
use super::extract::{Pairs, event_id};
use crate::domain::filter::{Format, MAX_LIMIT, PageRequest};
use crate::domain::time::{format_rfc3339, parse_instant};
use crate::domain::{Cursor, EventFilter, Sort, TimePrecision, TimeRange, ValidationErrors, geometry};
use crate::store::{DynStore, Lookup, StoreError};

/// The conformance classes this API implements.
pub const CONFORMANCE: [&str; 3] = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
];

pub const CRS84: &str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";
const GREGORIAN: &str = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian";
/// The one collection.
pub const COLLECTION: &str = "events";
/// Items per page when `limit` is not given.
pub const DEFAULT_LIMIT: u32 = 10;
/// Query parameters of the items request.
const ITEM_PARAMS: [&str; 13] = [
    "bbox", "bbox-crs", "datetime", "limit", "cursor", "f", "category", "status", "country", "tag", "actor", "source",
    "q",
];

const JSON: &str = "application/json";
const GEOJSON: &str = "application/geo+json";
const OPENAPI: &str = "application/vnd.oai.openapi+json;version=3.0";

/// The extent of the stored events, kept between requests and brought up to date from the
/// events changed since it was computed (so only the first request after a start reads every
/// event). Deleting events does not shrink it: an extent may be larger than the data, never
/// smaller.
#[derive(Default)]
pub struct ExtentCache {
    inner: Mutex<Option<Cached>>,
}

#[derive(Clone, Copy)]
struct Cached {
    extent: Extent,
    /// The newest change (sort key and sequence) the extent includes.
    as_of: (i64, i64),
}

/// A bounding box `[west, south, east, north]` in degrees and a time interval.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Extent {
    pub bbox: Option<[f64; 4]>,
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
}

impl Extent {
    fn add(&mut self, env: [f64; 4], range: Option<TimeRange>) {
        self.bbox = Some(match self.bbox {
            None => env,
            Some(b) => [b[0].min(env[0]), b[1].min(env[1]), b[2].max(env[2]), b[3].max(env[3])],
        });
        if let Some(r) = range {
            self.start = Some(self.start.map_or(r.start, |s| s.min(r.start)));
            self.end = Some(self.end.map_or(r.end, |e| e.max(r.end)));
        }
    }
}

/// The parts of a stored Feature the extent needs.
#[derive(Deserialize)]
struct Lite {
    geometry: Option<Geometry>,
    properties: LiteProps,
}

#[derive(Deserialize)]
struct LiteProps {
    start: Option<String>,
    end: Option<String>,
    time_precision: Option<TimePrecision>,
}

fn envelope_of(feature: &str) -> Option<([f64; 4], Option<TimeRange>)> {
    let lite: Lite = serde_json::from_str(feature).ok()?;
    let env = geometry::envelope(&lite.geometry?);
    let p = lite.properties;
    let range = p.start.as_deref().and_then(|s| parse_instant(s).ok()).map(|s| {
        let end = p.end.as_deref().and_then(|e| parse_instant(e).ok()).map(|e| e.at);
        TimeRange::of_event(s.at, end, p.time_precision.unwrap_or_default())
    });
    Some((env, range))
}

impl ExtentCache {
    /// The extent of every live event.
    pub async fn get(&self, store: &DynStore) -> Result<Extent, StoreError> {
        let mut guard = self.inner.lock().await;
        let newest_filter = EventFilter { include_deleted: true, ..Default::default() };
        let newest = store
            .list(&newest_filter, &PageRequest { limit: 1, sort: Sort::UpdatedDesc, cursor: None })
            .next()
            .await
            .transpose()?
            .map(|r| (r.key, r.seq));
        let Some(newest) = newest else {
            *guard = None;
            return Ok(Extent::default());
        };
        if let Some(c) = *guard {
            if c.as_of == newest {
                return Ok(c.extent);
            }
        }
        let (mut extent, mut cursor) = match *guard {
            Some(c) => (c.extent, Some(Cursor { key: c.as_of.0, seq: c.as_of.1, matched: None })),
            None => (Extent::default(), None),
        };
        let page_size = 5000;
        loop {
            let page = PageRequest { limit: page_size, sort: Sort::UpdatedAsc, cursor };
            let mut rows = store.list(&EventFilter::default(), &page);
            let mut n = 0;
            let mut last = None;
            while let Some(row) = rows.next().await {
                let row = row?;
                n += 1;
                if n > page_size {
                    break;
                }
                last = Some((row.key, row.seq));
                if let Some((env, range)) = envelope_of(&row.feature) {
                    extent.add(env, range);
                }
            }
            match last {
                Some((key, seq)) if n > page_size => cursor = Some(Cursor { key, seq, matched: None }),
                _ => break,
            }
        }
        *guard = Some(Cached { extent, as_of: newest });
        Ok(extent)
    }
}

/// Refuses `f=` values other than JSON, and `Accept` headers that allow no JSON.
fn negotiate(pairs: &Pairs, headers: &HeaderMap, types: &[&str]) -> Result<(), ApiError> {
    match pairs.get("f").map(|f| f.trim().to_ascii_lowercase()) {
        None => {}
        Some(f) if f.is_empty() || f == "json" || f == "geojson" => return Ok(()),
        Some(f) if f == "html" => {
            return Err(ApiError::NotAcceptable("this server has no HTML pages here; use f=json".into()));
        }
        Some(f) => {
            return Err(ApiError::bad_parameters(ValidationErrors::one(
                "f",
                format!("`{f}` is not a format here; use json"),
            )));
        }
    }
    let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else { return Ok(()) };
    if accept.trim().is_empty() {
        return Ok(());
    }
    let ok = accept.split(',').any(|range| {
        let mut parts = range.split(';');
        let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let q_zero = parts.any(|p| {
            let p = p.trim();
            p.strip_prefix("q=").and_then(|q| q.trim().parse::<f32>().ok()).is_some_and(|q| q <= 0.0)
        });
        !q_zero
            && (media == "*/*"
                || media == "application/*"
                || media == JSON
                || media.ends_with("+json")
                || types.iter().any(|t| t.split(';').next() == Some(media.as_str())))
    });
    if ok {
        Ok(())
    } else {
        Err(ApiError::NotAcceptable(format!("`{accept}` allows no JSON; this address serves {}", types.join(" or "))))
    }
}

fn json_response(value: &Value, content_type: &'static str) -> Response {
    let mut r = (StatusCode::OK, value.to_string()).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

fn link(href: String, rel: &str, media: &str, title: &str) -> Value {
    json!({"href": href, "rel": rel, "type": media, "title": title})
}

/// `GET /ogc`
#[utoipa::path(get, path = "/ogc", tag = "ogc",
    responses((status = 200, description = "The landing page: links to the API description, the conformance classes and the collections", content_type = "application/json"),
              (status = 406, description = "No JSON in `Accept`", body = super::openapi::Problem, content_type = "application/problem+json")))]
pub async fn landing(State(state): State<AppState>, headers: HeaderMap, pairs: Pairs) -> Result<Response, ApiError> {
    pairs.only(&["f"])?;
    negotiate(&pairs, &headers, &[JSON])?;
    let base = base_url(&state, &headers);
    Ok(json_response(
        &json!({
            "title": "eventmap",
            "description": "Reported events, geocoded to real places, with their times and sources, as OGC API – Features.",
            "links": [
                link(format!("{base}/ogc"), "self", JSON, "This document"),
                link(format!("{base}/ogc/api"), "service-desc", OPENAPI, "The API definition (OpenAPI 3.0)"),
                link(format!("{base}/ogc/conformance"), "conformance", JSON, "Conformance classes"),
                link(format!("{base}/ogc/collections"), "data", JSON, "Collections"),
            ]
        }),
        JSON,
    ))
}

/// `GET /ogc/conformance`
#[utoipa::path(get, path = "/ogc/conformance", tag = "ogc",
    responses((status = 200, description = "`conformsTo`: Core, GeoJSON and OpenAPI 3.0", content_type = "application/json")))]
pub async fn conformance(headers: HeaderMap, pairs: Pairs) -> Result<Response, ApiError> {
    pairs.only(&["f"])?;
    negotiate(&pairs, &headers, &[JSON])?;
    Ok(json_response(&json!({"conformsTo": CONFORMANCE}), JSON))
}

/// `GET /ogc/api`
pub async fn api(headers: HeaderMap, pairs: Pairs) -> Result<Response, ApiError> {
    pairs.only(&["f"])?;
    negotiate(&pairs, &headers, &[OPENAPI, JSON])?;
    Ok(json_response(&super::ogc_doc::document(), OPENAPI))
}

async fn collection_json(state: &AppState, base: &str) -> Result<Value, ApiError> {
    let e = state.ogc.get(&state.store).await?;
    let bbox = e.bbox.unwrap_or([-180.0, -90.0, 180.0, 90.0]);
    let when = |t: Option<DateTime<Utc>>| t.map(format_rfc3339);
    Ok(json!({
        "id": COLLECTION,
        "title": "Events",
        "description": "Reported events: what happened, where, when, and according to which sources. Each is a Feature whose id is the event id.",
        "itemType": "feature",
        "crs": [CRS84],
        "storageCrs": CRS84,
        "extent": {
            "spatial": {"bbox": [bbox], "crs": CRS84},
            "temporal": {"interval": [[when(e.start), when(e.end)]], "trs": GREGORIAN}
        },
        "links": [
            link(format!("{base}/ogc/collections/{COLLECTION}"), "self", JSON, "This collection"),
            link(format!("{base}/ogc/collections/{COLLECTION}/items"), "items", GEOJSON, "The events"),
        ]
    }))
}

/// `GET /ogc/collections`
#[utoipa::path(get, path = "/ogc/collections", tag = "ogc",
    responses((status = 200, description = "The one collection, `events`, with its extent", content_type = "application/json")))]
pub async fn collections(
    State(state): State<AppState>,
    headers: HeaderMap,
    pairs: Pairs,
) -> Result<Response, ApiError> {
    pairs.only(&["f"])?;
    negotiate(&pairs, &headers, &[JSON])?;
    let base = base_url(&state, &headers);
    let c = collection_json(&state, &base).await?;
    Ok(json_response(
        &json!({"links": [link(format!("{base}/ogc/collections"), "self", JSON, "Collections")], "collections": [c]}),
        JSON,
    ))
}

fn known_collection(id: &str) -> Result<(), ApiError> {
    if id == COLLECTION {
        Ok(())
    } else {
        Err(ApiError::NotFound(format!("there is no collection `{id}`; the one collection is `{COLLECTION}`")))
    }
}

/// `GET /ogc/collections/{collectionId}`
#[utoipa::path(get, path = "/ogc/collections/{collectionId}", tag = "ogc", params(("collectionId" = String, Path, description = "`events`")),
    responses((status = 200, description = "The collection with its spatial and temporal extent", content_type = "application/json"),
              (status = 404, description = "No such collection", body = super::openapi::Problem, content_type = "application/problem+json")))]
pub async fn collection(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    pairs: Pairs,
) -> Result<Response, ApiError> {
    known_collection(&id)?;
    pairs.only(&["f"])?;
    negotiate(&pairs, &headers, &[JSON])?;
    let base = base_url(&state, &headers);
    Ok(json_response(&collection_json(&state, &base).await?, JSON))
}

/// The `limit` of an items request: default 10, at least 1, lowered to 10,000.
fn items_limit(v: Option<&str>) -> Result<u32, ApiError> {
    match v.map(str::trim) {
        None | Some("") => Ok(DEFAULT_LIMIT),
        Some(s) => match s.parse::<u64>() {
            Ok(n) if n >= 1 => Ok(n.min(u64::from(MAX_LIMIT)) as u32),
            _ => Err(ApiError::bad_parameters(ValidationErrors::one("limit", "must be a whole number of at least 1"))),
        },
    }
}

/// `GET /ogc/collections/{collectionId}/items`
#[utoipa::path(get, path = "/ogc/collections/{collectionId}/items", tag = "ogc",
    params(("collectionId" = String, Path, description = "`events`"),
           ("bbox" = Option<String>, Query, description = "minLon,minLat,maxLon,maxLat in CRS84"),
           ("bbox-crs" = Option<String>, Query, description = "Only CRS84"),
           ("datetime" = Option<String>, Query, description = "An instant, or an interval `start/end` with `..` for an open end"),
           ("limit" = Option<u32>, Query, description = "1 to 10,000 (default 10); more is lowered to 10,000"),
           ("cursor" = Option<String>, Query, description = "From a `next` link"),
           ("category" = Option<String>, Query), ("status" = Option<String>, Query), ("country" = Option<String>, Query),
           ("tag" = Option<String>, Query), ("actor" = Option<String>, Query), ("source" = Option<String>, Query),
           ("q" = Option<String>, Query, description = "Full-text search")),
    responses((status = 200, description = "A GeoJSON FeatureCollection with numberMatched, numberReturned, timeStamp and links (next when there is more)", content_type = "application/geo+json"),
              (status = 400, description = "Unknown or malformed parameter", body = super::openapi::Problem, content_type = "application/problem+json"),
              (status = 404, description = "No such collection", body = super::openapi::Problem, content_type = "application/problem+json")))]
pub async fn items(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    pairs: Pairs,
) -> Result<Response, ApiError> {
    known_collection(&id)?;
    pairs.only(&ITEM_PARAMS)?;
    negotiate(&pairs, &headers, &[GEOJSON, JSON])?;
    if let Some(crs) = pairs.get("bbox-crs").filter(|c| !c.trim().is_empty()) {
        if crs.trim() != CRS84 {
            return Err(ApiError::bad_parameters(ValidationErrors::one(
                "bbox-crs",
                format!("only {CRS84} is supported"),
            )));
        }
    }
    let limit = items_limit(pairs.get("limit"))?;
    let mut query: Vec<(String, String)> =
        pairs.0.iter().filter(|(k, _)| !matches!(k.as_str(), "f" | "bbox-crs" | "limit")).cloned().collect();
    query.push(("limit".into(), limit.to_string()));
    let q = list_query(&state, &query, &[])?;
    let base = base_url(&state, &headers);
    let links = LinkContext {
        base: base.clone(),
        path: format!("/ogc/collections/{COLLECTION}/items"),
        pairs: pairs.0.clone(),
        extra: vec![link(format!("{base}/ogc/collections/{COLLECTION}"), "collection", JSON, "The collection")],
        media_type: GEOJSON,
    };
    respond_list(&state, q.filter, q.page, Format::Geojson, true, links).await
}

/// `GET /ogc/collections/{collectionId}/items/{featureId}`
#[utoipa::path(get, path = "/ogc/collections/{collectionId}/items/{featureId}", tag = "ogc",
    params(("collectionId" = String, Path, description = "`events`"), ("featureId" = String, Path, description = "The event id")),
    responses((status = 200, description = "The event as a GeoJSON Feature with links", content_type = "application/geo+json"),
              (status = 404, description = "Unknown", body = super::openapi::Problem, content_type = "application/problem+json"),
              (status = 410, description = "Deleted", body = super::openapi::Problem, content_type = "application/problem+json")))]
pub async fn item(
    State(state): State<AppState>,
    Path((collection, fid)): Path<(String, String)>,
    headers: HeaderMap,
    pairs: Pairs,
) -> Result<Response, ApiError> {
    known_collection(&collection)?;
    pairs.only(&["f"])?;
    negotiate(&pairs, &headers, &[GEOJSON, JSON])?;
    let id = event_id(&fid)?;
    let ev = match state.store.get(id).await? {
        Lookup::Live(ev) => ev,
        Lookup::Deleted(t) => {
            return Err(ApiError::Gone {
                detail: format!("event {id} was deleted on {}", format_rfc3339(t.deleted_at)),
                extra: json!({}),
            });
        }
        Lookup::Missing => return Err(ApiError::NotFound(format!("no event with id {id}"))),
    };
    let base = base_url(&state, &headers);
    let mut f = ev.to_feature_value();
    f["links"] = json!([
        link(format!("{base}/ogc/collections/{COLLECTION}/items/{id}"), "self", GEOJSON, "This event"),
        link(format!("{base}/ogc/collections/{COLLECTION}"), "collection", JSON, "The collection"),
        link(format!("{base}/api/events/{id}"), "alternate", GEOJSON, "The event in eventmap's API"),
    ]);
    let mut r = json_response(&f, GEOJSON);
    r.headers_mut().insert(header::ETAG, HeaderValue::from_str(&format!("\"{}\"", ev.revision)).expect("digits"));
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_defaulted_and_lowered_but_never_zero() {
        assert_eq!(items_limit(None).unwrap(), 10);
        assert_eq!(items_limit(Some("50000")).unwrap(), 10_000);
        assert!(items_limit(Some("0")).is_err());
        assert!(items_limit(Some("ten")).is_err());
    }

    #[test]
    fn an_extent_grows_to_hold_every_event() {
        let mut e = Extent::default();
        let t = |s: &str| parse_instant(s).unwrap().at;
        e.add([1.0, 2.0, 3.0, 4.0], Some(TimeRange { start: t("2025-01-01"), end: t("2025-01-02") }));
        e.add([-1.0, 3.0, 2.0, 5.0], Some(TimeRange { start: t("2025-02-01"), end: t("2025-02-02") }));
        assert_eq!(e.bbox, Some([-1.0, 2.0, 3.0, 5.0]));
        assert_eq!(e.start, Some(t("2025-01-01")));
        assert_eq!(e.end, Some(t("2025-02-02")));
    }

    #[test]
    fn accept_headers_without_json_are_refused() {
        let p = Pairs(vec![]);
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT, HeaderValue::from_static("text/html,application/xhtml+xml,*/*;q=0.8"));
        assert!(negotiate(&p, &h, &[JSON]).is_ok());
        h.insert(header::ACCEPT, HeaderValue::from_static("application/geo+json"));
        assert!(negotiate(&p, &h, &[GEOJSON]).is_ok());
        h.insert(header::ACCEPT, HeaderValue::from_static("text/html"));
        assert!(matches!(negotiate(&p, &h, &[JSON]), Err(ApiError::NotAcceptable(_))));
        h.insert(header::ACCEPT, HeaderValue::from_static("application/json;q=0"));
        assert!(negotiate(&p, &h, &[JSON]).is_err());
        let f = Pairs(vec![("f".into(), "html".into())]);
        assert!(matches!(negotiate(&f, &HeaderMap::new(), &[JSON]), Err(ApiError::NotAcceptable(_))));
    }
}
