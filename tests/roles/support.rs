//! Helpers for the role tests: manifests written inline, reading back what the emulator's
//! IAM holds through the SDK (documents URL-decoded here, independently of wharf's own
//! decoder), changing it behind wharf's back, and picking changes out of a plan.
#![allow(dead_code)]

use crate::common::Moto;
use aws_sdk_iam::Client;
use aws_sdk_iam::error::ProvideErrorMetadata;
use aws_sdk_iam::types::{Role, Tag};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

pub const OWNERSHIP_TAG: &str = "wharf:stack";
pub const ACCOUNT: &str = crate::common::ACCOUNT;

/// The AWS managed policy every task execution role attaches (moto loads it because the
/// harness sets MOTO_IAM_LOAD_MANAGED_POLICIES=true).
pub const TASK_EXECUTION_POLICY: &str =
    "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy";
pub const READ_ONLY_POLICY: &str = "arn:aws:iam::aws:policy/ReadOnlyAccess";
pub const ECR_READ_ONLY_POLICY: &str = "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly";

/// The ECR actions an image pull needs.
pub const PULL_ACTIONS: [&str; 3] = [
    "ecr:BatchCheckLayerAvailability",
    "ecr:BatchGetImage",
    "ecr:GetDownloadUrlForLayer",
];

pub use crate::common::yaml;

/// `iam.role.NAME`
pub fn addr(name: &str) -> String {
    format!("iam.role.{name}")
}

/// An (address, action) pair as `common::actions` returns them.
pub fn act(name: &str, action: &str) -> (String, String) {
    (addr(name), action.to_string())
}

/// The change for role `name` in a plan; panics (showing the plan) when there is none.
pub fn change<'a>(plan: &'a Value, name: &str) -> &'a Value {
    crate::common::change_at(plan, &addr(name))
}

/// The field change at `path` of the change for role `name`.
pub fn field<'a>(plan: &'a Value, name: &str, path: &str) -> &'a Value {
    change(plan, name)["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .find(|f| f["path"] == path)
        .unwrap_or_else(|| panic!("no field {path} for {name} in {plan:#}"))
}

/// The field paths of the change for role `name`, sorted.
pub fn paths(plan: &Value, name: &str) -> Vec<String> {
    let mut paths = crate::common::field_paths(plan, &addr(name));
    paths.sort();
    paths
}

pub fn sorted(items: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = items.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

pub fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

pub fn tag_map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Asserts that the plan has no changes.
pub fn assert_plan_empty(moto: &Moto) {
    let plan = moto.plan_json(&[]);
    assert_eq!(
        plan["changes"].as_array().map(Vec::len),
        Some(0),
        "expected an empty plan: {plan:#}"
    );
}

/// `wharf drift --format json`, which must exit 2; returns the parsed report.
pub fn drift_json(moto: &Moto) -> Value {
    let (code, stdout, stderr) = moto.run(&["drift", "--format", "json"]);
    assert_eq!(
        code, 2,
        "drift exited {code}, expected 2\n--- stdout\n{stdout}\n--- stderr\n{stderr}"
    );
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("drift JSON: {e}\n{stdout}"))
}

/// Drift names role `name` as an update of (at least) `fields`, and the text report names
/// them too; then apply puts it back, drift is clean again and the stack is converged.
pub fn assert_drift_repaired(moto: &Moto, name: &str, fields: &[&str]) {
    let report = drift_json(moto);
    let c = change(&report, name);
    assert_eq!(c["action"], "update", "{report:#}");
    let found = paths(&report, name);
    for field in fields {
        assert!(
            found.iter().any(|p| p == field),
            "drift report for {name} lacks field {field}: {found:?}\n{report:#}"
        );
    }
    let (code, text, stderr) = moto.run(&["drift"]);
    assert_eq!(code, 2, "{text}\n{stderr}");
    assert!(text.contains(&addr(name)), "{text}");
    for field in fields {
        let top = field.split('.').next().unwrap();
        assert!(text.contains(top), "the text report lacks {top}:\n{text}");
    }
    assert!(moto.apply(&[]) > 0, "the repairing apply made no writes");
    moto.expect(&["drift"], 0);
    moto.assert_converged();
}

// ---- reading what the emulator holds ----

/// IAM's documents arrive percent-encoded; decoded and parsed.
pub fn decode(text: &str) -> Value {
    let decoded = percent_encoding::percent_decode_str(text)
        .decode_utf8()
        .expect("UTF-8")
        .into_owned();
    serde_json::from_str(&decoded).unwrap_or_else(|e| panic!("policy JSON: {e}\n{decoded}"))
}

/// The role, or None when it does not exist.
pub async fn get_role(iam: &Client, name: &str) -> Option<Role> {
    match iam.get_role().role_name(name).send().await {
        Ok(out) => Some(out.role().expect("a role").clone()),
        Err(e) if e.code() == Some("NoSuchEntity") => None,
        Err(e) => panic!("GetRole {name}: {e:?}"),
    }
}

pub async fn role(iam: &Client, name: &str) -> Role {
    get_role(iam, name)
        .await
        .unwrap_or_else(|| panic!("role {name} does not exist"))
}

pub async fn exists(iam: &Client, name: &str) -> bool {
    get_role(iam, name).await.is_some()
}

/// The trust policy, URL-decoded and parsed.
pub async fn trust_policy(iam: &Client, name: &str) -> Value {
    decode(
        role(iam, name)
            .await
            .assume_role_policy_document()
            .expect("a trust policy"),
    )
}

pub async fn attached(iam: &Client, name: &str) -> BTreeSet<String> {
    iam.list_attached_role_policies()
        .role_name(name)
        .send()
        .await
        .expect("ListAttachedRolePolicies")
        .attached_policies()
        .iter()
        .map(|p| p.policy_arn().expect("an ARN").to_string())
        .collect()
}

/// Inline policies by name, each URL-decoded and parsed.
pub async fn inline(iam: &Client, name: &str) -> BTreeMap<String, Value> {
    let names = iam
        .list_role_policies()
        .role_name(name)
        .send()
        .await
        .expect("ListRolePolicies")
        .policy_names()
        .to_vec();
    let mut out = BTreeMap::new();
    for policy_name in names {
        let got = iam
            .get_role_policy()
            .role_name(name)
            .policy_name(&policy_name)
            .send()
            .await
            .expect("GetRolePolicy");
        out.insert(policy_name, decode(got.policy_document()));
    }
    out
}

pub async fn tags(iam: &Client, name: &str) -> BTreeMap<String, String> {
    iam.list_role_tags()
        .role_name(name)
        .send()
        .await
        .expect("ListRoleTags")
        .tags()
        .iter()
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect()
}

pub async fn role_names(iam: &Client) -> BTreeSet<String> {
    iam.list_roles()
        .send()
        .await
        .expect("ListRoles")
        .roles()
        .iter()
        .map(|r| r.role_name().to_string())
        .collect()
}

// ---- changing it behind wharf's back ----

pub fn trust_of(service: &str) -> Value {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": { "Service": service },
            "Action": "sts:AssumeRole"
        }]
    })
}

/// Creates a role directly, with these tags.
pub async fn create_role(iam: &Client, name: &str, trust: &Value, tags: &[(&str, &str)]) {
    let tags: Vec<Tag> = tags
        .iter()
        .map(|(k, v)| Tag::builder().key(*k).value(*v).build().unwrap())
        .collect();
    iam.create_role()
        .role_name(name)
        .assume_role_policy_document(trust.to_string())
        .set_tags(Some(tags))
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateRole {name}: {e:?}"));
}

pub async fn set_trust(iam: &Client, name: &str, trust: &Value) {
    iam.update_assume_role_policy()
        .role_name(name)
        .policy_document(trust.to_string())
        .send()
        .await
        .unwrap_or_else(|e| panic!("UpdateAssumeRolePolicy {name}: {e:?}"));
}

pub async fn put_inline(iam: &Client, name: &str, policy_name: &str, document: &Value) {
    iam.put_role_policy()
        .role_name(name)
        .policy_name(policy_name)
        .policy_document(document.to_string())
        .send()
        .await
        .unwrap_or_else(|e| panic!("PutRolePolicy {name} {policy_name}: {e:?}"));
}

pub async fn attach(iam: &Client, name: &str, arn: &str) {
    iam.attach_role_policy()
        .role_name(name)
        .policy_arn(arn)
        .send()
        .await
        .unwrap_or_else(|e| panic!("AttachRolePolicy {name} {arn}: {e:?}"));
}

// ---- ECR, for the repositories that name roles ----

/// The repository policy parsed as JSON; None when the repository has none.
pub async fn repository_policy(ecr: &aws_sdk_ecr::Client, name: &str) -> Option<Value> {
    match ecr
        .get_repository_policy()
        .repository_name(name)
        .send()
        .await
    {
        Ok(out) => Some(
            serde_json::from_str(out.policy_text().expect("policy text")).expect("policy JSON"),
        ),
        Err(e) if e.code() == Some("RepositoryPolicyNotFoundException") => None,
        Err(e) => panic!("GetRepositoryPolicy {name}: {e:?}"),
    }
}

/// A string or list of strings in a policy, as a set.
pub fn string_set(value: &Value) -> BTreeSet<String> {
    match value {
        Value::String(s) => BTreeSet::from([s.clone()]),
        Value::Array(items) => items
            .iter()
            .map(|v| v.as_str().expect("a string").to_string())
            .collect(),
        other => panic!("not a string or list: {other}"),
    }
}

/// The statements of a policy as a list (one statement object or a list of them).
pub fn statements(doc: &Value) -> Vec<Value> {
    match &doc["Statement"] {
        Value::Array(items) => items.clone(),
        one @ Value::Object(_) => vec![one.clone()],
        other => panic!("no statements: {other}"),
    }
}
