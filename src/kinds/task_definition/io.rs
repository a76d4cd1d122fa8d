//! A task definition family's I/O: reading each family's latest ACTIVE revision (and
//! the ones `keepRevisions` counts), and registering and deregistering revisions.

use crate::aws::ecs::{Ecs, EcsScope, READ_CONCURRENCY, tag, tags_of, untag};
use crate::aws::ecs_codec::{from_json, to_json};
use crate::aws::{Aws, AwsError};
use crate::kinds::common::OWNERSHIP_TAG;
use crate::kinds::kind::Executed;
use crate::kinds::task_definition::TaskDefinitionOperation;
use crate::live::{LiveRevision, LiveTaskDefinition};
use aws_sdk_ecs::error::ProvideErrorMetadata;
use aws_sdk_ecs::operation::register_task_definition::RegisterTaskDefinitionInput;
use aws_sdk_ecs::types::{TaskDefinitionFamilyStatus, TaskDefinitionField, TaskDefinitionStatus};
use futures::stream::{self, StreamExt, TryStreamExt};
use std::collections::{BTreeMap, BTreeSet};

/// The latest ACTIVE revision of a family, or None when it has none.
async fn describe_family(aws: &Aws, family: &str) -> Result<Option<LiveTaskDefinition>, AwsError> {
    let result = aws
        .ecs
        .describe_task_definition()
        .task_definition(family)
        .include(TaskDefinitionField::Tags)
        .send()
        .await;
    let out = match result {
        Ok(out) => out,
        // ECS answers ClientException for a family with no ACTIVE revision.
        Err(e) if e.code() == Some("ClientException") => return Ok(None),
        Err(e) => return Err(AwsError::from_sdk("DescribeTaskDefinition", e)),
    };
    let Some(definition) = out.task_definition() else {
        return Ok(None);
    };
    if definition.status() != Some(&TaskDefinitionStatus::Active) {
        return Ok(None);
    }
    Ok(Some(LiveTaskDefinition {
        family: family.to_string(),
        arn: definition
            .task_definition_arn()
            .unwrap_or_default()
            .to_string(),
        revision: i64::from(definition.revision()),
        document: to_json(definition),
        tags: tags_of(out.tags()),
        active_revisions: Vec::new(),
    }))
}

/// ACTIVE revisions of a family, newest first, each with its ownership.
async fn active_revisions(
    aws: &Aws,
    family: &str,
    stack: &str,
) -> Result<Vec<LiveRevision>, AwsError> {
    let arns: Vec<String> = aws
        .ecs
        .list_task_definitions()
        .family_prefix(family)
        .status(TaskDefinitionStatus::Active)
        .sort(aws_sdk_ecs::types::SortOrder::Desc)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| AwsError::from_sdk("ListTaskDefinitions", e))?;
    // familyPrefix matches prefixes: keep this family's revisions only.
    let arns: Vec<String> = arns
        .into_iter()
        .filter(|a| {
            crate::kinds::task_definition::short_arn(a)
                .rsplit_once(':')
                .is_some_and(|(f, _)| f == family)
        })
        .collect();
    let mut revisions: Vec<LiveRevision> = stream::iter(arns)
        .map(|arn| async move {
            let tags = aws
                .ecs
                .list_tags_for_resource()
                .resource_arn(&arn)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("ListTagsForResource", e))?;
            let owned = tags_of(tags.tags()).get(OWNERSHIP_TAG).map(String::as_str) == Some(stack);
            let revision = arn
                .rsplit(':')
                .next()
                .and_then(|r| r.parse().ok())
                .unwrap_or(0);
            Ok::<_, AwsError>(LiveRevision {
                arn,
                revision,
                owned,
            })
        })
        .buffered(READ_CONCURRENCY)
        .try_collect()
        .await?;
    // Newest first, whatever order the listing came in.
    revisions.sort_by_key(|r| std::cmp::Reverse(r.revision));
    Ok(revisions)
}

/// The declared families and (with `find_owned`) the ones this stack owns; and the
/// undeclared families whose latest revision has no ownership tag at all.
pub async fn read_task_definitions(
    aws: &Aws,
    scope: &EcsScope<'_>,
) -> Result<(BTreeMap<String, LiveTaskDefinition>, BTreeSet<String>), AwsError> {
    let mut families = scope.families.clone();
    if scope.find_owned {
        let listed: Vec<String> = aws
            .ecs
            .list_task_definition_families()
            .status(TaskDefinitionFamilyStatus::Active)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| AwsError::from_sdk("ListTaskDefinitionFamilies", e))?;
        families.extend(listed);
    }
    // Each family: its live definition when wharf manages it, or its name when no stack does.
    let found: Vec<(Option<LiveTaskDefinition>, Option<String>)> = stream::iter(families)
        .map(|family| async move {
            let Some(mut live) = describe_family(aws, &family).await? else {
                return Ok((None, None));
            };
            let declared = scope.families.contains(&family);
            let owned = live.tags.get(OWNERSHIP_TAG).map(String::as_str) == Some(scope.stack);
            if !declared && !owned {
                let unmanaged = !live.tags.contains_key(OWNERSHIP_TAG);
                return Ok((None, unmanaged.then_some(family)));
            }
            if scope.revision_families.contains(&family) || (!declared && owned) {
                live.active_revisions = active_revisions(aws, &family, scope.stack).await?;
            }
            Ok::<_, AwsError>((Some(live), None))
        })
        .buffer_unordered(READ_CONCURRENCY)
        .try_collect()
        .await?;
    let mut definitions = BTreeMap::new();
    let mut unmanaged = BTreeSet::new();
    for (live, family) in found {
        if let Some(live) = live {
            definitions.insert(live.family.clone(), live);
        }
        unmanaged.extend(family);
    }
    Ok((definitions, unmanaged))
}

/// Executes one operation; a registration says which revision it registered, for the
/// services of the same apply.
pub async fn execute(aws: &Aws, operation: &TaskDefinitionOperation) -> Result<Executed, AwsError> {
    Ok(match (run(aws, operation).await?, operation) {
        (Some(arn), TaskDefinitionOperation::RegisterTaskDefinition { family, .. }) => {
            Executed::Registered {
                family: family.clone(),
                arn,
            }
        }
        _ => Executed::Done,
    })
}

/// Runs one task-definition operation; a registration returns the new revision's ARN.
async fn run(aws: &Aws, operation: &TaskDefinitionOperation) -> Result<Option<String>, AwsError> {
    match operation {
        TaskDefinitionOperation::RegisterTaskDefinition { input, .. } => {
            let i = from_json(
                input,
                RegisterTaskDefinitionInput::deserialize,
                "task definition",
            )?;
            let registered = register_task_definition_request(&aws.ecs, i)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("RegisterTaskDefinition", e))?;
            return Ok(registered
                .task_definition()
                .and_then(|t| t.task_definition_arn())
                .map(str::to_string));
        }
        TaskDefinitionOperation::DeregisterTaskDefinition { arn } => {
            aws.ecs
                .deregister_task_definition()
                .task_definition(arn)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("DeregisterTaskDefinition", e))?;
        }
        TaskDefinitionOperation::TagResource { arn, tags } => tag(aws, arn, tags).await?,
        TaskDefinitionOperation::UntagResource { arn, keys } => untag(aws, arn, keys).await?,
    }
    Ok(None)
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

/// This kind's part of the live snapshot.
impl crate::aws::reads::ReadsLive for crate::kinds::task_definition::TaskDefinitionKind {
    fn read<'a>(
        aws: &'a Aws,
        manifest: &'a crate::manifest::model::Manifest,
        find_owned: bool,
        _so_far: &'a crate::live::LiveSnapshot,
    ) -> futures::future::BoxFuture<'a, Result<crate::aws::reads::Store, AwsError>> {
        Box::pin(async move {
            let scope = crate::aws::ecs::ecs_scope(manifest, find_owned);
            let (families, unmanaged) = read_task_definitions(aws, &scope).await?;
            let store: crate::aws::reads::Store = Box::new(move |live| {
                live.task_definitions = families;
                live.unmanaged.task_definitions = unmanaged;
            });
            Ok(store)
        })
    }
}

/// What `wharf export` reads of this kind.
impl crate::aws::reads::ExportsLive for crate::kinds::task_definition::TaskDefinitionKind {
    fn read_selected<'a>(
        aws: &'a Aws,
        selection: &'a crate::export::Selection,
        stack: &'a str,
        _so_far: &'a crate::live::LiveSnapshot,
    ) -> futures::future::BoxFuture<'a, Result<(crate::aws::reads::Store, Vec<String>), AwsError>>
    {
        Box::pin(async move {
            if selection.task_definitions.is_empty() {
                return Ok(crate::aws::reads::nothing());
            }
            let families = family_names(aws, selection).await?;
            let scope = EcsScope {
                clusters: BTreeSet::new(),
                families,
                revision_families: BTreeSet::new(),
                services: BTreeMap::new(),
                find_owned: false,
                stack,
            };
            let definitions = read_task_definitions(aws, &scope).await?.0;
            let store: crate::aws::reads::Store =
                Box::new(move |live| live.task_definitions = definitions);
            Ok((store, Vec::new()))
        })
    }
}

async fn family_names(
    aws: &Aws,
    selection: &crate::export::Selection,
) -> Result<BTreeSet<String>, AwsError> {
    let listed: Vec<String> = aws
        .ecs
        .list_task_definition_families()
        .status(TaskDefinitionFamilyStatus::Active)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| AwsError::from_sdk("ListTaskDefinitionFamilies", e))?;
    Ok(listed
        .into_iter()
        .filter(|f| selection.task_definitions.matches(f))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::ecs::request_checks::{assert_covers, assert_sent, client, fixture};
    use crate::aws::ecs_codec::{from_json, to_json};
    use crate::manifest::ecs_members;

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
}
