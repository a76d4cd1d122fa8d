//! What the plan and the registry know of a role without its planning code: its
//! registry entry, and the operations a plan carries for it (plain data, serialized into
//! plans) with their one-line descriptions.

use crate::kinds::entry::Entry;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The registry's entry for this kind.
pub const ENTRY: Entry = Entry {
    singular: "role",
    plural: "roles",
    prefix: "iam.role.",
    manifest_path: &["iam", "roles"],
    count: |m| m.iam.roles.len(),
};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum RoleOperation {
    CreateRole {
        name: String,
        path: String,
        trust_policy: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        description: Option<String>,
        max_session_duration: i64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        permissions_boundary: Option<String>,
        tags: BTreeMap<String, String>,
    },
    DeleteRole {
        name: String,
    },
    UpdateAssumeRolePolicy {
        name: String,
        document: String,
    },
    UpdateRole {
        name: String,
        description: String,
        max_session_duration: i64,
    },
    PutRolePermissionsBoundary {
        name: String,
        policy_arn: String,
    },
    DeleteRolePermissionsBoundary {
        name: String,
    },
    AttachRolePolicy {
        name: String,
        policy_arn: String,
    },
    DetachRolePolicy {
        name: String,
        policy_arn: String,
    },
    PutRolePolicy {
        name: String,
        policy_name: String,
        document: String,
    },
    DeleteRolePolicy {
        name: String,
        policy_name: String,
    },
    TagRole {
        name: String,
        tags: BTreeMap<String, String>,
    },
    UntagRole {
        name: String,
        keys: Vec<String>,
    },
    /// CreateInstanceProfile (an existing one of the name is taken as it is).
    CreateInstanceProfile {
        name: String,
        path: String,
    },
    AddRoleToInstanceProfile {
        profile: String,
        role: String,
    },
    RemoveRoleFromInstanceProfile {
        profile: String,
        role: String,
    },
    DeleteInstanceProfile {
        name: String,
    },
}

impl RoleOperation {
    /// Never IAM's eventual consistency: these calls name no role that may be new.
    pub fn propagation_wait(&self, _message: &str) -> Option<&'static str> {
        None
    }

    pub fn describe(&self) -> String {
        match self {
            Self::CreateRole { name, .. } => format!("CreateRole {name}"),
            Self::DeleteRole { name } => format!("DeleteRole {name}"),
            Self::UpdateAssumeRolePolicy { name, .. } => format!("UpdateAssumeRolePolicy {name}"),
            Self::UpdateRole { name, .. } => format!("UpdateRole {name}"),
            Self::PutRolePermissionsBoundary { name, .. } => {
                format!("PutRolePermissionsBoundary {name}")
            }
            Self::DeleteRolePermissionsBoundary { name } => {
                format!("DeleteRolePermissionsBoundary {name}")
            }
            Self::AttachRolePolicy { name, policy_arn } => {
                format!("AttachRolePolicy {name} {policy_arn}")
            }
            Self::DetachRolePolicy { name, policy_arn } => {
                format!("DetachRolePolicy {name} {policy_arn}")
            }
            Self::PutRolePolicy {
                name, policy_name, ..
            } => format!("PutRolePolicy {name} {policy_name}"),
            Self::DeleteRolePolicy { name, policy_name } => {
                format!("DeleteRolePolicy {name} {policy_name}")
            }
            Self::TagRole { name, tags } => format!(
                "TagRole {name} {}",
                tags.keys().cloned().collect::<Vec<_>>().join(",")
            ),
            Self::UntagRole { name, keys } => format!("UntagRole {name} {}", keys.join(",")),
            Self::CreateInstanceProfile { name, .. } => format!("CreateInstanceProfile {name}"),
            Self::AddRoleToInstanceProfile { profile, role } => {
                format!("AddRoleToInstanceProfile {profile} <- {role}")
            }
            Self::RemoveRoleFromInstanceProfile { profile, role } => {
                format!("RemoveRoleFromInstanceProfile {profile} -> {role}")
            }
            Self::DeleteInstanceProfile { name } => format!("DeleteInstanceProfile {name}"),
        }
    }
}
