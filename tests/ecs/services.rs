//! ECS services (`ecs.service.NAME`) on Fargate in the emulator's default VPC: create and
//! wait, update in place, deploying a new image in one apply, `--target`, desiredCount
//! left to autoscaling, replace, prune and drift.
//!
//! moto alone ignores deploymentConfiguration, healthCheckGracePeriodSeconds and
//! enableECSManagedTags at CreateService; through the AWS-behaviour layer they read back as
//! created. A deployment completes only when its desiredCount is at most
//! MOTO_ECS_SERVICE_RUNNING (2).

use crate::common::actions;
use crate::support::*;

fn stack(network: &(String, String), service_extra: &str) -> String {
    web_stack("", &shop_service(network, service_extra))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_service_is_created_waited_for_and_converges() {
    let moto = start_moto();
    let ecs = moto.ecs().await;
    let network = moto.default_network();
    moto.manifest(&stack(&network, "desiredCount: 2"));

    let plan = moto.plan_json(&[]);
    let mut got = sorted_actions(&plan);
    got.retain(|(a, _)| a.starts_with("ecs."));
    assert_eq!(
        got,
        vec![
            act(CLUSTER, "create"),
            act(SVC, "create"),
            act(TD, "create"),
        ]
    );
    let fields = paths(&plan, SVC);
    for f in [
        "cluster",
        "desiredCount",
        "launchType",
        "networkConfiguration",
    ] {
        assert!(fields.contains(&f.to_string()), "{f} in {fields:?}");
    }

    let out = apply_text(&moto, &[]);
    assert!(
        out.lines()
            .any(|l| l.contains(SVC) && l.contains("deployment")),
        "apply says it waits for the deployment:\n{out}"
    );
    assert!(out.contains(&format!("✓ {SVC}")), "{out}");

    let svc = service(&ecs, "shop", "web").await;
    assert_eq!(svc.desired_count(), 2);
    assert_eq!(svc.launch_type().map(|l| l.as_str()), Some("FARGATE"));
    assert!(
        svc.cluster_arn()
            .unwrap_or_default()
            .ends_with(":cluster/shop"),
        "{:?}",
        svc.cluster_arn()
    );
    assert!(
        svc.task_definition()
            .unwrap_or_default()
            .ends_with("task-definition/web:1"),
        "{:?}",
        svc.task_definition()
    );
    let vpc = svc
        .network_configuration()
        .and_then(|n| n.awsvpc_configuration())
        .expect("an awsvpc configuration");
    assert_eq!(vpc.subnets(), std::slice::from_ref(&network.0));
    assert_eq!(vpc.security_groups(), std::slice::from_ref(&network.1));
    assert_eq!(
        ecs_tags(svc.tags()).get(OWNERSHIP_TAG),
        Some(&"shop".to_string())
    );
    moto.assert_converged();
    moto.expect(&["drift"], 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn desired_count_updates_in_place() {
    let moto = start_moto();
    let ecs = moto.ecs().await;
    let network = moto.default_network();
    moto.manifest(&stack(&network, "desiredCount: 2"));
    moto.apply(&[]);
    let arn = service(&ecs, "shop", "web")
        .await
        .service_arn()
        .unwrap()
        .to_string();

    moto.manifest(&stack(&network, "desiredCount: 1"));
    let plan = moto.plan_json(&[]);
    assert_eq!(actions(&plan), vec![act(SVC, "update")]);
    assert_eq!(paths(&plan, SVC), vec!["desiredCount".to_string()]);
    assert!(
        change(&plan, SVC).get("rollout").is_none(),
        "a count alone starts no deployment"
    );
    let field = &change(&plan, SVC)["fields"][0];
    assert_eq!(
        (field["before"].as_i64(), field["after"].as_i64()),
        (Some(2), Some(1))
    );

    assert_eq!(moto.apply(&[]), 1, "one UpdateService");
    let svc = service(&ecs, "shop", "web").await;
    assert_eq!(svc.desired_count(), 1);
    assert_eq!(
        svc.service_arn(),
        Some(arn.as_str()),
        "updated, not replaced"
    );
    moto.assert_converged();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_image_registers_a_revision_and_rolls_the_service_in_one_apply() {
    let moto = start_moto();
    let ecs = moto.ecs().await;
    let network = moto.default_network();
    moto.manifest(&stack(&network, "desiredCount: 2"));
    moto.apply(&[]);

    let v2 = ["--var", "IMAGE_TAG=v2"];
    let plan = moto.plan_json(&v2);
    assert_eq!(
        sorted_actions(&plan),
        vec![act(SVC, "update"), act(TD, "update")]
    );
    assert_eq!(
        paths(&plan, TD),
        vec!["containerDefinitions[0].image".to_string()]
    );
    assert_eq!(paths(&plan, SVC), vec!["taskDefinition".to_string()]);
    // A new revision starts a deployment: the plan says how it rolls out.
    let rollout = &change(&plan, SVC)["rollout"];
    assert_eq!(rollout["strategy"], "ROLLING", "{rollout}");
    assert_eq!(rollout["waitSeconds"], 600, "{rollout}");
    let text = moto.expect(&["plan", "--var", "IMAGE_TAG=v2"], 0);
    assert!(
        text.contains("rollout ROLLING: 100% to 200% of tasks running; waits up to 10 min"),
        "{text}"
    );

    let out = apply_text(&moto, &v2);
    assert!(out.contains(&format!("✓ {TD}")), "{out}");
    assert!(out.contains(&format!("✓ {SVC}")), "{out}");
    assert_eq!(active_revisions(&ecs, "web").await, vec!["web:1", "web:2"]);
    assert_eq!(service_revision(&ecs, "shop", "web").await, "web:2");
    let (latest, _) = task_definition(&ecs, "web").await;
    assert_eq!(
        image_of(&latest),
        format!("{}:v2", repository_uri("shop/web"))
    );
}

/// After a deploy, the service is exactly where the plan said: DescribeServices names
/// revision 2, and nothing more is planned. (wharf gives UpdateService the ARN that
/// RegisterTaskDefinition returned: moto, unlike AWS, would store a bare family as sent.)
#[tokio::test(flavor = "multi_thread")]
async fn after_a_deploy_the_service_names_the_new_revision_and_the_plan_is_empty() {
    let moto = start_moto();
    let ecs = moto.ecs().await;
    let network = moto.default_network();
    moto.manifest(&stack(&network, "desiredCount: 2"));
    moto.apply(&[]);
    let v2 = ["--var", "IMAGE_TAG=v2"];
    moto.apply(&v2);
    let svc = service(&ecs, "shop", "web").await;
    assert!(
        svc.task_definition()
            .unwrap_or_default()
            .ends_with(":task-definition/web:2"),
        "DescribeServices taskDefinition: {:?}",
        svc.task_definition()
    );
    assert_plan_empty(&moto, &v2);
    assert_eq!(moto.apply(&v2), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn target_service_alone_registers_the_task_definition_it_needs() {
    let moto = start_moto();
    let ecs = moto.ecs().await;
    let network = moto.default_network();
    moto.manifest(&stack(&network, "desiredCount: 2"));
    moto.apply(&[]);

    // A new image, and an unrelated change the target must leave out.
    moto.manifest(&stack(&network, "desiredCount: 2").replace(
        "shop/web: {}",
        "shop/web: { imageTagMutability: IMMUTABLE }",
    ));
    let deploy = ["--var", "IMAGE_TAG=v2", "--target", SVC];
    let everything = moto.plan_json(&["--var", "IMAGE_TAG=v2"]);
    assert!(
        actions(&everything).contains(&act("ecr.repository.shop/web", "update")),
        "{everything:#}"
    );
    let plan = moto.plan_json(&deploy);
    assert_eq!(
        sorted_actions(&plan),
        vec![act(SVC, "update"), act(TD, "update")]
    );

    moto.apply(&deploy);
    assert_eq!(active_revisions(&ecs, "web").await, vec!["web:1", "web:2"]);
    assert_eq!(service_revision(&ecs, "shop", "web").await, "web:2");
    // The repository was not touched.
    let left = moto.plan_json(&["--var", "IMAGE_TAG=v2"]);
    assert!(
        actions(&left).contains(&act("ecr.repository.shop/web", "update")),
        "{left:#}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn desired_count_left_out_is_left_to_whoever_scales_the_service() {
    let moto = start_moto();
    let ecs = moto.ecs().await;
    let network = moto.default_network();
    moto.manifest(&stack(&network, "desiredCount: 2"));
    moto.apply(&[]);

    moto.manifest(&stack(&network, ""));
    assert_plan_empty(&moto, &[]);
    // Autoscaling (here: the SDK) changes the count.
    ecs.update_service()
        .cluster("shop")
        .service("web")
        .desired_count(1)
        .send()
        .await
        .expect("UpdateService");
    assert_plan_empty(&moto, &[]);
    assert_eq!(moto.apply(&[]), 0);
    moto.expect(&["drift"], 0);
    assert_eq!(service(&ecs, "shop", "web").await.desired_count(), 1);
}

/// A launch type traded for a capacity provider strategy, and back, changes in place
/// with a forced deployment (UpdateService's valid transitions), not by a replace.
#[tokio::test(flavor = "multi_thread")]
async fn a_launch_type_moves_to_a_capacity_provider_strategy_and_back_in_place() {
    let moto = start_moto();
    let ecs = moto.ecs().await;
    let network = moto.default_network();
    let with_providers = |text: String| {
        text.replace(
            "  shop: {}",
            "  shop: { capacityProviders: [FARGATE, FARGATE_SPOT] }",
        )
    };
    moto.manifest(&with_providers(stack(&network, "desiredCount: 1")));
    moto.apply(&[]);
    let arn = service(&ecs, "shop", "web")
        .await
        .service_arn()
        .unwrap()
        .to_string();

    let spot = with_providers(stack(&network, "desiredCount: 1")).replace(
        "launchType: FARGATE",
        "capacityProviderStrategy: [ { capacityProvider: FARGATE_SPOT, weight: 1 } ]",
    );
    moto.manifest(&spot);
    let plan = moto.plan_json(&[]);
    let svc_change = change(&plan, SVC);
    assert_eq!(svc_change["action"], "update", "{plan:#}");
    assert_eq!(
        paths(&plan, SVC),
        ["capacityProviderStrategy", "launchType"]
    );
    let input = &svc_change["operations"][0]["input"];
    assert_eq!(input["forceNewDeployment"], true, "{input}");
    assert_eq!(
        input["capacityProviderStrategy"][0]["capacityProvider"],
        "FARGATE_SPOT"
    );
    assert!(input.get("launchType").is_none(), "{input}");
    assert_eq!(
        svc_change["rollout"]["strategy"], "ROLLING",
        "a deployment moves the tasks"
    );
    moto.apply(&[]);
    let svc = service(&ecs, "shop", "web").await;
    assert_eq!(
        svc.service_arn(),
        Some(arn.as_str()),
        "updated, not replaced"
    );
    assert_eq!(svc.launch_type(), None);
    assert_eq!(
        svc.capacity_provider_strategy()[0].capacity_provider(),
        "FARGATE_SPOT"
    );
    moto.assert_converged();

    // Back to the launch type: an empty strategy.
    moto.manifest(&with_providers(stack(&network, "desiredCount: 1")));
    let plan = moto.plan_json(&[]);
    let input = &change(&plan, SVC)["operations"][0]["input"];
    assert_eq!(
        input["capacityProviderStrategy"],
        serde_json::json!([]),
        "{input}"
    );
    assert_eq!(input["forceNewDeployment"], true, "{input}");
    moto.apply(&[]);
    let svc = service(&ecs, "shop", "web").await;
    assert_eq!(svc.service_arn(), Some(arn.as_str()));
    assert_eq!(svc.launch_type().map(|l| l.as_str()), Some("FARGATE"));
    moto.assert_converged();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_launch_type_change_is_a_replace_refused_without_allow_replace() {
    let moto = start_moto();
    let ecs = moto.ecs().await;
    let network = moto.default_network();
    moto.manifest(&stack(&network, "desiredCount: 1"));
    moto.apply(&[]);

    moto.manifest(
        &stack(&network, "desiredCount: 1").replace("launchType: FARGATE", "launchType: EC2"),
    );
    let plan = moto.plan_json(&[]);
    let svc_change = change(&plan, SVC);
    assert_eq!(svc_change["action"], "replace", "{plan:#}");
    assert!(
        paths(&plan, SVC).contains(&"launchType".to_string()),
        "{plan:#}"
    );
    assert!(
        svc_change["reason"]
            .as_str()
            .unwrap_or_default()
            .contains("launchType"),
        "{svc_change:#}"
    );
    let text = moto.expect(&["plan"], 0);
    assert!(text.contains(&format!("-/+ {SVC}")), "{text}");

    let out = moto.expect(&["apply", "--auto-approve"], 1);
    assert!(out.contains("--allow-replace"), "{out}");
    assert!(out.contains(SVC), "{out}");
    // Refused before any call: nothing changed, not even the task definition.
    assert_eq!(
        service(&ecs, "shop", "web")
            .await
            .launch_type()
            .map(|l| l.as_str()),
        Some("FARGATE")
    );
    assert_eq!(active_revisions(&ecs, "web").await, vec!["web:1"]);

    moto.expect(&["apply", "--auto-approve", "--allow-replace"], 0);
    assert_eq!(
        service(&ecs, "shop", "web")
            .await
            .launch_type()
            .map(|l| l.as_str()),
        Some("EC2")
    );
    moto.assert_converged();
}

/// The stack with a second service, `worker`, in the same cluster.
fn with_worker(network: &(String, String)) -> String {
    let (subnet, group) = network;
    let worker = format!(
        "    worker:\n      cluster: shop\n      taskDefinition: web\n      desiredCount: 1\n      launchType: FARGATE\n      networkConfiguration:\n        awsvpcConfiguration: {{ subnets: [{subnet}], securityGroups: [{group}] }}\n"
    );
    let text = stack(network, "desiredCount: 1");
    assert!(text.contains("\n  services:\n"), "{text}");
    text.replace("\n  services:\n", &format!("\n  services:\n{worker}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn an_owned_service_left_out_is_deleted_only_with_prune() {
    let moto = start_moto();
    let ecs = moto.ecs().await;
    let network = moto.default_network();
    let both = with_worker(&network);
    moto.manifest(&both);
    moto.apply(&[]);
    assert!(describe_service(&ecs, "shop", "worker").await.is_some());

    moto.manifest(&stack(&network, "desiredCount: 1"));
    assert_plan_empty(&moto, &[]);
    assert_eq!(moto.apply(&[]), 0);
    assert!(describe_service(&ecs, "shop", "worker").await.is_some());

    let plan = moto.plan_json(&["--prune"]);
    assert_eq!(actions(&plan), vec![act("ecs.service.worker", "delete")]);
    moto.expect(&["apply", "--auto-approve", "--prune", "--allow-delete"], 0);
    assert!(describe_service(&ecs, "shop", "worker").await.is_none());
    assert!(describe_service(&ecs, "shop", "web").await.is_some());
    moto.assert_converged();
    assert_plan_empty(&moto, &["--prune"]);
}

/// Issue 4: "Delete (scale to 0, then delete) happens only with --prune and
/// --allow-delete".
#[tokio::test(flavor = "multi_thread")]
async fn pruning_a_service_also_needs_allow_delete() {
    let moto = start_moto();
    let ecs = moto.ecs().await;
    let network = moto.default_network();
    let both = with_worker(&network);
    moto.manifest(&both);
    moto.apply(&[]);
    moto.manifest(&stack(&network, "desiredCount: 1"));

    let out = moto.expect(&["apply", "--auto-approve", "--prune"], 1);
    assert!(out.contains("--allow-delete"), "{out}");
    assert!(out.contains("ecs.service.worker"), "{out}");
    assert!(describe_service(&ecs, "shop", "worker").await.is_some());

    let out = apply_text(&moto, &["--prune", "--allow-delete"]);
    let line = out
        .lines()
        .find(|l| l.contains("ecs.service.worker") && l.contains("UpdateService"))
        .unwrap_or_else(|| panic!("no step line for the delete:\n{out}"));
    assert!(
        line.find("UpdateService") < line.find("DeleteService"),
        "scaled to zero, then deleted: {line}"
    );
    assert!(describe_service(&ecs, "shop", "worker").await.is_none());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_count_changed_behind_wharfs_back_is_drift_and_apply_repairs_it() {
    let moto = start_moto();
    let ecs = moto.ecs().await;
    let network = moto.default_network();
    moto.manifest(&stack(&network, "desiredCount: 2"));
    moto.apply(&[]);
    moto.expect(&["drift"], 0);

    ecs.update_service()
        .cluster("shop")
        .service("web")
        .desired_count(1)
        .send()
        .await
        .expect("UpdateService");

    let (code, stdout, stderr) = moto.run(&["drift"]);
    assert_eq!(code, 2, "{stdout}\n{stderr}");
    assert!(
        stdout.contains(SVC) && stdout.contains("desiredCount"),
        "{stdout}"
    );
    let report = drift_json(&moto);
    assert_eq!(change(&report, SVC)["action"], "update");
    assert_eq!(paths(&report, SVC), vec!["desiredCount".to_string()]);

    assert_eq!(moto.apply(&[]), 1);
    assert_eq!(service(&ecs, "shop", "web").await.desired_count(), 2);
    moto.expect(&["drift"], 0);
    moto.assert_converged();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_declared_count_next_to_an_autoscaling_target_is_warned_about() {
    let moto = start_moto();
    let network = moto.default_network();
    moto.manifest(&stack(&network, "desiredCount: 2"));
    moto.apply(&[]);
    // An Application Auto Scaling target registered for the service out of band.
    let python = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python");
    let status = std::process::Command::new(python)
        .args([
            "-c",
            "import os, boto3; boto3.client('application-autoscaling', endpoint_url=os.environ['E'], region_name='eu-west-1').register_scalable_target(ServiceNamespace='ecs', ResourceId='service/shop/web', ScalableDimension='ecs:service:DesiredCount', MinCapacity=1, MaxCapacity=4)",
        ])
        .env("E", &moto.endpoint)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .status()
        .expect("python runs");
    assert!(status.success());
    let plan = moto.plan_json(&[]);
    let warnings = plan["warnings"].to_string();
    assert!(
        warnings.contains("ecs.service.web") && warnings.contains("Application Auto Scaling"),
        "{plan:#}"
    );
    // Leaving desiredCount to autoscaling silences it.
    moto.manifest(&stack(&network, ""));
    assert_eq!(moto.plan_json(&[]).get("warnings"), None);
}
