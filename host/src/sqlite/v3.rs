//! `spin:sqlite/sqlite@3.1.0` (spin-sdk 6; also serves 3.0.0, its subset)
//! over [`connection`]. The synchronous functions hold the store while
//! they run, as their WIT says; the `-async` ones take it only to find
//! their connection. `execute-async` hands back the columns at once and
//! the rows as a stream, stepped on the blocking pool as the guest reads
//! them, with the statement's outcome in the future beside it.

use tokio::sync::oneshot;
use tracing::field::Empty;
use tracing::instrument;
use wasmtime::component::{Accessor, FutureReader, HasSelf, Resource, StreamReader};

use crate::bindings::v3::sqlite::{
    Error, Host, HostConnection, HostConnectionWithStore, QueryResult, RowResult, Value,
};
use crate::sqlite::connection::{self, SqliteConnection};
use crate::sqlite::query::{self, Limit, Rows};
use crate::sqlite::Failure;
use crate::state::HostState;
use crate::streams;

crate::sqlite::v2::generation_types!();

type Store = HasSelf<HostState>;
type R<T> = wasmtime::Result<Result<T, Error>>;

/// What `execute-async` returns: columns, rows, outcome.
type Streamed = (
    Vec<String>,
    StreamReader<RowResult>,
    FutureReader<Result<(), Error>>,
);

impl HostState {
    fn open_sqlite(
        &mut self,
        database: &str,
    ) -> wasmtime::Result<Result<Resource<SqliteConnection>, Error>> {
        match connection::open(
            &self.env,
            &self.services,
            self.sqlite_open,
            database,
            self.deadline,
        ) {
            Ok(c) => {
                c.record_backend();
                self.sqlite_open += 1;
                Ok(Ok(self.table.push(c)?))
            }
            Err(f) => {
                crate::telemetry::call_failed(&f);
                Ok(Err(f.into()))
            }
        }
    }
}

fn conn<T>(
    a: &Accessor<T, Store>,
    c: &Resource<SqliteConnection>,
) -> wasmtime::Result<SqliteConnection> {
    a.with(|mut a| Ok(a.get().table.get(c)?.clone()))
}

impl Host for HostState {}

impl HostConnection for HostState {
    #[instrument(name = "spin_sqlite.open", skip(self), fields(otel.kind = "client", db.system = "sqlite", sqlite.backend = Empty))]
    async fn open(&mut self, database: String) -> R<Resource<SqliteConnection>> {
        self.open_sqlite(&database)
    }

    #[instrument(name = "spin_sqlite.execute", skip(self, c, parameters), fields(otel.kind = "client", db.system = "sqlite", otel.name = query, sqlite.backend = Empty))]
    async fn execute(
        &mut self,
        c: Resource<SqliteConnection>,
        query: String,
        parameters: Vec<Value>,
    ) -> R<QueryResult> {
        let conn = self.table.get(&c)?.clone();
        conn.record_backend();
        let params = parameters.into_iter().map(to_sql).collect();
        Ok(conn
            .execute(query, params)
            .await
            .inspect_err(crate::telemetry::call_failed)
            .map(query_result)
            .map_err(Into::into))
    }

    async fn last_insert_rowid(&mut self, c: Resource<SqliteConnection>) -> wasmtime::Result<i64> {
        Ok(self.table.get(&c)?.clone().last_insert_rowid().await)
    }

    async fn changes(&mut self, c: Resource<SqliteConnection>) -> wasmtime::Result<u64> {
        Ok(self.table.get(&c)?.clone().changes().await)
    }

    async fn drop(&mut self, c: Resource<SqliteConnection>) -> wasmtime::Result<()> {
        self.table.delete(c)?;
        self.sqlite_open = self.sqlite_open.saturating_sub(1);
        Ok(())
    }
}

impl<T: Send> HostConnectionWithStore<T> for Store {
    async fn open_async(a: &Accessor<T, Self>, database: String) -> R<Resource<SqliteConnection>> {
        a.with(|mut a| a.get().open_sqlite(&database))
    }

    async fn execute_async(
        a: &Accessor<T, Self>,
        c: Resource<SqliteConnection>,
        statement: String,
        parameters: Vec<Value>,
    ) -> R<Streamed> {
        let conn = conn(a, &c)?;
        let params = parameters.into_iter().map(to_sql).collect();
        let (columns_tx, columns_rx) = oneshot::channel();
        let (rows_tx, rows) = streams::channel();
        let statement = conn.blocking(move |c| {
            let send = |r| {
                rows_tx
                    .blocking_send(row(r))
                    .map_err(|_| Failure::Io("row send error".into()))
            };
            let columns = |cols| drop(columns_tx.send(cols));
            query::each_row(c, &statement, params, Limit::PerRow, columns, send)
        });
        // Spin's shape: a statement that fails, even before its first step,
        // still answers `ok` (no columns, no rows) with the error in the
        // future.
        let outcome = tokio::spawn(statement);
        let columns = match columns_rx.await {
            Ok(c) => c,
            Err(_) => return Ok(Err(Error::Io("column send error".into()))),
        };
        a.with(|mut a| {
            let rows = StreamReader::new(&mut a, rows)?;
            let outcome = FutureReader::new(&mut a, async move {
                let r = outcome
                    .await
                    .unwrap_or_else(|e| Err(Failure::Io(format!("sqlite task failed: {e}"))));
                wasmtime::Result::<_, wasmtime::Error>::Ok(r.map_err(Error::from))
            })?;
            Ok(Ok((columns, rows, outcome)))
        })
    }

    async fn last_insert_rowid_async(
        a: &Accessor<T, Self>,
        c: Resource<SqliteConnection>,
    ) -> wasmtime::Result<i64> {
        Ok(conn(a, &c)?.last_insert_rowid().await)
    }

    async fn changes_async(
        a: &Accessor<T, Self>,
        c: Resource<SqliteConnection>,
    ) -> wasmtime::Result<u64> {
        Ok(conn(a, &c)?.changes().await)
    }
}
