//! SQLite databases by label, as Spin defines them: `default` is
//! `sqlite_db.db` in the state directory (`.spin/` beside the manifest);
//! others come from `[sqlite_database.LABEL]` tables of the runtime
//! configuration. Each request owns the connections it opens (see
//! [`pool`]); the guest's limits are in [`guard`].
//!
//! The guest interfaces: `fermyon:spin/sqlite@2.0.0` ([`v2`]) and
//! `spin:sqlite/sqlite@3.1.0` ([`v3`], which also serves 3.0.0), both over
//! [`connection`].

pub mod connection;
pub mod guard;
pub mod pool;
pub mod query;
pub mod v2;
pub mod v3;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

pub use pool::{Database, Lease, Location};

/// A failed SQLite call, in the variants both generations share.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    NoSuchDatabase,
    AccessDenied,
    InvalidConnection,
    DatabaseFull,
    Io(String),
}

/// The file name of the `default` database in the state directory.
pub const DEFAULT_DB_FILE: &str = "sqlite_db.db";

/// How one database is configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseConfig {
    pub location: Location,
    pub allow_attach_file: bool,
}

impl DatabaseConfig {
    /// The `default` database for a state directory (`None`: in memory).
    pub fn default_in(state_dir: Option<&std::path::Path>) -> Self {
        Self {
            location: match state_dir {
                Some(dir) => Location::Path(dir.join(DEFAULT_DB_FILE)),
                None => Location::InMemory,
            },
            allow_attach_file: false,
        }
    }
}

/// A database could not be prepared at start-up.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("SQLite database {label:?}: cannot create the directory {dir}")]
    Dir {
        label: String,
        dir: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("SQLite database {label:?} ({where_}): {source}")]
    Sql {
        label: String,
        where_: String,
        #[source]
        source: rusqlite::Error,
    },
    #[error("no SQLite database {0:?}")]
    Unknown(String),
    #[error("holds more than one statement: Spin runs only the first of an inline statement, so put several in a file and pass @FILE")]
    Several,
}

/// The application's databases by label.
#[derive(Debug, Default)]
pub struct Databases {
    dbs: BTreeMap<String, Arc<Database>>,
}

impl Databases {
    /// Prepares every configured database: creates parent directories and
    /// opens each file once, so a database that cannot be opened fails the
    /// start-up, naming it.
    pub fn open(configs: &BTreeMap<String, DatabaseConfig>) -> Result<Self, OpenError> {
        let mut dbs = BTreeMap::new();
        for (label, c) in configs {
            if let Location::Path(path) = &c.location {
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir).map_err(|source| OpenError::Dir {
                        label: label.clone(),
                        dir: dir.to_owned(),
                        source,
                    })?;
                }
            }
            let db = Arc::new(Database::new(c.location.clone(), c.allow_attach_file));
            let lease = db.lease(None).map_err(|source| OpenError::Sql {
                label: label.clone(),
                where_: db.describe(),
                source,
            })?;
            drop(lease);
            dbs.insert(label.clone(), db);
        }
        Ok(Self { dbs })
    }

    /// Runs SQL text (several statements) against a database at start-up.
    pub fn execute_batch(&self, label: &str, sql: &str) -> Result<(), OpenError> {
        self.at_startup(label, |conn| conn.execute_batch(sql))
    }

    /// Runs one statement (refusing text that holds more than one) at
    /// start-up.
    pub fn execute_one(&self, label: &str, sql: &str) -> Result<(), OpenError> {
        self.at_startup(label, |conn| {
            let mut stmt = conn.prepare(sql)?;
            let mut rows = stmt.raw_query();
            while rows.next()?.is_some() {}
            Ok(())
        })
    }

    /// Runs `f` on a connection to `label`, naming the database in errors.
    fn at_startup(
        &self,
        label: &str,
        f: impl FnOnce(&rusqlite::Connection) -> rusqlite::Result<()>,
    ) -> Result<(), OpenError> {
        let db = self
            .dbs
            .get(label)
            .ok_or_else(|| OpenError::Unknown(label.to_owned()))?;
        let sql_error = |source| match source {
            rusqlite::Error::MultipleStatement => OpenError::Several,
            source => OpenError::Sql {
                label: label.to_owned(),
                where_: db.describe(),
                source,
            },
        };
        let lease = db.lease(None).map_err(sql_error)?;
        f(lease.conn()).map_err(sql_error)
    }

    pub fn get(&self, label: &str) -> Option<&Arc<Database>> {
        self.dbs.get(label)
    }

    pub fn contains(&self, label: &str) -> bool {
        self.dbs.contains_key(label)
    }
}
