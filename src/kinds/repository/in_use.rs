//! Images in use, PURE: which images of a repository are referenced now — by a task
//! definition revision a service runs or deploys, by a task definition of the manifest,
//! by a running task — and which of those a lifecycle policy would expire or archive.
//! Archiving counts too: an archived image cannot be pulled, so a task that starts from it
//! (a scale-out, a replaced task) fails just as if it were deleted.
//!
//! A reference names its image by digest (`REPO@sha256:...`, or a task's reported
//! `imageDigest`) or by tag (`REPO:TAG`, `latest` when none); a tag is resolved to the
//! digest the repository's images carry it on now.

use crate::documents::lifecycle_preview::{Expiry, ImageInfo, TRANSITION};
use crate::plan::InUseImage;
use std::collections::BTreeMap;

/// One thing that uses an image: the image as written, and who uses it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageUse {
    /// `123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/web:v1` (or `@sha256:...`).
    pub image: String,
    /// The digest a running task reports for it, when it does.
    pub digest: Option<String>,
    /// Who uses it, for people: `ecs.service.web (web:12)`, `a running task of web:12`.
    pub user: String,
}

/// How a use names an image of one repository.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Named {
    Tag(String),
    Digest(String),
}

/// The repository (one of `uris`: name → repository URI) and image an image string names.
fn parse<'a>(image: &str, uris: &'a BTreeMap<String, String>) -> Option<(&'a str, Named)> {
    uris.iter().find_map(|(name, uri)| {
        let rest = image.strip_prefix(uri.as_str())?;
        let named = if let Some(digest) = rest.strip_prefix('@') {
            Named::Digest(digest.to_string())
        } else if let Some(tag) = rest.strip_prefix(':') {
            // `repo:tag@sha256:...`: the digest is what runs.
            match tag.split_once('@') {
                Some((_, digest)) => Named::Digest(digest.to_string()),
                None => Named::Tag(tag.to_string()),
            }
        } else if rest.is_empty() {
            Named::Tag("latest".to_string())
        } else {
            return None;
        };
        Some((name.as_str(), named))
    })
}

/// The digests each use refers to, by repository: `repository → digest → users`.
pub fn used_digests(
    uses: &[ImageUse],
    uris: &BTreeMap<String, String>,
    images: &BTreeMap<String, Vec<ImageInfo>>,
) -> BTreeMap<String, BTreeMap<String, Vec<String>>> {
    let mut out: BTreeMap<String, BTreeMap<String, Vec<String>>> = BTreeMap::new();
    for usage in uses {
        let Some((repository, named)) = parse(&usage.image, uris) else {
            continue;
        };
        let digest = match (&usage.digest, named) {
            (Some(digest), _) => Some(digest.clone()),
            (None, Named::Digest(digest)) => Some(digest),
            (None, Named::Tag(tag)) => images
                .get(repository)
                .into_iter()
                .flatten()
                .find(|i| i.tags.contains(&tag))
                .map(|i| i.digest.clone()),
        };
        let Some(digest) = digest else {
            continue;
        };
        let users = out
            .entry(repository.to_string())
            .or_default()
            .entry(digest)
            .or_default();
        if !users.contains(&usage.user) {
            users.push(usage.user.clone());
        }
    }
    out
}

/// The images in use that `expired` (a policy's evaluation) would expire or archive.
pub fn threatened(
    expired: &[Expiry],
    used: Option<&BTreeMap<String, Vec<String>>>,
) -> Vec<InUseImage> {
    let Some(used) = used else {
        return Vec::new();
    };
    expired
        .iter()
        .filter_map(|e| {
            let users = used.get(&e.digest)?;
            Some(InUseImage {
                digest: e.digest.clone(),
                tags: e.tags.clone(),
                rule_priority: e.rule_priority,
                action: if e.action == TRANSITION {
                    "archive".to_string()
                } else {
                    "expire".to_string()
                },
                used_by: users.clone(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const URI: &str = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/web";

    fn uris() -> BTreeMap<String, String> {
        BTreeMap::from([("shop/web".to_string(), URI.to_string())])
    }

    fn image(digest: &str, tags: &[&str]) -> ImageInfo {
        ImageInfo {
            digest: digest.to_string(),
            tags: tags.iter().map(|t| t.to_string()).collect(),
            ..ImageInfo::default()
        }
    }

    fn uses(list: &[(&str, Option<&str>, &str)]) -> Vec<ImageUse> {
        list.iter()
            .map(|(image, digest, user)| ImageUse {
                image: image.to_string(),
                digest: digest.map(str::to_string),
                user: user.to_string(),
            })
            .collect()
    }

    #[test]
    fn tags_digests_and_reported_digests_name_images() {
        let images = BTreeMap::from([(
            "shop/web".to_string(),
            vec![
                image("sha256:a", &["v1"]),
                image("sha256:b", &["latest", "v2"]),
                image("sha256:c", &[]),
            ],
        )]);
        let found = used_digests(
            &uses(&[
                (&format!("{URI}:v1"), None, "ecs.service.web (web:3)"),
                (URI, None, "ecs.task_definition.web (this manifest)"),
                (&format!("{URI}@sha256:c"), None, "ecs.service.api (api:1)"),
                (
                    &format!("{URI}:v9"),
                    Some("sha256:c"),
                    "a running task of api:1",
                ),
                (&format!("{URI}:gone"), None, "ecs.service.old (old:1)"),
                (
                    "public.ecr.aws/nginx/nginx:1",
                    None,
                    "ecs.service.nginx (nginx:1)",
                ),
                (&format!("{URI}:v1"), None, "ecs.service.web (web:3)"),
            ]),
            &uris(),
            &images,
        );
        let web = &found["shop/web"];
        assert_eq!(
            web["sha256:a"],
            ["ecs.service.web (web:3)"],
            "one use listed once"
        );
        assert_eq!(
            web["sha256:b"],
            ["ecs.task_definition.web (this manifest)"],
            "no tag is latest"
        );
        assert_eq!(
            web["sha256:c"],
            ["ecs.service.api (api:1)", "a running task of api:1"],
            "a task's reported digest wins over its tag"
        );
        assert_eq!(
            web.len(),
            3,
            "a tag no image carries names nothing: {web:?}"
        );
    }

    #[test]
    fn only_expired_or_archived_images_in_use_are_threatened() {
        let used = BTreeMap::from([(
            "sha256:a".to_string(),
            vec!["ecs.service.web (web:3)".to_string()],
        )]);
        let expiry = |digest: &str, action: &str| Expiry {
            digest: digest.to_string(),
            tags: vec!["v1".to_string()],
            size_bytes: 1,
            rule_priority: 2,
            action: action.to_string(),
        };
        let found = threatened(
            &[expiry("sha256:a", TRANSITION), expiry("sha256:z", "expire")],
            Some(&used),
        );
        assert_eq!(
            found,
            [InUseImage {
                digest: "sha256:a".to_string(),
                tags: vec!["v1".to_string()],
                rule_priority: 2,
                action: "archive".to_string(),
                used_by: vec!["ecs.service.web (web:3)".to_string()],
            }]
        );
        assert!(threatened(&[expiry("sha256:a", "expire")], None).is_empty());
    }
}
