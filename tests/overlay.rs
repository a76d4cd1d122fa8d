//! Environments: `-f base.yaml -f prod.yaml` lays files over one another (later files
//! win, mappings merge, lists replace, `null` removes), diagnostics name the file each
//! value came from, and the merged manifest is what gets planned and applied.

mod common;

use common::Moto;
use std::path::Path;

fn examples() -> &'static Path {
    Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/environments"
    ))
}

fn write(moto: &Moto, name: &str, text: &str) -> String {
    std::fs::write(moto.dir.path().join(name), text).expect("write");
    name.to_string()
}

#[test]
fn the_environment_examples_validate_alone_and_overlaid() {
    let moto = Moto::start();
    let base = examples().join("base.yaml");
    for overlay in [None, Some("staging.yaml"), Some("prod.yaml")] {
        let mut cmd = moto.wharf();
        cmd.args(["validate", "--var", "IMAGE_TAG=v1.2.3", "-f"])
            .arg(&base);
        if let Some(overlay) = overlay {
            cmd.arg("-f").arg(examples().join(overlay));
        }
        let out = cmd.output().expect("runs");
        assert!(
            out.status.success(),
            "{overlay:?}:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // prod.yaml asks for IMAGE_TAG without a default: the error points into prod.yaml.
    let out = moto
        .wharf()
        .args(["validate", "-f"])
        .arg(&base)
        .arg("-f")
        .arg(examples().join("prod.yaml"))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("IMAGE_TAG"), "{stderr}");
    assert!(stderr.contains("prod.yaml:16:"), "{stderr}");
}

#[test]
fn diagnostics_name_the_file_each_value_came_from() {
    let moto = Moto::start();
    let base = write(
        &moto,
        "base.yaml",
        "version: 1\nstack: shop\nrepositories:\n  shop/web:\n    scanOnPush: yes-please\n",
    );
    let prod = write(
        &moto,
        "prod.yaml",
        "repositories:\n  shop/web:\n    imageTagMutabilty: IMMUTABLE\n",
    );
    let (code, _, stderr) = moto.run(&["validate", "-f", &base, "-f", &prod]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("base.yaml:5:17"), "{stderr}");
    assert!(stderr.contains("prod.yaml:3:5"), "{stderr}");
    assert!(
        stderr.contains("imageTagMutability"),
        "did you mean: {stderr}"
    );
    assert!(
        stderr.contains("base.yaml + prod.yaml: 2 errors"),
        "{stderr}"
    );
}

#[tokio::test]
async fn the_merged_manifest_is_applied_and_converges() {
    let moto = Moto::start();
    let base = write(
        &moto,
        "base.yaml",
        "version: 1
stack: shop
defaults:
  tags: { team: shop, env: dev }
repositories:
  shop/web:
    imageTagMutability: MUTABLE
    lifecycle:
      - { untagged: true, expireAfterDays: 14 }
      - { tagPrefixes: [v], keepLast: 30 }
  shop/debug: {}
",
    );
    let prod = write(
        &moto,
        "prod.yaml",
        "defaults:
  tags: { env: prod }
repositories:
  shop/web:
    imageTagMutability: IMMUTABLE
    lifecycle:
      - { tagPrefixes: [v], keepLast: 100 }
  shop/debug: null
",
    );
    let (code, out, stderr) = moto.run(&["apply", "--auto-approve", "-f", &base, "-f", &prod]);
    assert_eq!(code, 0, "{out}{stderr}");
    let ecr = moto.ecr().await;
    let repos = ecr.describe_repositories().send().await.unwrap();
    let names: Vec<_> = repos
        .repositories()
        .iter()
        .filter_map(|r| r.repository_name())
        .collect();
    assert_eq!(names, ["shop/web"], "null removed shop/debug");
    let web = &repos.repositories()[0];
    assert_eq!(
        web.image_tag_mutability().map(|m| m.as_str()),
        Some("IMMUTABLE")
    );
    let tags = ecr
        .list_tags_for_resource()
        .resource_arn(web.repository_arn().unwrap())
        .send()
        .await
        .unwrap();
    let tags: std::collections::BTreeMap<_, _> =
        tags.tags().iter().map(|t| (t.key(), t.value())).collect();
    assert_eq!(tags.get("env"), Some(&"prod"));
    assert_eq!(tags.get("team"), Some(&"shop"), "mappings merge");
    let policy = ecr
        .get_lifecycle_policy()
        .repository_name("shop/web")
        .send()
        .await
        .unwrap();
    let policy: serde_json::Value =
        serde_json::from_str(policy.lifecycle_policy_text().unwrap()).unwrap();
    assert_eq!(
        policy["rules"].as_array().map(Vec::len),
        Some(1),
        "lists replace: {policy}"
    );
    // The same two files plan nothing now.
    let (code, out, _) = moto.run(&["plan", "--detailed-exitcode", "-f", &base, "-f", &prod]);
    assert_eq!(code, 0, "{out}");
}
