//! What the plan and the registry know of a cluster without its planning code: its
//! registry entry, and the operations a plan carries for it (plain data, serialized into
//! plans) with their one-line descriptions.

use crate::kinds::entry::Entry;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// The registry's entry for this kind.
pub const ENTRY: Entry = Entry {
    singular: "cluster",
    plural: "clusters",
    prefix: "ecs.cluster.",
    manifest_path: &["ecs", "clusters"],
    count: |m| m.ecs.clusters.len(),
};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum ClusterOperation {
    /// CreateCluster with the whole desired input (AWS JSON shape).
    CreateCluster {
        name: String,
        input: Value,
    },
    /// UpdateCluster with settings, configuration and serviceConnectDefaults.
    UpdateCluster {
        name: String,
        input: Value,
    },
    PutClusterCapacityProviders {
        name: String,
        capacity_providers: Vec<String>,
        default_capacity_provider_strategy: Value,
    },
    TagResource {
        arn: String,
        tags: BTreeMap<String, String>,
    },
    UntagResource {
        arn: String,
        keys: Vec<String>,
    },
    DeleteCluster {
        name: String,
    },
}

impl ClusterOperation {
    /// Never IAM's eventual consistency: these calls name no role that may be new.
    pub fn propagation_wait(&self, _message: &str) -> Option<&'static str> {
        None
    }

    pub fn describe(&self) -> String {
        match self {
            Self::CreateCluster { name, .. } => format!("CreateCluster {name}"),
            Self::UpdateCluster { name, .. } => format!("UpdateCluster {name}"),
            Self::PutClusterCapacityProviders { name, .. } => {
                format!("PutClusterCapacityProviders {name}")
            }
            Self::TagResource { arn, .. } => format!("TagResource {arn}"),
            Self::UntagResource { arn, .. } => format!("UntagResource {arn}"),
            Self::DeleteCluster { name } => format!("DeleteCluster {name}"),
        }
    }
}
