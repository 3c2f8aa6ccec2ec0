//! The app's settings, from Spin variables.

use std::time::Duration;

use redspin_core::KeySchema;
use redspin_edge::SessionConfig;
use spin_sdk::variables;

/// Settings read once per request.
pub struct Config {
    pub redis_address: String,
    pub cookie_secure: bool,
    /// Empty: admin access disabled.
    pub admin_token: String,
    pub keys: KeySchema,
    pub user_ttl: Duration,
    pub page_ttl: Duration,
    pub sessions: SessionConfig,
}

fn var(name: &str) -> Option<String> {
    variables::get(name).ok().filter(|v| !v.is_empty())
}

fn secs(name: &str, default: u64) -> Duration {
    Duration::from_secs(var(name).and_then(|v| v.parse().ok()).unwrap_or(default))
}

impl Config {
    pub fn load() -> Self {
        let url = var("redis_url").unwrap_or_else(|| "redis://127.0.0.1:6379".into());
        let redis_address = match var("redis_password") {
            Some(pw) => with_password(&url, &pw),
            None => url,
        };
        Self {
            redis_address,
            cookie_secure: var("cookie_secure").is_none_or(|v| v != "false"),
            admin_token: var("admin_token").unwrap_or_default(),
            keys: var("key_prefix")
                .and_then(|p| KeySchema::new(p).ok())
                .unwrap_or_default(),
            user_ttl: secs("user_ttl_secs", 300),
            page_ttl: secs("page_ttl_secs", 600),
            sessions: SessionConfig {
                idle: secs("session_idle_secs", 7 * 24 * 3600),
                absolute: secs("session_absolute_secs", 30 * 24 * 3600),
            },
        }
    }
}

/// `redis://host:port` with `:password@` spliced in after the scheme.
fn with_password(url: &str, password: &str) -> String {
    let enc: String = password
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            b => format!("%{b:02X}"),
        })
        .collect();
    match url.split_once("://") {
        Some((scheme, rest)) => format!("{scheme}://:{enc}@{rest}"),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::with_password;

    #[test]
    fn passwords_are_spliced_in_percent_encoded() {
        for (url, pw, want) in [
            (
                "redis://127.0.0.1:6379",
                "s3cret",
                "redis://:s3cret@127.0.0.1:6379",
            ),
            (
                "rediss://cache.example.com:6380/0",
                "p@ss:w/rd",
                "rediss://:p%40ss%3Aw%2Frd@cache.example.com:6380/0",
            ),
            ("not a url", "x", "not a url"),
        ] {
            assert_eq!(with_password(url, pw), want, "{url}");
        }
    }
}
