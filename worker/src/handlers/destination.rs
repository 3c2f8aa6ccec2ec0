//! Where a webhook may go (OWASP SSRF Prevention).
//!
//! By default a webhook may not reach the worker's own machine or network:
//! every address a destination resolves to is checked ([`refusal`]), and
//! one refused address refuses the destination. The check happens inside
//! the HTTP client's resolver ([`GuardedResolver`]), so the client connects
//! to exactly the addresses that were checked: a DNS answer that changes
//! between check and connect (DNS rebinding) cannot slip through. IP
//! literals, which the client does not resolve, are checked before the
//! request ([`check_literal`]); the URL parser has already turned the
//! spellings `2130706433`, `0x7f000001` and `0177.0.0.1` into `127.0.0.1`.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::OnceLock;

use ipnet::{Ipv4Net, Ipv6Net};

/// A destination refused: the address and why. Its text is the job's
/// `last_error`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("webhook destination {addr} is not allowed ({reason} address)")]
pub struct Refused {
    pub addr: IpAddr,
    pub reason: &'static str,
}

/// IPv4 ranges a webhook may not reach, with the reason given.
fn v4_ranges() -> &'static [(Ipv4Net, &'static str)] {
    static R: OnceLock<Vec<(Ipv4Net, &'static str)>> = OnceLock::new();
    R.get_or_init(|| {
        [
            ("0.0.0.0/8", "unspecified"),
            ("10.0.0.0/8", "private"),
            ("100.64.0.0/10", "CGNAT"),
            ("127.0.0.0/8", "loopback"),
            ("169.254.0.0/16", "link-local"),
            ("172.16.0.0/12", "private"),
            ("192.0.0.0/24", "IETF protocol"),
            ("192.0.2.0/24", "documentation"),
            ("192.88.99.0/24", "relay"),
            ("192.168.0.0/16", "private"),
            ("198.18.0.0/15", "benchmarking"),
            ("198.51.100.0/24", "documentation"),
            ("203.0.113.0/24", "documentation"),
            ("224.0.0.0/4", "multicast"),
            // Before 240/4, which holds it: the first match names the reason.
            ("255.255.255.255/32", "broadcast"),
            ("240.0.0.0/4", "reserved"),
        ]
        .into_iter()
        .map(|(net, why)| (net.parse().expect("a valid range"), why))
        .collect()
    })
}

/// IPv6 ranges a webhook may not reach (forms that embed an IPv4 address
/// are judged by that address instead, see [`embedded_v4`]).
fn v6_ranges() -> &'static [(Ipv6Net, &'static str)] {
    static R: OnceLock<Vec<(Ipv6Net, &'static str)>> = OnceLock::new();
    R.get_or_init(|| {
        [
            ("::/128", "unspecified"),
            ("::1/128", "loopback"),
            ("100::/64", "discard"),
            ("2001::/32", "Teredo"),
            ("2001:db8::/32", "documentation"),
            ("3fff::/20", "documentation"),
            ("fc00::/7", "unique-local"),
            ("fe80::/10", "link-local"),
            ("fec0::/10", "site-local"),
            ("ff00::/8", "multicast"),
        ]
        .into_iter()
        .map(|(net, why)| (net.parse().expect("a valid range"), why))
        .collect()
    })
}

/// The IPv4 address inside an IPv6 one: IPv4-mapped (`::ffff:a.b.c.d`),
/// IPv4-translated (`::ffff:0:a.b.c.d`), IPv4-compatible (`::a.b.c.d`),
/// NAT64 (`64:ff9b::a.b.c.d`, and the local-use `64:ff9b:1::/48` of RFC 8215
/// with its IPv4 address where RFC 6052 puts it for a /96 or a /48 prefix)
/// and 6to4 (`2002:AABB:CCDD::`).
fn embedded_v4(v6: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = v6.segments();
    let o = v6.octets();
    let tail = Ipv4Addr::new(o[12], o[13], o[14], o[15]);
    match s {
        [0, 0, 0, 0, 0, 0xffff, _, _] => Some(tail),
        [0, 0, 0, 0, 0xffff, 0, _, _] => Some(tail),
        [0x64, 0xff9b, 1, 0, 0, 0, _, _] => Some(tail),
        // A /48 prefix: the address in octets 6-7 and 9-10, around RFC
        // 6052's reserved octet 8.
        [0x64, 0xff9b, 1, ..] => Some(Ipv4Addr::new(o[6], o[7], o[9], o[10])),
        // `::` and `::1` are not IPv4-compatible forms.
        [0, 0, 0, 0, 0, 0, hi, _] if hi != 0 => Some(tail),
        [0x64, 0xff9b, 0, 0, 0, 0, _, _] => Some(tail),
        [0x2002, ..] => Some(Ipv4Addr::new(o[2], o[3], o[4], o[5])),
        _ => None,
    }
}

/// Why `ip` may not be a webhook destination, or `None` when it may.
pub fn refusal(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => v4_ranges()
            .iter()
            .find(|(net, _)| net.contains(&v4))
            .map(|(_, why)| *why),
        IpAddr::V6(v6) => match embedded_v4(v6) {
            Some(v4) => refusal(IpAddr::V4(v4)),
            None => v6_ranges()
                .iter()
                .find(|(net, _)| net.contains(&v6))
                .map(|(_, why)| *why),
        },
    }
}

/// Checks `ip` as a destination.
pub fn check(ip: IpAddr) -> Result<(), Refused> {
    match refusal(ip) {
        None => Ok(()),
        Some(reason) => Err(Refused { addr: ip, reason }),
    }
}

/// Checks a URL whose host is an IP literal (the client resolves nothing
/// for those); a host name is left to [`GuardedResolver`].
pub fn check_literal(url: &reqwest::Url) -> Result<(), Refused> {
    match url.host() {
        Some(url::Host::Ipv4(v4)) => check(IpAddr::V4(v4)),
        Some(url::Host::Ipv6(v6)) => check(IpAddr::V6(v6)),
        _ => Ok(()),
    }
}

/// The HTTP client's resolver: the system's, with every answer checked.
#[derive(Debug, Clone, Copy, Default)]
pub struct GuardedResolver;

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            // One refused address refuses the name: the client could pick it.
            for a in &addrs {
                check(a.ip())?;
            }
            Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// The refusal behind a failed request, if that is why it failed.
pub fn refused_in(e: &(dyn std::error::Error + 'static)) -> Option<Refused> {
    let mut cur = Some(e);
    while let Some(err) = cur {
        if let Some(r) = err.downcast_ref::<Refused>() {
            return Some(r.clone());
        }
        cur = err.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn address_table() {
        let cases: &[(&str, Option<&str>)] = &[
            ("127.0.0.1", Some("loopback")),
            ("127.8.9.10", Some("loopback")),
            ("10.0.0.5", Some("private")),
            ("172.16.0.1", Some("private")),
            ("172.31.255.255", Some("private")),
            ("172.32.0.1", None),
            ("192.168.1.1", Some("private")),
            ("169.254.169.254", Some("link-local")),
            ("100.64.0.1", Some("CGNAT")),
            ("100.128.0.1", None),
            ("0.0.0.0", Some("unspecified")),
            ("224.0.0.251", Some("multicast")),
            ("255.255.255.255", Some("broadcast")),
            ("240.0.0.1", Some("reserved")),
            ("192.0.2.1", Some("documentation")),
            ("198.51.100.7", Some("documentation")),
            ("203.0.113.9", Some("documentation")),
            ("93.184.215.14", None),
            ("8.8.8.8", None),
            ("::1", Some("loopback")),
            ("::", Some("unspecified")),
            ("fe80::1", Some("link-local")),
            ("fc00::1", Some("unique-local")),
            ("fd12:3456::1", Some("unique-local")),
            ("ff02::1", Some("multicast")),
            ("2001:db8::1", Some("documentation")),
            ("::ffff:127.0.0.1", Some("loopback")),
            ("::ffff:10.0.0.5", Some("private")),
            ("::ffff:169.254.169.254", Some("link-local")),
            ("::ffff:8.8.8.8", None),
            ("::127.0.0.1", Some("loopback")),
            ("64:ff9b::a9fe:a9fe", Some("link-local")),
            ("::ffff:0:7f00:1", Some("loopback")),
            ("::ffff:0:808:808", None),
            ("64:ff9b:1::7f00:1", Some("loopback")),
            ("64:ff9b:1::a9fe:a9fe", Some("link-local")),
            ("64:ff9b:1::808:808", None),
            // /48 form: 10.0 in octets 6-7, 0.5 in octets 9-10.
            ("64:ff9b:1:a00:0:500::", Some("private")),
            ("64:ff9b:1:808:8:800::", None),
            ("2002:7f00:1::", Some("loopback")),
            ("2002:808:808::", None),
            ("2606:4700:4700::1111", None),
        ];
        for (ip, want) in cases {
            let ip: IpAddr = ip.parse().unwrap();
            assert_eq!(refusal(ip), *want, "{ip}");
        }
    }

    #[test]
    fn literal_spellings_are_normalised_before_the_check() {
        for url in [
            "http://127.0.0.1/",
            "http://2130706433/",
            "http://0x7f000001/",
            "http://0177.0.0.1/",
            "http://127.1/",
            "http://[::ffff:127.0.0.1]/",
            "http://[::1]:8080/",
            "http://169.254.169.254/latest/meta-data/",
        ] {
            let u = reqwest::Url::parse(url).unwrap();
            assert!(check_literal(&u).is_err(), "{url}");
        }
        let named = reqwest::Url::parse("http://localhost/").unwrap();
        assert!(
            check_literal(&named).is_ok(),
            "names are left to the resolver"
        );
        let err = check(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 5))).unwrap_err();
        assert_eq!(
            err.to_string(),
            "webhook destination 10.0.0.5 is not allowed (private address)"
        );
    }

    #[tokio::test]
    async fn the_resolver_refuses_names_of_local_addresses() {
        use reqwest::dns::Resolve;
        let name: reqwest::dns::Name = "localhost".parse().unwrap();
        let err = match GuardedResolver.resolve(name).await {
            Ok(_) => panic!("localhost resolves to loopback"),
            Err(e) => e,
        };
        let refused = refused_in(err.as_ref()).expect("a refusal");
        assert_eq!(refused.reason, "loopback");
    }
}
