//! A service's autoscaling (`ecs.autoscaling.SERVICE`): the `autoScaling` block of an
//! `ecs.services` entry becomes an Application Auto Scaling scalable target on the
//! service's desired count (RegisterScalableTarget, which also changes its bounds), its
//! target tracking policies (PutScalingPolicy, which creates or replaces one by name) and
//! its scheduled actions (PutScheduledAction). Policies and scheduled actions on the
//! target that the manifest does not declare are drift, and apply deletes them.
//!
//! Ownership: a scalable target is recorded in the stack's ownership ledger when wharf
//! registers it (the ledger, not tags, because not every endpoint tags scalable
//! targets); with `--prune`, a target the manifest no longer declares is deregistered
//! (with its policies and actions) only when the ledger lists it.
//!
//! A service with `autoScaling` never has its running count changed by wharf: the
//! service is created at `minCapacity`, `desiredCount` may not be declared beside it, and
//! updates leave the count to Application Auto Scaling. PURE.

pub mod export;
pub mod io;
pub mod live;
pub mod model;
pub mod operation;
pub mod validate;

use crate::kinds::common::{Context, KindPlan};
use crate::kinds::reconcile::{Ownership, Reconcile, not_declared, reconcile};
use crate::live::LiveSnapshot;
use crate::manifest::model::{ApiObject, Manifest};
use crate::plan::{Change, FieldChange, Operation};
use live::LiveScalableTarget;
use model::{AutoScaling, predefined_metric};
pub use operation::AutoScalingOperation;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

pub const ADDRESS_PREFIX: &str = operation::ENTRY.prefix;

/// Application Auto Scaling's time zone when a scheduled action names none (API
/// Reference, PutScheduledAction `Timezone`).
pub const DEFAULT_TIMEZONE: &str = "Etc/UTC";

pub fn address(service: &str) -> String {
    format!("{ADDRESS_PREFIX}{service}")
}

/// `service/CLUSTER/NAME`, the scalable target's resource id.
pub fn resource_id(cluster: &str, service: &str) -> String {
    format!("service/{cluster}/{service}")
}

/// The service name of a resource id.
pub fn service_of(resource_id: &str) -> &str {
    resource_id.rsplit('/').next().unwrap_or(resource_id)
}

/// The scalable target the manifest asks for, with its policies and scheduled actions in
/// the normalized shapes `policy_json` and `action_json` give.
#[derive(Clone, Debug, PartialEq)]
pub struct DesiredScaling {
    pub resource_id: String,
    pub min_capacity: i32,
    pub max_capacity: i32,
    pub policies: BTreeMap<String, Value>,
    pub scheduled_actions: BTreeMap<String, Value>,
}

/// The resource label of ALBRequestCountPerTarget from a load balancer and a target
/// group ARN: `app/LB/ID/targetgroup/TG/ID` (API Reference,
/// PredefinedMetricSpecification `ResourceLabel`).
pub fn resource_label(load_balancer: &str, target_group: &str) -> Option<String> {
    let lb = load_balancer.split_once(":loadbalancer/")?.1;
    let tg = target_group.split_once(":targetgroup/")?.1;
    Some(format!("{lb}/targetgroup/{tg}"))
}

/// A target tracking policy in the shape wharf compares and sends.
pub fn policy_json(
    metric_type: &str,
    label: Option<&str>,
    target: f64,
    cooldowns: (Option<i32>, Option<i32>),
    disable_scale_in: bool,
) -> Value {
    let mut metric = json!({ "predefinedMetricType": metric_type });
    if let Some(label) = label {
        metric["resourceLabel"] = json!(label);
    }
    // `disableScaleIn` is false when not given (API Reference,
    // TargetTrackingScalingPolicyConfiguration), so absent and false are written alike.
    let mut config = json!({
        "targetValue": target,
        "predefinedMetricSpecification": metric,
        "disableScaleIn": disable_scale_in,
    });
    if let Some(seconds) = cooldowns.0 {
        config["scaleInCooldown"] = json!(seconds);
    }
    if let Some(seconds) = cooldowns.1 {
        config["scaleOutCooldown"] = json!(seconds);
    }
    json!({
        "policyType": "TargetTrackingScaling",
        "targetTrackingScalingPolicyConfiguration": config,
    })
}

/// A scheduled action in the shape wharf compares and sends.
pub fn action_json(
    schedule: &str,
    timezone: Option<&str>,
    min_capacity: Option<i32>,
    max_capacity: Option<i32>,
) -> Value {
    let mut bounds = json!({});
    if let Some(min) = min_capacity {
        bounds["minCapacity"] = json!(min);
    }
    if let Some(max) = max_capacity {
        bounds["maxCapacity"] = json!(max);
    }
    // UTC by any of its names reads as the default.
    let timezone = match timezone {
        None | Some("UTC" | "Etc/UTC") => DEFAULT_TIMEZONE,
        Some(zone) => zone,
    };
    json!({
        "schedule": schedule,
        "timezone": timezone,
        "scalableTargetAction": bounds,
    })
}

/// The policy's default name: `SERVICE-METRIC`.
pub fn policy_name(service: &str, metric: &str) -> String {
    format!("{service}-{metric}")
}

/// What the service `name` (declared as `service`, with its `autoScaling` block read
/// into `scaling`) asks of Application Auto Scaling.
pub fn desired(name: &str, service: &ApiObject, scaling: &AutoScaling) -> DesiredScaling {
    let cluster = crate::kinds::service::cluster_of(service);
    let policies = scaling
        .target_tracking
        .iter()
        .filter_map(|policy| {
            let (metric_type, _) = predefined_metric(&policy.metric)?;
            let label = policy.resource_label.clone().or_else(|| {
                resource_label(
                    policy.load_balancer.as_deref()?,
                    policy.target_group.as_deref()?,
                )
            });
            Some((
                policy
                    .name
                    .clone()
                    .unwrap_or_else(|| policy_name(name, &policy.metric)),
                policy_json(
                    metric_type,
                    label.as_deref(),
                    policy.target,
                    (policy.scale_in_cooldown, policy.scale_out_cooldown),
                    policy.disable_scale_in.unwrap_or(false),
                ),
            ))
        })
        .collect();
    let scheduled_actions = scaling
        .scheduled
        .iter()
        .map(|action| {
            (
                action.name.clone(),
                action_json(
                    &action.schedule,
                    action.timezone.as_deref(),
                    action.min_capacity,
                    action.max_capacity,
                ),
            )
        })
        .collect();
    DesiredScaling {
        resource_id: resource_id(&cluster, name),
        min_capacity: scaling.min_capacity,
        max_capacity: scaling.max_capacity,
        policies,
        scheduled_actions,
    }
}

/// A live policy as the desired one would read: cooldowns compared only where the
/// manifest states them, since Application Auto Scaling applies its own per namespace
/// otherwise (API Reference, TargetTrackingScalingPolicyConfiguration `ScaleInCooldown`,
/// `ScaleOutCooldown`: 300 seconds for ECS).
fn comparable_policy(live: &Value, want: Option<&Value>) -> Value {
    let mut policy = live.clone();
    let config = &mut policy["targetTrackingScalingPolicyConfiguration"];
    for key in ["scaleInCooldown", "scaleOutCooldown"] {
        let stated =
            want.is_some_and(|w| !w["targetTrackingScalingPolicyConfiguration"][key].is_null());
        if !stated && let Some(map) = config.as_object_mut() {
            map.remove(key);
        }
    }
    policy
}

/// The services of the manifest that declare an `autoScaling` block that reads.
fn declared(manifest: &Manifest) -> Vec<(String, &ApiObject, AutoScaling)> {
    manifest
        .ecs
        .services
        .iter()
        .filter_map(|(name, service)| match model::of(service)? {
            Ok(scaling) => Some((name.clone(), service, scaling)),
            Err(_) => None,
        })
        .collect()
}

/// The change that brings the live target to `want` (None: nothing to do).
pub fn diff(
    service: &str,
    want: &DesiredScaling,
    have: Option<&LiveScalableTarget>,
) -> Option<Change> {
    let id = &want.resource_id;
    let register = Operation::AutoScaling(AutoScalingOperation::RegisterScalableTarget {
        resource_id: id.clone(),
        min_capacity: want.min_capacity,
        max_capacity: want.max_capacity,
    });
    let put_policy = |name: &str, policy: &Value| {
        Operation::AutoScaling(AutoScalingOperation::PutScalingPolicy {
            resource_id: id.clone(),
            name: name.to_string(),
            policy: policy.clone(),
        })
    };
    let put_action = |name: &str, action: &Value| {
        Operation::AutoScaling(AutoScalingOperation::PutScheduledAction {
            resource_id: id.clone(),
            name: name.to_string(),
            action: action.clone(),
        })
    };
    let Some(have) = have else {
        let mut fields = vec![
            FieldChange::new("minCapacity", Value::Null, json!(want.min_capacity)),
            FieldChange::new("maxCapacity", Value::Null, json!(want.max_capacity)),
        ];
        let mut operations = vec![register];
        for (name, policy) in &want.policies {
            fields.push(FieldChange::new(
                format!("targetTracking.{name}"),
                Value::Null,
                policy.clone(),
            ));
            operations.push(put_policy(name, policy));
        }
        for (name, action) in &want.scheduled_actions {
            fields.push(FieldChange::new(
                format!("scheduled.{name}"),
                Value::Null,
                action.clone(),
            ));
            operations.push(put_action(name, action));
        }
        return Some(crate::kinds::common::create_because_missing(
            address(service),
            format!("no scalable target for {id}"),
            fields,
            operations,
        ));
    };
    let mut fields = Vec::new();
    let mut operations = Vec::new();
    for (path, before, after) in [
        ("minCapacity", have.min_capacity, want.min_capacity),
        ("maxCapacity", have.max_capacity, want.max_capacity),
    ] {
        if before != after {
            fields.push(FieldChange::new(path, json!(before), json!(after)));
        }
    }
    if !fields.is_empty() {
        operations.push(register);
    }
    let names: BTreeSet<&String> = want.policies.keys().chain(have.policies.keys()).collect();
    for name in names {
        let after = want.policies.get(name);
        let before = have.policies.get(name).map(|p| comparable_policy(p, after));
        if before.as_ref() == after {
            continue;
        }
        fields.push(FieldChange::new(
            format!("targetTracking.{name}"),
            before.unwrap_or(Value::Null),
            after.cloned().unwrap_or(Value::Null),
        ));
        operations.push(match after {
            Some(policy) => put_policy(name, policy),
            None => Operation::AutoScaling(AutoScalingOperation::DeleteScalingPolicy {
                resource_id: id.clone(),
                name: name.clone(),
            }),
        });
    }
    let names: BTreeSet<&String> = want
        .scheduled_actions
        .keys()
        .chain(have.scheduled_actions.keys())
        .collect();
    for name in names {
        let (before, after) = (
            have.scheduled_actions.get(name),
            want.scheduled_actions.get(name),
        );
        if before == after {
            continue;
        }
        fields.push(FieldChange::new(
            format!("scheduled.{name}"),
            before.cloned().unwrap_or(Value::Null),
            after.cloned().unwrap_or(Value::Null),
        ));
        operations.push(match after {
            Some(action) => put_action(name, action),
            None => Operation::AutoScaling(AutoScalingOperation::DeleteScheduledAction {
                resource_id: id.clone(),
                name: name.clone(),
            }),
        });
    }
    if fields.is_empty() {
        return None;
    }
    Some(crate::kinds::common::update_because_drifted(
        address(service),
        fields,
        operations,
    ))
}

pub fn plan(manifest: &Manifest, live: &LiveSnapshot, prune: bool) -> KindPlan {
    let targets = Targets {
        manifest,
        live,
        declared: declared(manifest)
            .into_iter()
            .map(|(name, service, scaling)| {
                let want = desired(&name, service, &scaling);
                (name, want)
            })
            .collect(),
    };
    reconcile(&targets, prune, crate::kinds::common::Adoption::Refuse)
}

struct Targets<'a> {
    manifest: &'a Manifest,
    live: &'a LiveSnapshot,
    declared: BTreeMap<String, DesiredScaling>,
}

impl Reconcile for Targets<'_> {
    type Want = DesiredScaling;
    type Have = LiveScalableTarget;
    const NOUN: &'static str = "scalable target";
    const PREFIX: &'static str = ADDRESS_PREFIX;
    const OWNERSHIP: Ownership = Ownership::Ledger;
    const TAG_COMMAND: &'static str = "";

    fn stack(&self) -> &str {
        &self.manifest.stack
    }

    fn names(&self) -> Vec<String> {
        self.declared.keys().cloned().collect()
    }

    fn desired(&self, name: &str, _: &mut Vec<String>) -> DesiredScaling {
        self.declared[name].clone()
    }

    fn find(&self, name: &str) -> Option<&LiveScalableTarget> {
        let want = &self.declared[name];
        self.live
            .scalable_targets
            .get(name)
            .filter(|have| have.resource_id == want.resource_id)
    }

    fn tags<'h>(&self, _: &'h LiveScalableTarget) -> Option<&'h BTreeMap<String, String>> {
        None
    }

    fn create(&self, name: &str, want: &DesiredScaling) -> Change {
        diff(name, want, None).expect("a missing target is created")
    }

    fn diff(
        &self,
        name: &str,
        want: &DesiredScaling,
        have: &LiveScalableTarget,
        _: &mut Vec<String>,
    ) -> Result<Option<Change>, crate::kinds::common::Conflict> {
        Ok(diff(name, want, Some(have)))
    }

    fn undeclared(&self) -> Vec<(String, &LiveScalableTarget)> {
        not_declared(&self.live.scalable_targets, |name| {
            self.declared.contains_key(name)
        })
    }

    fn in_ledger(&self, name: &str) -> bool {
        let Some(have) = self.live.scalable_targets.get(name) else {
            return false;
        };
        self.live
            .ledger
            .as_ref()
            .is_some_and(|ledger| ledger.scalable_targets.contains(&have.resource_id))
    }

    fn delete(
        &self,
        name: &str,
        have: &LiveScalableTarget,
    ) -> Option<Result<Change, crate::kinds::common::Conflict>> {
        Some(Ok(crate::kinds::common::delete_because_not_in_manifest(
            address(name),
            crate::kinds::common::LEDGER_OWNED_NOT_DECLARED,
            None,
            vec![Operation::AutoScaling(
                AutoScalingOperation::DeregisterScalableTarget {
                    resource_id: have.resource_id.clone(),
                },
            )],
        )))
    }
}

/// The autoscaling kind, as the registry lists it.
pub struct AutoScalingKind;

impl crate::kinds::Kind for AutoScalingKind {
    fn plan(
        manifest: &Manifest,
        _ctx: &Context,
        live: &LiveSnapshot,
        prune: bool,
        _adoption: crate::kinds::common::Adoption,
    ) -> KindPlan {
        plan(manifest, live, prune)
    }

    /// The service it scales.
    fn dependencies(manifest: &Manifest, name: &str) -> Vec<String> {
        if manifest.ecs.services.contains_key(name) {
            vec![crate::kinds::service::address(name)]
        } else {
            Vec::new()
        }
    }

    fn live_objects(live: &LiveSnapshot) -> Vec<(String, Value)> {
        crate::kinds::kind::objects_by_name(&live.scalable_targets, address)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(policies: &[(&str, Value)], actions: &[(&str, Value)]) -> LiveScalableTarget {
        LiveScalableTarget {
            resource_id: resource_id("shop", "web"),
            min_capacity: 1,
            max_capacity: 4,
            policies: policies
                .iter()
                .map(|(n, v)| (n.to_string(), v.clone()))
                .collect(),
            scheduled_actions: actions
                .iter()
                .map(|(n, v)| (n.to_string(), v.clone()))
                .collect(),
        }
    }

    fn want(policies: &[(&str, Value)], actions: &[(&str, Value)]) -> DesiredScaling {
        let have = target(policies, actions);
        DesiredScaling {
            resource_id: have.resource_id,
            min_capacity: 1,
            max_capacity: 4,
            policies: have.policies,
            scheduled_actions: have.scheduled_actions,
        }
    }

    /// Cooldowns Application Auto Scaling fills in are compared only where the manifest
    /// states them; UTC by any name is the default time zone.
    #[test]
    fn what_aws_fills_in_is_no_difference() {
        let declared = policy_json(
            "ECSServiceAverageCPUUtilization",
            None,
            60.0,
            (None, None),
            false,
        );
        let live = policy_json(
            "ECSServiceAverageCPUUtilization",
            None,
            60.0,
            (Some(300), Some(300)),
            false,
        );
        let utc = action_json("rate(1 day)", Some("UTC"), Some(1), None);
        let none = action_json("rate(1 day)", None, Some(1), None);
        assert_eq!(utc, none);
        assert_eq!(
            diff(
                "web",
                &want(&[("web-cpu", declared)], &[("daily", none)]),
                Some(&target(&[("web-cpu", live.clone())], &[("daily", utc)]))
            ),
            None
        );
        // Stated, they count.
        let stated = policy_json(
            "ECSServiceAverageCPUUtilization",
            None,
            60.0,
            (Some(60), None),
            false,
        );
        let change = diff(
            "web",
            &want(&[("web-cpu", stated)], &[]),
            Some(&target(&[("web-cpu", live)], &[])),
        )
        .expect("a change");
        assert_eq!(change.fields[0].path, "targetTracking.web-cpu");
    }

    #[test]
    fn undeclared_policies_and_actions_are_deleted() {
        let extra = json!({ "policyType": "StepScaling" });
        let action = action_json("rate(1 day)", None, None, Some(2));
        let change = diff(
            "web",
            &want(&[], &[]),
            Some(&target(&[("by-hand", extra)], &[("nightly", action)])),
        )
        .expect("a change");
        let ops: Vec<String> = change.operations.iter().map(Operation::describe).collect();
        assert_eq!(
            ops,
            [
                "DeleteScalingPolicy service/shop/web by-hand",
                "DeleteScheduledAction service/shop/web nightly"
            ]
        );
    }

    #[test]
    fn the_alb_label_is_built_from_the_two_arns() {
        assert_eq!(
            resource_label(
                "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/web/50dc6c495c0c9188",
                "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web-blue/943f017f100becff"
            )
            .as_deref(),
            Some("app/web/50dc6c495c0c9188/targetgroup/web-blue/943f017f100becff")
        );
        assert_eq!(resource_label("nonsense", "arn:x:targetgroup/a/b"), None);
    }
}
