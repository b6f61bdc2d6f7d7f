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
use crate::domain::filter::{Bucket, PageRequest, Sort};
use crate::domain::revision::Action;
use crate::domain::tile::{CellCount, TileEvent, TileId};
use crate::domain::{Event, EventFilter, Revision};
use crate::store::rules::{self, check_revision, tombstone_from_json};
use crate::store::sql::slices::{Slices, Span};
use crate::store::sql::{self, Bind, Dialect, Sql, plan, text_estimate};
use crate::store::stored::{self, REVISION_COLUMNS};
use crate::store::{
    Actor, ImportChunk, ImportCounts, ImportItem, Lookup, Prepared, Row, RowStream, StoreError, Tombstone,
};
use crate::store::{CountNext, Matched, after_bounded, estimated};

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

/// Column `i` of a row, a count or a real, as a number (NULL as 0).
fn as_number(r: &sqlx::postgres::PgRow, i: usize) -> Result<f64, StoreError> {
    Ok(match r.try_get::<Option<f64>, _>(i) {
        Ok(v) => v.unwrap_or(0.0),
        Err(_) => r.try_get::<Option<i64>, _>(i)?.unwrap_or(0) as f64,
    })
}

/// The first column of the first row of a query, as a number.
async fn number(c: &mut sqlx::PgConnection, sql: &Sql) -> Result<f64, StoreError> {
    as_number(&bind_all(sqlx::query(&sql.text), &sql.binds).fetch_one(&mut *c).await?, 0)
}

/// The numbers of the first row of a query, read on the pool.
///
/// Not kept prepared: each is planned for its own words (a common word's bounded count reads
/// the table in order and stops, a rare one's reads its GIN entries), where a plan kept for
/// the statement may have been made for any.
async fn numbers(pool: sqlx::PgPool, sql: Sql) -> Result<Vec<f64>, StoreError> {
    let r = bind_all(sqlx::query(&sql.text), &sql.binds).persistent(false).fetch_one(&pool).await?;
    (0..r.len()).map(|i| as_number(&r, i)).collect()
}

/// Reads a page on `c`: for a box, the cheap counts that choose the plan
/// (`store::sql::plan`) first, in one read-only transaction with bitmap scans off (a bitmap
/// scan collects every candidate before the first, where the probe wants to stop at its cap).
/// `pid` is set to the server process of `c` as soon as it is known, for [`cancel`].
async fn read_page(
    c: &mut sqlx::PgConnection,
    f: &EventFilter,
    p: &PageRequest,
    pid: &mut Option<i32>,
) -> Result<Vec<Row>, StoreError> {
    use sqlx::Connection as _;
    let mut tx = c.begin().await?;
    // (On for the probes of a box across the antimeridian over all time, which test it by an
    // `OR` of two indexes, `sql::Gist::needs_bitmaps`; a filter that is not walkable has none.)
    let bitmaps = if plan::walkable(f, p) && sql::Gist::needs_bitmaps(f) { "on" } else { "off" };
    let r = sqlx::query("SELECT pg_backend_pid(), set_config('enable_bitmapscan', $1, true)")
        .bind(bitmaps)
        .fetch_one(&mut *tx)
        .await?;
    *pid = Some(r.try_get(0)?);
    let mut gist = sql::Gist::Whole;
    let (how, expected) = if plan::walkable(f, p) {
        let cap = plan::index_cap(p.limit);
        gist = gist_for(&mut tx, f).await?;
        let candidates = number(&mut tx, &plan::probe(Dialect::Postgres, f, cap, gist)).await? as u64;
        // The window's events and the estimate are asked only when the index plan is out.
        let (window, estimate) = if candidates < cap {
            (0, 0.0)
        } else {
            let window = number(&mut tx, &plan::window_events(Dialect::Postgres, f)).await? as u64;
            (window, number(&mut tx, &plan::estimate(Dialect::Postgres, f)).await?)
        };
        plan::choose(p.limit, || Ok::<_, StoreError>(window), candidates, || Ok::<_, StoreError>(estimate))?
    } else if matches!(p.sort, Sort::StartAsc | Sort::StartDesc) && plan::walkable_text(f) {
        (text_plan(&mut tx, f, p).await?, 0.0)
    } else {
        (plan::Plan::Index, 0.0)
    };
    // The page itself is planned with bitmap scans allowed again, but for a common word: the
    // planner, which cannot tell how many events a window holds (its lower bound is a subquery),
    // took a year's 91,633 events from a bitmap of the time index and sorted them (520 ms
    // at 1,000,000 events) where the ordered walk stops after 242 (3 ms).
    if how != plan::Plan::TextWalk {
        sqlx::query("SELECT set_config('enable_bitmapscan', 'on', true)").execute(&mut *tx).await?;
    }
    let mut rows = Vec::new();
    if how == plan::Plan::Slices {
        let s = bind_all(sqlx::query(&plan::span(Dialect::Postgres).text), &[]).fetch_one(&mut *tx).await?;
        let span = Span {
            first_day: s.try_get(0)?,
            last_day: s.try_get(1)?,
            max_duration_ms: s.try_get::<Option<i64>, _>(2)?.unwrap_or(0),
        };
        let mut slices = Slices::new(f, p, span, expected);
        while let Some((from, to)) = slices.next_slice() {
            let page = PageRequest { limit: slices.wanted() as u32 - 1, ..*p };
            let sql = sql::list_planned(Dialect::Postgres, f, &page, plan::Plan::Slice { from, to }, gist);
            let got = bind_all(sqlx::query(&sql.text), &sql.binds).fetch_all(&mut *tx).await?;
            slices.found(got.len() as u64);
            rows.extend(got);
        }
    } else {
        let sql = sql::list_planned(Dialect::Postgres, f, p, how, gist);
        rows = bind_all(sqlx::query(&sql.text), &sql.binds).fetch_all(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(rows.iter().map(decode_row).collect::<Result<Vec<_>, _>>()?)
}

/// Where a box query finds its candidates ([`sql::Gist`]), from the box's events over all time
/// in the count by cell when two indexes could serve it.
async fn gist_for(c: &mut sqlx::PgConnection, f: &EventFilter) -> Result<sql::Gist, StoreError> {
    if !sql::Gist::worth_asking(f) {
        return Ok(sql::Gist::Whole);
    }
    Ok(sql::Gist::choose(f, number(c, &plan::box_events(Dialect::Postgres, f)).await?))
}

/// The plan of a text search's page, as on SQLite: [`plan::Plan::TextWalk`] (the time index
/// walked in order, each event's words tested) when the words are common enough that a page is
/// found sooner that way than by collecting every match from the GIN index. The share of events
/// the text matches comes from a sample of [`text_estimate::SHARE_SAMPLED`] event numbers.
async fn text_plan(c: &mut sqlx::PgConnection, f: &EventFilter, p: &PageRequest) -> Result<plan::Plan, StoreError> {
    let window = number(&mut *c, &plan::window_events(Dialect::Postgres, f)).await?;
    let last = number(&mut *c, &text_estimate::last_number(Dialect::Postgres)).await?;
    let ranges = text_estimate::share(last as i64);
    let Some(sample) = text_estimate::sample(Dialect::Postgres, f, &ranges) else { return Ok(plan::Plan::Index) };
    let share = number(&mut *c, &sample).await? / (text_estimate::sampled(&ranges) as f64).max(1.0);
    let common = share * window >= plan::text_threshold(p.limit, window as u64) as f64;
    Ok(if common { plan::Plan::TextWalk } else { plan::Plan::Index })
}

/// Asks the server to cancel what its process `pid` runs (a statement whose request has gone).
async fn cancel(pool: &sqlx::PgPool, pid: i32) {
    if let Err(e) = sqlx::query("SELECT pg_cancel_backend($1)").bind(pid).execute(pool).await {
        tracing::warn!(cause = %e, "cancelling an abandoned statement failed");
    }
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
        let revision = w::tombstone(&mut tx, cur.seq, &before, change, now, reason, None).await?;
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
        Ok(Tombstone { id, deleted_at: now, reason: Some(reason.to_string()), revision, merged_into: None })
    }

    async fn merge(
        &self,
        id: Uuid,
        expected: Option<u32>,
        into: Uuid,
        actor: &Actor,
        reason: &str,
    ) -> Result<(Event, Tombstone), StoreError> {
        let mut tx = self.begin_write().await?;
        let mut cur = w::load(&mut tx, &[id, into]).await?;
        let (from, target) = (cur.remove(&id), cur.remove(&into));
        let (before, survivor) = rules::check_merge(from.as_ref(), id, expected, target.as_ref(), into)?;
        let (from, target) = (from.expect("checked"), target.expect("checked"));
        let (change, now) = w::reserve_changes(&mut tx, 2).await?;
        let mut ev = rules::merged(&survivor, &before);
        let filled = w::resolve_sources(&mut tx, &mut [&mut ev], now.timestamp_millis()).await?;
        let why = rules::merge_reason(id, reason);
        let kept = match rules::revised(&survivor, ev, !filled.is_empty(), now) {
            Some(ev) => {
                let p = Prepared::new(ev);
                w::replace_events(&mut tx, &[EventWrite { seq: target.seq, change, p: &p }], &[&survivor.data]).await?;
                let rev = RevisionWrite {
                    event: &p.event,
                    action: Action::Update,
                    reason: Some(&why),
                    before: Some(&survivor.data),
                    after: Some(&p.event.data),
                };
                w::record_revisions(&mut tx, actor, &[rev]).await?;
                w::refresh_citing(&mut tx, &filled, &HashSet::from([target.seq])).await?;
                p.event
            }
            None => survivor,
        };
        let revision = w::tombstone(&mut tx, from.seq, &before, change + 1, now, reason, Some(into)).await?;
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
        Ok((
            kept,
            Tombstone { id, deleted_at: now, reason: Some(reason.to_string()), revision, merged_into: Some(into) },
        ))
    }

    fn list(&self, filter: &EventFilter, page: &PageRequest) -> RowStream {
        let (f, p) = (filter.clone(), *page);
        let pool = self.pool.clone();
        let (tx, rx) = tokio::sync::mpsc::channel::<Result<Vec<Row>, StoreError>>(4);
        tokio::spawn(async move {
            // The page (at most 10,001 rows) is read whole and the connection goes back to the
            // pool before the first row is handed over, so that a client reading its response
            // slowly holds no connection while it waits.
            let mut conn = match pool.acquire().await {
                Ok(c) => c,
                Err(e) => {
                    let _ = tx.send(Err(e.into())).await;
                    return;
                }
            };
            let mut pid = None;
            let read = tokio::select! {
                read = read_page(&mut conn, &f, &p, &mut pid) => Some(read),
                () = tx.closed() => None,
            };
            let Some(read) = read else {
                // The response was dropped (the client left, the time limit ended the request):
                // its statement is cancelled before the connection goes back to the pool, so
                // abandoned work never queues ahead of live readers.
                if let Some(pid) = pid {
                    cancel(&pool, pid).await;
                }
                return;
            };
            drop(conn);
            let rows = match read {
                Ok(rows) => rows,
                Err(e) => {
                    let _ = tx.send(Err(e)).await;
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

    async fn matched(&self, filter: &EventFilter, exact: bool) -> Result<Matched, StoreError> {
        let f = filter;
        if exact || sql::counted_by_table(f) {
            return Ok(Matched { n: self.count(f).await?, exact: true });
        }
        if plan::text_counted(f) {
            let pool = &self.pool;
            if let Some(m) = text_estimate::matched(Dialect::Postgres, f, |sql| numbers(pool.clone(), sql)).await? {
                return Ok(m);
            }
        }
        let bound = plan::EXACT_BOUND;
        // The events the count table places inside the box pass the bound: no count.
        if sql::inside::bounds(f) {
            let mut c = self.pool.acquire().await?;
            let span = plan::span(Dialect::Postgres);
            let r = bind_all(sqlx::query(&span.text), &span.binds).fetch_one(&mut *c).await?;
            let days = (r.try_get::<i64, _>(0)?, r.try_get::<i64, _>(1)?);
            let lower = sql::inside::lower_bound(Dialect::Postgres, f, days).expect("the table bounds the filter");
            let lower = number(&mut c, &lower).await?;
            if lower > bound as f64 {
                return Ok(estimated(number(&mut c, &plan::estimate(Dialect::Postgres, f)).await?.max(lower)));
            }
        }
        let mut tx = self.pool.begin().await?;
        // Bitmap scans off so that a bounded count stops at its cap on a box's GiST. Not for a
        // text: its GIN index is read by bitmap scans only, and without them a rare word was
        // counted by reading every event (2.3 s at 1,000,000 events for a word in none).
        // Nor for a box over all time tested by an `OR` of two indexes (`sql::Gist::needs_bitmaps`).
        if f.q.is_none() && !sql::Gist::needs_bitmaps(f) {
            sqlx::query("SET LOCAL enable_bitmapscan = off").execute(&mut *tx).await?;
        }
        let page = PageRequest::default();
        let upto = if plan::walkable(f, &page) {
            // The box's candidates in the space-time index, and those matching, in one scan.
            // Two indexes only where this filter itself would take them (not for its slices).
            // Over all time a box takes them whatever the estimate (`Gist::splits`).
            let ask = sql::Gist::Split.splits(f) && !sql::Gist::Whole.splits(f);
            let gist = if ask { gist_for(&mut tx, f).await? } else { sql::Gist::Whole };
            let sql = plan::probe_counted(f, bound + 1, gist);
            let r = bind_all(sqlx::query(&sql.text), &sql.binds).fetch_one(&mut *tx).await?;
            let (candidates, matching) = (r.try_get::<i64, _>(0)? as u64, r.try_get::<i64, _>(1)? as u64);
            if candidates > bound { bound + 1 } else { matching }
        } else {
            number(&mut tx, &sql::count_upto(Dialect::Postgres, f, bound)).await? as u64
        };
        tx.commit().await?;
        match after_bounded(f, upto) {
            CountNext::Done(m) => Ok(m),
            CountNext::Estimate => {
                let mut c = self.pool.acquire().await?;
                Ok(estimated(number(&mut c, &plan::estimate(Dialect::Postgres, f)).await?))
            }
            CountNext::Exact => Ok(Matched { n: self.count(f).await?, exact: true }),
        }
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
        let mut window = None;
        if sql::tile_counts::wants_window(filter, tile) {
            let w = plan::window_count(Dialect::Postgres, filter);
            let r = bind_all(sqlx::query(&w.text), &w.binds).fetch_one(&self.pool).await?;
            window = Some((r.try_get::<i64, _>(0)? as u64, r.try_get::<i64, _>(1)? as u64));
        }
        let mut out = Vec::new();
        for sql in sql::tile_counts::queries(Dialect::Postgres, filter, tile, window) {
            for r in bind_all(sqlx::query(&sql.text), &sql.binds).fetch_all(&self.pool).await? {
                out.push(CellCount {
                    column: r.try_get::<i64, _>(0)? as u32,
                    row: r.try_get::<i64, _>(1)? as u32,
                    category: r.try_get(2)?,
                    count: r.try_get::<i64, _>(3)? as u64,
                    sum_lon: r.try_get(4)?,
                    sum_lat: r.try_get(5)?,
                });
            }
        }
        Ok(sql::tile_counts::merge(out))
    }

    async fn tile_surely_full(
        &self,
        filter: &EventFilter,
        tile: &TileId,
        pad: f64,
        limit: u32,
    ) -> Result<bool, StoreError> {
        if !sql::tiles::indexed(filter) {
            return Ok(false);
        }
        let sql = sql::tiles::positions_near(Dialect::Postgres, filter, tile, pad, limit);
        let n: i64 = bind_all(sqlx::query(&sql.text), &sql.binds).fetch_one(&self.pool).await?.try_get(0)?;
        Ok(n >= i64::from(limit))
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
                position: [r.try_get(6)?, r.try_get(7)?],
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
        let counts = super::import::import_batch(&mut tx, items, actor, self.import_road, None).await?;
        tx.commit().await?;
        Ok(counts)
    }

    async fn import_stream(
        &self,
        mut chunks: tokio::sync::mpsc::Receiver<ImportChunk>,
        actor: &Actor,
    ) -> Result<Option<ImportCounts>, StoreError> {
        let mut tx = self.begin_write().await?;
        // Whether the indexes are built at the end (`bulk`) is decided at the first rows into an
        // empty database, and into one that holds events at the second batch: the share of its
        // first batch that the load wrote (new or changed) tells how many of the rows it
        // announced it will write. A re-import of what is stored writes nothing, and never pays
        // for building every index again.
        let mut may_defer = self.may_defer(&mut tx).await?;
        let (mut deferred, mut expected, mut seen) = (None, None, 0u64);
        let mut counts = ImportCounts::default();
        while let Some(chunk) = chunks.recv().await {
            match chunk {
                ImportChunk::Expect(n) => expected = Some(n),
                ImportChunk::Rows(items) => {
                    if let Some(held) = may_defer.filter(|&held| held == 0 || seen > 0) {
                        may_defer = None;
                        let written = counts.created + counts.updated;
                        let writes =
                            expected.map(|n| (u128::from(n) * u128::from(written) / u128::from(seen.max(1))) as u64);
                        deferred = self.defer_indexes(&mut tx, held, writes).await?;
                    }
                    seen += items.len() as u64;
                    let kept = deferred.as_mut().and_then(|d| d.terms.as_mut());
                    counts += super::import::import_batch(&mut tx, items, actor, self.import_road, kept).await?
                }
                ImportChunk::Commit => {
                    let built = deferred.is_some();
                    if let Some(d) = deferred {
                        let t = std::time::Instant::now();
                        super::bulk::finish(&mut tx, d).await?;
                        tracing::debug!(took = ?t.elapsed(), "indexes built");
                    }
                    tx.commit().await?;
                    if built {
                        self.vacuum_after_bulk_load().await;
                    }
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
