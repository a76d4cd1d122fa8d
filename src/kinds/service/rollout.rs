//! How a service's deployment rolls out, read from its `deploymentConfiguration`: the
//! strategy, how traffic moves (canary, linear steps), the bake time, the lifecycle hooks
//! and what rolls it back. The plan carries it on each service change that starts a
//! deployment; apply's default wait is built from the same figures. A data-only leaf:
//! the plan types name it, and it imports nothing of the planner.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// ECS's canary defaults (ECS API Reference, CanaryConfiguration): 5% of traffic, then 10
/// minutes before the rest moves.
pub const CANARY_PERCENT_DEFAULT: f64 = 5.0;
pub const CANARY_BAKE_MINUTES_DEFAULT: u64 = 10;
/// ECS's linear defaults (ECS API Reference, LinearConfiguration): 10% steps, 6 minutes
/// between steps.
pub const LINEAR_STEP_PERCENT_DEFAULT: f64 = 10.0;
pub const LINEAR_STEP_BAKE_MINUTES_DEFAULT: u64 = 6;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Rollout {
    /// ROLLING, BLUE_GREEN, LINEAR or CANARY.
    pub strategy: String,
    /// Minutes both revisions run after all production traffic has moved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bake_time_in_minutes: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub canary: Option<Canary>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub linear: Option<Linear>,
    /// A rolling deployment's task bounds: `[minimumHealthyPercent, maximumPercent]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_percent: Option<(u64, u64)>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hooks: Vec<Hook>,
    /// What makes ECS roll the deployment back: `circuit breaker`, `alarms NAME, ...`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rolls_back_on: Vec<String>,
    /// How long apply waits for the deployment, in seconds.
    pub wait_seconds: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Canary {
    pub percent: f64,
    pub bake_time_in_minutes: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Linear {
    pub step_percent: f64,
    pub step_bake_time_in_minutes: u64,
    /// Traffic shifts it takes to reach 100%.
    pub steps: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Hook {
    pub stages: Vec<String>,
    /// `AWS_LAMBDA` or `PAUSE`.
    pub target_type: String,
    /// The Lambda function, for a Lambda hook.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
}

fn minutes(parent: Option<&Value>, key: &str) -> Option<u64> {
    parent?.get(key)?.as_u64()
}

impl Rollout {
    /// The rollout a `deploymentConfiguration` (manifest or CreateService shape) declares,
    /// with ECS's defaults where it leaves a setting out.
    pub fn of(config: Option<&Value>, wait_seconds: u64) -> Self {
        let member = |key: &str| config.and_then(|c| c.get(key));
        let strategy = member("strategy")
            .and_then(Value::as_str)
            .unwrap_or("ROLLING")
            .to_string();
        let canary = (strategy == "CANARY").then(|| {
            let own = member("canaryConfiguration");
            Canary {
                percent: own
                    .and_then(|c| c.get("canaryPercent"))
                    .and_then(Value::as_f64)
                    .unwrap_or(CANARY_PERCENT_DEFAULT),
                bake_time_in_minutes: minutes(own, "canaryBakeTimeInMinutes")
                    .unwrap_or(CANARY_BAKE_MINUTES_DEFAULT),
            }
        });
        let linear = (strategy == "LINEAR").then(|| {
            let own = member("linearConfiguration");
            let step_percent = own
                .and_then(|c| c.get("stepPercent"))
                .and_then(Value::as_f64)
                .filter(|p| *p > 0.0)
                .unwrap_or(LINEAR_STEP_PERCENT_DEFAULT);
            Linear {
                step_percent,
                step_bake_time_in_minutes: minutes(own, "stepBakeTimeInMinutes")
                    .unwrap_or(LINEAR_STEP_BAKE_MINUTES_DEFAULT),
                steps: (100.0 / step_percent).ceil() as u64,
            }
        });
        let task_percent = (strategy == "ROLLING")
            .then(|| {
                let min = member("minimumHealthyPercent").and_then(Value::as_u64)?;
                let max = member("maximumPercent").and_then(Value::as_u64)?;
                Some((min, max))
            })
            .flatten();
        let hooks = member("lifecycleHooks")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|hook| Hook {
                stages: hook["lifecycleStages"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|s| s.as_str().map(str::to_string))
                    .collect(),
                target_type: hook["targetType"]
                    .as_str()
                    .unwrap_or("AWS_LAMBDA")
                    .to_string(),
                target: hook["hookTargetArn"].as_str().map(str::to_string),
            })
            .collect();
        let mut rolls_back_on = Vec::new();
        let breaker = member("deploymentCircuitBreaker");
        if breaker.and_then(|b| b.get("rollback")) == Some(&Value::Bool(true)) {
            rolls_back_on.push("circuit breaker".to_string());
        }
        let alarms = member("alarms");
        if alarms.and_then(|a| a.get("rollback")) == Some(&Value::Bool(true)) {
            let names: Vec<&str> = alarms
                .and_then(|a| a.get("alarmNames"))
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            rolls_back_on.push(format!("alarms {}", names.join(", ")));
        }
        Self {
            bake_time_in_minutes: minutes(config, "bakeTimeInMinutes")
                .filter(|_| strategy != "ROLLING"),
            strategy,
            canary,
            linear,
            task_percent,
            hooks,
            rolls_back_on,
            wait_seconds,
        }
    }

    /// Minutes the strategy holds traffic still by design: the canary's or the steps'
    /// bake times, and the bake time after the last shift.
    pub fn baking_minutes(&self) -> u64 {
        let shifting = match (&self.canary, &self.linear) {
            (Some(canary), _) => canary.bake_time_in_minutes,
            // No wait after the last step: the final bake time follows it.
            (_, Some(linear)) => linear.steps.saturating_sub(1) * linear.step_bake_time_in_minutes,
            _ => 0,
        };
        shifting + self.bake_time_in_minutes.unwrap_or(0)
    }

    /// One line for people: `CANARY: 5% for 10 min, then the rest; bake 15 min; hooks:
    /// POST_SCALE_UP pause; rolls back on circuit breaker; waits up to 35 min`.
    pub fn text(&self) -> String {
        let mut parts = Vec::new();
        if let Some(canary) = &self.canary {
            parts.push(format!(
                "{}% of traffic for {} min, then the rest",
                percent(canary.percent),
                canary.bake_time_in_minutes
            ));
        }
        if let Some(linear) = &self.linear {
            parts.push(format!(
                "{} steps of {}%, {} min apart",
                linear.steps,
                percent(linear.step_percent),
                linear.step_bake_time_in_minutes
            ));
        }
        if let Some((min, max)) = self.task_percent {
            parts.push(format!("{min}% to {max}% of tasks running"));
        }
        if let Some(bake) = self.bake_time_in_minutes {
            parts.push(format!("bake {bake} min"));
        }
        if !self.hooks.is_empty() {
            let hooks: Vec<String> = self
                .hooks
                .iter()
                .map(|hook| {
                    let what = match (hook.target_type.as_str(), &hook.target) {
                        ("PAUSE", _) => "pause".to_string(),
                        (_, Some(arn)) => {
                            format!("lambda {}", arn.rsplit(':').next().unwrap_or(arn))
                        }
                        (other, None) => other.to_lowercase(),
                    };
                    format!("{} {what}", hook.stages.join("+"))
                })
                .collect();
            parts.push(format!("hooks: {}", hooks.join(", ")));
        }
        if !self.rolls_back_on.is_empty() {
            parts.push(format!("rolls back on {}", self.rolls_back_on.join(" or ")));
        }
        parts.push(format!("waits up to {}", duration(self.wait_seconds)));
        format!("{}: {}", self.strategy, parts.join("; "))
    }
}

/// `12.5` or `5` (no trailing `.0`).
pub fn percent(value: f64) -> String {
    let text = format!("{value:.1}");
    text.strip_suffix(".0").unwrap_or(&text).to_string()
}

/// `45 s`, `10 min`, `1 h 30 min` (minutes rounded up).
pub fn duration(seconds: u64) -> String {
    if seconds < 60 {
        return format!("{seconds} s");
    }
    let minutes = seconds.div_ceil(60);
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m} min"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_canary_rollout_reads_in_one_line() {
        let rollout = Rollout::of(
            Some(&json!({
                "strategy": "CANARY",
                "bakeTimeInMinutes": 15,
                "canaryConfiguration": { "canaryPercent": 12.5 },
                "deploymentCircuitBreaker": { "enable": true, "rollback": true },
                "alarms": { "alarmNames": ["web-5xx"], "enable": true, "rollback": true },
                "lifecycleHooks": [
                    { "targetType": "PAUSE", "lifecycleStages": ["POST_SCALE_UP"] },
                    { "hookTargetArn": "arn:aws:lambda:eu-west-1:123456789012:function:smoke", "roleArn": "r", "lifecycleStages": ["POST_TEST_TRAFFIC_SHIFT"] }
                ]
            })),
            2100,
        );
        assert_eq!(rollout.baking_minutes(), 25);
        assert_eq!(
            rollout.text(),
            "CANARY: 12.5% of traffic for 10 min, then the rest; bake 15 min; hooks: POST_SCALE_UP pause, POST_TEST_TRAFFIC_SHIFT lambda smoke; rolls back on circuit breaker or alarms web-5xx; waits up to 35 min"
        );
        let json = serde_json::to_value(&rollout).expect("serializes");
        assert_eq!(
            json["canary"],
            json!({ "percent": 12.5, "bakeTimeInMinutes": 10 })
        );
        assert_eq!(json["hooks"][1]["targetType"], "AWS_LAMBDA");
    }

    #[test]
    fn linear_and_rolling_rollouts() {
        let linear = Rollout::of(
            Some(
                &json!({ "strategy": "LINEAR", "linearConfiguration": { "stepPercent": 25.0, "stepBakeTimeInMinutes": 2 } }),
            ),
            960,
        );
        assert_eq!(linear.baking_minutes(), 6);
        assert_eq!(
            linear.text(),
            "LINEAR: 4 steps of 25%, 2 min apart; waits up to 16 min"
        );
        let rolling = Rollout::of(
            Some(
                &json!({ "strategy": "ROLLING", "bakeTimeInMinutes": 0, "minimumHealthyPercent": 100, "maximumPercent": 200 }),
            ),
            600,
        );
        assert_eq!(rolling.baking_minutes(), 0);
        assert_eq!(
            rolling.text(),
            "ROLLING: 100% to 200% of tasks running; waits up to 10 min"
        );
        assert_eq!(
            Rollout::of(None, 5400).text(),
            "ROLLING: waits up to 1 h 30 min"
        );
    }
}
