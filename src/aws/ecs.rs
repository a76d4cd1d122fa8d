//! What the three ECS kinds' I/O shares: the read scope, tags in ECS's shape, tagging
//! calls, and the request builders that turn a planned AWS-JSON input into the SDK's
//! request (through `ecs_codec`, so every member the API has is carried, not just the
//! ones named here). Each kind's reads and executions live in its own `io.rs`.

use super::{Aws, AwsError};
use aws_sdk_ecs::operation::create_cluster::CreateClusterInput;
use aws_sdk_ecs::operation::create_service::CreateServiceInput;
use aws_sdk_ecs::operation::register_task_definition::RegisterTaskDefinitionInput;
use aws_sdk_ecs::operation::update_service::UpdateServiceInput;
use aws_sdk_ecs::types::Tag;

use std::collections::{BTreeMap, BTreeSet};

pub(crate) const READ_CONCURRENCY: usize = 8;

pub(crate) fn tags_of(tags: &[Tag]) -> BTreeMap<String, String> {
    tags.iter()
        .filter_map(|t| Some((t.key()?.to_string(), t.value()?.to_string())))
        .collect()
}

pub(crate) fn to_tags(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

/// What to read: the manifest's names, and whether to look for owned ones (prune, drift).
pub struct EcsScope<'a> {
    pub clusters: BTreeSet<String>,
    pub families: BTreeSet<String>,
    /// Families whose ACTIVE revisions must be listed (keepRevisions).
    pub revision_families: BTreeSet<String>,
    /// Declared services by cluster.
    pub services: BTreeMap<String, BTreeSet<String>>,
    pub find_owned: bool,
    pub stack: &'a str,
}

pub(crate) async fn tag(
    aws: &Aws,
    arn: &str,
    tags: &BTreeMap<String, String>,
) -> Result<(), AwsError> {
    aws.ecs
        .tag_resource()
        .resource_arn(arn)
        .set_tags(Some(to_tags(tags)))
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("TagResource", e))?;
    Ok(())
}

pub(crate) async fn untag(aws: &Aws, arn: &str, keys: &[String]) -> Result<(), AwsError> {
    aws.ecs
        .untag_resource()
        .resource_arn(arn)
        .set_tag_keys(Some(keys.to_vec()))
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("UntagResource", e))?;
    Ok(())
}

// The requests, member by member. The SDK's fluent builders take no whole input, so each
// member is set here by name; the tests check that every member the service model has
// and wharf manages (`manifest::ecs_members`) survives the trip.

pub type Ecs = aws_sdk_ecs::Client;

pub fn create_cluster_request(
    ecs: &Ecs,
    i: CreateClusterInput,
) -> aws_sdk_ecs::operation::create_cluster::builders::CreateClusterFluentBuilder {
    ecs.create_cluster()
        .set_cluster_name(i.cluster_name)
        .set_tags(i.tags)
        .set_settings(i.settings)
        .set_configuration(i.configuration)
        .set_capacity_providers(i.capacity_providers)
        .set_default_capacity_provider_strategy(i.default_capacity_provider_strategy)
        .set_service_connect_defaults(i.service_connect_defaults)
}

pub fn register_task_definition_request(
    ecs: &Ecs,
    i: RegisterTaskDefinitionInput,
) -> aws_sdk_ecs::operation::register_task_definition::builders::RegisterTaskDefinitionFluentBuilder
{
    ecs.register_task_definition()
        .set_family(i.family)
        .set_task_role_arn(i.task_role_arn)
        .set_execution_role_arn(i.execution_role_arn)
        .set_network_mode(i.network_mode)
        .set_container_definitions(i.container_definitions)
        .set_volumes(i.volumes)
        .set_placement_constraints(i.placement_constraints)
        .set_requires_compatibilities(i.requires_compatibilities)
        .set_cpu(i.cpu)
        .set_memory(i.memory)
        .set_tags(i.tags)
        .set_pid_mode(i.pid_mode)
        .set_ipc_mode(i.ipc_mode)
        .set_proxy_configuration(i.proxy_configuration)
        .set_ephemeral_storage(i.ephemeral_storage)
        .set_runtime_platform(i.runtime_platform)
        .set_enable_fault_injection(i.enable_fault_injection)
}

pub fn create_service_request(
    ecs: &Ecs,
    i: CreateServiceInput,
) -> aws_sdk_ecs::operation::create_service::builders::CreateServiceFluentBuilder {
    ecs.create_service()
        .set_cluster(i.cluster)
        .set_service_name(i.service_name)
        .set_task_definition(i.task_definition)
        .set_availability_zone_rebalancing(i.availability_zone_rebalancing)
        .set_load_balancers(i.load_balancers)
        .set_service_registries(i.service_registries)
        .set_desired_count(i.desired_count)
        .set_launch_type(i.launch_type)
        .set_capacity_provider_strategy(i.capacity_provider_strategy)
        .set_platform_version(i.platform_version)
        .set_role(i.role)
        .set_deployment_configuration(i.deployment_configuration)
        .set_placement_constraints(i.placement_constraints)
        .set_placement_strategy(i.placement_strategy)
        .set_network_configuration(i.network_configuration)
        .set_health_check_grace_period_seconds(i.health_check_grace_period_seconds)
        .set_scheduling_strategy(i.scheduling_strategy)
        .set_deployment_controller(i.deployment_controller)
        .set_tags(i.tags)
        .set_enable_ecs_managed_tags(i.enable_ecs_managed_tags)
        .set_propagate_tags(i.propagate_tags)
        .set_enable_execute_command(i.enable_execute_command)
        .set_service_connect_configuration(i.service_connect_configuration)
        .set_volume_configurations(i.volume_configurations)
        .set_vpc_lattice_configurations(i.vpc_lattice_configurations)
}

pub fn update_service_request(
    ecs: &Ecs,
    i: UpdateServiceInput,
) -> aws_sdk_ecs::operation::update_service::builders::UpdateServiceFluentBuilder {
    ecs.update_service()
        .set_cluster(i.cluster)
        .set_service(i.service)
        .set_desired_count(i.desired_count)
        .set_task_definition(i.task_definition)
        .set_capacity_provider_strategy(i.capacity_provider_strategy)
        .set_deployment_configuration(i.deployment_configuration)
        .set_availability_zone_rebalancing(i.availability_zone_rebalancing)
        .set_network_configuration(i.network_configuration)
        .set_placement_constraints(i.placement_constraints)
        .set_placement_strategy(i.placement_strategy)
        .set_platform_version(i.platform_version)
        .set_health_check_grace_period_seconds(i.health_check_grace_period_seconds)
        .set_deployment_controller(i.deployment_controller)
        .set_enable_execute_command(i.enable_execute_command)
        .set_enable_ecs_managed_tags(i.enable_ecs_managed_tags)
        .set_load_balancers(i.load_balancers)
        .set_propagate_tags(i.propagate_tags)
        .set_service_registries(i.service_registries)
        .set_service_connect_configuration(i.service_connect_configuration)
        .set_volume_configurations(i.volume_configurations)
        .set_vpc_lattice_configurations(i.vpc_lattice_configurations)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::ecs_codec::{from_json, to_json};
    use crate::manifest::ecs_members::{self, Shape, Treatment};
    use serde_json::Value;
    use serde_json::json;

    fn client() -> Ecs {
        let config = aws_sdk_ecs::Config::builder()
            .behavior_version(aws_sdk_ecs::config::BehaviorVersion::latest())
            .region(aws_sdk_ecs::config::Region::new("eu-west-1"))
            .build();
        Ecs::from_conf(config)
    }

    fn fixture(name: &str) -> Value {
        let path = format!(
            "{}/tests/fixtures/ecs_inputs/{name}.json",
            env!("CARGO_MANIFEST_DIR")
        );
        serde_json::from_str(&std::fs::read_to_string(&path).expect("fixture")).expect("JSON")
    }

    /// The fixture names every member of the model wharf passes through, and no other.
    fn assert_covers(shape: Shape, input: &Value) {
        let given: BTreeSet<String> = input.as_object().expect("object").keys().cloned().collect();
        let expected: BTreeSet<String> = shape
            .members()
            .into_iter()
            .filter(|(_, t)| !matches!(t, Treatment::Refused(_)))
            .map(|(name, _)| name)
            .collect();
        assert_eq!(
            given, expected,
            "{}: the fixture must hold exactly the members wharf passes through",
            shape.operation
        );
    }

    /// Every member given reaches the request unchanged.
    fn assert_sent(shape: Shape, given: &Value, sent: &Value) {
        for (member, value) in given.as_object().expect("object") {
            assert_eq!(
                sent.get(member),
                Some(value),
                "{}: `{member}` is dropped on its way to AWS",
                shape.operation
            );
        }
    }

    #[test]
    fn every_create_service_member_is_sent() {
        let input = fixture("create_service");
        assert_covers(ecs_members::CREATE_SERVICE, &input);
        let typed = from_json(&input, CreateServiceInput::deserialize, "service").expect("decodes");
        let request = create_service_request(&client(), typed);
        let sent = to_json(&request.as_input().clone().build().expect("builds"));
        assert_sent(ecs_members::CREATE_SERVICE, &input, &sent);
    }

    #[test]
    fn every_register_task_definition_member_is_sent() {
        let input = fixture("register_task_definition");
        assert_covers(ecs_members::REGISTER_TASK_DEFINITION, &input);
        let typed = from_json(
            &input,
            RegisterTaskDefinitionInput::deserialize,
            "task definition",
        )
        .expect("decodes");
        let request = register_task_definition_request(&client(), typed);
        let sent = to_json(&request.as_input().clone().build().expect("builds"));
        assert_sent(ecs_members::REGISTER_TASK_DEFINITION, &input, &sent);
    }

    #[test]
    fn every_create_cluster_member_is_sent() {
        let input = fixture("create_cluster");
        assert_covers(ecs_members::CREATE_CLUSTER, &input);
        let typed = from_json(&input, CreateClusterInput::deserialize, "cluster").expect("decodes");
        let request = create_cluster_request(&client(), typed);
        let sent = to_json(&request.as_input().clone().build().expect("builds"));
        assert_sent(ecs_members::CREATE_CLUSTER, &input, &sent);
    }

    /// A managed member UpdateService takes is updated in place and must reach it; one it
    /// does not take replaces the service, and only those are listed as replacing.
    #[test]
    fn update_service_sends_what_it_takes_and_the_rest_replaces() {
        let input = fixture("create_service");
        let managed = ecs_members::CREATE_SERVICE.managed();
        let mut replacing = Vec::new();
        for member in &managed {
            let update = json!({"cluster": "shop", "service": "web", member.as_str(): input[member.as_str()].clone()});
            let typed = from_json(&update, UpdateServiceInput::deserialize, "service update")
                .expect("decodes");
            let understood = to_json(&typed).get(member.as_str()).is_some();
            let request = update_service_request(&client(), typed);
            let sent = to_json(&request.as_input().clone().build().expect("builds"));
            if understood {
                assert_eq!(
                    sent.get(member.as_str()),
                    Some(&input[member.as_str()]),
                    "UpdateService: `{member}` is dropped on its way to AWS"
                );
            } else {
                replacing.push(member.clone());
            }
        }
        let mut listed: Vec<String> = crate::kinds::service::REPLACE_MEMBERS
            .iter()
            .map(|m| m.to_string())
            .collect();
        listed.sort();
        replacing.sort();
        assert_eq!(
            listed, replacing,
            "REPLACE_MEMBERS must be exactly the managed members UpdateService does not take"
        );
    }

    #[test]
    fn the_service_member_list_is_the_models() {
        let listed: BTreeSet<String> = crate::kinds::service::MANAGED_MEMBERS
            .iter()
            .map(|m| m.to_string())
            .collect();
        let model: BTreeSet<String> = ecs_members::CREATE_SERVICE.managed().into_iter().collect();
        assert_eq!(listed, model);
    }
}
