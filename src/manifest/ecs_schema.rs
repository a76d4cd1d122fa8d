//! JSON Schemas of the `ecs` section: the shapes of ECS's CreateCluster,
//! RegisterTaskDefinition and CreateService inputs, plus wharf's conveniences. (Filled in
//! from AWS's service model; placeholders accept any object for now.)

use schemars::{Schema, SchemaGenerator, json_schema};

pub fn clusters(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "object", "additionalProperties": { "type": "object" } })
}

pub fn task_definitions(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "object", "additionalProperties": { "type": "object" } })
}

pub fn services(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "object", "additionalProperties": { "type": "object" } })
}
