//! The pull check, PURE: reasons offline over the manifest (and what was read) about
//! whether every declared consumer of an image can actually pull it, and warns naming the
//! repository, the role and the missing permission. Consumers are the roles named in a
//! repository's `pull.roles`, and task definitions, whose execution role pulls their
//! images from manifest repositories.
//!
//! Pulling needs, on top of the repository policy, kms:Decrypt on a customer-managed key
//! that encrypts the repository: AWS-managed `aws/ecr` keys grant it through ECR, customer
//! keys only through the key policy or the principal's own policies.

use crate::documents::policy;
use crate::kinds::common::Context;
use crate::manifest::model::{EncryptionType, Manifest, Role};
use serde_json::Value;

/// One warning per consumer and missing permission, sorted for stable output.
pub fn check(manifest: &Manifest, ctx: &Context) -> Vec<String> {
    let mut warnings = Vec::new();
    for (repo_name, repo) in &manifest.repositories {
        let desired = crate::kinds::repository::desired(manifest, ctx, repo_name, repo);
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
                    crate::kinds::repository::address(repo_name)
                ));
            }
        }
    }
    warnings.extend(task_definition_pullers(manifest, ctx));
    warnings.sort();
    warnings
}

/// The pull actions a puller needs on the repository.
const PULL: [&str; 3] = [
    "ecr:batchgetimage",
    "ecr:getdownloadurlforlayer",
    "ecr:batchchecklayeravailability",
];

/// Managed policies known to grant the pull actions on every repository.
const PULLING_MANAGED_POLICIES: [&str; 3] = [
    "policy/service-role/AmazonECSTaskExecutionRolePolicy",
    "policy/AmazonEC2ContainerRegistryReadOnly",
    "policy/AmazonEC2ContainerRegistryPullOnly",
];

/// Manifest repositories a task definition's containers pull from.
fn repositories_pulled(manifest: &Manifest, ctx: &Context, definition: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for container in definition["containerDefinitions"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let image = &container["image"];
        let name = match image {
            Value::Object(reference) => reference
                .get("repository")
                .and_then(Value::as_str)
                .map(str::to_string),
            // A plain URI of a manifest repository: ACCOUNT.dkr.ecr.REGION.amazonaws.com/NAME:TAG
            Value::String(uri) => manifest
                .repositories
                .keys()
                .find(|name| {
                    let prefix = format!("{}.dkr.ecr.{}.", ctx.account_id, ctx.region);
                    uri.starts_with(&prefix)
                        && uri.split_once('/').is_some_and(|(_, rest)| {
                            rest.split([':', '@']).next() == Some(name.as_str())
                        })
                })
                .cloned(),
            _ => None,
        };
        if let Some(name) = name.filter(|n| manifest.repositories.contains_key(n)) {
            out.push(name);
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Whether the role's own policies, as declared, allow pulling from the repository.
fn role_can_pull(ctx: &Context, role: &Role, repo_name: &str) -> bool {
    let repo_arn = crate::kinds::repository::repository_arn(ctx, repo_name);
    if role
        .pull_from
        .iter()
        .flatten()
        .any(|e| e == repo_name || *e == repo_arn)
    {
        return true;
    }
    if role
        .managed_policies
        .iter()
        .flatten()
        .any(|arn| PULLING_MANAGED_POLICIES.iter().any(|p| arn.ends_with(p)))
    {
        return true;
    }
    role.inline_policies
        .iter()
        .flatten()
        .filter_map(|(_, raw)| policy::parse_document(raw).ok())
        .any(|doc| PULL.iter().all(|action| allows_action(&doc, action)))
}

/// Task definitions whose execution role cannot pull one of their images.
fn task_definition_pullers(manifest: &Manifest, ctx: &Context) -> Vec<String> {
    let mut warnings = Vec::new();
    for (family, definition) in &manifest.ecs.task_definitions {
        let definition = Value::Object(definition.clone());
        let repositories = repositories_pulled(manifest, ctx, &definition);
        if repositories.is_empty() {
            continue;
        }
        let address = format!("{}{family}", crate::kinds::task_definition::ADDRESS_PREFIX);
        let reference = definition["executionRole"]
            .as_str()
            .or_else(|| definition["executionRoleArn"].as_str());
        let Some(reference) = reference else {
            warnings.push(format!(
                "{address}: no execution role, so ECS cannot pull {} from ECR; set executionRole",
                repositories.join(", ")
            ));
            continue;
        };
        let role_arn = crate::kinds::role::resolve_reference(manifest, ctx, reference);
        let role_account = role_arn.split(':').nth(4).unwrap_or_default().to_string();
        for repo_name in &repositories {
            let repo = &manifest.repositories[repo_name];
            let desired = crate::kinds::repository::desired(manifest, ctx, repo_name, repo);
            let granted_by_repository = desired
                .policy
                .as_ref()
                .is_some_and(|doc| names_principal(doc, &role_arn, &role_account));
            // Across accounts, the repository policy must let the role in.
            if !role_account.is_empty() && role_account != ctx.account_id {
                if !granted_by_repository {
                    warnings.push(format!(
                        "{address}: execution role `{role_arn}` is in account {role_account}, but the repository policy of `{repo_name}` does not name it or its account; add it to the repository's pull.roles or pull.accounts"
                    ));
                }
                continue;
            }
            let Some(role) = manifest.iam.roles.get(reference) else {
                continue; // a role outside the manifest: its policies are not known here
            };
            if !granted_by_repository && !role_can_pull(ctx, role, repo_name) {
                warnings.push(format!(
                    "{address}: execution role `{reference}` has no ecr:BatchGetImage / ecr:GetDownloadUrlForLayer on `{repo_name}`; add `{repo_name}` to the role's pullFrom or the repository's pull.roles"
                ));
            }
            // A role in the repository's pull.roles was already checked for the key above.
            let listed = repo
                .pull
                .as_ref()
                .is_some_and(|p| p.roles.iter().any(|r| r == reference));
            if let (EncryptionType::Kms | EncryptionType::KmsDsse, Some(key)) =
                (desired.encryption_type, &desired.kms_key)
                && !listed
                && !can_decrypt(ctx, role, repo_name)
            {
                warnings.push(format!(
                    "{address}: execution role `{reference}` pulls from `{repo_name}`, encrypted with KMS key `{key}`, but has no kms:Decrypt on it; add `{repo_name}` to the role's pullFrom"
                ));
            }
        }
    }
    warnings
}

/// Whether an Allow statement of the policy names the principal or its account.
fn names_principal(doc: &Value, role_arn: &str, account: &str) -> bool {
    let normalized = policy::normalize(doc);
    normalized["Statement"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|s| s["Effect"] == "Allow")
        .flat_map(|s| {
            s["Principal"]["AWS"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .filter_map(|p| p.as_str().map(str::to_string))
        .any(|p| p == role_arn || p == "*" || p.ends_with(&format!("::{account}:root")))
}

/// Whether the role's own policies (as declared) allow kms:Decrypt for this repository's key.
fn can_decrypt(ctx: &Context, consumer: &Role, repo_name: &str) -> bool {
    if consumer.pull_from.iter().flatten().any(|entry| {
        entry == repo_name || entry == &crate::kinds::repository::repository_arn(ctx, repo_name)
    }) {
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
    use crate::manifest::load;
    use crate::manifest::vars::Variables;
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

    const TASK: &str = "version: 1\nstack: shop\nrepositories:\n  shop/web: {}\niam:\n  roles:\n    exec:\n      assumedBy: [ecs-tasks.amazonaws.com]\necs:\n  taskDefinitions:\n    web:\n      executionRole: exec\n      containerDefinitions:\n        - name: web\n          image: { repository: shop/web, tag: v1 }\n          memory: 512\n";

    #[test]
    fn an_execution_role_without_pull_rights_is_warned_about() {
        let found = warnings(TASK);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("ecs.task_definition.web"), "{}", found[0]);
        assert!(found[0].contains("execution role `exec`"), "{}", found[0]);
        assert!(found[0].contains("`shop/web`"), "{}", found[0]);
    }

    #[test]
    fn pull_rights_from_any_of_the_usual_places_satisfy_it() {
        let with_pull_from = TASK.replace(
            "      assumedBy:",
            "      pullFrom: [shop/web]\n      assumedBy:",
        );
        assert!(warnings(&with_pull_from).is_empty());
        let with_managed = TASK.replace(
            "      assumedBy:",
            "      managedPolicies: [arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy]\n      assumedBy:",
        );
        assert!(warnings(&with_managed).is_empty());
        let with_repo_policy =
            TASK.replace("  shop/web: {}", "  shop/web: { pull: { roles: [exec] } }");
        assert!(warnings(&with_repo_policy).is_empty());
    }

    #[test]
    fn a_cross_account_execution_role_needs_the_repository_policy() {
        let other = TASK.replace(
            "      executionRole: exec",
            "      executionRoleArn: arn:aws:iam::111122223333:role/exec",
        );
        let found = warnings(&other);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("account 111122223333"), "{}", found[0]);
        let granted = other.replace(
            "  shop/web: {}",
            "  shop/web: { pull: { accounts: ['111122223333'] } }",
        );
        assert!(warnings(&granted).is_empty(), "{:?}", warnings(&granted));
    }

    #[test]
    fn wildcards() {
        assert!(wildcard_match("kms:*", "kms:decrypt"));
        assert!(wildcard_match("*", "kms:decrypt"));
        assert!(wildcard_match("kms:de*pt", "kms:decrypt"));
        assert!(!wildcard_match("kms:encrypt", "kms:decrypt"));
    }
}
