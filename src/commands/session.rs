//! What most commands do first: load the manifest (printing its diagnostics), connect,
//! and run the planning pipeline (`ops::plan`), reporting refusals at their manifest line
//! and AWS errors with what was retried.

use super::*;

/// Loads and validates the manifest (several files are laid over one another, later
/// ones winning), printing every diagnostic. None when it is invalid.
pub(super) fn load(ui: &Ui, paths: &[PathBuf], global: &GlobalArgs) -> Option<LoadedManifest> {
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
/// A plan made from the manifest, with the connection and snapshot it came from.
pub(super) struct Planned {
    pub(super) loaded: LoadedManifest,
    pub(super) aws: Aws,
    pub(super) plan: Plan,
    pub(super) live: LiveSnapshot,
}

pub(super) fn load_and_plan(
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
pub(super) fn report_conflicts(
    ui: &Ui,
    loaded: &manifest::LoadedManifest,
    conflicts: &[crate::kinds::common::Conflict],
) {
    let (located, unlocated) = locate_conflicts(loaded, conflicts);
    for conflict in unlocated {
        ui.error(&format!("{}: {}", conflict.address, conflict.message));
        ui.hint(&conflict.hint);
    }
    if !located.is_empty() {
        let _ = write!(
            anstream::stderr(),
            "{}",
            render_diagnostics(&loaded.sources, &located, ui.color)
        );
    }
}

/// The refusals as diagnostics at their manifest nodes, and those the manifest has no
/// node for.
pub(super) fn locate_conflicts<'a>(
    loaded: &manifest::LoadedManifest,
    conflicts: &'a [crate::kinds::common::Conflict],
) -> (
    Vec<crate::diagnostics::Diagnostic>,
    Vec<&'a crate::kinds::common::Conflict>,
) {
    let mut located = Vec::new();
    let mut unlocated = Vec::new();
    for conflict in conflicts {
        let exact = conflict
            .pointer
            .as_ref()
            .filter(|p| loaded.spans.contains(p));
        let resource =
            crate::kinds::manifest_pointer(&conflict.address).filter(|p| loaded.spans.contains(p));
        let span = match (exact, resource) {
            (Some(pointer), _) => loaded.spans.at(pointer),
            (None, Some(pointer)) => loaded.spans.key(&pointer),
            (None, None) => {
                unlocated.push(conflict);
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
    (located, unlocated)
}

/// Where to connect: --region and the manifest's region must agree.
pub(super) fn connect_options(
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
        assume: None,
    })
}

pub(super) fn aws_error(ui: &Ui, error: &aws::AwsError) {
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

/// A spinner on stderr while AWS is read; indicatif draws nothing when stderr is not a
/// terminal, so CI logs and pipes stay clean.
pub(super) fn reading_spinner() -> indicatif::ProgressBar {
    let spinner = indicatif::ProgressBar::new_spinner();
    spinner.set_message("reading AWS ...");
    spinner.enable_steady_tick(std::time::Duration::from_millis(120));
    spinner
}
