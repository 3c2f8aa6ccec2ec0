//! Whether a Redis may evict the queue's keys. Under memory pressure a
//! Redis whose `maxmemory-policy` is `allkeys-*` drops any key, queued,
//! delayed and running jobs included, without an error to anyone. The
//! policies that never touch a key without a time to live (`noeviction`,
//! `volatile-*`) are safe: the queue's lists and sets have none.
//!
//! The policy is read with `INFO memory`, so it works on managed Redis
//! services that disable `CONFIG`; on a cluster every seed node is asked.

use std::time::Duration;

use crate::{Connection, Endpoint, Result};

/// What a `maxmemory-policy` means for the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Never evicts a key without a time to live.
    Safe,
    /// May evict any key.
    Evicts,
    /// Not reported (some managed services hide it).
    Unknown,
}

/// Judges a policy by its name (pure; table-tested below).
pub fn judge(policy: Option<&str>) -> Verdict {
    match policy {
        None => Verdict::Unknown,
        Some("noeviction") => Verdict::Safe,
        Some(p) if p.starts_with("volatile-") => Verdict::Safe,
        Some(_) => Verdict::Evicts,
    }
}

/// `maxmemory_policy` from an `INFO` reply's text.
pub fn policy_in(info: &str) -> Option<&str> {
    info.lines()
        .find_map(|l| l.strip_prefix("maxmemory_policy:"))
        .map(str::trim)
}

/// One server's policy: where (`host:port`, nothing else of the URL) and
/// what `INFO` says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerPolicy {
    pub server: String,
    pub policy: Option<String>,
}

impl ServerPolicy {
    pub fn verdict(&self) -> Verdict {
        judge(self.policy.as_deref())
    }
}

/// Asks every server of `endpoint` for its policy.
pub async fn policies(endpoint: &Endpoint) -> Result<Vec<ServerPolicy>> {
    let mut out = Vec::new();
    for url in endpoint.urls() {
        let conn = Connection::open(&Endpoint::single(url), Duration::from_secs(5)).await?;
        let info: String = redis::cmd("INFO")
            .arg("memory")
            .query_async(&mut conn.raw())
            .await?;
        out.push(ServerPolicy {
            server: server_name(url),
            policy: policy_in(&info).map(str::to_owned),
        });
    }
    Ok(out)
}

/// `host:port` of a Redis URL (no user, password or database).
fn server_name(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(u) => format!(
            "{}:{}",
            u.host_str().unwrap_or("?"),
            u.port().unwrap_or(6379)
        ),
        Err(_) => "the Redis server".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policies_table() {
        let cases = [
            (Some("noeviction"), Verdict::Safe),
            (Some("volatile-lru"), Verdict::Safe),
            (Some("volatile-lfu"), Verdict::Safe),
            (Some("volatile-random"), Verdict::Safe),
            (Some("volatile-ttl"), Verdict::Safe),
            (Some("allkeys-lru"), Verdict::Evicts),
            (Some("allkeys-lfu"), Verdict::Evicts),
            (Some("allkeys-random"), Verdict::Evicts),
            (None, Verdict::Unknown),
        ];
        for (policy, want) in cases {
            assert_eq!(judge(policy), want, "{policy:?}");
        }
    }

    #[test]
    fn reads_info_and_names_servers_without_secrets() {
        let info = "# Memory\r\nused_memory:1\r\nmaxmemory_policy:allkeys-lru\r\n";
        assert_eq!(policy_in(info), Some("allkeys-lru"));
        assert_eq!(policy_in("# Memory\r\n"), None);
        assert_eq!(
            server_name("redis://:s3cret@cache.internal:6380/2"),
            "cache.internal:6380"
        );
        assert_eq!(server_name("rediss://u:p@r.example"), "r.example:6379");
    }
}
