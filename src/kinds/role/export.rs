//! IAM roles as manifest entries, PURE: the trust policy as `assumedBy` when it is exactly
//! the statement that short form compiles to, managed and inline policies, and the
//! settings that differ from IAM's defaults (path `/`, 3600-second sessions, no
//! description). An inline policy named `wharf-pull` (reserved for `pullFrom`) becomes
//! `pullFrom` when it compiles back exactly.

use crate::documents::policy;
use crate::export::scope::{Scope, user_tags};
use crate::kinds::role::{
    DEFAULT_MAX_SESSION_DURATION, PULL_POLICY_NAME, pull_policy, trust_policy_in,
};
use crate::live::LiveRole;
use crate::manifest::model::{Manifest, Role};
use serde_json::Value;
use std::collections::BTreeMap;

/// The role's entry, and a note when something in it could not be exported.
/// `manifest` holds the repositories exported so far (`pullFrom` names them).
pub fn role(live: &LiveRole, scope: &Scope, manifest: &Manifest) -> (Role, Option<String>) {
    let trust = live.trust_policy.as_deref().map(parse);
    let assumed_by = trust.as_ref().and_then(|t| assumed_by(t, scope));
    let mut inline: BTreeMap<String, Value> = live
        .inline_policies
        .iter()
        .map(|(name, text)| (name.clone(), parse(text)))
        .collect();
    let mut note = None;
    let pull_from = match inline.remove(PULL_POLICY_NAME) {
        None => None,
        Some(document) => {
            let found = pull_from(&document, scope, manifest);
            if found.is_none() {
                note = Some(format!(
                    "iam.role.{}: the inline policy `{PULL_POLICY_NAME}` is not what pullFrom generates, and that name is reserved; it is left out (rename it in IAM to keep it)",
                    live.name
                ));
            }
            found
        }
    };
    let mut managed = live.managed_policies.clone();
    managed.sort();
    let role = Role {
        assume_role_policy: if assumed_by.is_some() { None } else { trust },
        assumed_by,
        managed_policies: (!managed.is_empty()).then_some(managed),
        inline_policies: (!inline.is_empty()).then_some(inline),
        pull_from,
        description: live.description.clone().filter(|d| !d.is_empty()),
        path: (live.path != "/").then(|| live.path.clone()),
        max_session_duration: (live.max_session_duration != DEFAULT_MAX_SESSION_DURATION)
            .then_some(live.max_session_duration),
        permissions_boundary: live.permissions_boundary.clone(),
        instance_profile: live.instance_profiles.contains(&live.name).then_some(true),
        tags: user_tags(&live.tags),
        lint: None,
    };
    (role, note)
}

fn parse(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_string()))
}

/// The `assumedBy` list whose trust policy is exactly `trust` (compared by meaning, as
/// the plan compares it); None when the policy says more than that short form can.
fn assumed_by(trust: &Value, scope: &Scope) -> Option<Vec<String>> {
    let statements = match trust.get("Statement")? {
        Value::Array(list) => list.clone(),
        one => vec![one.clone()],
    };
    let [statement] = statements.as_slice() else {
        return None;
    };
    let principal = statement.get("Principal")?.as_object()?;
    let mut by = Vec::new();
    for (kind, value) in principal {
        let items: Vec<String> = match value {
            Value::String(one) => vec![one.clone()],
            Value::Array(list) => list
                .iter()
                .map(|v| v.as_str().map(str::to_string))
                .collect::<Option<_>>()?,
            _ => return None,
        };
        match kind.as_str() {
            "Service" => by.extend(items),
            // An account's root ARN is written as the account id, as people write it.
            "AWS" => by.extend(
                items
                    .into_iter()
                    .map(|p| scope.account_of_root(&p).unwrap_or(p)),
            ),
            _ => return None,
        }
    }
    by.sort();
    by.dedup();
    let compiled = trust_policy_in(&by, scope.context().partition());
    (policy::normalize(&compiled) == policy::normalize(trust)).then_some(by)
}

/// The `pullFrom` list whose policy is exactly this `wharf-pull` document: repository
/// names where the manifest exports them, else ARNs.
fn pull_from(document: &Value, scope: &Scope, manifest: &Manifest) -> Option<Vec<String>> {
    let statements = document.get("Statement")?.as_array()?;
    let pull = statements
        .iter()
        .find(|s| s.get("Sid").and_then(Value::as_str) == Some("EcrPull"))?;
    let arns: Vec<String> = match pull.get("Resource")? {
        Value::String(one) => vec![one.clone()],
        Value::Array(list) => list
            .iter()
            .map(|v| v.as_str().map(str::to_string))
            .collect::<Option<_>>()?,
        _ => return None,
    };
    let ctx = scope.context();
    let named: Vec<String> = arns
        .iter()
        .map(|arn| {
            manifest
                .repositories
                .keys()
                .find(|name| crate::kinds::repository::repository_arn(&ctx, name) == *arn)
                .cloned()
                .unwrap_or_else(|| arn.clone())
        })
        .collect();
    let target = policy::normalize(document);
    [named, arns]
        .into_iter()
        .find(|candidate| policy::normalize(&pull_policy(manifest, &ctx, candidate)) == target)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn scope() -> Scope {
        Scope {
            account_id: "123456789012".into(),
            region: "eu-west-1".into(),
            ..Scope::default()
        }
    }

    fn live(trust: Value) -> LiveRole {
        LiveRole {
            name: "task-execution".into(),
            path: "/".into(),
            trust_policy: Some(trust.to_string()),
            max_session_duration: 3600,
            ..LiveRole::default()
        }
    }

    #[test]
    fn a_plain_trust_policy_becomes_assumed_by() {
        let trust = json!({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": "ecs-tasks.amazonaws.com", "AWS": "arn:aws:iam::111122223333:root"},
            "Action": "sts:AssumeRole"}]});
        let (exported, note) = role(&live(trust), &scope(), &Manifest::default());
        assert_eq!(
            exported.assumed_by,
            Some(vec![
                "111122223333".to_string(),
                "ecs-tasks.amazonaws.com".to_string()
            ])
        );
        assert_eq!(exported.assume_role_policy, None);
        assert_eq!(note, None);
        assert_eq!(exported.path, None);
        assert_eq!(exported.max_session_duration, None);
    }

    #[test]
    fn a_trust_policy_with_more_stays_raw() {
        for trust in [
            json!({"Version": "2012-10-17", "Statement": [{"Sid": "Tasks", "Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]}),
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole",
                   "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"}}}]}),
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Federated": "arn:aws:iam::123456789012:oidc-provider/x"}, "Action": "sts:AssumeRoleWithWebIdentity"}]}),
        ] {
            let (exported, _) = role(&live(trust.clone()), &scope(), &Manifest::default());
            assert_eq!(exported.assumed_by, None, "{trust}");
            assert_eq!(exported.assume_role_policy, Some(trust));
        }
    }

    #[test]
    fn settings_other_than_iams_defaults_are_kept() {
        let mut have = live(json!({}));
        have.path = "/ci/".into();
        have.max_session_duration = 7200;
        have.description = Some("deploys".into());
        have.managed_policies = vec![
            "arn:aws:iam::aws:policy/b".into(),
            "arn:aws:iam::aws:policy/a".into(),
        ];
        have.inline_policies = BTreeMap::from([(
            "logs".to_string(),
            r#"{"Version":"2012-10-17","Statement":[]}"#.to_string(),
        )]);
        let (exported, _) = role(&have, &scope(), &Manifest::default());
        assert_eq!(exported.path.as_deref(), Some("/ci/"));
        assert_eq!(exported.max_session_duration, Some(7200));
        assert_eq!(exported.description.as_deref(), Some("deploys"));
        assert_eq!(
            exported.managed_policies,
            Some(vec![
                "arn:aws:iam::aws:policy/a".to_string(),
                "arn:aws:iam::aws:policy/b".to_string()
            ])
        );
        assert!(
            exported
                .inline_policies
                .is_some_and(|p| p.contains_key("logs"))
        );
    }

    #[test]
    fn a_wharf_pull_policy_becomes_pull_from() {
        let m = Manifest::default();
        let document = pull_policy(
            &m,
            &scope().context(),
            &["arn:aws:ecr:eu-west-1:123456789012:repository/shop/web".to_string()],
        );
        let mut have = live(json!({}));
        have.inline_policies =
            BTreeMap::from([(PULL_POLICY_NAME.to_string(), document.to_string())]);
        let (exported, note) = role(&have, &scope(), &m);
        assert_eq!(
            exported.pull_from,
            Some(vec![
                "arn:aws:ecr:eu-west-1:123456789012:repository/shop/web".to_string()
            ])
        );
        assert_eq!(exported.inline_policies, None);
        assert_eq!(note, None);

        have.inline_policies = BTreeMap::from([(
            PULL_POLICY_NAME.to_string(),
            r#"{"Statement":[]}"#.to_string(),
        )]);
        let (exported, note) = role(&have, &scope(), &m);
        assert_eq!(exported.pull_from, None);
        assert!(note.is_some());
    }
}
