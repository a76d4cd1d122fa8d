//! What the plan and the registry know of a pull through cache rule without its planning code: its
//! registry entry, and the operations a plan carries for it (plain data, serialized into
//! plans) with their one-line descriptions.

use crate::kinds::entry::Entry;
use serde::{Deserialize, Serialize};

/// The registry's entry for this kind.
pub const ENTRY: Entry = Entry {
    singular: "pull through cache rule",
    plural: "pull through cache rules",
    prefix: "ecr.pull_through_cache.",
    manifest_path: &["registry", "pullThroughCache"],
    count: |m| m.registry.pull_through_cache.len(),
};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum PullThroughCacheOperation {
    CreatePullThroughCacheRule {
        prefix: String,
        upstream_registry_url: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        credential_arn: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        custom_role_arn: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        upstream_repository_prefix: Option<String>,
    },
    UpdatePullThroughCacheRule {
        prefix: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        credential_arn: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        custom_role_arn: Option<String>,
    },
    DeletePullThroughCacheRule {
        prefix: String,
    },
}

impl PullThroughCacheOperation {
    /// Never IAM's eventual consistency: these calls name no role that may be new.
    pub fn propagation_wait(&self, _message: &str) -> Option<&'static str> {
        None
    }

    pub fn describe(&self) -> String {
        match self {
            Self::CreatePullThroughCacheRule {
                prefix,
                upstream_registry_url,
                ..
            } => format!("CreatePullThroughCacheRule {prefix} <- {upstream_registry_url}"),
            Self::UpdatePullThroughCacheRule { prefix, .. } => {
                format!("UpdatePullThroughCacheRule {prefix}")
            }
            Self::DeletePullThroughCacheRule { prefix } => {
                format!("DeletePullThroughCacheRule {prefix}")
            }
        }
    }
}
