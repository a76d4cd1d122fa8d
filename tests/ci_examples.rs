//! The example CI workflows under `examples/ci/` parse as YAML, authenticate with OIDC,
//! use wharf the way the README says, and pass actionlint (installed by
//! scripts/ensure-actionlint; required when CI=true, skipped with a note otherwise).

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

fn workflows() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir("github-actions"))
        .expect("examples/ci/github-actions")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml"))
        .collect();
    files.sort();
    files
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
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", actionlint.display()));
    assert!(
        out.status.success(),
        "actionlint:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
