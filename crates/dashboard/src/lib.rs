//! # redspin-dashboard
//!
//! The queue in a browser, served by `redspin-worker dashboard` or embedded
//! in your own process with [`router`] / [`serve`].
//!
//! A separate process (it runs no jobs): an axum server rendering HTML on
//! the server ([`views`], maud), with the same data as JSON under `/api/`
//! ([`api`]). Reading needs the sign-in ([`auth`], [`gate`]); every action
//! is a POST with a CSRF token, logged with who did what ([`pages::act`]).
//! Stylesheet and script are embedded in the binary.
//!
//! Layout: reads and actions go through `redspin_queue::admin` (which
//! tolerates anything odd in Redis and holds no key layout of its own),
//! [`params`] reads requests, [`format`] shows numbers, times and payloads
//! (secrets elided), [`views`] renders.

pub mod api;
pub mod auth;
pub mod failures;
pub mod format;
pub mod gate;
pub mod pages;
pub mod params;
pub mod server;
pub mod trace_url;
pub mod traced;
pub mod views;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::routing::{get, post};
use axum::Router;
use tokio::net::TcpListener;

pub use auth::{Auth, AuthError};
pub use redspin_queue::admin::Admin;
pub use trace_url::{TraceUrl, TraceUrlError};

/// What the handlers share.
#[derive(Clone)]
pub struct AppState {
    pub admin: Admin,
    pub auth: Arc<Auth>,
    /// Where a job page links its trace (`None`: the id only).
    pub trace_url: Option<Arc<trace_url::TraceUrl>>,
}

/// The dashboard's routes.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(pages::overview))
        .route("/workers", get(pages::workers))
        .route("/scheduled", get(pages::scheduled))
        .route("/dead", get(pages::dead))
        .route("/dead/confirm", get(pages::confirm))
        .route("/job", get(pages::job))
        .route("/scheduled/run-now", post(pages::act))
        .route("/dead/retry", post(pages::act))
        .route("/dead/delete", post(pages::act))
        .route("/dead/retry-all", post(pages::act))
        .route("/dead/purge-all", post(pages::act))
        .route("/schedules", get(pages::schedules))
        .route("/queue/pause", post(pages::act))
        .route("/queue/resume", post(pages::act))
        .route("/queue/limit", post(pages::act))
        .route("/queue/clear-limits", post(pages::act))
        .route("/job/cancel", post(pages::act))
        .route("/schedules/remove", post(pages::act))
        .route("/login", get(pages::login_form).post(pages::login))
        .route("/logout", post(pages::logout))
        .route("/assets/style.css", get(pages::style))
        .route("/assets/live.js", get(pages::script))
        .route("/api/overview", get(api::overview))
        .route("/api/workers", get(api::workers))
        .route("/api/scheduled", get(api::scheduled))
        .route("/api/dead", get(api::dead))
        .route("/api/jobs/{id}", get(api::job))
        .route("/api/schedules", get(api::schedules))
        .route("/api/scheduled/run-now", post(api::act))
        .route("/api/dead/retry", post(api::act))
        .route("/api/dead/delete", post(api::act))
        .route("/api/dead/retry-all", post(api::act))
        .route("/api/dead/purge-all", post(api::act))
        .route("/api/queue/pause", post(api::act))
        .route("/api/queue/resume", post(api::act))
        .route("/api/queue/limit", post(api::act))
        .route("/api/queue/clear-limits", post(api::act))
        .route("/api/job/cancel", post(api::act))
        .route("/api/schedules/remove", post(api::act))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            gate::gate,
        ))
        .layer(axum::middleware::from_fn(traced::traced))
        .with_state(state)
}

/// Why the dashboard will not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Auth(#[from] AuthError),
    #[error("refusing to serve {0} without a token: set --token (or REDSPIN_DASHBOARD_TOKEN), or listen on a loopback address such as 127.0.0.1:9470")]
    OpenToTheNetwork(SocketAddr),
}

/// Checks that a dashboard without a token listens on loopback only.
pub fn check_exposure(auth: &Auth, addr: SocketAddr) -> Result<(), StartError> {
    if auth.is_open() && !addr.ip().is_loopback() {
        return Err(StartError::OpenToTheNetwork(addr));
    }
    Ok(())
}

/// Serves the dashboard on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with(listener, state, shutdown, server::Limits::default()).await
}

/// [`serve`] with explicit connection limits ([`server`]).
pub async fn serve_with(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
    limits: server::Limits,
) -> std::io::Result<()> {
    check_exposure(&state.auth, listener.local_addr()?)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::PermissionDenied, e))?;
    server::serve(listener, router(state), shutdown, limits).await
}

/// Whether the session cookie must be `Secure`: when asked, and always
/// when the dashboard listens beyond loopback (where a cookie sent in the
/// clear could be read on the way).
pub fn cookie_must_be_secure(asked: bool, listen: SocketAddr) -> bool {
    asked || !listen.ip().is_loopback()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_cookie_is_secure_beyond_loopback() {
        for (asked, listen, secure) in [
            (false, "127.0.0.1:9470", false),
            (false, "[::1]:9470", false),
            (true, "127.0.0.1:9470", true),
            (false, "0.0.0.0:9470", true),
            (false, "10.0.0.5:9470", true),
            (false, "[::]:9470", true),
        ] {
            let addr = listen.parse().unwrap();
            assert_eq!(
                super::cookie_must_be_secure(asked, addr),
                secure,
                "{listen}"
            );
        }
    }
}
