//! IAM propagation, at the SDK boundary (aws-smithy-mocks): ECR rejects a repository
//! policy that names a role IAM has not yet propagated with InvalidParameterException
//! "Invalid repository policy provided". When the plan creates (or replaces) a role, apply
//! retries that call with backoff for a bounded time, saying once why it waits; in every
//! other case, and for every other error, it fails at once. ECS's "unable to assume the
//! role" for a task definition naming a new role is the same case.

use aws_sdk_ecr::operation::set_repository_policy::{
    SetRepositoryPolicyError, SetRepositoryPolicyOutput,
};
use aws_sdk_ecr::types::error::InvalidParameterException;
use aws_sdk_ecs::operation::register_task_definition::{
    RegisterTaskDefinitionError, RegisterTaskDefinitionOutput,
};
use aws_sdk_iam::operation::create_role::CreateRoleOutput;
use aws_sdk_iam::operation::delete_role::DeleteRoleOutput;
use aws_sdk_iam::operation::update_role::UpdateRoleOutput;
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use wharf::aws::Aws;
use wharf::kinds::repository::RepositoryOperation;
use wharf::kinds::role::RoleOperation;
use wharf::kinds::task_definition::TaskDefinitionOperation;
use wharf::ops::apply::{self, ApplyReport, ApplySettings, Event, Outcome};
use wharf::plan::{Change, ChangeAction, ChangeReason, Operation, Plan};

const ROLE_ARN: &str = "arn:aws:iam::123456789012:role/task-execution";
const PROPAGATION_MESSAGE: &str = "Invalid repository policy provided";

fn policy() -> String {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "WharfPull",
            "Effect": "Allow",
            "Principal": { "AWS": [ROLE_ARN] },
            "Action": ["ecr:BatchGetImage"]
        }]
    })
    .to_string()
}

fn role_change(action: ChangeAction) -> Change {
    let create = RoleOperation::CreateRole {
        name: "task-execution".into(),
        path: "/".into(),
        trust_policy: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#.into(),
        description: None,
        max_session_duration: 3600,
        permissions_boundary: None,
        tags: BTreeMap::from([("wharf:stack".into(), "shop".into())]),
    };
    let operations = match action {
        ChangeAction::Create => vec![create],
        ChangeAction::Replace => vec![
            RoleOperation::DeleteRole {
                name: "task-execution".into(),
            },
            create,
        ],
        _ => vec![RoleOperation::UpdateRole {
            name: "task-execution".into(),
            description: "changed".into(),
            max_session_duration: 3600,
        }],
    };
    Change {
        address: "iam.role.task-execution".into(),
        action,
        reason: String::new(),
        reason_code: match action {
            ChangeAction::Create => ChangeReason::CreateBecauseMissing,
            ChangeAction::Replace => ChangeReason::ReplaceBecauseCannotUpdate,
            _ => ChangeReason::UpdateBecauseDrifted,
        },
        fields: vec![],
        destroys: None,
        preview: None,
        operations: operations.into_iter().map(Operation::Role).collect(),
    }
}

fn repository_policy_change() -> Change {
    Change {
        address: "ecr.repository.shop/web".into(),
        action: ChangeAction::Update,
        reason: String::new(),
        reason_code: ChangeReason::UpdateBecauseDrifted,
        fields: vec![],
        destroys: None,
        preview: None,
        operations: vec![Operation::Repository(
            RepositoryOperation::SetRepositoryPolicy {
                name: "shop/web".into(),
                document: policy(),
            },
        )],
    }
}

fn rejected(message: &'static str) -> impl Fn() -> SetRepositoryPolicyError {
    move || {
        SetRepositoryPolicyError::InvalidParameterException(
            InvalidParameterException::builder()
                .message(message)
                .build(),
        )
    }
}

fn iam_rules() -> [Rule; 3] {
    [
        mock!(aws_sdk_iam::Client::create_role).then_output(|| CreateRoleOutput::builder().build()),
        mock!(aws_sdk_iam::Client::delete_role).then_output(|| DeleteRoleOutput::builder().build()),
        mock!(aws_sdk_iam::Client::update_role).then_output(|| UpdateRoleOutput::builder().build()),
    ]
}

fn aws_with(set_policy: &Rule, iam: &[Rule; 3]) -> Aws {
    let register = mock!(aws_sdk_ecs::Client::register_task_definition)
        .then_output(|| RegisterTaskDefinitionOutput::builder().build());
    aws_with_ecs(set_policy, iam, &register)
}

fn aws_with_ecs(set_policy: &Rule, iam: &[Rule; 3], register: &Rule) -> Aws {
    Aws {
        ecr: mock_client!(aws_sdk_ecr, RuleMode::MatchAny, [set_policy]),
        iam: mock_client!(aws_sdk_iam, RuleMode::MatchAny, [&iam[0], &iam[1], &iam[2]]),
        ecs: mock_client!(aws_sdk_ecs, RuleMode::MatchAny, [register]),
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

/// Fast settings for tests: a short first backoff, a generous bound.
fn quick() -> ApplySettings {
    ApplySettings {
        propagation_timeout: Duration::from_secs(20),
        propagation_initial_backoff: Duration::from_millis(5),
        ..ApplySettings::default()
    }
}

/// Applies the plan, recording every Waiting event as (address, reason).
async fn run(
    aws: &Aws,
    changes: Vec<Change>,
    settings: ApplySettings,
) -> (ApplyReport, Vec<(String, String)>) {
    let plan = Plan::new("shop", changes, vec![]);
    let waiting = Mutex::new(Vec::new());
    let progress = |event: Event| {
        if let Event::Waiting { address, reason } = event {
            waiting
                .lock()
                .unwrap()
                .push((address.to_string(), reason.to_string()));
        }
    };
    let report = apply::apply(aws, &plan, &settings, &progress).await;
    let waiting = waiting.into_inner().unwrap();
    (report, waiting)
}

fn step<'a>(report: &'a ApplyReport, address: &str) -> &'a apply::StepReport {
    report
        .steps
        .iter()
        .find(|s| s.address == address)
        .unwrap_or_else(|| panic!("no step for {address}: {report:?}"))
}

fn failure(report: &ApplyReport, address: &str) -> String {
    match &step(report, address).outcome {
        Outcome::Failed { error, .. } => error.message.clone(),
        other => panic!("expected {address} to fail, got {other:?}"),
    }
}

#[tokio::test]
async fn a_new_role_not_yet_visible_to_ecr_is_waited_for_and_reported_once() {
    let set_policy = mock!(aws_sdk_ecr::Client::set_repository_policy)
        .sequence()
        .error(rejected(PROPAGATION_MESSAGE))
        .times(2)
        .output(|| SetRepositoryPolicyOutput::builder().build())
        .build();
    let iam = iam_rules();
    let aws = aws_with(&set_policy, &iam);

    let (report, waiting) = run(
        &aws,
        vec![
            repository_policy_change(),
            role_change(ChangeAction::Create),
        ],
        quick(),
    )
    .await;

    assert!(!report.failed(), "{report:?}");
    // The role ran first (its wave precedes the repositories').
    assert_eq!(report.steps[0].address, "iam.role.task-execution");
    assert_eq!(
        step(&report, "ecr.repository.shop/web").outcome,
        Outcome::Done
    );
    assert_eq!(iam[0].num_calls(), 1, "CreateRole once");
    assert_eq!(set_policy.num_calls(), 3, "two rejections, then success");
    assert_eq!(
        waiting.len(),
        1,
        "exactly one progress line says why it waits: {waiting:?}"
    );
    let (address, reason) = &waiting[0];
    assert_eq!(address, "ecr.repository.shop/web");
    assert!(reason.contains("IAM"), "{reason}");
    assert!(reason.contains("propagate"), "{reason}");
}

#[tokio::test]
async fn a_replaced_role_is_waited_for_too() {
    let set_policy = mock!(aws_sdk_ecr::Client::set_repository_policy)
        .sequence()
        .error(rejected(PROPAGATION_MESSAGE))
        .output(|| SetRepositoryPolicyOutput::builder().build())
        .build();
    let iam = iam_rules();
    let aws = aws_with(&set_policy, &iam);
    let (report, waiting) = run(
        &aws,
        vec![
            role_change(ChangeAction::Replace),
            repository_policy_change(),
        ],
        quick(),
    )
    .await;
    assert!(!report.failed(), "{report:?}");
    assert_eq!(set_policy.num_calls(), 2);
    assert_eq!(waiting.len(), 1, "{waiting:?}");
}

#[tokio::test]
async fn a_permanent_rejection_gives_up_after_the_bound_saying_it_waited() {
    let set_policy = mock!(aws_sdk_ecr::Client::set_repository_policy)
        .sequence()
        .error(rejected(PROPAGATION_MESSAGE))
        .repeatedly()
        .build();
    let iam = iam_rules();
    let aws = aws_with(&set_policy, &iam);
    let settings = ApplySettings {
        propagation_timeout: Duration::from_millis(300),
        propagation_initial_backoff: Duration::from_millis(10),
        ..ApplySettings::default()
    };

    let started = Instant::now();
    let (report, waiting) = run(
        &aws,
        vec![
            role_change(ChangeAction::Create),
            repository_policy_change(),
        ],
        settings,
    )
    .await;
    let took = started.elapsed();

    assert!(report.failed());
    assert_eq!(
        step(&report, "iam.role.task-execution").outcome,
        Outcome::Done
    );
    let message = failure(&report, "ecr.repository.shop/web");
    assert!(
        message.contains(PROPAGATION_MESSAGE),
        "AWS's message is kept: {message}"
    );
    assert!(
        message.contains("waiting") && message.contains("IAM propagation"),
        "the message says it waited for IAM: {message}"
    );
    assert!(
        set_policy.num_calls() >= 3,
        "it retried: {} calls",
        set_policy.num_calls()
    );
    assert_eq!(waiting.len(), 1, "{waiting:?}");
    // Bounded: never sleeps past the timeout (the last backoff that would cross it is not
    // taken), with slack for slow machines.
    assert!(took < Duration::from_secs(5), "took {took:?}");
}

#[tokio::test]
async fn without_a_new_role_the_rejection_is_not_retried() {
    let set_policy = mock!(aws_sdk_ecr::Client::set_repository_policy)
        .sequence()
        .error(rejected(PROPAGATION_MESSAGE))
        .output(|| SetRepositoryPolicyOutput::builder().build())
        .build();
    let iam = iam_rules();
    let aws = aws_with(&set_policy, &iam);

    let (report, waiting) = run(&aws, vec![repository_policy_change()], quick()).await;

    assert!(report.failed());
    let message = failure(&report, "ecr.repository.shop/web");
    assert!(message.contains(PROPAGATION_MESSAGE), "{message}");
    assert!(!message.contains("waiting"), "{message}");
    assert_eq!(set_policy.num_calls(), 1, "one call, no retry");
    assert!(waiting.is_empty(), "{waiting:?}");
}

#[tokio::test]
async fn a_role_update_is_not_a_new_principal_and_gets_no_retry() {
    let set_policy = mock!(aws_sdk_ecr::Client::set_repository_policy)
        .sequence()
        .error(rejected(PROPAGATION_MESSAGE))
        .output(|| SetRepositoryPolicyOutput::builder().build())
        .build();
    let iam = iam_rules();
    let aws = aws_with(&set_policy, &iam);
    let (report, waiting) = run(
        &aws,
        vec![
            role_change(ChangeAction::Update),
            repository_policy_change(),
        ],
        quick(),
    )
    .await;
    assert!(report.failed());
    assert_eq!(iam[2].num_calls(), 1, "UpdateRole ran");
    assert_eq!(set_policy.num_calls(), 1);
    assert!(waiting.is_empty(), "{waiting:?}");
}

#[tokio::test]
async fn another_error_message_is_never_retried() {
    let set_policy = mock!(aws_sdk_ecr::Client::set_repository_policy)
        .sequence()
        .error(rejected(
            "Invalid parameter at 'PolicyText' failed to satisfy constraint: 'Invalid repository policy'",
        ))
        .output(|| SetRepositoryPolicyOutput::builder().build())
        .build();
    let iam = iam_rules();
    let aws = aws_with(&set_policy, &iam);

    let (report, waiting) = run(
        &aws,
        vec![
            role_change(ChangeAction::Create),
            repository_policy_change(),
        ],
        quick(),
    )
    .await;

    assert!(report.failed());
    let message = failure(&report, "ecr.repository.shop/web");
    assert!(message.contains("PolicyText"), "{message}");
    assert!(!message.contains("waiting"), "{message}");
    assert_eq!(set_policy.num_calls(), 1, "one call, no retry");
    assert!(waiting.is_empty(), "{waiting:?}");
}

#[tokio::test]
async fn another_error_code_with_the_same_words_is_never_retried() {
    // Only ECR's InvalidParameterException on SetRepositoryPolicy is IAM propagation; a
    // failure of another call whose message happens to match is not.
    let set_policy = mock!(aws_sdk_ecr::Client::set_repository_policy)
        .then_output(|| SetRepositoryPolicyOutput::builder().build());
    let create_role = mock!(aws_sdk_iam::Client::create_role).then_error(|| {
        aws_sdk_iam::operation::create_role::CreateRoleError::MalformedPolicyDocumentException(
            aws_sdk_iam::types::error::MalformedPolicyDocumentException::builder()
                .message(PROPAGATION_MESSAGE)
                .build(),
        )
    });
    let iam = [
        create_role,
        mock!(aws_sdk_iam::Client::delete_role).then_output(|| DeleteRoleOutput::builder().build()),
        mock!(aws_sdk_iam::Client::update_role).then_output(|| UpdateRoleOutput::builder().build()),
    ];
    let aws = aws_with(&set_policy, &iam);
    let (report, waiting) = run(
        &aws,
        vec![
            role_change(ChangeAction::Create),
            repository_policy_change(),
        ],
        quick(),
    )
    .await;
    assert!(report.failed());
    assert_eq!(iam[0].num_calls(), 1);
    assert!(waiting.is_empty(), "{waiting:?}");
    assert_eq!(
        step(&report, "ecr.repository.shop/web").outcome,
        Outcome::NotAttempted
    );
    assert_eq!(set_policy.num_calls(), 0);
}

fn task_definition_change() -> Change {
    Change {
        address: "ecs.task_definition.web".into(),
        action: ChangeAction::Create,
        reason: String::new(),
        reason_code: ChangeReason::CreateBecauseMissing,
        fields: vec![],
        destroys: None,
        preview: None,
        operations: vec![Operation::TaskDefinition(
            TaskDefinitionOperation::RegisterTaskDefinition {
                family: "web".into(),
                input: serde_json::json!({
                    "family": "web",
                    "executionRoleArn": ROLE_ARN,
                    "containerDefinitions": [ { "name": "web", "image": "nginx" } ]
                }),
            },
        )],
    }
}

fn ecs_rejected(message: &'static str) -> impl Fn() -> RegisterTaskDefinitionError {
    move || {
        RegisterTaskDefinitionError::ClientException(
            aws_sdk_ecs::types::error::ClientException::builder()
                .message(message)
                .build(),
        )
    }
}

const ECS_MESSAGE: &str = "ECS was unable to assume the role 'arn:aws:iam::123456789012:role/task-execution' that was provided for this task. Please verify that the role being passed has the proper trust relationship and permissions and that your IAM user has permissions to pass this role.";

#[tokio::test]
async fn ecs_unable_to_assume_a_new_role_is_waited_for() {
    let set_policy = mock!(aws_sdk_ecr::Client::set_repository_policy)
        .then_output(|| SetRepositoryPolicyOutput::builder().build());
    let register = mock!(aws_sdk_ecs::Client::register_task_definition)
        .sequence()
        .error(ecs_rejected(ECS_MESSAGE))
        .times(2)
        .output(|| RegisterTaskDefinitionOutput::builder().build())
        .build();
    let iam = iam_rules();
    let aws = aws_with_ecs(&set_policy, &iam, &register);
    let (report, waiting) = run(
        &aws,
        vec![task_definition_change(), role_change(ChangeAction::Create)],
        quick(),
    )
    .await;
    assert!(!report.failed(), "{report:?}");
    assert_eq!(register.num_calls(), 3);
    assert_eq!(waiting.len(), 1, "{waiting:?}");
    assert_eq!(waiting[0].0, "ecs.task_definition.web");
    assert!(waiting[0].1.contains("ECS"), "{waiting:?}");
}

#[tokio::test]
async fn ecs_unable_to_assume_an_existing_role_is_not_retried() {
    let set_policy = mock!(aws_sdk_ecr::Client::set_repository_policy)
        .then_output(|| SetRepositoryPolicyOutput::builder().build());
    let register = mock!(aws_sdk_ecs::Client::register_task_definition)
        .sequence()
        .error(ecs_rejected(ECS_MESSAGE))
        .output(|| RegisterTaskDefinitionOutput::builder().build())
        .build();
    let iam = iam_rules();
    let aws = aws_with_ecs(&set_policy, &iam, &register);
    let (report, waiting) = run(&aws, vec![task_definition_change()], quick()).await;
    assert!(report.failed());
    assert!(
        failure(&report, "ecs.task_definition.web").contains("unable to assume the role"),
        "{report:?}"
    );
    assert_eq!(register.num_calls(), 1);
    assert!(waiting.is_empty(), "{waiting:?}");
}
