//! The PostgreSQL backend, with PostGIS: for teams that run several stateless eventmap instances
//! over one database. sqlx's PostgreSQL driver with a pool; the schema is brought up to date by
//! the embedded migrations (`migrations/postgres/`) at open.
//!
//! Reads use the same SQL as SQLite (`store::sql`, PostgreSQL dialect): the same derived
//! columns and tables, so that every filter means the same on both, with the GiST index on the
//! geometry, the GIN index on the search vector and B-trees on time finding candidates. Writes
//! (`postgres_write`) take turns on a lock row, like SQLite's single writer, so that revision
//! checks hold across instances and change numbers commit in order.
//!
//! A database that cannot be reached at start is retried with backoff (`EVENTMAP_DATABASE_WAIT`
//! seconds, 30 by default); one lost while serving turns requests into
//! [`StoreError::Unavailable`] until it is back, with no restart needed. A read-only database
//! (a hot-standby replica) is served read-only: no migrations, and writes refused.

use std::collections::{HashMap, HashSet};
use std::str::FromStr;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures::StreamExt;
use sqlx::postgres::{PgArguments, PgConnectOptions, PgPoolOptions};
use sqlx::query::Query;
use sqlx::{Connection, PgConnection, PgPool, Postgres, Row as _};
use uuid::Uuid;

use super::postgres_write::{self as w, EventWrite, RevisionWrite};
use super::rules::{Current, check_revision, same_fields, tombstone_from_json};
use super::sql::{self, Bind, Dialect, Sql};
use super::{Actor, ImportChunk, ImportCounts, ImportItem, Lookup, Prepared, Row, RowStream, StoreError, Tombstone};
use crate::domain::event::EventData;
use crate::domain::filter::{Bucket, PageRequest};
use crate::domain::revision::Action;
use crate::domain::time::from_millis;
use crate::domain::{Event, EventFilter, Revision};

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
}

/// The schema, embedded from `migrations/postgres/`.
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// The migrator run at start. Migrations a newer eventmap applied are tolerated, so that during a
/// rolling upgrade the instances not yet replaced keep starting (migrations only add).
fn migrator() -> sqlx::migrate::Migrator {
    let mut m = sqlx::migrate!("./migrations/postgres");
    m.set_ignore_missing(true);
    m
}

/// On a read-only database nothing can be migrated: the schema must already be this version's
/// (migrate the primary first; the replica follows).
async fn check_replica_schema(c: &mut PgConnection, url: &str) -> Result<(), StoreError> {
    let applied: Vec<i64> = sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success")
        .fetch_all(&mut *c)
        .await
        .map_err(|e| StoreError::Unavailable(format!("{url} is read-only and has no eventmap schema ({e})")))?;
    let missing: Vec<String> = MIGRATOR
        .iter()
        .filter(|m| !applied.contains(&m.version))
        .map(|m| format!("{} {}", m.version, m.description))
        .collect();
    if !missing.is_empty() {
        return Err(StoreError::Unavailable(format!(
            "{url} is read-only and its schema lacks migrations {}: run `eventmap migrate` against the primary first",
            missing.join(", ")
        )));
    }
    Ok(())
}

/// Whether a connection error means "not reachable (yet)", worth retrying at start.
fn is_unreachable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::Tls(_) => true,
        // cannot_connect_now (starting up or shutting down), too_many_connections
        sqlx::Error::Database(d) => d.code().is_some_and(|c| c == "57P03" || c == "53300" || c.starts_with("08")),
        _ => false,
    }
}

/// What to tell someone whose server lacks PostGIS. `available` says whether the server has
/// the extension's files (then only `CREATE EXTENSION` is missing).
pub fn postgis_advice(url: &str, database: &str, server_major: u32, available: bool) -> String {
    if available {
        format!(
            "the PostGIS extension is installed on the server of {url} but not enabled in database `{database}`, \
             and this user may not enable it: as a superuser, run `CREATE EXTENSION postgis;` in `{database}` \
             (for example `psql -U postgres -d {database} -c 'CREATE EXTENSION postgis'`), then start eventmap again"
        )
    } else {
        format!(
            "the PostgreSQL server of {url} has no PostGIS extension, which eventmap needs: install it on the \
             database server (Debian and Ubuntu: `apt-get install postgresql-{server_major}-postgis-3`; \
             other systems: see https://postgis.net/documentation/getting_started/), then run \
             `CREATE EXTENSION postgis;` in `{database}` as a superuser, or let eventmap do it at start"
        )
    }
}

/// Connects once, retrying unreachable servers with backoff for up to `wait`.
async fn connect_with_retry(opts: &PgConnectOptions, url: &str, wait: Duration) -> Result<PgConnection, StoreError> {
    let started = Instant::now();
    let mut delay = Duration::from_millis(250);
    let mut attempts = 0u32;
    loop {
        attempts += 1;
        let err = match tokio::time::timeout(Duration::from_secs(10), PgConnection::connect_with(opts)).await {
            Ok(Ok(c)) => return Ok(c),
            Ok(Err(e)) => e,
            Err(_) => sqlx::Error::PoolTimedOut,
        };
        if !is_unreachable(&err) {
            let hint = match &err {
                sqlx::Error::Database(d) if d.code().as_deref() == Some("3D000") => {
                    " (create the database first, for example with `createdb`)"
                }
                sqlx::Error::Database(d) if d.code().is_some_and(|c| c.starts_with("28")) => {
                    " (check the user name and password in the URL)"
                }
                _ => "",
            };
            return Err(StoreError::Unavailable(format!("cannot connect to {url}: {err}{hint}")));
        }
        let spent = started.elapsed();
        if spent >= wait {
            return Err(StoreError::Unavailable(format!(
                "no answer from PostgreSQL at {}:{} after {attempts} attempts over {} s ({err}); it was retried with \
                 backoff: set EVENTMAP_DATABASE_WAIT (seconds) to wait longer",
                opts.get_host(),
                opts.get_port(),
                spent.as_secs()
            )));
        }
        let pause = delay.min(wait - spent);
        tracing::warn!(
            "cannot reach PostgreSQL at {url}: {err}; retrying in {:.1} s (waiting up to {} s in all)",
            pause.as_secs_f64(),
            wait.as_secs()
        );
        tokio::time::sleep(pause).await;
        delay = (delay * 2).min(Duration::from_secs(5));
    }
}

/// Makes sure PostGIS is there, or explains how to get it.
async fn check_postgis(c: &mut PgConnection, url: &str) -> Result<(), StoreError> {
    let row = sqlx::query(
        "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'postgis'), \
                EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'), \
                current_setting('server_version_num')::int, current_database()",
    )
    .fetch_one(&mut *c)
    .await?;
    let (installed, available): (bool, bool) = (row.try_get(0)?, row.try_get(1)?);
    if installed {
        return Ok(());
    }
    let major = (row.try_get::<i32, _>(2)? / 10_000) as u32;
    let database: String = row.try_get(3)?;
    if !available {
        return Err(StoreError::Unavailable(postgis_advice(url, &database, major, false)));
    }
    // Available: try to enable it (needs a superuser, or a database owner on a server that
    // trusts the extension), so that the message can say which is missing.
    match sqlx::query("CREATE EXTENSION IF NOT EXISTS postgis").execute(&mut *c).await {
        Ok(_) => Ok(()),
        Err(sqlx::Error::Database(d)) if d.code().as_deref() == Some("42501") => {
            Err(StoreError::Unavailable(postgis_advice(url, &database, major, true)))
        }
        Err(e) => Err(StoreError::Unavailable(format!("cannot enable PostGIS in {url}: {e}"))),
    }
}

/// Binds the values of `sql` to a query of its text.
///
/// PostgreSQL text cannot hold NUL, and refuses a value that does. A filter value with NUL in it
/// (`tag=na%00vy`) matches nothing on SQLite, since stored labels hold no control characters;
/// with NUL turned into another control character it matches nothing here too, instead of failing.
fn bind_all<'q>(mut q: Query<'q, Postgres, PgArguments>, binds: &'q [Bind]) -> Query<'q, Postgres, PgArguments> {
    for b in binds {
        q = match b {
            Bind::Int(v) => q.bind(*v),
            Bind::Real(v) => q.bind(*v),
            Bind::Text(s) if s.contains('\0') => q.bind(s.replace('\0', "\u{1}")),
            Bind::Text(s) => q.bind(s.as_str()),
            Bind::Null => q.bind(None::<String>),
        };
    }
    q
}

fn decode_row(r: &sqlx::postgres::PgRow) -> Result<Row, sqlx::Error> {
    Ok(Row {
        feature: r.try_get(0)?,
        key: r.try_get(1)?,
        seq: r.try_get(2)?,
        geometry_explicit: r.try_get::<i16, _>(3)? != 0,
        matched: r.try_get::<Option<i64>, _>(4)?.map(|n| n as u64),
    })
}

impl PgStore {
    /// Opens the database at `url` with settings from the environment.
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        Self::open_with(url, Settings::from_env()).await
    }

    /// Connects (retrying an unreachable server for up to `settings.wait`), makes sure PostGIS
    /// is available, runs the migrations and opens the pool.
    pub async fn open_with(url: &str, settings: Settings) -> Result<Self, StoreError> {
        let shown = super::redact_url(url);
        let opts = PgConnectOptions::from_str(url)
            .map_err(|e| StoreError::Unavailable(format!("`{shown}` is not a PostgreSQL URL: {e}")))?
            .application_name("eventmap");
        let mut c = connect_with_retry(&opts, &shown, settings.wait).await?;
        // A hot standby (read replica), or a database made read-only, serves reads only.
        let read_only: bool =
            sqlx::query_scalar("SELECT current_setting('transaction_read_only') = 'on'").fetch_one(&mut c).await?;
        if read_only {
            check_replica_schema(&mut c, &shown).await?;
            tracing::info!("{shown} is read-only (a replica?): this instance serves reads and refuses writes");
        } else {
            check_postgis(&mut c, &shown).await?;
            // Several instances starting at once take turns here (the migrator holds an advisory lock).
            migrator().run(&mut c).await.map_err(|e| StoreError::Internal(format!("migrating {shown}: {e}")))?;
        }
        let _ = c.close().await;
        let pool = PgPoolOptions::new()
            .max_connections(settings.pool_size)
            .min_connections(0)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .idle_timeout(Duration::from_secs(300))
            .connect_lazy_with(opts);
        Ok(Self { pool, read_only })
    }

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

    /// The pool, for the copy command and tests.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

/// An import, decided: what each item becomes, with change and storage numbers assigned in
/// item order exactly as on SQLite.
#[derive(Default)]
struct ImportPlan {
    new: Vec<(i64, i64, Prepared)>,
    changed: Vec<(i64, i64, Prepared, EventData)>,
    counts: ImportCounts,
    max_duration: i64,
    touched: HashSet<i64>,
}

fn plan_import(events: Vec<Event>, existing: &HashMap<Uuid, Current>, mut seq: i64, mut change: i64) -> ImportPlan {
    let mut plan = ImportPlan::default();
    for mut ev in events {
        match existing.get(&ev.id) {
            // A deletion is an editor's decision: re-importing does not undo it.
            Some(cur) if cur.deleted => plan.counts.unchanged += 1,
            Some(cur) => match &cur.event {
                Some(before) if !same_fields(&before.data, &ev.data) => {
                    ev.created_at = before.created_at;
                    ev.revision = cur.revision + 1;
                    plan.changed.push((cur.seq, change, Prepared::new(ev), before.data.clone()));
                    plan.touched.insert(cur.seq);
                    change += 1;
                    plan.counts.updated += 1;
                }
                _ => plan.counts.unchanged += 1,
            },
            None => {
                let p = Prepared::new(ev);
                plan.max_duration = plan.max_duration.max(p.t_max - p.t_start);
                plan.new.push((seq, change, p));
                plan.touched.insert(seq);
                seq += 1;
                change += 1;
                plan.counts.created += 1;
            }
        }
    }
    plan
}

#[async_trait]
impl super::EventStore for PgStore {
    async fn create(&self, id: Uuid, data: EventData, actor: &Actor) -> Result<Event, StoreError> {
        let mut tx = self.begin_write().await?;
        if !w::load(&mut tx, &[id]).await?.is_empty() {
            return Err(StoreError::Conflict(format!("an event with id {id} exists")));
        }
        let (change, now) = w::reserve_changes(&mut tx, 1).await?;
        let mut ev = Event::new(id, data, now);
        let filled = w::resolve_sources(&mut tx, &mut [&mut ev], now.timestamp_millis()).await?;
        let seq = w::next_seq(&mut tx).await?;
        let p = Prepared::new(ev);
        w::insert_events(&mut tx, &[EventWrite { seq, change, p: &p }]).await?;
        w::bump_max_duration(&mut tx, p.t_max - p.t_start).await?;
        let rev = RevisionWrite {
            event: &p.event,
            action: Action::Create,
            reason: None,
            before: None,
            after: Some(&p.event.data),
        };
        w::record_revisions(&mut tx, actor, &[rev]).await?;
        w::refresh_citing(&mut tx, &filled, &HashSet::from([seq])).await?;
        tx.commit().await?;
        Ok(p.event)
    }

    async fn get(&self, id: Uuid) -> Result<Lookup, StoreError> {
        let r = sqlx::query("SELECT deleted, feature::text, geometry_explicit FROM events WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        let Some(r) = r else { return Ok(Lookup::Missing) };
        let feature: &str = r.try_get(1)?;
        if r.try_get::<i16, _>(0)? != 0 {
            return Ok(Lookup::Deleted(tombstone_from_json(id, feature)));
        }
        let ev = Event::from_feature_json(feature, r.try_get::<i16, _>(2)? != 0)
            .map_err(|e| StoreError::Internal(format!("stored feature of {id} unreadable: {e}")))?;
        Ok(Lookup::Live(Box::new(ev)))
    }

    async fn update(
        &self,
        id: Uuid,
        expected: Option<u32>,
        data: EventData,
        actor: &Actor,
        reason: Option<&str>,
    ) -> Result<Event, StoreError> {
        let mut tx = self.begin_write().await?;
        let cur = w::load(&mut tx, &[id]).await?.remove(&id).ok_or(StoreError::NotFound(id))?;
        let before = check_revision(&cur, id, expected)?;
        let mut ev = Event { data, ..before.clone() };
        let (change, now) = w::reserve_changes(&mut tx, 1).await?;
        let filled = w::resolve_sources(&mut tx, &mut [&mut ev], now.timestamp_millis()).await?;
        if same_fields(&before.data, &ev.data) && filled.is_empty() {
            // Nothing changed: no revision, no change number.
            tx.rollback().await?;
            return Ok(before);
        }
        ev.updated_at = now;
        ev.revision = before.revision + 1;
        let p = Prepared::new(ev);
        w::replace_events(&mut tx, &[EventWrite { seq: cur.seq, change, p: &p }], &[&before.data]).await?;
        let rev = RevisionWrite {
            event: &p.event,
            action: Action::Update,
            reason,
            before: Some(&before.data),
            after: Some(&p.event.data),
        };
        w::record_revisions(&mut tx, actor, &[rev]).await?;
        w::refresh_citing(&mut tx, &filled, &HashSet::from([cur.seq])).await?;
        tx.commit().await?;
        Ok(p.event)
    }

    async fn delete(
        &self,
        id: Uuid,
        expected: Option<u32>,
        actor: &Actor,
        reason: &str,
    ) -> Result<Tombstone, StoreError> {
        let mut tx = self.begin_write().await?;
        let cur = w::load(&mut tx, &[id]).await?.remove(&id).ok_or(StoreError::NotFound(id))?;
        let before = check_revision(&cur, id, expected)?;
        let (change, now) = w::reserve_changes(&mut tx, 1).await?;
        let revision = w::tombstone(&mut tx, cur.seq, &before, change, now, reason).await?;
        let gone = Event { updated_at: now, revision, ..before.clone() };
        let rev = RevisionWrite {
            event: &gone,
            action: Action::Delete,
            reason: Some(reason),
            before: Some(&before.data),
            after: None,
        };
        w::record_revisions(&mut tx, actor, &[rev]).await?;
        tx.commit().await?;
        Ok(Tombstone { id, deleted_at: now, reason: Some(reason.to_string()), revision })
    }

    fn list(&self, filter: &EventFilter, page: &PageRequest) -> RowStream {
        let sql = sql::list(Dialect::Postgres, filter, page);
        let pool = self.pool.clone();
        let (tx, rx) = tokio::sync::mpsc::channel::<Result<Vec<Row>, StoreError>>(4);
        tokio::spawn(async move {
            let mut rows = bind_all(sqlx::query(&sql.text), &sql.binds).fetch(&pool);
            let mut batch = Vec::with_capacity(BATCH);
            while let Some(r) = rows.next().await {
                match r.and_then(|r| decode_row(&r)) {
                    Ok(row) => batch.push(row),
                    Err(e) => {
                        let _ = tx.send(Err(e.into())).await;
                        return;
                    }
                }
                if batch.len() == BATCH && tx.send(Ok(std::mem::take(&mut batch))).await.is_err() {
                    return;
                }
            }
            if !batch.is_empty() {
                let _ = tx.send(Ok(batch)).await;
            }
        });
        tokio_stream::wrappers::ReceiverStream::new(rx)
            .flat_map(|batch| match batch {
                Ok(rows) => futures::stream::iter(rows.into_iter().map(Ok).collect::<Vec<_>>()),
                Err(e) => futures::stream::iter(vec![Err(e)]),
            })
            .boxed()
    }

    async fn count(&self, filter: &EventFilter) -> Result<u64, StoreError> {
        let sql: Sql = sql::count(Dialect::Postgres, filter);
        let n: i64 = bind_all(sqlx::query(&sql.text), &sql.binds).fetch_one(&self.pool).await?.try_get(0)?;
        Ok(n as u64)
    }

    async fn histogram(&self, filter: &EventFilter, bucket: Bucket) -> Result<Vec<(DateTime<Utc>, u64)>, StoreError> {
        let sql = sql::histogram(Dialect::Postgres, filter, bucket);
        let rows = bind_all(sqlx::query(&sql.text), &sql.binds).fetch_all(&self.pool).await?;
        let mut pairs = Vec::with_capacity(rows.len());
        for r in rows {
            pairs.push((r.try_get::<i64, _>(0)?, r.try_get::<i64, _>(1)? as u64));
        }
        Ok(super::fold_histogram(pairs.into_iter(), bucket))
    }

    async fn history(&self, id: Uuid) -> Result<Vec<Revision>, StoreError> {
        let current = match self.get(id).await? {
            Lookup::Live(ev) => Some(ev.data),
            _ => None,
        };
        let rows = sqlx::query(
            "SELECT revision, at, actor, action, reason, changes FROM revisions WHERE event_id = $1 ORDER BY revision",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let action: &str = r.try_get(3)?;
            out.push(Revision {
                revision: r.try_get::<i32, _>(0)? as u32,
                at: from_millis(r.try_get(1)?),
                actor: r.try_get(2)?,
                action: Action::parse(action).ok_or_else(|| StoreError::Internal("bad action".into()))?,
                reason: r.try_get(4)?,
                changes: crate::domain::revision::decode(r.try_get(5)?)
                    .map_err(|e| StoreError::Internal(e.to_string()))?,
            });
        }
        crate::domain::revision::fill_creation(&mut out, current.as_ref());
        Ok(out)
    }

    async fn import(&self, items: Vec<ImportItem>, actor: &Actor) -> Result<ImportCounts, StoreError> {
        let mut tx = self.begin_write().await?;
        let counts = import_batch(&mut tx, items, actor).await?;
        tx.commit().await?;
        Ok(counts)
    }

    async fn import_stream(
        &self,
        mut chunks: tokio::sync::mpsc::Receiver<ImportChunk>,
        actor: &Actor,
    ) -> Result<Option<ImportCounts>, StoreError> {
        let mut tx = self.begin_write().await?;
        let mut counts = ImportCounts::default();
        while let Some(chunk) = chunks.recv().await {
            match chunk {
                ImportChunk::Rows(items) => counts += import_batch(&mut tx, items, actor).await?,
                ImportChunk::Commit => {
                    tx.commit().await?;
                    return Ok(Some(counts));
                }
            }
        }
        tx.rollback().await?;
        Ok(None)
    }

    async fn ping(&self) -> Result<(), StoreError> {
        let check = async {
            let mut c = self.pool.acquire().await?;
            sqlx::query("SELECT 1").execute(&mut *c).await?;
            Ok::<(), StoreError>(())
        };
        match tokio::time::timeout(PING_TIMEOUT, check).await {
            Ok(r) => r,
            Err(_) => Err(StoreError::Unavailable(format!("no answer within {} s", PING_TIMEOUT.as_secs()))),
        }
    }
}

fn token_row(r: &sqlx::postgres::PgRow) -> Result<super::TokenInfo, StoreError> {
    let role: String = r.try_get(2)?;
    Ok(super::TokenInfo {
        id: r.try_get(0)?,
        name: r.try_get(1)?,
        role: super::Role::parse(&role).ok_or_else(|| StoreError::Internal(format!("unknown role `{role}`")))?,
        secret_hash: r.try_get(3)?,
        created_at: from_millis(r.try_get(4)?),
        revoked_at: r.try_get::<Option<i64>, _>(5)?.map(from_millis),
        last_used_at: r.try_get::<Option<i64>, _>(6)?.map(from_millis),
    })
}

#[async_trait]
impl super::TokenStore for PgStore {
    async fn insert_token(&self, t: &super::TokenInfo) -> Result<(), StoreError> {
        self.writable()?;
        sqlx::query("INSERT INTO tokens (id, name, role, secret_hash, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(&t.id)
            .bind(&t.name)
            .bind(t.role.as_str())
            .bind(&t.secret_hash)
            .bind(t.created_at.timestamp_millis())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn token(&self, id: &str) -> Result<Option<super::TokenInfo>, StoreError> {
        let r = sqlx::query(
            "SELECT id, name, role, secret_hash, created_at, revoked_at, last_used_at FROM tokens WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        r.as_ref().map(token_row).transpose()
    }

    async fn tokens(&self) -> Result<Vec<super::TokenInfo>, StoreError> {
        sqlx::query(
            "SELECT id, name, role, secret_hash, created_at, revoked_at, last_used_at FROM tokens \
             ORDER BY created_at, id COLLATE \"C\"",
        )
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(token_row)
        .collect()
    }

    async fn revoke_token(&self, id: &str) -> Result<bool, StoreError> {
        self.writable()?;
        let n = sqlx::query("UPDATE tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
            .bind(Utc::now().timestamp_millis())
            .bind(id)
            .execute(&self.pool)
            .await?
            .rows_affected();
        Ok(n == 1)
    }

    async fn touch_token(&self, id: &str) -> Result<(), StoreError> {
        if self.read_only {
            // Best effort: instances on the primary record when a token was last used.
            return Ok(());
        }
        sqlx::query("UPDATE tokens SET last_used_at = $1 WHERE id = $2")
            .bind(Utc::now().timestamp_millis())
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

#[async_trait]
impl super::PlaceStore for PgStore {
    async fn custom_places(&self) -> Result<Vec<crate::gazetteer::CustomPlace>, StoreError> {
        // Byte order of ids, as SQLite sorts them, whatever the database's collation.
        let rows = sqlx::query(
            "SELECT id, name, kind, country, admin1, lon, lat, population, names::text FROM places \
             ORDER BY id COLLATE \"C\"",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let kind: &str = r.try_get(2)?;
            out.push(crate::gazetteer::CustomPlace {
                id: r.try_get(0)?,
                name: r.try_get(1)?,
                kind: crate::gazetteer::Kind::parse(kind).ok_or_else(|| StoreError::Internal("bad kind".into()))?,
                country: r.try_get(3)?,
                admin1: r.try_get(4)?,
                lon: r.try_get(5)?,
                lat: r.try_get(6)?,
                population: r.try_get::<i64, _>(7)? as u64,
                names: serde_json::from_str(r.try_get(8)?).map_err(|e| StoreError::Internal(e.to_string()))?,
            });
        }
        Ok(out)
    }

    async fn put_custom_places(&self, places: &[crate::gazetteer::CustomPlace], by: &Actor) -> Result<(), StoreError> {
        self.writable()?;
        // The last of several places with one id wins, as with SQLite's INSERT OR REPLACE.
        let mut last: HashMap<&str, usize> = HashMap::new();
        for (i, p) in places.iter().enumerate() {
            last.insert(p.id.as_str(), i);
        }
        let mut keep: Vec<&crate::gazetteer::CustomPlace> =
            places.iter().enumerate().filter(|(i, p)| last[p.id.as_str()] == *i).map(|(_, p)| p).collect();
        keep.sort_by(|a, b| a.id.cmp(&b.id));
        let now = Utc::now().timestamp_millis();
        let mut tx = self.pool.begin().await?;
        for chunk in keep.chunks(w::CHUNK) {
            let names: Vec<String> = chunk
                .iter()
                .map(|p| serde_json::to_string(&p.names).map_err(|e| StoreError::Internal(e.to_string())))
                .collect::<Result<_, _>>()?;
            sqlx::query(
                "INSERT INTO places (id, name, kind, country, admin1, lon, lat, population, names, created_at, created_by) \
                 SELECT u.id, u.name, u.kind, u.country, u.admin1, u.lon, u.lat, u.population, u.names::json, $10, $11 \
                 FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::float8[], $7::float8[], \
                 $8::bigint[], $9::text[]) AS u(id, name, kind, country, admin1, lon, lat, population, names) \
                 ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, kind = EXCLUDED.kind, country = EXCLUDED.country, \
                 admin1 = EXCLUDED.admin1, lon = EXCLUDED.lon, lat = EXCLUDED.lat, population = EXCLUDED.population, \
                 names = EXCLUDED.names, created_at = EXCLUDED.created_at, created_by = EXCLUDED.created_by",
            )
            .bind(chunk.iter().map(|p| p.id.as_str()).collect::<Vec<_>>())
            .bind(chunk.iter().map(|p| p.name.as_str()).collect::<Vec<_>>())
            .bind(chunk.iter().map(|p| p.kind.as_str()).collect::<Vec<_>>())
            .bind(chunk.iter().map(|p| p.country.as_deref()).collect::<Vec<_>>())
            .bind(chunk.iter().map(|p| p.admin1.as_deref()).collect::<Vec<_>>())
            .bind(chunk.iter().map(|p| p.lon).collect::<Vec<_>>())
            .bind(chunk.iter().map(|p| p.lat).collect::<Vec<_>>())
            .bind(chunk.iter().map(|p| p.population as i64).collect::<Vec<_>>())
            .bind(names)
            .bind(now)
            .bind(&by.name)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

impl super::Store for PgStore {}

/// Writes one batch of an import inside `tx`: new ids created, changed ones revised, identical
/// ones left alone.
async fn import_batch(
    tx: &mut sqlx::Transaction<'static, Postgres>,
    items: Vec<ImportItem>,
    actor: &Actor,
) -> Result<ImportCounts, StoreError> {
    let mut seen: HashSet<Uuid> = HashSet::with_capacity(items.len());
    for it in &items {
        if !seen.insert(it.id) {
            return Err(StoreError::Conflict(format!("the id {} appears twice in one import", it.id)));
        }
    }
    let ids: Vec<Uuid> = items.iter().map(|it| it.id).collect();
    let existing = w::load(tx, &ids).await?;
    let (change, now) = w::reserve_changes(tx, items.len() as i64).await?;
    let mut events: Vec<Event> = items.into_iter().map(|it| Event::new(it.id, it.data, now)).collect();
    let filled = {
        let mut refs: Vec<&mut Event> = events.iter_mut().collect();
        w::resolve_sources(tx, &mut refs, now.timestamp_millis()).await?
    };
    let seq = w::next_seq(tx).await?;
    // Rendering and indexing values is CPU work: keep it off the async threads.
    let plan = tokio::task::spawn_blocking(move || plan_import(events, &existing, seq, change))
        .await
        .map_err(|e| StoreError::Internal(format!("import task failed: {e}")))?;
    let new: Vec<EventWrite<'_>> =
        plan.new.iter().map(|(seq, change, p)| EventWrite { seq: *seq, change: *change, p }).collect();
    w::insert_events(tx, &new).await?;
    let changed: Vec<EventWrite<'_>> =
        plan.changed.iter().map(|(seq, change, p, _)| EventWrite { seq: *seq, change: *change, p }).collect();
    let before: Vec<&EventData> = plan.changed.iter().map(|(.., b)| b).collect();
    w::replace_events(tx, &changed, &before).await?;
    let mut revs: Vec<RevisionWrite<'_>> = Vec::with_capacity(new.len() + changed.len());
    for (_, _, p, b) in &plan.changed {
        revs.push(RevisionWrite {
            event: &p.event,
            action: Action::Import,
            reason: None,
            before: Some(b),
            after: Some(&p.event.data),
        });
    }
    for (_, _, p) in &plan.new {
        revs.push(RevisionWrite {
            event: &p.event,
            action: Action::Import,
            reason: None,
            before: None,
            after: Some(&p.event.data),
        });
    }
    w::record_revisions(tx, actor, &revs).await?;
    w::bump_max_duration(tx, plan.max_duration).await?;
    w::refresh_citing(tx, &filled, &plan.touched).await?;
    Ok(plan.counts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_postgis_is_explained_with_the_package_to_install() {
        let m = postgis_advice("postgres://ed:***@db/news", "news", 15, false);
        assert!(m.contains("apt-get install postgresql-15-postgis-3"), "{m}");
        assert!(m.contains("CREATE EXTENSION postgis"));
        let m = postgis_advice("postgres://ed:***@db/news", "news", 16, true);
        assert!(m.contains("as a superuser") && m.contains("CREATE EXTENSION postgis;"), "{m}");
    }
}
