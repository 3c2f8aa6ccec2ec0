//! The host the app runs on, chosen by `REDSPIN_E2E_HOST`:
//!
//! - `redspin-host` (or unset): the repository's host, in this process.
//! - `spin`: real Spin, `spin up` as a child process; the binary as
//!   [`redspin_testsupport::spin::spin_binary`] finds it. Asking for Spin
//!   when none is found fails the test: a run that was asked to prove
//!   something on Spin must not pass without it.
//!
//! Both get the same manifest, migrations and `SPIN_VARIABLE_*` variables,
//! so every test runs unchanged under either.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use redspin_host::manifest::App;
use redspin_host::runtime::{Options, Runtime};
use redspin_testsupport::spin::{spin_binary, SpinUp};
use tokio::sync::oneshot;

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

/// A running app server; stopped by [`Server::stop`], killed on drop.
pub enum Server {
    Redspin {
        stop: oneshot::Sender<()>,
        task: tokio::task::JoinHandle<()>,
    },
    Spin(SpinUp),
}

impl Server {
    /// Serves the app in `dir` (its `spin.toml`) on a free port; returns
    /// the base URL.
    pub async fn start(
        kind: HostKind,
        dir: &Path,
        sqlite: Vec<String>,
        vars: Vec<(String, String)>,
        cache_dir: &Path,
    ) -> (String, Self) {
        match kind {
            HostKind::RedspinHost => start_redspin(dir, sqlite, vars, cache_dir).await,
            HostKind::Spin(bin) => {
                let args: Vec<String> = sqlite
                    .into_iter()
                    .flat_map(|s| ["--sqlite".to_owned(), s])
                    .collect();
                let spin = SpinUp::start(&bin, &dir.join("spin.toml"), &args, &vars).await;
                (spin.base.clone(), Server::Spin(spin))
            }
        }
    }

    pub async fn stop(self) {
        match self {
            Server::Redspin { stop, task } => {
                let _ = stop.send(());
                task.await.unwrap();
            }
            Server::Spin(spin) => spin.stop().await,
        }
    }
}

async fn start_redspin(
    dir: &Path,
    sqlite: Vec<String>,
    vars: Vec<(String, String)>,
    cache_dir: &Path,
) -> (String, Server) {
    let options = Options {
        sqlite_statements: sqlite,
        request_timeout: Duration::from_secs(20),
        cache_dir: Some(cache_dir.to_owned()),
        ..Options::default()
    };
    let app = App::load(&dir.join("spin.toml")).expect("spin.toml loads");
    let runtime = tokio::task::spawn_blocking(move || {
        Runtime::load(&app, options, |k| {
            vars.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
        })
    })
    .await
    .unwrap()
    .expect("the app loads");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let stop = async {
            let _ = rx.await;
        };
        redspin_host::server::serve(listener, Arc::new(runtime), stop, Duration::from_secs(5))
            .await
            .unwrap();
    });
    (base, Server::Redspin { stop, task })
}
