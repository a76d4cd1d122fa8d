//! ECS clusters (`ecs.cluster.NAME`): settings, configuration, capacity providers with the
//! default strategy, Service Connect defaults and tags; compared with DescribeClusters and
//! brought in line with UpdateCluster, PutClusterCapacityProviders and tag calls.
//! A cluster is deleted only with `--prune`, and never while services run in it.

pub mod export;
pub mod io;
pub mod live;
pub mod operation;
pub mod validate;

use crate::kinds::common::{Context, KindPlan};
use crate::kinds::reconcile::{Ownership, Reconcile, not_declared, reconcile};
use crate::live::{LiveCluster, LiveSnapshot};
use crate::manifest::model::{ApiObject, Manifest};
use crate::plan::{Change, FieldChange, Operation};
pub use operation::ClusterOperation;
use serde_json::{Value, json};
use std::collections::BTreeMap;

pub const ADDRESS_PREFIX: &str = operation::ENTRY.prefix;

/// Members of DescribeClusters' cluster that move while nobody changes anything.
pub const VOLATILE_MEMBERS: &[&str] = &[
    "registeredContainerInstancesCount",
    "runningTasksCount",
    "pendingTasksCount",
    "activeServicesCount",
    "statistics",
    "attachmentsStatus",
];

pub fn address(name: &str) -> String {
    format!("{ADDRESS_PREFIX}{name}")
}

/// The fields wharf manages, in AWS's shape, with AWS's defaults filled in so that an
/// unset field compares equal to what AWS reports for it.
#[derive(Clone, Debug, PartialEq)]
pub struct DesiredCluster {
    pub name: String,
    /// settings sorted by name (AWS reports containerInsights=disabled when unset).
    pub settings: Value,
    pub configuration: Value,
    pub capacity_providers: Vec<String>,
    pub default_capacity_provider_strategy: Value,
    pub service_connect_defaults: Value,
    pub tags: BTreeMap<String, String>,
}

fn sorted_settings(value: Option<&Value>) -> Value {
    let mut settings: Vec<Value> = value.and_then(Value::as_array).cloned().unwrap_or_default();
    settings.sort_by_key(|s| s["name"].as_str().unwrap_or_default().to_string());
    Value::Array(settings)
}

/// A cluster's settings as compared: AWS reports containerInsights even when nobody set
/// it (as "disabled"), so an unset containerInsights means "disabled".
fn effective_settings(value: Option<&Value>) -> Value {
    let mut settings = sorted_settings(value);
    let list = settings.as_array_mut().expect("an array");
    if !list.iter().any(|s| s["name"] == "containerInsights") {
        list.push(json!({"name": "containerInsights", "value": "disabled"}));
        list.sort_by_key(|s| s["name"].as_str().unwrap_or_default().to_string());
    }
    settings
}

/// Empty objects and arrays mean "not set" to ECS.
fn present(value: Option<&Value>) -> Value {
    match value {
        None | Some(Value::Null) => Value::Null,
        Some(Value::Object(m)) if m.is_empty() => Value::Null,
        Some(Value::Array(a)) if a.is_empty() => Value::Null,
        Some(v) => strip_nulls(v),
    }
}

fn strip_nulls(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), strip_nulls(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(strip_nulls).collect()),
        other => other.clone(),
    }
}

/// A capacity provider strategy as compared: `base` 0 is AWS's default.
fn strategy(value: Option<&Value>) -> Value {
    let items: Vec<Value> = value
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|mut item| {
            if let Some(map) = item.as_object_mut()
                && map.get("base").and_then(Value::as_i64) == Some(0)
            {
                map.remove("base");
            }
            item
        })
        .collect();
    Value::Array(items)
}

pub fn desired(manifest: &Manifest, name: &str, cluster: &ApiObject) -> DesiredCluster {
    let tags = crate::kinds::common::declared_tags(manifest, cluster);
    DesiredCluster {
        name: name.to_string(),
        settings: effective_settings(cluster.get("settings")),
        configuration: present(cluster.get("configuration")),
        capacity_providers: {
            let mut providers: Vec<String> = cluster
                .get("capacityProviders")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect();
            providers.sort();
            providers
        },
        default_capacity_provider_strategy: strategy(
            cluster.get("defaultCapacityProviderStrategy"),
        ),
        service_connect_defaults: present(cluster.get("serviceConnectDefaults")),
        tags,
    }
}

/// The live cluster in the same terms as `DesiredCluster`.
fn observed(have: &LiveCluster) -> DesiredCluster {
    let doc = &have.document;
    let mut providers: Vec<String> = doc["capacityProviders"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    providers.sort();
    DesiredCluster {
        name: have.name.clone(),
        settings: effective_settings(doc.get("settings")),
        configuration: present(doc.get("configuration")),
        capacity_providers: providers,
        default_capacity_provider_strategy: strategy(doc.get("defaultCapacityProviderStrategy")),
        // DescribeClusters reports the namespace as an ARN; the manifest may name it.
        service_connect_defaults: present(doc.get("serviceConnectDefaults")),
        tags: have.tags.clone(),
    }
}

fn namespaces_match(want: &Value, have: &Value) -> bool {
    match (want["namespace"].as_str(), have["namespace"].as_str()) {
        (Some(w), Some(h)) => {
            w == h || h.ends_with(&format!("/{w}")) || h.ends_with(&format!(":{w}"))
        }
        _ => want == have,
    }
}

fn create_input(want: &DesiredCluster) -> Value {
    let mut input = serde_json::Map::new();
    input.insert("clusterName".into(), json!(want.name));
    input.insert("settings".into(), want.settings.clone());
    if !want.configuration.is_null() {
        input.insert("configuration".into(), want.configuration.clone());
    }
    if !want.capacity_providers.is_empty() {
        input.insert("capacityProviders".into(), json!(want.capacity_providers));
    }
    if want
        .default_capacity_provider_strategy
        .as_array()
        .is_some_and(|a| !a.is_empty())
    {
        input.insert(
            "defaultCapacityProviderStrategy".into(),
            want.default_capacity_provider_strategy.clone(),
        );
    }
    if !want.service_connect_defaults.is_null() {
        input.insert(
            "serviceConnectDefaults".into(),
            want.service_connect_defaults.clone(),
        );
    }
    input.insert(
        "tags".into(),
        Value::Array(
            want.tags
                .iter()
                .map(|(k, v)| json!({"key": k, "value": v}))
                .collect(),
        ),
    );
    Value::Object(input)
}

pub fn plan(manifest: &Manifest, ctx: &Context, live: &LiveSnapshot, prune: bool) -> KindPlan {
    plan_with(
        manifest,
        ctx,
        live,
        prune,
        crate::kinds::common::Adoption::Refuse,
    )
}

/// `plan`, adopting declared clusters that carry no ownership tag when asked to.
pub fn plan_with(
    manifest: &Manifest,
    _ctx: &Context,
    live: &LiveSnapshot,
    prune: bool,
    adoption: crate::kinds::common::Adoption,
) -> KindPlan {
    reconcile(&Clusters { manifest, live }, prune, adoption)
}

/// The clusters of a manifest against those AWS holds.
struct Clusters<'a> {
    manifest: &'a Manifest,
    live: &'a LiveSnapshot,
}

impl Reconcile for Clusters<'_> {
    type Want = DesiredCluster;
    type Have = LiveCluster;
    const NOUN: &'static str = "cluster";
    const PREFIX: &'static str = ADDRESS_PREFIX;
    const OWNERSHIP: Ownership = Ownership::Tagged;
    const TAG_COMMAND: &'static str = "aws ecs tag-resource";

    fn stack(&self) -> &str {
        &self.manifest.stack
    }

    fn names(&self) -> Vec<String> {
        self.manifest.ecs.clusters.keys().cloned().collect()
    }

    fn desired(&self, name: &str, _: &mut Vec<String>) -> DesiredCluster {
        desired(self.manifest, name, &self.manifest.ecs.clusters[name])
    }

    fn find(&self, name: &str) -> Option<&LiveCluster> {
        self.live.clusters.get(name)
    }

    fn tags<'h>(&self, have: &'h LiveCluster) -> Option<&'h BTreeMap<String, String>> {
        Some(&have.tags)
    }

    fn create(&self, name: &str, want: &DesiredCluster) -> Change {
        crate::kinds::common::create_because_missing(
            address(name),
            crate::kinds::common::NOT_PRESENT,
            create_input(want)
                .as_object()
                .into_iter()
                .flatten()
                .filter(|(k, _)| *k != "clusterName")
                .map(|(k, v)| FieldChange::new(k.clone(), Value::Null, v.clone()))
                .collect(),
            vec![Operation::Cluster(ClusterOperation::CreateCluster {
                name: name.to_string(),
                input: create_input(want),
            })],
        )
    }

    fn diff(
        &self,
        name: &str,
        want: &DesiredCluster,
        have: &LiveCluster,
        _: &mut Vec<String>,
    ) -> Result<Option<Change>, crate::kinds::common::Conflict> {
        // Managed Instances providers live in their cluster without association
        // (PutClusterCapacityProviders does not take them): where DescribeClusters lists
        // them, they are not a difference.
        let scoped: Vec<&str> = self
            .live
            .capacity_providers
            .values()
            .filter(|p| p.managed_in() == Some(name))
            .map(|p| p.name.as_str())
            .collect();
        Ok(diff(want, have, &scoped))
    }

    fn undeclared(&self) -> Vec<(String, &LiveCluster)> {
        not_declared(&self.live.clusters, |name| {
            self.manifest.ecs.clusters.contains_key(name)
        })
    }

    fn delete(
        &self,
        name: &str,
        have: &LiveCluster,
    ) -> Option<Result<Change, crate::kinds::common::Conflict>> {
        if !have.services.is_empty() {
            return Some(Err(crate::kinds::common::Conflict {
                address: address(name),
                message: format!(
                    "cluster `{name}` left the manifest but still runs services: {}",
                    have.services.join(", ")
                ),
                hint: "delete or move those services first (prune them with this stack, or remove them in their own)".into(),
                pointer: None,
            }));
        }
        Some(Ok(crate::kinds::common::delete_because_not_in_manifest(
            address(name),
            crate::kinds::common::owned_not_declared(&self.manifest.stack),
            None,
            vec![Operation::Cluster(ClusterOperation::DeleteCluster {
                name: name.to_string(),
            })],
        )))
    }
}

fn diff(want: &DesiredCluster, have: &LiveCluster, scoped: &[&str]) -> Option<Change> {
    let mut seen = observed(have);
    seen.capacity_providers
        .retain(|p| !scoped.contains(&p.as_str()));
    let mut fields = Vec::new();
    let mut ops = Vec::new();
    let mut update = serde_json::Map::new();
    if want.settings != seen.settings {
        fields.push(FieldChange::new(
            "settings",
            seen.settings.clone(),
            want.settings.clone(),
        ));
        update.insert("settings".into(), want.settings.clone());
    }
    if want.configuration != seen.configuration {
        fields.push(FieldChange::new(
            "configuration",
            seen.configuration.clone(),
            want.configuration.clone(),
        ));
        update.insert("configuration".into(), want.configuration.clone());
    }
    if !namespaces_match(
        &want.service_connect_defaults,
        &seen.service_connect_defaults,
    ) {
        fields.push(FieldChange::new(
            "serviceConnectDefaults",
            seen.service_connect_defaults.clone(),
            want.service_connect_defaults.clone(),
        ));
        update.insert(
            "serviceConnectDefaults".into(),
            if want.service_connect_defaults.is_null() {
                // An empty namespace removes the default.
                json!({"namespace": ""})
            } else {
                want.service_connect_defaults.clone()
            },
        );
    }
    if !update.is_empty() {
        update.insert("cluster".into(), json!(want.name));
        ops.push(ClusterOperation::UpdateCluster {
            name: want.name.clone(),
            input: Value::Object(update),
        });
    }
    if want.capacity_providers != seen.capacity_providers
        || want.default_capacity_provider_strategy != seen.default_capacity_provider_strategy
    {
        if want.capacity_providers != seen.capacity_providers {
            fields.push(FieldChange::new(
                "capacityProviders",
                json!(seen.capacity_providers),
                json!(want.capacity_providers),
            ));
        }
        if want.default_capacity_provider_strategy != seen.default_capacity_provider_strategy {
            fields.push(FieldChange::new(
                "defaultCapacityProviderStrategy",
                seen.default_capacity_provider_strategy.clone(),
                want.default_capacity_provider_strategy.clone(),
            ));
        }
        ops.push(ClusterOperation::PutClusterCapacityProviders {
            name: want.name.clone(),
            capacity_providers: want.capacity_providers.clone(),
            default_capacity_provider_strategy: want.default_capacity_provider_strategy.clone(),
        });
    }
    let (tag_fields, to_tag, to_untag) = crate::kinds::common::tag_changes(&want.tags, &have.tags);
    fields.extend(tag_fields);
    ops.extend(crate::kinds::common::tag_operations(
        to_tag,
        to_untag,
        |keys| ClusterOperation::UntagResource {
            arn: have.arn.clone(),
            keys,
        },
        |tags| ClusterOperation::TagResource {
            arn: have.arn.clone(),
            tags,
        },
    ));
    if fields.is_empty() {
        return None;
    }
    Some(crate::kinds::common::update_because_drifted(
        address(&want.name),
        fields,
        ops.into_iter().map(Operation::Cluster).collect(),
    ))
}

/// The cluster kind, as the registry lists it.
pub struct ClusterKind;

impl crate::kinds::Kind for ClusterKind {
    const VOLATILE: &'static [&'static str] = VOLATILE_MEMBERS;

    fn plan(
        manifest: &Manifest,
        ctx: &crate::kinds::common::Context,
        live: &LiveSnapshot,
        prune: bool,
        adoption: crate::kinds::common::Adoption,
    ) -> crate::kinds::common::KindPlan {
        plan_with(manifest, ctx, live, prune, adoption)
    }

    fn live_objects(live: &LiveSnapshot) -> Vec<(String, serde_json::Value)> {
        crate::kinds::kind::objects_by_name(&live.clusters, address)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::ecs_members::CREATE_CLUSTER;

    /// Every CreateCluster member the service model has and wharf manages reaches the
    /// CreateCluster input (see `ecs_members`): a member the model gains and this module
    /// does not carry fails here instead of being dropped.
    #[test]
    fn every_managed_member_reaches_create_cluster() {
        let text = include_str!("../../../tests/fixtures/ecs_inputs/create_cluster.json");
        let Value::Object(mut input) = serde_json::from_str(text).expect("JSON") else {
            panic!("an object")
        };
        input.remove("clusterName");
        input.insert("tags".into(), json!({"team": "shop"}));
        let manifest: Manifest =
            serde_json::from_value(json!({"version": 1, "stack": "shop"})).expect("manifest");
        let sent = create_input(&desired(&manifest, "shop", &input));
        for member in CREATE_CLUSTER.managed() {
            assert!(
                sent.get(&member).is_some_and(|v| !v.is_null()),
                "`{member}` does not reach CreateCluster: {sent}"
            );
        }
    }
}
