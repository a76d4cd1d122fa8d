//! What the live snapshot holds of a task definition, as read from AWS: plain data, PURE. Its
//! `io.rs` fills it in; its planning code compares against it.

use std::collections::BTreeMap;

/// A task-definition family: its latest ACTIVE revision as DescribeTaskDefinition returns
/// it (AWS JSON shape), and the revisions wharf may clean up.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LiveTaskDefinition {
    pub family: String,
    pub arn: String,
    pub revision: i64,
    pub document: serde_json::Value,
    pub tags: BTreeMap<String, String>,
    /// ACTIVE revisions of the family, newest first, with their ownership (read only
    /// when keepRevisions or prune needs them).
    pub active_revisions: Vec<LiveRevision>,
}

#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LiveRevision {
    pub arn: String,
    pub revision: i64,
    pub owned: bool,
}
