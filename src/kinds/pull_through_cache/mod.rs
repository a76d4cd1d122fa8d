//! Pull through cache rules (`ecr.pull_through_cache.PREFIX`), keyed by
//! ecrRepositoryPrefix. A missing rule is created (CreatePullThroughCacheRule); a
//! credentialArn or customRoleArn change is an in-place update (UpdatePullThroughCacheRule
//! can change exactly those two); a change of upstreamRegistryUrl or
//! upstreamRepositoryPrefix, or the removal of a credential or role (which Update cannot
//! clear), is a replace (Delete, then Create), which apply gates behind --allow-replace.
//!
//! Ownership: rules carry no tags, so wharf records the prefixes it created (or changed)
//! in the stack's ownership ledger (`kinds::ledger`). With --prune, a rule the
//! manifest leaves out is deleted only when the ledger lists it; a rule someone else made
//! is never touched. PURE.

pub mod export;
pub mod io;
pub mod live;
pub mod model;
pub mod operation;
pub mod validate;

use crate::kinds::common::{Context, KindPlan, non_empty};
use crate::kinds::reconcile::{Ownership, Reconcile, not_declared, reconcile};
use crate::live::{LivePullThroughCacheRule, LiveSnapshot};
use crate::manifest::model::{Manifest, PullThroughCacheRule};
use crate::plan::{Change, ChangeAction, ChangeReason, FieldChange, Operation};
pub use operation::PullThroughCacheOperation;
use serde_json::json;
use std::collections::BTreeMap;

pub const ADDRESS_PREFIX: &str = operation::ENTRY.prefix;

/// The upstream repository prefix AWS reports when none was given.
pub const ROOT: &str = "ROOT";

pub fn address(prefix: &str) -> String {
    format!("{ADDRESS_PREFIX}{prefix}")
}

/// A rule in canonical form: empty strings and ROOT upstream prefixes read as absent.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RuleSpec {
    pub upstream_registry_url: String,
    pub credential_arn: Option<String>,
    pub custom_role_arn: Option<String>,
    pub upstream_repository_prefix: Option<String>,
}

fn upstream_prefix(value: Option<&str>) -> Option<String> {
    non_empty(value).filter(|v| v != ROOT)
}

/// The rule the manifest asks for.
pub fn desired(rule: &PullThroughCacheRule) -> RuleSpec {
    RuleSpec {
        upstream_registry_url: rule.upstream_registry_url.clone(),
        credential_arn: non_empty(rule.credential_arn.as_deref()),
        custom_role_arn: non_empty(rule.custom_role_arn.as_deref()),
        upstream_repository_prefix: upstream_prefix(rule.upstream_repository_prefix.as_deref()),
    }
}

/// The rule AWS holds.
pub fn observed(rule: &LivePullThroughCacheRule) -> RuleSpec {
    RuleSpec {
        upstream_registry_url: rule.upstream_registry_url.clone(),
        credential_arn: non_empty(rule.credential_arn.as_deref()),
        custom_role_arn: non_empty(rule.custom_role_arn.as_deref()),
        upstream_repository_prefix: upstream_prefix(rule.upstream_repository_prefix.as_deref()),
    }
}

fn create_operation(prefix: &str, want: &RuleSpec) -> Operation {
    Operation::PullThroughCache(PullThroughCacheOperation::CreatePullThroughCacheRule {
        prefix: prefix.to_string(),
        upstream_registry_url: want.upstream_registry_url.clone(),
        credential_arn: want.credential_arn.clone(),
        custom_role_arn: want.custom_role_arn.clone(),
        upstream_repository_prefix: want.upstream_repository_prefix.clone(),
    })
}

/// The change that brings the rule at `prefix` to `want`, if any.
pub fn diff(prefix: &str, want: &RuleSpec, have: Option<&RuleSpec>) -> Option<Change> {
    let Some(have) = have else {
        return Some(crate::kinds::common::create_because_missing(
            address(prefix),
            "the rule does not exist",
            vec![],
            vec![create_operation(prefix, want)],
        ));
    };
    let mut fields = Vec::new();
    let mut compare = |path: &str, before: Option<&str>, after: Option<&str>| {
        if before != after {
            fields.push(FieldChange::new(path, json!(before), json!(after)));
        }
    };
    compare(
        "upstreamRegistryUrl",
        Some(&have.upstream_registry_url),
        Some(&want.upstream_registry_url),
    );
    compare(
        "upstreamRepositoryPrefix",
        have.upstream_repository_prefix.as_deref(),
        want.upstream_repository_prefix.as_deref(),
    );
    compare(
        "credentialArn",
        have.credential_arn.as_deref(),
        want.credential_arn.as_deref(),
    );
    compare(
        "customRoleArn",
        have.custom_role_arn.as_deref(),
        want.custom_role_arn.as_deref(),
    );
    if fields.is_empty() {
        return None;
    }
    // What UpdatePullThroughCacheRule cannot do: change the upstream, or clear a field.
    let mut fixed: Vec<&str> = Vec::new();
    if want.upstream_registry_url != have.upstream_registry_url {
        fixed.push("upstreamRegistryUrl");
    }
    if want.upstream_repository_prefix != have.upstream_repository_prefix {
        fixed.push("upstreamRepositoryPrefix");
    }
    if want.credential_arn.is_none() && have.credential_arn.is_some() {
        fixed.push("credentialArn (removed)");
    }
    if want.custom_role_arn.is_none() && have.custom_role_arn.is_some() {
        fixed.push("customRoleArn (removed)");
    }
    let change = if fixed.is_empty() {
        crate::kinds::common::update_because_drifted(
            address(prefix),
            fields,
            vec![Operation::PullThroughCache(
                PullThroughCacheOperation::UpdatePullThroughCacheRule {
                    prefix: prefix.to_string(),
                    credential_arn: want.credential_arn.clone(),
                    custom_role_arn: want.custom_role_arn.clone(),
                },
            )],
        )
    } else {
        Change {
            address: address(prefix),
            action: ChangeAction::Replace,
            reason: format!(
                "{} cannot change in place (UpdatePullThroughCacheRule changes only credentialArn and customRoleArn)",
                fixed.join(", ")
            ),
            reason_code: ChangeReason::ReplaceBecauseCannotUpdate,
            fields,
            destroys: None,
            preview: None,
            operations: vec![
                Operation::PullThroughCache(
                    PullThroughCacheOperation::DeletePullThroughCacheRule {
                        prefix: prefix.to_string(),
                    },
                ),
                create_operation(prefix, want),
            ],
        }
    };
    Some(change)
}

/// Creates, updates and replaces for the declared rules; with `prune`, deletes for the
/// rules the ledger records and the manifest no longer declares.
///
/// The ledger also speaks for creation templates: when it cannot be read, the plan says
/// once, here, that neither is pruned.
pub fn plan(manifest: &Manifest, _ctx: &Context, live: &LiveSnapshot, prune: bool) -> KindPlan {
    let rules = Rules { manifest, live };
    let mut out = reconcile(&rules, prune, crate::kinds::common::Adoption::Refuse);
    if prune && let Some(reason) = &live.ledger_unreadable {
        out.warnings.push(format!(
            "the ownership ledger could not be read ({reason}); pull through cache rules and creation templates wharf created are not pruned"
        ));
    }
    out
}

/// The pull through cache rules of a manifest against those ECR holds.
struct Rules<'a> {
    manifest: &'a Manifest,
    live: &'a LiveSnapshot,
}

impl Reconcile for Rules<'_> {
    type Want = RuleSpec;
    type Have = LivePullThroughCacheRule;
    const NOUN: &'static str = "pull through cache rule";
    const PREFIX: &'static str = ADDRESS_PREFIX;
    const OWNERSHIP: Ownership = Ownership::Ledger;
    const TAG_COMMAND: &'static str = "";

    fn stack(&self) -> &str {
        &self.manifest.stack
    }

    fn names(&self) -> Vec<String> {
        self.manifest
            .registry
            .pull_through_cache
            .keys()
            .cloned()
            .collect()
    }

    fn desired(&self, prefix: &str, _: &mut Vec<String>) -> RuleSpec {
        desired(&self.manifest.registry.pull_through_cache[prefix])
    }

    fn find(&self, prefix: &str) -> Option<&LivePullThroughCacheRule> {
        self.live.pull_through_cache_rules.get(prefix)
    }

    fn tags<'h>(&self, _: &'h LivePullThroughCacheRule) -> Option<&'h BTreeMap<String, String>> {
        None
    }

    fn create(&self, prefix: &str, want: &RuleSpec) -> Change {
        diff(prefix, want, None).expect("a missing rule is created")
    }

    fn diff(
        &self,
        prefix: &str,
        want: &RuleSpec,
        have: &LivePullThroughCacheRule,
        _: &mut Vec<String>,
    ) -> Result<Option<Change>, crate::kinds::common::Conflict> {
        Ok(diff(prefix, want, Some(&observed(have))))
    }

    fn undeclared(&self) -> Vec<(String, &LivePullThroughCacheRule)> {
        not_declared(&self.live.pull_through_cache_rules, |prefix| {
            self.manifest
                .registry
                .pull_through_cache
                .contains_key(prefix)
        })
    }

    fn in_ledger(&self, prefix: &str) -> bool {
        self.live
            .ledger
            .as_ref()
            .is_some_and(|ledger| ledger.pull_through_cache.contains(prefix))
    }

    fn delete(
        &self,
        prefix: &str,
        _: &LivePullThroughCacheRule,
    ) -> Option<Result<Change, crate::kinds::common::Conflict>> {
        Some(Ok(crate::kinds::common::delete_because_not_in_manifest(
            address(prefix),
            crate::kinds::common::LEDGER_OWNED_NOT_DECLARED,
            None,
            vec![Operation::PullThroughCache(
                PullThroughCacheOperation::DeletePullThroughCacheRule {
                    prefix: prefix.to_string(),
                },
            )],
        )))
    }
}

/// What AWS would hold after the operation ran (for tests and previews).
pub fn after(
    live: &BTreeMap<String, LivePullThroughCacheRule>,
    operation: &PullThroughCacheOperation,
) -> BTreeMap<String, LivePullThroughCacheRule> {
    let mut next = live.clone();
    match operation {
        PullThroughCacheOperation::CreatePullThroughCacheRule {
            prefix,
            upstream_registry_url,
            credential_arn,
            custom_role_arn,
            upstream_repository_prefix,
        } => {
            next.insert(
                prefix.clone(),
                LivePullThroughCacheRule {
                    ecr_repository_prefix: prefix.clone(),
                    upstream_registry_url: upstream_registry_url.clone(),
                    credential_arn: credential_arn.clone(),
                    custom_role_arn: custom_role_arn.clone(),
                    upstream_repository_prefix: Some(
                        upstream_repository_prefix
                            .clone()
                            .unwrap_or_else(|| ROOT.into()),
                    ),
                },
            );
        }
        PullThroughCacheOperation::UpdatePullThroughCacheRule {
            prefix,
            credential_arn,
            custom_role_arn,
        } => {
            if let Some(rule) = next.get_mut(prefix) {
                if credential_arn.is_some() {
                    rule.credential_arn = credential_arn.clone();
                }
                if custom_role_arn.is_some() {
                    rule.custom_role_arn = custom_role_arn.clone();
                }
            }
        }
        PullThroughCacheOperation::DeletePullThroughCacheRule { prefix } => {
            next.remove(prefix);
        }
    }
    next
}

/// The pull through cache kind, as the registry lists it.
pub struct PullThroughCacheKind;

impl crate::kinds::Kind for PullThroughCacheKind {
    fn plan(
        manifest: &Manifest,
        ctx: &crate::kinds::common::Context,
        live: &LiveSnapshot,
        prune: bool,
        _adoption: crate::kinds::common::Adoption,
    ) -> crate::kinds::common::KindPlan {
        plan(manifest, ctx, live, prune)
    }

    fn live_objects(live: &LiveSnapshot) -> Vec<(String, serde_json::Value)> {
        crate::kinds::kind::objects_by_name(&live.pull_through_cache_rules, address)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::load;
    use crate::manifest::vars::Variables;

    const SECRET: &str =
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:ecr-pullthroughcache/hub-AbCdEf";
    const SECRET2: &str =
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:ecr-pullthroughcache/hub2-AbCdEf";

    fn manifest(yaml: &str) -> Manifest {
        let src = format!("version: 1\nstack: shop\nregistry:\n  pullThroughCache:\n{yaml}");
        match load("wharf.yaml", &src, &Variables::default()) {
            Ok(loaded) => loaded.manifest,
            Err(failure) => panic!("{src}\n{:#?}", failure.diagnostics),
        }
    }

    fn plan_of(m: &Manifest, live: &LiveSnapshot) -> KindPlan {
        let kms = BTreeMap::new();
        let ctx = Context {
            account_id: "123456789012",
            region: "eu-west-1",
            kms_keys: &kms,
        };
        plan(m, &ctx, live, true)
    }

    fn live_rule(url: &str, credential: Option<&str>) -> LivePullThroughCacheRule {
        LivePullThroughCacheRule {
            ecr_repository_prefix: "hub".into(),
            upstream_registry_url: url.into(),
            credential_arn: credential.map(str::to_string),
            custom_role_arn: None,
            upstream_repository_prefix: Some(ROOT.into()),
        }
    }

    fn live_with(rules: &[(&str, LivePullThroughCacheRule)]) -> LiveSnapshot {
        LiveSnapshot {
            account_id: "123456789012".into(),
            region: "eu-west-1".into(),
            pull_through_cache_rules: rules
                .iter()
                .map(|(p, r)| (p.to_string(), r.clone()))
                .collect(),
            ..LiveSnapshot::default()
        }
    }

    /// Applies every operation of the plan to the live rules.
    fn converge(m: &Manifest, live: &LiveSnapshot) -> LiveSnapshot {
        let mut next = live.clone();
        for change in plan_of(m, live).changes {
            for op in change.operations {
                let Operation::PullThroughCache(op) = op else {
                    panic!("not a pull through cache operation")
                };
                next.pull_through_cache_rules = after(&next.pull_through_cache_rules, &op);
            }
        }
        next
    }

    fn hub(credential: &str) -> String {
        format!(
            "    hub: {{ upstreamRegistryUrl: registry-1.docker.io, credentialArn: \"{credential}\" }}\n"
        )
    }

    #[test]
    fn a_missing_rule_is_created_and_converges() {
        let m = manifest(&hub(SECRET));
        let live = live_with(&[]);
        let changes = plan_of(&m, &live).changes;
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].address, "ecr.pull_through_cache.hub");
        assert_eq!(changes[0].action, ChangeAction::Create);
        assert_eq!(
            changes[0].operations,
            vec![Operation::PullThroughCache(
                PullThroughCacheOperation::CreatePullThroughCacheRule {
                    prefix: "hub".into(),
                    upstream_registry_url: "registry-1.docker.io".into(),
                    credential_arn: Some(SECRET.into()),
                    custom_role_arn: None,
                    upstream_repository_prefix: None,
                }
            )]
        );
        let next = converge(&m, &live);
        assert!(plan_of(&m, &next).changes.is_empty());
    }

    #[test]
    fn an_identical_rule_plans_nothing() {
        let m = manifest(&hub(SECRET));
        let live = live_with(&[("hub", live_rule("registry-1.docker.io", Some(SECRET)))]);
        assert!(plan_of(&m, &live).changes.is_empty());
        // An explicit ROOT upstream prefix is AWS's default.
        let m = manifest(
            "    ecr-public: { upstreamRegistryUrl: public.ecr.aws, upstreamRepositoryPrefix: ROOT }\n",
        );
        let mut rule = live_rule("public.ecr.aws", None);
        rule.ecr_repository_prefix = "ecr-public".into();
        assert!(
            plan_of(&m, &live_with(&[("ecr-public", rule)]))
                .changes
                .is_empty()
        );
    }

    #[test]
    fn a_credential_change_is_an_update_in_place() {
        let m = manifest(&hub(SECRET2));
        let live = live_with(&[("hub", live_rule("registry-1.docker.io", Some(SECRET)))]);
        let changes = plan_of(&m, &live).changes;
        assert_eq!(changes.len(), 1);
        let change = &changes[0];
        assert_eq!(change.action, ChangeAction::Update);
        assert_eq!(change.reason, "credentialArn differs");
        assert_eq!(
            change.fields,
            vec![FieldChange::new(
                "credentialArn",
                json!(SECRET),
                json!(SECRET2)
            )]
        );
        assert_eq!(
            change.operations,
            vec![Operation::PullThroughCache(
                PullThroughCacheOperation::UpdatePullThroughCacheRule {
                    prefix: "hub".into(),
                    credential_arn: Some(SECRET2.into()),
                    custom_role_arn: None,
                }
            )]
        );
        let next = converge(&m, &live);
        assert_eq!(
            next.pull_through_cache_rules["hub"]
                .credential_arn
                .as_deref(),
            Some(SECRET2)
        );
        assert!(plan_of(&m, &next).changes.is_empty());
    }

    #[test]
    fn an_upstream_change_is_a_replace() {
        let m = manifest(&format!(
            "    hub: {{ upstreamRegistryUrl: ghcr.io, credentialArn: \"{SECRET}\" }}\n"
        ));
        let live = live_with(&[("hub", live_rule("registry-1.docker.io", Some(SECRET)))]);
        let changes = plan_of(&m, &live).changes;
        assert_eq!(changes.len(), 1);
        let change = &changes[0];
        assert_eq!(change.action, ChangeAction::Replace);
        assert_eq!(change.reason_code, ChangeReason::ReplaceBecauseCannotUpdate);
        assert!(
            change
                .reason
                .starts_with("upstreamRegistryUrl cannot change in place"),
            "{}",
            change.reason
        );
        let ops: Vec<String> = change.operations.iter().map(Operation::describe).collect();
        assert_eq!(
            ops,
            vec![
                "DeletePullThroughCacheRule hub",
                "CreatePullThroughCacheRule hub <- ghcr.io"
            ]
        );
        // apply refuses it without --allow-replace.
        let plan = crate::plan::Plan::new("shop", changes.clone(), vec![]);
        let refused =
            crate::ops::apply::refusals(&plan, crate::ops::apply::ApplyOptions::default());
        assert_eq!(
            refused,
            vec![
                "ecr.pull_through_cache.hub: replacing it deletes and recreates it; this needs --allow-replace"
            ]
        );
        let next = converge(&m, &live);
        assert!(plan_of(&m, &next).changes.is_empty());
    }

    #[test]
    fn changes_update_cannot_make_are_replaces() {
        // An upstream repository prefix change.
        let m = manifest(
            "    team: { upstreamRegistryUrl: 210987654321.dkr.ecr.eu-west-1.amazonaws.com, upstreamRepositoryPrefix: team-b }\n",
        );
        let mut rule = live_rule("210987654321.dkr.ecr.eu-west-1.amazonaws.com", None);
        rule.upstream_repository_prefix = Some("team-a".into());
        let live = live_with(&[("team", rule)]);
        let change = &plan_of(&m, &live).changes[0];
        assert_eq!(change.action, ChangeAction::Replace);
        assert!(change.reason.starts_with("upstreamRepositoryPrefix"));
        assert!(plan_of(&m, &converge(&m, &live)).changes.is_empty());
        // A credential removed: Update cannot clear it.
        let m = manifest("    hub: { upstreamRegistryUrl: quay.io }\n");
        let live = live_with(&[("hub", live_rule("quay.io", Some(SECRET)))]);
        let change = &plan_of(&m, &live).changes[0];
        assert_eq!(change.action, ChangeAction::Replace);
        assert!(change.reason.starts_with("credentialArn (removed)"));
        assert!(plan_of(&m, &converge(&m, &live)).changes.is_empty());
    }

    #[test]
    fn rules_outside_the_manifest_are_never_deleted() {
        let m = manifest(&hub(SECRET));
        let live = live_with(&[
            ("hub", live_rule("registry-1.docker.io", Some(SECRET))),
            ("quay", live_rule("quay.io", None)),
        ]);
        // Planned with prune: still nothing.
        assert!(plan_of(&m, &live).changes.is_empty());
    }
}
