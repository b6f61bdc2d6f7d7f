//! The rules of a write that both backends apply the same way: checking the expected revision,
//! telling an unchanged update from a real one, and what remains of a deleted event. Pure
//! functions over domain values; the backends only read and write rows.

use chrono::{DateTime, Utc};
use serde_json::json;
use uuid::Uuid;

use super::{StoreError, Tombstone};
use crate::domain::Event;
use crate::domain::event::EventData;
use crate::domain::revision::diff;
use crate::domain::time::format_rfc3339;

/// The stored state of one event, read inside a write transaction.
pub struct Current {
    pub seq: i64,
    pub revision: u32,
    pub deleted: bool,
    pub event: Option<Event>,
}

/// The live event `cur` holds, if it may be changed by a writer that expects `expected`.
pub fn check_revision(cur: &Current, id: Uuid, expected: Option<u32>) -> Result<Event, StoreError> {
    if cur.deleted {
        return Err(StoreError::Gone(id));
    }
    if let Some(exp) = expected {
        if exp != cur.revision {
            return Err(StoreError::RevisionMismatch { expected: exp, current: cur.revision });
        }
    }
    cur.event.clone().ok_or_else(|| StoreError::Internal(format!("stored feature of {id} unreadable")))
}

/// Whether two states of an event's fields are the same as far as the history is concerned.
pub fn same_fields(before: &EventData, after: &EventData) -> bool {
    diff(Some(before), Some(after)).as_object().is_some_and(|m| m.is_empty())
}

/// The event an update makes: `ev` is `before` with its new fields and its sources resolved, and
/// `sources_filled` says whether stored sources gained fields from it. `None` when nothing
/// changed, so that no revision and no change number are spent; otherwise `ev` at the next
/// revision, changed at `now`.
pub fn revised(before: &Event, mut ev: Event, sources_filled: bool, now: DateTime<Utc>) -> Option<Event> {
    if same_fields(&before.data, &ev.data) && !sources_filled {
        return None;
    }
    ev.updated_at = now;
    ev.revision = before.revision + 1;
    Some(ev)
}

/// The event as its deletion records it in the history: `before`, at `revision`, changed at `now`.
pub fn deleted(before: &Event, revision: u32, now: DateTime<Utc>) -> Event {
    Event { updated_at: now, revision, ..before.clone() }
}

/// The Feature a deleted event is served as; `merged_into` names the survivor of a merge.
pub fn tombstone_feature(
    before: &Event,
    revision: u32,
    at: DateTime<Utc>,
    reason: &str,
    merged_into: Option<Uuid>,
) -> String {
    let mut f = json!({"type": "Feature", "id": before.id, "geometry": null, "properties": {
        "deleted": true, "deleted_at": format_rfc3339(at), "reason": reason,
        "updated_at": format_rfc3339(at), "revision": revision}});
    if let Some(into) = merged_into {
        f["properties"]["merged_into"] = json!(into);
    }
    f.to_string()
}

/// The events of a merge of `from` into `into`, read inside the write transaction: both live,
/// not the same event, `from` at `expected` when given.
pub fn check_merge(
    from: Option<&Current>,
    id: Uuid,
    expected: Option<u32>,
    target: Option<&Current>,
    into: Uuid,
) -> Result<(Event, Event), StoreError> {
    if id == into {
        return Err(StoreError::Invalid { field: "into", message: "an event cannot be merged into itself".into() });
    }
    let before = check_revision(from.ok_or(StoreError::NotFound(id))?, id, expected)?;
    let target =
        target.ok_or_else(|| StoreError::Invalid { field: "into", message: format!("no event with id {into}") })?;
    if target.deleted {
        return Err(StoreError::Invalid {
            field: "into",
            message: format!("event {into} was deleted; merge into a live event"),
        });
    }
    let survivor = check_revision(target, into, None)?;
    Ok((before, survivor))
}

/// The survivor of a merge before its sources are resolved: `into` with the sources of `from`
/// that it does not cite yet (by URL) appended, in `from`'s order.
pub fn merged(into: &Event, from: &Event) -> Event {
    let mut ev = into.clone();
    for s in &from.data.sources {
        if !ev.data.sources.iter().any(|t| t.url == s.url) {
            ev.data.sources.push(s.clone());
        }
    }
    ev
}

/// The reason the survivor's history gives for a merge.
pub fn merge_reason(from: Uuid, reason: &str) -> String {
    format!("merged event {from} into this one: {reason}")
}

/// Reads a tombstone back from its stored Feature.
pub fn tombstone_from_json(id: Uuid, feature: &str) -> Tombstone {
    let v: serde_json::Value = serde_json::from_str(feature).unwrap_or_default();
    let p = &v["properties"];
    Tombstone {
        id,
        deleted_at: p["deleted_at"]
            .as_str()
            .and_then(|s| crate::domain::time::parse_instant(s).ok())
            .map(|p| p.at)
            .unwrap_or_default(),
        reason: p["reason"].as_str().map(str::to_string),
        revision: p["revision"].as_u64().unwrap_or_default() as u32,
        merged_into: p["merged_into"].as_str().and_then(|s| Uuid::parse_str(s).ok()),
    }
}
