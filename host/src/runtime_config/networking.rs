//! `[outbound_networking]` and `[[client_tls]]`, read as Spin 4.0.2 reads
//! them (`crates/factor-outbound-networking/src/runtime_config/spin.rs`):
//!
//! ```toml
//! [outbound_networking]
//! block_networks = ["private", "1.1.1.1/32"]
//!
//! [[client_tls]]
//! component_ids = ["api"]
//! hosts = ["internal.example.com"]     # exact host names, no port
//! ca_roots_file = "certs/roots.pem"    # relative to this file
//! ca_use_platform_roots = false        # defaults: see below
//! ca_use_webpki_roots = false
//! client_cert_file = "certs/client.pem"
//! client_private_key_file = "certs/client.key"
//! ```
//!
//! Root defaults as in Spin: an entry without `ca_roots_file` trusts the
//! platform's roots; with it, only those roots; setting one of the two
//! flags turns the other off unless it is set too.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::networks::BlockedNetworks;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OutboundNetworkingToml {
    #[serde(default)]
    block_networks: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClientTlsToml {
    component_ids: Vec<String>,
    hosts: Vec<String>,
    ca_use_platform_roots: Option<bool>,
    ca_use_webpki_roots: Option<bool>,
    ca_roots_file: Option<PathBuf>,
    client_cert_file: Option<PathBuf>,
    client_private_key_file: Option<PathBuf>,
}

/// One `[[client_tls]]` entry, its paths resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientTls {
    pub component_ids: Vec<String>,
    pub hosts: Vec<String>,
    pub use_platform_roots: bool,
    pub use_webpki_roots: bool,
    pub ca_roots_file: Option<PathBuf>,
    /// The certificate chain and private key files.
    pub client_cert: Option<(PathBuf, PathBuf)>,
}

fn decode<T: serde::de::DeserializeOwned>(value: &toml::Value) -> Result<T, String> {
    value
        .clone()
        .try_into()
        .map_err(|e: toml::de::Error| e.message().to_owned())
}

/// `[outbound_networking]`, or nothing blocked.
pub fn blocked(value: Option<&toml::Value>) -> Result<BlockedNetworks, String> {
    let Some(value) = value else {
        return Ok(BlockedNetworks::default());
    };
    let t: OutboundNetworkingToml = decode(value)?;
    BlockedNetworks::parse(&t.block_networks).map_err(|e| e.to_string())
}

/// `[[client_tls]]`, paths relative to `dir` (the file's directory).
pub fn client_tls(value: Option<&toml::Value>, dir: &Path) -> Result<Vec<ClientTls>, String> {
    let Some(value) = value else {
        return Ok(Vec::new());
    };
    let entries: Vec<ClientTlsToml> = decode(value)?;
    entries.into_iter().map(|e| entry(e, dir)).collect()
}

fn entry(t: ClientTlsToml, dir: &Path) -> Result<ClientTls, String> {
    if t.component_ids.is_empty() {
        return Err("'component_ids' list may not be empty".into());
    }
    if let Some(bad) = t.component_ids.iter().find(|id| !is_kebab_id(id)) {
        return Err(format!(
            "{bad:?} is not a component id (lower-case words and digits joined by '-')"
        ));
    }
    if t.hosts.is_empty() {
        return Err("'hosts' list may not be empty".into());
    }
    for host in &t.hosts {
        check_host(host)?;
    }
    let (use_platform_roots, use_webpki_roots) =
        match (t.ca_use_platform_roots, t.ca_use_webpki_roots) {
            (Some(platform), Some(webpki)) => (platform, webpki),
            (Some(platform), None) => (platform, false),
            (None, Some(webpki)) => (false, webpki),
            (None, None) => (t.ca_roots_file.is_none(), false),
        };
    let client_cert = match (t.client_cert_file, t.client_private_key_file) {
        (Some(cert), Some(key)) => Some((dir.join(cert), dir.join(key))),
        (None, None) => None,
        (Some(_), None) => {
            return Err("client_cert_file specified without client_private_key_file".into())
        }
        (None, Some(_)) => {
            return Err("client_private_key_file specified without client_cert_file".into())
        }
    };
    Ok(ClientTls {
        component_ids: t.component_ids,
        hosts: t.hosts,
        use_platform_roots,
        use_webpki_roots,
        ca_roots_file: t.ca_roots_file.map(|p| dir.join(p)),
        client_cert,
    })
}

/// A host as Spin accepts it: an authority without a port.
fn check_host(host: &str) -> Result<(), String> {
    let authority: http::uri::Authority = host
        .parse()
        .map_err(|_| format!("invalid TLS 'host' {host:?}"))?;
    if authority.port().is_some() {
        return Err(format!(
            "invalid TLS 'host' {host:?}; ports not currently supported"
        ));
    }
    Ok(())
}

/// Spin's component id: words of ASCII letters and digits joined by `-`,
/// each starting with a letter and all lower- or all upper-case.
fn is_kebab_id(id: &str) -> bool {
    !id.is_empty()
        && id.split('-').all(|w| {
            w.starts_with(|c: char| c.is_ascii_alphabetic())
                && w.chars().all(|c| c.is_ascii_alphanumeric())
                && (w.chars().all(|c| !c.is_ascii_uppercase())
                    || w.chars().all(|c| !c.is_ascii_lowercase()))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Vec<ClientTls>, String> {
        let t: toml::Table = toml::from_str(text).unwrap();
        client_tls(t.get("client_tls"), Path::new("/rc"))
    }

    #[test]
    fn root_defaults_and_paths() {
        let cases: &[(&str, bool, bool)] = &[
            ("", true, false),
            ("ca_roots_file = \"r.pem\"", false, false),
            ("ca_use_webpki_roots = true", false, true),
            ("ca_use_platform_roots = true", true, false),
            (
                "ca_use_platform_roots = true\nca_use_webpki_roots = true",
                true,
                true,
            ),
            (
                "ca_roots_file = \"r.pem\"\nca_use_platform_roots = true",
                true,
                false,
            ),
        ];
        for (extra, platform, webpki) in cases {
            let text = format!(
                "[[client_tls]]\ncomponent_ids = [\"api\"]\nhosts = [\"a.example\"]\n{extra}"
            );
            let e = &parse(&text).unwrap()[0];
            assert_eq!(
                (e.use_platform_roots, e.use_webpki_roots),
                (*platform, *webpki),
                "{extra}"
            );
        }
        let e = &parse("[[client_tls]]\ncomponent_ids = [\"api\"]\nhosts = [\"a\"]\nca_roots_file = \"c/r.pem\"\nclient_cert_file = \"c.pem\"\nclient_private_key_file = \"/k.pem\"").unwrap()[0];
        assert_eq!(e.ca_roots_file.as_deref(), Some(Path::new("/rc/c/r.pem")));
        assert_eq!(e.client_cert, Some(("/rc/c.pem".into(), "/k.pem".into())));
    }

    #[test]
    fn refusals() {
        let base = "[[client_tls]]\n";
        let cases: &[(&str, &str)] = &[
            (
                "component_ids = []\nhosts = [\"a\"]",
                "'component_ids' list may not be empty",
            ),
            (
                "component_ids = [\"Api_x\"]\nhosts = [\"a\"]",
                "is not a component id",
            ),
            (
                "component_ids = [\"api\"]\nhosts = []",
                "'hosts' list may not be empty",
            ),
            (
                "component_ids = [\"api\"]\nhosts = [\"a.example:443\"]",
                "ports not currently supported",
            ),
            (
                "component_ids = [\"api\"]\nhosts = [\"a b\"]",
                "invalid TLS 'host' \"a b\"",
            ),
            (
                "component_ids = [\"api\"]\nhosts = [\"a\"]\nclient_cert_file = \"c\"",
                "client_cert_file specified without client_private_key_file",
            ),
            (
                "component_ids = [\"api\"]\nhosts = [\"a\"]\ncert_chain_file = \"c\"",
                "unknown field `cert_chain_file`",
            ),
        ];
        for (text, want) in cases {
            let err = parse(&format!("{base}{text}")).unwrap_err();
            assert!(err.contains(want), "{text}: {err}");
        }
    }

    #[test]
    fn block_networks() {
        let t: toml::Table =
            toml::from_str("[outbound_networking]\nblock_networks = [\"private\", \"1.1.1.1/32\"]")
                .unwrap();
        let b = blocked(t.get("outbound_networking")).unwrap();
        assert!(b.is_blocked("1.1.1.1".parse().unwrap()));
        assert!(b.is_blocked("127.0.0.1".parse().unwrap()));
        let t: toml::Table =
            toml::from_str("[outbound_networking]\nblock_networks = [\"1.1.1.1\"]").unwrap();
        assert!(blocked(t.get("outbound_networking"))
            .unwrap_err()
            .contains("expected an IP network in CIDR notation"));
        let t: toml::Table = toml::from_str("[outbound_networking]\nallow = 1").unwrap();
        assert!(blocked(t.get("outbound_networking"))
            .unwrap_err()
            .contains("unknown field `allow`"));
        assert!(blocked(None).unwrap().is_empty());
    }
}
