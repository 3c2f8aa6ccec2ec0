//! An app served in the background of the caller's tokio runtime, on a
//! free loopback port: how the tests, the benchmarks and a program that
//! embeds the host run one without the CLI.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::manifest::App;
use crate::runtime::{Options, Runtime};
use crate::server::{serve_with, Limits};

/// How long [`Served::stop`] lets in-flight requests finish.
const GRACE: Duration = Duration::from_secs(5);

/// A running app; stopped by [`Served::stop`] or when dropped.
pub struct Served {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl Served {
    /// Loads the app of `manifest` (compiling off the async threads) and
    /// serves it. `env` is the environment its variables are read from
    /// (`SPIN_VARIABLE_*`), in place of the process's.
    pub async fn start(
        manifest: &Path,
        options: Options,
        env: Vec<(String, String)>,
        limits: Limits,
    ) -> anyhow::Result<Self> {
        let app = App::load(manifest)?;
        let runtime = tokio::task::spawn_blocking(move || {
            Runtime::load(&app, options, |k| {
                env.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
            })
        })
        .await
        .context("loading the app panicked")??;
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .context("binding a loopback port")?;
        let base = format!("http://{}", listener.local_addr()?);
        let (stop, stopped) = oneshot::channel::<()>();
        let shutdown = async {
            let _ = stopped.await;
        };
        let task = tokio::spawn(serve_with(
            listener,
            Arc::new(runtime),
            shutdown,
            GRACE,
            limits,
        ));
        Ok(Self {
            base,
            stop: Some(stop),
            task: Some(task),
        })
    }

    /// Stops accepting, lets in-flight requests finish, and returns how
    /// the server ended.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.task.take() {
            Some(task) => Ok(task.await.context("the server task panicked")??),
            None => Ok(()),
        }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
