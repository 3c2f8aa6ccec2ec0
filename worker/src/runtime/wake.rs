//! Listens on the queues' wake channels, where producers publish when a job
//! becomes the earliest scheduled one, and wakes that queue's promoter; and
//! on their cancel channels, where a cancel names a running job, and aborts
//! it if it runs here. Reconnects on errors; the promoters' bounded sleep
//! covers the gaps, and after each (re)subscription the jobs running here
//! are checked for a cancel missed meanwhile.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use redspin_core::QueueKeys;
use tokio::sync::Notify;

use super::Shared;

pub(crate) async fn run(shared: Arc<Shared>, queues: Vec<QueueKeys>, wakers: Vec<Arc<Notify>>) {
    let channels: Vec<String> = queues.iter().map(QueueKeys::wake).collect();
    let cancels: Vec<String> = queues.iter().map(QueueKeys::cancel).collect();
    let mut delay = Duration::from_millis(100);
    while !shared.stop.is_cancelled() {
        match listen(&shared, &queues, &channels, &cancels, &wakers).await {
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
    queues: &[QueueKeys],
    channels: &[String],
    cancels: &[String],
    wakers: &[Arc<Notify>],
) -> redis::RedisResult<()> {
    let mut pubsub = subscriber(shared).await?;
    for c in channels.iter().chain(cancels) {
        pubsub.subscribe(c).await?;
    }
    cancel_missed(shared, queues).await;
    let mut messages = pubsub.on_message();
    loop {
        tokio::select! {
            msg = messages.next() => {
                let Some(msg) = msg else {
                    return Err(redis::RedisError::from(std::io::Error::from(std::io::ErrorKind::ConnectionReset)));
                };
                let channel = msg.get_channel_name();
                if let Some(i) = channels.iter().position(|c| c == channel) {
                    wakers[i].notify_one();
                } else if let Some(i) = cancels.iter().position(|c| c == channel) {
                    let id: Vec<u8> = msg.get_payload_bytes().to_vec();
                    let id = String::from_utf8_lossy(&id);
                    if shared.running.cancel(queues[i].name(), &id) {
                        tracing::info!(queue = queues[i].name(), id = %id, "cancel received; aborting the job");
                    }
                }
            }
            _ = shared.stop.cancelled() => return Ok(()),
        }
    }
}

/// Aborts the jobs running here whose status says cancelled (a cancel
/// published while this listener was away).
async fn cancel_missed(shared: &Shared, queues: &[QueueKeys]) {
    for (name, id) in shared.running.snapshot() {
        let Some(queue) = queues.iter().find(|q| q.name() == name) else {
            continue;
        };
        let op = redspin_core::ops::GetStatus { queue, id: &id };
        if let Ok(Some(s)) = shared.redis.run(&op).await {
            if s.state == redspin_core::JobState::Cancelled {
                shared.running.cancel(&name, &id);
            }
        }
    }
}
