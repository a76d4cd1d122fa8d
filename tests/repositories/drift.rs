//! Drift: changes made behind wharf's back (through the SDK) are reported by `wharf drift`
//! (exit 2, the address and the field in its JSON), and one apply puts them right.

use crate::common::Moto;
use crate::support::*;
use aws_sdk_ecr::types::{
    ImageTagMutability, ImageTagMutabilityExclusionFilter, ImageTagMutabilityExclusionFilterType,
    Tag,
};
use serde_json::json;

const MANIFEST: &str = r#"
    version: 1
    stack: shop
    defaults:
      tags: { team: shop }
    repositories:
      shop/web:
        imageTagMutability: IMMUTABLE_WITH_EXCLUSION
        imageTagMutabilityExclusionFilters: ["latest"]
        scanOnPush: true
        lifecycle:
          - untagged: true
            expireAfterDays: 14
        pull:
          accounts: ["111122223333"]
        tags: { app: web }
      shop/api:
        imageTagMutability: IMMUTABLE
"#;

/// A converged stack with no drift.
async fn converged() -> (Moto, aws_sdk_ecr::Client) {
    let moto = Moto::start();
    moto.manifest(&yaml(MANIFEST));
    moto.apply(&[]);
    moto.expect(&["drift"], 0);
    let ecr = moto.ecr().await;
    (moto, ecr)
}

#[tokio::test(flavor = "multi_thread")]
async fn drift_finds_changed_tag_mutability() {
    let (moto, ecr) = converged().await;
    ecr.put_image_tag_mutability()
        .repository_name("shop/api")
        .image_tag_mutability(ImageTagMutability::Mutable)
        .send()
        .await
        .unwrap();
    let report = drift_json(&moto);
    let c = change(&report, "shop/api");
    assert_eq!(c["fields"][0]["path"], "imageTagMutability");
    assert_eq!(c["fields"][0]["before"], "MUTABLE");
    assert_eq!(c["fields"][0]["after"], "IMMUTABLE");
    // Only the drifted repository is reported.
    assert_eq!(report["changes"].as_array().unwrap().len(), 1);
    assert_drift_repaired(&moto, "shop/api", &["imageTagMutability"]);
    assert_eq!(mutability(&ecr, "shop/api").await.0, "IMMUTABLE");
}

#[tokio::test(flavor = "multi_thread")]
async fn drift_finds_changed_exclusion_filters() {
    let (moto, ecr) = converged().await;
    ecr.put_image_tag_mutability()
        .repository_name("shop/web")
        .image_tag_mutability(ImageTagMutability::ImmutableWithExclusion)
        .image_tag_mutability_exclusion_filters(
            ImageTagMutabilityExclusionFilter::builder()
                .filter_type(ImageTagMutabilityExclusionFilterType::Wildcard)
                .filter("*")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert_drift_repaired(&moto, "shop/web", &["imageTagMutabilityExclusionFilters"]);
    assert_eq!(
        mutability(&ecr, "shop/web").await,
        ("IMMUTABLE_WITH_EXCLUSION".into(), vec!["latest".into()])
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn drift_finds_changed_scan_on_push() {
    let (moto, ecr) = converged().await;
    // Not through the SDK: it would leave `scanOnPush: false` out, and moto ignores that.
    set_scan_on_push(&moto, "shop/web", false);
    assert!(!scan_on_push(&ecr, "shop/web").await);
    let report = drift_json(&moto);
    let field = &change(&report, "shop/web")["fields"][0];
    assert_eq!(field["path"], "scanOnPush");
    assert_eq!(
        (&field["before"], &field["after"]),
        (&json!(false), &json!(true))
    );
    assert_drift_repaired(&moto, "shop/web", &["scanOnPush"]);
    assert!(scan_on_push(&ecr, "shop/web").await);
}

#[tokio::test(flavor = "multi_thread")]
async fn drift_finds_a_deleted_lifecycle_policy() {
    let (moto, ecr) = converged().await;
    ecr.delete_lifecycle_policy()
        .repository_name("shop/web")
        .send()
        .await
        .unwrap();
    let report = drift_json(&moto);
    let field = &change(&report, "shop/web")["fields"][0];
    assert_eq!(field["path"], "lifecyclePolicy");
    assert_eq!(field["before"], json!(null));
    assert_drift_repaired(&moto, "shop/web", &["lifecyclePolicy"]);
    assert!(lifecycle_policy(&ecr, "shop/web").await.is_some());
}

#[tokio::test(flavor = "multi_thread")]
async fn drift_finds_a_lifecycle_policy_added_by_hand() {
    let (moto, ecr) = converged().await;
    put_lifecycle_policy(
        &ecr,
        "shop/api",
        r#"{"rules":[{"rulePriority":1,"selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}}]}"#,
    )
    .await;
    assert_drift_repaired(&moto, "shop/api", &["lifecyclePolicy"]);
    assert_eq!(lifecycle_policy(&ecr, "shop/api").await, None);
}

#[tokio::test(flavor = "multi_thread")]
async fn drift_finds_a_different_repository_policy() {
    let (moto, ecr) = converged().await;
    set_repository_policy(
        &ecr,
        "shop/web",
        &json!({"Version": "2012-10-17", "Statement": [{
            "Sid": "Everyone", "Effect": "Allow", "Principal": "*",
            "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]}]}),
    )
    .await;
    assert_drift_repaired(&moto, "shop/web", &["policy"]);
    let policy = repository_policy(&ecr, "shop/web").await.unwrap();
    assert_eq!(
        string_set(&policy["Statement"][0]["Principal"]["AWS"]),
        set(&["arn:aws:iam::111122223333:root"])
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn drift_finds_a_deleted_repository_policy() {
    let (moto, ecr) = converged().await;
    ecr.delete_repository_policy()
        .repository_name("shop/web")
        .send()
        .await
        .unwrap();
    assert_drift_repaired(&moto, "shop/web", &["policy"]);
    assert!(repository_policy(&ecr, "shop/web").await.is_some());
}

#[tokio::test(flavor = "multi_thread")]
async fn drift_finds_added_changed_and_removed_tags() {
    let (moto, ecr) = converged().await;
    let arn = describe(&ecr, "shop/web")
        .await
        .repository_arn()
        .unwrap()
        .to_string();
    ecr.tag_resource()
        .resource_arn(&arn)
        .tags(Tag::builder().key("extra").value("1").build().unwrap())
        .tags(
            Tag::builder()
                .key("team")
                .value("hijacked")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    ecr.untag_resource()
        .resource_arn(&arn)
        .tag_keys("app")
        .send()
        .await
        .unwrap();
    let report = drift_json(&moto);
    assert_eq!(
        paths(&report, "shop/web"),
        sorted(&["tags.app", "tags.extra", "tags.team"])
    );
    assert_drift_repaired(&moto, "shop/web", &["tags.app", "tags.extra", "tags.team"]);
    assert_eq!(
        tags(&ecr, "shop/web").await,
        tag_map(&[("app", "web"), ("team", "shop"), (OWNERSHIP_TAG, "shop")])
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn drift_finds_a_repository_deleted_by_hand() {
    let (moto, ecr) = converged().await;
    ecr.delete_repository()
        .repository_name("shop/api")
        .send()
        .await
        .unwrap();
    let report = drift_json(&moto);
    assert_eq!(change(&report, "shop/api")["action"], "create");
    moto.apply(&[]);
    moto.expect(&["drift"], 0);
    assert_eq!(mutability(&ecr, "shop/api").await.0, "IMMUTABLE");
}

#[tokio::test(flavor = "multi_thread")]
async fn drift_reports_in_text_and_markdown_too() {
    let (moto, ecr) = converged().await;
    ecr.put_image_tag_mutability()
        .repository_name("shop/api")
        .image_tag_mutability(ImageTagMutability::Mutable)
        .send()
        .await
        .unwrap();
    let (code, text, stderr) = moto.run(&["drift"]);
    assert_eq!(code, 2, "{text}\n{stderr}");
    assert!(text.contains("ecr.repository.shop/api"), "{text}");
    assert!(text.contains("imageTagMutability"), "{text}");
    let (code, markdown, stderr) = moto.run(&["drift", "--format", "markdown"]);
    assert_eq!(code, 2, "{markdown}\n{stderr}");
    assert!(markdown.contains("ecr.repository.shop/api"), "{markdown}");
    assert!(markdown.contains("imageTagMutability"), "{markdown}");
    // The JSON drift report is the plan JSON.
    let report = drift_json(&moto);
    assert_eq!(report, moto.plan_json(&["--prune"]));
}

#[tokio::test(flavor = "multi_thread")]
async fn drift_when_the_ownership_tag_was_removed_is_an_error_naming_the_repository() {
    let (moto, ecr) = converged().await;
    let arn = describe(&ecr, "shop/api")
        .await
        .repository_arn()
        .unwrap()
        .to_string();
    ecr.untag_resource()
        .resource_arn(&arn)
        .tag_keys(OWNERSHIP_TAG)
        .send()
        .await
        .unwrap();
    let (code, stdout, stderr) = moto.run(&["drift"]);
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    assert!(stderr.contains("shop/api"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn drift_reports_an_owned_repository_that_left_the_manifest() {
    let (moto, ecr) = converged().await;
    moto.manifest(&yaml(&MANIFEST.replace(
        "      shop/api:\n        imageTagMutability: IMMUTABLE\n",
        "",
    )));
    // Plain plan leaves it alone; drift counts it, since the manifest no longer says it exists.
    assert_plan_empty(&moto);
    let report = drift_json(&moto);
    assert_eq!(change(&report, "shop/api")["action"], "delete");
    assert_eq!(report["summary"]["delete"], 1);
    moto.apply(&["--prune"]);
    assert!(!exists(&ecr, "shop/api").await);
    moto.expect(&["drift"], 0);
}
