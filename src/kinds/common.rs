//! What every kind's planning code shares, PURE: the planning context (account, region,
//! KMS keys), refusals (`Conflict`), claiming and adopting by the ownership tag, tag
//! differences, and the constructors of the plan's changes. Everything AWS-specific about
//! a kind (its defaults, what forces a replace, its address) lives in its folder.

use crate::live::KmsKey;
use crate::plan::{Change, ChangeAction, ChangeReason, Destroys, FieldChange, Operation};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// The ownership tag on everything wharf creates; its value is the stack name.
pub const OWNERSHIP_TAG: &str = "wharf:stack";

/// What planning knows about the target account beyond the manifest: where ARNs point.
#[derive(Clone, Copy, Debug)]
pub struct Context<'a> {
    pub account_id: &'a str,
    pub region: &'a str,
    pub kms_keys: &'a BTreeMap<String, KmsKey>,
}

impl Context<'_> {
    /// The ARN partition of the region (aws, aws-cn, aws-us-gov).
    pub fn partition(&self) -> &'static str {
        if self.region.starts_with("cn-") {
            "aws-cn"
        } else if self.region.starts_with("us-gov-") {
            "aws-us-gov"
        } else {
            "aws"
        }
    }
}

/// Something in AWS stops the plan: a declared resource exists but is not ours.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Conflict {
    pub address: String,
    pub message: String,
    pub hint: String,
    /// The manifest node it is about (a JSON pointer), when more precise than the
    /// resource itself; `manifest_pointer(address)` otherwise.
    pub pointer: Option<String>,
}

impl Conflict {
    /// A declared resource that exists without this stack's ownership tag.
    pub fn not_owned(
        address: &str,
        kind: &str,
        name: &str,
        owner: Option<&str>,
        stack: &str,
        tag_command: &str,
    ) -> Self {
        Conflict {
            address: address.to_string(),
            message: match owner {
                Some(other) => {
                    format!("{kind} `{name}` exists and belongs to wharf stack `{other}`")
                }
                None => format!(
                    "{kind} `{name}` already exists and is not managed by wharf (it has no {OWNERSHIP_TAG} tag)"
                ),
            },
            hint: match owner {
                Some(_) => format!(
                    "to take it over, tag it {OWNERSHIP_TAG}={stack} ({tag_command}), or rename it in the manifest"
                ),
                None => format!(
                    "to take it over, run plan and apply with --adopt (which tags it {OWNERSHIP_TAG}={stack}), or tag it yourself ({tag_command}), or rename it in the manifest"
                ),
            },
            pointer: None,
        }
    }
}

/// What planning does with a declared resource that exists without this stack's
/// ownership tag.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Adoption {
    /// Refuse it with a conflict: wharf never takes a resource over silently.
    #[default]
    Refuse,
    /// `--adopt`: a resource with no ownership tag at all is planned as an update that adds
    /// the tag (plus any real difference). Another stack's resource is still refused.
    Adopt,
}

/// Whether planning may manage a declared resource that exists with these tags:
/// `Ok(false)` when this stack owns it, `Ok(true)` when this plan adopts it, otherwise the
/// conflict that stops the plan.
pub fn claim(
    address: &str,
    kind: &str,
    name: &str,
    tags: &BTreeMap<String, String>,
    stack: &str,
    adoption: Adoption,
    tag_command: &str,
) -> Result<bool, Conflict> {
    match tags.get(OWNERSHIP_TAG) {
        Some(owner) if owner == stack => Ok(false),
        None if adoption == Adoption::Adopt => Ok(true),
        owner => Err(Conflict::not_owned(
            address,
            kind,
            name,
            owner.map(String::as_str),
            stack,
            tag_command,
        )),
    }
}

/// Marks a change that adopts a resource. An adopted resource always gains the ownership
/// tag, so its change exists; the reason says why, followed by what else differs.
pub fn adopted(mut change: Change) -> Change {
    let others: Vec<FieldChange> = change
        .fields
        .iter()
        .filter(|f| f.path != format!("tags.{OWNERSHIP_TAG}"))
        .cloned()
        .collect();
    let rest = if others.is_empty() {
        String::new()
    } else if change.action == ChangeAction::Update && others.len() < change.fields.len() {
        format!("; {}", differs_reason(&others))
    } else {
        // A replace, or a new task-definition revision (which carries the tag itself):
        // the kind's own reason already says what happens.
        format!("; {}", change.reason)
    };
    change.reason = format!("adopt: not yet owned by this stack{rest}");
    // A replace stays a replace: the reason code says why the action was chosen.
    if change.action == ChangeAction::Update {
        change.reason_code = ChangeReason::AdoptBecauseNotOwned;
    }
    change
}

/// One kind's contribution to a plan.
#[derive(Clone, Debug, Default)]
pub struct KindPlan {
    pub changes: Vec<Change>,
    pub warnings: Vec<String>,
    pub conflicts: Vec<Conflict>,
}

impl KindPlan {
    pub fn extend(&mut self, other: KindPlan) {
        self.changes.extend(other.changes);
        self.warnings.extend(other.warnings);
        self.conflicts.extend(other.conflicts);
    }
}

/// Tag differences: field changes, tags to set, keys to remove. Tags outside the
/// manifest are removed: the manifest owns a resource's tags whole.
pub fn tag_changes(
    want: &BTreeMap<String, String>,
    have: &BTreeMap<String, String>,
) -> (Vec<FieldChange>, BTreeMap<String, String>, Vec<String>) {
    let mut fields = Vec::new();
    let mut to_tag = BTreeMap::new();
    let mut to_untag = Vec::new();
    for (k, v) in want {
        if have.get(k) != Some(v) {
            fields.push(FieldChange::new(
                format!("tags.{k}"),
                json!(have.get(k)),
                json!(v),
            ));
            to_tag.insert(k.clone(), v.clone());
        }
    }
    for (k, v) in have {
        if !want.contains_key(k) {
            fields.push(FieldChange::new(format!("tags.{k}"), json!(v), Value::Null));
            to_untag.push(k.clone());
        }
    }
    (fields, to_tag, to_untag)
}

/// The untag call (first) and the tag call that bring tags in line, built by the kind's
/// own operation constructors; none when nothing differs.
pub fn tag_operations<T>(
    to_tag: BTreeMap<String, String>,
    to_untag: Vec<String>,
    untag: impl FnOnce(Vec<String>) -> T,
    tag: impl FnOnce(BTreeMap<String, String>) -> T,
) -> Vec<T> {
    let mut ops = Vec::new();
    if !to_untag.is_empty() {
        ops.push(untag(to_untag));
    }
    if !to_tag.is_empty() {
        ops.push(tag(to_tag));
    }
    ops
}

/// "imageTagMutability, tags differ": the top-level names of the changed fields.
pub fn differs_reason(fields: &[FieldChange]) -> String {
    let mut names: Vec<&str> = fields
        .iter()
        .map(|f| f.path.split('.').next().unwrap_or(&f.path))
        .collect();
    names.dedup();
    format!(
        "{} differ{}",
        names.join(", "),
        if names.len() == 1 { "s" } else { "" }
    )
}

/// The reason of a create for a resource AWS does not hold.
pub const NOT_PRESENT: &str = "not present in AWS";

/// The tags of an ECS resource the manifest declares as an API object: the manifest's
/// default tags, its own `tags` map, and this stack's ownership tag.
pub fn declared_tags(
    manifest: &crate::manifest::model::Manifest,
    object: &crate::manifest::model::ApiObject,
) -> BTreeMap<String, String> {
    let mut tags = manifest.defaults.tags.clone();
    if let Some(Value::Object(own)) = object.get("tags") {
        for (k, v) in own {
            tags.insert(k.clone(), v.as_str().unwrap_or_default().to_string());
        }
    }
    tags.insert(OWNERSHIP_TAG.to_string(), manifest.stack.clone());
    tags
}

/// The reason of a delete for a resource the ownership ledger records.
pub const LEDGER_OWNED_NOT_DECLARED: &str =
    "created by this stack (ownership ledger), no longer in the manifest";

/// The reason of a delete for a resource that carries this stack's ownership tag.
pub fn owned_not_declared(stack: &str) -> String {
    format!("owned by stack `{stack}` and no longer in the manifest")
}

/// A create (`ChangeReason::CreateBecauseMissing`): AWS does not hold the resource.
pub fn create_because_missing(
    address: String,
    reason: impl Into<String>,
    fields: Vec<FieldChange>,
    operations: Vec<Operation>,
) -> Change {
    Change {
        address,
        action: ChangeAction::Create,
        reason: reason.into(),
        reason_code: ChangeReason::CreateBecauseMissing,
        fields,
        destroys: None,
        preview: None,
        operations,
    }
}

/// An in-place update (`ChangeReason::UpdateBecauseDrifted`); the reason names the fields
/// that differ.
pub fn update_because_drifted(
    address: String,
    fields: Vec<FieldChange>,
    operations: Vec<Operation>,
) -> Change {
    Change {
        address,
        action: ChangeAction::Update,
        reason: differs_reason(&fields),
        reason_code: ChangeReason::UpdateBecauseDrifted,
        fields,
        destroys: None,
        preview: None,
        operations,
    }
}

/// A delete (`ChangeReason::DeleteBecauseNotInManifest`) of something this stack owns;
/// the reason says how the ownership is known.
pub fn delete_because_not_in_manifest(
    address: String,
    reason: impl Into<String>,
    destroys: Option<Destroys>,
    operations: Vec<Operation>,
) -> Change {
    Change {
        address,
        action: ChangeAction::Delete,
        reason: reason.into(),
        reason_code: ChangeReason::DeleteBecauseNotInManifest,
        fields: Vec::new(),
        destroys,
        preview: None,
        operations,
    }
}

/// Documents are sent as compact JSON; AWS keeps them as sent.
pub fn document_text(doc: &Value) -> String {
    serde_json::to_string(doc).expect("JSON values serialize")
}

/// A document as AWS returned it: its JSON, or the text itself when it is not JSON (so a
/// malformed live document still shows, and differs).
pub fn parse_live_document(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_string()))
}

/// Text as the manifest or AWS gives it, with empty text read as absent.
pub fn non_empty(text: Option<&str>) -> Option<String> {
    text.filter(|t| !t.is_empty()).map(str::to_string)
}

#[cfg(test)]
mod adoption_tests {
    use super::*;

    fn tags(owner: Option<&str>) -> BTreeMap<String, String> {
        owner
            .map(|o| BTreeMap::from([(OWNERSHIP_TAG.to_string(), o.to_string())]))
            .unwrap_or_default()
    }

    #[test]
    fn claims_own_untagged_and_foreign_resources() {
        let claim_with = |owner, adoption| {
            claim(
                "ecr.repository.a",
                "repository",
                "a",
                &tags(owner),
                "shop",
                adoption,
                "cmd",
            )
        };
        assert_eq!(claim_with(Some("shop"), Adoption::Refuse), Ok(false));
        assert_eq!(claim_with(None, Adoption::Adopt), Ok(true));
        let refused = claim_with(None, Adoption::Refuse).unwrap_err();
        assert!(refused.hint.contains("--adopt"), "{refused:?}");
        let foreign = claim_with(Some("billing"), Adoption::Adopt).unwrap_err();
        assert!(foreign.message.contains("`billing`"), "{foreign:?}");
        assert!(!foreign.hint.contains("--adopt"), "{foreign:?}");
    }

    #[test]
    fn an_adopting_change_says_so_and_what_else_differs() {
        let change = |action, fields: Vec<&str>, reason: &str| Change {
            address: "ecr.repository.a".into(),
            action,
            reason: reason.into(),
            reason_code: ChangeReason::UpdateBecauseDrifted,
            fields: fields
                .into_iter()
                .map(|p| FieldChange::new(p, Value::Null, json!("x")))
                .collect(),
            destroys: None,
            preview: None,
            operations: Vec::new(),
        };
        let tag = "tags.wharf:stack";
        let only = adopted(change(ChangeAction::Update, vec![tag], "tags differ"));
        assert_eq!(only.reason, "adopt: not yet owned by this stack");
        assert_eq!(only.reason_code, ChangeReason::AdoptBecauseNotOwned);
        let more = adopted(change(
            ChangeAction::Update,
            vec!["imageTagMutability", tag],
            "imageTagMutability, tags differ",
        ));
        assert_eq!(
            more.reason,
            "adopt: not yet owned by this stack; imageTagMutability differs"
        );
        // A new revision carries the tag itself: the kind's reason stands.
        let revision = adopted(change(
            ChangeAction::Update,
            vec!["containerDefinitions[0].image"],
            "containerDefinitions differs; registers a new revision (latest ACTIVE is 3)",
        ));
        assert!(
            revision.reason.ends_with("(latest ACTIVE is 3)"),
            "{}",
            revision.reason
        );
        let replace = adopted(change(
            ChangeAction::Replace,
            vec!["encryption.type", tag],
            "encryption.type cannot change in place",
        ));
        assert_eq!(replace.reason_code, ChangeReason::UpdateBecauseDrifted);
        assert!(replace.reason.starts_with("adopt: "), "{}", replace.reason);
    }
}
