//! The native baseline for the host benchmark: an axum server doing what
//! the probe component's `/get` does (one Redis GET through a pooled
//! connection, the value as the response body) and its `/kv-value` (one
//! read of Spin's key-value table in a SQLite file), and its `/static`
//! (`len` bytes, no I/O: the floor), without WebAssembly.
//!
//! Usage: native_baseline LISTEN_ADDR REDIS_URL [KV_SQLITE_FILE]

use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use std::sync::{Arc, Mutex};

use redis::aio::ConnectionManager;

#[derive(serde::Deserialize)]
struct Key {
    key: String,
}

async fn get(State(mut conn): State<ConnectionManager>, Query(q): Query<Key>) -> impl IntoResponse {
    match redis::cmd("GET")
        .arg(&q.key)
        .query_async::<Option<Vec<u8>>>(&mut conn)
        .await
    {
        Ok(Some(v)) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            v,
        )
            .into_response(),
        Ok(None) => (StatusCode::NOT_FOUND, "miss").into_response(),
        Err(e) => (StatusCode::SERVICE_UNAVAILABLE, e.to_string()).into_response(),
    }
}

#[derive(serde::Deserialize)]
struct Len {
    len: usize,
}

/// `len` bytes of `x`, as the probes' `/static` answers.
async fn fixed(Query(q): Query<Len>) -> impl IntoResponse {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        "x".repeat(q.len.min(1 << 20)),
    )
}

type Kv = Arc<Mutex<rusqlite::Connection>>;

async fn kv_value(State(db): State<Kv>, Query(q): Query<Key>) -> impl IntoResponse {
    let read = tokio::task::spawn_blocking(move || {
        let db = db.lock().expect("lock");
        let mut stmt = db.prepare_cached(
            "SELECT value FROM spin_key_value WHERE store = 'default' AND key = $1",
        )?;
        let mut rows = stmt.query_map([q.key], |r| r.get::<_, Vec<u8>>(0))?;
        rows.next().transpose()
    })
    .await;
    match read {
        Ok(Ok(Some(v))) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            v,
        )
            .into_response(),
        Ok(Ok(None)) => (StatusCode::NOT_FOUND, "miss").into_response(),
        Ok(Err(e)) => (StatusCode::SERVICE_UNAVAILABLE, e.to_string()).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let listen = args.next().unwrap_or_else(|| "127.0.0.1:3001".into());
    let redis_url = args
        .next()
        .unwrap_or_else(|| "redis://127.0.0.1:6379".into());
    let conn = redis::Client::open(redis_url)?
        .get_connection_manager()
        .await?;
    let mut app = axum::Router::new()
        .route("/probe/get", axum::routing::get(get))
        .route("/probe/static", axum::routing::get(fixed))
        .with_state(conn);
    if let Some(file) = args.next() {
        let db: Kv = Arc::new(Mutex::new(rusqlite::Connection::open(file)?));
        app = app.merge(
            axum::Router::new()
                .route("/probe/kv-value", axum::routing::get(kv_value))
                .with_state(db),
        );
    }
    let listener = tokio::net::TcpListener::bind(&listen).await?;
    println!("Serving http://{}", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}
