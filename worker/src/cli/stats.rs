use clap::Args;
use redspin_core::KeySchema;

use redspin_queue::Endpoint;
use redspin_queue::QueueClient;

#[derive(Debug, Args)]
pub struct StatsArgs {
    /// Queues to show (default: every known queue).
    #[arg(long = "queue")]
    pub queues: Vec<String>,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

pub async fn run(endpoint: &Endpoint, schema: KeySchema, args: StatsArgs) -> anyhow::Result<()> {
    let client = QueueClient::connect_to(endpoint, schema).await?;
    let queues = if args.queues.is_empty() {
        client.known_queues().await?
    } else {
        args.queues
    };
    let mut all = Vec::with_capacity(queues.len());
    for q in &queues {
        all.push(client.stats(q).await?);
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&all)?);
        return Ok(());
    }
    println!(
        "{:<20} {:>9} {:>9} {:>10} {:>7} {:>7} {:>10} {:>9}",
        "queue", "ready", "scheduled", "processing", "dead", "workers", "done", "retried"
    );
    for s in all {
        println!(
            "{:<20} {:>9} {:>9} {:>10} {:>7} {:>7} {:>10} {:>9}{}",
            s.queue,
            s.ready,
            s.scheduled,
            s.processing,
            s.dead,
            s.workers,
            s.done,
            s.retried,
            if s.paused { "  (paused)" } else { "" }
        );
    }
    Ok(())
}
