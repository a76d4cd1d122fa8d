//! Builds the plan from (manifest, live snapshot): PURE and deterministic. Each resource
//! kind contributes its changes; `--target` narrows the result; conflicts (a declared
//! resource that exists but is not ours) stop the plan.

use super::Plan;
use crate::kinds::Kind;
use crate::kinds::common::{Adoption, Conflict, Context, KindPlan};
use crate::kinds::pull_check;
use crate::live::LiveSnapshot;
use crate::manifest::model::Manifest;

#[derive(Clone, Debug, Default)]
pub struct PlanOptions {
    pub prune: bool,
    /// Addresses (with `*` wildcards) to restrict the plan to; empty means everything.
    pub targets: Vec<String>,
    /// Leave lifecycle impact previews out (and so their reads of images and of what uses
    /// them): `drift` reports drift, not what a rule would expire today.
    pub without_previews: bool,
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
    let mut all = KindPlan::default();
    macro_rules! plan_every_kind {
        ($($variant:ident $module:ident $operation:ident $kind:ident,)*) => {
            $(all.extend(<crate::kinds::$module::$kind as Kind>::plan(
                manifest,
                &ctx,
                live,
                options.prune,
                adoption,
            ));)*
        };
    }
    crate::with_kinds!(plan_every_kind);
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
            for dependency in dependencies(manifest, &targets[i]) {
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

/// Addresses the resource at `address` needs to exist first: what its manifest entry
/// names of this manifest (each kind says which of its fields refer to other kinds).
/// `--target` brings these along, as Terraform does.
pub fn dependencies(manifest: &Manifest, address: &str) -> Vec<String> {
    macro_rules! of_its_kind {
        ($($variant:ident $module:ident $operation:ident $kind:ident,)*) => {
            $(if let Some(name) = address.strip_prefix(crate::kinds::$module::operation::ENTRY.prefix) {
                return <crate::kinds::$module::$kind as Kind>::dependencies(manifest, name);
            })*
        };
    }
    crate::with_kinds!(of_its_kind);
    Vec::new()
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
    use super::{address_matches, dependencies};

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

    /// What `--target` brings along: each kind names what its entry refers to.
    #[test]
    fn dependencies_follow_the_manifest_references() {
        let source = "version: 1\nstack: shop\ndefaults:\n  repository: { pull: { roles: [ci] } }\niam:\n  roles:\n    exec: { assumedBy: [ecs-tasks.amazonaws.com] }\n    ci: { assumedBy: [ecs-tasks.amazonaws.com] }\nrepositories:\n  shop/web: {}\n  shop/own: { pull: { roles: [exec, \"arn:aws:iam::111122223333:role/x\"] } }\necs:\n  clusters: { shop: {} }\n  taskDefinitions:\n    web:\n      executionRole: exec\n      containerDefinitions: [ { name: web, image: nginx, memory: 256 } ]\n  services:\n    web: { cluster: shop, taskDefinition: web }\n    other: { cluster: \"arn:aws:ecs:eu-west-1:123456789012:cluster/elsewhere\", taskDefinition: \"web:3\" }\n";
        let loaded = crate::manifest::load("wharf.yaml", source, &Default::default())
            .unwrap_or_else(|f| panic!("{:#?}", f.diagnostics));
        let m = &loaded.manifest;
        let cases: &[(&str, &[&str])] = &[
            (
                "ecs.service.web",
                &["ecs.task_definition.web", "ecs.cluster.shop"],
            ),
            ("ecs.service.other", &[]),
            ("ecs.task_definition.web", &["iam.role.exec"]),
            ("ecr.repository.shop/web", &["iam.role.ci"]),
            ("ecr.repository.shop/own", &["iam.role.exec"]),
            ("iam.role.exec", &[]),
            ("ecs.service.missing", &[]),
        ];
        for (address, expected) in cases {
            assert_eq!(&dependencies(m, address), expected, "{address}");
        }
    }
}
