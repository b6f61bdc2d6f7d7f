//! Requests this server makes to other servers (webhook deliveries and source captures),
//! under one policy: http and https only; no loopback, private, link-local, multicast or
//! unspecified address unless the host is allowed by name (`--allow-host`); connect and total
//! timeouts; a body size limit enforced while reading; a few redirects, each hop checked again
//! (and, for a GET, each hop's answer kept).
//!
//! The address check is made on the *resolved* addresses, and the connection is made to the
//! addresses that passed (the resolver hands only those to the HTTP client), so a name that
//! resolves to a public address when checked and to a private one when connecting (DNS
//! rebinding) cannot slip through. System proxies are ignored for the same reason: a proxy would
//! resolve the name itself. This module knows nothing of webhooks or HTTP handlers.

mod address;
mod client;

pub use address::{Policy, is_forbidden};
pub use client::{Client, Hop, Limits, Reply, user_agent};

/// Why an outbound request was not made or did not complete.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OutboundError {
    #[error("`{0}` is not an http or https URL")]
    Scheme(String),
    #[error("the URL `{0}` cannot be used: {1}")]
    BadUrl(String, String),
    #[error(
        "{host} is a loopback, private, link-local or otherwise non-public address ({ip}); allow the host with --allow-host if it is meant"
    )]
    Forbidden { host: String, ip: String },
    #[error("{0} has no address")]
    Unresolved(String),
    #[error("no answer within {0} seconds")]
    Timeout(u64),
    #[error("the answer is larger than {0} bytes")]
    TooLarge(usize),
    #[error("more than {0} redirects")]
    Redirects(usize),
    #[error("{0}")]
    Failed(String),
}
