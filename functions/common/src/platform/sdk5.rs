//! spin-sdk 5 (WASIp2): blocking SQLite and variables, the request body as
//! a stream of chunks.

use std::future::Future;

use futures::{SinkExt, TryStreamExt};
use spin_sdk::http::{Fields, IncomingRequest, OutgoingResponse, ResponseOutparam};
use spin_sdk::sqlite::{Connection, Value};

use crate::api::{self, ApiError, MAX_BODY_BYTES};
use crate::context::{Ctx, Request, Response};
use crate::sql::{DbError, Rows, SqlValue};

/// A component's entry point (see [`api::serve`]). The response is written
/// through the outparam: spin-sdk 5's own `Response` keeps one value per
/// header name, and a login answers with two `Set-Cookie`s.
pub async fn serve<F, Fut>(req: IncomingRequest, out: ResponseOutparam, handler: F)
where
    F: FnOnce(Ctx) -> Fut,
    Fut: Future<Output = Response>,
{
    let resp = api::serve(read_request(req), handler).await;
    write_response(out, resp).await;
}

/// Sends `resp`, every header value kept.
async fn write_response(out: ResponseOutparam, resp: Response) {
    let (head, body) = resp.into_parts();
    let fields: Vec<(String, Vec<u8>)> = head
        .headers
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), v.as_bytes().to_vec()))
        .collect();
    let Ok(headers) = Fields::from_list(&fields) else {
        eprintln!("response headers refused by the host");
        return;
    };
    let response = OutgoingResponse::new(headers);
    if response.set_status_code(head.status.as_u16()).is_err() {
        eprintln!("response status refused by the host");
    }
    let mut sink = response.take_body();
    out.set(response);
    if !body.is_empty() && sink.send(body).await.is_err() {
        eprintln!("writing the response body failed (the client went away?)");
    }
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
