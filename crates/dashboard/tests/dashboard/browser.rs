//! The dashboard in a real browser: headless Chromium from the system
//! packages (`chromium`, `chromium-driver`), driven over WebDriver. Signs
//! in, compares the overview with the queue's stats (what `redspin-worker
//! stats --json` prints), retries a dead job by clicking, searches a job
//! id, watches the live refresh, and checks the layout on a phone-sized
//! window. Screenshots are saved under
//! `target/dashboard-screenshots/`.
//!
//! Without Chromium the test says SKIPPED and passes, unless
//! `REDSPIN_REQUIRE_BROWSER=1` (CI) makes that a failure; `scripts/test`
//! installs both packages.

use fantoccini::Locator;
use redspin_testsupport::browser::Browser;
use redspin_testsupport::eventually;
use serde_json::Value;

use super::support::*;

const SHOTS: &str = "dashboard-screenshots";

/// What `redspin-worker stats --json` prints: every known queue's stats,
/// read through the queue library the command uses.
async fn stats_json(dash: &Dash) -> Vec<Value> {
    let c = &dash.client;
    let mut all = Vec::new();
    for q in c.known_queues().await.unwrap() {
        all.push(serde_json::to_value(c.stats(&q).await.unwrap()).unwrap());
    }
    all
}

#[tokio::test]
async fn an_operator_signs_in_retries_a_dead_job_and_finds_a_job() {
    let Some(browser) = Browser::start(1280, 900).await else {
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

    let b = &browser.client;

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
    for q in stats_json(&dash).await {
        let name = q["queue"].as_str().unwrap();
        for k in ["ready", "scheduled", "processing", "dead", "done"] {
            let shown = browser
                .text(&format!("tr[data-queue='{name}'] td[data-k='{k}']"))
                .await;
            let want = q[k].as_u64().unwrap();
            assert_eq!(
                shown.replace(',', "").parse::<u64>().unwrap(),
                want,
                "{name} {k}"
            );
        }
    }
    assert_eq!(
        browser
            .text("tr[data-queue='mail'] td[data-k='done']")
            .await,
        "1,200",
        "thousands separators"
    );
    assert!(browser
        .text("ul.problems")
        .await
        .contains("mail: 3 dead job(s)"));
    browser.shot(SHOTS, "overview.png").await;

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
    browser.shot(SHOTS, "dead.png").await;
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
        browser.text("p.notice").await,
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
    assert_eq!(browser.text("[data-state]").await, "queued");
    assert!(browser.text("pre.payload").await.contains("[elided]"));

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
        (browser.text(cell).await == "9").then_some(())
    })
    .await;

    // A phone: the page fits the width (wide tables scroll in their box).
    b.set_window_size(390, 844).await.unwrap();
    b.goto(&dash.at("/dead?queue=mail")).await.unwrap();
    assert!(browser.fits_width().await, "the dead list fits a phone");
    browser.shot(SHOTS, "dead-phone.png").await;

    browser.close().await;
    dash.stop().await;
}
