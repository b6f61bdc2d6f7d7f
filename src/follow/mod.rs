//! The webhook worker: it matches stored changes against every webhook and queues a delivery
//! for each match ([`dispatch`](crate::follow::dispatch)), and sends due deliveries with their signature, retrying on the
//! [`Backoff`](crate::domain::follow::Backoff) schedule ([`send`](crate::follow::send)). Everything it knows is in the database, so a restart, or
//! another instance on the same PostgreSQL, carries on where it stopped.
//!
//! It runs beside the HTTP server and knows nothing of HTTP handlers; outbound requests go
//! through [`crate::outbound`].

pub mod dispatch;
pub mod send;

use std::sync::Arc;
use std::time::Duration;

use crate::domain::Vocabulary;
use crate::domain::follow::Backoff;
use crate::gazetteer::Gazetteer;
use crate::outbound;
use crate::store::DynStore;

/// Settings of the worker.
#[derive(Clone)]
pub struct WorkerConfig {
    /// The waits between attempts.
    pub backoff: Backoff,
    /// How often the worker looks for changes and due deliveries.
    pub poll: Duration,
    /// How long a claimed delivery stays this worker's; longer than the outbound total timeout,
    /// so that a live worker never loses a delivery it is sending.
    pub lease: Duration,
    /// Deliveries claimed at once.
    pub batch: u32,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self { backoff: Backoff::default(), poll: Duration::from_secs(1), lease: Duration::from_secs(60), batch: 16 }
    }
}

/// What the worker works with.
#[derive(Clone)]
pub struct Worker {
    pub store: DynStore,
    pub gazetteer: Arc<Gazetteer>,
    pub vocab: Arc<Vocabulary>,
    pub client: outbound::Client,
    pub config: WorkerConfig,
    /// This worker's name in leases (unique per process).
    pub id: String,
}

impl Worker {
    pub fn new(
        store: DynStore,
        gazetteer: Arc<Gazetteer>,
        vocab: Arc<Vocabulary>,
        client: outbound::Client,
        config: WorkerConfig,
    ) -> Self {
        Self { store, gazetteer, vocab, client, config, id: uuid::Uuid::now_v7().to_string() }
    }

    /// One round: queue the deliveries of new changes, then send what is due.
    pub async fn tick(&self) {
        if let Err(e) = dispatch::run(self).await {
            tracing::warn!(cause = %e, "matching changes against webhooks failed; tried again at the next round");
        }
        if let Err(e) = send::run(self).await {
            tracing::warn!(cause = %e, "sending webhook deliveries failed; tried again at the next round");
        }
    }

    /// Runs rounds until the task is dropped or aborted.
    pub fn spawn(self) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let mut every = tokio::time::interval(self.config.poll);
            every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                every.tick().await;
                self.tick().await;
            }
        })
    }
}
