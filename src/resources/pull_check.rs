//! The pull check, PURE: reasons offline over the manifest (and what was read) about
//! whether every declared consumer of an image can actually pull it, and warns naming the
//! repository, the role and the missing permission. Consumers today are the roles named
//! in a repository's `pull.roles`; task definitions join them when ECS is managed.
//!
//! Pulling needs, on top of the repository policy, kms:Decrypt on a customer-managed key
//! that encrypts the repository: AWS-managed `aws/ecr` keys grant it through ECR, customer
//! keys only through the key policy or the principal's own policies.

use super::{Context, policy, repository};
use crate::manifest::model::{EncryptionType, Manifest, Role};
use serde_json::Value;

/// One warning per consumer and missing permission, sorted for stable output.
pub fn check(manifest: &Manifest, ctx: &Context) -> Vec<String> {
    let mut warnings = Vec::new();
    for (repo_name, repo) in &manifest.repositories {
        let desired = repository::desired(manifest, ctx, repo_name, repo);
        let customer_key = match (&desired.encryption_type, &desired.kms_key) {
            (EncryptionType::Aes256, _) | (_, None) => None,
            (_, Some(key)) => Some(key.clone()),
        };
        let Some(key) = customer_key else {
            continue;
        };
        let pullers = repo
            .pull
            .as_ref()
            .or_else(|| {
                manifest
                    .defaults
                    .repository
                    .as_ref()
                    .and_then(|d| d.pull.as_ref())
            })
            .map(|p| p.roles.clone())
            .unwrap_or_default();
        for reference in pullers {
            // Only roles of this manifest can be reasoned about; an ARN's policies are elsewhere.
            let Some(consumer) = manifest.iam.roles.get(&reference) else {
                continue;
            };
            if !can_decrypt(ctx, consumer, repo_name) {
                warnings.push(format!(
                    "{}: role `{reference}` may pull, but the repository is encrypted with KMS key `{key}` and the role has no kms:Decrypt on it; add `{repo_name}` to the role's pullFrom (which grants it) or grant kms:Decrypt in an inline policy",
                    repository::address(repo_name)
                ));
            }
        }
    }
    warnings.sort();
    warnings
}

/// Whether the role's own policies (as declared) allow kms:Decrypt for this repository's key.
fn can_decrypt(ctx: &Context, consumer: &Role, repo_name: &str) -> bool {
    if consumer
        .pull_from
        .iter()
        .flatten()
        .any(|entry| entry == repo_name || entry == &repository::repository_arn(ctx, repo_name))
    {
        return true;
    }
    consumer
        .inline_policies
        .iter()
        .flatten()
        .filter_map(|(_, raw)| policy::parse_document(raw).ok())
        .any(|doc| allows_action(&doc, "kms:decrypt"))
}

/// Whether any Allow statement grants the action (exactly, or through a `*` wildcard).
fn allows_action(doc: &Value, action: &str) -> bool {
    let normalized = policy::normalize(doc);
    normalized["Statement"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|s| s["Effect"] == "Allow")
        .flat_map(|s| s["Action"].as_array().cloned().unwrap_or_default())
        .filter_map(|a| a.as_str().map(str::to_string))
        .any(|pattern| wildcard_match(&pattern, action))
}

fn wildcard_match(pattern: &str, text: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == text,
        Some((head, tail)) => {
            text.starts_with(head)
                && (0..=text.len() - head.len()).any(|i| {
                    text.is_char_boundary(head.len() + i)
                        && wildcard_match(tail, &text[head.len() + i..])
                })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::{Variables, load};
    use std::collections::BTreeMap;

    fn warnings(yaml: &str) -> Vec<String> {
        let loaded = load("wharf.yaml", yaml, &Variables::default()).expect("valid");
        let keys = BTreeMap::new();
        let ctx = Context {
            account_id: "123456789012",
            region: "eu-west-1",
            kms_keys: &keys,
        };
        check(&loaded.manifest, &ctx)
    }

    const BASE: &str = "version: 1\nstack: shop\nrepositories:\n  shop/web:\n    encryption: { type: KMS, kmsKey: alias/shop }\n    pull: { roles: [runner] }\niam:\n  roles:\n    runner:\n      assumedBy: [ecs-tasks.amazonaws.com]\n";

    #[test]
    fn a_puller_without_kms_decrypt_is_warned_about() {
        let found = warnings(BASE);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("ecr.repository.shop/web"));
        assert!(found[0].contains("role `runner`"));
        assert!(found[0].contains("kms:Decrypt"));
    }

    #[test]
    fn pull_from_or_an_inline_grant_satisfies_it() {
        assert!(warnings(&format!("{BASE}      pullFrom: [shop/web]\n")).is_empty());
        let inline = format!(
            "{BASE}      inlinePolicies:\n        kms:\n          Statement:\n            - {{ Effect: Allow, Action: 'kms:*', Resource: '*' }}\n"
        );
        assert!(warnings(&inline).is_empty());
    }

    #[test]
    fn aes256_and_aws_managed_keys_need_nothing() {
        assert!(
            warnings(&BASE.replace("{ type: KMS, kmsKey: alias/shop }", "{ type: AES256 }"))
                .is_empty()
        );
        assert!(
            warnings(&BASE.replace("{ type: KMS, kmsKey: alias/shop }", "{ type: KMS }"))
                .is_empty()
        );
    }

    #[test]
    fn wildcards() {
        assert!(wildcard_match("kms:*", "kms:decrypt"));
        assert!(wildcard_match("*", "kms:decrypt"));
        assert!(wildcard_match("kms:de*pt", "kms:decrypt"));
        assert!(!wildcard_match("kms:encrypt", "kms:decrypt"));
    }
}
