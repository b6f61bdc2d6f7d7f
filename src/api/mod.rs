//! The HTTP API: one function builds the whole router, which tests call too. Only this module
//! (and `web`) know axum. Handlers are thin: they parse, call the domain, the gazetteer and the
//! store, and answer; errors are `ApiError`, written as problem+json.

pub mod caller;
mod downloads;
pub mod error;
pub mod events;
mod extent;
pub mod extract;
pub mod feeds;
pub mod guard;
mod health;
pub mod import;
mod limiter;
pub mod list;
pub mod listen;
mod map;
pub mod merge;
mod metrics;
mod middleware;
pub mod ogc;
mod ogc_doc;
pub mod openapi;
pub mod places;
pub mod reports;
pub mod searches;
pub mod sources;
mod state;
pub mod tiles;
mod tokens;
pub mod webhooks;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::middleware::{Next, from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};

use crate::auth::Role;
use error::ApiError;

pub use metrics::Metrics;
pub use state::{ApiConfig, AppState};

/// In a private instance, reads need a viewer token.
async fn private_reads(State(state): State<AppState>, caller: caller::Caller, req: Request, next: Next) -> Response {
    if state.config.private {
        if let Err(e) = caller.require(Role::Viewer) {
            return e.into_response();
        }
    }
    next.run(req).await
}

async fn not_found() -> ApiError {
    ApiError::NotFound("there is nothing at this address; the API is described at /api/openapi.json".into())
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}

async fn openapi_json() -> Response {
    let mut r = axum::Json(openapi::document()).into_response();
    r.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("application/vnd.oai.openapi+json;version=3.0"),
    );
    r
}

/// The whole application: API, map and operations endpoints, with every middleware.
pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/api/events", get(events::list).post(events::create))
        .route("/api/events/histogram", get(events::histogram))
        .route("/api/events/tiles/{z}/{x}/{file}", get(tiles::events))
        .route("/api/events.atom", get(feeds::events))
        .route("/api/searches", get(searches::list).post(searches::create))
        .route("/api/searches/{id}", get(searches::get_one).patch(searches::patch).delete(searches::delete))
        .route("/api/searches/{id}/feed.atom", get(feeds::search))
        .route("/api/webhooks", get(webhooks::list).post(webhooks::create))
        .route("/api/webhooks/{id}", get(webhooks::get_one).delete(webhooks::delete))
        .route("/api/webhooks/{id}/deliveries", get(webhooks::deliveries))
        .route("/api/events/{id}", get(events::get_one).patch(events::patch).delete(events::delete))
        .route("/api/events/{id}/history", get(events::history))
        .route("/api/events/{id}/captures", get(events::captures))
        .route("/api/events/{id}/merge", axum::routing::post(merge::merge))
        .route("/api/sources/{id}", get(sources::get_one))
        .route("/api/sources/{id}/captures", axum::routing::post(sources::capture))
        .route("/api/sources/{id}/captures/{cid}", get(sources::bytes))
        .route("/api/places/search", get(places::search))
        .route("/api/places/reverse", get(places::reverse))
        .route("/api/places", axum::routing::post(places::create))
        .route("/api/places/labels", get(places::labels))
        .route("/api/places/{id}", get(places::get_one))
        .route("/api/categories", get(health::categories))
        .route("/api/geoparse", axum::routing::post(reports::geoparse))
        .route("/api/reports", axum::routing::post(reports::create))
        .route("/api/tokens", get(tokens::list).post(tokens::create))
        .route("/api/tokens/{id}", delete(tokens::revoke))
        .route("/api/me", get(tokens::me))
        .route(
            "/api/import",
            axum::routing::post(import::import).layer(DefaultBodyLimit::max(import::IMPORT_BODY_LIMIT)),
        )
        .route("/ogc", get(ogc::landing))
        .route("/ogc/conformance", get(ogc::conformance))
        .route("/ogc/api", get(ogc::api))
        .route("/ogc/collections", get(ogc::collections))
        .route("/ogc/collections/{collection_id}", get(ogc::collection))
        .route("/ogc/collections/{collection_id}/items", get(ogc::items))
        .route("/ogc/collections/{collection_id}/items/{feature_id}", get(ogc::item))
        // What is stored and who uses the server is private on a private instance too.
        .route("/metrics", get(health::metrics))
        .route_layer(from_fn_with_state(state.clone(), private_reads));
    let open = Router::new()
        .route("/api/config", get(health::config))
        .route("/api/openapi.json", get(openapi_json))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/problems/{slug}", get(health::problem))
        .route("/", get(map::index))
        .route("/embed", get(map::index))
        .route("/assets/{*path}", get(map::file))
        .route("/basemap/tiles/{z}/{x}/{file}", get(map::tile))
        .route("/basemap/{*path}", get(map::file))
        .route("/glyphs/{*path}", get(map::file));
    let limit = state.config.body_limit;
    let cors = cors_layer(&state.config);
    api.merge(open)
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(limit))
        .layer(tower_http::compression::CompressionLayer::new())
        .layer(from_fn_with_state(state.clone(), middleware::time_limit))
        .layer(from_fn_with_state(state.clone(), middleware::download_cap))
        .layer(from_fn_with_state(state.clone(), middleware::declared_length))
        .layer(from_fn(guard::head))
        .layer(from_fn_with_state(state.clone(), guard::host))
        .layer(cors)
        .layer(from_fn_with_state(state.clone(), middleware::security_headers))
        .layer(from_fn_with_state(state.clone(), middleware::observe))
        .layer(from_fn(strip_server_header))
        .with_state(state)
}

/// No `Server` header with versions, whatever a layer below may add.
async fn strip_server_header(req: Request, next: Next) -> Response {
    let mut r = next.run(req).await;
    r.headers_mut().remove(axum::http::header::SERVER);
    r
}

fn cors_layer(config: &ApiConfig) -> tower_http::cors::CorsLayer {
    use axum::http::{HeaderValue, Method, header};
    use tower_http::cors::{AllowOrigin, CorsLayer};
    if config.cors_origins.is_empty() {
        // Off: no CORS headers at all, so browsers on other origins can neither read nor write.
        return CorsLayer::new();
    }
    let origins: Vec<HeaderValue> = config.cors_origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()).collect();
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([Method::GET, Method::HEAD, Method::OPTIONS])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE, header::IF_MATCH, header::IF_NONE_MATCH])
        .expose_headers([header::ETAG, header::LOCATION])
}
