//! The words Spin uses for a Redis failure.
//!
//! Spin 4.0.2 hands a component `error::other(e.to_string())` for every
//! Redis failure, where `e` is a redis-rs 0.32 `RedisError`
//! (`crates/factor-outbound-redis/src/host.rs`, `other_error_v2`). The host
//! runs redis-rs 1.x, which words the same failures differently, so this
//! module rebuilds redis-rs 0.32's text from the error's parts
//! (`redis/src/types.rs` at tag redis-0.32.5: `impl Display for
//! RedisError`, `From<ServerError>`, `make_extension_error`):
//!
//! | failure | redis-rs 0.32 (Spin) | redis-rs 1.x |
//! | --- | --- | --- |
//! | a code 0.32 knows (`ERR`, `NOSCRIPT`, ...) | `An error was signalled by the server - NoScriptError: No matching script. Please use EVAL.` | `NoScript: No matching script. Please use EVAL.` |
//! | any other code (`WRONGTYPE`, `NOPERM`, ...) | `WRONGTYPE: Operation against a key holding the wrong kind of value` | `"WRONGTYPE": Operation against ...` |
//! | an I/O error | the `io::Error` as it prints: `Connection refused (os error 111)` | the same |
//! | a timeout | `timed out` (`io::ErrorKind::TimedOut`) | the same |
//!
//! A component must not depend on these words (it looks for the code, see
//! `redspin_core::redis_error`), but one that does sees the same under
//! both hosts; `host/tests/fidelity.rs` pins them against real Spin.

/// redis-rs 0.32's description of every server error it knows by code.
const SIGNALLED: &str = "An error was signalled by the server";

/// The codes redis-rs 0.32 parses into a known kind, with that kind's
/// name (`redis/src/parser.rs`, `err_parser`); others are extensions.
const KNOWN_KINDS: [(&str, &str); 13] = [
    ("ERR", "ResponseError"),
    ("EXECABORT", "ExecAbortError"),
    ("LOADING", "BusyLoadingError"),
    ("NOSCRIPT", "NoScriptError"),
    ("MOVED", "Moved"),
    ("ASK", "Ask"),
    ("TRYAGAIN", "TryAgain"),
    ("CLUSTERDOWN", "ClusterDown"),
    ("CROSSSLOT", "CrossSlot"),
    ("MASTERDOWN", "MasterDown"),
    ("READONLY", "ReadOnly"),
    ("NOTBUSY", "NotBusy"),
    ("NOSUB", "NoSub"),
];

/// The text redis-rs 0.32 prints for the server's error reply `code detail`.
pub fn server_error(code: &str, detail: Option<&str>) -> String {
    match KNOWN_KINDS.iter().find(|(c, _)| *c == code) {
        // 0.32 writes "desc- Kind" (no space) when there is no detail.
        Some((_, kind)) => match detail {
            Some(d) => format!("{SIGNALLED} - {kind}: {d}"),
            None => format!("{SIGNALLED}- {kind}"),
        },
        None => format!(
            "{code}: {}",
            detail.unwrap_or("Unknown extension error encountered")
        ),
    }
}

/// The text Spin gives a component for `e`.
pub fn spin_text(e: &redis::RedisError) -> String {
    match e.code() {
        Some(code) => server_error(code, e.detail()),
        None => e.to_string(),
    }
}

/// What Spin's client says when a reply does not come (redis-rs 0.32 turns
/// an elapsed response timeout into `io::ErrorKind::TimedOut`).
pub fn timed_out() -> String {
    std::io::Error::from(std::io::ErrorKind::TimedOut).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_errors_in_redis_rs_0_32_words() {
        let cases = [
            (
                "NOSCRIPT",
                Some("No matching script. Please use EVAL."),
                "An error was signalled by the server - NoScriptError: No matching script. Please use EVAL.",
            ),
            (
                "ERR",
                Some("unknown command 'X', with args beginning with: "),
                "An error was signalled by the server - ResponseError: unknown command 'X', with args beginning with: ",
            ),
            (
                "LOADING",
                Some("Redis is loading the dataset in memory"),
                "An error was signalled by the server - BusyLoadingError: Redis is loading the dataset in memory",
            ),
            ("READONLY", None, "An error was signalled by the server- ReadOnly"),
            (
                "WRONGTYPE",
                Some("Operation against a key holding the wrong kind of value"),
                "WRONGTYPE: Operation against a key holding the wrong kind of value",
            ),
            (
                "NOPERM",
                Some("this user has no permissions"),
                "NOPERM: this user has no permissions",
            ),
            ("BUSY", None, "BUSY: Unknown extension error encountered"),
        ];
        for (code, detail, want) in cases {
            assert_eq!(server_error(code, detail), want, "{code}");
        }
    }

    #[test]
    fn io_errors_print_as_io_errors() {
        let refused = std::io::Error::from_raw_os_error(111);
        assert_eq!(
            spin_text(&redis::RedisError::from(refused)),
            "Connection refused (os error 111)"
        );
        assert_eq!(timed_out(), "timed out");
    }
}
