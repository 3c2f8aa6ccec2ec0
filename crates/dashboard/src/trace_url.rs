//! `--trace-url-template`: where a job's trace opens (Jaeger, Tempo, an
//! APM), the trace id put in for `{trace_id}`.

/// Why a template was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TraceUrlError {
    #[error("the trace URL template must start with http:// or https://")]
    Scheme,
    #[error("the trace URL template must contain {{trace_id}}")]
    Placeholder,
    #[error("the trace URL template must not contain spaces, quotes, angle brackets or control characters")]
    Characters,
}

/// A checked template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceUrl(String);

impl TraceUrl {
    pub fn parse(template: &str) -> Result<Self, TraceUrlError> {
        if !(template.starts_with("https://") || template.starts_with("http://")) {
            return Err(TraceUrlError::Scheme);
        }
        if !template.contains("{trace_id}") {
            return Err(TraceUrlError::Placeholder);
        }
        let bad = |c: char| c.is_whitespace() || c.is_control() || "\"'<>`".contains(c);
        if template.chars().any(bad) {
            return Err(TraceUrlError::Characters);
        }
        Ok(Self(template.to_owned()))
    }

    /// The link for `trace_id` (32 hex digits, checked where it is read).
    pub fn link(&self, trace_id: &str) -> String {
        self.0.replace("{trace_id}", trace_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_are_checked() {
        let cases = [
            ("https://jaeger.example/trace/{trace_id}", Ok(())),
            ("http://localhost:16686/trace/{trace_id}?uiFind=x", Ok(())),
            (
                "jaeger.example/trace/{trace_id}",
                Err(TraceUrlError::Scheme),
            ),
            (
                "javascript:alert(1)//{trace_id}",
                Err(TraceUrlError::Scheme),
            ),
            (
                "https://jaeger.example/trace/",
                Err(TraceUrlError::Placeholder),
            ),
            (
                "https://j.example/\"onmouseover=x/{trace_id}",
                Err(TraceUrlError::Characters),
            ),
            (
                "https://j.example/ {trace_id}",
                Err(TraceUrlError::Characters),
            ),
        ];
        for (t, want) in cases {
            assert_eq!(TraceUrl::parse(t).map(drop), want, "{t}");
        }
        let u = TraceUrl::parse("https://j.example/t/{trace_id}").unwrap();
        assert_eq!(u.link("ab"), "https://j.example/t/ab");
    }
}
