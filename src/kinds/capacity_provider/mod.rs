//! ECS capacity providers on Auto Scaling groups (`ecs.capacity_provider.NAME`): the
//! CreateCapacityProvider input, compared with DescribeCapacityProviders and brought in
//! line with UpdateCapacityProvider (managed scaling, termination protection, draining)
//! and tag calls. Clusters associate them by name (`capacityProviders`), and services
//! name them in their strategies; the registry creates them before clusters and deletes
//! them after. Deleted only with `--prune`, and only when this stack's tag says it owns
//! them.
//!
//! A provider belongs to its Auto Scaling group for life: UpdateCapacityProvider cannot
//! change `autoScalingGroupArn`, and a provider being deleted keeps its name for a while,
//! so a new group is a new provider (a conflict says so). Members the manifest leaves out
//! are AWS's to choose and are not compared (ECS documents only some of its defaults).

pub mod export;
pub mod io;
pub mod live;
pub mod operation;
pub mod validate;

use crate::kinds::common::{Context, KindPlan};
use crate::kinds::reconcile::{Ownership, Reconcile, not_declared, reconcile};
use crate::live::LiveSnapshot;
use crate::manifest::model::{ApiObject, Manifest};
use crate::plan::{Change, FieldChange, Operation};
use live::LiveCapacityProvider;
pub use operation::CapacityProviderOperation;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

pub const ADDRESS_PREFIX: &str = operation::ENTRY.prefix;

/// The providers every account has, which nobody creates or deletes.
pub const FARGATE_PROVIDERS: [&str; 2] = ["FARGATE", "FARGATE_SPOT"];

pub fn address(name: &str) -> String {
    format!("{ADDRESS_PREFIX}{name}")
}

/// What the manifest asks of one provider.
#[derive(Clone, Debug, PartialEq)]
pub struct DesiredCapacityProvider {
    pub name: String,
    /// `autoScalingGroupProvider`, as the manifest states it.
    pub group: Value,
    pub tags: BTreeMap<String, String>,
}

pub fn desired(manifest: &Manifest, name: &str, provider: &ApiObject) -> DesiredCapacityProvider {
    DesiredCapacityProvider {
        name: name.to_string(),
        group: without_nulls(
            provider
                .get("autoScalingGroupProvider")
                .unwrap_or(&Value::Null),
        ),
        tags: crate::kinds::common::declared_tags(manifest, provider),
    }
}

fn without_nulls(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), without_nulls(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// `live` reduced to the members `want` states, at every depth: what the manifest leaves
/// out is not compared.
pub fn stated_part(live: &Value, want: &Value) -> Value {
    match (live, want) {
        (Value::Object(have), Value::Object(wanted)) => Value::Object(
            wanted
                .iter()
                .filter_map(|(k, w)| have.get(k).map(|h| (k.clone(), stated_part(h, w))))
                .collect::<Map<String, Value>>(),
        ),
        (have, _) => have.clone(),
    }
}

fn create_input(want: &DesiredCapacityProvider) -> Value {
    json!({
        "name": want.name,
        "autoScalingGroupProvider": want.group,
        "tags": want.tags.iter().map(|(k, v)| json!({"key": k, "value": v})).collect::<Vec<_>>(),
    })
}

fn create(want: &DesiredCapacityProvider) -> Change {
    crate::kinds::common::create_because_missing(
        address(&want.name),
        crate::kinds::common::NOT_PRESENT,
        vec![FieldChange::new(
            "autoScalingGroupProvider",
            Value::Null,
            want.group.clone(),
        )],
        vec![Operation::CapacityProvider(
            CapacityProviderOperation::CreateCapacityProvider {
                name: want.name.clone(),
                input: create_input(want),
            },
        )],
    )
}

fn diff(
    want: &DesiredCapacityProvider,
    have: &LiveCapacityProvider,
) -> Result<Option<Change>, crate::kinds::common::Conflict> {
    let live_group = &have.document["autoScalingGroupProvider"];
    let wanted_arn = &want.group["autoScalingGroupArn"];
    if !wanted_arn.is_null() && live_group["autoScalingGroupArn"] != *wanted_arn {
        return Err(crate::kinds::common::Conflict {
            address: address(&want.name),
            message: format!(
                "capacity provider `{}` belongs to Auto Scaling group {}; ECS cannot move a provider to another group",
                want.name,
                live_group["autoScalingGroupArn"].as_str().unwrap_or("?")
            ),
            hint: "declare a provider of another name for the new group, point the cluster and services at it, and drop this one (--prune deletes it)".into(),
            pointer: crate::kinds::manifest_pointer(&address(&want.name))
                .map(|p| format!("{p}/autoScalingGroupProvider/autoScalingGroupArn")),
        });
    }
    let mut fields = Vec::new();
    let mut ops = Vec::new();
    let seen = stated_part(live_group, &want.group);
    if seen != want.group {
        fields.push(FieldChange::new(
            "autoScalingGroupProvider",
            seen,
            want.group.clone(),
        ));
        let mut update = want.group.clone();
        if let Some(map) = update.as_object_mut() {
            map.remove("autoScalingGroupArn");
        }
        ops.push(Operation::CapacityProvider(
            CapacityProviderOperation::UpdateCapacityProvider {
                name: want.name.clone(),
                input: json!({ "name": want.name, "autoScalingGroupProvider": update }),
            },
        ));
    }
    let (tag_fields, to_tag, to_untag) = crate::kinds::common::tag_changes(&want.tags, &have.tags);
    fields.extend(tag_fields);
    ops.extend(
        crate::kinds::common::tag_operations(
            to_tag,
            to_untag,
            |keys| CapacityProviderOperation::UntagResource {
                arn: have.arn.clone(),
                keys,
            },
            |tags| CapacityProviderOperation::TagResource {
                arn: have.arn.clone(),
                tags,
            },
        )
        .into_iter()
        .map(Operation::CapacityProvider),
    );
    if fields.is_empty() {
        return Ok(None);
    }
    Ok(Some(crate::kinds::common::update_because_drifted(
        address(&want.name),
        fields,
        ops,
    )))
}

pub fn plan(
    manifest: &Manifest,
    live: &LiveSnapshot,
    prune: bool,
    adoption: crate::kinds::common::Adoption,
) -> KindPlan {
    reconcile(&Providers { manifest, live }, prune, adoption)
}

struct Providers<'a> {
    manifest: &'a Manifest,
    live: &'a LiveSnapshot,
}

impl Reconcile for Providers<'_> {
    type Want = DesiredCapacityProvider;
    type Have = LiveCapacityProvider;
    const NOUN: &'static str = "capacity provider";
    const PREFIX: &'static str = ADDRESS_PREFIX;
    const OWNERSHIP: Ownership = Ownership::Tagged;
    const TAG_COMMAND: &'static str =
        "aws ecs tag-resource --resource-arn ARN --tags key=wharf:stack,value=STACK";

    fn stack(&self) -> &str {
        &self.manifest.stack
    }

    fn names(&self) -> Vec<String> {
        self.manifest
            .ecs
            .capacity_providers
            .keys()
            .cloned()
            .collect()
    }

    fn desired(&self, name: &str, _: &mut Vec<String>) -> DesiredCapacityProvider {
        desired(
            self.manifest,
            name,
            &self.manifest.ecs.capacity_providers[name],
        )
    }

    fn find(&self, name: &str) -> Option<&LiveCapacityProvider> {
        self.live.capacity_providers.get(name)
    }

    fn tags<'h>(&self, have: &'h LiveCapacityProvider) -> Option<&'h BTreeMap<String, String>> {
        Some(&have.tags)
    }

    fn create(&self, _: &str, want: &DesiredCapacityProvider) -> Change {
        create(want)
    }

    fn blocked(
        &self,
        name: &str,
        have: &LiveCapacityProvider,
    ) -> Option<crate::kinds::common::Conflict> {
        (have.status != "ACTIVE").then(|| crate::kinds::common::Conflict {
            address: address(name),
            message: format!(
                "capacity provider `{name}` is {} in AWS: ECS is deleting it, and its name cannot be used until it is gone",
                have.status
            ),
            hint: "wait until DescribeCapacityProviders no longer reports it, then apply again".into(),
            pointer: crate::kinds::manifest_pointer(&address(name)),
        })
    }

    fn diff(
        &self,
        _: &str,
        want: &DesiredCapacityProvider,
        have: &LiveCapacityProvider,
        _: &mut Vec<String>,
    ) -> Result<Option<Change>, crate::kinds::common::Conflict> {
        diff(want, have)
    }

    fn undeclared(&self) -> Vec<(String, &LiveCapacityProvider)> {
        not_declared(&self.live.capacity_providers, |name| {
            self.manifest.ecs.capacity_providers.contains_key(name)
        })
    }

    fn delete(
        &self,
        name: &str,
        have: &LiveCapacityProvider,
    ) -> Option<Result<Change, crate::kinds::common::Conflict>> {
        if have.status != "ACTIVE" {
            return None; // already being deleted
        }
        Some(Ok(crate::kinds::common::delete_because_not_in_manifest(
            address(name),
            crate::kinds::common::owned_not_declared(&self.manifest.stack),
            None,
            vec![Operation::CapacityProvider(
                CapacityProviderOperation::DeleteCapacityProvider {
                    name: name.to_string(),
                },
            )],
        )))
    }
}

/// The capacity provider kind, as the registry lists it.
pub struct CapacityProviderKind;

impl crate::kinds::Kind for CapacityProviderKind {
    fn plan(
        manifest: &Manifest,
        _ctx: &Context,
        live: &LiveSnapshot,
        prune: bool,
        adoption: crate::kinds::common::Adoption,
    ) -> KindPlan {
        plan(manifest, live, prune, adoption)
    }

    fn live_objects(live: &LiveSnapshot) -> Vec<(String, Value)> {
        crate::kinds::kind::objects_by_name(&live.capacity_providers, address)
    }
}
