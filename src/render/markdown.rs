//! The Markdown rendering of a plan, for pull-request comments: a marker comment (so CI
//! can find and update its own comment), a heading, a summary, a caution when anything is
//! destroyed, the warnings, a table with one row per change (destructive rows bold, with
//! what they destroy), then per change a collapsed ```diff block of its fields.
//!
//! GitHub refuses comments over 65,536 characters, so the output is bounded: the table and
//! warnings come first and always fit (rows beyond the budget are counted, not shown); the
//! diffs follow while they fit, and the rest are named as omitted, with a pointer to the
//! full plan. PURE: reads only the `Plan`; it escapes what it embeds so a value cannot
//! break the table or the page.

use super::{
    DiffLine, FieldKind, Purpose, counts, destroys_text, document_diff, field_kind, lifecycle_text,
    resources, value_text,
};
use crate::plan::{Change, ChangeAction, Plan};
use std::fmt::Write;

/// What a GitHub comment may hold, less room for text a workflow adds around it.
pub const DEFAULT_LIMIT: usize = 60_000;

/// Room kept for the closing notes whatever is cut.
const RESERVE: usize = 600;

pub(super) fn render(plan: &Plan, purpose: Purpose) -> String {
    render_bounded(plan, purpose, DEFAULT_LIMIT)
}

/// The comment, at most `limit` characters long (given a limit above a few hundred).
pub(super) fn render_bounded(plan: &Plan, purpose: Purpose, limit: usize) -> String {
    let budget = limit.saturating_sub(RESERVE);
    let mut out = String::new();
    let noun = match purpose {
        Purpose::Plan => "plan",
        Purpose::Drift => "drift",
    };
    let _ = writeln!(out, "<!-- wharf:{noun} stack={} -->", html(&plan.stack));
    let _ = writeln!(out, "### wharf {noun} for stack `{}`\n", plan.stack);
    write_body(&mut out, plan, purpose, budget);
    out
}

/// A plan's comment without its marker and heading, at most `limit` characters: one
/// target's section of a fleet comment.
pub(super) fn section(plan: &Plan, purpose: Purpose, limit: usize) -> String {
    let mut out = String::new();
    write_body(&mut out, plan, purpose, limit.saturating_sub(RESERVE));
    out
}

/// Everything after the heading: summary, caution, warnings, table and diffs, within
/// `budget` characters of `out` (plus the closing note).
fn write_body(out: &mut String, plan: &Plan, purpose: Purpose, budget: usize) {
    if plan.is_empty() {
        out.push_str(match purpose {
            Purpose::Plan => "No changes.\n",
            Purpose::Drift => "No drift.\n",
        });
        write_warnings(out, plan, budget);
        return;
    }
    let _ = match purpose {
        Purpose::Plan => writeln!(out, "**{}**\n", counts(&plan.summary)),
        Purpose::Drift => writeln!(
            out,
            "**Drift detected in {}:** {}\n",
            resources(plan.changes.len()),
            counts(&plan.summary)
        ),
    };
    let destructive: Vec<&Change> = plan
        .changes
        .iter()
        .filter(|c| matches!(c.action, ChangeAction::Replace | ChangeAction::Delete))
        .collect();
    if !destructive.is_empty() && purpose == Purpose::Plan {
        let _ = writeln!(
            out,
            "> [!CAUTION]\n> This plan deletes or replaces {}: {}.\n",
            resources(destructive.len()),
            destructive
                .iter()
                .take(10)
                .map(|c| format!("`{}`", cell(&c.address)))
                .collect::<Vec<_>>()
                .join(", ")
                + if destructive.len() > 10 { ", ..." } else { "" }
        );
    }
    write_warnings(out, plan, budget / 4);
    out.push_str("| | Resource | Action | Reason |\n|---|---|---|---|\n");
    let mut shown_rows = 0;
    for change in &plan.changes {
        let mut row = String::new();
        write_row(&mut row, change);
        if chars(out) + chars(&row) > budget {
            break;
        }
        out.push_str(&row);
        shown_rows += 1;
    }
    if shown_rows < plan.changes.len() {
        let _ = writeln!(
            out,
            "| | _{} more not shown_ | | |",
            plan.changes.len() - shown_rows
        );
    }
    let with_fields: Vec<&Change> = plan
        .changes
        .iter()
        .filter(|c| !c.fields.is_empty())
        .collect();
    let mut omitted = Vec::new();
    for change in &with_fields {
        let mut block = String::from("\n");
        write_details(&mut block, change);
        if omitted.is_empty() && chars(out) + chars(&block) <= budget {
            out.push_str(&block);
        } else {
            omitted.push(change.address.as_str());
        }
    }
    if !omitted.is_empty() || shown_rows < plan.changes.len() {
        let _ = writeln!(
            out,
            "\n_Cut to fit a comment: {} not shown. The full plan is in this run's artifacts (`wharf plan --format json`, `--format markdown`)._",
            if omitted.is_empty() {
                format!("{} table rows", plan.changes.len() - shown_rows)
            } else {
                format!("the diffs of {}", resources(omitted.len()))
            }
        );
    }
}

fn chars(text: &str) -> usize {
    text.chars().count()
}

/// The warnings as a list, cut to `budget` characters.
fn write_warnings(out: &mut String, plan: &Plan, budget: usize) {
    if plan.warnings.is_empty() {
        return;
    }
    let mut block = String::from("**Warnings**\n\n");
    let mut left_out = 0;
    for warning in &plan.warnings {
        let line = format!("- ⚠️ {}\n", warning.replace('\n', " "));
        if left_out > 0 || chars(&block) + chars(&line) > budget {
            left_out += 1;
        } else {
            block.push_str(&line);
        }
    }
    if left_out > 0 {
        let _ = writeln!(block, "- _{left_out} more warnings not shown_");
    }
    out.push_str(&block);
    out.push('\n');
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
    match &change.preview {
        Some(crate::plan::Preview::Lifecycle(preview)) => {
            let text = cell(&lifecycle_text(preview));
            reason = if preview.expires > 0 {
                format!("{reason}<br>**⚠️ {text}**")
            } else {
                format!("{reason}<br>{text}")
            };
            for image in &preview.in_use {
                reason = format!("{reason}<br>**⛔ {}**", cell(&super::in_use_text(image)));
            }
        }
        Some(crate::plan::Preview::Rollout(rollout)) => {
            reason = format!("{reason}<br>rollout {}", cell(&rollout.text()));
        }
        None => {}
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
    use super::super::{Format, Purpose, Style, render, render_drift};
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
    fn a_huge_plan_is_cut_to_the_limit_and_says_what_it_left_out() {
        let mut plan = sample_plan();
        let template = plan.changes[1].clone();
        plan.changes = (0..3000)
            .map(|i| {
                let mut change = template.clone();
                change.address = format!("ecr.repository.shop/service-{i:04}");
                change
            })
            .collect();
        plan.warnings = (0..2000).map(|i| format!("warning number {i}")).collect();
        for limit in [DEFAULT_LIMIT, 5_000] {
            let text = render_bounded(&plan, Purpose::Plan, limit);
            assert!(text.chars().count() <= limit, "{} > {limit}", text.len());
            assert!(text.contains("not shown"), "{text}");
            assert!(text.contains("full plan is in this run's artifacts"));
            assert!(text.contains("more warnings not shown"));
        }
        // A plan that fits is whole.
        let whole = render_bounded(&sample_plan(), Purpose::Plan, DEFAULT_LIMIT);
        assert!(!whole.contains("Cut to fit"), "{whole}");
    }

    #[test]
    fn destructive_plans_open_with_a_caution() {
        let text = render(&sample_plan(), Format::Markdown, &PLAIN);
        assert!(text.contains("> [!CAUTION]"), "{text}");
        assert!(text.starts_with("<!-- wharf:plan stack=shop -->"), "{text}");
    }

    #[test]
    fn fences_outgrow_backticks_inside() {
        assert_eq!(fence_for("no ticks"), "```");
        assert_eq!(fence_for("a ```` b"), "`````");
    }
}
