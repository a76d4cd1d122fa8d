//! The manifest's raw types: exactly what `wharf.yaml` may say, with AWS's camelCase
//! names. They derive serde (decoding) and schemars (the published JSON Schema, which is
//! also what the structural check walks), so the schema can never drift from the
//! decoder. Semantics live in `validate`; these types only describe shape. Each kind's
//! own types live in its folder (`kinds/KIND/model.rs`); this is the manifest that
//! gathers them, with the sections and settings no one kind owns.

pub use super::suppression::{ResourceLint, Suppression};
pub use crate::kinds::creation_template::model::{AppliedFor, CreationTemplate};
pub use crate::kinds::public_repository::model::PublicRepository;
pub use crate::kinds::pull_through_cache::model::PullThroughCacheRule;
pub use crate::kinds::registry::model::{
    AccountSettings, BlobMounting, EnhancedScanning, RegistryPolicyScope, RegistryScanning,
    Replication, ReplicationDestination, ReplicationRule, ScanFrequency, ScanType, ScanningRule,
    Signing, SigningRule,
};
pub use crate::kinds::repository::model::{
    Encryption, EncryptionType, ImageTagMutability, LifecycleRule, Pull, Repository, Since,
    TagStatus, ecr_defaults,
};
pub use crate::kinds::role::model::Role;
use crate::manifest::raw_document::RawDocument;
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
    /// Capacity providers, keyed by name (address ecs.capacity_provider.NAME): the
    /// CreateCapacityProvider input.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(schema_with = "super::ecs_schema::capacity_providers")]
    pub capacity_providers: BTreeMap<String, ApiObject>,
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
        self.clusters.is_empty()
            && self.capacity_providers.is_empty()
            && self.task_definitions.is_empty()
            && self.services.is_empty()
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
    /// Amazon Inspector's re-scan durations for enhanced scanning (address
    /// ecr.registry.enhanced_scanning): each member given is managed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enhanced_scanning: Option<EnhancedScanning>,
    /// Managed image signing (address ecr.registry.signing), owned whole: rules with an
    /// AWS Signer profile and the repositories whose pushes it signs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signing: Option<Signing>,
    /// Registry account settings by AWS's names (address ecr.registry.account_settings):
    /// each one listed is managed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_settings: Option<AccountSettings>,
    /// IAM principals (role or user ARNs, or roles of this manifest by name) whose pulls
    /// do not update an image's last-pull time (address
    /// ecr.registry.pull_time_update_exclusions), owned whole: a scanner's pulls then do
    /// not keep images alive under `since: pulled` rules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pull_time_update_exclusions: Option<Vec<String>>,
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
            && self.signing.is_none()
            && self.enhanced_scanning.is_none()
            && self.account_settings.is_none()
            && self.pull_time_update_exclusions.is_none()
            && self.pull_through_cache.is_empty()
            && self.creation_templates.is_empty()
    }
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
    /// The stack requires signed images: repositories that no rule of registry.signing
    /// covers are findings (WHARF-ECR-008).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub require_signing: Option<bool>,
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
