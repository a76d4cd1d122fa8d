//! ECR Public repositories at the SDK boundary (aws-smithy-mocks; moto does not implement
//! ECR Public). The mocks keep a small in-memory public registry, so a test reads it
//! through the real SDK calls, plans through the pipeline the binary runs (`ops::plan`),
//! applies, and reads it again: create, in-place
//! updates, convergence (an empty plan and no write call the second time), drift made
//! behind wharf's back, a changed logo file, prune and its refusals, and which calls are
//! made at all. Every call goes through the counting interceptor that `--stats` uses.

#[path = "support/ledger_mock.rs"]
mod ledger_mock;
#[path = "support/quiet_account.rs"]
mod quiet_account;

use aws_sdk_ecrpublic::error::ErrorMetadata;
use aws_sdk_ecrpublic::operation::create_repository::{
    CreateRepositoryError, CreateRepositoryOutput,
};
use aws_sdk_ecrpublic::operation::delete_repository::{
    DeleteRepositoryError, DeleteRepositoryOutput,
};
use aws_sdk_ecrpublic::operation::delete_repository_policy::{
    DeleteRepositoryPolicyError, DeleteRepositoryPolicyOutput,
};
use aws_sdk_ecrpublic::operation::describe_images::DescribeImagesOutput;
use aws_sdk_ecrpublic::operation::describe_repositories::{
    DescribeRepositoriesError, DescribeRepositoriesOutput,
};
use aws_sdk_ecrpublic::operation::get_repository_catalog_data::GetRepositoryCatalogDataOutput;
use aws_sdk_ecrpublic::operation::get_repository_policy::{
    GetRepositoryPolicyError, GetRepositoryPolicyOutput,
};
use aws_sdk_ecrpublic::operation::list_tags_for_resource::ListTagsForResourceOutput;
use aws_sdk_ecrpublic::operation::put_repository_catalog_data::PutRepositoryCatalogDataOutput;
use aws_sdk_ecrpublic::operation::set_repository_policy::SetRepositoryPolicyOutput;
use aws_sdk_ecrpublic::operation::tag_resource::TagResourceOutput;
use aws_sdk_ecrpublic::operation::untag_resource::UntagResourceOutput;
use aws_sdk_ecrpublic::types::error::{
    RepositoryAlreadyExistsException, RepositoryNotEmptyException, RepositoryNotFoundException,
    RepositoryPolicyNotFoundException,
};
use aws_sdk_ecrpublic::types::{ImageDetail, Repository, RepositoryCatalogData, Tag};
use aws_smithy_mocks::{MockResponse, Rule, RuleMode, mock, mock_client};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use wharf::aws::stats::{CallStats, CountingInterceptor};
use wharf::aws::{Aws, ConnectOptions};
use wharf::kinds::common::Adoption;
use wharf::kinds::public_repository;
use wharf::manifest::{LoadedManifest, Variables, load};
use wharf::ops::apply::{self, ApplyOptions, ApplySettings, Outcome};
use wharf::plan::build::PlanOptions;
use wharf::plan::{ChangeAction, Plan};

const ACCOUNT: &str = "123456789012";
const PNG_A: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR logo A";
const PNG_B: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR logo B";
const JPEG_C: &[u8] = b"\xff\xd8\xff\xe0\0\x10JFIF logo C";

/// One repository of the in-memory public registry.
#[derive(Clone, Debug, Default, PartialEq)]
struct Repo {
    description: Option<String>,
    about_text: Option<String>,
    usage_text: Option<String>,
    architectures: Vec<String>,
    operating_systems: Vec<String>,
    logo: Option<Vec<u8>>,
    policy: Option<String>,
    tags: BTreeMap<String, String>,
    images: usize,
}

type Registry = Arc<Mutex<BTreeMap<String, Repo>>>;

fn arn(name: &str) -> String {
    format!("arn:aws:ecr-public::{ACCOUNT}:repository/{name}")
}

fn name_of(arn: &str) -> String {
    arn.rsplit_once(":repository/")
        .map(|(_, n)| n.to_string())
        .unwrap_or_default()
}

fn repository(name: &str) -> Repository {
    Repository::builder()
        .repository_name(name)
        .repository_arn(arn(name))
        .repository_uri(format!("public.ecr.aws/a1b2c3d4/{name}"))
        .registry_id(ACCOUNT)
        .build()
}

/// AWS sets the error code on every error it returns; wharf reads absence from it.
fn meta(code: &str) -> ErrorMetadata {
    ErrorMetadata::builder()
        .code(code)
        .message(format!("{code} (mock)"))
        .build()
}

fn text(value: Option<&str>) -> Option<String> {
    value.filter(|v| !v.is_empty()).map(str::to_string)
}

fn tag_map(tags: &[Tag]) -> BTreeMap<String, String> {
    tags.iter()
        .map(|t| {
            (
                t.key().unwrap_or_default().to_string(),
                t.value().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// The mock rules: each reads or changes the shared registry, as ECR Public would.
fn rules(registry: &Registry) -> Vec<Rule> {
    let r = registry.clone();
    let describe = mock!(aws_sdk_ecrpublic::Client::describe_repositories).then_compute_response(
        move |input| {
            let repos = r.lock().unwrap();
            let names = input.repository_names();
            if names.iter().any(|n| !repos.contains_key(n)) {
                return MockResponse::Error(
                    DescribeRepositoriesError::RepositoryNotFoundException(
                        RepositoryNotFoundException::builder()
                            .meta(meta("RepositoryNotFoundException"))
                            .build(),
                    ),
                );
            }
            let listed = repos
                .keys()
                .filter(|n| names.is_empty() || names.contains(n))
                .map(|n| repository(n))
                .collect();
            MockResponse::Output(
                DescribeRepositoriesOutput::builder()
                    .set_repositories(Some(listed))
                    .build(),
            )
        },
    );
    let r = registry.clone();
    let list_tags = mock!(aws_sdk_ecrpublic::Client::list_tags_for_resource).then_compute_output(
        move |input| {
            let repos = r.lock().unwrap();
            let tags = repos[&name_of(input.resource_arn().unwrap_or_default())]
                .tags
                .iter()
                .map(|(k, v)| Tag::builder().key(k).value(v).build())
                .collect();
            ListTagsForResourceOutput::builder()
                .set_tags(Some(tags))
                .build()
        },
    );
    let r = registry.clone();
    let get_catalog = mock!(aws_sdk_ecrpublic::Client::get_repository_catalog_data)
        .then_compute_output(move |input| {
            let repos = r.lock().unwrap();
            let repo = &repos[input.repository_name().unwrap_or_default()];
            GetRepositoryCatalogDataOutput::builder()
                .catalog_data(
                    RepositoryCatalogData::builder()
                        .set_description(repo.description.clone())
                        .set_about_text(repo.about_text.clone())
                        .set_usage_text(repo.usage_text.clone())
                        .set_architectures(Some(repo.architectures.clone()))
                        .set_operating_systems(Some(repo.operating_systems.clone()))
                        .set_logo_url(
                            repo.logo.as_ref().map(|_| {
                                "https://d2c7nqs3yrdqkr.cloudfront.net/logo.png".to_string()
                            }),
                        )
                        .marketplace_certified(false)
                        .build(),
                )
                .build()
        });
    let r = registry.clone();
    let get_policy = mock!(aws_sdk_ecrpublic::Client::get_repository_policy).then_compute_response(
        move |input| {
            let repos = r.lock().unwrap();
            let name = input.repository_name().unwrap_or_default();
            match &repos[name].policy {
                Some(text) => MockResponse::Output(
                    GetRepositoryPolicyOutput::builder()
                        .repository_name(name)
                        .policy_text(text)
                        .build(),
                ),
                None => MockResponse::Error(
                    GetRepositoryPolicyError::RepositoryPolicyNotFoundException(
                        RepositoryPolicyNotFoundException::builder()
                            .meta(meta("RepositoryPolicyNotFoundException"))
                            .build(),
                    ),
                ),
            }
        },
    );
    let r = registry.clone();
    let describe_images =
        mock!(aws_sdk_ecrpublic::Client::describe_images).then_compute_output(move |input| {
            let repos = r.lock().unwrap();
            let count = repos[input.repository_name().unwrap_or_default()].images;
            DescribeImagesOutput::builder()
                .set_image_details(Some(
                    (0..count)
                        .map(|i| {
                            ImageDetail::builder()
                                .image_digest(format!("sha256:{i:064x}"))
                                .build()
                        })
                        .collect(),
                ))
                .build()
        });
    let r = registry.clone();
    let create =
        mock!(aws_sdk_ecrpublic::Client::create_repository).then_compute_response(move |input| {
            let mut repos = r.lock().unwrap();
            let name = input.repository_name().unwrap_or_default().to_string();
            if repos.contains_key(&name) {
                return MockResponse::Error(
                    CreateRepositoryError::RepositoryAlreadyExistsException(
                        RepositoryAlreadyExistsException::builder()
                            .meta(meta("RepositoryAlreadyExistsException"))
                            .build(),
                    ),
                );
            }
            let mut repo = Repo {
                tags: tag_map(input.tags()),
                ..Repo::default()
            };
            if let Some(c) = input.catalog_data() {
                repo.description = text(c.description());
                repo.about_text = text(c.about_text());
                repo.usage_text = text(c.usage_text());
                repo.architectures = c.architectures().to_vec();
                repo.operating_systems = c.operating_systems().to_vec();
                repo.logo = c.logo_image_blob().map(|b| b.as_ref().to_vec());
            }
            repos.insert(name.clone(), repo);
            MockResponse::Output(
                CreateRepositoryOutput::builder()
                    .repository(repository(&name))
                    .build(),
            )
        });
    let r = registry.clone();
    let put_catalog = mock!(aws_sdk_ecrpublic::Client::put_repository_catalog_data)
        .then_compute_output(move |input| {
            let mut repos = r.lock().unwrap();
            let repo = repos
                .get_mut(input.repository_name().unwrap_or_default())
                .expect("exists");
            let c = input.catalog_data().expect("catalogData is required");
            repo.description = text(c.description());
            repo.about_text = text(c.about_text());
            repo.usage_text = text(c.usage_text());
            repo.architectures = c.architectures().to_vec();
            repo.operating_systems = c.operating_systems().to_vec();
            match c.logo_image_blob().map(|b| b.as_ref().to_vec()) {
                Some(bytes) if bytes.is_empty() => repo.logo = None,
                Some(bytes) => repo.logo = Some(bytes),
                None => {}
            }
            PutRepositoryCatalogDataOutput::builder().build()
        });
    let r = registry.clone();
    let set_policy =
        mock!(aws_sdk_ecrpublic::Client::set_repository_policy).then_compute_output(move |input| {
            let mut repos = r.lock().unwrap();
            let repo = repos
                .get_mut(input.repository_name().unwrap_or_default())
                .expect("exists");
            repo.policy = input.policy_text().map(str::to_string);
            SetRepositoryPolicyOutput::builder().build()
        });
    let r = registry.clone();
    let delete_policy = mock!(aws_sdk_ecrpublic::Client::delete_repository_policy)
        .then_compute_response(move |input| {
            let mut repos = r.lock().unwrap();
            let repo = repos
                .get_mut(input.repository_name().unwrap_or_default())
                .expect("exists");
            match repo.policy.take() {
                Some(_) => MockResponse::Output(DeleteRepositoryPolicyOutput::builder().build()),
                None => MockResponse::Error(
                    DeleteRepositoryPolicyError::RepositoryPolicyNotFoundException(
                        RepositoryPolicyNotFoundException::builder()
                            .meta(meta("RepositoryPolicyNotFoundException"))
                            .build(),
                    ),
                ),
            }
        });
    let r = registry.clone();
    let tag = mock!(aws_sdk_ecrpublic::Client::tag_resource).then_compute_output(move |input| {
        let mut repos = r.lock().unwrap();
        let repo = repos
            .get_mut(&name_of(input.resource_arn().unwrap_or_default()))
            .expect("exists");
        repo.tags.extend(tag_map(input.tags()));
        TagResourceOutput::builder().build()
    });
    let r = registry.clone();
    let untag =
        mock!(aws_sdk_ecrpublic::Client::untag_resource).then_compute_output(move |input| {
            let mut repos = r.lock().unwrap();
            let repo = repos
                .get_mut(&name_of(input.resource_arn().unwrap_or_default()))
                .expect("exists");
            for key in input.tag_keys() {
                repo.tags.remove(key);
            }
            UntagResourceOutput::builder().build()
        });
    let r = registry.clone();
    let delete =
        mock!(aws_sdk_ecrpublic::Client::delete_repository).then_compute_response(move |input| {
            let mut repos = r.lock().unwrap();
            let name = input.repository_name().unwrap_or_default();
            if repos[name].images > 0 && input.force() != Some(true) {
                return MockResponse::Error(DeleteRepositoryError::RepositoryNotEmptyException(
                    RepositoryNotEmptyException::builder()
                        .meta(meta("RepositoryNotEmptyException"))
                        .build(),
                ));
            }
            repos.remove(name);
            MockResponse::Output(
                DeleteRepositoryOutput::builder()
                    .repository(repository(name))
                    .build(),
            )
        });
    vec![
        describe,
        list_tags,
        get_catalog,
        get_policy,
        describe_images,
        create,
        put_catalog,
        set_policy,
        delete_policy,
        tag,
        untag,
        delete,
    ]
}

/// Clients for one test: ECR Public is the in-memory registry; the rest of the account
/// holds nothing (an empty ownership ledger, no repositories, roles or clusters). Any
/// other call fails, as does any ECR Public call the rules do not cover.
fn aws_with(ecr_public: aws_sdk_ecrpublic::Client, stats: Arc<CallStats>) -> Aws {
    Aws {
        ecr: mock_client!(
            aws_sdk_ecr,
            RuleMode::MatchAny,
            [&quiet_account::no_repositories()]
        ),
        iam: quiet_account::iam(),
        ecs: quiet_account::ecs(),
        autoscaling: mock_client!(aws_sdk_applicationautoscaling, []),
        kms: mock_client!(aws_sdk_kms, []),
        sts: quiet_account::sts(),
        ssm: ledger_mock::ledger(None).client(),
        ecr_public,
        inspector: mock_client!(aws_sdk_inspector2, []),
        stats,
        region: "eu-west-1".into(),
    }
}

struct Fake {
    registry: Registry,
    aws: Aws,
}

impl Fake {
    fn new(repos: Vec<(&str, Repo)>) -> Self {
        let registry: Registry = Arc::new(Mutex::new(
            repos.into_iter().map(|(n, r)| (n.to_string(), r)).collect(),
        ));
        let rules = rules(&registry);
        let stats = Arc::new(CallStats::default());
        let counter = stats.clone();
        let client = mock_client!(aws_sdk_ecrpublic, RuleMode::MatchAny, &rules, move |c| {
            c.interceptor(CountingInterceptor::new(counter.clone()))
        });
        Fake {
            registry,
            aws: aws_with(client, stats),
        }
    }

    fn repo(&self, name: &str) -> Option<Repo> {
        self.registry.lock().unwrap().get(name).cloned()
    }

    fn change(&self, name: &str, f: impl FnOnce(&mut Repo)) {
        f(self.registry.lock().unwrap().get_mut(name).expect("exists"));
    }

    fn calls(&self, operation: &str) -> u64 {
        self.aws
            .stats
            .snapshot()
            .get(operation)
            .copied()
            .unwrap_or(0)
    }

    fn writes(&self) -> u64 {
        self.aws.stats.writes()
    }
}

fn owned(tags: &[(&str, &str)]) -> Repo {
    let mut all: BTreeMap<String, String> = tags
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    all.insert("wharf:stack".into(), "shop".into());
    Repo {
        tags: all,
        ..Repo::default()
    }
}

/// A manifest in its own directory (logo paths are relative to it), loaded as the
/// command layer loads it.
struct Workspace {
    dir: tempfile::TempDir,
}

impl Workspace {
    fn new() -> Self {
        Workspace {
            dir: tempfile::tempdir().expect("a temp dir"),
        }
    }

    fn write(&self, file: &str, bytes: &[u8]) {
        std::fs::write(self.dir.path().join(file), bytes).expect("write");
    }

    fn load(&self, body: &str) -> LoadedManifest {
        let path = self.dir.path().join("wharf.yaml");
        let src = format!("version: 1\nstack: shop\n{body}");
        std::fs::write(&path, &src).expect("write");
        match load(&path.display().to_string(), &src, &Variables::default()) {
            Ok(loaded) => loaded,
            Err(failure) => panic!("{src}\n{:#?}", failure.diagnostics),
        }
    }

    fn path(&self, file: &str) -> String {
        self.dir.path().join(file).display().to_string()
    }
}

/// Plans through the pipeline the binary runs (`ops::plan`): ECR Public read through
/// the SDK, the logo files from disk, the rest of the account empty.
async fn plan(fake: &Fake, loaded: &LoadedManifest, prune: bool) -> Plan {
    let options = PlanOptions {
        prune,
        targets: vec![],
        without_previews: false,
    };
    let (planned, _) = wharf::ops::plan::plan(&fake.aws, loaded, &options, Adoption::Refuse)
        .await
        .expect("read");
    planned.expect("no conflicts")
}

async fn apply_ok(fake: &Fake, plan: &Plan) {
    let report = apply::apply(&fake.aws, plan, &ApplySettings::default(), &|_| {}).await;
    assert!(!report.failed(), "{report:#?}");
    assert!(
        report
            .steps
            .iter()
            .all(|s| matches!(s.outcome, Outcome::Done)),
        "{report:#?}"
    );
}

/// Applying again from what AWS now holds plans nothing and writes nothing.
async fn assert_converged(fake: &Fake, loaded: &LoadedManifest, prune: bool) {
    let writes = fake.writes();
    let again = plan(fake, loaded, prune).await;
    assert!(again.is_empty(), "not converged: {:#?}", again.changes);
    apply_ok(fake, &again).await;
    assert_eq!(fake.writes(), writes, "{}", fake.aws.stats.summary());
}

fn paths(plan: &Plan, address: &str) -> Vec<String> {
    plan.changes
        .iter()
        .find(|c| c.address == address)
        .unwrap_or_else(|| panic!("no change for {address}: {:#?}", plan.changes))
        .fields
        .iter()
        .map(|f| f.path.clone())
        .collect()
}

const CLI: &str = "ecr.public_repository.shop-cli";

#[tokio::test]
async fn a_declared_repository_is_created_with_catalog_logo_policy_and_tags() {
    let fake = Fake::new(vec![]);
    let ws = Workspace::new();
    ws.write("logo.png", PNG_A);
    let loaded = ws.load(concat!(
        "defaults:\n  tags: { team: shop }\n",
        "publicRepositories:\n",
        "  shop-cli:\n",
        "    description: The shop CLI\n",
        "    usageText: \"docker pull public.ecr.aws/shop/shop-cli\"\n",
        "    architectures: [x86-64, ARM 64]\n",
        "    operatingSystems: [Linux]\n",
        "    logo: logo.png\n",
        "    pull: { accounts: [\"210987654321\"] }\n",
        "    tags: { app: cli }\n",
    ));
    let first = plan(&fake, &loaded, false).await;
    assert_eq!(first.changes.len(), 1);
    assert_eq!(first.changes[0].action, ChangeAction::Create);
    apply_ok(&fake, &first).await;

    let repo = fake.repo("shop-cli").expect("created");
    assert_eq!(repo.description.as_deref(), Some("The shop CLI"));
    assert_eq!(repo.architectures, ["x86-64", "ARM 64"]);
    assert_eq!(repo.operating_systems, ["Linux"]);
    assert_eq!(repo.logo.as_deref(), Some(PNG_A));
    assert_eq!(
        repo.tags,
        BTreeMap::from([
            ("app".to_string(), "cli".to_string()),
            ("team".to_string(), "shop".to_string()),
            (
                "wharf:logo-sha256".to_string(),
                wharf::logo::sha256_hex(PNG_A)
            ),
            ("wharf:stack".to_string(), "shop".to_string()),
        ])
    );
    let policy: serde_json::Value =
        serde_json::from_str(repo.policy.as_deref().expect("a policy")).expect("JSON");
    assert_eq!(
        policy["Statement"][0]["Principal"]["AWS"],
        serde_json::json!(["arn:aws:iam::210987654321:root"])
    );
    assert_eq!(
        policy["Statement"][0]["Action"],
        serde_json::json!([
            "ecr-public:BatchCheckLayerAvailability",
            "ecr-public:DescribeImageTags",
            "ecr-public:DescribeImages"
        ])
    );
    assert_eq!(fake.calls("CreateRepository"), 1);
    assert_eq!(fake.calls("SetRepositoryPolicy"), 1);
    assert_eq!(fake.writes(), 2, "{}", fake.aws.stats.summary());
    assert_converged(&fake, &loaded, false).await;
}

#[tokio::test]
async fn catalog_data_policy_and_tags_are_updated_in_place() {
    let mut before = owned(&[("app", "old"), ("owner", "someone")]);
    before.description = Some("old".into());
    before.about_text = Some("# old".into());
    before.architectures = vec!["x86-64".into()];
    before.policy = Some(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"ecr-public:PutImage"}]}"#.into(),
    );
    let fake = Fake::new(vec![("shop-cli", before)]);
    let ws = Workspace::new();
    let loaded = ws.load(concat!(
        "publicRepositories:\n",
        "  shop-cli:\n",
        "    description: new\n",
        "    architectures: [x86-64, ARM 64]\n",
        "    pull: { accounts: [\"210987654321\"] }\n",
        "    tags: { app: cli }\n",
    ));
    let first = plan(&fake, &loaded, false).await;
    assert_eq!(first.changes.len(), 1);
    let change = &first.changes[0];
    assert_eq!(change.action, ChangeAction::Update);
    assert_eq!(
        paths(&first, CLI),
        [
            "description",
            "aboutText",
            "architectures",
            "policy",
            "tags.app",
            "tags.owner"
        ]
    );
    assert_eq!(
        change.reason,
        "description, aboutText, architectures, policy, tags differ"
    );
    apply_ok(&fake, &first).await;
    let repo = fake.repo("shop-cli").expect("exists");
    assert_eq!(repo.description.as_deref(), Some("new"));
    assert_eq!(repo.about_text, None, "a field left out is cleared");
    assert_eq!(
        repo.tags,
        BTreeMap::from([
            ("app".to_string(), "cli".to_string()),
            ("wharf:stack".to_string(), "shop".to_string()),
        ])
    );
    for op in [
        "PutRepositoryCatalogData",
        "SetRepositoryPolicy",
        "UntagResource",
        "TagResource",
    ] {
        assert_eq!(fake.calls(op), 1, "{op}: {}", fake.aws.stats.summary());
    }
    assert_eq!(fake.calls("CreateRepository"), 0);
    assert_converged(&fake, &loaded, false).await;

    // Dropping pull and policy deletes the repository policy.
    let bare = ws.load("publicRepositories:\n  shop-cli:\n    description: new\n    architectures: [x86-64, ARM 64]\n    tags: { app: cli }\n");
    let second = plan(&fake, &bare, false).await;
    assert_eq!(paths(&second, CLI), ["policy"]);
    apply_ok(&fake, &second).await;
    assert_eq!(fake.repo("shop-cli").expect("exists").policy, None);
    assert_eq!(fake.calls("DeleteRepositoryPolicy"), 1);
    assert_converged(&fake, &bare, false).await;
}

#[tokio::test]
async fn drift_made_behind_wharfs_back_is_named_by_field() {
    let fake = Fake::new(vec![]);
    let ws = Workspace::new();
    ws.write("logo.png", PNG_A);
    let loaded = ws.load(concat!(
        "publicRepositories:\n",
        "  shop-cli:\n",
        "    description: The shop CLI\n",
        "    operatingSystems: [Linux]\n",
        "    logo: logo.png\n",
        "    pull: { accounts: [\"210987654321\"] }\n",
    ));
    apply_ok(&fake, &plan(&fake, &loaded, true).await).await;
    assert_converged(&fake, &loaded, true).await;

    // Someone edits the repository in the console.
    fake.change("shop-cli", |repo| {
        repo.description = Some("edited in the console".into());
        repo.usage_text = Some("added in the console".into());
        repo.operating_systems.push("Windows".into());
        repo.policy = Some(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"ecr-public:*"}]}"#.into());
        repo.tags.insert("cost-center".into(), "42".into());
    });
    let drift = plan(&fake, &loaded, true).await;
    assert_eq!(drift.changes.len(), 1);
    assert_eq!(
        paths(&drift, CLI),
        [
            "description",
            "usageText",
            "operatingSystems",
            "policy",
            "tags.cost-center"
        ]
    );
    let description = &drift.changes[0].fields[0];
    assert_eq!(description.before, "edited in the console");
    assert_eq!(description.after, "The shop CLI");
    // The logo was not touched, and the digest tag is not user tag drift.
    apply_ok(&fake, &drift).await;
    let repo = fake.repo("shop-cli").expect("exists");
    assert_eq!(repo.operating_systems, ["Linux"]);
    assert_eq!(repo.usage_text, None);
    assert_eq!(
        repo.logo.as_deref(),
        Some(PNG_A),
        "the logo is sent again, unchanged"
    );
    assert_converged(&fake, &loaded, true).await;
}

#[tokio::test]
async fn a_changed_logo_file_is_seen_through_its_digest() {
    let fake = Fake::new(vec![]);
    let ws = Workspace::new();
    ws.write("logo.png", PNG_A);
    let body = "publicRepositories:\n  shop-cli: { description: The shop CLI, logo: logo.png }\n";
    let loaded = ws.load(body);
    apply_ok(&fake, &plan(&fake, &loaded, false).await).await;
    assert_converged(&fake, &loaded, false).await;

    ws.write("logo.png", PNG_B);
    let changed = plan(&fake, &loaded, false).await;
    assert_eq!(paths(&changed, CLI), ["logo"]);
    let field = &changed.changes[0].fields[0];
    assert_eq!(
        field.before,
        format!("sha256:{}", wharf::logo::sha256_hex(PNG_A))
    );
    assert_eq!(
        field.after,
        format!("sha256:{}", wharf::logo::sha256_hex(PNG_B))
    );
    apply_ok(&fake, &changed).await;
    let repo = fake.repo("shop-cli").expect("exists");
    assert_eq!(repo.logo.as_deref(), Some(PNG_B));
    assert_eq!(
        repo.tags.get("wharf:logo-sha256"),
        Some(&wharf::logo::sha256_hex(PNG_B))
    );
    assert_converged(&fake, &loaded, false).await;

    // Dropping the logo from the manifest removes the one wharf uploaded, and its digest.
    let without = ws.load("publicRepositories:\n  shop-cli: { description: The shop CLI }\n");
    let removed = plan(&fake, &without, false).await;
    assert_eq!(paths(&removed, CLI), ["logo"]);
    apply_ok(&fake, &removed).await;
    let repo = fake.repo("shop-cli").expect("exists");
    assert_eq!(repo.logo, None);
    assert_eq!(repo.tags.get("wharf:logo-sha256"), None);
    assert_converged(&fake, &without, false).await;
}

#[tokio::test]
async fn apply_refuses_a_logo_file_that_changed_after_the_plan() {
    let fake = Fake::new(vec![]);
    let ws = Workspace::new();
    ws.write("logo.jpg", JPEG_C);
    let loaded = ws.load("publicRepositories:\n  shop-cli: { logo: logo.jpg }\n");
    let reviewed = plan(&fake, &loaded, false).await;
    ws.write("logo.jpg", PNG_B);
    let report = apply::apply(&fake.aws, &reviewed, &ApplySettings::default(), &|_| {}).await;
    let Outcome::Failed { error, .. } = &report.steps[0].outcome else {
        panic!("{report:#?}");
    };
    assert!(
        error.message.contains(&format!(
            "the logo file `{}` changed since the plan",
            ws.path("logo.jpg")
        )),
        "{error}"
    );
    assert_eq!(fake.writes(), 0, "nothing unreviewed reaches AWS");
    assert_eq!(fake.repo("shop-cli"), None);
}

#[tokio::test]
async fn prune_deletes_owned_repositories_and_leaves_the_others() {
    let mut other_stack = owned(&[]);
    other_stack
        .tags
        .insert("wharf:stack".into(), "billing".into());
    let fake = Fake::new(vec![
        ("shop-cli", owned(&[])),
        ("shop-old", owned(&[])),
        ("unowned", Repo::default()),
        ("billing-cli", other_stack),
    ]);
    let ws = Workspace::new();
    let loaded = ws.load("publicRepositories:\n  shop-cli: {}\n");

    // Without --prune only the declared repository is read, by name.
    let declared_only = plan(&fake, &loaded, false).await;
    assert!(declared_only.is_empty(), "{:#?}", declared_only.changes);
    assert_eq!(fake.calls("DescribeRepositories"), 1);
    assert_eq!(fake.calls("ListTagsForResource"), 1);

    let pruning = plan(&fake, &loaded, true).await;
    assert_eq!(pruning.changes.len(), 1, "{:#?}", pruning.changes);
    let delete = &pruning.changes[0];
    assert_eq!(delete.address, "ecr.public_repository.shop-old");
    assert_eq!(delete.action, ChangeAction::Delete);
    assert_eq!(delete.destroys.as_ref().and_then(|d| d.images), Some(0));
    // An empty repository needs no --allow-delete.
    assert!(apply::refusals(&pruning, ApplyOptions::default()).is_empty());
    apply_ok(&fake, &pruning).await;
    let left: Vec<String> = fake.registry.lock().unwrap().keys().cloned().collect();
    assert_eq!(left, ["billing-cli", "shop-cli", "unowned"]);
    assert_converged(&fake, &loaded, true).await;
}

#[tokio::test]
async fn a_repository_holding_images_is_pruned_only_with_force_delete_and_allow_delete() {
    let mut full = owned(&[]);
    full.images = 3;
    let fake = Fake::new(vec![("shop-old", full)]);
    let ws = Workspace::new();
    let loaded = ws.load("publicRepositories:\n  shop-cli: {}\n");
    let pruning = plan(&fake, &loaded, true).await;
    let delete = pruning
        .changes
        .iter()
        .find(|c| c.action == ChangeAction::Delete)
        .expect("a delete");
    assert_eq!(delete.destroys.as_ref().and_then(|d| d.images), Some(3));
    let all = ApplyOptions {
        allow_replace: true,
        allow_delete: true,
        ..ApplyOptions::default()
    };
    assert_eq!(
        apply::refusals(&pruning, ApplyOptions::default()),
        [
            "ecr.public_repository.shop-old: deleting it destroys 3 images; this needs --allow-delete and forceDelete: true under defaults.repository"
        ]
    );
    assert_eq!(
        apply::refusals(&pruning, all),
        [
            "ecr.public_repository.shop-old: deleting it destroys 3 images; this needs forceDelete: true under defaults.repository"
        ]
    );

    // defaults.repository.forceDelete speaks for pruned repositories, public ones too.
    let forced = ws.load(
        "defaults:\n  repository: { forceDelete: true }\npublicRepositories:\n  shop-cli: {}\n",
    );
    let pruning = plan(&fake, &forced, true).await;
    assert!(apply::refusals(&pruning, all).is_empty());
    apply_ok(&fake, &pruning).await;
    assert_eq!(fake.repo("shop-old"), None);
    assert_eq!(fake.calls("DeleteRepository"), 1);
}

#[tokio::test]
async fn without_the_section_or_with_nothing_to_read_no_ecr_public_call_is_made() {
    // A client without rules: any call would panic.
    let stats = Arc::new(CallStats::default());
    let counter = stats.clone();
    let client = mock_client!(aws_sdk_ecrpublic, RuleMode::MatchAny, [], move |c| {
        c.interceptor(CountingInterceptor::new(counter.clone()))
    });
    let aws = aws_with(client, stats.clone());
    let ws = Workspace::new();
    // (manifest, prune): no section, even when pruning; an empty section when not pruning.
    let cases = [
        ("repositories:\n  shop/web: {}\n", false),
        ("repositories:\n  shop/web: {}\n", true),
        ("publicRepositories: {}\n", false),
    ];
    for (body, prune) in cases {
        let loaded = ws.load(body);
        let read = public_repository::io::read(&aws, &loaded.manifest, prune)
            .await
            .expect("read");
        assert!(read.is_empty());
    }
    assert_eq!(stats.reads() + stats.writes(), 0);
}

#[tokio::test]
async fn an_empty_section_prunes_every_owned_repository() {
    let fake = Fake::new(vec![("shop-old", owned(&[])), ("unowned", Repo::default())]);
    let ws = Workspace::new();
    // Without the section ECR Public is not managed: nothing is read, nothing pruned.
    let unmanaged = ws.load("");
    assert!(plan(&fake, &unmanaged, true).await.is_empty());
    assert_eq!(fake.aws.stats.reads(), 0);

    let managed = ws.load("publicRepositories: {}\n");
    let pruning = plan(&fake, &managed, true).await;
    assert_eq!(pruning.changes.len(), 1, "{:#?}", pruning.changes);
    assert_eq!(pruning.changes[0].address, "ecr.public_repository.shop-old");
    apply_ok(&fake, &pruning).await;
    assert_eq!(fake.repo("shop-old"), None);
    assert!(fake.repo("unowned").is_some());
    assert_converged(&fake, &managed, true).await;
}

#[tokio::test]
async fn an_existing_repository_without_the_ownership_tag_is_a_conflict() {
    let fake = Fake::new(vec![("shop-cli", Repo::default())]);
    let ws = Workspace::new();
    let loaded = ws.load("publicRepositories:\n  shop-cli: {}\n");
    let (planned, _) = wharf::ops::plan::plan(
        &fake.aws,
        &loaded,
        &PlanOptions::default(),
        Adoption::Refuse,
    )
    .await
    .expect("read");
    let conflicts = planned.expect_err("a conflict");
    assert_eq!(conflicts[0].address, CLI);
    assert!(
        conflicts[0]
            .hint
            .contains("aws ecr-public tag-resource --region us-east-1"),
        "{:?}",
        conflicts[0]
    );
}

#[tokio::test]
async fn the_ecr_public_client_is_built_for_us_east_1_whatever_the_region() {
    let aws = Aws::connect(&ConnectOptions {
        region: Some("eu-west-1".into()),
        profile: None,
        endpoint_url: None,
        assume: None,
    })
    .await
    .expect("connects without calling AWS");
    assert_eq!(aws.region, "eu-west-1");
    let region = |r: Option<&aws_config::Region>| r.map(|r| r.as_ref().to_string());
    assert_eq!(
        region(aws.ecr_public.config().region()).as_deref(),
        Some("us-east-1")
    );
    assert_eq!(
        region(aws.ecr.config().region()).as_deref(),
        Some("eu-west-1")
    );
    assert_eq!(wharf::aws::ECR_PUBLIC_REGION, "us-east-1");
}
