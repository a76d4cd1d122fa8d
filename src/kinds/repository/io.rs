//! ECR private repositories: reading them into the live snapshot and executing the
//! repository operations of a plan. Reads are paged (DescribeRepositories at 1,000) and
//! the per-repository reads run concurrently under a bound; each object is read once.

use crate::aws::{Aws, AwsError, absent_on};
use crate::kinds::common::OWNERSHIP_TAG;
use crate::kinds::kind::Executed;
use crate::kinds::repository::RepositoryOperation;
use crate::live::LiveRepository;
use crate::manifest::model::ecr_defaults;
use aws_sdk_ecr::types::{
    EncryptionConfiguration, EncryptionType, ImageScanningConfiguration, ImageTagMutability,
    ImageTagMutabilityExclusionFilter, ImageTagMutabilityExclusionFilterType, Tag,
};
use futures::stream::{self, StreamExt, TryStreamExt};
use std::collections::{BTreeMap, BTreeSet};

/// How many per-repository reads run at once.
const READ_CONCURRENCY: usize = 16;

/// What to read in detail: declared repositories always, others only when ownership matters.
pub struct ReadScope<'a> {
    pub declared: &'a BTreeSet<String>,
    /// Read tags of undeclared repositories to find ones this stack owns (prune, drift).
    pub find_owned: bool,
    pub stack: &'a str,
}

pub async fn read_repositories(
    aws: &Aws,
    scope: &ReadScope<'_>,
) -> Result<BTreeMap<String, LiveRepository>, AwsError> {
    let candidates: Vec<LiveRepository> = list(aws)
        .await?
        .into_iter()
        .filter(|r| scope.find_owned || scope.declared.contains(&r.name))
        .collect();
    read_candidates(aws, candidates, scope).await
}

/// The repositories whose names `wanted` accepts, each read in full as a declared one is
/// (`export` selects them by pattern).
pub async fn read_matching(
    aws: &Aws,
    wanted: impl Fn(&str) -> bool,
    stack: &str,
) -> Result<BTreeMap<String, LiveRepository>, AwsError> {
    let candidates: Vec<LiveRepository> = list(aws)
        .await?
        .into_iter()
        .filter(|r| wanted(&r.name))
        .collect();
    let declared = candidates.iter().map(|r| r.name.clone()).collect();
    let scope = ReadScope {
        declared: &declared,
        find_owned: false,
        stack,
    };
    read_candidates(aws, candidates, &scope).await
}

/// Every repository of the registry (DescribeRepositories, paged), details not read yet.
async fn list(aws: &Aws) -> Result<Vec<LiveRepository>, AwsError> {
    let listed: Vec<aws_sdk_ecr::types::Repository> = aws
        .ecr
        .describe_repositories()
        .max_results(1000)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| AwsError::from_sdk("DescribeRepositories", e))?;
    Ok(listed.iter().map(basic).collect())
}

async fn read_candidates(
    aws: &Aws,
    candidates: Vec<LiveRepository>,
    scope: &ReadScope<'_>,
) -> Result<BTreeMap<String, LiveRepository>, AwsError> {
    let read: Vec<LiveRepository> = stream::iter(candidates)
        .map(|repo| read_details(aws, repo, scope))
        .buffer_unordered(READ_CONCURRENCY)
        .try_collect()
        .await?;
    Ok(read.into_iter().map(|r| (r.name.clone(), r)).collect())
}

fn basic(r: &aws_sdk_ecr::types::Repository) -> LiveRepository {
    let encryption = r.encryption_configuration();
    LiveRepository {
        name: r.repository_name().unwrap_or_default().to_string(),
        arn: r.repository_arn().unwrap_or_default().to_string(),
        uri: r.repository_uri().unwrap_or_default().to_string(),
        image_tag_mutability: r
            .image_tag_mutability()
            .map(|m| m.as_str().to_string())
            .unwrap_or_else(|| ecr_defaults::IMAGE_TAG_MUTABILITY.as_str().into()),
        exclusion_filters: r
            .image_tag_mutability_exclusion_filters()
            .iter()
            .map(|f| f.filter().to_string())
            .collect(),
        // AWS reports AES256 for repositories created without encryption settings.
        encryption_type: encryption
            .map(|e| e.encryption_type().as_str().to_string())
            .unwrap_or_else(|| ecr_defaults::ENCRYPTION.as_str().into()),
        kms_key: encryption.and_then(|e| e.kms_key()).map(str::to_string),
        scan_on_push: r
            .image_scanning_configuration()
            .map(|s| s.scan_on_push())
            .unwrap_or(ecr_defaults::SCAN_ON_PUSH),
        ..LiveRepository::default()
    }
}

/// Tags first; the lifecycle policy and repository policy only for repositories wharf
/// manages (declared, or owned by this stack).
async fn read_details(
    aws: &Aws,
    mut repo: LiveRepository,
    scope: &ReadScope<'_>,
) -> Result<LiveRepository, AwsError> {
    let tags = aws
        .ecr
        .list_tags_for_resource()
        .resource_arn(&repo.arn)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("ListTagsForResource", e))?;
    repo.tags = tags
        .tags()
        .iter()
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect();
    let owned = repo.tags.get(OWNERSHIP_TAG).map(String::as_str) == Some(scope.stack);
    if !(owned || scope.declared.contains(&repo.name)) {
        return Ok(repo);
    }
    let (lifecycle, policy) = tokio::join!(
        aws.ecr
            .get_lifecycle_policy()
            .repository_name(&repo.name)
            .send(),
        aws.ecr
            .get_repository_policy()
            .repository_name(&repo.name)
            .send()
    );
    // No lifecycle policy or repository policy is "absent", not an error.
    repo.lifecycle_policy = absent_on(
        lifecycle,
        "LifecyclePolicyNotFoundException",
        "GetLifecyclePolicy",
    )?
    .and_then(|out| out.lifecycle_policy_text().map(str::to_string));
    repo.policy = absent_on(
        policy,
        "RepositoryPolicyNotFoundException",
        "GetRepositoryPolicy",
    )?
    .and_then(|out| out.policy_text().map(str::to_string));
    repo.details_read = true;
    Ok(repo)
}

/// Images per repository, for plans that would destroy them (DescribeImages, paged).
pub async fn image_counts(
    aws: &Aws,
    names: Vec<String>,
) -> Result<BTreeMap<String, u64>, AwsError> {
    stream::iter(names)
        .map(|name| async move {
            let images: Vec<_> = aws
                .ecr
                .describe_images()
                .repository_name(&name)
                .max_results(1000)
                .into_paginator()
                .items()
                .send()
                .try_collect()
                .await
                .map_err(|e| AwsError::from_sdk("DescribeImages", e))?;
            Ok::<_, AwsError>((name, images.len() as u64))
        })
        .buffer_unordered(READ_CONCURRENCY)
        .try_collect()
        .await
}

/// Every image of each repository with what lifecycle rules look at: tags, push time,
/// last pull, size (DescribeImages, paged at 1,000).
pub async fn images_for_preview(
    aws: &Aws,
    names: Vec<String>,
) -> Result<BTreeMap<String, Vec<crate::documents::lifecycle_preview::ImageInfo>>, AwsError> {
    use crate::documents::lifecycle_preview::ImageInfo;
    stream::iter(names)
        .map(|name| async move {
            let images: Vec<aws_sdk_ecr::types::ImageDetail> = aws
                .ecr
                .describe_images()
                .repository_name(&name)
                .max_results(1000)
                .into_paginator()
                .items()
                .send()
                .try_collect()
                .await
                .map_err(|e| AwsError::from_sdk("DescribeImages", e))?;
            let infos = images
                .iter()
                .map(|i| ImageInfo {
                    digest: i.image_digest().unwrap_or_default().to_string(),
                    tags: i.image_tags().to_vec(),
                    pushed_at: i.image_pushed_at().map(|t| t.secs()).unwrap_or(0),
                    last_pulled_at: i.last_recorded_pull_time().map(|t| t.secs()),
                    size_bytes: i
                        .image_size_in_bytes()
                        .map(|s| s.max(0) as u64)
                        .unwrap_or(0),
                    ..ImageInfo::default()
                })
                .collect();
            Ok::<_, AwsError>((name, infos))
        })
        .buffer_unordered(READ_CONCURRENCY)
        .try_collect()
        .await
}

/// Which (repository, tag) pairs do not exist in ECR (DescribeImages by tag).
pub async fn missing_image_tags(
    aws: &Aws,
    references: Vec<(String, String)>,
) -> Result<Vec<(String, String)>, AwsError> {
    let found: Vec<Option<(String, String)>> = stream::iter(references)
        .map(|(repository, tag)| async move {
            let result = aws
                .ecr
                .describe_images()
                .repository_name(&repository)
                .image_ids(
                    aws_sdk_ecr::types::ImageIdentifier::builder()
                        .image_tag(&tag)
                        .build(),
                )
                .send()
                .await;
            match absent_on(result, "ImageNotFoundException", "DescribeImages")? {
                Some(out) if !out.image_details().is_empty() => Ok(None),
                _ => Ok::<_, AwsError>(Some((repository, tag))),
            }
        })
        .buffer_unordered(READ_CONCURRENCY)
        .try_collect()
        .await?;
    Ok(found.into_iter().flatten().collect())
}

pub(crate) fn to_tags(tags: &BTreeMap<String, String>) -> Result<Vec<Tag>, AwsError> {
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

pub(crate) fn exclusion_filters(
    filters: &[String],
) -> Result<Option<Vec<ImageTagMutabilityExclusionFilter>>, AwsError> {
    if filters.is_empty() {
        return Ok(None);
    }
    filters
        .iter()
        .map(|f| {
            ImageTagMutabilityExclusionFilter::builder()
                .filter_type(ImageTagMutabilityExclusionFilterType::Wildcard)
                .filter(f)
                .build()
                .map_err(|e| AwsError::new(e.to_string()))
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

pub async fn execute(aws: &Aws, operation: &RepositoryOperation) -> Result<Executed, AwsError> {
    let ecr = &aws.ecr;
    match operation {
        RepositoryOperation::CreateRepository {
            name,
            image_tag_mutability,
            exclusion_filters: filters,
            encryption_type,
            kms_key,
            scan_on_push,
            tags,
        } => {
            ecr.create_repository()
                .repository_name(name)
                .image_tag_mutability(ImageTagMutability::from(image_tag_mutability.as_str()))
                .set_image_tag_mutability_exclusion_filters(exclusion_filters(filters)?)
                .image_scanning_configuration(
                    ImageScanningConfiguration::builder()
                        .scan_on_push(*scan_on_push)
                        .build(),
                )
                .encryption_configuration(
                    EncryptionConfiguration::builder()
                        .encryption_type(EncryptionType::from(encryption_type.as_str()))
                        .set_kms_key(kms_key.clone())
                        .build()
                        .map_err(|e| AwsError::new(e.to_string()))?,
                )
                // Tags at creation: the ownership tag exists from the first instant.
                .set_tags(Some(to_tags(tags)?))
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("CreateRepository", e))?;
        }
        RepositoryOperation::DeleteRepository { name, force } => {
            ecr.delete_repository()
                .repository_name(name)
                .force(*force)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("DeleteRepository", e))?;
        }
        RepositoryOperation::PutImageTagMutability {
            name,
            image_tag_mutability,
            exclusion_filters: filters,
        } => {
            ecr.put_image_tag_mutability()
                .repository_name(name)
                .image_tag_mutability(ImageTagMutability::from(image_tag_mutability.as_str()))
                .set_image_tag_mutability_exclusion_filters(exclusion_filters(filters)?)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("PutImageTagMutability", e))?;
        }
        RepositoryOperation::PutImageScanningConfiguration { name, scan_on_push } => {
            ecr.put_image_scanning_configuration()
                .repository_name(name)
                .image_scanning_configuration(
                    ImageScanningConfiguration::builder()
                        .scan_on_push(*scan_on_push)
                        .build(),
                )
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("PutImageScanningConfiguration", e))?;
        }
        RepositoryOperation::PutLifecyclePolicy { name, document } => {
            ecr.put_lifecycle_policy()
                .repository_name(name)
                .lifecycle_policy_text(document)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("PutLifecyclePolicy", e))?;
        }
        RepositoryOperation::DeleteLifecyclePolicy { name } => {
            let result = ecr
                .delete_lifecycle_policy()
                .repository_name(name)
                .send()
                .await;
            absent_on(
                result,
                "LifecyclePolicyNotFoundException",
                "DeleteLifecyclePolicy",
            )?;
        }
        RepositoryOperation::SetRepositoryPolicy { name, document } => {
            ecr.set_repository_policy()
                .repository_name(name)
                .policy_text(document)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("SetRepositoryPolicy", e))?;
        }
        RepositoryOperation::DeleteRepositoryPolicy { name } => {
            let result = ecr
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
        RepositoryOperation::TagResource { arn, tags, .. } => {
            ecr.tag_resource()
                .resource_arn(arn)
                .set_tags(Some(to_tags(tags)?))
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("TagResource", e))?;
        }
        RepositoryOperation::UntagResource { arn, keys, .. } => {
            ecr.untag_resource()
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
impl crate::aws::reads::ReadsLive for crate::kinds::repository::RepositoryKind {
    fn read<'a>(
        aws: &'a Aws,
        manifest: &'a crate::manifest::model::Manifest,
        find_owned: bool,
        _so_far: &'a crate::live::LiveSnapshot,
    ) -> futures::future::BoxFuture<'a, Result<crate::aws::reads::Store, AwsError>> {
        Box::pin(async move {
            let declared = manifest.repositories.keys().cloned().collect();
            let scope = ReadScope {
                declared: &declared,
                find_owned,
                stack: &manifest.stack,
            };
            let repositories = read_repositories(aws, &scope).await?;
            // With find_owned every repository's tags were read: those without the tag
            // are no stack's.
            let unmanaged: BTreeSet<String> = repositories
                .values()
                .filter(|r| find_owned && !r.tags.contains_key(crate::kinds::common::OWNERSHIP_TAG))
                .filter(|r| !manifest.repositories.contains_key(&r.name))
                .map(|r| r.name.clone())
                .collect();
            let store: crate::aws::reads::Store = Box::new(move |live| {
                live.repositories = repositories;
                live.unmanaged.repositories = unmanaged;
            });
            Ok(store)
        })
    }
}

/// What `wharf export` reads of this kind.
impl crate::aws::reads::ExportsLive for crate::kinds::repository::RepositoryKind {
    fn read_selected<'a>(
        aws: &'a Aws,
        selection: &'a crate::export::Selection,
        stack: &'a str,
        _so_far: &'a crate::live::LiveSnapshot,
    ) -> futures::future::BoxFuture<'a, Result<(crate::aws::reads::Store, Vec<String>), AwsError>>
    {
        Box::pin(async move {
            if selection.repositories.is_empty() {
                return Ok(crate::aws::reads::nothing());
            }
            let read =
                read_matching(aws, |name| selection.repositories.matches(name), stack).await?;
            let store: crate::aws::reads::Store = Box::new(move |live| live.repositories = read);
            Ok((store, Vec::new()))
        })
    }
}
