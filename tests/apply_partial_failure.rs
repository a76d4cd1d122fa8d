//! A failing call in the middle of an apply, at the SDK boundary (aws-smithy-mocks): the
//! report says what was done, what failed with AWS's message, and what was not attempted;
//! no later wave starts after a failure.

use aws_sdk_ecr::operation::create_repository::CreateRepositoryOutput;
use aws_sdk_ecr::operation::delete_repository::DeleteRepositoryOutput;
use aws_sdk_ecr::operation::put_lifecycle_policy::PutLifecyclePolicyError;
use aws_sdk_ecr::types::error::InvalidParameterException;
use aws_smithy_mocks::{RuleMode, mock, mock_client};
use std::collections::BTreeMap;
use std::sync::Arc;
use wharf::aws::Aws;
use wharf::kinds::repository::RepositoryOperation;
use wharf::ops::apply::{self, Outcome};
use wharf::plan::{Change, ChangeAction, ChangeReason, Destroys, Operation, Plan};

fn change(address: &str, action: ChangeAction, operations: Vec<RepositoryOperation>) -> Change {
    Change {
        address: address.into(),
        action,
        reason: String::new(),
        reason_code: match action {
            ChangeAction::Delete => ChangeReason::DeleteBecauseNotInManifest,
            _ => ChangeReason::CreateBecauseMissing,
        },
        fields: vec![],
        destroys: (action == ChangeAction::Delete).then_some(Destroys {
            images: Some(0),
            force_delete: false,
        }),
        preview: None,
        operations: operations.into_iter().map(Operation::Repository).collect(),
    }
}

fn create(name: &str) -> RepositoryOperation {
    RepositoryOperation::CreateRepository {
        name: name.into(),
        image_tag_mutability: "IMMUTABLE".into(),
        exclusion_filters: vec![],
        encryption_type: "AES256".into(),
        kms_key: None,
        scan_on_push: true,
        tags: BTreeMap::from([("wharf:stack".into(), "shop".into())]),
    }
}

#[tokio::test]
async fn a_failed_call_stops_new_work_and_reports_every_step() {
    let create_rule = mock!(aws_sdk_ecr::Client::create_repository)
        .then_output(|| CreateRepositoryOutput::builder().build());
    let lifecycle_rule = mock!(aws_sdk_ecr::Client::put_lifecycle_policy).then_error(|| {
        PutLifecyclePolicyError::InvalidParameterException(
            InvalidParameterException::builder()
                .message("Invalid parameter at 'LifecyclePolicyText'")
                .build(),
        )
    });
    let delete_rule = mock!(aws_sdk_ecr::Client::delete_repository)
        .then_output(|| DeleteRepositoryOutput::builder().build());
    let aws = Aws {
        ecr: mock_client!(
            aws_sdk_ecr,
            RuleMode::MatchAny,
            [&create_rule, &lifecycle_rule, &delete_rule]
        ),
        iam: mock_client!(aws_sdk_iam, []),
        ecs: mock_client!(aws_sdk_ecs, []),
        autoscaling: mock_client!(aws_sdk_applicationautoscaling, []),
        kms: mock_client!(aws_sdk_kms, []),
        sts: mock_client!(aws_sdk_sts, []),
        ssm: mock_client!(aws_sdk_ssm, []),
        ecr_public: mock_client!(aws_sdk_ecrpublic, []),
        inspector: mock_client!(aws_sdk_inspector2, []),
        stats: Arc::new(Default::default()),
        region: "eu-west-1".into(),
    };
    let plan = Plan::new(
        "shop",
        vec![
            change(
                "ecr.repository.shop/a",
                ChangeAction::Create,
                vec![
                    create("shop/a"),
                    RepositoryOperation::PutLifecyclePolicy {
                        name: "shop/a".into(),
                        document: "{}".into(),
                    },
                ],
            ),
            change(
                "ecr.repository.shop/old",
                ChangeAction::Delete,
                vec![RepositoryOperation::DeleteRepository {
                    name: "shop/old".into(),
                    force: false,
                }],
            ),
        ],
        vec![],
    );

    let report = apply::apply(&aws, &plan, &apply::ApplySettings::default(), &|_| {}).await;

    assert!(report.failed());
    let a = &report.steps[0];
    assert_eq!(a.address, "ecr.repository.shop/a");
    match &a.outcome {
        Outcome::Failed {
            error,
            operations_done,
        } => {
            assert_eq!(*operations_done, 1, "CreateRepository succeeded first");
            assert!(
                error.message.contains("InvalidParameterException")
                    && error.message.contains("LifecyclePolicyText"),
                "AWS's code and message reach the user: {}",
                error.message
            );
        }
        other => panic!("expected a failure, got {other:?}"),
    }
    // Deletes run in a later wave, which never starts after a failure.
    assert_eq!(report.steps[1].outcome, Outcome::NotAttempted);
    assert_eq!(delete_rule.num_calls(), 0);
    assert_eq!(create_rule.num_calls(), 1);
}
