//! The example CI workflows under `examples/ci/` and `examples/fleet/` parse as YAML,
//! authenticate with OIDC, use wharf the way the README says, and pass actionlint
//! (installed by scripts/ensure-actionlint; required when CI=true, skipped with a note
//! otherwise). The fleet's sharded drift check (GitHub Actions matrix, Kubernetes Indexed
//! Job) covers every shard exactly once and merges the shards' reports.

use std::path::{Path, PathBuf};

fn dir(sub: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/ci")
        .join(sub)
}

fn parse(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).expect("read");
    serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn fleet_dir(sub: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/fleet")
        .join(sub)
}

/// The `.yml` files of a directory, sorted.
fn yml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml"))
        .collect();
    files.sort();
    files
}

fn workflows() -> Vec<PathBuf> {
    yml_files(&dir("github-actions"))
}

fn fleet_workflows() -> Vec<PathBuf> {
    yml_files(&fleet_dir("github-actions"))
}

/// Every `run:` script and `uses:` of a workflow, in order.
fn steps(workflow: &serde_json::Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for job in workflow["jobs"].as_object().expect("jobs").values() {
        for step in job["steps"].as_array().expect("steps") {
            out.push((
                step["uses"].as_str().unwrap_or_default().to_string(),
                step["run"].as_str().unwrap_or_default().to_string(),
            ));
        }
    }
    out
}

#[test]
fn the_three_github_workflows_plan_apply_and_watch_for_drift_with_oidc() {
    let files = workflows();
    let names: Vec<_> = files
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        ["wharf-apply.yml", "wharf-drift.yml", "wharf-plan.yml"]
    );
    for file in &files {
        let workflow = parse(file);
        assert_eq!(
            workflow["permissions"]["id-token"],
            "write",
            "{}: OIDC needs id-token: write",
            file.display()
        );
        let steps = steps(&workflow);
        assert!(
            steps
                .iter()
                .any(|(uses, _)| uses.starts_with("aws-actions/configure-aws-credentials@")),
            "{}: authenticates with configure-aws-credentials",
            file.display()
        );
        let scripts: String = steps.iter().map(|(_, run)| run.as_str()).collect();
        let expected = match file.file_name().unwrap().to_str().unwrap() {
            "wharf-plan.yml" => "wharf plan --detailed-exitcode --format markdown --out plan.json",
            "wharf-apply.yml" => "wharf apply reviewed/plan.json --auto-approve",
            _ => "wharf drift --format markdown",
        };
        assert!(scripts.contains(expected), "{}: {scripts}", file.display());
    }
    let plan = parse(&dir("github-actions").join("wharf-plan.yml"));
    assert!(plan["on"]["pull_request"].is_object());
    let drift = parse(&dir("github-actions").join("wharf-drift.yml"));
    assert!(drift["on"]["schedule"][0]["cron"].is_string());
    let apply = parse(&dir("github-actions").join("wharf-apply.yml"));
    assert_eq!(apply["on"]["push"]["branches"][0], "main");
}

#[test]
fn the_gitlab_pipeline_parses_and_has_the_three_jobs() {
    let pipeline = parse(&dir("gitlab").join(".gitlab-ci.yml"));
    for job in ["plan", "apply", "drift"] {
        assert!(pipeline[job]["script"].is_array(), "{job}");
    }
    assert!(pipeline[".aws"]["id_tokens"]["AWS_ID_TOKEN"].is_object());
}

#[test]
fn the_github_workflows_pass_actionlint() {
    let actionlint = std::env::var_os("WHARF_ACTIONLINT")
        .map(PathBuf::from)
        .or_else(|| {
            let local = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/actionlint");
            local.exists().then_some(local)
        });
    let Some(actionlint) = actionlint else {
        assert!(
            std::env::var_os("CI").is_none(),
            "actionlint is missing: scripts/test installs it (scripts/ensure-actionlint)"
        );
        eprintln!("actionlint not installed; run scripts/ensure-actionlint to check the workflows");
        return;
    };
    let out = std::process::Command::new(&actionlint)
        .args(["-no-color"])
        .args(workflows())
        .args(fleet_workflows())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", actionlint.display()));
    assert!(
        out.status.success(),
        "actionlint:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Every `run:` script of one job, joined.
fn job_scripts(job: &serde_json::Value) -> String {
    job["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .filter_map(|step| step["run"].as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The `I` and `N` of every `--shard I/N` in `script`, as written (`I` may be an
/// expression such as `${{ matrix.shard }}` or `"$shard`).
fn shard_args(script: &str) -> Vec<(String, u64)> {
    script
        .split("--shard ")
        .skip(1)
        .map(|rest| {
            let line = rest.lines().next().unwrap_or_default();
            let (index, count) = line
                .split_once('/')
                .unwrap_or_else(|| panic!("--shard {line}: no I/N"));
            let digits: String = count.chars().take_while(|c| c.is_ascii_digit()).collect();
            let count: u64 = digits
                .parse()
                .unwrap_or_else(|e| panic!("--shard {line}: N is not a number: {e}"));
            (index.trim().to_string(), count)
        })
        .collect()
}

#[test]
fn the_fleet_workflows_plan_and_watch_for_drift_with_oidc() {
    let files = fleet_workflows();
    let names: Vec<_> = files
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["fleet-drift.yml", "fleet-plan.yml"]);
    for file in &files {
        let workflow = parse(file);
        assert_eq!(
            workflow["permissions"]["id-token"],
            "write",
            "{}: OIDC needs id-token: write",
            file.display()
        );
        let steps = steps(&workflow);
        assert!(
            steps
                .iter()
                .any(|(uses, _)| uses.starts_with("aws-actions/configure-aws-credentials@")),
            "{}: authenticates with configure-aws-credentials",
            file.display()
        );
    }
    let plan = parse(&fleet_dir("github-actions").join("fleet-plan.yml"));
    assert!(plan["on"]["pull_request"].is_object());
    assert_eq!(plan["permissions"]["pull-requests"], "write");
    let steps = steps(&plan);
    let scripts: String = steps.iter().map(|(_, run)| run.as_str()).collect();
    assert!(
        scripts.contains(
            "wharf fleet plan -f examples/fleet/fleet.yaml --format markdown --detailed-exitcode"
        ),
        "{scripts}"
    );
    // The comment is found again by the report's first line.
    let comment = plan["jobs"]["plan"]["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .find(|step| {
            step["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("actions/github-script@"))
        })
        .expect("a github-script step posts the comment");
    let script = comment["with"]["script"].as_str().expect("script");
    assert!(script.contains("<!-- wharf:fleet-plan "), "{script}");
    assert!(script.contains("updateComment"), "{script}");
}

#[test]
fn the_fleet_drift_workflow_covers_every_shard_once_and_merges_their_reports() {
    let workflow = parse(&fleet_dir("github-actions").join("fleet-drift.yml"));
    assert!(workflow["on"]["schedule"][0]["cron"].is_string());
    let jobs = workflow["jobs"].as_object().expect("jobs");
    let (shard_job, shards) = jobs
        .iter()
        .find(|(_, job)| job_scripts(job).contains("wharf fleet drift"))
        .expect("a job runs wharf fleet drift");
    assert_eq!(
        shards["strategy"]["fail-fast"], false,
        "one shard must not cancel the others"
    );
    let mut matrix: Vec<u64> = shards["strategy"]["matrix"]["shard"]
        .as_array()
        .expect("strategy.matrix.shard")
        .iter()
        .map(|v| v.as_u64().expect("a shard number"))
        .collect();
    matrix.sort_unstable();
    let script = job_scripts(shards);
    let args = shard_args(&script);
    assert_eq!(args.len(), 1, "{script}");
    let (index, count) = &args[0];
    assert_eq!(index, "${{ matrix.shard }}");
    assert_eq!(
        matrix,
        (1..=*count).collect::<Vec<_>>(),
        "the matrix must hold every shard 1..{count} once"
    );
    assert!(
        script.contains("--report shard-${{ matrix.shard }}.json"),
        "{script}"
    );
    // Drift (exit 2) must not lose the report: the upload runs whatever the step did.
    let upload = shards["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .find(|step| {
            step["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("actions/upload-artifact@"))
        })
        .expect("the shard uploads its report");
    assert!(
        upload["if"]
            .as_str()
            .is_some_and(|c| c.contains("always()")),
        "{upload}"
    );

    let (_, report) = jobs
        .iter()
        .find(|(_, job)| job_scripts(job).contains("wharf fleet report"))
        .expect("a job runs wharf fleet report");
    let needs: Vec<&str> = match &report["needs"] {
        serde_json::Value::String(one) => vec![one.as_str()],
        serde_json::Value::Array(many) => many.iter().filter_map(|v| v.as_str()).collect(),
        other => panic!("needs: {other}"),
    };
    assert!(needs.contains(&shard_job.as_str()), "{needs:?}");
    assert!(
        report["if"]
            .as_str()
            .is_some_and(|c| c.contains("always()")),
        "the report job runs whatever became of the shards"
    );
    let merge = job_scripts(report);
    assert!(merge.contains("--format markdown"), "{merge}");
    assert!(merge.contains("$GITHUB_STEP_SUMMARY"), "{merge}");
    assert!(merge.contains("exit \"$code\""), "{merge}");
}

#[test]
fn the_fleet_drift_cronjob_is_an_indexed_job_with_one_pod_per_shard() {
    let path = fleet_dir("kubernetes").join("fleet-drift-cronjob.yaml");
    let text = std::fs::read_to_string(&path).expect("read");
    let docs: Vec<serde_json::Value> =
        serde_saphyr::from_multiple(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    /// Every command line of a CronJob's pods, joined.
    fn commands(cronjob: &serde_json::Value) -> String {
        let mut lines = Vec::new();
        let containers = &cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"];
        for container in containers.as_array().expect("containers") {
            for key in ["command", "args"] {
                for word in container[key].as_array().into_iter().flatten() {
                    lines.push(word.as_str().unwrap_or_default().to_string());
                }
            }
        }
        lines.join("\n")
    }
    let cronjobs: Vec<&serde_json::Value> =
        docs.iter().filter(|d| d["kind"] == "CronJob").collect();
    let drift = cronjobs
        .iter()
        .find(|c| commands(c).contains("wharf fleet drift"))
        .expect("a CronJob runs wharf fleet drift");
    assert_eq!(drift["apiVersion"], "batch/v1");
    assert!(drift["spec"]["schedule"].is_string());
    assert_eq!(drift["spec"]["concurrencyPolicy"], "Forbid");
    let job = &drift["spec"]["jobTemplate"]["spec"];
    assert_eq!(job["completionMode"], "Indexed");
    let script = commands(drift);
    let args = shard_args(&script);
    assert_eq!(args.len(), 1, "{script}");
    let (_, count) = &args[0];
    assert_eq!(
        job["completions"].as_u64(),
        Some(*count),
        "completions must equal the N of --shard I/N"
    );
    assert_eq!(job["parallelism"].as_u64(), Some(*count));
    assert!(script.contains("JOB_COMPLETION_INDEX"), "{script}");
    assert!(script.contains("--report"), "{script}");
    let pod = &job["template"]["spec"];
    assert_eq!(pod["restartPolicy"], "Never");
    // Credentials through IRSA: the pods' service account names the role to assume.
    let account = pod["serviceAccountName"]
        .as_str()
        .expect("serviceAccountName");
    let service_account = docs
        .iter()
        .find(|d| d["kind"] == "ServiceAccount" && d["metadata"]["name"] == account)
        .expect("the service account is declared");
    assert!(
        service_account["metadata"]["annotations"]["eks.amazonaws.com/role-arn"]
            .as_str()
            .is_some_and(|arn| arn.starts_with("arn:aws:iam::")),
        "{service_account}"
    );
    assert!(
        cronjobs
            .iter()
            .any(|c| commands(c).contains("wharf fleet report /reports/shard-")),
        "a CronJob merges the shards' reports"
    );
}

#[test]
fn the_fleet_example_validates_without_calling_aws() {
    let out = assert_cmd::Command::cargo_bin("wharf")
        .expect("binary")
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("NO_COLOR", "1")
        .args(["fleet", "validate", "-f"])
        .arg(fleet_dir("fleet.yaml"))
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(fleet_dir("fleet.yaml")).expect("read");
    assert!(
        text.starts_with("# yaml-language-server: $schema=../../schemas/fleet.schema.json\n"),
        "fleet.yaml must start with the yaml-language-server schema line"
    );
}
