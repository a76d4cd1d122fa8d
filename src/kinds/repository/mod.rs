//! ECR private repositories (`ecr.repository.NAME`): the desired state from the manifest,
//! the comparison with live state, and the write operations that close the gap.
//!
//! AWS facts this module encodes:
//! - encryption cannot change after CreateRepository, so a change is a replace;
//! - an unset mutability is MUTABLE, unset encryption is AES256, unset scanOnPush is false;
//! - KMS without a key means the AWS-managed key `aws/ecr`;
//! - tags given at CreateRepository land atomically, so ownership is never missing.

pub mod export;
pub mod in_use;
pub mod io;
pub mod lint;
pub mod live;
pub mod model;
pub mod operation;
pub mod validate;

use crate::documents::lifecycle;
use crate::documents::policy;
use crate::kinds::common::{Context, KindPlan, OWNERSHIP_TAG};
use crate::kinds::reconcile::{Ownership, Reconcile, not_declared, reconcile};
use crate::live::{KmsKey, LiveRepository, LiveSnapshot};
use crate::manifest::model::ecr_defaults;
use crate::manifest::model::{EncryptionType, ImageTagMutability, Manifest, Pull, Repository};
use crate::plan::{Change, ChangeAction, ChangeReason, Destroys, FieldChange, Operation};
pub use operation::RepositoryOperation;
use serde_json::{Value, json};
use std::collections::BTreeMap;

pub const ADDRESS_PREFIX: &str = operation::ENTRY.prefix;

/// What a repository needs first: the roles of this manifest its `pull` names (its own,
/// else `defaults.repository`'s).
pub fn dependencies(manifest: &Manifest, name: &str) -> Vec<String> {
    let Some(repo) = manifest.repositories.get(name) else {
        return Vec::new();
    };
    let pull = repo.pull.as_ref().or_else(|| {
        manifest
            .defaults
            .repository
            .as_ref()
            .and_then(|d| d.pull.as_ref())
    });
    crate::kinds::role::references::pull_dependencies(manifest, pull)
}

pub fn address(name: &str) -> String {
    format!("{ADDRESS_PREFIX}{name}")
}

/// A repository as the manifest wants it, defaults applied and documents compiled.
#[derive(Clone, Debug, PartialEq)]
pub struct DesiredRepository {
    pub name: String,
    pub image_tag_mutability: ImageTagMutability,
    pub exclusion_filters: Vec<String>,
    pub encryption_type: EncryptionType,
    pub kms_key: Option<String>,
    pub scan_on_push: bool,
    pub force_delete: bool,
    pub lifecycle_policy: Option<Value>,
    pub policy: Option<Value>,
    pub tags: BTreeMap<String, String>,
}

/// Field-wise merge: the repository's own value, else the default's (`lint` reads the
/// effective settings through it too).
pub fn merged(repo: &Repository, defaults: Option<&Repository>) -> Repository {
    let Some(d) = defaults else {
        return repo.clone();
    };
    Repository {
        image_tag_mutability: repo.image_tag_mutability.or(d.image_tag_mutability),
        image_tag_mutability_exclusion_filters: repo
            .image_tag_mutability_exclusion_filters
            .clone()
            .or_else(|| d.image_tag_mutability_exclusion_filters.clone()),
        encryption: repo.encryption.clone().or_else(|| d.encryption.clone()),
        scan_on_push: repo.scan_on_push.or(d.scan_on_push),
        force_delete: repo.force_delete.or(d.force_delete),
        // A repository's own raw policy replaces the short form from defaults and vice versa.
        lifecycle: if repo.lifecycle_policy.is_some() {
            repo.lifecycle.clone()
        } else {
            repo.lifecycle.clone().or_else(|| d.lifecycle.clone())
        },
        lifecycle_policy: if repo.lifecycle.is_some() {
            repo.lifecycle_policy.clone()
        } else {
            repo.lifecycle_policy
                .clone()
                .or_else(|| d.lifecycle_policy.clone())
        },
        pull: repo.pull.clone().or_else(|| d.pull.clone()),
        policy: repo.policy.clone().or_else(|| d.policy.clone()),
        tags: repo.tags.clone(),
        lint: repo.lint.clone(),
    }
}

/// All tags a repository carries: defaults.tags, then defaults.repository.tags, then its
/// own, then the ownership tag (which nothing may override).
pub fn desired_tags(manifest: &Manifest, repo: &Repository) -> BTreeMap<String, String> {
    let mut tags = manifest.defaults.tags.clone();
    if let Some(d) = manifest
        .defaults
        .repository
        .as_ref()
        .and_then(|d| d.tags.as_ref())
    {
        tags.extend(d.clone());
    }
    if let Some(own) = &repo.tags {
        tags.extend(own.clone());
    }
    tags.insert(OWNERSHIP_TAG.to_string(), manifest.stack.clone());
    tags
}

/// The ARN a repository has (or will have) in this account and region.
pub fn repository_arn(ctx: &Context, name: &str) -> String {
    format!(
        "arn:{}:ecr:{}:{}:repository/{name}",
        ctx.partition(),
        ctx.region,
        ctx.account_id
    )
}

/// `pull` with accounts as root ARNs and role references resolved to ARNs (a manifest
/// role by name, or an ARN). Public repositories resolve theirs the same way.
pub(crate) fn resolved_pull(manifest: &Manifest, ctx: &Context, pull: &Pull) -> Pull {
    Pull {
        // An account id becomes its root ARN in this partition (aws-cn, aws-us-gov too).
        accounts: pull
            .accounts
            .iter()
            .map(|id| format!("arn:{}:iam::{id}:root", ctx.partition()))
            .collect(),
        roles: pull
            .roles
            .iter()
            .map(|r| crate::kinds::role::references::resolve_reference(manifest, ctx, r))
            .collect(),
    }
}

pub fn desired(
    manifest: &Manifest,
    ctx: &Context,
    name: &str,
    repo: &Repository,
) -> DesiredRepository {
    let m = merged(repo, manifest.defaults.repository.as_ref());
    DesiredRepository {
        name: name.to_string(),
        tags: desired_tags(manifest, repo),
        ..desired_settings(manifest, ctx, &m)
    }
}

/// The settings `m` asks for as written (no defaults.repository merged in, no name, no
/// tags), with AWS's defaults filled in and the lifecycle and policy documents compiled.
/// Creation templates share it: they hold the same settings for the repositories ECR
/// creates on its own.
pub(crate) fn desired_settings(
    manifest: &Manifest,
    ctx: &Context,
    m: &Repository,
) -> DesiredRepository {
    let encryption_type = m
        .encryption
        .as_ref()
        .map(|e| e.encryption_type)
        .unwrap_or(ecr_defaults::ENCRYPTION);
    let lifecycle_policy = match (&m.lifecycle, &m.lifecycle_policy) {
        (Some(rules), _) if !rules.is_empty() => Some(lifecycle::compile(rules)),
        (_, Some(raw)) => policy::parse_document(raw).ok(),
        _ => None,
    };
    let mutability = m
        .image_tag_mutability
        .unwrap_or(ecr_defaults::IMAGE_TAG_MUTABILITY);
    DesiredRepository {
        name: String::new(),
        image_tag_mutability: mutability,
        exclusion_filters: if mutability.takes_exclusions() {
            m.image_tag_mutability_exclusion_filters
                .clone()
                .unwrap_or_default()
        } else {
            Vec::new()
        },
        encryption_type,
        kms_key: m
            .encryption
            .as_ref()
            .and_then(|e| e.kms_key.clone())
            .filter(|_| encryption_type != EncryptionType::Aes256),
        scan_on_push: m.scan_on_push.unwrap_or(ecr_defaults::SCAN_ON_PUSH),
        force_delete: m.force_delete.unwrap_or(false),
        lifecycle_policy,
        policy: policy::repository_policy(
            m.pull
                .as_ref()
                .map(|p| resolved_pull(manifest, ctx, p))
                .as_ref(),
            m.policy.as_ref(),
        ),
        tags: BTreeMap::new(),
    }
}

pub fn desired_all(manifest: &Manifest, ctx: &Context) -> Vec<DesiredRepository> {
    manifest
        .repositories
        .iter()
        .map(|(name, repo)| desired(manifest, ctx, name, repo))
        .collect()
}

/// Compares every declared repository with live state, and (with `prune`) finds owned
/// repositories the manifest no longer declares.
pub fn plan(manifest: &Manifest, ctx: &Context, live: &LiveSnapshot, prune: bool) -> KindPlan {
    plan_with(
        manifest,
        ctx,
        live,
        prune,
        crate::kinds::common::Adoption::Refuse,
    )
}

/// `plan`, adopting declared repositories that carry no ownership tag when asked to.
pub fn plan_with(
    manifest: &Manifest,
    ctx: &Context,
    live: &LiveSnapshot,
    prune: bool,
    adoption: crate::kinds::common::Adoption,
) -> KindPlan {
    reconcile(
        &Repositories {
            manifest,
            ctx,
            live,
        },
        prune,
        adoption,
    )
}

/// The repositories of a manifest against those ECR holds.
struct Repositories<'a> {
    manifest: &'a Manifest,
    ctx: &'a Context<'a>,
    live: &'a LiveSnapshot,
}

impl Reconcile for Repositories<'_> {
    type Want = DesiredRepository;
    type Have = LiveRepository;
    const NOUN: &'static str = "repository";
    const PREFIX: &'static str = ADDRESS_PREFIX;
    const OWNERSHIP: Ownership = Ownership::Tagged;
    const TAG_COMMAND: &'static str = "aws ecr tag-resource";

    fn stack(&self) -> &str {
        &self.manifest.stack
    }

    fn names(&self) -> Vec<String> {
        self.manifest.repositories.keys().cloned().collect()
    }

    fn desired(&self, name: &str, _: &mut Vec<String>) -> DesiredRepository {
        desired(
            self.manifest,
            self.ctx,
            name,
            &self.manifest.repositories[name],
        )
    }

    fn find(&self, name: &str) -> Option<&LiveRepository> {
        self.live.repositories.get(name)
    }

    fn tags<'h>(&self, have: &'h LiveRepository) -> Option<&'h BTreeMap<String, String>> {
        Some(&have.tags)
    }

    fn create(&self, _: &str, want: &DesiredRepository) -> Change {
        create_change(want)
    }

    fn diff(
        &self,
        _: &str,
        want: &DesiredRepository,
        have: &LiveRepository,
        warnings: &mut Vec<String>,
    ) -> Result<Option<Change>, crate::kinds::common::Conflict> {
        Ok(diff(want, have, self.live, warnings))
    }

    fn undeclared(&self) -> Vec<(String, &LiveRepository)> {
        not_declared(&self.live.repositories, |name| {
            self.manifest.repositories.contains_key(name)
        })
    }

    fn delete(
        &self,
        _: &str,
        have: &LiveRepository,
    ) -> Option<Result<Change, crate::kinds::common::Conflict>> {
        Some(Ok(delete_change(self.manifest, have)))
    }
}

/// Names of live repositories a plan destroys (their image counts are worth reading).
pub fn destroyed_names(changes: &[Change]) -> Vec<String> {
    changes
        .iter()
        .filter(|c| matches!(c.action, ChangeAction::Delete | ChangeAction::Replace))
        .filter_map(|c| c.address.strip_prefix(ADDRESS_PREFIX))
        .map(str::to_string)
        .collect()
}

fn create_operations(want: &DesiredRepository) -> Vec<Operation> {
    let mut ops = vec![RepositoryOperation::CreateRepository {
        name: want.name.clone(),
        image_tag_mutability: want.image_tag_mutability.as_str().to_string(),
        exclusion_filters: want.exclusion_filters.clone(),
        encryption_type: want.encryption_type.as_str().to_string(),
        kms_key: want.kms_key.clone(),
        scan_on_push: want.scan_on_push,
        tags: want.tags.clone(),
    }];
    if let Some(doc) = &want.lifecycle_policy {
        ops.push(RepositoryOperation::PutLifecyclePolicy {
            name: want.name.clone(),
            document: crate::kinds::common::document_text(doc),
        });
    }
    if let Some(doc) = &want.policy {
        ops.push(RepositoryOperation::SetRepositoryPolicy {
            name: want.name.clone(),
            document: crate::kinds::common::document_text(doc),
        });
    }
    ops.into_iter().map(Operation::Repository).collect()
}

fn desired_fields(want: &DesiredRepository) -> Vec<(String, Value)> {
    let mut fields = vec![
        (
            "imageTagMutability".to_string(),
            json!(want.image_tag_mutability.as_str()),
        ),
        (
            "imageTagMutabilityExclusionFilters".to_string(),
            if want.exclusion_filters.is_empty() {
                Value::Null
            } else {
                json!(want.exclusion_filters)
            },
        ),
        (
            "encryption.type".to_string(),
            json!(want.encryption_type.as_str()),
        ),
        ("encryption.kmsKey".to_string(), json!(want.kms_key)),
        ("scanOnPush".to_string(), json!(want.scan_on_push)),
        (
            "lifecyclePolicy".to_string(),
            want.lifecycle_policy.clone().unwrap_or(Value::Null),
        ),
        (
            "policy".to_string(),
            want.policy.clone().unwrap_or(Value::Null),
        ),
    ];
    for (k, v) in &want.tags {
        fields.push((format!("tags.{k}"), json!(v)));
    }
    fields.retain(|(_, v)| !v.is_null());
    fields
}

fn create_change(want: &DesiredRepository) -> Change {
    crate::kinds::common::create_because_missing(
        address(&want.name),
        crate::kinds::common::NOT_PRESENT,
        desired_fields(want)
            .into_iter()
            .map(|(path, after)| FieldChange::new(path, Value::Null, after))
            .collect(),
        create_operations(want),
    )
}

/// Whether a pruned repository may be deleted with its images: it is no longer in the
/// manifest, so defaults.repository.forceDelete speaks for it (for public ones too).
pub(crate) fn pruned_force_delete(manifest: &Manifest) -> bool {
    manifest
        .defaults
        .repository
        .as_ref()
        .and_then(|d| d.force_delete)
        .unwrap_or(false)
}

fn delete_change(manifest: &Manifest, have: &LiveRepository) -> Change {
    let force_delete = pruned_force_delete(manifest);
    crate::kinds::common::delete_because_not_in_manifest(
        address(&have.name),
        crate::kinds::common::owned_not_declared(&manifest.stack),
        Some(Destroys {
            images: have.image_count,
            force_delete,
        }),
        vec![Operation::Repository(
            RepositoryOperation::DeleteRepository {
                name: have.name.clone(),
                force: force_delete,
            },
        )],
    )
}

/// Whether the declared key and the live key are the same key. `None` when it cannot be
/// told (an alias against a key ARN that DescribeKey could not resolve).
pub(crate) fn same_kms_key(
    desired: Option<&str>,
    live: Option<&str>,
    keys: &BTreeMap<String, KmsKey>,
) -> Option<bool> {
    let resolved = |k: &str| keys.get(k).map(|key| key.key_arn.clone());
    match (desired, live) {
        (None, None) => Some(true),
        // KMS with no key given means the AWS-managed key aws/ecr.
        (None, Some(l)) => match keys.get(l) {
            Some(key) => Some(key.aws_managed),
            None => Some(true),
        },
        (Some(_), None) => Some(false),
        (Some(d), Some(l)) => {
            if d == l || key_id_of(d).is_some() && key_id_of(d) == key_id_of(l) {
                return Some(true);
            }
            match (resolved(d), resolved(l)) {
                (Some(a), Some(b)) => Some(a == b),
                _ => None,
            }
        }
    }
}

/// The key id of a key id or key ARN (`arn:aws:kms:R:A:key/ID`); None for aliases.
pub(crate) fn key_id_of(reference: &str) -> Option<&str> {
    if reference.starts_with("alias/") || reference.contains(":alias/") {
        return None;
    }
    Some(reference.rsplit('/').next().unwrap_or(reference))
}

/// The repository-policy difference between `want` and the live text `have`, compared by
/// meaning: the field change and the document to set (None: delete the policy). Public
/// repositories compare theirs the same way.
pub(crate) fn policy_difference(
    addr: &str,
    want: Option<&Value>,
    have: Option<&str>,
    warnings: &mut Vec<String>,
) -> Option<(FieldChange, Option<String>)> {
    let have = have.map(crate::kinds::common::parse_live_document);
    if want.map(policy::normalize) == have.as_ref().map(policy::normalize) {
        return None;
    }
    if let Some(live) = &have {
        warnings.extend(crate::kinds::role::references::unique_id_warning(
            addr, "policy", live,
        ));
    }
    // The reviewer sees both documents normalized, so only what means something differs.
    let field = FieldChange::new(
        "policy",
        have.as_ref().map(policy::display).unwrap_or(Value::Null),
        want.map(policy::display).unwrap_or(Value::Null),
    );
    Some((field, want.map(crate::kinds::common::document_text)))
}

fn diff(
    want: &DesiredRepository,
    have: &LiveRepository,
    live: &LiveSnapshot,
    warnings: &mut Vec<String>,
) -> Option<Change> {
    let mut fields = Vec::new();
    let mut ops = Vec::new();
    let name = &want.name;
    let addr = address(name);

    // Encryption: AWS cannot change it in place.
    let mut replace_reasons = Vec::new();
    if want.encryption_type.as_str() != have.encryption_type {
        fields.push(FieldChange::new(
            "encryption.type",
            json!(have.encryption_type),
            json!(want.encryption_type.as_str()),
        ));
        replace_reasons.push("encryption.type");
    } else if want.encryption_type != EncryptionType::Aes256 {
        match same_kms_key(
            want.kms_key.as_deref(),
            have.kms_key.as_deref(),
            &live.kms_keys,
        ) {
            Some(true) => {}
            Some(false) => {
                fields.push(FieldChange::new(
                    "encryption.kmsKey",
                    json!(have.kms_key),
                    json!(want.kms_key.clone().unwrap_or_else(|| "alias/aws/ecr".into())),
                ));
                replace_reasons.push("encryption.kmsKey");
            }
            None => warnings.push(format!(
                "{addr}: cannot tell whether KMS key `{}` is the live key `{}` (kms:DescribeKey failed); assuming it is",
                want.kms_key.as_deref().unwrap_or("alias/aws/ecr"),
                have.kms_key.as_deref().unwrap_or("-")
            )),
        }
    }

    // Tag mutability and its exclusion filters travel in one call.
    let mut want_filters = want.exclusion_filters.clone();
    want_filters.sort();
    let mut have_filters = have.exclusion_filters.clone();
    have_filters.sort();
    let mutability_differs = want.image_tag_mutability.as_str() != have.image_tag_mutability;
    if mutability_differs {
        fields.push(FieldChange::new(
            "imageTagMutability",
            json!(have.image_tag_mutability),
            json!(want.image_tag_mutability.as_str()),
        ));
    }
    if want_filters != have_filters {
        fields.push(FieldChange::new(
            "imageTagMutabilityExclusionFilters",
            if have_filters.is_empty() {
                Value::Null
            } else {
                json!(have.exclusion_filters)
            },
            if want_filters.is_empty() {
                Value::Null
            } else {
                json!(want.exclusion_filters)
            },
        ));
    }
    if mutability_differs || want_filters != have_filters {
        ops.push(RepositoryOperation::PutImageTagMutability {
            name: name.clone(),
            image_tag_mutability: want.image_tag_mutability.as_str().into(),
            exclusion_filters: want.exclusion_filters.clone(),
        });
    }

    if want.scan_on_push != have.scan_on_push {
        fields.push(FieldChange::new(
            "scanOnPush",
            json!(have.scan_on_push),
            json!(want.scan_on_push),
        ));
        ops.push(RepositoryOperation::PutImageScanningConfiguration {
            name: name.clone(),
            scan_on_push: want.scan_on_push,
        });
    }

    let have_lifecycle = have
        .lifecycle_policy
        .as_deref()
        .map(crate::kinds::common::parse_live_document);
    if want.lifecycle_policy.as_ref().map(lifecycle::normalize)
        != have_lifecycle.as_ref().map(lifecycle::normalize)
    {
        fields.push(FieldChange::new(
            "lifecyclePolicy",
            have_lifecycle
                .as_ref()
                .map(lifecycle::normalize)
                .unwrap_or(Value::Null),
            want.lifecycle_policy
                .as_ref()
                .map(lifecycle::normalize)
                .unwrap_or(Value::Null),
        ));
        ops.push(match &want.lifecycle_policy {
            Some(doc) => RepositoryOperation::PutLifecyclePolicy {
                name: name.clone(),
                document: crate::kinds::common::document_text(doc),
            },
            None => RepositoryOperation::DeleteLifecyclePolicy { name: name.clone() },
        });
    }

    if let Some((field, document)) = policy_difference(
        &addr,
        want.policy.as_ref(),
        have.policy.as_deref(),
        warnings,
    ) {
        fields.push(field);
        ops.push(match document {
            Some(document) => RepositoryOperation::SetRepositoryPolicy {
                name: name.clone(),
                document,
            },
            None => RepositoryOperation::DeleteRepositoryPolicy { name: name.clone() },
        });
    }

    let (tag_fields, to_tag, to_untag) = crate::kinds::common::tag_changes(&want.tags, &have.tags);
    fields.extend(tag_fields);
    ops.extend(crate::kinds::common::tag_operations(
        to_tag,
        to_untag,
        |keys| RepositoryOperation::UntagResource {
            name: name.clone(),
            arn: have.arn.clone(),
            keys,
        },
        |tags| RepositoryOperation::TagResource {
            name: name.clone(),
            arn: have.arn.clone(),
            tags,
        },
    ));

    if fields.is_empty() {
        return None;
    }
    if !replace_reasons.is_empty() {
        let mut operations = vec![Operation::Repository(
            RepositoryOperation::DeleteRepository {
                name: name.clone(),
                force: want.force_delete,
            },
        )];
        operations.extend(create_operations(want));
        return Some(Change {
            address: addr,
            action: ChangeAction::Replace,
            reason: format!(
                "{} cannot change in place; the repository is deleted and created again",
                replace_reasons.join(" and ")
            ),
            reason_code: ChangeReason::ReplaceBecauseCannotUpdate,
            fields,
            destroys: Some(Destroys {
                images: have.image_count,
                force_delete: want.force_delete,
            }),
            preview: None,
            operations,
        });
    }
    Some(crate::kinds::common::update_because_drifted(
        addr,
        fields,
        ops.into_iter().map(Operation::Repository).collect(),
    ))
}

/// KMS key references worth resolving before planning: for declared repositories that
/// exist with KMS encryption, both sides' keys unless they are trivially the same.
pub fn kms_references(
    manifest: &Manifest,
    ctx: &Context,
    live: &BTreeMap<String, LiveRepository>,
) -> Vec<String> {
    let mut refs = std::collections::BTreeSet::new();
    // Aliases of repositories that roles pull from: their pull policies need key ARNs.
    for role in manifest.iam.roles.values() {
        for entry in role.pull_from.iter().flatten() {
            if let Some(key) = manifest
                .repositories
                .get(entry)
                .and_then(|r| desired(manifest, ctx, entry, r).kms_key)
                .filter(|k| k.starts_with("alias/") || k.contains(":alias/"))
            {
                refs.insert(key);
            }
        }
    }
    for want in desired_all(manifest, ctx) {
        let Some(have) = live.get(&want.name) else {
            continue;
        };
        if want.encryption_type == EncryptionType::Aes256 || have.encryption_type == "AES256" {
            continue;
        }
        match (&want.kms_key, &have.kms_key) {
            (Some(d), Some(l))
                if d == l || key_id_of(d).is_some() && key_id_of(d) == key_id_of(l) => {}
            (d, l) => {
                refs.extend(d.iter().cloned());
                refs.extend(l.iter().cloned());
            }
        }
    }
    refs.into_iter().collect()
}

/// Repositories whose lifecycle rules an update changes: their images are worth reading
/// to preview what the new rules would expire.
pub fn lifecycle_preview_names(changes: &[Change]) -> Vec<String> {
    changes
        .iter()
        .filter(|c| c.action == ChangeAction::Update)
        .filter(|c| {
            c.fields
                .iter()
                .any(|f| f.path == "lifecyclePolicy" && !f.after.is_null())
        })
        .filter_map(|c| c.address.strip_prefix(ADDRESS_PREFIX))
        .map(str::to_string)
        .collect()
}

/// How many expired tags a preview lists by name.
const PREVIEW_TAGS_SHOWN: usize = 20;

/// Evaluates each changed lifecycle policy against the repository's images, relative to
/// the policy it has now, and records the impact on the change. PURE.
pub fn attach_lifecycle_previews(
    changes: &mut [Change],
    live: &LiveSnapshot,
    images: &BTreeMap<String, Vec<crate::documents::lifecycle_preview::ImageInfo>>,
    used: &BTreeMap<String, BTreeMap<String, Vec<String>>>,
    now: i64,
) {
    use crate::documents::lifecycle_preview::{TRANSITION, evaluate, impact};
    for change in changes.iter_mut() {
        let Some(name) = change.address.strip_prefix(ADDRESS_PREFIX) else {
            continue;
        };
        let (Some(repo_images), Some(field)) = (
            images.get(name),
            change.fields.iter().find(|f| f.path == "lifecyclePolicy"),
        ) else {
            continue;
        };
        let old = live.repositories.get(name).and_then(|r| {
            r.lifecycle_policy
                .as_deref()
                .map(crate::kinds::common::parse_live_document)
        });
        let preview = match impact(old.as_ref(), &field.after, repo_images, now) {
            Ok(diff) => {
                let expired: Vec<_> = diff
                    .newly_expired
                    .iter()
                    .filter(|e| e.action != TRANSITION)
                    .collect();
                let mut tags: Vec<String> = expired.iter().flat_map(|e| e.tags.clone()).collect();
                tags.sort();
                tags.truncate(PREVIEW_TAGS_SHOWN);
                crate::plan::LifecyclePreview {
                    images: repo_images.len(),
                    expires: expired.len(),
                    archives: diff.newly_expired.len() - expired.len(),
                    expired_tags: tags,
                    expired_untagged: expired.iter().filter(|e| e.tags.is_empty()).count(),
                    spared: diff.no_longer_expired.len(),
                    bytes_freed: diff.bytes_freed,
                    error: None,
                    // Every image the new rules act on, not only those the change adds:
                    // putting the policy puts all of its rules.
                    in_use: evaluate(&field.after, repo_images, now)
                        .map(|all| in_use::threatened(&all.expired, used.get(name)))
                        .unwrap_or_default(),
                }
            }
            Err(error) => crate::plan::LifecyclePreview {
                images: repo_images.len(),
                error: Some(error),
                ..Default::default()
            },
        };
        change.preview = Some(crate::plan::Preview::Lifecycle(preview));
    }
}

/// The repository kind, as the registry lists it.
pub struct RepositoryKind;

impl crate::kinds::Kind for RepositoryKind {
    fn plan(
        manifest: &Manifest,
        ctx: &crate::kinds::common::Context,
        live: &LiveSnapshot,
        prune: bool,
        adoption: crate::kinds::common::Adoption,
    ) -> crate::kinds::common::KindPlan {
        plan_with(manifest, ctx, live, prune, adoption)
    }

    fn dependencies(manifest: &Manifest, name: &str) -> Vec<String> {
        dependencies(manifest, name)
    }

    fn live_objects(live: &LiveSnapshot) -> Vec<(String, serde_json::Value)> {
        crate::kinds::kind::objects_by_name(&live.repositories, address)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::model::{Encryption, LifecycleRule, Pull};
    use proptest::prelude::*;

    /// What AWS would hold after these operations (a pure stand-in for ECR).
    fn simulate(live: &mut LiveSnapshot, operations: &[Operation]) {
        for op in operations {
            let Operation::Repository(op) = op else {
                continue;
            };
            match op {
                RepositoryOperation::CreateRepository {
                    name,
                    image_tag_mutability,
                    exclusion_filters,
                    encryption_type,
                    kms_key,
                    scan_on_push,
                    tags,
                } => {
                    live.repositories.insert(
                        name.clone(),
                        LiveRepository {
                            name: name.clone(),
                            arn: format!("arn:aws:ecr:eu-west-1:123456789012:repository/{name}"),
                            image_tag_mutability: image_tag_mutability.clone(),
                            exclusion_filters: exclusion_filters.clone(),
                            encryption_type: encryption_type.clone(),
                            kms_key: kms_key.clone(),
                            scan_on_push: *scan_on_push,
                            tags: tags.clone(),
                            details_read: true,
                            ..LiveRepository::default()
                        },
                    );
                }
                RepositoryOperation::DeleteRepository { name, .. } => {
                    live.repositories.remove(name);
                }
                other => {
                    let name = match other {
                        RepositoryOperation::PutImageTagMutability { name, .. }
                        | RepositoryOperation::PutImageScanningConfiguration { name, .. }
                        | RepositoryOperation::PutLifecyclePolicy { name, .. }
                        | RepositoryOperation::DeleteLifecyclePolicy { name }
                        | RepositoryOperation::SetRepositoryPolicy { name, .. }
                        | RepositoryOperation::DeleteRepositoryPolicy { name }
                        | RepositoryOperation::TagResource { name, .. }
                        | RepositoryOperation::UntagResource { name, .. } => name,
                        _ => unreachable!(),
                    };
                    let repo = live.repositories.get_mut(name).expect("exists");
                    match other {
                        RepositoryOperation::PutImageTagMutability {
                            image_tag_mutability,
                            exclusion_filters,
                            ..
                        } => {
                            repo.image_tag_mutability = image_tag_mutability.clone();
                            repo.exclusion_filters = exclusion_filters.clone();
                        }
                        RepositoryOperation::PutImageScanningConfiguration {
                            scan_on_push, ..
                        } => repo.scan_on_push = *scan_on_push,
                        RepositoryOperation::PutLifecyclePolicy { document, .. } => {
                            repo.lifecycle_policy = Some(document.clone())
                        }
                        RepositoryOperation::DeleteLifecyclePolicy { .. } => {
                            repo.lifecycle_policy = None
                        }
                        RepositoryOperation::SetRepositoryPolicy { document, .. } => {
                            repo.policy = Some(document.clone())
                        }
                        RepositoryOperation::DeleteRepositoryPolicy { .. } => repo.policy = None,
                        RepositoryOperation::TagResource { tags, .. } => {
                            repo.tags.extend(tags.clone())
                        }
                        RepositoryOperation::UntagResource { keys, .. } => {
                            for k in keys {
                                repo.tags.remove(k);
                            }
                        }
                        _ => unreachable!(),
                    }
                }
            }
        }
    }

    fn arb_repository() -> impl Strategy<Value = Repository> {
        (
            prop::option::of(prop_oneof![
                Just(ImageTagMutability::Mutable),
                Just(ImageTagMutability::Immutable),
                Just(ImageTagMutability::MutableWithExclusion),
                Just(ImageTagMutability::ImmutableWithExclusion),
            ]),
            prop::option::of(prop_oneof![
                Just(None),
                Just(Some(("KMS", Some("alias/shop")))),
                Just(Some(("KMS", None))),
            ]),
            prop::option::of(any::<bool>()),
            prop::option::of(1i64..50),
            prop::option::of(prop::collection::vec("[0-9]{12}", 0..3)),
            prop::collection::btree_map("[a-z]{1,8}", "[a-z0-9 ]{0,8}", 0..4),
        )
            .prop_map(
                |(mutability, encryption, scan, keep, accounts, tags)| Repository {
                    image_tag_mutability: mutability,
                    image_tag_mutability_exclusion_filters: mutability
                        .filter(|m| m.takes_exclusions())
                        .map(|_| vec!["latest".to_string(), "dev-*".to_string()]),
                    encryption: encryption.flatten().map(|(_, key)| Encryption {
                        encryption_type: EncryptionType::Kms,
                        kms_key: key.map(str::to_string),
                    }),
                    scan_on_push: scan,
                    lifecycle: keep.map(|n| {
                        vec![LifecycleRule {
                            untagged: Some(true),
                            expire_after_days: Some(n),
                            ..LifecycleRule::default()
                        }]
                    }),
                    pull: accounts.map(|accounts| Pull {
                        accounts,
                        roles: vec![],
                    }),
                    tags: Some(tags),
                    ..Repository::default()
                },
            )
    }

    fn manifest_of(repos: Vec<Repository>) -> Manifest {
        Manifest {
            version: 1,
            stack: "shop".into(),
            repositories: repos
                .into_iter()
                .enumerate()
                .map(|(i, r)| (format!("shop/r{i}"), r))
                .collect(),
            ..Manifest::default()
        }
    }

    proptest! {
        /// A manifest planned against its own applied state yields no changes, and an
        /// apply from any other manifest's state converges in one step.
        #[test]
        fn applying_a_plan_converges(
            before in prop::collection::vec(arb_repository(), 1..4),
            after in prop::collection::vec(arb_repository(), 1..4),
        ) {
            let mut live = LiveSnapshot { account_id: "123456789012".into(), region: "eu-west-1".into(), ..LiveSnapshot::default() };
            for target in [manifest_of(before), manifest_of(after)] {
                let keys = BTreeMap::new();
                let ctx = Context { account_id: "123456789012", region: "eu-west-1", kms_keys: &keys };
                let first = plan(&target, &ctx, &live, true);
                prop_assert!(first.conflicts.is_empty());
                for change in &first.changes {
                    simulate(&mut live, &change.operations);
                }
                let second = plan(&target, &ctx, &live, true);
                prop_assert!(second.changes.is_empty(), "not converged: {:#?}", second.changes);
            }
        }
    }

    #[test]
    fn aes256_declared_or_omitted_matches_live_aes256() {
        let live_repo = LiveRepository {
            name: "shop/web".into(),
            image_tag_mutability: "MUTABLE".into(),
            encryption_type: "AES256".into(),
            tags: BTreeMap::from([(OWNERSHIP_TAG.into(), "shop".into())]),
            ..LiveRepository::default()
        };
        let live = LiveSnapshot {
            repositories: BTreeMap::from([("shop/web".into(), live_repo)]),
            ..LiveSnapshot::default()
        };
        for encryption in [
            None,
            Some(Encryption {
                encryption_type: EncryptionType::Aes256,
                kms_key: None,
            }),
        ] {
            let manifest = manifest_of(vec![Repository {
                encryption,
                ..Repository::default()
            }]);
            let mut manifest = manifest;
            let repo = manifest.repositories.remove("shop/r0").unwrap();
            manifest.repositories.insert("shop/web".into(), repo);
            let keys = BTreeMap::new();
            let ctx = Context {
                account_id: "123456789012",
                region: "eu-west-1",
                kms_keys: &keys,
            };
            assert!(plan(&manifest, &ctx, &live, false).changes.is_empty());
        }
    }

    #[test]
    fn kms_key_comparison_table() {
        let keys = BTreeMap::from([
            (
                "alias/shop".to_string(),
                KmsKey {
                    key_arn: "arn:aws:kms:eu-west-1:123456789012:key/k1".into(),
                    aws_managed: false,
                },
            ),
            (
                "arn:aws:kms:eu-west-1:123456789012:key/k1".to_string(),
                KmsKey {
                    key_arn: "arn:aws:kms:eu-west-1:123456789012:key/k1".into(),
                    aws_managed: false,
                },
            ),
            (
                "arn:aws:kms:eu-west-1:123456789012:key/managed".to_string(),
                KmsKey {
                    key_arn: "arn:aws:kms:eu-west-1:123456789012:key/managed".into(),
                    aws_managed: true,
                },
            ),
        ]);
        let k1 = "arn:aws:kms:eu-west-1:123456789012:key/k1";
        let managed = "arn:aws:kms:eu-west-1:123456789012:key/managed";
        // (declared, live, same?)
        let cases: &[(Option<&str>, Option<&str>, Option<bool>)] = &[
            (None, None, Some(true)),
            (None, Some(managed), Some(true)),
            (None, Some(k1), Some(false)),
            (Some("alias/shop"), Some(k1), Some(true)),
            (Some("k1"), Some(k1), Some(true)),
            (Some("alias/shop"), Some(managed), Some(false)),
            (Some("alias/unknown"), Some(k1), None),
            (Some("alias/shop"), None, Some(false)),
        ];
        for (declared, live, expected) in cases {
            assert_eq!(
                same_kms_key(*declared, *live, &keys),
                *expected,
                "{declared:?} vs {live:?}"
            );
        }
    }
}
