//! Creating roles: every setting a role takes is created, then read back from the
//! emulator's IAM through the SDK.

use crate::common::{Moto, actions};
use crate::support::*;
use serde_json::json;

pub const BOUNDARY: &str = "arn:aws:iam::aws:policy/PowerUserAccess";

const FULL: &str = r#"
    version: 1
    stack: shop
    defaults:
      tags: { team: shop }
    iam:
      roles:
        task-execution:
          description: pulls shop images and writes task logs
          path: /shop/
          assumedBy: [ecs-tasks.amazonaws.com]
          maxSessionDuration: 7200
          permissionsBoundary: arn:aws:iam::aws:policy/PowerUserAccess
          managedPolicies:
            - arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy
            - arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly
          inlinePolicies:
            describe-services:
              Version: "2012-10-17"
              Statement:
                - Effect: Allow
                  Action: [ecs:DescribeServices, ecs:UpdateService]
                  Resource: "*"
            read-logs: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"logs:GetLogEvents","Resource":"*"}]}'
          tags: { app: web, team: platform }
        deploy:
          assumedBy: ["111122223333", "arn:aws:iam::444455556666:role/ci/deployer", ecs.amazonaws.com]
        raw:
          assumeRolePolicy:
            Version: "2012-10-17"
            Statement:
              - Effect: Allow
                Principal: { Service: lambda.amazonaws.com }
                Action: sts:AssumeRole
                Condition: { StringEquals: { "aws:SourceAccount": "123456789012" } }
"#;

#[tokio::test(flavor = "multi_thread")]
async fn create_plans_every_setting_and_apply_creates_them() {
    let moto = Moto::start();
    let iam = moto.iam().await;
    moto.manifest(&yaml(FULL));

    let plan = moto.plan_json(&[]);
    assert_eq!(
        actions(&plan),
        vec![
            act("deploy", "create"),
            act("raw", "create"),
            act("task-execution", "create"),
        ]
    );
    assert_eq!(plan["summary"]["create"], 3);
    assert_eq!(
        paths(&plan, "task-execution"),
        sorted(&[
            "assumeRolePolicy",
            "description",
            "inlinePolicies.describe-services",
            "inlinePolicies.read-logs",
            "managedPolicies",
            "maxSessionDuration",
            "path",
            "permissionsBoundary",
            "tags.app",
            "tags.team",
            "tags.wharf:stack",
        ])
    );
    assert_eq!(field(&plan, "task-execution", "path")["after"], "/shop/");

    assert!(moto.apply(&[]) > 0);

    // The full role.
    let r = role(&iam, "task-execution").await;
    assert_eq!(r.path(), "/shop/");
    assert_eq!(
        r.arn(),
        format!("arn:aws:iam::{ACCOUNT}:role/shop/task-execution")
    );
    assert_eq!(
        r.description(),
        Some("pulls shop images and writes task logs")
    );
    assert_eq!(r.max_session_duration(), Some(7200));
    assert_eq!(
        r.permissions_boundary()
            .and_then(|b| b.permissions_boundary_arn()),
        Some(BOUNDARY)
    );
    assert_eq!(
        trust_policy(&iam, "task-execution").await,
        json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Principal": { "Service": ["ecs-tasks.amazonaws.com"] },
                "Action": "sts:AssumeRole"
            }]
        })
    );
    assert_eq!(
        attached(&iam, "task-execution").await,
        set(&[TASK_EXECUTION_POLICY, ECR_READ_ONLY_POLICY])
    );
    let policies = inline(&iam, "task-execution").await;
    assert_eq!(
        policies.keys().cloned().collect::<Vec<_>>(),
        vec!["describe-services", "read-logs"]
    );
    assert_eq!(
        policies["describe-services"],
        json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Action": ["ecs:DescribeServices", "ecs:UpdateService"],
                "Resource": "*"
            }]
        })
    );
    assert_eq!(
        policies["read-logs"]["Statement"][0]["Action"],
        "logs:GetLogEvents"
    );
    // The role's own tags win over defaults.tags; the ownership tag is added.
    assert_eq!(
        tags(&iam, "task-execution").await,
        tag_map(&[
            ("app", "web"),
            ("team", "platform"),
            (OWNERSHIP_TAG, "shop")
        ])
    );

    // The short form with an account id, a role ARN and a service: account ids become
    // the account's root ARN.
    let deploy = role(&iam, "deploy").await;
    assert_eq!(deploy.path(), "/");
    assert_eq!(deploy.max_session_duration(), Some(3600));
    assert!(deploy.permissions_boundary().is_none());
    assert!(deploy.description().unwrap_or("").is_empty());
    let trust = trust_policy(&iam, "deploy").await;
    let statement = &statements(&trust)[0];
    assert_eq!(statement["Action"], "sts:AssumeRole");
    assert_eq!(
        string_set(&statement["Principal"]["AWS"]),
        set(&[
            "arn:aws:iam::111122223333:root",
            "arn:aws:iam::444455556666:role/ci/deployer",
        ])
    );
    assert_eq!(
        string_set(&statement["Principal"]["Service"]),
        set(&["ecs.amazonaws.com"])
    );
    assert!(attached(&iam, "deploy").await.is_empty());
    assert!(inline(&iam, "deploy").await.is_empty());
    assert_eq!(
        tags(&iam, "deploy").await,
        tag_map(&[("team", "shop"), (OWNERSHIP_TAG, "shop")])
    );

    // A raw trust policy is written as given, condition included.
    let raw = trust_policy(&iam, "raw").await;
    assert_eq!(
        statements(&raw)[0]["Condition"],
        json!({ "StringEquals": { "aws:SourceAccount": "123456789012" } })
    );
    assert_eq!(
        statements(&raw)[0]["Principal"],
        json!({ "Service": "lambda.amazonaws.com" })
    );

    moto.assert_converged();
}

#[tokio::test(flavor = "multi_thread")]
async fn create_then_plan_text_shows_the_role_and_validate_counts_it() {
    let moto = Moto::start();
    moto.manifest(&yaml(FULL));
    let out = moto.expect(&["validate"], 0);
    assert!(out.contains("3 roles"), "{out}");
    let text = moto.expect(&["plan"], 0);
    assert!(text.contains("iam.role.task-execution"), "{text}");
    moto.expect(&["plan", "--detailed-exitcode"], 2);
    moto.apply(&[]);
    moto.assert_converged();
    moto.expect(&["plan", "--detailed-exitcode"], 0);
    moto.expect(&["drift"], 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_managed_policy_that_does_not_exist_fails_the_apply_with_iams_message() {
    let moto = Moto::start();
    let iam = moto.iam().await;
    let missing = "arn:aws:iam::123456789012:policy/does-not-exist";
    let manifest = yaml(&format!(
        r#"
        version: 1
        stack: shop
        iam:
          roles:
            app:
              assumedBy: [ecs-tasks.amazonaws.com]
              managedPolicies: [{missing}]
        "#
    ));
    moto.manifest(&manifest);
    let out = moto.expect(&["apply", "--auto-approve"], 1);
    assert!(out.contains("AttachRolePolicy"), "{out}");
    assert!(out.contains("NoSuchEntity"), "{out}");
    assert!(out.contains(missing), "{out}");
    // CreateRole went through; the attach is what is left to do.
    assert!(exists(&iam, "app").await);
    let plan = moto.plan_json(&[]);
    assert_eq!(paths(&plan, "app"), vec!["managedPolicies"]);

    moto.manifest(&manifest.replace(missing, READ_ONLY_POLICY));
    moto.apply(&[]);
    assert_eq!(attached(&iam, "app").await, set(&[READ_ONLY_POLICY]));
    moto.assert_converged();
}

#[tokio::test(flavor = "multi_thread")]
async fn documents_with_characters_that_need_url_encoding_converge() {
    // IAM hands documents back URL-encoded: spaces, `+`, `%`, `&`, quotes and Latin-1
    // must all decode to what was written, or the plan would never be empty.
    let moto = Moto::start();
    let iam = moto.iam().await;
    moto.manifest(&yaml(
        r#"
        version: 1
        stack: shop
        iam:
          roles:
            app:
              description: "a+b & c% d 'q' caf\u00e9"
              assumeRolePolicy:
                Version: "2012-10-17"
                Statement:
                  - Effect: Allow
                    Principal: { Service: ecs-tasks.amazonaws.com }
                    Action: sts:AssumeRole
                    Condition: { StringLike: { "aws:SourceArn": "arn:aws:ecs:eu-west-1:123456789012:* a+b%20&c" } }
              inlinePolicies:
                odd:
                  Version: "2012-10-17"
                  Statement:
                    - Effect: Allow
                      Action: s3:GetObject
                      Resource: "arn:aws:s3:::shop/a b+c%25d&e=f?g#h\"i\u00e9"
        "#,
    ));
    moto.apply(&[]);
    assert_eq!(
        statements(&inline(&iam, "app").await["odd"])[0]["Resource"],
        "arn:aws:s3:::shop/a b+c%25d&e=f?g#h\"i\u{e9}"
    );
    assert_eq!(
        role(&iam, "app").await.description(),
        Some("a+b & c% d 'q' caf\u{e9}")
    );
    moto.assert_converged();
}
