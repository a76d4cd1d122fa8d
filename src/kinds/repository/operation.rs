//! What the plan and the registry know of a repository without its planning code: its
//! registry entry, and the operations a plan carries for it (plain data, serialized into
//! plans) with their one-line descriptions.

use crate::kinds::entry::Entry;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The registry's entry for this kind.
pub const ENTRY: Entry = Entry {
    singular: "repository",
    plural: "repositories",
    prefix: "ecr.repository.",
    manifest_path: &["repositories"],
    count: |m| m.repositories.len(),
};

/// One write call against ECR, with everything it needs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum RepositoryOperation {
    CreateRepository {
        name: String,
        image_tag_mutability: String,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        exclusion_filters: Vec<String>,
        encryption_type: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        kms_key: Option<String>,
        scan_on_push: bool,
        tags: BTreeMap<String, String>,
    },
    DeleteRepository {
        name: String,
        force: bool,
    },
    PutImageTagMutability {
        name: String,
        image_tag_mutability: String,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        exclusion_filters: Vec<String>,
    },
    PutImageScanningConfiguration {
        name: String,
        scan_on_push: bool,
    },
    PutLifecyclePolicy {
        name: String,
        document: String,
    },
    DeleteLifecyclePolicy {
        name: String,
    },
    SetRepositoryPolicy {
        name: String,
        document: String,
    },
    DeleteRepositoryPolicy {
        name: String,
    },
    TagResource {
        name: String,
        arn: String,
        tags: BTreeMap<String, String>,
    },
    UntagResource {
        name: String,
        arn: String,
        keys: Vec<String>,
    },
}

impl RepositoryOperation {
    /// ECR rejects a repository policy naming a role IAM has not yet propagated with
    /// "Invalid repository policy provided"; `message` is lowercase.
    pub fn propagation_wait(&self, message: &str) -> Option<&'static str> {
        (matches!(self, Self::SetRepositoryPolicy { .. })
            && message.contains("invalid repository policy provided"))
        .then_some("waiting for IAM to propagate a new role to ECR")
    }

    pub fn describe(&self) -> String {
        match self {
            Self::CreateRepository { name, .. } => format!("CreateRepository {name}"),
            Self::DeleteRepository { name, force } => {
                format!(
                    "DeleteRepository {name}{}",
                    if *force { " (force)" } else { "" }
                )
            }
            Self::PutImageTagMutability {
                name,
                image_tag_mutability,
                ..
            } => format!("PutImageTagMutability {name} {image_tag_mutability}"),
            Self::PutImageScanningConfiguration { name, scan_on_push } => {
                format!("PutImageScanningConfiguration {name} scanOnPush={scan_on_push}")
            }
            Self::PutLifecyclePolicy { name, .. } => format!("PutLifecyclePolicy {name}"),
            Self::DeleteLifecyclePolicy { name } => format!("DeleteLifecyclePolicy {name}"),
            Self::SetRepositoryPolicy { name, .. } => format!("SetRepositoryPolicy {name}"),
            Self::DeleteRepositoryPolicy { name } => format!("DeleteRepositoryPolicy {name}"),
            Self::TagResource { name, tags, .. } => format!(
                "TagResource {name} {}",
                tags.keys().cloned().collect::<Vec<_>>().join(",")
            ),
            Self::UntagResource { name, keys, .. } => {
                format!("UntagResource {name} {}", keys.join(","))
            }
        }
    }
}
