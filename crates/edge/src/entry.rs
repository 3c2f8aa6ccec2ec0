//! How a cache entry is stored, and when it should be refreshed. Pure
//! logic, tested with tables below.
//!
//! An entry is the JSON envelope `{"e": expiry_ms, "d": compute_ms, "v":
//! value}`. The value is whatever the caller cached: `null`, `0`, `false`
//! and `""` are values like any other, so they are hits. Bytes that do not
//! decode are a miss and get overwritten.
//!
//! Each entry lives in Redis for its (jittered) TTL plus a stale window.
//! Past its logical expiry `e` it is stale: one request (the one that wins
//! a short lock) recomputes it while the others keep serving the stale
//! value. Before `e`, requests refresh early with a probability that grows
//! as `e` approaches and with the cost `d` of computing the value (XFetch:
//! Vattani, Chierichetti, Lowenstein, "Optimal Probabilistic Cache Stampede
//! Prevention", VLDB 2015), so a hot key is normally refreshed before it
//! goes stale at all.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::time::Duration;

#[derive(Serialize)]
struct EnvelopeRef<'a, T> {
    e: u64,
    d: u64,
    v: &'a T,
}

#[derive(Deserialize)]
struct Envelope<T> {
    e: u64,
    d: u64,
    v: T,
}

/// A decoded entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry<T> {
    pub value: T,
    /// Logical expiry, ms since the epoch.
    pub expires_ms: u64,
    /// How long computing the value took, ms.
    pub compute_ms: u64,
}

pub fn encode<T: Serialize>(
    value: &T,
    expires_ms: u64,
    compute_ms: u64,
) -> Result<Vec<u8>, serde_json::Error> {
    serde_json::to_vec(&EnvelopeRef {
        e: expires_ms,
        d: compute_ms,
        v: value,
    })
}

/// `None` for bytes that are not an entry of this type (a miss).
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Option<Entry<T>> {
    let env: Envelope<T> = serde_json::from_slice(bytes).ok()?;
    Some(Entry {
        value: env.v,
        expires_ms: env.e,
        compute_ms: env.d,
    })
}

/// The TTL shortened by up to `jitter` (a fraction, 0 to 1) of itself, by
/// `u` in `(0, 1]`: entries written together expire apart, never later
/// than asked.
pub fn jittered(ttl: Duration, jitter: f64, u: f64) -> Duration {
    let cut = ttl.as_secs_f64() * jitter.clamp(0.0, 1.0) * u.clamp(0.0, 1.0);
    ttl.saturating_sub(Duration::from_secs_f64(cut))
}

/// What a read should do with an entry it found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freshness {
    /// Serve it.
    Fresh,
    /// Serve it, but this request should try to refresh it first.
    RefreshEarly,
    /// Past its expiry: refresh if this request wins the lock, else serve.
    Stale,
}

/// XFetch: refresh early when `now - d * beta * ln(u) >= e`, for `u` in
/// `(0, 1]`. A `beta` of 1 is the paper's optimum; larger refreshes sooner.
pub fn freshness(now_ms: u64, expires_ms: u64, compute_ms: u64, beta: f64, u: f64) -> Freshness {
    if now_ms >= expires_ms {
        return Freshness::Stale;
    }
    let gap = -(compute_ms.max(1) as f64) * beta * u.clamp(f64::MIN_POSITIVE, 1.0).ln();
    if now_ms as f64 + gap >= expires_ms as f64 {
        Freshness::RefreshEarly
    } else {
        Freshness::Fresh
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn falsy_values_round_trip_as_hits() {
        let b = encode(&false, 10, 1).unwrap();
        assert!(!decode::<bool>(&b).unwrap().value);
        let b = encode(&0, 10, 1).unwrap();
        assert_eq!(decode::<i32>(&b).unwrap().value, 0);
        let b = encode(&"", 10, 1).unwrap();
        assert_eq!(decode::<String>(&b).unwrap().value, "");
        let b = encode(&None::<i32>, 10, 1).unwrap();
        assert_eq!(decode::<Option<i32>>(&b).unwrap().value, None);
    }

    #[test]
    fn corrupt_or_foreign_bytes_are_misses() {
        for bad in [
            &b""[..],
            b"garbage",
            b"{\"v\":1}",
            b"0",
            b"{\"e\":1,\"d\":1,\"v\":\"x\"}",
        ] {
            assert!(
                decode::<i32>(bad).is_none(),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn jitter_only_shortens() {
        let ttl = Duration::from_secs(300);
        let cases = [
            (0.1, 1.0, Duration::from_secs(270)),
            (0.1, 0.5, Duration::from_secs(285)),
            (0.0, 1.0, ttl),
            (2.0, 1.0, Duration::ZERO),
        ];
        for (jitter, u, want) in cases {
            assert_eq!(jittered(ttl, jitter, u), want, "{jitter} {u}");
        }
    }

    #[test]
    fn xfetch_decisions() {
        // (now, expires, compute, u, want)
        let cases = [
            (100, 100, 5, 0.5, Freshness::Stale),
            (150, 100, 5, 0.5, Freshness::Stale),
            // far from expiry: fresh even with an unlucky draw
            (0, 100_000, 5, 1e-6, Freshness::Fresh),
            // close to expiry, expensive value: refresh early
            (99_990, 100_000, 50, 0.5, Freshness::RefreshEarly),
            // close, but u = 1 means ln(u) = 0: no early refresh
            (99_990, 100_000, 50, 1.0, Freshness::Fresh),
        ];
        for (now, e, d, u, want) in cases {
            assert_eq!(freshness(now, e, d, 1.0, u), want, "{now} {e} {d} {u}");
        }
    }
}
