//! Walks a plan through `aws/`: checks every destructive change against what the user
//! allowed before the first call, then runs changes in dependency waves with bounded
//! concurrency, one progress line per step. On a failure no new change starts; the report
//! says what was done, what failed (with AWS's message) and what was not attempted.

use crate::aws::{Aws, AwsError};
use crate::plan::{Change, ChangeAction, Operation, Plan, order};
use futures::stream::{self, StreamExt};
use std::sync::atomic::{AtomicBool, Ordering};

/// How many changes of one wave run at once.
const APPLY_CONCURRENCY: usize = 8;

#[derive(Clone, Copy, Debug, Default)]
pub struct ApplyOptions {
    pub allow_replace: bool,
    pub allow_delete: bool,
}

/// Destructive changes the flags and the manifest do not allow, one message each. PURE.
pub fn refusals(plan: &Plan, options: ApplyOptions) -> Vec<String> {
    let mut out = Vec::new();
    for change in &plan.changes {
        let Some(destroys) = &change.destroys else {
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
    NotAttempted,
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
}

impl ApplyReport {
    pub fn failed(&self) -> bool {
        self.steps
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

async fn execute(aws: &Aws, operation: &Operation) -> Result<(), AwsError> {
    match operation {
        Operation::Repository(op) => crate::aws::ecr::execute(aws, op).await,
    }
}

async fn run_change(
    aws: &Aws,
    change: &Change,
    stop: &AtomicBool,
    progress: &(dyn Fn(&StepReport) + Sync),
) -> StepReport {
    let mut report = StepReport {
        address: change.address.clone(),
        action: change.action,
        operations: change.operations.iter().map(Operation::describe).collect(),
        outcome: Outcome::NotAttempted,
    };
    if stop.load(Ordering::SeqCst) {
        return report;
    }
    for (i, operation) in change.operations.iter().enumerate() {
        if let Err(error) = execute(aws, operation).await {
            stop.store(true, Ordering::SeqCst);
            report.outcome = Outcome::Failed {
                error,
                operations_done: i,
            };
            progress(&report);
            return report;
        }
    }
    report.outcome = Outcome::Done;
    progress(&report);
    report
}

/// Applies the plan; `progress` sees each step as it finishes.
pub async fn apply(aws: &Aws, plan: &Plan, progress: &(dyn Fn(&StepReport) + Sync)) -> ApplyReport {
    let stop = AtomicBool::new(false);
    let mut report = ApplyReport::default();
    for wave in order::waves(&plan.changes) {
        let mut results: Vec<(usize, StepReport)> = stream::iter(wave.iter().enumerate())
            .map(|(i, change)| {
                let stop = &stop;
                async move { (i, run_change(aws, change, stop, progress).await) }
            })
            .buffer_unordered(APPLY_CONCURRENCY)
            .collect()
            .await;
        results.sort_by_key(|(i, _)| *i);
        report.steps.extend(results.into_iter().map(|(_, r)| r));
    }
    report
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
