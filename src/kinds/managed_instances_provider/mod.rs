//! ECS Managed Instances capacity providers (`ecs.managed_instances_provider.NAME`):
//! declared in `ecs.capacityProviders` with `cluster` and `managedInstancesProvider`, and
//! planned by the capacity provider kind's code (`kinds::capacity_provider`, flavour
//! `ManagedInstances`). A kind of their own because they come later in dependency order:
//! after the cluster they are created in, before the services that name them. PURE.

pub mod io;
pub mod operation;

use crate::kinds::capacity_provider::{Flavor, live_objects, plan};
use crate::kinds::common::{Adoption, Context, KindPlan};
use crate::live::LiveSnapshot;
use crate::manifest::model::Manifest;
pub use operation::CapacityProviderOperation;
use serde_json::Value;

pub const ADDRESS_PREFIX: &str = operation::ENTRY.prefix;

pub fn address(name: &str) -> String {
    format!("{ADDRESS_PREFIX}{name}")
}

/// The Managed Instances provider kind, as the registry lists it.
pub struct ManagedInstancesProviderKind;

impl crate::kinds::Kind for ManagedInstancesProviderKind {
    fn plan(
        manifest: &Manifest,
        ctx: &Context,
        live: &LiveSnapshot,
        prune: bool,
        adoption: Adoption,
    ) -> KindPlan {
        plan(
            manifest,
            ctx,
            live,
            prune,
            adoption,
            Flavor::ManagedInstances,
        )
    }

    /// Its cluster, infrastructure role and instance profile's role, when this manifest
    /// declares them.
    fn dependencies(manifest: &Manifest, name: &str) -> Vec<String> {
        let Some(provider) = manifest.ecs.capacity_providers.get(name) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        if let Some(cluster) = provider.get("cluster").and_then(Value::as_str)
            && manifest.ecs.clusters.contains_key(cluster)
        {
            out.push(crate::kinds::cluster::address(cluster));
        }
        let managed = provider.get("managedInstancesProvider");
        let roles = [
            managed.and_then(|m| m.get("infrastructureRoleArn")),
            managed
                .and_then(|m| m.get("instanceLaunchTemplate"))
                .and_then(|t| t.get("ec2InstanceProfileArn")),
        ];
        for role in roles.into_iter().flatten().filter_map(Value::as_str) {
            if manifest.iam.roles.contains_key(role) {
                out.push(crate::kinds::role::address(role));
            }
        }
        out
    }

    fn live_objects(live: &LiveSnapshot) -> Vec<(String, Value)> {
        live_objects(live, Flavor::ManagedInstances)
    }
}
