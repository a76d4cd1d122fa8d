//! What the manifest may say of the registry's scanning and replication settings: its raw types, with AWS's camelCase
//! names, deriving serde (decoding) and schemars (the published schema). PURE, and a
//! leaf: `manifest::model` gathers these into the manifest.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

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
