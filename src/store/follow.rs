//! The storage of following: saved searches, webhooks, and the queue of deliveries, behind
//! [`FollowStore`]. Both backends keep the same tables (`migrations/*/..._follow.sql`).
//!
//! Two rules make deliveries exactly-once-enqueued and singly-sent across instances:
//! [`FollowStore::advance_webhook`] moves a webhook's change cursor only from the value its
//! caller read (compare and set) and queues the deliveries in the same transaction, so two
//! instances matching the same changes queue them once; and [`FollowStore::claim_deliveries`]
//! leases due deliveries to one worker until a time (PostgreSQL: `FOR UPDATE SKIP LOCKED`), and
//! [`FollowStore::finish_attempt`] records an attempt only while the lease is still that worker's.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::StoreError;
use crate::domain::follow::{Advance, Attempt, ChangeKind, Delivery, DeliveryState, NewDelivery, SavedSearch, Webhook};

/// A delivery leased to a worker, with what it needs to send it.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub delivery: Delivery,
    pub url: String,
    pub secret: String,
}

/// Saved searches, webhooks and deliveries.
#[async_trait]
pub trait FollowStore: Send + Sync + 'static {
    async fn insert_search(&self, s: &SavedSearch) -> Result<(), StoreError>;
    async fn search(&self, id: Uuid) -> Result<Option<SavedSearch>, StoreError>;
    /// Every saved search, oldest first.
    async fn searches(&self) -> Result<Vec<SavedSearch>, StoreError>;
    /// Replaces a search's name and filters; `false` when there is none with its id.
    async fn update_search(&self, s: &SavedSearch) -> Result<bool, StoreError>;
    /// Deletes a search; [`StoreError::Conflict`] while a webhook follows it.
    async fn delete_search(&self, id: Uuid) -> Result<bool, StoreError>;

    /// Stores a webhook whose cursor is the last change stored now (it follows changes from
    /// its creation on), and returns it with that cursor.
    async fn insert_webhook(&self, w: &Webhook) -> Result<Webhook, StoreError>;
    /// A webhook that was not deleted.
    async fn webhook(&self, id: Uuid) -> Result<Option<Webhook>, StoreError>;
    /// Every webhook that was not deleted, oldest first.
    async fn webhooks(&self) -> Result<Vec<Webhook>, StoreError>;
    /// Deletes a webhook; its pending deliveries end as failed, its log stays.
    async fn delete_webhook(&self, id: Uuid) -> Result<bool, StoreError>;

    /// The number of the last change stored (0 before any).
    async fn last_change(&self) -> Result<i64, StoreError>;
    /// Moves a webhook's cursor from `from` to `to` and queues `deliveries`, in one transaction,
    /// if the cursor is still `from`; `false` (and nothing written) when another worker moved it.
    async fn advance_webhook(
        &self,
        id: Uuid,
        from: i64,
        to: i64,
        deliveries: &[NewDelivery],
    ) -> Result<bool, StoreError> {
        let one = Advance { webhook_id: id, from, to, deliveries: deliveries.to_vec(), error: None };
        Ok(self.advance_webhooks(&[one]).await?.first().copied().unwrap_or(false))
    }
    /// [`advance_webhook`](Self::advance_webhook) for many webhooks in one transaction: each
    /// moves (and queues its deliveries) only if its cursor is still its `from`, and the answer
    /// says, in order, which did. A move records its `error` (and since when the webhook
    /// fails, kept from its first failure) or clears them. One transaction a round instead of one a webhook: on SQLite a
    /// write transaction costs a few milliseconds of fsync, which 1,000 webhooks made seconds.
    async fn advance_webhooks(&self, moves: &[Advance]) -> Result<Vec<bool>, StoreError>;
    /// Whether a delivery about `event` was queued for the webhook before (as created or updated).
    async fn was_sent(&self, webhook: Uuid, event: Uuid) -> Result<bool, StoreError>;

    /// Leases at most `limit` pending deliveries due at `now` to `worker` until `until`, oldest
    /// due first.
    async fn claim_deliveries(
        &self,
        worker: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<Claimed>, StoreError>;
    /// Records an attempt at a delivery leased to `worker` and where it now stands (`next_at`
    /// for a pending one); `false` (nothing written) when the lease is no longer the worker's.
    async fn finish_attempt(
        &self,
        id: Uuid,
        worker: &str,
        attempt: &Attempt,
        state: DeliveryState,
        next_at: Option<DateTime<Utc>>,
    ) -> Result<bool, StoreError>;
    /// A webhook's newest deliveries (at most `limit`), each with its attempts, oldest first.
    async fn deliveries(&self, webhook: Uuid, limit: u32) -> Result<Vec<(Delivery, Vec<Attempt>)>, StoreError>;
}

/// The `events` column of a webhook: its kinds, comma-separated.
pub(crate) fn kinds_text(kinds: &[ChangeKind]) -> String {
    kinds.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(",")
}

/// Reads the `events` column back.
pub(crate) fn kinds_of(text: &str) -> Result<Vec<ChangeKind>, StoreError> {
    text.split(',')
        .filter(|s| !s.is_empty())
        .map(|s| ChangeKind::parse(s).ok_or_else(|| StoreError::Internal(format!("unknown change kind `{s}`"))))
        .collect()
}

/// Reads stored filters back.
pub(crate) fn filters_of(text: &str) -> Result<crate::domain::follow::SearchFilters, StoreError> {
    let v: serde_json::Value =
        serde_json::from_str(text).map_err(|e| StoreError::Internal(format!("stored filters: {e}")))?;
    crate::domain::follow::SearchFilters::from_json(&v, "filters")
        .map_err(|e| StoreError::Internal(format!("stored filters: {:?}", e.errors)))
}

pub(crate) fn uuid_of(text: &str) -> Result<Uuid, StoreError> {
    Uuid::parse_str(text).map_err(|e| StoreError::Internal(format!("stored id `{text}`: {e}")))
}

pub(crate) fn time_of(ms: i64) -> DateTime<Utc> {
    crate::domain::time::from_millis(ms)
}

pub(crate) fn kind_of(text: &str) -> Result<ChangeKind, StoreError> {
    ChangeKind::parse(text).ok_or_else(|| StoreError::Internal(format!("unknown change kind `{text}`")))
}

pub(crate) fn state_of(text: &str) -> Result<DeliveryState, StoreError> {
    DeliveryState::parse(text).ok_or_else(|| StoreError::Internal(format!("unknown delivery state `{text}`")))
}
