//! Each rule of the AWS-behaviour layer on its own: a service as moto answers it, the
//! memory of what CreateService/UpdateService asked, and the service as AWS answers it.
//! Then whole calls through `AwsBehaviour::handle` against a scripted emulator.

use crate::common::aws_behaviour::*;
use serde_json::{Value, json};
use std::sync::Mutex;

const SERVICE_ARN: &str = "arn:aws:ecs:eu-west-1:123456789012:service/shop/web";
const CLUSTER_ARN: &str = "arn:aws:ecs:eu-west-1:123456789012:cluster/shop";
const TD1: &str = "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:1";
const TD2: &str = "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:2";

/// A service the way moto 5.2.5 answers DescribeServices for `create-service` without
/// deploymentConfiguration, networkConfiguration or launchType.
fn moto_service() -> Value {
    json!({
        "serviceArn": SERVICE_ARN,
        "serviceName": "web",
        "clusterArn": CLUSTER_ARN,
        "loadBalancers": [],
        "serviceRegistries": [],
        "status": "ACTIVE",
        "desiredCount": 1,
        "runningCount": 2,
        "pendingCount": -1,
        "launchType": "EC2",
        "taskDefinition": TD1,
        "taskSets": [],
        "deployments": [{
            "id": "ecs-svc/1111111111111111111",
            "status": "PRIMARY",
            "taskDefinition": TD1,
            "desiredCount": 1,
            "pendingCount": -1,
            "runningCount": 2,
            "failedTasks": 0,
            "createdAt": 1700000000.0,
            "updatedAt": 1700000000.0,
            "launchType": "EC2",
            "platformFamily": "EC2",
            "rolloutState": "COMPLETED",
            "rolloutStateReason": "ECS deployment ecs-svc/1111111111111111111 completed."
        }],
        "events": [],
        "networkConfiguration": {},
        "schedulingStrategy": "REPLICA",
        "deploymentController": {"type": "ECS"},
        "tags": [],
        "propagateTags": "NONE"
    })
}

fn remembering(members: Value) -> ServiceMemory {
    ServiceMemory {
        arn: SERVICE_ARN.into(),
        name: "web".into(),
        cluster_arn: CLUSTER_ARN.into(),
        members: members.as_object().cloned().unwrap_or_default(),
        ..ServiceMemory::default()
    }
}

fn applied(rule: fn(&mut Value, &ServiceMemory), memory: &ServiceMemory) -> Value {
    let mut service = moto_service();
    rule(&mut service, memory);
    service
}

#[test]
fn every_rule_is_named_documented_and_applied() {
    let mut names: Vec<&str> = RULES.iter().map(|r| r.name).collect();
    names.sort();
    let before = names.len();
    names.dedup();
    assert_eq!(before, names.len(), "rule names are unique");
    for r in RULES {
        assert!(
            r.source.contains("API") || r.source.contains("guide"),
            "{} names its AWS source: {}",
            r.name,
            r.source
        );
        assert!(!r.behaviour.is_empty(), "{}", r.name);
    }
    // Every rule apply_rules runs is listed in RULES: turning each off leaves a different
    // answer than with all on, or the rule does not touch this service.
    let memory = remembering(json!({}));
    let asked = Mutex::new(Vec::new());
    let mut all = moto_service();
    apply_rules(&mut all, &memory, &|name| {
        asked.lock().unwrap().push(name.to_string());
        true
    });
    let asked = asked.into_inner().unwrap();
    for name in &asked {
        let _ = rule(name); // panics on a name RULES does not list
    }
    // Rules that rewrite other operations than DescribeServices, tested end to end.
    let request_side = [
        "task_definition_arn",
        "service_deployments_api",
        "task_definition_network_mode",
        "deployment_stages",
        "stop_service_deployment",
        "capacity_providers_listed",
        "managed_instances_providers",
        "assume_role_trust",
        "lifecycle_archive_rules",
        "registry_supply_chain_apis",
        "inspector_ecr_configuration",
    ];
    for r in RULES {
        assert!(
            asked.iter().any(|a| a == r.name) || request_side.contains(&r.name),
            "{} is applied",
            r.name
        );
    }
    assert!(rules_markdown().contains("`launch_type_default`"));
}

#[test]
fn kept_as_created_reports_what_create_service_set() {
    let memory = remembering(json!({
        "deploymentConfiguration": {"maximumPercent": 150, "minimumHealthyPercent": 50,
            "deploymentCircuitBreaker": {"enable": true, "rollback": true}},
        "healthCheckGracePeriodSeconds": 30,
        "enableECSManagedTags": true,
        "enableExecuteCommand": true,
        "placementStrategy": [{"type": "spread", "field": "attribute:ecs.availability-zone"}],
    }));
    let service = applied(kept_as_created, &memory);
    assert_eq!(service["deploymentConfiguration"]["maximumPercent"], 150);
    assert_eq!(
        service["deploymentConfiguration"]["deploymentCircuitBreaker"]["rollback"],
        true
    );
    assert_eq!(service["healthCheckGracePeriodSeconds"], 30);
    assert_eq!(service["enableECSManagedTags"], true);
    assert_eq!(service["enableExecuteCommand"], true);
    assert_eq!(service["placementStrategy"][0]["type"], "spread");
    // Not given: AWS's documented default grace period, and the booleans as false.
    let service = applied(kept_as_created, &remembering(json!({})));
    assert_eq!(service["healthCheckGracePeriodSeconds"], 0);
    assert_eq!(service["enableECSManagedTags"], false);
    assert_eq!(service["enableExecuteCommand"], false);
    assert_eq!(service.get("deploymentConfiguration"), None);
}

#[test]
fn deployment_configuration_defaults_fill_percentages_and_the_breaker() {
    let memory = remembering(json!({}));
    let service = applied(deployment_configuration_defaults, &memory);
    assert_eq!(
        service["deploymentConfiguration"],
        json!({"maximumPercent": 200, "minimumHealthyPercent": 100,
               "deploymentCircuitBreaker": {"enable": false, "rollback": false}})
    );
    let mut daemon = moto_service();
    daemon["schedulingStrategy"] = json!("DAEMON");
    deployment_configuration_defaults(&mut daemon, &memory);
    assert_eq!(daemon["deploymentConfiguration"]["maximumPercent"], 100);
    assert_eq!(
        daemon["deploymentConfiguration"]["minimumHealthyPercent"],
        0
    );
    let mut code_deploy = moto_service();
    code_deploy["deploymentController"] = json!({"type": "CODE_DEPLOY"});
    deployment_configuration_defaults(&mut code_deploy, &memory);
    assert_eq!(
        code_deploy["deploymentConfiguration"].get("deploymentCircuitBreaker"),
        None
    );
    // Given members stay as given.
    let mut given = moto_service();
    given["deploymentConfiguration"] =
        json!({"maximumPercent": 100, "deploymentCircuitBreaker": {"enable": true}});
    deployment_configuration_defaults(&mut given, &memory);
    assert_eq!(
        given["deploymentConfiguration"],
        json!({"maximumPercent": 100, "minimumHealthyPercent": 100,
               "deploymentCircuitBreaker": {"enable": true, "rollback": false}})
    );
}

#[test]
fn deployment_strategy_defaults_report_rolling_and_no_bake_time() {
    let memory = remembering(json!({}));
    let service = applied(deployment_strategy_defaults, &memory);
    assert_eq!(service["deploymentConfiguration"]["strategy"], "ROLLING");
    assert_eq!(service["deploymentConfiguration"]["bakeTimeInMinutes"], 0);
    let mut blue_green = moto_service();
    blue_green["deploymentConfiguration"] =
        json!({"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 15});
    deployment_strategy_defaults(&mut blue_green, &memory);
    assert_eq!(
        blue_green["deploymentConfiguration"],
        json!({"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 15})
    );
    let mut external = moto_service();
    external["deploymentController"] = json!({"type": "EXTERNAL"});
    deployment_strategy_defaults(&mut external, &memory);
    assert_eq!(external.get("deploymentConfiguration"), None);
}

#[test]
fn availability_zone_rebalancing_is_enabled_unless_given() {
    let service = applied(
        availability_zone_rebalancing_default,
        &remembering(json!({})),
    );
    assert_eq!(service["availabilityZoneRebalancing"], "ENABLED");
    let service = applied(
        availability_zone_rebalancing_default,
        &remembering(json!({"availabilityZoneRebalancing": "DISABLED"})),
    );
    assert_eq!(service["availabilityZoneRebalancing"], "DISABLED");
}

#[test]
fn launch_type_is_ec2_a_strategy_or_the_clusters_default() {
    // Neither given, no cluster default: EC2, on the service and its deployments.
    let service = applied(launch_type_default, &remembering(json!({})));
    assert_eq!(service["launchType"], "EC2");
    assert_eq!(service["deployments"][0]["launchType"], "EC2");
    assert_eq!(service.get("capacityProviderStrategy"), None);
    // A strategy: no launch type (moto answers EC2 regardless).
    let strategy = json!([{"capacityProvider": "FARGATE_SPOT", "weight": 1}]);
    let service = applied(
        launch_type_default,
        &remembering(json!({"capacityProviderStrategy": strategy})),
    );
    assert_eq!(service.get("launchType"), None);
    assert_eq!(service["capacityProviderStrategy"], strategy);
    assert_eq!(service["deployments"][0].get("launchType"), None);
    assert_eq!(
        service["deployments"][0]["capacityProviderStrategy"],
        strategy
    );
    // Neither given, and the cluster has a default strategy: the cluster's.
    let mut memory = remembering(json!({}));
    memory.cluster_default_strategy = Some(json!([{"capacityProvider": "FARGATE", "weight": 1}]));
    let service = applied(launch_type_default, &memory);
    assert_eq!(service.get("launchType"), None);
    assert_eq!(
        service["capacityProviderStrategy"][0]["capacityProvider"],
        "FARGATE"
    );
    // A launch type given wins over the cluster's default.
    memory.members.insert("launchType".into(), json!("FARGATE"));
    let mut fargate = moto_service();
    fargate["launchType"] = json!("FARGATE");
    launch_type_default(&mut fargate, &memory);
    assert_eq!(fargate["launchType"], "FARGATE");
    assert_eq!(fargate.get("capacityProviderStrategy"), None);
}

#[test]
fn capacity_provider_strategy_items_report_base_and_weight() {
    let mut service = moto_service();
    service["capacityProviderStrategy"] = json!([{"capacityProvider": "FARGATE"},
        {"capacityProvider": "FARGATE_SPOT", "weight": 3, "base": 1}]);
    capacity_provider_strategy_defaults(&mut service, &remembering(json!({})));
    assert_eq!(
        service["capacityProviderStrategy"],
        json!([{"capacityProvider": "FARGATE", "base": 0, "weight": 0},
               {"capacityProvider": "FARGATE_SPOT", "weight": 3, "base": 1}])
    );
}

#[test]
fn fargate_services_report_the_latest_platform_version() {
    let memory = remembering(json!({}));
    let ec2 = applied(fargate_platform_version_default, &memory);
    assert_eq!(ec2.get("platformVersion"), None);
    let mut fargate = moto_service();
    fargate["launchType"] = json!("FARGATE");
    fargate_platform_version_default(&mut fargate, &memory);
    assert_eq!(fargate["platformVersion"], "LATEST");
    let mut pinned = moto_service();
    pinned["launchType"] = json!("FARGATE");
    pinned["platformVersion"] = json!("1.4.0");
    fargate_platform_version_default(&mut pinned, &memory);
    assert_eq!(pinned["platformVersion"], "1.4.0");
}

#[test]
fn service_connect_volumes_and_lattice_are_reported_on_the_primary_deployment_only() {
    let connect = json!({"enabled": true, "namespace": "shop"});
    let volumes = json!([{"name": "data", "managedEBSVolume": {"roleArn": "arn:aws:iam::123456789012:role/ebs", "sizeInGiB": 20}}]);
    let memory = remembering(json!({
        "serviceConnectConfiguration": connect,
        "volumeConfigurations": volumes,
    }));
    let mut service = moto_service();
    service["serviceConnectConfiguration"] = connect.clone(); // as if moto echoed it
    let mut old = service["deployments"][0].clone();
    old["status"] = json!("ACTIVE");
    service["deployments"].as_array_mut().unwrap().push(old);
    deployment_only_members(&mut service, &memory);
    assert_eq!(service.get("serviceConnectConfiguration"), None);
    assert_eq!(service.get("volumeConfigurations"), None);
    let primary = &service["deployments"][0];
    assert_eq!(primary["serviceConnectConfiguration"], connect);
    assert_eq!(primary["volumeConfigurations"], volumes);
    assert_eq!(primary.get("vpcLatticeConfigurations"), None);
    assert_eq!(
        service["deployments"][1].get("serviceConnectConfiguration"),
        None
    );
}

#[test]
fn an_empty_network_configuration_is_absent() {
    let service = applied(network_configuration_absent, &remembering(json!({})));
    assert_eq!(service.get("networkConfiguration"), None);
    let mut awsvpc = moto_service();
    awsvpc["networkConfiguration"] =
        json!({"awsvpcConfiguration": {"subnets": ["subnet-1"], "securityGroups": ["sg-1"]}});
    network_configuration_absent(&mut awsvpc, &remembering(json!({})));
    assert_eq!(
        awsvpc["networkConfiguration"]["awsvpcConfiguration"]["subnets"][0],
        "subnet-1"
    );
}

#[test]
fn assign_public_ip_is_disabled_unless_given() {
    let mut service = moto_service();
    service["networkConfiguration"] = json!({"awsvpcConfiguration": {"subnets": ["subnet-1"]}});
    service["deployments"][0]["networkConfiguration"] = service["networkConfiguration"].clone();
    assign_public_ip_default(&mut service, &remembering(json!({})));
    assert_eq!(
        service["networkConfiguration"]["awsvpcConfiguration"]["assignPublicIp"],
        "DISABLED"
    );
    assert_eq!(
        service["deployments"][0]["networkConfiguration"]["awsvpcConfiguration"]["assignPublicIp"],
        "DISABLED"
    );
    let mut public = moto_service();
    public["networkConfiguration"] =
        json!({"awsvpcConfiguration": {"subnets": ["subnet-1"], "assignPublicIp": "ENABLED"}});
    assign_public_ip_default(&mut public, &remembering(json!({})));
    assert_eq!(
        public["networkConfiguration"]["awsvpcConfiguration"]["assignPublicIp"],
        "ENABLED"
    );
}

#[test]
fn a_role_name_reads_back_as_the_roles_arn() {
    let memory = remembering(json!({}));
    for (given, arn) in [
        (
            "ecsServiceRole",
            "arn:aws:iam::123456789012:role/ecsServiceRole",
        ),
        ("/ecs/lb-role", "arn:aws:iam::123456789012:role/ecs/lb-role"),
        (
            "arn:aws:iam::123456789012:role/x",
            "arn:aws:iam::123456789012:role/x",
        ),
    ] {
        let mut service = moto_service();
        service["roleArn"] = json!(given);
        role_arn(&mut service, &memory);
        assert_eq!(service["roleArn"], arn, "{given}");
    }
    assert_eq!(
        role_arn_of(
            "web",
            "arn:aws-cn:ecs:cn-north-1:210987654321:service/shop/web"
        ),
        "arn:aws-cn:iam::210987654321:role/web"
    );
}

#[test]
fn counts_are_never_negative_nor_above_the_desired_count() {
    let service = applied(steady_state_counts, &remembering(json!({})));
    assert_eq!(
        (&service["runningCount"], &service["pendingCount"]),
        (&json!(1), &json!(0))
    );
    let d = &service["deployments"][0];
    assert_eq!(
        (&d["runningCount"], &d["pendingCount"]),
        (&json!(1), &json!(0))
    );
}

#[test]
fn the_layers_events_come_first_newest_first() {
    let mut memory = remembering(json!({}));
    memory.events = vec![
        json!({"id": "2", "createdAt": 2.0, "message": "(service web) has reached a steady state."}),
        json!({"id": "1", "createdAt": 1.0, "message": "(service web) has started 1 tasks: (task a)."}),
    ];
    let service = applied(service_events, &memory);
    assert_eq!(service["events"][0]["id"], "2");
    assert_eq!(service["events"].as_array().map(Vec::len), Some(2));
}

#[test]
fn the_primary_deployment_is_the_one_the_last_update_started() {
    let mut memory = remembering(json!({}));
    memory.primary = Some(Dep {
        id: "ecs-svc/2222222222222222222".into(),
        task_definition: TD2.into(),
        created_at: 1700000100.0,
    });
    let service = applied(deployment_per_update, &memory);
    let primary = &service["deployments"][0];
    assert_eq!(primary["id"], "ecs-svc/2222222222222222222");
    assert_eq!(primary["taskDefinition"], TD2);
    assert_eq!(
        primary["rolloutStateReason"],
        "ECS deployment ecs-svc/2222222222222222222 completed."
    );
    assert_eq!(primary["createdAt"], 1700000100.0);
}

fn rollback_memory(observations: u32) -> ServiceMemory {
    let mut memory = remembering(json!({}));
    let restored = Dep {
        id: "ecs-svc/1111111111111111111".into(),
        task_definition: TD1.into(),
        created_at: 1700000000.0,
    };
    memory.primary = Some(restored.clone());
    memory.rollback = Some(RollbackRun {
        failed: Dep {
            id: "ecs-svc/2222222222222222222".into(),
            task_definition: TD2.into(),
            created_at: 1700000100.0,
        },
        restored,
        observations,
        reached: Stage::Failing,
        started_at: 1700000100.0,
        record: 0,
    });
    memory
}

fn summary(service: &Value) -> Vec<(String, String, String, String)> {
    service["deployments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["id"].as_str().unwrap()[8..9].to_string(),
                d["status"].as_str().unwrap().to_string(),
                d["rolloutState"].as_str().unwrap().to_string(),
                d["taskDefinition"]
                    .as_str()
                    .unwrap()
                    .rsplit('/')
                    .next()
                    .unwrap()
                    .to_string(),
            )
        })
        .collect()
}

fn row(id: &str, status: &str, state: &str, td: &str) -> (String, String, String, String) {
    (id.into(), status.into(), state.into(), td.into())
}

#[test]
fn a_rollback_fails_the_new_deployment_and_completes_the_previous_one() {
    // The UpdateService answer and the first observation: the new deployment fails to start.
    let failing = applied(rollback_sequence, &rollback_memory(1));
    assert_eq!(
        summary(&failing),
        vec![
            row("2", "PRIMARY", "IN_PROGRESS", "web:2"),
            row("1", "ACTIVE", "COMPLETED", "web:1")
        ]
    );
    assert_eq!(failing["taskDefinition"], TD2);
    // The circuit breaker trips: the new one FAILED, the previous one PRIMARY again.
    let rolling_back = applied(rollback_sequence, &rollback_memory(2));
    assert_eq!(
        summary(&rolling_back),
        vec![
            row("1", "PRIMARY", "IN_PROGRESS", "web:1"),
            row("2", "ACTIVE", "FAILED", "web:2")
        ]
    );
    assert_eq!(
        rolling_back["deployments"][1]["rolloutStateReason"],
        CIRCUIT_BREAKER_REASON
    );
    assert_eq!(rolling_back["taskDefinition"], TD1);
    // Rolled back: only the previous deployment, PRIMARY and COMPLETED.
    let rolled_back = applied(rollback_sequence, &rollback_memory(3));
    assert_eq!(
        summary(&rolled_back),
        vec![row("1", "PRIMARY", "COMPLETED", "web:1")]
    );
    assert_eq!(
        rolled_back["deployments"][0]["rolloutStateReason"],
        "ECS deployment ecs-svc/1111111111111111111 completed."
    );
    assert_eq!(
        summary(&applied(rollback_sequence, &rollback_memory(9))),
        summary(&rolled_back)
    );
}

#[test]
fn the_current_service_deployment_is_named() {
    let mut memory = remembering(json!({}));
    memory.deployments.push(json!({
        "serviceDeploymentArn": "arn:aws:ecs:eu-west-1:123456789012:service-deployment/shop/web/abc",
        "targetServiceRevision": {"arn": "arn:aws:ecs:eu-west-1:123456789012:service-revision/shop/web/1"},
    }));
    let service = applied(current_service_deployment, &memory);
    assert_eq!(
        service["currentServiceDeployment"],
        "arn:aws:ecs:eu-west-1:123456789012:service-deployment/shop/web/abc"
    );
    assert_eq!(
        service["currentServiceRevisions"][0]["arn"],
        "arn:aws:ecs:eu-west-1:123456789012:service-revision/shop/web/1"
    );
}

// ---- whole calls against a scripted emulator ----

/// An emulator that answers like moto for one service, and records the calls it got.
#[derive(Default)]
struct Scripted {
    calls: Mutex<Vec<(String, Value)>>,
    service: Mutex<Option<Value>>,
    cluster_default: Option<Value>,
}

impl Upstream for Scripted {
    async fn call(&self, operation: &str, body: &[u8]) -> std::io::Result<Reply> {
        let request: Value = serde_json::from_slice(body).unwrap();
        self.calls
            .lock()
            .unwrap()
            .push((operation.to_string(), request.clone()));
        let mut service = self.service.lock().unwrap();
        let answer = match operation {
            "DescribeClusters" => json!({"clusters": [{
                "clusterArn": CLUSTER_ARN,
                "defaultCapacityProviderStrategy": self.cluster_default.clone().unwrap_or(json!([])),
            }]}),
            "CreateService" => {
                let mut s = moto_service();
                s["taskDefinition"] = json!(TD1);
                *service = Some(s.clone());
                json!({"service": s})
            }
            "DescribeTaskDefinition" => {
                json!({"taskDefinition": {"taskDefinitionArn": TD2, "family": "web", "revision": 2}})
            }
            "UpdateService" => {
                // moto stores what it is given and leaves its deployment alone.
                let s = service.as_mut().expect("created");
                if let Some(td) = request.get("taskDefinition") {
                    s["taskDefinition"] = td.clone();
                }
                json!({"service": s})
            }
            "DescribeServices" => {
                json!({"services": [service.clone().expect("created")], "failures": []})
            }
            other => panic!("unexpected call {other}"),
        };
        Ok(Reply::json(200, &answer))
    }
}

fn call(layer: &AwsBehaviour, upstream: &Scripted, operation: &str, request: Value) -> Value {
    let body = serde_json::to_vec(&request).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let reply = runtime
        .block_on(layer.handle(upstream, operation, &body))
        .unwrap();
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    reply.json_body().unwrap()
}

fn describe(layer: &AwsBehaviour, upstream: &Scripted) -> Value {
    call(
        layer,
        upstream,
        "DescribeServices",
        json!({"cluster": "shop", "services": ["web"]}),
    )["services"][0]
        .clone()
}

fn operations(upstream: &Scripted) -> Vec<String> {
    upstream
        .calls
        .lock()
        .unwrap()
        .iter()
        .map(|(op, _)| op.clone())
        .collect()
}

#[test]
fn create_service_reads_the_clusters_default_strategy_and_remembers_the_request() {
    let layer = AwsBehaviour::new();
    let upstream = Scripted {
        cluster_default: Some(json!([{"capacityProvider": "FARGATE", "weight": 1}])),
        ..Scripted::default()
    };
    let created = call(
        &layer,
        &upstream,
        "CreateService",
        json!({"cluster": "shop", "serviceName": "web", "taskDefinition": "web", "desiredCount": 1,
               "deploymentConfiguration": {"deploymentCircuitBreaker": {"enable": true, "rollback": true}},
               "role": "ecsServiceRole"}),
    )["service"]
        .clone();
    assert_eq!(
        operations(&upstream),
        vec!["DescribeClusters", "CreateService"]
    );
    assert_eq!(created.get("launchType"), None);
    assert_eq!(
        created["capacityProviderStrategy"],
        json!([{"capacityProvider": "FARGATE", "weight": 1, "base": 0}])
    );
    assert_eq!(
        created["deploymentConfiguration"]["deploymentCircuitBreaker"]["rollback"],
        true
    );
    assert_eq!(created["deploymentConfiguration"]["strategy"], "ROLLING");
    assert_eq!(created["availabilityZoneRebalancing"], "ENABLED");
    assert_eq!(created.get("networkConfiguration"), None);
    let described = describe(&layer, &upstream);
    assert_eq!(
        described["deploymentConfiguration"],
        created["deploymentConfiguration"]
    );
    let memory = layer.service("web").expect("remembered");
    assert_eq!(memory.deployments.len(), 1);
    assert_eq!(memory.deployments[0]["status"], "SUCCESSFUL");
}

#[test]
fn an_update_resolves_the_task_definition_and_starts_a_deployment() {
    let layer = AwsBehaviour::new();
    let upstream = Scripted::default();
    call(
        &layer,
        &upstream,
        "CreateService",
        json!({"cluster": "shop", "serviceName": "web", "taskDefinition": "web:1", "desiredCount": 1, "launchType": "EC2"}),
    );
    let first = describe(&layer, &upstream)["deployments"][0]["id"].clone();
    let updated = call(
        &layer,
        &upstream,
        "UpdateService",
        json!({"cluster": "shop", "service": "web", "taskDefinition": "web"}),
    )["service"]
        .clone();
    let sent = upstream.calls.lock().unwrap().clone();
    let (op, request) = sent.last().unwrap();
    assert_eq!(op, "UpdateService");
    assert_eq!(request["taskDefinition"], TD2, "moto gets the resolved ARN");
    assert_eq!(updated["taskDefinition"], TD2);
    let primary = &updated["deployments"][0];
    assert_ne!(primary["id"], first, "a new deployment");
    assert_eq!(primary["taskDefinition"], TD2);
    // A desired count alone starts no deployment.
    let before = describe(&layer, &upstream)["deployments"][0]["id"].clone();
    call(
        &layer,
        &upstream,
        "UpdateService",
        json!({"cluster": "shop", "service": "web", "desiredCount": 1}),
    );
    assert_eq!(describe(&layer, &upstream)["deployments"][0]["id"], before);
    let listed = call(
        &layer,
        &upstream,
        "ListServiceDeployments",
        json!({"cluster": "shop", "service": "web"}),
    );
    let statuses: Vec<&str> = listed["serviceDeployments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, vec!["SUCCESSFUL", "SUCCESSFUL"], "{listed:#}");
}

#[test]
fn a_rollback_is_played_one_stage_per_observation_with_its_service_deployment() {
    let layer = AwsBehaviour::new();
    let upstream = Scripted::default();
    call(
        &layer,
        &upstream,
        "CreateService",
        json!({"cluster": "shop", "serviceName": "web", "taskDefinition": "web:1", "desiredCount": 1, "launchType": "EC2",
               "deploymentConfiguration": {"deploymentCircuitBreaker": {"enable": true, "rollback": true}}}),
    );
    let original = describe(&layer, &upstream)["deployments"][0]["id"].clone();
    layer.roll_back_next_deployment("web");
    let updated = call(
        &layer,
        &upstream,
        "UpdateService",
        json!({"cluster": "shop", "service": "web", "taskDefinition": TD2}),
    )["service"]
        .clone();
    // moto is told to run the previous revision again, as ECS does when it rolls back.
    let sent = upstream.calls.lock().unwrap().clone();
    assert_eq!(sent.last().unwrap().1["taskDefinition"], TD1);
    assert_eq!(updated["taskDefinition"], TD2);
    assert_eq!(updated["deployments"][0]["status"], "PRIMARY");
    assert_eq!(updated["deployments"][0]["rolloutState"], "IN_PROGRESS");

    let first = describe(&layer, &upstream);
    assert_eq!(first["deployments"][0]["rolloutState"], "IN_PROGRESS");
    assert_eq!(first["deployments"][0]["taskDefinition"], TD2);

    let second = describe(&layer, &upstream);
    assert_eq!(second["deployments"][0]["id"], original);
    assert_eq!(second["deployments"][1]["rolloutState"], "FAILED");
    let messages: Vec<&str> = second["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["message"].as_str().unwrap())
        .collect();
    assert!(
        messages[0].starts_with("(service web) rolling back to deployment ecs-svc/"),
        "{messages:?}"
    );
    assert!(
        messages[1].ends_with("deployment failed: tasks failed to start."),
        "{messages:?}"
    );

    let listed = call(
        &layer,
        &upstream,
        "ListServiceDeployments",
        json!({"cluster": "shop", "service": "web"}),
    );
    // Listing is an observation too: the rollback has completed.
    let newest = &listed["serviceDeployments"][0];
    assert_eq!(newest["status"], "ROLLBACK_SUCCESSFUL", "{listed:#}");
    let third = describe(&layer, &upstream);
    assert_eq!(third["deployments"].as_array().map(Vec::len), Some(1));
    assert_eq!(third["deployments"][0]["id"], original);
    assert_eq!(third["deployments"][0]["rolloutState"], "COMPLETED");
    assert_eq!(third["taskDefinition"], TD1);
    assert_eq!(
        third["currentServiceDeployment"],
        newest["serviceDeploymentArn"]
    );

    let described = call(
        &layer,
        &upstream,
        "DescribeServiceDeployments",
        json!({"serviceDeploymentArns": [newest["serviceDeploymentArn"], "arn:aws:ecs:eu-west-1:123456789012:service-deployment/shop/web/nope"]}),
    );
    let deployment = &described["serviceDeployments"][0];
    assert_eq!(deployment["status"], "ROLLBACK_SUCCESSFUL");
    assert_eq!(
        deployment["deploymentCircuitBreaker"]["status"],
        "TRIGGERED"
    );
    assert_eq!(described["failures"][0]["reason"], "MISSING");
    let revisions = call(
        &layer,
        &upstream,
        "DescribeServiceRevisions",
        json!({"serviceRevisionArns": [deployment["rollback"]["serviceRevisionArn"], deployment["targetServiceRevision"]["arn"]]}),
    );
    let tds: Vec<&str> = revisions["serviceRevisions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["taskDefinition"].as_str().unwrap())
        .collect();
    assert_eq!(tds, vec![TD1, TD2], "rolled back to revision 1 from 2");
    // The rollback was used up: the next deployment is a plain one.
    assert!(!layer.service("web").unwrap().deployments.is_empty());
}

#[test]
fn a_disabled_rule_leaves_motos_answer() {
    let layer = AwsBehaviour::new();
    layer.disable("network_configuration_absent");
    let upstream = Scripted::default();
    call(
        &layer,
        &upstream,
        "CreateService",
        json!({"cluster": "shop", "serviceName": "web", "taskDefinition": "web:1", "desiredCount": 1, "launchType": "EC2"}),
    );
    let service = describe(&layer, &upstream);
    assert_eq!(service["networkConfiguration"], json!({}));
    assert_eq!(service["availabilityZoneRebalancing"], "ENABLED");
}

/// `deployment_stages`: the stages a strategy moves through, with the traffic on the new
/// revision at each production shift, hooks where they are declared, and a failing hook
/// ending in a rollback.
#[test]
fn a_staged_deployment_moves_through_its_strategys_stages() {
    let stages = |script: &[Value]| -> Vec<String> {
        script
            .iter()
            .filter_map(|e| {
                let stage = e["lifecycleStage"].as_str()?;
                Some(
                    match e["targetServiceRevision"]["requestedProductionTrafficWeight"].as_f64() {
                        Some(w) if stage == "PRODUCTION_TRAFFIC_SHIFT" => format!("{stage} {w}"),
                        _ => stage.to_string(),
                    },
                )
            })
            .collect()
    };
    let canary = stage_script(
        &json!({"strategy": "CANARY", "canaryConfiguration": {"canaryPercent": 20.0}}),
        false,
    );
    assert_eq!(
        stages(&canary),
        [
            "PRE_SCALE_UP",
            "SCALE_UP",
            "POST_SCALE_UP",
            "TEST_TRAFFIC_SHIFT",
            "POST_TEST_TRAFFIC_SHIFT",
            "PRODUCTION_TRAFFIC_SHIFT 20",
            "PRODUCTION_TRAFFIC_SHIFT 100",
            "POST_PRODUCTION_TRAFFIC_SHIFT",
            "BAKE_TIME",
            "CLEAN_UP",
        ]
    );
    assert_eq!(canary.last().unwrap()["status"], "SUCCESSFUL");
    let linear = stage_script(
        &json!({"strategy": "LINEAR", "linearConfiguration": {"stepPercent": 40.0}}),
        false,
    );
    let shifts: Vec<String> = stages(&linear)
        .into_iter()
        .filter(|s| s.starts_with("PRODUCTION"))
        .collect();
    assert_eq!(
        shifts,
        [
            "PRODUCTION_TRAFFIC_SHIFT 40",
            "PRODUCTION_TRAFFIC_SHIFT 80",
            "PRODUCTION_TRAFFIC_SHIFT 100"
        ]
    );
    let hooks = json!({"strategy": "BLUE_GREEN", "lifecycleHooks": [
        {"targetType": "PAUSE", "lifecycleStages": ["POST_SCALE_UP"]},
        {"hookTargetArn": "arn:aws:lambda:us-east-1:123456789012:function:smoke", "lifecycleStages": ["POST_TEST_TRAFFIC_SHIFT"]}
    ]});
    let paused = stage_script(&hooks, false);
    let halt = paused
        .iter()
        .find(|e| e["halt"] == json!(true))
        .expect("a pause halts");
    assert_eq!(halt["lifecycleHookDetails"][0]["status"], "AWAITING_ACTION");
    let failing = stage_script(&hooks, true);
    let statuses: Vec<&str> = failing
        .iter()
        .filter_map(|e| e["status"].as_str())
        .collect();
    assert_eq!(statuses, ["ROLLBACK_IN_PROGRESS", "ROLLBACK_SUCCESSFUL"]);
    assert_eq!(
        failing[failing.len() - 3]["lifecycleHookDetails"][0]["status"],
        "FAILED"
    );
}

#[test]
fn assume_role_trust_needs_the_role_its_trust_and_its_external_id() {
    let trusting = |principal: serde_json::Value, condition: serde_json::Value| {
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": principal, "Action": "sts:AssumeRole", "Condition": condition}]})
    };
    let root = json!({"AWS": "arn:aws:iam::123456789012:root"});
    assert!(
        !assume_role_allowed(None, "123456789012", None),
        "no role, no credentials"
    );
    assert!(assume_role_allowed(
        Some(&trusting(root.clone(), json!({}))),
        "123456789012",
        None
    ));
    assert!(assume_role_allowed(
        Some(&trusting(json!({"AWS": "123456789012"}), json!({}))),
        "123456789012",
        None
    ));
    assert!(!assume_role_allowed(
        Some(&trusting(root.clone(), json!({}))),
        "999999999999",
        None
    ));
    assert!(!assume_role_allowed(
        Some(&trusting(
            json!({"Service": "ecs-tasks.amazonaws.com"}),
            json!({})
        )),
        "123456789012",
        None
    ));
    let external = json!({"StringEquals": {"sts:ExternalId": "abc"}});
    let policy = trusting(root, external);
    assert!(assume_role_allowed(
        Some(&policy),
        "123456789012",
        Some("abc")
    ));
    assert!(!assume_role_allowed(
        Some(&policy),
        "123456789012",
        Some("abd")
    ));
    assert!(!assume_role_allowed(Some(&policy), "123456789012", None));
}

#[test]
fn lifecycle_archive_rules_recognise_what_moto_refuses() {
    let rule = |selection: Value, action: Value| json!({"rules": [{"rulePriority": 1, "selection": selection, "action": action}]});
    let expire = json!({"type": "expire"});
    assert!(!uses_archive_features(&rule(
        json!({"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 3}),
        expire.clone()
    )));
    assert!(uses_archive_features(&rule(
        json!({"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 3}),
        json!({"type": "transition", "targetStorageClass": "archive"})
    )));
    assert!(uses_archive_features(&rule(
        json!({"tagStatus": "any", "countType": "sinceImagePulled", "countUnit": "days", "countNumber": 3}),
        expire.clone()
    )));
    assert!(uses_archive_features(&rule(
        json!({"tagStatus": "any", "storageClass": "archive", "countType": "sinceImageTransitioned", "countUnit": "days", "countNumber": 90}),
        expire
    )));
}
