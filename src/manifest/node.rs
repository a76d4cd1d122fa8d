//! The manifest as a YAML tree that remembers where every node came from.
//!
//! serde-saphyr parses the text; every node is wrapped in `Spanned` so each mapping
//! key and value keeps its byte span. Everything later (variables, the schema check,
//! validation) points its diagnostics at these spans. No I/O here.

use crate::diagnostics::{Diagnostic, Span};
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use serde_saphyr::Spanned;
use std::collections::HashMap;
use std::fmt;

#[derive(Clone, Debug, PartialEq)]
pub enum NodeValue {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub value: NodeValue,
    pub span: Span,
    /// Set when `${...}` substitution produced this scalar, so the schema check may read
    /// "3" as the integer 3 the way YAML would have had the value been written in place.
    pub interpolated: bool,
    /// Set when substitution failed; later checks skip the node (its error is reported).
    pub unresolved: bool,
}

impl Node {
    pub fn kind_name(&self) -> &'static str {
        match self.value {
            NodeValue::Null => "null",
            NodeValue::Bool(_) => "a boolean",
            NodeValue::Int(_) => "an integer",
            NodeValue::Float(_) => "a number",
            NodeValue::Str(_) => "a string",
            NodeValue::Seq(_) => "a list",
            NodeValue::Map(_) => "a mapping",
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            NodeValue::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The key's text for mapping keys (scalars only); numbers and booleans print as YAML wrote them.
    pub fn key_text(&self) -> String {
        match &self.value {
            NodeValue::Str(s) => s.clone(),
            NodeValue::Int(i) => i.to_string(),
            NodeValue::Float(f) => f.to_string(),
            NodeValue::Bool(b) => b.to_string(),
            NodeValue::Null => "null".into(),
            NodeValue::Seq(_) | NodeValue::Map(_) => "<complex key>".into(),
        }
    }

    pub fn to_json(&self) -> Value {
        match &self.value {
            NodeValue::Null => Value::Null,
            NodeValue::Bool(b) => Value::Bool(*b),
            NodeValue::Int(i) => Value::from(*i),
            NodeValue::Float(f) => serde_json::Number::from_f64(*f)
                .map(Value::Number)
                .unwrap_or(Value::Null),
            NodeValue::Str(s) => Value::String(s.clone()),
            NodeValue::Seq(items) => Value::Array(items.iter().map(Node::to_json).collect()),
            NodeValue::Map(entries) => Value::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.key_text(), v.to_json()))
                    .collect(),
            ),
        }
    }

    /// Records the span of this node and every descendant under its JSON pointer.
    pub fn index_spans(&self, pointer: &str, into: &mut HashMap<String, Span>) {
        into.insert(pointer.to_string(), self.span);
        match &self.value {
            NodeValue::Seq(items) => {
                for (i, item) in items.iter().enumerate() {
                    item.index_spans(&format!("{pointer}/{i}"), into);
                }
            }
            NodeValue::Map(entries) => {
                for (key, value) in entries {
                    let child = format!("{pointer}/{}", escape_pointer(&key.key_text()));
                    into.insert(format!("{child}#key"), key.span);
                    value.index_spans(&child, into);
                }
            }
            _ => {}
        }
    }
}

/// JSON-pointer escaping of one path segment (RFC 6901).
pub fn escape_pointer(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = NodeValue;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<NodeValue, E> {
        Ok(NodeValue::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<NodeValue, E> {
        Ok(NodeValue::Int(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<NodeValue, E> {
        Ok(i64::try_from(v)
            .map(NodeValue::Int)
            .unwrap_or(NodeValue::Float(v as f64)))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<NodeValue, E> {
        Ok(i64::try_from(v)
            .map(NodeValue::Int)
            .unwrap_or(NodeValue::Float(v as f64)))
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<NodeValue, E> {
        Ok(i64::try_from(v)
            .map(NodeValue::Int)
            .unwrap_or(NodeValue::Float(v as f64)))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<NodeValue, E> {
        Ok(NodeValue::Float(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<NodeValue, E> {
        Ok(NodeValue::Str(v.to_string()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<NodeValue, E> {
        Ok(NodeValue::Str(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<NodeValue, E> {
        Ok(NodeValue::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<NodeValue, E> {
        Ok(NodeValue::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<NodeValue, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<NodeValue, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<SpannedNode>()? {
            items.push(item.0);
        }
        Ok(NodeValue::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<NodeValue, A::Error> {
        let mut entries = Vec::new();
        while let Some((k, v)) = map.next_entry::<SpannedNode, SpannedNode>()? {
            entries.push((k.0, v.0));
        }
        Ok(NodeValue::Map(entries))
    }
}

struct RawValue(NodeValue);

impl<'de> Deserialize<'de> for RawValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NodeVisitor).map(RawValue)
    }
}

struct SpannedNode(Node);

impl<'de> Deserialize<'de> for SpannedNode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let spanned = Spanned::<RawValue>::deserialize(d)?;
        let span = spanned.referenced.span();
        let span = match (span.byte_offset(), span.byte_len()) {
            (Some(offset), Some(len)) => Span::new(offset as usize, len as usize),
            _ => Span::UNKNOWN,
        };
        Ok(SpannedNode(Node {
            value: spanned.value.0,
            span,
            interpolated: false,
            unresolved: false,
        }))
    }
}

/// Parses YAML text into a spanned tree. A syntax error is one located diagnostic.
pub fn parse(source: &str) -> Result<Node, Diagnostic> {
    let options = serde_saphyr::options! {
        duplicate_keys: serde_saphyr::DuplicateKeyPolicy::Error,
    };
    match serde_saphyr::from_str_with_options::<SpannedNode>(source, options) {
        Ok(node) => {
            let mut node = node.0;
            if matches!(node.value, NodeValue::Null) {
                node.span = Span::new(0, source.len().min(1));
            }
            Ok(node)
        }
        Err(error) => {
            let span = error
                .location()
                .and_then(|loc| {
                    let s = loc.span();
                    s.byte_offset()
                        .map(|o| Span::new(o as usize, (s.byte_len().unwrap_or(0) as usize).max(1)))
                        // Some errors carry only a line and column: count to them.
                        .or_else(|| line_column_offset(source, loc.line(), loc.column()))
                })
                .unwrap_or(Span::new(0, 0));
            Err(Diagnostic::error(
                span,
                format!("invalid YAML: {}", first_line(&error)),
            ))
        }
    }
}

/// The byte span of the character at 1-based `line` and `column`, when the text has it.
fn line_column_offset(source: &str, line: u64, column: u64) -> Option<Span> {
    if line == 0 {
        return None;
    }
    let start: usize = source
        .split_inclusive('\n')
        .take(line as usize - 1)
        .map(str::len)
        .sum();
    let text = source.get(start..)?.lines().next().unwrap_or("");
    let at = text
        .char_indices()
        .nth(column.saturating_sub(1) as usize)
        .map_or(text.len(), |(i, _)| i);
    Some(Span::new(start + at, 1))
}

fn first_line(error: &serde_saphyr::Error) -> String {
    let text = error.to_string();
    let line = text.lines().next().unwrap_or("").trim();
    // serde-saphyr appends "at line L column C"; our renderer shows the location itself.
    match line.rfind(" at line ") {
        Some(i) => line[..i].to_string(),
        None => line.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_syntax_error_points_at_its_line() {
        let src = "version: 1\nstack: shop\nrepositories:\n  shop/web: {\n    bad\n";
        let error = parse(src).unwrap_err();
        let before = &src[..error.span.offset];
        assert!(
            before.matches('\n').count() >= 3,
            "{error:?} points at line {}",
            before.matches('\n').count() + 1
        );
    }

    #[test]
    fn spans_point_at_keys_and_values() {
        let src = "stack: shop\nrepositories:\n  shop/web:\n    scanOnPush: true\n";
        let node = parse(src).unwrap();
        let mut spans = HashMap::new();
        node.index_spans("", &mut spans);
        let v = spans["/repositories/shop~1web/scanOnPush"];
        assert_eq!(&src[v.offset..v.offset + v.len], "true");
        let k = spans["/repositories/shop~1web#key"];
        assert_eq!(&src[k.offset..k.offset + k.len], "shop/web");
        let s = spans["/stack"];
        assert_eq!(&src[s.offset..s.offset + s.len], "shop");
    }

    #[test]
    fn syntax_error_is_located() {
        let err = parse("stack: [unclosed\n").unwrap_err();
        assert!(err.span.is_known());
        assert!(err.message.starts_with("invalid YAML"));
    }

    #[test]
    fn duplicate_keys_are_rejected() {
        assert!(parse("a: 1\na: 2\n").is_err());
    }
}
