//! What keeps webhooks honest: every delivery signed as Standard Webhooks
//! define (the receiver checks it with the secret alone), and proxy
//! variables in the worker's environment ignored, so a webhook goes where
//! the guard judged it would.

use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use redspin_core::NewJob;
use redspin_testsupport::TestRedis;
use redspin_worker::handlers::signing::Signer;
use redspin_worker::handlers::webhook::{self, Webhook};
use redspin_worker::Registry;
use serde_json::json;
use sha2::Sha256;

use crate::common::*;

/// The receiver's side: the signatures `header` carries, checked with the
/// key of `secret` over `id.timestamp.body`.
fn verifies(secret: &str, id: &str, timestamp: &str, body: &str, header: &str) -> bool {
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap())
        .unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
    header.split(' ').any(|s| s == expected)
}

#[tokio::test]
async fn deliveries_are_signed_with_every_secret_and_one_id_across_retries() {
    let redis = TestRedis::start();
    let (current, previous) = (
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "whsec_AAECAwQFBgcICQoLDA0ODw==",
    );
    let receiver = Receiver::start(|n| match n {
        0 => (500, vec![], Duration::ZERO),
        _ => (204, vec![], Duration::ZERO),
    })
    .await;
    let signer = Signer::parse(&format!("{current} {previous}")).unwrap();
    let mut registry = Registry::builtins(true);
    registry.register(
        webhook::TYPE,
        Webhook::with_private_destinations(true).signed_by(signer),
    );
    let mut config = config(&redis);
    config.backoff.base = Duration::from_millis(10);
    let w = TestWorker::start(config, registry);
    let client = client(&redis).await;
    let payload = json!({ "url": receiver.url, "body": {"order": 7} });
    let (job, _) = client
        .enqueue("default", NewJob::new("webhook", payload))
        .await
        .unwrap();
    wait_done(&client, "default", 1).await;
    w.stop().await;

    let got = receiver.received();
    assert_eq!(got.len(), 2, "one failed attempt, one delivery");
    for r in &got {
        let (id, ts, sig) = (
            &r.headers["webhook-id"],
            &r.headers["webhook-timestamp"],
            &r.headers["webhook-signature"],
        );
        assert_eq!(id, &job.id, "the job's id, the same on every attempt");
        let sent: u64 = ts.parse().unwrap();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        assert!(now.abs_diff(sent) < 300, "a timestamp of now: {sent}");
        for secret in [current, previous] {
            assert!(verifies(secret, id, ts, &r.body, sig), "{secret}: {sig}");
        }
        let forged = r.body.replace('7', "8");
        assert!(
            !verifies(current, id, ts, &forged, sig),
            "a changed body fails"
        );
    }
}

/// A proxy that records who connected and answers nothing useful.
async fn proxy() -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = seen.clone();
    tokio::spawn(async move {
        while let Ok((s, _)) = listener.accept().await {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            drop(s);
        }
    });
    (url, seen)
}

#[tokio::test]
async fn proxy_variables_do_not_reroute_webhooks() {
    let redis = TestRedis::start();
    let receiver = Receiver::start(|_| (204, vec![], Duration::ZERO)).await;
    let (proxy_url, proxied) = proxy().await;
    let worker = std::process::Command::new(env!("CARGO_BIN_EXE_redspin-worker"))
        .args(["--redis-url", redis.url(), "--prefix", &redis.prefix])
        .args(["run", "--webhook-allow-private", "--backoff-base-ms", "10"])
        .envs(
            [
                "HTTP_PROXY",
                "http_proxy",
                "HTTPS_PROXY",
                "ALL_PROXY",
                "all_proxy",
            ]
            .map(|k| (k, &proxy_url)),
        )
        .env_remove("NO_PROXY")
        .env_remove("no_proxy")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let _worker = KillOnDrop(worker);
    let client = client(&redis).await;
    let payload = json!({ "url": format!("{}/hook", receiver.url) });
    client
        .enqueue("default", NewJob::new("webhook", payload).max_attempts(2))
        .await
        .unwrap();
    // Through the proxy it would never arrive (the proxy hangs up).
    eventually(
        Duration::from_secs(20),
        "the webhook to reach its receiver",
        || async { (receiver.count() > 0).then_some(()) },
    )
    .await;
    assert_eq!(
        proxied.load(std::sync::atomic::Ordering::SeqCst),
        0,
        "it went through the proxy"
    );
}

/// A child process killed when the test ends, however it ends.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
