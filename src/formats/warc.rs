//! One capture as a WARC 1.1 file (ISO 28500:2017): a `warcinfo` record, then a `request` and a
//! `response` record for each redirect hop on the way, then the pair of the final URL,
//! uncompressed. Written by hand: the format is a few header lines per record, and no WARC crate
//! is needed for that.
//!
//! A response block is the status line, the headers as received and the body as kept. Two
//! headers are rewritten, because eventmap keeps the body after transfer decoding:
//! `Transfer-Encoding` is dropped and `Content-Length` is the length of the kept bytes (the
//! received values are kept as `X-Eventmap-Original-*`). A request block is the request as
//! eventmap made it (method, target, `Host`, `User-Agent`); each hop's request was made to the
//! hop's URL, with the same headers. Every record carries `WARC-Block-Digest`, and each response
//! `WARC-Payload-Digest`, as `sha256:` and lower-case hex: the final one is the hash the API shows.

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
pub fn response_block(status: u16, headers: &[(String, String)], body: &[u8]) -> Vec<u8> {
    let mut b = format!("HTTP/1.1 {status} {}\r\n", reason(status)).into_bytes();
    for (k, v) in headers {
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

/// One exchange of a capture: the URL requested and the answer, as recorded.
struct Exchange<'a> {
    url: &'a str,
    at: DateTime<Utc>,
    status: u16,
    headers: &'a [(String, String)],
    body: &'a [u8],
}

/// The request block of a GET of `target` made with `user_agent`.
fn request_block(target: &str, user_agent: &str) -> String {
    let u = url::Url::parse(target).ok();
    let path = u.as_ref().map(|u| &u[url::Position::BeforePath..url::Position::AfterQuery]).unwrap_or("/");
    let host = u.as_ref().map(|u| &u[url::Position::BeforeHost..url::Position::AfterPort]).unwrap_or_default();
    format!(
        "GET {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: {}\r\nAccept: */*\r\n\r\n",
        if path.is_empty() { "/" } else { path },
        host,
        one_line(user_agent)
    )
}

/// The WARC file of a capture whose kept bytes are `body` and whose redirect hops' bodies are
/// `hop_bodies` (in the order of `c.hops`), made with `user_agent`.
pub fn write(c: &Capture, body: &[u8], hop_bodies: &[Vec<u8>], user_agent: &str, now: DateTime<Utc>) -> Vec<u8> {
    let at = c.captured_at.unwrap_or(c.requested_at);
    // Record ids derived from the capture's id, so the same capture always makes the same file.
    let rid = |kind: &str| format!("<urn:uuid:{}>", Uuid::new_v5(&c.id, kind.as_bytes()));
    let info_id = rid("warcinfo");
    let mut out = Vec::with_capacity(body.len() + 2048 * (1 + c.hops.len()));

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
            ("WARC-Date", warc_date(at)),
            ("Content-Type", "application/warc-fields".into()),
        ],
        info.as_bytes(),
    );

    let empty: &[u8] = &[];
    let mut exchanges: Vec<Exchange<'_>> = c
        .hops
        .iter()
        .enumerate()
        .map(|(i, h)| Exchange {
            url: &h.url,
            at: h.at,
            status: h.status,
            headers: &h.headers,
            body: hop_bodies.get(i).map(Vec::as_slice).unwrap_or(empty),
        })
        .collect();
    exchanges.push(Exchange {
        url: c.final_url.as_deref().unwrap_or(&c.url),
        at,
        status: c.status.unwrap_or(200),
        headers: &c.headers,
        body,
    });
    for (i, x) in exchanges.iter().enumerate() {
        // The final pair keeps the ids of files written before hops were recorded.
        let last = i + 1 == exchanges.len();
        let (req_id, resp_id) = if last {
            (rid("request"), rid("response"))
        } else {
            (rid(&format!("request {i}")), rid(&format!("response {i}")))
        };
        let (target, date) = (one_line(x.url), warc_date(x.at));
        record(
            &mut out,
            &[
                ("WARC-Type", "request".into()),
                ("WARC-Record-ID", req_id),
                ("WARC-Date", date.clone()),
                ("WARC-Target-URI", target.clone()),
                ("WARC-Warcinfo-ID", info_id.clone()),
                ("WARC-Concurrent-To", resp_id.clone()),
                ("Content-Type", "application/http;msgtype=request".into()),
            ],
            request_block(x.url, user_agent).as_bytes(),
        );
        record(
            &mut out,
            &[
                ("WARC-Type", "response".into()),
                ("WARC-Record-ID", resp_id),
                ("WARC-Date", date),
                ("WARC-Target-URI", target),
                ("WARC-Warcinfo-ID", info_id.clone()),
                ("WARC-Payload-Digest", format!("sha256:{}", sha256_hex(x.body))),
                ("Content-Type", "application/http;msgtype=response".into()),
            ],
            &response_block(x.status, x.headers, x.body),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::capture::{CaptureState, Hop};

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
            hops: vec![Hop::new(
                "http://a.example/x".into(),
                302,
                vec![("location".into(), "/y?q=1".into()), ("content-length".into(), "5".into())],
                b"moved",
                at - chrono::Duration::seconds(1),
            )],
        }
    }

    #[test]
    fn a_warc_has_a_pair_of_records_per_hop_whose_lengths_and_digests_match_their_blocks() {
        let c = capture();
        let w = write(&c, b"hello", &[b"moved".to_vec()], "eventmap/test", Utc::now());
        let text = String::from_utf8(w.clone()).unwrap();
        assert!(text.contains("GET /y?q=1 HTTP/1.1\r\nHost: a.example\r\n"));
        assert!(text.contains("GET /x HTTP/1.1\r\nHost: a.example\r\n"), "the hop's request");
        assert!(text.contains("HTTP/1.1 302 Found\r\nlocation: /y?q=1\r\n"), "the hop's answer");
        assert!(text.contains(&format!("WARC-Payload-Digest: sha256:{}\r\n", sha256_hex(b"hello"))));
        assert!(text.contains(&format!("WARC-Payload-Digest: sha256:{}\r\n", sha256_hex(b"moved"))));
        assert!(text.contains("X-Eventmap-Original-transfer-encoding: chunked\r\n"));
        assert!(text.contains("WARC-Date: 2025-02-11T08:02:00Z\r\n"));
        assert!(text.contains("WARC-Date: 2025-02-11T08:01:59Z\r\n"), "the hop's own time");
        // Walk the records by their Content-Length and check each block digest.
        let mut rest: &[u8] = &w;
        let mut seen = Vec::new();
        while !rest.is_empty() {
            let head_end = rest.windows(4).position(|x| x == b"\r\n\r\n").unwrap();
            let head = std::str::from_utf8(&rest[..head_end]).unwrap();
            let len: usize = head.lines().find_map(|l| l.strip_prefix("Content-Length: ")).unwrap().parse().unwrap();
            let digest = head.lines().find_map(|l| l.strip_prefix("WARC-Block-Digest: sha256:")).unwrap();
            let block = &rest[head_end + 4..head_end + 4 + len];
            assert_eq!(digest, sha256_hex(block));
            assert_eq!(&rest[head_end + 4 + len..head_end + 8 + len], b"\r\n\r\n");
            let kind = head.lines().find_map(|l| l.strip_prefix("WARC-Type: ")).unwrap().to_string();
            let uri = head.lines().find_map(|l| l.strip_prefix("WARC-Target-URI: ")).unwrap_or("").to_string();
            seen.push((kind, uri));
            rest = &rest[head_end + 8 + len..];
        }
        let (x, y) = ("http://a.example/x", "http://a.example/y?q=1");
        let want = [("warcinfo", ""), ("request", x), ("response", x), ("request", y), ("response", y)];
        assert_eq!(seen, want.map(|(k, u)| (k.to_string(), u.to_string())));
        assert!(response_block(200, &c.headers, b"hello").ends_with(b"Content-Length: 5\r\n\r\nhello"));
        // Without hops, three records.
        let plain = Capture { hops: Vec::new(), ..c };
        let text = String::from_utf8(write(&plain, b"hello", &[], "eventmap/test", Utc::now())).unwrap();
        assert_eq!(text.matches("WARC/1.1\r\n").count(), 3, "{text}");
    }
}
