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
    ScanningRepositoryFilterType, SigningConfiguration, SigningRepositoryFilter,
    SigningRepositoryFilterType, SigningRule,
};
use serde_json::{Value, json};

pub async fn read_registry(aws: &Aws, manifest: &Registry) -> Result<LiveRegistry, AwsError> {
    let (scanning, replication, policy) = registry::sections(manifest);
    let settings: Vec<&str> = manifest
        .account_settings
        .as_ref()
        .map(|s| s.declared().into_iter().map(|(name, _)| name).collect())
        .unwrap_or_default();
    let (signing, account_settings, exclusions, enhanced_scanning) = tokio::join!(
        async {
            if manifest.signing.is_none() {
                return Ok(None);
            }
            read_signing(aws).await.map(Some)
        },
        async {
            if manifest.account_settings.is_none() {
                return Ok(None);
            }
            read_account_settings(aws, &settings).await.map(Some)
        },
        async {
            if manifest.pull_time_update_exclusions.is_none() {
                return Ok(None);
            }
            read_exclusions(aws).await.map(Some)
        },
        async {
            if manifest.enhanced_scanning.is_none() {
                return Ok(None);
            }
            read_enhanced_scanning(aws).await.map(Some)
        },
    );
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
        signing: signing?,
        account_settings: account_settings?,
        pull_time_update_exclusions: exclusions?,
        enhanced_scanning: enhanced_scanning?,
    })
}

/// inspector2 GetConfiguration's ECR re-scan settings (members AWS leaves out are absent).
async fn read_enhanced_scanning(aws: &Aws) -> Result<Value, AwsError> {
    let out = aws
        .inspector
        .get_configuration()
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("GetConfiguration", e))?;
    let state = out
        .ecr_configuration()
        .and_then(|c| c.rescan_duration_state());
    let mut doc = serde_json::Map::new();
    if let Some(state) = state {
        if let Some(v) = state.rescan_duration() {
            doc.insert("rescanDuration".into(), json!(v.as_str()));
        }
        if let Some(v) = state.pull_date_rescan_duration() {
            doc.insert("pullDateRescanDuration".into(), json!(v.as_str()));
        }
        if let Some(v) = state.pull_date_rescan_mode() {
            doc.insert("pullDateRescanMode".into(), json!(v.as_str()));
        }
    }
    Ok(Value::Object(doc))
}

/// The signing rules in AWS JSON shape; `[]` when the registry has no configuration.
async fn read_signing(aws: &Aws) -> Result<Value, AwsError> {
    let result = aws.ecr.get_signing_configuration().send().await;
    let Some(out) = absent_on(
        result,
        "SigningConfigurationNotFoundException",
        "GetSigningConfiguration",
    )?
    else {
        return Ok(json!([]));
    };
    Ok(json!(
        out.signing_configuration()
            .map(|c| c.rules())
            .unwrap_or_default()
            .iter()
            .map(|r| json!({
                "signingProfileArn": r.signing_profile_arn(),
                "repositoryFilters": r.repository_filters().iter().map(|f| json!({
                    "filter": f.filter(),
                    "filterType": f.filter_type().as_str(),
                })).collect::<Vec<_>>(),
            }))
            .collect::<Vec<_>>()
    ))
}

/// GetAccountSetting of each name: name → value.
async fn read_account_settings(
    aws: &Aws,
    names: &[&str],
) -> Result<std::collections::BTreeMap<String, String>, AwsError> {
    let mut out = std::collections::BTreeMap::new();
    for name in names {
        let setting = aws
            .ecr
            .get_account_setting()
            .name(*name)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("GetAccountSetting", e))?;
        if let Some(value) = setting.value() {
            out.insert(name.to_string(), value.to_string());
        }
    }
    Ok(out)
}

/// The registry policy scope (V1 or V2), for `lint --live`.
pub async fn read_policy_scope(aws: &Aws) -> Result<Option<String>, AwsError> {
    Ok(read_account_settings(aws, &["REGISTRY_POLICY_SCOPE"])
        .await?
        .remove("REGISTRY_POLICY_SCOPE"))
}

/// Every excluded principal (all pages), sorted.
async fn read_exclusions(aws: &Aws) -> Result<Vec<String>, AwsError> {
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = aws
            .ecr
            .list_pull_time_update_exclusions()
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("ListPullTimeUpdateExclusions", e))?;
        out.extend(page.pull_time_update_exclusions().iter().cloned());
        match page.next_token() {
            Some(next) if !next.is_empty() => token = Some(next.to_string()),
            _ => break,
        }
    }
    out.sort();
    Ok(out)
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
        other => execute_supply_chain(aws, other).await?,
    }
    Ok(Executed::Done)
}

/// The supply-chain sections' operations.
async fn execute_supply_chain(aws: &Aws, operation: &RegistryOperation) -> Result<(), AwsError> {
    let ecr = &aws.ecr;
    match operation {
        RegistryOperation::PutSigningConfiguration { rules } => {
            let rules = rules
                .iter()
                .map(|r| {
                    let filters = r
                        .repository_filters
                        .iter()
                        .map(|f| {
                            built(
                                SigningRepositoryFilter::builder()
                                    .filter(f)
                                    .filter_type(SigningRepositoryFilterType::WildcardMatch)
                                    .build(),
                            )
                        })
                        .collect::<Result<Vec<_>, _>>()?;
                    built(
                        SigningRule::builder()
                            .signing_profile_arn(&r.signing_profile_arn)
                            .set_repository_filters((!filters.is_empty()).then_some(filters))
                            .build(),
                    )
                })
                .collect::<Result<Vec<_>, _>>()?;
            ecr.put_signing_configuration()
                .signing_configuration(built(
                    SigningConfiguration::builder()
                        .set_rules(Some(rules))
                        .build(),
                )?)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("PutSigningConfiguration", e))?;
        }
        RegistryOperation::DeleteSigningConfiguration => {
            absent_on(
                ecr.delete_signing_configuration().send().await,
                "SigningConfigurationNotFoundException",
                "DeleteSigningConfiguration",
            )?;
        }
        RegistryOperation::PutAccountSetting { name, value } => {
            ecr.put_account_setting()
                .name(name)
                .value(value)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("PutAccountSetting", e))?;
        }
        RegistryOperation::RegisterPullTimeUpdateExclusion { principal_arn } => {
            ecr.register_pull_time_update_exclusion()
                .principal_arn(principal_arn)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("RegisterPullTimeUpdateExclusion", e))?;
        }
        RegistryOperation::DeregisterPullTimeUpdateExclusion { principal_arn } => {
            ecr.deregister_pull_time_update_exclusion()
                .principal_arn(principal_arn)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("DeregisterPullTimeUpdateExclusion", e))?;
        }
        RegistryOperation::UpdateInspectorEcrConfiguration {
            rescan_duration,
            pull_date_rescan_duration,
            pull_date_rescan_mode,
        } => {
            use aws_sdk_inspector2::types::{
                EcrConfiguration, EcrPullDateRescanDuration, EcrPullDateRescanMode,
                EcrRescanDuration,
            };
            let config = EcrConfiguration::builder()
                .rescan_duration(EcrRescanDuration::from(rescan_duration.as_str()))
                .set_pull_date_rescan_duration(
                    pull_date_rescan_duration
                        .as_deref()
                        .map(EcrPullDateRescanDuration::from),
                )
                .set_pull_date_rescan_mode(
                    pull_date_rescan_mode
                        .as_deref()
                        .map(EcrPullDateRescanMode::from),
                )
                .build()
                .map_err(|e| AwsError::new(e.to_string()))?;
            aws.inspector
                .update_configuration()
                .ecr_configuration(config)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("UpdateConfiguration", e))?;
        }
        _ => {}
    }
    Ok(())
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
            use crate::manifest::model::{
                AccountSettings, BlobMounting, RegistryPolicyScope, RegistryScanning, Replication,
                Signing,
            };
            let every_section = crate::manifest::model::Registry {
                scanning: Some(RegistryScanning::default()),
                replication: Some(Replication::default()),
                policy: Some(serde_json::Value::Null),
                signing: Some(Signing::default()),
                // Every setting is read (the values only name which).
                account_settings: Some(AccountSettings {
                    basic_scan_type_version: Some(
                        crate::kinds::registry::model::BasicScanTypeVersion::AwsNative,
                    ),
                    registry_policy_scope: Some(RegistryPolicyScope::V2),
                    blob_mounting: Some(BlobMounting::Enabled),
                }),
                pull_time_update_exclusions: Some(Vec::new()),
                enhanced_scanning: Some(Default::default()),
                ..crate::manifest::model::Registry::default()
            };
            let registry = read_registry(aws, &every_section).await?;
            let store: crate::aws::reads::Store = Box::new(move |live| live.registry = registry);
            Ok((store, Vec::new()))
        })
    }
}
