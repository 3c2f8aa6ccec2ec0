//! The `redspin-worker` command line. Each subcommand lives in its own file;
//! `main` only parses and calls [`dispatch`].

mod cancel;
mod dashboard;
mod dead;
mod enqueue;
mod queue;
mod run;
mod schedule;
mod stats;
mod status;

use clap::{Parser, Subcommand};
use redspin_core::KeySchema;

pub use redspin_process::shutdown_signal;

#[derive(Debug, Parser)]
#[command(
    name = "redspin-worker",
    version,
    about = "The redspin job queue worker and its operations commands"
)]
pub struct Cli {
    /// Redis to use.
    #[arg(
        long,
        global = true,
        env = "REDIS_URL",
        default_value = "redis://127.0.0.1:6379"
    )]
    pub redis_url: String,
    /// Redis is a Redis Cluster: --redis-url is then a comma-separated list
    /// of seed nodes (redis:// or rediss://).
    #[arg(long, global = true, env = "REDIS_CLUSTER")]
    pub cluster: bool,
    /// Key prefix shared with the producers.
    #[arg(long, global = true, env = "REDSPIN_PREFIX", default_value = redspin_core::keys::DEFAULT_PREFIX)]
    pub prefix: String,
    #[command(subcommand)]
    pub command: Cmd,
}

#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// Run the worker until SIGINT or SIGTERM.
    Run(run::RunArgs),
    /// Enqueue a job and print its id.
    Enqueue(enqueue::EnqueueArgs),
    /// Show ready, scheduled, processing, dead and done counts per queue.
    Stats(stats::StatsArgs),
    /// Cancel a job: removed if waiting, aborted if running, never retried.
    Cancel(cancel::CancelArgs),
    /// Show one job's status.
    Status(status::StatusArgs),
    /// Inspect, retry or purge the dead set.
    #[command(subcommand)]
    Dead(dead::DeadCmd),
    /// Recurring jobs: set, list or remove a schedule.
    #[command(subcommand)]
    Schedule(schedule::ScheduleCmd),
    /// Pause, resume or limit a queue.
    #[command(subcommand)]
    Queue(queue::QueueCmd),
    /// Serve the web dashboard (processes no jobs).
    Dashboard(dashboard::DashboardArgs),
}

impl Cli {
    /// The OpenTelemetry service name (unless `OTEL_SERVICE_NAME` says).
    pub fn service_name(&self) -> &'static str {
        match self.command {
            Cmd::Dashboard(_) => "redspin-dashboard",
            _ => "redspin-worker",
        }
    }

    pub fn schema(&self) -> anyhow::Result<KeySchema> {
        Ok(KeySchema::new(self.prefix.clone())?)
    }
}

/// Runs the parsed command line.
pub async fn dispatch(cli: Cli) -> anyhow::Result<()> {
    let schema = cli.schema()?;
    let endpoint = &redspin_queue::Endpoint {
        url: cli.redis_url.clone(),
        cluster: cli.cluster,
    };
    match cli.command {
        Cmd::Run(args) => run::run(endpoint, schema, args).await,
        Cmd::Enqueue(args) => enqueue::run(endpoint, schema, args).await,
        Cmd::Stats(args) => stats::run(endpoint, schema, args).await,
        Cmd::Cancel(args) => cancel::run(endpoint, schema, args).await,
        Cmd::Status(args) => status::run(endpoint, schema, args).await,
        Cmd::Dead(cmd) => dead::run(endpoint, schema, cmd).await,
        Cmd::Schedule(cmd) => schedule::run(endpoint, schema, cmd).await,
        Cmd::Queue(cmd) => queue::run(endpoint, schema, cmd).await,
        Cmd::Dashboard(args) => dashboard::run(endpoint, schema, args).await,
    }
}

/// Bad input on the command line (a flag's value that is refused): the
/// process exits 2, as for clap's own usage errors.
#[derive(Debug, thiserror::Error)]
#[error("{what}")]
pub struct UsageError {
    what: &'static str,
    #[source]
    cause: Box<dyn std::error::Error + Send + Sync>,
}

impl UsageError {
    pub fn new(
        what: &'static str,
        cause: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        Self {
            what,
            cause: cause.into(),
        }
    }
}

/// The exit status for an error: 2 for bad input, 1 for anything else.
pub fn exit_code(e: &anyhow::Error) -> u8 {
    if e.chain().any(|c| c.is::<UsageError>()) {
        2
    } else {
        1
    }
}

/// An error and its causes on one line, each cause once (see
/// `redspin_core::error::Chain`: redis-rs prints its I/O cause in its own
/// message, so a cause its parent already printed is not repeated).
pub fn describe_error(e: &anyhow::Error) -> String {
    redspin_core::error::Chain(e.as_ref()).to_string()
}

#[cfg(test)]
mod tests {
    use super::describe_error;
    use anyhow::Context;

    #[test]
    fn causes_are_printed_once() {
        let refused = std::io::Error::from_raw_os_error(111);
        let redis = redis::RedisError::from(refused);
        let e = Err::<(), _>(crate::WorkerError::from(redis))
            .context("worker failed")
            .unwrap_err();
        assert_eq!(
            describe_error(&e),
            "worker failed: Redis request failed: Connection refused (os error 111)"
        );
        let plain = anyhow::anyhow!("bad").context("outer");
        assert_eq!(describe_error(&plain), "outer: bad");
    }
}
