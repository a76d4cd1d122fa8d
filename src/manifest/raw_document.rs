//! The schema of a document the manifest takes either inline (as YAML) or as a JSON
//! string: policies and lifecycle policies. PURE, and a leaf of the manifest model.

use schemars::JsonSchema;
use serde_json::Value;

/// A JSON document given inline as YAML or as a JSON string.
#[derive(JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub(crate) enum RawDocument {
    Object(serde_json::Map<String, Value>),
    Text(String),
}
