//! Suppressions: `lint: { suppress: [ { id: WHARF-ECR-002, reason: "..." } ] }` on a
//! repository (or `defaults.repository`, for every repository), a role, a task definition
//! or a service. `validate_manifest` checks them as part of manifest validation (known
//! rule, a rule for that kind of resource, a reason); `apply` marks the findings they
//! accept. A suppressed finding is still reported, with its reason, but never fails a run.

use super::Finding;
use super::rules::{self, Kind, RULES};
use crate::diagnostics::{Diagnostics, did_you_mean};
use crate::kinds::repository;
use crate::kinds::role;
use crate::kinds::service;
use crate::kinds::task_definition;
use crate::manifest::model::Manifest;
use crate::manifest::model::{ApiObject, ResourceLint, Suppression};
use crate::manifest::spans::{SpanIndex, pointer};
use std::collections::{BTreeMap, BTreeSet};

/// A `lint` block: the kind of resource, the pointer of the resource, its suppressions.
struct Block {
    kind: Kind,
    base: String,
    /// None for `defaults.repository` (every repository).
    address: Option<String>,
    lint: ResourceLint,
}

/// `lint` of an ECS object (a wharf convenience key in the API-shaped map). The schema
/// has checked its shape, so a value that does not decode is simply no suppressions.
fn ecs_lint(object: &ApiObject) -> Option<ResourceLint> {
    object
        .get("lint")
        .and_then(|v| serde_json::from_value(v.clone()).ok())
}

fn blocks(m: &Manifest) -> Vec<Block> {
    let mut out = Vec::new();
    if let Some(lint) = m.defaults.repository.as_ref().and_then(|d| d.lint.clone()) {
        out.push(Block {
            kind: Kind::Repository,
            base: pointer(&["defaults", "repository"]),
            address: None,
            lint,
        });
    }
    for (name, repo) in &m.repositories {
        if let Some(lint) = repo.lint.clone() {
            out.push(Block {
                kind: Kind::Repository,
                base: pointer(&["repositories", name]),
                address: Some(repository::address(name)),
                lint,
            });
        }
    }
    for (name, declared) in &m.iam.roles {
        if let Some(lint) = declared.lint.clone() {
            out.push(Block {
                kind: Kind::Role,
                base: pointer(&["iam", "roles", name]),
                address: Some(role::address(name)),
                lint,
            });
        }
    }
    for (family, task) in &m.ecs.task_definitions {
        if let Some(lint) = ecs_lint(task) {
            out.push(Block {
                kind: Kind::TaskDefinition,
                base: pointer(&["ecs", "taskDefinitions", family]),
                address: Some(task_definition::address(family)),
                lint,
            });
        }
    }
    for (name, svc) in &m.ecs.services {
        if let Some(lint) = ecs_lint(svc) {
            out.push(Block {
                kind: Kind::Service,
                base: pointer(&["ecs", "services", name]),
                address: Some(service::address(name)),
                lint,
            });
        }
    }
    out
}

/// Checks every suppression; each problem is a diagnostic at its node.
pub fn validate_manifest(m: &Manifest, spans: &SpanIndex, out: &mut Diagnostics) {
    for block in blocks(m) {
        let mut seen = BTreeSet::new();
        for (i, suppression) in block.lint.suppress.iter().enumerate() {
            let at = format!("{}/lint/suppress/{i}", block.base);
            let id_span = spans.at(&format!("{at}/id"));
            let id = suppression.id.as_str();
            match rules::by_id(id) {
                None => {
                    let hint = match did_you_mean(id, RULES.iter().map(|r| r.id)) {
                        Some(close) => format!("did you mean `{close}`?"),
                        None => format!(
                            "the rules are {}",
                            RULES.iter().map(|r| r.id).collect::<Vec<_>>().join(", ")
                        ),
                    };
                    out.error(id_span, format!("unknown lint rule `{id}`"))
                        .hint_mut(hint);
                }
                Some(rule) if rule.kind != block.kind => {
                    out.warning(
                        id_span,
                        format!(
                            "`{id}` checks {}, not {}: this suppression has no effect",
                            rule.kind.describe(),
                            block.kind.describe()
                        ),
                    )
                    .hint_mut(format!(
                        "move it to the {} the finding names",
                        rule.kind
                            .describe()
                            .trim_start_matches("a ")
                            .trim_start_matches("the ")
                    ));
                }
                Some(_) => {}
            }
            if !seen.insert(id) {
                out.warning(id_span, format!("`{id}` is suppressed twice here"));
            }
            if suppression.reason.trim().is_empty() {
                out.error(
                    spans.at(&format!("{at}/reason")),
                    format!("the suppression of `{id}` needs a reason"),
                )
                .hint_mut("say why the finding is accepted; reports and code scanning show it next to the suppressed finding");
            }
        }
    }
}

/// Marks the findings a manifest suppression accepts, with its reason. Suppressions under
/// `defaults.repository` accept that finding on every repository; a repository's own
/// suppression of the same rule gives the reason.
pub(super) fn apply(m: &Manifest, findings: &mut [Finding]) {
    let mut by_address: BTreeMap<String, Vec<Suppression>> = BTreeMap::new();
    let mut every_repository = Vec::new();
    for block in blocks(m) {
        match block.address {
            Some(address) => by_address
                .entry(address)
                .or_default()
                .extend(block.lint.suppress),
            None => every_repository.extend(block.lint.suppress),
        }
    }
    for finding in findings.iter_mut() {
        let own = by_address.get(&finding.address).into_iter().flatten();
        let inherited = finding
            .address
            .starts_with(repository::ADDRESS_PREFIX)
            .then_some(&every_repository)
            .into_iter()
            .flatten();
        if let Some(s) = own.chain(inherited).find(|s| s.id == finding.rule.id) {
            finding.suppressed = Some(s.reason.trim().to_string());
        }
    }
}
