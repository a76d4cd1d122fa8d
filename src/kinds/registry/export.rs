//! The registry's settings as manifest sections, PURE: scanning, replication, the
//! registry policy, signing, account settings and pull-time exclusions when they differ
//! from AWS's defaults (BASIC scanning without rules, no replication, no policy, no
//! signing rules, no exclusions, a new registry's account settings).

use crate::export::scope::Scope;
use crate::kinds::registry::{DEFAULT_SCAN_TYPE, observed_replication, observed_scanning};
use crate::live::LiveRegistry;
use crate::manifest::model::{
    RegistryScanning, Replication, ReplicationDestination, ReplicationRule, ScanningRule,
};
use serde_json::{Value, json};

pub fn scanning(live: &LiveRegistry) -> Option<RegistryScanning> {
    let spec = observed_scanning(live.scanning.as_ref()?);
    if spec.is_default() {
        return None;
    }
    Some(RegistryScanning {
        scan_type: (spec.scan_type != DEFAULT_SCAN_TYPE)
            .then(|| serde_json::from_value(json!(spec.scan_type)).ok())
            .flatten(),
        rules: spec
            .rules
            .into_iter()
            .filter_map(|r| {
                Some(ScanningRule {
                    scan_frequency: serde_json::from_value(json!(r.scan_frequency)).ok()?,
                    filters: r.filters,
                })
            })
            .collect(),
    })
}

pub fn replication(live: &LiveRegistry, scope: &Scope) -> Option<Replication> {
    let rules = observed_replication(live.replication.as_ref()?);
    if rules.is_empty() {
        return None;
    }
    Some(Replication {
        rules: rules
            .into_iter()
            .map(|r| ReplicationRule {
                destinations: r
                    .destinations
                    .into_iter()
                    .map(|d| ReplicationDestination {
                        region: d.region,
                        // The account wharf runs in is the default destination registry.
                        registry_id: (d.registry_id != scope.account_id).then_some(d.registry_id),
                    })
                    .collect(),
                repository_filters: r.repository_filters,
            })
            .collect(),
    })
}

pub fn signing(live: &LiveRegistry) -> Option<crate::manifest::model::Signing> {
    let rules = crate::kinds::registry::supply_chain::observed_signing(live.signing.as_ref()?);
    (!rules.is_empty()).then(|| crate::manifest::model::Signing {
        rules: rules
            .into_iter()
            .map(|r| crate::manifest::model::SigningRule {
                signing_profile_arn: r.signing_profile_arn,
                repository_filters: r.repository_filters,
            })
            .collect(),
    })
}

pub fn account_settings(live: &LiveRegistry) -> Option<crate::manifest::model::AccountSettings> {
    use crate::manifest::model::{AccountSettings, BlobMounting};
    let settings = live.account_settings.as_ref()?;
    let value = |name: &str| settings.get(name).map(String::as_str);
    // A new registry's values (ECR User Guide, registry-permissions-account-settings:
    // new registries use V2; basic scanning is AWS_NATIVE; blob mounting is off) are not
    // written; neither are V1 and CLAIR, which PutAccountSetting no longer takes.
    let exported = AccountSettings {
        blob_mounting: (value("BLOB_MOUNTING") == Some("ENABLED")).then_some(BlobMounting::Enabled),
        ..AccountSettings::default()
    };
    (!exported.declared().is_empty()).then_some(exported)
}

/// The re-scan members that differ from Inspector's defaults for a new account.
pub fn enhanced_scanning(live: &LiveRegistry) -> Option<crate::manifest::model::EnhancedScanning> {
    use crate::kinds::registry::supply_chain::RESCAN_DEFAULTS;
    let doc = live.enhanced_scanning.as_ref()?;
    let member = |name: &str| -> Option<Value> {
        let value = doc.get(name)?.as_str()?;
        let default = RESCAN_DEFAULTS.iter().find(|(n, _)| *n == name)?.1;
        (value != default).then(|| json!(value))
    };
    let exported = crate::manifest::model::EnhancedScanning {
        rescan_duration: member("rescanDuration").and_then(|v| serde_json::from_value(v).ok()),
        pull_date_rescan_duration: member("pullDateRescanDuration")
            .and_then(|v| serde_json::from_value(v).ok()),
        pull_date_rescan_mode: member("pullDateRescanMode")
            .and_then(|v| serde_json::from_value(v).ok()),
    };
    (!exported.declared().is_empty()).then_some(exported)
}

pub fn exclusions(live: &LiveRegistry) -> Option<Vec<String>> {
    live.pull_time_update_exclusions
        .clone()
        .filter(|list| !list.is_empty())
}

pub fn policy(live: &LiveRegistry) -> Option<Value> {
    let text = live.policy.as_ref()?.as_ref()?;
    Some(serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.clone())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::creation_template::export::creation_template;
    use crate::kinds::pull_through_cache::export::pull_through_cache_rule;
    use crate::live::{LiveCreationTemplate, LivePullThroughCacheRule};
    use crate::manifest::model::PullThroughCacheRule;
    use crate::manifest::model::{AppliedFor, ImageTagMutability, ScanFrequency, ScanType};
    use std::collections::BTreeMap;

    fn scope() -> Scope {
        Scope {
            account_id: "123456789012".into(),
            region: "eu-west-1".into(),
            ..Scope::default()
        }
    }

    #[test]
    fn registry_sections_at_their_defaults_are_left_out() {
        let live = LiveRegistry {
            scanning: Some(json!({"scanType": "BASIC", "rules": []})),
            replication: Some(json!({"rules": []})),
            policy: Some(None),
            signing: Some(json!([])),
            account_settings: Some(BTreeMap::from([
                ("REGISTRY_POLICY_SCOPE".to_string(), "V1".to_string()),
                ("BLOB_MOUNTING".to_string(), "DISABLED".to_string()),
                ("BASIC_SCAN_TYPE_VERSION".to_string(), "CLAIR".to_string()),
            ])),
            pull_time_update_exclusions: Some(Vec::new()),
            enhanced_scanning: Some(
                json!({"rescanDuration": "DAYS_14", "pullDateRescanDuration": "DAYS_14", "pullDateRescanMode": "LAST_IN_USE_AT"}),
            ),
        };
        assert_eq!(scanning(&live), None);
        assert_eq!(replication(&live, &scope()), None);
        assert_eq!(policy(&live), None);
        assert_eq!(signing(&live), None);
        assert_eq!(
            account_settings(&live),
            None,
            "only values a manifest can declare"
        );
        assert_eq!(exclusions(&live), None);
        assert_eq!(enhanced_scanning(&live), None, "Inspector's defaults");
    }

    #[test]
    fn registry_sections_that_differ_are_exported() {
        let live = LiveRegistry {
            scanning: Some(json!({"scanType": "ENHANCED", "rules": [
                {"scanFrequency": "CONTINUOUS_SCAN", "repositoryFilters": [{"filter": "shop/*", "filterType": "WILDCARD"}]}]})),
            replication: Some(json!({"rules": [{"destinations": [
                {"region": "us-west-2", "registryId": "123456789012"},
                {"region": "eu-central-1", "registryId": "210987654321"}],
                "repositoryFilters": [{"filter": "shop/", "filterType": "PREFIX_MATCH"}]}]})),
            policy: Some(Some(r#"{"Version":"2012-10-17","Statement":[]}"#.into())),
            signing: Some(
                json!([{"signingProfileArn": "arn:aws:signer:eu-west-1:123456789012:/signing-profiles/shop_release",
                "repositoryFilters": [{"filter": "shop/*", "filterType": "WILDCARD_MATCH"}]}]),
            ),
            account_settings: Some(BTreeMap::from([
                ("REGISTRY_POLICY_SCOPE".to_string(), "V2".to_string()),
                ("BLOB_MOUNTING".to_string(), "ENABLED".to_string()),
            ])),
            pull_time_update_exclusions: Some(vec![
                "arn:aws:iam::123456789012:role/scanner".into(),
            ]),
            enhanced_scanning: Some(
                json!({"rescanDuration": "LIFETIME", "pullDateRescanDuration": "DAYS_14", "pullDateRescanMode": "LAST_PULL_DATE"}),
            ),
        };
        assert_eq!(
            scanning(&live),
            Some(RegistryScanning {
                scan_type: Some(ScanType::Enhanced),
                rules: vec![ScanningRule {
                    scan_frequency: ScanFrequency::ContinuousScan,
                    filters: vec!["shop/*".into()],
                }],
            })
        );
        assert_eq!(
            signing(&live).map(|s| s.rules[0].repository_filters.clone()),
            Some(vec!["shop/*".to_string()])
        );
        let settings = account_settings(&live).expect("settings");
        assert_eq!(
            settings.declared(),
            [("BLOB_MOUNTING", "ENABLED")],
            "V2 is a new registry's scope"
        );
        assert_eq!(
            exclusions(&live),
            Some(vec!["arn:aws:iam::123456789012:role/scanner".to_string()])
        );
        assert_eq!(
            enhanced_scanning(&live).map(|e| e.declared()),
            Some(vec![
                ("rescanDuration", "LIFETIME".to_string()),
                ("pullDateRescanMode", "LAST_PULL_DATE".to_string())
            ])
        );
        let replication = replication(&live, &scope()).expect("replication");
        let destinations = &replication.rules[0].destinations;
        assert!(
            destinations
                .iter()
                .any(|d| d.region == "us-west-2" && d.registry_id.is_none())
        );
        assert!(
            destinations
                .iter()
                .any(|d| d.registry_id.as_deref() == Some("210987654321"))
        );
        assert_eq!(
            replication.rules[0].repository_filters,
            vec!["shop/".to_string()]
        );
        assert!(policy(&live).is_some_and(|p| p.is_object()));
    }

    #[test]
    fn a_pull_through_cache_rule_leaves_out_the_root_prefix() {
        let rule = pull_through_cache_rule(&LivePullThroughCacheRule {
            ecr_repository_prefix: "ecr-public".into(),
            upstream_registry_url: "public.ecr.aws".into(),
            upstream_repository_prefix: Some("ROOT".into()),
            ..LivePullThroughCacheRule::default()
        });
        assert_eq!(
            rule,
            PullThroughCacheRule {
                upstream_registry_url: "public.ecr.aws".into(),
                ..PullThroughCacheRule::default()
            }
        );
    }

    #[test]
    fn a_creation_template_uses_the_repository_short_forms() {
        let template = creation_template(
            &LiveCreationTemplate {
                prefix: "shop/".into(),
                applied_for: vec!["PULL_THROUGH_CACHE".into(), "REPLICATION".into()],
                image_tag_mutability: Some("IMMUTABLE".into()),
                encryption_type: Some("AES256".into()),
                lifecycle_policy: Some(r#"{"rules":[{"rulePriority":1,"selection":{"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":7},"action":{"type":"expire"}}]}"#.into()),
                resource_tags: BTreeMap::from([("team".into(), "shop".into())]),
                ..LiveCreationTemplate::default()
            },
            &scope(),
        );
        assert_eq!(
            template.applied_for,
            vec![AppliedFor::PullThroughCache, AppliedFor::Replication]
        );
        assert_eq!(
            template.image_tag_mutability,
            Some(ImageTagMutability::Immutable)
        );
        assert_eq!(template.encryption, None);
        assert_eq!(template.lifecycle.map(|r| r.len()), Some(1));
        assert_eq!(template.lifecycle_policy, None);
        assert!(template.resource_tags.is_some());
    }
}
