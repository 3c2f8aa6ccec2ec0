//! Recognising Redis errors that arrive as text.
//!
//! A Spin component sees a Redis failure only as `error::other(message)`,
//! and the message is whatever the host's Redis client prints. The same
//! server reply `NOSCRIPT No matching script. Please use EVAL.` reaches a
//! component as
//!
//! | who prints it | message |
//! | --- | --- |
//! | Redis itself, a raw client | `NOSCRIPT No matching script. Please use EVAL.` |
//! | redis-rs 1.x (redspin-host) | `NoScript: No matching script. Please use EVAL.` |
//! | redis-rs 0.32 (Spin 4.0.2) | `An error was signalled by the server - NoScriptError: No matching script. Please use EVAL.` |
//!
//! so the one thing every wording keeps, the error code, is looked for as a
//! word anywhere in the message, in any case.
//!
//! Why not make the `EVALSHA` -> `EVAL` fallback independent of the text?
//! - Falling back on *any* error would run a script twice when it failed
//!   part-way: Redis does not roll back a script's writes before its error,
//!   so a retry could apply them again. It would also double the wait of a
//!   request when Redis is away.
//! - Asking `SCRIPT EXISTS` after every failure costs a round trip on each
//!   genuine failure, outages included, to cover a wording that no known
//!   client uses.
//! - Sending `EVAL` every time ships the script's source on every call.
//!
//! The code is part of Redis' protocol and every client keeps it; the
//! wording around it is what changes, and that is what the table tests pin.

/// True when `message` names the Redis error code `code` (such as
/// `NOSCRIPT`): as a word of its own, in any case, optionally followed by
/// `Error` as redis-rs 0.32 writes its kinds (`NoScriptError`).
fn has_code(message: &str, code: &str) -> bool {
    message
        .split(|c: char| !c.is_ascii_alphanumeric())
        .any(|word| {
            let word = word.as_bytes();
            let n = code.len();
            word.len() >= n
                && word[..n].eq_ignore_ascii_case(code.as_bytes())
                && (word.len() == n || word[n..].eq_ignore_ascii_case(b"error"))
        })
}

/// True for the error Redis gives when a script is not in its script
/// cache (after a restart, a failover or `SCRIPT FLUSH`), however the
/// client in between worded it.
pub fn is_noscript(message: &str) -> bool {
    has_code(message, "NOSCRIPT")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn noscript_in_every_known_wording() {
        let cases = [
            ("NOSCRIPT No matching script. Please use EVAL.", true),
            ("noscript no matching script", true),
            ("NoScript: No matching script. Please use EVAL.", true),
            (
                "An error was signalled by the server - NoScriptError: No matching script. Please use EVAL.",
                true,
            ),
            // The same after the component prefixed it.
            (
                "redis: An error was signalled by the server - NoScriptError: No matching script.",
                true,
            ),
            // redis-rs 0.32 on a nested error reply (`Value::ServerError`).
            (
                "Server error - ResponseError: KnownError { kind: NoScriptError, detail: Some(\"No matching script.\") }",
                true,
            ),
            ("  NOSCRIPT", true),
            // Not the code: other errors, other words that contain it.
            ("ERR other", false),
            (
                "An error was signalled by the server - ResponseError: unknown command 'X'",
                false,
            ),
            ("ERR Error running script: NOSCRIPTED is not a command", false),
            ("WRONGTYPE Operation against a key holding the wrong kind of value", false),
            ("Connection refused (os error 111)", false),
            ("", false),
            ("NOSCRIP", false),
        ];
        for (message, want) in cases {
            assert_eq!(is_noscript(message), want, "{message:?}");
        }
    }
}
