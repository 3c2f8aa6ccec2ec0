//! One SQLite database: where it lives and a pool of idle connections.
//!
//! Spin opens a new connection for every `open`, so nothing a request does
//! to its connection (a transaction left open, a `PRAGMA`, a temporary
//! table) reaches another request. Opening a connection per request costs a
//! file open and a schema parse, so here connections are pooled, but a
//! request always *owns* the one it uses (a [`Lease`]), and when it lets go
//! (drop, trap, timeout):
//! - a transaction still open is rolled back;
//! - a connection the guest changed beyond that ([`Guard::is_tainted`]), or
//!   whose rollback failed, is closed instead of pooled.
//!
//! An in-memory database (a `[sqlite_database]` without `path`) is, as in
//! Spin, private to its connection, so those are never pooled.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rusqlite::limits::Limit;

use super::guard::Guard;
use super::query::MAX_RESULT_BYTES;

/// Idle connections kept per database.
const MAX_IDLE: usize = 32;

/// How long a statement waits for another connection's write lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Where a database lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A new, empty database for every connection.
    InMemory,
    Path(PathBuf),
}

/// A database and its idle connections.
#[derive(Debug)]
pub struct Database {
    location: Location,
    allow_attach_file: bool,
    idle: Mutex<Vec<Pooled>>,
}

#[derive(Debug)]
struct Pooled {
    conn: rusqlite::Connection,
    guard: Arc<Guard>,
}

impl Database {
    pub fn new(location: Location, allow_attach_file: bool) -> Self {
        Self {
            location,
            allow_attach_file,
            idle: Mutex::new(Vec::new()),
        }
    }

    /// Where it lives, for messages.
    pub fn describe(&self) -> String {
        match &self.location {
            Location::InMemory => "a temporary in-memory database".into(),
            Location::Path(p) => format!("{:?}", p.display().to_string()),
        }
    }

    fn connect(&self) -> rusqlite::Result<Pooled> {
        let conn = match &self.location {
            Location::InMemory => rusqlite::Connection::open_in_memory()?,
            Location::Path(p) => rusqlite::Connection::open(p)?,
        };
        conn.busy_timeout(BUSY_TIMEOUT)?;
        // No string or blob longer than a result may be: a statement that
        // builds one (`randomblob(1000000000)`) fails inside SQLite with
        // `string or blob too big` instead of growing the host by a
        // gigabyte it could never hand the guest.
        conn.set_limit(Limit::SQLITE_LIMIT_LENGTH, MAX_RESULT_BYTES as i32)?;
        let guard = Guard::install(&conn, self.allow_attach_file);
        Ok(Pooled { conn, guard })
    }

    /// A connection for one request's use until the lease drops;
    /// statements run after `deadline` are interrupted.
    pub fn lease(self: &Arc<Self>, deadline: Option<Instant>) -> rusqlite::Result<Lease> {
        let reused = self.idle.lock().expect("sqlite pool lock").pop();
        let pooled = match reused {
            Some(p) => p,
            None => self.connect()?,
        };
        pooled.guard.set_deadline(deadline);
        Ok(Lease {
            pooled: Some(pooled),
            db: self.clone(),
        })
    }

    fn give_back(&self, pooled: Pooled) {
        pooled.guard.set_deadline(None);
        if self.location == Location::InMemory || pooled.guard.is_tainted() {
            return;
        }
        if !pooled.conn.is_autocommit() {
            if let Err(e) = pooled.conn.execute_batch("ROLLBACK") {
                tracing::warn!(error = %e, "closing a SQLite connection whose rollback failed");
                return;
            }
        }
        // Statements the guest prepared stay cached per connection; that is
        // harmless (they are reset after every use) and saves parsing.
        let mut idle = self.idle.lock().expect("sqlite pool lock");
        if idle.len() < MAX_IDLE {
            idle.push(pooled);
        }
    }
}

/// A connection one request owns; on drop it goes back to the pool, rolled
/// back, or is closed (see the module docs).
#[derive(Debug)]
pub struct Lease {
    pooled: Option<Pooled>,
    db: Arc<Database>,
}

impl Lease {
    pub fn conn(&self) -> &rusqlite::Connection {
        &self
            .pooled
            .as_ref()
            .expect("a lease holds its connection")
            .conn
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        if let Some(p) = self.pooled.take() {
            self.db.give_back(p);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> (Arc<Database>, PathBuf) {
        let dir = std::env::temp_dir().join(format!("redspin-pool-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{}.db", rand_name()));
        (
            Arc::new(Database::new(Location::Path(path.clone()), false)),
            path,
        )
    }

    fn rand_name() -> String {
        use std::sync::atomic::{AtomicU64, Ordering};
        static N: AtomicU64 = AtomicU64::new(0);
        format!("t{}", N.fetch_add(1, Ordering::Relaxed))
    }

    fn idle(db: &Database) -> usize {
        db.idle.lock().unwrap().len()
    }

    #[test]
    fn clean_connections_are_reused_and_transactions_rolled_back() {
        let (db, path) = db();
        let lease = db.lease(None).unwrap();
        lease
            .conn()
            .execute_batch("CREATE TABLE t (x); BEGIN; INSERT INTO t VALUES (1);")
            .unwrap();
        assert!(!lease.conn().is_autocommit());
        drop(lease);
        assert_eq!(
            idle(&db),
            1,
            "a connection left in a transaction is rolled back and kept"
        );
        let lease = db.lease(None).unwrap();
        assert!(lease.conn().is_autocommit());
        let n: i64 = lease
            .conn()
            .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 0);
        drop(lease);
        let _ = std::fs::remove_file(path);
    }

    #[test]
    fn tainted_connections_are_closed() {
        let (db, path) = db();
        for sql in [
            "PRAGMA foreign_keys = ON",
            "CREATE TEMP TABLE x (a)",
            "ATTACH ':memory:' AS m",
        ] {
            let lease = db.lease(None).unwrap();
            lease.conn().execute_batch(sql).unwrap();
            drop(lease);
            assert_eq!(idle(&db), 0, "{sql}: kept");
        }
        let lease = db.lease(None).unwrap();
        let err = lease
            .conn()
            .execute_batch("ATTACH '/tmp/redspin-never.db' AS f")
            .unwrap_err();
        assert!(err.to_string().contains("not authorized"), "{err}");
        let _ = std::fs::remove_file(path);
    }

    #[test]
    fn a_statement_past_the_deadline_is_interrupted() {
        let (db, path) = db();
        let lease = db
            .lease(Some(Instant::now() + Duration::from_millis(50)))
            .unwrap();
        let err = lease
            .conn()
            .query_row(
                "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c",
                [],
                |r| r.get::<_, i64>(0),
            )
            .unwrap_err();
        assert_eq!(err.to_string(), "interrupted");
        drop(lease);
        let _ = std::fs::remove_file(path);
    }
}
