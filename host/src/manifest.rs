//! `spin.toml` (manifest version 2): parsing and validation.
//!
//! Supported: `[application]`, `[variables]`, `[[trigger.http]]` (`route` as
//! a pattern or `{ private = true }`, `component` by id or inline),
//! `[component.ID]` with `source` (a local path), `allowed_outbound_hosts`,
//! `variables`, `sqlite_databases`, `key_value_stores`, `environment`,
//! `build`. Unknown fields are errors, as in Spin; known Spin features this
//! host does not provide (AI models, files, dependencies, remote sources)
//! are refused at load with a message that says so, instead of failing on
//! first use.
//!
//! [`App::parse`] runs in steps: the version, `[variables]`, the triggers
//! (routes, and components written inline), the components, then the
//! routes against the components. The serde structs are in [`raw`].

mod raw;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use thiserror::Error;

use crate::variables::{self, Part, VariableDef};
use raw::{Raw, RawComponent, RawComponentRef, RawRoute, RawSource};

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
    pub key_value_stores: Vec<String>,
    pub environment: BTreeMap<String, String>,
    pub build: Option<Build>,
}

/// Spin's id rule: words of lowercase letters and digits joined by `sep`,
/// a letter first.
fn valid_id(id: &str, sep: char) -> bool {
    !id.is_empty()
        && id.as_bytes()[0].is_ascii_lowercase()
        && id.split(sep).all(|w| {
            !w.is_empty()
                && w.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// Component ids are kebab-case.
fn valid_component_id(id: &str) -> bool {
    valid_id(id, '-')
}

/// Store and database labels are kebab-case or snake_case.
fn valid_label(label: &str) -> bool {
    valid_id(label, '-') || valid_id(label, '_')
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
        let p = Parser { path };
        p.version(&raw.spin_manifest_version)?;
        p.variables(&raw.variables)?;
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let mut raw_components: Vec<(String, RawComponent)> = raw.component.into_iter().collect();
        let routes = p.triggers(raw.trigger, &mut raw_components)?;
        let mut components = BTreeMap::new();
        for (id, c) in raw_components {
            let component = p.component(&id, c, &dir, &raw.variables)?;
            if components.insert(id.clone(), component).is_some() {
                return Err(p.invalid(format!("[component.{id}]"), "defined twice".into()));
            }
        }
        p.routes(&routes, &components)?;
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

/// The validation steps of [`App::parse`], each naming the manifest in
/// its errors.
struct Parser<'a> {
    path: &'a Path,
}

impl Parser<'_> {
    fn invalid(&self, place: String, message: String) -> ManifestError {
        ManifestError::Invalid {
            path: self.path.to_owned(),
            place,
            message,
        }
    }

    fn version(&self, v: &toml::Value) -> Result<(), ManifestError> {
        let ok =
            matches!(v, toml::Value::Integer(2)) || matches!(v, toml::Value::String(s) if s == "2");
        if ok {
            Ok(())
        } else {
            Err(self.invalid(
                "spin_manifest_version".into(),
                format!("expected 2, got {v}"),
            ))
        }
    }

    fn variables(&self, vars: &BTreeMap<String, VariableDef>) -> Result<(), ManifestError> {
        for (name, def) in vars {
            let place = || format!("[variables] {name}");
            variables::validate_name(name).map_err(|e| self.invalid(place(), e.to_string()))?;
            if def.required && def.default.is_some() {
                return Err(self.invalid(
                    place(),
                    "a variable cannot be both required and have a default".into(),
                ));
            }
        }
        Ok(())
    }

    /// The HTTP routes, each with the place it was written; components
    /// written inline join `components`.
    fn triggers(
        &self,
        triggers: raw::RawTriggers,
        components: &mut Vec<(String, RawComponent)>,
    ) -> Result<Vec<(String, HttpRoute)>, ManifestError> {
        if let Some(kind) = triggers.other.keys().next() {
            return Err(self.invalid(
                format!("[[trigger.{kind}]]"),
                format!(
                    "redspin-host runs HTTP triggers only, and this app has `{kind}` triggers \
                     (run it with `spin up`, or move them to an app of their own)"
                ),
            ));
        }
        let mut routes = Vec::new();
        {
            let triggers = triggers.http;
            for (i, t) in triggers.into_iter().enumerate() {
                let place = format!("[[trigger.http]] #{}", i + 1);
                let route = match t.route {
                    RawRoute::Path(r) => Some(r),
                    RawRoute::Private { private: true } => None,
                    RawRoute::Private { private: false } => {
                        return Err(self.invalid(
                            place,
                            "route must be a string pattern or '{ private = true }'".into(),
                        ));
                    }
                };
                let component = match t.component {
                    RawComponentRef::Id(id) => id,
                    RawComponentRef::Inline(c) => {
                        let id = t.id.unwrap_or_else(|| format!("inline-component{}", i + 1));
                        components.push((id.clone(), *c));
                        id
                    }
                };
                routes.push((place, HttpRoute { route, component }));
            }
        }
        Ok(routes)
    }

    fn component(
        &self,
        id: &str,
        c: RawComponent,
        dir: &Path,
        vars: &BTreeMap<String, VariableDef>,
    ) -> Result<Component, ManifestError> {
        let place = format!("[component.{id}]");
        if !valid_component_id(id) {
            return Err(self.invalid(
                place,
                "component ids are kebab-case: lowercase letters, digits and '-'".into(),
            ));
        }
        let unsupported = [
            ("ai_models", !c.ai_models.is_empty()),
            ("files", !c.files.is_empty() || !c.exclude_files.is_empty()),
            (
                "dependencies",
                c.dependencies.is_some() || c.dependencies_inherit_configuration.is_some(),
            ),
        ];
        if let Some((what, _)) = unsupported.iter().find(|(_, used)| *used) {
            return Err(self.invalid(place, format!("`{what}` is not supported by redspin-host")));
        }
        for (field, labels) in [
            ("key_value_stores", &c.key_value_stores),
            ("sqlite_databases", &c.sqlite_databases),
        ] {
            if let Some(bad) = labels.iter().find(|l| !valid_label(l)) {
                return Err(self.invalid(
                    format!("{place} {field}"),
                    format!("{bad:?}: expected kebab-case or snake_case"),
                ));
            }
        }
        let source = match c.source {
            RawSource::Path(p) => dir.join(p),
            RawSource::Remote(_) => {
                return Err(self.invalid(
                    place,
                    "only local `source` paths are supported by redspin-host".into(),
                ));
            }
        };
        for (name, template) in &c.variables {
            let at = || format!("{place} variables.{name}");
            variables::validate_name(name).map_err(|e| self.invalid(at(), e.to_string()))?;
            check_template(template, vars).map_err(|m| self.invalid(at(), m))?;
        }
        for host in &c.allowed_outbound_hosts {
            check_template(host, vars)
                .map_err(|m| self.invalid(format!("{place} allowed_outbound_hosts"), m))?;
        }
        Ok(Component {
            id: id.to_owned(),
            source,
            allowed_outbound_hosts: c.allowed_outbound_hosts,
            variables: c.variables,
            sqlite_databases: c.sqlite_databases,
            key_value_stores: c.key_value_stores,
            environment: c.environment,
            build: c.build,
        })
    }

    fn routes(
        &self,
        routes: &[(String, HttpRoute)],
        components: &BTreeMap<String, Component>,
    ) -> Result<(), ManifestError> {
        let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
        for (place, r) in routes {
            if !components.contains_key(&r.component) {
                return Err(self.invalid(
                    place.clone(),
                    format!(
                        "component {:?} is not defined (no [component.{}])",
                        r.component, r.component
                    ),
                ));
            }
            if let Some(route) = &r.route {
                if let Some(first) = seen.insert(route, &r.component) {
                    return Err(self.invalid(
                        place.clone(),
                        format!(
                            "duplicate route {route:?}: used by component {first:?} and by {:?}",
                            r.component
                        ),
                    ));
                }
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
