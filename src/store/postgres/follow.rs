//! Saved searches, webhooks and the delivery queue on PostgreSQL. Several instances share the
//! queue: a claim leases due rows with `FOR UPDATE SKIP LOCKED`, so two workers never take the
//! same delivery, and a cursor moves only from the value its mover read.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::Row;
use sqlx::postgres::PgRow;
use uuid::Uuid;

use super::PgStore;
use crate::domain::follow::{Advance, Attempt, Delivery, DeliveryState, SavedSearch, SearchFilters, Subject, Webhook};
use crate::store::StoreError;
use crate::store::follow::{Claimed, FollowStore, kind_of, kinds_of, kinds_text, state_of, time_of};

const SEARCH: &str = "id, name, filters, created_by, created_at, updated_at";
const WEBHOOK: &str = "id, url, search_id, filters, secret, events, created_by, created_at, cursor";
const WEBHOOK_READ: &str =
    "id, url, search_id, filters, secret, events, created_by, created_at, cursor, last_error, failing_since";
const DELIVERY: &str = "d.id, d.webhook_id, d.event_id, d.kind, d.body, d.state, d.attempts, d.next_at, \
                        d.created_at, d.delivered_at";

fn filters(v: Value) -> Result<SearchFilters, StoreError> {
    SearchFilters::from_json(&v, "filters").map_err(|e| StoreError::Internal(format!("stored filters: {:?}", e.errors)))
}

fn search(r: &PgRow) -> Result<SavedSearch, StoreError> {
    Ok(SavedSearch {
        id: r.try_get(0)?,
        name: r.try_get(1)?,
        filters: filters(r.try_get(2)?)?,
        created_by: r.try_get(3)?,
        created_at: time_of(r.try_get(4)?),
        updated_at: time_of(r.try_get(5)?),
    })
}

fn webhook(r: &PgRow) -> Result<Webhook, StoreError> {
    let subject = match r.try_get::<Option<Uuid>, _>(2)? {
        Some(s) => Subject::Search(s),
        None => Subject::Filters(filters(r.try_get(3)?)?),
    };
    Ok(Webhook {
        id: r.try_get(0)?,
        url: r.try_get(1)?,
        subject,
        secret: r.try_get(4)?,
        events: kinds_of(&r.try_get::<String, _>(5)?)?,
        created_by: r.try_get(6)?,
        created_at: time_of(r.try_get(7)?),
        cursor: r.try_get(8)?,
        last_error: r.try_get(9)?,
        failing_since: r.try_get::<Option<i64>, _>(10)?.map(time_of),
    })
}

fn delivery(r: &PgRow) -> Result<Delivery, StoreError> {
    let state = state_of(&r.try_get::<String, _>(5)?)?;
    Ok(Delivery {
        id: r.try_get(0)?,
        webhook_id: r.try_get(1)?,
        event_id: r.try_get(2)?,
        kind: kind_of(&r.try_get::<String, _>(3)?)?,
        body: r.try_get(4)?,
        state,
        attempts: r.try_get::<i32, _>(6)? as u32,
        next_at: if state == DeliveryState::Pending { Some(time_of(r.try_get(7)?)) } else { None },
        created_at: time_of(r.try_get(8)?),
        delivered_at: r.try_get::<Option<i64>, _>(9)?.map(time_of),
    })
}

fn subject_columns(s: &Subject) -> (Option<Uuid>, Option<Value>) {
    match s {
        Subject::Search(id) => (Some(*id), None),
        Subject::Filters(f) => (None, Some(f.to_json())),
    }
}

#[async_trait]
impl FollowStore for PgStore {
    async fn insert_search(&self, s: &SavedSearch) -> Result<(), StoreError> {
        self.writable()?;
        sqlx::query(&format!("INSERT INTO searches ({SEARCH}) VALUES ($1, $2, $3, $4, $5, $6)"))
            .bind(s.id)
            .bind(&s.name)
            .bind(s.filters.to_json())
            .bind(&s.created_by)
            .bind(s.created_at.timestamp_millis())
            .bind(s.updated_at.timestamp_millis())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn search(&self, id: Uuid) -> Result<Option<SavedSearch>, StoreError> {
        let r = sqlx::query(&format!("SELECT {SEARCH} FROM searches WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        r.as_ref().map(search).transpose()
    }

    async fn searches(&self) -> Result<Vec<SavedSearch>, StoreError> {
        let rows = sqlx::query(&format!("SELECT {SEARCH} FROM searches ORDER BY created_at, id"))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(search).collect()
    }

    async fn update_search(&self, s: &SavedSearch) -> Result<bool, StoreError> {
        self.writable()?;
        let n = sqlx::query("UPDATE searches SET name = $1, filters = $2, updated_at = $3 WHERE id = $4")
            .bind(&s.name)
            .bind(s.filters.to_json())
            .bind(s.updated_at.timestamp_millis())
            .bind(s.id)
            .execute(&self.pool)
            .await?;
        Ok(n.rows_affected() == 1)
    }

    async fn delete_search(&self, id: Uuid) -> Result<bool, StoreError> {
        self.writable()?;
        let mut tx = self.pool.begin().await?;
        // Locks the search, so that no webhook starts following it meanwhile.
        let found =
            sqlx::query("SELECT 1 FROM searches WHERE id = $1 FOR UPDATE").bind(id).fetch_optional(&mut *tx).await?;
        if found.is_none() {
            return Ok(false);
        }
        let followers: i64 =
            sqlx::query_scalar("SELECT count(*) FROM webhooks WHERE search_id = $1 AND deleted_at IS NULL")
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
        if followers > 0 {
            return Err(StoreError::Conflict(format!(
                "{followers} webhook(s) follow this search: delete them first (GET /api/webhooks lists them)"
            )));
        }
        sqlx::query("UPDATE webhooks SET search_id = NULL, filters = '{}' WHERE search_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let n = sqlx::query("DELETE FROM searches WHERE id = $1").bind(id).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(n.rows_affected() == 1)
    }

    async fn insert_webhook(&self, w: &Webhook) -> Result<Webhook, StoreError> {
        self.writable()?;
        let mut w = w.clone();
        let mut tx = self.pool.begin().await?;
        if let Subject::Search(s) = &w.subject {
            // Shares the lock that a delete of the search takes.
            let found =
                sqlx::query("SELECT 1 FROM searches WHERE id = $1 FOR SHARE").bind(s).fetch_optional(&mut *tx).await?;
            if found.is_none() {
                return Err(StoreError::Conflict(format!("there is no saved search {s}")));
            }
        }
        w.cursor =
            sqlx::query_scalar("SELECT coalesce(max(change_seq), 0)::bigint FROM events").fetch_one(&mut *tx).await?;
        let (search_id, filters) = subject_columns(&w.subject);
        sqlx::query(&format!("INSERT INTO webhooks ({WEBHOOK}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"))
            .bind(w.id)
            .bind(&w.url)
            .bind(search_id)
            .bind(filters)
            .bind(&w.secret)
            .bind(kinds_text(&w.events))
            .bind(&w.created_by)
            .bind(w.created_at.timestamp_millis())
            .bind(w.cursor)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(w)
    }

    async fn webhook(&self, id: Uuid) -> Result<Option<Webhook>, StoreError> {
        let r = sqlx::query(&format!("SELECT {WEBHOOK_READ} FROM webhooks WHERE id = $1 AND deleted_at IS NULL"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        r.as_ref().map(webhook).transpose()
    }

    async fn webhooks(&self) -> Result<Vec<Webhook>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {WEBHOOK_READ} FROM webhooks WHERE deleted_at IS NULL ORDER BY created_at, id"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(webhook).collect()
    }

    async fn delete_webhook(&self, id: Uuid) -> Result<bool, StoreError> {
        self.writable()?;
        let mut tx = self.pool.begin().await?;
        let n = sqlx::query("UPDATE webhooks SET deleted_at = $1 WHERE id = $2 AND deleted_at IS NULL")
            .bind(Utc::now().timestamp_millis())
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE deliveries SET state = 'failed' WHERE webhook_id = $1 AND state = 'pending'")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(n.rows_affected() == 1)
    }

    async fn last_change(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar("SELECT coalesce(max(change_seq), 0)::bigint FROM events").fetch_one(&self.pool).await?)
    }

    async fn advance_webhooks(&self, moves: &[Advance]) -> Result<Vec<bool>, StoreError> {
        self.writable()?;
        // Webhooks come in the order `webhooks()` lists them, the same in every instance, so two
        // instances moving the same ones lock their rows in the same order and never deadlock.
        let mut tx = self.pool.begin().await?;
        let mut moved = Vec::with_capacity(moves.len());
        let now = Utc::now().timestamp_millis();
        for m in moves {
            let n = sqlx::query(
                "UPDATE webhooks SET cursor = $1, last_error = $4, \
                 failing_since = CASE WHEN $4::text IS NULL THEN NULL ELSE coalesce(failing_since, $5) END \
                 WHERE id = $2 AND cursor = $3 AND deleted_at IS NULL",
            )
            .bind(m.to)
            .bind(m.webhook_id)
            .bind(m.from)
            .bind(&m.error)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            if n.rows_affected() != 1 {
                moved.push(false);
                continue;
            }
            for d in &m.deliveries {
                sqlx::query(
                    "INSERT INTO deliveries (id, webhook_id, event_id, kind, change, body, state, next_at, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $7)",
                )
                .bind(d.id)
                .bind(d.webhook_id)
                .bind(d.event_id)
                .bind(d.kind.as_str())
                .bind(d.change)
                .bind(&d.body)
                .bind(d.created_at.timestamp_millis())
                .execute(&mut *tx)
                .await?;
            }
            moved.push(true);
        }
        tx.commit().await?;
        Ok(moved)
    }

    async fn was_sent(&self, webhook: Uuid, event: Uuid) -> Result<bool, StoreError> {
        let r = sqlx::query(
            "SELECT 1 FROM deliveries WHERE webhook_id = $1 AND event_id = $2 AND kind <> 'deleted' LIMIT 1",
        )
        .bind(webhook)
        .bind(event)
        .fetch_optional(&self.pool)
        .await?;
        Ok(r.is_some())
    }

    async fn claim_deliveries(
        &self,
        worker: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<Claimed>, StoreError> {
        self.writable()?;
        let rows = sqlx::query(&format!(
            "WITH c AS (SELECT id FROM deliveries WHERE state = 'pending' AND next_at <= $1 AND lease_until <= $1 \
             ORDER BY next_at LIMIT $2 FOR UPDATE SKIP LOCKED), \
             l AS (UPDATE deliveries d SET lease_until = $3, leased_by = $4 FROM c WHERE d.id = c.id RETURNING d.*) \
             SELECT {DELIVERY}, w.url, w.secret FROM l d JOIN webhooks w ON w.id = d.webhook_id ORDER BY d.next_at"
        ))
        .bind(now.timestamp_millis())
        .bind(i64::from(limit))
        .bind(until.timestamp_millis())
        .bind(worker)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok(Claimed { delivery: delivery(r)?, url: r.try_get(10)?, secret: r.try_get(11)? }))
            .collect()
    }

    async fn finish_attempt(
        &self,
        id: Uuid,
        worker: &str,
        a: &Attempt,
        state: DeliveryState,
        next_at: Option<DateTime<Utc>>,
    ) -> Result<bool, StoreError> {
        self.writable()?;
        let at = a.at.timestamp_millis();
        let mut tx = self.pool.begin().await?;
        let n = sqlx::query(
            "UPDATE deliveries SET state = $1, attempts = $2, next_at = $3, lease_until = 0, leased_by = NULL, \
             delivered_at = $4 WHERE id = $5 AND leased_by = $6 AND state = 'pending'",
        )
        .bind(state.as_str())
        .bind(a.number as i32)
        .bind(next_at.map(|t| t.timestamp_millis()).unwrap_or(at))
        .bind((state == DeliveryState::Delivered).then_some(at))
        .bind(id)
        .bind(worker)
        .execute(&mut *tx)
        .await?;
        if n.rows_affected() != 1 {
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO delivery_attempts (delivery_id, number, at, status, error, duration_ms) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(a.number as i32)
        .bind(at)
        .bind(a.status.map(i32::from))
        .bind(&a.error)
        .bind(a.duration_ms as i32)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn deliveries(&self, webhook: Uuid, limit: u32) -> Result<Vec<(Delivery, Vec<Attempt>)>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT * FROM (SELECT {DELIVERY} FROM deliveries d WHERE d.webhook_id = $1 \
             ORDER BY d.created_at DESC, d.change DESC LIMIT $2) x ORDER BY created_at, id"
        ))
        .bind(webhook)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        let ds: Vec<Delivery> = rows.iter().map(delivery).collect::<Result<_, _>>()?;
        let ids: Vec<Uuid> = ds.iter().map(|d| d.id).collect();
        let attempts = sqlx::query(
            "SELECT delivery_id, number, at, status, error, duration_ms FROM delivery_attempts \
             WHERE delivery_id = ANY($1) ORDER BY delivery_id, number",
        )
        .bind(&ids)
        .fetch_all(&self.pool)
        .await?;
        let mut out: Vec<(Delivery, Vec<Attempt>)> = ds.into_iter().map(|d| (d, Vec::new())).collect();
        for r in &attempts {
            let id: Uuid = r.try_get(0)?;
            let a = Attempt {
                number: r.try_get::<i32, _>(1)? as u32,
                at: time_of(r.try_get(2)?),
                status: r.try_get::<Option<i32>, _>(3)?.map(|s| s as u16),
                error: r.try_get(4)?,
                duration_ms: r.try_get::<i32, _>(5)? as u32,
            };
            if let Some((_, v)) = out.iter_mut().find(|(d, _)| d.id == id) {
                v.push(a);
            }
        }
        Ok(out)
    }
}
