//! Manifest loading, PURE: text → spanned YAML tree (several files overlaid, see
//! `overlay`) → variables substituted → the API's own input forms made canonical
//! (`api_forms`) → shape checked against the schema (resources with shape errors set
//! aside, `isolate`) → typed `Manifest` → semantically validated. Every stage collects diagnostics instead of
//! stopping at the first (cargo's raw → real pipeline).

pub mod api_forms;
pub mod ecs_members;
pub mod ecs_schema;
mod isolate;
pub mod model;
pub mod node;
pub mod overlay;
pub mod raw_document;
pub mod schema;
pub mod schema_check;
pub mod spans;
pub mod suppression;
pub mod validate;
pub mod vars;

use crate::diagnostics::{Diagnostic, Diagnostics, Span};
pub use model::Manifest;
pub use overlay::{SourceFile, Sources};
pub use spans::{SpanIndex, pointer};
use std::collections::BTreeMap;
pub use vars::Variables;

#[derive(Clone, Debug)]
pub struct LoadedManifest {
    /// The file names, joined (`base.yaml + prod.yaml`).
    pub file_name: String,
    /// Every file read, in order; spans are offsets into their combined range.
    pub sources: Sources,
    pub manifest: Manifest,
    pub spans: SpanIndex,
    /// Variables the manifest referenced, with the values used (for saved plans).
    pub variables_used: BTreeMap<String, String>,
    /// Warnings found on the way; errors make `load` fail instead.
    pub warnings: Vec<Diagnostic>,
}

/// Why a manifest did not load: every diagnostic found, sorted by position.
#[derive(Clone, Debug)]
pub struct LoadFailure {
    pub diagnostics: Vec<Diagnostic>,
}

/// Loads one manifest file.
pub fn load(
    file_name: &str,
    source: &str,
    vars: &Variables,
) -> Result<LoadedManifest, LoadFailure> {
    load_sources(Sources::single(file_name, source), vars)
}

/// Loads several files as one manifest, each laid over the ones before it.
pub fn load_sources(sources: Sources, vars: &Variables) -> Result<LoadedManifest, LoadFailure> {
    let mut diagnostics = Diagnostics::default();
    let mut merged: Option<node::Node> = None;
    for file in sources.files() {
        let mut tree = match node::parse(&file.text) {
            Ok(tree) => tree,
            Err(mut d) => {
                if d.span.is_known() {
                    d.span.offset += file.base;
                }
                diagnostics.push(d);
                continue;
            }
        };
        overlay::shift(&mut tree, file.base);
        // An empty overlay adds nothing; an empty first file is reported below.
        if matches!(tree.value, node::NodeValue::Null) && merged.is_some() {
            continue;
        }
        merged = Some(match merged {
            None => tree,
            Some(base) => overlay::merge(base, tree),
        });
    }
    if diagnostics.has_errors() {
        return Err(LoadFailure {
            diagnostics: diagnostics.into_sorted(),
        });
    }
    let Some(mut tree) = merged else {
        return Err(LoadFailure {
            diagnostics: vec![Diagnostic::error(Span::UNKNOWN, "no manifest file given")],
        });
    };
    let source = combined_text(&sources);
    let source = source.as_str();
    let mut variables_used = BTreeMap::new();
    vars::interpolate(
        &mut tree,
        source,
        vars,
        &mut variables_used,
        &mut diagnostics,
    );
    if matches!(tree.value, node::NodeValue::Null) {
        diagnostics.push(
            Diagnostic::error(tree.span, "the manifest is empty")
                .with_hint("start with `version: 1` and `stack: NAME`"),
        );
        return Err(LoadFailure {
            diagnostics: diagnostics.into_sorted(),
        });
    }
    api_forms::canonicalize(&mut tree, &mut diagnostics);
    schema_check::SchemaChecker::new(schema::manifest_schema()).check(&mut tree, &mut diagnostics);
    // A shape error inside one resource must not hide what is wrong with the others: the
    // resources holding one are set aside (see `isolate`), and the rest is validated.
    let mut set_aside = Vec::new();
    if diagnostics.has_errors() {
        match isolate::set_aside(&mut tree, &diagnostics) {
            Some(found) => set_aside = found,
            None => {
                return Err(LoadFailure {
                    diagnostics: diagnostics.into_sorted(),
                });
            }
        }
    }
    let mut spans = SpanIndex::default();
    tree.index_spans("", &mut spans.spans);
    let manifest: Manifest = match serde_json::from_value(tree.to_json()) {
        Ok(m) => m,
        // Something set aside still does not read: its shape errors are the report.
        Err(_) if !set_aside.is_empty() => {
            return Err(LoadFailure {
                diagnostics: diagnostics.into_sorted(),
            });
        }
        Err(e) => {
            // The schema check accepts what the decoder accepts; this is a backstop.
            diagnostics.push(Diagnostic::error(
                tree.span,
                format!("cannot read the manifest: {e}"),
            ));
            return Err(LoadFailure {
                diagnostics: diagnostics.into_sorted(),
            });
        }
    };
    if set_aside.is_empty() {
        validate::validate(&manifest, &spans, &mut diagnostics);
    } else {
        let mut semantic = Diagnostics::default();
        validate::validate(&manifest, &spans, &mut semantic);
        diagnostics.extend(
            semantic
                .into_sorted()
                .into_iter()
                .filter(|d| !isolate::about_set_aside(d, &set_aside)),
        );
    }
    let all = diagnostics.into_sorted();
    if all.iter().any(Diagnostic::is_error) {
        return Err(LoadFailure { diagnostics: all });
    }
    Ok(LoadedManifest {
        file_name: sources.display_name(),
        sources,
        manifest,
        spans,
        variables_used,
        warnings: all,
    })
}

/// The files' texts laid out at their bases, so a span reads the same bytes here as in
/// its own file (variable substitution slices raw text by span).
fn combined_text(sources: &Sources) -> String {
    let mut text = String::new();
    for file in sources.files() {
        text.push_str(&file.text);
        text.push('\n');
    }
    text
}

/// Every diagnostic loading `source` reports (warnings or errors), as (severity, message,
/// hint, the text under its span): what validation and lint tests assert on.
#[cfg(test)]
pub(crate) fn diagnostics_with_text(
    source: &str,
) -> Vec<(crate::diagnostics::Severity, String, String, String)> {
    let diagnostics = match load("wharf.yaml", source, &Variables::default()) {
        Ok(loaded) => loaded.warnings,
        Err(failure) => failure.diagnostics,
    };
    diagnostics
        .into_iter()
        .map(|d| {
            let text = source
                .get(d.span.offset..d.span.offset + d.span.len)
                .unwrap_or("<no span>")
                .to_string();
            (d.severity, d.message, d.hint.unwrap_or_default(), text)
        })
        .collect()
}
