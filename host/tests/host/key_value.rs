//! `fermyon:spin/key-value@2.0.0`: every function and error variant, the
//! `default` store in `.spin/`, stores from `--runtime-config-file` (SQLite
//! and Redis), a store shared by two components, and the refusals at load.
//! The checks run on redspin-host and, with the same manifest and runtime
//! configuration, on real Spin, which defines the behaviour.

use std::path::Path;

use crate::common::*;
use redspin_host::manifest::App;
use redspin_host::runtime::{Options, Runtime};
use redspin_testsupport::TestRedis;

fn manifest() -> String {
    r#"
spin_manifest_version = 2
[application]
name = "kv-probe"

[[trigger.http]]
route = "/probe/..."
component = "probe"

[[trigger.http]]
route = "/other/..."
component = "other"

[component.probe]
source = "@PROBE_WASM@"
key_value_stores = ["default", "shared", "cache", "down"]

[component.other]
source = "@PROBE_WASM@"
key_value_stores = ["shared"]
"#
    .into()
}

/// The runtime configuration: `shared` a SQLite file beside it, `cache`
/// on the private Redis, `down` on a port where nothing listens.
fn runtime_config(dir: &Path, redis: &TestRedis) -> std::path::PathBuf {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let down = closed.local_addr().unwrap().port();
    drop(closed);
    let file = dir.join("runtime-config.toml");
    std::fs::write(
        &file,
        format!(
            r#"
[key_value_store.shared]
type = "spin"
path = "shared/kv.db"

[key_value_store.cache]
type = "redis"
url = "{}"

[key_value_store.down]
type = "redis"
url = "redis://127.0.0.1:{down}"
"#,
            redis.url()
        ),
    )
    .unwrap();
    file
}

async fn kv(base: &str, path: &str) -> serde_json::Value {
    let r = reqwest::get(format!("{base}{path}"))
        .await
        .expect("request");
    assert_eq!(r.status(), 200, "{path}");
    r.json().await.unwrap()
}

async fn result(base: &str, path: &str) -> String {
    let v = kv(base, path).await;
    v["result"]
        .as_str()
        .unwrap_or_else(|| panic!("{path}: {v}"))
        .to_owned()
}

/// The checks, against a host serving the app on `base`.
async fn key_value_as_spin_defines_it(base: &str, dir: &Path, redis: &TestRedis, who: &str) {
    let p = &redis.prefix;
    // Every function on the default store.
    for (path, want) in [
        ("/probe/kv?op=get&key=a", "Ok(None)"),
        ("/probe/kv?op=exists&key=a", "Ok(false)"),
        ("/probe/kv?op=delete&key=a", "Ok(())"),
        ("/probe/kv?op=set&key=a&value=one", "Ok(())"),
        ("/probe/kv?op=set&key=b&value=two", "Ok(())"),
        ("/probe/kv?op=set&key=a&value=uno", "Ok(())"),
        ("/probe/kv?op=get&key=a", "Ok(Some(\"uno\"))"),
        ("/probe/kv?op=exists&key=a", "Ok(true)"),
        ("/probe/kv?op=keys", "Ok([\"a\", \"b\"])"),
        ("/probe/kv?op=delete&key=b", "Ok(())"),
        ("/probe/kv?op=keys", "Ok([\"a\"])"),
        ("/probe/kv?op=set&key=&value=empty-key", "Ok(())"),
        ("/probe/kv?op=get&key=", "Ok(Some(\"empty-key\"))"),
        ("/probe/kv?op=set&key=e&value=", "Ok(())"),
        ("/probe/kv?op=get&key=e", "Ok(Some(\"\"))"),
    ] {
        assert_eq!(result(base, path).await, want, "{who}: {path}");
    }
    // The default store is Spin's file in .spin/, Spin's table.
    let db = rusqlite::Connection::open(dir.join(".spin/sqlite_key_value.db")).unwrap();
    let v: Vec<u8> = db
        .query_row(
            "SELECT value FROM spin_key_value WHERE store = 'default' AND key = 'a'",
            [],
            |r| r.get(0),
        )
        .unwrap_or_else(|e| panic!("{who}: the default store's file: {e}"));
    assert_eq!(v, b"uno", "{who}");

    // A store the component does not list: access-denied, whether or not
    // it exists.
    for label in ["default", "nowhere"] {
        let v = kv(base, &format!("/other/kv?op=open&store={label}")).await;
        assert_eq!(v["open_error"], "Error::AccessDenied", "{who}: {label}");
    }

    // A store shared by two components.
    assert_eq!(
        result(base, "/probe/kv?op=set&store=shared&key=s&value=from-probe").await,
        "Ok(())"
    );
    assert_eq!(
        result(base, "/other/kv?op=get&store=shared&key=s").await,
        "Ok(Some(\"from-probe\"))",
        "{who}"
    );
    assert_eq!(
        result(base, "/other/kv?op=keys&store=shared").await,
        "Ok([\"s\"])",
        "{who}"
    );
    // Stores are separate even in one file: `default` does not see `s`.
    assert_eq!(
        result(base, "/probe/kv?op=get&key=s").await,
        "Ok(None)",
        "{who}"
    );
    assert!(
        dir.join("shared/kv.db").is_file(),
        "{who}: path relative to the runtime config"
    );

    // The Redis store: keys as the guest names them.
    let key = format!("{p}:k");
    assert_eq!(
        result(
            base,
            &format!("/probe/kv?op=set&store=cache&key={key}&value=r1")
        )
        .await,
        "Ok(())",
        "{who}"
    );
    let mut conn = redis::Client::open(redis.url())
        .unwrap()
        .get_connection()
        .unwrap();
    let in_redis: Option<String> = redis::cmd("GET").arg(&key).query(&mut conn).unwrap();
    assert_eq!(in_redis.as_deref(), Some("r1"), "{who}");
    assert_eq!(
        result(base, &format!("/probe/kv?op=get&store=cache&key={key}")).await,
        "Ok(Some(\"r1\"))",
        "{who}"
    );
    assert_eq!(
        result(base, &format!("/probe/kv?op=exists&store=cache&key={key}")).await,
        "Ok(true)"
    );
    let keys = result(base, "/probe/kv?op=keys&store=cache").await;
    assert!(keys.contains(&format!("\"{key}\"")), "{who}: {keys}");
    let _: () = redis::cmd("SET")
        .arg(format!("{p}:list"))
        .arg("x")
        .query(&mut conn)
        .unwrap();
    let _: () = redis::cmd("DEL")
        .arg(format!("{p}:list"))
        .query(&mut conn)
        .unwrap();
    let _: () = redis::cmd("RPUSH")
        .arg(format!("{p}:list"))
        .arg("x")
        .query(&mut conn)
        .unwrap();
    let wrong = result(base, &format!("/probe/kv?op=get&store=cache&key={p}:list")).await;
    assert_eq!(
        wrong,
        "Err(Error::Other(\"WRONGTYPE: Operation against a key holding the wrong kind of value\"))",
        "{who}"
    );
    assert_eq!(
        result(base, &format!("/probe/kv?op=delete&store=cache&key={key}")).await,
        "Ok(())"
    );
    let gone: bool = redis::cmd("EXISTS").arg(&key).query(&mut conn).unwrap();
    assert!(!gone, "{who}");

    // Many stores open at once (Spin sets no practical limit), and as many
    // opened and closed in turn.
    let v = kv(base, "/probe/kv-many").await;
    assert_eq!(
        (&v["opened"], &v["error"]),
        (&1000.into(), &serde_json::Value::Null),
        "{who}: {v}"
    );
    let v = kv(base, "/probe/kv-many?close=1").await;
    assert_eq!(v["opened"], 1000, "{who}: {v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn key_value_stores_behave_as_in_spin() {
    let redis = TestRedis::start();
    let options = |dir: &Path| Options {
        runtime_config_file: Some(runtime_config(dir, &redis)),
        ..Options::default()
    };
    on_both_hosts_in(Probe::P2, &manifest(), options, &[], async |t| {
        key_value_as_spin_defines_it(&t.base, &t.dir, &redis, &t.who).await
    })
    .await;
}

/// Redis unreachable: `other(...)` at open, at once. (Spin 4.0.2 keeps
/// retrying such a store for minutes before it answers the same error,
/// measured at 492 s, so this is checked on redspin-host only.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_redis_store_fails_at_open() {
    let redis = TestRedis::start();
    let app = AppDir::new(&manifest());
    let options = Options {
        runtime_config_file: Some(runtime_config(&app.dir, &redis)),
        ..Options::default()
    };
    let served = Served::start(app, options, &[]).await;
    let v = kv(&served.base, "/probe/kv?op=open&store=down").await;
    let err = v["open_error"].as_str().unwrap_or_default();
    assert!(
        err.starts_with("Error::Other(") && err.contains("refused"),
        "{v}"
    );
    served.stop().await;
}

#[test]
fn an_undefined_store_is_refused_at_load() {
    let app = AppDir::new(&manifest());
    let manifest = App::load(&app.manifest()).unwrap();
    let err = match Runtime::load(&manifest, Options::default(), |_| None) {
        Ok(_) => panic!("a component listing undefined stores loaded"),
        Err(e) => format!("{e:#}"),
    };
    assert!(err.contains("unknown key_value_stores label"), "{err}");
    assert!(
        err.contains("define it in the runtime config file: [key_value_store."),
        "{err}"
    );
}

#[test]
fn an_unsupported_store_type_is_refused_naming_file_and_table() {
    let app = AppDir::new(&manifest());
    let file = app.dir.join("rc.toml");
    std::fs::write(&file, "[key_value_store.cache]\ntype = \"azure_cosmos\"\n").unwrap();
    let manifest = App::load(&app.manifest()).unwrap();
    let options = Options {
        runtime_config_file: Some(file.clone()),
        ..Options::default()
    };
    let err = match Runtime::load(&manifest, options, |_| None) {
        Ok(_) => panic!("an unsupported store type loaded"),
        Err(e) => format!("{e:#}"),
    };
    assert!(err.contains(&file.display().to_string()), "{err}");
    assert!(err.contains("[key_value_store.cache]"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_runaway_number_of_open_stores_is_refused() {
    let redis = TestRedis::start();
    let app = AppDir::new(&manifest());
    let config = runtime_config(&app.dir, &redis);
    let options = Options {
        runtime_config_file: Some(config),
        ..Options::default()
    };
    let served = Served::start(app, options, &[]).await;
    // Spin's table takes u32::MAX stores; the host stops at 65 536 so that a
    // guest in a loop cannot grow the host's memory without bound.
    let v = kv(&served.base, "/probe/kv-many?max=70000").await;
    assert_eq!(v["opened"], 65_536, "{v}");
    assert_eq!(v["error"], "Error::StoreTableFull", "{v}");
    served.stop().await;
}
