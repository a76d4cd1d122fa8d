//! What the plan and the registry know of a public repository without its planning code: its
//! registry entry, and the operations a plan carries for it (plain data, serialized into
//! plans) with their one-line descriptions.

use crate::kinds::entry::Entry;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The registry's entry for this kind.
pub const ENTRY: Entry = Entry {
    singular: "public repository",
    plural: "public repositories",
    prefix: "ecr.public_repository.",
    manifest_path: &["publicRepositories"],
    count: |m| m.public_repositories.as_ref().map_or(0, |p| p.len()),
};

/// One write call against ECR Public, with everything it needs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum PublicRepositoryOperation {
    CreateRepository {
        name: String,
        #[serde(default)]
        catalog: CatalogInput,
        tags: BTreeMap<String, String>,
    },
    DeleteRepository {
        name: String,
        force: bool,
    },
    PutRepositoryCatalogData {
        name: String,
        catalog: CatalogInput,
    },
    SetRepositoryPolicy {
        name: String,
        document: String,
    },
    DeleteRepositoryPolicy {
        name: String,
    },
    TagResource {
        name: String,
        arn: String,
        tags: BTreeMap<String, String>,
    },
    UntagResource {
        name: String,
        arn: String,
        keys: Vec<String>,
    },
}

impl PublicRepositoryOperation {
    /// ECR Public rejects a repository policy naming a role IAM has not yet propagated;
    /// `message` is lowercase.
    pub fn propagation_wait(&self, message: &str) -> Option<&'static str> {
        (matches!(self, Self::SetRepositoryPolicy { .. })
            && message.contains("invalid repository policy"))
        .then_some("waiting for IAM to propagate a new role to ECR Public")
    }

    pub fn describe(&self) -> String {
        let logo = |catalog: &CatalogInput| match &catalog.logo {
            Some(LogoChange::Upload { path, .. }) => format!(" (logo {path})"),
            Some(LogoChange::Remove) => " (logo removed)".to_string(),
            None => String::new(),
        };
        match self {
            Self::CreateRepository { name, catalog, .. } => {
                format!("CreateRepository {name}{}", logo(catalog))
            }
            Self::DeleteRepository { name, force } => format!(
                "DeleteRepository {name}{}",
                if *force { " (force)" } else { "" }
            ),
            Self::PutRepositoryCatalogData { name, catalog } => {
                format!("PutRepositoryCatalogData {name}{}", logo(catalog))
            }
            Self::SetRepositoryPolicy { name, .. } => format!("SetRepositoryPolicy {name}"),
            Self::DeleteRepositoryPolicy { name } => format!("DeleteRepositoryPolicy {name}"),
            Self::TagResource { name, tags, .. } => format!(
                "TagResource {name} {}",
                tags.keys().cloned().collect::<Vec<_>>().join(",")
            ),
            Self::UntagResource { name, keys, .. } => {
                format!("UntagResource {name} {}", keys.join(","))
            }
        }
    }
}

/// The repository's catalog data as sent to AWS: text exactly as written (None when left
/// out or empty), lists in the manifest's order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Catalog {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub about_text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage_text: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub architectures: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub operating_systems: Vec<String>,
}

/// What to do with the logo in a catalog write.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "action",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum LogoChange {
    /// Send this file; apply re-reads it and refuses when its sha256 is no longer this one,
    /// so what is uploaded is exactly what the plan was made from.
    Upload { path: String, sha256: String },
    /// Clear the logo wharf uploaded (an empty logoImageBlob).
    Remove,
}

/// The catalogData of CreateRepository and PutRepositoryCatalogData.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CatalogInput {
    #[serde(flatten)]
    pub data: Catalog,
    /// None: the logo is not sent (AWS keeps whatever it has).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo: Option<LogoChange>,
}
