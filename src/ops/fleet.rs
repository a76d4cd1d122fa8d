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

/// The waves: `names` in order, at most `max_parallel` a wave, and a target never in the
/// same wave as one it must follow (`after`: the owner of an account-wide resource it
/// declares too, which that owner creates). Indexes into `names`. PURE.
pub fn waves(names: &[(String, Vec<String>)], max_parallel: usize) -> Vec<Vec<usize>> {
    let mut out: Vec<Vec<usize>> = Vec::new();
    let mut current: Vec<usize> = Vec::new();
    for (i, (_, after)) in names.iter().enumerate() {
        let waits = current.iter().any(|j| after.contains(&names[*j].0));
        if current.len() >= max_parallel.max(1) || waits {
            out.push(std::mem::take(&mut current));
        }
        current.push(i);
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// Applies each `(name, aws, plan)` in the given waves (see `waves`). With
/// `stop_on_failure`, no wave starts after one in which a target failed (or when
/// `failed_already` says a target failed before any wave). `progress` sees every step,
/// with the target's name. The outcomes are in the order of `runs`.
pub async fn apply_waves(
    runs: &[(String, Aws, Plan)],
    waves: &[Vec<usize>],
    stop_on_failure: bool,
    failed_already: bool,
    settings: &ApplySettings,
    progress: &(dyn Fn(&str, Event) + Sync),
) -> Vec<WaveOutcome> {
    let mut outcomes: Vec<Option<WaveOutcome>> = runs.iter().map(|_| None).collect();
    let mut stopped = stop_on_failure && failed_already;
    for wave in waves {
        if stopped || apply::interrupted() {
            for i in wave {
                outcomes[*i] = Some(WaveOutcome::Skipped);
            }
            continue;
        }
        let reports: Vec<ApplyReport> = futures::future::join_all(wave.iter().map(|i| {
            let (name, aws, plan) = &runs[*i];
            async move {
                let progress = |event: Event| progress(name, event);
                apply::apply(aws, plan, settings, &progress).await
            }
        }))
        .await;
        if stop_on_failure && reports.iter().any(|r| r.failed() || r.interrupted()) {
            stopped = true;
        }
        for (i, report) in wave.iter().zip(reports) {
            outcomes[*i] = Some(WaveOutcome::Applied(report));
        }
    }
    outcomes
        .into_iter()
        .map(|o| o.unwrap_or(WaveOutcome::Skipped))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::waves;

    fn named(list: &[(&str, &[&str])]) -> Vec<(String, Vec<String>)> {
        list.iter()
            .map(|(n, after)| (n.to_string(), after.iter().map(|a| a.to_string()).collect()))
            .collect()
    }

    #[test]
    fn waves_hold_at_most_max_parallel_and_owners_go_first() {
        let plain = named(&[("a", &[]), ("b", &[]), ("c", &[]), ("d", &[]), ("e", &[])]);
        assert_eq!(waves(&plain, 2), [vec![0, 1], vec![2, 3], vec![4]]);
        // b follows a (the owner of a role both declare): never in a's wave.
        let shared = named(&[("a", &[]), ("b", &["a"]), ("c", &[]), ("d", &["c"])]);
        assert_eq!(waves(&shared, 3), [vec![0], vec![1, 2], vec![3]]);
        assert_eq!(waves(&shared, 1), [vec![0], vec![1], vec![2], vec![3]]);
    }
}
