//! Listens on the queues' wake channels, where producers publish when a job
//! becomes the earliest scheduled one, and wakes that queue's promoter.
//! Reconnects on errors; the promoters' bounded sleep covers the gaps.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use redspin_core::QueueKeys;
use tokio::sync::Notify;

use super::Shared;

pub(crate) async fn run(shared: Arc<Shared>, queues: Vec<QueueKeys>, wakers: Vec<Arc<Notify>>) {
    let channels: Vec<String> = queues.iter().map(QueueKeys::wake).collect();
    let mut delay = Duration::from_millis(100);
    while !shared.stop.is_cancelled() {
        match listen(&shared, &channels, &wakers).await {
            Ok(()) => return,
            Err(e) => {
                tracing::warn!(error = %e, "wake listener lost its connection; reconnecting in {delay:?}");
                for w in &wakers {
                    w.notify_one();
                }
                tokio::select! {
                    _ = tokio::time::sleep(delay) => {}
                    _ = shared.stop.cancelled() => return,
                }
                delay = (delay * 2).min(Duration::from_secs(5));
            }
        }
    }
}

/// A Pub/Sub connection: to the server, or on a cluster to the first seed
/// node that answers (a classic `PUBLISH`, also from a script, reaches the
/// subscribers on every node of a cluster).
async fn subscriber(shared: &Shared) -> redis::RedisResult<redis::aio::PubSub> {
    let endpoint = shared.config.endpoint();
    let mut last = None;
    for url in endpoint.urls() {
        match redis::Client::open(url) {
            Ok(client) => match client.get_async_pubsub().await {
                Ok(p) => return Ok(p),
                Err(e) => last = Some(e),
            },
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| {
        redis::RedisError::from(std::io::Error::other("no Redis node to subscribe on"))
    }))
}

/// Returns Ok when stopped, Err when the connection fails.
async fn listen(
    shared: &Shared,
    channels: &[String],
    wakers: &[Arc<Notify>],
) -> redis::RedisResult<()> {
    let mut pubsub = subscriber(shared).await?;
    for c in channels {
        pubsub.subscribe(c).await?;
    }
    let mut messages = pubsub.on_message();
    loop {
        tokio::select! {
            msg = messages.next() => {
                let Some(msg) = msg else {
                    return Err(redis::RedisError::from(std::io::Error::from(std::io::ErrorKind::ConnectionReset)));
                };
                if let Some(i) = channels.iter().position(|c| c == msg.get_channel_name()) {
                    wakers[i].notify_one();
                }
            }
            _ = shared.stop.cancelled() => return Ok(()),
        }
    }
}
