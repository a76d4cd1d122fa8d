//! What wharf read from AWS: the live snapshot that planning compares against. PURE data;
//! each kind's `io.rs` fills in its part, its planning code reads it. Raw AWS documents
//! stay text here and are parsed and normalized by the kinds.

use std::collections::{BTreeMap, BTreeSet};

#[derive(Clone, Debug, Default, PartialEq)]
pub struct LiveSnapshot {
    pub account_id: String,
    pub region: String,
    pub repositories: BTreeMap<String, LiveRepository>,
    /// ECR Public repositories (us-east-1): declared ones, plus owned ones when pruning
    /// (read only when the manifest has a `publicRepositories` section).
    pub public_repositories: BTreeMap<String, LivePublicRepository>,
    /// Logo files the manifest's public repositories name, by repository name. Read from
    /// disk by the command layer, not from AWS (which returns only a logo URL), so that
    /// planning stays pure and can compare the file's digest with the one wharf recorded.
    pub logo_files: BTreeMap<String, LogoFile>,
    /// IAM roles: declared ones, plus (when pruning or detecting drift) owned ones.
    pub roles: BTreeMap<String, LiveRole>,
    /// ECS clusters by name: declared ones, plus owned ones when pruning.
    pub clusters: BTreeMap<String, LiveCluster>,
    /// ECS task definition families by family name: the latest ACTIVE revision.
    pub task_definitions: BTreeMap<String, LiveTaskDefinition>,
    /// ECS services by name.
    pub services: BTreeMap<String, LiveService>,
    /// Registry scanning, replication and policy (only the sections the manifest declares).
    pub registry: LiveRegistry,
    /// Pull through cache rules by ecrRepositoryPrefix (read only when the manifest declares some).
    pub pull_through_cache_rules: BTreeMap<String, LivePullThroughCacheRule>,
    /// Repository creation templates by prefix as AWS reports it: the declared ones and,
    /// when pruning, those the ownership ledger records (no read when there are none).
    pub creation_templates: BTreeMap<String, LiveCreationTemplate>,
    /// KMS keys named by the manifest or by live repositories, resolved by DescribeKey.
    /// Keyed by the reference as written (alias name, alias ARN, key id or key ARN).
    pub kms_keys: BTreeMap<String, KmsKey>,
    /// The stack's ownership ledger (objects AWS cannot tag that wharf created); None
    /// when it was not read or could not be, in which case nothing recorded there is pruned.
    pub ledger: Option<OwnershipLedger>,
    /// Why the ledger could not be read, when it could not (plans warn with it).
    pub ledger_unreadable: Option<String>,
    /// Resources of the managed kinds that carry no ownership tag at all, met while
    /// enumerating the account for owned ones (filled only when reading with find_owned).
    pub unmanaged: Unmanaged,
}

/// Names of resources no wharf stack owns (no `wharf:stack` tag), for `drift
/// --include-unmanaged`. Only the enumeration that finds owned resources fills them, so
/// listing them costs no extra read; services are complete only for the clusters read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Unmanaged {
    pub repositories: BTreeSet<String>,
    /// Service-linked roles (path `/aws-service-role/`) are AWS's and never listed.
    pub roles: BTreeSet<String>,
    pub clusters: BTreeSet<String>,
    /// Families whose latest ACTIVE revision has no ownership tag.
    pub task_definitions: BTreeSet<String>,
    /// (cluster, service name).
    pub services: BTreeSet<(String, String)>,
}

/// What wharf recorded creating, for kinds AWS gives no tags: pull through cache rules
/// and repository creation templates, by prefix. Kept in an SSM parameter per stack
/// (see `aws::ledger`); pruning deletes only what is listed here.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OwnershipLedger {
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub pull_through_cache: BTreeSet<String>,
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub creation_templates: BTreeSet<String>,
}

#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LiveRepository {
    pub name: String,
    pub arn: String,
    pub uri: String,
    pub image_tag_mutability: String,
    pub exclusion_filters: Vec<String>,
    pub encryption_type: String,
    pub kms_key: Option<String>,
    pub scan_on_push: bool,
    pub tags: BTreeMap<String, String>,
    /// The lifecycle policy text, None when the repository has none.
    pub lifecycle_policy: Option<String>,
    /// The repository policy text, None when the repository has none.
    pub policy: Option<String>,
    /// Images in the repository; read only for repositories a plan would destroy.
    pub image_count: Option<u64>,
    /// Whether lifecycle policy, policy and tags were read (only for declared or owned ones).
    pub details_read: bool,
}

/// An ECR Public repository with its catalog data (GetRepositoryCatalogData), policy and
/// tags, as AWS returns them (absent fields None or empty).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LivePublicRepository {
    pub name: String,
    pub arn: String,
    pub uri: String,
    pub tags: BTreeMap<String, String>,
    pub description: Option<String>,
    pub about_text: Option<String>,
    pub usage_text: Option<String>,
    pub architectures: Vec<String>,
    pub operating_systems: Vec<String>,
    /// Where AWS serves the logo from; the image itself is never returned.
    pub logo_url: Option<String>,
    /// The repository policy text, None when the repository has none.
    pub policy: Option<String>,
    /// Images in the repository; read only for repositories a prune would delete.
    pub image_count: Option<u64>,
}

/// A logo file as read for planning: where it is and the sha256 of its bytes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LogoFile {
    /// The manifest's `logo` joined to the manifest's directory.
    pub path: String,
    /// Lowercase hex.
    pub sha256: String,
}

#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LiveRole {
    pub name: String,
    pub path: String,
    pub arn: String,
    /// The trust policy, URL-decoded JSON text.
    pub trust_policy: Option<String>,
    pub description: Option<String>,
    pub max_session_duration: i64,
    pub permissions_boundary: Option<String>,
    pub managed_policies: Vec<String>,
    /// Inline policies by name, URL-decoded JSON text.
    pub inline_policies: BTreeMap<String, String>,
    pub tags: BTreeMap<String, String>,
}

/// An ECS cluster as DescribeClusters returns it (AWS JSON shape, settings,
/// configurations and tags included).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LiveCluster {
    pub name: String,
    pub arn: String,
    pub document: serde_json::Value,
    pub tags: BTreeMap<String, String>,
    /// Names of the services that run in it (for refusing to delete it).
    pub services: Vec<String>,
}

/// A task-definition family: its latest ACTIVE revision as DescribeTaskDefinition returns
/// it (AWS JSON shape), and the revisions wharf may clean up.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LiveTaskDefinition {
    pub family: String,
    pub arn: String,
    pub revision: i64,
    pub document: serde_json::Value,
    pub tags: BTreeMap<String, String>,
    /// ACTIVE revisions of the family, newest first, with their ownership (read only
    /// when keepRevisions or prune needs them).
    pub active_revisions: Vec<LiveRevision>,
}

#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LiveRevision {
    pub arn: String,
    pub revision: i64,
    pub owned: bool,
}

/// An ECS service as DescribeServices returns it (AWS JSON shape).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LiveService {
    pub name: String,
    pub cluster: String,
    /// ACTIVE, or DRAINING after a deletion (the name cannot be reused until INACTIVE).
    pub status: String,
    pub arn: String,
    pub document: serde_json::Value,
    pub tags: BTreeMap<String, String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KmsKey {
    pub key_arn: String,
    /// Managed by AWS (aws/ecr) rather than the customer.
    pub aws_managed: bool,
}

/// The registry's singletons, read only for the sections the manifest declares (None:
/// not read, so not managed).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LiveRegistry {
    /// GetRegistryScanningConfiguration's `scanningConfiguration` (AWS JSON shape).
    pub scanning: Option<serde_json::Value>,
    /// DescribeRegistry's `replicationConfiguration` (AWS JSON shape).
    pub replication: Option<serde_json::Value>,
    /// GetRegistryPolicy: outer None when not read; inner None when there is no policy.
    pub policy: Option<Option<String>>,
}

/// A pull through cache rule as DescribePullThroughCacheRules returns it.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LivePullThroughCacheRule {
    pub ecr_repository_prefix: String,
    pub upstream_registry_url: String,
    pub credential_arn: Option<String>,
    pub custom_role_arn: Option<String>,
    pub upstream_repository_prefix: Option<String>,
}

/// A repository creation template as DescribeRepositoryCreationTemplates returns it
/// (documents as text, enums as AWS's strings; None where AWS returned nothing).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LiveCreationTemplate {
    pub prefix: String,
    pub applied_for: Vec<String>,
    pub image_tag_mutability: Option<String>,
    pub exclusion_filters: Vec<String>,
    pub encryption_type: Option<String>,
    pub kms_key: Option<String>,
    pub lifecycle_policy: Option<String>,
    pub repository_policy: Option<String>,
    pub resource_tags: BTreeMap<String, String>,
    pub custom_role_arn: Option<String>,
    pub description: Option<String>,
}
