//! What the live snapshot holds of a repository, as read from AWS: plain data, PURE. Its
//! `io.rs` fills it in; its planning code compares against it.

use std::collections::BTreeMap;

#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
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
