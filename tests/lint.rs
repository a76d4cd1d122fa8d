//! `wharf lint`: the real binary over manifests (findings with their places in text and
//! JSON, SARIF checked against the official SARIF 2.1.0 schema, exit codes by threshold,
//! suppressions), and with `--live` against a private moto server, where drift made
//! through the SDK shows up as a live finding.

mod common;

use assert_cmd::Command;
use aws_sdk_ecr::types::ImageTagMutability;
use common::{Moto, yaml};
use serde_json::Value;
use std::path::Path;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The binary with a clean environment and no colour, run from `dir`; no AWS needed.
fn wharf(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("wharf").expect("the wharf binary");
    cmd.current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("NO_COLOR", "1");
    cmd
}

/// Runs wharf in `dir`; returns (exit code, stdout, stderr).
fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = wharf(dir).args(args).output().expect("wharf runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Writes `manifest` as wharf.yaml in a fresh directory.
fn project(manifest: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temp dir");
    std::fs::write(dir.path().join("wharf.yaml"), yaml(manifest)).expect("write manifest");
    dir
}

fn json(stdout: &str) -> Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{stdout}"))
}

/// One repository whose only finding is mutable tags (medium).
const MEDIUM_ONLY: &str = r#"
    version: 1
    stack: shop
    repositories:
      shop/web:
        imageTagMutability: MUTABLE
        scanOnPush: true
        lifecycle: [ { untagged: true, expireAfterDays: 14 } ]
"#;

#[test]
fn text_report_of_the_example_names_each_finding_at_its_line() {
    let (code, stdout, _) = run(root(), &["lint", "-f", "examples/lint.yaml"]);
    assert_eq!(code, 3, "{stdout}");
    insta::assert_snapshot!(stdout);
}

#[test]
fn json_report_of_the_example() {
    let (code, stdout, _) = run(
        root(),
        &["lint", "-f", "examples/lint.yaml", "--format", "json"],
    );
    assert_eq!(code, 3);
    let report = json(&stdout);
    assert_eq!(report["formatVersion"], 1);
    assert_eq!(report["failOn"], "high");
    let public = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "WHARF-ECR-001")
        .unwrap();
    assert_eq!(public["id"], "WHARF-ECR-001");
    assert_eq!(public["severity"], "critical");
    assert_eq!(public["address"], "ecr.repository.demo/public");
    assert_eq!(public["location"]["file"], "examples/lint.yaml");
    assert_eq!(public["location"]["line"], 36);
    assert_eq!(
        public["controls"]["checkov"],
        serde_json::json!(["CKV_AWS_32"])
    );
    assert_eq!(
        report["summary"],
        serde_json::json!({"critical": 1, "high": 2, "medium": 0, "low": 1, "suppressed": 2, "failing": 3})
    );
    insta::assert_json_snapshot!(report);
}

#[test]
fn sarif_report_is_valid_sarif_2_1_0() {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("tests/fixtures/sarif-schema-2.1.0.json"))
            .expect("the vendored schema"),
    )
    .expect("the schema is JSON");
    let validator = jsonschema::draft4::new(&schema).expect("the SARIF schema compiles");

    let (code, stdout, _) = run(
        root(),
        &["lint", "-f", "./examples/lint.yaml", "--format", "sarif"],
    );
    assert_eq!(code, 3);
    let sarif = json(&stdout);
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "SARIF does not validate:\n{}",
        errors.join("\n")
    );

    let run = &sarif["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), 17);
    let ecr2 = rules.iter().find(|r| r["id"] == "WHARF-ECR-002").unwrap();
    assert_eq!(ecr2["properties"]["security-severity"], "5.5");
    assert!(
        ecr2["properties"]["tags"]
            .as_array()
            .unwrap()
            .contains(&"security-hub/ECR.2".into())
    );
    assert!(
        ecr2["help"]["text"]
            .as_str()
            .unwrap()
            .contains("CKV_AWS_51")
    );
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 6);
    let public = results
        .iter()
        .find(|r| r["ruleId"] == "WHARF-ECR-001")
        .unwrap();
    assert_eq!(public["ruleId"], "WHARF-ECR-001");
    assert_eq!(public["level"], "error");
    let location = &public["locations"][0]["physicalLocation"];
    // Relative to the working directory, without `./`.
    assert_eq!(location["artifactLocation"]["uri"], "examples/lint.yaml");
    assert_eq!(location["region"]["startLine"], 36);
    assert_eq!(location["region"]["startColumn"], 22);
    let suppressed: Vec<&Value> = results
        .iter()
        .filter(|r| r.get("suppressions").is_some())
        .collect();
    assert_eq!(suppressed.len(), 2);
    assert_eq!(suppressed[0]["suppressions"][0]["kind"], "inSource");
    assert!(
        suppressed[0]["suppressions"][0]["justification"]
            .as_str()
            .unwrap()
            .contains("build cache")
    );

    // The check is real: a SARIF the schema forbids is caught.
    let mut broken = sarif.clone();
    broken["runs"][0]["results"][0]["level"] = "fatal".into();
    assert!(!validator.is_valid(&broken));
}

#[test]
fn exit_codes_follow_the_threshold() {
    let dir = project(MEDIUM_ONLY);
    let code = |args: &[&str]| run(dir.path(), args).0;
    assert_eq!(
        code(&["lint"]),
        0,
        "medium is below the default threshold (high)"
    );
    assert_eq!(code(&["lint", "--fail-on", "medium"]), 3);
    assert_eq!(code(&["lint", "--fail-on", "low"]), 3);
    assert_eq!(code(&["lint", "--fail-on", "critical"]), 0);
    assert_eq!(code(&["lint", "--fail-on", "none"]), 0);
    let (_, stdout, _) = run(dir.path(), &["lint", "--fail-on", "medium"]);
    assert!(
        stdout.ends_with(
            "1 finding (0 critical, 0 high, 1 medium, 0 low); 1 at or above medium: failing.\n"
        ),
        "{stdout}"
    );

    // The manifest sets the threshold; the flag overrides it.
    let strict = project(&format!("{MEDIUM_ONLY}    lint: {{ failOn: medium }}\n"));
    assert_eq!(run(strict.path(), &["lint"]).0, 3);
    assert_eq!(run(strict.path(), &["lint", "--fail-on", "high"]).0, 0);

    // A bad flag is a usage error (1), never mistaken for findings.
    assert_eq!(code(&["lint", "--fail-on", "severe"]), 1);
}

#[test]
fn a_suppressed_finding_is_listed_with_its_reason_and_does_not_fail() {
    let dir = project(&format!(
        "{MEDIUM_ONLY}        lint:\n          suppress:\n            - id: WHARF-ECR-002\n              reason: dev tags move on purpose\n"
    ));
    let (code, stdout, _) = run(dir.path(), &["lint", "--fail-on", "low"]);
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("Suppressed (1):\n  WHARF-ECR-002  ecr.repository.shop/web  wharf.yaml:5:25\n    reason: dev tags move on purpose\n"), "{stdout}");
    assert!(
        stdout.ends_with("No findings, 1 suppressed; none at or above low.\n"),
        "{stdout}"
    );
    let report = json(&run(dir.path(), &["lint", "--format", "json"]).1);
    assert_eq!(
        report["findings"][0]["suppressed"]["reason"],
        "dev tags move on purpose"
    );
    assert_eq!(report["summary"]["suppressed"], 1);
}

#[test]
fn a_bad_suppression_is_a_located_error() {
    let dir = project(&format!(
        "{MEDIUM_ONLY}        lint:\n          suppress:\n            - {{ id: WHARF-ECR-02, reason: typo }}\n"
    ));
    for command in [&["validate"][..], &["lint"][..]] {
        let (code, _, stderr) = run(dir.path(), command);
        assert_eq!(code, 1);
        assert!(
            stderr.contains("unknown lint rule `WHARF-ECR-02`"),
            "{stderr}"
        );
        assert!(stderr.contains("wharf.yaml:10:17"), "{stderr}");
        assert!(stderr.contains("did you mean `WHARF-ECR-002`?"), "{stderr}");
    }
}

#[test]
fn environment_files_keep_their_own_locations() {
    let dir = project(MEDIUM_ONLY);
    std::fs::write(
        dir.path().join("prod.yaml"),
        "repositories:\n  shop/web:\n    scanOnPush: false\n",
    )
    .unwrap();
    let report = json(
        &run(
            dir.path(),
            &[
                "lint",
                "-f",
                "wharf.yaml",
                "-f",
                "prod.yaml",
                "--format",
                "json",
            ],
        )
        .1,
    );
    let places: Vec<(String, String, u64)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["id"].as_str().unwrap().to_string(),
                f["location"]["file"].as_str().unwrap().to_string(),
                f["location"]["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        places,
        [
            ("WHARF-ECR-002".to_string(), "wharf.yaml".to_string(), 5),
            ("WHARF-ECR-003".to_string(), "prod.yaml".to_string(), 3),
        ]
    );
}

const LIVE: &str = r#"
    version: 1
    stack: shop
    repositories:
      shop/web:
        imageTagMutability: IMMUTABLE
        scanOnPush: true
        lifecycle: [ { untagged: true, expireAfterDays: 14 } ]
      shop/old:
        imageTagMutability: IMMUTABLE
        scanOnPush: true
        lifecycle: [ { untagged: true, expireAfterDays: 14 } ]
"#;

#[tokio::test(flavor = "multi_thread")]
async fn live_findings_show_drift_made_out_of_band() {
    let moto = Moto::start();
    moto.manifest(&yaml(LIVE));
    moto.apply(&[]);
    let out = moto.expect(&["lint", "--live", "--fail-on", "low"], 0);
    assert!(
        out.contains("No findings in the manifest and live AWS; none at or above low."),
        "{out}"
    );

    // Someone makes the tags mutable by hand, and shop/old leaves the manifest.
    let ecr = moto.ecr().await;
    for name in ["shop/web", "shop/old"] {
        ecr.put_image_tag_mutability()
            .repository_name(name)
            .image_tag_mutability(ImageTagMutability::Mutable)
            .send()
            .await
            .unwrap();
    }
    let without_old = yaml(LIVE);
    let without_old = &without_old[..without_old.find("  shop/old:").unwrap()];
    moto.manifest(without_old);

    // The manifest alone is clean; the live state is not.
    assert_eq!(moto.run(&["lint", "--fail-on", "low"]).0, 0);
    let (code, stdout, stderr) =
        moto.run(&["lint", "--live", "--fail-on", "medium", "--format", "json"]);
    assert_eq!(code, 3, "{stdout}\n{stderr}");
    let report = json(&stdout);
    assert_eq!(report["live"], true);
    let findings = report["findings"].as_array().unwrap();
    let drifted = &findings[0];
    assert_eq!(drifted["id"], "WHARF-ECR-002");
    assert_eq!(drifted["source"], "live");
    assert_eq!(drifted["address"], "ecr.repository.shop/web");
    assert!(
        drifted["message"]
            .as_str()
            .unwrap()
            .starts_with("In AWS, repository `shop/web`")
    );
    // Where the manifest says otherwise.
    assert_eq!(drifted["location"]["line"], 5);
    // An owned repository the manifest dropped is linted too, with no place in it.
    let dropped: Vec<&Value> = findings
        .iter()
        .filter(|f| f["address"] == "ecr.repository.shop/old")
        .collect();
    assert!(!dropped.is_empty(), "{report:#}");
    assert!(
        dropped
            .iter()
            .all(|f| f["source"] == "live" && f["location"].is_null())
    );

    let (_, text, _) = moto.run(&["lint", "--live", "--fail-on", "medium"]);
    assert!(
        text.contains(
            "MEDIUM   WHARF-ECR-002  ecr.repository.shop/web  (live)\n  --> wharf.yaml:5:25\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("--> not in wharf.yaml (owned by stack `shop`)"),
        "{text}"
    );
}
