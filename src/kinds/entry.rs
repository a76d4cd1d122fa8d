//! A kind's line in the registry, PURE: names, address prefix, where the manifest
//! declares it, how many it declares. Each kind keeps its entry in its `operation.rs`,
//! so the plan types can order by it without reaching the kinds' planning code.

use crate::manifest::model::Manifest;

/// One kind's line in the registry.
#[derive(Clone, Copy, Debug)]
pub struct Entry {
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
