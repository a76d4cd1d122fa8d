//! `wharf export`: a manifest of existing resources, to adopt them.

use super::*;

/// `wharf export`: reads the selected resources and writes the manifest that describes
/// them, with notes on stderr about what was left out. Exit 0 written, 1 error.
pub(super) fn run_export(ui: &Ui, args: &crate::cli::ExportArgs, global: &GlobalArgs) -> i32 {
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
            capacity_providers: patterns(&args.capacity_providers)?,
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
        assume: None,
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
