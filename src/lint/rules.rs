//! The lint rules as data: id, name, severity, the kinds of resource each applies to, the
//! AWS Security Hub controls and checkov checks that test the same thing, and the help
//! text. Ids are stable: suppressions and SARIF results refer to them, so a rule is never
//! renumbered; a retired rule's id is not reused.
//!
//! Severities follow Security Hub's rating of the matching control where there is one;
//! a control or check is listed only where its documented test is the same as the rule's.

use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
            Self::Critical => "critical",
        }
    }
}

/// The kinds of resource a rule looks at (and so where its suppression may stand).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Repository,
    Registry,
    Role,
    TaskDefinition,
    Service,
}

impl Kind {
    pub fn describe(self) -> &'static str {
        match self {
            Self::Repository => "a repository",
            Self::Registry => "the registry",
            Self::Role => "a role",
            Self::TaskDefinition => "a task definition",
            Self::Service => "a service",
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
pub struct Rule {
    pub id: &'static str,
    /// PascalCase name (SARIF `rule.name`).
    pub name: &'static str,
    /// One line: what is wrong.
    pub title: &'static str,
    pub severity: Severity,
    pub kind: Kind,
    /// AWS Security Hub CSPM control ids.
    pub security_hub: &'static [&'static str],
    /// checkov check ids.
    pub checkov: &'static [&'static str],
    /// Why it matters and how to fix it.
    pub help: &'static str,
}

impl Rule {
    /// "Security Hub ECR.2, checkov CKV_AWS_51", or "none".
    pub fn controls(&self) -> String {
        let mut parts = Vec::new();
        if !self.security_hub.is_empty() {
            parts.push(format!("Security Hub {}", self.security_hub.join(", ")));
        }
        if !self.checkov.is_empty() {
            parts.push(format!("checkov {}", self.checkov.join(", ")));
        }
        if parts.is_empty() {
            "none".to_string()
        } else {
            parts.join("; ")
        }
    }

    /// The documentation of the first Security Hub control, if any.
    pub fn help_uri(&self) -> Option<String> {
        let control = self.security_hub.first()?;
        let (service, number) = control.split_once('.')?;
        let service = service.to_lowercase();
        Some(format!(
            "https://docs.aws.amazon.com/securityhub/latest/userguide/{service}-controls.html#{service}-{number}"
        ))
    }
}

pub const PUBLIC_REPOSITORY_POLICY: Rule = Rule {
    id: "WHARF-ECR-001",
    name: "PublicRepositoryPolicy",
    title: "The repository policy lets anyone pull (or more)",
    severity: Severity::Critical,
    kind: Kind::Repository,
    security_hub: &[],
    checkov: &["CKV_AWS_32"],
    help: "A repository policy statement that allows `Principal: \"*\"` (or `{AWS: \"*\"}`) without a condition restricting who the caller is lets every AWS account read the images. Grant pull to the accounts and roles that need it with `pull: { accounts: [...], roles: [...] }`, or add a condition such as aws:PrincipalOrgID.",
};

pub const MUTABLE_TAGS: Rule = Rule {
    id: "WHARF-ECR-002",
    name: "MutableImageTags",
    title: "Image tags can be overwritten",
    severity: Severity::Medium,
    kind: Kind::Repository,
    security_hub: &["ECR.2"],
    checkov: &["CKV_AWS_51"],
    help: "With MUTABLE (or MUTABLE_WITH_EXCLUSION) tags, a push can move a tag that a task definition deploys to a different image. Set `imageTagMutability: IMMUTABLE` on the repository or under `defaults.repository`; IMMUTABLE_WITH_EXCLUSION keeps chosen tags such as `latest` movable.",
};

pub const NO_SCANNING: Rule = Rule {
    id: "WHARF-ECR-003",
    name: "NoImageScanning",
    title: "Images are not scanned for vulnerabilities",
    severity: Severity::High,
    kind: Kind::Repository,
    security_hub: &["ECR.1"],
    checkov: &["CKV_AWS_163"],
    help: "Neither `scanOnPush` nor a registry scanning rule (scan on push or continuous, with a filter matching the repository name) covers the repository. Set `scanOnPush: true`, or add a rule to `registry.scanning`. With ENHANCED scanning AWS ignores `scanOnPush`: only registry rules count.",
};

pub const NO_LIFECYCLE: Rule = Rule {
    id: "WHARF-ECR-004",
    name: "NoLifecyclePolicy",
    title: "The repository has no lifecycle policy",
    severity: Severity::Medium,
    kind: Kind::Repository,
    security_hub: &["ECR.3"],
    checkov: &[],
    help: "Without lifecycle rules old and untagged images pile up and stay deployable. Add `lifecycle:` rules (for example expire untagged images after 14 days, keep the newest releases) or a raw `lifecyclePolicy`.",
};

pub const AWS_MANAGED_KEY: Rule = Rule {
    id: "WHARF-ECR-005",
    name: "AwsManagedEncryptionKey",
    title: "The repository is not encrypted with a customer-managed KMS key",
    severity: Severity::Medium,
    kind: Kind::Repository,
    security_hub: &["ECR.5"],
    checkov: &["CKV_AWS_136"],
    help: "Checked only when the manifest says `lint: { requireKms: true }`. AES256 (the default) and KMS without `kmsKey` (the AWS-managed key aws/ecr) leave the key policy, rotation and auditing to AWS. Use `encryption: { type: KMS, kmsKey: alias/... }` with a customer-managed key; encryption cannot change in place, so the repository is replaced.",
};

pub const PUBLIC_REGISTRY_POLICY: Rule = Rule {
    id: "WHARF-ECR-006",
    name: "PublicRegistryPolicy",
    title: "The registry policy grants access to anyone",
    severity: Severity::Critical,
    kind: Kind::Registry,
    security_hub: &[],
    checkov: &[],
    help: "A registry policy statement allowing `Principal: \"*\"` without a condition restricting the caller lets any account replicate into, or create repositories in, this registry. Name the accounts that replicate here, or restrict with aws:PrincipalOrgID.",
};

pub const EXPIRES_IMAGES_IN_USE: Rule = Rule {
    id: "WHARF-ECR-007",
    name: "LifecycleExpiresImagesInUse",
    title: "A lifecycle rule in place would expire or archive an image in use",
    severity: Severity::High,
    kind: Kind::Repository,
    security_hub: &[],
    checkov: &[],
    help: "Checked with `--live`: the repository's lifecycle policy, evaluated against its images now, would delete (or move to archive storage, where it cannot be pulled) an image that a service's task definition, a task definition of the manifest or a running task uses; the next task started from it (a scale-out, a replaced task, a rollback) fails to pull. Keep deployed tags out of the rule's selection (tagPrefixes/tagPatterns), raise keepLast, or deploy a newer image first. `apply` refuses to put such a rule unless --allow-expire-in-use.",
};

pub const UNSIGNED_REPOSITORY: Rule = Rule {
    id: "WHARF-ECR-008",
    name: "UnsignedRepository",
    title: "No signing rule covers the repository",
    severity: Severity::Medium,
    kind: Kind::Repository,
    security_hub: &[],
    checkov: &[],
    help: "Checked only when the manifest says `lint: { requireSigning: true }`. ECR's managed signing signs an image on push when a rule of `registry.signing` matches its repository; an image pushed elsewhere carries no signature, so a deployment that verifies signatures refuses it (or, without verification, nobody can tell who built it). Add a rule whose repositoryFilters match the repository, or a rule without filters for every repository.",
};

pub const REGISTRY_POLICY_SCOPE_V1: Rule = Rule {
    id: "WHARF-ECR-009",
    name: "RegistryPolicyScopeV1",
    title: "The registry policy scope is still V1",
    severity: Severity::Medium,
    kind: Kind::Registry,
    security_hub: &[],
    checkov: &[],
    help: "Checked with `--live` (when the manifest declares a registry policy or account settings). With REGISTRY_POLICY_SCOPE V1 (the default of registries created before ECR introduced V2) the registry policy governs only replication and pull through cache actions, so a statement meant to deny, say, PutImage across the registry has no effect. Set `registry.accountSettings.REGISTRY_POLICY_SCOPE: V2` (PutAccountSetting cannot set it back), after checking what the policy then allows and denies.",
};

pub const PRIVILEGED: Rule = Rule {
    id: "WHARF-ECS-001",
    name: "PrivilegedContainer",
    title: "A container runs privileged",
    severity: Severity::High,
    kind: Kind::TaskDefinition,
    security_hub: &["ECS.4"],
    checkov: &["CKV_AWS_334"],
    help: "`privileged: true` gives the container root-like access to the host. Remove it; grant single Linux capabilities with `linuxParameters.capabilities.add` if the workload needs one.",
};

pub const HOST_NETWORK: Rule = Rule {
    id: "WHARF-ECS-002",
    name: "HostNetworkMode",
    title: "The task shares the host's network",
    severity: Severity::Medium,
    kind: Kind::TaskDefinition,
    security_hub: &["ECS.17"],
    checkov: &[],
    help: "With `networkMode: host` containers can reach the host's loopback services and impersonate the host. Use `networkMode: awsvpc` (each task gets its own network interface and security groups).",
};

pub const HOST_PID: Rule = Rule {
    id: "WHARF-ECS-003",
    name: "HostPidMode",
    title: "The task shares the host's process namespace",
    severity: Severity::High,
    kind: Kind::TaskDefinition,
    security_hub: &["ECS.3"],
    checkov: &["CKV_AWS_335"],
    help: "With `pidMode: host` the containers see, and can signal, every process on the host. Remove `pidMode` (or use `task` to share processes only between the task's containers).",
};

pub const WRITABLE_ROOT: Rule = Rule {
    id: "WHARF-ECS-004",
    name: "WritableRootFilesystem",
    title: "A container's root filesystem is writable",
    severity: Severity::High,
    kind: Kind::TaskDefinition,
    security_hub: &["ECS.5"],
    checkov: &["CKV_AWS_336"],
    help: "Unless `readonlyRootFilesystem: true`, an attacker in the container can change its binaries and configuration. Set it on every container, and mount volumes (or bind mounts of an ephemeral volume) where the application writes. Windows containers do not support it and are skipped.",
};

pub const SECRET_IN_ENVIRONMENT: Rule = Rule {
    id: "WHARF-ECS-005",
    name: "SecretInEnvironment",
    title: "A secret is passed as a plain environment variable",
    severity: Severity::High,
    kind: Kind::TaskDefinition,
    security_hub: &["ECS.8"],
    checkov: &[],
    help: "Values in `environment` are stored in the task definition, where anyone allowed to describe it reads them. Put the value in Secrets Manager or SSM Parameter Store and pass it with `secrets: [{ name: NAME, valueFrom: ARN }]`.",
};

pub const PUBLIC_IP: Rule = Rule {
    id: "WHARF-ECS-006",
    name: "PublicIpAssigned",
    title: "The service's tasks get public IP addresses",
    severity: Severity::High,
    kind: Kind::Service,
    security_hub: &["ECS.2"],
    checkov: &["CKV_AWS_333"],
    help: "`assignPublicIp: ENABLED` makes each task reachable from the internet, guarded only by its security groups. Run tasks in private subnets with `assignPublicIp: DISABLED` (the default) and reach them through a load balancer; pull images through a NAT gateway or VPC endpoints.",
};

pub const SHARED_ROLE: Rule = Rule {
    id: "WHARF-ECS-007",
    name: "ExecutionRoleIsTaskRole",
    title: "The task role is the execution role",
    severity: Severity::Low,
    kind: Kind::TaskDefinition,
    security_hub: &[],
    checkov: &["CKV_AWS_249"],
    help: "The execution role pulls images and reads secrets for ECS; the task role is what the application's code may do. One role for both gives the application the pull and secret permissions too. Give the task its own role.",
};

pub const PUBLIC_TRUST: Rule = Rule {
    id: "WHARF-IAM-001",
    name: "PublicTrustPolicy",
    title: "Anyone may assume the role",
    severity: Severity::Critical,
    kind: Kind::Role,
    security_hub: &[],
    checkov: &["CKV_AWS_60"],
    help: "A trust policy statement allowing `Principal: \"*\"` to assume the role without a condition restricting the caller lets any AWS account use its permissions. Name the services, accounts or roles that assume it (`assumedBy`).",
};

/// Every rule, in id order.
pub const RULES: [&Rule; 17] = [
    &PUBLIC_REPOSITORY_POLICY,
    &MUTABLE_TAGS,
    &NO_SCANNING,
    &NO_LIFECYCLE,
    &AWS_MANAGED_KEY,
    &PUBLIC_REGISTRY_POLICY,
    &EXPIRES_IMAGES_IN_USE,
    &UNSIGNED_REPOSITORY,
    &REGISTRY_POLICY_SCOPE_V1,
    &PRIVILEGED,
    &HOST_NETWORK,
    &HOST_PID,
    &WRITABLE_ROOT,
    &SECRET_IN_ENVIRONMENT,
    &PUBLIC_IP,
    &SHARED_ROLE,
    &PUBLIC_TRUST,
];

pub fn by_id(id: &str) -> Option<&'static Rule> {
    RULES.iter().copied().find(|r| r.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_sorted_and_well_formed() {
        let ids: Vec<&str> = RULES.iter().map(|r| r.id).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(ids, sorted);
        let form = regex::Regex::new(r"^WHARF-(ECR|ECS|IAM)-[0-9]{3}$").unwrap();
        for rule in RULES {
            assert!(form.is_match(rule.id), "{}", rule.id);
            assert!(!rule.help.is_empty() && !rule.title.is_empty());
            assert!(rule.name.chars().next().unwrap().is_ascii_uppercase());
        }
    }

    #[test]
    fn controls_and_help_links() {
        assert_eq!(
            MUTABLE_TAGS.controls(),
            "Security Hub ECR.2; checkov CKV_AWS_51"
        );
        assert_eq!(PUBLIC_REGISTRY_POLICY.controls(), "none");
        assert_eq!(
            HOST_NETWORK.help_uri().as_deref(),
            Some(
                "https://docs.aws.amazon.com/securityhub/latest/userguide/ecs-controls.html#ecs-17"
            )
        );
        assert_eq!(SHARED_ROLE.help_uri(), None);
        assert_eq!(by_id("WHARF-ECS-005"), Some(&SECRET_IN_ENVIRONMENT));
        assert_eq!(by_id("WHARF-ECS-099"), None);
    }
}
