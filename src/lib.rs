//! wharf keeps the AWS side of container delivery — ECR repositories and, in later
//! parts, the registry, IAM roles and ECS — exactly as a YAML manifest says.
//!
//! Pure core, I/O at the edge: `manifest` → `resources` → `plan` → `render` never touch
//! the network; only `aws` does, and `apply` walks a plan through it.

pub mod apply;
pub mod aws;
pub mod cli;
pub mod commands;
pub mod diagnostics;
pub mod export;
pub mod kinds;
pub mod lint;
pub mod live;
pub mod logo;
pub mod manifest;
pub mod ops;
pub mod plan;
pub mod render;
pub mod resources;
