//! Task-definition normalization (being written; this placeholder compares raw JSON).
use serde_json::Value;

pub fn normalize(td: &Value) -> Value {
    td.clone()
}

pub fn differences(live: &Value, desired: &Value) -> Vec<(String, Value, Value)> {
    if normalize(live) == normalize(desired) {
        Vec::new()
    } else {
        vec![("taskDefinition".into(), normalize(live), normalize(desired))]
    }
}
