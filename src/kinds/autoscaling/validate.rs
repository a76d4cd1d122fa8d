//! Validation of a service's `autoScaling` block, as Application Auto Scaling checks
//! RegisterScalableTarget, PutScalingPolicy and PutScheduledAction (API Reference), and
//! where it meets the service: `desiredCount` may not be declared beside it, and a DAEMON
//! service has no count to scale.

use crate::diagnostics::did_you_mean;
use crate::kinds::autoscaling::model::{self, AutoScaling, METRICS, predefined_metric};
use crate::kinds::autoscaling::policy_name;
use crate::manifest::model::ApiObject;
use crate::manifest::spans::pointer;
use crate::manifest::validate::{Validator, child};
use regex::Regex;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::LazyLock;

/// PutScheduledAction `ScheduledActionName`: 1 to 256 characters, no `:`, `/` or `|`, no
/// control characters, not starting with a space (API Reference, its pattern).
static ACTION_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[^ :/|\x00-\x1f\x7f-\x9f][^:/|\x00-\x1f\x7f-\x9f]{0,255}$").expect("valid regex")
});
/// PutScalingPolicy `PolicyName`: 1 to 256 printable characters (API Reference, its
/// pattern `\p{Print}+`).
static POLICY_NAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[^\p{Cc}]{1,256}$").expect("valid regex"));
/// `at(yyyy-mm-ddThh:mm:ss)`, `rate(N unit)` or `cron(fields)` (PutScheduledAction
/// `Schedule`).
static SCHEDULE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(at\(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\)|rate\(\d+ (minute|minutes|hour|hours|day|days)\)|cron\([^()]+\))$")
        .expect("valid regex")
});
static LOAD_BALANCER_ARN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:[0-9]{12}:loadbalancer/app/[^/]+/[^/]+$",
    )
    .expect("valid regex")
});
static TARGET_GROUP_ARN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:[0-9]{12}:targetgroup/[^/]+/[^/]+$",
    )
    .expect("valid regex")
});

impl Validator<'_> {
    fn auto_scaling(&mut self, name: &str, service: &ApiObject) {
        let Some(read) = model::of(service) else {
            return;
        };
        // The schema reports a block that does not read, at its line.
        let Ok(scaling) = read else {
            return;
        };
        let base = pointer(&["ecs", "services", name]);
        let at = child(&base, "autoScaling");
        if service.contains_key("desiredCount") {
            self.error(
                self.key(&child(&base, "desiredCount")),
                "`desiredCount` and `autoScaling` both set how many tasks run: with `autoScaling`, Application Auto Scaling owns the count (wharf creates the service at `minCapacity` and never changes the count)",
                Some("remove `desiredCount`".into()),
            );
        }
        if service.get("schedulingStrategy").and_then(Value::as_str) == Some("DAEMON") {
            self.error(
                self.key(&at),
                "a DAEMON service runs one task per instance and has no count to scale",
                Some("remove `autoScaling`, or use the REPLICA scheduling strategy".into()),
            );
        }
        self.capacity_bounds(&at, scaling.min_capacity, scaling.max_capacity);
        self.target_tracking(name, service, &at, &scaling);
        self.scheduled(&at, &scaling);
    }

    /// The bounds in order (the schema holds them at 0 or more).
    fn capacity_bounds(&mut self, at: &str, min: i32, max: i32) {
        if max < min {
            self.error(
                self.at(&child(at, "maxCapacity")),
                format!("`maxCapacity` ({max}) is below `minCapacity` ({min})"),
                None,
            );
        }
    }

    fn target_tracking(
        &mut self,
        name: &str,
        service: &ApiObject,
        at: &str,
        scaling: &AutoScaling,
    ) {
        let list = child(at, "targetTracking");
        let mut names: BTreeMap<String, usize> = BTreeMap::new();
        let service_groups: Vec<&str> = service
            .get("loadBalancers")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|b| b["targetGroupArn"].as_str())
            .collect();
        for (i, policy) in scaling.target_tracking.iter().enumerate() {
            let here = child(&list, &i.to_string());
            let Some((_, needs_label)) = predefined_metric(&policy.metric) else {
                let hint = match did_you_mean(&policy.metric, METRICS.iter().copied()) {
                    Some(close) => format!("did you mean `{close}`?"),
                    None => format!("one of {}", METRICS.join(", ")),
                };
                self.error(
                    self.at(&child(&here, "metric")),
                    format!("`{}` is not a metric wharf scales on", policy.metric),
                    Some(hint),
                );
                continue;
            };
            if policy.target.is_nan() || policy.target <= 0.0 {
                self.error(
                    self.at(&child(&here, "target")),
                    "`target` must be above 0",
                    None,
                );
            } else if policy.target > 100.0 && !needs_label {
                // AWS takes it (TargetValue has no upper bound), and tasks on EC2 may use
                // more than they reserve; a typo is likelier, so say so without refusing.
                self.out
                    .warning(
                        self.at(&child(&here, "target")),
                        format!(
                            "`{}` is utilization in percent of what the tasks reserve: {} is reached only by tasks that use more than they reserve",
                            policy.metric, policy.target
                        ),
                    )
                    .hint_mut("a target between 1 and 100, e.g. 60");
            }
            for (key, value) in [
                ("scaleInCooldown", policy.scale_in_cooldown),
                ("scaleOutCooldown", policy.scale_out_cooldown),
            ] {
                if value.is_some_and(|s| s < 0) {
                    self.error(
                        self.at(&child(&here, key)),
                        format!("`{key}` cannot be negative"),
                        None,
                    );
                }
            }
            let label_given = policy.resource_label.is_some();
            let pair_given = policy.load_balancer.is_some() || policy.target_group.is_some();
            if needs_label
                && !label_given
                && !(policy.load_balancer.is_some() && policy.target_group.is_some())
            {
                self.error(
                    self.at(&child(&here, "metric")),
                    "`alb-requests` counts the requests of one target group behind one load balancer, and this policy names neither",
                    Some("add `loadBalancer: arn:aws:elasticloadbalancing:...:loadbalancer/app/NAME/ID` and `targetGroup: arn:...:targetgroup/NAME/ID`".into()),
                );
            }
            if !needs_label && (label_given || pair_given) {
                self.error(
                    self.at(&here),
                    format!("`{}` is measured over the whole service: it takes no load balancer, target group or resource label", policy.metric),
                    None,
                );
            }
            if let Some(lb) = &policy.load_balancer
                && !LOAD_BALANCER_ARN.is_match(lb)
            {
                self.error(
                    self.at(&child(&here, "loadBalancer")),
                    "`loadBalancer` must be an Application Load Balancer's ARN (…:loadbalancer/app/NAME/ID)",
                    None,
                );
            }
            if let Some(tg) = &policy.target_group {
                if !TARGET_GROUP_ARN.is_match(tg) {
                    self.error(
                        self.at(&child(&here, "targetGroup")),
                        "`targetGroup` must be a target group's ARN (…:targetgroup/NAME/ID)",
                        None,
                    );
                } else if !service_groups.is_empty() && !service_groups.contains(&tg.as_str()) {
                    self.out
                        .warning(
                            self.at(&child(&here, "targetGroup")),
                            "this target group is not one of the service's `loadBalancers`: its requests do not come from this service's tasks",
                        )
                        .hint_mut(format!("one of {}", service_groups.join(", ")));
                }
            }
            let named_at = match &policy.name {
                Some(_) => child(&here, "name"),
                None => here.clone(),
            };
            let policy = policy
                .name
                .clone()
                .unwrap_or_else(|| policy_name(name, &policy.metric));
            if !POLICY_NAME.is_match(&policy) {
                self.error(
                    self.at(&named_at),
                    format!("`{policy}` cannot be a policy name: 1 to 256 printable characters"),
                    None,
                );
            }
            if let Some(first) = names.insert(policy.clone(), i) {
                self.error(
                    self.at(&here),
                    format!("this policy is named `{policy}`, like policy {first}: a name holds one policy"),
                    Some("give one of them a `name`".into()),
                );
            }
        }
    }

    fn scheduled(&mut self, at: &str, scaling: &AutoScaling) {
        let list = child(at, "scheduled");
        let mut names: BTreeMap<&str, usize> = BTreeMap::new();
        for (i, action) in scaling.scheduled.iter().enumerate() {
            let here = child(&list, &i.to_string());
            if !ACTION_NAME.is_match(&action.name) {
                self.error(
                    self.at(&child(&here, "name")),
                    "a scheduled action's name is 1 to 256 characters, without `:`, `/` or `|`",
                    None,
                );
            }
            if let Some(first) = names.insert(&action.name, i) {
                self.error(
                    self.at(&child(&here, "name")),
                    format!("`{}` names scheduled action {first} too", action.name),
                    None,
                );
            }
            if !SCHEDULE.is_match(&action.schedule) {
                self.error(
                    self.at(&child(&here, "schedule")),
                    format!(
                        "`{}` is not a schedule Application Auto Scaling reads",
                        action.schedule
                    ),
                    Some(
                        "`cron(0 20 * * ? *)`, `rate(6 hours)` or `at(2026-12-24T18:00:00)`".into(),
                    ),
                );
            }
            match (action.min_capacity, action.max_capacity) {
                (None, None) => self.error(
                    self.at(&here),
                    "a scheduled action sets `minCapacity`, `maxCapacity` or both",
                    None,
                ),
                (Some(min), Some(max)) => self.capacity_bounds(&here, min, max),
                (Some(min), None) => self.capacity_bounds(&here, min, i32::MAX),
                (None, Some(max)) => self.capacity_bounds(&here, 0, max),
            }
        }
    }
}

impl crate::manifest::validate::Validates for crate::kinds::autoscaling::AutoScalingKind {
    fn validate(v: &mut Validator) {
        for (name, service) in &v.manifest.ecs.services {
            v.auto_scaling(name, service);
        }
    }
}
