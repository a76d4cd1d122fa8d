//! The ECR half of the real-world corpus: lifecycle policies and repository policies
//! published by AWS's documentation, the AWS CLI and SDK examples, the Terraform docs and
//! public repositories (tests/fixtures/corpus/ecr, each source and every change in
//! SOURCES.md), written into a manifest exactly as published.
//!
//! Every case has an expected outcome:
//! - `converges`: `validate` passes, `apply` creates the repository with the document,
//!   `plan` is then empty and a second apply makes no write call; and, built by hand (the
//!   SDK's CreateRepository and PutLifecyclePolicy / SetRepositoryPolicy with the published
//!   text), `export` writes a manifest whose `plan --adopt` changes nothing but the
//!   ownership tag;
//! - `refused`: `validate` refuses it with the expected diagnostic, because AWS refuses the
//!   document too (the reason is given with the case);
//! - `blocked`: the emulator cannot hold the document (the moto gap is named); such a case
//!   is counted apart, never as passing.
//!
//! One moto server per group of cases, cases one after the other (each has its own
//! repository names). The test prints the figures and fails listing every case whose
//! outcome differs from the expected one.
//!
//! Run: `WHARF_MOTO_SERVER=$(scripts/ensure-moto) cargo test --test corpus_ecr -- --nocapture`.

mod common;

use common::Moto;
use serde_json::Value;
use std::path::Path;

const STACK: &str = "corpus";
const OWNERSHIP_TAG: &str = "wharf:stack";

#[derive(Clone, Copy, Debug, PartialEq)]
enum Document {
    Lifecycle,
    Policy,
}

impl Document {
    fn folder(self) -> &'static str {
        match self {
            Document::Lifecycle => "lifecycle",
            Document::Policy => "policy",
        }
    }

    /// The manifest key that takes the raw document.
    fn key(self) -> &'static str {
        match self {
            Document::Lifecycle => "lifecyclePolicy",
            Document::Policy => "policy",
        }
    }

    /// A short prefix for repository names.
    fn prefix(self) -> &'static str {
        match self {
            Document::Lifecycle => "lc",
            Document::Policy => "rp",
        }
    }
}

#[derive(Clone, Copy, Debug)]
enum Expected {
    Converges,
    /// `validate` exits 1 with this text in its diagnostics; why AWS refuses it too.
    Refused {
        diagnostic: &'static str,
        because: &'static str,
    },
    /// The emulator cannot hold it: which moto gap.
    #[allow(dead_code)]
    Blocked {
        gap: &'static str,
    },
}

struct Case {
    file: &'static str,
    expected: Expected,
}

const fn converges(file: &'static str) -> Case {
    Case {
        file,
        expected: Expected::Converges,
    }
}

const LIFECYCLE_CASES: &[Case] = &[
    converges("ug-image-age"),
    converges("ug-image-count"),
    converges("ug-multiple-rules-a"),
    converges("ug-multiple-tags-a"),
    converges("ug-all-images-a"),
    converges("ug-all-images-b"),
    converges("ug-current-image-age-tag-pattern"),
    converges("terraform-policy-on-tagged-image"),
    converges("meet302001-environments-and-catch-all"),
    converges("parth-dabhade73-tag-pattern"),
    converges("joash-emmanuel-rules-out-of-order"),
    converges("cmsgov-priority-ten"),
    converges("traveloka-prefixes-then-any"),
    converges("aedificans-four-rules"),
    Case {
        file: "trussworks-tagged-without-list",
        expected: Expected::Refused {
            diagnostic: "tagStatus `tagged` needs a non-empty tagPrefixList or tagPatternList",
            because: "ECR User Guide, Lifecycle policy properties: with tagStatus `tagged` a \
                      tagPrefixList or tagPatternList must be given; PutLifecyclePolicy \
                      answers InvalidParameterException",
        },
    },
];

const POLICY_CASES: &[Case] = &[
    converges("ug-allow-iam-users"),
    converges("ug-allow-another-account"),
    converges("ug-pull-users-and-admin"),
    converges("ug-deny-all"),
    converges("ug-restrict-ip"),
    converges("ug-codebuild-service"),
    converges("ug-2019-allow-all-accounts-pull"),
    converges("ug-2019-restrict-ip-allow"),
    converges("cli-set-repository-policy"),
    converges("api-get-repository-policy"),
    converges("terraform-docs-new-policy"),
    converges("lambda-cross-account"),
    converges("velya-kill-switch-no-version"),
    converges("khanhnd0408-source-account-condition"),
    converges("rbkcbefc-pull-and-push"),
    converges("snyk-goof-deny-delete-policy"),
    converges("scribd-organization-read-only"),
    Case {
        file: "snyk-goof-wildcard-account-principal",
        expected: Expected::Refused {
            diagnostic: "Principal",
            because: "IAM User Guide, AWS JSON policy elements: Principal: a wildcard cannot \
                      match part of a principal ARN (`arn:aws:iam::*:role/AdminRole`); \
                      SetRepositoryPolicy answers InvalidParameterException (invalid \
                      repository policy)",
        },
    },
];

fn fixture(kind: Document, file: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/corpus/ecr")
        .join(kind.folder())
        .join(format!("{file}.json"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A manifest with one repository holding the published text verbatim (a YAML block
/// scalar keeps every character of it).
fn manifest(kind: Document, repository: &str, text: &str) -> String {
    let mut out = format!(
        "version: 1\nstack: {STACK}\nrepositories:\n  {repository}:\n    {}: |\n",
        kind.key()
    );
    for line in text.trim_end_matches('\n').lines() {
        if line.is_empty() {
            out.push('\n');
        } else {
            out.push_str("      ");
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// What happened to one case; `Err` says precisely what differs from the expectation.
#[derive(Debug)]
enum Outcome {
    Converged,
    RefusedCorrectly,
    Blocked,
}

fn run_case(moto: &Moto, kind: Document, case: &Case) -> Result<Outcome, String> {
    let text = fixture(kind, case.file);
    let repository = format!("corpus/{}-{}", kind.prefix(), case.file);
    moto.manifest(&manifest(kind, &repository, &text));
    let (code, stdout, stderr) = moto.run(&["validate"]);
    match case.expected {
        Expected::Refused {
            diagnostic,
            because,
        } => {
            if code == 1 && flattened(&stderr).contains(&flattened(diagnostic)) {
                return Ok(Outcome::RefusedCorrectly);
            }
            return Err(format!(
                "expected `validate` to refuse it with \"{diagnostic}\" ({because}); it exited \
                 {code}\n--- stdout\n{stdout}\n--- stderr\n{stderr}"
            ));
        }
        Expected::Blocked { gap } => {
            // The gap is real only if the emulator refuses what wharf sends.
            let (code, stdout, stderr) = moto.run(&["apply", "--auto-approve"]);
            if code != 0 {
                return Ok(Outcome::Blocked);
            }
            return Err(format!(
                "expected the emulator to refuse it ({gap}), but apply passed\n{stdout}\n{stderr}"
            ));
        }
        Expected::Converges => {}
    }
    if code != 0 {
        return Err(format!(
            "`validate` exited {code}\n--- stdout\n{stdout}\n--- stderr\n{stderr}"
        ));
    }
    let (code, stdout, stderr) = moto.run(&["apply", "--auto-approve", "--stats"]);
    if code != 0 {
        return Err(format!(
            "`apply` exited {code}\n--- stdout\n{stdout}\n--- stderr\n{stderr}"
        ));
    }
    let plan = plan_json(moto, &[])?;
    if !changes(&plan).is_empty() {
        return Err(format!("the plan after apply is not empty:\n{plan:#}"));
    }
    let (code, stdout, stderr) = moto.run(&["apply", "--auto-approve", "--stats"]);
    if code != 0 {
        return Err(format!(
            "the second `apply` exited {code}\n--- stdout\n{stdout}\n--- stderr\n{stderr}"
        ));
    }
    let writes = common::writes_in(&(stdout.clone() + &stderr));
    if writes != 0 {
        return Err(format!(
            "the second apply made {writes} write calls\n{stdout}{stderr}"
        ));
    }
    adopt(moto, kind, case.file, &text)?;
    Ok(Outcome::Converged)
}

/// Diagnostics as one line of words: the terminal report wraps long messages and draws
/// its frame with `│`.
fn flattened(text: &str) -> String {
    text.replace('│', " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn changes(plan: &Value) -> Vec<Value> {
    plan["changes"].as_array().cloned().unwrap_or_default()
}

fn plan_json(moto: &Moto, extra: &[&str]) -> Result<Value, String> {
    let mut args = vec!["plan", "--format", "json"];
    args.extend_from_slice(extra);
    let (code, stdout, stderr) = moto.run(&args);
    if code != 0 {
        return Err(format!(
            "`plan {}` exited {code}\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
            extra.join(" ")
        ));
    }
    serde_json::from_str(&stdout).map_err(|e| format!("plan JSON: {e}\n{stdout}"))
}

/// Built by hand with the published text, exported, then `plan --adopt` must change
/// nothing but the ownership tag.
fn adopt(moto: &Moto, kind: Document, file: &str, text: &str) -> Result<(), String> {
    let repository = format!("adopt/{}-{file}", kind.prefix());
    runtime().block_on(async {
        let ecr = moto.ecr().await;
        ecr.create_repository()
            .repository_name(&repository)
            .send()
            .await
            .map_err(|e| format!("CreateRepository {repository}: {e:?}"))?;
        match kind {
            Document::Lifecycle => ecr
                .put_lifecycle_policy()
                .repository_name(&repository)
                .lifecycle_policy_text(text)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| format!("PutLifecyclePolicy {repository}: {e:?}")),
            Document::Policy => ecr
                .set_repository_policy()
                .repository_name(&repository)
                .policy_text(text)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| format!("SetRepositoryPolicy {repository}: {e:?}")),
        }
    })?;
    let exported = format!("{}-{file}.yaml", kind.prefix());
    let (code, stdout, stderr) = moto.run(&[
        "export",
        "--stack",
        STACK,
        "--repositories",
        &repository,
        "-o",
        &exported,
    ]);
    if code != 0 {
        return Err(format!(
            "`export` exited {code}\n--- stdout\n{stdout}\n--- stderr\n{stderr}"
        ));
    }
    let plan = plan_json(moto, &["--adopt", "-f", &exported])?;
    let manifest_text =
        std::fs::read_to_string(moto.dir.path().join(&exported)).unwrap_or_default();
    let found = changes(&plan);
    let only_the_tag = found.len() == 1
        && found[0]["address"] == format!("ecr.repository.{repository}")
        && found[0]["fields"]
            .as_array()
            .is_some_and(|f| f.len() == 1 && f[0]["path"] == format!("tags.{OWNERSHIP_TAG}"));
    if !only_the_tag {
        return Err(format!(
            "`plan --adopt` of the exported manifest changes more than the ownership tag:\n\
             {plan:#}\n--- exported manifest\n{manifest_text}"
        ));
    }
    Ok(())
}

/// A runtime for the SDK calls of a synchronous case (the wharf runs are processes).
fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("a runtime")
    })
}

/// Runs every case of a group on one emulator, prints the figures, and fails naming each
/// case whose outcome is not the expected one.
fn run_group(kind: Document, cases: &[Case]) {
    let moto = Moto::start();
    let (mut converged, mut refused, mut blocked) = (0, 0, 0);
    let mut failures = Vec::new();
    for case in cases {
        match run_case(&moto, kind, case) {
            Ok(Outcome::Converged) => converged += 1,
            Ok(Outcome::RefusedCorrectly) => refused += 1,
            Ok(Outcome::Blocked) => blocked += 1,
            Err(why) => failures.push(format!("{}/{}: {why}", kind.folder(), case.file)),
        }
        if let Expected::Refused { because, .. } = case.expected {
            eprintln!(
                "{}/{}: expected refused: {because}",
                kind.folder(),
                case.file
            );
        }
    }
    eprintln!(
        "ECR corpus, {} documents: {} cases, {converged} converged (and adopted), {refused} \
         refused correctly, {blocked} blocked by the emulator, {} not as expected",
        kind.folder(),
        cases.len(),
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {} {} cases did not meet their expected outcome:\n\n{}",
        failures.len(),
        cases.len(),
        kind.folder(),
        failures.join("\n\n")
    );
}

#[test]
fn published_lifecycle_policies() {
    run_group(Document::Lifecycle, LIFECYCLE_CASES);
}

#[test]
fn published_repository_policies() {
    run_group(Document::Policy, POLICY_CASES);
}
