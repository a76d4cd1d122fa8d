//! What the live snapshot holds of a service, as read from AWS: plain data, PURE. Its
//! `io.rs` fills it in; its planning code compares against it.

use std::collections::BTreeMap;

/// An ECS service as DescribeServices returns it (AWS JSON shape).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LiveService {
    pub name: String,
    pub cluster: String,
    /// ACTIVE, or DRAINING after a deletion (the name cannot be reused until INACTIVE).
    pub status: String,
    pub arn: String,
    pub document: serde_json::Value,
    pub tags: BTreeMap<String, String>,
}
