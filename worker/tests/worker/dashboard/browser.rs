//! The dashboard in a real browser: headless Chromium from the system
//! packages (`chromium`, `chromium-driver`), driven over WebDriver. Signs
//! in, compares the overview with `redspin-worker stats --json`, retries a
//! dead job by clicking, searches a job id, watches the live refresh, and
//! checks the layout on a phone-sized window. Screenshots are saved under
//! `target/dashboard-screenshots/`.
//!
//! Without Chromium the test says SKIPPED and passes, unless
//! `REDSPIN_REQUIRE_BROWSER=1` (CI) makes that a failure; `scripts/test`
//! installs both packages.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use fantoccini::{Client, ClientBuilder, Locator};
use redspin_testsupport::eventually;
use serde_json::{json, Value};

use super::support::*;

/// Chromium and ChromeDriver, if installed.
fn browser() -> Option<(PathBuf, PathBuf)> {
    let find = |names: &[&str]| {
        names.iter().find_map(|n| {
            std::env::var_os("PATH").and_then(|paths| {
                std::env::split_paths(&paths)
                    .map(|d| d.join(n))
                    .find(|p| p.is_file())
            })
        })
    };
    Some((
        find(&["chromium", "chromium-browser"])?,
        find(&["chromedriver"])?,
    ))
}

/// A ChromeDriver process on a free port, killed on drop.
struct Driver {
    child: Child,
    url: String,
}

impl Driver {
    async fn start(chromedriver: &PathBuf) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let url = format!("http://127.0.0.1:{port}");
        let status = format!("{url}/status");
        eventually(WAIT, "chromedriver answers", || async {
            let res = http().get(&status).send().await.ok()?;
            res.status().is_success().then_some(())
        })
        .await;
        Self { child, url }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn screenshots() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let dir = target.join("dashboard-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The rendered text of the first element matching `css`, read in one
/// script call (the live refresh may replace elements between a find and a
/// read).
async fn text(b: &Client, css: &str) -> String {
    let script =
        "const e = document.querySelector(arguments[0]); return e ? e.innerText.trim() : null;";
    match b.execute(script, vec![json!(css)]).await.unwrap() {
        Value::String(s) => s,
        other => panic!("{css}: no such element ({other})"),
    }
}

async fn shot(b: &Client, name: &str) {
    let png = b.screenshot().await.unwrap();
    std::fs::write(screenshots().join(name), png).unwrap();
}

/// `redspin-worker stats --json`, run as a user would.
fn cli_stats(dash: &Dash) -> Vec<Value> {
    let out = Command::new(env!("CARGO_BIN_EXE_redspin-worker"))
        .args([
            "--redis-url",
            dash.redis.url(),
            "--prefix",
            &dash.redis.prefix,
            "stats",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[tokio::test]
async fn an_operator_signs_in_retries_a_dead_job_and_finds_a_job() {
    let Some((chromium, chromedriver)) = browser() else {
        assert!(
            std::env::var("REDSPIN_REQUIRE_BROWSER").as_deref() != Ok("1"),
            "REDSPIN_REQUIRE_BROWSER=1 but chromium or chromedriver is missing (scripts/setup --browser installs them)"
        );
        eprintln!("SKIPPED the browser test: chromium or chromedriver not found (scripts/setup --browser)");
        return;
    };
    let dash = Dash::start(Some(TOKEN)).await;
    let c = &dash.client;
    c.register_queue("mail").await.unwrap();
    enqueue(c, "mail", "ok", 1200, 0).await;
    let doomed = enqueue(c, "mail", "doomed", 3, 0).await;
    work(&dash, "mail", 1200, 3).await;
    enqueue(c, "default", "ok", 4, 0).await;
    enqueue(c, "default", "ok", 2, 600_000).await;

    let driver = Driver::start(&chromedriver).await;
    let caps = json!({
        "goog:chromeOptions": {
            "binary": chromium,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,900"]
        }
    });
    let b = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps.as_object().unwrap().clone())
        .connect(&driver.url)
        .await
        .expect("a WebDriver session");

    // Sign in through the form.
    b.goto(&dash.at("/")).await.unwrap();
    assert!(b.current_url().await.unwrap().path().ends_with("/login"));
    b.find(Locator::Css("input[name=token]"))
        .await
        .unwrap()
        .send_keys(TOKEN)
        .await
        .unwrap();
    b.find(Locator::Css("form[action='/login'] button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.wait()
        .for_element(Locator::Css("table#queues"))
        .await
        .unwrap();
    assert!(!b.current_url().await.unwrap().as_str().contains(TOKEN));

    // The overview's counts are the CLI's.
    for q in cli_stats(&dash) {
        let name = q["queue"].as_str().unwrap();
        for k in ["ready", "scheduled", "processing", "dead", "done"] {
            let shown = text(&b, &format!("tr[data-queue='{name}'] td[data-k='{k}']")).await;
            let want = q[k].as_u64().unwrap();
            assert_eq!(
                shown.replace(',', "").parse::<u64>().unwrap(),
                want,
                "{name} {k}"
            );
        }
    }
    assert_eq!(
        text(&b, "tr[data-queue='mail'] td[data-k='done']").await,
        "1,200",
        "thousands separators"
    );
    assert!(text(&b, "ul.problems")
        .await
        .contains("mail: 3 dead job(s)"));
    shot(&b, "overview.png").await;

    // Dead jobs of mail: open one, retry it, watch it leave the list.
    b.find(Locator::Css("ul.problems a[href='/dead?queue=mail']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.wait()
        .for_element(Locator::Css("table#jobs"))
        .await
        .unwrap();
    assert_eq!(
        b.find_all(Locator::Css("tr[data-id]")).await.unwrap().len(),
        3
    );
    let time = b.find(Locator::Css("tr[data-id] time")).await.unwrap();
    assert!(
        time.attr("title").await.unwrap().unwrap().ends_with(" UTC"),
        "absolute time on hover"
    );
    shot(&b, "dead.png").await;
    let id = doomed[1].clone();
    b.find(Locator::Css(&format!("tr[data-id='{id}'] td a")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.wait()
        .for_element(Locator::Css("[data-state='dead']"))
        .await
        .unwrap();
    b.find(Locator::Css("form[action='/dead/retry'] button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.wait()
        .for_element(Locator::Css("p.notice"))
        .await
        .unwrap();
    assert_eq!(
        text(&b, "p.notice").await,
        "The job was sent back to its queue."
    );
    assert!(b.current_url().await.unwrap().path().ends_with("/dead"));
    assert_eq!(
        b.find_all(Locator::Css("tr[data-id]")).await.unwrap().len(),
        2
    );
    assert!(b
        .find_all(Locator::Css(&format!("tr[data-id='{id}']")))
        .await
        .unwrap()
        .is_empty());
    assert_eq!(c.stats("mail").await.unwrap().ready, 1);

    // Search it by id.
    let search = b.find(Locator::Css("input[name=id]")).await.unwrap();
    search.send_keys(&id).await.unwrap();
    b.find(Locator::Css("form.search button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.wait()
        .for_element(Locator::Css("[data-state]"))
        .await
        .unwrap();
    assert_eq!(text(&b, "[data-state]").await, "queued");
    assert!(text(&b, "pre.payload").await.contains("[elided]"));

    // Live refresh: with Live ticked, new work shows without a reload.
    b.goto(&dash.at("/")).await.unwrap();
    b.find(Locator::Css("#live"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    enqueue(c, "default", "ok", 5, 0).await;
    let cell = "tr[data-queue='default'] td[data-k='ready']";
    eventually(WAIT, "the overview refreshes itself", || async {
        (text(&b, cell).await == "9").then_some(())
    })
    .await;

    // A phone: the page fits the width (wide tables scroll in their box).
    b.set_window_size(390, 844).await.unwrap();
    b.goto(&dash.at("/dead?queue=mail")).await.unwrap();
    let fits = b
        .execute(
            "return document.documentElement.scrollWidth <= window.innerWidth",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(fits, json!(true));
    shot(&b, "dead-phone.png").await;

    b.close().await.unwrap();
    drop(driver);
    dash.stop().await;
}
