//! IAM rules (WHARF-IAM-*): roles' trust policies, as the manifest writes them
//! (`assumedBy` compiled, or the raw `assumeRolePolicy`) and as IAM holds them.

use crate::documents::policy as documents;
use crate::kinds::common::OWNERSHIP_TAG;
use crate::kinds::role;
use crate::lint::finding::{Finding, Source, exact};
use crate::lint::policy::{self, PublicStatement};
use crate::lint::rules::PUBLIC_TRUST;
use crate::live::LiveSnapshot;
use crate::manifest::model::Manifest;
use crate::manifest::spans::{SpanIndex, pointer};
use serde_json::Value;

/// Assuming the role, in every way STS offers.
const ASSUME: [&str; 3] = [
    "sts:AssumeRole",
    "sts:AssumeRoleWithWebIdentity",
    "sts:AssumeRoleWithSAML",
];

fn public_trust(source: Source, name: &str, statement: &PublicStatement) -> Finding {
    let mut f = Finding::new(&PUBLIC_TRUST, source, role::address(name));
    f.subject = statement.describe();
    f.message = format!(
        "{}{} of the trust policy of role `{name}` lets anyone (Principal \"*\") {}",
        match source {
            Source::Manifest => "",
            Source::Live => "In AWS, ",
        },
        statement.describe(),
        statement.allows.join(", ")
    );
    f.hint = "name who assumes the role with `assumedBy` (services such as ecs-tasks.amazonaws.com, account ids, role ARNs), or restrict the statement with a condition on aws:PrincipalOrgID".into();
    f
}

pub(crate) fn manifest(m: &Manifest, spans: &SpanIndex) -> Vec<Finding> {
    let mut out = Vec::new();
    for (name, declared) in &m.iam.roles {
        let base = pointer(&["iam", "roles", name]);
        let (doc, node) = match (&declared.assumed_by, &declared.assume_role_policy) {
            (_, Some(raw)) => match documents::parse_document(raw) {
                Ok(doc) => (doc, format!("{base}/assumeRolePolicy")),
                Err(_) => continue,
            },
            (Some(assumed_by), None) => (
                role::trust_policy_from(assumed_by),
                format!("{base}/assumedBy"),
            ),
            (None, None) => continue,
        };
        for statement in policy::public_statements(&doc, &ASSUME) {
            let mut f = public_trust(Source::Manifest, name, &statement);
            let at = statement.pointer(&node);
            f.span = Some(
                if declared
                    .assume_role_policy
                    .as_ref()
                    .is_some_and(Value::is_object)
                {
                    exact(spans, &format!("{at}/Principal/AWS"))
                        .or_else(|| exact(spans, &format!("{at}/Principal")))
                        .unwrap_or_else(|| spans.at(&at))
                } else {
                    spans.at(&node)
                },
            );
            out.push(f);
        }
    }
    out
}

pub(crate) fn live(m: &Manifest, spans: &SpanIndex, live: &LiveSnapshot) -> Vec<Finding> {
    let mut out = Vec::new();
    for (name, have) in &live.roles {
        let declared = m.iam.roles.contains_key(name);
        if !declared && have.tags.get(OWNERSHIP_TAG) != Some(&m.stack) {
            continue;
        }
        let Some(doc) = have
            .trust_policy
            .as_deref()
            .and_then(|text| serde_json::from_str::<Value>(text).ok())
        else {
            continue;
        };
        for statement in policy::public_statements(&doc, &ASSUME) {
            let mut f = public_trust(Source::Live, name, &statement);
            f.span = declared.then(|| spans.key(&pointer(&["iam", "roles", name])));
            out.push(f);
        }
    }
    out
}
