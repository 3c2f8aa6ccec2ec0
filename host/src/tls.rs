//! TLS for outbound HTTPS: the trust (and client certificate) each
//! `[[client_tls]]` entry sets for its components and hosts, and Spin's
//! default for the rest, the platform's roots and the webpki roots
//! (`crates/factor-outbound-networking/src/tls.rs`). The first entry that
//! names a component and a host wins; hosts match exactly, without port.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::{ClientConfig, RootCertStore};

use crate::runtime_config::ClientTls;

/// The client configurations of an app, built once at load.
pub struct TlsConfigs {
    default: Arc<ClientConfig>,
    by_component: HashMap<String, HashMap<String, Arc<ClientConfig>>>,
}

impl TlsConfigs {
    /// Builds every entry's configuration; a certificate or key file that
    /// does not load is an error naming it.
    pub fn build(entries: &[ClientTls]) -> anyhow::Result<Self> {
        let default = Arc::new(config(roots(true, true, &[])?, None)?);
        let mut by_component: HashMap<String, HashMap<String, Arc<ClientConfig>>> = HashMap::new();
        for entry in entries {
            let built = Arc::new(entry_config(entry).context("error building TLS client config")?);
            for component in &entry.component_ids {
                let hosts = by_component.entry(component.clone()).or_default();
                for host in &entry.hosts {
                    hosts.entry(host.clone()).or_insert_with(|| built.clone());
                }
            }
        }
        Ok(Self {
            default,
            by_component,
        })
    }

    /// The configuration for `component`'s requests to `host`.
    pub fn for_host(&self, component: &str, host: &str) -> Arc<ClientConfig> {
        self.by_component
            .get(component)
            .and_then(|hosts| hosts.get(host))
            .unwrap_or(&self.default)
            .clone()
    }
}

fn entry_config(entry: &ClientTls) -> anyhow::Result<ClientConfig> {
    let extra = match &entry.ca_roots_file {
        Some(file) => load_certs(file)?,
        None => Vec::new(),
    };
    let roots = roots(entry.use_platform_roots, entry.use_webpki_roots, &extra)?;
    let client = match &entry.client_cert {
        Some((cert, key)) => Some((load_certs(cert)?, load_key(key)?)),
        None => None,
    };
    config(roots, client)
}

/// The trusted roots: the platform's, the webpki ones, and `extra`.
fn roots(
    platform: bool,
    webpki: bool,
    extra: &[CertificateDer<'static>],
) -> anyhow::Result<RootCertStore> {
    if !platform && !webpki && extra.is_empty() {
        anyhow::bail!("at least one of 'use_platform_roots', 'use_webpki_roots', or 'root_certificates' must be set");
    }
    let mut store = RootCertStore::empty();
    if webpki {
        store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    }
    if platform {
        // Certificates the platform store holds but rustls cannot parse
        // are skipped, as the platform verifier would.
        let found = rustls_native_certs::load_native_certs();
        store.add_parsable_certificates(found.certs);
    }
    for cert in extra {
        store
            .add(cert.clone())
            .context("a root certificate is not valid")?;
    }
    Ok(store)
}

type ClientCert = (Vec<CertificateDer<'static>>, PrivateKeyDer<'static>);

fn config(roots: RootCertStore, client: Option<ClientCert>) -> anyhow::Result<ClientConfig> {
    let builder =
        ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .context("the TLS provider")?
            .with_root_certificates(roots);
    Ok(match client {
        Some((chain, key)) => builder
            .with_client_auth_cert(chain, key)
            .context("the client certificate and key do not go together")?,
        None => builder.with_no_client_auth(),
    })
}

fn load_certs(file: &Path) -> anyhow::Result<Vec<CertificateDer<'static>>> {
    CertificateDer::pem_file_iter(file)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .with_context(|| format!("failed to load certificate(s) from '{}'", file.display()))
}

fn load_key(file: &Path) -> anyhow::Result<PrivateKeyDer<'static>> {
    PrivateKeyDer::from_pem_file(file)
        .with_context(|| format!("failed to load key from '{}'", file.display()))
}
