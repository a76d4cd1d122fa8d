//! Where each manifest node came from: the byte span of every node by its JSON pointer,
//! and building pointers. PURE, and a leaf of the manifest: validation, lint and every
//! kind point diagnostics at nodes through it.

use crate::diagnostics::Span;
use std::collections::HashMap;

/// Where each manifest node came from, by JSON pointer (`/repositories/shop~1web/tags`).
/// A key's own span is stored under `POINTER#key`.
#[derive(Clone, Debug, Default)]
pub struct SpanIndex {
    pub(crate) spans: HashMap<String, Span>,
}

impl SpanIndex {
    /// The span of the node at `pointer`, or of its nearest ancestor that exists (a value
    /// that came from `defaults` points at the resource that inherited it).
    pub fn at(&self, pointer: &str) -> Span {
        let mut current = pointer;
        loop {
            if let Some(span) = self.spans.get(current) {
                return *span;
            }
            match current.rfind('/') {
                Some(i) => current = &current[..i],
                None => return self.spans.get("").copied().unwrap_or(Span::new(0, 0)),
            }
        }
    }

    /// The span of the mapping key at `pointer` (falls back to the value).
    pub fn key(&self, pointer: &str) -> Span {
        self.spans
            .get(&format!("{pointer}#key"))
            .copied()
            .unwrap_or_else(|| self.at(pointer))
    }

    pub fn contains(&self, pointer: &str) -> bool {
        self.spans.contains_key(pointer)
    }
}

/// JSON pointer for a path of segments, escaping each.
pub fn pointer(segments: &[&str]) -> String {
    segments
        .iter()
        .map(|s| format!("/{}", super::node::escape_pointer(s)))
        .collect()
}
