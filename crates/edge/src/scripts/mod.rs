//! The library's Lua scripts, one file per operation. Each touches one key,
//! or keys that share one hash tag (the throttle counters, `{throttle}`),
//! so each is valid on Redis Cluster.

use redspin_core::scripts::Script;

/// Indexes a user's new session; ends the oldest beyond the user's cap.
pub static SESSION_ADD: Script = Script::new("session_add", include_str!("session_add.lua"));
/// Loads a session and slides its idle expiry, within its absolute lifetime.
pub static SESSION_TOUCH: Script = Script::new("session_touch", include_str!("session_touch.lua"));
/// Takes one attempt against several counters, all or nothing.
pub static THROTTLE_ATTEMPT: Script =
    Script::new("throttle_attempt", include_str!("throttle_attempt.lua"));
/// Gives back an attempt that turned out well.
pub static THROTTLE_RELEASE: Script =
    Script::new("throttle_release", include_str!("throttle_release.lua"));
/// Reserves a place in an owner's task quota and records the owner.
pub static TASK_RESERVE: Script = Script::new("task_reserve", include_str!("task_reserve.lua"));
/// Files an entry under a tag; prunes the tag index of expired entries.
pub static TAG_ADD: Script = Script::new("tag_add", include_str!("tag_add.lua"));
