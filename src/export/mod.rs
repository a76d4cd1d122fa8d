//! Adoption, PURE: turns live AWS objects into the manifest that describes them
//! (`wharf export`), minimal and idiomatic — what AWS holds at its defaults is left out,
//! documents take wharf's short forms when those compile back to exactly the live
//! document — so that planning the exported manifest against the same account shows
//! nothing but the ownership tags `--adopt` adds. Also lists what no stack owns
//! (`drift --include-unmanaged`). Reading the account is `aws::export`'s job.

pub mod ecs;
pub mod lifecycle;
pub mod scope;
pub mod unmanaged;
pub mod yaml;

use crate::kinds::common::OWNERSHIP_TAG;
use crate::live::LiveSnapshot;
use crate::manifest::model::{Ecs, Iam, Manifest, Registry};
pub use scope::{Scope, user_tags};
use std::collections::BTreeMap;

/// Name patterns with `*` wildcards (`shop/*`); `*` also matches `/`.
#[derive(Clone, Debug, Default)]
pub struct Patterns(Vec<globset::GlobMatcher>);

impl Patterns {
    pub fn new(patterns: &[String]) -> Result<Self, String> {
        patterns
            .iter()
            .map(|p| {
                globset::GlobBuilder::new(p)
                    .literal_separator(false)
                    .build()
                    .map(|g| g.compile_matcher())
                    .map_err(|e| format!("`{p}` is not a valid pattern: {e}"))
            })
            .collect::<Result<_, _>>()
            .map(Self)
    }

    /// Everything (`--all`).
    pub fn everything() -> Self {
        Self::new(&["*".to_string()]).expect("`*` is a pattern")
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn matches(&self, name: &str) -> bool {
        self.0.iter().any(|g| g.is_match(name))
    }
}

/// What `wharf export` reads and writes.
#[derive(Clone, Debug, Default)]
pub struct Selection {
    pub repositories: Patterns,
    pub roles: Patterns,
    pub clusters: Patterns,
    pub capacity_providers: Patterns,
    pub task_definitions: Patterns,
    pub services: Patterns,
    /// The clusters to look for services in (none: the exported clusters, else all).
    pub service_clusters: Vec<String>,
    /// Scanning, replication and the registry policy.
    pub registry: bool,
    pub pull_through_cache: Patterns,
    pub creation_templates: Patterns,
}

/// The manifest, and notes for the reader (what was left out, and why).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Exported {
    pub manifest: Manifest,
    pub notes: Vec<String>,
}

/// The manifest for stack `stack` of what `live` holds (exactly the selected objects, as
/// `aws::export` read them). Objects another stack owns are left out, with a note.
pub fn manifest(stack: &str, live: &LiveSnapshot) -> Exported {
    let mut notes = Vec::new();
    let mut ours = |address: String, tags: &BTreeMap<String, String>| match tags.get(OWNERSHIP_TAG)
    {
        Some(owner) if owner != stack => {
            notes.push(format!(
                "{address} belongs to wharf stack `{owner}`; left out"
            ));
            false
        }
        _ => true,
    };
    let repositories: Vec<_> = live
        .repositories
        .values()
        .filter(|r| ours(crate::kinds::repository::address(&r.name), &r.tags))
        .collect();
    let roles: Vec<_> = live
        .roles
        .values()
        .filter(|r| ours(crate::kinds::role::address(&r.name), &r.tags))
        .collect();
    let clusters: Vec<_> = live
        .clusters
        .values()
        .filter(|c| ours(crate::kinds::cluster::address(&c.name), &c.tags))
        .collect();
    let capacity_providers: Vec<_> = live
        .capacity_providers
        .values()
        .filter(|p| ours(crate::kinds::capacity_provider::address(&p.name), &p.tags))
        .collect();
    let families: Vec<_> = live
        .task_definitions
        .values()
        .filter(|t| ours(crate::kinds::task_definition::address(&t.family), &t.tags))
        .collect();
    let services: Vec<_> = live
        .services
        .values()
        .filter(|s| ours(crate::kinds::service::address(&s.name), &s.tags))
        .collect();

    let scope = Scope {
        account_id: live.account_id.clone(),
        region: live.region.clone(),
        roles: roles
            .iter()
            .map(|r| (r.name.clone(), r.path.clone()))
            .collect(),
        repositories: repositories
            .iter()
            .filter(|r| !r.uri.is_empty())
            .map(|r| (r.name.clone(), r.uri.clone()))
            .collect(),
        families: families
            .iter()
            .map(|t| (t.family.clone(), t.revision))
            .collect(),
    };
    let mut manifest = Manifest {
        version: 1,
        stack: stack.to_string(),
        repositories: repositories
            .iter()
            .map(|r| {
                (
                    r.name.clone(),
                    crate::kinds::repository::export::repository(r, &scope),
                )
            })
            .collect(),
        registry: Registry {
            scanning: crate::kinds::registry::export::scanning(&live.registry),
            replication: crate::kinds::registry::export::replication(&live.registry, &scope),
            policy: crate::kinds::registry::export::policy(&live.registry),
            signing: crate::kinds::registry::export::signing(&live.registry),
            enhanced_scanning: crate::kinds::registry::export::enhanced_scanning(&live.registry),
            account_settings: crate::kinds::registry::export::account_settings(&live.registry),
            pull_time_update_exclusions: crate::kinds::registry::export::exclusions(&live.registry),
            pull_through_cache: live
                .pull_through_cache_rules
                .iter()
                .map(|(prefix, rule)| {
                    (
                        prefix.clone(),
                        crate::kinds::pull_through_cache::export::pull_through_cache_rule(rule),
                    )
                })
                .collect(),
            creation_templates: live
                .creation_templates
                .iter()
                .map(|(prefix, t)| {
                    (
                        prefix.clone(),
                        crate::kinds::creation_template::export::creation_template(t, &scope),
                    )
                })
                .collect(),
        },
        ..Manifest::default()
    };
    // Roles after repositories: `pullFrom` names exported repositories.
    let mut exported_roles = BTreeMap::new();
    for live_role in roles {
        let (entry, note) = crate::kinds::role::export::role(live_role, &scope, &manifest);
        notes.extend(note);
        exported_roles.insert(live_role.name.clone(), entry);
    }
    manifest.iam = Iam {
        roles: exported_roles,
    };
    manifest.ecs = Ecs {
        clusters: clusters
            .iter()
            .map(|c| (c.name.clone(), crate::kinds::cluster::export::cluster(c)))
            .collect(),
        capacity_providers: capacity_providers
            .iter()
            .map(|p| {
                (
                    p.name.clone(),
                    crate::kinds::capacity_provider::export::capacity_provider(p),
                )
            })
            .collect(),
        task_definitions: families
            .iter()
            .map(|t| {
                (
                    t.family.clone(),
                    crate::kinds::task_definition::export::task_definition(t, &scope),
                )
            })
            .collect(),
        services: services
            .iter()
            .map(|s| {
                let mut entry = crate::kinds::service::export::service(s, &scope);
                // Autoscaling owns the count of a service it scales: the block says it.
                if let Some(target) = live.scalable_targets.get(&s.name) {
                    let (block, scaling_notes) =
                        crate::kinds::autoscaling::export::auto_scaling(&s.name, target);
                    notes.extend(scaling_notes);
                    entry.remove("desiredCount");
                    entry.insert("autoScaling".into(), block);
                }
                (s.name.clone(), entry)
            })
            .collect(),
    };
    Exported { manifest, notes }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn patterns_match_names_with_slashes() {
        let p = Patterns::new(&["shop/*".to_string(), "api".to_string()]).unwrap();
        assert!(p.matches("shop/web"));
        assert!(p.matches("shop/a/b"));
        assert!(p.matches("api"));
        assert!(!p.matches("other/web"));
        assert!(Patterns::new(&["[".to_string()]).is_err());
    }

    #[test]
    fn principals_and_references() {
        let scope = Scope {
            account_id: "123456789012".into(),
            region: "eu-west-1".into(),
            roles: BTreeMap::from([("ci".to_string(), "/build/".to_string())]),
            repositories: BTreeMap::from([(
                "shop/web".to_string(),
                "123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/web".to_string(),
            )]),
            ..Scope::default()
        };
        assert_eq!(
            scope.account_of_root("arn:aws:iam::111122223333:root"),
            Some("111122223333".into())
        );
        assert_eq!(
            scope.account_of_root("111122223333"),
            Some("111122223333".into())
        );
        assert_eq!(
            scope.account_of_root("arn:aws:iam::111122223333:role/x"),
            None
        );
        assert_eq!(
            scope.role_reference("arn:aws:iam::123456789012:role/build/ci"),
            "ci"
        );
        assert_eq!(
            scope.role_reference("arn:aws:iam::123456789012:role/ci"),
            "arn:aws:iam::123456789012:role/ci"
        );
        assert_eq!(
            scope.image_reference("123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/web:v1"),
            Some(json!({"repository": "shop/web", "tag": "v1"}))
        );
        assert_eq!(
            scope
                .image_reference("123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/web@sha256:ab"),
            Some(json!({"repository": "shop/web", "digest": "sha256:ab"}))
        );
        assert_eq!(
            scope.image_reference("123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/web2:v1"),
            None
        );
        assert_eq!(scope.image_reference("nginx:1.27"), None);
    }

    #[test]
    fn another_stacks_objects_are_left_out_with_a_note() {
        let mut live = LiveSnapshot {
            account_id: "123456789012".into(),
            region: "eu-west-1".into(),
            ..LiveSnapshot::default()
        };
        for (name, owner) in [
            ("mine", Some("shop")),
            ("free", None),
            ("theirs", Some("other")),
        ] {
            live.repositories.insert(
                name.into(),
                crate::live::LiveRepository {
                    name: name.into(),
                    image_tag_mutability: "MUTABLE".into(),
                    encryption_type: "AES256".into(),
                    tags: owner
                        .map(|o| BTreeMap::from([(OWNERSHIP_TAG.to_string(), o.to_string())]))
                        .unwrap_or_default(),
                    ..Default::default()
                },
            );
        }
        let exported = manifest("shop", &live);
        assert_eq!(
            exported.manifest.repositories.keys().collect::<Vec<_>>(),
            vec!["free", "mine"]
        );
        assert_eq!(
            exported.notes,
            vec!["ecr.repository.theirs belongs to wharf stack `other`; left out".to_string()]
        );
    }
}
