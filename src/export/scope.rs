//! What exporting one object needs to know of the others: the account, and the exported
//! roles, repositories and families an object may name instead of an ARN or a URI; and
//! tags as the manifest writes them. PURE, and a leaf of `export`: each kind's export
//! reads it.

use crate::kinds::common::{Context, OWNERSHIP_TAG};
use crate::live::KmsKey;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// The account, and the exported objects other objects may name instead of giving ARNs
/// or URIs.
#[derive(Clone, Debug, Default)]
pub struct Scope {
    pub account_id: String,
    pub region: String,
    /// Exported roles: name → path.
    pub roles: BTreeMap<String, String>,
    /// Exported repositories: name → URI.
    pub repositories: BTreeMap<String, String>,
    /// Exported task definition families → their latest ACTIVE revision.
    pub families: BTreeMap<String, i64>,
}

/// No KMS key is resolved for export: keys are written as AWS reports them.
static NO_KEYS: BTreeMap<String, KmsKey> = BTreeMap::new();

impl Scope {
    pub fn context(&self) -> Context<'_> {
        Context {
            account_id: &self.account_id,
            region: &self.region,
            kms_keys: &NO_KEYS,
        }
    }

    /// The account id of an account principal (`arn:PARTITION:iam::ID:root`, or the id).
    pub fn account_of_root(&self, principal: &str) -> Option<String> {
        let id = principal
            .strip_prefix(&format!("arn:{}:iam::", self.context().partition()))
            .and_then(|rest| rest.strip_suffix(":root"))
            .unwrap_or(principal);
        (id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit())).then(|| id.to_string())
    }

    /// The name of an exported role with this ARN.
    pub fn exported_role(&self, arn: &str) -> Option<String> {
        let ctx = self.context();
        self.roles
            .iter()
            .find(|(name, path)| crate::kinds::role::role_arn(&ctx, path, name) == arn)
            .map(|(name, _)| name.clone())
    }

    /// A role reference as the manifest writes it: an exported role's name, else the ARN.
    pub fn role_reference(&self, arn: &str) -> String {
        self.exported_role(arn).unwrap_or_else(|| arn.to_string())
    }

    /// `{repository, tag}` (or digest) for an image in an exported repository.
    pub fn image_reference(&self, image: &str) -> Option<Value> {
        self.repositories.iter().find_map(|(name, uri)| {
            let rest = image.strip_prefix(uri.as_str())?;
            if let Some(digest) = rest.strip_prefix('@') {
                Some(json!({ "repository": name, "digest": digest }))
            } else {
                let tag = rest.strip_prefix(':')?;
                Some(json!({ "repository": name, "tag": tag }))
            }
        })
    }
}

/// A resource's tags as the manifest writes them: without the ownership tag (adoption
/// adds it) and without `aws:` tags (AWS sets those; nobody else may).
pub fn user_tags(tags: &BTreeMap<String, String>) -> Option<BTreeMap<String, String>> {
    let kept: BTreeMap<String, String> = tags
        .iter()
        .filter(|(k, _)| k.as_str() != OWNERSHIP_TAG && !k.starts_with("aws:"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    (!kept.is_empty()).then_some(kept)
}
