//! The pages, rendered on the server with maud. Each page is usable
//! without JavaScript; `live.js` only refreshes the page's `<main>`.

mod chart;
mod job;
mod lists;
mod overview;
mod schedules;
mod workers;

pub use chart::chart;
pub use job::{job, not_found};
pub use lists::{confirm, dead, scheduled, PER_PAGE};
pub use overview::{overview, overview_problems, problems, Problem};
pub use schedules::schedules;
pub use workers::workers;

use maud::{html, Markup, DOCTYPE};

use super::auth::Viewer;
use super::format::{absolute, relative, thousands};

/// The sections in the navigation bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Overview,
    Workers,
    Scheduled,
    Schedules,
    Dead,
    Job,
    SignIn,
}

/// What every page needs to know about the request.
pub struct Ctx<'a> {
    pub viewer: Option<&'a Viewer>,
    /// Signed in with a token (so there is a sign-out button).
    pub signed_in: bool,
    pub now: u64,
    pub section: Section,
    /// A notice to show once (after an action).
    pub notice: Option<String>,
    /// Where traces open (`--trace-url-template`).
    pub trace_url: Option<&'a crate::TraceUrl>,
}

/// The stylesheet and the live-refresh script, served from the binary.
pub const STYLE: &str = include_str!("../assets/style.css");
pub const SCRIPT: &str = include_str!("../assets/live.js");

/// The page shell: head, navigation, notice, and `body` in `<main>`.
pub fn page(ctx: &Ctx, title: &str, body: Markup) -> Markup {
    let nav = [
        (Section::Overview, "/", "Overview"),
        (Section::Workers, "/workers", "Workers"),
        (Section::Scheduled, "/scheduled", "Scheduled"),
        (Section::Schedules, "/schedules", "Schedules"),
        (Section::Dead, "/dead", "Dead"),
    ];
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · redspin" }
                link rel="stylesheet" href="/assets/style.css";
                script src="/assets/live.js" defer {}
            }
            body {
                header {
                    a.brand href="/" { "redspin" }
                    @if ctx.section != Section::SignIn {
                        nav {
                            @for (section, href, label) in nav {
                                a href=(href) aria-current=[(section == ctx.section).then_some("page")] { (label) }
                            }
                        }
                        form.search method="get" action="/job" role="search" {
                            input type="search" name="id" placeholder="Job id" aria-label="Job id" required;
                            button type="submit" { "Find" }
                        }
                        label.live title="Refresh this page every 3 seconds" {
                            input type="checkbox" id="live"; " Live"
                        }
                        @if ctx.signed_in {
                            @if let Some(v) = ctx.viewer {
                                form.signout method="post" action="/logout" {
                                    input type="hidden" name="csrf" value=(v.csrf);
                                    button type="submit" { "Sign out" }
                                }
                            }
                        }
                    }
                }
                main data-now=(ctx.now) {
                    @if let Some(n) = &ctx.notice {
                        p.notice role="status" { (n) }
                    }
                    (body)
                }
            }
        }
    }
}

/// A time as "3 min ago", with the absolute time on hover.
pub fn when(now: u64, at: u64) -> Markup {
    html! { time datetime=(at) title=(absolute(at)) { (relative(now, at)) } }
}

/// A count with thousands separators.
pub fn count(n: u64) -> Markup {
    html! { span.num { (thousands(n)) } }
}

/// The hidden CSRF field of a form.
pub fn csrf(ctx: &Ctx) -> Markup {
    html! {
        @if let Some(v) = ctx.viewer {
            input type="hidden" name="csrf" value=(v.csrf);
        }
    }
}

/// A one-button POST form.
pub fn action(
    ctx: &Ctx,
    path: &str,
    fields: &[(&str, String)],
    label: &str,
    class: &str,
) -> Markup {
    html! {
        form.inline method="post" action=(path) {
            (csrf(ctx))
            @for (name, value) in fields {
                input type="hidden" name=(name) value=(value);
            }
            button type="submit" class=(class) { (label) }
        }
    }
}

/// `/job?id=ID`, escaped.
pub fn job_href(id: &str) -> String {
    let q: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("id", id)
        .finish();
    format!("/job?{q}")
}

/// A path with a query built from pairs, escaped.
pub fn href(path: &str, pairs: &[(&str, String)]) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    format!("{path}?{}", s.finish())
}

/// The sign-in form.
pub fn sign_in(ctx: &Ctx, error: Option<&str>) -> Markup {
    page(
        ctx,
        "Sign in",
        html! {
            section.signin {
                h1 { "Sign in" }
                @if let Some(e) = error { p.error role="alert" { (e) } }
                form method="post" action="/login" {
                    label for="token" { "Dashboard token" }
                    input id="token" type="password" name="token" autocomplete="current-password" required autofocus;
                    button type="submit" { "Sign in" }
                }
            }
        },
    )
}

/// An error page (the status line says what kind).
pub fn error(ctx: &Ctx, title: &str, message: &str) -> Markup {
    page(
        ctx,
        title,
        html! { section { h1 { (title) } p.error { (message) } } },
    )
}
