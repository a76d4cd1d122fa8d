//! Repository creation templates at the SDK boundary (aws-smithy-mocks; moto does not
//! implement them). A small stateful stand-in for ECR's template API answers
//! DescribeRepositoryCreationTemplates (two templates a page, so reads paginate) and keeps
//! what Create, Update and Delete send, returning it as ECR does: defaults filled in,
//! documents reformatted, tags in another order. Each test plans through the pipeline the
//! binary runs (`ops::plan`), applies, and checks exactly which calls were made: create, update
//! in place, convergence (the plan from the applied state is empty and apply makes no
//! call), delete with --prune only for what the ownership ledger records, drift, and
//! pagination.

#[path = "support/ledger_mock.rs"]
mod ledger_mock;
#[path = "support/quiet_account.rs"]
mod quiet_account;

use aws_sdk_ecr::operation::create_repository_creation_template::{
    CreateRepositoryCreationTemplateInput, CreateRepositoryCreationTemplateOutput,
};
use aws_sdk_ecr::operation::delete_repository_creation_template::DeleteRepositoryCreationTemplateOutput;
use aws_sdk_ecr::operation::describe_repository_creation_templates::DescribeRepositoryCreationTemplatesOutput;
use aws_sdk_ecr::operation::update_repository_creation_template::{
    UpdateRepositoryCreationTemplateInput, UpdateRepositoryCreationTemplateOutput,
};
use aws_sdk_ecr::types::{
    EncryptionConfigurationForRepositoryCreationTemplate, EncryptionType, ImageTagMutability,
    ImageTagMutabilityExclusionFilter, RctAppliedFor, RepositoryCreationTemplate, Tag,
};
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use wharf::aws::Aws;
use wharf::kinds::common::Adoption;
use wharf::kinds::creation_template;
use wharf::live::{LiveSnapshot, OwnershipLedger};
use wharf::manifest::{LoadedManifest, Variables, load};
use wharf::ops::apply::{self, ApplySettings, Outcome};
use wharf::plan::build::PlanOptions;
use wharf::plan::{ChangeAction, Plan};
use wharf::render::{Format, Style, render_drift};

const ROLE: &str = "arn:aws:iam::123456789012:role/ecr-templates";
/// Templates per DescribeRepositoryCreationTemplates page in the stand-in.
const PAGE: usize = 2;

/// What one Create or Update request sent (None: left out).
#[derive(Clone, Debug, Default)]
struct Sent {
    applied_for: Option<Vec<RctAppliedFor>>,
    mutability: Option<ImageTagMutability>,
    filters: Option<Vec<ImageTagMutabilityExclusionFilter>>,
    encryption: Option<EncryptionConfigurationForRepositoryCreationTemplate>,
    lifecycle_policy: Option<String>,
    repository_policy: Option<String>,
    tags: Option<Vec<Tag>>,
    role: Option<String>,
    description: Option<String>,
}

impl From<&CreateRepositoryCreationTemplateInput> for Sent {
    fn from(r: &CreateRepositoryCreationTemplateInput) -> Self {
        Sent {
            applied_for: r.applied_for.clone(),
            mutability: r.image_tag_mutability.clone(),
            filters: r.image_tag_mutability_exclusion_filters.clone(),
            encryption: r.encryption_configuration.clone(),
            lifecycle_policy: r.lifecycle_policy.clone(),
            repository_policy: r.repository_policy.clone(),
            tags: r.resource_tags.clone(),
            role: r.custom_role_arn.clone(),
            description: r.description.clone(),
        }
    }
}

impl From<&UpdateRepositoryCreationTemplateInput> for Sent {
    fn from(r: &UpdateRepositoryCreationTemplateInput) -> Self {
        Sent {
            applied_for: r.applied_for.clone(),
            mutability: r.image_tag_mutability.clone(),
            filters: r.image_tag_mutability_exclusion_filters.clone(),
            encryption: r.encryption_configuration.clone(),
            lifecycle_policy: r.lifecycle_policy.clone(),
            repository_policy: r.repository_policy.clone(),
            tags: r.resource_tags.clone(),
            role: r.custom_role_arn.clone(),
            description: r.description.clone(),
        }
    }
}

/// ECR's templates as the stand-in holds them, and every update request it received.
#[derive(Clone, Default)]
struct Ecr {
    templates: Arc<Mutex<BTreeMap<String, RepositoryCreationTemplate>>>,
    updates: Arc<Mutex<Vec<Sent>>>,
}

/// Documents come back reformatted, as ECR returns them.
fn reformatted(text: String) -> String {
    serde_json::from_str::<serde_json::Value>(&text)
        .map(|doc| serde_json::to_string_pretty(&doc).expect("serializes"))
        .unwrap_or(text)
}

impl Ecr {
    fn with(templates: Vec<RepositoryCreationTemplate>) -> Self {
        let ecr = Ecr::default();
        for t in templates {
            ecr.put(t);
        }
        ecr
    }

    fn put(&self, template: RepositoryCreationTemplate) {
        let prefix = template.prefix().expect("prefix").to_string();
        self.templates.lock().unwrap().insert(prefix, template);
    }

    fn get(&self, prefix: &str) -> RepositoryCreationTemplate {
        self.templates.lock().unwrap()[prefix].clone()
    }

    fn prefixes(&self) -> Vec<String> {
        self.templates.lock().unwrap().keys().cloned().collect()
    }

    /// What ECR holds after a request: what it leaves out is kept (or, on create,
    /// defaulted); an empty text removes the field.
    fn store(&self, prefix: &str, sent: Sent) {
        let old = self.templates.lock().unwrap().get(prefix).cloned();
        let old_text = |f: fn(&RepositoryCreationTemplate) -> Option<&str>| {
            old.as_ref().and_then(f).map(str::to_string)
        };
        let text = |new: Option<String>, kept: Option<String>| {
            new.or(kept).filter(|t| !t.is_empty()).map(reformatted)
        };
        let mut tags = sent
            .tags
            .or_else(|| old.as_ref().map(|o| o.resource_tags().to_vec()))
            .unwrap_or_default();
        tags.reverse();
        let template = RepositoryCreationTemplate::builder()
            .prefix(prefix)
            .set_applied_for(
                sent.applied_for
                    .or_else(|| old.as_ref().map(|o| o.applied_for().to_vec())),
            )
            .image_tag_mutability(
                sent.mutability
                    .or_else(|| old.as_ref().and_then(|o| o.image_tag_mutability().cloned()))
                    .unwrap_or(ImageTagMutability::Mutable),
            )
            .set_image_tag_mutability_exclusion_filters(sent.filters.or_else(|| {
                old.as_ref()
                    .map(|o| o.image_tag_mutability_exclusion_filters().to_vec())
            }))
            .encryption_configuration(
                sent.encryption
                    .or_else(|| {
                        old.as_ref()
                            .and_then(|o| o.encryption_configuration().cloned())
                    })
                    .unwrap_or_else(|| {
                        EncryptionConfigurationForRepositoryCreationTemplate::builder()
                            .encryption_type(EncryptionType::Aes256)
                            .build()
                            .expect("builds")
                    }),
            )
            .set_lifecycle_policy(text(
                sent.lifecycle_policy,
                old_text(RepositoryCreationTemplate::lifecycle_policy),
            ))
            .set_repository_policy(text(
                sent.repository_policy,
                old_text(RepositoryCreationTemplate::repository_policy),
            ))
            .set_resource_tags(Some(tags))
            .set_custom_role_arn(text(
                sent.role,
                old_text(RepositoryCreationTemplate::custom_role_arn),
            ))
            .set_description(text(
                sent.description,
                old_text(RepositoryCreationTemplate::description),
            ))
            .build();
        self.put(template);
    }
}

/// The mocked calls, each counted.
struct Calls {
    describe: Rule,
    create: Rule,
    update: Rule,
    delete: Rule,
    /// The ownership ledger, empty at first.
    ledger: ledger_mock::Ledger,
}

impl Calls {
    fn writes(&self) -> usize {
        self.create.num_calls() + self.update.num_calls() + self.delete.num_calls()
    }
}

fn calls(ecr: &Ecr) -> Calls {
    calls_with(ecr, None)
}

/// `calls`, with the stack's ledger recording `ledger` (read when pruning).
fn calls_with(ecr: &Ecr, ledger: Option<&OwnershipLedger>) -> Calls {
    let state = ecr.clone();
    let describe = mock!(aws_sdk_ecr::Client::describe_repository_creation_templates)
        .then_compute_output(move |req| {
            let all: Vec<RepositoryCreationTemplate> =
                state.templates.lock().unwrap().values().cloned().collect();
            let start: usize = req.next_token().map_or(0, |t| t.parse().expect("a token"));
            let end = (start + PAGE).min(all.len());
            DescribeRepositoryCreationTemplatesOutput::builder()
                .registry_id("123456789012")
                .set_repository_creation_templates(Some(all[start..end].to_vec()))
                .set_next_token((end < all.len()).then(|| end.to_string()))
                .build()
        });
    let state = ecr.clone();
    let create = mock!(aws_sdk_ecr::Client::create_repository_creation_template)
        .then_compute_output(move |req| {
            state.store(req.prefix().expect("prefix"), Sent::from(req));
            CreateRepositoryCreationTemplateOutput::builder().build()
        });
    let state = ecr.clone();
    let update = mock!(aws_sdk_ecr::Client::update_repository_creation_template)
        .then_compute_output(move |req| {
            let sent = Sent::from(req);
            state.updates.lock().unwrap().push(sent.clone());
            state.store(req.prefix().expect("prefix"), sent);
            UpdateRepositoryCreationTemplateOutput::builder().build()
        });
    let state = ecr.clone();
    let delete = mock!(aws_sdk_ecr::Client::delete_repository_creation_template)
        .then_compute_output(move |req| {
            let prefix = req.prefix().expect("prefix");
            state.templates.lock().unwrap().remove(prefix);
            DeleteRepositoryCreationTemplateOutput::builder().build()
        });
    Calls {
        describe,
        create,
        update,
        delete,
        ledger: ledger_mock::ledger(ledger.map(wharf::kinds::ledger::to_text).as_deref()),
    }
}

fn aws(calls: &Calls) -> Aws {
    Aws {
        ecr: mock_client!(
            aws_sdk_ecr,
            RuleMode::MatchAny,
            [
                &calls.describe,
                &calls.create,
                &calls.update,
                &calls.delete,
                &quiet_account::no_repositories()
            ]
        ),
        iam: quiet_account::iam(),
        ecs: quiet_account::ecs(),
        autoscaling: mock_client!(aws_sdk_applicationautoscaling, []),
        kms: mock_client!(aws_sdk_kms, []),
        sts: quiet_account::sts(),
        ssm: calls.ledger.client(),
        ecr_public: mock_client!(aws_sdk_ecrpublic, []),
        inspector: mock_client!(aws_sdk_inspector2, []),
        stats: Arc::new(Default::default()),
        region: "eu-west-1".into(),
    }
}

fn manifest(templates: &str) -> LoadedManifest {
    let src = format!("version: 1\nstack: shop\nregistry:\n  creationTemplates:\n{templates}");
    match load("wharf.yaml", &src, &Variables::default()) {
        Ok(loaded) => loaded,
        Err(failure) => panic!("{src}\n{:#?}", failure.diagnostics),
    }
}

/// Plans through the pipeline the binary runs (`ops::plan`): the account, the snapshot
/// (the declared templates and, when pruning, those the mocked ledger records; the other
/// kinds' enumerations find nothing), the pure build and its enrichment.
async fn read_and_plan(aws: &Aws, m: &LoadedManifest, prune: bool) -> (Plan, LiveSnapshot) {
    let options = PlanOptions {
        prune,
        targets: vec![],
        without_previews: false,
    };
    let (planned, live) = wharf::ops::plan::plan(aws, m, &options, Adoption::Refuse)
        .await
        .expect("read");
    (planned.expect("no conflicts"), live)
}

async fn apply_ok(aws: &Aws, plan: &Plan) {
    let report = apply::apply(aws, plan, &ApplySettings::default(), &|_| {}).await;
    let steps_done = report
        .steps
        .iter()
        .all(|s| matches!(s.outcome, Outcome::Done));
    assert!(steps_done, "{report:#?}");
    assert!(report.ledger_error.is_none(), "{report:#?}");
}

/// After an apply: the plan from what ECR now holds is empty, and applying it calls nothing.
async fn assert_converged(ecr: &Ecr, m: &LoadedManifest) {
    let calls = calls(ecr);
    let aws = aws(&calls);
    let (plan, _) = read_and_plan(&aws, m, false).await;
    assert!(plan.is_empty(), "not converged: {plan:#?}");
    apply_ok(&aws, &plan).await;
    assert_eq!(calls.writes(), 0);
}

const FULL: &str = r#"    shop:
      appliedFor: [PULL_THROUGH_CACHE, REPLICATION]
      imageTagMutability: IMMUTABLE_WITH_EXCLUSION
      imageTagMutabilityExclusionFilters: ["latest", "dev-*"]
      encryption: { type: KMS, kmsKey: "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab" }
      lifecycle:
        - { description: drop untagged images, untagged: true, expireAfterDays: 14 }
        - { tagPrefixes: [v], keepLast: 30 }
      pull: { accounts: ["111122223333"] }
      resourceTags: { team: shop, cost: ecr }
      customRoleArn: "arn:aws:iam::123456789012:role/ecr-templates"
      description: shop's cached images
"#;

fn template(prefix: &str, applied_for: &[RctAppliedFor]) -> RepositoryCreationTemplate {
    RepositoryCreationTemplate::builder()
        .prefix(prefix)
        .set_applied_for(Some(applied_for.to_vec()))
        .image_tag_mutability(ImageTagMutability::Mutable)
        .encryption_configuration(
            EncryptionConfigurationForRepositoryCreationTemplate::builder()
                .encryption_type(EncryptionType::Aes256)
                .build()
                .expect("builds"),
        )
        .build()
}

#[tokio::test]
async fn a_missing_template_is_created_and_converges() {
    let ecr = Ecr::default();
    let calls = calls(&ecr);
    let aws = aws(&calls);
    let m = manifest(FULL);
    let (plan, _) = read_and_plan(&aws, &m, false).await;
    assert_eq!(plan.changes.len(), 1);
    assert_eq!(plan.changes[0].address, "ecr.creation_template.shop");
    assert_eq!(plan.changes[0].action, ChangeAction::Create);
    apply_ok(&aws, &plan).await;
    assert_eq!(
        (
            calls.describe.num_calls(),
            calls.create.num_calls(),
            calls.update.num_calls(),
            calls.delete.num_calls()
        ),
        (1, 1, 0, 0)
    );
    // wharf records what it created, so --prune may delete it later.
    assert_eq!(
        calls.ledger.written(),
        [r#"{"creationTemplates":["shop"]}"#]
    );
    let created = ecr.get("shop");
    assert_eq!(
        created.applied_for(),
        [RctAppliedFor::PullThroughCache, RctAppliedFor::Replication]
    );
    assert_eq!(
        created.image_tag_mutability(),
        Some(&ImageTagMutability::ImmutableWithExclusion)
    );
    let filters: Vec<&str> = created
        .image_tag_mutability_exclusion_filters()
        .iter()
        .map(|f| f.filter())
        .collect();
    assert_eq!(filters, ["latest", "dev-*"]);
    assert_eq!(
        created
            .encryption_configuration()
            .map(|e| e.encryption_type()),
        Some(&EncryptionType::Kms)
    );
    assert_eq!(created.custom_role_arn(), Some(ROLE));
    assert_eq!(created.description(), Some("shop's cached images"));
    assert_eq!(created.resource_tags().len(), 2);
    // The lifecycle rules and the pull grant arrive as the documents the repository code compiles.
    let lifecycle: serde_json::Value =
        serde_json::from_str(created.lifecycle_policy().expect("a lifecycle policy")).unwrap();
    assert_eq!(lifecycle["rules"][0]["selection"]["tagStatus"], "untagged");
    let policy: serde_json::Value =
        serde_json::from_str(created.repository_policy().expect("a policy")).unwrap();
    assert_eq!(policy["Statement"][0]["Sid"], "WharfPull");
    assert_converged(&ecr, &m).await;
}

#[tokio::test]
async fn several_fields_are_updated_in_place() {
    let ecr = Ecr::with(vec![
        RepositoryCreationTemplate::builder()
            .prefix("shop")
            .applied_for(RctAppliedFor::PullThroughCache)
            .image_tag_mutability(ImageTagMutability::Mutable)
            .description("old")
            .lifecycle_policy(
                r#"{"rules":[{"rulePriority":1,"selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":5},"action":{"type":"expire"}}]}"#,
            )
            .resource_tags(Tag::builder().key("team").value("web").build().unwrap())
            .build(),
    ]);
    let calls = calls(&ecr);
    let aws = aws(&calls);
    let m = manifest(
        "    shop:\n      appliedFor: [PULL_THROUGH_CACHE, CREATE_ON_PUSH]\n      imageTagMutability: IMMUTABLE\n      lifecycle: [{ keepLast: 10 }]\n      resourceTags: { team: shop }\n      customRoleArn: \"arn:aws:iam::123456789012:role/ecr-templates\"\n",
    );
    let (plan, _) = read_and_plan(&aws, &m, false).await;
    assert_eq!(plan.changes.len(), 1, "{plan:#?}");
    let change = &plan.changes[0];
    assert_eq!(change.action, ChangeAction::Update);
    let paths: Vec<&str> = change.fields.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "appliedFor",
            "imageTagMutability",
            "lifecyclePolicy",
            "resourceTags.team",
            "customRoleArn",
            "description"
        ]
    );
    assert_eq!(
        change.reason,
        "appliedFor, imageTagMutability, lifecyclePolicy, resourceTags, customRoleArn, description differ"
    );
    apply_ok(&aws, &plan).await;
    assert_eq!(
        (
            calls.update.num_calls(),
            calls.create.num_calls(),
            calls.delete.num_calls()
        ),
        (1, 0, 0)
    );
    // The update sends every setting, and the dropped description as an empty string.
    let sent = ecr.updates.lock().unwrap()[0].clone();
    assert_eq!(sent.description.as_deref(), Some(""));
    assert_eq!(sent.mutability, Some(ImageTagMutability::Immutable));
    assert!(sent.encryption.is_some() && sent.tags.is_some());
    assert_eq!(sent.repository_policy, None);
    assert_eq!(ecr.get("shop").description(), None);
    assert_converged(&ecr, &m).await;
}

#[tokio::test]
async fn a_converged_template_plans_nothing_and_apply_calls_nothing() {
    let ecr = Ecr::default();
    let m = manifest(FULL);
    {
        let calls = calls(&ecr);
        let aws = aws(&calls);
        let (plan, _) = read_and_plan(&aws, &m, false).await;
        apply_ok(&aws, &plan).await;
    }
    // Twice: nothing drifts between runs either.
    assert_converged(&ecr, &m).await;
    assert_converged(&ecr, &m).await;
}

#[tokio::test]
async fn prune_deletes_only_templates_the_ledger_records() {
    let ecr = Ecr::with(vec![
        template("shop", &[RctAppliedFor::Replication]),
        template("old", &[RctAppliedFor::Replication]),
        template("theirs", &[RctAppliedFor::PullThroughCache]),
    ]);
    let m = manifest("    shop: { appliedFor: [REPLICATION] }\n");
    let ledger = OwnershipLedger {
        creation_templates: ["old".to_string(), "shop".to_string()].into(),
        ..OwnershipLedger::default()
    };

    // Not pruning: only the declared template matters, and nothing is deleted.
    let calls_ = calls_with(&ecr, Some(&ledger));
    let aws_ = aws(&calls_);
    let (plan, live) = read_and_plan(&aws_, &m, false).await;
    assert!(plan.is_empty(), "{plan:#?}");
    assert_eq!(live.creation_templates.keys().collect::<Vec<_>>(), ["shop"]);

    // Pruning without a ledger (the stack recorded nothing): nothing is deleted.
    let calls_ = calls(&ecr);
    let aws_ = aws(&calls_);
    let (plan, live) = read_and_plan(&aws_, &m, true).await;
    assert!(plan.is_empty(), "{plan:#?}");
    assert_eq!(live.creation_templates.keys().collect::<Vec<_>>(), ["shop"]);
    assert_eq!(calls_.writes(), 0);

    // Pruning with the ledger: exactly the template wharf created and the manifest dropped.
    let calls = calls_with(&ecr, Some(&ledger));
    let aws = aws(&calls);
    let (plan, _) = read_and_plan(&aws, &m, true).await;
    assert_eq!(plan.changes.len(), 1, "{plan:#?}");
    let change = &plan.changes[0];
    assert_eq!(change.address, "ecr.creation_template.old");
    assert_eq!(change.action, ChangeAction::Delete);
    assert!(
        change.reason.contains("no longer in the manifest"),
        "{}",
        change.reason
    );
    // Nothing is lost with a template, so no --allow-delete is needed.
    assert!(apply::refusals(&plan, apply::ApplyOptions::default()).is_empty());
    apply_ok(&aws, &plan).await;
    assert_eq!(calls.delete.num_calls(), 1);
    assert_eq!(calls.create.num_calls() + calls.update.num_calls(), 0);
    assert_eq!(ecr.prefixes(), ["shop", "theirs"]);
}

#[tokio::test]
async fn drift_is_an_update_naming_the_fields() {
    let ecr = Ecr::default();
    let m = manifest(FULL);
    {
        let calls = calls(&ecr);
        let aws = aws(&calls);
        let (plan, _) = read_and_plan(&aws, &m, false).await;
        apply_ok(&aws, &plan).await;
    }
    // Someone changes the template behind wharf's back.
    let changed = ecr.get("shop");
    let mut tags = changed.resource_tags().to_vec();
    tags.retain(|t| t.key() != "cost");
    ecr.put(
        RepositoryCreationTemplate::builder()
            .prefix("shop")
            .set_applied_for(Some(changed.applied_for().to_vec()))
            .image_tag_mutability(ImageTagMutability::Mutable)
            .set_image_tag_mutability_exclusion_filters(Some(
                changed.image_tag_mutability_exclusion_filters().to_vec(),
            ))
            .set_encryption_configuration(changed.encryption_configuration().cloned())
            .set_lifecycle_policy(changed.lifecycle_policy().map(str::to_string))
            .set_resource_tags(Some(tags))
            .set_custom_role_arn(changed.custom_role_arn().map(str::to_string))
            .description("edited in the console")
            .build(),
    );
    let calls = calls(&ecr);
    let aws = aws(&calls);
    let (plan, _) = read_and_plan(&aws, &m, false).await;
    assert_eq!(plan.changes.len(), 1, "{plan:#?}");
    let change = &plan.changes[0];
    assert_eq!(change.action, ChangeAction::Update);
    let paths: Vec<&str> = change.fields.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "imageTagMutability",
            "imageTagMutabilityExclusionFilters",
            "policy",
            "resourceTags.cost",
            "description"
        ]
    );
    // The drift report says the same, field by field.
    let report = render_drift(&plan, Format::Text, &Style::default());
    for expected in [
        "ecr.creation_template.shop",
        "imageTagMutability: \"MUTABLE\" -> \"IMMUTABLE_WITH_EXCLUSION\"",
        "resourceTags.cost: \"ecr\"",
        "description: \"edited in the console\" -> \"shop's cached images\"",
        "+      \"Sid\": \"WharfPull\"",
    ] {
        assert!(report.contains(expected), "{expected:?} not in\n{report}");
    }
    let markdown = render_drift(&plan, Format::Markdown, &Style::default());
    assert!(
        markdown.contains("ecr.creation_template.shop"),
        "{markdown}"
    );
    apply_ok(&aws, &plan).await;
    assert_eq!(calls.update.num_calls(), 1);
    assert_converged(&ecr, &m).await;
}

#[tokio::test]
async fn every_page_of_templates_is_read() {
    let prefixes = ["a", "b", "c", "d", "shop"];
    let ecr = Ecr::with(
        prefixes
            .iter()
            .map(|p| template(p, &[RctAppliedFor::Replication]))
            .collect(),
    );
    let m = manifest("    shop: { appliedFor: [REPLICATION] }\n");
    let declared: BTreeSet<String> = m
        .manifest
        .registry
        .creation_templates
        .keys()
        .cloned()
        .collect();

    // The declared template is on the last page; only it is kept.
    let calls_ = calls(&ecr);
    let aws_ = aws(&calls_);
    let read = creation_template::io::read_templates(&aws_, &declared)
        .await
        .expect("read");
    assert_eq!(read.keys().collect::<Vec<_>>(), ["shop"]);
    assert_eq!(calls_.describe.num_calls(), 3);

    // When pruning, the ledger's templates too, wherever they are; the read is still one
    // listing of every page.
    let ledger = OwnershipLedger {
        creation_templates: ["a".to_string(), "d".to_string(), "gone".to_string()].into(),
        ..OwnershipLedger::default()
    };
    let calls = calls_with(&ecr, Some(&ledger));
    let aws = aws(&calls);
    let (plan, live) = read_and_plan(&aws, &m, true).await;
    assert_eq!(
        live.creation_templates.keys().collect::<Vec<_>>(),
        ["a", "d", "shop"]
    );
    assert_eq!(calls.describe.num_calls(), 3);
    let deleted: Vec<&str> = plan.changes.iter().map(|c| c.address.as_str()).collect();
    assert_eq!(
        deleted,
        ["ecr.creation_template.a", "ecr.creation_template.d"]
    );
}

#[tokio::test]
async fn no_template_declared_or_recorded_reads_nothing() {
    let ecr = Ecr::with(vec![template("shop", &[RctAppliedFor::Replication])]);
    let calls = calls(&ecr);
    let aws = aws(&calls);
    let m = load(
        "wharf.yaml",
        "version: 1\nstack: shop\n",
        &Variables::default(),
    )
    .expect("loads")
    .manifest;
    // Not pruning, and pruning with a ledger that records no template.
    for ledger in [None, Some(OwnershipLedger::default())] {
        let prefixes = creation_template::prefixes_to_read(&m, ledger.as_ref());
        let read = creation_template::io::read_templates(&aws, &prefixes)
            .await
            .expect("read");
        assert!(read.is_empty());
    }
    assert_eq!(calls.describe.num_calls(), 0);
}
