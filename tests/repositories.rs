//! Integration tests for ECR private repositories (`ecr.repository.NAME`): the real wharf
//! binary against a private moto server per test (see tests/common/mod.rs).
//!
//! One test binary with a module per theme, so that all of them run in parallel:
//! - `create`: every repository setting is created, then read back from the emulator;
//! - `update`: in-place updates, field by field;
//! - `replace`: encryption changes replace, guarded by --allow-replace and forceDelete;
//! - `prune`: deletes of repositories that left the manifest, and ownership;
//! - `drift`: changes made behind wharf's back, found by `wharf drift`;
//! - `equivalence`: documents that mean the same are not a change;
//! - `cli`: command behaviour (exit codes, confirmation, --target, --var, formats, errors).
//!
//! Run: `WHARF_MOTO_SERVER=.venv/bin/moto_server cargo test --test repositories`.

mod common;

#[path = "repositories/support.rs"]
mod support;

#[path = "repositories/cli.rs"]
mod cli;
#[path = "repositories/create.rs"]
mod create;
#[path = "repositories/drift.rs"]
mod drift;
#[path = "repositories/equivalence.rs"]
mod equivalence;
#[path = "repositories/prune.rs"]
mod prune;
#[path = "repositories/replace.rs"]
mod replace;
#[path = "repositories/update.rs"]
mod update;
