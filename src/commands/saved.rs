//! `wharf apply PLANFILE`: a saved plan, checked against the account, region and format it
//! was made for and against what AWS holds now (refused, before any write, when a
//! fingerprinted object moved), then applied exactly.

use super::*;

/// `wharf apply PLANFILE`: refuses a file of another format, account or region; re-reads
/// what the plan read and refuses, naming each object and field, if anything the plan
/// touches moved since; then applies exactly the saved changes.
pub(super) fn apply_saved(
    ui: &Ui,
    path: &Path,
    global: &GlobalArgs,
    allowed: ApplyOptions,
    auto_approve: bool,
    settings: &apply::ApplySettings,
    stats: bool,
) -> i32 {
    use crate::plan::saved;
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
        assume: None,
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
        let refusals = ops::plan::check_saved(&aws, &document).await?;
        Ok::<_, aws::AwsError>((aws, refusals))
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
    super::progress::run_apply(ui, &aws, plan, settings, stats)
}
