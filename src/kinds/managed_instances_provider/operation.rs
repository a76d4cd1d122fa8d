//! What the plan and the registry know of an ECS Managed Instances capacity provider: its
//! registry entry, and its operations (the capacity providers', plain data).

pub use crate::kinds::capacity_provider::operation::CapacityProviderOperation;
use crate::kinds::entry::Entry;

/// The registry's entry for this kind: the `ecs.capacityProviders` entries that declare
/// `managedInstancesProvider`.
pub const ENTRY: Entry = Entry {
    singular: "managed instances provider",
    plural: "managed instances providers",
    prefix: "ecs.managed_instances_provider.",
    manifest_path: &["ecs", "capacityProviders"],
    count: |m| {
        m.ecs
            .capacity_providers
            .values()
            .filter(|p| p.contains_key("managedInstancesProvider"))
            .count()
    },
};
