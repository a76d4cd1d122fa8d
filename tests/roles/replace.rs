//! Replacing roles: a role's path cannot change in place, so a path change is a `replace`
//! (DeleteRole, then CreateRole at the new path), refused unless --allow-replace.

use crate::common::{Moto, actions};
use crate::support::*;
use crate::update::app;
use serde_json::json;

fn body(path: &str) -> String {
    format!(
        r#"path: {path}
assumedBy: [ecs-tasks.amazonaws.com]
description: the app
maxSessionDuration: 7200
managedPolicies: [arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy]
inlinePolicies:
  read:
    Version: "2012-10-17"
    Statement: [ {{ Effect: Allow, Action: "s3:GetObject", Resource: "*" }} ]
tags: {{ app: web }}
"#
    )
}

/// `app` at `path`, plus a second role `other` whose description is `other`.
fn manifest(path: &str, other: &str) -> String {
    format!(
        "{}    other:\n      assumedBy: [lambda.amazonaws.com]\n      description: {other}\n",
        app(&body(path))
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn path_change_is_planned_as_replace() {
    let moto = Moto::start();
    moto.manifest(&manifest("/shop/", "o"));
    moto.apply(&[]);
    moto.assert_converged();

    moto.manifest(&manifest("/shop/v2/", "o"));
    let plan = moto.plan_json(&[]);
    assert_eq!(actions(&plan), vec![act("app", "replace")]);
    assert_eq!(plan["summary"]["replace"], 1);
    assert_eq!(paths(&plan, "app"), vec!["path"]);
    let f = field(&plan, "app", "path");
    assert_eq!(
        (&f["before"], &f["after"]),
        (&json!("/shop/"), &json!("/shop/v2/"))
    );
    let text = moto.expect(&["plan"], 0);
    assert!(text.contains("iam.role.app"), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn replace_without_allow_replace_exits_1_and_changes_nothing() {
    let moto = Moto::start();
    let iam = moto.iam().await;
    moto.manifest(&manifest("/shop/", "o"));
    moto.apply(&[]);
    moto.assert_converged();

    // Besides the replace, the plan holds a harmless update of `other`: it must not run.
    moto.manifest(&manifest("/shop/v2/", "changed"));
    let out = moto.expect(&["apply", "--auto-approve"], 1);
    assert!(out.contains("--allow-replace"), "{out}");
    assert!(out.contains("iam.role.app"), "{out}");
    assert!(!out.contains("panicked"), "{out}");
    assert!(out.contains("nothing was changed"), "{out}");
    let r = role(&iam, "app").await;
    assert_eq!(r.path(), "/shop/");
    assert_eq!(attached(&iam, "app").await, set(&[TASK_EXECUTION_POLICY]));
    assert_eq!(role(&iam, "other").await.description(), Some("o"));
}

#[tokio::test(flavor = "multi_thread")]
async fn replace_with_allow_replace_recreates_the_role_at_the_new_path_with_every_setting() {
    let moto = Moto::start();
    let iam = moto.iam().await;
    moto.manifest(&manifest("/shop/", "o"));
    moto.apply(&[]);
    moto.assert_converged();
    let old_id = role(&iam, "app").await.role_id().to_string();

    moto.manifest(&manifest("/shop/v2/", "o"));
    moto.expect(&["apply", "--auto-approve", "--allow-replace"], 0);

    let r = role(&iam, "app").await;
    assert_eq!(r.path(), "/shop/v2/");
    assert_eq!(r.arn(), format!("arn:aws:iam::{ACCOUNT}:role/shop/v2/app"));
    assert_ne!(r.role_id(), old_id, "a new role");
    assert_eq!(r.description(), Some("the app"));
    assert_eq!(r.max_session_duration(), Some(7200));
    assert_eq!(attached(&iam, "app").await, set(&[TASK_EXECUTION_POLICY]));
    assert_eq!(
        inline(&iam, "app")
            .await
            .keys()
            .cloned()
            .collect::<Vec<_>>(),
        vec!["read"]
    );
    assert_eq!(
        tags(&iam, "app").await,
        tag_map(&[("app", "web"), ("team", "shop"), (OWNERSHIP_TAG, "shop")])
    );
    moto.assert_converged();

    // And back to the default path `/`, by leaving `path` out.
    moto.manifest(&manifest("/shop/v2/", "o").replace("      path: /shop/v2/\n", ""));
    let plan = moto.plan_json(&[]);
    assert_eq!(actions(&plan), vec![act("app", "replace")]);
    assert_eq!(field(&plan, "app", "path")["after"], "/");
    moto.expect(&["apply", "--auto-approve", "--allow-replace"], 0);
    assert_eq!(role(&iam, "app").await.path(), "/");
    moto.assert_converged();
}

#[tokio::test(flavor = "multi_thread")]
async fn renaming_a_role_creates_the_new_one_and_prune_deletes_the_old_one() {
    // The name is the key: a rename is a create of the new name, and the old role is only
    // deleted by --prune (it is owned).
    let moto = Moto::start();
    let iam = moto.iam().await;
    moto.manifest(&manifest("/shop/", "o"));
    moto.apply(&[]);
    moto.assert_converged();
    moto.manifest(&manifest("/shop/", "o").replace("    app:\n", "    app2:\n"));
    let plan = moto.plan_json(&[]);
    assert_eq!(actions(&plan), vec![act("app2", "create")]);
    let plan = moto.plan_json(&["--prune"]);
    assert_eq!(
        actions(&plan),
        vec![act("app2", "create"), act("app", "delete")]
    );
    moto.apply(&["--prune"]);
    assert!(!exists(&iam, "app").await);
    assert!(exists(&iam, "app2").await);
    moto.assert_converged();
}
