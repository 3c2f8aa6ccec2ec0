//! The probe's SQLite calls through the real host, on real Spin too
//! ([`on_both_hosts`]): values and errors as Spin maps them, databases a
//! component may not open, startup statements (`--sqlite`) and named
//! databases from the runtime configuration.

use crate::common::*;
use crate::interfaces::{manifest, VARS};
use redspin_host::runtime::Options;
use redspin_testsupport::TestRedis;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_round_trip_permissions_and_startup_statements() {
    let redis = TestRedis::start();
    let seeds =
        std::env::temp_dir().join(format!("redspin-seed-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&seeds).unwrap();
    std::fs::write(seeds.join("seed.sql"), "INSERT INTO seeded VALUES (8);").unwrap();
    let options = Options {
        sqlite_statements: vec![
            "CREATE TABLE seeded (x INTEGER)".into(),
            "INSERT INTO seeded VALUES (7)".into(),
            format!("@{}", seeds.join("seed.sql").display()),
        ],
        ..Options::default()
    };
    let m = manifest(redis.url(), "");
    on_both_hosts(&m, options, &VARS, async |s| {
    let r = s.json("/probe/sqlite").await;
    assert_eq!(
        r["columns"],
        serde_json::json!(["id", "name", "score", "data", "empty"])
    );
    assert_eq!(
        r["row"],
        "[Value::Integer(1), Value::Text(\"ann\"), Value::Real(1.5), Value::Blob([1, 2]), Value::Null]"
    );
    assert!(r["bad"].as_str().unwrap().starts_with("Some(Error::Io("));
    // A component that does not list the database, and a database not listed.
    assert_eq!(
        s.json("/bare/sqlite").await["open_error"],
        "Error::AccessDenied"
    );
    assert_eq!(
        s.json("/probe/sqlite?db=other").await["open_error"],
        "Error::AccessDenied"
    );
    // The default database lives where Spin keeps it, with the seed applied.
    let db = rusqlite::Connection::open(s.dir.join(".spin/sqlite_db.db")).unwrap();
    let sum: i64 = db
        .query_row("SELECT SUM(x) FROM seeded", [], |r| r.get(0))
        .unwrap();
    assert_eq!(sum, 15, "{}", s.who);
    })
    .await;
    let _ = std::fs::remove_dir_all(&seeds);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn named_databases_come_from_the_runtime_config() {
    let dir = std::env::temp_dir().join(format!("redspin-named-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("runtime-config.toml");
    let db_file = dir.join("analytics.db");
    std::fs::write(
        &config,
        format!(
            "[sqlite_database.analytics]\ntype = \"spin\"\npath = \"{}\"\n",
            db_file.display()
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("schema.sql"),
        "CREATE TABLE hits (n INTEGER); INSERT INTO hits VALUES (41);",
    )
    .unwrap();
    let manifest = r#"
spin_manifest_version = 2
[application]
name = "named-db"
[[trigger.http]]
route = "/probe/..."
component = "probe"
[component.probe]
source = "@PROBE_WASM@"
sqlite_databases = ["default", "analytics"]
"#;
    let options = Options {
        runtime_config_file: Some(config.clone()),
        sqlite_statements: vec![format!("@{}:analytics", dir.join("schema.sql").display())],
        ..Options::default()
    };
    on_both_hosts(manifest, options, &[], async |s| {
        let r = s
            .json("/probe/sql?db=analytics&s0=UPDATE+hits+SET+n+%3D+n+%2B+1&s1=SELECT+n+FROM+hits")
            .await;
        assert_eq!(
            r["results"][1]["rows"][0], "[Value::Integer(42)]",
            "{}: {r}",
            s.who
        );
        // The default database is another file.
        let r = s.json("/probe/sql?s0=SELECT+n+FROM+hits").await;
        assert_eq!(
            r["results"][0]["error"], "Error::Io(\"no such table: hits\")",
            "{}: {r}",
            s.who
        );
        let _ = std::fs::remove_file(&db_file);
    })
    .await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn startup_sql_is_one_inline_statement_or_a_file() {
    let app = AppDir::new(&manifest("redis://127.0.0.1:6379", ""));
    let manifest = redspin_host::manifest::App::load(&app.manifest()).unwrap();
    for (statements, want) in [
        (
            vec!["CREATE TABLE a (x); CREATE TABLE b (x)"],
            "holds more than one statement",
        ),
        (vec!["@"], "no file after '@'"),
        (vec!["@seed.sql:"], "the database label after ':' is empty"),
        (
            vec!["@/nonexistent/seed.sql"],
            "cannot read /nonexistent/seed.sql",
        ),
        (vec!["SELEKT 1"], "syntax error"),
    ] {
        let options = Options {
            sqlite_statements: statements.iter().map(|s| s.to_string()).collect(),
            ..Options::default()
        };
        let err = match redspin_host::runtime::Runtime::load(&manifest, options, |k| {
            (k == "SPIN_VARIABLE_TOKEN").then(|| "x".to_owned())
        }) {
            Ok(_) => panic!("{statements:?} loaded"),
            Err(e) => format!("{e:#}"),
        };
        assert!(err.contains(want), "{statements:?}: {err}");
        assert!(err.contains("--sqlite"), "{statements:?}: {err}");
    }
}
