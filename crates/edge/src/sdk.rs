//! What both spin-sdk backends share: how their errors read and how a
//! reply list becomes one [`Value`].

use redspin_core::Value;

pub(crate) const INVALID_ADDRESS: &str = "invalid address (or not in allowed_outbound_hosts)";
pub(crate) const TOO_MANY: &str = "too many connections";
pub(crate) const TYPE_ERROR: &str = "unexpected reply type";

/// Spin flattens a reply into a list: one element stands for itself.
pub(crate) fn reply(results: impl ExactSizeIterator<Item = Value>) -> Value {
    let mut results = results;
    if results.len() == 1 {
        results.next().unwrap_or(Value::Nil)
    } else {
        Value::Array(results.collect())
    }
}
