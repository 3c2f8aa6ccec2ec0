//! `allowed_outbound_hosts`: which addresses a component may open, with
//! Spin's rules. An entry is `scheme://host[:port]`; `*` is a wildcard for
//! any part, `*.example.com` allows subdomains, a host may be an IP or a
//! CIDR block, a port may be a range (`8000..8010`), and a missing port means
//! the scheme's well-known one (http 80, https 443, redis 6379, postgres
//! 5432, mysql 3306, mqtt 1883). `self` allows requests to the app itself.

use std::net::IpAddr;

/// One parsed entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowedHost {
    original: String,
    scheme: Option<String>,
    host: HostRule,
    port: PortRule,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum HostRule {
    Any,
    /// Holds the suffix with its leading dot.
    Subdomain(String),
    ToSelf,
    Exact(String),
    Cidr(IpAddr, u8),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum PortRule {
    Any,
    Port(u16),
    Range(u16, u16),
}

pub fn well_known_port(scheme: &str) -> Option<u16> {
    Some(match scheme {
        "postgres" => 5432,
        "mysql" => 3306,
        "redis" | "rediss" => 6379,
        "mqtt" => 1883,
        "http" => 80,
        "https" => 443,
        _ => return None,
    })
}

impl AllowedHost {
    pub fn parse(entry: &str) -> Result<Self, String> {
        let url = entry.trim();
        let Some((scheme, rest)) = url.split_once("://") else {
            return Err(format!(
                "{url:?} is not an allowed outbound host: use <scheme>://<host>[:<port>], with '*' wildcards allowed for each"
            ));
        };
        let scheme_rule = if scheme == "*" {
            None
        } else if !scheme.is_empty() && scheme.chars().all(|c| c.is_ascii_alphabetic()) {
            Some(scheme.to_owned())
        } else {
            return Err(format!(
                "{url:?}: scheme {scheme:?} contains non-alphabetic characters"
            ));
        };
        let (host, port) = split_host_port(rest);
        let port = match port.split_once('/') {
            Some((_, path)) if !path.is_empty() => {
                return Err(format!("{url:?} has a path but is not allowed to"))
            }
            Some((p, _)) => p,
            None => port,
        };
        let host = host.trim().trim_end_matches('/');
        let host_rule = if host == "*" {
            HostRule::Any
        } else if host == "self" || host == "self.alt" {
            HostRule::ToSelf
        } else if let Some(net) = parse_cidr(host) {
            HostRule::Cidr(net.0, net.1)
        } else if let Some(domain) = host.strip_prefix("*.") {
            if domain.contains('*') {
                return Err(format!("{url:?}: wildcards are allowed only as prefixes"));
            }
            HostRule::Subdomain(format!(".{domain}"))
        } else if host.contains('*') {
            return Err(format!("{url:?}: wildcards are allowed only as subdomains"));
        } else if host.is_empty() {
            return Err(format!("{url:?} has no host"));
        } else {
            HostRule::Exact(host.to_ascii_lowercase())
        };
        let port_rule = if port.is_empty() {
            let known = scheme_rule.as_deref().and_then(well_known_port).ok_or_else(|| {
                format!("{url:?}: no port was provided and the scheme {scheme:?} does not have a known default port number")
            })?;
            PortRule::Port(known)
        } else if port == "*" {
            PortRule::Any
        } else if let Some((a, b)) = port.split_once("..") {
            let n = |s: &str| {
                s.parse::<u16>()
                    .map_err(|_| format!("{url:?}: port range {port:?} contains a non-number"))
            };
            PortRule::Range(n(a)?, n(b)?)
        } else {
            PortRule::Port(
                port.parse()
                    .map_err(|_| format!("{url:?}: port {port:?} is not a number"))?,
            )
        };
        Ok(Self {
            original: entry.to_owned(),
            scheme: scheme_rule,
            host: host_rule,
            port: port_rule,
        })
    }

    fn allows(&self, url: &OutboundUrl) -> bool {
        let scheme_ok = self.scheme.as_deref().is_none_or(|s| s == url.scheme);
        let host_ok = match &self.host {
            HostRule::Any => true,
            HostRule::Subdomain(suffix) => url.host.ends_with(suffix.as_str()),
            HostRule::ToSelf => false,
            HostRule::Exact(h) => *h == url.host,
            HostRule::Cidr(net, bits) => url
                .host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .parse::<IpAddr>()
                .is_ok_and(|ip| in_network(ip, *net, *bits)),
        };
        let port_ok = match self.port {
            PortRule::Any => true,
            PortRule::Port(p) => url.port == Some(p),
            PortRule::Range(a, b) => url.port.is_some_and(|p| (a..b).contains(&p)),
        };
        scheme_ok && host_ok && port_ok
    }

    /// True when this entry lets a request to the app itself (a relative
    /// URL) use one of `schemes`: host `self` or `*`, as in Spin.
    pub fn allows_relative(&self, schemes: &[&str]) -> bool {
        let scheme_ok = self.scheme.as_deref().is_none_or(|s| schemes.contains(&s));
        scheme_ok && matches!(self.host, HostRule::ToSelf | HostRule::Any)
    }
}

impl std::fmt::Display for AllowedHost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.original)
    }
}

/// `host:port`, keeping IPv6 brackets together.
fn split_host_port(rest: &str) -> (&str, &str) {
    if rest.starts_with('[') {
        if let Some(end) = rest.find(']') {
            let (h, tail) = rest.split_at(end + 1);
            return (h, tail.strip_prefix(':').unwrap_or(tail));
        }
    }
    rest.rsplit_once(':').unwrap_or((rest, ""))
}

fn parse_cidr(host: &str) -> Option<(IpAddr, u8)> {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let (ip, bits) = match host.split_once('/') {
        Some((ip, bits)) => (ip.parse::<IpAddr>().ok()?, bits.parse::<u8>().ok()?),
        None => {
            let ip = host.parse::<IpAddr>().ok()?;
            (ip, if ip.is_ipv4() { 32 } else { 128 })
        }
    };
    let max = if ip.is_ipv4() { 32 } else { 128 };
    (bits <= max).then_some((ip, bits))
}

fn in_network(ip: IpAddr, net: IpAddr, bits: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let mask = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - u32::from(bits))
            };
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let mask = if bits == 0 {
                0
            } else {
                u128::MAX << (128 - u32::from(bits))
            };
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

/// The address a component wants to open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundUrl {
    pub scheme: String,
    pub host: String,
    /// Explicit port, else the scheme's well-known one.
    pub port: Option<u16>,
}

impl OutboundUrl {
    /// Parses `url`; without a scheme, `default_scheme` is assumed.
    pub fn parse(url: &str, default_scheme: &str) -> Result<Self, String> {
        let with_scheme = if url.contains("://") {
            url.to_owned()
        } else {
            format!("{default_scheme}://{url}")
        };
        let uri: http::Uri = with_scheme
            .parse()
            .map_err(|e| format!("{url:?} is not a valid address: {e}"))?;
        let scheme = uri
            .scheme_str()
            .unwrap_or(default_scheme)
            .to_ascii_lowercase();
        let authority = uri
            .authority()
            .ok_or_else(|| format!("{url:?} has no host"))?;
        let host = authority.host().to_ascii_lowercase();
        if host.is_empty() {
            return Err(format!("{url:?} has no host"));
        }
        let port = authority.port_u16().or_else(|| well_known_port(&scheme));
        Ok(Self { scheme, host, port })
    }
}

/// A component's resolved rules.
#[derive(Debug, Clone, Default)]
pub struct AllowedHosts {
    hosts: Vec<AllowedHost>,
}

impl AllowedHosts {
    /// Parses resolved entries (templates already expanded).
    pub fn parse(entries: &[String]) -> Result<Self, String> {
        if entries.len() == 1 && entries[0] == "insecure:allow-all" {
            return Err(
                "'insecure:allow-all' is not allowed: use '*://*:*' to allow all outbound traffic"
                    .into(),
            );
        }
        Ok(Self {
            hosts: entries
                .iter()
                .map(|e| AllowedHost::parse(e))
                .collect::<Result<_, _>>()?,
        })
    }

    pub fn allows(&self, url: &OutboundUrl) -> bool {
        self.hosts.iter().any(|h| h.allows(url))
    }

    /// True when some entry allows requests to the app itself.
    pub fn allows_relative(&self, schemes: &[&str]) -> bool {
        self.hosts.iter().any(|h| h.allows_relative(schemes))
    }

    /// Parses `url` and checks it; a malformed URL is not allowed.
    pub fn allows_url(&self, url: &str, default_scheme: &str) -> bool {
        OutboundUrl::parse(url, default_scheme).is_ok_and(|u| self.allows(&u))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allow_table() {
        // (allowed entry, url, default scheme, allowed?)
        let cases = [
            (
                "redis://127.0.0.1:6379",
                "redis://127.0.0.1:6379",
                "redis",
                true,
            ),
            ("redis://127.0.0.1", "redis://127.0.0.1", "redis", true),
            (
                "redis://127.0.0.1",
                "redis://127.0.0.1:6380",
                "redis",
                false,
            ),
            (
                "redis://127.0.0.1:6379",
                "redis://user:pw@127.0.0.1:6379/0",
                "redis",
                true,
            ),
            (
                "redis://localhost:6379",
                "redis://127.0.0.1:6379",
                "redis",
                false,
            ),
            (
                "redis://127.0.0.0/8:*",
                "redis://127.0.0.9:1234",
                "redis",
                true,
            ),
            ("*://*:*", "mysql://db.example.com:3306", "mysql", true),
            (
                "https://*.example.com",
                "https://api.example.com/x",
                "https",
                true,
            ),
            (
                "https://*.example.com",
                "https://example.com/",
                "https",
                false,
            ),
            (
                "https://*.example.com",
                "http://api.example.com/",
                "http",
                false,
            ),
            (
                "http://localhost:8000..8010",
                "http://localhost:8005/",
                "http",
                true,
            ),
            (
                "http://localhost:8000..8010",
                "http://localhost:8010/",
                "http",
                false,
            ),
            ("http://[::1]:3000", "http://[::1]:3000/", "http", true),
            ("http://self", "http://127.0.0.1:3000/", "http", false),
            ("https://example.com", "example.com", "https", true),
        ];
        for (entry, url, scheme, want) in cases {
            let rules = AllowedHosts::parse(&[entry.to_string()]).unwrap();
            assert_eq!(rules.allows_url(url, scheme), want, "{entry} vs {url}");
        }
        assert!(!AllowedHosts::default().allows_url("redis://127.0.0.1", "redis"));
    }

    #[test]
    fn bad_entries() {
        for bad in [
            "*",
            "127.0.0.1:6379",
            "tcp://x",
            "http://a.*.com",
            "http://h:port",
            "ht7p://x:1",
            "http://x:1/path",
        ] {
            assert!(AllowedHost::parse(bad).is_err(), "{bad}");
        }
        assert!(AllowedHosts::parse(&["insecure:allow-all".into()]).is_err());
    }
}
