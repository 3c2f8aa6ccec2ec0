//! Application and component variables, as Spin resolves them.
//!
//! Application variables (`[variables]`) take their value from
//! `SPIN_VARIABLE_<NAME>` in the environment, else their `default`; a
//! `required` one without a value stops start-up. Component variables
//! (`[component.X.variables]`) are templates over application variables
//! (`"https://{{ api_host }}/v1"`). Names follow Spin's rules: a lowercase
//! letter first, then lowercase letters, digits and single underscores, not
//! ending in an underscore.

use std::collections::{BTreeMap, HashMap};

use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum VariableError {
    /// Spin's `invalid-name`.
    #[error("invalid variable name: {0}")]
    InvalidName(String),
    #[error("invalid variable template: {0}")]
    InvalidTemplate(String),
    /// Spin's `undefined`.
    #[error("undefined variable: {0}")]
    Undefined(String),
    #[error("variable {0:?} is required but has no value: set SPIN_VARIABLE_{upper}", upper = .0.to_ascii_uppercase())]
    Required(String),
}

/// Checks a variable name against Spin's rules.
pub fn validate_name(key: &str) -> Result<(), VariableError> {
    let reason = if key.is_empty() {
        Some("must not be empty".to_string())
    } else if let Some(c) = key
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_'))
    {
        Some(format!(
            "invalid character {c:?}. Variable names may contain only lower-case letters, numbers, and underscores."
        ))
    } else if !key.as_bytes()[0].is_ascii_lowercase() {
        Some("must start with a lowercase ASCII letter".into())
    } else if !key.as_bytes()[key.len() - 1].is_ascii_alphanumeric() {
        Some("must end with a lowercase ASCII letter or digit".into())
    } else if key.contains("__") {
        Some("must not contain multiple consecutive underscores".into())
    } else {
        None
    };
    match reason {
        Some(r) => Err(VariableError::InvalidName(format!("{key:?}: {r}"))),
        None => Ok(()),
    }
}

/// A parsed template: literal text and `{{ name }}` references.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    Lit(String),
    Var(String),
}

/// Parses `text` into parts. `{{` opens a reference up to the next `}}`.
pub fn parse_template(text: &str) -> Result<Vec<Part>, VariableError> {
    let mut parts = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        if start > 0 {
            parts.push(Part::Lit(rest[..start].to_owned()));
        }
        let after = &rest[start + 2..];
        let end = after.find("}}").ok_or_else(|| {
            VariableError::InvalidTemplate(format!("unclosed '{{{{' in {text:?}"))
        })?;
        let name = after[..end].trim();
        validate_name(name)
            .map_err(|e| VariableError::InvalidTemplate(format!("{text:?}: {e}")))?;
        parts.push(Part::Var(name.to_owned()));
        rest = &after[end + 2..];
    }
    if !rest.is_empty() {
        parts.push(Part::Lit(rest.to_owned()));
    }
    Ok(parts)
}

/// The application variables' values, resolved once at start-up.
#[derive(Debug, Clone, Default)]
pub struct Resolved {
    values: HashMap<String, String>,
}

/// An application variable as declared in the manifest.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VariableDef {
    #[serde(default)]
    pub default: Option<String>,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub secret: bool,
    #[serde(default)]
    pub description: Option<String>,
}

impl Resolved {
    /// Resolves every application variable from `env` (given the
    /// `SPIN_VARIABLE_<NAME>` key) or its default.
    pub fn resolve(
        defs: &BTreeMap<String, VariableDef>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, VariableError> {
        let mut values = HashMap::new();
        for (name, def) in defs {
            validate_name(name)?;
            let from_env = env(&format!("SPIN_VARIABLE_{}", name.to_ascii_uppercase()));
            match from_env.or_else(|| def.default.clone()) {
                Some(v) => {
                    values.insert(name.clone(), v);
                }
                None => return Err(VariableError::Required(name.clone())),
            }
        }
        Ok(Self { values })
    }

    /// Expands a template over the application variables.
    pub fn expand(&self, template: &str) -> Result<String, VariableError> {
        let mut out = String::with_capacity(template.len());
        for part in parse_template(template)? {
            match part {
                Part::Lit(l) => out.push_str(&l),
                Part::Var(v) => out.push_str(self.values.get(&v).ok_or_else(|| {
                    VariableError::InvalidTemplate(format!("unknown variable {v:?}"))
                })?),
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for good in ["a", "abc", "a1b2c3", "a_1", "a_1_b_3", "redis_url"] {
            assert!(validate_name(good).is_ok(), "{good}");
        }
        for bad in ["", "aX", "1bc", "_x", "x.y", "x_", "a__b", "x-y"] {
            assert!(
                matches!(validate_name(bad), Err(VariableError::InvalidName(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn templates() {
        let cases: [(&str, Option<Vec<Part>>); 6] = [
            ("plain", Some(vec![Part::Lit("plain".into())])),
            ("{{ a }}", Some(vec![Part::Var("a".into())])),
            (
                "redis://{{host}}:{{ port }}/0",
                Some(vec![
                    Part::Lit("redis://".into()),
                    Part::Var("host".into()),
                    Part::Lit(":".into()),
                    Part::Var("port".into()),
                    Part::Lit("/0".into()),
                ]),
            ),
            ("{{ a", None),
            ("{{ Bad }}", None),
            ("", Some(vec![])),
        ];
        for (t, want) in cases {
            assert_eq!(parse_template(t).ok(), want, "{t}");
        }
    }

    #[test]
    fn resolution_order_and_required() {
        let mut defs = BTreeMap::new();
        defs.insert(
            "a".to_string(),
            VariableDef {
                default: Some("da".into()),
                ..Default::default()
            },
        );
        defs.insert(
            "b".to_string(),
            VariableDef {
                default: Some("db".into()),
                ..Default::default()
            },
        );
        let env = |k: &str| (k == "SPIN_VARIABLE_B").then(|| "eb".to_string());
        let r = Resolved::resolve(&defs, env).unwrap();
        assert_eq!(r.expand("{{ a }}-{{ b }}").unwrap(), "da-eb");
        assert!(r.expand("{{ c }}").is_err());
        defs.insert(
            "token".to_string(),
            VariableDef {
                required: true,
                ..Default::default()
            },
        );
        let err = Resolved::resolve(&defs, |_| None).unwrap_err();
        assert_eq!(err, VariableError::Required("token".into()));
        assert!(err.to_string().contains("SPIN_VARIABLE_TOKEN"));
    }
}
