//! Saved searches, webhooks and the delivery queue on SQLite. One writer at a time makes every
//! claim and every compare-and-set trivially exclusive between processes on one file.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Row, params};
use uuid::Uuid;

use super::SqliteStore;
use crate::domain::follow::{Advance, Attempt, Delivery, DeliveryState, SavedSearch, Subject, Webhook};
use crate::store::StoreError;
use crate::store::follow::{
    Claimed, FollowStore, filters_of, kind_of, kinds_of, kinds_text, state_of, time_of, uuid_of,
};

const SEARCH: &str = "id, name, filters, created_by, created_at, updated_at";
const WEBHOOK: &str = "id, url, search_id, filters, secret, events, created_by, created_at, cursor";
const WEBHOOK_READ: &str =
    "id, url, search_id, filters, secret, events, created_by, created_at, cursor, last_error, failing_since";
const DELIVERY: &str = "d.id, d.webhook_id, d.event_id, d.kind, d.body, d.state, d.attempts, d.next_at, \
                        d.created_at, d.delivered_at";

fn search(r: &Row<'_>) -> Result<SavedSearch, StoreError> {
    Ok(SavedSearch {
        id: uuid_of(&r.get::<_, String>(0)?)?,
        name: r.get(1)?,
        filters: filters_of(&r.get::<_, String>(2)?)?,
        created_by: r.get(3)?,
        created_at: time_of(r.get(4)?),
        updated_at: time_of(r.get(5)?),
    })
}

fn webhook(r: &Row<'_>) -> Result<Webhook, StoreError> {
    let subject = match r.get::<_, Option<String>>(2)? {
        Some(s) => Subject::Search(uuid_of(&s)?),
        None => Subject::Filters(filters_of(&r.get::<_, String>(3)?)?),
    };
    Ok(Webhook {
        id: uuid_of(&r.get::<_, String>(0)?)?,
        url: r.get(1)?,
        subject,
        secret: r.get(4)?,
        events: kinds_of(&r.get::<_, String>(5)?)?,
        created_by: r.get(6)?,
        created_at: time_of(r.get(7)?),
        cursor: r.get(8)?,
        last_error: r.get(9)?,
        failing_since: r.get::<_, Option<i64>>(10)?.map(time_of),
    })
}

fn delivery(r: &Row<'_>) -> Result<Delivery, StoreError> {
    let state = state_of(&r.get::<_, String>(5)?)?;
    Ok(Delivery {
        id: uuid_of(&r.get::<_, String>(0)?)?,
        webhook_id: uuid_of(&r.get::<_, String>(1)?)?,
        event_id: uuid_of(&r.get::<_, String>(2)?)?,
        kind: kind_of(&r.get::<_, String>(3)?)?,
        body: r.get(4)?,
        state,
        attempts: r.get(6)?,
        next_at: (state == DeliveryState::Pending).then(|| time_of(r.get(7).unwrap_or(0))),
        created_at: time_of(r.get(8)?),
        delivered_at: r.get::<_, Option<i64>>(9)?.map(time_of),
    })
}

fn subject_columns(s: &Subject) -> (Option<String>, Option<String>) {
    match s {
        Subject::Search(id) => (Some(id.to_string()), None),
        Subject::Filters(f) => (None, Some(f.to_json().to_string())),
    }
}

#[async_trait]
impl FollowStore for SqliteStore {
    async fn insert_search(&self, s: &SavedSearch) -> Result<(), StoreError> {
        let s = s.clone();
        self.write(move |tx| {
            tx.execute(
                &format!("INSERT INTO searches ({SEARCH}) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"),
                params![
                    s.id.to_string(),
                    s.name,
                    s.filters.to_json().to_string(),
                    s.created_by,
                    s.created_at.timestamp_millis(),
                    s.updated_at.timestamp_millis()
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn search(&self, id: Uuid) -> Result<Option<SavedSearch>, StoreError> {
        self.read(move |c| {
            let mut st = c.prepare_cached(&format!("SELECT {SEARCH} FROM searches WHERE id = ?1"))?;
            st.query_row([id.to_string()], |r| Ok(search(r))).optional()?.transpose()
        })
        .await
    }

    async fn searches(&self) -> Result<Vec<SavedSearch>, StoreError> {
        self.read(|c| {
            let mut st = c.prepare_cached(&format!("SELECT {SEARCH} FROM searches ORDER BY created_at, id"))?;
            let rows = st.query_map([], |r| Ok(search(r)))?;
            rows.map(|r| r?).collect()
        })
        .await
    }

    async fn update_search(&self, s: &SavedSearch) -> Result<bool, StoreError> {
        let s = s.clone();
        self.write(move |tx| {
            let n = tx.execute(
                "UPDATE searches SET name = ?1, filters = ?2, updated_at = ?3 WHERE id = ?4",
                params![s.name, s.filters.to_json().to_string(), s.updated_at.timestamp_millis(), s.id.to_string()],
            )?;
            Ok(n == 1)
        })
        .await
    }

    async fn delete_search(&self, id: Uuid) -> Result<bool, StoreError> {
        self.write(move |tx| {
            let followers: i64 = tx.query_row(
                "SELECT count(*) FROM webhooks WHERE search_id = ?1 AND deleted_at IS NULL",
                [id.to_string()],
                |r| r.get(0),
            )?;
            if followers > 0 {
                return Err(StoreError::Conflict(format!(
                    "{followers} webhook(s) follow this search: delete them first (GET /api/webhooks lists them)"
                )));
            }
            // Deleted webhooks keep their log; they stop naming the search.
            tx.execute("UPDATE webhooks SET search_id = NULL, filters = '{}' WHERE search_id = ?1", [id.to_string()])?;
            Ok(tx.execute("DELETE FROM searches WHERE id = ?1", [id.to_string()])? == 1)
        })
        .await
    }

    async fn insert_webhook(&self, w: &Webhook) -> Result<Webhook, StoreError> {
        let mut w = w.clone();
        self.write(move |tx| {
            w.cursor = tx.query_row("SELECT coalesce(max(change_seq), 0) FROM events", [], |r| r.get(0))?;
            let (search_id, filters) = subject_columns(&w.subject);
            tx.execute(
                &format!("INSERT INTO webhooks ({WEBHOOK}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"),
                params![
                    w.id.to_string(),
                    w.url,
                    search_id,
                    filters,
                    w.secret,
                    kinds_text(&w.events),
                    w.created_by,
                    w.created_at.timestamp_millis(),
                    w.cursor
                ],
            )?;
            Ok(w)
        })
        .await
    }

    async fn webhook(&self, id: Uuid) -> Result<Option<Webhook>, StoreError> {
        self.read(move |c| {
            let mut st =
                c.prepare_cached(&format!("SELECT {WEBHOOK_READ} FROM webhooks WHERE id = ?1 AND deleted_at IS NULL"))?;
            st.query_row([id.to_string()], |r| Ok(webhook(r))).optional()?.transpose()
        })
        .await
    }

    async fn webhooks(&self) -> Result<Vec<Webhook>, StoreError> {
        self.read(|c| {
            let mut st = c.prepare_cached(&format!(
                "SELECT {WEBHOOK_READ} FROM webhooks WHERE deleted_at IS NULL ORDER BY created_at, id"
            ))?;
            let rows = st.query_map([], |r| Ok(webhook(r)))?;
            rows.map(|r| r?).collect()
        })
        .await
    }

    async fn delete_webhook(&self, id: Uuid) -> Result<bool, StoreError> {
        self.write(move |tx| {
            let now = Utc::now().timestamp_millis();
            let n = tx.execute(
                "UPDATE webhooks SET deleted_at = ?1 WHERE id = ?2 AND deleted_at IS NULL",
                params![now, id.to_string()],
            )?;
            tx.execute(
                "UPDATE deliveries SET state = 'failed' WHERE webhook_id = ?1 AND state = 'pending'",
                [id.to_string()],
            )?;
            Ok(n == 1)
        })
        .await
    }

    async fn last_change(&self) -> Result<i64, StoreError> {
        self.read(|c| Ok(c.query_row("SELECT coalesce(max(change_seq), 0) FROM events", [], |r| r.get(0))?)).await
    }

    async fn advance_webhooks(&self, moves: &[Advance]) -> Result<Vec<bool>, StoreError> {
        let moves = moves.to_vec();
        self.write(move |tx| {
            let mut moved = Vec::with_capacity(moves.len());
            let mut up = tx.prepare_cached(
                "UPDATE webhooks SET cursor = ?1, last_error = ?4, \
                 failing_since = CASE WHEN ?4 IS NULL THEN NULL ELSE coalesce(failing_since, ?5) END \
                 WHERE id = ?2 AND cursor = ?3 AND deleted_at IS NULL",
            )?;
            let now = Utc::now().timestamp_millis();
            let mut ins = tx.prepare_cached(
                "INSERT INTO deliveries (id, webhook_id, event_id, kind, change, body, state, next_at, created_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'pending', ?7, ?7)",
            )?;
            for m in &moves {
                if up.execute(params![m.to, m.webhook_id.to_string(), m.from, m.error, now])? != 1 {
                    moved.push(false);
                    continue;
                }
                for d in &m.deliveries {
                    ins.execute(params![
                        d.id.to_string(),
                        d.webhook_id.to_string(),
                        d.event_id.to_string(),
                        d.kind.as_str(),
                        d.change,
                        d.body,
                        d.created_at.timestamp_millis()
                    ])?;
                }
                moved.push(true);
            }
            Ok(moved)
        })
        .await
    }

    async fn was_sent(&self, webhook: Uuid, event: Uuid) -> Result<bool, StoreError> {
        self.read(move |c| {
            let mut st = c.prepare_cached(
                "SELECT 1 FROM deliveries WHERE webhook_id = ?1 AND event_id = ?2 AND kind <> 'deleted' LIMIT 1",
            )?;
            Ok(st.query_row([webhook.to_string(), event.to_string()], |_| Ok(())).optional()?.is_some())
        })
        .await
    }

    async fn claim_deliveries(
        &self,
        worker: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<Claimed>, StoreError> {
        let worker = worker.to_string();
        self.write(move |tx| {
            let (now, until) = (now.timestamp_millis(), until.timestamp_millis());
            let mut st = tx.prepare_cached(&format!(
                "SELECT {DELIVERY}, w.url, w.secret FROM deliveries d JOIN webhooks w ON w.id = d.webhook_id \
                 WHERE d.state = 'pending' AND d.next_at <= ?1 AND d.lease_until <= ?1 ORDER BY d.next_at LIMIT ?2"
            ))?;
            let rows = st.query_map(params![now, limit], |r| {
                Ok(delivery(r).and_then(|d| Ok(Claimed { delivery: d, url: r.get(10)?, secret: r.get(11)? })))
            })?;
            let claimed: Vec<Claimed> = rows.map(|r| r?).collect::<Result<_, _>>()?;
            let mut lease =
                tx.prepare_cached("UPDATE deliveries SET lease_until = ?1, leased_by = ?2 WHERE id = ?3")?;
            for c in &claimed {
                lease.execute(params![until, worker, c.delivery.id.to_string()])?;
            }
            Ok(claimed)
        })
        .await
    }

    async fn finish_attempt(
        &self,
        id: Uuid,
        worker: &str,
        attempt: &Attempt,
        state: DeliveryState,
        next_at: Option<DateTime<Utc>>,
    ) -> Result<bool, StoreError> {
        let (worker, a) = (worker.to_string(), attempt.clone());
        self.write(move |tx| {
            let at = a.at.timestamp_millis();
            let delivered = (state == DeliveryState::Delivered).then_some(at);
            let n = tx.execute(
                "UPDATE deliveries SET state = ?1, attempts = ?2, next_at = ?3, lease_until = 0, leased_by = NULL, \
                 delivered_at = ?4 WHERE id = ?5 AND leased_by = ?6 AND state = 'pending'",
                params![
                    state.as_str(),
                    a.number,
                    next_at.map(|t| t.timestamp_millis()).unwrap_or(at),
                    delivered,
                    id.to_string(),
                    worker
                ],
            )?;
            if n != 1 {
                return Ok(false);
            }
            tx.execute(
                "INSERT INTO delivery_attempts (delivery_id, number, at, status, error, duration_ms) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![id.to_string(), a.number, at, a.status, a.error, a.duration_ms],
            )?;
            Ok(true)
        })
        .await
    }

    async fn deliveries(&self, webhook: Uuid, limit: u32) -> Result<Vec<(Delivery, Vec<Attempt>)>, StoreError> {
        self.read(move |c| {
            let mut st = c.prepare_cached(&format!(
                "SELECT * FROM (SELECT {DELIVERY} FROM deliveries d WHERE d.webhook_id = ?1 \
                 ORDER BY d.created_at DESC, d.change DESC LIMIT ?2) ORDER BY created_at, id"
            ))?;
            let rows = st.query_map(params![webhook.to_string(), limit], |r| Ok(delivery(r)))?;
            let ds: Vec<Delivery> = rows.map(|r| r?).collect::<Result<_, _>>()?;
            let mut at = c.prepare_cached(
                "SELECT number, at, status, error, duration_ms FROM delivery_attempts WHERE delivery_id = ?1 \
                 ORDER BY number",
            )?;
            let mut out = Vec::with_capacity(ds.len());
            for d in ds {
                let attempts = at
                    .query_map([d.id.to_string()], |r| {
                        Ok(Attempt {
                            number: r.get(0)?,
                            at: time_of(r.get(1)?),
                            status: r.get(2)?,
                            error: r.get(3)?,
                            duration_ms: r.get(4)?,
                        })
                    })?
                    .collect::<Result<Vec<_>, _>>()?;
                out.push((d, attempts));
            }
            Ok(out)
        })
        .await
    }
}
