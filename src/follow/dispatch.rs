//! Matching changes against webhooks. A webhook's cursor is the change number up to which its
//! changes were matched; each round reads the changes after it, keeps those its filters match
//! (through the store's own list query, the one `GET /api/events` answers with, so a webhook and
//! the events list never disagree on what matches), and queues one delivery per match while
//! moving the cursor, which succeeds for one worker only. The round's moves are written together,
//! [`WRITE_BATCH`] webhooks a transaction.
//!
//! A deletion is sent to a webhook that was sent the event before: a deleted event keeps no
//! places, words or terms to match filters against.

use std::collections::HashMap;

use chrono::Utc;
use futures::TryStreamExt;
use serde_json::{Value, json};
use uuid::Uuid;

use super::Worker;
use crate::domain::filter::{self, PageRequest};
use crate::domain::follow::{Advance, ChangeKind, NewDelivery, SearchFilters, Subject, Webhook};
use crate::domain::{Cursor, EventFilter, Sort};
use crate::gazetteer::{Gazetteer, resolve};
use crate::store::{DynStore, StoreError};

/// Changes read per webhook per round; more wait for the next round.
pub const BATCH: u32 = 500;

/// Webhooks whose cursors move in one transaction: a round's, in slices of this many.
pub const WRITE_BATCH: usize = 500;

/// A change read from the store: the event's id, what happened, its number and its Feature.
#[derive(Debug, Clone)]
pub struct Change {
    pub event_id: Uuid,
    pub kind: ChangeKind,
    pub change: i64,
    pub feature: Value,
}

/// Why a webhook's filters could not be used.
#[derive(Debug, thiserror::Error)]
pub enum FilterError {
    #[error("the saved search {0} no longer exists")]
    NoSearch(Uuid),
    #[error("filter `{0}`: {1}")]
    Bad(String, String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Turns stored filters into the events filter, as `GET /api/events` would.
pub fn resolve_filters(
    f: &SearchFilters,
    vocab: &crate::domain::Vocabulary,
    g: &Gazetteer,
) -> Result<EventFilter, FilterError> {
    let mut q = filter::parse_query(&f.pairs(), vocab, &[]).map_err(|e| {
        let first = e.errors.first();
        FilterError::Bad(
            first.map(|e| e.field.clone()).unwrap_or_default(),
            first.map(|e| e.message.clone()).unwrap_or_default(),
        )
    })?;
    resolve::query(g, &mut q).map_err(|(field, e)| FilterError::Bad(field.to_string(), e.to_string()))?;
    Ok(q.filter)
}

/// A webhook's filters, from its saved search or its own.
pub async fn webhook_filter(w: &Worker, hook: &Webhook) -> Result<EventFilter, FilterError> {
    let filters = match &hook.subject {
        Subject::Filters(f) => f.clone(),
        Subject::Search(id) => w.store.search(*id).await?.ok_or(FilterError::NoSearch(*id))?.filters,
    };
    resolve_filters(&filters, &w.vocab, &w.gazetteer)
}

/// The changes matching `filter` after change number `after`, oldest first, at most [`BATCH`]
/// (and a flag saying whether more followed).
pub async fn changes(store: &DynStore, filter: &EventFilter, after: i64) -> Result<(Vec<Change>, bool), StoreError> {
    let page = PageRequest {
        limit: BATCH,
        sort: Sort::UpdatedAsc,
        cursor: Some(Cursor { key: after, seq: 0, matched: None }),
    };
    let rows: Vec<_> = store.list(filter, &page).try_collect().await?;
    let more = rows.len() > BATCH as usize;
    let mut out = Vec::with_capacity(rows.len().min(BATCH as usize));
    for row in rows.into_iter().take(BATCH as usize) {
        let feature: Value = serde_json::from_str(&row.feature)
            .map_err(|e| StoreError::Internal(format!("a stored Feature is not JSON: {e}")))?;
        let event_id = feature["id"]
            .as_str()
            .and_then(|s| Uuid::parse_str(s).ok())
            .ok_or_else(|| StoreError::Internal("a stored Feature has no id".into()))?;
        let kind = if feature["properties"]["deleted"] == json!(true) {
            ChangeKind::Deleted
        } else if feature["properties"]["revision"] == json!(1) {
            ChangeKind::Created
        } else {
            ChangeKind::Updated
        };
        out.push(Change { event_id, kind, change: row.key, feature });
    }
    Ok((out, more))
}

/// The body of a delivery: its id, what happened and when, and the Feature or the tombstone.
pub fn body(delivery: Uuid, hook: Uuid, c: &Change) -> String {
    let p = &c.feature["properties"];
    let mut b = json!({
        "id": delivery,
        "webhook_id": hook,
        "type": c.kind.as_str(),
        "occurred_at": p["updated_at"],
        "event_id": c.event_id,
    });
    if c.kind == ChangeKind::Deleted {
        b["tombstone"] =
            json!({"id": c.event_id, "deleted_at": p["deleted_at"], "reason": p["reason"], "revision": p["revision"]});
    } else {
        b["event"] = c.feature.clone();
    }
    b.to_string()
}

/// One round of matching for every webhook; returns how many deliveries were queued.
pub async fn run(w: &Worker) -> Result<usize, StoreError> {
    let head = w.store.last_change().await?;
    let hooks = w.store.webhooks().await?;
    // Every change after a cursor, shared by the webhooks at that cursor (deletions are found here).
    let mut all: HashMap<i64, (Vec<Change>, bool)> = HashMap::new();
    let mut moves: Vec<Advance> = Vec::new();
    for hook in hooks.into_iter().filter(|h| h.cursor < head) {
        if let std::collections::hash_map::Entry::Vacant(slot) = all.entry(hook.cursor) {
            let everything = EventFilter { include_deleted: true, ..EventFilter::default() };
            slot.insert(changes(&w.store, &everything, hook.cursor).await?);
        }
        let (every, more) = &all[&hook.cursor];
        // This round covers the changes up to `to`: all of them, or the first batch.
        let to = if *more { every.last().map_or(head, |c| c.change) } else { head };
        let filter = match webhook_filter(w, &hook).await {
            Ok(f) => f,
            Err(FilterError::Store(e)) => return Err(e),
            Err(e) => {
                // The webhook shows why (GET /api/webhooks/{id}) and its changes wait, its cursor
                // held, until its filters work again; the log says so once, not every round.
                let error = e.to_string();
                if hook.last_error.as_deref() != Some(error.as_str()) {
                    tracing::warn!(webhook = %hook.id, cause = %error, "a webhook's filters cannot be used; its changes wait");
                }
                let held = hook.cursor;
                moves.push(Advance {
                    webhook_id: hook.id,
                    from: held,
                    to: held,
                    deliveries: Vec::new(),
                    error: Some(error),
                });
                continue;
            }
        };
        let (live, _) = changes(&w.store, &filter, hook.cursor).await?;
        let mut found: Vec<Change> =
            live.into_iter().filter(|c| c.change <= to && c.kind != ChangeKind::Deleted).collect();
        if hook.events.contains(&ChangeKind::Deleted) {
            for c in every.iter().filter(|c| c.kind == ChangeKind::Deleted && c.change <= to) {
                if w.store.was_sent(hook.id, c.event_id).await? {
                    found.push(c.clone());
                }
            }
            found.sort_by_key(|c| c.change);
        }
        let now = Utc::now();
        let deliveries: Vec<NewDelivery> = found
            .iter()
            .filter(|c| hook.events.contains(&c.kind))
            .map(|c| {
                let id = Uuid::now_v7();
                NewDelivery {
                    id,
                    webhook_id: hook.id,
                    event_id: c.event_id,
                    kind: c.kind,
                    change: c.change,
                    body: body(id, hook.id, c),
                    created_at: now,
                }
            })
            .collect();
        moves.push(Advance { webhook_id: hook.id, from: hook.cursor, to, deliveries, error: None });
    }
    // The cursors move (and the deliveries are queued) together, each only if no other worker
    // moved it meanwhile; what another worker took is its to queue.
    let mut queued = 0;
    for slice in moves.chunks(WRITE_BATCH) {
        let moved = w.store.advance_webhooks(slice).await?;
        queued += slice.iter().zip(moved).filter(|(_, ok)| *ok).map(|(m, _)| m.deliveries.len()).sum::<usize>();
    }
    Ok(queued)
}
