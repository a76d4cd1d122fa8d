//! Creating repositories: every setting of the manifest lands in AWS exactly as declared,
//! read back through the SDK, and the stack is converged afterwards.

use crate::common::{Moto, actions};
use crate::support::*;
use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
async fn create_minimal_repository_takes_aws_defaults_and_the_ownership_tag() {
    let moto = Moto::start();
    moto.manifest(&yaml(
        r#"
        version: 1
        stack: shop
        repositories:
          shop/web: {}
        "#,
    ));
    let plan = moto.plan_json(&[]);
    assert_eq!(actions(&plan), vec![act("shop/web", "create")]);
    assert_eq!(plan["summary"]["create"], 1);
    assert!(moto.apply(&[]) >= 1);

    let ecr = moto.ecr().await;
    assert_eq!(
        mutability(&ecr, "shop/web").await,
        ("MUTABLE".into(), vec![])
    );
    assert_eq!(encryption(&ecr, "shop/web").await, ("AES256".into(), None));
    assert!(!scan_on_push(&ecr, "shop/web").await);
    assert_eq!(lifecycle_policy(&ecr, "shop/web").await, None);
    assert_eq!(repository_policy(&ecr, "shop/web").await, None);
    assert_eq!(
        tags(&ecr, "shop/web").await,
        tag_map(&[(OWNERSHIP_TAG, "shop")])
    );
    moto.assert_converged();
}

#[tokio::test(flavor = "multi_thread")]
async fn create_sets_each_image_tag_mutability_with_its_exclusion_filters() {
    let moto = Moto::start();
    moto.manifest(&yaml(
        r#"
        version: 1
        stack: shop
        repositories:
          m/mutable:
            imageTagMutability: MUTABLE
          m/immutable:
            imageTagMutability: IMMUTABLE
          m/mutable-with-exclusion:
            imageTagMutability: MUTABLE_WITH_EXCLUSION
            imageTagMutabilityExclusionFilters: ["v*"]
          m/immutable-with-exclusion:
            imageTagMutability: IMMUTABLE_WITH_EXCLUSION
            imageTagMutabilityExclusionFilters: ["latest", "dev-*"]
        "#,
    ));
    let plan = moto.plan_json(&[]);
    assert_eq!(plan["summary"]["create"], 4, "{plan:#}");
    let excl = change(&plan, "m/immutable-with-exclusion");
    let filters = excl["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == "imageTagMutabilityExclusionFilters")
        .expect("the exclusion filters are shown");
    assert_eq!(filters["after"], json!(["latest", "dev-*"]));
    moto.apply(&[]);

    let ecr = moto.ecr().await;
    assert_eq!(
        mutability(&ecr, "m/mutable").await,
        ("MUTABLE".into(), vec![])
    );
    assert_eq!(
        mutability(&ecr, "m/immutable").await,
        ("IMMUTABLE".into(), vec![])
    );
    assert_eq!(
        mutability(&ecr, "m/mutable-with-exclusion").await,
        ("MUTABLE_WITH_EXCLUSION".into(), vec!["v*".into()])
    );
    assert_eq!(
        mutability(&ecr, "m/immutable-with-exclusion").await,
        (
            "IMMUTABLE_WITH_EXCLUSION".into(),
            vec!["latest".into(), "dev-*".into()]
        )
    );
    moto.assert_converged();
}

#[tokio::test(flavor = "multi_thread")]
async fn create_with_explicit_aes256_encryption() {
    let moto = Moto::start();
    moto.manifest(&yaml(
        r#"
        version: 1
        stack: shop
        repositories:
          shop/web:
            encryption: { type: AES256 }
        "#,
    ));
    moto.apply(&[]);
    let ecr = moto.ecr().await;
    assert_eq!(encryption(&ecr, "shop/web").await, ("AES256".into(), None));
    moto.assert_converged();
}

#[tokio::test(flavor = "multi_thread")]
async fn create_with_kms_encryption_stores_the_declared_key() {
    let moto = Moto::start();
    moto.manifest(&yaml(
        r#"
        version: 1
        stack: shop
        repositories:
          shop/api:
            encryption: { type: KMS, kmsKey: alias/shop-ecr }
        "#,
    ));
    let plan = moto.plan_json(&[]);
    assert_eq!(
        paths(&plan, "shop/api")
            .into_iter()
            .filter(|p| p.starts_with("encryption"))
            .collect::<Vec<_>>(),
        sorted(&["encryption.type", "encryption.kmsKey"])
    );
    moto.apply(&[]);
    let ecr = moto.ecr().await;
    // moto keeps the kmsKey string as given; real ECR stores the resolved key ARN (wharf
    // then compares through kms:DescribeKey; see `kms_alias_and_key_arn_of_the_same_key_are_not_a_change`).
    assert_eq!(
        encryption(&ecr, "shop/api").await,
        ("KMS".into(), Some("alias/shop-ecr".into()))
    );
    moto.assert_converged();
}

#[tokio::test(flavor = "multi_thread")]
async fn create_with_kms_encryption_without_a_key_uses_the_default_key_and_converges() {
    let moto = Moto::start();
    moto.manifest(&yaml(
        r#"
        version: 1
        stack: shop
        repositories:
          shop/api:
            encryption: { type: KMS }
        "#,
    ));
    moto.apply(&[]);
    let ecr = moto.ecr().await;
    let (kind, key) = encryption(&ecr, "shop/api").await;
    assert_eq!(kind, "KMS");
    // ECR fills in the AWS-managed key aws/ecr; moto invents a random key ARN instead, which
    // kms:DescribeKey cannot resolve. Either way the plan must not ask for a replace.
    assert!(key.is_some(), "the emulator fills in a key");
    moto.assert_converged();
}

#[tokio::test(flavor = "multi_thread")]
async fn create_with_scan_on_push() {
    let moto = Moto::start();
    moto.manifest(&yaml(
        r#"
        version: 1
        stack: shop
        repositories:
          shop/web:
            scanOnPush: true
          shop/off:
            scanOnPush: false
        "#,
    ));
    moto.apply(&[]);
    let ecr = moto.ecr().await;
    assert!(scan_on_push(&ecr, "shop/web").await);
    assert!(!scan_on_push(&ecr, "shop/off").await);
    moto.assert_converged();
}

#[tokio::test(flavor = "multi_thread")]
async fn create_tags_merge_default_tags_repository_default_tags_own_tags_and_ownership() {
    let moto = Moto::start();
    moto.manifest(&yaml(
        r#"
        version: 1
        stack: shop
        defaults:
          tags: { team: shop, cost-center: "4711" }
          repository:
            tags: { tier: backend, cost-center: "0815" }
        repositories:
          shop/web:
            tags: { app: web, team: storefront }
          shop/api: {}
        "#,
    ));
    let plan = moto.plan_json(&[]);
    assert_eq!(
        paths(&plan, "shop/web")
            .into_iter()
            .filter(|p| p.starts_with("tags."))
            .collect::<Vec<_>>(),
        sorted(&[
            "tags.app",
            "tags.team",
            "tags.tier",
            "tags.cost-center",
            "tags.wharf:stack"
        ])
    );
    moto.apply(&[]);
    let ecr = moto.ecr().await;
    // defaults.tags, then defaults.repository.tags, then the repository's own win.
    assert_eq!(
        tags(&ecr, "shop/web").await,
        tag_map(&[
            ("app", "web"),
            ("team", "storefront"),
            ("tier", "backend"),
            ("cost-center", "0815"),
            (OWNERSHIP_TAG, "shop"),
        ])
    );
    assert_eq!(
        tags(&ecr, "shop/api").await,
        tag_map(&[
            ("team", "shop"),
            ("tier", "backend"),
            ("cost-center", "0815"),
            (OWNERSHIP_TAG, "shop")
        ])
    );
    moto.assert_converged();
}

#[tokio::test(flavor = "multi_thread")]
async fn create_compiles_short_lifecycle_rules_into_the_lifecycle_policy() {
    let moto = Moto::start();
    moto.manifest(&yaml(
        r#"
        version: 1
        stack: shop
        repositories:
          shop/web:
            lifecycle:
              - description: drop untagged images after 14 days
                untagged: true
                expireAfterDays: 14
              - description: keep the 30 newest releases
                tagPrefixes: [v]
                keepLast: 30
              - tagPatterns: ["prod-*"]
                expireAfterDays: 90
              - description: keep at most 100 images in all
                keepLast: 100
        "#,
    ));
    moto.apply(&[]);
    let ecr = moto.ecr().await;
    assert_eq!(
        lifecycle_policy(&ecr, "shop/web").await,
        Some(json!({ "rules": [
            { "rulePriority": 1, "description": "drop untagged images after 14 days",
              "selection": { "tagStatus": "untagged", "countType": "sinceImagePushed",
                             "countUnit": "days", "countNumber": 14 },
              "action": { "type": "expire" } },
            { "rulePriority": 2, "description": "keep the 30 newest releases",
              "selection": { "tagStatus": "tagged", "tagPrefixList": ["v"],
                             "countType": "imageCountMoreThan", "countNumber": 30 },
              "action": { "type": "expire" } },
            { "rulePriority": 3,
              "selection": { "tagStatus": "tagged", "tagPatternList": ["prod-*"],
                             "countType": "sinceImagePushed", "countUnit": "days", "countNumber": 90 },
              "action": { "type": "expire" } },
            { "rulePriority": 4, "description": "keep at most 100 images in all",
              "selection": { "tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 100 },
              "action": { "type": "expire" } },
        ]}))
    );
    moto.assert_converged();
}

#[tokio::test(flavor = "multi_thread")]
async fn create_puts_a_raw_lifecycle_policy_given_as_yaml_or_as_json_text() {
    let moto = Moto::start();
    moto.manifest(&yaml(
        r#"
        version: 1
        stack: shop
        repositories:
          shop/yaml:
            lifecyclePolicy:
              rules:
                - rulePriority: 5
                  description: expire images older than 90 days
                  selection: { tagStatus: any, countType: sinceImagePushed, countUnit: days, countNumber: 90 }
                  action: { type: expire }
          shop/text:
            lifecyclePolicy: '{"rules":[{"rulePriority":1,"selection":{"tagStatus":"untagged","countType":"imageCountMoreThan","countNumber":3},"action":{"type":"expire"}}]}'
        "#,
    ));
    moto.apply(&[]);
    let ecr = moto.ecr().await;
    assert_eq!(
        lifecycle_policy(&ecr, "shop/yaml").await,
        Some(json!({ "rules": [
            { "rulePriority": 5, "description": "expire images older than 90 days",
              "selection": { "tagStatus": "any", "countType": "sinceImagePushed",
                             "countUnit": "days", "countNumber": 90 },
              "action": { "type": "expire" } }
        ]}))
    );
    assert_eq!(
        lifecycle_policy(&ecr, "shop/text").await,
        Some(json!({ "rules": [
            { "rulePriority": 1,
              "selection": { "tagStatus": "untagged", "countType": "imageCountMoreThan", "countNumber": 3 },
              "action": { "type": "expire" } }
        ]}))
    );
    moto.assert_converged();
}

#[tokio::test(flavor = "multi_thread")]
async fn create_compiles_pull_accounts_and_role_arns_into_the_repository_policy() {
    let moto = Moto::start();
    moto.manifest(&yaml(
        r#"
        version: 1
        stack: shop
        repositories:
          shop/web:
            pull:
              accounts: ["111122223333"]
              roles: ["arn:aws:iam::444455556666:role/deploy"]
        "#,
    ));
    let plan = moto.plan_json(&[]);
    assert!(paths(&plan, "shop/web").contains(&"policy".to_string()));
    moto.apply(&[]);
    let ecr = moto.ecr().await;
    let policy = repository_policy(&ecr, "shop/web")
        .await
        .expect("a repository policy");
    assert_eq!(policy["Version"], "2012-10-17");
    let statements = policy["Statement"].as_array().expect("a statement list");
    assert_eq!(statements.len(), 1, "{policy:#}");
    let pull = &statements[0];
    assert_eq!(pull["Effect"], "Allow");
    assert_eq!(string_set(&pull["Action"]), set(&PULL_ACTIONS));
    assert_eq!(
        string_set(&pull["Principal"]["AWS"]),
        set(&[
            "arn:aws:iam::111122223333:root",
            "arn:aws:iam::444455556666:role/deploy"
        ])
    );
    moto.assert_converged();
}

#[tokio::test(flavor = "multi_thread")]
async fn create_merges_a_raw_policy_with_the_pull_statement() {
    let moto = Moto::start();
    moto.manifest(&yaml(
        r#"
        version: 1
        stack: shop
        repositories:
          shop/worker:
            pull:
              accounts: ["111122223333"]
            policy:
              Version: "2012-10-17"
              Statement:
                - Sid: CiPush
                  Effect: Allow
                  Principal: { AWS: "arn:aws:iam::111122223333:role/ci" }
                  Action: [ecr:PutImage, ecr:InitiateLayerUpload, ecr:UploadLayerPart, ecr:CompleteLayerUpload]
          shop/raw-only:
            policy: '{"Version":"2012-10-17","Statement":[{"Sid":"Audit","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/audit"},"Action":"ecr:DescribeImages"}]}'
        "#,
    ));
    moto.apply(&[]);
    let ecr = moto.ecr().await;

    let merged = repository_policy(&ecr, "shop/worker")
        .await
        .expect("a policy");
    let statements = merged["Statement"].as_array().expect("statements");
    assert_eq!(statements.len(), 2, "{merged:#}");
    let ci = statements
        .iter()
        .find(|s| s["Sid"] == "CiPush")
        .expect("the raw statement is kept");
    assert_eq!(
        ci["Principal"]["AWS"],
        json!("arn:aws:iam::111122223333:role/ci")
    );
    assert_eq!(
        string_set(&ci["Action"]),
        set(&[
            "ecr:PutImage",
            "ecr:InitiateLayerUpload",
            "ecr:UploadLayerPart",
            "ecr:CompleteLayerUpload"
        ])
    );
    let pull = statements
        .iter()
        .find(|s| s["Sid"] != "CiPush")
        .expect("the pull statement");
    assert_eq!(string_set(&pull["Action"]), set(&PULL_ACTIONS));
    assert_eq!(
        string_set(&pull["Principal"]["AWS"]),
        set(&["arn:aws:iam::111122223333:root"])
    );

    assert_eq!(
        repository_policy(&ecr, "shop/raw-only").await,
        Some(json!({"Version": "2012-10-17", "Statement": [
            {"Sid": "Audit", "Effect": "Allow",
             "Principal": {"AWS": "arn:aws:iam::111122223333:role/audit"},
             "Action": "ecr:DescribeImages"}
        ]}))
    );
    moto.assert_converged();
}

#[tokio::test(flavor = "multi_thread")]
async fn create_applies_defaults_repository_where_a_repository_is_silent() {
    let moto = Moto::start();
    moto.manifest(&yaml(
        r#"
        version: 1
        stack: shop
        defaults:
          repository:
            imageTagMutability: IMMUTABLE
            scanOnPush: true
            encryption: { type: KMS, kmsKey: alias/shop-ecr }
            lifecycle:
              - untagged: true
                expireAfterDays: 14
            pull:
              accounts: ["111122223333"]
        repositories:
          shop/inherits: {}
          shop/overrides:
            imageTagMutability: MUTABLE
            scanOnPush: false
            encryption: { type: AES256 }
            lifecyclePolicy:
              rules:
                - rulePriority: 1
                  selection: { tagStatus: any, countType: imageCountMoreThan, countNumber: 5 }
                  action: { type: expire }
            pull:
              accounts: ["999988887777"]
        "#,
    ));
    moto.apply(&[]);
    let ecr = moto.ecr().await;

    assert_eq!(
        mutability(&ecr, "shop/inherits").await.0,
        "IMMUTABLE".to_string()
    );
    assert!(scan_on_push(&ecr, "shop/inherits").await);
    assert_eq!(
        encryption(&ecr, "shop/inherits").await,
        ("KMS".into(), Some("alias/shop-ecr".into()))
    );
    assert_eq!(
        lifecycle_policy(&ecr, "shop/inherits").await,
        Some(json!({"rules": [{"rulePriority": 1,
            "selection": {"tagStatus": "untagged", "countType": "sinceImagePushed",
                          "countUnit": "days", "countNumber": 14},
            "action": {"type": "expire"}}]}))
    );
    let policy = repository_policy(&ecr, "shop/inherits").await.unwrap();
    assert_eq!(
        string_set(&policy["Statement"][0]["Principal"]["AWS"]),
        set(&["arn:aws:iam::111122223333:root"])
    );

    assert_eq!(
        mutability(&ecr, "shop/overrides").await.0,
        "MUTABLE".to_string()
    );
    assert!(!scan_on_push(&ecr, "shop/overrides").await);
    assert_eq!(
        encryption(&ecr, "shop/overrides").await,
        ("AES256".into(), None)
    );
    // A repository's own raw lifecyclePolicy replaces the default short rules.
    assert_eq!(
        lifecycle_policy(&ecr, "shop/overrides").await,
        Some(json!({"rules": [{"rulePriority": 1,
            "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 5},
            "action": {"type": "expire"}}]}))
    );
    let policy = repository_policy(&ecr, "shop/overrides").await.unwrap();
    assert_eq!(
        string_set(&policy["Statement"][0]["Principal"]["AWS"]),
        set(&["arn:aws:iam::999988887777:root"])
    );
    moto.assert_converged();
}

#[tokio::test(flavor = "multi_thread")]
async fn create_sets_every_setting_of_one_repository_at_once() {
    let moto = Moto::start();
    moto.manifest(&yaml(
        r#"
        version: 1
        stack: shop
        defaults:
          tags: { team: shop }
        repositories:
          shop/web:
            imageTagMutability: IMMUTABLE_WITH_EXCLUSION
            imageTagMutabilityExclusionFilters: ["latest"]
            encryption: { type: KMS, kmsKey: alias/shop-ecr }
            scanOnPush: true
            forceDelete: true
            lifecycle:
              - keepLast: 10
            pull:
              roles: ["arn:aws:iam::111122223333:role/deploy"]
            tags: { app: web }
        "#,
    ));
    let plan = moto.plan_json(&[]);
    assert_eq!(
        paths(&plan, "shop/web"),
        sorted(&[
            "imageTagMutability",
            "imageTagMutabilityExclusionFilters",
            "encryption.type",
            "encryption.kmsKey",
            "scanOnPush",
            "lifecyclePolicy",
            "policy",
            "tags.app",
            "tags.team",
            "tags.wharf:stack",
        ])
    );
    // One repository, one CreateRepository (with its tags), one lifecycle, one policy call.
    assert_eq!(moto.apply(&[]), 3);
    let ecr = moto.ecr().await;
    assert_eq!(
        mutability(&ecr, "shop/web").await,
        ("IMMUTABLE_WITH_EXCLUSION".into(), vec!["latest".into()])
    );
    assert_eq!(
        encryption(&ecr, "shop/web").await,
        ("KMS".into(), Some("alias/shop-ecr".into()))
    );
    assert!(scan_on_push(&ecr, "shop/web").await);
    assert!(lifecycle_policy(&ecr, "shop/web").await.is_some());
    assert!(repository_policy(&ecr, "shop/web").await.is_some());
    assert_eq!(
        tags(&ecr, "shop/web").await,
        tag_map(&[("app", "web"), ("team", "shop"), (OWNERSHIP_TAG, "shop")])
    );
    moto.assert_converged();
}

#[tokio::test(flavor = "multi_thread")]
async fn create_numbers_short_rules_around_explicit_priorities() {
    let moto = Moto::start();
    moto.manifest(&yaml(
        r#"
        version: 1
        stack: shop
        repositories:
          shop/web:
            lifecycle:
              - priority: 1
                untagged: true
                expireAfterDays: 3
              - tagPrefixes: [v]
                keepLast: 10
              - priority: 20
                keepLast: 50
        "#,
    ));
    moto.apply(&[]);
    let ecr = moto.ecr().await;
    let live = lifecycle_policy(&ecr, "shop/web").await.expect("a policy");
    let priorities: Vec<i64> = live["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["rulePriority"].as_i64().unwrap())
        .collect();
    // Explicit priorities as given; the others numbered by position, skipping used numbers.
    assert_eq!(priorities, vec![1, 2, 20]);
    assert_eq!(live["rules"][1]["selection"]["tagPrefixList"], json!(["v"]));
    moto.assert_converged();
}

#[tokio::test(flavor = "multi_thread")]
async fn empty_lifecycle_and_pull_opt_a_repository_out_of_the_defaults() {
    let moto = Moto::start();
    moto.manifest(&yaml(
        r#"
        version: 1
        stack: shop
        defaults:
          repository:
            lifecycle: [ { keepLast: 3 } ]
            pull: { accounts: ["111122223333"] }
        repositories:
          shop/web: {}
          shop/private:
            lifecycle: []
            pull: {}
        "#,
    ));
    moto.apply(&[]);
    let ecr = moto.ecr().await;
    assert!(lifecycle_policy(&ecr, "shop/web").await.is_some());
    assert!(repository_policy(&ecr, "shop/web").await.is_some());
    assert_eq!(lifecycle_policy(&ecr, "shop/private").await, None);
    assert_eq!(repository_policy(&ecr, "shop/private").await, None);
    moto.assert_converged();
}

#[tokio::test(flavor = "multi_thread")]
async fn failed_apply_reports_what_was_done_and_the_next_apply_finishes_the_rest() {
    let moto = Moto::start();
    let ecr = moto.ecr().await;
    let manifest = |action: &str| {
        yaml(&format!(
            r#"
            version: 1
            stack: shop
            repositories:
              shop/web:
                policy:
                  Version: "2012-10-17"
                  Statement:
                    - Effect: Allow
                      Principal: {{ AWS: "arn:aws:iam::111122223333:root" }}
                      Action: {action}
              shop/api: {{}}
            "#
        ))
    };
    // An action without its service prefix: ECR (and moto) reject the policy document.
    moto.manifest(&manifest("BatchGetImage"));
    let (code, stdout, stderr) = moto.run(&["apply", "--auto-approve"]);
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    assert!(stdout.contains("Apply failed"), "{stdout}");
    assert!(stdout.contains("SetRepositoryPolicy"), "{stdout}");
    assert!(stdout.contains("InvalidParameterException"), "{stdout}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    // What was done stays done; the plan now holds only what is left.
    assert!(exists(&ecr, "shop/web").await);
    assert_eq!(repository_policy(&ecr, "shop/web").await, None);
    let plan = moto.plan_json(&[]);
    assert_eq!(actions(&plan), vec![act("shop/web", "update")], "{plan:#}");
    assert_eq!(paths(&plan, "shop/web"), sorted(&["policy"]));

    moto.manifest(&manifest("ecr:BatchGetImage"));
    assert_eq!(moto.apply(&[]), 1);
    assert!(repository_policy(&ecr, "shop/web").await.is_some());
    moto.assert_converged();
}
