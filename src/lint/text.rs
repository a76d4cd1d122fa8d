//! The lint report for people: one block per finding (severity, rule id, address,
//! file:line:col, message, hint, controls), the suppressed findings with their reasons,
//! and a summary line. PURE; colour only repeats what the words say.

use super::{FailOn, Finding, Report, Severity, Source};
use anstyle::{AnsiColor, Style};

fn paint(color: bool, style: Style, text: &str) -> String {
    if color {
        format!("{}{text}{}", style.render(), style.render_reset())
    } else {
        text.to_string()
    }
}

fn severity_style(severity: Severity) -> Style {
    match severity {
        Severity::Critical => AnsiColor::Red.on_default().bold(),
        Severity::High => AnsiColor::Red.on_default(),
        Severity::Medium => AnsiColor::Yellow.on_default(),
        Severity::Low => AnsiColor::Cyan.on_default(),
    }
}

/// `file:line:col`, or why there is no place in the manifest.
fn place(report: &Report, finding: &Finding) -> String {
    match &finding.location {
        Some(l) => format!("{}:{}:{}", l.file, l.line, l.column),
        None => format!("not in {} (owned by stack `{}`)", report.file, report.stack),
    }
}

fn block(report: &Report, f: &Finding, color: bool) -> String {
    let severity = format!("{:<8}", f.rule.severity.as_str().to_uppercase());
    let live = if f.source == Source::Live {
        "  (live)"
    } else {
        ""
    };
    let dim = AnsiColor::BrightBlack.on_default();
    format!(
        "{} {}  {}{live}\n  {} {}\n  {}\n  {} {}\n  {} {}\n",
        paint(color, severity_style(f.rule.severity), &severity),
        paint(color, Style::new().bold(), f.rule.id),
        f.address,
        paint(color, dim, "-->"),
        place(report, f),
        f.message,
        paint(color, AnsiColor::Cyan.on_default().bold(), "hint:"),
        f.hint,
        paint(color, dim, "controls:"),
        f.rule.controls(),
    )
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

pub fn render(report: &Report, color: bool) -> String {
    let mut out = String::new();
    for f in report.active() {
        out.push_str(&block(report, f, color));
        out.push('\n');
    }
    let suppressed: Vec<&Finding> = report.suppressed().collect();
    if !suppressed.is_empty() {
        out.push_str(&format!("Suppressed ({}):\n", suppressed.len()));
        for f in &suppressed {
            out.push_str(&format!(
                "  {}  {}  {}{}\n    reason: {}\n",
                f.rule.id,
                f.address,
                place(report, f),
                if f.source == Source::Live {
                    "  (live)"
                } else {
                    ""
                },
                f.suppressed.as_deref().unwrap_or_default()
            ));
        }
        out.push('\n');
    }
    out.push_str(&summary(report));
    out.push('\n');
    out
}

/// "3 findings (1 critical, 1 high, 1 medium, 0 low), 1 suppressed; 2 at or above high: failing."
pub fn summary(report: &Report) -> String {
    let active = report.active().count();
    let suppressed = report.suppressed().count();
    let counts = if active == 0 {
        "No findings".to_string()
    } else {
        format!(
            "{} ({} critical, {} high, {} medium, {} low)",
            plural(active, "finding", "findings"),
            report.count(Severity::Critical),
            report.count(Severity::High),
            report.count(Severity::Medium),
            report.count(Severity::Low),
        )
    };
    let suppressed = if suppressed > 0 {
        format!(", {suppressed} suppressed")
    } else {
        String::new()
    };
    let verdict = match (report.fail_on, report.failing()) {
        (FailOn::None, _) => "not failing (--fail-on none)".to_string(),
        (threshold, 0) => format!("none at or above {}", threshold.as_str()),
        (threshold, n) => format!("{n} at or above {}: failing", threshold.as_str()),
    };
    let scope = if report.live {
        " in the manifest and live AWS"
    } else {
        ""
    };
    format!("{counts}{suppressed}{scope}; {verdict}.")
}
