//! What the plan and the registry know of a service without its planning code: its
//! registry entry, and the operations a plan carries for it (plain data, serialized into
//! plans) with their one-line descriptions.

use crate::kinds::entry::Entry;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// The registry's entry for this kind.
pub const ENTRY: Entry = Entry {
    singular: "service",
    plural: "services",
    prefix: "ecs.service.",
    manifest_path: &["ecs", "services"],
    count: |m| m.ecs.services.len(),
};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum ServiceOperation {
    /// CreateService with the whole input (AWS JSON shape).
    CreateService {
        name: String,
        input: Value,
    },
    /// UpdateService with the changed members (AWS JSON shape).
    UpdateService {
        name: String,
        input: Value,
    },
    /// Waits until the newest deployment is COMPLETED (or fails on FAILED).
    WaitForDeployment {
        cluster: String,
        name: String,
        timeout_seconds: u64,
    },
    /// DeleteService with force, then waits until it is gone.
    DeleteService {
        cluster: String,
        name: String,
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

impl ServiceOperation {
    /// A service role ECS cannot see yet (`message` is lowercase).
    pub fn propagation_wait(&self, message: &str) -> Option<&'static str> {
        crate::kinds::task_definition::operation::ecs_propagation_wait(message)
    }

    pub fn describe(&self) -> String {
        match self {
            Self::CreateService { name, .. } => format!("CreateService {name}"),
            Self::UpdateService { name, .. } => format!("UpdateService {name}"),
            Self::WaitForDeployment { name, .. } => format!("WaitForDeployment {name}"),
            Self::DeleteService { name, .. } => format!("DeleteService {name}"),
            Self::TagResource { arn, .. } => format!("TagResource {arn}"),
            Self::UntagResource { arn, .. } => format!("UntagResource {arn}"),
        }
    }
}
