use clap::{Args, Subcommand};
use redspin_core::KeySchema;

use redspin_queue::Endpoint;
use redspin_queue::{QueueClient, Selection};

#[derive(Debug, Subcommand)]
pub enum DeadCmd {
    /// List dead jobs, newest first.
    List {
        #[arg(long, default_value = "default")]
        queue: String,
        #[arg(long, default_value_t = 50)]
        limit: usize,
        #[arg(long, default_value_t = 0)]
        offset: usize,
        /// Print JSON lines (one dead job each) instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Send dead jobs back to the queue with a fresh attempt budget.
    Retry(Pick),
    /// Delete dead jobs.
    Purge(Pick),
}

#[derive(Debug, Args)]
pub struct Pick {
    #[arg(long, default_value = "default")]
    queue: String,
    /// Job ids (repeatable).
    #[arg(long = "id", required_unless_present = "all", conflicts_with = "all")]
    ids: Vec<String>,
    /// Every dead job of the queue.
    #[arg(long)]
    all: bool,
}

impl Pick {
    fn selection(&self) -> Selection {
        if self.all {
            Selection::All
        } else {
            Selection::Ids(self.ids.clone())
        }
    }
}

pub async fn run(endpoint: &Endpoint, schema: KeySchema, cmd: DeadCmd) -> anyhow::Result<()> {
    let client = QueueClient::connect_to(endpoint, schema).await?;
    match cmd {
        DeadCmd::List {
            queue,
            limit,
            offset,
            json,
        } => {
            for e in client.dead_list(&queue, offset, limit).await? {
                if json {
                    let line = serde_json::json!({ "died_at": e.died_at_ms, "job": e.job });
                    println!("{line}");
                } else {
                    println!(
                        "{}  {}  {:<20} attempts={}  {}",
                        e.job.id,
                        e.died_at_ms,
                        e.job.kind,
                        e.job.attempts,
                        e.job.last_error.as_deref().unwrap_or("")
                    );
                }
            }
        }
        DeadCmd::Retry(pick) => {
            let n = client.dead_retry(&pick.queue, &pick.selection()).await?;
            println!("{n} job(s) sent back to {}", pick.queue);
        }
        DeadCmd::Purge(pick) => {
            let n = client.dead_purge(&pick.queue, &pick.selection()).await?;
            println!("{n} job(s) purged from {}", pick.queue);
        }
    }
    Ok(())
}
