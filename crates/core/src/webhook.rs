//! What producers and the worker agree on about webhooks.

/// Headers a producer may not set on a webhook: they belong to the
/// connection, not to the message (request smuggling, proxy abuse).
/// `POST /tasks` refuses them with 400; the worker sends a job that has
/// one, however it was enqueued, to the dead set.
pub fn forbidden_header(name: &str) -> bool {
    let n = name.trim().to_ascii_lowercase();
    matches!(
        n.as_str(),
        "host" | "content-length" | "transfer-encoding" | "connection" | "upgrade" | "te"
    ) || n.starts_with("proxy-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_headers_are_forbidden() {
        for (name, refused) in [
            ("Host", true),
            ("content-length", true),
            ("Transfer-Encoding", true),
            ("CONNECTION", true),
            ("upgrade", true),
            ("TE", true),
            ("Proxy-Authorization", true),
            ("proxy-connection", true),
            (" host ", true),
            ("X-Signature", false),
            ("Content-Type", false),
            ("Authorization", false),
            ("tea", false),
        ] {
            assert_eq!(forbidden_header(name), refused, "{name:?}");
        }
    }
}
