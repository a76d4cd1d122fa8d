//! Diagnostics for people: each one rendered against the manifest file its span falls
//! in, through miette, so it shows file:line:column with the node underlined. PURE.

use crate::diagnostics::{Diagnostic, Severity, Span, plural};
use crate::manifest::overlay::Sources;
use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceSpan};
use std::fmt;

/// Adapter so one of our diagnostics renders through miette with the source attached.
struct Report<'a> {
    diagnostic: &'a Diagnostic,
    source: NamedSource<String>,
}

impl fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diagnostic.message)
    }
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diagnostic.message)
    }
}

impl std::error::Error for Report<'_> {}

impl miette::Diagnostic for Report<'_> {
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diagnostic.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.diagnostic
            .hint
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.diagnostic
            .span
            .is_known()
            .then_some(&self.source as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if !self.diagnostic.span.is_known() {
            return None;
        }
        let span = self.diagnostic.span;
        let label = self
            .diagnostic
            .label
            .clone()
            .unwrap_or_else(|| "here".to_string());
        Some(Box::new(std::iter::once(LabeledSpan::new_with_span(
            Some(label),
            SourceSpan::from((span.offset, span.len)),
        ))))
    }
}

/// Renders every diagnostic against the file its span falls in, then a count line.
/// `color` selects the themed or plain output; the plain output carries the same
/// information (uv: readable without colour).
pub fn render_diagnostics(sources: &Sources, diagnostics: &[Diagnostic], color: bool) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(100)
        .with_context_lines(1);
    let mut out = String::new();
    for diagnostic in diagnostics {
        let (name, text, local) = match sources.locate(diagnostic.span) {
            Some((file, local)) => (file.name.as_str(), file.text.as_str(), local),
            None => (
                sources.files().first().map_or("", |f| f.name.as_str()),
                "",
                diagnostic.span,
            ),
        };
        let local = Diagnostic {
            span: local,
            ..diagnostic.clone()
        };
        let report = Report {
            diagnostic: &local,
            source: NamedSource::new(name, clamp_source(text, local.span)),
        };
        let _ = handler.render_report(&mut out, &report);
        out.push('\n');
    }
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = diagnostics.len() - errors;
    if errors > 0 || warnings > 0 {
        out.push_str(&format!(
            "{}: {errors} error{}, {warnings} warning{}\n",
            sources.display_name(),
            plural(errors),
            plural(warnings)
        ));
    }
    out
}

/// miette panics on spans past the end of the source; a span at the very end (an
/// unexpected end of file) is widened onto a trailing newline instead.
fn clamp_source(source: &str, span: Span) -> String {
    let mut text = source.to_string();
    if span.is_known() && span.offset + span.len > text.len() {
        text.push_str(&" ".repeat(span.offset + span.len - text.len()));
    }
    text
}
