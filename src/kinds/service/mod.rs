//! ECS services (`ecs.service.NAME`): the CreateService input from the manifest, with the
//! cluster and task definition named by the manifest resolved, compared field by field
//! with DescribeServices after AWS's defaults are filled in. Updates go through
//! UpdateService; what UpdateService cannot change (launch type, scheduling strategy,
//! deployment controller, role) replaces the service. Every create or update waits for
//! the deployment to finish, and a failed rollout is an error.

pub mod deployment;
pub mod export;
pub mod io;
pub mod lint;
pub mod live;
pub mod operation;
pub mod rollout;
pub mod validate;

use crate::kinds::common::{Context, KindPlan};
use crate::kinds::reconcile::{Ownership, Reconcile, not_declared, reconcile};
use crate::kinds::task_definition;
use crate::live::{LiveService, LiveSnapshot};
use crate::manifest::model::{ApiObject, Manifest};
use crate::plan::{Change, ChangeAction, ChangeReason, FieldChange, Operation};
pub use operation::ServiceOperation;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

pub const ADDRESS_PREFIX: &str = operation::ENTRY.prefix;

/// Members of DescribeServices' service that a running service changes by itself.
pub const VOLATILE_MEMBERS: &[&str] = &[
    "runningCount",
    "pendingCount",
    "deployments",
    "events",
    "taskSets",
];

/// How long apply waits for a deployment to finish, by default, besides the bake time
/// its strategy declares.
pub const DEFAULT_WAIT_SECONDS: u64 = 600;

/// How long apply waits by default for a deployment of `service`: ten minutes for the
/// rollout, plus every bake time its strategy declares, with ECS's defaults where it
/// declares none (`rollout::Rollout::baking_minutes`). `waitSeconds` and `--wait-timeout`
/// win over it.
pub fn default_wait_seconds(service: &ApiObject) -> u64 {
    let rollout = rollout::Rollout::of(service.get("deploymentConfiguration"), 0);
    DEFAULT_WAIT_SECONDS + 60 * rollout.baking_minutes()
}

pub fn address(name: &str) -> String {
    format!("{ADDRESS_PREFIX}{name}")
}

/// Members UpdateService cannot change: a difference replaces the service. (A test
/// checks this list against the SDK's UpdateService input.)
pub(crate) const REPLACE_MEMBERS: &[&str] = &["launchType", "schedulingStrategy", "role"];

/// Members compared, sent and exported, in CreateService's documented order: exactly the
/// managed members of `ecs_members::CREATE_SERVICE` (a test holds the two together).
pub(crate) const MANAGED_MEMBERS: &[&str] = &[
    "taskDefinition",
    "desiredCount",
    "launchType",
    "capacityProviderStrategy",
    "platformVersion",
    "networkConfiguration",
    "loadBalancers",
    "serviceRegistries",
    "deploymentConfiguration",
    "deploymentController",
    "healthCheckGracePeriodSeconds",
    "enableExecuteCommand",
    "enableECSManagedTags",
    "propagateTags",
    "placementConstraints",
    "placementStrategy",
    "schedulingStrategy",
    "serviceConnectConfiguration",
    "volumeConfigurations",
    "vpcLatticeConfigurations",
    "availabilityZoneRebalancing",
    "role",
];

/// Members whose change makes UpdateService start a new deployment, which rolls out by
/// the service's strategy (ECS API Reference, UpdateService: each member says whether
/// it "triggers a new service deployment"). Counts, deployment settings and the capacity
/// provider strategy alone do not (wharf forces a deployment for a new strategy).
const DEPLOYING_MEMBERS: &[&str] = &[
    "taskDefinition",
    "platformVersion",
    "networkConfiguration",
    "loadBalancers",
    "serviceRegistries",
    "serviceConnectConfiguration",
    "volumeConfigurations",
    "vpcLatticeConfigurations",
];

/// Members DescribeServices reports only on the service's deployments, never on the
/// service itself (ECS API Reference, Deployment: `serviceConnectConfiguration`,
/// `volumeConfigurations`, `vpcLatticeConfigurations`); the PRIMARY deployment holds
/// what the service was last given.
const DEPLOYMENT_MEMBERS: &[&str] = &[
    "serviceConnectConfiguration",
    "volumeConfigurations",
    "vpcLatticeConfigurations",
];

/// Members AWS decides when the manifest leaves them out, and so are compared only when
/// the manifest states them:
/// - `availabilityZoneRebalancing`: CreateService defaults it to ENABLED where the service
///   supports it, UpdateService keeps the service's value, and services created before it
///   existed report none (ECS API Reference, CreateService/UpdateService
///   `availabilityZoneRebalancing`);
/// - `desiredCount`: left out, it belongs to autoscaling (or to whoever scales the service).
const COMPARED_WHEN_STATED: &[&str] = &["availabilityZoneRebalancing", "desiredCount"];

/// What a service needs first: its task definition and cluster, when this manifest
/// declares them.
pub fn dependencies(manifest: &Manifest, name: &str) -> Vec<String> {
    let Some(service) = manifest.ecs.services.get(name) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if let Some(family) = service.get("taskDefinition").and_then(Value::as_str)
        && manifest.ecs.task_definitions.contains_key(family)
    {
        out.push(task_definition::address(family));
    }
    if let Some(cluster) = service.get("cluster").and_then(Value::as_str)
        && manifest.ecs.clusters.contains_key(cluster)
    {
        out.push(crate::kinds::cluster::address(cluster));
    }
    out
}

/// The cluster name of a reference (a manifest name or a cluster ARN).
pub fn cluster_name(reference: &str) -> String {
    reference
        .rsplit('/')
        .next()
        .unwrap_or(reference)
        .to_string()
}

/// The cluster a declared service runs in, by name: its `cluster` (a name or an ARN), or
/// `default` (ECS API Reference, CreateService `cluster`: "If you do not specify a
/// cluster, the default cluster is assumed").
pub fn cluster_of(service: &ApiObject) -> String {
    cluster_name(
        service
            .get("cluster")
            .and_then(Value::as_str)
            .unwrap_or("default"),
    )
}

#[derive(Clone, Debug, PartialEq)]
pub struct DesiredService {
    pub name: String,
    pub cluster: String,
    /// Managed members in AWS shape (taskDefinition as `family:revision`, or `family` when
    /// this plan registers a new revision: ECS then takes the latest ACTIVE one).
    pub members: BTreeMap<String, Value>,
    pub tags: BTreeMap<String, String>,
    pub wait_seconds: u64,
    /// Members the manifest states (a create shows these, not AWS's defaults).
    pub declared: BTreeSet<String>,
    /// `taskDefinition` is a family this plan registers a new revision of.
    pub registers_revision: bool,
    /// The count a service whose `autoScaling` owns its count is created with (its
    /// `minCapacity`); never sent to UpdateService.
    pub initial_count: Option<i32>,
}

/// AWS's defaults for members a manifest may leave out, so absent equals default
/// (`export` leaves out what this would fill in).
pub(crate) fn with_defaults(members: &mut BTreeMap<String, Value>, fargate: bool) {
    let defaults = [
        ("schedulingStrategy", json!("REPLICA")),
        ("deploymentController", json!({"type": "ECS"})),
        ("enableExecuteCommand", json!(false)),
        ("enableECSManagedTags", json!(false)),
        ("propagateTags", json!("NONE")),
        ("healthCheckGracePeriodSeconds", json!(0)),
    ];
    for (key, value) in defaults {
        members.entry(key.into()).or_insert(value);
    }
    // A capacity provider strategy item's `base` and `weight` default to 0 (ECS API
    // Reference, CapacityProviderStrategyItem).
    if let Some(Value::Array(items)) = members.get_mut("capacityProviderStrategy") {
        for item in items.iter_mut() {
            if let Value::Object(item) = item {
                for key in ["base", "weight"] {
                    item.entry(key).or_insert(json!(0));
                }
            }
        }
    }
    // Fargate (the launch type, or its capacity providers) runs the LATEST platform
    // version unless told otherwise (ECS API Reference, CreateService `platformVersion`).
    let fargate_providers = members
        .get("capacityProviderStrategy")
        .and_then(Value::as_array)
        .is_some_and(|items| {
            !items.is_empty()
                && items.iter().all(|i| {
                    matches!(
                        i["capacityProvider"].as_str(),
                        Some("FARGATE" | "FARGATE_SPOT")
                    )
                })
        });
    if fargate || fargate_providers {
        members
            .entry("platformVersion".into())
            .or_insert(json!("LATEST"));
    }
    // deploymentConfiguration: AWS's defaults unless stated (ECS API Reference,
    // DeploymentConfiguration): maximumPercent 200 and minimumHealthyPercent 100 for a
    // REPLICA service, 100 and 0 for a DAEMON one; the circuit breaker off; `strategy`
    // ROLLING, which DescribeServices now reports with `bakeTimeInMinutes` 0.
    let daemon = members.get("schedulingStrategy") == Some(&json!("DAEMON"));
    let mut config = members
        .remove("deploymentConfiguration")
        .unwrap_or_else(|| json!({}));
    if let Some(map) = config.as_object_mut() {
        map.retain(|_, v| !v.is_null());
        map.entry("maximumPercent")
            .or_insert(json!(if daemon { 100 } else { 200 }));
        map.entry("minimumHealthyPercent")
            .or_insert(json!(if daemon { 0 } else { 100 }));
        let breaker = map
            .entry("deploymentCircuitBreaker")
            .or_insert(json!({"enable": false, "rollback": false}));
        if let Some(b) = breaker.as_object_mut() {
            b.entry("enable").or_insert(json!(false));
            b.entry("rollback").or_insert(json!(false));
        }
        // An alarms block that is off means the same as none.
        if map.get("alarms").is_some_and(|a| {
            a["enable"] == json!(false) && a["alarmNames"].as_array().is_none_or(Vec::is_empty)
        }) {
            map.remove("alarms");
        }
        let strategy = map.entry("strategy").or_insert(json!("ROLLING")).clone();
        // A rolling deployment has no bake time: 0 is what AWS reports for it.
        if strategy == json!("ROLLING") && map.get("bakeTimeInMinutes") == Some(&json!(0)) {
            map.remove("bakeTimeInMinutes");
        }
        // Percentages of traffic are doubles (ECS API Reference, CanaryConfiguration
        // `canaryPercent`, LinearConfiguration `stepPercent`): `10` is read back as `10.0`.
        for (settings, key) in [
            ("canaryConfiguration", "canaryPercent"),
            ("linearConfiguration", "stepPercent"),
        ] {
            if let Some(value) = map.get_mut(settings).and_then(|c| c.get_mut(key))
                && let Some(number) = value.as_f64()
            {
                *value = json!(number);
            }
        }
        // Lifecycle hooks: none is the same as an empty list.
        if map
            .get("lifecycleHooks")
            .and_then(Value::as_array)
            .is_some_and(Vec::is_empty)
        {
            map.remove("lifecycleHooks");
        }
    }
    members.insert("deploymentConfiguration".into(), config);
    // moto answers `networkConfiguration: {}` for a service without one, AWS leaves it
    // out (ECS API Reference, Service): an empty one is none.
    if members.get("networkConfiguration").is_some_and(|n| {
        n.as_object()
            .is_some_and(|m| m.values().all(Value::is_null))
    }) {
        members.remove("networkConfiguration");
    }
    if let Some(Value::Object(net)) = members.get_mut("networkConfiguration")
        && let Some(Value::Object(vpc)) = net.get_mut("awsvpcConfiguration")
    {
        vpc.entry("assignPublicIp").or_insert(json!("DISABLED"));
        for key in ["subnets", "securityGroups"] {
            if let Some(Value::Array(items)) = vpc.get_mut(key) {
                items.sort_by_key(|v| v.as_str().unwrap_or_default().to_string());
            }
        }
    }
    // Empty lists and nulls are the same as none, at any depth: AWS reports
    // `secretOptions: []` and the like for what was never given.
    for value in members.values_mut() {
        drop_empty(value);
    }
    members.retain(|_, v| !matches!(v, Value::Array(a) if a.is_empty()) && !v.is_null());
}

/// Removes null members and empty lists from every object inside `value`.
fn drop_empty(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|_, v| !v.is_null() && !matches!(v, Value::Array(a) if a.is_empty()));
            map.values_mut().for_each(drop_empty);
        }
        Value::Array(items) => items.iter_mut().for_each(drop_empty),
        _ => {}
    }
}

pub fn desired(
    manifest: &Manifest,
    ctx: &Context,
    live: &LiveSnapshot,
    registering: &BTreeSet<String>,
    name: &str,
    service: &ApiObject,
) -> DesiredService {
    let cluster = cluster_of(service);
    let mut members: BTreeMap<String, Value> = service
        .iter()
        .filter(|(k, _)| MANAGED_MEMBERS.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if let Some(Value::String(reference)) = service.get("taskDefinition") {
        let resolved = if manifest.ecs.task_definitions.contains_key(reference) {
            if registering.contains(reference) {
                reference.clone()
            } else {
                live.task_definitions
                    .get(reference)
                    .map(|t| task_definition::short_arn(&t.arn).to_string())
                    .unwrap_or_else(|| reference.clone())
            }
        } else {
            task_definition::short_arn(reference).to_string()
        };
        members.insert("taskDefinition".into(), json!(resolved));
    }
    if let Some(Value::String(reference)) = service.get("role") {
        members.insert(
            "role".into(),
            json!(crate::kinds::role::qualify_name(manifest, ctx, reference)),
        );
    }
    let fargate = members.get("launchType") == Some(&json!("FARGATE"));
    with_defaults(&mut members, fargate);
    let tags = crate::kinds::common::declared_tags(manifest, service);
    let registers_revision = service
        .get("taskDefinition")
        .and_then(Value::as_str)
        .is_some_and(|t| registering.contains(t));
    DesiredService {
        name: name.to_string(),
        cluster,
        registers_revision,
        initial_count: crate::kinds::autoscaling::model::of(service)
            .and_then(Result::ok)
            .map(|scaling| scaling.min_capacity),
        declared: service.keys().cloned().collect(),
        members,
        tags,
        wait_seconds: service
            .get("waitSeconds")
            .and_then(Value::as_u64)
            .unwrap_or_else(|| default_wait_seconds(service)),
    }
}

/// A DescribeServices service's managed members in CreateService's terms, as AWS reports
/// them (before defaults): what the plan compares and `export` writes.
pub fn live_members(document: &Value) -> BTreeMap<String, Value> {
    let mut members: BTreeMap<String, Value> = MANAGED_MEMBERS
        .iter()
        .filter_map(|k| document.get(*k).map(|v| (k.to_string(), v.clone())))
        .filter(|(_, v)| !v.is_null())
        .collect();
    // CreateService takes `role`; DescribeServices reports it as `roleArn` (ECS API
    // Reference, Service `roleArn`).
    members.remove("role");
    if let Some(arn) = document.get("roleArn").filter(|v| !v.is_null()) {
        members.insert("role".into(), arn.clone());
    }
    if let Some(Value::String(arn)) = members.get("taskDefinition") {
        let short = task_definition::short_arn(arn).to_string();
        members.insert("taskDefinition".into(), json!(short));
    }
    // Reported on the PRIMARY deployment only (see DEPLOYMENT_MEMBERS); a service
    // document that carries one itself (older responses, the emulator) is read as well.
    let primary = document["deployments"]
        .as_array()
        .and_then(|d| d.iter().find(|d| d["status"] == "PRIMARY"));
    if let Some(primary) = primary {
        for key in DEPLOYMENT_MEMBERS {
            if let Some(value) = primary.get(*key).filter(|v| !v.is_null()) {
                members.insert(key.to_string(), value.clone());
            }
        }
    }
    members
}

/// The live service's managed members, in the same terms as the desired ones.
fn observed(have: &LiveService, desired: &DesiredService) -> BTreeMap<String, Value> {
    let mut members = live_members(&have.document);
    for key in COMPARED_WHEN_STATED {
        if !desired.members.contains_key(*key) {
            members.remove(*key);
        }
    }
    // A service given no `role` uses ECS's service-linked role, and DescribeServices
    // reports it as the service's `roleArn` (ECS Developer Guide, "Using service-linked
    // roles for Amazon ECS"): AWS's choice, not a difference.
    if !desired.members.contains_key("role")
        && members
            .get("role")
            .and_then(Value::as_str)
            .is_some_and(|arn| arn.contains(":role/aws-service-role/"))
    {
        members.remove("role");
    }
    // Service Connect without a `namespace` uses the cluster's default namespace, which
    // AWS then reports (ECS API Reference, ServiceConnectConfiguration `namespace`).
    if let (Some(want), Some(Value::Object(have))) = (
        desired.members.get("serviceConnectConfiguration"),
        members.get_mut("serviceConnectConfiguration"),
    ) && want.get("namespace").is_none()
    {
        have.remove("namespace");
    }
    // A service created with neither `launchType` nor `capacityProviderStrategy` runs on
    // the cluster's default capacity provider strategy, or else reads back as
    // `launchType: EC2` (ECS API Reference, CreateService `launchType`): what AWS chose
    // is not a difference.
    if !desired.members.contains_key("launchType")
        && !desired.members.contains_key("capacityProviderStrategy")
    {
        if members.get("launchType") == Some(&json!("EC2")) {
            members.remove("launchType");
        }
        if !members.contains_key("launchType") {
            members.remove("capacityProviderStrategy");
        }
    }
    // A family given alone runs its latest ACTIVE revision when the service is created or
    // updated (ECS API Reference, CreateService `taskDefinition`). For a family this
    // manifest does not declare, wharf does not follow its revisions: running any
    // revision of it is what the manifest says.
    if let Some(Value::String(family)) = desired.members.get("taskDefinition")
        && !desired.registers_revision
        && !family.contains(':')
        && !family.starts_with("arn:")
        && let Some(Value::String(live)) = members.get("taskDefinition")
        && live.split(':').next() == Some(family.as_str())
    {
        members.insert("taskDefinition".into(), json!(family));
    }
    // A service of the EXTERNAL deployment controller may have no task definition: its
    // task sets carry them (ECS API Reference, CreateService `taskDefinition`).
    if !desired.members.contains_key("taskDefinition") {
        members.remove("taskDefinition");
    }
    let fargate = members.get("launchType") == Some(&json!("FARGATE"));
    with_defaults(&mut members, fargate);
    members
}

pub fn plan(manifest: &Manifest, ctx: &Context, live: &LiveSnapshot, prune: bool) -> KindPlan {
    plan_with(
        manifest,
        ctx,
        live,
        prune,
        crate::kinds::common::Adoption::Refuse,
    )
}

/// `plan`, adopting declared services that carry no ownership tag when asked to.
pub fn plan_with(
    manifest: &Manifest,
    ctx: &Context,
    live: &LiveSnapshot,
    prune: bool,
    adoption: crate::kinds::common::Adoption,
) -> KindPlan {
    let services = Services {
        manifest,
        ctx,
        live,
        registering: task_definition::families_registering(manifest, ctx, live),
    };
    reconcile(&services, prune, adoption)
}

/// The services of a manifest against those ECS holds.
struct Services<'a> {
    manifest: &'a Manifest,
    ctx: &'a Context<'a>,
    live: &'a LiveSnapshot,
    /// Families this plan registers a new revision of (their services deploy it).
    registering: BTreeSet<String>,
}

impl Reconcile for Services<'_> {
    type Want = DesiredService;
    type Have = LiveService;
    const NOUN: &'static str = "service";
    const PREFIX: &'static str = ADDRESS_PREFIX;
    const OWNERSHIP: Ownership = Ownership::Tagged;
    const TAG_COMMAND: &'static str = "aws ecs tag-resource";

    fn stack(&self) -> &str {
        &self.manifest.stack
    }

    fn names(&self) -> Vec<String> {
        self.manifest.ecs.services.keys().cloned().collect()
    }

    fn desired(&self, name: &str, _: &mut Vec<String>) -> DesiredService {
        let service = &self.manifest.ecs.services[name];
        desired(
            self.manifest,
            self.ctx,
            self.live,
            &self.registering,
            name,
            service,
        )
    }

    fn find(&self, name: &str) -> Option<&LiveService> {
        self.live.services.get(name)
    }

    fn tags<'h>(&self, have: &'h LiveService) -> Option<&'h BTreeMap<String, String>> {
        Some(&have.tags)
    }

    fn create(&self, _: &str, want: &DesiredService) -> Change {
        create_change(want)
    }

    fn blocked(&self, name: &str, have: &LiveService) -> Option<crate::kinds::common::Conflict> {
        (have.status == "DRAINING").then(|| crate::kinds::common::Conflict {
            address: address(name),
            message: format!(
                "service `{name}` is still DRAINING after a deletion, and ECS cannot reuse its name until it is INACTIVE"
            ),
            hint: "this usually takes a few minutes; run apply again then".into(),
            pointer: None,
        })
    }

    fn diff(
        &self,
        _: &str,
        want: &DesiredService,
        have: &LiveService,
        _: &mut Vec<String>,
    ) -> Result<Option<Change>, crate::kinds::common::Conflict> {
        diff(want, have)
    }

    fn undeclared(&self) -> Vec<(String, &LiveService)> {
        not_declared(&self.live.services, |name| {
            self.manifest.ecs.services.contains_key(name)
        })
    }

    /// Scales to zero first so tasks stop in order, then deletes; a service already on
    /// its way out is left alone.
    fn delete(
        &self,
        name: &str,
        have: &LiveService,
    ) -> Option<Result<Change, crate::kinds::common::Conflict>> {
        if have.status != "ACTIVE" {
            return None;
        }
        Some(Ok(crate::kinds::common::delete_because_not_in_manifest(
            address(name),
            crate::kinds::common::owned_not_declared(&self.manifest.stack),
            None,
            vec![
                Operation::Service(ServiceOperation::UpdateService {
                    name: name.to_string(),
                    input: json!({"cluster": have.cluster, "service": name, "desiredCount": 0}),
                }),
                Operation::Service(ServiceOperation::DeleteService {
                    cluster: have.cluster.clone(),
                    name: name.to_string(),
                }),
            ],
        )))
    }
}

fn create_input(want: &DesiredService) -> Value {
    let mut input: serde_json::Map<String, Value> = want
        .members
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if let Some(count) = want.initial_count {
        input.entry("desiredCount").or_insert(json!(count));
    }
    input.insert("serviceName".into(), json!(want.name));
    input.insert("cluster".into(), json!(want.cluster));
    input.insert(
        "tags".into(),
        Value::Array(
            want.tags
                .iter()
                .map(|(k, v)| json!({"key": k, "value": v}))
                .collect(),
        ),
    );
    Value::Object(input)
}

fn create_change(want: &DesiredService) -> Change {
    let mut fields: Vec<FieldChange> = want
        .members
        .iter()
        .filter(|(k, _)| want.declared.contains(*k))
        .map(|(k, v)| FieldChange::new(k.clone(), Value::Null, v.clone()))
        .collect();
    fields.insert(
        0,
        FieldChange::new("cluster", Value::Null, json!(want.cluster)),
    );
    crate::kinds::common::create_because_missing(
        address(&want.name),
        crate::kinds::common::NOT_PRESENT,
        fields,
        vec![
            Operation::Service(ServiceOperation::CreateService {
                name: want.name.clone(),
                input: create_input(want),
            }),
            Operation::Service(ServiceOperation::WaitForDeployment {
                cluster: want.cluster.clone(),
                name: want.name.clone(),
                timeout_seconds: want.wait_seconds,
            }),
        ],
    )
}

fn diff(
    want: &DesiredService,
    have: &LiveService,
) -> Result<Option<Change>, crate::kinds::common::Conflict> {
    let seen = observed(have, want);
    // Only the ECS controller takes a new task definition through UpdateService.
    let controller = have.document["deploymentController"]["type"]
        .as_str()
        .unwrap_or("ECS");
    if controller != "ECS" && seen.get("taskDefinition") != want.members.get("taskDefinition") {
        return Err(crate::kinds::common::Conflict {
            address: address(&want.name),
            message: format!(
                "service `{}` is deployed by {controller}, which takes new task definitions through its own deployments, not UpdateService",
                want.name
            ),
            hint: match controller {
                "CODE_DEPLOY" => "deploy the new revision with a CodeDeploy deployment (or a task set), or leave taskDefinition as it is live".into(),
                _ => "deploy the new revision through a task set of your external controller, or leave taskDefinition as it is live".into(),
            },
            pointer: crate::kinds::manifest_pointer(&address(&want.name))
                .map(|p| format!("{p}/taskDefinition")),
        });
    }
    let mut fields = Vec::new();
    let mut update = serde_json::Map::new();
    let keys: BTreeSet<&String> = want.members.keys().chain(seen.keys()).collect();
    let mut replace_reasons = Vec::new();
    for key in keys {
        let (before, after) = (seen.get(key), want.members.get(key));
        // A family without a revision: this plan registers a new revision, and ECS
        // resolves the family to it (its latest ACTIVE revision) when the service updates.
        let new_revision = key == "taskDefinition"
            && want.registers_revision
            && after
                .and_then(Value::as_str)
                .is_some_and(|t| !t.contains(':') && !t.starts_with("arn:"));
        if before == after && !new_revision {
            continue;
        }
        fields.push(FieldChange::new(
            key.clone(),
            before.cloned().unwrap_or(Value::Null),
            match after {
                Some(Value::String(family)) if new_revision => {
                    json!(format!("{family}:(the revision this plan registers)"))
                }
                other => other.cloned().unwrap_or(Value::Null),
            },
        ));
        // A launch type traded for a capacity provider strategy (or back) changes in
        // place: UpdateService takes the strategy (an empty one returns the service to
        // its launch type) and a forced deployment moves the tasks (ECS API Reference,
        // UpdateService `capacityProviderStrategy`, its list of valid transitions).
        if key == "launchType" && launch_type_to_strategy(&seen, &want.members) {
            continue;
        }
        if REPLACE_MEMBERS.contains(&key.as_str()) {
            replace_reasons.push(key.clone());
        }
        update.insert(key.clone(), after.cloned().unwrap_or(Value::Null));
    }
    if fields.iter().any(|f| f.path == "capacityProviderStrategy") {
        // A strategy alone starts no deployment: force one, so the tasks move.
        let strategy = want
            .members
            .get("capacityProviderStrategy")
            .cloned()
            .unwrap_or_else(|| json!([]));
        update.insert("capacityProviderStrategy".into(), strategy);
        update.insert("forceNewDeployment".into(), json!(true));
    }
    if !replace_reasons.is_empty() {
        return Ok(Some(Change {
            address: address(&want.name),
            action: ChangeAction::Replace,
            reason: format!(
                "{} cannot change in place; the service is deleted and created again",
                replace_reasons.join(", ")
            ),
            reason_code: ChangeReason::ReplaceBecauseCannotUpdate,
            fields,
            destroys: None,
            preview: None,
            operations: vec![
                Operation::Service(ServiceOperation::DeleteService {
                    cluster: have.cluster.clone(),
                    name: want.name.clone(),
                }),
                Operation::Service(ServiceOperation::CreateService {
                    name: want.name.clone(),
                    input: create_input(want),
                }),
                Operation::Service(ServiceOperation::WaitForDeployment {
                    cluster: want.cluster.clone(),
                    name: want.name.clone(),
                    timeout_seconds: want.wait_seconds,
                }),
            ],
        }));
    }
    let deploys = controller == "ECS"
        && update
            .keys()
            .any(|key| DEPLOYING_MEMBERS.contains(&key.as_str()) || key == "forceNewDeployment");
    let mut ops = Vec::new();
    if !update.is_empty() {
        // UpdateService takes a null member as "unchanged": send what the manifest says.
        update.retain(|_, v| !v.is_null());
        update.insert("service".into(), json!(want.name));
        update.insert("cluster".into(), json!(want.cluster));
        ops.push(ServiceOperation::UpdateService {
            name: want.name.clone(),
            input: Value::Object(update),
        });
        ops.push(ServiceOperation::WaitForDeployment {
            cluster: want.cluster.clone(),
            name: want.name.clone(),
            timeout_seconds: want.wait_seconds,
        });
    }
    let (tag_fields, to_tag, to_untag) = crate::kinds::common::tag_changes(&want.tags, &have.tags);
    fields.extend(tag_fields);
    ops.extend(crate::kinds::common::tag_operations(
        to_tag,
        to_untag,
        |keys| ServiceOperation::UntagResource {
            arn: have.arn.clone(),
            keys,
        },
        |tags| ServiceOperation::TagResource {
            arn: have.arn.clone(),
            tags,
        },
    ));
    if fields.is_empty() {
        return Ok(None);
    }
    let mut change = crate::kinds::common::update_because_drifted(
        address(&want.name),
        fields,
        ops.into_iter().map(Operation::Service).collect(),
    );
    if deploys {
        change.preview = Some(crate::plan::Preview::Rollout(rollout::Rollout::of(
            want.members.get("deploymentConfiguration"),
            want.wait_seconds,
        )));
    }
    Ok(Some(change))
}

/// Whether live and desired differ by a launch type on one side and a capacity
/// provider strategy (and no launch type) on the other.
fn launch_type_to_strategy(live: &BTreeMap<String, Value>, want: &BTreeMap<String, Value>) -> bool {
    let strategy = |members: &BTreeMap<String, Value>| {
        members
            .get("capacityProviderStrategy")
            .and_then(Value::as_array)
            .is_some_and(|items| !items.is_empty())
    };
    let launch_type = |members: &BTreeMap<String, Value>| members.contains_key("launchType");
    (launch_type(live) && !strategy(live) && strategy(want) && !launch_type(want))
        || (strategy(live) && !launch_type(live) && launch_type(want) && !strategy(want))
}

/// The service kind, as the registry lists it.
pub struct ServiceKind;

impl crate::kinds::Kind for ServiceKind {
    const VOLATILE: &'static [&'static str] = VOLATILE_MEMBERS;

    fn plan(
        manifest: &Manifest,
        ctx: &crate::kinds::common::Context,
        live: &LiveSnapshot,
        prune: bool,
        adoption: crate::kinds::common::Adoption,
    ) -> crate::kinds::common::KindPlan {
        plan_with(manifest, ctx, live, prune, adoption)
    }

    fn dependencies(manifest: &Manifest, name: &str) -> Vec<String> {
        dependencies(manifest, name)
    }

    fn live_objects(live: &LiveSnapshot) -> Vec<(String, serde_json::Value)> {
        crate::kinds::kind::objects_by_name(&live.services, address)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::common::OWNERSHIP_TAG;

    /// The default wait covers the bake time a strategy declares, with ECS's defaults.
    #[test]
    fn the_default_wait_covers_the_declared_bake_time() {
        let wait = |config: Value| {
            let service: ApiObject =
                serde_json::from_value(json!({ "deploymentConfiguration": config }))
                    .expect("object");
            default_wait_seconds(&service)
        };
        assert_eq!(
            default_wait_seconds(&ApiObject::new()),
            DEFAULT_WAIT_SECONDS
        );
        assert_eq!(wait(json!({ "strategy": "ROLLING" })), 600);
        assert_eq!(
            wait(json!({ "strategy": "BLUE_GREEN", "bakeTimeInMinutes": 15 })),
            600 + 15 * 60
        );
        // Canary: its own bake time (10 minutes by default) and the final one.
        assert_eq!(wait(json!({ "strategy": "CANARY" })), 600 + 10 * 60);
        assert_eq!(
            wait(
                json!({ "strategy": "CANARY", "bakeTimeInMinutes": 5, "canaryConfiguration": { "canaryBakeTimeInMinutes": 20 } })
            ),
            600 + 25 * 60
        );
        // Linear: 10% steps wait 6 minutes nine times by default; 25% steps three times.
        assert_eq!(wait(json!({ "strategy": "LINEAR" })), 600 + 9 * 6 * 60);
        assert_eq!(
            wait(
                json!({ "strategy": "LINEAR", "linearConfiguration": { "stepPercent": 25.0, "stepBakeTimeInMinutes": 2 } })
            ),
            600 + 3 * 2 * 60
        );
    }
    use crate::live::{LiveService, LiveTaskDefinition};
    use crate::manifest::load;
    use crate::manifest::vars::Variables;

    const MANIFEST: &str = "version: 1\nstack: shop\necs:\n  clusters:\n    shop: {}\n  taskDefinitions:\n    web:\n      containerDefinitions:\n        - { name: web, image: nginx, memory: 256 }\n  services:\n    web:\n      cluster: shop\n      taskDefinition: web\n";

    fn live_with(service_document: Value, status: &str) -> LiveSnapshot {
        let mut live = LiveSnapshot {
            account_id: "123456789012".into(),
            region: "eu-west-1".into(),
            ..LiveSnapshot::default()
        };
        live.task_definitions.insert(
            "web".into(),
            LiveTaskDefinition {
                family: "web".into(),
                arn: "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:1".into(),
                revision: 1,
                document: json!({"family": "web", "containerDefinitions": [{"name": "web", "image": "nginx", "memory": 256}]}),
                ..LiveTaskDefinition::default()
            },
        );
        live.services.insert(
            "web".into(),
            LiveService {
                name: "web".into(),
                cluster: "shop".into(),
                status: status.into(),
                arn: "arn:aws:ecs:eu-west-1:123456789012:service/shop/web".into(),
                document: service_document,
                tags: BTreeMap::from([(OWNERSHIP_TAG.to_string(), "shop".to_string())]),
            },
        );
        live
    }

    fn planned(live: &LiveSnapshot) -> KindPlan {
        let loaded = load("wharf.yaml", MANIFEST, &Variables::default()).expect("valid");
        let keys = BTreeMap::new();
        let ctx = Context {
            account_id: "123456789012",
            region: "eu-west-1",
            kms_keys: &keys,
        };
        plan(&loaded.manifest, &ctx, live, false)
    }

    #[test]
    fn a_code_deploy_service_refuses_a_new_task_definition() {
        let live = live_with(
            json!({
                "taskDefinition": "arn:aws:ecs:eu-west-1:123456789012:task-definition/other:3",
                "deploymentController": {"type": "CODE_DEPLOY"}
            }),
            "ACTIVE",
        );
        let out = planned(&live);
        assert!(out.changes.is_empty(), "{:?}", out.changes);
        assert_eq!(out.conflicts.len(), 1);
        assert!(
            out.conflicts[0].message.contains("CODE_DEPLOY"),
            "{:?}",
            out.conflicts
        );
    }

    #[test]
    fn a_draining_service_is_a_clear_conflict() {
        let live = live_with(json!({}), "DRAINING");
        let out = planned(&live);
        assert!(out.changes.is_empty());
        assert!(
            out.conflicts[0].message.contains("DRAINING"),
            "{:?}",
            out.conflicts
        );
    }

    #[test]
    fn an_ecs_controlled_service_on_the_latest_revision_is_unchanged() {
        let live = live_with(
            json!({
                "taskDefinition": "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:1",
                "deploymentController": {"type": "ECS"},
                "schedulingStrategy": "REPLICA"
            }),
            "ACTIVE",
        );
        let out = planned(&live);
        assert!(out.conflicts.is_empty(), "{:?}", out.conflicts);
        assert!(out.changes.is_empty(), "{:#?}", out.changes);
    }
}
