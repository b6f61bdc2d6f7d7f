//! The OpenAPI 3 description of the API, generated from the handlers and types.

use utoipa::OpenApi;

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

use super::error::Problem;
use super::{events, feeds, health, import, merge, ogc, places, reports, searches, sources, tiles, tokens, webhooks};

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
        events::list, events::get_one, events::captures, events::create, events::patch, events::delete, merge::merge, events::history, events::histogram, tiles::events,
        places::search, places::reverse, places::labels, places::get_one, places::create,
        tokens::list, tokens::create, tokens::revoke, tokens::me,
        health::healthz, health::readyz, health::metrics, health::config, health::categories,
        import::import,
        reports::geoparse, reports::create,
        searches::create, searches::list, searches::get_one, searches::patch, searches::delete,
        feeds::events, feeds::search,
        webhooks::create, webhooks::list, webhooks::get_one, webhooks::delete, webhooks::deliveries,
        sources::get_one, sources::capture, sources::bytes, sources::warc_doc,
        ogc::landing, ogc::conformance, ogc::collections, ogc::collection, ogc::items, ogc::item
    ),
    components(schemas(Problem, crate::domain::EventInput, crate::domain::PlaceInput, crate::domain::SourceInput, crate::domain::Place,
        crate::domain::Source, crate::domain::capture::Capture, crate::domain::capture::CaptureState, crate::domain::Status, crate::domain::PlaceRole, crate::domain::LocationPrecision, crate::domain::TimePrecision,
        crate::domain::Revision, crate::domain::Action, crate::domain::FieldError, crate::gazetteer::Kind, crate::gazetteer::NewPlace, tokens::NewToken,
        tokens::RoleDoc, tokens::TokenInfoDoc, tokens::Me, events::History, events::Histogram, merge::MergeRequest,
        reports::GeoparseRequest, reports::GeoparseResponse, searches::SearchBody, searches::SearchPatch, webhooks::WebhookBody, crate::ingest::ReportRequest, crate::ingest::Outcome)),
    modifiers(&Security),
    tags((name = "events", description = "Reported events"), (name = "places", description = "The gazetteer"), (name = "tokens", description = "API tokens"), (name = "reports", description = "Geoparsing and report ingestion"), (name = "operations", description = "Health, metrics, configuration"), (name = "following", description = "Saved searches, Atom feeds and webhooks"), (name = "sources", description = "Sources and their captures"), (name = "ogc", description = "OGC API – Features (also described as OpenAPI 3.0 at /ogc/api)"))
)]
pub struct ApiDoc;

/// Paths that every request may reach without a token and whatever its `Host`.
const OPEN_PATHS: [&str; 3] = ["/healthz", "/readyz", "/api/config"];

/// The problem statuses an operation can answer besides those its handler declares: those of
/// the middleware in front of every route (`guard`, `declared_length`, `time_limit`), of a
/// private instance's token check, and of reading the path, the query and the body.
pub fn middleware_statuses(path: &str, op: &utoipa::openapi::path::Operation) -> Vec<u16> {
    // 413 a declared length over the limit, 414 a long URI, 415 a Content-Encoding, 431 large
    // headers, 500 a bug, 503 the time limit or the database.
    let mut s = vec![413, 414, 415, 431, 500, 503];
    if !super::guard::ANY_HOST.contains(&path) {
        s.push(421);
    }
    // A private instance asks a token of every read but the open ones; a wrong token is a 401,
    // then a 429 when too many come from one address.
    if !OPEN_PATHS.contains(&path) || op.security.is_some() {
        s.extend([401, 403, 429]);
    }
    if path.contains('{') {
        s.extend([400, 404]);
    }
    if op.parameters.as_ref().is_some_and(|p| !p.is_empty()) {
        s.push(400);
    }
    // A body is read by `JsonBody` and `from_json`: 400 when it is no JSON, 422 when it is JSON
    // of the wrong shape.
    if op.request_body.is_some() {
        s.extend([400, 422]);
    }
    s.sort_unstable();
    s.dedup();
    s
}

/// Declares on every operation the problems of [`middleware_statuses`] it does not declare.
fn declare_middleware_problems(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
    for (path, item) in doc.paths.paths.iter_mut() {
        let ops = [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch, &mut item.head];
        for op in ops.into_iter().flatten() {
            for status in middleware_statuses(path, op) {
                let key = status.to_string();
                if op.responses.responses.contains_key(&key) {
                    continue;
                }
                let title = super::error::PROBLEM_TYPES
                    .iter()
                    .filter(|p| p.status.as_u16() == status)
                    .map(|p| p.title)
                    .collect::<Vec<_>>()
                    .join(" or ");
                let content = ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).build();
                let response =
                    ResponseBuilder::new().description(title).content("application/problem+json", content).build();
                op.responses.responses.insert(key, response.into());
            }
        }
    }
}

/// The document, extended by the parts of the API that register more paths.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    declare_middleware_problems(&mut doc);
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
