//! Raw lifecycle policies back into wharf's short `lifecycle:` rules, PURE: the inverse of
//! `crate::documents::lifecycle::compile`. A policy becomes short rules only when compiling them
//! gives back the same policy (compared after `lifecycle::normalize`, the comparison the
//! plan makes), so an exported manifest never plans a lifecycle change; anything short
//! rules cannot say keeps the policy raw. Transitions to archive storage, rules for
//! archived images and ages counted from the last pull have short forms too.

use crate::documents::lifecycle;
use crate::manifest::model::{LifecycleRule, Since, TagStatus};
use serde_json::{Value, json};

/// The short rules that compile to exactly `policy`, highest priority first; None when
/// the policy cannot be written that way.
pub fn short_rules(policy: &Value) -> Option<Vec<LifecycleRule>> {
    let normalized = lifecycle::normalize(policy);
    let top = normalized.as_object()?;
    if top.len() != 1 {
        return None;
    }
    let raw = top.get("rules")?.as_array()?;
    if raw.is_empty() {
        return None;
    }
    let mut rules: Vec<LifecycleRule> = raw.iter().map(short_rule).collect::<Option<_>>()?;
    let wanted: Vec<i64> = raw
        .iter()
        .map(|r| r.get("rulePriority").and_then(Value::as_i64))
        .collect::<Option<_>>()?;
    // Rules are numbered 1, 2, 3... by position, skipping numbers given explicitly: give
    // a priority only where that numbering would not reach the live one. Each round fixes
    // at least one rule, so this ends.
    loop {
        let numbered = lifecycle::priorities(&rules);
        let mut fixed = false;
        for (i, rule) in rules.iter_mut().enumerate() {
            if numbered[i] != wanted[i] && rule.priority.is_none() {
                rule.priority = Some(wanted[i]);
                fixed = true;
            }
        }
        if !fixed {
            break;
        }
    }
    (lifecycle::normalize(&lifecycle::compile(&rules)) == normalized).then_some(rules)
}

/// One normalized raw rule as a short rule, when its selection and action have a short
/// form at all (the caller checks the whole policy compiles back exactly).
fn short_rule(rule: &Value) -> Option<LifecycleRule> {
    let rule = rule.as_object()?;
    if rule.keys().any(|k| {
        !matches!(
            k.as_str(),
            "rulePriority" | "description" | "selection" | "action"
        )
    }) {
        return None;
    }
    let archives = match rule.get("action")? {
        a if *a == json!({ "type": "expire" }) => false,
        a if *a == json!({ "type": "transition", "targetStorageClass": "archive" }) => true,
        _ => return None,
    };
    let selection = rule.get("selection")?.as_object()?;
    let text_list = |key: &str| -> Option<Option<Vec<String>>> {
        match selection.get(key) {
            None => Some(None),
            Some(Value::Array(items)) => items
                .iter()
                .map(|i| i.as_str().map(str::to_string))
                .collect::<Option<Vec<_>>>()
                .map(Some),
            Some(_) => None,
        }
    };
    let mut short = LifecycleRule {
        description: rule
            .get("description")
            .and_then(Value::as_str)
            .map(str::to_string),
        tag_prefixes: text_list("tagPrefixList")?,
        tag_patterns: text_list("tagPatternList")?,
        ..LifecycleRule::default()
    };
    let status = match selection.get("tagStatus")?.as_str()? {
        "any" => TagStatus::Any,
        "tagged" => TagStatus::Tagged,
        "untagged" => TagStatus::Untagged,
        _ => return None,
    };
    if status == TagStatus::Untagged {
        short.untagged = Some(true);
    }
    // Say the status outright only when the other fields would not imply it.
    if lifecycle::tag_status(&short) != status {
        short.tag_status = Some(status);
    }
    let count = selection.get("countNumber")?.as_i64()?;
    let archived = match selection.get("storageClass") {
        None => false,
        Some(class) if class == "archive" => true,
        Some(_) => return None,
    };
    match (
        selection.get("countType")?.as_str()?,
        selection.get("countUnit").and_then(Value::as_str),
        archives,
    ) {
        ("imageCountMoreThan", None, false) => short.keep_last = Some(count),
        ("imageCountMoreThan", None, true) => short.archive_keep_last = Some(count),
        ("sinceImagePushed" | "sinceImagePulled", Some("days"), transition) => {
            if selection.get("countType")? == "sinceImagePulled" {
                short.since = Some(Since::Pulled);
            }
            if transition {
                short.archive_after_days = Some(count);
            } else {
                short.expire_after_days = Some(count);
            }
        }
        ("sinceImageTransitioned", Some("days"), false) if archived => {
            short.archived = Some(true);
            short.expire_after_days = Some(count);
        }
        _ => return None,
    }
    let known = [
        "tagStatus",
        "tagPrefixList",
        "tagPatternList",
        "storageClass",
        "countType",
        "countUnit",
        "countNumber",
    ];
    if selection.keys().any(|k| !known.contains(&k.as_str())) {
        return None;
    }
    Some(short)
}

#[cfg(test)]
mod tests {
    use super::short_rules;
    use crate::documents::lifecycle::{compile, normalize};
    use crate::manifest::model::{LifecycleRule, Since, TagStatus};
    use serde_json::{Value, json};

    fn rule(edit: impl FnOnce(&mut LifecycleRule)) -> LifecycleRule {
        let mut rule = LifecycleRule::default();
        edit(&mut rule);
        rule
    }

    /// Short rules as a manifest would write them; each compiles and comes back the same.
    fn canonical() -> Vec<(&'static str, Vec<LifecycleRule>)> {
        vec![
            (
                "untagged after days",
                vec![rule(|r| {
                    r.description = Some("drop untagged images after 14 days".into());
                    r.untagged = Some(true);
                    r.expire_after_days = Some(14);
                })],
            ),
            (
                "keep the newest releases",
                vec![rule(|r| {
                    r.tag_prefixes = Some(vec!["v".into()]);
                    r.keep_last = Some(30);
                })],
            ),
            (
                "patterns, then any image",
                vec![
                    rule(|r| {
                        r.tag_patterns = Some(vec!["*-rc*".into(), "release-*".into()]);
                        r.keep_last = Some(5);
                    }),
                    rule(|r| r.expire_after_days = Some(90)),
                ],
            ),
            (
                "the README's two rules",
                vec![
                    rule(|r| {
                        r.description = Some("drop untagged images after 14 days".into());
                        r.untagged = Some(true);
                        r.expire_after_days = Some(14);
                    }),
                    rule(|r| {
                        r.description = Some("keep the 30 newest releases".into());
                        r.tag_prefixes = Some(vec!["v".into()]);
                        r.keep_last = Some(30);
                    }),
                ],
            ),
            (
                "explicit priorities where numbering would not reach them",
                vec![
                    rule(|r| {
                        r.untagged = Some(true);
                        r.keep_last = Some(1);
                    }),
                    rule(|r| {
                        r.priority = Some(10);
                        r.tag_prefixes = Some(vec!["v".into()]);
                        r.keep_last = Some(3);
                    }),
                ],
            ),
            (
                "tagged without lists says so",
                vec![rule(|r| {
                    r.tag_status = Some(TagStatus::Tagged);
                    r.keep_last = Some(2);
                })],
            ),
            (
                "archive, then expire what was archived",
                vec![
                    rule(|r| {
                        r.tag_prefixes = Some(vec!["v".into()]);
                        r.archive_keep_last = Some(20);
                    }),
                    rule(|r| {
                        r.untagged = Some(true);
                        r.archive_after_days = Some(30);
                        r.since = Some(Since::Pulled);
                    }),
                    rule(|r| {
                        r.archived = Some(true);
                        r.expire_after_days = Some(365);
                    }),
                ],
            ),
            (
                "expire what nobody pulled",
                vec![rule(|r| {
                    r.expire_after_days = Some(60);
                    r.since = Some(Since::Pulled);
                })],
            ),
        ]
    }

    #[test]
    fn archive_forms_compile_to_the_documented_rule_shapes() {
        let (_, short) = canonical()
            .into_iter()
            .find(|(name, _)| name.starts_with("archive"))
            .unwrap();
        assert_eq!(
            compile(&short),
            json!({"rules": [
                {"rulePriority": 1,
                 "selection": {"tagStatus": "tagged", "tagPrefixList": ["v"], "countType": "imageCountMoreThan", "countNumber": 20},
                 "action": {"type": "transition", "targetStorageClass": "archive"}},
                {"rulePriority": 2,
                 "selection": {"tagStatus": "untagged", "countType": "sinceImagePulled", "countUnit": "days", "countNumber": 30},
                 "action": {"type": "transition", "targetStorageClass": "archive"}},
                {"rulePriority": 3,
                 "selection": {"tagStatus": "any", "storageClass": "archive", "countType": "sinceImageTransitioned", "countUnit": "days", "countNumber": 365},
                 "action": {"type": "expire"}},
            ]})
        );
        assert!(crate::documents::lifecycle::check_document(&compile(&short)).is_empty());
    }

    #[test]
    fn short_rules_round_trip_through_the_compiler() {
        for (name, short) in canonical() {
            let raw = compile(&short);
            let back = short_rules(&raw).unwrap_or_else(|| panic!("{name}: no short form"));
            assert_eq!(back, short, "{name}");
        }
    }

    #[test]
    fn raw_policies_as_aws_returns_them_become_short_rules() {
        // AWS returns rules sorted by priority, with numbers where it read numbers; the
        // short form numbers rules itself, so no priority is written.
        let raw = json!({"rules": [
            {"rulePriority": 2, "description": "keep releases",
             "selection": {"tagStatus": "TAGGED", "tagPrefixList": ["v"], "countType": "imageCountMoreThan", "countNumber": 10},
             "action": {"type": "expire"}},
            {"rulePriority": 1, "description": "",
             "selection": {"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "DAYS", "countNumber": "7"},
             "action": {"type": "expire"}},
        ]});
        let short = short_rules(&raw).expect("a short form");
        assert_eq!(
            short,
            vec![
                rule(|r| {
                    r.untagged = Some(true);
                    r.expire_after_days = Some(7);
                }),
                rule(|r| {
                    r.description = Some("keep releases".into());
                    r.tag_prefixes = Some(vec!["v".into()]);
                    r.keep_last = Some(10);
                }),
            ]
        );
        assert_eq!(normalize(&compile(&short)), normalize(&raw));
    }

    #[test]
    fn priorities_with_gaps_are_kept_where_needed() {
        let raw = json!({"rules": [
            {"rulePriority": 5, "selection": {"tagStatus": "untagged", "countType": "imageCountMoreThan", "countNumber": 1}, "action": {"type": "expire"}},
            {"rulePriority": 9, "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 100}, "action": {"type": "expire"}},
        ]});
        let short = short_rules(&raw).expect("a short form");
        assert_eq!(
            short.iter().map(|r| r.priority).collect::<Vec<_>>(),
            vec![Some(5), Some(9)]
        );
        assert_eq!(normalize(&compile(&short)), normalize(&raw));
    }

    #[test]
    fn what_short_rules_cannot_say_stays_raw() {
        let expire = json!({"type": "expire"});
        let cases: Vec<(&str, Value)> = vec![
            (
                "an archived image by its push time",
                json!({"rules": [{"rulePriority": 1, "selection": {"tagStatus": "any", "storageClass": "archive", "countType": "sinceImagePushed", "countUnit": "days", "countNumber": 30}, "action": expire}]}),
            ),
            (
                "archiving by days in archive",
                json!({"rules": [{"rulePriority": 1, "selection": {"tagStatus": "any", "countType": "sinceImageTransitioned", "countUnit": "days", "countNumber": 90}, "action": {"type": "transition", "targetStorageClass": "archive"}}]}),
            ),
            (
                "standard storage said outright",
                json!({"rules": [{"rulePriority": 1, "selection": {"tagStatus": "any", "storageClass": "standard", "countType": "imageCountMoreThan", "countNumber": 3}, "action": expire}]}),
            ),
            (
                "unknown rule member",
                json!({"rules": [{"rulePriority": 1, "extra": true, "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 3}, "action": expire}]}),
            ),
            (
                "no priority",
                json!({"rules": [{"selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 3}, "action": expire}]}),
            ),
            ("no rules", json!({"rules": []})),
            ("not a document", json!("text")),
        ];
        for (name, raw) in cases {
            assert_eq!(short_rules(&raw), None, "{name}");
        }
    }
}
