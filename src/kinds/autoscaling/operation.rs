//! What the plan and the registry know of a service's autoscaling without its planning
//! code: its registry entry, and the operations a plan carries for it (plain data,
//! serialized into plans) with their one-line descriptions.

use crate::kinds::entry::Entry;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The registry's entry for this kind: one per service that declares `autoScaling`,
/// named by the service.
pub const ENTRY: Entry = Entry {
    singular: "autoscaled service",
    plural: "autoscaled services",
    prefix: "ecs.autoscaling.",
    manifest_path: &["ecs", "services"],
    count: |m| {
        m.ecs
            .services
            .values()
            .filter(|s| s.contains_key("autoScaling"))
            .count()
    },
};

/// Application Auto Scaling calls for an ECS service's desired count (namespace `ecs`,
/// dimension `ecs:service:DesiredCount`); `resourceId` is `service/CLUSTER/NAME`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum AutoScalingOperation {
    RegisterScalableTarget {
        resource_id: String,
        min_capacity: i32,
        max_capacity: i32,
    },
    /// PutScalingPolicy with the policy's type and configuration (AWS JSON shape).
    PutScalingPolicy {
        resource_id: String,
        name: String,
        policy: Value,
    },
    DeleteScalingPolicy {
        resource_id: String,
        name: String,
    },
    /// PutScheduledAction with its schedule, time zone and capacities (AWS JSON shape).
    PutScheduledAction {
        resource_id: String,
        name: String,
        action: Value,
    },
    DeleteScheduledAction {
        resource_id: String,
        name: String,
    },
    /// Deregisters the target, which deletes its policies and scheduled actions.
    DeregisterScalableTarget {
        resource_id: String,
    },
}

impl AutoScalingOperation {
    /// Application Auto Scaling creates its own service-linked role: no role of this plan
    /// is waited for.
    pub fn propagation_wait(&self, _message: &str) -> Option<&'static str> {
        None
    }

    pub fn describe(&self) -> String {
        match self {
            Self::RegisterScalableTarget {
                resource_id,
                min_capacity,
                max_capacity,
            } => format!("RegisterScalableTarget {resource_id} ({min_capacity}..{max_capacity})"),
            Self::PutScalingPolicy {
                resource_id, name, ..
            } => format!("PutScalingPolicy {resource_id} {name}"),
            Self::DeleteScalingPolicy { resource_id, name } => {
                format!("DeleteScalingPolicy {resource_id} {name}")
            }
            Self::PutScheduledAction {
                resource_id, name, ..
            } => format!("PutScheduledAction {resource_id} {name}"),
            Self::DeleteScheduledAction { resource_id, name } => {
                format!("DeleteScheduledAction {resource_id} {name}")
            }
            Self::DeregisterScalableTarget { resource_id } => {
                format!("DeregisterScalableTarget {resource_id}")
            }
        }
    }
}
