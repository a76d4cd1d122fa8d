//! The AWS-behaviour layer of the test proxy (tests/common/aws_behaviour.rs): where moto's
//! ECS answers differ from what AWS documents, the layer answers as AWS does.
//!
//! - `rules`: each rule on its own, pure AWS JSON in and out, and the layer's handling of
//!   whole calls against a scripted emulator;
//! - `deployments`: strategies, lifecycle hooks and `wharf rollback`, followed stage by
//!   stage;
//! - `end_to_end`: the real wharf binary and the real SDK against moto through the layer,
//!   showing each rule take effect (and what moto alone answers instead).
//!
//! Run: `WHARF_MOTO_SERVER=$(scripts/ensure-moto) cargo test --test aws_behaviour`.

mod common;

#[path = "ecs/support.rs"]
mod support;

#[path = "aws_behaviour/deployments.rs"]
mod deployments;
#[path = "aws_behaviour/end_to_end.rs"]
mod end_to_end;
#[path = "aws_behaviour/rules.rs"]
mod rules;
