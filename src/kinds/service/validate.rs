//! Validation of a service: its cluster and task definition (by name in this manifest,
//! or by ARN), launch type and network configuration, load balancers and deployment
//! settings, as ECS checks them at CreateService and UpdateService.

use crate::diagnostics::did_you_mean;
use crate::kinds::task_definition::units;
use crate::manifest::ecs_members;
use crate::manifest::model::ApiObject;
use crate::manifest::validate::ecs::{is_fargate, not_found_hint, objects, str_of};
use crate::manifest::validate::{Validator, child};
use regex::Regex;
use serde_json::Value;
use std::sync::LazyLock;

static CLUSTER_ARN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^arn:aws[a-z-]*:ecs:[a-z0-9-]+:[0-9]{12}:cluster/[A-Za-z0-9_-]{1,255}$")
        .expect("valid regex")
});

/// `family:revision`.
static FAMILY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[A-Za-z0-9_-]{1,255}$").expect("valid regex"));

static FAMILY_REVISION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^([A-Za-z0-9_-]{1,255}):([0-9]+)$").expect("valid regex"));

static TASK_DEFINITION_ARN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^arn:aws[a-z-]*:ecs:[a-z0-9-]+:[0-9]{12}:task-definition/[A-Za-z0-9_-]{1,255}(:[1-9][0-9]*)?$")
        .expect("valid regex")
});

/// The strategies that move traffic between two revisions behind the same load
/// balancer (ECS API Reference, DeploymentConfiguration `strategy`).
const TRAFFIC_SHIFTING: [&str; 3] = ["BLUE_GREEN", "LINEAR", "CANARY"];

/// `canaryBakeTimeInMinutes` and `stepBakeTimeInMinutes`: 0 to 1440 minutes (ECS API
/// Reference, CanaryConfiguration and LinearConfiguration).
const STEP_BAKE_MINUTES_MAX: i64 = 1440;

/// A percentage ECS takes in steps of 0.1 between `min` and 100.0.
fn tenths_between(value: f64, min: f64) -> bool {
    (min..=100.0).contains(&value) && ((value * 10.0).round() - value * 10.0).abs() < 1e-6
}

impl Validator<'_> {
    /// `deploymentConfiguration.strategy` and what it needs: its own linear or canary
    /// settings in range, the ECS deployment controller, and for each target group an
    /// alternate one to shift traffic to (`loadBalancers[].advancedConfiguration`;
    /// CloudFormation's AdvancedConfiguration marks `alternateTargetGroupArn` required).
    fn deployment_strategy(&mut self, service: &ApiObject, base: &str) {
        let Some(Value::Object(config)) = service.get("deploymentConfiguration") else {
            return;
        };
        let at = child(base, "deploymentConfiguration");
        let strategy = str_of(config, "strategy").unwrap_or("ROLLING");
        for (key, own) in [
            ("linearConfiguration", "LINEAR"),
            ("canaryConfiguration", "CANARY"),
        ] {
            if config.contains_key(key) && strategy != own {
                self.error(
                    self.key(&child(&at, key)),
                    format!(
                        "`{key}` applies only to the {own} strategy; this service's is {strategy}"
                    ),
                    Some(format!("set `strategy: {own}`, or remove `{key}`")),
                );
            }
        }
        for (key, percent, min, bake) in [
            (
                "canaryConfiguration",
                "canaryPercent",
                0.1,
                "canaryBakeTimeInMinutes",
            ),
            (
                "linearConfiguration",
                "stepPercent",
                3.0,
                "stepBakeTimeInMinutes",
            ),
        ] {
            let Some(Value::Object(settings)) = config.get(key) else {
                continue;
            };
            let settings_at = child(&at, key);
            if let Some(value) = settings.get(percent).and_then(Value::as_f64)
                && !tenths_between(value, min)
            {
                self.error(
                    self.at(&child(&settings_at, percent)),
                    format!("`{percent}` must be a multiple of 0.1 from {min:.1} to 100.0"),
                    None,
                );
            }
            if let Some(minutes) = settings.get(bake).and_then(Value::as_i64)
                && !(0..=STEP_BAKE_MINUTES_MAX).contains(&minutes)
            {
                self.error(
                    self.at(&child(&settings_at, bake)),
                    format!("`{bake}` must be 0 to {STEP_BAKE_MINUTES_MAX} minutes (24 hours)"),
                    None,
                );
            }
        }
        self.lifecycle_hooks(config, &at, strategy);
        if !TRAFFIC_SHIFTING.contains(&strategy) {
            return;
        }
        let controller = service
            .get("deploymentController")
            .and_then(|c| c.get("type"))
            .and_then(Value::as_str)
            .unwrap_or("ECS");
        if controller != "ECS" {
            self.error(
                self.at(&child(&at, "strategy")),
                format!("the {strategy} strategy needs the ECS deployment controller; this service's is {controller}"),
                Some("remove `deploymentController`, or use the ROLLING strategy".into()),
            );
        }
        for (i, balancer) in objects(service, "loadBalancers") {
            let balancer_at = child(&child(base, "loadBalancers"), &i.to_string());
            let alternate = balancer
                .get("advancedConfiguration")
                .and_then(|a| a.get("alternateTargetGroupArn"));
            if balancer.contains_key("targetGroupArn") && alternate.is_none() {
                self.error(
                    self.at(&child(&balancer_at, "targetGroupArn")),
                    format!("a {strategy} deployment shifts traffic to a second target group, and this load balancer names none"),
                    Some("add `advancedConfiguration: { alternateTargetGroupArn: ..., productionListenerRule: ..., roleArn: ... }` (Amazon ECS Developer Guide: required resources for blue/green deployments)".into()),
                );
            }
        }
    }

    /// `deploymentConfiguration.lifecycleHooks` as ECS takes them (ECS API Reference,
    /// DeploymentLifecycleHook): each names its stages; a Lambda hook (the default type)
    /// names its function and the role ECS calls it with; a pause hook names neither and
    /// cannot sit at the two traffic-shift stages. ECS runs hooks only in the strategies
    /// that shift traffic (Developer Guide, "Lifecycle hooks for Amazon ECS service
    /// deployments").
    fn lifecycle_hooks(&mut self, config: &ApiObject, at: &str, strategy: &str) {
        let hooks_at = child(at, "lifecycleHooks");
        let hooks = objects(config, "lifecycleHooks");
        if !hooks.is_empty() && !TRAFFIC_SHIFTING.contains(&strategy) {
            self.out
                .warning(
                    self.key(&hooks_at),
                    format!("ECS runs lifecycle hooks only in BLUE_GREEN, LINEAR and CANARY deployments; this service's strategy is {strategy}"),
                )
                .hint_mut("set `strategy`, or remove `lifecycleHooks`");
        }
        for (i, hook) in hooks {
            let hook_at = child(&hooks_at, &i.to_string());
            let whole = self.extent(&hook_at, &Value::Object(hook.clone()));
            let target_type = str_of(hook, "targetType").unwrap_or("AWS_LAMBDA");
            let stages = crate::manifest::validate::ecs::strings(hook, "lifecycleStages");
            if stages.is_empty() {
                self.error(
                    whole,
                    "a lifecycle hook names the stages it runs at in `lifecycleStages`",
                    Some("for example `lifecycleStages: [POST_TEST_TRAFFIC_SHIFT]`".into()),
                );
            }
            if target_type == "PAUSE" {
                for key in ["hookTargetArn", "roleArn", "hookDetails"] {
                    if hook.contains_key(key) {
                        self.error(
                            self.key(&child(&hook_at, key)),
                            format!("a PAUSE hook takes no `{key}`: ECS waits for ContinueServiceDeployment instead of calling a function"),
                            Some(format!("remove `{key}`, or make it an AWS_LAMBDA hook")),
                        );
                    }
                }
                for (j, stage) in &stages {
                    if matches!(*stage, "TEST_TRAFFIC_SHIFT" | "PRODUCTION_TRAFFIC_SHIFT") {
                        self.error(
                            self.at(&child(&child(&hook_at, "lifecycleStages"), &j.to_string())),
                            format!("a PAUSE hook cannot run at {stage}; only Lambda hooks run while traffic shifts"),
                            Some(format!("pause at PRE_{stage} or POST_{stage} instead")),
                        );
                    }
                }
                continue;
            }
            for (key, why) in [
                ("hookTargetArn", "the Lambda function ECS calls"),
                ("roleArn", "the role ECS calls the function with"),
            ] {
                if !hook.contains_key(key) {
                    self.error(
                        whole,
                        format!("a {target_type} lifecycle hook needs `{key}`: {why}"),
                        Some(format!(
                            "add `{key}: arn:aws:...`, or set `targetType: PAUSE`"
                        )),
                    );
                }
            }
        }
    }

    pub(crate) fn service(&mut self, service: &ApiObject, base: &str) {
        self.refused_members(service, base, ecs_members::CREATE_SERVICE);
        self.deployment_strategy(service, base);
        let ecs = &self.manifest.ecs;
        if let Some(cluster) = str_of(service, "cluster") {
            let known = !cluster.starts_with("arn:") && ecs.clusters.contains_key(cluster);
            if !known && !CLUSTER_ARN.is_match(cluster) {
                let message = if cluster.starts_with("arn:") {
                    format!("`{cluster}` is not an ECS cluster ARN")
                } else {
                    format!("`{cluster}` is not a cluster of this manifest")
                };
                let names: Vec<&str> = ecs.clusters.keys().map(String::as_str).collect();
                self.error(
                    self.at(&child(base, "cluster")),
                    message,
                    Some(not_found_hint(
                        cluster,
                        &names,
                        "declare it under ecs.clusters, or give its ARN (arn:aws:ecs:REGION:ACCOUNT:cluster/NAME)",
                    )),
                );
            }
        }

        let external = service
            .get("deploymentController")
            .and_then(|c| c.get("type"))
            .and_then(Value::as_str)
            == Some("EXTERNAL");
        if !external && !service.contains_key("taskDefinition") {
            self.error(
                self.key(base),
                "missing required key `taskDefinition` in service",
                Some("name a task definition of this manifest, family:revision or an ARN; only an EXTERNAL deploymentController may leave it out".into()),
            );
        }

        // The manifest family the service runs, when it runs one.
        let mut family = None;
        if let Some(reference) = str_of(service, "taskDefinition") {
            let span = self.at(&child(base, "taskDefinition"));
            let families: Vec<&str> = ecs.task_definitions.keys().map(String::as_str).collect();
            if ecs.task_definitions.contains_key(reference) {
                family = Some(reference);
            } else if let Some(c) = FAMILY_REVISION.captures(reference) {
                let name = c.get(1).map_or("", |m| m.as_str());
                family = families.iter().copied().find(|f| *f == name);
                if c[2].starts_with('0') {
                    self.error(
                        span,
                        format!(
                            "`{reference}` names revision {}, and revisions start at 1",
                            &c[2]
                        ),
                        None,
                    );
                }
            } else if reference.starts_with("arn:") {
                if !TASK_DEFINITION_ARN.is_match(reference) {
                    self.error(
                        span,
                        format!("`{reference}` is not a task-definition ARN"),
                        Some(
                            "e.g. arn:aws:ecs:eu-west-1:123456789012:task-definition/web:3".into(),
                        ),
                    );
                }
            } else if !FAMILY.is_match(reference)
                || did_you_mean(reference, families.iter().copied()).is_some()
            {
                // Close to a family of this manifest: most likely a typo of it.
                self.error(
                    span,
                    format!("`{reference}` is not a task-definition family of this manifest"),
                    Some(not_found_hint(
                        reference,
                        &families,
                        "declare it under ecs.taskDefinitions, pin an existing revision (family:revision), or give its ARN",
                    )),
                );
            }
            // Else a family managed elsewhere: ECS runs its latest ACTIVE revision.
        }

        if service.contains_key("launchType") && service.contains_key("capacityProviderStrategy") {
            self.error(
                self.key(&child(base, "capacityProviderStrategy")),
                "`launchType` and `capacityProviderStrategy` cannot both be set",
                Some(
                    "a service is placed either by launch type or by capacity providers; keep one"
                        .into(),
                ),
            );
        }
        if let Some(count) = service.get("desiredCount").and_then(Value::as_i64)
            && count < 0
        {
            self.error(
                self.at(&child(base, "desiredCount")),
                format!("desiredCount cannot be negative ({count})"),
                Some("leave desiredCount out to let autoscaling decide".into()),
            );
        }

        if let Some(family) = family
            && let Some(task) = ecs.task_definitions.get(family)
        {
            // AWS refuses to run a task definition on Fargate unless it was registered
            // for it ("Task definition does not support launch_type FARGATE"; ECS
            // Developer Guide, task definition parameters `requiresCompatibilities`).
            let fargate_provider = objects(service, "capacityProviderStrategy")
                .into_iter()
                .find(|(_, item)| {
                    matches!(
                        str_of(item, "capacityProvider"),
                        Some("FARGATE" | "FARGATE_SPOT")
                    )
                });
            let fargate_at = if str_of(service, "launchType") == Some("FARGATE") {
                Some((child(base, "launchType"), "launchType FARGATE".to_string()))
            } else {
                fargate_provider.map(|(i, item)| {
                    (
                        crate::manifest::validate::pointer_join(
                            base,
                            &[
                                "capacityProviderStrategy",
                                &i.to_string(),
                                "capacityProvider",
                            ],
                        ),
                        format!(
                            "capacity provider {}",
                            str_of(item, "capacityProvider").unwrap_or_default()
                        ),
                    )
                })
            };
            // Without requiresCompatibilities, ECS validates the definition against each
            // launch type and lists those it fits in `compatibilities` (ECS API Reference,
            // TaskDefinition `compatibilities`): awsvpc with Fargate's task sizes fits.
            // awsvpc with a task size Fargate offers fits.
            let size = |key: &str, parse: fn(&str) -> Option<u32>| match task.get(key) {
                Some(Value::String(text)) => parse(text),
                Some(Value::Number(n)) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
                _ => None,
            };
            let fits_fargate = !task.contains_key("requiresCompatibilities")
                && str_of(task, "networkMode") == Some("awsvpc")
                && size("cpu", units::cpu_units)
                    .zip(size("memory", units::memory_mib))
                    .is_some_and(|(cpu, memory)| units::fargate_combination_ok(cpu, memory));
            if let Some((at, what)) = fargate_at
                && !is_fargate(task)
                && !fits_fargate
            {
                self.error(
                    self.at(&at),
                    format!(
                        "{what} needs a Fargate-compatible task definition, and `{family}` does not list FARGATE in requiresCompatibilities"
                    ),
                    Some(format!(
                        "add requiresCompatibilities: [FARGATE] to task definition `{family}` (with networkMode awsvpc and task cpu and memory)"
                    )),
                );
            }
            let network_mode = str_of(task, "networkMode").unwrap_or(if is_fargate(task) {
                "awsvpc"
            } else {
                "bridge"
            });
            // AWS: "networkConfiguration ... is required for task definitions that use
            // the awsvpc network mode ... It isn't supported for other network modes"
            // (ECS API Reference, CreateService `networkConfiguration`).
            if network_mode != "awsvpc"
                && service
                    .get("networkConfiguration")
                    .and_then(|n| n.get("awsvpcConfiguration"))
                    .is_some()
            {
                self.error(
                    self.key(&child(base, "networkConfiguration")),
                    format!(
                        "task definition `{family}` uses networkMode {network_mode}, and ECS takes a networkConfiguration only for awsvpc"
                    ),
                    Some(format!(
                        "remove networkConfiguration, or set networkMode: awsvpc in task definition `{family}`"
                    )),
                );
            }
            if str_of(task, "networkMode") == Some("awsvpc")
                && !service.contains_key("networkConfiguration")
            {
                self.error(
                    self.key(base),
                    format!(
                        "task definition `{family}` uses networkMode awsvpc, so the service needs a networkConfiguration"
                    ),
                    Some("add networkConfiguration: { awsvpcConfiguration: { subnets: [...], securityGroups: [...] } }".into()),
                );
            }
        }
        self.ecs_tags(service, base, "this service");
    }
}

impl crate::manifest::validate::Validates for crate::kinds::service::ServiceKind {
    fn validate(v: &mut Validator) {
        for (name, service) in &v.manifest.ecs.services {
            let base = crate::manifest::spans::pointer(&["ecs", "services", name]);
            v.ecs_name(name, &base, "service name");
            v.service(service, &base);
        }
    }
}
