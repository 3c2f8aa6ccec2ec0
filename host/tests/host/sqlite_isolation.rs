//! Each SQLite `open` behaves as a connection of its own, as in Spin: what
//! a request leaves behind (an open transaction, a `PRAGMA`, a temporary
//! table, an attached database) is gone for the next; attaching a file,
//! `VACUUM INTO` a file and loading an extension are refused. The same
//! checks run on redspin-host and on real Spin. A statement still running
//! at the request's deadline is interrupted (redspin-host only: Spin sets
//! no request deadline).

use std::path::Path;
use std::time::Duration;

use crate::common::*;
use redspin_host::runtime::Options;

const MANIFEST: &str = r#"
spin_manifest_version = 2
[application]
name = "sqlite-probe"

[[trigger.http]]
route = "/probe/..."
component = "probe"

[component.probe]
source = "@PROBE_WASM@"
sqlite_databases = ["default"]
"#;

/// Runs `statements` in one request on one connection; each result is
/// `{"rows": [...]}` or `{"error": "..."}`.
async fn sql(base: &str, statements: &[&str]) -> Vec<serde_json::Value> {
    let query: Vec<String> = statements
        .iter()
        .enumerate()
        .map(|(i, s)| format!("s{i}={}", percent_encode(s)))
        .collect();
    let url = format!("{base}/probe/sql?{}", query.join("&"));
    let r = reqwest::get(&url).await.expect("request");
    assert_eq!(r.status(), 200, "{statements:?}");
    let v: serde_json::Value = r.json().await.unwrap();
    v["results"]
        .as_array()
        .cloned()
        .unwrap_or_else(|| panic!("{v}"))
}

fn rows(v: &serde_json::Value) -> String {
    v["rows"].to_string()
}

fn error(v: &serde_json::Value) -> String {
    v["error"].as_str().unwrap_or("(no error)").to_owned()
}

async fn each_request_starts_clean(base: &str, dir: &Path, who: &str) {
    sql(base, &["CREATE TABLE IF NOT EXISTS t (x INTEGER)"]).await;
    // A transaction never committed: rolled back; the next request is not
    // inside it (its BEGIN would fail) and does not see its row. Several
    // rounds, so a pooled connection is reused.
    for round in 0..3 {
        let r = sql(base, &["BEGIN", "INSERT INTO t VALUES (1)"]).await;
        assert_eq!(error(&r[0]), "(no error)", "{who} round {round}");
        let r = sql(base, &["BEGIN", "SELECT count(*) FROM t", "COMMIT"]).await;
        assert_eq!(
            error(&r[0]),
            "(no error)",
            "{who} round {round}: left inside a transaction"
        );
        assert_eq!(
            rows(&r[1]),
            r#"["[Value::Integer(0)]"]"#,
            "{who} round {round}"
        );
    }

    // Connection settings and temporary objects do not carry over.
    for round in 0..3 {
        let fresh = rows(&sql(base, &["PRAGMA foreign_keys"]).await[0]);
        let flip = if fresh.contains("Integer(1)") {
            "OFF"
        } else {
            "ON"
        };
        let r = sql(
            base,
            &[
                &format!("PRAGMA foreign_keys = {flip}"),
                "PRAGMA foreign_keys",
            ],
        )
        .await;
        assert_ne!(rows(&r[1]), fresh, "{who}: the PRAGMA took no effect");
        let r = sql(base, &["PRAGMA foreign_keys"]).await;
        assert_eq!(
            rows(&r[0]),
            fresh,
            "{who} round {round}: PRAGMA carried over"
        );

        let r = sql(
            base,
            &[
                "CREATE TEMP TABLE scratch (x)",
                "INSERT INTO scratch VALUES (1)",
            ],
        )
        .await;
        assert_eq!(error(&r[0]), "(no error)", "{who}");
        let r = sql(base, &["SELECT * FROM scratch"]).await;
        assert_eq!(
            error(&r[0]),
            "Error::Io(\"no such table: scratch\")",
            "{who} round {round}"
        );

        let r = sql(
            base,
            &[
                "ATTACH DATABASE ':memory:' AS mem",
                "CREATE TABLE mem.m (x)",
            ],
        )
        .await;
        assert_eq!(
            error(&r[0]),
            "(no error)",
            "{who}: attaching memory is allowed"
        );
        let r = sql(base, &["SELECT * FROM mem.m"]).await;
        assert_eq!(
            error(&r[0]),
            "Error::Io(\"no such table: mem.m\")",
            "{who} round {round}"
        );
    }

    // Files outside the database: refused, in SQLite's words (Spin's
    // authorizer; extension loading never enabled).
    let other = dir.join("attached.db");
    let r = sql(
        base,
        &[&format!("ATTACH DATABASE '{}' AS o", other.display())],
    )
    .await;
    assert_eq!(error(&r[0]), "Error::Io(\"not authorized\")", "{who}");
    assert!(!other.exists(), "{who}: ATTACH created {}", other.display());

    let copy = dir.join("copy.db");
    let r = sql(base, &[&format!("VACUUM INTO '{}'", copy.display())]).await;
    assert_eq!(error(&r[0]), "Error::Io(\"authorization denied\")", "{who}");
    assert!(
        !copy.exists(),
        "{who}: VACUUM INTO wrote {}",
        copy.display()
    );

    let r = sql(
        base,
        &[&format!(
            "SELECT load_extension('{}')",
            dir.join("ext.so").display()
        )],
    )
    .await;
    assert_eq!(error(&r[0]), "Error::Io(\"not authorized\")", "{who}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_open_starts_clean_and_stays_in_its_database() {
    on_both_hosts_with(Probe::P2, MANIFEST, Options::default(), &[], async |t| {
        each_request_starts_clean(&t.base, &t.dir, &t.who).await
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_runaway_statement_is_interrupted_at_the_deadline() {
    let options = Options {
        request_timeout: Duration::from_millis(1500),
        ..Options::default()
    };
    let served = Served::start(AppDir::new(MANIFEST), options, &[]).await;
    sql(&served.base, &["CREATE TABLE IF NOT EXISTS t (x INTEGER)"]).await;
    // Never ends on its own, and holds a read lock on the file while it runs.
    let forever =
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c";
    let url = format!("{}/probe/sql?s0={}", served.base, percent_encode(forever));
    let r = reqwest::get(&url).await.expect("request");
    // The guest sees the interruption (and answers), unless the request's
    // own time limit stops it first (500).
    if r.status() == 200 {
        let v: serde_json::Value = r.json().await.unwrap();
        assert_eq!(error(&v["results"][0]), "Error::Io(\"interrupted\")", "{v}");
    } else {
        assert_eq!(r.status(), 500);
    }
    // Interrupted, so its lock is gone: a write succeeds (a statement still
    // running would keep it waiting until `database is locked`).
    let r = sql(
        &served.base,
        &["INSERT INTO t VALUES (7)", "SELECT count(*) FROM t"],
    )
    .await;
    assert_eq!(error(&r[0]), "(no error)");
    assert_eq!(rows(&r[1]), r#"["[Value::Integer(1)]"]"#);
    served.stop().await;
}

/// A file named by an expression, which SQLite does not show the
/// authorizer: refused all the same (redspin-host only: Spin 4.0.2
/// attaches the file).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attaching_a_file_by_expression_is_refused() {
    let served = Served::start(AppDir::new(MANIFEST), Options::default(), &[]).await;
    let file = served.app.dir.join("by-expression.db");
    let f = file.display().to_string();
    for statement in [
        format!("ATTACH DATABASE '{f}' || '' AS x"),
        format!("ATTACH (SELECT '{f}') AS x"),
        format!("ATTACH printf('%s', '{f}') AS x"),
        format!("ATTACH DATABASE '{f}' AS x"),
    ] {
        let r = sql(&served.base, &[&statement]).await;
        assert_eq!(error(&r[0]), "Error::Io(\"not authorized\")", "{statement}");
        assert!(!file.exists(), "{statement} created {f}");
    }
    for statement in [
        format!("VACUUM INTO '{f}' || ''"),
        format!("VACUUM INTO (SELECT '{f}')"),
    ] {
        let r = sql(&served.base, &[&statement]).await;
        let e = error(&r[0]);
        assert!(e.contains("authoriz"), "{statement}: {e}");
        assert!(!file.exists(), "{statement} wrote {f}");
    }
    // The authorizer cannot tell a temporary database named by an
    // expression from a file: refused too; a literal one is not.
    let r = sql(
        &served.base,
        &["ATTACH ':mem' || 'ory:' AS m", "DETACH m", "ATTACH '' AS t"],
    )
    .await;
    assert_eq!(error(&r[0]), "Error::Io(\"not authorized\")");
    assert_eq!(error(&r[2]), "(no error)");
    served.stop().await;
}

/// Rows adding up to 3 GB: refused at the result cap (as Spin does), with
/// no value longer than the cap ever built (Spin builds it, then refuses).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_huge_result_is_refused_not_collected() {
    let served = Served::start(AppDir::new(MANIFEST), Options::default(), &[]).await;
    let r = sql(
        &served.base,
        &[
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 3000) SELECT randomblob(1000000) FROM c",
            "SELECT randomblob(1000000000)",
            "SELECT length(zeroblob(200000000))",
            "SELECT 1",
        ],
    )
    .await;
    assert_eq!(
        error(&r[0]),
        "Error::Io(\"query result exceeds limit of 134217728 bytes\")"
    );
    assert_eq!(error(&r[1]), "Error::Io(\"string or blob too big\")");
    assert_eq!(error(&r[2]), "Error::Io(\"string or blob too big\")");
    // The connection goes on serving.
    assert_eq!(rows(&r[3]), r#"["[Value::Integer(1)]"]"#);
    served.stop().await;
}
