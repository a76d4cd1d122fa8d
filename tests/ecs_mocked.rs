//! Waiting for a service deployment, at the SDK boundary (aws-smithy-mocks): DescribeServices
//! answers are scripted, so rollouts moto cannot stage (one that takes a while, one the
//! circuit breaker fails, one that never finishes) are exercised through
//! `wharf::kinds::service::io::wait_for_deployment` and through an apply step.
//! (`deployment_state` itself has unit tests in src/kinds/service/io.rs.)

use aws_sdk_ecs::operation::describe_services::DescribeServicesOutput;
use aws_sdk_ecs::operation::update_service::UpdateServiceOutput;
use aws_sdk_ecs::types::{
    Deployment, DeploymentController, DeploymentControllerType, DeploymentRolloutState, Service,
    ServiceEvent,
};
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use wharf::aws::Aws;
use wharf::kinds::service::ServiceOperation;
use wharf::ops::apply::{self, ApplySettings, Event, Outcome};
use wharf::plan::{Change, ChangeAction, ChangeReason, FieldChange, Operation, Plan};

/// A service whose PRIMARY deployment is in `state`, `running` of 2 tasks up.
fn service(state: DeploymentRolloutState, running: i32, reason: Option<&str>) -> Service {
    Service::builder()
        .service_name("web")
        .cluster_arn("arn:aws:ecs:eu-west-1:123456789012:cluster/shop")
        .status("ACTIVE")
        .desired_count(2)
        .running_count(running)
        .deployment_controller(
            DeploymentController::builder()
                .r#type(DeploymentControllerType::Ecs)
                .build()
                .expect("a deployment controller"),
        )
        .deployments(
            Deployment::builder()
                .id("ecs-svc/1")
                .status("PRIMARY")
                .desired_count(2)
                .running_count(running)
                .pending_count(2 - running)
                .failed_tasks(if state == DeploymentRolloutState::Failed {
                    3
                } else {
                    0
                })
                .rollout_state(state)
                .set_rollout_state_reason(reason.map(str::to_string))
                .build(),
        )
        .events(
            ServiceEvent::builder()
                .id("e1")
                .message("(service web) has started 1 tasks: (task 0123).")
                .build(),
        )
        .build()
}

fn described(service: Service) -> DescribeServicesOutput {
    DescribeServicesOutput::builder().services(service).build()
}

fn in_progress() -> DescribeServicesOutput {
    described(service(
        DeploymentRolloutState::InProgress,
        1,
        Some("ECS deployment ecs-svc/1 in progress."),
    ))
}

fn completed() -> DescribeServicesOutput {
    described(service(
        DeploymentRolloutState::Completed,
        2,
        Some("ECS deployment ecs-svc/1 completed."),
    ))
}

const BREAKER: &str = "ECS deployment circuit breaker: tasks failed to start.";

fn failed() -> DescribeServicesOutput {
    described(service(DeploymentRolloutState::Failed, 0, Some(BREAKER)))
}

/// An `Aws` whose ECS client answers with these rules (every other client answers
/// nothing: a call to it fails the test).
fn aws_with(rules: &[&Rule]) -> Aws {
    Aws {
        ecr: mock_client!(aws_sdk_ecr, []),
        iam: mock_client!(aws_sdk_iam, []),
        ecs: mock_client!(aws_sdk_ecs, RuleMode::MatchAny, rules),
        autoscaling: mock_client!(aws_sdk_applicationautoscaling, []),
        kms: mock_client!(aws_sdk_kms, []),
        sts: mock_client!(aws_sdk_sts, []),
        ssm: mock_client!(aws_sdk_ssm, []),
        ecr_public: mock_client!(aws_sdk_ecrpublic, []),
        inspector: mock_client!(aws_sdk_inspector2, []),
        stats: Arc::new(Default::default()),
        region: "eu-west-1".into(),
    }
}

#[tokio::test]
async fn a_rollout_in_progress_twice_then_completed_succeeds() {
    let describe = mock!(aws_sdk_ecs::Client::describe_services)
        .match_requests(|r| r.cluster() == Some("shop") && r.services() == ["web"])
        .sequence()
        .output(in_progress)
        .times(2)
        .output(completed)
        .build();
    let aws = aws_with(&[&describe]);
    let result = wharf::kinds::service::io::wait_for_deployment(
        &aws,
        "shop",
        "web",
        Duration::from_secs(30),
    )
    .await;
    assert!(result.is_ok(), "{result:?}");
    assert_eq!(
        describe.num_calls(),
        3,
        "polled until COMPLETED, then stopped"
    );
}

#[tokio::test]
async fn a_failed_rollout_is_an_error_with_its_reason() {
    // The third answer is the read for the events that follow the failure.
    let describe = mock!(aws_sdk_ecs::Client::describe_services)
        .sequence()
        .output(in_progress)
        .output(failed)
        .output(failed)
        .build();
    let aws = aws_with(&[&describe]);
    let error = wharf::kinds::service::io::wait_for_deployment(
        &aws,
        "shop",
        "web",
        Duration::from_secs(30),
    )
    .await
    .expect_err("a FAILED rollout is an error");
    assert!(error.message.contains(BREAKER), "{}", error.message);
    assert!(error.message.contains("web"), "{}", error.message);
    assert_eq!(
        describe.num_calls(),
        3,
        "no polling after FAILED, one read for the events"
    );
}

#[tokio::test]
async fn a_rollout_that_never_finishes_times_out_naming_the_counts() {
    let describe = mock!(aws_sdk_ecs::Client::describe_services).then_output(in_progress);
    let aws = aws_with(&[&describe]);
    let started = Instant::now();
    let error =
        wharf::kinds::service::io::wait_for_deployment(&aws, "shop", "web", Duration::from_secs(1))
            .await
            .expect_err("a rollout that never completes times out");
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_secs(1) && elapsed < Duration::from_secs(10),
        "the timeout bounds the wait: took {elapsed:?}"
    );
    let message = &error.message;
    assert!(message.contains("1s"), "names the timeout: {message}");
    assert!(
        message.contains("1 of 2"),
        "names running of desired tasks: {message}"
    );
    assert!(describe.num_calls() >= 2, "polled more than once");
}

fn wait_change(operations: Vec<ServiceOperation>) -> Change {
    Change {
        address: "ecs.service.web".into(),
        action: ChangeAction::Update,
        reason: "desiredCount differs".into(),
        reason_code: ChangeReason::UpdateBecauseDrifted,
        fields: vec![FieldChange::new("desiredCount", json!(1), json!(2))],
        destroys: None,
        preview: None,
        operations: operations.into_iter().map(Operation::Service).collect(),
    }
}

fn update_then_wait() -> Vec<ServiceOperation> {
    vec![
        ServiceOperation::UpdateService {
            name: "web".into(),
            input: json!({"cluster": "shop", "service": "web", "desiredCount": 2}),
        },
        ServiceOperation::WaitForDeployment {
            cluster: "shop".into(),
            name: "web".into(),
            timeout_seconds: 30,
        },
    ]
}

#[tokio::test]
async fn an_apply_step_fails_when_the_circuit_breaker_fails_the_rollout() {
    let update = mock!(aws_sdk_ecs::Client::update_service)
        .match_requests(|r| r.desired_count() == Some(2))
        .then_output(|| UpdateServiceOutput::builder().build());
    let describe = mock!(aws_sdk_ecs::Client::describe_services)
        .sequence()
        .output(in_progress)
        .output(failed)
        .output(failed)
        .build();
    let aws = aws_with(&[&update, &describe]);
    let plan = Plan::new("shop", vec![wait_change(update_then_wait())], vec![]);
    let waiting: Mutex<Vec<String>> = Mutex::new(Vec::new());
    let progress = |event: Event| {
        if let Event::Waiting { address, reason } = event {
            waiting.lock().unwrap().push(format!("{address}: {reason}"));
        }
    };

    let report = apply::apply(&aws, &plan, &ApplySettings::default(), &progress).await;

    assert!(report.failed());
    match &report.steps[0].outcome {
        Outcome::Failed {
            error,
            operations_done,
        } => {
            assert_eq!(*operations_done, 1, "UpdateService succeeded first");
            assert!(
                error.message.contains(BREAKER),
                "the rollout's reason reaches the user: {}",
                error.message
            );
        }
        other => panic!("expected a failure, got {other:?}"),
    }
    assert_eq!(update.num_calls(), 1);
    let waiting = waiting.into_inner().unwrap();
    assert!(
        waiting.iter().any(|w| w.starts_with("ecs.service.web")),
        "apply says it waits for the deployment: {waiting:?}"
    );
}

#[tokio::test]
async fn an_apply_step_succeeds_once_the_rollout_completes() {
    let update = mock!(aws_sdk_ecs::Client::update_service)
        .then_output(|| UpdateServiceOutput::builder().build());
    let describe = mock!(aws_sdk_ecs::Client::describe_services)
        .sequence()
        .output(in_progress)
        .times(2)
        .output(completed)
        .build();
    let aws = aws_with(&[&update, &describe]);
    let plan = Plan::new("shop", vec![wait_change(update_then_wait())], vec![]);
    let report = apply::apply(&aws, &plan, &ApplySettings::default(), &|_| {}).await;
    assert!(!report.failed(), "{:?}", report.steps);
    assert_eq!(report.steps[0].outcome, Outcome::Done);
    assert_eq!(describe.num_calls(), 3);
}

#[tokio::test]
async fn apply_bounds_the_wait_with_the_wait_timeout_setting() {
    let update = mock!(aws_sdk_ecs::Client::update_service)
        .then_output(|| UpdateServiceOutput::builder().build());
    let describe = mock!(aws_sdk_ecs::Client::describe_services).then_output(in_progress);
    let aws = aws_with(&[&update, &describe]);
    let plan = Plan::new("shop", vec![wait_change(update_then_wait())], vec![]);
    let settings = ApplySettings {
        wait_timeout: Some(Duration::from_secs(1)),
        ..ApplySettings::default()
    };
    let started = Instant::now();
    let report = apply::apply(&aws, &plan, &settings, &|_| {}).await;
    assert!(started.elapsed() < Duration::from_secs(10));
    match &report.steps[0].outcome {
        Outcome::Failed { error, .. } => {
            assert!(error.message.contains("1 of 2"), "{}", error.message);
        }
        other => panic!("expected a timeout failure, got {other:?}"),
    }
}

#[tokio::test]
async fn apply_without_waiting_does_not_poll() {
    let update = mock!(aws_sdk_ecs::Client::update_service)
        .then_output(|| UpdateServiceOutput::builder().build());
    let describe = mock!(aws_sdk_ecs::Client::describe_services).then_output(in_progress);
    let aws = aws_with(&[&update, &describe]);
    let plan = Plan::new("shop", vec![wait_change(update_then_wait())], vec![]);
    let settings = ApplySettings {
        wait: false,
        ..ApplySettings::default()
    };
    let report = apply::apply(&aws, &plan, &settings, &|_| {}).await;
    assert_eq!(report.steps[0].outcome, Outcome::Done);
    assert_eq!(update.num_calls(), 1);
    assert_eq!(describe.num_calls(), 0);
}
