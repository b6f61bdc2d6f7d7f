//! The event store on PostgreSQL: writes take turns on the writers' lock (`write`), reads run
//! the SQL of `store::sql` in the PostgreSQL dialect on the pool.

use std::collections::HashSet;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures::StreamExt;
use sqlx::postgres::PgArguments;
use sqlx::query::Query;
use sqlx::{Postgres, Row as _};
use uuid::Uuid;

use super::write::{self as w, EventWrite, RevisionWrite};
use super::{BATCH, PING_TIMEOUT, PgStore};
use crate::domain::event::EventData;
use crate::domain::filter::{Bucket, PageRequest};
use crate::domain::revision::Action;
use crate::domain::tile::{CellCount, TileEvent, TileId};
use crate::domain::{Event, EventFilter, Revision};
use crate::store::rules::{self, check_revision, tombstone_from_json};
use crate::store::sql::{self, Bind, Dialect, Sql};
use crate::store::stored::{self, REVISION_COLUMNS};
use crate::store::{
    Actor, ImportChunk, ImportCounts, ImportItem, Lookup, Prepared, Row, RowStream, StoreError, Tombstone,
};

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

#[async_trait]
impl crate::store::EventStore for PgStore {
    async fn create(&self, id: Uuid, data: EventData, actor: &Actor) -> Result<Event, StoreError> {
        let mut tx = self.begin_write().await?;
        if !w::load(&mut tx, &[id]).await?.is_empty() {
            return Err(stored::id_taken(id));
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
        Ok(Lookup::Live(Box::new(stored::live_event(id, feature, r.try_get::<i16, _>(2)? != 0)?)))
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
        let Some(ev) = rules::revised(&before, ev, !filled.is_empty(), now) else {
            // Nothing changed: no revision, no change number.
            tx.rollback().await?;
            return Ok(before);
        };
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
        let gone = rules::deleted(&before, revision, now);
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
            // The page (at most 10,001 rows) is read whole and the connection goes back to the
            // pool before the first row is handed over, so that a client reading its response
            // slowly holds no connection while it waits.
            let read = bind_all(sqlx::query(&sql.text), &sql.binds).fetch_all(&pool).await;
            let rows = match read.and_then(|rows| rows.iter().map(decode_row).collect::<Result<Vec<_>, _>>()) {
                Ok(rows) => rows,
                Err(e) => {
                    let _ = tx.send(Err(e.into())).await;
                    return;
                }
            };
            let mut rows = rows.into_iter().peekable();
            while rows.peek().is_some() {
                if tx.send(Ok(rows.by_ref().take(BATCH).collect())).await.is_err() {
                    return;
                }
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
        Ok(crate::store::fold_histogram(pairs.into_iter(), bucket))
    }

    async fn histogram_by_category(
        &self,
        filter: &EventFilter,
        bucket: Bucket,
    ) -> Result<Vec<(DateTime<Utc>, String, u64)>, StoreError> {
        let sql = sql::histogram_by_category(Dialect::Postgres, filter, bucket);
        let rows = bind_all(sqlx::query(&sql.text), &sql.binds).fetch_all(&self.pool).await?;
        let mut triples = Vec::with_capacity(rows.len());
        for r in rows {
            triples.push((r.try_get::<i64, _>(0)?, r.try_get::<String, _>(1)?, r.try_get::<i64, _>(2)? as u64));
        }
        Ok(crate::store::fold_histogram_by_category(triples.into_iter(), bucket))
    }

    async fn tile_cells(&self, filter: &EventFilter, tile: &TileId) -> Result<Vec<CellCount>, StoreError> {
        let sql = sql::tiles::cells(Dialect::Postgres, filter, tile);
        let rows = bind_all(sqlx::query(&sql.text), &sql.binds).fetch_all(&self.pool).await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            out.push(CellCount {
                column: r.try_get::<i64, _>(0)? as u32,
                row: r.try_get::<i64, _>(1)? as u32,
                category: r.try_get(2)?,
                count: r.try_get::<i64, _>(3)? as u64,
                sum_lon: r.try_get(4)?,
                sum_lat: r.try_get(5)?,
            });
        }
        Ok(out)
    }

    async fn tile_events(
        &self,
        filter: &EventFilter,
        tile: &TileId,
        pad: f64,
        limit: u32,
    ) -> Result<Vec<TileEvent>, StoreError> {
        let sql = sql::tiles::events(Dialect::Postgres, filter, tile, pad, limit);
        let rows = bind_all(sqlx::query(&sql.text), &sql.binds).fetch_all(&self.pool).await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            out.push(TileEvent {
                feature: r.try_get(0)?,
                envelope: [r.try_get(1)?, r.try_get(2)?, r.try_get(3)?, r.try_get(4)?],
                in_tile: r.try_get::<i64, _>(5)? != 0,
            });
        }
        Ok(out)
    }

    async fn history(&self, id: Uuid) -> Result<Vec<Revision>, StoreError> {
        let current = match self.get(id).await? {
            Lookup::Live(ev) => Some(ev.data),
            _ => None,
        };
        let rows =
            sqlx::query(&format!("SELECT {REVISION_COLUMNS} FROM revisions WHERE event_id = $1 ORDER BY revision"))
                .bind(id)
                .fetch_all(&self.pool)
                .await?;
        let records = rows.iter().map(stored::revision).collect::<Result<Vec<_>, StoreError>>()?;
        Ok(stored::history(records, current.as_ref()))
    }

    async fn import(&self, items: Vec<ImportItem>, actor: &Actor) -> Result<ImportCounts, StoreError> {
        let mut tx = self.begin_write().await?;
        let counts = super::import::import_batch(&mut tx, items, actor).await?;
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
                ImportChunk::Rows(items) => counts += super::import::import_batch(&mut tx, items, actor).await?,
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
