//! In-place updates of roles, field by field: each is planned as an `update` naming
//! exactly the field, applied with the matching IAM call, read back through the SDK, and
//! followed by a converged stack.

use crate::common::{Moto, actions};
use crate::support::*;
use serde_json::json;

const BOUNDARY: &str = crate::create::BOUNDARY;

/// A manifest with the single role `app`, whose settings are `body` (YAML at column 0).
pub fn app(body: &str) -> String {
    let indented: String = body
        .lines()
        .skip_while(|l| l.trim().is_empty())
        .map(|l| format!("      {l}\n"))
        .collect();
    format!(
        "version: 1\nstack: shop\ndefaults:\n  tags: {{ team: shop }}\niam:\n  roles:\n    app:\n{indented}"
    )
}

const BASE: &str = r#"
assumedBy: [ecs-tasks.amazonaws.com]
description: the app
managedPolicies: [arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy]
inlinePolicies:
  keep:
    Version: "2012-10-17"
    Statement: [ { Effect: Allow, Action: "s3:GetObject", Resource: "arn:aws:s3:::shop/*" } ]
  drop:
    Version: "2012-10-17"
    Statement: [ { Effect: Allow, Action: "sqs:SendMessage", Resource: "*" } ]
tags: { app: web, tier: front }
"#;

/// A converged stack holding BASE.
async fn converged() -> (Moto, aws_sdk_iam::Client) {
    let moto = Moto::start();
    moto.manifest(&app(BASE));
    moto.apply(&[]);
    moto.assert_converged();
    let iam = moto.iam().await;
    (moto, iam)
}

/// Writes the manifest, asserts the plan is one update of `app` with exactly `fields`,
/// applies it (checking that it made writes), and asserts convergence. Returns the plan.
fn update(moto: &Moto, body: &str, fields: &[&str]) -> serde_json::Value {
    moto.manifest(&app(body));
    let plan = moto.plan_json(&[]);
    assert_eq!(actions(&plan), vec![act("app", "update")], "{plan:#}");
    assert_eq!(paths(&plan, "app"), sorted(fields), "{plan:#}");
    assert_eq!(plan["summary"]["update"], 1);
    assert!(moto.apply(&[]) > 0, "the update made no writes");
    moto.assert_converged();
    plan
}

#[tokio::test(flavor = "multi_thread")]
async fn trust_policy_changes_through_assumed_by() {
    let (moto, iam) = converged().await;
    let body = BASE.replace(
        "assumedBy: [ecs-tasks.amazonaws.com]",
        "assumedBy: [ecs-tasks.amazonaws.com, \"111122223333\"]",
    );
    let plan = update(&moto, &body, &["assumeRolePolicy"]);
    let f = field(&plan, "app", "assumeRolePolicy");
    assert!(f["before"]["Statement"].is_array(), "{f:#}");
    let trust = trust_policy(&iam, "app").await;
    let statement = &statements(&trust)[0];
    assert_eq!(
        string_set(&statement["Principal"]["AWS"]),
        set(&["arn:aws:iam::111122223333:root"])
    );
    assert_eq!(
        string_set(&statement["Principal"]["Service"]),
        set(&["ecs-tasks.amazonaws.com"])
    );
    // Everything else is untouched.
    assert_eq!(attached(&iam, "app").await, set(&[TASK_EXECUTION_POLICY]));
    assert_eq!(inline(&iam, "app").await.len(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn trust_policy_changes_through_a_raw_assume_role_policy() {
    let (moto, iam) = converged().await;
    let raw = |service: &str| {
        BASE.replace(
            "assumedBy: [ecs-tasks.amazonaws.com]",
            &format!(
                r#"assumeRolePolicy:
  Version: "2012-10-17"
  Statement:
    - Effect: Allow
      Principal: {{ Service: {service} }}
      Action: sts:AssumeRole
      Condition: {{ StringEquals: {{ "aws:SourceAccount": "123456789012" }} }}"#
            ),
        )
    };
    update(
        &moto,
        &raw("ecs-tasks.amazonaws.com"),
        &["assumeRolePolicy"],
    );
    let trust = trust_policy(&iam, "app").await;
    assert_eq!(
        statements(&trust)[0]["Condition"],
        json!({ "StringEquals": { "aws:SourceAccount": "123456789012" } })
    );
    update(&moto, &raw("lambda.amazonaws.com"), &["assumeRolePolicy"]);
    let trust = trust_policy(&iam, "app").await;
    assert_eq!(
        string_set(&statements(&trust)[0]["Principal"]["Service"]),
        set(&["lambda.amazonaws.com"])
    );
    // Back to the short form.
    update(&moto, BASE, &["assumeRolePolicy"]);
    assert!(statements(&trust_policy(&iam, "app").await)[0]["Condition"].is_null());
}

#[tokio::test(flavor = "multi_thread")]
async fn managed_policies_are_attached_and_detached() {
    let (moto, iam) = converged().await;
    let both = BASE.replace(
        "managedPolicies: [arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy]",
        "managedPolicies: [arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy, arn:aws:iam::aws:policy/ReadOnlyAccess]",
    );
    let plan = update(&moto, &both, &["managedPolicies"]);
    let f = field(&plan, "app", "managedPolicies");
    assert_eq!(f["before"], json!([TASK_EXECUTION_POLICY]));
    assert_eq!(
        string_set(&f["after"]),
        set(&[TASK_EXECUTION_POLICY, READ_ONLY_POLICY])
    );
    assert_eq!(
        attached(&iam, "app").await,
        set(&[TASK_EXECUTION_POLICY, READ_ONLY_POLICY])
    );

    // Swap one: detach the execution policy, keep ReadOnlyAccess.
    let swapped = BASE.replace(
        "managedPolicies: [arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy]",
        "managedPolicies: [arn:aws:iam::aws:policy/ReadOnlyAccess]",
    );
    update(&moto, &swapped, &["managedPolicies"]);
    assert_eq!(attached(&iam, "app").await, set(&[READ_ONLY_POLICY]));

    // None at all: every one is detached.
    let none = BASE.replace(
        "managedPolicies: [arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy]\n",
        "",
    );
    update(&moto, &none, &["managedPolicies"]);
    assert!(attached(&iam, "app").await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn inline_policies_are_put_changed_and_deleted() {
    let (moto, iam) = converged().await;
    // `keep` changes, `drop` leaves, `new` arrives.
    let body = BASE
        .replace("s3:GetObject", "s3:ListBucket")
        .replace(
            "  drop:\n    Version: \"2012-10-17\"\n    Statement: [ { Effect: Allow, Action: \"sqs:SendMessage\", Resource: \"*\" } ]\n",
            "  new: '{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"sns:Publish\",\"Resource\":\"*\"}]}'\n",
        );
    assert!(body.contains("new:"), "the replacement applied: {body}");
    let plan = update(
        &moto,
        &body,
        &[
            "inlinePolicies.drop",
            "inlinePolicies.keep",
            "inlinePolicies.new",
        ],
    );
    assert_eq!(
        field(&plan, "app", "inlinePolicies.drop")["after"],
        json!(null)
    );
    assert_eq!(
        field(&plan, "app", "inlinePolicies.new")["before"],
        json!(null)
    );
    let policies = inline(&iam, "app").await;
    assert_eq!(
        policies.keys().cloned().collect::<Vec<_>>(),
        vec!["keep", "new"]
    );
    assert_eq!(
        statements(&policies["keep"])[0]["Action"],
        json!("s3:ListBucket")
    );
    assert_eq!(
        statements(&policies["new"])[0]["Action"],
        json!("sns:Publish")
    );

    // All inline policies gone.
    let start = body.find("inlinePolicies:").unwrap();
    let end = body.find("tags:").unwrap();
    let none = format!("{}{}", &body[..start], &body[end..]);
    update(&moto, &none, &["inlinePolicies.keep", "inlinePolicies.new"]);
    assert!(inline(&iam, "app").await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn description_is_changed_and_removed() {
    let (moto, iam) = converged().await;
    let plan = update(
        &moto,
        &BASE.replace("description: the app", "description: the shop app"),
        &["description"],
    );
    let f = field(&plan, "app", "description");
    assert_eq!(
        (&f["before"], &f["after"]),
        (&json!("the app"), &json!("the shop app"))
    );
    assert_eq!(role(&iam, "app").await.description(), Some("the shop app"));

    update(
        &moto,
        &BASE.replace("description: the app\n", ""),
        &["description"],
    );
    assert!(
        role(&iam, "app")
            .await
            .description()
            .unwrap_or("")
            .is_empty(),
        "{:?}",
        role(&iam, "app").await.description()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn max_session_duration_is_changed_and_reset_to_the_default() {
    let (moto, iam) = converged().await;
    let plan = update(
        &moto,
        &format!("{BASE}maxSessionDuration: 43200\n"),
        &["maxSessionDuration"],
    );
    let f = field(&plan, "app", "maxSessionDuration");
    assert_eq!((&f["before"], &f["after"]), (&json!(3600), &json!(43200)));
    assert_eq!(role(&iam, "app").await.max_session_duration(), Some(43200));
    // Left out again means IAM's default of one hour; the description is kept.
    update(&moto, BASE, &["maxSessionDuration"]);
    let r = role(&iam, "app").await;
    assert_eq!(r.max_session_duration(), Some(3600));
    assert_eq!(r.description(), Some("the app"));
}

#[tokio::test(flavor = "multi_thread")]
async fn permissions_boundary_is_set_changed_and_removed() {
    let (moto, iam) = converged().await;
    let boundary = |arn: &str| format!("{BASE}permissionsBoundary: {arn}\n");
    let plan = update(&moto, &boundary(BOUNDARY), &["permissionsBoundary"]);
    let f = field(&plan, "app", "permissionsBoundary");
    assert_eq!(
        (&f["before"], &f["after"]),
        (&json!(null), &json!(BOUNDARY))
    );
    let arn = |r: aws_sdk_iam::types::Role| {
        r.permissions_boundary()
            .and_then(|b| b.permissions_boundary_arn())
            .map(str::to_string)
    };
    assert_eq!(arn(role(&iam, "app").await).as_deref(), Some(BOUNDARY));

    update(&moto, &boundary(READ_ONLY_POLICY), &["permissionsBoundary"]);
    assert_eq!(
        arn(role(&iam, "app").await).as_deref(),
        Some(READ_ONLY_POLICY)
    );

    let plan = update(&moto, BASE, &["permissionsBoundary"]);
    assert_eq!(
        field(&plan, "app", "permissionsBoundary")["after"],
        json!(null)
    );
    assert_eq!(arn(role(&iam, "app").await), None);
}

#[tokio::test(flavor = "multi_thread")]
async fn tags_are_added_changed_and_removed_and_the_ownership_tag_stays() {
    let (moto, iam) = converged().await;
    let plan = update(
        &moto,
        &BASE.replace(
            "tags: { app: web, tier: front }",
            "tags: { app: api, owner: me }",
        ),
        &["tags.app", "tags.owner", "tags.tier"],
    );
    assert_eq!(field(&plan, "app", "tags.tier")["after"], json!(null));
    assert_eq!(field(&plan, "app", "tags.app")["before"], json!("web"));
    assert_eq!(
        tags(&iam, "app").await,
        tag_map(&[
            ("app", "api"),
            ("owner", "me"),
            ("team", "shop"),
            (OWNERSHIP_TAG, "shop")
        ])
    );
    // defaults.tags changes reach the role too.
    moto.manifest(
        &app(&BASE.replace(
            "tags: { app: web, tier: front }",
            "tags: { app: api, owner: me }",
        ))
        .replace("team: shop", "team: platform"),
    );
    let plan = moto.plan_json(&[]);
    assert_eq!(paths(&plan, "app"), sorted(&["tags.team"]));
    moto.apply(&[]);
    assert_eq!(tags(&iam, "app").await["team"], "platform");
    assert_eq!(tags(&iam, "app").await[OWNERSHIP_TAG], "shop");
    moto.assert_converged();
}

#[tokio::test(flavor = "multi_thread")]
async fn several_fields_change_in_one_update() {
    let (moto, iam) = converged().await;
    let body = format!(
        "{}maxSessionDuration: 7200\n",
        BASE.replace("description: the app", "description: changed")
            .replace("tier: front", "tier: back")
    );
    update(
        &moto,
        &body,
        &["description", "maxSessionDuration", "tags.tier"],
    );
    let r = role(&iam, "app").await;
    assert_eq!(r.description(), Some("changed"));
    assert_eq!(r.max_session_duration(), Some(7200));
}

/// `instanceProfile: true` adds an instance profile of the role's name holding it;
/// `false` takes it away; pruning the role removes it from the profile first (IAM refuses
/// DeleteRole otherwise) and deletes the profile.
#[tokio::test(flavor = "multi_thread")]
async fn an_instance_profile_comes_and_goes_with_the_role() {
    let (moto, iam) = converged().await;
    let profile_roles = |iam: aws_sdk_iam::Client| async move {
        match iam
            .get_instance_profile()
            .instance_profile_name("app")
            .send()
            .await
        {
            Ok(out) => Some(
                out.instance_profile()
                    .map(|p| {
                        p.roles()
                            .iter()
                            .map(|r| r.role_name().to_string())
                            .collect::<Vec<_>>()
                    })
                    .unwrap_or_default(),
            ),
            Err(_) => None,
        }
    };
    let with = format!("{BASE}instanceProfile: true\n");
    let plan = update(&moto, &with, &["instanceProfile"]);
    let ops: Vec<&str> = change(&plan, "app")["operations"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|o| o["op"].as_str())
        .collect();
    assert_eq!(ops, ["createInstanceProfile", "addRoleToInstanceProfile"]);
    assert_eq!(
        profile_roles(iam.clone()).await,
        Some(vec!["app".to_string()])
    );

    let without = format!("{BASE}instanceProfile: false\n");
    update(&moto, &without, &["instanceProfile"]);
    assert_eq!(
        profile_roles(iam.clone()).await,
        None,
        "the profile is deleted"
    );

    // Left out, a profile is nobody's business: nothing planned either way.
    moto.manifest(&app(&with));
    moto.apply(&[]);
    moto.manifest(&app(BASE));
    assert_plan_empty(&moto);

    // Pruned with its role.
    moto.manifest("version: 1\nstack: shop\n");
    moto.apply(&["--prune"]);
    assert_eq!(profile_roles(iam.clone()).await, None);
    assert!(
        iam.get_role().role_name("app").send().await.is_err(),
        "the role is gone"
    );
}
