//! What wharf read from AWS: the live snapshot that planning compares against. PURE data;
//! `aws/` fills it in, `resources/` reads it. Raw AWS documents stay text here and are
//! parsed and normalized by the resource modules.

use std::collections::BTreeMap;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct LiveSnapshot {
    pub account_id: String,
    pub region: String,
    pub repositories: BTreeMap<String, LiveRepository>,
    /// KMS keys named by the manifest or by live repositories, resolved by DescribeKey.
    /// Keyed by the reference as written (alias name, alias ARN, key id or key ARN).
    pub kms_keys: BTreeMap<String, KmsKey>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct LiveRepository {
    pub name: String,
    pub arn: String,
    pub uri: String,
    pub image_tag_mutability: String,
    pub exclusion_filters: Vec<String>,
    pub encryption_type: String,
    pub kms_key: Option<String>,
    pub scan_on_push: bool,
    pub tags: BTreeMap<String, String>,
    /// The lifecycle policy text, None when the repository has none.
    pub lifecycle_policy: Option<String>,
    /// The repository policy text, None when the repository has none.
    pub policy: Option<String>,
    /// Images in the repository; read only for repositories a plan would destroy.
    pub image_count: Option<u64>,
    /// Whether lifecycle policy, policy and tags were read (only for declared or owned ones).
    pub details_read: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KmsKey {
    pub key_arn: String,
    /// Managed by AWS (aws/ecr) rather than the customer.
    pub aws_managed: bool,
}
