//! Which statements of a resource policy (repository, registry, trust) allow anyone:
//! `Effect: Allow`, `Principal: "*"` or `{"AWS": "*"}`, and no condition that pins the
//! caller down. PURE; reads documents in the shapes `documents::policy` parses.

use serde_json::Value;

/// Condition keys that restrict who the caller is or where the call comes from: with a
/// positive operator and a concrete value, a `"*"` principal is no longer anyone.
const RESTRICTING_KEYS: [&str; 13] = [
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:principalaccount",
    "aws:principalarn",
    "aws:sourceaccount",
    "aws:sourcearn",
    "aws:sourceowner",
    "aws:sourceorgid",
    "aws:sourceorgpaths",
    "aws:sourcevpc",
    "aws:sourcevpce",
    "aws:sourceip",
    "aws:userid",
];

/// Operators that grant only when the key is present and matches. `...IfExists` grants
/// when the key is absent (an outside caller has no aws:SourceVpce), and negated
/// operators grant to everyone who does not match: neither restricts.
const POSITIVE_OPERATORS: [&str; 6] = [
    "stringequals",
    "stringequalsignorecase",
    "stringlike",
    "arnequals",
    "arnlike",
    "ipaddress",
];

/// A statement that allows anyone: its place in the document and what it allows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicStatement {
    /// Index in `Statement`; None when `Statement` is a single object.
    pub index: Option<usize>,
    pub sid: Option<String>,
    /// The statement's actions that match `interesting` (`*` patterns as written), or
    /// "all actions except ..." for NotAction.
    pub allows: Vec<String>,
}

impl PublicStatement {
    /// "statement `Sid`" or "statement 2" (1-based) for messages.
    pub fn describe(&self) -> String {
        match (&self.sid, self.index) {
            (Some(sid), _) if !sid.is_empty() => format!("statement `{sid}`"),
            (_, Some(i)) => format!("statement {}", i + 1),
            _ => "the statement".to_string(),
        }
    }

    /// The JSON pointer of the statement below the document's pointer.
    pub fn pointer(&self, document: &str) -> String {
        match self.index {
            Some(i) => format!("{document}/Statement/{i}"),
            None => format!("{document}/Statement"),
        }
    }
}

/// Statements of `doc` that allow anyone any of the `concern` actions.
pub fn public_statements(doc: &Value, concern: &[&str]) -> Vec<PublicStatement> {
    let statements: Vec<(Option<usize>, &Value)> = match doc.get("Statement") {
        Some(Value::Array(list)) => list.iter().enumerate().map(|(i, s)| (Some(i), s)).collect(),
        Some(one @ Value::Object(_)) => vec![(None, one)],
        _ => Vec::new(),
    };
    statements
        .into_iter()
        .filter_map(|(index, statement)| {
            if statement.get("Effect").and_then(Value::as_str) != Some("Allow")
                || !statement.get("Principal").is_some_and(is_anyone)
                || restricted(statement.get("Condition"))
            {
                return None;
            }
            let allows = allowed(statement, concern);
            (!allows.is_empty()).then(|| PublicStatement {
                index,
                sid: statement
                    .get("Sid")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                allows,
            })
        })
        .collect()
}

/// `"*"`, `{"AWS": "*"}` or `{"AWS": [..., "*", ...]}`.
fn is_anyone(principal: &Value) -> bool {
    match principal {
        Value::String(s) => s == "*",
        Value::Object(map) => map.get("AWS").is_some_and(|aws| match aws {
            Value::String(s) => s == "*",
            Value::Array(items) => items.iter().any(|i| i.as_str() == Some("*")),
            _ => false,
        }),
        _ => false,
    }
}

fn restricted(condition: Option<&Value>) -> bool {
    let Some(Value::Object(operators)) = condition else {
        return false;
    };
    operators.iter().any(|(operator, keys)| {
        let op = operator.to_lowercase();
        let op = op
            .strip_prefix("foranyvalue:")
            .or_else(|| op.strip_prefix("forallvalues:"))
            .unwrap_or(&op);
        if !POSITIVE_OPERATORS.contains(&op) {
            return false;
        }
        let Value::Object(keys) = keys else {
            return false;
        };
        keys.iter().any(|(key, values)| {
            RESTRICTING_KEYS.contains(&key.to_lowercase().as_str()) && concrete(values)
        })
    })
}

/// A condition value that names something: not empty, and no bare `*`.
fn concrete(values: &Value) -> bool {
    let list: Vec<&Value> = match values {
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    };
    !list.is_empty()
        && list
            .iter()
            .all(|v| v.as_str().is_some_and(|s| !s.is_empty() && s != "*"))
}

fn strings(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    }
}

/// The statement's action patterns that reach a `concern` action; for NotAction (all
/// actions but the listed ones), a description when some `concern` action is left in.
fn allowed(statement: &Value, concern: &[&str]) -> Vec<String> {
    if statement.get("NotAction").is_some() {
        let except = strings(statement.get("NotAction"));
        let left = concern
            .iter()
            .any(|a| !except.iter().any(|p| action_matches(p, a)));
        return if !left {
            Vec::new()
        } else if except.is_empty() {
            vec!["all actions".to_string()]
        } else {
            vec![format!("all actions except {}", except.join(", "))]
        };
    }
    strings(statement.get("Action"))
        .into_iter()
        .filter(|a| reaches_any(a, concern))
        .collect()
}

/// IAM action matching: case-insensitive, `*` any run of characters, `?` one character.
pub fn action_matches(pattern: &str, action: &str) -> bool {
    wildcard(
        &pattern.to_lowercase().chars().collect::<Vec<_>>(),
        &action.to_lowercase().chars().collect::<Vec<_>>(),
        true,
    )
}

/// ECR's WILDCARD filter matching (registry scanning rules): case-sensitive, `*` only.
pub fn filter_matches(filter: &str, name: &str) -> bool {
    wildcard(
        &filter.chars().collect::<Vec<_>>(),
        &name.chars().collect::<Vec<_>>(),
        false,
    )
}

fn wildcard(pattern: &[char], text: &[char], question: bool) -> bool {
    match pattern.split_first() {
        None => text.is_empty(),
        Some(('*', rest)) => (0..=text.len()).any(|i| wildcard(rest, &text[i..], question)),
        Some(('?', rest)) if question => !text.is_empty() && wildcard(rest, &text[1..], question),
        Some((c, rest)) => text.first() == Some(c) && wildcard(rest, &text[1..], question),
    }
}

/// Whether a statement's action pattern reaches any of `actions` (or is itself one).
pub fn reaches_any(pattern: &str, actions: &[&str]) -> bool {
    actions.iter().any(|a| action_matches(pattern, a))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const PULL: [&str; 2] = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"];

    fn public(doc: Value) -> Vec<PublicStatement> {
        public_statements(&doc, &PULL)
    }

    #[test]
    fn principals_that_mean_anyone() {
        for principal in [
            json!("*"),
            json!({"AWS": "*"}),
            json!({"AWS": ["arn:aws:iam::1:root", "*"]}),
        ] {
            let doc = json!({"Statement": [{"Effect": "Allow", "Principal": principal, "Action": "ecr:BatchGetImage"}]});
            assert_eq!(public(doc).len(), 1);
        }
        for principal in [
            json!({"AWS": "arn:aws:iam::123456789012:root"}),
            json!({"Service": "ecs-tasks.amazonaws.com"}),
        ] {
            let doc =
                json!({"Statement": [{"Effect": "Allow", "Principal": principal, "Action": "*"}]});
            assert!(public(doc).is_empty());
        }
        let deny = json!({"Statement": {"Effect": "Deny", "Principal": "*", "Action": "*"}});
        assert!(public(deny).is_empty());
    }

    #[test]
    fn a_single_statement_object_and_its_pointer() {
        let doc = json!({"Statement": {"Sid": "Open", "Effect": "Allow", "Principal": "*", "Action": ["ecr:*"]}});
        let found = public(doc);
        assert_eq!(found[0].index, None);
        assert_eq!(found[0].pointer("/p"), "/p/Statement");
        assert_eq!(found[0].describe(), "statement `Open`");
        assert_eq!(found[0].allows, vec!["ecr:*"]);
    }

    #[test]
    fn conditions_that_restrict_the_caller() {
        let with = |condition: Value| json!({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "ecr:BatchGetImage", "Condition": condition}]});
        assert!(
            public(with(
                json!({"StringEquals": {"aws:PrincipalOrgID": "o-abc"}})
            ))
            .is_empty()
        );
        assert!(
            public(with(
                json!({"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": ["o-a/r-b/*"]}})
            ))
            .is_empty()
        );
        // Not restricting: a negation, IfExists, a wildcard value, an unrelated key.
        assert_eq!(
            public(with(
                json!({"StringNotEquals": {"aws:PrincipalOrgID": "o-abc"}})
            ))
            .len(),
            1
        );
        assert_eq!(
            public(with(
                json!({"StringEqualsIfExists": {"aws:SourceVpce": "vpce-1"}})
            ))
            .len(),
            1
        );
        assert_eq!(
            public(with(json!({"StringLike": {"aws:PrincipalArn": "*"}}))).len(),
            1
        );
        assert_eq!(
            public(with(json!({"Bool": {"aws:SecureTransport": "true"}}))).len(),
            1
        );
    }

    #[test]
    fn only_actions_of_concern_count() {
        let doc = json!({"Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "ecr:DescribeImages"},
            {"Effect": "Allow", "Principal": "*", "Action": ["ecr:Batch*", "ecr:ListImages"]},
            {"Effect": "Allow", "Principal": "*", "NotAction": "ecr:PutImage"},
            {"Effect": "Allow", "Principal": "*", "NotAction": ["ecr:BatchGetImage", "ecr:GetDownload*"]}
        ]});
        let found = public(doc);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].allows, vec!["ecr:Batch*"]);
        assert_eq!(found[0].describe(), "statement 2");
        assert_eq!(found[1].allows, vec!["all actions except ecr:PutImage"]);
    }

    #[test]
    fn wildcards() {
        assert!(action_matches("ECR:*", "ecr:BatchGetImage"));
        assert!(action_matches(
            "ecr:Get?ownloadUrlForLayer",
            "ecr:GetDownloadUrlForLayer"
        ));
        assert!(!action_matches("ecr:Put*", "ecr:BatchGetImage"));
        assert!(filter_matches("*", "shop/web"));
        assert!(filter_matches("shop/*", "shop/web"));
        assert!(filter_matches("*web", "shop/web"));
        assert!(!filter_matches("Shop/*", "shop/web"));
        assert!(!filter_matches("shop/", "shop/web"));
    }
}
