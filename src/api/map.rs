//! The map's routes: the page (`/`, `/embed`), its files (`/assets/…`, `/basemap/…`,
//! `/glyphs/…`) and the basemap's vector tiles, served from what `web` embedded. Files carry an
//! ETag and answer `If-None-Match` with 304; a glyph range the font does not cover is an empty
//! (valid) PBF, so the map never logs a failed request for a character it cannot draw anyway.

use axum::extract::{Path, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::error::ApiError;
use crate::web::{self, tiles};

fn respond(
    req: &Request,
    bytes: &'static [u8],
    media: &'static str,
    etag: &'static str,
    cache: &'static str,
) -> Response {
    let matches = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    let mut r = if matches { StatusCode::NOT_MODIFIED.into_response() } else { bytes.into_response() };
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(media));
    h.insert(header::ETAG, HeaderValue::from_static(etag));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    r
}

/// `GET /` and `GET /embed`: the map page (the page itself tells the two apart by its path).
pub async fn index(req: Request) -> Response {
    match web::asset("/") {
        Some((b, t, e)) => respond(&req, b, t, e, web::cache_control("/")),
        None => {
            let mut r =
                (StatusCode::OK, "eventmap was built without the map (feature `web`); the API is at /api/events\n")
                    .into_response();
            r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
            r
        }
    }
}

/// `GET /assets/...`, `/basemap/...`, `/glyphs/...`.
pub async fn file(req: Request) -> Response {
    let path = percent_encoding::percent_decode_str(req.uri().path()).decode_utf8_lossy().to_string();
    if let Some((b, t, e)) = web::asset(&path) {
        return respond(&req, b, t, e, web::cache_control(&path));
    }
    if let Some(rest) = path.strip_prefix("/glyphs/") {
        if web::is_glyph_range(rest) {
            return respond(&req, b"", "application/x-protobuf", "\"empty\"", "public, max-age=86400");
        }
    }
    ApiError::NotFound(format!("no file at {path}")).into_response()
}

/// `GET /basemap/tiles/{z}/{x}/{y}.mvt`.
pub async fn tile(Path((z, x, file)): Path<(String, String, String)>) -> Response {
    let Some((z, x, y)) = tiles::parse_path(&z, &x, &file) else {
        let max = tiles::MAX_ZOOM;
        return ApiError::NotFound(format!(
            "no basemap tile {z}/{x}/{file}: tiles are z/x/y.mvt with z from 0 to {max} and x, y below 2^z"
        ))
        .into_response();
    };
    let bytes = match tokio::task::spawn_blocking(move || tiles::kept_tile(z, x, y)).await {
        Ok(Some(b)) => b,
        Ok(None) => {
            return ApiError::NotFound("this eventmap was built without the map (feature `web`)".into())
                .into_response();
        }
        Err(e) => return ApiError::Internal(format!("cutting tile {z}/{x}/{y}: {e}")).into_response(),
    };
    let mut r = bytes.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/vnd.mapbox-vector-tile"));
    // The shapes change only with a new build.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=86400"));
    r
}
