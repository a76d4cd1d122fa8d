//! Validation of a repository's settings — its name, tag mutability and exclusion
//! filters, encryption and KMS key, tags, lifecycle rules (short and raw), pull access
//! and repository policy — as ECR checks them. `defaults.repository` and creation
//! templates hold the same settings and are checked by the same code.

use crate::documents::lifecycle::{self};
use crate::documents::policy;
use crate::kinds::repository;
use crate::manifest::model::{EncryptionType, LifecycleRule, Pull, Repository, TagStatus};
use crate::manifest::validate::{
    ACCOUNT_ID, REPOSITORY_POLICY_MAX, ROLE_ARN, ROLE_ARN_HINT, ROLE_NAME, TAGS_PER_RESOURCE,
    Validator, bad_chars, check_kms_key, check_policy_document, child, pointer_join,
    short_rule_field,
};
use regex::Regex;
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

const EXCLUSION_FILTERS_MAX: usize = 5;
/// ECR's image-tag-mutability exclusion filter syntax.
static EXCLUSION_FILTER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[a-zA-Z0-9._*-]{1,128}$").unwrap());
const REPOSITORY_NAME_MAX: usize = 256;
const REPOSITORY_NAME_MIN: usize = 2;
/// ECR's repository-name pattern (CreateRepository `repositoryName`).
static REPOSITORY_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$").unwrap()
});

impl Validator<'_> {
    pub(crate) fn repository_name(&mut self, name: &str, base: &str) {
        let span = self.key(base);
        let length = name.chars().count();
        if !(REPOSITORY_NAME_MIN..=REPOSITORY_NAME_MAX).contains(&length) {
            self.error(
                span,
                format!(
                    "repository name `{name}` is {length} character{} long; ECR needs {REPOSITORY_NAME_MIN} to {REPOSITORY_NAME_MAX}",
                    crate::diagnostics::plural(length)
                ),
                None,
            );
        }
        if REPOSITORY_NAME.is_match(name) {
            return;
        }
        let lower = name.to_lowercase();
        let hint = if name.chars().any(|c| c.is_uppercase()) {
            if REPOSITORY_NAME.is_match(&lower) {
                format!("repository names are lowercase: use `{lower}`")
            } else {
                "repository names are lowercase".to_string()
            }
        } else if name.starts_with('/') || name.ends_with('/') {
            format!(
                "remove the leading or trailing `/`: `{}`",
                name.trim_matches('/')
            )
        } else if name.contains("//") {
            "a name cannot contain an empty path segment (`//`)".to_string()
        } else {
            let allowed = |c: char| {
                c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-' | '/')
            };
            let bad = bad_chars(name, allowed);
            if bad.is_empty() {
                "each `/`-separated part must start and end with a letter or digit, with single `.`, `_` or `-` between them".to_string()
            } else {
                format!(
                    "a repository name may contain lowercase letters, digits and `.`, `_`, `-`, `/`; not {bad}"
                )
            }
        };
        self.error(
            span,
            format!("`{name}` is not a valid ECR repository name"),
            Some(hint),
        );
    }

    /// `name` is None for `defaults.repository`.
    pub(crate) fn repository(&mut self, repo: &Repository, base: &str, name: Option<&str>) {
        self.exclusion_filters(repo, base, name.is_none());
        self.encryption(repo, base);
        if let Some(tags) = &repo.tags {
            self.tags(tags, &child(base, "tags"));
        }
        if name.is_some() {
            self.tag_count(repo, base);
        }
        self.lifecycle(repo, base);
        self.pull(repo.pull.as_ref(), base);
        self.policy(repo, base, name.is_none());
    }

    pub(crate) fn exclusion_filters(&mut self, repo: &Repository, base: &str, is_defaults: bool) {
        let defaults = self
            .manifest
            .defaults
            .repository
            .as_ref()
            .filter(|_| !is_defaults);
        self.tag_mutability(repo, defaults, base, is_defaults);
    }

    /// imageTagMutability and its exclusion filters, with what `defaults` supplies (None
    /// for defaults.repository itself and for creation templates, which inherit nothing).
    pub(crate) fn tag_mutability(
        &mut self,
        repo: &Repository,
        defaults: Option<&Repository>,
        base: &str,
        is_defaults: bool,
    ) {
        let inherited = repo.image_tag_mutability.is_none()
            && defaults.is_some_and(|d| d.image_tag_mutability.is_some());
        let effective = repo
            .image_tag_mutability
            .or_else(|| defaults.and_then(|d| d.image_tag_mutability));
        let filters_ptr = child(base, "imageTagMutabilityExclusionFilters");

        if let Some(filters) = &repo.image_tag_mutability_exclusion_filters {
            // In defaults, filters may serve repositories that pick *_WITH_EXCLUSION
            // themselves; only a contradiction inside the defaults block is an error.
            let mismatch = match effective {
                Some(m) => !m.takes_exclusions(),
                None => !is_defaults,
            };
            if mismatch {
                let current = effective
                    .unwrap_or(crate::manifest::model::ecr_defaults::IMAGE_TAG_MUTABILITY)
                    .as_str();
                let from = if inherited {
                    " (from defaults.repository)"
                } else if effective.is_none() {
                    " (the default)"
                } else {
                    ""
                };
                self.error(
                    self.key(&filters_ptr),
                    format!(
                        "imageTagMutabilityExclusionFilters only apply with MUTABLE_WITH_EXCLUSION or IMMUTABLE_WITH_EXCLUSION, but imageTagMutability is {current}{from}"
                    ),
                    Some("set imageTagMutability to IMMUTABLE_WITH_EXCLUSION (or MUTABLE_WITH_EXCLUSION), or remove the filters".into()),
                );
            }
            if filters.is_empty() || filters.len() > EXCLUSION_FILTERS_MAX {
                self.error(
                    self.extent(&filters_ptr, &serde_json::json!(filters)),
                    format!(
                        "imageTagMutabilityExclusionFilters takes 1 to {EXCLUSION_FILTERS_MAX} filters, found {}",
                        filters.len()
                    ),
                    None,
                );
            }
            for (i, filter) in filters.iter().enumerate() {
                if !EXCLUSION_FILTER.is_match(filter) {
                    let length = filter.chars().count();
                    let detail = if length == 0 || length > 128 {
                        format!("it is {length} characters long; a filter has 1 to 128")
                    } else {
                        format!(
                            "it contains {}",
                            bad_chars(filter, |c| c.is_ascii_alphanumeric()
                                || matches!(c, '.' | '_' | '*' | '-'))
                        )
                    };
                    self.error(
                        self.at(&child(&filters_ptr, &i.to_string())),
                        format!("`{filter}` is not a valid tag filter: {detail}"),
                        Some("a filter is a tag with optional `*` wildcards, made of letters, digits and `.`, `_`, `-`, e.g. `latest` or `dev-*`".into()),
                    );
                }
            }
        } else if !is_defaults && effective.is_some_and(|m| m.takes_exclusions()) {
            let inherited_filters = defaults
                .and_then(|d| d.image_tag_mutability_exclusion_filters.as_ref())
                .is_some();
            if !inherited_filters {
                let mutability = effective.map(|m| m.as_str()).unwrap_or_default();
                let span = if inherited {
                    self.key(base)
                } else {
                    self.at(&child(base, "imageTagMutability"))
                };
                let from = if inherited {
                    " (from defaults.repository)"
                } else {
                    ""
                };
                self.error(
                    span,
                    format!("imageTagMutability {mutability}{from} needs imageTagMutabilityExclusionFilters"),
                    Some("list 1 to 5 tag filters that are exempt, e.g. imageTagMutabilityExclusionFilters: [\"latest\", \"dev-*\"]".into()),
                );
            }
        }
    }

    pub(crate) fn encryption(&mut self, repo: &Repository, base: &str) {
        let Some(encryption) = &repo.encryption else {
            return;
        };
        let Some(key) = &encryption.kms_key else {
            return;
        };
        let ptr = pointer_join(base, &["encryption", "kmsKey"]);
        if encryption.encryption_type == EncryptionType::Aes256 {
            self.error(
                self.key(&ptr),
                "kmsKey needs encryption type KMS or KMS_DSSE",
                Some("AES256 uses keys that AWS manages; set `type: KMS` to use this key, or remove kmsKey".into()),
            );
            return;
        }
        if let Err((message, hint)) = check_kms_key(key, self.manifest.region.as_deref()) {
            self.error(self.at(&ptr), message, Some(hint));
        }
    }

    pub(crate) fn tag_count(&mut self, repo: &Repository, base: &str) {
        let m = self.manifest;
        let inherited = repository::desired_tags(m, &Repository::default()).len();
        if repo.tags.is_none() && inherited > TAGS_PER_RESOURCE {
            return; // reported once, at defaults
        }
        let count = repository::desired_tags(m, repo).len();
        if count <= TAGS_PER_RESOURCE {
            return;
        }
        let tags_ptr = child(base, "tags");
        let span = if self.spans.contains(&tags_ptr) {
            self.key(&tags_ptr)
        } else {
            self.key(base)
        };
        self.too_many_tags(span, "this repository", count);
    }

    pub(crate) fn lifecycle(&mut self, repo: &Repository, base: &str) {
        let rules_ptr = child(base, "lifecycle");
        let raw_ptr = child(base, "lifecyclePolicy");
        if repo.lifecycle.is_some() && repo.lifecycle_policy.is_some() {
            self.error(
                self.key(&raw_ptr),
                "`lifecycle` and `lifecyclePolicy` cannot both be set",
                Some("use the short rules in `lifecycle` or the raw AWS document in `lifecyclePolicy`, not both".into()),
            );
        }
        if let Some(rules) = &repo.lifecycle {
            self.short_rules(rules, &rules_ptr);
        }
        if let Some(raw) = &repo.lifecycle_policy
            && let Some((doc, inline)) = self.parse_raw(raw, &raw_ptr, "lifecyclePolicy")
        {
            let problems = lifecycle::check_document(&doc);
            self.report_document(problems, &doc, &raw_ptr, inline);
        }
    }

    pub(crate) fn short_rules(&mut self, rules: &[LifecycleRule], base: &str) {
        if rules.is_empty() {
            return; // no lifecycle policy
        }
        let too_many = rules.len() > lifecycle::MAX_RULES;
        let whole = self.extent(base, &serde_json::to_value(rules).unwrap_or_default());
        if too_many {
            self.error(
                whole,
                format!(
                    "a lifecycle policy has at most {} rules; this one has {}",
                    lifecycle::MAX_RULES,
                    rules.len()
                ),
                None,
            );
        }
        let priorities = lifecycle::priorities(rules);
        // Rules with an error of their own: the compiled document's view of them is skipped.
        let mut flagged: HashSet<usize> = HashSet::new();
        let mut first_with: HashMap<i64, usize> = HashMap::new();

        for (i, rule) in rules.iter().enumerate() {
            let r = child(base, &i.to_string());
            let before = self.out.iter().filter(|d| d.is_error()).count();

            if let Some(p) = rule.priority {
                if p < 1 {
                    self.error(
                        self.at(&child(&r, "priority")),
                        format!("priority must be at least 1, found {p}"),
                        None,
                    );
                } else if let Some(first) = first_with.get(&p) {
                    self.error(
                        self.at(&child(&r, "priority")),
                        format!("priority {p} is already used by rule {}", first + 1),
                        Some("every lifecycle rule needs its own priority".into()),
                    );
                } else {
                    first_with.insert(p, i);
                }
            }

            let actions = [
                ("keepLast", rule.keep_last),
                ("expireAfterDays", rule.expire_after_days),
                ("archiveKeepLast", rule.archive_keep_last),
                ("archiveAfterDays", rule.archive_after_days),
            ];
            let given: Vec<&str> = actions
                .iter()
                .filter(|(_, v)| v.is_some())
                .map(|(f, _)| *f)
                .collect();
            match given.as_slice() {
                [] => self.error(
                    self.rule_span(&r, rule),
                    "a lifecycle rule needs one of `keepLast`, `expireAfterDays`, `archiveKeepLast` or `archiveAfterDays`",
                    Some("`keepLast: N` keeps the N newest images; `expireAfterDays: N` expires images pushed more than N days ago; the archive forms move images to archive storage instead".into()),
                ),
                [_] => {}
                [first, second, ..] => self.error(
                    self.key(&child(&r, second)),
                    format!("a rule takes one of `{first}` and `{second}`, not both"),
                    Some("split it into two rules".into()),
                ),
            }
            self.archive_forms(&r, rule);
            for (field, value) in actions {
                if let Some(n) = value.filter(|n| *n < 1) {
                    self.error(
                        self.at(&child(&r, field)),
                        format!("{field} must be at least 1, found {n}"),
                        None,
                    );
                }
            }

            let status = lifecycle::tag_status(rule);
            let lists = [
                ("tagPrefixes", rule.tag_prefixes.as_ref()),
                ("tagPatterns", rule.tag_patterns.as_ref()),
            ];
            if rule.untagged == Some(false) {
                self.out
                    .warning(
                        self.spans.key(&child(&r, "untagged")),
                        "`untagged: false` has no effect",
                    )
                    .hint_mut("remove it; list tagPrefixes or tagPatterns to select tagged images, or leave both out to select every image");
            }
            if rule.untagged == Some(true) {
                if let Some(explicit @ (TagStatus::Tagged | TagStatus::Any)) = rule.tag_status {
                    self.error(
                        self.key(&child(&r, "untagged")),
                        format!(
                            "`untagged: true` contradicts `tagStatus: {}`",
                            explicit.as_str()
                        ),
                        Some("keep one of them".into()),
                    );
                }
                for (field, list) in lists {
                    if list.is_some() {
                        self.error(
                            self.key(&child(&r, field)),
                            format!("`untagged: true` selects images without tags; it cannot be combined with `{field}`"),
                            Some("split it into two rules".into()),
                        );
                    }
                }
            } else if let Some(explicit @ (TagStatus::Untagged | TagStatus::Any)) = rule.tag_status
            {
                for (field, list) in lists {
                    if list.is_some() {
                        self.error(
                            self.key(&child(&r, field)),
                            format!(
                                "`{field}` selects tagged images; it cannot be used with `tagStatus: {}`",
                                explicit.as_str()
                            ),
                            Some("use `tagStatus: tagged`, or leave tagStatus out".into()),
                        );
                    }
                }
            }
            if status == TagStatus::Tagged {
                if rule.tag_prefixes.is_some() && rule.tag_patterns.is_some() {
                    self.error(
                        self.key(&child(&r, "tagPatterns")),
                        "use either `tagPrefixes` or `tagPatterns` in one rule, not both",
                        Some("the prefix `v` is the same as the pattern `v*`".into()),
                    );
                } else {
                    let empty = lists.iter().find(|(_, l)| l.is_some_and(|l| l.is_empty()));
                    let any = lists.iter().any(|(_, l)| l.is_some_and(|l| !l.is_empty()));
                    if !any {
                        let span = match empty {
                            Some((field, _)) => self.at(&child(&r, field)),
                            None => self.at(&child(&r, "tagStatus")),
                        };
                        self.error(
                            span,
                            "a rule for tagged images needs non-empty `tagPrefixes` or `tagPatterns`",
                            Some("to select every image, leave out tagStatus and the tag lists".into()),
                        );
                    }
                }
            }
            if let Some(patterns) = &rule.tag_patterns {
                let ptr = child(&r, "tagPatterns");
                for (j, pattern) in patterns.iter().enumerate() {
                    let wildcards = pattern.matches('*').count();
                    if wildcards > lifecycle::MAX_PATTERN_WILDCARDS {
                        self.error(
                            self.at(&child(&ptr, &j.to_string())),
                            format!(
                                "tag pattern `{pattern}` has {wildcards} `*` wildcards; ECR allows at most {}",
                                lifecycle::MAX_PATTERN_WILDCARDS
                            ),
                            None,
                        );
                    }
                }
            }

            if self.out.iter().filter(|d| d.is_error()).count() > before {
                flagged.insert(i);
            }
        }

        // AWS: the rule selecting any image must have the highest priority (come last).
        if let Some((last, &highest)) = priorities.iter().enumerate().max_by_key(|(_, p)| **p) {
            for (i, rule) in rules.iter().enumerate() {
                let p = priorities[i];
                if lifecycle::tag_status(rule) == TagStatus::Any && p < highest {
                    self.error(
                        self.rule_span(&child(base, &i.to_string()), rule),
                        "a rule that selects any image must come last",
                        Some(format!(
                            "this rule has priority {p} but rule {} has {highest}; ECR evaluates the rule for any image last, so move it to the end of the list (or give it the highest priority)",
                            last + 1
                        )),
                    );
                    flagged.insert(i);
                }
            }
        }

        // Whatever else AWS would refuse in the compiled document, at the rule it came from.
        let doc = lifecycle::compile(rules);
        for problem in lifecycle::check_document(&doc) {
            let (span, rule_index) = match problem.pointer.strip_prefix("/rules/") {
                None if problem.pointer == "/rules" && too_many => continue,
                None => (whole, None),
                Some(rest) => {
                    let (index, tail) = rest.split_once('/').unwrap_or((rest, ""));
                    let Ok(index) = index.parse::<usize>() else {
                        continue;
                    };
                    let Some(rule) = rules.get(index) else {
                        continue;
                    };
                    let r = child(base, &index.to_string());
                    let field = short_rule_field(rule, tail);
                    let target = format!("{r}{field}");
                    let span = if field.is_empty() || !self.spans.contains(&target) {
                        self.rule_span(&r, rule)
                    } else {
                        self.at(&target)
                    };
                    (span, Some(index))
                }
            };
            if rule_index.is_some_and(|i| flagged.contains(&i)) {
                continue;
            }
            let message = match rule_index {
                Some(i) => format!("lifecycle rule {}: {}", i + 1, problem.message),
                None => problem.message,
            };
            self.error(span, message, problem.hint);
        }
    }

    /// What the archive short forms may be combined with: `since` counts an age in days
    /// (not a count, and not an archived image's, which counts from its transition);
    /// `archived: true` selects archived images, to expire (ECR's 90 days in archive are
    /// checked on the compiled document, for raw documents too).
    fn archive_forms(&mut self, r: &str, rule: &LifecycleRule) {
        let archived = rule.archived == Some(true);
        if rule.archived == Some(false) {
            self.out
                .warning(
                    self.spans.key(&child(r, "archived")),
                    "`archived: false` has no effect",
                )
                .hint_mut(
                    "remove it: rules select images in standard storage unless `archived: true`",
                );
        }
        if let Some(since) = rule.since {
            let ages = rule.expire_after_days.is_some() || rule.archive_after_days.is_some();
            if !ages {
                self.error(
                    self.key(&child(r, "since")),
                    "`since` says what an age in days counts from; it goes with `expireAfterDays` or `archiveAfterDays`",
                    Some("a count (`keepLast`, `archiveKeepLast`) keeps the newest images by push time".into()),
                );
            } else if archived && since == crate::manifest::model::Since::Pulled {
                self.error(
                    self.key(&child(r, "since")),
                    "an archived image's age counts from when it was archived, not from a pull",
                    Some("leave `since` out: `archived: true` with `expireAfterDays` counts days in archive storage".into()),
                );
            }
        }
        if archived {
            for field in ["keepLast", "archiveKeepLast", "archiveAfterDays"] {
                if self.spans.contains(&child(r, field)) {
                    self.error(
                        self.key(&child(r, field)),
                        format!("`archived: true` selects images already in archive storage; it goes with `expireAfterDays`, not `{field}`"),
                        Some("archived images can only be expired, by days in archive storage".into()),
                    );
                }
            }
        }
    }

    pub(crate) fn pull(&mut self, pull: Option<&Pull>, base: &str) {
        let Some(pull) = pull else {
            return;
        };
        let accounts_ptr = pointer_join(base, &["pull", "accounts"]);
        for (i, account) in pull.accounts.iter().enumerate() {
            if !ACCOUNT_ID.is_match(account) {
                self.error(
                    self.at(&child(&accounts_ptr, &i.to_string())),
                    format!("`{account}` is not an AWS account id"),
                    Some("an account id is exactly 12 digits, quoted: \"123456789012\"".into()),
                );
            }
        }
        let roles_ptr = pointer_join(base, &["pull", "roles"]);
        for (i, role) in pull.roles.iter().enumerate() {
            let span = self.at(&child(&roles_ptr, &i.to_string()));
            if !role.starts_with("arn:") {
                self.role_reference(role, span);
                continue;
            }
            match ROLE_ARN.captures(role) {
                None => self.error(
                    span,
                    format!("`{role}` is not an IAM role ARN"),
                    Some(ROLE_ARN_HINT.into()),
                ),
                Some(c) if !ROLE_NAME.is_match(&c[2]) => {
                    let name = &c[2];
                    let detail = if name.is_empty() || name.chars().count() > 64 {
                        format!("role name `{name}` must be 1 to 64 characters long")
                    } else {
                        format!(
                            "role name `{name}` may only contain letters, digits and + = , . @ _ -"
                        )
                    };
                    self.error(
                        span,
                        format!("`{role}` is not a valid IAM role ARN: {detail}"),
                        Some(ROLE_ARN_HINT.into()),
                    );
                }
                Some(_) => {}
            }
        }
    }

    pub(crate) fn policy(&mut self, repo: &Repository, base: &str, is_defaults: bool) {
        let defaults = self
            .manifest
            .defaults
            .repository
            .as_ref()
            .filter(|_| !is_defaults);
        self.repository_policy(repo, defaults, base);
    }

    /// The raw `policy` document, then the merged policy (`pull`'s statements and the raw
    /// ones, with what `defaults` supplies) against SetRepositoryPolicy's size limit.
    pub(crate) fn repository_policy(
        &mut self,
        repo: &Repository,
        defaults: Option<&Repository>,
        base: &str,
    ) {
        let policy_ptr = child(base, "policy");
        let mut own_ok = true;
        if let Some(raw) = &repo.policy {
            match self.parse_raw(raw, &policy_ptr, "policy") {
                Some((doc, inline)) => {
                    let problems = check_policy_document(&doc);
                    own_ok = problems.is_empty();
                    self.report_document(problems, &doc, &policy_ptr, inline);
                }
                None => own_ok = false,
            }
        }
        if !own_ok {
            return;
        }
        // The merged policy (pull statements + raw ones) must fit SetRepositoryPolicy.
        if repo.pull.is_none() && repo.policy.is_none() && defaults.is_some() {
            return; // entirely inherited: reported at defaults.repository
        }
        let pull = repo
            .pull
            .as_ref()
            .or(defaults.and_then(|d| d.pull.as_ref()));
        let raw = repo
            .policy
            .as_ref()
            .or(defaults.and_then(|d| d.policy.as_ref()));
        if raw.is_some_and(|r| policy::parse_document(r).is_err()) {
            return;
        }
        let Some(doc) = policy::repository_policy(pull, raw) else {
            return;
        };
        let length = serde_json::to_string(&doc)
            .map(|s| s.chars().count())
            .unwrap_or(0);
        if length > REPOSITORY_POLICY_MAX {
            let span = if repo.policy.is_some() {
                self.key(&policy_ptr)
            } else if repo.pull.is_some() {
                self.key(&child(base, "pull"))
            } else {
                self.key(base)
            };
            self.error(
                span,
                format!(
                    "the repository policy would be {length} characters long; ECR accepts at most {REPOSITORY_POLICY_MAX}"
                ),
                Some("merge statements, or grant pull to accounts rather than many single roles".into()),
            );
        }
    }
}

impl crate::manifest::validate::Validates for crate::kinds::repository::RepositoryKind {
    fn validate(v: &mut Validator) {
        for (name, repo) in &v.manifest.repositories {
            let base = crate::manifest::spans::pointer(&["repositories", name]);
            v.repository_name(name, &base);
            v.repository(repo, &base, Some(name));
        }
    }
}
