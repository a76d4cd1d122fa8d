//! Validation of a task definition: sizes and what Fargate accepts, containers and the
//! references between them, secrets, images, and the roles it runs with, as ECS checks
//! them at RegisterTaskDefinition. AWS's limits are named where they are checked.

use crate::diagnostics::Span;
use crate::kinds::task_definition::units;
use crate::manifest::ecs_members;
use crate::manifest::model::ApiObject;
use crate::manifest::validate::ecs::{ECS_NAME, is_fargate, not_found_hint, objects, str_of};
use crate::manifest::validate::{ROLE_ARN, ROLE_ARN_HINT, ROLE_NAME, Validator, child};
use regex::Regex;
use serde_json::Value;
use std::sync::LazyLock;

/// ECS: at most 10 container definitions per task definition.
const CONTAINERS_MAX: usize = 10;

/// An image digest: ECS supports sha256 only.
static IMAGE_DIGEST: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^sha256:[0-9a-fA-F]{64}$").expect("valid regex"));

/// A Docker image tag.
static IMAGE_TAG: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$").expect("valid regex"));

static SECRETS_MANAGER_ARN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+$")
        .expect("valid regex")
});

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

static SSM_PARAMETER_ARN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^arn:aws[a-z-]*:ssm:[a-z0-9-]+:[0-9]{12}:parameter/.+$").expect("valid regex")
});

/// An SSM parameter name (in the task's region): `name` or `/path/to/name`.
static SSM_PARAMETER_NAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^/?[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)*$").expect("valid regex"));

/// ECS: a registered task definition is at most 64 KiB of JSON.
const TASK_DEFINITION_BYTES_MAX: usize = 65_536;

impl Validator<'_> {
    pub(crate) fn task_definition(&mut self, family: &str, task: &ApiObject, base: &str) {
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
    pub(crate) fn task_size(&mut self, task: &ApiObject, base: &str, key: &str) -> Option<u32> {
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

    pub(crate) fn fargate(
        &mut self,
        task: &ApiObject,
        base: &str,
        cpu: Option<u32>,
        memory: Option<u32>,
    ) {
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

    pub(crate) fn containers(&mut self, task: &ApiObject, base: &str, task_memory: Option<u32>) {
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
    pub(crate) fn container_references(&mut self, task: &ApiObject, base: &str) {
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
                        self.at(&crate::manifest::validate::pointer_join(
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
                        self.at(&crate::manifest::validate::pointer_join(
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

    pub(crate) fn container(
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
                        self.at(&crate::manifest::validate::pointer_join(
                            &ports,
                            &[&i.to_string(), "hostPort"],
                        )),
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
            let span = self.at(&crate::manifest::validate::pointer_join(
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
                let span = self.at(&crate::manifest::validate::pointer_join(
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
    pub(crate) fn secret_sources(&mut self, object: &ApiObject, key: &str, ptr: &str) {
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
                    self.at(&crate::manifest::validate::pointer_join(ptr, &[&i.to_string(), "valueFrom"])),
                    message,
                    Some("valueFrom takes arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME, arn:aws:ssm:REGION:ACCOUNT:parameter/NAME, or the name of an SSM parameter in the task's region; never the secret itself".into()),
                );
            }
        }
    }

    pub(crate) fn image(&mut self, image: &Value, ptr: &str) {
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

    pub(crate) fn task_roles(&mut self, task: &ApiObject, base: &str, fargate: bool) {
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
                    self.at(&crate::manifest::validate::pointer_join(
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

    pub(crate) fn role_arn(&mut self, arn: &str, span: Span) {
        match ROLE_ARN.captures(arn) {
            Some(c) if ROLE_NAME.is_match(&c[2]) => {}
            _ => self.error(
                span,
                format!("`{arn}` is not an IAM role ARN"),
                Some(ROLE_ARN_HINT.into()),
            ),
        }
    }
}

pub(crate) fn task_uses_secrets(container: &ApiObject) -> bool {
    matches!(container.get("secrets"), Some(Value::Array(items)) if !items.is_empty())
}

impl crate::manifest::validate::Validates for crate::kinds::task_definition::TaskDefinitionKind {
    fn validate(v: &mut Validator) {
        for (family, task) in &v.manifest.ecs.task_definitions {
            let base = crate::manifest::spans::pointer(&["ecs", "taskDefinitions", family]);
            v.ecs_name(family, &base, "task-definition family");
            v.task_definition(family, task, &base);
        }
    }
}
