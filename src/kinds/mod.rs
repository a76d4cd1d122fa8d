//! The registry of resource kinds, PURE: one entry per kind wharf manages, in dependency
//! order (what others refer to first), with its address prefix, where the manifest
//! declares it and how many the manifest declares. What enumerates kinds — the order of
//! a plan, where a refusal points in the manifest, `validate`'s summary — reads it here,
//! so a new kind is one more entry, not one more copy of the list.
//!
//! A leaf: it depends on the manifest model only, so the plan and every kind module may
//! use it without a cycle.

pub mod cluster;
pub mod creation_template;
pub mod public_repository;
pub mod pull_through_cache;
pub mod registry;
pub mod repository;
pub mod role;
pub mod service;
pub mod task_definition;

use crate::manifest::{Manifest, pointer};

/// One kind of resource.
#[derive(Clone, Copy, Debug)]
pub struct Kind {
    /// As people say it: `repository`, `registry setting`.
    pub singular: &'static str,
    pub plural: &'static str,
    /// The address prefix: `ecr.repository.` (an address is the prefix and the name).
    pub prefix: &'static str,
    /// Where the manifest declares these, as path segments (the name is the key under it).
    pub manifest_path: &'static [&'static str],
    /// How many the manifest declares.
    pub count: fn(&Manifest) -> usize,
}

/// Every kind, in dependency order: roles before the repository policies and task
/// definitions that name them, registry settings and templates before the repositories
/// they shape, clusters and task definitions before the services that run them.
pub const KINDS: [Kind; 9] = [
    Kind {
        singular: "role",
        plural: "roles",
        prefix: "iam.role.",
        manifest_path: &["iam", "roles"],
        count: |m| m.iam.roles.len(),
    },
    Kind {
        singular: "registry setting",
        plural: "registry settings",
        prefix: "ecr.registry.",
        manifest_path: &["registry"],
        count: |m| {
            usize::from(m.registry.scanning.is_some())
                + usize::from(m.registry.replication.is_some())
                + usize::from(m.registry.policy.is_some())
        },
    },
    Kind {
        singular: "pull through cache rule",
        plural: "pull through cache rules",
        prefix: "ecr.pull_through_cache.",
        manifest_path: &["registry", "pullThroughCache"],
        count: |m| m.registry.pull_through_cache.len(),
    },
    Kind {
        singular: "creation template",
        plural: "creation templates",
        prefix: "ecr.creation_template.",
        manifest_path: &["registry", "creationTemplates"],
        count: |m| m.registry.creation_templates.len(),
    },
    Kind {
        singular: "repository",
        plural: "repositories",
        prefix: "ecr.repository.",
        manifest_path: &["repositories"],
        count: |m| m.repositories.len(),
    },
    Kind {
        singular: "public repository",
        plural: "public repositories",
        prefix: "ecr.public_repository.",
        manifest_path: &["publicRepositories"],
        count: |m| m.public_repositories.as_ref().map_or(0, |p| p.len()),
    },
    Kind {
        singular: "cluster",
        plural: "clusters",
        prefix: "ecs.cluster.",
        manifest_path: &["ecs", "clusters"],
        count: |m| m.ecs.clusters.len(),
    },
    Kind {
        singular: "task definition",
        plural: "task definitions",
        prefix: "ecs.task_definition.",
        manifest_path: &["ecs", "taskDefinitions"],
        count: |m| m.ecs.task_definitions.len(),
    },
    Kind {
        singular: "service",
        plural: "services",
        prefix: "ecs.service.",
        manifest_path: &["ecs", "services"],
        count: |m| m.ecs.services.len(),
    },
];

/// The kind of an address, with its position in dependency order.
pub fn of(address: &str) -> Option<(usize, &'static Kind)> {
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
            cluster::address("c"),
            task_definition::address("f"),
            service::address("s"),
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
            &crate::manifest::Variables::default(),
        )
        .expect("valid");
        assert_eq!(
            inventory(&loaded.manifest),
            "0 roles, 1 registry setting, 1 pull through cache rule, 0 creation templates, 2 repositories, 0 public repositories, 0 clusters, 0 task definitions, 0 services"
        );
    }
}
