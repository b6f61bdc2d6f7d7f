//! The OpenAPI 3.0 description of the OGC API – Features paths (`/ogc/api`), which the OGC
//! landing page names as its `service-desc`. It is written out here rather than generated,
//! because the OpenAPI 3.0 conformance class asks for a 3.0 document and the generator of
//! `/api/openapi.json` writes 3.1; GIS clients read the `limit` bounds from it.

use serde_json::{Value, json};

use super::ogc::{COLLECTION, DEFAULT_LIMIT};
use crate::domain::filter::{FEATURE_PROPERTIES, MAX_LIMIT};
use crate::domain::geometry_type::GeometryType;

fn param(name: &str, description: &str, schema: Value) -> Value {
    json!({"name": name, "in": "query", "required": false, "description": description, "schema": schema, "style": "form", "explode": false})
}

fn ok(description: &str, media: &str) -> Value {
    json!({"description": description, "content": {media: {"schema": {"type": "object"}}}})
}

fn problem(description: &str) -> Value {
    json!({"description": description, "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}})
}

/// The document.
pub fn document() -> Value {
    let collection_id = json!({"name": "collectionId", "in": "path", "required": true,
        "description": "The collection: `events`", "schema": {"type": "string", "enum": [COLLECTION]}});
    let f = param("f", "The format: json (the only one)", json!({"type": "string", "enum": ["json", "geojson"]}));
    let kinds =
        json!({"type": "array", "items": {"type": "string", "enum": GeometryType::ALL.map(GeometryType::as_str)}});
    // GDAL repeats the query of its connection URL on every request: accepted everywhere.
    let geometry_type_ignored = param(
        "geometry_type",
        "Accepted and checked so that a client may keep it in its connection URL; selects nothing here",
        kinds.clone(),
    );
    let items_params = json!([
        collection_id,
        param(
            "bbox",
            "minLon,minLat,maxLon,maxLat (CRS84); minLon > maxLon crosses the antimeridian",
            json!({"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}})
        ),
        param("bbox-crs", "Only CRS84", json!({"type": "string", "format": "uri"})),
        param("datetime", "An instant, or an interval start/end with `..` for an open end", json!({"type": "string"})),
        param(
            "limit",
            "Features per page",
            json!({"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT})
        ),
        param("cursor", "From a `next` link", json!({"type": "string"})),
        param(
            "properties",
            "The properties each feature carries, comma-separated (OGC API – Features Part 1, 7.15.9 style); \
             empty for none; the geometry and id always come",
            json!({"type": "array", "items": {"type": "string", "enum": FEATURE_PROPERTIES}})
        ),
        param(
            "count",
            "`exact` counts numberMatched exactly; by default beyond 10,000 matches it is an estimate, \
             marked with \"numberMatchedExact\": false",
            json!({"type": "string", "enum": ["auto", "exact"], "default": "auto"})
        ),
        param("category", "Category value(s), comma-separated for any of several", json!({"type": "string"})),
        param("status", "reported, corroborated, verified, disputed, retracted", json!({"type": "string"})),
        param(
            "country",
            "A country of any of the event's places: alpha-2, alpha-3, numeric or a name",
            json!({"type": "string"})
        ),
        param(
            "admin1",
            "A first-level division any place lies in: gazetteer id or name in any script",
            json!({"type": "string"})
        ),
        param(
            "place",
            "A place name or gazetteer id: a country or region keeps what is in it, another place what lies within radius_km",
            json!({"type": "string"})
        ),
        param(
            "radius_km",
            "Radius round `place` in km (default 25); not for a country or region",
            json!({"type": "number"})
        ),
        param("tag", "A tag", json!({"type": "string"})),
        param("actor", "An actor", json!({"type": "string"})),
        param("source", "A source's domain", json!({"type": "string"})),
        param("q", "Full-text search", json!({"type": "string"})),
        param(
            "geometry_type",
            "The kind of geometry: point, multipoint, line (LineString, MultiLineString), polygon (Polygon, \
             MultiPolygon) or collection; comma-separated for any of them. One kind is what a Shapefile layer holds.",
            kinds
        ),
        f,
    ]);
    json!({
        "openapi": "3.0.3",
        "info": {"title": "eventmap – OGC API Features", "version": env!("CARGO_PKG_VERSION"),
                 "description": "The events of eventmap as an OGC API – Features collection. The rest of the API is described at /api/openapi.json."},
        "paths": {
            "/ogc": {"get": {"summary": "Landing page", "operationId": "getLandingPage", "tags": ["Capabilities"],
                "parameters": [f, geometry_type_ignored], "responses": {"200": ok("Links to the API description, conformance and collections", "application/json"),
                "406": problem("No JSON in Accept")}}},
            "/ogc/conformance": {"get": {"summary": "Conformance classes", "operationId": "getConformanceDeclaration", "tags": ["Capabilities"],
                "parameters": [f, geometry_type_ignored], "responses": {"200": ok("conformsTo", "application/json")}}},
            "/ogc/collections": {"get": {"summary": "Collections", "operationId": "getCollections", "tags": ["Capabilities"],
                "parameters": [f, geometry_type_ignored], "responses": {"200": ok("The events collection", "application/json")}}},
            "/ogc/collections/{collectionId}": {"get": {"summary": "A collection", "operationId": "describeCollection", "tags": ["Capabilities"],
                "parameters": [collection_id, f, geometry_type_ignored], "responses": {"200": ok("The collection with its extent", "application/json"),
                "404": problem("No such collection")}}},
            "/ogc/collections/{collectionId}/items": {"get": {"summary": "Features", "operationId": "getFeatures", "tags": ["Data"],
                "parameters": items_params, "responses": {"200": ok("A FeatureCollection with numberMatched (with \"numberMatchedExact\": false when it is an estimate), numberReturned, timeStamp and links", "application/geo+json"),
                "400": problem("A bad or unknown parameter"), "404": problem("No such collection")}}},
            "/ogc/collections/{collectionId}/items/{featureId}": {"get": {"summary": "One feature", "operationId": "getFeature", "tags": ["Data"],
                "parameters": [collection_id, {"name": "featureId", "in": "path", "required": true, "schema": {"type": "string"}}, f, geometry_type_ignored],
                "responses": {"200": ok("The event as a Feature", "application/geo+json"), "404": problem("Unknown"), "410": problem("Deleted")}}}
        },
        "components": {"schemas": {"Problem": {"type": "object", "properties": {
            "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"}, "detail": {"type": "string"}}}}}
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_is_openapi_3_0_with_every_ogc_path() {
        let d = document();
        assert_eq!(d["openapi"], "3.0.3");
        for p in ["/ogc", "/ogc/conformance", "/ogc/collections", "/ogc/collections/{collectionId}/items"] {
            assert!(d["paths"][p]["get"].is_object(), "{p}");
        }
        let limit = d["paths"]["/ogc/collections/{collectionId}/items"]["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == "limit")
            .unwrap()
            .clone();
        assert_eq!(limit["schema"]["maximum"], 10_000);
    }

    #[test]
    fn geometry_type_is_a_parameter_of_the_items_and_accepted_by_every_path() {
        let d = document();
        for (path, get) in d["paths"].as_object().unwrap() {
            let params = get["get"]["parameters"].as_array().unwrap();
            let g = params.iter().find(|p| p["name"] == "geometry_type");
            let g = g.unwrap_or_else(|| panic!("{path} has no geometry_type"));
            assert_eq!(g["schema"]["items"]["enum"][2], "line", "{path}");
        }
    }
}
