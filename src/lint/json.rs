//! The lint report as JSON (`wharf lint --format json`), a stable shape documented in the
//! README: `formatVersion`, the settings, every finding (suppressed ones carry their
//! reason) and a summary. PURE.

use super::{FailOn, Finding, Location, Report, Severity, Source};
use serde::Serialize;

pub const FORMAT_VERSION: u32 = 1;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Document<'a> {
    format_version: u32,
    stack: &'a str,
    file: &'a str,
    fail_on: FailOn,
    live: bool,
    findings: Vec<JsonFinding<'a>>,
    summary: Summary,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonFinding<'a> {
    id: &'static str,
    title: &'static str,
    severity: Severity,
    source: Source,
    address: &'a str,
    /// Null for live resources the manifest does not declare.
    location: Option<&'a Location>,
    message: &'a str,
    hint: &'a str,
    controls: Controls,
    /// Null unless suppressed.
    suppressed: Option<Suppressed<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Controls {
    security_hub: &'static [&'static str],
    checkov: &'static [&'static str],
}

#[derive(Serialize)]
struct Suppressed<'a> {
    reason: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Summary {
    critical: usize,
    high: usize,
    medium: usize,
    low: usize,
    suppressed: usize,
    /// Unsuppressed findings at or above `failOn`: the run fails when this is not 0.
    failing: usize,
}

fn finding(f: &Finding) -> JsonFinding<'_> {
    JsonFinding {
        id: f.rule.id,
        title: f.rule.title,
        severity: f.rule.severity,
        source: f.source,
        address: &f.address,
        location: f.location.as_ref(),
        message: &f.message,
        hint: &f.hint,
        controls: Controls {
            security_hub: f.rule.security_hub,
            checkov: f.rule.checkov,
        },
        suppressed: f.suppressed.as_deref().map(|reason| Suppressed { reason }),
    }
}

pub fn render(report: &Report) -> String {
    let document = Document {
        format_version: FORMAT_VERSION,
        stack: &report.stack,
        file: &report.file,
        fail_on: report.fail_on,
        live: report.live,
        findings: report.findings.iter().map(finding).collect(),
        summary: Summary {
            critical: report.count(Severity::Critical),
            high: report.count(Severity::High),
            medium: report.count(Severity::Medium),
            low: report.count(Severity::Low),
            suppressed: report.suppressed().count(),
            failing: report.failing(),
        },
    };
    let mut text = serde_json::to_string_pretty(&document).expect("the report serializes");
    text.push('\n');
    text
}
