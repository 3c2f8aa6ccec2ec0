//! spin-sdk 6 (WASIp3): async SQLite and variables, the request body as an
//! `http_body::Body`.

use std::future::Future;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use spin_sdk6::sqlite::{Connection, Value};

use crate::api::{self, ApiError, MAX_BODY_BYTES};
use crate::context::{Ctx, Request, Response};
use crate::sql::{DbError, Rows, SqlValue};

/// A component's entry point (see [`api::serve`]).
pub async fn serve<F, Fut>(req: spin_sdk6::http::Request, handler: F) -> http::Response<Full<Bytes>>
where
    F: FnOnce(Ctx) -> Fut,
    Fut: Future<Output = Response>,
{
    api::serve(read_request(req), handler)
        .await
        .map(|body| Full::new(Bytes::from(body)))
}

/// The request and its body, refused over [`MAX_BODY_BYTES`] before any of
/// it is read when `Content-Length` says so, otherwise as soon as the
/// body passes the limit.
async fn read_request(req: spin_sdk6::http::Request) -> Result<Request, ApiError> {
    api::check_declared_length(req.headers())?;
    let (head, body) = req.into_parts();
    let body = match Limited::new(body, MAX_BODY_BYTES).collect().await {
        Ok(collected) => collected.to_bytes().to_vec(),
        Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => return Err(api::too_large()),
        Err(_) => return Err(ApiError::bad_request("cannot read the request body")),
    };
    Ok(http::Request::from_parts(head, body))
}

/// One Spin variable of this component (`None` when it has none by that
/// name).
pub async fn variable(name: &str) -> Option<String> {
    spin_sdk6::variables::get(name).await.ok()
}

/// The SQLite database `default`.
pub struct Db(Connection);

impl Db {
    pub async fn open() -> Result<Self, DbError> {
        Connection::open_default()
            .await
            .map(Self)
            .map_err(|e| DbError(format!("{e:?}")))
    }

    pub async fn execute(&self, sql: &str, params: &[SqlValue]) -> Result<Rows, DbError> {
        let params = params.iter().cloned().map(to_spin);
        let result = self
            .0
            .execute(sql, params)
            .await
            .map_err(|e| DbError(format!("{e:?}")))?;
        let columns = result.columns().to_vec();
        let rows = result
            .collect()
            .await
            .map_err(|e| DbError(format!("{e:?}")))?;
        let values = rows
            .into_iter()
            .map(|r| r.values.into_iter().map(from_spin).collect());
        Ok(Rows {
            columns,
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
