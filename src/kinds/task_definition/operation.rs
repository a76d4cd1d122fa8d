//! What the plan and the registry know of a task definition without its planning code: its
//! registry entry, and the operations a plan carries for it (plain data, serialized into
//! plans) with their one-line descriptions.

use crate::kinds::entry::Entry;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// The registry's entry for this kind.
pub const ENTRY: Entry = Entry {
    singular: "task definition",
    plural: "task definitions",
    prefix: "ecs.task_definition.",
    manifest_path: &["ecs", "taskDefinitions"],
    count: |m| m.ecs.task_definitions.len(),
};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum TaskDefinitionOperation {
    /// RegisterTaskDefinition with the whole input (AWS JSON shape, tags included).
    RegisterTaskDefinition {
        family: String,
        input: Value,
    },
    DeregisterTaskDefinition {
        arn: String,
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

impl TaskDefinitionOperation {
    /// A task or execution role ECS cannot see yet (`message` is lowercase).
    pub fn propagation_wait(&self, message: &str) -> Option<&'static str> {
        ecs_propagation_wait(message)
    }

    pub fn describe(&self) -> String {
        match self {
            Self::RegisterTaskDefinition { family, .. } => {
                format!("RegisterTaskDefinition {family}")
            }
            Self::DeregisterTaskDefinition { arn } => {
                format!("DeregisterTaskDefinition {}", short_arn(arn))
            }
            Self::TagResource { arn, .. } => format!("TagResource {}", short_arn(arn)),
            Self::UntagResource { arn, .. } => format!("UntagResource {}", short_arn(arn)),
        }
    }
}

/// `family:revision` of a task-definition ARN (or the text itself).
pub fn short_arn(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

/// ECS cannot assume a task, execution or service role it cannot see yet: "unable to
/// assume role" while IAM propagates a new one (`message` is lowercase).
pub fn ecs_propagation_wait(message: &str) -> Option<&'static str> {
    (message.contains("unable to assume role") || message.contains("unable to assume the role"))
        .then_some("waiting for IAM to propagate a new role to ECS")
}
