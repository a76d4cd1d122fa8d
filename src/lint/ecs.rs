//! ECS rules (WHARF-ECS-*) over task definitions and services: runs each kind's checks
//! (`kinds/task_definition/lint.rs`, `kinds/service/lint.rs`) on the manifest's objects
//! and, with `--live`, on what ECS holds, and places each finding. The manifest's objects
//! have the shape of the ECS API input and DescribeTaskDefinition / DescribeServices
//! return the same shape, so one set of checks reads both; only where a finding points
//! differs.

use crate::diagnostics::Span;
use crate::kinds::common::OWNERSHIP_TAG;
use crate::kinds::service;
use crate::kinds::task_definition;
use crate::lint::ecs_raw::{Raw, Spot, containers, str_at};
use crate::lint::finding::{Finding, Source, child, exact};
use crate::live::LiveSnapshot;
use crate::manifest::model::ApiObject;
use crate::manifest::model::Manifest;
use crate::manifest::spans::{SpanIndex, pointer};

/// The manifest span of a spot in the object at `base` (a manifest object); a member the
/// object leaves out points at its key.
fn manifest_span(spans: &SpanIndex, base: &str, spot: &Spot) -> Span {
    match spot {
        Spot::At(path) => exact(spans, &format!("{base}{path}")).unwrap_or_else(|| spans.key(base)),
        Spot::Container { index, rest, .. } => container_span(spans, base, *index, rest),
    }
}

/// A member of the container at `index`; when the container leaves it out, the
/// container's name.
fn container_span(spans: &SpanIndex, base: &str, index: usize, rest: &str) -> Span {
    let container = child(base, &["containerDefinitions", &index.to_string()]);
    exact(spans, &format!("{container}{rest}"))
        .or_else(|| exact(spans, &child(&container, &["name"])))
        .unwrap_or_else(|| spans.at(&container))
}

/// For a live finding on a declared object: the same place in the manifest, finding
/// containers by name (AWS's order is the registered order, but names are what match).
fn live_span(spans: &SpanIndex, base: &str, declared: &ApiObject, spot: &Spot) -> Span {
    match spot {
        Spot::Container { name, rest, .. } => {
            match containers(declared)
                .iter()
                .find(|(_, c)| str_at(c, "name") == Some(name))
            {
                Some((index, _)) => container_span(spans, base, *index, rest),
                None => spans.key(base),
            }
        }
        other => manifest_span(spans, base, other),
    }
}

fn into_finding(raw: Raw, source: Source, address: String, span: Option<Span>) -> Finding {
    let mut f = Finding::new(raw.rule, source, address);
    f.subject = raw.subject;
    f.message = raw.message;
    f.hint = raw.hint;
    f.span = span;
    f
}

pub(super) fn manifest(m: &Manifest, spans: &SpanIndex) -> Vec<Finding> {
    let mut out = Vec::new();
    for (family, task) in &m.ecs.task_definitions {
        let base = pointer(&["ecs", "taskDefinitions", family]);
        for r in crate::kinds::task_definition::lint::task_checks(m, family, task, Source::Manifest)
        {
            let span = manifest_span(spans, &base, &r.spot);
            out.push(into_finding(
                r,
                Source::Manifest,
                task_definition::address(family),
                Some(span),
            ));
        }
    }
    for (name, svc) in &m.ecs.services {
        let base = pointer(&["ecs", "services", name]);
        for r in crate::kinds::service::lint::service_checks(name, svc, Source::Manifest) {
            let span = manifest_span(spans, &base, &r.spot);
            out.push(into_finding(
                r,
                Source::Manifest,
                service::address(name),
                Some(span),
            ));
        }
    }
    out
}

pub(super) fn live(m: &Manifest, spans: &SpanIndex, live: &LiveSnapshot) -> Vec<Finding> {
    let mut out = Vec::new();
    for (family, have) in &live.task_definitions {
        let declared = m.ecs.task_definitions.get(family);
        let owned = have.tags.get(OWNERSHIP_TAG) == Some(&m.stack);
        let Some(document) = have.document.as_object() else {
            continue;
        };
        if declared.is_none() && !owned {
            continue;
        }
        let base = pointer(&["ecs", "taskDefinitions", family]);
        for r in crate::kinds::task_definition::lint::task_checks(m, family, document, Source::Live)
        {
            let span = declared.map(|d| live_span(spans, &base, d, &r.spot));
            out.push(into_finding(
                r,
                Source::Live,
                task_definition::address(family),
                span,
            ));
        }
    }
    for (name, have) in &live.services {
        let declared = m.ecs.services.get(name);
        let owned = have.tags.get(OWNERSHIP_TAG) == Some(&m.stack);
        let Some(document) = have.document.as_object() else {
            continue;
        };
        if (declared.is_none() && !owned) || have.status != "ACTIVE" {
            continue;
        }
        let base = pointer(&["ecs", "services", name]);
        for r in crate::kinds::service::lint::service_checks(name, document, Source::Live) {
            let span = declared.map(|d| live_span(spans, &base, d, &r.spot));
            out.push(into_finding(r, Source::Live, service::address(name), span));
        }
    }
    out
}
