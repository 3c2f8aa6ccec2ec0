//! The pages a person reads, in a real browser (headless Chromium, see
//! `redspin_testsupport::browser`): the list and a post at a phone's width
//! (390 px) and a desktop's (1280 px). Nothing scrolls sideways, the text
//! keeps a readable measure, the inline style sheet is applied (so the
//! Content-Security-Policy allows it), and the list links to the post.
//! Screenshots are saved under `target/page-screenshots/`.

use redspin_testsupport::browser::Browser;
use serde_json::json;

use crate::common::{send, TestApp, ADMIN};

const SHOTS: &str = "page-screenshots";

/// A long post: a long unbroken word, a wide code block and a wide table
/// are what push a careless page past a phone's width.
const BODY: &str = "A paragraph long enough to wrap several times on a phone, so the measure shows: \
redspin caches whole rendered pages in Redis and drops them all when one changes.\n\n\
averyveryveryveryverylongwordwithoutanybreakopportunityatallthatmustnotoverflow\n\n\
```\nlet a_very_long_line_of_code = \"that does not wrap and must scroll inside its own box rather than the page\";\n```\n\n\
| a | b | c | d | e | f |\n|---|---|---|---|---|---|\n| one cell | another cell | a third cell | a fourth cell | a fifth cell | a sixth cell |\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_list_and_a_post_read_well_on_a_phone_and_a_desktop() {
    let app = TestApp::start().await;
    let (s, _, b) = send(
        app.client
            .put(app.url("/posts/reading"))
            .bearer_auth(ADMIN)
            .json(&json!({"title": "A post to read", "body": BODY})),
    )
    .await;
    assert!(s == 200 || s == 201, "{s} {b}");
    let Some(browser) = Browser::start(1280, 900).await else {
        app.stop().await;
        return;
    };
    let b = &browser.client;
    for (width, height, label) in [(390, 844, "phone"), (1280, 900, "desktop")] {
        b.set_window_size(width, height).await.unwrap();
        b.goto(&app.url("/posts/")).await.unwrap();
        assert_eq!(browser.text("h1").await, "Posts");
        assert!(browser.fits_width().await, "the list fits a {label}");
        browser.shot(SHOTS, &format!("list-{label}.png")).await;

        b.goto(&app.url("/posts/reading")).await.unwrap();
        assert_eq!(browser.text("h1").await, "A post to read");
        assert!(!browser.text("article time").await.is_empty(), "a date");
        assert!(browser.fits_width().await, "the post fits a {label}");
        let style = b
            .execute(
                "const p = document.querySelector('article > p');\n\
                 const cs = getComputedStyle(p);\n\
                 const ch = document.createElement('span');\n\
                 ch.style.cssText = 'display:inline-block;width:10ch';\n\
                 p.appendChild(ch);\n\
                 const ch_px = ch.getBoundingClientRect().width / 10;\n\
                 ch.remove();\n\
                 return {width: p.getBoundingClientRect().width, font: cs.fontFamily,\n\
                         ch: ch_px, view: window.innerWidth};",
                vec![],
            )
            .await
            .unwrap();
        let chars = style["width"].as_f64().unwrap() / style["ch"].as_f64().unwrap();
        assert!(
            style["font"].as_str().unwrap().contains("system-ui"),
            "the style sheet is applied: {style}"
        );
        // A measure near 70 characters (in the font's own `ch`), and on a
        // desktop not much narrower either.
        assert!(chars <= 72.0, "a readable measure: {chars:.0} ch, {style}");
        if width > 1000 {
            assert!(
                chars >= 60.0,
                "the text uses the width: {chars:.0} ch, {style}"
            );
        }
        browser.shot(SHOTS, &format!("post-{label}.png")).await;
    }
    // From the post back to the list, and from the list to the post.
    b.goto(&app.url("/posts/")).await.unwrap();
    let href = b
        .execute(
            "return [...document.querySelectorAll('ul.posts a')].map(a => a.getAttribute('href'))",
            vec![],
        )
        .await
        .unwrap();
    assert!(
        href.as_array().unwrap().contains(&json!("/posts/reading")),
        "{href}"
    );
    browser.close().await;
    app.stop().await;
}
