//! What wharf read from AWS: the live snapshot that planning compares against. PURE data;
//! `aws/` fills it in, `resources/` reads it. Raw AWS documents stay text here and are
//! parsed and normalized by the resource modules.

use std::collections::BTreeMap;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct LiveSnapshot {
    pub account_id: String,
    pub region: String,
    pub repositories: BTreeMap<String, LiveRepository>,
    /// IAM roles: declared ones, plus (when pruning or detecting drift) owned ones.
    pub roles: BTreeMap<String, LiveRole>,
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

#[derive(Clone, Debug, Default, PartialEq)]
pub struct LiveRole {
    pub name: String,
    pub path: String,
    pub arn: String,
    /// The trust policy, URL-decoded JSON text.
    pub trust_policy: Option<String>,
    pub description: Option<String>,
    pub max_session_duration: i64,
    pub permissions_boundary: Option<String>,
    pub managed_policies: Vec<String>,
    /// Inline policies by name, URL-decoded JSON text.
    pub inline_policies: BTreeMap<String, String>,
    pub tags: BTreeMap<String, String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KmsKey {
    pub key_arn: String,
    /// Managed by AWS (aws/ecr) rather than the customer.
    pub aws_managed: bool,
}
