//! W3C trace context (<https://www.w3.org/TR/trace-context/>) as a job
//! carries it: only a well-formed `traceparent` of version `00` is kept,
//! and only a well-formed trace id is read back from Redis.

/// `00-<32 hex trace id>-<16 hex span id>-<2 hex flags>`, lowercase, ids
/// not all zero.
pub fn valid_traceparent(t: &str) -> bool {
    let parts: Vec<&str> = t.split('-').collect();
    matches!(parts.as_slice(), [v, trace, span, flags]
        if *v == "00" && is_trace_id(trace) && is_id(span, 16) && hex(flags, 2))
}

/// The trace id of a valid `traceparent`.
pub fn trace_id(traceparent: &str) -> Option<&str> {
    valid_traceparent(traceparent).then(|| &traceparent[3..35])
}

/// 32 lowercase hex digits, not all zero.
pub fn is_trace_id(s: &str) -> bool {
    is_id(s, 32)
}

fn is_id(s: &str, n: usize) -> bool {
    hex(s, n) && s.bytes().any(|b| b != b'0')
}

fn hex(s: &str, n: usize) -> bool {
    s.len() == n
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_well_formed_contexts_are_kept() {
        let t = "4bf92f3577b34da6a3ce929d0e0e4736";
        let cases = [
            (format!("00-{t}-00f067aa0ba902b7-01"), Some(t)),
            (format!("00-{t}-00f067aa0ba902b7-00"), Some(t)),
            (format!("01-{t}-00f067aa0ba902b7-01"), None),
            (format!("00-{}-00f067aa0ba902b7-01", "0".repeat(32)), None),
            (format!("00-{t}-0000000000000000-01"), None),
            (format!("00-{}-00f067aa0ba902b7-01", t.to_uppercase()), None),
            (format!("00-{t}-00f067aa0ba902b7-01-x"), None),
            (format!("00-{t}-00f067aa0ba902b7"), None),
            ("".to_owned(), None),
        ];
        for (tp, want) in &cases {
            assert_eq!(trace_id(tp), *want, "{tp:?}");
        }
        assert!(is_trace_id(t));
        assert!(!is_trace_id("<script>alert(1)</script>0000000"));
    }
}
