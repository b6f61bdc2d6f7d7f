//! `GET /api/events/tiles/{z}/{x}/{y}.mvt`: the matching events of a tile as a Mapbox Vector
//! Tile, with every filter of `GET /api/events`. Up to [`EVENTS_ZOOM`] a tile counts its events
//! by cell (`web::event_tiles::cells`); from it on a tile holds the events themselves, unless
//! more than [`MAX_EVENTS`] reach into it, when it counts them by cell too. So every matching
//! event with a position is counted on the map at every zoom.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::error::ApiError;
use super::extract::{Pairs, blocking};
use super::list::list_query;
use super::state::AppState;
use crate::domain::tile::TileId;
use crate::web::event_tiles;

/// From this zoom a tile holds the events themselves (a tile is about 39 km across at the
/// equator).
pub const EVENTS_ZOOM: u8 = 10;

/// Most events a tile holds; a tile with more counts them by cell instead.
pub const MAX_EVENTS: u32 = 3000;

/// The parameters of a list that mean nothing for a tile (a page, an order, a format).
const PAGE_KEYS: [&str; 4] = ["limit", "cursor", "sort", "format"];

/// A 400 naming `field`.
fn bad(field: &str, message: &str) -> ApiError {
    ApiError::InvalidRequest {
        detail: format!("{field}: {message}"),
        errors: vec![crate::domain::FieldError { field: field.into(), message: message.into() }],
    }
}

/// `GET /api/events/tiles/{z}/{x}/{y}.mvt`
#[utoipa::path(get, path = "/api/events/tiles/{z}/{x}/{y}.mvt", tag = "events",
    params(("z" = u8, Path, description = "Zoom, 0 to 18"), ("x" = u32, Path, description = "Column from the west, below 2^z"),
           ("y" = u32, Path, description = "Row from the north, below 2^z"), super::events::ListParams),
    responses((status = 200, description = "A Mapbox Vector Tile: layer `cells` (points with `count` and `count:<category>`) up to zoom 9 and wherever more than 3,000 events reach into a tile; else layers `events` (points with `id`, `category`, `status`, `precision`, `title`) and `shapes` (lines with `id`, `category`). Every filter of /api/events applies; an event is counted in the tile holding its position: a movement's destination (the last point of its line), else the centre of its bounding box.", content_type = "application/vnd.mapbox-vector-tile"),
              (status = 304, description = "The tile is unchanged (If-None-Match)"),
              (status = 400, description = "Not a tile, or a bad filter", body = super::error::Problem, content_type = "application/problem+json")))]
pub async fn events(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((z, x, file)): Path<(String, String, String)>,
    Pairs(pairs): Pairs,
) -> Result<Response, ApiError> {
    let tile = TileId::parse(&z, &x, &file).map_err(|e| bad("tile", &e))?;
    if let Some((k, _)) = pairs.iter().find(|(k, _)| PAGE_KEYS.contains(&k.as_str())) {
        return Err(bad(k, "a tile holds every matching event: it has no page, order or format"));
    }
    let q = list_query(&state, &pairs, &[])?;
    let store = &state.store;
    let mut found = None;
    // A tile that surely holds more events than it may draw is counted by cell without them.
    if tile.z >= EVENTS_ZOOM && !store.tile_surely_full(&q.filter, &tile, event_tiles::BUFFER, MAX_EVENTS + 1).await? {
        let events = store.tile_events(&q.filter, &tile, event_tiles::BUFFER, MAX_EVENTS + 1).await?;
        if events.len() <= MAX_EVENTS as usize {
            found = Some(events);
        }
    }
    let bytes = match found {
        Some(events) => blocking(move || Ok(event_tiles::events(&tile, &events))).await?,
        None => {
            let cells = store.tile_cells(&q.filter, &tile).await?;
            event_tiles::cells(&tile, &cells)
        }
    };
    let etag = {
        use sha2::{Digest, Sha256};
        let d = Sha256::digest(&bytes);
        format!("\"{}\"", d[..12].iter().map(|b| format!("{b:02x}")).collect::<String>())
    };
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    let mut r = if matches { StatusCode::NOT_MODIFIED.into_response() } else { bytes.into_response() };
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/vnd.mapbox-vector-tile"));
    h.insert(header::ETAG, HeaderValue::from_str(&etag).expect("hex"));
    // Events change with every write: a browser asks again each time, and an unchanged tile
    // costs a 304 rather than its bytes.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    Ok(r)
}
