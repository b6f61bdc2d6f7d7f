//! Captures of a source: what was at its URL when eventmap (or another archiver) fetched it, with
//! the time, the HTTP status and headers, and the SHA-256 of the bytes. Pure types; the fetching
//! is `capture/`, the storage `store/captures.rs`.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// Where a capture stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum CaptureState {
    /// Waiting for its first or next attempt.
    Queued,
    /// The bytes are kept.
    Captured,
    /// Given up, with the reason (an error answer, a too large or endless body, attempts spent).
    Failed,
    /// Never requested: the URL or its address is one eventmap may not reach.
    Refused,
}

impl CaptureState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Captured => "captured",
            Self::Failed => "failed",
            Self::Refused => "refused",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "queued" => Self::Queued,
            "captured" => Self::Captured,
            "failed" => Self::Failed,
            "refused" => Self::Refused,
            _ => return None,
        })
    }
}

/// One capture of a source, as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Capture {
    #[schema(value_type = String, format = Uuid)]
    pub id: Uuid,
    #[schema(value_type = String, format = Uuid)]
    pub source_id: Uuid,
    pub state: CaptureState,
    /// Why it failed or was refused, or why the last attempt did not succeed.
    pub reason: Option<String>,
    /// The URL requested.
    pub url: String,
    /// The URL that answered, after redirects.
    pub final_url: Option<String>,
    pub status: Option<u16>,
    pub content_type: Option<String>,
    /// The size of the kept bytes.
    pub bytes: Option<u64>,
    /// Lower-case hex SHA-256 of the bytes.
    pub sha256: Option<String>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub captured_at: Option<DateTime<Utc>>,
    #[schema(value_type = String, format = DateTime)]
    pub requested_at: DateTime<Utc>,
    pub requested_by: String,
    pub attempts: u32,
    /// `eventmap`, or `auto-archiver` for a capture imported from Bellingcat's Auto Archiver.
    pub origin: String,
    /// Where another archiver keeps its copy (imported captures, whose bytes eventmap lacks).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub archive_url: Option<String>,
    /// The response headers as received, in order.
    #[serde(skip)]
    pub headers: Vec<(String, String)>,
    /// The redirect answers on the way to `final_url`, in order (none when the URL answered).
    pub hops: Vec<Hop>,
}

/// One redirect answer on the way to a capture's final URL.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Hop {
    /// The URL requested.
    pub url: String,
    pub status: u16,
    /// Its `Location` header as received (relative or absolute).
    pub location: Option<String>,
    /// The response headers as received, in order.
    #[serde(skip)]
    pub headers: Vec<(String, String)>,
    /// Lower-case hex SHA-256 of its body (kept with the capture bytes; often empty).
    #[serde(skip)]
    pub sha256: String,
    #[serde(skip)]
    pub bytes: u64,
    #[serde(skip)]
    pub at: DateTime<Utc>,
}

impl Hop {
    /// A hop whose answer had these headers and this body; its `location` read from them.
    pub fn new(url: String, status: u16, headers: Vec<(String, String)>, body: &[u8], at: DateTime<Utc>) -> Self {
        let location = header(&headers, "location").map(str::to_string);
        Self { url, status, location, headers, sha256: sha256_hex(body), bytes: body.len() as u64, at }
    }
}

/// What one attempt at a capture came to.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The server answered with a success: the bytes are kept.
    Captured(Fetched),
    /// Not worth trying again: an error answer, a body over the limit, too many redirects.
    Failed { reason: String, fetched: Option<Fetched> },
    /// The URL or its address may not be reached.
    Refused(String),
    /// A network error or a temporary error answer: tried again after a wait, if any is left.
    Retry(String),
}

/// What the server answered.
#[derive(Debug, Clone, PartialEq)]
pub struct Fetched {
    pub final_url: String,
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: bytes::Bytes,
    pub at: DateTime<Utc>,
    /// The redirect answers on the way, with their bodies.
    pub hops: Vec<(Hop, bytes::Bytes)>,
}

impl Fetched {
    /// The `Content-Type` header, if any.
    pub fn content_type(&self) -> Option<String> {
        header(&self.headers, "content-type").map(str::to_string)
    }
}

/// The first value of header `name` (any case).
pub fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}

/// Lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let d = Sha256::digest(bytes);
    let mut s = String::with_capacity(64);
    for b in d {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// Whether `s` is a SHA-256 in lower-case hex.
pub fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_of_known_bytes_is_the_published_one() {
        // FIPS 180-2 example "abc".
        assert_eq!(sha256_hex(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert!(is_sha256_hex(&sha256_hex(b"")));
        assert!(!is_sha256_hex("BA7816BF"));
    }

    #[test]
    fn states_read_back_what_they_write() {
        for s in [CaptureState::Queued, CaptureState::Captured, CaptureState::Failed, CaptureState::Refused] {
            assert_eq!(CaptureState::parse(s.as_str()), Some(s));
        }
        assert_eq!(CaptureState::parse("done"), None);
    }
}
