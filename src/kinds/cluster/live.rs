//! What the live snapshot holds of a cluster, as read from AWS: plain data, PURE. Its
//! `io.rs` fills it in; its planning code compares against it.

use std::collections::BTreeMap;

/// An ECS cluster as DescribeClusters returns it (AWS JSON shape, settings,
/// configurations and tags included).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LiveCluster {
    pub name: String,
    pub arn: String,
    pub document: serde_json::Value,
    pub tags: BTreeMap<String, String>,
    /// Names of the services that run in it (for refusing to delete it).
    pub services: Vec<String>,
}
