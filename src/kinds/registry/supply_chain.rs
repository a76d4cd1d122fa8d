//! The registry's supply-chain sections, PURE: managed image signing
//! (`ecr.registry.signing`), account settings (`ecr.registry.account_settings`), the
//! principals excluded from updating last-pull times
//! (`ecr.registry.pull_time_update_exclusions`) and Amazon Inspector's re-scan durations
//! for enhanced scanning (`ecr.registry.enhanced_scanning`). Like the other registry singletons they
//! are owned by presence: a section left out is not read and never reset.
//!
//! AWS facts encoded here (ECR API Reference): GetSigningConfiguration answers
//! SigningConfigurationNotFoundException when there is none (read as no rules), and an
//! empty configuration is removed with DeleteSigningConfiguration; signing rules and their
//! WILDCARD_MATCH filters are sets (compared sorted); PutAccountSetting sets one setting by
//! name; exclusions are registered and deregistered one principal at a time.

use super::operation::{RegistryOperation, SigningRuleSpec};
use crate::kinds::common::Context;
use crate::manifest::model::{Manifest, Signing};
use crate::plan::{Change, ChangeAction, ChangeReason, FieldChange, Operation};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

pub const SIGNING_ADDRESS: &str = "ecr.registry.signing";
pub const ACCOUNT_SETTINGS_ADDRESS: &str = "ecr.registry.account_settings";
pub const EXCLUSIONS_ADDRESS: &str = "ecr.registry.pull_time_update_exclusions";
pub const ENHANCED_SCANNING_ADDRESS: &str = "ecr.registry.enhanced_scanning";

/// Amazon Inspector's ECR re-scan settings in a new account (Inspector User Guide,
/// "Configuring the Amazon ECR re-scan duration": 14 days by default, monitored by the
/// last-in-use date unless switched to the last pull date).
pub const RESCAN_DEFAULTS: [(&str, &str); 3] = [
    ("rescanDuration", "DAYS_14"),
    ("pullDateRescanDuration", "DAYS_14"),
    ("pullDateRescanMode", "LAST_IN_USE_AT"),
];

/// The re-scan change, if a declared member differs. UpdateConfiguration requires
/// `rescanDuration` and replaces the whole ECR configuration, so every member is sent:
/// those the manifest leaves out as AWS holds them.
pub fn diff_enhanced_scanning(want: &[(&'static str, String)], have: &Value) -> Option<Change> {
    let live = |name: &str| {
        have.get(name)
            .and_then(Value::as_str)
            .map(str::to_string)
            .or_else(|| {
                RESCAN_DEFAULTS
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| v.to_string())
            })
    };
    let fields: Vec<FieldChange> = want
        .iter()
        .filter(|(name, value)| live(name).as_deref() != Some(value.as_str()))
        .map(|(name, value)| {
            FieldChange::new(
                *name,
                live(name).map_or(Value::Null, |v| json!(v)),
                json!(value),
            )
        })
        .collect();
    if fields.is_empty() {
        return None;
    }
    let value = |name: &str| {
        want.iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.clone())
            .or_else(|| live(name))
    };
    Some(change(
        ENHANCED_SCANNING_ADDRESS,
        ChangeAction::Update,
        crate::kinds::common::differs_reason(&fields),
        fields,
        vec![RegistryOperation::UpdateInspectorEcrConfiguration {
            rescan_duration: value("rescanDuration").unwrap_or_default(),
            pull_date_rescan_duration: value("pullDateRescanDuration"),
            pull_date_rescan_mode: value("pullDateRescanMode"),
        }],
    ))
}

/// The signing rules the manifest asks for, as a sorted set.
pub fn desired_signing(signing: &Signing) -> Vec<SigningRuleSpec> {
    let mut rules: Vec<SigningRuleSpec> = signing
        .rules
        .iter()
        .map(|r| {
            let filters: BTreeSet<String> = r.repository_filters.iter().cloned().collect();
            SigningRuleSpec {
                signing_profile_arn: r.signing_profile_arn.clone(),
                repository_filters: filters.into_iter().collect(),
            }
        })
        .collect();
    rules.sort();
    rules.dedup();
    rules
}

/// Live signing rules (`[{signingProfileArn, repositoryFilters: [{filter, filterType}]}]`).
pub fn observed_signing(doc: &Value) -> Vec<SigningRuleSpec> {
    let mut rules: Vec<SigningRuleSpec> = doc
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| {
            let filters: BTreeSet<String> = r["repositoryFilters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|f| f["filter"].as_str().map(str::to_string))
                .collect();
            SigningRuleSpec {
                signing_profile_arn: r["signingProfileArn"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                repository_filters: filters.into_iter().collect(),
            }
        })
        .collect();
    rules.sort();
    rules.dedup();
    rules
}

fn change(
    address: &str,
    action: ChangeAction,
    reason: String,
    fields: Vec<FieldChange>,
    operations: Vec<RegistryOperation>,
) -> Change {
    let reason_code = match action {
        ChangeAction::Create => ChangeReason::CreateBecauseMissing,
        _ => ChangeReason::UpdateBecauseDrifted,
    };
    Change {
        address: address.into(),
        action,
        reason,
        reason_code,
        fields,
        destroys: None,
        preview: None,
        operations: operations.into_iter().map(Operation::Registry).collect(),
    }
}

/// The signing change, if live differs: a create when the registry signs nothing, a
/// delete when the manifest's rules are empty.
pub fn diff_signing(want: &[SigningRuleSpec], have: &[SigningRuleSpec]) -> Option<Change> {
    if want == have {
        return None;
    }
    let fields = vec![FieldChange::new(
        "rules",
        serde_json::to_value(have).expect("rules serialize"),
        serde_json::to_value(want).expect("rules serialize"),
    )];
    Some(match (want.is_empty(), have.is_empty()) {
        (true, _) => change(
            SIGNING_ADDRESS,
            ChangeAction::Delete,
            "the manifest's signing has no rules: nothing is signed".into(),
            fields,
            vec![RegistryOperation::DeleteSigningConfiguration],
        ),
        (false, true) => change(
            SIGNING_ADDRESS,
            ChangeAction::Create,
            "the registry signs no image".into(),
            fields,
            vec![RegistryOperation::PutSigningConfiguration {
                rules: want.to_vec(),
            }],
        ),
        (false, false) => change(
            SIGNING_ADDRESS,
            ChangeAction::Update,
            "rules differ".into(),
            fields,
            vec![RegistryOperation::PutSigningConfiguration {
                rules: want.to_vec(),
            }],
        ),
    })
}

/// The account settings that differ, one PutAccountSetting each.
pub fn diff_account_settings(
    want: &[(&str, &str)],
    have: &BTreeMap<String, String>,
) -> Option<Change> {
    let mut fields = Vec::new();
    let mut operations = Vec::new();
    for (name, value) in want {
        let live = have.get(*name);
        if live.map(String::as_str) != Some(*value) {
            fields.push(FieldChange::new(
                *name,
                live.map_or(Value::Null, |v| json!(v)),
                json!(value),
            ));
            operations.push(RegistryOperation::PutAccountSetting {
                name: name.to_string(),
                value: value.to_string(),
            });
        }
    }
    (!fields.is_empty()).then(|| {
        change(
            ACCOUNT_SETTINGS_ADDRESS,
            ChangeAction::Update,
            crate::kinds::common::differs_reason(&fields),
            fields,
            operations,
        )
    })
}

/// A principal as ECR knows it: a role of the manifest (by name) becomes its ARN.
pub fn principal_arn(manifest: &Manifest, ctx: &Context, principal: &str) -> String {
    if principal.starts_with("arn:") {
        principal.to_string()
    } else {
        crate::kinds::role::references::resolve_reference(manifest, ctx, principal)
    }
}

/// The exclusions to register and deregister so the registry holds exactly `want`.
pub fn diff_exclusions(want: &BTreeSet<String>, have: &BTreeSet<String>) -> Option<Change> {
    if want == have {
        return None;
    }
    let operations: Vec<RegistryOperation> = want
        .difference(have)
        .map(|arn| RegistryOperation::RegisterPullTimeUpdateExclusion {
            principal_arn: arn.clone(),
        })
        .chain(have.difference(want).map(|arn| {
            RegistryOperation::DeregisterPullTimeUpdateExclusion {
                principal_arn: arn.clone(),
            }
        }))
        .collect();
    let fields = vec![FieldChange::new("principals", json!(have), json!(want))];
    let (action, reason) = if have.is_empty() {
        (
            ChangeAction::Create,
            "no principal is excluded from updating last-pull times".to_string(),
        )
    } else {
        (ChangeAction::Update, "principals differ".to_string())
    };
    Some(change(
        EXCLUSIONS_ADDRESS,
        action,
        reason,
        fields,
        operations,
    ))
}

/// The three sections' changes, for the sections the manifest declares.
pub fn plan(manifest: &Manifest, ctx: &Context, live: &crate::live::LiveRegistry) -> Vec<Change> {
    let registry = &manifest.registry;
    let mut out = Vec::new();
    if let Some(signing) = &registry.signing {
        let have = observed_signing(live.signing.as_ref().unwrap_or(&Value::Null));
        out.extend(diff_signing(&desired_signing(signing), &have));
    }
    if let Some(settings) = &registry.account_settings {
        let have = live.account_settings.clone().unwrap_or_default();
        out.extend(diff_account_settings(&settings.declared(), &have));
    }
    if let Some(scanning) = &registry.enhanced_scanning {
        out.extend(diff_enhanced_scanning(
            &scanning.declared(),
            live.enhanced_scanning.as_ref().unwrap_or(&Value::Null),
        ));
    }
    if let Some(principals) = &registry.pull_time_update_exclusions {
        let want: BTreeSet<String> = principals
            .iter()
            .map(|p| principal_arn(manifest, ctx, p))
            .collect();
        let have: BTreeSet<String> = live
            .pull_time_update_exclusions
            .iter()
            .flatten()
            .cloned()
            .collect();
        out.extend(diff_exclusions(&want, &have));
    }
    out
}

/// The sections' effect on what the registry holds (for simulations in tests).
pub fn after(live: &mut crate::live::LiveRegistry, operation: &RegistryOperation) {
    match operation {
        RegistryOperation::PutSigningConfiguration { rules } => {
            live.signing = Some(json!(rules.iter().map(|r| json!({
                "signingProfileArn": r.signing_profile_arn,
                "repositoryFilters": r.repository_filters.iter().map(|f| json!({"filter": f, "filterType": "WILDCARD_MATCH"})).collect::<Vec<_>>(),
            })).collect::<Vec<_>>()));
        }
        RegistryOperation::DeleteSigningConfiguration => live.signing = Some(json!([])),
        RegistryOperation::PutAccountSetting { name, value } => {
            live.account_settings
                .get_or_insert_with(BTreeMap::new)
                .insert(name.clone(), value.clone());
        }
        RegistryOperation::RegisterPullTimeUpdateExclusion { principal_arn } => {
            let list = live
                .pull_time_update_exclusions
                .get_or_insert_with(Vec::new);
            if !list.contains(principal_arn) {
                list.push(principal_arn.clone());
            }
        }
        RegistryOperation::DeregisterPullTimeUpdateExclusion { principal_arn } => {
            if let Some(list) = &mut live.pull_time_update_exclusions {
                list.retain(|p| p != principal_arn);
            }
        }
        RegistryOperation::UpdateInspectorEcrConfiguration {
            rescan_duration,
            pull_date_rescan_duration,
            pull_date_rescan_mode,
        } => {
            live.enhanced_scanning = Some(json!({
                "rescanDuration": rescan_duration,
                "pullDateRescanDuration": pull_date_rescan_duration,
                "pullDateRescanMode": pull_date_rescan_mode,
            }));
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::LiveRegistry;
    use crate::manifest::{Variables, load};

    const PROFILE: &str = "arn:aws:signer:eu-west-1:123456789012:/signing-profiles/shop_release";

    fn manifest(yaml: &str) -> Manifest {
        let src = format!("version: 1\nstack: shop\n{yaml}");
        match load("wharf.yaml", &src, &Variables::default()) {
            Ok(loaded) => loaded.manifest,
            Err(failure) => panic!("{src}\n{:#?}", failure.diagnostics),
        }
    }

    fn plan_of(m: &Manifest, live: &LiveRegistry) -> Vec<Change> {
        let keys = BTreeMap::new();
        let ctx = Context {
            account_id: "123456789012",
            region: "eu-west-1",
            kms_keys: &keys,
        };
        plan(m, &ctx, live)
    }

    /// Applies the plan's operations to `live` and checks the plan is then empty.
    fn converges(m: &Manifest, mut live: LiveRegistry) -> LiveRegistry {
        for change in plan_of(m, &live) {
            for op in &change.operations {
                let Operation::Registry(op) = op else {
                    panic!("a registry operation")
                };
                after(&mut live, op);
            }
        }
        assert!(plan_of(m, &live).is_empty(), "{:#?}", plan_of(m, &live));
        live
    }

    #[test]
    fn signing_is_created_updated_compared_as_a_set_and_deleted() {
        let m = manifest(&format!(
            "registry:\n  signing:\n    rules:\n      - {{ signingProfileArn: \"{PROFILE}\", repositoryFilters: [\"shop/*\", \"base/*\", \"shop/*\"] }}\n"
        ));
        let unread = LiveRegistry {
            signing: Some(json!([])),
            ..LiveRegistry::default()
        };
        let changes = plan_of(&m, &unread);
        assert_eq!(changes[0].action, ChangeAction::Create);
        let live = converges(&m, unread);
        // AWS's order of filters is no difference.
        let reordered = LiveRegistry {
            signing: Some(json!([{"signingProfileArn": PROFILE, "repositoryFilters": [
                {"filter": "shop/*", "filterType": "WILDCARD_MATCH"},
                {"filter": "base/*", "filterType": "WILDCARD_MATCH"}]}])),
            ..live.clone()
        };
        assert!(plan_of(&m, &reordered).is_empty());
        let empty = manifest("registry:\n  signing: { rules: [] }\n");
        let changes = plan_of(&empty, &live);
        assert_eq!(changes[0].action, ChangeAction::Delete);
        assert_eq!(
            changes[0].operations,
            [Operation::Registry(
                RegistryOperation::DeleteSigningConfiguration
            )]
        );
        converges(&empty, live);
    }

    #[test]
    fn account_settings_put_only_what_differs() {
        let m = manifest(
            "registry:\n  accountSettings: { REGISTRY_POLICY_SCOPE: V2, BLOB_MOUNTING: ENABLED }\n",
        );
        let live = LiveRegistry {
            account_settings: Some(BTreeMap::from([
                ("REGISTRY_POLICY_SCOPE".to_string(), "V1".to_string()),
                ("BLOB_MOUNTING".to_string(), "ENABLED".to_string()),
            ])),
            ..LiveRegistry::default()
        };
        let changes = plan_of(&m, &live);
        assert_eq!(
            changes[0].operations,
            [Operation::Registry(RegistryOperation::PutAccountSetting {
                name: "REGISTRY_POLICY_SCOPE".into(),
                value: "V2".into()
            })]
        );
        assert_eq!(changes[0].fields[0].before, json!("V1"));
        converges(&m, live);
    }

    #[test]
    fn exclusions_are_registered_and_deregistered_and_roles_named_by_name() {
        let m = manifest(
            "iam:\n  roles:\n    scanner: { assumedBy: [ecs-tasks.amazonaws.com] }\nregistry:\n  pullTimeUpdateExclusions: [scanner, \"arn:aws:iam::123456789012:user/auditor\"]\n",
        );
        let live = LiveRegistry {
            pull_time_update_exclusions: Some(vec!["arn:aws:iam::123456789012:role/old".into()]),
            ..LiveRegistry::default()
        };
        let changes = plan_of(&m, &live);
        let ops: Vec<String> = changes[0].operations.iter().map(|o| o.describe()).collect();
        assert_eq!(
            ops,
            [
                "RegisterPullTimeUpdateExclusion arn:aws:iam::123456789012:role/scanner",
                "RegisterPullTimeUpdateExclusion arn:aws:iam::123456789012:user/auditor",
                "DeregisterPullTimeUpdateExclusion arn:aws:iam::123456789012:role/old",
            ]
        );
        converges(&m, live);
    }

    #[test]
    fn enhanced_scanning_compares_stated_members_and_sends_all() {
        let m = manifest("registry:\n  enhancedScanning: { pullDateRescanMode: LAST_PULL_DATE }\n");
        let live = LiveRegistry {
            enhanced_scanning: Some(
                json!({"rescanDuration": "DAYS_30", "pullDateRescanDuration": "DAYS_90", "pullDateRescanMode": "LAST_IN_USE_AT"}),
            ),
            ..LiveRegistry::default()
        };
        let changes = plan_of(&m, &live);
        assert_eq!(
            changes[0].fields.len(),
            1,
            "only the stated member compares"
        );
        assert_eq!(
            changes[0].operations,
            [Operation::Registry(
                RegistryOperation::UpdateInspectorEcrConfiguration {
                    rescan_duration: "DAYS_30".into(),
                    pull_date_rescan_duration: Some("DAYS_90".into()),
                    pull_date_rescan_mode: Some("LAST_PULL_DATE".into()),
                }
            )]
        );
        converges(&m, live);
        // Nothing read yet: Inspector's defaults are what AWS holds.
        let at_defaults = manifest("registry:\n  enhancedScanning: { rescanDuration: DAYS_14 }\n");
        assert!(plan_of(&at_defaults, &LiveRegistry::default()).is_empty());
    }

    #[test]
    fn sections_left_out_are_not_managed() {
        let m = manifest("registry:\n  scanning: { scanType: BASIC }\n");
        let live = LiveRegistry {
            signing: Some(json!([{"signingProfileArn": PROFILE}])),
            pull_time_update_exclusions: Some(vec!["arn:aws:iam::123456789012:role/x".into()]),
            ..LiveRegistry::default()
        };
        assert!(
            plan(
                &m,
                &Context {
                    account_id: "123456789012",
                    region: "eu-west-1",
                    kms_keys: &BTreeMap::new()
                },
                &live
            )
            .is_empty()
        );
    }
}
