//! A real browser for tests: headless Chromium from the system packages
//! (`chromium`, `chromium-driver`, installed by `scripts/setup --browser`),
//! driven over WebDriver by a ChromeDriver on a free port.
//!
//! Without them [`Browser::start`] says SKIPPED and gives `None`, unless
//! `REDSPIN_REQUIRE_BROWSER=1` (CI) makes that a failure.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder};
use serde_json::{json, Value};

/// A WebDriver session and its ChromeDriver process (killed on drop).
pub struct Browser {
    pub client: Client,
    driver: Child,
}

fn find(names: &[&str]) -> Option<PathBuf> {
    let paths = std::env::var_os("PATH")?;
    names.iter().find_map(|n| {
        std::env::split_paths(&paths)
            .map(|d| d.join(n))
            .find(|p| p.is_file())
    })
}

impl Browser {
    /// A browser with a `width` x `height` window, or `None` (after saying
    /// SKIPPED) when Chromium or ChromeDriver is not installed.
    pub async fn start(width: u32, height: u32) -> Option<Self> {
        let (Some(chromium), Some(chromedriver)) = (
            find(&["chromium", "chromium-browser"]),
            find(&["chromedriver"]),
        ) else {
            assert!(
                std::env::var("REDSPIN_REQUIRE_BROWSER").as_deref() != Ok("1"),
                "REDSPIN_REQUIRE_BROWSER=1 but chromium or chromedriver is missing (scripts/setup --browser installs them)"
            );
            eprintln!("SKIPPED a browser test: chromium or chromedriver not found (scripts/setup --browser)");
            return None;
        };
        // A free port is free when chosen, not held: another test may take
        // it before ChromeDriver binds it (ChromeDriver then exits, and
        // what answered was that test's server). Tried again on another.
        let mut last = String::new();
        for _ in 0..3 {
            match Self::launch(&chromium, &chromedriver, width, height).await {
                Ok(b) => return Some(b),
                Err(e) => last = e,
            }
        }
        panic!("a WebDriver session: {last}");
    }

    async fn launch(
        chromium: &std::path::Path,
        chromedriver: &std::path::Path,
        width: u32,
        height: u32,
    ) -> Result<Self, String> {
        let port = crate::free_port();
        let mut driver = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        crate::eventually(Duration::from_secs(30), "chromedriver listens", || async {
            tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .ok()
                .map(drop)
        })
        .await;
        let caps = json!({
            "goog:chromeOptions": {
                "binary": chromium,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         format!("--window-size={width},{height}")]
            }
        });
        let session = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps.as_object().unwrap().clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await;
        match session {
            Ok(client) => Ok(Self { client, driver }),
            Err(e) => {
                let _ = driver.kill();
                let _ = driver.wait();
                Err(format!("{e:?}"))
            }
        }
    }

    /// The rendered text of the first element matching `css`, read in one
    /// script call (a page that refreshes itself may replace elements
    /// between a find and a read).
    pub async fn text(&self, css: &str) -> String {
        let script =
            "const e = document.querySelector(arguments[0]); return e ? e.innerText.trim() : null;";
        match self.client.execute(script, vec![json!(css)]).await.unwrap() {
            Value::String(s) => s,
            other => panic!("{css}: no such element ({other})"),
        }
    }

    /// Whether the page fits the window's width (nothing scrolls sideways).
    pub async fn fits_width(&self) -> bool {
        let script = "return document.documentElement.scrollWidth <= window.innerWidth";
        self.client.execute(script, vec![]).await.unwrap() == json!(true)
    }

    /// Saves a screenshot as `target/<dir>/<name>`.
    pub async fn shot(&self, dir: &str, name: &str) {
        let png = self.client.screenshot().await.unwrap();
        let dir = screenshots(dir);
        std::fs::write(dir.join(name), png).unwrap();
    }

    /// Ends the WebDriver session; dropping stops ChromeDriver.
    pub async fn close(self) {
        let _ = self.client.clone().close().await;
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// `target/<dir>` of the workspace (or of `CARGO_TARGET_DIR`), created.
pub fn screenshots(dir: &str) -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    let dir = target.join(dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
