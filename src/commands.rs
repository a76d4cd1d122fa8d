//! One thin function per command (cargo's "commands wrap ops"): load the manifest, read
//! AWS, plan, then render or apply. Output goes through anstream so colour follows the
//! terminal, NO_COLOR and --no-color; plans go to stdout, diagnostics and errors to stderr.

use crate::apply::{self, ApplyOptions, Event, Outcome, StepReport};
use crate::aws::{self, Aws, ConnectOptions};
use crate::cli::{Cli, Command, GlobalArgs};
use crate::diagnostics::render_diagnostics;
use crate::live::LiveSnapshot;
use crate::manifest::{self, LoadedManifest, Variables};
use crate::ops;
use crate::plan::Plan;
use crate::plan::build::PlanOptions;
use crate::render::{self, Format, Style};
use crate::resources::Adoption;
use anstyle::{AnsiColor, Style as Paint};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

pub const EXIT_OK: i32 = 0;
pub const EXIT_ERROR: i32 = 1;
pub const EXIT_CHANGES: i32 = 2;
/// Apply stopped by SIGINT or SIGTERM (128 + SIGINT, the shell's convention).
pub const EXIT_INTERRUPTED: i32 = 130;
/// `lint`: an unsuppressed finding at or above the threshold. Not 2, so a script that
/// runs `drift` and `lint` can tell drift from findings.
pub const EXIT_FINDINGS: i32 = 3;

/// Output settings shared by every command.
struct Ui {
    color: bool,
    verbose: u8,
}

impl Ui {
    fn new(global: &GlobalArgs) -> Self {
        if global.no_color {
            anstream::ColorChoice::Never.write_global();
        }
        let color =
            anstream::AutoStream::choice(&std::io::stdout()) != anstream::ColorChoice::Never;
        Self {
            color,
            verbose: global.verbose,
        }
    }

    fn paint(&self, style: Paint, text: &str) -> String {
        if self.color {
            format!("{}{text}{}", style.render(), style.render_reset())
        } else {
            text.to_string()
        }
    }

    fn error(&self, message: &str) {
        let label = self.paint(AnsiColor::Red.on_default().bold(), "error:");
        let _ = writeln!(anstream::stderr(), "{label} {message}");
    }

    fn hint(&self, message: &str) {
        let label = self.paint(AnsiColor::Cyan.on_default().bold(), "hint:");
        let _ = writeln!(anstream::stderr(), "{label} {message}");
    }

    fn out(&self, text: &str) {
        let _ = write!(anstream::stdout(), "{text}");
        let _ = anstream::stdout().flush();
    }
}

pub fn run(cli: Cli) -> i32 {
    let ui = Ui::new(&cli.global);
    match &cli.command {
        Command::Schema => {
            ui.out(&manifest::schema::manifest_schema_text());
            EXIT_OK
        }
        Command::Completions { shell } => {
            let mut command = <Cli as clap::CommandFactory>::command();
            let mut script = Vec::new();
            clap_complete::generate(*shell, &mut command, "wharf", &mut script);
            ui.out(&String::from_utf8_lossy(&script));
            EXIT_OK
        }
        Command::Man { out_dir } => man_pages(&ui, out_dir.as_deref()),
        Command::Validate { manifest } => match load(&ui, &manifest.file, &cli.global) {
            Some(loaded) => {
                let m = &loaded.manifest;
                ui.out(&format!(
                    "{} is valid: stack `{}`, {}.\n",
                    loaded.file_name,
                    m.stack,
                    crate::kinds::inventory(m)
                ));
                EXIT_OK
            }
            None => EXIT_ERROR,
        },
        Command::Plan {
            manifest,
            format,
            detailed_exitcode,
            prune,
            targets,
            stats,
            out,
            adopt,
        } => {
            let options = PlanOptions {
                prune: *prune,
                targets: targets.clone(),
            };
            let Some(planned) =
                load_and_plan(&ui, &manifest.file, &cli.global, &options, adoption(*adopt))
            else {
                return EXIT_ERROR;
            };
            if let Some(path) = out
                && !save_plan(&ui, path, &planned, &options)
            {
                return EXIT_ERROR;
            }
            let Planned { aws, plan, .. } = planned;
            ui.out(&render::render(&plan, *format, &Style { color: ui.color }));
            if *stats || ui.verbose > 0 {
                let _ = writeln!(anstream::stderr(), "{}", aws.stats.summary());
            }
            if *detailed_exitcode && !plan.is_empty() {
                EXIT_CHANGES
            } else {
                EXIT_OK
            }
        }
        Command::Lint {
            manifest,
            format,
            fail_on,
            live,
        } => run_lint(&ui, manifest, &cli.global, *format, *fail_on, *live),
        Command::Drift {
            manifest,
            format,
            include_unmanaged,
        } => run_drift(
            &ui,
            &manifest.file,
            &cli.global,
            *format,
            *include_unmanaged,
        ),
        Command::Export(args) => run_export(&ui, args, &cli.global),
        Command::Apply {
            manifest,
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
        } => {
            // Refuse before any AWS call when nobody can answer the question.
            let interactive = std::io::stdin().is_terminal();
            if !auto_approve && !interactive {
                ui.error("standard input is not a terminal, so wharf cannot ask for confirmation");
                ui.hint("review with `wharf plan`, then run `wharf apply --auto-approve`");
                return EXIT_ERROR;
            }
            let settings = apply::ApplySettings {
                wait: !no_wait,
                wait_timeout: *wait_timeout,
                ..apply::ApplySettings::default()
            };
            let allowed = ApplyOptions {
                allow_replace: *allow_replace,
                allow_delete: *allow_delete,
            };
            if let Some(path) = plan_file {
                return apply_saved(
                    &ui,
                    path,
                    &cli.global,
                    allowed,
                    *auto_approve,
                    &settings,
                    *stats,
                );
            }
            let options = PlanOptions {
                prune: *prune,
                targets: targets.clone(),
            };
            let Some(Planned { aws, plan, .. }) =
                load_and_plan(&ui, &manifest.file, &cli.global, &options, adoption(*adopt))
            else {
                return EXIT_ERROR;
            };
            let style = Style { color: ui.color };
            if plan.is_empty() {
                ui.out(&render::render(&plan, Format::Text, &style));
                if *stats || ui.verbose > 0 {
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
                if *stats || ui.verbose > 0 {
                    let _ = writeln!(anstream::stderr(), "{}", aws.stats.summary());
                }
                return EXIT_ERROR;
            }
            if !auto_approve && !confirm(&ui) {
                ui.error("apply cancelled; nothing was changed");
                return EXIT_ERROR;
            }
            run_apply(&ui, &aws, &plan, &settings, *stats)
        }
    }
}

fn adoption(adopt: bool) -> Adoption {
    if adopt {
        Adoption::Adopt
    } else {
        Adoption::Refuse
    }
}

/// `wharf drift`: the plan with prune semantics, spoken of as drift. The exit code is about
/// the managed resources only (0 none, 2 drift, 1 error): `--include-unmanaged` lists
/// what no stack owns for information, and that list never fails a scheduled check.
fn run_drift(
    ui: &Ui,
    files: &[PathBuf],
    global: &GlobalArgs,
    format: Format,
    include_unmanaged: bool,
) -> i32 {
    let options = PlanOptions {
        prune: true,
        targets: Vec::new(),
    };
    let Some(Planned {
        aws,
        mut plan,
        live,
        loaded,
    }) = load_and_plan(ui, files, global, &options, Adoption::Refuse)
    else {
        return EXIT_ERROR;
    };
    // A lifecycle preview moves with the clock and with every push, not with drift; two
    // reports of the same drift must be identical for a scheduler to diff them.
    for change in &mut plan.changes {
        change.lifecycle_preview = None;
    }
    let unmanaged = if include_unmanaged {
        let mut found = live.unmanaged.clone();
        // The snapshot enumerated the services of wharf's clusters only.
        let spinner = reading_spinner();
        let services = runtime().block_on(aws::ecs::unmanaged_services_in(
            &aws,
            &found.clusters,
            &plan.stack,
        ));
        spinner.finish_and_clear();
        match services {
            Ok(services) => found.services.extend(services),
            Err(error) => {
                aws_error(ui, &error);
                return EXIT_ERROR;
            }
        }
        Some(crate::export::unmanaged::list(&loaded.manifest, &found))
    } else {
        None
    };
    ui.out(&render::render_drift_report(
        &plan,
        unmanaged.as_deref(),
        format,
        &Style { color: ui.color },
    ));
    if ui.verbose > 0 {
        let _ = writeln!(anstream::stderr(), "{}", aws.stats.summary());
    }
    if plan.is_empty() {
        EXIT_OK
    } else {
        EXIT_CHANGES
    }
}

/// `wharf export`: reads the selected resources and writes the manifest that describes
/// them, with notes on stderr about what was left out. Exit 0 written, 1 error.
fn run_export(ui: &Ui, args: &crate::cli::ExportArgs, global: &GlobalArgs) -> i32 {
    use crate::export::{self, Patterns, Selection};
    let patterns = |given: &[String]| {
        if args.all {
            Ok(Patterns::everything())
        } else {
            Patterns::new(given)
        }
    };
    let selection = (|| {
        Ok::<_, String>(Selection {
            repositories: patterns(&args.repositories)?,
            roles: patterns(&args.roles)?,
            clusters: patterns(&args.clusters)?,
            task_definitions: patterns(&args.task_definitions)?,
            services: patterns(&args.services)?,
            service_clusters: args.cluster.clone(),
            registry: args.registry || args.all,
            pull_through_cache: patterns(&args.pull_through_cache)?,
            creation_templates: patterns(&args.creation_templates)?,
        })
    })();
    let selection = match selection {
        Ok(selection) => selection,
        Err(message) => {
            ui.error(&message);
            return EXIT_ERROR;
        }
    };
    let connect = ConnectOptions {
        region: global.region.clone(),
        profile: global.profile.clone(),
        endpoint_url: global.endpoint_url.clone(),
    };
    let spinner = reading_spinner();
    let result = runtime().block_on(async {
        let aws = Aws::connect(&connect).await?;
        let account_id = aws.account_id().await?;
        let (live, notes) = aws::export::read(&aws, &account_id, &selection, &args.stack).await?;
        Ok::<_, aws::AwsError>((aws, live, notes))
    });
    spinner.finish_and_clear();
    let (aws, live, mut notes) = match result {
        Ok(read) => read,
        Err(error) => {
            aws_error(ui, &error);
            return EXIT_ERROR;
        }
    };
    let exported = export::manifest(&args.stack, &live);
    notes.extend(exported.notes);
    let comment = format!(
        "Exported by `wharf export` from account {}, region {}. Review it, then adopt with\n`wharf plan --adopt` and `wharf apply --adopt` (they add the tag wharf:stack={}).",
        live.account_id, live.region, args.stack
    );
    let text = match export::yaml::render(&exported.manifest, &args.schema, &[comment]) {
        Ok(text) => text,
        Err(message) => {
            ui.error(&message);
            return EXIT_ERROR;
        }
    };
    for note in &notes {
        let label = ui.paint(AnsiColor::Yellow.on_default().bold(), "note:");
        let _ = writeln!(anstream::stderr(), "{label} {note}");
    }
    let m = &exported.manifest;
    let nothing =
        m.repositories.is_empty() && m.iam.is_empty() && m.ecs.is_empty() && m.registry.is_empty();
    if nothing {
        ui.hint("nothing matched the selection; the manifest declares no resources");
    }
    if let Some(path) = &args.out {
        if let Err(e) = std::fs::write(path, &text) {
            ui.error(&format!("cannot write {}: {e}", path.display()));
            return EXIT_ERROR;
        }
        let _ = writeln!(anstream::stderr(), "Wrote {}.", path.display());
    } else {
        ui.out(&text);
    }
    if ui.verbose > 0 {
        let _ = writeln!(anstream::stderr(), "{}", aws.stats.summary());
    }
    EXIT_OK
}

fn confirm(ui: &Ui) -> bool {
    ui.out("\nDo you want to apply these changes? Only 'yes' will be accepted: ");
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer).is_ok() && answer.trim() == "yes"
}

fn run_apply(ui: &Ui, aws: &Aws, plan: &Plan, settings: &apply::ApplySettings, stats: bool) -> i32 {
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

/// The manual: wharf(1) on stdout, or one page per command written into `out_dir`.
fn man_pages(ui: &Ui, out_dir: Option<&Path>) -> i32 {
    let command = <Cli as clap::CommandFactory>::command();
    let render = |command: clap::Command| {
        let mut page = Vec::new();
        clap_mangen::Man::new(command)
            .render(&mut page)
            .map(|()| page)
    };
    let Some(dir) = out_dir else {
        return match render(command) {
            Ok(page) => {
                ui.out(&String::from_utf8_lossy(&page));
                EXIT_OK
            }
            Err(e) => {
                ui.error(&format!("cannot render the manual: {e}"));
                EXIT_ERROR
            }
        };
    };
    let mut pages = vec![("wharf.1".to_string(), command.clone())];
    for sub in command.get_subcommands() {
        let name = format!("wharf-{}", sub.get_name());
        pages.push((format!("{name}.1"), sub.clone().name(name)));
    }
    for (file, page) in pages {
        let path = dir.join(&file);
        let written = render(page).and_then(|text| std::fs::write(&path, text));
        if let Err(e) = written {
            ui.error(&format!("cannot write {}: {e}", path.display()));
            return EXIT_ERROR;
        }
    }
    ui.out(&format!("wrote the manual pages into {}\n", dir.display()));
    EXIT_OK
}

/// SIGINT or SIGTERM during apply: the first lets the calls in flight finish and starts
/// no new one; a second quits at once.
async fn watch_for_interruptions() {
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

async fn next_signal(terminate: &mut Option<tokio::signal::unix::Signal>) {
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

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime starts")
    })
}

/// Loads and validates the manifest (several files are laid over one another, later
/// ones winning), printing every diagnostic. None when it is invalid.
fn load(ui: &Ui, paths: &[PathBuf], global: &GlobalArgs) -> Option<LoadedManifest> {
    let mut files = Vec::new();
    for path in paths {
        let file_name = path.display().to_string();
        match std::fs::read_to_string(path) {
            Ok(text) => files.push((file_name, text)),
            Err(e) => {
                ui.error(&format!("cannot read {file_name}: {e}"));
                if path == Path::new("wharf.yaml") {
                    ui.hint("run wharf in the directory that holds wharf.yaml, or pass -f FILE");
                }
                return None;
            }
        }
    }
    let vars = Variables {
        cli: global.vars.iter().cloned().collect(),
        environment: std::env::vars().collect(),
    };
    let sources = manifest::Sources::new(files);
    match manifest::load_sources(sources.clone(), &vars) {
        Ok(loaded) => {
            if !loaded.warnings.is_empty() {
                let _ = write!(
                    anstream::stderr(),
                    "{}",
                    render_diagnostics(&loaded.sources, &loaded.warnings, ui.color)
                );
            }
            // Logo files are the manifest's only inputs on disk: checked once it is valid.
            if let Err(problems) = crate::logo::read_all(&loaded) {
                let _ = write!(
                    anstream::stderr(),
                    "{}",
                    render_diagnostics(&loaded.sources, &problems, ui.color)
                );
                return None;
            }
            Some(loaded)
        }
        Err(failure) => {
            let _ = write!(
                anstream::stderr(),
                "{}",
                render_diagnostics(&sources, &failure.diagnostics, ui.color)
            );
            None
        }
    }
}

/// A plan and what it was made from.
struct Planned {
    loaded: LoadedManifest,
    aws: Aws,
    plan: Plan,
    live: LiveSnapshot,
}

fn load_and_plan(
    ui: &Ui,
    path: &[PathBuf],
    global: &GlobalArgs,
    options: &PlanOptions,
    adoption: Adoption,
) -> Option<Planned> {
    let loaded = load(ui, path, global)?;
    let manifest = &loaded.manifest;
    let connect = connect_options(ui, global, manifest)?;
    let spinner = reading_spinner();
    let result = runtime().block_on(async {
        let aws = Aws::connect(&connect).await?;
        let (plan, live) = ops::plan::plan(&aws, &loaded, options, adoption).await?;
        Ok::<_, aws::AwsError>((aws, plan, live))
    });
    spinner.finish_and_clear();
    match result {
        Ok((aws, Ok(plan), live)) => Some(Planned {
            loaded,
            aws,
            plan,
            live,
        }),
        Ok((_, Err(conflicts), _)) => {
            report_conflicts(ui, &loaded, &conflicts);
            None
        }
        Err(error) => {
            aws_error(ui, &error);
            None
        }
    }
}

/// Refusals that needed live data, each at the manifest node it is about (file, line
/// and column, as `validate` reports), or by address when the manifest has no such node
/// (an owned resource being pruned).
fn report_conflicts(
    ui: &Ui,
    loaded: &manifest::LoadedManifest,
    conflicts: &[crate::resources::Conflict],
) {
    let mut located = Vec::new();
    for conflict in conflicts {
        let exact = conflict
            .pointer
            .as_ref()
            .filter(|p| loaded.spans.contains(p));
        let resource = crate::resources::manifest_pointer(&conflict.address)
            .filter(|p| loaded.spans.contains(p));
        let span = match (exact, resource) {
            (Some(pointer), _) => loaded.spans.at(pointer),
            (None, Some(pointer)) => loaded.spans.key(&pointer),
            (None, None) => {
                ui.error(&format!("{}: {}", conflict.address, conflict.message));
                ui.hint(&conflict.hint);
                continue;
            }
        };
        located.push(
            crate::diagnostics::Diagnostic::error(
                span,
                format!("{}: {}", conflict.address, conflict.message),
            )
            .with_hint(conflict.hint.clone()),
        );
    }
    if !located.is_empty() {
        let _ = write!(
            anstream::stderr(),
            "{}",
            render_diagnostics(&loaded.sources, &located, ui.color)
        );
    }
}

/// Writes the saved plan (`plan --out`); false when it cannot.
fn save_plan(ui: &Ui, path: &Path, planned: &Planned, options: &PlanOptions) -> bool {
    use crate::plan::saved;
    let document = saved::save(
        &planned.plan,
        &saved::SaveInputs {
            loaded: &planned.loaded,
            account_id: &planned.live.account_id,
            region: &planned.live.region,
            prune: options.prune,
            targets: &options.targets,
            live: &planned.live,
        },
    );
    let text = serde_json::to_string_pretty(&document).expect("a saved plan serializes") + "\n";
    match std::fs::write(path, text) {
        Ok(()) => {
            let _ = writeln!(
                anstream::stderr(),
                "Saved the plan to {}; apply exactly it with `wharf apply {}`.",
                path.display(),
                path.display()
            );
            true
        }
        Err(e) => {
            ui.error(&format!("cannot write {}: {e}", path.display()));
            false
        }
    }
}

/// `wharf apply PLANFILE`: refuses a file of another format, account or region; re-reads
/// what the plan read and refuses, naming each object and field, if anything the plan
/// touches moved since; then applies exactly the saved changes.
fn apply_saved(
    ui: &Ui,
    path: &Path,
    global: &GlobalArgs,
    allowed: ApplyOptions,
    auto_approve: bool,
    settings: &apply::ApplySettings,
    stats: bool,
) -> i32 {
    use crate::plan::{fingerprint, saved};
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) => {
            ui.error(&format!("cannot read {}: {e}", path.display()));
            return EXIT_ERROR;
        }
    };
    let decoded = serde_json::from_str::<serde_json::Value>(&text)
        .map_err(|e| format!("{} is not a plan file: {e}", path.display()))
        .and_then(|raw| saved::check_format(&raw).map(|()| raw))
        .and_then(|raw| {
            serde_json::from_value::<saved::SavedPlan>(raw)
                .map_err(|e| format!("{} is not a plan file wharf can read: {e}", path.display()))
        });
    let document = match decoded {
        Ok(document) => document,
        Err(message) => {
            ui.error(&message);
            return EXIT_ERROR;
        }
    };
    let context = &document.saved;
    // The region comes from --region or the configuration chain, as for every command; a
    // plan for another region is refused below. Only when none is configured at all does
    // the plan's own region serve.
    let configured = ConnectOptions {
        region: global.region.clone(),
        profile: global.profile.clone(),
        endpoint_url: global.endpoint_url.clone(),
    };
    let fallback = ConnectOptions {
        region: Some(context.region.clone()),
        ..configured.clone()
    };
    let spinner = reading_spinner();
    let checked = runtime().block_on(async {
        let aws = match Aws::connect(&configured).await {
            Err(e) if e.message == aws::NO_REGION => Aws::connect(&fallback).await?,
            connected => connected?,
        };
        let account_id = aws.account_id().await?;
        let elsewhere = saved::check_target(context, &account_id, &aws.region);
        if !elsewhere.is_empty() {
            return Ok((aws, elsewhere));
        }
        let mut live =
            aws::read_snapshot(&aws, &context.manifest, &account_id, context.prune).await?;
        // The plan read image counts of what it destroys; read them again to compare.
        ops::plan::read_image_counts(&aws, &mut live, &document.plan.changes).await?;
        let now = fingerprint::fingerprints(&live);
        Ok::<_, aws::AwsError>((aws, saved::stale(&document, &now)))
    });
    spinner.finish_and_clear();
    let (aws, refusals) = match checked {
        Ok(checked) => checked,
        Err(error) => {
            aws_error(ui, &error);
            return EXIT_ERROR;
        }
    };
    if !refusals.is_empty() {
        for refusal in &refusals {
            ui.error(refusal);
        }
        ui.hint("nothing was changed");
        return EXIT_ERROR;
    }
    let plan = &document.plan;
    ui.out(&format!(
        "Applying the plan saved in {} (from {}, {}; account {}, region {}).\n\n",
        path.display(),
        context.manifest_files.join(" + "),
        context.manifest_digest,
        context.account_id,
        context.region
    ));
    ui.out(&render::render(
        plan,
        Format::Text,
        &Style { color: ui.color },
    ));
    if plan.is_empty() {
        return EXIT_OK;
    }
    let refused = apply::refusals(plan, allowed);
    if !refused.is_empty() {
        for refusal in &refused {
            ui.error(refusal);
        }
        ui.hint("nothing was changed");
        return EXIT_ERROR;
    }
    if !auto_approve && !confirm(ui) {
        ui.error("apply cancelled; nothing was changed");
        return EXIT_ERROR;
    }
    run_apply(ui, &aws, plan, settings, stats)
}

/// Where to connect: --region and the manifest's region must agree.
fn connect_options(
    ui: &Ui,
    global: &GlobalArgs,
    manifest: &manifest::Manifest,
) -> Option<ConnectOptions> {
    let region = match (&global.region, &manifest.region) {
        (Some(flag), Some(declared)) if flag != declared => {
            ui.error(&format!(
                "--region {flag} disagrees with the manifest's region {declared}"
            ));
            return None;
        }
        (Some(r), _) | (None, Some(r)) => Some(r.clone()),
        (None, None) => None,
    };
    Some(ConnectOptions {
        region,
        profile: global.profile.clone(),
        endpoint_url: global.endpoint_url.clone(),
    })
}

fn aws_error(ui: &Ui, error: &aws::AwsError) {
    ui.error(&error.message);
    let limits = aws::CallLimits::from_env();
    let code = error.code.as_deref().unwrap_or_default();
    if code.contains("Throttl") || error.message.contains("Rate exceeded") {
        ui.hint(&format!(
            "AWS kept throttling this call; wharf tried it {} times with backing-off delays (WHARF_AWS_MAX_ATTEMPTS raises the bound)",
            limits.max_attempts
        ));
    }
    if error.message.to_lowercase().contains("timeout") || error.message.contains("timed out") {
        ui.hint(&format!(
            "a call got no answer within {}s (per attempt, {} attempts); check the network or endpoint, or raise WHARF_AWS_ATTEMPT_TIMEOUT",
            limits.attempt_timeout.as_secs(),
            limits.max_attempts
        ));
    }
    if error.message.contains("dispatch failure") || error.message.contains("connect") {
        ui.hint("check the endpoint and network; with a local emulator, pass --endpoint-url or set AWS_ENDPOINT_URL");
    }
    if error.message.contains("credentials") {
        ui.hint("configure credentials: AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or --profile");
    }
}

/// `wharf lint`: the manifest's findings, and with `--live` those of what AWS holds.
fn run_lint(
    ui: &Ui,
    args: &crate::cli::ManifestArg,
    global: &GlobalArgs,
    format: crate::lint::Format,
    fail_on: Option<crate::lint::FailOn>,
    with_live: bool,
) -> i32 {
    use crate::lint;
    let Some(loaded) = load(ui, &args.file, global) else {
        return EXIT_ERROR;
    };
    let manifest = &loaded.manifest;
    let live = if with_live {
        let Some(connect) = connect_options(ui, global, manifest) else {
            return EXIT_ERROR;
        };
        let spinner = reading_spinner();
        let result = runtime().block_on(async {
            let aws = Aws::connect(&connect).await?;
            let account_id = ops::plan::guarded_account(&aws, manifest).await?;
            // Owned resources the manifest dropped are linted too.
            aws::read_snapshot(&aws, manifest, &account_id, true).await
        });
        spinner.finish_and_clear();
        match result {
            Ok(live) => Some(live),
            Err(error) => {
                aws_error(ui, &error);
                return EXIT_ERROR;
            }
        }
    } else {
        None
    };
    let report = lint::lint(&lint::Input {
        manifest,
        spans: &loaded.spans,
        sources: &loaded.sources,
        live: live.as_ref(),
        options: lint::Options::new(manifest, fail_on),
    });
    ui.out(&match format {
        lint::Format::Text => lint::text::render(&report, ui.color),
        lint::Format::Json => lint::json::render(&report),
        lint::Format::Sarif => {
            let cwd = std::env::current_dir().unwrap_or_default();
            lint::sarif::render(&report, &|file| {
                lint::sarif::artifact_uri(Path::new(file), &cwd)
            })
        }
    });
    if report.failing() > 0 {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    }
}

/// A spinner on stderr while AWS is read; indicatif draws nothing when stderr is not a
/// terminal, so CI logs and pipes stay clean.
fn reading_spinner() -> indicatif::ProgressBar {
    let spinner = indicatif::ProgressBar::new_spinner();
    spinner.set_message("reading AWS ...");
    spinner.enable_steady_tick(std::time::Duration::from_millis(120));
    spinner
}
