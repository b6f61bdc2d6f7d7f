//! The event store on SQLite: each write one `BEGIN IMMEDIATE` transaction on the writer
//! (`write`), each read on a pooled read-only connection (`read`), lists through the SQL of
//! `store::sql`.

use std::collections::HashSet;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension};
use uuid::Uuid;

use super::import;
use super::read::{numbers, page_rows};
use super::write as w;
use super::{BUSY_TIMEOUT, SqliteStore, join_error};
use crate::domain::event::EventData;
use crate::domain::filter::{Bucket, PageRequest, Sort};
use crate::domain::revision::Action;
use crate::domain::tile::{CellCount, TileEvent, TileId};
use crate::domain::{Event, EventFilter, Revision};
use crate::store::rules::{self, check_revision, tombstone_from_json};
use crate::store::sql::slices::{Slices, Span};
use crate::store::sql::{self, Dialect, plan, text_estimate};
use crate::store::stored::{self, REVISION_COLUMNS};
use crate::store::{
    Actor, ImportChunk, ImportCounts, ImportItem, Lookup, Prepared, Row, RowStream, StoreError, Tombstone,
};
use crate::store::{CountNext, Matched, after_bounded, estimated};

/// [`text_estimate::matched`] on a connection: its questions answered one after another.
fn text_matched(conn: &Connection, f: &EventFilter) -> Result<Option<Matched>, StoreError> {
    futures::executor::block_on(text_estimate::matched(Dialect::Sqlite, f, |sql| {
        std::future::ready(numbers(conn, &sql))
    }))
}

/// A page by the slices plan: one query per slice of start times until the page is full.
fn sliced(conn: &Connection, f: &EventFilter, p: &PageRequest, expected: f64) -> Result<Vec<Row>, StoreError> {
    let s = numbers(conn, &plan::span(Dialect::Sqlite))?;
    let span = Span { first_day: s[0] as i64, last_day: s[1] as i64, max_duration_ms: s[2] as i64 };
    let mut slices = Slices::new(f, p, span, expected);
    let mut rows = Vec::new();
    while let Some((from, to)) = slices.next_slice() {
        // The space index alone says whether the slice holds far more starts than the page
        // wants (a few microseconds a candidate, against fetching and sorting each).
        let how = plan::Plan::Slice { from, to };
        let cap = slices.probe_cap();
        if numbers(conn, &plan::slice_probe(f, from, to, cap))?[0] as u64 >= cap && slices.crowded(from, to) {
            continue;
        }
        let page = PageRequest { limit: slices.wanted() as u32 - 1, ..*p };
        let got = page_rows(conn, &sql::list_planned(Dialect::Sqlite, f, &page, how, sql::Gist::Whole))?;
        slices.found(got.len() as u64);
        rows.extend(got);
    }
    Ok(rows)
}

#[async_trait]
impl crate::store::EventStore for SqliteStore {
    async fn create(&self, id: Uuid, data: EventData, actor: &Actor) -> Result<Event, StoreError> {
        let actor = actor.clone();
        self.write(move |tx| {
            if w::load(tx, id)?.is_some() {
                return Err(stored::id_taken(id));
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
                Some((_, feature, explicit)) => {
                    Lookup::Live(Box::new(stored::live_event(id, &feature, explicit != 0)?))
                }
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
            let Some(ev) = rules::revised(&before, ev, !filled.is_empty(), now) else {
                // Nothing changed: the transaction is dropped, which rolls it back.
                return Ok(before);
            };
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
            let revision = w::tombstone(tx, cur.seq, &before, change, now, &reason, None)?;
            let gone = rules::deleted(&before, revision, now);
            w::record_revision(tx, cur.seq, &gone, &actor, Action::Delete, Some(&reason), Some(&before.data), None)?;
            Ok(Tombstone { id, deleted_at: now, reason: Some(reason), revision, merged_into: None })
        })
        .await
    }

    async fn merge(
        &self,
        id: Uuid,
        expected: Option<u32>,
        into: Uuid,
        actor: &Actor,
        reason: &str,
    ) -> Result<(Event, Tombstone), StoreError> {
        let (actor, reason) = (actor.clone(), reason.to_string());
        self.write(move |tx| {
            let (from, target) = (w::load(tx, id)?, w::load(tx, into)?);
            let (before, survivor) = rules::check_merge(from.as_ref(), id, expected, target.as_ref(), into)?;
            let (from, target) = (from.expect("checked"), target.expect("checked"));
            let (change, now) = w::reserve_changes(tx, 2)?;
            let mut ev = rules::merged(&survivor, &before);
            let filled = w::resolve_sources(tx, &mut [&mut ev], now.timestamp_millis())?;
            let kept = match rules::revised(&survivor, ev, !filled.is_empty(), now) {
                Some(ev) => {
                    let p = Prepared::new(ev);
                    w::replace_event(tx, &mut w::Inserts::new(tx)?, target.seq, change, &p, &survivor.data)?;
                    let why = rules::merge_reason(id, &reason);
                    let (b, a) = (Some(&survivor.data), Some(&p.event.data));
                    w::record_revision(tx, target.seq, &p.event, &actor, Action::Update, Some(&why), b, a)?;
                    w::refresh_citing(tx, &filled, &HashSet::from([target.seq]))?;
                    p.event
                }
                None => survivor,
            };
            let revision = w::tombstone(tx, from.seq, &before, change + 1, now, &reason, Some(into))?;
            let gone = rules::deleted(&before, revision, now);
            w::record_revision(tx, from.seq, &gone, &actor, Action::Delete, Some(&reason), Some(&before.data), None)?;
            Ok((kept, Tombstone { id, deleted_at: now, reason: Some(reason), revision, merged_into: Some(into) }))
        })
        .await
    }

    fn list(&self, filter: &EventFilter, page: &PageRequest) -> RowStream {
        let (f, p) = (filter.clone(), *page);
        self.readers.rows_with(move |conn| {
            let by_start = matches!(p.sort, Sort::StartAsc | Sort::StartDesc);
            let how = if plan::walkable(&f, &p) {
                let window =
                    || Ok::<_, StoreError>(numbers(conn, &plan::window_events(Dialect::Sqlite, &f))?[0] as u64);
                let cap = plan::index_cap(p.limit);
                let candidates = numbers(conn, &plan::probe(Dialect::Sqlite, &f, cap, sql::Gist::Whole))?[0] as u64;
                let estimate = || Ok::<_, StoreError>(numbers(conn, &plan::estimate(Dialect::Sqlite, &f))?[0]);
                match plan::choose(p.limit, window, candidates, estimate)? {
                    (plan::Plan::Slices, expected) => return sliced(conn, &f, &p, expected),
                    (how, _) => how,
                }
            } else if by_start && plan::walkable_text(&f) {
                // A common word walks the time index; a rare one collects its few matches.
                let window = numbers(conn, &plan::window_events(Dialect::Sqlite, &f))?[0] as u64;
                let cap = plan::text_threshold(p.limit, window);
                match plan::fts_probe(&f, cap) {
                    Some(probe) if numbers(conn, &probe)?[0] as u64 >= cap => plan::Plan::TextWalk,
                    _ => plan::Plan::Index,
                }
            } else {
                plan::Plan::Index
            };
            page_rows(conn, &sql::list_planned(Dialect::Sqlite, &f, &p, how, sql::Gist::Whole))
        })
    }

    async fn count(&self, filter: &EventFilter) -> Result<u64, StoreError> {
        Ok(self.readers.scalar(sql::count(Dialect::Sqlite, filter)).await? as u64)
    }

    async fn matched(&self, filter: &EventFilter, exact: bool) -> Result<Matched, StoreError> {
        let f = filter.clone();
        self.readers
            .run(move |conn| {
                let exactly = |conn: &Connection| -> Result<Matched, StoreError> {
                    Ok(Matched { n: numbers(conn, &sql::count(Dialect::Sqlite, &f))?[0] as u64, exact: true })
                };
                if exact || sql::counted_by_table(&f) {
                    return exactly(conn);
                }
                let bound = plan::EXACT_BOUND;
                if plan::text_counted(&f) {
                    if let Some(m) = text_matched(conn, &f)? {
                        return Ok(m);
                    }
                }
                // The events the count table places inside the box pass the bound: no count.
                if sql::inside::bounds(&f) {
                    let span = numbers(conn, &plan::span(Dialect::Sqlite))?;
                    let lower = sql::inside::lower_bound(Dialect::Sqlite, &f, (span[0] as i64, span[1] as i64));
                    let lower = numbers(conn, &lower.expect("the table bounds the filter"))?[0];
                    if lower > bound as f64 {
                        let estimate = numbers(conn, &plan::estimate(Dialect::Sqlite, &f))?[0];
                        return Ok(estimated(estimate.max(lower)));
                    }
                }
                // A box holding more candidates than the bound is estimated without counting.
                let page = PageRequest::default();
                let upto = if let Some(count) = plan::rtree_count(&f, bound + 1) {
                    // A box and a window: counted exactly on the R*Tree, stopping past the bound.
                    numbers(conn, &count)?[0] as u64
                } else if plan::walkable(&f, &page)
                    && numbers(conn, &plan::probe(Dialect::Sqlite, &f, bound + 1, sql::Gist::Whole))?[0] as u64 > bound
                {
                    bound + 1
                } else {
                    numbers(conn, &sql::count_upto(Dialect::Sqlite, &f, bound))?[0] as u64
                };
                match after_bounded(&f, upto) {
                    CountNext::Done(m) => Ok(m),
                    CountNext::Estimate => Ok(estimated(numbers(conn, &plan::estimate(Dialect::Sqlite, &f))?[0])),
                    CountNext::Exact => exactly(conn),
                }
            })
            .await
    }

    async fn histogram(&self, filter: &EventFilter, bucket: Bucket) -> Result<Vec<(DateTime<Utc>, u64)>, StoreError> {
        let rows = self.readers.pairs(sql::histogram(Dialect::Sqlite, filter, bucket)).await?;
        Ok(crate::store::fold_histogram(rows.into_iter().map(|(b, n)| (b, n as u64)), bucket))
    }

    async fn histogram_by_category(
        &self,
        filter: &EventFilter,
        bucket: Bucket,
    ) -> Result<Vec<(DateTime<Utc>, String, u64)>, StoreError> {
        let rows = self.readers.triples(sql::histogram_by_category(Dialect::Sqlite, filter, bucket)).await?;
        Ok(crate::store::fold_histogram_by_category(rows.into_iter().map(|(b, c, n)| (b, c, n as u64)), bucket))
    }

    async fn tile_cells(&self, filter: &EventFilter, tile: &TileId) -> Result<Vec<CellCount>, StoreError> {
        let mut window = None;
        if sql::tile_counts::wants_window(filter, tile) {
            let count = plan::window_count(Dialect::Sqlite, filter);
            let rows =
                self.readers.map_rows(count, |r| Ok((r.get::<_, i64>(0)? as u64, r.get::<_, i64>(1)? as u64))).await?;
            window = rows.first().copied();
        }
        let mut rows = Vec::new();
        for sql in sql::tile_counts::queries(Dialect::Sqlite, filter, tile, window) {
            rows.extend(
                self.readers
                    .map_rows(sql, |r| {
                        Ok(CellCount {
                            column: r.get::<_, i64>(0)? as u32,
                            row: r.get::<_, i64>(1)? as u32,
                            category: r.get(2)?,
                            count: r.get::<_, i64>(3)? as u64,
                            sum_lon: r.get(4)?,
                            sum_lat: r.get(5)?,
                        })
                    })
                    .await?,
            );
        }
        Ok(sql::tile_counts::merge(rows))
    }

    async fn tile_events(
        &self,
        filter: &EventFilter,
        tile: &TileId,
        pad: f64,
        limit: u32,
    ) -> Result<Vec<TileEvent>, StoreError> {
        let sql = sql::tiles::events(Dialect::Sqlite, filter, tile, pad, limit);
        self.readers
            .map_rows(sql, |r| {
                Ok(TileEvent {
                    feature: r.get(0)?,
                    envelope: [r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?],
                    in_tile: r.get::<_, i64>(5)? != 0,
                    position: [r.get(6)?, r.get(7)?],
                })
            })
            .await
    }

    async fn history(&self, id: Uuid) -> Result<Vec<Revision>, StoreError> {
        let current = match self.get(id).await? {
            Lookup::Live(ev) => Some(ev.data),
            _ => None,
        };
        self.read(move |c| {
            let mut st = c.prepare_cached(&format!(
                "SELECT {REVISION_COLUMNS} FROM revisions WHERE seq = (SELECT seq FROM events WHERE id = ?1) \
                 ORDER BY revision"
            ))?;
            let rows = st.query_map([id.to_string()], |r| Ok(stored::revision(r)))?;
            let records = rows.map(|r| r?).collect::<Result<Vec<_>, StoreError>>()?;
            Ok(stored::history(records, current.as_ref()))
        })
        .await
    }

    async fn import(&self, items: Vec<ImportItem>, actor: &Actor) -> Result<ImportCounts, StoreError> {
        let actor = actor.clone();
        let counts = self.write(move |tx| import::import(tx, items, &actor)).await?;
        // An import is many writes at once: its pages leave the log now, not at the next round.
        self.wal_bell.ring();
        Ok(counts)
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
                let out = import::stream(&mut c, &mut chunks, &actor)?;
                // Its pages leave the log now: a streamed import writes all of them to it.
                Self::truncate_wal(&c, &readers);
                return Ok(out);
            }
            // The readers of this process would keep the database from leaving WAL.
            readers.suspend();
            let (out, back) = match import::journal::try_rollback_journal(&c, BUSY_TIMEOUT) {
                Ok(alone) => {
                    let out = import::stream(&mut c, &mut chunks, &actor);
                    (out, if alone { import::journal::back_to_wal(&c) } else { Ok(()) })
                }
                Err(e) => (Err(e), Ok(())),
            };
            let resumed = readers.resume();
            let out = out?;
            back?;
            resumed?;
            Self::truncate_wal(&c, &readers);
            Ok(out)
        })
        .await
        .map_err(join_error)?
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.read(|c| Ok(c.query_row("SELECT 1", [], |r| r.get::<_, i64>(0)).map(|_| ())?)).await
    }
}
