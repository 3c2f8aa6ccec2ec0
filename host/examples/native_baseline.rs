//! The native baseline for the host benchmark: an axum server doing what
//! the probe component's `/get` does (one Redis GET through a pooled
//! connection, the value as the response body), without WebAssembly.
//!
//! Usage: native_baseline LISTEN_ADDR REDIS_URL

use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
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
    let app = axum::Router::new()
        .route("/probe/get", axum::routing::get(get))
        .with_state(conn);
    let listener = tokio::net::TcpListener::bind(&listen).await?;
    println!("Serving http://{}", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}
