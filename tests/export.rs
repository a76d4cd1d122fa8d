//! Adoption end to end, against a private moto server per test (tests/common/mod.rs):
//! resources built by hand through the SDK, `wharf export` writes their manifest, the
//! manifest validates, `plan --adopt` shows nothing but the ownership tag on each of
//! them, `apply --adopt` adds it, and then the stack is converged (an empty plan, a
//! second apply with zero writes). Also: unowned resources stay refused without
//! `--adopt`, another stack's are refused even with it, and an adopted resource's real
//! differences are planned with the tag.
//!
//! Run: `WHARF_MOTO_SERVER=.venv/bin/moto_server cargo test --test export`.

mod common;

use aws_sdk_ecs::types::{
    AwsVpcConfiguration, ClusterSetting, ClusterSettingName, Compatibility, ContainerDefinition,
    KeyValuePair, LaunchType, NetworkConfiguration, NetworkMode, PortMapping,
};
use common::{Moto, change_at, yaml};
use serde_json::{Value, json};

const OWNERSHIP_TAG: &str = "wharf:stack";
const EXECUTION_POLICY: &str =
    "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy";

// ---- building by hand ----

fn ecr_tags(pairs: &[(&str, &str)]) -> Option<Vec<aws_sdk_ecr::types::Tag>> {
    Some(
        pairs
            .iter()
            .map(|(k, v)| {
                aws_sdk_ecr::types::Tag::builder()
                    .key(*k)
                    .value(*v)
                    .build()
                    .unwrap()
            })
            .collect(),
    )
}

fn ecs_tags(pairs: &[(&str, &str)]) -> Option<Vec<aws_sdk_ecs::types::Tag>> {
    Some(
        pairs
            .iter()
            .map(|(k, v)| aws_sdk_ecs::types::Tag::builder().key(*k).value(*v).build())
            .collect(),
    )
}

fn iam_tags(pairs: &[(&str, &str)]) -> Option<Vec<aws_sdk_iam::types::Tag>> {
    Some(
        pairs
            .iter()
            .map(|(k, v)| {
                aws_sdk_iam::types::Tag::builder()
                    .key(*k)
                    .value(*v)
                    .build()
                    .unwrap()
            })
            .collect(),
    )
}

/// Repositories as a team makes them in the console: one with every setting, one bare,
/// one with a policy only the raw form can say. (moto accepts no lifecycle rule the short
/// form cannot say; `export::lifecycle`'s unit tests cover those.)
async fn hand_made_repositories(moto: &Moto) {
    let ecr = moto.ecr().await;
    ecr.create_repository()
        .repository_name("shop/web")
        .image_tag_mutability(aws_sdk_ecr::types::ImageTagMutability::Immutable)
        .image_scanning_configuration(
            aws_sdk_ecr::types::ImageScanningConfiguration::builder()
                .scan_on_push(true)
                .build(),
        )
        .set_tags(ecr_tags(&[("team", "shop"), ("app", "web")]))
        .send()
        .await
        .expect("CreateRepository shop/web");
    ecr.put_lifecycle_policy()
        .repository_name("shop/web")
        .lifecycle_policy_text(
            json!({"rules": [
                {"rulePriority": 1, "description": "drop untagged images after 14 days",
                 "selection": {"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days", "countNumber": 14},
                 "action": {"type": "expire"}},
                {"rulePriority": 2, "description": "keep the 30 newest releases",
                 "selection": {"tagStatus": "tagged", "tagPrefixList": ["v"], "countType": "imageCountMoreThan", "countNumber": 30},
                 "action": {"type": "expire"}}]})
            .to_string(),
        )
        .send()
        .await
        .expect("PutLifecyclePolicy shop/web");
    ecr.set_repository_policy()
        .repository_name("shop/web")
        .policy_text(
            json!({"Version": "2012-10-17", "Statement": [{
                "Sid": "WharfPull", "Effect": "Allow",
                "Principal": {"AWS": ["arn:aws:iam::111122223333:root", "arn:aws:iam::123456789012:role/task-execution"]},
                "Action": ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]}]})
            .to_string(),
        )
        .send()
        .await
        .expect("SetRepositoryPolicy shop/web");
    ecr.create_repository()
        .repository_name("shop/plain")
        .send()
        .await
        .expect("CreateRepository shop/plain");
    ecr.create_repository()
        .repository_name("shop/raw")
        .set_tags(ecr_tags(&[("team", "shop")]))
        .send()
        .await
        .expect("CreateRepository shop/raw");
    ecr.set_repository_policy()
        .repository_name("shop/raw")
        .policy_text(
            json!({"Version": "2012-10-17", "Statement": [{
                "Sid": "AllowPull", "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]}]})
            .to_string(),
        )
        .send()
        .await
        .expect("SetRepositoryPolicy shop/raw");
}

async fn hand_made_roles(moto: &Moto) {
    let iam = moto.iam().await;
    iam.create_role()
        .role_name("task-execution")
        .assume_role_policy_document(
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
            .to_string(),
        )
        .description("pulls the shop's images")
        .set_tags(iam_tags(&[("team", "shop")]))
        .send()
        .await
        .expect("CreateRole task-execution");
    iam.attach_role_policy()
        .role_name("task-execution")
        .policy_arn(EXECUTION_POLICY)
        .send()
        .await
        .expect("AttachRolePolicy");
    iam.put_role_policy()
        .role_name("task-execution")
        .policy_name("logs")
        .policy_document(
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Resource": "*"}]})
            .to_string(),
        )
        .send()
        .await
        .expect("PutRolePolicy");
    iam.create_role()
        .role_name("deploy")
        .path("/ci/")
        .max_session_duration(7200)
        .assume_role_policy_document(
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"sts:ExternalId": "shop"}}}]})
            .to_string(),
        )
        .send()
        .await
        .expect("CreateRole deploy");
}

async fn hand_made_cluster(moto: &Moto) {
    moto.ecs()
        .await
        .create_cluster()
        .cluster_name("shop")
        .settings(
            ClusterSetting::builder()
                .name(ClusterSettingName::ContainerInsights)
                .value("enabled")
                .build(),
        )
        .set_tags(ecs_tags(&[("team", "shop")]))
        .send()
        .await
        .expect("CreateCluster");
}

async fn hand_made_task_definition(moto: &Moto) {
    moto.ecs()
        .await
        .register_task_definition()
        .family("web")
        .cpu("256")
        .memory("512")
        .network_mode(NetworkMode::Awsvpc)
        .requires_compatibilities(Compatibility::Fargate)
        .execution_role_arn("arn:aws:iam::123456789012:role/task-execution")
        .container_definitions(
            ContainerDefinition::builder()
                .name("web")
                .image("123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/web:v1")
                .port_mappings(PortMapping::builder().container_port(8080).build())
                .environment(
                    KeyValuePair::builder()
                        .name("LOG_LEVEL")
                        .value("info")
                        .build(),
                )
                .environment(
                    KeyValuePair::builder()
                        .name("GREETING")
                        .value("hello ${USER}")
                        .build(),
                )
                .build(),
        )
        .set_tags(ecs_tags(&[("team", "shop")]))
        .send()
        .await
        .expect("RegisterTaskDefinition");
}

async fn hand_made_service(moto: &Moto) {
    let (subnet, group) = moto.default_network();
    moto.ecs()
        .await
        .create_service()
        .cluster("shop")
        .service_name("web")
        .task_definition("web")
        .desired_count(2)
        .launch_type(LaunchType::Fargate)
        .network_configuration(
            NetworkConfiguration::builder()
                .awsvpc_configuration(
                    AwsVpcConfiguration::builder()
                        .subnets(subnet)
                        .security_groups(group)
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .set_tags(ecs_tags(&[("team", "shop")]))
        .send()
        .await
        .expect("CreateService");
}

// ---- plan JSON ----

fn changes(plan: &Value) -> &Vec<Value> {
    plan["changes"].as_array().expect("changes")
}

fn addresses(plan: &Value) -> Vec<String> {
    let mut out: Vec<String> = changes(plan)
        .iter()
        .map(|c| c["address"].as_str().unwrap().to_string())
        .collect();
    out.sort();
    out
}

/// Every change adds the ownership tag and nothing else.
fn assert_only_ownership_tags(plan: &Value) {
    for change in changes(plan) {
        assert_eq!(change["action"], "update", "{change:#}");
        assert_eq!(
            change["reasonCode"], "adopt-because-not-owned",
            "{change:#}"
        );
        assert_eq!(
            change["fields"],
            json!([{"path": format!("tags.{OWNERSHIP_TAG}"), "before": null, "after": "shop"}]),
            "{change:#}"
        );
        assert!(
            change["reason"]
                .as_str()
                .is_some_and(|r| r.starts_with("adopt:")),
            "{change:#}"
        );
    }
}

fn read_back(moto: &Moto) -> String {
    std::fs::read_to_string(moto.dir.path().join("wharf.yaml")).expect("the exported manifest")
}

#[tokio::test(flavor = "multi_thread")]
async fn an_exported_stack_adopts_with_nothing_but_ownership_tags_then_converges() {
    let moto = Moto::start();
    // Roles first: the repository policy names one.
    hand_made_roles(&moto).await;
    hand_made_repositories(&moto).await;
    hand_made_cluster(&moto).await;
    hand_made_task_definition(&moto).await;
    hand_made_service(&moto).await;

    let out = moto.expect(
        &[
            "export",
            "--stack",
            "shop",
            "--repositories",
            "shop/*",
            "--roles",
            "task-execution",
            "--roles",
            "deploy",
            "--clusters",
            "shop",
            "--task-definitions",
            "web",
            "--services",
            "web",
            "--cluster",
            "shop",
            "-o",
            "wharf.yaml",
        ],
        0,
    );
    assert!(out.contains("Wrote wharf.yaml"), "{out}");
    let text = read_back(&moto);
    assert!(
        text.starts_with("# yaml-language-server: $schema=wharf.schema.json\n"),
        "{text}"
    );
    // Minimal: AWS's defaults are not written, documents take the short forms.
    for absent in [
        "imageTagMutability: MUTABLE",
        "AES256",
        "scanOnPush: false",
        "maxSessionDuration: 3600",
        "wharf:stack:",
    ] {
        assert!(!text.contains(absent), "`{absent}` in\n{text}");
    }
    for present in [
        "lifecycle:",
        "pull:",
        "roles:\n      - task-execution",
        "assumedBy:",
        "assumeRolePolicy:",
        "executionRole: task-execution",
        "repository: shop/web",
        "taskDefinition: web",
        "hello $${USER}",
    ] {
        assert!(text.contains(present), "no `{present}` in\n{text}");
    }
    let validated = moto.expect(&["validate"], 0);
    assert!(
        validated.contains(
            "2 roles, 0 registry settings, 0 pull through cache rules, 0 creation templates, 3 repositories, 0 public repositories, 0 capacity providers, 1 cluster, 0 managed instances providers, 1 task definition, 1 service, 0 autoscaled services"
        ),
        "{validated}"
    );

    // Without --adopt the hand-made resources are refused, and the hint names --adopt.
    let (code, stdout, stderr) = moto.run(&["plan"]);
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    assert!(stderr.contains("--adopt"), "{stderr}");

    let plan = moto.plan_json(&["--adopt"]);
    assert_eq!(
        addresses(&plan),
        vec![
            "ecr.repository.shop/plain",
            "ecr.repository.shop/raw",
            "ecr.repository.shop/web",
            "ecs.cluster.shop",
            "ecs.service.web",
            "ecs.task_definition.web",
            "iam.role.deploy",
            "iam.role.task-execution",
        ]
    );
    assert_only_ownership_tags(&plan);
    assert_eq!(
        plan["summary"],
        json!({"create": 0, "update": 8, "replace": 0, "delete": 0})
    );

    assert_eq!(moto.apply(&["--adopt"]), 8, "one tag call per resource");
    moto.assert_converged();
    moto.expect(&["drift"], 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_exported_manifest_is_minimal() {
    let moto = Moto::start();
    hand_made_roles(&moto).await;
    hand_made_repositories(&moto).await;
    hand_made_cluster(&moto).await;
    hand_made_task_definition(&moto).await;
    // Names and documents are fixed; the service (random subnet ids) is left out here.
    let stdout = moto.expect(
        &[
            "export",
            "--stack",
            "shop",
            "--repositories",
            "shop/*",
            "--roles",
            "*",
            "--clusters",
            "*",
            "--task-definitions",
            "*",
            "--schema",
            "../schemas/wharf.schema.json",
        ],
        0,
    );
    insta::assert_snapshot!(stdout);
}

#[tokio::test(flavor = "multi_thread")]
async fn export_leaves_out_another_stacks_resources_and_says_so() {
    let moto = Moto::start();
    let ecr = moto.ecr().await;
    for (name, tags) in [
        ("shop/free", vec![]),
        ("shop/theirs", vec![(OWNERSHIP_TAG, "billing")]),
        ("shop/ours", vec![(OWNERSHIP_TAG, "shop")]),
    ] {
        ecr.create_repository()
            .repository_name(name)
            .set_tags(ecr_tags(&tags))
            .send()
            .await
            .expect("CreateRepository");
    }
    let (code, stdout, stderr) =
        moto.run(&["export", "--stack", "shop", "--repositories", "shop/*"]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.contains("shop/free: {}"), "{stdout}");
    assert!(stdout.contains("shop/ours: {}"), "{stdout}");
    assert!(!stdout.contains("shop/theirs"), "{stdout}");
    assert!(
        stderr.contains("ecr.repository.shop/theirs belongs to wharf stack `billing`; left out"),
        "{stderr}"
    );

    // Nothing matched is not an error, but it is said.
    let (code, _, stderr) = moto.run(&["export", "--stack", "shop", "--repositories", "nothing/*"]);
    assert_eq!(code, 0);
    assert!(stderr.contains("nothing matched"), "{stderr}");
    // A selection is required.
    let (code, _, stderr) = moto.run(&["export", "--stack", "shop"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("--repositories"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn adopt_refuses_another_stacks_resources() {
    let moto = Moto::start();
    let ecr = moto.ecr().await;
    ecr.create_repository()
        .repository_name("shop/web")
        .set_tags(ecr_tags(&[(OWNERSHIP_TAG, "billing")]))
        .send()
        .await
        .expect("CreateRepository");
    hand_made_roles(&moto).await;
    moto.ecs()
        .await
        .register_task_definition()
        .family("job")
        .container_definitions(
            ContainerDefinition::builder()
                .name("job")
                .image("busybox")
                .memory(64)
                .build(),
        )
        .set_tags(ecs_tags(&[(OWNERSHIP_TAG, "billing")]))
        .send()
        .await
        .expect("RegisterTaskDefinition");
    moto.manifest(&yaml(
        r#"
        version: 1
        stack: shop
        repositories:
          shop/web: {}
        iam:
          roles:
            task-execution:
              assumedBy: [ecs-tasks.amazonaws.com]
        ecs:
          taskDefinitions:
            job:
              containerDefinitions:
                - { name: job, image: busybox, memory: 64 }
        "#,
    ));
    for args in [
        &["plan", "--adopt"][..],
        &["apply", "--adopt", "--auto-approve"],
    ] {
        let (code, stdout, stderr) = moto.run(args);
        assert_eq!(code, 1, "{args:?}\n{stdout}\n{stderr}");
        // Refusals are rendered at their manifest line, wrapped like every diagnostic.
        let stderr = stderr
            .replace('│', " ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        assert!(
            stderr.contains("repository `shop/web` exists and belongs to wharf stack `billing`"),
            "{stderr}"
        );
        assert!(
            stderr.contains(
                "task definition family `job` exists and belongs to wharf stack `billing`"
            ),
            "{stderr}"
        );
        // The untagged role alone would be adopted: it is not named as a conflict.
        assert!(!stderr.contains("role `task-execution`"), "{stderr}");
    }
    // Nothing was tagged.
    let tags = moto
        .iam()
        .await
        .list_role_tags()
        .role_name("task-execution")
        .send()
        .await
        .expect("ListRoleTags");
    assert!(tags.tags().iter().all(|t| t.key() != OWNERSHIP_TAG));
}

#[tokio::test(flavor = "multi_thread")]
async fn adopting_plans_real_differences_with_the_tag() {
    let moto = Moto::start();
    let ecr = moto.ecr().await;
    ecr.create_repository()
        .repository_name("shop/web")
        .set_tags(ecr_tags(&[("team", "shop")]))
        .send()
        .await
        .expect("CreateRepository");
    moto.manifest(&yaml(
        r#"
        version: 1
        stack: shop
        repositories:
          shop/web:
            imageTagMutability: IMMUTABLE
            tags: { team: shop }
          shop/api: {}
        "#,
    ));
    let (code, _, stderr) = moto.run(&["plan"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("not managed by wharf"), "{stderr}");
    assert!(stderr.contains("--adopt"), "{stderr}");

    let plan = moto.plan_json(&["--adopt"]);
    let web = change_at(&plan, "ecr.repository.shop/web");
    assert_eq!(web["action"], "update");
    assert_eq!(web["reasonCode"], "adopt-because-not-owned");
    assert_eq!(
        web["reason"],
        "adopt: not yet owned by this stack; imageTagMutability differs"
    );
    let mut paths: Vec<&str> = web["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    paths.sort();
    assert_eq!(paths, vec!["imageTagMutability", "tags.wharf:stack"]);
    // A resource that does not exist is created as usual.
    assert_eq!(
        change_at(&plan, "ecr.repository.shop/api")["action"],
        "create"
    );

    // Reviewed and saved, then applied exactly: the saved plan holds the adoption.
    moto.expect(&["plan", "--adopt", "--out", "plan.json"], 0);
    moto.expect(&["apply", "plan.json", "--auto-approve"], 0);
    moto.assert_converged();
    // Once owned, --adopt changes nothing.
    assert_eq!(moto.plan_json(&["--adopt"])["changes"], json!([]));
    // A saved plan is applied exactly as reviewed: --adopt has no say there.
    let (code, _, stderr) = moto.run(&["apply", "plan.json", "--adopt", "--auto-approve"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("cannot be used with '--adopt'"), "{stderr}");
}

/// Adoption as pure planning, for every kind that refuses unowned resources (ECR Public
/// included, which the emulator does not serve).
#[test]
fn every_kind_that_refuses_unowned_resources_adopts_them_with_adopt() {
    use std::collections::BTreeMap;
    use wharf::kinds::common::Adoption;
    use wharf::live::{LivePublicRepository, LiveRepository, LiveRole, LiveSnapshot};
    use wharf::plan::build::{PlanOptions, build_with};

    let loaded = wharf::manifest::load(
        "wharf.yaml",
        &yaml(
            r#"
            version: 1
            stack: shop
            repositories:
              shop/web: {}
            publicRepositories:
              shop-cli: { description: The shop CLI }
            iam:
              roles:
                app: { assumedBy: [ecs-tasks.amazonaws.com] }
            "#,
        ),
        &wharf::manifest::Variables::default(),
    )
    .expect("a valid manifest");
    let live_with = |owner: Option<&str>| {
        let tags: BTreeMap<String, String> = owner
            .map(|o| BTreeMap::from([(OWNERSHIP_TAG.to_string(), o.to_string())]))
            .unwrap_or_default();
        LiveSnapshot {
            account_id: common::ACCOUNT.into(),
            region: common::REGION.into(),
            repositories: BTreeMap::from([(
                "shop/web".to_string(),
                LiveRepository {
                    name: "shop/web".into(),
                    arn: "arn:aws:ecr:eu-west-1:123456789012:repository/shop/web".into(),
                    image_tag_mutability: "MUTABLE".into(),
                    encryption_type: "AES256".into(),
                    tags: tags.clone(),
                    details_read: true,
                    ..LiveRepository::default()
                },
            )]),
            public_repositories: BTreeMap::from([(
                "shop-cli".to_string(),
                LivePublicRepository {
                    name: "shop-cli".into(),
                    arn: "arn:aws:ecr-public::123456789012:repository/shop-cli".into(),
                    description: Some("The shop CLI".into()),
                    tags: tags.clone(),
                    ..LivePublicRepository::default()
                },
            )]),
            roles: BTreeMap::from([(
                "app".to_string(),
                LiveRole {
                    name: "app".into(),
                    path: "/".into(),
                    arn: "arn:aws:iam::123456789012:role/app".into(),
                    trust_policy: Some(
                        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                            "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
                        .to_string(),
                    ),
                    max_session_duration: 3600,
                    tags,
                    ..LiveRole::default()
                },
            )]),
            ..LiveSnapshot::default()
        }
    };
    let options = PlanOptions::default();

    let refused = build_with(
        &loaded.manifest,
        &live_with(None),
        &options,
        Adoption::Refuse,
    )
    .expect_err("unowned resources are refused");
    assert_eq!(refused.len(), 3, "{refused:?}");
    assert!(
        refused.iter().all(|c| c.hint.contains("--adopt")),
        "{refused:?}"
    );

    let plan = build_with(
        &loaded.manifest,
        &live_with(None),
        &options,
        Adoption::Adopt,
    )
    .expect("adopted");
    let plan = serde_json::to_value(&plan).unwrap();
    assert_eq!(
        addresses(&plan),
        vec![
            "ecr.public_repository.shop-cli",
            "ecr.repository.shop/web",
            "iam.role.app"
        ]
    );
    assert_only_ownership_tags(&plan);

    let theirs = build_with(
        &loaded.manifest,
        &live_with(Some("billing")),
        &options,
        Adoption::Adopt,
    )
    .expect_err("another stack's resources are refused");
    assert_eq!(theirs.len(), 3, "{theirs:?}");
    assert!(
        theirs
            .iter()
            .all(|c| c.message.contains("belongs to wharf stack `billing`")),
        "{theirs:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn registry_settings_export_to_a_manifest_that_plans_nothing() {
    use aws_sdk_ecr::types::{
        RegistryScanningRule, ReplicationConfiguration, ReplicationDestination, ReplicationRule,
        RepositoryFilter, RepositoryFilterType, ScanFrequency, ScanType, ScanningRepositoryFilter,
        ScanningRepositoryFilterType,
    };
    // Signing, account settings and exclusions come from the AWS-behaviour layer (moto
    // has none of these APIs).
    let moto = Moto::start_with_aws_behaviour();
    let ecr = moto.ecr().await;
    // At AWS's defaults (a new registry's) nothing is written.
    let stdout = moto.expect(&["export", "--stack", "shop", "--registry"], 0);
    assert!(!stdout.contains("registry:"), "{stdout}");

    ecr.put_signing_configuration()
        .signing_configuration(
            aws_sdk_ecr::types::SigningConfiguration::builder()
                .rules(
                    aws_sdk_ecr::types::SigningRule::builder()
                        .signing_profile_arn(
                            "arn:aws:signer:eu-west-1:123456789012:/signing-profiles/shop_release",
                        )
                        .repository_filters(
                            aws_sdk_ecr::types::SigningRepositoryFilter::builder()
                                .filter("shop/*")
                                .filter_type(
                                    aws_sdk_ecr::types::SigningRepositoryFilterType::WildcardMatch,
                                )
                                .build()
                                .unwrap(),
                        )
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap(),
        )
        .send()
        .await
        .expect("PutSigningConfiguration");
    ecr.put_account_setting()
        .name("BLOB_MOUNTING")
        .value("ENABLED")
        .send()
        .await
        .expect("PutAccountSetting");
    ecr.register_pull_time_update_exclusion()
        .principal_arn("arn:aws:iam::123456789012:role/scanner")
        .send()
        .await
        .expect("RegisterPullTimeUpdateExclusion");

    ecr.put_registry_scanning_configuration()
        .scan_type(ScanType::Basic)
        .rules(
            RegistryScanningRule::builder()
                .scan_frequency(ScanFrequency::ScanOnPush)
                .repository_filters(
                    ScanningRepositoryFilter::builder()
                        .filter("shop/*")
                        .filter_type(ScanningRepositoryFilterType::Wildcard)
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap(),
        )
        .send()
        .await
        .expect("PutRegistryScanningConfiguration");
    ecr.put_replication_configuration()
        .replication_configuration(
            ReplicationConfiguration::builder()
                .rules(
                    ReplicationRule::builder()
                        .destinations(
                            ReplicationDestination::builder()
                                .region("us-west-2")
                                .registry_id(common::ACCOUNT)
                                .build()
                                .unwrap(),
                        )
                        .repository_filters(
                            RepositoryFilter::builder()
                                .filter("shop/")
                                .filter_type(RepositoryFilterType::PrefixMatch)
                                .build()
                                .unwrap(),
                        )
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap(),
        )
        .send()
        .await
        .expect("PutReplicationConfiguration");
    ecr.put_registry_policy()
        .policy_text(
            json!({"Version": "2012-10-17", "Statement": [{
                "Sid": "ReplicateFromPartner", "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::210987654321:root"},
                "Action": ["ecr:CreateRepository", "ecr:ReplicateImage"],
                "Resource": "arn:aws:ecr:eu-west-1:123456789012:repository/*"}]})
            .to_string(),
        )
        .send()
        .await
        .expect("PutRegistryPolicy");

    moto.expect(
        &[
            "export",
            "--stack",
            "shop",
            "--registry",
            "-o",
            "wharf.yaml",
        ],
        0,
    );
    let text = read_back(&moto);
    for present in [
        "registry:\n  scanning:\n    rules:\n    - scanFrequency: SCAN_ON_PUSH",
        "replication:\n    rules:\n    - destinations:\n      - region: us-west-2\n",
        "ReplicateFromPartner",
        "signing:\n    rules:\n    - signingProfileArn: arn:aws:signer:eu-west-1:123456789012:/signing-profiles/shop_release\n      repositoryFilters:\n      - shop/*",
        "accountSettings:\n    BLOB_MOUNTING: ENABLED",
        "pullTimeUpdateExclusions:\n  - arn:aws:iam::123456789012:role/scanner",
    ] {
        assert!(text.contains(present), "no `{present}` in\n{text}");
    }
    assert!(
        !text.contains("REGISTRY_POLICY_SCOPE"),
        "a new registry's V2 is not written: {text}"
    );
    // BASIC is the default scan type, and this account the default destination registry.
    assert!(
        !text.contains("BASIC") && !text.contains("registryId"),
        "{text}"
    );
    moto.expect(&["validate"], 0);
    assert_eq!(moto.plan_json(&[])["changes"], json!([]));
    moto.assert_converged();
}
