//! What the live snapshot holds of a creation template, as read from AWS: plain data, PURE. Its
//! `io.rs` fills it in; its planning code compares against it.

use std::collections::BTreeMap;

/// A repository creation template as DescribeRepositoryCreationTemplates returns it
/// (documents as text, enums as AWS's strings; None where AWS returned nothing).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LiveCreationTemplate {
    pub prefix: String,
    pub applied_for: Vec<String>,
    pub image_tag_mutability: Option<String>,
    pub exclusion_filters: Vec<String>,
    pub encryption_type: Option<String>,
    pub kms_key: Option<String>,
    pub lifecycle_policy: Option<String>,
    pub repository_policy: Option<String>,
    pub resource_tags: BTreeMap<String, String>,
    pub custom_role_arn: Option<String>,
    pub description: Option<String>,
}
