//! Deleting roles that left the manifest (`--prune`), and ownership: wharf only ever
//! deletes roles tagged `wharf:stack=<this stack>`, removes their policies first so that
//! DeleteRole succeeds, and refuses to adopt a declared role that is not its own.

use crate::common::{Moto, actions};
use crate::support::*;
use aws_sdk_iam::error::ProvideErrorMetadata;

/// Roles `keep` and `old`; `old` has managed and inline policies (DeleteRole refuses a
/// role that still has either).
fn both() -> String {
    yaml(
        r#"
        version: 1
        stack: shop
        iam:
          roles:
            keep:
              assumedBy: [ecs-tasks.amazonaws.com]
            old:
              assumedBy: [ecs-tasks.amazonaws.com]
              managedPolicies:
                - arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy
                - arn:aws:iam::aws:policy/ReadOnlyAccess
              inlinePolicies:
                one: { Version: "2012-10-17", Statement: [ { Effect: Allow, Action: "s3:GetObject", Resource: "*" } ] }
                two: { Version: "2012-10-17", Statement: [ { Effect: Allow, Action: "sqs:SendMessage", Resource: "*" } ] }
              pullFrom: [arn:aws:ecr:eu-west-1:123456789012:repository/shop/web]
        "#,
    )
}

fn keep_only() -> String {
    yaml(
        r#"
        version: 1
        stack: shop
        iam:
          roles:
            keep:
              assumedBy: [ecs-tasks.amazonaws.com]
        "#,
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn removed_role_is_not_planned_without_prune() {
    let moto = Moto::start();
    let iam = moto.iam().await;
    moto.manifest(&both());
    moto.apply(&[]);
    moto.assert_converged();
    moto.manifest(&keep_only());
    assert_plan_empty(&moto);
    assert_eq!(moto.apply(&[]), 0);
    assert!(exists(&iam, "old").await);
}

#[tokio::test(flavor = "multi_thread")]
async fn prune_detaches_and_deletes_policies_before_deleting_the_role() {
    let moto = Moto::start();
    let iam = moto.iam().await;
    moto.manifest(&both());
    moto.apply(&[]);
    assert_eq!(
        inline(&iam, "old")
            .await
            .keys()
            .cloned()
            .collect::<Vec<_>>(),
        vec!["one", "two", "wharf-pull"]
    );

    // The emulator refuses DeleteRole while policies remain, as IAM does: this test would
    // catch a prune that forgot them.
    let refused = iam.delete_role().role_name("old").send().await.unwrap_err();
    assert_eq!(refused.code(), Some("DeleteConflict"), "{refused:?}");

    moto.manifest(&keep_only());
    let plan = moto.plan_json(&["--prune"]);
    assert_eq!(actions(&plan), vec![act("old", "delete")]);
    assert_eq!(plan["summary"]["delete"], 1);
    let text = moto.expect(&["plan", "--prune"], 0);
    assert!(text.contains("iam.role.old"), "{text}");

    // 2 detaches + 3 inline deletes + DeleteRole. No --allow-delete: a role holds no data.
    assert_eq!(moto.apply(&["--prune"]), 6);
    assert!(!exists(&iam, "old").await);
    assert!(exists(&iam, "keep").await);
    moto.assert_converged();
    assert_eq!(
        moto.plan_json(&["--prune"])["changes"],
        serde_json::json!([])
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn prune_never_touches_untagged_or_other_stacks_roles() {
    let moto = Moto::start();
    let iam = moto.iam().await;
    let trust = trust_of("ecs-tasks.amazonaws.com");
    create_role(&iam, "loose-untagged", &trust, &[]).await;
    create_role(&iam, "loose-tagged", &trust, &[("team", "shop")]).await;
    create_role(&iam, "other-role", &trust, &[(OWNERSHIP_TAG, "other")]).await;
    attach(&iam, "other-role", READ_ONLY_POLICY).await;
    create_role(&iam, "owned-stray", &trust, &[(OWNERSHIP_TAG, "shop")]).await;
    moto.manifest(&keep_only());

    let plan = moto.plan_json(&["--prune"]);
    assert_eq!(
        actions(&plan),
        vec![act("keep", "create"), act("owned-stray", "delete")]
    );
    moto.apply(&["--prune"]);
    let names = role_names(&iam).await;
    for name in ["loose-untagged", "loose-tagged", "other-role", "keep"] {
        assert!(names.contains(name), "{name} is gone: {names:?}");
    }
    assert!(!names.contains("owned-stray"));
    assert_eq!(attached(&iam, "other-role").await, set(&[READ_ONLY_POLICY]));
    assert_eq!(
        tags(&iam, "other-role").await,
        tag_map(&[(OWNERSHIP_TAG, "other")])
    );
    moto.assert_converged();
}

#[tokio::test(flavor = "multi_thread")]
async fn prune_skips_service_linked_roles_even_when_tagged() {
    let moto = Moto::start();
    let iam = moto.iam().await;
    let created = iam
        .create_service_linked_role()
        .aws_service_name("ecs.amazonaws.com")
        .send()
        .await
        .expect("CreateServiceLinkedRole");
    let name = created.role().unwrap().role_name().to_string();
    assert!(
        created
            .role()
            .unwrap()
            .path()
            .starts_with("/aws-service-role/")
    );
    iam.tag_role()
        .role_name(&name)
        .tags(
            aws_sdk_iam::types::Tag::builder()
                .key(OWNERSHIP_TAG)
                .value("shop")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .expect("TagRole");
    moto.manifest(&keep_only());
    let plan = moto.plan_json(&["--prune"]);
    assert_eq!(actions(&plan), vec![act("keep", "create")]);
    moto.apply(&["--prune"]);
    assert!(exists(&iam, &name).await);
    moto.assert_converged();
    assert_eq!(
        moto.plan_json(&["--prune"])["changes"],
        serde_json::json!([])
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn declared_role_without_the_ownership_tag_stops_the_plan() {
    let moto = Moto::start();
    let iam = moto.iam().await;
    let trust = trust_of("lambda.amazonaws.com");
    create_role(&iam, "keep", &trust, &[("team", "legacy")]).await;
    moto.manifest(&keep_only());

    let (code, stdout, stderr) = moto.run(&["plan", "--format", "json"]);
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    assert!(stderr.contains("keep"), "{stderr}");
    assert!(stderr.contains(OWNERSHIP_TAG), "{stderr}");
    assert!(stderr.contains("not managed by wharf"), "{stderr}");
    let out = moto.expect(&["apply", "--auto-approve", "--stats"], 1);
    assert!(
        out.contains("iam.role.keep") || out.contains("`keep`"),
        "{out}"
    );
    moto.expect(&["drift"], 1);
    // Untouched.
    assert_eq!(trust_policy(&iam, "keep").await, trust);
    assert_eq!(tags(&iam, "keep").await, tag_map(&[("team", "legacy")]));

    // --target of something else leaves the conflict out of the plan.
    let mut other = keep_only();
    other.push_str("    new:\n      assumedBy: [ecs-tasks.amazonaws.com]\n");
    moto.manifest(&other);
    let plan = moto.plan_json(&["--target", "iam.role.new"]);
    assert_eq!(actions(&plan), vec![act("new", "create")]);
}

#[tokio::test(flavor = "multi_thread")]
async fn declared_role_of_another_stack_stops_the_plan() {
    let moto = Moto::start();
    let iam = moto.iam().await;
    let trust = trust_of("ecs-tasks.amazonaws.com");
    create_role(&iam, "keep", &trust, &[(OWNERSHIP_TAG, "other")]).await;
    moto.manifest(&keep_only());
    let (code, stdout, stderr) = moto.run(&["plan"]);
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    assert!(stderr.contains("other"), "{stderr}");
    moto.expect(&["apply", "--auto-approve"], 1);
    assert_eq!(
        tags(&iam, "keep").await,
        tag_map(&[(OWNERSHIP_TAG, "other")])
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn tagging_an_existing_role_with_the_stack_adopts_it() {
    let moto = Moto::start();
    let iam = moto.iam().await;
    create_role(
        &iam,
        "keep",
        &trust_of("lambda.amazonaws.com"),
        &[(OWNERSHIP_TAG, "shop")],
    )
    .await;
    moto.manifest(&keep_only());
    let plan = moto.plan_json(&[]);
    assert_eq!(actions(&plan), vec![act("keep", "update")]);
    assert_eq!(paths(&plan, "keep"), vec!["assumeRolePolicy"]);
    moto.apply(&[]);
    assert_eq!(
        string_set(&statements(&trust_policy(&iam, "keep").await)[0]["Principal"]["Service"]),
        set(&["ecs-tasks.amazonaws.com"])
    );
    moto.assert_converged();
}
