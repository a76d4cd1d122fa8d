//! A task definition's latest revision as a manifest entry, PURE: the RegisterTaskDefinition
//! input less what AWS reports on its own (normalized as a converged plan compares it),
//! with exported roles and image repositories named.

use crate::export::ecs::{insert_tags, ordered};
use crate::export::scope::Scope;
use crate::kinds::task_definition::normalize::normalize;
use crate::live::LiveTaskDefinition;
use crate::manifest::model::ApiObject;
use serde_json::{Map, Value, json};

/// Task-definition members in the order people write them; the rest follow by name.
const TASK_ORDER: &[&str] = &[
    "cpu",
    "memory",
    "networkMode",
    "requiresCompatibilities",
    "runtimePlatform",
    "executionRole",
    "executionRoleArn",
    "taskRole",
    "taskRoleArn",
    "containerDefinitions",
];

/// Container members in the order people write them; the rest follow by name.
const CONTAINER_ORDER: &[&str] = &[
    "name",
    "image",
    "essential",
    "cpu",
    "memory",
    "memoryReservation",
    "command",
    "entryPoint",
    "portMappings",
    "environment",
    "secrets",
];

pub fn task_definition(live: &LiveTaskDefinition, scope: &Scope) -> ApiObject {
    let mut td = match normalize(&live.document) {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    // The manifest's key is the family.
    td.remove("family");
    // normalize fills networkMode in from the launch type; write it only when AWS has it.
    if live.document.get("networkMode").is_none_or(Value::is_null) {
        td.remove("networkMode");
    }
    for (long, short) in [
        ("executionRoleArn", "executionRole"),
        ("taskRoleArn", "taskRole"),
    ] {
        if let Some(name) = td
            .get(long)
            .and_then(Value::as_str)
            .and_then(|arn| scope.exported_role(arn))
        {
            td.remove(long);
            td.insert(short.into(), json!(name));
        }
    }
    if let Some(Value::Array(containers)) = td.get_mut("containerDefinitions") {
        for container in containers.iter_mut() {
            if let Some(reference) = container["image"]
                .as_str()
                .and_then(|image| scope.image_reference(image))
            {
                container["image"] = reference;
            }
            if let Value::Object(map) = container {
                *map = ordered(std::mem::take(map), CONTAINER_ORDER);
            }
        }
    }
    let mut td = ordered(td, TASK_ORDER);
    insert_tags(&mut td, &live.tags);
    td
}
