//! The Markdown rendering of a plan, for pull-request comments: a heading, a summary, a
//! table with one row per change (destructive rows bold, with what they destroy), then per
//! change a collapsed ```diff block of its fields. PURE: reads only the `Plan`; it escapes
//! what it embeds so a value cannot break the table or the page.

use super::{
    DiffLine, FieldKind, Purpose, counts, destroys_text, document_diff, field_kind, lifecycle_text,
    resources, value_text,
};
use crate::plan::{Change, ChangeAction, Plan};
use std::fmt::Write;

pub(super) fn render(plan: &Plan, purpose: Purpose) -> String {
    let mut out = String::new();
    let noun = match purpose {
        Purpose::Plan => "plan",
        Purpose::Drift => "drift",
    };
    let _ = writeln!(out, "### wharf {noun} for stack `{}`\n", plan.stack);
    if plan.is_empty() {
        out.push_str(match purpose {
            Purpose::Plan => "No changes.\n",
            Purpose::Drift => "No drift.\n",
        });
    } else {
        let _ = match purpose {
            Purpose::Plan => writeln!(out, "**{}**\n", counts(&plan.summary)),
            Purpose::Drift => writeln!(
                out,
                "**Drift detected in {}:** {}\n",
                resources(plan.changes.len()),
                counts(&plan.summary)
            ),
        };
        out.push_str("| | Resource | Action | Reason |\n|---|---|---|---|\n");
        for change in &plan.changes {
            write_row(&mut out, change);
        }
        for change in plan.changes.iter().filter(|c| !c.fields.is_empty()) {
            out.push('\n');
            write_details(&mut out, change);
        }
    }
    if !plan.warnings.is_empty() {
        out.push_str("\n**Warnings**\n\n");
        for warning in &plan.warnings {
            let _ = writeln!(out, "- {}", warning.replace('\n', " "));
        }
    }
    out
}

fn emoji(action: ChangeAction) -> &'static str {
    match action {
        ChangeAction::Create => "🟢",
        ChangeAction::Update => "🟡",
        ChangeAction::Replace => "🟠",
        ChangeAction::Delete => "🔴",
    }
}

fn write_row(out: &mut String, change: &Change) {
    let address = format!("`{}`", cell(&change.address));
    let action = change.action.as_str();
    let mut reason = cell(&change.reason);
    if let Some(preview) = &change.lifecycle_preview {
        let text = cell(&lifecycle_text(preview));
        reason = if preview.expires > 0 {
            format!("{reason}<br>**⚠️ {text}**")
        } else {
            format!("{reason}<br>{text}")
        };
    }
    let _ = match &change.destroys {
        Some(destroys) => writeln!(
            out,
            "| {} | **{address}** | **{action}** | **{reason}**<br>**⚠️ {}** |",
            emoji(change.action),
            cell(&destroys_text(destroys)),
        ),
        None => writeln!(
            out,
            "| {} | {address} | {action} | {reason} |",
            emoji(change.action)
        ),
    };
}

fn write_details(out: &mut String, change: &Change) {
    let mut diff = String::new();
    for field in &change.fields {
        let kind = field_kind(field);
        if field.is_document() {
            let sign = match kind {
                FieldKind::Added => '+',
                FieldKind::Removed => '-',
                FieldKind::Changed => ' ',
            };
            let _ = writeln!(diff, "{sign} {}:", field.path);
            for line in document_diff(field) {
                let _ = match line {
                    DiffLine::Hunk(h) => writeln!(diff, "{h}"),
                    DiffLine::Context(t) => writeln!(diff, "     {t}"),
                    DiffLine::Added(t) => writeln!(diff, "+    {t}"),
                    DiffLine::Removed(t) => writeln!(diff, "-    {t}"),
                };
            }
            continue;
        }
        // A diff block has no "changed" marker: a change is its old line and its new line.
        if kind != FieldKind::Added {
            let _ = writeln!(diff, "- {}: {}", field.path, value_text(&field.before));
        }
        if kind != FieldKind::Removed {
            let _ = writeln!(diff, "+ {}: {}", field.path, value_text(&field.after));
        }
    }
    let fence = fence_for(&diff);
    let _ = writeln!(
        out,
        "<details><summary>{} <code>{}</code> {}</summary>\n\n{fence}diff\n{diff}{fence}\n\n</details>",
        emoji(change.action),
        html(&change.address),
        change.action.as_str(),
    );
}

/// A table cell's text: a `|` would end the cell and a newline the row.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// Text inside HTML tags.
fn html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A code fence longer than any run of backticks inside the block, so none can close it.
fn fence_for(block: &str) -> String {
    let longest = block.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    "`".repeat(longest.max(2) + 1)
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{empty_plan, sample_plan};
    use super::super::{Format, Style, render, render_drift};
    use super::*;

    const PLAIN: Style = Style { color: false };

    #[test]
    fn plan_with_every_action() {
        insta::assert_snapshot!(render(&sample_plan(), Format::Markdown, &PLAIN));
    }

    #[test]
    fn empty_plan_says_no_changes() {
        insta::assert_snapshot!(render(&empty_plan(), Format::Markdown, &PLAIN));
    }

    #[test]
    fn drift_with_every_action() {
        insta::assert_snapshot!(render_drift(&sample_plan(), Format::Markdown, &PLAIN));
    }

    #[test]
    fn no_drift() {
        insta::assert_snapshot!(render_drift(&empty_plan(), Format::Markdown, &PLAIN));
    }

    #[test]
    fn pipes_in_cells_are_escaped() {
        let mut plan = sample_plan();
        plan.changes[0].reason = "a | b\nc".into();
        let text = render(&plan, Format::Markdown, &PLAIN);
        assert!(text.contains("| a \\| b c |"), "{text}");
    }

    #[test]
    fn fences_outgrow_backticks_inside() {
        assert_eq!(fence_for("no ticks"), "```");
        assert_eq!(fence_for("a ```` b"), "`````");
    }
}
