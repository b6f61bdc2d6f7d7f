//! eventmap maps reported events: it geocodes them to real places, stores them with their times
//! and sources, and serves them as GeoJSON to a MapLibre map and to GIS clients.
//!
//! Dependencies flow one way: `cli -> api -> (geoparse -> gazetteer) -> domain <- store`.

#![forbid(unsafe_code)]

/// mimalloc as the allocator of every program built on this library: a bulk import renders
/// events on one thread and frees them on another, and with glibc's allocator those frees
/// contended for locks (`docs/PERFORMANCE.md`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The HTTP API.
pub mod api;
/// API tokens: creation and constant-time verification.
pub mod auth;
/// Capturing sources: the worker that fetches each source's URL and keeps what it got.
pub mod capture;
/// The command line.
pub mod cli;
/// What each command does.
pub mod commands;
/// The demonstration data set.
pub mod demo;
/// Pure domain types and their validation.
pub mod domain;
/// Folding names and text so that spelling variants meet.
pub mod fold;
/// Following changes: the webhook worker that matches changes and sends deliveries.
pub mod follow;
/// Output formats: GeoJSON, CSV, NDJSON, KML, Atom, WARC.
pub mod formats;
/// Place names resolved to real places, offline.
pub mod gazetteer;
/// Finding and resolving place mentions in text.
pub mod geoparse;
/// Bulk import: GeoJSON, CSV, ACLED, GDELT, TimeMap.
pub mod import;
/// Reports to events: drafts, matching against stored events, attaching and corroborating.
pub mod ingest;
/// Requests to other servers, limited to public http(s) addresses unless a host is allowed.
pub mod outbound;
/// One-time repairs of stored data that need the gazetteer.
pub mod repair;
/// Storage of events (SQLite and PostgreSQL).
pub mod store;
/// The map, embedded.
pub mod web;

// The build script's TopoJSON conversion, compiled here too so that `cargo test` runs its tests.
#[cfg(test)]
#[path = "../build/topojson.rs"]
mod build_topojson;
