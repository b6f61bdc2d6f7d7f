//! The HTTP API: one function builds the whole router, which tests call too. Only this module
//! (and `web`) know axum. Handlers are thin: they parse, call the domain, the gazetteer and the
//! store, and answer; errors are `ApiError`, written as problem+json.

pub mod caller;
pub mod error;
pub mod events;
pub mod extract;
mod health;
pub mod import;
mod metrics;
mod middleware;
pub mod ogc;
mod ogc_doc;
pub mod openapi;
pub mod places;
pub mod reports;
pub mod resolve;
mod tokens;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::middleware::{Next, from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};

use crate::domain::Vocabulary;
use crate::gazetteer::Gazetteer;
use crate::store::{DynStore, Role};
use error::ApiError;

pub use metrics::Metrics;

/// Settings of the API that come from the command line.
#[derive(Debug, Clone)]
pub struct ApiConfig {
    /// Reads need a viewer token too.
    pub private: bool,
    /// The address clients use, for absolute links (`https://map.example.org`).
    pub public_url: Option<String>,
    /// A team's own basemap style URL, served to the map.
    pub basemap_style: Option<String>,
    /// The origin of `basemap_style`, allowed by the Content-Security-Policy.
    pub basemap_origin: Option<String>,
    /// Origins allowed to call the API from a browser (CORS); empty means none.
    pub cors_origins: Vec<String>,
    /// Largest request body in bytes.
    pub body_limit: usize,
    pub request_timeout: Duration,
}

impl Default for ApiConfig {
    fn default() -> Self {
        Self {
            private: false,
            public_url: None,
            basemap_style: None,
            basemap_origin: None,
            cors_origins: Vec::new(),
            body_limit: 2 * 1024 * 1024,
            request_timeout: Duration::from_secs(30),
        }
    }
}

/// What every handler may use.
#[derive(Clone)]
pub struct AppState {
    pub store: DynStore,
    pub gazetteer: Arc<Gazetteer>,
    pub vocab: Arc<Vocabulary>,
    pub config: Arc<ApiConfig>,
    pub metrics: Arc<Metrics>,
    pub limiter: Arc<caller::FailureLimiter>,
    /// The extent of the events, for OGC API – Features.
    pub ogc: Arc<ogc::ExtentCache>,
}

impl AppState {
    pub fn new(store: DynStore, gazetteer: Arc<Gazetteer>, vocab: Vocabulary, config: ApiConfig) -> Self {
        Self {
            store,
            gazetteer,
            vocab: Arc::new(vocab),
            config: Arc::new(config),
            metrics: Arc::new(Metrics::default()),
            limiter: Arc::new(caller::FailureLimiter::default()),
            ogc: Arc::new(ogc::ExtentCache::default()),
        }
    }
}

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
        .route("/api/events/{id}", get(events::get_one).patch(events::patch).delete(events::delete))
        .route("/api/events/{id}/history", get(events::history))
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
        .route_layer(from_fn_with_state(state.clone(), private_reads));
    let open = Router::new()
        .route("/api/config", get(health::config))
        .route("/api/openapi.json", get(openapi_json))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(health::metrics))
        .route("/problems/{slug}", get(health::problem))
        .route("/", get(crate::web::index))
        .route("/embed", get(crate::web::index))
        .route("/assets/{*path}", get(crate::web::file))
        .route("/basemap/tiles/{z}/{x}/{file}", get(crate::web::tiles::handler))
        .route("/basemap/{*path}", get(crate::web::file))
        .route("/glyphs/{*path}", get(crate::web::file));
    let limit = state.config.body_limit;
    let cors = cors_layer(&state.config);
    api.merge(open)
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(limit))
        .layer(tower_http::compression::CompressionLayer::new())
        .layer(from_fn_with_state(state.clone(), middleware::time_limit))
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
