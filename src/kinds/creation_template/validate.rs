//! Validation of `registry.creationTemplates`: the prefix (ROOT, or a repository-name
//! prefix of at most 256 characters, one template per prefix), `appliedFor` (at least one
//! scenario, none twice), the settings a template shares with repositories (tag
//! mutability and its filters, encryption, lifecycle, pull and policy: the repository
//! checks, pointing at the template's own nodes), `resourceTags`, the custom role (a role
//! of this account, required with KMS encryption or resource tags) and the description.

use crate::kinds::common::OWNERSHIP_TAG;
use crate::kinds::creation_template::{ROOT, canonical_prefix, repository_view};
use crate::manifest::model::{CreationTemplate, EncryptionType};
use crate::manifest::spans::pointer;
use crate::manifest::validate::{ROLE_ARN, ROLE_ARN_HINT, TAGS_PER_RESOURCE, Validator, child};
use regex::Regex;
use std::collections::BTreeMap;
use std::sync::LazyLock;

/// CreateRepositoryCreationTemplate `prefix`: 1 to 256 characters.
const PREFIX_MAX: usize = 256;
/// CreateRepositoryCreationTemplate `description`.
const DESCRIPTION_MAX: usize = 256;
/// CreateRepositoryCreationTemplate `customRoleArn`.
const ROLE_ARN_MAX: usize = 2048;

/// AWS's pattern for a template prefix other than ROOT: a repository name, optionally
/// ending in `/`.
static PREFIX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*/?$")
        .expect("valid regex")
});

/// ECR creates these repositories with its service-linked role, which may call only
/// ecr:CreateRepository; KMS keys and tags need a role that may do more.
const CUSTOM_ROLE_HINT: &str = "set customRoleArn to a role of this account that trusts ecr.amazonaws.com and may call ecr:CreateRepository, ecr:ReplicateImage, ecr:TagResource, kms:CreateGrant, kms:RetireGrant and kms:DescribeKey";

impl Validator<'_> {
    pub(crate) fn creation_templates(&mut self) {
        let templates = &self.manifest.registry.creation_templates;
        // ECR assumes a `/` at the end of every prefix: `shop` and `shop/` are one template.
        let mut first: BTreeMap<&str, &str> = BTreeMap::new();
        for (prefix, template) in templates {
            let base = pointer(&["registry", "creationTemplates", prefix]);
            if let Some(other) = first.insert(canonical_prefix(prefix), prefix) {
                self.error(
                    self.key(&base),
                    format!("`{prefix}` and `{other}` are the same creation template"),
                    Some("ECR assumes a `/` at the end of every prefix; keep one of them".into()),
                );
            }
            self.creation_template(prefix, template, &base);
        }
    }

    fn creation_template(&mut self, prefix: &str, template: &CreationTemplate, base: &str) {
        self.template_prefix(prefix, base);

        let applied_ptr = child(base, "appliedFor");
        if template.applied_for.is_empty() {
            self.error(
                self.at(&applied_ptr),
                "appliedFor needs at least one scenario",
                Some("list some of REPLICATION, PULL_THROUGH_CACHE and CREATE_ON_PUSH".into()),
            );
        }
        for (i, scenario) in template.applied_for.iter().enumerate() {
            if template.applied_for[..i].contains(scenario) {
                self.error(
                    self.at(&child(&applied_ptr, &i.to_string())),
                    format!("{} is listed twice in appliedFor", scenario.as_str()),
                    None,
                );
            }
        }

        // The settings a repository has too, checked exactly as for a repository.
        // A template inherits nothing from defaults.repository.
        let view = repository_view(template);
        self.tag_mutability(&view, None, base, false);
        self.encryption(&view, base);
        self.lifecycle(&view, base);
        self.pull(view.pull.as_ref(), base);
        self.repository_policy(&view, None, base);

        let tags_ptr = child(base, "resourceTags");
        let tags = template.resource_tags.clone().unwrap_or_default();
        if tags.contains_key(OWNERSHIP_TAG) {
            self.error(
                self.key(&child(&tags_ptr, OWNERSHIP_TAG)),
                format!("the tag key `{OWNERSHIP_TAG}` is reserved for what wharf manages"),
                Some(format!(
                    "repositories created from this template are not wharf's; with {OWNERSHIP_TAG} they would look owned by a stack and be pruned"
                )),
            );
        }
        let mut others = tags.clone();
        others.remove(OWNERSHIP_TAG);
        self.tags(&others, &tags_ptr);
        if tags.len() > TAGS_PER_RESOURCE {
            self.error(
                self.key(&tags_ptr),
                format!(
                    "resourceTags has {} tags; AWS allows at most {TAGS_PER_RESOURCE}",
                    tags.len()
                ),
                None,
            );
        }

        let role_ptr = child(base, "customRoleArn");
        if let Some(arn) = &template.custom_role_arn {
            let account = arn.split(':').nth(4).unwrap_or_default();
            if arn.chars().count() > ROLE_ARN_MAX || !ROLE_ARN.is_match(arn) {
                self.error(
                    self.at(&role_ptr),
                    format!("`{arn}` is not an IAM role ARN"),
                    Some(ROLE_ARN_HINT.into()),
                );
            } else if let Some(own) = self
                .manifest
                .account_id
                .as_deref()
                .filter(|own| *own != account)
            {
                self.error(
                    self.at(&role_ptr),
                    format!("the custom role is in account {account}, not in {own}"),
                    Some("ECR assumes a role of the registry's own account".into()),
                );
            }
        } else {
            let kms = template
                .encryption
                .as_ref()
                .filter(|e| e.encryption_type != EncryptionType::Aes256);
            if let Some(encryption) = kms {
                self.error(
                    self.key(&child(base, "encryption")),
                    format!(
                        "a creation template with {} encryption needs customRoleArn",
                        encryption.encryption_type.as_str()
                    ),
                    Some(CUSTOM_ROLE_HINT.into()),
                );
            }
            if !tags.is_empty() {
                self.error(
                    self.key(&tags_ptr),
                    "a creation template with resourceTags needs customRoleArn",
                    Some(CUSTOM_ROLE_HINT.into()),
                );
            }
        }

        if let Some(description) = &template.description {
            let length = description.chars().count();
            if length > DESCRIPTION_MAX {
                self.error(
                    self.at(&child(base, "description")),
                    format!(
                        "the description is {length} characters long; ECR accepts at most {DESCRIPTION_MAX}"
                    ),
                    None,
                );
            }
        }
    }

    fn template_prefix(&mut self, prefix: &str, base: &str) {
        if prefix == ROOT {
            return;
        }
        let length = prefix.chars().count();
        if length > PREFIX_MAX {
            self.error(
                self.key(base),
                format!(
                    "the creation template prefix is {length} characters long; ECR accepts at most {PREFIX_MAX}"
                ),
                None,
            );
            return;
        }
        if prefix == "root" {
            // Valid, but it matches only repositories named root/...: likely meant as ROOT.
            self.out
                .warning(
                    self.key(base),
                    "`root` is the prefix of repositories named root/..., not the default template",
                )
                .hint_mut("the registry's default template is spelt ROOT");
            return;
        }
        if PREFIX.is_match(prefix) {
            return;
        }
        let lower = prefix.to_lowercase();
        let hint = if lower == "root" {
            "the registry's default template is spelt ROOT".to_string()
        } else if PREFIX.is_match(&lower) {
            format!("prefixes are lowercase like repository names: use `{lower}`")
        } else {
            "ROOT, or lowercase letters and digits separated by `.`, `_`, `-` or `/` like a repository name: shop, shop/team".to_string()
        };
        self.error(
            self.key(base),
            format!("`{prefix}` is not a valid creation template prefix"),
            Some(hint),
        );
    }
}

impl crate::manifest::validate::Validates
    for crate::kinds::creation_template::CreationTemplateKind
{
    fn validate(v: &mut Validator) {
        v.creation_templates();
    }
}

#[cfg(test)]
mod tests {
    use crate::diagnostics::Severity;

    const ROLE: &str = "arn:aws:iam::123456789012:role/ecr-templates";

    fn diagnose(top: &str, body: &str) -> (String, Vec<(Severity, String, String)>) {
        let src = format!("version: 1\nstack: shop\n{top}registry:\n  creationTemplates:\n{body}");
        let found = crate::manifest::diagnostics_with_text(&src)
            .into_iter()
            .map(|(severity, message, _, text)| (severity, message, text))
            .collect();
        (src, found)
    }

    /// Table: (manifest body, expected error message, the text the error points at).
    fn assert_errors(cases: &[(&str, &str, &str)]) {
        for (body, message, text) in cases {
            let (src, found) = diagnose("", body);
            assert_eq!(
                found,
                vec![(Severity::Error, message.to_string(), text.to_string())],
                "in\n{src}"
            );
        }
    }

    fn assert_clean(top: &str, body: &str) {
        let (src, found) = diagnose(top, body);
        assert!(
            found.is_empty(),
            "expected no diagnostics for\n{src}\ngot: {found:#?}"
        );
    }

    #[test]
    fn prefixes() {
        let long = "a".repeat(257);
        let long_body = format!("    {long}: {{ appliedFor: [REPLICATION] }}\n");
        let long_message =
            "the creation template prefix is 257 characters long; ECR accepts at most 256";
        assert_errors(&[
            (
                "    Shop: { appliedFor: [REPLICATION] }\n",
                "`Shop` is not a valid creation template prefix",
                "Shop",
            ),
            (
                "    Root: { appliedFor: [REPLICATION] }\n",
                "`Root` is not a valid creation template prefix",
                "Root",
            ),
            (
                "    /shop: { appliedFor: [REPLICATION] }\n",
                "`/shop` is not a valid creation template prefix",
                "/shop",
            ),
            (
                "    shop//team: { appliedFor: [REPLICATION] }\n",
                "`shop//team` is not a valid creation template prefix",
                "shop//team",
            ),
            (
                "    shop: { appliedFor: [REPLICATION] }\n    shop/: { appliedFor: [PULL_THROUGH_CACHE] }\n",
                "`shop/` and `shop` are the same creation template",
                "shop/",
            ),
            (&long_body, long_message, &long),
        ]);
        // `root` is a valid prefix, but most likely meant as ROOT.
        let (_, found) = diagnose("", "    root: { appliedFor: [REPLICATION] }\n");
        assert_eq!(
            found,
            vec![(
                Severity::Warning,
                "`root` is the prefix of repositories named root/..., not the default template"
                    .to_string(),
                "root".to_string()
            )]
        );
        assert_clean(
            "",
            "    ROOT: { appliedFor: [CREATE_ON_PUSH] }\n    a: { appliedFor: [REPLICATION] }\n    shop/: { appliedFor: [REPLICATION] }\n    k8s.io/team_a-b: { appliedFor: [PULL_THROUGH_CACHE] }\n",
        );
    }

    #[test]
    fn applied_for() {
        assert_errors(&[
            (
                "    shop: { appliedFor: [] }\n",
                "appliedFor needs at least one scenario",
                "[",
            ),
            (
                "    shop: { appliedFor: [REPLICATION, PULL_THROUGH_CACHE, REPLICATION] }\n",
                "REPLICATION is listed twice in appliedFor",
                "REPLICATION",
            ),
        ]);
        // Misspelt and missing values are shape errors, reported by the schema check.
        let (_, found) = diagnose("", "    shop: { appliedFor: [REPLICATON] }\n");
        assert_eq!(found.len(), 1, "{found:?}");
        let (_, found) = diagnose("", "    shop: { description: x }\n");
        assert_eq!(found.len(), 1, "{found:?}");
    }

    #[test]
    fn settings_shared_with_repositories() {
        assert_errors(&[
            (
                "    shop: { appliedFor: [REPLICATION], imageTagMutabilityExclusionFilters: [latest] }\n",
                "imageTagMutabilityExclusionFilters only apply with MUTABLE_WITH_EXCLUSION or IMMUTABLE_WITH_EXCLUSION, but imageTagMutability is MUTABLE (the default)",
                "imageTagMutabilityExclusionFilters",
            ),
            (
                "    shop: { appliedFor: [REPLICATION], imageTagMutability: IMMUTABLE_WITH_EXCLUSION }\n",
                "imageTagMutability IMMUTABLE_WITH_EXCLUSION needs imageTagMutabilityExclusionFilters",
                "IMMUTABLE_WITH_EXCLUSION",
            ),
            (
                "    shop: { appliedFor: [REPLICATION], imageTagMutability: MUTABLE_WITH_EXCLUSION, imageTagMutabilityExclusionFilters: [\"v 1\"] }\n",
                "`v 1` is not a valid tag filter: it contains ' '",
                "\"v 1\"",
            ),
            (
                "    shop: { appliedFor: [REPLICATION], encryption: { type: AES256, kmsKey: alias/x } }\n",
                "kmsKey needs encryption type KMS or KMS_DSSE",
                "kmsKey",
            ),
            (
                &format!(
                    "    shop: {{ appliedFor: [REPLICATION], customRoleArn: \"{ROLE}\", encryption: {{ type: KMS, kmsKey: shop-ecr }} }}\n"
                ),
                "`shop-ecr` is not a KMS key id, key ARN, alias or alias ARN",
                "shop-ecr",
            ),
            (
                "    shop: { appliedFor: [REPLICATION], lifecycle: [{ keepLast: 3, expireAfterDays: 5 }] }\n",
                "a rule takes one of `keepLast` and `expireAfterDays`, not both",
                "expireAfterDays",
            ),
            (
                "    shop: { appliedFor: [REPLICATION], lifecycle: [{ keepLast: 3 }], lifecyclePolicy: { rules: [{ rulePriority: 1, description: keep the ten newest images, selection: { tagStatus: any, countType: imageCountMoreThan, countNumber: 10 }, action: { type: expire } }] } }\n",
                "`lifecycle` and `lifecyclePolicy` cannot both be set",
                "lifecyclePolicy",
            ),
            (
                "    shop: { appliedFor: [REPLICATION], pull: { accounts: [\"1234\"] } }\n",
                "`1234` is not an AWS account id",
                "\"1234\"",
            ),
            (
                "    shop: { appliedFor: [REPLICATION], policy: \"{not json\" }\n",
                "policy is not valid JSON: key must be a string at line 1 column 2",
                "\"{not json\"",
            ),
        ]);
        // Nothing is inherited from defaults.repository.
        assert_clean(
            "defaults:\n  repository: { imageTagMutability: IMMUTABLE_WITH_EXCLUSION, imageTagMutabilityExclusionFilters: [latest] }\n",
            "    shop: { appliedFor: [REPLICATION] }\n",
        );
    }

    #[test]
    fn custom_role() {
        assert_errors(&[
            (
                "    shop: { appliedFor: [REPLICATION], encryption: { type: KMS } }\n",
                "a creation template with KMS encryption needs customRoleArn",
                "encryption",
            ),
            (
                "    shop: { appliedFor: [REPLICATION], encryption: { type: KMS_DSSE, kmsKey: alias/shop } }\n",
                "a creation template with KMS_DSSE encryption needs customRoleArn",
                "encryption",
            ),
            (
                "    shop: { appliedFor: [REPLICATION], resourceTags: { team: shop } }\n",
                "a creation template with resourceTags needs customRoleArn",
                "resourceTags",
            ),
            (
                "    shop: { appliedFor: [REPLICATION], customRoleArn: \"arn:aws:iam::123456789012:user/x\" }\n",
                "`arn:aws:iam::123456789012:user/x` is not an IAM role ARN",
                "\"arn:aws:iam::123456789012:user/x\"",
            ),
        ]);
        let (src, found) = diagnose(
            "accountId: \"210987654321\"\n",
            &format!("    shop: {{ appliedFor: [REPLICATION], customRoleArn: \"{ROLE}\" }}\n"),
        );
        assert_eq!(
            found,
            vec![(
                Severity::Error,
                "the custom role is in account 123456789012, not in 210987654321".to_string(),
                format!("\"{ROLE}\""),
            )],
            "{src}"
        );
        assert_clean(
            "accountId: \"123456789012\"\n",
            &format!(
                "    shop: {{ appliedFor: [REPLICATION], customRoleArn: \"{ROLE}\", encryption: {{ type: KMS }}, resourceTags: {{ team: shop }} }}\n"
            ),
        );
        // AES256 needs no role.
        assert_clean(
            "",
            "    shop: { appliedFor: [REPLICATION], encryption: { type: AES256 } }\n",
        );
    }

    #[test]
    fn resource_tags_and_description() {
        let many: String = (0..51).map(|i| format!("t{i}: v, ")).collect();
        let many_body = format!(
            "    shop: {{ appliedFor: [REPLICATION], customRoleArn: \"{ROLE}\", resourceTags: {{ {many} }} }}\n"
        );
        let long = "d".repeat(257);
        let long_body = format!("    shop: {{ appliedFor: [REPLICATION], description: {long} }}\n");
        assert_errors(&[
            (
                &format!(
                    "    shop: {{ appliedFor: [REPLICATION], customRoleArn: \"{ROLE}\", resourceTags: {{ \"wharf:stack\": shop }} }}\n"
                ),
                "the tag key `wharf:stack` is reserved for what wharf manages",
                "\"wharf:stack\"",
            ),
            (
                &format!(
                    "    shop: {{ appliedFor: [REPLICATION], customRoleArn: \"{ROLE}\", resourceTags: {{ \"aws:team\": shop }} }}\n"
                ),
                "tag key `aws:team` uses the `aws:` prefix, which is reserved for AWS",
                "\"aws:team\"",
            ),
            (
                &many_body,
                "resourceTags has 51 tags; AWS allows at most 50",
                "resourceTags",
            ),
            (
                &long_body,
                "the description is 257 characters long; ECR accepts at most 256",
                &long,
            ),
        ]);
    }
}
