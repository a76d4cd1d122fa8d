//! What the plan and the registry know of a creation template without its planning code: its
//! registry entry, and the operations a plan carries for it (plain data, serialized into
//! plans) with their one-line descriptions.

use crate::kinds::entry::Entry;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The registry's entry for this kind.
pub const ENTRY: Entry = Entry {
    singular: "creation template",
    plural: "creation templates",
    prefix: "ecr.creation_template.",
    manifest_path: &["registry", "creationTemplates"],
    count: |m| m.registry.creation_templates.len(),
};

/// One write call against ECR's creation-template API.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum CreationTemplateOperation {
    CreateRepositoryCreationTemplate {
        prefix: String,
        #[serde(flatten)]
        settings: TemplateSettings,
    },
    /// Sends every setting (the template becomes exactly `settings`).
    UpdateRepositoryCreationTemplate {
        prefix: String,
        #[serde(flatten)]
        settings: TemplateSettings,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        cleared: Vec<Cleared>,
    },
    DeleteRepositoryCreationTemplate {
        prefix: String,
    },
}

impl CreationTemplateOperation {
    /// A template's repository policy may name a new role ECR cannot see yet
    /// (`message` is lowercase).
    pub fn propagation_wait(&self, message: &str) -> Option<&'static str> {
        message
            .contains("invalid repository policy")
            .then_some("waiting for IAM to propagate a new role to ECR")
    }

    pub fn describe(&self) -> String {
        match self {
            Self::CreateRepositoryCreationTemplate { prefix, settings } => format!(
                "CreateRepositoryCreationTemplate {prefix} for {}",
                settings.applied_for.join(",")
            ),
            Self::UpdateRepositoryCreationTemplate { prefix, .. } => {
                format!("UpdateRepositoryCreationTemplate {prefix}")
            }
            Self::DeleteRepositoryCreationTemplate { prefix } => {
                format!("DeleteRepositoryCreationTemplate {prefix}")
            }
        }
    }
}

/// What CreateRepositoryCreationTemplate and UpdateRepositoryCreationTemplate take, in
/// final form: documents as the exact JSON text sent.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TemplateSettings {
    pub applied_for: Vec<String>,
    pub image_tag_mutability: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub image_tag_mutability_exclusion_filters: Vec<String>,
    pub encryption_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifecycle_policy: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository_policy: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub resource_tags: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_role_arn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A text field the template has and the manifest drops. UpdateRepositoryCreationTemplate
/// may keep a text a request leaves out, so apply sends these as empty strings, which
/// remove them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Cleared {
    LifecyclePolicy,
    RepositoryPolicy,
    CustomRoleArn,
    Description,
}
