//! Markdown to HTML. Markdown is rendered with raw HTML escaped (a post
//! body cannot inject markup), link and image URLs limited to safe schemes,
//! and text escaped. The pages around it are in [`crate::html`].

use pulldown_cmark::{html, CowStr, Event, Options, Parser, Tag};

/// Where a link or image may point: `http`, `https`, `mailto`, or a
/// relative URL. Judged as a browser reads the URL (tabs and newlines
/// dropped, leading controls and spaces ignored, schemes in any case;
/// pulldown-cmark has already decoded entities such as `&#106;`). A colon
/// before any `/`, `?` or `#` is taken as a scheme, even one a browser
/// would not accept, so nothing unusual passes.
pub fn safe_url(url: &str) -> bool {
    let cleaned: String = url
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    let cleaned = cleaned.trim_start_matches(|c: char| c <= ' ');
    match cleaned.find([':', '/', '?', '#']) {
        Some(i) if cleaned[i..].starts_with(':') => {
            let scheme = cleaned[..i].to_ascii_lowercase();
            matches!(scheme.as_str(), "http" | "https" | "mailto")
        }
        _ => true,
    }
}

/// A link or image target, or `#` in place of an unsafe one.
fn neutralise(url: CowStr<'_>) -> CowStr<'_> {
    if safe_url(&url) {
        url
    } else {
        CowStr::Borrowed("#")
    }
}

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

/// Markdown to HTML; raw HTML in the source is shown as text, unsafe link
/// and image URLs become `#`.
pub fn markdown(src: &str) -> String {
    let parser = Parser::new_ext(src, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH).map(
        |e| match e {
            Event::Html(s) | Event::InlineHtml(s) => Event::Text(s),
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => Event::Start(Tag::Link {
                link_type,
                dest_url: neutralise(dest_url),
                title,
                id,
            }),
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) => Event::Start(Tag::Image {
                link_type,
                dest_url: neutralise(dest_url),
                title,
                id,
            }),
            e => e,
        },
    );
    let mut out = String::new();
    html::push_html(&mut out, parser);
    out
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
        assert!(markdown("[x](javascript:alert(1))").contains("<a href=\"#\">x</a>"));
        assert!(markdown("![i](data:image/png;base64,AAAA)").contains("src=\"#\""));
        assert!(markdown("<javascript:alert(1)>").contains("href=\"#\""));
        assert!(markdown("[x](https://example.com/a)").contains("href=\"https://example.com/a\""));
    }

    #[test]
    fn only_safe_schemes_pass() {
        let cases = [
            ("https://example.com/", true),
            ("http://example.com/", true),
            ("HTTPS://example.com/", true),
            ("mailto:a@example.com", true),
            ("/posts/hello", true),
            ("hello-world", true),
            ("./a:b", true),
            ("?q=1", true),
            ("#top", true),
            ("//example.com/x", true),
            ("", true),
            ("javascript:alert(1)", false),
            ("JavaScript:alert(1)", false),
            ("  javascript:alert(1)", false),
            ("\u{1}javascript:alert(1)", false),
            ("java\tscript:alert(1)", false),
            ("java\nscript:alert(1)", false),
            ("jav\r\nascript:alert(1)", false),
            ("vbscript:msgbox(1)", false),
            ("data:text/html,<script>x</script>", false),
            ("file:///etc/passwd", false),
            ("javascript&#58;alert(1)", true),
        ];
        for (url, want) in cases {
            assert_eq!(safe_url(url), want, "{url:?}");
        }
        // Entities are decoded by the Markdown parser before the check.
        for src in [
            "[x](&#106;avascript:alert(1))",
            "[x](javascript&#58;alert(1))",
            "[x](&#x6A;avascript&colon;alert(1))",
            "[x](<java\tscript:alert(1)>)",
        ] {
            let html = markdown(src);
            assert!(
                !html.to_ascii_lowercase().contains("script:"),
                "{src:?} -> {html:?}"
            );
        }
    }
}
