//! The runtime configuration file (`--runtime-config-file`, as `spin up`'s):
//! where the key-value stores and SQLite databases of an app live.
//!
//! ```toml
//! state_dir = ".spin"            # optional; "" keeps default stores in memory
//!
//! [key_value_store.default]      # optional; overrides .spin/sqlite_key_value.db
//! type = "spin"
//! path = "data/kv.db"            # relative to this file; no path: in memory
//!
//! [key_value_store.cache]
//! type = "redis"
//! url = "redis://127.0.0.1:6379"
//!
//! [sqlite_database.analytics]
//! type = "spin"
//! path = "analytics.db"          # relative to the working directory, as in Spin
//! allow_attach_file = false
//! ```
//!
//! Paths resolve as Spin resolves them (`crates/runtime-config`,
//! `crates/key-value-spin`, `crates/sqlite`): key-value paths against the
//! file's directory, SQLite paths against the working directory, the state
//! directory against the working directory. Without the file, and for any
//! label it does not set, `default` is a SQLite file in the state directory
//! (`sqlite_key_value.db` for key-value, `sqlite_db.db` for SQLite).
//!
//! `[outbound_networking]` and `[[client_tls]]` are read as Spin reads them
//! ([`networking`]).
//!
//! Everything the host does not implement is refused, naming the file and
//! the table: a store type other than `spin` and `redis`, a database type
//! other than `spin`, an unknown field, a top-level key other than these.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

pub mod networking;

pub use networking::ClientTls;

use crate::kv::StoreConfig;
use crate::networks::BlockedNetworks;
use crate::sqlite::{DatabaseConfig, Location};

/// The default key-value store's file name in the state directory.
pub const DEFAULT_KV_FILE: &str = "sqlite_key_value.db";

/// The resolved configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct RuntimeConfig {
    /// `None`: default stores live in memory.
    pub state_dir: Option<PathBuf>,
    pub key_value: BTreeMap<String, StoreConfig>,
    pub sqlite: BTreeMap<String, DatabaseConfig>,
    /// `[outbound_networking] block_networks`.
    pub blocked: BlockedNetworks,
    /// `[[client_tls]]`, in the file's order.
    pub client_tls: Vec<ClientTls>,
}

/// A runtime configuration that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the runtime config file {}", file.display())]
    Read {
        file: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("runtime config file {}: not valid TOML", file.display())]
    Toml {
        file: PathBuf,
        #[source]
        source: toml::de::Error,
    },
    #[error("runtime config file {}: [{table}]: {message}", file.display())]
    Table {
        file: PathBuf,
        table: String,
        message: String,
    },
    #[error("runtime config file {}: {message}", file.display())]
    TopLevel { file: PathBuf, message: String },
    #[error("cannot find the working directory")]
    Cwd(#[source] std::io::Error),
}

/// The top-level keys the host implements.
const KNOWN_KEYS: [&str; 5] = [
    "state_dir",
    "key_value_store",
    "sqlite_database",
    "outbound_networking",
    "client_tls",
];

#[derive(Deserialize)]
struct Typed {
    #[serde(rename = "type")]
    kind: String,
    #[serde(flatten)]
    rest: toml::Table,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SpinStore {
    path: Option<PathBuf>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RedisStore {
    url: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SpinDatabase {
    path: Option<PathBuf>,
    #[serde(default)]
    allow_attach_file: bool,
}

/// Where a relative path in the file resolves.
struct Bases {
    file_dir: PathBuf,
    cwd: PathBuf,
}

impl RuntimeConfig {
    /// The configuration without a file: default stores under
    /// `app_dir/.spin`.
    pub fn defaults(app_dir: &Path) -> Self {
        let mut c = Self {
            state_dir: Some(app_dir.join(".spin")),
            key_value: BTreeMap::new(),
            sqlite: BTreeMap::new(),
            blocked: BlockedNetworks::default(),
            client_tls: Vec::new(),
        };
        c.add_defaults();
        c
    }

    /// Reads `file` for the app in `app_dir`.
    pub fn load(file: &Path, app_dir: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(file).map_err(|source| ConfigError::Read {
            file: file.to_owned(),
            source,
        })?;
        let cwd = std::env::current_dir().map_err(ConfigError::Cwd)?;
        Self::parse(&text, file, app_dir, &cwd)
    }

    /// Parses the file's text (`file` names it in errors and is the base of
    /// key-value paths; `cwd` the base of SQLite and state paths).
    pub fn parse(text: &str, file: &Path, app_dir: &Path, cwd: &Path) -> Result<Self, ConfigError> {
        let table: toml::Table = toml::from_str(text).map_err(|source| ConfigError::Toml {
            file: file.to_owned(),
            source,
        })?;
        let top = |message: String| ConfigError::TopLevel {
            file: file.to_owned(),
            message,
        };
        if let Some(key) = table.keys().find(|k| !KNOWN_KEYS.contains(&k.as_str())) {
            return Err(top(format!(
                "`{key}` is not supported by redspin-host (it reads {})",
                KNOWN_KEYS.join(", ")
            )));
        }
        let state_dir = match table.get("state_dir") {
            None => Some(app_dir.join(".spin")),
            Some(toml::Value::String(s)) if s.is_empty() => None,
            Some(toml::Value::String(s)) => Some(cwd.join(s)),
            Some(other) => {
                return Err(top(format!(
                    "`state_dir` must be a string, not {}",
                    other.type_str()
                )))
            }
        };
        let bases = Bases {
            file_dir: file
                .parent()
                .map(Path::to_owned)
                .unwrap_or_else(|| cwd.to_owned()),
            cwd: cwd.to_owned(),
        };
        let table_err = |table: &str, message: String| ConfigError::Table {
            file: file.to_owned(),
            table: table.to_owned(),
            message,
        };
        let mut c = Self {
            state_dir,
            key_value: BTreeMap::new(),
            sqlite: BTreeMap::new(),
            blocked: networking::blocked(table.get("outbound_networking"))
                .map_err(|m| table_err("outbound_networking", m))?,
            client_tls: networking::client_tls(table.get("client_tls"), &bases.file_dir)
                .map_err(|m| table_err("[client_tls]", m))?,
        };
        for (label, typed) in labelled(&table, "key_value_store", file)? {
            let store = kv_store(typed, &bases).map_err(|message| ConfigError::Table {
                file: file.to_owned(),
                table: format!("key_value_store.{label}"),
                message,
            })?;
            c.key_value.insert(label, store);
        }
        for (label, typed) in labelled(&table, "sqlite_database", file)? {
            let db = database(typed, &bases).map_err(|message| ConfigError::Table {
                file: file.to_owned(),
                table: format!("sqlite_database.{label}"),
                message,
            })?;
            c.sqlite.insert(label, db);
        }
        c.add_defaults();
        Ok(c)
    }

    fn add_defaults(&mut self) {
        let kv = match &self.state_dir {
            Some(dir) => Location::Path(dir.join(DEFAULT_KV_FILE)),
            None => Location::InMemory,
        };
        self.key_value
            .entry("default".into())
            .or_insert(StoreConfig::Sqlite(kv));
        let db = DatabaseConfig::default_in(self.state_dir.as_deref());
        self.sqlite.entry("default".into()).or_insert(db);
    }
}

/// The `[NAME.LABEL]` tables under `name`, each with its `type`.
fn labelled(
    table: &toml::Table,
    name: &str,
    file: &Path,
) -> Result<Vec<(String, Typed)>, ConfigError> {
    let Some(value) = table.get(name) else {
        return Ok(Vec::new());
    };
    let err = |table: String, message: String| ConfigError::Table {
        file: file.to_owned(),
        table,
        message,
    };
    let toml::Value::Table(labels) = value else {
        return Err(err(name.into(), "must be a table of labels".into()));
    };
    labels
        .iter()
        .map(|(label, v)| {
            let typed: Typed = v.clone().try_into().map_err(|e: toml::de::Error| {
                err(format!("{name}.{label}"), e.message().to_owned())
            })?;
            Ok((label.clone(), typed))
        })
        .collect()
}

fn fields<T: serde::de::DeserializeOwned>(rest: toml::Table) -> Result<T, String> {
    toml::Value::Table(rest)
        .try_into()
        .map_err(|e: toml::de::Error| e.message().to_owned())
}

fn kv_store(typed: Typed, bases: &Bases) -> Result<StoreConfig, String> {
    match typed.kind.as_str() {
        "spin" => {
            let s: SpinStore = fields(typed.rest)?;
            Ok(StoreConfig::Sqlite(match s.path {
                Some(p) => Location::Path(bases.file_dir.join(p)),
                None => Location::InMemory,
            }))
        }
        "redis" => {
            let s: RedisStore = fields(typed.rest)?;
            if s.url.contains("{{") {
                return Err("`url` holds a `{{ template }}`: Spin does not expand templates in the runtime config, so neither does redspin-host; write the URL itself".into());
            }
            redis::parse_redis_url(&s.url)
                .ok_or_else(|| "`url` is not a Redis URL (redis://, rediss:// or unix://)".to_owned())?;
            Ok(StoreConfig::Redis { url: s.url })
        }
        "azure_cosmos" | "aws_dynamo" => Err(format!(
            "store type {:?} is Spin's but not supported by redspin-host (use \"spin\" or \"redis\")",
            typed.kind
        )),
        other => Err(format!(
            "unknown store type {other:?} (redspin-host supports \"spin\" and \"redis\")"
        )),
    }
}

fn database(typed: Typed, bases: &Bases) -> Result<DatabaseConfig, String> {
    match typed.kind.as_str() {
        "spin" => {
            let d: SpinDatabase = fields(typed.rest)?;
            Ok(DatabaseConfig {
                location: match d.path {
                    Some(p) => Location::Path(bases.cwd.join(p)),
                    None => Location::InMemory,
                },
                allow_attach_file: d.allow_attach_file,
            })
        }
        "libsql" => Err(
            "database type \"libsql\" is Spin's but not supported by redspin-host (use \"spin\")"
                .into(),
        ),
        other => Err(format!(
            "unknown database type {other:?} (redspin-host supports \"spin\")"
        )),
    }
}

#[cfg(test)]
mod tests;
