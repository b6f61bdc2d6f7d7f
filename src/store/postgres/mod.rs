//! The PostgreSQL backend, with PostGIS: for teams that run several stateless eventmap instances
//! over one database. sqlx's PostgreSQL driver with a pool; the schema is brought up to date by
//! the embedded migrations (`migrations/postgres/`) at open.
//!
//! Reads use the same SQL as SQLite (`store::sql`, PostgreSQL dialect): the same derived
//! columns and tables, so that every filter means the same on both, with the GiST index on the
//! geometry, the GIN index on the search vector and B-trees on time finding candidates. Writes
//! (`write`) take turns on a lock row, like SQLite's single writer, so that revision
//! checks hold across instances and change numbers commit in order.
//!
//! A database that cannot be reached at start is retried with backoff (`EVENTMAP_DATABASE_WAIT`
//! seconds, 30 by default); one lost while serving turns requests into
//! [`StoreError::Unavailable`] until it is back, with no restart needed. A read-only database
//! (a hot-standby replica) is served read-only: no migrations, and writes refused.
//!
//! The room: `connect` (reaching the server, PostGIS, migrations), `write` (one write's rows, in
//! batches), `events`, `import`, `accounts` and `captures` (the traits), `load` (a copy written
//! into an empty database), `bulk` (the indexes a first import builds at its end), and the COPY
//! road of imports and copies: `copy_rows` (the rows), `copy_text` (COPY's text format) and
//! `ewkb` (a geometry as PostGIS reads it).

mod accounts;
mod bulk;
mod captures;
mod connect;
mod copy_rows;
mod copy_text;
mod events;
mod ewkb;
mod follow;
mod import;
mod load;
mod write;

pub use connect::postgis_advice;
pub use import::ImportRoad;

use std::time::Duration;

use async_trait::async_trait;
use sqlx::{PgPool, Postgres, Row as _};

use crate::store::StoreError;
use write as w;

/// Rows handed from the query to the response at a time.
const BATCH: usize = 256;

/// How long a request waits for a pooled connection before it is told the database is
/// unavailable.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

/// How long a readiness check waits.
const PING_TIMEOUT: Duration = Duration::from_secs(2);

/// How the store connects: how long to keep trying at start, and how many connections to pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    pub wait: Duration,
    pub pool_size: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Self { wait: Duration::from_secs(30), pool_size: 10 }
    }
}

impl Settings {
    /// The defaults, overridden by `EVENTMAP_DATABASE_WAIT` (seconds) and
    /// `EVENTMAP_DATABASE_POOL` (connections per instance).
    pub fn from_env() -> Self {
        let num = |k: &str| std::env::var(k).ok().and_then(|v| v.trim().parse::<u64>().ok());
        let d = Self::default();
        Self {
            wait: num("EVENTMAP_DATABASE_WAIT").map(Duration::from_secs).unwrap_or(d.wait),
            pool_size: num("EVENTMAP_DATABASE_POOL").map(|n| n.clamp(1, 1000) as u32).unwrap_or(d.pool_size),
        }
    }
}

/// The PostgreSQL store.
#[derive(Clone)]
pub struct PgStore {
    pool: PgPool,
    read_only: bool,
    import_road: ImportRoad,
    /// Opened for `eventmap import` ([`PgStore::open_for_import`]): the application name of this
    /// process's connections, with which a load into an empty database may defer its indexes.
    exclusive_loads: Option<String>,
}

impl PgStore {
    /// Refuses writes on a read-only database with a message that says where they go.
    pub(super) fn writable(&self) -> Result<(), StoreError> {
        if self.read_only {
            return Err(StoreError::Unavailable(
                "this eventmap instance reads from a read-only database (a replica): send writes to an instance \
                 on the primary"
                    .into(),
            ));
        }
        Ok(())
    }

    /// Starts a write transaction, holding the writers' lock until it ends.
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, Postgres>, StoreError> {
        self.writable()?;
        let mut tx = self.pool.begin().await?;
        w::lock_writers(&mut tx).await?;
        Ok(tx)
    }

    /// The rows `events` held when a streamed import began, when the import may defer its
    /// indexes (`bulk`): the store was opened for `eventmap import` and writes by COPY.
    async fn may_defer(&self, tx: &mut sqlx::Transaction<'static, Postgres>) -> Result<Option<i64>, StoreError> {
        if self.exclusive_loads.is_none() || self.import_road != ImportRoad::Copy {
            return Ok(None);
        }
        Ok(Some(bulk::held(tx).await?))
    }

    /// Drops the indexes a streamed import builds at its end (`bulk`), when that is worth it
    /// ([`bulk::worth_deferring`]: `held`, the rows of `events` when the import began, and
    /// `expected`, about how many events it will write), no other session is connected and the
    /// tables' locks are granted at once.
    async fn defer_indexes(
        &self,
        tx: &mut sqlx::Transaction<'static, Postgres>,
        held: i64,
        expected: Option<u64>,
    ) -> Result<Option<bulk::Deferred>, StoreError> {
        let Some(ours) = &self.exclusive_loads else { return Ok(None) };
        if !bulk::worth_deferring(held, expected) {
            let expected = expected.map_or("an unknown number of".into(), |n| format!("about {n}"));
            tracing::info!(
                "the import keeps every index up to date as it goes: {expected} events into a database of {held}"
            );
            return Ok(None);
        }
        if let Some(why) = bulk::refused(tx, ours).await? {
            tracing::info!("the import keeps every index up to date as it goes: {why}");
            return Ok(None);
        }
        let deferred = bulk::begin(tx, held == 0).await?;
        match (&deferred, expected) {
            (Some(_), _) if held == 0 => tracing::info!("a first load: the indexes are built when every row is in"),
            (Some(_), expected) => tracing::info!(
                "about {} events into a database of {held}: the indexes of every event are built again when every \
                 row is in",
                expected.unwrap_or_default()
            ),
            (None, _) => tracing::info!("the import keeps every index up to date as it goes: a table is in use"),
        }
        Ok(deferred)
    }

    /// `VACUUM (ANALYZE) events` once a load that built its indexes at its end has committed: a
    /// tile from zoom 7 is counted by an index-only scan (`events_by_position`), which reads the
    /// table for every page the visibility map does not mark all-visible, and only VACUUM marks
    /// them (about 2 s for 1,000,000 events). The load is committed whatever happens here: a
    /// failure is logged with what it costs, and autovacuum does the same later.
    async fn vacuum_after_bulk_load(&self) {
        let t = std::time::Instant::now();
        // The simple query protocol: VACUUM may not run inside a transaction block.
        match sqlx::raw_sql("VACUUM (ANALYZE) events").execute(&self.pool).await {
            Ok(_) => tracing::info!(took = ?t.elapsed(), "vacuumed the loaded events for index-only scans"),
            Err(e) => tracing::warn!(
                cause = %e,
                "VACUUM (ANALYZE) events after the load failed: tiles from zoom 7 read the table until \
                 autovacuum runs (or run VACUUM events)"
            ),
        }
    }

    /// The same store, writing the new events of imports by `road` (tests and the benchmark
    /// compare the two roads).
    pub fn with_import_road(mut self, road: ImportRoad) -> Self {
        self.import_road = road;
        self
    }

    /// The pool, for the copy command and tests.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

#[async_trait]
impl crate::store::Store for PgStore {
    async fn backup(&self, _path: &str) -> Result<(), StoreError> {
        Err(StoreError::Unsupported(
            "backup copies SQLite databases; for PostgreSQL use pg_dump (see docs/DEPLOYMENT.md)".into(),
        ))
    }

    async fn repaired(&self, name: &str) -> Result<bool, StoreError> {
        if self.read_only {
            // Nothing can be repaired on a replica: its primary does it, and the replica follows.
            // Answering so spares a replica a scan of every event at each start.
            return Ok(true);
        }
        let found = sqlx::query("SELECT 1 FROM meta WHERE key = $1")
            .bind(crate::store::repair_key(name))
            .fetch_optional(&self.pool)
            .await?;
        Ok(found.is_some())
    }

    async fn mark_repaired(&self, name: &str) -> Result<(), StoreError> {
        self.writable()?;
        sqlx::query("INSERT INTO meta (key, value) VALUES ($1, 1) ON CONFLICT (key) DO UPDATE SET value = 1")
            .bind(crate::store::repair_key(name))
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

/// Rows of PostgreSQL read as `store::stored` reads them. Whole numbers are `bigint` in most
/// columns and `integer` or `smallint` in a few (revision numbers, flags): `int` takes any.
impl crate::store::stored::Columns for sqlx::postgres::PgRow {
    fn text(&self, i: usize) -> Result<String, StoreError> {
        Ok(self.try_get(i)?)
    }
    fn opt_text(&self, i: usize) -> Result<Option<String>, StoreError> {
        Ok(self.try_get(i)?)
    }
    fn int(&self, i: usize) -> Result<i64, StoreError> {
        Ok(self.try_get::<i64, _>(i).or_else(|_| self.try_get::<i32, _>(i).map(i64::from))?)
    }
    fn opt_int(&self, i: usize) -> Result<Option<i64>, StoreError> {
        Ok(self
            .try_get::<Option<i64>, _>(i)
            .or_else(|_| self.try_get::<Option<i32>, _>(i).map(|v| v.map(i64::from)))?)
    }
    fn real(&self, i: usize) -> Result<f64, StoreError> {
        Ok(self.try_get(i)?)
    }
}
