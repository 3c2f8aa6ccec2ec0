//! The jobs this worker is running, by queue and id, each with the token
//! that aborts its handler when the job is cancelled.

use std::collections::HashMap;
use std::sync::Mutex;

use tokio_util::sync::CancellationToken;

#[derive(Default)]
pub(crate) struct Running {
    jobs: Mutex<HashMap<(String, String), CancellationToken>>,
}

impl Running {
    /// Registers a job; the guard unregisters it when dropped.
    pub fn enter<'a>(&'a self, queue: &str, id: &str) -> Entered<'a> {
        let key = (queue.to_owned(), id.to_owned());
        let token = CancellationToken::new();
        self.lock().insert(key.clone(), token.clone());
        Entered {
            running: self,
            key,
            token,
        }
    }

    /// Aborts job `id` of `queue` if it runs here; true when it did.
    pub fn cancel(&self, queue: &str, id: &str) -> bool {
        let key = (queue.to_owned(), id.to_owned());
        match self.lock().get(&key) {
            Some(t) => {
                t.cancel();
                true
            }
            None => false,
        }
    }

    /// Every (queue, id) running now.
    pub fn snapshot(&self) -> Vec<(String, String)> {
        self.lock().keys().cloned().collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(String, String), CancellationToken>> {
        self.jobs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// A job registered in [`Running`] while it runs.
pub(crate) struct Entered<'a> {
    running: &'a Running,
    key: (String, String),
    pub token: CancellationToken,
}

impl Drop for Entered<'_> {
    fn drop(&mut self) {
        self.running.lock().remove(&self.key);
    }
}
