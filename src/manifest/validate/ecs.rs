//! Validation of `ecs`: clusters, task definitions and services. The schema already
//! checked the shapes (the whole CreateCluster / RegisterTaskDefinition / CreateService
//! inputs); this checks what ECS would reject at register or create time, and the
//! references between the manifest's own resources. AWS's limits are named where they
//! are checked.

use super::{ROLE_ARN, ROLE_ARN_HINT, ROLE_NAME, TAGS_PER_RESOURCE, Validator, child};
use crate::diagnostics::{Span, did_you_mean};
use crate::kinds::task_definition::units;
use crate::manifest::ecs_members;
use crate::manifest::model::ApiObject;
use crate::manifest::spans::pointer;
use regex::Regex;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::LazyLock;

/// ECS: at most 10 container definitions per task definition.
const CONTAINERS_MAX: usize = 10;
/// ECS: a registered task definition is at most 64 KiB of JSON.
const TASK_DEFINITION_BYTES_MAX: usize = 65_536;

/// Cluster names, service names and task-definition families: up to 255 letters, digits,
/// underscores and hyphens. Container names follow the same rule.
static ECS_NAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[A-Za-z0-9_-]{1,255}$").expect("valid regex"));
static CLUSTER_ARN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^arn:aws[a-z-]*:ecs:[a-z0-9-]+:[0-9]{12}:cluster/[A-Za-z0-9_-]{1,255}$")
        .expect("valid regex")
});
static TASK_DEFINITION_ARN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^arn:aws[a-z-]*:ecs:[a-z0-9-]+:[0-9]{12}:task-definition/[A-Za-z0-9_-]{1,255}(:[1-9][0-9]*)?$")
        .expect("valid regex")
});
/// `family:revision`.
static FAMILY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[A-Za-z0-9_-]{1,255}$").expect("valid regex"));
static FAMILY_REVISION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^([A-Za-z0-9_-]{1,255}):([0-9]+)$").expect("valid regex"));
static SECRETS_MANAGER_ARN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+$")
        .expect("valid regex")
});
static SSM_PARAMETER_ARN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^arn:aws[a-z-]*:ssm:[a-z0-9-]+:[0-9]{12}:parameter/.+$").expect("valid regex")
});
/// An SSM parameter name (in the task's region): `name` or `/path/to/name`.
static SSM_PARAMETER_NAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^/?[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)*$").expect("valid regex"));
/// Environment variable names that usually hold a secret.
static SECRET_LOOKING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL|ACCESS_?KEY")
        .expect("valid regex")
});
/// ...unless the name says the value only points at one.
static SECRET_POINTER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)_(ARN|FILE|PATH|URL|URI|ENDPOINT|NAME|ID|TTL|LENGTH|HEADER|TYPE)$")
        .expect("valid regex")
});
/// A Docker image tag.
static IMAGE_TAG: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$").expect("valid regex"));
/// An image digest: ECS supports sha256 only.
static IMAGE_DIGEST: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^sha256:[0-9a-fA-F]{64}$").expect("valid regex"));

const CONTAINER_INSIGHTS_VALUES: [&str; 3] = ["enabled", "disabled", "enhanced"];

fn str_of<'v>(object: &'v ApiObject, key: &str) -> Option<&'v str> {
    object.get(key).and_then(Value::as_str)
}

fn objects<'v>(object: &'v ApiObject, key: &str) -> Vec<(usize, &'v ApiObject)> {
    match object.get(key) {
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .filter_map(|(i, v)| v.as_object().map(|o| (i, o)))
            .collect(),
        _ => Vec::new(),
    }
}

fn strings<'v>(object: &'v ApiObject, key: &str) -> Vec<(usize, &'v str)> {
    match object.get(key) {
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .filter_map(|(i, v)| v.as_str().map(|s| (i, s)))
            .collect(),
        _ => Vec::new(),
    }
}

fn tag_map(object: &ApiObject) -> Option<BTreeMap<String, String>> {
    match object.get("tags") {
        Some(Value::Object(tags)) => Some(
            tags.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect(),
        ),
        _ => None,
    }
}

fn is_fargate(task: &ApiObject) -> bool {
    strings(task, "requiresCompatibilities")
        .iter()
        .any(|(_, c)| *c == "FARGATE")
}

/// "`a`, `b` and `c`" for hints.
fn listing(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    match quoted.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// A hint for a name that is not among `known` (manifest resources of one kind).
fn not_found_hint(reference: &str, known: &[&str], otherwise: &str) -> String {
    match did_you_mean(reference, known.iter().copied()) {
        Some(close) => format!("did you mean `{close}`?"),
        None if known.is_empty() => otherwise.to_string(),
        None => format!("this manifest declares {}; {otherwise}", listing(known)),
    }
}

impl Validator<'_> {
    pub(super) fn ecs(&mut self) {
        let ecs = &self.manifest.ecs;
        for (name, cluster) in &ecs.clusters {
            let base = pointer(&["ecs", "clusters", name]);
            self.ecs_name(name, &base, "cluster name");
            self.cluster(cluster, &base);
        }
        for (family, task) in &ecs.task_definitions {
            let base = pointer(&["ecs", "taskDefinitions", family]);
            self.ecs_name(family, &base, "task-definition family");
            self.task_definition(family, task, &base);
        }
        for (name, service) in &ecs.services {
            let base = pointer(&["ecs", "services", name]);
            self.ecs_name(name, &base, "service name");
            self.service(service, &base);
        }
    }

    fn ecs_name(&mut self, name: &str, base: &str, what: &str) {
        if !ECS_NAME.is_match(name) {
            self.error(
                self.key(base),
                format!("`{name}` is not a valid ECS {what}"),
                Some("use 1 to 255 letters, digits, underscores and hyphens".into()),
            );
        }
    }

    /// Tags of an ECS resource: the usual tag rules, and AWS's 50 per resource counting
    /// `defaults.tags` and the ownership tag.
    fn ecs_tags(&mut self, object: &ApiObject, base: &str, whose: &str) {
        let Some(own) = tag_map(object) else {
            return;
        };
        let ptr = child(base, "tags");
        self.tags(&own, &ptr);
        let defaults = &self.manifest.defaults.tags;
        let count = defaults.len() + own.keys().filter(|k| !defaults.contains_key(*k)).count() + 1;
        if count > TAGS_PER_RESOURCE {
            self.too_many_tags(self.key(&ptr), whose, count);
        }
    }

    /// Members of the API input that wharf cannot carry end to end (see
    /// `manifest::ecs_members`): refused at their key, saying why.
    fn refused_members(&mut self, object: &ApiObject, base: &str, shape: ecs_members::Shape) {
        for (key, value) in object {
            // An empty list means none (console exports write `inferenceAccelerators: []`).
            let empty = match value {
                Value::Array(items) => items.is_empty(),
                Value::Object(members) => members.is_empty(),
                Value::Null => true,
                _ => false,
            };
            if empty {
                continue;
            }
            if let Some(reason) = shape.refusal(key) {
                self.error(
                    self.key(&child(base, key)),
                    format!("wharf does not manage `{key}` of {}", shape.operation),
                    Some(reason.to_string()),
                );
            }
        }
    }

    // ---- clusters ----------------------------------------------------------------------

    fn cluster(&mut self, cluster: &ApiObject, base: &str) {
        self.refused_members(cluster, base, ecs_members::CREATE_CLUSTER);
        let settings = child(base, "settings");
        for (i, setting) in objects(cluster, "settings") {
            if str_of(setting, "name") != Some("containerInsights") {
                continue;
            }
            let Some(value) = str_of(setting, "value") else {
                continue;
            };
            if !CONTAINER_INSIGHTS_VALUES.contains(&value) {
                let hint = match did_you_mean(value, CONTAINER_INSIGHTS_VALUES) {
                    Some(close) => format!("did you mean `{close}`?"),
                    None => "use enabled, disabled or enhanced".into(),
                };
                self.error(
                    self.at(&super::pointer_join(&settings, &[&i.to_string(), "value"])),
                    format!("`{value}` is not a containerInsights setting"),
                    Some(hint),
                );
            }
        }

        let providers: Vec<&str> = strings(cluster, "capacityProviders")
            .into_iter()
            .map(|(_, p)| p)
            .collect();
        let strategy = child(base, "defaultCapacityProviderStrategy");
        for (i, item) in objects(cluster, "defaultCapacityProviderStrategy") {
            let Some(provider) = str_of(item, "capacityProvider") else {
                continue;
            };
            if !providers.contains(&provider) {
                self.error(
                    self.at(&super::pointer_join(
                        &strategy,
                        &[&i.to_string(), "capacityProvider"],
                    )),
                    format!(
                        "capacity provider `{provider}` is not among this cluster's capacityProviders"
                    ),
                    Some(format!(
                        "a default strategy may only use the cluster's own providers: add `{provider}` to capacityProviders"
                    )),
                );
            }
        }
        self.ecs_tags(cluster, base, "this cluster");
    }

    // ---- task definitions --------------------------------------------------------------

    fn task_definition(&mut self, family: &str, task: &ApiObject, base: &str) {
        self.refused_members(task, base, ecs_members::REGISTER_TASK_DEFINITION);
        let cpu = self.task_size(task, base, "cpu");
        let memory = self.task_size(task, base, "memory");
        let fargate = is_fargate(task);
        if fargate {
            self.fargate(task, base, cpu, memory);
        }
        self.containers(task, base, memory);
        self.container_references(task, base);
        self.task_roles(task, base, fargate);
        self.ecs_tags(task, base, "this task definition");

        // RegisterTaskDefinition's request, as ECS counts its size.
        let mut registered = task.clone();
        registered.remove("keepRevisions");
        registered.remove("lint");
        registered.insert("family".into(), Value::String(family.to_string()));
        let size = serde_json::to_string(&registered)
            .map(|s| s.len())
            .unwrap_or(0);
        if size > TASK_DEFINITION_BYTES_MAX {
            self.error(
                self.key(base),
                format!(
                    "task definition `{family}` is {size} bytes as registered; ECS accepts at most {TASK_DEFINITION_BYTES_MAX} (64 KiB)"
                ),
                Some("move large environments into environmentFiles (S3) or secrets, or split the containers into several task definitions".into()),
            );
        }
    }

    /// Task-level `cpu` (units) or `memory` (MiB), when given and readable.
    fn task_size(&mut self, task: &ApiObject, base: &str, key: &str) -> Option<u32> {
        let value = task.get(key)?;
        let ptr = child(base, key);
        let (parsed, shown) = match value {
            Value::String(text) if key == "cpu" => (units::cpu_units(text), text.clone()),
            Value::String(text) => (units::memory_mib(text), text.clone()),
            Value::Number(n) => (
                n.as_u64()
                    .and_then(|n| u32::try_from(n).ok())
                    .filter(|n| *n > 0),
                n.to_string(),
            ),
            _ => return None,
        };
        if parsed.is_none() {
            let hint = if key == "cpu" {
                "give CPU units (\"256\", 1024 = 1 vCPU) or vCPUs (\"0.25 vCPU\", \"1 vCPU\")"
            } else {
                "give MiB (\"512\") or GB (\"1 GB\", \"0.5 GB\")"
            };
            self.error(
                self.at(&ptr),
                format!("`{shown}` is not a valid task {key} value"),
                Some(hint.into()),
            );
        }
        parsed
    }

    fn fargate(&mut self, task: &ApiObject, base: &str, cpu: Option<u32>, memory: Option<u32>) {
        for key in ["cpu", "memory"] {
            if !task.contains_key(key) {
                self.error(
                    self.key(base),
                    format!("a Fargate task definition needs a task-level `{key}`"),
                    Some(if key == "cpu" {
                        "e.g. cpu: \"256\" (0.25 vCPU)".into()
                    } else {
                        "e.g. memory: \"512\" (MiB) or \"1 GB\"".into()
                    }),
                );
            }
        }
        match str_of(task, "networkMode") {
            Some("awsvpc") => {}
            Some(other) => self.error(
                self.at(&child(base, "networkMode")),
                format!("Fargate tasks need networkMode awsvpc, not {other}"),
                Some(
                    "set networkMode: awsvpc, or drop FARGATE from requiresCompatibilities".into(),
                ),
            ),
            None => self.error(
                self.key(base),
                "a Fargate task definition needs networkMode awsvpc (the default is bridge)",
                Some("add networkMode: awsvpc".into()),
            ),
        }
        let Some(cpu) = cpu else {
            return;
        };
        let Some(options) = units::fargate_memory_options(cpu) else {
            let offered: Vec<String> = units::FARGATE_CPU.iter().map(|c| c.to_string()).collect();
            self.error(
                self.at(&child(base, "cpu")),
                format!("Fargate does not offer {cpu} CPU units"),
                Some(format!(
                    "Fargate offers {} CPU units (256 = 0.25 vCPU)",
                    offered.join(", ")
                )),
            );
            return;
        };
        if let Some(memory) = memory
            && !options.contains(&memory)
        {
            self.error(
                self.at(&child(base, "memory")),
                format!(
                    "Fargate does not offer {memory} MiB of memory with {} CPU units",
                    units::describe_cpu(cpu)
                ),
                Some(format!(
                    "with cpu {cpu}, memory is one of {}",
                    units::describe_memory_options(&options)
                )),
            );
        }
    }

    fn containers(&mut self, task: &ApiObject, base: &str, task_memory: Option<u32>) {
        let list_ptr = child(base, "containerDefinitions");
        let containers = objects(task, "containerDefinitions");
        if containers.is_empty() {
            self.error(
                self.key(&list_ptr),
                "a task definition needs at least one container definition",
                None,
            );
            return;
        }
        if containers.len() > CONTAINERS_MAX {
            self.error(
                self.key(&list_ptr),
                format!(
                    "{} container definitions; ECS allows at most {CONTAINERS_MAX} in a task definition",
                    containers.len()
                ),
                Some("split the containers into several task definitions".into()),
            );
        }
        let names: Vec<&str> = containers
            .iter()
            .filter_map(|(_, c)| str_of(c, "name"))
            .collect();
        let awsvpc = str_of(task, "networkMode") == Some("awsvpc");

        let mut seen: Vec<&str> = Vec::new();
        for (i, container) in &containers {
            let ptr = child(&list_ptr, &i.to_string());
            match str_of(container, "name") {
                None => self.error(self.at(&ptr), "a container definition needs a `name`", None),
                Some(name) => {
                    let span = self.at(&child(&ptr, "name"));
                    if !ECS_NAME.is_match(name) {
                        self.error(
                            span,
                            format!("`{name}` is not a valid container name"),
                            Some("use 1 to 255 letters, digits, underscores and hyphens".into()),
                        );
                    }
                    if seen.contains(&name) {
                        self.error(
                            span,
                            format!("container name `{name}` is used twice"),
                            Some("each container of a task definition needs its own name".into()),
                        );
                    }
                    seen.push(name);
                }
            }
            self.container(container, &ptr, &names, awsvpc, task_memory);
        }

        let essential = containers
            .iter()
            .any(|(_, c)| c.get("essential").and_then(Value::as_bool) != Some(false));
        if !essential {
            self.error(
                self.key(&list_ptr),
                "no container is essential: ECS needs at least one",
                Some(
                    "set `essential: true` (the default) on the container the task lives for"
                        .into(),
                ),
            );
        }
    }

    /// Names a container refers to inside its task definition: `mountPoints[].sourceVolume`
    /// must be a volume of the task definition, `volumesFrom[].sourceContainer` another
    /// container. ECS refuses the registration otherwise ("Unknown volume", ECS Developer
    /// Guide, task definition parameters `mountPoints` and `volumesFrom`).
    fn container_references(&mut self, task: &ApiObject, base: &str) {
        let volumes: Vec<&str> = objects(task, "volumes")
            .into_iter()
            .filter_map(|(_, v)| str_of(v, "name"))
            .collect();
        let list_ptr = child(base, "containerDefinitions");
        let containers = objects(task, "containerDefinitions");
        let names: Vec<&str> = containers
            .iter()
            .filter_map(|(_, c)| str_of(c, "name"))
            .collect();
        for (i, container) in &containers {
            let ptr = child(&list_ptr, &i.to_string());
            for (j, mount) in objects(container, "mountPoints") {
                let Some(volume) = str_of(mount, "sourceVolume") else {
                    continue;
                };
                if !volumes.contains(&volume) {
                    self.error(
                        self.at(&super::pointer_join(
                            &ptr,
                            &["mountPoints", &j.to_string(), "sourceVolume"],
                        )),
                        format!("mountPoints names volume `{volume}`, which this task definition does not declare"),
                        Some(not_found_hint(
                            volume,
                            &volumes,
                            "declare it under the task definition's `volumes`",
                        )),
                    );
                }
            }
            let own = str_of(container, "name");
            for (j, from) in objects(container, "volumesFrom") {
                let Some(source) = str_of(from, "sourceContainer") else {
                    continue;
                };
                if Some(source) == own || !names.contains(&source) {
                    let others: Vec<&str> =
                        names.iter().copied().filter(|n| Some(*n) != own).collect();
                    self.error(
                        self.at(&super::pointer_join(
                            &ptr,
                            &["volumesFrom", &j.to_string(), "sourceContainer"],
                        )),
                        format!("volumesFrom names `{source}`, which is not another container of this task definition"),
                        Some(not_found_hint(
                            source,
                            &others,
                            "name another container of the same task definition",
                        )),
                    );
                }
            }
        }
    }

    fn container(
        &mut self,
        container: &ApiObject,
        ptr: &str,
        names: &[&str],
        awsvpc: bool,
        task_memory: Option<u32>,
    ) {
        let name = str_of(container, "name");
        match container.get("image") {
            None => self.error(
                self.at(ptr),
                "a container definition needs an `image`",
                None,
            ),
            Some(image) => self.image(image, &child(ptr, "image")),
        }

        let limit = container.get("memory").and_then(Value::as_u64);
        let reservation = container.get("memoryReservation").and_then(Value::as_u64);
        if let (Some(limit), Some(reservation)) = (limit, reservation)
            && reservation > limit
        {
            self.error(
                self.at(&child(ptr, "memoryReservation")),
                format!(
                    "memoryReservation ({reservation} MiB) is larger than the container's memory limit ({limit} MiB)"
                ),
                None,
            );
        }
        match task_memory {
            Some(task) => {
                if let Some(limit) = limit
                    && limit > u64::from(task)
                {
                    self.error(
                        self.at(&child(ptr, "memory")),
                        format!(
                            "the container's memory ({limit} MiB) exceeds the task's memory ({task} MiB)"
                        ),
                        None,
                    );
                }
            }
            None if limit.is_none() && reservation.is_none() => {
                let span = match name {
                    Some(_) => self.at(&child(ptr, "name")),
                    None => self.at(ptr),
                };
                self.error(
                    span,
                    "without a task-level memory, each container needs `memory` or `memoryReservation`",
                    Some("set memory on the task definition, or memory / memoryReservation (MiB) on this container".into()),
                );
            }
            None => {}
        }

        if awsvpc {
            let ports = child(ptr, "portMappings");
            for (i, mapping) in objects(container, "portMappings") {
                let container_port = mapping.get("containerPort").and_then(Value::as_i64);
                let host_port = mapping.get("hostPort").and_then(Value::as_i64);
                if let (Some(c), Some(h)) = (container_port, host_port)
                    && c != h
                {
                    self.error(
                        self.at(&super::pointer_join(&ports, &[&i.to_string(), "hostPort"])),
                        format!(
                            "under networkMode awsvpc, hostPort must equal containerPort ({c})"
                        ),
                        Some(format!("remove hostPort, or set it to {c}")),
                    );
                }
            }
        }

        let depends = child(ptr, "dependsOn");
        for (i, dependency) in objects(container, "dependsOn") {
            let Some(other) = str_of(dependency, "containerName") else {
                continue;
            };
            let span = self.at(&super::pointer_join(
                &depends,
                &[&i.to_string(), "containerName"],
            ));
            if Some(other) == name {
                self.error(span, format!("container `{other}` depends on itself"), None);
            } else if !names.contains(&other) {
                let others: Vec<&str> =
                    names.iter().copied().filter(|n| Some(*n) != name).collect();
                self.error(
                    span,
                    format!("dependsOn names `{other}`, which is not a container of this task definition"),
                    Some(not_found_hint(
                        other,
                        &others,
                        "name another container of the same task definition",
                    )),
                );
            }
        }

        let environment = child(ptr, "environment");
        for (i, variable) in objects(container, "environment") {
            let (Some(var), Some(value)) = (str_of(variable, "name"), str_of(variable, "value"))
            else {
                continue;
            };
            if SECRET_LOOKING.is_match(var)
                && !SECRET_POINTER.is_match(var)
                && !value.is_empty()
                && !value.starts_with("arn:")
            {
                let span = self.at(&super::pointer_join(
                    &environment,
                    &[&i.to_string(), "value"],
                ));
                self.out
                    .warning(
                        span,
                        format!("`{var}` looks like a secret but is given in plain text"),
                    )
                    .hint_mut(format!(
                        "anyone who can describe the task definition reads it; move it to `secrets: [{{ name: {var}, valueFrom: <Secrets Manager or SSM parameter ARN> }}]`"
                    ));
            }
        }

        self.secret_sources(container, "secrets", &child(ptr, "secrets"));
        if let Some(Value::Object(log)) = container.get("logConfiguration") {
            let log_ptr = child(ptr, "logConfiguration");
            self.secret_sources(log, "secretOptions", &child(&log_ptr, "secretOptions"));
        }
    }

    /// `secrets` / `secretOptions`: every `valueFrom` an ARN or an SSM parameter name.
    fn secret_sources(&mut self, object: &ApiObject, key: &str, ptr: &str) {
        for (i, secret) in objects(object, key) {
            let Some(source) = str_of(secret, "valueFrom") else {
                continue;
            };
            let ok = if source.starts_with("arn:") {
                SECRETS_MANAGER_ARN.is_match(source) || SSM_PARAMETER_ARN.is_match(source)
            } else {
                source.len() <= 2048 && SSM_PARAMETER_NAME.is_match(source)
            };
            if !ok {
                let message = if source.starts_with("arn:") {
                    format!("`{source}` is not a Secrets Manager secret or SSM parameter ARN")
                } else {
                    format!("`{source}` is neither an ARN nor an SSM parameter name")
                };
                self.error(
                    self.at(&super::pointer_join(ptr, &[&i.to_string(), "valueFrom"])),
                    message,
                    Some("valueFrom takes arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME, arn:aws:ssm:REGION:ACCOUNT:parameter/NAME, or the name of an SSM parameter in the task's region; never the secret itself".into()),
                );
            }
        }
    }

    fn image(&mut self, image: &Value, ptr: &str) {
        let reference = match image {
            Value::String(text) => {
                if text.trim().is_empty() {
                    self.error(self.at(ptr), "the image cannot be empty", None);
                    return;
                }
                // `shop/web:1` with no registry is a Docker Hub image, not the manifest's.
                let repository = text.split(['@', ':']).next().unwrap_or_default();
                if self.manifest.repositories.contains_key(repository) {
                    let rest = &text[repository.len()..];
                    let form = match rest.strip_prefix('@') {
                        Some(digest) => format!("digest: \"{digest}\""),
                        None => format!("tag: \"{}\"", rest.trim_start_matches(':')),
                    };
                    self.out
                        .warning(
                            self.at(ptr),
                            format!("`{text}` names no registry: ECS pulls it from Docker Hub, not from the manifest's repository `{repository}`"),
                        )
                        .hint_mut(format!(
                            "to use the ECR repository write image: {{ repository: {repository}, {form} }}"
                        ));
                }
                return;
            }
            Value::Object(reference) => reference,
            _ => return,
        };
        if let Some(repository) = str_of(reference, "repository")
            && !self.manifest.repositories.contains_key(repository)
        {
            let known: Vec<&str> = self
                .manifest
                .repositories
                .keys()
                .map(String::as_str)
                .collect();
            self.error(
                self.at(&child(ptr, "repository")),
                format!("`{repository}` is not a repository of this manifest"),
                Some(not_found_hint(
                    repository,
                    &known,
                    "declare it under repositories, or give the image as a string (registry/repository:tag)",
                )),
            );
        }
        match (reference.get("tag"), reference.get("digest")) {
            (Some(_), Some(_)) => self.error(
                self.key(&child(ptr, "digest")),
                "an image takes a `tag` or a `digest`, not both",
                Some("a digest pins the image exactly; keep one of them".into()),
            ),
            (None, None) => self.error(
                self.key(&child(ptr, "repository")),
                "an image reference needs a `tag` or a `digest`",
                Some("e.g. image: { repository: shop/web, tag: \"${IMAGE_TAG}\" }".into()),
            ),
            (Some(Value::String(tag)), None) if !IMAGE_TAG.is_match(tag) => self.error(
                self.at(&child(ptr, "tag")),
                format!("`{tag}` is not a valid image tag"),
                Some("a tag is 1 to 128 letters, digits, `_`, `.` and `-`, not starting with `.` or `-`".into()),
            ),
            (None, Some(Value::String(digest))) if !IMAGE_DIGEST.is_match(digest) => self.error(
                self.at(&child(ptr, "digest")),
                format!("`{digest}` is not an image digest"),
                Some("a digest is sha256: followed by 64 hex digits".into()),
            ),
            _ => {}
        }
    }

    fn task_roles(&mut self, task: &ApiObject, base: &str, fargate: bool) {
        for (short, long) in [
            ("executionRole", "executionRoleArn"),
            ("taskRole", "taskRoleArn"),
        ] {
            if task.contains_key(short) && task.contains_key(long) {
                self.error(
                    self.key(&child(base, long)),
                    format!("`{short}` and `{long}` cannot both be set"),
                    Some(format!(
                        "{short} takes a role of this manifest or a role ARN; keep only it"
                    )),
                );
            }
            if let Some(reference) = str_of(task, short) {
                let span = self.at(&child(base, short));
                if reference.starts_with("arn:") {
                    self.role_arn(reference, span);
                } else {
                    self.role_reference(reference, span);
                }
            }
            if let Some(arn) = str_of(task, long) {
                let span = self.at(&child(base, long));
                if arn.starts_with("arn:") {
                    self.role_arn(arn, span);
                } else if self.manifest.iam.roles.contains_key(arn) {
                    // A bare name of an existing role is accepted (the API documents it
                    // for taskRoleArn; the Developer Guide's ECS Exec example gives one
                    // for executionRoleArn); a manifest role is meant for the short form,
                    // which resolves it and orders the role first.
                    self.error(
                        span,
                        format!("{long} takes a role ARN, not `{arn}`"),
                        Some(format!(
                            "to refer to a role by name (of this manifest) use `{short}: {arn}`"
                        )),
                    );
                }
            }
        }

        // Things that make ECS use the execution role, which must then exist.
        if task.contains_key("executionRole") || task.contains_key("executionRoleArn") {
            return;
        }
        let list_ptr = child(base, "containerDefinitions");
        for (i, container) in objects(task, "containerDefinitions") {
            let ptr = child(&list_ptr, &i.to_string());
            if task_uses_secrets(container) {
                self.error(
                    self.key(&child(&ptr, "secrets")),
                    "containers with secrets need an execution role to read them",
                    Some("add executionRole: a role of this manifest (or executionRoleArn)".into()),
                );
            }
            let log_driver = container
                .get("logConfiguration")
                .and_then(|l| l.get("logDriver"))
                .and_then(Value::as_str);
            if fargate && log_driver == Some("awslogs") {
                self.error(
                    self.at(&super::pointer_join(
                        &ptr,
                        &["logConfiguration", "logDriver"],
                    )),
                    "on Fargate, the awslogs log driver needs an execution role",
                    Some("add executionRole: a role of this manifest (or executionRoleArn)".into()),
                );
            }
            if fargate && matches!(container.get("image"), Some(Value::Object(_))) {
                let image_ptr = child(&ptr, "image");
                let span = self.extent(&image_ptr, &container["image"]);
                self.out
                    .warning(
                        span,
                        "Fargate pulls images from ECR with the execution role, and this task definition has none",
                    )
                    .hint_mut("add executionRole: a role with AmazonECSTaskExecutionRolePolicy (or pullFrom this repository)");
            }
        }
    }

    fn role_arn(&mut self, arn: &str, span: Span) {
        match ROLE_ARN.captures(arn) {
            Some(c) if ROLE_NAME.is_match(&c[2]) => {}
            _ => self.error(
                span,
                format!("`{arn}` is not an IAM role ARN"),
                Some(ROLE_ARN_HINT.into()),
            ),
        }
    }

    // ---- services ----------------------------------------------------------------------

    fn service(&mut self, service: &ApiObject, base: &str) {
        self.refused_members(service, base, ecs_members::CREATE_SERVICE);
        let ecs = &self.manifest.ecs;
        if let Some(cluster) = str_of(service, "cluster") {
            let known = !cluster.starts_with("arn:") && ecs.clusters.contains_key(cluster);
            if !known && !CLUSTER_ARN.is_match(cluster) {
                let message = if cluster.starts_with("arn:") {
                    format!("`{cluster}` is not an ECS cluster ARN")
                } else {
                    format!("`{cluster}` is not a cluster of this manifest")
                };
                let names: Vec<&str> = ecs.clusters.keys().map(String::as_str).collect();
                self.error(
                    self.at(&child(base, "cluster")),
                    message,
                    Some(not_found_hint(
                        cluster,
                        &names,
                        "declare it under ecs.clusters, or give its ARN (arn:aws:ecs:REGION:ACCOUNT:cluster/NAME)",
                    )),
                );
            }
        }

        let external = service
            .get("deploymentController")
            .and_then(|c| c.get("type"))
            .and_then(Value::as_str)
            == Some("EXTERNAL");
        if !external && !service.contains_key("taskDefinition") {
            self.error(
                self.key(base),
                "missing required key `taskDefinition` in service",
                Some("name a task definition of this manifest, family:revision or an ARN; only an EXTERNAL deploymentController may leave it out".into()),
            );
        }

        // The manifest family the service runs, when it runs one.
        let mut family = None;
        if let Some(reference) = str_of(service, "taskDefinition") {
            let span = self.at(&child(base, "taskDefinition"));
            let families: Vec<&str> = ecs.task_definitions.keys().map(String::as_str).collect();
            if ecs.task_definitions.contains_key(reference) {
                family = Some(reference);
            } else if let Some(c) = FAMILY_REVISION.captures(reference) {
                let name = c.get(1).map_or("", |m| m.as_str());
                family = families.iter().copied().find(|f| *f == name);
                if c[2].starts_with('0') {
                    self.error(
                        span,
                        format!(
                            "`{reference}` names revision {}, and revisions start at 1",
                            &c[2]
                        ),
                        None,
                    );
                }
            } else if reference.starts_with("arn:") {
                if !TASK_DEFINITION_ARN.is_match(reference) {
                    self.error(
                        span,
                        format!("`{reference}` is not a task-definition ARN"),
                        Some(
                            "e.g. arn:aws:ecs:eu-west-1:123456789012:task-definition/web:3".into(),
                        ),
                    );
                }
            } else if !FAMILY.is_match(reference)
                || did_you_mean(reference, families.iter().copied()).is_some()
            {
                // Close to a family of this manifest: most likely a typo of it.
                self.error(
                    span,
                    format!("`{reference}` is not a task-definition family of this manifest"),
                    Some(not_found_hint(
                        reference,
                        &families,
                        "declare it under ecs.taskDefinitions, pin an existing revision (family:revision), or give its ARN",
                    )),
                );
            }
            // Else a family managed elsewhere: ECS runs its latest ACTIVE revision.
        }

        if service.contains_key("launchType") && service.contains_key("capacityProviderStrategy") {
            self.error(
                self.key(&child(base, "capacityProviderStrategy")),
                "`launchType` and `capacityProviderStrategy` cannot both be set",
                Some(
                    "a service is placed either by launch type or by capacity providers; keep one"
                        .into(),
                ),
            );
        }
        if let Some(count) = service.get("desiredCount").and_then(Value::as_i64)
            && count < 0
        {
            self.error(
                self.at(&child(base, "desiredCount")),
                format!("desiredCount cannot be negative ({count})"),
                Some("leave desiredCount out to let autoscaling decide".into()),
            );
        }

        if let Some(family) = family
            && let Some(task) = ecs.task_definitions.get(family)
        {
            // AWS refuses to run a task definition on Fargate unless it was registered
            // for it ("Task definition does not support launch_type FARGATE"; ECS
            // Developer Guide, task definition parameters `requiresCompatibilities`).
            let fargate_provider = objects(service, "capacityProviderStrategy")
                .into_iter()
                .find(|(_, item)| {
                    matches!(
                        str_of(item, "capacityProvider"),
                        Some("FARGATE" | "FARGATE_SPOT")
                    )
                });
            let fargate_at = if str_of(service, "launchType") == Some("FARGATE") {
                Some((child(base, "launchType"), "launchType FARGATE".to_string()))
            } else {
                fargate_provider.map(|(i, item)| {
                    (
                        super::pointer_join(
                            base,
                            &[
                                "capacityProviderStrategy",
                                &i.to_string(),
                                "capacityProvider",
                            ],
                        ),
                        format!(
                            "capacity provider {}",
                            str_of(item, "capacityProvider").unwrap_or_default()
                        ),
                    )
                })
            };
            // Without requiresCompatibilities, ECS validates the definition against each
            // launch type and lists those it fits in `compatibilities` (ECS API Reference,
            // TaskDefinition `compatibilities`): awsvpc with Fargate's task sizes fits.
            // awsvpc with a task size Fargate offers fits.
            let size = |key: &str, parse: fn(&str) -> Option<u32>| match task.get(key) {
                Some(Value::String(text)) => parse(text),
                Some(Value::Number(n)) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
                _ => None,
            };
            let fits_fargate = !task.contains_key("requiresCompatibilities")
                && str_of(task, "networkMode") == Some("awsvpc")
                && size("cpu", units::cpu_units)
                    .zip(size("memory", units::memory_mib))
                    .is_some_and(|(cpu, memory)| units::fargate_combination_ok(cpu, memory));
            if let Some((at, what)) = fargate_at
                && !is_fargate(task)
                && !fits_fargate
            {
                self.error(
                    self.at(&at),
                    format!(
                        "{what} needs a Fargate-compatible task definition, and `{family}` does not list FARGATE in requiresCompatibilities"
                    ),
                    Some(format!(
                        "add requiresCompatibilities: [FARGATE] to task definition `{family}` (with networkMode awsvpc and task cpu and memory)"
                    )),
                );
            }
            let network_mode = str_of(task, "networkMode").unwrap_or(if is_fargate(task) {
                "awsvpc"
            } else {
                "bridge"
            });
            // AWS: "networkConfiguration ... is required for task definitions that use
            // the awsvpc network mode ... It isn't supported for other network modes"
            // (ECS API Reference, CreateService `networkConfiguration`).
            if network_mode != "awsvpc"
                && service
                    .get("networkConfiguration")
                    .and_then(|n| n.get("awsvpcConfiguration"))
                    .is_some()
            {
                self.error(
                    self.key(&child(base, "networkConfiguration")),
                    format!(
                        "task definition `{family}` uses networkMode {network_mode}, and ECS takes a networkConfiguration only for awsvpc"
                    ),
                    Some(format!(
                        "remove networkConfiguration, or set networkMode: awsvpc in task definition `{family}`"
                    )),
                );
            }
            if str_of(task, "networkMode") == Some("awsvpc")
                && !service.contains_key("networkConfiguration")
            {
                self.error(
                    self.key(base),
                    format!(
                        "task definition `{family}` uses networkMode awsvpc, so the service needs a networkConfiguration"
                    ),
                    Some("add networkConfiguration: { awsvpcConfiguration: { subnets: [...], securityGroups: [...] } }".into()),
                );
            }
        }
        self.ecs_tags(service, base, "this service");
    }
}

fn task_uses_secrets(container: &ApiObject) -> bool {
    matches!(container.get("secrets"), Some(Value::Array(items)) if !items.is_empty())
}

#[cfg(test)]
mod tests {
    use crate::diagnostics::Severity;

    /// A clean manifest with one of everything; each case edits it.
    const BASE: &str = r#"version: 1
stack: shop
repositories:
  shop/web: {}
iam:
  roles:
    task-execution:
      assumedBy: [ecs-tasks.amazonaws.com]
ecs:
  clusters:
    shop:
      settings: [ { name: containerInsights, value: enabled } ]
      capacityProviders: [FARGATE]
      defaultCapacityProviderStrategy: [ { capacityProvider: FARGATE, weight: 1 } ]
  taskDefinitions:
    web:
      cpu: "256"
      memory: "512"
      networkMode: awsvpc
      requiresCompatibilities: [FARGATE]
      executionRole: task-execution
      containerDefinitions:
        - name: web
          image: { repository: shop/web, tag: "1.0" }
          portMappings: [ { containerPort: 8080, hostPort: 8080 } ]
          environment: [ { name: LOG_LEVEL, value: info } ]
          secrets: [ { name: DB_PASSWORD, valueFrom: /shop/db-password } ]
          dependsOn: [ { containerName: sidecar, condition: START } ]
        - name: sidecar
          image: busybox:1.36
          essential: false
  services:
    web:
      cluster: shop
      taskDefinition: web
      desiredCount: 2
      launchType: FARGATE
      networkConfiguration:
        awsvpcConfiguration: { subnets: [subnet-0abc] }
"#;

    /// Every diagnostic for `src`, as (severity, message, hint, text under the span).
    fn diagnose(src: &str) -> Vec<(Severity, String, String, String)> {
        crate::manifest::diagnostics_with_text(src)
    }

    /// BASE with `from` replaced by `to` (which must occur).
    fn edit(from: &str, to: &str) -> String {
        assert!(BASE.contains(from), "BASE lacks {from:?}");
        BASE.replacen(from, to, 1)
    }

    fn assert_clean(src: &str) {
        let found = diagnose(src);
        assert!(
            found.is_empty(),
            "expected no diagnostics for\n{src}\ngot: {found:#?}"
        );
    }

    use Severity::{Error as E, Warning as W};

    /// (replace, with, severity, message contains, exact text under the span, hint contains)
    type Case = (
        &'static str,
        &'static str,
        Severity,
        &'static str,
        &'static str,
        &'static str,
    );

    fn check(cases: &[Case]) {
        for (from, to, severity, message, text, hint) in cases {
            let src = edit(from, to);
            let found = diagnose(&src);
            assert!(
                found.iter().any(|(s, m, h, t)| s == severity
                    && m.contains(message)
                    && t == text
                    && h.contains(hint)),
                "{from:?} -> {to:?}: expected {severity:?} {message:?} at {text:?} (hint {hint:?})\ngot: {found:#?}"
            );
        }
    }

    #[test]
    fn the_base_manifest_and_its_valid_variants_are_clean() {
        assert_clean(BASE);
        for (from, to) in [
            ("cpu: \"256\"", "cpu: \"0.25 vCPU\""),
            ("memory: \"512\"", "memory: \"1 GB\""),
            ("memory: \"512\"", "memory: 2048"),
            ("cpu: \"256\"", "cpu: 256"),
            ("value: enabled", "value: enhanced"),
            ("hostPort: 8080", "protocol: tcp"),
            (
                "{ name: LOG_LEVEL, value: info }",
                "{ name: TOKEN_URL, value: \"https://auth\" }",
            ),
            (
                "{ name: LOG_LEVEL, value: info }",
                "{ name: DB_PASSWORD, value: \"\" }",
            ),
            (
                "/shop/db-password",
                "\"arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf\"",
            ),
            (
                "/shop/db-password",
                "\"arn:aws:ssm:eu-west-1:123456789012:parameter/shop/db\"",
            ),
            ("/shop/db-password", "db-password"),
            (
                "executionRole: task-execution",
                "executionRole: \"arn:aws:iam::123456789012:role/exec\"",
            ),
            (
                "executionRole: task-execution",
                "executionRoleArn: \"arn:aws:iam::123456789012:role/exec\"",
            ),
            (
                "tag: \"1.0\"",
                "digest: \"sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"",
            ),
            (
                "cluster: shop",
                "cluster: \"arn:aws:ecs:eu-west-1:123456789012:cluster/other\"",
            ),
            ("taskDefinition: web", "taskDefinition: \"web:3\""),
            ("taskDefinition: web", "taskDefinition: \"other-family:12\""),
            (
                "taskDefinition: web",
                "taskDefinition: \"arn:aws:ecs:eu-west-1:123456789012:task-definition/web:3\"",
            ),
            ("      desiredCount: 2\n", ""),
            (
                "      launchType: FARGATE\n",
                "      capacityProviderStrategy: [ { capacityProvider: FARGATE, weight: 1 } ]\n",
            ),
            (
                "      executionRole: task-execution\n",
                "      executionRole: task-execution\n      keepRevisions: 3\n      tags: { app: web }\n",
            ),
        ] {
            assert_clean(&edit(from, to));
        }
    }

    #[test]
    fn fargate_sizes_and_network_mode() {
        check(&[
            (
                "memory: \"512\"",
                "memory: \"4096\"",
                E,
                "Fargate does not offer 4096 MiB of memory with 256 (0.25 vCPU) CPU units",
                "\"4096\"",
                "512, 1024 or 2048",
            ),
            (
                "cpu: \"256\"",
                "cpu: \"0.5 vCPU\"",
                E,
                "Fargate does not offer 512 MiB of memory with 512 (0.5 vCPU)",
                "\"512\"",
                "1024 to 4096 MiB in steps of 1024",
            ),
            (
                "memory: \"512\"",
                "memory: \"3 GB\"",
                E,
                "Fargate does not offer 3072 MiB",
                "\"3 GB\"",
                "",
            ),
            (
                "cpu: \"256\"",
                "cpu: \"300\"",
                E,
                "Fargate does not offer 300 CPU units",
                "\"300\"",
                "256, 512, 1024",
            ),
            (
                "cpu: \"256\"",
                "cpu: \"lots\"",
                E,
                "`lots` is not a valid task cpu value",
                "\"lots\"",
                "0.25 vCPU",
            ),
            (
                "memory: \"512\"",
                "memory: \"1 TB\"",
                E,
                "`1 TB` is not a valid task memory value",
                "\"1 TB\"",
                "1 GB",
            ),
            (
                "      cpu: \"256\"\n",
                "",
                E,
                "a Fargate task definition needs a task-level `cpu`",
                "web",
                "",
            ),
            (
                "      memory: \"512\"\n",
                "",
                E,
                "a Fargate task definition needs a task-level `memory`",
                "web",
                "",
            ),
            (
                "networkMode: awsvpc",
                "networkMode: bridge",
                E,
                "Fargate tasks need networkMode awsvpc, not bridge",
                "bridge",
                "",
            ),
            (
                "      networkMode: awsvpc\n",
                "",
                E,
                "needs networkMode awsvpc",
                "web",
                "networkMode: awsvpc",
            ),
        ]);
    }

    #[test]
    fn containers() {
        let many: String = (0..10)
            .map(|i| format!("        - {{ name: extra{i}, image: busybox, essential: false }}\n"))
            .collect();
        let src = edit(
            "        - name: sidecar\n",
            &format!("{many}        - name: sidecar\n"),
        );
        let found = diagnose(&src);
        assert!(
            found.iter().any(|(_, m, _, t)| m
                .contains("12 container definitions; ECS allows at most 10")
                && t == "containerDefinitions"),
            "{found:#?}"
        );
        check(&[
            (
                "- name: sidecar",
                "- name: web",
                E,
                "container name `web` is used twice",
                "web",
                "its own name",
            ),
            (
                "- name: sidecar",
                "- name: side.car",
                E,
                "`side.car` is not a valid container name",
                "side.car",
                "",
            ),
            (
                "          portMappings:",
                "          essential: false\n          portMappings:",
                E,
                "no container is essential",
                "containerDefinitions",
                "essential: true",
            ),
            (
                "hostPort: 8080",
                "hostPort: 80",
                E,
                "under networkMode awsvpc, hostPort must equal containerPort (8080)",
                "80",
                "set it to 8080",
            ),
            (
                "containerName: sidecar",
                "containerName: sidecr",
                E,
                "dependsOn names `sidecr`, which is not a container of this task definition",
                "sidecr",
                "did you mean `sidecar`?",
            ),
            (
                "containerName: sidecar",
                "containerName: web",
                E,
                "container `web` depends on itself",
                "web",
                "",
            ),
            (
                "image: busybox:1.36",
                "image: \"\"",
                E,
                "the image cannot be empty",
                "\"\"",
                "",
            ),
            (
                "          image: busybox:1.36\n",
                "",
                E,
                "a container definition needs an `image`",
                "",
                "",
            ),
            (
                "          essential: false\n",
                "          essential: false\n          memory: 1024\n",
                E,
                "the container's memory (1024 MiB) exceeds the task's memory (512 MiB)",
                "1024",
                "",
            ),
            (
                "          essential: false\n",
                "          essential: false\n          memory: 128\n          memoryReservation: 256\n",
                E,
                "memoryReservation (256 MiB) is larger than the container's memory limit (128 MiB)",
                "256",
                "",
            ),
        ]);
    }

    #[test]
    fn containers_without_a_task_memory_need_their_own() {
        let src = edit("      memory: \"512\"\n", "")
            .replace(
                "requiresCompatibilities: [FARGATE]",
                "requiresCompatibilities: [EC2]",
            )
            .replace("      cpu: \"256\"\n", "")
            .replace("      launchType: FARGATE\n", "      launchType: EC2\n");
        let found = diagnose(&src);
        let at: Vec<&str> = found
            .iter()
            .filter(|(_, m, _, _)| {
                m.contains("each container needs `memory` or `memoryReservation`")
            })
            .map(|(_, _, _, t)| t.as_str())
            .collect();
        assert_eq!(at, ["web", "sidecar"], "{found:#?}");
    }

    #[test]
    fn secrets_and_plaintext_environment() {
        check(&[
            (
                "{ name: LOG_LEVEL, value: info }",
                "{ name: api_token, value: abc123 }",
                W,
                "`api_token` looks like a secret but is given in plain text",
                "abc123",
                "secrets",
            ),
            (
                "{ name: LOG_LEVEL, value: info }",
                "{ name: STRIPE_API_KEY, value: sk_live_1 }",
                W,
                "`STRIPE_API_KEY` looks like a secret",
                "sk_live_1",
                "",
            ),
            (
                "{ name: LOG_LEVEL, value: info }",
                "{ name: Db_Password, value: hunter2 }",
                W,
                "`Db_Password` looks like a secret",
                "hunter2",
                "",
            ),
            (
                "/shop/db-password",
                "\"hunter2!\"",
                E,
                "`hunter2!` is neither an ARN nor an SSM parameter name",
                "\"hunter2!\"",
                "secretsmanager",
            ),
            (
                "/shop/db-password",
                "\"arn:aws:kms:eu-west-1:123456789012:key/abc\"",
                E,
                "is not a Secrets Manager secret or SSM parameter ARN",
                "\"arn:aws:kms:eu-west-1:123456789012:key/abc\"",
                "",
            ),
            (
                "      executionRole: task-execution\n",
                "",
                E,
                "containers with secrets need an execution role to read them",
                "secrets",
                "executionRole",
            ),
        ]);
        // Log-router secrets are checked too.
        let src = edit(
            "          essential: false\n",
            "          essential: false\n          logConfiguration: { logDriver: splunk, secretOptions: [ { name: token, valueFrom: \"not a name\" } ] }\n",
        );
        let found = diagnose(&src);
        assert!(
            found
                .iter()
                .any(|(_, m, _, t)| m.contains("neither an ARN") && t == "\"not a name\""),
            "{found:#?}"
        );
    }

    #[test]
    fn the_registered_size_limit() {
        let big: String = (0..700)
            .map(|i| {
                format!(
                    "            - {{ name: VAR_{i}, value: {} }}\n",
                    "x".repeat(90)
                )
            })
            .collect();
        let src = edit(
            "          environment: [ { name: LOG_LEVEL, value: info } ]\n",
            &format!("          environment:\n{big}"),
        );
        let found = diagnose(&src);
        assert!(
            found.iter().any(|(s, m, _, t)| *s == E
                && m.contains("bytes as registered; ECS accepts at most 65536 (64 KiB)")
                && t == "web"),
            "{found:#?}"
        );
    }

    #[test]
    fn roles() {
        check(&[
            (
                "executionRole: task-execution",
                "executionRole: task-executon",
                E,
                "`task-executon` is neither a role of this manifest nor a role ARN",
                "task-executon",
                "did you mean `task-execution`?",
            ),
            (
                "executionRole: task-execution",
                "executionRole: \"arn:aws:iam::123:role/x\"",
                E,
                "is not an IAM role ARN",
                "\"arn:aws:iam::123:role/x\"",
                "",
            ),
            (
                "      executionRole: task-execution\n",
                "      executionRole: task-execution\n      executionRoleArn: \"arn:aws:iam::123456789012:role/x\"\n",
                E,
                "`executionRole` and `executionRoleArn` cannot both be set",
                "executionRoleArn",
                "",
            ),
            (
                "executionRole: task-execution",
                "executionRoleArn: task-execution",
                E,
                "executionRoleArn takes a role ARN, not `task-execution`",
                "task-execution",
                "executionRole: task-execution",
            ),
            (
                "      executionRole: task-execution\n",
                "      executionRole: task-execution\n      taskRole: nobody\n",
                E,
                "`nobody` is neither a role of this manifest nor a role ARN",
                "nobody",
                "",
            ),
        ]);
    }

    #[test]
    fn image_references() {
        check(&[
            (
                "repository: shop/web",
                "repository: shop/wbe",
                E,
                "`shop/wbe` is not a repository of this manifest",
                "shop/wbe",
                "did you mean `shop/web`?",
            ),
            (
                "tag: \"1.0\"",
                "tag: \"1.0\", digest: \"sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"",
                E,
                "an image takes a `tag` or a `digest`, not both",
                "digest",
                "",
            ),
            (
                "{ repository: shop/web, tag: \"1.0\" }",
                "{ repository: shop/web }",
                E,
                "an image reference needs a `tag` or a `digest`",
                "repository",
                "",
            ),
            (
                "tag: \"1.0\"",
                "digest: \"sha256:abc\"",
                E,
                "`sha256:abc` is not an image digest",
                "\"sha256:abc\"",
                "64 hex",
            ),
            (
                "tag: \"1.0\"",
                "tag: \"-bad tag\"",
                E,
                "`-bad tag` is not a valid image tag",
                "\"-bad tag\"",
                "",
            ),
            (
                "image: busybox:1.36",
                "image: shop/web:1.0",
                W,
                "`shop/web:1.0` names no registry",
                "shop/web:1.0",
                "{ repository: shop/web, tag: \"1.0\" }",
            ),
            (
                "      executionRole: task-execution\n",
                "",
                W,
                "Fargate pulls images from ECR with the execution role",
                "repository: shop/web, tag: \"1.0\"",
                "",
            ),
        ]);
    }

    #[test]
    fn services() {
        check(&[
            (
                "cluster: shop",
                "cluster: shp",
                E,
                "`shp` is not a cluster of this manifest",
                "shp",
                "did you mean `shop`?",
            ),
            (
                "cluster: shop",
                "cluster: \"arn:aws:ecs:eu-west-1:1:cluster/x\"",
                E,
                "is not an ECS cluster ARN",
                "\"arn:aws:ecs:eu-west-1:1:cluster/x\"",
                "",
            ),
            (
                "taskDefinition: web",
                "taskDefinition: webb",
                E,
                "`webb` is not a task-definition family of this manifest",
                "webb",
                "did you mean `web`?",
            ),
            (
                "taskDefinition: web",
                "taskDefinition: \"web:0\"",
                E,
                "revisions start at 1",
                "\"web:0\"",
                "",
            ),
            (
                "taskDefinition: web",
                "taskDefinition: \"arn:aws:ecs:eu-west-1:123456789012:task/web\"",
                E,
                "is not a task-definition ARN",
                "\"arn:aws:ecs:eu-west-1:123456789012:task/web\"",
                "",
            ),
            (
                "      launchType: FARGATE\n",
                "      launchType: FARGATE\n      capacityProviderStrategy: [ { capacityProvider: FARGATE } ]\n",
                E,
                "`launchType` and `capacityProviderStrategy` cannot both be set",
                "capacityProviderStrategy",
                "",
            ),
            (
                "desiredCount: 2",
                "desiredCount: -1",
                E,
                "desiredCount cannot be negative (-1)",
                "-1",
                "autoscaling",
            ),
            (
                "requiresCompatibilities: [FARGATE]",
                "requiresCompatibilities: [EC2]",
                E,
                "launchType FARGATE needs a Fargate-compatible task definition",
                "FARGATE",
                "requiresCompatibilities",
            ),
            (
                "      networkConfiguration:\n        awsvpcConfiguration: { subnets: [subnet-0abc] }\n",
                "",
                E,
                "uses networkMode awsvpc, so the service needs a networkConfiguration",
                "web",
                "",
            ),
            (
                "      cluster: shop\n",
                "",
                E,
                "missing required key `cluster`",
                "",
                "",
            ),
        ]);
    }

    #[test]
    fn clusters() {
        check(&[
            (
                "value: enabled",
                "value: enabeld",
                E,
                "`enabeld` is not a containerInsights setting",
                "enabeld",
                "did you mean `enabled`?",
            ),
            (
                "value: enabled",
                "value: active",
                E,
                "`active` is not a containerInsights setting",
                "active",
                "enabled, disabled or enhanced",
            ),
            (
                "capacityProviders: [FARGATE]",
                "capacityProviders: [FARGATE_SPOT]",
                E,
                "capacity provider `FARGATE` is not among this cluster's capacityProviders",
                "FARGATE",
                "",
            ),
            (
                "    shop:\n",
                "    shop.main:\n",
                E,
                "`shop.main` is not a valid ECS cluster name",
                "shop.main",
                "",
            ),
        ]);
    }

    #[test]
    fn tags_and_names() {
        check(&[
            (
                "      executionRole: task-execution\n",
                "      executionRole: task-execution\n      tags: { 'aws:x': v }\n",
                E,
                "uses the `aws:` prefix",
                "'aws:x'",
                "",
            ),
            (
                "      desiredCount: 2\n",
                "      desiredCount: 2\n      tags: { 'wharf:stack': other }\n",
                E,
                "is reserved",
                "'wharf:stack'",
                "",
            ),
            (
                "    web:\n      cpu",
                "    web.v2:\n      cpu",
                E,
                "`web.v2` is not a valid ECS task-definition family",
                "web.v2",
                "",
            ),
        ]);
    }

    /// ECS lists FARGATE among a definition's compatibilities when it fits Fargate, even
    /// without requiresCompatibilities; an empty refused member is absent.
    #[test]
    fn what_aws_accepts_is_accepted() {
        assert_clean(&edit("      requiresCompatibilities: [FARGATE]\n", ""));
        // ... but not a size Fargate does not offer: ECS would not list FARGATE then.
        let odd = edit("      requiresCompatibilities: [FARGATE]\n", "")
            .replace("      memory: \"512\"\n", "      memory: \"700\"\n");
        assert!(
            diagnose(&odd)
                .iter()
                .any(|(s, m, ..)| *s == E && m.contains("does not list FARGATE")),
            "{odd}"
        );
        assert_clean(&edit(
            "      executionRole: task-execution\n",
            "      executionRole: task-execution\n      inferenceAccelerators: []\n",
        ));
    }

    #[test]
    fn the_schema_checks_the_shapes() {
        check(&[
            (
                "portMappings:",
                "portMapping:",
                E,
                "unknown key `portMapping`",
                "portMapping",
                "did you mean `portMappings`?",
            ),
            (
                "tag: \"1.0\"",
                "tagg: \"1.0\"",
                E,
                "unknown key `tagg`",
                "tagg",
                "did you mean `tag`?",
            ),
            (
                "networkMode: awsvpc",
                "networkMode: awsvcp",
                E,
                "`awsvcp` is not a valid value here",
                "awsvcp",
                "did you mean `awsvpc`?",
            ),
            (
                "      executionRole: task-execution\n",
                "      executionRole: task-execution\n      keepRevisions: 0\n",
                E,
                "must be at least 1",
                "0",
                "",
            ),
            (
                "      executionRole: task-execution\n",
                "      executionRole: task-execution\n      family: api\n",
                E,
                "`family` is `api`, but this task definition is keyed `web`",
                "api",
                "rename the key to `api`, or remove `family`",
            ),
            (
                "          essential: false\n",
                "          essential: false\n          cpu: \"128\"\n",
                E,
                "expected an integer, found a string",
                "\"128\"",
                "",
            ),
            (
                "      desiredCount: 2\n",
                "      desiredCount: 2\n      serviceName: api\n",
                E,
                "`serviceName` is `api`, but this service is keyed `web`",
                "api",
                "remove `serviceName`",
            ),
            (
                "      desiredCount: 2\n",
                "      desiredCount: 2\n      tags: [ { key: a, value: b }, { key: a, value: c } ]\n",
                E,
                "tag `a` is given twice",
                "a",
                "one value per tag key",
            ),
            (
                "      desiredCount: 2\n",
                "      desiredCount: 2\n      monitoring: { metricConfigurations: [] }\n",
                E,
                "wharf does not manage `monitoring` of CreateService",
                "monitoring",
                "DescribeServices does not report it",
            ),
            (
                "          essential: false\n",
                "          essential: false\n          mountPoints: [ { sourceVolume: data, containerPath: /data } ]\n          volumesFrom: [ { sourceContainer: side } ]\n",
                E,
                "mountPoints names volume `data`, which this task definition does not declare",
                "data",
                "declare it under the task definition's `volumes`",
            ),
            (
                "          environment: [ { name: LOG_LEVEL, value: info } ]\n",
                "          environment: [ { name: DB_URL, valueFrom: /shop/db-url } ]\n",
                E,
                "unknown key `valueFrom` in environment variable",
                "valueFrom",
                "goes in the container's `secrets",
            ),
            (
                "          essential: false\n",
                "          essential: false\n          volumesFrom: [ { sourceContainer: side } ]\n",
                E,
                "volumesFrom names `side`, which is not another container",
                "side",
                "",
            ),
            (
                "      networkMode: awsvpc\n      requiresCompatibilities: [FARGATE]\n",
                "      networkMode: bridge\n      requiresCompatibilities: [EC2]\n",
                E,
                "ECS takes a networkConfiguration only for awsvpc",
                "networkConfiguration",
                "remove networkConfiguration",
            ),
            (
                "      executionRole: task-execution\n",
                "      executionRole: task-execution\n      inferenceAccelerators: [ { deviceName: d, deviceType: eia2.medium } ]\n",
                E,
                "wharf does not manage `inferenceAccelerators` of RegisterTaskDefinition",
                "inferenceAccelerators",
                "Elastic Inference is no longer available",
            ),
        ]);
    }
}
