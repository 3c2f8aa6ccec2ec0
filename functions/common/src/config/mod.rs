//! The app's settings, from Spin variables.
//!
//! A variable the component does not declare, or one left empty, takes its
//! default; a variable that is set but does not parse is an error that
//! names it ([`ConfigError`]), never quietly replaced by the default. Every
//! request to a component with such a setting answers 500
//! `{"error": "configuration: <name> ..."}` (see `api::serve`). Values are
//! never echoed: some are secrets.

use std::time::Duration;

use redspin_core::KeySchema;
use redspin_edge::SessionConfig;

mod redis;

/// Settings read once per request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Sessions, throttles, devices and tasks (`redis_url`).
    pub redis_address: String,
    /// The cache (users, pages, tags) when it has a Redis of its own
    /// (`cache_redis_url`); `None`: it shares `redis_address`.
    pub cache_redis_address: Option<String>,
    pub cookie_secure: bool,
    /// The admin token's SHA-256 digest; `None`: admin access disabled
    /// (no token, or one too short to be safe).
    pub admin_digest: Option<[u8; 32]>,
    /// Why a configured admin token was not accepted (logged).
    pub admin_problem: Option<&'static str>,
    pub keys: KeySchema,
    pub user_ttl: Duration,
    pub page_ttl: Duration,
    /// How long "not found" is cached (unknown user ids, unknown slugs).
    pub negative_ttl: Duration,
    pub sessions: SessionConfig,
    pub limits: Limits,
}

/// Attempt limits (OWASP Authentication: throttle per account and source).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Failed logins for one email from one address per window (5).
    pub login_max_failures: u64,
    /// Failed logins for one email from anywhere per window (20).
    pub login_email_max_failures: u64,
    /// Failed logins from one address, any email, per window (100).
    pub login_address_max_failures: u64,
    /// The login window (15 min).
    pub login_window: Duration,
    /// Registrations from one address per window (10).
    pub register_max_per_address: u64,
    /// The registration window (1 h).
    pub register_window: Duration,
    /// Unfinished tasks one user may have at once (100).
    pub user_max_pending_tasks: u64,
}

/// A variable that is set but unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("configuration: {name} {problem}")]
pub struct ConfigError {
    pub name: &'static str,
    pub problem: &'static str,
}

pub(crate) fn invalid(name: &'static str, problem: &'static str) -> ConfigError {
    ConfigError { name, problem }
}

/// Every Spin variable the app reads (a component reads those its
/// manifest gives it; the rest are unset).
pub const VARIABLES: &[&str] = &[
    "admin_token",
    "cache_redis_password",
    "cache_redis_url",
    "cookie_secure",
    "key_prefix",
    "login_address_max_failures",
    "login_email_max_failures",
    "login_max_failures",
    "login_window_secs",
    "negative_ttl_secs",
    "page_ttl_secs",
    "redis_password",
    "redis_url",
    "register_max_per_address",
    "register_window_secs",
    "session_absolute_secs",
    "session_idle_secs",
    "session_max_per_user",
    "user_max_pending_tasks",
    "user_ttl_secs",
];

/// Shortest admin token accepted (an admin token is a password that
/// cannot be throttled per account).
pub const MIN_ADMIN_TOKEN_LEN: usize = 32;

/// The admin token's digest, or why admin access is off.
fn admin(token: Option<String>) -> (Option<[u8; 32]>, Option<&'static str>) {
    use sha2::Digest;
    match token {
        None => (None, None),
        Some(t) if t.len() < MIN_ADMIN_TOKEN_LEN => (
            None,
            Some("configuration: admin_token is shorter than 32 characters; admin access is disabled"),
        ),
        Some(t) => (Some(sha2::Sha256::digest(t.as_bytes()).into()), None),
    }
}

/// A positive whole number, or `default` when unset.
fn count(value: Option<String>, name: &'static str, default: u64) -> Result<u64, ConfigError> {
    match value {
        None => Ok(default),
        Some(v) => match v.trim().parse::<u64>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(invalid(name, "is not a positive whole number")),
        },
    }
}

/// A positive whole number of seconds, or `default` when unset.
fn secs(value: Option<String>, name: &'static str, default: u64) -> Result<Duration, ConfigError> {
    match value {
        None => Ok(Duration::from_secs(default)),
        Some(v) => match v.trim().parse::<u64>() {
            Ok(n) if n > 0 => Ok(Duration::from_secs(n)),
            _ => Err(invalid(name, "is not a positive whole number of seconds")),
        },
    }
}

impl Config {
    /// Parses the settings from `get` (a variable's value, `None` when
    /// unset or empty).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| get(name).filter(|v| !v.is_empty());
        let redis = redis::Addresses::from_lookup(&get)?;
        let cookie_secure = match get("cookie_secure").as_deref() {
            None | Some("true") => true,
            Some("false") => false,
            Some(_) => return Err(invalid("cookie_secure", "is neither true nor false")),
        };
        let keys = match get("key_prefix") {
            None => KeySchema::default(),
            Some(p) => KeySchema::new(p).map_err(|_| {
                invalid(
                    "key_prefix",
                    "is not a valid key prefix (non-empty, no braces, no white space)",
                )
            })?,
        };
        let sessions = SessionConfig {
            idle: secs(get("session_idle_secs"), "session_idle_secs", 7 * 24 * 3600)?,
            absolute: secs(
                get("session_absolute_secs"),
                "session_absolute_secs",
                30 * 24 * 3600,
            )?,
            max_per_user: count(get("session_max_per_user"), "session_max_per_user", 50)?,
        };
        let (admin_digest, admin_problem) = admin(get("admin_token"));
        let n = |name: &'static str, default: u64| count(get(name), name, default);
        let limits = Limits {
            login_max_failures: n("login_max_failures", 5)?,
            login_email_max_failures: n("login_email_max_failures", 20)?,
            login_address_max_failures: n("login_address_max_failures", 100)?,
            login_window: secs(get("login_window_secs"), "login_window_secs", 15 * 60)?,
            register_max_per_address: n("register_max_per_address", 10)?,
            register_window: secs(get("register_window_secs"), "register_window_secs", 3600)?,
            user_max_pending_tasks: n("user_max_pending_tasks", 100)?,
        };
        Ok(Self {
            redis_address: redis.main,
            cache_redis_address: redis.cache,
            cookie_secure,
            admin_digest,
            admin_problem,
            keys,
            user_ttl: secs(get("user_ttl_secs"), "user_ttl_secs", 300)?,
            page_ttl: secs(get("page_ttl_secs"), "page_ttl_secs", 600)?,
            negative_ttl: secs(get("negative_ttl_secs"), "negative_ttl_secs", 30)?,
            sessions,
            limits,
        })
    }

    /// The settings from this component's Spin variables (all read at
    /// once); an error is logged (once per instance: Spin makes one per
    /// request).
    #[cfg(target_arch = "wasm32")]
    pub async fn load() -> Result<Self, ConfigError> {
        let values =
            futures::future::join_all(VARIABLES.iter().map(|n| crate::platform::variable(n))).await;
        let found: std::collections::HashMap<&str, String> = VARIABLES
            .iter()
            .zip(values)
            .filter_map(|(name, v)| Some((*name, v?)))
            .collect();
        let config =
            Self::from_lookup(|name| found.get(name).cloned()).inspect_err(|e| eprintln!("{e}"))?;
        if let Some(problem) = config.admin_problem {
            eprintln!("{problem}");
        }
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variable_read_is_listed() {
        let asked = std::cell::RefCell::new(Vec::new());
        Config::from_lookup(|name| {
            asked.borrow_mut().push(name.to_owned());
            None
        })
        .unwrap();
        let mut asked = asked.into_inner();
        asked.sort();
        assert_eq!(
            asked,
            VARIABLES.iter().map(|s| s.to_string()).collect::<Vec<_>>()
        );
    }

    fn parse(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        Config::from_lookup(|name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn admin_tokens_shorter_than_32_characters_disable_admin_access() {
        let long = "x".repeat(32);
        let cases = [
            (None, false, false),
            (Some("short-token"), false, true),
            (Some(&long[..31]), false, true),
            (Some(long.as_str()), true, false),
        ];
        for (token, enabled, problem) in cases {
            let c = parse(
                &token
                    .map(|t| ("admin_token", t))
                    .into_iter()
                    .collect::<Vec<_>>(),
            )
            .unwrap();
            assert_eq!(c.admin_digest.is_some(), enabled, "{token:?}");
            assert_eq!(c.admin_problem.is_some(), problem, "{token:?}");
        }
    }

    #[test]
    fn unset_and_empty_variables_take_their_defaults() {
        let defaults = parse(&[]).unwrap();
        assert_eq!(defaults.keys, KeySchema::default());
        assert!(defaults.cookie_secure);
        assert_eq!(defaults.user_ttl, Duration::from_secs(300));
        assert_eq!(defaults.sessions, SessionConfig::default());
        assert_eq!(
            parse(&[("key_prefix", ""), ("user_ttl_secs", "")]),
            Ok(defaults)
        );
    }

    #[test]
    fn values_that_do_not_parse_are_errors_naming_the_variable() {
        let cases: [(&str, &str, Option<&str>); 17] = [
            ("login_max_failures", "3", None),
            ("login_max_failures", "0", Some("login_max_failures")),
            (
                "register_window_secs",
                "an hour",
                Some("register_window_secs"),
            ),
            ("key_prefix", "app1", None),
            ("key_prefix", "bad prefix", Some("key_prefix")),
            ("key_prefix", "{x}", Some("key_prefix")),
            ("cookie_secure", "false", None),
            ("cookie_secure", "yes", Some("cookie_secure")),
            ("cookie_secure", "FALSE", Some("cookie_secure")),
            ("user_ttl_secs", "60", None),
            ("user_ttl_secs", "0", Some("user_ttl_secs")),
            ("user_ttl_secs", "-5", Some("user_ttl_secs")),
            ("page_ttl_secs", "10m", Some("page_ttl_secs")),
            ("session_idle_secs", "1.5", Some("session_idle_secs")),
            ("session_absolute_secs", "x", Some("session_absolute_secs")),
            ("redis_url", "rediss://cache:6380", None),
            ("redis_url", "http://cache:6379", Some("redis_url")),
        ];
        for (name, value, want) in cases {
            let got = parse(&[(name, value)]).err().map(|e| e.name);
            assert_eq!(got, want, "{name}={value:?}");
            if let Err(e) = parse(&[(name, value)]) {
                let text = e.to_string();
                assert!(
                    text.starts_with(&format!("configuration: {name} ")),
                    "{text}"
                );
                assert!(!text.contains(value), "the value is not echoed: {text}");
            }
        }
    }
}
