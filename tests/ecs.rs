//! Integration tests for ECS clusters, task definitions and services: the real wharf binary
//! against a private moto server per test (see tests/common/mod.rs; moto runs with
//! MOTO_ECS_SERVICE_RUNNING=2, so deployments of up to 2 tasks complete). Services run on
//! Fargate in the emulator's default VPC (`Moto::default_network`). Calls go through the
//! AWS-behaviour layer of the test proxy (tests/common/aws_behaviour.rs), so ECS answers
//! as AWS documents it where moto differs (`support::THROUGH_AWS_BEHAVIOUR`).
//!
//! One test binary with a module per kind, so that all of them run in parallel:
//! - `clusters`: settings and tags, update, drift, prune (never one running services),
//!   ownership;
//! - `task_definitions`: revisions only when needed (a converged apply registers nothing),
//!   equivalent spellings, keepRevisions, tags, prune, drift;
//! - `services`: create and wait, update, deploy a new image in one apply, --target,
//!   desiredCount left to autoscaling, replace, prune, drift;
//! - `autoscaling`: a service's scalable target, policies and scheduled actions: create,
//!   update, drift, prune through the ledger, export, and a count left alone;
//! - `capacity_providers`: Auto Scaling group providers: create before the cluster,
//!   update, drift, a refused new group, prune after the cluster lets go, export;
//! - `example`: examples/ecs.yaml applies and converges.
//!
//! Waiting for deployments that moto cannot stage (slow, failed, never finishing) is tested
//! at the SDK boundary in tests/ecs_mocked.rs.
//!
//! Run: `WHARF_MOTO_SERVER=.venv/bin/moto_server cargo test --test ecs`.

mod common;

#[path = "ecs/support.rs"]
mod support;

#[path = "ecs/autoscaling.rs"]
mod autoscaling;
#[path = "ecs/capacity_providers.rs"]
mod capacity_providers;
#[path = "ecs/clusters.rs"]
mod clusters;
#[path = "ecs/example.rs"]
mod example;
#[path = "ecs/services.rs"]
mod services;
#[path = "ecs/task_definitions.rs"]
mod task_definitions;
