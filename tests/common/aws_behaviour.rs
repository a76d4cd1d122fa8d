//! The real-AWS behaviour layer of the test proxy (see `proxy.rs`). moto stands in for
//! AWS, but where its ECS answers differ from what AWS documents, this layer rewrites them:
//! it remembers what CreateService and UpdateService asked for, per service, and answers
//! DescribeServices (and the service in CreateService, UpdateService and DeleteService
//! answers) the way AWS does. It also answers ListServiceDeployments,
//! DescribeServiceDeployments and DescribeServiceRevisions itself, which moto does not
//! implement, and can play a circuit-breaker rollback on request.
//!
//! Every behaviour is a named rule in `RULES`, with the page of the AWS documentation it
//! copies: "API reference" pages are under
//! https://docs.aws.amazon.com/AmazonECS/latest/APIReference/ and "developer guide" pages
//! under https://docs.aws.amazon.com/AmazonECS/latest/developerguide/. The rules are plain functions over AWS JSON (`fn(&mut service, &memory)`), so
//! each is tested on its own (tests/aws_behaviour/rules.rs); `AwsBehaviour::handle` is the
//! part that talks to moto, through the `Upstream` the proxy provides.

use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// The JSON protocol target prefix of ECS (`X-Amz-Target: <prefix>.<Operation>`).
pub const ECS_TARGET: &str = "AmazonEC2ContainerServiceV20141113";
/// The same for ECR.
pub const ECR_TARGET: &str = "AmazonEC2ContainerRegistry_V20150921";

/// One documented AWS behaviour the layer reproduces.
#[derive(Clone, Copy, Debug)]
pub struct Rule {
    pub name: &'static str,
    /// What AWS does (and moto does not).
    pub behaviour: &'static str,
    /// Where AWS documents it.
    pub source: &'static str,
}

macro_rules! rules {
    ($($name:ident: $behaviour:literal, $source:expr;)*) => {
        /// Every rule of the layer, in the order they are applied to a service.
        pub const RULES: &[Rule] = &[$(Rule { name: stringify!($name), behaviour: $behaviour, source: $source }),*];
    };
}

rules! {
    rollback_sequence:
        "after an UpdateService the test asked to fail, the new deployment FAILS on the circuit breaker and ECS rolls back to the previous deployment, which is PRIMARY again and reaches COMPLETED",
        "developer guide, deployment-circuit-breaker.html and deployment-failure-detection.html; API reference, API_Deployment.html (status, rolloutState, rolloutStateReason)";
    deployment_per_update:
        "an UpdateService that changes a member that triggers a deployment (taskDefinition, networkConfiguration, platformVersion, loadBalancers, serviceRegistries, serviceConnectConfiguration, volumeConfigurations, vpcLatticeConfigurations, forceNewDeployment) starts a new PRIMARY deployment with its own id and the new task definition",
        "API reference, API_UpdateService.html (each member says whether it triggers a new service deployment)";
    kept_as_created:
        "DescribeServices reports deploymentConfiguration, healthCheckGracePeriodSeconds (0 when not given), enableECSManagedTags, enableExecuteCommand, placementConstraints and placementStrategy as CreateService and UpdateService set them",
        "API reference, API_Service.html (those members) and API_CreateService.html#ECS-CreateService-request-healthCheckGracePeriodSeconds";
    deployment_configuration_defaults:
        "deploymentConfiguration is always reported, with maximumPercent 200 and minimumHealthyPercent 100 for REPLICA services (100 and 0 for DAEMON) and, under the ECS controller, deploymentCircuitBreaker {enable: false, rollback: false}",
        "API reference, API_DeploymentConfiguration.html#ECS-Type-DeploymentConfiguration-maximumPercent and -minimumHealthyPercent";
    deployment_strategy_defaults:
        "under the ECS controller, deploymentConfiguration reports strategy ROLLING and bakeTimeInMinutes 0 when they were not given",
        "API reference, API_DeploymentConfiguration.html#ECS-Type-DeploymentConfiguration-strategy and -bakeTimeInMinutes (0 is what DescribeServices reports for a rolling service)";
    availability_zone_rebalancing_default:
        "a service created without availabilityZoneRebalancing has it ENABLED; an update without it keeps the service's value",
        "API reference, API_CreateService.html#ECS-CreateService-request-availabilityZoneRebalancing";
    launch_type_default:
        "a service created with a capacityProviderStrategy reports the strategy and no launchType; created with neither, it takes the cluster's defaultCapacityProviderStrategy, or launchType EC2 when the cluster has none",
        "API reference, API_CreateService.html#ECS-CreateService-request-capacityProviderStrategy and API_Service.html#ECS-Type-Service-launchType (EC2 fallback: hashicorp/terraform-provider-aws#12566)";
    capacity_provider_strategy_defaults:
        "capacity provider strategy items report base 0 and weight 0 when not given",
        "API reference, API_CapacityProviderStrategyItem.html (base, weight)";
    fargate_platform_version_default:
        "a Fargate service created without platformVersion reports LATEST",
        "API reference, API_CreateService.html#ECS-CreateService-request-platformVersion";
    deployment_only_members:
        "serviceConnectConfiguration, volumeConfigurations and vpcLatticeConfigurations are reported on the service's deployments (the PRIMARY one carries the current ones), never on the service",
        "API reference, API_Deployment.html (serviceConnectConfiguration, volumeConfigurations, vpcLatticeConfigurations); API_Service.html has no such members";
    network_configuration_absent:
        "a service without networkConfiguration has none in DescribeServices (moto answers {})",
        "API reference, API_Service.html#ECS-Type-Service-networkConfiguration (only for awsvpc tasks)";
    assign_public_ip_default:
        "awsvpcConfiguration reports assignPublicIp DISABLED when it was not given",
        "API reference, API_AwsVpcConfiguration.html#ECS-Type-AwsVpcConfiguration-assignPublicIp";
    role_arn:
        "the role given to CreateService as a name (or path/name) reads back as roleArn, the role's full ARN",
        "API reference, API_CreateService.html#ECS-CreateService-request-role and API_Service.html#ECS-Type-Service-roleArn";
    steady_state_counts:
        "task counts are never negative and a deployment runs no more tasks than it wants (moto reports MOTO_ECS_SERVICE_RUNNING tasks whatever the desired count)",
        "API reference, API_Deployment.html (desiredCount, runningCount, pendingCount)";
    service_events:
        "the service's events, newest first, as ECS writes them for deployments and rollbacks",
        "API reference, API_Service.html#ECS-Type-Service-events; developer guide, service-event-messages-list.html";
    current_service_deployment:
        "DescribeServices names the service's current service deployment and revision",
        "API reference, API_Service.html#ECS-Type-Service-currentServiceDeployment and -currentServiceRevisions";
    task_definition_arn:
        "a task definition given to UpdateService as family or family:revision is stored, and reported, as the ARN of the revision ECS resolved (the latest ACTIVE one for a bare family)",
        "API reference, API_UpdateService.html#ECS-UpdateService-request-taskDefinition";
    task_definition_network_mode:
        "DescribeTaskDefinition (and RegisterTaskDefinition's answer) report networkMode as it was registered, and none when it was not given (moto reports awsvpc for EXTERNAL-compatible definitions registered as bridge)",
        "API reference, API_TaskDefinition.html#ECS-Type-TaskDefinition-networkMode and API_RegisterTaskDefinition.html#ECS-RegisterTaskDefinition-request-networkMode";
    deployment_stages:
        "a BLUE_GREEN, LINEAR or CANARY deployment moves through its lifecycle stages, one per observation (PRE_SCALE_UP, SCALE_UP, POST_SCALE_UP, TEST_TRAFFIC_SHIFT with the test traffic on the new revision, POST_TEST_TRAFFIC_SHIFT, PRODUCTION_TRAFFIC_SHIFT once per step: the canary's percentage then 100, each linear step, or 100 at once, POST_PRODUCTION_TRAFFIC_SHIFT, BAKE_TIME, CLEAN_UP), then SUCCESSFUL; a Lambda hook runs at its stages (IN_PROGRESS, then SUCCEEDED, or FAILED when the test asked, and the deployment rolls back); a PAUSE hook waits AWAITING_ACTION until ContinueServiceDeployment",
        "API reference, API_ServiceDeployment.html (lifecycleStage, lifecycleHookDetails), API_ServiceRevisionSummary.html (requestedProductionTrafficWeight, requestedTestTrafficWeight), API_ContinueServiceDeployment.html; developer guide, deployment-type-blue-green.html, deployment-lifecycle-hooks.html";
    stop_service_deployment:
        "StopServiceDeployment with ROLLBACK moves a PENDING or IN_PROGRESS deployment to ROLLBACK_REQUESTED, then ROLLBACK_IN_PROGRESS and ROLLBACK_SUCCESSFUL, and the service runs the source revision again; one already rolling back goes on; a finished one cannot be stopped",
        "developer guide, stop-service-deployment.html; API reference, API_StopServiceDeployment.html";
    managed_instances_providers:
        "ECS Managed Instances capacity providers (CreateCapacityProvider with cluster and managedInstancesProvider) are kept, described (with or without their cluster), updated, tagged and deleted like the others (moto fails on them)",
        "API reference, API_CreateCapacityProvider.html (cluster, managedInstancesProvider), API_UpdateCapacityProvider.html, API_CapacityProvider.html";
    capacity_providers_listed:
        "DescribeCapacityProviders without names describes every capacity provider of the account, FARGATE and FARGATE_SPOT included (moto fails without names)",
        "API reference, API_DescribeCapacityProviders.html (capacityProviders: when omitted, every capacity provider is described)";
    assume_role_trust:
        "STS AssumeRole answers AccessDenied unless the role exists in its account and its trust policy allows sts:AssumeRole to the caller's account (or the caller's ARN, or *), with the sts:ExternalId an ExternalId condition names (moto hands out credentials for any role ARN)",
        "STS API reference, API_AssumeRole.html (ExternalId; Errors); IAM user guide, id_roles_create_for-user_externalid.html and reference_policies_evaluation-logic-cross-account.html";
    lifecycle_archive_rules:
        "PutLifecyclePolicy accepts rules that transition images to archive storage, select archived images (storageClass archive, sinceImageTransitioned) or count days since the last pull (sinceImagePulled), and GetLifecyclePolicy returns them as put (moto refuses all of these)",
        "ECR user guide, lifecycle_policy_parameters.html (storageClass, countType, action type transition, targetStorageClass) and archive-image.html";
    registry_supply_chain_apis:
        "ECR's managed signing (Get/Put/DeleteSigningConfiguration: SigningConfigurationNotFoundException when there is none), account settings (Get/PutAccountSetting: a new registry's values are REGISTRY_POLICY_SCOPE V2, BASIC_SCAN_TYPE_VERSION AWS_NATIVE, BLOB_MOUNTING DISABLED) and pull-time update exclusions (List/Register/DeregisterPullTimeUpdateExclusion) are kept and answered (moto implements none of them)",
        "ECR API reference, API_PutSigningConfiguration.html, API_GetAccountSetting.html, API_RegisterPullTimeUpdateExclusion.html; user guide, registry-permissions-account-settings.html (new registries use V2)";
    inspector_ecr_configuration:
        "Amazon Inspector's GetConfiguration answers the ECR re-scan settings (a new account's: DAYS_14, DAYS_14, LAST_IN_USE_AT) and UpdateConfiguration replaces them (moto implements neither)",
        "Inspector API reference, API_GetConfiguration.html, API_UpdateConfiguration.html, API_EcrConfiguration.html; user guide, scanning_resources_configure_duration_setting_ecr.html (14 days by default)";
    service_deployments_api:
        "ListServiceDeployments, DescribeServiceDeployments and DescribeServiceRevisions answer from the deployments the layer saw: SUCCESSFUL, STOPPED, IN_PROGRESS, ROLLBACK_IN_PROGRESS then ROLLBACK_SUCCESSFUL with the rollback member",
        "API reference, API_ListServiceDeployments.html, API_ServiceDeployment.html (status, rollback, deploymentCircuitBreaker), API_Rollback.html";
}

/// The rule named `name` (panics on a name that is not one).
pub fn rule(name: &str) -> &'static Rule {
    RULES
        .iter()
        .find(|r| r.name == name)
        .unwrap_or_else(|| panic!("no AWS-behaviour rule named {name}"))
}

/// The rules as a Markdown list, for documentation.
pub fn rules_markdown() -> String {
    RULES
        .iter()
        .map(|r| format!("- `{}`: {}. Source: {}.\n", r.name, r.behaviour, r.source))
        .collect()
}

// ---- what the layer remembers ----

/// A deployment as the layer reports it (AWS's `Deployment`, less what moto keeps).
#[derive(Clone, Debug, PartialEq)]
pub struct Dep {
    /// `ecs-svc/NNNN`.
    pub id: String,
    /// The task definition ARN.
    pub task_definition: String,
    pub created_at: f64,
}

/// Where a rollback sequence stands; each observation of the service moves it one step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stage {
    /// The new deployment is PRIMARY and its tasks fail to start.
    Failing,
    /// The circuit breaker tripped: the new deployment is FAILED, the previous one PRIMARY.
    RollingBack,
    /// The previous deployment is PRIMARY and COMPLETED; the failed one is gone.
    RolledBack,
}

/// A rollback the layer is playing for one service.
#[derive(Clone, Debug, PartialEq)]
pub struct RollbackRun {
    /// The deployment UpdateService started, which fails.
    pub failed: Dep,
    /// The deployment ECS rolls back to (the PRIMARY one before the update).
    pub restored: Dep,
    /// DescribeServices (or service-deployment) answers given since the update.
    pub observations: u32,
    /// The furthest stage reported (events are written once per stage).
    pub reached: Stage,
    pub started_at: f64,
    /// The service deployment record of the failed deployment (index in `deployments`).
    pub record: usize,
}

impl RollbackRun {
    /// Observation 0 (the UpdateService answer) and 1 show the failing deployment, 2 the
    /// rollback in progress, 3 and later the completed rollback.
    pub fn stage(&self) -> Stage {
        match self.observations {
            0 | 1 => Stage::Failing,
            2 => Stage::RollingBack,
            _ => Stage::RolledBack,
        }
    }
}

/// What the layer remembers about one service, keyed by its ARN.
#[derive(Clone, Debug, Default)]
pub struct ServiceMemory {
    pub arn: String,
    pub name: String,
    pub cluster_arn: String,
    /// CreateService's request members (less cluster, serviceName, clientToken, tags),
    /// with each UpdateService's members laid over them.
    pub members: Map<String, Value>,
    /// The cluster's defaultCapacityProviderStrategy when CreateService gave neither a
    /// launch type nor a strategy.
    pub cluster_default_strategy: Option<Value>,
    /// The deployment the layer reports as PRIMARY (moto keeps its first one forever).
    pub primary: Option<Dep>,
    /// Events the layer wrote, newest first.
    pub events: Vec<Value>,
    /// ServiceDeployment records, oldest first.
    pub deployments: Vec<Value>,
    /// ServiceRevision records, oldest first.
    pub revisions: Vec<Value>,
    pub rollback: Option<RollbackRun>,
    /// A traffic-shifting deployment (or a requested rollback) moving stage by stage.
    pub staged: Option<StagedRun>,
    /// The task definition moto must be given back after a rollback the layer played.
    pub revert_to: Option<String>,
}

/// A deployment the layer moves through its lifecycle stages, one script entry per
/// observation (`deployment_stages`, `stop_service_deployment`).
#[derive(Clone, Debug, PartialEq)]
pub struct StagedRun {
    /// The service deployment record (index in `deployments`).
    pub record: usize,
    /// What each observation lays over the record: members of ServiceDeployment, and
    /// `halt` on an entry that waits for ContinueServiceDeployment.
    pub script: Vec<Value>,
    pub position: usize,
    /// ContinueServiceDeployment let a halted entry go.
    pub continued: bool,
    /// The task definition the service returns to if the deployment rolls back.
    pub source: Option<String>,
}

impl ServiceMemory {
    fn current_record(&self) -> Option<&Value> {
        self.deployments.last()
    }
}

/// The members that, given to UpdateService, trigger a new deployment.
pub const DEPLOYMENT_MEMBERS: &[&str] = &[
    "taskDefinition",
    "networkConfiguration",
    "platformVersion",
    "loadBalancers",
    "serviceRegistries",
    "serviceConnectConfiguration",
    "volumeConfigurations",
    "vpcLatticeConfigurations",
];

/// The members reported only on deployments.
pub const DEPLOYMENT_ONLY_MEMBERS: &[&str] = &[
    "serviceConnectConfiguration",
    "volumeConfigurations",
    "vpcLatticeConfigurations",
];

/// The members moto forgets at CreateService, reported as created (or updated).
pub const KEPT_MEMBERS: &[&str] = &[
    "deploymentConfiguration",
    "healthCheckGracePeriodSeconds",
    "enableECSManagedTags",
    "enableExecuteCommand",
    "placementConstraints",
    "placementStrategy",
];

// ---- the rules: pure functions over a DescribeServices service ----

/// A rule's function: rewrites a DescribeServices service, given the service's memory.
pub type RuleFn = fn(&mut Value, &ServiceMemory);

/// Applies every enabled rule to `service` (AWS JSON), in `RULES` order.
pub fn apply_rules(service: &mut Value, memory: &ServiceMemory, enabled: &dyn Fn(&str) -> bool) {
    let rules: &[(&str, RuleFn)] = &[
        ("rollback_sequence", rollback_sequence),
        ("deployment_per_update", deployment_per_update),
        ("kept_as_created", kept_as_created),
        (
            "deployment_configuration_defaults",
            deployment_configuration_defaults,
        ),
        ("deployment_strategy_defaults", deployment_strategy_defaults),
        (
            "availability_zone_rebalancing_default",
            availability_zone_rebalancing_default,
        ),
        ("launch_type_default", launch_type_default),
        (
            "capacity_provider_strategy_defaults",
            capacity_provider_strategy_defaults,
        ),
        (
            "fargate_platform_version_default",
            fargate_platform_version_default,
        ),
        ("deployment_only_members", deployment_only_members),
        ("network_configuration_absent", network_configuration_absent),
        ("assign_public_ip_default", assign_public_ip_default),
        ("role_arn", role_arn),
        ("steady_state_counts", steady_state_counts),
        ("service_events", service_events),
        ("current_service_deployment", current_service_deployment),
    ];
    for (name, apply) in rules {
        if enabled(name) {
            apply(service, memory);
        }
    }
}

fn object(value: &mut Value) -> &mut Map<String, Value> {
    if !value.is_object() {
        *value = json!({});
    }
    value.as_object_mut().expect("an object")
}

fn deployments_mut(service: &mut Value) -> Vec<&mut Value> {
    match service.get_mut("deployments") {
        Some(Value::Array(items)) => items.iter_mut().collect(),
        _ => Vec::new(),
    }
}

fn primary_mut(service: &mut Value) -> Option<&mut Value> {
    deployments_mut(service)
        .into_iter()
        .find(|d| d["status"] == "PRIMARY")
}

fn desired_count(service: &Value) -> i64 {
    service["desiredCount"].as_i64().unwrap_or(0)
}

fn rollout_reason(id: &str, state: &str) -> String {
    match state {
        "COMPLETED" => format!("ECS deployment {id} completed."),
        _ => format!("ECS deployment {id} in progress."),
    }
}

/// The circuit breaker's rolloutStateReason on a failed deployment.
pub const CIRCUIT_BREAKER_REASON: &str = "ECS deployment circuit breaker: tasks failed to start.";

/// A deployment built on moto's PRIMARY one (for its launch type, platform and network).
fn deployment_like(
    template: &Value,
    dep: &Dep,
    status: &str,
    state: &str,
    reason: &str,
    counts: (i64, i64, i64, i64),
    updated_at: f64,
) -> Value {
    let (desired, running, pending, failed) = counts;
    let mut d = template.clone();
    let map = object(&mut d);
    map.insert("id".into(), json!(dep.id));
    map.insert("status".into(), json!(status));
    map.insert("taskDefinition".into(), json!(dep.task_definition));
    map.insert("desiredCount".into(), json!(desired));
    map.insert("runningCount".into(), json!(running));
    map.insert("pendingCount".into(), json!(pending));
    map.insert("failedTasks".into(), json!(failed));
    map.insert("createdAt".into(), json!(dep.created_at));
    map.insert("updatedAt".into(), json!(updated_at));
    map.insert("rolloutState".into(), json!(state));
    map.insert("rolloutStateReason".into(), json!(reason));
    d
}

/// `rollback_sequence`: the deployments (and the service's task definition) at the
/// rollback's current stage.
pub fn rollback_sequence(service: &mut Value, memory: &ServiceMemory) {
    let Some(run) = &memory.rollback else {
        return;
    };
    let template = service["deployments"]
        .as_array()
        .and_then(|d| d.first().cloned())
        .unwrap_or_else(|| json!({}));
    let desired = desired_count(service);
    let (failed, restored) = (&run.failed, &run.restored);
    let later = run.started_at + 1.0;
    let deployments = match run.stage() {
        Stage::Failing => {
            service["taskDefinition"] = json!(failed.task_definition);
            vec![
                deployment_like(
                    &template,
                    failed,
                    "PRIMARY",
                    "IN_PROGRESS",
                    &rollout_reason(&failed.id, "IN_PROGRESS"),
                    (desired, 0, desired, 1),
                    failed.created_at,
                ),
                deployment_like(
                    &template,
                    restored,
                    "ACTIVE",
                    "COMPLETED",
                    &rollout_reason(&restored.id, "COMPLETED"),
                    (desired, desired, 0, 0),
                    restored.created_at,
                ),
            ]
        }
        Stage::RollingBack => {
            service["taskDefinition"] = json!(restored.task_definition);
            vec![
                deployment_like(
                    &template,
                    restored,
                    "PRIMARY",
                    "IN_PROGRESS",
                    &rollout_reason(&restored.id, "IN_PROGRESS"),
                    (desired, desired, 0, 0),
                    later,
                ),
                deployment_like(
                    &template,
                    failed,
                    "ACTIVE",
                    "FAILED",
                    CIRCUIT_BREAKER_REASON,
                    (desired, 0, 0, 3),
                    later,
                ),
            ]
        }
        Stage::RolledBack => {
            service["taskDefinition"] = json!(restored.task_definition);
            vec![deployment_like(
                &template,
                restored,
                "PRIMARY",
                "COMPLETED",
                &rollout_reason(&restored.id, "COMPLETED"),
                (desired, desired, 0, 0),
                later + 1.0,
            )]
        }
    };
    service["runningCount"] = json!(desired);
    service["pendingCount"] = json!(0);
    service["deployments"] = Value::Array(deployments);
}

/// `deployment_per_update`: the PRIMARY deployment is the one the last deploying
/// UpdateService started (moto keeps its first deployment, id and task definition).
pub fn deployment_per_update(service: &mut Value, memory: &ServiceMemory) {
    if memory.rollback.is_some() {
        return; // the rollback sequence owns the deployments
    }
    let Some(dep) = &memory.primary else {
        return;
    };
    if let Some(primary) = primary_mut(service) {
        let state = primary["rolloutState"]
            .as_str()
            .unwrap_or("IN_PROGRESS")
            .to_string();
        primary["id"] = json!(dep.id);
        primary["taskDefinition"] = json!(dep.task_definition);
        primary["createdAt"] = json!(dep.created_at);
        primary["updatedAt"] = json!(dep.created_at);
        primary["rolloutStateReason"] = json!(rollout_reason(&dep.id, &state));
    }
}

/// `kept_as_created`: the members moto forgets at CreateService, as created or updated.
pub fn kept_as_created(service: &mut Value, memory: &ServiceMemory) {
    let map = object(service);
    for key in KEPT_MEMBERS {
        if let Some(value) = memory.members.get(*key).filter(|v| !v.is_null()) {
            map.insert(key.to_string(), value.clone());
        }
    }
    map.entry("healthCheckGracePeriodSeconds")
        .or_insert(json!(0));
    map.entry("enableECSManagedTags").or_insert(json!(false));
    map.entry("enableExecuteCommand").or_insert(json!(false));
}

fn controller(service: &Value) -> &str {
    service["deploymentController"]["type"]
        .as_str()
        .unwrap_or("ECS")
}

/// `deployment_configuration_defaults`: the percentages and the circuit breaker.
pub fn deployment_configuration_defaults(service: &mut Value, _memory: &ServiceMemory) {
    let daemon = service["schedulingStrategy"] == "DAEMON";
    let ecs = controller(service) == "ECS";
    let config = object(
        object(service)
            .entry("deploymentConfiguration")
            .or_insert(json!({})),
    );
    config
        .entry("maximumPercent")
        .or_insert(json!(if daemon { 100 } else { 200 }));
    config
        .entry("minimumHealthyPercent")
        .or_insert(json!(if daemon { 0 } else { 100 }));
    if ecs {
        let breaker = object(
            config
                .entry("deploymentCircuitBreaker")
                .or_insert(json!({})),
        );
        breaker.entry("enable").or_insert(json!(false));
        breaker.entry("rollback").or_insert(json!(false));
    }
}

/// `deployment_strategy_defaults`: strategy ROLLING and bakeTimeInMinutes 0.
pub fn deployment_strategy_defaults(service: &mut Value, _memory: &ServiceMemory) {
    if controller(service) != "ECS" {
        return;
    }
    let config = object(
        object(service)
            .entry("deploymentConfiguration")
            .or_insert(json!({})),
    );
    config.entry("strategy").or_insert(json!("ROLLING"));
    config.entry("bakeTimeInMinutes").or_insert(json!(0));
}

/// `availability_zone_rebalancing_default`: ENABLED unless CreateService (or a later
/// UpdateService) said otherwise.
pub fn availability_zone_rebalancing_default(service: &mut Value, memory: &ServiceMemory) {
    let value = memory
        .members
        .get("availabilityZoneRebalancing")
        .filter(|v| !v.is_null())
        .cloned()
        .unwrap_or(json!("ENABLED"));
    service["availabilityZoneRebalancing"] = value;
}

fn non_empty(value: Option<&Value>) -> Option<&Value> {
    value.filter(|v| v.as_array().is_some_and(|a| !a.is_empty()))
}

/// `launch_type_default`: launchType or capacityProviderStrategy, as AWS resolves them.
pub fn launch_type_default(service: &mut Value, memory: &ServiceMemory) {
    let strategy = non_empty(memory.members.get("capacityProviderStrategy"))
        .or(if memory.members.contains_key("launchType") {
            None
        } else {
            non_empty(memory.cluster_default_strategy.as_ref())
        })
        .cloned();
    let launch_type = match (&strategy, memory.members.get("launchType")) {
        (Some(_), _) => None,
        (None, Some(given)) => Some(given.clone()),
        // moto answers its own EC2 for services it did not see created.
        (None, None) => Some(service.get("launchType").cloned().unwrap_or(json!("EC2"))),
    };
    let apply = |v: &mut Value| {
        let map = object(v);
        match &strategy {
            Some(s) => {
                map.remove("launchType");
                map.insert("capacityProviderStrategy".into(), s.clone());
            }
            None => {
                map.remove("capacityProviderStrategy");
                if let Some(l) = &launch_type {
                    map.insert("launchType".into(), l.clone());
                }
            }
        }
    };
    apply(service);
    for d in deployments_mut(service) {
        apply(d);
    }
}

fn fill_strategy_items(value: Option<&mut Value>) {
    if let Some(Value::Array(items)) = value {
        for item in items {
            let map = object(item);
            map.entry("base").or_insert(json!(0));
            map.entry("weight").or_insert(json!(0));
        }
    }
}

/// `capacity_provider_strategy_defaults`: base 0 and weight 0 when not given.
pub fn capacity_provider_strategy_defaults(service: &mut Value, _memory: &ServiceMemory) {
    fill_strategy_items(service.get_mut("capacityProviderStrategy"));
    for d in deployments_mut(service) {
        fill_strategy_items(d.get_mut("capacityProviderStrategy"));
    }
}

fn on_fargate(service: &Value) -> bool {
    service["launchType"] == "FARGATE"
        || service["capacityProviderStrategy"]
            .as_array()
            .is_some_and(|items| {
                items.iter().any(|i| {
                    matches!(
                        i["capacityProvider"].as_str(),
                        Some("FARGATE" | "FARGATE_SPOT")
                    )
                })
            })
}

/// `fargate_platform_version_default`: LATEST for Fargate services created without one.
pub fn fargate_platform_version_default(service: &mut Value, _memory: &ServiceMemory) {
    if on_fargate(service) && service.get("platformVersion").is_none_or(Value::is_null) {
        service["platformVersion"] = json!("LATEST");
    }
}

/// `deployment_only_members`: service connect, volumes and VPC Lattice on the PRIMARY
/// deployment (and the other deployments of a rollback), not on the service.
pub fn deployment_only_members(service: &mut Value, memory: &ServiceMemory) {
    let map = object(service);
    for key in DEPLOYMENT_ONLY_MEMBERS {
        map.remove(*key);
    }
    for d in deployments_mut(service) {
        let is_current = d["status"] == "PRIMARY" || memory.rollback.is_some();
        if !is_current {
            continue;
        }
        for key in DEPLOYMENT_ONLY_MEMBERS {
            match memory.members.get(*key) {
                Some(v) if !v.is_null() && v != &json!([]) => {
                    d[*key] = v.clone();
                }
                _ => {
                    d.as_object_mut().map(|m| m.remove(*key));
                }
            }
        }
    }
}

fn drop_empty_network(value: &mut Value) {
    if let Some(map) = value.as_object_mut()
        && map
            .get("networkConfiguration")
            .is_some_and(|n| n.is_null() || n == &json!({}))
    {
        map.remove("networkConfiguration");
    }
}

/// `network_configuration_absent`: no `networkConfiguration: {}`.
pub fn network_configuration_absent(service: &mut Value, _memory: &ServiceMemory) {
    drop_empty_network(service);
    for d in deployments_mut(service) {
        drop_empty_network(d);
    }
}

fn fill_assign_public_ip(value: &mut Value) {
    if let Some(vpc) = value
        .get_mut("networkConfiguration")
        .and_then(|n| n.get_mut("awsvpcConfiguration"))
        .and_then(Value::as_object_mut)
    {
        vpc.entry("assignPublicIp").or_insert(json!("DISABLED"));
    }
}

/// `assign_public_ip_default`: DISABLED unless given.
pub fn assign_public_ip_default(service: &mut Value, _memory: &ServiceMemory) {
    fill_assign_public_ip(service);
    for d in deployments_mut(service) {
        fill_assign_public_ip(d);
    }
}

/// The partition and account of an ECS ARN.
fn partition_and_account(arn: &str) -> Option<(&str, &str)> {
    let mut parts = arn.split(':');
    let (_, partition, _, _, account) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    Some((partition, account))
}

/// The ARN of a role given by name, `path/name` or `/path/name`.
pub fn role_arn_of(role: &str, service_arn: &str) -> String {
    if role.starts_with("arn:") {
        return role.to_string();
    }
    let (partition, account) =
        partition_and_account(service_arn).unwrap_or(("aws", "123456789012"));
    format!(
        "arn:{partition}:iam::{account}:role/{}",
        role.trim_start_matches('/')
    )
}

/// `role_arn`: `role` reads back as `roleArn`, a full ARN.
pub fn role_arn(service: &mut Value, _memory: &ServiceMemory) {
    let service_arn = service["serviceArn"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    if let Some(role) = service["roleArn"].as_str().map(str::to_string) {
        service["roleArn"] = json!(role_arn_of(&role, &service_arn));
    }
    if let Some(map) = service.as_object_mut() {
        map.remove("role");
    }
}

fn clamp_counts(value: &mut Value) {
    let desired = value["desiredCount"].as_i64().unwrap_or(0).max(0);
    if let Some(running) = value["runningCount"].as_i64() {
        value["runningCount"] = json!(running.clamp(0, desired));
    }
    if let Some(pending) = value["pendingCount"].as_i64() {
        value["pendingCount"] = json!(pending.max(0));
    }
}

/// `steady_state_counts`: no negative counts, no more running tasks than desired.
pub fn steady_state_counts(service: &mut Value, _memory: &ServiceMemory) {
    clamp_counts(service);
    for d in deployments_mut(service) {
        clamp_counts(d);
    }
}

/// `service_events`: the layer's events before moto's (which has none), newest first.
pub fn service_events(service: &mut Value, memory: &ServiceMemory) {
    let mut events = memory.events.clone();
    if let Some(Value::Array(theirs)) = service.get("events") {
        events.extend(theirs.iter().cloned());
    }
    events.truncate(100);
    service["events"] = Value::Array(events);
}

/// `current_service_deployment`: the current service deployment and revision.
pub fn current_service_deployment(service: &mut Value, memory: &ServiceMemory) {
    let Some(record) = memory.current_record() else {
        return;
    };
    service["currentServiceDeployment"] = record["serviceDeploymentArn"].clone();
    let desired = desired_count(service);
    let revision = match (&memory.rollback, record.get("rollback")) {
        (Some(run), Some(rollback)) if run.stage() >= Stage::RollingBack => {
            rollback["serviceRevisionArn"].clone()
        }
        _ => record["targetServiceRevision"]["arn"].clone(),
    };
    service["currentServiceRevisions"] = json!([{
        "arn": revision,
        "requestedTaskCount": desired,
        "runningTaskCount": service["runningCount"].as_i64().unwrap_or(0),
        "pendingTaskCount": service["pendingCount"].as_i64().unwrap_or(0),
    }]);
}

// ---- the layer ----

/// A response to give the client: status, headers (less framing) and body.
#[derive(Clone, Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    /// An AWS JSON answer the layer makes itself.
    pub fn json(status: u16, body: &Value) -> Self {
        Reply {
            status,
            headers: vec![
                ("Content-Type".into(), "application/x-amz-json-1.1".into()),
                ("x-amzn-RequestId".into(), "aws-behaviour-layer".into()),
            ],
            body: serde_json::to_vec(body).expect("JSON"),
        }
    }

    /// An AWS JSON error (`__type` and `message`).
    pub fn error(status: u16, kind: &str, message: &str) -> Self {
        Self::json(status, &json!({"__type": kind, "message": message}))
    }

    pub fn json_body(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }

    fn with_json(mut self, body: &Value) -> Self {
        self.body = serde_json::to_vec(body).expect("JSON");
        self
    }
}

/// The emulator behind the layer: sends one ECS JSON call (the client's own request with
/// another operation or body) and returns moto's answer.
pub trait Upstream: Sync {
    fn call(
        &self,
        operation: &str,
        body: &[u8],
    ) -> impl Future<Output = std::io::Result<Reply>> + Send;
}

/// The layer: the memory of every service seen, the rollbacks asked for, and the rules
/// turned off for a test.
#[derive(Default)]
pub struct AwsBehaviour {
    memory: Mutex<Memory>,
    disabled: Mutex<BTreeSet<String>>,
    counter: AtomicU64,
}

#[derive(Default)]
struct Memory {
    services: BTreeMap<String, ServiceMemory>,
    /// (cluster name, service name) → service ARN.
    names: BTreeMap<(String, String), String>,
    /// Service names whose next deploying UpdateService fails and rolls back.
    armed: BTreeSet<String>,
    /// Service names whose next staged deployment's first Lambda hook fails.
    hook_failures: BTreeSet<String>,
    /// Capacity providers created through the layer, by name.
    capacity_providers: BTreeSet<String>,
    /// Managed Instances capacity providers (`managed_instances_providers`), by name: the
    /// CapacityProvider each is described as.
    managed_instances: BTreeMap<String, Value>,
    /// Task-definition ARN → the networkMode RegisterTaskDefinition was given (None: none).
    network_modes: BTreeMap<String, Option<Value>>,
    /// Repository name → the lifecycle policy text the layer kept (`lifecycle_archive_rules`).
    lifecycle_policies: BTreeMap<String, String>,
    /// `registry_supply_chain_apis`: the signing configuration, the account settings put,
    /// and the excluded principals.
    signing: Option<Value>,
    account_settings: BTreeMap<String, String>,
    exclusions: BTreeSet<String>,
    /// `inspector_ecr_configuration`: the ECR re-scan settings last updated.
    inspector_ecr: Option<Value>,
}

fn now() -> f64 {
    let elapsed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    (elapsed.as_millis() as f64) / 1000.0
}

/// The last part of a name-or-ARN (`arn:...:cluster/shop` → `shop`).
fn short(reference: &str) -> String {
    reference
        .rsplit('/')
        .next()
        .unwrap_or(reference)
        .to_string()
}

fn cluster_of(request: &Value) -> String {
    short(request["cluster"].as_str().unwrap_or("default"))
}

impl AwsBehaviour {
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether the layer handles this ECS operation (the others pass through untouched).
    pub fn handles(operation: &str) -> bool {
        matches!(
            operation,
            "CreateService"
                | "UpdateService"
                | "DescribeServices"
                | "DeleteService"
                | "ListServiceDeployments"
                | "DescribeServiceDeployments"
                | "DescribeServiceRevisions"
                | "StopServiceDeployment"
                | "CreateCapacityProvider"
                | "DeleteCapacityProvider"
                | "DescribeCapacityProviders"
                | "UpdateCapacityProvider"
                | "TagResource"
                | "UntagResource"
                | "ContinueServiceDeployment"
                | "RegisterTaskDefinition"
                | "DescribeTaskDefinition"
        )
    }

    /// Turns a rule off (by its name in `RULES`), e.g. to see moto's own answer.
    pub fn disable(&self, name: &str) {
        let _ = rule(name);
        self.disabled.lock().unwrap().insert(name.to_string());
    }

    pub fn enabled(&self, name: &str) -> bool {
        !self.disabled.lock().unwrap().contains(name)
    }

    /// The next UpdateService of the service `name` that starts a deployment fails: its
    /// tasks do not start, the circuit breaker trips and ECS rolls back to the deployment
    /// before it (see `rollback_sequence`).
    pub fn roll_back_next_deployment(&self, name: &str) {
        self.memory.lock().unwrap().armed.insert(name.to_string());
    }

    /// The first Lambda hook of the next BLUE_GREEN, LINEAR or CANARY deployment of the
    /// service `name` fails, and ECS rolls the deployment back (see `deployment_stages`).
    pub fn fail_hook_of_next_deployment(&self, name: &str) {
        self.memory
            .lock()
            .unwrap()
            .hook_failures
            .insert(name.to_string());
    }

    /// Forgets every service, as `POST /moto-api/reset` makes moto forget them.
    pub fn forget_all(&self) {
        *self.memory.lock().unwrap() = Default::default();
    }

    /// What the layer remembers about a service (by name; the first match in any cluster).
    pub fn service(&self, name: &str) -> Option<ServiceMemory> {
        let memory = self.memory.lock().unwrap();
        memory
            .names
            .iter()
            .find(|((_, n), _)| n == name)
            .and_then(|(_, arn)| memory.services.get(arn).cloned())
    }

    fn next_number(&self) -> u64 {
        let n = self.counter.fetch_add(1, Ordering::SeqCst) + 1;
        let mut z = n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// `ecs-svc/` and 19 digits, like ECS's deployment ids.
    fn deployment_id(&self) -> String {
        format!(
            "ecs-svc/{}",
            1_000_000_000_000_000_000 + self.next_number() % 8_000_000_000_000_000_000
        )
    }

    fn event(&self, at: f64, message: String) -> Value {
        let n = self.next_number();
        json!({
            "id": format!("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", n as u32, (n >> 32) as u16, (n >> 48) as u16 | 0x4000, n as u16, n >> 16),
            "createdAt": at,
            "message": message,
        })
    }

    /// Handles one ECS call: answers it, or forwards it to moto and rewrites the answer.
    pub async fn handle<U: Upstream>(
        &self,
        upstream: &U,
        operation: &str,
        body: &[u8],
    ) -> std::io::Result<Reply> {
        let request: Value = serde_json::from_slice(body).unwrap_or(json!({}));
        match operation {
            "CreateService" => self.create_service(upstream, request).await,
            "UpdateService" => self.update_service(upstream, request).await,
            "DescribeServices" | "DeleteService" => {
                let reply = upstream.call(operation, body).await?;
                let reply = self.rewrite_services(reply, true);
                self.revert(upstream).await?;
                Ok(reply)
            }
            "ListServiceDeployments" => self.list_service_deployments(upstream, &request).await,
            "DescribeServiceDeployments" => {
                let reply = self
                    .describe_service_deployments(upstream, &request)
                    .await?;
                self.revert(upstream).await?;
                Ok(reply)
            }
            "CreateCapacityProvider"
            | "UpdateCapacityProvider"
            | "DeleteCapacityProvider"
            | "TagResource"
            | "UntagResource"
                if self.enabled("managed_instances_providers")
                    && self.is_managed_instances(operation, &request) =>
            {
                Ok(self.managed_instances_call(operation, &request))
            }
            "UpdateCapacityProvider" | "TagResource" | "UntagResource" => {
                upstream.call(operation, body).await
            }
            "CreateCapacityProvider" | "DeleteCapacityProvider" => {
                let reply = upstream.call(operation, body).await?;
                if reply.status == 200 {
                    let mut memory = self.memory.lock().unwrap();
                    match operation {
                        "CreateCapacityProvider" => {
                            let name = request["name"].as_str().unwrap_or_default();
                            memory.capacity_providers.insert(name.to_string());
                        }
                        _ => {
                            let name =
                                short(request["capacityProvider"].as_str().unwrap_or_default());
                            memory.capacity_providers.remove(&name);
                        }
                    }
                }
                Ok(reply)
            }
            "DescribeCapacityProviders"
                if request.get("capacityProviders").is_none_or(Value::is_null)
                    && self.enabled("capacity_providers_listed") =>
            {
                self.every_capacity_provider(upstream, &request).await
            }
            "DescribeCapacityProviders" if self.enabled("managed_instances_providers") => {
                self.describe_capacity_providers(upstream, &request).await
            }
            "StopServiceDeployment" if self.enabled("stop_service_deployment") => {
                Ok(self.stop_service_deployment(&request))
            }
            "ContinueServiceDeployment" => Ok(self.continue_service_deployment(&request)),
            "DescribeServiceRevisions" => Ok(self.describe_service_revisions(&request)),
            "RegisterTaskDefinition" | "DescribeTaskDefinition" => {
                let reply = upstream.call(operation, body).await?;
                Ok(self.rewrite_task_definition(operation, &request, reply))
            }
            _ => upstream.call(operation, body).await,
        }
    }

    /// `task_definition_network_mode`: the registered networkMode, as registered.
    fn rewrite_task_definition(&self, operation: &str, request: &Value, reply: Reply) -> Reply {
        if reply.status != 200 || !self.enabled("task_definition_network_mode") {
            return reply;
        }
        let Some(mut body) = reply.json_body() else {
            return reply;
        };
        let arn = body["taskDefinition"]["taskDefinitionArn"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let mut memory = self.memory.lock().unwrap();
        if operation == "RegisterTaskDefinition" {
            memory
                .network_modes
                .insert(arn.clone(), request.get("networkMode").cloned());
        }
        if let (Some(given), Some(Value::Object(definition))) = (
            memory.network_modes.get(&arn),
            body.get_mut("taskDefinition"),
        ) {
            match given {
                Some(mode) => {
                    definition.insert("networkMode".into(), mode.clone());
                }
                None => {
                    definition.remove("networkMode");
                }
            }
        }
        drop(memory);
        reply.with_json(&body)
    }

    fn rules_on(&self, service: &mut Value, memory: &ServiceMemory) {
        let disabled = self.disabled.lock().unwrap().clone();
        apply_rules(service, memory, &|name| !disabled.contains(name));
    }

    /// Rewrites the service(s) of a moto answer; `observe` counts it as an observation
    /// (a rollback moves on, service deployments catch up with moto's rollout).
    fn rewrite_services(&self, reply: Reply, observe: bool) -> Reply {
        if reply.status != 200 {
            return reply;
        }
        let Some(mut body) = reply.json_body() else {
            return reply;
        };
        if let Some(Value::Array(services)) = body.get_mut("services") {
            for service in services {
                self.rewrite_one(service, observe);
            }
        }
        if let Some(service) = body.get_mut("service") {
            self.rewrite_one(service, observe);
        }
        reply.with_json(&body)
    }

    fn rewrite_one(&self, service: &mut Value, observe: bool) {
        let arn = service["serviceArn"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let at = now();
        let memory = {
            let mut all = self.memory.lock().unwrap();
            if !all.services.contains_key(&arn) {
                // A service created behind the layer's back: remember it as moto has it.
                let seen = self.remember_seen(service);
                all.names
                    .insert((short(&seen.cluster_arn), seen.name.clone()), arn.clone());
                all.services.insert(arn.clone(), seen);
            }
            let memory = all.services.get_mut(&arn).expect("remembered");
            if observe && service["status"] == "ACTIVE" {
                self.observe(memory, service, at);
            }
            memory.clone()
        };
        self.rules_on(service, &memory);
    }

    /// Memory for a service first seen in an answer (not created through the layer).
    fn remember_seen(&self, service: &Value) -> ServiceMemory {
        let mut members = Map::new();
        for key in KEPT_MEMBERS
            .iter()
            .chain(["launchType", "availabilityZoneRebalancing"].iter())
        {
            if let Some(v) = service.get(*key) {
                members.insert(key.to_string(), v.clone());
            }
        }
        let mut memory = ServiceMemory {
            arn: service["serviceArn"].as_str().unwrap_or_default().into(),
            name: service["serviceName"].as_str().unwrap_or_default().into(),
            cluster_arn: service["clusterArn"].as_str().unwrap_or_default().into(),
            members,
            ..ServiceMemory::default()
        };
        memory.primary = moto_primary(service);
        let at = service["createdAt"].as_f64().unwrap_or_else(now);
        self.start_record(&mut memory, service, at, None);
        memory
    }

    /// One more observation of a service: the rollback moves a stage (writing its events
    /// once), and the current service deployment follows the rollout.
    fn observe(&self, memory: &mut ServiceMemory, moto_service: &Value, at: f64) {
        let name = memory.name.clone();
        if let Some(run) = memory.rollback.as_mut() {
            run.observations += 1;
            let stage = run.stage();
            if stage > run.reached {
                let (failed_id, restored_id) = (run.failed.id.clone(), run.restored.id.clone());
                let record = run.record;
                let started_at = run.started_at;
                run.reached = stage;
                let mut events = Vec::new();
                match stage {
                    Stage::Failing => {}
                    Stage::RollingBack => {
                        events.push(format!("(service {name}) (deployment {failed_id}) deployment failed: tasks failed to start."));
                        events.push(format!(
                            "(service {name}) rolling back to deployment {restored_id}."
                        ));
                    }
                    Stage::RolledBack => {
                        events.push(format!(
                            "(service {name}) (deployment {restored_id}) deployment completed."
                        ));
                        events.push(format!("(service {name}) has reached a steady state."));
                    }
                }
                for message in events {
                    let event = self.event(at, message);
                    memory.events.insert(0, event);
                }
                if let Some(r) = memory.deployments.get_mut(record) {
                    match stage {
                        Stage::Failing => {}
                        Stage::RollingBack => {
                            let source = r["sourceServiceRevisions"][0]["arn"].clone();
                            r["status"] = json!("ROLLBACK_IN_PROGRESS");
                            r["statusReason"] = json!(
                                "Service deployment rolled back because the circuit breaker threshold was exceeded."
                            );
                            r["rollback"] = json!({
                                "reason": "The deployment circuit breaker detected that tasks failed to start.",
                                "startedAt": at,
                                "serviceRevisionArn": source,
                            });
                            r["deploymentCircuitBreaker"] =
                                json!({"status": "TRIGGERED", "failureCount": 3, "threshold": 3});
                            r["updatedAt"] = json!(at);
                        }
                        Stage::RolledBack => {
                            r["status"] = json!("ROLLBACK_SUCCESSFUL");
                            r["finishedAt"] = json!(at.max(started_at));
                            r["updatedAt"] = json!(at);
                        }
                    }
                }
            }
            return;
        }
        if memory.staged.is_some() {
            return; // DescribeServiceDeployments moves it (see describe_service_deployments)
        }
        // Without a rollback, the current service deployment succeeds with moto's rollout.
        let completed = moto_service["deployments"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|d| d["status"] == "PRIMARY" && d["rolloutState"] == "COMPLETED");
        if let Some(record) = memory.deployments.last_mut()
            && record["status"] == "IN_PROGRESS"
            && completed
        {
            record["status"] = json!("SUCCESSFUL");
            record["finishedAt"] = json!(at);
            record["updatedAt"] = json!(at);
            if record["deploymentCircuitBreaker"]["status"] == "MONITORING" {
                record["deploymentCircuitBreaker"]["status"] = json!("MONITORING_COMPLETE");
            }
        }
    }

    /// A new service revision and service deployment for `service` (moto's answer), the
    /// previous revision (if any) its source.
    fn start_record(
        &self,
        memory: &mut ServiceMemory,
        service: &Value,
        at: f64,
        task_definition: Option<&str>,
    ) -> usize {
        let service_arn = memory.arn.clone();
        let revision_arn = format!(
            "{}/{}",
            service_arn.replacen(":service/", ":service-revision/", 1),
            self.next_number() % 10_000_000_000_000_000_000
        );
        let task_definition = task_definition
            .map(str::to_string)
            .or_else(|| memory.primary.as_ref().map(|d| d.task_definition.clone()))
            .or_else(|| service["taskDefinition"].as_str().map(str::to_string))
            .unwrap_or_default();
        let mut revision = json!({
            "serviceRevisionArn": revision_arn,
            "serviceArn": service_arn,
            "clusterArn": memory.cluster_arn,
            "taskDefinition": task_definition,
            "createdAt": at,
        });
        for key in [
            "launchType",
            "capacityProviderStrategy",
            "platformVersion",
            "loadBalancers",
            "serviceRegistries",
            "networkConfiguration",
        ] {
            if let Some(v) = service
                .get(key)
                .filter(|v| !v.is_null() && *v != &json!({}))
            {
                revision[key] = v.clone();
            }
        }
        for key in DEPLOYMENT_ONLY_MEMBERS {
            if let Some(v) = memory.members.get(*key).filter(|v| !v.is_null()) {
                revision[*key] = v.clone();
            }
        }
        let desired = desired_count(service);
        let source = memory.revisions.last().map(|r| {
            json!([{
                "arn": r["serviceRevisionArn"],
                "requestedTaskCount": desired,
                "runningTaskCount": desired,
                "pendingTaskCount": 0,
            }])
        });
        memory.revisions.push(revision);
        // A deployment still in progress is stopped by the new one.
        if let Some(previous) = memory.deployments.last_mut()
            && previous["status"] == "IN_PROGRESS"
        {
            previous["status"] = json!("STOPPED");
            previous["statusReason"] =
                json!("Service deployment stopped because a newer deployment started.");
            previous["stoppedAt"] = json!(at);
            previous["updatedAt"] = json!(at);
        }
        let mut config = memory
            .members
            .get("deploymentConfiguration")
            .cloned()
            .unwrap_or(json!({}));
        deployment_configuration_defaults_in(&mut config, service);
        let breaker_on = config["deploymentCircuitBreaker"]["enable"] == json!(true);
        let mut record = json!({
            "serviceDeploymentArn": format!(
                "{}/{}",
                service_arn.replacen(":service/", ":service-deployment/", 1),
                deployment_token(self.next_number())
            ),
            "serviceArn": service_arn,
            "clusterArn": memory.cluster_arn,
            "createdAt": at,
            "startedAt": at,
            "updatedAt": at,
            "targetServiceRevision": {
                "arn": revision_arn,
                "requestedTaskCount": desired,
                "runningTaskCount": 0,
                "pendingTaskCount": desired,
            },
            "status": "IN_PROGRESS",
            "deploymentConfiguration": config,
            "deploymentCircuitBreaker": {
                "status": if breaker_on { "MONITORING" } else { "DISABLED" },
                "failureCount": 0,
                "threshold": 3,
            },
            "alarms": {"status": "DISABLED"},
        });
        if let Some(source) = source {
            record["sourceServiceRevisions"] = source;
        }
        memory.deployments.push(record);
        memory.deployments.len() - 1
    }

    async fn create_service<U: Upstream>(
        &self,
        upstream: &U,
        request: Value,
    ) -> std::io::Result<Reply> {
        let cluster = cluster_of(&request);
        let has_strategy = non_empty(request.get("capacityProviderStrategy")).is_some();
        let mut cluster_default = None;
        if request.get("launchType").is_none() && !has_strategy {
            let described = upstream
                .call(
                    "DescribeClusters",
                    &serde_json::to_vec(&json!({"clusters": [cluster]})).expect("JSON"),
                )
                .await?;
            cluster_default = described
                .json_body()
                .and_then(|b| {
                    b["clusters"][0]
                        .get("defaultCapacityProviderStrategy")
                        .cloned()
                })
                .filter(|s| s.as_array().is_some_and(|a| !a.is_empty()));
        }
        let body = serde_json::to_vec(&request).expect("JSON");
        let reply = upstream.call("CreateService", &body).await?;
        if reply.status != 200 {
            return Ok(reply);
        }
        let Some(mut answer) = reply.json_body() else {
            return Ok(reply);
        };
        let service = &mut answer["service"];
        let arn = service["serviceArn"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let mut members = request.as_object().cloned().unwrap_or_default();
        for key in ["cluster", "serviceName", "clientToken", "tags"] {
            members.remove(key);
        }
        members.retain(|_, v| !v.is_null());
        let mut memory = ServiceMemory {
            arn: arn.clone(),
            name: service["serviceName"].as_str().unwrap_or_default().into(),
            cluster_arn: service["clusterArn"].as_str().unwrap_or_default().into(),
            members,
            cluster_default_strategy: cluster_default,
            primary: moto_primary(service),
            ..ServiceMemory::default()
        };
        let at = now();
        self.start_record(&mut memory, service, at, None);
        self.observe(&mut memory, service, at);
        {
            let mut all = self.memory.lock().unwrap();
            all.names
                .insert((cluster, memory.name.clone()), arn.clone());
            all.services.insert(arn, memory.clone());
        }
        self.rules_on(service, &memory);
        Ok(reply.with_json(&answer))
    }

    async fn update_service<U: Upstream>(
        &self,
        upstream: &U,
        mut request: Value,
    ) -> std::io::Result<Reply> {
        let cluster = cluster_of(&request);
        // `task_definition_arn`: UpdateService stores the ARN of the revision it resolved.
        if self.enabled("task_definition_arn")
            && let Some(reference) = request["taskDefinition"].as_str().map(str::to_string)
            && !reference.starts_with("arn:")
        {
            let described = upstream
                .call(
                    "DescribeTaskDefinition",
                    &serde_json::to_vec(&json!({"taskDefinition": reference})).expect("JSON"),
                )
                .await?;
            if let Some(arn) = described.json_body().and_then(|b| {
                b["taskDefinition"]["taskDefinitionArn"]
                    .as_str()
                    .map(str::to_string)
            }) {
                request["taskDefinition"] = json!(arn);
            }
        }
        let body = serde_json::to_vec(&request).expect("JSON");
        let reply = upstream.call("UpdateService", &body).await?;
        if reply.status != 200 {
            return Ok(reply);
        }
        let Some(mut answer) = reply.json_body() else {
            return Ok(reply);
        };
        let service = &mut answer["service"];
        let arn = service["serviceArn"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let name = service["serviceName"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let at = now();
        let (previous, armed) = {
            let mut all = self.memory.lock().unwrap();
            if !all.services.contains_key(&arn) {
                let seen = self.remember_seen(service);
                all.names
                    .insert((cluster.clone(), name.clone()), arn.clone());
                all.services.insert(arn.clone(), seen);
            }
            let memory = all.services.get(&arn).expect("remembered");
            let previous = memory.clone();
            (previous, all.armed.contains(&name))
        };
        let given = |key: &str| request.get(key).filter(|v| !v.is_null());
        let deploys = request["forceNewDeployment"] == json!(true)
            || DEPLOYMENT_MEMBERS.iter().any(|key| match given(key) {
                None => false,
                Some(v) if *key == "taskDefinition" => {
                    previous
                        .primary
                        .as_ref()
                        .map(|d| json!(d.task_definition))
                        .as_ref()
                        != Some(v)
                }
                Some(v) => previous.members.get(*key) != Some(v),
            });
        let mut memory = previous;
        for (key, value) in request.as_object().into_iter().flatten() {
            if matches!(key.as_str(), "cluster" | "service" | "forceNewDeployment")
                || value.is_null()
            {
                continue;
            }
            memory.members.insert(key.clone(), value.clone());
        }
        let mut revert = None;
        if deploys {
            let task_definition = request["taskDefinition"]
                .as_str()
                .map(str::to_string)
                .or_else(|| memory.primary.as_ref().map(|d| d.task_definition.clone()))
                .or_else(|| service["taskDefinition"].as_str().map(str::to_string))
                .unwrap_or_default();
            let dep = Dep {
                id: self.deployment_id(),
                task_definition: task_definition.clone(),
                created_at: at,
            };
            let record = self.start_record(&mut memory, service, at, Some(&task_definition));
            let desired = desired_count(service);
            let started = self.event(
                at,
                format!(
                    "(service {name}) has started {desired} tasks: {}.",
                    (0..desired.max(1))
                        .map(|_| format!(
                            "(task {:032x})",
                            self.next_number() as u128 * 0x9E37_79B9_7F4A_7C15
                        ))
                        .collect::<Vec<_>>()
                        .join(" ")
                ),
            );
            memory.events.insert(0, started);
            memory.rollback = None;
            memory.staged = None;
            let source = memory.primary.as_ref().map(|d| d.task_definition.clone());
            let config = memory.deployments[record]["deploymentConfiguration"].clone();
            if !armed
                && self.enabled("deployment_stages")
                && matches!(
                    config["strategy"].as_str(),
                    Some("BLUE_GREEN" | "LINEAR" | "CANARY")
                )
            {
                let hook_fails = self.memory.lock().unwrap().hook_failures.remove(&name);
                memory.staged = Some(StagedRun {
                    record,
                    script: stage_script(&config, hook_fails),
                    position: 0,
                    continued: false,
                    source,
                });
            }
            match (armed, memory.primary.clone()) {
                (true, Some(restored)) if self.enabled("rollback_sequence") => {
                    revert = Some(restored.task_definition.clone());
                    memory.rollback = Some(RollbackRun {
                        failed: dep,
                        restored,
                        observations: 0,
                        reached: Stage::Failing,
                        started_at: at,
                        record,
                    });
                }
                _ => memory.primary = Some(dep),
            }
        }
        {
            let mut all = self.memory.lock().unwrap();
            if memory.rollback.is_some() {
                all.armed.remove(&name);
            }
            all.services.insert(arn, memory.clone());
        }
        // ECS puts the previous task definition back on the service when it rolls back;
        // moto is told now, and the layer shows the new one until the rollback starts.
        if let Some(task_definition) = revert {
            let body =
                json!({"cluster": cluster, "service": name, "taskDefinition": task_definition});
            upstream
                .call("UpdateService", &serde_json::to_vec(&body).expect("JSON"))
                .await?;
        }
        self.rules_on(service, &memory);
        Ok(reply.with_json(&answer))
    }

    /// `deployment_stages`: the staged deployment's next script entry laid over its record
    /// (a halted entry waits for ContinueServiceDeployment); at ROLLBACK_SUCCESSFUL the
    /// service goes back to the source revision.
    fn advance_stage(&self, memory: &mut ServiceMemory, at: f64) {
        let Some(run) = memory.staged.as_mut() else {
            return;
        };
        let halted = run.position > 0
            && run.script[run.position - 1]["halt"] == json!(true)
            && !run.continued;
        if halted || run.position >= run.script.len() {
            return;
        }
        let entry = run.script[run.position].clone();
        run.position += 1;
        run.continued = false;
        let (index, source) = (run.record, run.source.clone());
        let Some(record) = memory.deployments.get_mut(index) else {
            return;
        };
        if entry.get("lifecycleStage").is_some() {
            record["lifecycleHookDetails"] = json!([]);
        }
        for (key, value) in entry.as_object().into_iter().flatten() {
            match key.as_str() {
                "halt" => {}
                "targetServiceRevision" => {
                    for (k, v) in value.as_object().into_iter().flatten() {
                        record["targetServiceRevision"][k] = v.clone();
                    }
                }
                "lifecycleHookDetails" => {
                    let mut hooks = value.clone();
                    for hook in hooks.as_array_mut().into_iter().flatten() {
                        if let Some(minutes) = hook["expiresInMinutes"].as_f64() {
                            hook["expiresAt"] = json!(at + minutes * 60.0);
                            object(hook).remove("expiresInMinutes");
                        }
                    }
                    record[key] = hooks;
                }
                "rollback" => {
                    let mut rollback = value.clone();
                    rollback["startedAt"] = json!(at);
                    rollback["serviceRevisionArn"] =
                        record["sourceServiceRevisions"][0]["arn"].clone();
                    record[key] = rollback;
                }
                _ => record[key.as_str()] = value.clone(),
            }
        }
        record["updatedAt"] = json!(at);
        let status = record["status"].as_str().unwrap_or_default().to_string();
        if matches!(status.as_str(), "SUCCESSFUL" | "ROLLBACK_SUCCESSFUL") {
            record["finishedAt"] = json!(at);
            memory.staged = None;
        }
        if status == "ROLLBACK_SUCCESSFUL"
            && let Some(task_definition) = source
        {
            memory.primary = Some(Dep {
                id: self.deployment_id(),
                task_definition: task_definition.clone(),
                created_at: at,
            });
            memory.revert_to = Some(task_definition);
        }
    }

    /// Whether a capacity provider call is about a Managed Instances provider.
    fn is_managed_instances(&self, operation: &str, request: &Value) -> bool {
        let memory = self.memory.lock().unwrap();
        match operation {
            "CreateCapacityProvider" => request["managedInstancesProvider"].is_object(),
            "UpdateCapacityProvider" => memory
                .managed_instances
                .contains_key(request["name"].as_str().unwrap_or_default()),
            "DeleteCapacityProvider" => memory.managed_instances.contains_key(&short(
                request["capacityProvider"].as_str().unwrap_or_default(),
            )),
            _ => memory
                .managed_instances
                .values()
                .any(|p| p["capacityProviderArn"] == request["resourceArn"]),
        }
    }

    /// `managed_instances_providers`: CreateCapacityProvider, UpdateCapacityProvider,
    /// DeleteCapacityProvider and tagging, answered from the layer's own records.
    fn managed_instances_call(&self, operation: &str, request: &Value) -> Reply {
        let mut memory = self.memory.lock().unwrap();
        let by_arn = |memory: &Memory| {
            memory
                .managed_instances
                .iter()
                .find(|(_, p)| p["capacityProviderArn"] == request["resourceArn"])
                .map(|(name, _)| name.clone())
        };
        match operation {
            "CreateCapacityProvider" => {
                let name = request["name"].as_str().unwrap_or_default().to_string();
                if memory.managed_instances.contains_key(&name) {
                    return Reply::error(
                        400,
                        "ClientException",
                        "The specified capacity provider already exists.",
                    );
                }
                let cluster = short(request["cluster"].as_str().unwrap_or("default"));
                let record = json!({
                    "capacityProviderArn": format!("arn:aws:ecs:{}:{}:capacity-provider/{name}", super::REGION, super::ACCOUNT),
                    "name": name,
                    "cluster": format!("arn:aws:ecs:{}:{}:cluster/{cluster}", super::REGION, super::ACCOUNT),
                    "status": "ACTIVE",
                    "managedInstancesProvider": request["managedInstancesProvider"],
                    "tags": request.get("tags").cloned().unwrap_or(json!([])),
                });
                memory.managed_instances.insert(name, record.clone());
                Reply::json(200, &json!({"capacityProvider": record}))
            }
            "UpdateCapacityProvider" => {
                let name = request["name"].as_str().unwrap_or_default();
                let record = memory.managed_instances.get_mut(name).expect("checked");
                merge(
                    &mut record["managedInstancesProvider"],
                    &request["managedInstancesProvider"],
                );
                record["updateStatus"] = json!("UPDATE_COMPLETE");
                Reply::json(200, &json!({"capacityProvider": record}))
            }
            "DeleteCapacityProvider" => {
                let name = short(request["capacityProvider"].as_str().unwrap_or_default());
                let mut record = memory.managed_instances.remove(&name).expect("checked");
                record["status"] = json!("DELETE_IN_PROGRESS");
                Reply::json(200, &json!({"capacityProvider": record}))
            }
            "TagResource" => {
                let name = by_arn(&memory).expect("checked");
                let tags = memory.managed_instances.get_mut(&name).expect("found")["tags"]
                    .as_array_mut()
                    .map(std::mem::take)
                    .unwrap_or_default();
                let mut kept: Vec<Value> = tags
                    .into_iter()
                    .filter(|t| {
                        !request["tags"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .any(|n| n["key"] == t["key"])
                    })
                    .collect();
                kept.extend(request["tags"].as_array().cloned().unwrap_or_default());
                memory.managed_instances.get_mut(&name).expect("found")["tags"] = json!(kept);
                Reply::json(200, &json!({}))
            }
            _ => {
                let name = by_arn(&memory).expect("checked");
                let keys = request["tagKeys"].as_array().cloned().unwrap_or_default();
                let record = memory.managed_instances.get_mut(&name).expect("found");
                let kept: Vec<Value> = record["tags"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|t| !keys.contains(&t["key"]))
                    .cloned()
                    .collect();
                record["tags"] = json!(kept);
                Reply::json(200, &json!({}))
            }
        }
    }

    /// DescribeCapacityProviders by name: moto describes its own, the layer its Managed
    /// Instances providers (in the cluster asked for, when one is).
    async fn describe_capacity_providers<U: Upstream>(
        &self,
        upstream: &U,
        request: &Value,
    ) -> std::io::Result<Reply> {
        let names: Vec<String> = request["capacityProviders"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|n| n.as_str().map(short))
            .collect();
        let cluster = request["cluster"].as_str().map(short);
        let (managed, others): (Vec<Value>, Vec<String>) = {
            let memory = self.memory.lock().unwrap();
            let managed = names
                .iter()
                .filter_map(|n| memory.managed_instances.get(n))
                .filter(|p| {
                    cluster
                        .as_ref()
                        .is_none_or(|c| short(p["cluster"].as_str().unwrap_or_default()) == *c)
                })
                .cloned()
                .collect();
            let others = names
                .iter()
                .filter(|n| !memory.managed_instances.contains_key(*n))
                .cloned()
                .collect();
            (managed, others)
        };
        let mut providers = managed;
        let failures = match moto_providers(upstream, request, others).await? {
            Ok((described, failures)) => {
                providers.extend(described);
                failures
            }
            Err(reply) => return Ok(reply),
        };
        Ok(Reply::json(
            200,
            &json!({"capacityProviders": providers, "failures": failures}),
        ))
    }

    /// `capacity_providers_listed`: moto describes the providers the layer saw created,
    /// and the two Fargate providers every account has are added.
    async fn every_capacity_provider<U: Upstream>(
        &self,
        upstream: &U,
        request: &Value,
    ) -> std::io::Result<Reply> {
        let names: Vec<String> = self
            .memory
            .lock()
            .unwrap()
            .capacity_providers
            .iter()
            .cloned()
            .collect();
        let mut providers = match moto_providers(upstream, request, names).await? {
            Ok((described, _)) => described,
            Err(reply) => return Ok(reply),
        };
        providers.extend(
            self.memory
                .lock()
                .unwrap()
                .managed_instances
                .values()
                .cloned(),
        );
        for name in ["FARGATE", "FARGATE_SPOT"] {
            providers.push(json!({
                "capacityProviderArn": format!("arn:aws:ecs:{}:{}:capacity-provider/{name}", super::REGION, super::ACCOUNT),
                "name": name,
                "status": "ACTIVE",
                "tags": [],
            }));
        }
        Ok(Reply::json(
            200,
            &json!({"capacityProviders": providers, "failures": []}),
        ))
    }

    /// `stop_service_deployment`.
    fn stop_service_deployment(&self, request: &Value) -> Reply {
        let arn = request["serviceDeploymentArn"].clone();
        let mut all = self.memory.lock().unwrap();
        let Some(memory) = all.services.values_mut().find(|m| {
            m.deployments
                .iter()
                .any(|r| r["serviceDeploymentArn"] == arn)
        }) else {
            return Reply::error(
                400,
                "ServiceDeploymentNotFoundException",
                "The service deployment does not exist.",
            );
        };
        let index = memory
            .deployments
            .iter()
            .position(|r| r["serviceDeploymentArn"] == arn)
            .expect("found");
        let status = memory.deployments[index]["status"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        match status.as_str() {
            "PENDING" | "IN_PROGRESS" => {}
            "ROLLBACK_REQUESTED" | "ROLLBACK_IN_PROGRESS" | "STOP_REQUESTED" => {
                return Reply::json(200, &json!({"serviceDeploymentArn": arn}));
            }
            other => {
                return Reply::error(
                    400,
                    "InvalidParameterException",
                    &format!("The service deployment is {other} and can no longer be stopped."),
                );
            }
        }
        let source_revision = memory.deployments[index]["sourceServiceRevisions"][0]["arn"].clone();
        let source = memory
            .revisions
            .iter()
            .find(|r| r["serviceRevisionArn"] == source_revision)
            .and_then(|r| r["taskDefinition"].as_str().map(str::to_string));
        let at = now();
        let record = &mut memory.deployments[index];
        record["status"] = json!("ROLLBACK_REQUESTED");
        record["statusReason"] =
            json!("Service deployment rollback requested by StopServiceDeployment.");
        record["updatedAt"] = json!(at);
        memory.rollback = None;
        memory.staged = Some(StagedRun {
            record: index,
            script: rollback_tail(
                "The deployment was stopped with StopServiceDeployment (ROLLBACK).",
            ),
            position: 0,
            continued: false,
            source,
        });
        Reply::json(200, &json!({"serviceDeploymentArn": arn}))
    }

    /// ContinueServiceDeployment: a PAUSE hook that waits lets the deployment go on, or
    /// rolls it back (`deployment_stages`).
    fn continue_service_deployment(&self, request: &Value) -> Reply {
        let arn = request["serviceDeploymentArn"].clone();
        let mut all = self.memory.lock().unwrap();
        let Some(memory) = all.services.values_mut().find(|m| {
            m.deployments
                .iter()
                .any(|r| r["serviceDeploymentArn"] == arn)
        }) else {
            return Reply::error(
                400,
                "ServiceDeploymentNotFoundException",
                "The service deployment does not exist.",
            );
        };
        let Some(run) = memory.staged.as_mut() else {
            return Reply::error(
                400,
                "InvalidParameterException",
                "The service deployment has no hook waiting.",
            );
        };
        let record = &mut memory.deployments[run.record];
        let waiting = record["lifecycleHookDetails"]
            .as_array_mut()
            .into_iter()
            .flatten()
            .find(|h| h["hookId"] == request["hookId"] && h["status"] == "AWAITING_ACTION");
        let Some(hook) = waiting else {
            return Reply::error(
                400,
                "InvalidParameterException",
                "No hook with this id is waiting.",
            );
        };
        hook["status"] = json!("SUCCEEDED");
        if request["action"] == "ROLLBACK" {
            run.script.truncate(run.position);
            run.script
                .extend(rollback_tail("A PAUSE hook was answered with ROLLBACK."));
        }
        run.continued = true;
        Reply::json(200, &json!({"serviceDeploymentArn": arn}))
    }

    /// Gives moto back the task definitions of services the layer rolled back.
    async fn revert<U: Upstream>(&self, upstream: &U) -> std::io::Result<()> {
        let reverts: Vec<(String, String, String)> = {
            let mut all = self.memory.lock().unwrap();
            all.services
                .values_mut()
                .filter_map(|m| {
                    let td = m.revert_to.take()?;
                    Some((short(&m.cluster_arn), m.name.clone(), td))
                })
                .collect()
        };
        for (cluster, name, task_definition) in reverts {
            let body =
                json!({"cluster": cluster, "service": name, "taskDefinition": task_definition});
            upstream
                .call("UpdateService", &serde_json::to_vec(&body).expect("JSON"))
                .await?;
        }
        Ok(())
    }

    /// The service behind a ListServiceDeployments-style request, described through moto
    /// (an observation); an error reply when it does not exist.
    async fn observe_service<U: Upstream>(
        &self,
        upstream: &U,
        cluster: &str,
        service: &str,
    ) -> std::io::Result<Result<String, Reply>> {
        let body = json!({"cluster": cluster, "services": [service]});
        let reply = upstream
            .call(
                "DescribeServices",
                &serde_json::to_vec(&body).expect("JSON"),
            )
            .await?;
        if reply.status != 200 {
            return Ok(Err(reply));
        }
        let answer = self.rewrite_services(reply, true);
        let found = answer
            .json_body()
            .and_then(|b| {
                b["services"]
                    .as_array()
                    .and_then(|s| s.iter().find(|s| s["status"] != "INACTIVE").cloned())
            })
            .and_then(|s| s["serviceArn"].as_str().map(str::to_string));
        Ok(
            found
                .ok_or_else(|| Reply::error(400, "ServiceNotFoundException", "Service not found.")),
        )
    }

    async fn list_service_deployments<U: Upstream>(
        &self,
        upstream: &U,
        request: &Value,
    ) -> std::io::Result<Reply> {
        let service = request["service"].as_str().unwrap_or_default();
        let cluster = match request["cluster"].as_str() {
            Some(c) => short(c),
            None if service.starts_with("arn:") => {
                let parts: Vec<&str> = service.rsplit('/').collect();
                parts
                    .get(1)
                    .map(|c| c.to_string())
                    .unwrap_or("default".into())
            }
            None => "default".into(),
        };
        let arn = match self.observe_service(upstream, &cluster, service).await? {
            Ok(arn) => arn,
            Err(reply) => return Ok(reply),
        };
        let statuses: Vec<Value> = request["status"].as_array().cloned().unwrap_or_default();
        let before = request["createdAt"]["before"].as_f64();
        let after = request["createdAt"]["after"].as_f64();
        let max = request["maxResults"].as_u64().unwrap_or(20) as usize;
        let memory = self.memory.lock().unwrap();
        let records = memory
            .services
            .get(&arn)
            .map(|m| m.deployments.clone())
            .unwrap_or_default();
        let briefs: Vec<Value> = records
            .iter()
            .rev()
            .filter(|r| statuses.is_empty() || statuses.contains(&r["status"]))
            .filter(|r| before.is_none_or(|b| r["createdAt"].as_f64().unwrap_or(0.0) < b))
            .filter(|r| after.is_none_or(|a| r["createdAt"].as_f64().unwrap_or(0.0) > a))
            .take(max)
            .map(brief)
            .collect();
        Ok(Reply::json(200, &json!({"serviceDeployments": briefs})))
    }

    async fn describe_service_deployments<U: Upstream>(
        &self,
        upstream: &U,
        request: &Value,
    ) -> std::io::Result<Reply> {
        let wanted: Vec<String> = request["serviceDeploymentArns"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect();
        // Observe each service involved once, so a rollback moves on for this poller too.
        let owners: BTreeSet<(String, String)> = {
            let memory = self.memory.lock().unwrap();
            memory
                .services
                .values()
                .filter(|m| {
                    m.deployments
                        .iter()
                        .any(|r| wanted.iter().any(|w| r["serviceDeploymentArn"] == json!(w)))
                })
                .map(|m| (short(&m.cluster_arn), m.name.clone()))
                .collect()
        };
        for (cluster, name) in owners {
            if let Err(reply) = self.observe_service(upstream, &cluster, &name).await? {
                return Ok(reply);
            }
        }
        let mut memory = self.memory.lock().unwrap();
        // A staged deployment moves one stage each time its record is described.
        let at = now();
        for service in memory.services.values_mut() {
            let described = service.staged.as_ref().is_some_and(|run| {
                wanted
                    .iter()
                    .any(|w| service.deployments[run.record]["serviceDeploymentArn"] == json!(w))
            });
            if described {
                self.advance_stage(service, at);
            }
        }
        let mut found = Vec::new();
        let mut failures = Vec::new();
        for arn in &wanted {
            match memory
                .services
                .values()
                .flat_map(|m| m.deployments.iter())
                .find(|r| r["serviceDeploymentArn"] == json!(arn))
            {
                Some(record) => found.push(record.clone()),
                None => failures.push(json!({"arn": arn, "reason": "MISSING"})),
            }
        }
        Ok(Reply::json(
            200,
            &json!({"serviceDeployments": found, "failures": failures}),
        ))
    }

    fn describe_service_revisions(&self, request: &Value) -> Reply {
        let memory = self.memory.lock().unwrap();
        let mut found = Vec::new();
        let mut failures = Vec::new();
        for arn in request["serviceRevisionArns"]
            .as_array()
            .into_iter()
            .flatten()
        {
            match memory
                .services
                .values()
                .flat_map(|m| m.revisions.iter())
                .find(|r| &r["serviceRevisionArn"] == arn)
            {
                Some(revision) => found.push(revision.clone()),
                None => failures.push(json!({"arn": arn, "reason": "MISSING"})),
            }
        }
        Reply::json(
            200,
            &json!({"serviceRevisions": found, "failures": failures}),
        )
    }
}

/// moto's DescribeCapacityProviders of `names` (none asked when there are none): the
/// providers and failures, or moto's error reply.
async fn moto_providers<U: Upstream>(
    upstream: &U,
    request: &Value,
    names: Vec<String>,
) -> std::io::Result<Result<(Vec<Value>, Vec<Value>), Reply>> {
    if names.is_empty() {
        return Ok(Ok((Vec::new(), Vec::new())));
    }
    let mut ask = request.clone();
    ask["capacityProviders"] = json!(names);
    let reply = upstream
        .call(
            "DescribeCapacityProviders",
            &serde_json::to_vec(&ask).expect("JSON"),
        )
        .await?;
    if reply.status != 200 {
        return Ok(Err(reply));
    }
    let body = reply.json_body().unwrap_or_default();
    let list = |key: &str| body[key].as_array().cloned().unwrap_or_default();
    Ok(Ok((list("capacityProviders"), list("failures"))))
}

/// Lays `update`'s members over `value`, object by object (UpdateCapacityProvider changes
/// what it names and keeps the rest).
fn merge(value: &mut Value, update: &Value) {
    match (value.as_object_mut(), update.as_object()) {
        (Some(have), Some(given)) => {
            for (key, member) in given {
                match have.get_mut(key) {
                    Some(existing) if existing.is_object() && member.is_object() => {
                        merge(existing, member)
                    }
                    _ => {
                        have.insert(key.clone(), member.clone());
                    }
                }
            }
        }
        _ => *value = update.clone(),
    }
}

/// The entries that roll a deployment back: ROLLBACK_IN_PROGRESS, then ROLLBACK_SUCCESSFUL.
pub fn rollback_tail(reason: &str) -> Vec<Value> {
    vec![
        json!({
            "status": "ROLLBACK_IN_PROGRESS",
            "statusReason": reason,
            "rollback": { "reason": reason },
        }),
        json!({ "status": "ROLLBACK_SUCCESSFUL" }),
    ]
}

/// `deployment_stages`: the script of a traffic-shifting deployment with this
/// deploymentConfiguration; with `hook_fails`, its first Lambda hook fails.
pub fn stage_script(config: &Value, hook_fails: bool) -> Vec<Value> {
    let percent = |parent: &str, key: &str, default: f64| {
        config[parent][key]
            .as_f64()
            .filter(|p| *p > 0.0)
            .unwrap_or(default)
    };
    let weights: Vec<f64> = match config["strategy"].as_str() {
        Some("CANARY") => vec![percent("canaryConfiguration", "canaryPercent", 5.0), 100.0],
        Some("LINEAR") => {
            let step = percent("linearConfiguration", "stepPercent", 10.0);
            let steps = (100.0 / step).ceil() as usize;
            (1..=steps).map(|i| (step * i as f64).min(100.0)).collect()
        }
        _ => vec![100.0],
    };
    let mut stages: Vec<(&str, f64, f64)> = vec![
        ("PRE_SCALE_UP", 0.0, 0.0),
        ("SCALE_UP", 0.0, 0.0),
        ("POST_SCALE_UP", 0.0, 0.0),
        ("TEST_TRAFFIC_SHIFT", 0.0, 100.0),
        ("POST_TEST_TRAFFIC_SHIFT", 0.0, 100.0),
    ];
    for weight in weights {
        stages.push(("PRODUCTION_TRAFFIC_SHIFT", weight, 100.0));
    }
    stages.extend([
        ("POST_PRODUCTION_TRAFFIC_SHIFT", 100.0, 100.0),
        ("BAKE_TIME", 100.0, 100.0),
        ("CLEAN_UP", 100.0, 100.0),
    ]);
    let hooks: Vec<&Value> = config["lifecycleHooks"]
        .as_array()
        .into_iter()
        .flatten()
        .collect();
    let mut script = Vec::new();
    let mut seen = BTreeSet::new();
    for (n, (stage, production, test)) in stages.into_iter().enumerate() {
        script.push(json!({
            "lifecycleStage": stage,
            "targetServiceRevision": {
                "requestedProductionTrafficWeight": production,
                "requestedTestTrafficWeight": test,
            },
        }));
        // Hooks of a stage ECS runs at every step run there each time; the others once.
        if !seen.insert(stage) && stage != "PRODUCTION_TRAFFIC_SHIFT" {
            continue;
        }
        for (i, hook) in hooks.iter().enumerate() {
            let at_stage = hook["lifecycleStages"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|s| s == stage);
            if !at_stage {
                continue;
            }
            let pause = hook["targetType"] == "PAUSE";
            let detail = |status: &str| {
                let mut d = json!({
                    "hookId": format!("hook-{n}-{i}"),
                    "targetType": if pause { "PAUSE" } else { "AWS_LAMBDA" },
                    "status": status,
                    "expiresInMinutes": hook["timeoutConfiguration"]["timeoutInMinutes"].as_f64().unwrap_or(1440.0),
                    "timeoutAction": hook["timeoutConfiguration"]["action"].as_str().unwrap_or("ROLLBACK"),
                });
                if let Some(arn) = hook["hookTargetArn"].as_str() {
                    d["targetArn"] = json!(arn);
                }
                d
            };
            if pause {
                script.push(
                    json!({"lifecycleHookDetails": [detail("AWAITING_ACTION")], "halt": true}),
                );
                continue;
            }
            script.push(json!({"lifecycleHookDetails": [detail("IN_PROGRESS")]}));
            if hook_fails {
                script.push(json!({"lifecycleHookDetails": [detail("FAILED")]}));
                let function = hook["hookTargetArn"].as_str().unwrap_or("?");
                script.extend(rollback_tail(&format!(
                    "Service deployment rolled back because lifecycle hook {function} returned FAILED at {stage}."
                )));
                return script;
            }
            script.push(json!({"lifecycleHookDetails": [detail("SUCCEEDED")]}));
        }
    }
    script.push(json!({"status": "SUCCESSFUL"}));
    script
}

/// moto's PRIMARY deployment as the layer's own.
fn moto_primary(service: &Value) -> Option<Dep> {
    let primary = service["deployments"]
        .as_array()?
        .iter()
        .find(|d| d["status"] == "PRIMARY")?;
    Some(Dep {
        id: primary["id"].as_str()?.to_string(),
        task_definition: primary["taskDefinition"]
            .as_str()
            .or(service["taskDefinition"].as_str())?
            .to_string(),
        created_at: primary["createdAt"].as_f64().unwrap_or_else(now),
    })
}

/// The deployment configuration with the defaults `deployment_configuration_defaults` and
/// `deployment_strategy_defaults` fill in, for a service deployment record.
fn deployment_configuration_defaults_in(config: &mut Value, service: &Value) {
    let mut holder = json!({
        "schedulingStrategy": service["schedulingStrategy"],
        "deploymentController": service["deploymentController"],
        "deploymentConfiguration": config.clone(),
    });
    let memory = ServiceMemory::default();
    deployment_configuration_defaults(&mut holder, &memory);
    deployment_strategy_defaults(&mut holder, &memory);
    *config = holder["deploymentConfiguration"].take();
}

/// A service deployment's short id (ECS uses 22 letters, digits, `-` and `_`).
fn deployment_token(mut n: u64) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for i in 0..22 {
        if i == 11 {
            n = n.rotate_left(29) ^ 0x5DEE_CE66_D1CE_4E5B;
        }
        out.push(ALPHABET[(n % 64) as usize] as char);
        n /= 64;
        n ^= (i as u64).wrapping_mul(0x2545_F491_4F6C_DD1D);
    }
    out
}

/// A ServiceDeploymentBrief of a ServiceDeployment.
fn brief(record: &Value) -> Value {
    let mut out = Map::new();
    for key in [
        "serviceDeploymentArn",
        "serviceArn",
        "clusterArn",
        "startedAt",
        "createdAt",
        "finishedAt",
        "status",
        "statusReason",
    ] {
        if let Some(v) = record.get(key).filter(|v| !v.is_null()) {
            out.insert(key.into(), v.clone());
        }
    }
    out.insert(
        "targetServiceRevisionArn".into(),
        record["targetServiceRevision"]["arn"].clone(),
    );
    Value::Object(out)
}

/// The account moto gives the test credentials (`testing`): the caller of every AssumeRole.
pub const CALLER_ACCOUNT: &str = "123456789012";

/// `assume_role_trust`: whether a role's trust policy (`None` when the role does not
/// exist) lets `caller_account` assume it with `external_id`.
pub fn assume_role_allowed(
    trust_policy: Option<&Value>,
    caller_account: &str,
    external_id: Option<&str>,
) -> bool {
    let Some(policy) = trust_policy else {
        return false;
    };
    let list = |v: Option<&Value>| -> Vec<String> {
        match v {
            Some(Value::String(s)) => vec![s.clone()],
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(|i| i.as_str().map(str::to_string))
                .collect(),
            _ => Vec::new(),
        }
    };
    let statements = match policy.get("Statement") {
        Some(Value::Array(items)) => items.clone(),
        Some(one) => vec![one.clone()],
        None => Vec::new(),
    };
    statements.iter().any(|statement| {
        let allows = statement.get("Effect").and_then(Value::as_str) == Some("Allow");
        let action = list(statement.get("Action"))
            .iter()
            .any(|a| matches!(a.as_str(), "sts:AssumeRole" | "sts:*" | "*"));
        let principal = match statement.get("Principal") {
            Some(Value::String(star)) => star == "*",
            Some(p) => list(p.get("AWS")).iter().any(|who| {
                who == "*" || who == caller_account || who.split(':').nth(4) == Some(caller_account)
            }),
            None => false,
        };
        let wanted: Vec<String> = ["StringEquals", "StringLike"]
            .iter()
            .flat_map(|op| {
                list(
                    statement
                        .get("Condition")
                        .and_then(|c| c.get(*op))
                        .and_then(|c| c.get("sts:ExternalId")),
                )
            })
            .collect();
        let external =
            wanted.is_empty() || external_id.is_some_and(|id| wanted.iter().any(|w| w == id));
        allows && action && principal && external
    })
}

/// `lifecycle_archive_rules`: whether a lifecycle policy document uses what ECR's archive
/// storage added (and moto refuses).
pub fn uses_archive_features(doc: &Value) -> bool {
    doc["rules"].as_array().into_iter().flatten().any(|rule| {
        rule["action"]["type"] == "transition"
            || rule["selection"].get("storageClass").is_some()
            || matches!(
                rule["selection"]["countType"].as_str(),
                Some("sinceImagePulled" | "sinceImageTransitioned")
            )
    })
}

impl AwsBehaviour {
    /// The lifecycle policy the layer keeps for `repository`, if any.
    pub fn kept_lifecycle_policy(&self, repository: &str) -> Option<String> {
        self.memory
            .lock()
            .unwrap()
            .lifecycle_policies
            .get(repository)
            .cloned()
    }

    /// Keeps (Some) or forgets (None) a repository's lifecycle policy; returns the old one.
    pub fn keep_lifecycle_policy(&self, repository: &str, text: Option<String>) -> Option<String> {
        let mut memory = self.memory.lock().unwrap();
        match text {
            Some(text) => memory
                .lifecycle_policies
                .insert(repository.to_string(), text),
            None => memory.lifecycle_policies.remove(repository),
        }
    }
}

/// The ECR operations `registry_supply_chain_apis` answers.
pub const SUPPLY_CHAIN_OPERATIONS: &[&str] = &[
    "GetSigningConfiguration",
    "PutSigningConfiguration",
    "DeleteSigningConfiguration",
    "GetAccountSetting",
    "PutAccountSetting",
    "ListPullTimeUpdateExclusions",
    "RegisterPullTimeUpdateExclusion",
    "DeregisterPullTimeUpdateExclusion",
];

impl AwsBehaviour {
    /// `registry_supply_chain_apis`: one of those ECR calls, answered from the layer's memory.
    pub fn supply_chain_call(&self, operation: &str, request: &Value) -> Reply {
        let mut memory = self.memory.lock().unwrap();
        let registry = json!({"registryId": "123456789012"});
        let with = |extra: Value| {
            let mut out = registry.clone();
            if let (Some(out), Some(extra)) = (out.as_object_mut(), extra.as_object()) {
                out.extend(extra.clone());
            }
            Reply::json(200, &out)
        };
        match operation {
            "GetSigningConfiguration" => match &memory.signing {
                Some(config) => with(json!({"signingConfiguration": config})),
                None => Reply::error(
                    400,
                    "SigningConfigurationNotFoundException",
                    "The signing configuration for the registry does not exist.",
                ),
            },
            "PutSigningConfiguration" => {
                let config = request["signingConfiguration"].clone();
                memory.signing = Some(config.clone());
                with(json!({"signingConfiguration": config}))
            }
            "DeleteSigningConfiguration" => match memory.signing.take() {
                Some(config) => with(json!({"signingConfiguration": config})),
                None => Reply::error(
                    400,
                    "SigningConfigurationNotFoundException",
                    "The signing configuration for the registry does not exist.",
                ),
            },
            "GetAccountSetting" => {
                let name = request["name"].as_str().unwrap_or_default().to_string();
                let default = match name.as_str() {
                    "REGISTRY_POLICY_SCOPE" => "V2",
                    "BASIC_SCAN_TYPE_VERSION" => "AWS_NATIVE",
                    _ => "DISABLED",
                };
                let value = memory
                    .account_settings
                    .get(&name)
                    .cloned()
                    .unwrap_or_else(|| default.to_string());
                Reply::json(200, &json!({"name": name, "value": value}))
            }
            "PutAccountSetting" => {
                let name = request["name"].as_str().unwrap_or_default().to_string();
                let value = request["value"].as_str().unwrap_or_default().to_string();
                memory.account_settings.insert(name.clone(), value.clone());
                Reply::json(200, &json!({"name": name, "value": value}))
            }
            "ListPullTimeUpdateExclusions" => Reply::json(
                200,
                &json!({"pullTimeUpdateExclusions": memory.exclusions.iter().collect::<Vec<_>>()}),
            ),
            "RegisterPullTimeUpdateExclusion" | "DeregisterPullTimeUpdateExclusion" => {
                let arn = request["principalArn"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                if operation.starts_with("Register") {
                    memory.exclusions.insert(arn.clone());
                } else {
                    memory.exclusions.remove(&arn);
                }
                with(json!({"principalArn": arn, "createdAt": now()}))
            }
            _ => Reply::error(400, "UnknownOperationException", operation),
        }
    }
}

impl AwsBehaviour {
    /// `inspector_ecr_configuration`: POST /configuration/get or /configuration/update.
    pub fn inspector_call(&self, path: &str, request: &Value) -> Reply {
        let mut memory = self.memory.lock().unwrap();
        if path == "/configuration/update" {
            memory.inspector_ecr = Some(request["ecrConfiguration"].clone());
            return Reply::json(200, &json!({}));
        }
        let current = memory.inspector_ecr.clone().unwrap_or_else(|| {
            json!({"rescanDuration": "DAYS_14", "pullDateRescanDuration": "DAYS_14", "pullDateRescanMode": "LAST_IN_USE_AT"})
        });
        let mut state = current.clone();
        if let Some(state) = state.as_object_mut() {
            state.insert("status".into(), json!("SUCCESS"));
            state.insert("updatedAt".into(), json!(now()));
        }
        Reply::json(
            200,
            &json!({"ecrConfiguration": {"rescanDurationState": state}}),
        )
    }
}
