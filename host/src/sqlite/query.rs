//! Running one guest statement: values in and out of SQLite's own types
//! (`rusqlite::types::Value`), which every generation of the interface
//! converts to and from its generated ones.

use rusqlite::types::{ToSqlOutput, Value, ValueRef};

use crate::sqlite::Failure;

/// Most bytes of rows a statement may hand the guest, counted as Spin
/// counts them (`MAX_HOST_BUFFERED_BYTES`, 128 MiB): over it, the statement
/// fails with `io("query result exceeds limit of 134217728 bytes")`.
pub const MAX_RESULT_BYTES: usize = 128 << 20;

/// How the limit applies: to all the rows of a collected result, or to
/// each row of a streamed one (the guest holds the rows already read).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    Total,
    PerRow,
}

/// The bytes a value counts for, as Spin counts them; measured on
/// SQLite's own copy, before the host makes one.
fn memory_size(v: ValueRef<'_>) -> usize {
    std::mem::size_of::<Value>()
        + match v {
            ValueRef::Null | ValueRef::Integer(_) | ValueRef::Real(_) => 0,
            ValueRef::Text(t) => t.len(),
            ValueRef::Blob(b) => b.len(),
        }
}

fn too_big() -> Failure {
    Failure::Io(format!(
        "query result exceeds limit of {MAX_RESULT_BYTES} bytes"
    ))
}

/// A statement's columns and rows.
#[derive(Debug, Default)]
pub struct Rows {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Value>>,
}

pub(crate) fn from_sql(v: ValueRef<'_>) -> Value {
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Integer(i),
        ValueRef::Real(f) => Value::Real(f),
        ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Value::Blob(b.to_vec()),
    }
}

struct Param(Value);

impl rusqlite::ToSql for Param {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(ValueRef::from(&self.0)))
    }
}

/// SQLite's errors become `io(message)`, as in Spin.
pub(crate) fn io(e: rusqlite::Error) -> Failure {
    Failure::Io(e.to_string())
}

/// Runs `statement` with `params`, handing its columns to `columns` and
/// then each row to `row` (which may refuse it), within `limit`. The
/// columns are handed over (empty) even when the statement does not
/// prepare.
pub fn each_row(
    conn: &rusqlite::Connection,
    statement: &str,
    params: Vec<Value>,
    limit: Limit,
    columns: impl FnOnce(Vec<String>),
    mut row: impl FnMut(Vec<Value>) -> Result<(), Failure>,
) -> Result<(), Failure> {
    let mut stmt = match conn.prepare_cached(statement) {
        Ok(s) => s,
        Err(e) => {
            columns(Vec::new());
            return Err(io(e));
        }
    };
    let names: Vec<String> = stmt.column_names().into_iter().map(str::to_owned).collect();
    let width = names.len();
    columns(names);
    let params: Vec<Param> = params.into_iter().map(Param).collect();
    let mut rows = stmt
        .query(rusqlite::params_from_iter(params.iter()))
        .map_err(io)?;
    // A collected result starts with the result's own size, as in Spin.
    let mut bytes = std::mem::size_of::<Rows>();
    while let Some(r) = rows.next().map_err(io)? {
        let refs = (0..width)
            .map(|i| r.get_ref(i))
            .collect::<Result<Vec<_>, _>>()
            .map_err(io)?;
        let size: usize = refs.iter().map(|v| memory_size(*v)).sum();
        bytes = match limit {
            Limit::Total => bytes.saturating_add(size),
            Limit::PerRow => size,
        };
        if bytes > MAX_RESULT_BYTES {
            return Err(too_big());
        }
        row(refs.into_iter().map(from_sql).collect())?;
    }
    Ok(())
}

/// Runs `statement` and collects every row.
pub fn run(
    conn: &rusqlite::Connection,
    statement: &str,
    params: Vec<Value>,
) -> Result<Rows, Failure> {
    let mut out = Rows::default();
    let mut columns = Vec::new();
    each_row(
        conn,
        statement,
        params,
        Limit::Total,
        |c| columns = c,
        |r| {
            out.rows.push(r);
            Ok(())
        },
    )?;
    out.columns = columns;
    Ok(out)
}
