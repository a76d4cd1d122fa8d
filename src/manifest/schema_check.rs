//! The structural check: walks the spanned YAML tree against the manifest's own JSON
//! Schema (generated from `model`), so shape errors — unknown keys with "did you mean",
//! wrong types, values outside an enum, missing required keys — are all reported at
//! once, each at its node. serde alone stops at the first error; this does not.

use super::node::{Node, NodeValue};
use crate::diagnostics::{Diagnostic, Diagnostics, did_you_mean};
use serde_json::Value;

pub struct SchemaChecker<'a> {
    root: &'a Value,
}

impl<'a> SchemaChecker<'a> {
    pub fn new(root: &'a Value) -> Self {
        Self { root }
    }

    pub fn check(&self, node: &mut Node, diagnostics: &mut Diagnostics) {
        let mut found = Vec::new();
        self.walk(node, self.root, "manifest", &mut found);
        diagnostics.extend(found);
    }

    fn resolve<'s>(&'s self, schema: &'s Value) -> &'s Value {
        let mut current = schema;
        for _ in 0..16 {
            match current.get("$ref").and_then(Value::as_str) {
                Some(reference) => {
                    let pointer = reference.trim_start_matches('#');
                    match self.root.pointer(pointer) {
                        Some(target) => current = target,
                        None => return current,
                    }
                }
                None => return current,
            }
        }
        current
    }

    /// `context` names the mapping being checked ("repository", "encryption") for messages.
    fn walk(&self, node: &mut Node, schema: &Value, context: &str, out: &mut Vec<Diagnostic>) {
        if node.unresolved {
            return;
        }
        let schema = self.resolve(schema);
        if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
            for part in all {
                self.walk(node, part, context, out);
            }
        }
        if let Some(branches) = schema
            .get("anyOf")
            .or_else(|| schema.get("oneOf"))
            .and_then(Value::as_array)
        {
            self.walk_branches(node, branches, context, out);
            return;
        }

        if let Some(types) = schema.get("type") {
            let allowed: Vec<&str> = match types {
                Value::String(t) => vec![t.as_str()],
                Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
                _ => vec![],
            };
            coerce_interpolated(node, &allowed);
            if !allowed.iter().any(|t| type_matches(node, t)) {
                out.push(type_error(node, &allowed));
                return;
            }
        }

        if let Some(options) = schema.get("enum").and_then(Value::as_array) {
            let value = node.to_json();
            if !options.contains(&value) {
                let names: Vec<&str> = options.iter().filter_map(Value::as_str).collect();
                let shown = node
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or(value.to_string());
                let mut d =
                    Diagnostic::error(node.span, format!("`{shown}` is not a valid value here"))
                        .with_label("unknown value");
                d = match node
                    .as_str()
                    .and_then(|s| did_you_mean(s, names.iter().copied()))
                {
                    Some(close) => d.with_hint(format!("did you mean `{close}`?")),
                    None => d.with_hint(format!("expected one of: {}", names.join(", "))),
                };
                out.push(d);
            }
        }
        if let Some(constant) = schema.get("const")
            && &node.to_json() != constant
        {
            out.push(Diagnostic::error(node.span, format!("expected {constant}")));
        }

        if let NodeValue::Int(i) = node.value {
            if let Some(min) = schema.get("minimum").and_then(Value::as_f64)
                && (i as f64) < min
            {
                out.push(Diagnostic::error(
                    node.span,
                    format!("must be at least {min}"),
                ));
            }
            if let Some(max) = schema.get("maximum").and_then(Value::as_f64)
                && (i as f64) > max
            {
                out.push(Diagnostic::error(
                    node.span,
                    format!("must be at most {max}"),
                ));
            }
        }

        let span = node.span;
        match &mut node.value {
            NodeValue::Map(entries) => {
                let properties = schema.get("properties").and_then(Value::as_object);
                let additional = schema.get("additionalProperties");
                let mut seen = Vec::new();
                for (key, value) in entries.iter_mut() {
                    let name = key.key_text();
                    seen.push(name.clone());
                    if let Some(child) = properties.and_then(|p| p.get(&name)) {
                        self.walk(value, child, &name, out);
                    } else {
                        match additional {
                            Some(Value::Bool(false)) => {
                                let candidates: Vec<&str> = properties
                                    .map(|p| p.keys().map(String::as_str).collect())
                                    .unwrap_or_default();
                                let mut d = Diagnostic::error(
                                    key.span,
                                    format!("unknown key `{name}` in {context}"),
                                )
                                .with_label("not recognised");
                                d = match did_you_mean(&name, candidates.iter().copied()) {
                                    // `value` would put the secret's ARN in plain text where
                                    // anyone who can describe the task reads it; ECS reads
                                    // `valueFrom` only in `secrets` (ECS Developer Guide,
                                    // "Pass sensitive data to an Amazon ECS container").
                                    _ if name == "valueFrom" && candidates.contains(&"value") => d
                                        .with_hint(
                                            "a variable read from Secrets Manager or SSM goes in the container's `secrets: [ { name, valueFrom } ]`, not in `environment` (`value` would hand the container the ARN itself)",
                                        ),
                                    Some(close) => d.with_hint(format!("did you mean `{close}`?")),
                                    None => d.with_hint(format!(
                                        "known keys: {}",
                                        candidates.join(", ")
                                    )),
                                };
                                out.push(d);
                            }
                            Some(child @ Value::Object(_)) => {
                                self.walk(value, child, &singular(context), out);
                            }
                            _ => {}
                        }
                    }
                }
                if let Some(required) = schema.get("required").and_then(Value::as_array) {
                    for name in required.iter().filter_map(Value::as_str) {
                        if !seen.iter().any(|s| s == name) {
                            out.push(
                                Diagnostic::error(
                                    span,
                                    format!("missing required key `{name}` in {context}"),
                                )
                                .with_label(format!("needs `{name}`")),
                            );
                        }
                    }
                }
            }
            NodeValue::Seq(items) => {
                if let Some(item_schema) = schema.get("items") {
                    for item in items.iter_mut() {
                        self.walk(item, item_schema, &singular(context), out);
                    }
                }
            }
            _ => {}
        }
    }

    /// An untagged choice: accept the first branch that checks clean; otherwise report
    /// the branch that got furthest (fewest errors), or a plain type error.
    fn walk_branches(
        &self,
        node: &mut Node,
        branches: &[Value],
        context: &str,
        out: &mut Vec<Diagnostic>,
    ) {
        let mut best: Option<(Vec<Diagnostic>, Node)> = None;
        let mut type_names = Vec::new();
        for branch in branches {
            let resolved = self.resolve(branch);
            let branch_types: Vec<String> = match resolved.get("type") {
                Some(Value::String(s)) => vec![s.clone()],
                Some(Value::Array(a)) => a
                    .iter()
                    .filter_map(Value::as_str)
                    .map(String::from)
                    .collect(),
                _ => Vec::new(),
            };
            type_names.extend(branch_types.iter().cloned());
            let mut candidate = node.clone();
            let mut found = Vec::new();
            self.walk(&mut candidate, branch, context, &mut found);
            if found.is_empty() {
                *node = candidate;
                return;
            }
            // A branch is the one the author meant when its type fits the node (an enum
            // value that is misspelt) or when its errors lie deeper inside the node.
            let type_fits = branch_types.iter().any(|t| type_matches(node, t));
            let shape_matched = type_fits || !found.iter().all(|d| d.span == node.span);
            if shape_matched && best.as_ref().is_none_or(|(b, _)| found.len() < b.len()) {
                best = Some((found, candidate));
            }
        }
        match best {
            Some((found, _)) => out.extend(found),
            None => {
                let allowed: Vec<&str> = type_names.iter().map(String::as_str).collect();
                out.push(type_error(node, &allowed));
            }
        }
    }
}

fn singular(context: &str) -> String {
    match context {
        "repositories" => "repository",
        "lifecycle" => "lifecycle rule",
        "tags" => "tag",
        "roles" => "role",
        "clusters" => "cluster",
        "taskDefinitions" => "task definition",
        "containerDefinitions" => "container definition",
        "services" => "service",
        "portMappings" => "port mapping",
        "environment" => "environment variable",
        "secrets" => "secret",
        "volumes" => "volume",
        other => other,
    }
    .to_string()
}

fn type_matches(node: &Node, expected: &str) -> bool {
    matches!(
        (expected, &node.value),
        ("null", NodeValue::Null)
            | ("boolean", NodeValue::Bool(_))
            | ("integer", NodeValue::Int(_))
            | ("number", NodeValue::Int(_) | NodeValue::Float(_))
            | ("string", NodeValue::Str(_))
            | ("array", NodeValue::Seq(_))
            | ("object", NodeValue::Map(_))
    )
}

/// A `${VAR}` scalar is text to the YAML parser; read it as the type the schema wants.
fn coerce_interpolated(node: &mut Node, allowed: &[&str]) {
    if !node.interpolated || allowed.contains(&"string") {
        return;
    }
    let NodeValue::Str(text) = &node.value else {
        return;
    };
    let text = text.trim();
    if allowed.contains(&"integer")
        && let Ok(i) = text.parse::<i64>()
    {
        node.value = NodeValue::Int(i);
        return;
    }
    if allowed.contains(&"boolean") {
        match text {
            "true" => node.value = NodeValue::Bool(true),
            "false" => node.value = NodeValue::Bool(false),
            _ => {}
        }
    }
}

fn describe_type(name: &str) -> &str {
    match name {
        "null" => "nothing",
        "boolean" => "true or false",
        "integer" => "an integer",
        "number" => "a number",
        "string" => "a string",
        "array" => "a list",
        "object" => "a mapping",
        other => other,
    }
}

fn type_error(node: &Node, allowed: &[&str]) -> Diagnostic {
    let mut names: Vec<&str> = allowed
        .iter()
        .filter(|t| **t != "null")
        .map(|t| describe_type(t))
        .collect();
    names.dedup();
    let expected = if names.is_empty() {
        "nothing".to_string()
    } else {
        names.join(" or ")
    };
    let d = Diagnostic::error(
        node.span,
        format!("expected {expected}, found {}", node.kind_name()),
    )
    .with_label(format!("{} here", node.kind_name()));
    let scalar = matches!(
        node.value,
        NodeValue::Int(_) | NodeValue::Float(_) | NodeValue::Bool(_)
    );
    if allowed.contains(&"string") && scalar {
        d.with_hint("quote the value to make it a string, e.g. \"123456789012\"")
    } else {
        d
    }
}
