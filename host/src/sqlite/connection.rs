//! The `connection` resource and its operations, once for every
//! generation of the SQLite interface.
//!
//! As in Spin: a component may open only the databases it lists in
//! `sqlite_databases` (`access-denied` otherwise, checked first); a label
//! listed but not defined is refused at load, so `no-such-database` is for
//! a label that vanished. Each `open` is a connection of its own, taken
//! from the pool at the first statement (so an unreachable file fails the
//! `execute`, as Spin's lazily opened connection does) and given back,
//! cleaned, when the guest drops it or the request ends (see
//! [`crate::sqlite::pool`]). Statement errors are `io(message)`. Statements
//! run on the blocking pool.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use rusqlite::types::Value;

use crate::sqlite::query::{self, Rows};
use crate::sqlite::{Database, Failure, Lease};
use crate::state::{ComponentEnv, Services};

/// Connections one request may hold open at once (Spin's table size).
pub const MAX_OPEN: usize = 256;

/// The `connection` resource. Clones share the one connection.
#[derive(Clone)]
pub struct SqliteConnection {
    db: Arc<Database>,
    deadline: Instant,
    /// Taken from the pool at the first statement. Shared with a statement
    /// still running on the blocking pool, so the lease is given back only
    /// when both are done.
    lease: Arc<Mutex<Option<Lease>>>,
}

/// Opens `database` for `env`'s component, `open_now` being how many
/// connections the request holds already.
pub fn open(
    env: &ComponentEnv,
    services: &Services,
    open_now: usize,
    database: &str,
    deadline: Instant,
) -> Result<SqliteConnection, Failure> {
    if !env.sqlite_databases.contains(database) {
        return Err(Failure::AccessDenied);
    }
    let Some(db) = services.sqlite.get(database).cloned() else {
        return Err(Failure::NoSuchDatabase);
    };
    if open_now >= MAX_OPEN {
        return Err(Failure::Io("too many connections opened".into()));
    }
    Ok(SqliteConnection {
        db,
        deadline,
        lease: Arc::default(),
    })
}

impl SqliteConnection {
    /// Where the database lives, as Spin's `sqlite.backend` span field.
    pub fn summary(&self) -> String {
        self.db.describe()
    }

    /// Records [`Self::summary`] on the current span (when there is one:
    /// not built for nobody).
    pub fn record_backend(&self) {
        let span = tracing::Span::current();
        if !span.is_disabled() {
            span.record("sqlite.backend", self.summary().as_str());
        }
    }

    /// The leased connection, leased now if this is the first use.
    pub(crate) fn leased(&self) -> Result<LeaseGuard<'_>, Failure> {
        let mut slot = self
            .lease
            .lock()
            .map_err(|_| Failure::Io("connection poisoned".into()))?;
        if slot.is_none() {
            let lease = self.db.lease(Some(self.deadline)).map_err(query::io)?;
            *slot = Some(lease);
        }
        Ok(LeaseGuard(slot))
    }

    /// Runs `f` with the connection on the blocking pool (the future holds
    /// a handle of its own, so it may outlive this one).
    pub fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&rusqlite::Connection) -> Result<T, Failure> + Send + 'static,
    ) -> impl std::future::Future<Output = Result<T, Failure>> + Send + 'static {
        let conn = self.clone();
        async move {
            tokio::task::spawn_blocking(move || f(conn.leased()?.conn()))
                .await
                .unwrap_or_else(|e| Err(Failure::Io(format!("sqlite task failed: {e}"))))
        }
    }

    /// Runs one statement and collects its rows.
    pub async fn execute(&self, statement: String, params: Vec<Value>) -> Result<Rows, Failure> {
        self.blocking(move |c| query::run(c, &statement, params))
            .await
    }

    /// The row id of the last insert on this connection (0 before any).
    pub async fn last_insert_rowid(&self) -> i64 {
        self.blocking(|c| Ok(c.last_insert_rowid()))
            .await
            .unwrap_or(0)
    }

    /// Rows changed by the last statement on this connection.
    pub async fn changes(&self) -> u64 {
        self.blocking(|c| Ok(c.changes())).await.unwrap_or(0)
    }
}

/// A locked, leased connection.
pub(crate) struct LeaseGuard<'a>(MutexGuard<'a, Option<Lease>>);

impl LeaseGuard<'_> {
    pub(crate) fn conn(&self) -> &rusqlite::Connection {
        self.0.as_ref().expect("leased").conn()
    }
}
