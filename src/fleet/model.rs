//! The fleet file's shape (the contract, like the manifest's: extend it, do not rename
//! it), as raw types the JSON Schema is generated from. PURE.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A fleet: the same stack (with small differences) in many accounts and regions.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(title = "wharf fleet file")]
pub struct FleetFile {
    /// The fleet file format: 1.
    pub version: u32,
    /// Settings every target starts from; a target's own settings win (its `vars` are
    /// merged over these, key by key).
    #[serde(default)]
    pub defaults: TargetSettings,
    /// The targets by name. A name labels the target in reports, CI jobs and role
    /// sessions; `--target-name` selects by it (with `*` wildcards).
    pub targets: BTreeMap<String, TargetSettings>,
}

/// One target's settings (also the shape of `defaults`).
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TargetSettings {
    /// The account the target is for (12 digits, quoted): wharf refuses to plan when
    /// the credentials reach another one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    /// The region the target's manifests are applied in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// The role to assume (through STS, from the caller's credentials) for this target.
    /// `${accountId}`, `${region}` and `${name}` are the target's. Without one, the
    /// caller's own credentials are used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<String>,
    /// The external id the role's trust policy asks for (sts:ExternalId).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// The role session name (default `wharf-TARGET`), as CloudTrail shows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_name: Option<String>,
    /// The manifest files, relative to the fleet file; later files are laid over
    /// earlier ones, as with `-f base.yaml -f prod.yaml`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manifests: Option<Vec<String>>,
    /// Manifest variables (`${NAME}`) for this target; `--var` still wins.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub vars: BTreeMap<String, VarValue>,
}

/// A variable's value: a string, or a number or boolean written as YAML writes it.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum VarValue {
    Text(String),
    Integer(i64),
    Number(f64),
    Flag(bool),
}

impl VarValue {
    pub fn text(&self) -> String {
        match self {
            Self::Text(s) => s.clone(),
            Self::Integer(n) => n.to_string(),
            Self::Number(n) => n.to_string(),
            Self::Flag(b) => b.to_string(),
        }
    }
}
