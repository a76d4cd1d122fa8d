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
}

impl RegistryOperation {
    /// Never IAM's eventual consistency: these calls name no role that may be new.
    pub fn propagation_wait(&self, _message: &str) -> Option<&'static str> {
        None
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
