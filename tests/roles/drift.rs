//! Drift: role changes made behind wharf's back (through the IAM SDK) are reported by
//! `wharf drift` (exit 2, the address and the field), and one apply puts them right.

use crate::common::{Moto, actions};
use crate::support::*;
use serde_json::json;

const MANIFEST: &str = r#"
    version: 1
    stack: shop
    defaults:
      tags: { team: shop }
    iam:
      roles:
        app:
          assumedBy: [ecs-tasks.amazonaws.com]
          description: the app
          managedPolicies:
            - arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy
          inlinePolicies:
            read:
              Version: "2012-10-17"
              Statement: [ { Effect: Allow, Action: "s3:GetObject", Resource: "*" } ]
          tags: { app: web }
        quiet:
          assumedBy: [lambda.amazonaws.com]
"#;

/// A converged stack with no drift.
async fn converged() -> (Moto, aws_sdk_iam::Client) {
    let moto = Moto::start();
    moto.manifest(&yaml(MANIFEST));
    moto.apply(&[]);
    moto.expect(&["drift"], 0);
    let iam = moto.iam().await;
    (moto, iam)
}

/// Only `app` drifted.
fn assert_only_app(moto: &Moto) {
    let report = drift_json(moto);
    assert_eq!(actions(&report), vec![act("app", "update")], "{report:#}");
}

#[tokio::test(flavor = "multi_thread")]
async fn drift_finds_a_detached_managed_policy() {
    let (moto, iam) = converged().await;
    iam.detach_role_policy()
        .role_name("app")
        .policy_arn(TASK_EXECUTION_POLICY)
        .send()
        .await
        .unwrap();
    assert_only_app(&moto);
    let report = drift_json(&moto);
    let f = field(&report, "app", "managedPolicies");
    assert_eq!(f["before"], json!([]));
    assert_eq!(f["after"], json!([TASK_EXECUTION_POLICY]));
    assert_drift_repaired(&moto, "app", &["managedPolicies"]);
    assert_eq!(attached(&iam, "app").await, set(&[TASK_EXECUTION_POLICY]));
}

#[tokio::test(flavor = "multi_thread")]
async fn drift_finds_an_extra_attached_managed_policy() {
    let (moto, iam) = converged().await;
    attach(&iam, "app", READ_ONLY_POLICY).await;
    assert_only_app(&moto);
    assert_drift_repaired(&moto, "app", &["managedPolicies"]);
    assert_eq!(attached(&iam, "app").await, set(&[TASK_EXECUTION_POLICY]));
}

#[tokio::test(flavor = "multi_thread")]
async fn drift_finds_a_changed_trust_policy() {
    let (moto, iam) = converged().await;
    set_trust(&iam, "app", &trust_of("lambda.amazonaws.com")).await;
    assert_only_app(&moto);
    let report = drift_json(&moto);
    let f = field(&report, "app", "assumeRolePolicy");
    // Shown normalized: a principal is a list, whether written as one string or not.
    assert_eq!(
        f["before"]["Statement"][0]["Principal"]["Service"],
        json!(["lambda.amazonaws.com"])
    );
    assert_drift_repaired(&moto, "app", &["assumeRolePolicy"]);
    assert_eq!(
        string_set(&statements(&trust_policy(&iam, "app").await)[0]["Principal"]["Service"]),
        set(&["ecs-tasks.amazonaws.com"])
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn drift_finds_a_deleted_inline_policy() {
    let (moto, iam) = converged().await;
    iam.delete_role_policy()
        .role_name("app")
        .policy_name("read")
        .send()
        .await
        .unwrap();
    assert_only_app(&moto);
    assert_drift_repaired(&moto, "app", &["inlinePolicies.read"]);
    assert!(inline(&iam, "app").await.contains_key("read"));
}

#[tokio::test(flavor = "multi_thread")]
async fn drift_finds_a_changed_and_an_extra_inline_policy() {
    let (moto, iam) = converged().await;
    let wide = json!({
        "Version": "2012-10-17",
        "Statement": [{ "Effect": "Allow", "Action": "s3:*", "Resource": "*" }]
    });
    put_inline(&iam, "app", "read", &wide).await;
    put_inline(&iam, "app", "sneaky", &wide).await;
    assert_only_app(&moto);
    assert_drift_repaired(
        &moto,
        "app",
        &["inlinePolicies.read", "inlinePolicies.sneaky"],
    );
    let policies = inline(&iam, "app").await;
    assert_eq!(policies.keys().cloned().collect::<Vec<_>>(), vec!["read"]);
    assert_eq!(statements(&policies["read"])[0]["Action"], "s3:GetObject");
}

#[tokio::test(flavor = "multi_thread")]
async fn drift_finds_changed_tags() {
    let (moto, iam) = converged().await;
    iam.tag_role()
        .role_name("app")
        .tags(
            aws_sdk_iam::types::Tag::builder()
                .key("app")
                .value("hacked")
                .build()
                .unwrap(),
        )
        .tags(
            aws_sdk_iam::types::Tag::builder()
                .key("extra")
                .value("x")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    iam.untag_role()
        .role_name("app")
        .tag_keys("team")
        .send()
        .await
        .unwrap();
    assert_only_app(&moto);
    assert_drift_repaired(&moto, "app", &["tags.app", "tags.extra", "tags.team"]);
    assert_eq!(
        tags(&iam, "app").await,
        tag_map(&[("app", "web"), ("team", "shop"), (OWNERSHIP_TAG, "shop")])
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn drift_finds_changed_description_session_and_boundary() {
    let (moto, iam) = converged().await;
    iam.update_role()
        .role_name("app")
        .description("edited in the console")
        .max_session_duration(7200)
        .send()
        .await
        .unwrap();
    iam.put_role_permissions_boundary()
        .role_name("app")
        .permissions_boundary(READ_ONLY_POLICY)
        .send()
        .await
        .unwrap();
    assert_only_app(&moto);
    assert_drift_repaired(
        &moto,
        "app",
        &["description", "maxSessionDuration", "permissionsBoundary"],
    );
    let r = role(&iam, "app").await;
    assert_eq!(r.description(), Some("the app"));
    assert_eq!(r.max_session_duration(), Some(3600));
    assert!(r.permissions_boundary().is_none());
}

#[tokio::test(flavor = "multi_thread")]
async fn drift_finds_a_deleted_role_and_a_stray_owned_role() {
    let (moto, iam) = converged().await;
    iam.delete_role().role_name("quiet").send().await.unwrap();
    create_role(
        &iam,
        "stray",
        &trust_of("ecs-tasks.amazonaws.com"),
        &[(OWNERSHIP_TAG, "shop")],
    )
    .await;
    let report = drift_json(&moto);
    assert_eq!(
        actions(&report),
        vec![act("quiet", "create"), act("stray", "delete")],
        "{report:#}"
    );
    let text = moto.expect(&["drift", "--format", "markdown"], 2);
    assert!(text.contains("iam.role.quiet"), "{text}");
    assert!(text.contains("iam.role.stray"), "{text}");
    moto.apply(&["--prune"]);
    moto.expect(&["drift"], 0);
    moto.assert_converged();
    assert!(exists(&iam, "quiet").await);
    assert!(!exists(&iam, "stray").await);
}
