//! What wharf read from AWS: the live snapshot that planning compares against. PURE data;
//! each kind's `io.rs` fills in its part, its planning code reads it. Each kind's own
//! type lives in its folder (`kinds/KIND/live.rs`); this is where they meet. Raw AWS
//! documents stay text and are parsed and normalized by the kinds.

pub use crate::kinds::autoscaling::live::LiveScalableTarget;
pub use crate::kinds::capacity_provider::live::LiveCapacityProvider;
pub use crate::kinds::cluster::live::LiveCluster;
pub use crate::kinds::creation_template::live::LiveCreationTemplate;
pub use crate::kinds::public_repository::live::{LivePublicRepository, LogoFile};
pub use crate::kinds::pull_through_cache::live::LivePullThroughCacheRule;
pub use crate::kinds::registry::live::LiveRegistry;
pub use crate::kinds::repository::live::LiveRepository;
pub use crate::kinds::role::live::LiveRole;
pub use crate::kinds::service::live::LiveService;
pub use crate::kinds::task_definition::live::{LiveRevision, LiveTaskDefinition};
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
    /// ECS capacity providers by name: declared ones, plus owned ones when pruning.
    pub capacity_providers: BTreeMap<String, LiveCapacityProvider>,
    /// ECS task definition families by family name: the latest ACTIVE revision.
    pub task_definitions: BTreeMap<String, LiveTaskDefinition>,
    /// ECS services by name.
    pub services: BTreeMap<String, LiveService>,
    /// Application Auto Scaling targets of services' desired counts, by service name:
    /// those of services that declare `autoScaling` and, when pruning, those the ownership
    /// ledger records.
    pub scalable_targets: BTreeMap<String, LiveScalableTarget>,
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
    /// Capacity providers wharf created or changed, by name: they carry this stack's tag
    /// (the tag decides), and the ledger says where to look without listing the account.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub capacity_providers: BTreeSet<String>,
    /// Scalable targets, by resource id (`service/CLUSTER/NAME`).
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub scalable_targets: BTreeSet<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KmsKey {
    pub key_arn: String,
    /// Managed by AWS (aws/ecr) rather than the customer.
    pub aws_managed: bool,
}
