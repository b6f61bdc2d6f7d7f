//! The capture worker: it leases queued captures (`store/captures.rs`), fetches each source's
//! URL through [`crate::outbound`] (http(s) only, public addresses only unless allowed, every
//! redirect hop checked, timeouts, the size limit enforced while reading), and records the
//! outcome ([`outcome`](crate::capture::outcome)): the bytes and their SHA-256, or why it failed or was refused. Network
//! errors are tried again on the [`Backoff`](crate::domain::follow::Backoff) schedule, as webhook deliveries are
//! (`follow/send.rs`); everything it knows is in the database, so a restart carries on.
//!
//! It knows nothing of HTTP handlers or of how the store keeps bytes.

mod outcome;

use std::time::Duration;

use chrono::Utc;

use crate::domain::capture::Outcome;
use crate::domain::follow::Backoff;
use crate::outbound;
use crate::store::DynStore;
use crate::store::captures::{CaptureJob, Finish};

pub use outcome::outcome;

/// The largest capture kept by default: 20 MB.
pub const DEFAULT_SIZE_LIMIT: usize = 20 * 1024 * 1024;

/// Settings of the worker.
#[derive(Clone)]
pub struct CaptureConfig {
    /// The waits between attempts after network errors.
    pub backoff: Backoff,
    /// How often the worker looks for due captures.
    pub poll: Duration,
    /// How long a claimed capture stays this worker's; longer than the outbound total timeout.
    pub lease: Duration,
    /// Captures fetched at once.
    pub batch: u32,
}

impl Default for CaptureConfig {
    fn default() -> Self {
        Self {
            backoff: Backoff([10, 60, 300, 900, 2400].into_iter().map(Duration::from_secs).collect()),
            poll: Duration::from_secs(1),
            lease: Duration::from_secs(300),
            batch: 4,
        }
    }
}

/// The outbound limits of captures: the size limit, a 10 s connect and a 120 s total timeout,
/// five redirects.
pub fn limits(size_limit: usize, user_agent: String) -> outbound::Limits {
    outbound::Limits {
        user_agent,
        connect_timeout: Duration::from_secs(10),
        total_timeout: Duration::from_secs(120),
        body_limit: size_limit,
        max_redirects: 5,
    }
}

/// What the worker works with.
#[derive(Clone)]
pub struct Worker {
    pub store: DynStore,
    pub client: outbound::Client,
    pub config: CaptureConfig,
    /// This worker's name in leases (unique per process).
    pub id: String,
}

impl Worker {
    pub fn new(store: DynStore, client: outbound::Client, config: CaptureConfig) -> Self {
        Self { store, client, config, id: uuid::Uuid::now_v7().to_string() }
    }

    /// Fetches one leased capture and records the attempt.
    async fn fetch(&self, job: CaptureJob) -> Result<(), crate::store::StoreError> {
        let started = std::time::Instant::now();
        let result = self.client.get(&job.url).await;
        let number = job.attempts + 1;
        let end = match outcome(result, Utc::now()) {
            Outcome::Captured(f) => Finish::Captured(f),
            Outcome::Failed { reason, fetched } => Finish::Failed { reason, fetched },
            Outcome::Refused(r) => Finish::Refused(r),
            Outcome::Retry(reason) => match self.config.backoff.after(number) {
                Some(wait) => Finish::Retry { reason, next_at: Utc::now() + wait },
                None => Finish::Failed { reason: format!("{reason} (gave up after {number} attempts)"), fetched: None },
            },
        };
        tracing::info!(
            capture = %job.id,
            source = %job.source_id,
            attempt = number,
            state = end.state().as_str(),
            ms = started.elapsed().as_millis() as u64,
            "source capture attempted"
        );
        if !self.store.finish_capture(job.id, &self.id, number, &end).await? {
            tracing::warn!(capture = %job.id, "a capture's lease ran out while it was being fetched");
        }
        Ok(())
    }

    /// One round: fetch every due capture this worker can claim, a batch at a time.
    pub async fn tick(&self) -> Result<usize, crate::store::StoreError> {
        let mut done = 0;
        loop {
            let now = Utc::now();
            let jobs = self.store.claim_captures(&self.id, now, now + self.config.lease, self.config.batch).await?;
            if jobs.is_empty() {
                return Ok(done);
            }
            done += jobs.len();
            for r in futures::future::join_all(jobs.into_iter().map(|j| self.fetch(j))).await {
                r?;
            }
        }
    }

    /// Runs rounds until the task is dropped or aborted.
    pub fn spawn(self) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let mut every = tokio::time::interval(self.config.poll);
            every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                every.tick().await;
                if let Err(e) = self.tick().await {
                    tracing::warn!(cause = %e, "capturing sources failed; tried again at the next round");
                }
            }
        })
    }
}
