//! What the live snapshot holds of a service, as read from AWS: plain data, PURE. Its
//! `io.rs` fills it in; its planning code compares against it.

use std::collections::BTreeMap;

/// An ECS service as DescribeServices returns it (AWS JSON shape).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LiveService {
    pub name: String,
    pub cluster: String,
    /// ACTIVE, or DRAINING after a deletion (the name cannot be reused until INACTIVE).
    pub status: String,
    pub arn: String,
    pub document: serde_json::Value,
    pub tags: BTreeMap<String, String>,
}

/// The deployment a CreateService or UpdateService started, as its answer reports it: the
/// PRIMARY deployment's id and task definition, and the service deployment's ARN where
/// ECS reports one (`currentServiceDeployment`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StartedDeployment {
    pub id: Option<String>,
    pub task_definition: Option<String>,
    pub service_deployment_arn: Option<String>,
}
