//! The private registry's singletons: reading scanning, replication and the registry
//! policy into the live snapshot (only the sections the manifest declares: what it
//! leaves out is not managed, so not read), and executing the registry operations.
//! Live configurations are kept in AWS's JSON shape; the kind normalizes.

use crate::aws::{Aws, AwsError, absent_on};
use crate::kinds::kind::Executed;
use crate::kinds::registry::{self, RegistryOperation};
use crate::live::LiveRegistry;
use crate::manifest::model::Registry;
use aws_sdk_ecr::types::{
    RegistryScanningRule, ReplicationConfiguration, ReplicationDestination, ReplicationRule,
    RepositoryFilter, RepositoryFilterType, ScanFrequency, ScanType, ScanningRepositoryFilter,
    ScanningRepositoryFilterType,
};
use serde_json::{Value, json};

pub async fn read_registry(aws: &Aws, manifest: &Registry) -> Result<LiveRegistry, AwsError> {
    let (scanning, replication, policy) = registry::sections(manifest);
    let (scanning, replication, policy) = tokio::join!(
        async {
            if !scanning {
                return Ok(None);
            }
            read_scanning(aws).await.map(Some)
        },
        async {
            if !replication {
                return Ok(None);
            }
            read_replication(aws).await.map(Some)
        },
        async {
            if !policy {
                return Ok(None);
            }
            read_policy(aws).await.map(Some)
        },
    );
    Ok(LiveRegistry {
        scanning: scanning?,
        replication: replication?,
        policy: policy?,
    })
}

async fn read_scanning(aws: &Aws) -> Result<Value, AwsError> {
    let out = aws
        .ecr
        .get_registry_scanning_configuration()
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("GetRegistryScanningConfiguration", e))?;
    let Some(config) = out.scanning_configuration() else {
        return Ok(Value::Null);
    };
    Ok(json!({
        "scanType": config.scan_type().map(|t| t.as_str()),
        "rules": config.rules().iter().map(|r| json!({
            "scanFrequency": r.scan_frequency().as_str(),
            "repositoryFilters": r.repository_filters().iter().map(|f| json!({
                "filter": f.filter(),
                "filterType": f.filter_type().as_str(),
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    }))
}

async fn read_replication(aws: &Aws) -> Result<Value, AwsError> {
    let out = aws
        .ecr
        .describe_registry()
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("DescribeRegistry", e))?;
    let Some(config) = out.replication_configuration() else {
        return Ok(json!({"rules": []}));
    };
    Ok(json!({
        "rules": config.rules().iter().map(|r| json!({
            "destinations": r.destinations().iter().map(|d| json!({
                "region": d.region(),
                "registryId": d.registry_id(),
            })).collect::<Vec<_>>(),
            "repositoryFilters": r.repository_filters().iter().map(|f| json!({
                "filter": f.filter(),
                "filterType": f.filter_type().as_str(),
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    }))
}

/// The registry policy text; None when the registry has none.
async fn read_policy(aws: &Aws) -> Result<Option<String>, AwsError> {
    let result = aws.ecr.get_registry_policy().send().await;
    Ok(absent_on(
        result,
        "RegistryPolicyNotFoundException",
        "GetRegistryPolicy",
    )?
    .and_then(|out| out.policy_text().map(str::to_string)))
}

fn built<T>(result: Result<T, aws_sdk_ecr::error::BuildError>) -> Result<T, AwsError> {
    result.map_err(|e| AwsError::new(e.to_string()))
}

pub async fn execute(aws: &Aws, operation: &RegistryOperation) -> Result<Executed, AwsError> {
    let ecr = &aws.ecr;
    match operation {
        RegistryOperation::PutRegistryScanningConfiguration { scan_type, rules } => {
            let rules = rules
                .iter()
                .map(|r| {
                    let filters = r
                        .filters
                        .iter()
                        .map(|f| {
                            built(
                                ScanningRepositoryFilter::builder()
                                    .filter(f)
                                    .filter_type(ScanningRepositoryFilterType::Wildcard)
                                    .build(),
                            )
                        })
                        .collect::<Result<Vec<_>, _>>()?;
                    built(
                        RegistryScanningRule::builder()
                            .scan_frequency(ScanFrequency::from(r.scan_frequency.as_str()))
                            .set_repository_filters(Some(filters))
                            .build(),
                    )
                })
                .collect::<Result<Vec<_>, _>>()?;
            ecr.put_registry_scanning_configuration()
                .scan_type(ScanType::from(scan_type.as_str()))
                .set_rules(Some(rules))
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("PutRegistryScanningConfiguration", e))?;
        }
        RegistryOperation::PutReplicationConfiguration { rules } => {
            let rules = rules
                .iter()
                .map(|r| {
                    let destinations = r
                        .destinations
                        .iter()
                        .map(|d| {
                            built(
                                ReplicationDestination::builder()
                                    .region(&d.region)
                                    .registry_id(&d.registry_id)
                                    .build(),
                            )
                        })
                        .collect::<Result<Vec<_>, _>>()?;
                    let filters = r
                        .repository_filters
                        .iter()
                        .map(|f| {
                            built(
                                RepositoryFilter::builder()
                                    .filter(f)
                                    .filter_type(RepositoryFilterType::PrefixMatch)
                                    .build(),
                            )
                        })
                        .collect::<Result<Vec<_>, _>>()?;
                    built(
                        ReplicationRule::builder()
                            .set_destinations(Some(destinations))
                            .set_repository_filters((!filters.is_empty()).then_some(filters))
                            .build(),
                    )
                })
                .collect::<Result<Vec<_>, _>>()?;
            ecr.put_replication_configuration()
                .replication_configuration(built(
                    ReplicationConfiguration::builder()
                        .set_rules(Some(rules))
                        .build(),
                )?)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("PutReplicationConfiguration", e))?;
        }
        RegistryOperation::PutRegistryPolicy { document } => {
            ecr.put_registry_policy()
                .policy_text(document)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("PutRegistryPolicy", e))?;
        }
        RegistryOperation::DeleteRegistryPolicy => {
            let result = ecr.delete_registry_policy().send().await;
            absent_on(
                result,
                "RegistryPolicyNotFoundException",
                "DeleteRegistryPolicy",
            )?;
        }
    }
    Ok(Executed::Done)
}

/// This kind's part of the live snapshot.
impl crate::aws::reads::ReadsLive for crate::kinds::registry::RegistryKind {
    fn read<'a>(
        aws: &'a Aws,
        manifest: &'a crate::manifest::model::Manifest,
        _find_owned: bool,
        _so_far: &'a crate::live::LiveSnapshot,
    ) -> futures::future::BoxFuture<'a, Result<crate::aws::reads::Store, AwsError>> {
        Box::pin(async move {
            let registry = read_registry(aws, &manifest.registry).await?;
            let store: crate::aws::reads::Store = Box::new(move |live| live.registry = registry);
            Ok(store)
        })
    }
}

/// What `wharf export` reads of this kind.
impl crate::aws::reads::ExportsLive for crate::kinds::registry::RegistryKind {
    fn read_selected<'a>(
        aws: &'a Aws,
        selection: &'a crate::export::Selection,
        _stack: &'a str,
        _so_far: &'a crate::live::LiveSnapshot,
    ) -> futures::future::BoxFuture<'a, Result<(crate::aws::reads::Store, Vec<String>), AwsError>>
    {
        Box::pin(async move {
            if !selection.registry {
                return Ok(crate::aws::reads::nothing());
            }
            let every_section = crate::manifest::model::Registry {
                scanning: Some(crate::manifest::model::RegistryScanning::default()),
                replication: Some(crate::manifest::model::Replication::default()),
                policy: Some(serde_json::Value::Null),
                ..crate::manifest::model::Registry::default()
            };
            let registry = read_registry(aws, &every_section).await?;
            let store: crate::aws::reads::Store = Box::new(move |live| live.registry = registry);
            Ok((store, Vec::new()))
        })
    }
}
