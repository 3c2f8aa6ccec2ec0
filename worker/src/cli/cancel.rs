//! `cancel ID`: a waiting job is removed, a running one aborted by its
//! worker; either way it is never retried.

use clap::Args;
use redspin_core::ops::Cancelled;
use redspin_core::KeySchema;
use redspin_queue::{Endpoint, QueueClient};

#[derive(Debug, Args)]
pub struct CancelArgs {
    /// The job id.
    pub id: String,
    #[arg(long, default_value = "default")]
    pub queue: String,
    /// How long the cancelled job's status stays readable (s).
    #[arg(long, default_value_t = 86_400)]
    pub status_retention_secs: u64,
}

pub async fn run(endpoint: &Endpoint, schema: KeySchema, args: CancelArgs) -> anyhow::Result<()> {
    let client = QueueClient::connect_to(endpoint, schema).await?;
    let retention = std::time::Duration::from_secs(args.status_retention_secs);
    match client.cancel(&args.queue, &args.id, retention).await? {
        Cancelled::Was(state) => {
            eprintln!("job {} cancelled (it was {})", args.id, state.as_str());
            Ok(())
        }
        Cancelled::Finished(state) => anyhow::bail!(
            "job {} is already {}: nothing to cancel",
            args.id,
            state.as_str()
        ),
        Cancelled::Unknown => anyhow::bail!(
            "no job {} in queue {} (unknown, or its status has expired)",
            args.id,
            args.queue
        ),
    }
}
