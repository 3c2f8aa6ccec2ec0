//! What the attempt counters are keyed by, with personal data removed
//! (pure logic): an email becomes a digest, a client address its IP.

use sha2::Digest;

/// A stable, non-reversible id for an email (case and surrounding spaces
/// ignored, as login does): the first 16 bytes of its SHA-256, in hex.
pub fn email_id(email: &str) -> String {
    let digest = sha2::Sha256::digest(email.trim().to_lowercase().as_bytes());
    digest[..16].iter().map(|b| format!("{b:02x}")).collect()
}

/// The client address attempts count against, from Spin's
/// `spin-client-addr` (`ip:port`, `[v6]:port` or a bare IP): an IPv4
/// address (IPv4-mapped IPv6 included) as is, an IPv6 one by its /64, the
/// block one subscriber holds, so a client cannot escape its counter by
/// rotating addresses within it; `unknown` when absent or unreadable (all
/// such clients then share one counter).
pub fn client_ip(header: Option<&str>) -> String {
    let Some(h) = header.map(str::trim) else {
        return "unknown".into();
    };
    let ip = h
        .parse::<std::net::SocketAddr>()
        .map(|a| a.ip())
        .or_else(|_| h.parse::<std::net::IpAddr>());
    match ip.map(|ip| ip.to_canonical()) {
        Ok(std::net::IpAddr::V6(v6)) => {
            let mut s = v6.segments();
            s[4..].fill(0);
            format!("{}/64", std::net::Ipv6Addr::from(s))
        }
        Ok(v4) => v4.to_string(),
        Err(_) => "unknown".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_addresses() {
        let cases = [
            (Some("10.0.0.1:51234"), "10.0.0.1"),
            (Some("[::1]:8080"), "::/64"),
            (Some("[::ffff:10.0.0.1]:1"), "10.0.0.1"),
            (Some("192.168.1.7"), "192.168.1.7"),
            (Some("2001:db8::1"), "2001:db8::/64"),
            (Some("[2001:db8:1:2:aaaa::1]:443"), "2001:db8:1:2::/64"),
            (
                Some("[2001:db8:1:2:bbbb:cccc:dddd:eeee]:443"),
                "2001:db8:1:2::/64",
            ),
            (Some("2001:db8:1:3::1"), "2001:db8:1:3::/64"),
            (Some(" 10.0.0.1:1 "), "10.0.0.1"),
            (Some("evil:{throttle}"), "unknown"),
            (Some(""), "unknown"),
            (None, "unknown"),
        ];
        for (h, want) in cases {
            assert_eq!(client_ip(h), want, "{h:?}");
        }
    }

    #[test]
    fn email_ids_ignore_case_and_hide_the_address() {
        let a = email_id("Alice@Example.com ");
        assert_eq!(a, email_id("alice@example.com"));
        assert_ne!(a, email_id("bob@example.com"));
        assert_eq!(a.len(), 32);
        assert!(!a.contains("alice"));
    }
}
