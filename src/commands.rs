//! One thin function per command (cargo's "commands wrap ops"): load the manifest, read
//! AWS, plan, then render or apply. Output goes through anstream so colour follows the
//! terminal, NO_COLOR and --no-color; plans go to stdout, diagnostics and errors to stderr.

use crate::apply::{self, ApplyOptions, Event, Outcome, StepReport};
use crate::aws::{self, Aws, ConnectOptions};
use crate::cli::{Cli, Command, GlobalArgs};
use crate::diagnostics::render_diagnostics;
use crate::live::LiveSnapshot;
use crate::manifest::{self, LoadedManifest, Variables};
use crate::plan::Plan;
use crate::plan::build::{self, PlanOptions};
use crate::render::{self, Format, Style};
use crate::resources::repository;
use anstyle::{AnsiColor, Style as Paint};
use std::io::{IsTerminal, Write};
use std::path::Path;

pub const EXIT_OK: i32 = 0;
pub const EXIT_ERROR: i32 = 1;
pub const EXIT_CHANGES: i32 = 2;

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
        Command::Validate { manifest } => match load(&ui, &manifest.file, &cli.global) {
            Some(loaded) => {
                let m = &loaded.manifest;
                let counts = [
                    counted(m.repositories.len(), "repository", "repositories"),
                    counted(m.iam.roles.len(), "role", "roles"),
                    counted(m.ecs.clusters.len(), "cluster", "clusters"),
                    counted(
                        m.ecs.task_definitions.len(),
                        "task definition",
                        "task definitions",
                    ),
                    counted(m.ecs.services.len(), "service", "services"),
                ];
                ui.out(&format!(
                    "{} is valid: stack `{}`, {}.\n",
                    loaded.file_name,
                    m.stack,
                    counts.join(", ")
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
        } => {
            let options = PlanOptions {
                prune: *prune,
                targets: targets.clone(),
            };
            let Some((_, aws, plan)) = load_and_plan(&ui, &manifest.file, &cli.global, &options)
            else {
                return EXIT_ERROR;
            };
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
        Command::Drift { manifest, format } => {
            let options = PlanOptions {
                prune: true,
                targets: Vec::new(),
            };
            let Some((_, aws, plan)) = load_and_plan(&ui, &manifest.file, &cli.global, &options)
            else {
                return EXIT_ERROR;
            };
            ui.out(&render::render_drift(
                &plan,
                *format,
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
        Command::Apply {
            manifest,
            auto_approve,
            prune,
            allow_replace,
            allow_delete,
            targets,
            stats,
            no_wait,
            wait_timeout,
        } => {
            // Refuse before any AWS call when nobody can answer the question.
            let interactive = std::io::stdin().is_terminal();
            if !auto_approve && !interactive {
                ui.error("standard input is not a terminal, so wharf cannot ask for confirmation");
                ui.hint("review with `wharf plan`, then run `wharf apply --auto-approve`");
                return EXIT_ERROR;
            }
            let options = PlanOptions {
                prune: *prune,
                targets: targets.clone(),
            };
            let Some((_, aws, plan)) = load_and_plan(&ui, &manifest.file, &cli.global, &options)
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
            let refusals = apply::refusals(
                &plan,
                ApplyOptions {
                    allow_replace: *allow_replace,
                    allow_delete: *allow_delete,
                },
            );
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
            let settings = apply::ApplySettings {
                wait: !no_wait,
                wait_timeout: *wait_timeout,
                ..apply::ApplySettings::default()
            };
            run_apply(&ui, &aws, &plan, &settings, *stats)
        }
    }
}

fn counted(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
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
            Outcome::NotAttempted => return,
        };
        ui.out(&line);
    };
    let report = runtime().block_on(apply::apply(aws, plan, settings, &progress));
    let done = report.count(|o| *o == Outcome::Done);
    let not_attempted = report.count(|o| *o == Outcome::NotAttempted);
    let code = if report.failed() {
        ui.out("\nApply failed.\n");
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
                Outcome::NotAttempted => ui.out(&format!("  not attempted: {}\n", step.address)),
            }
        }
        ui.hint("fix the cause and run apply again; it picks up from what AWS now holds");
        EXIT_ERROR
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

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime starts")
    })
}

/// Loads and validates the manifest, printing every diagnostic. None when it is invalid.
fn load(ui: &Ui, path: &Path, global: &GlobalArgs) -> Option<LoadedManifest> {
    let file_name = path.display().to_string();
    let source = match std::fs::read_to_string(path) {
        Ok(s) => s,
        Err(e) => {
            ui.error(&format!("cannot read {file_name}: {e}"));
            if path == Path::new("wharf.yaml") {
                ui.hint("run wharf in the directory that holds wharf.yaml, or pass -f FILE");
            }
            return None;
        }
    };
    let vars = Variables {
        cli: global.vars.iter().cloned().collect(),
        environment: std::env::vars().collect(),
    };
    match manifest::load(&file_name, &source, &vars) {
        Ok(loaded) => {
            if !loaded.warnings.is_empty() {
                let _ = write!(
                    anstream::stderr(),
                    "{}",
                    render_diagnostics(&file_name, &source, &loaded.warnings, ui.color)
                );
            }
            Some(loaded)
        }
        Err(failure) => {
            let _ = write!(
                anstream::stderr(),
                "{}",
                render_diagnostics(&file_name, &source, &failure.diagnostics, ui.color)
            );
            None
        }
    }
}

fn load_and_plan(
    ui: &Ui,
    path: &Path,
    global: &GlobalArgs,
    options: &PlanOptions,
) -> Option<(LoadedManifest, Aws, Plan)> {
    let loaded = load(ui, path, global)?;
    let manifest = &loaded.manifest;
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
    let connect = ConnectOptions {
        region,
        profile: global.profile.clone(),
        endpoint_url: global.endpoint_url.clone(),
    };
    let spinner = reading_spinner();
    let result = runtime().block_on(async {
        let aws = Aws::connect(&connect).await?;
        let account_id = aws.account_id().await?;
        if let Some(expected) = &manifest.account_id
            && *expected != account_id {
                return Err(aws::AwsError::new(format!(
                    "the credentials are for account {account_id}, but the manifest is for account {expected}; refusing to touch it"
                )));
            }
        let find_owned = options.prune;
        let mut live = aws::read_snapshot(&aws, manifest, &account_id, find_owned).await?;
        let first = build::build(manifest, &live, options);
        if let Ok(plan) = &first {
            let destroyed = repository::destroyed_names(&plan.changes);
            if !destroyed.is_empty() {
                let counts = aws::ecr::image_counts(&aws, destroyed).await?;
                annotate_counts(&mut live, counts);
                let second = build::build(manifest, &live, options);
                let previewed = with_previews(&aws, manifest, &live, second).await?;
                return Ok((aws, previewed));
            }
        }
        let previewed = with_previews(&aws, manifest, &live, first).await?;
        Ok((aws, previewed))
    });
    spinner.finish_and_clear();
    match result {
        Ok((aws, Ok(plan))) => Some((loaded, aws, plan)),
        Ok((_, Err(conflicts))) => {
            for conflict in conflicts {
                ui.error(&format!("{}: {}", conflict.address, conflict.message));
                ui.hint(&conflict.hint);
            }
            None
        }
        Err(error) => {
            ui.error(&error.message);
            if error.message.contains("dispatch failure") || error.message.contains("connect") {
                ui.hint("check the endpoint and network; with a local emulator, pass --endpoint-url or set AWS_ENDPOINT_URL");
            }
            if error.message.contains("credentials") {
                ui.hint("configure credentials: AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or --profile");
            }
            None
        }
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

/// Adds lifecycle impact previews to changes of existing repositories' rules.
async fn with_previews(
    aws: &Aws,
    manifest: &manifest::Manifest,
    live: &LiveSnapshot,
    plan: Result<Plan, Vec<crate::resources::Conflict>>,
) -> Result<Result<Plan, Vec<crate::resources::Conflict>>, aws::AwsError> {
    let Ok(mut plan) = plan else {
        return Ok(plan);
    };
    image_tag_warnings(aws, manifest, live, &mut plan).await?;
    autoscaling_warnings(aws, manifest, live, &mut plan).await?;
    let names = repository::lifecycle_preview_names(&plan.changes);
    if names.is_empty() {
        return Ok(Ok(plan));
    }
    let images = aws::ecr::images_for_preview(aws, names).await?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    repository::attach_lifecycle_previews(&mut plan.changes, live, &images, now);
    Ok(Ok(plan))
}

/// Warns when a task definition names an image tag its repository does not hold: the
/// deployment would fail to pull it. Repositories this plan creates are skipped.
async fn image_tag_warnings(
    aws: &Aws,
    manifest: &manifest::Manifest,
    live: &LiveSnapshot,
    plan: &mut Plan,
) -> Result<(), aws::AwsError> {
    let touched = plan.changes.iter().any(|c| {
        c.address
            .starts_with(crate::resources::task_definition::ADDRESS_PREFIX)
    });
    if !touched {
        return Ok(());
    }
    let manifest_refs = crate::resources::task_definition::tagged_image_references(manifest);
    let references: Vec<(String, String)> = manifest_refs
        .iter()
        .filter(|(_, repo, _)| live.repositories.contains_key(repo))
        .map(|(_, repo, tag)| (repo.clone(), tag.clone()))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let missing = aws::ecr::missing_image_tags(aws, references).await?;
    for (family, repo, tag) in &manifest_refs {
        if missing.contains(&(repo.clone(), tag.clone())) {
            plan.warnings.push(format!(
                "ecs.task_definition.{family}: image {repo}:{tag} is not in the repository (push it before the service deploys, or the tasks cannot start)"
            ));
        }
    }
    Ok(())
}

/// Warns when a service declares desiredCount while Application Auto Scaling also
/// scales it: each would undo the other.
async fn autoscaling_warnings(
    aws: &Aws,
    manifest: &manifest::Manifest,
    live: &LiveSnapshot,
    plan: &mut Plan,
) -> Result<(), aws::AwsError> {
    let resource_ids: Vec<String> = manifest
        .ecs
        .services
        .iter()
        .filter(|(_, service)| service.contains_key("desiredCount"))
        .filter_map(|(name, _)| live.services.get(name))
        .map(|s| format!("service/{}/{}", s.cluster, s.name))
        .collect();
    if resource_ids.is_empty() {
        return Ok(());
    }
    for (resource, (min, max)) in aws::ecs::scalable_targets(aws, resource_ids).await? {
        let name = resource.rsplit('/').next().unwrap_or(&resource);
        plan.warnings.push(format!(
            "ecs.service.{name}: desiredCount is declared, and Application Auto Scaling also scales this service ({min} to {max} tasks); the two will fight, so leave desiredCount out to let autoscaling decide"
        ));
    }
    Ok(())
}

fn annotate_counts(live: &mut LiveSnapshot, counts: std::collections::BTreeMap<String, u64>) {
    for (name, count) in counts {
        if let Some(repo) = live.repositories.get_mut(&name) {
            repo.image_count = Some(count);
        }
    }
}
