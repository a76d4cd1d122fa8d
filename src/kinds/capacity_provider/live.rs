//! What the live snapshot holds of a capacity provider, as read from AWS: plain data,
//! PURE. Its `io.rs` fills it in; its planning code compares against it.

use std::collections::BTreeMap;

/// A capacity provider as DescribeCapacityProviders returns it (AWS JSON shape).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LiveCapacityProvider {
    pub name: String,
    pub arn: String,
    /// ACTIVE, or DELETE_IN_PROGRESS while ECS deletes it.
    pub status: String,
    pub document: serde_json::Value,
    pub tags: BTreeMap<String, String>,
}

impl LiveCapacityProvider {
    /// An ECS Managed Instances provider (else an Auto Scaling group provider).
    pub fn is_managed_instances(&self) -> bool {
        self.document["managedInstancesProvider"].is_object()
    }

    /// The cluster a Managed Instances provider lives in, by name (DescribeCapacityProviders
    /// reports it as an ARN); None for an Auto Scaling group provider.
    pub fn managed_in(&self) -> Option<&str> {
        if !self.is_managed_instances() {
            return None;
        }
        let cluster = self.document["cluster"].as_str()?;
        Some(cluster.rsplit('/').next().unwrap_or(cluster))
    }
}
