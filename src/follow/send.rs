//! Sending due deliveries: each is leased to this worker, POSTed with its signature and id, and
//! its attempt recorded with where it now stands: delivered on a 2xx answer; otherwise due
//! again after the next wait of the schedule, or failed when the schedule is spent.
//!
//! A worker that dies while sending leaves its lease to run out; the delivery is then sent again
//! with the same id, which receivers use to drop a repeat. Between live workers a delivery is
//! sent once.

use std::time::Instant;

use bytes::Bytes;
use chrono::Utc;
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};

use super::Worker;
use crate::domain::follow::{Attempt, DeliveryState, signature};
use crate::store::{Claimed, StoreError};

/// The header holding `sha256=<hex HMAC-SHA256 of the body>`.
pub const SIGNATURE: &str = "x-eventmap-signature";
/// The header holding the delivery's id, the same on every attempt.
pub const DELIVERY: &str = "x-eventmap-delivery";
/// The header holding what happened (`created`, `updated`, `deleted`).
pub const EVENT: &str = "x-eventmap-event";

fn headers(c: &Claimed) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    let sig = signature(&c.secret, c.delivery.body.as_bytes());
    h.insert(HeaderName::from_static(SIGNATURE), HeaderValue::from_str(&sig).expect("hex is a header value"));
    h.insert(
        HeaderName::from_static(DELIVERY),
        HeaderValue::from_str(&c.delivery.id.to_string()).expect("a UUID is a header value"),
    );
    h.insert(HeaderName::from_static(EVENT), HeaderValue::from_static(c.delivery.kind.as_str()));
    h
}

/// Sends one claimed delivery and records the attempt.
async fn deliver(w: &Worker, c: Claimed) -> Result<(), StoreError> {
    let started = Instant::now();
    let at = Utc::now();
    let result = w.client.post(&c.url, headers(&c), Bytes::from(c.delivery.body.clone())).await;
    let (status, error) = match result {
        Ok(r) if (200..300).contains(&r.status) => (Some(r.status), None),
        Ok(r) => (Some(r.status), Some(format!("the receiver answered {}", r.status))),
        Err(e) => (None, Some(e.to_string())),
    };
    let number = c.delivery.attempts + 1;
    let (state, next_at) = if error.is_none() {
        (DeliveryState::Delivered, None)
    } else {
        match w.config.backoff.after(number) {
            Some(wait) => (DeliveryState::Pending, Some(Utc::now() + wait)),
            None => (DeliveryState::Failed, None),
        }
    };
    let attempt = Attempt { number, at, status, error, duration_ms: started.elapsed().as_millis() as u32 };
    tracing::info!(
        delivery = %c.delivery.id,
        webhook = %c.delivery.webhook_id,
        attempt = number,
        status = ?attempt.status,
        error = attempt.error.as_deref().unwrap_or(""),
        state = state.as_str(),
        "webhook delivery attempted"
    );
    if !w.store.finish_attempt(c.delivery.id, &w.id, &attempt, state, next_at).await? {
        tracing::warn!(delivery = %c.delivery.id, "a delivery's lease ran out while it was being sent");
    }
    Ok(())
}

/// Sends every due delivery this worker can claim, a batch at a time, the batch concurrently.
pub async fn run(w: &Worker) -> Result<usize, StoreError> {
    let mut sent = 0;
    loop {
        let now = Utc::now();
        let claimed = w.store.claim_deliveries(&w.id, now, now + w.config.lease, w.config.batch).await?;
        if claimed.is_empty() {
            return Ok(sent);
        }
        sent += claimed.len();
        let results = futures::future::join_all(claimed.into_iter().map(|c| deliver(w, c))).await;
        for r in results {
            r?;
        }
    }
}
