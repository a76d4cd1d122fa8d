//! A cluster as a manifest entry, PURE: the CreateCluster input less what AWS reports on
//! its own.

use crate::export::ecs::{compact, insert_tags};
use crate::live::LiveCluster;
use crate::manifest::model::ApiObject;
use serde_json::{Value, json};

pub fn cluster(live: &LiveCluster) -> ApiObject {
    let doc = &live.document;
    let mut out = ApiObject::new();
    // AWS reports containerInsights "disabled" when nobody set it; the plan reads an
    // absent setting the same way.
    let settings: Vec<Value> = doc["settings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|s| !(s["name"] == "containerInsights" && s["value"] == "disabled"))
        .filter_map(compact)
        .collect();
    if !settings.is_empty() {
        out.insert("settings".into(), Value::Array(settings));
    }
    for member in [
        "configuration",
        "capacityProviders",
        "serviceConnectDefaults",
    ] {
        if let Some(value) = doc.get(member).and_then(compact) {
            out.insert(member.into(), value);
        }
    }
    // `base: 0` is AWS's default for a strategy item.
    let strategy: Vec<Value> = doc["defaultCapacityProviderStrategy"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(compact)
        .map(|mut item| {
            if item["base"] == json!(0)
                && let Some(map) = item.as_object_mut()
            {
                map.remove("base");
            }
            item
        })
        .collect();
    if !strategy.is_empty() {
        out.insert(
            "defaultCapacityProviderStrategy".into(),
            Value::Array(strategy),
        );
    }
    insert_tags(&mut out, &live.tags);
    out
}
