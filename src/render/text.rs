//! The terminal rendering of a plan, Terraform-like: a marker per change (`+` create, `~`
//! update, `-/+` replace, `-` delete), one line per field, documents as unified diffs, what
//! would be destroyed, then a summary. Colour (anstyle) only repeats what markers and words
//! already say, so the output reads the same without it. PURE: reads only the `Plan`.

use super::{
    DiffLine, FieldKind, Purpose, Style, counts, destroys_text, document_diff, field_kind,
    lifecycle_text, resources, value_text,
};
use crate::plan::{Change, ChangeAction, FieldChange, Plan};
use anstyle::{AnsiColor, Style as Ansi};
use std::fmt::Write;

const ACTIONS: [ChangeAction; 4] = [
    ChangeAction::Create,
    ChangeAction::Update,
    ChangeAction::Replace,
    ChangeAction::Delete,
];

pub(super) fn render(plan: &Plan, style: &Style, purpose: Purpose) -> String {
    let paint = Painter(style.color);
    let mut out = String::new();
    if !plan.is_empty() {
        let legend: Vec<String> = ACTIONS
            .iter()
            .filter(|a| plan.changes.iter().any(|c| c.action == **a))
            .map(|a| format!("{} {}", paint.action(*a, marker(*a)), a.as_str()))
            .collect();
        let _ = writeln!(out, "Resource actions: {}", legend.join(", "));
        out.push('\n');
        for change in &plan.changes {
            write_change(&mut out, change, paint);
            out.push('\n');
        }
    }
    let total = plan.changes.len();
    let summary = match (purpose, total) {
        (Purpose::Plan, 0) => "No changes. AWS matches the manifest.".to_string(),
        (Purpose::Plan, _) => format!("{} {}.", paint.bold("Plan:"), counts(&plan.summary)),
        (Purpose::Drift, 0) => "No drift. AWS matches the manifest.".to_string(),
        (Purpose::Drift, n) => format!(
            "{} {}.",
            paint.bold(&format!("Drift detected in {}:", resources(n))),
            counts(&plan.summary)
        ),
    };
    let _ = writeln!(out, "{summary}");
    if !plan.warnings.is_empty() {
        out.push('\n');
        for warning in &plan.warnings {
            let _ = writeln!(out, "{} {warning}", paint.warning("warning:"));
        }
    }
    out
}

fn marker(action: ChangeAction) -> &'static str {
    match action {
        ChangeAction::Create => "+",
        ChangeAction::Update => "~",
        ChangeAction::Replace => "-/+",
        ChangeAction::Delete => "-",
    }
}

fn write_change(out: &mut String, change: &Change, paint: Painter) {
    // Markers are right-aligned so every address starts in the same column.
    let pad = 3 - marker(change.action).len();
    let _ = writeln!(
        out,
        "{:>pad$}{} {} ({})",
        "",
        paint.action(change.action, marker(change.action)),
        paint.bold(&change.address),
        change.reason
    );
    for field in &change.fields {
        write_field(out, field, paint);
    }
    if let Some(destroys) = &change.destroys {
        let _ = writeln!(
            out,
            "    {}",
            paint.danger(&format!("! {}", destroys_text(destroys)))
        );
    }
    match &change.preview {
        Some(crate::plan::Preview::Lifecycle(preview)) => {
            let line = format!("! {}", lifecycle_text(preview));
            let _ = writeln!(
                out,
                "    {}",
                if preview.expires > 0 {
                    paint.danger(&line)
                } else {
                    line
                }
            );
            for image in &preview.in_use {
                let _ = writeln!(
                    out,
                    "    {}",
                    paint.danger(&format!("! {}", super::in_use_text(image)))
                );
            }
        }
        Some(crate::plan::Preview::Rollout(rollout)) => {
            let _ = writeln!(out, "    {} {}", paint.cyan("rollout"), rollout.text());
        }
        None => {}
    }
}

fn write_field(out: &mut String, field: &FieldChange, paint: Painter) {
    let kind = field_kind(field);
    let sign = match kind {
        FieldKind::Added => paint.green("+"),
        FieldKind::Removed => paint.red("-"),
        FieldKind::Changed => paint.yellow("~"),
    };
    if field.is_document() {
        let _ = writeln!(out, "    {sign} {}:", field.path);
        for line in document_diff(field) {
            let text = match line {
                DiffLine::Hunk(h) => paint.cyan(&h),
                DiffLine::Context(t) => format!(" {t}"),
                DiffLine::Added(t) => paint.green(&format!("+{t}")),
                DiffLine::Removed(t) => paint.red(&format!("-{t}")),
            };
            let _ = writeln!(out, "        {text}");
        }
        return;
    }
    let value = match kind {
        FieldKind::Added => value_text(&field.after),
        FieldKind::Removed => value_text(&field.before),
        FieldKind::Changed => format!(
            "{} -> {}",
            value_text(&field.before),
            value_text(&field.after)
        ),
    };
    let _ = writeln!(out, "    {sign} {}: {value}", field.path);
}

/// Wraps text in ANSI styles when colour is on; returns it unchanged otherwise.
#[derive(Clone, Copy)]
struct Painter(bool);

impl Painter {
    fn paint(self, style: Ansi, text: &str) -> String {
        if self.0 {
            format!("{}{text}{}", style.render(), style.render_reset())
        } else {
            text.to_string()
        }
    }

    fn fg(self, color: AnsiColor, text: &str) -> String {
        self.paint(Ansi::new().fg_color(Some(color.into())), text)
    }

    fn action(self, action: ChangeAction, text: &str) -> String {
        let color = match action {
            ChangeAction::Create => AnsiColor::Green,
            ChangeAction::Update => AnsiColor::Yellow,
            ChangeAction::Replace => AnsiColor::Magenta,
            ChangeAction::Delete => AnsiColor::Red,
        };
        self.fg(color, text)
    }

    fn green(self, text: &str) -> String {
        self.fg(AnsiColor::Green, text)
    }

    fn red(self, text: &str) -> String {
        self.fg(AnsiColor::Red, text)
    }

    fn yellow(self, text: &str) -> String {
        self.fg(AnsiColor::Yellow, text)
    }

    fn cyan(self, text: &str) -> String {
        self.fg(AnsiColor::Cyan, text)
    }

    fn bold(self, text: &str) -> String {
        self.paint(Ansi::new().bold(), text)
    }

    fn danger(self, text: &str) -> String {
        self.paint(
            Ansi::new().fg_color(Some(AnsiColor::Red.into())).bold(),
            text,
        )
    }

    fn warning(self, text: &str) -> String {
        self.paint(
            Ansi::new().fg_color(Some(AnsiColor::Yellow.into())).bold(),
            text,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{empty_plan, sample_plan};
    use super::super::{Format, Style, render, render_drift};

    const PLAIN: Style = Style { color: false };
    const COLOR: Style = Style { color: true };

    #[test]
    fn plan_with_every_action() {
        insta::assert_snapshot!(render(&sample_plan(), Format::Text, &PLAIN));
    }

    #[test]
    fn empty_plan_says_no_changes() {
        insta::assert_snapshot!(render(&empty_plan(), Format::Text, &PLAIN));
    }

    #[test]
    fn drift_with_every_action() {
        insta::assert_snapshot!(render_drift(&sample_plan(), Format::Text, &PLAIN));
    }

    #[test]
    fn no_drift() {
        insta::assert_snapshot!(render_drift(&empty_plan(), Format::Text, &PLAIN));
    }

    /// Colour adds escape codes and nothing else: stripped, it is the plain output.
    #[test]
    fn colour_only_repeats_what_words_say() {
        let coloured = render(&sample_plan(), Format::Text, &COLOR);
        assert!(coloured.contains("\x1b["));
        let ansi = regex::Regex::new("\x1b\\[[0-9;]*m").unwrap();
        assert_eq!(
            ansi.replace_all(&coloured, ""),
            render(&sample_plan(), Format::Text, &PLAIN)
        );
    }
}
