//! What an outbound answer or error means for a capture, as a pure function: a success keeps the
//! bytes; an address or URL eventmap may not reach is `refused`; an error answer, a body over the
//! size limit (an endless one included) or too many redirects is `failed`; a network error, a
//! timeout or a temporary error answer (408, 425, 429, 5xx) is tried again.

use chrono::{DateTime, Utc};

use crate::domain::capture::{Fetched, Hop, Outcome};
use crate::outbound::{OutboundError, Reply};

fn pairs(h: &reqwest::header::HeaderMap) -> Vec<(String, String)> {
    h.iter().map(|(k, v)| (k.as_str().to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned())).collect()
}

fn fetched(r: Reply, at: DateTime<Utc>) -> Fetched {
    let hops =
        r.hops.into_iter().map(|h| (Hop::new(h.url, h.status, pairs(&h.headers), &h.body, h.at), h.body)).collect();
    Fetched { final_url: r.url, status: r.status, headers: pairs(&r.headers), body: r.body, at, hops }
}

/// The outcome of one attempt that ended with `result` at `at`.
pub fn outcome(result: Result<Reply, OutboundError>, at: DateTime<Utc>) -> Outcome {
    match result {
        Ok(r) if (200..300).contains(&r.status) => Outcome::Captured(fetched(r, at)),
        Ok(r) if matches!(r.status, 408 | 425 | 429) || r.status >= 500 => {
            Outcome::Retry(format!("the server answered {}", r.status))
        }
        Ok(r) => {
            let reason = format!("the server answered {}", r.status);
            Outcome::Failed { reason, fetched: Some(fetched(r, at)) }
        }
        Err(e @ (OutboundError::Scheme(_) | OutboundError::BadUrl(..) | OutboundError::Forbidden { .. })) => {
            Outcome::Refused(e.to_string())
        }
        Err(e @ (OutboundError::TooLarge(_) | OutboundError::Redirects(_))) => {
            Outcome::Failed { reason: e.to_string(), fetched: None }
        }
        Err(e @ (OutboundError::Timeout(_) | OutboundError::Unresolved(_) | OutboundError::Failed(_))) => {
            Outcome::Retry(e.to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(status: u16) -> Result<Reply, OutboundError> {
        Ok(Reply {
            status,
            headers: Default::default(),
            url: "http://a.example/".into(),
            body: "x".into(),
            hops: Vec::new(),
        })
    }

    #[test]
    fn each_kind_of_answer_and_error_has_its_outcome() {
        let now = Utc::now();
        assert!(matches!(outcome(reply(200), now), Outcome::Captured(_)));
        assert!(matches!(outcome(reply(404), now), Outcome::Failed { fetched: Some(_), .. }));
        assert!(matches!(outcome(reply(503), now), Outcome::Retry(_)));
        assert!(matches!(outcome(reply(429), now), Outcome::Retry(_)));
        let forbidden = OutboundError::Forbidden { host: "localhost".into(), ip: "127.0.0.1".into() };
        assert!(matches!(outcome(Err(forbidden), now), Outcome::Refused(_)));
        assert!(matches!(outcome(Err(OutboundError::TooLarge(10)), now), Outcome::Failed { fetched: None, .. }));
        assert!(matches!(outcome(Err(OutboundError::Timeout(1)), now), Outcome::Retry(_)));
    }
}
