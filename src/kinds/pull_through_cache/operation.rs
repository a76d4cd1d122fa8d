//! What apply calls for a pull through cache: the operations a plan carries, as plain data
//! (serialized into plans), with their one-line descriptions.

use serde::{Deserialize, Serialize};

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
