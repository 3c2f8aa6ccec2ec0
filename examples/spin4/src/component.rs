use std::time::Duration;

use redspin_edge::{Cache, CachePolicy, SpinRedis};
use spin_sdk::http::{IntoResponse, Request};
use spin_sdk::{http_service, variables};

/// `GET /greet/<name>`: the greeting from Redis, computed on a miss and
/// kept five minutes (`x-cache: hit` or `miss`).
#[http_service]
async fn handle(req: Request) -> anyhow::Result<impl IntoResponse> {
    let redis = SpinRedis::open(&variables::get("redis_url").await?).await?;
    let cache = Cache::new(&redis, Default::default());
    let policy = CachePolicy::new(Duration::from_secs(300)).tag("greetings");
    let name: String = req
        .uri()
        .path()
        .rsplit('/')
        .next()
        .unwrap_or("")
        .chars()
        .take(64)
        .collect();
    let greeting = cache
        .get_or_compute(&format!("greeting:{name}"), &policy, || async {
            anyhow::Ok(format!("Hello, {name}!"))
        })
        .await?;
    let response = http::Response::builder().header("x-cache", greeting.status.as_str());
    Ok(response.body(greeting.value)?)
}
