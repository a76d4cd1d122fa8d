//! The ownership ledger: wharf's record of the objects it created that AWS gives no tags
//! (pull through cache rules, repository creation templates and the scalable targets of
//! services' autoscaling), so that `--prune` can
//! delete exactly those and never a rule someone else made. One SSM parameter per stack
//! holds it as JSON (`aws::ledger` reads and writes it). Here: the parameter's name, its
//! text, and what each applied operation changes in it. PURE.

use crate::kinds::autoscaling::AutoScalingOperation;
use crate::kinds::capacity_provider::CapacityProviderOperation;
use crate::kinds::creation_template::CreationTemplateOperation;
use crate::kinds::pull_through_cache::PullThroughCacheOperation;
use crate::live::OwnershipLedger;
use crate::plan::Operation;

/// Which part of the ledger an object belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LedgerKind {
    PullThroughCache,
    CreationTemplate,
    ScalableTarget,
    CapacityProvider,
}

/// What one successful operation means for the ledger.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LedgerEffect {
    pub kind: LedgerKind,
    pub prefix: String,
    /// true: wharf now owns it (created or changed it); false: it is gone.
    pub owned: bool,
}

/// The SSM parameter that holds the stack's ledger: `/wharf/STACK/ownership`.
///
/// SSM names allow only `a-zA-Z0-9_.-/`, while a stack name may hold any tag-value
/// character, so every other byte (and `_` itself, to keep the mapping one-to-one) is
/// written `_hh` in lower-case hex.
pub fn parameter_name(stack: &str) -> String {
    let mut encoded = String::with_capacity(stack.len());
    for byte in stack.bytes() {
        match byte {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'.' | b'-' => encoded.push(byte as char),
            _ => encoded.push_str(&format!("_{byte:02x}")),
        }
    }
    format!("/wharf/{encoded}/ownership")
}

/// The parameter's value: compact JSON, sorted, so an unchanged ledger is never rewritten.
pub fn to_text(ledger: &OwnershipLedger) -> String {
    serde_json::to_string(ledger).expect("a ledger serializes")
}

/// Reads the parameter's value; text wharf did not write is an error, not an empty
/// ledger (that would silently stop pruning).
pub fn from_text(text: &str) -> Result<OwnershipLedger, String> {
    serde_json::from_str(text).map_err(|e| format!("the ownership ledger is not valid: {e}"))
}

/// The ledger change an operation makes once it has succeeded. Changing a rule records
/// it too: from then on wharf has made it what it is.
pub fn effect(operation: &Operation) -> Option<LedgerEffect> {
    let (kind, prefix, owned) = match operation {
        Operation::PullThroughCache(op) => match op {
            PullThroughCacheOperation::CreatePullThroughCacheRule { prefix, .. }
            | PullThroughCacheOperation::UpdatePullThroughCacheRule { prefix, .. } => {
                (LedgerKind::PullThroughCache, prefix, true)
            }
            PullThroughCacheOperation::DeletePullThroughCacheRule { prefix } => {
                (LedgerKind::PullThroughCache, prefix, false)
            }
        },
        Operation::CreationTemplate(op) => match op {
            CreationTemplateOperation::CreateRepositoryCreationTemplate { prefix, .. }
            | CreationTemplateOperation::UpdateRepositoryCreationTemplate { prefix, .. } => {
                (LedgerKind::CreationTemplate, prefix, true)
            }
            CreationTemplateOperation::DeleteRepositoryCreationTemplate { prefix } => {
                (LedgerKind::CreationTemplate, prefix, false)
            }
        },
        Operation::CapacityProvider(op) | Operation::ManagedInstancesProvider(op) => {
            let (name, owned) = capacity_provider_effect(op)?;
            return Some(LedgerEffect {
                kind: LedgerKind::CapacityProvider,
                prefix: name,
                owned,
            });
        }
        Operation::AutoScaling(op) => match op {
            AutoScalingOperation::RegisterScalableTarget { resource_id, .. } => {
                (LedgerKind::ScalableTarget, resource_id, true)
            }
            AutoScalingOperation::DeregisterScalableTarget { resource_id } => {
                (LedgerKind::ScalableTarget, resource_id, false)
            }
            _ => return None,
        },
        _ => return None,
    };
    Some(LedgerEffect {
        kind,
        prefix: prefix.clone(),
        owned,
    })
}

/// A capacity provider operation's ledger entry (`NAME`, or `CLUSTER/NAME` for a Managed
/// Instances provider, which lives in its cluster) and whether wharf now owns it.
fn capacity_provider_effect(op: &CapacityProviderOperation) -> Option<(String, bool)> {
    let entry = |cluster: Option<&str>, name: &str| match cluster {
        Some(cluster) => format!("{cluster}/{name}"),
        None => name.to_string(),
    };
    Some(match op {
        CapacityProviderOperation::CreateCapacityProvider { name, input }
        | CapacityProviderOperation::UpdateCapacityProvider { name, input } => {
            (entry(input["cluster"].as_str(), name), true)
        }
        CapacityProviderOperation::DeleteCapacityProvider { name, cluster } => {
            (entry(cluster.as_deref(), name), false)
        }
        // Adopting one tags it: from then on wharf owns it. (A Managed Instances provider
        // is recorded by its create or update, which name its cluster.)
        CapacityProviderOperation::TagResource { arn, .. } => {
            (arn.rsplit_once(":capacity-provider/")?.1.to_string(), true)
        }
        CapacityProviderOperation::UntagResource { .. } => return None,
    })
}

/// The ledger after the effects, in order.
pub fn with_effects(ledger: &OwnershipLedger, effects: &[LedgerEffect]) -> OwnershipLedger {
    let mut next = ledger.clone();
    for effect in effects {
        let set = match effect.kind {
            LedgerKind::PullThroughCache => &mut next.pull_through_cache,
            LedgerKind::CreationTemplate => &mut next.creation_templates,
            LedgerKind::ScalableTarget => &mut next.scalable_targets,
            LedgerKind::CapacityProvider => &mut next.capacity_providers,
        };
        if effect.owned {
            set.insert(effect.prefix.clone());
        } else {
            set.remove(&effect.prefix);
        }
    }
    next
}

impl OwnershipLedger {
    pub fn is_empty(&self) -> bool {
        self.pull_through_cache.is_empty()
            && self.creation_templates.is_empty()
            && self.scalable_targets.is_empty()
            && self.capacity_providers.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameter_names_are_valid_and_one_to_one() {
        let cases = [
            ("shop", "/wharf/shop/ownership"),
            ("shop-prod.v2", "/wharf/shop-prod.v2/ownership"),
            ("shop_prod", "/wharf/shop_5fprod/ownership"),
            ("shop prod", "/wharf/shop_20prod/ownership"),
            ("a/b:c@d", "/wharf/a_2fb_3ac_40d/ownership"),
        ];
        for (stack, name) in cases {
            assert_eq!(parameter_name(stack), name, "{stack}");
            assert!(
                name.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"_.-/".contains(&b)),
                "{name}"
            );
        }
        // `_` is escaped too, so these two cannot collide.
        assert_ne!(parameter_name("a_20b"), parameter_name("a b"));
    }

    #[test]
    fn text_round_trips_and_rejects_foreign_text() {
        let ledger = OwnershipLedger {
            pull_through_cache: ["hub".to_string(), "quay".to_string()].into(),
            creation_templates: ["ROOT".to_string()].into(),
            scalable_targets: ["service/shop/web".to_string()].into(),
            capacity_providers: Default::default(),
        };
        let text = to_text(&ledger);
        assert_eq!(
            text,
            r#"{"pullThroughCache":["hub","quay"],"creationTemplates":["ROOT"],"scalableTargets":["service/shop/web"]}"#
        );
        assert_eq!(from_text(&text).unwrap(), ledger);
        assert_eq!(from_text("{}").unwrap(), OwnershipLedger::default());
        assert!(from_text("hub,quay").is_err());
    }

    #[test]
    fn effects_record_creates_and_updates_and_forget_deletes() {
        let create =
            Operation::PullThroughCache(PullThroughCacheOperation::CreatePullThroughCacheRule {
                prefix: "hub".into(),
                upstream_registry_url: "registry-1.docker.io".into(),
                credential_arn: None,
                custom_role_arn: None,
                upstream_repository_prefix: None,
            });
        let update =
            Operation::PullThroughCache(PullThroughCacheOperation::UpdatePullThroughCacheRule {
                prefix: "quay".into(),
                credential_arn: None,
                custom_role_arn: None,
            });
        let delete =
            Operation::PullThroughCache(PullThroughCacheOperation::DeletePullThroughCacheRule {
                prefix: "old".into(),
            });
        let start = OwnershipLedger {
            pull_through_cache: ["old".to_string()].into(),
            ..Default::default()
        };
        let effects: Vec<_> = [&create, &update, &delete]
            .into_iter()
            .filter_map(effect)
            .collect();
        let next = with_effects(&start, &effects);
        assert_eq!(
            next.pull_through_cache,
            ["hub".to_string(), "quay".to_string()].into()
        );
        // A replace is a delete then a create: the rule stays recorded.
        let replaced = with_effects(
            &next,
            &[
                effect(&Operation::PullThroughCache(
                    PullThroughCacheOperation::DeletePullThroughCacheRule {
                        prefix: "hub".into(),
                    },
                ))
                .unwrap(),
                effect(&create).unwrap(),
            ],
        );
        assert!(replaced.pull_through_cache.contains("hub"));
    }
}
