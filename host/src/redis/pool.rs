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

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use redis::aio::MultiplexedConnection;

/// Longest wait for a connection to Redis.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// Longest wait for one command's reply.
pub const RESPONSE_TIMEOUT: Duration = Duration::from_secs(5);
/// Idle connections kept per address.
const MAX_IDLE: usize = 64;
/// An idle connection older than this is checked with `PING` before reuse.
const CHECK_AFTER: Duration = Duration::from_secs(1);
/// An idle connection older than this is closed rather than reused.
const MAX_IDLE_TIME: Duration = Duration::from_secs(60);

/// True for commands whose effect outlives the command on its connection
/// (or leaves it waiting), so the connection must not serve anyone else.
pub fn changes_connection_state(command: &str) -> bool {
    const STATEFUL: &[&str] = &[
        // Transactions, database, connection settings.
        "MULTI",
        "EXEC",
        "DISCARD",
        "WATCH",
        "UNWATCH",
        "SELECT",
        "SWAPDB",
        "CLIENT",
        "HELLO",
        "AUTH",
        "RESET",
        "READONLY",
        "READWRITE",
        "QUIT",
        "SHUTDOWN",
        "DEBUG",
        // Subscriptions and replication streams.
        "SUBSCRIBE",
        "PSUBSCRIBE",
        "SSUBSCRIBE",
        "UNSUBSCRIBE",
        "PUNSUBSCRIBE",
        "SUNSUBSCRIBE",
        "MONITOR",
        "SYNC",
        "PSYNC",
        "REPLCONF",
        // Commands that may block.
        "BLPOP",
        "BRPOP",
        "BRPOPLPUSH",
        "BLMOVE",
        "BLMPOP",
        "BZPOPMIN",
        "BZPOPMAX",
        "BZMPOP",
        "WAIT",
        "WAITAOF",
        "XREAD",
        "XREADGROUP",
    ];
    let c = command.trim();
    STATEFUL.iter().any(|s| c.eq_ignore_ascii_case(s))
}

struct Idle {
    conn: MultiplexedConnection,
    since: Instant,
}

/// Idle connections by address.
#[derive(Default)]
pub struct RedisPool {
    idle: Mutex<HashMap<String, Vec<Idle>>>,
}

/// Why a connection could not be had.
pub enum ConnectError {
    /// The address does not parse.
    InvalidAddress,
    Redis(redis::RedisError),
    TimedOut,
}

impl RedisPool {
    /// A connection to `address` for one resource alone.
    pub async fn checkout(self: &Arc<Self>, address: &str) -> Result<Checkout, ConnectError> {
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
            return Ok(self.hand_out(address, conn));
        }
        // Parsed only when a connection is made: an address with idle
        // connections parsed before.
        let client = redis::Client::open(address).map_err(|_| ConnectError::InvalidAddress)?;
        let config = redis::AsyncConnectionConfig::new()
            .set_connection_timeout(Some(CONNECT_TIMEOUT))
            .set_response_timeout(Some(RESPONSE_TIMEOUT));
        let connect = client.get_multiplexed_async_connection_with_config(&config);
        match tokio::time::timeout(CONNECT_TIMEOUT * 2, connect).await {
            Ok(Ok(conn)) => Ok(self.hand_out(address, conn)),
            Ok(Err(e)) => Err(ConnectError::Redis(e)),
            Err(_) => Err(ConnectError::TimedOut),
        }
    }

    fn take_idle(&self, address: &str) -> Option<Idle> {
        self.idle
            .lock()
            .expect("the pool lock is never poisoned")
            .get_mut(address)?
            .pop()
    }

    fn hand_out(self: &Arc<Self>, address: &str, conn: MultiplexedConnection) -> Checkout {
        Checkout::new(self, address, conn)
    }

    fn give_back(&self, address: String, conn: MultiplexedConnection) {
        let mut idle = self.idle.lock().expect("the pool lock is never poisoned");
        let list = idle.entry(address).or_default();
        if list.len() < MAX_IDLE {
            list.push(Idle {
                conn,
                since: Instant::now(),
            });
        }
    }

    /// Idle connections to `address` (for tests and metrics).
    pub fn idle_count(&self, address: &str) -> usize {
        self.idle
            .lock()
            .expect("the pool lock is never poisoned")
            .get(address)
            .map_or(0, Vec::len)
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
    fn new(pool: &Arc<RedisPool>, address: &str, conn: MultiplexedConnection) -> Self {
        Self {
            held: Arc::new(Held {
                conn,
                address: address.to_owned(),
                pool: Arc::clone(pool),
                state: Mutex::new(Use::default()),
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
        if used.in_flight == 0 && !used.dirty {
            self.pool
                .give_back(std::mem::take(&mut self.address), self.conn.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::changes_connection_state;

    #[test]
    fn stateful_commands() {
        for (c, stateful) in [
            ("MULTI", true),
            ("multi", true),
            ("EXEC", true),
            ("SELECT", true),
            ("WATCH", true),
            ("CLIENT", true),
            ("SUBSCRIBE", true),
            ("BLPOP", true),
            ("blmove", true),
            ("BZPOPMIN", true),
            ("WAIT", true),
            ("XREAD", true),
            ("GET", false),
            ("SET", false),
            ("EVALSHA", false),
            ("BITCOUNT", false),
            ("INCR", false),
        ] {
            assert_eq!(changes_connection_state(c), stateful, "{c}");
        }
    }
}
