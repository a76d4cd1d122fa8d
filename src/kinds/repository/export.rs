//! ECR repositories as manifest entries, PURE: only what differs from AWS's defaults
//! (MUTABLE, AES256, no scan on push, no lifecycle, no policy), lifecycle policies as
//! short rules and repository policies as `pull` whenever those compile back to exactly
//! the live documents, and the user's tags.

use crate::documents::policy::{self, PULL_STATEMENT_SID};
use crate::export::lifecycle;
use crate::export::scope::{Scope, user_tags};
use crate::live::LiveRepository;
use crate::manifest::model::ecr_defaults;
use crate::manifest::model::{
    Encryption, EncryptionType, ImageTagMutability, LifecycleRule, Pull, Repository,
};
use serde_json::{Map, Value, json};

pub fn repository(live: &LiveRepository, scope: &Scope) -> Repository {
    let mutability = parse_mutability(&live.image_tag_mutability);
    let (lifecycle, lifecycle_policy) = lifecycle_of(live.lifecycle_policy.as_deref());
    let (pull, policy) = policy_of(live.policy.as_deref(), scope);
    Repository {
        image_tag_mutability: mutability.filter(|m| *m != ecr_defaults::IMAGE_TAG_MUTABILITY),
        image_tag_mutability_exclusion_filters: (mutability.is_some_and(|m| m.takes_exclusions())
            && !live.exclusion_filters.is_empty())
        .then(|| live.exclusion_filters.clone()),
        encryption: encryption(&live.encryption_type, live.kms_key.as_deref()),
        scan_on_push: live.scan_on_push.then_some(true),
        force_delete: None,
        lifecycle,
        lifecycle_policy,
        pull,
        policy,
        tags: user_tags(&live.tags),
        lint: None,
    }
}

pub(crate) fn parse_mutability(text: &str) -> Option<ImageTagMutability> {
    serde_json::from_value(json!(text)).ok()
}

/// Encryption other than AES256 (the default); the key as AWS reports it (its ARN), which
/// the plan compares as the same key without a DescribeKey call.
pub(crate) fn encryption(kind: &str, kms_key: Option<&str>) -> Option<Encryption> {
    let encryption_type: EncryptionType = serde_json::from_value(json!(kind)).ok()?;
    (encryption_type != ecr_defaults::ENCRYPTION).then(|| Encryption {
        encryption_type,
        kms_key: kms_key.map(str::to_string),
    })
}

/// A live lifecycle policy as short rules, else as the raw document.
pub(crate) fn lifecycle_of(text: Option<&str>) -> (Option<Vec<LifecycleRule>>, Option<Value>) {
    let Some(text) = text else {
        return (None, None);
    };
    let Ok(document) = serde_json::from_str::<Value>(text) else {
        return (None, Some(Value::String(text.to_string())));
    };
    match lifecycle::short_rules(&document) {
        Some(rules) => (Some(rules), None),
        None => (None, Some(document)),
    }
}

/// A live repository policy as `pull` plus the statements `pull` does not make (raw
/// `policy`), when that compiles back to the same policy; else the raw document whole.
pub(crate) fn policy_of(text: Option<&str>, scope: &Scope) -> (Option<Pull>, Option<Value>) {
    let Some(text) = text else {
        return (None, None);
    };
    let Ok(document) = serde_json::from_str::<Value>(text) else {
        return (None, Some(Value::String(text.to_string())));
    };
    match split_pull(&document, scope) {
        Some((pull, rest)) => (Some(pull), rest),
        None => (None, Some(document)),
    }
}

/// The `WharfPull` statement of a policy as `pull`, and the rest of the document. None
/// when the policy has no such statement or the split does not compile back exactly.
fn split_pull(document: &Value, scope: &Scope) -> Option<(Pull, Option<Value>)> {
    let top = document.as_object()?;
    let statements: Vec<Value> = match top.get("Statement")? {
        Value::Array(list) => list.clone(),
        one => vec![one.clone()],
    };
    let index = statements
        .iter()
        .position(|s| s.get("Sid").and_then(Value::as_str) == Some(PULL_STATEMENT_SID))?;
    let statement = statements[index].as_object()?;
    let principals: Vec<String> = match statement.get("Principal")?.get("AWS")? {
        Value::String(one) => vec![one.clone()],
        Value::Array(list) => list
            .iter()
            .map(|p| p.as_str().map(str::to_string))
            .collect::<Option<_>>()?,
        _ => return None,
    };
    let mut pull = Pull::default();
    for principal in &principals {
        if let Some(account) = scope.account_of_root(principal) {
            pull.accounts.push(account);
        } else {
            pull.roles.push(scope.role_reference(principal));
        }
    }
    let rest_statements: Vec<Value> = statements
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != index)
        .map(|(_, s)| s.clone())
        .collect();
    let rest = (!rest_statements.is_empty()).then(|| {
        let mut rest: Map<String, Value> = top.clone();
        rest.insert("Statement".into(), Value::Array(rest_statements));
        Value::Object(rest)
    });
    // What the plan will compare: the statement `pull` compiles to (principals as in the
    // live policy; the plan resolves names and account ids to the same ARNs) merged
    // with the rest.
    let compiled = policy::repository_policy(
        Some(&Pull {
            accounts: Vec::new(),
            roles: principals,
        }),
        rest.as_ref(),
    )?;
    (policy::normalize(&compiled) == policy::normalize(document)).then_some((pull, rest))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::documents::policy::PULL_ACTIONS;
    use crate::export::Scope;
    use std::collections::BTreeMap;

    fn scope() -> Scope {
        Scope {
            account_id: "123456789012".into(),
            region: "eu-west-1".into(),
            roles: BTreeMap::from([("deploy".to_string(), "/".to_string())]),
            ..Scope::default()
        }
    }

    fn live(edit: impl FnOnce(&mut LiveRepository)) -> LiveRepository {
        let mut repo = LiveRepository {
            name: "shop/web".into(),
            image_tag_mutability: "MUTABLE".into(),
            encryption_type: "AES256".into(),
            ..LiveRepository::default()
        };
        edit(&mut repo);
        repo
    }

    #[test]
    fn defaults_are_left_out() {
        let repo = repository(
            &live(|r| {
                r.tags = BTreeMap::from([
                    ("wharf:stack".into(), "shop".into()),
                    ("aws:cloudformation:stack-name".into(), "x".into()),
                ])
            }),
            &scope(),
        );
        assert_eq!(repo, Repository::default());
    }

    #[test]
    fn settings_that_differ_are_kept() {
        let repo = repository(
            &live(|r| {
                r.image_tag_mutability = "IMMUTABLE_WITH_EXCLUSION".into();
                r.exclusion_filters = vec!["latest".into()];
                r.encryption_type = "KMS".into();
                r.kms_key = Some("arn:aws:kms:eu-west-1:123456789012:key/abc".into());
                r.scan_on_push = true;
                r.tags = BTreeMap::from([("app".into(), "web".into())]);
            }),
            &scope(),
        );
        assert_eq!(
            repo.image_tag_mutability,
            Some(ImageTagMutability::ImmutableWithExclusion)
        );
        assert_eq!(
            repo.image_tag_mutability_exclusion_filters,
            Some(vec!["latest".to_string()])
        );
        assert_eq!(
            repo.encryption.map(|e| e.encryption_type),
            Some(EncryptionType::Kms)
        );
        assert_eq!(repo.scan_on_push, Some(true));
        assert_eq!(
            repo.tags,
            Some(BTreeMap::from([("app".to_string(), "web".to_string())]))
        );
    }

    #[test]
    fn a_wharf_pull_statement_becomes_pull_and_the_rest_stays_raw() {
        let document = json!({
            "Version": "2012-10-17",
            "Statement": [
                {"Sid": "WharfPull", "Effect": "Allow",
                 "Principal": {"AWS": ["arn:aws:iam::111122223333:root", "arn:aws:iam::123456789012:role/deploy", "arn:aws:iam::444455556666:role/ci"]},
                 "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"]},
                {"Sid": "Push", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "ecr:PutImage"},
            ]
        });
        let (pull, rest) = policy_of(Some(&document.to_string()), &scope());
        assert_eq!(
            pull,
            Some(Pull {
                accounts: vec!["111122223333".into()],
                roles: vec!["deploy".into(), "arn:aws:iam::444455556666:role/ci".into()],
            })
        );
        let rest = rest.expect("the push statement");
        assert_eq!(rest["Statement"].as_array().map(Vec::len), Some(1));
        assert_eq!(rest["Statement"][0]["Sid"], "Push");
    }

    #[test]
    fn a_policy_pull_cannot_say_stays_raw() {
        for document in [
            // Another Sid: the plan compares Sids as written.
            json!({"Version": "2012-10-17", "Statement": [{"Sid": "AllowPull", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": PULL_ACTIONS}]}),
            // More than the pull actions.
            json!({"Version": "2012-10-17", "Statement": [{"Sid": "WharfPull", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": ["ecr:*"]}]}),
            // A condition.
            json!({"Version": "2012-10-17", "Statement": [{"Sid": "WharfPull", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": PULL_ACTIONS, "Condition": {"Bool": {"aws:SecureTransport": "true"}}}]}),
        ] {
            let (pull, raw) = policy_of(Some(&document.to_string()), &scope());
            assert_eq!(pull, None, "{document}");
            assert_eq!(raw, Some(document));
        }
    }

    #[test]
    fn lifecycle_policies_become_short_rules_or_stay_raw() {
        let short = r#"{"rules":[{"rulePriority":1,"selection":{"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":14},"action":{"type":"expire"}}]}"#;
        let (rules, raw) = lifecycle_of(Some(short));
        assert_eq!(rules.map(|r| r.len()), Some(1));
        assert_eq!(raw, None);
        let pulled = r#"{"rules":[{"rulePriority":1,"selection":{"tagStatus":"any","countType":"sinceImagePulled","countUnit":"days","countNumber":14},"action":{"type":"expire"}}]}"#;
        let (rules, raw) = lifecycle_of(Some(pulled));
        assert_eq!(
            rules.map(|r| (r[0].since, r[0].expire_after_days)),
            Some((Some(crate::manifest::model::Since::Pulled), Some(14)))
        );
        assert_eq!(raw, None);
        let standard = r#"{"rules":[{"rulePriority":1,"selection":{"tagStatus":"any","storageClass":"standard","countType":"imageCountMoreThan","countNumber":14},"action":{"type":"expire"}}]}"#;
        let (rules, raw) = lifecycle_of(Some(standard));
        assert_eq!(rules, None);
        assert!(raw.is_some_and(|r| r.is_object()));
    }
}
