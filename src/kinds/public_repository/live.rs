//! What the live snapshot holds of a public repository, as read from AWS: plain data, PURE. Its
//! `io.rs` fills it in; its planning code compares against it.

use std::collections::BTreeMap;

/// An ECR Public repository with its catalog data (GetRepositoryCatalogData), policy and
/// tags, as AWS returns them (absent fields None or empty).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LivePublicRepository {
    pub name: String,
    pub arn: String,
    pub uri: String,
    pub tags: BTreeMap<String, String>,
    pub description: Option<String>,
    pub about_text: Option<String>,
    pub usage_text: Option<String>,
    pub architectures: Vec<String>,
    pub operating_systems: Vec<String>,
    /// Where AWS serves the logo from; the image itself is never returned.
    pub logo_url: Option<String>,
    /// The repository policy text, None when the repository has none.
    pub policy: Option<String>,
    /// Images in the repository; read only for repositories a prune would delete.
    pub image_count: Option<u64>,
}

/// A logo file as read for planning: where it is and the sha256 of its bytes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LogoFile {
    /// The manifest's `logo` joined to the manifest's directory.
    pub path: String,
    /// Lowercase hex.
    pub sha256: String,
}
