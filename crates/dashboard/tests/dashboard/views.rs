//! What the pages and the API show: pagination, elided payloads, counts
//! and workers as Redis holds them, odd bytes, payloads the worker will
//! refuse, the trace a job belongs to.

use super::support::*;

#[tokio::test]
async fn lists_are_paginated_and_payloads_elided() {
    let dash = Dash::start(Some(TOKEN)).await;
    let c = &dash.client;
    enqueue(c, "default", "doomed", 120, 0).await;
    work(&dash, "default", 0, 120).await;
    let cookie = dash.sign_in().await;
    let rows = |page: &str| page.matches("<tr data-id=").count();
    let (_, p1) = dash.get("/dead", &cookie).await;
    assert_eq!(rows(&p1), 50);
    assert!(p1.contains("Page 1 of 3 · 120 job(s)"), "pager");
    let (_, p3) = dash.get("/dead?queue=default&page=3", &cookie).await;
    assert_eq!(rows(&p3), 20);
    let (status, api) = dash.api("/api/dead?queue=default&page=3", &cookie).await;
    assert_eq!(status, 200);
    assert_eq!(
        (
            api["total"].as_u64(),
            api["entries"].as_array().unwrap().len()
        ),
        (Some(120), 20)
    );
    for page in [&p1, &p3, &api.to_string()] {
        assert!(
            !page.contains("hunter2") && !page.contains("SECRETPATH"),
            "secrets elided"
        );
        assert!(page.contains("[elided]") && page.contains("hooks.example.com"));
    }
    for bad in [
        "/api/dead?page=0",
        "/api/dead?page=x",
        "/api/dead?queue=%7Bx%7D",
        "/api/jobs/a%20b",
    ] {
        let (status, body) = dash.api(bad, &cookie).await;
        assert_eq!(status, 400, "{bad}");
        assert!(body["error"].is_string());
    }
    let sched = enqueue(c, "default", "ok", 60, 600_000).await;
    let (_, s1) = dash.get("/scheduled?queue=default", &cookie).await;
    assert_eq!(rows(&s1), 50);
    assert!(s1.contains(&sched[0]), "soonest first");
    let (_, s2) = dash
        .api("/api/scheduled?queue=default&page=2", &cookie)
        .await;
    assert_eq!(s2["entries"].as_array().unwrap().len(), 10);
    dash.stop().await;
}

#[tokio::test]
async fn overview_workers_and_jobs_show_what_redis_holds() {
    let dash = Dash::start(Some(TOKEN)).await;
    let c = &dash.client;
    c.register_queue("mail").await.unwrap();
    enqueue(c, "mail", "ok", 7, 0).await;
    enqueue(c, "mail", "doomed", 2, 0).await;
    work(&dash, "mail", 7, 2).await;
    let ready = enqueue(c, "default", "ok", 3, 0).await;
    enqueue(c, "default", "ok", 2, 600_000).await;
    let cookie = dash.sign_in().await;
    let (status, ov) = dash.api("/api/overview", &cookie).await;
    assert_eq!(status, 200);
    let q = |name: &str| {
        ov["queues"]
            .as_array()
            .unwrap()
            .iter()
            .find(|q| q["queue"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(
        (q("mail")["done"].as_u64(), q("mail")["dead"].as_u64()),
        (Some(7), Some(2))
    );
    assert_eq!(
        (
            q("default")["ready"].as_u64(),
            q("default")["scheduled"].as_u64()
        ),
        (Some(3), Some(2))
    );
    assert!(q("default")["oldest_ready_age_ms"].as_u64().is_some());
    // Throughput from the per-minute counters the worker keeps.
    let sum = |k: &str| {
        ov["throughput"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m[k].as_u64().unwrap())
            .sum::<u64>()
    };
    assert_eq!((sum("done"), sum("failed")), (7, 2));
    assert_eq!(ov["throughput"].as_array().unwrap().len(), 60);
    let problems = ov["problems"].to_string();
    assert!(
        problems.contains("mail: 2 dead job(s)") && problems.contains("no live worker"),
        "{problems}"
    );
    let (_, page) = dash.get("/", &cookie).await;
    assert!(
        page.contains("<svg") && page.contains("7 done, 2 failed"),
        "chart"
    );

    // A job in each state, found by id.
    let (_, queued) = dash.get(&format!("/job?id={}", ready[0]), &cookie).await;
    assert!(
        queued.contains("data-state=\"queued\"") && queued.contains("&quot;n&quot;: 0"),
        "payload shown"
    );
    let (status, body) = dash.api(&format!("/api/jobs/{}", ready[1]), &cookie).await;
    assert_eq!(
        (status, body["status"]["state"].as_str()),
        (200, Some("queued"))
    );
    assert_eq!(body["payload"]["password"], "[elided]");
    let (status, _) = dash.get("/job?id=no-such-job", &cookie).await;
    assert_eq!(status, 404);
    let (status, _) = dash.get("/job?id=", &cookie).await;
    assert_eq!(status, 400);

    // A live worker and the job it is running.
    let (release, held) = tokio::sync::oneshot::channel::<()>();
    let held = std::sync::Arc::new(tokio::sync::Mutex::new(Some(held)));
    let mut registry = redspin_worker::Registry::new();
    registry.register("ok", move |_ctx: redspin_worker::JobContext| {
        let held = held.clone();
        async move {
            if let Some(rx) = held.lock().await.take() {
                let _ = rx.await;
            }
            Ok(())
        }
    });
    let config = redspin_worker::WorkerConfig {
        redis_url: dash.redis.url().to_owned(),
        schema: schema(&dash.redis),
        concurrency: 1,
        ..redspin_worker::WorkerConfig::default()
    };
    let id = config.worker_id.clone();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let worker = tokio::spawn(
        redspin_worker::Worker::new(config, registry).run(async move {
            let _ = stopped.await;
        }),
    );
    let (_, workers) = redspin_testsupport::eventually(WAIT, "the worker runs a job", || async {
        let (_, w) = dash.api("/api/workers", &cookie).await;
        let running = w["workers"][0]["running"].as_array().map_or(0, |r| r.len());
        (running == 1).then_some(((), w))
    })
    .await;
    let w = &workers["workers"][0];
    assert_eq!(w["id"], id.as_str());
    assert_eq!(w["alive"], true);
    assert_eq!(w["info"]["pid"], std::process::id());
    assert_eq!(w["info"]["concurrency"], 1);
    assert_eq!(w["running"][0]["id"], ready[0].as_str());
    let (_, page) = dash.get("/workers", &cookie).await;
    assert!(page.contains(&id) && page.contains("Running for"));
    let _ = release.send(());
    let _ = stop.send(());
    worker.await.unwrap().unwrap();
    dash.stop().await;
}

#[tokio::test]
async fn odd_bytes_in_redis_do_not_break_a_page() {
    let dash = Dash::start(Some(TOKEN)).await;
    let q = dash.client.schema().queue("default").unwrap();
    let mut r = dash.client.connection().raw();
    let _: () = redis::pipe()
        .zadd(q.dead(), "not json \u{0}\u{7f}", 5)
        .zadd(q.scheduled(), "{\"id\": 5}", 6)
        .rpush(q.ready(), "[]")
        .sadd(q.workers(), "ghost")
        .set(q.heartbeat("ghost"), "{\"pid\": \"many\"}")
        .rpush(q.processing("ghost"), "\u{1}")
        .hset(
            q.minute(redspin_core::ops::minute_of(redspin_queue::now_ms())),
            "done",
            "lots",
        )
        .query_async(&mut r)
        .await
        .unwrap();
    let cookie = dash.sign_in().await;
    for path in [
        "/",
        "/workers",
        "/dead",
        "/scheduled",
        "/api/overview",
        "/api/workers",
        "/api/dead",
        "/api/scheduled",
    ] {
        let (status, body) = dash.get(path, &cookie).await;
        assert_eq!(status, 200, "{path}: {body}");
    }
    let (_, dead) = dash.get("/dead", &cookie).await;
    assert!(dead.contains("unreadable entry"));
    let (_, workers) = dash.get("/workers", &cookie).await;
    assert!(workers.contains("unreadable envelope"));
    dash.stop().await;
}

/// A job whose payload the worker would refuse (enqueued around the
/// client's check) says so on its page, in the core's words.
#[tokio::test]
async fn a_payload_the_worker_will_refuse_is_flagged() {
    let dash = Dash::start(Some(TOKEN)).await;
    let q = dash.client.schema().queue("default").unwrap();
    let now = redspin_queue::now_ms();
    let job = redspin_core::Job {
        id: "00000000-0000-4000-8000-000000000001".into(),
        kind: "webhook".into(),
        payload: serde_json::json!({"url": "ftp://files.example/secret-path"}),
        attempts: 0,
        max_attempts: 3,
        enqueued_at: now,
        run_at: now + 600_000,
        last_error: None,
        timeout_ms: None,
        unique_key: None,
        traceparent: None,
        tracestate: None,
    };
    let op = redspin_core::ops::Enqueue {
        queue: &q,
        job: &job,
        now_ms: now,
    };
    dash.client.connection().run(&op).await.unwrap();
    let cookie = dash.sign_in().await;
    let (status, page) = dash.get(&format!("/job?id={}", job.id), &cookie).await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains(
            "The worker will refuse this payload: payload.url: must be http or https, got ftp"
        ),
        "{page}"
    );
    assert!(!page.contains("secret-path"), "the path is elided");
    let ok = redspin_core::NewJob::new("webhook", serde_json::json!({"url": "https://x.example/"}))
        .delay_ms(600_000);
    let (fine, _) = dash.client.enqueue("default", ok).await.unwrap();
    let (_, page) = dash.get(&format!("/job?id={}", fine.id), &cookie).await;
    assert!(!page.contains("will refuse"), "{page}");
    dash.stop().await;
}

/// One bad name in the queue registry (written by hand, or by something
/// else sharing the prefix) is reported as a problem; every page still
/// renders, the good queues on it.
#[tokio::test]
async fn a_bad_queue_name_is_a_problem_not_a_broken_page() {
    let dash = Dash::start(Some(TOKEN)).await;
    let mut r = dash.client.connection().raw();
    let registry = dash.client.schema().queues();
    let _: () = redis::pipe()
        .sadd(&registry, "no {braces} <b>allowed</b>")
        .sadd(&registry, "mail")
        .query_async(&mut r)
        .await
        .unwrap();
    let cookie = dash.sign_in().await;
    for path in [
        "/",
        "/workers",
        "/dead",
        "/scheduled",
        "/api/overview",
        "/api/workers",
    ] {
        let (status, body) = dash.get(path, &cookie).await;
        assert_eq!(status, 200, "{path}: {body}");
    }
    let (_, page) = dash.get("/", &cookie).await;
    assert!(page.contains("which is no valid queue name"), "{page}");
    assert!(!page.contains("<b>allowed</b>"), "the name is escaped");
    assert!(page.contains("mail"), "the good queues are still shown");
    let (_, ov) = dash.api("/api/overview", &cookie).await;
    let texts: Vec<&str> = ov["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["text"].as_str())
        .collect();
    assert!(
        texts.iter().any(|t| t.contains("no valid queue name")),
        "{texts:?}"
    );
    dash.stop().await;
}

/// A job enqueued in a trace shows the trace id on its page, linked by
/// the template; one without shows none, nor does a trace id in Redis that
/// is not one.
#[tokio::test]
async fn a_job_page_links_the_jobs_trace() {
    const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
    let dash = Dash::start(Some(TOKEN)).await;
    let traced = redspin_core::NewJob::new("noop", serde_json::json!(null))
        .delay_ms(600_000)
        .traced(Some(&format!("00-{TRACE}-00f067aa0ba902b7-01")), None);
    let (job, _) = dash.client.enqueue("default", traced).await.unwrap();
    let cookie = dash.sign_in().await;
    let (status, page) = dash.get(&format!("/job?id={}", job.id), &cookie).await;
    assert_eq!(status, 200, "{page}");
    let link = format!("href=\"{}\"", TRACE_URL.replace("{trace_id}", TRACE));
    assert!(page.contains(&link), "{page}");
    let (_, api) = dash.get(&format!("/api/jobs/{}", job.id), &cookie).await;
    assert!(api.contains(&format!("\"trace_id\":\"{TRACE}\"")), "{api}");

    let plain = redspin_core::NewJob::new("noop", serde_json::json!(null)).delay_ms(600_000);
    let (plain, _) = dash.client.enqueue("default", plain).await.unwrap();
    let (_, page) = dash.get(&format!("/job?id={}", plain.id), &cookie).await;
    assert!(!page.contains("data-trace-id"), "{page}");

    let q = dash.client.schema().queue("default").unwrap();
    let mut conn = redis::Client::open(dash.redis.url())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let _: () = redis::cmd("HSET")
        .arg(q.job(&plain.id))
        .arg("trace_id")
        .arg("\"><script>alert(1)</script>")
        .query_async(&mut conn)
        .await
        .unwrap();
    let (status, page) = dash.get(&format!("/job?id={}", plain.id), &cookie).await;
    assert_eq!(status, 200);
    assert!(
        !page.contains("data-trace-id") && !page.contains("<script>alert"),
        "{page}"
    );
    dash.stop().await;
}
