//! A capacity provider's I/O: reading providers by name (DescribeCapacityProviders by
//! 100, with their tags), every provider of the account for `export`, and executing its
//! operations.

use crate::aws::ecs::{tag, tags_of, untag};
use crate::aws::ecs_codec::{from_json, to_json};
use crate::aws::{Aws, AwsError};
use crate::kinds::capacity_provider::live::LiveCapacityProvider;
use crate::kinds::capacity_provider::{CapacityProviderOperation, FARGATE_PROVIDERS};
use crate::kinds::common::OWNERSHIP_TAG;
use crate::kinds::kind::Executed;
use aws_sdk_ecs::operation::create_capacity_provider::CreateCapacityProviderInput;
use aws_sdk_ecs::operation::update_capacity_provider::UpdateCapacityProviderInput;
use aws_sdk_ecs::types::{CapacityProvider, CapacityProviderField};
use std::collections::{BTreeMap, BTreeSet};

/// DescribeCapacityProviders takes at most 100 names.
const NAMES_PER_CALL: usize = 100;

fn live(provider: &CapacityProvider) -> LiveCapacityProvider {
    LiveCapacityProvider {
        name: provider.name().unwrap_or_default().to_string(),
        arn: provider
            .capacity_provider_arn()
            .unwrap_or_default()
            .to_string(),
        status: provider
            .status()
            .map(|s| s.as_str().to_string())
            .unwrap_or_default(),
        document: to_json(provider),
        tags: tags_of(provider.tags()),
    }
}

/// Every capacity provider of the account, or of `cluster` (DescribeCapacityProviders
/// without names, page by page).
async fn every_provider(
    aws: &Aws,
    cluster: Option<&str>,
) -> Result<Vec<LiveCapacityProvider>, AwsError> {
    let mut out = Vec::new();
    let mut token = None;
    loop {
        let page = aws
            .ecs
            .describe_capacity_providers()
            .set_cluster(cluster.map(str::to_string))
            .include(CapacityProviderField::Tags)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("DescribeCapacityProviders", e))?;
        out.extend(page.capacity_providers().iter().map(live));
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            return Ok(out);
        }
    }
}

/// The providers named, each with the cluster it lives in for a Managed Instances one
/// (DescribeCapacityProviders describes those only when given their cluster); of those not
/// declared, only the ones this stack's tag owns.
pub async fn read_providers(
    aws: &Aws,
    names: &BTreeSet<(Option<String>, String)>,
    declared: &BTreeSet<String>,
    stack: &str,
) -> Result<BTreeMap<String, LiveCapacityProvider>, AwsError> {
    let mut by_cluster: BTreeMap<Option<String>, Vec<String>> = BTreeMap::new();
    for (cluster, name) in names {
        by_cluster
            .entry(cluster.clone())
            .or_default()
            .push(name.clone());
    }
    let mut out = BTreeMap::new();
    for (cluster, names) in by_cluster {
        for chunk in names.chunks(NAMES_PER_CALL) {
            let described = aws
                .ecs
                .describe_capacity_providers()
                .set_cluster(cluster.clone())
                .set_capacity_providers(Some(chunk.to_vec()))
                .include(CapacityProviderField::Tags)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("DescribeCapacityProviders", e))?;
            for provider in described.capacity_providers() {
                let provider = live(provider);
                let owned = provider.tags.get(OWNERSHIP_TAG).map(String::as_str) == Some(stack);
                // A deleted provider lingers as INACTIVE: it is gone.
                if provider.status != "INACTIVE" && (owned || declared.contains(&provider.name)) {
                    out.insert(provider.name.clone(), provider);
                }
            }
        }
    }
    Ok(out)
}

pub async fn execute(
    aws: &Aws,
    operation: &CapacityProviderOperation,
) -> Result<Executed, AwsError> {
    let ecs = &aws.ecs;
    match operation {
        CapacityProviderOperation::CreateCapacityProvider { input, .. } => {
            let i = from_json(
                input,
                CreateCapacityProviderInput::deserialize,
                "capacity provider",
            )?;
            ecs.create_capacity_provider()
                .set_name(i.name)
                .set_cluster(i.cluster)
                .set_auto_scaling_group_provider(i.auto_scaling_group_provider)
                .set_managed_instances_provider(i.managed_instances_provider)
                .set_tags(i.tags)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("CreateCapacityProvider", e))?;
        }
        CapacityProviderOperation::UpdateCapacityProvider { input, .. } => {
            let i = from_json(
                input,
                UpdateCapacityProviderInput::deserialize,
                "capacity provider update",
            )?;
            ecs.update_capacity_provider()
                .set_name(i.name)
                .set_cluster(i.cluster)
                .set_auto_scaling_group_provider(i.auto_scaling_group_provider)
                .set_managed_instances_provider(i.managed_instances_provider)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("UpdateCapacityProvider", e))?;
        }
        CapacityProviderOperation::DeleteCapacityProvider { name, cluster } => {
            ecs.delete_capacity_provider()
                .capacity_provider(name)
                .set_cluster(cluster.clone())
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("DeleteCapacityProvider", e))?;
        }
        CapacityProviderOperation::TagResource { arn, tags } => tag(aws, arn, tags).await?,
        CapacityProviderOperation::UntagResource { arn, keys } => untag(aws, arn, keys).await?,
    }
    Ok(Executed::Done)
}

/// This kind's part of the live snapshot, read after the clusters and the ownership
/// ledger: the declared providers and, when looking for owned ones, those the ledger
/// records and those the stack's clusters associate (never a scan of the account).
impl crate::aws::reads::ReadsLive for crate::kinds::capacity_provider::CapacityProviderKind {
    const SECOND_WAVE: bool = true;

    fn read<'a>(
        aws: &'a Aws,
        manifest: &'a crate::manifest::model::Manifest,
        find_owned: bool,
        so_far: &'a crate::live::LiveSnapshot,
    ) -> futures::future::BoxFuture<'a, Result<crate::aws::reads::Store, AwsError>> {
        Box::pin(async move {
            let declared: BTreeSet<String> =
                manifest.ecs.capacity_providers.keys().cloned().collect();
            let mut names: BTreeSet<(Option<String>, String)> = manifest
                .ecs
                .capacity_providers
                .iter()
                .map(|(name, provider)| {
                    let cluster = provider
                        .get("cluster")
                        .and_then(serde_json::Value::as_str)
                        .map(crate::kinds::service::cluster_name);
                    (cluster, name.clone())
                })
                .collect();
            if find_owned {
                if let Some(ledger) = &so_far.ledger {
                    names.extend(ledger.capacity_providers.iter().map(|entry| {
                        match entry.split_once('/') {
                            Some((cluster, name)) => (Some(cluster.to_string()), name.to_string()),
                            None => (None, entry.clone()),
                        }
                    }));
                }
                for cluster in so_far.clusters.values() {
                    names.extend(
                        cluster.document["capacityProviders"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .filter_map(|p| p.as_str())
                            .filter(|p| !FARGATE_PROVIDERS.contains(p))
                            .map(|p| (None, p.to_string())),
                    );
                }
            }
            let providers = if names.is_empty() {
                BTreeMap::new()
            } else {
                read_providers(aws, &names, &declared, &manifest.stack).await?
            };
            let store: crate::aws::reads::Store =
                Box::new(move |live| live.capacity_providers = providers);
            Ok(store)
        })
    }
}

/// What `wharf export` reads of this kind: every provider of the account, and the Managed
/// Instances providers of the exported clusters (described only with their cluster).
impl crate::aws::reads::ExportsLive for crate::kinds::capacity_provider::CapacityProviderKind {
    const SECOND_WAVE: bool = true;

    fn read_selected<'a>(
        aws: &'a Aws,
        selection: &'a crate::export::Selection,
        _stack: &'a str,
        so_far: &'a crate::live::LiveSnapshot,
    ) -> futures::future::BoxFuture<'a, Result<(crate::aws::reads::Store, Vec<String>), AwsError>>
    {
        Box::pin(async move {
            if selection.capacity_providers.is_empty() {
                return Ok(crate::aws::reads::nothing());
            }
            let mut found = every_provider(aws, None).await?;
            for cluster in so_far.clusters.keys() {
                found.extend(every_provider(aws, Some(cluster)).await?);
            }
            let providers: BTreeMap<String, LiveCapacityProvider> = found
                .into_iter()
                .filter(|p| {
                    p.status != "INACTIVE"
                        && !FARGATE_PROVIDERS.contains(&p.name.as_str())
                        && selection.capacity_providers.matches(&p.name)
                })
                .map(|p| (p.name.clone(), p))
                .collect();
            let store: crate::aws::reads::Store =
                Box::new(move |live| live.capacity_providers = providers);
            Ok((store, Vec::new()))
        })
    }
}
