//! Policies by meaning: a live trust or inline policy written differently from what wharf
//! wrote (statement object vs list, string vs one-element list, account id vs
//! `arn:aws:iam::ID:root`, key and statement order, whitespace, action case) plans no
//! change; one that means something else is drift.
//!
//! moto deviations that shape these cases: moto keeps trust policies as written (IAM
//! rewrites an account id principal to its root ARN), and its UpdateAssumeRolePolicy
//! rejects documents its CreateRole (and IAM) accept: a lower-case `sts:assumerole` and
//! Version 2008-10-17.
//! Action case is therefore tested on an inline policy.

use crate::common::Moto;
use crate::support::*;
use serde_json::{Value, json};

const MANIFEST: &str = r#"
    version: 1
    stack: shop
    iam:
      roles:
        app:
          assumedBy: [ecs-tasks.amazonaws.com, "111122223333"]
          inlinePolicies:
            services:
              Version: "2012-10-17"
              Statement:
                - Effect: Allow
                  Action: [ecs:DescribeServices, ecs:UpdateService]
                  Resource: "*"
                - Effect: Allow
                  Action: s3:GetObject
                  Resource: ["arn:aws:s3:::shop/*"]
                  Condition: { StringEquals: { "aws:RequestedRegion": [eu-west-1, us-east-1] } }
"#;

async fn converged() -> (Moto, aws_sdk_iam::Client) {
    let moto = Moto::start();
    moto.manifest(&yaml(MANIFEST));
    moto.apply(&[]);
    moto.assert_converged();
    let iam = moto.iam().await;
    (moto, iam)
}

/// Trust policies that mean what `assumedBy: [ecs-tasks.amazonaws.com, "111122223333"]` means.
fn equivalent_trust_policies() -> Vec<(&'static str, Value)> {
    vec![
        (
            "statement object, strings, bare account id",
            json!({
                "Version": "2012-10-17",
                "Statement": {
                    "Effect": "Allow",
                    "Principal": { "Service": "ecs-tasks.amazonaws.com", "AWS": "111122223333" },
                    "Action": "sts:AssumeRole"
                }
            }),
        ),
        (
            "lists everywhere, account root ARN, keys reordered",
            json!({
                "Statement": [{
                    "Action": ["sts:AssumeRole"],
                    "Principal": { "AWS": ["arn:aws:iam::111122223333:root"], "Service": ["ecs-tasks.amazonaws.com"] },
                    "Effect": "Allow"
                }],
                "Version": "2012-10-17"
            }),
        ),
        (
            "principal listed twice",
            json!({
                "Version": "2012-10-17",
                "Statement": [{
                    "Effect": "Allow",
                    "Principal": {
                        "AWS": ["111122223333", "arn:aws:iam::111122223333:root"],
                        "Service": "ecs-tasks.amazonaws.com"
                    },
                    "Action": "sts:AssumeRole"
                }]
            }),
        ),
    ]
}

/// Trust policies that differ in meaning, each with why.
fn different_trust_policies() -> Vec<(&'static str, Value)> {
    let base = |f: &dyn Fn(&mut Value)| {
        let mut doc = json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Principal": { "Service": "ecs-tasks.amazonaws.com", "AWS": "111122223333" },
                "Action": "sts:AssumeRole"
            }]
        });
        f(&mut doc);
        doc
    };
    vec![
        (
            "Deny instead of Allow",
            base(&|d| d["Statement"][0]["Effect"] = json!("Deny")),
        ),
        (
            "another account",
            base(&|d| d["Statement"][0]["Principal"]["AWS"] = json!("444455556666")),
        ),
        (
            "a condition added",
            base(&|d| {
                d["Statement"][0]["Condition"] =
                    json!({ "StringEquals": { "aws:SourceAccount": "123456789012" } })
            }),
        ),
        (
            "another action",
            base(&|d| d["Statement"][0]["Action"] = json!("sts:AssumeRoleWithWebIdentity")),
        ),
        (
            "a second statement",
            base(&|d| {
                let extra = json!({
                    "Effect": "Allow",
                    "Principal": { "Service": "lambda.amazonaws.com" },
                    "Action": "sts:AssumeRole"
                });
                d["Statement"].as_array_mut().unwrap().push(extra);
            }),
        ),
    ]
}

#[tokio::test(flavor = "multi_thread")]
async fn live_trust_policies_equal_in_meaning_plan_no_change() {
    let (moto, iam) = converged().await;
    for (why, doc) in equivalent_trust_policies() {
        set_trust(&iam, "app", &doc).await;
        // The emulator keeps the document as written (so the test is not vacuous).
        assert_eq!(trust_policy(&iam, "app").await, doc, "{why}");
        let plan = moto.plan_json(&[]);
        assert_eq!(plan["changes"], json!([]), "{why}: {plan:#}");
        moto.expect(&["drift"], 0);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn live_trust_policies_different_in_meaning_are_drift() {
    let (moto, iam) = converged().await;
    for (why, doc) in different_trust_policies() {
        set_trust(&iam, "app", &doc).await;
        let report = drift_json(&moto);
        assert_eq!(
            paths(&report, "app"),
            vec!["assumeRolePolicy"],
            "{why}: {report:#}"
        );
    }
    moto.apply(&[]);
    moto.assert_converged();
}

#[tokio::test(flavor = "multi_thread")]
async fn live_inline_policy_equal_in_meaning_plans_no_change() {
    let (moto, iam) = converged().await;
    // Statements swapped, a statement's keys reordered, action case and list forms changed,
    // condition values reordered and pretty-printed with whitespace.
    let text = r#"{
      "Statement": [
        {
          "Condition": { "StringEquals": { "aws:RequestedRegion": ["us-east-1", "eu-west-1"] } },
          "Resource": "arn:aws:s3:::shop/*",
          "Action": ["s3:getobject"],
          "Effect": "Allow"
        },
        { "Effect": "Allow", "Resource": ["*"], "Action": ["ecs:UpdateService", "ecs:DescribeServices"] }
      ],
      "Version": "2012-10-17"
    }"#;
    iam.put_role_policy()
        .role_name("app")
        .policy_name("services")
        .policy_document(text)
        .send()
        .await
        .unwrap();
    assert_eq!(
        statements(&inline(&iam, "app").await["services"])[0]["Action"],
        json!(["s3:getobject"])
    );
    assert_plan_empty(&moto);
    moto.expect(&["drift"], 0);

    // A real difference: another resource.
    let other = text.replace("arn:aws:s3:::shop/*", "arn:aws:s3:::other/*");
    iam.put_role_policy()
        .role_name("app")
        .policy_name("services")
        .policy_document(other)
        .send()
        .await
        .unwrap();
    assert_drift_repaired(&moto, "app", &["inlinePolicies.services"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn manifest_forms_equal_in_meaning_plan_no_change() {
    // After wharf wrote the assumedBy form, the same trust policy written as a raw
    // document (object or JSON text), in any of the equivalent shapes, is no change.
    let (moto, _iam) = converged().await;
    for (why, doc) in equivalent_trust_policies() {
        let as_text = serde_json::to_string(&doc).unwrap();
        for form in [doc.to_string(), format!("'{as_text}'")] {
            let manifest = yaml(MANIFEST).replace(
                "assumedBy: [ecs-tasks.amazonaws.com, \"111122223333\"]",
                &format!("assumeRolePolicy: {form}"),
            );
            moto.manifest(&manifest);
            let plan = moto.plan_json(&[]);
            assert_eq!(plan["changes"], json!([]), "{why} as {form}: {plan:#}");
        }
    }
}
