//! What the live snapshot holds of a pull through cache, as read from AWS: plain data, PURE. Its
//! `io.rs` fills it in; its planning code compares against it.

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
