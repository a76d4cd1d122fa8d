//! The registry's supply-chain sections at the SDK boundary (aws-smithy-mocks; moto
//! implements none of these APIs): managed image signing (Get/Put/DeleteSigningConfiguration),
//! account settings (Get/PutAccountSetting) and pull-time update exclusions
//! (List/Register/DeregisterPullTimeUpdateExclusion). A small stateful stand-in keeps what
//! the writes send and answers the reads as ECR does: SigningConfigurationNotFoundException
//! when there is none, filters in its own order, every setting with a value (AWS's default
//! when never put), exclusions a page of two at a time. Each test plans through the
//! pipeline the binary runs (`ops::plan`), applies, and checks the calls: create, update in
//! place, drift, delete, convergence (an empty plan, and apply makes no call).

#[path = "support/ledger_mock.rs"]
mod ledger_mock;
#[path = "support/quiet_account.rs"]
mod quiet_account;

use aws_sdk_ecr::operation::delete_signing_configuration::DeleteSigningConfigurationOutput;
use aws_sdk_ecr::operation::deregister_pull_time_update_exclusion::DeregisterPullTimeUpdateExclusionOutput;
use aws_sdk_ecr::operation::get_account_setting::GetAccountSettingOutput;
use aws_sdk_ecr::operation::get_signing_configuration::{
    GetSigningConfigurationError, GetSigningConfigurationOutput,
};
use aws_sdk_ecr::operation::list_pull_time_update_exclusions::ListPullTimeUpdateExclusionsOutput;
use aws_sdk_ecr::operation::put_account_setting::PutAccountSettingOutput;
use aws_sdk_ecr::operation::put_signing_configuration::PutSigningConfigurationOutput;
use aws_sdk_ecr::operation::register_pull_time_update_exclusion::RegisterPullTimeUpdateExclusionOutput;
use aws_sdk_ecr::types::SigningConfiguration;
use aws_sdk_ecr::types::error::SigningConfigurationNotFoundException;
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use wharf::aws::Aws;
use wharf::kinds::common::Adoption;
use wharf::manifest::{LoadedManifest, Variables, load};
use wharf::ops::apply::{self, ApplySettings, Outcome};
use wharf::plan::build::PlanOptions;
use wharf::plan::{ChangeAction, Plan};

const SCANNER: &str = "arn:aws:iam::123456789012:role/scanner";
const AUDITOR: &str = "arn:aws:iam::123456789012:user/auditor";
/// Exclusions per ListPullTimeUpdateExclusions page in the stand-in.
const PAGE: usize = 2;

/// What the registry holds.
#[derive(Clone, Default)]
struct Registry {
    signing: Arc<Mutex<Option<SigningConfiguration>>>,
    settings: Arc<Mutex<BTreeMap<String, String>>>,
    exclusions: Arc<Mutex<Vec<String>>>,
}

impl Registry {
    /// A registry as AWS hands one out: no signing, AWS's default settings.
    fn fresh() -> Self {
        let registry = Registry::default();
        registry.settings.lock().unwrap().extend([
            ("BASIC_SCAN_TYPE_VERSION".to_string(), "CLAIR".to_string()),
            ("REGISTRY_POLICY_SCOPE".to_string(), "V1".to_string()),
            ("BLOB_MOUNTING".to_string(), "DISABLED".to_string()),
        ]);
        registry
    }
}

/// The mocked calls, each counted.
struct Calls {
    reads: Vec<Rule>,
    writes: Vec<Rule>,
}

impl Calls {
    fn writes(&self) -> usize {
        self.writes.iter().map(Rule::num_calls).sum()
    }
}

fn calls(registry: &Registry) -> Calls {
    let state = registry.clone();
    let get_signing =
        mock!(aws_sdk_ecr::Client::get_signing_configuration).then_compute_output(move |_| {
            GetSigningConfigurationOutput::builder()
                .registry_id(quiet_account::ACCOUNT)
                .set_signing_configuration(state.signing.lock().unwrap().clone())
                .build()
        });
    // ECR answers SigningConfigurationNotFoundException when there is none.
    let state = registry.clone();
    let no_signing = mock!(aws_sdk_ecr::Client::get_signing_configuration)
        .match_requests(move |_| state.signing.lock().unwrap().is_none())
        .then_error(|| {
            GetSigningConfigurationError::SigningConfigurationNotFoundException(
                SigningConfigurationNotFoundException::builder()
                    .message("signing configuration not found")
                    .meta(
                        aws_sdk_ecr::error::ErrorMetadata::builder()
                            .code("SigningConfigurationNotFoundException")
                            .message("signing configuration not found")
                            .build(),
                    )
                    .build(),
            )
        });
    let state = registry.clone();
    let put_signing =
        mock!(aws_sdk_ecr::Client::put_signing_configuration).then_compute_output(move |req| {
            // Filters come back in another order than they were put.
            let mut config = req
                .signing_configuration()
                .expect("a configuration")
                .clone();
            let rules = config
                .rules()
                .iter()
                .map(|r| {
                    let mut r = r.clone();
                    if let Some(filters) = &mut r.repository_filters {
                        filters.reverse();
                    }
                    r
                })
                .collect();
            config.rules = rules;
            *state.signing.lock().unwrap() = Some(config);
            PutSigningConfigurationOutput::builder().build()
        });
    let state = registry.clone();
    let delete_signing = mock!(aws_sdk_ecr::Client::delete_signing_configuration)
        .then_compute_output(move |_| {
            *state.signing.lock().unwrap() = None;
            DeleteSigningConfigurationOutput::builder().build()
        });
    let state = registry.clone();
    let get_setting =
        mock!(aws_sdk_ecr::Client::get_account_setting).then_compute_output(move |req| {
            let name = req.name().expect("a name").to_string();
            let value = state.settings.lock().unwrap().get(&name).cloned();
            GetAccountSettingOutput::builder()
                .name(name)
                .set_value(value)
                .build()
        });
    let state = registry.clone();
    let put_setting =
        mock!(aws_sdk_ecr::Client::put_account_setting).then_compute_output(move |req| {
            state.settings.lock().unwrap().insert(
                req.name().expect("a name").to_string(),
                req.value().expect("a value").to_string(),
            );
            PutAccountSettingOutput::builder().build()
        });
    let state = registry.clone();
    let list = mock!(aws_sdk_ecr::Client::list_pull_time_update_exclusions).then_compute_output(
        move |req| {
            let all = state.exclusions.lock().unwrap().clone();
            let start: usize = req.next_token().map_or(0, |t| t.parse().expect("a token"));
            let end = (start + PAGE).min(all.len());
            ListPullTimeUpdateExclusionsOutput::builder()
                .set_pull_time_update_exclusions(Some(all[start..end].to_vec()))
                .set_next_token((end < all.len()).then(|| end.to_string()))
                .build()
        },
    );
    let state = registry.clone();
    let register = mock!(aws_sdk_ecr::Client::register_pull_time_update_exclusion)
        .then_compute_output(move |req| {
            state
                .exclusions
                .lock()
                .unwrap()
                .push(req.principal_arn().expect("a principal").to_string());
            RegisterPullTimeUpdateExclusionOutput::builder().build()
        });
    let state = registry.clone();
    let deregister = mock!(aws_sdk_ecr::Client::deregister_pull_time_update_exclusion)
        .then_compute_output(move |req| {
            let arn = req.principal_arn().expect("a principal");
            state.exclusions.lock().unwrap().retain(|p| p != arn);
            DeregisterPullTimeUpdateExclusionOutput::builder().build()
        });
    Calls {
        reads: vec![no_signing, get_signing, get_setting, list],
        writes: vec![
            put_signing,
            delete_signing,
            put_setting,
            register,
            deregister,
        ],
    }
}

fn aws(calls: &Calls) -> Aws {
    let repositories = quiet_account::no_repositories();
    let mut rules: Vec<&Rule> = calls.reads.iter().chain(calls.writes.iter()).collect();
    rules.push(&repositories);
    Aws {
        ecr: mock_client!(aws_sdk_ecr, RuleMode::MatchAny, rules),
        iam: quiet_account::iam(),
        ecs: quiet_account::ecs(),
        autoscaling: mock_client!(aws_sdk_applicationautoscaling, []),
        kms: mock_client!(aws_sdk_kms, []),
        sts: quiet_account::sts(),
        ssm: ledger_mock::ledger(None).client(),
        ecr_public: mock_client!(aws_sdk_ecrpublic, []),
        inspector: mock_client!(aws_sdk_inspector2, []),
        stats: Arc::new(Default::default()),
        region: "eu-west-1".into(),
    }
}

fn manifest(registry: &str) -> LoadedManifest {
    let src = format!("version: 1\nstack: shop\nregistry:\n{registry}");
    match load("wharf.yaml", &src, &Variables::default()) {
        Ok(loaded) => loaded,
        Err(failure) => panic!("{src}\n{:#?}", failure.diagnostics),
    }
}

const EVERYTHING: &str = "  signing:
    rules:
      - { signingProfileArn: \"arn:aws:signer:eu-west-1:123456789012:/signing-profiles/shop_release\", repositoryFilters: [\"shop/*\", \"base/*\"] }
  accountSettings: { REGISTRY_POLICY_SCOPE: V2, BLOB_MOUNTING: ENABLED }
  pullTimeUpdateExclusions: [\"arn:aws:iam::123456789012:role/scanner\", \"arn:aws:iam::123456789012:user/auditor\"]
";

async fn plan(aws: &Aws, m: &LoadedManifest) -> Plan {
    let options = PlanOptions {
        prune: false,
        targets: vec![],
        without_previews: false,
    };
    let (planned, _) = wharf::ops::plan::plan(aws, m, &options, Adoption::Refuse)
        .await
        .expect("read");
    planned.expect("no refusal")
}

/// The registry's part of a plan, as (address, action).
fn registry_changes(plan: &Plan) -> Vec<(String, ChangeAction)> {
    plan.changes
        .iter()
        .filter(|c| c.address.starts_with("ecr.registry."))
        .map(|c| (c.address.clone(), c.action))
        .collect()
}

async fn apply_all(aws: &Aws, plan: &Plan) {
    let report = apply::apply(aws, plan, &ApplySettings::default(), &|_| {}).await;
    for step in &report.steps {
        assert_eq!(
            step.outcome,
            Outcome::Done,
            "{}: {:?}",
            step.address,
            step.outcome
        );
    }
}

#[tokio::test]
async fn signing_settings_and_exclusions_are_created_then_converge() {
    let registry = Registry::fresh();
    let calls = calls(&registry);
    let aws = aws(&calls);
    let m = manifest(EVERYTHING);
    let first = plan(&aws, &m).await;
    assert_eq!(
        registry_changes(&first),
        [
            (
                "ecr.registry.account_settings".to_string(),
                ChangeAction::Update
            ),
            (
                "ecr.registry.pull_time_update_exclusions".to_string(),
                ChangeAction::Create
            ),
            ("ecr.registry.signing".to_string(), ChangeAction::Create),
        ]
    );
    let settings = first
        .changes
        .iter()
        .find(|c| c.address == "ecr.registry.account_settings")
        .unwrap();
    let fields: Vec<(&str, String, String)> = settings
        .fields
        .iter()
        .map(|f| (f.path.as_str(), f.before.to_string(), f.after.to_string()))
        .collect();
    assert_eq!(
        fields,
        [
            (
                "REGISTRY_POLICY_SCOPE",
                "\"V1\"".to_string(),
                "\"V2\"".to_string()
            ),
            (
                "BLOB_MOUNTING",
                "\"DISABLED\"".to_string(),
                "\"ENABLED\"".to_string()
            ),
        ]
    );
    // Only the registry's changes are applied here (the role would need IAM writes).
    let mut only_registry = first.clone();
    only_registry
        .changes
        .retain(|c| c.address.starts_with("ecr.registry."));
    apply_all(&aws, &only_registry).await;
    assert_eq!(
        calls.writes(),
        1 + 2 + 2,
        "one PutSigningConfiguration, two settings, two exclusions"
    );
    assert_eq!(
        registry.settings.lock().unwrap()["REGISTRY_POLICY_SCOPE"],
        "V2"
    );
    let mut excluded = registry.exclusions.lock().unwrap().clone();
    excluded.sort();
    assert_eq!(excluded, [SCANNER, AUDITOR]);

    // Converged: the registry's sections plan nothing and apply writes nothing.
    let again = plan(&aws, &m).await;
    assert!(registry_changes(&again).is_empty(), "{:#?}", again.changes);
    let before = calls.writes();
    let mut only_registry = again.clone();
    only_registry
        .changes
        .retain(|c| c.address.starts_with("ecr.registry."));
    apply_all(&aws, &only_registry).await;
    assert_eq!(calls.writes(), before);
}

#[tokio::test]
async fn drift_is_repaired_and_an_empty_signing_section_deletes() {
    let registry = Registry::fresh();
    let calls = calls(&registry);
    let aws = aws(&calls);
    let m = manifest(EVERYTHING);
    let mut first = plan(&aws, &m).await;
    first
        .changes
        .retain(|c| c.address.starts_with("ecr.registry."));
    apply_all(&aws, &first).await;

    // Out of band: blob mounting turned off, one more exclusion, another profile.
    registry
        .settings
        .lock()
        .unwrap()
        .insert("BLOB_MOUNTING".into(), "DISABLED".into());
    registry
        .exclusions
        .lock()
        .unwrap()
        .push("arn:aws:iam::123456789012:role/stray".into());
    let drifted = plan(&aws, &m).await;
    assert_eq!(
        registry_changes(&drifted),
        [
            (
                "ecr.registry.account_settings".to_string(),
                ChangeAction::Update
            ),
            (
                "ecr.registry.pull_time_update_exclusions".to_string(),
                ChangeAction::Update
            ),
        ]
    );
    let exclusions = drifted
        .changes
        .iter()
        .find(|c| c.address == "ecr.registry.pull_time_update_exclusions")
        .unwrap();
    assert_eq!(
        exclusions
            .operations
            .iter()
            .map(|o| o.describe())
            .collect::<Vec<_>>(),
        ["DeregisterPullTimeUpdateExclusion arn:aws:iam::123456789012:role/stray"]
    );
    let mut repair = drifted.clone();
    repair
        .changes
        .retain(|c| c.address.starts_with("ecr.registry."));
    apply_all(&aws, &repair).await;
    assert!(registry_changes(&plan(&aws, &m).await).is_empty());

    // No rules: the configuration is deleted, and reads as none after.
    let none = manifest("  signing: { rules: [] }\n");
    let deleting = plan(&aws, &none).await;
    assert_eq!(
        registry_changes(&deleting),
        [("ecr.registry.signing".to_string(), ChangeAction::Delete)]
    );
    let mut delete = deleting.clone();
    delete
        .changes
        .retain(|c| c.address.starts_with("ecr.registry."));
    apply_all(&aws, &delete).await;
    assert!(registry.signing.lock().unwrap().is_none());
    assert!(registry_changes(&plan(&aws, &none).await).is_empty());
}

#[tokio::test]
async fn sections_left_out_are_not_read() {
    let registry = Registry::fresh();
    let calls = calls(&registry);
    let aws = aws(&calls);
    // A registry section that is not one of these: none of their reads is made.
    let m = manifest("  pullThroughCache: {}\n");
    let _ = plan(&aws, &m).await;
    assert_eq!(calls.reads.iter().map(Rule::num_calls).sum::<usize>(), 0);
}
