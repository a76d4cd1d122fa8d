//! An ECS lint finding before it is placed: the rule, what it is about, and where in the
//! task definition or service it is (a member, or a member of a named container). PURE;
//! the task definition's and the service's rules build these, `lint::ecs` places them in
//! the manifest or names the live object.

use crate::lint::finding::Source;
use crate::lint::rules::Rule;
use serde_json::{Map, Value};

/// Where in a task definition or service a finding is, relative to the object.
pub(crate) enum Spot {
    /// A member path such as `/networkMode`.
    At(String),
    /// Inside the container named `name` (at `index` in this object), then `rest`.
    Container {
        name: String,
        index: usize,
        rest: String,
    },
}

pub(crate) struct Raw {
    pub(crate) rule: &'static Rule,
    pub(crate) subject: String,
    pub(crate) message: String,
    pub(crate) hint: String,
    pub(crate) spot: Spot,
}

pub(crate) fn raw(
    rule: &'static Rule,
    subject: String,
    message: String,
    hint: String,
    spot: Spot,
) -> Raw {
    Raw {
        rule,
        subject,
        message,
        hint,
        spot,
    }
}

pub(crate) fn str_at<'v>(object: &'v Map<String, Value>, key: &str) -> Option<&'v str> {
    object.get(key).and_then(Value::as_str)
}

pub(crate) fn containers(task: &Map<String, Value>) -> Vec<(usize, &Map<String, Value>)> {
    task.get("containerDefinitions")
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .enumerate()
                .filter_map(|(i, c)| c.as_object().map(|c| (i, c)))
                .collect()
        })
        .unwrap_or_default()
}

pub(crate) fn lead(source: Source) -> &'static str {
    match source {
        Source::Manifest => "",
        Source::Live => "In AWS, ",
    }
}
