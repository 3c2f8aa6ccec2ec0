//! What this worker holds of one queue: the envelopes (as claimed) of the
//! jobs it is running or still acknowledging. Reconciling the processing
//! list against it hands back anything the worker does not really hold
//! (see `reconcile.lua`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// A multiset of envelopes, shared by the fetcher (adds, reconciles), the
/// job tasks (remove after retry or bury) and the acker (removes after the
/// ack).
#[derive(Clone, Default)]
pub(crate) struct InFlight {
    held: Arc<Mutex<HashMap<Vec<u8>, usize>>>,
}

impl InFlight {
    pub fn add(&self, raw: &[u8]) {
        *self.lock().entry(raw.to_vec()).or_insert(0) += 1;
    }

    pub fn remove(&self, raw: &[u8]) {
        let mut held = self.lock();
        if let Some(n) = held.get_mut(raw) {
            *n -= 1;
            if *n == 0 {
                held.remove(raw);
            }
        }
    }

    /// Every envelope held, each as many times as it is held.
    pub fn snapshot(&self) -> Vec<Vec<u8>> {
        self.lock()
            .iter()
            .flat_map(|(raw, n)| std::iter::repeat_n(raw.clone(), *n))
            .collect()
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.lock().values().sum()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Vec<u8>, usize>> {
        self.held.lock().expect("in-flight set")
    }
}

/// One envelope held: removed from its set when dropped, i.e. once the
/// job's outcome is recorded (or abandoned at shutdown, when the whole list
/// is handed back anyway).
pub(crate) struct Held {
    raw: Vec<u8>,
    set: InFlight,
}

impl Held {
    pub fn new(set: &InFlight, raw: Vec<u8>) -> Self {
        set.add(&raw);
        Self {
            raw,
            set: set.clone(),
        }
    }

    pub fn raw(&self) -> &[u8] {
        &self.raw
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        self.set.remove(&self.raw);
    }
}

#[cfg(test)]
mod tests {
    use super::InFlight;

    #[test]
    fn counts_duplicates() {
        let f = InFlight::default();
        f.add(b"a");
        f.add(b"a");
        f.add(b"b");
        assert_eq!(f.len(), 3);
        f.remove(b"a");
        f.remove(b"c");
        let mut s = f.snapshot();
        s.sort();
        assert_eq!(s, vec![b"a".to_vec(), b"b".to_vec()]);
        f.remove(b"a");
        f.remove(b"b");
        assert_eq!(f.len(), 0);
        assert!(f.snapshot().is_empty());
        let held = super::Held::new(&f, b"x".to_vec());
        assert_eq!(f.snapshot(), vec![b"x".to_vec()]);
        drop(held);
        assert_eq!(f.len(), 0);
    }
}
