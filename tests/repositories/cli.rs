//! Command behaviour around repositories: exit codes, confirmation, --target, --var,
//! validate, schema, the account guard, unreachable endpoints and the three plan formats.

use crate::common::{Moto, actions};
use crate::support::*;
use serde_json::{Value, json};

const TWO: &str = r#"
    version: 1
    stack: shop
    repositories:
      shop/web: { imageTagMutability: IMMUTABLE }
      shop/api: { scanOnPush: true }
"#;

/// An endpoint where nothing listens.
fn closed_endpoint() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

#[test]
fn plan_detailed_exitcode_is_2_with_changes_and_0_without() {
    let moto = Moto::start();
    moto.manifest(&yaml(TWO));
    moto.expect(&["plan", "--detailed-exitcode"], 2);
    moto.expect(&["plan", "--detailed-exitcode", "--format", "json"], 2);
    // Without the flag, changes are no error.
    moto.expect(&["plan"], 0);
    moto.apply(&[]);
    moto.expect(&["plan", "--detailed-exitcode"], 0);
    // --stats goes to stderr and leaves the JSON on stdout intact.
    let plan = moto.plan_json(&["--detailed-exitcode", "--stats"]);
    assert_eq!(plan["changes"], json!([]));
    assert_eq!(
        plan["summary"],
        json!({"create": 0, "update": 0, "replace": 0, "delete": 0})
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn apply_without_auto_approve_off_a_terminal_exits_1_and_makes_no_calls() {
    let moto = Moto::start();
    moto.manifest(&yaml(TWO));
    // assert_cmd gives the child no terminal on stdin; even a "yes" piped in is refused.
    let out = moto
        .wharf()
        .args(["apply", "--stats"])
        .write_stdin("yes\n")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("--auto-approve"), "{stderr}");
    assert!(!stderr.contains("aws calls"), "{stderr}");
    let ecr = moto.ecr().await;
    assert!(repository_names(&ecr).await.is_empty());

    // It refuses before touching AWS at all: an unreachable endpoint makes no difference.
    let (code, _, stderr) = {
        let out = moto
            .wharf()
            .args(["apply", "--endpoint-url", &closed_endpoint()])
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("terminal"), "{stderr}");
    assert!(!stderr.contains("dispatch"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn target_limits_the_plan_and_the_apply_to_the_addresses_given() {
    let moto = Moto::start();
    let ecr = moto.ecr().await;
    moto.manifest(&yaml(
        r#"
        version: 1
        stack: shop
        repositories:
          shop/web: {}
          shop/api: {}
          tools/ci: {}
        "#,
    ));
    let plan = moto.plan_json(&["--target", "ecr.repository.shop/web"]);
    assert_eq!(actions(&plan), vec![act("shop/web", "create")]);
    assert_eq!(plan["summary"]["create"], 1);

    // Repeatable, with wildcards.
    let plan = moto.plan_json(&[
        "--target",
        "ecr.repository.shop/*",
        "--target",
        "ecr.repository.nothing",
    ]);
    let mut got = actions(&plan);
    got.sort();
    assert_eq!(
        got,
        vec![act("shop/api", "create"), act("shop/web", "create")]
    );

    moto.apply(&["--target", "ecr.repository.tools/ci"]);
    assert_eq!(repository_names(&ecr).await, set(&["tools/ci"]));
    let plan = moto.plan_json(&[]);
    let mut got = actions(&plan);
    got.sort();
    assert_eq!(
        got,
        vec![act("shop/api", "create"), act("shop/web", "create")]
    );
    moto.expect(
        &[
            "plan",
            "--detailed-exitcode",
            "--target",
            "ecr.repository.tools/ci",
        ],
        0,
    );
}

#[test]
fn validate_exits_0_for_a_valid_manifest_without_calling_aws() {
    let moto = Moto::start();
    moto.manifest(&yaml(TWO));
    // No AWS is needed to validate.
    let out = moto
        .wharf()
        .args(["validate", "--endpoint-url", &closed_endpoint()])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("valid"), "{stdout}");

    // -f reads another file.
    std::fs::write(
        moto.dir.path().join("other.yaml"),
        "version: 1\nstack: other\nrepositories: { other/one: {} }\n",
    )
    .unwrap();
    let out = moto.expect(&["validate", "-f", "other.yaml"], 0);
    assert!(out.contains("other"), "{out}");
}

#[test]
fn validate_exits_1_and_reports_every_bad_repository_setting_at_its_place() {
    let moto = Moto::start();
    moto.manifest(&yaml(
        r#"
        version: 1
        stack: shop
        repositories:
          shop/web:
            scanOnPush: maybe
            encryption: { type: KMS2 }
          shop/api:
            imageTagMutabilty: IMMUTABLE
        "#,
    ));
    let out = moto.expect(&["validate"], 1);
    // Each problem is reported with the file, line and column, all at once.
    assert!(out.contains("wharf.yaml:5:"), "{out}");
    assert!(out.contains("wharf.yaml:6:"), "{out}");
    assert!(out.contains("wharf.yaml:8:"), "{out}");
    assert!(out.contains("KMS2"), "{out}");
    assert!(
        out.contains("imageTagMutability"),
        "did-you-mean hint: {out}"
    );
    assert!(out.contains("3 errors"), "{out}");
    // plan refuses the same manifest before calling AWS.
    moto.expect(&["plan"], 1);
}

#[test]
fn validate_names_the_allowed_values_of_an_invalid_image_tag_mutability() {
    let moto = Moto::start();
    moto.manifest(&yaml(
        r#"
        version: 1
        stack: shop
        repositories:
          shop/web:
            imageTagMutability: SOMETIMES
        "#,
    ));
    let out = moto.expect(&["validate"], 1);
    assert!(!out.contains("expected a string, found a string"), "{out}");
    assert!(out.contains("SOMETIMES"), "{out}");
    assert!(out.contains("IMMUTABLE"), "{out}");
}

#[test]
fn usage_errors_exit_1_not_the_changes_code_2() {
    let moto = Moto::start();
    moto.manifest(&yaml(TWO));
    for args in [
        &["plan", "--detailed-exitcode", "--no-such-flag"][..],
        &["drift", "--format", "yaml"],
        &["apply", "--auto-aprove"],
    ] {
        let (code, _, stderr) = moto.run(args);
        assert_eq!(code, 1, "{args:?}: {stderr}");
    }
}

#[test]
fn missing_manifest_is_a_clean_error() {
    let moto = Moto::start();
    for command in ["validate", "plan", "drift"] {
        let (code, _, stderr) = moto.run(&[command]);
        assert_eq!(code, 1, "{command}: {stderr}");
        assert!(stderr.contains("wharf.yaml"), "{command}: {stderr}");
        assert!(!stderr.contains("panicked"), "{command}: {stderr}");
    }
}

#[test]
fn schema_prints_the_manifest_json_schema() {
    let moto = Moto::start();
    let out = moto.expect(&["schema"], 0);
    let schema: Value = serde_json::from_str(&out).expect("the schema is JSON");
    assert!(
        schema["$schema"]
            .as_str()
            .unwrap()
            .contains("json-schema.org")
    );
    assert!(
        schema["properties"]["repositories"].is_object(),
        "{schema:#}"
    );
    let text = schema.to_string();
    for setting in [
        "imageTagMutability",
        "imageTagMutabilityExclusionFilters",
        "encryption",
        "kmsKey",
        "scanOnPush",
        "forceDelete",
        "lifecycle",
        "lifecyclePolicy",
        "pull",
        "policy",
        "tags",
        "IMMUTABLE_WITH_EXCLUSION",
        "MUTABLE_WITH_EXCLUSION",
    ] {
        assert!(text.contains(setting), "the schema lacks {setting}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn var_fills_manifest_variables_and_an_unset_one_is_an_error() {
    let moto = Moto::start();
    moto.manifest(&yaml(
        r#"
        version: 1
        stack: ${STACK}
        repositories:
          ${STACK}/service:
            lifecycle:
              - keepLast: ${KEEP:-20}
            tags: { owner: "${OWNER:-platform}" }
        "#,
    ));
    let (code, _, stderr) = moto.run(&["plan"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("STACK"), "{stderr}");

    let plan = moto.plan_json(&["--var", "STACK=demo", "--var", "KEEP=5"]);
    assert_eq!(plan["stack"], "demo");
    assert_eq!(actions(&plan), vec![act("demo/service", "create")]);
    moto.apply(&["--var", "STACK=demo", "--var", "KEEP=5"]);

    let ecr = moto.ecr().await;
    assert_eq!(
        tags(&ecr, "demo/service").await,
        tag_map(&[("owner", "platform"), (OWNERSHIP_TAG, "demo")])
    );
    assert_eq!(
        lifecycle_policy(&ecr, "demo/service").await.unwrap()["rules"][0]["selection"]["countNumber"],
        5
    );
    // The environment works too; --var wins over it.
    let out = moto
        .wharf()
        .env("STACK", "demo")
        .env("KEEP", "7")
        .args(["plan", "--format", "json", "--var", "KEEP=5"])
        .output()
        .unwrap();
    let plan: Value = serde_json::from_slice(&out.stdout).expect("plan JSON");
    assert_eq!(plan["changes"], json!([]), "{plan:#}");
}

#[tokio::test(flavor = "multi_thread")]
async fn account_id_guard_refuses_another_account() {
    let moto = Moto::start();
    let manifest = |account: &str| {
        yaml(&format!(
            r#"
            version: 1
            stack: shop
            accountId: "{account}"
            repositories:
              shop/web: {{}}
            "#
        ))
    };
    moto.manifest(&manifest("999999999999"));
    for args in [&["plan"][..], &["apply", "--auto-approve"], &["drift"]] {
        let (code, stdout, stderr) = moto.run(args);
        assert_eq!(code, 1, "{args:?}\n{stdout}\n{stderr}");
        assert!(stderr.contains("999999999999"), "{stderr}");
        assert!(stderr.contains(crate::common::ACCOUNT), "{stderr}");
    }
    let ecr = moto.ecr().await;
    assert!(repository_names(&ecr).await.is_empty());

    // The right account passes.
    moto.manifest(&manifest(crate::common::ACCOUNT));
    moto.apply(&[]);
    assert!(exists(&ecr, "shop/web").await);
}

#[test]
fn unreachable_endpoint_is_a_clean_error_without_a_panic() {
    let moto = Moto::start();
    moto.manifest(&yaml(TWO));
    let endpoint = closed_endpoint();
    for args in [
        &["plan"][..],
        &["plan", "--format", "json"],
        &["apply", "--auto-approve"],
        &["drift"],
    ] {
        let out = moto
            .wharf()
            .env("AWS_ENDPOINT_URL", &endpoint)
            .args(args)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}\n{stdout}\n{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(stderr.contains("error"), "{stderr}");
        assert!(
            stderr.contains("hint"),
            "a hint about the endpoint: {stderr}"
        );
        assert!(stdout.trim().is_empty(), "no plan on stdout: {stdout}");
    }
}

#[test]
fn region_flag_disagreeing_with_the_manifest_region_is_an_error() {
    let moto = Moto::start();
    moto.manifest(&yaml(
        r#"
        version: 1
        stack: shop
        region: eu-west-1
        repositories:
          shop/web: {}
        "#,
    ));
    let (code, _, stderr) = moto.run(&["plan", "--region", "us-east-1"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("us-east-1"), "{stderr}");
    moto.expect(&["plan", "--region", "eu-west-1"], 0);
}

/// A stack with one change of each action: create shop/new, update shop/upd, replace
/// shop/enc (AES256 -> KMS) and, with --prune, delete shop/gone.
async fn every_action() -> Moto {
    let moto = Moto::start();
    moto.manifest(&yaml(
        r#"
        version: 1
        stack: shop
        repositories:
          shop/upd: {}
          shop/enc: {}
          shop/gone: {}
        "#,
    ));
    moto.apply(&[]);
    moto.manifest(&yaml(
        r#"
        version: 1
        stack: shop
        repositories:
          shop/new: {}
          shop/upd: { scanOnPush: true, tags: { app: upd } }
          shop/enc: { encryption: { type: KMS, kmsKey: alias/shop-ecr } }
        "#,
    ));
    moto
}

#[tokio::test(flavor = "multi_thread")]
async fn plan_renders_the_same_changes_as_text_markdown_and_json() {
    let moto = every_action().await;

    let plan = moto.plan_json(&["--prune"]);
    assert_eq!(plan["formatVersion"], 1);
    assert_eq!(plan["stack"], "shop");
    assert_eq!(
        plan["summary"],
        json!({"create": 1, "update": 1, "replace": 1, "delete": 1})
    );
    let mut got = actions(&plan);
    got.sort();
    assert_eq!(
        got,
        vec![
            act("shop/enc", "replace"),
            act("shop/gone", "delete"),
            act("shop/new", "create"),
            act("shop/upd", "update"),
        ]
    );
    for c in plan["changes"].as_array().unwrap() {
        assert!(c["reason"].as_str().is_some_and(|r| !r.is_empty()), "{c:#}");
    }
    assert_eq!(
        paths(&plan, "shop/upd"),
        sorted(&["scanOnPush", "tags.app"])
    );

    let text = moto.expect(&["plan", "--prune"], 0);
    assert!(text.contains("+ ecr.repository.shop/new"), "{text}");
    assert!(text.contains("~ ecr.repository.shop/upd"), "{text}");
    assert!(text.contains("-/+ ecr.repository.shop/enc"), "{text}");
    assert!(text.contains("- ecr.repository.shop/gone"), "{text}");
    assert!(
        text.contains("1 to create, 1 to update, 1 to replace, 1 to delete"),
        "{text}"
    );
    assert!(
        !text.contains('\u{1b}'),
        "no colour without a terminal: {text}"
    );

    let markdown = moto.expect(&["plan", "--prune", "--format", "markdown"], 0);
    assert!(markdown.contains("<details>"), "{markdown}");
    assert!(markdown.contains("</details>"), "{markdown}");
    for name in ["shop/new", "shop/upd", "shop/enc", "shop/gone"] {
        assert!(markdown.contains(name), "{name} missing: {markdown}");
    }
    assert!(
        markdown.contains("1 to create, 1 to update, 1 to replace, 1 to delete"),
        "{markdown}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn plan_of_nothing_to_do_in_every_format() {
    let moto = Moto::start();
    moto.manifest(&yaml(TWO));
    moto.apply(&[]);
    let text = moto.expect(&["plan"], 0);
    assert!(text.contains("No changes"), "{text}");
    let markdown = moto.expect(&["plan", "--format", "markdown"], 0);
    assert!(markdown.contains("No changes"), "{markdown}");
    let plan = moto.plan_json(&[]);
    assert_eq!(plan["formatVersion"], 1);
    assert_eq!(plan["changes"], json!([]));
}

#[tokio::test(flavor = "multi_thread")]
async fn apply_reports_each_change_and_the_write_calls() {
    let moto = every_action().await;
    let out = moto.expect(
        &[
            "apply",
            "--auto-approve",
            "--prune",
            "--allow-replace",
            "--stats",
        ],
        0,
    );
    for name in ["shop/new", "shop/upd", "shop/enc", "shop/gone"] {
        assert!(out.contains(&addr(name)), "{name} missing: {out}");
    }
    assert!(out.contains("Apply complete: 4 changes applied"), "{out}");
    // create 1 + update 2 (scan, tag) + replace 2 (delete, create) + delete 1
    assert_eq!(crate::common::writes_in(&out), 6, "{out}");
    let ecr = moto.ecr().await;
    assert_eq!(
        repository_names(&ecr).await,
        set(&["shop/new", "shop/upd", "shop/enc"])
    );
    moto.assert_converged();
}
