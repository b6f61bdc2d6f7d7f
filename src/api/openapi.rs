//! The OpenAPI 3 description of the API, generated from the handlers and types.

use utoipa::OpenApi;

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

use super::error::Problem;
use super::{events, health, import, ogc, places, reports, tokens};

struct Security;

impl utoipa::Modify for Security {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let c = doc.components.get_or_insert_with(Default::default);
        c.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    paths(
        events::list, events::get_one, events::create, events::patch, events::delete, events::history, events::histogram,
        places::search, places::reverse, places::labels, places::get_one, places::create,
        tokens::list, tokens::create, tokens::revoke,
        health::healthz, health::readyz, health::metrics, health::config, health::categories,
        import::import,
        reports::geoparse, reports::create,
        ogc::landing, ogc::conformance, ogc::collections, ogc::collection, ogc::items, ogc::item
    ),
    components(schemas(Problem, crate::domain::EventInput, crate::domain::PlaceInput, crate::domain::SourceInput, crate::domain::Place,
        crate::domain::Source, crate::domain::Status, crate::domain::PlaceRole, crate::domain::LocationPrecision, crate::domain::TimePrecision,
        crate::domain::Revision, crate::domain::Action, crate::domain::FieldError, crate::gazetteer::Kind, crate::gazetteer::NewPlace, tokens::NewToken,
        tokens::RoleDoc, tokens::TokenInfoDoc, events::History, events::Histogram,
        reports::GeoparseRequest, reports::GeoparseResponse, crate::ingest::ReportRequest, crate::ingest::Outcome)),
    modifiers(&Security),
    tags((name = "events", description = "Reported events"), (name = "places", description = "The gazetteer"), (name = "tokens", description = "API tokens"), (name = "reports", description = "Geoparsing and report ingestion"), (name = "operations", description = "Health, metrics, configuration"), (name = "ogc", description = "OGC API – Features (also described as OpenAPI 3.0 at /ogc/api)"))
)]
pub struct ApiDoc;

/// The document, extended by the parts of the API that register more paths.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.info.title = "eventmap".into();
    doc.info.version = env!("CARGO_PKG_VERSION").into();
    doc.info.description = Some(
        "Reported events, geocoded to real places, with their times and sources. Errors are \
         application/problem+json (RFC 9457); every problem type is explained at /problems/<slug>."
            .into(),
    );
    doc.info.license = None;
    doc
}
