//! Spin's SQLite key-value store (`crates/key-value-spin`): one table
//! `spin_key_value (store, key, value)` shared by every label kept in the
//! same file, so the data is the same whichever host ran last. The guest
//! never writes SQL here, so one connection serves every request.

use std::sync::{Arc, Mutex};

use crate::bindings::key_value::Error;
use crate::sqlite::Location;

/// A store: its label (the `store` column) and the file's connection.
pub struct SqliteStore {
    label: String,
    conn: Arc<Mutex<rusqlite::Connection>>,
}

/// A SQLite store could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum StoreOpenError {
    #[error("cannot create the directory {}", .dir.display())]
    Dir {
        dir: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot open or prepare {location:?}")]
    Sqlite {
        location: Location,
        #[source]
        source: rusqlite::Error,
    },
}

/// Spin hands `other(format!("{e:?}"))` to the guest for a SQLite failure.
fn other(e: rusqlite::Error) -> Error {
    tracing::warn!(error = %e, "key-value error");
    Error::Other(format!("{e:?}"))
}

impl SqliteStore {
    /// Opens the file (or memory) and creates the table.
    pub fn open(label: &str, location: &Location) -> Result<Self, StoreOpenError> {
        let sqlite = |source| StoreOpenError::Sqlite {
            location: location.clone(),
            source,
        };
        let conn = match location {
            Location::InMemory => rusqlite::Connection::open_in_memory(),
            Location::Path(path) => {
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir).map_err(|source| StoreOpenError::Dir {
                        dir: dir.to_owned(),
                        source,
                    })?;
                }
                rusqlite::Connection::open(path)
            }
        }
        .map_err(sqlite)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .and_then(|_| {
                conn.execute(
                    "CREATE TABLE IF NOT EXISTS spin_key_value (
                       store TEXT NOT NULL,
                       key   TEXT NOT NULL,
                       value BLOB NOT NULL,
                       PRIMARY KEY (store, key)
                     )",
                    [],
                )
            })
            .map_err(sqlite)?;
        Ok(Self {
            label: label.to_owned(),
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    async fn with<T: Send + 'static>(
        &self,
        f: impl FnOnce(&rusqlite::Connection, &str) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, Error> {
        let conn = self.conn.clone();
        let label = self.label.clone();
        tokio::task::spawn_blocking(move || {
            let conn = conn
                .lock()
                .map_err(|_| Error::Other("store poisoned".into()))?;
            f(&conn, &label).map_err(other)
        })
        .await
        .unwrap_or_else(|e| Err(Error::Other(format!("key-value task failed: {e}"))))
    }

    pub async fn get(&self, key: String) -> Result<Option<Vec<u8>>, Error> {
        self.with(move |c, label| {
            let mut stmt =
                c.prepare_cached("SELECT value FROM spin_key_value WHERE store=$1 AND key=$2")?;
            let mut rows = stmt.query_map([label, key.as_str()], |row| row.get::<_, Vec<u8>>(0))?;
            rows.next().transpose()
        })
        .await
    }

    pub async fn set(&self, key: String, value: Vec<u8>) -> Result<(), Error> {
        self.with(move |c, label| {
            c.prepare_cached(
                "INSERT INTO spin_key_value (store, key, value) VALUES ($1, $2, $3)
                 ON CONFLICT(store, key) DO UPDATE SET value=$3",
            )?
            .execute(rusqlite::params![label, key, value])
            .map(drop)
        })
        .await
    }

    pub async fn delete(&self, key: String) -> Result<(), Error> {
        self.with(move |c, label| {
            c.prepare_cached("DELETE FROM spin_key_value WHERE store=$1 AND key=$2")?
                .execute([label, key.as_str()])
                .map(drop)
        })
        .await
    }

    pub async fn exists(&self, key: String) -> Result<bool, Error> {
        Ok(self.get(key).await?.is_some())
    }

    pub async fn get_keys(&self) -> Result<Vec<String>, Error> {
        self.with(|c, label| {
            c.prepare_cached("SELECT key FROM spin_key_value WHERE store=$1")?
                .query_map([label], |row| row.get::<_, String>(0))?
                .collect()
        })
        .await
    }
}
