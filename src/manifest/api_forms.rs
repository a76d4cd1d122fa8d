//! The ECS API's own input forms, made canonical before the schema check, PURE.
//!
//! People paste the task definitions, services and clusters they already have: the AWS
//! CLI's `--cli-input-json`, the console's "JSON" tab, a deployer's
//! `task-definition.json`. Those spell some things the way the API (or the console) does
//! rather than the way wharf's schema does. Each rule here turns one such spelling into
//! the manifest's form, keeping every node's span so later diagnostics still point at
//! the user's text:
//!
//! - `null` means absent, as it does for amazon-ecs-deploy-task-definition and ecspresso
//!   (the console writes `"pidMode": null`, ...);
//! - an empty ARN (`"taskRoleArn": ""`, `"role": ""`) means none: RegisterTaskDefinition
//!   stores no role for it, so keeping it would register a new revision on every run;
//! - `tags` as the API's list of `{key, value}` becomes wharf's mapping;
//! - the resource's own name inside it (`family`, `serviceName`, `clusterName`) is the
//!   map key: accepted when equal, an error at the member when not;
//! - members DescribeTaskDefinition returns but RegisterTaskDefinition does not take
//!   (`taskDefinitionArn`, `revision`, `status`, ...), present when a described task
//!   definition is pasted, are dropped with a warning, as the deploy action does.

use super::node::{Node, NodeValue};
use crate::diagnostics::{Diagnostic, Diagnostics};

/// The three ECS sections and, for each, the member that repeats the resource's name.
const SECTIONS: &[(&str, &str, &str)] = &[
    ("clusters", "clusterName", "cluster"),
    ("taskDefinitions", "family", "task definition"),
    ("services", "serviceName", "service"),
];

/// Rewrites the `ecs` section of the whole manifest tree in place.
pub fn canonicalize(root: &mut Node, diagnostics: &mut Diagnostics) {
    let Some(ecs) = member_mut(root, "ecs") else {
        return;
    };
    for (section, name_member, what) in SECTIONS {
        let Some(NodeValue::Map(resources)) = member_mut(ecs, section).map(|n| &mut n.value) else {
            continue;
        };
        for (key, resource) in resources.iter_mut() {
            if resource.unresolved {
                continue;
            }
            let name = key.key_text();
            drop_nulls_and_empty_arns(resource);
            own_name(resource, &name, name_member, what, diagnostics);
            if *section == "taskDefinitions" {
                drop_described_members(resource, diagnostics);
            }
            if let Some(tags) = member_mut(resource, "tags") {
                tags_as_mapping(tags, diagnostics);
            }
        }
    }
}

fn member_mut<'n>(node: &'n mut Node, name: &str) -> Option<&'n mut Node> {
    match &mut node.value {
        NodeValue::Map(entries) => entries
            .iter_mut()
            .find(|(k, _)| k.as_str() == Some(name))
            .map(|(_, v)| v),
        _ => None,
    }
}

/// A member that holds an ARN (or, for services' `role`, a role name or ARN).
fn is_arn_member(name: &str) -> bool {
    name.ends_with("Arn") || name.ends_with("ARN") || name == "role"
}

/// Drops `null` members and empty ARN strings, all the way down. List elements stay
/// (a `null` element is an error the schema check reports at its place).
fn drop_nulls_and_empty_arns(node: &mut Node) {
    match &mut node.value {
        NodeValue::Map(entries) => {
            entries.retain(|(key, value)| {
                let name = key.key_text();
                let empty_arn = is_arn_member(&name) && value.as_str() == Some("");
                !matches!(value.value, NodeValue::Null) && !empty_arn
            });
            for (_, value) in entries.iter_mut() {
                drop_nulls_and_empty_arns(value);
            }
        }
        NodeValue::Seq(items) => items.iter_mut().for_each(drop_nulls_and_empty_arns),
        _ => {}
    }
}

/// `family: web` under `taskDefinitions.web` says the key again: fine. A different name
/// is an error at the member, since the key is what wharf names the resource by.
fn own_name(
    resource: &mut Node,
    name: &str,
    member: &str,
    what: &str,
    diagnostics: &mut Diagnostics,
) {
    let NodeValue::Map(entries) = &mut resource.value else {
        return;
    };
    let Some(at) = entries.iter().position(|(k, _)| k.as_str() == Some(member)) else {
        return;
    };
    let (_, value) = &entries[at];
    match value.as_str() {
        Some(given) if given == name => {
            entries.remove(at);
        }
        _ if value.unresolved => {}
        Some(given) => {
            diagnostics.push(
                Diagnostic::error(
                    value.span,
                    format!("`{member}` is `{given}`, but this {what} is keyed `{name}`"),
                )
                .with_label("not the key")
                .with_hint(format!(
                    "the key names the {what}; rename the key to `{given}`, or remove `{member}`"
                )),
            );
            entries.remove(at);
        }
        None => {
            diagnostics.push(
                Diagnostic::error(value.span, format!("`{member}` must be a string"))
                    .with_hint(format!("the key names the {what}; remove `{member}`")),
            );
            entries.remove(at);
        }
    }
}

fn drop_described_members(resource: &mut Node, diagnostics: &mut Diagnostics) {
    let NodeValue::Map(entries) = &mut resource.value else {
        return;
    };
    let mut dropped = Vec::new();
    entries.retain(|(key, _)| {
        let name = key.key_text();
        if crate::kinds::task_definition::normalize::READ_ONLY.contains(&name.as_str()) {
            dropped.push((name, key.span));
            false
        } else {
            true
        }
    });
    if let Some((first, span)) = dropped.first() {
        let names: Vec<String> = dropped.iter().map(|(n, _)| format!("`{n}`")).collect();
        diagnostics.push(
            Diagnostic::warning(
                *span,
                format!(
                    "{} {} what DescribeTaskDefinition reports, not RegisterTaskDefinition input; ignored",
                    names.join(", "),
                    if names.len() == 1 { "is" } else { "are" }
                ),
            )
            .with_label(format!("`{first}` is read-only"))
            .with_hint("this looks like a described task definition; these members can be removed"),
        );
    }
}

/// `tags: [{key: team, value: shop}]` (the API's list) → `tags: {team: shop}`. A
/// malformed element or a repeated key is an error at the element.
fn tags_as_mapping(tags: &mut Node, diagnostics: &mut Diagnostics) {
    let NodeValue::Seq(items) = &tags.value else {
        return;
    };
    let mut entries: Vec<(Node, Node)> = Vec::new();
    let mut ok = true;
    for item in items {
        let NodeValue::Map(members) = &item.value else {
            diagnostics.push(
                Diagnostic::error(item.span, format!("a tag must be `{{key, value}}`, found {}", item.kind_name()))
                    .with_hint("write tags as a mapping (`tags: { team: shop }`) or as the API's list (`tags: [ { key: team, value: shop } ]`)"),
            );
            ok = false;
            continue;
        };
        let find = |name: &str| members.iter().find(|(k, _)| k.as_str() == Some(name));
        let unknown: Vec<&Node> = members
            .iter()
            .map(|(k, _)| k)
            .filter(|k| !matches!(k.as_str(), Some("key" | "value")))
            .collect();
        if let Some(first) = unknown.first() {
            diagnostics.push(
                Diagnostic::error(
                    first.span,
                    format!(
                        "a tag has only `key` and `value`, not `{}`",
                        first.key_text()
                    ),
                )
                .with_hint("the API's tag list is `[ { key: NAME, value: VALUE } ]`"),
            );
            ok = false;
            continue;
        }
        let Some((_, key)) = find("key") else {
            diagnostics.push(
                Diagnostic::error(item.span, "this tag has no `key`")
                    .with_hint("the API's tag list is `[ { key: NAME, value: VALUE } ]`"),
            );
            ok = false;
            continue;
        };
        let Some(key_text) = key
            .as_str()
            .map(str::to_string)
            .or_else(|| match key.value {
                NodeValue::Int(_) | NodeValue::Float(_) | NodeValue::Bool(_) => {
                    Some(key.key_text())
                }
                _ => None,
            })
        else {
            diagnostics.push(Diagnostic::error(
                key.span,
                format!("a tag key must be a string, found {}", key.kind_name()),
            ));
            ok = false;
            continue;
        };
        if entries.iter().any(|(k, _)| k.key_text() == key_text) {
            diagnostics.push(
                Diagnostic::error(key.span, format!("tag `{key_text}` is given twice"))
                    .with_hint("a resource has one value per tag key; keep one of them"),
            );
            ok = false;
            continue;
        }
        // AWS: a tag's value may be left out, meaning the empty string.
        let value = match find("value") {
            Some((_, value)) => value.clone(),
            None => Node {
                value: NodeValue::Str(String::new()),
                span: item.span,
                interpolated: false,
                unresolved: false,
            },
        };
        let key_node = Node {
            value: NodeValue::Str(key_text),
            ..key.clone()
        };
        entries.push((key_node, value));
    }
    if ok {
        tags.value = NodeValue::Map(entries);
    } else {
        // Reported above; an empty mapping keeps the schema check from repeating it.
        tags.value = NodeValue::Map(Vec::new());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::node::parse;
    use serde_json::json;

    fn canonical(source: &str) -> (serde_json::Value, Vec<Diagnostic>) {
        let mut tree = parse(source).expect("parses");
        let mut diagnostics = Diagnostics::default();
        canonicalize(&mut tree, &mut diagnostics);
        (tree.to_json(), diagnostics.into_sorted())
    }

    #[test]
    fn nulls_and_empty_arns_mean_absent() {
        let (tree, diagnostics) = canonical(
            r#"{"ecs": {"taskDefinitions": {"web": {
                "taskRoleArn": "", "executionRoleArn": null, "pidMode": null,
                "containerDefinitions": [{"name": "web", "image": "nginx", "memory": null,
                    "repositoryCredentials": {"credentialsParameter": "x"}}]}}}}"#,
        );
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        assert_eq!(
            tree["ecs"]["taskDefinitions"]["web"],
            json!({"containerDefinitions": [{"name": "web", "image": "nginx",
                "repositoryCredentials": {"credentialsParameter": "x"}}]})
        );
    }

    #[test]
    fn the_api_tag_list_becomes_a_mapping() {
        let (tree, diagnostics) = canonical(
            "ecs:\n  services:\n    web:\n      tags: [ { key: team, value: shop }, { key: empty } ]\n",
        );
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        assert_eq!(
            tree["ecs"]["services"]["web"]["tags"],
            json!({"team": "shop", "empty": ""})
        );
    }

    #[test]
    fn a_repeated_or_malformed_tag_is_an_error_at_its_place() {
        let source = "ecs:\n  clusters:\n    shop:\n      tags: [ { key: a, value: '1' }, { key: a, value: '2' }, { Key: b } ]\n";
        let (_, diagnostics) = canonical(source);
        let texts: Vec<(&str, &str)> = diagnostics
            .iter()
            .map(|d| {
                (
                    d.message.as_str(),
                    &source[d.span.offset..d.span.offset + d.span.len],
                )
            })
            .collect();
        assert_eq!(
            texts,
            vec![
                ("tag `a` is given twice", "a"),
                ("a tag has only `key` and `value`, not `Key`", "Key"),
            ]
        );
    }

    #[test]
    fn the_resource_name_inside_must_be_the_key() {
        let source = "ecs:\n  taskDefinitions:\n    web: { family: web }\n    api: { family: other }\n  services:\n    web: { serviceName: web }\n";
        let (tree, diagnostics) = canonical(source);
        assert_eq!(tree["ecs"]["taskDefinitions"]["web"], json!({}));
        assert_eq!(tree["ecs"]["services"]["web"], json!({}));
        assert_eq!(diagnostics.len(), 1);
        let d = &diagnostics[0];
        assert_eq!(&source[d.span.offset..d.span.offset + d.span.len], "other");
        assert!(d.message.contains("keyed `api`"), "{}", d.message);
    }

    #[test]
    fn described_members_are_dropped_with_one_warning() {
        let (tree, diagnostics) = canonical(
            r#"{"ecs": {"taskDefinitions": {"web": {"taskDefinitionArn": "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:3",
                "revision": 3, "status": "ACTIVE", "compatibilities": ["EC2"], "containerDefinitions": []}}}}"#,
        );
        assert_eq!(
            tree["ecs"]["taskDefinitions"]["web"],
            json!({"containerDefinitions": []})
        );
        assert_eq!(diagnostics.len(), 1);
        assert!(!diagnostics[0].is_error());
        assert!(diagnostics[0].message.contains("`revision`"));
    }
}
