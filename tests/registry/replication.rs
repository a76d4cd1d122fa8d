//! Registry replication (`ecr.registry.replication`). moto accepts one rule only.

use crate::common::{ACCOUNT, Moto, actions};
use crate::support::*;
use aws_sdk_ecr::types::{
    ReplicationConfiguration, ReplicationDestination, ReplicationRule, RepositoryFilter,
    RepositoryFilterType,
};
use serde_json::json;

const TWO_REGIONS: &str = "registry:\n  replication:\n    rules:\n      - destinations: [ { region: us-west-2 }, { region: eu-central-1, registryId: \"210987654321\" } ]\n        repositoryFilters: [\"shop/\"]\n";

/// Rules as [(sorted "region/account" destinations, filters)].
async fn replication(ecr: &aws_sdk_ecr::Client) -> Vec<(Vec<String>, Vec<String>)> {
    let out = ecr.describe_registry().send().await.unwrap();
    out.replication_configuration()
        .map(|c| c.rules().to_vec())
        .unwrap_or_default()
        .iter()
        .map(|r| {
            let mut destinations: Vec<String> = r
                .destinations()
                .iter()
                .map(|d| format!("{}/{}", d.region(), d.registry_id()))
                .collect();
            destinations.sort();
            (
                destinations,
                r.repository_filters()
                    .iter()
                    .map(|f| f.filter().to_string())
                    .collect(),
            )
        })
        .collect()
}

async fn put_replication(ecr: &aws_sdk_ecr::Client, region: &str, filter: &str) {
    ecr.put_replication_configuration()
        .replication_configuration(
            ReplicationConfiguration::builder()
                .rules(
                    ReplicationRule::builder()
                        .destinations(
                            ReplicationDestination::builder()
                                .region(region)
                                .registry_id(ACCOUNT)
                                .build()
                                .unwrap(),
                        )
                        .repository_filters(
                            RepositoryFilter::builder()
                                .filter(filter)
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
        .unwrap();
}

fn strs(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn replication_is_created_and_converges() {
    let moto = Moto::start();
    let ecr = moto.ecr().await;
    moto.manifest(&manifest(TWO_REGIONS));

    let plan = moto.plan_json(&[]);
    assert_eq!(actions(&plan), vec![act(REPLICATION, "create")]);
    let c = change(&plan, REPLICATION);
    assert_eq!(c["fields"][0]["path"], "rules");
    assert_eq!(c["fields"][0]["before"], json!([]));
    // The default registryId is the account wharf runs in.
    assert_eq!(
        c["fields"][0]["after"][0]["destinations"],
        json!([
            {"region": "eu-central-1", "registryId": "210987654321"},
            {"region": "us-west-2", "registryId": ACCOUNT}
        ])
    );
    assert_eq!(moto.apply(&[]), 1, "one PutReplicationConfiguration");
    assert_eq!(
        replication(&ecr).await,
        vec![(
            strs(&["eu-central-1/210987654321", &format!("us-west-2/{ACCOUNT}")]),
            strs(&["shop/"])
        )]
    );
    moto.assert_converged();
}

#[tokio::test(flavor = "multi_thread")]
async fn replication_updates_and_clears() {
    let moto = Moto::start();
    let ecr = moto.ecr().await;
    moto.manifest(&manifest(TWO_REGIONS));
    moto.apply(&[]);

    moto.manifest(&manifest(
        "registry:\n  replication:\n    rules:\n      - destinations: [ { region: us-east-1 } ]\n",
    ));
    let plan = moto.plan_json(&[]);
    assert_eq!(actions(&plan), vec![act(REPLICATION, "update")]);
    assert_eq!(moto.apply(&[]), 1);
    assert_eq!(
        replication(&ecr).await,
        vec![(strs(&[&format!("us-east-1/{ACCOUNT}")]), vec![])]
    );
    moto.assert_converged();

    // Present but empty: owned whole, so replication is cleared.
    moto.manifest(&manifest("registry:\n  replication: { rules: [] }\n"));
    assert_eq!(moto.apply(&[]), 1);
    assert!(replication(&ecr).await.is_empty());
    moto.assert_converged();
}

#[tokio::test(flavor = "multi_thread")]
async fn replication_drift_is_found_and_repaired() {
    let moto = Moto::start();
    let ecr = moto.ecr().await;
    moto.manifest(&manifest(TWO_REGIONS));
    moto.apply(&[]);
    moto.expect(&["drift"], 0);

    put_replication(&ecr, "ap-south-1", "other/").await;
    assert_drift_repaired(&moto, REPLICATION, "rules");
    assert_eq!(replication(&ecr).await[0].1, strs(&["shop/"]));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_manifest_without_replication_leaves_it_alone() {
    let moto = Moto::start();
    let ecr = moto.ecr().await;
    put_replication(&ecr, "ap-south-1", "legacy/").await;
    moto.manifest(&manifest("repositories:\n  shop/web: {}\n"));
    moto.apply(&[]);
    moto.assert_converged();
    moto.expect(&["drift"], 0);
    assert_eq!(replication(&ecr).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_destination_equal_to_the_source_registry_stops_the_plan() {
    let moto = Moto::start();
    // The manifest names no region, so only the plan (knowing the live region) can tell.
    moto.manifest(&manifest(
        "registry:\n  replication:\n    rules:\n      - destinations: [ { region: eu-west-1 } ]\n",
    ));
    let (code, stdout, stderr) = moto.run(&["plan"]);
    assert_ne!(code, 0, "{stdout}\n{stderr}");
    let output = stdout + &stderr;
    assert!(
        output.contains("ecr.registry.replication")
            && output.contains("the source registry itself"),
        "{output}"
    );
    // At the destination's line and column, as validate reports.
    assert!(output.contains("wharf.yaml:6:25]"), "{output}");
}
