//! ECS capacity providers, declared in `ecs.capacityProviders`: the CreateCapacityProvider
//! input, compared with DescribeCapacityProviders and brought in line with
//! UpdateCapacityProvider and tag calls. Two flavours, two kinds in the registry:
//!
//! - Auto Scaling group providers (`ecs.capacity_provider.NAME`, this kind): clusters
//!   associate them by name, so they are created before clusters and deleted after;
//! - ECS Managed Instances providers (`ecs.managed_instances_provider.NAME`, planned
//!   here for `kinds::managed_instances_provider`): created inside their `cluster`, where
//!   they are available without association (ECS API Reference, CreateCapacityProvider
//!   `cluster`; PutClusterCapacityProviders does not take them), so they come after
//!   clusters and before the services that name them.
//!
//! Both are deleted only with `--prune`, and only when this stack's tag says it owns them.
//! A provider keeps what UpdateCapacityProvider cannot change (an Auto Scaling group, a
//! Managed Instances provider's cluster, capacity option type and FIPS mode), and a
//! provider being deleted keeps its name for a while, so a conflict says to declare a new
//! one. Members the manifest leaves out are AWS's to choose and are not compared (ECS
//! documents only some of its defaults).

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

/// The Managed Instances providers' address prefix (their kind's registry entry).
const MANAGED_INSTANCES_PREFIX: &str =
    crate::kinds::managed_instances_provider::operation::ENTRY.prefix;

/// The providers every account has, which nobody creates or deletes.
pub const FARGATE_PROVIDERS: [&str; 2] = ["FARGATE", "FARGATE_SPOT"];

pub fn address(name: &str) -> String {
    format!("{ADDRESS_PREFIX}{name}")
}

/// Which kind of provider an entry is, by the member that says it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavor {
    AutoScalingGroup,
    ManagedInstances,
}

impl Flavor {
    pub fn member(self) -> &'static str {
        match self {
            Self::AutoScalingGroup => "autoScalingGroupProvider",
            Self::ManagedInstances => "managedInstancesProvider",
        }
    }

    /// The flavour of a manifest entry (Auto Scaling group unless it says Managed
    /// Instances).
    pub fn of(provider: &ApiObject) -> Self {
        if provider.contains_key("managedInstancesProvider") {
            Self::ManagedInstances
        } else {
            Self::AutoScalingGroup
        }
    }

    /// The flavour of a DescribeCapacityProviders provider.
    pub fn of_live(provider: &LiveCapacityProvider) -> Self {
        if provider.is_managed_instances() {
            Self::ManagedInstances
        } else {
            Self::AutoScalingGroup
        }
    }

    pub fn address(self, name: &str) -> String {
        match self {
            Self::AutoScalingGroup => address(name),
            Self::ManagedInstances => format!("{MANAGED_INSTANCES_PREFIX}{name}"),
        }
    }

    /// Members UpdateCapacityProvider cannot change, as paths in the provider member.
    fn fixed(self) -> &'static [&'static [&'static str]] {
        match self {
            Self::AutoScalingGroup => &[&["autoScalingGroupArn"]],
            // InstanceLaunchTemplateUpdate has neither (ECS API Reference).
            Self::ManagedInstances => &[
                &["instanceLaunchTemplate", "capacityOptionType"],
                &["instanceLaunchTemplate", "fipsEnabled"],
            ],
        }
    }
}

/// What the manifest asks of one provider.
#[derive(Clone, Debug, PartialEq)]
pub struct DesiredCapacityProvider {
    pub name: String,
    pub flavor: Flavor,
    /// The cluster a Managed Instances provider lives in.
    pub cluster: Option<String>,
    /// The provider member (`autoScalingGroupProvider` or `managedInstancesProvider`) as
    /// the manifest states it, with a role of this manifest named by its ARN.
    pub provider: Value,
    pub tags: BTreeMap<String, String>,
}

pub fn desired(
    manifest: &Manifest,
    ctx: &Context,
    name: &str,
    provider: &ApiObject,
) -> DesiredCapacityProvider {
    let flavor = Flavor::of(provider);
    let mut member = without_nulls(provider.get(flavor.member()).unwrap_or(&Value::Null));
    if let Some(role) = member["infrastructureRoleArn"].as_str().map(str::to_string) {
        member["infrastructureRoleArn"] = json!(crate::kinds::role::references::resolve_reference(
            manifest, ctx, &role
        ));
    }
    // An instance profile by the name of a role of this manifest that has one.
    if let Some(profile) = member.pointer_mut("/instanceLaunchTemplate/ec2InstanceProfileArn")
        && let Some(name) = profile.as_str().map(str::to_string)
        && let Some(role) = manifest.iam.roles.get(&name)
    {
        *profile = json!(crate::kinds::role::references::instance_profile_arn(
            ctx,
            &crate::kinds::role::references::role_path(role),
            &name
        ));
    }
    DesiredCapacityProvider {
        name: name.to_string(),
        flavor,
        cluster: provider
            .get("cluster")
            .and_then(Value::as_str)
            .map(crate::kinds::service::cluster_name),
        provider: member,
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

fn at<'v>(value: &'v Value, path: &[&str]) -> &'v Value {
    path.iter().fold(value, |v, key| &v[*key])
}

/// An operation as a plan carries it: a Managed Instances provider's belong to its kind.
fn operation(flavor: Flavor, op: CapacityProviderOperation) -> Operation {
    match flavor {
        Flavor::AutoScalingGroup => Operation::CapacityProvider(op),
        Flavor::ManagedInstances => Operation::ManagedInstancesProvider(op),
    }
}

/// CreateCapacityProvider's input, or UpdateCapacityProvider's with `provider` in place of
/// the whole member.
fn input(want: &DesiredCapacityProvider, provider: Value, tags: bool) -> Value {
    let mut input = json!({ "name": want.name });
    input[want.flavor.member()] = provider;
    if let Some(cluster) = &want.cluster {
        input["cluster"] = json!(cluster);
    }
    if tags {
        input["tags"] = want
            .tags
            .iter()
            .map(|(k, v)| json!({"key": k, "value": v}))
            .collect();
    }
    input
}

fn create(want: &DesiredCapacityProvider) -> Change {
    let mut fields = Vec::new();
    if let Some(cluster) = &want.cluster {
        fields.push(FieldChange::new("cluster", Value::Null, json!(cluster)));
    }
    fields.push(FieldChange::new(
        want.flavor.member(),
        Value::Null,
        want.provider.clone(),
    ));
    crate::kinds::common::create_because_missing(
        want.flavor.address(&want.name),
        crate::kinds::common::NOT_PRESENT,
        fields,
        vec![operation(
            want.flavor,
            CapacityProviderOperation::CreateCapacityProvider {
                name: want.name.clone(),
                input: input(want, want.provider.clone(), true),
            },
        )],
    )
}

fn diff(
    want: &DesiredCapacityProvider,
    have: &LiveCapacityProvider,
) -> Result<Option<Change>, crate::kinds::common::Conflict> {
    let member = want.flavor.member();
    let address = want.flavor.address(&want.name);
    let live_member = &have.document[member];
    let conflict = |what: String, pointer: String| {
        crate::kinds::common::Conflict {
        address: address.clone(),
        message: format!(
            "capacity provider `{}` {what}, which UpdateCapacityProvider cannot change",
            want.name
        ),
        hint: "declare a provider of another name, point the cluster and services at it, and drop this one (--prune deletes it)".into(),
        pointer: crate::kinds::manifest_pointer(&address).map(|p| format!("{p}/{pointer}")),
    }
    };
    let cluster = have.managed_in().map(str::to_string);
    if want.flavor == Flavor::ManagedInstances && want.cluster != cluster {
        return Err(conflict(
            format!("lives in cluster {}", cluster.as_deref().unwrap_or("?")),
            "cluster".into(),
        ));
    }
    for path in want.flavor.fixed() {
        let (wanted, held) = (at(&want.provider, path), at(live_member, path));
        if !wanted.is_null() && held != wanted {
            let held = held
                .as_str()
                .map_or_else(|| held.to_string(), str::to_string);
            return Err(conflict(
                format!("has {} {held}", path.join(".")),
                format!("{member}/{}", path.join("/")),
            ));
        }
    }
    let mut fields = Vec::new();
    let mut ops = Vec::new();
    let seen = stated_part(live_member, &want.provider);
    if seen != want.provider {
        fields.push(FieldChange::new(member, seen, want.provider.clone()));
        let mut update = want.provider.clone();
        for path in want.flavor.fixed() {
            let (last, parents) = path.split_last().expect("a path");
            let parent = format!("/{}", parents.join("/"));
            let parent = if parents.is_empty() {
                Some(&mut update)
            } else {
                update.pointer_mut(&parent)
            };
            if let Some(map) = parent.and_then(Value::as_object_mut) {
                map.remove(*last);
            }
        }
        ops.push(operation(
            want.flavor,
            CapacityProviderOperation::UpdateCapacityProvider {
                name: want.name.clone(),
                input: input(want, update, false),
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
        .map(|op| operation(want.flavor, op)),
    );
    if fields.is_empty() {
        return Ok(None);
    }
    Ok(Some(crate::kinds::common::update_because_drifted(
        address, fields, ops,
    )))
}

/// The providers of one flavour: the manifest's against those AWS holds.
pub fn plan(
    manifest: &Manifest,
    ctx: &Context,
    live: &LiveSnapshot,
    prune: bool,
    adoption: crate::kinds::common::Adoption,
    flavor: Flavor,
) -> KindPlan {
    match flavor {
        Flavor::AutoScalingGroup => reconcile(
            &Providers::<false> {
                manifest,
                ctx,
                live,
            },
            prune,
            adoption,
        ),
        Flavor::ManagedInstances => reconcile(
            &Providers::<true> {
                manifest,
                ctx,
                live,
            },
            prune,
            adoption,
        ),
    }
}

/// The providers of one flavour (`MANAGED`: Managed Instances) as the shared loop sees
/// them; the flavour is a constant because each kind has its own address prefix.
struct Providers<'a, const MANAGED: bool> {
    manifest: &'a Manifest,
    ctx: &'a Context<'a>,
    live: &'a LiveSnapshot,
}

impl<const MANAGED: bool> Providers<'_, MANAGED> {
    const FLAVOR: Flavor = if MANAGED {
        Flavor::ManagedInstances
    } else {
        Flavor::AutoScalingGroup
    };
}

impl<const MANAGED: bool> Reconcile for Providers<'_, MANAGED> {
    type Want = DesiredCapacityProvider;
    type Have = LiveCapacityProvider;
    const NOUN: &'static str = "capacity provider";
    const PREFIX: &'static str = if MANAGED {
        MANAGED_INSTANCES_PREFIX
    } else {
        ADDRESS_PREFIX
    };
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
            .iter()
            .filter(|(_, provider)| Flavor::of(provider) == Self::FLAVOR)
            .map(|(name, _)| name.clone())
            .collect()
    }

    fn desired(&self, name: &str, _: &mut Vec<String>) -> DesiredCapacityProvider {
        desired(
            self.manifest,
            self.ctx,
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
        let address = Self::FLAVOR.address(name);
        (have.status != "ACTIVE").then(|| crate::kinds::common::Conflict {
            pointer: crate::kinds::manifest_pointer(&address),
            address,
            message: format!(
                "capacity provider `{name}` is {} in AWS: ECS is deleting it, and its name cannot be used until it is gone",
                have.status
            ),
            hint: "wait until DescribeCapacityProviders no longer reports it, then apply again".into(),
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
        .into_iter()
        .filter(|(_, have)| Flavor::of_live(have) == Self::FLAVOR)
        .collect()
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
            Self::FLAVOR.address(name),
            crate::kinds::common::owned_not_declared(&self.manifest.stack),
            None,
            vec![operation(
                Self::FLAVOR,
                CapacityProviderOperation::DeleteCapacityProvider {
                    name: name.to_string(),
                    cluster: have.managed_in().map(str::to_string),
                },
            )],
        )))
    }
}

/// The live providers of one flavour, by address, as JSON (what saved plans fingerprint).
pub fn live_objects(live: &LiveSnapshot, flavor: Flavor) -> Vec<(String, Value)> {
    live.capacity_providers
        .values()
        .filter(|p| Flavor::of_live(p) == flavor)
        .map(|p| {
            (
                flavor.address(&p.name),
                serde_json::to_value(p).expect("live objects serialize"),
            )
        })
        .collect()
}

/// The Auto Scaling group capacity provider kind, as the registry lists it.
pub struct CapacityProviderKind;

impl crate::kinds::Kind for CapacityProviderKind {
    fn plan(
        manifest: &Manifest,
        ctx: &Context,
        live: &LiveSnapshot,
        prune: bool,
        adoption: crate::kinds::common::Adoption,
    ) -> KindPlan {
        plan(
            manifest,
            ctx,
            live,
            prune,
            adoption,
            Flavor::AutoScalingGroup,
        )
    }

    fn live_objects(live: &LiveSnapshot) -> Vec<(String, Value)> {
        live_objects(live, Flavor::AutoScalingGroup)
    }
}
