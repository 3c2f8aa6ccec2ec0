//! Failed sign-ins, counted per client address (an IPv6 client per /64,
//! the block one subscriber holds): past [`MAX_PER_MINUTE`] in a minute an
//! address is refused with 429 for the rest of that minute. The right token
//! is never refused: it is checked before the count, so a flood of wrong
//! tokens from anywhere cannot lock the operator out.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Wrong tokens one address may try per minute.
pub const MAX_PER_MINUTE: u32 = 10;
const WINDOW: Duration = Duration::from_secs(60);
/// Addresses tracked at once; past it the expired ones are forgotten, and
/// if none are, the oldest window.
const MAX_TRACKED: usize = 10_000;

/// The address a failure counts against: IPv4 as is, IPv6 by its /64
/// (IPv4-mapped IPv6 as its IPv4).
pub fn bucket(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let mut s = v6.segments();
                s[4..].fill(0);
                IpAddr::V6(s.into())
            }
        },
    }
}

#[derive(Default)]
pub struct Failures {
    by_address: Mutex<HashMap<IpAddr, (Instant, u32)>>,
}

impl Failures {
    /// Counts a wrong token from `ip`.
    pub fn note(&self, ip: IpAddr) {
        let mut map = self.by_address.lock().expect("failure counter");
        if map.len() >= MAX_TRACKED {
            map.retain(|_, (since, _)| since.elapsed() <= WINDOW);
        }
        if map.len() >= MAX_TRACKED {
            if let Some(oldest) = map
                .iter()
                .min_by_key(|(_, (since, _))| *since)
                .map(|(k, _)| *k)
            {
                map.remove(&oldest);
            }
        }
        let entry = map.entry(bucket(ip)).or_insert((Instant::now(), 0));
        if entry.0.elapsed() > WINDOW {
            *entry = (Instant::now(), 0);
        }
        entry.1 += 1;
    }

    /// Seconds `ip` must wait before trying another token, if it must.
    pub fn wait_secs(&self, ip: IpAddr) -> Option<u64> {
        let map = self.by_address.lock().expect("failure counter");
        let (since, n) = map.get(&bucket(ip))?;
        let left = WINDOW.checked_sub(since.elapsed())?;
        (*n >= MAX_PER_MINUTE).then(|| left.as_secs().max(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets() {
        let cases = [
            ("192.0.2.7", "192.0.2.7"),
            ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::"),
            ("2001:db8:1:2:ffff::1", "2001:db8:1:2::"),
            ("::ffff:192.0.2.7", "192.0.2.7"),
            ("::1", "::"),
        ];
        for (ip, want) in cases {
            assert_eq!(
                bucket(ip.parse().unwrap()),
                want.parse::<IpAddr>().unwrap(),
                "{ip}"
            );
        }
    }

    #[test]
    fn an_address_is_refused_past_its_budget_and_others_are_not() {
        let f = Failures::default();
        let a: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let same_block: IpAddr = "2001:db8:1:2::99".parse().unwrap();
        let other: IpAddr = "198.51.100.1".parse().unwrap();
        for _ in 0..MAX_PER_MINUTE - 1 {
            f.note(a);
        }
        assert_eq!(f.wait_secs(a), None);
        f.note(same_block);
        assert!(f.wait_secs(a).is_some_and(|s| (1..=60).contains(&s)));
        assert!(f.wait_secs(same_block).is_some(), "the /64 counts as one");
        assert_eq!(f.wait_secs(other), None);
    }
}
