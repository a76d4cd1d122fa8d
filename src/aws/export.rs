//! Reading what `wharf export` selected into a live snapshot: each kind is listed once to
//! match names against the patterns, then the matches are read in full by the same
//! readers planning uses (so export sees exactly what a plan will compare), concurrently.

use super::{Aws, AwsError, ecs};

use crate::export::Selection;
use crate::kinds::service::cluster_name;
use crate::live::{LiveRegistry, LiveSnapshot};
use crate::manifest::model::{Registry, RegistryScanning, Replication};
use aws_sdk_ecs::types::TaskDefinitionFamilyStatus;
use std::collections::{BTreeMap, BTreeSet};

/// The selected objects, and notes for the reader about what could not be exported.
pub async fn read(
    aws: &Aws,
    account_id: &str,
    selection: &Selection,
    stack: &str,
) -> Result<(LiveSnapshot, Vec<String>), AwsError> {
    let mut notes = Vec::new();
    let scope = |clusters, families, services| ecs::EcsScope {
        clusters,
        families,
        revision_families: BTreeSet::new(),
        services,
        find_owned: false,
        stack,
    };
    let (repositories, roles, cluster_names, task_definitions, registry, rules, templates) = tokio::join!(
        async {
            if selection.repositories.is_empty() {
                return Ok(BTreeMap::new());
            }
            crate::kinds::repository::io::read_matching(
                aws,
                |name| selection.repositories.matches(name),
                stack,
            )
            .await
        },
        async {
            if selection.roles.is_empty() {
                return Ok(BTreeMap::new());
            }
            let names = role_names(aws, selection).await?;
            Ok::<_, AwsError>(
                crate::kinds::role::io::read_roles(aws, &names, false, stack)
                    .await?
                    .0,
            )
        },
        async {
            let services_everywhere =
                !selection.services.is_empty() && selection.service_clusters.is_empty();
            if selection.clusters.is_empty() && !services_everywhere {
                return Ok(Vec::new());
            }
            cluster_names_of(aws).await
        },
        async {
            if selection.task_definitions.is_empty() {
                return Ok(BTreeMap::new());
            }
            let families = family_names(aws, selection).await?;
            Ok::<_, AwsError>(
                crate::kinds::task_definition::io::read_task_definitions(
                    aws,
                    &scope(BTreeSet::new(), families, BTreeMap::new()),
                )
                .await?
                .0,
            )
        },
        async {
            if !selection.registry {
                return Ok(LiveRegistry::default());
            }
            let every_section = Registry {
                scanning: Some(RegistryScanning::default()),
                replication: Some(Replication::default()),
                policy: Some(serde_json::Value::Null),
                ..Registry::default()
            };
            crate::kinds::registry::io::read_registry(aws, &every_section).await
        },
        async {
            if selection.pull_through_cache.is_empty() {
                return Ok(BTreeMap::new());
            }
            crate::kinds::pull_through_cache::io::read_matching(aws, |p| {
                selection.pull_through_cache.matches(p)
            })
            .await
        },
        async {
            if selection.creation_templates.is_empty() {
                return Ok(BTreeMap::new());
            }
            crate::kinds::creation_template::io::read_matching(aws, |p| {
                selection.creation_templates.matches(p)
            })
            .await
        },
    );
    let cluster_names = cluster_names?;
    let exported_clusters: BTreeSet<String> = cluster_names
        .iter()
        .filter(|name| selection.clusters.matches(name))
        .cloned()
        .collect();
    let clusters = if exported_clusters.is_empty() {
        BTreeMap::new()
    } else {
        crate::kinds::cluster::io::read_clusters(
            aws,
            &scope(exported_clusters.clone(), BTreeSet::new(), BTreeMap::new()),
        )
        .await?
        .0
    };
    let services = if selection.services.is_empty() {
        BTreeMap::new()
    } else {
        let search: Vec<String> = if !selection.service_clusters.is_empty() {
            selection
                .service_clusters
                .iter()
                .map(|c| cluster_name(c))
                .collect()
        } else if !selection.clusters.is_empty() {
            exported_clusters.iter().cloned().collect()
        } else {
            cluster_names.clone()
        };
        let wanted = service_names(aws, selection, &search, &mut notes).await?;
        crate::kinds::service::io::read_services(
            aws,
            &scope(BTreeSet::new(), BTreeSet::new(), wanted),
            &BTreeMap::new(),
        )
        .await?
        .0
    };
    let live = LiveSnapshot {
        account_id: account_id.to_string(),
        region: aws.region.clone(),
        repositories: repositories?,
        roles: roles?,
        clusters,
        task_definitions: task_definitions?,
        services,
        registry: registry?,
        pull_through_cache_rules: rules?,
        creation_templates: templates?,
        ..LiveSnapshot::default()
    };
    Ok((live, notes))
}

/// Roles whose names match, less service-linked roles (AWS's own, under `/aws-service-role/`).
async fn role_names(aws: &Aws, selection: &Selection) -> Result<BTreeSet<String>, AwsError> {
    let listed: Vec<aws_sdk_iam::types::Role> = aws
        .iam
        .list_roles()
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| AwsError::from_sdk("ListRoles", e))?;
    Ok(listed
        .iter()
        .filter(|r| !r.path().starts_with("/aws-service-role/"))
        .map(|r| r.role_name().to_string())
        .filter(|name| selection.roles.matches(name))
        .collect())
}

async fn cluster_names_of(aws: &Aws) -> Result<Vec<String>, AwsError> {
    let arns: Vec<String> = aws
        .ecs
        .list_clusters()
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| AwsError::from_sdk("ListClusters", e))?;
    let mut names: Vec<String> = arns.iter().map(|a| cluster_name(a)).collect();
    names.sort();
    names.dedup();
    Ok(names)
}

async fn family_names(aws: &Aws, selection: &Selection) -> Result<BTreeSet<String>, AwsError> {
    let listed: Vec<String> = aws
        .ecs
        .list_task_definition_families()
        .status(TaskDefinitionFamilyStatus::Active)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| AwsError::from_sdk("ListTaskDefinitionFamilies", e))?;
    Ok(listed
        .into_iter()
        .filter(|f| selection.task_definitions.matches(f))
        .collect())
}

/// Matching services by cluster. A manifest names services without their cluster, so a
/// name found in two clusters is exported from the first (by name) only, with a note.
async fn service_names(
    aws: &Aws,
    selection: &Selection,
    clusters: &[String],
    notes: &mut Vec<String>,
) -> Result<BTreeMap<String, BTreeSet<String>>, AwsError> {
    let mut found: BTreeMap<String, String> = BTreeMap::new();
    let mut wanted: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut clusters = clusters.to_vec();
    clusters.sort();
    clusters.dedup();
    for cluster in clusters {
        let result: Result<Vec<String>, _> = aws
            .ecs
            .list_services()
            .cluster(&cluster)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await;
        let arns = match result {
            Ok(arns) => arns,
            Err(e) => {
                let error = AwsError::from_sdk("ListServices", e);
                if error.code.as_deref() == Some("ClusterNotFoundException") {
                    notes.push(format!(
                        "cluster `{cluster}` does not exist; no services read from it"
                    ));
                    continue;
                }
                return Err(error);
            }
        };
        for arn in arns {
            let name = arn.rsplit('/').next().unwrap_or(&arn).to_string();
            if !selection.services.matches(&name) {
                continue;
            }
            if let Some(first) = found.get(&name) {
                notes.push(format!(
                    "service `{name}` exists in clusters `{first}` and `{cluster}`; a manifest names services without their cluster, so only the one in `{first}` is exported"
                ));
                continue;
            }
            found.insert(name.clone(), cluster.clone());
            wanted.entry(cluster.clone()).or_default().insert(name);
        }
    }
    Ok(wanted)
}
