//! Validation of `iam.roles`: names, paths, trust policies (short and raw), managed and
//! inline policies, `pullFrom` references, and the role references other sections make.
//! AWS's limits are named where they are checked.

use super::{
    ACCOUNT_ID, PolicyKind, ROLE_NAME, Validator, check_policy_document_of, child, pointer_join,
};
use crate::diagnostics::{Span, did_you_mean};
use crate::manifest::model::Role;
use crate::manifest::pointer;
use crate::resources::role::{self, PULL_POLICY_NAME};
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
    pub(super) fn roles(&mut self) {
        for (name, role) in &self.manifest.iam.roles {
            let base = pointer(&["iam", "roles", name]);
            self.role_name(name, &base);
            self.role(name, role, &base);
        }
    }

    /// A reference to a role of this manifest by name (pull.roles, later task roles).
    pub(super) fn role_reference(&mut self, reference: &str, span: Span) {
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
            self.error(
                self.at(&ptr),
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
                self.at(&ptr),
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
