//! OGC API – Features, Part 1 (Core, GeoJSON, OpenAPI 3.0) under `/ogc`, so that QGIS, GDAL
//! (`OAPIF:`), ArcGIS and owslib read the events as one collection, `events`:
//!
//! - `/ogc` the landing page, `/ogc/conformance`, `/ogc/api` (the OpenAPI 3.0 description of
//!   these paths), `/ogc/collections`, `/ogc/collections/events` (with the spatial and temporal
//!   extent of the data), `/ogc/collections/events/items` and `.../items/{featureId}`.
//! - Items take `bbox` (CRS84), `datetime` (an instant or an interval with open ends `..`),
//!   `limit` (default 10; above 10,000 it is lowered to 10,000, as the standard asks), the
//!   `cursor` of a `next` link, and properties as parameters: `category`, `status`, `country`,
//!   `tag`, `actor`, `source`, `q` for text, and `geometry_type` (`point`, `multipoint`, `line`,
//!   `polygon`, `collection`), so that one kind of geometry can be read into a Shapefile, which
//!   holds one per layer. Any other parameter is a 400.
//! - Every other path takes `f` and also `geometry_type`, checked but applied to nothing there:
//!   GDAL repeats the query of its connection URL (`OAPIF:https://host/ogc?geometry_type=line`)
//!   on every request it makes, the landing page and the collections included.
//! - Only JSON is served: `f=json` is accepted, and an `Accept` header that allows no JSON gets a
//!   406.
//!
//! The list itself is the events list of `/api/events` (same filters, same cursors), written by
//! `list::respond_list` with OGC's links.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::error::ApiError;
use super::extract::{Pairs, event_id};
use super::list::{LinkContext, base_url, list_query, respond_list};
use super::state::AppState;
use crate::domain::ValidationErrors;
use crate::domain::filter::{Format, MAX_LIMIT};
use crate::domain::geometry_type;
use crate::domain::time::format_rfc3339;
use crate::store::Lookup;

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
const ITEM_PARAMS: [&str; 17] = [
    "bbox",
    "bbox-crs",
    "datetime",
    "limit",
    "cursor",
    "f",
    "category",
    "status",
    "country",
    "admin1",
    "place",
    "radius_km",
    "tag",
    "actor",
    "source",
    "q",
    "geometry_type",
];

/// Refuses parameters of the paths other than items but `f` and `geometry_type`, which is
/// checked and otherwise passed over (see the module documentation).
fn only_metadata_params(pairs: &Pairs) -> Result<(), ApiError> {
    pairs.only(&["f", "geometry_type"])?;
    let (mut kinds, mut e) = (Vec::new(), ValidationErrors::new());
    for (_, v) in pairs.0.iter().filter(|(k, _)| k == "geometry_type") {
        geometry_type::parse_list(v, &mut kinds, &mut e);
    }
    if e.is_empty() { Ok(()) } else { Err(ApiError::bad_parameters(e)) }
}

const JSON: &str = "application/json";
const GEOJSON: &str = "application/geo+json";
const OPENAPI: &str = "application/vnd.oai.openapi+json;version=3.0";

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
              (status = 406, description = "No JSON in `Accept`", body = super::error::Problem, content_type = "application/problem+json")))]
pub async fn landing(State(state): State<AppState>, headers: HeaderMap, pairs: Pairs) -> Result<Response, ApiError> {
    only_metadata_params(&pairs)?;
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
    only_metadata_params(&pairs)?;
    negotiate(&pairs, &headers, &[JSON])?;
    Ok(json_response(&json!({"conformsTo": CONFORMANCE}), JSON))
}

/// `GET /ogc/api`
pub async fn api(headers: HeaderMap, pairs: Pairs) -> Result<Response, ApiError> {
    only_metadata_params(&pairs)?;
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
    only_metadata_params(&pairs)?;
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
              (status = 404, description = "No such collection", body = super::error::Problem, content_type = "application/problem+json")))]
pub async fn collection(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    pairs: Pairs,
) -> Result<Response, ApiError> {
    known_collection(&id)?;
    only_metadata_params(&pairs)?;
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
           ("admin1" = Option<String>, Query, description = "A first-level division: gazetteer id or name in any script"),
           ("place" = Option<String>, Query, description = "A place: a country or region keeps what is in it, another place what lies within radius_km"),
           ("radius_km" = Option<f64>, Query, description = "Radius round `place` (default 25), not for a country or region"),
           ("tag" = Option<String>, Query), ("actor" = Option<String>, Query), ("source" = Option<String>, Query),
           ("q" = Option<String>, Query, description = "Full-text search"),
           ("geometry_type" = Option<String>, Query, description = "point, multipoint, line, polygon or collection (comma-separated: any of them); one kind is what a Shapefile layer holds")),
    responses((status = 200, description = "A GeoJSON FeatureCollection with numberMatched, numberReturned, timeStamp and links (next when there is more)", content_type = "application/geo+json"),
              (status = 400, description = "Unknown or malformed parameter", body = super::error::Problem, content_type = "application/problem+json"),
              (status = 404, description = "No such collection", body = super::error::Problem, content_type = "application/problem+json")))]
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
    respond_list(&state, q.filter, q.page, Format::Geojson, true, q.options, links).await
}

/// `GET /ogc/collections/{collectionId}/items/{featureId}`
#[utoipa::path(get, path = "/ogc/collections/{collectionId}/items/{featureId}", tag = "ogc",
    params(("collectionId" = String, Path, description = "`events`"), ("featureId" = String, Path, description = "The event id")),
    responses((status = 200, description = "The event as a GeoJSON Feature with links", content_type = "application/geo+json"),
              (status = 404, description = "Unknown", body = super::error::Problem, content_type = "application/problem+json"),
              (status = 410, description = "Deleted", body = super::error::Problem, content_type = "application/problem+json")))]
pub async fn item(
    State(state): State<AppState>,
    Path((collection, fid)): Path<(String, String)>,
    headers: HeaderMap,
    pairs: Pairs,
) -> Result<Response, ApiError> {
    known_collection(&collection)?;
    only_metadata_params(&pairs)?;
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
