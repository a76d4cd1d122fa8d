//! Helpers shared by the registry tests.
#![allow(dead_code)]

use crate::common::Moto;
use serde_json::Value;

pub const SCANNING: &str = "ecr.registry.scanning";
pub const REPLICATION: &str = "ecr.registry.replication";
pub const POLICY: &str = "ecr.registry.policy";

/// A manifest: the stack head, then `body` (top-level YAML).
pub fn manifest(body: &str) -> String {
    format!("version: 1\nstack: shop\n{body}")
}

pub fn act(address: &str, action: &str) -> (String, String) {
    (address.to_string(), action.to_string())
}

/// The change of `address` in a plan or drift report.
pub fn change<'a>(report: &'a Value, address: &str) -> &'a Value {
    report["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .find(|c| c["address"] == address)
        .unwrap_or_else(|| panic!("no change for {address} in {report:#}"))
}

/// `wharf drift --format json`, which must exit 2.
pub fn drift_json(moto: &Moto) -> Value {
    let (code, stdout, stderr) = moto.run(&["drift", "--format", "json"]);
    assert_eq!(
        code, 2,
        "drift exited {code}, expected 2\n--- stdout\n{stdout}\n--- stderr\n{stderr}"
    );
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("drift JSON: {e}\n{stdout}"))
}

/// Drift names `address` as an update of `field`; apply repairs it, drift is clean
/// again and the stack is converged.
pub fn assert_drift_repaired(moto: &Moto, address: &str, field: &str) {
    let report = drift_json(moto);
    let c = change(&report, address);
    assert_eq!(c["action"], "update", "{report:#}");
    assert!(
        c["fields"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["path"] == field),
        "drift report for {address} lacks field {field}: {report:#}"
    );
    assert_eq!(moto.apply(&[]), 1, "one write repairs it");
    moto.expect(&["drift"], 0);
    moto.assert_converged();
}
