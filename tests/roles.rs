//! Integration tests for IAM roles (`iam.role.NAME`): the real wharf binary against a
//! private moto server per test (see tests/common/mod.rs), with the IAM SDK reading back
//! and changing what the emulator holds.
//!
//! One test binary with a module per theme, so that all of them run in parallel:
//! - `create`: every role setting is created, then read back through the IAM SDK;
//! - `update`: in-place updates, field by field;
//! - `replace`: a path change replaces the role, guarded by --allow-replace;
//! - `prune`: deletes of owned roles that left the manifest, and ownership;
//! - `drift`: changes made behind wharf's back, found by `wharf drift`;
//! - `equivalence`: trust and inline policies that mean the same are not a change;
//! - `references`: `pullFrom`, `pull.roles`, ordering of roles before repositories, and
//!   principals shown by unique id.
//!
//! Run: `WHARF_MOTO_SERVER=.venv/bin/moto_server cargo test --test roles`.

mod common;

#[path = "roles/support.rs"]
mod support;

#[path = "roles/create.rs"]
mod create;
#[path = "roles/drift.rs"]
mod drift;
#[path = "roles/equivalence.rs"]
mod equivalence;
#[path = "roles/prune.rs"]
mod prune;
#[path = "roles/references.rs"]
mod references;
#[path = "roles/replace.rs"]
mod replace;
#[path = "roles/update.rs"]
mod update;
