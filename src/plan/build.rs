//! Builds the plan from (manifest, live snapshot): PURE and deterministic. Each resource
//! kind contributes its changes; `--target` narrows the result; conflicts (a declared
//! resource that exists but is not ours) stop the plan.

use super::Plan;
use crate::kinds::cluster;
use crate::kinds::creation_template;
use crate::kinds::pull_through_cache;
use crate::kinds::registry;
use crate::kinds::repository;
use crate::kinds::role;
use crate::kinds::service;
use crate::kinds::task_definition;
use crate::live::LiveSnapshot;
use crate::manifest::Manifest;
use crate::resources::{Adoption, Conflict, Context, KindPlan, pull_check};

#[derive(Clone, Debug, Default)]
pub struct PlanOptions {
    pub prune: bool,
    /// Addresses (with `*` wildcards) to restrict the plan to; empty means everything.
    pub targets: Vec<String>,
}

pub fn build(
    manifest: &Manifest,
    live: &LiveSnapshot,
    options: &PlanOptions,
) -> Result<Plan, Vec<Conflict>> {
    build_with(manifest, live, options, Adoption::Refuse)
}

/// `build`, adopting (`--adopt`) declared resources that exist without any ownership tag.
pub fn build_with(
    manifest: &Manifest,
    live: &LiveSnapshot,
    options: &PlanOptions,
    adoption: Adoption,
) -> Result<Plan, Vec<Conflict>> {
    let ctx = Context {
        account_id: &live.account_id,
        region: &live.region,
        kms_keys: &live.kms_keys,
    };
    let prune = options.prune;
    let mut all = KindPlan::default();
    all.extend(role::plan_with(manifest, &ctx, live, prune, adoption));
    all.extend(registry::plan(manifest, &ctx, live, options.prune));
    all.extend(pull_through_cache::plan(
        manifest,
        &ctx,
        live,
        options.prune,
    ));
    if prune && let Some(reason) = &live.ledger_unreadable {
        all.warnings.push(format!(
            "the ownership ledger could not be read ({reason}); pull through cache rules and creation templates wharf created are not pruned"
        ));
    }
    all.extend(creation_template::plan(manifest, &ctx, live, options.prune));
    all.extend(repository::plan_with(manifest, &ctx, live, prune, adoption));
    all.extend(crate::kinds::public_repository::plan_with(
        manifest, &ctx, live, prune, adoption,
    ));
    all.extend(cluster::plan_with(manifest, &ctx, live, prune, adoption));
    all.extend(task_definition::plan_with(
        manifest, &ctx, live, prune, adoption,
    ));
    all.extend(service::plan_with(manifest, &ctx, live, prune, adoption));
    all.warnings.extend(pull_check::check(manifest, &ctx));
    let KindPlan {
        mut changes,
        warnings,
        mut conflicts,
    } = all;
    if !options.targets.is_empty() {
        // A target brings what it depends on (Terraform's rule): deploying a service
        // also registers its task definition, which brings its roles.
        let mut targets = options.targets.clone();
        let mut i = 0;
        while i < targets.len() {
            for dependency in crate::resources::dependencies(manifest, &targets[i]) {
                if !targets.contains(&dependency) {
                    targets.push(dependency);
                }
            }
            i += 1;
        }
        changes.retain(|c| targets.iter().any(|t| address_matches(t, &c.address)));
        conflicts.retain(|c| targets.iter().any(|t| address_matches(t, &c.address)));
    }
    if !conflicts.is_empty() {
        return Err(conflicts);
    }
    Ok(Plan::new(&manifest.stack, changes, warnings))
}

/// `ecr.repository.shop/*` matches `ecr.repository.shop/web`; a bare kind prefix such as
/// `ecr.repository` matches every repository.
pub fn address_matches(pattern: &str, address: &str) -> bool {
    if pattern == address || address.starts_with(&format!("{pattern}.")) {
        return true;
    }
    if pattern.contains('*') {
        return globset::GlobBuilder::new(pattern)
            .literal_separator(false)
            .build()
            .map(|g| g.compile_matcher().is_match(address))
            .unwrap_or(false);
    }
    false
}

#[cfg(test)]
mod tests {
    use super::address_matches;

    #[test]
    fn target_matching() {
        assert!(address_matches(
            "ecr.repository.shop/web",
            "ecr.repository.shop/web"
        ));
        assert!(address_matches(
            "ecr.repository.shop/*",
            "ecr.repository.shop/web"
        ));
        assert!(address_matches("ecr.repository", "ecr.repository.shop/web"));
        assert!(!address_matches(
            "ecr.repository.shop/api",
            "ecr.repository.shop/web"
        ));
        assert!(!address_matches(
            "ecr.repository.shop",
            "ecr.repository.shop/web"
        ));
    }
}
