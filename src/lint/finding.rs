//! A lint finding and what it is made of: the rule, where it is (a manifest node or a
//! live object), the options a run takes. PURE, and a leaf of `lint`: each kind's rules
//! build findings here, and `lint` gathers them.

use crate::diagnostics::Span;
use crate::lint::rules::{Rule, Severity};
use crate::manifest::model::{LintThreshold, Manifest};
use crate::manifest::spans::SpanIndex;
use serde::Serialize;

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
    pub require_signing: bool,
    pub fail_on: FailOn,
}

impl Options {
    /// `--fail-on` wins over `lint.failOn`, which wins over the default.
    pub fn new(manifest: &Manifest, fail_on_flag: Option<FailOn>) -> Self {
        let settings = manifest.lint.clone().unwrap_or_default();
        Self {
            require_kms: settings.require_kms.unwrap_or(false),
            require_signing: settings.require_signing.unwrap_or(false),
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
