use clap::Args;
use redspin_core::{KeySchema, NewJob};

use redspin_queue::{Endpoint, QueueClient, QueueError};

use super::UsageError;

#[derive(Debug, Args)]
pub struct EnqueueArgs {
    /// Job type (selects the handler).
    #[arg(long = "type")]
    pub kind: String,
    /// Payload, a JSON document.
    #[arg(long)]
    pub payload: String,
    /// Run no earlier than this many milliseconds from now.
    #[arg(long, default_value_t = 0)]
    pub delay_ms: u64,
    /// Attempts before the job goes to the dead set (1 to 100).
    #[arg(long)]
    pub max_attempts: Option<u32>,
    #[arg(long, default_value = "default")]
    pub queue: String,
    /// Longest one attempt may run (ms); then it fails, "timed out after
    /// MS ms". Default: the job type's (webhook 30 s).
    #[arg(long)]
    pub timeout_ms: Option<u64>,
    /// Create nothing while a job with this key is unfinished in the queue:
    /// print that job's id instead ("duplicate of ..." on stderr).
    #[arg(long)]
    pub unique_key: Option<String>,
    /// Wait until a replica holds the job (Redis `WAIT 1`): it then survives
    /// a failover to that replica. Fails (exit 1, the id still printed) when
    /// no replica confirms in time.
    #[arg(long)]
    pub durable: bool,
    /// How long --durable waits for a replica.
    #[arg(long, default_value_t = 1000, requires = "durable")]
    pub durable_timeout_ms: u64,
}

pub async fn run(endpoint: &Endpoint, schema: KeySchema, args: EnqueueArgs) -> anyhow::Result<()> {
    let payload: serde_json::Value = serde_json::from_str(&args.payload)
        .map_err(|e| UsageError::new("--payload is not valid JSON", e))?;
    let mut new = NewJob::new(args.kind, payload).delay_ms(args.delay_ms);
    if let Some(n) = args.max_attempts {
        new = new.max_attempts(n);
    }
    new.timeout_ms = args.timeout_ms;
    new.unique_key = args.unique_key;
    new.check()
        .map_err(|e| UsageError::new("the job is refused", e))?;
    let client = QueueClient::connect_to(endpoint, schema).await?;
    let job = match client.enqueue(&args.queue, new).await {
        Ok((job, _state)) => job,
        Err(QueueError::Duplicate { id, state }) => {
            println!("{id}");
            eprintln!("duplicate of {id} ({}): nothing enqueued", state.as_str());
            return Ok(());
        }
        Err(e) => return Err(e.into()),
    };
    client.register_queue(&args.queue).await?;
    println!("{}", job.id);
    if args.durable {
        let timeout = std::time::Duration::from_millis(args.durable_timeout_ms);
        client.confirm_replicated(&job.id, 1, timeout).await?;
    }
    Ok(())
}
