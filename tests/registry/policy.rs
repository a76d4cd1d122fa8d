//! The registry policy (`ecr.registry.policy`), compared by meaning like repository
//! policies.

use crate::common::{Moto, actions};
use crate::support::*;
use serde_json::{Value, json};

fn policy_doc(account: &str) -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "ReplicateFromPartner",
            "Effect": "Allow",
            "Principal": {"AWS": format!("arn:aws:iam::{account}:root")},
            "Action": ["ecr:CreateRepository", "ecr:ReplicateImage"],
            "Resource": "arn:aws:ecr:eu-west-1:123456789012:repository/*"
        }]
    })
}

fn with_policy(doc: &Value) -> String {
    manifest(&format!("registry:\n  policy: '{doc}'\n"))
}

async fn live_policy(ecr: &aws_sdk_ecr::Client) -> Option<Value> {
    match ecr.get_registry_policy().send().await {
        Ok(out) => Some(serde_json::from_str(out.policy_text().unwrap()).unwrap()),
        Err(_) => None,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_policy_is_created_updated_and_converges() {
    let moto = Moto::start();
    let ecr = moto.ecr().await;
    moto.manifest(&with_policy(&policy_doc("210987654321")));

    let plan = moto.plan_json(&[]);
    assert_eq!(actions(&plan), vec![act(POLICY, "create")]);
    let c = change(&plan, POLICY);
    assert_eq!(c["fields"][0]["path"], "policy");
    assert_eq!(c["fields"][0]["before"], Value::Null);
    // Plans show documents normalized (statements and keys in a canonical order).
    assert_eq!(
        c["fields"][0]["after"],
        wharf::documents::policy::display(&policy_doc("210987654321"))
    );
    assert_eq!(moto.apply(&[]), 1, "one PutRegistryPolicy");
    assert_eq!(live_policy(&ecr).await, Some(policy_doc("210987654321")));
    moto.assert_converged();

    moto.manifest(&with_policy(&policy_doc("111122223333")));
    let plan = moto.plan_json(&[]);
    assert_eq!(actions(&plan), vec![act(POLICY, "update")]);
    assert_eq!(moto.apply(&[]), 1);
    assert_eq!(live_policy(&ecr).await, Some(policy_doc("111122223333")));
    moto.assert_converged();
}

#[tokio::test(flavor = "multi_thread")]
async fn the_policy_compares_by_meaning() {
    let moto = Moto::start();
    let ecr = moto.ecr().await;
    // Written out of band in another spelling: actions reordered, the principal and the
    // resource as one-element lists. (A single statement object, which AWS accepts,
    // makes moto's PutRegistryPolicy fail with a 500; the pure tests cover it.)
    let mut other = policy_doc("210987654321");
    let statement = &mut other["Statement"][0];
    statement["Action"] = json!(["ecr:ReplicateImage", "ecr:CreateRepository"]);
    statement["Principal"]["AWS"] = json!(["arn:aws:iam::210987654321:root"]);
    statement["Resource"] = json!(["arn:aws:ecr:eu-west-1:123456789012:repository/*"]);
    ecr.put_registry_policy()
        .policy_text(other.to_string())
        .send()
        .await
        .unwrap();
    moto.manifest(&with_policy(&policy_doc("210987654321")));
    moto.assert_converged();
}

#[tokio::test(flavor = "multi_thread")]
async fn policy_drift_is_found_and_repaired() {
    let moto = Moto::start();
    let ecr = moto.ecr().await;
    moto.manifest(&with_policy(&policy_doc("210987654321")));
    moto.apply(&[]);
    moto.expect(&["drift"], 0);

    ecr.put_registry_policy()
        .policy_text(policy_doc("111122223333").to_string())
        .send()
        .await
        .unwrap();
    assert_drift_repaired(&moto, POLICY, "policy");
    assert_eq!(live_policy(&ecr).await, Some(policy_doc("210987654321")));

    // Deleted out of band: drift reports a create, apply puts it back.
    ecr.delete_registry_policy().send().await.unwrap();
    let report = drift_json(&moto);
    assert_eq!(change(&report, POLICY)["action"], "create");
    assert_eq!(moto.apply(&[]), 1);
    moto.assert_converged();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_manifest_without_the_policy_leaves_it_alone() {
    let moto = Moto::start();
    let ecr = moto.ecr().await;
    ecr.put_registry_policy()
        .policy_text(policy_doc("210987654321").to_string())
        .send()
        .await
        .unwrap();
    moto.manifest(&manifest("registry:\n  scanning: {}\n"));
    moto.assert_converged();
    moto.expect(&["drift"], 0);
    assert_eq!(live_policy(&ecr).await, Some(policy_doc("210987654321")));
}
