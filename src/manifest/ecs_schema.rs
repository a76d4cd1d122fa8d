//! JSON Schemas of the `ecs` section: the shapes of ECS's CreateCluster,
//! RegisterTaskDefinition and CreateService inputs, plus wharf's conveniences.
//!
//! The AWS shapes come from `ecs_schema.json`, generated from botocore's ECS service model
//! by `scripts/gen-ecs-schema` (run by developers; the JSON is committed). This module
//! adapts them to the manifest — the resource name is the map key, `tags` is a map, role
//! names, image references and "0.25 vCPU" are accepted — and adds every definition they
//! need to the generator, so the root schema holds them under `definitions` and the
//! structural check resolves `#/definitions/Ecs...` against it.

use schemars::{Schema, SchemaGenerator, json_schema};
use serde_json::{Map, Value, json};
use std::collections::{BTreeSet, HashMap};
use std::sync::LazyLock;

/// Where the definitions live in a draft-07 root schema (schemars' draft07 settings).
const DEFINITIONS: &str = "#/definitions/";

pub const CLUSTER: &str = "EcsCluster";
pub const CAPACITY_PROVIDER: &str = "EcsCapacityProvider";
pub const TASK_DEFINITION: &str = "EcsTaskDefinition";
pub const SERVICE: &str = "EcsService";
pub const IMAGE_REFERENCE: &str = "EcsImageReference";

/// The AWS shapes as generated: `Ecs<ShapeName>` → schema.
fn aws_definitions() -> Map<String, Value> {
    let document: Value = serde_json::from_str(include_str!("ecs_schema.json"))
        .expect("ecs_schema.json is valid JSON");
    match document.get("definitions") {
        Some(Value::Object(definitions)) => definitions.clone(),
        _ => panic!("ecs_schema.json has no definitions"),
    }
}

/// The members of an input shape of the ECS service model (`RegisterTaskDefinitionRequest`,
/// `CreateServiceRequest`, `CreateClusterRequest`), in the model's order.
pub fn request_members(shape: &str) -> Vec<String> {
    match aws_definitions().get(&format!("Ecs{shape}")) {
        Some(Value::Object(schema)) => schema
            .get("properties")
            .and_then(Value::as_object)
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// Every definition wharf's ECS schemas use: the AWS shapes, adapted.
static DEFINITIONS_ADAPTED: LazyLock<Map<String, Value>> = LazyLock::new(adapted_definitions);

fn tags_schema() -> Value {
    json!({
        "description": "Resource tags as a map (merged over `defaults.tags`; wharf adds wharf:stack).",
        "type": "object",
        "additionalProperties": { "type": "string" }
    })
}

/// wharf's `lint` convenience (suppressions), stripped before calling AWS. It refers to the
/// schemars definition of `model::ResourceLint`, which `map_of` adds to the generator.
/// A service's `autoScaling` block (`kinds::autoscaling::model`): an Application Auto
/// Scaling target on the desired count, its target tracking policies and scheduled
/// actions.
fn auto_scaling_schema() -> Value {
    json!({
        "description": "Application Auto Scaling of the service's running count: wharf then never sets the count itself (no desiredCount beside it; the service starts at minCapacity).",
        "type": "object",
        "additionalProperties": false,
        "required": ["minCapacity", "maxCapacity"],
        "properties": {
            "minCapacity": { "description": "The fewest tasks autoscaling may run.", "type": "integer", "minimum": 0 },
            "maxCapacity": { "description": "The most tasks autoscaling may run.", "type": "integer", "minimum": 0 },
            "targetTracking": {
                "description": "Target tracking policies: keep a metric at a target.",
                "type": "array",
                "items": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["metric", "target"],
                    "properties": {
                        "metric": { "description": "cpu, memory (average utilization, percent) or alb-requests (requests per target).", "type": "string" },
                        "target": { "description": "The value to keep the metric at.", "type": "number" },
                        "name": { "description": "The policy's name (else SERVICE-METRIC).", "type": "string" },
                        "loadBalancer": { "description": "For alb-requests: the Application Load Balancer's ARN.", "type": "string" },
                        "targetGroup": { "description": "For alb-requests: the target group's ARN.", "type": "string" },
                        "resourceLabel": { "description": "For alb-requests, instead of loadBalancer and targetGroup: app/LB/ID/targetgroup/TG/ID.", "type": "string" },
                        "scaleInCooldown": { "description": "Seconds after a scale-in before another.", "type": "integer" },
                        "scaleOutCooldown": { "description": "Seconds after a scale-out before another.", "type": "integer" },
                        "disableScaleIn": { "description": "Only ever scale out.", "type": "boolean" }
                    }
                }
            },
            "scheduled": {
                "description": "Scheduled changes of the capacity bounds.",
                "type": "array",
                "items": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["name", "schedule"],
                    "properties": {
                        "name": { "description": "The scheduled action's name.", "type": "string" },
                        "schedule": { "description": "cron(...), rate(...) or at(...).", "type": "string" },
                        "timezone": { "description": "An IANA time zone (else UTC).", "type": "string" },
                        "minCapacity": { "type": "integer", "minimum": 0 },
                        "maxCapacity": { "type": "integer", "minimum": 0 }
                    }
                }
            }
        }
    })
}

fn lint_schema() -> Value {
    json!({
        "description": "`wharf lint` findings accepted for this resource, each with the reason (not sent to AWS).",
        "$ref": format!("{DEFINITIONS}{LINT}")
    })
}

/// The definition name schemars gives `model::ResourceLint`.
const LINT: &str = "ResourceLint";

fn take(definitions: &mut Map<String, Value>, name: &str) -> Map<String, Value> {
    match definitions.remove(name) {
        Some(Value::Object(schema)) => schema,
        _ => panic!("ecs_schema.json lacks {name}"),
    }
}

fn properties(schema: &mut Map<String, Value>) -> &mut Map<String, Value> {
    schema
        .get_mut("properties")
        .and_then(Value::as_object_mut)
        .expect("a structure has properties")
}

fn set_required(schema: &mut Map<String, Value>, required: &[&str]) {
    if required.is_empty() {
        schema.remove("required");
    } else {
        schema.insert("required".into(), json!(required));
    }
}

fn adapted_definitions() -> Map<String, Value> {
    let mut defs = aws_definitions();

    // Clusters: CreateCluster without clusterName (the key).
    let mut cluster = take(&mut defs, "EcsCreateClusterRequest");
    cluster.insert(
        "description".into(),
        json!("An ECS cluster: the CreateCluster input; the key is the cluster name."),
    );
    let props = properties(&mut cluster);
    props.remove("clusterName");
    props.insert("tags".into(), tags_schema());
    sort_properties(&mut cluster);
    defs.insert(CLUSTER.into(), Value::Object(cluster));

    // Capacity providers: CreateCapacityProvider without name (the key).
    let mut provider = take(&mut defs, "EcsCreateCapacityProviderRequest");
    provider.insert(
        "description".into(),
        json!("An ECS capacity provider: the CreateCapacityProvider input; the key is its name."),
    );
    let props = properties(&mut provider);
    props.remove("name");
    props.insert("tags".into(), tags_schema());
    sort_properties(&mut provider);
    // The name is the key; an Auto Scaling group provider is checked by validation.
    provider.remove("required");
    defs.insert(CAPACITY_PROVIDER.into(), Value::Object(provider));

    // Task definitions: RegisterTaskDefinition without family (the key), plus conveniences.
    let mut task = take(&mut defs, "EcsRegisterTaskDefinitionRequest");
    task.insert(
        "description".into(),
        json!("An ECS task definition: the RegisterTaskDefinition input; the key is the family."),
    );
    let props = properties(&mut task);
    props.remove("family");
    props.insert("tags".into(), tags_schema());
    props.insert(
        "cpu".into(),
        json!({
            "description": "Task CPU: units (\"256\" or 256) or vCPUs (\"0.25 vCPU\"). Required on Fargate.",
            "type": ["string", "integer"]
        }),
    );
    props.insert(
        "memory".into(),
        json!({
            "description": "Task memory: MiB (\"512\" or 512) or GB (\"1 GB\"). Required on Fargate.",
            "type": ["string", "integer"]
        }),
    );
    props.insert(
        "executionRole".into(),
        json!({
            "description": "The task execution role: a role of this manifest (by name) or a role ARN; instead of executionRoleArn.",
            "type": "string"
        }),
    );
    props.insert(
        "taskRole".into(),
        json!({
            "description": "The role the task's containers assume: a role of this manifest (by name) or a role ARN; instead of taskRoleArn.",
            "type": "string"
        }),
    );
    props.insert(
        "keepRevisions".into(),
        json!({
            "description": "Keep this many newest revisions of the family that wharf registered; deregister older ones (never one a service uses).",
            "type": "integer",
            "minimum": 1
        }),
    );
    props.insert("lint".into(), lint_schema());
    sort_properties(&mut task);
    set_required(&mut task, &["containerDefinitions"]);
    defs.insert(TASK_DEFINITION.into(), Value::Object(task));

    // A container's image: a plain image string, or a repository of this manifest.
    let container = defs
        .get_mut("EcsContainerDefinition")
        .and_then(Value::as_object_mut)
        .expect("ecs_schema.json has EcsContainerDefinition");
    properties(container).insert(
        "image".into(),
        json!({
            "description": "The image: a string (registry/repository:tag or @digest), or { repository, tag } / { repository, digest } naming a repository of this manifest.",
            "anyOf": [
                { "type": "string" },
                { "$ref": format!("{DEFINITIONS}{IMAGE_REFERENCE}") }
            ]
        }),
    );
    defs.insert(
        IMAGE_REFERENCE.into(),
        json!({
            "description": "An image in a repository of this manifest, by tag or by digest (exactly one).",
            "type": "object",
            "additionalProperties": false,
            "properties": {
                "repository": { "description": "A repository of this manifest (its name).", "type": "string" },
                "tag": { "description": "The image tag, e.g. \"${IMAGE_TAG}\".", "type": "string" },
                "digest": { "description": "The image digest, sha256:<64 hex digits>.", "type": "string" }
            },
            "required": ["repository"]
        }),
    );

    // Services: CreateService without serviceName (the key). Members wharf refuses
    // (`manifest::ecs_members`) stay, so `validate` can say why at their line.
    let mut service = take(&mut defs, "EcsCreateServiceRequest");
    service.insert(
        "description".into(),
        json!("An ECS service: the CreateService input; the key is the service name."),
    );
    let props = properties(&mut service);
    props.remove("serviceName");
    props.insert("tags".into(), tags_schema());
    props.insert(
        "cluster".into(),
        json!({
            "description": "The cluster to run in: a cluster of this manifest (by name) or a cluster ARN.",
            "type": "string"
        }),
    );
    props.insert(
        "taskDefinition".into(),
        json!({
            "description": "A task-definition family of this manifest (its newest revision), family:revision, or a task-definition ARN.",
            "type": "string"
        }),
    );
    props.insert(
        "desiredCount".into(),
        json!({
            "description": "How many tasks to keep running. Leave it out to leave the count to autoscaling: wharf then never touches it.",
            "type": "integer"
        }),
    );
    props.insert(
        "waitSeconds".into(),
        json!({
            "description": "How long apply waits for this service's deployments, in seconds (else ten minutes plus the bake times its strategy declares; --wait-timeout wins).",
            "type": "integer",
            "minimum": 1
        }),
    );
    props.insert("autoScaling".into(), auto_scaling_schema());
    props.insert("lint".into(), lint_schema());
    sort_properties(&mut service);
    // taskDefinition is required unless the EXTERNAL controller deploys through task
    // sets (ECS API Reference, CreateService); validation says so at the service.
    set_required(&mut service, &["cluster"]);
    defs.insert(SERVICE.into(), Value::Object(service));

    // Only what the three roots reach, in name order (deterministic output).
    let reachable = reachable(
        &defs,
        &[CLUSTER, CAPACITY_PROVIDER, TASK_DEFINITION, SERVICE],
    );
    let mut names: Vec<&String> = defs.keys().filter(|k| reachable.contains(*k)).collect();
    names.sort();
    names
        .into_iter()
        .map(|k| (k.clone(), defs[k].clone()))
        .collect()
}

/// Properties in name order (`Map::remove` moves the last entry into the gap).
fn sort_properties(schema: &mut Map<String, Value>) {
    let props = properties(schema);
    let mut entries: Vec<(String, Value)> = std::mem::take(props).into_iter().collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    props.extend(entries);
}

/// Names of the definitions reachable from `roots` through `$ref`s.
fn reachable(defs: &Map<String, Value>, roots: &[&str]) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut stack: Vec<String> = roots.iter().map(|r| r.to_string()).collect();
    while let Some(name) = stack.pop() {
        if !seen.insert(name.clone()) {
            continue;
        }
        if let Some(schema) = defs.get(&name) {
            collect_refs(schema, &mut stack);
        }
    }
    seen
}

fn collect_refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                match (k.as_str(), v) {
                    ("$ref", Value::String(r)) => {
                        if let Some(name) = r.strip_prefix(DEFINITIONS) {
                            out.push(name.to_string());
                        }
                    }
                    _ => collect_refs(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

/// Adds the definitions `root` needs to the generator (once each).
fn add_definitions(generator: &mut SchemaGenerator, root: &str) {
    assert_eq!(
        generator.settings().definitions_path.trim_end_matches('/'),
        DEFINITIONS.trim_start_matches('#').trim_end_matches('/'),
        "the ECS schemas refer to #/definitions/ (draft-07)"
    );
    static BY_ROOT: LazyLock<HashMap<&'static str, BTreeSet<String>>> = LazyLock::new(|| {
        [CLUSTER, CAPACITY_PROVIDER, TASK_DEFINITION, SERVICE]
            .into_iter()
            .map(|root| (root, reachable(&DEFINITIONS_ADAPTED, &[root])))
            .collect()
    });
    let needed = &BY_ROOT[root];
    let definitions = generator.definitions_mut();
    for (name, schema) in DEFINITIONS_ADAPTED.iter() {
        if needed.contains(name) && !definitions.contains_key(name) {
            definitions.insert(name.clone(), schema.clone());
        }
    }
}

fn map_of(generator: &mut SchemaGenerator, root: &'static str) -> Schema {
    add_definitions(generator, root);
    if root != CLUSTER && root != CAPACITY_PROVIDER {
        // Adds `ResourceLint` to the root's definitions, where `lint_schema` points.
        let reference = generator.subschema_for::<crate::manifest::suppression::ResourceLint>();
        debug_assert_eq!(
            reference.get("$ref").and_then(Value::as_str),
            Some(format!("{DEFINITIONS}{LINT}").as_str())
        );
    }
    json_schema!({
        "type": "object",
        "additionalProperties": { "$ref": format!("{DEFINITIONS}{root}") }
    })
}

pub fn clusters(generator: &mut SchemaGenerator) -> Schema {
    map_of(generator, CLUSTER)
}

pub fn capacity_providers(generator: &mut SchemaGenerator) -> Schema {
    map_of(generator, CAPACITY_PROVIDER)
}

pub fn task_definitions(generator: &mut SchemaGenerator) -> Schema {
    map_of(generator, TASK_DEFINITION)
}

pub fn services(generator: &mut SchemaGenerator) -> Schema {
    map_of(generator, SERVICE)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::schema::manifest_schema;

    fn definition(name: &str) -> &'static Value {
        &manifest_schema()["definitions"][name]
    }

    #[test]
    fn the_root_schema_is_draft_07_and_holds_the_ecs_definitions() {
        let root = manifest_schema();
        assert_eq!(root["$schema"], "http://json-schema.org/draft-07/schema#");
        assert!(root.get("$defs").is_none());
        for name in [
            CLUSTER,
            TASK_DEFINITION,
            SERVICE,
            IMAGE_REFERENCE,
            "EcsContainerDefinition",
            "EcsPortMapping",
            "EcsNetworkMode",
            "EcsDeploymentConfiguration",
        ] {
            assert!(definition(name).is_object(), "{name} missing");
        }
        let ecs = &root["definitions"]["Ecs"]["properties"];
        assert_eq!(
            ecs["taskDefinitions"]["additionalProperties"]["$ref"],
            "#/definitions/EcsTaskDefinition"
        );
        // The request shapes themselves are replaced by the adapted ones.
        assert!(definition("EcsRegisterTaskDefinitionRequest").is_null());
    }

    #[test]
    fn every_reference_resolves() {
        let root = manifest_schema();
        let mut refs = Vec::new();
        collect_refs(root, &mut refs);
        assert!(refs.len() > 100);
        let mut all = Vec::new();
        fn every(value: &Value, out: &mut Vec<String>) {
            match value {
                Value::Object(map) => {
                    if let Some(Value::String(r)) = map.get("$ref") {
                        out.push(r.clone());
                    }
                    map.values().for_each(|v| every(v, out));
                }
                Value::Array(items) => items.iter().for_each(|v| every(v, out)),
                _ => {}
            }
        }
        every(root, &mut all);
        for reference in all {
            let pointer = reference.trim_start_matches('#');
            assert!(
                root.pointer(pointer).is_some(),
                "{reference} does not resolve"
            );
        }
    }

    #[test]
    fn the_resource_names_are_keys_and_tags_are_maps() {
        let cluster = &definition(CLUSTER)["properties"];
        assert!(cluster.get("clusterName").is_none());
        assert_eq!(cluster["tags"]["type"], "object");
        assert_eq!(cluster["settings"]["type"], "array");

        let task = definition(TASK_DEFINITION);
        assert!(task["properties"].get("family").is_none());
        assert_eq!(task["required"], json!(["containerDefinitions"]));
        assert_eq!(task["additionalProperties"], json!(false));
        for key in [
            "executionRole",
            "taskRole",
            "keepRevisions",
            "executionRoleArn",
        ] {
            assert!(task["properties"].get(key).is_some(), "{key}");
        }
        assert_eq!(
            task["properties"]["cpu"]["type"],
            json!(["string", "integer"])
        );
        assert_eq!(task["properties"]["keepRevisions"]["minimum"], 1);

        let service = definition(SERVICE);
        assert!(service["properties"].get("serviceName").is_none());
        assert_eq!(service["required"], json!(["cluster"]));
        assert_eq!(service["properties"]["tags"]["type"], "object");
    }

    #[test]
    fn containers_keep_integer_sizes_and_take_image_references() {
        let container = &definition("EcsContainerDefinition")["properties"];
        for key in ["cpu", "memory", "memoryReservation"] {
            assert_eq!(container[key]["type"], "integer", "{key}");
        }
        assert_eq!(container["image"]["anyOf"][0]["type"], "string");
        assert_eq!(
            container["image"]["anyOf"][1]["$ref"],
            "#/definitions/EcsImageReference"
        );
        assert_eq!(
            container["portMappings"]["items"]["$ref"],
            "#/definitions/EcsPortMapping"
        );
        let network = definition("EcsNetworkMode");
        assert_eq!(network["enum"], json!(["bridge", "host", "awsvpc", "none"]));
    }

    #[test]
    fn the_generated_aws_shapes_cover_the_whole_inputs() {
        let aws = aws_definitions();
        let task = &aws["EcsRegisterTaskDefinitionRequest"]["properties"];
        // Every member `aws ecs register-task-definition --generate-cli-skeleton` lists.
        for member in [
            "family",
            "taskRoleArn",
            "executionRoleArn",
            "networkMode",
            "containerDefinitions",
            "volumes",
            "placementConstraints",
            "requiresCompatibilities",
            "cpu",
            "memory",
            "tags",
            "pidMode",
            "ipcMode",
            "proxyConfiguration",
            "inferenceAccelerators",
            "ephemeralStorage",
            "runtimePlatform",
            "enableFaultInjection",
        ] {
            assert!(task.get(member).is_some(), "{member}");
        }
        for (name, schema) in &aws {
            assert!(name.starts_with("Ecs"), "{name}");
            if schema["type"] == "object" {
                assert_eq!(schema["additionalProperties"], json!(false), "{name}");
            }
            if let Some(description) = schema.get("description").and_then(Value::as_str) {
                assert!(description.chars().count() <= 200, "{name}");
                assert!(!description.contains('<'), "{name}: {description}");
            }
        }
    }
}
