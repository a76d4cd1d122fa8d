//! What the manifest may say of a repository creation template: its raw types, with AWS's camelCase
//! names, deriving serde (decoding) and schemars (the published schema). PURE, and a
//! leaf: `manifest::model` gathers these into the manifest.

use crate::kinds::repository::model::{Encryption, ImageTagMutability, LifecycleRule, Pull};
use crate::manifest::raw_document::RawDocument;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// A repository creation template (CreateRepositoryCreationTemplate); its key is the
/// prefix. It shapes only repositories ECR creates later, never existing ones.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreationTemplate {
    /// Which repository creations the template applies to (at least one): REPLICATION, PULL_THROUGH_CACHE, CREATE_ON_PUSH.
    pub applied_for: Vec<AppliedFor>,
    /// Tag mutability of the repositories it creates. Default MUTABLE.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_tag_mutability: Option<ImageTagMutability>,
    /// Tag filters exempt from the mutability setting (only with the *_WITH_EXCLUSION values; at most 5; `*` wildcards).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_tag_mutability_exclusion_filters: Option<Vec<String>>,
    /// Encryption of the repositories it creates. Default AES256. KMS needs customRoleArn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encryption: Option<Encryption>,
    /// Lifecycle rules in short form (as for repositories), highest priority first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifecycle: Option<Vec<LifecycleRule>>,
    /// A raw AWS lifecycle policy document (object or JSON text), instead of `lifecycle`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<RawDocument>")]
    pub lifecycle_policy: Option<Value>,
    /// Who may pull from the repositories it creates; compiled into repository-policy statements.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pull: Option<Pull>,
    /// A raw repository policy document (object or JSON text); its statements are merged with `pull`'s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<RawDocument>")]
    pub policy: Option<Value>,
    /// Tags ECR puts on the repositories it creates (not on the template). Needs customRoleArn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_tags: Option<BTreeMap<String, String>>,
    /// An IAM role of this account that ECR assumes to create the repositories; required with KMS encryption or resourceTags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_role_arn: Option<String>,
    /// At most 256 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A repository creation scenario a creation template applies to.
#[derive(
    Clone, Copy, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq, PartialOrd, Ord,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AppliedFor {
    Replication,
    PullThroughCache,
    CreateOnPush,
}

impl AppliedFor {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Replication => "REPLICATION",
            Self::PullThroughCache => "PULL_THROUGH_CACHE",
            Self::CreateOnPush => "CREATE_ON_PUSH",
        }
    }
}
