//! An account that holds nothing but what a test mocks, for driving the whole planning
//! pipeline (`wharf::ops::plan::plan`) at the SDK boundary: STS names the account, and
//! the enumerations planning makes of the other kinds (with `--prune`) find nothing.
#![allow(dead_code)]

use aws_sdk_ecr::operation::describe_repositories::DescribeRepositoriesOutput;
use aws_sdk_ecs::operation::list_clusters::ListClustersOutput;
use aws_sdk_ecs::operation::list_task_definition_families::ListTaskDefinitionFamiliesOutput;
use aws_sdk_iam::operation::list_roles::ListRolesOutput;
use aws_sdk_sts::operation::get_caller_identity::GetCallerIdentityOutput;
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};

pub const ACCOUNT: &str = "123456789012";

/// GetCallerIdentity: the test's account.
pub fn sts() -> aws_sdk_sts::Client {
    let identity = mock!(aws_sdk_sts::Client::get_caller_identity)
        .then_output(|| GetCallerIdentityOutput::builder().account(ACCOUNT).build());
    mock_client!(aws_sdk_sts, RuleMode::MatchAny, [&identity])
}

/// DescribeRepositories finds no repository (add it to the test's own ECR rules).
pub fn no_repositories() -> Rule {
    mock!(aws_sdk_ecr::Client::describe_repositories)
        .then_output(|| DescribeRepositoriesOutput::builder().build())
}

/// ListRoles finds no role.
pub fn iam() -> aws_sdk_iam::Client {
    let roles = mock!(aws_sdk_iam::Client::list_roles).then_output(|| {
        ListRolesOutput::builder()
            .set_roles(Some(Vec::new()))
            .build()
            .expect("roles given")
    });
    mock_client!(aws_sdk_iam, RuleMode::MatchAny, [&roles])
}

/// ListClusters and ListTaskDefinitionFamilies find nothing.
pub fn ecs() -> aws_sdk_ecs::Client {
    let clusters = mock!(aws_sdk_ecs::Client::list_clusters)
        .then_output(|| ListClustersOutput::builder().build());
    let families = mock!(aws_sdk_ecs::Client::list_task_definition_families)
        .then_output(|| ListTaskDefinitionFamiliesOutput::builder().build());
    mock_client!(aws_sdk_ecs, RuleMode::MatchAny, [&clusters, &families])
}
