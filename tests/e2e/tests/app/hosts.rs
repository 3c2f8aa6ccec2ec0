//! The host the app runs on, chosen by `REDSPIN_E2E_HOST`:
//!
//! - `redspin-host` (or unset): the repository's host, in this process.
//! - `spin`: real Spin, `spin up` as a child process; the binary as
//!   [`redspin_testsupport::spin::spin_binary`] finds it. Asking for Spin
//!   when none is found fails the test: a run that was asked to prove
//!   something on Spin must not pass without it.
//!
//! Both get the same manifest, migrations and `SPIN_VARIABLE_*` variables,
//! so every test runs unchanged under either. A test that needs the host's
//! own process (its OpenTelemetry export is set up in `main`) runs the
//! `redspin-host` binary instead of the in-process host ([`Process`]).

use std::path::{Path, PathBuf};
use std::time::Duration;

use redspin_host::embed::Served;
use redspin_host::runtime::Options;
use redspin_host::server::Limits;
use redspin_testsupport::spin::{spin_binary, SpinUp};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostKind {
    RedspinHost,
    Spin(PathBuf),
}

impl HostKind {
    pub fn from_env() -> Self {
        match std::env::var("REDSPIN_E2E_HOST").as_deref() {
            Err(_) | Ok("") | Ok("redspin-host") => HostKind::RedspinHost,
            Ok("spin") => HostKind::Spin(spin_binary().unwrap_or_else(|| {
                panic!("REDSPIN_E2E_HOST=spin, but no Spin CLI was found (set SPIN_BIN)")
            })),
            Ok(other) => panic!("REDSPIN_E2E_HOST={other:?}: expected redspin-host or spin"),
        }
    }
}

/// Environment and binaries for a host run as its own process.
pub struct Process {
    /// Extra environment for the host (`OTEL_*`).
    pub env: Vec<(String, String)>,
}

/// A workspace binary (`redspin-host`, `redspin-worker`), built by
/// `cargo test --workspace` beside this test binary's directory.
pub fn workspace_bin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    let bin = exe
        .parent()
        .and_then(Path::parent)
        .expect("the test binary is in target/<profile>/deps")
        .join(name);
    assert!(
        bin.exists(),
        "{} is not built: run the tests with `cargo test --workspace` (or build -p redspin-host -p redspin-worker first)",
        bin.display()
    );
    bin
}

/// A running app server; stopped by [`Server::stop`], killed on drop.
pub enum Server {
    Redspin(Served),
    Spin(SpinUp),
}

impl Server {
    /// Serves the app in `dir` (its `spin.toml`) on a free port; returns
    /// the base URL.
    pub async fn start(
        kind: HostKind,
        dir: &Path,
        sqlite: Vec<String>,
        mut vars: Vec<(String, String)>,
        cache_dir: &Path,
        process: Option<Process>,
    ) -> (String, Self) {
        let manifest = dir.join("spin.toml");
        let kind = match (kind, process) {
            (HostKind::RedspinHost, Some(p)) => {
                // The binary caches compiled components in `.spin/cache`
                // beside the manifest: share the tests' cache.
                std::fs::create_dir_all(dir.join(".spin")).unwrap();
                std::os::unix::fs::symlink(cache_dir, dir.join(".spin/cache")).unwrap();
                vars.extend(p.env);
                HostKind::Spin(workspace_bin("redspin-host"))
            }
            (HostKind::Spin(bin), Some(p)) => {
                vars.extend(p.env);
                HostKind::Spin(bin)
            }
            (kind, None) => kind,
        };
        match kind {
            HostKind::RedspinHost => {
                let options = Options {
                    sqlite_statements: sqlite,
                    request_timeout: Duration::from_secs(20),
                    cache_dir: Some(cache_dir.to_owned()),
                    ..Options::default()
                };
                let served = Served::start(&manifest, options, vars, Limits::default())
                    .await
                    .expect("the app loads");
                (served.base.clone(), Server::Redspin(served))
            }
            HostKind::Spin(bin) => {
                let args: Vec<String> = sqlite
                    .into_iter()
                    .flat_map(|s| ["--sqlite".to_owned(), s])
                    .collect();
                let spin = SpinUp::start(&bin, &manifest, &args, &vars).await;
                (spin.base.clone(), Server::Spin(spin))
            }
        }
    }

    pub async fn stop(self) {
        match self {
            Server::Redspin(served) => served.stop().await.expect("the server ends cleanly"),
            Server::Spin(spin) => spin.stop().await,
        }
    }
}
