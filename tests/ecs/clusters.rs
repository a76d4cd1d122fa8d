//! ECS clusters (`ecs.cluster.NAME`): create with settings and tags, update in place,
//! drift, prune (never one that still runs services) and ownership.

use crate::common::actions;
use crate::support::*;
use aws_sdk_ecs::types::{ClusterSetting, ClusterSettingName};

fn clusters(entries: &str) -> String {
    format!(
        "version: 1\nstack: shop\ndefaults:\n  tags: {{ team: shop }}\necs:\n  clusters:\n{}",
        indent(entries, 4)
    )
}

const INSIGHTS_ON: &str =
    "shop: { settings: [ { name: containerInsights, value: enabled } ], tags: { app: shop } }";

#[tokio::test(flavor = "multi_thread")]
async fn a_cluster_is_created_with_its_settings_and_tags() {
    let moto = start_moto();
    let ecs = moto.ecs().await;
    moto.manifest(&clusters(INSIGHTS_ON));

    let plan = moto.plan_json(&[]);
    assert_eq!(actions(&plan), vec![act(CLUSTER, "create")]);
    let fields = paths(&plan, CLUSTER);
    assert!(fields.contains(&"settings".to_string()), "{fields:?}");

    assert_eq!(moto.apply(&[]), 1, "one CreateCluster");
    let live = cluster(&ecs, "shop").await;
    assert_eq!(
        cluster_settings(&live),
        tag_map(&[("containerInsights", "enabled")])
    );
    assert_eq!(
        ecs_tags(live.tags()),
        tag_map(&[("app", "shop"), ("team", "shop"), (OWNERSHIP_TAG, "shop")])
    );
    moto.assert_converged();
}

#[tokio::test(flavor = "multi_thread")]
async fn settings_and_tags_update_in_place() {
    let moto = start_moto();
    let ecs = moto.ecs().await;
    moto.manifest(&clusters(INSIGHTS_ON));
    moto.apply(&[]);
    let arn = cluster(&ecs, "shop")
        .await
        .cluster_arn()
        .unwrap()
        .to_string();

    moto.manifest(&clusters(
        "shop: { settings: [ { name: containerInsights, value: disabled } ], tags: { tier: core } }",
    ));
    let plan = moto.plan_json(&[]);
    assert_eq!(actions(&plan), vec![act(CLUSTER, "update")]);
    let fields = paths(&plan, CLUSTER);
    assert!(fields.contains(&"settings".to_string()), "{fields:?}");
    assert!(fields.iter().any(|f| f.contains("app")), "{fields:?}");
    assert!(fields.iter().any(|f| f.contains("tier")), "{fields:?}");

    assert!(moto.apply(&[]) >= 2, "UpdateCluster and tag calls");
    let live = cluster(&ecs, "shop").await;
    assert_eq!(
        live.cluster_arn(),
        Some(arn.as_str()),
        "updated, not replaced"
    );
    assert_eq!(
        cluster_settings(&live),
        tag_map(&[("containerInsights", "disabled")])
    );
    assert_eq!(
        ecs_tags(live.tags()),
        tag_map(&[("tier", "core"), ("team", "shop"), (OWNERSHIP_TAG, "shop")])
    );
    moto.assert_converged();

    // No settings at all means AWS's default, containerInsights disabled: no change.
    moto.manifest(&clusters("shop: { tags: { tier: core } }"));
    assert_plan_empty(&moto, &[]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_setting_changed_behind_wharfs_back_is_drift_and_apply_repairs_it() {
    let moto = start_moto();
    let ecs = moto.ecs().await;
    moto.manifest(&clusters(INSIGHTS_ON));
    moto.apply(&[]);
    moto.expect(&["drift"], 0);

    ecs.update_cluster()
        .cluster("shop")
        .settings(
            ClusterSetting::builder()
                .name(ClusterSettingName::ContainerInsights)
                .value("disabled")
                .build(),
        )
        .send()
        .await
        .expect("UpdateCluster");

    let (code, stdout, stderr) = moto.run(&["drift"]);
    assert_eq!(code, 2, "{stdout}\n{stderr}");
    assert!(stdout.contains(CLUSTER), "{stdout}");
    assert!(stdout.contains("settings"), "{stdout}");
    let report = drift_json(&moto);
    assert_eq!(change(&report, CLUSTER)["action"], "update");
    assert_eq!(paths(&report, CLUSTER), vec!["settings".to_string()]);

    assert_eq!(moto.apply(&[]), 1, "one UpdateCluster");
    assert_eq!(
        cluster_settings(&cluster(&ecs, "shop").await),
        tag_map(&[("containerInsights", "enabled")])
    );
    moto.expect(&["drift"], 0);
    moto.assert_converged();
}

#[tokio::test(flavor = "multi_thread")]
async fn an_owned_cluster_left_out_is_deleted_only_with_prune() {
    let moto = start_moto();
    let ecs = moto.ecs().await;
    moto.manifest(&clusters("shop: {}\nold: {}"));
    moto.apply(&[]);
    assert!(cluster_exists(&ecs, "old").await);

    moto.manifest(&clusters("shop: {}"));
    assert_plan_empty(&moto, &[]);
    assert_eq!(moto.apply(&[]), 0);
    assert!(cluster_exists(&ecs, "old").await);

    let plan = moto.plan_json(&["--prune"]);
    assert_eq!(actions(&plan), vec![act("ecs.cluster.old", "delete")]);
    let text = moto.expect(&["plan", "--prune"], 0);
    assert!(text.contains("- ecs.cluster.old"), "{text}");

    assert_eq!(moto.apply(&["--prune"]), 1, "one DeleteCluster");
    assert!(!cluster_exists(&ecs, "old").await);
    assert!(cluster_exists(&ecs, "shop").await);
    moto.assert_converged();
    assert_plan_empty(&moto, &["--prune"]);
    // Drift reads owned resources too: nothing left over.
    moto.expect(&["drift"], 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_owned_cluster_that_still_runs_a_service_is_not_pruned() {
    let moto = start_moto();
    let ecs = moto.ecs().await;
    moto.manifest(&clusters("shop: {}\nold: {}"));
    moto.apply(&[]);
    // Someone runs a service in it (EC2 launch type: moto needs no network for it).
    ecs.create_service()
        .cluster("old")
        .service_name("legacy-api")
        .desired_count(0)
        .send()
        .await
        .expect("CreateService");
    moto.manifest(&clusters("shop: {}"));

    // Without --prune the cluster is simply not planned.
    assert_plan_empty(&moto, &[]);

    let (code, stdout, stderr) = moto.run(&["plan", "--prune"]);
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    let out = stdout + &stderr;
    assert!(out.contains("ecs.cluster.old"), "{out}");
    assert!(out.contains("legacy-api"), "names the service: {out}");

    let out = moto.expect(&["apply", "--auto-approve", "--prune"], 1);
    assert!(out.contains("legacy-api"), "{out}");
    assert!(cluster_exists(&ecs, "old").await);
    assert!(
        describe_service(&ecs, "old", "legacy-api").await.is_some(),
        "the service is untouched"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn prune_never_touches_untagged_or_other_stacks_clusters() {
    let moto = start_moto();
    let ecs = moto.ecs().await;
    create_cluster(&ecs, "loose", &[]).await;
    create_cluster(&ecs, "team-tagged", &[("team", "shop")]).await;
    create_cluster(&ecs, "other", &[(OWNERSHIP_TAG, "other")]).await;
    moto.manifest(&clusters("shop: {}"));

    let plan = moto.plan_json(&["--prune"]);
    assert_eq!(actions(&plan), vec![act(CLUSTER, "create")]);
    moto.expect(&["apply", "--auto-approve", "--prune", "--allow-delete"], 0);
    for name in ["loose", "team-tagged", "other", "shop"] {
        assert!(cluster_exists(&ecs, name).await, "{name} exists");
    }
    assert_eq!(
        ecs_tags(cluster(&ecs, "other").await.tags()),
        tag_map(&[(OWNERSHIP_TAG, "other")])
    );
    assert_plan_empty(&moto, &["--prune"]);
    moto.expect(&["drift"], 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_declared_cluster_that_exists_untagged_stops_the_plan() {
    let moto = start_moto();
    let ecs = moto.ecs().await;
    create_cluster(&ecs, "shop", &[("team", "shop")]).await;
    moto.manifest(&clusters(INSIGHTS_ON));

    let (code, stdout, stderr) = moto.run(&["plan"]);
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    let out = stdout + &stderr;
    assert!(out.contains(CLUSTER), "{out}");
    assert!(out.contains(OWNERSHIP_TAG), "{out}");
    moto.expect(&["apply", "--auto-approve"], 1);
    // Nothing was adopted or changed.
    let live = cluster(&ecs, "shop").await;
    assert_eq!(ecs_tags(live.tags()), tag_map(&[("team", "shop")]));
    assert_ne!(
        cluster_settings(&live)
            .get("containerInsights")
            .map(String::as_str),
        Some("enabled")
    );

    // Another stack's cluster is refused too, naming that stack.
    create_cluster(&ecs, "theirs", &[(OWNERSHIP_TAG, "other")]).await;
    moto.manifest(&clusters("theirs: {}"));
    let (code, stdout, stderr) = moto.run(&["plan"]);
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    assert!((stdout + &stderr).contains("`other`"));
}
