//! How often wrong tokens may be tried: after ten failures in a minute from one client address,
//! or against one token id, further wrong tokens get a 429 for the rest of the minute. A token
//! that checks out is never refused, so that nobody can lock an editor out by failing on
//! purpose from the editor's address (or from behind the same proxy).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failed sign-ins allowed per address in one window.
const MAX_FAILURES: u32 = 10;
const WINDOW: Duration = Duration::from_secs(60);

/// What failures are counted by: where they come from, and which token they were tried on.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FailureKey {
    Address(IpAddr),
    TokenId(String),
}

/// Counts failed authentications per client address and per token id.
#[derive(Default)]
pub struct FailureLimiter {
    failures: Mutex<HashMap<FailureKey, (u32, Instant)>>,
}

impl FailureLimiter {
    /// Seconds to wait when `key` has failed too often, else `None`.
    pub fn blocked(&self, key: &FailureKey) -> Option<u64> {
        let m = self.failures.lock().expect("limiter lock");
        m.get(key).and_then(|(n, since)| {
            let elapsed = since.elapsed();
            (*n >= MAX_FAILURES && elapsed < WINDOW).then(|| (WINDOW - elapsed).as_secs().max(1))
        })
    }

    pub fn fail(&self, key: FailureKey) {
        let mut m = self.failures.lock().expect("limiter lock");
        if m.len() > 100_000 {
            m.retain(|_, (_, since)| since.elapsed() < WINDOW);
        }
        let e = m.entry(key).or_insert((0, Instant::now()));
        if e.1.elapsed() >= WINDOW {
            *e = (0, Instant::now());
        }
        e.0 += 1;
    }
}
