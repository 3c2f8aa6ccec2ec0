use std::path::{Path, PathBuf};

use super::*;

const FILE: &str = "/conf/runtime.toml";

fn parse(text: &str) -> Result<RuntimeConfig, ConfigError> {
    RuntimeConfig::parse(text, Path::new(FILE), Path::new("/app"), Path::new("/work"))
}

fn path(p: &str) -> Location {
    Location::Path(PathBuf::from(p))
}

#[test]
fn without_a_file_the_defaults_live_in_the_state_directory() {
    let c = RuntimeConfig::defaults(Path::new("/app"));
    assert_eq!(c.state_dir.as_deref(), Some(Path::new("/app/.spin")));
    assert_eq!(
        c.key_value["default"],
        StoreConfig::Sqlite(path("/app/.spin/sqlite_key_value.db"))
    );
    assert_eq!(
        c.sqlite["default"].location,
        path("/app/.spin/sqlite_db.db")
    );
    assert_eq!(c.key_value.len(), 1);
    assert_eq!(c.sqlite.len(), 1);
}

#[test]
fn stores_and_databases_resolve_as_in_spin() {
    let c = parse(
        r#"
[key_value_store.default]
type = "spin"
path = "kv/default.db"

[key_value_store.mem]
type = "spin"

[key_value_store.cache]
type = "redis"
url = "redis://:secret@127.0.0.1:6380/2"

[sqlite_database.analytics]
type = "spin"
path = "data/analytics.db"
allow_attach_file = true

[sqlite_database.scratch]
type = "spin"
"#,
    )
    .unwrap();
    // Key-value paths are relative to the file, SQLite paths to the
    // working directory.
    assert_eq!(
        c.key_value["default"],
        StoreConfig::Sqlite(path("/conf/kv/default.db"))
    );
    assert_eq!(c.key_value["mem"], StoreConfig::Sqlite(Location::InMemory));
    assert_eq!(
        c.key_value["cache"],
        StoreConfig::Redis {
            url: "redis://:secret@127.0.0.1:6380/2".into()
        }
    );
    assert_eq!(
        c.sqlite["analytics"].location,
        path("/work/data/analytics.db")
    );
    assert!(c.sqlite["analytics"].allow_attach_file);
    assert_eq!(c.sqlite["scratch"].location, Location::InMemory);
    assert!(!c.sqlite["scratch"].allow_attach_file);
    // Defaults fill in what the file leaves out.
    assert_eq!(
        c.sqlite["default"].location,
        path("/app/.spin/sqlite_db.db")
    );
}

#[test]
fn state_dir_moves_or_removes_the_defaults() {
    let c = parse("state_dir = \"state\"").unwrap();
    assert_eq!(
        c.key_value["default"],
        StoreConfig::Sqlite(path("/work/state/sqlite_key_value.db"))
    );
    assert_eq!(
        c.sqlite["default"].location,
        path("/work/state/sqlite_db.db")
    );
    let c = parse("state_dir = \"\"").unwrap();
    assert_eq!(
        c.key_value["default"],
        StoreConfig::Sqlite(Location::InMemory)
    );
    assert_eq!(c.sqlite["default"].location, Location::InMemory);
}

#[test]
fn refusals_name_the_file_and_the_table() {
    let cases = [
        (
            "[key_value_store.x]\ntype = \"azure_cosmos\"",
            "[key_value_store.x]: store type \"azure_cosmos\" is Spin's but not supported by redspin-host",
        ),
        (
            "[key_value_store.x]\ntype = \"memcached\"",
            "[key_value_store.x]: unknown store type \"memcached\"",
        ),
        ("[key_value_store.x]\npath = \"a\"", "[key_value_store.x]: missing field `type`"),
        (
            "[key_value_store.x]\ntype = \"spin\"\npth = \"typo.db\"",
            "[key_value_store.x]: unknown field `pth`",
        ),
        ("[key_value_store.x]\ntype = \"redis\"", "[key_value_store.x]: missing field `url`"),
        (
            "[key_value_store.x]\ntype = \"redis\"\nurl = \"http://h\"",
            "[key_value_store.x]: `url` is not a Redis URL",
        ),
        (
            "[key_value_store.x]\ntype = \"redis\"\nurl = \"redis://{{ host }}:6379\"",
            "[key_value_store.x]: `url` holds a `{{ template }}`: Spin does not expand",
        ),
        (
            "[sqlite_database.x]\ntype = \"libsql\"\nurl = \"u\"\ntoken = \"t\"",
            "[sqlite_database.x]: database type \"libsql\" is Spin's but not supported",
        ),
        (
            "[sqlite_database.x]\ntype = \"postgres\"",
            "[sqlite_database.x]: unknown database type \"postgres\"",
        ),
        (
            "[variables_provider]\ntype = \"vault\"",
            "`variables_provider` is not supported by redspin-host",
        ),
        ("state_dir = 3", "`state_dir` must be a string"),
        ("key_value_store = 1", "[key_value_store]: must be a table of labels"),
        ("not toml ===", "not valid TOML"),
    ];
    for (text, want) in cases {
        let err = parse(text).expect_err(text);
        let shown = format!("{err}");
        assert!(shown.contains(FILE), "{text}\n=> {shown}");
        assert!(shown.contains(want), "{text}\n=> {shown}\nwanted {want}");
    }
}

#[test]
fn a_redis_password_is_not_in_refusals() {
    let err =
        parse("[key_value_store.x]\ntype = \"redis\"\nurl = \"ftp://u:hunter2@h\"").unwrap_err();
    assert!(!format!("{err:#}").contains("hunter2"), "{err:#}");
}
