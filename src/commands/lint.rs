//! `wharf lint`: security findings over the manifest and, with `--live`, over AWS.

use super::*;

/// `wharf lint`: the manifest's findings, and with `--live` those of what AWS holds.
pub(super) fn run_lint(
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
            let mut live = aws::snapshot::read_snapshot(&aws, manifest, &account_id, true).await?;
            // A registry policy's scope (WHARF-ECR-009), unless accountSettings read it.
            let read = live.registry.account_settings.as_ref();
            if manifest.registry.policy.is_some()
                && !read.is_some_and(|s| s.contains_key("REGISTRY_POLICY_SCOPE"))
                && let Some(scope) = crate::kinds::registry::io::read_policy_scope(&aws).await?
            {
                live.registry
                    .account_settings
                    .get_or_insert_with(Default::default)
                    .insert("REGISTRY_POLICY_SCOPE".to_string(), scope);
            }
            let in_use = ops::plan::lifecycle_in_use(&aws, manifest, &live).await?;
            Ok::<_, aws::AwsError>((live, in_use))
        });
        spinner.finish_and_clear();
        match result {
            Ok((live, in_use)) => Some((live, in_use)),
            Err(error) => {
                aws_error(ui, &error);
                return EXIT_ERROR;
            }
        }
    } else {
        None
    };
    let (live, in_use) = match live {
        Some((live, in_use)) => (Some(live), in_use),
        None => (None, Vec::new()),
    };
    let report = lint::lint(&lint::Input {
        manifest,
        spans: &loaded.spans,
        sources: &loaded.sources,
        live: live.as_ref(),
        in_use: &in_use,
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
