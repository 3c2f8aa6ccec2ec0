//! spin-sdk 5 (WASIp2): blocking SQLite and variables, the request body as
//! a stream of chunks.

use std::future::Future;

use futures::TryStreamExt;
use spin_sdk::http::IncomingRequest;
use spin_sdk::sqlite::{Connection, Value};

use crate::api::{self, ApiError, MAX_BODY_BYTES};
use crate::context::{Ctx, Request, Response};
use crate::sql::{DbError, Rows, SqlValue};

/// A component's entry point (see [`api::serve`]).
pub async fn serve<F, Fut>(req: IncomingRequest, handler: F) -> Response
where
    F: FnOnce(Ctx) -> Fut,
    Fut: Future<Output = Response>,
{
    api::serve(read_request(req), handler).await
}

/// The request and its body, refused over [`MAX_BODY_BYTES`] before any of
/// it is read when `Content-Length` says so, otherwise as soon as the
/// stream passes the limit.
async fn read_request(req: IncomingRequest) -> Result<Request, ApiError> {
    let mut builder = http::Request::builder()
        .method(req.method().to_string().as_str())
        .uri(req.uri());
    for (name, value) in req.headers().entries() {
        builder = builder.header(name, value);
    }
    let head = builder
        .body(())
        .map_err(|_| ApiError::bad_request("malformed request"))?;
    api::check_declared_length(head.headers())?;
    let mut body = Vec::new();
    let mut stream = req.into_body_stream();
    while let Some(chunk) = stream
        .try_next()
        .await
        .map_err(|_| ApiError::bad_request("cannot read the request body"))?
    {
        if body.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(api::too_large());
        }
        body.extend(chunk);
    }
    Ok(head.map(|()| body))
}

/// One Spin variable of this component (`None` when it has none by that
/// name).
pub async fn variable(name: &str) -> Option<String> {
    spin_sdk::variables::get(name).ok()
}

/// The SQLite database `default`.
pub struct Db(Connection);

impl Db {
    pub async fn open() -> Result<Self, DbError> {
        Connection::open_default()
            .map(Self)
            .map_err(|e| DbError(format!("{e:?}")))
    }

    pub async fn execute(&self, sql: &str, params: &[SqlValue]) -> Result<Rows, DbError> {
        let params: Vec<Value> = params.iter().cloned().map(to_spin).collect();
        let result = self
            .0
            .execute(sql, &params)
            .map_err(|e| DbError(format!("{e:?}")))?;
        let values = result
            .rows
            .into_iter()
            .map(|r| r.values.into_iter().map(from_spin).collect());
        Ok(Rows {
            columns: result.columns,
            values: values.collect(),
        })
    }
}

fn to_spin(v: SqlValue) -> Value {
    match v {
        SqlValue::Integer(n) => Value::Integer(n),
        SqlValue::Real(x) => Value::Real(x),
        SqlValue::Text(s) => Value::Text(s),
        SqlValue::Blob(b) => Value::Blob(b),
        SqlValue::Null => Value::Null,
    }
}

fn from_spin(v: Value) -> SqlValue {
    match v {
        Value::Integer(n) => SqlValue::Integer(n),
        Value::Real(x) => SqlValue::Real(x),
        Value::Text(s) => SqlValue::Text(s),
        Value::Blob(b) => SqlValue::Blob(b),
        Value::Null => SqlValue::Null,
    }
}
