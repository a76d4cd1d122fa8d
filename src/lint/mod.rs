//! `wharf lint`, PURE: security findings over the manifest's effective settings (after
//! `defaults` are applied) and, when the command read it, over live AWS state. Each
//! finding names its rule (id, severity, Security Hub controls, checkov checks: `rules`),
//! the resource address, where the manifest sets the value (or the resource's key when
//! the problem is an omission), a message and a hint. Suppressions and the failure
//! threshold are applied here; `text`, `json` and `sarif` render the resulting `Report`.
//! No I/O: the command reads the files and AWS and hands the values in.
pub(crate) mod ecs;
pub(crate) mod ecs_raw;
pub mod json;
pub(crate) mod policy;
pub mod rules;
pub mod sarif;
mod suppress;
pub mod text;

use crate::diagnostics::Span;
use crate::live::LiveSnapshot;
use crate::manifest::model::Manifest;
use crate::manifest::overlay::Sources;
use crate::manifest::spans::SpanIndex;
pub use rules::{Kind, Rule, Severity};
pub use suppress::validate_manifest;

pub mod finding;
pub use finding::{FailOn, Finding, Format, Location, Options, Source};

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
    /// With `--live`: per repository, the images in use its lifecycle policy in place
    /// would expire or archive now.
    pub in_use: &'a [(String, Vec<crate::plan::InUseImage>)],
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
    findings.extend(crate::kinds::registry::lint::manifest(
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
        from_live.extend(crate::kinds::repository::lint::in_use(
            m,
            input.spans,
            input.in_use,
        ));
        from_live.extend(crate::kinds::registry::lint::live(m, input.spans, live));
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

#[cfg(test)]
mod tests;
