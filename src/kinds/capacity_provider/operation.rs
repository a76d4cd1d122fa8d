//! What the plan and the registry know of a capacity provider without its planning code:
//! its registry entry, and the operations a plan carries for it (plain data, serialized
//! into plans) with their one-line descriptions.

use crate::kinds::entry::Entry;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// The registry's entry for this kind.
pub const ENTRY: Entry = Entry {
    singular: "capacity provider",
    plural: "capacity providers",
    prefix: "ecs.capacity_provider.",
    manifest_path: &["ecs", "capacityProviders"],
    count: |m| m.ecs.capacity_providers.len(),
};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum CapacityProviderOperation {
    /// CreateCapacityProvider with the whole input (AWS JSON shape).
    CreateCapacityProvider {
        name: String,
        input: Value,
    },
    /// UpdateCapacityProvider with what it can change (AWS JSON shape).
    UpdateCapacityProvider {
        name: String,
        input: Value,
    },
    DeleteCapacityProvider {
        name: String,
        /// The cluster a Managed Instances provider lives in.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cluster: Option<String>,
    },
    TagResource {
        arn: String,
        tags: BTreeMap<String, String>,
    },
    UntagResource {
        arn: String,
        keys: Vec<String>,
    },
}

impl CapacityProviderOperation {
    /// A Managed Instances provider's infrastructure role that ECS cannot assume yet
    /// (`message` is lowercase).
    pub fn propagation_wait(&self, message: &str) -> Option<&'static str> {
        match self {
            Self::CreateCapacityProvider { .. } | Self::UpdateCapacityProvider { .. } => {
                crate::kinds::task_definition::operation::ecs_propagation_wait(message)
            }
            _ => None,
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Self::CreateCapacityProvider { name, .. } => format!("CreateCapacityProvider {name}"),
            Self::UpdateCapacityProvider { name, .. } => format!("UpdateCapacityProvider {name}"),
            Self::DeleteCapacityProvider { name, .. } => format!("DeleteCapacityProvider {name}"),
            Self::TagResource { arn, .. } => format!("TagResource {arn}"),
            Self::UntagResource { arn, .. } => format!("UntagResource {arn}"),
        }
    }
}
