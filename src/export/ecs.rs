//! What exporting the three ECS kinds shares, PURE: member maps, ordering members as the
//! API documents them, and tags in the manifest's form. Each kind's export lives in its
//! folder (`kinds/cluster/export.rs`, ...): the API input shape the manifest uses, less
//! what AWS reports on its own — the same rules that make a converged plan empty. The
//! tests here export the three together.

use crate::export::scope::user_tags;
use crate::manifest::model::ApiObject;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// Service members by name, in AWS's shape.
pub(crate) type Members = BTreeMap<String, Value>;

/// The value without nulls and without empty lists and objects (AWS reports unset
/// members that way); None when nothing is left.
pub(crate) fn compact(value: &Value) -> Option<Value> {
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
pub(crate) fn ordered(mut object: Map<String, Value>, order: &[&str]) -> Map<String, Value> {
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
pub(crate) fn insert_tags(object: &mut ApiObject, tags: &BTreeMap<String, String>) {
    if let Some(tags) = user_tags(tags) {
        object.insert("tags".into(), json!(tags));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::scope::Scope;
    use crate::kinds::cluster::export::cluster;
    use crate::kinds::service::export::service;
    use crate::kinds::task_definition::export::task_definition;
    use crate::live::{LiveCluster, LiveService, LiveTaskDefinition};
    use serde_json::json;

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
