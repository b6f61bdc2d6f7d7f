//! The SQLite backend: one file in WAL mode with foreign keys on. The schema is brought up to date
//! by sqlx's embedded migrations at open; reads and writes then go through `rusqlite`
//! connections used from blocking threads (see `sqlite_read` for why): one writer, each write a
//! single `BEGIN IMMEDIATE` transaction, and a small pool of read-only connections.
//!
//! Spatial and time filters go through an R*Tree over (longitude, latitude, day), text search
//! through FTS5, and multi-valued filters through `event_terms`; see `store::sql` for the queries.

use std::collections::HashSet;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use uuid::Uuid;

use super::rules::{check_revision, same_fields, tombstone_from_json};
use super::sql::{self, Dialect};
use super::sqlite_read::Readers;
use super::sqlite_write as w;
use super::{Actor, ImportChunk, ImportCounts, ImportItem, Lookup, Prepared, RowStream, StoreError, Tombstone};
use crate::domain::event::EventData;
use crate::domain::filter::{Bucket, PageRequest};
use crate::domain::revision::Action;
use crate::domain::time::from_millis;
use crate::domain::{Event, EventFilter, Revision};

/// The page size of new databases, in bytes.
pub const PAGE_SIZE: u32 = 32 * 1024;

/// The SQLite store.
#[derive(Clone)]
pub struct SqliteStore {
    path: PathBuf,
    // Fields drop in this order: the readers close before the writer, so that the writer is the
    // last connection and its close checkpoints the log and deletes it (a read-only connection
    // closing last leaves the log behind, and the next process to open the database reads all of
    // it again).
    readers: Readers,
    writer: Arc<Mutex<Connection>>,
    /// Whether a streamed import into an empty database may take the database to itself
    /// (`sqlite_journal`): only for a process that does nothing else meanwhile.
    exclusive_loads: bool,
}

/// How long a connection waits for a lock held by another.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

fn join_error(e: tokio::task::JoinError) -> StoreError {
    StoreError::Internal(format!("database task failed: {e}"))
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `url` and runs the migrations.
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        let opts = SqliteConnectOptions::from_str(url)
            .map_err(|e| StoreError::Unavailable(format!("bad SQLite URL `{url}`: {e}")))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            // Only a new database takes this page size (an old one keeps its own until a VACUUM).
            // Rows of about 1.5 KB fill 32 KiB pages to 95 % against 75 % for 4 KiB ones, and
            // B-trees are shallower: a bulk import writes 10 % faster (docs/PERFORMANCE.md).
            .page_size(PAGE_SIZE);
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(opts.clone())
            .await
            .map_err(|e| StoreError::Unavailable(format!("cannot open `{url}`: {e}")))?;
        sqlx::migrate!("./migrations/sqlite")
            .run(&pool)
            .await
            .map_err(|e| StoreError::Internal(format!("migrating `{url}`: {e}")))?;
        pool.close().await;
        let path = opts.get_filename().to_path_buf();
        let p = path.clone();
        let (writer, readers) = tokio::task::spawn_blocking(move || -> Result<_, StoreError> {
            let c = Connection::open(&p)?;
            c.busy_timeout(BUSY_TIMEOUT)?;
            // FULL: a commit is on disk before it is acknowledged, even if the machine loses power.
            // The log is cut back to 64 MiB after a checkpoint (a large import grows it to the
            // size of what it wrote, and it would stay that size on disk).
            c.execute_batch(
                "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; \
                 PRAGMA temp_store = memory; PRAGMA mmap_size = 1073741824; PRAGMA journal_size_limit = 67108864;",
            )?;
            c.pragma_update(None, "cache_size", -super::sqlite_import::WRITER_CACHE_KIB)?;
            c.set_prepared_statement_cache_capacity(64);
            Ok((c, Readers::open(p, 4)?))
        })
        .await
        .map_err(join_error)??;
        Ok(Self { path, writer: Arc::new(Mutex::new(writer)), readers, exclusive_loads: false })
    }

    /// Opens the database for `eventmap import`: as [`SqliteStore::open`], and a streamed import
    /// into a database without events takes it to itself and writes it with a rollback journal
    /// (see `sqlite_journal`), unless another connection has it open.
    pub async fn open_for_import(url: &str) -> Result<Self, StoreError> {
        Ok(Self { exclusive_loads: true, ..Self::open(url).await? })
    }

    /// Runs `f` in one write transaction on a blocking thread; commits when it returns `Ok`.
    async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let writer = self.writer.clone();
        tokio::task::spawn_blocking(move || {
            let mut c = writer.lock().map_err(|_| StoreError::Internal("writer lock poisoned".into()))?;
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let out = f(&tx)?;
            tx.commit()?;
            Ok(out)
        })
        .await
        .map_err(join_error)?
    }

    /// Runs `f` on a fresh read connection on a blocking thread.
    async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        self.readers.run(f).await
    }

    /// The database file.
    pub(super) fn path(&self) -> &std::path::Path {
        &self.path
    }

    /// A consistent copy of the whole database into a new file (`VACUUM INTO`), safe while serving.
    pub async fn backup(&self, path: &str) -> Result<(), StoreError> {
        if std::path::Path::new(path).exists() {
            return Err(StoreError::Conflict(format!("`{path}` exists; choose a new file name")));
        }
        let db = self.path.clone();
        let target = path.to_string();
        tokio::task::spawn_blocking(move || -> Result<(), StoreError> {
            let c = Connection::open(db)?;
            c.busy_timeout(Duration::from_secs(30))?;
            c.execute("VACUUM INTO ?1", [target])?;
            Ok(())
        })
        .await
        .map_err(join_error)?
    }
}

#[async_trait]
impl super::EventStore for SqliteStore {
    async fn create(&self, id: Uuid, data: EventData, actor: &Actor) -> Result<Event, StoreError> {
        let actor = actor.clone();
        self.write(move |tx| {
            if w::load(tx, id)?.is_some() {
                return Err(StoreError::Conflict(format!("an event with id {id} exists")));
            }
            let (change, now) = w::reserve_changes(tx, 1)?;
            let mut ev = Event::new(id, data, now);
            let filled = w::resolve_sources(tx, &mut [&mut ev], now.timestamp_millis())?;
            let seq = w::next_seq(tx)?;
            let p = Prepared::new(ev);
            w::insert_event(tx, seq, change, &p)?;
            w::bump_max_duration(tx, p.t_max - p.t_start)?;
            w::record_revision(tx, seq, &p.event, &actor, Action::Create, None, None, Some(&p.event.data))?;
            w::refresh_citing(tx, &filled, &HashSet::from([seq]))?;
            Ok(p.event)
        })
        .await
    }

    async fn get(&self, id: Uuid) -> Result<Lookup, StoreError> {
        self.read(move |c| {
            let r = c
                .prepare_cached("SELECT deleted, feature, geometry_explicit FROM events WHERE id = ?1")?
                .query_row([id.to_string()], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?)))
                .optional()?;
            Ok(match r {
                None => Lookup::Missing,
                Some((1, feature, _)) => Lookup::Deleted(tombstone_from_json(id, &feature)),
                Some((_, feature, explicit)) => Lookup::Live(Box::new(
                    Event::from_feature_json(&feature, explicit != 0)
                        .map_err(|e| StoreError::Internal(format!("stored feature of {id} unreadable: {e}")))?,
                )),
            })
        })
        .await
    }

    async fn update(
        &self,
        id: Uuid,
        expected: Option<u32>,
        data: EventData,
        actor: &Actor,
        reason: Option<&str>,
    ) -> Result<Event, StoreError> {
        let (actor, reason) = (actor.clone(), reason.map(str::to_string));
        self.write(move |tx| {
            let cur = w::load(tx, id)?.ok_or(StoreError::NotFound(id))?;
            let before = check_revision(&cur, id, expected)?;
            let mut ev = Event { data, ..before.clone() };
            let (change, now) = w::reserve_changes(tx, 1)?;
            let filled = w::resolve_sources(tx, &mut [&mut ev], now.timestamp_millis())?;
            if same_fields(&before.data, &ev.data) && filled.is_empty() {
                // Nothing changed: the transaction is dropped, which rolls it back.
                return Ok(before);
            }
            ev.updated_at = now;
            ev.revision = before.revision + 1;
            let p = Prepared::new(ev);
            w::replace_event(tx, &mut w::Inserts::new(tx)?, cur.seq, change, &p, &before.data)?;
            w::record_revision(
                tx,
                cur.seq,
                &p.event,
                &actor,
                Action::Update,
                reason.as_deref(),
                Some(&before.data),
                Some(&p.event.data),
            )?;
            w::refresh_citing(tx, &filled, &HashSet::from([cur.seq]))?;
            Ok(p.event)
        })
        .await
    }

    async fn delete(
        &self,
        id: Uuid,
        expected: Option<u32>,
        actor: &Actor,
        reason: &str,
    ) -> Result<Tombstone, StoreError> {
        let (actor, reason) = (actor.clone(), reason.to_string());
        self.write(move |tx| {
            let cur = w::load(tx, id)?.ok_or(StoreError::NotFound(id))?;
            let before = check_revision(&cur, id, expected)?;
            let (change, now) = w::reserve_changes(tx, 1)?;
            let revision = w::tombstone(tx, cur.seq, &before, change, now, &reason)?;
            let gone = Event { updated_at: now, revision, ..before.clone() };
            w::record_revision(tx, cur.seq, &gone, &actor, Action::Delete, Some(&reason), Some(&before.data), None)?;
            Ok(Tombstone { id, deleted_at: now, reason: Some(reason), revision })
        })
        .await
    }

    fn list(&self, filter: &EventFilter, page: &PageRequest) -> RowStream {
        self.readers.rows(sql::list(Dialect::Sqlite, filter, page))
    }

    async fn count(&self, filter: &EventFilter) -> Result<u64, StoreError> {
        Ok(self.readers.scalar(sql::count(Dialect::Sqlite, filter)).await? as u64)
    }

    async fn histogram(&self, filter: &EventFilter, bucket: Bucket) -> Result<Vec<(DateTime<Utc>, u64)>, StoreError> {
        let rows = self.readers.pairs(sql::histogram(Dialect::Sqlite, filter, bucket)).await?;
        Ok(super::fold_histogram(rows.into_iter().map(|(b, n)| (b, n as u64)), bucket))
    }

    async fn history(&self, id: Uuid) -> Result<Vec<Revision>, StoreError> {
        let current = match self.get(id).await? {
            Lookup::Live(ev) => Some(ev.data),
            _ => None,
        };
        self.read(move |c| {
            let mut st = c.prepare_cached(
                "SELECT revision, at, actor, action, reason, changes FROM revisions \
                 WHERE seq = (SELECT seq FROM events WHERE id = ?1) ORDER BY revision",
            )?;
            let rows = st.query_map([id.to_string()], |r| {
                Ok((
                    r.get::<_, u32>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, Option<String>>(4)?,
                    r.get::<_, String>(5)?,
                ))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (revision, at, actor, action, reason, changes) = row?;
                out.push(Revision {
                    revision,
                    at: from_millis(at),
                    actor,
                    action: Action::parse(&action).ok_or_else(|| StoreError::Internal("bad action".into()))?,
                    reason,
                    changes: crate::domain::revision::decode(&changes)
                        .map_err(|e| StoreError::Internal(e.to_string()))?,
                });
            }
            crate::domain::revision::fill_creation(&mut out, current.as_ref());
            Ok(out)
        })
        .await
    }

    async fn import(&self, items: Vec<ImportItem>, actor: &Actor) -> Result<ImportCounts, StoreError> {
        let actor = actor.clone();
        self.write(move |tx| super::sqlite_import::import(tx, items, &actor)).await
    }

    async fn import_stream(
        &self,
        mut chunks: tokio::sync::mpsc::Receiver<ImportChunk>,
        actor: &Actor,
    ) -> Result<Option<ImportCounts>, StoreError> {
        let actor = actor.clone();
        let writer = self.writer.clone();
        let (readers, exclusive) = (self.readers.clone(), self.exclusive_loads);
        tokio::task::spawn_blocking(move || {
            let mut c = writer.lock().map_err(|_| StoreError::Internal("writer lock poisoned".into()))?;
            if !exclusive {
                return super::sqlite_import::stream(&mut c, &mut chunks, &actor);
            }
            // The readers of this process would keep the database from leaving WAL.
            readers.suspend();
            let (out, back) = match super::sqlite_journal::try_rollback_journal(&c, BUSY_TIMEOUT) {
                Ok(alone) => {
                    let out = super::sqlite_import::stream(&mut c, &mut chunks, &actor);
                    (out, if alone { super::sqlite_journal::back_to_wal(&c) } else { Ok(()) })
                }
                Err(e) => (Err(e), Ok(())),
            };
            let resumed = readers.resume();
            let out = out?;
            back?;
            resumed?;
            Ok(out)
        })
        .await
        .map_err(join_error)?
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.read(|c| Ok(c.query_row("SELECT 1", [], |r| r.get::<_, i64>(0)).map(|_| ())?)).await
    }
}

fn token_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<super::TokenInfo> {
    let role: String = r.get(2)?;
    Ok(super::TokenInfo {
        id: r.get(0)?,
        name: r.get(1)?,
        role: super::Role::parse(&role).ok_or_else(|| {
            rusqlite::Error::FromSqlConversionFailure(
                2,
                rusqlite::types::Type::Text,
                format!("unknown role `{role}`").into(),
            )
        })?,
        secret_hash: r.get(3)?,
        created_at: from_millis(r.get(4)?),
        revoked_at: r.get::<_, Option<i64>>(5)?.map(from_millis),
        last_used_at: r.get::<_, Option<i64>>(6)?.map(from_millis),
    })
}

#[async_trait]
impl super::TokenStore for SqliteStore {
    async fn insert_token(&self, t: &super::TokenInfo) -> Result<(), StoreError> {
        let t = t.clone();
        self.write(move |tx| {
            tx.execute(
                "INSERT INTO tokens (id, name, role, secret_hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![t.id, t.name, t.role.as_str(), t.secret_hash, t.created_at.timestamp_millis()],
            )?;
            Ok(())
        })
        .await
    }

    async fn token(&self, id: &str) -> Result<Option<super::TokenInfo>, StoreError> {
        let id = id.to_string();
        self.read(move |c| {
            Ok(c.prepare_cached(
                "SELECT id, name, role, secret_hash, created_at, revoked_at, last_used_at FROM tokens WHERE id = ?1",
            )?
            .query_row([id], token_row)
            .optional()?)
        })
        .await
    }

    async fn tokens(&self) -> Result<Vec<super::TokenInfo>, StoreError> {
        self.read(|c| {
            let mut st = c.prepare_cached(
                "SELECT id, name, role, secret_hash, created_at, revoked_at, last_used_at FROM tokens ORDER BY created_at, id",
            )?;
            let rows = st.query_map([], token_row)?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    async fn revoke_token(&self, id: &str) -> Result<bool, StoreError> {
        let id = id.to_string();
        self.write(move |tx| {
            let n = tx.execute(
                "UPDATE tokens SET revoked_at = ?1 WHERE id = ?2 AND revoked_at IS NULL",
                params![Utc::now().timestamp_millis(), id],
            )?;
            Ok(n == 1)
        })
        .await
    }

    async fn touch_token(&self, id: &str) -> Result<(), StoreError> {
        let id = id.to_string();
        self.write(move |tx| {
            tx.execute(
                "UPDATE tokens SET last_used_at = ?1 WHERE id = ?2",
                params![Utc::now().timestamp_millis(), id],
            )?;
            Ok(())
        })
        .await
    }
}

#[async_trait]
impl super::PlaceStore for SqliteStore {
    async fn custom_places(&self) -> Result<Vec<crate::gazetteer::CustomPlace>, StoreError> {
        self.read(|c| {
            let mut st = c.prepare_cached(
                "SELECT id, name, kind, country, admin1, lon, lat, population, names FROM places ORDER BY id",
            )?;
            let rows = st.query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, Option<String>>(4)?,
                    r.get::<_, f64>(5)?,
                    r.get::<_, f64>(6)?,
                    r.get::<_, i64>(7)?,
                    r.get::<_, String>(8)?,
                ))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (id, name, kind, country, admin1, lon, lat, population, names) = row?;
                out.push(crate::gazetteer::CustomPlace {
                    id,
                    name,
                    kind: crate::gazetteer::Kind::parse(&kind)
                        .ok_or_else(|| StoreError::Internal("bad kind".into()))?,
                    country,
                    admin1,
                    lon,
                    lat,
                    population: population as u64,
                    names: serde_json::from_str(&names).map_err(|e| StoreError::Internal(e.to_string()))?,
                });
            }
            Ok(out)
        })
        .await
    }

    async fn put_custom_places(&self, places: &[crate::gazetteer::CustomPlace], by: &Actor) -> Result<(), StoreError> {
        let (places, by) = (places.to_vec(), by.clone());
        self.write(move |tx| {
            let now = Utc::now().timestamp_millis();
            let mut st = tx.prepare_cached(
                "INSERT OR REPLACE INTO places (id, name, kind, country, admin1, lon, lat, population, names, created_at, created_by) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )?;
            for p in &places {
                st.execute(params![
                    p.id,
                    p.name,
                    p.kind.as_str(),
                    p.country,
                    p.admin1,
                    p.lon,
                    p.lat,
                    p.population as i64,
                    serde_json::to_string(&p.names).expect("strings serialise"),
                    now,
                    by.name
                ])?;
            }
            Ok(())
        })
        .await
    }
}

impl super::Store for SqliteStore {
    fn as_sqlite(&self) -> Option<&SqliteStore> {
        Some(self)
    }
}

#[cfg(test)]
mod tests {
    use rusqlite::Connection;

    /// Migration 0004 rebuilds `events` with named unique indexes and keeps every row and link.
    #[test]
    fn migration_4_keeps_every_event_and_link_and_their_rules() {
        let c = Connection::open_in_memory().unwrap();
        c.execute_batch("PRAGMA foreign_keys = ON").unwrap();
        for m in [
            include_str!("../../migrations/sqlite/0001_events.sql"),
            include_str!("../../migrations/sqlite/0002_tokens_places.sql"),
            include_str!("../../migrations/sqlite/0003_revisions_by_seq.sql"),
        ] {
            c.execute_batch(m).unwrap();
        }
        let insert = |c: &Connection, seq: i64, id: &str, change: i64| {
            c.execute(
                "INSERT INTO events (seq, id, t_start, t_max, t_day, category, status, created_at, updated_at, \
                 change_seq, revision, feature) VALUES (?1, ?2, ?1, ?1, 0, 'other', 'reported', 0, 0, ?3, 1, ?2)",
                rusqlite::params![seq, id, change],
            )
        };
        for (seq, id) in [(1, "b"), (2, "a"), (5, "c")] {
            insert(&c, seq, id, seq * 10).unwrap();
        }
        c.execute("INSERT INTO sources (id, url, created_at) VALUES ('s', 'https://example.org/s', 0)", []).unwrap();
        c.execute(
            "INSERT INTO event_sources (seq, source_id, position, excerpt) VALUES (2, 's', 0, 'x'), (5, 's', 0, NULL)",
            [],
        )
        .unwrap();
        let dump = |c: &Connection| -> Vec<String> {
            c.prepare(
                "SELECT seq || '|' || id || '|' || t_start || '|' || change_seq || '|' || feature FROM events ORDER BY seq",
            )
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .chain(
                c.prepare("SELECT seq || '|' || source_id || '|' || coalesce(excerpt, '-') FROM event_sources ORDER BY seq")
                    .unwrap()
                    .query_map([], |r| r.get(0))
                    .unwrap(),
            )
            .collect::<Result<_, _>>()
            .unwrap()
        };
        let before = dump(&c);
        // sqlx runs each migration in a transaction, foreign keys enforced.
        c.execute_batch(&format!(
            "BEGIN; {} COMMIT;",
            include_str!("../../migrations/sqlite/0004_events_named_indexes.sql")
        ))
        .unwrap();
        assert_eq!(dump(&c), before, "no event and no link lost");
        assert!(insert(&c, 6, "a", 60).is_err(), "ids stay unique");
        assert!(insert(&c, 6, "d", 10).is_err(), "change numbers stay unique");
        let parent: String = c
            .query_row(
                "SELECT \"table\" FROM pragma_foreign_key_list('event_sources') WHERE \"from\" = 'seq'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(parent, "events");
        c.execute("DELETE FROM events WHERE seq = 2", []).unwrap();
        let links: i64 = c.query_row("SELECT count(*) FROM event_sources", [], |r| r.get(0)).unwrap();
        assert_eq!(links, 1, "links still follow their event");
        let plan: String =
            c.query_row("EXPLAIN QUERY PLAN SELECT seq FROM events WHERE id = 'c'", [], |r| r.get(3)).unwrap();
        assert!(plan.contains("events_by_id"), "{plan}");
    }

    /// Migration 0003 moves every revision to its event's storage number, in order.
    #[test]
    fn migration_3_keys_every_revision_by_its_events_seq() {
        let c = Connection::open_in_memory().unwrap();
        c.execute_batch(include_str!("../../migrations/sqlite/0001_events.sql")).unwrap();
        c.execute_batch(include_str!("../../migrations/sqlite/0002_tokens_places.sql")).unwrap();
        for (seq, id) in [(1, "b"), (2, "a")] {
            c.execute(
                "INSERT INTO events (seq, id, t_start, t_max, t_day, category, status, created_at, updated_at, \
                 change_seq, revision, feature) VALUES (?1, ?2, 0, 0, 0, 'other', 'reported', 0, 0, ?1, 1, '{}')",
                rusqlite::params![seq, id],
            )
            .unwrap();
        }
        for (id, rev, action, changes) in
            [("a", 1, "create", "{}"), ("b", 1, "import", "{}"), ("a", 2, "update", r#"{"title":{}}"#)]
        {
            c.execute(
                "INSERT INTO revisions VALUES (?1, ?2, ?2 * 1000, 'desk', ?3, NULL, ?4)",
                rusqlite::params![id, rev, action, changes],
            )
            .unwrap();
        }
        c.execute_batch(include_str!("../../migrations/sqlite/0003_revisions_by_seq.sql")).unwrap();
        let rows: Vec<(i64, i64, i64, String, String)> = c
            .prepare("SELECT seq, revision, at, action, changes FROM revisions ORDER BY seq, revision")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            rows,
            vec![
                (1, 1, 1000, "import".into(), "{}".into()),
                (2, 1, 1000, "create".into(), "{}".into()),
                (2, 2, 2000, "update".into(), r#"{"title":{}}"#.into()),
            ]
        );
    }
}
