//! `wharf fleet apply`: plans every selected target first (or takes a saved fleet plan,
//! re-checking each target as `apply PLANFILE` does), shows the merged plan, asks once,
//! then applies target by target in waves of `--max-parallel`, each step's line prefixed
//! with its target. A target that fails to plan, is refused or is stale is not applied;
//! the others go on unless `--stop-on-failure`.

use super::fleet::{finish, plan_all, select, write_json};
use super::*;
use crate::cli::{FleetArgs, FleetCommand as Cli, FleetReportArgs};
use crate::fleet::report::{
    ApplyOutcome, FailedChange, FleetCommand, FleetReport, Status, TargetError, TargetReport,
};
use crate::ops::fleet::{self as fleet_ops, WaveOutcome};

/// What `wharf fleet apply` was asked for.
struct Args<'a> {
    fleet: &'a FleetArgs,
    plan_file: Option<&'a Path>,
    auto_approve: bool,
    prune: bool,
    allowed: ApplyOptions,
    max_parallel: usize,
    stop_on_failure: bool,
    settings: apply::ApplySettings,
    report: Option<&'a Path>,
    stats: bool,
}

pub(super) fn run(ui: &Ui, command: &Cli, global: &GlobalArgs) -> i32 {
    let Cli::Apply {
        fleet,
        plan_file,
        auto_approve,
        prune,
        allow_replace,
        allow_delete,
        allow_expire_in_use,
        max_parallel,
        stop_on_failure,
        no_wait,
        wait_timeout,
        report,
        stats,
    } = command
    else {
        unreachable!("fleet_apply::run is only called for fleet apply");
    };
    let args = Args {
        fleet,
        plan_file: plan_file.as_deref(),
        auto_approve: *auto_approve,
        prune: *prune,
        allowed: ApplyOptions {
            allow_replace: *allow_replace,
            allow_delete: *allow_delete,
            allow_expire_in_use: *allow_expire_in_use,
        },
        max_parallel: *max_parallel as usize,
        stop_on_failure: *stop_on_failure,
        settings: apply::ApplySettings {
            wait: !*no_wait,
            wait_timeout: *wait_timeout,
            ..apply::ApplySettings::default()
        },
        report: report.as_deref(),
        stats: *stats,
    };
    if global.region.is_some() {
        ui.error("--region does not apply to a fleet: each target names its region");
        return EXIT_ERROR;
    }
    // Refuse before any AWS call when nobody can answer the question.
    if !args.auto_approve && !std::io::stdin().is_terminal() {
        ui.error("standard input is not a terminal, so wharf cannot ask for confirmation");
        ui.hint("review with `wharf fleet plan --out PLANFILE`, then run `wharf fleet apply PLANFILE --auto-approve`");
        return EXIT_ERROR;
    }
    match args.plan_file {
        Some(path) => apply_saved(ui, global, &args, path),
        None => apply_fresh(ui, global, &args),
    }
}

/// A target ready to apply, or its report entry as it stands.
struct Ready {
    entry: TargetReport,
    aws: Option<Aws>,
}

fn apply_fresh(ui: &Ui, global: &GlobalArgs, args: &Args) -> i32 {
    let Some(selection) = select(ui, args.fleet) else {
        return EXIT_ERROR;
    };
    let options = PlanOptions {
        prune: args.prune,
        targets: Vec::new(),
        without_previews: false,
    };
    let planned = plan_all(
        ui,
        global,
        &selection,
        args.fleet.concurrency as usize,
        &options,
    );
    let ready: Vec<Ready> = planned
        .into_iter()
        .map(|(entry, planned)| Ready {
            entry,
            aws: planned.map(|(_, p)| p.aws),
        })
        .collect();
    review_and_apply(
        ui,
        &selection.report(FleetCommand::Apply, Vec::new()),
        ready,
        args,
    )
}

/// Re-checks each target of a saved fleet plan (its account, region and every object the
/// plan read) and applies the ones that still hold.
fn apply_saved(ui: &Ui, global: &GlobalArgs, args: &Args, path: &Path) -> i32 {
    if args.fleet.shard.is_some() {
        ui.error("--shard does not apply to a saved fleet plan: it is applied as reviewed");
        ui.hint(
            "plan each shard with `wharf fleet plan --shard I/N --out PLANFILE` and apply those",
        );
        return EXIT_ERROR;
    }
    let saved = match std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))
        .and_then(|text| {
            serde_json::from_str::<FleetReport>(&text)
                .map_err(|e| format!("{} is not a saved fleet plan: {e}", path.display()))
        }) {
        Ok(report)
            if report.command == FleetCommand::Plan
                && report.targets.iter().any(|t| t.saved.is_some()) =>
        {
            report
        }
        Ok(_) => {
            ui.error(&format!(
                "{} is a fleet report, not a saved fleet plan",
                path.display()
            ));
            ui.hint("save one with `wharf fleet plan --out PLANFILE`");
            return EXIT_ERROR;
        }
        Err(message) => {
            ui.error(&message);
            return EXIT_ERROR;
        }
    };
    let (chosen, unknown) = by_name(&saved.targets, &args.fleet.target_names);
    if !unknown.is_empty() {
        for pattern in &unknown {
            ui.error(&format!(
                "no target of {} matches --target-name `{pattern}`",
                path.display()
            ));
        }
        return EXIT_ERROR;
    }
    let base = super::fleet::base_connect(global);
    let spinner = reading_spinner();
    spinner.set_message("checking the saved plan against AWS ...");
    let checked = runtime().block_on(fleet_ops::each(
        chosen,
        args.fleet.concurrency as usize,
        |target| {
            let base = &base;
            async move {
                let Some(saved) = &target.saved else {
                    return (target, None);
                };
                let document = crate::plan::saved::SavedPlan {
                    plan: target.plan.clone().unwrap_or_else(|| {
                        Plan::new(&saved.context.manifest.stack, Vec::new(), Vec::new())
                    }),
                    saved: saved.context.clone(),
                };
                let options = ConnectOptions {
                    region: Some(target.region.clone()),
                    assume: target.role_arn.as_ref().map(|arn| aws::AssumeRole {
                        role_arn: arn.clone(),
                        external_id: saved.external_id.clone(),
                        session_name: saved.session_name.clone(),
                    }),
                    ..base.clone()
                };
                let result = async {
                    let aws = fleet_ops::connect(&options, &target.account_id).await?;
                    let refusals = ops::plan::check_saved(&aws, &document)
                        .await
                        .map_err(fleet_ops::TargetFailure::Aws)?;
                    Ok::<_, fleet_ops::TargetFailure>((aws, refusals))
                }
                .await;
                (target, Some(result))
            }
        },
    ));
    spinner.finish_and_clear();
    let mut ready = Vec::new();
    for (target, outcome) in checked {
        let mut entry = target.clone();
        entry.saved = None;
        let error = |message: String, hint: Option<String>, details: Option<String>| TargetError {
            message,
            location: None,
            hint,
            details,
        };
        let aws = match outcome {
            Some(Ok((aws, refusals))) if refusals.is_empty() => Some(aws),
            Some(Ok((_, refusals))) => {
                for refusal in &refusals {
                    ui.error(&format!("{}: {refusal}", target.name));
                }
                entry.status = Status::Error;
                entry.error = Some(error(
                    "AWS moved since the plan was saved; this target is not applied".to_string(),
                    Some("plan again and review the new plan".to_string()),
                    Some(refusals.join("\n")),
                ));
                None
            }
            Some(Err(problem)) => {
                let message = match problem {
                    fleet_ops::TargetFailure::WrongAccount { found } => format!(
                        "the credentials reach account {found}, not the target's account {}; refusing to touch it",
                        target.account_id
                    ),
                    fleet_ops::TargetFailure::Assume(e) | fleet_ops::TargetFailure::Aws(e) => {
                        e.message
                    }
                    fleet_ops::TargetFailure::Conflicts(c) => format!("{} refusals", c.len()),
                };
                ui.error(&format!("{}: {message}", target.name));
                entry.status = Status::Error;
                entry.error = Some(error(message, None, None));
                None
            }
            None => {
                // It failed when the plan was made: it stays failed.
                entry.status = Status::Error;
                None
            }
        };
        ready.push(Ready { entry, aws });
    }
    ui.out(&format!(
        "Applying the fleet plan saved in {} ({}).\n\n",
        path.display(),
        saved.fleet.file
    ));
    let mut shell = saved.clone();
    shell.targets = Vec::new();
    shell.command = FleetCommand::Apply;
    review_and_apply(ui, &shell, ready, args)
}

/// The saved plan's targets whose names match the patterns (all without any), and the
/// patterns that match none.
fn by_name(targets: &[TargetReport], patterns: &[String]) -> (Vec<TargetReport>, Vec<String>) {
    if patterns.is_empty() {
        return (targets.to_vec(), Vec::new());
    }
    let matchers: Vec<(String, Option<globset::GlobMatcher>)> = patterns
        .iter()
        .map(|p| {
            (
                p.clone(),
                globset::Glob::new(p).ok().map(|g| g.compile_matcher()),
            )
        })
        .collect();
    let matches =
        |name: &str, m: &Option<globset::GlobMatcher>| m.as_ref().is_some_and(|m| m.is_match(name));
    let unknown = matchers
        .iter()
        .filter(|(_, m)| !targets.iter().any(|t| matches(&t.name, m)))
        .map(|(p, _)| p.clone())
        .collect();
    let chosen = targets
        .iter()
        .filter(|t| matchers.iter().any(|(_, m)| matches(&t.name, m)))
        .cloned()
        .collect();
    (chosen, unknown)
}

/// Shows the merged plan, refuses what the flags do not allow, asks once, applies in
/// waves and reports. `shell` is the report without targets (command, fleet, shard).
fn review_and_apply(ui: &Ui, shell: &FleetReport, mut ready: Vec<Ready>, args: &Args) -> i32 {
    for target in &mut ready {
        if target.entry.status == Status::Error {
            continue;
        }
        let Some(plan) = &target.entry.plan else {
            continue;
        };
        target.entry.status = if plan.is_empty() {
            Status::Clean
        } else {
            Status::Changes
        };
        let refusals = apply::refusals(plan, args.allowed);
        if !refusals.is_empty() {
            for refusal in &refusals {
                ui.error(&format!("{}: {refusal}", target.entry.name));
            }
            target.entry.status = Status::Error;
            target.entry.error = Some(TargetError {
                message: "the plan does what the flags do not allow; this target is not applied"
                    .to_string(),
                location: None,
                hint: Some(
                    "review, then add --allow-replace, --allow-delete or --allow-expire-in-use as the details say"
                        .to_string(),
                ),
                details: Some(refusals.join("\n")),
            });
        }
    }
    let report = |ready: &[Ready]| {
        let mut report = FleetReport::new(
            shell.command,
            shell.fleet.clone(),
            shell.shard,
            ready.iter().map(|r| r.entry.clone()).collect(),
        );
        report.errors = shell.errors.clone();
        report
    };
    let style = Style { color: ui.color };
    let mut review = report(&ready);
    review.command = FleetCommand::Plan;
    ui.out(&render::render_fleet(&review, Format::Text, &style));
    let to_apply: Vec<usize> = (0..ready.len())
        .filter(|i| ready[*i].entry.status == Status::Changes && ready[*i].aws.is_some())
        .collect();
    let failed_already = review.any_failure();
    if to_apply.is_empty() {
        ui.out("\nNothing to apply.\n");
        print_stats(ui, args, &ready);
        return finish_apply(ui, &report(&ready), args);
    }
    if !args.auto_approve && !confirm(ui) {
        ui.error("apply cancelled; nothing was changed");
        return EXIT_ERROR;
    }
    ui.out("\n");
    let runs: Vec<(String, Aws, Plan)> = to_apply
        .iter()
        .map(|i| {
            let r = &ready[*i];
            (
                r.entry.name.clone(),
                r.aws.clone().expect("a target to apply is connected"),
                r.entry.plan.clone().expect("a target to apply has a plan"),
            )
        })
        .collect();
    let progress = |name: &str, event: Event| match event {
        Event::Step(step) => {
            let line = match &step.outcome {
                Outcome::Done => format!(
                    "{} [{name}] {} {}\n",
                    ui.paint(AnsiColor::Green.on_default().bold(), "✓"),
                    step.address,
                    apply::past_tense(step.action)
                ),
                Outcome::Failed { error, .. } => format!(
                    "{} [{name}] {} failed: {error}\n",
                    ui.paint(AnsiColor::Red.on_default().bold(), "✗"),
                    step.address
                ),
                Outcome::Interrupted { .. } => format!(
                    "{} [{name}] {} interrupted\n",
                    ui.paint(AnsiColor::Yellow.on_default().bold(), "■"),
                    step.address
                ),
                Outcome::NotAttempted => return,
            };
            ui.out(&line);
        }
        Event::Waiting { address, reason } => ui.out(&format!(
            "{} [{name}] {address}: {reason}\n",
            ui.paint(AnsiColor::Yellow.on_default().bold(), "…")
        )),
    };
    let signals = runtime().spawn(super::progress::watch_for_interruptions());
    // A target waits for the one that creates an account-wide resource it shares.
    let order: Vec<(String, Vec<String>)> = to_apply
        .iter()
        .map(|i| (ready[*i].entry.name.clone(), ready[*i].entry.after.clone()))
        .collect();
    let waves = fleet_ops::waves(&order, args.max_parallel);
    let outcomes = runtime().block_on(fleet_ops::apply_waves(
        &runs,
        &waves,
        args.stop_on_failure,
        failed_already,
        &args.settings,
        &progress,
    ));
    signals.abort();
    for (i, outcome) in to_apply.iter().zip(outcomes) {
        let entry = &mut ready[*i].entry;
        match outcome {
            WaveOutcome::Skipped => entry.status = Status::Skipped,
            WaveOutcome::Applied(applied) => {
                let failed: Vec<FailedChange> = applied
                    .steps
                    .iter()
                    .filter_map(|s| match &s.outcome {
                        Outcome::Failed { error, .. } => Some(FailedChange {
                            address: s.address.clone(),
                            error: error.to_string(),
                        }),
                        _ => None,
                    })
                    .chain(applied.ledger_error.as_ref().map(|e| FailedChange {
                        address: crate::kinds::ledger::parameter_name(
                            &entry.stack.clone().unwrap_or_default(),
                        ),
                        error: e.message.clone(),
                    }))
                    .collect();
                entry.status = if failed.is_empty() && !applied.interrupted() {
                    Status::Applied
                } else {
                    Status::Failed
                };
                entry.apply = Some(ApplyOutcome {
                    applied: applied.count(|o| *o == Outcome::Done),
                    failed,
                    not_attempted: applied.count(|o| *o == Outcome::NotAttempted),
                    interrupted: applied.interrupted(),
                });
            }
        }
    }
    print_stats(ui, args, &ready);
    ui.out("\n");
    if apply::interrupted() {
        ui.hint(
            "interrupted: run the fleet apply again to finish; it picks up from what AWS now holds",
        );
        let _ = finish_apply(ui, &report(&ready), args);
        return EXIT_INTERRUPTED;
    }
    finish_apply(ui, &report(&ready), args)
}

/// `--stats`: each connected target's AWS calls (its plan's reads and its apply's calls).
fn print_stats(ui: &Ui, args: &Args, ready: &[Ready]) {
    if !args.stats && ui.verbose == 0 {
        return;
    }
    for target in ready {
        if let Some(aws) = &target.aws {
            let _ = writeln!(
                anstream::stderr(),
                "{}: {}",
                target.entry.name,
                aws.stats.summary()
            );
        }
    }
}

fn finish_apply(ui: &Ui, report: &FleetReport, args: &Args) -> i32 {
    let output = FleetReportArgs {
        format: Some(Format::Text),
        report: None,
    };
    if let Some(path) = args.report
        && !write_json(ui, path, report)
    {
        return EXIT_ERROR;
    }
    let code = finish(ui, report, &output, false, false);
    if report.any_failure() {
        ui.hint("fix the causes and run the fleet apply again; each target picks up from what AWS now holds");
    }
    code
}
