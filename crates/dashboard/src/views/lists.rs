//! The scheduled and dead lists: paginated, one row per job, with actions.

use maud::{html, Markup};

use super::{action, csrf, href, job_href, page, when, Ctx};
use crate::format::{preview, thousands, truncate};
use redspin_queue::admin::{Entry, Page};

/// Rows per page.
pub const PER_PAGE: u64 = 50;
const PREVIEW: usize = 80;
const ERROR_SHOWN: usize = 120;

/// The queue picker above a list.
fn queues(path: &str, queues: &[(String, u64)], current: &str) -> Markup {
    html! {
        nav.queues aria-label="Queues" {
            @for (q, n) in queues {
                a href=(href(path, &[("queue", q.clone())])) aria-current=[(q == current).then_some("page")] {
                    (q) " " span.count { (thousands(*n)) }
                }
            }
        }
    }
}

fn pager(path: &str, page: &Page) -> Markup {
    let n = page.offset / PER_PAGE + 1;
    let pages = page.total.div_ceil(PER_PAGE).max(1);
    let link = |p: u64| {
        href(
            path,
            &[("queue", page.queue.clone()), ("page", p.to_string())],
        )
    };
    html! {
        nav.pager aria-label="Pages" {
            @if n > 1 { a rel="prev" href=(link(n - 1)) { "← Newer" } }
            span { "Page " (n) " of " (pages) " · " (thousands(page.total)) " job(s)" }
            @if n < pages { a rel="next" href=(link(n + 1)) { "Older →" } }
        }
    }
}

fn job_cells(ctx: &Ctx, e: &Entry) -> Markup {
    html! {
        @match &e.job {
            Some(j) => {
                td.id { a href=(job_href(&j.id)) { code { (j.id) } } }
                td { (j.kind) }
                td { (when(ctx.now, e.at)) }
                td.n { (j.attempts) "/" (j.max_attempts) }
                td.err { (truncate(j.last_error.as_deref().unwrap_or(""), ERROR_SHOWN)) }
                td.wide { code.preview { (preview(&j.payload, PREVIEW)) } }
            }
            None => {
                td colspan="2" { em { "unreadable entry (" (e.raw.len()) " bytes)" } }
                td { (when(ctx.now, e.at)) }
                td {} td {} td.wide {}
            }
        }
    }
}

pub fn scheduled(ctx: &Ctx, all: &[(String, u64)], p: &Page) -> Markup {
    page(
        ctx,
        "Scheduled",
        html! {
            h1 { "Scheduled" }
            p.hint { "Jobs waiting for their due time: delayed jobs and failed attempts waiting for a retry." }
            (queues("/scheduled", all, &p.queue))
            @if p.entries.is_empty() { p.empty { "Nothing scheduled in " (p.queue) "." } } @else {
                div.scroll { table id="jobs" {
                    thead { tr { th { "Job" } th { "Type" } th { "Due" } th.n { "Attempts" } th { "Last error" } th.wide { "Payload" } th {} } }
                    tbody {
                        @for e in &p.entries {
                            tr data-id=[e.job.as_ref().map(|j| &j.id)] {
                                (job_cells(ctx, e))
                                td.actions { @if let Some(j) = &e.job {
                                    (action(ctx, "/scheduled/run-now", &[("queue", p.queue.clone()), ("id", j.id.clone()), ("at", e.at.to_string())], "Run now", ""))
                                } }
                            }
                        }
                    }
                } }
                (pager("/scheduled", p))
            }
        },
    )
}

pub fn dead(ctx: &Ctx, all: &[(String, u64)], p: &Page) -> Markup {
    let confirm = |what: &str| {
        href(
            "/dead/confirm",
            &[("queue", p.queue.clone()), ("action", what.into())],
        )
    };
    page(
        ctx,
        "Dead",
        html! {
            h1 { "Dead" }
            p.hint { "Jobs that failed for good, most recent first." }
            (queues("/dead", all, &p.queue))
            @if p.entries.is_empty() { p.empty { "No dead jobs in " (p.queue) "." } } @else {
                div.bulk {
                    a.button href=(confirm("retry-all")) { "Retry all " (thousands(p.total)) }
                    " "
                    a.button.danger href=(confirm("purge-all")) { "Purge all " (thousands(p.total)) }
                }
                div.scroll { table id="jobs" {
                    thead { tr { th { "Job" } th { "Type" } th { "Died" } th.n { "Attempts" } th { "Last error" } th.wide { "Payload" } th {} } }
                    tbody {
                        @for e in &p.entries {
                            tr data-id=[e.job.as_ref().map(|j| &j.id)] {
                                (job_cells(ctx, e))
                                td.actions { @if let Some(j) = &e.job {
                                    @let fields = [("queue", p.queue.clone()), ("id", j.id.clone()), ("at", e.at.to_string())];
                                    (action(ctx, "/dead/retry", &fields, "Retry", ""))
                                    (action(ctx, "/dead/delete", &fields, "Delete", "danger"))
                                } }
                            }
                        }
                    }
                } }
                (pager("/dead", p))
            }
        },
    )
}

/// The confirmation step of "retry all" and "purge all".
pub fn confirm(ctx: &Ctx, queue: &str, action: &str, total: u64) -> Markup {
    let (title, verb, class) = match action {
        "purge-all" => ("Purge all dead jobs", "Delete", "danger"),
        _ => ("Retry all dead jobs", "Send back to the queue", ""),
    };
    page(
        ctx,
        title,
        html! {
            h1 { (title) }
            p { (verb) " " strong { (thousands(total)) " dead job(s)" } " of queue " strong { (queue) } "?"
                @if action == "purge-all" { " This cannot be undone." } }
            form method="post" action=(format!("/dead/{action}")) {
                (csrf(ctx))
                input type="hidden" name="queue" value=(queue);
                button type="submit" class=(class) { (title) }
                " "
                a href=(href("/dead", &[("queue", queue.to_owned())])) { "Cancel" }
            }
        },
    )
}
