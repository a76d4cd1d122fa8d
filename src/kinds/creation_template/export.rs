//! A repository creation template as a manifest entry, PURE: its repository settings in
//! the same short forms as a repository's.

use crate::export::scope::Scope;
use crate::kinds::repository::export::{encryption, lifecycle_of, parse_mutability, policy_of};
use crate::live::LiveCreationTemplate;
use crate::manifest::model::CreationTemplate;
use crate::manifest::model::ecr_defaults;
use serde_json::json;

pub fn creation_template(live: &LiveCreationTemplate, scope: &Scope) -> CreationTemplate {
    let mutability = live
        .image_tag_mutability
        .as_deref()
        .and_then(parse_mutability);
    // ECR reports a cleared document as an empty string.
    let (lifecycle, lifecycle_policy) =
        lifecycle_of(live.lifecycle_policy.as_deref().filter(|p| !p.is_empty()));
    let (pull, policy) = policy_of(
        live.repository_policy.as_deref().filter(|p| !p.is_empty()),
        scope,
    );
    CreationTemplate {
        applied_for: live
            .applied_for
            .iter()
            .filter_map(|a| serde_json::from_value(json!(a)).ok())
            .collect(),
        image_tag_mutability: mutability.filter(|m| *m != ecr_defaults::IMAGE_TAG_MUTABILITY),
        image_tag_mutability_exclusion_filters: (mutability.is_some_and(|m| m.takes_exclusions())
            && !live.exclusion_filters.is_empty())
        .then(|| live.exclusion_filters.clone()),
        encryption: live
            .encryption_type
            .as_deref()
            .and_then(|kind| encryption(kind, live.kms_key.as_deref())),
        lifecycle,
        lifecycle_policy,
        pull,
        policy,
        resource_tags: (!live.resource_tags.is_empty()).then(|| live.resource_tags.clone()),
        custom_role_arn: live.custom_role_arn.clone().filter(|s| !s.is_empty()),
        description: live.description.clone().filter(|s| !s.is_empty()),
    }
}
