//! The store contract: what every backend of `EventStore`, `TokenStore` and `PlaceStore` must do,
//! checked on SQLite always and on PostgreSQL when `TEST_DATABASE_URL` is set (each test in a
//! database of its own). Without a reachable PostgreSQL its runs are skipped, saying so, unless
//! `EVENTMAP_REQUIRE_POSTGRES=1` (as in CI), when the tests fail instead.
//!
//! The tests are in modules by what they check: `events` (creation, updates against the expected
//! revision, concurrent ones too, deletion to a tombstone, the history of revisions), `lists` (each
//! filter, cursors through every sort, `updated_since`, the histogram), `imports` (an import twice,
//! streamed imports), `import_roads` (PostgreSQL's COPY road against its array road), `merges` (a
//! duplicate merged into its survivor), `sources` (sources shared by URL), `captures` (the capture
//! queue, leases, outcomes and content-addressed bytes), `tokens_and_places` (API tokens and
//! custom places), `tiles` (whether a tile close in is surely too full to list), `day_counts` (time
//! windows counted from the live events per day), `box_counts` (a box past the exact bound told
//! from the count table's cells inside it) and `windows` (map windows against a scan).
//! `both_backends` loads the same synthetic events into both backends and checks that every filter,
//! sort, page and histogram answers the same. `support` holds the helpers the tests share;
//! `common`, shared with the other test binaries, the test databases and `backends()`.

#[path = "../common/mod.rs"]
mod common;
mod support;

mod both_backends;
mod box_counts;
mod captures;
mod day_counts;
mod events;
mod geometry;
mod import_roads;
mod imports;
mod lists;
mod merges;
mod sources;
mod text_counts;
mod tiles;
mod tokens_and_places;
mod windows;
