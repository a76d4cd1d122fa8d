//! What the manifest may say of a service's autoscaling: the `autoScaling` block of an
//! `ecs.services` entry. Its shape is checked by the schema first, so reading it here
//! fails only on what the schema cannot say.

use serde::Deserialize;

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AutoScaling {
    pub min_capacity: i32,
    pub max_capacity: i32,
    #[serde(default)]
    pub target_tracking: Vec<TargetTracking>,
    #[serde(default)]
    pub scheduled: Vec<Scheduled>,
}

/// A target tracking policy on one of ECS's predefined metrics.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TargetTracking {
    /// `cpu`, `memory` or `alb-requests` (or the predefined metric's AWS name).
    pub metric: String,
    /// The value to keep the metric at.
    pub target: f64,
    /// The policy's name (else `SERVICE-METRIC`).
    #[serde(default)]
    pub name: Option<String>,
    /// For `alb-requests`: the target group ARN (with `loadBalancer`), or the metric's
    /// resource label itself in `resourceLabel`.
    #[serde(default)]
    pub target_group: Option<String>,
    #[serde(default)]
    pub load_balancer: Option<String>,
    #[serde(default)]
    pub resource_label: Option<String>,
    #[serde(default)]
    pub scale_in_cooldown: Option<i32>,
    #[serde(default)]
    pub scale_out_cooldown: Option<i32>,
    #[serde(default)]
    pub disable_scale_in: Option<bool>,
}

/// A scheduled change of the capacity bounds.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Scheduled {
    pub name: String,
    /// `cron(...)`, `rate(...)` or `at(...)`.
    pub schedule: String,
    #[serde(default)]
    pub timezone: Option<String>,
    #[serde(default)]
    pub min_capacity: Option<i32>,
    #[serde(default)]
    pub max_capacity: Option<i32>,
}

/// The `autoScaling` block of a service, if it has one (an error when it does not read).
pub fn of(service: &crate::manifest::model::ApiObject) -> Option<Result<AutoScaling, String>> {
    let block = service.get("autoScaling")?;
    Some(serde_json::from_value(block.clone()).map_err(|e| e.to_string()))
}

/// The predefined metric type of a short metric name (or of its AWS name), and whether
/// it needs a resource label (Application Auto Scaling API Reference,
/// PredefinedMetricSpecification).
pub fn predefined_metric(metric: &str) -> Option<(&'static str, bool)> {
    match metric {
        "cpu" | "ECSServiceAverageCPUUtilization" => {
            Some(("ECSServiceAverageCPUUtilization", false))
        }
        "memory" | "ECSServiceAverageMemoryUtilization" => {
            Some(("ECSServiceAverageMemoryUtilization", false))
        }
        "alb-requests" | "ALBRequestCountPerTarget" => Some(("ALBRequestCountPerTarget", true)),
        _ => None,
    }
}

/// The short names `metric` takes, for messages.
pub const METRICS: &[&str] = &["cpu", "memory", "alb-requests"];
