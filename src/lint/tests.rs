//! Table-driven tests of the lint rules (each fires on a bad manifest, not on a good
//! one, at the node that sets the value), suppressions, live state and the threshold.

use super::*;
use crate::diagnostics::Severity as DiagnosticSeverity;
use crate::kinds::common::OWNERSHIP_TAG;
use crate::live::{KmsKey, LiveRepository, LiveService, LiveTaskDefinition};
use crate::manifest::vars::Variables;
use crate::manifest::{LoadedManifest, load};
use serde_json::json;
use std::collections::BTreeMap;

const HEAD: &str = "version: 1\nstack: shop\n";

/// A repository that passes every repository rule.
const CLEAN_REPOSITORY: &str = "    imageTagMutability: IMMUTABLE\n    scanOnPush: true\n    lifecycle: [ { untagged: true, expireAfterDays: 14 } ]\n";

fn loaded(src: &str) -> LoadedManifest {
    load("wharf.yaml", src, &Variables::default()).unwrap_or_else(|failure| {
        panic!("manifest does not load:\n{src}\n{:#?}", failure.diagnostics)
    })
}

fn run(src: &str, live: Option<&LiveSnapshot>, fail_on: Option<FailOn>) -> Report {
    let m = loaded(src);
    lint(&Input {
        manifest: &m.manifest,
        spans: &m.spans,
        sources: &m.sources,
        live,
        in_use: &[],
        options: Options::new(&m.manifest, fail_on),
    })
}

/// (rule id, address, text under the span) of every finding.
fn found(src: &str) -> Vec<(&'static str, String, String)> {
    let m = loaded(src);
    let report = lint(&Input {
        manifest: &m.manifest,
        spans: &m.spans,
        sources: &m.sources,
        live: None,
        in_use: &[],
        options: Options::new(&m.manifest, None),
    });
    report
        .findings
        .iter()
        .map(|f| {
            let text = f
                .span
                .and_then(|s| m.sources.slice(s))
                .unwrap_or("<none>")
                .to_string();
            (f.rule.id, f.address.clone(), text)
        })
        .collect()
}

fn repo(body: &str) -> String {
    format!("{HEAD}repositories:\n  shop/web:\n{body}")
}

/// A task definition with one container; `task` and `container` add members.
fn task(task: &str, container: &str) -> String {
    format!(
        "{HEAD}ecs:\n  taskDefinitions:\n    web:\n{task}      containerDefinitions:\n        - name: web\n          image: nginx:1.27\n          memory: 512\n{container}"
    )
}

const READ_ONLY: &str = "          readonlyRootFilesystem: true\n";

struct Case {
    rule: &'static str,
    bad: String,
    /// The text under the finding's span in `bad`.
    at: &'static str,
    good: String,
}

fn cases() -> Vec<Case> {
    let policy = |condition: &str| {
        repo(&format!(
            "{CLEAN_REPOSITORY}    policy:\n      Statement:\n        - Sid: Public\n          Effect: Allow\n          Principal: {{ AWS: \"*\" }}\n          Action: [ecr:BatchGetImage, ecr:GetDownloadUrlForLayer]\n{condition}"
        ))
    };
    vec![
        Case {
            rule: "WHARF-ECR-001",
            bad: policy(""),
            at: "\"*\"",
            good: policy("          Condition: { StringEquals: { aws:PrincipalOrgID: o-abc123 } }\n"),
        },
        Case {
            rule: "WHARF-ECR-002",
            bad: repo("    imageTagMutability: MUTABLE_WITH_EXCLUSION\n    imageTagMutabilityExclusionFilters: [latest]\n    scanOnPush: true\n    lifecycle: [ { untagged: true, expireAfterDays: 14 } ]\n"),
            at: "MUTABLE_WITH_EXCLUSION",
            good: repo(CLEAN_REPOSITORY),
        },
        Case {
            rule: "WHARF-ECR-003",
            bad: repo("    imageTagMutability: IMMUTABLE\n    scanOnPush: false\n    lifecycle: [ { untagged: true, expireAfterDays: 14 } ]\n"),
            at: "false",
            // A registry rule with a wildcard filter covers the repository.
            good: format!(
                "{}registry:\n  scanning: {{ rules: [ {{ scanFrequency: SCAN_ON_PUSH, filters: [\"shop/*\"] }} ] }}\n",
                repo("    imageTagMutability: IMMUTABLE\n    scanOnPush: false\n    lifecycle: [ { untagged: true, expireAfterDays: 14 } ]\n")
            ),
        },
        Case {
            rule: "WHARF-ECR-004",
            bad: repo("    imageTagMutability: IMMUTABLE\n    scanOnPush: true\n"),
            at: "shop/web",
            good: repo(CLEAN_REPOSITORY),
        },
        Case {
            rule: "WHARF-ECR-005",
            bad: format!("{}lint: {{ requireKms: true }}\n", repo(&format!("{CLEAN_REPOSITORY}    encryption: {{ type: AES256 }}\n"))),
            at: "AES256",
            good: format!("{}lint: {{ requireKms: true }}\n", repo(&format!("{CLEAN_REPOSITORY}    encryption: {{ type: KMS, kmsKey: alias/shop-ecr }}\n"))),
        },
        Case {
            rule: "WHARF-ECR-006",
            bad: format!("{HEAD}registry:\n  policy:\n    Version: \"2012-10-17\"\n    Statement:\n      - Effect: Allow\n        Principal: \"*\"\n        Action: [ecr:ReplicateImage, ecr:CreateRepository]\n        Resource: \"*\"\n"),
            at: "\"*\"",
            good: format!("{HEAD}registry:\n  policy:\n    Version: \"2012-10-17\"\n    Statement:\n      - Effect: Allow\n        Principal: {{ AWS: \"arn:aws:iam::210987654321:root\" }}\n        Action: [ecr:ReplicateImage, ecr:CreateRepository]\n        Resource: \"*\"\n"),
        },
        Case {
            rule: "WHARF-ECR-008",
            bad: format!("{}lint: {{ requireSigning: true }}\n", repo(CLEAN_REPOSITORY)),
            at: "shop/web",
            good: format!(
                "{}lint: {{ requireSigning: true }}\nregistry:\n  signing:\n    rules:\n      - {{ signingProfileArn: \"arn:aws:signer:eu-west-1:123456789012:/signing-profiles/shop_release\", repositoryFilters: [\"shop/*\"] }}\n",
                repo(CLEAN_REPOSITORY)
            ),
        },
        Case {
            rule: "WHARF-ECS-001",
            bad: task("", &format!("{READ_ONLY}          privileged: true\n")),
            at: "true",
            good: task("", &format!("{READ_ONLY}          privileged: false\n")),
        },
        Case {
            rule: "WHARF-ECS-002",
            bad: task("      networkMode: host\n", READ_ONLY),
            at: "host",
            good: task("      networkMode: bridge\n", READ_ONLY),
        },
        Case {
            rule: "WHARF-ECS-003",
            bad: task("      pidMode: host\n", READ_ONLY),
            at: "host",
            good: task("      pidMode: task\n", READ_ONLY),
        },
        Case {
            rule: "WHARF-ECS-004",
            bad: task("", "          readonlyRootFilesystem: false\n"),
            at: "false",
            good: task("", READ_ONLY),
        },
        Case {
            rule: "WHARF-ECS-005",
            bad: task("", &format!("{READ_ONLY}          environment: [ {{ name: STRIPE_API_KEY, value: sk_live_abc }} ]\n")),
            at: "STRIPE_API_KEY",
            // A pointer to a secret, and a secret passed the right way.
            good: task("      executionRoleArn: arn:aws:iam::123456789012:role/run\n", &format!("{READ_ONLY}          environment: [ {{ name: STRIPE_API_KEY_ARN, value: x }} ]\n          secrets: [ {{ name: STRIPE_API_KEY, valueFrom: \"arn:aws:secretsmanager:eu-west-1:123456789012:secret:stripe\" }} ]\n")),
        },
        Case {
            rule: "WHARF-ECS-006",
            bad: format!("{HEAD}ecs:\n  clusters: {{ shop: {{}} }}\n  services:\n    web:\n      cluster: shop\n      taskDefinition: web:1\n      networkConfiguration:\n        awsvpcConfiguration: {{ subnets: [subnet-0abc], assignPublicIp: ENABLED }}\n"),
            at: "ENABLED",
            good: format!("{HEAD}ecs:\n  clusters: {{ shop: {{}} }}\n  services:\n    web:\n      cluster: shop\n      taskDefinition: web:1\n      networkConfiguration:\n        awsvpcConfiguration: {{ subnets: [subnet-0abc], assignPublicIp: DISABLED }}\n"),
        },
        Case {
            rule: "WHARF-ECS-007",
            bad: format!(
                "{HEAD}iam:\n  roles:\n    app: {{ assumedBy: [ecs-tasks.amazonaws.com] }}\n{}",
                task("      executionRole: app\n      taskRoleArn: arn:aws:iam::123456789012:role/app\n", READ_ONLY).trim_start_matches(HEAD)
            ),
            at: "arn:aws:iam::123456789012:role/app",
            good: format!(
                "{HEAD}iam:\n  roles:\n    app: {{ assumedBy: [ecs-tasks.amazonaws.com] }}\n    run: {{ assumedBy: [ecs-tasks.amazonaws.com] }}\n{}",
                task("      executionRole: run\n      taskRole: app\n", READ_ONLY).trim_start_matches(HEAD)
            ),
        },
        Case {
            rule: "WHARF-IAM-001",
            bad: format!("{HEAD}iam:\n  roles:\n    open:\n      assumeRolePolicy:\n        Statement:\n          - Effect: Allow\n            Principal: {{ AWS: \"*\" }}\n            Action: sts:AssumeRole\n"),
            at: "\"*\"",
            good: format!("{HEAD}iam:\n  roles:\n    open:\n      assumeRolePolicy:\n        Statement:\n          - Effect: Allow\n            Principal: {{ AWS: \"*\" }}\n            Action: sts:AssumeRole\n            Condition: {{ StringEquals: {{ aws:PrincipalOrgID: o-abc123 }} }}\n"),
        },
    ]
}

#[test]
fn every_rule_fires_on_its_bad_manifest_at_the_node_and_not_on_the_good_one() {
    let cases = cases();
    // Every rule has a case.
    let mut covered: Vec<&str> = cases.iter().map(|c| c.rule).collect();
    covered.sort();
    // Only live state can show an image in use (its own test is below).
    let live_only = [
        rules::EXPIRES_IMAGES_IN_USE.id,
        rules::REGISTRY_POLICY_SCOPE_V1.id,
    ];
    assert_eq!(
        covered,
        rules::RULES
            .iter()
            .map(|r| r.id)
            .filter(|id| !live_only.contains(id))
            .collect::<Vec<_>>()
    );
    for case in cases {
        let bad = found(&case.bad);
        assert!(
            bad.iter()
                .any(|(id, _, at)| *id == case.rule && at == case.at),
            "{} should fire at {:?} in\n{}\ngot {bad:#?}",
            case.rule,
            case.at,
            case.bad
        );
        let good = found(&case.good);
        assert!(
            !good.iter().any(|(id, _, _)| *id == case.rule),
            "{} should not fire in\n{}\ngot {good:#?}",
            case.rule,
            case.good
        );
    }
}

#[test]
fn a_clean_manifest_has_no_findings() {
    let src = format!(
        "{}registry:\n  scanning: {{ scanType: ENHANCED, rules: [ {{ scanFrequency: CONTINUOUS_SCAN, filters: [\"*\"] }} ] }}\n{}",
        repo(CLEAN_REPOSITORY),
        task("      networkMode: awsvpc\n", READ_ONLY).trim_start_matches(HEAD)
    );
    assert_eq!(found(&src), vec![]);
}

#[test]
fn omissions_point_at_the_resource_key_and_say_it_is_aws_default() {
    let report = run(
        &repo("    lifecycle: [ { untagged: true, expireAfterDays: 14 } ]\n"),
        None,
        None,
    );
    let ids: Vec<&str> = report.findings.iter().map(|f| f.rule.id).collect();
    assert_eq!(ids, ["WHARF-ECR-002", "WHARF-ECR-003"]);
    for f in &report.findings {
        let l = f.location.as_ref().unwrap();
        assert_eq!(
            (l.file.as_str(), l.line, l.column),
            ("wharf.yaml", 4, 3),
            "{f:?}"
        );
        assert!(
            f.message.contains("not set: AWS's default"),
            "{}",
            f.message
        );
    }
}

#[test]
fn values_from_defaults_point_into_defaults_repository() {
    let src = format!(
        "{HEAD}defaults:\n  repository: {{ imageTagMutability: MUTABLE, scanOnPush: true }}\nrepositories:\n  shop/web: {{ lifecycle: [ {{ untagged: true, expireAfterDays: 14 }} ] }}\n  shop/api: {{ imageTagMutability: IMMUTABLE, lifecycle: [ {{ untagged: true, expireAfterDays: 14 }} ] }}\n"
    );
    assert_eq!(
        found(&src),
        vec![(
            "WHARF-ECR-002",
            "ecr.repository.shop/web".to_string(),
            "MUTABLE".to_string()
        )]
    );
    let report = run(&src, None, None);
    assert!(
        report.findings[0]
            .message
            .contains("(from defaults.repository)")
    );
    assert_eq!(report.findings[0].location.as_ref().unwrap().line, 4);
}

#[test]
fn scanning_coverage_follows_registry_rules() {
    let unscanned = "    imageTagMutability: IMMUTABLE\n    lifecycle: [ { untagged: true, expireAfterDays: 14 } ]\n";
    let with = |scanning: &str| format!("{}registry:\n  scanning: {scanning}\n", repo(unscanned));
    let fires = |src: String| found(&src).iter().any(|(id, _, _)| *id == "WHARF-ECR-003");
    // A filter that does not match, or MANUAL scanning, covers nothing.
    assert!(fires(with(
        "{ rules: [ { scanFrequency: SCAN_ON_PUSH, filters: [\"other/*\"] } ] }"
    )));
    assert!(fires(with(
        "{ rules: [ { scanFrequency: MANUAL, filters: [\"*\"] } ] }"
    )));
    assert!(!fires(with(
        "{ rules: [ { scanFrequency: SCAN_ON_PUSH, filters: [\"*web\"] } ] }"
    )));
    // ENHANCED ignores scanOnPush: only a rule covers the repository.
    let enhanced = format!(
        "{}registry:\n  scanning: {{ scanType: ENHANCED, rules: [ {{ scanFrequency: CONTINUOUS_SCAN, filters: [\"other/*\"] }} ] }}\n",
        repo(CLEAN_REPOSITORY)
    );
    let report = run(&enhanced, None, None);
    assert_eq!(report.findings.len(), 1);
    assert!(report.findings[0].message.contains("ENHANCED"));
}

#[test]
fn kms_is_checked_only_when_the_stack_requires_it() {
    let aws_managed = repo(&format!(
        "{CLEAN_REPOSITORY}    encryption: {{ type: KMS }}\n"
    ));
    assert!(found(&aws_managed).is_empty());
    let required = format!("{aws_managed}lint: {{ requireKms: true }}\n");
    let report = run(&required, None, None);
    assert_eq!(report.findings.len(), 1);
    assert!(report.findings[0].message.contains("aws/ecr"));
    let alias = format!(
        "{}lint: {{ requireKms: true }}\n",
        repo(&format!(
            "{CLEAN_REPOSITORY}    encryption: {{ type: KMS, kmsKey: alias/aws/ecr }}\n"
        ))
    );
    assert_eq!(found(&alias)[0].2, "alias/aws/ecr");
}

#[test]
fn secret_names_and_pointers() {
    let env = |name: &str, value: &str| {
        task(
            "",
            &format!(
                "{READ_ONLY}          environment: [ {{ name: {name}, value: \"{value}\" }} ]\n"
            ),
        )
    };
    let fires = |name: &str, value: &str| {
        found(&env(name, value))
            .iter()
            .any(|(id, _, _)| *id == "WHARF-ECS-005")
    };
    for name in [
        "DB_PASSWORD",
        "GITHUB_TOKEN",
        "API_KEY",
        "PRIVATE_KEY",
        "client_secret",
        "AWS_ACCESS_KEY_ID",
        "ECS_ENGINE_AUTH_DATA",
    ] {
        assert!(fires(name, "x"), "{name}");
    }
    for name in ["LOG_LEVEL", "DB_PASSWORD_ARN", "TOKEN_URL", "SECRET_NAME"] {
        assert!(!fires(name, "x"), "{name}");
    }
    assert!(!fires("DB_PASSWORD", ""));
    assert!(!fires(
        "DB_PASSWORD",
        "arn:aws:ssm:eu-west-1:123456789012:parameter/db"
    ));
}

#[test]
fn windows_containers_are_not_asked_for_a_read_only_root() {
    let src = task(
        "      runtimePlatform: { operatingSystemFamily: WINDOWS_SERVER_2022_CORE }\n",
        "",
    );
    assert!(found(&src).is_empty());
}

#[test]
fn suppressions_mark_findings_with_their_reason() {
    let src = format!(
        "{HEAD}defaults:\n  repository:\n    lint: {{ suppress: [ {{ id: WHARF-ECR-004, reason: rebuilt nightly }} ] }}\nrepositories:\n  shop/web:\n    imageTagMutability: MUTABLE\n    scanOnPush: true\n    lint:\n      suppress:\n        - {{ id: WHARF-ECR-002, reason: \"  dev builds move `latest` \" }}\n"
    );
    let report = run(&src, None, None);
    let marks: Vec<(&str, Option<&str>)> = report
        .findings
        .iter()
        .map(|f| (f.rule.id, f.suppressed.as_deref()))
        .collect();
    assert_eq!(
        marks,
        [
            ("WHARF-ECR-004", Some("rebuilt nightly")),
            ("WHARF-ECR-002", Some("dev builds move `latest`")),
        ]
    );
    assert_eq!(report.active().count(), 0);
    assert_eq!(report.suppressed().count(), 2);
    assert_eq!(report.failing(), 0);
    assert_eq!(report.count(Severity::Medium), 0);
}

/// Every diagnostic for a manifest, as (severity, message, hint, text under the span).
fn diagnose(src: &str) -> Vec<(DiagnosticSeverity, String, String, String)> {
    crate::manifest::diagnostics_with_text(src)
}

#[test]
fn suppressions_are_validated_at_their_nodes() {
    let with = |suppress: &str| {
        repo(&format!(
            "{CLEAN_REPOSITORY}    lint:\n      suppress:\n{suppress}"
        ))
    };
    let unknown = diagnose(&with("        - { id: WHARF-ECR-02, reason: accepted }\n"));
    assert_eq!(unknown.len(), 1, "{unknown:#?}");
    assert_eq!(unknown[0].0, DiagnosticSeverity::Error);
    assert_eq!(unknown[0].1, "unknown lint rule `WHARF-ECR-02`");
    assert_eq!(unknown[0].2, "did you mean `WHARF-ECR-002`?");
    assert_eq!(unknown[0].3, "WHARF-ECR-02");

    let far = diagnose(&with("        - { id: NOPE, reason: accepted }\n"));
    assert!(
        far[0].2.starts_with("the rules are WHARF-ECR-001, "),
        "{far:#?}"
    );

    let empty = diagnose(&with("        - { id: WHARF-ECR-002, reason: \"  \" }\n"));
    assert_eq!(empty.len(), 1, "{empty:#?}");
    assert_eq!(
        empty[0].1,
        "the suppression of `WHARF-ECR-002` needs a reason"
    );
    assert_eq!(empty[0].3, "\"  \"");

    let missing = diagnose(&with("        - { id: WHARF-ECR-002 }\n"));
    assert!(
        missing
            .iter()
            .any(|(s, m, _, _)| *s == DiagnosticSeverity::Error
                && m.contains("missing required key `reason`")),
        "{missing:#?}"
    );

    let wrong_kind = diagnose(&with(
        "        - { id: WHARF-ECS-006, reason: accepted }\n        - { id: WHARF-ECS-006, reason: again }\n",
    ));
    assert_eq!(wrong_kind.len(), 3, "{wrong_kind:#?}");
    assert!(
        wrong_kind
            .iter()
            .all(|(s, _, _, _)| *s == DiagnosticSeverity::Warning)
    );
    assert!(
        wrong_kind[0]
            .1
            .contains("checks a service, not a repository")
    );
    assert!(
        wrong_kind
            .iter()
            .any(|(_, m, _, _)| m.contains("suppressed twice"))
    );
}

#[test]
fn ecs_suppressions_are_validated_and_applied_too() {
    let src = task(
        "      lint: { suppress: [ { id: WHARF-ECS-004, reason: nginx writes its cache } ] }\n",
        "",
    );
    let report = run(&src, None, None);
    assert_eq!(report.findings.len(), 1);
    assert_eq!(
        report.findings[0].suppressed.as_deref(),
        Some("nginx writes its cache")
    );
    let bad = diagnose(&task(
        "      lint: { suppress: [ { id: WHARF-ECS-04, reason: x } ] }\n",
        "",
    ));
    assert_eq!(bad[0].2, "did you mean `WHARF-ECS-004`?");
}

#[test]
fn the_lint_key_never_reaches_aws() {
    let src = format!(
        "{}  clusters: {{ shop: {{}} }}\n  services:\n    web:\n      cluster: shop\n      taskDefinition: web\n      lint: {{ suppress: [ {{ id: WHARF-ECS-006, reason: public demo }} ] }}\n",
        task(
            "      lint: { suppress: [ { id: WHARF-ECS-004, reason: x } ] }\n",
            READ_ONLY
        )
    );
    let m = loaded(&src).manifest;
    let keys = BTreeMap::new();
    let ctx = crate::kinds::common::Context {
        account_id: "123456789012",
        region: "eu-west-1",
        kms_keys: &keys,
    };
    let live = LiveSnapshot::default();
    let want = crate::kinds::task_definition::desired(
        &m,
        &ctx,
        &live,
        "web",
        &m.ecs.task_definitions["web"],
    );
    assert!(want.input.get("lint").is_none(), "{:#}", want.input);
    let svc = crate::kinds::service::desired(
        &m,
        &ctx,
        &live,
        &Default::default(),
        "web",
        &m.ecs.services["web"],
    );
    assert!(!svc.members.contains_key("lint"));
}

#[test]
fn thresholds() {
    use Severity::*;
    let table = [
        (FailOn::None, [false, false, false, false]),
        (FailOn::Low, [true, true, true, true]),
        (FailOn::Medium, [false, true, true, true]),
        (FailOn::High, [false, false, true, true]),
        (FailOn::Critical, [false, false, false, true]),
    ];
    for (fail_on, expected) in table {
        let got = [Low, Medium, High, Critical].map(|s| fail_on.fails(s));
        assert_eq!(got, expected, "{fail_on:?}");
    }
    // The flag wins over the manifest, which wins over the default.
    let plain = loaded(HEAD).manifest;
    assert_eq!(Options::new(&plain, None).fail_on, FailOn::High);
    let configured = loaded(&format!("{HEAD}lint: {{ failOn: low }}\n")).manifest;
    assert_eq!(Options::new(&configured, None).fail_on, FailOn::Low);
    assert_eq!(
        Options::new(&configured, Some(FailOn::Critical)).fail_on,
        FailOn::Critical
    );

    // One medium finding: fails at medium, not at high.
    let src = repo(
        "    imageTagMutability: MUTABLE\n    scanOnPush: true\n    lifecycle: [ { untagged: true, expireAfterDays: 14 } ]\n",
    );
    assert_eq!(run(&src, None, None).failing(), 0);
    assert_eq!(run(&src, None, Some(FailOn::Medium)).failing(), 1);
    assert_eq!(run(&src, None, Some(FailOn::None)).failing(), 0);
}

fn live_repository(name: &str, mutability: &str, owner: Option<&str>) -> LiveRepository {
    LiveRepository {
        name: name.into(),
        image_tag_mutability: mutability.into(),
        encryption_type: "AES256".into(),
        scan_on_push: true,
        lifecycle_policy: Some("{}".into()),
        tags: owner
            .map(|o| BTreeMap::from([(OWNERSHIP_TAG.to_string(), o.to_string())]))
            .unwrap_or_default(),
        details_read: true,
        ..LiveRepository::default()
    }
}

#[test]
fn live_state_is_linted_for_managed_resources_only() {
    let src = repo(CLEAN_REPOSITORY);
    let mut live = LiveSnapshot::default();
    for (name, mutability, owner) in [
        ("shop/web", "MUTABLE", Some("shop")), // declared, changed out of band
        ("shop/old", "MUTABLE", Some("shop")), // owned, dropped from the manifest
        ("team/x", "MUTABLE", Some("other")),  // another stack's
        ("loose", "MUTABLE", None),            // nobody's
    ] {
        live.repositories
            .insert(name.into(), live_repository(name, mutability, owner));
    }
    let report = run(&src, Some(&live), None);
    let got: Vec<(&str, &str, Source, Option<usize>)> = report
        .findings
        .iter()
        .map(|f| {
            (
                f.rule.id,
                f.address.as_str(),
                f.source,
                f.location.as_ref().map(|l| l.line),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            // Points at what the manifest says instead.
            (
                "WHARF-ECR-002",
                "ecr.repository.shop/web",
                Source::Live,
                Some(5)
            ),
            (
                "WHARF-ECR-002",
                "ecr.repository.shop/old",
                Source::Live,
                None
            ),
        ]
    );
    assert!(
        report.findings[0]
            .message
            .starts_with("In AWS, repository `shop/web`")
    );
    assert!(report.live);
}

#[test]
fn a_live_finding_the_manifest_already_reports_is_not_repeated() {
    let src = repo(
        "    imageTagMutability: MUTABLE\n    scanOnPush: true\n    lifecycle: [ { untagged: true, expireAfterDays: 14 } ]\n",
    );
    let mut live = LiveSnapshot::default();
    live.repositories.insert(
        "shop/web".into(),
        live_repository("shop/web", "MUTABLE", Some("shop")),
    );
    let report = run(&src, Some(&live), None);
    assert_eq!(report.findings.len(), 1);
    assert_eq!(report.findings[0].source, Source::Manifest);
}

#[test]
fn live_task_definitions_services_and_keys() {
    let src = format!(
        "{}lint: {{ requireKms: true }}\n{}  clusters: {{ shop: {{}} }}\n  services:\n    web:\n      cluster: shop\n      taskDefinition: web\n",
        repo(&format!(
            "{CLEAN_REPOSITORY}    encryption: {{ type: KMS, kmsKey: alias/shop }}\n"
        )),
        task("", READ_ONLY).trim_start_matches(HEAD)
    );
    let mut live = LiveSnapshot::default();
    let mut repository = live_repository("shop/web", "IMMUTABLE", Some("shop"));
    repository.encryption_type = "KMS".into();
    repository.kms_key = Some("arn:aws:kms:eu-west-1:123456789012:key/1".into());
    live.repositories.insert("shop/web".into(), repository);
    live.kms_keys.insert(
        "arn:aws:kms:eu-west-1:123456789012:key/1".into(),
        KmsKey {
            key_arn: "arn:aws:kms:eu-west-1:123456789012:key/1".into(),
            aws_managed: true,
        },
    );
    live.task_definitions.insert(
        "web".into(),
        LiveTaskDefinition {
            family: "web".into(),
            document: json!({
                "family": "web",
                "containerDefinitions": [
                    {"name": "sidecar", "image": "busybox", "readonlyRootFilesystem": true},
                    {"name": "web", "image": "nginx:1.27", "privileged": true, "readonlyRootFilesystem": true}
                ]
            }),
            ..LiveTaskDefinition::default()
        },
    );
    live.services.insert(
        "web".into(),
        LiveService {
            name: "web".into(),
            status: "ACTIVE".into(),
            document: json!({"networkConfiguration": {"awsvpcConfiguration": {"assignPublicIp": "ENABLED"}}}),
            ..LiveService::default()
        },
    );
    let report = run(&src, Some(&live), None);
    let got: Vec<(&str, Option<usize>)> = report
        .findings
        .iter()
        .map(|f| (f.rule.id, f.location.as_ref().map(|l| l.line)))
        .collect();
    assert_eq!(
        got,
        [
            // The key AWS resolved alias/shop to is AWS-managed: at the manifest's encryption.
            ("WHARF-ECR-005", Some(8)),
            // The privileged container is found by name: the manifest's `web` container.
            ("WHARF-ECS-001", Some(14)),
            ("WHARF-ECS-006", Some(20)),
        ]
    );
}

#[test]
fn lines_and_columns_count_characters() {
    let sources = Sources::single("w.yaml", "a: é\nbé: x\n");
    let at = |offset, len| location(&sources, Span::new(offset, len)).unwrap();
    assert_eq!(
        (at(3, 2).line, at(3, 2).column, at(3, 2).end_column),
        (1, 4, 5)
    );
    let x = "a: é\nbé: ".len();
    assert_eq!((at(x, 1).line, at(x, 1).column), (2, 5));
    assert!(location(&sources, Span::UNKNOWN).is_none());
}

fn sample_report() -> Report {
    let src = format!(
        "{}lint: {{ failOn: critical }}\n",
        repo(
            "    imageTagMutability: MUTABLE\n    scanOnPush: false\n    lint: { suppress: [ { id: WHARF-ECR-004, reason: rebuilt nightly } ] }\n"
        )
    );
    run(&src, None, None)
}

#[test]
fn text_report() {
    insta::assert_snapshot!(text::render(&sample_report(), false));
}

#[test]
fn json_report() {
    insta::assert_snapshot!(json::render(&sample_report()));
}

#[test]
fn sarif_report_marks_suppressions() {
    let sarif: serde_json::Value =
        serde_json::from_str(&sarif::render(&sample_report(), &|f| f.to_string())).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    let suppressed: Vec<&serde_json::Value> = results
        .iter()
        .filter(|r| r.get("suppressions").is_some())
        .collect();
    assert_eq!(suppressed.len(), 1);
    assert_eq!(suppressed[0]["ruleId"], "WHARF-ECR-004");
    assert_eq!(
        suppressed[0]["suppressions"][0]["justification"],
        "rebuilt nightly"
    );
    assert_eq!(
        sarif["runs"][0]["tool"]["driver"]["rules"]
            .as_array()
            .unwrap()
            .len(),
        rules::RULES.len()
    );
}

#[test]
fn images_in_use_a_rule_in_place_would_expire_are_found_at_the_rules() {
    let src = "version: 1\nstack: shop\nrepositories:\n  shop/web:\n    imageTagMutability: IMMUTABLE\n    scanOnPush: true\n    lifecycle: [{ tagPrefixes: [v], keepLast: 1 }]\n";
    let m = loaded(src);
    let live = LiveSnapshot::default();
    let threatened = vec![(
        "shop/web".to_string(),
        vec![crate::plan::InUseImage {
            digest: "sha256:0123456789abcdef0123".to_string(),
            tags: vec!["v1".to_string()],
            rule_priority: 1,
            action: "expire".to_string(),
            used_by: vec!["ecs.service.web (web:3)".to_string()],
        }],
    )];
    let report = lint(&Input {
        manifest: &m.manifest,
        spans: &m.spans,
        sources: &m.sources,
        live: Some(&live),
        in_use: &threatened,
        options: Options::new(&m.manifest, None),
    });
    let finding = report
        .findings
        .iter()
        .find(|f| f.rule.id == "WHARF-ECR-007")
        .expect("the in-use finding");
    assert_eq!(finding.address, "ecr.repository.shop/web");
    assert!(finding.message.contains("lifecycle rule 1 in place would expire image sha256:0123456789ab (v1), which ecs.service.web (web:3) uses"), "{}", finding.message);
    let span = finding.span.expect("at the manifest");
    assert_eq!(&src[span.offset..span.offset + span.len], "lifecycle");
}

#[test]
fn a_policy_scope_still_v1_is_found_with_live_state_only() {
    let src = format!(
        "{HEAD}registry:\n  policy:\n    Version: \"2012-10-17\"\n    Statement:\n      - Effect: Allow\n        Principal: {{ AWS: \"arn:aws:iam::210987654321:root\" }}\n        Action: [ecr:ReplicateImage]\n        Resource: \"*\"\n"
    );
    let scope = |value: &str| LiveSnapshot {
        registry: crate::live::LiveRegistry {
            account_settings: Some(BTreeMap::from([(
                "REGISTRY_POLICY_SCOPE".to_string(),
                value.to_string(),
            )])),
            ..Default::default()
        },
        ..LiveSnapshot::default()
    };
    let ids =
        |report: &Report| -> Vec<&str> { report.findings.iter().map(|f| f.rule.id).collect() };
    assert!(
        !ids(&run(&src, None, None)).contains(&"WHARF-ECR-009"),
        "the manifest alone cannot tell"
    );
    assert!(!ids(&run(&src, Some(&scope("V2")), None)).contains(&"WHARF-ECR-009"));
    let report = run(&src, Some(&scope("V1")), None);
    let finding = report
        .findings
        .iter()
        .find(|f| f.rule.id == "WHARF-ECR-009")
        .expect("V1 is found");
    let span = finding.span.expect("at the policy");
    assert_eq!(&src[span.offset..span.offset + span.len], "policy");
}
