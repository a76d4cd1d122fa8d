//! The manifest's raw types: exactly what `wharf.yaml` may say, with AWS's camelCase
//! names. They derive serde (decoding) and schemars (the published JSON Schema, which is
//! also what the structural check walks), so the schema can never drift from the
//! decoder. Semantics live in `validate`; these types only describe shape.

pub use super::suppression::{ResourceLint, Suppression};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// A wharf manifest: the AWS container-delivery resources of one stack.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(title = "wharf manifest")]
pub struct Manifest {
    /// Manifest format version; only 1 exists.
    pub version: u32,
    /// The stack name: the value of the `wharf:stack` ownership tag on everything wharf creates.
    pub stack: String,
    /// Optional guard: wharf refuses to touch any other AWS account (a 12-digit string).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    /// Optional region; otherwise the AWS configuration chain decides.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Settings applied to every resource unless the resource says otherwise.
    #[serde(default, skip_serializing_if = "Defaults::is_empty")]
    pub defaults: Defaults,
    /// ECR private repositories, keyed by repository name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub repositories: BTreeMap<String, Repository>,
    /// ECR Public repositories, keyed by repository name (address ecr.public_repository.NAME).
    /// They live in us-east-1, and wharf manages them there whatever the manifest's region.
    /// Left out, ECR Public is not managed (wharf makes no call to it); present, even as
    /// `{}`, it is owned whole: with --prune, this stack's public repositories not listed are deleted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_repositories: Option<BTreeMap<String, PublicRepository>>,
    /// Registry-wide ECR settings. A section left out is not managed (wharf never resets
    /// it); a section that is present is owned whole.
    #[serde(default, skip_serializing_if = "Registry::is_empty")]
    pub registry: Registry,
    /// IAM: the roles that pull and run images.
    #[serde(default, skip_serializing_if = "Iam::is_empty")]
    pub iam: Iam,
    /// ECS: clusters, task definitions and services.
    #[serde(default, skip_serializing_if = "Ecs::is_empty")]
    pub ecs: Ecs,
    /// Settings of `wharf lint`: the failure threshold and whether the stack requires KMS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lint: Option<LintSettings>,
}

/// A JSON object in the shape of an AWS API input (camelCase member names).
pub type ApiObject = serde_json::Map<String, Value>;

#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Ecs {
    /// ECS clusters, keyed by cluster name (address ecs.cluster.NAME).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(schema_with = "super::ecs_schema::clusters")]
    pub clusters: BTreeMap<String, ApiObject>,
    /// Task definitions, keyed by family (address ecs.task_definition.FAMILY): the
    /// RegisterTaskDefinition input, plus wharf's conveniences.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(schema_with = "super::ecs_schema::task_definitions")]
    pub task_definitions: BTreeMap<String, ApiObject>,
    /// Services, keyed by service name (address ecs.service.NAME): the CreateService
    /// input, plus wharf's conveniences.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(schema_with = "super::ecs_schema::services")]
    pub services: BTreeMap<String, ApiObject>,
}

impl Ecs {
    pub fn is_empty(&self) -> bool {
        self.clusters.is_empty() && self.task_definitions.is_empty() && self.services.is_empty()
    }
}

/// The private registry's own settings (singletons: one of each per account and region).
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Registry {
    /// Registry scanning (address ecr.registry.scanning): the scan type and its rules, owned whole.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scanning: Option<RegistryScanning>,
    /// Cross-region and cross-account replication (address ecr.registry.replication), owned whole.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replication: Option<Replication>,
    /// The registry policy document (object or JSON text; address ecr.registry.policy).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<RawDocument>")]
    pub policy: Option<Value>,
    /// Pull through cache rules keyed by ecrRepositoryPrefix (address ecr.pull_through_cache.PREFIX).
    /// A rule removed from the manifest is left in place: wharf never deletes these rules.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub pull_through_cache: BTreeMap<String, PullThroughCacheRule>,
    /// Repository creation templates keyed by prefix (address ecr.creation_template.PREFIX;
    /// ROOT is the registry's default template): the settings ECR gives the repositories it
    /// creates itself. With --prune, a template wharf created and the manifest dropped is deleted.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub creation_templates: BTreeMap<String, CreationTemplate>,
}

impl Registry {
    pub fn is_empty(&self) -> bool {
        self.scanning.is_none()
            && self.replication.is_none()
            && self.policy.is_none()
            && self.pull_through_cache.is_empty()
            && self.creation_templates.is_empty()
    }
}

/// A repository creation template (CreateRepositoryCreationTemplate); its key is the
/// prefix. It shapes only repositories ECR creates later, never existing ones.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreationTemplate {
    /// Which repository creations the template applies to (at least one): REPLICATION, PULL_THROUGH_CACHE, CREATE_ON_PUSH.
    pub applied_for: Vec<AppliedFor>,
    /// Tag mutability of the repositories it creates. Default MUTABLE.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_tag_mutability: Option<ImageTagMutability>,
    /// Tag filters exempt from the mutability setting (only with the *_WITH_EXCLUSION values; at most 5; `*` wildcards).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_tag_mutability_exclusion_filters: Option<Vec<String>>,
    /// Encryption of the repositories it creates. Default AES256. KMS needs customRoleArn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encryption: Option<Encryption>,
    /// Lifecycle rules in short form (as for repositories), highest priority first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifecycle: Option<Vec<LifecycleRule>>,
    /// A raw AWS lifecycle policy document (object or JSON text), instead of `lifecycle`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<RawDocument>")]
    pub lifecycle_policy: Option<Value>,
    /// Who may pull from the repositories it creates; compiled into repository-policy statements.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pull: Option<Pull>,
    /// A raw repository policy document (object or JSON text); its statements are merged with `pull`'s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<RawDocument>")]
    pub policy: Option<Value>,
    /// Tags ECR puts on the repositories it creates (not on the template). Needs customRoleArn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_tags: Option<BTreeMap<String, String>>,
    /// An IAM role of this account that ECR assumes to create the repositories; required with KMS encryption or resourceTags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_role_arn: Option<String>,
    /// At most 256 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A repository creation scenario a creation template applies to.
#[derive(
    Clone, Copy, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq, PartialOrd, Ord,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AppliedFor {
    Replication,
    PullThroughCache,
    CreateOnPush,
}

impl AppliedFor {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Replication => "REPLICATION",
            Self::PullThroughCache => "PULL_THROUGH_CACHE",
            Self::CreateOnPush => "CREATE_ON_PUSH",
        }
    }
}

/// A pull through cache rule (CreatePullThroughCacheRule); its key is the ecrRepositoryPrefix.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PullThroughCacheRule {
    /// The upstream registry: registry-1.docker.io, ghcr.io, public.ecr.aws, quay.io, ... Changing it replaces the rule.
    pub upstream_registry_url: String,
    /// A Secrets Manager secret ARN (its name begins ecr-pullthroughcache/); required for Docker Hub, GitHub, GitLab and Azure upstreams.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_arn: Option<String>,
    /// An IAM role ARN ECR assumes to reach an ECR upstream in another account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_role_arn: Option<String>,
    /// The upstream repository prefix (ECR upstreams; default ROOT). Changing it replaces the rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upstream_repository_prefix: Option<String>,
}

/// The registry's scanning configuration (PutRegistryScanningConfiguration).
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RegistryScanning {
    /// BASIC (default) or ENHANCED (Amazon Inspector). With ENHANCED, repositories' scanOnPush is ignored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scan_type: Option<ScanType>,
    /// At most 2 rules: which repositories are scanned how often. None: no repository is scanned automatically.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<ScanningRule>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ScanningRule {
    /// SCAN_ON_PUSH, CONTINUOUS_SCAN (ENHANCED only) or MANUAL (BASIC only).
    pub scan_frequency: ScanFrequency,
    /// Repository-name filters with `*` wildcards (filterType WILDCARD); at least one.
    #[serde(default)]
    pub filters: Vec<String>,
}

#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ScanType {
    #[default]
    Basic,
    Enhanced,
}

impl ScanType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Basic => "BASIC",
            Self::Enhanced => "ENHANCED",
        }
    }
}

#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ScanFrequency {
    #[default]
    ScanOnPush,
    ContinuousScan,
    Manual,
}

impl ScanFrequency {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ScanOnPush => "SCAN_ON_PUSH",
            Self::ContinuousScan => "CONTINUOUS_SCAN",
            Self::Manual => "MANUAL",
        }
    }
}

/// The registry's replication configuration (PutReplicationConfiguration).
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Replication {
    /// At most 10 rules; no rules: nothing is replicated.
    #[serde(default)]
    pub rules: Vec<ReplicationRule>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReplicationRule {
    /// Where images go (at most 25 destinations across all rules).
    pub destinations: Vec<ReplicationDestination>,
    /// Repository-name prefixes (PREFIX_MATCH); none: every repository. At most 100 across all rules.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub repository_filters: Vec<String>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReplicationDestination {
    /// The destination region.
    pub region: String,
    /// The destination account (12 digits); by default this account (cross-region replication).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registry_id: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Iam {
    /// IAM roles, keyed by role name (at most 64 characters).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub roles: BTreeMap<String, Role>,
}

impl Iam {
    pub fn is_empty(&self) -> bool {
        self.roles.is_empty()
    }
}

/// An IAM role.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Role {
    /// Who may assume the role: service principals (ecs-tasks.amazonaws.com), account ids, or role ARNs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assumed_by: Option<Vec<String>>,
    /// A raw trust policy document (object or JSON text), instead of `assumedBy`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<RawDocument>")]
    pub assume_role_policy: Option<Value>,
    /// ARNs of managed policies to attach; others are detached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub managed_policies: Option<Vec<String>>,
    /// Inline policies by name (object or JSON text); others are deleted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<BTreeMap<String, RawDocument>>")]
    pub inline_policies: Option<BTreeMap<String, Value>>,
    /// Repositories (manifest names or ECR repository ARNs) this role may pull from; becomes the inline policy `wharf-pull`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pull_from: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Role path, `/` by default. Cannot change in place: a change replaces the role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Maximum session length in seconds, 3600 (default) to 43200.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_session_duration: Option<i64>,
    /// ARN of the managed policy that bounds the role's permissions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permissions_boundary: Option<String>,
    /// Role tags (merged over `defaults.tags`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
    /// `wharf lint` findings accepted for this role, each with the reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lint: Option<ResourceLint>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Defaults {
    /// Repository settings used where a repository leaves them out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository: Option<Repository>,
    /// Tags added to every taggable resource (a resource's own tags win).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
}

impl Defaults {
    pub fn is_empty(&self) -> bool {
        self.repository.is_none() && self.tags.is_empty()
    }
}

/// An ECR private repository.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Repository {
    /// Whether image tags can be overwritten. Default MUTABLE.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_tag_mutability: Option<ImageTagMutability>,
    /// Tag filters exempt from the mutability setting (only with the *_WITH_EXCLUSION values; at most 5; `*` wildcards).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_tag_mutability_exclusion_filters: Option<Vec<String>>,
    /// Encryption at rest. Cannot change after creation: a change replaces the repository.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encryption: Option<Encryption>,
    /// Scan each image when it is pushed (basic scanning).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scan_on_push: Option<bool>,
    /// Allow deleting (or replacing) the repository while it still holds images.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub force_delete: Option<bool>,
    /// Lifecycle rules in short form, highest priority first; compiled into the lifecycle policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifecycle: Option<Vec<LifecycleRule>>,
    /// A raw AWS lifecycle policy document (object or JSON text), instead of `lifecycle`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<RawDocument>")]
    pub lifecycle_policy: Option<Value>,
    /// Who may pull; compiled into repository-policy statements granting exactly the pull actions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pull: Option<Pull>,
    /// A raw repository policy document (object or JSON text); its statements are merged with `pull`'s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<RawDocument>")]
    pub policy: Option<Value>,
    /// Resource tags (merged over `defaults.tags`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
    /// `wharf lint` findings accepted for this repository (under `defaults.repository`: for every repository), each with the reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lint: Option<ResourceLint>,
}

/// An ECR Public repository: its images are pullable by anyone, and its catalog data shows
/// in the Amazon ECR Public Gallery. Catalog fields left out are empty.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PublicRepository {
    /// A short description, shown in the gallery's search results and image details (at most 1,024 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The detailed description of the repository in the gallery, in Markdown (at most 25,600 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub about_text: Option<String>,
    /// How to use the images, in Markdown (at most 25,600 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage_text: Option<String>,
    /// Architectures the images run on, shown as gallery badges and search filters: ARM, ARM 64, x86, x86-64.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub architectures: Option<Vec<String>>,
    /// Operating systems the images run on, shown as gallery badges and search filters: Linux, Windows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operating_systems: Option<Vec<String>>,
    /// The repository logo: a PNG or JPEG file of at most 512,000 bytes, relative to the manifest's directory. AWS returns only a URL for it, so wharf records the file's sha256 in the tag wharf:logo-sha256 and uploads the file again when it changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo: Option<String>,
    /// Anyone can pull from a public repository, anonymously, and no policy can restrict it. Here `pull` grants these accounts and roles read access through the ECR Public API instead: ecr-public:DescribeImages, ecr-public:DescribeImageTags and ecr-public:BatchCheckLayerAvailability.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pull: Option<Pull>,
    /// A raw repository policy document (object or JSON text; actions are ecr-public:...); its statements are merged with `pull`'s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<RawDocument>")]
    pub policy: Option<Value>,
    /// Allow deleting the repository while it still holds images.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub force_delete: Option<bool>,
    /// Resource tags (merged over `defaults.tags`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
}

/// A JSON document given inline as YAML or as a JSON string.
#[derive(JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
enum RawDocument {
    Object(serde_json::Map<String, Value>),
    Text(String),
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ImageTagMutability {
    Mutable,
    Immutable,
    MutableWithExclusion,
    ImmutableWithExclusion,
}

/// What ECR gives a repository or creation template that does not say (ECR API Reference,
/// CreateRepository / CreateRepositoryCreationTemplate: `imageTagMutability` MUTABLE, no
/// `encryptionConfiguration` is AES256, `scanOnPush` false). Written here once: the read,
/// the plan, export and lint all take AWS's defaults from these.
pub mod ecr_defaults {
    use super::{EncryptionType, ImageTagMutability};

    pub const IMAGE_TAG_MUTABILITY: ImageTagMutability = ImageTagMutability::Mutable;
    pub const ENCRYPTION: EncryptionType = EncryptionType::Aes256;
    pub const SCAN_ON_PUSH: bool = false;
}

impl ImageTagMutability {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Mutable => "MUTABLE",
            Self::Immutable => "IMMUTABLE",
            Self::MutableWithExclusion => "MUTABLE_WITH_EXCLUSION",
            Self::ImmutableWithExclusion => "IMMUTABLE_WITH_EXCLUSION",
        }
    }

    pub fn takes_exclusions(self) -> bool {
        matches!(
            self,
            Self::MutableWithExclusion | Self::ImmutableWithExclusion
        )
    }
}

#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Encryption {
    /// AES256 (S3-managed keys), KMS, or KMS_DSSE (dual-layer).
    #[serde(rename = "type")]
    pub encryption_type: EncryptionType,
    /// KMS key: key id, key ARN, alias name (alias/...) or alias ARN. Omitted: the AWS-managed key aws/ecr.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key: Option<String>,
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
pub enum EncryptionType {
    #[serde(rename = "AES256")]
    Aes256,
    #[serde(rename = "KMS")]
    Kms,
    #[serde(rename = "KMS_DSSE")]
    KmsDsse,
}

impl EncryptionType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Aes256 => "AES256",
            Self::Kms => "KMS",
            Self::KmsDsse => "KMS_DSSE",
        }
    }
}

/// One lifecycle rule in short form. Selection: `untagged: true`, or `tagPrefixes` /
/// `tagPatterns` (tagged), or neither (any image; must be the last rule). Count: exactly
/// one of `keepLast` (imageCountMoreThan) or `expireAfterDays` (sinceImagePushed).
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LifecycleRule {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Explicit rule priority; by default rules are numbered 1, 2, 3... in order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<i64>,
    /// Explicit tag status (any, tagged, untagged); usually inferred from the other fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag_status: Option<TagStatus>,
    /// Select untagged images.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub untagged: Option<bool>,
    /// Select tagged images that carry, for every prefix listed, a tag starting with it (AWS matches all of them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag_prefixes: Option<Vec<String>>,
    /// Select tagged images that carry, for every pattern listed, a tag matching it (at most 4 `*` each).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag_patterns: Option<Vec<String>>,
    /// Keep this many newest images; expire the rest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keep_last: Option<i64>,
    /// Expire images pushed more than this many days ago.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expire_after_days: Option<i64>,
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum TagStatus {
    Any,
    Tagged,
    Untagged,
}

impl TagStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Any => "any",
            Self::Tagged => "tagged",
            Self::Untagged => "untagged",
        }
    }
}

/// Pull access in short form.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Pull {
    /// AWS account ids (12 digits) whose principals may pull.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accounts: Vec<String>,
    /// Roles that may pull: a role of this manifest (by name) or a role ARN.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<String>,
}

/// The stack's `wharf lint` settings.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LintSettings {
    /// Exit 3 when an unsuppressed finding is at least this severe (none: never). Default high; `--fail-on` overrides it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fail_on: Option<LintThreshold>,
    /// The stack requires customer-managed KMS keys: repositories encrypted with AES256 or the AWS-managed key aws/ecr are findings (WHARF-ECR-005).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub require_kms: Option<bool>,
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LintThreshold {
    None,
    Low,
    Medium,
    High,
    Critical,
}
