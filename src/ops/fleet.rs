//! The fleet pipelines: for each target, connect as its role (AssumeRole from the
//! caller's credentials), check that the credentials reach the target's account, then
//! run the single-stack pipeline (`ops::plan`) — at most N targets at once, results in
//! the fleet file's order. Apply goes target by target in waves of at most M, and can
//! stop starting new waves after a failure. What each outcome means for the report is
//! decided by the command layer; nothing here prints.

use crate::aws::{self, AssumeRole, Aws, AwsError, ConnectOptions};
use crate::fleet::Target;
use crate::kinds::common::{Adoption, Conflict};
use crate::live::LiveSnapshot;
use crate::manifest::LoadedManifest;
use crate::ops::apply::{self, ApplyReport, ApplySettings, Event};
use crate::plan::Plan;
use crate::plan::build::PlanOptions;
use futures::StreamExt;
use std::future::Future;

/// Why a target could not be planned.
#[derive(Debug)]
pub enum TargetFailure {
    /// STS refused to let the caller assume the target's role.
    Assume(AwsError),
    /// The credentials reach another account than the target's `accountId`.
    WrongAccount { found: String },
    /// Any other AWS error (reading, the manifest's own `accountId` guard).
    Aws(AwsError),
    /// Refusals that needed live data, located in the target's manifest.
    Conflicts(Vec<Conflict>),
}

/// How to reach one target: the caller's endpoint and profile, the target's region, and
/// its role when it names one.
pub fn connect_options(base: &ConnectOptions, target: &Target) -> ConnectOptions {
    ConnectOptions {
        region: Some(target.region.clone()),
        assume: target.role_arn.as_ref().map(|arn| AssumeRole {
            role_arn: arn.clone(),
            external_id: target.external_id.clone(),
            session_name: target.session_name(),
        }),
        ..base.clone()
    }
}

/// Connects as the target's role and checks the account the credentials reach.
pub async fn connect(options: &ConnectOptions, account_id: &str) -> Result<Aws, TargetFailure> {
    let aws = Aws::connect(options).await.map_err(|e| {
        if e.code.as_deref() == Some(aws::ASSUME_ROLE_FAILED) {
            TargetFailure::Assume(e)
        } else {
            TargetFailure::Aws(e)
        }
    })?;
    let found = aws.account_id().await.map_err(TargetFailure::Aws)?;
    if found != account_id {
        return Err(TargetFailure::WrongAccount { found });
    }
    Ok(aws)
}

/// One target planned: the connection, the plan and the snapshot it was made from.
pub struct PlannedTarget {
    pub aws: Aws,
    pub plan: Plan,
    pub live: LiveSnapshot,
}

/// Connects as the target and plans its manifest.
pub async fn plan_target(
    options: &ConnectOptions,
    target: &Target,
    loaded: &LoadedManifest,
    plan_options: &PlanOptions,
) -> Result<PlannedTarget, TargetFailure> {
    let aws = connect(options, &target.account_id).await?;
    let (planned, live) = crate::ops::plan::plan(&aws, loaded, plan_options, Adoption::Refuse)
        .await
        .map_err(TargetFailure::Aws)?;
    let plan = planned.map_err(TargetFailure::Conflicts)?;
    Ok(PlannedTarget { aws, plan, live })
}

/// Runs `work` over `items` with at most `concurrency` at once; the results come back in
/// the order of `items`.
pub async fn each<T, R, F, Fut>(items: Vec<T>, concurrency: usize, work: F) -> Vec<R>
where
    F: Fn(T) -> Fut,
    Fut: Future<Output = R>,
{
    futures::stream::iter(items)
        .map(work)
        .buffered(concurrency.max(1))
        .collect()
        .await
}

/// What happened to one target of a fleet apply.
pub enum WaveOutcome {
    Applied(ApplyReport),
    /// Not started: an earlier wave failed under --stop-on-failure, or apply was interrupted.
    Skipped,
}

/// Applies each `(name, aws, plan)` in waves of `max_parallel`, in order. With
/// `stop_on_failure`, no wave starts after one in which a target failed (or when
/// `failed_already` says a target failed before any wave). `progress` sees every step,
/// with the target's name.
pub async fn apply_waves(
    runs: &[(String, Aws, Plan)],
    max_parallel: usize,
    stop_on_failure: bool,
    failed_already: bool,
    settings: &ApplySettings,
    progress: &(dyn Fn(&str, Event) + Sync),
) -> Vec<WaveOutcome> {
    let mut outcomes: Vec<WaveOutcome> = Vec::new();
    let mut stopped = stop_on_failure && failed_already;
    for wave in runs.chunks(max_parallel.max(1)) {
        if stopped || apply::interrupted() {
            outcomes.extend(wave.iter().map(|_| WaveOutcome::Skipped));
            continue;
        }
        let reports: Vec<ApplyReport> =
            futures::future::join_all(wave.iter().map(|(name, aws, plan)| async move {
                let progress = |event: Event| progress(name, event);
                apply::apply(aws, plan, settings, &progress).await
            }))
            .await;
        if stop_on_failure && reports.iter().any(|r| r.failed() || r.interrupted()) {
            stopped = true;
        }
        outcomes.extend(reports.into_iter().map(WaveOutcome::Applied));
    }
    outcomes
}
