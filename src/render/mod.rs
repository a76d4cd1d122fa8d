//! Rendering a plan for people and machines: text (terminal), JSON (the shape
//! docs/architecture.md gives, also saved plan files) and Markdown (pull-request comments). PURE: every renderer reads
//! only the `Plan` value and returns a string — no deciding, no I/O — so the three cannot
//! disagree. Output must read without colour (colour only repeats what words say).

pub mod diagnostics;
mod fleet;
mod json;
mod markdown;
mod text;
mod unmanaged;

pub use fleet::{markdown_report as fleet_markdown, render_fleet};

use crate::documents::policy;
use crate::plan::{Destroys, FieldChange, LifecyclePreview, Plan, Summary};
use serde_json::Value;
use similar::{ChangeTag, TextDiff};

/// The output format of `plan` and `drift`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
    Markdown,
}

/// How the output may look; it never changes what it says.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Style {
    /// ANSI colour (text format only).
    pub color: bool,
}

/// Whether the plan is shown as what apply would do, or as what drifted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Purpose {
    Plan,
    Drift,
}

/// Renders a plan (`wharf plan`).
pub fn render(plan: &Plan, format: Format, style: &Style) -> String {
    render_as(plan, format, style, Purpose::Plan)
}

/// Renders a plan as a drift report (`wharf drift`): the same changes, spoken of as drift.
pub fn render_drift(plan: &Plan, format: Format, style: &Style) -> String {
    render_as(plan, format, style, Purpose::Drift)
}

/// A drift report with, when given (`--include-unmanaged`), the resources no stack owns
/// in their own section (JSON: an `unmanaged` list after the plan's members).
pub fn render_drift_report(
    plan: &Plan,
    unmanaged: Option<&[crate::export::unmanaged::UnmanagedResource]>,
    format: Format,
    style: &Style,
) -> String {
    let Some(list) = unmanaged else {
        return render_drift(plan, format, style);
    };
    match format {
        Format::Text => render_drift(plan, format, style) + &unmanaged::text(list),
        Format::Markdown => render_drift(plan, format, style) + &unmanaged::markdown(list),
        Format::Json => unmanaged::json(plan, list),
    }
}

fn render_as(plan: &Plan, format: Format, style: &Style, purpose: Purpose) -> String {
    match format {
        Format::Text => text::render(plan, style, purpose),
        // Machines read the same value either way; `drift`'s exit code says which it is.
        Format::Json => json::render(plan),
        Format::Markdown => markdown::render(plan, purpose),
    }
}

/// "1 to create, 2 to update, 0 to replace, 1 to delete"
fn counts(summary: &Summary) -> String {
    format!(
        "{} to create, {} to update, {} to replace, {} to delete",
        summary.create, summary.update, summary.replace, summary.delete
    )
}

/// "1 resource", "3 resources"
fn resources(n: usize) -> String {
    format!("{n} resource{}", if n == 1 { "" } else { "s" })
}

/// "destroys 12 images (forceDelete: false)" or "image count unknown (forceDelete: false)"
fn destroys_text(destroys: &Destroys) -> String {
    let what = match destroys.images {
        Some(1) => "destroys 1 image".to_string(),
        Some(n) => format!("destroys {n} images"),
        None => "image count unknown".to_string(),
    };
    format!("{what} (forceDelete: {})", destroys.force_delete)
}

/// "lifecycle rules expire 12 of 40 images now (v1.0, v1.1 and 3 untagged), freeing 1.2 GiB"
fn lifecycle_text(preview: &LifecyclePreview) -> String {
    if let Some(error) = &preview.error {
        return format!("lifecycle impact unknown: {error}");
    }
    if preview.expires == 0 && preview.archives == 0 {
        let spared = if preview.spared > 0 {
            format!(
                "; {} the current rules would expire are kept",
                preview.spared
            )
        } else {
            String::new()
        };
        return format!(
            "lifecycle rules expire none of the {} images now{spared}",
            preview.images
        );
    }
    let mut names: Vec<String> = preview.expired_tags.clone();
    if preview.expired_untagged > 0 {
        names.push(format!("{} untagged", preview.expired_untagged));
    }
    let shown = if names.is_empty() {
        String::new()
    } else {
        format!(" ({})", names.join(", "))
    };
    let archived = if preview.archives > 0 {
        format!(", archive {}", preview.archives)
    } else {
        String::new()
    };
    format!(
        "lifecycle rules expire {} of {} images now{shown}{archived}, freeing {}",
        preview.expires,
        preview.images,
        human_bytes(preview.bytes_freed)
    )
}

/// "rule 2 would expire sha256:0123456789ab (v1) — in use by ecs.service.web (web:3)"
fn in_use_text(image: &crate::plan::InUseImage) -> String {
    format!(
        "rule {} would {} {}, in use by {}",
        image.rule_priority,
        image.action,
        image.label(),
        image.used_by.join(", ")
    )
}

fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// How one field changes: added, removed, or changed in place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FieldKind {
    Added,
    Removed,
    Changed,
}

fn field_kind(field: &FieldChange) -> FieldKind {
    match (field.before.is_null(), field.after.is_null()) {
        (true, _) => FieldKind::Added,
        (false, true) => FieldKind::Removed,
        (false, false) => FieldKind::Changed,
    }
}

/// A scalar or list value on one line, as JSON (strings quoted, so types stay visible).
fn value_text(value: &Value) -> String {
    serde_json::to_string(value).expect("JSON values serialize")
}

/// One line of a document diff.
#[derive(Clone, Debug, PartialEq, Eq)]
enum DiffLine {
    /// `@@ -a,b +c,d @@`: where the following lines sit (only when both sides exist).
    Hunk(String),
    Context(String),
    Added(String),
    Removed(String),
}

/// Lines of context kept around each change in a document diff.
const CONTEXT_LINES: usize = 3;

/// A unified line diff of the two sides of a document field, each pretty-printed with keys
/// sorted (`policy::pretty`) so that only real differences show. A missing side is empty.
fn document_diff(field: &FieldChange) -> Vec<DiffLine> {
    let side = |v: &Value| {
        if v.is_null() {
            String::new()
        } else {
            policy::pretty(v) + "\n"
        }
    };
    let (before, after) = (side(&field.before), side(&field.after));
    let diff = TextDiff::from_lines(&before, &after);
    let both_sides = !before.is_empty() && !after.is_empty();
    let mut lines = Vec::new();
    for hunk in diff
        .unified_diff()
        .context_radius(CONTEXT_LINES)
        .iter_hunks()
    {
        if both_sides {
            lines.push(DiffLine::Hunk(hunk.header().to_string()));
        }
        for change in hunk.iter_changes() {
            let text = change.value().trim_end_matches('\n').to_string();
            lines.push(match change.tag() {
                ChangeTag::Equal => DiffLine::Context(text),
                ChangeTag::Insert => DiffLine::Added(text),
                ChangeTag::Delete => DiffLine::Removed(text),
            });
        }
    }
    lines
}

#[cfg(test)]
mod fixtures {
    //! Plans built by hand for the renderers' snapshot tests.

    use crate::kinds::repository::RepositoryOperation as Op;
    use crate::plan::{Change, ChangeAction, ChangeReason, Destroys, FieldChange, Operation, Plan};
    use serde_json::{Value, json};
    use std::collections::BTreeMap;

    fn pull_policy(principals: &[&str]) -> Value {
        json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Sid": "WharfPull",
                "Effect": "Allow",
                "Principal": {"AWS": principals},
                "Action": ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
            }],
        })
    }

    fn lifecycle(keep_last: u64) -> Value {
        json!({"rules": [
            {"rulePriority": 1, "description": "drop untagged images after 14 days",
             "selection": {"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days", "countNumber": 14},
             "action": {"type": "expire"}},
            {"rulePriority": 2, "description": "keep the newest releases",
             "selection": {"tagStatus": "tagged", "tagPrefixList": ["v"], "countType": "imageCountMoreThan", "countNumber": keep_last},
             "action": {"type": "expire"}},
        ]})
    }

    fn tags(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn create_repository(
        name: &str,
        kms_key: Option<&str>,
        tag_pairs: &[(&str, &str)],
    ) -> Operation {
        Operation::Repository(Op::CreateRepository {
            name: name.into(),
            image_tag_mutability: "IMMUTABLE".into(),
            exclusion_filters: Vec::new(),
            encryption_type: if kms_key.is_some() { "KMS" } else { "AES256" }.into(),
            kms_key: kms_key.map(str::to_string),
            scan_on_push: true,
            tags: tags(tag_pairs),
        })
    }

    /// One change of each action: a create with a policy, an update with lifecycle and
    /// policy document diffs and tags, a replace that loses images, a delete of unknown size.
    pub fn sample_plan() -> Plan {
        let api_policy = pull_policy(&["arn:aws:iam::111122223333:root"]);
        let create = Change {
            address: "ecr.repository.shop/api".into(),
            action: ChangeAction::Create,
            reason: "not present in AWS".into(),
            reason_code: ChangeReason::CreateBecauseMissing,
            fields: vec![
                FieldChange::new("imageTagMutability", Value::Null, json!("IMMUTABLE")),
                FieldChange::new("encryption.type", Value::Null, json!("AES256")),
                FieldChange::new("scanOnPush", Value::Null, json!(true)),
                FieldChange::new("policy", Value::Null, api_policy.clone()),
                FieldChange::new("tags.app", Value::Null, json!("api")),
                FieldChange::new("tags.wharf:stack", Value::Null, json!("shop")),
            ],
            destroys: None,
            preview: None,
            operations: vec![
                create_repository("shop/api", None, &[("app", "api"), ("wharf:stack", "shop")]),
                Operation::Repository(Op::SetRepositoryPolicy {
                    name: "shop/api".into(),
                    document: api_policy.to_string(),
                }),
            ],
        };
        let web_policy = pull_policy(&[
            "arn:aws:iam::111122223333:root",
            "arn:aws:iam::123456789012:role/task-execution",
        ]);
        let update = Change {
            address: "ecr.repository.shop/web".into(),
            action: ChangeAction::Update,
            reason: "imageTagMutability, imageTagMutabilityExclusionFilters, lifecyclePolicy, policy, tags differ".into(),
            reason_code: ChangeReason::UpdateBecauseDrifted,
            fields: vec![
                FieldChange::new("imageTagMutability", json!("MUTABLE"), json!("IMMUTABLE_WITH_EXCLUSION")),
                FieldChange::new("imageTagMutabilityExclusionFilters", Value::Null, json!(["latest", "dev-*"])),
                FieldChange::new("lifecyclePolicy", lifecycle(10), lifecycle(30)),
                FieldChange::new("policy", pull_policy(&["arn:aws:iam::111122223333:root"]), web_policy.clone()),
                FieldChange::new("tags.app", Value::Null, json!("web")),
                FieldChange::new("tags.old", json!("x"), Value::Null),
            ],
            destroys: None,
            preview: None,
            operations: vec![
                Operation::Repository(Op::PutImageTagMutability {
                    name: "shop/web".into(),
                    image_tag_mutability: "IMMUTABLE_WITH_EXCLUSION".into(),
                    exclusion_filters: vec!["latest".into(), "dev-*".into()],
                }),
                Operation::Repository(Op::PutLifecyclePolicy {
                    name: "shop/web".into(),
                    document: lifecycle(30).to_string(),
                }),
                Operation::Repository(Op::SetRepositoryPolicy {
                    name: "shop/web".into(),
                    document: web_policy.to_string(),
                }),
                Operation::Repository(Op::UntagResource {
                    name: "shop/web".into(),
                    arn: "arn:aws:ecr:eu-west-1:123456789012:repository/shop/web".into(),
                    keys: vec!["old".into()],
                }),
                Operation::Repository(Op::TagResource {
                    name: "shop/web".into(),
                    arn: "arn:aws:ecr:eu-west-1:123456789012:repository/shop/web".into(),
                    tags: tags(&[("app", "web")]),
                }),
            ],
        };
        let replace = Change {
            address: "ecr.repository.shop/legacy".into(),
            action: ChangeAction::Replace,
            reason: "encryption.type cannot change in place; the repository is deleted and created again".into(),
            reason_code: ChangeReason::ReplaceBecauseCannotUpdate,
            fields: vec![
                FieldChange::new("encryption.type", json!("AES256"), json!("KMS")),
                FieldChange::new("encryption.kmsKey", Value::Null, json!("alias/shop-ecr")),
            ],
            destroys: Some(Destroys {
                images: Some(12),
                force_delete: false,
            }),
            preview: None,
            operations: vec![
                Operation::Repository(Op::DeleteRepository {
                    name: "shop/legacy".into(),
                    force: false,
                }),
                create_repository("shop/legacy", Some("alias/shop-ecr"), &[("wharf:stack", "shop")]),
            ],
        };
        let delete = Change {
            address: "ecr.repository.shop/old".into(),
            action: ChangeAction::Delete,
            reason: "owned by stack `shop` and no longer in the manifest".into(),
            reason_code: ChangeReason::DeleteBecauseNotInManifest,
            fields: Vec::new(),
            destroys: Some(Destroys {
                images: None,
                force_delete: true,
            }),
            preview: None,
            operations: vec![Operation::Repository(Op::DeleteRepository {
                name: "shop/old".into(),
                force: true,
            })],
        };
        Plan::new(
            "shop",
            vec![delete, update, replace, create],
            vec!["ecr.repository.shop/web: scanOnPush is ignored because the registry uses ENHANCED scanning".into()],
        )
    }

    pub fn empty_plan() -> Plan {
        Plan::new("shop", Vec::new(), Vec::new())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn format_names_are_lowercase() {
        use clap::ValueEnum;
        let names: Vec<String> = Format::value_variants()
            .iter()
            .map(|f| f.to_possible_value().unwrap().get_name().to_string())
            .collect();
        assert_eq!(names, ["text", "json", "markdown"]);
    }

    #[test]
    fn destroys_reads_in_words() {
        let cases = [
            (Some(12), false, "destroys 12 images (forceDelete: false)"),
            (Some(1), true, "destroys 1 image (forceDelete: true)"),
            (None, false, "image count unknown (forceDelete: false)"),
        ];
        for (images, force_delete, want) in cases {
            let d = Destroys {
                images,
                force_delete,
            };
            assert_eq!(destroys_text(&d), want);
        }
    }

    #[test]
    fn document_diff_ignores_key_order() {
        let field = FieldChange::new("policy", json!({"b": 1, "a": 2}), json!({"a": 2, "b": 1}));
        assert!(
            document_diff(&field)
                .iter()
                .all(|l| matches!(l, DiffLine::Context(_) | DiffLine::Hunk(_)))
        );
    }

    #[test]
    fn new_document_is_all_added_without_hunk_header() {
        let field = FieldChange::new("policy", Value::Null, json!({"a": 1}));
        assert_eq!(
            document_diff(&field),
            [
                DiffLine::Added("{".into()),
                DiffLine::Added("  \"a\": 1".into()),
                DiffLine::Added("}".into()),
            ]
        );
    }
}
