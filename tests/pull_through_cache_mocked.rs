//! Pull through cache rules at the SDK boundary (aws-smithy-mocks; moto does not implement
//! them): plan through the pipeline the binary runs (DescribePullThroughCacheRules read
//! into the snapshot), apply, and check
//! exactly which calls were made. Covers create, update in place, replace, drift,
//! convergence, and pruning through the ownership ledger (an SSM parameter, mocked too):
//! only recorded rules are pruned, and apply records what it creates.

#[path = "support/ledger_mock.rs"]
mod ledger_mock;
#[path = "support/quiet_account.rs"]
mod quiet_account;

use aws_sdk_ecr::operation::create_pull_through_cache_rule::CreatePullThroughCacheRuleOutput;
use aws_sdk_ecr::operation::delete_pull_through_cache_rule::DeletePullThroughCacheRuleOutput;
use aws_sdk_ecr::operation::describe_pull_through_cache_rules::DescribePullThroughCacheRulesOutput;
use aws_sdk_ecr::operation::update_pull_through_cache_rule::UpdatePullThroughCacheRuleOutput;
use aws_sdk_ecr::types::PullThroughCacheRule;
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
use ledger_mock::{Ledger, ledger};
use std::sync::Arc;
use wharf::aws::Aws;
use wharf::kinds::common::Adoption;
use wharf::manifest::{LoadedManifest, Variables, load};
use wharf::ops::apply::{self, ApplySettings, Outcome};
use wharf::plan::build::PlanOptions;
use wharf::plan::{ChangeAction, Plan};

const SECRET: &str =
    "arn:aws:secretsmanager:eu-west-1:123456789012:secret:ecr-pullthroughcache/hub-AbCdEf";
const SECRET2: &str =
    "arn:aws:secretsmanager:eu-west-1:123456789012:secret:ecr-pullthroughcache/hub2-AbCdEf";

fn manifest(rules: &str) -> LoadedManifest {
    let src = format!("version: 1\nstack: shop\nregistry:\n  pullThroughCache:\n{rules}");
    match load("wharf.yaml", &src, &Variables::default()) {
        Ok(loaded) => loaded,
        Err(failure) => panic!("{src}\n{:#?}", failure.diagnostics),
    }
}

fn aws(rules: &[&Rule], ledger: &Ledger) -> Aws {
    Aws {
        ecr: {
            let no_repositories = quiet_account::no_repositories();
            let mut rules = rules.to_vec();
            rules.push(&no_repositories);
            mock_client!(aws_sdk_ecr, RuleMode::MatchAny, rules)
        },
        iam: quiet_account::iam(),
        ecs: quiet_account::ecs(),
        autoscaling: mock_client!(aws_sdk_applicationautoscaling, []),
        kms: mock_client!(aws_sdk_kms, []),
        sts: quiet_account::sts(),
        ssm: ledger.client(),
        ecr_public: mock_client!(aws_sdk_ecrpublic, []),
        inspector: mock_client!(aws_sdk_inspector2, []),
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
    delete_rule_for("hub")
}

fn delete_rule_for(prefix: &'static str) -> Rule {
    mock!(aws_sdk_ecr::Client::delete_pull_through_cache_rule)
        .match_requests(move |r| r.ecr_repository_prefix() == Some(prefix))
        .then_output(|| DeletePullThroughCacheRuleOutput::builder().build())
}

/// Plans through the pipeline the binary runs (`ops::plan`): the account, the snapshot
/// (the ledger first when pruning, then the rules it and the manifest name; the other
/// kinds' enumerations find nothing), the pure build and its enrichment.
async fn read_and_plan(aws: &Aws, m: &LoadedManifest, prune: bool) -> Plan {
    let options = PlanOptions {
        prune,
        targets: vec![],
        without_previews: false,
    };
    let (planned, _) = wharf::ops::plan::plan(aws, m, &options, Adoption::Refuse)
        .await
        .expect("read");
    planned.expect("no conflicts")
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

fn ghcr() -> LoadedManifest {
    manifest(&format!(
        "    hub: {{ upstreamRegistryUrl: ghcr.io, credentialArn: \"{SECRET}\" }}\n"
    ))
}

#[tokio::test]
async fn a_missing_rule_is_created_and_recorded_in_the_ledger() {
    let (describe, create, update, delete) = (
        describe(vec![]),
        create_rule(),
        update_rule(),
        delete_rule(),
    );
    let ledger = ledger(None);
    let aws = aws(&[&describe, &create, &update, &delete], &ledger);
    let plan = read_and_plan(&aws, &ghcr(), true).await;
    assert_eq!(plan.changes.len(), 1);
    assert_eq!(plan.changes[0].address, "ecr.pull_through_cache.hub");
    assert_eq!(plan.changes[0].action, ChangeAction::Create);
    apply_ok(&aws, &plan).await;
    assert_eq!(describe.num_calls(), 1);
    assert_eq!(create.num_calls(), 1);
    assert_eq!(update.num_calls() + delete.num_calls(), 0);
    assert_eq!(ledger.written(), [r#"{"pullThroughCache":["hub"]}"#]);
}

#[tokio::test]
async fn a_credential_changed_out_of_band_is_updated_in_place() {
    let (describe, create, update, delete) = (
        describe(vec![live_rule("hub", "ghcr.io", Some(SECRET))]),
        create_rule(),
        update_rule(),
        delete_rule(),
    );
    let ledger = ledger(Some(r#"{"pullThroughCache":["hub"]}"#));
    let aws = aws(&[&describe, &create, &update, &delete], &ledger);
    let m = manifest(&format!(
        "    hub: {{ upstreamRegistryUrl: ghcr.io, credentialArn: \"{SECRET2}\" }}\n"
    ));
    let plan = read_and_plan(&aws, &m, true).await;
    assert_eq!(plan.changes.len(), 1);
    let change = &plan.changes[0];
    assert_eq!(change.action, ChangeAction::Update);
    let fields: Vec<_> = change.fields.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(fields, ["credentialArn"]);
    apply_ok(&aws, &plan).await;
    assert_eq!(update.num_calls(), 1);
    assert_eq!(create.num_calls() + delete.num_calls(), 0);
    // Already recorded: the ledger is read again but not rewritten.
    assert!(ledger.written.lock().unwrap().is_empty());
}

#[tokio::test]
async fn an_upstream_change_is_replaced() {
    let (describe, create, update, delete) = (
        describe(vec![live_rule("hub", "registry-1.docker.io", Some(SECRET))]),
        create_rule(),
        update_rule(),
        delete_rule(),
    );
    let ledger = ledger(None);
    let aws = aws(&[&describe, &create, &update, &delete], &ledger);
    let plan = read_and_plan(&aws, &ghcr(), true).await;
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
                ..Default::default()
            }
        )
        .is_empty()
    );
    apply_ok(&aws, &plan).await;
    assert_eq!(delete.num_calls(), 1);
    assert_eq!(create.num_calls(), 1);
    assert_eq!(update.num_calls(), 0);
    // The delete and the create of a replace leave the rule recorded.
    assert_eq!(ledger.written(), [r#"{"pullThroughCache":["hub"]}"#]);
}

#[tokio::test]
async fn a_converged_rule_plans_nothing_and_apply_writes_nothing() {
    let describe = describe(vec![
        live_rule("hub", "ghcr.io", Some(SECRET)),
        live_rule("quay", "quay.io", None),
    ]);
    let (create, update, delete) = (create_rule(), update_rule(), delete_rule());
    let ledger = ledger(Some(r#"{"pullThroughCache":["hub"]}"#));
    let aws = aws(&[&describe, &create, &update, &delete], &ledger);
    let plan = read_and_plan(&aws, &ghcr(), true).await;
    assert!(plan.is_empty(), "{plan:#?}");
    apply_ok(&aws, &plan).await;
    assert_eq!(
        create.num_calls() + update.num_calls() + delete.num_calls(),
        0
    );
    assert_eq!(ledger.put.num_calls() + ledger.delete.num_calls(), 0);
}

#[tokio::test]
async fn prune_deletes_only_the_rules_the_ledger_records() {
    // `old` was created by this stack and left the manifest; `quay` was made by hand.
    let describe = describe(vec![
        live_rule("hub", "ghcr.io", Some(SECRET)),
        live_rule("old", "public.ecr.aws", None),
        live_rule("quay", "quay.io", None),
    ]);
    let (delete_old, delete_quay) = (delete_rule_for("old"), delete_rule_for("quay"));
    let ledger = ledger(Some(r#"{"pullThroughCache":["hub","old"]}"#));
    let aws = aws(&[&describe, &delete_old, &delete_quay], &ledger);
    let plan = read_and_plan(&aws, &ghcr(), true).await;
    let addresses: Vec<_> = plan
        .changes
        .iter()
        .map(|c| (c.address.as_str(), c.action))
        .collect();
    assert_eq!(
        addresses,
        [("ecr.pull_through_cache.old", ChangeAction::Delete)]
    );
    assert!(plan.changes[0].reason.contains("ownership ledger"));
    apply_ok(&aws, &plan).await;
    assert_eq!(delete_old.num_calls(), 1);
    assert_eq!(delete_quay.num_calls(), 0);
    assert_eq!(ledger.written(), [r#"{"pullThroughCache":["hub"]}"#]);
    // The plan from what AWS now holds is empty.
    let describe_after = crate::describe(vec![
        live_rule("hub", "ghcr.io", Some(SECRET)),
        live_rule("quay", "quay.io", None),
    ]);
    let ledger_after = ledger_mock::ledger(Some(r#"{"pullThroughCache":["hub"]}"#));
    let aws_after = crate::aws(&[&describe_after], &ledger_after);
    assert!(read_and_plan(&aws_after, &ghcr(), true).await.is_empty());
}

#[tokio::test]
async fn a_ledger_left_empty_is_deleted() {
    let describe = describe(vec![live_rule("old", "public.ecr.aws", None)]);
    let delete_old = delete_rule_for("old");
    let ledger = ledger(Some(r#"{"pullThroughCache":["old"]}"#));
    let aws = aws(&[&describe, &delete_old], &ledger);
    let empty = load(
        "wharf.yaml",
        "version: 1\nstack: shop\n",
        &Variables::default(),
    )
    .expect("loads");
    let plan = read_and_plan(&aws, &empty, true).await;
    assert_eq!(plan.changes.len(), 1);
    apply_ok(&aws, &plan).await;
    assert_eq!(delete_old.num_calls(), 1);
    assert_eq!(ledger.delete.num_calls(), 1);
    assert_eq!(ledger.put.num_calls(), 0);
}

#[tokio::test]
async fn without_prune_the_ledger_is_not_read_and_nothing_is_deleted() {
    let describe = describe(vec![
        live_rule("hub", "ghcr.io", Some(SECRET)),
        live_rule("old", "public.ecr.aws", None),
    ]);
    let delete_old = delete_rule_for("old");
    let ledger = ledger(Some(r#"{"pullThroughCache":["hub","old"]}"#));
    let aws = aws(&[&describe, &delete_old], &ledger);
    let plan = read_and_plan(&aws, &ghcr(), false).await;
    assert!(plan.is_empty(), "{plan:#?}");
    assert_eq!(ledger.get.num_calls(), 0);
}

#[tokio::test]
async fn an_unreadable_ledger_prunes_nothing_and_says_why() {
    let describe = describe(vec![live_rule("old", "public.ecr.aws", None)]);
    let delete_old = delete_rule_for("old");
    let denied = mock!(aws_sdk_ssm::Client::get_parameter).then_http_response(|| {
        aws_smithy_runtime_api::http::Response::new(
            aws_smithy_runtime_api::http::StatusCode::try_from(400).unwrap(),
            aws_smithy_types::body::SdkBody::from(
                r#"{"__type":"AccessDeniedException","message":"not allowed: ssm:GetParameter"}"#,
            ),
        )
    });
    let ledger = Ledger {
        get: denied,
        ..ledger(None)
    };
    let aws = aws(&[&describe, &delete_old], &ledger);
    let plan = read_and_plan(&aws, &ghcr(), true).await;
    assert!(
        plan.changes
            .iter()
            .all(|c| c.action != ChangeAction::Delete),
        "{plan:#?}"
    );
    assert!(
        plan.warnings
            .iter()
            .any(|w| w.contains("ownership ledger could not be read")
                && w.contains("AccessDeniedException")),
        "{:?}",
        plan.warnings
    );
}

#[tokio::test]
async fn no_rules_declared_reads_nothing() {
    let describe = describe(vec![]);
    let ledger = ledger(None);
    let aws = aws(&[&describe], &ledger);
    let m = load(
        "wharf.yaml",
        "version: 1\nstack: shop\n",
        &Variables::default(),
    )
    .expect("loads")
    .manifest;
    let read = wharf::kinds::pull_through_cache::io::read_untaggable(&aws, &m, false)
        .await
        .expect("read");
    assert!(read.pull_through_cache_rules.is_empty());
    assert_eq!(read.ledger, None);
    assert_eq!(describe.num_calls(), 0);
    assert_eq!(ledger.get.num_calls(), 0);
}
