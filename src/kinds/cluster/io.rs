//! A cluster's I/O: reading the declared and owned clusters (DescribeClusters by 100)
//! and executing its operations.

use crate::aws::ecs::{Ecs, EcsScope, tag, tags_of, untag};
use crate::aws::ecs_codec::{from_json, to_json};
use crate::aws::{Aws, AwsError};
use crate::kinds::cluster::ClusterOperation;
use crate::kinds::common::OWNERSHIP_TAG;
use crate::kinds::kind::Executed;
use crate::live::LiveCluster;
use aws_sdk_ecs::operation::create_cluster::CreateClusterInput;
use aws_sdk_ecs::operation::update_cluster::UpdateClusterInput;
use aws_sdk_ecs::types::{CapacityProviderStrategyItem, ClusterField};

use std::collections::{BTreeMap, BTreeSet};

/// The declared clusters and (with `find_owned`) the ones this stack owns; and the names
/// of the undeclared ones without any ownership tag, which that enumeration meets anyway.
pub async fn read_clusters(
    aws: &Aws,
    scope: &EcsScope<'_>,
) -> Result<(BTreeMap<String, LiveCluster>, BTreeSet<String>), AwsError> {
    let mut unmanaged = BTreeSet::new();
    let mut names: Vec<String> = scope.clusters.iter().cloned().collect();
    if scope.find_owned {
        let arns: Vec<String> = aws
            .ecs
            .list_clusters()
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| AwsError::from_sdk("ListClusters", e))?;
        names.extend(arns.iter().map(|a| crate::kinds::service::cluster_name(a)));
        names.sort();
        names.dedup();
    }
    let mut out = BTreeMap::new();
    for chunk in names.chunks(100) {
        let described = aws
            .ecs
            .describe_clusters()
            .set_clusters(Some(chunk.to_vec()))
            .include(ClusterField::Settings)
            .include(ClusterField::Configurations)
            .include(ClusterField::Tags)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("DescribeClusters", e))?;
        for cluster in described.clusters() {
            // A deleted cluster lingers as INACTIVE: it is gone.
            if cluster.status() != Some("ACTIVE") {
                continue;
            }
            let name = cluster.cluster_name().unwrap_or_default().to_string();
            let tags = tags_of(cluster.tags());
            let declared = scope.clusters.contains(&name);
            let owned = tags.get(OWNERSHIP_TAG).map(String::as_str) == Some(scope.stack);
            if !declared && !owned {
                if !tags.contains_key(OWNERSHIP_TAG) {
                    unmanaged.insert(name);
                }
                continue;
            }
            out.insert(
                name.clone(),
                LiveCluster {
                    name,
                    arn: cluster.cluster_arn().unwrap_or_default().to_string(),
                    document: to_json(cluster),
                    tags,
                    services: Vec::new(),
                },
            );
        }
    }
    // Owned clusters that may be pruned: which services still run in them.
    if scope.find_owned {
        for cluster in out
            .values_mut()
            .filter(|c| !scope.clusters.contains(&c.name))
        {
            let arns: Vec<String> = aws
                .ecs
                .list_services()
                .cluster(&cluster.name)
                .into_paginator()
                .items()
                .send()
                .try_collect()
                .await
                .map_err(|e| AwsError::from_sdk("ListServices", e))?;
            cluster.services = arns
                .iter()
                .map(|a| a.rsplit('/').next().unwrap_or(a).to_string())
                .collect();
        }
    }
    Ok((out, unmanaged))
}

pub async fn execute(aws: &Aws, operation: &ClusterOperation) -> Result<Executed, AwsError> {
    let ecs = &aws.ecs;
    match operation {
        ClusterOperation::CreateCluster { input, .. } => {
            let i = from_json(input, CreateClusterInput::deserialize, "cluster")?;
            create_cluster_request(ecs, i)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("CreateCluster", e))?;
        }
        ClusterOperation::UpdateCluster { input, .. } => {
            let i = from_json(input, UpdateClusterInput::deserialize, "cluster update")?;
            ecs.update_cluster()
                .set_cluster(i.cluster)
                .set_settings(i.settings)
                .set_configuration(i.configuration)
                .set_service_connect_defaults(i.service_connect_defaults)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("UpdateCluster", e))?;
        }
        ClusterOperation::PutClusterCapacityProviders {
            name,
            capacity_providers,
            default_capacity_provider_strategy,
        } => {
            let strategy: Vec<CapacityProviderStrategyItem> = default_capacity_provider_strategy
                .as_array()
                .into_iter()
                .flatten()
                .map(|item| {
                    from_json(
                        item,
                        CapacityProviderStrategyItem::deserialize,
                        "capacity provider strategy",
                    )
                })
                .collect::<Result<_, _>>()?;
            ecs.put_cluster_capacity_providers()
                .cluster(name)
                .set_capacity_providers(Some(capacity_providers.clone()))
                .set_default_capacity_provider_strategy(Some(strategy))
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("PutClusterCapacityProviders", e))?;
        }
        ClusterOperation::TagResource { arn, tags } => tag(aws, arn, tags).await?,
        ClusterOperation::UntagResource { arn, keys } => untag(aws, arn, keys).await?,
        ClusterOperation::DeleteCluster { name } => {
            ecs.delete_cluster()
                .cluster(name)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("DeleteCluster", e))?;
        }
    }
    Ok(Executed::Done)
}

pub fn create_cluster_request(
    ecs: &Ecs,
    i: CreateClusterInput,
) -> aws_sdk_ecs::operation::create_cluster::builders::CreateClusterFluentBuilder {
    ecs.create_cluster()
        .set_cluster_name(i.cluster_name)
        .set_tags(i.tags)
        .set_settings(i.settings)
        .set_configuration(i.configuration)
        .set_capacity_providers(i.capacity_providers)
        .set_default_capacity_provider_strategy(i.default_capacity_provider_strategy)
        .set_service_connect_defaults(i.service_connect_defaults)
}

/// This kind's part of the live snapshot.
impl crate::aws::reads::ReadsLive for crate::kinds::cluster::ClusterKind {
    fn read<'a>(
        aws: &'a Aws,
        manifest: &'a crate::manifest::model::Manifest,
        find_owned: bool,
        _so_far: &'a crate::live::LiveSnapshot,
    ) -> futures::future::BoxFuture<'a, Result<crate::aws::reads::Store, AwsError>> {
        Box::pin(async move {
            let scope = crate::aws::ecs::ecs_scope(manifest, find_owned);
            let (clusters, unmanaged) = read_clusters(aws, &scope).await?;
            let store: crate::aws::reads::Store = Box::new(move |live| {
                live.clusters = clusters;
                live.unmanaged.clusters = unmanaged;
            });
            Ok(store)
        })
    }
}

/// What `wharf export` reads of this kind.
impl crate::aws::reads::ExportsLive for crate::kinds::cluster::ClusterKind {
    fn read_selected<'a>(
        aws: &'a Aws,
        selection: &'a crate::export::Selection,
        stack: &'a str,
        _so_far: &'a crate::live::LiveSnapshot,
    ) -> futures::future::BoxFuture<'a, Result<(crate::aws::reads::Store, Vec<String>), AwsError>>
    {
        Box::pin(async move {
            if selection.clusters.is_empty() {
                return Ok(crate::aws::reads::nothing());
            }
            let exported: BTreeSet<String> = cluster_names_of(aws)
                .await?
                .into_iter()
                .filter(|name| selection.clusters.matches(name))
                .collect();
            if exported.is_empty() {
                return Ok(crate::aws::reads::nothing());
            }
            let scope = EcsScope {
                clusters: exported,
                families: BTreeSet::new(),
                revision_families: BTreeSet::new(),
                services: BTreeMap::new(),
                find_owned: false,
                stack,
            };
            let clusters = read_clusters(aws, &scope).await?.0;
            let store: crate::aws::reads::Store = Box::new(move |live| live.clusters = clusters);
            Ok((store, Vec::new()))
        })
    }
}

pub(crate) async fn cluster_names_of(aws: &Aws) -> Result<Vec<String>, AwsError> {
    let arns: Vec<String> = aws
        .ecs
        .list_clusters()
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| AwsError::from_sdk("ListClusters", e))?;
    let mut names: Vec<String> = arns
        .iter()
        .map(|a| crate::kinds::service::cluster_name(a))
        .collect();
    names.sort();
    names.dedup();
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::ecs::request_checks::{assert_covers, assert_sent, client, fixture};
    use crate::aws::ecs_codec::{from_json, to_json};
    use crate::manifest::ecs_members;

    #[test]
    fn every_create_cluster_member_is_sent() {
        let input = fixture("create_cluster");
        assert_covers(ecs_members::CREATE_CLUSTER, &input);
        let typed = from_json(&input, CreateClusterInput::deserialize, "cluster").expect("decodes");
        let request = create_cluster_request(&client(), typed);
        let sent = to_json(&request.as_input().clone().build().expect("builds"));
        assert_sent(ecs_members::CREATE_CLUSTER, &input, &sent);
    }
}
