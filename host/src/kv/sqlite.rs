//! Spin's SQLite key-value store (`crates/key-value-spin`): one table
//! `spin_key_value (store, key, value)` shared by every label kept in the
//! same file, so the data is the same whichever host ran last. The guest
//! never writes SQL here, so one connection serves every request.

use std::sync::{Arc, Mutex};

use crate::kv::Failure as Error;
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

/// What an increment found: a value of the wrong shape is the guest's
/// error, not a host panic (Spin's SQLite store panics on it).
fn as_counter(value: Option<Vec<u8>>) -> Result<i64, Error> {
    match value {
        None => Ok(0),
        Some(v) => <[u8; 8]>::try_from(v.as_slice())
            .map(i64::from_le_bytes)
            .map_err(|_| {
                Error::Other("the value is not a counter (8 bytes, a little-endian i64)".into())
            }),
    }
}

impl SqliteStore {
    /// Adds `delta` to the counter at `key` (absent: 0), stored as Spin's
    /// SQLite store stores it: eight little-endian bytes.
    pub async fn increment(&self, key: String, delta: i64) -> Result<i64, Error> {
        self.with(move |c, label| {
            let tx = c.unchecked_transaction()?;
            let old = tx
                .prepare_cached("SELECT value FROM spin_key_value WHERE store=$1 AND key=$2")?
                .query_map([label, key.as_str()], |row| row.get::<_, Vec<u8>>(0))?
                .next()
                .transpose()?;
            let new = match as_counter(old).map(|n| n.checked_add(delta)) {
                Ok(Some(n)) => n,
                Ok(None) => return Ok(Err(Error::Other("the counter would overflow".into()))),
                Err(e) => return Ok(Err(e)),
            };
            tx.prepare_cached(
                "INSERT INTO spin_key_value (store, key, value) VALUES ($1, $2, $3)
                 ON CONFLICT(store, key) DO UPDATE SET value=$3",
            )?
            .execute(rusqlite::params![label, key, new.to_le_bytes().to_vec()])?;
            tx.commit()?;
            Ok(Ok(new))
        })
        .await?
    }

    /// Sets `key` to `new` if it still holds `expected` (`None`: absent).
    pub async fn compare_and_swap(
        &self,
        key: String,
        expected: Option<Vec<u8>>,
        new: Vec<u8>,
    ) -> Result<bool, Error> {
        self.with(move |c, label| {
            let changed = match expected {
                Some(old) => c
                    .prepare_cached(
                        "UPDATE spin_key_value SET value=?4 WHERE store=?1 AND key=?2 AND value=?3",
                    )?
                    .execute(rusqlite::params![label, key, old, new])?,
                None => c
                    .prepare_cached(
                        "INSERT INTO spin_key_value (store, key, value) VALUES ($1, $2, $3)
                         ON CONFLICT(store, key) DO NOTHING",
                    )?
                    .execute(rusqlite::params![label, key, new])?,
            };
            Ok(changed == 1)
        })
        .await
    }

    /// The values of those `keys` that are present.
    pub async fn get_many(&self, keys: Vec<String>) -> Result<Vec<(String, Vec<u8>)>, Error> {
        self.with(move |c, label| {
            let mut found = Vec::new();
            let mut stmt =
                c.prepare_cached("SELECT value FROM spin_key_value WHERE store=$1 AND key=$2")?;
            for key in keys {
                let value = stmt
                    .query_map([label, key.as_str()], |row| row.get::<_, Vec<u8>>(0))?
                    .next()
                    .transpose()?;
                if let Some(v) = value {
                    found.push((key, v));
                }
            }
            Ok(found)
        })
        .await
    }

    /// Sets every pair, in one transaction.
    pub async fn set_many(&self, pairs: Vec<(String, Vec<u8>)>) -> Result<(), Error> {
        self.with(move |c, label| {
            let tx = c.unchecked_transaction()?;
            {
                let mut stmt = tx.prepare_cached(
                    "INSERT INTO spin_key_value (store, key, value) VALUES ($1, $2, $3)
                     ON CONFLICT(store, key) DO UPDATE SET value=$3",
                )?;
                for (key, value) in pairs {
                    stmt.execute(rusqlite::params![label, key, value])?;
                }
            }
            tx.commit()
        })
        .await
    }

    /// Deletes every key, in one transaction.
    pub async fn delete_many(&self, keys: Vec<String>) -> Result<(), Error> {
        self.with(move |c, label| {
            let tx = c.unchecked_transaction()?;
            {
                let mut stmt =
                    tx.prepare_cached("DELETE FROM spin_key_value WHERE store=$1 AND key=$2")?;
                for key in keys {
                    stmt.execute([label, key.as_str()])?;
                }
            }
            tx.commit()
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> SqliteStore {
        SqliteStore::open("t", &Location::InMemory).unwrap()
    }

    #[tokio::test]
    async fn compare_and_swap_compares_with_what_was_read() {
        let s = store();
        s.set("k".into(), b"1".to_vec()).await.unwrap();
        let cas = |expected: Option<&[u8]>, new: &[u8]| {
            s.compare_and_swap("k".into(), expected.map(<[u8]>::to_vec), new.to_vec())
        };
        assert!(cas(Some(b"1"), b"2").await.unwrap(), "unchanged: swapped");
        assert!(
            !cas(Some(b"1"), b"3").await.unwrap(),
            "changed since: refused"
        );
        assert!(
            !cas(None, b"3").await.unwrap(),
            "present, read as absent: refused"
        );
        assert_eq!(s.get("k".into()).await.unwrap(), Some(b"2".to_vec()));
        assert!(s
            .compare_and_swap("new".into(), None, b"x".to_vec())
            .await
            .unwrap());
    }

    #[tokio::test]
    async fn counters_are_eight_little_endian_bytes() {
        let s = store();
        assert_eq!(s.increment("n".into(), 5).await.unwrap(), 5);
        assert_eq!(s.increment("n".into(), -7).await.unwrap(), -2);
        assert_eq!(
            s.get("n".into()).await.unwrap(),
            Some((-2i64).to_le_bytes().to_vec())
        );
        s.set("w".into(), b"word".to_vec()).await.unwrap();
        assert!(s.increment("w".into(), 1).await.is_err());
        s.set("m".into(), i64::MAX.to_le_bytes().to_vec())
            .await
            .unwrap();
        assert!(s.increment("m".into(), 1).await.is_err());
    }

    #[tokio::test]
    async fn batches_leave_absent_keys_out() {
        let s = store();
        s.set_many(vec![
            ("a".into(), b"1".to_vec()),
            ("b".into(), b"2".to_vec()),
        ])
        .await
        .unwrap();
        let got = s
            .get_many(vec!["a".into(), "x".into(), "b".into()])
            .await
            .unwrap();
        assert_eq!(
            got,
            vec![("a".into(), b"1".to_vec()), ("b".into(), b"2".to_vec())]
        );
        s.delete_many(vec!["a".into(), "b".into()]).await.unwrap();
        assert!(s.get_keys().await.unwrap().is_empty());
    }
}
