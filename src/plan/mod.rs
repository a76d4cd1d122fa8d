//! The plan as a value (Terraform's `plans`): what changes, why, field by field, and the
//! operations apply will carry out. PURE: built from every kind's changes, read by
//! `render` and `apply`, serialized as the plan JSON of docs/architecture.md. Apply walks
//! it; it never re-decides.

pub mod build;
pub mod fingerprint;
pub mod order;
pub mod saved;

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub const FORMAT_VERSION: u32 = 1;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    pub format_version: u32,
    pub stack: String,
    pub changes: Vec<Change>,
    pub summary: Summary,
    /// Notes for the reader that change nothing (e.g. a setting AWS will ignore).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

impl Plan {
    pub fn new(stack: &str, changes: Vec<Change>, warnings: Vec<String>) -> Self {
        let changes = order::order(changes);
        let summary = Summary::of(&changes);
        Self {
            format_version: FORMAT_VERSION,
            stack: stack.to_string(),
            changes,
            summary,
            warnings,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub create: usize,
    pub update: usize,
    pub replace: usize,
    pub delete: usize,
}

impl Summary {
    pub fn of(changes: &[Change]) -> Self {
        let mut s = Summary::default();
        for c in changes {
            match c.action {
                ChangeAction::Create => s.create += 1,
                ChangeAction::Update => s.update += 1,
                ChangeAction::Replace => s.replace += 1,
                ChangeAction::Delete => s.delete += 1,
            }
        }
        s
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeAction {
    Create,
    Update,
    Replace,
    Delete,
}

impl ChangeAction {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::Update => "update",
            Self::Replace => "replace",
            Self::Delete => "delete",
        }
    }
}

/// Why an action was chosen (Terraform's ActionReason).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeReason {
    /// Declared in the manifest, absent in AWS.
    CreateBecauseMissing,
    /// Declared and present, but some fields differ.
    UpdateBecauseDrifted,
    /// A field differs that AWS cannot change in place.
    ReplaceBecauseCannotUpdate,
    /// Owned by this stack, no longer in the manifest, and `--prune` was given.
    DeleteBecauseNotInManifest,
    /// Declared and present without any ownership tag, and `--adopt` was given: the
    /// update adds the tag (and closes any other difference it shows).
    AdoptBecauseNotOwned,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Change {
    pub address: String,
    pub action: ChangeAction,
    /// One line for people: "imageTagMutability differs".
    pub reason: String,
    pub reason_code: ChangeReason,
    pub fields: Vec<FieldChange>,
    /// Present on deletes and replaces: what would be lost (the images of a repository,
    /// when the kind holds data) and what allows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destroys: Option<Destroys>,
    /// What the change would do to what the resource holds, evaluated locally when the
    /// kind can (its JSON key names the kind of preview).
    #[serde(flatten, default, skip_serializing_if = "Option::is_none")]
    pub preview: Option<Preview>,
    /// What apply will call, in order.
    pub operations: Vec<Operation>,
}

/// A preview of what a change does to what a resource holds. Each kind that can
/// evaluate one adds a variant; in JSON it is one member of the change, named by the
/// variant.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Preview {
    /// What new lifecycle rules would expire among the images a repository holds now
    /// (present when a plan changes an existing repository's rules).
    #[serde(rename = "lifecyclePreview")]
    Lifecycle(LifecyclePreview),
    /// How the deployment a service change starts will roll out (present on service
    /// changes that start one).
    #[serde(rename = "rollout")]
    Rollout(crate::kinds::service::rollout::Rollout),
}

/// The impact of new lifecycle rules on the images a repository holds, compared with the
/// rules it has now.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LifecyclePreview {
    /// Images evaluated.
    pub images: usize,
    /// Images the new rules expire that the current rules do not.
    pub expires: usize,
    /// Images moved to archive storage rather than deleted.
    pub archives: usize,
    /// Tags of the images expired (the first 20; untagged images are counted).
    pub expired_tags: Vec<String>,
    pub expired_untagged: usize,
    /// Images the current rules would expire that the new rules keep.
    pub spared: usize,
    pub bytes_freed: u64,
    /// Why no preview could be made, when it could not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Images the new rules would expire or archive although something uses them now (a
    /// service's task definition, a task definition of the manifest, a running task).
    /// Apply refuses such a change unless --allow-expire-in-use.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub in_use: Vec<InUseImage>,
}

/// An image in use that a lifecycle rule would expire or archive.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InUseImage {
    pub digest: String,
    pub tags: Vec<String>,
    /// The rule that would act on it.
    pub rule_priority: i64,
    /// `expire` or `archive` (an archived image cannot be pulled either).
    pub action: String,
    /// Who uses it: `ecs.service.web (web:12)`, `ecs.task_definition.web (this manifest)`,
    /// `a running task of web:12 in cluster shop`.
    pub used_by: Vec<String>,
}

impl InUseImage {
    /// `sha256:0123456789ab (v1, latest)`
    pub fn label(&self) -> String {
        let short: String = self.digest.chars().take(19).collect();
        if self.tags.is_empty() {
            format!("{short} (untagged)")
        } else {
            format!("{short} ({})", self.tags.join(", "))
        }
    }
}

/// A field-level difference. `before` / `after` are null when the field is absent.
/// Documents (policies, lifecycle policies) are JSON values, shown as a text diff.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FieldChange {
    pub path: String,
    pub before: Value,
    pub after: Value,
}

impl FieldChange {
    pub fn new(path: impl Into<String>, before: Value, after: Value) -> Self {
        Self {
            path: path.into(),
            before,
            after,
        }
    }

    /// Whether the renderers should show this field as a multi-line document diff.
    pub fn is_document(&self) -> bool {
        self.before.is_object() || self.after.is_object()
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Destroys {
    /// Images that would be lost; None when unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub images: Option<u64>,
    /// The manifest allows deleting a non-empty repository (`forceDelete: true`).
    pub force_delete: bool,
}

macro_rules! operations {
    ($($variant:ident $module:ident $operation:ident $kind:ident,)*) => {
        /// One AWS write call. Each kind's operations live in its folder's `operation.rs`;
        /// `kind` names it, so operations of different kinds with the same AWS name never
        /// mix up. The registry's list of kinds generates the variants.
        #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
        #[serde(tag = "kind", rename_all = "camelCase")]
        pub enum Operation {
            $($variant(crate::kinds::$module::operation::$operation),)*
        }

        impl Operation {
            /// Why this operation failing with `message` is IAM's eventual consistency (a
            /// role created moments ago that the service cannot see yet) rather than a real
            /// error, if it is: apply then retries it for a while. Each kind knows its own
            /// services' words.
            pub fn propagation_wait(&self, message: &str) -> Option<&'static str> {
                let message = message.to_lowercase();
                match self {
                    $(Operation::$variant(op) => op.propagation_wait(&message),)*
                }
            }

            pub fn describe(&self) -> String {
                match self {
                    $(Operation::$variant(op) => op.describe(),)*
                }
            }
        }
    };
}
crate::with_kinds!(operations);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn change(preview: Option<Preview>) -> Change {
        Change {
            address: "ecr.repository.shop/web".into(),
            action: ChangeAction::Update,
            reason: "lifecyclePolicy differs".into(),
            reason_code: ChangeReason::UpdateBecauseDrifted,
            fields: Vec::new(),
            destroys: None,
            preview,
            operations: Vec::new(),
        }
    }

    /// A preview is one member of the change, named by its kind, between `destroys` and
    /// `operations` — the plan JSON's shape — and reads back as the same value.
    #[test]
    fn a_preview_is_a_named_member_of_the_change() {
        let preview = LifecyclePreview {
            images: 3,
            expires: 1,
            expired_tags: vec!["v1".into()],
            ..LifecyclePreview::default()
        };
        let with = change(Some(Preview::Lifecycle(preview)));
        let text = serde_json::to_string(&with).expect("serializes");
        let keys: Vec<String> = serde_json::from_str::<serde_json::Map<String, Value>>(&text)
            .expect("object")
            .keys()
            .cloned()
            .collect();
        assert_eq!(
            keys,
            [
                "address",
                "action",
                "reason",
                "reasonCode",
                "fields",
                "lifecyclePreview",
                "operations"
            ]
        );
        assert_eq!(
            serde_json::from_str::<Value>(&text).expect("JSON")["lifecyclePreview"]["expiredTags"],
            json!(["v1"])
        );
        assert_eq!(serde_json::from_str::<Change>(&text).expect("reads"), with);
        let without = change(None);
        let text = serde_json::to_string(&without).expect("serializes");
        assert!(!text.contains("Preview"), "{text}");
        assert_eq!(
            serde_json::from_str::<Change>(&text).expect("reads"),
            without
        );
    }
}
