//! `queue pause|resume|limit`: a queue's switches, stored in Redis and
//! honoured by every worker's claim.

use clap::{Args, Subcommand};
use redspin_core::ops::Limits;
use redspin_core::KeySchema;
use redspin_queue::{Endpoint, QueueClient};

#[derive(Debug, Subcommand)]
pub enum QueueCmd {
    /// Start no job of QUEUE until resumed (running ones finish, delayed
    /// ones still become ready).
    Pause { queue: String },
    /// Start jobs of QUEUE again.
    Resume { queue: String },
    /// Limit how fast, or how many at once, QUEUE's jobs start across all
    /// workers.
    Limit(LimitArgs),
}

#[derive(Debug, Args)]
pub struct LimitArgs {
    pub queue: String,
    /// At most N jobs started per --per-ms, all workers together.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub rate: Option<u64>,
    /// The rate's window (ms).
    #[arg(long, requires = "rate", value_parser = clap::value_parser!(u64).range(1..))]
    pub per_ms: Option<u64>,
    /// At most C jobs running at once, all workers together.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub concurrency: Option<u64>,
    /// Remove every limit.
    #[arg(long, conflicts_with_all = ["rate", "per_ms", "concurrency"])]
    pub clear: bool,
}

/// The rate's window when `--per-ms` is not given.
const DEFAULT_PER_MS: u64 = 1000;

pub async fn run(endpoint: &Endpoint, schema: KeySchema, cmd: QueueCmd) -> anyhow::Result<()> {
    let client = QueueClient::connect_to(endpoint, schema).await?;
    match cmd {
        QueueCmd::Pause { queue } => {
            client.pause(&queue).await?;
            eprintln!("queue {queue} paused: no job starts until `queue resume {queue}`");
        }
        QueueCmd::Resume { queue } => {
            client.resume(&queue).await?;
            eprintln!("queue {queue} resumed");
        }
        QueueCmd::Limit(a) if a.clear => {
            client.clear_limits(&a.queue).await?;
            eprintln!("queue {}: no limits", a.queue);
        }
        QueueCmd::Limit(a) => {
            if a.rate.is_none() && a.concurrency.is_none() {
                anyhow::bail!("queue limit needs --rate, --concurrency or --clear");
            }
            let limits = Limits {
                rate: a.rate,
                per_ms: a.rate.map(|_| a.per_ms.unwrap_or(DEFAULT_PER_MS)),
                concurrency: a.concurrency,
            };
            client.limit(&a.queue, limits).await?;
            let now = client.control(&a.queue).await?;
            println!("{}", serde_json::to_string_pretty(&now.limits)?);
        }
    }
    Ok(())
}
