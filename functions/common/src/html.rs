//! The pages a person reads: a post, the list of posts, "not found". One
//! shell for all of them: a viewport for phones, a measure near 70
//! characters, system fonts, and the one style sheet inline, allowed by
//! its hash in [`PAGE_CSP`] (nothing else runs or loads but images).

use crate::render::{escape, markdown};

/// The pages' style sheet, inlined in every page.
pub const STYLE: &str = include_str!("page.css");

/// The policy every HTML page is served with: no script at all, only the
/// inline style sheet above (by its SHA-256, checked by a test), images
/// from the web, nothing framed.
pub const PAGE_CSP: &str = "default-src 'none'; style-src 'sha256-BJ8fSks42eynbiiWWjp/s/9p8oYCcIngmFgLhq4BqbE='; img-src https: http:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// A post as the list shows it.
pub struct Summary<'a> {
    pub slug: &'a str,
    pub title: &'a str,
    pub updated_at_ms: i64,
}

fn shell(title: &str, main: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n{main}</main>\n</body>\n</html>\n",
        escape(title)
    )
}

/// `<time>` for a date of record in milliseconds since the epoch, shown
/// as "1 January 2026" (UTC); nothing for a date out of range.
fn date(ms: i64) -> String {
    let Ok(t) = time::OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000)) else {
        return String::new();
    };
    format!(
        "<time datetime=\"{:04}-{:02}-{:02}\">{} {} {}</time>",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.day(),
        t.month(),
        t.year()
    )
}

const BACK: &str = "<nav><a href=\"/posts/\">\u{2190} All posts</a></nav>\n";

/// The whole page of a post.
pub fn post_page(title: &str, updated_at_ms: i64, body_markdown: &str) -> String {
    let main = format!(
        "{BACK}<article>\n<header>\n<h1>{}</h1>\n<p class=\"meta\">{}</p>\n</header>\n{}</article>\n",
        escape(title),
        date(updated_at_ms),
        markdown(body_markdown)
    );
    shell(title, &main)
}

/// `/posts/`: every post, newest first.
pub fn list_page(posts: &[Summary<'_>]) -> String {
    let mut main = String::from("<h1>Posts</h1>\n");
    if posts.is_empty() {
        main.push_str("<p>No posts yet.</p>\n");
    } else {
        main.push_str("<ul class=\"posts\">\n");
        for p in posts {
            main.push_str(&format!(
                "<li><a href=\"/posts/{}\">{}</a><br>{}</li>\n",
                escape(p.slug),
                escape(p.title),
                date(p.updated_at_ms)
            ));
        }
        main.push_str("</ul>\n");
    }
    shell("Posts", &main)
}

/// The page for an unknown post.
pub fn not_found_page(slug: &str) -> String {
    let main = format!(
        "{BACK}<h1>Not found</h1>\n<p>There is no post called {}.</p>\n",
        escape(slug)
    );
    shell("Not found", &main)
}

#[cfg(test)]
mod tests {
    use base64::Engine;
    use sha2::Digest;

    use super::*;

    #[test]
    fn the_policy_allows_exactly_the_style_sheet() {
        let digest = sha2::Sha256::digest(STYLE.as_bytes());
        let want = format!(
            "style-src 'sha256-{}'",
            base64::engine::general_purpose::STANDARD.encode(digest)
        );
        assert!(
            PAGE_CSP.contains(&want),
            "page.css changed: put {want} in PAGE_CSP"
        );
        assert!(post_page("t", 0, "b").contains(&format!("<style>{STYLE}</style>")));
    }

    #[test]
    fn pages_cases() {
        let post = post_page("A <title>", 1_767_225_600_000, "text");
        assert!(post.contains("<h1>A &lt;title&gt;</h1>"));
        assert!(post.contains("<title>A &lt;title&gt;</title>"));
        assert!(post.contains("<time datetime=\"2026-01-01\">1 January 2026</time>"));
        assert!(post.contains("name=\"viewport\""));
        assert!(post.contains("href=\"/posts/\""));
        let list = list_page(&[Summary {
            slug: "a-b",
            title: "<T>",
            updated_at_ms: 1_764_633_600_000,
        }]);
        assert!(list.contains("<a href=\"/posts/a-b\">&lt;T&gt;</a>"));
        assert!(list.contains("2 December 2025"));
        assert!(list_page(&[]).contains("No posts yet."));
        assert!(not_found_page("<x>").contains("&lt;x&gt;"));
        // A date out of range is left out, not a panic.
        assert!(!post_page("t", i64::MAX, "b").contains("<time"));
    }
}
