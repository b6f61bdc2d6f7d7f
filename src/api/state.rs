//! What every handler may use: the store, the gazetteer, the vocabulary, the settings from the
//! command line, and the counters and caches that live as long as the server.

use std::sync::Arc;
use std::time::Duration;

use super::downloads::Downloads;
use super::extent::ExtentCache;
use super::limiter::FailureLimiter;
use super::metrics::Metrics;
use crate::domain::Vocabulary;
use crate::gazetteer::Gazetteer;
use crate::store::DynStore;

/// Settings of the API that come from the command line.
#[derive(Debug, Clone)]
pub struct ApiConfig {
    /// Reads need a viewer token too.
    pub private: bool,
    /// The address clients use, for absolute links (`https://map.example.org`).
    pub public_url: Option<String>,
    /// `Host` names answered besides loopback ones and `public_url`'s (`*`: any); see `guard`.
    pub allowed_hosts: Vec<String>,
    /// A team's own basemap style URL, served to the map.
    pub basemap_style: Option<String>,
    /// The origin of `basemap_style`, allowed by the Content-Security-Policy.
    pub basemap_origin: Option<String>,
    /// Origins allowed to call the API from a browser (CORS); empty means none.
    pub cors_origins: Vec<String>,
    /// Largest request body in bytes.
    pub body_limit: usize,
    pub request_timeout: Duration,
    /// The header in which a trusted reverse proxy puts the client's address
    /// (`X-Forwarded-For`); without it, the peer's address is the client's.
    pub client_ip_header: Option<String>,
    /// Heavy downloads (exports, pages over 1,000) one client address may have open at once.
    pub downloads_per_client: usize,
    /// Hosts outbound requests (webhooks) may reach though they are not public (`--allow-host`).
    pub outbound_hosts: Vec<String>,
    /// Queue a capture of each new source (`serve` does unless `--no-capture`; off by default
    /// here so that tests and tools that build a state choose).
    pub capture: bool,
}

impl Default for ApiConfig {
    fn default() -> Self {
        Self {
            private: false,
            public_url: None,
            allowed_hosts: Vec::new(),
            basemap_style: None,
            basemap_origin: None,
            cors_origins: Vec::new(),
            body_limit: 2 * 1024 * 1024,
            request_timeout: Duration::from_secs(30),
            client_ip_header: None,
            downloads_per_client: super::downloads::PER_CLIENT,
            outbound_hosts: Vec::new(),
            capture: false,
        }
    }
}

/// What every handler may use.
#[derive(Clone)]
pub struct AppState {
    pub store: DynStore,
    pub gazetteer: Arc<Gazetteer>,
    pub vocab: Arc<Vocabulary>,
    pub config: Arc<ApiConfig>,
    pub metrics: Arc<Metrics>,
    pub limiter: Arc<FailureLimiter>,
    /// The extent of the events, for OGC API – Features.
    pub ogc: Arc<ExtentCache>,
    /// The heavy downloads open, by client address.
    pub downloads: Arc<Downloads>,
    /// Where outbound requests may go.
    pub outbound: Arc<crate::outbound::Policy>,
}

impl AppState {
    pub fn new(store: DynStore, gazetteer: Arc<Gazetteer>, vocab: Vocabulary, config: ApiConfig) -> Self {
        let outbound = Arc::new(crate::outbound::Policy::new(&config.outbound_hosts));
        Self {
            outbound,
            store,
            gazetteer,
            vocab: Arc::new(vocab),
            config: Arc::new(config),
            metrics: Arc::new(Metrics::default()),
            limiter: Arc::new(FailureLimiter::default()),
            ogc: Arc::new(ExtentCache::default()),
            downloads: Arc::new(Downloads::default()),
        }
    }
}
