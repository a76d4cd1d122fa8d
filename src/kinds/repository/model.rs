//! What the manifest may say of a repository (also what `defaults.repository` and creation templates hold): its raw types, with AWS's camelCase
//! names, deriving serde (decoding) and schemars (the published schema). PURE, and a
//! leaf: `manifest::model` gathers these into the manifest.

use crate::manifest::raw_document::RawDocument;
use crate::manifest::suppression::ResourceLint;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// An ECR private repository.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Repository {
    /// Whether image tags can be overwritten. Default MUTABLE.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_tag_mutability: Option<ImageTagMutability>,
    /// Tag filters exempt from the mutability setting (only with the *_WITH_EXCLUSION values; at most 5; `*` wildcards).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_tag_mutability_exclusion_filters: Option<Vec<String>>,
    /// Encryption at rest. Cannot change after creation: a change replaces the repository.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encryption: Option<Encryption>,
    /// Scan each image when it is pushed (basic scanning).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scan_on_push: Option<bool>,
    /// Allow deleting (or replacing) the repository while it still holds images.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub force_delete: Option<bool>,
    /// Lifecycle rules in short form, highest priority first; compiled into the lifecycle policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifecycle: Option<Vec<LifecycleRule>>,
    /// A raw AWS lifecycle policy document (object or JSON text), instead of `lifecycle`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<RawDocument>")]
    pub lifecycle_policy: Option<Value>,
    /// Who may pull; compiled into repository-policy statements granting exactly the pull actions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pull: Option<Pull>,
    /// A raw repository policy document (object or JSON text); its statements are merged with `pull`'s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<RawDocument>")]
    pub policy: Option<Value>,
    /// Resource tags (merged over `defaults.tags`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
    /// `wharf lint` findings accepted for this repository (under `defaults.repository`: for every repository), each with the reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lint: Option<ResourceLint>,
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ImageTagMutability {
    Mutable,
    Immutable,
    MutableWithExclusion,
    ImmutableWithExclusion,
}

impl ImageTagMutability {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Mutable => "MUTABLE",
            Self::Immutable => "IMMUTABLE",
            Self::MutableWithExclusion => "MUTABLE_WITH_EXCLUSION",
            Self::ImmutableWithExclusion => "IMMUTABLE_WITH_EXCLUSION",
        }
    }

    pub fn takes_exclusions(self) -> bool {
        matches!(
            self,
            Self::MutableWithExclusion | Self::ImmutableWithExclusion
        )
    }
}

#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Encryption {
    /// AES256 (S3-managed keys), KMS, or KMS_DSSE (dual-layer).
    #[serde(rename = "type")]
    pub encryption_type: EncryptionType,
    /// KMS key: key id, key ARN, alias name (alias/...) or alias ARN. Omitted: the AWS-managed key aws/ecr.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key: Option<String>,
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
pub enum EncryptionType {
    #[serde(rename = "AES256")]
    Aes256,
    #[serde(rename = "KMS")]
    Kms,
    #[serde(rename = "KMS_DSSE")]
    KmsDsse,
}

impl EncryptionType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Aes256 => "AES256",
            Self::Kms => "KMS",
            Self::KmsDsse => "KMS_DSSE",
        }
    }
}

/// One lifecycle rule in short form. Selection: `untagged: true`, or `tagPrefixes` /
/// `tagPatterns` (tagged), or neither (any image; must be the last rule); `archived: true`
/// selects images in archive storage instead. What it does, exactly one of: `keepLast`
/// (expire all but the N newest: imageCountMoreThan), `expireAfterDays` (expire images
/// pushed, or with `since: pulled` last pulled, more than N days ago; with `archived: true`
/// archived more than N days ago: sinceImageTransitioned), `archiveKeepLast` (move all
/// but the N newest to archive storage), `archiveAfterDays` (move images pushed, or last
/// pulled, more than N days ago to archive storage).
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LifecycleRule {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Explicit rule priority; by default rules are numbered 1, 2, 3... in order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<i64>,
    /// Explicit tag status (any, tagged, untagged); usually inferred from the other fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag_status: Option<TagStatus>,
    /// Select untagged images.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub untagged: Option<bool>,
    /// Select tagged images that carry, for every prefix listed, a tag starting with it (AWS matches all of them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag_prefixes: Option<Vec<String>>,
    /// Select tagged images that carry, for every pattern listed, a tag matching it (at most 4 `*` each).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag_patterns: Option<Vec<String>>,
    /// Keep this many newest images; expire the rest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keep_last: Option<i64>,
    /// Expire images pushed (or last pulled, with `since: pulled`; or archived, with
    /// `archived: true`) more than this many days ago.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expire_after_days: Option<i64>,
    /// Move images pushed (or last pulled, with `since: pulled`) more than this many days
    /// ago to archive storage (a transition; archived images cannot be pulled until restored).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archive_after_days: Option<i64>,
    /// Keep this many newest images in standard storage; move the rest to archive storage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archive_keep_last: Option<i64>,
    /// Select images in archive storage: with `expireAfterDays` (at least 90, ECR's minimum
    /// archive storage), expire images archived more than that many days ago.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archived: Option<bool>,
    /// What `expireAfterDays` and `archiveAfterDays` count from: `pushed` (the default) or
    /// `pulled` (the image's last recorded pull: sinceImagePulled).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<Since>,
}

/// What an age in days counts from.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Since {
    Pushed,
    Pulled,
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum TagStatus {
    Any,
    Tagged,
    Untagged,
}

impl TagStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Any => "any",
            Self::Tagged => "tagged",
            Self::Untagged => "untagged",
        }
    }
}

/// Pull access in short form.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Pull {
    /// AWS account ids (12 digits) whose principals may pull.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accounts: Vec<String>,
    /// Roles that may pull: a role of this manifest (by name) or a role ARN.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<String>,
}

/// What ECR gives a repository or creation template that does not say (ECR API Reference,
/// CreateRepository / CreateRepositoryCreationTemplate: `imageTagMutability` MUTABLE, no
/// `encryptionConfiguration` is AES256, `scanOnPush` false). Written here once: the read,
/// the plan, export and lint all take AWS's defaults from these.
pub mod ecr_defaults {
    use crate::kinds::repository::model::{EncryptionType, ImageTagMutability};

    pub const IMAGE_TAG_MUTABILITY: ImageTagMutability = ImageTagMutability::Mutable;
    pub const ENCRYPTION: EncryptionType = EncryptionType::Aes256;
    pub const SCAN_ON_PUSH: bool = false;
}
