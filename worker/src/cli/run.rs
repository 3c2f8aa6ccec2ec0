use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use clap::Args;
use redspin_core::ops::DeadLimit;
use redspin_core::{Backoff, KeySchema};

use crate::handlers::invalidate;
use crate::handlers::signing::Signer;
use crate::handlers::webhook::{self, Webhook};
use crate::{metrics, Registry, Worker, WorkerConfig};
use redspin_queue::eviction::{self, Verdict};
use redspin_queue::{Connection, Endpoint};

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Queue to consume (repeatable).
    #[arg(long = "queue", default_value = "default")]
    pub queues: Vec<String>,
    /// Most handlers running at once.
    #[arg(long, default_value_t = 64)]
    pub concurrency: usize,
    /// Serve Prometheus metrics on this address (path /metrics).
    #[arg(long)]
    pub metrics_listen: Option<SocketAddr>,
    /// Bound on the time until a dead worker's jobs run elsewhere (ms).
    #[arg(long, default_value_t = 30_000)]
    pub recovery_timeout_ms: u64,
    /// How long running handlers may finish at shutdown (ms).
    #[arg(long, default_value_t = 10_000)]
    pub shutdown_grace_ms: u64,
    /// How long finished jobs' status stays readable (s).
    #[arg(long, default_value_t = 86_400)]
    pub status_retention_secs: u64,
    /// Most jobs the dead set keeps; the oldest beyond go.
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub dead_max_jobs: u64,
    /// Longest a dead job is kept (s); 180 days by default.
    #[arg(long, default_value_t = 15_552_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub dead_max_age_secs: u64,
    /// First retry delay (ms); doubles per retry, with jitter.
    #[arg(long, default_value_t = 1_000)]
    pub backoff_base_ms: u64,
    /// Longest retry delay (ms).
    #[arg(long, default_value_t = 3_600_000)]
    pub backoff_max_ms: u64,
    /// Most jobs claimed per fetch.
    #[arg(long, default_value_t = 100)]
    pub fetch_batch: usize,
    /// Let webhooks reach private, loopback and link-local addresses (for
    /// local development only; by default they are refused for good).
    #[arg(long, env = "REDSPIN_WEBHOOK_ALLOW_PRIVATE")]
    pub webhook_allow_private: bool,
    /// Run on a Redis whose maxmemory-policy may evict the queue's keys
    /// (allkeys-*); by default the worker refuses to start there.
    #[arg(long)]
    pub allow_eviction: bool,
    /// Sign webhooks (Standard Webhooks): `whsec_` + base64 key; several,
    /// space-separated, each sign (rotation).
    #[arg(long, env = "REDSPIN_WEBHOOK_SIGNING_SECRET", hide_env_values = true)]
    pub webhook_signing_secret: Option<String>,
    /// The cache's own Redis (the app's `cache_redis_url`, password in the
    /// URL): `cache.invalidate` jobs delete there. Unset or redis://self:
    /// the cache shares --redis-url.
    #[arg(long, env = "CACHE_REDIS_URL", hide_env_values = true)]
    pub cache_redis_url: Option<String>,
}

pub async fn run(endpoint: &Endpoint, schema: KeySchema, args: RunArgs) -> anyhow::Result<()> {
    let registry = registry(&args).await?;
    check_eviction(endpoint, args.allow_eviction).await?;
    let config = WorkerConfig {
        redis_url: endpoint.url.clone(),
        cluster: endpoint.cluster,
        schema: schema.clone(),
        queues: args.queues,
        concurrency: args.concurrency,
        fetch_batch: args.fetch_batch.max(1),
        recovery_timeout: Duration::from_millis(args.recovery_timeout_ms),
        shutdown_grace: Duration::from_millis(args.shutdown_grace_ms),
        status_retention: Duration::from_secs(args.status_retention_secs),
        dead_limit: DeadLimit {
            max_jobs: args.dead_max_jobs,
            max_age_ms: args.dead_max_age_secs.saturating_mul(1000),
        },
        backoff: Backoff {
            base: Duration::from_millis(args.backoff_base_ms),
            max: Duration::from_millis(args.backoff_max_ms),
        },
        ..WorkerConfig::default()
    };
    config.validate()?;
    let metrics = metrics::Metrics::new();
    let stop_metrics = tokio_util::sync::CancellationToken::new();
    let mut server = None;
    let otlp_every = redspin_telemetry::init::metrics_export_interval();
    // One connection reads the depths for both: `/metrics` and OTLP.
    let depths = match args.metrics_listen.is_some() || otlp_every.is_some() {
        true => Some(depth_source(endpoint, &schema, &config.queues).await?),
        false => None,
    };
    if let (Some(addr), Some((redis, queues))) = (args.metrics_listen, &depths) {
        let listener = metrics::bind(addr).await?;
        tracing::info!(addr = %listener.local_addr()?, "metrics at /metrics");
        let stop = stop_metrics.clone();
        server = Some(tokio::spawn(metrics::serve(
            listener,
            metrics.clone(),
            redis.clone(),
            queues.clone(),
            async move { stop.cancelled().await },
        )));
    }
    if let (Some(every), Some((redis, queues))) = (otlp_every, depths) {
        let (m, stop) = (metrics.clone(), stop_metrics.clone());
        tokio::spawn(metrics::sample_depths(m, redis, queues, every, stop));
    }
    let summary = Worker::new(config, registry)
        .with_metrics(metrics)
        .run(redspin_process::shutdown_signal())
        .await
        .context("worker failed")?;
    stop_metrics.cancel();
    if let Some(s) = server {
        s.await??;
    }
    tracing::info!(requeued = summary.requeued, "bye");
    Ok(())
}

/// A connection and the queues whose depths the metrics read.
async fn depth_source(
    endpoint: &Endpoint,
    schema: &KeySchema,
    names: &[String],
) -> anyhow::Result<(Connection, Vec<redspin_core::QueueKeys>)> {
    let redis = Connection::open(endpoint, Duration::from_secs(5))
        .await
        .context("connecting to Redis")?;
    let queues = names
        .iter()
        .map(|q| schema.queue(q))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((redis, queues))
}

/// The built-in handlers as the flags set them up.
async fn registry(args: &RunArgs) -> anyhow::Result<Registry> {
    let mut registry = Registry::builtins(args.webhook_allow_private);
    let cache_url = args
        .cache_redis_url
        .as_deref()
        .filter(|u| !u.is_empty() && *u != redspin_core::CACHE_SHARES_MAIN_REDIS);
    if let Some(url) = cache_url {
        let cache = Connection::connect(url)
            .await
            .context("connecting to the cache's Redis (--cache-redis-url)")?;
        registry.register(invalidate::TYPE, invalidate::Invalidate::on(cache));
        tracing::info!("cache.invalidate deletes on the cache's own Redis (--cache-redis-url)");
    }
    if args.webhook_allow_private {
        tracing::warn!(
            "webhooks may reach private and loopback addresses (--webhook-allow-private)"
        );
    }
    if let Some(secrets) = &args.webhook_signing_secret {
        let signer = Signer::parse(secrets).context("--webhook-signing-secret")?;
        let webhook = Webhook::with_private_destinations(args.webhook_allow_private);
        registry.register(webhook::TYPE, webhook.signed_by(signer));
        tracing::info!("webhooks are signed (webhook-signature)");
    }
    Ok(registry)
}

/// Refuses a Redis that may evict the queue's keys, unless allowed (see
/// [`redspin_queue::eviction`]).
async fn check_eviction(endpoint: &Endpoint, allowed: bool) -> anyhow::Result<()> {
    let policies = eviction::policies(endpoint)
        .await
        .context("reading Redis's maxmemory-policy (INFO memory)")?;
    for p in policies {
        let policy = p.policy.as_deref().unwrap_or("?");
        match (p.verdict(), allowed) {
            (Verdict::Safe, _) => {}
            (Verdict::Unknown, _) => tracing::warn!(
                server = %p.server,
                "Redis does not report its maxmemory-policy: make sure it is noeviction or volatile-*"
            ),
            (Verdict::Evicts, true) => tracing::warn!(
                server = %p.server,
                policy,
                "Redis may evict queued jobs under memory pressure (--allow-eviction)"
            ),
            (Verdict::Evicts, false) => anyhow::bail!(
                "Redis at {} has maxmemory-policy {policy}: under memory pressure it evicts any key, \
                 queued, delayed and running jobs included. Set maxmemory-policy noeviction (or a \
                 volatile-* policy) on it and keep caches on a Redis of their own, or pass \
                 --allow-eviction to run anyway",
                p.server
            ),
        }
    }
    Ok(())
}
