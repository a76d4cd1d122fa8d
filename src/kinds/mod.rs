//! The registry of resource kinds, PURE: one folder per kind (`kinds/repository/`, ...)
//! holds everything about it, and [`with_kinds!`] is the one list of them, in dependency
//! order (what others refer to first). What enumerates kinds — the plan's operation enum,
//! building a plan, fingerprints, the order of changes, where a refusal points in the
//! manifest, `--target`'s prefixes and dependencies, `validate`'s summary — expands that
//! list or reads [`KINDS`], so a new kind is one folder, one line in the list and one
//! manifest field (see docs/architecture.md).
//!
//! This file reads only each kind's `operation.rs` (its entry and operations, plain
//! data), never its planning code, so the plan types may order by it without a cycle.

pub mod autoscaling;
pub mod capacity_provider;
pub mod cluster;
pub mod common;
pub mod creation_template;
pub mod entry;
pub mod kind;
pub mod ledger;
pub mod managed_instances_provider;
pub mod public_repository;
pub mod pull_check;
pub mod pull_through_cache;
pub mod reconcile;
pub mod registry;
pub mod repository;
pub mod role;
pub mod service;
pub mod task_definition;

pub use entry::Entry;
pub use kind::Kind;

use crate::manifest::model::Manifest;
use crate::manifest::spans::pointer;

/// Calls the macro `$then` with every kind, in dependency order: roles before the
/// repository policies and task definitions that name them, registry settings and
/// templates before the repositories they shape, capacity providers before the clusters
/// that associate them, clusters and task definitions before the services that run them,
/// services before their autoscaling. Each line: the kind's name in plans (its operations'
/// `kind`, camelCased), its folder, its operation type and the type that implements
/// [`Kind`] for it.
#[macro_export]
macro_rules! with_kinds {
    ($then:ident) => {
        $then! {
            Role role RoleOperation RoleKind,
            Registry registry RegistryOperation RegistryKind,
            PullThroughCache pull_through_cache PullThroughCacheOperation PullThroughCacheKind,
            CreationTemplate creation_template CreationTemplateOperation CreationTemplateKind,
            Repository repository RepositoryOperation RepositoryKind,
            PublicRepository public_repository PublicRepositoryOperation PublicRepositoryKind,
            CapacityProvider capacity_provider CapacityProviderOperation CapacityProviderKind,
            Cluster cluster ClusterOperation ClusterKind,
            ManagedInstancesProvider managed_instances_provider CapacityProviderOperation ManagedInstancesProviderKind,
            TaskDefinition task_definition TaskDefinitionOperation TaskDefinitionKind,
            Service service ServiceOperation ServiceKind,
            AutoScaling autoscaling AutoScalingOperation AutoScalingKind,
        }
    };
}

macro_rules! entries {
    ($($variant:ident $module:ident $operation:ident $kind:ident,)*) => {
        /// Every kind's entry, in dependency order.
        pub const KINDS: &[Entry] = &[$($module::operation::ENTRY),*];
    };
}
with_kinds!(entries);

/// The kind of an address, with its position in dependency order.
pub fn of(address: &str) -> Option<(usize, &'static Entry)> {
    KINDS
        .iter()
        .enumerate()
        .find(|(_, kind)| address.starts_with(kind.prefix))
}

/// The dependency rank of an address: lower is created first and deleted last; an
/// unknown address sorts after every kind.
pub fn rank(address: &str) -> usize {
    of(address).map_or(KINDS.len(), |(rank, _)| rank)
}

/// Where a resource is declared in the manifest, as a JSON pointer, by its address.
pub fn manifest_pointer(address: &str) -> Option<String> {
    let (_, kind) = of(address)?;
    let name = &address[kind.prefix.len()..];
    let mut segments: Vec<&str> = kind.manifest_path.to_vec();
    segments.push(name);
    Some(pointer(&segments))
}

/// "2 repositories, 1 role, 0 services, ..." for every kind, in dependency order.
pub fn inventory(manifest: &Manifest) -> String {
    KINDS
        .iter()
        .map(|kind| {
            let n = (kind.count)(manifest);
            format!("{n} {}", if n == 1 { kind.singular } else { kind.plural })
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::cluster;
    use crate::kinds::creation_template;
    use crate::kinds::public_repository;
    use crate::kinds::pull_through_cache;
    use crate::kinds::registry;
    use crate::kinds::repository;
    use crate::kinds::role;
    use crate::kinds::service;
    use crate::kinds::task_definition;

    /// Each kind module's own address form is the registry's.
    #[test]
    fn the_registry_knows_every_kind_modules_addresses() {
        for address in [
            role::address("r"),
            registry::SCANNING_ADDRESS.to_string(),
            registry::REPLICATION_ADDRESS.to_string(),
            registry::POLICY_ADDRESS.to_string(),
            format!("{}p", pull_through_cache::ADDRESS_PREFIX),
            format!("{}t", creation_template::ADDRESS_PREFIX),
            repository::address("shop/web"),
            format!("{}cli", public_repository::ADDRESS_PREFIX),
            crate::kinds::capacity_provider::address("cp"),
            cluster::address("c"),
            crate::kinds::managed_instances_provider::address("mi"),
            task_definition::address("f"),
            service::address("s"),
            crate::kinds::autoscaling::address("s"),
        ] {
            assert!(of(&address).is_some(), "{address} has no kind");
        }
        let prefixes: std::collections::BTreeSet<&str> = KINDS.iter().map(|k| k.prefix).collect();
        assert_eq!(prefixes.len(), KINDS.len(), "one entry per kind");
    }

    #[test]
    fn pointers_and_inventory() {
        assert_eq!(
            manifest_pointer("ecr.repository.shop/web").as_deref(),
            Some("/repositories/shop~1web")
        );
        assert_eq!(
            manifest_pointer("ecr.registry.replication").as_deref(),
            Some("/registry/replication")
        );
        assert_eq!(manifest_pointer("s3.bucket.x"), None);
        let loaded = crate::manifest::load(
            "wharf.yaml",
            "version: 1\nstack: shop\nrepositories: { shop/a: {}, shop/b: {} }\nregistry:\n  scanning: {}\n  pullThroughCache: { hub: { upstreamRegistryUrl: public.ecr.aws } }\n",
            &crate::manifest::vars::Variables::default(),
        )
        .expect("valid");
        assert_eq!(
            inventory(&loaded.manifest),
            "0 roles, 1 registry setting, 1 pull through cache rule, 0 creation templates, 2 repositories, 0 public repositories, 0 capacity providers, 0 clusters, 0 managed instances providers, 0 task definitions, 0 services, 0 autoscaled services"
        );
    }
}
