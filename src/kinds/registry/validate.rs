//! Validation of `registry`: scanning (scan types and frequencies, wildcard filters, at
//! most 2 rules, and the scanOnPush that ENHANCED scanning makes AWS ignore),
//! replication (regions, accounts, prefix filters, AWS's limits, and a destination that
//! is the source registry itself) and the registry policy (IAM grammar, size).

use crate::manifest::model::{RegistryScanning, Replication, ScanFrequency, ScanType};
use crate::manifest::spans::pointer;
use crate::manifest::validate::{
    ACCOUNT_ID, PolicyKind, REGION, REPOSITORY_POLICY_MAX, Validator, check_policy_document_of,
    child, pointer_join,
};
use regex::Regex;
use std::sync::LazyLock;

/// PutRegistryScanningConfiguration: at most 2 rules.
const SCANNING_RULES_MAX: usize = 2;
/// PutRegistryScanningConfiguration: at most 100 filters per rule.
const SCANNING_FILTERS_MAX: usize = 100;
/// PutReplicationConfiguration: at most 10 rules, 25 destinations and 100 filters in all.
const REPLICATION_RULES_MAX: usize = 10;
const REPLICATION_DESTINATIONS_MAX: usize = 25;
const REPLICATION_FILTERS_MAX: usize = 100;

/// ScanningRepositoryFilter `filter`: lowercase repository-name characters and `*`.
static SCANNING_FILTER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[a-z0-9*](?:[._\-/a-z0-9*]?[a-z0-9*]+)*$").expect("valid regex")
});
/// RepositoryFilter `filter` (PREFIX_MATCH): the start of a repository name.
static REPLICATION_FILTER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:[a-z0-9]+(?:[._-][a-z0-9]*)*/)*[a-z0-9]*(?:[._-][a-z0-9]*)*$")
        .expect("valid regex")
});

impl Validator<'_> {
    pub(crate) fn registry(&mut self) {
        let registry = &self.manifest.registry;
        if let Some(scanning) = &registry.scanning {
            self.scanning(scanning);
        }
        if let Some(replication) = &registry.replication {
            self.replication(replication);
        }
        if let Some(raw) = &registry.policy {
            self.registry_policy(raw);
        }
        self.supply_chain();
    }

    fn scanning(&mut self, scanning: &RegistryScanning) {
        let base = pointer(&["registry", "scanning"]);
        let scan_type = scanning.scan_type.unwrap_or_default();
        let rules_ptr = child(&base, "rules");
        if scanning.rules.len() > SCANNING_RULES_MAX {
            self.error(
                self.key(&rules_ptr),
                format!(
                    "{} scanning rules; ECR allows at most {SCANNING_RULES_MAX}",
                    scanning.rules.len()
                ),
                Some("merge rules with the same scanFrequency: a rule takes many filters".into()),
            );
        }
        for (i, rule) in scanning.rules.iter().enumerate() {
            let rule_ptr = child(&rules_ptr, &i.to_string());
            let frequency = rule.scan_frequency;
            let allowed = match scan_type {
                ScanType::Basic => frequency != ScanFrequency::ContinuousScan,
                ScanType::Enhanced => frequency != ScanFrequency::Manual,
            };
            if !allowed {
                let hint = match scan_type {
                    ScanType::Basic => {
                        "basic scanning supports SCAN_ON_PUSH (and MANUAL); use scanType: ENHANCED for CONTINUOUS_SCAN"
                    }
                    ScanType::Enhanced => {
                        "enhanced scanning supports SCAN_ON_PUSH and CONTINUOUS_SCAN"
                    }
                };
                self.error(
                    self.at(&child(&rule_ptr, "scanFrequency")),
                    format!(
                        "{} scanning cannot scan {}",
                        scan_type.as_str(),
                        frequency.as_str()
                    ),
                    Some(hint.into()),
                );
            }
            let filters_ptr = child(&rule_ptr, "filters");
            if rule.filters.is_empty() {
                self.error(
                    self.at(&child(&rule_ptr, "scanFrequency")),
                    "a scanning rule needs at least one filter",
                    Some("add filters: [\"*\"] to cover every repository".into()),
                );
            } else if rule.filters.len() > SCANNING_FILTERS_MAX {
                self.error(
                    self.key(&filters_ptr),
                    format!(
                        "{} filters; a scanning rule takes at most {SCANNING_FILTERS_MAX}",
                        rule.filters.len()
                    ),
                    None,
                );
            }
            for (j, filter) in rule.filters.iter().enumerate() {
                if filter.chars().count() > 256 || !SCANNING_FILTER.is_match(filter) {
                    self.error(
                        self.at(&child(&filters_ptr, &j.to_string())),
                        format!("`{filter}` is not a valid scanning filter"),
                        Some(
                            "a repository name in lowercase, with `*` wildcards: shop/*, *-prod"
                                .into(),
                        ),
                    );
                }
            }
        }
        if scan_type == ScanType::Enhanced {
            self.enhanced_scan_on_push();
        }
    }

    /// With ENHANCED scanning AWS ignores a repository's scanOnPush: warn where it is set.
    fn enhanced_scan_on_push(&mut self) {
        let mut places = Vec::new();
        if let Some(d) = &self.manifest.defaults.repository
            && d.scan_on_push == Some(true)
        {
            places.push(pointer(&["defaults", "repository", "scanOnPush"]));
        }
        for (name, repo) in &self.manifest.repositories {
            if repo.scan_on_push == Some(true) {
                places.push(pointer(&["repositories", name, "scanOnPush"]));
            }
        }
        for ptr in places {
            self.out
                .warning(
                    self.at(&ptr),
                    "the registry scans ENHANCED, so AWS ignores scanOnPush here",
                )
                .hint_mut("remove scanOnPush, or choose repositories with registry.scanning.rules filters");
        }
    }

    fn replication(&mut self, replication: &Replication) {
        let base = pointer(&["registry", "replication"]);
        let rules_ptr = child(&base, "rules");
        let m = self.manifest;
        if replication.rules.len() > REPLICATION_RULES_MAX {
            self.error(
                self.key(&rules_ptr),
                format!(
                    "{} replication rules; ECR allows at most {REPLICATION_RULES_MAX}",
                    replication.rules.len()
                ),
                None,
            );
        }
        let destinations: usize = replication.rules.iter().map(|r| r.destinations.len()).sum();
        if destinations > REPLICATION_DESTINATIONS_MAX {
            self.error(
                self.key(&rules_ptr),
                format!(
                    "{destinations} replication destinations; ECR allows at most {REPLICATION_DESTINATIONS_MAX} across all rules"
                ),
                None,
            );
        }
        let filters: usize = replication
            .rules
            .iter()
            .map(|r| r.repository_filters.len())
            .sum();
        if filters > REPLICATION_FILTERS_MAX {
            self.error(
                self.key(&rules_ptr),
                format!(
                    "{filters} repository filters; ECR allows at most {REPLICATION_FILTERS_MAX} across all rules"
                ),
                None,
            );
        }
        for (i, rule) in replication.rules.iter().enumerate() {
            let rule_ptr = child(&rules_ptr, &i.to_string());
            let dest_ptr = child(&rule_ptr, "destinations");
            if rule.destinations.is_empty() {
                self.error(
                    self.key(&dest_ptr),
                    "a replication rule needs at least one destination",
                    None,
                );
            }
            for (j, d) in rule.destinations.iter().enumerate() {
                let d_ptr = child(&dest_ptr, &j.to_string());
                let region_ok = REGION.is_match(&d.region);
                if !region_ok {
                    self.error(
                        self.at(&child(&d_ptr, "region")),
                        format!("`{}` is not an AWS region", d.region),
                        Some("a region looks like eu-west-1, us-east-2 or us-gov-west-1".into()),
                    );
                }
                if let Some(id) = &d.registry_id
                    && !ACCOUNT_ID.is_match(id)
                {
                    self.error(
                        self.at(&child(&d_ptr, "registryId")),
                        format!("`{id}` is not an AWS account id"),
                        Some("an account id is exactly 12 digits, quoted: \"123456789012\"".into()),
                    );
                }
                // The source registry: the manifest's region, and its account (a
                // destination without registryId is this account by definition).
                let same_account = match (&d.registry_id, &m.account_id) {
                    (None, _) => true,
                    (Some(id), Some(account)) => id == account,
                    (Some(_), None) => false,
                };
                if m.region.as_deref() == Some(d.region.as_str()) && same_account {
                    self.error(
                        self.at(&child(&d_ptr, "region")),
                        format!(
                            "this destination is the source registry itself ({} in this account)",
                            d.region
                        ),
                        Some(
                            "replicate to another region, or name another account with registryId"
                                .into(),
                        ),
                    );
                }
            }
            let filters_ptr = child(&rule_ptr, "repositoryFilters");
            for (j, filter) in rule.repository_filters.iter().enumerate() {
                let length = filter.chars().count();
                if !(2..=256).contains(&length) || !REPLICATION_FILTER.is_match(filter) {
                    self.error(
                        self.at(&pointer_join(&filters_ptr, &[&j.to_string()])),
                        format!("`{filter}` is not a valid repository prefix filter"),
                        Some("the start of a repository name, 2 to 256 lowercase characters: shop/, shop/web".into()),
                    );
                }
            }
        }
    }

    fn registry_policy(&mut self, raw: &serde_json::Value) {
        let ptr = pointer(&["registry", "policy"]);
        let Some((doc, inline)) = self.parse_raw(raw, &ptr, "the registry policy") else {
            return;
        };
        let problems = check_policy_document_of(&doc, PolicyKind::Resource);
        let clean = problems.is_empty();
        self.report_document(problems, &doc, &ptr, inline);
        let length = serde_json::to_string(&doc)
            .map(|s| s.chars().count())
            .unwrap_or(0);
        if clean && length > REPOSITORY_POLICY_MAX {
            self.error(
                self.key(&ptr),
                format!(
                    "the registry policy is {length} characters long; ECR accepts at most {REPOSITORY_POLICY_MAX}"
                ),
                None,
            );
        }
    }
}

impl crate::manifest::validate::Validates for crate::kinds::registry::RegistryKind {
    fn validate(v: &mut Validator) {
        v.registry();
    }
}

#[cfg(test)]
mod tests {
    use crate::diagnostics::Severity;

    const HEAD: &str = "version: 1\nstack: shop\n";

    /// Every diagnostic for `src`, as (severity, message, text under the span).
    fn diagnose(src: &str) -> Vec<(Severity, String, String)> {
        crate::manifest::diagnostics_with_text(src)
            .into_iter()
            .map(|(severity, message, _, text)| (severity, message, text))
            .collect()
    }

    fn assert_at(src: &str, severity: Severity, message: &str, text: &str) {
        let found = diagnose(src);
        assert!(
            found
                .iter()
                .any(|(s, m, t)| *s == severity && m.contains(message) && t == text),
            "expected {severity:?} containing {message:?} at {text:?} in\n{src}\ngot: {found:#?}"
        );
    }

    fn assert_clean(src: &str) {
        let found = diagnose(src);
        assert!(
            found.is_empty(),
            "expected no diagnostics for\n{src}\ngot: {found:#?}"
        );
    }

    fn registry(body: &str) -> String {
        format!("{HEAD}registry:\n{body}")
    }

    #[test]
    fn more_than_two_scanning_rules() {
        let src = registry(
            "  scanning:\n    scanType: ENHANCED\n    rules:\n      - { scanFrequency: SCAN_ON_PUSH, filters: [a*] }\n      - { scanFrequency: CONTINUOUS_SCAN, filters: [b*] }\n      - { scanFrequency: SCAN_ON_PUSH, filters: [c*] }\n",
        );
        assert_at(
            &src,
            Severity::Error,
            "3 scanning rules; ECR allows at most 2",
            "rules",
        );
    }

    #[test]
    fn frequencies_the_scan_type_does_not_support() {
        let src = registry(
            "  scanning: { scanType: BASIC, rules: [ { scanFrequency: CONTINUOUS_SCAN, filters: [\"*\"] } ] }\n",
        );
        assert_at(
            &src,
            Severity::Error,
            "BASIC scanning cannot scan CONTINUOUS_SCAN",
            "CONTINUOUS_SCAN",
        );
        let src = registry(
            "  scanning: { scanType: ENHANCED, rules: [ { scanFrequency: MANUAL, filters: [\"*\"] } ] }\n",
        );
        assert_at(
            &src,
            Severity::Error,
            "ENHANCED scanning cannot scan MANUAL",
            "MANUAL",
        );
    }

    #[test]
    fn scanning_filters() {
        let src = registry(
            "  scanning: { rules: [ { scanFrequency: SCAN_ON_PUSH, filters: [\"Shop/*\"] } ] }\n",
        );
        assert_at(
            &src,
            Severity::Error,
            "`Shop/*` is not a valid scanning filter",
            "\"Shop/*\"",
        );
        let src = registry("  scanning: { rules: [ { scanFrequency: SCAN_ON_PUSH } ] }\n");
        assert_at(
            &src,
            Severity::Error,
            "a scanning rule needs at least one filter",
            "SCAN_ON_PUSH",
        );
    }

    #[test]
    fn enhanced_scanning_warns_at_each_scan_on_push() {
        let src = format!(
            "{HEAD}defaults:\n  repository: {{ scanOnPush: true }}\nrepositories:\n  shop/web: {{ scanOnPush: true }}\n  shop/api: {{ scanOnPush: false }}\nregistry:\n  scanning: {{ scanType: ENHANCED, rules: [ {{ scanFrequency: SCAN_ON_PUSH, filters: [\"shop/*\"] }} ] }}\n"
        );
        let found = diagnose(&src);
        let warnings: Vec<_> = found
            .iter()
            .filter(|(s, m, _)| *s == Severity::Warning && m.contains("ENHANCED"))
            .collect();
        assert_eq!(warnings.len(), 2, "{found:#?}");
        assert!(found.iter().all(|(s, _, _)| *s == Severity::Warning));
        assert_at(
            &src,
            Severity::Warning,
            "the registry scans ENHANCED, so AWS ignores scanOnPush here",
            "true",
        );
        // BASIC scanning: no warning.
        assert_clean(&src.replace("ENHANCED", "BASIC"));
    }

    #[test]
    fn replication_limits() {
        let rule = "      - { destinations: [ { region: us-west-2 }, { region: us-east-1 }, { region: us-east-2 } ] }\n";
        let src = registry(&format!("  replication:\n    rules:\n{}", rule.repeat(11)));
        assert_at(
            &src,
            Severity::Error,
            "11 replication rules; ECR allows at most 10",
            "rules",
        );
        assert_at(
            &src,
            Severity::Error,
            "33 replication destinations; ECR allows at most 25 across all rules",
            "rules",
        );
        let filters: Vec<String> = (0..101).map(|i| format!("p{i}/")).collect();
        let src = registry(&format!(
            "  replication:\n    rules:\n      - {{ destinations: [ {{ region: us-west-2 }} ], repositoryFilters: [{}] }}\n",
            filters.join(", ")
        ));
        assert_at(
            &src,
            Severity::Error,
            "101 repository filters; ECR allows at most 100 across all rules",
            "rules",
        );
        // At the limits: clean.
        let filters: Vec<String> = (0..100).map(|i| format!("p{i}/")).collect();
        let src = registry(&format!(
            "  replication:\n    rules:\n      - {{ destinations: [ {{ region: us-west-2 }} ], repositoryFilters: [{}] }}\n",
            filters.join(", ")
        ));
        assert_clean(&src);
    }

    #[test]
    fn replication_destinations() {
        let src = registry(
            "  replication:\n    rules:\n      - destinations: [ { region: us-west-2a, registryId: \"1234\" } ]\n        repositoryFilters: [\"Shop\"]\n",
        );
        assert_at(
            &src,
            Severity::Error,
            "`us-west-2a` is not an AWS region",
            "us-west-2a",
        );
        assert_at(
            &src,
            Severity::Error,
            "`1234` is not an AWS account id",
            "\"1234\"",
        );
        assert_at(
            &src,
            Severity::Error,
            "`Shop` is not a valid repository prefix filter",
            "\"Shop\"",
        );
        let src = registry("  replication:\n    rules:\n      - destinations: []\n");
        assert_at(
            &src,
            Severity::Error,
            "a replication rule needs at least one destination",
            "destinations",
        );
    }

    #[test]
    fn a_destination_that_is_the_source_registry() {
        let src = format!(
            "{HEAD}region: eu-west-1\naccountId: \"123456789012\"\nregistry:\n  replication:\n    rules:\n      - destinations: [ {{ region: eu-west-1 }} ]\n"
        );
        assert_at(
            &src,
            Severity::Error,
            "this destination is the source registry itself (eu-west-1 in this account)",
            "eu-west-1",
        );
    }

    #[test]
    fn the_source_registry_named_by_account() {
        let src = format!(
            "{HEAD}region: eu-west-1\naccountId: \"123456789012\"\nregistry:\n  replication:\n    rules:\n      - destinations: [ {{ region: eu-west-1, registryId: \"123456789012\" }}, {{ region: eu-west-1, registryId: \"210987654321\" }} ]\n"
        );
        let found = diagnose(&src);
        let errors: Vec<_> = found
            .iter()
            .filter(|(s, _, _)| *s == Severity::Error)
            .collect();
        assert_eq!(errors.len(), 1, "{found:#?}");
        assert!(errors[0].1.contains("source registry itself"));
        // Without the manifest's region, validation cannot tell (the plan checks).
        assert_clean(&src.replace("region: eu-west-1\naccountId", "accountId"));
    }

    #[test]
    fn the_registry_policy() {
        let src = registry(
            "  policy:\n    Version: \"2012-10-17\"\n    Statement:\n      - Effect: Allow\n        Action: [ecr:ReplicateImage]\n        Resource: \"*\"\n",
        );
        let found = diagnose(&src);
        assert!(
            found
                .iter()
                .any(|(s, m, _)| *s == Severity::Error && m.contains("Principal")),
            "{found:#?}"
        );
        let src = registry("  policy: '{\"Version\": '\n");
        assert_at(
            &src,
            Severity::Error,
            "the registry policy is not valid JSON",
            "'{\"Version\": '",
        );
        assert_clean(&registry(
            "  policy:\n    Version: \"2012-10-17\"\n    Statement:\n      - Effect: Allow\n        Principal: { AWS: \"arn:aws:iam::210987654321:root\" }\n        Action: [ecr:ReplicateImage, ecr:CreateRepository]\n        Resource: \"arn:aws:ecr:eu-west-1:123456789012:repository/*\"\n",
        ));
    }

    #[test]
    fn a_complete_registry_is_clean() {
        assert_clean(&registry(
            "  scanning: { scanType: ENHANCED, rules: [ { scanFrequency: SCAN_ON_PUSH, filters: [\"shop/*\"] }, { scanFrequency: CONTINUOUS_SCAN, filters: [\"*-prod\"] } ] }\n  replication:\n    rules:\n      - destinations: [ { region: us-west-2 }, { region: eu-central-1, registryId: \"210987654321\" } ]\n        repositoryFilters: [\"shop/\"]\n",
        ));
    }
}
