//! `fermyon:spin/sqlite@2.0.0` (spin-sdk 5) over [`connection`].

use tracing::field::Empty;
use tracing::instrument;
use wasmtime::component::Resource;

use crate::bindings::sqlite::{Error, Host, HostConnection, QueryResult, RowResult, Value};
use crate::sqlite::connection::{self, SqliteConnection};
use crate::sqlite::query::Rows;
use crate::sqlite::Failure;
use crate::state::HostState;

/// Maps the shared types to one generation's generated types.
macro_rules! generation_types {
    () => {
        impl From<Failure> for Error {
            fn from(f: Failure) -> Self {
                match f {
                    Failure::NoSuchDatabase => Error::NoSuchDatabase,
                    Failure::AccessDenied => Error::AccessDenied,
                    Failure::InvalidConnection => Error::InvalidConnection,
                    Failure::DatabaseFull => Error::DatabaseFull,
                    Failure::Io(m) => Error::Io(m),
                }
            }
        }

        fn to_sql(v: Value) -> rusqlite::types::Value {
            use rusqlite::types::Value as S;
            match v {
                Value::Integer(i) => S::Integer(i),
                Value::Real(f) => S::Real(f),
                Value::Text(t) => S::Text(t),
                Value::Blob(b) => S::Blob(b),
                Value::Null => S::Null,
            }
        }

        fn from_sql(v: rusqlite::types::Value) -> Value {
            use rusqlite::types::Value as S;
            match v {
                S::Integer(i) => Value::Integer(i),
                S::Real(f) => Value::Real(f),
                S::Text(t) => Value::Text(t),
                S::Blob(b) => Value::Blob(b),
                S::Null => Value::Null,
            }
        }

        fn row(values: Vec<rusqlite::types::Value>) -> RowResult {
            RowResult {
                values: values.into_iter().map(from_sql).collect(),
            }
        }

        fn query_result(r: Rows) -> QueryResult {
            QueryResult {
                columns: r.columns,
                rows: r.rows.into_iter().map(row).collect(),
            }
        }
    };
}
pub(crate) use generation_types;

generation_types!();

type R<T> = wasmtime::Result<Result<T, Error>>;

impl Host for HostState {}

impl HostConnection for HostState {
    #[instrument(name = "spin_sqlite.open", skip(self), fields(otel.kind = "client", db.system = "sqlite", sqlite.backend = Empty))]
    async fn open(&mut self, database: String) -> R<Resource<SqliteConnection>> {
        let opened = connection::open(
            &self.env,
            &self.services,
            self.sqlite_open,
            &database,
            self.deadline,
        );
        match opened {
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
        let rows = conn.execute(query, params).await;
        let rows = rows.inspect_err(crate::telemetry::call_failed);
        Ok(rows.map(query_result).map_err(Into::into))
    }

    async fn drop(&mut self, c: Resource<SqliteConnection>) -> wasmtime::Result<()> {
        self.table.delete(c)?;
        self.sqlite_open = self.sqlite_open.saturating_sub(1);
        Ok(())
    }
}
