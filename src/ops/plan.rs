//! The planning pipeline every command and the tests share: read live AWS for the
//! manifest, build the plan (pure), then read what only the plan shows is needed — the
//! image counts of repositories it would destroy (and build again with them), lifecycle
//! impact previews (with the images in use they would expire), image tags that are not
//! pushed, autoscaling that would fight a declared `desiredCount` — and add them to it.
//! I/O lives here, in `aws` and in the kinds' `io.rs`; every decision stays in the pure
//! planner.

use crate::aws::{self, Aws, AwsError};
use crate::kinds::common::{Adoption, Conflict};
use crate::kinds::repository;
use crate::live::LiveSnapshot;
use crate::manifest::{self, LoadedManifest};
use crate::plan::build::{self, PlanOptions};
use crate::plan::{Change, Plan};
use std::collections::BTreeMap;

/// A plan, or the refusals that stopped it.
pub type Planned = Result<Plan, Vec<Conflict>>;

/// Reads AWS for the loaded manifest and plans: the pipeline `plan`, `apply` and `drift`
/// run. Returns the plan (or the refusals) and the snapshot it was made from.
pub async fn plan(
    aws: &Aws,
    loaded: &LoadedManifest,
    options: &PlanOptions,
    adoption: Adoption,
) -> Result<(Planned, LiveSnapshot), AwsError> {
    let manifest = &loaded.manifest;
    let account_id = guarded_account(aws, manifest).await?;
    let mut live = aws::snapshot::read_snapshot(aws, manifest, &account_id, options.prune).await?;
    // The logos' digests (checked by `load`; one that fails now is left alone, with a warning).
    live.logo_files = crate::logo::read_all(loaded).unwrap_or_default();
    let mut planned = build::build_with(manifest, &live, options, adoption);
    if let Ok(first) = &planned
        && read_image_counts(aws, &mut live, &first.changes).await?
    {
        planned = build::build_with(manifest, &live, options, adoption);
    }
    let planned = with_previews(aws, manifest, &live, planned, options).await?;
    Ok((planned, live))
}

/// Reads the image counts of the repositories `changes` would destroy into `live`;
/// false when there are none (nothing read).
pub async fn read_image_counts(
    aws: &Aws,
    live: &mut LiveSnapshot,
    changes: &[Change],
) -> Result<bool, AwsError> {
    let destroyed = repository::destroyed_names(changes);
    if destroyed.is_empty() {
        return Ok(false);
    }
    let counts = crate::kinds::repository::io::image_counts(aws, destroyed).await?;
    annotate_counts(live, counts);
    Ok(true)
}

/// Why a saved plan cannot be applied as it is: another account or region than it was
/// made for, or objects it read that moved since (each named with its field). Empty when
/// it still holds. Re-reads exactly what the plan read.
pub async fn check_saved(
    aws: &Aws,
    document: &crate::plan::saved::SavedPlan,
) -> Result<Vec<String>, AwsError> {
    use crate::plan::{fingerprint, saved};
    let context = &document.saved;
    let account_id = aws.account_id().await?;
    let elsewhere = saved::check_target(context, &account_id, &aws.region);
    if !elsewhere.is_empty() {
        return Ok(elsewhere);
    }
    let mut live =
        aws::snapshot::read_snapshot(aws, &context.manifest, &account_id, context.prune).await?;
    // The plan read image counts of what it destroys; read them again to compare.
    read_image_counts(aws, &mut live, &document.plan.changes).await?;
    let now = fingerprint::fingerprints(&live);
    Ok(saved::stale(document, &now))
}

/// The account the credentials are for, refusing one the manifest's accountId excludes.
pub async fn guarded_account(aws: &Aws, manifest: &manifest::Manifest) -> Result<String, AwsError> {
    let account_id = aws.account_id().await?;
    if let Some(expected) = &manifest.account_id
        && *expected != account_id
    {
        return Err(AwsError::new(format!(
            "the credentials are for account {account_id}, but the manifest is for account {expected}; refusing to touch it"
        )));
    }
    Ok(account_id)
}

/// Adds lifecycle impact previews to changes of existing repositories' rules.
async fn with_previews(
    aws: &Aws,
    manifest: &manifest::Manifest,
    live: &LiveSnapshot,
    plan: Planned,
    options: &PlanOptions,
) -> Result<Planned, AwsError> {
    let Ok(mut plan) = plan else {
        return Ok(plan);
    };
    image_tag_warnings(aws, manifest, live, &mut plan).await?;
    autoscaling_warnings(aws, manifest, live, &mut plan).await?;
    let names = repository::lifecycle_preview_names(&plan.changes);
    if names.is_empty() || options.without_previews {
        return Ok(Ok(plan));
    }
    // What uses an image now: only read when a lifecycle policy changes.
    let (images, used) = images_and_uses(aws, manifest, live, names).await?;
    repository::attach_lifecycle_previews(&mut plan.changes, live, &images, &used, now());
    Ok(Ok(plan))
}

/// The seconds since the epoch: when lifecycle rules are evaluated.
fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Each repository's images, by name.
type Images = BTreeMap<String, Vec<crate::documents::lifecycle_preview::ImageInfo>>;
/// Each repository's digests in use, with who uses them.
type Used = BTreeMap<String, BTreeMap<String, Vec<String>>>;

/// The images of the named repositories, and which of their digests something uses now:
/// what lifecycle rules are evaluated against.
async fn images_and_uses(
    aws: &Aws,
    manifest: &manifest::Manifest,
    live: &LiveSnapshot,
    names: Vec<String>,
) -> Result<(Images, Used), AwsError> {
    // The repositories' URIs, which image references name them by.
    let uris: BTreeMap<String, String> = names
        .iter()
        .filter_map(|name| live.repositories.get(name))
        .filter(|r| !r.uri.is_empty())
        .map(|r| (r.name.clone(), r.uri.clone()))
        .collect();
    let images = crate::kinds::repository::io::images_for_preview(aws, names).await?;
    let mut uses = crate::ops::in_use::image_uses(aws).await?;
    uses.extend(crate::ops::in_use::manifest_uses(manifest, &uris));
    let used = repository::in_use::used_digests(&uses, &uris, &images);
    Ok((images, used))
}

/// For `lint --live`: per repository with a lifecycle policy in place, the images in use
/// it would expire or archive now. Reads images and uses only when some repository has
/// a policy.
pub async fn lifecycle_in_use(
    aws: &Aws,
    manifest: &manifest::Manifest,
    live: &LiveSnapshot,
) -> Result<Vec<(String, Vec<crate::plan::InUseImage>)>, AwsError> {
    let policies: Vec<(String, serde_json::Value)> = live
        .repositories
        .values()
        .filter_map(|r| {
            let text = r.lifecycle_policy.as_deref()?;
            Some((
                r.name.clone(),
                crate::kinds::common::parse_live_document(text),
            ))
        })
        .collect();
    if policies.is_empty() {
        return Ok(Vec::new());
    }
    let names: Vec<String> = policies.iter().map(|(n, _)| n.clone()).collect();
    let (images, used) = images_and_uses(aws, manifest, live, names).await?;
    let now = now();
    Ok(policies
        .into_iter()
        .filter_map(|(name, policy)| {
            let preview = crate::documents::lifecycle_preview::evaluate(
                &policy,
                images.get(&name).map(Vec::as_slice).unwrap_or_default(),
                now,
            )
            .ok()?;
            let threatened = repository::in_use::threatened(&preview.expired, used.get(&name));
            (!threatened.is_empty()).then_some((name, threatened))
        })
        .collect())
}

/// Warns when a task definition names an image tag its repository does not hold: the
/// deployment would fail to pull it. Repositories this plan creates are skipped.
async fn image_tag_warnings(
    aws: &Aws,
    manifest: &manifest::Manifest,
    live: &LiveSnapshot,
    plan: &mut Plan,
) -> Result<(), AwsError> {
    let touched = plan.changes.iter().any(|c| {
        c.address
            .starts_with(crate::kinds::task_definition::ADDRESS_PREFIX)
    });
    if !touched {
        return Ok(());
    }
    let manifest_refs = crate::kinds::task_definition::tagged_image_references(manifest);
    let references: Vec<(String, String)> = manifest_refs
        .iter()
        .filter(|(_, repo, _)| live.repositories.contains_key(repo))
        .map(|(_, repo, tag)| (repo.clone(), tag.clone()))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let missing = crate::kinds::repository::io::missing_image_tags(aws, references).await?;
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
/// scales it (a target registered outside the manifest): each would undo the other.
async fn autoscaling_warnings(
    aws: &Aws,
    manifest: &manifest::Manifest,
    live: &LiveSnapshot,
    plan: &mut Plan,
) -> Result<(), AwsError> {
    let resource_ids = manifest
        .ecs
        .services
        .iter()
        .filter(|(_, service)| service.contains_key("desiredCount"))
        .filter_map(|(name, _)| live.services.get(name))
        .map(|s| crate::kinds::autoscaling::resource_id(&s.cluster, &s.name))
        .collect::<std::collections::BTreeSet<_>>();
    if resource_ids.is_empty() {
        return Ok(());
    }
    for (name, target) in
        crate::kinds::autoscaling::io::describe_targets(aws, &resource_ids).await?
    {
        plan.warnings.push(format!(
            "ecs.service.{name}: desiredCount is declared, and Application Auto Scaling also scales this service ({} to {} tasks); the two will fight: leave desiredCount out, or declare the scaling in the service's `autoScaling` block",
            target.min_capacity, target.max_capacity
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
