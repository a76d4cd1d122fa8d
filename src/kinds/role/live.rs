//! What the live snapshot holds of a role, as read from AWS: plain data, PURE. Its
//! `io.rs` fills it in; its planning code compares against it.

use std::collections::BTreeMap;

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
    /// The instance profiles that hold the role, by name.
    pub instance_profiles: Vec<String>,
}
