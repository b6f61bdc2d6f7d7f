//! The HTTP client of outbound requests: reqwest (rustls) with a resolver that hands it only the
//! addresses the [`Policy`] allows, redirects checked hop by hop, and a body read that stops at
//! the size limit. A POST follows redirects inside reqwest; a GET follows them here, one request
//! per hop, so that each hop's answer is kept (captures record the whole chain).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;

use super::{OutboundError, Policy};

/// Timeouts and sizes of outbound requests, and the name they go by.
#[derive(Debug, Clone)]
pub struct Limits {
    /// The `User-Agent` header ([`user_agent`]).
    pub user_agent: String,
    pub connect_timeout: Duration,
    /// From the start of the request to the last byte of the answer.
    pub total_timeout: Duration,
    /// Largest answer body read; a larger one is [`OutboundError::TooLarge`].
    pub body_limit: usize,
    /// Redirects followed at most (each hop checked like the first URL).
    pub max_redirects: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            user_agent: user_agent(None),
            connect_timeout: Duration::from_secs(5),
            total_timeout: Duration::from_secs(15),
            body_limit: 1024 * 1024,
            max_redirects: 3,
        }
    }
}

/// What an outbound request got back.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    /// The URL that answered, after redirects.
    pub url: String,
    pub body: Bytes,
    /// The redirect answers on the way, in order (a GET's; empty for a POST).
    pub hops: Vec<Hop>,
}

/// One redirect answer: the URL requested, and the status, headers and body it answered with.
#[derive(Debug, Clone)]
pub struct Hop {
    pub url: String,
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Bytes,
    /// When its answer was read.
    pub at: chrono::DateTime<chrono::Utc>,
}

/// Whether a GET that got `status` goes on to the `Location` (the statuses reqwest follows).
fn is_redirect(status: u16) -> bool {
    matches!(status, 301 | 302 | 303 | 307 | 308)
}

/// The identifying `User-Agent` of outbound requests: `eventmap/<version>`, with the instance's
/// public URL (`--public-url`) as the address to ask about them when it is set. There is no
/// project site to point at, and a made-up one would send a receiver's questions nowhere.
pub fn user_agent(public_url: Option<&str>) -> String {
    let version = env!("CARGO_PKG_VERSION");
    match public_url.map(str::trim).filter(|u| !u.is_empty()) {
        Some(u) => format!("eventmap/{version} (+{u})"),
        None => format!("eventmap/{version}"),
    }
}

/// Resolves names with the system resolver and keeps the addresses the policy allows.
struct CheckedResolver {
    policy: Arc<Policy>,
}

impl reqwest::dns::Resolve for CheckedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let policy = self.policy.clone();
        let host = name.as_str().to_string();
        Box::pin(async move {
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await
                .map_err(|_| {
                    Box::new(OutboundError::Unresolved(host.clone())) as Box<dyn std::error::Error + Send + Sync>
                })?
                .collect();
            // Boxed as the trait object itself (not a `Box<OutboundError>` inside one), so that
            // `classify` finds the refusal by downcasting and reports it as ours.
            let ok = policy
                .filter_addresses(&host, found)
                .map_err(|e| Box::new(e) as Box<dyn std::error::Error + Send + Sync>)?;
            Ok(Box::new(ok.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// A client for outbound requests; cheap to clone.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    /// The same client, but redirects are answers: a GET follows them itself.
    manual: reqwest::Client,
    policy: Arc<Policy>,
    limits: Limits,
}

impl Client {
    pub fn new(policy: Policy, limits: Limits) -> Result<Self, OutboundError> {
        let policy = Arc::new(policy);
        let (hop_policy, max) = (policy.clone(), limits.max_redirects);
        let redirects = reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() > max {
                return attempt.error(OutboundError::Redirects(max));
            }
            match hop_policy.check_url(attempt.url()) {
                Ok(()) => attempt.follow(),
                Err(e) => attempt.error(e),
            }
        });
        let build = |redirect: reqwest::redirect::Policy| {
            reqwest::Client::builder()
                .no_proxy()
                .dns_resolver(Arc::new(CheckedResolver { policy: policy.clone() }))
                .redirect(redirect)
                .connect_timeout(limits.connect_timeout)
                .timeout(limits.total_timeout)
                .user_agent(limits.user_agent.as_str())
                .build()
                .map_err(|e| OutboundError::Failed(format!("the HTTP client could not be built: {e}")))
        };
        let (http, manual) = (build(redirects)?, build(reqwest::redirect::Policy::none())?);
        Ok(Self { http, manual, policy, limits })
    }

    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Checks a URL as a request to it would be checked before resolving (for refusing a
    /// webhook at once rather than at its first delivery).
    pub fn check(&self, url: &str) -> Result<url::Url, OutboundError> {
        let u = url::Url::parse(url).map_err(|e| OutboundError::BadUrl(url.to_string(), e.to_string()))?;
        self.policy.check_url(&u)?;
        Ok(u)
    }

    /// POSTs `body` with `headers` to `url`.
    pub async fn post(
        &self,
        url: &str,
        headers: reqwest::header::HeaderMap,
        body: Bytes,
    ) -> Result<Reply, OutboundError> {
        let u = self.check(url)?;
        let req = self.http.post(u).headers(headers).body(body);
        self.send(req).await
    }

    /// GETs `url`, following at most `max_redirects` redirects, each hop's URL checked as the
    /// first was and its answer kept in [`Reply::hops`]. The total timeout covers the whole chain.
    pub async fn get(&self, url: &str) -> Result<Reply, OutboundError> {
        let chain = async {
            let mut u = self.check(url)?;
            let mut hops = Vec::new();
            loop {
                let reply = self.send(self.manual.get(u.clone())).await?;
                let location = reply.headers.get(reqwest::header::LOCATION).and_then(|v| v.to_str().ok());
                let next = match location {
                    Some(l) if is_redirect(reply.status) => u
                        .join(l)
                        .map_err(|e| OutboundError::BadUrl(l.to_string(), format!("a redirect's Location: {e}")))?,
                    _ => return Ok(Reply { hops, ..reply }),
                };
                if hops.len() >= self.limits.max_redirects {
                    return Err(OutboundError::Redirects(self.limits.max_redirects));
                }
                let at = chrono::Utc::now();
                hops.push(Hop { url: reply.url, status: reply.status, headers: reply.headers, body: reply.body, at });
                self.policy.check_url(&next)?;
                u = next;
            }
        };
        match tokio::time::timeout(self.limits.total_timeout, chain).await {
            Ok(r) => r,
            Err(_) => Err(OutboundError::Timeout(self.limits.total_timeout.as_secs())),
        }
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> Result<Reply, OutboundError> {
        let mut resp = req.send().await.map_err(|e| self.classify(&e))?;
        let (status, headers, url) = (resp.status().as_u16(), resp.headers().clone(), resp.url().to_string());
        if resp.content_length().is_some_and(|n| n > self.limits.body_limit as u64) {
            return Err(OutboundError::TooLarge(self.limits.body_limit));
        }
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| self.classify(&e))? {
            if body.len() + chunk.len() > self.limits.body_limit {
                return Err(OutboundError::TooLarge(self.limits.body_limit));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Reply { status, headers, url, body: Bytes::from(body), hops: Vec::new() })
    }

    /// The reason of a failed request: ours when the resolver or redirect policy refused it.
    fn classify(&self, e: &reqwest::Error) -> OutboundError {
        let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
        while let Some(s) = source {
            if let Some(o) = s.downcast_ref::<OutboundError>() {
                return o.clone();
            }
            source = s.source();
        }
        if e.is_timeout() {
            return OutboundError::Timeout(self.limits.total_timeout.as_secs());
        }
        let mut msg = e.to_string();
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            msg.push_str(": ");
            msg.push_str(&s.to_string());
            source = s.source();
        }
        OutboundError::Failed(msg)
    }
}

#[cfg(test)]
mod tests {
    use super::user_agent;

    #[test]
    fn the_user_agent_names_the_version_and_points_at_the_instance_only_when_it_has_a_public_url() {
        let v = env!("CARGO_PKG_VERSION");
        assert_eq!(user_agent(None), format!("eventmap/{v}"));
        assert_eq!(user_agent(Some("  ")), format!("eventmap/{v}"));
        assert_eq!(user_agent(Some("https://map.example.org")), format!("eventmap/{v} (+https://map.example.org)"));
    }
}
