//! A connection's deadline: the latest moment the request it serves may
//! still hold it. The server drops a connection whose deadline passes, and
//! with it whatever the request still holds (its guest, the guest's SQLite
//! lease and Redis connections), even when nothing else would wake it: a
//! client that stops reading a response stops hyper from polling the
//! response body, and with it the guest and the guest's own timer.
//!
//! The request path moves the deadline as the request goes on: at arrival
//! it covers reading the body, once the guest starts it is the guest's
//! time limit, which then also bounds writing the response.

use std::sync::Arc;

use tokio::sync::watch;
use tokio::time::Instant;

/// Shared by a connection's task and the requests it serves.
#[derive(Debug, Clone)]
pub struct Deadline(Arc<watch::Sender<Option<Instant>>>);

impl Default for Deadline {
    fn default() -> Self {
        Self(Arc::new(watch::channel(None).0))
    }
}

impl Deadline {
    /// From now on the connection lives until `at` at most (replacing the
    /// deadline set before).
    pub fn set(&self, at: Instant) {
        self.0.send_replace(Some(at));
    }

    /// Resolves once the deadline set last has passed.
    pub async fn passed(&self) {
        let mut rx = self.0.subscribe();
        loop {
            let at = *rx.borrow_and_update();
            let changed = rx.changed();
            match at {
                // The sender lives in `self`: `changed` cannot fail here.
                None => {
                    let _ = changed.await;
                }
                Some(at) => tokio::select! {
                    _ = tokio::time::sleep_until(at) => return,
                    _ = changed => {}
                },
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn passes_at_the_last_deadline_set() {
        let d = Deadline::default();
        let start = Instant::now();
        d.set(start + Duration::from_secs(1));
        let waiter = tokio::spawn({
            let d = d.clone();
            async move {
                d.passed().await;
                Instant::now()
            }
        });
        d.set(start + Duration::from_secs(2));
        let waited = waiter.await.unwrap().duration_since(start);
        assert!(waited >= Duration::from_secs(2), "{waited:?}");
        assert!(waited < Duration::from_secs(10), "{waited:?}");
    }

    #[tokio::test]
    async fn never_passes_unset() {
        let d = Deadline::default();
        let waited = tokio::time::timeout(Duration::from_millis(200), d.passed()).await;
        assert!(waited.is_err());
    }
}
