//! Checks of a request's head, before any handler: the `Host` it names (links are built from it,
//! so only this server's own names are taken), the length of its URI and the size of its headers
//! (answered as problems, below the limits at which hyper answers with no body), and a
//! `Content-Encoding` of its body (none is decoded: a 415).

use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::ApiError;
use super::state::{ApiConfig, AppState};

/// Longest request URI (path and query), in bytes; a longer one is a 414 problem. hyper itself
/// cuts URIs of 64 KiB with a bare 414.
pub const MAX_URI_BYTES: usize = 8 * 1024;

/// Most bytes of request header names and values together; more is a 431 problem.
pub const MAX_HEADER_BYTES: usize = 32 * 1024;

/// Most request header fields; more is a 431 problem.
pub const MAX_HEADERS: usize = 100;

/// The HTTP layer's own limits, above ours, where hyper answers a 431 with no body: the read
/// buffer of a request head, and its header fields.
pub const HYPER_MAX_BUF: usize = 64 * 1024;
pub const HYPER_MAX_HEADERS: usize = 2 * MAX_HEADERS;

/// Paths that build no links and that load balancers probe by the server's address.
pub const ANY_HOST: [&str; 3] = ["/healthz", "/readyz", "/metrics"];

/// The name in a `Host` value, lower case, without its port (`[::1]:8080` → `[::1]`).
fn host_name(host: &str) -> String {
    let h = host.trim().to_ascii_lowercase();
    if h.starts_with('[') {
        return h.split_once(']').map(|(a, _)| format!("{a}]")).unwrap_or(h);
    }
    h.rsplit_once(':').filter(|(_, port)| port.bytes().all(|b| b.is_ascii_digit())).map(|(a, _)| a.into()).unwrap_or(h)
}

/// Whether links may be built from this `Host` value: a loopback name, one of `--allowed-host`
/// (a name matches any port, `name:port` that port only), the host of `--public-url`, or any
/// with `--allowed-host '*'`.
pub fn host_allowed(config: &ApiConfig, host: &str) -> bool {
    let name = host_name(host);
    let loopback = name == "localhost"
        || name.ends_with(".localhost")
        || name == "[::1]"
        || name.parse::<std::net::Ipv4Addr>().is_ok_and(|ip| ip.is_loopback());
    let public = config
        .public_url
        .as_deref()
        .and_then(|u| url::Url::parse(u).ok())
        .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
        .is_some_and(|h| h == name);
    loopback
        || public
        || config.allowed_hosts.iter().any(|a| {
            let a = a.trim().to_ascii_lowercase();
            a == "*" || a == name || a == host.trim().to_ascii_lowercase()
        })
}

/// A `Host` that is not this server's is a 421 (unless `--public-url` is set and no
/// `--allowed-host`: links then never use `Host`).
pub async fn host(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let config = &state.config;
    let checked = config.public_url.is_none() || !config.allowed_hosts.is_empty();
    if checked && !ANY_HOST.contains(&req.uri().path()) {
        let host = req.headers().get(header::HOST).map(|h| h.to_str().unwrap_or("?"));
        if let Some(h) = host.filter(|h| !host_allowed(config, h)) {
            return ApiError::Misdirected(format!(
                "this server does not answer for `{h}`: start it with --public-url or --allowed-host naming it"
            ))
            .into_response();
        }
    }
    next.run(req).await
}

/// 414 for a long URI, 431 for large headers, 415 for an encoded body.
pub async fn head(req: Request, next: Next) -> Response {
    let uri = req.uri().path_and_query().map_or(0, |p| p.as_str().len());
    if uri > MAX_URI_BYTES {
        return ApiError::UriTooLong(format!(
            "the URI has {uri} bytes; at most {MAX_URI_BYTES} are taken (send long lists in fewer parameters)"
        ))
        .into_response();
    }
    let headers = req.headers();
    let bytes: usize = headers.iter().map(|(k, v)| k.as_str().len() + v.len()).sum();
    if headers.len() > MAX_HEADERS || bytes > MAX_HEADER_BYTES {
        return ApiError::HeadersTooLarge(format!(
            "the request has {} header fields of {bytes} bytes; at most {MAX_HEADERS} fields of {MAX_HEADER_BYTES} \
             bytes are taken",
            headers.len()
        ))
        .into_response();
    }
    let encodings: Vec<&HeaderValue> = headers.get_all(header::CONTENT_ENCODING).iter().collect();
    let encoded = encodings
        .iter()
        .flat_map(|v| v.to_str().unwrap_or("?").split(','))
        .map(str::trim)
        .find(|e| !e.is_empty() && !e.eq_ignore_ascii_case("identity"));
    if let Some(e) = encoded {
        let mut r = ApiError::UnsupportedMediaType(format!(
            "request bodies are taken unencoded: send it without `Content-Encoding: {e}`"
        ))
        .into_response();
        // RFC 7694: the encodings the server takes.
        r.headers_mut().insert(header::ACCEPT_ENCODING, HeaderValue::from_static("identity"));
        return r;
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_names_the_public_url_and_allowed_hosts_are_taken() {
        let mut c = ApiConfig::default();
        for ok in ["localhost", "localhost:8080", "127.0.0.1:3000", "[::1]:80", "LOCALHOST"] {
            assert!(host_allowed(&c, ok), "{ok}");
        }
        for bad in ["evil.example", "evil.example:8080", "10.0.0.5:8080", "127.0.0.1.evil.example", "[::2]"] {
            assert!(!host_allowed(&c, bad), "{bad}");
        }
        c.allowed_hosts = vec!["map.example.org".into(), "10.0.0.5:8080".into()];
        assert!(host_allowed(&c, "Map.Example.org:443"));
        assert!(host_allowed(&c, "10.0.0.5:8080"));
        assert!(!host_allowed(&c, "10.0.0.5:9090"));
        c.public_url = Some("https://events.example.org/".into());
        assert!(host_allowed(&c, "events.example.org"));
        assert!(!host_allowed(&c, "evil.example"));
        c.allowed_hosts = vec!["*".into()];
        assert!(host_allowed(&c, "evil.example"));
    }
}
