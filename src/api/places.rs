//! `/api/places`: search, reverse, one place, and a team's own places.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::caller::Caller;
use super::error::ApiError;
use super::extract::{JsonBody, Pairs};
use super::state::AppState;
use crate::auth::Role;
use crate::domain::ValidationErrors;
use crate::domain::place::{check_country, check_lat, check_lon};
use crate::gazetteer::resolve::REVERSE_KM;
use crate::gazetteer::{Candidate, Kind, NewPlace, PlaceInfo, SearchOptions};

fn feature(info: &PlaceInfo, extra: Value) -> Value {
    let mut props = serde_json::to_value(info).expect("serialisable");
    let m = props.as_object_mut().expect("object");
    m.remove("lon");
    m.remove("lat");
    if let Value::Object(e) = extra {
        m.extend(e);
    }
    json!({"type": "Feature", "id": info.gazetteer_id, "geometry": {"type": "Point", "coordinates": [info.lon, info.lat]}, "properties": props})
}

fn collection(features: Vec<Value>) -> Response {
    let mut r = Json(json!({"type": "FeatureCollection", "features": features})).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/geo+json"));
    r
}

fn candidate_feature(c: &Candidate) -> Value {
    feature(&c.place, json!({"matched_name": c.matched_name, "match_type": c.match_type, "score": c.score}))
}

fn number(pairs: &Pairs, key: &str, e: &mut ValidationErrors) -> Option<f64> {
    let v = pairs.get(key)?;
    match v.trim().parse::<f64>() {
        Ok(n) if n.is_finite() => Some(n),
        _ => {
            e.add(key, format!("`{v}` is not a number"));
            None
        }
    }
}

/// `GET /api/places/search?q=Tartous&country=SY&near=35.5,35.8&limit=10`
#[utoipa::path(get, path = "/api/places/search", tag = "places",
    params(("q" = String, Query, description = "A place name in any script; prefixes work (autocomplete)"),
           ("country" = Option<String>, Query, description = "ISO alpha-2 hint"),
           ("near" = Option<String>, Query, description = "`lat,lon`: prefer places near this point"),
           ("limit" = Option<u32>, Query, description = "1 to 50, default 10")),
    responses((status = 200, description = "Ranked candidates as GeoJSON Features with gazetteer_id, name, matched_name, country, admin1, kind, population, score", content_type = "application/geo+json"),
              (status = 400, description = "Bad parameter", body = super::error::Problem, content_type = "application/problem+json")))]
pub async fn search(State(state): State<AppState>, pairs: Pairs) -> Result<Response, ApiError> {
    pairs.only(&["q", "country", "near", "limit", "prefix"])?;
    let mut e = ValidationErrors::new();
    let q = pairs.get("q").unwrap_or("").trim().to_string();
    if q.is_empty() {
        e.add("q", "is required");
    } else if q.chars().count() > 200 {
        e.add("q", "must be at most 200 characters");
    }
    let country = pairs.get("country").filter(|c| !c.is_empty()).map(|c| check_country("country", c, &mut e));
    let near = pairs.get("near").and_then(|n| {
        let parts: Vec<Option<f64>> = n.split(',').map(|p| p.trim().parse::<f64>().ok()).collect();
        match parts[..] {
            [Some(lat), Some(lon)] if (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon) => {
                Some((lon, lat))
            }
            _ => {
                e.add("near", "must be `lat,lon`");
                None
            }
        }
    });
    let limit = match pairs.get("limit") {
        Some(l) => match l.parse::<usize>() {
            Ok(n) if (1..=50).contains(&n) => n,
            _ => {
                e.add("limit", "must be a whole number from 1 to 50");
                10
            }
        },
        None => 10,
    };
    let prefix = !matches!(pairs.get("prefix"), Some("false" | "0"));
    if !e.is_empty() {
        return Err(ApiError::bad_parameters(e));
    }
    let opts = SearchOptions { country, near, limit, prefix, fuzzy: true };
    let cands = state.gazetteer.search(&q, &opts);
    Ok(collection(cands.iter().map(candidate_feature).collect()))
}

/// `GET /api/places/reverse?lat=35.53&lon=35.79`
#[utoipa::path(get, path = "/api/places/reverse", tag = "places",
    params(("lat" = f64, Query), ("lon" = f64, Query), ("max_km" = Option<f64>, Query, description = "Default 50"), ("limit" = Option<u32>, Query, description = "1 to 50, default 5")),
    responses((status = 200, description = "The nearest places, nearest first, with `distance_km`", content_type = "application/geo+json"),
              (status = 400, description = "Bad parameter", body = super::error::Problem, content_type = "application/problem+json")))]
pub async fn reverse(State(state): State<AppState>, pairs: Pairs) -> Result<Response, ApiError> {
    pairs.only(&["lat", "lon", "max_km", "limit"])?;
    let mut e = ValidationErrors::new();
    let lat = number(&pairs, "lat", &mut e);
    let lon = number(&pairs, "lon", &mut e);
    if lat.is_none() && !e.errors.iter().any(|x| x.field == "lat") {
        e.add("lat", "is required");
    }
    if lon.is_none() && !e.errors.iter().any(|x| x.field == "lon") {
        e.add("lon", "is required");
    }
    if let Some(v) = lat {
        check_lat("lat", v, &mut e);
    }
    if let Some(v) = lon {
        check_lon("lon", v, &mut e);
    }
    let max_km = number(&pairs, "max_km", &mut e).unwrap_or(REVERSE_KM);
    if !(0.0..=20_100.0).contains(&max_km) {
        e.add("max_km", "must be from 0 to 20100");
    }
    let limit = number(&pairs, "limit", &mut e).unwrap_or(5.0);
    if !(1.0..=50.0).contains(&limit) {
        e.add("limit", "must be from 1 to 50");
    }
    if !e.is_empty() {
        return Err(ApiError::bad_parameters(e));
    }
    let found = state.gazetteer.reverse(lon.unwrap_or_default(), lat.unwrap_or_default(), max_km, limit as usize);
    Ok(collection(
        found.iter().map(|(p, d)| feature(p, json!({"distance_km": (d * 1000.0).round() / 1000.0}))).collect(),
    ))
}

/// The least population of settlements labelled at a zoom level, larger places first.
fn label_population(zoom: f64) -> u64 {
    match zoom as u32 {
        0..=2 => 5_000_000,
        3 => 2_000_000,
        4 => 700_000,
        5 => 250_000,
        6 => 80_000,
        7 => 25_000,
        8 => 8_000,
        9 => 2_500,
        _ => 0,
    }
}

/// `GET /api/places/labels?bbox=..&zoom=..`: places to label on the offline basemap.
#[utoipa::path(get, path = "/api/places/labels", tag = "places",
    params(("bbox" = String, Query, description = "minLon,minLat,maxLon,maxLat"), ("zoom" = f64, Query, description = "Map zoom, 0 to 22")),
    responses((status = 200, description = "Countries and settlements in view, most populous first, with `name`, `local_name`, `kind`, `population` and `rank` (0 = largest)", content_type = "application/geo+json"),
              (status = 400, description = "Bad parameter", body = super::error::Problem, content_type = "application/problem+json")))]
pub async fn labels(State(state): State<AppState>, pairs: Pairs) -> Result<Response, ApiError> {
    pairs.only(&["bbox", "zoom"])?;
    let mut e = ValidationErrors::new();
    let bbox = match pairs.get("bbox").map(crate::domain::BBox::parse) {
        Some(Ok(b)) => Some(b),
        Some(Err(m)) => {
            e.add("bbox", m);
            None
        }
        None => {
            e.add("bbox", "is required");
            None
        }
    };
    let zoom = number(&pairs, "zoom", &mut e).unwrap_or(0.0);
    if !(0.0..=24.0).contains(&zoom) {
        e.add("zoom", "must be from 0 to 24");
    }
    let Some(b) = bbox.filter(|_| e.is_empty()) else { return Err(ApiError::bad_parameters(e)) };
    let min_pop = label_population(zoom);
    let mut kinds = vec![Kind::Settlement];
    if zoom < 7.0 {
        kinds.push(Kind::Country);
    }
    let places = state.gazetteer.in_box([b.min_lon, b.min_lat, b.max_lon, b.max_lat], &kinds, min_pop, 400);
    let features: Vec<Value> = places
        .iter()
        .enumerate()
        .map(|(rank, p)| {
            json!({"type": "Feature", "id": p.gazetteer_id, "geometry": {"type": "Point", "coordinates": [p.lon, p.lat]},
                   "properties": {"name": p.name, "local_name": p.local_name, "kind": p.kind, "population": p.population, "rank": rank, "country": p.country}})
        })
        .collect();
    let mut r = collection(features);
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    Ok(r)
}

/// `GET /api/places/{gazetteer_id}`
#[utoipa::path(get, path = "/api/places/{gazetteer_id}", tag = "places", params(("gazetteer_id" = String, Path, description = "geonames:173576 or custom:...")),
    responses((status = 200, description = "The place with all its names", content_type = "application/geo+json"),
              (status = 404, description = "Unknown", body = super::error::Problem, content_type = "application/problem+json")))]
pub async fn get_one(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response, ApiError> {
    let (info, names) =
        state.gazetteer.get(&id).ok_or_else(|| ApiError::NotFound(format!("no place `{id}` in the gazetteer")))?;
    let mut r = Json(feature(&info, json!({"names": names}))).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/geo+json"));
    Ok(r)
}

/// `POST /api/places`
#[utoipa::path(post, path = "/api/places", tag = "places", request_body = NewPlace, security(("bearer" = [])),
    responses((status = 201, description = "The new place, searchable at once", content_type = "application/geo+json"),
              (status = 401, description = "No token", body = super::error::Problem, content_type = "application/problem+json"),
              (status = 422, description = "Invalid fields", body = super::error::Problem, content_type = "application/problem+json")))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    caller.require(Role::Editor)?;
    // Checking the names and rebuilding the team's index of places is CPU work: off the
    // async workers, like an event's.
    let g = state.gazetteer.clone();
    let place = super::extract::blocking(move || {
        let np: NewPlace = super::extract::from_json(body)?;
        Ok(np.validate(&g)?)
    })
    .await?;
    state.store.put_custom_places(std::slice::from_ref(&place), &caller.actor()).await?;
    let (g, added) = (state.gazetteer.clone(), place.clone());
    super::extract::blocking(move || {
        g.add_custom(added);
        Ok(())
    })
    .await?;
    let mut r = (StatusCode::CREATED, Json(feature(&place.info(), json!({"names": place.names})))).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/geo+json"));
    r.headers_mut()
        .insert(header::LOCATION, HeaderValue::from_str(&format!("/api/places/{}", place.id)).expect("ascii"));
    Ok(r)
}
