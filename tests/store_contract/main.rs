//! The store contract: what every backend of `EventStore`, `TokenStore` and `PlaceStore` must do,
//! checked on SQLite always and on PostgreSQL when `TEST_DATABASE_URL` is set (each test in a
//! database of its own). The last tests load the same synthetic events into both backends and
//! check that every filter, sort, page and histogram answers the same.

#[path = "../common/mod.rs"]
mod common;
mod support;

mod both_backends;
mod events;
mod imports;
mod lists;
mod sources;
mod tokens_and_places;
