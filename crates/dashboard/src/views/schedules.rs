//! The schedules: name, cron, zone, next and last run, and remove.

use maud::{html, Markup};

use super::{action, page, when, Ctx};
use redspin_queue::schedule::ScheduleView;

pub fn schedules(ctx: &Ctx, all: &[ScheduleView]) -> Markup {
    page(
        ctx,
        "Schedules",
        html! {
            h1 { "Schedules" }
            @if all.is_empty() {
                p.empty { "No schedules. Create one with " code { "redspin-worker schedule set NAME --cron EXPR --type T --payload JSON" } "." }
            } @else {
                div.scroll {
                    table id="schedules" {
                        thead { tr {
                            th { "Name" } th { "Cron" } th { "Zone" } th { "Type" } th { "Queue" }
                            th { "Next run" } th { "Last run" } th {}
                        } }
                        tbody {
                            @for s in all {
                                tr data-schedule=(s.name) {
                                    td { (s.name) }
                                    td { code { (s.cron) } }
                                    td { (s.tz) }
                                    td { (s.kind) }
                                    td { (s.queue) }
                                    td.bad[s.next_run_at.is_none()] {
                                        @match s.next_run_at { Some(t) => (when(ctx.now, t)), None => "never" }
                                        @if let Some(p) = &s.problem { " (" (p) ")" }
                                    }
                                    td { @match s.last_run_at { Some(t) => (when(ctx.now, t)), None => "—" } }
                                    td { (action(ctx, "/schedules/remove", &[("name", s.name.clone())], "Remove", "danger")) }
                                }
                            }
                        }
                    }
                }
            }
        },
    )
}
