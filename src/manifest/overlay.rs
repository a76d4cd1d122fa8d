//! Environments: several manifest files (`-f base.yaml -f prod.yaml`) merged into one
//! tree before anything else looks at it. Later files win; mappings merge key by key,
//! all the way down; lists and scalars replace whole; a `null` in a later file removes
//! the key. Each file keeps its own stretch of one combined byte range, so every span
//! (and so every diagnostic) still says which file and line a value came from. PURE.

use super::node::{Node, NodeValue};
use crate::diagnostics::Span;

/// One manifest file and where its bytes sit in the combined range.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceFile {
    pub name: String,
    pub text: String,
    /// Offset of this file's first byte in the combined range.
    pub base: usize,
}

/// The files of one load, in order. Spans are offsets into their concatenation.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Sources {
    files: Vec<SourceFile>,
}

impl Sources {
    pub fn new(files: impl IntoIterator<Item = (String, String)>) -> Self {
        let mut base = 0;
        let files = files
            .into_iter()
            .map(|(name, text)| {
                let file = SourceFile { name, text, base };
                // One byte between files, so no span of one file ends where the next begins.
                base += file.text.len() + 1;
                file
            })
            .collect();
        Self { files }
    }

    pub fn single(name: &str, text: &str) -> Self {
        Self::new([(name.to_string(), text.to_string())])
    }

    pub fn files(&self) -> &[SourceFile] {
        &self.files
    }

    /// The file a span falls in and the span relative to that file.
    pub fn locate(&self, span: Span) -> Option<(&SourceFile, Span)> {
        if !span.is_known() {
            return None;
        }
        let file = self.files.iter().rev().find(|f| f.base <= span.offset)?;
        Some((file, Span::new(span.offset - file.base, span.len)))
    }

    /// `file:line:column` (1-based) for a span, for reports that are not miette's.
    pub fn position(&self, span: Span) -> Option<(String, usize, usize)> {
        let (file, local) = self.locate(span)?;
        let before = &file.text[..local.offset.min(file.text.len())];
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        Some((file.name.clone(), line, column))
    }

    /// The text a span covers, wherever it is.
    pub fn slice(&self, span: Span) -> Option<&str> {
        let (file, local) = self.locate(span)?;
        file.text.get(local.offset..local.offset + local.len)
    }

    /// The names, joined for messages: `base.yaml + prod.yaml`.
    pub fn display_name(&self) -> String {
        self.files
            .iter()
            .map(|f| f.name.as_str())
            .collect::<Vec<_>>()
            .join(" + ")
    }
}

/// Moves every span of a tree parsed from one file into the combined range.
pub fn shift(node: &mut Node, base: usize) {
    if node.span.is_known() {
        node.span.offset += base;
    }
    match &mut node.value {
        NodeValue::Seq(items) => items.iter_mut().for_each(|item| shift(item, base)),
        NodeValue::Map(entries) => {
            for (key, value) in entries {
                shift(key, base);
                shift(value, base);
            }
        }
        _ => {}
    }
}

/// `top` laid over `base`: mappings merge recursively (the merged mapping takes the later
/// file's span), a `null` value deletes the key, anything else replaces.
pub fn merge(base: Node, top: Node) -> Node {
    match (base.value, top.value) {
        (NodeValue::Map(mut entries), NodeValue::Map(overrides)) => {
            for (key, value) in overrides {
                let name = key.key_text();
                let existing = entries.iter().position(|(k, _)| k.key_text() == name);
                match (existing, &value.value) {
                    (Some(i), NodeValue::Null) => {
                        entries.remove(i);
                    }
                    (None, NodeValue::Null) => {}
                    (Some(i), _) => {
                        let (_, old) = entries.remove(i);
                        entries.insert(i, (key, merge(old, value)));
                    }
                    (None, _) => entries.push((key, value)),
                }
            }
            Node {
                value: NodeValue::Map(entries),
                ..top
            }
        }
        (_, value) => Node { value, ..top },
    }
}

#[cfg(test)]
mod tests {
    use super::super::node::parse;
    use super::*;

    fn load(files: &[(&str, &str)]) -> (Sources, Node) {
        let sources = Sources::new(files.iter().map(|(n, t)| (n.to_string(), t.to_string())));
        let mut merged: Option<Node> = None;
        for file in sources.files() {
            let mut tree = parse(&file.text).unwrap();
            shift(&mut tree, file.base);
            merged = Some(match merged {
                None => tree,
                Some(base) => merge(base, tree),
            });
        }
        (sources, merged.unwrap())
    }

    #[test]
    fn later_files_win_maps_merge_lists_replace_null_removes() {
        let (_, tree) = load(&[
            (
                "base.yaml",
                "stack: shop\ndefaults:\n  tags: { team: shop, env: dev }\nlist: [a, b]\ngone: 1\nkeep: 2\n",
            ),
            (
                "prod.yaml",
                "defaults:\n  tags: { env: prod }\nlist: [c]\ngone: null\nnew: 3\n",
            ),
        ]);
        assert_eq!(
            tree.to_json(),
            serde_json::json!({
                "stack": "shop",
                "defaults": { "tags": { "team": "shop", "env": "prod" } },
                "list": ["c"],
                "keep": 2,
                "new": 3
            })
        );
    }

    #[test]
    fn spans_name_the_file_each_value_came_from() {
        let (sources, tree) = load(&[
            ("base.yaml", "stack: shop\ntags: { team: shop, env: dev }\n"),
            ("prod.yaml", "tags:\n  env: prod\n"),
        ]);
        let mut spans = std::collections::HashMap::new();
        tree.index_spans("", &mut spans);
        let env = spans["/tags/env"];
        assert_eq!(sources.slice(env), Some("prod"));
        assert_eq!(sources.position(env), Some(("prod.yaml".to_string(), 2, 8)));
        let team = spans["/tags/team"];
        assert_eq!(sources.slice(team), Some("shop"));
        assert_eq!(
            sources.position(team),
            Some(("base.yaml".to_string(), 2, 15))
        );
        assert_eq!(sources.display_name(), "base.yaml + prod.yaml");
    }

    #[test]
    fn a_scalar_over_a_map_replaces_it() {
        let (_, tree) = load(&[("a.yaml", "x: { y: 1 }\n"), ("b.yaml", "x: 2\n")]);
        assert_eq!(tree.to_json(), serde_json::json!({ "x": 2 }));
    }
}
