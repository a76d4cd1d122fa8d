//! Lint rules of a task definition (declared, and live with `--live`): privileged and
//! host-namespace containers, secrets in plain environment variables, one role for
//! both execution and the task, and the rest of the ECS controls Security Hub checks.

use crate::kinds::role;
use crate::lint::ecs_raw::{Raw, Spot, containers, lead, raw, str_at};
use crate::lint::finding::Source;
use crate::lint::rules::{
    HOST_NETWORK, HOST_PID, PRIVILEGED, SECRET_IN_ENVIRONMENT, SHARED_ROLE, WRITABLE_ROOT,
};
use crate::manifest::model::Manifest;
use regex::Regex;
use serde_json::{Map, Value};
use std::sync::LazyLock;

/// Names that usually hold a secret (the same words `validate` warns about).
static SECRET_LOOKING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL|ACCESS_?KEY")
        .expect("valid regex")
});

/// ...unless the name says the value only points at one (DB_PASSWORD_ARN, TOKEN_URL).
static SECRET_POINTER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)_(ARN|FILE|PATH|URL|URI|ENDPOINT|NAME|ID|TTL|LENGTH|HEADER|TYPE)$")
        .expect("valid regex")
});

/// The names Security Hub ECS.8 checks, always secrets whatever their suffix.
const ECS8_KEYS: [&str; 3] = [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "ECS_ENGINE_AUTH_DATA",
];

fn looks_secret(name: &str) -> bool {
    ECS8_KEYS.contains(&name) || (SECRET_LOOKING.is_match(name) && !SECRET_POINTER.is_match(name))
}

/// A role reference as (account if known, path + name): a manifest role by name, or an
/// ARN. Two references are one role when path and name agree and the accounts do not
/// differ (a manifest role's account is the one wharf runs in, unknown here).
fn role_identity(manifest: &Manifest, reference: &str) -> (Option<String>, String) {
    if let Some(rest) = reference.strip_prefix("arn:") {
        // arn:PARTITION:iam::ACCOUNT:role/PATH/NAME
        let parts: Vec<&str> = rest.splitn(5, ':').collect();
        if let [_, "iam", _, account, resource] = parts.as_slice()
            && let Some(path_name) = resource.strip_prefix("role")
        {
            return (Some(account.to_string()), path_name.to_string());
        }
        return (None, reference.to_string());
    }
    let path = manifest
        .iam
        .roles
        .get(reference)
        .map(role::role_path)
        .unwrap_or_else(|| "/".to_string());
    (None, format!("{path}{reference}"))
}

fn same_role(manifest: &Manifest, a: &str, b: &str) -> bool {
    let (account_a, a) = role_identity(manifest, a);
    let (account_b, b) = role_identity(manifest, b);
    a == b && (account_a.is_none() || account_b.is_none() || account_a == account_b)
}

/// The checks of one task definition (manifest input or live document).
pub(crate) fn task_checks(
    manifest: &Manifest,
    family: &str,
    task: &Map<String, Value>,
    source: Source,
) -> Vec<Raw> {
    let lead = lead(source);
    let mut out = Vec::new();
    if str_at(task, "networkMode") == Some("host") {
        out.push(raw(
            &HOST_NETWORK,
            String::new(),
            format!("{lead}task definition `{family}` uses networkMode host: its containers share the host's network"),
            "use `networkMode: awsvpc`".into(),
            Spot::At("/networkMode".into()),
        ));
    }
    if str_at(task, "pidMode") == Some("host") {
        out.push(raw(
            &HOST_PID,
            String::new(),
            format!("{lead}task definition `{family}` uses pidMode host: its containers see every process on the host"),
            "remove `pidMode`, or use `pidMode: task` to share processes only within the task".into(),
            Spot::At("/pidMode".into()),
        ));
    }
    // Windows containers cannot have a read-only root filesystem (Security Hub marks
    // them not applicable).
    let windows = task
        .get("runtimePlatform")
        .and_then(|p| p.get("operatingSystemFamily"))
        .and_then(Value::as_str)
        .is_some_and(|os| os.starts_with("WINDOWS"));
    for (index, container) in containers(task) {
        let name = str_at(container, "name").unwrap_or("?").to_string();
        let spot = |rest: &str| Spot::Container {
            name: name.clone(),
            index,
            rest: rest.to_string(),
        };
        if container.get("privileged") == Some(&Value::Bool(true)) {
            out.push(raw(
                &PRIVILEGED,
                name.clone(),
                format!("{lead}container `{name}` of task definition `{family}` runs privileged, with root-like access to the host"),
                "remove `privileged: true`; add single capabilities with `linuxParameters.capabilities.add` if needed".into(),
                spot("/privileged"),
            ));
        }
        if !windows && container.get("readonlyRootFilesystem") != Some(&Value::Bool(true)) {
            let stated = container.contains_key("readonlyRootFilesystem");
            out.push(raw(
                &WRITABLE_ROOT,
                name.clone(),
                format!(
                    "{lead}container `{name}` of task definition `{family}` has a writable root filesystem (readonlyRootFilesystem is {})",
                    if stated { "false" } else { "not set" }
                ),
                "set `readonlyRootFilesystem: true` and mount a volume where the application writes".into(),
                spot("/readonlyRootFilesystem"),
            ));
        }
        let environment = container.get("environment").and_then(Value::as_array);
        for (i, variable) in environment.into_iter().flatten().enumerate() {
            let (Some(var), Some(value)) = (
                variable.get("name").and_then(Value::as_str),
                variable.get("value").and_then(Value::as_str),
            ) else {
                continue;
            };
            // An empty value or an ARN holds no secret itself.
            if looks_secret(var) && !value.is_empty() && !value.starts_with("arn:") {
                out.push(raw(
                    &SECRET_IN_ENVIRONMENT,
                    format!("{name}/{var}"),
                    format!("{lead}`{var}` of container `{name}` in task definition `{family}` looks like a secret, passed in plain text in `environment`"),
                    format!("store it in Secrets Manager or SSM Parameter Store and pass it as `secrets: [{{ name: {var}, valueFrom: <ARN> }}]`"),
                    spot(&format!("/environment/{i}/name")),
                ));
            }
        }
    }
    let execution = str_at(task, "executionRole")
        .map(|r| ("/executionRole", r))
        .or_else(|| str_at(task, "executionRoleArn").map(|r| ("/executionRoleArn", r)));
    let task_role = str_at(task, "taskRole")
        .map(|r| ("/taskRole", r))
        .or_else(|| str_at(task, "taskRoleArn").map(|r| ("/taskRoleArn", r)));
    if let (Some((_, execution)), Some((at, task_role))) = (execution, task_role)
        && same_role(manifest, execution, task_role)
    {
        out.push(raw(
            &SHARED_ROLE,
            String::new(),
            format!("{lead}task definition `{family}` uses `{task_role}` as both execution role and task role, so its code may pull images and read secrets as ECS does"),
            "give the task its own role (`taskRole`) with only what the application needs".into(),
            Spot::At(at.into()),
        ));
    }
    out
}
