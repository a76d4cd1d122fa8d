//! `wharf drift` as a scheduler runs it, against a private moto server per test
//! (tests/common/mod.rs): the exit code (0 none, 2 drift, 1 error) speaks of the managed
//! resources only; `--include-unmanaged` lists what no stack owns in its own section of
//! every format; and the JSON report is byte-identical across runs over the same state,
//! so two reports can be diffed.
//!
//! Run: `WHARF_MOTO_SERVER=.venv/bin/moto_server cargo test --test drift`.

mod common;

use aws_sdk_ecs::types::ContainerDefinition;
use common::{Moto, yaml};
use serde_json::{Value, json};

const OWNERSHIP_TAG: &str = "wharf:stack";

/// A stack of every kind; its service runs on Fargate in the emulator's default VPC.
fn stack(moto: &Moto, desired_count: u32) -> String {
    let (subnet, group) = moto.default_network();
    yaml(&format!(
        r#"
        version: 1
        stack: shop
        repositories:
          shop/web:
            imageTagMutability: IMMUTABLE
            lifecycle:
              - untagged: true
                expireAfterDays: 14
        iam:
          roles:
            app:
              assumedBy: [ecs-tasks.amazonaws.com]
              description: runs the shop
        ecs:
          clusters:
            shop: {{}}
          taskDefinitions:
            web:
              cpu: "256"
              memory: "512"
              networkMode: awsvpc
              requiresCompatibilities: [FARGATE]
              containerDefinitions:
                - {{ name: web, image: "nginx:1.27" }}
          services:
            web:
              cluster: shop
              taskDefinition: web
              desiredCount: {desired_count}
              launchType: FARGATE
              networkConfiguration:
                awsvpcConfiguration: {{ subnets: [{subnet}], securityGroups: [{group}] }}
        "#
    ))
}

/// Resources made by hand next to the stack: some no stack owns, one another stack owns.
async fn hand_made(moto: &Moto) {
    let ecr = moto.ecr().await;
    ecr.create_repository()
        .repository_name("legacy/app")
        .send()
        .await
        .expect("CreateRepository legacy/app");
    ecr.create_repository()
        .repository_name("billing/app")
        .tags(
            aws_sdk_ecr::types::Tag::builder()
                .key(OWNERSHIP_TAG)
                .value("billing")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .expect("CreateRepository billing/app");
    moto.iam()
        .await
        .create_role()
        .role_name("legacy-deploy")
        .assume_role_policy_document(
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
            .to_string(),
        )
        .send()
        .await
        .expect("CreateRole");
    let ecs = moto.ecs().await;
    ecs.create_cluster()
        .cluster_name("legacy")
        .send()
        .await
        .expect("CreateCluster");
    ecs.register_task_definition()
        .family("legacy-job")
        .container_definitions(
            ContainerDefinition::builder()
                .name("job")
                .image("busybox")
                .memory(64)
                .build(),
        )
        .send()
        .await
        .expect("RegisterTaskDefinition");
    // A service in the hand-made cluster, and one by hand in the stack's own cluster.
    for (cluster, name) in [("legacy", "api"), ("shop", "sidecar")] {
        ecs.create_service()
            .cluster(cluster)
            .service_name(name)
            .task_definition("legacy-job")
            .desired_count(1)
            .send()
            .await
            .unwrap_or_else(|e| panic!("CreateService {name}: {e:?}"));
    }
}

fn json_of(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("drift JSON: {e}\n{text}"))
}

/// The unmanaged list every format shows for `hand_made`.
fn expected_unmanaged() -> Value {
    json!([
        {"address": "ecr.repository.legacy/app"},
        {"address": "ecs.cluster.legacy"},
        {"address": "ecs.service.api", "cluster": "legacy"},
        {"address": "ecs.service.sidecar", "cluster": "shop"},
        {"address": "ecs.task_definition.legacy-job"},
        {"address": "iam.role.legacy-deploy"},
    ])
}

#[tokio::test(flavor = "multi_thread")]
async fn the_exit_code_speaks_of_managed_drift_only() {
    let moto = Moto::start();
    moto.manifest(&stack(&moto, 2));
    moto.apply(&[]);
    moto.expect(&["drift"], 0);

    // Resources no stack owns are listed, and change nothing about the verdict.
    hand_made(&moto).await;
    let text = moto.expect(&["drift"], 0);
    assert!(!text.contains("Unmanaged"), "{text}");
    let text = moto.expect(&["drift", "--include-unmanaged"], 0);
    assert!(text.contains("No drift."), "{text}");
    assert!(text.contains("Unmanaged: 6 resources"), "{text}");

    // Drift in a managed resource: 2, with or without the listing.
    moto.ecr()
        .await
        .put_image_tag_mutability()
        .repository_name("shop/web")
        .image_tag_mutability(aws_sdk_ecr::types::ImageTagMutability::Mutable)
        .send()
        .await
        .expect("PutImageTagMutability");
    let text = moto.expect(&["drift"], 2);
    assert!(text.contains("ecr.repository.shop/web"), "{text}");
    moto.expect(&["drift", "--include-unmanaged"], 2);
    moto.expect(&["drift", "--include-unmanaged", "--format", "markdown"], 2);

    // Errors: 1, whatever the flag.
    moto.manifest("version: 1\nstack: shop\nrepositories: [\n");
    moto.expect(&["drift", "--include-unmanaged"], 1);
    // A declared resource that is no stack's is an error for drift too (not adopted).
    moto.manifest(&yaml(
        r#"
        version: 1
        stack: shop
        repositories:
          legacy/app: {}
        "#,
    ));
    let (code, _, stderr) = moto.run(&["drift", "--include-unmanaged"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("legacy/app"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn include_unmanaged_lists_every_kind_without_an_owner_in_each_format() {
    let moto = Moto::start();
    moto.manifest(&stack(&moto, 2));
    moto.apply(&[]);
    hand_made(&moto).await;

    // Without the flag the report is the plan JSON exactly: no `unmanaged` member.
    let plain = json_of(&moto.expect(&["drift", "--format", "json"], 0));
    assert!(plain.get("unmanaged").is_none(), "{plain:#}");

    let report = json_of(&moto.expect(&["drift", "--include-unmanaged", "--format", "json"], 0));
    assert_eq!(report["changes"], json!([]));
    // Declared, owned and another stack's resources are not listed.
    assert_eq!(report["unmanaged"], expected_unmanaged());

    let text = moto.expect(&["drift", "--include-unmanaged"], 0);
    for line in [
        "  ecr.repository.legacy/app\n",
        "  ecs.service.api (cluster legacy)\n",
        "  ecs.service.sidecar (cluster shop)\n",
        "  iam.role.legacy-deploy\n",
        "wharf export",
    ] {
        assert!(text.contains(line), "no `{line}` in\n{text}");
    }
    assert!(!text.contains("billing/app"), "{text}");

    let markdown = moto.expect(&["drift", "--include-unmanaged", "--format", "markdown"], 0);
    assert!(markdown.contains("#### Unmanaged resources"), "{markdown}");
    assert!(
        markdown.contains("- `ecs.service.api` (cluster `legacy`)"),
        "{markdown}"
    );

    // An empty listing is said, so a report shows the check ran.
    let fresh = Moto::start();
    fresh.manifest(&yaml(
        r#"
        version: 1
        stack: shop
        "#,
    ));
    let report = json_of(&fresh.expect(&["drift", "--include-unmanaged", "--format", "json"], 0));
    assert_eq!(report["unmanaged"], json!([]));
    let text = fresh.expect(&["drift", "--include-unmanaged"], 0);
    assert!(text.contains("Unmanaged: none."), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn two_reports_of_the_same_state_are_byte_identical() {
    let moto = Moto::start();
    moto.manifest(&stack(&moto, 2));
    moto.apply(&[]);
    hand_made(&moto).await;
    // Drift in every managed kind, the lifecycle policy included (its impact preview
    // moves with the clock, so drift leaves it out).
    let ecr = moto.ecr().await;
    ecr.delete_lifecycle_policy()
        .repository_name("shop/web")
        .send()
        .await
        .expect("DeleteLifecyclePolicy");
    ecr.put_image_tag_mutability()
        .repository_name("shop/web")
        .image_tag_mutability(aws_sdk_ecr::types::ImageTagMutability::Mutable)
        .send()
        .await
        .expect("PutImageTagMutability");
    moto.iam()
        .await
        .update_role()
        .role_name("app")
        .description("changed by hand")
        .send()
        .await
        .expect("UpdateRole");
    moto.ecs()
        .await
        .update_service()
        .cluster("shop")
        .service("web")
        .desired_count(1)
        .send()
        .await
        .expect("UpdateService");

    for args in [
        &["drift", "--format", "json"][..],
        &["drift", "--format", "json", "--include-unmanaged"],
        &["drift", "--include-unmanaged"],
        &["drift", "--format", "markdown", "--include-unmanaged"],
    ] {
        let (first_code, first, _) = moto.run(args);
        let (second_code, second, _) = moto.run(args);
        assert_eq!((first_code, second_code), (2, 2), "{args:?}\n{first}");
        assert_eq!(first, second, "{args:?}");
    }
    let report = json_of(
        &moto
            .run(&["drift", "--format", "json", "--include-unmanaged"])
            .1,
    );
    let mut drifted: Vec<&str> = report["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["address"].as_str().unwrap())
        .collect();
    drifted.sort();
    assert_eq!(
        drifted,
        vec!["ecr.repository.shop/web", "ecs.service.web", "iam.role.app"]
    );
    assert!(
        report["changes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c.get("lifecyclePreview").is_none()),
        "{report:#}"
    );
    assert_eq!(report["unmanaged"], expected_unmanaged());
    // The unmanaged list comes after the plan's own members.
    let keys: Vec<&String> = report.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        vec!["formatVersion", "stack", "changes", "summary", "unmanaged"]
    );
}
