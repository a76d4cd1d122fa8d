//! Repository creation templates: reading the ones wharf manages (the prefixes the
//! manifest declares or the ownership ledger records; it never looks at the others) and
//! executing the create, update and delete operations.
//!
//! The read lists the registry's templates (DescribeRepositoryCreationTemplates, every
//! page) rather than asking for the prefixes: with `prefixes`, one prefix that has no
//! template fails the whole call (TemplateNotFoundException), and one listing call covers
//! up to 1000 templates.

use crate::aws::{Aws, AwsError, absent_on};
use crate::kinds::creation_template::{
    Cleared, CreationTemplateOperation, TemplateSettings, canonical_prefix,
};
use crate::kinds::kind::Executed;
use crate::kinds::repository::io::{exclusion_filters, to_tags};
use crate::live::LiveCreationTemplate;
use aws_sdk_ecr::types::{
    EncryptionConfigurationForRepositoryCreationTemplate, EncryptionType, ImageTagMutability,
    RctAppliedFor,
};
use std::collections::{BTreeMap, BTreeSet};

/// The most templates one DescribeRepositoryCreationTemplates page returns.
const PAGE_SIZE: i32 = 1000;

/// The live templates with these prefixes (matched as ECR matches them, trailing `/` or
/// not), keyed by the prefix as ECR spells it; no call when there are none.
pub async fn read_templates(
    aws: &Aws,
    prefixes: &BTreeSet<String>,
) -> Result<BTreeMap<String, LiveCreationTemplate>, AwsError> {
    if prefixes.is_empty() {
        return Ok(BTreeMap::new());
    }
    let wanted: BTreeSet<&str> = prefixes.iter().map(|p| canonical_prefix(p)).collect();
    read_matching(aws, |prefix| wanted.contains(canonical_prefix(prefix))).await
}

/// The live templates whose prefixes (as ECR spells them) `wanted` accepts (`export`
/// selects them by pattern).
pub async fn read_matching(
    aws: &Aws,
    wanted: impl Fn(&str) -> bool,
) -> Result<BTreeMap<String, LiveCreationTemplate>, AwsError> {
    let mut out = BTreeMap::new();
    let mut next_token: Option<String> = None;
    loop {
        let page = aws
            .ecr
            .describe_repository_creation_templates()
            .max_results(PAGE_SIZE)
            .set_next_token(next_token.take())
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("DescribeRepositoryCreationTemplates", e))?;
        for template in page.repository_creation_templates() {
            let Some(prefix) = template.prefix() else {
                continue;
            };
            if !wanted(prefix) {
                continue;
            }
            let encryption = template.encryption_configuration();
            out.insert(
                prefix.to_string(),
                LiveCreationTemplate {
                    prefix: prefix.to_string(),
                    applied_for: template
                        .applied_for()
                        .iter()
                        .map(|a| a.as_str().to_string())
                        .collect(),
                    image_tag_mutability: template
                        .image_tag_mutability()
                        .map(|m| m.as_str().to_string()),
                    exclusion_filters: template
                        .image_tag_mutability_exclusion_filters()
                        .iter()
                        .map(|f| f.filter().to_string())
                        .collect(),
                    encryption_type: encryption.map(|e| e.encryption_type().as_str().to_string()),
                    kms_key: encryption.and_then(|e| e.kms_key()).map(str::to_string),
                    lifecycle_policy: template.lifecycle_policy().map(str::to_string),
                    repository_policy: template.repository_policy().map(str::to_string),
                    resource_tags: template
                        .resource_tags()
                        .iter()
                        .map(|t| (t.key().to_string(), t.value().to_string()))
                        .collect(),
                    custom_role_arn: template.custom_role_arn().map(str::to_string),
                    description: template.description().map(str::to_string),
                },
            );
        }
        match page.next_token() {
            Some(token) if !token.is_empty() => next_token = Some(token.to_string()),
            _ => break,
        }
    }
    Ok(out)
}

fn encryption(
    settings: &TemplateSettings,
) -> Result<EncryptionConfigurationForRepositoryCreationTemplate, AwsError> {
    EncryptionConfigurationForRepositoryCreationTemplate::builder()
        .encryption_type(EncryptionType::from(settings.encryption_type.as_str()))
        .set_kms_key(settings.kms_key.clone())
        .build()
        .map_err(|e| AwsError::new(e.to_string()))
}

fn applied_for(settings: &TemplateSettings) -> Vec<RctAppliedFor> {
    settings
        .applied_for
        .iter()
        .map(|a| RctAppliedFor::from(a.as_str()))
        .collect()
}

/// An empty string for a cleared field, so that UpdateRepositoryCreationTemplate removes
/// it; otherwise the value, if any.
fn text(value: &Option<String>, cleared: &[Cleared], field: Cleared) -> Option<String> {
    match value {
        Some(v) => Some(v.clone()),
        None if cleared.contains(&field) => Some(String::new()),
        None => None,
    }
}

pub async fn execute(
    aws: &Aws,
    operation: &CreationTemplateOperation,
) -> Result<Executed, AwsError> {
    let ecr = &aws.ecr;
    match operation {
        CreationTemplateOperation::CreateRepositoryCreationTemplate { prefix, settings } => {
            ecr.create_repository_creation_template()
                .prefix(prefix)
                .set_applied_for(Some(applied_for(settings)))
                .image_tag_mutability(ImageTagMutability::from(
                    settings.image_tag_mutability.as_str(),
                ))
                .set_image_tag_mutability_exclusion_filters(exclusion_filters(
                    &settings.image_tag_mutability_exclusion_filters,
                )?)
                .encryption_configuration(encryption(settings)?)
                .set_lifecycle_policy(settings.lifecycle_policy.clone())
                .set_repository_policy(settings.repository_policy.clone())
                .set_resource_tags(
                    Some(to_tags(&settings.resource_tags)?).filter(|t| !t.is_empty()),
                )
                .set_custom_role_arn(settings.custom_role_arn.clone())
                .set_description(settings.description.clone())
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("CreateRepositoryCreationTemplate", e))?;
        }
        CreationTemplateOperation::UpdateRepositoryCreationTemplate {
            prefix,
            settings,
            cleared,
        } => {
            // Every setting is sent: an update leaves out nothing it means to keep.
            ecr.update_repository_creation_template()
                .prefix(prefix)
                .set_applied_for(Some(applied_for(settings)))
                .image_tag_mutability(ImageTagMutability::from(
                    settings.image_tag_mutability.as_str(),
                ))
                .set_image_tag_mutability_exclusion_filters(exclusion_filters(
                    &settings.image_tag_mutability_exclusion_filters,
                )?)
                .encryption_configuration(encryption(settings)?)
                .set_lifecycle_policy(text(
                    &settings.lifecycle_policy,
                    cleared,
                    Cleared::LifecyclePolicy,
                ))
                .set_repository_policy(text(
                    &settings.repository_policy,
                    cleared,
                    Cleared::RepositoryPolicy,
                ))
                // The whole tag list: an empty one removes the tags the template had.
                .set_resource_tags(Some(to_tags(&settings.resource_tags)?))
                .set_custom_role_arn(text(
                    &settings.custom_role_arn,
                    cleared,
                    Cleared::CustomRoleArn,
                ))
                .set_description(text(&settings.description, cleared, Cleared::Description))
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("UpdateRepositoryCreationTemplate", e))?;
        }
        CreationTemplateOperation::DeleteRepositoryCreationTemplate { prefix } => {
            let result = ecr
                .delete_repository_creation_template()
                .prefix(prefix)
                .send()
                .await;
            absent_on(
                result,
                "TemplateNotFoundException",
                "DeleteRepositoryCreationTemplate",
            )?;
        }
    }
    Ok(Executed::Done)
}

/// This kind's part of the live snapshot.
impl crate::aws::reads::ReadsLive for crate::kinds::creation_template::CreationTemplateKind {
    /// The templates the ledger records are read too: they wait for it.
    const SECOND_WAVE: bool = true;

    fn read<'a>(
        aws: &'a Aws,
        manifest: &'a crate::manifest::model::Manifest,
        _find_owned: bool,
        so_far: &'a crate::live::LiveSnapshot,
    ) -> futures::future::BoxFuture<'a, Result<crate::aws::reads::Store, AwsError>> {
        Box::pin(async move {
            let prefixes =
                crate::kinds::creation_template::prefixes_to_read(manifest, so_far.ledger.as_ref());
            let templates = read_templates(aws, &prefixes).await?;
            let store: crate::aws::reads::Store =
                Box::new(move |live| live.creation_templates = templates);
            Ok(store)
        })
    }
}

/// What `wharf export` reads of this kind.
impl crate::aws::reads::ExportsLive for crate::kinds::creation_template::CreationTemplateKind {
    fn read_selected<'a>(
        aws: &'a Aws,
        selection: &'a crate::export::Selection,
        _stack: &'a str,
        _so_far: &'a crate::live::LiveSnapshot,
    ) -> futures::future::BoxFuture<'a, Result<(crate::aws::reads::Store, Vec<String>), AwsError>>
    {
        Box::pin(async move {
            if selection.creation_templates.is_empty() {
                return Ok(crate::aws::reads::nothing());
            }
            let templates = read_matching(aws, |p| selection.creation_templates.matches(p)).await?;
            let store: crate::aws::reads::Store =
                Box::new(move |live| live.creation_templates = templates);
            Ok((store, Vec::new()))
        })
    }
}
