//! What the plan and the registry know of a registry setting without its planning code: its
//! registry entry, and the operations a plan carries for it (plain data, serialized into
//! plans) with their one-line descriptions.

use crate::kinds::entry::Entry;
use serde::{Deserialize, Serialize};

/// The registry's entry for this kind.
pub const ENTRY: Entry = Entry {
    singular: "registry setting",
    plural: "registry settings",
    prefix: "ecr.registry.",
    manifest_path: &["registry"],
    count: |m| {
        usize::from(m.registry.scanning.is_some())
            + usize::from(m.registry.replication.is_some())
            + usize::from(m.registry.policy.is_some())
            + usize::from(m.registry.signing.is_some())
            + usize::from(m.registry.account_settings.is_some())
            + usize::from(m.registry.pull_time_update_exclusions.is_some())
            + usize::from(m.registry.enhanced_scanning.is_some())
    },
};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum RegistryOperation {
    PutRegistryScanningConfiguration {
        scan_type: String,
        rules: Vec<ScanningRuleSpec>,
    },
    /// Empty rules clear replication.
    PutReplicationConfiguration {
        rules: Vec<ReplicationRuleSpec>,
    },
    PutRegistryPolicy {
        document: String,
    },
    DeleteRegistryPolicy,
    PutSigningConfiguration {
        rules: Vec<SigningRuleSpec>,
    },
    DeleteSigningConfiguration,
    PutAccountSetting {
        name: String,
        value: String,
    },
    RegisterPullTimeUpdateExclusion {
        principal_arn: String,
    },
    DeregisterPullTimeUpdateExclusion {
        principal_arn: String,
    },
    /// inspector2 UpdateConfiguration: every member is sent (the ones the manifest leaves
    /// out as AWS holds them).
    UpdateInspectorEcrConfiguration {
        rescan_duration: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pull_date_rescan_duration: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pull_date_rescan_mode: Option<String>,
    },
}

impl RegistryOperation {
    /// Only an exclusion names a principal that may be new (a role this apply created):
    /// ECR refuses a principal it cannot resolve yet, until IAM has propagated it.
    pub fn propagation_wait(&self, message: &str) -> Option<&'static str> {
        (matches!(self, Self::RegisterPullTimeUpdateExclusion { .. })
            && message.to_lowercase().contains("principal"))
        .then_some("waiting for IAM to propagate a new principal to ECR")
    }

    pub fn describe(&self) -> String {
        match self {
            Self::PutRegistryScanningConfiguration { scan_type, rules } => format!(
                "PutRegistryScanningConfiguration {scan_type} ({} rules)",
                rules.len()
            ),
            Self::PutReplicationConfiguration { rules } => {
                format!("PutReplicationConfiguration ({} rules)", rules.len())
            }
            Self::PutRegistryPolicy { .. } => "PutRegistryPolicy".into(),
            Self::DeleteRegistryPolicy => "DeleteRegistryPolicy".into(),
            Self::PutSigningConfiguration { rules } => {
                format!("PutSigningConfiguration ({} rules)", rules.len())
            }
            Self::DeleteSigningConfiguration => "DeleteSigningConfiguration".into(),
            Self::PutAccountSetting { name, value } => format!("PutAccountSetting {name}={value}"),
            Self::RegisterPullTimeUpdateExclusion { principal_arn } => {
                format!("RegisterPullTimeUpdateExclusion {principal_arn}")
            }
            Self::DeregisterPullTimeUpdateExclusion { principal_arn } => {
                format!("DeregisterPullTimeUpdateExclusion {principal_arn}")
            }
            Self::UpdateInspectorEcrConfiguration {
                rescan_duration, ..
            } => format!("UpdateConfiguration (Inspector ECR re-scan {rescan_duration})"),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScanningRuleSpec {
    pub scan_frequency: String,
    /// WILDCARD filters, sorted and unique.
    pub filters: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReplicationRuleSpec {
    /// Sorted and unique: a rule's destinations are a set.
    pub destinations: Vec<DestinationSpec>,
    /// PREFIX_MATCH filters, sorted and unique; empty: every repository.
    pub repository_filters: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DestinationSpec {
    pub region: String,
    pub registry_id: String,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SigningRuleSpec {
    pub signing_profile_arn: String,
    /// WILDCARD_MATCH filters, sorted and unique; empty: every repository.
    pub repository_filters: Vec<String>,
}
