//! Storage of events behind one trait, [`EventStore`](crate::store::EventStore), with a SQLite and a PostgreSQL backend.
//!
//! The trait takes and returns domain values, never rows. Each write is one transaction that also
//! rewrites every derived index row (spatial, time, text, terms), so a crash leaves either the whole
//! write or none of it. The store knows nothing of HTTP, and depends only on `domain` (and on
//! `auth` for the token records it keeps).
//!
//! This top level holds the traits and what both backends share: the SQL of every read
//! (`sql`), the derived values of a write (`prepare`), the rules of a write (`rules`), the
//! source rule (`sources`), stored columns read back into values (`stored`) and the rows of a
//! copy (`transfer`). Each backend is a room behind the traits: `sqlite/` and `postgres/`.

// What both backends share: the SQL of every read, the derived values of a write, the rules of
// a write, the source rule, and the rows of a copy.
pub mod captures;
pub mod follow;
mod prepare;
mod rules;
mod sources;
pub mod sql;
mod stored;
pub mod transfer;

// A room per backend behind the traits below.
pub mod postgres;
pub mod sqlite;

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures::stream::BoxStream;
use uuid::Uuid;

use crate::domain::event::EventData;
use crate::domain::filter::{Bucket, PageRequest};
use crate::domain::tile::{CellCount, TileEvent, TileId};
use crate::domain::{Event, EventFilter, Revision};

use crate::auth::TokenStore;

pub use captures::CaptureStore;
pub use follow::{Claimed, FollowStore};
pub use prepare::Prepared;

/// Who makes a write, as recorded in the history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub name: String,
}

impl Actor {
    pub fn new(name: impl Into<String>) -> Self {
        Self { name: name.into() }
    }
}

/// A deleted event: what remains of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Tombstone {
    pub id: Uuid,
    pub deleted_at: DateTime<Utc>,
    pub reason: Option<String>,
    pub revision: u32,
    /// The event this one was merged into, when it was deleted by a merge.
    pub merged_into: Option<Uuid>,
}

/// The result of looking an event up by id.
#[derive(Debug, Clone, PartialEq)]
pub enum Lookup {
    Live(Box<Event>),
    Deleted(Tombstone),
    Missing,
}

/// One row of a list: the Feature JSON as served, and its position for the next cursor.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub feature: String,
    /// The sort key (milliseconds of `start`, or the change number for `updated_at` sorts).
    pub key: i64,
    pub seq: i64,
    /// Whether the event has an explicit geometry (needed to read the Feature back into an Event).
    pub geometry_explicit: bool,
    /// How many rows match in all, when the query counted them on the way.
    pub matched: Option<u64>,
}

impl Row {
    /// Reads the row back into an event (for CSV, KML and other non-GeoJSON formats).
    /// Tombstones have no event and give `None`.
    pub fn event(&self) -> Option<Event> {
        Event::from_feature_json(&self.feature, self.geometry_explicit).ok()
    }
}

/// How many events a filter matches, and whether the figure is exact or an estimate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Matched {
    pub n: u64,
    pub exact: bool,
}

/// What [`EventStore::matched`] does after the bounded count, told by the backend.
pub(crate) enum CountNext {
    Done(Matched),
    Estimate,
    Exact,
}

/// The decision of [`EventStore::matched`] from the bounded count `upto` of a filter.
pub(crate) fn after_bounded(f: &EventFilter, upto: u64) -> CountNext {
    if upto <= sql::plan::EXACT_BOUND {
        CountNext::Done(Matched { n: upto, exact: true })
    } else if sql::plan::estimable(f) {
        CountNext::Estimate
    } else {
        CountNext::Exact
    }
}

/// An estimate made a count: never below what the bounded count saw.
pub(crate) fn estimated(estimate: f64) -> Matched {
    let n = if estimate.is_finite() { estimate.round().max(0.0) as u64 } else { 0 };
    Matched { n: n.max(sql::plan::EXACT_BOUND + 1), exact: false }
}

/// A stream of list rows; it owns its connection and may outlive the call that made it.
pub type RowStream = BoxStream<'static, Result<Row, StoreError>>;

/// An event to write in a batch import, keyed by its id.
#[derive(Debug, Clone)]
pub struct ImportItem {
    pub id: Uuid,
    pub data: EventData,
}

/// What an import did with each item.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportCounts {
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
}

impl std::ops::AddAssign for ImportCounts {
    fn add_assign(&mut self, o: Self) {
        self.created += o.created;
        self.updated += o.updated;
        self.unchanged += o.unchanged;
    }
}

/// A piece of a streamed import ([`EventStore::import_stream`]).
#[derive(Debug)]
pub enum ImportChunk {
    /// About how many rows the stream holds in all, before its first rows: an estimate from the
    /// bytes its first batch took (`eventmap import`), by which a store may choose how to write
    /// them (PostgreSQL builds its indexes at the end of a load large beside the database).
    Expect(u64),
    /// Rows to write, handled as [`EventStore::import`] handles its batch.
    Rows(Vec<ImportItem>),
    /// Every row was sent: commit. A stream that ends without it is rolled back.
    Commit,
}

/// Errors of the store. Messages of `Internal` are for logs, never for clients.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("no event with id {0}")]
    NotFound(Uuid),
    #[error("event {0} was deleted")]
    Gone(Uuid),
    #[error("the event is at revision {current}, not {expected}")]
    RevisionMismatch { expected: u32, current: u32 },
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    #[error("{0}")]
    Conflict(String),
    #[error("database error: {0}")]
    Internal(String),
    /// A field of the request names something the store cannot use (e.g. a merge into a
    /// deleted event); served as a 422 on that field.
    #[error("{field}: {message}")]
    Invalid { field: &'static str, message: String },
    /// The backend cannot do this; the message says what to use instead.
    #[error("{0}")]
    Unsupported(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
                Self::Unavailable(e.to_string())
            }
            sqlx::Error::Database(d)
                if d.code().is_some_and(|c| c.starts_with("08") || c == "57P01" || c == "57P03") =>
            {
                Self::Unavailable(e.to_string())
            }
            _ => Self::Internal(e.to_string()),
        }
    }
}

/// Storage of events. Both backends pass the same behaviour tests (`tests/store_contract/`).
#[async_trait]
pub trait EventStore: Send + Sync + 'static {
    /// Stores a new event at revision 1.
    async fn create(&self, id: Uuid, data: EventData, actor: &Actor) -> Result<Event, StoreError>;

    /// Looks an event up by id.
    async fn get(&self, id: Uuid) -> Result<Lookup, StoreError>;

    /// Replaces an event's fields; with `expected`, only if it is still at that revision.
    async fn update(
        &self,
        id: Uuid,
        expected: Option<u32>,
        data: EventData,
        actor: &Actor,
        reason: Option<&str>,
    ) -> Result<Event, StoreError>;

    /// Deletes an event, leaving a tombstone.
    async fn delete(
        &self,
        id: Uuid,
        expected: Option<u32>,
        actor: &Actor,
        reason: &str,
    ) -> Result<Tombstone, StoreError>;

    /// Merges event `id` into `into` in one transaction: the sources of `id` that `into` lacks
    /// (by URL) move to it, and `id` becomes a tombstone pointing at `into`. With `expected`,
    /// only if `id` is still at that revision. Returns the survivor and the tombstone.
    async fn merge(
        &self,
        id: Uuid,
        expected: Option<u32>,
        into: Uuid,
        actor: &Actor,
        reason: &str,
    ) -> Result<(Event, Tombstone), StoreError>;

    /// The rows matching `filter` in `page` order, after `page.cursor`; at most `page.limit + 1`
    /// rows, so that the caller learns whether there is a next page.
    fn list(&self, filter: &EventFilter, page: &PageRequest) -> RowStream;

    /// How many events match `filter`.
    async fn count(&self, filter: &EventFilter) -> Result<u64, StoreError>;

    /// How many events match `filter`: exact up to [`sql::plan::EXACT_BOUND`] matches, or
    /// whenever `exact` is asked for or it is cheap; beyond, an estimate from the count tables
    /// where they describe the filter (a box and a time window), marked as such.
    async fn matched(&self, filter: &EventFilter, exact: bool) -> Result<Matched, StoreError> {
        let _ = exact;
        Ok(Matched { n: self.count(filter).await?, exact: true })
    }

    /// Counts of matching events by the bucket their start falls in, oldest first.
    async fn histogram(&self, filter: &EventFilter, bucket: Bucket) -> Result<Vec<(DateTime<Utc>, u64)>, StoreError>;

    /// Counts of matching events by bucket and category, oldest bucket first, categories in
    /// byte order within a bucket.
    async fn histogram_by_category(
        &self,
        filter: &EventFilter,
        bucket: Bucket,
    ) -> Result<Vec<(DateTime<Utc>, String, u64)>, StoreError>;

    /// The matching live events whose position lies in `tile`, counted by cell of its grid and
    /// by category (see [`crate::domain::tile`]).
    async fn tile_cells(&self, filter: &EventFilter, tile: &TileId) -> Result<Vec<CellCount>, StoreError>;

    /// Whether [`EventStore::tile_events`] with these arguments would surely find `limit`
    /// events, when the store can tell it without reading them (PostgreSQL, from the index of
    /// the position: `sql::tiles::positions_near`); `false` when it cannot tell or they are
    /// fewer. A tile that would find `limit` is counted by cell instead, so this saves fetching
    /// them.
    async fn tile_surely_full(
        &self,
        _filter: &EventFilter,
        _tile: &TileId,
        _pad: f64,
        _limit: u32,
    ) -> Result<bool, StoreError> {
        Ok(false)
    }

    /// At most `limit` matching live events whose envelope overlaps `tile` widened by `pad`
    /// tiles on each side, in no particular order.
    async fn tile_events(
        &self,
        filter: &EventFilter,
        tile: &TileId,
        pad: f64,
        limit: u32,
    ) -> Result<Vec<TileEvent>, StoreError>;

    /// Every revision of an event, oldest first.
    async fn history(&self, id: Uuid) -> Result<Vec<Revision>, StoreError>;

    /// Writes many events in one transaction: new ids are created, known ids whose fields differ
    /// get a new revision, and identical ones are left alone. All or nothing.
    async fn import(&self, items: Vec<ImportItem>, actor: &Actor) -> Result<ImportCounts, StoreError>;

    /// Writes every batch received from `chunks` in one transaction, each as [`import`](Self::import)
    /// writes its batch (an id may appear in one batch only), with memory bounded by the channel
    /// rather than by the size of the import. The transaction commits when [`ImportChunk::Commit`]
    /// arrives and returns the counts; when the channel closes without it (the sender found a bad
    /// row, stopped, or failed), it is rolled back and `None` is returned: nothing was written.
    async fn import_stream(
        &self,
        chunks: tokio::sync::mpsc::Receiver<ImportChunk>,
        actor: &Actor,
    ) -> Result<Option<ImportCounts>, StoreError>;

    /// Whether the database answers.
    async fn ping(&self) -> Result<(), StoreError>;

    /// The number of live events.
    async fn live_count(&self) -> Result<u64, StoreError> {
        self.count(&EventFilter::default()).await
    }
}

/// Storage of a team's own places.
#[async_trait]
pub trait PlaceStore: Send + Sync + 'static {
    /// Every stored place.
    async fn custom_places(&self) -> Result<Vec<crate::domain::team_place::CustomPlace>, StoreError>;
    /// Stores places (replacing any with the same id) in one transaction.
    async fn put_custom_places(
        &self,
        places: &[crate::domain::team_place::CustomPlace],
        by: &Actor,
    ) -> Result<(), StoreError>;
}

/// Everything a backend stores.
#[async_trait]
pub trait Store:
    EventStore + TokenStore<Error = StoreError> + PlaceStore + follow::FollowStore + captures::CaptureStore
{
    /// Writes a consistent copy of the whole database into the new file `path`, safe while
    /// serving. A backend that cannot says so with [`StoreError::Unsupported`] and what to use
    /// instead.
    async fn backup(&self, path: &str) -> Result<(), StoreError>;

    /// Whether the one-time repair `name` of stored data was done in this database.
    async fn repaired(&self, name: &str) -> Result<bool, StoreError>;

    /// Records that the one-time repair `name` is done.
    async fn mark_repaired(&self, name: &str) -> Result<(), StoreError>;

    /// The size in bytes of the write-ahead log the backend keeps in a file of its own (SQLite),
    /// or `None` (PostgreSQL keeps and bounds its own).
    fn wal_bytes(&self) -> Option<u64> {
        None
    }

    /// Copies what the backend's log holds into the database and cuts the log back to nothing,
    /// as before a stop (SQLite: `wal_checkpoint(TRUNCATE)`; nothing for PostgreSQL).
    async fn checkpoint(&self) -> Result<(), StoreError> {
        Ok(())
    }
}

/// The `meta` key that records a one-time repair.
fn repair_key(name: &str) -> String {
    format!("repaired:{name}")
}

impl From<crate::auth::BadName> for StoreError {
    fn from(e: crate::auth::BadName) -> Self {
        Self::Conflict(e.to_string())
    }
}

/// A shared handle to whichever store the configuration chose.
pub type DynStore = Arc<dyn Store>;

/// Opens the store named by a database URL (`sqlite://eventmap.db`, `postgres://...`) and brings
/// its schema up to date.
pub async fn connect(url: &str) -> Result<DynStore, StoreError> {
    if url.starts_with("sqlite:") {
        Ok(Arc::new(sqlite::SqliteStore::open(url).await?))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(postgres::PgStore::open(url).await?))
    } else {
        Err(StoreError::Unavailable(format!(
            "unsupported database URL `{}`: use sqlite://FILE or postgres://USER@HOST/DB",
            redact_url(url)
        )))
    }
}

/// Opens the store for `eventmap import`, a process that does nothing else meanwhile: a first
/// load into an empty SQLite database may then take the database to itself
/// ([`SqliteStore::open_for_import`](sqlite::SqliteStore::open_for_import)), and one into an
/// empty PostgreSQL database may build its indexes at its end
/// ([`PgStore::open_for_import`](postgres::PgStore::open_for_import)).
pub async fn connect_for_import(url: &str) -> Result<DynStore, StoreError> {
    if url.starts_with("sqlite:") {
        Ok(Arc::new(sqlite::SqliteStore::open_for_import(url).await?))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(postgres::PgStore::open_for_import(url).await?))
    } else {
        connect(url).await
    }
}

/// A database URL with its password replaced by `***`, safe for logs and messages.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_string(),
    }
}

/// Folds raw histogram rows (days since epoch, or hour starts in ms for hourly buckets) into
/// buckets, oldest first.
fn fold_histogram(rows: impl Iterator<Item = (i64, u64)>, bucket: Bucket) -> Vec<(DateTime<Utc>, u64)> {
    use crate::domain::time::from_millis;
    let mut out: Vec<(i64, u64)> = Vec::new();
    for (raw, n) in rows {
        let start_ms = match bucket {
            Bucket::Hour => raw,
            b => b.floor_day(raw) * 86_400_000,
        };
        match out.last_mut() {
            Some((s, c)) if *s == start_ms => *c += n,
            _ => out.push((start_ms, n)),
        }
    }
    out.into_iter().map(|(s, n)| (from_millis(s), n)).collect()
}

/// [`fold_histogram`] for rows that also carry a category, which may come from several raw
/// buckets of one bucket in any order.
fn fold_histogram_by_category(
    rows: impl Iterator<Item = (i64, String, u64)>,
    bucket: Bucket,
) -> Vec<(DateTime<Utc>, String, u64)> {
    let mut out: std::collections::BTreeMap<(i64, String), u64> = std::collections::BTreeMap::new();
    for (raw, category, n) in rows {
        let start_ms = match bucket {
            Bucket::Hour => raw,
            b => b.floor_day(raw) * 86_400_000,
        };
        *out.entry((start_ms, category)).or_default() += n;
    }
    out.into_iter().map(|((s, c), n)| (crate::domain::time::from_millis(s), c, n)).collect()
}

/// Every row matching `filter`, in `sort` order, fetched page by page in the background so that
/// any number of rows streams in constant memory.
pub fn all_rows(store: DynStore, filter: EventFilter, sort: crate::domain::Sort, page_size: u32) -> RowStream {
    use futures::StreamExt;
    let (tx, rx) = tokio::sync::mpsc::channel(page_size as usize);
    tokio::spawn(async move {
        let mut page = PageRequest { limit: page_size, sort, cursor: None };
        loop {
            let mut rows = store.list(&filter, &page);
            let mut n = 0u32;
            let mut last = None;
            while let Some(r) = rows.next().await {
                match r {
                    Ok(row) if n < page_size => {
                        n += 1;
                        last = Some((row.key, row.seq));
                        if tx.send(Ok(row)).await.is_err() {
                            return;
                        }
                    }
                    Ok(_) => {}
                    Err(e) => {
                        let _ = tx.send(Err(e)).await;
                        return;
                    }
                }
            }
            match last {
                Some((key, seq)) if n == page_size => {
                    page.cursor = Some(crate::domain::Cursor { key, seq, matched: None });
                }
                _ => return,
            }
        }
    });
    tokio_stream::wrappers::ReceiverStream::new(rx).boxed()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_appear_in_database_urls_we_print() {
        assert_eq!(redact_url("postgres://ed:s3cret@db:5432/news"), "postgres://ed:***@db:5432/news");
        assert_eq!(redact_url("sqlite://eventmap.db"), "sqlite://eventmap.db");
    }
}
