//! `wharf fleet validate|plan|drift|report|schema`: one command across the targets of a
//! fleet file. Each target is loaded, connected (as its role) and planned on its own; a
//! target that fails is reported at its place in the fleet file and the others go on.
//! The merged report goes to stdout (text, JSON or Markdown), a JSON copy to `--report`;
//! problems go to stderr as located diagnostics. `fleet apply` is in `fleet_apply`.

use super::*;
use crate::cli::{FleetArgs, FleetCommand as Cli, FleetReportArgs};
use crate::diagnostics::{Diagnostic, Span};
use crate::fleet::report::{
    FleetCommand, FleetInfo, FleetReport, Shard, Status, TargetError, TargetReport,
};
use crate::fleet::{self, Fleet, Target};
use crate::ops::fleet::{self as fleet_ops, TargetFailure};

pub(super) fn run(ui: &Ui, command: &Cli, global: &GlobalArgs) -> i32 {
    match command {
        Cli::Schema => {
            ui.out(&fleet::fleet_schema_text());
            EXIT_OK
        }
        Cli::Report {
            files,
            format,
            detailed_exitcode,
        } => merge_reports(ui, files, *format, *detailed_exitcode),
        Cli::Validate { fleet } => validate(ui, fleet, global),
        Cli::Plan {
            fleet,
            report,
            detailed_exitcode,
            prune,
            out,
            stats,
        } => plan_or_drift(
            ui,
            global,
            fleet,
            report,
            Mode {
                command: FleetCommand::Plan,
                prune: *prune,
                detailed: *detailed_exitcode,
                out: out.as_deref(),
                stats: *stats,
            },
        ),
        Cli::Drift { fleet, report } => plan_or_drift(
            ui,
            global,
            fleet,
            report,
            Mode {
                command: FleetCommand::Drift,
                prune: true,
                detailed: true,
                out: None,
                stats: false,
            },
        ),
        Cli::Apply { .. } => unreachable!("`fleet apply` is dispatched to fleet_apply"),
    }
}

/// The fleet file read and the targets this run covers (selected by name, then sharded).
pub(super) struct Selection {
    pub fleet: Fleet,
    /// The targets this run (or shard) covers.
    pub targets: Vec<Target>,
    /// Every target the name selection kept, over all shards: what account-wide
    /// resources are shared is decided over all of them, so shards agree with a whole run.
    pub all: Vec<Target>,
    /// How many targets the name selection kept (over all shards).
    pub selected: usize,
    pub shard: Option<Shard>,
    /// Problems with the selection (a pattern that matches nothing).
    pub errors: Vec<TargetError>,
}

impl Selection {
    pub fn info(&self) -> FleetInfo {
        FleetInfo {
            file: self.fleet.file_name.clone(),
            digest: self.fleet.digest.clone(),
            selected: self.selected,
        }
    }

    pub fn report(&self, command: FleetCommand, targets: Vec<TargetReport>) -> FleetReport {
        let mut report = FleetReport::new(command, self.info(), self.shard, targets);
        report.errors = self.errors.clone();
        report
    }

    /// `fleet.yaml:12:5`
    pub fn location(&self, span: Span) -> Option<String> {
        location(&self.fleet, span)
    }

    /// A target's problem: printed to stderr at its place in the fleet file (unless
    /// `ui` is None), and kept for the report.
    pub fn problem(
        &self,
        ui: Option<&Ui>,
        target: &Target,
        span: Span,
        message: String,
        hint: Option<String>,
        details: Option<String>,
    ) -> TargetError {
        let mut diagnostic =
            Diagnostic::error(span, format!("target `{}`: {message}", target.name));
        if let Some(hint) = &hint {
            diagnostic = diagnostic.with_hint(hint.clone());
        }
        if let Some(ui) = ui {
            let _ = write!(
                anstream::stderr(),
                "{}",
                render_diagnostics(&self.fleet.sources, &[diagnostic], ui.color)
            );
        }
        TargetError {
            message,
            location: self.location(span),
            hint,
            details,
        }
    }
}

/// `fleet.yaml:12:5`
fn location(fleet: &Fleet, span: Span) -> Option<String> {
    fleet
        .sources
        .position(span)
        .map(|(file, line, column)| format!("{file}:{line}:{column}"))
}

/// Reads the fleet file and selects the targets. None when the fleet file itself is bad
/// (every diagnostic printed): then no target can run.
pub(super) fn select(ui: &Ui, args: &FleetArgs) -> Option<Selection> {
    let name = args.file.display().to_string();
    let text = match std::fs::read_to_string(&args.file) {
        Ok(text) => text,
        Err(e) => {
            ui.error(&format!("cannot read {name}: {e}"));
            if args.file == Path::new("fleet.yaml") {
                ui.hint("run wharf in the directory that holds fleet.yaml, or pass -f FILE");
            }
            return None;
        }
    };
    let fleet = match fleet::load(&name, &text) {
        Ok(fleet) => fleet,
        Err(diagnostics) => {
            let _ = write!(
                anstream::stderr(),
                "{}",
                render_diagnostics(
                    &crate::manifest::Sources::single(&name, &text),
                    &diagnostics,
                    ui.color
                )
            );
            return None;
        }
    };
    if !fleet.warnings.is_empty() {
        let _ = write!(
            anstream::stderr(),
            "{}",
            render_diagnostics(&fleet.sources, &fleet.warnings, ui.color)
        );
    }
    let (chosen, problems) = fleet::select::by_name(&fleet, &args.target_names);
    if !problems.is_empty() {
        let _ = write!(
            anstream::stderr(),
            "{}",
            render_diagnostics(&fleet.sources, &problems, ui.color)
        );
    }
    let selected = chosen.len();
    let all: Vec<Target> = chosen.iter().map(|t| (*t).clone()).collect();
    let targets: Vec<Target> = match args.shard {
        Some((index, count)) => fleet::select::shard(&chosen, index, count),
        None => chosen,
    }
    .into_iter()
    .cloned()
    .collect();
    let errors = problems
        .iter()
        .map(|d| TargetError {
            message: d.message.clone(),
            location: location(&fleet, d.span),
            hint: d.hint.clone(),
            details: None,
        })
        .collect();
    Some(Selection {
        targets,
        all,
        selected,
        shard: args.shard.map(|(index, count)| Shard { index, count }),
        errors,
        fleet,
    })
}

/// The report's entry for a target before anything has run.
pub(super) fn entry(target: &Target, status: Status) -> TargetReport {
    TargetReport {
        name: target.name.clone(),
        index: target.index,
        account_id: target.account_id.clone(),
        region: target.region.clone(),
        role_arn: target.role_arn.clone(),
        status,
        stack: None,
        plan: None,
        error: None,
        apply: None,
        after: Vec::new(),
        saved: None,
    }
}

/// Loads a target's manifests (paths relative to the fleet file) with its variables:
/// the environment, then the target's `vars`, then `--var`. A manifest that does not
/// load is the target's error, at its entry in the fleet file; the manifest's own
/// diagnostics follow on stderr and in the report's details.
pub(super) fn load_target(
    ui: Option<&Ui>,
    selection: &Selection,
    target: &Target,
    global: &GlobalArgs,
) -> Result<LoadedManifest, TargetError> {
    let dir = Path::new(&selection.fleet.file_name)
        .parent()
        .unwrap_or(Path::new(""))
        .to_path_buf();
    let mut files = Vec::new();
    for (i, path) in target.manifests.iter().enumerate() {
        let span = target
            .spans
            .manifests
            .get(i)
            .copied()
            .unwrap_or(target.spans.name);
        let full = dir.join(path);
        match std::fs::read_to_string(&full) {
            Ok(text) => files.push((full.display().to_string(), text)),
            Err(e) => {
                return Err(selection.problem(
                    ui,
                    target,
                    span,
                    format!("cannot read manifest {}: {e}", full.display()),
                    Some("manifest paths are relative to the fleet file".to_string()),
                    None,
                ));
            }
        }
    }
    // The target's own place, for manifests that name per-region or per-account things.
    let mut cli: std::collections::BTreeMap<String, String> = [
        ("WHARF_TARGET", target.name.as_str()),
        ("WHARF_ACCOUNT_ID", target.account_id.as_str()),
        ("WHARF_REGION", target.region.as_str()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    cli.extend(target.vars.clone());
    cli.extend(global.vars.iter().cloned());
    let vars = Variables {
        cli,
        environment: std::env::vars().collect(),
    };
    let sources = manifest::Sources::new(files);
    let first = target
        .spans
        .manifests
        .first()
        .copied()
        .unwrap_or(target.spans.name);
    let loaded = match manifest::load_sources(sources.clone(), &vars) {
        Ok(loaded) => loaded,
        Err(failure) => {
            if let Some(ui) = ui {
                let _ = write!(
                    anstream::stderr(),
                    "{}",
                    render_diagnostics(&sources, &failure.diagnostics, ui.color)
                );
            }
            let errors = failure.diagnostics.iter().filter(|d| d.is_error()).count();
            return Err(selection.problem(
                ui,
                target,
                first,
                format!(
                    "its manifests ({}) do not load: {errors} error{}",
                    sources.display_name(),
                    crate::diagnostics::plural(errors)
                ),
                None,
                Some(render_diagnostics(&sources, &failure.diagnostics, false)),
            ));
        }
    };
    if let Err(problems) = crate::logo::read_all(&loaded) {
        return Err(selection.problem(
            ui,
            target,
            first,
            "a logo file of its manifests cannot be read".to_string(),
            None,
            Some(render_diagnostics(&loaded.sources, &problems, false)),
        ));
    }
    if let Some(region) = &loaded.manifest.region
        && *region != target.region
    {
        return Err(selection.problem(
            ui,
            target,
            target.spans.region,
            format!(
                "the target is in {} but its manifest says region {region}",
                target.region
            ),
            Some(
                "leave `region` out of manifests shared by targets in several regions".to_string(),
            ),
            None,
        ));
    }
    Ok(loaded)
}

/// A target that could not be planned, as its report entry's error.
pub(super) fn failure(
    ui: &Ui,
    selection: &Selection,
    target: &Target,
    loaded: &LoadedManifest,
    failure: TargetFailure,
) -> TargetError {
    match failure {
        TargetFailure::Assume(error) => selection.problem(
            Some(ui),
            target,
            target.spans.role_arn,
            error.message,
            Some(format!(
                "the role must exist in account {} and its trust policy must let your credentials assume it{}",
                crate::fleet::role_account(target.role_arn.as_deref().unwrap_or_default())
                    .unwrap_or(&target.account_id),
                if target.external_id.is_some() {
                    " with this external id"
                } else {
                    " (with sts:ExternalId when the policy asks for one: add externalId)"
                }
            )),
            None,
        ),
        TargetFailure::WrongAccount { found } => selection.problem(
            Some(ui),
            target,
            target.spans.account_id,
            format!(
                "the credentials reach account {found}, not the target's account {}; refusing to touch it",
                target.account_id
            ),
            Some(match &target.role_arn {
                Some(arn) => format!("{arn} is a role of account {found}: point roleArn at a role of account {}", target.account_id),
                None => format!("without roleArn the target uses your own credentials, which are for account {found}: add roleArn"),
            }),
            None,
        ),
        TargetFailure::Aws(error) => selection.problem(
            Some(ui),
            target,
            target.spans.name,
            error.message,
            None,
            None,
        ),
        TargetFailure::Conflicts(conflicts) => {
            let (located, unlocated) = session::locate_conflicts(loaded, &conflicts);
            let mut details = render_diagnostics(&loaded.sources, &located, false);
            for conflict in unlocated {
                details.push_str(&format!(
                    "{}: {} (hint: {})\n",
                    conflict.address, conflict.message, conflict.hint
                ));
            }
            if !located.is_empty() {
                let _ = write!(
                    anstream::stderr(),
                    "{}",
                    render_diagnostics(&loaded.sources, &located, ui.color)
                );
            }
            selection.problem(
                Some(ui),
                target,
                target.spans.manifests.first().copied().unwrap_or(target.spans.name),
                format!(
                    "the plan was refused ({} refusal{})",
                    conflicts.len(),
                    crate::diagnostics::plural(conflicts.len())
                ),
                None,
                Some(details),
            )
        }
    }
}

/// Where to reach AWS from: the global flags (the fleet names each target's region).
pub(super) fn base_connect(global: &GlobalArgs) -> ConnectOptions {
    ConnectOptions {
        region: None,
        profile: global.profile.clone(),
        endpoint_url: global.endpoint_url.clone(),
        assume: None,
    }
}

/// A run target with its manifests loaded (or why not), and the account-wide resources
/// it leaves to an earlier target of its account: (address, that target's name).
pub(super) struct LoadedTarget<'a> {
    pub target: &'a Target,
    pub loaded: Result<LoadedManifest, TargetError>,
    pub left_to: Vec<(String, String)>,
    /// Account-wide resources of its stack that other targets of the account declare:
    /// (address, one such target's name). Never deleted by this target.
    pub kept_for: Vec<(String, String)>,
}

/// Loads the run's targets (printing every problem) and, quietly, the other selected
/// targets; then decides, over all of them, which account-wide resources each run target
/// leaves to an earlier target of its account, and refuses one that declares such a
/// resource differently (see `fleet::shared`).
pub(super) fn load_all<'a>(
    ui: &Ui,
    selection: &'a Selection,
    global: &GlobalArgs,
) -> Vec<LoadedTarget<'a>> {
    let mut run: Vec<LoadedTarget> = selection
        .targets
        .iter()
        .map(|target| LoadedTarget {
            target,
            loaded: load_target(Some(ui), selection, target, global),
            left_to: Vec::new(),
            kept_for: Vec::new(),
        })
        .collect();
    let others: Vec<(usize, LoadedManifest)> = selection
        .all
        .iter()
        .enumerate()
        .filter_map(|(i, target)| {
            match run.iter().find(|r| r.target.name == target.name) {
                Some(mine) => mine.loaded.as_ref().ok().cloned(),
                None => load_target(None, selection, target, global).ok(),
            }
            .map(|loaded| (i, loaded))
        })
        .collect();
    let pairs: Vec<(&Target, &crate::manifest::Manifest)> = others
        .iter()
        .map(|(i, loaded)| (&selection.all[*i], &loaded.manifest))
        .collect();
    for (i, kept) in fleet::shared::declared_by_others(&pairs)
        .into_iter()
        .enumerate()
    {
        if let Some(mine) = run.iter_mut().find(|r| r.target.name == pairs[i].0.name) {
            mine.kept_for = kept.into_iter().collect();
        }
    }
    for shared in fleet::shared::account_wide(&pairs) {
        let name = &pairs[shared.target].0.name;
        let Some(mine) = run.iter_mut().find(|r| r.target.name == *name) else {
            continue;
        };
        if shared.same {
            mine.left_to.push((shared.address, shared.owner));
            continue;
        }
        if mine.loaded.is_err() {
            continue;
        }
        let what = if shared
            .address
            .starts_with(crate::kinds::role::ADDRESS_PREFIX)
        {
            "IAM roles are global to an account"
        } else {
            "ECR Public repositories belong to the account, whatever the region"
        };
        let resource = shared
            .address
            .rsplit('.')
            .next()
            .unwrap_or(&shared.address)
            .to_string();
        mine.loaded = Err(selection.problem(
            Some(ui),
            mine.target,
            mine.target.spans.name,
            format!(
                "it declares {} differently from target `{}` of the same account ({}): each apply would undo the other's",
                shared.address, shared.owner, mine.target.account_id
            ),
            Some(format!(
                "{what}: declare it the same way in every target of the account, or in one of them only, or name it per region (e.g. `{resource}-${{WHARF_REGION}}`)"
            )),
            None,
        ));
    }
    run
}

/// Leaves out of `plan` what an earlier target of the account plans (saying so), and the
/// deletes of what another target of the account and stack declares.
fn leave_to_owners(plan: &mut Plan, run: &LoadedTarget) {
    if run.left_to.is_empty() && run.kept_for.is_empty() {
        return;
    }
    let mut warnings = plan.warnings.clone();
    let changes: Vec<_> = plan
        .changes
        .iter()
        .filter(|change| {
            let address = &change.address;
            if let Some((_, owner)) = run.left_to.iter().find(|(a, _)| a == address) {
                warnings.push(format!(
                    "{address}: shared by every target of this account; target `{owner}` plans and applies it"
                ));
                return false;
            }
            // Expected in every multi-region fleet, so not worth a line in each report.
            !(change.action == crate::plan::ChangeAction::Delete
                && run.kept_for.iter().any(|(a, _)| a == address))
        })
        .cloned()
        .collect();
    *plan = Plan::new(&plan.stack, changes, warnings);
}

fn validate(ui: &Ui, args: &FleetArgs, global: &GlobalArgs) -> i32 {
    if global.region.is_some() {
        ui.error("--region does not apply to a fleet: each target names its region");
        return EXIT_ERROR;
    }
    let Some(selection) = select(ui, args) else {
        return EXIT_ERROR;
    };
    let targets = load_all(ui, &selection, global)
        .into_iter()
        .map(|run| match run.loaded {
            Ok(loaded) => TargetReport {
                stack: Some(loaded.manifest.stack.clone()),
                ..entry(run.target, Status::Valid)
            },
            Err(error) => TargetReport {
                error: Some(error),
                ..entry(run.target, Status::Error)
            },
        })
        .collect();
    let report = selection.report(FleetCommand::Validate, targets);
    ui.out(&render::render_fleet(
        &report,
        Format::Text,
        &Style { color: ui.color },
    ));
    report.exit_code(false)
}

/// How `plan_or_drift` runs.
struct Mode<'a> {
    command: FleetCommand,
    prune: bool,
    detailed: bool,
    out: Option<&'a Path>,
    stats: bool,
}

/// Plans every selected target (at most --concurrency at once) and reports.
pub(super) fn plan_all(
    ui: &Ui,
    global: &GlobalArgs,
    selection: &Selection,
    concurrency: usize,
    options: &PlanOptions,
) -> Vec<(
    TargetReport,
    Option<(LoadedManifest, fleet_ops::PlannedTarget)>,
)> {
    let base = base_connect(global);
    let loaded = load_all(ui, selection, global);
    let spinner = reading_spinner();
    spinner.set_message(format!(
        "reading AWS for {} target{} ...",
        selection.targets.len(),
        crate::diagnostics::plural(selection.targets.len())
    ));
    let planned = runtime().block_on(fleet_ops::each(loaded, concurrency, |run| {
        let base = &base;
        async move {
            let target = run.target;
            let result = match &run.loaded {
                Ok(manifest) => Some(
                    fleet_ops::plan_target(
                        &fleet_ops::connect_options(base, target),
                        target,
                        manifest,
                        options,
                    )
                    .await,
                ),
                Err(_) => None,
            };
            (target, result, run)
        }
    }));
    spinner.finish_and_clear();
    planned
        .into_iter()
        .map(|(target, result, run)| match (run.loaded.clone(), result) {
            (Err(error), _) => (
                TargetReport {
                    error: Some(error),
                    ..entry(target, Status::Error)
                },
                None,
            ),
            (Ok(loaded), Some(Ok(mut planned))) => {
                leave_to_owners(&mut planned.plan, &run);
                let mut after: Vec<String> =
                    run.left_to.iter().map(|(_, owner)| owner.clone()).collect();
                after.sort();
                after.dedup();
                (
                    TargetReport {
                        stack: Some(planned.plan.stack.clone()),
                        plan: Some(planned.plan.clone()),
                        after,
                        ..entry(target, Status::Clean)
                    },
                    Some((loaded, planned)),
                )
            }
            (Ok(loaded), Some(Err(problem))) => (
                TargetReport {
                    stack: Some(loaded.manifest.stack.clone()),
                    error: Some(failure(ui, selection, target, &loaded, problem)),
                    ..entry(target, Status::Error)
                },
                None,
            ),
            (Ok(_), None) => unreachable!("a loaded manifest is always planned"),
        })
        .collect()
}

fn plan_or_drift(
    ui: &Ui,
    global: &GlobalArgs,
    args: &FleetArgs,
    output: &FleetReportArgs,
    mode: Mode,
) -> i32 {
    if global.region.is_some() {
        ui.error("--region does not apply to a fleet: each target names its region");
        return EXIT_ERROR;
    }
    let Some(selection) = select(ui, args) else {
        return EXIT_ERROR;
    };
    let options = PlanOptions {
        prune: mode.prune,
        targets: Vec::new(),
        without_previews: mode.command == FleetCommand::Drift,
    };
    let results = plan_all(ui, global, &selection, args.concurrency as usize, &options);
    let changed = match mode.command {
        FleetCommand::Drift => Status::Drift,
        _ => Status::Changes,
    };
    let mut targets = Vec::new();
    for (target, (mut entry, planned)) in selection.targets.iter().zip(results) {
        if let Some((loaded, planned)) = planned {
            if let Some(plan) = &mut entry.plan {
                if mode.command == FleetCommand::Drift {
                    // As `wharf drift`: a lifecycle preview moves with the clock, not with drift.
                    for change in &mut plan.changes {
                        change.preview = None;
                    }
                }
                if !plan.is_empty() {
                    entry.status = changed;
                }
            }
            if mode.out.is_some() {
                entry.saved = Some(saved_target(target, &loaded, &planned, &options));
            }
            if mode.stats || ui.verbose > 0 {
                let _ = writeln!(
                    anstream::stderr(),
                    "{}: {}",
                    entry.name,
                    planned.aws.stats.summary()
                );
            }
        }
        targets.push(entry);
    }
    let report = selection.report(mode.command, targets);
    if let Some(path) = mode.out {
        if !write_json(ui, path, &report) {
            return EXIT_ERROR;
        }
        let _ = writeln!(
            anstream::stderr(),
            "Saved the fleet plan to {}; apply exactly it with `wharf fleet apply {}`.",
            path.display(),
            path.display()
        );
    }
    finish(ui, &report, output, args.shard.is_some(), mode.detailed)
}

/// Prints the report (and writes its JSON copy); the aggregated exit code.
pub(super) fn finish(
    ui: &Ui,
    report: &FleetReport,
    output: &FleetReportArgs,
    sharded: bool,
    detailed: bool,
) -> i32 {
    if let Some(path) = &output.report
        && !write_json(ui, path, &without_saved(report))
    {
        return EXIT_ERROR;
    }
    let format = output
        .format
        .unwrap_or(if sharded { Format::Json } else { Format::Text });
    ui.out(&render::render_fleet(
        &without_saved(report),
        format,
        &Style { color: ui.color },
    ));
    report.exit_code(detailed)
}

/// The report without what only a saved plan carries.
fn without_saved(report: &FleetReport) -> FleetReport {
    let mut report = report.clone();
    for target in &mut report.targets {
        target.saved = None;
    }
    report
}

pub(super) fn write_json(ui: &Ui, path: &Path, report: &FleetReport) -> bool {
    let text = serde_json::to_string_pretty(report).expect("a report serializes") + "\n";
    match std::fs::write(path, text) {
        Ok(()) => true,
        Err(e) => {
            ui.error(&format!("cannot write {}: {e}", path.display()));
            false
        }
    }
}

fn saved_target(
    target: &Target,
    loaded: &LoadedManifest,
    planned: &fleet_ops::PlannedTarget,
    options: &PlanOptions,
) -> crate::fleet::report::SavedTarget {
    use crate::plan::saved;
    let document = saved::save(
        &planned.plan,
        &saved::SaveInputs {
            loaded,
            account_id: &planned.live.account_id,
            region: &planned.live.region,
            prune: options.prune,
            targets: &options.targets,
            live: &planned.live,
        },
    );
    crate::fleet::report::SavedTarget {
        external_id: target.external_id.clone(),
        session_name: target.session_name(),
        context: document.saved,
    }
}

/// `wharf fleet report FILE...`: merges the JSON reports of one run's shards.
fn merge_reports(ui: &Ui, files: &[PathBuf], format: Format, detailed: bool) -> i32 {
    let mut reports = Vec::new();
    let mut unreadable = false;
    for path in files {
        let name = path.display().to_string();
        let parsed = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {name}: {e}"))
            .and_then(|text| {
                serde_json::from_str::<FleetReport>(&text)
                    .map_err(|e| format!("{name} is not a wharf fleet report: {e}"))
            });
        match parsed {
            Ok(report) => reports.push((name, report)),
            Err(message) => {
                ui.error(&message);
                unreadable = true;
            }
        }
    }
    if unreadable {
        return EXIT_ERROR;
    }
    match crate::fleet::report::merge(reports) {
        Ok(report) => {
            ui.out(&render::render_fleet(
                &without_saved(&report),
                format,
                &Style { color: ui.color },
            ));
            report.exit_code(detailed)
        }
        Err(problems) => {
            for problem in problems {
                ui.error(&problem);
            }
            ui.hint(
                "merge the reports of one run: every shard I/N of the same fleet file, each once",
            );
            EXIT_ERROR
        }
    }
}
