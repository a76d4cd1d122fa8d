//! Following a service deployment, without I/O: how DescribeServices' service and the
//! DescribeServiceDeployments record read as an outcome (completed, failed with the
//! reason and the revision ECS rolled back to, or in progress), and the progress line a
//! wait shows: the stage, traffic shifted, bake time left and the hook that is running
//! or waiting.

use crate::kinds::service::live::StartedDeployment;
use crate::kinds::service::rollout::{
    CANARY_BAKE_MINUTES_DEFAULT, LINEAR_STEP_BAKE_MINUTES_DEFAULT, duration, percent,
};
use serde_json::{Value, json};

/// `running 1/2, pending 1, rollout IN_PROGRESS` for a DescribeServices service.
pub fn deployment_status(service: &Value) -> String {
    let deployments = service["deployments"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let primary = deployments
        .iter()
        .find(|d| d["status"] == "PRIMARY")
        .cloned()
        .unwrap_or(Value::Null);
    let count = |v: &Value, k: &str| v[k].as_i64().unwrap_or(0);
    let mut text = format!(
        "running {}/{}, pending {}",
        count(&primary, "runningCount"),
        count(&primary, "desiredCount"),
        count(&primary, "pendingCount")
    );
    if let Some(state) = primary["rolloutState"].as_str() {
        text.push_str(&format!(", rollout {state}"));
    }
    if deployments.len() > 1 {
        text.push_str(&format!(", {} deployments", deployments.len()));
    }
    text
}

/// The service's most recent events, newest first (what ECS says went wrong).
pub fn recent_events(service: &Value, count: usize) -> String {
    service["events"]
        .as_array()
        .into_iter()
        .flatten()
        .take(count)
        .filter_map(|e| e["message"].as_str().map(|m| format!("\n    event: {m}")))
        .collect()
}

impl StartedDeployment {
    pub fn of(service: &Value) -> Self {
        let primary = primary_deployment(service);
        let text = |v: &Value| v.as_str().map(str::to_string);
        Self {
            id: primary.and_then(|p| text(&p["id"])),
            task_definition: primary.and_then(|p| text(&p["taskDefinition"])),
            service_deployment_arn: text(&service["currentServiceDeployment"]),
        }
    }
}

fn primary_deployment(service: &Value) -> Option<&Value> {
    service["deployments"]
        .as_array()?
        .iter()
        .find(|d| d["status"] == "PRIMARY")
}

fn short_task_definition(value: &Value) -> String {
    crate::kinds::task_definition::short_arn(value.as_str().unwrap_or("?")).to_string()
}

/// What a wait shows of a deployment. `line` is the whole status; `steady` is the same
/// without its countdowns, so a log gets a new line when something happens rather than
/// each time a minute passes.
#[derive(Debug, PartialEq, Eq)]
pub struct Progress {
    pub line: String,
    pub steady: String,
}

/// The progress of a deployment at `now` (epoch seconds), from DescribeServices' service
/// and the DescribeServiceDeployments record (null where ECS did not answer one): the
/// service's task counts, then the record's status and lifecycle stage, the production
/// (or test) traffic on the new revision, the bake time left, and each hook that is
/// running or waiting for ContinueServiceDeployment (ECS API Reference,
/// ServiceDeployment, ServiceRevisionSummary, DeploymentLifecycleHookDetail).
/// A stage's start is the record's `updatedAt`, which ECS moves as the deployment
/// advances, so the time left is "about".
pub fn progress(service: &Value, record: &Value, now: f64) -> Progress {
    // Each part, and whether it stays put while time passes.
    let mut parts: Vec<(String, bool)> = vec![(deployment_status(service), true)];
    match (record["status"].as_str(), record["lifecycleStage"].as_str()) {
        (Some(status), Some(stage)) => parts.push((format!("{status} at stage {stage}"), true)),
        (Some(status), None) => parts.push((status.to_string(), true)),
        _ => {}
    }
    let config = &record["deploymentConfiguration"];
    let stage = record["lifecycleStage"].as_str().unwrap_or_default();
    let target = &record["targetServiceRevision"];
    let weight = |key: &str| target[key].as_f64();
    let production = weight("requestedProductionTrafficWeight");
    match (stage, weight("requestedTestTrafficWeight"), production) {
        ("TEST_TRAFFIC_SHIFT" | "POST_TEST_TRAFFIC_SHIFT", Some(test), _) => parts.push((
            format!("test traffic {}% on the new revision", percent(test)),
            true,
        )),
        (_, _, Some(production)) if stage.contains("TRAFFIC_SHIFT") || stage == "BAKE_TIME" => {
            parts.push((
                format!(
                    "production traffic {}% on the new revision",
                    percent(production)
                ),
                true,
            ))
        }
        _ => {}
    }
    let since = now - record["updatedAt"].as_f64().unwrap_or(now);
    let left =
        |minutes: Option<u64>| minutes.map(|m| duration(((m * 60) as f64 - since).max(0.0) as u64));
    let strategy = config["strategy"].as_str().unwrap_or_default();
    let shifting = production.is_some_and(|p| p > 0.0 && p < 100.0);
    let countdown = match (stage, strategy) {
        ("BAKE_TIME", _) => {
            left(config["bakeTimeInMinutes"].as_u64()).map(|t| format!("bake time: about {t} left"))
        }
        ("PRODUCTION_TRAFFIC_SHIFT", "CANARY") if shifting => left(Some(
            config["canaryConfiguration"]["canaryBakeTimeInMinutes"]
                .as_u64()
                .unwrap_or(CANARY_BAKE_MINUTES_DEFAULT),
        ))
        .map(|t| format!("canary bake: about {t} left")),
        ("PRODUCTION_TRAFFIC_SHIFT", "LINEAR") if shifting => left(Some(
            config["linearConfiguration"]["stepBakeTimeInMinutes"]
                .as_u64()
                .unwrap_or(LINEAR_STEP_BAKE_MINUTES_DEFAULT),
        ))
        .map(|t| format!("next step in about {t}")),
        _ => None,
    };
    if let Some(countdown) = countdown {
        parts.push((countdown, false));
    }
    for hook in record["lifecycleHookDetails"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let status = hook["status"].as_str().unwrap_or("IN_PROGRESS");
        let what = match (hook["targetType"].as_str(), hook["targetArn"].as_str()) {
            (Some("PAUSE"), _) => "pause hook".to_string(),
            (_, Some(arn)) => format!("hook {}", arn.rsplit(':').next().unwrap_or(arn)),
            _ => "hook".to_string(),
        };
        let expires = hook["expiresAt"].as_f64().map(|at| {
            let action = hook["timeoutAction"].as_str().unwrap_or("ROLLBACK");
            let t = duration((at - now).max(0.0) as u64);
            format!("times out in {t}, then {action}")
        });
        let (text, pending) = match status {
            "AWAITING_ACTION" => (
                format!(
                    "{what} waiting: aws ecs continue-service-deployment --service-deployment-arn {} --hook-id {} --action CONTINUE (or ROLLBACK)",
                    record["serviceDeploymentArn"].as_str().unwrap_or("?"),
                    hook["hookId"].as_str().unwrap_or("?")
                ),
                true,
            ),
            "IN_PROGRESS" => (format!("{what} running"), true),
            other => (format!("{what} {other}"), false),
        };
        parts.push((text, true));
        if pending && let Some(expires) = expires {
            parts.push((expires, false));
        }
    }
    let join = |all: bool| {
        parts
            .iter()
            .filter(|(_, steady)| all || *steady)
            .map(|(text, _)| text.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    Progress {
        line: join(true),
        steady: join(false),
    }
}

/// What a wait follows: the deployment apply started, or the rollback `wharf rollback`
/// asked for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Following {
    #[default]
    Deployment,
    Rollback,
}

impl Following {
    pub fn noun(self) -> &'static str {
        match self {
            Self::Deployment => "deployment",
            Self::Rollback => "rollback",
        }
    }
}

/// How a rollback asked with StopServiceDeployment is doing, from the record of the
/// deployment it stopped (ECS Developer Guide, "Stopping Amazon ECS service
/// deployments": it moves to ROLLBACK_REQUESTED, then ROLLBACK_IN_PROGRESS, and ends
/// ROLLBACK_SUCCESSFUL or ROLLBACK_FAILED).
pub fn rollback_outcome(record: &Value) -> DeploymentState {
    let reason = record["statusReason"]
        .as_str()
        .or(record["rollback"]["reason"].as_str())
        .unwrap_or("no reason given");
    match record["status"].as_str() {
        Some("ROLLBACK_SUCCESSFUL") => DeploymentState::Completed,
        Some("ROLLBACK_FAILED") => {
            DeploymentState::Failed(format!("ECS could not roll it back: {reason}"))
        }
        Some("SUCCESSFUL") => DeploymentState::Failed(
            "the deployment finished before the rollback took hold; roll back again to return to the previous revision".into(),
        ),
        Some(status @ ("STOPPED" | "STOP_REQUESTED")) => {
            DeploymentState::Failed(format!("the deployment was stopped ({status}) without a rollback: {reason}"))
        }
        Some(status) => DeploymentState::InProgress(status.to_string()),
        None => DeploymentState::InProgress("no deployment record yet".into()),
    }
}

/// What `wharf rollback` does for a service, decided from its current service
/// deployment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RollbackChoice {
    /// A deployment in flight: StopServiceDeployment with ROLLBACK returns the service to
    /// the revision it came from (ECS Developer Guide, "Stopping Amazon ECS service
    /// deployments": PENDING and IN_PROGRESS deployments).
    Stop {
        deployment_arn: String,
        from: String,
        to: Option<String>,
    },
    /// ECS is already rolling it back: follow that.
    Follow { deployment_arn: String },
    /// The last deployment finished: deploy the revision it replaced (UpdateService; ECS
    /// cannot stop a finished deployment).
    Redeploy { from: String, to: String },
    /// Nothing to return to, with the reason.
    Nothing(String),
}

/// The choice for a service running `current` (its task definition), whose current
/// service deployment record is `record` (null when there is none) and whose source
/// revision ran `source` (the record's first `sourceServiceRevisions`, resolved).
pub fn rollback_choice(record: &Value, current: &str, source: Option<&str>) -> RollbackChoice {
    let arn = record["serviceDeploymentArn"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let short = |td: &str| crate::kinds::task_definition::short_arn(td).to_string();
    match record["status"].as_str() {
        Some("PENDING" | "IN_PROGRESS") => RollbackChoice::Stop {
            deployment_arn: arn,
            from: short(current),
            to: source.map(short),
        },
        Some("ROLLBACK_REQUESTED" | "ROLLBACK_IN_PROGRESS" | "STOP_REQUESTED") => {
            RollbackChoice::Follow { deployment_arn: arn }
        }
        Some("ROLLBACK_SUCCESSFUL") => RollbackChoice::Nothing(format!(
            "its last deployment was already rolled back; it runs {}",
            short(source.unwrap_or(current))
        )),
        None => RollbackChoice::Nothing(
            "ECS reports no service deployment for it (DescribeServices names no currentServiceDeployment)".into(),
        ),
        Some(_) => match source {
            Some(source) if short(source) != short(current) => RollbackChoice::Redeploy {
                from: short(current),
                to: short(source),
            },
            Some(_) => RollbackChoice::Nothing(format!(
                "the deployment before its last one ran the same revision, {}",
                short(current)
            )),
            None => RollbackChoice::Nothing(format!(
                "its last deployment was its first: there is no earlier revision than {}",
                short(current)
            )),
        },
    }
}

#[derive(Debug, PartialEq, Eq)]
pub enum DeploymentState {
    Completed,
    Failed(String),
    InProgress(String),
}

/// How the deployment apply started is doing, from DescribeServices' service (AWS JSON)
/// and, when ECS answered it, the DescribeServiceDeployments record (else null).
///
/// A deployment ECS rolled back is a failure, though the rollback itself completes: on a
/// circuit-breaker or alarm rollback ECS marks the deployment it was given FAILED and
/// makes a new PRIMARY deployment of the last good revision (ECS Developer Guide,
/// "deployment circuit breaker" and "CloudWatch alarms" rollback; API Reference,
/// ServiceDeployment `status` ROLLBACK_*). So the started deployment is followed by id;
/// a PRIMARY deployment of another revision means the started one did not win.
pub fn deployment_outcome(
    service: &Value,
    started: Option<&StartedDeployment>,
    record: &Value,
) -> DeploymentState {
    if service["deploymentController"]["type"]
        .as_str()
        .is_some_and(|t| t != "ECS")
    {
        return DeploymentState::Completed;
    }
    if let Some(state) = record_outcome(service, record) {
        return state;
    }
    let deployments = service["deployments"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let primary = primary_deployment(service);
    let ours = started
        .and_then(|s| s.id.as_deref())
        .and_then(|id| deployments.iter().find(|d| d["id"] == id));
    if let (Some(started), Some(ours)) = (started, ours) {
        if ours["rolloutState"] == "FAILED" {
            return DeploymentState::Failed(failure_text(ours, primary, started));
        }
        if ours["status"] != "PRIMARY"
            && let Some(primary) = primary
        {
            return DeploymentState::Failed(format!(
                "ECS replaced it with deployment {} of {} before it finished",
                primary["id"].as_str().unwrap_or("?"),
                short_task_definition(&primary["taskDefinition"])
            ));
        }
    } else if let (Some(started), Some(primary)) = (started, primary)
        && started.id.is_some()
        && started.task_definition.is_some()
        && primary["taskDefinition"].as_str() != started.task_definition.as_deref()
    {
        // The started deployment is gone and another revision is PRIMARY: rolled back.
        return DeploymentState::Failed(format!(
            "the deployment of {} is gone and the service runs {} (deployment {}): ECS rolled it back or another deployment replaced it",
            short_task_definition(&json!(started.task_definition)),
            short_task_definition(&primary["taskDefinition"]),
            primary["id"].as_str().unwrap_or("?")
        ));
    }
    let Some(current) = ours.or(primary) else {
        return DeploymentState::Completed;
    };
    let running = current["runningCount"].as_i64().unwrap_or(0);
    let desired = current["desiredCount"].as_i64().unwrap_or(0);
    match current["rolloutState"].as_str() {
        Some("COMPLETED") => DeploymentState::Completed,
        Some("FAILED") => DeploymentState::Failed(
            current["rolloutStateReason"]
                .as_str()
                .unwrap_or("the rollout failed")
                .to_string(),
        ),
        // Without a rollout state, a single deployment at its desired count is done.
        None if deployments.len() == 1 && running == desired => DeploymentState::Completed,
        _ => DeploymentState::InProgress(format!(
            "{running} of {desired} tasks running, {} failed",
            current["failedTasks"].as_i64().unwrap_or(0)
        )),
    }
}

/// "the circuit breaker tripped ...; ECS rolled back to web:3".
fn failure_text(ours: &Value, primary: Option<&Value>, started: &StartedDeployment) -> String {
    let mut text = ours["rolloutStateReason"]
        .as_str()
        .unwrap_or("the rollout failed")
        .to_string();
    if let Some(primary) = primary.filter(|p| p["id"] != ours["id"]) {
        let revision = short_task_definition(&primary["taskDefinition"]);
        let state = primary["rolloutState"].as_str().unwrap_or("IN_PROGRESS");
        text.push_str(&format!(
            "; ECS rolled the service back to {revision} (deployment {}, {state})",
            primary["id"].as_str().unwrap_or("?")
        ));
    } else if let Some(td) = &started.task_definition {
        text.push_str(&format!(
            "; {} did not reach a steady state",
            short_task_definition(&json!(td))
        ));
    }
    text
}

/// The outcome a DescribeServiceDeployments record states, when it states one.
fn record_outcome(service: &Value, record: &Value) -> Option<DeploymentState> {
    let status = record["status"].as_str()?;
    let reason = record["statusReason"]
        .as_str()
        .or(record["rollback"]["reason"].as_str())
        .unwrap_or("no reason given");
    let rolled_back_to = record["rollback"]["taskDefinition"]
        .as_str()
        .map(|td| format!("; rolled back to {}", short_task_definition(&json!(td))))
        .or_else(|| {
            record["rollback"]["serviceRevisionArn"]
                .as_str()
                .map(|r| format!("; rolled back to service revision {r}"))
        })
        .or_else(|| {
            primary_deployment(service).map(|p| {
                format!(
                    "; the service runs {}",
                    short_task_definition(&p["taskDefinition"])
                )
            })
        })
        .unwrap_or_default();
    Some(match status {
        "SUCCESSFUL" => DeploymentState::Completed,
        "ROLLBACK_REQUESTED" | "ROLLBACK_IN_PROGRESS" | "ROLLBACK_SUCCESSFUL" => {
            DeploymentState::Failed(format!(
                "ECS rolled it back ({status}): {reason}{rolled_back_to}"
            ))
        }
        "ROLLBACK_FAILED" => {
            DeploymentState::Failed(format!("it failed and so did ECS's rollback: {reason}"))
        }
        "STOPPED" | "STOP_REQUESTED" => {
            DeploymentState::Failed(format!("it was stopped ({status}): {reason}"))
        }
        _ => DeploymentState::InProgress(format!(
            "{status}{}",
            record["lifecycleStage"]
                .as_str()
                .map(|s| format!(" at stage {s}"))
                .unwrap_or_default()
        )),
    })
}

/// Reads the rollout of a DescribeServices service with no started deployment known.
pub fn deployment_state(service: &Value) -> DeploymentState {
    deployment_outcome(service, None, &Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canary_record(stage: &str, weight: f64, hooks: Value) -> Value {
        json!({
            "serviceDeploymentArn": "arn:aws:ecs:eu-west-1:123456789012:service-deployment/shop/web/abc",
            "status": "IN_PROGRESS",
            "lifecycleStage": stage,
            "updatedAt": 1000.0,
            "deploymentConfiguration": {
                "strategy": "CANARY",
                "bakeTimeInMinutes": 15,
                "canaryConfiguration": { "canaryPercent": 10.0, "canaryBakeTimeInMinutes": 10 }
            },
            "targetServiceRevision": { "requestedProductionTrafficWeight": weight, "requestedTestTrafficWeight": 100.0 },
            "lifecycleHookDetails": hooks
        })
    }

    #[test]
    fn progress_names_the_stage_traffic_bake_time_and_hooks() {
        let service = json!({ "deployments": [ { "status": "PRIMARY", "runningCount": 2, "desiredCount": 2, "pendingCount": 0, "rolloutState": "IN_PROGRESS" } ] });
        // Two minutes into the canary's ten-minute bake.
        let canary = progress(
            &service,
            &canary_record("PRODUCTION_TRAFFIC_SHIFT", 10.0, json!([])),
            1120.0,
        );
        assert_eq!(
            canary.line,
            "running 2/2, pending 0, rollout IN_PROGRESS, IN_PROGRESS at stage PRODUCTION_TRAFFIC_SHIFT, production traffic 10% on the new revision, canary bake: about 8 min left"
        );
        // A minute later only the countdown moved: the steady part is the same.
        let later = progress(
            &service,
            &canary_record("PRODUCTION_TRAFFIC_SHIFT", 10.0, json!([])),
            1180.0,
        );
        assert_ne!(later.line, canary.line);
        assert_eq!(later.steady, canary.steady);
        let baking = progress(
            &service,
            &canary_record("BAKE_TIME", 100.0, json!([])),
            1300.0,
        );
        assert!(
            baking.line.ends_with(
                "production traffic 100% on the new revision, bake time: about 10 min left"
            ),
            "{}",
            baking.line
        );
        let testing = progress(
            &service,
            &canary_record("TEST_TRAFFIC_SHIFT", 0.0, json!([])),
            1000.0,
        );
        assert!(
            testing
                .line
                .ends_with("test traffic 100% on the new revision"),
            "{}",
            testing.line
        );
        // A pause hook waiting says how to go on, and when it times out.
        let paused = progress(
            &service,
            &canary_record(
                "POST_SCALE_UP",
                0.0,
                json!([{ "hookId": "h-1", "targetType": "PAUSE", "status": "AWAITING_ACTION", "expiresAt": 1000.0 + 3600.0, "timeoutAction": "ROLLBACK" }]),
            ),
            1000.0,
        );
        assert!(
            paused.line.ends_with("pause hook waiting: aws ecs continue-service-deployment --service-deployment-arn arn:aws:ecs:eu-west-1:123456789012:service-deployment/shop/web/abc --hook-id h-1 --action CONTINUE (or ROLLBACK), times out in 1 h, then ROLLBACK"),
            "{}",
            paused.line
        );
        assert!(!paused.steady.contains("times out"));
        let lambda = progress(
            &service,
            &canary_record(
                "POST_TEST_TRAFFIC_SHIFT",
                0.0,
                json!([{ "hookId": "h-2", "targetType": "AWS_LAMBDA", "targetArn": "arn:aws:lambda:eu-west-1:123456789012:function:smoke", "status": "FAILED" }]),
            ),
            1000.0,
        );
        assert!(
            lambda.line.ends_with("hook smoke FAILED"),
            "{}",
            lambda.line
        );
        // Without a record, the service's counts alone.
        assert_eq!(
            progress(&service, &Value::Null, 0.0).line,
            "running 2/2, pending 0, rollout IN_PROGRESS"
        );
    }

    #[test]
    fn rollback_chooses_by_the_current_deployment() {
        let td = "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:5";
        let old = "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:4";
        let record = |status: &str| json!({ "serviceDeploymentArn": "arn:d", "status": status });
        assert_eq!(
            rollback_choice(&record("IN_PROGRESS"), td, Some(old)),
            RollbackChoice::Stop {
                deployment_arn: "arn:d".into(),
                from: "web:5".into(),
                to: Some("web:4".into())
            }
        );
        assert_eq!(
            rollback_choice(&record("ROLLBACK_IN_PROGRESS"), td, Some(old)),
            RollbackChoice::Follow {
                deployment_arn: "arn:d".into()
            }
        );
        assert_eq!(
            rollback_choice(&record("SUCCESSFUL"), td, Some(old)),
            RollbackChoice::Redeploy {
                from: "web:5".into(),
                to: "web:4".into()
            }
        );
        assert!(
            matches!(rollback_choice(&record("SUCCESSFUL"), td, None), RollbackChoice::Nothing(r) if r.contains("was its first"))
        );
        assert!(
            matches!(rollback_choice(&record("SUCCESSFUL"), td, Some(td)), RollbackChoice::Nothing(r) if r.contains("same revision"))
        );
        assert!(
            matches!(rollback_choice(&record("ROLLBACK_SUCCESSFUL"), td, Some(old)), RollbackChoice::Nothing(r) if r.contains("already rolled back; it runs web:4"))
        );
        assert!(matches!(
            rollback_choice(&Value::Null, td, None),
            RollbackChoice::Nothing(_)
        ));
    }

    #[test]
    fn a_rollback_is_followed_to_its_end() {
        let record =
            |status: &str| json!({ "status": status, "statusReason": "stopped by wharf rollback" });
        assert_eq!(
            rollback_outcome(&record("ROLLBACK_SUCCESSFUL")),
            DeploymentState::Completed
        );
        assert_eq!(
            rollback_outcome(&record("ROLLBACK_IN_PROGRESS")),
            DeploymentState::InProgress("ROLLBACK_IN_PROGRESS".into())
        );
        assert!(
            matches!(rollback_outcome(&record("ROLLBACK_FAILED")), DeploymentState::Failed(r) if r.contains("could not roll it back"))
        );
        assert!(
            matches!(rollback_outcome(&record("SUCCESSFUL")), DeploymentState::Failed(r) if r.contains("finished before the rollback"))
        );
    }

    fn started(id: &str, td: &str) -> StartedDeployment {
        StartedDeployment {
            id: Some(id.into()),
            task_definition: Some(format!(
                "arn:aws:ecs:eu-west-1:123456789012:task-definition/{td}"
            )),
            service_deployment_arn: None,
        }
    }

    fn deployment(id: &str, status: &str, td: &str, rollout: &str) -> Value {
        json!({"id": id, "status": status, "rolloutState": rollout, "runningCount": 2, "desiredCount": 2,
            "taskDefinition": format!("arn:aws:ecs:eu-west-1:123456789012:task-definition/{td}")})
    }

    /// The circuit breaker's rollback: the deployment apply started is FAILED, and a new
    /// PRIMARY of the last good revision completes. That is a failure, naming both.
    #[test]
    fn a_rolled_back_deployment_is_a_failure() {
        let mut failed = deployment("ecs-svc/2", "ACTIVE", "web:4", "FAILED");
        failed["rolloutStateReason"] =
            json!("ECS deployment circuit breaker: tasks failed to start.");
        let service = json!({"deploymentController": {"type": "ECS"}, "deployments": [
            deployment("ecs-svc/3", "PRIMARY", "web:3", "COMPLETED"), failed]});
        let state =
            deployment_outcome(&service, Some(&started("ecs-svc/2", "web:4")), &Value::Null);
        let DeploymentState::Failed(reason) = state else {
            panic!("{state:?}")
        };
        assert!(reason.contains("circuit breaker"), "{reason}");
        assert!(
            reason.contains("rolled the service back to web:3"),
            "{reason}"
        );
        // Without knowing the started deployment, the PRIMARY alone looks complete.
        assert_eq!(deployment_state(&service), DeploymentState::Completed);
    }

    #[test]
    fn a_started_deployment_that_vanished_behind_another_revision_is_a_failure() {
        let service = json!({"deploymentController": {"type": "ECS"}, "deployments": [
            deployment("ecs-svc/3", "PRIMARY", "web:3", "COMPLETED")]});
        let state =
            deployment_outcome(&service, Some(&started("ecs-svc/2", "web:4")), &Value::Null);
        assert!(
            matches!(state, DeploymentState::Failed(ref r) if r.contains("runs web:3")),
            "{state:?}"
        );
    }

    #[test]
    fn the_started_deployment_completing_is_success() {
        let service = json!({"deploymentController": {"type": "ECS"}, "deployments": [
            deployment("ecs-svc/2", "PRIMARY", "web:4", "COMPLETED"),
            deployment("ecs-svc/1", "ACTIVE", "web:3", "COMPLETED")]});
        assert_eq!(
            deployment_outcome(&service, Some(&started("ecs-svc/2", "web:4")), &Value::Null),
            DeploymentState::Completed
        );
        let in_progress = json!({"deploymentController": {"type": "ECS"}, "deployments": [
            deployment("ecs-svc/2", "PRIMARY", "web:4", "IN_PROGRESS")]});
        assert!(matches!(
            deployment_outcome(
                &in_progress,
                Some(&started("ecs-svc/2", "web:4")),
                &Value::Null
            ),
            DeploymentState::InProgress(_)
        ));
    }

    #[test]
    fn a_service_deployment_record_decides_and_names_the_stage() {
        let service = json!({"deploymentController": {"type": "ECS"}, "deployments": [
            deployment("ecs-svc/3", "PRIMARY", "web:3", "COMPLETED")]});
        let rolled_back = json!({"status": "ROLLBACK_SUCCESSFUL", "statusReason": "alarm web-5xx in ALARM",
            "rollback": {"reason": "alarm", "serviceRevisionArn": "arn:aws:ecs:eu-west-1:123456789012:service-revision/shop/web/1"}});
        let state =
            deployment_outcome(&service, Some(&started("ecs-svc/2", "web:4")), &rolled_back);
        assert!(
            matches!(state, DeploymentState::Failed(ref r) if r.contains("ROLLBACK_SUCCESSFUL") && r.contains("alarm web-5xx")),
            "{state:?}"
        );
        let baking = json!({"status": "IN_PROGRESS", "lifecycleStage": "BAKE_TIME"});
        assert!(matches!(
            deployment_outcome(&service, None, &baking),
            DeploymentState::InProgress(ref d) if d.contains("BAKE_TIME")
        ));
        assert!(
            progress(&service, &baking, 0.0)
                .line
                .ends_with(", IN_PROGRESS at stage BAKE_TIME")
        );
        assert_eq!(
            deployment_outcome(&service, None, &json!({"status": "SUCCESSFUL"})),
            DeploymentState::Completed
        );
    }

    #[test]
    fn deployment_state_table() {
        let with = |deployments: Value| json!({"deploymentController": {"type": "ECS"}, "deployments": deployments});
        assert_eq!(
            deployment_state(&with(
                json!([{"status": "PRIMARY", "rolloutState": "COMPLETED"}])
            )),
            DeploymentState::Completed
        );
        assert_eq!(
            deployment_state(&with(
                json!([{"status": "PRIMARY", "rolloutState": "FAILED", "rolloutStateReason": "circuit breaker"}])
            )),
            DeploymentState::Failed("circuit breaker".into())
        );
        assert!(matches!(
            deployment_state(&with(
                json!([{"status": "PRIMARY", "rolloutState": "IN_PROGRESS", "runningCount": 1, "desiredCount": 2}])
            )),
            DeploymentState::InProgress(_)
        ));
        assert_eq!(
            deployment_state(&with(
                json!([{"status": "PRIMARY", "runningCount": 2, "desiredCount": 2}])
            )),
            DeploymentState::Completed
        );
        assert_eq!(
            deployment_state(&json!({"deploymentController": {"type": "CODE_DEPLOY"}})),
            DeploymentState::Completed
        );
    }
}
