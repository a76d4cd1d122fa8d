//! The unmanaged section of a drift report (`drift --include-unmanaged`): resources no
//! wharf stack owns, listed for information after the drift itself, in each format.
//! PURE, and deterministic: the list arrives sorted, and nothing volatile is shown.

use super::resources;
use crate::export::unmanaged::UnmanagedResource;
use crate::plan::Plan;
use serde::Serialize;
use std::fmt::Write;

/// Markdown shows at most this many, so a big account cannot swamp a comment.
const MARKDOWN_MAX: usize = 100;

/// What the list is, after its count ("3 resources ...").
const EXPLANATION: &str =
    "no wharf stack owns (no wharf:stack tag), listed for information and never changed";

fn line(resource: &UnmanagedResource) -> String {
    match &resource.cluster {
        Some(cluster) => format!("{} (cluster {cluster})", resource.address),
        None => resource.address.clone(),
    }
}

pub(super) fn text(list: &[UnmanagedResource]) -> String {
    let mut out = String::new();
    if list.is_empty() {
        out.push_str(
            "\nUnmanaged: none. Every resource of the kinds wharf manages has an owner.\n",
        );
        return out;
    }
    let _ = writeln!(out, "\nUnmanaged: {} {EXPLANATION}:", resources(list.len()));
    for resource in list {
        let _ = writeln!(out, "  {}", line(resource));
    }
    out.push_str("Adopt them with `wharf export`, then `wharf apply --adopt`.\n");
    out
}

pub(super) fn markdown(list: &[UnmanagedResource]) -> String {
    let mut out = String::from("\n#### Unmanaged resources\n\n");
    if list.is_empty() {
        out.push_str("None: every resource of the kinds wharf manages has an owner.\n");
        return out;
    }
    let _ = writeln!(out, "{} {EXPLANATION}:\n", resources(list.len()));
    for resource in list.iter().take(MARKDOWN_MAX) {
        let _ = match &resource.cluster {
            Some(cluster) => writeln!(out, "- `{}` (cluster `{cluster}`)", resource.address),
            None => writeln!(out, "- `{}`", resource.address),
        };
    }
    if list.len() > MARKDOWN_MAX {
        let _ = writeln!(
            out,
            "- ... and {} more (`wharf drift --include-unmanaged` lists them all)",
            list.len() - MARKDOWN_MAX
        );
    }
    out.push_str("\nAdopt them with `wharf export`, then `wharf apply --adopt`.\n");
    out
}

/// The plan JSON with an `unmanaged` list after its own members.
#[derive(Serialize)]
struct Report<'a> {
    #[serde(flatten)]
    plan: &'a Plan,
    unmanaged: &'a [UnmanagedResource],
}

pub(super) fn json(plan: &Plan, list: &[UnmanagedResource]) -> String {
    let report = Report {
        plan,
        unmanaged: list,
    };
    serde_json::to_string_pretty(&report).expect("a drift report serializes") + "\n"
}
