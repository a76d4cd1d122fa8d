//! Registry scanning (`ecr.registry.scanning`).

use crate::common::{Moto, actions};
use crate::support::*;
use aws_sdk_ecr::types::{
    RegistryScanningRule, ScanFrequency, ScanType, ScanningRepositoryFilter,
    ScanningRepositoryFilterType,
};
use serde_json::json;

const ENHANCED: &str = "registry:\n  scanning:\n    scanType: ENHANCED\n    rules:\n      - { scanFrequency: SCAN_ON_PUSH, filters: [\"shop/*\"] }\n      - { scanFrequency: CONTINUOUS_SCAN, filters: [\"*-prod\"] }\n";

/// (scanType, [(frequency, filters)]) as AWS reports them.
async fn scanning(ecr: &aws_sdk_ecr::Client) -> (String, Vec<(String, Vec<String>)>) {
    let out = ecr
        .get_registry_scanning_configuration()
        .send()
        .await
        .unwrap();
    let config = out.scanning_configuration().unwrap();
    (
        config.scan_type().unwrap().as_str().to_string(),
        config
            .rules()
            .iter()
            .map(|r| {
                (
                    r.scan_frequency().as_str().to_string(),
                    r.repository_filters()
                        .iter()
                        .map(|f| f.filter().to_string())
                        .collect(),
                )
            })
            .collect(),
    )
}

async fn put_scanning(ecr: &aws_sdk_ecr::Client, scan_type: ScanType, filter: &str) {
    ecr.put_registry_scanning_configuration()
        .scan_type(scan_type)
        .rules(
            RegistryScanningRule::builder()
                .scan_frequency(ScanFrequency::ScanOnPush)
                .repository_filters(
                    ScanningRepositoryFilter::builder()
                        .filter(filter)
                        .filter_type(ScanningRepositoryFilterType::Wildcard)
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

#[tokio::test(flavor = "multi_thread")]
async fn scanning_is_created_from_the_default_and_converges() {
    let moto = Moto::start();
    let ecr = moto.ecr().await;
    moto.manifest(&manifest(ENHANCED));

    let plan = moto.plan_json(&[]);
    assert_eq!(actions(&plan), vec![act(SCANNING, "create")]);
    let c = change(&plan, SCANNING);
    assert_eq!(c["fields"][0]["path"], "scanType");
    assert_eq!(c["fields"][0]["before"], "BASIC");
    assert_eq!(c["fields"][0]["after"], "ENHANCED");
    assert_eq!(c["fields"][1]["path"], "rules");
    assert_eq!(c["fields"][1]["before"], json!([]));

    assert_eq!(moto.apply(&[]), 1, "one PutRegistryScanningConfiguration");
    let (scan_type, mut rules) = scanning(&ecr).await;
    rules.sort();
    assert_eq!(scan_type, "ENHANCED");
    assert_eq!(
        rules,
        vec![
            ("CONTINUOUS_SCAN".to_string(), vec!["*-prod".to_string()]),
            ("SCAN_ON_PUSH".to_string(), vec!["shop/*".to_string()]),
        ]
    );
    moto.assert_converged();
}

#[tokio::test(flavor = "multi_thread")]
async fn scanning_updates_in_place() {
    let moto = Moto::start();
    let ecr = moto.ecr().await;
    moto.manifest(&manifest(ENHANCED));
    moto.apply(&[]);

    moto.manifest(&manifest(
        "registry:\n  scanning: { scanType: BASIC, rules: [ { scanFrequency: SCAN_ON_PUSH, filters: [\"*\"] } ] }\n",
    ));
    let plan = moto.plan_json(&[]);
    assert_eq!(actions(&plan), vec![act(SCANNING, "update")]);
    assert_eq!(change(&plan, SCANNING)["reason"], "scanType, rules differ");
    assert_eq!(moto.apply(&[]), 1);
    assert_eq!(
        scanning(&ecr).await,
        (
            "BASIC".to_string(),
            vec![("SCAN_ON_PUSH".to_string(), vec!["*".to_string()])]
        )
    );
    moto.assert_converged();

    // Back to AWS's default: an empty section owns the whole configuration.
    moto.manifest(&manifest("registry:\n  scanning: {}\n"));
    assert_eq!(moto.apply(&[]), 1);
    assert_eq!(scanning(&ecr).await, ("BASIC".to_string(), vec![]));
    moto.assert_converged();
}

#[tokio::test(flavor = "multi_thread")]
async fn scanning_drift_is_found_and_repaired() {
    let moto = Moto::start();
    let ecr = moto.ecr().await;
    moto.manifest(&manifest(ENHANCED));
    moto.apply(&[]);
    moto.expect(&["drift"], 0);

    put_scanning(&ecr, ScanType::Enhanced, "other/*").await;
    assert_drift_repaired(&moto, SCANNING, "rules");
    assert_eq!(scanning(&ecr).await.1.len(), 2);

    put_scanning(&ecr, ScanType::Basic, "shop/*").await;
    let report = drift_json(&moto);
    let fields: Vec<&str> = change(&report, SCANNING)["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(fields, vec!["scanType", "rules"]);
    assert_drift_repaired(&moto, SCANNING, "scanType");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_manifest_without_scanning_leaves_it_alone() {
    let moto = Moto::start();
    let ecr = moto.ecr().await;
    put_scanning(&ecr, ScanType::Enhanced, "legacy/*").await;
    moto.manifest(&manifest("repositories:\n  shop/web: {}\n"));
    moto.apply(&[]);
    moto.assert_converged();
    moto.expect(&["drift"], 0);
    assert_eq!(
        scanning(&ecr).await,
        (
            "ENHANCED".to_string(),
            vec![("SCAN_ON_PUSH".to_string(), vec!["legacy/*".to_string()])]
        )
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn enhanced_scanning_warns_about_scan_on_push() {
    let moto = Moto::start();
    moto.manifest(&manifest(&format!(
        "repositories:\n  shop/web: {{ scanOnPush: true }}\n{ENHANCED}"
    )));
    let plan = moto.plan_json(&[]);
    let warnings = plan["warnings"].as_array().expect("warnings");
    assert!(
        warnings.iter().any(|w| w
            .as_str()
            .unwrap()
            .contains("AWS ignores scanOnPush of shop/web")),
        "{plan:#}"
    );
    let (_, _, stderr) = moto.run(&["validate"]);
    assert!(
        stderr.contains("AWS ignores scanOnPush here"),
        "validate: {stderr}"
    );
}
