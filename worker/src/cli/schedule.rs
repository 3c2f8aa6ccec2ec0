//! `schedule set|list|remove`: recurring jobs, stored in Redis and fired by
//! every worker's promoter, one job per tick.

use clap::{Args, Subcommand};
use redspin_core::KeySchema;
use redspin_queue::schedule::ScheduleDef;
use redspin_queue::{Endpoint, QueueClient};

use super::UsageError;

#[derive(Debug, Subcommand)]
pub enum ScheduleCmd {
    /// Create or replace a schedule.
    Set(SetArgs),
    /// Show every schedule.
    List {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Remove a schedule (jobs it created stay).
    Remove { name: String },
}

#[derive(Debug, Args)]
pub struct SetArgs {
    pub name: String,
    /// Five fields (minute hour day month weekday), or six with seconds
    /// first.
    #[arg(long)]
    pub cron: String,
    /// The time zone the expression is read in (IANA name), with its
    /// daylight-saving rules.
    #[arg(long, default_value = "UTC")]
    pub tz: String,
    #[arg(long = "type")]
    pub kind: String,
    /// Payload of every job, a JSON document.
    #[arg(long)]
    pub payload: String,
    #[arg(long, default_value = "default")]
    pub queue: String,
    #[arg(long)]
    pub max_attempts: Option<u32>,
}

pub async fn run(endpoint: &Endpoint, schema: KeySchema, cmd: ScheduleCmd) -> anyhow::Result<()> {
    match cmd {
        ScheduleCmd::Set(a) => set(endpoint, schema, a).await,
        ScheduleCmd::List { json } => list(endpoint, schema, json).await,
        ScheduleCmd::Remove { name } => {
            let client = QueueClient::connect_to(endpoint, schema).await?;
            if !client.schedule_remove(&name).await? {
                anyhow::bail!("no schedule {name}");
            }
            eprintln!("schedule {name} removed");
            Ok(())
        }
    }
}

async fn set(endpoint: &Endpoint, schema: KeySchema, a: SetArgs) -> anyhow::Result<()> {
    let payload: serde_json::Value = serde_json::from_str(&a.payload)
        .map_err(|e| UsageError::new("--payload is not valid JSON", e))?;
    let def = ScheduleDef {
        name: a.name,
        cron: a.cron,
        tz: a.tz,
        kind: a.kind,
        payload,
        queue: a.queue,
        max_attempts: a.max_attempts,
    };
    def.check()
        .map_err(|e| UsageError::new("the schedule is refused", e))?;
    let client = QueueClient::connect_to(endpoint, schema).await?;
    let view = client.schedule_set(&def).await?;
    println!("{}", serde_json::to_string_pretty(&view)?);
    Ok(())
}

async fn list(endpoint: &Endpoint, schema: KeySchema, json: bool) -> anyhow::Result<()> {
    let client = QueueClient::connect_to(endpoint, schema).await?;
    let all = client.schedule_list().await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&all)?);
        return Ok(());
    }
    println!(
        "{:<24} {:<20} {:<18} {:<16} {:<12} {:>15}",
        "name", "cron", "tz", "type", "queue", "next_run_at"
    );
    for s in all {
        let next = s.next_run_at.map(|n| n.to_string()).unwrap_or("-".into());
        println!(
            "{:<24} {:<20} {:<18} {:<16} {:<12} {:>15}{}",
            s.name,
            s.cron,
            s.tz,
            s.kind,
            s.queue,
            next,
            s.problem.map(|p| format!("  ({p})")).unwrap_or_default()
        );
    }
    Ok(())
}
