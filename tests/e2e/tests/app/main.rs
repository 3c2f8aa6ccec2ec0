//! The routes, end to end, through the real components: one test binary
//! (one link of the host), a module per route group.

mod common;

mod bad_input;
mod outage;
mod pages;
mod sessions;
mod tasks;
mod users;
mod worker;
