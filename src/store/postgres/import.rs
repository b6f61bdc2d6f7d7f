//! Imports on PostgreSQL: a batch is decided in memory (what each item becomes, with storage
//! and change numbers in item order, exactly as on SQLite) and written a few statements at a time.

use std::collections::{HashMap, HashSet};

use sqlx::Postgres;
use uuid::Uuid;

use super::write::{self as w, EventWrite, RevisionWrite};
use crate::domain::Event;
use crate::domain::event::EventData;
use crate::domain::revision::Action;
use crate::store::rules::{Current, same_fields};
use crate::store::{Actor, ImportCounts, ImportItem, Prepared, StoreError};

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

/// Writes one batch of an import inside `tx`: new ids created, changed ones revised, identical
/// ones left alone.
pub(super) async fn import_batch(
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
