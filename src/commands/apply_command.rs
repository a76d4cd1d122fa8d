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
    pub allow_expire_in_use: bool,
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
        allow_expire_in_use,
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
        allow_expire_in_use,
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
        without_previews: false,
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
    super::progress::run_apply(ui, &aws, &plan, &settings, stats)
}
