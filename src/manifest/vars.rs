//! `${NAME}` and `${NAME:-default}` substitution in the manifest's string scalars.
//!
//! Values come from `--var NAME=VALUE` first, then the environment (the caller passes
//! both in). `$${` writes a literal `${`. Every unset variable without a default is
//! reported at its own place, all at once. Pure: the environment arrives as a map.

use super::node::{Node, NodeValue};
use crate::diagnostics::{Diagnostic, Diagnostics, Span};
use std::collections::BTreeMap;

/// The variables in scope: `--var` values shadow the environment.
#[derive(Clone, Debug, Default)]
pub struct Variables {
    pub cli: BTreeMap<String, String>,
    pub environment: BTreeMap<String, String>,
}

impl Variables {
    pub fn lookup(&self, name: &str) -> Option<&str> {
        self.cli
            .get(name)
            .or_else(|| self.environment.get(name))
            .map(String::as_str)
    }
}

/// Substitutes in place across the whole tree (keys included) and records the names used.
pub fn interpolate(
    node: &mut Node,
    source: &str,
    vars: &Variables,
    used: &mut BTreeMap<String, String>,
    diagnostics: &mut Diagnostics,
) {
    match &mut node.value {
        NodeValue::Str(text) if text.contains('$') => {
            let raw = source.get(node.span.offset..node.span.offset + node.span.len);
            match substitute(text, vars, used) {
                Ok(Some(result)) => {
                    *text = result;
                    node.interpolated = true;
                }
                Ok(None) => {}
                Err(errors) => {
                    node.unresolved = true;
                    for error in errors {
                        let span = raw
                            .and_then(|r| r.find(&error.reference))
                            .map(|at| Span::new(node.span.offset + at, error.reference.len()))
                            .unwrap_or(node.span);
                        diagnostics.push(
                            Diagnostic::error(span, error.message)
                                .with_label("used here")
                                .with_hint(error.hint),
                        );
                    }
                }
            }
        }
        NodeValue::Seq(items) => {
            for item in items {
                interpolate(item, source, vars, used, diagnostics);
            }
        }
        NodeValue::Map(entries) => {
            for (key, value) in entries {
                interpolate(key, source, vars, used, diagnostics);
                interpolate(value, source, vars, used, diagnostics);
            }
        }
        _ => {}
    }
}

struct SubstitutionError {
    reference: String,
    message: String,
    hint: String,
}

/// `Ok(None)` when the text holds no reference at all.
fn substitute(
    text: &str,
    vars: &Variables,
    used: &mut BTreeMap<String, String>,
) -> Result<Option<String>, Vec<SubstitutionError>> {
    let mut out = String::with_capacity(text.len());
    let mut errors = Vec::new();
    let mut changed = false;
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        if let Some(after) = tail.strip_prefix("$${") {
            out.push_str("${");
            rest = after;
            changed = true;
            continue;
        }
        let Some(body_start) = tail.strip_prefix("${") else {
            out.push('$');
            rest = &tail[1..];
            continue;
        };
        changed = true;
        let Some(close) = body_start.find('}') else {
            errors.push(SubstitutionError {
                reference: tail.to_string(),
                message: "unterminated variable reference".into(),
                hint: "write ${NAME} or ${NAME:-default}; $${ writes a literal ${".into(),
            });
            rest = "";
            break;
        };
        let body = &body_start[..close];
        let reference = &tail[..close + 3];
        let (name, default) = match body.split_once(":-") {
            Some((name, default)) => (name, Some(default)),
            None => (body, None),
        };
        if !is_variable_name(name) {
            errors.push(SubstitutionError {
                reference: reference.to_string(),
                message: format!("`{reference}` is not a valid variable reference"),
                hint: "names are letters, digits and `_`, not starting with a digit".into(),
            });
        } else {
            match vars.lookup(name).map(str::to_string).or(default.map(str::to_string)) {
                Some(value) => {
                    used.insert(name.to_string(), value.clone());
                    out.push_str(&value);
                }
                None => errors.push(SubstitutionError {
                    reference: reference.to_string(),
                    message: format!("variable `{name}` is not set"),
                    hint: format!(
                        "pass --var {name}=VALUE, export {name}, or give a default: ${{{name}:-value}}"
                    ),
                }),
            }
        }
        rest = &body_start[close + 1..];
    }
    out.push_str(rest);
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(changed.then_some(out))
}

fn is_variable_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars() -> Variables {
        Variables {
            cli: BTreeMap::from([("TAG".into(), "v1".into())]),
            environment: BTreeMap::from([("TAG".into(), "env".into()), ("E".into(), "e".into())]),
        }
    }

    fn run(text: &str) -> Result<Option<String>, Vec<String>> {
        substitute(text, &vars(), &mut BTreeMap::new())
            .map_err(|e| e.into_iter().map(|e| e.message).collect())
    }

    #[test]
    fn substitution_table() {
        assert_eq!(run("plain").unwrap(), None);
        assert_eq!(run("cost $5").unwrap(), None);
        assert_eq!(run("${TAG}").unwrap().unwrap(), "v1");
        assert_eq!(run("${E}-x").unwrap().unwrap(), "e-x");
        assert_eq!(run("${MISSING:-d}").unwrap().unwrap(), "d");
        assert_eq!(run("${MISSING:-}").unwrap().unwrap(), "");
        assert_eq!(run("$${TAG}").unwrap().unwrap(), "${TAG}");
        assert_eq!(run("${A}${B}").unwrap_err().len(), 2);
        assert_eq!(run("${1X}").unwrap_err().len(), 1);
        assert_eq!(run("${TAG").unwrap_err().len(), 1);
    }
}
