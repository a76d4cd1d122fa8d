//! ECR lifecycle policies, PURE: the short rules of the manifest compiled into the AWS
//! lifecycle policy document, raw documents checked against ECR's rules (each problem with
//! a JSON pointer inside the document), and documents normalized so that two documents
//! ECR treats the same compare equal (no perpetual diffs).
//!
//! This module owns the AWS lifecycle-policy facts: the rule and document limits, the
//! allowed selection/action values, and how `rulePriority` is assigned to short rules.

use crate::diagnostics::did_you_mean;
use crate::manifest::model::{LifecycleRule, Since, TagStatus};
use crate::manifest::node::escape_pointer;
use serde_json::{Map, Value, json};
use std::cmp::Ordering;
use std::collections::{BTreeMap, HashSet};

/// ECR accepts at most this many rules in one lifecycle policy.
pub const MAX_RULES: usize = 50;
/// ECR allows at most this many `*` wildcards in one `tagPatternList` entry.
pub const MAX_PATTERN_WILDCARDS: usize = 4;
/// PutLifecyclePolicy's `lifecyclePolicyText` length bounds (characters).
pub const MIN_DOCUMENT_LEN: usize = 100;
pub const MAX_DOCUMENT_LEN: usize = 30_720;

const TAG_STATUSES: [&str; 3] = ["any", "tagged", "untagged"];
const COUNT_TYPES: [&str; 4] = [
    "imageCountMoreThan",
    "sinceImagePushed",
    "sinceImagePulled",
    "sinceImageTransitioned",
];
const STORAGE_CLASSES: [&str; 2] = ["standard", "archive"];
const ACTION_TYPES: [&str; 2] = ["expire", "transition"];
const DOCUMENT_KEYS: [&str; 1] = ["rules"];
const RULE_KEYS: [&str; 4] = ["rulePriority", "description", "selection", "action"];
const SELECTION_KEYS: [&str; 7] = [
    "tagStatus",
    "tagPrefixList",
    "tagPatternList",
    "storageClass",
    "countType",
    "countUnit",
    "countNumber",
];
const ACTION_KEYS: [&str; 2] = ["type", "targetStorageClass"];

/// The tag status a short rule selects: an explicit `tagStatus` wins; `untagged: true`
/// means untagged; prefixes or patterns (even an empty list) mean tagged; otherwise any.
pub fn tag_status(rule: &LifecycleRule) -> TagStatus {
    if let Some(status) = rule.tag_status {
        status
    } else if rule.untagged == Some(true) {
        TagStatus::Untagged
    } else if rule.tag_prefixes.is_some() || rule.tag_patterns.is_some() {
        TagStatus::Tagged
    } else {
        TagStatus::Any
    }
}

/// The `rulePriority` of each short rule, in manifest order: an explicit `priority` as
/// given; otherwise 1, 2, 3... by position, skipping numbers some rule uses explicitly.
pub fn priorities(rules: &[LifecycleRule]) -> Vec<i64> {
    let explicit: HashSet<i64> = rules.iter().filter_map(|r| r.priority).collect();
    let mut next = 1;
    rules
        .iter()
        .map(|rule| match rule.priority {
            Some(p) => p,
            None => {
                while explicit.contains(&next) {
                    next += 1;
                }
                next += 1;
                next - 1
            }
        })
        .collect()
}

/// Compiles short rules (in manifest order) into an AWS lifecycle policy document. Invalid
/// combinations are compiled as written; `validate_document` then reports them.
pub fn compile(rules: &[LifecycleRule]) -> Value {
    let compiled: Vec<Value> = rules
        .iter()
        .zip(priorities(rules))
        .map(|(rule, priority)| compile_rule(rule, priority))
        .collect();
    json!({ "rules": compiled })
}

fn compile_rule(rule: &LifecycleRule, priority: i64) -> Value {
    let mut selection = Map::new();
    selection.insert("tagStatus".into(), json!(tag_status(rule).as_str()));
    if let Some(prefixes) = &rule.tag_prefixes {
        selection.insert("tagPrefixList".into(), json!(prefixes));
    }
    if let Some(patterns) = &rule.tag_patterns {
        selection.insert("tagPatternList".into(), json!(patterns));
    }
    let archived = rule.archived == Some(true);
    if archived {
        selection.insert("storageClass".into(), json!("archive"));
    }
    // Ages count from the push, the last pull, or (for archived images) the transition.
    let since = if archived {
        "sinceImageTransitioned"
    } else if rule.since == Some(Since::Pulled) {
        "sinceImagePulled"
    } else {
        "sinceImagePushed"
    };
    if let Some(keep) = rule.keep_last.or(rule.archive_keep_last) {
        selection.insert("countType".into(), json!("imageCountMoreThan"));
        selection.insert("countNumber".into(), json!(keep));
    } else if let Some(days) = rule.expire_after_days.or(rule.archive_after_days) {
        selection.insert("countType".into(), json!(since));
        selection.insert("countUnit".into(), json!("days"));
        selection.insert("countNumber".into(), json!(days));
    }
    let mut out = Map::new();
    out.insert("rulePriority".into(), json!(priority));
    if let Some(description) = &rule.description {
        out.insert("description".into(), json!(description));
    }
    out.insert("selection".into(), Value::Object(selection));
    let archives = rule.archive_keep_last.is_some() || rule.archive_after_days.is_some();
    out.insert(
        "action".into(),
        if archives {
            json!({ "type": "transition", "targetStorageClass": "archive" })
        } else {
            json!({ "type": "expire" })
        },
    );
    Value::Object(out)
}

/// ECR keeps an archived image at least this many days: a rule may not expire archived
/// images sooner (ECR User Guide, "Archiving an image": archived images have a minimum
/// storage duration of 90 days, and lifecycle policies cannot delete them before).
pub const MIN_ARCHIVE_DAYS: i64 = 90;

/// Normalizes a lifecycle policy document for comparison only (never sent to AWS).
/// Idempotent: `normalize(&normalize(x)) == normalize(x)`.
pub fn normalize(doc: &Value) -> Value {
    let mut doc = doc.clone();
    if let Some(rules) = doc.get_mut("rules").and_then(Value::as_array_mut) {
        for rule in rules.iter_mut() {
            normalize_rule(rule);
        }
        // ECR evaluates rules by rulePriority, not by position, and returns them sorted by
        // priority whatever order they were put in.
        rules.sort_by_key(priority_order);
    }
    doc
}

/// Sort key for rules: integer priorities ascending, then anything else in its old order.
fn priority_order(rule: &Value) -> (bool, i64) {
    match rule.get("rulePriority").and_then(Value::as_i64) {
        Some(p) => (false, p),
        None => (true, 0),
    }
}

fn normalize_rule(rule: &mut Value) {
    let Some(rule) = rule.as_object_mut() else {
        return;
    };
    if let Some(priority) = rule.get_mut("rulePriority") {
        // ECR reads rulePriority as an integer: 5, 5.0 and "5" are the same priority.
        integer_in_place(priority);
    }
    // ECR treats an empty description like none (it is optional and only informative).
    if rule
        .get("description")
        .is_some_and(|d| d.is_null() || d.as_str() == Some(""))
    {
        rule.shift_remove("description");
    }
    if let Some(selection) = rule.get_mut("selection").and_then(Value::as_object_mut) {
        // ECR documents tagStatus in lower case and returns it so; case carries no meaning.
        lowercase_in_place(selection.get_mut("tagStatus"));
        // countUnit has one value, `days`; ECR returns it in lower case.
        lowercase_in_place(selection.get_mut("countUnit"));
        // ECR reads countNumber as an integer: 5, 5.0 and "5" select the same images.
        if let Some(count) = selection.get_mut("countNumber") {
            integer_in_place(count);
        }
        for list in ["tagPrefixList", "tagPatternList"] {
            // The prefix/pattern lists are sets to ECR (order does not change what matches),
            // and an empty list is the same as none (AWS omits it).
            match selection.get_mut(list) {
                Some(Value::Array(items)) if items.is_empty() => {
                    selection.shift_remove(list);
                }
                Some(Value::Array(items)) => items.sort_by(list_item_order),
                _ => {}
            }
        }
    }
}

fn list_item_order(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::String(a), Value::String(b)) => a.cmp(b),
        (Value::String(_), _) => Ordering::Less,
        (_, Value::String(_)) => Ordering::Greater,
        (a, b) => a.to_string().cmp(&b.to_string()),
    }
}

fn lowercase_in_place(value: Option<&mut Value>) {
    if let Some(Value::String(s)) = value {
        *s = s.to_lowercase();
    }
}

/// Integral numbers (5.0) and integer strings ("5") become the integer itself.
fn integer_in_place(value: &mut Value) {
    if let Some(i) = as_integer(value) {
        *value = json!(i);
    }
}

fn as_integer(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64().or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
                .map(|f| f as i64)
        }),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// One problem in a lifecycle policy document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocumentProblem {
    /// JSON pointer inside the document ("" is the document itself).
    pub pointer: String,
    pub message: String,
    pub hint: Option<String>,
    /// The problem is the key at `pointer` (an unknown key), not its value.
    pub at_key: bool,
}

impl DocumentProblem {
    fn new(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            pointer: pointer.into(),
            message: message.into(),
            hint: None,
            at_key: false,
        }
    }

    fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

/// Problems in a raw document, each with a JSON pointer inside the document and a
/// message (a hint, when there is one, is appended to the message).
pub fn validate_document(doc: &Value) -> Vec<(String, String)> {
    check_document(doc)
        .into_iter()
        .map(|p| {
            let message = match p.hint {
                Some(hint) => format!("{}; {hint}", p.message),
                None => p.message,
            };
            (p.pointer, message)
        })
        .collect()
}

/// Every problem in a raw lifecycle policy document, with hints kept apart.
pub fn check_document(doc: &Value) -> Vec<DocumentProblem> {
    let mut out = Vec::new();
    let Some(top) = doc.as_object() else {
        out.push(
            DocumentProblem::new("", "a lifecycle policy must be a JSON object")
                .hint("write {\"rules\": [ ... ]}"),
        );
        return out;
    };
    let length = serde_json::to_string(doc)
        .map(|s| s.chars().count())
        .unwrap_or(0);
    if length < MIN_DOCUMENT_LEN {
        out.push(DocumentProblem::new(
            "",
            format!(
                "the lifecycle policy is {length} characters long; ECR requires at least {MIN_DOCUMENT_LEN}"
            ),
        ));
    } else if length > MAX_DOCUMENT_LEN {
        out.push(
            DocumentProblem::new(
                "",
                format!(
                    "the lifecycle policy is {length} characters long; ECR accepts at most {MAX_DOCUMENT_LEN}"
                ),
            )
            .hint("shorten descriptions or merge rules"),
        );
    }
    unknown_keys(top, "", &DOCUMENT_KEYS, "the lifecycle policy", &mut out);
    let rules = match top.get("rules") {
        None => {
            if !misspelled(top, "rules", &DOCUMENT_KEYS) {
                out.push(
                    DocumentProblem::new("", "the lifecycle policy has no `rules`")
                        .hint("write {\"rules\": [ ... ]}"),
                );
            }
            return out;
        }
        Some(Value::Array(rules)) => rules,
        Some(other) => {
            out.push(DocumentProblem::new(
                "/rules",
                format!("`rules` must be a list, found {}", kind(other)),
            ));
            return out;
        }
    };
    if rules.is_empty() {
        out.push(DocumentProblem::new(
            "/rules",
            "a lifecycle policy needs at least one rule",
        ));
    } else if rules.len() > MAX_RULES {
        out.push(DocumentProblem::new(
            "/rules",
            format!(
                "a lifecycle policy has at most {MAX_RULES} rules; this one has {}",
                rules.len()
            ),
        ));
    }

    // rulePriority → index of the first rule using it.
    let mut seen: BTreeMap<i64, usize> = BTreeMap::new();
    // (index, priority) of rules selecting any image.
    let mut any_rules = Vec::new();
    for (i, rule) in rules.iter().enumerate() {
        let base = format!("/rules/{i}");
        let Some(rule) = rule.as_object() else {
            out.push(DocumentProblem::new(
                &base,
                format!("a rule must be an object, found {}", kind(rule)),
            ));
            continue;
        };
        unknown_keys(rule, &base, &RULE_KEYS, "a rule", &mut out);
        let priority = match rule.get("rulePriority") {
            None => {
                if !misspelled(rule, "rulePriority", &RULE_KEYS) {
                    out.push(DocumentProblem::new(
                        &base,
                        "the rule has no `rulePriority`",
                    ));
                }
                None
            }
            Some(value) => match value.as_i64().filter(|_| value.is_number()) {
                Some(p) if p >= 1 => Some(p),
                Some(p) => {
                    out.push(DocumentProblem::new(
                        format!("{base}/rulePriority"),
                        format!("rulePriority must be at least 1, found {p}"),
                    ));
                    None
                }
                None => {
                    out.push(DocumentProblem::new(
                        format!("{base}/rulePriority"),
                        format!("rulePriority must be an integer, found {}", kind(value)),
                    ));
                    None
                }
            },
        };
        if let Some(p) = priority {
            if let Some(first) = seen.get(&p) {
                out.push(
                    DocumentProblem::new(
                        format!("{base}/rulePriority"),
                        format!("rulePriority {p} is already used by rule {}", first + 1),
                    )
                    .hint("every rule needs its own rulePriority"),
                );
            } else {
                seen.insert(p, i);
            }
        }
        if let Some(description) = rule.get("description")
            && !description.is_string()
        {
            out.push(DocumentProblem::new(
                format!("{base}/description"),
                format!("description must be a string, found {}", kind(description)),
            ));
        }
        match rule.get("selection") {
            None if misspelled(rule, "selection", &RULE_KEYS) => {}
            None => out.push(DocumentProblem::new(&base, "the rule has no `selection`")),
            Some(Value::Object(selection)) => {
                let status = check_selection(selection, &format!("{base}/selection"), &mut out);
                if status == Some("any") {
                    any_rules.push((i, priority));
                }
            }
            Some(other) => out.push(DocumentProblem::new(
                format!("{base}/selection"),
                format!("selection must be an object, found {}", kind(other)),
            )),
        }
        match rule.get("action") {
            None if misspelled(rule, "action", &RULE_KEYS) => {}
            None => out.push(
                DocumentProblem::new(&base, "the rule has no `action`")
                    .hint("add \"action\": {\"type\": \"expire\"}"),
            ),
            Some(Value::Object(action)) => {
                check_action(action, &format!("{base}/action"), &mut out)
            }
            Some(other) => out.push(DocumentProblem::new(
                format!("{base}/action"),
                format!("action must be an object, found {}", kind(other)),
            )),
        }
    }

    // ECR: a rule with tagStatus `any` must have the highest rulePriority (evaluated last).
    if let Some((&highest, &last)) = seen.iter().next_back() {
        for (i, priority) in any_rules {
            if let Some(p) = priority.filter(|p| *p < highest) {
                out.push(
                    DocumentProblem::new(
                        format!("/rules/{i}/selection/tagStatus"),
                        format!(
                            "a rule with tagStatus `any` must have the highest rulePriority, but this one has {p} and rule {} has {highest}",
                            last + 1
                        ),
                    )
                    .hint("make the `any` rule the last one"),
                );
            }
        }
    }
    out
}

/// Checks a rule's selection; returns its tagStatus when that is valid.
fn check_selection(
    selection: &Map<String, Value>,
    base: &str,
    out: &mut Vec<DocumentProblem>,
) -> Option<&'static str> {
    unknown_keys(selection, base, &SELECTION_KEYS, "a selection", out);
    let status = match selection.get("tagStatus") {
        None if misspelled(selection, "tagStatus", &SELECTION_KEYS) => None,
        None => {
            out.push(
                DocumentProblem::new(base, "the selection has no `tagStatus`")
                    .hint("expected one of: any, tagged, untagged"),
            );
            None
        }
        Some(value) => one_of(value, &TAG_STATUSES, &format!("{base}/tagStatus"), out),
    };
    let prefixes = string_list(selection, "tagPrefixList", base, out);
    let patterns = string_list(selection, "tagPatternList", base, out);
    if let Some(patterns) = &patterns {
        for (j, pattern) in patterns.iter().enumerate() {
            let wildcards = pattern.matches('*').count();
            if wildcards > MAX_PATTERN_WILDCARDS {
                out.push(DocumentProblem::new(
                    format!("{base}/tagPatternList/{j}"),
                    format!(
                        "tag pattern `{pattern}` has {wildcards} `*` wildcards; ECR allows at most {MAX_PATTERN_WILDCARDS}"
                    ),
                ));
            }
        }
    }
    match status {
        Some("tagged") => {
            let has_prefixes = prefixes.as_ref().is_some_and(|p| !p.is_empty());
            let has_patterns = patterns.as_ref().is_some_and(|p| !p.is_empty());
            if prefixes.is_some() && patterns.is_some() {
                out.push(
                    DocumentProblem::new(
                        format!("{base}/tagPatternList"),
                        "tagPrefixList and tagPatternList cannot be used together",
                    )
                    .hint("a `prefix` is the same as the pattern `prefix*`"),
                );
            } else if !has_prefixes && !has_patterns {
                let at = if prefixes.is_some() {
                    format!("{base}/tagPrefixList")
                } else if patterns.is_some() {
                    format!("{base}/tagPatternList")
                } else {
                    format!("{base}/tagStatus")
                };
                out.push(
                    DocumentProblem::new(
                        at,
                        "tagStatus `tagged` needs a non-empty tagPrefixList or tagPatternList",
                    )
                    .hint("to select every image, use tagStatus `any`"),
                );
            }
        }
        Some(status @ ("untagged" | "any")) => {
            for (name, list) in [("tagPrefixList", &prefixes), ("tagPatternList", &patterns)] {
                if list.is_some() {
                    out.push(
                        DocumentProblem::new(
                            format!("{base}/{name}"),
                            format!("{name} cannot be used with tagStatus `{status}`"),
                        )
                        .hint("use tagStatus `tagged` to select images by tag"),
                    );
                }
            }
        }
        _ => {}
    }
    if let Some(value) = selection.get("storageClass") {
        one_of(
            value,
            &STORAGE_CLASSES,
            &format!("{base}/storageClass"),
            out,
        );
    }
    let count_type = match selection.get("countType") {
        None if misspelled(selection, "countType", &SELECTION_KEYS) => None,
        None => {
            out.push(
                DocumentProblem::new(base, "the selection has no `countType`")
                    .hint(format!("expected one of: {}", COUNT_TYPES.join(", "))),
            );
            None
        }
        Some(value) => one_of(value, &COUNT_TYPES, &format!("{base}/countType"), out),
    };
    match (count_type, selection.get("countUnit")) {
        (Some("imageCountMoreThan"), Some(_)) => out.push(
            DocumentProblem::new(
                format!("{base}/countUnit"),
                "countUnit cannot be used with countType `imageCountMoreThan`",
            )
            .hint("remove countUnit; countNumber is a number of images"),
        ),
        (Some(ct), None) if ct.starts_with("since") => out.push(
            DocumentProblem::new(base, format!("countType `{ct}` needs countUnit `days`"))
                .hint("add \"countUnit\": \"days\""),
        ),
        (Some(ct), Some(unit)) if ct.starts_with("since") && unit.as_str() != Some("days") => out
            .push(DocumentProblem::new(
                format!("{base}/countUnit"),
                format!("countUnit must be `days`, found {}", shown(unit)),
            )),
        (None, Some(unit)) if unit.as_str() != Some("days") => out.push(DocumentProblem::new(
            format!("{base}/countUnit"),
            format!("countUnit must be `days`, found {}", shown(unit)),
        )),
        _ => {}
    }
    if count_type == Some("sinceImageTransitioned")
        && let Some(days) = selection
            .get("countNumber")
            .and_then(Value::as_i64)
            .filter(|d| (1..MIN_ARCHIVE_DAYS).contains(d))
    {
        out.push(
            DocumentProblem::new(
                format!("{base}/countNumber"),
                format!(
                    "archived images are kept at least {MIN_ARCHIVE_DAYS} days; ECR refuses a rule that acts on them after {days}"
                ),
            )
            .hint(format!(
                "use {MIN_ARCHIVE_DAYS} days or more (deleting sooner takes BatchDeleteImage, billed for the {MIN_ARCHIVE_DAYS} days)"
            )),
        );
    }
    match selection.get("countNumber") {
        None if misspelled(selection, "countNumber", &SELECTION_KEYS) => {}
        None => out.push(DocumentProblem::new(
            base,
            "the selection has no `countNumber`",
        )),
        Some(value) => match value.as_i64().filter(|_| value.is_number()) {
            Some(n) if n >= 1 => {}
            Some(n) => out.push(DocumentProblem::new(
                format!("{base}/countNumber"),
                format!("countNumber must be at least 1, found {n}"),
            )),
            None => out.push(DocumentProblem::new(
                format!("{base}/countNumber"),
                format!("countNumber must be an integer, found {}", kind(value)),
            )),
        },
    }
    status
}

fn check_action(action: &Map<String, Value>, base: &str, out: &mut Vec<DocumentProblem>) {
    unknown_keys(action, base, &ACTION_KEYS, "an action", out);
    let action_type = match action.get("type") {
        None if misspelled(action, "type", &ACTION_KEYS) => None,
        None => {
            out.push(
                DocumentProblem::new(base, "the action has no `type`")
                    .hint("expected \"type\": \"expire\""),
            );
            None
        }
        Some(value) => one_of(value, &ACTION_TYPES, &format!("{base}/type"), out),
    };
    let target = action.get("targetStorageClass");
    match (action_type, target) {
        (Some("transition"), None) => out.push(
            DocumentProblem::new(base, "a `transition` action needs targetStorageClass")
                .hint("add \"targetStorageClass\": \"archive\""),
        ),
        (Some("transition"), Some(value)) if value.as_str() != Some("archive") => {
            out.push(DocumentProblem::new(
                format!("{base}/targetStorageClass"),
                format!(
                    "targetStorageClass must be `archive`, found {}",
                    shown(value)
                ),
            ))
        }
        (Some("expire"), Some(_)) => out.push(DocumentProblem::new(
            format!("{base}/targetStorageClass"),
            "targetStorageClass only applies to a `transition` action",
        )),
        _ => {}
    }
}

/// A list of strings under `key`, if present and well-formed (problems reported).
fn string_list<'a>(
    object: &'a Map<String, Value>,
    key: &str,
    base: &str,
    out: &mut Vec<DocumentProblem>,
) -> Option<Vec<&'a str>> {
    let value = object.get(key)?;
    let Some(items) = value.as_array() else {
        out.push(DocumentProblem::new(
            format!("{base}/{key}"),
            format!("{key} must be a list of strings, found {}", kind(value)),
        ));
        return None;
    };
    let mut strings = Vec::new();
    for (j, item) in items.iter().enumerate() {
        match item.as_str() {
            Some(s) => strings.push(s),
            None => out.push(DocumentProblem::new(
                format!("{base}/{key}/{j}"),
                format!("{key} entries must be strings, found {}", kind(item)),
            )),
        }
    }
    Some(strings)
}

/// The value if it is one of `allowed`; otherwise a problem with a did-you-mean.
fn one_of(
    value: &Value,
    allowed: &[&'static str],
    pointer: &str,
    out: &mut Vec<DocumentProblem>,
) -> Option<&'static str> {
    if let Some(found) = allowed.iter().find(|a| value.as_str() == Some(**a)) {
        return Some(found);
    }
    let hint = match value
        .as_str()
        .and_then(|s| did_you_mean(s, allowed.iter().copied()))
    {
        Some(close) => format!("did you mean `{close}`?"),
        None => format!("expected one of: {}", allowed.join(", ")),
    };
    let key = pointer.rsplit('/').next().unwrap_or_default();
    out.push(
        DocumentProblem::new(pointer, format!("{} is not a valid {key}", shown(value))).hint(hint),
    );
    None
}

/// Whether some unknown key of `object` is a likely misspelling of `key` (its own
/// "did you mean" problem says so; a second "missing" problem would only repeat it).
pub(crate) fn misspelled(object: &Map<String, Value>, key: &str, known: &[&str]) -> bool {
    object
        .keys()
        .filter(|k| !known.contains(&k.as_str()))
        .any(|k| did_you_mean(k, known.iter().copied()) == Some(key))
}

/// Reports every key of `object` not in `known`, at the key, with a "did you mean".
pub(crate) fn unknown_keys(
    object: &Map<String, Value>,
    base: &str,
    known: &[&str],
    what: &str,
    out: &mut Vec<DocumentProblem>,
) {
    for key in object.keys() {
        if known.contains(&key.as_str()) {
            continue;
        }
        let hint = match did_you_mean(key, known.iter().copied()) {
            Some(close) => format!("did you mean `{close}`?"),
            None => format!("known keys: {}", known.join(", ")),
        };
        out.push(DocumentProblem {
            pointer: format!("{base}/{}", escape_pointer(key)),
            message: format!("unknown key `{key}` in {what}"),
            hint: Some(hint),
            at_key: true,
        });
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "an integer",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

fn shown(value: &Value) -> String {
    match value.as_str() {
        Some(s) => format!("`{s}`"),
        None => value.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn rule(f: impl FnOnce(&mut LifecycleRule)) -> LifecycleRule {
        let mut r = LifecycleRule::default();
        f(&mut r);
        r
    }

    fn sample_rules() -> Vec<LifecycleRule> {
        vec![
            rule(|r| {
                r.description = Some("drop untagged".into());
                r.untagged = Some(true);
                r.expire_after_days = Some(14);
            }),
            rule(|r| {
                r.tag_prefixes = Some(vec!["v".into(), "release".into()]);
                r.keep_last = Some(30);
            }),
            rule(|r| {
                r.keep_last = Some(100);
            }),
        ]
    }

    #[test]
    fn compile_produces_the_aws_document_in_key_order() {
        let doc = compile(&sample_rules());
        let text = serde_json::to_string(&doc).unwrap();
        assert_eq!(
            text,
            concat!(
                r#"{"rules":["#,
                r#"{"rulePriority":1,"description":"drop untagged","selection":{"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":14},"action":{"type":"expire"}},"#,
                r#"{"rulePriority":2,"selection":{"tagStatus":"tagged","tagPrefixList":["v","release"],"countType":"imageCountMoreThan","countNumber":30},"action":{"type":"expire"}},"#,
                r#"{"rulePriority":3,"selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":100},"action":{"type":"expire"}}"#,
                r#"]}"#
            )
        );
        assert_eq!(validate_document(&doc), vec![]);
    }

    #[test]
    fn compile_uses_patterns_and_explicit_status() {
        let doc = compile(&[rule(|r| {
            r.tag_status = Some(TagStatus::Tagged);
            r.tag_patterns = Some(vec!["prod-*".into()]);
            r.expire_after_days = Some(7);
        })]);
        assert_eq!(
            doc["rules"][0]["selection"],
            json!({"tagStatus": "tagged", "tagPatternList": ["prod-*"], "countType": "sinceImagePushed", "countUnit": "days", "countNumber": 7})
        );
    }

    #[test]
    fn tag_status_inference() {
        let cases: Vec<(LifecycleRule, TagStatus)> = vec![
            (rule(|_| {}), TagStatus::Any),
            (rule(|r| r.untagged = Some(true)), TagStatus::Untagged),
            (rule(|r| r.untagged = Some(false)), TagStatus::Any),
            (
                rule(|r| r.tag_prefixes = Some(vec!["v".into()])),
                TagStatus::Tagged,
            ),
            (rule(|r| r.tag_patterns = Some(vec![])), TagStatus::Tagged),
            (
                rule(|r| {
                    r.tag_status = Some(TagStatus::Any);
                    r.untagged = Some(true);
                }),
                TagStatus::Any,
            ),
        ];
        for (r, want) in cases {
            assert_eq!(tag_status(&r), want, "{r:?}");
        }
    }

    #[test]
    fn priorities_skip_explicit_numbers() {
        let cases: Vec<(Vec<Option<i64>>, Vec<i64>)> = vec![
            (vec![None, None, None], vec![1, 2, 3]),
            (vec![None, Some(1), None], vec![2, 1, 3]),
            (vec![Some(2), None, None], vec![2, 1, 3]),
            (vec![None, Some(10), None], vec![1, 10, 2]),
            (vec![Some(1), Some(2), None], vec![1, 2, 3]),
        ];
        for (given, want) in cases {
            let rules: Vec<LifecycleRule> =
                given.iter().map(|p| rule(|r| r.priority = *p)).collect();
            assert_eq!(priorities(&rules), want, "{given:?}");
        }
    }

    #[test]
    fn normalize_table() {
        let cases = vec![
            // Rules sorted by priority, lists sorted, case and number forms folded.
            (
                json!({"rules": [
                    {"rulePriority": "2", "description": "", "selection": {"tagStatus": "ANY", "countType": "imageCountMoreThan", "countNumber": 5.0}, "action": {"type": "expire"}},
                    {"rulePriority": 1.0, "selection": {"tagStatus": "Tagged", "tagPrefixList": ["v", "a"], "countType": "sinceImagePushed", "countUnit": "DAYS", "countNumber": "14"}, "action": {"type": "expire"}, "extra": true}
                ]}),
                json!({"rules": [
                    {"rulePriority": 1, "selection": {"tagStatus": "tagged", "tagPrefixList": ["a", "v"], "countType": "sinceImagePushed", "countUnit": "days", "countNumber": 14}, "action": {"type": "expire"}, "extra": true},
                    {"rulePriority": 2, "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 5}, "action": {"type": "expire"}}
                ]}),
            ),
            // An empty list is the same as none; a null description is dropped; patterns sorted.
            (
                json!({"rules": [{"rulePriority": 1, "description": null, "selection": {"tagStatus": "tagged", "tagPrefixList": [], "tagPatternList": ["z*", "a*"]}}]}),
                json!({"rules": [{"rulePriority": 1, "selection": {"tagStatus": "tagged", "tagPatternList": ["a*", "z*"]}}]}),
            ),
            // Not a policy: returned as is.
            (json!("text"), json!("text")),
            (json!({"other": 1}), json!({"other": 1})),
        ];
        for (input, want) in cases {
            let got = normalize(&input);
            assert_eq!(got, want, "{input}");
            assert_eq!(normalize(&got), got, "idempotent for {input}");
        }
    }

    #[test]
    fn compiled_document_equals_its_normalized_reparse() {
        let doc = compile(&sample_rules());
        // What AWS hands back: the same document as text, in another rule order.
        let mut reordered = doc.clone();
        reordered["rules"].as_array_mut().unwrap().reverse();
        let text = serde_json::to_string_pretty(&reordered).unwrap();
        let reparsed: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(normalize(&doc), normalize(&reparsed));
    }

    fn problems(doc: Value) -> Vec<(String, String)> {
        validate_document(&doc)
    }

    /// A valid rule to start from, padded so the document passes the length minimum.
    fn good_rule(priority: i64) -> Value {
        json!({"rulePriority": priority, "description": "keep the newest images around",
               "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 10},
               "action": {"type": "expire"}})
    }

    fn with(mut rule: Value, pointer: &str, value: Value) -> Value {
        let (parent, key) = pointer.rsplit_once('/').unwrap();
        let target = if parent.is_empty() {
            &mut rule
        } else {
            rule.pointer_mut(parent).unwrap()
        };
        if value.is_null() {
            target.as_object_mut().unwrap().remove(key);
        } else {
            target[key] = value;
        }
        rule
    }

    #[test]
    fn validate_document_table() {
        let tagged = |r: Value| with(r, "/selection/tagStatus", json!("tagged"));
        // (document, expected pointer, expected message fragment)
        let cases: Vec<(Value, &str, &str)> = vec![
            (json!([1]), "", "must be a JSON object"),
            (json!({"rule": []}), "/rule", "did you mean `rules`"),
            (json!({"rules": {}}), "/rules", "must be a list"),
            (json!({"rules": []}), "/rules", "at least one rule"),
            (
                json!({"rules": (1..=51).map(good_rule).collect::<Vec<_>>()}),
                "/rules",
                "at most 50 rules",
            ),
            (
                json!({"rules": [with(good_rule(1), "/rulePriority", json!(0))]}),
                "/rules/0/rulePriority",
                "at least 1",
            ),
            (
                json!({"rules": [with(good_rule(1), "/rulePriority", json!("1"))]}),
                "/rules/0/rulePriority",
                "must be an integer",
            ),
            (
                json!({"rules": [with(good_rule(1), "/rulePriority", Value::Null)]}),
                "/rules/0",
                "no `rulePriority`",
            ),
            (
                json!({"rules": [
                    with(good_rule(1), "/selection/tagStatus", json!("untagged")),
                    with(good_rule(1), "/selection/tagStatus", json!("untagged"))]}),
                "/rules/1/rulePriority",
                "already used by rule 1",
            ),
            (
                json!({"rules": [with(good_rule(1), "/description", json!(5))]}),
                "/rules/0/description",
                "must be a string",
            ),
            (
                json!({"rules": [with(good_rule(1), "/selection/tagStatus", json!("tag"))]}),
                "/rules/0/selection/tagStatus",
                "not a valid tagStatus",
            ),
            (
                json!({"rules": [tagged(good_rule(1))]}),
                "/rules/0/selection/tagStatus",
                "needs a non-empty tagPrefixList or tagPatternList",
            ),
            (
                json!({"rules": [with(tagged(good_rule(1)), "/selection/tagPrefixList", json!([]))]}),
                "/rules/0/selection/tagPrefixList",
                "needs a non-empty",
            ),
            (
                json!({"rules": [with(with(tagged(good_rule(1)), "/selection/tagPrefixList", json!(["v"])), "/selection/tagPatternList", json!(["v*"]))]}),
                "/rules/0/selection/tagPatternList",
                "cannot be used together",
            ),
            (
                json!({"rules": [with(with(tagged(good_rule(1)), "/selection/tagPatternList", json!(["ok*", "*a*b*c*d*e"])), "/selection/tagStatus", json!("tagged"))]}),
                "/rules/0/selection/tagPatternList/1",
                "has 5 `*` wildcards",
            ),
            (
                json!({"rules": [with(good_rule(1), "/selection/tagPrefixList", json!(["v"]))]}),
                "/rules/0/selection/tagPrefixList",
                "cannot be used with tagStatus `any`",
            ),
            (
                json!({"rules": [with(with(good_rule(1), "/selection/tagStatus", json!("untagged")), "/selection/tagPatternList", json!(["v*"]))]}),
                "/rules/0/selection/tagPatternList",
                "cannot be used with tagStatus `untagged`",
            ),
            (
                json!({"rules": [with(good_rule(1), "/selection/countType", json!("imageCountMoreThen"))]}),
                "/rules/0/selection/countType",
                "did you mean `imageCountMoreThan`",
            ),
            (
                json!({"rules": [with(good_rule(1), "/selection/countUnit", json!("days"))]}),
                "/rules/0/selection/countUnit",
                "cannot be used with countType `imageCountMoreThan`",
            ),
            (
                json!({"rules": [with(good_rule(1), "/selection/countType", json!("sinceImagePushed"))]}),
                "/rules/0/selection",
                "needs countUnit `days`",
            ),
            (
                json!({"rules": [with(with(good_rule(1), "/selection/countType", json!("sinceImagePulled")), "/selection/countUnit", json!("hours"))]}),
                "/rules/0/selection/countUnit",
                "must be `days`",
            ),
            (
                json!({"rules": [with(good_rule(1), "/selection/countNumber", json!(0))]}),
                "/rules/0/selection/countNumber",
                "at least 1",
            ),
            (
                json!({"rules": [with(good_rule(1), "/selection/countNumber", json!(2.5))]}),
                "/rules/0/selection/countNumber",
                "must be an integer",
            ),
            (
                json!({"rules": [with(good_rule(1), "/selection/countUnits", json!("days"))]}),
                "/rules/0/selection/countUnits",
                "did you mean `countUnit`",
            ),
            (
                json!({"rules": [with(good_rule(1), "/priority", json!(1))]}),
                "/rules/0/priority",
                "unknown key `priority` in a rule",
            ),
            (
                json!({"rules": [with(good_rule(1), "/action/type", json!("delete"))]}),
                "/rules/0/action/type",
                "not a valid type",
            ),
            (
                json!({"rules": [with(good_rule(1), "/action/type", json!("transition"))]}),
                "/rules/0/action",
                "needs targetStorageClass",
            ),
            (
                json!({"rules": [with(good_rule(1), "/action/targetStorageClass", json!("archive"))]}),
                "/rules/0/action/targetStorageClass",
                "only applies to a `transition`",
            ),
            (
                json!({"rules": [with(good_rule(1), "/action", Value::Null)]}),
                "/rules/0",
                "no `action`",
            ),
            (
                json!({"rules": [good_rule(1), with(good_rule(2), "/selection/tagStatus", json!("untagged"))]}),
                "/rules/0/selection/tagStatus",
                "must have the highest rulePriority",
            ),
            (
                json!({"rules": [with(good_rule(1), "/description", json!("x".repeat(31_000)))]}),
                "",
                "at most 30720",
            ),
            (json!({"rules": []}), "", "at least 100"),
        ];
        for (doc, pointer, fragment) in cases {
            let found = problems(doc.clone());
            assert!(
                found
                    .iter()
                    .any(|(p, m)| p == pointer && m.contains(fragment)),
                "expected ({pointer}, {fragment}) for {doc}, got {found:?}"
            );
        }
    }

    #[test]
    fn valid_documents_have_no_problems() {
        let docs = vec![
            json!({"rules": [good_rule(1)]}),
            json!({"rules": [
                {"rulePriority": 1, "description": "archive old releases",
                 "selection": {"tagStatus": "tagged", "tagPatternList": ["v*"], "countType": "sinceImagePulled", "countUnit": "days", "countNumber": 90},
                 "action": {"type": "transition", "targetStorageClass": "archive"}},
                {"rulePriority": 2,
                 "selection": {"tagStatus": "any", "storageClass": "archive", "countType": "sinceImageTransitioned", "countUnit": "days", "countNumber": 365},
                 "action": {"type": "expire"}}
            ]}),
            json!({"rules": [with(good_rule(3), "/selection/tagStatus", json!("untagged")), good_rule(7)]}),
        ];
        for doc in docs {
            assert_eq!(problems(doc.clone()), vec![], "{doc}");
        }
    }

    #[test]
    fn a_misspelled_key_is_not_also_reported_missing() {
        let doc = json!({"rules": [with(with(good_rule(1), "/selection/countNumber", Value::Null), "/selection/countNumbr", json!(3))]});
        assert_eq!(
            problems(doc),
            vec![(
                "/rules/0/selection/countNumbr".to_string(),
                "unknown key `countNumbr` in a selection; did you mean `countNumber`?".to_string()
            )]
        );
    }

    #[test]
    fn validate_document_reports_every_problem() {
        let doc = json!({"rules": [
            {"rulePriority": 0, "selection": {"tagStatus": "tagged", "countType": "x", "countNumber": 0}, "action": {"type": "expire"}, "foo": 1}
        ]});
        assert!(problems(doc).len() >= 5);
    }

    fn arb_rule() -> impl Strategy<Value = Value> {
        (
            prop_oneof![
                (1i64..20).prop_map(|p| json!(p)),
                (1i64..20).prop_map(|p| json!(p as f64)),
                (1i64..20).prop_map(|p| json!(p.to_string())),
            ],
            proptest::option::of(prop_oneof![Just(json!("")), "[a-z ]{0,8}".prop_map(Value::from)]),
            prop_oneof![Just("any"), Just("ANY"), Just("tagged"), Just("Untagged")],
            proptest::option::of(proptest::collection::vec("[a-z*]{0,4}", 0..4)),
            prop_oneof![Just("days"), Just("DAYS")],
            prop_oneof![(1i64..500).prop_map(|n| json!(n)), (1i64..500).prop_map(|n| json!(n.to_string()))],
        )
            .prop_map(|(priority, description, status, list, unit, count)| {
                let mut selection = json!({"tagStatus": status, "countType": "sinceImagePushed", "countUnit": unit, "countNumber": count});
                if let Some(list) = list {
                    selection["tagPrefixList"] = json!(list);
                }
                let mut rule = json!({"rulePriority": priority, "selection": selection, "action": {"type": "expire"}});
                if let Some(d) = description {
                    rule["description"] = d;
                }
                rule
            })
    }

    proptest! {
        #[test]
        fn normalize_is_idempotent(rules in proptest::collection::vec(arb_rule(), 0..6)) {
            let doc = json!({"rules": rules});
            let once = normalize(&doc);
            prop_assert_eq!(normalize(&once), once);
        }

        #[test]
        fn normalize_ignores_rule_order(rules in proptest::collection::vec(arb_rule(), 0..6)) {
            // Distinct priorities, so the sort order is total.
            let rules: Vec<Value> = rules.into_iter().enumerate().map(|(i, mut r)| {
                r["rulePriority"] = json!(i + 1);
                r
            }).collect();
            let mut reversed = rules.clone();
            reversed.reverse();
            prop_assert_eq!(normalize(&json!({"rules": rules})), normalize(&json!({"rules": reversed})));
        }

        #[test]
        fn compiled_documents_survive_a_text_round_trip(
            keep in proptest::collection::vec((proptest::option::of(1i64..100), 1i64..100, proptest::option::of(proptest::collection::vec("[a-z]{1,5}", 1..4))), 1..6)
        ) {
            let rules: Vec<LifecycleRule> = keep.into_iter().map(|(days, count, prefixes)| LifecycleRule {
                tag_prefixes: prefixes,
                keep_last: if days.is_none() { Some(count) } else { None },
                expire_after_days: days,
                ..LifecycleRule::default()
            }).collect();
            let doc = compile(&rules);
            let reparsed: Value = serde_json::from_str(&serde_json::to_string(&doc).unwrap()).unwrap();
            prop_assert_eq!(normalize(&doc), normalize(&reparsed));
            prop_assert_eq!(normalize(&normalize(&doc)), normalize(&doc));
        }
    }
}
