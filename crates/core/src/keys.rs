//! The key schema: every Redis key the project uses is built here, so the
//! Spin components, the worker and the operators' commands agree by
//! construction.
//!
//! Queue keys carry a Redis Cluster hash tag (`{queue}`), so every key one
//! queue script touches lives in the same slot:
//!
//! | key | type | holds |
//! | --- | --- | --- |
//! | `P:{q}:ready` | list | envelopes waiting to run, oldest at the head |
//! | `P:{q}:scheduled` | zset | envelopes due later, scored by due time (ms) |
//! | `P:{q}:processing:W` | list | envelopes worker `W` is running |
//! | `P:{q}:workers` | set | ids of workers that own a processing list |
//! | `P:{q}:dead-workers` | zset | workers found dead (heartbeat lapsed), scored by when; forgotten after a grace period |
//! | `P:{q}:heartbeat:W` | string | present while worker `W` is alive (TTL); holds its description (JSON: host, pid, queues, concurrency, started, last beat) |
//! | `P:{q}:dead` | zset | envelopes that failed for good, scored by time of death |
//! | `P:{q}:job:ID` | hash | the status record of job `ID` |
//! | `P:{q}:stats` | hash | lifetime counters (`done`, `dead`, `retried`) |
//! | `P:{q}:minute:M` | hash | jobs `done` and attempts `failed` in minute `M` (minutes since the epoch); expires after two hours |
//! | `P:{q}:owned:O` | zset | ids of owner `O`'s unfinished tasks, scored by reservation time (ms) |
//! | `P:{q}:owner:ID` | string | who enqueued job `ID` (`user:U`) |
//! | `P:{q}:wake` | channel | published when a job becomes the earliest scheduled |
//! | `P:{q}:unique:K` | string | the id of the job holding unique key `K`; free once that job is done, dead or cancelled (deleted then), expires 30 days after its due time |
//! | `P:{q}:cancel` | channel | ids of running jobs cancelled: their worker aborts them |
//! | `P:{q}:schedule:N` | hash | schedule `N`: `def` (JSON: cron, tz, type, payload, max_attempts), `next_run_at`, `last_run_at` (ms) |
//! | `P:{q}:schedules-due` | zset | the queue's schedule names, scored by their next tick (ms); read by the promoters |
//! | `P:schedules` | hash | every schedule's name and its queue (names are unique across queues) |
//! | `P:{q}:control` | hash | the queue's switches, read by every claim: `paused` (`1`), `rate` and `per_ms` (at most `rate` starts per `per_ms`), `concurrency` (most running at once, all workers together) |
//! | `P:{q}:starts` | zset | recent claims (`time:id`, scored by Redis's clock, ms) while a rate limit is set; trimmed to its window, expires after it |
//! | `P:queues` | set | every queue name ever used (for `stats`) |
//! | `P:cache:K` | string | a cached value |
//! | `P:tags:T` | zset | full key names of the cache entries tagged `T`, scored by their expiry (ms) |
//! | `P:lock:K` | string | short lock: who refreshes cache entry `K` |
//! | `P:session:D` | string | the session whose id's SHA-256 (hex) is `D`: absolute expiry (ms), a `\|`, the JSON record |
//! | `P:user-session-index:U` | zset | digests of user `U`'s sessions, scored by creation time (µs, Redis's clock) |
//! | `P:{throttle}:KIND:ID` | string | attempts counted in a fixed window (login failures, registrations); one hash tag so a script can take several at once |
//! | `P:device:D` | string | the device cookie whose token's SHA-256 (hex) is `D`: the email id it signed in to; lives 90 days |
//! | `P:dashboard-revoked:D` | string | a dashboard session signed out (`D`: SHA-256 of its cookie's nonce); lives as long as the cookie could |
//! | `P:user-logout:U` | string | time (ms) of user `U`'s last "log out everywhere": sessions created until then are void |

use crate::error::CoreError;

/// The default key prefix.
pub const DEFAULT_PREFIX: &str = "redspin";
/// The default queue name.
pub const DEFAULT_QUEUE: &str = "default";

/// Builds key names under one configurable prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeySchema {
    prefix: String,
}

impl Default for KeySchema {
    fn default() -> Self {
        Self {
            prefix: DEFAULT_PREFIX.to_owned(),
        }
    }
}

impl KeySchema {
    /// A schema under `prefix`. The prefix may not contain braces (they would
    /// change the cluster hash tag) and may not be empty.
    pub fn new(prefix: impl Into<String>) -> Result<Self, CoreError> {
        let prefix = prefix.into();
        if prefix.is_empty()
            || prefix.contains(['{', '}'])
            || prefix.chars().any(char::is_whitespace)
        {
            return Err(CoreError::InvalidName {
                what: "key prefix",
                name: prefix,
            });
        }
        Ok(Self { prefix })
    }

    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The keys of one queue. Fails for a name that is empty, too long, or
    /// holds characters that would break the hash tag or the key layout.
    pub fn queue(&self, name: &str) -> Result<QueueKeys, CoreError> {
        validate_queue_name(name)?;
        Ok(QueueKeys {
            base: format!("{}:{{{}}}", self.prefix, name),
            name: name.to_owned(),
        })
    }

    /// The set of every queue name in use.
    pub fn queues(&self) -> String {
        format!("{}:queues", self.prefix)
    }
    /// Every schedule's name and its queue.
    pub fn schedules(&self) -> String {
        format!("{}:schedules", self.prefix)
    }

    /// A cache entry.
    pub fn cache(&self, key: &str) -> String {
        format!("{}:cache:{}", self.prefix, key)
    }

    /// The lock taken by the one request that refreshes cache entry `key`.
    pub fn cache_lock(&self, key: &str) -> String {
        format!("{}:lock:{}", self.prefix, key)
    }

    /// A session record, named by the digest of the session's id.
    pub fn session(&self, digest: &str) -> String {
        format!("{}:session:{}", self.prefix, digest)
    }

    /// The index of a user's sessions (for "log out everywhere" and the
    /// per-user cap). (Older versions kept a set of raw ids under
    /// `P:user-sessions:U`; those keys expire on their own.)
    pub fn user_sessions(&self, user: &str) -> String {
        format!("{}:user-session-index:{}", self.prefix, user)
    }

    /// An attempt counter: `kind` names the limit (`login-pair`), `id` what
    /// is counted (already stripped of personal data by the caller). All
    /// share the hash tag `{throttle}`, so one script may take several.
    pub fn throttle(&self, kind: &str, id: &str) -> String {
        format!("{}:{{throttle}}:{}:{}", self.prefix, kind, id)
    }

    /// A device cookie, named by the digest of its token: the email (id)
    /// it may sign in to without the per-email lock.
    pub fn device(&self, digest: &str) -> String {
        format!("{}:device:{}", self.prefix, digest)
    }

    /// A dashboard sign-in that was signed out, by the digest of its
    /// cookie's nonce: refused until its cookie would have expired.
    pub fn dashboard_revoked(&self, digest: &str) -> String {
        format!("{}:dashboard-revoked:{}", self.prefix, digest)
    }

    /// When user `user` last logged out everywhere: every session created
    /// until then is void, even one whose login raced the logout.
    pub fn user_logout(&self, user: &str) -> String {
        format!("{}:user-logout:{}", self.prefix, user)
    }

    /// The tag index of the entries tagged `tag`: their full key names,
    /// scored by expiry. (A sorted set; the sets of older versions were
    /// named `P:tag:T` and expire on their own.)
    pub fn tag(&self, tag: &str) -> String {
        format!("{}:tags:{}", self.prefix, tag)
    }
}

/// Queue names are 1 to 64 characters of `[A-Za-z0-9_.-]`.
pub fn validate_queue_name(name: &str) -> Result<(), CoreError> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
    if ok {
        Ok(())
    } else {
        Err(CoreError::InvalidName {
            what: "queue name",
            name: name.to_owned(),
        })
    }
}

/// The keys of one queue; all share the hash tag `{name}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueKeys {
    base: String,
    name: String,
}

impl QueueKeys {
    pub fn name(&self) -> &str {
        &self.name
    }
    /// `P:{q}`: the common part, which scripts extend for per-job keys.
    pub fn base(&self) -> &str {
        &self.base
    }
    pub fn ready(&self) -> String {
        format!("{}:ready", self.base)
    }
    pub fn scheduled(&self) -> String {
        format!("{}:scheduled", self.base)
    }
    pub fn processing(&self, worker: &str) -> String {
        format!("{}:processing:{}", self.base, worker)
    }
    pub fn workers(&self) -> String {
        format!("{}:workers", self.base)
    }
    /// Workers found dead, scored by when (ms): the reapers keep emptying
    /// their lists for a grace period before forgetting them.
    pub fn dead_workers(&self) -> String {
        format!("{}:dead-workers", self.base)
    }
    pub fn heartbeat(&self, worker: &str) -> String {
        format!("{}:heartbeat:{}", self.base, worker)
    }
    pub fn dead(&self) -> String {
        format!("{}:dead", self.base)
    }
    pub fn job(&self, id: &str) -> String {
        format!("{}:job:{}", self.base, id)
    }
    pub fn stats(&self) -> String {
        format!("{}:stats", self.base)
    }
    /// Counters of minute `minute` (minutes since the Unix epoch).
    pub fn minute(&self, minute: u64) -> String {
        format!("{}:minute:{}", self.base, minute)
    }
    pub fn wake(&self) -> String {
        format!("{}:wake", self.base)
    }
    /// Who holds unique key `key` ([`crate::ops::Enqueue`]).
    pub fn unique(&self, key: &str) -> String {
        format!("{}:unique:{}", self.base, key)
    }
    /// Where cancels of running jobs are published.
    pub fn cancel(&self) -> String {
        format!("{}:cancel", self.base)
    }
    /// Schedule `name`'s definition and times.
    pub fn schedule(&self, name: &str) -> String {
        format!("{}:schedule:{}", self.base, name)
    }
    /// The queue's schedules by next tick.
    pub fn schedules_due(&self) -> String {
        format!("{}:schedules-due", self.base)
    }
    /// Pause and limits ([`crate::ops::QueueControl`]).
    pub fn control(&self) -> String {
        format!("{}:control", self.base)
    }
    /// The rate limit's window of recent claims.
    pub fn starts(&self) -> String {
        format!("{}:starts", self.base)
    }
    /// The ids of owner `owner`'s tasks not known to be finished, scored
    /// by when each was reserved (ms): the per-owner quota.
    pub fn owned(&self, owner: &str) -> String {
        format!("{}:owned:{}", self.base, owner)
    }
    /// Who enqueued job `id` (`user:ID`); absent for the admin's jobs.
    pub fn owner(&self, id: &str) -> String {
        format!("{}:owner:{}", self.base, id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_keys_share_one_hash_tag() {
        let q = KeySchema::new("app").unwrap().queue("mail").unwrap();
        let cases = [
            (q.ready(), "app:{mail}:ready"),
            (q.scheduled(), "app:{mail}:scheduled"),
            (q.processing("w1"), "app:{mail}:processing:w1"),
            (q.workers(), "app:{mail}:workers"),
            (q.heartbeat("w1"), "app:{mail}:heartbeat:w1"),
            (q.dead(), "app:{mail}:dead"),
            (q.job("j1"), "app:{mail}:job:j1"),
            (q.owned("user:7"), "app:{mail}:owned:user:7"),
            (q.owner("j1"), "app:{mail}:owner:j1"),
            (q.stats(), "app:{mail}:stats"),
            (q.wake(), "app:{mail}:wake"),
            (q.dead_workers(), "app:{mail}:dead-workers"),
            (q.minute(29_000_000), "app:{mail}:minute:29000000"),
        ];
        for (got, want) in cases {
            assert_eq!(got, want);
        }
    }

    #[test]
    fn names_are_validated() {
        let cases = [
            ("default", true),
            ("a.b-c_9", true),
            ("", false),
            ("has space", false),
            ("br{ace", false),
            ("col:on", false),
            (&"x".repeat(65), false),
        ];
        for (name, ok) in cases {
            assert_eq!(validate_queue_name(name).is_ok(), ok, "{name:?}");
        }
        assert!(KeySchema::new("").is_err());
        assert!(KeySchema::new("a{b").is_err());
        assert!(KeySchema::new("tenant:a").is_ok());
    }

    #[test]
    fn cache_and_tag_keys() {
        let s = KeySchema::default();
        assert_eq!(s.cache("user:1"), "redspin:cache:user:1");
        assert_eq!(s.tag("users"), "redspin:tags:users");
        assert_eq!(s.queues(), "redspin:queues");
        assert_eq!(s.cache_lock("user:1"), "redspin:lock:user:1");
        assert_eq!(s.session("ab"), "redspin:session:ab");
        assert_eq!(s.user_sessions("7"), "redspin:user-session-index:7");
        assert_eq!(s.user_logout("7"), "redspin:user-logout:7");
        assert_eq!(
            s.throttle("login-addr", "10.0.0.1"),
            "redspin:{throttle}:login-addr:10.0.0.1"
        );
    }
}
