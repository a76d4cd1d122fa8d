//! No perpetual diffs: live documents that differ from the manifest only in form (statement
//! order, string vs one-element list, account id vs root ARN, action case, lifecycle rule
//! order) are no change, no drift and no write. A real difference still is one.

use crate::common::Moto;
use crate::support::*;
use serde_json::{Value, json};

const ROOT: &str = "arn:aws:iam::111122223333:root";
const CI: &str = "arn:aws:iam::444455556666:role/ci";

/// shop/web with `pull` for account 111122223333 and a raw CI statement; applied.
async fn with_policy() -> (Moto, aws_sdk_ecr::Client) {
    let moto = Moto::start();
    moto.manifest(&yaml(
        r#"
        version: 1
        stack: shop
        repositories:
          shop/web:
            pull:
              accounts: ["111122223333"]
            policy:
              Version: "2012-10-17"
              Statement:
                - Sid: Ci
                  Effect: Allow
                  Principal: { AWS: "arn:aws:iam::444455556666:role/ci" }
                  Action: [ecr:PutImage, ecr:InitiateLayerUpload]
        "#,
    ));
    moto.apply(&[]);
    let ecr = moto.ecr().await;
    (moto, ecr)
}

fn pull_statement(principal: Value, actions: Value) -> Value {
    json!({"Sid": "WharfPull", "Effect": "Allow", "Principal": {"AWS": principal}, "Action": actions})
}

fn ci_statement(principal: Value, actions: Value) -> Value {
    json!({"Sid": "Ci", "Effect": "Allow", "Principal": {"AWS": principal}, "Action": actions})
}

/// Sets the live policy, then: no plan, no drift, no writes.
async fn assert_same_meaning(moto: &Moto, ecr: &aws_sdk_ecr::Client, live: Value) {
    set_repository_policy(ecr, "shop/web", &live).await;
    moto.assert_converged();
    moto.expect(&["drift"], 0);
    // Nothing rewrote the live document.
    assert_eq!(repository_policy(ecr, "shop/web").await, Some(live));
}

#[tokio::test(flavor = "multi_thread")]
async fn policy_statement_order_is_no_change() {
    let (moto, ecr) = with_policy().await;
    let live = json!({"Version": "2012-10-17", "Statement": [
        ci_statement(json!(CI), json!(["ecr:PutImage", "ecr:InitiateLayerUpload"])),
        pull_statement(json!([ROOT]), json!(PULL_ACTIONS)),
    ]});
    assert_same_meaning(&moto, &ecr, live).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn policy_string_versus_one_element_list_is_no_change() {
    let (moto, ecr) = with_policy().await;
    let live = json!({"Version": "2012-10-17", "Statement": [
        // The manifest's one-element principal list as a string, and its string as a list.
        pull_statement(json!(ROOT), json!(PULL_ACTIONS)),
        ci_statement(json!([CI]), json!(["ecr:InitiateLayerUpload", "ecr:PutImage"])),
    ]});
    assert_same_meaning(&moto, &ecr, live).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn policy_single_statement_object_is_a_one_element_list() {
    let moto = Moto::start();
    moto.manifest(&yaml(
        r#"
        version: 1
        stack: shop
        repositories:
          shop/web:
            pull: { accounts: ["111122223333"] }
        "#,
    ));
    moto.apply(&[]);
    let ecr = moto.ecr().await;
    let live = json!({"Version": "2012-10-17",
        "Statement": pull_statement(json!(ROOT), json!(PULL_ACTIONS))});
    assert_same_meaning(&moto, &ecr, live).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn policy_account_id_versus_root_arn_is_no_change() {
    let (moto, ecr) = with_policy().await;
    let live = json!({"Version": "2012-10-17", "Statement": [
        pull_statement(json!(["111122223333"]), json!(PULL_ACTIONS)),
        ci_statement(json!(CI), json!(["ecr:PutImage", "ecr:InitiateLayerUpload"])),
    ]});
    assert_same_meaning(&moto, &ecr, live).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn policy_account_id_in_the_manifest_matches_the_root_arn_aws_stores() {
    // IAM stores an account principal as arn:aws:iam::ID:root whatever was sent.
    let moto = Moto::start();
    moto.manifest(&yaml(
        r#"
        version: 1
        stack: shop
        repositories:
          shop/web:
            policy:
              Version: "2012-10-17"
              Statement:
                - Sid: Account
                  Effect: Allow
                  Principal: { AWS: "111122223333" }
                  Action: ecr:BatchGetImage
        "#,
    ));
    moto.apply(&[]);
    let ecr = moto.ecr().await;
    let live = json!({"Version": "2012-10-17", "Statement": [{"Sid": "Account", "Effect": "Allow",
        "Principal": {"AWS": ROOT}, "Action": "ecr:BatchGetImage"}]});
    assert_same_meaning(&moto, &ecr, live).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn policy_action_case_is_no_change() {
    let (moto, ecr) = with_policy().await;
    let live = json!({"Version": "2012-10-17", "Statement": [
        pull_statement(json!([ROOT]), json!([
            "ecr:batchchecklayeravailability", "ECR:BATCHGETIMAGE", "ecr:getDownloadUrlForLayer"
        ])),
        ci_statement(json!(CI), json!(["ecr:putimage", "ecr:InitiateLayerUpload"])),
    ]});
    assert_same_meaning(&moto, &ecr, live).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn policy_with_a_real_difference_is_still_an_update() {
    let (moto, ecr) = with_policy().await;
    // Same form as the manifest, but the CI role may now also delete images.
    let live = json!({"Version": "2012-10-17", "Statement": [
        pull_statement(json!([ROOT]), json!(PULL_ACTIONS)),
        ci_statement(json!(CI), json!(["ecr:PutImage", "ecr:InitiateLayerUpload", "ecr:BatchDeleteImage"])),
    ]});
    set_repository_policy(&ecr, "shop/web", &live).await;
    let plan = moto.plan_json(&[]);
    assert_eq!(paths(&plan, "shop/web"), sorted(&["policy"]), "{plan:#}");
    assert_drift_repaired(&moto, "shop/web", &["policy"]);
}

/// Rules as the manifest declares them, in priority order.
const RULES: &str = r#"
    version: 1
    stack: shop
    repositories:
      shop/web:
        lifecycle:
          - description: drop untagged
            untagged: true
            expireAfterDays: 14
          - description: keep releases
            tagPrefixes: [v, release-]
            keepLast: 30
          - keepLast: 100
"#;

fn rule(priority: u32, description: Option<&str>, selection: Value) -> Value {
    let mut r =
        json!({"rulePriority": priority, "selection": selection, "action": {"type": "expire"}});
    if let Some(d) = description {
        r["description"] = json!(d);
    }
    r
}

#[tokio::test(flavor = "multi_thread")]
async fn lifecycle_rules_in_a_different_order_are_no_change() {
    let moto = Moto::start();
    moto.manifest(&yaml(RULES));
    moto.apply(&[]);
    let ecr = moto.ecr().await;
    // The same rules, listed last-first, with the prefix list reordered and keys shuffled,
    // pretty-printed: ECR evaluates by rulePriority.
    let live = json!({"rules": [
        rule(3, None, json!({"countNumber": 100, "countType": "imageCountMoreThan", "tagStatus": "any"})),
        rule(2, Some("keep releases"), json!({"tagStatus": "tagged", "tagPrefixList": ["release-", "v"],
            "countType": "imageCountMoreThan", "countNumber": 30})),
        rule(1, Some("drop untagged"), json!({"tagStatus": "untagged", "countType": "sinceImagePushed",
            "countUnit": "days", "countNumber": 14})),
    ]});
    let text = serde_json::to_string_pretty(&live).unwrap();
    put_lifecycle_policy(&ecr, "shop/web", &text).await;
    moto.assert_converged();
    moto.expect(&["drift"], 0);
    assert_eq!(lifecycle_policy(&ecr, "shop/web").await, Some(live));
}

#[tokio::test(flavor = "multi_thread")]
async fn lifecycle_rule_with_a_real_difference_is_still_an_update() {
    let moto = Moto::start();
    moto.manifest(&yaml(RULES));
    moto.apply(&[]);
    let ecr = moto.ecr().await;
    // Priorities swapped: the same rules, but evaluated in another order.
    let live = json!({"rules": [
        rule(2, Some("drop untagged"), json!({"tagStatus": "untagged", "countType": "sinceImagePushed",
            "countUnit": "days", "countNumber": 14})),
        rule(1, Some("keep releases"), json!({"tagStatus": "tagged", "tagPrefixList": ["v", "release-"],
            "countType": "imageCountMoreThan", "countNumber": 30})),
        rule(3, None, json!({"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 100})),
    ]});
    put_lifecycle_policy(&ecr, "shop/web", &live.to_string()).await;
    assert_drift_repaired(&moto, "shop/web", &["lifecyclePolicy"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn exclusion_filter_order_is_no_change() {
    let moto = Moto::start();
    moto.manifest(&yaml(
        r#"
        version: 1
        stack: shop
        repositories:
          shop/web:
            imageTagMutability: IMMUTABLE_WITH_EXCLUSION
            imageTagMutabilityExclusionFilters: ["latest", "dev-*", "feature-*"]
        "#,
    ));
    moto.apply(&[]);
    let ecr = moto.ecr().await;
    let filters = ["feature-*", "latest", "dev-*"].map(|f| {
        aws_sdk_ecr::types::ImageTagMutabilityExclusionFilter::builder()
            .filter_type(aws_sdk_ecr::types::ImageTagMutabilityExclusionFilterType::Wildcard)
            .filter(f)
            .build()
            .unwrap()
    });
    ecr.put_image_tag_mutability()
        .repository_name("shop/web")
        .image_tag_mutability(aws_sdk_ecr::types::ImageTagMutability::ImmutableWithExclusion)
        .set_image_tag_mutability_exclusion_filters(Some(filters.to_vec()))
        .send()
        .await
        .unwrap();
    assert_eq!(
        mutability(&ecr, "shop/web").await.1,
        vec!["feature-*".to_string(), "latest".into(), "dev-*".into()]
    );
    moto.assert_converged();
    moto.expect(&["drift"], 0);
}
