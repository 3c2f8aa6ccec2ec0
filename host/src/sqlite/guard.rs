//! What a guest may do on a pooled SQLite connection, and what it leaves
//! behind.
//!
//! Every connection carries an authorizer and a progress handler:
//! - The authorizer refuses, as Spin's does, `ATTACH` of a file (a temporary
//!   `''` or `':memory:'` database is allowed; `allow_attach_file = true` in
//!   the runtime configuration allows files too). SQLite answers such a
//!   statement with `not authorized`, and `VACUUM INTO` a file (an attach
//!   underneath) with `authorization denied`: the guest sees those words in
//!   `io(...)`, as under Spin. Extension loading is never enabled on these
//!   connections, so `load_extension()` fails with `not authorized` too.
//!   A file named by an expression (`ATTACH 'f' || '' AS x`), which SQLite
//!   does not show the authorizer, is refused the same way (Spin allows
//!   it), and the connection is not pooled again.
//! - It also marks the connection *tainted* when a statement would leave
//!   state that outlives the request: a `PRAGMA`, a temporary table, index,
//!   view or trigger, or an attached database. A tainted connection is
//!   closed when the request lets go of it instead of going back to the pool,
//!   so the next request starts as on a fresh connection (as in Spin, where
//!   every `open` gets a new one).
//! - The progress handler interrupts a statement still running at the
//!   request's deadline (`io("interrupted")`).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use rusqlite::hooks::{AuthAction, AuthContext, Authorization};

/// How many SQLite virtual machine steps run between deadline checks.
const PROGRESS_STEPS: i32 = 10_000;

/// The verdict on one action a statement is about to take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allow,
    /// Allowed, but the connection keeps state beyond the request.
    Taint,
    Deny,
    /// Denied, and the connection is not trusted again: the statement was
    /// one the authorizer could not see into.
    Refuse,
}

/// Decides one authorizer callback (pure; table-tested below).
pub fn judge(action: &AuthAction<'_>, allow_attach_file: bool) -> Verdict {
    match action {
        AuthAction::Attach { filename } => {
            if matches!(*filename, "" | ":memory:") || allow_attach_file {
                Verdict::Taint
            } else {
                Verdict::Deny
            }
        }
        // SQLite names the file only when it is a string literal: for
        // `ATTACH 'f' || '' AS x` the authorizer is told nothing (rusqlite
        // reports an unknown action), so it is refused unless files may be
        // attached at all. (Spin 4.0.2 allows it: the hole this closes.)
        AuthAction::Unknown {
            code: rusqlite::ffi::SQLITE_ATTACH,
            ..
        } if allow_attach_file => Verdict::Taint,
        AuthAction::Unknown {
            code: rusqlite::ffi::SQLITE_ATTACH,
            ..
        } => Verdict::Refuse,
        // `DETACH x` names its schema by an identifier, which SQLite does
        // not pass on either; detaching touches only what was attached.
        AuthAction::Unknown {
            code: rusqlite::ffi::SQLITE_DETACH,
            ..
        }
        | AuthAction::Pragma { .. }
        | AuthAction::Detach { .. }
        | AuthAction::CreateTempIndex { .. }
        | AuthAction::CreateTempTable { .. }
        | AuthAction::CreateTempTrigger { .. }
        | AuthAction::CreateTempView { .. } => Verdict::Taint,
        _ => Verdict::Allow,
    }
}

/// The per-connection flags the hooks share with the pool.
#[derive(Debug, Default)]
pub struct Guard {
    tainted: AtomicBool,
    /// Milliseconds since [`epoch`] after which statements are interrupted
    /// (`u64::MAX`: no deadline).
    deadline_ms: AtomicU64,
}

fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

fn millis_since_epoch(t: Instant) -> u64 {
    t.saturating_duration_since(epoch()).as_millis() as u64
}

impl Guard {
    /// Installs the authorizer and the progress handler on `conn`.
    pub fn install(conn: &rusqlite::Connection, allow_attach_file: bool) -> Arc<Guard> {
        let guard = Arc::new(Guard {
            tainted: AtomicBool::new(false),
            deadline_ms: AtomicU64::new(u64::MAX),
        });
        let g = guard.clone();
        conn.authorizer(Some(move |ctx: AuthContext<'_>| {
            match judge(&ctx.action, allow_attach_file) {
                Verdict::Allow => Authorization::Allow,
                Verdict::Taint => {
                    g.tainted.store(true, Ordering::Relaxed);
                    Authorization::Allow
                }
                Verdict::Deny => Authorization::Deny,
                Verdict::Refuse => {
                    g.tainted.store(true, Ordering::Relaxed);
                    Authorization::Deny
                }
            }
        }));
        let g = guard.clone();
        conn.progress_handler(
            PROGRESS_STEPS,
            Some(move || {
                millis_since_epoch(Instant::now()) >= g.deadline_ms.load(Ordering::Relaxed)
            }),
        );
        guard
    }

    /// Statements run from now on are interrupted at `deadline`.
    pub fn set_deadline(&self, deadline: Option<Instant>) {
        let ms = deadline.map_or(u64::MAX, millis_since_epoch);
        self.deadline_ms.store(ms, Ordering::Relaxed);
    }

    pub fn is_tainted(&self) -> bool {
        self.tainted.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts() {
        use AuthAction as A;
        use Verdict::*;
        let cases: &[(AuthAction<'_>, bool, Verdict)] = &[
            (
                A::Attach {
                    filename: "/etc/x.db",
                },
                false,
                Deny,
            ),
            (
                A::Attach {
                    filename: "other.db",
                },
                false,
                Deny,
            ),
            (
                A::Attach {
                    filename: "other.db",
                },
                true,
                Taint,
            ),
            (A::Attach { filename: "" }, false, Taint),
            (
                A::Attach {
                    filename: ":memory:",
                },
                false,
                Taint,
            ),
            (A::Detach { database_name: "m" }, false, Taint),
            (
                A::Unknown {
                    code: rusqlite::ffi::SQLITE_ATTACH,
                    arg1: None,
                    arg2: None,
                },
                false,
                Refuse,
            ),
            (
                A::Unknown {
                    code: rusqlite::ffi::SQLITE_ATTACH,
                    arg1: None,
                    arg2: None,
                },
                true,
                Taint,
            ),
            (
                A::Unknown {
                    code: rusqlite::ffi::SQLITE_DETACH,
                    arg1: None,
                    arg2: None,
                },
                false,
                Taint,
            ),
            (
                A::Function {
                    function_name: "lower",
                },
                false,
                Allow,
            ),
            (
                A::Pragma {
                    pragma_name: "foreign_keys",
                    pragma_value: Some("OFF"),
                },
                false,
                Taint,
            ),
            (A::CreateTempTable { table_name: "t" }, false, Taint),
            (A::CreateTempView { view_name: "v" }, false, Taint),
            (
                A::CreateTempTrigger {
                    trigger_name: "t",
                    table_name: "x",
                },
                false,
                Taint,
            ),
            (
                A::CreateTempIndex {
                    index_name: "i",
                    table_name: "x",
                },
                false,
                Taint,
            ),
            (A::CreateTable { table_name: "t" }, false, Allow),
            (
                A::Read {
                    table_name: "t",
                    column_name: "c",
                },
                false,
                Allow,
            ),
            (
                A::Transaction {
                    operation: rusqlite::hooks::TransactionOperation::Begin,
                },
                false,
                Allow,
            ),
        ];
        for (action, allow_files, want) in cases {
            assert_eq!(
                judge(action, *allow_files),
                *want,
                "{action:?} (allow_attach_file={allow_files})"
            );
        }
    }
}
