//! Running a plan for people: apply with a line per finished step and per deployment
//! status, the report of what was done, failed or not attempted, and SIGINT/SIGTERM
//! handling (the first stops between calls, the second quits). Shared by `apply` and
//! `apply PLANFILE`.

use super::*;

pub(super) fn run_apply(
    ui: &Ui,
    aws: &Aws,
    plan: &Plan,
    settings: &apply::ApplySettings,
    stats: bool,
) -> i32 {
    ui.out("\n");
    let progress = |event: Event| {
        let step: &StepReport = match event {
            Event::Step(step) => step,
            Event::Waiting { address, reason } => {
                ui.out(&format!(
                    "{} {address}: {reason}\n",
                    ui.paint(AnsiColor::Yellow.on_default().bold(), "…")
                ));
                return;
            }
        };
        let line = match &step.outcome {
            Outcome::Done => format!(
                "{} {} {} ({})\n",
                ui.paint(AnsiColor::Green.on_default().bold(), "✓"),
                step.address,
                apply::past_tense(step.action),
                step.operations
                    .iter()
                    .map(|op| op.split_whitespace().next().unwrap_or(op))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Outcome::Failed { error, .. } => format!(
                "{} {} failed: {}\n",
                ui.paint(AnsiColor::Red.on_default().bold(), "✗"),
                step.address,
                error
            ),
            Outcome::Interrupted { operations_done } => format!(
                "{} {} interrupted after {operations_done} of {} operations\n",
                ui.paint(AnsiColor::Yellow.on_default().bold(), "■"),
                step.address,
                step.operations.len()
            ),
            Outcome::NotAttempted => return,
        };
        ui.out(&line);
    };
    let signals = runtime().spawn(watch_for_interruptions());
    let report = runtime().block_on(apply::apply(aws, plan, settings, &progress));
    signals.abort();
    let done = report.count(|o| *o == Outcome::Done);
    let not_attempted = report.count(|o| *o == Outcome::NotAttempted);
    let interrupted = report.interrupted();
    let code = if report.failed() || interrupted {
        ui.out(if interrupted {
            "\nApply interrupted: the calls in flight finished, no new one was started.\n"
        } else {
            "\nApply failed.\n"
        });
        for step in &report.steps {
            match &step.outcome {
                Outcome::Done => ui.out(&format!(
                    "  done:          {} ({})\n",
                    step.address,
                    apply::past_tense(step.action)
                )),
                Outcome::Failed {
                    error,
                    operations_done,
                } => {
                    ui.out(&format!("  failed:        {}: {error}\n", step.address));
                    for (i, op) in step.operations.iter().enumerate() {
                        let state = if i < *operations_done {
                            "done"
                        } else if i == *operations_done {
                            "failed"
                        } else {
                            "not attempted"
                        };
                        ui.out(&format!("                   {op}: {state}\n"));
                    }
                }
                Outcome::Interrupted { operations_done } => {
                    ui.out(&format!("  interrupted:   {}\n", step.address));
                    for (i, op) in step.operations.iter().enumerate() {
                        let state = if i < *operations_done {
                            "done"
                        } else {
                            "not attempted"
                        };
                        ui.out(&format!("                   {op}: {state}\n"));
                    }
                }
                Outcome::NotAttempted => ui.out(&format!("  not attempted: {}\n", step.address)),
            }
        }
        if let Some(error) = &report.ledger_error {
            ui.out(&format!(
                "  failed:        recording ownership in the ledger ({}): {error}\n",
                crate::kinds::ledger::parameter_name(&plan.stack)
            ));
            ui.hint("the objects exist; until the ledger records them, --prune leaves them alone. wharf needs ssm:GetParameter, ssm:PutParameter and ssm:DeleteParameter on that parameter");
        }
        if interrupted {
            // A deployment whose wait was cut short goes on in AWS.
            for step in &report.steps {
                if let Outcome::Interrupted { operations_done } = step.outcome
                    && step
                        .operations
                        .get(operations_done)
                        .is_some_and(|op| op.starts_with("WaitForDeployment"))
                {
                    ui.hint(&format!(
                        "{}: its deployment goes on in AWS; `wharf rollback {}` rolls it back",
                        step.address, step.address
                    ));
                }
            }
            ui.hint("run apply again to finish; it picks up from what AWS now holds");
            EXIT_INTERRUPTED
        } else {
            ui.hint("fix the cause and run apply again; it picks up from what AWS now holds");
            EXIT_ERROR
        }
    } else {
        ui.out(&format!(
            "\nApply complete: {done} change{} applied.\n",
            crate::diagnostics::plural(done)
        ));
        EXIT_OK
    };
    let _ = not_attempted;
    if stats || ui.verbose > 0 {
        let _ = writeln!(anstream::stderr(), "{}", aws.stats.summary());
    }
    code
}

/// SIGINT or SIGTERM during apply: the first lets the calls in flight finish and starts
/// no new one; a second quits at once.
pub(super) async fn watch_for_interruptions() {
    let mut terminate =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    next_signal(&mut terminate).await;
    apply::interrupt();
    let _ = writeln!(
        anstream::stderr(),
        "\ninterrupted: finishing the calls in flight and starting no new ones (interrupt again to quit at once)"
    );
    next_signal(&mut terminate).await;
    let _ = writeln!(
        anstream::stderr(),
        "interrupted again: quitting now; run apply again to converge"
    );
    std::process::exit(EXIT_INTERRUPTED);
}

pub(super) async fn next_signal(terminate: &mut Option<tokio::signal::unix::Signal>) {
    match terminate {
        Some(signal) => {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = signal.recv() => {}
            }
        }
        None => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
