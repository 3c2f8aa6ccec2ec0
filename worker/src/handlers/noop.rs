//! `noop`: succeeds at once. For health checks and throughput benchmarks.

use crate::handler::{Handler, HandlerFuture, JobContext};

pub const TYPE: &str = "noop";

pub struct Noop;

impl Handler for Noop {
    fn handle(&self, _ctx: JobContext) -> HandlerFuture {
        Box::pin(std::future::ready(Ok(())))
    }
    fn timeout(&self) -> std::time::Duration {
        std::time::Duration::from_secs(30)
    }
}
