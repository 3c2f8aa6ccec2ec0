//! One job: state, attempts, times, last error, payload, and the actions
//! its state allows.

use maud::{html, Markup};

use super::{action, page, when, Ctx};
use crate::format::elide;
use redspin_queue::admin::JobView;

pub fn job(ctx: &Ctx, v: &JobView) -> Markup {
    let s = &v.status;
    let state = s.state.as_str();
    let fields = |at: u64| {
        vec![
            ("queue", s.queue.clone()),
            ("id", s.id.clone()),
            ("at", at.to_string()),
        ]
    };
    page(
        ctx,
        "Job",
        html! {
            h1 { "Job " code { (s.id) } " " span class=(format!("badge {state}")) data-state=(state) { (state) } }
            dl.facts {
                dt { "Queue" } dd { (s.queue) }
                dt { "Type" } dd { (s.kind.as_deref().unwrap_or("?")) }
                dt { "Attempts" } dd { (s.attempts) @if let Some(m) = s.max_attempts { " of " (m) } }
                @if s.lost > 0 { dt { "Recovered" } dd { (s.lost) " time(s) from a worker that died" } }
                @if let Some(t) = s.enqueued_at { dt { "Enqueued" } dd { (when(ctx.now, t)) } }
                @if let Some(t) = s.run_at { dt { "Due" } dd { (when(ctx.now, t)) } }
                @if let Some(t) = s.updated_at { dt { "Updated" } dd { (when(ctx.now, t)) } }
                @if let Some(t) = &s.trace_id {
                    dt { "Trace" } dd data-trace-id=(t) { @match ctx.trace_url {
                        Some(u) => a href=(u.link(t)) rel="noopener noreferrer" target="_blank" { code { (t) } },
                        None => code { (t) },
                    } }
                }
                @if let Some(name) = &s.schedule {
                    dt { "Schedule" } dd { a href="/schedules" { (name) } @if let Some(t) = s.tick_at { ", tick " (when(ctx.now, t)) } }
                }
            }
            @if let Some(e) = &s.last_error { h2 { "Last error" } pre.err { (e) } }
            @if !s.state.is_finished() {
                div.actions {
                    (action(ctx, "/job/cancel", &[("queue", s.queue.clone()), ("id", s.id.clone())], "Cancel", "danger"))
                }
            }
            @if let Some(at) = v.at {
                div.actions {
                    @match s.state {
                        redspin_core::JobState::Dead => {
                            (action(ctx, "/dead/retry", &fields(at), "Retry", ""))
                            (action(ctx, "/dead/delete", &fields(at), "Delete", "danger"))
                        }
                        _ => (action(ctx, "/scheduled/run-now", &fields(at), "Run now", "")),
                    }
                }
            }
            h2 { "Payload" }
            @match &v.envelope {
                Some(j) => {
                    @if let Err(e) = redspin_core::jobs::check(&j.kind, &j.payload) {
                        p.error data-payload-refused { "The worker will refuse this payload: " (e) }
                    }
                    pre.payload { (serde_json::to_string_pretty(&elide(&j.payload)).unwrap_or_default()) }
                }
                None => p.empty { @match s.state {
                    redspin_core::JobState::Done | redspin_core::JobState::Cancelled => "The payload is not kept once a job is done or cancelled.",
                    _ => "The envelope was not found where its state says (it is moving, or too deep in the ready list to search).",
                } }
            }
        },
    )
}

pub fn not_found(ctx: &Ctx, id: &str) -> Markup {
    page(
        ctx,
        "Job not found",
        html! {
            h1 { "Job not found" }
            p.error { "No queue knows a job " code { (id) } ". Status records of finished jobs expire after their retention period." }
        },
    )
}
