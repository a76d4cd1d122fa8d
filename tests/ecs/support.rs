//! Helpers for the ECS tests: manifests written inline, reading back what the emulator
//! holds through the SDK, and picking changes out of a plan.
#![allow(dead_code)]

use crate::common::{ACCOUNT, Moto, REGION};
use aws_sdk_ecs::Client;
use aws_sdk_ecs::types::{
    Cluster, ClusterField, Service, ServiceField, SortOrder, TaskDefinition, TaskDefinitionField,
    TaskDefinitionStatus,
};
use serde_json::Value;
use std::collections::BTreeMap;

pub const OWNERSHIP_TAG: &str = "wharf:stack";

pub use crate::common::yaml;

/// The ECS end-to-end tests run through the AWS-behaviour layer of the test proxy
/// (tests/common/aws_behaviour.rs), which answers ECS as AWS documents it where moto
/// differs, when this is true or when `WHARF_AWS_BEHAVIOUR=1` is set.
pub const THROUGH_AWS_BEHAVIOUR: bool = true;

/// This test's emulator: moto, behind the AWS-behaviour layer when the tests run through
/// it (see `THROUGH_AWS_BEHAVIOUR`).
pub fn start_moto() -> Moto {
    let asked = std::env::var_os("WHARF_AWS_BEHAVIOUR").is_some_and(|v| v != "0" && !v.is_empty());
    if THROUGH_AWS_BEHAVIOUR || asked {
        Moto::start_with_aws_behaviour()
    } else {
        Moto::start()
    }
}

/// The URI moto gives a repository of the test account.
pub fn repository_uri(name: &str) -> String {
    format!("{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/{name}")
}

pub fn role_arn(name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:role/{name}")
}

// ---- plans ----

/// The change at `address`; panics (showing the plan) when there is none.
pub fn change<'a>(plan: &'a Value, address: &str) -> &'a Value {
    crate::common::change_at(plan, address)
}

/// The field paths of the change at `address`, sorted.
pub fn paths(plan: &Value, address: &str) -> Vec<String> {
    let mut paths = crate::common::field_paths(plan, address);
    paths.sort();
    paths
}

pub fn act(address: &str, action: &str) -> (String, String) {
    (address.to_string(), action.to_string())
}

/// The plan's (address, action) pairs, sorted.
pub fn sorted_actions(plan: &Value) -> Vec<(String, String)> {
    let mut a = crate::common::actions(plan);
    a.sort();
    a
}

pub fn assert_plan_empty(moto: &Moto, extra: &[&str]) {
    let plan = moto.plan_json(extra);
    assert_eq!(
        plan["changes"].as_array().map(Vec::len),
        Some(0),
        "expected an empty plan: {plan:#}"
    );
}

/// `wharf drift --format json`, which must exit 2; returns the parsed report.
pub fn drift_json(moto: &Moto) -> Value {
    let (code, stdout, stderr) = moto.run(&["drift", "--format", "json"]);
    assert_eq!(
        code, 2,
        "drift exited {code}, expected 2\n--- stdout\n{stdout}\n--- stderr\n{stderr}"
    );
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("drift JSON: {e}\n{stdout}"))
}

/// The text of `wharf apply --auto-approve --stats` (stdout and stderr), asserting exit 0.
pub fn apply_text(moto: &Moto, extra: &[&str]) -> String {
    let mut args = vec!["apply", "--auto-approve", "--stats"];
    args.extend_from_slice(extra);
    moto.expect(&args, 0)
}

// ---- reading what the emulator holds ----

pub async fn describe_cluster(ecs: &Client, name: &str) -> Option<Cluster> {
    let out = ecs
        .describe_clusters()
        .clusters(name)
        .include(ClusterField::Settings)
        .include(ClusterField::Tags)
        .include(ClusterField::Configurations)
        .send()
        .await
        .unwrap_or_else(|e| panic!("DescribeClusters {name}: {e:?}"));
    out.clusters()
        .iter()
        .find(|c| c.status() == Some("ACTIVE"))
        .cloned()
}

pub async fn cluster(ecs: &Client, name: &str) -> Cluster {
    describe_cluster(ecs, name)
        .await
        .unwrap_or_else(|| panic!("cluster {name} not found"))
}

pub async fn cluster_exists(ecs: &Client, name: &str) -> bool {
    describe_cluster(ecs, name).await.is_some()
}

pub fn cluster_settings(cluster: &Cluster) -> BTreeMap<String, String> {
    cluster
        .settings()
        .iter()
        .map(|s| {
            (
                s.name().map(|n| n.as_str().to_string()).unwrap_or_default(),
                s.value().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

pub fn ecs_tags(tags: &[aws_sdk_ecs::types::Tag]) -> BTreeMap<String, String> {
    tags.iter()
        .map(|t| {
            (
                t.key().unwrap_or_default().to_string(),
                t.value().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

pub fn tag_map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

pub async fn create_cluster(ecs: &Client, name: &str, tags: &[(&str, &str)]) {
    let tags: Vec<aws_sdk_ecs::types::Tag> = tags
        .iter()
        .map(|(k, v)| aws_sdk_ecs::types::Tag::builder().key(*k).value(*v).build())
        .collect();
    ecs.create_cluster()
        .cluster_name(name)
        .set_tags((!tags.is_empty()).then_some(tags))
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateCluster {name}: {e:?}"));
}

/// ACTIVE revisions of a family as `family:revision`, oldest first.
pub async fn active_revisions(ecs: &Client, family: &str) -> Vec<String> {
    let out = ecs
        .list_task_definitions()
        .family_prefix(family)
        .status(TaskDefinitionStatus::Active)
        .sort(SortOrder::Asc)
        .send()
        .await
        .expect("ListTaskDefinitions");
    out.task_definition_arns()
        .iter()
        .map(|a| a.rsplit('/').next().unwrap_or(a).to_string())
        .filter(|r| r.rsplit_once(':').is_some_and(|(f, _)| f == family))
        .collect()
}

/// A task definition (`family`, `family:revision` or an ARN) and its tags.
pub async fn task_definition(
    ecs: &Client,
    reference: &str,
) -> (TaskDefinition, BTreeMap<String, String>) {
    let out = ecs
        .describe_task_definition()
        .task_definition(reference)
        .include(TaskDefinitionField::Tags)
        .send()
        .await
        .unwrap_or_else(|e| panic!("DescribeTaskDefinition {reference}: {e:?}"));
    (
        out.task_definition().cloned().expect("a task definition"),
        ecs_tags(out.tags()),
    )
}

/// Tags of a revision through ListTagsForResource.
pub async fn resource_tags(ecs: &Client, arn: &str) -> BTreeMap<String, String> {
    let out = ecs
        .list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await
        .unwrap_or_else(|e| panic!("ListTagsForResource {arn}: {e:?}"));
    ecs_tags(out.tags())
}

/// The image of the first container of a revision.
pub fn image_of(definition: &TaskDefinition) -> String {
    definition.container_definitions()[0]
        .image()
        .unwrap_or_default()
        .to_string()
}

pub async fn describe_service(ecs: &Client, cluster: &str, name: &str) -> Option<Service> {
    let out = ecs
        .describe_services()
        .cluster(cluster)
        .services(name)
        .include(ServiceField::Tags)
        .send()
        .await
        .unwrap_or_else(|e| panic!("DescribeServices {cluster}/{name}: {e:?}"));
    out.services()
        .iter()
        .find(|s| s.status() == Some("ACTIVE"))
        .cloned()
}

pub async fn service(ecs: &Client, cluster: &str, name: &str) -> Service {
    describe_service(ecs, cluster, name)
        .await
        .unwrap_or_else(|| panic!("service {name} not found in {cluster}"))
}

/// `family:revision` of the service's task definition, resolving a bare family the way
/// ECS does (its latest ACTIVE revision; moto keeps a bare family as UpdateService got it,
/// where AWS stores the resolved ARN).
pub async fn service_revision(ecs: &Client, cluster: &str, name: &str) -> String {
    let svc = service(ecs, cluster, name).await;
    let reference = svc
        .task_definition()
        .expect("a task definition")
        .to_string();
    let short = reference
        .rsplit('/')
        .next()
        .unwrap_or(&reference)
        .to_string();
    if short.contains(':') {
        return short;
    }
    let (definition, _) = task_definition(ecs, &short).await;
    format!(
        "{}:{}",
        definition.family().unwrap_or_default(),
        definition.revision()
    )
}

// ---- manifests ----

/// The repository, the execution role and the `web` task definition a realistic Fargate
/// service uses: an image object resolved to the repository URI, a role name resolved to
/// its ARN, environment, a port mapping without hostPort/protocol, cpu and memory as the
/// console writes them, and a container without `essential` or `cpu`.
pub fn web_stack(task_extra: &str, ecs_extra: &str) -> String {
    let task_extra = indent(task_extra, 6);
    let ecs_extra = indent(ecs_extra, 2);
    format!(
        r#"version: 1
stack: shop
repositories:
  shop/web: {{}}
iam:
  roles:
    task-execution:
      assumedBy: [ecs-tasks.amazonaws.com]
      managedPolicies: [arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy]
      pullFrom: [shop/web]
ecs:
  taskDefinitions:
    web:
      cpu: "256"
      memory: "512"
      networkMode: awsvpc
      requiresCompatibilities: [FARGATE]
      executionRole: task-execution
      containerDefinitions:
        - name: web
          image: {{ repository: shop/web, tag: "${{IMAGE_TAG:-v1}}" }}
          portMappings: [ {{ containerPort: 8080 }} ]
          environment:
            - {{ name: LOG_LEVEL, value: info }}
            - {{ name: PORT, value: "8080" }}
{task_extra}{ecs_extra}"#
    )
}

/// `ecs:` entries for a cluster `shop` and a Fargate service `web` on the default VPC,
/// with `service_extra` lines added to the service (for `web_stack`'s `ecs_extra`).
pub fn shop_service(network: &(String, String), service_extra: &str) -> String {
    let (subnet, group) = network;
    let service_extra = indent(service_extra, 4);
    format!(
        r#"clusters:
  shop: {{}}
services:
  web:
    cluster: shop
    taskDefinition: web
    launchType: FARGATE
    networkConfiguration:
      awsvpcConfiguration: {{ subnets: [{subnet}], securityGroups: [{group}] }}
{service_extra}"#
    )
}

/// `text` (a YAML fragment, possibly indented in the test code) re-indented by `by`.
pub fn indent(text: &str, by: usize) -> String {
    let text = yaml(text);
    if text.trim().is_empty() {
        return String::new();
    }
    text.lines()
        .map(|l| {
            if l.is_empty() {
                "\n".to_string()
            } else {
                format!("{}{l}\n", " ".repeat(by))
            }
        })
        .collect()
}

pub const TD: &str = "ecs.task_definition.web";
pub const SVC: &str = "ecs.service.web";
pub const CLUSTER: &str = "ecs.cluster.shop";
