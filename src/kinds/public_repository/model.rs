//! What the manifest may say of an ECR Public repository: its raw types, with AWS's camelCase
//! names, deriving serde (decoding) and schemars (the published schema). PURE, and a
//! leaf: `manifest::model` gathers these into the manifest.

use crate::kinds::repository::model::Pull;
use crate::manifest::raw_document::RawDocument;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// An ECR Public repository: its images are pullable by anyone, and its catalog data shows
/// in the Amazon ECR Public Gallery. Catalog fields left out are empty.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PublicRepository {
    /// A short description, shown in the gallery's search results and image details (at most 1,024 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The detailed description of the repository in the gallery, in Markdown (at most 25,600 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub about_text: Option<String>,
    /// How to use the images, in Markdown (at most 25,600 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage_text: Option<String>,
    /// Architectures the images run on, shown as gallery badges and search filters: ARM, ARM 64, x86, x86-64.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub architectures: Option<Vec<String>>,
    /// Operating systems the images run on, shown as gallery badges and search filters: Linux, Windows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operating_systems: Option<Vec<String>>,
    /// The repository logo: a PNG or JPEG file of at most 512,000 bytes, relative to the manifest's directory. AWS returns only a URL for it, so wharf records the file's sha256 in the tag wharf:logo-sha256 and uploads the file again when it changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo: Option<String>,
    /// Anyone can pull from a public repository, anonymously, and no policy can restrict it. Here `pull` grants these accounts and roles read access through the ECR Public API instead: ecr-public:DescribeImages, ecr-public:DescribeImageTags and ecr-public:BatchCheckLayerAvailability.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pull: Option<Pull>,
    /// A raw repository policy document (object or JSON text; actions are ecr-public:...); its statements are merged with `pull`'s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<RawDocument>")]
    pub policy: Option<Value>,
    /// Allow deleting the repository while it still holds images.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub force_delete: Option<bool>,
    /// Resource tags (merged over `defaults.tags`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
}
