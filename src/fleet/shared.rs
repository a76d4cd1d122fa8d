//! What targets of one account share, PURE. IAM roles are global to an account (IAM has
//! no regions), and ECR Public repositories live in us-east-1 whatever the region: two
//! targets of one account in two regions that both declare role `X` manage one role. When
//! they declare it identically, the first target in the fleet file plans and applies it
//! and the others leave it out of their plans (saying who owns it); when they declare it
//! differently, each apply would undo the other's, so the later targets are refused,
//! naming the role and the target it conflicts with.

use super::Target;
use crate::kinds::common::Context;
use crate::kinds::role;
use crate::manifest::Manifest;
use std::collections::BTreeMap;

/// One account-wide resource a later target shares with an earlier one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shared {
    /// The later target (index into the list given to `account_wide`).
    pub target: usize,
    /// `iam.role.NAME` or `ecr.public_repository.NAME`.
    pub address: String,
    /// The first target of the account that declares it.
    pub owner: String,
    /// Declared the same way as the owner does: dropped from the later plan. Otherwise a
    /// conflict that refuses the later target.
    pub same: bool,
}

/// The account-wide resources declared by more than one target of an account, for each
/// target after the first that declares it. `targets` are in fleet order.
pub fn account_wide(targets: &[(&Target, &Manifest)]) -> Vec<Shared> {
    let no_keys = BTreeMap::new();
    // (account, address) → (owner's name, what the owner declares)
    let mut first: BTreeMap<(String, String), (String, Declared)> = BTreeMap::new();
    let mut out = Vec::new();
    for (i, (target, manifest)) in targets.iter().enumerate() {
        let ctx = Context {
            account_id: &target.account_id,
            region: &target.region,
            kms_keys: &no_keys,
        };
        let mut declared: Vec<(String, Declared)> = manifest
            .iam
            .roles
            .iter()
            .map(|(name, r)| {
                (
                    role::references::address(name),
                    Declared::Role(Box::new(role::desired(manifest, &ctx, name, r))),
                )
            })
            .collect();
        for (name, repo) in manifest.public_repositories.iter().flatten() {
            declared.push((
                format!("{}{name}", crate::kinds::public_repository::ADDRESS_PREFIX),
                Declared::Public(Box::new((repo.clone(), manifest.defaults.tags.clone()))),
            ));
        }
        for (address, what) in declared {
            let key = (target.account_id.clone(), address.clone());
            match first.get(&key) {
                None => {
                    first.insert(key, (target.name.clone(), what));
                }
                Some((owner, theirs)) => out.push(Shared {
                    target: i,
                    address,
                    owner: owner.clone(),
                    same: *theirs == what,
                }),
            }
        }
    }
    out
}

/// For each target, the account-wide resources that other targets of its account and
/// stack declare, by address, with the first such target's name. Such a resource is owned
/// by the stack (its tag) but absent from this target's manifests: it is not drift and
/// must not be pruned here. `targets` are in fleet order.
pub fn declared_by_others(targets: &[(&Target, &Manifest)]) -> Vec<BTreeMap<String, String>> {
    let addresses = |manifest: &Manifest| -> Vec<String> {
        let roles = manifest
            .iam
            .roles
            .keys()
            .map(|n| role::references::address(n));
        let public = manifest
            .public_repositories
            .iter()
            .flatten()
            .map(|(n, _)| format!("{}{n}", crate::kinds::public_repository::ADDRESS_PREFIX));
        roles.chain(public).collect()
    };
    targets
        .iter()
        .map(|(target, manifest)| {
            let mine = addresses(manifest);
            let mut others = BTreeMap::new();
            for (other, theirs) in targets {
                if other.name == target.name
                    || other.account_id != target.account_id
                    || theirs.stack != manifest.stack
                {
                    continue;
                }
                for address in addresses(theirs) {
                    if !mine.contains(&address) {
                        others.entry(address).or_insert_with(|| other.name.clone());
                    }
                }
            }
            others
        })
        .collect()
}

/// What a target declares of an account-wide resource, as it would be applied.
#[derive(Clone, Debug, PartialEq)]
enum Declared {
    Role(Box<role::DesiredRole>),
    Public(
        Box<(
            crate::manifest::model::PublicRepository,
            BTreeMap<String, String>,
        )>,
    ),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(name: &str, account: &str, region: &str) -> Target {
        Target {
            name: name.to_string(),
            index: 0,
            account_id: account.to_string(),
            region: region.to_string(),
            role_arn: None,
            external_id: None,
            session_name: None,
            manifests: Vec::new(),
            vars: BTreeMap::new(),
            spans: Default::default(),
        }
    }

    fn manifest(role_yaml: &str) -> Manifest {
        let text = format!(
            "version: 1\nstack: shop\nrepositories:\n  shop/web: {{}}\niam:\n  roles:\n{role_yaml}"
        );
        crate::manifest::load("m.yaml", &text, &Default::default())
            .expect("valid")
            .manifest
    }

    #[test]
    fn the_same_role_in_two_regions_is_planned_by_the_first_target() {
        let m = manifest("    deploy:\n      assumedBy: [ecs-tasks.amazonaws.com]\n");
        let (eu, us) = (
            target("eu", "111111111111", "eu-west-1"),
            target("us", "111111111111", "us-east-1"),
        );
        let other = target("other", "222222222222", "us-east-1");
        let shared = account_wide(&[(&eu, &m), (&us, &m), (&other, &m)]);
        assert_eq!(
            shared,
            [Shared {
                target: 1,
                address: "iam.role.deploy".to_string(),
                owner: "eu".to_string(),
                same: true,
            }]
        );
    }

    #[test]
    fn roles_another_target_of_the_account_and_stack_declares_are_not_ours_to_prune() {
        let eu_manifest = manifest("    pull-eu:\n      assumedBy: [ecs-tasks.amazonaws.com]\n");
        let us_manifest = manifest("    pull-us:\n      assumedBy: [ecs-tasks.amazonaws.com]\n");
        let (eu, us) = (
            target("eu", "111111111111", "eu-west-1"),
            target("us", "111111111111", "us-east-1"),
        );
        let other = target("other", "222222222222", "us-east-1");
        let found = declared_by_others(&[
            (&eu, &eu_manifest),
            (&us, &us_manifest),
            (&other, &us_manifest),
        ]);
        assert_eq!(
            found[0].get("iam.role.pull-us").map(String::as_str),
            Some("us")
        );
        assert_eq!(
            found[1].get("iam.role.pull-eu").map(String::as_str),
            Some("eu")
        );
        assert!(found[2].is_empty(), "another account shares nothing");
    }

    #[test]
    fn a_pull_policy_names_the_region_so_the_role_differs() {
        let m = manifest(
            "    pull:\n      assumedBy: [ecs-tasks.amazonaws.com]\n      pullFrom: [shop/web]\n",
        );
        let (eu, us) = (
            target("eu", "111111111111", "eu-west-1"),
            target("us", "111111111111", "us-east-1"),
        );
        let shared = account_wide(&[(&eu, &m), (&us, &m)]);
        assert_eq!(shared.len(), 1);
        assert!(
            !shared[0].same,
            "each region's pull policy names its own repositories"
        );
    }
}
