//! Semantic validation of a decoded manifest, PURE: the AWS rules the schema cannot say
//! (name and identifier forms, tag rules, limits, fields that only make sense together),
//! each failure a diagnostic located at its node in the manifest, and every failure
//! reported, not only the first. Values under `defaults.repository` get the same checks,
//! pointing into `defaults/repository/...`.
//!
//! This module owns the manifest-level AWS facts (repository names, account ids, regions,
//! KMS key forms, tag rules, role ARNs, policy size); lifecycle-document rules live in
//! `documents::lifecycle` and are reported here at the manifest's spans.

use crate::diagnostics::{Diagnostics, Span, did_you_mean};
use crate::documents::lifecycle::{self, DocumentProblem};
use crate::kinds::common::OWNERSHIP_TAG;
use crate::kinds::repository;
use crate::manifest::model::Manifest;
use crate::manifest::model::{LifecycleRule, Repository};
use crate::manifest::node::escape_pointer;
use crate::manifest::spans::{SpanIndex, pointer};
use regex::Regex;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::LazyLock;

/// AWS tag keys and values: Unicode letters, digits, white space and `_ . : / = + - @`.
pub(crate) static TAG_TEXT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$").unwrap());
pub(crate) static ACCOUNT_ID: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[0-9]{12}$").unwrap());
/// eu-west-1, us-gov-west-1, cn-north-1, us-isob-east-1, eusc-de-east-1...
pub(crate) static REGION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[a-z]{2,4}(?:-[a-z]+){1,3}-[0-9]{1,2}$").unwrap());
/// An availability zone (eu-west-1a), a common slip for a region.
pub(crate) static AVAILABILITY_ZONE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^([a-z]{2,4}(?:-[a-z]+){1,3}-[0-9]{1,2})[a-z]$").unwrap());
/// A KMS key id: a UUID, or a multi-Region key id `mrk-` + 32 hex digits.
pub(crate) static KMS_KEY_ID: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|mrk-[0-9a-fA-F]{32})$",
    )
    .unwrap()
});
/// A KMS key or alias ARN: region, account, `key` or `alias`, and the rest.
pub(crate) static KMS_ARN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^arn:aws[a-z-]*:kms:([a-z0-9-]*):([^:]*):(key|alias)/(.*)$").unwrap()
});
/// A KMS alias name after `alias/`.
pub(crate) static KMS_ALIAS_NAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[a-zA-Z0-9/_-]+$").unwrap());
/// An IAM role ARN: partition, account, optional path, name.
pub(crate) static ROLE_ARN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^arn:aws[a-z-]*:iam::[0-9]{12}:role/((?:[\x21-\x2E\x30-\x7E]+/)*)([^/]*)$")
        .unwrap()
});
/// An IAM role name.
pub(crate) static ROLE_NAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[A-Za-z0-9_+=,.@-]{1,64}$").unwrap());

pub(crate) const STACK_MAX: usize = 256;
pub(crate) const TAG_KEY_MAX: usize = 128;
pub(crate) const TAG_VALUE_MAX: usize = 256;
/// AWS allows 50 user tags per resource; wharf's ownership tag counts towards them.
pub(crate) const TAGS_PER_RESOURCE: usize = 50;
pub(crate) const KMS_ALIAS_MAX: usize = 256;
/// SetRepositoryPolicy's `policyText` limit (characters).
pub(crate) const REPOSITORY_POLICY_MAX: usize = 10_240;

pub(crate) const KMS_KEY_FORMS: &str = "use a key id (1234abcd-12ab-34cd-56ef-1234567890ab, or mrk-... for a multi-Region key), a key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID), an alias (alias/NAME) or an alias ARN (arn:aws:kms:REGION:ACCOUNT:alias/NAME)";
pub(crate) const ROLE_ARN_HINT: &str = "a role ARN such as arn:aws:iam::123456789012:role/name";

pub(crate) mod ecs;

/// Checks everything the schema cannot; every problem becomes a located diagnostic.
pub fn validate(manifest: &Manifest, spans: &SpanIndex, diagnostics: &mut Diagnostics) {
    let mut v = Validator {
        manifest,
        spans,
        out: diagnostics,
    };
    v.top_level();
    v.tags(&manifest.defaults.tags, &pointer(&["defaults", "tags"]));
    v.defaults_tag_count();
    if let Some(defaults) = &manifest.defaults.repository {
        v.repository(defaults, &pointer(&["defaults", "repository"]), None);
    }
    macro_rules! every_kind {
        ($($variant:ident $module:ident $operation:ident $kind:ident,)*) => {
            $(<crate::kinds::$module::$kind as Validates>::validate(&mut v);)*
        };
    }
    crate::with_kinds!(every_kind);
    // `lint.suppress` blocks: known rule ids, each with a reason.
    crate::lint::validate_manifest(manifest, spans, v.out);
}

/// A kind's checks, run on the whole manifest: each kind's `validate.rs` implements it on
/// the kind's registry type, and the walk runs every kind the registry lists.
pub(crate) trait Validates {
    fn validate(v: &mut Validator);
}

pub(crate) struct Validator<'a> {
    pub(crate) manifest: &'a Manifest,
    pub(crate) spans: &'a SpanIndex,
    pub(crate) out: &'a mut Diagnostics,
}

pub(crate) fn child(base: &str, segment: &str) -> String {
    format!("{base}/{}", escape_pointer(segment))
}

/// Characters of `text` that `allowed` rejects, each once, for messages.
pub(crate) fn bad_chars(text: &str, allowed: impl Fn(char) -> bool) -> String {
    let mut seen = Vec::new();
    for c in text.chars().filter(|c| !allowed(*c)) {
        if !seen.contains(&c) {
            seen.push(c);
        }
    }
    seen.iter()
        .map(|c| format!("{c:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Grows `range` (start, end) to cover `span`.
pub(crate) fn widen(range: &mut Option<(usize, usize)>, span: Span) {
    if span.is_known() {
        let end = span.offset + span.len;
        *range = Some(match *range {
            Some((s, e)) => (s.min(span.offset), e.max(end)),
            None => (span.offset, end),
        });
    }
}

pub(crate) fn tag_char(c: char) -> bool {
    TAG_TEXT.is_match(c.encode_utf8(&mut [0; 4]))
}

impl Validator<'_> {
    pub(crate) fn at(&self, ptr: &str) -> Span {
        self.spans.at(ptr)
    }

    pub(crate) fn key(&self, ptr: &str) -> Span {
        self.spans.key(ptr)
    }

    /// The whole of a mapping or list as written: from its first key or item to the end of
    /// its last value (the parser gives containers only a zero- or one-character span).
    pub(crate) fn extent(&self, ptr: &str, value: &Value) -> Span {
        let mut range: Option<(usize, usize)> = None;
        self.collect_extent(ptr, value, &mut range);
        match range {
            Some((start, end)) => Span::new(start, end - start),
            None => self.at(ptr),
        }
    }

    pub(crate) fn collect_extent(
        &self,
        ptr: &str,
        value: &Value,
        range: &mut Option<(usize, usize)>,
    ) {
        match value {
            Value::Object(map) if !map.is_empty() => {
                for (k, v) in map {
                    let c = child(ptr, k);
                    if self.spans.contains(&format!("{c}#key")) {
                        widen(range, self.spans.key(&c));
                    }
                    self.collect_extent(&c, v, range);
                }
            }
            Value::Array(items) if !items.is_empty() => {
                for (i, v) in items.iter().enumerate() {
                    self.collect_extent(&child(ptr, &i.to_string()), v, range);
                }
            }
            _ => {
                if self.spans.contains(ptr) {
                    widen(range, self.at(ptr));
                }
            }
        }
    }

    /// The span of a short lifecycle rule as a whole.
    pub(crate) fn rule_span(&self, ptr: &str, rule: &LifecycleRule) -> Span {
        self.extent(ptr, &serde_json::to_value(rule).unwrap_or_default())
    }

    pub(crate) fn error(&mut self, span: Span, message: impl Into<String>, hint: Option<String>) {
        let d = self.out.error(span, message);
        if let Some(hint) = hint {
            d.hint_mut(hint);
        }
    }

    // ---- version, stack, accountId, region -------------------------------------------

    pub(crate) fn top_level(&mut self) {
        let m = self.manifest;
        if m.version != 1 {
            self.error(
                self.at("/version"),
                format!("unsupported manifest version {}", m.version),
                Some("only `version: 1` exists".into()),
            );
        }

        let stack = &m.stack;
        let span = self.at("/stack");
        let length = stack.chars().count();
        if stack.trim().is_empty() {
            self.error(
                span,
                "the stack name cannot be empty",
                Some("it becomes the value of the wharf:stack tag on everything wharf creates, e.g. `stack: shop`".into()),
            );
        } else if length > STACK_MAX {
            self.error(
                span,
                format!("the stack name is {length} characters long; at most {STACK_MAX} fit in a tag value"),
                None,
            );
        }
        if !TAG_TEXT.is_match(stack) {
            self.error(
                span,
                format!(
                    "the stack name contains characters an AWS tag value cannot hold: {}",
                    bad_chars(stack, tag_char)
                ),
                Some("use letters, digits, spaces and _ . : / = + - @".into()),
            );
        }

        if let Some(account) = &m.account_id
            && !ACCOUNT_ID.is_match(account)
        {
            self.error(
                self.at("/accountId"),
                format!("`{account}` is not an AWS account id"),
                Some("an account id is exactly 12 digits, quoted: \"123456789012\"".into()),
            );
        }

        if let Some(region) = &m.region
            && !REGION.is_match(region)
        {
            let hint = if let Some(c) = AVAILABILITY_ZONE.captures(region) {
                format!(
                    "`{region}` looks like an availability zone; the region is `{}`",
                    &c[1]
                )
            } else if REGION.is_match(&region.trim().to_lowercase()) {
                format!("did you mean `{}`?", region.trim().to_lowercase())
            } else {
                "a region looks like eu-west-1, us-east-2 or us-gov-west-1".to_string()
            };
            self.error(
                self.at("/region"),
                format!("`{region}` is not an AWS region"),
                Some(hint),
            );
        }
    }

    // ---- repository names --------------------------------------------------------------

    // ---- one repository (or defaults.repository) --------------------------------------

    // ---- tags --------------------------------------------------------------------------

    pub(crate) fn tags(&mut self, tags: &BTreeMap<String, String>, base: &str) {
        for (k, value) in tags {
            let ptr = child(base, k);
            let key_span = self.key(&ptr);
            let length = k.chars().count();
            if length == 0 {
                self.error(key_span, "a tag key cannot be empty", None);
            } else if length > TAG_KEY_MAX {
                self.error(
                    key_span,
                    format!(
                        "tag key is {length} characters long; AWS allows at most {TAG_KEY_MAX}"
                    ),
                    None,
                );
            }
            if k == OWNERSHIP_TAG {
                self.error(
                    key_span,
                    format!(
                        "the tag key `{OWNERSHIP_TAG}` is reserved: wharf sets it to the stack name"
                    ),
                    Some(
                        "wharf tags everything it creates with the `stack:` value; remove this tag"
                            .into(),
                    ),
                );
            } else if k.to_lowercase().starts_with("aws:") {
                self.error(
                    key_span,
                    format!("tag key `{k}` uses the `aws:` prefix, which is reserved for AWS"),
                    Some("choose a key without the `aws:` prefix".into()),
                );
            }
            if !TAG_TEXT.is_match(k) {
                self.error(
                    key_span,
                    format!(
                        "tag key `{k}` contains characters AWS does not allow in tags: {}",
                        bad_chars(k, tag_char)
                    ),
                    Some("use letters, digits, spaces and _ . : / = + - @".into()),
                );
            }
            let value_span = self.at(&ptr);
            let length = value.chars().count();
            if length > TAG_VALUE_MAX {
                self.error(
                    value_span,
                    format!(
                        "tag value is {length} characters long; AWS allows at most {TAG_VALUE_MAX}"
                    ),
                    None,
                );
            }
            if !TAG_TEXT.is_match(value) {
                self.error(
                    value_span,
                    format!(
                        "tag value contains characters AWS does not allow in tags: {}",
                        bad_chars(value, tag_char)
                    ),
                    Some("use letters, digits, spaces and _ . : / = + - @".into()),
                );
            }
        }
    }

    /// All the tags a repository ends up with (defaults, its own and `wharf:stack`) must
    /// fit AWS's per-resource limit. Too many from defaults alone is reported once, here.
    pub(crate) fn defaults_tag_count(&mut self) {
        let count = repository::desired_tags(self.manifest, &Repository::default()).len();
        if count <= TAGS_PER_RESOURCE {
            return;
        }
        let own = pointer(&["defaults", "repository", "tags"]);
        let span = if self.spans.contains(&own) {
            self.key(&own)
        } else {
            self.key(&pointer(&["defaults", "tags"]))
        };
        self.too_many_tags(span, "every repository", count);
    }

    pub(crate) fn too_many_tags(&mut self, span: Span, whose: &str, count: usize) {
        let extra = count - TAGS_PER_RESOURCE;
        self.error(
            span,
            format!(
                "{whose} would carry {count} tags (defaults, its own and {OWNERSHIP_TAG}); AWS allows at most {TAGS_PER_RESOURCE}"
            ),
            Some(format!(
                "remove {extra} tag{}",
                crate::diagnostics::plural(extra)
            )),
        );
    }

    // ---- lifecycle ---------------------------------------------------------------------

    /// Decodes a raw document (YAML mapping or JSON text); `Some((doc, inline))`.
    pub(crate) fn parse_raw(
        &mut self,
        raw: &Value,
        ptr: &str,
        what: &str,
    ) -> Option<(Value, bool)> {
        match raw {
            Value::String(text) => match serde_json::from_str::<Value>(text) {
                Ok(doc) => Some((doc, false)),
                Err(e) => {
                    self.error(
                        self.at(ptr),
                        format!("{what} is not valid JSON: {e}"),
                        Some(format!(
                            "give {what} as a YAML mapping, or as a string holding a JSON document"
                        )),
                    );
                    None
                }
            },
            other => Some((other.clone(), true)),
        }
    }

    /// Reports document problems: at the exact node when the document was written inline as
    /// YAML, at the string (naming the place inside it) when it was JSON text.
    pub(crate) fn report_document(
        &mut self,
        problems: Vec<DocumentProblem>,
        doc: &Value,
        base: &str,
        inline: bool,
    ) {
        for p in problems {
            let (span, message) = if inline {
                let ptr = format!("{base}{}", p.pointer);
                let span = match doc.pointer(&p.pointer) {
                    _ if p.at_key => self.key(&ptr),
                    Some(value @ (Value::Object(_) | Value::Array(_))) => self.extent(&ptr, value),
                    _ => self.at(&ptr),
                };
                (span, p.message)
            } else if p.pointer.is_empty() {
                (self.at(base), p.message)
            } else {
                (self.at(base), format!("at {}: {}", p.pointer, p.message))
            };
            self.error(span, message, p.hint);
        }
    }

    // ---- pull and policy ---------------------------------------------------------------
}

pub(crate) fn pointer_join(base: &str, segments: &[&str]) -> String {
    segments.iter().fold(base.to_string(), |p, s| child(&p, s))
}

/// Where a place in a compiled rule (`/selection/countNumber`) came from in the short rule
/// (`/keepLast`); "" for the rule itself.
pub(crate) fn short_rule_field(rule: &LifecycleRule, tail: &str) -> String {
    let tail = if tail.is_empty() {
        String::new()
    } else {
        format!("/{tail}")
    };
    let mapped = |from: &str, to: &str| tail.strip_prefix(from).map(|rest| format!("{to}{rest}"));
    mapped("/rulePriority", "/priority")
        .or_else(|| mapped("/description", "/description"))
        .or_else(|| mapped("/selection/tagStatus", "/tagStatus"))
        .or_else(|| mapped("/selection/tagPrefixList", "/tagPrefixes"))
        .or_else(|| mapped("/selection/tagPatternList", "/tagPatterns"))
        .or_else(|| {
            let field = if rule.keep_last.is_some() {
                "/keepLast"
            } else if rule.archive_keep_last.is_some() {
                "/archiveKeepLast"
            } else if rule.archive_after_days.is_some() {
                "/archiveAfterDays"
            } else {
                "/expireAfterDays"
            };
            mapped("/selection/countNumber", field)
        })
        .unwrap_or_default()
}

/// Checks a KMS key reference against the forms ECR accepts; `Err((message, hint))`.
pub(crate) fn check_kms_key(key: &str, region: Option<&str>) -> Result<(), (String, String)> {
    if KMS_KEY_ID.is_match(key) {
        return Ok(());
    }
    if let Some(name) = key.strip_prefix("alias/") {
        return check_kms_alias(key, name);
    }
    if key.starts_with("arn:") {
        let Some(c) = KMS_ARN.captures(key) else {
            return Err((
                format!("`{key}` is not a KMS key ARN or alias ARN"),
                KMS_KEY_FORMS.into(),
            ));
        };
        let (arn_region, account, kind, rest) = (&c[1], &c[2], &c[3], &c[4]);
        if !REGION.is_match(arn_region) {
            return Err((
                format!("the KMS ARN `{key}` has no valid region (`{arn_region}`)"),
                KMS_KEY_FORMS.into(),
            ));
        }
        if !ACCOUNT_ID.is_match(account) {
            return Err((
                format!("the KMS ARN `{key}` has no valid 12-digit account id (`{account}`)"),
                KMS_KEY_FORMS.into(),
            ));
        }
        if kind == "key" && !KMS_KEY_ID.is_match(rest) {
            return Err((
                format!("`{rest}` in `{key}` is not a KMS key id"),
                KMS_KEY_FORMS.into(),
            ));
        }
        if kind == "alias" {
            check_kms_alias(key, rest)?;
        }
        if let Some(region) = region.filter(|r| *r != arn_region) {
            return Err((
                format!("the KMS key is in {arn_region}, but the repositories are in {region}"),
                "ECR can only use a KMS key in the repository's own region".into(),
            ));
        }
        return Ok(());
    }
    let hint = if KMS_ALIAS_NAME.is_match(key) {
        format!("did you mean `alias/{key}`? {KMS_KEY_FORMS}")
    } else {
        KMS_KEY_FORMS.to_string()
    };
    Err((
        format!("`{key}` is not a KMS key id, key ARN, alias or alias ARN"),
        hint,
    ))
}

pub(crate) fn check_kms_alias(key: &str, name: &str) -> Result<(), (String, String)> {
    if name.is_empty() || !KMS_ALIAS_NAME.is_match(name) {
        return Err((
            format!("`{key}` is not a valid KMS alias"),
            "an alias name may contain letters, digits, `/`, `_` and `-`, e.g. alias/shop-ecr"
                .into(),
        ));
    }
    if name.chars().count() + "alias/".len() > KMS_ALIAS_MAX {
        return Err((
            format!("the KMS alias `alias/{name}` is longer than {KMS_ALIAS_MAX} characters"),
            KMS_KEY_FORMS.into(),
        ));
    }
    if name.starts_with("aws/") && name != "aws/ecr" {
        return Err((
            format!("`alias/{name}` is an AWS managed key of another service"),
            "ECR can use its own AWS managed key alias/aws/ecr (the default when kmsKey is left out) or a customer managed key".into(),
        ));
    }
    Ok(())
}

pub(crate) const POLICY_KEYS: [&str; 3] = ["Version", "Id", "Statement"];
pub(crate) const STATEMENT_KEYS: [&str; 9] = [
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
];

/// Which grammar a policy document follows beyond the common one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PolicyKind {
    /// A resource policy (repository, registry): every statement names a Principal.
    Resource,
    /// An identity policy (a role's inline policy): Resource, never Principal.
    Identity,
    /// A role's trust policy: Principal, never Resource.
    Trust,
}

/// Problems in a raw repository policy document (IAM policy grammar, resource-policy rules).
pub fn check_policy_document(doc: &Value) -> Vec<DocumentProblem> {
    check_policy_document_of(doc, PolicyKind::Resource)
}

/// Problems in a raw policy document of the given kind.
pub fn check_policy_document_of(doc: &Value, kind: PolicyKind) -> Vec<DocumentProblem> {
    let mut out = Vec::new();
    let problem = |pointer: String, message: String, hint: Option<String>| DocumentProblem {
        pointer,
        message,
        hint,
        at_key: false,
    };
    let Some(top) = doc.as_object() else {
        out.push(problem(
            String::new(),
            "a policy document must be a JSON object".into(),
            Some("write {\"Version\": \"2012-10-17\", \"Statement\": [ ... ]}".into()),
        ));
        return out;
    };
    lifecycle::unknown_keys(top, "", &POLICY_KEYS, "the policy", &mut out);
    if let Some(version) = top.get("Version")
        && !matches!(version.as_str(), Some("2012-10-17" | "2008-10-17"))
    {
        out.push(problem(
            "/Version".into(),
            format!("policy Version must be \"2012-10-17\" or \"2008-10-17\", found {version}"),
            None,
        ));
    }
    match top.get("Statement") {
        None if lifecycle::misspelled(top, "Statement", &POLICY_KEYS) => {}
        None => out.push(problem(
            String::new(),
            "the policy has no `Statement`".into(),
            Some("add \"Statement\": [ {\"Effect\": \"Allow\", \"Principal\": ..., \"Action\": ...} ]".into()),
        )),
        Some(Value::Object(statement)) => {
            check_statement(statement, "/Statement", kind, &mut out)
        }
        Some(Value::Array(statements)) => {
            if statements.is_empty() {
                out.push(problem(
                    "/Statement".into(),
                    "the policy needs at least one statement".into(),
                    None,
                ));
            }
            for (i, statement) in statements.iter().enumerate() {
                let ptr = format!("/Statement/{i}");
                match statement.as_object() {
                    Some(statement) => check_statement(statement, &ptr, kind, &mut out),
                    None => out.push(problem(
                        ptr,
                        "a statement must be an object".into(),
                        None,
                    )),
                }
            }
        }
        Some(_) => out.push(problem(
            "/Statement".into(),
            "`Statement` must be an object or a list of objects".into(),
            None,
        )),
    }
    out
}

pub(crate) fn check_statement(
    statement: &serde_json::Map<String, Value>,
    base: &str,
    kind: PolicyKind,
    out: &mut Vec<DocumentProblem>,
) {
    let mut push = |pointer: String, message: String, hint: Option<&str>| {
        out.push(DocumentProblem {
            pointer,
            message,
            hint: hint.map(str::to_string),
            at_key: false,
        })
    };
    match statement.get("Effect") {
        None if lifecycle::misspelled(statement, "Effect", &STATEMENT_KEYS) => {}
        None => push(
            base.into(),
            "the statement has no `Effect`".into(),
            Some("add \"Effect\": \"Allow\" (or \"Deny\")"),
        ),
        Some(Value::String(e)) if e == "Allow" || e == "Deny" => {}
        Some(other) => {
            let shown = other
                .as_str()
                .map(str::to_string)
                .unwrap_or(other.to_string());
            let close = other
                .as_str()
                .and_then(|s| did_you_mean(s, ["Allow", "Deny"]));
            push(
                format!("{base}/Effect"),
                format!("Effect must be \"Allow\" or \"Deny\", found `{shown}`"),
                close.map(|c| {
                    if c == "Allow" {
                        "did you mean `Allow`? (Effect is case-sensitive)"
                    } else {
                        "did you mean `Deny`? (Effect is case-sensitive)"
                    }
                }),
            );
        }
    }
    match (statement.get("Action"), statement.get("NotAction")) {
        (None, None)
            if lifecycle::misspelled(statement, "Action", &STATEMENT_KEYS)
                || lifecycle::misspelled(statement, "NotAction", &STATEMENT_KEYS) => {}
        (None, None) => push(
            base.into(),
            "the statement has no `Action` (or `NotAction`)".into(),
            Some("e.g. \"Action\": [\"ecr:BatchGetImage\", \"ecr:GetDownloadUrlForLayer\"]"),
        ),
        (Some(_), Some(_)) => push(
            format!("{base}/NotAction"),
            "a statement takes `Action` or `NotAction`, not both".into(),
            None,
        ),
        _ => {}
    }
    let has_principal =
        statement.get("Principal").is_some() || statement.get("NotPrincipal").is_some();
    let has_resource =
        statement.get("Resource").is_some() || statement.get("NotResource").is_some();
    match kind {
        PolicyKind::Resource | PolicyKind::Trust
            if !has_principal
                && !lifecycle::misspelled(statement, "Principal", &STATEMENT_KEYS)
                && !lifecycle::misspelled(statement, "NotPrincipal", &STATEMENT_KEYS) =>
        {
            push(
                base.into(),
                format!(
                    "a {} statement needs a `Principal`",
                    if kind == PolicyKind::Trust {
                        "trust policy"
                    } else {
                        "repository policy"
                    }
                ),
                Some("e.g. \"Principal\": {\"AWS\": \"arn:aws:iam::123456789012:root\"}"),
            );
        }
        PolicyKind::Identity if has_principal => push(
            format!(
                "{base}/{}",
                if statement.contains_key("Principal") {
                    "Principal"
                } else {
                    "NotPrincipal"
                }
            ),
            "a role's inline policy cannot name a `Principal`; the role is the principal".into(),
            Some("remove Principal; to let others assume the role, use assumedBy"),
        ),
        PolicyKind::Identity
            if !has_resource
                && !lifecycle::misspelled(statement, "Resource", &STATEMENT_KEYS)
                && !lifecycle::misspelled(statement, "NotResource", &STATEMENT_KEYS) =>
        {
            push(
                base.into(),
                "an inline policy statement needs a `Resource`".into(),
                Some("e.g. \"Resource\": \"*\" or an ARN"),
            )
        }
        PolicyKind::Trust if has_resource => push(
            base.into(),
            "a trust policy statement cannot have a `Resource`".into(),
            Some("the role itself is the resource; remove Resource"),
        ),
        _ => {}
    }
    for key in ["Principal", "NotPrincipal"] {
        if let Some(Value::Object(principal)) = statement.get(key) {
            check_principal_wildcards(principal, &format!("{base}/{key}"), out);
        }
    }
    lifecycle::unknown_keys(statement, base, &STATEMENT_KEYS, "a statement", out);
}

/// AWS refuses a wildcard inside a principal ("You cannot use a wildcard to match part of a
/// principal name or ARN", IAM User Guide, "AWS JSON policy elements: Principal"): only
/// `"*"` whole means everyone. ECR answers such a policy with "Invalid repository policy
/// provided".
pub(crate) fn check_principal_wildcards(
    principal: &serde_json::Map<String, Value>,
    base: &str,
    out: &mut Vec<DocumentProblem>,
) {
    for (kind, value) in principal {
        let items: Vec<(String, &Value)> = match value {
            Value::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, v)| (format!("{base}/{kind}/{i}"), v))
                .collect(),
            other => vec![(format!("{base}/{kind}"), other)],
        };
        for (pointer, item) in items {
            if let Some(text) = item.as_str()
                && text != "*"
                && text.contains(['*', '?'])
            {
                out.push(DocumentProblem {
                    pointer,
                    message: format!(
                        "`{text}`: a principal cannot hold a wildcard; only \"*\" alone means everyone"
                    ),
                    hint: Some(
                        "name the principals, or use \"*\" with a Condition such as ArnLike on aws:PrincipalArn"
                            .into(),
                    ),
                    at_key: false,
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::diagnostics::Severity;

    const HEAD: &str = "version: 1\nstack: shop\n";

    /// Every diagnostic for `src`, as (severity, message, hint, text under the span).
    fn diagnose(src: &str) -> Vec<(Severity, String, String, String)> {
        crate::manifest::diagnostics_with_text(src)
    }

    /// Asserts one error whose message contains `message` sits exactly on `text`.
    fn assert_error_at(src: &str, message: &str, text: &str) {
        let found = diagnose(src);
        assert!(
            found
                .iter()
                .any(|(s, m, _, t)| *s == Severity::Error && m.contains(message) && t == text),
            "expected an error containing {message:?} at {text:?} in\n{src}\ngot: {found:#?}"
        );
    }

    fn assert_hint(src: &str, hint: &str) {
        let found = diagnose(src);
        assert!(
            found.iter().any(|(_, _, h, _)| h.contains(hint)),
            "expected a hint containing {hint:?} in\n{src}\ngot: {found:#?}"
        );
    }

    fn assert_clean(src: &str) {
        let found = diagnose(src);
        assert!(
            found.is_empty(),
            "expected no diagnostics for\n{src}\ngot: {found:#?}"
        );
    }

    fn repo(body: &str) -> String {
        format!("{HEAD}repositories:\n  shop/web:\n{body}")
    }

    #[test]
    fn a_complete_manifest_is_clean() {
        assert_clean(concat!(
            "version: 1\n",
            "stack: shop\n",
            "accountId: \"123456789012\"\n",
            "region: eu-west-1\n",
            "defaults:\n",
            "  repository: { imageTagMutability: IMMUTABLE, scanOnPush: true }\n",
            "  tags: { team: shop }\n",
            "repositories:\n",
            "  shop/web:\n",
            "    imageTagMutability: IMMUTABLE_WITH_EXCLUSION\n",
            "    imageTagMutabilityExclusionFilters: [\"latest\", \"dev-*\"]\n",
            "    encryption: { type: KMS, kmsKey: alias/shop-ecr }\n",
            "    lifecycle:\n",
            "      - description: drop untagged images after 14 days\n",
            "        untagged: true\n",
            "        expireAfterDays: 14\n",
            "      - description: keep the 30 newest releases\n",
            "        tagPrefixes: [v]\n",
            "        keepLast: 30\n",
            "      - keepLast: 200\n",
            "    pull:\n",
            "      accounts: [\"111122223333\"]\n",
            "      roles: [\"arn:aws:iam::111122223333:role/service/task-execution\"]\n",
            "    tags: { app: web }\n",
            "  shop/api-v2_x.y:\n",
            "    encryption: { type: KMS_DSSE, kmsKey: \"arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab\" }\n",
            "    lifecyclePolicy:\n",
            "      rules:\n",
            "        - rulePriority: 1\n",
            "          selection: { tagStatus: any, countType: imageCountMoreThan, countNumber: 10 }\n",
            "          action: { type: expire }\n",
            "    policy: '{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::111122223333:root\"},\"Action\":\"ecr:BatchGetImage\"}]}'\n",
        ));
    }

    #[test]
    fn top_level_fields() {
        // (manifest, message, text under the span)
        let cases = [
            (
                "version: 2\nstack: shop\n",
                "unsupported manifest version 2",
                "2",
            ),
            (
                "version: 1\nstack: shop;web\n",
                "characters an AWS tag value cannot hold: ';'",
                "shop;web",
            ),
            (
                "version: 1\nstack: ' '\n",
                "the stack name cannot be empty",
                "' '",
            ),
            (
                "version: 1\nstack: shop\naccountId: '12345'\n",
                "`12345` is not an AWS account id",
                "'12345'",
            ),
            (
                "version: 1\nstack: shop\naccountId: 1234567890ab\n",
                "is not an AWS account id",
                "1234567890ab",
            ),
            (
                "version: 1\nstack: shop\nregion: eu-west-1a\n",
                "`eu-west-1a` is not an AWS region",
                "eu-west-1a",
            ),
            (
                "version: 1\nstack: shop\nregion: EU-WEST-1\n",
                "is not an AWS region",
                "EU-WEST-1",
            ),
            (
                "version: 1\nstack: shop\nregion: euwest1\n",
                "is not an AWS region",
                "euwest1",
            ),
        ];
        for (src, message, text) in cases {
            assert_error_at(src, message, text);
        }
        let long = format!("version: 1\nstack: {}\n", "s".repeat(257));
        assert_error_at(&long, "257 characters long", &"s".repeat(257));
        assert_hint(
            "version: 1\nstack: shop\nregion: eu-west-1a\n",
            "the region is `eu-west-1`",
        );
        assert_hint(
            "version: 1\nstack: shop\nregion: EU-WEST-1\n",
            "did you mean `eu-west-1`?",
        );
        for region in [
            "us-gov-west-1",
            "cn-north-1",
            "ap-southeast-2",
            "us-isob-east-1",
            "eusc-de-east-1",
        ] {
            assert_clean(&format!("version: 1\nstack: shop\nregion: {region}\n"));
        }
        assert_clean("version: 1\nstack: Shop Web_1.0:a/b=c+d-e@f\n");
    }

    #[test]
    fn repository_names() {
        // (key, message, hint)
        let cases = [
            (
                "Shop/Web",
                "`Shop/Web` is not a valid ECR repository name",
                "use `shop/web`",
            ),
            (
                "/shop",
                "not a valid ECR repository name",
                "remove the leading or trailing `/`: `shop`",
            ),
            ("shop/", "not a valid ECR repository name", "`shop`"),
            (
                "shop//web",
                "not a valid ECR repository name",
                "empty path segment",
            ),
            (
                "shop--web",
                "not a valid ECR repository name",
                "single `.`, `_` or `-`",
            ),
            (
                "shop/-web",
                "not a valid ECR repository name",
                "start and end with a letter or digit",
            ),
            ("shop web", "not a valid ECR repository name", "not ' '"),
            ("a", "is 1 character long; ECR needs 2 to 256", ""),
        ];
        for (name, message, hint) in cases {
            let src = format!("{HEAD}repositories:\n  {name}: {{}}\n");
            assert_error_at(&src, message, name);
            assert_hint(&src, hint);
        }
        let long = format!("{}/x", "a".repeat(255));
        assert_error_at(
            &format!("{HEAD}repositories:\n  {long}: {{}}\n"),
            "is 257 characters long",
            &long,
        );
        for name in ["ab", "shop/web", "a.b_c-d/e0/f", "0/1"] {
            assert_clean(&format!("{HEAD}repositories:\n  {name}: {{}}\n"));
        }
    }

    #[test]
    fn exclusion_filters() {
        let cases = [
            (
                repo(
                    "    imageTagMutability: IMMUTABLE\n    imageTagMutabilityExclusionFilters: [latest]\n",
                ),
                "but imageTagMutability is IMMUTABLE",
                "imageTagMutabilityExclusionFilters",
            ),
            (
                repo("    imageTagMutabilityExclusionFilters: [latest]\n"),
                "but imageTagMutability is MUTABLE (the default)",
                "imageTagMutabilityExclusionFilters",
            ),
            (
                repo("    imageTagMutability: IMMUTABLE_WITH_EXCLUSION\n"),
                "IMMUTABLE_WITH_EXCLUSION needs imageTagMutabilityExclusionFilters",
                "IMMUTABLE_WITH_EXCLUSION",
            ),
            (
                repo(
                    "    imageTagMutability: MUTABLE_WITH_EXCLUSION\n    imageTagMutabilityExclusionFilters: [a, b, c, d, e, f]\n",
                ),
                "takes 1 to 5 filters, found 6",
                "a, b, c, d, e, f",
            ),
            (
                repo(
                    "    imageTagMutability: MUTABLE_WITH_EXCLUSION\n    imageTagMutabilityExclusionFilters: []\n",
                ),
                "takes 1 to 5 filters, found 0",
                "[",
            ),
            (
                repo(
                    "    imageTagMutability: MUTABLE_WITH_EXCLUSION\n    imageTagMutabilityExclusionFilters: [ok, dev/x]\n",
                ),
                "`dev/x` is not a valid tag filter: it contains '/'",
                "dev/x",
            ),
            (
                format!(
                    "{HEAD}defaults:\n  repository:\n    imageTagMutability: IMMUTABLE_WITH_EXCLUSION\nrepositories:\n  shop/web: {{}}\n"
                ),
                "IMMUTABLE_WITH_EXCLUSION (from defaults.repository) needs",
                "shop/web",
            ),
            (
                format!(
                    "{HEAD}defaults:\n  repository:\n    imageTagMutabilityExclusionFilters: [latest]\n    imageTagMutability: IMMUTABLE\n"
                ),
                "but imageTagMutability is IMMUTABLE",
                "imageTagMutabilityExclusionFilters",
            ),
            (
                format!(
                    "{HEAD}defaults:\n  repository:\n    imageTagMutabilityExclusionFilters: ['a*b!']\n"
                ),
                "is not a valid tag filter",
                "'a*b!'",
            ),
        ];
        for (src, message, text) in cases {
            assert_error_at(&src, message, text);
        }
        // Filters in defaults serve the repositories that choose *_WITH_EXCLUSION.
        assert_clean(&format!(
            "{HEAD}defaults:\n  repository:\n    imageTagMutabilityExclusionFilters: [latest]\nrepositories:\n  shop/web:\n    imageTagMutability: IMMUTABLE_WITH_EXCLUSION\n  shop/api: {{}}\n"
        ));
    }

    #[test]
    fn encryption_keys() {
        let with_key = |key: &str| {
            repo(&format!(
                "    encryption: {{ type: KMS, kmsKey: \"{key}\" }}\n"
            ))
        };
        for key in [
            "1234abcd-12ab-34cd-56ef-1234567890ab",
            "mrk-1234abcd12ab34cd56ef1234567890ab",
            "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            "arn:aws-us-gov:kms:us-gov-west-1:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab",
            "alias/shop-ecr",
            "alias/team/shop_ecr",
            "alias/aws/ecr",
            "arn:aws:kms:eu-west-1:123456789012:alias/shop-ecr",
        ] {
            assert_clean(&with_key(key));
        }
        let cases = [
            (
                "shop-ecr",
                "is not a KMS key id, key ARN, alias or alias ARN",
                "did you mean `alias/shop-ecr`?",
            ),
            (
                "alias/aws/s3",
                "is an AWS managed key of another service",
                "alias/aws/ecr",
            ),
            ("alias/", "is not a valid KMS alias", "letters, digits"),
            (
                "alias/bad name",
                "is not a valid KMS alias",
                "letters, digits",
            ),
            (
                "arn:aws:kms:eu-west-1:123:key/1234abcd-12ab-34cd-56ef-1234567890ab",
                "no valid 12-digit account id",
                "key ARN",
            ),
            (
                "arn:aws:kms:eu-west-1:123456789012:key/nope",
                "`nope` in",
                "key id",
            ),
            (
                "arn:aws:s3:::bucket",
                "is not a KMS key ARN or alias ARN",
                "alias ARN",
            ),
            (
                "arn:aws:kms:eu-west-1:123456789012:alias/aws/sns",
                "AWS managed key",
                "alias/aws/ecr",
            ),
            ("1234", "is not a KMS key id", "key id"),
        ];
        for (key, message, hint) in cases {
            let src = with_key(key);
            assert_error_at(&src, message, &format!("\"{key}\""));
            assert_hint(&src, hint);
        }
        assert_error_at(
            &repo("    encryption: { type: AES256, kmsKey: alias/shop }\n"),
            "kmsKey needs encryption type KMS or KMS_DSSE",
            "kmsKey",
        );
        assert_error_at(
            &format!(
                "{HEAD}region: eu-west-1\nrepositories:\n  shop/web:\n    encryption: {{ type: KMS, kmsKey: 'arn:aws:kms:us-east-1:123456789012:alias/x' }}\n"
            ),
            "the KMS key is in us-east-1, but the repositories are in eu-west-1",
            "'arn:aws:kms:us-east-1:123456789012:alias/x'",
        );
        assert_error_at(
            &format!(
                "{HEAD}defaults:\n  repository:\n    encryption: {{ type: KMS, kmsKey: nope/x }}\n"
            ),
            "is not a KMS key id",
            "nope/x",
        );
    }

    #[test]
    fn tags() {
        let cases = [
            (
                format!("{HEAD}defaults:\n  tags: {{ 'aws:owner': me }}\n"),
                "uses the `aws:` prefix",
                "'aws:owner'",
            ),
            (
                repo("    tags: { AWS:Owner: me }\n"),
                "uses the `aws:` prefix",
                "AWS:Owner",
            ),
            (
                repo("    tags: { 'wharf:stack': other }\n"),
                "`wharf:stack` is reserved",
                "'wharf:stack'",
            ),
            (
                repo("    tags: { team: 'a|b' }\n"),
                "tag value contains characters AWS does not allow in tags: '|'",
                "'a|b'",
            ),
            (
                repo("    tags: { 'a#b': x }\n"),
                "tag key `a#b` contains characters",
                "'a#b'",
            ),
            (
                format!("{HEAD}defaults:\n  repository:\n    tags: {{ '': x }}\n"),
                "a tag key cannot be empty",
                "''",
            ),
        ];
        for (src, message, text) in cases {
            assert_error_at(&src, message, text);
        }
        let long_key = "k".repeat(129);
        assert_error_at(
            &repo(&format!("    tags: {{ {long_key}: x }}\n")),
            "tag key is 129 characters long",
            &long_key,
        );
        let long_value = "v".repeat(257);
        assert_error_at(
            &repo(&format!("    tags: {{ k: {long_value} }}\n")),
            "tag value is 257 characters long",
            &long_value,
        );
        assert_clean(&repo(
            "    tags: { 'cost center': 'Ünïcode 1.0 @team:a/b=c+d-e' }\n",
        ));
    }

    #[test]
    fn tag_count_includes_defaults_and_the_ownership_tag() {
        let many = |prefix: &str, n: usize| {
            (0..n)
                .map(|i| format!("{prefix}{i}: x"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        // 25 + 24 + wharf:stack = 50: fine.
        assert_clean(&format!(
            "{HEAD}defaults:\n  tags: {{ {} }}\nrepositories:\n  shop/web:\n    tags: {{ {} }}\n",
            many("d", 25),
            many("r", 24)
        ));
        // 25 + 25 + wharf:stack = 51.
        assert_error_at(
            &format!(
                "{HEAD}defaults:\n  tags: {{ {} }}\nrepositories:\n  shop/web:\n    tags: {{ {} }}\n",
                many("d", 25),
                many("r", 25)
            ),
            "this repository would carry 51 tags",
            "tags",
        );
        // Too many from defaults alone: reported once, at defaults, not at every repository.
        let src = format!(
            "{HEAD}defaults:\n  tags: {{ {} }}\nrepositories:\n  shop/web: {{}}\n  shop/api: {{}}\n",
            many("d", 50)
        );
        assert_error_at(&src, "every repository would carry 51 tags", "tags");
        assert_eq!(diagnose(&src).len(), 1, "{:#?}", diagnose(&src));
    }

    #[test]
    fn short_lifecycle_rules() {
        let rules = |body: &str| repo(&format!("    lifecycle:\n{body}"));
        let cases = [
            (
                rules(
                    "      - { priority: 2, untagged: true, keepLast: 1 }\n      - { priority: 2, tagPrefixes: [v], keepLast: 1 }\n      - keepLast: 5\n",
                ),
                "priority 2 is already used by rule 1",
                "2",
            ),
            (
                rules("      - { priority: 0, keepLast: 1 }\n"),
                "priority must be at least 1",
                "0",
            ),
            (
                rules("      - { untagged: true, keepLast: 1, expireAfterDays: 3 }\n"),
                "one of `keepLast` and `expireAfterDays`, not both",
                "expireAfterDays",
            ),
            (
                rules("      - { archiveKeepLast: 3, archiveAfterDays: 30 }\n"),
                "one of `archiveKeepLast` and `archiveAfterDays`, not both",
                "archiveAfterDays",
            ),
            (
                rules("      - { keepLast: 3, since: pulled }\n"),
                "`since` says what an age in days counts from",
                "since",
            ),
            (
                rules("      - { archived: true, expireAfterDays: 30 }\n"),
                "archived images are kept at least 90 days; ECR refuses a rule that acts on them after 30",
                "30",
            ),
            (
                rules("      - { archived: true, archiveKeepLast: 3 }\n"),
                "it goes with `expireAfterDays`, not `archiveKeepLast`",
                "archiveKeepLast",
            ),
            (
                rules("      - { archived: true, expireAfterDays: 120, since: pulled }\n"),
                "an archived image's age counts from when it was archived",
                "since",
            ),
            (
                rules("      - { archiveAfterDays: 0, since: pulled }\n"),
                "archiveAfterDays must be at least 1",
                "0",
            ),
            (
                rules("      - { description: nothing to count, untagged: true }\n"),
                "needs one of `keepLast`, `expireAfterDays`, `archiveKeepLast` or `archiveAfterDays`",
                "description: nothing to count, untagged: true",
            ),
            (
                rules("      - { untagged: true, keepLast: 0 }\n"),
                "keepLast must be at least 1",
                "0",
            ),
            (
                rules("      - { untagged: true, tagPrefixes: [v], keepLast: 1 }\n"),
                "cannot be combined with `tagPrefixes`",
                "tagPrefixes",
            ),
            (
                rules("      - { tagStatus: tagged, keepLast: 1 }\n"),
                "needs non-empty `tagPrefixes` or `tagPatterns`",
                "tagged",
            ),
            (
                rules("      - { tagPatterns: [], keepLast: 1 }\n"),
                "needs non-empty `tagPrefixes` or `tagPatterns`",
                "[",
            ),
            (
                rules("      - { tagPrefixes: [v], tagPatterns: ['v*'], keepLast: 1 }\n"),
                "not both",
                "tagPatterns",
            ),
            (
                rules("      - { tagStatus: any, tagPrefixes: [v], keepLast: 1 }\n"),
                "cannot be used with `tagStatus: any`",
                "tagPrefixes",
            ),
            (
                rules("      - { tagStatus: tagged, untagged: true, keepLast: 1 }\n"),
                "`untagged: true` contradicts `tagStatus: tagged`",
                "untagged",
            ),
            (
                rules("      - { tagPatterns: ['ok*', '*a*b*c*d*'], keepLast: 1 }\n"),
                "has 5 `*` wildcards",
                "'*a*b*c*d*'",
            ),
            (
                rules("      - keepLast: 100\n      - { untagged: true, expireAfterDays: 14 }\n"),
                "a rule that selects any image must come last",
                "keepLast: 100",
            ),
            (
                rules(
                    "      - { priority: 1, keepLast: 100 }\n      - { priority: 7, untagged: true, expireAfterDays: 14 }\n",
                ),
                "must come last",
                "priority: 1, keepLast: 100",
            ),
        ];
        for (src, message, text) in cases {
            assert_error_at(&src, message, text);
        }

        let warning = rules("      - { untagged: false, keepLast: 5 }\n");
        let found = diagnose(&warning);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(found[0].0, Severity::Warning);
        assert_eq!(found[0].1, "`untagged: false` has no effect");
        assert_eq!(found[0].3, "untagged");

        let too_many: String = (0..51)
            .map(|i| format!("      - {{ tagPrefixes: [p{i}], keepLast: 1 }}\n"))
            .collect();
        let src = rules(&too_many);
        assert_error_at(
            &src,
            "at most 50 rules; this one has 51",
            &too_many[10..too_many.len() - 3],
        );
        let found = diagnose(&src);
        assert_eq!(
            found.len(),
            1,
            "no duplicate from the compiled document: {found:#?}"
        );

        // The compiled document's length limit is reported at `lifecycle`.
        let long = "d".repeat(700);
        let big: String = (0..48)
            .map(|i| {
                format!("      - {{ description: {long}, tagPrefixes: [p{i}], keepLast: 1 }}\n")
            })
            .collect();
        let src = rules(&big);
        assert_error_at(&src, "ECR accepts at most 30720", &big[10..big.len() - 3]);

        // Empty `lifecycle` means no policy.
        assert_clean(&repo("    lifecycle: []\n"));
    }

    #[test]
    fn lifecycle_and_lifecycle_policy_together() {
        let src = repo(
            "    lifecycle:\n      - keepLast: 5\n    lifecyclePolicy: { rules: [ { rulePriority: 1, selection: { tagStatus: any, countType: imageCountMoreThan, countNumber: 9 }, action: { type: expire } } ] }\n",
        );
        assert_error_at(
            &src,
            "`lifecycle` and `lifecyclePolicy` cannot both be set",
            "lifecyclePolicy",
        );
    }

    #[test]
    fn raw_lifecycle_policies() {
        let inline = |rule: &str| {
            repo(&format!(
                "    lifecyclePolicy:\n      rules:\n        - rulePriority: 1\n          description: expire everything beyond ten images\n{rule}"
            ))
        };
        let cases = [
            (
                inline(
                    "          selection: { tagStatus: any, countType: imageCountMoreThan, countUnits: days, countNumber: 10 }\n          action: { type: expire }\n",
                ),
                "unknown key `countUnits` in a selection",
                "countUnits",
            ),
            (
                inline(
                    "          selection: { tagStatus: any, countType: sinceImagePushed, countUnit: weeks, countNumber: 10 }\n          action: { type: expire }\n",
                ),
                "countUnit must be `days`",
                "weeks",
            ),
            (
                inline(
                    "          selection: { tagStatus: tagged, tagPatternList: ['a*b*c*d*e*f'], countType: imageCountMoreThan, countNumber: 10 }\n          action: { type: expire }\n",
                ),
                "has 5 `*` wildcards",
                "'a*b*c*d*e*f'",
            ),
            (
                inline(
                    "          selection: { tagStatus: any, countType: imageCountMoreThan, countNumber: 10 }\n",
                ),
                "the rule has no `action`",
                "rulePriority: 1\n          description: expire everything beyond ten images\n          selection: { tagStatus: any, countType: imageCountMoreThan, countNumber: 10",
            ),
        ];
        for (src, message, text) in cases {
            assert_error_at(&src, message, text);
        }
        assert_hint(
            &inline(
                "          selection: { tagStatus: any, countType: imageCountMoreThan, countUnits: days, countNumber: 10 }\n          action: { type: expire }\n",
            ),
            "did you mean `countUnit`?",
        );

        // JSON text: a syntax error names its line and column inside the JSON.
        let src = repo("    lifecyclePolicy: '{\"rules\": [}'\n");
        assert_error_at(
            &src,
            "lifecyclePolicy is not valid JSON: ",
            "'{\"rules\": [}'",
        );
        assert_error_at(&src, "line 1 column 12", "'{\"rules\": [}'");

        // JSON text: a document problem points at the string and names the place inside it.
        let text = r#"'{"rules":[{"rulePriority":1,"description":"keep ten","selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":0},"action":{"type":"expire"}}]}'"#;
        let src = repo(&format!("    lifecyclePolicy: {text}\n"));
        assert_error_at(
            &src,
            "at /rules/0/selection/countNumber: countNumber must be at least 1",
            text,
        );
    }

    #[test]
    fn repository_policies() {
        let cases = [
            (
                repo("    policy: '{\"Statement\": '\n"),
                "policy is not valid JSON",
                "'{\"Statement\": '",
            ),
            (
                repo("    policy: { Version: '2012-10-17' }\n"),
                "the policy has no `Statement`",
                "Version: '2012-10-17'",
            ),
            (
                repo(
                    "    policy:\n      Statement:\n        - Effect: allow\n          Principal: '*'\n          Action: ecr:BatchGetImage\n",
                ),
                "Effect must be \"Allow\" or \"Deny\", found `allow`",
                "allow",
            ),
            (
                repo(
                    "    policy:\n      Statement:\n        - Effect: Allow\n          Action: ecr:BatchGetImage\n",
                ),
                "needs a `Principal`",
                "Effect: Allow\n          Action: ecr:BatchGetImage",
            ),
            (
                repo(
                    "    policy:\n      Statement:\n        - Effect: Allow\n          Principal: { AWS: [ 'arn:aws:iam::111122223333:root', 'arn:aws:iam::*:role/AdminRole' ] }\n          Action: ecr:BatchGetImage\n",
                ),
                "a principal cannot hold a wildcard",
                "'arn:aws:iam::*:role/AdminRole'",
            ),
            (
                repo(
                    "    policy:\n      Statement:\n        - { Effect: Allow, Principal: '*' }\n",
                ),
                "has no `Action`",
                "Effect: Allow, Principal: '*'",
            ),
            (
                repo(
                    "    policy:\n      Statement: { Effect: Deny, Principal: '*', Actions: 'ecr:*' }\n",
                ),
                "unknown key `Actions` in a statement",
                "Actions",
            ),
            (
                repo("    policy:\n      Statement: [1]\n"),
                "a statement must be an object",
                "1",
            ),
            (
                format!("{HEAD}defaults:\n  repository:\n    policy: '[]'\n"),
                "a policy document must be a JSON object",
                "'[]'",
            ),
        ];
        for (src, message, text) in cases {
            assert_error_at(&src, message, text);
        }
        assert_hint(
            &repo(
                "    policy:\n      Statement:\n        - Effect: allow\n          Principal: '*'\n          Action: ecr:BatchGetImage\n",
            ),
            "did you mean `Allow`?",
        );
        // A misspelled key is reported once, not also as missing.
        let src = repo(
            "    policy:\n      Statement: { Effect: Deny, Principal: '*', Actions: 'ecr:*' }\n",
        );
        assert_eq!(diagnose(&src).len(), 1, "{:#?}", diagnose(&src));
    }

    #[test]
    fn repository_policy_size_limit() {
        // A policy document longer than 10,240 characters once merged.
        let actions: String = (0..800)
            .map(|i| format!("\"ecr:Action{i:04}\""))
            .collect::<Vec<_>>()
            .join(",");
        let doc = format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"Big","Effect":"Allow","Principal":"*","Action":[{actions}]}}]}}"#
        );
        let src = repo(&format!("    policy: '{doc}'\n"));
        let found = diagnose(&src);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(
            found[0].1.contains("ECR accepts at most 10240") && found[0].3 == "policy",
            "{found:#?}"
        );
        // Defaults: reported once, at defaults.repository, not at every repository.
        let src = format!(
            "{HEAD}defaults:\n  repository:\n    pull: {{ accounts: ['111122223333'] }}\n    policy: '{doc}'\nrepositories:\n  shop/web: {{}}\n  shop/api: {{}}\n"
        );
        let found = diagnose(&src);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(found[0].3, "policy");
        // Just under the limit is fine.
        let small = doc.replace(
            &format!(
                ",{}",
                (400..800)
                    .map(|i| format!("\"ecr:Action{i:04}\""))
                    .collect::<Vec<_>>()
                    .join(",")
            ),
            "",
        );
        assert_clean(&repo(&format!("    policy: '{small}'\n")));
    }

    #[test]
    fn pull_accounts_and_roles() {
        let cases = [
            (
                repo("    pull: { accounts: ['12345678901'] }\n"),
                "`12345678901` is not an AWS account id",
                "'12345678901'",
            ),
            (
                repo("    pull: { roles: [task-execution] }\n"),
                "`task-execution` is neither a role of this manifest nor a role ARN",
                "task-execution",
            ),
            (
                repo("    pull: { roles: ['arn:aws:iam::123456789012:user/bob'] }\n"),
                "is not an IAM role ARN",
                "'arn:aws:iam::123456789012:user/bob'",
            ),
            (
                repo("    pull: { roles: ['arn:aws:iam::12345:role/x'] }\n"),
                "is not an IAM role ARN",
                "'arn:aws:iam::12345:role/x'",
            ),
            (
                format!(
                    "{HEAD}defaults:\n  repository:\n    pull: {{ roles: ['arn:aws:iam::123456789012:role/{}'] }}\n",
                    "r".repeat(65)
                ),
                "must be 1 to 64 characters long",
                &format!("'arn:aws:iam::123456789012:role/{}'", "r".repeat(65)),
            ),
            (
                repo("    pull: { roles: ['arn:aws:iam::123456789012:role/a b'] }\n"),
                "may only contain letters",
                "'arn:aws:iam::123456789012:role/a b'",
            ),
        ];
        for (src, message, text) in &cases {
            assert_error_at(src, message, text);
        }
        assert_hint(
            &cases[1].0,
            "declare it under iam.roles, or give a role ARN such as arn:aws:iam::123456789012:role/name",
        );
        // A role of the manifest is a valid reference; a near miss gets "did you mean".
        let with_role = format!(
            "{}iam:\n  roles:\n    task-execution:\n      assumedBy: [ecs-tasks.amazonaws.com]\n",
            repo("    pull: { roles: [task-execution] }\n")
        );
        assert_clean(&with_role);
        let near_miss = with_role.replace("roles: [task-execution]", "roles: [task-executon]");
        assert_hint(&near_miss, "did you mean `task-execution`?");
        assert_clean(&repo(
            "    pull:\n      accounts: ['012345678901']\n      roles: ['arn:aws-cn:iam::123456789012:role/path/to/Role_1+=,.@-']\n",
        ));
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let src = concat!(
            "version: 3\n",
            "stack: shop\n",
            "accountId: '42'\n",
            "repositories:\n",
            "  Shop/Web:\n",
            "    encryption: { type: AES256, kmsKey: alias/x }\n",
            "    tags: { 'aws:x': v }\n",
            "    pull: { accounts: ['1'], roles: [nope] }\n",
            "    lifecycle:\n",
            "      - keepLast: 1\n",
            "      - { untagged: true, keepLast: 1 }\n",
        );
        let found = diagnose(src);
        let texts: Vec<&str> = found.iter().map(|(_, _, _, t)| t.as_str()).collect();
        for text in [
            "3",
            "'42'",
            "Shop/Web",
            "kmsKey",
            "'aws:x'",
            "'1'",
            "nope",
            "keepLast: 1",
        ] {
            assert!(
                texts.contains(&text),
                "missing a diagnostic at {text:?}: {found:#?}"
            );
        }
        assert!(found.len() >= 8);
        // Sorted top to bottom.
        let lines: Vec<usize> = found
            .iter()
            .map(|(_, _, _, t)| src.find(t.as_str()).unwrap())
            .collect();
        assert!(lines.windows(2).all(|w| w[0] <= w[1]), "{found:#?}");
    }
}
