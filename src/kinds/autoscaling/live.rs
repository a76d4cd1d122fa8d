//! What the live snapshot holds of a service's autoscaling, as read from Application Auto
//! Scaling: plain data, PURE. Its `io.rs` fills it in; its planning code compares against it.

use serde_json::Value;
use std::collections::BTreeMap;

/// A scalable target of an ECS service's desired count, with its scaling policies and
/// scheduled actions (AWS JSON shapes, as DescribeScalingPolicies and
/// DescribeScheduledActions return them, by name).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LiveScalableTarget {
    /// `service/CLUSTER/NAME`.
    pub resource_id: String,
    pub min_capacity: i32,
    pub max_capacity: i32,
    pub policies: BTreeMap<String, Value>,
    pub scheduled_actions: BTreeMap<String, Value>,
}
