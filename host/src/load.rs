//! The steps of loading an app that are not about compiling: start-up SQL,
//! the labels a component may use, its resolved settings, and what
//! `wasi:sockets` it may open.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use anyhow::Context;

use crate::kv::Stores;
use crate::manifest::Component;
use crate::networks::BlockedNetworks;
use crate::outbound::AllowedHosts;
use crate::sqlite::Databases;
use crate::state::ComponentEnv;
use crate::variables::Resolved;

/// Runs `--sqlite` statements as `spin up` does
/// (`crates/trigger/src/cli/sqlite_statements.rs`): `@FILE[:LABEL]` runs
/// every statement in FILE (relative to the working directory) against the
/// database LABEL (`default` if none); anything else is one statement run
/// against `default`. Spin silently runs only the first statement of an
/// inline text that holds several; here that is refused, so what starts on
/// this host starts the same on Spin.
pub fn run_startup_sql(sqlite: &Databases, statements: &[String]) -> anyhow::Result<()> {
    for s in statements {
        match s.strip_prefix('@') {
            Some(config) => {
                let (file, label) =
                    parse_file_and_label(config).with_context(|| format!("--sqlite {s}"))?;
                let sql = std::fs::read_to_string(file)
                    .with_context(|| format!("--sqlite {s}: cannot read {file}"))?;
                sqlite
                    .execute_batch(label, &sql)
                    .with_context(|| format!("--sqlite {s}"))?;
            }
            None => sqlite
                .execute_one("default", s)
                .with_context(|| format!("--sqlite {s:?}"))?,
        }
    }
    Ok(())
}

/// `FILE` or `FILE:LABEL` of an `@` statement.
fn parse_file_and_label(config: &str) -> anyhow::Result<(&str, &str)> {
    let config = config.trim();
    anyhow::ensure!(!config.is_empty(), "no file after '@'");
    match config.split_once(':') {
        Some((_, label)) if label.trim().is_empty() => {
            anyhow::bail!("the database label after ':' is empty")
        }
        Some((file, _)) if file.trim().is_empty() => {
            anyhow::bail!("the file path before ':' is empty")
        }
        Some((file, label)) => Ok((file.trim(), label.trim())),
        None => Ok((config, "default")),
    }
}

/// Refuses, as Spin does at start-up, a component listing a database or
/// store that is not defined.
pub fn check_labels(c: &Component, sqlite: &Databases, kv: &Stores) -> anyhow::Result<()> {
    if let Some(db) = c.sqlite_databases.iter().find(|d| !sqlite.contains(d)) {
        anyhow::bail!(
            "SQLite database {db:?} is not defined (define it in the runtime config file: [sqlite_database.{db}])"
        );
    }
    if let Some(label) = c.key_value_stores.iter().find(|l| !kv.contains(l)) {
        anyhow::bail!(
            "unknown key_value_stores label {label:?} (define it in the runtime config file: [key_value_store.{label}])"
        );
    }
    Ok(())
}

/// A component's settings: variables and outbound hosts expanded, labels,
/// environment.
pub fn component_env(
    c: &Component,
    vars: &Resolved,
    extra_env: &[(String, String)],
) -> anyhow::Result<ComponentEnv> {
    let mut variables = HashMap::new();
    for (name, template) in &c.variables {
        let value = vars
            .expand(template)
            .with_context(|| format!("variable {name}"))?;
        variables.insert(name.clone(), value);
    }
    let hosts = c
        .allowed_outbound_hosts
        .iter()
        .map(|h| vars.expand(h))
        .collect::<Result<Vec<_>, _>>()
        .context("allowed_outbound_hosts")?;
    let allowed_hosts = AllowedHosts::parse(&hosts)
        .map_err(anyhow::Error::msg)
        .context("allowed_outbound_hosts")?;
    let mut environment: Vec<(String, String)> = c.environment.clone().into_iter().collect();
    environment.extend(extra_env.iter().cloned());
    Ok(ComponentEnv {
        id: c.id.clone(),
        variables,
        allowed_hosts: Arc::new(allowed_hosts),
        sqlite_databases: c.sqlite_databases.iter().cloned().collect::<BTreeSet<_>>(),
        key_value_stores: c.key_value_stores.iter().cloned().collect::<BTreeSet<_>>(),
        environment,
    })
}

/// `wasi:sockets` as Spin allows them (`factor-outbound-networking`):
/// TCP connections and UDP datagrams to addresses an
/// `allowed_outbound_hosts` entry grants with the `tcp://` or `udp://`
/// scheme; never a listening socket; no name lookups (Spin does not enable
/// them), so entries match by address. A refused address is
/// `access-denied` to the guest. The operating system's own bind to the
/// wildcard address before a connect or a send is allowed. An address in
/// `block_networks` is refused (`access-denied`) even when allowed, as in
/// Spin; unlike Spin, the wildcard bind is not a destination and stays
/// allowed under `"private"` (Spin refuses it, so UDP cannot be used).
pub fn allow_sockets(
    wasi: &mut wasmtime_wasi::WasiCtxBuilder,
    allowed: &Arc<AllowedHosts>,
    blocked: &Arc<BlockedNetworks>,
) {
    use wasmtime_wasi::sockets::SocketAddrUse as Use;
    let allowed = allowed.clone();
    let blocked = blocked.clone();
    wasi.allow_tcp(true)
        .allow_udp(true)
        .allow_ip_name_lookup(false);
    wasi.socket_addr_check(move |addr, used| {
        let check = |scheme: &str| {
            let ok = allowed.allows_url(&format!("{scheme}://{addr}"), scheme);
            let prohibited = ok && blocked.is_blocked(addr.ip());
            if prohibited {
                tracing::error!("destination IP prohibited by runtime config");
            }
            ok && !prohibited
        };
        let implicit_bind = addr.ip().is_unspecified() && addr.port() == 0;
        let ok = match used {
            Use::TcpBind => implicit_bind,
            Use::TcpListen | Use::TcpAccept => false,
            Use::TcpConnect => check("tcp"),
            Use::UdpBind => implicit_bind || check("udp"),
            Use::UdpSend | Use::UdpReceive => check("udp"),
        };
        Box::pin(std::future::ready(ok))
    });
}
