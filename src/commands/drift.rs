//! `wharf drift`: the plan with prune semantics, reported as drift.

use super::*;

/// `wharf drift`: the plan with prune semantics, spoken of as drift. The exit code is about
/// the managed resources only (0 none, 2 drift, 1 error): `--include-unmanaged` lists
/// what no stack owns for information, and that list never fails a scheduled check.
pub(super) fn run_drift(
    ui: &Ui,
    files: &[PathBuf],
    global: &GlobalArgs,
    format: Format,
    include_unmanaged: bool,
) -> i32 {
    let options = PlanOptions {
        prune: true,
        targets: Vec::new(),
        without_previews: true,
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
        change.preview = None;
    }
    let unmanaged = if include_unmanaged {
        let mut found = live.unmanaged.clone();
        // The snapshot enumerated the services of wharf's clusters only.
        let spinner = reading_spinner();
        let services = runtime().block_on(crate::kinds::service::io::unmanaged_services_in(
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
