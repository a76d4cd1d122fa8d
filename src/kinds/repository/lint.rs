//! ECR rules (WHARF-ECR-*): repositories' effective settings — their own values, else
//! `defaults.repository`'s, else AWS's defaults — and the registry policy; the same rules
//! over what AWS holds for the repositories this stack manages.

use crate::diagnostics::Span;
use crate::documents::policy as documents;
use crate::kinds::common::OWNERSHIP_TAG;
use crate::kinds::registry::{self, ScanningSpec};
use crate::kinds::repository;
use crate::lint::finding::{Finding, Options, Source, child, exact};
use crate::lint::policy::{self, PublicStatement};
use crate::lint::rules::{
    self as rules, AWS_MANAGED_KEY, MUTABLE_TAGS, NO_LIFECYCLE, NO_SCANNING,
    PUBLIC_REGISTRY_POLICY, PUBLIC_REPOSITORY_POLICY, Rule,
};
use crate::live::{LiveRepository, LiveSnapshot};
use crate::manifest::model::ecr_defaults;
use crate::manifest::model::{EncryptionType, Manifest, Repository};
use crate::manifest::spans::{SpanIndex, pointer};
use serde_json::Value;

/// What a repository policy must not give anyone: pulling, pushing, deleting, and
/// rewriting the policy itself.
const REPOSITORY_CONCERN: [&str; 11] = [
    "ecr:BatchGetImage",
    "ecr:GetDownloadUrlForLayer",
    "ecr:PutImage",
    "ecr:InitiateLayerUpload",
    "ecr:UploadLayerPart",
    "ecr:CompleteLayerUpload",
    "ecr:BatchDeleteImage",
    "ecr:DeleteRepository",
    "ecr:SetRepositoryPolicy",
    "ecr:DeleteRepositoryPolicy",
    "ecr:PutLifecyclePolicy",
];

/// What a registry policy grants: replication into the registry, and the repository
/// creation and upstream imports of pull through cache.
const REGISTRY_CONCERN: [&str; 3] = [
    "ecr:ReplicateImage",
    "ecr:CreateRepository",
    "ecr:BatchImportUpstreamImage",
];

/// The alias of the key AWS manages for ECR (KMS without `kmsKey`).
const AWS_MANAGED_ALIAS: &str = "alias/aws/ecr";

/// Where a repository's effective value comes from.
enum Origin {
    Own,
    Defaults,
    /// Nobody set it: AWS's default applies.
    Unset,
}

impl Origin {
    fn of<T>(own: &Option<T>, defaults: Option<&Option<T>>) -> Self {
        if own.is_some() {
            Self::Own
        } else if defaults.is_some_and(Option::is_some) {
            Self::Defaults
        } else {
            Self::Unset
        }
    }

    /// The node that sets the value, or the repository's key when nothing does.
    fn span(&self, spans: &SpanIndex, base: &str, field: &[&str]) -> Span {
        match self {
            Self::Own => spans.at(&child(base, field)),
            Self::Defaults => spans.at(&child(&pointer(&["defaults", "repository"]), field)),
            Self::Unset => spans.key(base),
        }
    }

    fn suffix(&self) -> &'static str {
        match self {
            Self::Own => "",
            Self::Defaults => " (from defaults.repository)",
            Self::Unset => " (not set: AWS's default)",
        }
    }
}

/// One repository as the manifest declares it.
struct Declared<'a> {
    own: &'a Repository,
    defaults: Option<&'a Repository>,
    effective: Repository,
    base: String,
}

impl<'a> Declared<'a> {
    fn new(m: &'a Manifest, name: &'a str, own: &'a Repository) -> Self {
        let defaults = m.defaults.repository.as_ref();
        Self {
            own,
            defaults,
            effective: repository::merged(own, defaults),
            base: pointer(&["repositories", name]),
        }
    }

    fn mutability_origin(&self) -> Origin {
        Origin::of(
            &self.own.image_tag_mutability,
            self.defaults.map(|d| &d.image_tag_mutability),
        )
    }

    fn scan_origin(&self) -> Origin {
        Origin::of(
            &self.own.scan_on_push,
            self.defaults.map(|d| &d.scan_on_push),
        )
    }

    fn encryption_origin(&self) -> Origin {
        Origin::of(&self.own.encryption, self.defaults.map(|d| &d.encryption))
    }

    /// The raw policy in effect and the pointer of the node that holds it.
    fn raw_policy(&self) -> Option<(&Value, String)> {
        match (
            &self.own.policy,
            self.defaults.and_then(|d| d.policy.as_ref()),
        ) {
            (Some(own), _) => Some((own, child(&self.base, &["policy"]))),
            (None, Some(inherited)) => {
                Some((inherited, pointer(&["defaults", "repository", "policy"])))
            }
            _ => None,
        }
    }
}

/// WHARF-ECR-007, from `lint --live`: images in use the lifecycle policy in place would
/// expire or archive, each at the repository's lifecycle rules when the manifest has them.
pub(crate) fn in_use(
    m: &Manifest,
    spans: &SpanIndex,
    threatened: &[(String, Vec<crate::plan::InUseImage>)],
) -> Vec<Finding> {
    let mut out = Vec::new();
    for (name, images) in threatened {
        let base = pointer(&["repositories", name]);
        let span = ["lifecycle", "lifecyclePolicy"]
            .iter()
            .map(|field| child(&base, &[field]))
            .find(|p| spans.contains(p))
            .map(|p| spans.key(&p))
            .or_else(|| m.repositories.contains_key(name).then(|| spans.key(&base)));
        for image in images {
            let mut f = finding(&rules::EXPIRES_IMAGES_IN_USE, Source::Live, name);
            f.subject = image.digest.clone();
            f.message = format!(
                "lifecycle rule {} in place would {} image {}, which {} uses",
                image.rule_priority,
                image.action,
                image.label(),
                image.used_by.join(" and ")
            );
            f.hint = "keep deployed tags out of the rule's selection, raise keepLast, or deploy a newer image first".to_string();
            f.span = span;
            out.push(f);
        }
    }
    out
}

fn finding(rule: &'static Rule, source: Source, name: &str) -> Finding {
    Finding::new(rule, source, repository::address(name))
}

/// "In AWS, " for live findings, so that every message says where it looked.
fn lead(source: Source) -> &'static str {
    match source {
        Source::Manifest => "",
        Source::Live => "In AWS, ",
    }
}

pub(crate) fn manifest(m: &Manifest, spans: &SpanIndex, options: &Options) -> Vec<Finding> {
    let scanning = m.registry.scanning.as_ref().map(registry::desired_scanning);
    let mut out = Vec::new();
    for (name, own) in &m.repositories {
        let repo = Declared::new(m, name, own);
        let source = Source::Manifest;
        let eff = &repo.effective;

        let mutability = eff
            .image_tag_mutability
            .unwrap_or(ecr_defaults::IMAGE_TAG_MUTABILITY);
        if let Some(mut f) = mutable(
            source,
            name,
            mutability.as_str(),
            repo.mutability_origin().suffix(),
        ) {
            f.span = Some(repo.mutability_origin().span(
                spans,
                &repo.base,
                &["imageTagMutability"],
            ));
            out.push(f);
        }

        let origin = repo.scan_origin();
        if let Some(mut f) = unscanned(
            source,
            name,
            eff.scan_on_push.unwrap_or(ecr_defaults::SCAN_ON_PUSH),
            origin.suffix(),
            scanning.as_ref(),
        ) {
            f.span = Some(match origin {
                Origin::Unset => spans.key(&repo.base),
                _ => origin.span(spans, &repo.base, &["scanOnPush"]),
            });
            out.push(f);
        }

        let has_rules = eff.lifecycle.as_ref().is_some_and(|r| !r.is_empty());
        let has_policy = eff.lifecycle_policy.is_some();
        if !has_rules && !has_policy {
            let mut f = no_lifecycle(source, name);
            // `lifecycle: []` says "none" explicitly; otherwise it is an omission.
            f.span = Some(match &own.lifecycle {
                Some(rules) if rules.is_empty() => spans.at(&child(&repo.base, &["lifecycle"])),
                _ => spans.key(&repo.base),
            });
            out.push(f);
        }

        if options.require_kms {
            let origin = repo.encryption_origin();
            let encryption = eff.encryption.as_ref();
            let kind = encryption
                .map(|e| e.encryption_type)
                .unwrap_or(ecr_defaults::ENCRYPTION);
            let key = encryption.and_then(|e| e.kms_key.as_deref());
            if let Some(mut f) =
                aws_managed_key(source, name, kind.as_str(), key, false, origin.suffix())
            {
                f.span = Some(match (&origin, key) {
                    (Origin::Unset, _) => spans.key(&repo.base),
                    (_, Some(_)) => origin.span(spans, &repo.base, &["encryption", "kmsKey"]),
                    (_, None) if kind == EncryptionType::Aes256 => {
                        origin.span(spans, &repo.base, &["encryption", "type"])
                    }
                    _ => origin.span(spans, &repo.base, &["encryption"]),
                });
                out.push(f);
            }
        }

        // `pull` only ever names accounts and roles, but it is checked as what it
        // compiles to, like any statement.
        if let Some(doc) = documents::repository_policy(eff.pull.as_ref(), None) {
            let pull_node = if own.pull.is_some() {
                child(&repo.base, &["pull"])
            } else {
                pointer(&["defaults", "repository", "pull"])
            };
            for statement in policy::public_statements(&doc, &REPOSITORY_CONCERN) {
                let mut f = public_repository(source, name, &statement, "");
                f.span = Some(spans.at(&pull_node));
                out.push(f);
            }
        }
        if let Some((raw, node)) = repo.raw_policy()
            && let Ok(doc) = documents::parse_document(raw)
        {
            for statement in policy::public_statements(&doc, &REPOSITORY_CONCERN) {
                let inherited = if node.starts_with("/defaults") {
                    " (from defaults.repository)"
                } else {
                    ""
                };
                let mut f = public_repository(source, name, &statement, inherited);
                f.span = Some(statement_span(spans, &node, &statement, raw));
                out.push(f);
            }
        }
    }

    if let Some(raw) = &m.registry.policy
        && let Ok(doc) = documents::parse_document(raw)
    {
        let node = pointer(&["registry", "policy"]);
        for statement in policy::public_statements(&doc, &REGISTRY_CONCERN) {
            let mut f = public_registry(Source::Manifest, &statement);
            f.span = Some(statement_span(spans, &node, &statement, raw));
            out.push(f);
        }
    }
    out
}

pub(crate) fn live(
    m: &Manifest,
    spans: &SpanIndex,
    live: &LiveSnapshot,
    options: &Options,
) -> Vec<Finding> {
    let scanning = live
        .registry
        .scanning
        .as_ref()
        .map(registry::observed_scanning);
    let mut out = Vec::new();
    for (name, have) in &live.repositories {
        let declared = m
            .repositories
            .get(name)
            .map(|own| Declared::new(m, name, own));
        let owned = have.tags.get(OWNERSHIP_TAG) == Some(&m.stack);
        if !have.details_read || (declared.is_none() && !owned) {
            continue;
        }
        let source = Source::Live;
        // Declared: where the manifest sets the value, else the repository's key.
        let at = |field: &[&str], origin: &dyn Fn(&Declared) -> Origin| {
            declared.as_ref().map(|d| match origin(d) {
                Origin::Unset => spans.key(&d.base),
                o => o.span(spans, &d.base, field),
            })
        };

        if let Some(mut f) = mutable(source, name, &have.image_tag_mutability, "") {
            f.span = at(&["imageTagMutability"], &|d| d.mutability_origin());
            out.push(f);
        }
        if let Some(mut f) = unscanned(source, name, have.scan_on_push, "", scanning.as_ref()) {
            f.span = at(&["scanOnPush"], &|d| d.scan_origin());
            out.push(f);
        }
        if have.lifecycle_policy.is_none() {
            let mut f = no_lifecycle(source, name);
            f.span = declared.as_ref().map(|d| spans.key(&d.base));
            out.push(f);
        }
        if options.require_kms {
            let aws_managed = have
                .kms_key
                .as_ref()
                .and_then(|k| live.kms_keys.get(k))
                .is_some_and(|k| k.aws_managed);
            if let Some(mut f) = aws_managed_key(
                source,
                name,
                &have.encryption_type,
                have.kms_key.as_deref(),
                aws_managed,
                "",
            ) {
                f.span = at(&["encryption"], &|d| d.encryption_origin());
                out.push(f);
            }
        }
        out.extend(live_policy(spans, declared.as_ref(), have));
    }

    if let Some(Some(text)) = &live.registry.policy
        && let Ok(doc) = serde_json::from_str::<Value>(text)
    {
        for statement in policy::public_statements(&doc, &REGISTRY_CONCERN) {
            let mut f = public_registry(Source::Live, &statement);
            f.span = exact(spans, &pointer(&["registry", "policy"]));
            out.push(f);
        }
    }
    out
}

fn live_policy(
    spans: &SpanIndex,
    declared: Option<&Declared>,
    have: &LiveRepository,
) -> Vec<Finding> {
    let Some(doc) = have
        .policy
        .as_deref()
        .and_then(|text| serde_json::from_str::<Value>(text).ok())
    else {
        return Vec::new();
    };
    policy::public_statements(&doc, &REPOSITORY_CONCERN)
        .iter()
        .map(|statement| {
            let mut f = public_repository(Source::Live, &have.name, statement, "");
            f.span = declared.map(|d| match d.raw_policy() {
                Some((_, node)) => spans.at(&node),
                None => spans.key(&d.base),
            });
            f
        })
        .collect()
}

/// The span of a public statement: its principal when the policy is written inline,
/// the policy's text otherwise.
fn statement_span(spans: &SpanIndex, node: &str, statement: &PublicStatement, raw: &Value) -> Span {
    if raw.is_string() {
        return spans.at(node);
    }
    let at = statement.pointer(node);
    exact(spans, &format!("{at}/Principal/AWS"))
        .or_else(|| exact(spans, &format!("{at}/Principal")))
        .unwrap_or_else(|| spans.at(&at))
}

fn mutable(source: Source, name: &str, mutability: &str, origin: &str) -> Option<Finding> {
    if !matches!(mutability, "MUTABLE" | "MUTABLE_WITH_EXCLUSION") {
        return None;
    }
    let mut f = finding(&MUTABLE_TAGS, source, name);
    f.message = format!(
        "{}repository `{name}` lets a push overwrite image tags: imageTagMutability is {mutability}{origin}",
        lead(source)
    );
    f.hint = "set `imageTagMutability: IMMUTABLE` (IMMUTABLE_WITH_EXCLUSION keeps chosen tags such as `latest` movable)".into();
    Some(f)
}

/// Whether a registry scanning rule scans `name` on its own (scan on push or
/// continuously; MANUAL scans nothing by itself).
fn covered(scanning: &ScanningSpec, name: &str) -> bool {
    scanning.rules.iter().any(|rule| {
        matches!(
            rule.scan_frequency.as_str(),
            "SCAN_ON_PUSH" | "CONTINUOUS_SCAN"
        ) && rule.filters.iter().any(|f| policy::filter_matches(f, name))
    })
}

/// `scanning`: the registry's scanning when known (declared in the manifest, or read
/// from AWS); None means the registry's setting is not managed and only scanOnPush counts.
fn unscanned(
    source: Source,
    name: &str,
    scan_on_push: bool,
    origin: &str,
    scanning: Option<&ScanningSpec>,
) -> Option<Finding> {
    if scanning.is_some_and(|s| covered(s, name)) {
        return None;
    }
    // With ENHANCED scanning, AWS ignores the repository's scanOnPush.
    let enhanced = scanning.is_some_and(|s| s.scan_type == "ENHANCED");
    if scan_on_push && !enhanced {
        return None;
    }
    let mut f = finding(&NO_SCANNING, source, name);
    let why = if enhanced {
        format!(
            "registry scanning is ENHANCED, which ignores scanOnPush, and no rule's filter matches `{name}`"
        )
    } else if scanning.is_some() {
        format!("scanOnPush is false{origin} and no registry scanning rule covers it")
    } else {
        format!("scanOnPush is false{origin}, and the manifest manages no registry scanning")
    };
    f.message = format!(
        "{}images pushed to `{name}` are not scanned for vulnerabilities: {why}",
        lead(source)
    );
    f.hint = if enhanced {
        format!(
            "add a `registry.scanning` rule (SCAN_ON_PUSH or CONTINUOUS_SCAN) with a filter matching `{name}`, such as `{name}` or `*`"
        )
    } else {
        format!(
            "set `scanOnPush: true`, or add a `registry.scanning` rule with a filter matching `{name}`"
        )
    };
    Some(f)
}

fn no_lifecycle(source: Source, name: &str) -> Finding {
    let mut f = finding(&NO_LIFECYCLE, source, name);
    f.message = format!(
        "{}repository `{name}` has no lifecycle policy: old and untagged images are kept, and stay deployable, forever",
        lead(source)
    );
    f.hint = "add `lifecycle:` rules, e.g. `- { untagged: true, expireAfterDays: 14 }` and `- { tagPrefixes: [v], keepLast: 30 }`".into();
    f
}

/// `aws_managed`: the key is known (from KMS) to be AWS's own.
fn aws_managed_key(
    source: Source,
    name: &str,
    encryption_type: &str,
    key: Option<&str>,
    aws_managed: bool,
    origin: &str,
) -> Option<Finding> {
    let what = match (encryption_type, key) {
        ("AES256", _) => format!("encrypted with AES256{origin}, with keys S3 manages"),
        (_, None) => format!(
            "encrypted with the AWS-managed key aws/ecr{origin} ({encryption_type} without kmsKey)"
        ),
        (_, Some(k)) if aws_managed || k == AWS_MANAGED_ALIAS || k.ends_with(":alias/aws/ecr") => {
            format!("encrypted with the AWS-managed key aws/ecr{origin} ({k})")
        }
        _ => return None,
    };
    let mut f = finding(&AWS_MANAGED_KEY, source, name);
    f.message = format!(
        "{}repository `{name}` is {what}, but the stack requires customer-managed KMS keys (lint.requireKms)",
        lead(source)
    );
    f.hint = "use `encryption: { type: KMS, kmsKey: alias/NAME }` with a customer-managed key; encryption cannot change in place, so the repository is replaced (`--allow-replace`, and `forceDelete: true` when it holds images)".into();
    Some(f)
}

fn public_repository(
    source: Source,
    name: &str,
    statement: &PublicStatement,
    origin: &str,
) -> Finding {
    let mut f = finding(&PUBLIC_REPOSITORY_POLICY, source, name);
    f.subject = statement.describe();
    f.message = format!(
        "{}{} of the repository policy of `{name}`{origin} allows anyone (Principal \"*\") {}",
        lead(source),
        statement.describe(),
        statement.allows.join(", ")
    );
    f.hint = "grant pull to the accounts and roles that need it with `pull: { accounts: [...], roles: [...] }`, or restrict the statement with a condition on aws:PrincipalOrgID".into();
    f
}

fn public_registry(source: Source, statement: &PublicStatement) -> Finding {
    let mut f = Finding::new(
        &PUBLIC_REGISTRY_POLICY,
        source,
        registry::POLICY_ADDRESS.to_string(),
    );
    f.subject = statement.describe();
    f.message = format!(
        "{}{} of the registry policy allows anyone (Principal \"*\") {}",
        lead(source),
        statement.describe(),
        statement.allows.join(", ")
    );
    f.hint = "name the accounts that replicate into this registry, or restrict the statement with a condition on aws:PrincipalOrgID".into();
    f
}
