//! The Lua scripts, one file per queue operation, loaded with `include_str!`.
//!
//! Every script receives the keys it names in `KEYS`, all under one queue's
//! hash tag. Some keys can only be known inside the script, so they are
//! derived there from the queue's base key `P:{q}` passed in `ARGV`:
//! per-job status keys `P:{q}:job:ID` (ids read from envelopes: fetch, ack,
//! promote, reap, requeue, reconcile) and
//! other workers' `P:{q}:processing:W` and `P:{q}:heartbeat:W` (workers read
//! from the workers set: reap, stats). Redis Cluster hashes only the part
//! between the first `{` and the next `}`, and the base ends with the tag
//! `{q}` while the prefix may not contain braces ([`crate::KeySchema::new`]),
//! so every derived key hashes to the queue's slot, the slot of its `KEYS`.

use std::sync::OnceLock;

/// A Lua script and its SHA-1 (computed once).
#[derive(Debug)]
pub struct Script {
    pub name: &'static str,
    pub source: &'static str,
    sha1: OnceLock<String>,
}

impl PartialEq for Script {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}
impl Eq for Script {}

impl Script {
    pub const fn new(name: &'static str, source: &'static str) -> Self {
        Self {
            name,
            source,
            sha1: OnceLock::new(),
        }
    }

    /// The hex SHA-1 Redis uses to name the script in `EVALSHA`.
    pub fn sha1(&self) -> &str {
        self.sha1
            .get_or_init(|| sha1_smol::Sha1::from(self.source).digest().to_string())
    }
}

macro_rules! script {
    ($name:ident, $file:literal) => {
        pub static $name: Script = Script::new($file, include_str!(concat!($file, ".lua")));
    };
}

script!(ENQUEUE, "enqueue");
script!(PROMOTE, "promote");
script!(FETCH, "fetch");
script!(ACK, "ack");
script!(RETRY, "retry");
script!(BURY, "bury");
script!(REAP, "reap");
script!(REQUEUE, "requeue");
script!(CANCEL, "cancel");
script!(DISCARD, "discard");
script!(FIRE_SCHEDULE, "fire_schedule");
script!(REVIVE, "revive");
script!(STATS, "stats");
script!(HEARTBEAT, "heartbeat");
script!(RUN_NOW, "run_now");
script!(RECONCILE, "reconcile");
script!(PURGE_DEAD, "purge_dead");

/// All scripts, for loading them up front.
pub fn all() -> [&'static Script; 14] {
    [
        &ENQUEUE,
        &PROMOTE,
        &FETCH,
        &ACK,
        &RETRY,
        &BURY,
        &REAP,
        &REQUEUE,
        &REVIVE,
        &STATS,
        &HEARTBEAT,
        &RUN_NOW,
        &RECONCILE,
        &PURGE_DEAD,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha1_matches_redis_naming() {
        // SHA-1 of the empty script, as `SCRIPT LOAD ""` reports it.
        let empty = Script::new("empty", "");
        assert_eq!(empty.sha1(), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
        for s in all() {
            assert_eq!(s.sha1().len(), 40);
            assert!(!s.source.is_empty());
        }
    }
}
