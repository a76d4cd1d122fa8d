//! Fingerprints of live objects, for saved plans: per object (by plan address) and per
//! field, a short digest of what AWS held. `apply PLANFILE` fingerprints what it reads
//! again and refuses when an object it will touch moved, naming the object and the
//! fields. Fields AWS changes on its own (each kind lists them as `VOLATILE_MEMBERS`) are left out,
//! so a service that is merely running never makes a plan stale. PURE.

use crate::kinds::Kind;
use crate::live::LiveSnapshot;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// Field name → digest of its value.
pub type ObjectFingerprint = BTreeMap<String, String>;

/// Address → the fingerprint of the object there, for every object the snapshot holds.
pub type Fingerprints = BTreeMap<String, ObjectFingerprint>;

/// Bookkeeping of wharf's own reads, not state of the object.
const WHARF_VOLATILE: &[&str] = &["detailsRead"];

pub fn fingerprints(live: &LiveSnapshot) -> Fingerprints {
    let mut out = Fingerprints::new();
    macro_rules! every_kind {
        ($($variant:ident $module:ident $operation:ident $kind:ident,)*) => {
            $({
                type K = crate::kinds::$module::$kind;
                for (address, object) in K::live_objects(live) {
                    out.insert(address, fingerprint(&object, K::VOLATILE));
                }
            })*
        };
    }
    crate::with_kinds!(every_kind);
    out
}

/// One digest per top-level field; an AWS `document` contributes its own members.
fn fingerprint(object: &Value, volatile: &[&str]) -> ObjectFingerprint {
    let mut fields = ObjectFingerprint::new();
    let Value::Object(members) = object else {
        fields.insert(String::new(), digest(object));
        return fields;
    };
    for (name, value) in members {
        if WHARF_VOLATILE.contains(&name.as_str()) {
            continue;
        }
        match (name.as_str(), value) {
            ("document", Value::Object(document)) => {
                for (member, inner) in document {
                    if !volatile.contains(&member.as_str()) {
                        fields.insert(member.clone(), digest(inner));
                    }
                }
            }
            _ if volatile.contains(&name.as_str()) => {}
            _ => {
                fields.insert(name.clone(), digest(value));
            }
        }
    }
    fields
}

/// A short digest of a value, independent of key order (AWS does not promise one).
fn digest(value: &Value) -> String {
    let canonical = canonical(value).to_string();
    let hash = Sha256::digest(canonical.as_bytes());
    hash.iter().take(12).map(|b| format!("{b:02x}")).collect()
}

fn canonical(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let sorted: BTreeMap<&String, Value> =
                map.iter().map(|(k, v)| (k, canonical(v))).collect();
            Value::Object(sorted.into_iter().map(|(k, v)| (k.clone(), v)).collect())
        }
        Value::Array(items) => Value::Array(items.iter().map(canonical).collect()),
        other => other.clone(),
    }
}

/// How one object moved between two fingerprints, for the refusal message.
pub fn moved(
    before: Option<&ObjectFingerprint>,
    after: Option<&ObjectFingerprint>,
) -> Option<String> {
    match (before, after) {
        (None, None) => None,
        (None, Some(_)) => Some("was created".into()),
        (Some(_), None) => Some("was deleted".into()),
        (Some(before), Some(after)) => {
            let mut fields: Vec<&str> = before
                .iter()
                .filter(|(k, v)| after.get(*k) != Some(*v))
                .map(|(k, _)| k.as_str())
                .chain(
                    after
                        .keys()
                        .filter(|k| !before.contains_key(*k))
                        .map(String::as_str),
                )
                .collect();
            fields.sort_unstable();
            fields.dedup();
            (!fields.is_empty()).then(|| format!("{} changed", fields.join(", ")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::{LiveRepository, LiveService};
    use serde_json::json;

    fn repo(mutability: &str, lifecycle: Option<&str>) -> LiveRepository {
        LiveRepository {
            name: "shop/web".into(),
            arn: "arn:aws:ecr:eu-west-1:123456789012:repository/shop/web".into(),
            image_tag_mutability: mutability.into(),
            lifecycle_policy: lifecycle.map(str::to_string),
            details_read: true,
            ..Default::default()
        }
    }

    fn snapshot(repos: &[LiveRepository]) -> LiveSnapshot {
        LiveSnapshot {
            repositories: repos.iter().map(|r| (r.name.clone(), r.clone())).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn a_changed_field_is_named() {
        let before = fingerprints(&snapshot(&[repo("MUTABLE", Some(r#"{"rules":[]}"#))]));
        let after = fingerprints(&snapshot(&[repo("MUTABLE", Some(r#"{"rules":[1]}"#))]));
        let address = "ecr.repository.shop/web";
        assert_eq!(
            moved(before.get(address), after.get(address)).as_deref(),
            Some("lifecyclePolicy changed")
        );
        assert_eq!(moved(before.get(address), before.get(address)), None);
        assert_eq!(
            moved(None, after.get(address)).as_deref(),
            Some("was created")
        );
        assert_eq!(
            moved(before.get(address), None).as_deref(),
            Some("was deleted")
        );
    }

    #[test]
    fn key_order_and_running_counts_do_not_move_a_service() {
        let service = |document: Value| LiveService {
            name: "web".into(),
            cluster: "shop".into(),
            status: "ACTIVE".into(),
            document,
            ..Default::default()
        };
        let a = service(
            json!({"desiredCount": 2, "runningCount": 0, "launchType": "FARGATE",
            "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["a"], "assignPublicIp": "DISABLED"}}}),
        );
        let b = service(
            json!({"launchType": "FARGATE", "runningCount": 2, "desiredCount": 2,
            "networkConfiguration": {"awsvpcConfiguration": {"assignPublicIp": "DISABLED", "subnets": ["a"]}},
            "events": [{"message": "steady state"}]}),
        );
        let c = service(json!({"desiredCount": 3, "launchType": "FARGATE",
            "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["a"], "assignPublicIp": "DISABLED"}}}));
        let print = |s: &LiveService| {
            fingerprints(&LiveSnapshot {
                services: [(s.name.clone(), s.clone())].into(),
                ..Default::default()
            })
            .remove("ecs.service.web")
        };
        assert_eq!(moved(print(&a).as_ref(), print(&b).as_ref()), None);
        assert_eq!(
            moved(print(&a).as_ref(), print(&c).as_ref()).as_deref(),
            Some("desiredCount changed")
        );
    }
}
