//! How often one client address may present a wrong token: after ten failures in a minute it
//! waits out the rest of the minute.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failed sign-ins allowed per address in one window.
const MAX_FAILURES: u32 = 10;
const WINDOW: Duration = Duration::from_secs(60);

/// Counts failed authentications per client address.
#[derive(Default)]
pub struct FailureLimiter {
    failures: Mutex<HashMap<IpAddr, (u32, Instant)>>,
}

impl FailureLimiter {
    /// Seconds to wait when the address has failed too often, else `None`.
    pub fn blocked(&self, ip: IpAddr) -> Option<u64> {
        let m = self.failures.lock().expect("limiter lock");
        m.get(&ip).and_then(|(n, since)| {
            let elapsed = since.elapsed();
            (*n >= MAX_FAILURES && elapsed < WINDOW).then(|| (WINDOW - elapsed).as_secs().max(1))
        })
    }

    pub fn fail(&self, ip: IpAddr) {
        let mut m = self.failures.lock().expect("limiter lock");
        if m.len() > 100_000 {
            m.retain(|_, (_, since)| since.elapsed() < WINDOW);
        }
        let e = m.entry(ip).or_insert((0, Instant::now()));
        if e.1.elapsed() >= WINDOW {
            *e = (0, Instant::now());
        }
        e.0 += 1;
    }
}
