//! IAM roles (`iam.role.NAME`): the trust policy (from `assumedBy` or raw), managed and
//! inline policies, the least-privilege pull policy generated from `pullFrom`, and the
//! role's own settings; the comparison with live IAM and the operations that close it.
//!
//! AWS facts this module encodes:
//! - a role's name and path cannot change: a path change replaces the role;
//! - a role must lose its managed and inline policies before DeleteRole succeeds;
//! - unset description means none, unset maxSessionDuration means 3600 seconds;
//! - IAM hands policy documents back URL-encoded (decoded in `io.rs`, compared here by meaning).

pub mod export;
pub mod io;
pub mod lint;
pub mod live;
pub mod model;
pub mod operation;
pub mod references;
pub mod validate;

use crate::documents::policy;
use crate::kinds::common::{Context, OWNERSHIP_TAG, document_text, parse_live_document};
use crate::kinds::reconcile::{Ownership, Reconcile, not_declared, reconcile};
use crate::kinds::repository;
use crate::live::{LiveRole, LiveSnapshot};
use crate::manifest::model::{EncryptionType, Manifest, Role};
use crate::plan::{Change, ChangeAction, ChangeReason, FieldChange, Operation};
pub use operation::RoleOperation;
pub use references::{
    address, pull_dependencies, qualify_name, resolve_reference, role_arn, role_path,
    unique_id_warning,
};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

pub const ADDRESS_PREFIX: &str = operation::ENTRY.prefix;
/// The inline policy `pullFrom` compiles into; the name is reserved.
pub const PULL_POLICY_NAME: &str = "wharf-pull";
/// IAM's default maximum session duration, in seconds.
pub const DEFAULT_MAX_SESSION_DURATION: i64 = 3600;

#[derive(Clone, Debug, PartialEq)]
pub struct DesiredRole {
    pub name: String,
    pub path: String,
    pub trust_policy: Value,
    pub managed_policies: BTreeSet<String>,
    pub inline_policies: BTreeMap<String, Value>,
    pub description: Option<String>,
    pub max_session_duration: i64,
    pub permissions_boundary: Option<String>,
    pub tags: BTreeMap<String, String>,
    /// `instanceProfile`, when the manifest states it.
    pub instance_profile: Option<bool>,
}

/// Trust policy from the `assumedBy` short form: service principals, account ids and
/// role (or other IAM) ARNs, in one statement allowing sts:AssumeRole.
pub fn trust_policy_from(assumed_by: &[String]) -> Value {
    trust_policy_in(assumed_by, "aws")
}

/// `trust_policy_from` for a partition: an account id becomes that partition's root ARN.
pub fn trust_policy_in(assumed_by: &[String], partition: &str) -> Value {
    let mut services = BTreeSet::new();
    let mut aws = BTreeSet::new();
    for principal in assumed_by {
        if principal.len() == 12 && principal.bytes().all(|b| b.is_ascii_digit()) {
            aws.insert(format!("arn:{partition}:iam::{principal}:root"));
        } else if principal.starts_with("arn:") {
            aws.insert(principal.clone());
        } else {
            services.insert(principal.clone());
        }
    }
    let mut principal = serde_json::Map::new();
    if !aws.is_empty() {
        principal.insert("AWS".into(), json!(aws));
    }
    if !services.is_empty() {
        principal.insert("Service".into(), json!(services));
    }
    json!({
        "Version": policy::POLICY_VERSION,
        "Statement": [{
            "Effect": "Allow",
            "Principal": principal,
            "Action": "sts:AssumeRole",
        }]
    })
}

/// The least-privilege pull policy for `pullFrom`: GetAuthorizationToken on `*`, the pull
/// actions on exactly these repositories, and kms:Decrypt on customer-managed keys.
pub fn pull_policy(manifest: &Manifest, ctx: &Context, pull_from: &[String]) -> Value {
    let mut repositories = BTreeSet::new();
    let mut keys = BTreeSet::new();
    let mut aliases = BTreeSet::new();
    for entry in pull_from {
        if entry.starts_with("arn:") {
            repositories.insert(entry.clone());
            continue;
        }
        repositories.insert(repository::repository_arn(ctx, entry));
        let Some(repo) = manifest.repositories.get(entry) else {
            continue;
        };
        let desired = repository::desired(manifest, ctx, entry, repo);
        if desired.encryption_type == EncryptionType::Aes256 {
            continue;
        }
        // No key means the AWS-managed aws/ecr key, whose key policy already lets ECR
        // decrypt for principals of the account.
        let Some(key) = desired.kms_key else {
            continue;
        };
        match kms_key_arn(ctx, &key) {
            Some(arn) => {
                keys.insert(arn);
            }
            None => {
                aliases.insert(alias_name(&key));
            }
        }
    }
    let mut statements = vec![
        json!({
            "Sid": "EcrAuthorizationToken",
            "Effect": "Allow",
            "Action": "ecr:GetAuthorizationToken",
            "Resource": "*",
        }),
        json!({
            "Sid": "EcrPull",
            "Effect": "Allow",
            "Action": policy::PULL_ACTIONS,
            "Resource": repositories,
        }),
    ];
    if !keys.is_empty() {
        statements.push(json!({
            "Sid": "KmsDecrypt",
            "Effect": "Allow",
            "Action": "kms:Decrypt",
            "Resource": keys,
        }));
    }
    if !aliases.is_empty() {
        // An alias cannot be a Resource for kms:Decrypt; the key is matched by its alias.
        statements.push(json!({
            "Sid": "KmsDecryptByAlias",
            "Effect": "Allow",
            "Action": "kms:Decrypt",
            "Resource": "*",
            "Condition": { "ForAnyValue:StringEquals": { "kms:ResourceAliases": aliases } },
        }));
    }
    json!({ "Version": policy::POLICY_VERSION, "Statement": statements })
}

/// The key ARN of a key reference when it can be known: a key ARN, a key id, or an alias
/// that DescribeKey resolved.
fn kms_key_arn(ctx: &Context, key: &str) -> Option<String> {
    if key.starts_with("arn:") && key.contains(":key/") {
        return Some(key.to_string());
    }
    if !key.starts_with("alias/") && !key.starts_with("arn:") {
        return Some(format!(
            "arn:{}:kms:{}:{}:key/{key}",
            ctx.partition(),
            ctx.region,
            ctx.account_id
        ));
    }
    ctx.kms_keys.get(key).map(|k| k.key_arn.clone())
}

fn alias_name(key: &str) -> String {
    match key.find(":alias/") {
        Some(i) => key[i + 1..].to_string(),
        None => key.to_string(),
    }
}

pub fn desired(manifest: &Manifest, ctx: &Context, name: &str, role: &Role) -> DesiredRole {
    let trust_policy = match (&role.assumed_by, &role.assume_role_policy) {
        (_, Some(raw)) => policy::parse_document(raw).unwrap_or(Value::Null),
        (Some(by), None) => trust_policy_in(by, ctx.partition()),
        (None, None) => trust_policy_in(&[], ctx.partition()),
    };
    let mut inline_policies: BTreeMap<String, Value> = role
        .inline_policies
        .iter()
        .flatten()
        .map(|(k, v)| (k.clone(), policy::parse_document(v).unwrap_or(Value::Null)))
        .collect();
    if let Some(pull_from) = role.pull_from.as_ref().filter(|p| !p.is_empty()) {
        inline_policies.insert(
            PULL_POLICY_NAME.to_string(),
            pull_policy(manifest, ctx, pull_from),
        );
    }
    let mut tags = manifest.defaults.tags.clone();
    tags.extend(role.tags.clone().unwrap_or_default());
    tags.insert(OWNERSHIP_TAG.to_string(), manifest.stack.clone());
    DesiredRole {
        name: name.to_string(),
        path: role_path(role),
        trust_policy,
        managed_policies: role.managed_policies.iter().flatten().cloned().collect(),
        inline_policies,
        description: role.description.clone().filter(|d| !d.is_empty()),
        max_session_duration: role
            .max_session_duration
            .unwrap_or(DEFAULT_MAX_SESSION_DURATION),
        permissions_boundary: role.permissions_boundary.clone(),
        tags,
        instance_profile: role.instance_profile,
    }
}

/// Conflicts, changes and warnings for every role.
pub fn plan(
    manifest: &Manifest,
    ctx: &Context,
    live: &LiveSnapshot,
    prune: bool,
) -> crate::kinds::common::KindPlan {
    plan_with(
        manifest,
        ctx,
        live,
        prune,
        crate::kinds::common::Adoption::Refuse,
    )
}

/// `plan`, adopting declared roles that carry no ownership tag when asked to.
pub fn plan_with(
    manifest: &Manifest,
    ctx: &Context,
    live: &LiveSnapshot,
    prune: bool,
    adoption: crate::kinds::common::Adoption,
) -> crate::kinds::common::KindPlan {
    reconcile(
        &Roles {
            manifest,
            ctx,
            live,
        },
        prune,
        adoption,
    )
}

/// The roles of a manifest against those IAM holds.
struct Roles<'a> {
    manifest: &'a Manifest,
    ctx: &'a Context<'a>,
    live: &'a LiveSnapshot,
}

impl Reconcile for Roles<'_> {
    type Want = DesiredRole;
    type Have = LiveRole;
    const NOUN: &'static str = "role";
    const PREFIX: &'static str = ADDRESS_PREFIX;
    const OWNERSHIP: Ownership = Ownership::Tagged;
    const TAG_COMMAND: &'static str = "aws iam tag-role";

    fn stack(&self) -> &str {
        &self.manifest.stack
    }

    fn names(&self) -> Vec<String> {
        self.manifest.iam.roles.keys().cloned().collect()
    }

    fn desired(&self, name: &str, _: &mut Vec<String>) -> DesiredRole {
        desired(
            self.manifest,
            self.ctx,
            name,
            &self.manifest.iam.roles[name],
        )
    }

    fn find(&self, name: &str) -> Option<&LiveRole> {
        self.live.roles.get(name)
    }

    fn tags<'h>(&self, have: &'h LiveRole) -> Option<&'h BTreeMap<String, String>> {
        Some(&have.tags)
    }

    fn create(&self, _: &str, want: &DesiredRole) -> Change {
        create_change(want)
    }

    fn diff(
        &self,
        _: &str,
        want: &DesiredRole,
        have: &LiveRole,
        warnings: &mut Vec<String>,
    ) -> Result<Option<Change>, crate::kinds::common::Conflict> {
        Ok(diff(want, have, warnings))
    }

    fn undeclared(&self) -> Vec<(String, &LiveRole)> {
        not_declared(&self.live.roles, |name| {
            self.manifest.iam.roles.contains_key(name)
        })
    }

    fn delete(
        &self,
        name: &str,
        have: &LiveRole,
    ) -> Option<Result<Change, crate::kinds::common::Conflict>> {
        Some(Ok(crate::kinds::common::delete_because_not_in_manifest(
            address(name),
            crate::kinds::common::owned_not_declared(&self.manifest.stack),
            None,
            delete_operations(have),
        )))
    }
}

fn create_operations(want: &DesiredRole) -> Vec<Operation> {
    let mut ops = vec![RoleOperation::CreateRole {
        name: want.name.clone(),
        path: want.path.clone(),
        trust_policy: document_text(&want.trust_policy),
        description: want.description.clone(),
        max_session_duration: want.max_session_duration,
        permissions_boundary: want.permissions_boundary.clone(),
        tags: want.tags.clone(),
    }];
    for arn in &want.managed_policies {
        ops.push(RoleOperation::AttachRolePolicy {
            name: want.name.clone(),
            policy_arn: arn.clone(),
        });
    }
    for (policy_name, doc) in &want.inline_policies {
        ops.push(RoleOperation::PutRolePolicy {
            name: want.name.clone(),
            policy_name: policy_name.clone(),
            document: document_text(doc),
        });
    }
    if want.instance_profile == Some(true) {
        ops.extend(instance_profile_operations(&want.name, &want.path));
    }
    ops.into_iter().map(Operation::Role).collect()
}

/// An instance profile of the role's name and path, holding the role.
fn instance_profile_operations(name: &str, path: &str) -> [RoleOperation; 2] {
    [
        RoleOperation::CreateInstanceProfile {
            name: name.to_string(),
            path: path.to_string(),
        },
        RoleOperation::AddRoleToInstanceProfile {
            profile: name.to_string(),
            role: name.to_string(),
        },
    ]
}

/// DeleteRole fails while policies are attached or inline, or while an instance profile
/// holds the role: remove them first (and the role's own instance profile, of its name).
fn delete_operations(have: &LiveRole) -> Vec<Operation> {
    let mut ops = Vec::new();
    for profile in &have.instance_profiles {
        ops.push(RoleOperation::RemoveRoleFromInstanceProfile {
            profile: profile.clone(),
            role: have.name.clone(),
        });
        if *profile == have.name {
            ops.push(RoleOperation::DeleteInstanceProfile {
                name: profile.clone(),
            });
        }
    }
    for arn in &have.managed_policies {
        ops.push(RoleOperation::DetachRolePolicy {
            name: have.name.clone(),
            policy_arn: arn.clone(),
        });
    }
    for policy_name in have.inline_policies.keys() {
        ops.push(RoleOperation::DeleteRolePolicy {
            name: have.name.clone(),
            policy_name: policy_name.clone(),
        });
    }
    ops.push(RoleOperation::DeleteRole {
        name: have.name.clone(),
    });
    ops.into_iter().map(Operation::Role).collect()
}

fn create_change(want: &DesiredRole) -> Change {
    let mut fields = vec![
        FieldChange::new("path", Value::Null, json!(want.path)),
        FieldChange::new("assumeRolePolicy", Value::Null, want.trust_policy.clone()),
    ];
    if let Some(d) = &want.description {
        fields.push(FieldChange::new("description", Value::Null, json!(d)));
    }
    if want.max_session_duration != DEFAULT_MAX_SESSION_DURATION {
        fields.push(FieldChange::new(
            "maxSessionDuration",
            Value::Null,
            json!(want.max_session_duration),
        ));
    }
    if let Some(b) = &want.permissions_boundary {
        fields.push(FieldChange::new(
            "permissionsBoundary",
            Value::Null,
            json!(b),
        ));
    }
    if !want.managed_policies.is_empty() {
        fields.push(FieldChange::new(
            "managedPolicies",
            Value::Null,
            json!(want.managed_policies),
        ));
    }
    for (name, doc) in &want.inline_policies {
        fields.push(FieldChange::new(
            format!("inlinePolicies.{name}"),
            Value::Null,
            doc.clone(),
        ));
    }
    for (k, v) in &want.tags {
        fields.push(FieldChange::new(format!("tags.{k}"), Value::Null, json!(v)));
    }
    if want.instance_profile == Some(true) {
        fields.push(FieldChange::new(
            "instanceProfile",
            Value::Null,
            json!(true),
        ));
    }
    crate::kinds::common::create_because_missing(
        address(&want.name),
        crate::kinds::common::NOT_PRESENT,
        fields,
        create_operations(want),
    )
}

fn diff(want: &DesiredRole, have: &LiveRole, warnings: &mut Vec<String>) -> Option<Change> {
    let name = &want.name;
    let addr = address(name);
    let mut fields = Vec::new();
    let mut ops = Vec::new();

    if want.path != have.path {
        fields.push(FieldChange::new("path", json!(have.path), json!(want.path)));
        let mut operations = delete_operations(have);
        operations.extend(create_operations(want));
        return Some(Change {
            address: addr,
            action: ChangeAction::Replace,
            reason: "path cannot change in place; the role is deleted and created again".into(),
            reason_code: ChangeReason::ReplaceBecauseCannotUpdate,
            fields,
            destroys: None,
            preview: None,
            operations,
        });
    }

    let have_trust = have.trust_policy.as_deref().map(parse_live_document);
    if Some(policy::normalize(&want.trust_policy)) != have_trust.as_ref().map(policy::normalize) {
        if let Some(live) = &have_trust {
            warnings.extend(unique_id_warning(&addr, "assumeRolePolicy", live));
        }
        fields.push(FieldChange::new(
            "assumeRolePolicy",
            have_trust
                .as_ref()
                .map(policy::display)
                .unwrap_or(Value::Null),
            policy::display(&want.trust_policy),
        ));
        ops.push(RoleOperation::UpdateAssumeRolePolicy {
            name: name.clone(),
            document: document_text(&want.trust_policy),
        });
    }

    let have_description = have.description.clone().filter(|d| !d.is_empty());
    let description_differs = want.description != have_description;
    if description_differs {
        fields.push(FieldChange::new(
            "description",
            json!(have_description),
            json!(want.description),
        ));
    }
    if want.max_session_duration != have.max_session_duration {
        fields.push(FieldChange::new(
            "maxSessionDuration",
            json!(have.max_session_duration),
            json!(want.max_session_duration),
        ));
    }
    if description_differs || want.max_session_duration != have.max_session_duration {
        ops.push(RoleOperation::UpdateRole {
            name: name.clone(),
            description: want.description.clone().unwrap_or_default(),
            max_session_duration: want.max_session_duration,
        });
    }

    if want.permissions_boundary != have.permissions_boundary {
        fields.push(FieldChange::new(
            "permissionsBoundary",
            json!(have.permissions_boundary),
            json!(want.permissions_boundary),
        ));
        ops.push(match &want.permissions_boundary {
            Some(arn) => RoleOperation::PutRolePermissionsBoundary {
                name: name.clone(),
                policy_arn: arn.clone(),
            },
            None => RoleOperation::DeleteRolePermissionsBoundary { name: name.clone() },
        });
    }

    let have_managed: BTreeSet<String> = have.managed_policies.iter().cloned().collect();
    if want.managed_policies != have_managed {
        fields.push(FieldChange::new(
            "managedPolicies",
            json!(have_managed),
            json!(want.managed_policies),
        ));
        for arn in have_managed.difference(&want.managed_policies) {
            ops.push(RoleOperation::DetachRolePolicy {
                name: name.clone(),
                policy_arn: arn.clone(),
            });
        }
        for arn in want.managed_policies.difference(&have_managed) {
            ops.push(RoleOperation::AttachRolePolicy {
                name: name.clone(),
                policy_arn: arn.clone(),
            });
        }
    }

    // Inline policies share one size quota per role: make room before adding.
    for (policy_name, text) in &have.inline_policies {
        if !want.inline_policies.contains_key(policy_name) {
            fields.push(FieldChange::new(
                format!("inlinePolicies.{policy_name}"),
                parse_live_document(text),
                Value::Null,
            ));
            ops.push(RoleOperation::DeleteRolePolicy {
                name: name.clone(),
                policy_name: policy_name.clone(),
            });
        }
    }

    for (policy_name, doc) in &want.inline_policies {
        let live = have
            .inline_policies
            .get(policy_name)
            .map(|t| parse_live_document(t));
        if live.as_ref().map(policy::normalize) != Some(policy::normalize(doc)) {
            if let Some(live) = &live {
                warnings.extend(unique_id_warning(
                    &addr,
                    &format!("inlinePolicies.{policy_name}"),
                    live,
                ));
            }
            fields.push(FieldChange::new(
                format!("inlinePolicies.{policy_name}"),
                live.as_ref().map(policy::display).unwrap_or(Value::Null),
                policy::display(doc),
            ));
            ops.push(RoleOperation::PutRolePolicy {
                name: name.clone(),
                policy_name: policy_name.clone(),
                document: document_text(doc),
            });
        }
    }
    let holds = have.instance_profiles.contains(name);
    match want.instance_profile {
        Some(true) if !holds => {
            fields.push(FieldChange::new(
                "instanceProfile",
                json!(false),
                json!(true),
            ));
            ops.extend(instance_profile_operations(name, &want.path));
        }
        Some(false) if holds => {
            fields.push(FieldChange::new(
                "instanceProfile",
                json!(true),
                json!(false),
            ));
            ops.push(RoleOperation::RemoveRoleFromInstanceProfile {
                profile: name.clone(),
                role: name.clone(),
            });
            ops.push(RoleOperation::DeleteInstanceProfile { name: name.clone() });
        }
        _ => {}
    }
    let (tag_fields, to_tag, to_untag) = crate::kinds::common::tag_changes(&want.tags, &have.tags);
    fields.extend(tag_fields);
    ops.extend(crate::kinds::common::tag_operations(
        to_tag,
        to_untag,
        |keys| RoleOperation::UntagRole {
            name: name.clone(),
            keys,
        },
        |tags| RoleOperation::TagRole {
            name: name.clone(),
            tags,
        },
    ));

    if fields.is_empty() {
        return None;
    }
    Some(crate::kinds::common::update_because_drifted(
        addr,
        fields,
        ops.into_iter().map(Operation::Role).collect(),
    ))
}

/// The role kind, as the registry lists it.
pub struct RoleKind;

impl crate::kinds::Kind for RoleKind {
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
        crate::kinds::kind::objects_by_name(&live.roles, address)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::{KmsKey, LiveSnapshot};
    use crate::manifest::load;
    use crate::manifest::vars::Variables;

    const ACCOUNT: &str = "123456789012";

    fn manifest(yaml: &str) -> Manifest {
        match load("wharf.yaml", yaml, &Variables::default()) {
            Ok(loaded) => loaded.manifest,
            Err(failure) => panic!("{yaml}\n{:#?}", failure.diagnostics),
        }
    }

    fn ctx<'a>(region: &'a str, kms_keys: &'a BTreeMap<String, KmsKey>) -> Context<'a> {
        Context {
            account_id: ACCOUNT,
            region,
            kms_keys,
        }
    }

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    fn ops(change: &Change) -> Vec<String> {
        change.operations.iter().map(Operation::describe).collect()
    }

    #[test]
    fn trust_policy_from_table() {
        let aws = |p: Value| {
            json!({
                "Version": "2012-10-17",
                "Statement": [{ "Effect": "Allow", "Principal": p, "Action": "sts:AssumeRole" }]
            })
        };
        let cases: Vec<(&[&str], Value)> = vec![
            (
                &["ecs-tasks.amazonaws.com"],
                aws(json!({ "Service": ["ecs-tasks.amazonaws.com"] })),
            ),
            (
                &["111122223333"],
                aws(json!({ "AWS": ["arn:aws:iam::111122223333:root"] })),
            ),
            (
                &["arn:aws:iam::111122223333:role/ci/deployer"],
                aws(json!({ "AWS": ["arn:aws:iam::111122223333:role/ci/deployer"] })),
            ),
            (
                &["arn:aws:sts::111122223333:assumed-role/ci/session"],
                aws(json!({ "AWS": ["arn:aws:sts::111122223333:assumed-role/ci/session"] })),
            ),
            // Mixed: sorted, deduplicated, an account id and its root ARN are one principal.
            (
                &[
                    "lambda.amazonaws.com",
                    "111122223333",
                    "ecs-tasks.amazonaws.com",
                    "arn:aws:iam::111122223333:root",
                    "arn:aws:iam::444455556666:role/r",
                    "ecs-tasks.amazonaws.com",
                ],
                aws(json!({
                    "AWS": ["arn:aws:iam::111122223333:root", "arn:aws:iam::444455556666:role/r"],
                    "Service": ["ecs-tasks.amazonaws.com", "lambda.amazonaws.com"],
                })),
            ),
            // A 12-character name that is not all digits is not an account id.
            (
                &["a23456789012"],
                aws(json!({ "Service": ["a23456789012"] })),
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(trust_policy_from(&strings(input)), expected, "{input:?}");
        }
    }

    #[test]
    fn an_account_id_becomes_the_root_arn_of_the_region_partition() {
        let m = manifest(
            "version: 1\nstack: shop\niam:\n  roles:\n    deploy:\n      assumedBy: [\"111122223333\"]\n",
        );
        let keys = BTreeMap::new();
        let want = desired(
            &m,
            &ctx("cn-north-1", &keys),
            "deploy",
            &m.iam.roles["deploy"],
        );
        assert_eq!(
            want.trust_policy["Statement"][0]["Principal"]["AWS"],
            json!(["arn:aws-cn:iam::111122223333:root"])
        );
    }

    const PULL_MANIFEST: &str = r#"version: 1
stack: shop
repositories:
  shop/plain: {}
  shop/by-arn:
    encryption: { type: KMS, kmsKey: "arn:aws:kms:eu-west-1:123456789012:key/1111aaaa-12ab-34cd-56ef-1234567890ab" }
  shop/by-id:
    encryption: { type: KMS, kmsKey: 2222bbbb-12ab-34cd-56ef-1234567890ab }
  shop/by-alias:
    encryption: { type: KMS, kmsKey: alias/shop-ecr }
  shop/by-alias-arn:
    encryption: { type: KMS, kmsKey: "arn:aws:kms:eu-west-1:123456789012:alias/other-ecr" }
  shop/aws-managed:
    encryption: { type: KMS }
iam:
  roles:
    puller:
      assumedBy: [ecs-tasks.amazonaws.com]
"#;

    fn pull(m: &Manifest, ctx: &Context, from: &[&str]) -> Value {
        pull_policy(m, ctx, &strings(from))
    }

    fn statement<'a>(doc: &'a Value, sid: &str) -> Option<&'a Value> {
        doc["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["Sid"] == sid)
    }

    #[test]
    fn pull_policy_grants_exactly_the_named_repositories() {
        let m = manifest(PULL_MANIFEST);
        let keys = BTreeMap::new();
        let ctx = ctx("eu-west-1", &keys);
        let foreign = "arn:aws:ecr:us-east-1:111122223333:repository/base/image";
        let doc = pull(&m, &ctx, &["shop/plain", foreign, "shop/aws-managed"]);
        assert_eq!(
            doc,
            json!({
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "EcrAuthorizationToken",
                        "Effect": "Allow",
                        "Action": "ecr:GetAuthorizationToken",
                        "Resource": "*"
                    },
                    {
                        "Sid": "EcrPull",
                        "Effect": "Allow",
                        "Action": [
                            "ecr:BatchCheckLayerAvailability",
                            "ecr:BatchGetImage",
                            "ecr:GetDownloadUrlForLayer"
                        ],
                        "Resource": [
                            "arn:aws:ecr:eu-west-1:123456789012:repository/shop/aws-managed",
                            "arn:aws:ecr:eu-west-1:123456789012:repository/shop/plain",
                            foreign
                        ]
                    }
                ]
            }),
            "AES256 and the AWS-managed key need no kms:Decrypt"
        );
        // Repositories are deduplicated; another partition gets its own ARNs.
        let cn = Context {
            region: "cn-north-1",
            ..ctx
        };
        let doc = pull(&m, &cn, &["shop/plain", "shop/plain"]);
        assert_eq!(
            statement(&doc, "EcrPull").unwrap()["Resource"],
            json!(["arn:aws-cn:ecr:cn-north-1:123456789012:repository/shop/plain"])
        );
    }

    #[test]
    fn pull_policy_decrypts_with_customer_managed_keys() {
        let m = manifest(PULL_MANIFEST);
        let keys = BTreeMap::new();
        let ctx = ctx("eu-west-1", &keys);

        // A key ARN as written; a key id made into the ARN in the repository's region.
        let doc = pull(&m, &ctx, &["shop/by-arn", "shop/by-id"]);
        assert_eq!(
            statement(&doc, "KmsDecrypt").unwrap(),
            &json!({
                "Sid": "KmsDecrypt",
                "Effect": "Allow",
                "Action": "kms:Decrypt",
                "Resource": [
                    "arn:aws:kms:eu-west-1:123456789012:key/1111aaaa-12ab-34cd-56ef-1234567890ab",
                    "arn:aws:kms:eu-west-1:123456789012:key/2222bbbb-12ab-34cd-56ef-1234567890ab"
                ]
            })
        );
        assert!(statement(&doc, "KmsDecryptByAlias").is_none());

        // Unresolved aliases (the alias name or the alias ARN): matched by alias name.
        let doc = pull(&m, &ctx, &["shop/by-alias", "shop/by-alias-arn"]);
        assert!(statement(&doc, "KmsDecrypt").is_none(), "{doc:#}");
        assert_eq!(
            statement(&doc, "KmsDecryptByAlias").unwrap(),
            &json!({
                "Sid": "KmsDecryptByAlias",
                "Effect": "Allow",
                "Action": "kms:Decrypt",
                "Resource": "*",
                "Condition": {
                    "ForAnyValue:StringEquals": {
                        "kms:ResourceAliases": ["alias/other-ecr", "alias/shop-ecr"]
                    }
                }
            })
        );
    }

    #[test]
    fn pull_policy_uses_the_key_arn_an_alias_resolved_to() {
        let m = manifest(PULL_MANIFEST);
        let resolved =
            "arn:aws:kms:eu-west-1:123456789012:key/3333cccc-12ab-34cd-56ef-1234567890ab";
        let keys = BTreeMap::from([(
            "alias/shop-ecr".to_string(),
            KmsKey {
                key_arn: resolved.into(),
                aws_managed: false,
            },
        )]);
        let ctx = ctx("eu-west-1", &keys);
        let doc = pull(&m, &ctx, &["shop/by-alias", "shop/by-alias-arn"]);
        assert_eq!(
            statement(&doc, "KmsDecrypt").unwrap()["Resource"],
            json!([resolved])
        );
        // Only the alias that did not resolve is matched by name.
        assert_eq!(
            statement(&doc, "KmsDecryptByAlias").unwrap()["Condition"]["ForAnyValue:StringEquals"]
                ["kms:ResourceAliases"],
            json!(["alias/other-ecr"])
        );
    }

    #[test]
    fn pull_policy_follows_defaults_repository_encryption() {
        let m = manifest(
            "version: 1\nstack: shop\ndefaults:\n  repository:\n    encryption: { type: KMS, kmsKey: 4444dddd-12ab-34cd-56ef-1234567890ab }\nrepositories:\n  shop/web: {}\n",
        );
        let keys = BTreeMap::new();
        let doc = pull(&m, &ctx("eu-west-1", &keys), &["shop/web"]);
        assert_eq!(
            statement(&doc, "KmsDecrypt").unwrap()["Resource"],
            json!(["arn:aws:kms:eu-west-1:123456789012:key/4444dddd-12ab-34cd-56ef-1234567890ab"])
        );
    }

    #[test]
    fn role_arn_includes_the_path() {
        let keys = BTreeMap::new();
        let c = ctx("eu-west-1", &keys);
        assert_eq!(
            role_arn(&c, "/", "app"),
            "arn:aws:iam::123456789012:role/app"
        );
        assert_eq!(
            role_arn(&c, "/shop/ecs/", "app"),
            "arn:aws:iam::123456789012:role/shop/ecs/app"
        );
        assert_eq!(
            role_arn(&ctx("us-gov-west-1", &keys), "/", "app"),
            "arn:aws-us-gov:iam::123456789012:role/app"
        );

        let m = manifest(
            "version: 1\nstack: shop\niam:\n  roles:\n    app:\n      path: /shop/\n      assumedBy: [ecs-tasks.amazonaws.com]\n    plain:\n      assumedBy: [ecs-tasks.amazonaws.com]\n",
        );
        assert_eq!(
            resolve_reference(&m, &c, "app"),
            "arn:aws:iam::123456789012:role/shop/app"
        );
        assert_eq!(
            resolve_reference(&m, &c, "plain"),
            "arn:aws:iam::123456789012:role/plain"
        );
        let arn = "arn:aws:iam::111122223333:role/ci/pusher";
        assert_eq!(resolve_reference(&m, &c, arn), arn);
    }

    fn live_role(name: &str, trust: &Value) -> LiveRole {
        LiveRole {
            name: name.into(),
            path: "/".into(),
            arn: format!("arn:aws:iam::{ACCOUNT}:role/{name}"),
            trust_policy: Some(trust.to_string()),
            description: None,
            max_session_duration: 3600,
            permissions_boundary: None,
            managed_policies: vec![],
            inline_policies: BTreeMap::new(),
            tags: BTreeMap::from([(OWNERSHIP_TAG.to_string(), "shop".to_string())]),
            instance_profiles: vec![],
        }
    }

    fn snapshot(roles: Vec<LiveRole>) -> LiveSnapshot {
        LiveSnapshot {
            account_id: ACCOUNT.into(),
            region: "eu-west-1".into(),
            roles: roles.into_iter().map(|r| (r.name.clone(), r)).collect(),
            ..Default::default()
        }
    }

    fn with_policies(mut role: LiveRole) -> LiveRole {
        role.managed_policies = strings(&[
            "arn:aws:iam::aws:policy/ReadOnlyAccess",
            "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
        ]);
        role.inline_policies = BTreeMap::from([
            ("one".to_string(), "{}".to_string()),
            ("wharf-pull".to_string(), "{}".to_string()),
        ]);
        role
    }

    #[test]
    fn a_delete_removes_policies_before_the_role() {
        let m = manifest("version: 1\nstack: shop\n");
        let keys = BTreeMap::new();
        let live = snapshot(vec![with_policies(live_role(
            "old",
            &trust_policy_from(&strings(&["ecs-tasks.amazonaws.com"])),
        ))]);
        let out = plan(&m, &ctx("eu-west-1", &keys), &live, true);
        assert_eq!(out.changes.len(), 1);
        let change = &out.changes[0];
        assert_eq!(change.address, "iam.role.old");
        assert_eq!(change.action, ChangeAction::Delete);
        assert_eq!(
            ops(change),
            vec![
                "DetachRolePolicy old arn:aws:iam::aws:policy/ReadOnlyAccess",
                "DetachRolePolicy old arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
                "DeleteRolePolicy old one",
                "DeleteRolePolicy old wharf-pull",
                "DeleteRole old",
            ]
        );
        // Without --prune, nothing; and never a role of another stack or none.
        assert!(
            plan(&m, &ctx("eu-west-1", &keys), &live, false)
                .changes
                .is_empty()
        );
        for owner in [None, Some("other")] {
            let mut role = live_role("old", &json!({}));
            role.tags = owner
                .map(|o| BTreeMap::from([(OWNERSHIP_TAG.to_string(), o.to_string())]))
                .unwrap_or_default();
            let out = plan(&m, &ctx("eu-west-1", &keys), &snapshot(vec![role]), true);
            assert!(out.changes.is_empty(), "{owner:?}");
        }
    }

    #[test]
    fn a_path_change_deletes_everything_then_creates_at_the_new_path() {
        let m = manifest(
            "version: 1\nstack: shop\niam:\n  roles:\n    app:\n      path: /new/\n      assumedBy: [ecs-tasks.amazonaws.com]\n      managedPolicies: [arn:aws:iam::aws:policy/ReadOnlyAccess]\n      inlinePolicies:\n        one: { Version: \"2012-10-17\", Statement: [ { Effect: Allow, Action: s3:GetObject, Resource: \"*\" } ] }\n",
        );
        let keys = BTreeMap::new();
        let live = snapshot(vec![with_policies(live_role(
            "app",
            &trust_policy_from(&strings(&["ecs-tasks.amazonaws.com"])),
        ))]);
        let out = plan(&m, &ctx("eu-west-1", &keys), &live, false);
        let change = &out.changes[0];
        assert_eq!(change.action, ChangeAction::Replace);
        assert_eq!(change.fields.len(), 1);
        assert_eq!(change.fields[0].path, "path");
        assert_eq!(
            ops(change),
            vec![
                "DetachRolePolicy app arn:aws:iam::aws:policy/ReadOnlyAccess",
                "DetachRolePolicy app arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
                "DeleteRolePolicy app one",
                "DeleteRolePolicy app wharf-pull",
                "DeleteRole app",
                "CreateRole app",
                "AttachRolePolicy app arn:aws:iam::aws:policy/ReadOnlyAccess",
                "PutRolePolicy app one",
            ]
        );
        match &change.operations[5] {
            Operation::Role(RoleOperation::CreateRole { path, .. }) => assert_eq!(path, "/new/"),
            other => panic!("{other:?}"),
        }
    }

    /// The manifest with role `app` holding these managed and inline policies.
    fn app_with(managed: &[&str], inline: &[&str]) -> Manifest {
        let doc = "{ Version: \"2012-10-17\", Statement: [ { Effect: Allow, Action: s3:GetObject, Resource: \"*\" } ] }";
        let inline: String = inline
            .iter()
            .map(|n| format!("        {n}: {doc}\n"))
            .collect();
        manifest(&format!(
            "version: 1\nstack: shop\niam:\n  roles:\n    app:\n      assumedBy: [ecs-tasks.amazonaws.com]\n      managedPolicies: [{}]\n{}",
            managed.join(", "),
            if inline.is_empty() {
                String::new()
            } else {
                format!("      inlinePolicies:\n{inline}")
            }
        ))
    }

    /// The update operations that take live role `app` (with managed policies
    /// `live_managed` and inline policies `live_inline`) to the manifest.
    fn update_ops(m: &Manifest, live_managed: &[&str], live_inline: &[&str]) -> Vec<String> {
        let keys = BTreeMap::new();
        let mut role = live_role(
            "app",
            &trust_policy_from(&strings(&["ecs-tasks.amazonaws.com"])),
        );
        role.managed_policies = strings(live_managed);
        role.inline_policies = live_inline
            .iter()
            .map(|n| (n.to_string(), "{}".to_string()))
            .collect();
        let out = plan(m, &ctx("eu-west-1", &keys), &snapshot(vec![role]), false);
        assert_eq!(out.changes.len(), 1, "{:?}", out.changes);
        assert_eq!(out.changes[0].action, ChangeAction::Update);
        ops(&out.changes[0])
    }

    #[test]
    fn an_update_detaches_before_it_attaches() {
        // IAM caps attached policies per role (10 by default): swapping one at the cap only
        // works when the detach goes first.
        let a = "arn:aws:iam::aws:policy/A";
        let b = "arn:aws:iam::aws:policy/B";
        let c = "arn:aws:iam::aws:policy/C";
        assert_eq!(
            update_ops(&app_with(&[a, c], &[]), &[a, b], &[]),
            vec![
                format!("DetachRolePolicy app {b}"),
                format!("AttachRolePolicy app {c}"),
            ]
        );
    }

    #[test]
    fn an_update_deletes_inline_policies_before_it_puts_new_ones() {
        assert_eq!(
            update_ops(&app_with(&[], &["new"]), &[], &["old"]),
            vec!["DeleteRolePolicy app old", "PutRolePolicy app new"]
        );
    }

    #[test]
    fn a_live_role_built_from_the_desired_one_has_no_diff() {
        let m = manifest(
            "version: 1\nstack: shop\ndefaults:\n  tags: { team: shop }\nrepositories:\n  shop/web: {}\niam:\n  roles:\n    app:\n      path: /shop/\n      description: the app\n      assumedBy: [ecs-tasks.amazonaws.com, \"111122223333\"]\n      maxSessionDuration: 7200\n      permissionsBoundary: arn:aws:iam::aws:policy/PowerUserAccess\n      managedPolicies: [arn:aws:iam::aws:policy/ReadOnlyAccess]\n      pullFrom: [shop/web]\n      inlinePolicies:\n        one: { Version: \"2012-10-17\", Statement: [ { Effect: Allow, Action: s3:GetObject, Resource: \"*\" } ] }\n      tags: { app: web }\n",
        );
        let keys = BTreeMap::new();
        let c = ctx("eu-west-1", &keys);
        let want = desired(&m, &c, "app", &m.iam.roles["app"]);
        assert_eq!(
            want.tags,
            BTreeMap::from([
                ("app".to_string(), "web".to_string()),
                ("team".to_string(), "shop".to_string()),
                (OWNERSHIP_TAG.to_string(), "shop".to_string()),
            ])
        );
        assert_eq!(
            want.inline_policies.keys().cloned().collect::<Vec<_>>(),
            vec!["one", "wharf-pull"]
        );
        let have = LiveRole {
            name: "app".into(),
            path: want.path.clone(),
            arn: role_arn(&c, &want.path, "app"),
            // IAM's own rewrite: account id to root ARN, statement as an object.
            trust_policy: Some(
                json!({
                    "Version": "2012-10-17",
                    "Statement": {
                        "Effect": "Allow",
                        "Principal": {
                            "Service": "ecs-tasks.amazonaws.com",
                            "AWS": "arn:aws:iam::111122223333:root"
                        },
                        "Action": "sts:AssumeRole"
                    }
                })
                .to_string(),
            ),
            description: want.description.clone(),
            max_session_duration: want.max_session_duration,
            permissions_boundary: want.permissions_boundary.clone(),
            managed_policies: want.managed_policies.iter().cloned().collect(),
            inline_policies: want
                .inline_policies
                .iter()
                .map(|(k, v)| (k.clone(), policy::pretty(v)))
                .collect(),
            tags: want.tags.clone(),
            instance_profiles: vec![],
        };
        let mut warnings = Vec::new();
        assert_eq!(diff(&want, &have, &mut warnings), None);
        assert!(warnings.is_empty());

        // An empty live description is no description.
        let mut m2 = m.clone();
        m2.iam.roles.get_mut("app").unwrap().description = None;
        let want2 = desired(&m2, &c, "app", &m2.iam.roles["app"]);
        let have2 = LiveRole {
            description: Some(String::new()),
            ..have
        };
        assert_eq!(diff(&want2, &have2, &mut warnings), None);
    }

    #[test]
    fn a_unique_id_principal_in_the_live_trust_policy_is_explained() {
        let m = manifest(
            "version: 1\nstack: shop\niam:\n  roles:\n    app:\n      assumedBy: ['arn:aws:iam::123456789012:role/ci']\n",
        );
        let keys = BTreeMap::new();
        let live = snapshot(vec![live_role(
            "app",
            &json!({
                "Version": "2012-10-17",
                "Statement": [{
                    "Effect": "Allow",
                    "Principal": { "AWS": ["AROAEXAMPLEID12345678", "AIDAEXAMPLEID87654321"] },
                    "Action": "sts:AssumeRole"
                }]
            }),
        )]);
        let out = plan(&m, &ctx("eu-west-1", &keys), &live, false);
        assert_eq!(out.changes.len(), 1);
        assert_eq!(out.changes[0].fields[0].path, "assumeRolePolicy");
        assert_eq!(out.warnings.len(), 1, "{:?}", out.warnings);
        let warning = &out.warnings[0];
        for part in [
            "iam.role.app",
            "assumeRolePolicy",
            "AIDAEXAMPLEID87654321",
            "AROAEXAMPLEID12345678",
            "unique id",
            "deleted",
        ] {
            assert!(warning.contains(part), "{part}: {warning}");
        }
        // A changed trust policy without unique ids has no such warning.
        let live = snapshot(vec![live_role(
            "app",
            &trust_policy_from(&strings(&["lambda.amazonaws.com"])),
        )]);
        let out = plan(&m, &ctx("eu-west-1", &keys), &live, false);
        assert_eq!(out.changes.len(), 1);
        assert!(out.warnings.is_empty(), "{:?}", out.warnings);
    }

    #[test]
    fn a_declared_role_that_is_not_owned_is_a_conflict() {
        let m = manifest(
            "version: 1\nstack: shop\niam:\n  roles:\n    app:\n      assumedBy: [ecs-tasks.amazonaws.com]\n",
        );
        let keys = BTreeMap::new();
        let mut role = live_role("app", &json!({}));
        role.tags.clear();
        let out = plan(&m, &ctx("eu-west-1", &keys), &snapshot(vec![role]), false);
        assert!(out.changes.is_empty());
        assert_eq!(out.conflicts.len(), 1);
        assert_eq!(out.conflicts[0].address, "iam.role.app");
        assert!(out.conflicts[0].message.contains("not managed by wharf"));
        assert!(out.conflicts[0].hint.contains("aws iam tag-role"));
    }
}
