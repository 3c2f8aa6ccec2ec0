//! The database of record: SQLite `default`, through Spin's interface.

use serde::{Deserialize, Serialize};
use spin_sdk::sqlite::{Connection, Error, Value};

use crate::api::ApiError;

/// A user as the API shows it (never the password hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub avatar: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

pub struct Post {
    pub slug: String,
    pub title: String,
    pub body: String,
    pub updated_at: i64,
}

/// The most posts `/posts/` lists (newest first).
pub const LIST_LIMIT: i64 = 200;

pub fn open() -> Result<Connection, ApiError> {
    Connection::open_default().map_err(ApiError::database)
}

const USER_COLUMNS: &str = "id, name, email, avatar, created_at, updated_at";

fn user_rows(conn: &Connection, sql: &str, params: &[Value]) -> Result<Vec<(User, String)>, Error> {
    let result = conn.execute(sql, params)?;
    Ok(result
        .rows()
        .filter_map(|r| {
            Some((
                User {
                    id: r.get::<i64>("id")?,
                    name: r.get::<&str>("name")?.to_owned(),
                    email: r.get::<&str>("email")?.to_owned(),
                    avatar: r.get::<&str>("avatar").map(str::to_owned),
                    created_at: r.get::<i64>("created_at")?,
                    updated_at: r.get::<i64>("updated_at")?,
                },
                r.get::<&str>("password_hash")
                    .unwrap_or_default()
                    .to_owned(),
            ))
        })
        .collect())
}

pub fn user(conn: &Connection, id: i64) -> Result<Option<User>, ApiError> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?");
    user_rows(conn, &sql, &[Value::Integer(id)])
        .map(|mut v| v.pop().map(|(u, _)| u))
        .map_err(ApiError::database)
}

/// The user with `email` and their password hash.
pub fn user_by_email(conn: &Connection, email: &str) -> Result<Option<(User, String)>, ApiError> {
    let sql = format!("SELECT {USER_COLUMNS}, password_hash FROM users WHERE email = ?");
    user_rows(conn, &sql, &[Value::Text(email.to_owned())])
        .map(|mut v| v.pop())
        .map_err(ApiError::database)
}

/// A taken email is found by construction (`ON CONFLICT DO NOTHING`,
/// `UPDATE OR IGNORE`: no row comes back), never by reading the database's
/// error text, which differs between SQLite hosts.
fn email_taken() -> ApiError {
    ApiError::new(409, "email already registered")
}

pub fn insert_user(
    conn: &Connection,
    name: &str,
    email: &str,
    hash: &str,
    avatar: Option<&str>,
    now: i64,
) -> Result<User, ApiError> {
    let params = [
        Value::Text(name.to_owned()),
        Value::Text(email.to_owned()),
        Value::Text(hash.to_owned()),
        avatar.map_or(Value::Null, |a| Value::Text(a.to_owned())),
        Value::Integer(now),
        Value::Integer(now),
    ];
    let sql = format!(
        "INSERT INTO users (name, email, password_hash, avatar, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(email) DO NOTHING RETURNING {USER_COLUMNS}"
    );
    let mut rows = user_rows(conn, &sql, &params).map_err(ApiError::database)?;
    rows.pop().map(|(u, _)| u).ok_or_else(email_taken)
}

pub fn update_user(
    conn: &Connection,
    id: i64,
    name: Option<&str>,
    email: Option<&str>,
    avatar: Option<&str>,
    now: i64,
) -> Result<Option<User>, ApiError> {
    let text = |v: Option<&str>| v.map_or(Value::Null, |s| Value::Text(s.to_owned()));
    let params = [
        text(name),
        text(email),
        text(avatar),
        Value::Integer(now),
        Value::Integer(id),
    ];
    let sql = format!(
        "UPDATE OR IGNORE users SET name = COALESCE(?, name), email = COALESCE(?, email), avatar = COALESCE(?, avatar), updated_at = ? WHERE id = ? RETURNING {USER_COLUMNS}"
    );
    let mut rows = user_rows(conn, &sql, &params).map_err(ApiError::database)?;
    match rows.pop() {
        Some((u, _)) => Ok(Some(u)),
        // Nothing updated: no such user, or the new email is another's.
        None if user(conn, id)?.is_some() => Err(email_taken()),
        None => Ok(None),
    }
}

fn post_rows(conn: &Connection, sql: &str, params: &[Value]) -> Result<Vec<Post>, ApiError> {
    let result = conn.execute(sql, params).map_err(ApiError::database)?;
    Ok(result
        .rows()
        .filter_map(|r| {
            Some(Post {
                slug: r.get::<&str>("slug")?.to_owned(),
                title: r.get::<&str>("title")?.to_owned(),
                body: r.get::<&str>("body").unwrap_or_default().to_owned(),
                updated_at: r.get::<i64>("updated_at")?,
            })
        })
        .collect())
}

pub fn post(conn: &Connection, slug: &str) -> Result<Option<Post>, ApiError> {
    let sql = "SELECT slug, title, body, updated_at FROM posts WHERE slug = ?";
    Ok(post_rows(conn, sql, &[Value::Text(slug.to_owned())])?.pop())
}

/// Every post's slug, title and date (no body), newest first, at most
/// [`LIST_LIMIT`].
pub fn posts(conn: &Connection) -> Result<Vec<Post>, ApiError> {
    let sql = "SELECT slug, title, updated_at FROM posts ORDER BY updated_at DESC, slug LIMIT ?";
    post_rows(conn, sql, &[Value::Integer(LIST_LIMIT)])
}

/// Creates or replaces a post. True when it was new.
pub fn put_post(
    conn: &Connection,
    slug: &str,
    title: &str,
    body: &str,
    now: i64,
) -> Result<bool, ApiError> {
    let existed = post(conn, slug)?.is_some();
    conn.execute(
        "INSERT INTO posts (slug, title, body, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT(slug) DO UPDATE SET title = excluded.title, body = excluded.body, updated_at = excluded.updated_at",
        &[
            Value::Text(slug.to_owned()),
            Value::Text(title.to_owned()),
            Value::Text(body.to_owned()),
            Value::Integer(now),
        ],
    )
    .map_err(ApiError::database)?;
    Ok(!existed)
}
