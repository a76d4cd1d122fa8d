//! A service's autoscaling (`ecs.autoscaling.NAME`) against moto's Application Auto
//! Scaling: the scalable target, its target tracking policies and scheduled actions are
//! created with the service, updated in place, repaired when changed out of band
//! (undeclared policies and actions are deleted), pruned through the ownership ledger, and
//! exported; the service's running count is never wharf's once autoscaling owns it.

use crate::common::Moto;
use crate::support::*;
use aws_sdk_applicationautoscaling::Client;
use aws_sdk_applicationautoscaling::types::{
    MetricType, PolicyType, PredefinedMetricSpecification, ScalableDimension, ServiceNamespace,
    TargetTrackingScalingPolicyConfiguration,
};
use std::collections::BTreeMap;

const SCALING: &str = "ecs.autoscaling.web";
const RESOURCE: &str = "service/shop/web";

fn stack(network: &(String, String), scaling: &str) -> String {
    web_stack("", &shop_service(network, scaling))
}

const SCALED: &str = r#"
autoScaling:
  minCapacity: 1
  maxCapacity: 4
  targetTracking:
    - { metric: cpu, target: 60 }
    - { metric: memory, target: 70, scaleInCooldown: 120 }
  scheduled:
    - { name: night, schedule: "cron(0 20 * * ? *)", timezone: Europe/Paris, minCapacity: 1, maxCapacity: 1 }
"#;

/// (min, max) of the target, its policies' target values and its actions' schedules.
async fn scaling(client: &Client) -> Option<((i32, i32), BTreeMap<String, f64>, Vec<String>)> {
    let targets = client
        .describe_scalable_targets()
        .service_namespace(ServiceNamespace::Ecs)
        .resource_ids(RESOURCE)
        .send()
        .await
        .expect("DescribeScalableTargets");
    let target = targets.scalable_targets().first()?;
    let policies = client
        .describe_scaling_policies()
        .service_namespace(ServiceNamespace::Ecs)
        .resource_id(RESOURCE)
        .send()
        .await
        .expect("DescribeScalingPolicies");
    let actions = client
        .describe_scheduled_actions()
        .service_namespace(ServiceNamespace::Ecs)
        .resource_id(RESOURCE)
        .send()
        .await
        .expect("DescribeScheduledActions");
    Some((
        (target.min_capacity(), target.max_capacity()),
        policies
            .scaling_policies()
            .iter()
            .map(|p| {
                let value = p
                    .target_tracking_scaling_policy_configuration()
                    .map_or(0.0, |c| c.target_value());
                (p.policy_name().to_string(), value)
            })
            .collect(),
        actions
            .scheduled_actions()
            .iter()
            .map(|a| format!("{} {}", a.scheduled_action_name(), a.schedule()))
            .collect(),
    ))
}

fn applied(moto: &Moto) {
    let network = moto.default_network();
    moto.manifest(&stack(&network, SCALED));
    moto.apply(&[]);
}

#[tokio::test(flavor = "multi_thread")]
async fn autoscaling_is_created_with_the_service_and_converges() {
    let moto = start_moto();
    let network = moto.default_network();
    moto.manifest(&stack(&network, SCALED));
    let plan = moto.plan_json(&[]);
    assert_eq!(change(&plan, SCALING)["action"], "create", "{plan:#}");
    assert_eq!(
        paths(&plan, SCALING),
        [
            "maxCapacity",
            "minCapacity",
            "scheduled.night",
            "targetTracking.web-cpu",
            "targetTracking.web-memory",
        ]
    );
    // The service's create starts it at minCapacity: the count is autoscaling's.
    let create = &change(&plan, SVC)["operations"][0]["input"];
    assert_eq!(create["desiredCount"], 1, "{create}");
    assert!(
        paths(&plan, SVC).iter().all(|p| p != "desiredCount"),
        "{plan:#}"
    );

    moto.apply(&[]);
    let client = moto.autoscaling().await;
    let (bounds, policies, actions) = scaling(&client).await.expect("a scalable target");
    assert_eq!(bounds, (1, 4));
    assert_eq!(
        policies,
        BTreeMap::from([
            ("web-cpu".to_string(), 60.0),
            ("web-memory".to_string(), 70.0)
        ])
    );
    assert_eq!(actions, ["night cron(0 20 * * ? *)"]);
    let ecs = moto.ecs().await;
    assert_eq!(service(&ecs, "shop", "web").await.desired_count(), 1);
    moto.assert_converged();

    // Autoscaling moves the count: still nothing to do.
    ecs.update_service()
        .cluster("shop")
        .service("web")
        .desired_count(2)
        .send()
        .await
        .expect("UpdateService");
    moto.assert_converged();
}

#[tokio::test(flavor = "multi_thread")]
async fn bounds_and_policies_update_in_place() {
    let moto = start_moto();
    applied(&moto);
    let network = moto.default_network();
    let changed = SCALED
        .replace("maxCapacity: 4", "maxCapacity: 6")
        .replace("target: 60", "target: 50")
        .replace(
            "    - { name: night",
            "    - { name: morning, schedule: \"cron(0 7 * * ? *)\", minCapacity: 2 }\n    - { name: night",
        );
    moto.manifest(&stack(&network, &changed));
    let plan = moto.plan_json(&[]);
    assert_eq!(change(&plan, SCALING)["action"], "update");
    assert_eq!(
        paths(&plan, SCALING),
        ["maxCapacity", "scheduled.morning", "targetTracking.web-cpu"]
    );
    assert_eq!(
        moto.apply(&[]),
        3,
        "RegisterScalableTarget, PutScalingPolicy, PutScheduledAction"
    );
    let client = moto.autoscaling().await;
    let (bounds, policies, actions) = scaling(&client).await.expect("a scalable target");
    assert_eq!(bounds, (1, 6));
    assert_eq!(policies["web-cpu"], 50.0);
    assert_eq!(actions.len(), 2);
    moto.assert_converged();
}

/// A policy added and a bound changed out of band are drift; apply puts back what the
/// manifest says and deletes the undeclared policy.
#[tokio::test(flavor = "multi_thread")]
async fn policies_and_bounds_changed_out_of_band_are_drift() {
    let moto = start_moto();
    applied(&moto);
    let client = moto.autoscaling().await;
    client
        .register_scalable_target()
        .service_namespace(ServiceNamespace::Ecs)
        .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
        .resource_id(RESOURCE)
        .min_capacity(3)
        .max_capacity(4)
        .send()
        .await
        .expect("RegisterScalableTarget");
    client
        .put_scaling_policy()
        .service_namespace(ServiceNamespace::Ecs)
        .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
        .resource_id(RESOURCE)
        .policy_name("by-hand")
        .policy_type(PolicyType::TargetTrackingScaling)
        .target_tracking_scaling_policy_configuration(
            TargetTrackingScalingPolicyConfiguration::builder()
                .target_value(10.0)
                .predefined_metric_specification(
                    PredefinedMetricSpecification::builder()
                        .predefined_metric_type(MetricType::EcsServiceAverageCpuUtilization)
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap(),
        )
        .send()
        .await
        .expect("PutScalingPolicy");
    let (code, stdout, _) = moto.run(&["drift", "--format", "json"]);
    assert_eq!(code, 2, "{stdout}");
    let report: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(
        paths(&report, SCALING),
        ["minCapacity", "targetTracking.by-hand"]
    );
    assert_eq!(
        moto.apply(&[]),
        2,
        "RegisterScalableTarget, DeleteScalingPolicy"
    );
    let (bounds, policies, _) = scaling(&client).await.expect("a scalable target");
    assert_eq!(bounds, (1, 4));
    assert!(!policies.contains_key("by-hand"), "{policies:?}");
    moto.assert_converged();
}

/// A block the manifest drops is deregistered with --prune (the ledger says wharf made
/// it); a target someone else registered is never touched.
#[tokio::test(flavor = "multi_thread")]
async fn a_dropped_block_is_pruned_through_the_ledger() {
    let moto = start_moto();
    applied(&moto);
    let network = moto.default_network();
    moto.manifest(&stack(&network, ""));
    let plan = moto.plan_json(&[]);
    assert!(
        plan["changes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["address"] != SCALING),
        "without --prune nothing is deleted: {plan:#}"
    );
    let drift = drift_json(&moto);
    assert_eq!(change(&drift, SCALING)["action"], "delete", "{drift:#}");
    moto.apply(&["--prune"]);
    let client = moto.autoscaling().await;
    assert!(scaling(&client).await.is_none(), "deregistered");
    let ecs = moto.ecs().await;
    assert_eq!(service(&ecs, "shop", "web").await.status(), Some("ACTIVE"));
    moto.assert_converged();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_declared_count_beside_autoscaling_is_a_located_error() {
    let moto = start_moto();
    let network = moto.default_network();
    moto.manifest(&stack(&network, &format!("desiredCount: 2\n{SCALED}")));
    let out = moto.expect(&["validate"], 1);
    assert!(
        out.contains("`desiredCount` and `autoScaling` both set how many tasks run")
            && out.contains("remove `desiredCount`"),
        "{out}"
    );
    let bad = SCALED
        .replace("maxCapacity: 4", "maxCapacity: 0")
        .replace("metric: memory", "metric: memroy");
    moto.manifest(&stack(&network, &bad));
    let out = moto.expect(&["validate"], 1);
    assert!(
        out.contains("`maxCapacity` (0) is below `minCapacity` (1)"),
        "{out}"
    );
    assert!(out.contains("did you mean `memory`?"), "{out}");
    // What AWS takes is not refused: a `:` in a policy name, a target above 100 (tasks on
    // EC2 may use more than they reserve) only warns.
    let odd = SCALED.replace(
        "{ metric: cpu, target: 60 }",
        "{ metric: cpu, target: 150, name: \"web:cpu\" }",
    );
    moto.manifest(&stack(&network, &odd));
    let out = moto.expect(&["validate"], 0);
    assert!(
        out.contains("150 is reached only by tasks that") && out.contains("is valid"),
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn export_writes_the_block_and_the_export_plans_clean() {
    let moto = start_moto();
    applied(&moto);
    let out = moto.expect(
        &[
            "export",
            "--stack",
            "shop",
            "--repositories",
            "shop/web",
            "--roles",
            "task-execution",
            "--clusters",
            "shop",
            "--task-definitions",
            "web",
            "--services",
            "web",
            "-o",
            "exported.yaml",
        ],
        0,
    );
    let text = std::fs::read_to_string(moto.dir.path().join("exported.yaml")).expect("written");
    assert!(text.contains("autoScaling:"), "{out}\n{text}");
    assert!(
        text.contains("metric: memory") && text.contains("scaleInCooldown: 120"),
        "{text}"
    );
    assert!(text.contains("timezone: Europe/Paris"), "{text}");
    let plan = moto.expect(&["plan", "-f", "exported.yaml", "--format", "json"], 0);
    let plan: serde_json::Value = serde_json::from_str(&plan).expect("JSON");
    assert!(
        plan["changes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["address"] != SCALING && c["address"] != SVC),
        "{plan:#}"
    );
}
