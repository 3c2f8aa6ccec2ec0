//! `[outbound_networking] block_networks`: addresses no component may
//! connect to, whatever `allowed_outbound_hosts` allows, as Spin 4.0.2
//! decides them (`crates/outbound-networking-config/src/blocked_networks.rs`):
//!
//! - `"private"`: every address that is not globally routable (loopback,
//!   RFC 1918, link-local with the cloud metadata address 169.254.169.254,
//!   CGNAT, documentation, benchmarking, reserved, `0.0.0.0/8`; IPv6
//!   loopback, unspecified, link-local, unique-local, documentation). The
//!   tables are `ip_network`'s `is_global`, the crate Spin uses.
//! - `"ADDR/LEN"`: a network in CIDR notation (host bits are dropped).
//!
//! An IPv6 address that carries an IPv4 one (`::ffff:10.0.0.1`) is checked
//! as that IPv4 address too. The check runs on the addresses a name
//! resolves to, each of them, right before connecting: blocked ones are
//! skipped, and only when all are blocked does the connection fail.

use std::net::{IpAddr, SocketAddr};

use ip_network::IpNetwork;

/// The blocked addresses of an app.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BlockedNetworks {
    private: bool,
    networks: Vec<IpNetwork>,
}

/// An entry of `block_networks` that is neither `private` nor a CIDR.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid value: string {0:?}, expected an IP network in CIDR notation or the keyword 'private'"
)]
pub struct BadEntry(pub String);

impl BlockedNetworks {
    /// Parses `block_networks`' entries (Spin's words when one is wrong).
    pub fn parse<S: AsRef<str>>(entries: &[S]) -> Result<Self, BadEntry> {
        let mut blocked = Self::default();
        for entry in entries {
            let entry = entry.as_ref();
            if entry == "private" {
                blocked.private = true;
                continue;
            }
            let network =
                IpNetwork::from_str_truncate(entry).map_err(|_| BadEntry(entry.to_owned()))?;
            blocked.networks.push(network);
        }
        blocked.networks = IpNetwork::collapse_addresses(&blocked.networks);
        Ok(blocked)
    }

    /// True when nothing is blocked.
    pub fn is_empty(&self) -> bool {
        !self.private && self.networks.is_empty()
    }

    pub fn is_blocked(&self, ip: IpAddr) -> bool {
        if self.private && !IpNetwork::from(ip).is_global() {
            return true;
        }
        if self.networks.iter().any(|n| n.contains(ip)) {
            return true;
        }
        match ip {
            IpAddr::V6(v6) => v6
                .to_ipv4()
                .is_some_and(|v4| self.is_blocked(IpAddr::V4(v4))),
            IpAddr::V4(_) => false,
        }
    }

    /// Removes the blocked addresses from `addrs`; true when some were
    /// there and every one of them was blocked (the connection must fail).
    pub fn remove_blocked(&self, addrs: &mut Vec<SocketAddr>) -> bool {
        let before = addrs.len();
        addrs.retain(|a| !self.is_blocked(a.ip()));
        before > 0 && addrs.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_blocked() {
        let private = BlockedNetworks::parse(&["private"]).unwrap();
        let cidrs = BlockedNetworks::parse(&["123.123.0.0/16", "2600:beef::/32"]).unwrap();
        let none = BlockedNetworks::default();
        // (address, by "private", by the CIDRs), Spin's own cases first.
        let cases: &[(&str, bool, bool)] = &[
            ("0.0.0.0", true, false),
            ("10.10.10.10", true, false),
            ("100.64.1.1", true, false),
            ("127.0.0.1", true, false),
            ("169.254.0.1", true, false),
            ("169.254.169.254", true, false),
            ("192.0.0.1", true, false),
            ("172.16.5.4", true, false),
            ("192.168.1.1", true, false),
            ("::1", true, false),
            ("::", true, false),
            ("fe80::1", true, false),
            ("::ffff:10.10.10.10", true, false),
            ("::ffff:127.0.0.1", true, false),
            ("fc00::f00d", true, false),
            ("123.123.123.123", false, true),
            ("::ffff:123.123.123.123", false, true),
            ("2600:beef::1", false, true),
            ("2600::beef", false, false),
            ("8.8.8.8", false, false),
            ("192.0.0.9", false, false),
        ];
        for (ip, by_private, by_cidr) in cases {
            let ip: IpAddr = ip.parse().unwrap();
            assert_eq!(private.is_blocked(ip), *by_private, "private: {ip}");
            assert_eq!(cidrs.is_blocked(ip), *by_cidr, "cidrs: {ip}");
            assert!(!none.is_blocked(ip), "nothing blocked: {ip}");
        }
    }

    #[test]
    fn entries() {
        assert!(BlockedNetworks::parse::<&str>(&[]).unwrap().is_empty());
        // Host bits are dropped, as in Spin.
        let b = BlockedNetworks::parse(&["8.8.8.8/16"]).unwrap();
        assert!(b.is_blocked("8.8.200.1".parse().unwrap()));
        for bad in ["1.2.3.4", "Private", "10.0.0.0/33", "example.com", ""] {
            let e = BlockedNetworks::parse(&[bad]).unwrap_err();
            assert_eq!(
                e.to_string(),
                format!("invalid value: string {bad:?}, expected an IP network in CIDR notation or the keyword 'private'")
            );
        }
    }

    #[test]
    fn only_all_blocked_fails() {
        let b = BlockedNetworks::parse(&["private"]).unwrap();
        let addr = |s: &str| s.parse::<SocketAddr>().unwrap();
        let mut mixed = vec![addr("127.0.0.1:80"), addr("8.8.8.8:80")];
        assert!(!b.remove_blocked(&mut mixed));
        assert_eq!(mixed, vec![addr("8.8.8.8:80")]);
        let mut all = vec![addr("127.0.0.1:80"), addr("[::1]:80")];
        assert!(b.remove_blocked(&mut all));
        assert!(all.is_empty());
        assert!(!b.remove_blocked(&mut Vec::new()));
    }
}
