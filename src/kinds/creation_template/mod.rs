//! Repository creation templates (`ecr.creation_template.PREFIX`), keyed by prefix (ROOT:
//! the registry's default template): the settings ECR gives the repositories it creates
//! on its own (pull through cache, replication, create on push). A missing template is
//! created (CreateRepositoryCreationTemplate); every field changes in place
//! (UpdateRepositoryCreationTemplate), and a change reaches only repositories created
//! afterwards, so nothing is ever replaced.
//!
//! A template holds the settings a repository holds, so its desired state comes from the
//! repository code: AWS's defaults, lifecycle rules compiled by `lifecycle`, `pull`
//! compiled into a policy by `policy`, and the same comparisons by meaning.
//!
//! Ownership: AWS gives templates no tags. With --prune, a live template the manifest does
//! not declare is deleted only when the stack's ownership ledger records that wharf
//! created it; any other template is never touched. PURE.

pub mod export;
pub mod io;
pub mod live;
pub mod model;
pub mod operation;
pub mod validate;

use crate::documents::lifecycle;
use crate::documents::policy;
use crate::kinds::common::{Context, KindPlan, non_empty};
use crate::kinds::reconcile::{Ownership, Reconcile, reconcile};
use crate::kinds::repository;
use crate::live::{KmsKey, LiveCreationTemplate, LiveSnapshot, OwnershipLedger};
use crate::manifest::model::ecr_defaults;
use crate::manifest::model::{CreationTemplate, EncryptionType, Manifest, Repository};
use crate::plan::{Change, FieldChange, Operation};
pub use operation::{Cleared, CreationTemplateOperation, TemplateSettings};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

pub const ADDRESS_PREFIX: &str = operation::ENTRY.prefix;

/// The prefix of the registry's default template (repositories no other template matches).
pub const ROOT: &str = "ROOT";

/// What a creation template needs first: the roles of this manifest its `pull` names.
pub fn dependencies(manifest: &Manifest, prefix: &str) -> Vec<String> {
    let pull = manifest
        .registry
        .creation_templates
        .get(prefix)
        .and_then(|t| t.pull.as_ref());
    crate::kinds::role::references::pull_dependencies(manifest, pull)
}

pub fn address(prefix: &str) -> String {
    format!("{ADDRESS_PREFIX}{prefix}")
}

/// The prefix as ECR means it: ECR assumes a `/` at the end of every prefix, so `shop`
/// and `shop/` name one template.
pub fn canonical_prefix(prefix: &str) -> &str {
    match prefix.trim_end_matches('/') {
        "" => prefix,
        trimmed => trimmed,
    }
}

/// A template in canonical form, either side: what two templates that ECR treats alike
/// share. Documents are parsed; absent and empty mean the same.
#[derive(Clone, Debug, PartialEq)]
pub struct TemplateSpec {
    pub applied_for: BTreeSet<String>,
    pub image_tag_mutability: String,
    pub exclusion_filters: Vec<String>,
    pub encryption_type: String,
    pub kms_key: Option<String>,
    pub lifecycle_policy: Option<Value>,
    pub repository_policy: Option<Value>,
    pub resource_tags: BTreeMap<String, String>,
    pub custom_role_arn: Option<String>,
    pub description: Option<String>,
}

/// The template's repository settings as a repository, so that the repository code
/// (defaults, lifecycle compile, pull policy, and validation) serves templates too.
pub fn repository_view(template: &CreationTemplate) -> Repository {
    Repository {
        image_tag_mutability: template.image_tag_mutability,
        image_tag_mutability_exclusion_filters: template
            .image_tag_mutability_exclusion_filters
            .clone(),
        encryption: template.encryption.clone(),
        lifecycle: template.lifecycle.clone(),
        lifecycle_policy: template.lifecycle_policy.clone(),
        pull: template.pull.clone(),
        policy: template.policy.clone(),
        ..Repository::default()
    }
}

/// The template the manifest asks for.
pub fn desired(manifest: &Manifest, ctx: &Context, template: &CreationTemplate) -> TemplateSpec {
    let settings = repository::desired_settings(manifest, ctx, &repository_view(template));
    TemplateSpec {
        applied_for: template
            .applied_for
            .iter()
            .map(|a| a.as_str().to_string())
            .collect(),
        image_tag_mutability: settings.image_tag_mutability.as_str().to_string(),
        exclusion_filters: settings.exclusion_filters,
        encryption_type: settings.encryption_type.as_str().to_string(),
        kms_key: settings.kms_key,
        lifecycle_policy: settings.lifecycle_policy,
        repository_policy: settings.policy,
        resource_tags: template.resource_tags.clone().unwrap_or_default(),
        custom_role_arn: non_empty(template.custom_role_arn.as_deref()),
        description: non_empty(template.description.as_deref()),
    }
}

/// The template AWS holds, normalized.
pub fn observed(live: &LiveCreationTemplate) -> TemplateSpec {
    // CreateRepositoryCreationTemplate: an omitted imageTagMutability means MUTABLE.
    let image_tag_mutability = non_empty(live.image_tag_mutability.as_deref())
        .unwrap_or_else(|| ecr_defaults::IMAGE_TAG_MUTABILITY.as_str().into());
    // Exclusion filters take effect only with the *_WITH_EXCLUSION mutabilities.
    let takes_exclusions = image_tag_mutability.ends_with("_WITH_EXCLUSION");
    // No encryption configuration means AES256, ECR's default; AES256 takes no key.
    let encryption_type = non_empty(live.encryption_type.as_deref())
        .unwrap_or_else(|| ecr_defaults::ENCRYPTION.as_str().into());
    let kms_key = non_empty(live.kms_key.as_deref())
        .filter(|_| encryption_type != EncryptionType::Aes256.as_str());
    TemplateSpec {
        applied_for: live.applied_for.iter().cloned().collect(),
        image_tag_mutability,
        exclusion_filters: if takes_exclusions {
            live.exclusion_filters.clone()
        } else {
            Vec::new()
        },
        encryption_type,
        kms_key,
        // An empty text is no document (what a cleared field may read back as).
        lifecycle_policy: non_empty(live.lifecycle_policy.as_deref())
            .as_deref()
            .map(crate::kinds::common::parse_live_document),
        repository_policy: non_empty(live.repository_policy.as_deref())
            .as_deref()
            .map(crate::kinds::common::parse_live_document),
        resource_tags: live.resource_tags.clone(),
        custom_role_arn: non_empty(live.custom_role_arn.as_deref()),
        description: non_empty(live.description.as_deref()),
    }
}

/// What the requests send for `want`.
pub fn settings(want: &TemplateSpec) -> TemplateSettings {
    TemplateSettings {
        applied_for: want.applied_for.iter().cloned().collect(),
        image_tag_mutability: want.image_tag_mutability.clone(),
        image_tag_mutability_exclusion_filters: want.exclusion_filters.clone(),
        encryption_type: want.encryption_type.clone(),
        kms_key: want.kms_key.clone(),
        lifecycle_policy: want
            .lifecycle_policy
            .as_ref()
            .map(crate::kinds::common::document_text),
        repository_policy: want
            .repository_policy
            .as_ref()
            .map(crate::kinds::common::document_text),
        resource_tags: want.resource_tags.clone(),
        custom_role_arn: want.custom_role_arn.clone(),
        description: want.description.clone(),
    }
}

fn text(value: Option<&str>) -> Value {
    value.map_or(Value::Null, |v| json!(v))
}

fn list(values: &[String]) -> Value {
    if values.is_empty() {
        Value::Null
    } else {
        json!(values)
    }
}

/// Every field of `want`, as a create shows it.
fn created_fields(want: &TemplateSpec) -> Vec<FieldChange> {
    let mut fields = vec![
        FieldChange::new(
            "appliedFor",
            Value::Null,
            json!(want.applied_for.iter().collect::<Vec<_>>()),
        ),
        FieldChange::new(
            "imageTagMutability",
            Value::Null,
            json!(want.image_tag_mutability),
        ),
        FieldChange::new(
            "imageTagMutabilityExclusionFilters",
            Value::Null,
            list(&want.exclusion_filters),
        ),
        FieldChange::new("encryption.type", Value::Null, json!(want.encryption_type)),
        FieldChange::new(
            "encryption.kmsKey",
            Value::Null,
            text(want.kms_key.as_deref()),
        ),
        FieldChange::new(
            "lifecyclePolicy",
            Value::Null,
            want.lifecycle_policy.clone().unwrap_or(Value::Null),
        ),
        FieldChange::new(
            "policy",
            Value::Null,
            want.repository_policy.clone().unwrap_or(Value::Null),
        ),
    ];
    for (k, v) in &want.resource_tags {
        fields.push(FieldChange::new(
            format!("resourceTags.{k}"),
            Value::Null,
            json!(v),
        ));
    }
    fields.push(FieldChange::new(
        "customRoleArn",
        Value::Null,
        text(want.custom_role_arn.as_deref()),
    ));
    fields.push(FieldChange::new(
        "description",
        Value::Null,
        text(want.description.as_deref()),
    ));
    fields.retain(|f| !f.after.is_null());
    fields
}

fn create_change(prefix: &str, want: &TemplateSpec) -> Change {
    crate::kinds::common::create_because_missing(
        address(prefix),
        crate::kinds::common::NOT_PRESENT,
        created_fields(want),
        vec![Operation::CreationTemplate(
            CreationTemplateOperation::CreateRepositoryCreationTemplate {
                prefix: prefix.to_string(),
                settings: settings(want),
            },
        )],
    )
}

/// The field-level differences between `have` and `want` (paths in the manifest's names),
/// and the text fields the update must clear.
fn differences(
    address: &str,
    want: &TemplateSpec,
    have: &TemplateSpec,
    kms_keys: &BTreeMap<String, KmsKey>,
    warnings: &mut Vec<String>,
) -> (Vec<FieldChange>, Vec<Cleared>) {
    let mut fields = Vec::new();
    let mut cleared = Vec::new();

    // appliedFor is a set: ECR gives its scenarios no order.
    if want.applied_for != have.applied_for {
        fields.push(FieldChange::new(
            "appliedFor",
            json!(have.applied_for.iter().collect::<Vec<_>>()),
            json!(want.applied_for.iter().collect::<Vec<_>>()),
        ));
    }
    if want.image_tag_mutability != have.image_tag_mutability {
        fields.push(FieldChange::new(
            "imageTagMutability",
            json!(have.image_tag_mutability),
            json!(want.image_tag_mutability),
        ));
    }
    // Exclusion filters match tags independently of one another: their order means nothing.
    let sorted = |filters: &[String]| {
        let mut filters = filters.to_vec();
        filters.sort();
        filters
    };
    if sorted(&want.exclusion_filters) != sorted(&have.exclusion_filters) {
        fields.push(FieldChange::new(
            "imageTagMutabilityExclusionFilters",
            list(&have.exclusion_filters),
            list(&want.exclusion_filters),
        ));
    }
    if want.encryption_type != have.encryption_type {
        fields.push(FieldChange::new(
            "encryption.type",
            json!(have.encryption_type),
            json!(want.encryption_type),
        ));
    }
    if want.encryption_type != EncryptionType::Aes256.as_str() && want.kms_key != have.kms_key {
        // Key id, key ARN, alias and alias ARN can all name one key (resolved by DescribeKey).
        match repository::same_kms_key(
            want.kms_key.as_deref(),
            have.kms_key.as_deref(),
            kms_keys,
        ) {
            Some(true) => {}
            Some(false) => fields.push(FieldChange::new(
                "encryption.kmsKey",
                text(have.kms_key.as_deref()),
                text(want.kms_key.as_deref()),
            )),
            None => warnings.push(format!(
                "{address}: cannot tell whether KMS key `{}` is the template's key `{}` (kms:DescribeKey failed); assuming it is",
                want.kms_key.as_deref().unwrap_or("alias/aws/ecr"),
                have.kms_key.as_deref().unwrap_or("-")
            )),
        }
    }
    // Lifecycle rules compare after normalization (ECR orders them by priority, ...).
    if want.lifecycle_policy.as_ref().map(lifecycle::normalize)
        != have.lifecycle_policy.as_ref().map(lifecycle::normalize)
    {
        fields.push(FieldChange::new(
            "lifecyclePolicy",
            have.lifecycle_policy.clone().unwrap_or(Value::Null),
            want.lifecycle_policy.clone().unwrap_or(Value::Null),
        ));
        if want.lifecycle_policy.is_none() {
            cleared.push(Cleared::LifecyclePolicy);
        }
    }
    // Repository policies compare by meaning (statement order, one-element lists, ...).
    if want.repository_policy.as_ref().map(policy::normalize)
        != have.repository_policy.as_ref().map(policy::normalize)
    {
        fields.push(FieldChange::new(
            "policy",
            have.repository_policy.clone().unwrap_or(Value::Null),
            want.repository_policy.clone().unwrap_or(Value::Null),
        ));
        if want.repository_policy.is_none() {
            cleared.push(Cleared::RepositoryPolicy);
        }
    }
    // Tags are a map: ECR returns them in no particular order.
    let keys: BTreeSet<&String> = want
        .resource_tags
        .keys()
        .chain(have.resource_tags.keys())
        .collect();
    for key in keys {
        let (before, after) = (have.resource_tags.get(key), want.resource_tags.get(key));
        if before != after {
            fields.push(FieldChange::new(
                format!("resourceTags.{key}"),
                json!(before),
                json!(after),
            ));
        }
    }
    for (path, before, after, clear) in [
        (
            "customRoleArn",
            &have.custom_role_arn,
            &want.custom_role_arn,
            Cleared::CustomRoleArn,
        ),
        (
            "description",
            &have.description,
            &want.description,
            Cleared::Description,
        ),
    ] {
        if before != after {
            fields.push(FieldChange::new(
                path,
                text(before.as_deref()),
                text(after.as_deref()),
            ));
            if after.is_none() {
                cleared.push(clear);
            }
        }
    }
    (fields, cleared)
}

/// The change that brings the live template `have` (its prefix as AWS spells it) to
/// `want`, declared at `prefix`; None when they already agree.
pub fn diff(
    prefix: &str,
    want: &TemplateSpec,
    have: &LiveCreationTemplate,
    kms_keys: &BTreeMap<String, KmsKey>,
    warnings: &mut Vec<String>,
) -> Option<Change> {
    let addr = address(prefix);
    let (fields, cleared) = differences(&addr, want, &observed(have), kms_keys, warnings);
    if fields.is_empty() {
        return None;
    }
    Some(crate::kinds::common::update_because_drifted(
        addr,
        fields,
        vec![Operation::CreationTemplate(
            CreationTemplateOperation::UpdateRepositoryCreationTemplate {
                prefix: have.prefix.clone(),
                settings: settings(want),
                cleared,
            },
        )],
    ))
}

fn delete_change(have: &LiveCreationTemplate) -> Change {
    crate::kinds::common::delete_because_not_in_manifest(
        address(&have.prefix),
        crate::kinds::common::LEDGER_OWNED_NOT_DECLARED,
        None,
        vec![Operation::CreationTemplate(
            CreationTemplateOperation::DeleteRepositoryCreationTemplate {
                prefix: have.prefix.clone(),
            },
        )],
    )
}

/// Creates and updates for the declared templates; with `prune`, deletes for the live
/// templates the manifest does not declare and the ownership ledger records. Without a
/// ledger (not read, or unreadable) nothing is deleted.
pub fn plan(manifest: &Manifest, ctx: &Context, live: &LiveSnapshot, prune: bool) -> KindPlan {
    let templates = Templates {
        manifest,
        ctx,
        live,
        by_prefix: live
            .creation_templates
            .values()
            .map(|t| (canonical_prefix(&t.prefix).to_string(), t))
            .collect(),
    };
    reconcile(&templates, prune, crate::kinds::common::Adoption::Refuse)
}

/// The creation templates of a manifest against those ECR holds, matched by prefix as
/// ECR compares them (a trailing `/` does not count).
struct Templates<'a> {
    manifest: &'a Manifest,
    ctx: &'a Context<'a>,
    live: &'a LiveSnapshot,
    by_prefix: BTreeMap<String, &'a LiveCreationTemplate>,
}

impl Reconcile for Templates<'_> {
    type Want = TemplateSpec;
    type Have = LiveCreationTemplate;
    const NOUN: &'static str = "creation template";
    const PREFIX: &'static str = ADDRESS_PREFIX;
    const OWNERSHIP: Ownership = Ownership::Ledger;
    const TAG_COMMAND: &'static str = "";

    fn stack(&self) -> &str {
        &self.manifest.stack
    }

    fn names(&self) -> Vec<String> {
        self.manifest
            .registry
            .creation_templates
            .keys()
            .cloned()
            .collect()
    }

    fn desired(&self, prefix: &str, _: &mut Vec<String>) -> TemplateSpec {
        desired(
            self.manifest,
            self.ctx,
            &self.manifest.registry.creation_templates[prefix],
        )
    }

    fn find(&self, prefix: &str) -> Option<&LiveCreationTemplate> {
        self.by_prefix.get(canonical_prefix(prefix)).copied()
    }

    fn tags<'h>(&self, _: &'h LiveCreationTemplate) -> Option<&'h BTreeMap<String, String>> {
        None
    }

    fn create(&self, prefix: &str, want: &TemplateSpec) -> Change {
        create_change(prefix, want)
    }

    fn diff(
        &self,
        prefix: &str,
        want: &TemplateSpec,
        have: &LiveCreationTemplate,
        warnings: &mut Vec<String>,
    ) -> Result<Option<Change>, crate::kinds::common::Conflict> {
        Ok(diff(prefix, want, have, &self.live.kms_keys, warnings))
    }

    fn undeclared(&self) -> Vec<(String, &LiveCreationTemplate)> {
        let declared: BTreeSet<&str> = self
            .manifest
            .registry
            .creation_templates
            .keys()
            .map(|p| canonical_prefix(p))
            .collect();
        self.by_prefix
            .iter()
            .filter(|(prefix, _)| !declared.contains(prefix.as_str()))
            .map(|(prefix, have)| (prefix.clone(), *have))
            .collect()
    }

    fn in_ledger(&self, prefix: &str) -> bool {
        self.live.ledger.as_ref().is_some_and(|ledger| {
            ledger
                .creation_templates
                .iter()
                .any(|p| canonical_prefix(p) == prefix)
        })
    }

    fn delete(
        &self,
        _: &str,
        have: &LiveCreationTemplate,
    ) -> Option<Result<Change, crate::kinds::common::Conflict>> {
        Some(Ok(delete_change(have)))
    }
}

/// The templates planning needs: the declared ones and those the ownership ledger records
/// (read only when pruning). No other template can be planned for, so a stack without
/// templates reads none.
pub fn prefixes_to_read(manifest: &Manifest, ledger: Option<&OwnershipLedger>) -> BTreeSet<String> {
    let mut prefixes: BTreeSet<String> = manifest
        .registry
        .creation_templates
        .keys()
        .cloned()
        .collect();
    prefixes.extend(
        ledger
            .iter()
            .flat_map(|l| l.creation_templates.iter().cloned()),
    );
    prefixes
}

/// KMS key references worth resolving before planning: both sides' keys of declared
/// templates whose keys differ as written (an alias against the key ARN it names, or a
/// live key where the manifest names none, which may be the AWS-managed key).
pub fn kms_references(
    manifest: &Manifest,
    live: &BTreeMap<String, LiveCreationTemplate>,
) -> Vec<String> {
    let by_prefix: BTreeMap<&str, &LiveCreationTemplate> = live
        .values()
        .map(|t| (canonical_prefix(&t.prefix), t))
        .collect();
    let mut refs = BTreeSet::new();
    for (prefix, template) in &manifest.registry.creation_templates {
        let Some(have) = by_prefix.get(canonical_prefix(prefix)).map(|t| observed(t)) else {
            continue;
        };
        let Some(encryption) = &template.encryption else {
            continue;
        };
        if encryption.encryption_type == EncryptionType::Aes256
            || have.encryption_type == EncryptionType::Aes256.as_str()
        {
            continue;
        }
        let want = encryption.kms_key.as_deref();
        let same_as_written = match (want, have.kms_key.as_deref()) {
            (Some(d), Some(l)) => {
                d == l
                    || repository::key_id_of(d).is_some()
                        && repository::key_id_of(d) == repository::key_id_of(l)
            }
            (None, None) => true,
            _ => false,
        };
        if !same_as_written {
            refs.extend(want.map(str::to_string));
            refs.extend(have.kms_key.clone());
        }
    }
    refs.into_iter().collect()
}

/// What AWS would hold after the operation ran (for tests): documents come back
/// pretty-printed and tags in no particular order, as ECR returns them.
pub fn after(
    live: &BTreeMap<String, LiveCreationTemplate>,
    operation: &CreationTemplateOperation,
) -> BTreeMap<String, LiveCreationTemplate> {
    let mut next = live.clone();
    let held = |prefix: &str, s: &TemplateSettings| LiveCreationTemplate {
        prefix: prefix.to_string(),
        applied_for: s.applied_for.iter().rev().cloned().collect(),
        image_tag_mutability: Some(s.image_tag_mutability.clone()),
        exclusion_filters: s.image_tag_mutability_exclusion_filters.clone(),
        encryption_type: Some(s.encryption_type.clone()),
        kms_key: s.kms_key.clone(),
        lifecycle_policy: s.lifecycle_policy.as_deref().map(reformatted),
        repository_policy: s.repository_policy.as_deref().map(reformatted),
        resource_tags: s.resource_tags.clone(),
        custom_role_arn: s.custom_role_arn.clone(),
        description: s.description.clone(),
    };
    match operation {
        CreationTemplateOperation::CreateRepositoryCreationTemplate { prefix, settings }
        | CreationTemplateOperation::UpdateRepositoryCreationTemplate {
            prefix, settings, ..
        } => {
            next.insert(prefix.clone(), held(prefix, settings));
        }
        CreationTemplateOperation::DeleteRepositoryCreationTemplate { prefix } => {
            next.remove(prefix);
        }
    }
    next
}

fn reformatted(text: &str) -> String {
    serde_json::from_str::<Value>(text)
        .ok()
        .and_then(|doc| serde_json::to_string_pretty(&doc).ok())
        .unwrap_or_else(|| text.to_string())
}

/// The creation template kind, as the registry lists it.
pub struct CreationTemplateKind;

impl crate::kinds::Kind for CreationTemplateKind {
    fn plan(
        manifest: &Manifest,
        ctx: &crate::kinds::common::Context,
        live: &LiveSnapshot,
        prune: bool,
        _adoption: crate::kinds::common::Adoption,
    ) -> crate::kinds::common::KindPlan {
        plan(manifest, ctx, live, prune)
    }

    fn dependencies(manifest: &Manifest, name: &str) -> Vec<String> {
        dependencies(manifest, name)
    }

    fn live_objects(live: &LiveSnapshot) -> Vec<(String, serde_json::Value)> {
        crate::kinds::kind::objects_by_name(&live.creation_templates, address)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::load;
    use crate::manifest::vars::Variables;
    use crate::plan::{ChangeAction, ChangeReason};

    const ROLE: &str = "arn:aws:iam::123456789012:role/ecr-templates";

    fn manifest(templates: &str) -> Manifest {
        let src = format!("version: 1\nstack: shop\nregistry:\n  creationTemplates:\n{templates}");
        match load("wharf.yaml", &src, &Variables::default()) {
            Ok(loaded) => loaded.manifest,
            Err(failure) => panic!("{src}\n{:#?}", failure.diagnostics),
        }
    }

    fn plan_with(m: &Manifest, live: &LiveSnapshot, prune: bool) -> KindPlan {
        let ctx = Context {
            account_id: "123456789012",
            region: "eu-west-1",
            kms_keys: &live.kms_keys,
        };
        plan(m, &ctx, live, prune)
    }

    fn plan_of(m: &Manifest, live: &LiveSnapshot) -> KindPlan {
        plan_with(m, live, true)
    }

    fn live_with(templates: &[LiveCreationTemplate]) -> LiveSnapshot {
        LiveSnapshot {
            account_id: "123456789012".into(),
            region: "eu-west-1".into(),
            creation_templates: templates
                .iter()
                .map(|t| (t.prefix.clone(), t.clone()))
                .collect(),
            ..LiveSnapshot::default()
        }
    }

    /// Applies every operation of the plan to the live templates.
    fn converge(m: &Manifest, live: &LiveSnapshot) -> LiveSnapshot {
        let mut next = live.clone();
        for change in plan_of(m, live).changes {
            for op in change.operations {
                let Operation::CreationTemplate(op) = op else {
                    panic!("not a creation template operation")
                };
                next.creation_templates = after(&next.creation_templates, &op);
            }
        }
        next
    }

    fn bare(prefix: &str) -> LiveCreationTemplate {
        LiveCreationTemplate {
            prefix: prefix.into(),
            applied_for: vec!["PULL_THROUGH_CACHE".into()],
            ..LiveCreationTemplate::default()
        }
    }

    const FULL: &str = r#"    shop:
      appliedFor: [PULL_THROUGH_CACHE, REPLICATION]
      imageTagMutability: IMMUTABLE_WITH_EXCLUSION
      imageTagMutabilityExclusionFilters: ["latest", "dev-*"]
      encryption: { type: KMS, kmsKey: alias/shop-ecr }
      lifecycle:
        - { untagged: true, expireAfterDays: 14 }
        - { tagPrefixes: [v], keepLast: 30 }
      pull: { accounts: ["111122223333"] }
      resourceTags: { team: shop, cost: ecr }
      customRoleArn: "arn:aws:iam::123456789012:role/ecr-templates"
      description: shop's cached images
"#;

    #[test]
    fn a_missing_template_is_created_with_every_field_and_converges() {
        let m = manifest(FULL);
        let live = live_with(&[]);
        let changes = plan_of(&m, &live).changes;
        assert_eq!(changes.len(), 1);
        let change = &changes[0];
        assert_eq!(change.address, "ecr.creation_template.shop");
        assert_eq!(change.action, ChangeAction::Create);
        let paths: Vec<&str> = change.fields.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "appliedFor",
                "imageTagMutability",
                "imageTagMutabilityExclusionFilters",
                "encryption.type",
                "encryption.kmsKey",
                "lifecyclePolicy",
                "policy",
                "resourceTags.cost",
                "resourceTags.team",
                "customRoleArn",
                "description"
            ]
        );
        let [
            Operation::CreationTemplate(
                CreationTemplateOperation::CreateRepositoryCreationTemplate { prefix, settings },
            ),
        ] = change.operations.as_slice()
        else {
            panic!("{:#?}", change.operations)
        };
        assert_eq!(prefix, "shop");
        assert_eq!(settings.applied_for, ["PULL_THROUGH_CACHE", "REPLICATION"]);
        assert_eq!(settings.image_tag_mutability, "IMMUTABLE_WITH_EXCLUSION");
        assert_eq!(
            settings.image_tag_mutability_exclusion_filters,
            ["latest", "dev-*"]
        );
        assert_eq!(settings.encryption_type, "KMS");
        assert_eq!(settings.kms_key.as_deref(), Some("alias/shop-ecr"));
        assert_eq!(settings.custom_role_arn.as_deref(), Some(ROLE));
        // The documents travel as the exact JSON text sent, compiled by the repository code.
        let lifecycle: Value =
            serde_json::from_str(settings.lifecycle_policy.as_deref().unwrap()).unwrap();
        assert_eq!(lifecycle["rules"][1]["selection"]["countNumber"], json!(30));
        let policy: Value =
            serde_json::from_str(settings.repository_policy.as_deref().unwrap()).unwrap();
        assert_eq!(
            policy["Statement"][0]["Principal"]["AWS"],
            json!(["arn:aws:iam::111122223333:root"])
        );
        let next = converge(&m, &live);
        assert!(plan_of(&m, &next).changes.is_empty());
    }

    #[test]
    fn the_smallest_template_sends_aws_defaults() {
        let m = manifest("    ROOT: { appliedFor: [CREATE_ON_PUSH] }\n");
        let changes = plan_of(&m, &live_with(&[])).changes;
        let Operation::CreationTemplate(
            CreationTemplateOperation::CreateRepositoryCreationTemplate { settings, .. },
        ) = &changes[0].operations[0]
        else {
            panic!()
        };
        assert_eq!(
            settings,
            &TemplateSettings {
                applied_for: vec!["CREATE_ON_PUSH".into()],
                image_tag_mutability: "MUTABLE".into(),
                encryption_type: "AES256".into(),
                ..TemplateSettings::default()
            }
        );
    }

    /// Normalization table: (live as AWS returns it, manifest body) that must plan nothing.
    #[test]
    fn normalization_table() {
        let cases: Vec<(&str, LiveCreationTemplate, &str)> = vec![
            (
                "no mutability, no encryption and empty texts are AWS's defaults",
                LiveCreationTemplate {
                    description: Some(String::new()),
                    custom_role_arn: Some(String::new()),
                    lifecycle_policy: Some(String::new()),
                    repository_policy: Some(String::new()),
                    ..bare("shop")
                },
                "appliedFor: [PULL_THROUGH_CACHE]",
            ),
            (
                "explicit MUTABLE and AES256 equal the defaults AWS reports",
                LiveCreationTemplate {
                    image_tag_mutability: Some("MUTABLE".into()),
                    encryption_type: Some("AES256".into()),
                    ..bare("shop")
                },
                "appliedFor: [PULL_THROUGH_CACHE], imageTagMutability: MUTABLE, encryption: { type: AES256 }",
            ),
            (
                "appliedFor is a set",
                LiveCreationTemplate {
                    applied_for: vec!["REPLICATION".into(), "PULL_THROUGH_CACHE".into()],
                    ..bare("shop")
                },
                "appliedFor: [PULL_THROUGH_CACHE, REPLICATION]",
            ),
            (
                "exclusion filters in another order",
                LiveCreationTemplate {
                    image_tag_mutability: Some("IMMUTABLE_WITH_EXCLUSION".into()),
                    exclusion_filters: vec!["dev-*".into(), "latest".into()],
                    ..bare("shop")
                },
                "appliedFor: [PULL_THROUGH_CACHE], imageTagMutability: IMMUTABLE_WITH_EXCLUSION, imageTagMutabilityExclusionFilters: [latest, dev-*]",
            ),
            (
                "filters left over under a mutability that ignores them",
                LiveCreationTemplate {
                    image_tag_mutability: Some("IMMUTABLE".into()),
                    exclusion_filters: vec!["latest".into()],
                    ..bare("shop")
                },
                "appliedFor: [PULL_THROUGH_CACHE], imageTagMutability: IMMUTABLE",
            ),
            (
                "a lifecycle policy with rules in another order and AWS's formatting",
                LiveCreationTemplate {
                    lifecycle_policy: Some(
                        r#"{"rules":[{"rulePriority":2,"selection":{"tagStatus":"tagged","tagPrefixList":["v"],"countType":"imageCountMoreThan","countNumber":30},"action":{"type":"expire"}},
                        {"rulePriority":1,"selection":{"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":14},"action":{"type":"expire"}}]}"#
                            .into(),
                    ),
                    ..bare("shop")
                },
                "appliedFor: [PULL_THROUGH_CACHE], lifecycle: [{ untagged: true, expireAfterDays: 14 }, { tagPrefixes: [v], keepLast: 30 }]",
            ),
            (
                "a policy with a one-element list as a string and an account id as its root ARN",
                LiveCreationTemplate {
                    repository_policy: Some(
                        r#"{"Version":"2012-10-17","Statement":{"Sid":"WharfPull","Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":["ecr:GetDownloadUrlForLayer","ecr:BatchGetImage","ecr:BatchCheckLayerAvailability"]}}"#
                            .into(),
                    ),
                    ..bare("shop")
                },
                "appliedFor: [PULL_THROUGH_CACHE], pull: { accounts: [\"111122223333\"] }",
            ),
            (
                "a KMS key where AES256 is asked for is ignored",
                LiveCreationTemplate {
                    encryption_type: Some("AES256".into()),
                    kms_key: Some("arn:aws:kms:eu-west-1:123456789012:key/x".into()),
                    ..bare("shop")
                },
                "appliedFor: [PULL_THROUGH_CACHE]",
            ),
            (
                "ECR assumes a trailing / on every prefix",
                bare("shop/"),
                "appliedFor: [PULL_THROUGH_CACHE]",
            ),
        ];
        for (what, have, body) in cases {
            let m = manifest(&format!("    shop: {{ {body} }}\n"));
            let live = live_with(&[have]);
            let plan = plan_of(&m, &live);
            assert!(plan.changes.is_empty(), "{what}: {:#?}", plan.changes);
            assert!(plan.warnings.is_empty(), "{what}: {:?}", plan.warnings);
        }
    }

    #[test]
    fn kms_keys_compare_by_the_key_they_name() {
        let key_arn = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        let m = manifest(&format!(
            "    shop: {{ appliedFor: [REPLICATION], encryption: {{ type: KMS, kmsKey: alias/shop-ecr }}, customRoleArn: \"{ROLE}\" }}\n"
        ));
        let have = LiveCreationTemplate {
            encryption_type: Some("KMS".into()),
            kms_key: Some(key_arn.into()),
            custom_role_arn: Some(ROLE.into()),
            applied_for: vec!["REPLICATION".into()],
            ..bare("shop")
        };
        let mut live = live_with(&[have]);
        // Both references are worth resolving.
        assert_eq!(
            kms_references(&m, &live.creation_templates),
            vec!["alias/shop-ecr".to_string(), key_arn.to_string()]
        );
        // Unresolved: assumed the same, with a warning.
        let plan = plan_of(&m, &live);
        assert!(plan.changes.is_empty());
        assert_eq!(plan.warnings.len(), 1, "{:?}", plan.warnings);
        // Resolved to the same key: nothing to do.
        let key = KmsKey {
            key_arn: key_arn.into(),
            aws_managed: false,
        };
        live.kms_keys = BTreeMap::from([
            ("alias/shop-ecr".to_string(), key.clone()),
            (key_arn.to_string(), key),
        ]);
        let plan = plan_of(&m, &live);
        assert!(plan.changes.is_empty() && plan.warnings.is_empty());
        // Resolved to another key: an update naming encryption.kmsKey.
        live.kms_keys.insert(
            "alias/shop-ecr".into(),
            KmsKey {
                key_arn: "arn:aws:kms:eu-west-1:123456789012:key/other".into(),
                aws_managed: false,
            },
        );
        let changes = plan_of(&m, &live).changes;
        assert_eq!(changes[0].fields[0].path, "encryption.kmsKey");
    }

    #[test]
    fn several_fields_update_in_place() {
        let m = manifest(FULL);
        let live = converge(&m, &live_with(&[]));
        let mut drifted = live.clone();
        let t = drifted.creation_templates.get_mut("shop").unwrap();
        t.applied_for = vec!["PULL_THROUGH_CACHE".into()];
        t.image_tag_mutability = Some("MUTABLE".into());
        t.resource_tags.insert("cost".into(), "other".into());
        t.resource_tags.insert("extra".into(), "x".into());
        t.description = None;
        let changes = plan_of(&m, &drifted).changes;
        assert_eq!(changes.len(), 1);
        let change = &changes[0];
        assert_eq!(change.action, ChangeAction::Update);
        assert_eq!(change.reason_code, ChangeReason::UpdateBecauseDrifted);
        assert_eq!(
            change.reason,
            "appliedFor, imageTagMutability, imageTagMutabilityExclusionFilters, resourceTags, description differ"
        );
        assert_eq!(
            change.fields,
            vec![
                FieldChange::new(
                    "appliedFor",
                    json!(["PULL_THROUGH_CACHE"]),
                    json!(["PULL_THROUGH_CACHE", "REPLICATION"])
                ),
                FieldChange::new(
                    "imageTagMutability",
                    json!("MUTABLE"),
                    json!("IMMUTABLE_WITH_EXCLUSION")
                ),
                // Under MUTABLE the live filters mean nothing, so they read as none.
                FieldChange::new(
                    "imageTagMutabilityExclusionFilters",
                    Value::Null,
                    json!(["latest", "dev-*"])
                ),
                FieldChange::new("resourceTags.cost", json!("other"), json!("ecr")),
                FieldChange::new("resourceTags.extra", json!("x"), Value::Null),
                FieldChange::new("description", Value::Null, json!("shop's cached images")),
            ]
        );
        let [
            Operation::CreationTemplate(
                CreationTemplateOperation::UpdateRepositoryCreationTemplate {
                    prefix,
                    settings,
                    cleared,
                },
            ),
        ] = change.operations.as_slice()
        else {
            panic!("{:#?}", change.operations)
        };
        assert_eq!(prefix, "shop");
        assert!(cleared.is_empty());
        // The update sends every setting, not only the changed ones.
        assert!(settings.lifecycle_policy.is_some() && settings.repository_policy.is_some());
        assert!(plan_of(&m, &converge(&m, &drifted)).changes.is_empty());
    }

    #[test]
    fn dropped_texts_are_cleared() {
        let full = manifest(FULL);
        let live = converge(&full, &live_with(&[]));
        let m = manifest("    shop: { appliedFor: [PULL_THROUGH_CACHE, REPLICATION] }\n");
        let changes = plan_of(&m, &live).changes;
        let Operation::CreationTemplate(
            CreationTemplateOperation::UpdateRepositoryCreationTemplate {
                cleared, settings, ..
            },
        ) = &changes[0].operations[0]
        else {
            panic!()
        };
        assert_eq!(
            cleared,
            &[
                Cleared::LifecyclePolicy,
                Cleared::RepositoryPolicy,
                Cleared::CustomRoleArn,
                Cleared::Description
            ]
        );
        assert_eq!(settings.encryption_type, "AES256");
        assert!(settings.resource_tags.is_empty());
        assert!(plan_of(&m, &converge(&m, &live)).changes.is_empty());
    }

    #[test]
    fn an_update_names_the_template_as_aws_spells_it() {
        let m = manifest("    shop/: { appliedFor: [REPLICATION] }\n");
        let live = live_with(&[bare("shop")]);
        let changes = plan_of(&m, &live).changes;
        assert_eq!(changes[0].address, "ecr.creation_template.shop/");
        let Operation::CreationTemplate(
            CreationTemplateOperation::UpdateRepositoryCreationTemplate { prefix, .. },
        ) = &changes[0].operations[0]
        else {
            panic!()
        };
        assert_eq!(prefix, "shop");
    }

    #[test]
    fn prune_deletes_only_what_the_ledger_records() {
        let m = manifest("    shop: { appliedFor: [PULL_THROUGH_CACHE] }\n");
        let mut live = live_with(&[bare("shop"), bare("old"), bare("theirs")]);
        // No ledger (not read, or unreadable): nothing is deleted.
        assert!(plan_of(&m, &live).changes.is_empty());
        live.ledger = Some(OwnershipLedger {
            creation_templates: ["old".to_string(), "shop".to_string(), "gone".to_string()].into(),
            ..OwnershipLedger::default()
        });
        // Without --prune: nothing either.
        assert!(plan_with(&m, &live, false).changes.is_empty());
        let changes = plan_of(&m, &live).changes;
        assert_eq!(changes.len(), 1, "{changes:#?}");
        assert_eq!(changes[0].address, "ecr.creation_template.old");
        assert_eq!(changes[0].action, ChangeAction::Delete);
        assert_eq!(
            changes[0].reason_code,
            ChangeReason::DeleteBecauseNotInManifest
        );
        assert_eq!(
            changes[0].operations[0].describe(),
            "DeleteRepositoryCreationTemplate old"
        );
        let next = converge(&m, &live);
        assert_eq!(
            next.creation_templates.keys().collect::<Vec<_>>(),
            ["shop", "theirs"]
        );
    }

    #[test]
    fn operations_round_trip_through_plan_json() {
        let m = manifest(FULL);
        let live = converge(&m, &live_with(&[]));
        let mut drifted = live.clone();
        drifted
            .creation_templates
            .get_mut("shop")
            .unwrap()
            .description = Some("x".into());
        let m2 = manifest("    shop: { appliedFor: [REPLICATION] }\n");
        for op in plan_of(&m, &live_with(&[]))
            .changes
            .into_iter()
            .chain(plan_of(&m2, &drifted).changes)
            .flat_map(|c| c.operations)
        {
            let text = serde_json::to_value(&op).unwrap();
            assert_eq!(text["kind"], "creationTemplate");
            let back: Operation = serde_json::from_value(text.clone()).unwrap();
            assert_eq!(back, op, "{text:#}");
        }
        let update = &plan_of(&m2, &drifted).changes[0].operations[0];
        let json = serde_json::to_value(update).unwrap();
        assert_eq!(json["op"], "updateRepositoryCreationTemplate");
        assert_eq!(json["appliedFor"], json!(["REPLICATION"]));
        assert_eq!(
            json["cleared"],
            json!([
                "lifecyclePolicy",
                "repositoryPolicy",
                "customRoleArn",
                "description"
            ])
        );
    }
}
