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
        out.contains("capacity provider `shop-spot` has autoScalingGroupArn")
            && out.contains("UpdateCapacityProvider cannot")
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
        out.contains("a capacity provider is either an Auto Scaling group provider or a Managed Instances provider"),
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

const MANAGED: &str = "ecs.managed_instances_provider.shop-mi";

/// A Managed Instances provider in cluster `shop`, its infrastructure role declared here.
fn managed_manifest(extra_template: &str, declared: bool) -> String {
    let provider = if declared {
        format!(
            r#"
  capacityProviders:
    shop-mi:
      cluster: shop
      managedInstancesProvider:
        infrastructureRoleArn: ecs-infrastructure
        propagateTags: CAPACITY_PROVIDER
        instanceLaunchTemplate:
          ec2InstanceProfileArn: ecs-instances
          networkConfiguration: {{ subnets: [subnet-0abc1234] }}
          capacityOptionType: ON_DEMAND{extra_template}"#
        )
    } else {
        String::new()
    };
    format!(
        "version: 1\nstack: shop\niam:\n  roles:\n    ecs-infrastructure:\n      assumedBy: [ecs.amazonaws.com]\n    ecs-instances:\n      assumedBy: [ec2.amazonaws.com]\n      instanceProfile: true\necs:{provider}\n  clusters:\n    shop:\n      capacityProviders: [FARGATE]\n"
    )
}

async fn managed(moto: &crate::common::Moto) -> Option<aws_sdk_ecs::types::CapacityProvider> {
    let out = moto
        .ecs()
        .await
        .describe_capacity_providers()
        .cluster("shop")
        .capacity_providers("shop-mi")
        .send()
        .await
        .expect("DescribeCapacityProviders");
    out.capacity_providers().first().cloned()
}

/// Created in its cluster after the cluster, with the role of this manifest by its ARN;
/// updated in place; what UpdateCapacityProvider cannot change is refused; pruned through
/// the ledger, which records it with its cluster.
#[tokio::test(flavor = "multi_thread")]
async fn a_managed_instances_provider_lives_in_its_cluster() {
    let moto = start_moto();
    moto.manifest(&managed_manifest("", true));
    let plan = moto.plan_json(&[]);
    let order: Vec<&str> = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["address"].as_str())
        .collect();
    assert_eq!(
        order,
        [
            "iam.role.ecs-infrastructure",
            "iam.role.ecs-instances",
            CLUSTER,
            MANAGED
        ],
        "the roles and the cluster exist before the provider"
    );
    let input = &change(&plan, MANAGED)["operations"][0]["input"];
    assert_eq!(input["cluster"], "shop", "{input}");
    assert_eq!(
        input["managedInstancesProvider"]["infrastructureRoleArn"],
        "arn:aws:iam::123456789012:role/ecs-infrastructure"
    );
    assert_eq!(
        input["managedInstancesProvider"]["instanceLaunchTemplate"]["ec2InstanceProfileArn"],
        "arn:aws:iam::123456789012:instance-profile/ecs-instances",
        "the role's instance profile, by its ARN"
    );
    moto.apply(&[]);
    let provider = managed(&moto).await.expect("created");
    assert!(provider.managed_instances_provider().is_some());
    moto.assert_converged();
    // Exported with its cluster, it plans clean.
    moto.expect(
        &[
            "export",
            "--stack",
            "shop",
            "--capacity-providers",
            "*",
            "--clusters",
            "shop",
            "--roles",
            "ecs-*",
            "-o",
            "exported.yaml",
        ],
        0,
    );
    let text = std::fs::read_to_string(moto.dir.path().join("exported.yaml")).expect("written");
    assert!(
        text.contains("shop-mi:") && text.contains("cluster: shop"),
        "{text}"
    );
    let plan = moto.expect(&["plan", "-f", "exported.yaml", "--format", "json"], 0);
    let plan: serde_json::Value = serde_json::from_str(&plan).expect("JSON");
    assert_eq!(
        plan["changes"].as_array().map(Vec::len),
        Some(0),
        "{plan:#}"
    );

    // In place: storage is something UpdateCapacityProvider changes.
    moto.manifest(&managed_manifest(
        "\n          storageConfiguration: { storageSizeGiB: 100 }",
        true,
    ));
    let plan = moto.plan_json(&[]);
    assert_eq!(change(&plan, MANAGED)["action"], "update", "{plan:#}");
    let update = &change(&plan, MANAGED)["operations"][0]["input"];
    assert_eq!(update["cluster"], "shop", "{update}");
    assert!(
        update["managedInstancesProvider"]["instanceLaunchTemplate"]
            .get("capacityOptionType")
            .is_none(),
        "InstanceLaunchTemplateUpdate has no capacityOptionType: {update}"
    );
    assert_eq!(moto.apply(&[]), 1);
    moto.assert_converged();

    // Not in place: the capacity option type.
    moto.manifest(
        &managed_manifest(
            "\n          storageConfiguration: { storageSizeGiB: 100 }",
            true,
        )
        .replace("ON_DEMAND", "SPOT"),
    );
    let (code, stdout, stderr) = moto.run(&["plan"]);
    let out = stdout + &stderr;
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("instanceLaunchTemplate.capacityOptionType ON_DEMAND")
            && out.contains("UpdateCapacityProvider cannot")
            && out.contains("capacityOptionType: SPOT"),
        "{out}"
    );

    // Dropped: --prune deletes it, found through the ledger in its cluster.
    moto.manifest(&managed_manifest("", false));
    let drift = drift_json(&moto);
    assert_eq!(change(&drift, MANAGED)["action"], "delete", "{drift:#}");
    moto.apply(&["--prune"]);
    assert!(managed(&moto).await.is_none(), "deleted");
    moto.assert_converged();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_managed_instances_provider_is_never_associated() {
    let moto = start_moto();
    moto.manifest(&managed_manifest("", true).replace(
        "capacityProviders: [FARGATE]",
        "capacityProviders: [FARGATE, shop-mi]",
    ));
    let out = moto.expect(&["validate"], 1);
    assert!(
        out.contains("`shop-mi` is a Managed Instances provider: it lives in its own cluster and is never associated"),
        "{out}"
    );
    moto.manifest(&managed_manifest("", true).replace("      cluster: shop\n", ""));
    let out = moto.expect(&["validate"], 1);
    assert!(
        out.contains("a Managed Instances provider lives in one cluster, named in `cluster`"),
        "{out}"
    );
    moto.manifest(&managed_manifest("", true).replace(
        "infrastructureRoleArn: ecs-infrastructure",
        "infrastructureRoleArn: ecs-infra",
    ));
    let out = moto.expect(&["validate"], 1);
    assert!(out.contains("did you mean `ecs-infrastructure`?"), "{out}");
}

/// A Managed Instances provider changed out of band is drift, and apply puts back what
/// the manifest says.
#[tokio::test(flavor = "multi_thread")]
async fn a_managed_instances_provider_changed_out_of_band_is_drift() {
    let moto = start_moto();
    moto.manifest(&managed_manifest("", true));
    moto.apply(&[]);
    moto.ecs()
        .await
        .update_capacity_provider()
        .name("shop-mi")
        .cluster("shop")
        .managed_instances_provider(
            aws_sdk_ecs::types::UpdateManagedInstancesProviderConfiguration::builder()
                .infrastructure_role_arn("arn:aws:iam::123456789012:role/ecs-infrastructure")
                .propagate_tags(aws_sdk_ecs::types::PropagateMiTags::None)
                .build()
                .expect("a configuration"),
        )
        .send()
        .await
        .expect("UpdateCapacityProvider");
    let drift = drift_json(&moto);
    assert_eq!(change(&drift, MANAGED)["action"], "update", "{drift:#}");
    assert_eq!(paths(&drift, MANAGED), ["managedInstancesProvider"]);
    assert_eq!(moto.apply(&[]), 1, "one UpdateCapacityProvider");
    moto.assert_converged();
}
