//! A service as a manifest entry, PURE: the CreateService input less AWS's filled-in
//! defaults (`with_defaults`, the rule that makes a converged plan empty), with its task
//! definition named by family when that family is exported.

use crate::export::ecs::{Members, compact, insert_tags};
use crate::export::scope::Scope;
use crate::kinds::service::{MANAGED_MEMBERS, live_members, with_defaults};
use crate::kinds::task_definition::short_arn;
use crate::live::LiveService;
use crate::manifest::model::ApiObject;
use serde_json::{Value, json};
use std::collections::BTreeMap;

pub fn service(live: &LiveService, scope: &Scope) -> ApiObject {
    let mut members: BTreeMap<String, Value> = live_members(&live.document)
        .into_iter()
        .filter_map(|(k, v)| compact(&v).map(|v| (k, v)))
        .collect();
    // ENABLED is what CreateService gives a service that does not say (see
    // `service::COMPARED_WHEN_STATED`); DISABLED is worth writing down.
    if members.get("availabilityZoneRebalancing") == Some(&json!("ENABLED")) {
        members.remove("availabilityZoneRebalancing");
    }
    // ECS's service-linked role is what a service without `role` uses; it cannot be given.
    if members
        .get("role")
        .and_then(Value::as_str)
        .is_some_and(|arn| arn.contains(":role/aws-service-role/"))
    {
        members.remove("role");
    }
    if let Some(Value::String(arn)) = members.get("taskDefinition") {
        let short = short_arn(arn).to_string();
        // The family alone means its latest ACTIVE revision: use it when that is the one
        // the service runs and the family is exported too.
        let family = short
            .rsplit_once(':')
            .filter(|(family, revision)| {
                scope.families.get(*family).map(i64::to_string).as_deref() == Some(revision)
            })
            .map(|(family, _)| family.to_string());
        members.insert("taskDefinition".into(), json!(family.unwrap_or(short)));
    }
    let fargate = members.get("launchType") == Some(&json!("FARGATE"));
    let members = without_defaults(members, fargate);
    let mut out = ApiObject::new();
    out.insert("cluster".into(), json!(live.cluster));
    // CreateService's order, as `MANAGED_MEMBERS` lists it.
    for key in MANAGED_MEMBERS {
        if let Some(value) = members.get(*key) {
            out.insert(key.to_string(), value.clone());
        }
    }
    insert_tags(&mut out, &live.tags);
    out
}

/// Leaves out every member (at any depth) that `with_defaults` would fill back in with
/// the same value, so the manifest says only what differs from AWS's defaults.
fn without_defaults(members: Members, fargate: bool) -> Members {
    let target = filled(&members, fargate);
    let mut out = members;
    strip(&mut out, &[], fargate, &target);
    out
}

fn filled(members: &Members, fargate: bool) -> Members {
    let mut members = members.clone();
    with_defaults(&mut members, fargate);
    members
}

/// Removes each member at `path` whose removal `with_defaults` undoes; for one that is
/// not a default as a whole, tries its own members.
fn strip(members: &mut Members, path: &[String], fargate: bool, target: &Members) {
    let keys: Vec<String> = if path.is_empty() {
        members.keys().cloned().collect()
    } else {
        match at(members, path) {
            Some(Value::Object(map)) => map.keys().cloned().collect(),
            _ => return,
        }
    };
    for key in keys {
        let mut trial = members.clone();
        if path.is_empty() {
            trial.remove(&key);
        } else if let Some(Value::Object(map)) = at_mut(&mut trial, path) {
            map.remove(&key);
        }
        if filled(&trial, fargate) == *target {
            *members = trial;
        } else {
            let mut deeper = path.to_vec();
            deeper.push(key);
            strip(members, &deeper, fargate, target);
        }
    }
}

fn at<'a>(members: &'a Members, path: &[String]) -> Option<&'a Value> {
    let (first, rest) = path.split_first()?;
    rest.iter()
        .try_fold(members.get(first)?, |value, key| value.get(key))
}

fn at_mut<'a>(members: &'a mut Members, path: &[String]) -> Option<&'a mut Value> {
    let (first, rest) = path.split_first()?;
    rest.iter()
        .try_fold(members.get_mut(first)?, |value, key| value.get_mut(key))
}
