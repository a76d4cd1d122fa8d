//! IAM-style policy documents (repository policies now, registry and IAM role policies
//! later): parsing raw documents, compiling the `pull` short form into a statement, and
//! normalizing so documents that mean the same compare equal. PURE: no AWS calls, and it
//! never judges whether a policy is safe (that is `lint`'s job).

use crate::manifest::model::Pull;
use serde_json::{Map, Value, json};

/// The policy language version wharf writes (the one that supports policy variables).
pub const POLICY_VERSION: &str = "2012-10-17";

/// The version AWS assumes when a document has no `Version` element.
pub const DEFAULT_POLICY_VERSION: &str = "2008-10-17";

/// The `Sid` of the statement compiled from `pull`.
pub const PULL_STATEMENT_SID: &str = "WharfPull";

/// Exactly the ECR actions an image pull needs.
pub const PULL_ACTIONS: [&str; 3] = [
    "ecr:BatchCheckLayerAvailability",
    "ecr:BatchGetImage",
    "ecr:GetDownloadUrlForLayer",
];

/// Parses a raw document given as a YAML/JSON object or as JSON text.
pub fn parse_document(value: &Value) -> Result<Value, String> {
    match value {
        Value::String(text) => serde_json::from_str(text).map_err(|e| e.to_string()),
        other => Ok(other.clone()),
    }
}

/// The repository policy the manifest asks for: `pull`'s statement first, then the raw
/// document's statements. None when neither yields a statement: a document without
/// statements grants nothing (the same as no policy) and AWS rejects it anyway.
///
/// A raw document that does not parse contributes nothing here; validation reports it
/// against the manifest.
pub fn repository_policy(pull: Option<&Pull>, raw: Option<&Value>) -> Option<Value> {
    let raw = raw
        .and_then(|r| parse_document(r).ok())
        .and_then(|doc| match doc {
            Value::Object(map) => Some(map),
            _ => None,
        });

    let mut statements: Vec<Value> = pull.and_then(pull_statement).into_iter().collect();
    if let Some(raw) = &raw {
        match raw.get("Statement") {
            Some(Value::Array(list)) => statements.extend(list.iter().cloned()),
            Some(one @ Value::Object(_)) => statements.push(one.clone()),
            _ => {}
        }
    }
    if statements.is_empty() {
        return None;
    }

    let mut doc = Map::new();
    let version = raw
        .as_ref()
        .and_then(|r| r.get("Version"))
        .cloned()
        .unwrap_or_else(|| json!(POLICY_VERSION));
    doc.insert("Version".into(), version);
    // Other top-level elements of the raw document (such as `Id`) are kept as written.
    for (key, value) in raw.iter().flatten() {
        if key != "Version" && key != "Statement" {
            doc.insert(key.clone(), value.clone());
        }
    }
    doc.insert("Statement".into(), Value::Array(statements));
    Some(Value::Object(doc))
}

/// The statement granting pull to `pull`'s accounts and roles; None when it names nobody.
fn pull_statement(pull: &Pull) -> Option<Value> {
    let mut principals: Vec<String> = pull
        .accounts
        .iter()
        .map(|account| account_root_arn(account))
        .chain(pull.roles.iter().cloned())
        .collect();
    principals.sort();
    principals.dedup();
    if principals.is_empty() {
        return None;
    }
    Some(json!({
        "Sid": PULL_STATEMENT_SID,
        "Effect": "Allow",
        "Principal": { "AWS": principals },
        "Action": PULL_ACTIONS,
    }))
}

/// Whether `s` is a bare AWS account id (12 digits).
fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// `arn:aws:iam::ID:root` for an account id; anything else unchanged.
fn account_root_arn(principal: &str) -> String {
    if is_account_id(principal) {
        format!("arn:aws:iam::{principal}:root")
    } else {
        principal.to_string()
    }
}

/// Normalizes a policy document so that documents meaning the same compare equal.
/// Idempotent. Anything that is not a JSON object (say, live text that did not parse) is
/// returned unchanged, so it still compares by its exact text.
pub fn normalize(doc: &Value) -> Value {
    normalize_with(doc, true)
}

/// The normalized form shown to a reviewer: as `normalize`, but action names keep the
/// case they were written in (only their case-insensitive equality is AWS's).
pub fn display(doc: &Value) -> Value {
    normalize_with(doc, false)
}

fn normalize_with(doc: &Value, fold_action_case: bool) -> Value {
    let Value::Object(map) = doc else {
        return doc.clone();
    };
    let mut out = map.clone();
    // AWS evaluates a document without `Version` under the 2008-10-17 policy language,
    // which differs from 2012-10-17 only in policy variables: `${aws:username}` is a
    // variable under 2012-10-17 and literal text under 2008-10-17 (IAM User Guide, "IAM
    // JSON policy elements: Version"). Without variables every version means the same,
    // so a live document without `Version` equals the one wharf writes with it.
    if !out.contains_key("Version") {
        out.insert("Version".into(), json!(DEFAULT_POLICY_VERSION));
    }
    let uses_variables = out
        .get("Statement")
        .is_some_and(|s| canonical_text(s).contains("${"));
    if !uses_variables {
        out.insert("Version".into(), json!(POLICY_VERSION));
    }
    if let Some(statement) = out.get("Statement") {
        // A single statement object means the same as a one-element list.
        let list = match statement {
            Value::Array(list) => list.clone(),
            other => vec![other.clone()],
        };
        let mut list: Vec<Value> = list
            .iter()
            .map(|s| normalize_statement(s, fold_action_case))
            .collect();
        // IAM evaluates all statements together; their order carries no meaning.
        list.sort_by_cached_key(canonical_text);
        out.insert("Statement".into(), Value::Array(list));
    }
    sort_keys(&Value::Object(out))
}

fn normalize_statement(statement: &Value, fold_action_case: bool) -> Value {
    let Value::Object(map) = statement else {
        return statement.clone();
    };
    let mut out = Map::new();
    for (key, value) in map {
        let value = match key.as_str() {
            // Action names are case-insensitive in IAM ("ecr:batchgetimage" = "ecr:BatchGetImage"),
            // and a single string means the same as a one-element list.
            "Action" | "NotAction" if fold_action_case => {
                string_set(value, |s| s.to_ascii_lowercase())
            }
            "Action" | "NotAction" => string_set(value, str::to_string),
            // A single resource string means the same as a one-element list; ARNs keep their case.
            "Resource" | "NotResource" => string_set(value, str::to_string),
            "Principal" | "NotPrincipal" => normalize_principal(value),
            "Condition" => normalize_condition(value),
            // Sid, Effect and anything unknown are compared exactly as written.
            _ => value.clone(),
        };
        out.insert(key.clone(), value);
    }
    Value::Object(out)
}

fn normalize_principal(principal: &Value) -> Value {
    match principal {
        // `"Principal": "*"` (everyone, including anonymous) is its own form; kept as is.
        Value::String(_) => principal.clone(),
        Value::Object(types) => Value::Object(
            types
                .iter()
                .map(|(kind, value)| {
                    let value = if kind == "AWS" {
                        // IAM stores an account id principal as arn:aws:iam::ID:root; both mean the account.
                        string_set(value, account_root_arn)
                    } else {
                        // Service, Federated, CanonicalUser: a string equals a one-element list.
                        string_set(value, str::to_string)
                    };
                    (kind.clone(), value)
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

fn normalize_condition(condition: &Value) -> Value {
    let Value::Object(operators) = condition else {
        return condition.clone();
    };
    Value::Object(
        operators
            .iter()
            .map(|(operator, keys)| {
                let keys = match keys {
                    // Values of one condition key are OR-ed: their order carries no meaning,
                    // and a single value equals a one-element list.
                    Value::Object(keys) => Value::Object(
                        keys.iter()
                            .map(|(key, values)| (key.clone(), value_set(values)))
                            .collect(),
                    ),
                    other => other.clone(),
                };
                (operator.clone(), keys)
            })
            .collect(),
    )
}

/// A string or list of strings as a sorted, deduplicated list, each string mapped by `f`.
/// Other shapes are left as written (they compare exactly).
fn string_set(value: &Value, f: impl Fn(&str) -> String) -> Value {
    let items: Vec<Value> = match value {
        Value::String(s) => vec![Value::String(f(s))],
        Value::Array(list) => list
            .iter()
            .map(|item| match item {
                Value::String(s) => Value::String(f(s)),
                other => other.clone(),
            })
            .collect(),
        other => return other.clone(),
    };
    sorted_unique(items)
}

/// Any value or list of values as a sorted, deduplicated list.
fn value_set(value: &Value) -> Value {
    match value {
        Value::Array(list) => sorted_unique(list.clone()),
        Value::Object(_) => value.clone(),
        scalar => Value::Array(vec![scalar.clone()]),
    }
}

fn sorted_unique(mut items: Vec<Value>) -> Value {
    items.sort_by_cached_key(canonical_text);
    items.dedup();
    Value::Array(items)
}

/// Compact JSON with object keys sorted: the same text for the same meaning.
fn canonical_text(value: &Value) -> String {
    serde_json::to_string(&sort_keys(value)).expect("JSON values serialize")
}

/// A copy with every object's keys in sorted order (maps keep insertion order here).
fn sort_keys(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            Value::Object(
                keys.into_iter()
                    .map(|k| (k.clone(), sort_keys(&map[k])))
                    .collect(),
            )
        }
        Value::Array(list) => Value::Array(list.iter().map(sort_keys).collect()),
        other => other.clone(),
    }
}

/// Pretty JSON with object keys sorted recursively, for display and diffs.
pub fn pretty(doc: &Value) -> String {
    serde_json::to_string_pretty(&sort_keys(doc)).expect("JSON values serialize")
}

/// Principals that are IAM unique ids (`AROA...` roles, `AIDA...` users) rather than ARNs.
/// AWS shows a principal this way once the role or user it named has been deleted, so the
/// statement no longer grants anything to a re-created principal of the same name.
pub fn unique_id_principals(doc: &Value) -> Vec<String> {
    let statements = match doc.get("Statement") {
        Some(Value::Array(list)) => list.iter().collect(),
        Some(one) => vec![one],
        None => Vec::new(),
    };
    let mut found = Vec::new();
    for statement in statements {
        for element in ["Principal", "NotPrincipal"] {
            let Some(Value::Object(types)) = statement.get(element) else {
                continue;
            };
            for value in types.values() {
                let candidates = match value {
                    Value::String(s) => vec![s.as_str()],
                    Value::Array(list) => list.iter().filter_map(Value::as_str).collect(),
                    _ => Vec::new(),
                };
                found.extend(
                    candidates
                        .into_iter()
                        .filter(|s| is_unique_id(s))
                        .map(str::to_string),
                );
            }
        }
    }
    found.sort();
    found.dedup();
    found
}

/// IAM unique ids: a four-letter type prefix and upper-case letters and digits (21 in all).
fn is_unique_id(s: &str) -> bool {
    (s.starts_with("AROA") || s.starts_with("AIDA"))
        && s.len() >= 16
        && s.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn pull(accounts: &[&str], roles: &[&str]) -> Pull {
        Pull {
            accounts: accounts.iter().map(|s| s.to_string()).collect(),
            roles: roles.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn pull_compiles_to_one_sorted_statement() {
        let p = pull(
            &["222233334444", "111122223333"],
            &["arn:aws:iam::123456789012:role/task-execution"],
        );
        let doc = repository_policy(Some(&p), None).unwrap();
        assert_eq!(
            doc,
            json!({
                "Version": "2012-10-17",
                "Statement": [{
                    "Sid": "WharfPull",
                    "Effect": "Allow",
                    "Principal": {"AWS": [
                        "arn:aws:iam::111122223333:root",
                        "arn:aws:iam::123456789012:role/task-execution",
                        "arn:aws:iam::222233334444:root",
                    ]},
                    "Action": [
                        "ecr:BatchCheckLayerAvailability",
                        "ecr:BatchGetImage",
                        "ecr:GetDownloadUrlForLayer",
                    ],
                }],
            })
        );
    }

    #[test]
    fn raw_statements_follow_the_pull_statement() {
        let p = pull(&["111122223333"], &[]);
        let raw = json!({
            "Version": "2008-10-17",
            "Id": "custom",
            "Statement": {"Sid": "Lambda", "Effect": "Allow",
                          "Principal": {"Service": "lambda.amazonaws.com"},
                          "Action": "ecr:BatchGetImage"},
        });
        let doc = repository_policy(Some(&p), Some(&raw)).unwrap();
        assert_eq!(doc["Version"], "2008-10-17");
        assert_eq!(doc["Id"], "custom");
        let sids: Vec<&str> = doc["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["Sid"].as_str().unwrap())
            .collect();
        assert_eq!(sids, ["WharfPull", "Lambda"]);
    }

    #[test]
    fn raw_policy_as_json_text_is_parsed() {
        let raw = json!(
            r#"{"Statement":[{"Sid":"A","Effect":"Deny","Principal":"*","Action":"ecr:*"}]}"#
        );
        let doc = repository_policy(None, Some(&raw)).unwrap();
        assert_eq!(doc["Version"], "2012-10-17");
        assert_eq!(doc["Statement"][0]["Sid"], "A");
    }

    #[test]
    fn nothing_to_grant_means_no_policy() {
        assert_eq!(repository_policy(None, None), None);
        assert_eq!(repository_policy(Some(&pull(&[], &[])), None), None);
        let raw = json!({"Statement": [{"Sid": "A"}]});
        let doc = repository_policy(Some(&pull(&[], &[])), Some(&raw)).unwrap();
        assert_eq!(doc["Statement"].as_array().unwrap().len(), 1);
    }

    /// Pairs of documents that mean the same and must normalize equal.
    #[test]
    fn equal_meaning_compares_equal() {
        let cases: &[(&str, Value, Value)] = &[
            (
                "statement order",
                json!({"Version": "2012-10-17", "Statement": [
                    {"Sid": "A", "Effect": "Allow", "Principal": "*", "Action": ["ecr:BatchGetImage"]},
                    {"Sid": "B", "Effect": "Deny", "Principal": "*", "Action": ["ecr:DeleteRepository"]},
                ]}),
                json!({"Version": "2012-10-17", "Statement": [
                    {"Sid": "B", "Effect": "Deny", "Principal": "*", "Action": ["ecr:DeleteRepository"]},
                    {"Sid": "A", "Effect": "Allow", "Principal": "*", "Action": ["ecr:BatchGetImage"]},
                ]}),
            ),
            (
                "string vs one-element list",
                json!({"Version": "2012-10-17", "Statement": {
                    "Effect": "Allow", "Principal": {"Service": "codebuild.amazonaws.com"},
                    "Action": "ecr:BatchGetImage", "Resource": "*"}}),
                json!({"Version": "2012-10-17", "Statement": [{
                    "Effect": "Allow", "Principal": {"Service": ["codebuild.amazonaws.com"]},
                    "Action": ["ecr:BatchGetImage"], "Resource": ["*"]}]}),
            ),
            (
                "account id vs arn root",
                json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                    "Principal": {"AWS": ["111122223333", "arn:aws:iam::444455556666:root"]},
                    "Action": "ecr:BatchGetImage"}]}),
                json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                    "Principal": {"AWS": ["arn:aws:iam::444455556666:root", "arn:aws:iam::111122223333:root"]},
                    "Action": "ecr:BatchGetImage"}]}),
            ),
            (
                "action case and order",
                json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*",
                    "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]}]}),
                json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*",
                    "Action": ["ECR:getdownloadurlforlayer", "ecr:batchgetimage", "ecr:BatchGetImage"]}]}),
            ),
            (
                "condition value order",
                json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*",
                    "Action": "ecr:BatchGetImage",
                    "Condition": {"StringEquals": {"aws:PrincipalOrgID": ["o-b", "o-a"]},
                                  "Bool": {"aws:SecureTransport": "true"}}}]}),
                json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*",
                    "Action": "ecr:BatchGetImage",
                    "Condition": {"Bool": {"aws:SecureTransport": ["true"]},
                                  "StringEquals": {"aws:PrincipalOrgID": ["o-a", "o-b"]}}}]}),
            ),
            (
                "missing version is 2008-10-17",
                json!({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "ecr:*"}]}),
                json!({"Version": "2008-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "ecr:*"}]}),
            ),
            (
                "without policy variables every version means the same",
                json!({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "ecr:*"}]}),
                json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "ecr:*"}]}),
            ),
            (
                "key order",
                json!({"Statement": [{"Action": "ecr:*", "Effect": "Allow", "Principal": "*"}], "Version": "2012-10-17"}),
                json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "ecr:*"}]}),
            ),
        ];
        for (name, a, b) in cases {
            assert_eq!(normalize(a), normalize(b), "{name}");
            assert_eq!(
                canonical_text(&normalize(a)),
                canonical_text(&normalize(b)),
                "{name}"
            );
        }
    }

    /// Pairs that differ in meaning and must stay different.
    #[test]
    fn different_meaning_compares_different() {
        let base = |principal: Value| {
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                "Principal": principal, "Action": "ecr:BatchGetImage"}]})
        };
        let cases: &[(&str, Value, Value)] = &[
            (
                "another account",
                base(json!({"AWS": "111122223333"})),
                base(json!({"AWS": "111122223334"})),
            ),
            (
                "a role instead of its account",
                base(json!({"AWS": "111122223333"})),
                base(json!({"AWS": "arn:aws:iam::111122223333:role/ci"})),
            ),
            (
                "resource arn case",
                json!({"Statement": [{"Effect": "Allow", "Action": "ecr:*", "Resource": "arn:aws:ecr:eu-west-1:111122223333:repository/Web"}]}),
                json!({"Statement": [{"Effect": "Allow", "Action": "ecr:*", "Resource": "arn:aws:ecr:eu-west-1:111122223333:repository/web"}]}),
            ),
            (
                "effect",
                json!({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "ecr:*"}]}),
                json!({"Statement": [{"Effect": "Deny", "Principal": "*", "Action": "ecr:*"}]}),
            ),
            (
                "2012-10-17 vs none, with a policy variable",
                json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/${aws:username}/*"}]}),
                json!({"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/${aws:username}/*"}]}),
            ),
        ];
        for (name, a, b) in cases {
            assert_ne!(normalize(a), normalize(b), "{name}");
        }
    }

    #[test]
    fn star_principal_stays_a_string() {
        let doc = json!({"Statement": {"Effect": "Allow", "Principal": "*", "Action": "ecr:*"}});
        assert_eq!(normalize(&doc)["Statement"][0]["Principal"], "*");
    }

    #[test]
    fn non_objects_are_left_alone() {
        let text = json!("not json {");
        assert_eq!(normalize(&text), text);
    }

    #[test]
    fn pretty_sorts_keys_recursively() {
        let doc = json!({"b": 1, "a": {"d": [ {"z": 1, "y": 2} ], "c": true}});
        assert_eq!(
            pretty(&doc),
            "{\n  \"a\": {\n    \"c\": true,\n    \"d\": [\n      {\n        \"y\": 2,\n        \"z\": 1\n      }\n    ]\n  },\n  \"b\": 1\n}"
        );
    }

    #[test]
    fn unique_ids_of_deleted_principals_are_found() {
        let doc = json!({"Statement": [
            {"Effect": "Allow", "Principal": {"AWS": ["AROAEXAMPLEROLEID12345", "arn:aws:iam::111122223333:root"]}, "Action": "ecr:*"},
            {"Effect": "Allow", "Principal": {"AWS": "AIDAEXAMPLEUSERID1234"}, "Action": "ecr:*"},
            {"Effect": "Allow", "Principal": "*", "Action": "ecr:*"},
        ]});
        assert_eq!(
            unique_id_principals(&doc),
            ["AIDAEXAMPLEUSERID1234", "AROAEXAMPLEROLEID12345"]
        );
        assert!(unique_id_principals(&json!({"Statement": []})).is_empty());
    }

    fn mixed_case() -> impl Strategy<Value = String> {
        prop::sample::select(vec![
            "ecr:BatchGetImage",
            "ecr:batchgetimage",
            "ECR:GetDownloadUrlForLayer",
            "ecr:*",
            "ecr:PutImage",
        ])
        .prop_map(str::to_string)
    }

    /// A string or a (possibly unsorted, duplicated) list of strings.
    fn one_or_many(item: BoxedStrategy<String>) -> impl Strategy<Value = Value> {
        prop_oneof![
            item.clone().prop_map(Value::String),
            prop::collection::vec(item, 0..4).prop_map(|v| json!(v)),
        ]
    }

    fn principal() -> impl Strategy<Value = Value> {
        let aws = prop::sample::select(vec![
            "111122223333",
            "arn:aws:iam::111122223333:root",
            "arn:aws:iam::444455556666:role/ci",
            "AROAEXAMPLEROLEID12345",
            "*",
        ])
        .prop_map(str::to_string)
        .boxed();
        let service = prop::sample::select(vec!["lambda.amazonaws.com", "codebuild.amazonaws.com"])
            .prop_map(str::to_string)
            .boxed();
        prop_oneof![
            Just(json!("*")),
            (one_or_many(aws), prop::option::of(one_or_many(service))).prop_map(|(a, s)| {
                let mut m = Map::new();
                m.insert("AWS".into(), a);
                if let Some(s) = s {
                    m.insert("Service".into(), s);
                }
                Value::Object(m)
            }),
        ]
    }

    fn condition() -> impl Strategy<Value = Value> {
        let org = prop::sample::select(vec!["o-a", "o-b", "o-c"])
            .prop_map(str::to_string)
            .boxed();
        (one_or_many(org), any::<bool>()).prop_map(|(orgs, secure)| {
            json!({"StringEquals": {"aws:PrincipalOrgID": orgs},
                   "Bool": {"aws:SecureTransport": if secure { json!("true") } else { json!(["false"]) }}})
        })
    }

    fn statement() -> impl Strategy<Value = Value> {
        (
            prop::option::of(prop::sample::select(vec!["A", "B", "WharfPull"])),
            prop::sample::select(vec!["Allow", "Deny"]),
            principal(),
            one_or_many(mixed_case().boxed()),
            prop::option::of(one_or_many(
                prop::sample::select(vec![
                    "*",
                    "arn:aws:ecr:eu-west-1:111122223333:repository/web",
                ])
                .prop_map(str::to_string)
                .boxed(),
            )),
            prop::option::of(condition()),
        )
            .prop_map(|(sid, effect, principal, action, resource, condition)| {
                let mut m = Map::new();
                if let Some(sid) = sid {
                    m.insert("Sid".into(), json!(sid));
                }
                m.insert("Effect".into(), json!(effect));
                m.insert("Principal".into(), principal);
                m.insert("Action".into(), action);
                if let Some(r) = resource {
                    m.insert("Resource".into(), r);
                }
                if let Some(c) = condition {
                    m.insert("Condition".into(), c);
                }
                Value::Object(m)
            })
    }

    fn document() -> impl Strategy<Value = Value> {
        (
            prop::option::of(prop::sample::select(vec!["2012-10-17", "2008-10-17"])),
            prop_oneof![
                statement(),
                prop::collection::vec(statement(), 0..4).prop_map(Value::Array),
            ],
        )
            .prop_map(|(version, statement)| {
                let mut m = Map::new();
                if let Some(v) = version {
                    m.insert("Version".into(), json!(v));
                }
                m.insert("Statement".into(), statement);
                Value::Object(m)
            })
    }

    proptest! {
        #[test]
        fn normalize_is_idempotent(doc in document()) {
            let once = normalize(&doc);
            prop_assert_eq!(canonical_text(&normalize(&once)), canonical_text(&once));
        }

        #[test]
        fn statement_order_never_matters(doc in document()) {
            let mut reversed = doc.clone();
            if let Some(Value::Array(list)) = reversed.get_mut("Statement") {
                list.reverse();
            }
            prop_assert_eq!(normalize(&doc), normalize(&reversed));
        }
    }
}
