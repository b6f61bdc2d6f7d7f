//! Imports on PostgreSQL: a batch is decided in memory (what each item becomes, with storage
//! and change numbers in item order, exactly as on SQLite) and written a few statements at a
//! time: the new events by `COPY` ([`ImportRoad::Copy`], `copy_rows`), or by bound arrays
//! ([`ImportRoad::Arrays`], the road of single writes, kept as the reference); changed events
//! are updated by bound arrays on either road.

use std::collections::{HashMap, HashSet};

use sqlx::Postgres;
use uuid::Uuid;

use super::bulk::KeptTerms;
use super::copy_rows::{self, NewEvent};
use super::write::{self as w, EventWrite, RevisionWrite};
use crate::domain::Event;
use crate::domain::event::EventData;
use crate::domain::revision::Action;
use crate::store::rules::{Current, same_fields};
use crate::store::{Actor, ImportCounts, ImportItem, Prepared, StoreError};

/// How an import writes the events it creates (changed ones are updated the same way on both).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ImportRoad {
    /// `COPY` of every new row, the events streamed while they are rendered (`copy_rows`).
    #[default]
    Copy,
    /// `INSERT ... SELECT FROM UNNEST` of bound arrays, a few thousand rows a statement: the
    /// road of single writes, kept for imports as the reference that the COPY road is tested
    /// and measured against.
    Arrays,
}

/// An import, decided: what each item becomes, with change and storage numbers assigned in
/// item order exactly as on SQLite. New events are rendered later, by the road that writes them.
#[derive(Default)]
struct ImportPlan {
    new: Vec<NewEvent>,
    changed: Vec<(i64, i64, Prepared, EventData)>,
    counts: ImportCounts,
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
                plan.new.push(NewEvent { seq, change, event: ev });
                plan.touched.insert(seq);
                seq += 1;
                change += 1;
                plan.counts.created += 1;
            }
        }
    }
    plan
}

/// Writes one batch of an import inside `tx`: new ids created, changed ones revised, identical
/// ones left alone. With `kept` (a first load, `bulk`), the terms of new events are kept for its
/// end.
pub(super) async fn import_batch(
    tx: &mut sqlx::Transaction<'static, Postgres>,
    items: Vec<ImportItem>,
    actor: &Actor,
    road: ImportRoad,
    mut kept: Option<&mut KeptTerms>,
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
    let plan = blocking(move || plan_import(events, &existing, seq, change)).await?;
    if let Some(k) = kept.as_deref_mut() {
        k.forget(plan.changed.iter().map(|(seq, ..)| *seq));
    }
    let longest = match road {
        ImportRoad::Copy => copy_rows::copy_new(tx, plan.new, actor, kept.as_deref_mut()).await?,
        ImportRoad::Arrays => insert_arrays(tx, plan.new, actor).await?,
    };
    let changed: Vec<EventWrite<'_>> =
        plan.changed.iter().map(|(seq, change, p, _)| EventWrite { seq: *seq, change: *change, p }).collect();
    let before: Vec<&EventData> = plan.changed.iter().map(|(.., b)| b).collect();
    w::replace_events(tx, &changed, &before).await?;
    let revs: Vec<RevisionWrite<'_>> = plan
        .changed
        .iter()
        .map(|(_, _, p, b)| RevisionWrite {
            event: &p.event,
            action: Action::Import,
            reason: None,
            before: Some(b),
            after: Some(&p.event.data),
        })
        .collect();
    w::record_revisions(tx, actor, &revs).await?;
    w::bump_max_duration(tx, longest).await?;
    let refreshed = w::refresh_citing(tx, &filled, &plan.touched).await?;
    if let Some(k) = kept {
        k.forget(refreshed);
    }
    Ok(plan.counts)
}

/// Runs CPU work on a blocking thread.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T, StoreError> {
    tokio::task::spawn_blocking(f).await.map_err(|e| StoreError::Internal(format!("import task failed: {e}")))
}

/// The array road for new events: rendered, then inserted with their derived rows and
/// revisions by `write`'s statements. Returns the longest interval among them.
async fn insert_arrays(c: &mut sqlx::PgConnection, new: Vec<NewEvent>, actor: &Actor) -> Result<i64, StoreError> {
    let prepared: Vec<(i64, i64, Prepared)> =
        blocking(move || new.into_iter().map(|n| (n.seq, n.change, Prepared::new(n.event))).collect()).await?;
    let rows: Vec<EventWrite<'_>> =
        prepared.iter().map(|(seq, change, p)| EventWrite { seq: *seq, change: *change, p }).collect();
    w::insert_events(c, &rows).await?;
    let revs: Vec<RevisionWrite<'_>> = prepared
        .iter()
        .map(|(_, _, p)| RevisionWrite {
            event: &p.event,
            action: Action::Import,
            reason: None,
            before: None,
            after: Some(&p.event.data),
        })
        .collect();
    w::record_revisions(c, actor, &revs).await?;
    Ok(prepared.iter().map(|(_, _, p)| p.t_max - p.t_start).max().unwrap_or(0))
}
