//! Pull through cache rules at the SDK boundary (aws-smithy-mocks; moto does not implement
//! them): read (DescribePullThroughCacheRules), plan from that snapshot, apply, and check
//! exactly which calls were made. Covers create, update in place, replace, no change
//! and rules outside the manifest (never deleted).

use aws_sdk_ecr::operation::create_pull_through_cache_rule::CreatePullThroughCacheRuleOutput;
use aws_sdk_ecr::operation::delete_pull_through_cache_rule::DeletePullThroughCacheRuleOutput;
use aws_sdk_ecr::operation::describe_pull_through_cache_rules::DescribePullThroughCacheRulesOutput;
use aws_sdk_ecr::operation::update_pull_through_cache_rule::UpdatePullThroughCacheRuleOutput;
use aws_sdk_ecr::types::PullThroughCacheRule;
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
use std::sync::Arc;
use wharf::apply::{self, ApplySettings, Outcome};
use wharf::aws::{Aws, ecr_pull_through_cache};
use wharf::live::LiveSnapshot;
use wharf::manifest::{Manifest, Variables, load};
use wharf::plan::build::{PlanOptions, build};
use wharf::plan::{ChangeAction, Plan};

const SECRET: &str =
    "arn:aws:secretsmanager:eu-west-1:123456789012:secret:ecr-pullthroughcache/hub-AbCdEf";
const SECRET2: &str =
    "arn:aws:secretsmanager:eu-west-1:123456789012:secret:ecr-pullthroughcache/hub2-AbCdEf";

fn manifest(rules: &str) -> Manifest {
    let src = format!("version: 1\nstack: shop\nregistry:\n  pullThroughCache:\n{rules}");
    match load("wharf.yaml", &src, &Variables::default()) {
        Ok(loaded) => loaded.manifest,
        Err(failure) => panic!("{src}\n{:#?}", failure.diagnostics),
    }
}

fn aws(rules: &[&Rule]) -> Aws {
    Aws {
        ecr: mock_client!(aws_sdk_ecr, RuleMode::MatchAny, rules),
        iam: mock_client!(aws_sdk_iam, []),
        ecs: mock_client!(aws_sdk_ecs, []),
        autoscaling: mock_client!(aws_sdk_applicationautoscaling, []),
        kms: mock_client!(aws_sdk_kms, []),
        sts: mock_client!(aws_sdk_sts, []),
        ssm: mock_client!(aws_sdk_ssm, []),
        ecr_public: mock_client!(aws_sdk_ecrpublic, []),
        stats: Arc::new(Default::default()),
        region: "eu-west-1".into(),
    }
}

fn live_rule(prefix: &str, url: &str, credential: Option<&str>) -> PullThroughCacheRule {
    PullThroughCacheRule::builder()
        .ecr_repository_prefix(prefix)
        .upstream_registry_url(url)
        .set_credential_arn(credential.map(str::to_string))
        .upstream_repository_prefix("ROOT")
        .registry_id("123456789012")
        .build()
}

fn describe(rules: Vec<PullThroughCacheRule>) -> Rule {
    mock!(aws_sdk_ecr::Client::describe_pull_through_cache_rules).then_output(move || {
        DescribePullThroughCacheRulesOutput::builder()
            .set_pull_through_cache_rules(Some(rules.clone()))
            .build()
    })
}

fn create_rule() -> Rule {
    mock!(aws_sdk_ecr::Client::create_pull_through_cache_rule)
        .match_requests(|r| {
            r.ecr_repository_prefix() == Some("hub")
                && r.upstream_registry_url() == Some("ghcr.io")
                && r.credential_arn() == Some(SECRET)
        })
        .then_output(|| CreatePullThroughCacheRuleOutput::builder().build())
}

fn update_rule() -> Rule {
    mock!(aws_sdk_ecr::Client::update_pull_through_cache_rule)
        .match_requests(|r| {
            r.ecr_repository_prefix() == Some("hub") && r.credential_arn() == Some(SECRET2)
        })
        .then_output(|| UpdatePullThroughCacheRuleOutput::builder().build())
}

fn delete_rule() -> Rule {
    mock!(aws_sdk_ecr::Client::delete_pull_through_cache_rule)
        .match_requests(|r| r.ecr_repository_prefix() == Some("hub"))
        .then_output(|| DeletePullThroughCacheRuleOutput::builder().build())
}

/// Reads the declared rules through the SDK and plans against that snapshot.
async fn read_and_plan(aws: &Aws, m: &Manifest) -> Plan {
    let rules = ecr_pull_through_cache::read_rules(aws, &m.registry.pull_through_cache)
        .await
        .expect("read");
    let live = LiveSnapshot {
        account_id: "123456789012".into(),
        region: "eu-west-1".into(),
        pull_through_cache_rules: rules,
        ..LiveSnapshot::default()
    };
    build(
        m,
        &live,
        &PlanOptions {
            prune: true,
            targets: vec![],
        },
    )
    .expect("no conflicts")
}

async fn apply_ok(aws: &Aws, plan: &Plan) {
    let report = apply::apply(aws, plan, &ApplySettings::default(), &|_| {}).await;
    assert!(!report.failed(), "{report:#?}");
    assert!(
        report
            .steps
            .iter()
            .all(|s| matches!(s.outcome, Outcome::Done)),
        "{report:#?}"
    );
}

fn ghcr() -> Manifest {
    manifest(&format!(
        "    hub: {{ upstreamRegistryUrl: ghcr.io, credentialArn: \"{SECRET}\" }}\n"
    ))
}

#[tokio::test]
async fn a_missing_rule_is_created() {
    let (describe, create, update, delete) = (
        describe(vec![]),
        create_rule(),
        update_rule(),
        delete_rule(),
    );
    let aws = aws(&[&describe, &create, &update, &delete]);
    let plan = read_and_plan(&aws, &ghcr()).await;
    assert_eq!(plan.changes.len(), 1);
    assert_eq!(plan.changes[0].address, "ecr.pull_through_cache.hub");
    assert_eq!(plan.changes[0].action, ChangeAction::Create);
    apply_ok(&aws, &plan).await;
    assert_eq!(describe.num_calls(), 1);
    assert_eq!(create.num_calls(), 1);
    assert_eq!(update.num_calls(), 0);
    assert_eq!(delete.num_calls(), 0);
}

#[tokio::test]
async fn a_credential_change_is_updated_in_place() {
    let (describe, create, update, delete) = (
        describe(vec![live_rule("hub", "ghcr.io", Some(SECRET))]),
        create_rule(),
        update_rule(),
        delete_rule(),
    );
    let aws = aws(&[&describe, &create, &update, &delete]);
    let m = manifest(&format!(
        "    hub: {{ upstreamRegistryUrl: ghcr.io, credentialArn: \"{SECRET2}\" }}\n"
    ));
    let plan = read_and_plan(&aws, &m).await;
    assert_eq!(plan.changes.len(), 1);
    assert_eq!(plan.changes[0].action, ChangeAction::Update);
    apply_ok(&aws, &plan).await;
    assert_eq!(update.num_calls(), 1);
    assert_eq!(create.num_calls(), 0);
    assert_eq!(delete.num_calls(), 0);
}

#[tokio::test]
async fn an_upstream_change_is_replaced() {
    let (describe, create, update, delete) = (
        describe(vec![live_rule("hub", "registry-1.docker.io", Some(SECRET))]),
        create_rule(),
        update_rule(),
        delete_rule(),
    );
    let aws = aws(&[&describe, &create, &update, &delete]);
    let plan = read_and_plan(&aws, &ghcr()).await;
    assert_eq!(plan.changes.len(), 1);
    assert_eq!(plan.changes[0].action, ChangeAction::Replace);
    // Refused without --allow-replace, allowed with it.
    assert_eq!(
        apply::refusals(&plan, apply::ApplyOptions::default()).len(),
        1
    );
    assert!(
        apply::refusals(
            &plan,
            apply::ApplyOptions {
                allow_replace: true,
                allow_delete: false
            }
        )
        .is_empty()
    );
    apply_ok(&aws, &plan).await;
    assert_eq!(delete.num_calls(), 1);
    assert_eq!(create.num_calls(), 1);
    assert_eq!(update.num_calls(), 0);
}

#[tokio::test]
async fn a_converged_rule_and_unmanaged_rules_plan_nothing() {
    let describe = describe(vec![
        live_rule("hub", "ghcr.io", Some(SECRET)),
        live_rule("quay", "quay.io", None),
    ]);
    let (create, update, delete) = (create_rule(), update_rule(), delete_rule());
    let aws = aws(&[&describe, &create, &update, &delete]);
    let plan = read_and_plan(&aws, &ghcr()).await;
    assert!(plan.is_empty(), "{plan:#?}");
    apply_ok(&aws, &plan).await;
    assert_eq!(
        create.num_calls() + update.num_calls() + delete.num_calls(),
        0
    );
}

#[tokio::test]
async fn no_rules_declared_reads_nothing() {
    let describe = describe(vec![]);
    let aws = aws(&[&describe]);
    let m = load(
        "wharf.yaml",
        "version: 1\nstack: shop\n",
        &Variables::default(),
    )
    .expect("loads")
    .manifest;
    let rules = ecr_pull_through_cache::read_rules(&aws, &m.registry.pull_through_cache)
        .await
        .expect("read");
    assert!(rules.is_empty());
    assert_eq!(describe.num_calls(), 0);
}
