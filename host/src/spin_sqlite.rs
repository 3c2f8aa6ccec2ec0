//! `fermyon:spin/sqlite@2.0.0`.
//!
//! As in Spin: the database `default` is a file `.spin/sqlite_db.db` beside
//! the manifest; a component may open only the databases it lists in
//! `sqlite_databases` (`access-denied` otherwise, checked first), and an
//! unknown label is `no-such-database`. Statement errors are `io(message)`.
//! Statements run on the blocking pool; one connection per database is
//! shared by all requests (SQLite serialises writers anyway).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rusqlite::types::{ToSqlOutput, Value as SqlValue, ValueRef};
use wasmtime::component::Resource;

use crate::bindings::sqlite::{Error, Host, HostConnection, QueryResult, RowResult, Value};
use crate::state::HostState;

/// Where Spin keeps the `default` database, relative to the manifest.
pub const DEFAULT_DB_PATH: &str = ".spin/sqlite_db.db";

type Shared = Arc<Mutex<rusqlite::Connection>>;

/// The `connection` resource.
pub struct SqliteConnection {
    db: Shared,
}

/// The application's databases by label.
#[derive(Default)]
pub struct Databases {
    dbs: HashMap<String, Shared>,
}

impl Databases {
    /// Opens (creating if needed) the `default` database under `app_dir`.
    pub fn open_default(app_dir: &Path) -> Result<Self, String> {
        let path: PathBuf = app_dir.join(DEFAULT_DB_PATH);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        }
        let conn = rusqlite::Connection::open(&path)
            .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(|e| e.to_string())?;
        let _ = conn.pragma_update(None, "journal_mode", "WAL");
        let mut dbs = HashMap::new();
        dbs.insert("default".to_owned(), Arc::new(Mutex::new(conn)));
        Ok(Self { dbs })
    }

    /// Runs SQL text (several statements) against a database at start-up.
    pub fn execute_batch(&self, label: &str, sql: &str) -> Result<(), String> {
        let db = self
            .dbs
            .get(label)
            .ok_or_else(|| format!("no SQLite database {label:?}"))?;
        db.lock()
            .expect("sqlite lock")
            .execute_batch(sql)
            .map_err(|e| e.to_string())
    }

    pub fn contains(&self, label: &str) -> bool {
        self.dbs.contains_key(label)
    }
}

impl Host for HostState {}

fn to_sql(v: Value) -> SqlValue {
    match v {
        Value::Integer(i) => SqlValue::Integer(i),
        Value::Real(f) => SqlValue::Real(f),
        Value::Text(t) => SqlValue::Text(t),
        Value::Blob(b) => SqlValue::Blob(b),
        Value::Null => SqlValue::Null,
    }
}

fn from_sql(v: ValueRef<'_>) -> Value {
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Integer(i),
        ValueRef::Real(f) => Value::Real(f),
        ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Value::Blob(b.to_vec()),
    }
}

struct Param(SqlValue);

impl rusqlite::ToSql for Param {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(ValueRef::from(&self.0)))
    }
}

fn run(db: &Shared, statement: &str, params: Vec<Value>) -> Result<QueryResult, Error> {
    let conn = db.lock().map_err(|e| Error::Io(e.to_string()))?;
    let io = |e: rusqlite::Error| Error::Io(e.to_string());
    let mut stmt = conn.prepare_cached(statement).map_err(io)?;
    let columns: Vec<String> = stmt.column_names().into_iter().map(str::to_owned).collect();
    let params: Vec<Param> = params.into_iter().map(|v| Param(to_sql(v))).collect();
    let mut rows = stmt
        .query(rusqlite::params_from_iter(params.iter()))
        .map_err(io)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(io)? {
        let values = (0..columns.len())
            .map(|i| row.get_ref(i).map(from_sql))
            .collect::<Result<Vec<_>, _>>()
            .map_err(io)?;
        out.push(RowResult { values });
    }
    Ok(QueryResult { columns, rows: out })
}

impl HostConnection for HostState {
    async fn open(
        &mut self,
        database: String,
    ) -> wasmtime::Result<Result<Resource<SqliteConnection>, Error>> {
        if !self.env.sqlite_databases.contains(&database) {
            return Ok(Err(Error::AccessDenied));
        }
        let Some(db) = self.services.sqlite.dbs.get(&database).cloned() else {
            return Ok(Err(Error::NoSuchDatabase));
        };
        Ok(Ok(self.table.push(SqliteConnection { db })?))
    }

    async fn execute(
        &mut self,
        c: Resource<SqliteConnection>,
        statement: String,
        parameters: Vec<Value>,
    ) -> wasmtime::Result<Result<QueryResult, Error>> {
        let db = self.table.get(&c)?.db.clone();
        let joined = tokio::task::spawn_blocking(move || run(&db, &statement, parameters)).await;
        Ok(joined.unwrap_or_else(|e| Err(Error::Io(format!("sqlite task failed: {e}")))))
    }

    async fn drop(&mut self, c: Resource<SqliteConnection>) -> wasmtime::Result<()> {
        self.table.delete(c)?;
        Ok(())
    }
}
