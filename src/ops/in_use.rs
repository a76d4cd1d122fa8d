//! The reads behind "an image in use is never expired by surprise": in every cluster of
//! the account and region, the services (the task definition revision of each of their
//! deployments) and the running tasks (each container's image and, where AWS reports it,
//! digest), then the container images of each distinct revision the services run; and the
//! images the manifest's task definitions name. Batched as the APIs allow (DescribeServices
//! by 10, DescribeTasks by 100, pages of 100) and made only when a plan changes a lifecycle
//! policy (or `lint --live` checks the policies in place). What they mean is decided in
//! `kinds::repository::in_use`.

use crate::aws::{Aws, AwsError};
use crate::kinds::repository::in_use::ImageUse;
use crate::manifest::Manifest;
use futures::{StreamExt, TryStreamExt};
use std::collections::BTreeMap;

/// DescribeServices takes at most 10 services, DescribeTasks at most 100 tasks.
const SERVICES_PER_CALL: usize = 10;
const TASKS_PER_CALL: usize = 100;
/// Task definition revisions described at once.
const REVISIONS_AT_ONCE: usize = 8;

/// `family:revision` of a task definition ARN.
fn revision(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

/// Everything in the account and region that uses an image now.
pub async fn image_uses(aws: &Aws) -> Result<Vec<ImageUse>, AwsError> {
    let clusters = crate::kinds::cluster::io::cluster_names_of(aws).await?;
    // Revision ARN → who runs it.
    let mut revisions: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut uses = Vec::new();
    for cluster in &clusters {
        let services: Vec<String> = aws
            .ecs
            .list_services()
            .cluster(cluster)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| AwsError::from_sdk("ListServices", e))?;
        for batch in services.chunks(SERVICES_PER_CALL) {
            let described = aws
                .ecs
                .describe_services()
                .cluster(cluster)
                .set_services(Some(batch.to_vec()))
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("DescribeServices", e))?;
            for service in described.services() {
                let name = service.service_name().unwrap_or_default();
                // Every deployment's revision: a rollback or a scale-out starts tasks from it.
                let running = service
                    .deployments()
                    .iter()
                    .filter_map(|d| d.task_definition())
                    .chain(service.task_definition());
                for arn in running {
                    let user = format!("ecs.service.{name} ({})", revision(arn));
                    let users = revisions.entry(arn.to_string()).or_default();
                    if !users.contains(&user) {
                        users.push(user);
                    }
                }
            }
        }
        let tasks: Vec<String> = aws
            .ecs
            .list_tasks()
            .cluster(cluster)
            .desired_status(aws_sdk_ecs::types::DesiredStatus::Running)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| AwsError::from_sdk("ListTasks", e))?;
        for batch in tasks.chunks(TASKS_PER_CALL) {
            let described = aws
                .ecs
                .describe_tasks()
                .cluster(cluster)
                .set_tasks(Some(batch.to_vec()))
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("DescribeTasks", e))?;
            for task in described.tasks() {
                let user = format!(
                    "a running task of {} in cluster {cluster}",
                    revision(task.task_definition_arn().unwrap_or_default())
                );
                for container in task.containers() {
                    if let Some(image) = container.image() {
                        uses.push(ImageUse {
                            image: image.to_string(),
                            digest: container.image_digest().map(str::to_string),
                            user: user.clone(),
                        });
                    }
                }
            }
        }
    }
    let described: Vec<(Vec<String>, Vec<String>)> =
        futures::stream::iter(revisions.into_iter().map(|(arn, users)| async move {
            let out = aws
                .ecs
                .describe_task_definition()
                .task_definition(&arn)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("DescribeTaskDefinition", e))?;
            let images = out
                .task_definition()
                .map(|td| {
                    td.container_definitions()
                        .iter()
                        .filter_map(|c| c.image().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            Ok::<_, AwsError>((images, users))
        }))
        .buffer_unordered(REVISIONS_AT_ONCE)
        .try_collect()
        .await?;
    for (images, users) in described {
        for image in images {
            for user in &users {
                uses.push(ImageUse {
                    image: image.clone(),
                    digest: None,
                    user: user.clone(),
                });
            }
        }
    }
    Ok(uses)
}

/// The images the manifest's task definitions name (`{repository, tag}` or `{repository,
/// digest}` as the repository's URI; a plain image string as written).
pub fn manifest_uses(manifest: &Manifest, uris: &BTreeMap<String, String>) -> Vec<ImageUse> {
    let mut out = Vec::new();
    for (family, definition) in &manifest.ecs.task_definitions {
        let user = format!("ecs.task_definition.{family} (this manifest)");
        for container in definition
            .get("containerDefinitions")
            .and_then(serde_json::Value::as_array)
            .into_iter()
            .flatten()
        {
            let image = &container["image"];
            let written = match (image.as_str(), image["repository"].as_str()) {
                (Some(plain), _) => Some(plain.to_string()),
                (None, Some(repository)) => uris.get(repository).map(|uri| {
                    match (image["tag"].as_str(), image["digest"].as_str()) {
                        (_, Some(digest)) => format!("{uri}@{digest}"),
                        (Some(tag), None) => format!("{uri}:{tag}"),
                        (None, None) => uri.clone(),
                    }
                }),
                _ => None,
            };
            if let Some(image) = written {
                out.push(ImageUse {
                    image,
                    digest: None,
                    user: user.clone(),
                });
            }
        }
    }
    out
}
