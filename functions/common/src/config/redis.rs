//! Where the app's Redis data lives. Sessions, throttles, devices and
//! tasks must never be evicted: they stay on `redis_url`. The cache (users,
//! pages, tag indexes) may go to a Redis of its own, `cache_redis_url`,
//! which can run `allkeys-lru`. Unset, empty or
//! [`redspin_core::CACHE_SHARES_MAIN_REDIS`]: the cache shares `redis_url`
//! (and its password).

use super::{invalid, ConfigError};

/// The Redis addresses, passwords spliced in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Addresses {
    pub main: String,
    /// `None`: the cache uses `main`.
    pub cache: Option<String>,
}

impl Addresses {
    /// From `get` (a variable's value, `None` when unset or empty).
    pub fn from_lookup(get: &impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let url = get("redis_url").unwrap_or_else(|| "redis://127.0.0.1:6379".into());
        let main = address("redis_url", url, get("redis_password"))?;
        let cache_url =
            get("cache_redis_url").filter(|u| u != redspin_core::CACHE_SHARES_MAIN_REDIS);
        let cache_password = get("cache_redis_password");
        let cache = match (cache_url, cache_password) {
            (Some(url), password) => Some(address("cache_redis_url", url, password)?),
            (None, None) => None,
            (None, Some(_)) => {
                return Err(invalid(
                    "cache_redis_password",
                    "is set but cache_redis_url is not (the cache then uses redis_url and redis_password)",
                ))
            }
        };
        Ok(Self { main, cache })
    }
}

/// A `redis://` or `rediss://` URL with its password, if any.
fn address(
    name: &'static str,
    url: String,
    password: Option<String>,
) -> Result<String, ConfigError> {
    if !(url.starts_with("redis://") || url.starts_with("rediss://")) {
        return Err(invalid(name, "is not a redis:// or rediss:// URL"));
    }
    Ok(match password {
        Some(pw) => with_password(&url, &pw),
        None => url,
    })
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
    use super::*;

    type Vars<'a> = &'a [(&'a str, &'a str)];

    fn parse(vars: Vars) -> Result<Addresses, ConfigError> {
        Addresses::from_lookup(&|name: &str| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
                .filter(|v| !v.is_empty())
        })
    }

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

    #[test]
    fn the_cache_shares_redis_url_unless_it_is_given_its_own() {
        let main = "redis://:pw@main:6379";
        let cases: [(Vars, Option<&str>); 5] = [
            (&[], None),
            (&[("cache_redis_url", "")], None),
            (&[("cache_redis_url", "redis://self")], None),
            (
                &[("cache_redis_url", "redis://lru:6380")],
                Some("redis://lru:6380"),
            ),
            (
                &[
                    ("cache_redis_url", "rediss://lru:6380"),
                    ("cache_redis_password", "c@che"),
                ],
                Some("rediss://:c%40che@lru:6380"),
            ),
        ];
        for (extra, cache) in cases {
            let mut vars = vec![("redis_url", "redis://main:6379"), ("redis_password", "pw")];
            vars.extend_from_slice(extra);
            let got = parse(&vars).unwrap();
            assert_eq!(got.main, main, "{extra:?}");
            assert_eq!(got.cache.as_deref(), cache, "{extra:?}");
        }
    }

    #[test]
    fn unusable_cache_settings_are_errors_naming_the_variable() {
        let cases: [(Vars, &str); 3] = [
            (&[("cache_redis_url", "http://lru:6380")], "cache_redis_url"),
            (&[("cache_redis_url", "lru:6380")], "cache_redis_url"),
            (
                &[("cache_redis_password", "s3cret")],
                "cache_redis_password",
            ),
        ];
        for (vars, name) in cases {
            let e = parse(vars).unwrap_err();
            assert_eq!(e.name, name, "{vars:?}");
            assert!(!e.to_string().contains("s3cret"), "{e}");
        }
    }
}
