//! Walks a plan through each kind's `io.rs`: checks every destructive change against what the user
//! allowed before the first call, then runs changes in dependency waves with bounded
//! concurrency, one progress line per step. On a failure no new change starts; the report
//! says what was done, what failed (with AWS's message) and what was not attempted. An
//! interruption (`interrupt`, from SIGINT or SIGTERM) works the same way: the calls in
//! flight finish, no new call starts, a deployment wait stops waiting.

use crate::aws::{Aws, AwsError};
use crate::kinds::kind::Executed;
use crate::kinds::service::ServiceOperation;
use crate::plan::{Change, ChangeAction, Operation, Plan, order};
use futures::stream::{self, StreamExt};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// How long to wait for IAM to propagate new principals, and the first backoff step.
#[derive(Clone, Copy, Debug)]
pub struct ApplySettings {
    pub propagation_timeout: Duration,
    pub propagation_initial_backoff: Duration,
    /// Wait for service deployments to finish (`--no-wait` turns it off).
    pub wait: bool,
    /// Overrides each service's wait timeout (`--wait-timeout`).
    pub wait_timeout: Option<Duration>,
}

impl Default for ApplySettings {
    fn default() -> Self {
        Self {
            propagation_timeout: Duration::from_secs(120),
            propagation_initial_backoff: Duration::from_secs(2),
            wait: true,
            wait_timeout: None,
        }
    }
}

/// What apply reports while it runs.
pub enum Event<'a> {
    /// A change finished (done or failed).
    Step(&'a StepReport),
    /// A call is being retried while IAM propagates a new principal.
    Waiting { address: &'a str, reason: &'a str },
}

/// The error code of a wait abandoned because of an interruption.
const INTERRUPTED_CODE: &str = "WharfInterrupted";

/// How many changes of one wave run at once.
const APPLY_CONCURRENCY: usize = 8;

#[derive(Clone, Copy, Debug, Default)]
pub struct ApplyOptions {
    pub allow_replace: bool,
    pub allow_delete: bool,
    /// Put lifecycle rules that would expire or archive images in use.
    pub allow_expire_in_use: bool,
}

/// Destructive changes the flags and the manifest do not allow, one message each. PURE.
pub fn refusals(plan: &Plan, options: ApplyOptions) -> Vec<String> {
    let mut out = Vec::new();
    for change in &plan.changes {
        if let Some(crate::plan::Preview::Lifecycle(preview)) = &change.preview
            && !preview.in_use.is_empty()
            && !options.allow_expire_in_use
        {
            for image in &preview.in_use {
                out.push(format!(
                    "{}: lifecycle rule {} would {} image {}, which {} uses; this needs --allow-expire-in-use",
                    change.address,
                    image.rule_priority,
                    image.action,
                    image.label(),
                    image.used_by.join(" and ")
                ));
            }
        }
        let Some(destroys) = &change.destroys else {
            // Replacing what holds no data (a role) still breaks whoever uses it meanwhile.
            if change.action == ChangeAction::Replace && !options.allow_replace {
                out.push(format!(
                    "{}: replacing it deletes and recreates it; this needs --allow-replace",
                    change.address
                ));
            }
            // Deleting a service stops what it runs: pruning one needs an explicit yes.
            if change.action == ChangeAction::Delete
                && change
                    .address
                    .starts_with(crate::kinds::service::ADDRESS_PREFIX)
                && !options.allow_delete
            {
                out.push(format!(
                    "{}: deleting it scales it to zero and removes it; this needs --allow-delete",
                    change.address
                ));
            }
            continue;
        };
        let images = match destroys.images {
            Some(0) => None,
            Some(n) => Some(format!(
                "{n} image{}",
                crate::diagnostics::plural(n as usize)
            )),
            None => Some("an unknown number of images".to_string()),
        };
        let mut needs = Vec::new();
        match change.action {
            ChangeAction::Replace if !options.allow_replace => needs.push("--allow-replace"),
            ChangeAction::Delete if images.is_some() && !options.allow_delete => {
                needs.push("--allow-delete")
            }
            _ => {}
        }
        if images.is_some() && !destroys.force_delete {
            needs.push(match change.action {
                ChangeAction::Delete => "forceDelete: true under defaults.repository",
                _ => "forceDelete: true on the repository",
            });
        }
        if needs.is_empty() {
            continue;
        }
        let what = match change.action {
            ChangeAction::Replace => "replacing",
            _ => "deleting",
        };
        let loses = images
            .map(|i| format!(" destroys {i}"))
            .unwrap_or_else(|| " is destructive".to_string());
        out.push(format!(
            "{}: {what} it{loses}; this needs {}",
            change.address,
            needs.join(" and ")
        ));
    }
    out
}

#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    Done,
    Failed {
        error: AwsError,
        operations_done: usize,
    },
    /// Stopped by an interruption after this many of its operations.
    Interrupted {
        operations_done: usize,
    },
    NotAttempted,
}

/// Set once the user asks wharf to stop (SIGINT, SIGTERM): process-wide, like the signal.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Asks every running apply to finish its calls in flight and start no new one.
pub fn interrupt() {
    INTERRUPTED.store(true, Ordering::SeqCst);
}

pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// Resolves once an interruption has been asked for.
pub async fn until_interrupted() {
    while !interrupted() {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[derive(Clone, Debug)]
pub struct StepReport {
    pub address: String,
    pub action: ChangeAction,
    pub operations: Vec<String>,
    pub outcome: Outcome,
}

#[derive(Clone, Debug, Default)]
pub struct ApplyReport {
    pub steps: Vec<StepReport>,
    /// Recording what this apply created in the ownership ledger failed: those objects
    /// exist but a later --prune will not delete them.
    pub ledger_error: Option<AwsError>,
}

impl ApplyReport {
    /// Stopped by an interruption: some step was cut short or never started because of it.
    pub fn interrupted(&self) -> bool {
        self.steps
            .iter()
            .any(|s| matches!(s.outcome, Outcome::Interrupted { .. }))
            || (interrupted() && self.count(|o| *o == Outcome::NotAttempted) > 0)
    }

    pub fn failed(&self) -> bool {
        self.ledger_error.is_some()
            || self
                .steps
                .iter()
                .any(|s| matches!(s.outcome, Outcome::Failed { .. }))
    }

    pub fn count(&self, pred: impl Fn(&Outcome) -> bool) -> usize {
        self.steps.iter().filter(|s| pred(&s.outcome)).count()
    }
}

pub fn past_tense(action: ChangeAction) -> &'static str {
    match action {
        ChangeAction::Create => "created",
        ChangeAction::Update => "updated",
        ChangeAction::Replace => "replaced",
        ChangeAction::Delete => "deleted",
    }
}

/// Why a failed call is IAM's eventual consistency rather than a real error, if it is
/// (each kind's operations know: `Operation::propagation_wait`). Only plans that create or
/// replace roles can meet it: the principal is brand new.
fn propagation_reason(operation: &Operation, error: &AwsError) -> Option<&'static str> {
    operation.propagation_wait(&error.message)
}

async fn execute_with_propagation(
    aws: &Aws,
    registered: &Registered,
    change: &Change,
    operation: &Operation,
    new_principals: bool,
    settings: &ApplySettings,
    progress: &(dyn Fn(Event) + Sync),
) -> Result<(), AwsError> {
    let started = std::time::Instant::now();
    let mut backoff = settings.propagation_initial_backoff;
    let mut announced = false;
    loop {
        let error = match execute(aws, operation, registered).await {
            Ok(()) => return Ok(()),
            Err(error) => error,
        };
        let reason = match propagation_reason(operation, &error) {
            Some(reason) if new_principals => reason,
            _ => return Err(error),
        };
        if started.elapsed() + backoff > settings.propagation_timeout {
            return Err(AwsError {
                message: format!(
                    "{} (still failing after waiting {}s for IAM propagation)",
                    error.message,
                    started.elapsed().as_secs()
                ),
                code: error.code,
            });
        }
        if !announced {
            let notice = format!(
                "{reason} (retrying for up to {}s)",
                settings.propagation_timeout.as_secs()
            );
            progress(Event::Waiting {
                address: &change.address,
                reason: &notice,
            });
            announced = true;
        }
        tokio::select! {
            () = tokio::time::sleep(backoff) => {}
            () = until_interrupted() => {}
        }
        if interrupted() {
            return Err(AwsError {
                message: format!(
                    "{} (interrupted while waiting for IAM propagation)",
                    error.message
                ),
                code: Some(INTERRUPTED_CODE.into()),
            });
        }
        backoff = (backoff * 2).min(Duration::from_secs(15));
    }
}

/// What one apply learns as it goes: the task-definition revisions it registered, by
/// family (a service that names a family whose revision this plan registers is pointed at
/// exactly that ARN), and the deployments its service creates and updates started, by
/// service name (the wait that follows tracks exactly that deployment).
#[derive(Default)]
struct Registered {
    revisions: std::sync::Mutex<std::collections::BTreeMap<String, String>>,
    deployments: std::sync::Mutex<
        std::collections::BTreeMap<String, crate::kinds::service::live::StartedDeployment>,
    >,
}

impl Registered {
    fn lock(&self) -> std::sync::MutexGuard<'_, std::collections::BTreeMap<String, String>> {
        self.revisions.lock().expect("registered lock")
    }

    fn started(&self, service: &str) -> Option<crate::kinds::service::live::StartedDeployment> {
        self.deployments
            .lock()
            .expect("deployments lock")
            .get(service)
            .cloned()
    }
}

/// The operation with `taskDefinition: FAMILY` replaced by the ARN registered for it.
fn resolve_registered(operation: &Operation, registered: &Registered) -> Operation {
    let mut resolved = operation.clone();
    if let Operation::Service(
        ServiceOperation::CreateService { input, .. }
        | ServiceOperation::UpdateService { input, .. },
    ) = &mut resolved
        && let Some(family) = input["taskDefinition"].as_str()
        && let Some(arn) = registered.lock().get(family)
    {
        input["taskDefinition"] = serde_json::json!(arn);
    }
    resolved
}

async fn execute(
    aws: &Aws,
    operation: &Operation,
    registered: &Registered,
) -> Result<(), AwsError> {
    let operation = &resolve_registered(operation, registered);
    macro_rules! execute_with_its_kind {
        ($($variant:ident $module:ident $operation:ident $kind:ident,)*) => {
            match operation {
                $(Operation::$variant(op) => crate::kinds::$module::io::execute(aws, op).await?,)*
            }
        };
    }
    match crate::with_kinds!(execute_with_its_kind) {
        Executed::Done => {}
        Executed::Registered { family, arn } => {
            registered.lock().insert(family, arn);
        }
        Executed::Deployment { service, started } => {
            registered
                .deployments
                .lock()
                .expect("deployments lock")
                .insert(service, started);
        }
    }
    Ok(())
}

async fn run_change(
    aws: &Aws,
    registered: &Registered,
    change: &Change,
    stop: &AtomicBool,
    new_principals: bool,
    settings: &ApplySettings,
    progress: &(dyn Fn(Event) + Sync),
) -> StepReport {
    let mut report = StepReport {
        address: change.address.clone(),
        action: change.action,
        operations: change.operations.iter().map(Operation::describe).collect(),
        outcome: Outcome::NotAttempted,
    };
    if stop.load(Ordering::SeqCst) || interrupted() {
        return report;
    }
    for (i, operation) in change.operations.iter().enumerate() {
        if interrupted() {
            report.outcome = Outcome::Interrupted { operations_done: i };
            progress(Event::Step(&report));
            return report;
        }
        if let Operation::Service(ServiceOperation::WaitForDeployment {
            cluster,
            name,
            timeout_seconds,
        }) = operation
        {
            if !settings.wait {
                continue;
            }
            let timeout = settings
                .wait_timeout
                .unwrap_or(Duration::from_secs(*timeout_seconds));
            let show = |status: &str| {
                let reason = format!("deployment: {status}");
                progress(Event::Waiting {
                    address: &change.address,
                    reason: &reason,
                });
            };
            let started = registered.started(name);
            let waited = tokio::select! {
                waited = crate::kinds::service::io::wait_for_deployment_reporting(aws, cluster, name, started.as_ref(), crate::kinds::service::deployment::Following::Deployment, timeout, &show) => waited,
                () = until_interrupted() => {
                    // The deployment goes on in AWS; only the waiting stops.
                    report.outcome = Outcome::Interrupted { operations_done: i };
                    progress(Event::Step(&report));
                    return report;
                }
            };
            if let Err(error) = waited {
                stop.store(true, Ordering::SeqCst);
                report.outcome = Outcome::Failed {
                    error,
                    operations_done: i,
                };
                progress(Event::Step(&report));
                return report;
            }
            continue;
        }
        let result = execute_with_propagation(
            aws,
            registered,
            change,
            operation,
            new_principals,
            settings,
            progress,
        )
        .await;
        if let Err(error) = result {
            stop.store(true, Ordering::SeqCst);
            report.outcome = if error.code.as_deref() == Some(INTERRUPTED_CODE) {
                Outcome::Interrupted { operations_done: i }
            } else {
                Outcome::Failed {
                    error,
                    operations_done: i,
                }
            };
            progress(Event::Step(&report));
            return report;
        }
    }
    report.outcome = Outcome::Done;
    progress(Event::Step(&report));
    report
}

/// Applies the plan; `progress` sees each step as it finishes.
pub async fn apply(
    aws: &Aws,
    plan: &Plan,
    settings: &ApplySettings,
    progress: &(dyn Fn(Event) + Sync),
) -> ApplyReport {
    let stop = AtomicBool::new(false);
    let registered = Registered::default();
    let new_principals = plan.changes.iter().any(|c| {
        c.address.starts_with(crate::kinds::role::ADDRESS_PREFIX)
            && matches!(c.action, ChangeAction::Create | ChangeAction::Replace)
    });
    let mut report = ApplyReport::default();
    for wave in order::waves(&plan.changes) {
        let mut results: Vec<(usize, StepReport)> = stream::iter(wave.iter().enumerate())
            .map(|(i, change)| {
                let stop = &stop;
                let registered = &registered;
                async move {
                    let report = run_change(
                        aws,
                        registered,
                        change,
                        stop,
                        new_principals,
                        settings,
                        progress,
                    )
                    .await;
                    (i, report)
                }
            })
            .buffer_unordered(APPLY_CONCURRENCY)
            .collect()
            .await;
        results.sort_by_key(|(i, _)| *i);
        report.steps.extend(results.into_iter().map(|(_, r)| r));
    }
    let effects = ledger_effects(plan, &report);
    if let Err(error) = crate::aws::ledger::record(aws, &plan.stack, &effects).await {
        report.ledger_error = Some(error);
    }
    report
}

/// What the operations that succeeded mean for the ownership ledger, in plan order
/// (a replace's delete comes before its create). Recorded even after a failure, so what
/// was created is still known to be wharf's.
fn ledger_effects(plan: &Plan, report: &ApplyReport) -> Vec<crate::kinds::ledger::LedgerEffect> {
    let done: std::collections::BTreeMap<&str, usize> = report
        .steps
        .iter()
        .map(|step| {
            let count = match step.outcome {
                Outcome::Done => step.operations.len(),
                Outcome::Failed {
                    operations_done, ..
                } => operations_done,
                Outcome::Interrupted { operations_done } => operations_done,
                Outcome::NotAttempted => 0,
            };
            (step.address.as_str(), count)
        })
        .collect();
    plan.changes
        .iter()
        .flat_map(|change| {
            let count = done.get(change.address.as_str()).copied().unwrap_or(0);
            change.operations.iter().take(count)
        })
        .filter_map(crate::kinds::ledger::effect)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{ChangeReason, Destroys};

    fn destructive(action: ChangeAction, images: Option<u64>, force_delete: bool) -> Plan {
        Plan::new(
            "shop",
            vec![Change {
                address: "ecr.repository.shop/web".into(),
                action,
                reason: String::new(),
                reason_code: ChangeReason::ReplaceBecauseCannotUpdate,
                fields: vec![],
                destroys: Some(Destroys {
                    images,
                    force_delete,
                }),
                preview: None,
                operations: vec![],
            }],
            vec![],
        )
    }

    #[test]
    fn guard_table() {
        let none = ApplyOptions::default();
        let all = ApplyOptions {
            allow_replace: true,
            allow_delete: true,
            allow_expire_in_use: false,
        };
        use ChangeAction::*;
        // (action, images, forceDelete, options, refused)
        let cases = [
            (Replace, Some(0), false, none, true),
            (Replace, Some(0), false, all, false),
            (Replace, Some(3), false, all, true),
            (Replace, Some(3), true, all, false),
            (Replace, None, true, all, false),
            (Delete, Some(0), false, none, false),
            (Delete, Some(2), true, none, true),
            (Delete, Some(2), false, all, true),
            (Delete, Some(2), true, all, false),
        ];
        for (action, images, force, options, refused) in cases {
            let plan = destructive(action, images, force);
            assert_eq!(
                !refusals(&plan, options).is_empty(),
                refused,
                "{action:?} images={images:?} force={force} {options:?}"
            );
        }
        let message = &refusals(&destructive(Replace, Some(3), false), all)[0];
        assert!(message.contains("destroys 3 images"), "{message}");
    }
}
