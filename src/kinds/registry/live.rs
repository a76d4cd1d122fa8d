//! What the live snapshot holds of a registry, as read from AWS: plain data, PURE. Its
//! `io.rs` fills it in; its planning code compares against it.

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
    /// GetSigningConfiguration's rules (AWS JSON shape; `[]` when there is none).
    pub signing: Option<serde_json::Value>,
    /// GetAccountSetting of each setting the manifest declares: name → value.
    pub account_settings: Option<std::collections::BTreeMap<String, String>>,
    /// ListPullTimeUpdateExclusions: the principal ARNs.
    pub pull_time_update_exclusions: Option<Vec<String>>,
    /// inspector2 GetConfiguration's ECR re-scan settings:
    /// `{rescanDuration, pullDateRescanDuration, pullDateRescanMode}`.
    pub enhanced_scanning: Option<serde_json::Value>,
}
