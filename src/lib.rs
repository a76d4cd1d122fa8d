//! wharf keeps the AWS side of container delivery — ECR repositories, the registry, ECR
//! Public, IAM roles and ECS — exactly as a YAML manifest says.
//!
//! Pure core, I/O at the edge: `manifest` → `kinds` → `plan` → `render` never touch the
//! network; only `aws` and each kind's `io.rs` do, and `ops` runs the pipelines that
//! plan and apply. docs/architecture.md says how it fits together and how to add a kind.

pub mod aws;
pub mod cli;
pub mod commands;
pub mod diagnostics;
pub mod documents;
pub mod export;
pub mod fleet;
pub mod kinds;
pub mod lint;
pub mod live;
pub mod logo;
pub mod manifest;
pub mod ops;
pub mod plan;
pub mod render;
