//! ECS capacity providers on Auto Scaling groups (`ecs.capacity_provider.NAME`) against
//! moto: created before the cluster that associates them, managed scaling updated in
//! place, a change made out of band found as drift and repaired, a new group refused at
//! its line (a provider keeps its group for life), pruned after the cluster lets go of
//! them, exported, and validated as ECS validates them.

use crate::support::*;
use aws_sdk_ecs::types::{AutoScalingGroupProviderUpdate, ManagedScaling, ManagedScalingStatus};

const PROVIDER: &str = "ecs.capacity_provider.shop-spot";
const GROUP: &str = "arn:aws:autoscaling:eu-west-1:123456789012:autoScalingGroup:7d5b5a7e-1234-4abc-9def-0123456789ab:autoScalingGroupName/shop-spot";

fn manifest(target: u32, associated: bool, declared: bool) -> String {
    let provider = if declared {
        format!(
            r#"
  capacityProviders:
    shop-spot:
      autoScalingGroupProvider:
        autoScalingGroupArn: "{GROUP}"
        managedScaling: {{ status: ENABLED, targetCapacity: {target} }}
        managedTerminationProtection: DISABLED
      tags: {{ team: shop }}"#
        )
    } else {
        String::new()
    };
    let providers = if associated {
        "[FARGATE, shop-spot]"
    } else {
        "[FARGATE]"
    };
    format!(
        "version: 1\nstack: shop\necs:{provider}\n  clusters:\n    shop:\n      capacityProviders: {providers}\n"
    )
}

async fn described(moto: &crate::common::Moto) -> Option<aws_sdk_ecs::types::CapacityProvider> {
    let ecs = moto.ecs().await;
    let out = ecs
        .describe_capacity_providers()
        .capacity_providers("shop-spot")
        .include(aws_sdk_ecs::types::CapacityProviderField::Tags)
        .send()
        .await
        .expect("DescribeCapacityProviders");
    out.capacity_providers().first().cloned()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_provider_is_created_before_its_cluster_and_updates_in_place() {
    let moto = start_moto();
    moto.manifest(&manifest(90, true, true));
    let plan = moto.plan_json(&[]);
    let order: Vec<&str> = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["address"].as_str())
        .collect();
    assert_eq!(
        order,
        [PROVIDER, CLUSTER],
        "the provider exists before the cluster names it"
    );
    moto.apply(&[]);
    let provider = described(&moto).await.expect("created");
    let group = provider
        .auto_scaling_group_provider()
        .expect("a group provider");
    assert_eq!(group.auto_scaling_group_arn(), GROUP);
    assert_eq!(
        group.managed_scaling().and_then(|s| s.target_capacity()),
        Some(90)
    );
    let tags: Vec<(String, String)> = provider
        .tags()
        .iter()
        .map(|t| {
            (
                t.key().unwrap_or_default().into(),
                t.value().unwrap_or_default().into(),
            )
        })
        .collect();
    assert!(
        tags.contains(&("wharf:stack".into(), "shop".into())),
        "{tags:?}"
    );
    moto.assert_converged();

    moto.manifest(&manifest(80, true, true));
    let plan = moto.plan_json(&[]);
    assert_eq!(change(&plan, PROVIDER)["action"], "update", "{plan:#}");
    assert_eq!(paths(&plan, PROVIDER), ["autoScalingGroupProvider"]);
    assert_eq!(moto.apply(&[]), 1, "one UpdateCapacityProvider");
    let provider = described(&moto).await.expect("still there");
    assert_eq!(
        provider
            .auto_scaling_group_provider()
            .and_then(|g| g.managed_scaling())
            .and_then(|s| s.target_capacity()),
        Some(80)
    );
    moto.assert_converged();
}

#[tokio::test(flavor = "multi_thread")]
async fn managed_scaling_changed_out_of_band_is_drift() {
    let moto = start_moto();
    moto.manifest(&manifest(90, true, true));
    moto.apply(&[]);
    let ecs = moto.ecs().await;
    ecs.update_capacity_provider()
        .name("shop-spot")
        .auto_scaling_group_provider(
            AutoScalingGroupProviderUpdate::builder()
                .managed_scaling(
                    ManagedScaling::builder()
                        .status(ManagedScalingStatus::Disabled)
                        .target_capacity(50)
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .expect("UpdateCapacityProvider");
    let (code, stdout, _) = moto.run(&["drift", "--format", "json"]);
    assert_eq!(code, 2, "{stdout}");
    let report: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(paths(&report, PROVIDER), ["autoScalingGroupProvider"]);
    assert_eq!(moto.apply(&[]), 1);
    moto.assert_converged();
}

#[tokio::test(flavor = "multi_thread")]
async fn another_group_is_refused_at_its_line() {
    let moto = start_moto();
    moto.manifest(&manifest(90, true, true));
    moto.apply(&[]);
    moto.manifest(&manifest(90, true, true).replace(
        "autoScalingGroupName/shop-spot",
        "autoScalingGroupName/shop-spot-2",
    ));
    let (code, stdout, stderr) = moto.run(&["plan"]);
    let out = stdout + &stderr;
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("ECS cannot move a provider to another group")
            && out.contains("autoScalingGroupName/shop-spot-2")
            && out.contains("declare a provider of another name"),
        "{out}"
    );
}

/// Dropped from the manifest and from the cluster: the cluster lets go of it first
/// (updates run before deletes), then --prune deletes it.
#[tokio::test(flavor = "multi_thread")]
async fn a_dropped_provider_is_pruned_after_the_cluster_lets_go() {
    let moto = start_moto();
    moto.manifest(&manifest(90, true, true));
    moto.apply(&[]);
    moto.manifest(&manifest(90, false, false));
    let plan = moto.plan_json(&[]);
    assert!(
        plan["changes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["address"] != PROVIDER),
        "nothing is deleted without --prune: {plan:#}"
    );
    let plan = moto.plan_json(&["--prune"]);
    let order: Vec<(&str, &str)> = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["address"].as_str().unwrap(),
                c["action"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(order, [(CLUSTER, "update"), (PROVIDER, "delete")]);
    moto.apply(&["--prune"]);
    assert!(described(&moto).await.is_none(), "deleted");
    moto.assert_converged();
}

#[tokio::test(flavor = "multi_thread")]
async fn providers_are_validated_as_ecs_does() {
    let moto = start_moto();
    // The service model's ranges, at the value.
    moto.manifest(&manifest(150, true, true));
    let out = moto.expect(&["validate"], 1);
    assert!(
        out.contains("must be at most 100") && out.contains("targetCapacity: 150"),
        "{out}"
    );
    let bad = manifest(90, true, true)
        .replace("shop-spot:", "ecs-spot:")
        .replace("[FARGATE, shop-spot]", "[FARGATE, ecs-spot]")
        .replace(
            GROUP,
            "arn:aws:autoscaling:eu-west-1:123456789012:shop-spot",
        )
        .replace(
            "targetCapacity: 90",
            "targetCapacity: 90, minimumScalingStepSize: 5, maximumScalingStepSize: 2",
        );
    moto.manifest(&bad);
    let out = moto.expect(&["validate"], 1);
    for expected in [
        "a capacity provider name cannot start with `aws`, `ecs` or `fargate` (`ecs-spot`)",
        "`autoScalingGroupArn` must be an Auto Scaling group's full ARN",
        "`maximumScalingStepSize` (2) is below `minimumScalingStepSize` (5)",
    ] {
        assert!(out.contains(expected), "missing {expected:?}:\n{out}");
    }
    let managed = manifest(90, true, true).replace(
        "      tags: { team: shop }",
        "      managedInstancesProvider: { infrastructureRoleArn: \"arn:aws:iam::123456789012:role/ecs-infra\", instanceLaunchTemplate: { ec2InstanceProfileArn: \"arn:aws:iam::123456789012:instance-profile/ecs-instances\", networkConfiguration: { subnets: [subnet-0abc] } } }",
    );
    moto.manifest(&managed);
    let out = moto.expect(&["validate"], 1);
    assert!(
        out.contains("wharf does not manage `managedInstancesProvider` of CreateCapacityProvider"),
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_exported_provider_plans_clean() {
    let moto = start_moto();
    moto.manifest(&manifest(90, true, true));
    moto.apply(&[]);
    moto.expect(
        &[
            "export",
            "--stack",
            "shop",
            "--capacity-providers",
            "*",
            "--clusters",
            "shop",
            "-o",
            "exported.yaml",
        ],
        0,
    );
    let text = std::fs::read_to_string(moto.dir.path().join("exported.yaml")).expect("written");
    assert!(
        text.contains("shop-spot:") && text.contains("targetCapacity: 90"),
        "{text}"
    );
    let plan = moto.expect(&["plan", "-f", "exported.yaml", "--format", "json"], 0);
    let plan: serde_json::Value = serde_json::from_str(&plan).expect("JSON");
    assert_eq!(
        plan["changes"].as_array().map(Vec::len),
        Some(0),
        "{plan:#}"
    );
}

/// A provider no cluster associates any more is still found for --prune: the ownership
/// ledger names the providers wharf created, so the account is never scanned.
#[tokio::test(flavor = "multi_thread")]
async fn an_unassociated_owned_provider_is_found_through_the_ledger() {
    let moto = start_moto();
    moto.manifest(&manifest(90, true, true));
    moto.apply(&[]);
    moto.manifest(&manifest(90, false, true));
    moto.apply(&[]);
    moto.manifest(&manifest(90, false, false));
    let drift = drift_json(&moto);
    assert_eq!(change(&drift, PROVIDER)["action"], "delete", "{drift:#}");
    moto.apply(&["--prune"]);
    assert!(described(&moto).await.is_none(), "deleted");
    moto.assert_converged();
}
