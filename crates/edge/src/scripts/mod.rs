//! The library's Lua scripts, one file per operation. Each touches one key,
//! so each is valid on Redis Cluster.

use redspin_core::scripts::Script;

/// Adds a member to a set and makes the set live at least as long as the
/// entry it points to.
pub static ADD_EXTEND: Script = Script::new("add_extend", include_str!("add_extend.lua"));
/// Loads a session and slides its idle expiry, within its absolute lifetime.
pub static SESSION_TOUCH: Script = Script::new("session_touch", include_str!("session_touch.lua"));
