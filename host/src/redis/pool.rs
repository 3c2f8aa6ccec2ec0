//! Exclusive Redis connections, pooled.
//!
//! Spin gives every `Connection::open` a connection of its own, so what one
//! request does to its connection (`MULTI` without `EXEC`, `SELECT`,
//! `WATCH`, `CLIENT REPLY OFF`, a subscription, a `BLPOP` that blocks) is
//! never seen by another. The host keeps that isolation and the speed of
//! reuse: a connection is checked out by one `open` and used by that
//! resource alone ([`Checkout`]); when the resource is dropped it goes back
//! to the pool only if nothing can have been left behind on it:
//!
//! - no command that changes the connection's state was sent
//!   ([`changes_connection_state`]);
//! - no command was cut off half-way (a trap, a timeout, an I/O error);
//!
//! otherwise it is closed. A connection that sat idle for a while is
//! `PING`ed before reuse (Redis may have restarted meanwhile), so a request
//! does not inherit a dead socket.
//!
//! Guests cannot make it open connections without bound (every `open` with
//! a different address string would otherwise be a new connection, and
//! Redis's `maxclients` would refuse everyone else, the worker included):
//! one request holds at most [`MAX_PER_REQUEST`] at once, and the host at
//! most its configured total, held and idle together. At the total, the
//! oldest idle connection is closed to make room; with none idle, `open`
//! fails with `too-many-connections`. Idle connections past
//! [`MAX_IDLE_TIME`] are closed on a timer, and an address with none idle
//! left is forgotten.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::{Duration, Instant};

use redis::aio::MultiplexedConnection;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

pub use crate::redis::stateful::changes_connection_state;

use crate::networks::BlockedNetworks;
use crate::redis::resolver::Resolver;

/// Longest wait for a connection to Redis.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// Longest wait for one command's reply.
pub const RESPONSE_TIMEOUT: Duration = Duration::from_secs(5);
/// Idle connections kept per address.
const MAX_IDLE: usize = 64;
/// An idle connection older than this is checked with `PING` before reuse.
const CHECK_AFTER: Duration = Duration::from_secs(1);
/// An idle connection older than this is closed rather than reused.
pub const MAX_IDLE_TIME: Duration = Duration::from_secs(60);
/// How often idle connections past [`MAX_IDLE_TIME`] are closed.
const REAP_EVERY: Duration = Duration::from_secs(10);
/// Connections one request may hold at once (Spin's table holds 1024).
pub const MAX_PER_REQUEST: usize = 1024;
/// Connections the host keeps open at once unless configured otherwise.
pub const DEFAULT_MAX_TOTAL: usize = 1024;

struct Idle {
    conn: MultiplexedConnection,
    since: Instant,
    slot: OwnedSemaphorePermit,
}

/// Idle connections by address, and the slots every open connection takes.
pub struct RedisPool {
    idle: Mutex<HashMap<String, Vec<Idle>>>,
    slots: Arc<Semaphore>,
    max_total: usize,
    blocked: Arc<BlockedNetworks>,
    reaper: OnceLock<()>,
}

/// Why a connection could not be had.
#[derive(Debug)]
pub enum ConnectError {
    /// The address does not parse.
    InvalidAddress,
    Redis(redis::RedisError),
    TimedOut,
    /// The request's or the host's connection cap is reached.
    TooMany,
}

/// The connections one request holds now (see [`MAX_PER_REQUEST`]).
pub type RequestCount = Arc<AtomicUsize>;

/// One of a request's connections, counted until dropped.
struct Claim(RequestCount);

impl Claim {
    fn new(count: &RequestCount) -> Result<Self, ConnectError> {
        if count.fetch_add(1, Ordering::SeqCst) >= MAX_PER_REQUEST {
            count.fetch_sub(1, Ordering::SeqCst);
            return Err(ConnectError::TooMany);
        }
        Ok(Self(count.clone()))
    }
}

impl Drop for Claim {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl RedisPool {
    /// A pool keeping at most `max_total` connections open, held and idle,
    /// never to an address in `blocked`.
    pub fn new(max_total: usize, blocked: Arc<BlockedNetworks>) -> Self {
        Self {
            idle: Mutex::default(),
            slots: Arc::new(Semaphore::new(max_total)),
            max_total,
            blocked,
            reaper: OnceLock::new(),
        }
    }

    /// A connection to `address` for one resource alone; counted against
    /// `request`'s cap when given.
    pub async fn checkout(
        self: &Arc<Self>,
        address: &str,
        request: Option<&RequestCount>,
    ) -> Result<Checkout, ConnectError> {
        let claim = request.map(Claim::new).transpose()?;
        if let Some((conn, slot)) = self.reuse(address).await {
            return Ok(Checkout::new(self, address, conn, slot, claim));
        }
        let slot = self.free_slot()?;
        // Parsed only when a connection is made: an address with idle
        // connections parsed before.
        let client = redis::Client::open(address).map_err(|_| ConnectError::InvalidAddress)?;
        let mut config = redis::AsyncConnectionConfig::new()
            .set_connection_timeout(Some(CONNECT_TIMEOUT))
            .set_response_timeout(Some(RESPONSE_TIMEOUT));
        if !self.blocked.is_empty() {
            config = config.set_dns_resolver(Resolver(self.blocked.clone()));
        }
        let connect = client.get_multiplexed_async_connection_with_config(&config);
        match tokio::time::timeout(CONNECT_TIMEOUT * 2, connect).await {
            Ok(Ok(conn)) => Ok(Checkout::new(self, address, conn, slot, claim)),
            Ok(Err(e)) => Err(ConnectError::Redis(e)),
            Err(_) => Err(ConnectError::TimedOut),
        }
    }

    /// An idle connection to `address` still fit for use, with its slot.
    async fn reuse(&self, address: &str) -> Option<(MultiplexedConnection, OwnedSemaphorePermit)> {
        while let Some(idle) = self.take_idle(address) {
            let age = idle.since.elapsed();
            if age > MAX_IDLE_TIME {
                continue;
            }
            let mut conn = idle.conn;
            if age > CHECK_AFTER {
                let ping: redis::RedisResult<String> =
                    redis::cmd("PING").query_async(&mut conn).await;
                if ping.is_err() {
                    continue;
                }
            }
            return Some((conn, idle.slot));
        }
        None
    }

    /// A slot for a new connection: a free one, else the oldest idle
    /// connection's (closing it).
    fn free_slot(&self) -> Result<OwnedSemaphorePermit, ConnectError> {
        if let Ok(slot) = self.slots.clone().try_acquire_owned() {
            return Ok(slot);
        }
        let mut idle = self.idle.lock().expect("the pool lock is never poisoned");
        let oldest = idle
            .iter()
            .filter_map(|(address, list)| Some((address, list.first()?.since)))
            .min_by_key(|(_, since)| *since)
            .map(|(address, _)| address.clone())
            .ok_or(ConnectError::TooMany)?;
        let list = idle.get_mut(&oldest).expect("just found");
        let evicted = list.remove(0);
        if list.is_empty() {
            idle.remove(&oldest);
        }
        Ok(evicted.slot)
    }

    fn take_idle(&self, address: &str) -> Option<Idle> {
        let mut idle = self.idle.lock().expect("the pool lock is never poisoned");
        let list = idle.get_mut(address)?;
        let newest = list.pop();
        if list.is_empty() {
            idle.remove(address);
        }
        newest
    }

    fn give_back(
        self: &Arc<Self>,
        address: String,
        conn: MultiplexedConnection,
        slot: OwnedSemaphorePermit,
    ) {
        self.start_reaper();
        let mut idle = self.idle.lock().expect("the pool lock is never poisoned");
        let list = idle.entry(address).or_default();
        if list.len() < MAX_IDLE {
            list.push(Idle {
                conn,
                since: Instant::now(),
                slot,
            });
        }
    }

    /// Closes, every [`REAP_EVERY`], the idle connections past
    /// [`MAX_IDLE_TIME`]; started with the first connection given back, on
    /// that runtime, and ends with the pool.
    fn start_reaper(self: &Arc<Self>) {
        self.reaper.get_or_init(|| {
            let Ok(runtime) = tokio::runtime::Handle::try_current() else {
                return;
            };
            let pool: Weak<Self> = Arc::downgrade(self);
            runtime.spawn(async move {
                let mut tick = tokio::time::interval(REAP_EVERY);
                loop {
                    tick.tick().await;
                    match pool.upgrade() {
                        Some(pool) => pool.reap(MAX_IDLE_TIME),
                        None => return,
                    }
                }
            });
        });
    }

    /// Closes the idle connections older than `age`.
    pub fn reap(&self, age: Duration) {
        let mut idle = self.idle.lock().expect("the pool lock is never poisoned");
        idle.retain(|_, list| {
            list.retain(|c| c.since.elapsed() <= age);
            !list.is_empty()
        });
    }

    /// Idle connections to `address` (for tests and metrics).
    pub fn idle_count(&self, address: &str) -> usize {
        self.idle
            .lock()
            .expect("the pool lock is never poisoned")
            .get(address)
            .map_or(0, Vec::len)
    }

    /// Addresses with idle connections (for tests and metrics).
    pub fn idle_addresses(&self) -> usize {
        self.idle
            .lock()
            .expect("the pool lock is never poisoned")
            .len()
    }

    /// Connections open now, held and idle.
    pub fn open_count(&self) -> usize {
        self.max_total - self.slots.available_permits()
    }
}

/// A connection held by one resource; back to the pool, when clean, once
/// the resource and every command still running on it are gone.
///
/// Clones share the one connection: a WASIp3 guest may have several
/// commands in flight on it at once (they are pipelined, as on Spin's
/// multiplexed connection).
#[derive(Clone)]
pub struct Checkout {
    held: Arc<Held>,
}

struct Held {
    conn: MultiplexedConnection,
    address: String,
    pool: Arc<RedisPool>,
    state: Mutex<Use>,
    slot: Option<OwnedSemaphorePermit>,
    _claim: Option<Claim>,
}

/// What was done with a held connection.
#[derive(Default)]
struct Use {
    /// Commands sent whose reply has not come back (cancelled ones stay).
    in_flight: usize,
    /// A command changed the connection's state, or failed mid-way.
    dirty: bool,
}

impl Checkout {
    fn new(
        pool: &Arc<RedisPool>,
        address: &str,
        conn: MultiplexedConnection,
        slot: OwnedSemaphorePermit,
        claim: Option<Claim>,
    ) -> Self {
        Self {
            held: Arc::new(Held {
                conn,
                address: address.to_owned(),
                pool: Arc::clone(pool),
                state: Mutex::new(Use::default()),
                slot: Some(slot),
                _claim: claim,
            }),
        }
    }

    /// Runs `cmd`. A command that changes the connection's state, or one
    /// that does not complete (error, timeout, or the request dropped
    /// mid-way), keeps the connection from going back to the pool.
    pub async fn query<T: redis::FromRedisValue>(
        &self,
        name: &str,
        cmd: &redis::Cmd,
    ) -> redis::RedisResult<T> {
        self.held.change(|u| {
            u.dirty |= changes_connection_state(name);
            // Until the reply is in: a cancelled future (trap, time limit)
            // leaves a reply on the wire.
            u.in_flight += 1;
        });
        let mut conn = self.held.conn.clone();
        let result = cmd.query_async(&mut conn).await;
        // A reply that is an error (ERR, WRONGTYPE...) leaves the connection
        // as it was; an I/O failure or timeout does not.
        let clean = result
            .as_ref()
            .map_or_else(|e| e.code().is_some(), |_| true);
        self.held.change(|u| {
            u.in_flight -= 1;
            u.dirty |= !clean;
        });
        result
    }
}

impl Held {
    fn change(&self, f: impl FnOnce(&mut Use)) {
        f(&mut self
            .state
            .lock()
            .expect("the checkout lock is never poisoned"))
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        let used = self
            .state
            .get_mut()
            .expect("the checkout lock is never poisoned");
        let clean = used.in_flight == 0 && !used.dirty;
        if let (true, Some(slot)) = (clean, self.slot.take()) {
            let address = std::mem::take(&mut self.address);
            self.pool.give_back(address, self.conn.clone(), slot);
        }
    }
}
