//! How other kinds name a role: its address, path and ARN, a manifest role name resolved
//! to its ARN, what a `pull` block makes depend on it, and the warning for a policy that
//! names a role by unique id. PURE, and apart from the role's planning code, so that
//! repositories, task definitions and services can name roles while the role's own pull
//! policy names repositories.

use crate::documents::policy;
use crate::kinds::common::Context;
use crate::kinds::role::operation::ENTRY;
use crate::manifest::model::{Manifest, Role};
use serde_json::Value;

pub fn address(name: &str) -> String {
    format!("{}{name}", ENTRY.prefix)
}

/// The roles of this manifest a `pull` block names, as addresses.
pub fn pull_dependencies(
    manifest: &Manifest,
    pull: Option<&crate::manifest::model::Pull>,
) -> Vec<String> {
    pull.iter()
        .flat_map(|p| p.roles.iter())
        .filter(|name| manifest.iam.roles.contains_key(*name))
        .map(|name| address(name))
        .collect()
}

/// A role's path as IAM stores it: `/` when unset.
pub fn role_path(role: &Role) -> String {
    role.path.clone().unwrap_or_else(|| "/".to_string())
}

/// The ARN a role has (or will have): predictable from account, path and name.
pub fn role_arn(ctx: &Context, path: &str, name: &str) -> String {
    format!(
        "arn:{}:iam::{}:role{path}{name}",
        ctx.partition(),
        ctx.account_id
    )
}

/// The ARN of the instance profile a role of this manifest has (`instanceProfile: true`):
/// the role's name and path.
pub fn instance_profile_arn(ctx: &Context, path: &str, name: &str) -> String {
    format!(
        "arn:{}:iam::{}:instance-profile{path}{name}",
        ctx.partition(),
        ctx.account_id
    )
}

/// Resolves a role reference: a role of the manifest by name, or an ARN as given.
pub fn resolve_reference(manifest: &Manifest, ctx: &Context, reference: &str) -> String {
    match manifest.iam.roles.get(reference) {
        Some(role) if !reference.starts_with("arn:") => role_arn(ctx, &role_path(role), reference),
        _ => reference.to_string(),
    }
}

/// A role the API accepts by name (a service's `role`, a task definition's
/// `taskRoleArn`) as the ARN AWS reports for it: a role of this manifest by its name, an
/// ARN as given, else a name in this account, `/path/name` for a role under a path (ECS
/// API Reference, CreateService `role`: "the name or full ARN ... prefix the role name
/// with the path").
pub fn qualify_name(manifest: &Manifest, ctx: &Context, reference: &str) -> String {
    if reference.starts_with("arn:") || manifest.iam.roles.contains_key(reference) {
        return resolve_reference(manifest, ctx, reference);
    }
    match reference.rsplit_once('/') {
        Some((path, name)) => {
            let path = format!("/{}/", path.trim_matches('/'));
            let path = if path == "//" { "/".to_string() } else { path };
            role_arn(ctx, &path, name)
        }
        None => role_arn(ctx, "/", reference),
    }
}

/// A warning when a live policy names principals by unique id: AWS shows `AROA...` /
/// `AIDA...` in place of an ARN when the principal was deleted (and maybe recreated).
pub fn unique_id_warning(address: &str, field: &str, live: &Value) -> Option<String> {
    let ids = policy::unique_id_principals(live);
    (!ids.is_empty()).then(|| {
        format!(
            "{address}: {field} names {} by unique id — AWS shows a principal that way after it was deleted; a role recreated under the same name is a new principal, so apply writes the policy again to name it",
            ids.join(", ")
        )
    })
}
