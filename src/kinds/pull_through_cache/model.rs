//! What the manifest may say of a pull through cache rule: its raw types, with AWS's camelCase
//! names, deriving serde (decoding) and schemars (the published schema). PURE, and a
//! leaf: `manifest::model` gathers these into the manifest.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A pull through cache rule (CreatePullThroughCacheRule); its key is the ecrRepositoryPrefix.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PullThroughCacheRule {
    /// The upstream registry: registry-1.docker.io, ghcr.io, public.ecr.aws, quay.io, ... Changing it replaces the rule.
    pub upstream_registry_url: String,
    /// A Secrets Manager secret ARN (its name begins ecr-pullthroughcache/); required for Docker Hub, GitHub, GitLab and Azure upstreams.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_arn: Option<String>,
    /// An IAM role ARN ECR assumes to reach an ECR upstream in another account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_role_arn: Option<String>,
    /// The upstream repository prefix (ECR upstreams; default ROOT). Changing it replaces the rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upstream_repository_prefix: Option<String>,
}
