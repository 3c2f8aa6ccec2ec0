use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use clap::Args;
use redspin_core::KeySchema;

use redspin_dashboard::{self as dashboard, Admin, AppState, Auth, TraceUrl};
use redspin_queue::Endpoint;
use redspin_queue::QueueClient;

#[derive(Debug, Args)]
pub struct DashboardArgs {
    /// Address to serve on. Without a token only loopback addresses are allowed.
    #[arg(
        long,
        env = "REDSPIN_DASHBOARD_LISTEN",
        default_value = "127.0.0.1:9470"
    )]
    pub listen: SocketAddr,
    /// The sign-in token (at least 32 characters). Prefer the environment
    /// variable: a flag shows in the process list.
    #[arg(long, env = "REDSPIN_DASHBOARD_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Mark the session cookie Secure (always when listening beyond loopback).
    #[arg(long, env = "REDSPIN_DASHBOARD_COOKIE_SECURE")]
    pub cookie_secure: bool,
    /// Make a job's trace id a link: `{trace_id}` is replaced, as in
    /// 'https://jaeger.example/trace/{trace_id}'.
    #[arg(long, env = "REDSPIN_DASHBOARD_TRACE_URL_TEMPLATE")]
    pub trace_url_template: Option<String>,
}

pub async fn run(
    endpoint: &Endpoint,
    schema: KeySchema,
    args: DashboardArgs,
) -> anyhow::Result<()> {
    let secure = dashboard::cookie_must_be_secure(args.cookie_secure, args.listen);
    let auth =
        Auth::new(args.token.as_deref(), secure).context("--token / REDSPIN_DASHBOARD_TOKEN")?;
    dashboard::check_exposure(&auth, args.listen)?;
    let trace_url = args
        .trace_url_template
        .as_deref()
        .map(TraceUrl::parse)
        .transpose()
        .context("--trace-url-template / REDSPIN_DASHBOARD_TRACE_URL_TEMPLATE")?
        .map(Arc::new);
    let client = QueueClient::connect_to(endpoint, schema).await?;
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, signed = !auth.is_open(), "dashboard listening");
    eprintln!("redspin-worker: dashboard on http://{addr}/");
    let state = AppState {
        admin: Admin::new(client),
        auth: Arc::new(auth),
        trace_url,
    };
    dashboard::serve(listener, state, super::shutdown_signal()).await?;
    Ok(())
}
