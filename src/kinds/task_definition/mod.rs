//! ECS task definitions (`ecs.task_definition.FAMILY`): the whole RegisterTaskDefinition
//! input from the manifest, with wharf's conveniences resolved (image references to
//! manifest repositories, role names to ARNs, tags as a map), compared after
//! normalization with the family's latest ACTIVE revision. A new revision is registered
//! only when the normalized content differs; `keepRevisions` deregisters older owned
//! revisions, never one a service uses.

pub mod export;
pub mod io;
pub mod lint;
pub mod live;
pub mod normalize;
pub mod operation;
pub mod units;
pub mod validate;

use crate::kinds::common::{Context, KindPlan, OWNERSHIP_TAG};
use crate::kinds::reconcile::{Ownership, Reconcile, not_declared, reconcile};
use crate::live::{LiveSnapshot, LiveTaskDefinition};
use crate::manifest::model::{ApiObject, Manifest};
use crate::plan::{Change, ChangeAction, ChangeReason, FieldChange, Operation};
pub use operation::{TaskDefinitionOperation, short_arn};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

pub const ADDRESS_PREFIX: &str = operation::ENTRY.prefix;

pub fn address(family: &str) -> String {
    format!("{ADDRESS_PREFIX}{family}")
}

/// What a task definition needs first: the roles of this manifest it runs with.
pub fn dependencies(manifest: &Manifest, family: &str) -> Vec<String> {
    let Some(definition) = manifest.ecs.task_definitions.get(family) else {
        return Vec::new();
    };
    ["executionRole", "taskRole"]
        .iter()
        .filter_map(|key| definition.get(*key).and_then(Value::as_str))
        .filter(|name| manifest.iam.roles.contains_key(*name))
        .map(crate::kinds::role::address)
        .collect()
}

#[derive(Clone, Debug, PartialEq)]
pub struct DesiredTaskDefinition {
    pub family: String,
    /// The RegisterTaskDefinition input (AWS shape), tags excluded.
    pub input: Value,
    pub tags: BTreeMap<String, String>,
    pub keep_revisions: Option<usize>,
}

/// The image URI of a manifest repository: its live URI, else the predictable one.
pub fn repository_uri(ctx: &Context, live: &LiveSnapshot, repository: &str) -> String {
    if let Some(repo) = live
        .repositories
        .get(repository)
        .filter(|r| !r.uri.is_empty())
    {
        return repo.uri.clone();
    }
    let domain = if ctx.partition() == "aws-cn" {
        "amazonaws.com.cn"
    } else {
        "amazonaws.com"
    };
    format!(
        "{}.dkr.ecr.{}.{domain}/{repository}",
        ctx.account_id, ctx.region
    )
}

fn resolve_image(ctx: &Context, live: &LiveSnapshot, image: &Value) -> Value {
    let Value::Object(reference) = image else {
        return image.clone();
    };
    let repository = reference
        .get("repository")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let uri = repository_uri(ctx, live, repository);
    match (reference.get("tag"), reference.get("digest")) {
        (_, Some(Value::String(digest))) => json!(format!("{uri}@{digest}")),
        (Some(Value::String(tag)), _) => json!(format!("{uri}:{tag}")),
        (Some(tag), _) => json!(format!("{uri}:{tag}")),
        _ => json!(uri),
    }
}

pub fn desired(
    manifest: &Manifest,
    ctx: &Context,
    live: &LiveSnapshot,
    family: &str,
    definition: &ApiObject,
) -> DesiredTaskDefinition {
    let mut input = definition.clone();
    let keep_revisions = input
        .remove("keepRevisions")
        .and_then(|v| v.as_u64())
        .map(|n| n as usize);
    // `lint` (suppressions) is wharf's own; RegisterTaskDefinition knows no such member.
    input.remove("lint");
    let mut tags = manifest.defaults.tags.clone();
    if let Some(Value::Object(own)) = input.remove("tags") {
        for (k, v) in own {
            tags.insert(k, v.as_str().map(str::to_string).unwrap_or(v.to_string()));
        }
    }
    tags.insert(OWNERSHIP_TAG.to_string(), manifest.stack.clone());
    for (short, long) in [
        ("executionRole", "executionRoleArn"),
        ("taskRole", "taskRoleArn"),
    ] {
        if let Some(Value::String(reference)) = input.remove(short) {
            input.insert(
                long.into(),
                json!(crate::kinds::role::resolve_reference(
                    manifest, ctx, &reference
                )),
            );
        }
    }
    // taskRoleArn takes a role's short name too (ECS API Reference, RegisterTaskDefinition
    // `taskRoleArn`); AWS reports the ARN, so the ARN is what is sent and compared.
    // executionRoleArn is documented as an ARN, but AWS's own examples give names.
    for member in ["taskRoleArn", "executionRoleArn"] {
        if let Some(Value::String(reference)) = input.get(member)
            && !reference.is_empty()
            && !reference.starts_with("arn:")
        {
            let arn = crate::kinds::role::qualify_name(manifest, ctx, reference);
            input.insert(member.into(), json!(arn));
        }
    }
    // The API takes task-level cpu and memory as strings.
    for key in ["cpu", "memory"] {
        if let Some(Value::Number(n)) = input.get(key) {
            let text = n.to_string();
            input.insert(key.into(), json!(text));
        }
    }
    if let Some(Value::Array(containers)) = input.get_mut("containerDefinitions") {
        for container in containers {
            if let Some(image) = container.get("image") {
                let resolved = resolve_image(ctx, live, image);
                container["image"] = resolved;
            }
        }
    }
    input.insert("family".into(), json!(family));
    DesiredTaskDefinition {
        family: family.to_string(),
        input: Value::Object(input),
        tags,
        keep_revisions,
    }
}

/// The live revision in the terms `desired` uses: a role given by name (stored as given
/// when registered by hand) as the ARN it stands for.
fn live_document(manifest: &Manifest, ctx: &Context, have: &LiveTaskDefinition) -> Value {
    let mut document = have.document.clone();
    for member in ["taskRoleArn", "executionRoleArn"] {
        if let Some(Value::String(name)) = document.get(member)
            && !name.is_empty()
            && !name.starts_with("arn:")
        {
            let arn = crate::kinds::role::qualify_name(manifest, ctx, name);
            document[member] = json!(arn);
        }
    }
    document
}

fn register_input(want: &DesiredTaskDefinition) -> Value {
    let mut input = want.input.clone();
    input["tags"] = Value::Array(
        want.tags
            .iter()
            .map(|(k, v)| json!({"key": k, "value": v}))
            .collect(),
    );
    input
}

/// Families whose manifest content differs from the latest ACTIVE revision (or that do
/// not exist yet): these register a new revision in this plan.
pub fn families_registering(
    manifest: &Manifest,
    ctx: &Context,
    live: &LiveSnapshot,
) -> BTreeSet<String> {
    manifest
        .ecs
        .task_definitions
        .iter()
        .filter(|(family, definition)| {
            let want = desired(manifest, ctx, live, family, definition);
            match live.task_definitions.get(*family) {
                None => true,
                Some(have) => {
                    normalize::normalize(&live_document(manifest, ctx, have))
                        != normalize::normalize(&want.input)
                }
            }
        })
        .map(|(family, _)| family.clone())
        .collect()
}

/// Task definitions (as `family:revision`) that services use: never deregistered by
/// keepRevisions. A service naming only a family uses that family's latest revision.
fn in_use(live: &LiveSnapshot) -> BTreeSet<String> {
    live.services
        .values()
        .filter_map(|s| s.document["taskDefinition"].as_str())
        .map(|reference| {
            let short = short_arn(reference);
            match live.task_definitions.get(short) {
                Some(family) => short_arn(&family.arn).to_string(),
                None => short.to_string(),
            }
        })
        .collect()
}

pub fn plan(manifest: &Manifest, ctx: &Context, live: &LiveSnapshot, prune: bool) -> KindPlan {
    plan_with(
        manifest,
        ctx,
        live,
        prune,
        crate::kinds::common::Adoption::Refuse,
    )
}

/// `plan`, naming adoption as the reason when `--adopt` tags a family's latest revision.
///
/// A family is not refused for lacking the ownership tag: a family is only a name, every
/// revision wharf registers carries the tag, and a revision registered by hand on top of
/// wharf's is drift that apply replaces. A latest revision tagged by another stack is
/// refused, with or without `--adopt`.
pub fn plan_with(
    manifest: &Manifest,
    ctx: &Context,
    live: &LiveSnapshot,
    prune: bool,
    adoption: crate::kinds::common::Adoption,
) -> KindPlan {
    let families = Families {
        manifest,
        ctx,
        live,
        used: in_use(live),
    };
    reconcile(&families, prune, adoption)
}

/// The task definition families of a manifest against their ACTIVE revisions in ECS.
struct Families<'a> {
    manifest: &'a Manifest,
    ctx: &'a Context<'a>,
    live: &'a LiveSnapshot,
    /// Revisions services use now (never deregistered by a new registration).
    used: BTreeSet<String>,
}

impl Reconcile for Families<'_> {
    type Want = DesiredTaskDefinition;
    type Have = LiveTaskDefinition;
    const NOUN: &'static str = "task definition family";
    const PREFIX: &'static str = ADDRESS_PREFIX;
    const OWNERSHIP: Ownership = Ownership::TaggedWhenPresent;
    const TAG_COMMAND: &'static str = "aws ecs tag-resource on its latest revision";

    fn stack(&self) -> &str {
        &self.manifest.stack
    }

    fn names(&self) -> Vec<String> {
        self.manifest.ecs.task_definitions.keys().cloned().collect()
    }

    fn desired(&self, family: &str, _: &mut Vec<String>) -> DesiredTaskDefinition {
        let definition = &self.manifest.ecs.task_definitions[family];
        desired(self.manifest, self.ctx, self.live, family, definition)
    }

    fn find(&self, family: &str) -> Option<&LiveTaskDefinition> {
        self.live.task_definitions.get(family)
    }

    fn tags<'h>(&self, have: &'h LiveTaskDefinition) -> Option<&'h BTreeMap<String, String>> {
        Some(&have.tags)
    }

    fn create(&self, family: &str, want: &DesiredTaskDefinition) -> Change {
        crate::kinds::common::create_because_missing(
            address(family),
            "no ACTIVE revision of this family; registers revision 1 of it",
            vec![FieldChange::new(
                "taskDefinition",
                Value::Null,
                normalize::normalize(&want.input),
            )],
            vec![Operation::TaskDefinition(
                TaskDefinitionOperation::RegisterTaskDefinition {
                    family: family.to_string(),
                    input: register_input(want),
                },
            )],
        )
    }

    fn diff(
        &self,
        _: &str,
        want: &DesiredTaskDefinition,
        have: &LiveTaskDefinition,
        _: &mut Vec<String>,
    ) -> Result<Option<Change>, crate::kinds::common::Conflict> {
        let document = live_document(self.manifest, self.ctx, have);
        Ok(diff(want, have, &document, &self.used))
    }

    fn undeclared(&self) -> Vec<(String, &LiveTaskDefinition)> {
        not_declared(&self.live.task_definitions, |family| {
            self.manifest.ecs.task_definitions.contains_key(family)
        })
    }

    /// Deregisters every ACTIVE revision this stack registered (the latest when none is
    /// known to be).
    fn delete(
        &self,
        family: &str,
        have: &LiveTaskDefinition,
    ) -> Option<Result<Change, crate::kinds::common::Conflict>> {
        let mut arns: Vec<String> = have
            .active_revisions
            .iter()
            .filter(|r| r.owned)
            .map(|r| r.arn.clone())
            .collect();
        if arns.is_empty() {
            arns.push(have.arn.clone());
        }
        Some(Ok(crate::kinds::common::delete_because_not_in_manifest(
            address(family),
            format!(
                "{}; its revisions are deregistered",
                crate::kinds::common::owned_not_declared(&self.manifest.stack)
            ),
            None,
            arns.into_iter()
                .map(|arn| {
                    Operation::TaskDefinition(TaskDefinitionOperation::DeregisterTaskDefinition {
                        arn,
                    })
                })
                .collect(),
        )))
    }
}

fn diff(
    want: &DesiredTaskDefinition,
    have: &LiveTaskDefinition,
    live_document: &Value,
    used: &BTreeSet<String>,
) -> Option<Change> {
    let differences = normalize::differences(live_document, &want.input);
    let registering = !differences.is_empty();
    let mut fields: Vec<FieldChange> = differences
        .into_iter()
        .map(|(path, before, after)| FieldChange::new(path, before, after))
        .collect();
    let mut ops = Vec::new();
    if registering {
        ops.push(TaskDefinitionOperation::RegisterTaskDefinition {
            family: want.family.clone(),
            input: register_input(want),
        });
    } else {
        // Same content: tags are fixed on the latest revision without a new one.
        let (tag_fields, to_tag, to_untag) =
            crate::kinds::common::tag_changes(&want.tags, &have.tags);
        fields.extend(tag_fields);
        ops.extend(crate::kinds::common::tag_operations(
            to_tag,
            to_untag,
            |keys| TaskDefinitionOperation::UntagResource {
                arn: have.arn.clone(),
                keys,
            },
            |tags| TaskDefinitionOperation::TagResource {
                arn: have.arn.clone(),
                tags,
            },
        ));
    }
    // keepRevisions counts the revision this plan registers.
    let mut deregister = Vec::new();
    if let Some(keep) = want.keep_revisions {
        let kept_existing = keep.saturating_sub(usize::from(registering));
        for revision in have.active_revisions.iter().skip(kept_existing) {
            // The latest ACTIVE revision is what the manifest matches: never removed here.
            if revision.owned
                && revision.revision != have.revision
                && !used.contains(short_arn(&revision.arn))
            {
                deregister.push(revision.arn.clone());
            }
        }
    }
    if !deregister.is_empty() {
        fields.push(FieldChange::new(
            "keepRevisions",
            json!(have.active_revisions.len()),
            json!(want.keep_revisions),
        ));
        ops.extend(
            deregister
                .into_iter()
                .map(|arn| TaskDefinitionOperation::DeregisterTaskDefinition { arn }),
        );
    }
    if fields.is_empty() {
        return None;
    }
    let reason = if registering {
        format!(
            "{}; registers a new revision (latest ACTIVE is {})",
            crate::kinds::common::differs_reason(&fields),
            have.revision
        )
    } else {
        crate::kinds::common::differs_reason(&fields)
    };
    Some(Change {
        address: address(&want.family),
        action: ChangeAction::Update,
        reason,
        reason_code: ChangeReason::UpdateBecauseDrifted,
        fields,
        destroys: None,
        preview: None,
        operations: ops.into_iter().map(Operation::TaskDefinition).collect(),
    })
}

/// Images the manifest names by repository and tag: (family, repository, tag), for
/// checking before a deploy that the tag was pushed.
pub fn tagged_image_references(manifest: &Manifest) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for (family, definition) in &manifest.ecs.task_definitions {
        for container in definition
            .get("containerDefinitions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let image = &container["image"];
            if let (Some(repository), Some(tag)) =
                (image["repository"].as_str(), image["tag"].as_str())
            {
                out.push((family.clone(), repository.to_string(), tag.to_string()));
            }
        }
    }
    out
}

/// The task definition kind, as the registry lists it.
pub struct TaskDefinitionKind;

impl crate::kinds::Kind for TaskDefinitionKind {
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
        crate::kinds::kind::objects_by_name(&live.task_definitions, address)
    }
}
