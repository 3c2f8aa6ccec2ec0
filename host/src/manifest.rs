//! `spin.toml` (manifest version 2): parsing and validation.
//!
//! Supported: `[application]`, `[variables]`, `[[trigger.http]]` (`route` as
//! a pattern or `{ private = true }`, `component` by id or inline),
//! `[component.ID]` with `source` (a local path), `allowed_outbound_hosts`,
//! `variables`, `sqlite_databases`, `environment`, `build`. Unknown fields
//! are errors, as in Spin; known Spin features this host does not provide
//! (key-value stores, AI models, files, remote sources) are refused at load
//! with a message that says so, instead of failing on first use.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use thiserror::Error;

use crate::variables::{self, Part, VariableDef};

#[derive(Debug, Error)]
pub enum ManifestError {
    #[error("cannot read manifest {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid manifest {path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("{path}: {place}: {message}")]
    Invalid {
        path: PathBuf,
        place: String,
        message: String,
    },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    spin_manifest_version: toml::Value,
    application: RawApplication,
    #[serde(default)]
    variables: BTreeMap<String, VariableDef>,
    #[serde(default)]
    trigger: BTreeMap<String, Vec<RawHttpTrigger>>,
    #[serde(default)]
    component: BTreeMap<String, RawComponent>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawApplication {
    name: String,
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    authors: Vec<String>,
    #[serde(default)]
    trigger: Option<toml::Value>,
    #[serde(default)]
    targets: Option<toml::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHttpTrigger {
    #[serde(default)]
    id: Option<String>,
    route: RawRoute,
    component: RawComponentRef,
    #[serde(default)]
    executor: Option<toml::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RawRoute {
    Path(String),
    Private { private: bool },
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RawComponentRef {
    Id(String),
    Inline(Box<RawComponent>),
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RawSource {
    Path(String),
    Remote(serde::de::IgnoredAny),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawComponent {
    source: RawSource,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    allowed_outbound_hosts: Vec<String>,
    #[serde(default)]
    variables: BTreeMap<String, String>,
    #[serde(default)]
    sqlite_databases: Vec<String>,
    #[serde(default)]
    environment: BTreeMap<String, String>,
    #[serde(default)]
    build: Option<Build>,
    #[serde(default)]
    key_value_stores: Vec<String>,
    #[serde(default)]
    ai_models: Vec<String>,
    #[serde(default)]
    files: Vec<toml::Value>,
    #[serde(default)]
    exclude_files: Vec<String>,
    #[serde(default)]
    dependencies: Option<toml::Value>,
    #[serde(default)]
    dependencies_inherit_configuration: Option<bool>,
    #[serde(default)]
    tool: Option<toml::Value>,
}

/// `[component.X.build]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Build {
    pub command: BuildCommand,
    #[serde(default)]
    pub workdir: Option<String>,
    #[serde(default)]
    pub watch: Vec<String>,
}

/// One command, or several run in order.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum BuildCommand {
    One(String),
    Many(Vec<String>),
}

impl BuildCommand {
    pub fn commands(&self) -> Vec<&str> {
        match self {
            Self::One(c) => vec![c.as_str()],
            Self::Many(cs) => cs.iter().map(String::as_str).collect(),
        }
    }
}

/// A validated application.
#[derive(Debug, Clone)]
pub struct App {
    /// The manifest file.
    pub path: PathBuf,
    /// Its directory: relative paths are resolved against it.
    pub dir: PathBuf,
    pub name: String,
    pub version: Option<String>,
    pub variables: BTreeMap<String, VariableDef>,
    pub routes: Vec<HttpRoute>,
    pub components: BTreeMap<String, Component>,
}

/// One `[[trigger.http]]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRoute {
    /// As written; `None` for `{ private = true }` (not reachable from
    /// outside).
    pub route: Option<String>,
    pub component: String,
}

#[derive(Debug, Clone)]
pub struct Component {
    pub id: String,
    /// Absolute path of the `.wasm` file.
    pub source: PathBuf,
    /// As written (may hold `{{ variable }}` templates).
    pub allowed_outbound_hosts: Vec<String>,
    /// Component variable name to template.
    pub variables: BTreeMap<String, String>,
    pub sqlite_databases: Vec<String>,
    pub environment: BTreeMap<String, String>,
    pub build: Option<Build>,
}

/// Spin's component id rule: kebab-case, a letter first.
fn valid_component_id(id: &str) -> bool {
    !id.is_empty()
        && id.as_bytes()[0].is_ascii_lowercase()
        && id.split('-').all(|w| {
            !w.is_empty()
                && w.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

impl App {
    /// Reads and validates `path`.
    pub fn load(path: &Path) -> Result<Self, ManifestError> {
        let text = std::fs::read_to_string(path).map_err(|source| ManifestError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(path, &text)
    }

    /// Validates manifest `text` as if read from `path`.
    pub fn parse(path: &Path, text: &str) -> Result<Self, ManifestError> {
        let raw: Raw = toml::from_str(text).map_err(|e| ManifestError::Parse {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
        let invalid = |place: String, message: String| ManifestError::Invalid {
            path: path.to_owned(),
            place,
            message,
        };
        let version_ok = matches!(&raw.spin_manifest_version, toml::Value::Integer(2))
            || matches!(&raw.spin_manifest_version, toml::Value::String(s) if s == "2");
        if !version_ok {
            return Err(invalid(
                "spin_manifest_version".into(),
                format!("expected 2, got {}", raw.spin_manifest_version),
            ));
        }
        let _ = (
            &raw.application.description,
            &raw.application.authors,
            &raw.application.trigger,
            &raw.application.targets,
        );
        for name in raw.variables.keys() {
            variables::validate_name(name)
                .map_err(|e| invalid(format!("[variables] {name}"), e.to_string()))?;
        }
        for (name, def) in &raw.variables {
            if def.required && def.default.is_some() {
                return Err(invalid(
                    format!("[variables] {name}"),
                    "a variable cannot be both required and have a default".into(),
                ));
            }
        }
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let dir = if dir.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            dir
        };

        let mut components = BTreeMap::new();
        let mut raw_components: Vec<(String, RawComponent)> = raw.component.into_iter().collect();
        let mut routes = Vec::new();
        for (kind, triggers) in raw.trigger {
            if kind != "http" {
                return Err(invalid(
                    format!("[[trigger.{kind}]]"),
                    "only HTTP triggers are supported".into(),
                ));
            }
            for (i, t) in triggers.into_iter().enumerate() {
                let place = format!("[[trigger.http]] #{}", i + 1);
                let _ = &t.executor;
                let route = match t.route {
                    RawRoute::Path(r) => Some(r),
                    RawRoute::Private { private: true } => None,
                    RawRoute::Private { private: false } => {
                        return Err(invalid(
                            place,
                            "route must be a string pattern or '{ private = true }'".into(),
                        ));
                    }
                };
                let component = match t.component {
                    RawComponentRef::Id(id) => id,
                    RawComponentRef::Inline(c) => {
                        let id =
                            t.id.clone()
                                .unwrap_or_else(|| format!("inline-component{}", i + 1));
                        raw_components.push((id.clone(), *c));
                        id
                    }
                };
                routes.push((place, HttpRoute { route, component }));
            }
        }
        for (id, c) in raw_components {
            let place = format!("[component.{id}]");
            if !valid_component_id(&id) {
                return Err(invalid(
                    place,
                    "component ids are kebab-case: lowercase letters, digits and '-'".into(),
                ));
            }
            let unsupported = [
                ("key_value_stores", !c.key_value_stores.is_empty()),
                ("ai_models", !c.ai_models.is_empty()),
                ("files", !c.files.is_empty() || !c.exclude_files.is_empty()),
                (
                    "dependencies",
                    c.dependencies.is_some() || c.dependencies_inherit_configuration.is_some(),
                ),
            ];
            if let Some((what, _)) = unsupported.iter().find(|(_, used)| *used) {
                return Err(invalid(
                    place,
                    format!("`{what}` is not supported by redspin-host"),
                ));
            }
            let _ = (&c.description, &c.tool);
            let source = match c.source {
                RawSource::Path(p) => dir.join(p),
                RawSource::Remote(_) => {
                    return Err(invalid(
                        place,
                        "only local `source` paths are supported by redspin-host".into(),
                    ));
                }
            };
            for (name, template) in &c.variables {
                variables::validate_name(name)
                    .map_err(|e| invalid(format!("{place} variables.{name}"), e.to_string()))?;
                check_template(template, &raw.variables)
                    .map_err(|m| invalid(format!("{place} variables.{name}"), m))?;
            }
            for host in &c.allowed_outbound_hosts {
                check_template(host, &raw.variables)
                    .map_err(|m| invalid(format!("{place} allowed_outbound_hosts"), m))?;
            }
            let component = Component {
                id: id.clone(),
                source,
                allowed_outbound_hosts: c.allowed_outbound_hosts,
                variables: c.variables,
                sqlite_databases: c.sqlite_databases,
                environment: c.environment,
                build: c.build,
            };
            if components.insert(id.clone(), component).is_some() {
                return Err(invalid(place, "defined twice".into()));
            }
        }
        let mut seen: BTreeMap<String, String> = BTreeMap::new();
        for (place, r) in &routes {
            if !components.contains_key(&r.component) {
                return Err(invalid(
                    place.clone(),
                    format!(
                        "component {:?} is not defined (no [component.{}])",
                        r.component, r.component
                    ),
                ));
            }
            if let Some(route) = &r.route {
                if let Some(first) = seen.insert(route.clone(), r.component.clone()) {
                    return Err(invalid(
                        place.clone(),
                        format!(
                            "duplicate route {route:?}: used by component {first:?} and by {:?}",
                            r.component
                        ),
                    ));
                }
            }
        }
        Ok(Self {
            path: path.to_owned(),
            dir,
            name: raw.application.name,
            version: raw.application.version,
            variables: raw.variables,
            routes: routes.into_iter().map(|(_, r)| r).collect(),
            components,
        })
    }

    /// Fails, naming the component, when a `source` file does not exist.
    pub fn check_sources(&self) -> Result<(), ManifestError> {
        for c in self.components.values() {
            if !c.source.is_file() {
                return Err(ManifestError::Invalid {
                    path: self.path.clone(),
                    place: format!("[component.{}] source", c.id),
                    message: format!(
                        "{} does not exist (build it first: `redspin-host build`)",
                        c.source.display()
                    ),
                });
            }
        }
        Ok(())
    }
}

fn check_template(template: &str, vars: &BTreeMap<String, VariableDef>) -> Result<(), String> {
    for part in variables::parse_template(template).map_err(|e| e.to_string())? {
        if let Part::Var(v) = part {
            if !vars.contains_key(&v) {
                return Err(format!(
                    "{template:?} refers to {v:?}, which is not in [variables]"
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
