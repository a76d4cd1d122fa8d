//! A scalable target as the `autoScaling` block of its service's manifest entry, PURE:
//! the short form the manifest takes, so that exporting and planning again finds nothing
//! to do. Policies the block cannot say (step scaling, customized metrics) are left out,
//! with a note.

use crate::kinds::autoscaling::live::LiveScalableTarget;
use crate::kinds::autoscaling::{DEFAULT_TIMEZONE, policy_name};
use serde_json::{Map, Value, json};

/// The `autoScaling` block of the service `service`, and notes for what it leaves out.
pub fn auto_scaling(service: &str, target: &LiveScalableTarget) -> (Value, Vec<String>) {
    let mut notes = Vec::new();
    let mut block = json!({
        "minCapacity": target.min_capacity,
        "maxCapacity": target.max_capacity,
    });
    let mut policies = Vec::new();
    for (name, policy) in &target.policies {
        let config = &policy["targetTrackingScalingPolicyConfiguration"];
        let metric = &config["predefinedMetricSpecification"];
        let short = match metric["predefinedMetricType"].as_str() {
            Some("ECSServiceAverageCPUUtilization") => "cpu",
            Some("ECSServiceAverageMemoryUtilization") => "memory",
            Some("ALBRequestCountPerTarget") => "alb-requests",
            _ => {
                notes.push(format!(
                    "service {service}: scaling policy {name} is not a target tracking policy on a predefined metric; autoScaling cannot say it, so it is left out (and the next apply would delete it)"
                ));
                continue;
            }
        };
        if !config["customizedMetricSpecification"].is_null() {
            continue;
        }
        let mut entry = Map::new();
        entry.insert("metric".into(), json!(short));
        entry.insert("target".into(), config["targetValue"].clone());
        if *name != policy_name(service, short) {
            entry.insert("name".into(), json!(name));
        }
        if let Some(label) = metric["resourceLabel"].as_str() {
            entry.insert("resourceLabel".into(), json!(label));
        }
        for key in ["scaleInCooldown", "scaleOutCooldown"] {
            if !config[key].is_null() {
                entry.insert(key.into(), config[key].clone());
            }
        }
        if config["disableScaleIn"] == json!(true) {
            entry.insert("disableScaleIn".into(), json!(true));
        }
        policies.push(Value::Object(entry));
    }
    if !policies.is_empty() {
        block["targetTracking"] = Value::Array(policies);
    }
    let scheduled: Vec<Value> = target
        .scheduled_actions
        .iter()
        .map(|(name, action)| {
            let mut entry = Map::new();
            entry.insert("name".into(), json!(name));
            entry.insert("schedule".into(), action["schedule"].clone());
            if action["timezone"] != json!(DEFAULT_TIMEZONE) {
                entry.insert("timezone".into(), action["timezone"].clone());
            }
            for key in ["minCapacity", "maxCapacity"] {
                let bound = &action["scalableTargetAction"][key];
                if !bound.is_null() {
                    entry.insert(key.into(), bound.clone());
                }
            }
            Value::Object(entry)
        })
        .collect();
    if !scheduled.is_empty() {
        block["scheduled"] = Value::Array(scheduled);
    }
    (block, notes)
}
