//! Whole responses in the cache: a rendered page with its status, content
//! type and a strong ETag (the SHA-1 of the body), so a cache hit costs one
//! `GET` and a revalidation with `If-None-Match` costs no body at all.

use serde::{Deserialize, Serialize};

/// A rendered response, as stored in the cache.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CachedPage {
    pub status: u16,
    pub content_type: String,
    pub body: String,
    /// A strong validator: `"<sha1 of body>"`, quotes included.
    pub etag: String,
}

impl CachedPage {
    pub fn new(status: u16, content_type: impl Into<String>, body: String) -> Self {
        let etag = format!("\"{}\"", sha1_smol::Sha1::from(body.as_bytes()).digest());
        Self {
            status,
            content_type: content_type.into(),
            body,
            etag,
        }
    }

    /// True when the request's `If-None-Match` matches: answer 304.
    pub fn not_modified(&self, if_none_match_header: Option<&str>) -> bool {
        if_none_match_header.is_some_and(|h| if_none_match(h, &self.etag))
    }
}

/// RFC 9110 `If-None-Match`: `*`, or a list of entity tags compared weakly
/// (a `W/` prefix on either side is ignored).
pub fn if_none_match(header: &str, etag: &str) -> bool {
    let strip = |t: &str| t.trim().trim_start_matches("W/").to_owned();
    let ours = strip(etag);
    header.split(',').any(|t| {
        let t = t.trim();
        t == "*" || (!t.is_empty() && strip(t) == ours)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etags_are_strong_and_follow_the_body() {
        let a = CachedPage::new(200, "text/html", "<p>a</p>".into());
        let b = CachedPage::new(200, "text/html", "<p>b</p>".into());
        assert!(a.etag.starts_with('"') && a.etag.ends_with('"') && a.etag.len() == 42);
        assert_ne!(a.etag, b.etag);
        assert_eq!(
            a.etag,
            CachedPage::new(200, "text/html", "<p>a</p>".into()).etag
        );
    }

    #[test]
    fn if_none_match_cases() {
        let e = "\"abc\"";
        let cases = [
            ("\"abc\"", true),
            ("W/\"abc\"", true),
            ("\"x\", \"abc\"", true),
            ("*", true),
            ("\"abd\"", false),
            ("abc", false),
            ("", false),
            (" , ", false),
        ];
        for (h, want) in cases {
            assert_eq!(if_none_match(h, e), want, "{h:?}");
        }
        let page = CachedPage::new(200, "text/html", String::new());
        assert!(!page.not_modified(None));
    }
}
