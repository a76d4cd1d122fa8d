//! What the manifest may say of the registry's scanning, replication, image signing,
//! account settings and pull-time exclusions: its raw types, with AWS's camelCase
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

/// Managed image signing (PutSigningConfiguration): on push to a matching repository,
/// ECR starts an AWS Signer job with the rule's profile.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Signing {
    /// At most 10 rules; none: no image is signed (the configuration is deleted).
    #[serde(default)]
    pub rules: Vec<SigningRule>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SigningRule {
    /// The AWS Signer signing profile:
    /// `arn:aws:signer:REGION:ACCOUNT:/signing-profiles/NAME`.
    pub signing_profile_arn: String,
    /// Repository-name filters with `*` wildcards (WILDCARD_MATCH), at most 100; none:
    /// every repository of the registry.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub repository_filters: Vec<String>,
}

/// Registry account settings (PutAccountSetting), by AWS's own names. A setting left out
/// is not managed; each listed one is kept at its value.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct AccountSettings {
    /// Which engine basic scanning uses: AWS_NATIVE (the only value PutAccountSetting
    /// takes; CLAIR is the retired engine).
    #[serde(
        rename = "BASIC_SCAN_TYPE_VERSION",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub basic_scan_type_version: Option<BasicScanTypeVersion>,
    /// How the registry policy is evaluated: V2 (every ECR action; the only value
    /// PutAccountSetting takes). V1 covers replication and pull-through cache only.
    #[serde(
        rename = "REGISTRY_POLICY_SCOPE",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub registry_policy_scope: Option<RegistryPolicyScope>,
    /// Whether pushes may mount layers that already exist in another repository of the
    /// registry: ENABLED or DISABLED.
    #[serde(
        rename = "BLOB_MOUNTING",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub blob_mounting: Option<BlobMounting>,
}

impl AccountSettings {
    /// The declared settings as (AWS name, value).
    pub fn declared(&self) -> Vec<(&'static str, &'static str)> {
        [
            (
                "BASIC_SCAN_TYPE_VERSION",
                self.basic_scan_type_version.map(|v| v.as_str()),
            ),
            (
                "REGISTRY_POLICY_SCOPE",
                self.registry_policy_scope.map(|v| v.as_str()),
            ),
            ("BLOB_MOUNTING", self.blob_mounting.map(|v| v.as_str())),
        ]
        .into_iter()
        .filter_map(|(name, value)| Some((name, value?)))
        .collect()
    }
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
pub enum BasicScanTypeVersion {
    #[serde(rename = "AWS_NATIVE")]
    AwsNative,
}

impl BasicScanTypeVersion {
    pub fn as_str(self) -> &'static str {
        "AWS_NATIVE"
    }
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
pub enum RegistryPolicyScope {
    V2,
}

impl RegistryPolicyScope {
    pub fn as_str(self) -> &'static str {
        "V2"
    }
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum BlobMounting {
    Enabled,
    Disabled,
}

impl BlobMounting {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Enabled => "ENABLED",
            Self::Disabled => "DISABLED",
        }
    }
}

/// Amazon Inspector's ECR settings (inspector2 UpdateConfiguration `ecrConfiguration`):
/// how long enhanced scanning keeps re-scanning an image. A member left out is not
/// managed.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EnhancedScanning {
    /// Re-scan an image for this long after its push: LIFETIME or DAYS_3 to DAYS_180.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rescan_duration: Option<RescanDuration>,
    /// ... and for this long after its last pull or use (DAYS_3 to DAYS_180).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pull_date_rescan_duration: Option<PullDateRescanDuration>,
    /// What that second date is: LAST_IN_USE_AT (a running container, Inspector's
    /// default) or LAST_PULL_DATE.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pull_date_rescan_mode: Option<PullDateRescanMode>,
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RescanDuration {
    Lifetime,
    #[serde(rename = "DAYS_3")]
    Days3,
    #[serde(rename = "DAYS_7")]
    Days7,
    #[serde(rename = "DAYS_14")]
    Days14,
    #[serde(rename = "DAYS_30")]
    Days30,
    #[serde(rename = "DAYS_60")]
    Days60,
    #[serde(rename = "DAYS_90")]
    Days90,
    #[serde(rename = "DAYS_180")]
    Days180,
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
pub enum PullDateRescanDuration {
    #[serde(rename = "DAYS_3")]
    Days3,
    #[serde(rename = "DAYS_7")]
    Days7,
    #[serde(rename = "DAYS_14")]
    Days14,
    #[serde(rename = "DAYS_30")]
    Days30,
    #[serde(rename = "DAYS_60")]
    Days60,
    #[serde(rename = "DAYS_90")]
    Days90,
    #[serde(rename = "DAYS_180")]
    Days180,
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PullDateRescanMode {
    LastPullDate,
    LastInUseAt,
}

impl EnhancedScanning {
    /// The declared members as (API name, value).
    pub fn declared(&self) -> Vec<(&'static str, String)> {
        let text = |v: Option<serde_json::Value>| v.and_then(|v| v.as_str().map(str::to_string));
        [
            (
                "rescanDuration",
                text(self.rescan_duration.map(|v| serde_json::json!(v))),
            ),
            (
                "pullDateRescanDuration",
                text(self.pull_date_rescan_duration.map(|v| serde_json::json!(v))),
            ),
            (
                "pullDateRescanMode",
                text(self.pull_date_rescan_mode.map(|v| serde_json::json!(v))),
            ),
        ]
        .into_iter()
        .filter_map(|(name, value)| Some((name, value?)))
        .collect()
    }
}
