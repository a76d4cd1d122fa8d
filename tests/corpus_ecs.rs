//! The real-world ECS corpus, end to end: published task definitions and services
//! (tests/fixtures/corpus/ecs, sources in SOURCES.md, expected outcomes in cases.yaml),
//! each pasted into a manifest as a user would, and run through the real wharf binary
//! against the emulator (tests/common/mod.rs).
//!
//! For every case:
//! - `converges`: `validate` → `apply` → `plan` is empty → a second apply makes 0 writes;
//!   then, on a clean emulator, the same object is made by hand through the SDK (the
//!   published JSON through the SDK's own codec), `export` writes its manifest and
//!   `plan --adopt` shows nothing but the ownership tag on each resource;
//! - `refused`: `validate` exits 1 and names the problem (AWS refuses the document too);
//! - `blocked`: the emulator cannot hold the case (the gap is named in cases.yaml). It runs
//!   all the same and is reported, never counted as passing.
//!
//! Cases run one after another on a few emulators (reset between cases), so the whole
//! corpus takes a minute or two. WHARF_CORPUS_WORKERS sets how many (default 2);
//! WHARF_CORPUS_CASES=name,name runs only those.
//!
//! Run: `WHARF_MOTO_SERVER=$(scripts/ensure-moto) cargo test --test corpus_ecs -- --nocapture`.

mod common;

use aws_sdk_ecs::operation::create_cluster::CreateClusterInput;
use aws_sdk_ecs::operation::create_service::CreateServiceInput;
use aws_sdk_ecs::operation::register_task_definition::RegisterTaskDefinitionInput;
use common::{Moto, writes_in};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use wharf::aws::ecs_codec::from_json;

const STACK: &str = "corpus";
const OWNERSHIP_TAG: &str = "wharf:stack";

#[derive(Deserialize, Clone, Debug)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Case {
    name: String,
    file: String,
    outcome: Outcome,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    why: Option<String>,
    #[serde(default)]
    citation: Option<String>,
    #[serde(default)]
    gap: Option<String>,
    #[serde(default)]
    family: Option<String>,
    #[serde(default)]
    cluster: Option<Value>,
    #[serde(default)]
    task_definition: Option<String>,
    #[serde(default)]
    add: Option<Map<String, Value>>,
    #[serde(default)]
    service: Option<String>,
}

#[derive(Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
enum Outcome {
    Converges,
    Refused,
    Blocked,
}

/// What happened to one case.
#[derive(Debug)]
enum Verdict {
    Converged,
    RefusedCorrectly,
    /// Labelled blocked and failing, as expected: the step and wharf's output.
    Blocked(String),
    /// Labelled blocked but passing now.
    BlockedButPasses,
    /// Labelled converges or refused and not doing so: the step and wharf's output.
    Failed(String),
}

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/corpus/ecs")
}

fn cases() -> Vec<Case> {
    let text = std::fs::read_to_string(corpus_dir().join("cases.yaml")).expect("cases.yaml");
    let cases: Vec<Case> = serde_saphyr::from_str(&text).expect("cases.yaml parses");
    for case in &cases {
        assert!(
            corpus_dir().join(&case.file).exists(),
            "{}: no file {}",
            case.name,
            case.file
        );
        match case.outcome {
            Outcome::Refused => assert!(
                case.message.is_some() && case.why.is_some() && case.citation.is_some(),
                "{}: a refused case names the message, why AWS refuses it and a citation",
                case.name
            ),
            Outcome::Blocked => {
                assert!(
                    case.gap.is_some(),
                    "{}: a blocked case names its gap",
                    case.name
                )
            }
            Outcome::Converges => {}
        }
    }
    cases
}

// ---- the manifest a user writes ----

/// The case's documents: the published text (task definitions are pasted verbatim) and,
/// for services, the parts the test puts around it.
struct Documents {
    /// (family, JSON text) of the task definition, if any.
    task_definition: Option<(String, String)>,
    /// (name, CreateCluster input) for services.
    cluster: Option<(String, Value)>,
    /// (name, CreateService input, after substituting the emulator's network) for services.
    service: Option<(String, Value)>,
}

fn is_service(case: &Case) -> bool {
    case.file.starts_with("services/")
}

fn read_json(path: &Path) -> (String, Value) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (text, value)
}

fn task_definition_document(case: &Case, file: &str) -> (String, String) {
    let (text, value) = read_json(&corpus_dir().join(file));
    let family = value["family"]
        .as_str()
        .map(str::to_string)
        .or_else(|| case.family.clone())
        .unwrap_or_else(|| case.name.clone());
    (family, text)
}

/// The published subnets and security groups become the emulator's (moto checks both).
fn substitute_network(service: &mut Value, network: &(String, String)) {
    if let Some(vpc) = service
        .pointer_mut("/networkConfiguration/awsvpcConfiguration")
        .and_then(Value::as_object_mut)
    {
        if vpc.contains_key("subnets") {
            vpc.insert("subnets".into(), json!([network.0]));
        }
        if vpc.contains_key("securityGroups") {
            vpc.insert("securityGroups".into(), json!([network.1]));
        }
    }
}

fn documents(case: &Case, network: Option<&(String, String)>) -> Documents {
    if !is_service(case) {
        return Documents {
            task_definition: Some(task_definition_document(case, &case.file)),
            cluster: None,
            service: None,
        };
    }
    let (_, mut service) = read_json(&corpus_dir().join(&case.file));
    let object = service.as_object_mut().expect("a service is an object");
    for (member, value) in case.add.clone().unwrap_or_default() {
        object.entry(member).or_insert(value);
    }
    let name = object
        .get("serviceName")
        .and_then(Value::as_str)
        .map(str::to_string)
        .or_else(|| case.service.clone())
        .unwrap_or_else(|| panic!("{}: a service needs serviceName or `service`", case.name));
    if let Some(network) = network {
        substitute_network(&mut service, network);
    }
    let cluster = case
        .cluster
        .clone()
        .expect("a service case names its cluster");
    let cluster_name = cluster["clusterName"]
        .as_str()
        .expect("cluster.clusterName")
        .to_string();
    Documents {
        task_definition: case
            .task_definition
            .as_deref()
            .map(|file| task_definition_document(case, file)),
        cluster: Some((cluster_name, cluster)),
        service: Some((name, service)),
    }
}

fn indent(text: &str, by: usize) -> String {
    let pad = " ".repeat(by);
    text.trim_end()
        .lines()
        .map(|l| format!("{pad}{l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The manifest: the documents as YAML flow content (YAML is a superset of JSON), each
/// under its key.
fn manifest(docs: &Documents) -> String {
    let mut out = format!("version: 1\nstack: {STACK}\necs:\n");
    if let Some((name, cluster)) = &docs.cluster {
        let mut cluster = cluster.clone();
        cluster.as_object_mut().unwrap().remove("clusterName");
        out += &format!(
            "  clusters:\n    \"{name}\":\n{}\n",
            indent(&serde_json::to_string_pretty(&cluster).unwrap(), 6)
        );
    }
    if let Some((family, text)) = &docs.task_definition {
        out += &format!(
            "  taskDefinitions:\n    \"{family}\":\n{}\n",
            indent(text, 6)
        );
    }
    if let Some((name, service)) = &docs.service {
        out += &format!(
            "  services:\n    \"{name}\":\n{}\n",
            indent(&serde_json::to_string_pretty(service).unwrap(), 6)
        );
    }
    out
}

// ---- the emulator ----

/// The emulator the corpus runs against: plain moto, so that every gap it has shows as a
/// `blocked` case. `reset` talks to moto itself.
/// moto behind the layer of documented AWS behaviours it lacks (`common::aws_behaviour`),
/// so a case converges only if it would against what AWS reports.
fn emulator() -> Moto {
    Moto::start_with_aws_behaviour()
}

/// `POST /moto-api/reset`: a clean account for the next case (the layer forgets too).
fn reset(moto: &Moto) {
    moto.aws_behaviour().forget_all();
    let address = moto.moto_endpoint.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(address).expect("connect to moto");
    write!(
        stream,
        "POST /moto-api/reset HTTP/1.1\r\nHost: {address}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
    .expect("send reset");
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    assert!(
        answer.starts_with("HTTP/1.1 200") || answer.starts_with("HTTP/1.0 200"),
        "moto reset: {answer}"
    );
}

/// Made by hand through the SDK, from the published JSON through the SDK's own codec, as
/// `aws ecs ... --cli-input-json` would send it, with every member wharf's own request
/// builders carry (each ECS kind's `io::*_request`, held to the service model by their tests).
async fn create_by_hand(moto: &Moto, docs: &Documents) -> Result<(), String> {
    use wharf::kinds::cluster::io::create_cluster_request;
    use wharf::kinds::service::io::create_service_request;
    use wharf::kinds::task_definition::io::register_task_definition_request;
    let ecs = moto.ecs().await;
    if let Some((name, cluster)) = &docs.cluster {
        let i = from_json(cluster, CreateClusterInput::deserialize, "cluster")
            .map_err(|e| format!("{name}: {e}"))?;
        create_cluster_request(&ecs, i)
            .send()
            .await
            .map_err(|e| format!("CreateCluster {name}: {e:?}"))?;
    }
    if let Some((family, text)) = &docs.task_definition {
        let value: Value = serde_json::from_str(text).unwrap();
        let i = from_json(
            &value,
            RegisterTaskDefinitionInput::deserialize,
            "task definition",
        )
        .map_err(|e| format!("{family}: {e}"))?;
        register_task_definition_request(&ecs, i)
            .family(family) // the key, as in the manifest (the codec fills a missing required member with "")
            .send()
            .await
            .map_err(|e| format!("RegisterTaskDefinition {family}: {e:?}"))?;
    }
    if let Some((name, service)) = &docs.service {
        let i = from_json(service, CreateServiceInput::deserialize, "service")
            .map_err(|e| format!("{name}: {e}"))?;
        create_service_request(&ecs, i)
            .service_name(name)
            .send()
            .await
            .map_err(|e| format!("CreateService {name}: {e:?}"))?;
    }
    Ok(())
}

// ---- one case ----

/// Runs wharf; Ok(stdout + stderr) when it exits `code`, else the step's failure.
fn step(moto: &Moto, what: &str, args: &[&str], code: i32) -> Result<String, String> {
    let (got, stdout, stderr) = moto.run(args);
    if got == code {
        Ok(stdout + &stderr)
    } else {
        Err(format!(
            "{what}: `wharf {}` exited {got}, expected {code}\n{}{}",
            args.join(" "),
            stdout.trim_end(),
            if stderr.trim().is_empty() {
                String::new()
            } else {
                format!("\n{}", stderr.trim_end())
            }
        ))
    }
}

fn plan(moto: &Moto, what: &str, args: &[&str]) -> Result<Value, String> {
    let out = step(moto, what, args, 0)?;
    let start = out
        .find('{')
        .ok_or_else(|| format!("{what}: no JSON in\n{out}"))?;
    serde_json::Deserializer::from_str(&out[start..])
        .into_iter::<Value>()
        .next()
        .and_then(Result::ok)
        .ok_or_else(|| format!("{what}: no plan JSON in\n{out}"))
}

fn changes(plan: &Value) -> Vec<Value> {
    plan["changes"].as_array().cloned().unwrap_or_default()
}

/// validate → apply → plan is empty → a second apply makes 0 writes.
fn apply_path(moto: &Moto, file: &str, docs: &Documents) -> Result<(), String> {
    std::fs::write(moto.dir.path().join(file), manifest(docs)).unwrap();
    step(moto, "validate", &["validate", "-f", file], 0)?;
    let apply = [
        "apply",
        "--auto-approve",
        "--stats",
        "--wait-timeout",
        "60s",
        "-f",
        file,
    ];
    step(moto, "apply", &apply, 0)?;
    let after = plan(
        moto,
        "plan after apply",
        &["plan", "--format", "json", "-f", file],
    )?;
    if !changes(&after).is_empty() {
        return Err(format!(
            "plan after apply is not empty:\n{}",
            serde_json::to_string_pretty(&after["changes"]).unwrap()
        ));
    }
    let again = step(moto, "second apply", &apply, 0)?;
    let writes = writes_in(&again);
    if writes != 0 {
        return Err(format!("a second apply made {writes} writes:\n{again}"));
    }
    Ok(())
}

/// Made by hand → export → validate → `plan --adopt` shows only the ownership tag.
fn adopt_path(
    moto: &Moto,
    runtime: &tokio::runtime::Runtime,
    docs: &Documents,
) -> Result<(), String> {
    runtime
        .block_on(create_by_hand(moto, docs))
        .map_err(|e| format!("made by hand: {e}"))?;
    let mut args: Vec<String> = ["export", "--stack", STACK, "-o", "export.yaml"]
        .map(String::from)
        .to_vec();
    if let Some((family, _)) = &docs.task_definition {
        args.extend(["--task-definitions".into(), family.clone()]);
    }
    if let (Some((cluster, _)), Some((service, _))) = (&docs.cluster, &docs.service) {
        args.extend([
            "--clusters".into(),
            cluster.clone(),
            "--services".into(),
            service.clone(),
            "--cluster".into(),
            cluster.clone(),
        ]);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let said = step(moto, "export", &args, 0)?;
    let exported = format!(
        "{}{said}",
        std::fs::read_to_string(moto.dir.path().join("export.yaml")).unwrap_or_default()
    );
    step(
        moto,
        "validate the export",
        &["validate", "-f", "export.yaml"],
        0,
    )
    .map_err(|e| format!("{e}\n--- export.yaml\n{exported}"))?;
    let adopt = plan(
        moto,
        "plan --adopt",
        &["plan", "--adopt", "--format", "json", "-f", "export.yaml"],
    )
    .map_err(|e| format!("{e}\n--- export.yaml\n{exported}"))?;
    let expected = docs.task_definition.iter().count()
        + docs.cluster.iter().count()
        + docs.service.iter().count();
    let only_tag =
        json!([{"path": format!("tags.{OWNERSHIP_TAG}"), "before": null, "after": STACK}]);
    let all = changes(&adopt);
    let extra = all
        .iter()
        .filter(|c| c["action"] != "update" || c["fields"] != only_tag)
        .count();
    if extra > 0 || all.len() != expected {
        return Err(format!(
            "plan --adopt of the export shows more than the ownership tag ({} changes for {expected} resources):\n{}\n--- export.yaml\n{exported}",
            all.len(),
            serde_json::to_string_pretty(&adopt["changes"]).unwrap()
        ));
    }
    Ok(())
}

fn run_case(moto: &Moto, runtime: &tokio::runtime::Runtime, case: &Case) -> Verdict {
    reset(moto);
    let file = format!("{}.yaml", case.name);
    let network = is_service(case).then(|| moto.default_network());
    let docs = documents(case, network.as_ref());
    if case.outcome == Outcome::Refused {
        std::fs::write(moto.dir.path().join(&file), manifest(&docs)).unwrap();
        let (code, stdout, stderr) = moto.run(&["validate", "-f", &file]);
        let message = case.message.as_deref().unwrap();
        return if code == 1 && stderr.contains(message) {
            Verdict::RefusedCorrectly
        } else if code == 1 {
            Verdict::Failed(format!(
                "validate refused it, but without `{message}`:\n{}",
                stderr.trim_end()
            ))
        } else {
            Verdict::Failed(format!(
                "validate exited {code}: wharf accepts a document AWS refuses ({})\n{}{}",
                case.why.as_deref().unwrap_or_default(),
                stdout.trim_end(),
                stderr.trim_end()
            ))
        };
    }
    let result = apply_path(moto, &file, &docs).and_then(|()| {
        reset(moto);
        let network = is_service(case).then(|| moto.default_network());
        let docs = documents(case, network.as_ref());
        adopt_path(moto, runtime, &docs)
    });
    match (case.outcome, result) {
        (Outcome::Converges, Ok(())) => Verdict::Converged,
        (Outcome::Converges, Err(e)) => Verdict::Failed(e),
        (_, Ok(())) => Verdict::BlockedButPasses,
        // validate reads nothing from AWS: a refusal there is wharf's, whatever the emulator lacks.
        (_, Err(e)) if e.starts_with("validate:") => Verdict::Failed(e),
        (_, Err(e)) => Verdict::Blocked(e),
    }
}

#[test]
fn the_published_ecs_corpus() {
    let mut cases = cases();
    assert!(cases.len() >= 30, "the corpus has {} cases", cases.len());
    if let Ok(only) = std::env::var("WHARF_CORPUS_CASES") {
        let only: Vec<&str> = only.split(',').map(str::trim).collect();
        cases.retain(|c| only.contains(&c.name.as_str()));
    }
    let workers: usize = std::env::var("WHARF_CORPUS_WORKERS")
        .ok()
        .and_then(|w| w.parse().ok())
        .unwrap_or(2)
        .clamp(1, cases.len().max(1));
    let started = std::time::Instant::now();
    let mut handles = Vec::new();
    for worker in 0..workers {
        let mine: Vec<(usize, Case)> = cases
            .iter()
            .cloned()
            .enumerate()
            .filter(|(i, _)| i % workers == worker)
            .collect();
        handles.push(std::thread::spawn(move || {
            let moto = emulator();
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime");
            mine.into_iter()
                .map(|(i, case)| {
                    let verdict = run_case(&moto, &runtime, &case);
                    println!("[{}] {}", label(&verdict), case.name);
                    (i, verdict)
                })
                .collect::<Vec<_>>()
        }));
    }
    let mut verdicts: Vec<(usize, Verdict)> = handles
        .into_iter()
        .flat_map(|h| h.join().expect("a corpus worker"))
        .collect();
    verdicts.sort_by_key(|(i, _)| *i);

    let count = |f: fn(&Verdict) -> bool| verdicts.iter().filter(|(_, v)| f(v)).count();
    let converged = count(|v| matches!(v, Verdict::Converged));
    let refused = count(|v| matches!(v, Verdict::RefusedCorrectly));
    let blocked = count(|v| matches!(v, Verdict::Blocked(_) | Verdict::BlockedButPasses));
    let failed = count(|v| matches!(v, Verdict::Failed(_)));
    println!("\n---- details");
    for (i, verdict) in &verdicts {
        let case = &cases[*i];
        match verdict {
            Verdict::Failed(why) => println!(
                "\nFAIL {} ({:?}, {})\n{}",
                case.name,
                case.outcome,
                case.file,
                indent(why, 2)
            ),
            Verdict::Blocked(why) => println!(
                "\nBLOCKED {} ({})\n  gap: {}\n  what happened:\n{}",
                case.name,
                case.file,
                case.gap.as_deref().unwrap_or_default(),
                indent(why, 4)
            ),
            Verdict::BlockedButPasses => println!(
                "\nNOTE {} is labelled blocked ({}) but passes: relabel it `converges`",
                case.name,
                case.gap.as_deref().unwrap_or_default()
            ),
            _ => {}
        }
    }
    println!(
        "\ncorpus_ecs: {} cases: {converged} converged, {refused} refused correctly, {blocked} blocked by the emulator, {failed} failing ({:.0?})",
        verdicts.len(),
        started.elapsed()
    );
    let failing: Vec<&str> = verdicts
        .iter()
        .filter(|(_, v)| matches!(v, Verdict::Failed(_)))
        .map(|(i, _)| cases[*i].name.as_str())
        .collect();
    assert!(
        failing.is_empty(),
        "{} corpus cases do not do what cases.yaml says (details above): {}",
        failing.len(),
        failing.join(", ")
    );
}

fn label(verdict: &Verdict) -> &'static str {
    match verdict {
        Verdict::Converged => "converged",
        Verdict::RefusedCorrectly => "refused correctly",
        Verdict::Blocked(_) => "blocked",
        Verdict::BlockedButPasses => "blocked, but passes",
        Verdict::Failed(_) => "FAIL",
    }
}
