//! IAM-style policy documents (repository policies now, registry and IAM policies later):
//! parsing raw documents, compiling the `pull` short form, and normalizing so documents
//! that mean the same compare equal.

use crate::manifest::model::Pull;
use serde_json::Value;

/// Parses a raw document given as a YAML/JSON object or as JSON text.
pub fn parse_document(value: &Value) -> Result<Value, String> {
    match value {
        Value::String(text) => serde_json::from_str(text).map_err(|e| e.to_string()),
        other => Ok(other.clone()),
    }
}

/// The repository policy the manifest asks for: `pull`'s statement merged with raw statements.
pub fn repository_policy(_pull: Option<&Pull>, _raw: Option<&Value>) -> Option<Value> {
    None
}

/// Normalizes a policy document so that documents meaning the same compare equal.
pub fn normalize(doc: &Value) -> Value {
    doc.clone()
}
