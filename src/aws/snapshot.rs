//! Reading the live snapshot: every kind's read for one manifest, concurrently where
//! they do not wait on each other (services wait for their clusters), then the KMS keys
//! both sides name. Each kind's read lives in its own `io.rs`; this is where they meet.

use super::{Aws, AwsError};

/// Reads everything planning needs for this manifest into one snapshot.
pub async fn read_snapshot(
    aws: &Aws,
    manifest: &crate::manifest::model::Manifest,
    account_id: &str,
    find_owned: bool,
) -> Result<crate::live::LiveSnapshot, AwsError> {
    let declared = manifest.repositories.keys().cloned().collect();
    let scope = crate::kinds::repository::io::ReadScope {
        declared: &declared,
        find_owned,
        stack: &manifest.stack,
    };
    let declared_roles = manifest.iam.roles.keys().cloned().collect();
    let ecs_scope = ecs_scope(manifest, find_owned);
    let (repositories, registry, untaggable, roles, clusters, task_definitions) = tokio::join!(
        crate::kinds::repository::io::read_repositories(aws, &scope),
        crate::kinds::registry::io::read_registry(aws, &manifest.registry),
        read_untaggable(aws, manifest, find_owned),
        crate::kinds::role::io::read_roles(aws, &declared_roles, find_owned, &manifest.stack),
        crate::kinds::cluster::io::read_clusters(aws, &ecs_scope),
        crate::kinds::task_definition::io::read_task_definitions(aws, &ecs_scope),
    );
    let (repositories, registry, untaggable) = (repositories?, registry?, untaggable?);
    let ((roles, unmanaged_roles), (clusters, unmanaged_clusters)) = (roles?, clusters?);
    let (task_definitions, unmanaged_families) = task_definitions?;
    let template_prefixes =
        crate::kinds::creation_template::prefixes_to_read(manifest, untaggable.ledger.as_ref());
    // ECR Public (us-east-1) is read alongside the services, which wait for the clusters.
    let (services, public, creation_templates) = tokio::join!(
        crate::kinds::service::io::read_services(aws, &ecs_scope, &clusters),
        crate::kinds::public_repository::io::read(aws, manifest, find_owned),
        crate::kinds::creation_template::io::read_templates(aws, &template_prefixes),
    );
    let ((services, unmanaged_services), public, creation_templates) =
        (services?, public?, creation_templates?);
    // With find_owned every repository's tags were read: those without the tag are no stack's.
    let unmanaged = crate::live::Unmanaged {
        repositories: repositories
            .values()
            .filter(|r| find_owned && !r.tags.contains_key(crate::kinds::common::OWNERSHIP_TAG))
            .filter(|r| !manifest.repositories.contains_key(&r.name))
            .map(|r| r.name.clone())
            .collect(),
        roles: unmanaged_roles,
        clusters: unmanaged_clusters,
        task_definitions: unmanaged_families,
        services: unmanaged_services,
    };
    let no_keys = Default::default();
    let ctx = crate::kinds::common::Context {
        account_id,
        region: &aws.region,
        kms_keys: &no_keys,
    };
    let mut references = crate::kinds::repository::kms_references(manifest, &ctx, &repositories);
    references.extend(crate::kinds::creation_template::kms_references(
        manifest,
        &creation_templates,
    ));
    // One DescribeKey per key, even when a repository and a template both name it.
    references.sort();
    references.dedup();
    let kms_keys = super::kms::resolve(aws, references).await;
    Ok(crate::live::LiveSnapshot {
        account_id: account_id.to_string(),
        region: aws.region.clone(),
        repositories,
        public_repositories: public,
        // Local files, not AWS: the command layer fills them in.
        logo_files: Default::default(),
        roles,
        clusters,
        task_definitions,
        services,
        registry,
        pull_through_cache_rules: untaggable.pull_through_cache_rules,
        creation_templates,
        kms_keys,
        ledger: untaggable.ledger,
        ledger_unreadable: untaggable.ledger_unreadable,
        unmanaged,
    })
}

/// The kinds AWS cannot tag, and the ledger that says which of them wharf owns.
pub struct Untaggable {
    pub ledger: Option<crate::live::OwnershipLedger>,
    pub ledger_unreadable: Option<String>,
    pub pull_through_cache_rules:
        std::collections::BTreeMap<String, crate::live::LivePullThroughCacheRule>,
}

/// Reads the ledger when pruning or looking for drift (nothing else needs it), then the
/// declared pull through cache rules and, when pruning, the ones the ledger records. A
/// ledger that cannot be read is reported, not fatal: nothing recorded in it is pruned.
pub async fn read_untaggable(
    aws: &Aws,
    manifest: &crate::manifest::model::Manifest,
    find_owned: bool,
) -> Result<Untaggable, AwsError> {
    let (ledger, ledger_unreadable) = if find_owned {
        match super::ledger::read(aws, &manifest.stack).await {
            Ok(ledger) => (Some(ledger.unwrap_or_default()), None),
            Err(error) => (None, Some(error.message)),
        }
    } else {
        (None, None)
    };
    let mut prefixes: std::collections::BTreeSet<String> = manifest
        .registry
        .pull_through_cache
        .keys()
        .cloned()
        .collect();
    if let Some(ledger) = &ledger {
        prefixes.extend(ledger.pull_through_cache.iter().cloned());
    }
    let pull_through_cache_rules =
        crate::kinds::pull_through_cache::io::read_rules(aws, &prefixes).await?;
    Ok(Untaggable {
        ledger,
        ledger_unreadable,
        pull_through_cache_rules,
    })
}

/// What the ECS reads cover: the manifest's clusters, families and services by cluster.
fn ecs_scope(
    manifest: &crate::manifest::model::Manifest,
    find_owned: bool,
) -> super::ecs::EcsScope<'_> {
    let ecs_section = &manifest.ecs;
    let mut services: std::collections::BTreeMap<String, std::collections::BTreeSet<String>> =
        Default::default();
    for (name, service) in &ecs_section.services {
        let cluster = service
            .get("cluster")
            .and_then(serde_json::Value::as_str)
            .map(crate::kinds::service::cluster_name)
            .unwrap_or_else(|| "default".into());
        services.entry(cluster).or_default().insert(name.clone());
    }
    super::ecs::EcsScope {
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
