//! Validation of `iam.roles`: names, paths, trust policies (short and raw), managed and
//! inline policies, `pullFrom` references, and the role references other sections make.
//! AWS's limits are named where they are checked.

use crate::diagnostics::{Span, did_you_mean};
use crate::kinds::role::{self, PULL_POLICY_NAME};
use crate::manifest::model::Role;
use crate::manifest::spans::pointer;
use crate::manifest::validate::{
    ACCOUNT_ID, PolicyKind, ROLE_NAME, Validator, check_policy_document_of, child, pointer_join,
};
use regex::Regex;
use serde_json::Value;
use std::sync::LazyLock;

/// IAM: trust policy documents of at most 2,048 characters (the default quota).
const TRUST_POLICY_MAX: usize = 2_048;
/// IAM: all inline policies of a role together at most 10,240 characters.
const INLINE_POLICIES_MAX: usize = 10_240;
/// IAM: at most 20 managed policies per role (the raised quota; 10 by default).
const MANAGED_POLICIES_MAX: usize = 20;
const ROLE_DESCRIPTION_MAX: usize = 1_000;
const PATH_MAX: usize = 512;

static SERVICE_PRINCIPAL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[a-z0-9][a-z0-9.-]*\.amazonaws\.com(\.cn)?$").expect("valid regex")
});
static IAM_PRINCIPAL_ARN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^arn:aws[a-z-]*:(iam::[0-9]{12}:(root|role/.+|user/.+)|sts::[0-9]{12}:assumed-role/.+)$",
    )
    .expect("valid regex")
});
static POLICY_ARN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^arn:aws[a-z-]*:iam::(aws|[0-9]{12}):policy/[\w+=,.@/-]+$").expect("valid regex")
});
static ECR_REPOSITORY_ARN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^arn:aws[a-z-]*:ecr:[a-z0-9-]+:[0-9]{12}:repository/[a-z0-9][a-z0-9._/-]*$")
        .expect("valid regex")
});
static POLICY_NAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[\w+=,.@-]{1,128}$").expect("valid regex"));

/// Characters of a policy as IAM counts them toward its quotas: whitespace does not count.
fn policy_length(doc: &Value) -> usize {
    serde_json::to_string(doc)
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_whitespace())
        .count()
}

impl Validator<'_> {
    pub(crate) fn roles(&mut self) {
        let mut seen: std::collections::BTreeMap<String, &str> = Default::default();
        for (name, role) in &self.manifest.iam.roles {
            let base = pointer(&["iam", "roles", name]);
            self.role_name(name, &base);
            // IAM role names are unique regardless of case.
            if let Some(other) = seen.insert(name.to_lowercase(), name) {
                self.error(
                    self.key(&base),
                    format!("role names `{other}` and `{name}` differ only in case, and IAM treats them as the same name"),
                    Some("rename one of them".into()),
                );
            }
            self.role(name, role, &base);
        }
    }

    /// A reference to a role of this manifest by name (pull.roles, later task roles).
    pub(crate) fn role_reference(&mut self, reference: &str, span: Span) {
        if self.manifest.iam.roles.contains_key(reference) {
            return;
        }
        let names: Vec<&str> = self.manifest.iam.roles.keys().map(String::as_str).collect();
        let hint = match did_you_mean(reference, names.iter().copied()) {
            Some(close) => format!("did you mean `{close}`?"),
            None if names.is_empty() => {
                "declare it under iam.roles, or give a role ARN such as arn:aws:iam::123456789012:role/name".into()
            }
            None => format!(
                "roles of this manifest: {}; or give a role ARN",
                names.join(", ")
            ),
        };
        self.error(
            span,
            format!("`{reference}` is neither a role of this manifest nor a role ARN"),
            Some(hint),
        );
    }

    fn role_name(&mut self, name: &str, base: &str) {
        if !ROLE_NAME.is_match(name) {
            let detail = if name.is_empty() || name.chars().count() > 64 {
                format!(
                    "is {} characters long; IAM allows 1 to 64",
                    name.chars().count()
                )
            } else {
                "may only contain letters, digits and + = , . @ _ -".to_string()
            };
            self.error(self.key(base), format!("role name `{name}` {detail}"), None);
        }
    }

    fn role(&mut self, name: &str, role: &Role, base: &str) {
        if let Some(path) = &role.path {
            let valid = path.starts_with('/')
                && path.ends_with('/')
                && path.len() <= PATH_MAX
                && path.chars().all(|c| ('\u{21}'..='\u{7e}').contains(&c))
                && !path.contains("//");
            if !valid {
                self.error(
                    self.at(&child(base, "path")),
                    format!("`{path}` is not a valid IAM path"),
                    Some(
                        "a path starts and ends with `/`, e.g. /ecs/ (at most 512 characters)"
                            .into(),
                    ),
                );
            }
        }
        // IAM's role description pattern: tab, newline, return, printable ASCII and Latin-1.
        if let Some(description) = &role.description
            && let Some(bad) = description.chars().find(
                |c| !matches!(*c, '\t' | '\n' | '\r' | '\u{20}'..='\u{7e}' | '\u{a1}'..='\u{ff}'),
            )
        {
            self.error(
                self.at(&child(base, "description")),
                format!(
                    "IAM does not accept the character `{bad}` (U+{:04X}) in a role description",
                    bad as u32
                ),
                Some("use printable ASCII or Latin-1 characters".into()),
            );
        }
        if let Some(description) = &role.description
            && description.chars().count() > ROLE_DESCRIPTION_MAX
        {
            self.error(
                self.at(&child(base, "description")),
                format!("the description is {} characters long; IAM allows at most {ROLE_DESCRIPTION_MAX}", description.chars().count()),
                None,
            );
        }
        if let Some(seconds) = role.max_session_duration
            && !(3600..=43200).contains(&seconds)
        {
            self.error(
                self.at(&child(base, "maxSessionDuration")),
                format!(
                    "maxSessionDuration {seconds} is outside 3600 to 43200 seconds (1 to 12 hours)"
                ),
                None,
            );
        }
        if let Some(boundary) = &role.permissions_boundary
            && !POLICY_ARN.is_match(boundary)
        {
            self.error(
                self.at(&child(base, "permissionsBoundary")),
                format!("`{boundary}` is not a managed policy ARN"),
                Some("e.g. arn:aws:iam::123456789012:policy/boundary".into()),
            );
        }
        self.trust(role, base);
        self.managed_policies(role, base);
        self.inline_policies(role, base);
        self.pull_from(role, base);
        if let Some(tags) = &role.tags {
            self.tags(tags, &child(base, "tags"));
        }
        let mut count = self.manifest.defaults.tags.len();
        count += role
            .tags
            .iter()
            .flatten()
            .filter(|(k, _)| !self.manifest.defaults.tags.contains_key(*k))
            .count();
        if count + 1 > 50 {
            self.too_many_tags(self.key(base), &format!("role `{name}`"), count + 1);
        }
    }

    fn trust(&mut self, role: &Role, base: &str) {
        let doc = match (&role.assumed_by, &role.assume_role_policy) {
            (Some(_), Some(_)) => {
                self.error(
                    self.key(&child(base, "assumeRolePolicy")),
                    "`assumedBy` and `assumeRolePolicy` cannot both be set",
                    Some("use the short form assumedBy or the raw trust policy, not both".into()),
                );
                return;
            }
            (None, None) => {
                self.error(
                    self.key(base),
                    "a role needs `assumedBy` or `assumeRolePolicy`: nobody could assume it",
                    Some("e.g. assumedBy: [ecs-tasks.amazonaws.com]".into()),
                );
                return;
            }
            (Some(principals), None) => {
                let ptr = child(base, "assumedBy");
                if principals.is_empty() {
                    self.error(self.at(&ptr), "assumedBy lists nobody", None);
                }
                for (i, principal) in principals.iter().enumerate() {
                    let ok = SERVICE_PRINCIPAL.is_match(principal)
                        || ACCOUNT_ID.is_match(principal)
                        || IAM_PRINCIPAL_ARN.is_match(principal);
                    if !ok {
                        self.error(
                            self.at(&child(&ptr, &i.to_string())),
                            format!("`{principal}` is not a service principal, account id or IAM ARN"),
                            Some("e.g. ecs-tasks.amazonaws.com, \"111122223333\", or arn:aws:iam::111122223333:role/deploy".into()),
                        );
                    }
                }
                (role::trust_policy_from(principals), ptr)
            }
            (None, Some(raw)) => {
                let ptr = child(base, "assumeRolePolicy");
                let Some((doc, inline)) = self.parse_raw(raw, &ptr, "assumeRolePolicy") else {
                    return;
                };
                let problems = check_policy_document_of(&doc, PolicyKind::Trust);
                let clean = problems.is_empty();
                self.report_document(problems, &doc, &ptr, inline);
                if !clean {
                    return;
                }
                (doc, ptr)
            }
        };
        let (doc, ptr) = doc;
        let length = policy_length(&doc);
        if length > TRUST_POLICY_MAX {
            let written = match (&role.assumed_by, &role.assume_role_policy) {
                (Some(list), _) => serde_json::json!(list),
                (_, Some(raw)) => raw.clone(),
                _ => Value::Null,
            };
            self.error(
                self.extent(&ptr, &written),
                format!("the trust policy is {length} characters long; IAM allows at most {TRUST_POLICY_MAX}"),
                None,
            );
        }
    }

    fn managed_policies(&mut self, role: &Role, base: &str) {
        let Some(arns) = &role.managed_policies else {
            return;
        };
        let ptr = child(base, "managedPolicies");
        if arns.len() > MANAGED_POLICIES_MAX {
            self.error(
                self.extent(&ptr, &serde_json::json!(arns)),
                format!(
                    "{} managed policies; IAM attaches at most {MANAGED_POLICIES_MAX} to a role",
                    arns.len()
                ),
                None,
            );
        }
        for (i, arn) in arns.iter().enumerate() {
            let span = self.at(&child(&ptr, &i.to_string()));
            if !POLICY_ARN.is_match(arn) {
                self.error(
                    span,
                    format!("`{arn}` is not a managed policy ARN"),
                    Some("e.g. arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy".into()),
                );
            } else if arns[..i].contains(arn) {
                self.out.warning(span, format!("`{arn}` is listed twice"));
            }
        }
    }

    fn inline_policies(&mut self, role: &Role, base: &str) {
        let ptr = child(base, "inlinePolicies");
        let mut total = 0;
        for (name, raw) in role.inline_policies.iter().flatten() {
            let policy_ptr = child(&ptr, name);
            if name == PULL_POLICY_NAME {
                self.error(
                    self.key(&policy_ptr),
                    format!("the inline policy name `{PULL_POLICY_NAME}` is reserved for the policy pullFrom generates"),
                    Some("rename this policy, or list the repositories under pullFrom".into()),
                );
            } else if !POLICY_NAME.is_match(name) {
                self.error(
                    self.key(&policy_ptr),
                    format!("`{name}` is not a valid policy name (1 to 128 of letters, digits and + = , . @ _ -)"),
                    None,
                );
            }
            let Some((doc, inline)) = self.parse_raw(raw, &policy_ptr, "the inline policy") else {
                continue;
            };
            total += policy_length(&doc);
            let problems = check_policy_document_of(&doc, PolicyKind::Identity);
            self.report_document(problems, &doc, &policy_ptr, inline);
        }
        if total > INLINE_POLICIES_MAX {
            self.error(
                self.key(&ptr),
                format!("the inline policies add up to {total} characters; IAM allows {INLINE_POLICIES_MAX} per role"),
                Some("move some statements into a managed policy".into()),
            );
        }
    }

    fn pull_from(&mut self, role: &Role, base: &str) {
        let ptr = child(base, "pullFrom");
        for (i, entry) in role.pull_from.iter().flatten().enumerate() {
            let span = self.at(&pointer_join(&ptr, &[&i.to_string()]));
            if entry.starts_with("arn:") {
                if !ECR_REPOSITORY_ARN.is_match(entry) {
                    self.error(
                        span,
                        format!("`{entry}` is not an ECR repository ARN"),
                        Some("e.g. arn:aws:ecr:eu-west-1:123456789012:repository/shop/web".into()),
                    );
                }
                continue;
            }
            if self.manifest.repositories.contains_key(entry) {
                continue;
            }
            let names: Vec<&str> = self
                .manifest
                .repositories
                .keys()
                .map(String::as_str)
                .collect();
            let hint = match did_you_mean(entry, names.iter().copied()) {
                Some(close) => format!("did you mean `{close}`?"),
                None => "name a repository of this manifest, or give its ARN (arn:aws:ecr:REGION:ACCOUNT:repository/NAME)".into(),
            };
            self.error(
                span,
                format!("`{entry}` is not a repository of this manifest"),
                Some(hint),
            );
        }
    }
}

impl crate::manifest::validate::Validates for crate::kinds::role::RoleKind {
    fn validate(v: &mut Validator) {
        v.roles();
    }
}

#[cfg(test)]
mod tests {
    use crate::diagnostics::Severity;

    const HEAD: &str = "version: 1\nstack: shop\n";

    /// Every diagnostic for `src`, as (severity, message, hint, text under the span).
    fn diagnose(src: &str) -> Vec<(Severity, String, String, String)> {
        crate::manifest::diagnostics_with_text(src)
    }

    /// Asserts an error whose message contains `message` sits exactly on `text`, and
    /// returns its hint.
    fn assert_error_at(src: &str, message: &str, text: &str) -> String {
        let found = diagnose(src);
        found
            .iter()
            .find(|(s, m, _, t)| *s == Severity::Error && m.contains(message) && t == text)
            .map(|(_, _, hint, _)| hint.clone())
            .unwrap_or_else(|| {
                panic!(
                    "expected an error containing {message:?} at {text:?} in\n{src}\ngot: {found:#?}"
                )
            })
    }

    fn assert_clean(src: &str) {
        let found = diagnose(src);
        assert!(
            found.is_empty(),
            "expected no diagnostics for\n{src}\ngot: {found:#?}"
        );
    }

    /// A manifest with the role `app` whose settings are `body` (indented 6 spaces).
    fn role(body: &str) -> String {
        format!("{HEAD}iam:\n  roles:\n    app:\n{body}")
    }

    const TRUST: &str = "      assumedBy: [ecs-tasks.amazonaws.com]\n";

    #[test]
    fn a_role_name_longer_than_64_characters() {
        let name = "r".repeat(65);
        let src = format!(
            "{HEAD}iam:\n  roles:\n    {name}:\n      assumedBy: [ecs-tasks.amazonaws.com]\n"
        );
        assert_error_at(&src, "is 65 characters long; IAM allows 1 to 64", &name);
        // 64 is fine.
        assert_clean(&src.replace(&name, &"r".repeat(64)));
        // Characters outside IAM's set.
        let src = format!("{HEAD}iam:\n  roles:\n    'a b':\n{TRUST}");
        assert_error_at(
            &src,
            "may only contain letters, digits and + = , . @ _ -",
            "'a b'",
        );
    }

    #[test]
    fn an_invalid_path() {
        for path in ["shop", "/shop", "shop/", "/a//b/", "/caf\u{e9}/"] {
            let src = role(&format!("{TRUST}      path: {path}\n"));
            let hint = assert_error_at(&src, &format!("`{path}` is not a valid IAM path"), path);
            assert!(hint.contains("starts and ends with `/`"), "{hint}");
        }
        let long = format!("/{}/", "p".repeat(511));
        let src = role(&format!("{TRUST}      path: {long}\n"));
        assert_error_at(&src, "is not a valid IAM path", &long);
        for path in ["/", "/shop/", "/shop/ecs/", "/a-b_c.d/"] {
            assert_clean(&role(&format!("{TRUST}      path: {path}\n")));
        }
    }

    #[test]
    fn assumed_by_and_assume_role_policy_together() {
        let src = role(concat!(
            "      assumedBy: [ecs-tasks.amazonaws.com]\n",
            "      assumeRolePolicy: { Version: \"2012-10-17\", Statement: [ { Effect: Allow, Principal: { Service: ecs-tasks.amazonaws.com }, Action: sts:AssumeRole } ] }\n",
        ));
        let hint = assert_error_at(
            &src,
            "`assumedBy` and `assumeRolePolicy` cannot both be set",
            "assumeRolePolicy",
        );
        assert!(hint.contains("not both"), "{hint}");
    }

    #[test]
    fn neither_assumed_by_nor_assume_role_policy() {
        let src = role("      description: nobody can assume me\n");
        let hint = assert_error_at(
            &src,
            "a role needs `assumedBy` or `assumeRolePolicy`",
            "app",
        );
        assert!(
            hint.contains("assumedBy: [ecs-tasks.amazonaws.com]"),
            "{hint}"
        );
        // An empty list names nobody either.
        // (An empty list is underlined at its `[`, as elsewhere in the manifest.)
        let src = role("      assumedBy: []\n");
        assert_error_at(&src, "assumedBy lists nobody", "[");
    }

    #[test]
    fn a_bad_assumed_by_principal() {
        for bad in [
            "bob",
            "'12345'",
            "ecs-tasks",
            "'arn:aws:iam::123456789012:group/admins'",
            "'arn:aws:s3:::bucket'",
        ] {
            let src = role(&format!(
                "      assumedBy: [ecs-tasks.amazonaws.com, {bad}]\n"
            ));
            let hint = assert_error_at(
                &src,
                "is not a service principal, account id or IAM ARN",
                bad,
            );
            assert!(hint.contains("ecs-tasks.amazonaws.com"), "{hint}");
        }
        assert_clean(&role(concat!(
            "      assumedBy:\n",
            "        - ecs-tasks.amazonaws.com\n",
            "        - \"111122223333\"\n",
            "        - arn:aws:iam::111122223333:role/ci/deployer\n",
            "        - arn:aws:iam::111122223333:root\n",
            "        - arn:aws:iam::111122223333:user/alice\n",
            "        - arn:aws:sts::111122223333:assumed-role/ci/session\n",
            "        - events.amazonaws.com.cn\n",
        )));
    }

    #[test]
    fn a_trust_policy_longer_than_2048_characters() {
        // 40 role ARNs of ~60 characters each: well over IAM's 2,048.
        let arns: Vec<String> = (0..40)
            .map(|i| format!("arn:aws:iam::111122223333:role/deployers/deployer-{i:04}"))
            .collect();
        let list = format!("[{}]", arns.join(", "));
        let src = role(&format!("      assumedBy: {list}\n"));
        let found = diagnose(&src);
        let (_, message, _, text) = found
            .iter()
            .find(|(s, m, _, _)| *s == Severity::Error && m.contains("trust policy is"))
            .unwrap_or_else(|| panic!("no trust policy length error: {found:#?}"));
        assert!(message.contains("IAM allows at most 2048"), "{message}");
        // It underlines the list as written, from its first item to its last.
        assert!(
            list.contains(text.as_str())
                && text.contains("deployer-0000")
                && text.contains("deployer-0039"),
            "{text:?}"
        );
        // A few are fine.
        let few = format!("[{}]", arns[..10].join(", "));
        assert_clean(&role(&format!("      assumedBy: {few}\n")));

        // The raw form is measured too (whitespace does not count).
        let raw = format!(
            "'{{\"Version\":\"2012-10-17\",\"Statement\":[{{\"Effect\":\"Allow\",\"Principal\":{{\"AWS\":[{}]}},\"Action\":\"sts:AssumeRole\"}}]}}'",
            arns.iter()
                .map(|a| format!("\"{a}\""))
                .collect::<Vec<_>>()
                .join(",")
        );
        let src = role(&format!("      assumeRolePolicy: {raw}\n"));
        assert_error_at(&src, "the trust policy is", &raw);
    }

    #[test]
    fn max_session_duration_out_of_range() {
        for bad in ["3599", "43201", "0", "-1"] {
            let src = role(&format!("{TRUST}      maxSessionDuration: {bad}\n"));
            assert_error_at(&src, "is outside 3600 to 43200 seconds", bad);
        }
        for good in ["3600", "7200", "43200"] {
            assert_clean(&role(&format!("{TRUST}      maxSessionDuration: {good}\n")));
        }
    }

    #[test]
    fn a_bad_managed_policy_arn() {
        for bad in [
            "AmazonECSTaskExecutionRolePolicy",
            "arn:aws:iam::aws:role/AmazonECSTaskExecutionRolePolicy",
            "arn:aws:iam::12345:policy/x",
            "arn:aws:s3:::bucket",
        ] {
            let src = role(&format!("{TRUST}      managedPolicies: [{bad}]\n"));
            let hint = assert_error_at(&src, &format!("`{bad}` is not a managed policy ARN"), bad);
            assert!(hint.contains("AmazonECSTaskExecutionRolePolicy"), "{hint}");
        }
        // The permissions boundary is a managed policy ARN too.
        let src = role(&format!("{TRUST}      permissionsBoundary: boundary\n"));
        assert_error_at(&src, "`boundary` is not a managed policy ARN", "boundary");
        // A policy listed twice is a warning.
        let arn = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy";
        let src = role(&format!("{TRUST}      managedPolicies: [{arn}, {arn}]\n"));
        let found = diagnose(&src);
        assert!(
            found
                .iter()
                .any(|(s, m, _, _)| *s == Severity::Warning && m.contains("listed twice")),
            "{found:#?}"
        );
        assert_clean(&role(&format!(
            "{TRUST}      managedPolicies: [{arn}, 'arn:aws:iam::123456789012:policy/team/shop-read']\n      permissionsBoundary: arn:aws:iam::123456789012:policy/boundary\n"
        )));
    }

    const GOOD_POLICY: &str = "{ Version: \"2012-10-17\", Statement: [ { Effect: Allow, Action: \"s3:GetObject\", Resource: \"*\" } ] }";

    #[test]
    fn the_reserved_inline_policy_name() {
        let src = role(&format!(
            "{TRUST}      inlinePolicies:\n        wharf-pull: {GOOD_POLICY}\n"
        ));
        let hint = assert_error_at(
            &src,
            "the inline policy name `wharf-pull` is reserved",
            "wharf-pull",
        );
        assert!(hint.contains("pullFrom"), "{hint}");
        // Invalid characters in a policy name.
        let src = role(&format!(
            "{TRUST}      inlinePolicies:\n        'read logs': {GOOD_POLICY}\n"
        ));
        assert_error_at(&src, "is not a valid policy name", "'read logs'");
    }

    #[test]
    fn an_inline_policy_with_a_principal() {
        let src = role(&format!(
            "{TRUST}      inlinePolicies:\n        read:\n          Version: \"2012-10-17\"\n          Statement:\n            - Effect: Allow\n              Principal: {{ AWS: \"*\" }}\n              Action: s3:GetObject\n              Resource: \"*\"\n"
        ));
        let hint = assert_error_at(
            &src,
            "a role's inline policy cannot name a `Principal`",
            "AWS: \"*\"",
        );
        assert!(hint.contains("assumedBy"), "{hint}");
    }

    #[test]
    fn an_inline_policy_missing_resource() {
        // A mapping is underlined from its first key to its last value, braces left out.
        let statement = "Effect: Allow, Action: s3:GetObject";
        let src = role(&format!(
            "{TRUST}      inlinePolicies:\n        read: {{ Version: \"2012-10-17\", Statement: [ {{ {statement} }} ] }}\n"
        ));
        assert_error_at(
            &src,
            "an inline policy statement needs a `Resource`",
            statement,
        );
        // As JSON text, the error sits on the string and names the place inside it.
        let text = r#"'{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject"}]}'"#;
        let src = role(&format!(
            "{TRUST}      inlinePolicies:\n        read: {text}\n"
        ));
        assert_error_at(&src, "/Statement/0", text);
    }

    #[test]
    fn a_trust_policy_with_a_resource_or_without_a_principal() {
        let src = role(
            "      assumeRolePolicy: { Version: \"2012-10-17\", Statement: [ { Effect: Allow, Action: sts:AssumeRole } ] }\n",
        );
        assert_error_at(
            &src,
            "a trust policy statement needs a `Principal`",
            "Effect: Allow, Action: sts:AssumeRole",
        );
        let src = role(
            "      assumeRolePolicy: '{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"ecs.amazonaws.com\"},\"Action\":\"sts:AssumeRole\",\"Resource\":\"*\"}]}'\n",
        );
        let found = diagnose(&src);
        assert!(
            found
                .iter()
                .any(|(_, m, _, _)| m.contains("a trust policy statement cannot have a `Resource`")),
            "{found:#?}"
        );
        let src = role("      assumeRolePolicy: '{not json'\n");
        assert_error_at(&src, "assumeRolePolicy is not valid JSON", "'{not json'");
    }

    #[test]
    fn pull_from_an_unknown_repository() {
        let src = format!(
            "{HEAD}repositories:\n  shop/web: {{}}\n  shop/api: {{}}\niam:\n  roles:\n    app:\n{TRUST}      pullFrom: [shop/web, shop/wbe]\n"
        );
        let hint = assert_error_at(
            &src,
            "`shop/wbe` is not a repository of this manifest",
            "shop/wbe",
        );
        assert_eq!(hint, "did you mean `shop/web`?");
        // Nothing close: the hint says what to write instead.
        let src = src.replace("shop/wbe", "tools/builder");
        let hint = assert_error_at(
            &src,
            "`tools/builder` is not a repository of this manifest",
            "tools/builder",
        );
        assert!(hint.contains("give its ARN"), "{hint}");
        // A repository ARN needs no declaration, but must be one.
        let src = src.replace(
            "tools/builder",
            "'arn:aws:ecr:us-east-1:111122223333:repository/base/image'",
        );
        assert_clean(&src);
        let src = src.replace(
            "'arn:aws:ecr:us-east-1:111122223333:repository/base/image'",
            "'arn:aws:ecr:us-east-1:111122223333:image/base'",
        );
        assert_error_at(
            &src,
            "is not an ECR repository ARN",
            "'arn:aws:ecr:us-east-1:111122223333:image/base'",
        );
    }

    #[test]
    fn pull_roles_naming_an_unknown_role() {
        let src = format!(
            "{HEAD}repositories:\n  shop/web:\n    pull: {{ roles: [task-executon] }}\niam:\n  roles:\n    task-execution:\n{TRUST}    deploy:\n{TRUST}"
        );
        let hint = assert_error_at(
            &src,
            "`task-executon` is neither a role of this manifest nor a role ARN",
            "task-executon",
        );
        assert_eq!(hint, "did you mean `task-execution`?");
        // Nothing close: the roles of the manifest are listed.
        let src = src.replace("task-executon", "builder");
        let hint = assert_error_at(&src, "`builder` is neither a role", "builder");
        assert!(
            hint.contains("deploy") && hint.contains("task-execution"),
            "{hint}"
        );
        assert_clean(&src.replace("[builder]", "[task-execution]"));
    }

    #[test]
    fn length_errors_underline_the_whole_list() {
        let arns: Vec<String> = (0..40)
            .map(|i| format!("arn:aws:iam::111122223333:role/deployers/deployer-{i:04}"))
            .collect();
        let items = arns.join(", ");
        let src = role(&format!("      assumedBy: [{items}]\n"));
        assert_error_at(&src, "the trust policy is", &items);

        let policies: Vec<String> = (0..21)
            .map(|i| format!("arn:aws:iam::123456789012:policy/p{i}"))
            .collect();
        let items = policies.join(", ");
        let src = role(&format!("{TRUST}      managedPolicies: [{items}]\n"));
        assert_error_at(&src, "21 managed policies; IAM attaches at most 20", &items);
    }

    #[test]
    fn role_names_differing_only_in_case() {
        let src = format!("{HEAD}iam:\n  roles:\n    App:\n{TRUST}    app:\n{TRUST}");
        let found = diagnose(&src);
        assert!(
            found.iter().any(|(s, m, _, t)| *s == Severity::Error
                && m.contains("App")
                && m.contains("app")
                && (t == "app" || t == "App")),
            "{found:#?}"
        );
    }

    #[test]
    fn a_description_longer_than_1000_characters() {
        let long = "d".repeat(1001);
        let src = role(&format!("{TRUST}      description: {long}\n"));
        assert_error_at(&src, "the description is 1001 characters long", &long);
        assert_clean(&role(&format!(
            "{TRUST}      description: {}\n",
            "d".repeat(1000)
        )));
    }

    #[test]
    fn a_description_with_characters_iam_rejects() {
        let src = role(&format!(
            "{TRUST}      description: pulls images \u{2014} fast\n"
        ));
        let found = diagnose(&src);
        assert!(
            found.iter().any(|(s, m, _, t)| *s == Severity::Error
                && m.contains("description")
                && t.contains("pulls images")),
            "{found:#?}"
        );
        // Latin-1 is fine.
        assert_clean(&role(&format!("{TRUST}      description: caf\u{e9}\n")));
    }

    #[test]
    fn a_complete_roles_manifest_is_clean() {
        assert_clean(include_str!("../../../examples/roles.yaml"));
        assert_clean(concat!(
            "version: 1\n",
            "stack: shop\n",
            "defaults:\n",
            "  tags: { team: shop }\n",
            "repositories:\n",
            "  shop/web:\n",
            "    encryption: { type: KMS, kmsKey: alias/shop-ecr }\n",
            "    pull: { roles: [task-execution, 'arn:aws:iam::111122223333:role/ci/pusher'] }\n",
            "  shop/api: {}\n",
            "iam:\n",
            "  roles:\n",
            "    task-execution:\n",
            "      description: pulls shop images\n",
            "      path: /shop/ecs/\n",
            "      assumedBy: [ecs-tasks.amazonaws.com, \"111122223333\"]\n",
            "      maxSessionDuration: 43200\n",
            "      permissionsBoundary: arn:aws:iam::123456789012:policy/boundary\n",
            "      managedPolicies:\n",
            "        - arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy\n",
            "      pullFrom: [shop/web, shop/api, 'arn:aws:ecr:us-east-1:111122223333:repository/base/image']\n",
            "      inlinePolicies:\n",
            "        logs:\n",
            "          Version: \"2012-10-17\"\n",
            "          Statement:\n",
            "            - Effect: Allow\n",
            "              Action: [logs:CreateLogStream, logs:PutLogEvents]\n",
            "              Resource: arn:aws:logs:eu-west-1:123456789012:log-group:/shop/*\n",
            "        text: '{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"*\"}}'\n",
            "      tags: { app: web }\n",
            "    raw:\n",
            "      assumeRolePolicy:\n",
            "        Version: \"2012-10-17\"\n",
            "        Statement:\n",
            "          - Effect: Allow\n",
            "            Principal: { Federated: arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com }\n",
            "            Action: sts:AssumeRoleWithWebIdentity\n",
            "            Condition: { StringLike: { \"token.actions.githubusercontent.com:sub\": \"repo:shop/*\" } }\n",
        ));
    }
}
