//! The merged fleet report for people and machines: per target (in the fleet file's
//! order) a heading and its plan, drift, apply outcome or located error, then a summary
//! table. JSON is the `FleetReport` value itself (what `wharf fleet report` merges).
//! Markdown is one pull-request comment for the whole fleet, within the same bound as a
//! single plan's: the summary table always fits, and the targets' sections share what is
//! left, each cut the way a single comment is. PURE.

use super::{Format, Purpose, Style, counts, markdown, text};
use crate::fleet::report::{FleetCommand, FleetReport, Status, TargetReport};
use std::fmt::Write;

/// Renders a fleet report.
pub fn render_fleet(report: &FleetReport, format: Format, style: &Style) -> String {
    match format {
        Format::Json => serde_json::to_string_pretty(report).expect("a report serializes") + "\n",
        Format::Text => text_report(report, style),
        Format::Markdown => markdown_report(report, markdown::DEFAULT_LIMIT),
    }
}

fn purpose(command: FleetCommand) -> Purpose {
    match command {
        FleetCommand::Drift => Purpose::Drift,
        _ => Purpose::Plan,
    }
}

/// "6 targets: 3 clean, 2 drift, 1 error"
fn status_line(report: &FleetReport) -> String {
    let parts: Vec<String> = report
        .summary
        .statuses
        .iter()
        .map(|(status, n)| format!("{n} {status}"))
        .collect();
    format!(
        "{} target{}: {}",
        report.summary.targets,
        crate::diagnostics::plural(report.summary.targets),
        if parts.is_empty() {
            "none selected".to_string()
        } else {
            parts.join(", ")
        }
    )
}

fn place(target: &TargetReport) -> String {
    format!("account {}, {}", target.account_id, target.region)
}

fn text_report(report: &FleetReport, style: &Style) -> String {
    let mut out = String::new();
    let paint = |ansi: anstyle::Style, text: &str| {
        if style.color {
            format!("{}{text}{}", ansi.render(), ansi.render_reset())
        } else {
            text.to_string()
        }
    };
    let bold = anstyle::Style::new().bold();
    let _ = writeln!(
        out,
        "wharf fleet {} — {}{}\n",
        report.command.name(),
        report.fleet.file,
        report
            .shard
            .map(|s| format!(", shard {}/{}", s.index, s.count))
            .unwrap_or_default()
    );
    for target in &report.targets {
        let _ = writeln!(
            out,
            "{} ({}): {}",
            paint(bold, &format!("== {}", target.name)),
            place(target),
            paint(status_style(target.status), target.status.name())
        );
        if let Some(error) = &target.error {
            let _ = writeln!(out, "error: {}", error.message);
            if let Some(location) = &error.location {
                let _ = writeln!(out, "  --> {location}");
            }
            if let Some(hint) = &error.hint {
                let _ = writeln!(out, "hint: {hint}");
            }
            if let Some(details) = &error.details {
                for line in details.lines() {
                    let _ = writeln!(out, "  | {line}");
                }
            }
        }
        // After an apply, its outcome says what became of the plan shown before it.
        if let Some(plan) = &target.plan
            && report.command != FleetCommand::Apply
        {
            let body = text::render(plan, style, purpose(report.command));
            out.push_str(&body);
        }
        if let Some(apply) = &target.apply {
            let _ = writeln!(
                out,
                "applied {}, failed {}, not attempted {}{}",
                apply.applied,
                apply.failed.len(),
                apply.not_attempted,
                if apply.interrupted {
                    " (interrupted)"
                } else {
                    ""
                }
            );
            for failed in &apply.failed {
                let _ = writeln!(out, "  failed: {}: {}", failed.address, failed.error);
            }
        }
        // A target with nothing below its heading (valid, or clean after an apply) takes one line.
        let bare = target.error.is_none()
            && target.apply.is_none()
            && (target.plan.is_none() || report.command == FleetCommand::Apply);
        if !bare {
            out.push('\n');
        }
    }
    if !out.ends_with("\n\n") {
        out.push('\n');
    }
    for error in &report.errors {
        let _ = writeln!(out, "error: {}", error.message);
        if let Some(location) = &error.location {
            let _ = writeln!(out, "  --> {location}");
        }
        if let Some(hint) = &error.hint {
            let _ = writeln!(out, "hint: {hint}");
        }
        out.push('\n');
    }
    let _ = writeln!(out, "{}", paint(bold, "Summary"));
    out.push_str(&table(report, false));
    let _ = writeln!(out, "\n{}.", status_line(report));
    out
}

fn status_style(status: Status) -> anstyle::Style {
    use anstyle::AnsiColor::*;
    let colour = match status {
        Status::Valid | Status::Clean | Status::Applied => Green,
        Status::Changes | Status::Drift => Yellow,
        Status::Failed | Status::Skipped | Status::Error => Red,
    };
    colour.on_default().bold()
}

/// The summary table: aligned columns for text, a Markdown table for comments.
fn table(report: &FleetReport, markdown: bool) -> String {
    let header = [
        "Target", "Account", "Region", "Status", "Create", "Update", "Replace", "Delete",
    ];
    let rows: Vec<[String; 8]> = report
        .targets
        .iter()
        .map(|t| {
            let n = |f: fn(&crate::plan::Summary) -> usize| {
                t.plan
                    .as_ref()
                    .map_or("-".to_string(), |p| f(&p.summary).to_string())
            };
            [
                if markdown {
                    format!("`{}`", t.name)
                } else {
                    t.name.clone()
                },
                t.account_id.clone(),
                t.region.clone(),
                if markdown && t.status.is_failure() {
                    format!("**{}**", t.status.name())
                } else {
                    t.status.name().to_string()
                },
                n(|s| s.create),
                n(|s| s.update),
                n(|s| s.replace),
                n(|s| s.delete),
            ]
        })
        .collect();
    // Validation plans nothing: no change columns.
    let columns = if report.command == FleetCommand::Validate {
        4
    } else {
        8
    };
    let header = &header[..columns];
    let rows: Vec<Vec<String>> = rows.into_iter().map(|r| r[..columns].to_vec()).collect();
    let mut out = String::new();
    if markdown {
        let _ = writeln!(out, "| {} |", header.join(" | "));
        let _ = writeln!(
            out,
            "{}",
            &"|---|---|---|---|--:|--:|--:|--:|"[..if columns == 4 { 17 } else { 33 }]
        );
        for row in &rows {
            let _ = writeln!(out, "| {} |", row.join(" | "));
        }
        return out;
    }
    let widths: Vec<usize> = (0..columns)
        .map(|i| {
            rows.iter()
                .map(|r| r[i].chars().count())
                .chain([header[i].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c:<width$}", width = widths[i]))
            .collect();
        format!("  {}\n", padded.join("  ").trim_end())
    };
    out.push_str(&line(header.to_vec()));
    for row in &rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out
}

/// One comment for the whole fleet, at most `limit` characters (given a limit of a few
/// thousand): the heading, then the targets' sections while they fit (each cut to an equal
/// share of what is left, so one huge plan cannot crowd out the others), then the table.
pub fn markdown_report(report: &FleetReport, limit: usize) -> String {
    let noun = report.command.name();
    let mut head = String::new();
    let _ = writeln!(
        head,
        "<!-- wharf:fleet-{noun} fleet={} -->",
        report.fleet.file.replace("--", "")
    );
    let _ = writeln!(
        head,
        "### wharf fleet {noun} — `{}`{}\n",
        report.fleet.file,
        report
            .shard
            .map(|s| format!(" (shard {}/{})", s.index, s.count))
            .unwrap_or_default()
    );
    let _ = writeln!(head, "**{}**\n", status_line(report));
    for error in &report.errors {
        let _ = writeln!(
            head,
            "> [!CAUTION]\n> {}{}\n",
            error.message.replace('\n', " "),
            error
                .location
                .as_ref()
                .map(|l| format!(" (`{l}`)"))
                .unwrap_or_default()
        );
    }
    let mut tail = String::from("\n#### Summary\n\n");
    tail.push_str(&table(report, true));
    let totals = &report.summary.changes;
    let _ = writeln!(tail, "\nAll targets: {}.", counts(totals));
    let fixed = head.chars().count() + tail.chars().count();
    let mut left = limit.saturating_sub(fixed + 200);
    let interesting: Vec<&TargetReport> = report
        .targets
        .iter()
        .filter(|t| !matches!(t.status, Status::Clean | Status::Valid))
        .collect();
    let mut sections = String::new();
    let mut omitted = 0;
    for (i, target) in interesting.iter().enumerate() {
        let share = left / (interesting.len() - i);
        let section = target_section(report.command, target, share);
        let size = section.chars().count();
        if size > share || size > left {
            omitted += 1;
            continue;
        }
        left -= size;
        sections.push_str(&section);
    }
    if omitted > 0 {
        let _ = writeln!(
            sections,
            "\n_Cut to fit a comment: the sections of {omitted} target{} are not shown; the table has them all. The full report is in this run's artifacts (`--format json`)._\n",
            crate::diagnostics::plural(omitted)
        );
    }
    let clean = report.targets.len() - interesting.len();
    if clean > 0 {
        let _ = writeln!(
            sections,
            "_{clean} target{} with nothing to report._",
            crate::diagnostics::plural(clean)
        );
    }
    head + &sections + &tail
}

/// One target's collapsed section, within `limit` characters when it can be.
fn target_section(command: FleetCommand, target: &TargetReport, limit: usize) -> String {
    let mut out = String::new();
    let open = if target.status.is_failure() {
        " open"
    } else {
        ""
    };
    let _ = writeln!(
        out,
        "<details{open}><summary><b>{}</b> ({}): {}</summary>\n",
        target.name,
        place(target),
        target.status.name()
    );
    if let Some(error) = &target.error {
        let _ = writeln!(
            out,
            "> [!CAUTION]\n> {}{}\n",
            error.message.replace('\n', " "),
            error
                .location
                .as_ref()
                .map(|l| format!(" (`{l}`)"))
                .unwrap_or_default()
        );
        if let Some(hint) = &error.hint {
            let _ = writeln!(out, "{}\n", hint.replace('\n', " "));
        }
        if let Some(details) = &error.details {
            let _ = writeln!(
                out,
                "```\n{}\n```\n",
                details.trim_end().replace("```", "'''")
            );
        }
    }
    if let Some(apply) = &target.apply {
        let _ = writeln!(
            out,
            "Applied {}, failed {}, not attempted {}.\n",
            apply.applied,
            apply.failed.len(),
            apply.not_attempted
        );
        for failed in &apply.failed {
            let _ = writeln!(
                out,
                "- `{}`: {}",
                failed.address,
                failed.error.replace('\n', " ")
            );
        }
    }
    let closing = "\n</details>\n\n";
    if let Some(plan) = &target.plan
        && !plan.is_empty()
    {
        let room = limit.saturating_sub(out.chars().count() + closing.len());
        out.push_str(&markdown::section(plan, purpose(command), room));
    }
    out.push_str(closing);
    out
}

#[cfg(test)]
mod tests;
