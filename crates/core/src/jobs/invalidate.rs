//! `cache.invalidate`: payload `{keys?: [...], tags?: [...]}`, at least one
//! key or tag. Keys are cache names relative to the cache namespace; tags
//! name tag indexes (see the worker's handler for how they are walked).

use serde::Serialize;
use serde_json::Value as Json;

use super::{object, strings, PayloadError};

pub const TYPE: &str = "cache.invalidate";
/// Most keys plus tags one job may name.
pub const MAX_NAMES: usize = 10_000;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CacheInvalidate {
    pub keys: Vec<String>,
    pub tags: Vec<String>,
}

impl CacheInvalidate {
    pub fn parse(payload: &Json) -> Result<Self, PayloadError> {
        let obj = object(payload, &["keys", "tags"])?;
        let p = Self {
            keys: strings(obj, "keys")?,
            tags: strings(obj, "tags")?,
        };
        if p.keys.is_empty() && p.tags.is_empty() {
            return Err(PayloadError::new("", "names no keys and no tags"));
        }
        if p.keys.len() + p.tags.len() > MAX_NAMES {
            return Err(PayloadError::new(
                "",
                format!("names more than {MAX_NAMES} keys and tags"),
            ));
        }
        for (field, names) in [("keys", &p.keys), ("tags", &p.tags)] {
            if names.iter().any(String::is_empty) {
                return Err(PayloadError::new(field, "holds an empty name"));
            }
        }
        Ok(p)
    }
}
