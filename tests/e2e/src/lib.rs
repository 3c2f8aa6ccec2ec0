//! End-to-end tests of the app live in `tests/`; this crate has no code.
