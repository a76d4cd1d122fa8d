//! The private registry's singletons: scanning (`ecr.registry.scanning`), replication
//! (`ecr.registry.replication`), the registry policy (`ecr.registry.policy`), and the
//! supply-chain sections (signing, account settings, pull-time exclusions: see
//! `supply_chain`). Each is
//! one object per account and region, without tags, so ownership is by presence: a
//! section the manifest leaves out is not read, not planned and never reset; a section
//! that is present is owned whole. Nothing is ever pruned; removing a section from the
//! manifest just stops managing it.
//!
//! Both sides are brought into one canonical form before comparing, with AWS's defaults
//! filled in (BASIC scanning with no rules, no replication rules, no policy), so that
//! "AWS holds the default" plans as a create and anything else as an update. PURE.

pub mod export;
pub mod io;
pub mod lint;
pub mod live;
pub mod model;
pub mod operation;
pub mod supply_chain;
pub mod validate;
pub mod validate_supply_chain;

use crate::documents::policy;
use crate::kinds::common::{Conflict, Context, KindPlan};
use crate::kinds::role;
use crate::live::{LiveRegistry, LiveSnapshot};
use crate::manifest::model::{Manifest, Registry, RegistryScanning, Replication, ScanType};
use crate::plan::{Change, ChangeAction, ChangeReason, FieldChange, Operation};
pub use operation::{
    DestinationSpec, RegistryOperation, ReplicationRuleSpec, ScanningRuleSpec, SigningRuleSpec,
};
use serde_json::{Value, json};

pub const SCANNING_ADDRESS: &str = "ecr.registry.scanning";
pub const REPLICATION_ADDRESS: &str = "ecr.registry.replication";
pub const POLICY_ADDRESS: &str = "ecr.registry.policy";

/// AWS's scan type when nobody set one.
pub const DEFAULT_SCAN_TYPE: &str = "BASIC";

/// Scanning in canonical form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScanningSpec {
    pub scan_type: String,
    /// Sorted: the rules are a set.
    pub rules: Vec<ScanningRuleSpec>,
}

impl ScanningSpec {
    /// AWS's default: BASIC, no rules.
    pub fn is_default(&self) -> bool {
        self.scan_type == DEFAULT_SCAN_TYPE && self.rules.is_empty()
    }
}

fn sorted_unique(items: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = items.into_iter().collect();
    out.sort();
    out.dedup();
    out
}

fn sorted_rules(mut rules: Vec<ScanningRuleSpec>) -> Vec<ScanningRuleSpec> {
    rules.sort();
    rules.dedup();
    rules
}

/// The scanning the manifest asks for.
pub fn desired_scanning(scanning: &RegistryScanning) -> ScanningSpec {
    ScanningSpec {
        scan_type: scanning.scan_type.unwrap_or_default().as_str().to_string(),
        rules: sorted_rules(
            scanning
                .rules
                .iter()
                .map(|r| ScanningRuleSpec {
                    scan_frequency: r.scan_frequency.as_str().to_string(),
                    filters: sorted_unique(r.filters.iter().cloned()),
                })
                .collect(),
        ),
    }
}

/// Live scanning (`scanningConfiguration` in AWS JSON shape) in canonical form; absent
/// fields are AWS's defaults.
pub fn observed_scanning(doc: &Value) -> ScanningSpec {
    ScanningSpec {
        scan_type: doc["scanType"]
            .as_str()
            .unwrap_or(DEFAULT_SCAN_TYPE)
            .to_string(),
        rules: sorted_rules(
            doc["rules"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|r| ScanningRuleSpec {
                    scan_frequency: r["scanFrequency"].as_str().unwrap_or_default().to_string(),
                    filters: sorted_unique(
                        r["repositoryFilters"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .filter_map(|f| f["filter"].as_str().map(str::to_string)),
                    ),
                })
                .collect(),
        ),
    }
}

/// The replication rules the manifest asks for; a destination's registryId defaults to
/// the account wharf runs in.
pub fn desired_replication(
    replication: &Replication,
    account_id: &str,
) -> Vec<ReplicationRuleSpec> {
    replication
        .rules
        .iter()
        .map(|r| {
            let mut destinations: Vec<DestinationSpec> = r
                .destinations
                .iter()
                .map(|d| DestinationSpec {
                    region: d.region.clone(),
                    registry_id: d
                        .registry_id
                        .clone()
                        .unwrap_or_else(|| account_id.to_string()),
                })
                .collect();
            destinations.sort();
            destinations.dedup();
            ReplicationRuleSpec {
                destinations,
                repository_filters: sorted_unique(r.repository_filters.iter().cloned()),
            }
        })
        .collect()
}

/// Live replication (`replicationConfiguration` in AWS JSON shape) in canonical form.
pub fn observed_replication(doc: &Value) -> Vec<ReplicationRuleSpec> {
    doc["rules"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| {
            let mut destinations: Vec<DestinationSpec> = r["destinations"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|d| DestinationSpec {
                    region: d["region"].as_str().unwrap_or_default().to_string(),
                    registry_id: d["registryId"].as_str().unwrap_or_default().to_string(),
                })
                .collect();
            destinations.sort();
            destinations.dedup();
            ReplicationRuleSpec {
                destinations,
                repository_filters: sorted_unique(
                    r["repositoryFilters"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|f| f["filter"].as_str().map(str::to_string)),
                ),
            }
        })
        .collect()
}

/// The registry policy the manifest asks for: None when the document grants nothing (no
/// statements), which is the same as no policy. A document that does not parse yields
/// None too; validation reports it.
pub fn desired_policy(raw: &Value) -> Option<Value> {
    let doc = policy::parse_document(raw).ok()?;
    let has_statements = match doc.get("Statement") {
        Some(Value::Array(list)) => !list.is_empty(),
        Some(Value::Null) | None => false,
        Some(_) => true,
    };
    has_statements.then_some(doc)
}

pub fn plan(manifest: &Manifest, ctx: &Context, live: &LiveSnapshot, _prune: bool) -> KindPlan {
    let mut out = KindPlan::default();
    let registry = &manifest.registry;
    if let Some(scanning) = &registry.scanning {
        let have = live
            .registry
            .scanning
            .as_ref()
            .map(observed_scanning)
            .unwrap_or_else(|| observed_scanning(&Value::Null));
        out.changes
            .extend(diff_scanning(&desired_scanning(scanning), &have));
        out.warnings.extend(enhanced_scan_on_push_warning(manifest));
    }
    if let Some(replication) = &registry.replication {
        let want = desired_replication(replication, ctx.account_id);
        for (i, rule) in want.iter().enumerate() {
            for (j, d) in rule.destinations.iter().enumerate() {
                if d.region == ctx.region && d.registry_id == ctx.account_id {
                    out.conflicts.push(Conflict {
                        address: REPLICATION_ADDRESS.into(),
                        message: format!(
                            "a replication destination is the source registry itself ({} in account {})",
                            d.region, d.registry_id
                        ),
                        hint: "replicate to another region or another account".into(),
                        pointer: Some(crate::manifest::spans::pointer(&[
                            "registry",
                            "replication",
                            "rules",
                            &i.to_string(),
                            "destinations",
                            &j.to_string(),
                        ])),
                    });
                }
            }
        }
        let have = live
            .registry
            .replication
            .as_ref()
            .map(observed_replication)
            .unwrap_or_default();
        out.changes.extend(diff_replication(&want, &have));
    }
    if let Some(raw) = &registry.policy {
        let have = live
            .registry
            .policy
            .clone()
            .flatten()
            .map(|t| crate::kinds::common::parse_live_document(&t));
        let (change, warning) = diff_policy(desired_policy(raw).as_ref(), have.as_ref());
        out.changes.extend(change);
        out.warnings.extend(warning);
    }
    out.changes
        .extend(supply_chain::plan(manifest, ctx, &live.registry));
    out
}

/// With ENHANCED scanning AWS ignores repositories' scanOnPush: say which ones set it.
fn enhanced_scan_on_push_warning(manifest: &Manifest) -> Option<String> {
    let scanning = manifest.registry.scanning.as_ref()?;
    if scanning.scan_type != Some(ScanType::Enhanced) {
        return None;
    }
    let default = manifest
        .defaults
        .repository
        .as_ref()
        .and_then(|d| d.scan_on_push);
    let names: Vec<&str> = manifest
        .repositories
        .iter()
        .filter(|(_, r)| r.scan_on_push.or(default) == Some(true))
        .map(|(n, _)| n.as_str())
        .collect();
    (!names.is_empty()).then(|| {
        format!(
            "{SCANNING_ADDRESS}: the registry scans ENHANCED, so AWS ignores scanOnPush of {}",
            names.join(", ")
        )
    })
}

fn scanning_rules_value(rules: &[ScanningRuleSpec]) -> Value {
    serde_json::to_value(rules).expect("rules serialize")
}

/// The scanning change, if live differs: a create when AWS holds its default.
pub fn diff_scanning(want: &ScanningSpec, have: &ScanningSpec) -> Option<Change> {
    let mut fields = Vec::new();
    if want.scan_type != have.scan_type {
        fields.push(FieldChange::new(
            "scanType",
            json!(have.scan_type),
            json!(want.scan_type),
        ));
    }
    if want.rules != have.rules {
        fields.push(FieldChange::new(
            "rules",
            scanning_rules_value(&have.rules),
            scanning_rules_value(&want.rules),
        ));
    }
    if fields.is_empty() {
        return None;
    }
    let (action, reason, reason_code) = if have.is_default() {
        (
            ChangeAction::Create,
            "AWS holds the default scanning: BASIC, no rules".to_string(),
            ChangeReason::CreateBecauseMissing,
        )
    } else {
        (
            ChangeAction::Update,
            crate::kinds::common::differs_reason(&fields),
            ChangeReason::UpdateBecauseDrifted,
        )
    };
    Some(Change {
        address: SCANNING_ADDRESS.into(),
        action,
        reason,
        reason_code,
        fields,
        destroys: None,
        preview: None,
        operations: vec![Operation::Registry(
            RegistryOperation::PutRegistryScanningConfiguration {
                scan_type: want.scan_type.clone(),
                rules: want.rules.clone(),
            },
        )],
    })
}

/// The replication change, if live differs: a create when AWS replicates nothing.
pub fn diff_replication(
    want: &[ReplicationRuleSpec],
    have: &[ReplicationRuleSpec],
) -> Option<Change> {
    if want == have {
        return None;
    }
    let fields = vec![FieldChange::new(
        "rules",
        serde_json::to_value(have).expect("rules serialize"),
        serde_json::to_value(want).expect("rules serialize"),
    )];
    let (action, reason, reason_code) = if have.is_empty() {
        (
            ChangeAction::Create,
            "AWS replicates nothing".to_string(),
            ChangeReason::CreateBecauseMissing,
        )
    } else {
        (
            ChangeAction::Update,
            crate::kinds::common::differs_reason(&fields),
            ChangeReason::UpdateBecauseDrifted,
        )
    };
    Some(Change {
        address: REPLICATION_ADDRESS.into(),
        action,
        reason,
        reason_code,
        fields,
        destroys: None,
        preview: None,
        operations: vec![Operation::Registry(
            RegistryOperation::PutReplicationConfiguration {
                rules: want.to_vec(),
            },
        )],
    })
}

/// The registry policy change, compared by meaning (`policy::normalize`, exactly as
/// repository policies), and a warning when live names deleted principals by unique id.
pub fn diff_policy(want: Option<&Value>, have: Option<&Value>) -> (Option<Change>, Option<String>) {
    if want.map(policy::normalize) == have.map(policy::normalize) {
        return (None, None);
    }
    let warning = have.and_then(|live| role::unique_id_warning(POLICY_ADDRESS, "policy", live));
    let fields = vec![FieldChange::new(
        "policy",
        have.map(policy::display).unwrap_or(Value::Null),
        want.map(policy::display).unwrap_or(Value::Null),
    )];
    let (action, reason, reason_code, operation) = match (want, have) {
        (Some(doc), None) => (
            ChangeAction::Create,
            "the registry has no policy".to_string(),
            ChangeReason::CreateBecauseMissing,
            RegistryOperation::PutRegistryPolicy {
                document: serde_json::to_string(doc).expect("JSON values serialize"),
            },
        ),
        (Some(doc), Some(_)) => (
            ChangeAction::Update,
            "policy differs".to_string(),
            ChangeReason::UpdateBecauseDrifted,
            RegistryOperation::PutRegistryPolicy {
                document: serde_json::to_string(doc).expect("JSON values serialize"),
            },
        ),
        (None, _) => (
            ChangeAction::Delete,
            "the manifest's registry policy has no statements (the same as no policy)".to_string(),
            ChangeReason::UpdateBecauseDrifted,
            RegistryOperation::DeleteRegistryPolicy,
        ),
    };
    let change = Change {
        address: POLICY_ADDRESS.into(),
        action,
        reason,
        reason_code,
        fields,
        destroys: None,
        preview: None,
        operations: vec![Operation::Registry(operation)],
    };
    (Some(change), warning)
}

/// Which sections to read: exactly the ones the manifest declares.
pub fn sections(registry: &Registry) -> (bool, bool, bool) {
    (
        registry.scanning.is_some(),
        registry.replication.is_some(),
        registry.policy.is_some(),
    )
}

/// What the registry would hold after the operations ran (for tests and previews).
pub fn after(live: &LiveRegistry, operation: &RegistryOperation) -> LiveRegistry {
    let mut next = live.clone();
    match operation {
        RegistryOperation::PutRegistryScanningConfiguration { scan_type, rules } => {
            next.scanning = Some(json!({
                "scanType": scan_type,
                "rules": rules.iter().map(|r| json!({
                    "scanFrequency": r.scan_frequency,
                    "repositoryFilters": r.filters.iter().map(|f| json!({"filter": f, "filterType": "WILDCARD"})).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
            }));
        }
        RegistryOperation::PutReplicationConfiguration { rules } => {
            next.replication = Some(json!({
                "rules": rules.iter().map(|r| json!({
                    "destinations": r.destinations,
                    "repositoryFilters": r.repository_filters.iter().map(|f| json!({"filter": f, "filterType": "PREFIX_MATCH"})).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
            }));
        }
        RegistryOperation::PutRegistryPolicy { document } => {
            next.policy = Some(Some(document.clone()))
        }
        RegistryOperation::DeleteRegistryPolicy => next.policy = Some(None),
        other => supply_chain::after(&mut next, other),
    }
    next
}

/// The registry kind, as the registry lists it.
pub struct RegistryKind;

impl crate::kinds::Kind for RegistryKind {
    fn plan(
        manifest: &Manifest,
        ctx: &crate::kinds::common::Context,
        live: &LiveSnapshot,
        prune: bool,
        _adoption: crate::kinds::common::Adoption,
    ) -> crate::kinds::common::KindPlan {
        plan(manifest, ctx, live, prune)
    }

    /// Each setting the registry holds, at its own address (the policy as an object).
    fn live_objects(live: &LiveSnapshot) -> Vec<(String, serde_json::Value)> {
        let policy = live
            .registry
            .policy
            .clone()
            .map(|policy| serde_json::json!({ "policy": policy }));
        let registry = &live.registry;
        [
            (SCANNING_ADDRESS, registry.scanning.clone()),
            (REPLICATION_ADDRESS, registry.replication.clone()),
            (POLICY_ADDRESS, policy),
            (supply_chain::SIGNING_ADDRESS, registry.signing.clone()),
            (
                supply_chain::ACCOUNT_SETTINGS_ADDRESS,
                registry
                    .account_settings
                    .as_ref()
                    .map(|s| serde_json::json!(s)),
            ),
            (
                supply_chain::ENHANCED_SCANNING_ADDRESS,
                registry.enhanced_scanning.clone(),
            ),
            (
                supply_chain::EXCLUSIONS_ADDRESS,
                registry
                    .pull_time_update_exclusions
                    .as_ref()
                    .map(|e| serde_json::json!(e)),
            ),
        ]
        .into_iter()
        .filter_map(|(address, value)| Some((address.to_string(), value?)))
        .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::load;
    use crate::manifest::model::{
        ReplicationDestination, ReplicationRule, ScanFrequency, ScanningRule,
    };
    use crate::manifest::vars::Variables;
    use std::collections::BTreeMap;

    const ACCOUNT: &str = "123456789012";
    const REGION: &str = "eu-west-1";

    fn manifest(yaml: &str) -> Manifest {
        let src = format!("version: 1\nstack: shop\n{yaml}");
        match load("wharf.yaml", &src, &Variables::default()) {
            Ok(loaded) => loaded.manifest,
            Err(failure) => panic!("{src}\n{:#?}", failure.diagnostics),
        }
    }

    fn ctx(kms: &BTreeMap<String, crate::live::KmsKey>) -> Context<'_> {
        Context {
            account_id: ACCOUNT,
            region: REGION,
            kms_keys: kms,
        }
    }

    fn live_with(registry: LiveRegistry) -> LiveSnapshot {
        LiveSnapshot {
            account_id: ACCOUNT.into(),
            region: REGION.into(),
            registry,
            ..LiveSnapshot::default()
        }
    }

    fn plan_of(m: &Manifest, live: &LiveSnapshot) -> KindPlan {
        let kms = BTreeMap::new();
        plan(m, &ctx(&kms), live, false)
    }

    /// Applies every operation of the plan to the live registry.
    fn converge(m: &Manifest, live: &LiveSnapshot) -> LiveSnapshot {
        let mut next = live.clone();
        for change in plan_of(m, live).changes {
            for op in change.operations {
                let Operation::Registry(op) = op else {
                    panic!("not a registry operation")
                };
                next.registry = after(&next.registry, &op);
            }
        }
        next
    }

    #[test]
    fn default_scanning_reads_as_default_and_a_basic_empty_manifest_plans_nothing() {
        assert!(observed_scanning(&Value::Null).is_default());
        assert!(observed_scanning(&json!({"scanType": "BASIC", "rules": []})).is_default());
        let m = manifest("registry:\n  scanning: {}\n");
        let live = live_with(LiveRegistry {
            scanning: Some(json!({"scanType": "BASIC", "rules": []})),
            ..LiveRegistry::default()
        });
        assert!(plan_of(&m, &live).changes.is_empty());
    }

    #[test]
    fn scanning_from_the_default_is_a_create_with_field_changes() {
        let m = manifest(
            "registry:\n  scanning: { scanType: ENHANCED, rules: [ { scanFrequency: SCAN_ON_PUSH, filters: [\"shop/*\"] } ] }\n",
        );
        let live = live_with(LiveRegistry {
            scanning: Some(json!({"scanType": "BASIC", "rules": []})),
            ..LiveRegistry::default()
        });
        let p = plan_of(&m, &live);
        assert_eq!(p.changes.len(), 1);
        let c = &p.changes[0];
        assert_eq!(c.address, SCANNING_ADDRESS);
        assert_eq!(c.action, ChangeAction::Create);
        assert_eq!(c.fields[0].path, "scanType");
        assert_eq!(c.fields[0].before, json!("BASIC"));
        assert_eq!(c.fields[0].after, json!("ENHANCED"));
        assert_eq!(c.fields[1].path, "rules");
        assert_eq!(
            c.fields[1].after,
            json!([{"scanFrequency": "SCAN_ON_PUSH", "filters": ["shop/*"]}])
        );
        let next = converge(&m, &live);
        assert!(plan_of(&m, &next).changes.is_empty());
    }

    #[test]
    fn scanning_compares_rules_and_filters_as_sets() {
        let want = desired_scanning(&RegistryScanning {
            scan_type: Some(ScanType::Enhanced),
            rules: vec![
                ScanningRule {
                    scan_frequency: ScanFrequency::ContinuousScan,
                    filters: vec!["b*".into(), "a*".into(), "a*".into()],
                },
                ScanningRule {
                    scan_frequency: ScanFrequency::ScanOnPush,
                    filters: vec!["*".into()],
                },
            ],
        });
        let have = observed_scanning(&json!({
            "scanType": "ENHANCED",
            "rules": [
                {"scanFrequency": "SCAN_ON_PUSH", "repositoryFilters": [{"filter": "*", "filterType": "WILDCARD"}]},
                {"scanFrequency": "CONTINUOUS_SCAN", "repositoryFilters": [
                    {"filter": "a*", "filterType": "WILDCARD"}, {"filter": "b*", "filterType": "WILDCARD"}]},
            ]
        }));
        assert_eq!(diff_scanning(&want, &have), None);
    }

    #[test]
    fn scanning_drift_is_an_update_naming_the_field() {
        let m = manifest(
            "registry:\n  scanning: { scanType: BASIC, rules: [ { scanFrequency: SCAN_ON_PUSH, filters: [\"*\"] } ] }\n",
        );
        let live = live_with(LiveRegistry {
            scanning: Some(json!({"scanType": "BASIC", "rules": [
                {"scanFrequency": "SCAN_ON_PUSH", "repositoryFilters": [{"filter": "shop*", "filterType": "WILDCARD"}]}]})),
            ..LiveRegistry::default()
        });
        let p = plan_of(&m, &live);
        assert_eq!(p.changes[0].action, ChangeAction::Update);
        assert_eq!(p.changes[0].reason, "rules differs");
        let paths: Vec<&str> = p.changes[0]
            .fields
            .iter()
            .map(|f| f.path.as_str())
            .collect();
        assert_eq!(paths, vec!["rules"]);
    }

    #[test]
    fn absent_sections_plan_nothing_whatever_aws_holds() {
        let m = manifest("");
        let live = live_with(LiveRegistry {
            scanning: Some(json!({"scanType": "ENHANCED", "rules": []})),
            replication: Some(
                json!({"rules": [{"destinations": [{"region": "us-west-2", "registryId": ACCOUNT}]}]}),
            ),
            policy: Some(Some("{\"Statement\": []}".into())),
            signing: Some(
                json!([{"signingProfileArn": "arn:aws:signer:eu-west-1:123456789012:/signing-profiles/x_y"}]),
            ),
            account_settings: Some(BTreeMap::from([(
                "BLOB_MOUNTING".to_string(),
                "ENABLED".to_string(),
            )])),
            pull_time_update_exclusions: Some(vec!["arn:aws:iam::123456789012:role/x".into()]),
            enhanced_scanning: Some(json!({"rescanDuration": "LIFETIME"})),
        });
        let p = plan_of(&m, &live);
        assert!(p.changes.is_empty() && p.conflicts.is_empty() && p.warnings.is_empty());
    }

    #[test]
    fn enhanced_scanning_warns_about_scan_on_push() {
        let m = manifest(
            "defaults:\n  repository: { scanOnPush: true }\nrepositories:\n  shop/web: {}\n  shop/api: { scanOnPush: false }\nregistry:\n  scanning: { scanType: ENHANCED }\n",
        );
        let p = plan_of(&m, &live_with(LiveRegistry::default()));
        assert_eq!(
            p.warnings,
            vec!["ecr.registry.scanning: the registry scans ENHANCED, so AWS ignores scanOnPush of shop/web".to_string()]
        );
    }

    #[test]
    fn replication_fills_in_the_account_and_compares_destinations_as_sets() {
        let want = desired_replication(
            &Replication {
                rules: vec![ReplicationRule {
                    destinations: vec![
                        ReplicationDestination {
                            region: "us-west-2".into(),
                            registry_id: None,
                        },
                        ReplicationDestination {
                            region: "eu-central-1".into(),
                            registry_id: Some("210987654321".into()),
                        },
                    ],
                    repository_filters: vec!["shop/".into()],
                }],
            },
            ACCOUNT,
        );
        let have = observed_replication(&json!({"rules": [{
            "destinations": [
                {"region": "us-west-2", "registryId": ACCOUNT},
                {"region": "eu-central-1", "registryId": "210987654321"}],
            "repositoryFilters": [{"filter": "shop/", "filterType": "PREFIX_MATCH"}]}]}));
        assert_eq!(diff_replication(&want, &have), None);
        let change = diff_replication(&want, &[]).unwrap();
        assert_eq!(change.action, ChangeAction::Create);
        assert_eq!(
            change.fields[0].after[0]["destinations"][1],
            json!({"region": "us-west-2", "registryId": ACCOUNT})
        );
    }

    #[test]
    fn empty_replication_clears_live_rules() {
        let m = manifest("registry:\n  replication: { rules: [] }\n");
        let live = live_with(LiveRegistry {
            replication: Some(
                json!({"rules": [{"destinations": [{"region": "us-west-2", "registryId": ACCOUNT}]}]}),
            ),
            ..LiveRegistry::default()
        });
        let p = plan_of(&m, &live);
        assert_eq!(p.changes[0].action, ChangeAction::Update);
        assert_eq!(
            p.changes[0].operations,
            vec![Operation::Registry(
                RegistryOperation::PutReplicationConfiguration { rules: vec![] }
            )]
        );
        assert!(plan_of(&m, &converge(&m, &live)).changes.is_empty());
        // Nothing live, nothing wanted: no change.
        assert!(
            plan_of(&m, &live_with(LiveRegistry::default()))
                .changes
                .is_empty()
        );
    }

    #[test]
    fn a_destination_equal_to_the_live_source_is_a_conflict() {
        let m = manifest(
            "registry:\n  replication: { rules: [ { destinations: [ { region: eu-west-1 } ] } ] }\n",
        );
        let p = plan_of(&m, &live_with(LiveRegistry::default()));
        assert_eq!(p.conflicts.len(), 1);
        assert_eq!(p.conflicts[0].address, REPLICATION_ADDRESS);
        assert!(p.conflicts[0].message.contains("source registry itself"));
        // Another account in the same region is fine.
        let m = manifest(
            "registry:\n  replication: { rules: [ { destinations: [ { region: eu-west-1, registryId: \"210987654321\" } ] } ] }\n",
        );
        assert!(
            plan_of(&m, &live_with(LiveRegistry::default()))
                .conflicts
                .is_empty()
        );
    }

    const POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"R","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::210987654321:root"},"Action":["ecr:ReplicateImage","ecr:CreateRepository"],"Resource":"arn:aws:ecr:eu-west-1:123456789012:repository/*"}]}"#;

    #[test]
    fn the_policy_compares_by_meaning() {
        let m = manifest(&format!("registry:\n  policy: '{POLICY}'\n"));
        // Same meaning: actions reordered, the principal as an account id, a single statement object.
        let live_text = r#"{"Version":"2012-10-17","Statement":{"Sid":"R","Effect":"Allow","Principal":{"AWS":"210987654321"},"Action":["ecr:CreateRepository","ecr:ReplicateImage"],"Resource":"arn:aws:ecr:eu-west-1:123456789012:repository/*"}}"#;
        let live = live_with(LiveRegistry {
            policy: Some(Some(live_text.into())),
            ..LiveRegistry::default()
        });
        assert!(plan_of(&m, &live).changes.is_empty());
    }

    #[test]
    fn the_policy_is_created_updated_and_deleted() {
        let m = manifest(&format!("registry:\n  policy: '{POLICY}'\n"));
        let none = live_with(LiveRegistry {
            policy: Some(None),
            ..LiveRegistry::default()
        });
        let p = plan_of(&m, &none);
        assert_eq!(p.changes[0].action, ChangeAction::Create);
        assert_eq!(p.changes[0].fields[0].before, Value::Null);
        assert!(p.changes[0].fields[0].is_document());
        let next = converge(&m, &none);
        assert!(plan_of(&m, &next).changes.is_empty());

        let other = POLICY.replace("210987654321", "111122223333");
        let drifted = live_with(LiveRegistry {
            policy: Some(Some(other)),
            ..LiveRegistry::default()
        });
        let p = plan_of(&m, &drifted);
        assert_eq!(p.changes[0].action, ChangeAction::Update);
        assert_eq!(p.changes[0].reason, "policy differs");

        // Validation rejects a document without statements; the plan still means "no policy".
        let mut empty = m.clone();
        empty.registry.policy = Some(json!({"Version": "2012-10-17", "Statement": []}));
        let p = plan_of(&empty, &drifted);
        assert_eq!(p.changes[0].action, ChangeAction::Delete);
        assert_eq!(
            p.changes[0].operations,
            vec![Operation::Registry(RegistryOperation::DeleteRegistryPolicy)]
        );
        assert!(plan_of(&empty, &none).changes.is_empty());
    }
}
