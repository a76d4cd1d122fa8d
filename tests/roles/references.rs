//! Roles and repositories together: `pullFrom` compiles into the least-privilege inline
//! policy `wharf-pull`; `pull.roles` names a role of the manifest and resolves to its ARN
//! (path included), even before it exists; roles are created before the repositories that
//! name them; a live principal shown by unique id gets a warning that explains it.

use crate::common::{Moto, actions};
use crate::support::*;
use serde_json::{Value, json};

fn ecr_arn(name: &str) -> String {
    format!("arn:aws:ecr:eu-west-1:{ACCOUNT}:repository/{name}")
}

const KEY_ARN: &str = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const FOREIGN: &str = "arn:aws:ecr:us-east-1:111122223333:repository/base/image";

fn manifest(path: &str) -> String {
    yaml(&format!(
        r#"
        version: 1
        stack: shop
        repositories:
          shop/web:
            pull:
              roles: [task-execution]
          shop/api:
            encryption: {{ type: KMS, kmsKey: "{KEY_ARN}" }}
            pull:
              roles: [task-execution, "arn:aws:iam::111122223333:role/ci/pusher"]
              accounts: ["444455556666"]
          shop/aliased:
            encryption: {{ type: KMS, kmsKey: alias/shop-ecr }}
          shop/aws-managed:
            encryption: {{ type: KMS }}
          shop/unrelated: {{}}
        iam:
          roles:
            task-execution:
              path: {path}
              assumedBy: [ecs-tasks.amazonaws.com]
              managedPolicies: [arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy]
              pullFrom: [shop/web, shop/api, shop/aliased, shop/aws-managed, "{FOREIGN}"]
        "#
    ))
}

/// A KMS key with an alias on the emulator; returns the key ARN.
async fn kms_key_with_alias(moto: &Moto, alias: &str) -> String {
    let config = aws_sdk_kms::Config::builder()
        .behavior_version(aws_sdk_kms::config::BehaviorVersion::latest())
        .region(aws_sdk_kms::config::Region::new(crate::common::REGION))
        .endpoint_url(&moto.endpoint)
        .credentials_provider(aws_sdk_kms::config::Credentials::new(
            "testing", "testing", None, None, "test",
        ))
        .build();
    let kms = aws_sdk_kms::Client::from_conf(config);
    let key = kms.create_key().send().await.expect("CreateKey");
    let metadata = key.key_metadata().expect("key metadata");
    kms.create_alias()
        .alias_name(alias)
        .target_key_id(metadata.key_id())
        .send()
        .await
        .expect("CreateAlias");
    metadata.arn().expect("a key ARN").to_string()
}

/// The statement of `doc` with this Sid.
fn statement<'a>(doc: &'a Value, sid: &str) -> &'a Value {
    doc["Statement"]
        .as_array()
        .expect("statements")
        .iter()
        .find(|s| s["Sid"] == sid)
        .unwrap_or_else(|| panic!("no statement {sid} in {doc:#}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn pull_from_generates_the_least_privilege_pull_policy() {
    let moto = Moto::start();
    let iam = moto.iam().await;
    let aliased_key = kms_key_with_alias(&moto, "alias/shop-ecr").await;
    moto.manifest(&manifest("/shop/"));
    moto.apply(&[]);

    let policies = inline(&iam, "task-execution").await;
    assert_eq!(
        policies.keys().cloned().collect::<Vec<_>>(),
        vec!["wharf-pull"]
    );
    let doc = &policies["wharf-pull"];
    assert_eq!(doc["Version"], "2012-10-17");
    let all = statements(doc);
    assert_eq!(all.len(), 3, "{doc:#}");

    let token = statement(doc, "EcrAuthorizationToken");
    assert_eq!(token["Effect"], "Allow");
    assert_eq!(
        string_set(&token["Action"]),
        set(&["ecr:GetAuthorizationToken"])
    );
    assert_eq!(string_set(&token["Resource"]), set(&["*"]));

    let pull = statement(doc, "EcrPull");
    assert_eq!(pull["Effect"], "Allow");
    assert_eq!(string_set(&pull["Action"]), set(&PULL_ACTIONS));
    assert_eq!(
        string_set(&pull["Resource"]),
        [
            ecr_arn("shop/web"),
            ecr_arn("shop/api"),
            ecr_arn("shop/aliased"),
            ecr_arn("shop/aws-managed"),
            FOREIGN.to_string(),
        ]
        .into_iter()
        .collect(),
        "exactly the named repositories, never shop/unrelated or a wildcard"
    );

    // kms:Decrypt on the customer-managed keys: the key ARN as written, and the key the
    // alias resolved to. The AWS-managed aws/ecr key needs nothing.
    let decrypt = statement(doc, "KmsDecrypt");
    assert_eq!(string_set(&decrypt["Action"]), set(&["kms:Decrypt"]));
    assert_eq!(
        string_set(&decrypt["Resource"]),
        set(&[KEY_ARN, aliased_key.as_str()])
    );
    assert!(
        all.iter().all(|s| s["Sid"] != "KmsDecryptByAlias"),
        "a resolved alias needs no alias condition: {doc:#}"
    );
    moto.assert_converged();
}

#[tokio::test(flavor = "multi_thread")]
async fn pull_roles_resolve_to_the_role_arn_with_its_path() {
    let moto = Moto::start();
    let ecr = moto.ecr().await;
    kms_key_with_alias(&moto, "alias/shop-ecr").await;
    moto.manifest(&manifest("/shop/"));
    moto.apply(&[]);
    moto.assert_converged();
    let role_arn = format!("arn:aws:iam::{ACCOUNT}:role/shop/task-execution");

    let web = repository_policy(&ecr, "shop/web").await.expect("a policy");
    let pull = &statements(&web)[0];
    assert_eq!(string_set(&pull["Principal"]["AWS"]), set(&[&role_arn]));
    assert_eq!(string_set(&pull["Action"]), set(&PULL_ACTIONS));

    // A role ARN stays as written; accounts become their root ARN.
    let api = repository_policy(&ecr, "shop/api").await.expect("a policy");
    assert_eq!(
        string_set(&statements(&api)[0]["Principal"]["AWS"]),
        set(&[
            "arn:aws:iam::111122223333:role/ci/pusher",
            "arn:aws:iam::444455556666:root",
            &role_arn,
        ])
    );
    assert_eq!(repository_policy(&ecr, "shop/unrelated").await, None);
}

#[tokio::test(flavor = "multi_thread")]
async fn roles_are_created_before_the_repositories_that_name_them() {
    let moto = Moto::start();
    kms_key_with_alias(&moto, "alias/shop-ecr").await;
    moto.manifest(&manifest("/shop/"));
    let plan = moto.plan_json(&[]);
    let order = actions(&plan);
    assert_eq!(order[0], act("task-execution", "create"), "{plan:#}");
    assert!(
        order[1..]
            .iter()
            .all(|(a, action)| a.starts_with("ecr.repository.") && action == "create"),
        "{order:?}"
    );
    // The repository policy names the role by its predictable ARN before it exists.
    let web = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["address"] == "ecr.repository.shop/web")
        .unwrap();
    assert!(
        web.to_string()
            .contains("arn:aws:iam::123456789012:role/shop/task-execution"),
        "{web:#}"
    );
    // The text plan lists the role first, too.
    let text = moto.expect(&["plan"], 0);
    let role_at = text.find("iam.role.task-execution").expect("role in text");
    let repo_at = text.find("ecr.repository.").expect("repository in text");
    assert!(role_at < repo_at, "{text}");

    // One apply does it all.
    moto.expect(&["apply", "--auto-approve"], 0);
    moto.assert_converged();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_path_change_replaces_the_role_and_updates_the_policies_that_name_it() {
    let moto = Moto::start();
    let ecr = moto.ecr().await;
    kms_key_with_alias(&moto, "alias/shop-ecr").await;
    moto.manifest(&manifest("/shop/"));
    moto.apply(&[]);

    moto.manifest(&manifest("/apps/"));
    let plan = moto.plan_json(&[]);
    assert_eq!(
        actions(&plan),
        vec![
            act("task-execution", "replace"),
            ("ecr.repository.shop/api".into(), "update".into()),
            ("ecr.repository.shop/web".into(), "update".into()),
        ]
    );
    moto.expect(&["apply", "--auto-approve", "--allow-replace"], 0);
    let web = repository_policy(&ecr, "shop/web").await.unwrap();
    assert_eq!(
        string_set(&statements(&web)[0]["Principal"]["AWS"]),
        set(&["arn:aws:iam::123456789012:role/apps/task-execution"])
    );
    moto.assert_converged();
}

#[tokio::test(flavor = "multi_thread")]
async fn pull_from_changes_update_or_delete_the_pull_policy() {
    let moto = Moto::start();
    let iam = moto.iam().await;
    kms_key_with_alias(&moto, "alias/shop-ecr").await;
    moto.manifest(&manifest("/shop/"));
    moto.apply(&[]);

    // Fewer repositories: the policy is rewritten, the KMS statement goes with shop/api
    // and shop/aliased.
    let fewer = manifest("/shop/").replace(
        &format!("pullFrom: [shop/web, shop/api, shop/aliased, shop/aws-managed, \"{FOREIGN}\"]"),
        "pullFrom: [shop/web]",
    );
    moto.manifest(&fewer);
    let plan = moto.plan_json(&[]);
    assert_eq!(actions(&plan), vec![act("task-execution", "update")]);
    assert_eq!(
        paths(&plan, "task-execution"),
        vec!["inlinePolicies.wharf-pull"]
    );
    moto.apply(&[]);
    let doc = &inline(&iam, "task-execution").await["wharf-pull"];
    assert_eq!(statements(doc).len(), 2, "{doc:#}");
    assert_eq!(
        string_set(&statement(doc, "EcrPull")["Resource"]),
        set(&[&ecr_arn("shop/web")])
    );
    moto.assert_converged();

    // No pullFrom: the policy is deleted.
    moto.manifest(&fewer.replace("      pullFrom: [shop/web]\n", ""));
    let plan = moto.plan_json(&[]);
    assert_eq!(
        field(&plan, "task-execution", "inlinePolicies.wharf-pull")["after"],
        json!(null)
    );
    moto.apply(&[]);
    assert!(inline(&iam, "task-execution").await.is_empty());
    moto.assert_converged();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_kms_repository_whose_puller_lacks_decrypt_gets_a_pull_check_warning() {
    let moto = Moto::start();
    let without = manifest("/shop/").replace(
        &format!("pullFrom: [shop/web, shop/api, shop/aliased, shop/aws-managed, \"{FOREIGN}\"]"),
        "pullFrom: [shop/web]",
    );
    moto.manifest(&without);
    let plan = moto.plan_json(&[]);
    let warnings = plan["warnings"].as_array().cloned().unwrap_or_default();
    let warning = warnings
        .iter()
        .filter_map(Value::as_str)
        .find(|w| w.contains("ecr.repository.shop/api"))
        .unwrap_or_else(|| panic!("no pull-check warning for shop/api: {plan:#}"));
    assert!(warning.contains("task-execution"), "{warning}");
    assert!(warning.contains("kms:Decrypt"), "{warning}");
    let text = moto.expect(&["plan"], 0);
    assert!(text.contains("warning:"), "{text}");

    moto.manifest(&manifest("/shop/"));
    let plan = moto.plan_json(&[]);
    let warnings = plan["warnings"].as_array().cloned().unwrap_or_default();
    assert!(
        !warnings
            .iter()
            .any(|w| w.as_str().unwrap_or("").contains("ecr.repository.shop/api")),
        "{plan:#}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_principal_shown_by_unique_id_gets_a_warning_that_explains_it() {
    let moto = Moto::start();
    let iam = moto.iam().await;
    moto.manifest(&yaml(
        r#"
        version: 1
        stack: shop
        iam:
          roles:
            app:
              assumedBy: ["arn:aws:iam::123456789012:role/ci"]
        "#,
    ));
    moto.apply(&[]);
    assert_eq!(moto.plan_json(&[]).get("warnings"), None);

    // What IAM shows once the role `ci` was deleted: its unique id. (moto accepts writing
    // it directly.)
    set_trust(
        &iam,
        "app",
        &json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Principal": { "AWS": "AROAEXAMPLEID12345678" },
                "Action": "sts:AssumeRole"
            }]
        }),
    )
    .await;
    let plan = moto.plan_json(&[]);
    assert_eq!(paths(&plan, "app"), vec!["assumeRolePolicy"]);
    let warnings: Vec<&str> = plan["warnings"]
        .as_array()
        .unwrap_or_else(|| panic!("no warnings: {plan:#}"))
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let warning = warnings
        .iter()
        .find(|w| w.contains("AROAEXAMPLEID12345678"))
        .unwrap_or_else(|| panic!("no unique-id warning: {warnings:?}"));
    assert!(warning.contains("iam.role.app"), "{warning}");
    assert!(warning.contains("assumeRolePolicy"), "{warning}");
    assert!(warning.contains("unique id"), "{warning}");
    assert!(warning.contains("deleted"), "{warning}");
    let (code, text, _) = moto.run(&["drift"]);
    assert_eq!(code, 2);
    assert!(text.contains("AROAEXAMPLEID12345678"), "{text}");

    moto.apply(&[]);
    moto.assert_converged();
    assert_eq!(moto.plan_json(&[]).get("warnings"), None);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_repository_policy_naming_a_role_by_unique_id_gets_the_warning_too() {
    let moto = Moto::start();
    let ecr = moto.ecr().await;
    kms_key_with_alias(&moto, "alias/shop-ecr").await;
    moto.manifest(&manifest("/shop/"));
    moto.apply(&[]);
    // What ECR shows once task-execution was deleted and recreated.
    ecr.set_repository_policy()
        .repository_name("shop/web")
        .policy_text(
            json!({
                "Version": "2012-10-17",
                "Statement": [{
                    "Sid": "WharfPull",
                    "Effect": "Allow",
                    "Principal": { "AWS": "AROAEXAMPLEID12345678" },
                    "Action": PULL_ACTIONS
                }]
            })
            .to_string(),
        )
        .send()
        .await
        .unwrap();
    let plan = moto.plan_json(&[]);
    assert_eq!(
        actions(&plan),
        vec![("ecr.repository.shop/web".to_string(), "update".to_string())]
    );
    let warnings: Vec<&str> = plan["warnings"]
        .as_array()
        .map(|w| w.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let warning = warnings
        .iter()
        .find(|w| w.contains("AROAEXAMPLEID12345678"))
        .unwrap_or_else(|| panic!("no unique-id warning for the repository policy: {plan:#}"));
    assert!(warning.contains("ecr.repository.shop/web"), "{warning}");
    assert!(warning.contains("unique id"), "{warning}");
}

#[tokio::test(flavor = "multi_thread")]
async fn target_a_role_plans_only_that_role() {
    let moto = Moto::start();
    kms_key_with_alias(&moto, "alias/shop-ecr").await;
    moto.manifest(&manifest("/shop/"));
    let plan = moto.plan_json(&["--target", "iam.role.task-execution"]);
    assert_eq!(actions(&plan), vec![act("task-execution", "create")]);
    moto.apply(&["--target", "iam.role.task-execution"]);
    let plan = moto.plan_json(&[]);
    assert!(
        actions(&plan)
            .iter()
            .all(|(a, _)| a.starts_with("ecr.repository.")),
        "{plan:#}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn target_a_repository_brings_the_roles_its_policy_names() {
    let moto = Moto::start();
    kms_key_with_alias(&moto, "alias/shop-ecr").await;
    moto.manifest(&manifest("/shop/"));
    let plan = moto.plan_json(&["--target", "ecr.repository.shop/web"]);
    assert_eq!(
        actions(&plan),
        vec![
            act("task-execution", "create"),
            ("ecr.repository.shop/web".to_string(), "create".to_string()),
        ]
    );
}
