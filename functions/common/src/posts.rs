//! `/posts/` (the list) and `/posts/:slug`: whole rendered pages from the
//! page cache (tag `pages`), with strong ETags and `If-None-Match`; `PUT`
//! (admin) writes a post and invalidates its page and the list.

use http::Method;
use redspin_edge::{Cache, CachePolicy, CacheStatus, CachedPage};

use crate::api::{self, json, set_header, ApiError, ApiResult};
use crate::context::{Ctx, Response};
use crate::principal::is_admin;
use crate::{db, html, validate};

pub async fn handle(ctx: Ctx) -> Response {
    let ctx = &ctx;
    let segs = ctx.segments();
    let read = matches!(*ctx.req.method(), Method::GET | Method::HEAD);
    api::respond(match (ctx.req.method(), segs.as_slice()) {
        (_, ["posts"]) if read => get(ctx, Page::List).await,
        (_, ["posts", slug]) if read => get(ctx, Page::Post(slug)).await,
        (&Method::PUT, ["posts", slug]) => put(ctx, slug).await,
        (_, ["posts"]) => Err(api::method_not_allowed("GET, HEAD")),
        (_, ["posts", _]) => Err(api::method_not_allowed("GET, HEAD, PUT")),
        _ => Err(api::not_found()),
    })
}

/// A page this route group serves.
#[derive(Clone, Copy)]
enum Page<'a> {
    List,
    Post(&'a str),
}

const LIST_KEY: &str = "page:/posts/";
const HTML: &str = "text/html; charset=utf-8";

fn page_key(slug: &str) -> String {
    format!("page:/posts/{slug}")
}

fn not_found(slug: &str) -> CachedPage {
    CachedPage::new(404, HTML, html::not_found_page(slug))
}

async fn render_page(page: Page<'_>) -> Result<CachedPage, ApiError> {
    let conn = db::open().await?;
    Ok(match page {
        Page::List => {
            let posts = db::posts(&conn).await?;
            let list: Vec<html::Summary<'_>> = posts
                .iter()
                .map(|p| html::Summary {
                    slug: &p.slug,
                    title: &p.title,
                    updated_at_ms: p.updated_at,
                })
                .collect();
            CachedPage::new(200, HTML, html::list_page(&list))
        }
        Page::Post(slug) => match db::post(&conn, slug).await? {
            Some(p) => CachedPage::new(200, HTML, html::post_page(&p.title, p.updated_at, &p.body)),
            None => not_found(slug),
        },
    })
}

async fn get(ctx: &Ctx, page: Page<'_>) -> ApiResult {
    let config = &ctx.config;
    let key = match page {
        Page::List => LIST_KEY.to_owned(),
        Page::Post(slug) if validate::slug(slug).is_ok() => page_key(slug),
        Page::Post(slug) => {
            return Ok(page_response(ctx, not_found(slug), CacheStatus::Bypass));
        }
    };
    let (page, status) = match ctx.cache_redis().await {
        Ok(redis) => {
            let cache = Cache::new(redis, config.keys.clone());
            let policy = CachePolicy::new(config.page_ttl).tag("pages");
            // A "not found" page lives negative_ttl: unknown slugs cost
            // little and leave nothing behind for long.
            let ttl_of = |p: &CachedPage| {
                if p.status == 200 {
                    config.page_ttl
                } else {
                    config.negative_ttl
                }
            };
            let c = cache
                .get_or_compute_with(&key, &policy, ttl_of, || render_page(page))
                .await?;
            (c.value, c.status)
        }
        Err(_) => (render_page(page).await?, CacheStatus::Bypass),
    };
    Ok(page_response(ctx, page, status))
}

fn page_response(ctx: &Ctx, page: CachedPage, status: CacheStatus) -> Response {
    let max_age = if page.status == 200 {
        ctx.config.page_ttl.as_secs().min(60)
    } else {
        0
    };
    let unchanged = page.status == 200 && page.not_modified(ctx.header("if-none-match"));
    let mut resp = if unchanged {
        let mut r = http::Response::new(Vec::new());
        *r.status_mut() = http::StatusCode::NOT_MODIFIED;
        r
    } else {
        let body = if ctx.req.method() == Method::HEAD {
            Vec::new()
        } else {
            page.body.into_bytes()
        };
        api::respond_with(page.status, &page.content_type, body)
    };
    let cache_control = format!("public, max-age={max_age}, must-revalidate");
    for (name, value) in [
        ("x-cache", status.as_str()),
        ("etag", &page.etag),
        ("cache-control", &cache_control),
        ("content-security-policy", html::PAGE_CSP),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "strict-origin-when-cross-origin"),
    ] {
        set_header(&mut resp, name, value);
    }
    resp
}

async fn put(ctx: &Ctx, slug: &str) -> ApiResult {
    if !is_admin(ctx) {
        return Err(ApiError::new(401, "admin token required"));
    }
    let slug = validate::slug(slug).map_err(ApiError::bad_request)?;
    let body: validate::PutPost =
        validate::json_body(ctx.req.body()).map_err(ApiError::bad_request)?;
    let title = body.title.trim();
    if title.is_empty() || title.chars().count() > 200 {
        return Err(ApiError::bad_request("title must be 1 to 200 characters"));
    }
    let redis = api::cache_redis(ctx).await?;
    let cache = Cache::new(redis, ctx.config.keys.clone());
    cache
        .invalidate(&[&page_key(slug)])
        .await
        .map_err(|e| ApiError::unavailable("cache", &e))?;
    let conn = db::open().await?;
    let now = redspin_edge::now_ms() as i64;
    let created = db::put_post(&conn, slug, title, &body.body, now).await?;
    // Every page (this post's and the list, which shows its title and
    // date) is tagged `pages`.
    if let Err(e) = cache.invalidate_tag("pages").await {
        eprintln!("post write: page cache invalidation failed: {e}");
    }
    Ok(json(
        if created { 201 } else { 200 },
        &serde_json::json!({ "slug": slug, "title": title }),
    ))
}
