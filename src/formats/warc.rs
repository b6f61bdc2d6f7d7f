//! One capture as a WARC 1.1 file (ISO 28500:2017): a `warcinfo` record, the `request` record
//! and the `response` record, uncompressed. Written by hand: the format is a few header lines
//! per record, and no WARC crate is needed for that.
//!
//! The response block is the status line, the headers as received and the bytes as kept. Two
//! headers are rewritten, because eventmap keeps the body after transfer decoding:
//! `Transfer-Encoding` is dropped and `Content-Length` is the length of the kept bytes (the
//! received values are kept as `X-Eventmap-Original-*`). The request block is the request as
//! eventmap made it to the final URL (method, target, `Host`, `User-Agent`); when redirects were
//! followed, the requests of the earlier hops are not recorded. Every record carries
//! `WARC-Block-Digest`, and the response `WARC-Payload-Digest`, as `sha256:` and lower-case hex,
//! the same hash the API shows.

use chrono::{DateTime, SecondsFormat, Utc};
use uuid::Uuid;

use crate::domain::capture::{Capture, sha256_hex};

/// The reason phrase of common statuses (the status line needs one; any text is valid).
fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        203 => "Non-Authoritative Information",
        204 => "No Content",
        206 => "Partial Content",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        410 => "Gone",
        500 => "Internal Server Error",
        _ => "",
    }
}

fn record(out: &mut Vec<u8>, fields: &[(&str, String)], block: &[u8]) {
    out.extend_from_slice(b"WARC/1.1\r\n");
    for (k, v) in fields {
        out.extend_from_slice(format!("{k}: {v}\r\n").as_bytes());
    }
    out.extend_from_slice(format!("WARC-Block-Digest: sha256:{}\r\n", sha256_hex(block)).as_bytes());
    out.extend_from_slice(format!("Content-Length: {}\r\n\r\n", block.len()).as_bytes());
    out.extend_from_slice(block);
    out.extend_from_slice(b"\r\n\r\n");
}

/// A header value safe on one line (no CR or LF).
fn one_line(s: &str) -> String {
    s.replace(['\r', '\n'], " ")
}

fn warc_date(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The HTTP response as recorded: status line, headers (see the module doc), blank line, body.
pub fn response_block(c: &Capture, body: &[u8]) -> Vec<u8> {
    let status = c.status.unwrap_or(200);
    let mut b = format!("HTTP/1.1 {status} {}\r\n", reason(status)).into_bytes();
    for (k, v) in &c.headers {
        let k = one_line(k);
        if k.eq_ignore_ascii_case("transfer-encoding") || k.eq_ignore_ascii_case("content-length") {
            b.extend_from_slice(format!("X-Eventmap-Original-{k}: {}\r\n", one_line(v)).as_bytes());
        } else {
            b.extend_from_slice(format!("{k}: {}\r\n", one_line(v)).as_bytes());
        }
    }
    b.extend_from_slice(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
    b.extend_from_slice(body);
    b
}

/// The WARC file of a capture whose kept bytes are `body`, made with `user_agent`.
pub fn write(c: &Capture, body: &[u8], user_agent: &str, now: DateTime<Utc>) -> Vec<u8> {
    let target = c.final_url.clone().unwrap_or_else(|| c.url.clone());
    let date = warc_date(c.captured_at.unwrap_or(c.requested_at));
    // Record ids derived from the capture's id, so the same capture always makes the same file.
    let rid = |kind: &str| format!("<urn:uuid:{}>", Uuid::new_v5(&c.id, kind.as_bytes()));
    let (info_id, req_id, resp_id) = (rid("warcinfo"), rid("request"), rid("response"));
    let mut out = Vec::with_capacity(body.len() + 2048);

    let info = format!(
        "software: eventmap/{}\r\nformat: WARC File Format 1.1\r\nconformsTo: https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/\r\n\
         description: capture {} of source {} ({})\r\nwritten: {}\r\n",
        env!("CARGO_PKG_VERSION"),
        c.id,
        c.source_id,
        one_line(&c.url),
        warc_date(now)
    );
    record(
        &mut out,
        &[
            ("WARC-Type", "warcinfo".into()),
            ("WARC-Record-ID", info_id.clone()),
            ("WARC-Date", date.clone()),
            ("Content-Type", "application/warc-fields".into()),
        ],
        info.as_bytes(),
    );

    let u = url::Url::parse(&target).ok();
    let path = u.as_ref().map(|u| &u[url::Position::BeforePath..url::Position::AfterQuery]).unwrap_or("/");
    let host = u.as_ref().map(|u| &u[url::Position::BeforeHost..url::Position::AfterPort]).unwrap_or_default();
    let request = format!(
        "GET {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: {}\r\nAccept: */*\r\n\r\n",
        if path.is_empty() { "/" } else { path },
        host,
        one_line(user_agent)
    );
    let target = one_line(&target);
    record(
        &mut out,
        &[
            ("WARC-Type", "request".into()),
            ("WARC-Record-ID", req_id.clone()),
            ("WARC-Date", date.clone()),
            ("WARC-Target-URI", target.clone()),
            ("WARC-Warcinfo-ID", info_id.clone()),
            ("WARC-Concurrent-To", resp_id.clone()),
            ("Content-Type", "application/http;msgtype=request".into()),
        ],
        request.as_bytes(),
    );

    let block = response_block(c, body);
    record(
        &mut out,
        &[
            ("WARC-Type", "response".into()),
            ("WARC-Record-ID", resp_id),
            ("WARC-Date", date),
            ("WARC-Target-URI", target),
            ("WARC-Warcinfo-ID", info_id),
            ("WARC-Payload-Digest", format!("sha256:{}", sha256_hex(body))),
            ("Content-Type", "application/http;msgtype=response".into()),
        ],
        &block,
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::capture::CaptureState;

    fn capture() -> Capture {
        let at = DateTime::parse_from_rfc3339("2025-02-11T08:02:00Z").unwrap().with_timezone(&Utc);
        Capture {
            id: Uuid::now_v7(),
            source_id: Uuid::now_v7(),
            state: CaptureState::Captured,
            reason: None,
            url: "http://a.example/x".into(),
            final_url: Some("http://a.example/y?q=1".into()),
            status: Some(200),
            content_type: Some("text/html".into()),
            bytes: Some(5),
            sha256: Some(sha256_hex(b"hello")),
            captured_at: Some(at),
            requested_at: at,
            requested_by: "t".into(),
            attempts: 1,
            origin: "eventmap".into(),
            archive_url: None,
            headers: vec![("content-type".into(), "text/html".into()), ("transfer-encoding".into(), "chunked".into())],
        }
    }

    #[test]
    fn a_warc_has_three_records_whose_lengths_and_digests_match_their_blocks() {
        let c = capture();
        let w = write(&c, b"hello", "eventmap/test", Utc::now());
        let text = String::from_utf8(w.clone()).unwrap();
        assert_eq!(text.matches("WARC/1.1\r\n").count(), 3, "{text}");
        assert!(text.contains("WARC-Target-URI: http://a.example/y?q=1\r\n"));
        assert!(text.contains("GET /y?q=1 HTTP/1.1\r\nHost: a.example\r\n"));
        assert!(text.contains(&format!("WARC-Payload-Digest: sha256:{}\r\n", sha256_hex(b"hello"))));
        assert!(text.contains("X-Eventmap-Original-transfer-encoding: chunked\r\n"));
        assert!(text.contains("WARC-Date: 2025-02-11T08:02:00Z\r\n"));
        // Walk the records by their Content-Length and check each block digest.
        let mut rest: &[u8] = &w;
        let mut n = 0;
        while !rest.is_empty() {
            let head_end = rest.windows(4).position(|x| x == b"\r\n\r\n").unwrap();
            let head = std::str::from_utf8(&rest[..head_end]).unwrap();
            let len: usize = head.lines().find_map(|l| l.strip_prefix("Content-Length: ")).unwrap().parse().unwrap();
            let digest = head.lines().find_map(|l| l.strip_prefix("WARC-Block-Digest: sha256:")).unwrap();
            let block = &rest[head_end + 4..head_end + 4 + len];
            assert_eq!(digest, sha256_hex(block));
            assert_eq!(&rest[head_end + 4 + len..head_end + 8 + len], b"\r\n\r\n");
            rest = &rest[head_end + 8 + len..];
            n += 1;
        }
        assert_eq!(n, 3);
        assert!(response_block(&c, b"hello").ends_with(b"Content-Length: 5\r\n\r\nhello"));
    }
}
