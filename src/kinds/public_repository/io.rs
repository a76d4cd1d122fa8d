//! ECR Public repositories (through `Aws::ecr_public`, always us-east-1): reading the
//! declared ones — and, when pruning, every one this stack owns — into the live snapshot,
//! and executing the public repository operations of a plan. No call at all when the
//! manifest has no `publicRepositories` section, or lists none and nothing is pruned.

use crate::aws::{Aws, AwsError, absent_on};
use crate::kinds::common::OWNERSHIP_TAG;
use crate::kinds::kind::Executed;
use crate::kinds::public_repository::{CatalogInput, LogoChange, PublicRepositoryOperation};
use crate::live::LivePublicRepository;
use aws_sdk_ecr::error::ProvideErrorMetadata;
use aws_sdk_ecrpublic::primitives::Blob;
use aws_sdk_ecrpublic::types::{Repository, RepositoryCatalogDataInput, Tag};
use futures::stream::{self, StreamExt, TryStreamExt};
use std::collections::{BTreeMap, BTreeSet};

/// How many per-repository reads run at once.
const READ_CONCURRENCY: usize = 16;
/// DescribeRepositories takes at most 100 repositoryNames.
const NAMES_PER_CALL: usize = 100;

/// What to read: the declared repositories always; with `find_owned`, every repository
/// (its tags) to find the ones this stack owns.
struct PublicReadScope<'a> {
    declared: &'a BTreeSet<String>,
    find_owned: bool,
    stack: &'a str,
}

/// Reads what planning needs for the manifest: nothing at all (no call) without a
/// `publicRepositories` section, or when it lists none and nothing is pruned; otherwise
/// the declared repositories and, when pruning, every one this stack owns.
pub async fn read(
    aws: &Aws,
    manifest: &crate::manifest::model::Manifest,
    find_owned: bool,
) -> Result<BTreeMap<String, LivePublicRepository>, AwsError> {
    let Some(section) = &manifest.public_repositories else {
        return Ok(BTreeMap::new());
    };
    let declared: BTreeSet<String> = section.keys().cloned().collect();
    let scope = PublicReadScope {
        declared: &declared,
        find_owned,
        stack: &manifest.stack,
    };
    read_public_repositories(aws, &scope).await
}

async fn read_public_repositories(
    aws: &Aws,
    scope: &PublicReadScope<'_>,
) -> Result<BTreeMap<String, LivePublicRepository>, AwsError> {
    if scope.declared.is_empty() && !scope.find_owned {
        return Ok(BTreeMap::new());
    }
    let listed = if scope.find_owned {
        list_all(aws).await?
    } else {
        describe_declared(aws, scope.declared).await?
    };
    let read: Vec<Option<LivePublicRepository>> = stream::iter(listed.iter().map(basic))
        .map(|repo| read_details(aws, repo, scope))
        .buffer_unordered(READ_CONCURRENCY)
        .try_collect()
        .await?;
    Ok(read
        .into_iter()
        .flatten()
        .map(|r| (r.name.clone(), r))
        .collect())
}

/// Every repository of the public registry (DescribeRepositories, paged at 1,000).
async fn list_all(aws: &Aws) -> Result<Vec<Repository>, AwsError> {
    aws.ecr_public
        .describe_repositories()
        .max_results(1000)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| AwsError::from_sdk("DescribeRepositories", e))
}

/// The declared repositories that exist, by name. DescribeRepositories fails as a whole
/// when one named repository does not exist; then one listing of the registry tells which
/// do, whatever their number.
async fn describe_declared(
    aws: &Aws,
    declared: &BTreeSet<String>,
) -> Result<Vec<Repository>, AwsError> {
    let names: Vec<String> = declared.iter().cloned().collect();
    let mut found = Vec::new();
    for chunk in names.chunks(NAMES_PER_CALL) {
        let result = aws
            .ecr_public
            .describe_repositories()
            .set_repository_names(Some(chunk.to_vec()))
            .send()
            .await;
        match result {
            Ok(out) => found.extend(out.repositories().iter().cloned()),
            Err(e) if e.code() == Some("RepositoryNotFoundException") => {
                let all = list_all(aws).await?;
                return Ok(all
                    .into_iter()
                    .filter(|r| declared.contains(r.repository_name().unwrap_or_default()))
                    .collect());
            }
            Err(e) => return Err(AwsError::from_sdk("DescribeRepositories", e)),
        }
    }
    Ok(found)
}

fn basic(r: &Repository) -> LivePublicRepository {
    LivePublicRepository {
        name: r.repository_name().unwrap_or_default().to_string(),
        arn: r.repository_arn().unwrap_or_default().to_string(),
        uri: r.repository_uri().unwrap_or_default().to_string(),
        ..LivePublicRepository::default()
    }
}

/// Tags first; catalog data and policy only for repositories wharf manages (declared, or
/// owned by this stack), and the image count only for owned ones the manifest dropped
/// (the only ones a plan can delete: nothing forces a public repository's replace).
/// None for repositories wharf has no business with.
async fn read_details(
    aws: &Aws,
    mut repo: LivePublicRepository,
    scope: &PublicReadScope<'_>,
) -> Result<Option<LivePublicRepository>, AwsError> {
    let tags = aws
        .ecr_public
        .list_tags_for_resource()
        .resource_arn(&repo.arn)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("ListTagsForResource", e))?;
    repo.tags = tags
        .tags()
        .iter()
        .map(|t| {
            (
                t.key().unwrap_or_default().to_string(),
                t.value().unwrap_or_default().to_string(),
            )
        })
        .collect();
    let owned = repo.tags.get(OWNERSHIP_TAG).map(String::as_str) == Some(scope.stack);
    let declared = scope.declared.contains(&repo.name);
    if !(owned || declared) {
        return Ok(None);
    }
    let (catalog, policy, images) = tokio::join!(
        aws.ecr_public
            .get_repository_catalog_data()
            .repository_name(&repo.name)
            .send(),
        aws.ecr_public
            .get_repository_policy()
            .repository_name(&repo.name)
            .send(),
        async {
            if declared {
                return Ok(None);
            }
            image_count(aws, &repo.name).await.map(Some)
        },
    );
    // A repository without catalog data or without a policy has "none", not an error.
    let catalog = absent_on(
        catalog,
        "RepositoryCatalogDataNotFoundException",
        "GetRepositoryCatalogData",
    )?;
    if let Some(data) = catalog.as_ref().and_then(|c| c.catalog_data()) {
        repo.description = data.description().map(str::to_string);
        repo.about_text = data.about_text().map(str::to_string);
        repo.usage_text = data.usage_text().map(str::to_string);
        repo.architectures = data.architectures().to_vec();
        repo.operating_systems = data.operating_systems().to_vec();
        repo.logo_url = data.logo_url().map(str::to_string);
    }
    repo.policy = absent_on(
        policy,
        "RepositoryPolicyNotFoundException",
        "GetRepositoryPolicy",
    )?
    .and_then(|out| out.policy_text().map(str::to_string));
    repo.image_count = images?;
    Ok(Some(repo))
}

/// Images in one repository (DescribeImages, paged at 1,000).
async fn image_count(aws: &Aws, name: &str) -> Result<u64, AwsError> {
    let images: Vec<_> = aws
        .ecr_public
        .describe_images()
        .repository_name(name)
        .max_results(1000)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| AwsError::from_sdk("DescribeImages", e))?;
    Ok(images.len() as u64)
}

fn to_tags(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

/// The logo bytes to send: the planned file (re-read and checked against the planned
/// digest), or an empty blob that clears the logo.
fn logo_blob(logo: &LogoChange) -> Result<Blob, AwsError> {
    match logo {
        LogoChange::Upload { path, sha256 } => crate::logo::read_planned(path, sha256)
            .map(Blob::new)
            .map_err(AwsError::new),
        LogoChange::Remove => Ok(Blob::new(Vec::new())),
    }
}

/// catalogData for CreateRepository: only what the manifest sets.
fn create_catalog(catalog: &CatalogInput) -> Result<Option<RepositoryCatalogDataInput>, AwsError> {
    if catalog.data.is_empty() && catalog.logo.is_none() {
        return Ok(None);
    }
    let data = &catalog.data;
    let mut input = RepositoryCatalogDataInput::builder()
        .set_description(data.description.clone())
        .set_about_text(data.about_text.clone())
        .set_usage_text(data.usage_text.clone());
    if !data.architectures.is_empty() {
        input = input.set_architectures(Some(data.architectures.clone()));
    }
    if !data.operating_systems.is_empty() {
        input = input.set_operating_systems(Some(data.operating_systems.clone()));
    }
    if let Some(logo) = &catalog.logo {
        input = input.logo_image_blob(logo_blob(logo)?);
    }
    Ok(Some(input.build()))
}

/// catalogData for PutRepositoryCatalogData: every field, empty where the manifest sets
/// none, so the write means the same whether AWS merges or replaces catalog data.
fn put_catalog(catalog: &CatalogInput) -> Result<RepositoryCatalogDataInput, AwsError> {
    let data = &catalog.data;
    let mut input = RepositoryCatalogDataInput::builder()
        .description(data.description.clone().unwrap_or_default())
        .about_text(data.about_text.clone().unwrap_or_default())
        .usage_text(data.usage_text.clone().unwrap_or_default())
        .set_architectures(Some(data.architectures.clone()))
        .set_operating_systems(Some(data.operating_systems.clone()));
    if let Some(logo) = &catalog.logo {
        input = input.logo_image_blob(logo_blob(logo)?);
    }
    Ok(input.build())
}

pub async fn execute(
    aws: &Aws,
    operation: &PublicRepositoryOperation,
) -> Result<Executed, AwsError> {
    let client = &aws.ecr_public;
    match operation {
        PublicRepositoryOperation::CreateRepository {
            name,
            catalog,
            tags,
        } => {
            client
                .create_repository()
                .repository_name(name)
                .set_catalog_data(create_catalog(catalog)?)
                // Tags at creation: the ownership tag exists from the first instant.
                .set_tags(Some(to_tags(tags)))
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("CreateRepository", e))?;
        }
        PublicRepositoryOperation::DeleteRepository { name, force } => {
            client
                .delete_repository()
                .repository_name(name)
                .force(*force)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("DeleteRepository", e))?;
        }
        PublicRepositoryOperation::PutRepositoryCatalogData { name, catalog } => {
            client
                .put_repository_catalog_data()
                .repository_name(name)
                .catalog_data(put_catalog(catalog)?)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("PutRepositoryCatalogData", e))?;
        }
        PublicRepositoryOperation::SetRepositoryPolicy { name, document } => {
            client
                .set_repository_policy()
                .repository_name(name)
                .policy_text(document)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("SetRepositoryPolicy", e))?;
        }
        PublicRepositoryOperation::DeleteRepositoryPolicy { name } => {
            let result = client
                .delete_repository_policy()
                .repository_name(name)
                .send()
                .await;
            absent_on(
                result,
                "RepositoryPolicyNotFoundException",
                "DeleteRepositoryPolicy",
            )?;
        }
        PublicRepositoryOperation::TagResource { arn, tags, .. } => {
            client
                .tag_resource()
                .resource_arn(arn)
                .set_tags(Some(to_tags(tags)))
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("TagResource", e))?;
        }
        PublicRepositoryOperation::UntagResource { arn, keys, .. } => {
            client
                .untag_resource()
                .resource_arn(arn)
                .set_tag_keys(Some(keys.clone()))
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("UntagResource", e))?;
        }
    }
    Ok(Executed::Done)
}

/// This kind's part of the live snapshot.
impl crate::aws::reads::ReadsLive for crate::kinds::public_repository::PublicRepositoryKind {
    fn read<'a>(
        aws: &'a Aws,
        manifest: &'a crate::manifest::model::Manifest,
        find_owned: bool,
        _so_far: &'a crate::live::LiveSnapshot,
    ) -> futures::future::BoxFuture<'a, Result<crate::aws::reads::Store, AwsError>> {
        Box::pin(async move {
            let public = read(aws, manifest, find_owned).await?;
            let store: crate::aws::reads::Store =
                Box::new(move |live| live.public_repositories = public);
            Ok(store)
        })
    }
}

/// What `wharf export` reads of this kind.
impl crate::aws::reads::ExportsLive for crate::kinds::public_repository::PublicRepositoryKind {
    /// `export` does not select public repositories: nothing is read.
    fn read_selected<'a>(
        _aws: &'a Aws,
        _selection: &'a crate::export::Selection,
        _stack: &'a str,
        _so_far: &'a crate::live::LiveSnapshot,
    ) -> futures::future::BoxFuture<'a, Result<(crate::aws::reads::Store, Vec<String>), AwsError>>
    {
        Box::pin(async { Ok(crate::aws::reads::nothing()) })
    }
}
