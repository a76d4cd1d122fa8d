//! Validation of the registry's supply-chain sections, with ECR API Reference limits:
//! `signing` (at most 10 rules; a signing profile ARN of AWS Signer's form; at most 100
//! WILDCARD_MATCH filters a rule) and `pullTimeUpdateExclusions` (IAM role or user ARNs,
//! or roles of this manifest by name; each once). `accountSettings` takes only the names
//! and values PutAccountSetting accepts, which the schema already holds it to.

use crate::manifest::spans::pointer;
use crate::manifest::validate::{Validator, child};
use regex::Regex;
use std::collections::BTreeSet;
use std::sync::LazyLock;

/// PutSigningConfiguration: at most 10 rules, 100 filters a rule.
const SIGNING_RULES_MAX: usize = 10;
const SIGNING_FILTERS_MAX: usize = 100;

/// SigningRule `signingProfileArn` (CloudFormation AWS::ECR::SigningConfiguration Rule:
/// pattern and at most 200 characters).
static SIGNING_PROFILE_ARN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^arn:aws(-[a-z]+)*:signer:[a-z0-9-]+:[0-9]{12}:/signing-profiles/[a-zA-Z0-9_]{2,}$",
    )
    .expect("valid regex")
});
/// An IAM principal ARN ECR can exclude: a role or a user.
static PRINCIPAL_ARN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^arn:aws(-[a-z]+)*:iam::[0-9]{12}:(role|user)/[\w+=,.@/-]+$").expect("valid regex")
});
/// SigningRepositoryFilter `filter` (ECR API Reference, SigningRepositoryFilter: 1 to 256
/// characters of this pattern).
static SIGNING_FILTER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:[a-z0-9*]+(?:[._-][a-z0-9*]+)*/)*[a-z0-9*]+(?:[._-][a-z0-9*]+)*$")
        .expect("valid regex")
});

impl Validator<'_> {
    pub(crate) fn supply_chain(&mut self) {
        let registry = &self.manifest.registry;
        if let Some(signing) = &registry.signing {
            let base = pointer(&["registry", "signing", "rules"]);
            if signing.rules.len() > SIGNING_RULES_MAX {
                self.error(
                    self.key(&base),
                    format!(
                        "{} signing rules; ECR allows at most {SIGNING_RULES_MAX}",
                        signing.rules.len()
                    ),
                    Some("a rule takes up to 100 repository filters".into()),
                );
            }
            for (i, rule) in signing.rules.iter().enumerate() {
                let r = child(&base, &i.to_string());
                let arn = &rule.signing_profile_arn;
                if !SIGNING_PROFILE_ARN.is_match(arn) || arn.len() > 200 {
                    self.error(
                        self.at(&child(&r, "signingProfileArn")),
                        format!("`{arn}` is not an AWS Signer signing profile ARN"),
                        Some("it looks like arn:aws:signer:eu-west-1:123456789012:/signing-profiles/shop_release (the profile's name: letters, digits and _)".into()),
                    );
                }
                let filters = child(&r, "repositoryFilters");
                if rule.repository_filters.len() > SIGNING_FILTERS_MAX {
                    self.error(
                        self.key(&filters),
                        format!(
                            "{} repository filters; a signing rule takes at most {SIGNING_FILTERS_MAX}",
                            rule.repository_filters.len()
                        ),
                        None,
                    );
                }
                for (j, filter) in rule.repository_filters.iter().enumerate() {
                    if !SIGNING_FILTER.is_match(filter) || filter.len() > 256 {
                        self.error(
                            self.at(&child(&filters, &j.to_string())),
                            format!("`{filter}` is not a repository filter"),
                            Some("lowercase repository-name characters with `*` wildcards, e.g. shop/* or *-prod".into()),
                        );
                    }
                }
            }
        }
        if let Some(principals) = &registry.pull_time_update_exclusions {
            let base = pointer(&["registry", "pullTimeUpdateExclusions"]);
            let mut seen = BTreeSet::new();
            for (i, principal) in principals.iter().enumerate() {
                let at = self.at(&child(&base, &i.to_string()));
                let known_role = self.manifest.iam.roles.contains_key(principal);
                if !known_role && !PRINCIPAL_ARN.is_match(principal) {
                    self.error(
                        at,
                        format!("`{principal}` is neither a role of this manifest nor an IAM role or user ARN"),
                        Some("name a role under iam.roles, or give arn:aws:iam::ACCOUNT:role/NAME".into()),
                    );
                } else if !seen.insert(principal.as_str()) {
                    self.out
                        .warning(at, format!("`{principal}` is listed twice"))
                        .hint_mut("a principal is excluded once; remove the repeat");
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::diagnostics::Severity;
    use crate::manifest::diagnostics_with_text;

    fn registry(body: &str) -> String {
        format!(
            "version: 1\nstack: shop\niam:\n  roles:\n    scanner: {{ assumedBy: [ecs-tasks.amazonaws.com] }}\nregistry:\n{body}"
        )
    }

    fn has(src: &str, message: &str, text: &str) {
        let found = diagnostics_with_text(src);
        assert!(
            found
                .iter()
                .any(|(s, m, _, t)| *s == Severity::Error && m.contains(message) && t == text),
            "{message} at `{text}` in {found:#?}"
        );
    }

    #[test]
    fn signing_rules_are_checked_against_ecrs_limits() {
        has(
            &registry(
                "  signing:\n    rules:\n      - { signingProfileArn: \"arn:aws:signer:eu-west-1:123456789012:/signing-profiles/x\" }\n",
            ),
            "is not an AWS Signer signing profile ARN",
            "\"arn:aws:signer:eu-west-1:123456789012:/signing-profiles/x\"",
        );
        has(
            &registry(
                "  signing:\n    rules:\n      - { signingProfileArn: \"arn:aws:signer:eu-west-1:123456789012:/signing-profiles/shop_release\", repositoryFilters: [\"Shop/*\"] }\n",
            ),
            "`Shop/*` is not a repository filter",
            "\"Shop/*\"",
        );
        has(
            &registry(
                "  signing:\n    rules:\n      - { signingProfileArn: \"arn:aws:signer:eu-west-1:123456789012:/signing-profiles/shop_release\", repositoryFilters: [\"shop//web\"] }\n",
            ),
            "`shop//web` is not a repository filter",
            "\"shop//web\"",
        );
        let eleven: String = (0..11)
            .map(|i| format!("      - {{ signingProfileArn: \"arn:aws:signer:eu-west-1:123456789012:/signing-profiles/p{i:02}\" }}\n"))
            .collect();
        has(
            &registry(&format!("  signing:\n    rules:\n{eleven}")),
            "11 signing rules; ECR allows at most 10",
            "rules",
        );
    }

    #[test]
    fn exclusions_name_roles_or_principal_arns() {
        has(
            &registry("  pullTimeUpdateExclusions: [nobody]\n"),
            "`nobody` is neither a role of this manifest nor an IAM role or user ARN",
            "nobody",
        );
        let clean = registry(
            "  pullTimeUpdateExclusions: [scanner, \"arn:aws:iam::123456789012:user/auditor\"]\n  accountSettings: { REGISTRY_POLICY_SCOPE: V2, BLOB_MOUNTING: DISABLED }\n",
        );
        assert!(
            diagnostics_with_text(&clean).is_empty(),
            "{:#?}",
            diagnostics_with_text(&clean)
        );
    }

    #[test]
    fn account_settings_take_only_what_put_account_setting_accepts() {
        let found = diagnostics_with_text(&registry(
            "  accountSettings: { REGISTRY_POLICY_SCOPE: V1 }\n",
        ));
        assert!(
            found
                .iter()
                .any(|(s, _, _, t)| *s == Severity::Error && t == "V1"),
            "V1 cannot be put: {found:#?}"
        );
        let found =
            diagnostics_with_text(&registry("  accountSettings: { BLOB_MOUNT: ENABLED }\n"));
        assert!(
            found.iter().any(|(_, m, _, _)| m.contains("BLOB_MOUNT")),
            "{found:#?}"
        );
    }
}
