//! The manifest's JSON Schema (draft-07), generated from the raw types in `model`. The
//! same value is written to `schemas/wharf.schema.json` and walked by the structural check.

use super::model::Manifest;
use serde_json::Value;
use std::sync::OnceLock;

pub fn manifest_schema() -> &'static Value {
    static SCHEMA: OnceLock<Value> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let generator = schemars::generate::SchemaSettings::draft07().into_generator();
        let schema = generator.into_root_schema_for::<Manifest>();
        serde_json::to_value(schema).expect("a generated schema is valid JSON")
    })
}

/// The schema as committed: pretty JSON with a trailing newline.
pub fn manifest_schema_text() -> String {
    let mut text = serde_json::to_string_pretty(manifest_schema()).expect("schema serializes");
    text.push('\n');
    text
}
