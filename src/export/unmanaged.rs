//! The resources no wharf stack owns, PURE: `drift --include-unmanaged` lists them (for
//! information, never changed) so a team sees what it could adopt with `wharf export`.
//! "Unmanaged" means: of a kind wharf manages, not declared in this manifest, and
//! without any `wharf:stack` tag (another stack's resources are managed, by that stack).

use crate::kinds::cluster;
use crate::kinds::repository;
use crate::kinds::role;
use crate::kinds::service;
use crate::kinds::task_definition;
use crate::live::Unmanaged;
use crate::manifest::model::Manifest;
use serde::Serialize;

/// One unmanaged resource, by the address it would have in a manifest.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct UnmanagedResource {
    pub address: String,
    /// The cluster a service runs in (service names are unique only per cluster).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
}

/// Every unmanaged resource, sorted by address then cluster, so two reports of the same
/// account are identical.
pub fn list(manifest: &Manifest, unmanaged: &Unmanaged) -> Vec<UnmanagedResource> {
    let plain = |address: String| UnmanagedResource {
        address,
        cluster: None,
    };
    let mut out: Vec<UnmanagedResource> = Vec::new();
    out.extend(
        unmanaged
            .repositories
            .iter()
            .filter(|n| !manifest.repositories.contains_key(*n))
            .map(|n| plain(repository::address(n))),
    );
    out.extend(
        unmanaged
            .roles
            .iter()
            .filter(|n| !manifest.iam.roles.contains_key(*n))
            .map(|n| plain(role::address(n))),
    );
    out.extend(
        unmanaged
            .clusters
            .iter()
            .filter(|n| !manifest.ecs.clusters.contains_key(*n))
            .map(|n| plain(cluster::address(n))),
    );
    out.extend(
        unmanaged
            .task_definitions
            .iter()
            .filter(|n| !manifest.ecs.task_definitions.contains_key(*n))
            .map(|n| plain(task_definition::address(n))),
    );
    out.extend(
        unmanaged
            .services
            .iter()
            .filter(|(_, n)| !manifest.ecs.services.contains_key(n))
            .map(|(cluster, n)| UnmanagedResource {
                address: service::address(n),
                cluster: Some(cluster.clone()),
            }),
    );
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn declared_names_are_not_unmanaged_and_the_order_is_stable() {
        let manifest: Manifest = serde_json::from_value(serde_json::json!({
            "version": 1, "stack": "shop", "repositories": {"shop/web": {}}
        }))
        .unwrap();
        let unmanaged = Unmanaged {
            repositories: BTreeSet::from(["shop/web".into(), "legacy/app".into()]),
            roles: BTreeSet::from(["deploy".into()]),
            services: BTreeSet::from([("b".into(), "api".into()), ("a".into(), "api".into())]),
            ..Unmanaged::default()
        };
        let listed = list(&manifest, &unmanaged);
        let shown: Vec<(String, Option<String>)> =
            listed.into_iter().map(|r| (r.address, r.cluster)).collect();
        assert_eq!(
            shown,
            vec![
                ("ecr.repository.legacy/app".into(), None),
                ("ecs.service.api".into(), Some("a".into())),
                ("ecs.service.api".into(), Some("b".into())),
                ("iam.role.deploy".into(), None),
            ]
        );
    }
}
