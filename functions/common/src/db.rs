//! The database of record: SQLite `default`, through Spin's interface
//! (either generation's: [`crate::platform::Db`]).

use serde::{Deserialize, Serialize};

use crate::api::ApiError;
use crate::platform::Db;
use crate::sql::{DbError, SqlValue as Value};

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

pub async fn open() -> Result<Db, ApiError> {
    Db::open().await.map_err(ApiError::database)
}

const USER_COLUMNS: &str = "id, name, email, avatar, created_at, updated_at";

async fn user_rows(conn: &Db, sql: &str, params: &[Value]) -> Result<Vec<(User, String)>, DbError> {
    let result = conn.execute(sql, params).await?;
    Ok(result
        .iter()
        .filter_map(|r| {
            Some((
                User {
                    id: r.int("id")?,
                    name: r.text("name")?.to_owned(),
                    email: r.text("email")?.to_owned(),
                    avatar: r.text("avatar").map(str::to_owned),
                    created_at: r.int("created_at")?,
                    updated_at: r.int("updated_at")?,
                },
                r.text("password_hash").unwrap_or_default().to_owned(),
            ))
        })
        .collect())
}

pub async fn user(conn: &Db, id: i64) -> Result<Option<User>, ApiError> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?");
    user_rows(conn, &sql, &[Value::Integer(id)])
        .await
        .map(|mut v| v.pop().map(|(u, _)| u))
        .map_err(ApiError::database)
}

/// The user with `email` and their password hash.
pub async fn user_by_email(conn: &Db, email: &str) -> Result<Option<(User, String)>, ApiError> {
    let sql = format!("SELECT {USER_COLUMNS}, password_hash FROM users WHERE email = ?");
    user_rows(conn, &sql, &[Value::Text(email.to_owned())])
        .await
        .map(|mut v| v.pop())
        .map_err(ApiError::database)
}

/// A taken email is found by construction (`ON CONFLICT DO NOTHING`,
/// `UPDATE OR IGNORE`: no row comes back), never by reading the database's
/// error text, which differs between SQLite hosts.
fn email_taken() -> ApiError {
    ApiError::new(409, "email already registered")
}

pub async fn insert_user(
    conn: &Db,
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
        Value::text_or_null(avatar),
        Value::Integer(now),
        Value::Integer(now),
    ];
    let sql = format!(
        "INSERT INTO users (name, email, password_hash, avatar, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(email) DO NOTHING RETURNING {USER_COLUMNS}"
    );
    let mut rows = user_rows(conn, &sql, &params)
        .await
        .map_err(ApiError::database)?;
    rows.pop().map(|(u, _)| u).ok_or_else(email_taken)
}

pub async fn update_user(
    conn: &Db,
    id: i64,
    name: Option<&str>,
    email: Option<&str>,
    avatar: Option<&str>,
    now: i64,
) -> Result<Option<User>, ApiError> {
    let params = [
        Value::text_or_null(name),
        Value::text_or_null(email),
        Value::text_or_null(avatar),
        Value::Integer(now),
        Value::Integer(id),
    ];
    let sql = format!(
        "UPDATE OR IGNORE users SET name = COALESCE(?, name), email = COALESCE(?, email), avatar = COALESCE(?, avatar), updated_at = ? WHERE id = ? RETURNING {USER_COLUMNS}"
    );
    let mut rows = user_rows(conn, &sql, &params)
        .await
        .map_err(ApiError::database)?;
    match rows.pop() {
        Some((u, _)) => Ok(Some(u)),
        // Nothing updated: no such user, or the new email is another's.
        None if user(conn, id).await?.is_some() => Err(email_taken()),
        None => Ok(None),
    }
}

async fn post_rows(conn: &Db, sql: &str, params: &[Value]) -> Result<Vec<Post>, ApiError> {
    let result = conn
        .execute(sql, params)
        .await
        .map_err(ApiError::database)?;
    Ok(result
        .iter()
        .filter_map(|r| {
            Some(Post {
                slug: r.text("slug")?.to_owned(),
                title: r.text("title")?.to_owned(),
                body: r.text("body").unwrap_or_default().to_owned(),
                updated_at: r.int("updated_at")?,
            })
        })
        .collect())
}

pub async fn post(conn: &Db, slug: &str) -> Result<Option<Post>, ApiError> {
    let sql = "SELECT slug, title, body, updated_at FROM posts WHERE slug = ?";
    let params = [Value::Text(slug.to_owned())];
    Ok(post_rows(conn, sql, &params).await?.pop())
}

/// Every post's slug, title and date (no body), newest first, at most
/// [`LIST_LIMIT`].
pub async fn posts(conn: &Db) -> Result<Vec<Post>, ApiError> {
    let sql = "SELECT slug, title, updated_at FROM posts ORDER BY updated_at DESC, slug LIMIT ?";
    post_rows(conn, sql, &[Value::Integer(LIST_LIMIT)]).await
}

/// Creates or replaces a post. True when it was new.
pub async fn put_post(
    conn: &Db,
    slug: &str,
    title: &str,
    body: &str,
    now: i64,
) -> Result<bool, ApiError> {
    let existed = post(conn, slug).await?.is_some();
    conn.execute(
        "INSERT INTO posts (slug, title, body, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT(slug) DO UPDATE SET title = excluded.title, body = excluded.body, updated_at = excluded.updated_at",
        &[
            Value::Text(slug.to_owned()),
            Value::Text(title.to_owned()),
            Value::Text(body.to_owned()),
            Value::Integer(now),
        ],
    )
    .await
    .map_err(ApiError::database)?;
    Ok(!existed)
}
