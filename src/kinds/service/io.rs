//! A service's I/O: reading services (DescribeServices by 10) and their autoscaling,
//! executing their operations, and following the deployment an update starts to its
//! outcome.

use crate::aws::ecs::{Ecs, EcsScope, tag, tags_of, untag};
use crate::aws::ecs_codec::{from_json, to_json};
use crate::aws::{Aws, AwsError};
use crate::kinds::common::OWNERSHIP_TAG;
use crate::kinds::kind::Executed;
use crate::kinds::service::ServiceOperation;
use crate::kinds::service::deployment::{
    DeploymentState, Following, RollbackChoice, deployment_outcome, progress, recent_events,
    rollback_choice, rollback_outcome,
};
use crate::kinds::service::live::StartedDeployment;
use crate::live::{LiveCluster, LiveService};
use aws_sdk_ecs::error::ProvideErrorMetadata;
use aws_sdk_ecs::operation::create_service::CreateServiceInput;
use aws_sdk_ecs::operation::update_service::UpdateServiceInput;
use aws_sdk_ecs::types::ServiceField;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

/// The declared services and (with `find_owned`, in these clusters) the ones this stack
/// owns; and, as (cluster, name), the undeclared ones there without any ownership tag.
pub async fn read_services(
    aws: &Aws,
    scope: &EcsScope<'_>,
    clusters: &BTreeMap<String, LiveCluster>,
) -> Result<(BTreeMap<String, LiveService>, BTreeSet<(String, String)>), AwsError> {
    let mut unmanaged = BTreeSet::new();
    let mut wanted: BTreeMap<String, BTreeSet<String>> = scope.services.clone();
    if scope.find_owned {
        for cluster in clusters.keys() {
            let arns: Vec<String> = aws
                .ecs
                .list_services()
                .cluster(cluster)
                .into_paginator()
                .items()
                .send()
                .try_collect()
                .await
                .map_err(|e| AwsError::from_sdk("ListServices", e))?;
            wanted.entry(cluster.clone()).or_default().extend(
                arns.iter()
                    .map(|a| a.rsplit('/').next().unwrap_or(a).to_string()),
            );
        }
    }
    let mut out = BTreeMap::new();
    for (cluster, names) in wanted {
        let names: Vec<String> = names.into_iter().collect();
        for chunk in names.chunks(10) {
            let result = aws
                .ecs
                .describe_services()
                .cluster(&cluster)
                .set_services(Some(chunk.to_vec()))
                .include(ServiceField::Tags)
                .send()
                .await;
            let described = match result {
                Ok(d) => d,
                // The cluster does not exist (yet): none of its services do either.
                Err(e) if e.code() == Some("ClusterNotFoundException") => break,
                Err(e) => return Err(AwsError::from_sdk("DescribeServices", e)),
            };
            for service in described.services() {
                // INACTIVE services are gone; DRAINING ones still hold their name.
                if !matches!(service.status(), Some("ACTIVE" | "DRAINING")) {
                    continue;
                }
                let name = service.service_name().unwrap_or_default().to_string();
                let tags = tags_of(service.tags());
                let declared = scope
                    .services
                    .get(&cluster)
                    .is_some_and(|s| s.contains(&name));
                let owned = tags.get(OWNERSHIP_TAG).map(String::as_str) == Some(scope.stack);
                if !declared && !owned {
                    if !tags.contains_key(OWNERSHIP_TAG) {
                        unmanaged.insert((cluster.clone(), name));
                    }
                    continue;
                }
                out.insert(
                    name.clone(),
                    LiveService {
                        name,
                        cluster: cluster.clone(),
                        status: service.status().unwrap_or_default().to_string(),
                        arn: service.service_arn().unwrap_or_default().to_string(),
                        document: to_json(service),
                        tags,
                    },
                );
            }
        }
    }
    Ok((out, unmanaged))
}

/// Services without any ownership tag in clusters the snapshot did not enumerate (the
/// unmanaged clusters `drift --include-unmanaged` lists): the same listing and batched
/// description as for owned services, over those clusters only.
pub async fn unmanaged_services_in(
    aws: &Aws,
    clusters: &BTreeSet<String>,
    stack: &str,
) -> Result<BTreeSet<(String, String)>, AwsError> {
    if clusters.is_empty() {
        return Ok(BTreeSet::new());
    }
    let scope = EcsScope {
        clusters: BTreeSet::new(),
        families: BTreeSet::new(),
        revision_families: BTreeSet::new(),
        services: BTreeMap::new(),
        find_owned: true,
        stack,
    };
    // read_services enumerates the clusters it is given; their details are not needed.
    let named: BTreeMap<String, LiveCluster> = clusters
        .iter()
        .map(|name| (name.clone(), LiveCluster::default()))
        .collect();
    let (_, unmanaged) = read_services(aws, &scope, &named).await?;
    Ok(unmanaged)
}

/// Executes one operation; a create or an update says which deployment it started, for
/// apply to follow.
pub async fn execute(aws: &Aws, operation: &ServiceOperation) -> Result<Executed, AwsError> {
    Ok(match (run(aws, operation).await?, operation) {
        (
            Some(started),
            ServiceOperation::CreateService { name, .. }
            | ServiceOperation::UpdateService { name, .. },
        ) => Executed::Deployment {
            service: name.clone(),
            started,
        },
        _ => Executed::Done,
    })
}

/// Runs one service operation; a create or update returns the deployment it started, for
/// the wait that follows to track.
async fn run(
    aws: &Aws,
    operation: &ServiceOperation,
) -> Result<Option<StartedDeployment>, AwsError> {
    let ecs = &aws.ecs;
    match operation {
        ServiceOperation::CreateService { input, .. } => {
            let i = from_json(input, CreateServiceInput::deserialize, "service")?;
            let out = create_service_request(ecs, i)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("CreateService", e))?;
            return Ok(out.service().map(|s| StartedDeployment::of(&to_json(s))));
        }
        ServiceOperation::UpdateService { input, .. } => {
            let i = from_json(input, UpdateServiceInput::deserialize, "service update")?;
            let out = update_service_request(ecs, i)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("UpdateService", e))?;
            return Ok(out.service().map(|s| StartedDeployment::of(&to_json(s))));
        }
        ServiceOperation::WaitForDeployment {
            cluster,
            name,
            timeout_seconds,
        } => wait_for_deployment(aws, cluster, name, Duration::from_secs(*timeout_seconds)).await?,
        ServiceOperation::DeleteService { cluster, name } => {
            ecs.delete_service()
                .cluster(cluster)
                .service(name)
                .force(true)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("DeleteService", e))?;
            // ECS keeps a deleted service DRAINING for a while and refuses to create one
            // with its name until it is INACTIVE; a replace creates it right after.
            wait_until_gone(aws, cluster, name, Duration::from_secs(600)).await?;
        }
        ServiceOperation::TagResource { arn, tags } => tag(aws, arn, tags).await?,
        ServiceOperation::UntagResource { arn, keys } => untag(aws, arn, keys).await?,
    }
    Ok(None)
}

/// What `wharf rollback` would do for the service `name` in `cluster`: DescribeServices,
/// its current service deployment (DescribeServiceDeployments) and the revision that
/// deployment came from (DescribeServiceRevisions).
pub async fn read_rollback(
    aws: &Aws,
    cluster: &str,
    name: &str,
) -> Result<RollbackChoice, AwsError> {
    let described = describe_service(aws, cluster, name).await?;
    let Some(service) = described
        .services()
        .iter()
        .find(|s| s.status() != Some("INACTIVE"))
    else {
        return Err(AwsError::new(format!(
            "service {name} does not exist in cluster {cluster}"
        )));
    };
    let controller = service
        .deployment_controller()
        .map(|c| c.r#type().as_str().to_string())
        .unwrap_or_else(|| "ECS".into());
    if controller != "ECS" {
        return Ok(RollbackChoice::Nothing(format!(
            "it is deployed by {controller}, which rolls back through its own deployments"
        )));
    }
    let current = service.task_definition().unwrap_or("?").to_string();
    let Some(arn) = service.current_service_deployment() else {
        return Ok(rollback_choice(&Value::Null, &current, None));
    };
    let out = aws
        .ecs
        .describe_service_deployments()
        .service_deployment_arns(arn)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("DescribeServiceDeployments", e))?;
    let record = out
        .service_deployments()
        .first()
        .map(|d| to_json(d))
        .unwrap_or(Value::Null);
    let target = record["targetServiceRevision"]["arn"].as_str();
    let sources: Vec<&str> = record["sourceServiceRevisions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["arn"].as_str())
        .collect();
    let wanted: Vec<String> = sources
        .iter()
        .chain(target.iter())
        .map(|s| s.to_string())
        .collect();
    let mut revisions = BTreeMap::new();
    if !wanted.is_empty() {
        let out = aws
            .ecs
            .describe_service_revisions()
            .set_service_revision_arns(Some(wanted))
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("DescribeServiceRevisions", e))?;
        for revision in out.service_revisions() {
            if let (Some(arn), Some(td)) =
                (revision.service_revision_arn(), revision.task_definition())
            {
                revisions.insert(arn.to_string(), td.to_string());
            }
        }
    }
    // The deployment's own revision, where ECS names it, is what it deploys.
    let current = target
        .and_then(|t| revisions.get(t).cloned())
        .unwrap_or(current);
    let source = sources.first().and_then(|s| revisions.get(*s)).cloned();
    Ok(rollback_choice(&record, &current, source.as_deref()))
}

/// Starts the rollback `choice` decided: StopServiceDeployment with ROLLBACK, or an
/// UpdateService to the earlier revision. Returns what to follow, and how.
pub async fn start_rollback(
    aws: &Aws,
    cluster: &str,
    name: &str,
    choice: &RollbackChoice,
) -> Result<Option<(StartedDeployment, Following)>, AwsError> {
    let follow_record = |arn: &str| StartedDeployment {
        service_deployment_arn: Some(arn.to_string()),
        ..StartedDeployment::default()
    };
    match choice {
        RollbackChoice::Stop { deployment_arn, .. } => {
            aws.ecs
                .stop_service_deployment()
                .service_deployment_arn(deployment_arn)
                .stop_type(aws_sdk_ecs::types::StopServiceDeploymentStopType::Rollback)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("StopServiceDeployment", e))?;
            Ok(Some((follow_record(deployment_arn), Following::Rollback)))
        }
        RollbackChoice::Follow { deployment_arn } => {
            Ok(Some((follow_record(deployment_arn), Following::Rollback)))
        }
        RollbackChoice::Redeploy { to, .. } => {
            let out = aws
                .ecs
                .update_service()
                .cluster(cluster)
                .service(name)
                .task_definition(to)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("UpdateService", e))?;
            Ok(out
                .service()
                .map(|s| (StartedDeployment::of(&to_json(s)), Following::Deployment)))
        }
        RollbackChoice::Nothing(_) => Ok(None),
    }
}

/// DescribeServices of the one service `name` in `cluster`.
async fn describe_service(
    aws: &Aws,
    cluster: &str,
    name: &str,
) -> Result<aws_sdk_ecs::operation::describe_services::DescribeServicesOutput, AwsError> {
    aws.ecs
        .describe_services()
        .cluster(cluster)
        .services(name)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("DescribeServices", e))
}

/// Polls DescribeServices until the PRIMARY deployment's rollout is COMPLETED; a FAILED
/// rollout (the circuit breaker tripped) or the timeout is an error naming the reason.
pub async fn wait_for_deployment(
    aws: &Aws,
    cluster: &str,
    name: &str,
    timeout: Duration,
) -> Result<(), AwsError> {
    wait_for_deployment_reporting(
        aws,
        cluster,
        name,
        None,
        Following::Deployment,
        timeout,
        &|_| {},
    )
    .await
}

/// Polls until a deleted service is INACTIVE (or gone), so its name can be reused.
async fn wait_until_gone(
    aws: &Aws,
    cluster: &str,
    name: &str,
    timeout: Duration,
) -> Result<(), AwsError> {
    let started = Instant::now();
    let mut delay = Duration::from_millis(500);
    loop {
        let described = describe_service(aws, cluster, name).await?;
        let draining = described
            .services()
            .iter()
            .any(|s| matches!(s.status(), Some("ACTIVE" | "DRAINING")));
        if !draining {
            return Ok(());
        }
        if started.elapsed() >= timeout {
            return Err(AwsError::new(format!(
                "service {name} is still DRAINING after {}s; its name cannot be reused yet",
                timeout.as_secs()
            )));
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(10));
    }
}

/// How often a wait repeats its status line while nothing changes.
const HEARTBEAT: Duration = Duration::from_secs(300);

/// The longest pause between two polls of a deployment: 10 seconds, or
/// `WHARF_DEPLOYMENT_POLL` seconds (a fraction is allowed) when it is set.
fn poll_ceiling() -> Duration {
    std::env::var("WHARF_DEPLOYMENT_POLL")
        .ok()
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s > 0.0)
        .map_or(Duration::from_secs(10), |s| {
            Duration::from_secs_f64(s.min(300.0))
        })
}

/// Like `wait_for_deployment`, following the deployment `started` (when known), or the
/// rollback of it, and reporting the status line to `report` when something changes (and
/// every five minutes while nothing does), so a log stays calm.
pub async fn wait_for_deployment_reporting(
    aws: &Aws,
    cluster: &str,
    name: &str,
    started: Option<&StartedDeployment>,
    following: Following,
    timeout: Duration,
    report: &(dyn Fn(&str) + Sync),
) -> Result<(), AwsError> {
    let mut last_status = String::new();
    let mut last_report = Instant::now();
    let begun = Instant::now();
    let ceiling = poll_ceiling();
    let mut delay = Duration::from_millis(500).min(ceiling);
    // DescribeServiceDeployments names the stage and says how a deployment ended; where
    // it is not answered (older endpoints, emulators), the service's deployments tell.
    let mut service_deployments = started.and_then(|s| s.service_deployment_arn.clone());
    loop {
        let described = describe_service(aws, cluster, name).await?;
        let Some(service) = described.services().first() else {
            return Err(AwsError::new(format!(
                "service {name} vanished while waiting for its deployment"
            )));
        };
        let document = to_json(service);
        let mut record = Value::Null;
        if let Some(arn) = &service_deployments {
            match aws
                .ecs
                .describe_service_deployments()
                .service_deployment_arns(arn)
                .send()
                .await
            {
                Ok(out) => {
                    record = out
                        .service_deployments()
                        .first()
                        .map(|d| to_json(d))
                        .unwrap_or(Value::Null)
                }
                Err(e) => {
                    tracing::debug!(
                        "DescribeServiceDeployments unavailable ({}); following the service's deployments",
                        AwsError::from_sdk("DescribeServiceDeployments", e).message
                    );
                    service_deployments = None;
                }
            }
        }
        // The revision a rollback went back to, as a task definition (the record names a
        // service revision): DescribeServiceRevisions says which.
        if let Some(revision) = record["rollback"]["serviceRevisionArn"].as_str()
            && record["rollback"]["taskDefinition"].is_null()
            && let Ok(out) = aws
                .ecs
                .describe_service_revisions()
                .service_revision_arns(revision)
                .send()
                .await
            && let Some(td) = out
                .service_revisions()
                .first()
                .and_then(|r| r.task_definition())
        {
            record["rollback"]["taskDefinition"] = json!(td);
        }
        let state = match following {
            Following::Deployment => deployment_outcome(&document, started, &record),
            Following::Rollback => rollback_outcome(&record),
        };
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
            .unwrap_or_default();
        let status = progress(&document, &record, now);
        // A new line when something happens, and now and then while nothing does.
        if status.steady != last_status || last_report.elapsed() >= HEARTBEAT {
            report(&status.line);
            last_status = status.steady;
            last_report = Instant::now();
        }
        match state {
            DeploymentState::Completed => return Ok(()),
            DeploymentState::Failed(reason) => {
                // Read the service once more: the events that tell the story (the
                // failure, the rollback) are often newer than the answer that showed it.
                let events = match describe_service(aws, cluster, name).await {
                    Ok(out) => out
                        .services()
                        .first()
                        .map(|s| recent_events(&to_json(s), 5))
                        .unwrap_or_else(|| recent_events(&document, 5)),
                    Err(_) => recent_events(&document, 5),
                };
                return Err(AwsError::new(format!(
                    "{} of {name} failed: {reason}{events}",
                    following.noun()
                )));
            }
            DeploymentState::InProgress(detail) => {
                if begun.elapsed() >= timeout {
                    return Err(AwsError::new(format!(
                        "{} of {name} did not finish within {}s ({detail}){}",
                        following.noun(),
                        timeout.as_secs(),
                        recent_events(&document, 5)
                    )));
                }
            }
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(ceiling);
    }
}

pub fn create_service_request(
    ecs: &Ecs,
    i: CreateServiceInput,
) -> aws_sdk_ecs::operation::create_service::builders::CreateServiceFluentBuilder {
    ecs.create_service()
        .set_cluster(i.cluster)
        .set_service_name(i.service_name)
        .set_task_definition(i.task_definition)
        .set_availability_zone_rebalancing(i.availability_zone_rebalancing)
        .set_load_balancers(i.load_balancers)
        .set_service_registries(i.service_registries)
        .set_desired_count(i.desired_count)
        .set_launch_type(i.launch_type)
        .set_capacity_provider_strategy(i.capacity_provider_strategy)
        .set_platform_version(i.platform_version)
        .set_role(i.role)
        .set_deployment_configuration(i.deployment_configuration)
        .set_placement_constraints(i.placement_constraints)
        .set_placement_strategy(i.placement_strategy)
        .set_network_configuration(i.network_configuration)
        .set_health_check_grace_period_seconds(i.health_check_grace_period_seconds)
        .set_scheduling_strategy(i.scheduling_strategy)
        .set_deployment_controller(i.deployment_controller)
        .set_tags(i.tags)
        .set_enable_ecs_managed_tags(i.enable_ecs_managed_tags)
        .set_propagate_tags(i.propagate_tags)
        .set_enable_execute_command(i.enable_execute_command)
        .set_service_connect_configuration(i.service_connect_configuration)
        .set_volume_configurations(i.volume_configurations)
        .set_vpc_lattice_configurations(i.vpc_lattice_configurations)
}

pub fn update_service_request(
    ecs: &Ecs,
    i: UpdateServiceInput,
) -> aws_sdk_ecs::operation::update_service::builders::UpdateServiceFluentBuilder {
    ecs.update_service()
        .set_cluster(i.cluster)
        .set_service(i.service)
        .set_desired_count(i.desired_count)
        .set_task_definition(i.task_definition)
        .set_capacity_provider_strategy(i.capacity_provider_strategy)
        .set_deployment_configuration(i.deployment_configuration)
        .set_availability_zone_rebalancing(i.availability_zone_rebalancing)
        .set_network_configuration(i.network_configuration)
        .set_placement_constraints(i.placement_constraints)
        .set_placement_strategy(i.placement_strategy)
        .set_platform_version(i.platform_version)
        .set_health_check_grace_period_seconds(i.health_check_grace_period_seconds)
        .set_deployment_controller(i.deployment_controller)
        .set_enable_execute_command(i.enable_execute_command)
        .set_enable_ecs_managed_tags(i.enable_ecs_managed_tags)
        .set_load_balancers(i.load_balancers)
        .set_propagate_tags(i.propagate_tags)
        .set_service_registries(i.service_registries)
        .set_service_connect_configuration(i.service_connect_configuration)
        .set_volume_configurations(i.volume_configurations)
        .set_vpc_lattice_configurations(i.vpc_lattice_configurations)
}

/// This kind's part of the live snapshot.
impl crate::aws::reads::ReadsLive for crate::kinds::service::ServiceKind {
    /// Services are read in the clusters the first wave found.
    const SECOND_WAVE: bool = true;

    fn read<'a>(
        aws: &'a Aws,
        manifest: &'a crate::manifest::model::Manifest,
        find_owned: bool,
        so_far: &'a crate::live::LiveSnapshot,
    ) -> futures::future::BoxFuture<'a, Result<crate::aws::reads::Store, AwsError>> {
        Box::pin(async move {
            let scope = crate::aws::ecs::ecs_scope(manifest, find_owned);
            let (services, unmanaged) = read_services(aws, &scope, &so_far.clusters).await?;
            let store: crate::aws::reads::Store = Box::new(move |live| {
                live.services = services;
                live.unmanaged.services = unmanaged;
            });
            Ok(store)
        })
    }
}

/// What `wharf export` reads of this kind.
impl crate::aws::reads::ExportsLive for crate::kinds::service::ServiceKind {
    /// Services are searched in the clusters `--cluster` names, else in the exported
    /// clusters, else in every cluster.
    const SECOND_WAVE: bool = true;

    fn read_selected<'a>(
        aws: &'a Aws,
        selection: &'a crate::export::Selection,
        stack: &'a str,
        so_far: &'a crate::live::LiveSnapshot,
    ) -> futures::future::BoxFuture<'a, Result<(crate::aws::reads::Store, Vec<String>), AwsError>>
    {
        Box::pin(async move {
            if selection.services.is_empty() {
                return Ok(crate::aws::reads::nothing());
            }
            let search: Vec<String> = if !selection.service_clusters.is_empty() {
                selection
                    .service_clusters
                    .iter()
                    .map(|c| crate::kinds::service::cluster_name(c))
                    .collect()
            } else if !selection.clusters.is_empty() {
                so_far.clusters.keys().cloned().collect()
            } else {
                crate::kinds::cluster::io::cluster_names_of(aws).await?
            };
            let mut notes = Vec::new();
            let wanted = service_names(aws, selection, &search, &mut notes).await?;
            let scope = EcsScope {
                clusters: BTreeSet::new(),
                families: BTreeSet::new(),
                revision_families: BTreeSet::new(),
                services: wanted,
                find_owned: false,
                stack,
            };
            let services = read_services(aws, &scope, &BTreeMap::new()).await?.0;
            // Their autoscaling goes into their entries (`autoScaling`).
            let ids = services
                .values()
                .map(|s| crate::kinds::autoscaling::resource_id(&s.cluster, &s.name))
                .collect();
            let targets = crate::kinds::autoscaling::io::read_targets(aws, &ids).await?;
            let store: crate::aws::reads::Store = Box::new(move |live| {
                live.services = services;
                live.scalable_targets = targets;
            });
            Ok((store, notes))
        })
    }
}

/// Matching services by cluster. A manifest names services without their cluster, so a
/// name found in two clusters is exported from the first (by name) only, with a note.
async fn service_names(
    aws: &Aws,
    selection: &crate::export::Selection,
    clusters: &[String],
    notes: &mut Vec<String>,
) -> Result<BTreeMap<String, BTreeSet<String>>, AwsError> {
    let mut found: BTreeMap<String, String> = BTreeMap::new();
    let mut wanted: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut clusters = clusters.to_vec();
    clusters.sort();
    clusters.dedup();
    for cluster in clusters {
        let result: Result<Vec<String>, _> = aws
            .ecs
            .list_services()
            .cluster(&cluster)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await;
        let arns = match result {
            Ok(arns) => arns,
            Err(e) => {
                let error = AwsError::from_sdk("ListServices", e);
                if error.code.as_deref() == Some("ClusterNotFoundException") {
                    notes.push(format!(
                        "cluster `{cluster}` does not exist; no services read from it"
                    ));
                    continue;
                }
                return Err(error);
            }
        };
        for arn in arns {
            let name = arn.rsplit('/').next().unwrap_or(&arn).to_string();
            if !selection.services.matches(&name) {
                continue;
            }
            if let Some(first) = found.get(&name) {
                notes.push(format!(
                    "service `{name}` exists in clusters `{first}` and `{cluster}`; a manifest names services without their cluster, so only the one in `{first}` is exported"
                ));
                continue;
            }
            found.insert(name.clone(), cluster.clone());
            wanted.entry(cluster.clone()).or_default().insert(name);
        }
    }
    Ok(wanted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::ecs::request_checks::{assert_covers, assert_sent, client, fixture};
    use crate::aws::ecs_codec::{from_json, to_json};
    use crate::manifest::ecs_members;
    use serde_json::json;

    /// The progress line reads a stage's start as epoch seconds, as AWS JSON carries it.
    #[test]
    fn service_deployment_times_read_as_epoch_seconds() {
        let record = aws_sdk_ecs::types::ServiceDeployment::builder()
            .updated_at(aws_smithy_types::DateTime::from_secs(1_700_000_000))
            .build();
        assert_eq!(
            to_json(&record)["updatedAt"].as_f64(),
            Some(1_700_000_000.0)
        );
    }

    #[test]
    fn every_create_service_member_is_sent() {
        let input = fixture("create_service");
        assert_covers(ecs_members::CREATE_SERVICE, &input);
        let typed = from_json(&input, CreateServiceInput::deserialize, "service").expect("decodes");
        let request = create_service_request(&client(), typed);
        let sent = to_json(&request.as_input().clone().build().expect("builds"));
        assert_sent(ecs_members::CREATE_SERVICE, &input, &sent);
    }

    /// A managed member UpdateService takes is updated in place and must reach it; one it
    /// does not take replaces the service, and only those are listed as replacing.
    #[test]
    fn update_service_sends_what_it_takes_and_the_rest_replaces() {
        let input = fixture("create_service");
        let managed = ecs_members::CREATE_SERVICE.managed();
        let mut replacing = Vec::new();
        for member in &managed {
            let update = json!({"cluster": "shop", "service": "web", member.as_str(): input[member.as_str()].clone()});
            let typed = from_json(&update, UpdateServiceInput::deserialize, "service update")
                .expect("decodes");
            let understood = to_json(&typed).get(member.as_str()).is_some();
            let request = update_service_request(&client(), typed);
            let sent = to_json(&request.as_input().clone().build().expect("builds"));
            if understood {
                assert_eq!(
                    sent.get(member.as_str()),
                    Some(&input[member.as_str()]),
                    "UpdateService: `{member}` is dropped on its way to AWS"
                );
            } else {
                replacing.push(member.clone());
            }
        }
        let mut listed: Vec<String> = crate::kinds::service::REPLACE_MEMBERS
            .iter()
            .map(|m| m.to_string())
            .collect();
        listed.sort();
        replacing.sort();
        assert_eq!(
            listed, replacing,
            "REPLACE_MEMBERS must be exactly the managed members UpdateService does not take"
        );
    }

    #[test]
    fn the_service_member_list_is_the_models() {
        let listed: BTreeSet<String> = crate::kinds::service::MANAGED_MEMBERS
            .iter()
            .map(|m| m.to_string())
            .collect();
        let model: BTreeSet<String> = ecs_members::CREATE_SERVICE.managed().into_iter().collect();
        assert_eq!(listed, model);
    }
}
