//! Saved plans against the emulator: `plan --out FILE` then `apply FILE` applies exactly
//! the reviewed changes; a plan whose objects moved since is refused, naming each object
//! and field; a plan for another account, region or format is refused before any write.

mod common;

use common::{Moto, writes_in, yaml};

const MANIFEST: &str = "
    version: 1
    stack: shop
    repositories:
      shop/web:
        imageTagMutability: ${MUTABILITY:-IMMUTABLE}
        lifecycle:
          - { untagged: true, expireAfterDays: 14 }
      shop/api: {}
";

/// A copy of the saved plan in `file`, changed, written as `edited`.
fn edit(
    moto: &Moto,
    file: &str,
    edited: &str,
    change: impl FnOnce(&mut serde_json::Value),
) -> String {
    let path = moto.dir.path().join(file);
    let mut plan: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("json");
    change(&mut plan);
    std::fs::write(moto.dir.path().join(edited), plan.to_string()).expect("write");
    edited.to_string()
}

#[test]
fn a_saved_plan_applies_exactly_what_was_reviewed() {
    let moto = Moto::start();
    moto.manifest(&yaml(MANIFEST));
    let out = moto.expect(
        &["plan", "--out", "plan.json", "--var", "MUTABILITY=MUTABLE"],
        0,
    );
    assert!(out.contains("Saved the plan to plan.json"), "{out}");
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(moto.dir.path().join("plan.json")).unwrap())
            .unwrap();
    assert_eq!(saved["formatVersion"], 1);
    assert_eq!(saved["summary"]["create"], 2);
    assert_eq!(saved["saved"]["accountId"], "123456789012");
    assert_eq!(saved["saved"]["region"], common::REGION);
    assert_eq!(
        saved["saved"]["variables"],
        serde_json::json!(["MUTABILITY"])
    );
    assert!(
        saved["saved"]["manifestDigest"]
            .as_str()
            .unwrap()
            .starts_with("sha256:")
    );

    // The manifest changes after the review: the saved plan still applies what was reviewed.
    moto.manifest(&yaml(&MANIFEST.replace("shop/api: {}", "shop/other: {}")));
    let out = moto.expect(&["apply", "plan.json", "--auto-approve", "--stats"], 0);
    assert!(
        out.contains("Applying the plan saved in plan.json"),
        "{out}"
    );
    assert_eq!(
        writes_in(&out),
        3,
        "two repositories and one lifecycle policy: {out}"
    );
    let json = moto.plan_json(&["--var", "MUTABILITY=MUTABLE"]);
    let changes: Vec<_> = json["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["address"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        changes,
        ["ecr.repository.shop/other"],
        "shop/api came from the plan"
    );

    // Applying the same file again: what it creates now exists.
    let (code, _, stderr) = moto.run(&["apply", "plan.json", "--auto-approve"]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("plan is stale: ecr.repository.shop/api was created since the plan"),
        "{stderr}"
    );
}

#[tokio::test]
async fn a_plan_whose_objects_moved_is_refused_naming_object_and_field() {
    let moto = Moto::start();
    moto.manifest(&yaml(MANIFEST));
    moto.apply(&[]);
    moto.manifest(&yaml(
        &MANIFEST.replace("expireAfterDays: 14", "expireAfterDays: 30"),
    ));
    moto.expect(&["plan", "--out", "plan.json"], 0);

    // Someone changes the lifecycle policy by hand after the review.
    let ecr = moto.ecr().await;
    ecr.put_lifecycle_policy()
        .repository_name("shop/web")
        .lifecycle_policy_text(
            r#"{"rules":[{"rulePriority":1,"selection":{"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":3},"action":{"type":"expire"}}]}"#,
        )
        .send()
        .await
        .unwrap();
    let (code, stdout, stderr) = moto.run(&["apply", "plan.json", "--auto-approve", "--stats"]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(
        stderr.contains(
            "plan is stale: ecr.repository.shop/web lifecyclePolicy changed since the plan; run plan again"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("nothing was changed"), "{stderr}");
    let policy = ecr
        .get_lifecycle_policy()
        .repository_name("shop/web")
        .send()
        .await
        .unwrap();
    assert!(
        policy
            .lifecycle_policy_text()
            .unwrap()
            .contains("\"countNumber\":3")
    );

    // A fresh plan applies.
    moto.expect(&["plan", "--out", "fresh.json"], 0);
    moto.expect(&["apply", "fresh.json", "--auto-approve"], 0);
    moto.assert_converged();
}

#[test]
fn plans_for_elsewhere_or_another_format_are_refused() {
    let moto = Moto::start();
    moto.manifest(&yaml(MANIFEST));
    moto.expect(&["plan", "--out", "plan.json"], 0);
    let cases = [
        (
            edit(&moto, "plan.json", "account.json", |p| {
                p["saved"]["accountId"] = "210987654321".into()
            }),
            "the plan was made for account 210987654321, but the credentials are for account 123456789012",
        ),
        (
            edit(&moto, "plan.json", "format.json", |p| {
                p["formatVersion"] = 2.into()
            }),
            "format version 2",
        ),
        (
            edit(&moto, "plan.json", "plain.json", |p| {
                p.as_object_mut().unwrap().remove("saved");
            }),
            "plan --out",
        ),
    ];
    for (file, message) in cases {
        let (code, _, stderr) = moto.run(&["apply", &file, "--auto-approve"]);
        assert_eq!(code, 1, "{file}: {stderr}");
        assert!(stderr.contains(message), "{file}: {stderr}");
    }
    // Another region than the one configured (AWS_REGION here, or --region).
    let (code, _, stderr) = moto.run(&[
        "apply",
        "plan.json",
        "--auto-approve",
        "--region",
        "us-west-2",
    ]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains(
            "the plan was made for region eu-west-1, but wharf is configured for us-west-2"
        ),
        "{stderr}"
    );
    let region = edit(&moto, "plan.json", "region.json", |p| {
        p["saved"]["region"] = "us-west-2".into()
    });
    let (code, _, stderr) = moto.run(&["apply", &region, "--auto-approve"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains(
            "the plan was made for region us-west-2, but wharf is configured for eu-west-1"
        ),
        "{stderr}"
    );

    // A saved plan fixes its own scope.
    let (code, _, stderr) = moto.run(&["apply", "plan.json", "--prune", "--auto-approve"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("cannot be used with"), "{stderr}");
    // Nothing was created by any of this.
    let json = moto.plan_json(&[]);
    assert_eq!(json["summary"]["create"], 2);
}
