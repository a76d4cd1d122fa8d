//! `wharf apply`: plans (or takes a saved plan, checked for staleness), asks on a
//! terminal, applies with progress, and reports what was done; SIGINT/SIGTERM stop it
//! between calls.

use super::*;

/// What `wharf apply` was asked for.
pub(super) struct Args<'a> {
    pub plan_file: Option<&'a Path>,
    pub auto_approve: bool,
    pub prune: bool,
    pub allow_replace: bool,
    pub allow_delete: bool,
    pub targets: &'a [String],
    pub stats: bool,
    pub no_wait: bool,
    pub wait_timeout: Option<std::time::Duration>,
    pub adopt: bool,
}

/// `wharf apply`: plans (or takes a saved plan), asks, applies.
pub(super) fn run(ui: &Ui, files: &[PathBuf], global: &GlobalArgs, args: Args) -> i32 {
    let Args {
        plan_file,
        auto_approve,
        prune,
        allow_replace,
        allow_delete,
        targets,
        stats,
        no_wait,
        wait_timeout,
        adopt,
    } = args;
    // Refuse before any AWS call when nobody can answer the question.
    let interactive = std::io::stdin().is_terminal();
    if !auto_approve && !interactive {
        ui.error("standard input is not a terminal, so wharf cannot ask for confirmation");
        ui.hint("review with `wharf plan`, then run `wharf apply --auto-approve`");
        return EXIT_ERROR;
    }
    let settings = apply::ApplySettings {
        wait: !no_wait,
        wait_timeout,
        ..apply::ApplySettings::default()
    };
    let allowed = ApplyOptions {
        allow_replace,
        allow_delete,
    };
    if let Some(path) = plan_file {
        return super::saved::apply_saved(
            ui,
            path,
            global,
            allowed,
            auto_approve,
            &settings,
            stats,
        );
    }
    let options = PlanOptions {
        prune,
        targets: targets.to_vec(),
    };
    let Some(Planned { aws, plan, .. }) =
        load_and_plan(ui, files, global, &options, adoption(adopt))
    else {
        return EXIT_ERROR;
    };
    let style = Style { color: ui.color };
    if plan.is_empty() {
        ui.out(&render::render(&plan, Format::Text, &style));
        if stats || ui.verbose > 0 {
            let _ = writeln!(anstream::stderr(), "{}", aws.stats.summary());
        }
        return EXIT_OK;
    }
    ui.out(&render::render(&plan, Format::Text, &style));
    let refusals = apply::refusals(&plan, allowed);
    if !refusals.is_empty() {
        for refusal in &refusals {
            ui.error(refusal);
        }
        ui.hint("nothing was changed");
        if stats || ui.verbose > 0 {
            let _ = writeln!(anstream::stderr(), "{}", aws.stats.summary());
        }
        return EXIT_ERROR;
    }
    if !auto_approve && !confirm(ui) {
        ui.error("apply cancelled; nothing was changed");
        return EXIT_ERROR;
    }
    run_apply(ui, &aws, &plan, &settings, stats)
}

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
                crate::resources::ledger::parameter_name(&plan.stack)
            ));
            ui.hint("the objects exist; until the ledger records them, --prune leaves them alone. wharf needs ssm:GetParameter, ssm:PutParameter and ssm:DeleteParameter on that parameter");
        }
        if interrupted {
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
