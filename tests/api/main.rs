//! The HTTP integration tests: one binary, the real router, a fresh database per test.

mod helpers;

mod bad_input;
mod captures;
mod events;
mod filters;
mod hardening;
mod import;
mod languages;
mod merges;
mod ogc;
mod openapi_doc;
mod operations;
mod places;
mod regions;
mod reports;
mod searches;
mod sign_in_limits;
mod slow_clients;
mod tiles;
mod trusted;
mod webhooks;
mod workflow;
