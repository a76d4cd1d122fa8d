//! Validation of `ecs`: the walk over clusters, task definitions and services, and what
//! the three kinds' checks share (names, tags, members ECS refuses, reading API objects).
//! Each kind's own checks live in its folder (`kinds/cluster/validate.rs`, ...); the
//! tests here run them together, the way a manifest meets them. The schema already
//! checked the shapes; this checks what ECS would reject at create or register time.

use super::{TAGS_PER_RESOURCE, Validator, child};
use crate::diagnostics::did_you_mean;
use crate::manifest::ecs_members;
use crate::manifest::model::ApiObject;
use regex::Regex;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::LazyLock;

/// Cluster names, service names and task-definition families: up to 255 letters, digits,
/// underscores and hyphens. Container names follow the same rule.
pub(crate) static ECS_NAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[A-Za-z0-9_-]{1,255}$").expect("valid regex"));

pub(crate) fn str_of<'v>(object: &'v ApiObject, key: &str) -> Option<&'v str> {
    object.get(key).and_then(Value::as_str)
}

pub(crate) fn objects<'v>(object: &'v ApiObject, key: &str) -> Vec<(usize, &'v ApiObject)> {
    match object.get(key) {
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .filter_map(|(i, v)| v.as_object().map(|o| (i, o)))
            .collect(),
        _ => Vec::new(),
    }
}

pub(crate) fn strings<'v>(object: &'v ApiObject, key: &str) -> Vec<(usize, &'v str)> {
    match object.get(key) {
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .filter_map(|(i, v)| v.as_str().map(|s| (i, s)))
            .collect(),
        _ => Vec::new(),
    }
}

pub(crate) fn tag_map(object: &ApiObject) -> Option<BTreeMap<String, String>> {
    match object.get("tags") {
        Some(Value::Object(tags)) => Some(
            tags.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect(),
        ),
        _ => None,
    }
}

pub(crate) fn is_fargate(task: &ApiObject) -> bool {
    strings(task, "requiresCompatibilities")
        .iter()
        .any(|(_, c)| *c == "FARGATE")
}

/// "`a`, `b` and `c`" for hints.
pub(crate) fn listing(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    match quoted.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// A hint for a name that is not among `known` (manifest resources of one kind).
pub(crate) fn not_found_hint(reference: &str, known: &[&str], otherwise: &str) -> String {
    match did_you_mean(reference, known.iter().copied()) {
        Some(close) => format!("did you mean `{close}`?"),
        None if known.is_empty() => otherwise.to_string(),
        None => format!("this manifest declares {}; {otherwise}", listing(known)),
    }
}

impl Validator<'_> {
    pub(crate) fn ecs_name(&mut self, name: &str, base: &str, what: &str) {
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
    pub(crate) fn ecs_tags(&mut self, object: &ApiObject, base: &str, whose: &str) {
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
    pub(crate) fn refused_members(
        &mut self,
        object: &ApiObject,
        base: &str,
        shape: ecs_members::Shape,
    ) {
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

    // ---- task definitions --------------------------------------------------------------

    // ---- services ----------------------------------------------------------------------
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

    /// Deployment strategies: each one's own settings in range, only with it; traffic
    /// shifting needs the ECS controller and an alternate target group per balancer.
    #[test]
    fn deployment_strategies() {
        // The cases are `&'static str`s, as the table's type wants.
        let with = |config: &str| -> &'static str {
            let text = format!("desiredCount: 2\n      deploymentConfiguration: {config}");
            Box::leak(text.into_boxed_str())
        };
        let canary = with("{ strategy: ROLLING, canaryConfiguration: { canaryPercent: 5 } }");
        let small = with("{ strategy: CANARY, canaryConfiguration: { canaryPercent: 0.05 } }");
        let step = with(
            "{ strategy: LINEAR, linearConfiguration: { stepPercent: 2, stepBakeTimeInMinutes: 1441 } }",
        );
        let controller = with(
            "{ strategy: BLUE_GREEN, bakeTimeInMinutes: 5 }\n      deploymentController: { type: CODE_DEPLOY }",
        );
        let balancer = with(
            "{ strategy: BLUE_GREEN, bakeTimeInMinutes: 5 }\n      loadBalancers: [ { targetGroupArn: \"arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/blue/1\", containerName: web, containerPort: 8080 } ]",
        );
        check(&[
            (
                "desiredCount: 2",
                canary,
                E,
                "`canaryConfiguration` applies only to the CANARY strategy; this service's is ROLLING",
                "canaryConfiguration",
                "set `strategy: CANARY`",
            ),
            (
                "desiredCount: 2",
                small,
                E,
                "`canaryPercent` must be a multiple of 0.1 from 0.1 to 100.0",
                "0.05",
                "",
            ),
            (
                "desiredCount: 2",
                step,
                E,
                "`stepPercent` must be a multiple of 0.1 from 3.0 to 100.0",
                "2",
                "",
            ),
            (
                "desiredCount: 2",
                step,
                E,
                "`stepBakeTimeInMinutes` must be 0 to 1440 minutes",
                "1441",
                "",
            ),
            (
                "desiredCount: 2",
                controller,
                E,
                "the BLUE_GREEN strategy needs the ECS deployment controller; this service's is CODE_DEPLOY",
                "BLUE_GREEN",
                "remove `deploymentController`",
            ),
            (
                "desiredCount: 2",
                balancer,
                E,
                "a BLUE_GREEN deployment shifts traffic to a second target group",
                "\"arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/blue/1\"",
                "alternateTargetGroupArn",
            ),
        ]);
        assert_clean(&edit(
            "desiredCount: 2",
            with(
                "{ strategy: CANARY, bakeTimeInMinutes: 10, canaryConfiguration: { canaryPercent: 12.5, canaryBakeTimeInMinutes: 15 } }\n      loadBalancers: [ { targetGroupArn: \"arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/blue/1\", containerName: web, containerPort: 8080, advancedConfiguration: { alternateTargetGroupArn: \"arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/green/2\", productionListenerRule: \"arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener-rule/app/web/1/2/3\", roleArn: \"arn:aws:iam::123456789012:role/ecs-elb\" } } ]",
            ),
        ));
        assert_clean(&edit(
            "desiredCount: 2",
            with(
                "{ strategy: LINEAR, linearConfiguration: { stepPercent: 3.0, stepBakeTimeInMinutes: 0 } }",
            ),
        ));
    }

    #[test]
    fn lifecycle_hooks() {
        let with = |hooks: &str| -> &'static str {
            let text = format!(
                "desiredCount: 2\n      deploymentConfiguration: {{ strategy: BLUE_GREEN, lifecycleHooks: [ {hooks} ] }}"
            );
            Box::leak(text.into_boxed_str())
        };
        let lambda = "hookTargetArn: \"arn:aws:lambda:eu-west-1:123456789012:function:check\"";
        let role = "roleArn: \"arn:aws:iam::123456789012:role/ecs-hooks\"";
        let pause_with_target = with(&format!(
            "{{ targetType: PAUSE, {lambda}, lifecycleStages: [POST_SCALE_UP] }}"
        ));
        let pause_shifting = with(
            "{ targetType: PAUSE, lifecycleStages: [POST_SCALE_UP, PRODUCTION_TRAFFIC_SHIFT] }",
        );
        let no_role_hook = format!("{{ lifecycleStages: [PRE_SCALE_UP], {lambda} }}");
        let no_role = with(&no_role_hook);
        let no_stages_hook = format!("{{ {lambda}, {role} }}");
        let no_stages = with(&no_stages_hook);
        let rolling = Box::leak(
            "desiredCount: 2\n      deploymentConfiguration: { lifecycleHooks: [ { targetType: PAUSE, lifecycleStages: [POST_SCALE_UP] } ] }"
                .to_string()
                .into_boxed_str(),
        );
        check(&[
            (
                "desiredCount: 2",
                pause_with_target,
                E,
                "a PAUSE hook takes no `hookTargetArn`",
                "hookTargetArn",
                "make it an AWS_LAMBDA hook",
            ),
            (
                "desiredCount: 2",
                pause_shifting,
                E,
                "a PAUSE hook cannot run at PRODUCTION_TRAFFIC_SHIFT",
                "PRODUCTION_TRAFFIC_SHIFT",
                "PRE_PRODUCTION_TRAFFIC_SHIFT",
            ),
            (
                "desiredCount: 2",
                no_role,
                E,
                "a AWS_LAMBDA lifecycle hook needs `roleArn`",
                Box::leak(
                    no_role_hook[2..no_role_hook.len() - 2]
                        .to_string()
                        .into_boxed_str(),
                ),
                "targetType: PAUSE",
            ),
            (
                "desiredCount: 2",
                no_stages,
                E,
                "a lifecycle hook names the stages it runs at",
                Box::leak(
                    no_stages_hook[2..no_stages_hook.len() - 2]
                        .to_string()
                        .into_boxed_str(),
                ),
                "lifecycleStages: [POST_TEST_TRAFFIC_SHIFT]",
            ),
            (
                "desiredCount: 2",
                rolling,
                W,
                "ECS runs lifecycle hooks only in BLUE_GREEN, LINEAR and CANARY deployments; this service's strategy is ROLLING",
                "lifecycleHooks",
                "set `strategy`",
            ),
        ]);
        assert_clean(&edit(
            "desiredCount: 2",
            with(&format!(
                "{{ {lambda}, {role}, lifecycleStages: [POST_TEST_TRAFFIC_SHIFT], hookDetails: {{ suite: smoke }} }}, {{ targetType: PAUSE, lifecycleStages: [PRE_PRODUCTION_TRAFFIC_SHIFT], timeoutConfiguration: {{ timeoutInMinutes: 60, action: ROLLBACK }} }}"
            )),
        ));
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
