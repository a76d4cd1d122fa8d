//! Signing, account settings, pull-time exclusions and Inspector's re-scan settings with
//! the real binary, through the AWS-behaviour layer (moto has none of these APIs;
//! `registry_supply_chain_apis` and `inspector_ecr_configuration` answer as AWS documents): create, converge, drift repaired, the exclusion of a role the same
//! apply creates, and an empty signing section deleting the configuration.

use crate::common::{Moto, yaml};
use serde_json::json;

fn manifest(moto: &Moto, registry: &str) {
    moto.manifest(&yaml(&format!(
        "
        version: 1
        stack: shop
        iam:
          roles:
            scanner: {{ assumedBy: [ecs-tasks.amazonaws.com] }}
        registry:
        {registry}
        "
    )));
}

const SECTIONS: &str = "  signing:
            rules:
              - signingProfileArn: arn:aws:signer:eu-west-1:123456789012:/signing-profiles/shop_release
                repositoryFilters: [\"shop/*\"]
          accountSettings: { BLOB_MOUNTING: ENABLED }
          enhancedScanning: { rescanDuration: LIFETIME, pullDateRescanMode: LAST_PULL_DATE }
          pullTimeUpdateExclusions: [scanner]";

#[tokio::test(flavor = "multi_thread")]
async fn signing_settings_and_exclusions_apply_converge_and_repair_drift() {
    let moto = Moto::start_with_aws_behaviour();
    manifest(&moto, SECTIONS);
    let plan = moto.plan_json(&[]);
    let addresses: Vec<&str> = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["address"].as_str().unwrap())
        .collect();
    assert_eq!(
        addresses,
        [
            "iam.role.scanner",
            "ecr.registry.account_settings",
            "ecr.registry.enhanced_scanning",
            "ecr.registry.pull_time_update_exclusions",
            "ecr.registry.signing",
        ],
        "{plan:#}"
    );
    // Five writes for the registry: a signing configuration, a setting, an exclusion
    // (the role's own calls come first).
    moto.apply(&[]);
    moto.assert_converged();

    let ecr = moto.ecr().await;
    let excluded = ecr
        .list_pull_time_update_exclusions()
        .send()
        .await
        .expect("list");
    assert_eq!(
        excluded.pull_time_update_exclusions(),
        ["arn:aws:iam::123456789012:role/scanner"]
    );
    // Drift: blob mounting turned off in the console; wharf drift says so; apply repairs.
    ecr.put_account_setting()
        .name("BLOB_MOUNTING")
        .value("DISABLED")
        .send()
        .await
        .expect("put");
    let (code, stdout, _) = moto.run(&["drift", "--format", "json"]);
    assert_eq!(code, 2, "{stdout}");
    let drift: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        drift["changes"][0]["address"],
        "ecr.registry.account_settings"
    );
    assert_eq!(
        drift["changes"][0]["fields"][0],
        json!({"path": "BLOB_MOUNTING", "before": "DISABLED", "after": "ENABLED"})
    );
    assert_eq!(moto.apply(&[]), 1);
    moto.assert_converged();
    // Inspector holds what was declared, and the member left out as it was.
    let (_, out, _) = moto.run(&["export", "--stack", "shop", "--registry"]);
    assert!(
        out.contains("enhancedScanning:\n    rescanDuration: LIFETIME\n    pullDateRescanMode: LAST_PULL_DATE"),
        "{out}"
    );

    // No signing rules: the configuration is deleted.
    manifest(&moto, "  signing: { rules: [] }");
    let plan = moto.plan_json(&[]);
    assert_eq!(plan["changes"][0]["address"], "ecr.registry.signing");
    assert_eq!(plan["changes"][0]["action"], "delete");
    moto.apply(&[]);
    assert!(ecr.get_signing_configuration().send().await.is_err());
    moto.assert_converged();
}

#[tokio::test(flavor = "multi_thread")]
async fn lint_live_finds_a_registry_policy_scope_still_v1() {
    let moto = Moto::start_with_aws_behaviour();
    manifest(
        &moto,
        "  policy:
            Version: \"2012-10-17\"
            Statement:
              - Sid: ReplicateFromPartner
                Effect: Allow
                Principal: { AWS: \"arn:aws:iam::210987654321:root\" }
                Action: [ecr:CreateRepository, ecr:ReplicateImage]
                Resource: \"arn:aws:ecr:eu-west-1:123456789012:repository/*\"",
    );
    let finds = |moto: &Moto| {
        let (_, stdout, stderr) = moto.run(&["lint", "--live", "--format", "json"]);
        let report: serde_json::Value =
            serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}\n{stdout}\n{stderr}"));
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["id"] == "WHARF-ECR-009")
    };
    // A new registry's scope is V2: nothing to say.
    assert!(!finds(&moto));
    let ecr = moto.ecr().await;
    ecr.put_account_setting()
        .name("REGISTRY_POLICY_SCOPE")
        .value("V1")
        .send()
        .await
        .expect("an older registry");
    assert!(finds(&moto));
}
