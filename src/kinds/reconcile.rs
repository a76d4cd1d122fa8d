//! The one loop every owned kind plans with, PURE: for each declared resource, create it
//! when AWS does not hold it, otherwise claim it (or adopt it with `--adopt`) and diff it;
//! with `--prune`, delete what this stack owns and no longer declares. A kind supplies
//! only what is its own — its desired state, how to find it live, its diff, its create
//! and delete — through [`Reconcile`]; ownership rules live here once.

use crate::kinds::common::{Adoption, Conflict, KindPlan, OWNERSHIP_TAG, adopted, claim};
use crate::plan::Change;
use std::collections::BTreeMap;

/// How a kind knows what this stack owns in AWS.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ownership {
    /// The `wharf:stack` tag says. A declared resource without it is refused unless
    /// `--adopt` is given; one tagged by another stack is always refused.
    Tagged,
    /// The tag says when it is there; an untagged one is managed all the same (a task
    /// definition family is only a name, and every revision wharf registers carries the
    /// tag). Another stack's is refused.
    TaggedWhenPresent,
    /// AWS cannot tag it: a declared one is managed, and `--prune` deletes only what the
    /// ownership ledger records.
    Ledger,
}

/// What a kind tells the shared loop. `Want` is its desired state, `Have` what AWS holds.
pub trait Reconcile {
    type Want;
    type Have;

    /// As conflicts name it: `repository`, `task definition family`.
    const NOUN: &'static str;
    /// The address prefix: an address is the prefix and the name.
    const PREFIX: &'static str;
    const OWNERSHIP: Ownership;
    /// How to tag one by hand, for the hint of a refusal.
    const TAG_COMMAND: &'static str;

    fn stack(&self) -> &str;
    fn address(&self, name: &str) -> String {
        format!("{}{name}", Self::PREFIX)
    }
    /// The declared names, in manifest order.
    fn names(&self) -> Vec<String>;
    /// The desired state of the declared `name`; notes for the reader go to `warnings`.
    fn desired(&self, name: &str, warnings: &mut Vec<String>) -> Self::Want;
    /// What AWS holds for the declared `name`, if anything.
    fn find(&self, name: &str) -> Option<&Self::Have>;
    /// The tags of a live resource (empty for kinds owned through the ledger).
    fn tags<'h>(&self, have: &'h Self::Have) -> Option<&'h BTreeMap<String, String>>;
    fn create(&self, name: &str, want: &Self::Want) -> Change;
    /// A live resource in a state nothing can be planned for (a service still draining).
    fn blocked(&self, _name: &str, _have: &Self::Have) -> Option<Conflict> {
        None
    }
    fn diff(
        &self,
        name: &str,
        want: &Self::Want,
        have: &Self::Have,
        warnings: &mut Vec<String>,
    ) -> Result<Option<Change>, Conflict>;
    /// The live resources the manifest does not declare, by name.
    fn undeclared(&self) -> Vec<(String, &Self::Have)>;
    /// Whether the ownership ledger records `name` (kinds owned through it).
    fn in_ledger(&self, _name: &str) -> bool {
        false
    }
    /// The delete of an owned resource the manifest no longer declares; `None` when it is
    /// left alone (a service already being deleted), a conflict when it cannot go yet.
    fn delete(&self, name: &str, have: &Self::Have) -> Option<Result<Change, Conflict>>;
}

/// Plans one kind: creates, updates, replaces and adoptions for what the manifest
/// declares; with `prune`, deletes for what this stack owns and no longer declares.
pub fn reconcile<K: Reconcile>(kind: &K, prune: bool, adoption: Adoption) -> KindPlan {
    let mut out = KindPlan::default();
    for name in kind.names() {
        let want = kind.desired(&name, &mut out.warnings);
        let Some(have) = kind.find(&name) else {
            out.changes.push(kind.create(&name, &want));
            continue;
        };
        if let Some(conflict) = kind.blocked(&name, have) {
            out.conflicts.push(conflict);
            continue;
        }
        let adopting = match claims(kind, &name, have, adoption) {
            Ok(adopting) => adopting,
            Err(conflict) => {
                out.conflicts.push(conflict);
                continue;
            }
        };
        match kind.diff(&name, &want, have, &mut out.warnings) {
            Ok(Some(change)) if adopting => out.changes.push(adopted(change)),
            Ok(Some(change)) => out.changes.push(change),
            Ok(None) => {}
            Err(conflict) => out.conflicts.push(conflict),
        }
    }
    if prune {
        for (name, have) in kind.undeclared() {
            if !owns(kind, &name, have) {
                continue;
            }
            match kind.delete(&name, have) {
                Some(Ok(change)) => out.changes.push(change),
                Some(Err(conflict)) => out.conflicts.push(conflict),
                None => {}
            }
        }
    }
    out
}

/// The live resources, by name, whose name `declared` does not know: the usual
/// [`Reconcile::undeclared`].
pub fn not_declared<H>(
    live: &BTreeMap<String, H>,
    declared: impl Fn(&str) -> bool,
) -> Vec<(String, &H)> {
    live.iter()
        .filter(|(name, _)| !declared(name))
        .map(|(name, have)| (name.clone(), have))
        .collect()
}

/// Whether planning may manage the declared `name` that AWS holds: `Ok(true)` when this
/// plan adopts it, `Ok(false)` when it is this stack's already.
fn claims<K: Reconcile>(
    kind: &K,
    name: &str,
    have: &K::Have,
    adoption: Adoption,
) -> Result<bool, Conflict> {
    let empty = BTreeMap::new();
    let tags = kind.tags(have).unwrap_or(&empty);
    let claim_with = |adoption| {
        claim(
            &kind.address(name),
            K::NOUN,
            name,
            tags,
            kind.stack(),
            adoption,
            K::TAG_COMMAND,
        )
    };
    match K::OWNERSHIP {
        Ownership::Tagged => claim_with(adoption),
        Ownership::TaggedWhenPresent => {
            claim_with(Adoption::Adopt).map(|untagged| untagged && adoption == Adoption::Adopt)
        }
        Ownership::Ledger => Ok(false),
    }
}

/// Whether this stack owns the undeclared live `name`, so that `--prune` deletes it.
fn owns<K: Reconcile>(kind: &K, name: &str, have: &K::Have) -> bool {
    match K::OWNERSHIP {
        Ownership::Tagged | Ownership::TaggedWhenPresent => kind
            .tags(have)
            .and_then(|tags| tags.get(OWNERSHIP_TAG))
            .is_some_and(|owner| owner == kind.stack()),
        Ownership::Ledger => kind.in_ledger(name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{ChangeAction, ChangeReason, FieldChange};
    use serde_json::json;

    /// A kind of named things with a `size`, tagged or ledger-owned by the test.
    struct Things {
        ownership: Ownership,
        declared: BTreeMap<String, u32>,
        live: BTreeMap<String, (u32, BTreeMap<String, String>)>,
        ledger: Vec<String>,
    }

    fn change(name: &str, action: ChangeAction) -> Change {
        Change {
            address: format!("thing.{name}"),
            action,
            reason: "r".into(),
            reason_code: ChangeReason::UpdateBecauseDrifted,
            fields: vec![FieldChange::new(
                format!("tags.{OWNERSHIP_TAG}"),
                json!(null),
                json!("shop"),
            )],
            destroys: None,
            preview: None,
            operations: Vec::new(),
        }
    }

    macro_rules! things {
        ($name:ident, $ownership:expr) => {
            struct $name(Things);
            impl Reconcile for $name {
                type Want = u32;
                type Have = (u32, BTreeMap<String, String>);
                const NOUN: &'static str = "thing";
                const PREFIX: &'static str = "thing.";
                const OWNERSHIP: Ownership = $ownership;
                const TAG_COMMAND: &'static str = "tag it";
                fn stack(&self) -> &str {
                    "shop"
                }
                fn names(&self) -> Vec<String> {
                    self.0.declared.keys().cloned().collect()
                }
                fn desired(&self, name: &str, _: &mut Vec<String>) -> u32 {
                    self.0.declared[name]
                }
                fn find(&self, name: &str) -> Option<&Self::Have> {
                    self.0.live.get(name)
                }
                fn tags<'h>(&self, have: &'h Self::Have) -> Option<&'h BTreeMap<String, String>> {
                    Some(&have.1)
                }
                fn create(&self, name: &str, _: &u32) -> Change {
                    change(name, ChangeAction::Create)
                }
                fn diff(
                    &self,
                    name: &str,
                    want: &u32,
                    have: &Self::Have,
                    _: &mut Vec<String>,
                ) -> Result<Option<Change>, Conflict> {
                    Ok((*want != have.0).then(|| change(name, ChangeAction::Update)))
                }
                fn undeclared(&self) -> Vec<(String, &Self::Have)> {
                    self.0
                        .live
                        .iter()
                        .filter(|(name, _)| !self.0.declared.contains_key(*name))
                        .map(|(name, have)| (name.clone(), have))
                        .collect()
                }
                fn in_ledger(&self, name: &str) -> bool {
                    self.0.ledger.iter().any(|n| n == name)
                }
                fn delete(&self, name: &str, _: &Self::Have) -> Option<Result<Change, Conflict>> {
                    Some(Ok(change(name, ChangeAction::Delete)))
                }
            }
        };
    }
    things!(TaggedThings, Ownership::Tagged);
    things!(FamilyThings, Ownership::TaggedWhenPresent);
    things!(LedgerThings, Ownership::Ledger);

    fn things(ownership: Ownership) -> Things {
        let tagged = |owner: Option<&str>| {
            owner
                .map(|o| BTreeMap::from([(OWNERSHIP_TAG.to_string(), o.to_string())]))
                .unwrap_or_default()
        };
        Things {
            ownership,
            declared: BTreeMap::from([
                ("new".into(), 1),
                ("ours".into(), 2),
                ("same".into(), 3),
                ("untagged".into(), 4),
                ("theirs".into(), 5),
            ]),
            live: BTreeMap::from([
                ("ours".into(), (20, tagged(Some("shop")))),
                ("same".into(), (3, tagged(Some("shop")))),
                ("untagged".into(), (40, tagged(None))),
                ("theirs".into(), (50, tagged(Some("billing")))),
                ("gone".into(), (6, tagged(Some("shop")))),
                ("stray".into(), (7, tagged(None))),
                ("listed".into(), (8, tagged(None))),
            ]),
            ledger: vec!["listed".into()],
        }
    }

    fn summary(plan: &KindPlan) -> (Vec<String>, Vec<String>) {
        (
            plan.changes
                .iter()
                .map(|c| format!("{} {}", c.action.as_str(), c.address))
                .collect(),
            plan.conflicts.iter().map(|c| c.address.clone()).collect(),
        )
    }

    #[test]
    fn tagged_kinds_refuse_what_is_not_theirs_unless_adopting_untagged() {
        let kind = TaggedThings(things(Ownership::Tagged));
        assert_eq!(kind.0.ownership, Ownership::Tagged);
        let (changes, conflicts) = summary(&reconcile(&kind, true, Adoption::Refuse));
        assert_eq!(
            changes,
            ["create thing.new", "update thing.ours", "delete thing.gone"]
        );
        assert_eq!(conflicts, ["thing.theirs", "thing.untagged"]);
        let adopting = reconcile(&kind, false, Adoption::Adopt);
        let (changes, conflicts) = summary(&adopting);
        assert_eq!(
            changes,
            [
                "create thing.new",
                "update thing.ours",
                "update thing.untagged"
            ]
        );
        assert_eq!(conflicts, ["thing.theirs"]);
        assert_eq!(
            adopting.changes[2].reason_code,
            ChangeReason::AdoptBecauseNotOwned
        );
        assert_eq!(
            adopting.changes[1].reason_code,
            ChangeReason::UpdateBecauseDrifted
        );
    }

    #[test]
    fn families_manage_untagged_ones_and_name_adoption_only_when_asked() {
        let kind = FamilyThings(things(Ownership::TaggedWhenPresent));
        let plan = reconcile(&kind, false, Adoption::Refuse);
        let (changes, conflicts) = summary(&plan);
        assert_eq!(
            changes,
            [
                "create thing.new",
                "update thing.ours",
                "update thing.untagged"
            ]
        );
        assert_eq!(conflicts, ["thing.theirs"]);
        assert_eq!(
            plan.changes[2].reason_code,
            ChangeReason::UpdateBecauseDrifted
        );
        let adopting = reconcile(&kind, false, Adoption::Adopt);
        assert_eq!(
            adopting.changes[2].reason_code,
            ChangeReason::AdoptBecauseNotOwned
        );
    }

    #[test]
    fn ledger_kinds_manage_what_is_declared_and_prune_what_the_ledger_lists() {
        let kind = LedgerThings(things(Ownership::Ledger));
        let (changes, conflicts) = summary(&reconcile(&kind, true, Adoption::Refuse));
        assert_eq!(
            changes,
            [
                "create thing.new",
                "update thing.ours",
                "update thing.theirs",
                "update thing.untagged",
                "delete thing.listed"
            ]
        );
        assert!(conflicts.is_empty());
        let (changes, _) = summary(&reconcile(&kind, false, Adoption::Refuse));
        assert!(
            !changes.iter().any(|c| c.starts_with("delete")),
            "{changes:?}"
        );
    }
}
