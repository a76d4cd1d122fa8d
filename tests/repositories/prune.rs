//! Deleting repositories that left the manifest (`--prune`), and ownership: wharf only
//! ever deletes what carries `wharf:stack=<this stack>`, and refuses to adopt silently.

use crate::common::{Moto, actions};
use crate::support::*;

fn two(force_delete: Option<bool>) -> String {
    with_repos(&["shop/web", "shop/old"], force_delete)
}

fn with_repos(names: &[&str], force_delete: Option<bool>) -> String {
    let defaults = match force_delete {
        Some(f) => format!("defaults:\n  repository: {{ forceDelete: {f} }}\n"),
        None => String::new(),
    };
    let repos: String = names.iter().map(|n| format!("  {n}: {{}}\n")).collect();
    format!("version: 1\nstack: shop\n{defaults}repositories:\n{repos}")
}

#[tokio::test(flavor = "multi_thread")]
async fn removed_repository_is_not_planned_without_prune() {
    let moto = Moto::start();
    let ecr = moto.ecr().await;
    moto.manifest(&two(None));
    moto.apply(&[]);
    moto.manifest(&with_repos(&["shop/web"], None));
    assert_plan_empty(&moto);
    assert_eq!(moto.apply(&[]), 0);
    assert!(exists(&ecr, "shop/old").await);
}

#[tokio::test(flavor = "multi_thread")]
async fn prune_plans_a_delete_and_apply_prune_deletes_it() {
    let moto = Moto::start();
    let ecr = moto.ecr().await;
    moto.manifest(&two(None));
    moto.apply(&[]);
    moto.manifest(&with_repos(&["shop/web"], None));

    let plan = moto.plan_json(&["--prune"]);
    assert_eq!(actions(&plan), vec![act("shop/old", "delete")]);
    assert_eq!(plan["summary"]["delete"], 1);
    let c = change(&plan, "shop/old");
    assert_eq!(c["destroys"]["images"], 0, "{c:#}");
    let text = moto.expect(&["plan", "--prune"], 0);
    assert!(text.contains("- ecr.repository.shop/old"), "{text}");

    assert_eq!(moto.apply(&["--prune"]), 1);
    assert!(!exists(&ecr, "shop/old").await);
    assert!(exists(&ecr, "shop/web").await);
    moto.assert_converged();
    assert_eq!(
        moto.plan_json(&["--prune"])["changes"],
        serde_json::json!([])
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn pruning_a_non_empty_repository_needs_force_delete_and_allow_delete() {
    let moto = Moto::start();
    let ecr = moto.ecr().await;
    moto.manifest(&two(None));
    moto.apply(&[]);
    push_images(&ecr, "shop/old", 3).await;
    moto.manifest(&with_repos(&["shop/web"], None));

    let plan = moto.plan_json(&["--prune"]);
    let c = change(&plan, "shop/old");
    assert_eq!(c["action"], "delete");
    assert_eq!(c["destroys"]["images"], 3, "{c:#}");
    assert_eq!(c["destroys"]["forceDelete"], false);

    // Neither flag nor forceDelete.
    let out = moto.expect(&["apply", "--auto-approve", "--prune"], 1);
    assert!(out.contains("3 images"), "{out}");
    assert!(out.contains("--allow-delete"), "{out}");
    assert!(out.contains("forceDelete"), "{out}");
    assert!(exists(&ecr, "shop/old").await);

    // --allow-delete without forceDelete.
    let out = moto.expect(&["apply", "--auto-approve", "--prune", "--allow-delete"], 1);
    assert!(out.contains("forceDelete"), "{out}");
    assert!(exists(&ecr, "shop/old").await);

    // forceDelete without --allow-delete.
    moto.manifest(&with_repos(&["shop/web"], Some(true)));
    assert_eq!(
        change(&moto.plan_json(&["--prune"]), "shop/old")["destroys"]["forceDelete"],
        true
    );
    let out = moto.expect(&["apply", "--auto-approve", "--prune"], 1);
    assert!(out.contains("--allow-delete"), "{out}");
    assert_eq!(image_count(&ecr, "shop/old").await, 3);

    // Both.
    moto.expect(&["apply", "--auto-approve", "--prune", "--allow-delete"], 0);
    assert!(!exists(&ecr, "shop/old").await);
    moto.assert_converged();
}

#[tokio::test(flavor = "multi_thread")]
async fn prune_never_touches_untagged_or_other_stacks_repositories() {
    let moto = Moto::start();
    let ecr = moto.ecr().await;
    create_repository(&ecr, "loose/untagged", &[]).await;
    create_repository(&ecr, "loose/tagged", &[("team", "shop")]).await;
    create_repository(&ecr, "other/repo", &[(OWNERSHIP_TAG, "other")]).await;
    push_images(&ecr, "other/repo", 1).await;
    moto.manifest(&yaml(
        r#"
        version: 1
        stack: shop
        defaults:
          repository: { forceDelete: true }
        repositories:
          shop/web: {}
        "#,
    ));
    let plan = moto.plan_json(&["--prune"]);
    assert_eq!(actions(&plan), vec![act("shop/web", "create")]);
    moto.expect(&["apply", "--auto-approve", "--prune", "--allow-delete"], 0);
    assert_eq!(
        repository_names(&ecr).await,
        set(&["loose/untagged", "loose/tagged", "other/repo", "shop/web"])
    );
    assert_eq!(
        tags(&ecr, "other/repo").await,
        tag_map(&[(OWNERSHIP_TAG, "other")])
    );
    assert_eq!(
        moto.plan_json(&["--prune"])["changes"],
        serde_json::json!([])
    );
    // Drift reads with prune semantics too: foreign repositories are no drift.
    moto.expect(&["drift"], 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn declared_repository_existing_without_the_ownership_tag_stops_the_plan() {
    let moto = Moto::start();
    let ecr = moto.ecr().await;
    create_repository(&ecr, "shop/legacy", &[("team", "shop")]).await;
    moto.manifest(&yaml(
        r#"
        version: 1
        stack: shop
        repositories:
          shop/web: {}
          shop/legacy: { imageTagMutability: IMMUTABLE }
        "#,
    ));
    let (code, stdout, stderr) = moto.run(&["plan"]);
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    assert!(stderr.contains("shop/legacy"), "{stderr}");
    assert!(stderr.contains(OWNERSHIP_TAG), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    moto.expect(&["plan", "--detailed-exitcode"], 1);

    // Apply refuses too, and neither adopts the repository nor creates the other one.
    moto.expect(&["apply", "--auto-approve"], 1);
    assert_eq!(mutability(&ecr, "shop/legacy").await.0, "MUTABLE");
    assert_eq!(
        tags(&ecr, "shop/legacy").await,
        tag_map(&[("team", "shop")])
    );
    assert!(!exists(&ecr, "shop/web").await);
    moto.expect(&["drift"], 1);

    // --target of another repository leaves the conflict out of the plan.
    let plan = moto.plan_json(&["--target", "ecr.repository.shop/web"]);
    assert_eq!(actions(&plan), vec![act("shop/web", "create")]);
}

#[tokio::test(flavor = "multi_thread")]
async fn declared_repository_owned_by_another_stack_stops_the_plan() {
    let moto = Moto::start();
    let ecr = moto.ecr().await;
    create_repository(&ecr, "shop/web", &[(OWNERSHIP_TAG, "other")]).await;
    moto.manifest(&with_repos(&["shop/web"], None));
    let (code, stdout, stderr) = moto.run(&["plan", "--format", "json"]);
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    assert!(stderr.contains("shop/web"), "{stderr}");
    assert!(stderr.contains("other"), "{stderr}");
    moto.expect(&["apply", "--auto-approve"], 1);
    assert_eq!(
        tags(&ecr, "shop/web").await,
        tag_map(&[(OWNERSHIP_TAG, "other")])
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn tagging_an_existing_repository_with_the_stack_adopts_it() {
    // The hint of the conflict: tag it wharf:stack=<stack>, then wharf manages it.
    let moto = Moto::start();
    let ecr = moto.ecr().await;
    create_repository(&ecr, "shop/legacy", &[(OWNERSHIP_TAG, "shop")]).await;
    moto.manifest(&yaml(
        r#"
        version: 1
        stack: shop
        repositories:
          shop/legacy: { imageTagMutability: IMMUTABLE }
        "#,
    ));
    let plan = moto.plan_json(&[]);
    assert_eq!(actions(&plan), vec![act("shop/legacy", "update")]);
    moto.apply(&[]);
    assert_eq!(mutability(&ecr, "shop/legacy").await.0, "IMMUTABLE");
    moto.assert_converged();
}

#[tokio::test(flavor = "multi_thread")]
async fn prune_with_target_deletes_only_the_targeted_repository() {
    let moto = Moto::start();
    let ecr = moto.ecr().await;
    moto.manifest(&with_repos(&["shop/web", "shop/old", "shop/older"], None));
    moto.apply(&[]);
    moto.manifest(&with_repos(&["shop/web"], None));
    let plan = moto.plan_json(&["--prune", "--target", "ecr.repository.shop/old"]);
    assert_eq!(actions(&plan), vec![act("shop/old", "delete")]);
    moto.apply(&["--prune", "--target", "ecr.repository.shop/old"]);
    assert_eq!(
        repository_names(&ecr).await,
        set(&["shop/web", "shop/older"])
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn prune_of_every_repository_when_the_manifest_declares_none() {
    let moto = Moto::start();
    let ecr = moto.ecr().await;
    moto.manifest(&two(None));
    moto.apply(&[]);
    moto.manifest("version: 1\nstack: shop\n");
    let plan = moto.plan_json(&["--prune"]);
    assert_eq!(plan["summary"]["delete"], 2, "{plan:#}");
    assert_eq!(moto.apply(&["--prune"]), 2);
    assert!(repository_names(&ecr).await.is_empty());
    moto.assert_converged();
}
