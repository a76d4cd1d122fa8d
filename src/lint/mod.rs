//! `wharf lint`, PURE: security findings over the manifest's effective settings (after
//! `defaults` are applied) and, when the command read it, over live AWS state. Each
//! finding names its rule (id, severity, Security Hub controls, checkov checks: `rules`),
//! the resource address, where the manifest sets the value (or the resource's key when
//! the problem is an omission), a message and a hint. Suppressions and the failure
//! threshold are applied here; `text`, `json` and `sarif` render the resulting `Report`.
//! No I/O: the command reads the files and AWS and hands the values in.
mod ecs;
pub mod json;
pub(crate) mod policy;
pub mod rules;
pub mod sarif;
mod suppress;
pub mod text;

use crate::diagnostics::Span;
use crate::live::LiveSnapshot;
use crate::manifest::model::LintThreshold;
use crate::manifest::{Manifest, Sources, SpanIndex};
pub use rules::{Kind, Rule, Severity};
use serde::Serialize;
pub use suppress::validate_manifest;

/// Output format of `wharf lint`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
    Sarif,
}

/// The least severity that fails the run (exit 3); `none` never fails.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum FailOn {
    None,
    Low,
    Medium,
    High,
    Critical,
}

impl FailOn {
    /// High: what Security Hub rates high or critical fails a CI job; medium and low
    /// findings are reported without breaking the build.
    pub const DEFAULT: FailOn = FailOn::High;

    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
            Self::Critical => "critical",
        }
    }

    /// Whether a finding of `severity` fails the run.
    pub fn fails(self, severity: Severity) -> bool {
        let least = match self {
            Self::None => return false,
            Self::Low => Severity::Low,
            Self::Medium => Severity::Medium,
            Self::High => Severity::High,
            Self::Critical => Severity::Critical,
        };
        severity >= least
    }
}

impl From<LintThreshold> for FailOn {
    fn from(threshold: LintThreshold) -> Self {
        match threshold {
            LintThreshold::None => Self::None,
            LintThreshold::Low => Self::Low,
            LintThreshold::Medium => Self::Medium,
            LintThreshold::High => Self::High,
            LintThreshold::Critical => Self::Critical,
        }
    }
}

/// How a run is configured: the manifest's `lint` section, then the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Options {
    pub require_kms: bool,
    pub fail_on: FailOn,
}

impl Options {
    /// `--fail-on` wins over `lint.failOn`, which wins over the default.
    pub fn new(manifest: &Manifest, fail_on_flag: Option<FailOn>) -> Self {
        let settings = manifest.lint.clone().unwrap_or_default();
        Self {
            require_kms: settings.require_kms.unwrap_or(false),
            fail_on: fail_on_flag
                .or(settings.fail_on.map(FailOn::from))
                .unwrap_or(FailOn::DEFAULT),
        }
    }
}

/// Whether a finding is about what the manifest says or what AWS holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    Manifest,
    Live,
}

/// A manifest file (one of several when environments are laid over a base) and a
/// 1-based line and column (in characters) in it, start and end.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Location {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub rule: &'static Rule,
    pub source: Source,
    pub address: String,
    /// What within the resource (a container, a variable, a statement), so that two
    /// findings of one rule on one resource stay apart; empty when there is one.
    pub subject: String,
    pub message: String,
    pub hint: String,
    /// Where in the manifest; None for live resources the manifest does not declare.
    pub span: Option<Span>,
    /// `span` as line and column (filled in by `lint`).
    pub location: Option<Location>,
    /// The reason given in the manifest, when the finding is suppressed.
    pub suppressed: Option<String>,
}

impl Finding {
    pub(crate) fn new(rule: &'static Rule, source: Source, address: String) -> Self {
        Self {
            rule,
            source,
            address,
            subject: String::new(),
            message: String::new(),
            hint: String::new(),
            span: None,
            location: None,
            suppressed: None,
        }
    }
}

/// Everything a run found, in report order, with the settings that judge it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    pub stack: String,
    /// The manifest's files as named on the command line, joined (`base.yaml + prod.yaml`).
    pub file: String,
    /// The first of them: where findings without a line are reported in SARIF.
    pub first_file: String,
    pub fail_on: FailOn,
    /// Whether live state was read too.
    pub live: bool,
    pub findings: Vec<Finding>,
}

impl Report {
    pub fn active(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.suppressed.is_none())
    }

    pub fn suppressed(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.suppressed.is_some())
    }

    /// Unsuppressed findings of this severity.
    pub fn count(&self, severity: Severity) -> usize {
        self.active()
            .filter(|f| f.rule.severity == severity)
            .count()
    }

    /// Unsuppressed findings at or above the threshold: the run fails when there are any.
    pub fn failing(&self) -> usize {
        self.active()
            .filter(|f| self.fail_on.fails(f.rule.severity))
            .count()
    }
}

/// What a run looks at.
pub struct Input<'a> {
    pub manifest: &'a Manifest,
    pub spans: &'a SpanIndex,
    /// The manifest's files, to turn spans into files, lines and columns.
    pub sources: &'a Sources,
    /// Live state, read with owned resources found (`--live`).
    pub live: Option<&'a LiveSnapshot>,
    pub options: Options,
}

/// Runs every rule, applies the manifest's suppressions and orders the findings.
pub fn lint(input: &Input) -> Report {
    let m = input.manifest;
    let mut findings = Vec::new();
    findings.extend(crate::kinds::repository::lint::manifest(
        m,
        input.spans,
        &input.options,
    ));
    findings.extend(ecs::manifest(m, input.spans));
    findings.extend(crate::kinds::role::lint::manifest(m, input.spans));
    if let Some(live) = input.live {
        let mut from_live = Vec::new();
        from_live.extend(crate::kinds::repository::lint::live(
            m,
            input.spans,
            live,
            &input.options,
        ));
        from_live.extend(ecs::live(m, input.spans, live));
        from_live.extend(crate::kinds::role::lint::live(m, input.spans, live));
        // The manifest's own finding already says it (fixing the manifest fixes AWS on the
        // next apply); a live finding adds only what AWS holds beyond it.
        from_live.retain(|l| {
            !findings.iter().any(|f: &Finding| {
                f.rule.id == l.rule.id && f.address == l.address && f.subject == l.subject
            })
        });
        findings.extend(from_live);
    }
    suppress::apply(m, &mut findings);
    for finding in &mut findings {
        finding.location = finding.span.and_then(|s| location(input.sources, s));
    }
    // Files in the order given, then top to bottom; live findings after the manifest's.
    let file_order = |l: &Option<Location>| {
        l.as_ref().map(|l| {
            let index = input.sources.files().iter().position(|f| f.name == l.file);
            (index, l.line, l.column)
        })
    };
    findings.sort_by(|a, b| {
        let key = |f: &Finding| {
            (
                f.source,
                f.location.is_none(),
                file_order(&f.location),
                f.rule.id,
                f.address.clone(),
                f.subject.clone(),
            )
        };
        key(a).cmp(&key(b))
    });
    Report {
        stack: m.stack.clone(),
        file: input.sources.display_name(),
        first_file: input
            .sources
            .files()
            .first()
            .map(|f| f.name.clone())
            .unwrap_or_default(),
        fail_on: input.options.fail_on,
        live: input.live.is_some(),
        findings,
    }
}

/// A span as its file and 1-based lines and columns counted in characters.
pub fn location(sources: &Sources, span: Span) -> Option<Location> {
    let (file, local) = sources.locate(span)?;
    let (line, column) = line_column(&file.text, local.offset);
    let (end_line, end_column) = line_column(&file.text, local.offset + local.len);
    Some(Location {
        file: file.name.clone(),
        line,
        column,
        end_line,
        end_column,
    })
}

pub(crate) fn line_column(source: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(source.len());
    while !source.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &source[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    (line, before[line_start..].chars().count() + 1)
}

/// A JSON pointer below `base`, each segment escaped.
pub(crate) fn child(base: &str, segments: &[&str]) -> String {
    let mut out = base.to_string();
    for segment in segments {
        out.push('/');
        out.push_str(&crate::manifest::node::escape_pointer(segment));
    }
    out
}

/// The span of a manifest node when the manifest has exactly that node.
pub(crate) fn exact(spans: &SpanIndex, pointer: &str) -> Option<Span> {
    spans.contains(pointer).then(|| spans.at(pointer))
}

#[cfg(test)]
mod tests;
