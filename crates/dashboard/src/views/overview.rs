//! The overview: what is wrong first, then every queue, then throughput.

use maud::{html, Markup};
use serde::Serialize;

use super::{action, chart, count, csrf, href, page, Ctx};
use crate::format::{span, thousands};
use redspin_queue::admin::{Overview, QueueRow, OVERDUE_MS};

/// A ready job waiting longer than this is reported as late.
pub const LATE_MS: u64 = 60_000;

/// Something an operator should look at, with where to look.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub text: String,
    pub href: String,
}

/// Everything the overview reports: registry entries that are no queue,
/// then [`problems`].
pub fn overview_problems(ov: &Overview) -> Vec<Problem> {
    let bad = ov.bad_queues.iter().map(|name| {
        let shown: String = name.chars().take(64).collect();
        let cut = if name.chars().count() > 64 { "…" } else { "" };
        Problem {
            text: format!(
                "the queue registry holds {shown:?}{cut}, which is no valid queue name: nothing of it can be shown; remove it from the registry set (SREM)"
            ),
            href: "/".into(),
        }
    });
    bad.chain(problems(&ov.queues)).collect()
}

/// What is wrong, worst first: dead jobs, queues nobody serves, late work,
/// workers that stopped beating.
pub fn problems(queues: &[QueueRow]) -> Vec<Problem> {
    let mut out = Vec::new();
    let link = |path: &str, q: &str| href(path, &[("queue", q.to_owned())]);
    for row in queues {
        let s = &row.stats;
        if s.dead > 0 {
            out.push(Problem {
                text: format!("{}: {} dead job(s)", s.queue, thousands(s.dead)),
                href: link("/dead", &s.queue),
            });
        }
    }
    for row in queues {
        let s = &row.stats;
        if s.paused {
            out.push(Problem {
                text: format!(
                    "{}: paused; {} ready job(s) wait until it is resumed",
                    s.queue,
                    thousands(s.ready)
                ),
                href: "/#queues".into(),
            });
        }
        if row.live_workers == 0 && (s.ready > 0 || s.scheduled > 0) {
            out.push(Problem {
                text: format!(
                    "{}: {} ready and {} scheduled job(s), and no live worker",
                    s.queue,
                    thousands(s.ready),
                    thousands(s.scheduled)
                ),
                href: "/workers".into(),
            });
        }
        if row.overdue > 0 {
            out.push(Problem {
                text: format!(
                    "{}: {} scheduled job(s) more than {} past due",
                    s.queue,
                    thousands(row.overdue),
                    span(OVERDUE_MS)
                ),
                href: link("/scheduled", &s.queue),
            });
        }
        if let Some(age) = row.oldest_ready_age_ms.filter(|a| *a > LATE_MS) {
            out.push(Problem {
                text: format!("{}: the oldest ready job has waited {}", s.queue, span(age)),
                href: "/workers".into(),
            });
        }
        if s.workers > row.live_workers {
            out.push(Problem {
                text: format!(
                    "{}: {} worker(s) stopped beating; their jobs are being recovered",
                    s.queue,
                    s.workers - row.live_workers
                ),
                href: "/workers".into(),
            });
        }
    }
    out
}

/// A queue's pause and limits, and the forms that change them.
fn switches(ctx: &Ctx, s: &redspin_core::ops::QueueStats) -> Markup {
    let q = || vec![("queue", s.queue.clone())];
    let l = &s.limits;
    let limited = l.rate.is_some() || l.concurrency.is_some();
    html! {
        @if s.paused {
            span.badge.paused data-paused { "paused" }
            (action(ctx, "/queue/resume", &q(), "Resume", ""))
        } @else {
            (action(ctx, "/queue/pause", &q(), "Pause", ""))
        }
        @if let (Some(n), Some(per)) = (l.rate, l.per_ms) {
            span.limit data-limit="rate" { "≤ " (n) " per " (span(per)) }
        }
        @if let Some(c) = l.concurrency {
            span.limit data-limit="concurrency" { "≤ " (c) " at once" }
        }
        @if limited { (action(ctx, "/queue/clear-limits", &q(), "Clear limits", "")) }
        details.limits {
            summary { "Limits" }
            form method="post" action="/queue/limit" {
                (csrf(ctx))
                input type="hidden" name="queue" value=(s.queue);
                label { "Rate " input type="number" name="rate" min="1" value=[l.rate]; }
                label { " per ms " input type="number" name="per_ms" min="1" placeholder="1000" value=[l.per_ms]; }
                label { " At once " input type="number" name="concurrency" min="1" value=[l.concurrency]; }
                button type="submit" { "Set" }
            }
        }
    }
}

pub fn overview(ctx: &Ctx, ov: &Overview) -> Markup {
    let problems = overview_problems(ov);
    let total = |f: fn(&QueueRow) -> u64| ov.queues.iter().map(f).sum::<u64>();
    page(
        ctx,
        "Overview",
        html! {
            h1 { "Overview" }
            @if problems.is_empty() {
                p.ok { "Nothing needs attention." }
            } @else {
                ul.problems aria-label="Problems" {
                    @for p in &problems { li { a href=(p.href) { (p.text) } } }
                }
            }
            div.scroll {
                table id="queues" {
                    thead { tr {
                        th { "Queue" } th.n { "Ready" } th.n { "Scheduled" } th.n { "Processing" }
                        th.n { "Dead" } th.n { "Done" } th.n { "Workers" } th.n { "Oldest ready" }
                        th { "Switches" }
                    } }
                    tbody {
                        @for row in &ov.queues {
                            @let s = &row.stats;
                            tr data-queue=(s.queue) {
                                td { (s.queue) }
                                td.n data-k="ready" { (count(s.ready)) }
                                td.n data-k="scheduled" { a href=(href("/scheduled", &[("queue", s.queue.clone())])) { (count(s.scheduled)) } }
                                td.n data-k="processing" { (count(s.processing)) }
                                td.n.bad[s.dead > 0] data-k="dead" { a href=(href("/dead", &[("queue", s.queue.clone())])) { (count(s.dead)) } }
                                td.n data-k="done" { (count(s.done)) }
                                td.n { (row.live_workers) }
                                td.n.bad[row.oldest_ready_age_ms.is_some_and(|a| a > LATE_MS)] {
                                    @match row.oldest_ready_age_ms { Some(a) => (span(a)), None => "—" }
                                }
                                td.switches { (switches(ctx, s)) }
                            }
                        }
                    }
                    @if ov.queues.len() > 1 {
                        tfoot { tr {
                            th { "All" }
                            td.n { (count(total(|r| r.stats.ready))) }
                            td.n { (count(total(|r| r.stats.scheduled))) }
                            td.n { (count(total(|r| r.stats.processing))) }
                            td.n { (count(total(|r| r.stats.dead))) }
                            td.n { (count(total(|r| r.stats.done))) }
                            td {} td {} td {}
                        } }
                    }
                }
            }
            h2 { "Throughput, last hour" }
            (chart(&ov.throughput))
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use redspin_core::ops::QueueStats;

    fn row(queue: &str, f: impl FnOnce(&mut QueueRow)) -> QueueRow {
        let mut r = QueueRow {
            stats: QueueStats {
                queue: queue.into(),
                workers: 1,
                ..QueueStats::default()
            },
            oldest_ready_age_ms: None,
            overdue: 0,
            live_workers: 1,
        };
        f(&mut r);
        r
    }

    #[test]
    fn problems_come_worst_first() {
        let cases: Vec<(Vec<QueueRow>, Vec<&str>)> = vec![
            (vec![row("a", |_| {})], vec![]),
            (
                vec![row("a", |r| r.stats.dead = 1200)],
                vec!["a: 1,200 dead job(s)"],
            ),
            (
                vec![row("a", |r| {
                    r.stats.ready = 3;
                    r.live_workers = 0;
                    r.stats.workers = 0;
                })],
                vec!["a: 3 ready and 0 scheduled job(s), and no live worker"],
            ),
            (
                vec![row("a", |r| r.overdue = 2), row("b", |r| r.stats.dead = 1)],
                vec![
                    "b: 1 dead job(s)",
                    "a: 2 scheduled job(s) more than 5 s past due",
                ],
            ),
            (
                vec![row("a", |r| r.oldest_ready_age_ms = Some(LATE_MS + 1))],
                vec!["a: the oldest ready job has waited 1 min"],
            ),
            (
                vec![row("a", |r| r.oldest_ready_age_ms = Some(LATE_MS))],
                vec![],
            ),
            (
                vec![row("a", |r| r.stats.workers = 3)],
                vec!["a: 2 worker(s) stopped beating; their jobs are being recovered"],
            ),
        ];
        for (rows, want) in cases {
            let got: Vec<String> = problems(&rows).into_iter().map(|p| p.text).collect();
            assert_eq!(got, want);
        }
        let p = problems(&[row("q 1", |r| r.stats.dead = 1)]);
        assert_eq!(p[0].href, "/dead?queue=q+1");
    }
}
