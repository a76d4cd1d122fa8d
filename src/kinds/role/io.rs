//! IAM roles: reading declared roles (and, for prune and drift, the roles this stack owns)
//! into the live snapshot, and executing role operations. IAM returns policy documents
//! URL-encoded; they are decoded here so planning sees plain JSON.

use crate::aws::{Aws, AwsError, absent_on};
use crate::kinds::common::OWNERSHIP_TAG;
use crate::kinds::kind::Executed;
use crate::kinds::role::RoleOperation;
use crate::live::LiveRole;
use aws_sdk_iam::types::Tag;
use futures::stream::{self, StreamExt, TryStreamExt};
use std::collections::{BTreeMap, BTreeSet};

const READ_CONCURRENCY: usize = 8;

/// IAM's documents arrive percent-encoded (RFC 3986); anything else passes through.
pub fn decode_document(text: &str) -> String {
    if text.trim_start().starts_with('{') {
        return text.to_string();
    }
    percent_encoding::percent_decode_str(text)
        .decode_utf8_lossy()
        .into_owned()
}

/// The declared roles and (with `find_owned`) the ones this stack owns, read in full; and
/// the names of the undeclared roles that carry no ownership tag at all, which the
/// enumeration for owned ones meets anyway.
pub async fn read_roles(
    aws: &Aws,
    declared: &BTreeSet<String>,
    find_owned: bool,
    stack: &str,
) -> Result<(BTreeMap<String, LiveRole>, BTreeSet<String>), AwsError> {
    let mut names: BTreeSet<String> = declared.clone();
    let mut unmanaged = BTreeSet::new();
    if find_owned {
        let listed: Vec<aws_sdk_iam::types::Role> = aws
            .iam
            .list_roles()
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| AwsError::from_sdk("ListRoles", e))?;
        let candidates: Vec<String> = listed
            .iter()
            // Service-linked roles belong to AWS services, never to a stack.
            .filter(|r| !r.path().starts_with("/aws-service-role/"))
            .map(|r| r.role_name().to_string())
            .filter(|n| !declared.contains(n))
            .collect();
        let owners: Vec<(String, Option<String>)> = stream::iter(candidates)
            .map(|name| async move {
                let tags = role_tags(aws, &name).await?;
                let owner = tags.get(OWNERSHIP_TAG).cloned();
                Ok::<_, AwsError>((name, owner))
            })
            .buffer_unordered(READ_CONCURRENCY)
            .try_collect()
            .await?;
        for (name, owner) in owners {
            match owner {
                Some(owner) if owner == stack => {
                    names.insert(name);
                }
                Some(_) => {}
                None => {
                    unmanaged.insert(name);
                }
            }
        }
    }
    let roles: Vec<Option<LiveRole>> = stream::iter(names)
        .map(|name| read_role(aws, name))
        .buffer_unordered(READ_CONCURRENCY)
        .try_collect()
        .await?;
    let roles = roles
        .into_iter()
        .flatten()
        .map(|r| (r.name.clone(), r))
        .collect();
    Ok((roles, unmanaged))
}

async fn role_tags(aws: &Aws, name: &str) -> Result<BTreeMap<String, String>, AwsError> {
    let tags: Vec<Tag> = aws
        .iam
        .list_role_tags()
        .role_name(name)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| AwsError::from_sdk("ListRoleTags", e))?;
    Ok(tags
        .into_iter()
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect())
}

/// One role in full, or None when it does not exist.
async fn read_role(aws: &Aws, name: String) -> Result<Option<LiveRole>, AwsError> {
    let got = aws.iam.get_role().role_name(&name).send().await;
    let Some(got) = absent_on(got, "NoSuchEntity", "GetRole")? else {
        return Ok(None);
    };
    let Some(role) = got.role() else {
        return Ok(None);
    };
    let (attached, inline_names, tags, profiles) = tokio::join!(
        aws.iam
            .list_attached_role_policies()
            .role_name(&name)
            .into_paginator()
            .items()
            .send()
            .try_collect(),
        aws.iam
            .list_role_policies()
            .role_name(&name)
            .into_paginator()
            .items()
            .send()
            .try_collect(),
        role_tags(aws, &name),
        aws.iam
            .list_instance_profiles_for_role()
            .role_name(&name)
            .into_paginator()
            .items()
            .send()
            .try_collect(),
    );
    let profiles: Vec<aws_sdk_iam::types::InstanceProfile> =
        profiles.map_err(|e| AwsError::from_sdk("ListInstanceProfilesForRole", e))?;
    let attached = attached.map_err(|e| AwsError::from_sdk("ListAttachedRolePolicies", e))?;
    let inline_names = inline_names.map_err(|e| AwsError::from_sdk("ListRolePolicies", e))?;
    let mut inline_policies = BTreeMap::new();
    for policy_name in inline_names {
        let out = aws
            .iam
            .get_role_policy()
            .role_name(&name)
            .policy_name(&policy_name)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("GetRolePolicy", e))?;
        inline_policies.insert(policy_name, decode_document(out.policy_document()));
    }
    Ok(Some(LiveRole {
        name: name.clone(),
        path: role.path().to_string(),
        arn: role.arn().to_string(),
        trust_policy: role.assume_role_policy_document().map(decode_document),
        description: role.description().map(str::to_string),
        max_session_duration: role.max_session_duration().map(i64::from).unwrap_or(3600),
        permissions_boundary: role
            .permissions_boundary()
            .and_then(|b| b.permissions_boundary_arn())
            .map(str::to_string),
        managed_policies: attached
            .iter()
            .filter_map(|p| p.policy_arn().map(str::to_string))
            .collect(),
        inline_policies,
        tags: tags?,
        instance_profiles: profiles
            .iter()
            .map(|p| p.instance_profile_name().to_string())
            .collect(),
    }))
}

fn to_tags(tags: &BTreeMap<String, String>) -> Result<Vec<Tag>, AwsError> {
    tags.iter()
        .map(|(k, v)| {
            Tag::builder()
                .key(k)
                .value(v)
                .build()
                .map_err(|e| AwsError::new(e.to_string()))
        })
        .collect()
}

fn duration(seconds: i64) -> i32 {
    i32::try_from(seconds).unwrap_or(i32::MAX)
}

pub async fn execute(aws: &Aws, operation: &RoleOperation) -> Result<Executed, AwsError> {
    let iam = &aws.iam;
    match operation {
        RoleOperation::CreateRole {
            name,
            path,
            trust_policy,
            description,
            max_session_duration,
            permissions_boundary,
            tags,
        } => {
            iam.create_role()
                .role_name(name)
                .path(path)
                .assume_role_policy_document(trust_policy)
                .set_description(description.clone())
                .max_session_duration(duration(*max_session_duration))
                .set_permissions_boundary(permissions_boundary.clone())
                .set_tags(Some(to_tags(tags)?))
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("CreateRole", e))?;
        }
        RoleOperation::CreateInstanceProfile { name, path } => {
            let result = aws
                .iam
                .create_instance_profile()
                .instance_profile_name(name)
                .path(path)
                .send()
                .await;
            // One of the name already there (a run cut short, or made by hand) is used.
            if let Err(e) = result
                && e.as_service_error().and_then(|s| s.meta().code()) != Some("EntityAlreadyExists")
            {
                return Err(AwsError::from_sdk("CreateInstanceProfile", e));
            }
        }
        RoleOperation::AddRoleToInstanceProfile { profile, role } => {
            aws.iam
                .add_role_to_instance_profile()
                .instance_profile_name(profile)
                .role_name(role)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("AddRoleToInstanceProfile", e))?;
        }
        RoleOperation::RemoveRoleFromInstanceProfile { profile, role } => {
            let result = aws
                .iam
                .remove_role_from_instance_profile()
                .instance_profile_name(profile)
                .role_name(role)
                .send()
                .await;
            absent_on(result, "NoSuchEntity", "RemoveRoleFromInstanceProfile")?;
        }
        RoleOperation::DeleteInstanceProfile { name } => {
            let result = aws
                .iam
                .delete_instance_profile()
                .instance_profile_name(name)
                .send()
                .await;
            absent_on(result, "NoSuchEntity", "DeleteInstanceProfile")?;
        }
        RoleOperation::DeleteRole { name } => {
            let result = iam.delete_role().role_name(name).send().await;
            absent_on(result, "NoSuchEntity", "DeleteRole")?;
        }
        RoleOperation::UpdateAssumeRolePolicy { name, document } => {
            iam.update_assume_role_policy()
                .role_name(name)
                .policy_document(document)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("UpdateAssumeRolePolicy", e))?;
        }
        RoleOperation::UpdateRole {
            name,
            description,
            max_session_duration,
        } => {
            iam.update_role()
                .role_name(name)
                .description(description)
                .max_session_duration(duration(*max_session_duration))
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("UpdateRole", e))?;
        }
        RoleOperation::PutRolePermissionsBoundary { name, policy_arn } => {
            iam.put_role_permissions_boundary()
                .role_name(name)
                .permissions_boundary(policy_arn)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("PutRolePermissionsBoundary", e))?;
        }
        RoleOperation::DeleteRolePermissionsBoundary { name } => {
            let result = iam
                .delete_role_permissions_boundary()
                .role_name(name)
                .send()
                .await;
            absent_on(result, "NoSuchEntity", "DeleteRolePermissionsBoundary")?;
        }
        RoleOperation::AttachRolePolicy { name, policy_arn } => {
            iam.attach_role_policy()
                .role_name(name)
                .policy_arn(policy_arn)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("AttachRolePolicy", e))?;
        }
        RoleOperation::DetachRolePolicy { name, policy_arn } => {
            let result = iam
                .detach_role_policy()
                .role_name(name)
                .policy_arn(policy_arn)
                .send()
                .await;
            absent_on(result, "NoSuchEntity", "DetachRolePolicy")?;
        }
        RoleOperation::PutRolePolicy {
            name,
            policy_name,
            document,
        } => {
            iam.put_role_policy()
                .role_name(name)
                .policy_name(policy_name)
                .policy_document(document)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("PutRolePolicy", e))?;
        }
        RoleOperation::DeleteRolePolicy { name, policy_name } => {
            let result = iam
                .delete_role_policy()
                .role_name(name)
                .policy_name(policy_name)
                .send()
                .await;
            absent_on(result, "NoSuchEntity", "DeleteRolePolicy")?;
        }
        RoleOperation::TagRole { name, tags } => {
            iam.tag_role()
                .role_name(name)
                .set_tags(Some(to_tags(tags)?))
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("TagRole", e))?;
        }
        RoleOperation::UntagRole { name, keys } => {
            iam.untag_role()
                .role_name(name)
                .set_tag_keys(Some(keys.clone()))
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("UntagRole", e))?;
        }
    }
    Ok(Executed::Done)
}

/// This kind's part of the live snapshot.
impl crate::aws::reads::ReadsLive for crate::kinds::role::RoleKind {
    fn read<'a>(
        aws: &'a Aws,
        manifest: &'a crate::manifest::model::Manifest,
        find_owned: bool,
        _so_far: &'a crate::live::LiveSnapshot,
    ) -> futures::future::BoxFuture<'a, Result<crate::aws::reads::Store, AwsError>> {
        Box::pin(async move {
            let declared = manifest.iam.roles.keys().cloned().collect();
            let (roles, unmanaged) =
                read_roles(aws, &declared, find_owned, &manifest.stack).await?;
            let store: crate::aws::reads::Store = Box::new(move |live| {
                live.roles = roles;
                live.unmanaged.roles = unmanaged;
            });
            Ok(store)
        })
    }
}

/// What `wharf export` reads of this kind.
impl crate::aws::reads::ExportsLive for crate::kinds::role::RoleKind {
    fn read_selected<'a>(
        aws: &'a Aws,
        selection: &'a crate::export::Selection,
        stack: &'a str,
        _so_far: &'a crate::live::LiveSnapshot,
    ) -> futures::future::BoxFuture<'a, Result<(crate::aws::reads::Store, Vec<String>), AwsError>>
    {
        Box::pin(async move {
            if selection.roles.is_empty() {
                return Ok(crate::aws::reads::nothing());
            }
            let names = role_names(aws, selection).await?;
            let roles = read_roles(aws, &names, false, stack).await?.0;
            let store: crate::aws::reads::Store = Box::new(move |live| live.roles = roles);
            Ok((store, Vec::new()))
        })
    }
}

/// Roles whose names match, less service-linked roles (AWS's own, under `/aws-service-role/`).
async fn role_names(
    aws: &Aws,
    selection: &crate::export::Selection,
) -> Result<BTreeSet<String>, AwsError> {
    let listed: Vec<aws_sdk_iam::types::Role> = aws
        .iam
        .list_roles()
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| AwsError::from_sdk("ListRoles", e))?;
    Ok(listed
        .iter()
        .filter(|r| !r.path().starts_with("/aws-service-role/"))
        .map(|r| r.role_name().to_string())
        .filter(|name| selection.roles.matches(name))
        .collect())
}
