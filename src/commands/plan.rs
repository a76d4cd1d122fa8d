//! `wharf plan`: the plan rendered as text, JSON or Markdown, saved with `--out`.

use super::*;

/// What `wharf plan` was asked for.
pub(super) struct Args<'a> {
    pub format: Format,
    pub detailed_exitcode: bool,
    pub prune: bool,
    pub targets: &'a [String],
    pub stats: bool,
    pub out: Option<&'a Path>,
    pub adopt: bool,
}

/// `wharf plan`: plans, saves the plan when asked, and renders it.
pub(super) fn run(ui: &Ui, files: &[PathBuf], global: &GlobalArgs, args: Args) -> i32 {
    let Args {
        format,
        detailed_exitcode,
        prune,
        targets,
        stats,
        out,
        adopt,
    } = args;
    let options = PlanOptions {
        prune,
        targets: targets.to_vec(),
        without_previews: false,
    };
    let Some(planned) = load_and_plan(ui, files, global, &options, adoption(adopt)) else {
        return EXIT_ERROR;
    };
    if let Some(path) = out
        && !save_plan(ui, path, &planned, &options)
    {
        return EXIT_ERROR;
    }
    let Planned { aws, plan, .. } = planned;
    ui.out(&render::render(&plan, format, &Style { color: ui.color }));
    if stats || ui.verbose > 0 {
        let _ = writeln!(anstream::stderr(), "{}", aws.stats.summary());
        let _ = writeln!(anstream::stderr(), "{}", aws.stats.reads_summary());
    }
    if detailed_exitcode && !plan.is_empty() {
        EXIT_CHANGES
    } else {
        EXIT_OK
    }
}

/// Writes the saved plan (`plan --out`); false when it cannot.
pub(super) fn save_plan(ui: &Ui, path: &Path, planned: &Planned, options: &PlanOptions) -> bool {
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
