//! What apply calls for a registry: the operations a plan carries, as plain data
//! (serialized into plans), with their one-line descriptions.

use serde::{Deserialize, Serialize};

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
