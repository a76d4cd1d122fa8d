//! Replacing repositories: encryption cannot change in place, so a change of it is a
//! `replace`, refused unless --allow-replace (and, with images inside, forceDelete: true).

use crate::common::{Moto, actions};
use crate::support::*;
use serde_json::json;

fn manifest(encryption: &str, force_delete: bool) -> String {
    yaml(&format!(
        r#"
        version: 1
        stack: shop
        repositories:
          shop/web:
            encryption: {encryption}
            forceDelete: {force_delete}
            scanOnPush: true
            lifecycle: [ {{ untagged: true, expireAfterDays: 7 }} ]
            pull: {{ accounts: ["111122223333"] }}
            tags: {{ app: web }}
          shop/api:
            imageTagMutability: IMMUTABLE
        "#
    ))
}

const AES: &str = "{ type: AES256 }";
const KMS: &str = "{ type: KMS, kmsKey: alias/shop-ecr }";

#[tokio::test(flavor = "multi_thread")]
async fn encryption_change_is_planned_as_replace_with_the_image_count() {
    let moto = Moto::start();
    moto.manifest(&manifest(AES, false));
    moto.apply(&[]);

    moto.manifest(&manifest(KMS, false));
    let plan = moto.plan_json(&[]);
    assert_eq!(actions(&plan), vec![act("shop/web", "replace")]);
    assert_eq!(plan["summary"]["replace"], 1);
    let c = change(&plan, "shop/web");
    assert_eq!(
        paths(&plan, "shop/web"),
        sorted(&["encryption.type"]),
        "{plan:#}"
    );
    let field = &c["fields"][0];
    assert_eq!(
        (&field["before"], &field["after"]),
        (&json!("AES256"), &json!("KMS"))
    );
    assert_eq!(c["destroys"]["images"], 0, "{c:#}");
    assert_eq!(c["destroys"]["forceDelete"], false);
}

#[tokio::test(flavor = "multi_thread")]
async fn replace_without_allow_replace_exits_1_and_changes_nothing() {
    let moto = Moto::start();
    let ecr = moto.ecr().await;
    moto.manifest(&manifest(AES, false));
    moto.apply(&[]);

    // Besides the replace, the plan holds a harmless update of shop/api: it must not run either.
    moto.manifest(&manifest(KMS, false).replace("IMMUTABLE", "MUTABLE"));
    let out = moto.expect(&["apply", "--auto-approve", "--stats"], 1);
    assert!(out.contains("--allow-replace"), "{out}");
    assert!(out.contains("ecr.repository.shop/web"), "{out}");
    assert_eq!(encryption(&ecr, "shop/web").await, ("AES256".into(), None));
    assert_eq!(mutability(&ecr, "shop/api").await.0, "IMMUTABLE");
    assert!(!out.contains("panicked"), "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn replace_with_allow_replace_recreates_the_repository_with_every_setting() {
    let moto = Moto::start();
    let ecr = moto.ecr().await;
    moto.manifest(&manifest(AES, false));
    moto.apply(&[]);

    moto.manifest(&manifest(KMS, false));
    moto.expect(&["apply", "--auto-approve", "--allow-replace"], 0);
    assert_eq!(
        encryption(&ecr, "shop/web").await,
        ("KMS".into(), Some("alias/shop-ecr".into()))
    );
    // Everything else the manifest declares is back on the new repository.
    assert!(scan_on_push(&ecr, "shop/web").await);
    assert!(lifecycle_policy(&ecr, "shop/web").await.is_some());
    assert!(repository_policy(&ecr, "shop/web").await.is_some());
    assert_eq!(
        tags(&ecr, "shop/web").await,
        tag_map(&[("app", "web"), (OWNERSHIP_TAG, "shop")])
    );
    moto.assert_converged();
}

#[tokio::test(flavor = "multi_thread")]
async fn replace_of_a_repository_with_images_needs_force_delete_and_allow_replace() {
    let moto = Moto::start();
    let ecr = moto.ecr().await;
    moto.manifest(&manifest(AES, false));
    moto.apply(&[]);
    push_images(&ecr, "shop/web", 2).await;

    moto.manifest(&manifest(KMS, false));
    let plan = moto.plan_json(&[]);
    let c = change(&plan, "shop/web");
    assert_eq!(c["action"], "replace");
    assert_eq!(c["destroys"]["images"], 2, "{c:#}");
    assert_eq!(c["destroys"]["forceDelete"], false);
    let text = moto.expect(&["plan"], 0);
    assert!(text.contains("destroys 2 images"), "{text}");

    // --allow-replace alone is not enough with images inside.
    let out = moto.expect(&["apply", "--auto-approve", "--allow-replace"], 1);
    assert!(out.contains("forceDelete"), "{out}");
    assert!(out.contains("2 images"), "{out}");
    assert_eq!(image_count(&ecr, "shop/web").await, 2);
    assert_eq!(encryption(&ecr, "shop/web").await.0, "AES256");

    // forceDelete: true alone is not enough either.
    moto.manifest(&manifest(KMS, true));
    let plan = moto.plan_json(&[]);
    assert_eq!(change(&plan, "shop/web")["destroys"]["forceDelete"], true);
    let out = moto.expect(&["apply", "--auto-approve"], 1);
    assert!(out.contains("--allow-replace"), "{out}");
    assert_eq!(image_count(&ecr, "shop/web").await, 2);

    // Both: the repository is replaced and its images are gone.
    moto.expect(&["apply", "--auto-approve", "--allow-replace"], 0);
    assert_eq!(encryption(&ecr, "shop/web").await.0, "KMS");
    assert_eq!(image_count(&ecr, "shop/web").await, 0);
    moto.assert_converged();
}

#[tokio::test(flavor = "multi_thread")]
async fn replace_from_kms_back_to_aes256() {
    let moto = Moto::start();
    let ecr = moto.ecr().await;
    moto.manifest(&manifest(KMS, false));
    moto.apply(&[]);
    moto.manifest(&manifest(AES, false));
    let plan = moto.plan_json(&[]);
    assert_eq!(actions(&plan), vec![act("shop/web", "replace")]);
    moto.expect(&["apply", "--auto-approve", "--allow-replace"], 0);
    assert_eq!(encryption(&ecr, "shop/web").await, ("AES256".into(), None));
    moto.assert_converged();
}

#[tokio::test(flavor = "multi_thread")]
async fn changing_the_kms_key_to_a_different_key_is_planned_as_replace() {
    let moto = Moto::start();
    let ecr = moto.ecr().await;
    kms_key_with_alias(&moto, "alias/one").await;
    kms_key_with_alias(&moto, "alias/two").await;
    moto.manifest(&manifest("{ type: KMS, kmsKey: alias/one }", false));
    moto.apply(&[]);
    moto.assert_converged();

    moto.manifest(&manifest("{ type: KMS, kmsKey: alias/two }", false));
    let plan = moto.plan_json(&[]);
    assert_eq!(actions(&plan), vec![act("shop/web", "replace")]);
    assert_eq!(paths(&plan, "shop/web"), sorted(&["encryption.kmsKey"]));
    moto.expect(&["apply", "--auto-approve", "--allow-replace"], 0);
    assert_eq!(
        encryption(&ecr, "shop/web").await,
        ("KMS".into(), Some("alias/two".into()))
    );
    moto.assert_converged();
}

#[tokio::test(flavor = "multi_thread")]
async fn kms_alias_and_key_arn_of_the_same_key_are_not_a_change() {
    let moto = Moto::start();
    let arn = kms_key_with_alias(&moto, "alias/one").await;
    moto.manifest(&manifest("{ type: KMS, kmsKey: alias/one }", false));
    moto.apply(&[]);
    // Real ECR reports the key ARN whatever was given; the manifest now names the key by
    // its ARN while moto still holds the alias. DescribeKey resolves both to one key.
    moto.manifest(&manifest(
        &format!("{{ type: KMS, kmsKey: \"{arn}\" }}"),
        false,
    ));
    assert_plan_empty(&moto);
}

#[tokio::test(flavor = "multi_thread")]
async fn unresolvable_kms_keys_are_assumed_equal_with_a_warning() {
    // Neither alias exists in KMS, so wharf cannot tell whether they name the same key: it
    // warns and plans no replace (a guess the other way would destroy the repository).
    let moto = Moto::start();
    moto.manifest(&manifest("{ type: KMS, kmsKey: alias/missing-one }", false));
    moto.apply(&[]);
    moto.manifest(&manifest("{ type: KMS, kmsKey: alias/missing-two }", false));
    let plan = moto.plan_json(&[]);
    assert_eq!(actions(&plan), vec![], "{plan:#}");
    let warnings = plan["warnings"].as_array().expect("a warning");
    assert!(
        warnings
            .iter()
            .any(|w| w.as_str().unwrap().contains("alias/missing-two")),
        "{plan:#}"
    );
    let text = moto.expect(&["plan"], 0);
    assert!(text.contains("warning:"), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn kms_without_a_key_against_a_customer_managed_key_is_planned_as_replace() {
    // No kmsKey means the AWS-managed key aws/ecr; a live customer-managed key is another key.
    let moto = Moto::start();
    let ecr = moto.ecr().await;
    let arn = kms_key_with_alias(&moto, "alias/customer").await;
    ecr.create_repository()
        .repository_name("shop/web")
        .encryption_configuration(
            aws_sdk_ecr::types::EncryptionConfiguration::builder()
                .encryption_type(aws_sdk_ecr::types::EncryptionType::Kms)
                .kms_key(&arn)
                .build()
                .unwrap(),
        )
        .tags(
            aws_sdk_ecr::types::Tag::builder()
                .key(OWNERSHIP_TAG)
                .value("shop")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    moto.manifest(&yaml(
        r#"
        version: 1
        stack: shop
        repositories:
          shop/web: { encryption: { type: KMS } }
        "#,
    ));
    let plan = moto.plan_json(&[]);
    assert_eq!(actions(&plan), vec![act("shop/web", "replace")], "{plan:#}");
    assert_eq!(paths(&plan, "shop/web"), sorted(&["encryption.kmsKey"]));

    // Naming that key by its alias is no change.
    moto.manifest(&yaml(
        r#"
        version: 1
        stack: shop
        repositories:
          shop/web: { encryption: { type: KMS, kmsKey: alias/customer } }
        "#,
    ));
    assert_plan_empty(&moto);
}
