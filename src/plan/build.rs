//! Builds the plan from (manifest, live snapshot): PURE and deterministic. Each resource
//! kind contributes its changes; `--target` narrows the result; conflicts (a declared
//! resource that exists but is not ours) stop the plan.

use super::Plan;
use crate::live::LiveSnapshot;
use crate::manifest::Manifest;
use crate::resources::{
    Conflict, Context, KindPlan, cluster, pull_check, repository, role, service, task_definition,
};

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
    let ctx = Context {
        account_id: &live.account_id,
        region: &live.region,
        kms_keys: &live.kms_keys,
    };
    let mut all = KindPlan::default();
    all.extend(role::plan(manifest, &ctx, live, options.prune));
    all.extend(repository::plan(manifest, &ctx, live, options.prune));
    all.extend(cluster::plan(manifest, &ctx, live, options.prune));
    all.extend(task_definition::plan(manifest, &ctx, live, options.prune));
    all.extend(service::plan(manifest, &ctx, live, options.prune));
    all.warnings.extend(pull_check::check(manifest, &ctx));
    let KindPlan {
        mut changes,
        warnings,
        mut conflicts,
    } = all;
    if !options.targets.is_empty() {
        changes.retain(|c| {
            options
                .targets
                .iter()
                .any(|t| address_matches(t, &c.address))
        });
        conflicts.retain(|c| {
            options
                .targets
                .iter()
                .any(|t| address_matches(t, &c.address))
        });
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
