//! ECS clusters, task definitions and services as manifest entries, PURE. Each is the
//! API input shape the manifest uses, less what AWS reports on its own (read-only
//! members, filled-in defaults) — the same rules that make a converged plan empty:
//! `task_definition_normalize` for task definitions, `service::with_defaults` for
//! services. References to exported objects become names: roles, image repositories,
//! a service's task definition family.

use super::{Scope, user_tags};
use crate::kinds::service::{MANAGED_MEMBERS, live_members, with_defaults};
use crate::kinds::task_definition::normalize::normalize;
use crate::kinds::task_definition::short_arn;
use crate::live::{LiveCluster, LiveService, LiveTaskDefinition};
use crate::manifest::model::ApiObject;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

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

pub fn cluster(live: &LiveCluster) -> ApiObject {
    let doc = &live.document;
    let mut out = ApiObject::new();
    // AWS reports containerInsights "disabled" when nobody set it; the plan reads an
    // absent setting the same way.
    let settings: Vec<Value> = doc["settings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|s| !(s["name"] == "containerInsights" && s["value"] == "disabled"))
        .filter_map(compact)
        .collect();
    if !settings.is_empty() {
        out.insert("settings".into(), Value::Array(settings));
    }
    for member in [
        "configuration",
        "capacityProviders",
        "serviceConnectDefaults",
    ] {
        if let Some(value) = doc.get(member).and_then(compact) {
            out.insert(member.into(), value);
        }
    }
    // `base: 0` is AWS's default for a strategy item.
    let strategy: Vec<Value> = doc["defaultCapacityProviderStrategy"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(compact)
        .map(|mut item| {
            if item["base"] == json!(0)
                && let Some(map) = item.as_object_mut()
            {
                map.remove("base");
            }
            item
        })
        .collect();
    if !strategy.is_empty() {
        out.insert(
            "defaultCapacityProviderStrategy".into(),
            Value::Array(strategy),
        );
    }
    insert_tags(&mut out, &live.tags);
    out
}

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

pub fn service(live: &LiveService, scope: &Scope) -> ApiObject {
    let mut members: BTreeMap<String, Value> = live_members(&live.document)
        .into_iter()
        .filter_map(|(k, v)| compact(&v).map(|v| (k, v)))
        .collect();
    // ENABLED is what CreateService gives a service that does not say (see
    // `service::COMPARED_WHEN_STATED`); DISABLED is worth writing down.
    if members.get("availabilityZoneRebalancing") == Some(&json!("ENABLED")) {
        members.remove("availabilityZoneRebalancing");
    }
    // ECS's service-linked role is what a service without `role` uses; it cannot be given.
    if members
        .get("role")
        .and_then(Value::as_str)
        .is_some_and(|arn| arn.contains(":role/aws-service-role/"))
    {
        members.remove("role");
    }
    if let Some(Value::String(arn)) = members.get("taskDefinition") {
        let short = short_arn(arn).to_string();
        // The family alone means its latest ACTIVE revision: use it when that is the one
        // the service runs and the family is exported too.
        let family = short
            .rsplit_once(':')
            .filter(|(family, revision)| {
                scope.families.get(*family).map(i64::to_string).as_deref() == Some(revision)
            })
            .map(|(family, _)| family.to_string());
        members.insert("taskDefinition".into(), json!(family.unwrap_or(short)));
    }
    let fargate = members.get("launchType") == Some(&json!("FARGATE"));
    let members = without_defaults(members, fargate);
    let mut out = ApiObject::new();
    out.insert("cluster".into(), json!(live.cluster));
    // CreateService's order, as `MANAGED_MEMBERS` lists it.
    for key in MANAGED_MEMBERS {
        if let Some(value) = members.get(*key) {
            out.insert(key.to_string(), value.clone());
        }
    }
    insert_tags(&mut out, &live.tags);
    out
}

/// Service members by name, in AWS's shape.
type Members = BTreeMap<String, Value>;

/// Leaves out every member (at any depth) that `with_defaults` would fill back in with
/// the same value, so the manifest says only what differs from AWS's defaults.
fn without_defaults(members: Members, fargate: bool) -> Members {
    let target = filled(&members, fargate);
    let mut out = members;
    strip(&mut out, &[], fargate, &target);
    out
}

fn filled(members: &Members, fargate: bool) -> Members {
    let mut members = members.clone();
    with_defaults(&mut members, fargate);
    members
}

/// Removes each member at `path` whose removal `with_defaults` undoes; for one that is
/// not a default as a whole, tries its own members.
fn strip(members: &mut Members, path: &[String], fargate: bool, target: &Members) {
    let keys: Vec<String> = if path.is_empty() {
        members.keys().cloned().collect()
    } else {
        match at(members, path) {
            Some(Value::Object(map)) => map.keys().cloned().collect(),
            _ => return,
        }
    };
    for key in keys {
        let mut trial = members.clone();
        if path.is_empty() {
            trial.remove(&key);
        } else if let Some(Value::Object(map)) = at_mut(&mut trial, path) {
            map.remove(&key);
        }
        if filled(&trial, fargate) == *target {
            *members = trial;
        } else {
            let mut deeper = path.to_vec();
            deeper.push(key);
            strip(members, &deeper, fargate, target);
        }
    }
}

fn at<'a>(members: &'a Members, path: &[String]) -> Option<&'a Value> {
    let (first, rest) = path.split_first()?;
    rest.iter()
        .try_fold(members.get(first)?, |value, key| value.get(key))
}

fn at_mut<'a>(members: &'a mut Members, path: &[String]) -> Option<&'a mut Value> {
    let (first, rest) = path.split_first()?;
    rest.iter()
        .try_fold(members.get_mut(first)?, |value, key| value.get_mut(key))
}

/// The value without nulls and without empty lists and objects (AWS reports unset
/// members that way); None when nothing is left.
pub(super) fn compact(value: &Value) -> Option<Value> {
    match value {
        Value::Null => None,
        Value::Array(items) => {
            let items: Vec<Value> = items.iter().filter_map(compact).collect();
            (!items.is_empty()).then_some(Value::Array(items))
        }
        Value::Object(map) => {
            let map: Map<String, Value> = map
                .iter()
                .filter_map(|(k, v)| compact(v).map(|v| (k.clone(), v)))
                .collect();
            (!map.is_empty()).then_some(Value::Object(map))
        }
        other => Some(other.clone()),
    }
}

/// `object` with the members `order` names first, in that order, then the rest by name.
fn ordered(mut object: Map<String, Value>, order: &[&str]) -> Map<String, Value> {
    let mut out = Map::new();
    for key in order {
        if let Some(value) = object.shift_remove(*key) {
            out.insert(key.to_string(), value);
        }
    }
    let mut rest: Vec<(String, Value)> = object.into_iter().collect();
    rest.sort_by(|a, b| a.0.cmp(&b.0));
    out.extend(rest);
    out
}

/// ECS objects take their tags as a map in the manifest.
fn insert_tags(object: &mut ApiObject, tags: &BTreeMap<String, String>) {
    if let Some(tags) = user_tags(tags) {
        object.insert("tags".into(), json!(tags));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope() -> Scope {
        Scope {
            account_id: "123456789012".into(),
            region: "eu-west-1".into(),
            roles: BTreeMap::from([("task-execution".to_string(), "/".to_string())]),
            repositories: BTreeMap::from([(
                "shop/web".to_string(),
                "123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/web".to_string(),
            )]),
            families: BTreeMap::from([("web".to_string(), 3)]),
        }
    }

    #[test]
    fn a_task_definition_loses_what_aws_filled_in_and_names_what_is_exported() {
        let live = LiveTaskDefinition {
            family: "web".into(),
            revision: 3,
            document: json!({
                "taskDefinitionArn": "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:3",
                "family": "web", "revision": 3, "status": "ACTIVE",
                "compatibilities": ["EC2", "FARGATE"],
                "requiresAttributes": [{"name": "com.amazonaws.ecs.capability.ecr-auth"}],
                "registeredAt": 1_700_000_000.0, "registeredBy": "arn:aws:iam::123456789012:root",
                "cpu": "256", "memory": "512", "networkMode": "awsvpc",
                "requiresCompatibilities": ["FARGATE"],
                "executionRoleArn": "arn:aws:iam::123456789012:role/task-execution",
                "taskRoleArn": "arn:aws:iam::123456789012:role/someone-elses",
                "volumes": [], "placementConstraints": [],
                "containerDefinitions": [{
                    "name": "web", "essential": true, "cpu": 0,
                    "image": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/web:v1",
                    "portMappings": [{"containerPort": 8080, "hostPort": 8080, "protocol": "tcp"}],
                    "environment": [], "mountPoints": [], "volumesFrom": []
                }]
            }),
            tags: BTreeMap::from([("team".into(), "shop".into())]),
            ..LiveTaskDefinition::default()
        };
        let td = task_definition(&live, &scope());
        assert_eq!(
            Value::Object(td),
            json!({
                "cpu": "256", "memory": "512", "networkMode": "awsvpc",
                "requiresCompatibilities": ["FARGATE"],
                "executionRole": "task-execution",
                "taskRoleArn": "arn:aws:iam::123456789012:role/someone-elses",
                "containerDefinitions": [{
                    "name": "web",
                    "image": {"repository": "shop/web", "tag": "v1"},
                    "portMappings": [{"containerPort": 8080}]
                }],
                "tags": {"team": "shop"}
            })
        );
    }

    #[test]
    fn a_service_keeps_only_what_differs_from_aws_defaults() {
        let live = LiveService {
            name: "web".into(),
            cluster: "shop".into(),
            status: "ACTIVE".into(),
            document: json!({
                "serviceName": "web", "status": "ACTIVE", "runningCount": 2, "pendingCount": 0,
                "taskDefinition": "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:3",
                "desiredCount": 2, "launchType": "FARGATE", "platformVersion": "LATEST",
                "schedulingStrategy": "REPLICA", "deploymentController": {"type": "ECS"},
                "enableExecuteCommand": false, "enableECSManagedTags": false, "propagateTags": "NONE",
                "healthCheckGracePeriodSeconds": 0, "loadBalancers": [], "serviceRegistries": [],
                "deploymentConfiguration": {
                    "maximumPercent": 200, "minimumHealthyPercent": 100,
                    "deploymentCircuitBreaker": {"enable": true, "rollback": false}
                },
                "networkConfiguration": {"awsvpcConfiguration": {
                    "subnets": ["subnet-b", "subnet-a"], "securityGroups": ["sg-1"], "assignPublicIp": "DISABLED"}},
                "events": [{"message": "has reached a steady state"}]
            }),
            tags: BTreeMap::from([("wharf:stack".into(), "other".into())]),
            ..LiveService::default()
        };
        let svc = service(&live, &scope());
        assert_eq!(
            Value::Object(svc),
            json!({
                "cluster": "shop",
                "taskDefinition": "web",
                "desiredCount": 2,
                "launchType": "FARGATE",
                "networkConfiguration": {"awsvpcConfiguration": {
                    "subnets": ["subnet-b", "subnet-a"], "securityGroups": ["sg-1"]}},
                "deploymentConfiguration": {"deploymentCircuitBreaker": {"enable": true}}
            })
        );
    }

    #[test]
    fn a_service_on_an_older_revision_names_it() {
        let live = LiveService {
            name: "web".into(),
            cluster: "shop".into(),
            document: json!({"taskDefinition": "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:2", "desiredCount": 1}),
            ..LiveService::default()
        };
        assert_eq!(service(&live, &scope())["taskDefinition"], "web:2");
    }

    #[test]
    fn a_cluster_at_its_defaults_is_empty() {
        let live = LiveCluster {
            name: "shop".into(),
            document: json!({
                "clusterName": "shop", "status": "ACTIVE", "runningTasksCount": 0,
                "settings": [{"name": "containerInsights", "value": "disabled"}],
                "capacityProviders": [], "defaultCapacityProviderStrategy": [], "configuration": null
            }),
            ..LiveCluster::default()
        };
        assert!(cluster(&live).is_empty());
        let live = LiveCluster {
            document: json!({
                "settings": [{"name": "containerInsights", "value": "enabled"}],
                "capacityProviders": ["FARGATE"],
                "defaultCapacityProviderStrategy": [{"capacityProvider": "FARGATE", "weight": 1, "base": 0}]
            }),
            ..live
        };
        assert_eq!(
            Value::Object(cluster(&live)),
            json!({
                "settings": [{"name": "containerInsights", "value": "enabled"}],
                "capacityProviders": ["FARGATE"],
                "defaultCapacityProviderStrategy": [{"capacityProvider": "FARGATE", "weight": 1}]
            })
        );
    }
}
