//! Setting aside the resources that hold shape errors, PURE, so the rest of the manifest
//! is still validated and every independent problem is reported in one run.
//!
//! A resource with a shape error cannot become a typed value. Rather than stop, the
//! loader keeps its key (so references to it still resolve) and replaces its body with
//! an empty one where the kind reads `{}`, or removes it where the kind has required
//! members. Semantic diagnostics about a set-aside resource — inside its text, or naming
//! it — would be about the stand-in, not the user's text, and are dropped; its shape
//! errors say what is wrong with it.

use super::node::{Node, NodeValue};
use crate::diagnostics::{Diagnostic, Diagnostics, Span};

/// A resource set aside: its name and the text it spans (key through value).
#[derive(Clone, Debug)]
pub struct SetAside {
    pub name: String,
    pub span: Span,
}

/// The maps of resources, by path; and whether an empty body reads as a valid resource.
const COLLECTIONS: &[(&[&str], bool)] = &[
    (&["repositories"], true),
    (&["publicRepositories"], true),
    (&["iam", "roles"], true),
    (&["ecs", "clusters"], true),
    (&["ecs", "taskDefinitions"], true),
    (&["ecs", "services"], true),
    (&["registry", "pullThroughCache"], false),
    (&["registry", "creationTemplates"], false),
];

fn contains(outer: Span, inner: Span) -> bool {
    inner.is_known() && inner.offset >= outer.offset && inner.offset < outer.offset + outer.len
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

/// Where the text of a node ends: the furthest end of it and its descendants.
fn extent_end(node: &Node) -> usize {
    let own = if node.span.is_known() {
        node.span.offset + node.span.len
    } else {
        0
    };
    let children = match &node.value {
        NodeValue::Seq(items) => items.iter().map(extent_end).max(),
        NodeValue::Map(entries) => entries
            .iter()
            .map(|(k, v)| extent_end(k).max(extent_end(v)))
            .max(),
        _ => None,
    };
    own.max(children.unwrap_or(0))
}

/// Sets aside every resource an error lies in. None when an error lies outside every
/// resource (in `stack`, `defaults`, a collection itself, ...): the manifest as a whole
/// cannot be read, and its shape errors are the report.
pub fn set_aside(tree: &mut Node, diagnostics: &Diagnostics) -> Option<Vec<SetAside>> {
    let errors: Vec<Span> = diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.span)
        .collect();
    let mut placed = vec![false; errors.len()];
    let mut found = Vec::new();
    for (path, empty_reads) in COLLECTIONS {
        let mut node = Some(&mut *tree);
        for segment in *path {
            node = node.and_then(|n| member_mut(n, segment));
        }
        let Some(Node {
            value: NodeValue::Map(entries),
            ..
        }) = node
        else {
            continue;
        };
        let mut keep = Vec::with_capacity(entries.len());
        for (key, mut value) in std::mem::take(entries) {
            // A mapping's own span may cover only its first token: take its deepest end.
            let end = extent_end(&value);
            let span = if key.span.is_known() && value.span.is_known() && end > key.span.offset {
                Span::new(key.span.offset, end - key.span.offset)
            } else {
                key.span
            };
            let mut broken = false;
            for (i, error) in errors.iter().enumerate() {
                if contains(span, *error) {
                    placed[i] = true;
                    broken = true;
                }
            }
            if !broken {
                keep.push((key, value));
                continue;
            }
            found.push(SetAside {
                name: key.key_text(),
                span,
            });
            if *empty_reads {
                value.value = NodeValue::Map(Vec::new());
                keep.push((key, value));
            }
        }
        *entries = keep;
    }
    placed.iter().all(|p| *p).then_some(found)
}

/// Whether a semantic diagnostic is about a set-aside resource (see the module header).
pub fn about_set_aside(diagnostic: &Diagnostic, set_aside: &[SetAside]) -> bool {
    set_aside.iter().any(|s| {
        contains(s.span, diagnostic.span) || diagnostic.message.contains(&format!("`{}`", s.name))
    })
}

#[cfg(test)]
mod tests {
    use crate::diagnostics::Severity;

    fn diagnose(src: &str) -> Vec<(Severity, String, String, String)> {
        crate::manifest::diagnostics_with_text(src)
    }

    /// A shape error in one resource and a semantic error in another: both reported.
    #[test]
    fn a_shape_error_does_not_hide_a_semantic_error_elsewhere() {
        let src = "version: 1\nstack: shop\nrepositories:\n  shop/web:\n    scanOnPush: maybe\n  shop/api:\n    imageTagMutability: IMMUTABLE_WITH_EXCLUSION\necs:\n  taskDefinitions:\n    web:\n      cpu: \"0.3 vCPU\"\n      containerDefinitions:\n        - { name: web, image: nginx, memory: 256 }\n    api:\n      containerDefinitions: 7\n";
        let found = diagnose(src);
        let texts: Vec<&str> = found
            .iter()
            .filter(|(s, ..)| *s == Severity::Error)
            .map(|(_, _, _, t)| t.as_str())
            .collect();
        assert!(texts.contains(&"maybe"), "{found:#?}");
        assert!(texts.contains(&"7"), "{found:#?}");
        // Semantic errors in the resources without shape errors are still found.
        assert!(
            found
                .iter()
                .any(|(s, m, ..)| *s == Severity::Error && m.contains("ExclusionFilters")),
            "{found:#?}"
        );
        assert!(
            found
                .iter()
                .any(|(s, _, _, t)| *s == Severity::Error && t == "\"0.3 vCPU\""),
            "{found:#?}"
        );
    }

    /// A reference to a resource set aside is not reported as a missing resource.
    #[test]
    fn references_to_a_set_aside_resource_still_resolve() {
        let src = "version: 1\nstack: shop\niam:\n  roles:\n    exec:\n      assumedBy: ecs-tasks.amazonaws.com\necs:\n  clusters:\n    shop: {}\n  taskDefinitions:\n    web:\n      executionRole: exec\n      containerDefinitions:\n        - { name: web, image: nginx, memory: 256 }\n  services:\n    web: { cluster: shop, taskDefinition: web, desiredCount: -1 }\n";
        let found = diagnose(src);
        let errors: Vec<&(Severity, String, String, String)> = found
            .iter()
            .filter(|(s, ..)| *s == Severity::Error)
            .collect();
        assert!(
            errors
                .iter()
                .any(|(_, m, ..)| m.contains("cannot be negative")),
            "{found:#?}"
        );
        assert!(
            !errors.iter().any(|(_, m, ..)| m.contains("not a role")),
            "{found:#?}"
        );
    }

    /// An error outside every resource still stops before validation.
    #[test]
    fn an_error_outside_the_resources_is_the_whole_report() {
        let src = "version: 1\nstack: [shop]\nrepositories:\n  shop/api:\n    imageTagMutability: IMMUTABLE_WITH_EXCLUSION\n";
        let found = diagnose(src);
        assert_eq!(found.len(), 1, "{found:#?}");
    }
}
