//! The map, embedded into the binary by `build.rs`: the page, our ES modules, the libraries from
//! npm, the Natural Earth shapes (served cut into vector tiles by `tiles`) and the glyphs. Files
//! are served with an ETag and answer `If-None-Match` with 304; a glyph range the font does not
//! cover is an empty (valid) PBF, so the map never logs a failed request for a character it
//! cannot draw anyway.

use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::api::error::ApiError;

mod antimeridian;
mod clip;
mod mvt;
pub mod tiles;

include!(concat!(env!("OUT_DIR"), "/assets.rs"));

/// The embedded file at `path`: (bytes, media type, ETag).
pub fn asset(path: &str) -> Option<(&'static [u8], &'static str, &'static str)> {
    ASSETS.iter().find(|(p, ..)| *p == path).map(|(_, b, t, e)| (*b, *t, *e))
}

/// Whether the map was built into this binary.
pub fn has_map() -> bool {
    asset("/").is_some()
}

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
    match asset("/") {
        Some((b, t, e)) => respond(&req, b, t, e, "no-cache"),
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
    if let Some((b, t, e)) = asset(&path) {
        // Vendored libraries and data change only with a new build: let browsers keep them a day.
        let cache = if path.starts_with("/assets/app/") { "no-cache" } else { "public, max-age=86400" };
        return respond(&req, b, t, e, cache);
    }
    if let Some(rest) = path.strip_prefix("/glyphs/") {
        if is_glyph_range(rest) {
            return respond(&req, b"", "application/x-protobuf", "\"empty\"", "public, max-age=86400");
        }
    }
    ApiError::NotFound(format!("no file at {path}")).into_response()
}

/// Whether `fontstack/start-end.pbf` names a well-formed 256-code-point range.
fn is_glyph_range(rest: &str) -> bool {
    let Some((_, file)) = rest.rsplit_once('/') else { return false };
    let Some(range) = file.strip_suffix(".pbf") else { return false };
    let Some((a, b)) = range.split_once('-') else { return false };
    match (a.parse::<u32>(), b.parse::<u32>()) {
        (Ok(a), Ok(b)) => a % 256 == 0 && b == a + 255 && b <= 65535,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_well_formed_glyph_ranges_get_an_empty_answer() {
        assert!(is_glyph_range("DejaVu%20Sans/8704-8959.pbf"));
        assert!(!is_glyph_range("DejaVu%20Sans/8704-8960.pbf"));
        assert!(!is_glyph_range("x/../../etc/passwd"));
        assert!(!is_glyph_range("x/70000-70255.pbf"));
    }

    #[test]
    fn the_map_and_its_libraries_are_embedded() {
        if !cfg!(feature = "web") {
            return;
        }
        for p in
            ["/", "/assets/vendor/maplibre-gl-csp.js", "/basemap/land-10m.geojson", "/glyphs/DejaVu Sans/0-255.pbf"]
        {
            assert!(asset(p).is_some(), "{p} is not embedded");
        }
    }
}
