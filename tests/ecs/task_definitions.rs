//! ECS task definitions (`ecs.task_definition.FAMILY`): a revision is registered only when
//! the normalized content differs from the family's latest ACTIVE revision, so a converged
//! apply registers nothing; conveniences resolve (image objects, role names, "0.25 vCPU");
//! keepRevisions, tags without a new revision, prune and drift.

use crate::common::actions;
use crate::support::*;
use aws_sdk_ecs::types::{
    Compatibility, ContainerDefinition, KeyValuePair, NetworkMode, PortMapping, TransportProtocol,
};

fn manifest(task_extra: &str) -> String {
    web_stack(task_extra, "")
}

#[tokio::test(flavor = "multi_thread")]
async fn the_first_apply_registers_revision_1_with_the_ownership_tag() {
    let moto = start_moto();
    let ecs = moto.ecs().await;
    moto.manifest(&manifest(""));

    let plan = moto.plan_json(&[]);
    assert_eq!(change(&plan, TD)["action"], "create");
    moto.apply(&[]);

    assert_eq!(active_revisions(&ecs, "web").await, vec!["web:1"]);
    let (definition, _) = task_definition(&ecs, "web:1").await;
    assert_eq!(
        image_of(&definition),
        format!("{}:v1", repository_uri("shop/web"))
    );
    assert_eq!(
        definition.execution_role_arn(),
        Some(role_arn("task-execution").as_str())
    );
    assert_eq!(definition.cpu(), Some("256"));
    assert_eq!(definition.memory(), Some("512"));
    let arn = definition.task_definition_arn().unwrap().to_string();
    assert_eq!(
        resource_tags(&ecs, &arn).await.get(OWNERSHIP_TAG),
        Some(&"shop".to_string())
    );
}

/// The key "no perpetual diff" test: after the first apply, the plan is empty, a second
/// apply makes no write call, and the family still has exactly one revision.
#[tokio::test(flavor = "multi_thread")]
async fn a_converged_apply_registers_nothing() {
    let moto = start_moto();
    let ecs = moto.ecs().await;
    moto.manifest(&manifest(""));
    moto.apply(&[]);

    assert_plan_empty(&moto, &[]);
    let out = apply_text(&moto, &[]);
    assert_eq!(crate::common::writes_in(&out), 0, "{out}");
    assert!(!out.contains("RegisterTaskDefinition"), "{out}");
    assert_eq!(active_revisions(&ecs, "web").await, vec!["web:1"]);
    moto.expect(&["plan", "--detailed-exitcode"], 0);
    moto.expect(&["drift"], 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_image_tag_registers_exactly_one_revision_naming_the_field() {
    let moto = start_moto();
    let ecs = moto.ecs().await;
    moto.manifest(&manifest(""));
    moto.apply(&[]);

    let plan = moto.plan_json(&["--var", "IMAGE_TAG=v2"]);
    assert_eq!(actions(&plan), vec![act(TD, "update")]);
    assert_eq!(
        paths(&plan, TD),
        vec!["containerDefinitions[0].image".to_string()]
    );
    let field = &change(&plan, TD)["fields"][0];
    assert_eq!(
        field["before"],
        format!("{}:v1", repository_uri("shop/web"))
    );
    assert_eq!(field["after"], format!("{}:v2", repository_uri("shop/web")));
    moto.expect(&["plan", "--detailed-exitcode", "--var", "IMAGE_TAG=v2"], 2);

    assert_eq!(
        moto.apply(&["--var", "IMAGE_TAG=v2"]),
        1,
        "one registration"
    );
    assert_eq!(active_revisions(&ecs, "web").await, vec!["web:1", "web:2"]);
    let (latest, tags) = task_definition(&ecs, "web").await;
    assert_eq!(latest.revision(), 2);
    assert_eq!(
        image_of(&latest),
        format!("{}:v2", repository_uri("shop/web"))
    );
    assert_eq!(tags.get(OWNERSHIP_TAG), Some(&"shop".to_string()));

    // Converged at v2: nothing more, and going back to v1 is a new revision again.
    assert_plan_empty(&moto, &["--var", "IMAGE_TAG=v2"]);
    assert_eq!(moto.apply(&["--var", "IMAGE_TAG=v2"]), 0);
    assert_eq!(active_revisions(&ecs, "web").await.len(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn reordered_environment_and_vcpu_units_plan_no_change() {
    let moto = start_moto();
    let ecs = moto.ecs().await;
    moto.manifest(&manifest(""));
    moto.apply(&[]);

    // The same definition, written differently: environment reordered, cpu in vCPU and
    // memory in GB, the defaults AWS fills in written out.
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
              managedPolicies: [arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy]
              pullFrom: [shop/web]
        ecs:
          taskDefinitions:
            web:
              cpu: "0.25 vCPU"
              memory: "0.5 GB"
              networkMode: awsvpc
              requiresCompatibilities: [FARGATE]
              executionRole: task-execution
              containerDefinitions:
                - name: web
                  image: { repository: shop/web, tag: "${IMAGE_TAG:-v1}" }
                  essential: true
                  cpu: 0
                  portMappings: [ { containerPort: 8080, hostPort: 8080, protocol: tcp } ]
                  environment:
                    - { name: PORT, value: "8080" }
                    - { name: LOG_LEVEL, value: info }
                  mountPoints: []
                  volumesFrom: []
              volumes: []
        "#,
    ));
    assert_plan_empty(&moto, &[]);
    assert_eq!(moto.apply(&[]), 0);
    assert_eq!(active_revisions(&ecs, "web").await, vec!["web:1"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn keep_revisions_deregisters_older_owned_revisions() {
    let moto = start_moto();
    let ecs = moto.ecs().await;
    moto.manifest(&manifest("keepRevisions: 2"));
    for tag in ["v1", "v2", "v3", "v4"] {
        moto.apply(&["--var", &format!("IMAGE_TAG={tag}")]);
    }
    assert_eq!(active_revisions(&ecs, "web").await, vec!["web:3", "web:4"]);
    assert_plan_empty(&moto, &["--var", "IMAGE_TAG=v4"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn keep_revisions_never_deregisters_the_revision_a_service_uses() {
    let moto = start_moto();
    let ecs = moto.ecs().await;
    let network = moto.default_network();
    // The service is pinned to revision 1 while the family moves on.
    let services = shop_service(&network, "desiredCount: 1")
        .replace("taskDefinition: web", "taskDefinition: \"web:1\"");
    moto.manifest(&web_stack("keepRevisions: 2", &services));
    moto.apply(&["--var", "IMAGE_TAG=v1"]);
    assert_eq!(service_revision(&ecs, "shop", "web").await, "web:1");
    for tag in ["v2", "v3", "v4"] {
        moto.apply(&["--var", &format!("IMAGE_TAG={tag}")]);
    }
    assert_eq!(
        active_revisions(&ecs, "web").await,
        vec!["web:1", "web:3", "web:4"],
        "the two newest, and the one the service runs"
    );
    assert_eq!(service_revision(&ecs, "shop", "web").await, "web:1");
    assert_plan_empty(&moto, &["--var", "IMAGE_TAG=v4"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn changed_tags_are_fixed_without_a_new_revision() {
    let moto = start_moto();
    let ecs = moto.ecs().await;
    moto.manifest(&manifest("tags: { app: web }"));
    moto.apply(&[]);
    let (first, tags) = task_definition(&ecs, "web").await;
    assert_eq!(tags.get("app"), Some(&"web".to_string()));

    moto.manifest(&manifest("tags: { app: storefront, tier: front }"));
    let plan = moto.plan_json(&[]);
    assert_eq!(actions(&plan), vec![act(TD, "update")]);
    assert_eq!(
        paths(&plan, TD),
        vec!["tags.app".to_string(), "tags.tier".to_string()]
    );
    moto.apply(&[]);
    assert_eq!(active_revisions(&ecs, "web").await, vec!["web:1"]);
    let arn = first.task_definition_arn().unwrap();
    assert_eq!(
        resource_tags(&ecs, arn).await,
        tag_map(&[
            ("app", "storefront"),
            ("tier", "front"),
            (OWNERSHIP_TAG, "shop")
        ])
    );
    moto.assert_converged();

    // A removed tag is untagged, still without a registration.
    moto.manifest(&manifest("tags: { tier: front }"));
    assert_eq!(
        paths(&moto.plan_json(&[]), TD),
        vec!["tags.app".to_string()]
    );
    moto.apply(&[]);
    assert_eq!(
        resource_tags(&ecs, arn).await,
        tag_map(&[("tier", "front"), (OWNERSHIP_TAG, "shop")])
    );
    assert_eq!(active_revisions(&ecs, "web").await, vec!["web:1"]);
    moto.assert_converged();
}

/// The manifest with a second family, `worker`, running `image`.
fn with_worker(image: &str) -> String {
    manifest("").replace(
        "  taskDefinitions:\n",
        &format!(
            "  taskDefinitions:\n    worker:\n      containerDefinitions:\n        - {{ name: worker, image: \"{image}\", memory: 128 }}\n"
        ),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn prune_deregisters_the_owned_revisions_of_a_removed_family() {
    let moto = start_moto();
    let ecs = moto.ecs().await;
    moto.manifest(&with_worker("busybox:1.36"));
    moto.apply(&[]);
    // Someone registers a revision by hand (no ownership tag): never deregistered.
    register(&ecs, "worker", "busybox:hand").await;
    // wharf registers worker:3 (its content differs from the hand-made latest).
    moto.manifest(&with_worker("busybox:1.37"));
    moto.apply(&[]);
    assert_eq!(
        active_revisions(&ecs, "worker").await,
        vec!["worker:1", "worker:2", "worker:3"]
    );

    moto.manifest(&manifest(""));
    assert_plan_empty(&moto, &[]);
    assert_eq!(moto.apply(&[]), 0);
    assert_eq!(active_revisions(&ecs, "worker").await.len(), 3);

    let plan = moto.plan_json(&["--prune"]);
    assert_eq!(
        actions(&plan),
        vec![act("ecs.task_definition.worker", "delete")]
    );
    let text = moto.expect(&["plan", "--prune"], 0);
    assert!(text.contains("- ecs.task_definition.worker"), "{text}");
    assert_eq!(
        moto.apply(&["--prune"]),
        2,
        "two DeregisterTaskDefinition calls"
    );
    assert_eq!(
        active_revisions(&ecs, "worker").await,
        vec!["worker:2"],
        "the hand-registered revision stays"
    );
    assert_eq!(active_revisions(&ecs, "web").await, vec!["web:1"]);
    moto.assert_converged();
    // What is left of the family is not wharf's: nothing more to prune.
    assert_plan_empty(&moto, &["--prune"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_revision_registered_out_of_band_is_drift() {
    let moto = start_moto();
    let ecs = moto.ecs().await;
    moto.manifest(&manifest(""));
    moto.apply(&[]);
    moto.expect(&["drift"], 0);

    // Someone registers revision 2 with a different image (same everything else).
    let (current, _) = task_definition(&ecs, "web:1").await;
    ecs.register_task_definition()
        .family("web")
        .set_cpu(current.cpu().map(str::to_string))
        .set_memory(current.memory().map(str::to_string))
        .network_mode(NetworkMode::Awsvpc)
        .requires_compatibilities(Compatibility::Fargate)
        .set_execution_role_arn(current.execution_role_arn().map(str::to_string))
        .container_definitions(
            ContainerDefinition::builder()
                .name("web")
                .image("nginx:hotfix")
                .port_mappings(
                    PortMapping::builder()
                        .container_port(8080)
                        .protocol(TransportProtocol::Tcp)
                        .build(),
                )
                .environment(
                    KeyValuePair::builder()
                        .name("LOG_LEVEL")
                        .value("info")
                        .build(),
                )
                .environment(KeyValuePair::builder().name("PORT").value("8080").build())
                .build(),
        )
        .send()
        .await
        .expect("RegisterTaskDefinition");

    let (code, stdout, stderr) = moto.run(&["drift"]);
    assert_eq!(code, 2, "{stdout}\n{stderr}");
    assert!(stdout.contains(TD), "{stdout}");
    let report = drift_json(&moto);
    assert_eq!(
        paths(&report, TD),
        vec!["containerDefinitions[0].image".to_string()]
    );

    assert_eq!(moto.apply(&[]), 1, "registers the manifest's content again");
    assert_eq!(
        active_revisions(&ecs, "web").await,
        vec!["web:1", "web:2", "web:3"]
    );
    let (latest, _) = task_definition(&ecs, "web").await;
    assert_eq!(
        image_of(&latest),
        format!("{}:v1", repository_uri("shop/web"))
    );
    moto.expect(&["drift"], 0);
    moto.assert_converged();
}

async fn register(ecs: &aws_sdk_ecs::Client, family: &str, image: &str) {
    register_tagged(ecs, family, image, None).await;
}

async fn register_tagged(
    ecs: &aws_sdk_ecs::Client,
    family: &str,
    image: &str,
    stack: Option<&str>,
) {
    ecs.register_task_definition()
        .family(family)
        .container_definitions(
            ContainerDefinition::builder()
                .name(family)
                .image(image)
                .memory(128)
                .build(),
        )
        .set_tags(stack.map(|s| {
            vec![
                aws_sdk_ecs::types::Tag::builder()
                    .key(OWNERSHIP_TAG)
                    .value(s)
                    .build(),
            ]
        }))
        .send()
        .await
        .unwrap_or_else(|e| panic!("RegisterTaskDefinition {family}: {e:?}"));
}
