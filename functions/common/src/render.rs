//! Posts to HTML pages. Markdown is rendered with raw HTML escaped (a post
//! body cannot inject markup); titles are escaped.

use pulldown_cmark::{html, Event, Options, Parser};

/// Escapes text for HTML content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Markdown to HTML; raw HTML in the source is shown as text.
pub fn markdown(src: &str) -> String {
    let parser = Parser::new_ext(src, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH).map(
        |e| match e {
            Event::Html(s) | Event::InlineHtml(s) => Event::Text(s),
            e => e,
        },
    );
    let mut out = String::new();
    html::push_html(&mut out, parser);
    out
}

/// The whole page of a post.
pub fn post_page(title: &str, body_markdown: &str) -> String {
    let title = escape(title);
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>{title}</title></head>\n<body>\n<article>\n<h1>{title}</h1>\n{}</article>\n</body>\n</html>\n",
        markdown(body_markdown)
    )
}

/// The page for an unknown post.
pub fn not_found_page(slug: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>Not found</title></head>\n<body>\n<h1>Not found</h1>\n<p>There is no post called {}.</p>\n</body>\n</html>\n",
        escape(slug)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rendering_cases() {
        let cases = [
            ("**bold**", "<p><strong>bold</strong></p>\n"),
            ("<script>x</script>", "&lt;script&gt;x&lt;/script&gt;"),
            ("a <b>b</b>", "<p>a &lt;b&gt;b&lt;/b&gt;</p>\n"),
        ];
        for (src, want) in cases {
            assert!(
                markdown(src).contains(want),
                "{src:?} -> {:?}",
                markdown(src)
            );
        }
        let page = post_page("A <title>", "text");
        assert!(page.contains("<h1>A &lt;title&gt;</h1>"));
        assert!(not_found_page("<x>").contains("&lt;x&gt;"));
    }
}
