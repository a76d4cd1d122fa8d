//! examples/ecs.yaml, the README's Fargate walkthrough, applied whole against the
//! emulator (its placeholder subnets and security group swapped for the default VPC's).

use crate::support::*;

fn example(network: &(String, String)) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/ecs.yaml");
    let text = std::fs::read_to_string(&path).expect("examples/ecs.yaml");
    let (subnet, group) = network;
    let replaced = text
        .replace(
            "subnets: [subnet-0abc1234, subnet-0def5678]",
            &format!("subnets: [{subnet}]"),
        )
        .replace(
            "securityGroups: [sg-0abc1234]",
            &format!("securityGroups: [{group}]"),
        );
    assert!(
        !replaced.contains("subnet-0abc") && !replaced.contains("sg-0abc"),
        "the example's placeholders changed; update this test"
    );
    replaced
}

#[tokio::test(flavor = "multi_thread")]
async fn the_ecs_example_applies_and_converges() {
    let moto = start_moto();
    let ecs = moto.ecs().await;
    let network = moto.default_network();
    moto.manifest(&example(&network));
    moto.expect(&["validate"], 0);

    moto.apply(&[]);
    let svc = service(&ecs, "shop", "web").await;
    assert_eq!(svc.desired_count(), 2);
    assert!(
        svc.task_definition()
            .unwrap_or_default()
            .ends_with("task-definition/web:1"),
        "{:?}",
        svc.task_definition()
    );
    let live = cluster(&ecs, "shop").await;
    assert_eq!(
        cluster_settings(&live)
            .get("containerInsights")
            .map(String::as_str),
        Some("enabled")
    );
    let (definition, tags) = task_definition(&ecs, "web").await;
    assert_eq!(definition.container_definitions().len(), 2);
    // AWS stores "0.5 vCPU" / "1 GB" as "512" / "1024"; moto keeps them as registered.
    assert!(
        matches!(definition.cpu(), Some("512" | "0.5 vCPU")),
        "{:?}",
        definition.cpu()
    );
    assert!(
        matches!(definition.memory(), Some("1024" | "1 GB")),
        "{:?}",
        definition.memory()
    );
    assert_eq!(
        image_of(&definition),
        format!("{}:v1.0.0", repository_uri("shop/web"))
    );
    assert_eq!(tags.get(OWNERSHIP_TAG), Some(&"shop".to_string()));

    // moto deviation: CreateService drops deploymentConfiguration,
    // healthCheckGracePeriodSeconds and enableECSManagedTags (AWS keeps them), so the
    // first plan afterwards updates exactly those; UpdateService stores them.
    let plan = moto.plan_json(&[]);
    let allowed = [
        "deploymentConfiguration",
        "enableECSManagedTags",
        "healthCheckGracePeriodSeconds",
    ];
    for (address, action) in crate::common::actions(&plan) {
        assert_eq!(
            (address.as_str(), action.as_str()),
            (SVC, "update"),
            "{plan:#}"
        );
    }
    for path in paths(&plan, SVC) {
        assert!(
            allowed
                .iter()
                .any(|a| path == *a || path.starts_with(&format!("{a}."))),
            "only what moto's CreateService drops may differ, not {path}: {plan:#}"
        );
    }
    if !plan["changes"].as_array().unwrap().is_empty() {
        moto.apply(&[]);
    }
    moto.assert_converged();
    moto.expect(&["drift"], 0);
    assert_eq!(active_revisions(&ecs, "web").await, vec!["web:1"]);
}
