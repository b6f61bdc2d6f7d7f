//! Which addresses and URLs an outbound request may go to.

use std::net::{IpAddr, Ipv4Addr};

use super::OutboundError;

/// The hosts allowed to be non-public, and the check of every URL and address against them.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    /// Lower-case host names or IP literals (without brackets) allowed whatever they resolve to.
    allowed: Vec<String>,
}

impl Policy {
    /// A policy that allows these hosts (`receiver.internal`, `127.0.0.1`, `[::1]`) to be
    /// private; every other host must resolve to public addresses only.
    pub fn new<S: AsRef<str>>(allowed: impl IntoIterator<Item = S>) -> Self {
        let allowed = allowed
            .into_iter()
            .map(|h| h.as_ref().trim().trim_start_matches('[').trim_end_matches(']').to_ascii_lowercase())
            .filter(|h| !h.is_empty())
            .collect();
        Self { allowed }
    }

    /// Whether `host` (a name or an IP literal, brackets optional) was allowed by name.
    pub fn allows_host(&self, host: &str) -> bool {
        let h = host.trim_start_matches('[').trim_end_matches(']').trim_end_matches('.').to_ascii_lowercase();
        self.allowed.contains(&h)
    }

    /// Checks what can be checked before resolving: the scheme, the presence of a host, no
    /// credentials, and an IP-literal host against the address rules.
    pub fn check_url(&self, url: &url::Url) -> Result<(), OutboundError> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(OutboundError::Scheme(url.to_string()));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(OutboundError::BadUrl(url.to_string(), "it carries a user name or password".into()));
        }
        let host = match url.host() {
            Some(h) => h,
            None => return Err(OutboundError::BadUrl(url.to_string(), "it has no host".into())),
        };
        let ip = match host {
            url::Host::Ipv4(a) => IpAddr::V4(a),
            url::Host::Ipv6(a) => IpAddr::V6(a),
            url::Host::Domain(_) => return Ok(()),
        };
        let name = url.host_str().unwrap_or_default();
        if is_forbidden(ip) && !self.allows_host(name) {
            return Err(OutboundError::Forbidden { host: name.to_string(), ip: ip.to_string() });
        }
        Ok(())
    }

    /// The addresses of `host` that a request may connect to: all of them when the host is
    /// allowed, otherwise the public ones; none left is [`OutboundError::Forbidden`].
    pub fn filter_addresses(
        &self,
        host: &str,
        addrs: Vec<std::net::SocketAddr>,
    ) -> Result<Vec<std::net::SocketAddr>, OutboundError> {
        if addrs.is_empty() {
            return Err(OutboundError::Unresolved(host.to_string()));
        }
        if self.allows_host(host) {
            return Ok(addrs);
        }
        let first = addrs[0].ip();
        let public: Vec<_> = addrs.into_iter().filter(|a| !is_forbidden(a.ip())).collect();
        if public.is_empty() {
            return Err(OutboundError::Forbidden { host: host.to_string(), ip: first.to_string() });
        }
        Ok(public)
    }
}

/// Whether `ip` is an address no outbound request may reach unless its host is allowed:
/// unspecified, loopback, private (RFC 1918, unique local), shared (100.64/10), link-local,
/// multicast, broadcast, documentation and benchmarking ranges, and IPv4 inside IPv6 forms of
/// any of these.
pub fn is_forbidden(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(a) => v4_forbidden(a),
        IpAddr::V6(a) => {
            if let Some(v4) = a.to_ipv4_mapped() {
                return v4_forbidden(v4);
            }
            let s = a.segments();
            a.is_unspecified()
                || a.is_loopback()
                || a.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00 // unique local fc00::/7
                || (s[0] & 0xffc0) == 0xfe80 // link-local fe80::/10
                || (s[0] & 0xffc0) == 0xfec0 // site-local (deprecated) fec0::/10
                || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
                || (s[0] == 0x0064 && s[1] == 0xff9b) // NAT64 (IPv4 inside)
                || (s[0] == 0x2002) // 6to4 (IPv4 inside)
                || (s[..6] == [0, 0, 0, 0, 0, 0]) // IPv4-compatible (deprecated), ::/96
        }
    }
}

fn v4_forbidden(a: Ipv4Addr) -> bool {
    let o = a.octets();
    a.is_unspecified()
        || a.is_loopback()
        || a.is_private()
        || a.is_link_local()
        || a.is_multicast()
        || a.is_broadcast()
        || a.is_documentation()
        || o[0] == 0 // "this network"
        || (o[0] == 100 && (o[1] & 0xc0) == 64) // shared address space 100.64/10
        || (o[0] == 192 && o[1] == 0 && o[2] == 0) // IETF protocol assignments
        || (o[0] == 198 && (o[1] & 0xfe) == 18) // benchmarking 198.18/15
        || o[0] >= 240 // reserved
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn non_public_addresses_are_forbidden_and_public_ones_are_not() {
        for s in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fe80::1",
            "fd00::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "64:ff9b::a00:1",
        ] {
            assert!(is_forbidden(ip(s)), "{s} should be forbidden");
        }
        for s in ["8.8.8.8", "1.1.1.1", "93.184.216.34", "2606:4700:4700::1111", "::ffff:8.8.8.8"] {
            assert!(!is_forbidden(ip(s)), "{s} should be allowed");
        }
    }

    #[test]
    fn urls_need_http_and_a_public_literal_unless_allowed() {
        let p = Policy::new(["127.0.0.1"]);
        let u = |s: &str| url::Url::parse(s).unwrap();
        assert!(matches!(p.check_url(&u("ftp://example.org/")), Err(OutboundError::Scheme(_))));
        assert!(matches!(p.check_url(&u("file:///etc/passwd")), Err(OutboundError::Scheme(_))));
        assert!(matches!(p.check_url(&u("http://10.0.0.1/")), Err(OutboundError::Forbidden { .. })));
        assert!(matches!(p.check_url(&u("http://[::1]:8080/")), Err(OutboundError::Forbidden { .. })));
        assert!(matches!(p.check_url(&u("http://a:b@example.org/")), Err(OutboundError::BadUrl(..))));
        assert!(p.check_url(&u("http://127.0.0.1:9/hook")).is_ok());
        assert!(p.check_url(&u("https://example.org/hook")).is_ok());
        assert!(Policy::default().check_url(&u("http://127.0.0.1:9/hook")).is_err());
    }

    #[test]
    fn resolved_addresses_are_filtered_unless_the_host_is_allowed() {
        let sa = |s: &str| s.parse::<std::net::SocketAddr>().unwrap();
        let p = Policy::new(["Receiver.Internal"]);
        let mixed = vec![sa("10.0.0.5:80"), sa("93.184.216.34:80")];
        assert_eq!(p.filter_addresses("example.org", mixed.clone()).unwrap(), vec![sa("93.184.216.34:80")]);
        assert!(matches!(
            p.filter_addresses("rebind.example", vec![sa("127.0.0.1:80")]),
            Err(OutboundError::Forbidden { .. })
        ));
        assert_eq!(p.filter_addresses("receiver.internal", mixed.clone()).unwrap(), mixed);
        assert!(matches!(p.filter_addresses("x", vec![]), Err(OutboundError::Unresolved(_))));
    }
}
