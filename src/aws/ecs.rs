//! What the three ECS kinds' I/O shares: the read scope, tags in ECS's shape and the
//! tagging calls, and for tests the checks that a request builder carries every member
//! of the model. Each kind's reads, request builders and executions live in its own
//! `io.rs`.

use super::{Aws, AwsError};
use aws_sdk_ecs::types::Tag;

use std::collections::{BTreeMap, BTreeSet};

pub(crate) const READ_CONCURRENCY: usize = 8;

pub(crate) fn tags_of(tags: &[Tag]) -> BTreeMap<String, String> {
    tags.iter()
        .filter_map(|t| Some((t.key()?.to_string(), t.value()?.to_string())))
        .collect()
}

pub(crate) fn to_tags(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

/// What to read: the manifest's names, and whether to look for owned ones (prune, drift).
pub struct EcsScope<'a> {
    pub clusters: BTreeSet<String>,
    pub families: BTreeSet<String>,
    /// Families whose ACTIVE revisions must be listed (keepRevisions).
    pub revision_families: BTreeSet<String>,
    /// Declared services by cluster.
    pub services: BTreeMap<String, BTreeSet<String>>,
    pub find_owned: bool,
    pub stack: &'a str,
}

pub(crate) async fn tag(
    aws: &Aws,
    arn: &str,
    tags: &BTreeMap<String, String>,
) -> Result<(), AwsError> {
    aws.ecs
        .tag_resource()
        .resource_arn(arn)
        .set_tags(Some(to_tags(tags)))
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("TagResource", e))?;
    Ok(())
}

pub(crate) async fn untag(aws: &Aws, arn: &str, keys: &[String]) -> Result<(), AwsError> {
    aws.ecs
        .untag_resource()
        .resource_arn(arn)
        .set_tag_keys(Some(keys.to_vec()))
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("UntagResource", e))?;
    Ok(())
}

// The requests, member by member. The SDK's fluent builders take no whole input, so each
// member is set here by name; the tests check that every member the service model has
// and wharf manages (`manifest::ecs_members`) survives the trip.

pub type Ecs = aws_sdk_ecs::Client;

/// What the ECS reads cover: the manifest's clusters, families and services by cluster.
pub fn ecs_scope(manifest: &crate::manifest::model::Manifest, find_owned: bool) -> EcsScope<'_> {
    let ecs_section = &manifest.ecs;
    let mut services: std::collections::BTreeMap<String, std::collections::BTreeSet<String>> =
        Default::default();
    for (name, service) in &ecs_section.services {
        let cluster = crate::kinds::service::cluster_of(service);
        services.entry(cluster).or_default().insert(name.clone());
    }
    EcsScope {
        clusters: ecs_section.clusters.keys().cloned().collect(),
        families: ecs_section.task_definitions.keys().cloned().collect(),
        revision_families: ecs_section
            .task_definitions
            .iter()
            .filter(|(_, d)| d.contains_key("keepRevisions"))
            .map(|(f, _)| f.clone())
            .collect(),
        services,
        find_owned,
        stack: &manifest.stack,
    }
}

/// What the kinds' request-builder tests share: a client that sends nothing, the
/// published input fixtures, and the checks that a builder carries every member.
#[cfg(test)]
pub(crate) mod request_checks {
    use super::*;
    use crate::manifest::ecs_members::{Shape, Treatment};
    use serde_json::Value;

    pub(crate) fn client() -> Ecs {
        let config = aws_sdk_ecs::Config::builder()
            .behavior_version(aws_sdk_ecs::config::BehaviorVersion::latest())
            .region(aws_sdk_ecs::config::Region::new("eu-west-1"))
            .build();
        Ecs::from_conf(config)
    }

    pub(crate) fn fixture(name: &str) -> Value {
        let path = format!(
            "{}/tests/fixtures/ecs_inputs/{name}.json",
            env!("CARGO_MANIFEST_DIR")
        );
        serde_json::from_str(&std::fs::read_to_string(&path).expect("fixture")).expect("JSON")
    }

    /// The fixture names every member of the model wharf passes through, and no other.
    pub(crate) fn assert_covers(shape: Shape, input: &Value) {
        let given: BTreeSet<String> = input.as_object().expect("object").keys().cloned().collect();
        let expected: BTreeSet<String> = shape
            .members()
            .into_iter()
            .filter(|(_, t)| !matches!(t, Treatment::Refused(_)))
            .map(|(name, _)| name)
            .collect();
        assert_eq!(
            given, expected,
            "{}: the fixture must hold exactly the members wharf passes through",
            shape.operation
        );
    }

    /// Every member given reaches the request unchanged.
    pub(crate) fn assert_sent(shape: Shape, given: &Value, sent: &Value) {
        for (member, value) in given.as_object().expect("object") {
            assert_eq!(
                sent.get(member),
                Some(value),
                "{}: `{member}` is dropped on its way to AWS",
                shape.operation
            );
        }
    }
}
