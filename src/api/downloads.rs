//! At most a few heavy downloads per client address at once (exports as CSV, KML or NDJSON,
//! lists of more than 1,000 events, OGC pages of more than 1,000): one more is a 429 problem
//! with `Retry-After` (`middleware::download_cap`). A download holds its slot until its body is
//! sent or dropped, so a client that opens many and reads none of them cannot take more than its
//! share of memory and time.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

/// Heavy downloads open at once per client address, by default: enough for a few people behind
/// one newsroom address, each with the map open (its own page of up to 10,000 events is one)
/// and an export or two, and still a bound on what one address can hold.
pub const PER_CLIENT: usize = 8;

/// What a refused client is told to wait, in seconds.
pub const RETRY_AFTER: u64 = 5;

/// The heavy downloads open, by client address.
#[derive(Default)]
pub struct Downloads {
    open: Mutex<HashMap<IpAddr, usize>>,
}

/// One open download; its slot is given back when dropped.
pub struct Slot {
    downloads: Arc<Downloads>,
    client: IpAddr,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.downloads.open.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = open.get_mut(&self.client) {
            *n -= 1;
            if *n == 0 {
                open.remove(&self.client);
            }
        }
    }
}

impl Downloads {
    /// A slot for `client` if it has fewer than `limit` open.
    pub fn take(self: &Arc<Self>, client: IpAddr, limit: usize) -> Option<Slot> {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        let n = open.entry(client).or_default();
        if *n >= limit {
            return None;
        }
        *n += 1;
        Some(Slot { downloads: self.clone(), client })
    }
}

/// Whether a request is a heavy download: a list of events as CSV, KML or NDJSON (every match
/// unless `limit` says fewer), or a page of more than 1,000 events or features.
pub fn is_heavy(path: &str, query: &str) -> bool {
    let events = path == "/api/events";
    let ogc = path.starts_with("/ogc/collections/") && path.ends_with("/items");
    if !events && !ogc {
        return false;
    }
    let mut heavy = false;
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
        match &*k {
            "format" if events => heavy |= matches!(&*v, "csv" | "kml" | "ndjson"),
            "f" if ogc => heavy |= matches!(&*v, "csv" | "kml" | "ndjson"),
            "limit" => heavy |= v.parse::<u64>().is_ok_and(|n| n > 1_000),
            _ => {}
        }
    }
    heavy
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exports_and_pages_over_1000_are_heavy_and_the_rest_is_not() {
        assert!(is_heavy("/api/events", "format=csv"));
        assert!(is_heavy("/api/events", "bbox=1,2,3,4&format=kml&limit=10"));
        assert!(is_heavy("/api/events", "limit=5000"));
        assert!(is_heavy("/ogc/collections/events/items", "limit=2000"));
        assert!(!is_heavy("/api/events", "limit=1000"));
        assert!(!is_heavy("/api/events", "format=geojson"));
        assert!(!is_heavy("/api/events/histogram", "limit=5000"));
        assert!(!is_heavy("/ogc/collections/events/items", "limit=100"));
    }

    #[test]
    fn a_client_gets_its_share_and_its_slots_back() {
        let d = Arc::new(Downloads::default());
        let (a, b) = (IpAddr::from([10, 0, 0, 1]), IpAddr::from([10, 0, 0, 2]));
        let first = d.take(a, 2).unwrap();
        let _second = d.take(a, 2).unwrap();
        assert!(d.take(a, 2).is_none(), "a third is refused");
        assert!(d.take(b, 2).is_some(), "another client is not");
        drop(first);
        assert!(d.take(a, 2).is_some(), "a slot given back is taken again");
    }
}
