//! `fermyon:spin/sqlite@2.0.0`.
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

use std::sync::{Arc, Mutex};
use std::time::Instant;

use wasmtime::component::Resource;

use crate::bindings::sqlite::{Error, Host, HostConnection, QueryResult, Value};
use crate::sqlite::{query, Database, Lease};
use crate::state::HostState;

/// Connections one request may hold open at once (Spin's table size).
const MAX_OPEN: usize = 256;

/// The `connection` resource.
#[derive(Clone)]
pub struct SqliteConnection {
    db: Arc<Database>,
    deadline: Instant,
    /// Taken from the pool at the first statement. Shared with a statement
    /// still running on the blocking pool, so the lease is given back only
    /// when both are done.
    lease: Arc<Mutex<Option<Lease>>>,
}

fn execute_blocking(
    c: &SqliteConnection,
    statement: &str,
    params: Vec<Value>,
) -> Result<QueryResult, Error> {
    let mut slot = c
        .lease
        .lock()
        .map_err(|_| Error::Io("connection poisoned".into()))?;
    if slot.is_none() {
        *slot = Some(
            c.db.lease(Some(c.deadline))
                .map_err(|e| Error::Io(e.to_string()))?,
        );
    }
    let lease = slot.as_ref().expect("just filled");
    query::run(lease.conn(), statement, params)
}

impl Host for HostState {}

impl HostConnection for HostState {
    async fn open(
        &mut self,
        database: String,
    ) -> wasmtime::Result<Result<Resource<SqliteConnection>, Error>> {
        if !self.env.sqlite_databases.contains(&database) {
            return Ok(Err(Error::AccessDenied));
        }
        let Some(db) = self.services.sqlite.get(&database).cloned() else {
            return Ok(Err(Error::NoSuchDatabase));
        };
        if self.sqlite_open >= MAX_OPEN {
            return Ok(Err(Error::Io("too many connections opened".into())));
        }
        self.sqlite_open += 1;
        let conn = SqliteConnection {
            db,
            deadline: self.deadline,
            lease: Arc::default(),
        };
        Ok(Ok(self.table.push(conn)?))
    }

    async fn execute(
        &mut self,
        c: Resource<SqliteConnection>,
        statement: String,
        parameters: Vec<Value>,
    ) -> wasmtime::Result<Result<QueryResult, Error>> {
        let conn = self.table.get(&c)?.clone();
        let joined =
            tokio::task::spawn_blocking(move || execute_blocking(&conn, &statement, parameters))
                .await;
        Ok(joined.unwrap_or_else(|e| Err(Error::Io(format!("sqlite task failed: {e}")))))
    }

    async fn drop(&mut self, c: Resource<SqliteConnection>) -> wasmtime::Result<()> {
        self.table.delete(c)?;
        self.sqlite_open = self.sqlite_open.saturating_sub(1);
        Ok(())
    }
}
