//! Live workers and the jobs each is running now.

use maud::{html, Markup};

use super::{job_href, page, when, Ctx};
use crate::format::span;
use redspin_queue::admin::WorkerRow;

pub fn workers(ctx: &Ctx, rows: &[WorkerRow]) -> Markup {
    let live = rows.iter().filter(|r| r.alive).count();
    page(
        ctx,
        "Workers",
        html! {
            h1 { "Workers" }
            p { (live) " live worker(s)"
                @if live < rows.len() { ", " strong.bad { (rows.len() - live) " presumed dead" } " (their jobs are recovered by the live ones)" }
            }
            @if rows.is_empty() {
                p.empty { "No worker has registered. Start one with " code { "redspin-worker run" } "." }
            }
            @for w in rows {
                section.worker.dead[!w.alive] data-worker=(w.id) {
                    h2 { code { (w.id) } @if !w.alive { " " span.badge.bad { "heartbeat lapsed" } } }
                    @if let Some(i) = &w.info {
                        dl.facts {
                            dt { "Host" } dd { (i.host) }
                            dt { "PID" } dd { (i.pid) }
                            dt { "Queues" } dd { (i.queues.join(", ")) }
                            dt { "Concurrency" } dd { (i.concurrency) }
                            dt { "Started" } dd { (when(ctx.now, i.started_at)) }
                            dt { "Last heartbeat" } dd { (when(ctx.now, i.beat_at)) }
                            dt { "Version" } dd { (i.version) }
                        }
                    }
                    @if w.running.is_empty() {
                        p.empty { "Idle." }
                    } @else {
                        p { (w.processing) " job(s) in its processing list" @if w.processing as usize > w.running.len() { " (first " (w.running.len()) " shown)" } }
                        div.scroll { table.running {
                            thead { tr { th { "Job" } th { "Type" } th { "Queue" } th.n { "Running for" } } }
                            tbody {
                                @for j in &w.running {
                                    tr {
                                        td { @match &j.id { Some(id) => a href=(job_href(id)) { code { (id) } }, None => em { "unreadable envelope" } } }
                                        td { (j.kind.as_deref().unwrap_or("?")) }
                                        td { (j.queue) }
                                        td.n { @match j.since { Some(s) => (span(ctx.now.saturating_sub(s))), None => "?" } }
                                    }
                                }
                            }
                        } }
                    }
                }
            }
        },
    )
}
