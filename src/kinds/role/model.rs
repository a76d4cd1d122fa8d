//! What the manifest may say of an IAM role: its raw types, with AWS's camelCase
//! names, deriving serde (decoding) and schemars (the published schema). PURE, and a
//! leaf: `manifest::model` gathers these into the manifest.

use crate::manifest::raw_document::RawDocument;
use crate::manifest::suppression::ResourceLint;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// An IAM role.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Role {
    /// Who may assume the role: service principals (ecs-tasks.amazonaws.com), account ids, or role ARNs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assumed_by: Option<Vec<String>>,
    /// A raw trust policy document (object or JSON text), instead of `assumedBy`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<RawDocument>")]
    pub assume_role_policy: Option<Value>,
    /// ARNs of managed policies to attach; others are detached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub managed_policies: Option<Vec<String>>,
    /// Inline policies by name (object or JSON text); others are deleted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<BTreeMap<String, RawDocument>>")]
    pub inline_policies: Option<BTreeMap<String, Value>>,
    /// Repositories (manifest names or ECR repository ARNs) this role may pull from; becomes the inline policy `wharf-pull`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pull_from: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Role path, `/` by default. Cannot change in place: a change replaces the role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Maximum session length in seconds, 3600 (default) to 43200.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_session_duration: Option<i64>,
    /// ARN of the managed policy that bounds the role's permissions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permissions_boundary: Option<String>,
    /// Also an instance profile of the same name and path holding this role (for EC2
    /// instances and ECS Managed Instances, whose `ec2InstanceProfileArn` may then name the
    /// role); `false` removes it; left out, wharf leaves instance profiles alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_profile: Option<bool>,
    /// Role tags (merged over `defaults.tags`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
    /// `wharf lint` findings accepted for this role, each with the reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lint: Option<ResourceLint>,
}
