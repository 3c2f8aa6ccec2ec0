//! The dashboard: HTTP-level tests of every route and action, and a
//! real browser (headless Chromium over WebDriver) signing in and clicking.

mod browser;
mod defences;
mod http;
mod support;
mod switches;
mod views;
