//! ECS rules (WHARF-ECS-*) over task definitions and services. The manifest's objects have
//! the shape of the ECS API input and DescribeTaskDefinition / DescribeServices return the
//! same shape, so one set of checks reads both; only where a finding points differs.

use super::rules::{
    HOST_NETWORK, HOST_PID, PRIVILEGED, PUBLIC_IP, Rule, SECRET_IN_ENVIRONMENT, SHARED_ROLE,
    WRITABLE_ROOT,
};
use super::{Finding, Source, child, exact};
use crate::diagnostics::Span;
use crate::kinds::common::OWNERSHIP_TAG;
use crate::kinds::role;
use crate::kinds::service;
use crate::kinds::task_definition;
use crate::live::LiveSnapshot;
use crate::manifest::model::ApiObject;
use crate::manifest::model::Manifest;
use crate::manifest::spans::{SpanIndex, pointer};
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

/// Where in a task definition or service a finding is, relative to the object.
enum Spot {
    /// A member path such as `/networkMode`.
    At(String),
    /// Inside the container named `name` (at `index` in this object), then `rest`.
    Container {
        name: String,
        index: usize,
        rest: String,
    },
}

struct Raw {
    rule: &'static Rule,
    subject: String,
    message: String,
    hint: String,
    spot: Spot,
}

fn raw(rule: &'static Rule, subject: String, message: String, hint: String, spot: Spot) -> Raw {
    Raw {
        rule,
        subject,
        message,
        hint,
        spot,
    }
}

fn str_at<'v>(object: &'v Map<String, Value>, key: &str) -> Option<&'v str> {
    object.get(key).and_then(Value::as_str)
}

fn containers(task: &Map<String, Value>) -> Vec<(usize, &Map<String, Value>)> {
    task.get("containerDefinitions")
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .enumerate()
                .filter_map(|(i, c)| c.as_object().map(|c| (i, c)))
                .collect()
        })
        .unwrap_or_default()
}

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
fn task_checks(
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

fn service_checks(name: &str, svc: &Map<String, Value>, source: Source) -> Vec<Raw> {
    let assign = svc
        .get("networkConfiguration")
        .and_then(|n| n.get("awsvpcConfiguration"))
        .and_then(|v| v.get("assignPublicIp"))
        .and_then(Value::as_str);
    if assign != Some("ENABLED") {
        return Vec::new();
    }
    vec![raw(
        &PUBLIC_IP,
        String::new(),
        format!("{}service `{name}` assigns its tasks public IP addresses (assignPublicIp ENABLED): they are reachable from the internet", lead(source)),
        "set `assignPublicIp: DISABLED`, run the tasks in private subnets and reach them through a load balancer".into(),
        Spot::At("/networkConfiguration/awsvpcConfiguration/assignPublicIp".into()),
    )]
}

fn lead(source: Source) -> &'static str {
    match source {
        Source::Manifest => "",
        Source::Live => "In AWS, ",
    }
}

/// The manifest span of a spot in the object at `base` (a manifest object); a member the
/// object leaves out points at its key.
fn manifest_span(spans: &SpanIndex, base: &str, spot: &Spot) -> Span {
    match spot {
        Spot::At(path) => exact(spans, &format!("{base}{path}")).unwrap_or_else(|| spans.key(base)),
        Spot::Container { index, rest, .. } => container_span(spans, base, *index, rest),
    }
}

/// A member of the container at `index`; when the container leaves it out, the
/// container's name.
fn container_span(spans: &SpanIndex, base: &str, index: usize, rest: &str) -> Span {
    let container = child(base, &["containerDefinitions", &index.to_string()]);
    exact(spans, &format!("{container}{rest}"))
        .or_else(|| exact(spans, &child(&container, &["name"])))
        .unwrap_or_else(|| spans.at(&container))
}

/// For a live finding on a declared object: the same place in the manifest, finding
/// containers by name (AWS's order is the registered order, but names are what match).
fn live_span(spans: &SpanIndex, base: &str, declared: &ApiObject, spot: &Spot) -> Span {
    match spot {
        Spot::Container { name, rest, .. } => {
            match containers(declared)
                .iter()
                .find(|(_, c)| str_at(c, "name") == Some(name))
            {
                Some((index, _)) => container_span(spans, base, *index, rest),
                None => spans.key(base),
            }
        }
        other => manifest_span(spans, base, other),
    }
}

fn into_finding(raw: Raw, source: Source, address: String, span: Option<Span>) -> Finding {
    let mut f = Finding::new(raw.rule, source, address);
    f.subject = raw.subject;
    f.message = raw.message;
    f.hint = raw.hint;
    f.span = span;
    f
}

pub(super) fn manifest(m: &Manifest, spans: &SpanIndex) -> Vec<Finding> {
    let mut out = Vec::new();
    for (family, task) in &m.ecs.task_definitions {
        let base = pointer(&["ecs", "taskDefinitions", family]);
        for r in task_checks(m, family, task, Source::Manifest) {
            let span = manifest_span(spans, &base, &r.spot);
            out.push(into_finding(
                r,
                Source::Manifest,
                task_definition::address(family),
                Some(span),
            ));
        }
    }
    for (name, svc) in &m.ecs.services {
        let base = pointer(&["ecs", "services", name]);
        for r in service_checks(name, svc, Source::Manifest) {
            let span = manifest_span(spans, &base, &r.spot);
            out.push(into_finding(
                r,
                Source::Manifest,
                service::address(name),
                Some(span),
            ));
        }
    }
    out
}

pub(super) fn live(m: &Manifest, spans: &SpanIndex, live: &LiveSnapshot) -> Vec<Finding> {
    let mut out = Vec::new();
    for (family, have) in &live.task_definitions {
        let declared = m.ecs.task_definitions.get(family);
        let owned = have.tags.get(OWNERSHIP_TAG) == Some(&m.stack);
        let Some(document) = have.document.as_object() else {
            continue;
        };
        if declared.is_none() && !owned {
            continue;
        }
        let base = pointer(&["ecs", "taskDefinitions", family]);
        for r in task_checks(m, family, document, Source::Live) {
            let span = declared.map(|d| live_span(spans, &base, d, &r.spot));
            out.push(into_finding(
                r,
                Source::Live,
                task_definition::address(family),
                span,
            ));
        }
    }
    for (name, have) in &live.services {
        let declared = m.ecs.services.get(name);
        let owned = have.tags.get(OWNERSHIP_TAG) == Some(&m.stack);
        let Some(document) = have.document.as_object() else {
            continue;
        };
        if (declared.is_none() && !owned) || have.status != "ACTIVE" {
            continue;
        }
        let base = pointer(&["ecs", "services", name]);
        for r in service_checks(name, document, Source::Live) {
            let span = declared.map(|d| live_span(spans, &base, d, &r.spot));
            out.push(into_finding(r, Source::Live, service::address(name), span));
        }
    }
    out
}
