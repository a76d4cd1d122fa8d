//! Integration tests for the registry's singletons (`ecr.registry.scanning`,
//! `ecr.registry.replication`, `ecr.registry.policy`): the real wharf binary against a
//! private moto server per test (see tests/common/mod.rs).
//!
//! One test binary with a module per section, so that all of them run in parallel:
//! - `scanning`: create from AWS's default, update, drift, convergence, and a manifest
//!   without the section leaves what AWS holds alone;
//! - `replication`: the same, plus the plan-time check of a destination equal to the
//!   source registry;
//! - `policy`: create, compare by meaning, drift, and the section left out;
//! - `supply_chain`: signing, account settings and pull-time exclusions, through the
//!   AWS-behaviour layer (moto lacks those APIs).
//!
//! moto deviations (moto/ecr/models.py), worked around in the tests:
//! - PutReplicationConfiguration accepts at most one rule ("This feature is disabled"),
//!   so the tests replicate with one rule (several are covered by the pure tests);
//! - PutRegistryPolicy accepts only the actions ecr:CreateRepository and
//!   ecr:ReplicateImage (AWS also allows ecr:BatchImportUpstreamImage), and fails with a
//!   500 on a policy whose `Statement` is a single object rather than a list;
//! - moto keeps configurations exactly as given, so AWS's own normalizations are
//!   covered by the pure tests in src/resources/registry.rs.
//!
//! Run: `WHARF_MOTO_SERVER=.venv/bin/moto_server cargo test --test registry`.

mod common;

#[path = "registry/support.rs"]
mod support;

#[path = "registry/policy.rs"]
mod policy;
#[path = "registry/replication.rs"]
mod replication;
#[path = "registry/scanning.rs"]
mod scanning;
#[path = "registry/supply_chain.rs"]
mod supply_chain;
