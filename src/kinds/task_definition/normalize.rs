//! Task-definition normalization, PURE: the table of AWS (and moto) defaults that makes a
//! task definition as the manifest writes it compare equal to the same definition as
//! DescribeTaskDefinition returns it, so a converged stack plans nothing and registers no
//! revision. Owns `normalize` (either side, idempotent) and `differences` (what still
//! differs, as plan field paths). Both sides are AWS JSON in the RegisterTaskDefinition
//! shape; the live side is the SDK's `TaskDefinition` as JSON.
//!
//! Every rule is one table entry or one small function, with a comment naming the AWS
//! behaviour behind it. Decisions worth knowing:
//! - `tags` are dropped: `task_definition` compares them as a map and fixes them with
//!   TagResource, without a new revision.
//! - A value equal to its documented default is dropped on both sides (rather than filled
//!   in), so the plan shows only what the manifest says.
//! - A missing `networkMode` is filled from the launch type (`bridge` on EC2/EXTERNAL,
//!   `awsvpc` on Fargate) on both sides: AWS omits it when it was not given, moto fills it.
//! - Lists whose order means nothing to ECS are sorted (containers, environment, secrets,
//!   port mappings, mount points, volumes, ...); lists whose order matters are kept
//!   (`environmentFiles`: the first file wins; `command`, `entryPoint`, `links`,
//!   `dnsServers`, `extraHosts`, ...). A reordered manifest therefore registers nothing.
//! - `runtimePlatform` is compared as written: AWS does not fill it in.
//! - Task `cpu`/`memory` go through `ecs_units`, the parser validation uses, so what
//!   validation accepts ("0.25 vCPU", "1 GB") compares equal to AWS's "256" / "1024".
//!
//! Known moto deviation: for `requiresCompatibilities` other than `[EC2]` (e.g.
//! `[EXTERNAL]`) moto reports `networkMode: awsvpc` whatever was registered.

use crate::kinds::task_definition::units;
use serde_json::{Map, Value};
use std::collections::BTreeSet;

type Object = Map<String, Value>;

// ----------------------------------------------------------------------------------------
// The table
// ----------------------------------------------------------------------------------------

/// A member's default value, as a table entry.
#[derive(Clone, Copy, Debug)]
enum Lit {
    Bool(bool),
    Int(i64),
    Text(&'static str),
}

impl Lit {
    fn matches(self, value: &Value) -> bool {
        match self {
            Lit::Bool(b) => value.as_bool() == Some(b),
            Lit::Int(n) => as_integer(value) == Some(n),
            Lit::Text(t) => value.as_str() == Some(t),
        }
    }
}

/// Members dropped when they hold their default value.
type Defaults = &'static [(&'static str, Lit)];

/// Members DescribeTaskDefinition returns that RegisterTaskDefinition does not take
/// (a test checks this list against the SDK's schemas).
pub const READ_ONLY: &[&str] = &[
    "taskDefinitionArn",  // AWS names the revision it registered
    "revision",           // AWS numbers revisions within the family
    "status",             // ACTIVE / INACTIVE / DELETE_IN_PROGRESS, AWS's lifecycle state
    "requiresAttributes", // AWS derives placement attributes from the containers
    "compatibilities",    // AWS computes the launch types the definition satisfies
    "registeredAt",       // registration time
    "registeredBy",       // the principal that registered it
    "deregisteredAt",     // set when deregistered
    "deleteRequestedAt",  // set when DeleteTaskDefinitions was called
];

/// Compared elsewhere: `task_definition` compares tags as a map and changes them with
/// TagResource / UntagResource, never with a new revision.
const COMPARED_ELSEWHERE: &[&str] = &["tags"];

const TASK_DEFAULTS: Defaults = &[
    ("enableFaultInjection", Lit::Bool(false)), // AWS reports false when fault injection was not enabled
];

const CONTAINER_DEFAULTS: Defaults = &[
    ("essential", Lit::Bool(true)), // AWS: a container is essential unless `essential: false`
    ("cpu", Lit::Int(0)), // AWS, moto and the SDK (a plain i32) report cpu 0 when none is reserved
    ("privileged", Lit::Bool(false)), // AWS default: not privileged
    ("readonlyRootFilesystem", Lit::Bool(false)), // AWS default: writable root filesystem
    ("disableNetworking", Lit::Bool(false)), // AWS default: networking on
    ("interactive", Lit::Bool(false)), // AWS default: no `docker run -i`
    ("pseudoTerminal", Lit::Bool(false)), // AWS default: no `docker run -t`
    ("versionConsistency", Lit::Text("enabled")), // AWS default: image tags are resolved to digests
];

const PORT_MAPPING_DEFAULTS: Defaults = &[
    ("protocol", Lit::Text("tcp")), // AWS fills protocol tcp in when it is left out
    ("hostPort", Lit::Int(0)),      // hostPort 0 means "none given": dynamic under bridge
];

const HEALTH_CHECK_DEFAULTS: Defaults = &[
    ("interval", Lit::Int(30)),   // AWS fills interval 30 s in
    ("timeout", Lit::Int(5)),     // AWS fills timeout 5 s in
    ("retries", Lit::Int(3)),     // AWS fills retries 3 in
    ("startPeriod", Lit::Int(0)), // AWS default: no start period (off = 0 s)
];

const MOUNT_POINT_DEFAULTS: Defaults = &[
    ("readOnly", Lit::Bool(false)), // AWS default: the container may write to the volume
];

const VOLUME_FROM_DEFAULTS: Defaults = &[
    ("readOnly", Lit::Bool(false)), // AWS default: the container may write to the volumes
];

const LINUX_PARAMETERS_DEFAULTS: Defaults = &[
    ("initProcessEnabled", Lit::Bool(false)), // AWS default: no init process
];

/// Where each defaults table applies inside a container definition: a member holding one
/// object, or a list of them.
const CONTAINER_MEMBER_DEFAULTS: &[(&str, Defaults)] = &[
    ("portMappings", PORT_MAPPING_DEFAULTS),
    ("healthCheck", HEALTH_CHECK_DEFAULTS),
    ("mountPoints", MOUNT_POINT_DEFAULTS),
    ("volumesFrom", VOLUME_FROM_DEFAULTS),
    ("linuxParameters", LINUX_PARAMETERS_DEFAULTS),
];

const VOLUME_DEFAULTS: Defaults = &[
    ("configuredAtLaunch", Lit::Bool(false)), // AWS reports configuredAtLaunch false for a volume configured in the definition
];

const DOCKER_VOLUME_DEFAULTS: Defaults = &[
    ("scope", Lit::Text("task")), // AWS fills scope task in: the volume lives as long as the task
    ("autoprovision", Lit::Bool(false)), // AWS default false (and only meaningful for shared scope)
    ("driver", Lit::Text("local")), // Docker's built-in driver, used when none is named
];

const EFS_VOLUME_DEFAULTS: Defaults = &[
    ("rootDirectory", Lit::Text("/")), // AWS: "/" is the same as leaving it out (moto fills "/" in)
    ("transitEncryption", Lit::Text("DISABLED")), // AWS default when left out
];

const EFS_AUTHORIZATION_DEFAULTS: Defaults = &[
    ("iam", Lit::Text("DISABLED")), // AWS default when left out
];

/// Where each defaults table applies inside a volume.
const VOLUME_MEMBER_DEFAULTS: &[(&str, Defaults)] = &[
    ("dockerVolumeConfiguration", DOCKER_VOLUME_DEFAULTS),
    ("efsVolumeConfiguration", EFS_VOLUME_DEFAULTS),
];

const PROXY_CONFIGURATION_DEFAULTS: Defaults = &[
    ("type", Lit::Text("APPMESH")), // AWS: APPMESH is the only proxy type, and the default
];

/// How the elements of a list whose order means nothing are sorted (and matched up by
/// `differences`): by a member, by port, or by their whole content.
#[derive(Clone, Copy, Debug)]
enum Key {
    Member(&'static str),
    /// `containerPort` (or `containerPortRange`) and protocol (tcp when left out).
    Port,
    Whole,
}

/// Task-level lists whose order means nothing to ECS.
const TASK_UNORDERED: &[(&str, Key)] = &[
    ("containerDefinitions", Key::Member("name")), // containers start by dependsOn/links, not by position
    ("volumes", Key::Member("name")),              // referenced by name from mountPoints
    ("placementConstraints", Key::Whole),          // all of them apply
    ("requiresCompatibilities", Key::Whole),       // a set of launch types
    ("inferenceAccelerators", Key::Member("deviceName")), // referenced by deviceName
];

/// Container-level lists whose order means nothing to ECS.
const CONTAINER_UNORDERED: &[(&str, Key)] = &[
    ("environment", Key::Member("name")), // a set of variables; the API may reorder them (Terraform sorts them too)
    ("secrets", Key::Member("name")),     // a set of variables
    ("portMappings", Key::Port), // each mapping stands alone; load balancers and Service Connect name them by port or name
    ("mountPoints", Key::Member("containerPath")), // Docker orders mounts by path itself
    ("volumesFrom", Key::Member("sourceContainer")), // each source stands alone
    ("ulimits", Key::Member("name")), // one limit per name
    ("systemControls", Key::Member("namespace")), // one sysctl per namespace
    ("resourceRequirements", Key::Member("type")), // one requirement per type (GPU, InferenceAccelerator)
    ("dependsOn", Key::Member("containerName")),   // every condition must hold
];

/// Lists inside nested container members whose order means nothing.
const LOG_CONFIGURATION_UNORDERED: &[(&str, Key)] = &[
    ("secretOptions", Key::Member("name")), // log-driver options by name
];
const CAPABILITIES_UNORDERED: &[(&str, Key)] = &[
    ("add", Key::Whole),  // a set of Linux capabilities
    ("drop", Key::Whole), // a set of Linux capabilities
];
const PROXY_CONFIGURATION_UNORDERED: &[(&str, Key)] = &[
    ("properties", Key::Member("name")), // proxy properties by name
];

const UNORDERED_TABLES: &[&[(&str, Key)]] = &[
    TASK_UNORDERED,
    CONTAINER_UNORDERED,
    LOG_CONFIGURATION_UNORDERED,
    CAPABILITIES_UNORDERED,
    PROXY_CONFIGURATION_UNORDERED,
];

// ----------------------------------------------------------------------------------------
// normalize
// ----------------------------------------------------------------------------------------

/// Normalizes a task definition (either side) for comparison. Idempotent.
pub fn normalize(td: &Value) -> Value {
    let mut value = prune(td);
    if let Value::Object(task) = &mut value {
        task_rules(task);
    }
    let mut value = prune(&value);
    if let Value::Object(task) = &mut value {
        sort_task_lists(task);
    }
    value
}

/// Drops null values and empty lists and objects from every object, bottom up, and puts
/// object members in name order. AWS omits empty `environment`, `mountPoints`,
/// `volumesFrom`, `systemControls`, `volumes`, `placementConstraints`, `secrets`, ... or
/// returns them as `[]` (so do moto and the SDK): absent, null and empty are the same.
/// List elements are kept as they are (positions mean something to `differences`).
fn prune(value: &Value) -> Value {
    match value {
        Value::Object(object) => {
            let mut names: Vec<&String> = object.keys().collect();
            names.sort();
            let mut out = Object::new();
            for name in names {
                let member = prune(&object[name]);
                if !is_empty(&member) {
                    out.insert(name.clone(), member);
                }
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(prune).collect()),
        other => other.clone(),
    }
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Array(items) => items.is_empty(),
        Value::Object(object) => object.is_empty(),
        _ => false,
    }
}

fn task_rules(task: &mut Object) {
    for member in READ_ONLY.iter().chain(COMPARED_ELSEWHERE) {
        task.remove(*member);
    }
    drop_empty_role_arns(task);
    drop_defaults(task, TASK_DEFAULTS);
    convert(task, "cpu", cpu_units);
    convert(task, "memory", memory_mib);
    default_network_mode(task);
    let network_mode = task
        .get("networkMode")
        .and_then(Value::as_str)
        .map(str::to_string);
    if let Some(proxy) = task.get_mut("proxyConfiguration") {
        for proxy in objects_mut(proxy) {
            drop_defaults(proxy, PROXY_CONFIGURATION_DEFAULTS);
        }
    }
    if let Some(volumes) = task.get_mut("volumes") {
        for volume in objects_mut(volumes) {
            volume_rules(volume);
        }
    }
    if let Some(containers) = task.get_mut("containerDefinitions") {
        for container in objects_mut(containers) {
            container_rules(container, network_mode.as_deref());
        }
    }
}

fn container_rules(container: &mut Object, network_mode: Option<&str>) {
    drop_defaults(container, CONTAINER_DEFAULTS);
    drop_valueless_environment(container);
    drop_disabled_restart_policy(container);
    for (member, defaults) in CONTAINER_MEMBER_DEFAULTS {
        if let Some(value) = container.get_mut(*member) {
            for object in objects_mut(value) {
                drop_defaults(object, defaults);
            }
        }
    }
    if let Some(mappings) = container.get_mut("portMappings") {
        for mapping in objects_mut(mappings) {
            drop_host_port_fixed_by_network_mode(mapping, network_mode);
        }
    }
}

fn volume_rules(volume: &mut Object) {
    drop_defaults(volume, VOLUME_DEFAULTS);
    for (member, defaults) in VOLUME_MEMBER_DEFAULTS {
        if let Some(value) = volume.get_mut(*member) {
            for object in objects_mut(value) {
                drop_defaults(object, defaults);
            }
        }
    }
    if let Some(efs) = volume.get_mut("efsVolumeConfiguration") {
        for efs in objects_mut(efs) {
            if let Some(authorization) = efs.get_mut("authorizationConfig") {
                for authorization in objects_mut(authorization) {
                    drop_defaults(authorization, EFS_AUTHORIZATION_DEFAULTS);
                }
            }
        }
    }
}

/// An empty role ARN means no role: RegisterTaskDefinition takes `"taskRoleArn": ""`
/// (console exports write it) and the definition then has none. moto stores the empty
/// string; AWS reports no member.
fn drop_empty_role_arns(task: &mut Object) {
    for member in ["taskRoleArn", "executionRoleArn"] {
        if task.get(member) == Some(&Value::String(String::new())) {
            task.remove(member);
        }
    }
}

/// Drops the members of `object` that hold their default value.
fn drop_defaults(object: &mut Object, defaults: Defaults) {
    for (member, default) in defaults {
        if object
            .get(*member)
            .is_some_and(|value| default.matches(value))
        {
            object.remove(*member);
        }
    }
}

/// AWS converts a task-level `cpu` written in vCPU ("0.25 vCPU", "1 vcpu") to CPU units
/// (1 vCPU = 1024) when it registers the definition, and returns it as a string.
fn cpu_units(value: &Value) -> Option<Value> {
    task_size(value, units::cpu_units)
}

/// AWS converts a task-level `memory` written in GB ("1 GB", "1GB") to MiB (1 GB = 1024)
/// when it registers the definition, and returns it as a string.
fn memory_mib(value: &Value) -> Option<Value> {
    task_size(value, units::memory_mib)
}

/// The string AWS stores for a task size: a number as its text (the API takes strings;
/// YAML may write numbers), text through `parse` (the units validation accepts). `None`
/// leaves the value as written, for validation to report.
fn task_size(value: &Value, parse: fn(&str) -> Option<u32>) -> Option<Value> {
    if let Some(n) = as_integer(value) {
        return Some(Value::String(n.to_string()));
    }
    parse(value.as_str()?).map(|n| Value::String(n.to_string()))
}

fn convert(object: &mut Object, member: &str, rule: fn(&Value) -> Option<Value>) {
    if let Some(converted) = object.get(member).and_then(rule) {
        object.insert(member.to_string(), converted);
    }
}

/// AWS: with no `networkMode`, a task on EC2 or EXTERNAL instances uses `bridge` (AWS
/// returns no `networkMode`, moto returns `bridge`); Fargate requires `awsvpc` (moto fills
/// it in). Filled on both sides, so absent and the default compare equal.
fn default_network_mode(task: &mut Object) {
    if task.contains_key("networkMode") {
        return;
    }
    let compatibilities: Vec<&str> = match task.get("requiresCompatibilities") {
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let mode = if compatibilities.contains(&"FARGATE") {
        "awsvpc"
    } else if compatibilities
        .iter()
        .all(|c| matches!(*c, "EC2" | "EXTERNAL"))
    {
        "bridge"
    } else {
        return; // e.g. MANAGED_INSTANCES: no documented default to assume
    };
    task.insert("networkMode".into(), Value::String(mode.into()));
}

/// AWS: under `awsvpc` and `host` the host port is the container port; AWS fills
/// `hostPort` in with it when it is left out.
fn drop_host_port_fixed_by_network_mode(mapping: &mut Object, network_mode: Option<&str>) {
    if !matches!(network_mode, Some("awsvpc" | "host")) {
        return;
    }
    let host = mapping.get("hostPort").and_then(as_integer);
    if host.is_some() && host == mapping.get("containerPort").and_then(as_integer) {
        mapping.remove("hostPort");
    }
}

/// AWS drops `environment` entries without a value (left out, null or "") when it
/// registers the definition (aws-actions/amazon-ecs-deploy-task-definition#224,
/// hashicorp/terraform-provider-aws#39533).
fn drop_valueless_environment(container: &mut Object) {
    if let Some(Value::Array(environment)) = container.get_mut("environment") {
        environment.retain(|entry| match entry.get("value") {
            None | Some(Value::Null) => !entry.is_object(),
            Some(value) => value.as_str() != Some(""),
        });
    }
}

/// A `restartPolicy` with `enabled: false` restarts nothing: the same as none.
fn drop_disabled_restart_policy(container: &mut Object) {
    let disabled = container
        .get("restartPolicy")
        .and_then(|policy| policy.get("enabled"))
        .and_then(Value::as_bool)
        == Some(false);
    if disabled {
        container.remove("restartPolicy");
    }
}

fn sort_task_lists(task: &mut Object) {
    // Inner lists first: a container's sort key includes its content.
    if let Some(containers) = task.get_mut("containerDefinitions") {
        for container in objects_mut(containers) {
            if let Some(log) = container.get_mut("logConfiguration") {
                for log in objects_mut(log) {
                    sort_lists(log, LOG_CONFIGURATION_UNORDERED);
                }
            }
            if let Some(linux) = container.get_mut("linuxParameters") {
                for linux in objects_mut(linux) {
                    if let Some(capabilities) = linux.get_mut("capabilities") {
                        for capabilities in objects_mut(capabilities) {
                            sort_lists(capabilities, CAPABILITIES_UNORDERED);
                        }
                    }
                }
            }
            sort_lists(container, CONTAINER_UNORDERED);
        }
    }
    if let Some(proxy) = task.get_mut("proxyConfiguration") {
        for proxy in objects_mut(proxy) {
            sort_lists(proxy, PROXY_CONFIGURATION_UNORDERED);
        }
    }
    sort_lists(task, TASK_UNORDERED);
}

/// Sorts each listed member by its key, then by whole content (a total order, so the
/// result does not depend on the order written).
fn sort_lists(object: &mut Object, table: &[(&str, Key)]) {
    for (member, key) in table {
        if let Some(Value::Array(items)) = object.get_mut(*member) {
            items.sort_by_cached_key(|item| (key_text(*key, item), item.to_string()));
        }
    }
}

fn key_text(key: Key, item: &Value) -> String {
    match key {
        Key::Member(member) => item.get(member).map(text).unwrap_or_default(),
        Key::Port => {
            let port = item
                .get("containerPort")
                .or_else(|| item.get("containerPortRange"))
                .map(text)
                .unwrap_or_default();
            let protocol = item
                .get("protocol")
                .and_then(Value::as_str)
                .unwrap_or("tcp");
            format!("{port}/{protocol}")
        }
        Key::Whole => String::new(),
    }
}

fn text(value: &Value) -> String {
    value
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| value.to_string())
}

/// The objects a member holds: itself, or the objects of its list.
fn objects_mut(value: &mut Value) -> Vec<&mut Object> {
    match value {
        Value::Object(object) => vec![object],
        Value::Array(items) => items.iter_mut().filter_map(Value::as_object_mut).collect(),
        _ => Vec::new(),
    }
}

/// An integral JSON number (30 and 30.0 alike).
fn as_integer(value: &Value) -> Option<i64> {
    if let Some(n) = value.as_i64() {
        return Some(n);
    }
    let f = value.as_f64()?;
    (f.fract() == 0.0 && f.abs() < 9.0e15).then_some(f as i64)
}

// ----------------------------------------------------------------------------------------
// differences
// ----------------------------------------------------------------------------------------

/// The fields that differ after normalization, as (dotted path with [i] for lists,
/// before, after), for plan output. `before` is the live value, `after` the desired one;
/// null stands for absent. Elements of lists matched by name (containers, environment,
/// secrets, volumes, port mappings, ...) are paired by that name whatever their order,
/// and their index is the one they have in the manifest (in live AWS when the manifest
/// no longer has them).
pub fn differences(live: &Value, desired: &Value) -> Vec<(String, Value, Value)> {
    let mut out = Vec::new();
    let raw = Raw {
        live: Some(live),
        desired: Some(desired),
    };
    diff(&mut out, "", "", &normalize(live), &normalize(desired), raw);
    out
}

/// The un-normalized values at the same place, for list indices as the manifest has them.
#[derive(Clone, Copy)]
struct Raw<'a> {
    live: Option<&'a Value>,
    desired: Option<&'a Value>,
}

impl<'a> Raw<'a> {
    fn member(self, name: &str) -> Raw<'a> {
        Raw {
            live: self.live.and_then(|v| v.get(name)),
            desired: self.desired.and_then(|v| v.get(name)),
        }
    }

    fn none() -> Raw<'a> {
        Raw {
            live: None,
            desired: None,
        }
    }
}

const NULL: Value = Value::Null;

fn diff(
    out: &mut Vec<(String, Value, Value)>,
    path: &str,
    member: &str,
    before: &Value,
    after: &Value,
    raw: Raw,
) {
    if before == after {
        return;
    }
    match (before, after) {
        (Value::Object(b), Value::Object(a)) => {
            let names: BTreeSet<&String> = b.keys().chain(a.keys()).collect();
            for name in names {
                let child = if path.is_empty() {
                    name.clone()
                } else {
                    format!("{path}.{name}")
                };
                diff(
                    out,
                    &child,
                    name,
                    b.get(name).unwrap_or(&NULL),
                    a.get(name).unwrap_or(&NULL),
                    raw.member(name),
                );
            }
        }
        (Value::Array(b), Value::Array(a)) => diff_list(out, path, member, b, a, raw),
        _ => out.push((
            if path.is_empty() {
                "taskDefinition".to_string()
            } else {
                path.to_string()
            },
            before.clone(),
            after.clone(),
        )),
    }
}

fn diff_list(
    out: &mut Vec<(String, Value, Value)>,
    path: &str,
    member: &str,
    before: &[Value],
    after: &[Value],
    raw: Raw,
) {
    let key = list_key(member);
    if let Some(key) = key.filter(|key| unique_keys(*key, before) && unique_keys(*key, after)) {
        let raw_live = raw.live.and_then(Value::as_array);
        let raw_desired = raw.desired.and_then(Value::as_array);
        for (i, wanted) in after.iter().enumerate() {
            let k = key_text(key, wanted);
            let index = raw_index(key, raw_desired, &k).unwrap_or(i);
            let element = format!("{path}[{index}]");
            match before.iter().find(|have| key_text(key, have) == k) {
                Some(have) => {
                    let raw = Raw {
                        live: raw_element(key, raw_live, &k),
                        desired: raw_element(key, raw_desired, &k),
                    };
                    diff(out, &element, "", have, wanted, raw);
                }
                None => out.push((element, Value::Null, wanted.clone())),
            }
        }
        for (i, have) in before.iter().enumerate() {
            let k = key_text(key, have);
            if !after.iter().any(|wanted| key_text(key, wanted) == k) {
                let index = raw_index(key, raw_live, &k).unwrap_or(i);
                out.push((format!("{path}[{index}]"), have.clone(), Value::Null));
            }
        }
    } else if before.len() == after.len() {
        // A sorted list's positions are not the manifest's: no raw values to carry.
        let sorted = is_unordered(member);
        for (i, (have, wanted)) in before.iter().zip(after).enumerate() {
            let raw = if sorted {
                Raw::none()
            } else {
                Raw {
                    live: raw.live.and_then(|v| v.get(i)),
                    desired: raw.desired.and_then(|v| v.get(i)),
                }
            };
            diff(out, &format!("{path}[{i}]"), "", have, wanted, raw);
        }
    } else {
        out.push((
            path.to_string(),
            Value::Array(before.to_vec()),
            Value::Array(after.to_vec()),
        ));
    }
}

/// How elements of the list held by `member` are matched up, when they have a key.
fn list_key(member: &str) -> Option<Key> {
    UNORDERED_TABLES
        .iter()
        .flat_map(|table| table.iter())
        .find(|(name, _)| *name == member)
        .map(|(_, key)| *key)
        .filter(|key| !matches!(key, Key::Whole))
}

fn is_unordered(member: &str) -> bool {
    UNORDERED_TABLES
        .iter()
        .flat_map(|table| table.iter())
        .any(|(name, _)| *name == member)
}

fn unique_keys(key: Key, items: &[Value]) -> bool {
    let mut seen = BTreeSet::new();
    items.iter().all(|item| seen.insert(key_text(key, item)))
}

fn raw_index(key: Key, raw: Option<&Vec<Value>>, k: &str) -> Option<usize> {
    raw?.iter().position(|item| key_text(key, item) == k)
}

fn raw_element<'a>(key: Key, raw: Option<&'a Vec<Value>>, k: &str) -> Option<&'a Value> {
    raw?.iter().find(|item| key_text(key, item) == k)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::ecs_codec::{from_json, to_json};
    use aws_sdk_ecs::types::TaskDefinition;
    use proptest::prelude::*;
    use serde_json::json;

    macro_rules! fixture {
        ($name:literal) => {
            (
                $name,
                include_str!(concat!(
                    "../../../tests/fixtures/task_definitions/",
                    $name,
                    ".json"
                )),
            )
        };
    }

    /// Published task definitions (sources in tests/fixtures/task_definitions/README.md).
    const FIXTURES: &[(&str, &str)] = &[
        fixture!("fargate-webserver"),
        fixture!("fargate-windows-webserver"),
        fixture!("windows-simple-iis"),
        fixture!("ecr-image-task-role"),
        fixture!("entrypoint-command"),
        fixture!("container-dependency-appmesh"),
        fixture!("awslogs-wordpress-mysql"),
        fixture!("wordpress-mysql-links"),
        fixture!("efs-volume"),
        fixture!("bind-mount-web-timer"),
        fixture!("sleep360"),
        fixture!("docker-volumes"),
        fixture!("firelens-cloudwatch"),
        fixture!("secrets-manager-tutorial"),
        fixture!("environment-files"),
        fixture!("fargate-cli-tutorial"),
        fixture!("aws-samples-nginx-fargate"),
        fixture!("aws-samples-consul-server"),
        fixture!("ecspresso-ci"),
        fixture!("ecspresso-katsubushi"),
        fixture!("healthcheck-command-only"),
    ];

    fn parse(text: &str) -> Value {
        serde_json::from_str(text).expect("fixture is JSON")
    }

    fn containers_mut(td: &mut Object) -> Vec<&mut Object> {
        td.get_mut("containerDefinitions")
            .map(objects_mut)
            .unwrap_or_default()
    }

    fn fill(object: &mut Object, member: &str, value: Value) {
        object.entry(member).or_insert(value);
    }

    /// The task definition AWS describes after registering `input` as is
    /// (DescribeTaskDefinition's `taskDefinition`), simulating each fill-in AWS
    /// documents or has been seen to make. Independent of the rules under test.
    fn registered_form(input: &Value) -> Value {
        let mut td = input.as_object().expect("a task definition").clone();
        let family = td["family"].as_str().unwrap_or_default().to_string();
        let compatibilities: Vec<String> = td
            .get("requiresCompatibilities")
            .and_then(Value::as_array)
            .map(|c| {
                c.iter()
                    .filter_map(Value::as_str)
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default();
        let network_mode = td
            .get("networkMode")
            .and_then(Value::as_str)
            .map(String::from);
        // Tags are not part of the description (DescribeTaskDefinition returns them apart).
        td.remove("tags");
        // Response-only members.
        td.insert(
            "taskDefinitionArn".into(),
            json!(format!(
                "arn:aws:ecs:us-east-1:123456789012:task-definition/{family}:7"
            )),
        );
        td.insert("revision".into(), json!(7));
        td.insert("status".into(), json!("ACTIVE"));
        td.insert("registeredAt".into(), json!(1_735_689_600.5));
        td.insert(
            "registeredBy".into(),
            json!("arn:aws:sts::123456789012:assumed-role/deploy/ci"),
        );
        td.insert(
            "requiresAttributes".into(),
            json!([{"name": "com.amazonaws.ecs.capability.docker-remote-api.1.18"}]),
        );
        let mut computed = vec!["EC2"];
        if compatibilities.iter().any(|c| c == "FARGATE") {
            computed.push("FARGATE");
        }
        td.insert("compatibilities".into(), json!(computed));
        // Task cpu in CPU units and memory in MiB, as strings ("0.25 vCPU" → "256").
        for (member, unit) in [("cpu", "vcpu"), ("memory", "gb")] {
            let registered = match td.get(member) {
                Some(Value::Number(n)) => Some(n.to_string()),
                Some(Value::String(s)) => {
                    let lower = s.to_ascii_lowercase();
                    lower.strip_suffix(unit).map(|amount| {
                        let amount: f64 = amount.trim().parse().expect("a number");
                        ((amount * 1024.0) as u64).to_string()
                    })
                }
                _ => None,
            };
            if let Some(registered) = registered {
                td.insert(member.into(), json!(registered));
            }
        }
        // Lists AWS always returns, empty when none were given.
        fill(&mut td, "volumes", json!([]));
        fill(&mut td, "placementConstraints", json!([]));
        // Fault injection is reported off.
        fill(&mut td, "enableFaultInjection", json!(false));
        // No networkMode is returned when none was given (sleep360's published output).
        if let Some(volumes) = td.get_mut("volumes") {
            for volume in objects_mut(volumes) {
                fill(volume, "configuredAtLaunch", json!(false));
                if let Some(docker) = volume.get_mut("dockerVolumeConfiguration") {
                    for docker in objects_mut(docker) {
                        fill(docker, "scope", json!("task"));
                    }
                }
            }
        }
        for container in containers_mut(&mut td) {
            fill(container, "cpu", json!(0));
            fill(container, "essential", json!(true));
            for member in [
                "portMappings",
                "environment",
                "mountPoints",
                "volumesFrom",
                "systemControls",
            ] {
                fill(container, member, json!([]));
            }
            // Entries without a value are not registered.
            if let Some(Value::Array(environment)) = container.get_mut("environment") {
                environment.retain(|e| {
                    e.get("value")
                        .and_then(Value::as_str)
                        .is_some_and(|v| !v.is_empty())
                });
            }
            if let Some(mappings) = container.get_mut("portMappings") {
                for mapping in objects_mut(mappings) {
                    fill(mapping, "protocol", json!("tcp"));
                    // awsvpc and host: the host port is the container port.
                    if matches!(network_mode.as_deref(), Some("awsvpc" | "host"))
                        && let Some(port) = mapping.get("containerPort").cloned()
                    {
                        fill(mapping, "hostPort", port);
                    }
                }
            }
            if let Some(health) = container.get_mut("healthCheck") {
                for health in objects_mut(health) {
                    fill(health, "interval", json!(30));
                    fill(health, "timeout", json!(5));
                    fill(health, "retries", json!(3));
                }
            }
        }
        Value::Object(td)
    }

    /// What moto (the emulator the integration tests use) describes after registering
    /// `input`: moto/ecs/models.py `TaskDefinition.__init__`.
    fn moto_form(input: &Value) -> Value {
        let mut td = input.as_object().expect("a task definition").clone();
        td.remove("tags");
        let requires: Vec<String> = td
            .get("requiresCompatibilities")
            .and_then(Value::as_array)
            .map(|c| {
                c.iter()
                    .filter_map(Value::as_str)
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default();
        let compatibilities = if requires.is_empty() || requires == ["EC2"] {
            json!(["EC2"])
        } else {
            json!(["EC2", "FARGATE"])
        };
        let fargate = compatibilities.as_array().is_some_and(|c| c.len() == 2);
        if !td.contains_key("networkMode") && !fargate {
            td.insert("networkMode".into(), json!("bridge"));
        } else if fargate {
            td.insert("networkMode".into(), json!("awsvpc"));
        }
        td.insert("compatibilities".into(), compatibilities);
        td.insert("status".into(), json!("ACTIVE"));
        td.insert("revision".into(), json!(1));
        fill(&mut td, "volumes", json!([]));
        fill(&mut td, "placementConstraints", json!([]));
        if let Some(volumes) = td.get_mut("volumes") {
            for volume in objects_mut(volumes) {
                if let Some(efs) = volume.get_mut("efsVolumeConfiguration") {
                    for efs in objects_mut(efs) {
                        fill(efs, "rootDirectory", json!("/"));
                    }
                }
            }
        }
        for container in containers_mut(&mut td) {
            fill(container, "cpu", json!(0));
            fill(container, "portMappings", json!([]));
            fill(container, "essential", json!(true));
            fill(container, "environment", json!([]));
            fill(container, "mountPoints", json!([]));
            fill(container, "volumesFrom", json!([]));
        }
        // moto keeps cpu and memory as sent; the SDK sends them as strings.
        for member in ["cpu", "memory"] {
            if let Some(Value::Number(n)) = td.get(member) {
                let text = n.to_string();
                td.insert(member.into(), json!(text));
            }
        }
        Value::Object(td)
    }

    /// The live document as wharf reads it: through the SDK's `TaskDefinition` and its
    /// JSON codec (which, for one, always writes a container's `cpu`).
    fn as_read(described: &Value) -> Value {
        let typed = from_json(described, TaskDefinition::deserialize, "task definition")
            .expect("the SDK reads the description");
        to_json(&typed)
    }

    fn assert_same(name: &str, manifest: &Value, live: &Value) {
        let found = differences(live, manifest);
        assert!(
            found.is_empty() && normalize(manifest) == normalize(live),
            "{name}: a perpetual diff: {}",
            serde_json::to_string_pretty(&found).unwrap()
        );
    }

    #[test]
    fn every_published_definition_plans_no_change_against_its_registered_form() {
        for (name, text) in FIXTURES {
            let manifest = parse(text);
            let live = as_read(&registered_form(&manifest));
            assert_ne!(
                prune(&manifest),
                prune(&live),
                "{name}: the registered form adds nothing"
            );
            assert_same(name, &manifest, &live);
        }
    }

    #[test]
    fn every_published_definition_plans_no_change_against_what_moto_returns() {
        for (name, text) in FIXTURES {
            let manifest = parse(text);
            assert_same(name, &manifest, &as_read(&moto_form(&manifest)));
        }
    }

    #[test]
    fn sleep360_equals_the_output_aws_published_for_it() {
        let manifest = parse(include_str!(
            "../../../tests/fixtures/task_definitions/sleep360.json"
        ));
        let published = parse(include_str!(
            "../../../tests/fixtures/task_definitions/sleep360.registered.json"
        ));
        assert_same("sleep360 (published)", &manifest, &published);
        assert_same(
            "sleep360 (published, via SDK)",
            &manifest,
            &as_read(&published),
        );
    }

    #[test]
    fn manifest_conveniences_compare_equal_to_what_aws_stores() {
        let mut manifest = parse(include_str!(
            "../../../tests/fixtures/task_definitions/fargate-webserver.json"
        ));
        manifest["cpu"] = json!("0.25 vCPU");
        manifest["memory"] = json!("0.5 GB");
        manifest["requiresCompatibilities"] = json!(["FARGATE", "EC2"]);
        let live = as_read(&registered_form(&manifest));
        assert_eq!(live["cpu"], "256");
        assert_eq!(live["memory"], "512");
        assert_same("fargate-webserver in vCPU and GB", &manifest, &live);
    }

    fn task(container: Value) -> Value {
        json!({"family": "web", "containerDefinitions": [container]})
    }

    fn fargate(container: Value) -> Value {
        json!({
            "family": "web", "cpu": "256", "memory": "512", "networkMode": "awsvpc",
            "requiresCompatibilities": ["FARGATE"], "containerDefinitions": [container]
        })
    }

    fn with(base: Value, members: Value) -> Value {
        let mut base = base;
        for (k, v) in members.as_object().unwrap() {
            base[k] = v.clone();
        }
        base
    }

    /// One case per rule: (rule, as the manifest writes it, as AWS or moto returns it).
    fn same_cases() -> Vec<(&'static str, Value, Value)> {
        let web = json!({"name": "web", "image": "nginx:1.27"});
        vec![
            (
                "response-only members are dropped",
                task(web.clone()),
                with(
                    task(web.clone()),
                    json!({
                        "taskDefinitionArn": "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:3",
                        "revision": 3, "status": "ACTIVE", "compatibilities": ["EC2"],
                        "requiresAttributes": [{"name": "ecs.capability.execution-role-awslogs"}],
                        "registeredAt": 1.7e9, "registeredBy": "arn:aws:iam::123456789012:root",
                        "deregisteredAt": 1.8e9, "deleteRequestedAt": 1.9e9
                    }),
                ),
            ),
            (
                "tags are compared elsewhere",
                with(
                    task(web.clone()),
                    json!({"tags": [{"key": "team", "value": "shop"}]}),
                ),
                task(web.clone()),
            ),
            (
                "enableFaultInjection false is the default",
                task(web.clone()),
                with(task(web.clone()), json!({"enableFaultInjection": false})),
            ),
            (
                "essential defaults to true",
                task(web.clone()),
                task(json!({"name": "web", "image": "nginx:1.27", "essential": true})),
            ),
            (
                "container cpu 0 is the default",
                task(web.clone()),
                task(json!({"name": "web", "image": "nginx:1.27", "cpu": 0})),
            ),
            (
                "empty lists and objects are absent",
                task(json!({
                    "name": "web", "image": "nginx:1.27",
                    "logConfiguration": {"logDriver": "awslogs"}
                })),
                with(
                    task(json!({
                        "name": "web", "image": "nginx:1.27", "environment": [], "mountPoints": [],
                        "volumesFrom": [], "systemControls": [], "secrets": [], "ulimits": [],
                        "portMappings": [], "dockerLabels": {}, "links": [], "command": [],
                        "logConfiguration": {"logDriver": "awslogs", "options": {}, "secretOptions": []}
                    })),
                    json!({"volumes": [], "placementConstraints": [], "inferenceAccelerators": []}),
                ),
            ),
            (
                "null members are absent",
                task(
                    json!({"name": "web", "image": "nginx:1.27", "user": null, "healthCheck": null}),
                ),
                with(
                    task(web.clone()),
                    json!({"taskRoleArn": null, "pidMode": null}),
                ),
            ),
            (
                "protocol defaults to tcp",
                task(
                    json!({"name": "web", "image": "nginx:1.27", "portMappings": [{"containerPort": 80}]}),
                ),
                task(
                    json!({"name": "web", "image": "nginx:1.27", "portMappings": [{"containerPort": 80, "protocol": "tcp"}]}),
                ),
            ),
            (
                "hostPort is the containerPort under awsvpc",
                fargate(
                    json!({"name": "web", "image": "nginx:1.27", "portMappings": [{"containerPort": 8080}]}),
                ),
                fargate(
                    json!({"name": "web", "image": "nginx:1.27", "portMappings": [{"containerPort": 8080, "hostPort": 8080}]}),
                ),
            ),
            (
                "hostPort is the containerPort under host",
                with(
                    task(
                        json!({"name": "web", "image": "nginx:1.27", "portMappings": [{"containerPort": 8080, "hostPort": 8080}]}),
                    ),
                    json!({"networkMode": "host"}),
                ),
                with(
                    task(
                        json!({"name": "web", "image": "nginx:1.27", "portMappings": [{"containerPort": 8080}]}),
                    ),
                    json!({"networkMode": "host"}),
                ),
            ),
            (
                "hostPort 0 is a dynamic port under bridge",
                task(
                    json!({"name": "web", "image": "nginx:1.27", "portMappings": [{"containerPort": 80}]}),
                ),
                task(
                    json!({"name": "web", "image": "nginx:1.27", "portMappings": [{"containerPort": 80, "hostPort": 0}]}),
                ),
            ),
            (
                "port mappings in any order",
                task(
                    json!({"name": "web", "image": "nginx:1.27", "portMappings": [{"containerPort": 443}, {"containerPort": 80}, {"containerPort": 53, "protocol": "udp"}]}),
                ),
                task(
                    json!({"name": "web", "image": "nginx:1.27", "portMappings": [{"containerPort": 53, "protocol": "udp"}, {"containerPort": 80}, {"containerPort": 443}]}),
                ),
            ),
            (
                "environment sorted by name",
                task(
                    json!({"name": "web", "image": "nginx:1.27", "environment": [{"name": "B", "value": "2"}, {"name": "A", "value": "1"}]}),
                ),
                task(
                    json!({"name": "web", "image": "nginx:1.27", "environment": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]}),
                ),
            ),
            (
                "secrets sorted by name",
                task(
                    json!({"name": "web", "image": "nginx:1.27", "secrets": [{"name": "Z", "valueFrom": "arn:z"}, {"name": "Y", "valueFrom": "arn:y"}]}),
                ),
                task(
                    json!({"name": "web", "image": "nginx:1.27", "secrets": [{"name": "Y", "valueFrom": "arn:y"}, {"name": "Z", "valueFrom": "arn:z"}]}),
                ),
            ),
            (
                "environment entries without a value are not registered",
                task(
                    json!({"name": "web", "image": "nginx:1.27", "environment": [{"name": "EMPTY", "value": ""}, {"name": "UNSET"}, {"name": "A", "value": "1"}]}),
                ),
                task(
                    json!({"name": "web", "image": "nginx:1.27", "environment": [{"name": "A", "value": "1"}]}),
                ),
            ),
            (
                "task cpu in vCPU is CPU units",
                with(
                    task(web.clone()),
                    json!({"cpu": "0.25 vCPU", "memory": "1 GB"}),
                ),
                with(task(web.clone()), json!({"cpu": "256", "memory": "1024"})),
            ),
            (
                "task cpu and memory: other spellings",
                with(task(web.clone()), json!({"cpu": "1 vcpu", "memory": "1GB"})),
                with(task(web.clone()), json!({"cpu": "1024", "memory": "1024"})),
            ),
            (
                "task cpu and memory in fractions",
                with(
                    task(web.clone()),
                    json!({"cpu": "0.5 VCPU", "memory": "512"}),
                ),
                with(task(web.clone()), json!({"cpu": "512", "memory": "0.5 GB"})),
            ),
            (
                "task cpu and memory as numbers are strings",
                with(task(web.clone()), json!({"cpu": 256, "memory": 512})),
                with(task(web.clone()), json!({"cpu": "256", "memory": "512"})),
            ),
            (
                "requiresCompatibilities sorted",
                with(
                    fargate(web.clone()),
                    json!({"requiresCompatibilities": ["FARGATE", "EC2"]}),
                ),
                with(
                    fargate(web.clone()),
                    json!({"requiresCompatibilities": ["EC2", "FARGATE"]}),
                ),
            ),
            (
                "networkMode defaults to bridge on EC2",
                task(web.clone()),
                with(task(web.clone()), json!({"networkMode": "bridge"})),
            ),
            (
                "networkMode defaults to bridge for EC2 and EXTERNAL",
                with(
                    task(web.clone()),
                    json!({"requiresCompatibilities": ["EXTERNAL", "EC2"]}),
                ),
                with(
                    task(web.clone()),
                    json!({"requiresCompatibilities": ["EC2", "EXTERNAL"], "networkMode": "bridge"}),
                ),
            ),
            (
                "networkMode is awsvpc on Fargate",
                with(
                    task(web.clone()),
                    json!({"requiresCompatibilities": ["FARGATE"]}),
                ),
                with(
                    task(web.clone()),
                    json!({"requiresCompatibilities": ["FARGATE"], "networkMode": "awsvpc"}),
                ),
            ),
            (
                "a bind-mount volume's empty host",
                with(task(web.clone()), json!({"volumes": [{"name": "scratch"}]})),
                with(
                    task(web.clone()),
                    json!({"volumes": [{"name": "scratch", "host": {}, "configuredAtLaunch": false}]}),
                ),
            ),
            (
                "docker volume defaults: task scope, no autoprovision, local driver",
                with(
                    task(web.clone()),
                    json!({"volumes": [{"name": "v", "dockerVolumeConfiguration": {"labels": {"a": "b"}}}]}),
                ),
                with(
                    task(web.clone()),
                    json!({"volumes": [{"name": "v", "dockerVolumeConfiguration": {"scope": "task", "autoprovision": false, "driver": "local", "labels": {"a": "b"}}}]}),
                ),
            ),
            (
                "efs defaults: root directory, no transit encryption, no IAM",
                with(
                    task(web.clone()),
                    json!({"volumes": [{"name": "v", "efsVolumeConfiguration": {"fileSystemId": "fs-1"}}]}),
                ),
                with(
                    task(web.clone()),
                    json!({"volumes": [{"name": "v", "efsVolumeConfiguration": {"fileSystemId": "fs-1", "rootDirectory": "/", "transitEncryption": "DISABLED", "authorizationConfig": {"iam": "DISABLED"}}}]}),
                ),
            ),
            (
                "volumes in any order",
                with(
                    task(web.clone()),
                    json!({"volumes": [{"name": "b"}, {"name": "a"}]}),
                ),
                with(
                    task(web.clone()),
                    json!({"volumes": [{"name": "a"}, {"name": "b"}]}),
                ),
            ),
            (
                "ulimits sorted by name",
                task(
                    json!({"name": "web", "image": "nginx:1.27", "ulimits": [{"name": "nproc", "softLimit": 1, "hardLimit": 2}, {"name": "nofile", "softLimit": 3, "hardLimit": 4}]}),
                ),
                task(
                    json!({"name": "web", "image": "nginx:1.27", "ulimits": [{"name": "nofile", "softLimit": 3, "hardLimit": 4}, {"name": "nproc", "softLimit": 1, "hardLimit": 2}]}),
                ),
            ),
            (
                "health check defaults",
                task(
                    json!({"name": "web", "image": "nginx:1.27", "healthCheck": {"command": ["CMD", "true"]}}),
                ),
                task(
                    json!({"name": "web", "image": "nginx:1.27", "healthCheck": {"command": ["CMD", "true"], "interval": 30, "timeout": 5, "retries": 3, "startPeriod": 0}}),
                ),
            ),
            (
                "mount points and volumesFrom are writable by default",
                task(
                    json!({"name": "web", "image": "nginx:1.27", "mountPoints": [{"sourceVolume": "v", "containerPath": "/data"}], "volumesFrom": [{"sourceContainer": "app"}]}),
                ),
                task(
                    json!({"name": "web", "image": "nginx:1.27", "mountPoints": [{"sourceVolume": "v", "containerPath": "/data", "readOnly": false}], "volumesFrom": [{"sourceContainer": "app", "readOnly": false}]}),
                ),
            ),
            (
                "container flags off by default",
                task(web.clone()),
                task(json!({
                    "name": "web", "image": "nginx:1.27", "privileged": false, "readonlyRootFilesystem": false,
                    "disableNetworking": false, "interactive": false, "pseudoTerminal": false,
                    "versionConsistency": "enabled", "linuxParameters": {"initProcessEnabled": false}
                })),
            ),
            (
                "a disabled restart policy is none",
                task(web.clone()),
                task(
                    json!({"name": "web", "image": "nginx:1.27", "restartPolicy": {"enabled": false, "ignoredExitCodes": [0]}}),
                ),
            ),
            (
                "proxy type APPMESH, properties by name",
                with(
                    task(web.clone()),
                    json!({"proxyConfiguration": {"containerName": "envoy", "properties": [{"name": "b", "value": "2"}, {"name": "a", "value": "1"}]}}),
                ),
                with(
                    task(web.clone()),
                    json!({"proxyConfiguration": {"type": "APPMESH", "containerName": "envoy", "properties": [{"name": "a", "value": "1"}, {"name": "b", "value": "2"}]}}),
                ),
            ),
            (
                "containers in any order",
                json!({"family": "web", "containerDefinitions": [{"name": "web", "image": "nginx"}, {"name": "app", "image": "app"}]}),
                json!({"family": "web", "containerDefinitions": [{"name": "app", "image": "app"}, {"name": "web", "image": "nginx"}]}),
            ),
            (
                "placement constraints in any order",
                with(
                    task(web.clone()),
                    json!({"placementConstraints": [{"type": "memberOf", "expression": "b"}, {"type": "memberOf", "expression": "a"}]}),
                ),
                with(
                    task(web.clone()),
                    json!({"placementConstraints": [{"expression": "a", "type": "memberOf"}, {"expression": "b", "type": "memberOf"}]}),
                ),
            ),
            (
                "capabilities and dependsOn as sets",
                task(
                    json!({"name": "web", "image": "nginx:1.27", "linuxParameters": {"capabilities": {"add": ["SYS_PTRACE", "NET_ADMIN"]}}, "dependsOn": [{"containerName": "b", "condition": "START"}, {"containerName": "a", "condition": "HEALTHY"}]}),
                ),
                task(
                    json!({"name": "web", "image": "nginx:1.27", "linuxParameters": {"capabilities": {"add": ["NET_ADMIN", "SYS_PTRACE"], "drop": []}}, "dependsOn": [{"containerName": "a", "condition": "HEALTHY"}, {"containerName": "b", "condition": "START"}]}),
                ),
            ),
            (
                "dockerLabels and log options: member order is no difference",
                task(
                    json!({"name": "web", "image": "nginx:1.27", "dockerLabels": {"b": "2", "a": "1"}}),
                ),
                task(
                    json!({"name": "web", "image": "nginx:1.27", "dockerLabels": {"a": "1", "b": "2"}}),
                ),
            ),
        ]
    }

    #[test]
    fn each_rule_makes_its_aws_default_compare_equal() {
        for (rule, manifest, live) in same_cases() {
            assert_same(rule, &manifest, &live);
            assert_same(rule, &live, &manifest);
        }
    }

    /// Real changes: (what, live, desired, the paths `differences` reports).
    fn different_cases() -> Vec<(&'static str, Value, Value, Vec<&'static str>)> {
        let env = |value: &str| {
            task(
                json!({"name": "web", "image": "nginx:1.27", "environment": [
                    {"name": "LOG_LEVEL", "value": "info"}, {"name": "API_URL", "value": value}
                ]}),
            )
        };
        vec![
            (
                "image tag change",
                fargate(json!({"name": "web", "image": "shop/web:1.0"})),
                fargate(json!({"name": "web", "image": "shop/web:1.1"})),
                vec!["containerDefinitions[0].image"],
            ),
            (
                "environment value change (manifest index)",
                env("https://a.example"),
                env("https://b.example"),
                vec!["containerDefinitions[0].environment[1].value"],
            ),
            (
                "task memory change",
                with(
                    fargate(json!({"name": "web", "image": "nginx"})),
                    json!({"memory": "512"}),
                ),
                with(
                    fargate(json!({"name": "web", "image": "nginx"})),
                    json!({"memory": "1 GB"}),
                ),
                vec!["memory"],
            ),
            (
                "added port",
                fargate(
                    json!({"name": "web", "image": "nginx", "portMappings": [{"containerPort": 80, "hostPort": 80, "protocol": "tcp"}]}),
                ),
                fargate(
                    json!({"name": "web", "image": "nginx", "portMappings": [{"containerPort": 80}, {"containerPort": 443}]}),
                ),
                vec!["containerDefinitions[0].portMappings[1]"],
            ),
            (
                "removed environment variable (live index)",
                task(
                    json!({"name": "web", "image": "nginx", "environment": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]}),
                ),
                task(
                    json!({"name": "web", "image": "nginx", "environment": [{"name": "A", "value": "1"}]}),
                ),
                vec!["containerDefinitions[0].environment[1]"],
            ),
            (
                "a container's image, at its manifest index",
                json!({"family": "web", "containerDefinitions": [{"name": "app", "image": "app:1"}, {"name": "web", "image": "nginx:1"}]}),
                json!({"family": "web", "containerDefinitions": [{"name": "web", "image": "nginx:2"}, {"name": "app", "image": "app:1"}]}),
                vec!["containerDefinitions[0].image"],
            ),
            (
                "removed container",
                json!({"family": "web", "containerDefinitions": [{"name": "web", "image": "nginx"}, {"name": "sidecar", "image": "envoy"}]}),
                json!({"family": "web", "containerDefinitions": [{"name": "web", "image": "nginx"}]}),
                vec!["containerDefinitions[1]"],
            ),
            (
                "essential false",
                task(json!({"name": "web", "image": "nginx", "essential": true})),
                task(json!({"name": "web", "image": "nginx", "essential": false})),
                vec!["containerDefinitions[0].essential"],
            ),
            (
                "a fixed host port under bridge is not the dynamic default",
                task(
                    json!({"name": "web", "image": "nginx", "portMappings": [{"containerPort": 80}]}),
                ),
                task(
                    json!({"name": "web", "image": "nginx", "portMappings": [{"containerPort": 80, "hostPort": 80}]}),
                ),
                vec!["containerDefinitions[0].portMappings[0].hostPort"],
            ),
            (
                "awsvpc instead of the default bridge",
                task(json!({"name": "web", "image": "nginx"})),
                with(
                    task(json!({"name": "web", "image": "nginx"})),
                    json!({"networkMode": "awsvpc"}),
                ),
                vec!["networkMode"],
            ),
            (
                "environment files keep their order (the first file wins)",
                task(
                    json!({"name": "web", "image": "nginx", "environmentFiles": [{"type": "s3", "value": "arn:aws:s3:::b/a.env"}, {"type": "s3", "value": "arn:aws:s3:::b/b.env"}]}),
                ),
                task(
                    json!({"name": "web", "image": "nginx", "environmentFiles": [{"type": "s3", "value": "arn:aws:s3:::b/b.env"}, {"type": "s3", "value": "arn:aws:s3:::b/a.env"}]}),
                ),
                vec![
                    "containerDefinitions[0].environmentFiles[0].value",
                    "containerDefinitions[0].environmentFiles[1].value",
                ],
            ),
            (
                "command keeps its order",
                task(json!({"name": "web", "image": "nginx", "command": ["a", "b"]})),
                task(json!({"name": "web", "image": "nginx", "command": ["b", "a"]})),
                vec![
                    "containerDefinitions[0].command[0]",
                    "containerDefinitions[0].command[1]",
                ],
            ),
            (
                "a longer command is one change",
                task(json!({"name": "web", "image": "nginx", "command": ["a"]})),
                task(json!({"name": "web", "image": "nginx", "command": ["a", "b"]})),
                vec!["containerDefinitions[0].command"],
            ),
            (
                "read-only root filesystem turned on",
                task(json!({"name": "web", "image": "nginx"})),
                task(json!({"name": "web", "image": "nginx", "readonlyRootFilesystem": true})),
                vec!["containerDefinitions[0].readonlyRootFilesystem"],
            ),
        ]
    }

    #[test]
    fn real_changes_are_differences_at_manifest_paths() {
        for (what, live, desired, paths) in different_cases() {
            assert_ne!(
                normalize(&live),
                normalize(&desired),
                "{what}: compared equal"
            );
            let found = differences(&live, &desired);
            let found_paths: Vec<&str> = found.iter().map(|(p, _, _)| p.as_str()).collect();
            assert_eq!(found_paths, paths, "{what}: {found:?}");
        }
    }

    #[test]
    fn differences_carry_normalized_before_and_after() {
        let live = with(
            fargate(
                json!({"name": "web", "image": "nginx", "portMappings": [{"containerPort": 80, "hostPort": 80, "protocol": "tcp"}]}),
            ),
            json!({"memory": "512"}),
        );
        let desired = with(
            fargate(
                json!({"name": "web", "image": "nginx", "portMappings": [{"containerPort": 80}, {"containerPort": 443}]}),
            ),
            json!({"memory": "1 GB"}),
        );
        assert_eq!(
            differences(&live, &desired),
            vec![
                (
                    "containerDefinitions[0].portMappings[1]".to_string(),
                    Value::Null,
                    json!({"containerPort": 443})
                ),
                ("memory".to_string(), json!("512"), json!("1024")),
            ]
        );
    }

    #[test]
    fn a_real_change_to_a_published_definition_is_one_difference() {
        let manifest = parse(include_str!(
            "../../../tests/fixtures/task_definitions/awslogs-wordpress-mysql.json"
        ));
        let live = as_read(&registered_form(&manifest));
        let mut changed = manifest.clone();
        changed["containerDefinitions"][1]["environment"][0]["value"] = json!("s3cret");
        assert_eq!(
            differences(&live, &changed),
            vec![(
                "containerDefinitions[1].environment[0].value".to_string(),
                json!("password"),
                json!("s3cret")
            )]
        );
    }

    #[test]
    fn task_cpu_and_memory_units() {
        let cases = [
            (json!("0.25 vCPU"), Some("256")),
            (json!("1 vCPU"), Some("1024")),
            (json!("2vcpu"), Some("2048")),
            (json!(" 512 "), Some("512")),
            (json!(1024), Some("1024")),
            (json!("0.1 vCPU"), None), // 102.4 units: left for validation to report
            (json!("lots"), None),
            (json!("-1 vCPU"), None),
        ];
        for (value, expected) in cases {
            assert_eq!(cpu_units(&value), expected.map(|e| json!(e)), "cpu {value}");
        }
        let cases = [
            (json!("1 GB"), Some("1024")),
            (json!("1GB"), Some("1024")),
            (json!("0.5 GB"), Some("512")),
            (json!("512 MiB"), None), // not a unit AWS takes
            (json!("3072"), Some("3072")),
            (json!("1 TB"), None),
        ];
        for (value, expected) in cases {
            assert_eq!(
                memory_mib(&value),
                expected.map(|e| json!(e)),
                "memory {value}"
            );
        }
    }

    fn schema_members(schema: &aws_smithy_schema::Schema<'_>) -> BTreeSet<String> {
        schema
            .members()
            .iter()
            .filter_map(|m| m.member_name().map(str::to_string))
            .collect()
    }

    #[test]
    fn read_only_members_are_exactly_what_describe_adds_to_the_register_input() {
        use aws_sdk_ecs::operation::register_task_definition::RegisterTaskDefinitionInput;
        let described = schema_members(TaskDefinition::SCHEMA);
        let input = schema_members(RegisterTaskDefinitionInput::SCHEMA);
        let response_only: BTreeSet<String> = described.difference(&input).cloned().collect();
        let listed: BTreeSet<String> = READ_ONLY.iter().map(|m| m.to_string()).collect();
        assert_eq!(response_only, listed);
        let input_only: Vec<&String> = input.difference(&described).collect();
        assert_eq!(input_only, vec!["tags"], "tags: compared elsewhere");
    }

    #[test]
    #[allow(deprecated)] // InferenceAccelerator: still a member of the API shapes
    fn every_table_names_real_api_members() {
        use aws_sdk_ecs::types::*;
        let shapes: Vec<(&str, &aws_smithy_schema::Schema<'static>)> = vec![
            ("task", TaskDefinition::SCHEMA),
            ("containerDefinitions", ContainerDefinition::SCHEMA),
            ("portMappings", PortMapping::SCHEMA),
            ("healthCheck", HealthCheck::SCHEMA),
            ("mountPoints", MountPoint::SCHEMA),
            ("volumesFrom", VolumeFrom::SCHEMA),
            ("linuxParameters", LinuxParameters::SCHEMA),
            ("volumes", Volume::SCHEMA),
            (
                "dockerVolumeConfiguration",
                DockerVolumeConfiguration::SCHEMA,
            ),
            ("efsVolumeConfiguration", EfsVolumeConfiguration::SCHEMA),
            ("authorizationConfig", EfsAuthorizationConfig::SCHEMA),
            ("proxyConfiguration", ProxyConfiguration::SCHEMA),
            ("logConfiguration", LogConfiguration::SCHEMA),
            ("capabilities", KernelCapabilities::SCHEMA),
            ("environment", KeyValuePair::SCHEMA),
            ("properties", KeyValuePair::SCHEMA),
            ("secrets", Secret::SCHEMA),
            ("secretOptions", Secret::SCHEMA),
            ("ulimits", Ulimit::SCHEMA),
            ("systemControls", SystemControl::SCHEMA),
            ("resourceRequirements", ResourceRequirement::SCHEMA),
            ("dependsOn", ContainerDependency::SCHEMA),
            ("inferenceAccelerators", InferenceAccelerator::SCHEMA),
        ];
        let shape = |name: &str| {
            shapes
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, s)| schema_members(s))
                .unwrap_or_else(|| panic!("no shape for {name}"))
        };
        let check = |owner: &str, member: &str| {
            assert!(
                shape(owner).contains(member),
                "{owner} has no member {member}"
            );
        };
        let mut defaults: Vec<(&str, Defaults)> = vec![
            ("task", TASK_DEFAULTS),
            ("containerDefinitions", CONTAINER_DEFAULTS),
            ("volumes", VOLUME_DEFAULTS),
            ("authorizationConfig", EFS_AUTHORIZATION_DEFAULTS),
            ("proxyConfiguration", PROXY_CONFIGURATION_DEFAULTS),
        ];
        defaults.extend(CONTAINER_MEMBER_DEFAULTS.iter().copied());
        defaults.extend(VOLUME_MEMBER_DEFAULTS.iter().copied());
        for (owner, table) in defaults {
            for (member, _) in table {
                check(owner, member);
            }
        }
        for (member, _) in CONTAINER_MEMBER_DEFAULTS {
            check("containerDefinitions", member);
        }
        for (member, _) in VOLUME_MEMBER_DEFAULTS {
            check("volumes", member);
        }
        let unordered = [
            ("task", TASK_UNORDERED),
            ("containerDefinitions", CONTAINER_UNORDERED),
            ("logConfiguration", LOG_CONFIGURATION_UNORDERED),
            ("capabilities", CAPABILITIES_UNORDERED),
            ("proxyConfiguration", PROXY_CONFIGURATION_UNORDERED),
        ];
        for (owner, table) in unordered {
            for (member, key) in table {
                check(owner, member);
                if let Key::Member(key) = key {
                    check(member, key);
                }
            }
        }
    }

    // ------------------------------------------------------------------ idempotence

    const KEYS: &[&str] = &[
        "containerDefinitions",
        "name",
        "image",
        "environment",
        "value",
        "secrets",
        "valueFrom",
        "portMappings",
        "containerPort",
        "hostPort",
        "protocol",
        "containerPortRange",
        "networkMode",
        "requiresCompatibilities",
        "cpu",
        "memory",
        "essential",
        "healthCheck",
        "interval",
        "timeout",
        "retries",
        "startPeriod",
        "volumes",
        "host",
        "sourcePath",
        "efsVolumeConfiguration",
        "rootDirectory",
        "transitEncryption",
        "authorizationConfig",
        "iam",
        "dockerVolumeConfiguration",
        "scope",
        "autoprovision",
        "driver",
        "configuredAtLaunch",
        "mountPoints",
        "containerPath",
        "sourceVolume",
        "readOnly",
        "volumesFrom",
        "sourceContainer",
        "ulimits",
        "systemControls",
        "namespace",
        "resourceRequirements",
        "type",
        "dependsOn",
        "containerName",
        "tags",
        "key",
        "revision",
        "status",
        "taskDefinitionArn",
        "compatibilities",
        "restartPolicy",
        "enabled",
        "proxyConfiguration",
        "properties",
        "linuxParameters",
        "capabilities",
        "add",
        "drop",
        "initProcessEnabled",
        "logConfiguration",
        "secretOptions",
        "options",
        "placementConstraints",
        "inferenceAccelerators",
        "deviceName",
        "enableFaultInjection",
        "privileged",
        "versionConsistency",
        "environmentFiles",
        "command",
        "family",
        "dockerLabels",
    ];

    const TEXTS: &[&str] = &[
        "",
        "tcp",
        "udp",
        "awsvpc",
        "bridge",
        "host",
        "FARGATE",
        "EC2",
        "EXTERNAL",
        "MANAGED_INSTANCES",
        "0.25 vCPU",
        "1 vcpu",
        "1 GB",
        "512 MiB",
        "0.1 GB",
        "256",
        " 512 ",
        "task",
        "shared",
        "local",
        "/",
        "DISABLED",
        "ENABLED",
        "APPMESH",
        "enabled",
        "web",
        "app",
        "A",
        "B",
        "1e3",
        "inf vCPU",
        "-1 GB",
        "80",
    ];

    fn leaf() -> impl Strategy<Value = Value> {
        prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            prop::sample::select(vec![0i64, 3, 5, 30, 80, 443, 256, 1024, -1])
                .prop_map(|n| json!(n)),
            prop::sample::select(vec![0.0f64, 30.0, 0.5, 80.0]).prop_map(|n| json!(n)),
            prop::sample::select(TEXTS).prop_map(|s| json!(s)),
        ]
    }

    fn object_of(
        keys: &'static [&'static str],
        member: impl Strategy<Value = Value>,
        size: std::ops::Range<usize>,
    ) -> impl Strategy<Value = Value> {
        prop::collection::vec((prop::sample::select(keys), member), size).prop_map(|members| {
            Value::Object(
                members
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v))
                    .collect(),
            )
        })
    }

    fn any_value() -> impl Strategy<Value = Value> {
        leaf().prop_recursive(4, 48, 5, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                object_of(KEYS, inner, 0..6),
            ]
        })
    }

    /// Task-shaped: containers with members from the vocabulary, holding anything.
    fn any_task() -> impl Strategy<Value = Value> {
        let container = object_of(KEYS, any_value(), 0..10);
        (
            prop::collection::vec(container, 0..4),
            object_of(KEYS, any_value(), 0..8),
        )
            .prop_map(|(containers, mut task)| {
                task["containerDefinitions"] = Value::Array(containers);
                task
            })
    }

    proptest! {
        #[test]
        fn normalize_is_idempotent(td in any_value()) {
            let once = normalize(&td);
            prop_assert_eq!(normalize(&once), once.clone());
            prop_assert!(differences(&once, &td).is_empty());
        }

        #[test]
        fn normalize_is_idempotent_on_task_shapes(td in any_task()) {
            let once = normalize(&td);
            prop_assert_eq!(&normalize(&once), &once);
            prop_assert_eq!(normalize(&once).to_string(), once.to_string());
            prop_assert!(differences(&td, &once).is_empty());
        }
    }

    #[test]
    fn published_definitions_normalize_idempotently() {
        for (name, text) in FIXTURES {
            let once = normalize(&parse(text));
            assert_eq!(normalize(&once), once, "{name}");
        }
    }
}
