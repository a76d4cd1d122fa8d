//! A service's autoscaling I/O: reading scalable targets with their policies and
//! scheduled actions (DescribeScalableTargets by 50 resource ids, then
//! DescribeScalingPolicies and DescribeScheduledActions per target), and executing the
//! operations.

use crate::aws::{Aws, AwsError};
use crate::kinds::autoscaling::live::LiveScalableTarget;
use crate::kinds::autoscaling::{AutoScalingOperation, action_json, policy_json, service_of};
use crate::kinds::kind::Executed;
use aws_sdk_applicationautoscaling::types::{
    MetricType, PolicyType, PredefinedMetricSpecification, ScalableDimension, ScalableTargetAction,
    ServiceNamespace, TargetTrackingScalingPolicyConfiguration,
};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

const NAMESPACE: ServiceNamespace = ServiceNamespace::Ecs;
const DIMENSION: ScalableDimension = ScalableDimension::EcsServiceDesiredCount;

/// The scalable targets among `resource_ids`, by service name, each with its policies
/// and scheduled actions.
pub async fn read_targets(
    aws: &Aws,
    resource_ids: &BTreeSet<String>,
) -> Result<BTreeMap<String, LiveScalableTarget>, AwsError> {
    let mut out = describe_targets(aws, resource_ids).await?;
    for target in out.values_mut() {
        target.policies = read_policies(aws, &target.resource_id).await?;
        target.scheduled_actions = read_actions(aws, &target.resource_id).await?;
    }
    Ok(out)
}

/// The scalable targets among `resource_ids`, by service name, with their bounds only
/// (DescribeScalableTargets by 50).
pub async fn describe_targets(
    aws: &Aws,
    resource_ids: &BTreeSet<String>,
) -> Result<BTreeMap<String, LiveScalableTarget>, AwsError> {
    let client = &aws.autoscaling;
    let ids: Vec<String> = resource_ids.iter().cloned().collect();
    let mut out = BTreeMap::new();
    for chunk in ids.chunks(50) {
        let mut pages = client
            .describe_scalable_targets()
            .service_namespace(NAMESPACE)
            .scalable_dimension(DIMENSION)
            .set_resource_ids(Some(chunk.to_vec()))
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| AwsError::from_sdk("DescribeScalableTargets", e))?;
            for target in page.scalable_targets() {
                let id = target.resource_id().to_string();
                out.insert(
                    service_of(&id).to_string(),
                    LiveScalableTarget {
                        resource_id: id,
                        min_capacity: target.min_capacity(),
                        max_capacity: target.max_capacity(),
                        ..LiveScalableTarget::default()
                    },
                );
            }
        }
    }
    Ok(out)
}

async fn read_policies(aws: &Aws, resource_id: &str) -> Result<BTreeMap<String, Value>, AwsError> {
    let mut pages = aws
        .autoscaling
        .describe_scaling_policies()
        .service_namespace(NAMESPACE)
        .scalable_dimension(DIMENSION)
        .resource_id(resource_id)
        .into_paginator()
        .send();
    let mut out = BTreeMap::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| AwsError::from_sdk("DescribeScalingPolicies", e))?;
        for policy in page.scaling_policies() {
            let value = match policy.target_tracking_scaling_policy_configuration() {
                Some(config) if *policy.policy_type() == PolicyType::TargetTrackingScaling => {
                    let metric = config.predefined_metric_specification();
                    let mut value = policy_json(
                        metric.map_or("", |m| m.predefined_metric_type().as_str()),
                        metric.and_then(|m| m.resource_label()),
                        config.target_value(),
                        (config.scale_in_cooldown(), config.scale_out_cooldown()),
                        config.disable_scale_in().unwrap_or(false),
                    );
                    if config.customized_metric_specification().is_some() {
                        value["targetTrackingScalingPolicyConfiguration"]["customizedMetricSpecification"] =
                            json!("(a customized metric)");
                    }
                    value
                }
                _ => json!({ "policyType": policy.policy_type().as_str() }),
            };
            out.insert(policy.policy_name().to_string(), value);
        }
    }
    Ok(out)
}

async fn read_actions(aws: &Aws, resource_id: &str) -> Result<BTreeMap<String, Value>, AwsError> {
    let mut pages = aws
        .autoscaling
        .describe_scheduled_actions()
        .service_namespace(NAMESPACE)
        .scalable_dimension(DIMENSION)
        .resource_id(resource_id)
        .into_paginator()
        .send();
    let mut out = BTreeMap::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| AwsError::from_sdk("DescribeScheduledActions", e))?;
        for action in page.scheduled_actions() {
            let bounds = action.scalable_target_action();
            out.insert(
                action.scheduled_action_name().to_string(),
                action_json(
                    action.schedule(),
                    action.timezone(),
                    bounds.and_then(|b| b.min_capacity()),
                    bounds.and_then(|b| b.max_capacity()),
                ),
            );
        }
    }
    Ok(out)
}

/// Runs one operation.
pub async fn execute(aws: &Aws, operation: &AutoScalingOperation) -> Result<Executed, AwsError> {
    let client = &aws.autoscaling;
    match operation {
        AutoScalingOperation::RegisterScalableTarget {
            resource_id,
            min_capacity,
            max_capacity,
        } => {
            client
                .register_scalable_target()
                .service_namespace(NAMESPACE)
                .scalable_dimension(DIMENSION)
                .resource_id(resource_id)
                .min_capacity(*min_capacity)
                .max_capacity(*max_capacity)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("RegisterScalableTarget", e))?;
        }
        AutoScalingOperation::PutScalingPolicy {
            resource_id,
            name,
            policy,
        } => {
            let config = &policy["targetTrackingScalingPolicyConfiguration"];
            let metric = &config["predefinedMetricSpecification"];
            let invalid = |e: aws_smithy_types::error::operation::BuildError| {
                AwsError::new(format!("scaling policy {name}: {e}"))
            };
            let metric = PredefinedMetricSpecification::builder()
                .predefined_metric_type(MetricType::from(
                    metric["predefinedMetricType"].as_str().unwrap_or_default(),
                ))
                .set_resource_label(metric["resourceLabel"].as_str().map(str::to_string))
                .build()
                .map_err(invalid)?;
            let cooldown = |key: &str| config[key].as_i64().map(|s| s as i32);
            let configuration = TargetTrackingScalingPolicyConfiguration::builder()
                .target_value(config["targetValue"].as_f64().unwrap_or_default())
                .predefined_metric_specification(metric)
                .set_scale_in_cooldown(cooldown("scaleInCooldown"))
                .set_scale_out_cooldown(cooldown("scaleOutCooldown"))
                .set_disable_scale_in(config["disableScaleIn"].as_bool())
                .build()
                .map_err(invalid)?;
            client
                .put_scaling_policy()
                .service_namespace(NAMESPACE)
                .scalable_dimension(DIMENSION)
                .resource_id(resource_id)
                .policy_name(name)
                .policy_type(PolicyType::TargetTrackingScaling)
                .target_tracking_scaling_policy_configuration(configuration)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("PutScalingPolicy", e))?;
        }
        AutoScalingOperation::DeleteScalingPolicy { resource_id, name } => {
            client
                .delete_scaling_policy()
                .service_namespace(NAMESPACE)
                .scalable_dimension(DIMENSION)
                .resource_id(resource_id)
                .policy_name(name)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("DeleteScalingPolicy", e))?;
        }
        AutoScalingOperation::PutScheduledAction {
            resource_id,
            name,
            action,
        } => {
            let bound = |key: &str| {
                action["scalableTargetAction"][key]
                    .as_i64()
                    .map(|n| n as i32)
            };
            client
                .put_scheduled_action()
                .service_namespace(NAMESPACE)
                .scalable_dimension(DIMENSION)
                .resource_id(resource_id)
                .scheduled_action_name(name)
                .set_schedule(action["schedule"].as_str().map(str::to_string))
                .set_timezone(action["timezone"].as_str().map(str::to_string))
                .scalable_target_action(
                    ScalableTargetAction::builder()
                        .set_min_capacity(bound("minCapacity"))
                        .set_max_capacity(bound("maxCapacity"))
                        .build(),
                )
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("PutScheduledAction", e))?;
        }
        AutoScalingOperation::DeleteScheduledAction { resource_id, name } => {
            client
                .delete_scheduled_action()
                .service_namespace(NAMESPACE)
                .scalable_dimension(DIMENSION)
                .resource_id(resource_id)
                .scheduled_action_name(name)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("DeleteScheduledAction", e))?;
        }
        AutoScalingOperation::DeregisterScalableTarget { resource_id } => {
            client
                .deregister_scalable_target()
                .service_namespace(NAMESPACE)
                .scalable_dimension(DIMENSION)
                .resource_id(resource_id)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("DeregisterScalableTarget", e))?;
        }
    }
    Ok(Executed::Done)
}

/// The resource ids to read: the declared services' targets and, when looking for owned
/// ones, those the ownership ledger records.
fn wanted(
    manifest: &crate::manifest::model::Manifest,
    ledger: Option<&crate::live::OwnershipLedger>,
) -> BTreeSet<String> {
    let mut ids: BTreeSet<String> = manifest
        .ecs
        .services
        .iter()
        .filter(|(_, service)| service.contains_key("autoScaling"))
        .map(|(name, service)| {
            let cluster = crate::kinds::service::cluster_of(service);
            crate::kinds::autoscaling::resource_id(&cluster, name)
        })
        .collect();
    if let Some(ledger) = ledger {
        ids.extend(ledger.scalable_targets.iter().cloned());
    }
    ids
}

/// This kind's part of the live snapshot: read after the first wave, which holds the
/// ownership ledger.
impl crate::aws::reads::ReadsLive for crate::kinds::autoscaling::AutoScalingKind {
    const SECOND_WAVE: bool = true;

    fn read<'a>(
        aws: &'a Aws,
        manifest: &'a crate::manifest::model::Manifest,
        _find_owned: bool,
        so_far: &'a crate::live::LiveSnapshot,
    ) -> futures::future::BoxFuture<'a, Result<crate::aws::reads::Store, AwsError>> {
        Box::pin(async move {
            let ids = wanted(manifest, so_far.ledger.as_ref());
            let targets = if ids.is_empty() {
                BTreeMap::new()
            } else {
                read_targets(aws, &ids).await?
            };
            let store: crate::aws::reads::Store =
                Box::new(move |live| live.scalable_targets = targets);
            Ok(store)
        })
    }
}

/// What `wharf export` reads of this kind: nothing on its own. A service's autoscaling is
/// exported inside the service, so the services' export reads it (`read_targets`).
impl crate::aws::reads::ExportsLive for crate::kinds::autoscaling::AutoScalingKind {
    fn read_selected<'a>(
        _aws: &'a Aws,
        _selection: &'a crate::export::Selection,
        _stack: &'a str,
        _so_far: &'a crate::live::LiveSnapshot,
    ) -> futures::future::BoxFuture<'a, Result<(crate::aws::reads::Store, Vec<String>), AwsError>>
    {
        Box::pin(async move { Ok(crate::aws::reads::nothing()) })
    }
}
