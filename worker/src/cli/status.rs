use clap::Args;
use redspin_core::KeySchema;

use redspin_queue::Endpoint;
use redspin_queue::QueueClient;

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// The job id (as printed by `enqueue`).
    pub id: String,
    #[arg(long, default_value = "default")]
    pub queue: String,
}

pub async fn run(endpoint: &Endpoint, schema: KeySchema, args: StatusArgs) -> anyhow::Result<()> {
    let client = QueueClient::connect_to(endpoint, schema).await?;
    match client.status(&args.queue, &args.id).await? {
        Some(s) => {
            println!("{}", serde_json::to_string_pretty(&s)?);
            Ok(())
        }
        None => anyhow::bail!(
            "no job {} in queue {} (unknown, or its status has expired)",
            args.id,
            args.queue
        ),
    }
}
