//! Fleets against the emulator: three accounts × two regions, each target reached by
//! assuming its role (moto acts in the role's account; the AWS-behaviour layer refuses,
//! as STS does, a role that does not exist or does not trust the caller). Plan, apply,
//! convergence, drift in one target only, failing targets located in the fleet file while
//! the others go on, shards merged into the unsharded report, saved fleet plans.

mod common;

use common::Moto;
use serde_json::Value;

const ACCOUNTS: [&str; 3] = ["111111111111", "222222222222", "333333333333"];
const REGIONS: [&str; 2] = ["eu-west-1", "us-east-1"];

const BASE: &str = "
    version: 1
    stack: shop
    repositories:
      shop/web:
        imageTagMutability: IMMUTABLE
        lifecycle:
          - { untagged: true, expireAfterDays: 14 }
        tags: { env: \"${ENV}\" }
      shop/api: {}
    iam:
      roles:
        shop-pull-${WHARF_REGION}:     # its pull policy names this region's repositories
          assumedBy: [ecs-tasks.amazonaws.com]
          pullFrom: [shop/web, shop/api]
        shop-deploy:                   # the same in every region: one role per account
          assumedBy: [ecs-tasks.amazonaws.com]
          managedPolicies: [arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly]
";

const PROD: &str = "
    repositories:
      shop/web:
        scanOnPush: true
";

/// Six targets: every account in both regions; the third account runs prod.yaml too.
fn six_targets() -> String {
    let mut fleet = String::from(
        "version: 1\ndefaults:\n  manifests: [base.yaml]\n  roleArn: arn:aws:iam::${accountId}:role/wharf-deploy\n  vars: { ENV: dev }\ntargets:\n",
    );
    for (a, account) in ACCOUNTS.iter().enumerate() {
        for region in REGIONS {
            let name = format!("{}-{}", ["a", "b", "c"][a], &region[..2]);
            fleet.push_str(&format!(
                "  {name}:\n    accountId: \"{account}\"\n    region: {region}\n"
            ));
            if a == 2 {
                fleet.push_str("    manifests: [base.yaml, prod.yaml]\n    vars: { ENV: prod }\n");
            }
        }
    }
    fleet
}

/// The trust policy of a deploy role: the caller's account may assume it, with
/// `external_id` when given.
fn trust(external_id: Option<&str>) -> String {
    let condition = external_id
        .map(|id| format!(r#","Condition":{{"StringEquals":{{"sts:ExternalId":"{id}"}}}}"#))
        .unwrap_or_default();
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::123456789012:root"}},"Action":"sts:AssumeRole"{condition}}}]}}"#
    )
}

/// Creates a role in `account` (moto's account header), as a platform team's bootstrap would.
async fn create_role(moto: &Moto, account: &'static str, name: &str, external_id: Option<&str>) {
    moto.iam()
        .await
        .create_role()
        .role_name(name)
        .assume_role_policy_document(trust(external_id))
        .customize()
        .mutate_request(move |request| {
            request.headers_mut().insert("x-moto-account-id", account);
        })
        .send()
        .await
        .unwrap_or_else(|e| panic!("create role {name} in {account}: {e:?}"));
}

/// An ECR client acting in `account` and `region`.
async fn ecr_in(moto: &Moto, region: &str) -> aws_sdk_ecr::Client {
    let config = aws_sdk_ecr::Config::builder()
        .behavior_version(aws_sdk_ecr::config::BehaviorVersion::latest())
        .region(aws_sdk_ecr::config::Region::new(region.to_string()))
        .endpoint_url(&moto.endpoint)
        .credentials_provider(aws_sdk_ecr::config::Credentials::new(
            "testing", "testing", None, None, "test",
        ))
        .build();
    aws_sdk_ecr::Client::from_conf(config)
}

async fn repositories_in(moto: &Moto, account: &'static str, region: &str) -> Vec<String> {
    let out = ecr_in(moto, region)
        .await
        .describe_repositories()
        .customize()
        .mutate_request(move |r| {
            r.headers_mut().insert("x-moto-account-id", account);
        })
        .send()
        .await
        .expect("describe repositories");
    let mut names: Vec<String> = out
        .repositories()
        .iter()
        .filter_map(|r| r.repository_name().map(str::to_string))
        .collect();
    names.sort();
    names
}

fn setup(moto: &Moto, fleet: &str) {
    let dir = moto.dir.path();
    std::fs::write(dir.join("base.yaml"), common::yaml(BASE)).unwrap();
    std::fs::write(dir.join("prod.yaml"), common::yaml(PROD)).unwrap();
    std::fs::write(dir.join("fleet.yaml"), fleet).unwrap();
}

fn report(moto: &Moto, args: &[&str], code: i32) -> Value {
    let (got, stdout, stderr) = moto.run(args);
    assert_eq!(
        got, code,
        "wharf {args:?}\n--- stdout\n{stdout}\n--- stderr\n{stderr}"
    );
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("report JSON: {e}\n{stdout}"))
}

fn statuses(report: &Value) -> Vec<(String, String)> {
    report["targets"]
        .as_array()
        .expect("targets")
        .iter()
        .map(|t| {
            (
                t["name"].as_str().unwrap().to_string(),
                t["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The writes every target's `aws calls:` line counts, added up.
fn fleet_writes(output: &str) -> u64 {
    output
        .lines()
        .filter_map(|l| l.split_once(": aws calls: "))
        .map(|(_, calls)| common::writes_in(&format!("aws calls: {calls}")))
        .sum()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_fleet_plans_applies_converges_and_reports_drift_in_one_target_only() {
    let moto = Moto::start_with_aws_behaviour();
    for account in ACCOUNTS {
        create_role(&moto, account, "wharf-deploy", None).await;
    }
    setup(&moto, &six_targets());

    // Plan: every target has the same changes (the prod one more); nothing written.
    let plan = report(&moto, &["fleet", "plan", "--format", "json"], 0);
    let names: Vec<_> = statuses(&plan).into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["a-eu", "a-us", "b-eu", "b-us", "c-eu", "c-us"]);
    assert!(
        statuses(&plan).iter().all(|(_, s)| s == "changes"),
        "{plan:#}"
    );
    assert_eq!(plan["summary"]["targets"], 6);
    // Three per target, and each account's shared role once.
    assert_eq!(plan["summary"]["changes"]["create"], 21, "{plan:#}");
    let a_us = plan["targets"][1]["plan"].to_string();
    assert!(!a_us.contains("\"iam.role.shop-deploy\""), "{a_us}");
    assert!(
        a_us.contains("iam.role.shop-deploy: shared by every target of this account; target `a-eu` plans and applies it"),
        "{a_us}"
    );
    assert!(a_us.contains("iam.role.shop-pull-us-east-1"), "{a_us}");
    assert_eq!(
        plan["targets"][1]["after"],
        serde_json::json!(["a-eu"]),
        "applied after its role's owner"
    );
    let prod = &plan["targets"][4];
    assert_eq!(prod["accountId"], "333333333333");
    assert_eq!(
        prod["roleArn"], "arn:aws:iam::333333333333:role/wharf-deploy",
        "${{accountId}} is the target's"
    );
    let web = prod["plan"]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["address"] == "ecr.repository.shop/web")
        .unwrap();
    let fields = web["fields"].to_string();
    assert!(
        fields.contains("\"prod\"") && fields.contains("scanOnPush"),
        "{fields}"
    );
    assert!(
        repositories_in(&moto, ACCOUNTS[0], REGIONS[0])
            .await
            .is_empty()
    );
    let (code, _, _) = moto.run(&["fleet", "plan", "--detailed-exitcode"]);
    assert_eq!(code, 2, "changes anywhere give 2 with --detailed-exitcode");

    // A role declared differently by two targets of one account is refused, naming both.
    std::fs::write(
        moto.dir.path().join("base.yaml"),
        common::yaml(&BASE.replace("shop-pull-${WHARF_REGION}", "shop-pull")),
    )
    .unwrap();
    let (code, stdout, stderr) = moto.run(&["fleet", "validate"]);
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    assert!(
        stderr.contains(
            "target `a-us`: it declares iam.role.shop-pull differently from target `a-eu`"
        ),
        "{stderr}"
    );
    assert!(stdout.contains("6 targets: 3 error, 3 valid"), "{stdout}");
    std::fs::write(moto.dir.path().join("base.yaml"), common::yaml(BASE)).unwrap();

    // Apply in waves of two: every account and region holds its repositories after.
    let out = moto.expect(
        &[
            "fleet",
            "apply",
            "--auto-approve",
            "--max-parallel",
            "2",
            "--stats",
        ],
        0,
    );
    assert!(
        out.contains("[c-us] ecr.repository.shop/web created"),
        "{out}"
    );
    assert!(out.contains("6 applied"), "{out}");
    for account in ACCOUNTS {
        for region in REGIONS {
            assert_eq!(
                repositories_in(&moto, account, region).await,
                ["shop/api", "shop/web"],
                "{account} {region}"
            );
        }
    }

    // Converged: the plan is empty everywhere and a second apply writes nothing.
    let plan = report(&moto, &["fleet", "plan", "--format", "json"], 0);
    assert!(
        statuses(&plan).iter().all(|(_, s)| s == "clean"),
        "{plan:#}"
    );
    let out = moto.expect(&["fleet", "apply", "--auto-approve", "--stats"], 0);
    assert!(out.contains("Nothing to apply"), "{out}");
    assert_eq!(fleet_writes(&out), 0, "{out}");
    assert_eq!(out.matches(": aws calls: ").count(), 6, "{out}");
    let drift = report(&moto, &["fleet", "drift", "--format", "json"], 0);
    assert!(statuses(&drift).iter().all(|(_, s)| s == "clean"));

    // Drift in one target only: b-us's web repository made mutable behind wharf's back.
    ecr_in(&moto, "us-east-1")
        .await
        .put_image_tag_mutability()
        .repository_name("shop/web")
        .image_tag_mutability(aws_sdk_ecr::types::ImageTagMutability::Mutable)
        .customize()
        .mutate_request(|r| {
            r.headers_mut().insert("x-moto-account-id", "222222222222");
        })
        .send()
        .await
        .expect("drift");
    let drift = report(&moto, &["fleet", "drift", "--format", "json"], 2);
    let drifted: Vec<_> = statuses(&drift)
        .into_iter()
        .filter(|(_, s)| s != "clean")
        .collect();
    assert_eq!(drifted, [("b-us".to_string(), "drift".to_string())]);
    assert_eq!(drift["summary"]["statuses"]["clean"], 5);
    let text = moto.expect(&["fleet", "drift"], 2);
    assert!(
        text.contains("== b-us (account 222222222222, us-east-1): drift"),
        "{text}"
    );
    assert!(text.contains("imageTagMutability"), "{text}");
    assert!(text.contains("6 targets: 5 clean, 1 drift"), "{text}");
    let comment = moto.expect(&["fleet", "drift", "--format", "markdown"], 2);
    assert!(
        comment.starts_with("<!-- wharf:fleet-drift fleet=fleet.yaml -->"),
        "{comment}"
    );
    assert!(comment.contains("<b>b-us</b>"), "{comment}");
    assert!(
        !comment.contains("<b>a-eu</b>"),
        "clean targets have no section: {comment}"
    );
    assert!(
        comment.contains("| `a-eu` | 111111111111 | eu-west-1 | clean |"),
        "{comment}"
    );

    // Shards: every target in exactly one shard, and the merged report is the unsharded one.
    let mut files = Vec::new();
    let mut seen = Vec::new();
    for shard in 1..=4 {
        let file = format!("shard-{shard}.json");
        let part = report(
            &moto,
            &[
                "fleet",
                "drift",
                "--shard",
                &format!("{shard}/4"),
                "--report",
                &file,
            ],
            if shard == 4 { 2 } else { 0 },
        );
        assert_eq!(part["shard"]["index"], shard);
        seen.extend(statuses(&part).into_iter().map(|(n, _)| n));
        files.push(file);
    }
    seen.sort();
    assert_eq!(seen, ["a-eu", "a-us", "b-eu", "b-us", "c-eu", "c-us"]);
    let mut args = vec!["fleet", "report", "--format", "json"];
    args.extend(files.iter().map(String::as_str));
    let merged = report(&moto, &args, 2);
    assert_eq!(merged, drift, "the merged shards are the unsharded report");
    let mut args = vec!["fleet", "report"];
    args.extend(files[..3].iter().map(String::as_str));
    let (code, _, stderr) = moto.run(&args);
    assert_eq!(code, 1);
    assert!(stderr.contains("shard 4/4 is missing"), "{stderr}");

    // Repaired by an apply of that target alone.
    moto.expect(
        &["fleet", "apply", "--auto-approve", "--target-name", "b-u*"],
        0,
    );
    report(&moto, &["fleet", "drift", "--format", "json"], 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn failing_targets_are_located_in_the_fleet_file_and_the_others_go_on() {
    let moto = Moto::start_with_aws_behaviour();
    create_role(&moto, ACCOUNTS[0], "wharf-deploy", None).await;
    create_role(&moto, ACCOUNTS[1], "wharf-deploy", Some("shop-7f3a")).await;
    create_role(&moto, ACCOUNTS[2], "wharf-deploy", None).await;
    let fleet = "\
version: 1
defaults:
  manifests: [base.yaml]
  roleArn: arn:aws:iam::${accountId}:role/wharf-deploy
  vars: { ENV: dev }
targets:
  good:
    accountId: \"111111111111\"
    region: eu-west-1
  no-role:
    accountId: \"111111111111\"
    region: us-east-1
    roleArn: arn:aws:iam::111111111111:role/missing
  wrong-id:
    accountId: \"222222222222\"
    region: eu-west-1
    externalId: not-the-one
  right-id:
    accountId: \"222222222222\"
    region: us-east-1
    externalId: shop-7f3a
  elsewhere:
    accountId: \"444444444444\"
    region: eu-west-1
    roleArn: arn:aws:iam::333333333333:role/wharf-deploy
  broken:
    accountId: \"333333333333\"
    region: us-east-1
    manifests: [broken.yaml]
";
    setup(&moto, fleet);
    std::fs::write(
        moto.dir.path().join("broken.yaml"),
        "version: 1\nstack: shop\nrepositories:\n  shop/web:\n    imageTagMutability: SOMETIMES\n",
    )
    .unwrap();
    let (code, stdout, stderr) = moto.run(&[
        "fleet",
        "plan",
        "--format",
        "json",
        "--target-name",
        "*",
        "--target-name",
        "nope",
    ]);
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    let plan: Value = serde_json::from_str(&stdout).expect("a report despite the errors");
    let by_name = |name: &str| -> &Value {
        plan["targets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == name)
            .unwrap_or_else(|| panic!("{name} in {plan:#}"))
    };
    // The good ones were planned.
    assert_eq!(by_name("good")["status"], "changes");
    assert_eq!(
        by_name("right-id")["status"],
        "changes",
        "the external id matches"
    );
    // Each failure at its line of the fleet file.
    let located = |name: &str, line: u32| {
        let error = &by_name(name)["error"];
        assert_eq!(by_name(name)["status"], "error", "{name}");
        let location = error["location"].as_str().unwrap_or_default();
        assert!(
            location.starts_with(&format!("fleet.yaml:{line}:")),
            "{name}: {location} (want line {line}): {error:#}"
        );
        error["message"].as_str().unwrap().to_string()
    };
    let message = located("no-role", 13);
    assert!(
        message.contains("cannot assume arn:aws:iam::111111111111:role/missing"),
        "{message}"
    );
    assert!(message.contains("AccessDenied"), "{message}");
    let message = located("wrong-id", 4);
    assert!(message.contains("AccessDenied"), "{message}");
    let message = located("elsewhere", 23);
    assert!(message.contains("reach account 333333333333"), "{message}");
    let message = located("broken", 29);
    assert!(message.contains("do not load"), "{message}");
    let details = by_name("broken")["error"]["details"].as_str().unwrap();
    assert!(details.contains("SOMETIMES"), "{details}");
    // The selection's own problem, at `targets:`.
    let errors = plan["errors"].as_array().expect("run errors");
    assert!(errors[0]["message"].as_str().unwrap().contains("`nope`"));
    assert!(
        errors[0]["location"]
            .as_str()
            .unwrap()
            .starts_with("fleet.yaml:6:")
    );
    // The diagnostics on stderr show the lines.
    assert!(stderr.contains("target `no-role`"), "{stderr}");
    assert!(
        stderr.contains("roleArn: arn:aws:iam::111111111111:role/missing"),
        "{stderr}"
    );
    assert!(stderr.contains("SOMETIMES"), "{stderr}");

    // --stop-on-failure: a target that failed to plan stops every wave.
    let out = moto.expect(
        &["fleet", "apply", "--auto-approve", "--stop-on-failure"],
        1,
    );
    assert!(out.contains("good") && out.contains("skipped"), "{out}");
    assert!(
        repositories_in(&moto, ACCOUNTS[0], "eu-west-1")
            .await
            .is_empty()
    );
    // Without it, the good targets are applied and the run still fails.
    let out = moto.expect(&["fleet", "apply", "--auto-approve"], 1);
    assert!(
        out.contains("[good] ecr.repository.shop/web created"),
        "{out}"
    );
    assert_eq!(
        repositories_in(&moto, ACCOUNTS[0], "eu-west-1").await,
        ["shop/api", "shop/web"]
    );
    assert_eq!(
        repositories_in(&moto, ACCOUNTS[1], "us-east-1").await,
        ["shop/api", "shop/web"]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_saved_fleet_plan_applies_what_was_reviewed_and_refuses_stale_targets() {
    let moto = Moto::start_with_aws_behaviour();
    for account in ACCOUNTS {
        create_role(&moto, account, "wharf-deploy", None).await;
    }
    setup(&moto, &six_targets());
    moto.expect(
        &[
            "fleet",
            "plan",
            "--target-name",
            "a-*",
            "--out",
            "fleet.plan.json",
        ],
        0,
    );
    // Someone creates a-us's web repository by hand after the review.
    ecr_in(&moto, "us-east-1")
        .await
        .create_repository()
        .repository_name("shop/web")
        .customize()
        .mutate_request(|r| {
            r.headers_mut().insert("x-moto-account-id", "111111111111");
        })
        .send()
        .await
        .expect("create");
    // The manifest changes after the review too: the saved plan is what is applied.
    std::fs::write(
        moto.dir.path().join("base.yaml"),
        common::yaml(&BASE.replace("shop/api: {}", "shop/api: {}\n      shop/extra: {}")),
    )
    .unwrap();
    let (code, stdout, stderr) = moto.run(&["fleet", "apply", "fleet.plan.json", "--auto-approve"]);
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    assert!(stderr.contains("a-us:"), "{stderr}");
    assert!(
        stdout.contains("AWS moved since the plan was saved"),
        "{stdout}"
    );
    assert!(
        stdout.contains("wharf fleet apply — fleet.yaml"),
        "the report is an apply's: {stdout}"
    );
    assert_eq!(
        repositories_in(&moto, ACCOUNTS[0], "eu-west-1").await,
        ["shop/api", "shop/web"],
        "a-eu applied as reviewed, without the manifest's later shop/extra"
    );
    assert_eq!(
        repositories_in(&moto, ACCOUNTS[0], "us-east-1").await,
        ["shop/web"]
    );
}

#[test]
fn a_bad_fleet_file_is_refused_at_its_lines() {
    let moto = Moto::start();
    // A shape error: the account id as a number (it would lose leading zeros).
    setup(
        &moto,
        "version: 1\ntargets:\n  one:\n    accountId: 111111111111\n    region: eu-west-1\n    manifests: [base.yaml]\n",
    );
    let (code, _, stderr) = moto.run(&["fleet", "validate"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("fleet.yaml:4:16"), "{stderr}");
    // What the schema cannot say, all at once.
    let fleet = "\
version: 1
defaults:
  roleArn: arn:aws:iam::${account}:role/x
targets:
  one:
    accountId: \"111111111111\"
    region: eu-west-1
    manifests: [base.yaml]
  two:
    accountId: \"22222222222\"
    region: Europe
";
    setup(&moto, fleet);
    let (code, _, stderr) = moto.run(&["fleet", "validate"]);
    assert_eq!(code, 1);
    for needle in [
        "fleet.yaml:3:12",
        "`${account}` is not known here",
        "fleet.yaml:10:16",
        "is not an AWS account id",
        "`Europe` is not an AWS region",
        "target `two` has no manifests",
    ] {
        assert!(stderr.contains(needle), "{needle} in\n{stderr}");
    }
    // A valid fleet validates every selected target's manifests without calling AWS.
    setup(&moto, &six_targets());
    let out = moto.expect(&["fleet", "validate", "--target-name", "c-*"], 0);
    assert!(out.contains("2 targets: 2 valid"), "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failure_while_applying_stops_later_waves_only_when_asked() {
    let moto = Moto::start_with_aws_behaviour();
    for account in ACCOUNTS {
        create_role(&moto, account, "wharf-deploy", None).await;
    }
    setup(&moto, &six_targets());
    // Every CreateRepository is throttled until the SDK gives up (one attempt).
    moto.proxy
        .as_ref()
        .expect("proxy")
        .set_faults(common::proxy::Faults {
            throttle_operations: vec!["CreateRepository".to_string()],
            ..Default::default()
        });
    let run = |args: &[&str]| {
        let out = moto
            .wharf()
            .env("WHARF_AWS_MAX_ATTEMPTS", "1")
            .args(args)
            .output()
            .expect("wharf runs");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let (code, out) = run(&[
        "fleet",
        "apply",
        "--auto-approve",
        "--max-parallel",
        "2",
        "--stop-on-failure",
        "--report",
        "apply.json",
    ]);
    assert_eq!(code, 1, "{out}");
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(moto.dir.path().join("apply.json")).unwrap())
            .unwrap();
    assert_eq!(
        statuses(&report),
        [
            ("a-eu".to_string(), "failed".to_string()),
            ("a-us".to_string(), "skipped".to_string()),
            ("b-eu".to_string(), "skipped".to_string()),
            ("b-us".to_string(), "skipped".to_string()),
            ("c-eu".to_string(), "skipped".to_string()),
            ("c-us".to_string(), "skipped".to_string()),
        ],
        "a-us waits for a-eu (which creates the role both declare), so the first wave is a-eu alone; it failed, so no other wave started: {report:#}"
    );
    let failed = &report["targets"][0]["apply"]["failed"][0];
    assert!(
        failed["error"].as_str().unwrap().contains("Throttl"),
        "{failed:#}"
    );
    assert!(
        failed["address"]
            .as_str()
            .unwrap()
            .starts_with("ecr.repository.")
    );
    // Without --stop-on-failure every wave runs, and the run still fails.
    let (code, out) = run(&["fleet", "apply", "--auto-approve", "--max-parallel", "3"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("6 failed"), "{out}");
    assert!(!out.contains("skipped"), "{out}");
}
