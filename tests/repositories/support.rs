//! Helpers for the repository tests: manifests written inline, reading back what the
//! emulator holds through the SDK, changing it behind wharf's back, and picking changes
//! out of a plan.
#![allow(dead_code)]

use crate::common::Moto;
use aws_sdk_ecr::Client;
use aws_sdk_ecr::error::ProvideErrorMetadata;
use aws_sdk_ecr::types::{Repository, Tag};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// The ECR actions `pull` grants.
pub const PULL_ACTIONS: [&str; 3] = [
    "ecr:BatchCheckLayerAvailability",
    "ecr:BatchGetImage",
    "ecr:GetDownloadUrlForLayer",
];

pub const OWNERSHIP_TAG: &str = "wharf:stack";

pub use crate::common::yaml;

/// `ecr.repository.NAME`
pub fn addr(name: &str) -> String {
    format!("ecr.repository.{name}")
}

/// An (address, action) pair as `common::actions` returns them.
pub fn act(name: &str, action: &str) -> (String, String) {
    (addr(name), action.to_string())
}

/// The change for `name` in a plan; panics (showing the plan) when there is none.
pub fn change<'a>(plan: &'a Value, name: &str) -> &'a Value {
    crate::common::change_at(plan, &addr(name))
}

/// The field paths of the change for `name`, sorted.
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

/// Drift names `name` as an update of (at least) `fields`; then apply puts it back, drift
/// is clean again and the stack is converged.
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
    assert!(moto.apply(&[]) > 0, "the repairing apply made no writes");
    moto.expect(&["drift"], 0);
    moto.assert_converged();
}

// ---- reading what the emulator holds ----

pub async fn describe(ecr: &Client, name: &str) -> Repository {
    let out = ecr
        .describe_repositories()
        .repository_names(name)
        .send()
        .await
        .unwrap_or_else(|e| panic!("DescribeRepositories {name}: {e:?}"));
    out.repositories()
        .first()
        .cloned()
        .unwrap_or_else(|| panic!("repository {name} not found"))
}

pub async fn exists(ecr: &Client, name: &str) -> bool {
    match ecr
        .describe_repositories()
        .repository_names(name)
        .send()
        .await
    {
        Ok(out) => !out.repositories().is_empty(),
        Err(e) if e.code() == Some("RepositoryNotFoundException") => false,
        Err(e) => panic!("DescribeRepositories {name}: {e:?}"),
    }
}

pub async fn repository_names(ecr: &Client) -> BTreeSet<String> {
    let out = ecr
        .describe_repositories()
        .send()
        .await
        .expect("DescribeRepositories");
    out.repositories()
        .iter()
        .filter_map(|r| r.repository_name().map(str::to_string))
        .collect()
}

pub async fn mutability(ecr: &Client, name: &str) -> (String, Vec<String>) {
    let repo = describe(ecr, name).await;
    let filters = repo
        .image_tag_mutability_exclusion_filters()
        .iter()
        .map(|f| {
            assert_eq!(f.filter_type().as_str(), "WILDCARD");
            f.filter().to_string()
        })
        .collect();
    (
        repo.image_tag_mutability()
            .map(|m| m.as_str().to_string())
            .unwrap_or_default(),
        filters,
    )
}

/// (encryption type, KMS key)
pub async fn encryption(ecr: &Client, name: &str) -> (String, Option<String>) {
    let repo = describe(ecr, name).await;
    let config = repo
        .encryption_configuration()
        .expect("an encryption configuration");
    (
        config.encryption_type().as_str().to_string(),
        config.kms_key().map(str::to_string),
    )
}

pub async fn scan_on_push(ecr: &Client, name: &str) -> bool {
    describe(ecr, name)
        .await
        .image_scanning_configuration()
        .map(|s| s.scan_on_push())
        .expect("an image scanning configuration")
}

/// The lifecycle policy text parsed as JSON; None when the repository has none.
pub async fn lifecycle_policy(ecr: &Client, name: &str) -> Option<Value> {
    match ecr
        .get_lifecycle_policy()
        .repository_name(name)
        .send()
        .await
    {
        Ok(out) => Some(
            serde_json::from_str(out.lifecycle_policy_text().expect("policy text"))
                .expect("lifecycle policy JSON"),
        ),
        Err(e) if e.code() == Some("LifecyclePolicyNotFoundException") => None,
        Err(e) => panic!("GetLifecyclePolicy {name}: {e:?}"),
    }
}

/// The repository policy text parsed as JSON; None when the repository has none.
pub async fn repository_policy(ecr: &Client, name: &str) -> Option<Value> {
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

pub async fn tags(ecr: &Client, name: &str) -> BTreeMap<String, String> {
    let arn = describe(ecr, name)
        .await
        .repository_arn()
        .expect("an ARN")
        .to_string();
    let out = ecr
        .list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await
        .expect("ListTagsForResource");
    out.tags()
        .iter()
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect()
}

pub async fn image_count(ecr: &Client, name: &str) -> usize {
    ecr.describe_images()
        .repository_name(name)
        .send()
        .await
        .expect("DescribeImages")
        .image_details()
        .len()
}

pub fn tag_map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// A policy statement's `Action` / `Principal.AWS` as a set of strings (string or list).
pub fn string_set(value: &Value) -> BTreeSet<String> {
    match value {
        Value::String(s) => BTreeSet::from([s.clone()]),
        Value::Array(items) => items
            .iter()
            .map(|i| i.as_str().expect("a string").to_string())
            .collect(),
        other => panic!("expected a string or a list of strings, got {other}"),
    }
}

pub fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

// ---- changing the emulator behind wharf's back ----

/// Creates a repository as someone else would, with these tags.
pub async fn create_repository(ecr: &Client, name: &str, tags: &[(&str, &str)]) {
    let tags: Vec<Tag> = tags
        .iter()
        .map(|(k, v)| Tag::builder().key(*k).value(*v).build().expect("a tag"))
        .collect();
    ecr.create_repository()
        .repository_name(name)
        .set_tags(if tags.is_empty() { None } else { Some(tags) })
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateRepository {name}: {e:?}"));
}

/// Pushes `count` distinct images tagged v1, v2, ... with minimal manifests.
pub async fn push_images(ecr: &Client, name: &str, count: usize) {
    for i in 1..=count {
        let manifest = serde_json::json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
            "config": {
                "mediaType": "application/vnd.docker.container.image.v1+json",
                "size": 1,
                "digest": format!("sha256:{i:064x}"),
            },
            "layers": [],
        });
        ecr.put_image()
            .repository_name(name)
            .image_manifest(manifest.to_string())
            .image_tag(format!("v{i}"))
            .send()
            .await
            .unwrap_or_else(|e| panic!("PutImage {name}: {e:?}"));
    }
}

pub async fn set_repository_policy(ecr: &Client, name: &str, document: &Value) {
    ecr.set_repository_policy()
        .repository_name(name)
        .policy_text(document.to_string())
        .send()
        .await
        .unwrap_or_else(|e| panic!("SetRepositoryPolicy {name}: {e:?}"));
}

pub async fn put_lifecycle_policy(ecr: &Client, name: &str, text: &str) {
    ecr.put_lifecycle_policy()
        .repository_name(name)
        .lifecycle_policy_text(text)
        .send()
        .await
        .unwrap_or_else(|e| panic!("PutLifecyclePolicy {name}: {e:?}"));
}

/// Calls an ECR action on the emulator with exactly this JSON body, bypassing the SDK
/// (moto does not check signatures). Needed where the Rust SDK cannot say something: it
/// leaves `scanOnPush: false` out of the request (a default-valued boolean), and moto then
/// keeps the old value (ECR reads the missing member as false).
pub fn raw_ecr_call(moto: &Moto, action: &str, body: &Value) -> Value {
    use std::io::{Read, Write};
    let host = moto.endpoint.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(host).expect("connect to moto");
    let body = body.to_string();
    let request = format!(
        "POST / HTTP/1.1\r\nHost: {host}\r\n\
         Content-Type: application/x-amz-json-1.1\r\n\
         X-Amz-Target: AmazonEC2ContainerRegistry_V20150921.{action}\r\n\
         Authorization: AWS4-HMAC-SHA256 Credential=testing/20240101/{region}/ecr/aws4_request, SignedHeaders=host, Signature=0\r\n\
         Content-Length: {len}\r\nConnection: close\r\n\r\n{body}",
        region = crate::common::REGION,
        len = body.len(),
    );
    stream.write_all(request.as_bytes()).expect("send");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("receive");
    let (head, payload) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    assert!(
        head.starts_with("HTTP/1.1 200") || head.starts_with("HTTP/1.0 200"),
        "{action} failed:\n{response}"
    );
    serde_json::from_str(payload).unwrap_or(Value::Null)
}

/// Sets scanOnPush with an explicit boolean (see `raw_ecr_call`).
pub fn set_scan_on_push(moto: &Moto, name: &str, scan_on_push: bool) {
    raw_ecr_call(
        moto,
        "PutImageScanningConfiguration",
        &serde_json::json!({
            "repositoryName": name,
            "imageScanningConfiguration": { "scanOnPush": scan_on_push },
        }),
    );
}

/// A KMS key with an alias on the emulator; returns the key ARN.
pub async fn kms_key_with_alias(moto: &Moto, alias: &str) -> String {
    let config = aws_sdk_kms::Config::builder()
        .behavior_version(aws_sdk_kms::config::BehaviorVersion::latest())
        .region(aws_sdk_kms::config::Region::new(crate::common::REGION))
        .endpoint_url(&moto.endpoint)
        .credentials_provider(aws_sdk_kms::config::Credentials::new(
            "testing", "testing", None, None, "test",
        ))
        .build();
    let kms = aws_sdk_kms::Client::from_conf(config);
    let key = kms.create_key().send().await.expect("CreateKey");
    let metadata = key.key_metadata().expect("key metadata");
    kms.create_alias()
        .alias_name(alias)
        .target_key_id(metadata.key_id())
        .send()
        .await
        .expect("CreateAlias");
    metadata.arn().expect("a key ARN").to_string()
}
