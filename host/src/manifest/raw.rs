//! `spin.toml` as written: the serde structs, before validation. Unknown
//! fields are errors (`deny_unknown_fields`), as in Spin; fields Spin
//! defines that mean nothing to this host (descriptions, authors, tool
//! settings) are read as [`IgnoredAny`].

use std::collections::BTreeMap;

use serde::de::IgnoredAny;
use serde::Deserialize;

use super::Build;
use crate::variables::VariableDef;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Raw {
    pub spin_manifest_version: toml::Value,
    pub application: RawApplication,
    #[serde(default)]
    pub variables: BTreeMap<String, VariableDef>,
    #[serde(default)]
    pub trigger: RawTriggers,
    #[serde(default)]
    pub component: BTreeMap<String, RawComponent>,
}

/// `[[trigger.http]]`, and the kinds this host does not run, by name (read
/// no further, so each is refused naming it instead of failing to parse).
#[derive(Debug, Default, Deserialize)]
pub struct RawTriggers {
    #[serde(default)]
    pub http: Vec<RawHttpTrigger>,
    #[serde(flatten)]
    pub other: BTreeMap<String, IgnoredAny>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawApplication {
    pub name: String,
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default, rename = "description")]
    _description: IgnoredAny,
    #[serde(default, rename = "authors")]
    _authors: IgnoredAny,
    #[serde(default, rename = "trigger")]
    _trigger: IgnoredAny,
    #[serde(default, rename = "targets")]
    _targets: IgnoredAny,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHttpTrigger {
    #[serde(default)]
    pub id: Option<String>,
    pub route: RawRoute,
    pub component: RawComponentRef,
    #[serde(default, rename = "executor")]
    _executor: IgnoredAny,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum RawRoute {
    Path(String),
    Private { private: bool },
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum RawComponentRef {
    Id(String),
    Inline(Box<RawComponent>),
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum RawSource {
    Path(String),
    Remote(IgnoredAny),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawComponent {
    pub source: RawSource,
    #[serde(default)]
    pub allowed_outbound_hosts: Vec<String>,
    #[serde(default)]
    pub variables: BTreeMap<String, String>,
    #[serde(default)]
    pub sqlite_databases: Vec<String>,
    #[serde(default)]
    pub key_value_stores: Vec<String>,
    #[serde(default)]
    pub environment: BTreeMap<String, String>,
    #[serde(default)]
    pub build: Option<Build>,
    #[serde(default)]
    pub ai_models: Vec<String>,
    #[serde(default)]
    pub files: Vec<toml::Value>,
    #[serde(default)]
    pub exclude_files: Vec<String>,
    #[serde(default)]
    pub dependencies: Option<toml::Value>,
    #[serde(default)]
    pub dependencies_inherit_configuration: Option<bool>,
    #[serde(default, rename = "description")]
    _description: IgnoredAny,
    #[serde(default, rename = "tool")]
    _tool: IgnoredAny,
}
