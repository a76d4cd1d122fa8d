//! ECR lifecycle policy preview, PURE: a local, deterministic evaluator that tells which of
//! a repository's images a lifecycle policy document would expire or archive at a given
//! moment, and how a policy change shifts that (`impact`). It answers what AWS's
//! asynchronous GetLifecyclePolicyPreview answers, from the images DescribeImages returned.
//!
//! This module owns the AWS lifecycle-policy *evaluation* facts (lifecycle.rs owns the
//! document's syntax, limits and normalization). Evaluation follows the ECR User Guide,
//! "Lifecycle policy evaluation rules" and "Examples of lifecycle policies":
//!
//! - Every rule first *identifies* the images it selects (storage class, then tag status
//!   and tag lists) and *marks* some of them (its count criteria), each rule on its own.
//!   The marks are then applied by rulePriority, lowest number first.
//! - "An image that matches the tagging requirements of a rule cannot be expired or
//!   archived by a rule with a lower priority": a rule never acts on an image that a
//!   higher-priority rule identified, whether or not that rule marked it.
//! - "Rules can never mark images that are marked by higher priority rules, but can still
//!   identify them as if they haven't been expired": images claimed by higher-priority
//!   rules still count toward a rule's `imageCountMoreThan` (the documented "Filtering on
//!   all images, Example B" result depends on it).
//! - Hence an image is expired or archived by exactly one or zero rules.
//! - `tagPrefixList` / `tagPatternList`: an image matches when *all* of the list's
//!   entries each match *some* tag of the image (not "any entry").
//! - A rule only selects images of its `storageClass`: `standard` by default, `archive`
//!   for `sinceImageTransitioned`.
//!
//! Deliberately not modelled (the preview may over-report in these cases): images held by
//! a manifest list that is kept, and reference artifacts (signatures, SBOMs) that AWS
//! removes within 24 hours after their subject image.
//!
//! The evaluator is lenient on syntax (it reads the document through `lifecycle::normalize`,
//! ignores unknown keys and an omitted `countUnit`/`targetStorageClass`, whose only value is
//! implied); it returns an error only for documents it cannot give one meaning. Checking a
//! document against ECR's rules is `lifecycle::check_document`'s job.

use crate::documents::lifecycle::normalize;
use serde_json::{Map, Value, json};
use std::cmp::Reverse;
use std::collections::{BTreeMap, HashMap, HashSet};

/// `Expiry::action` of an image a rule deletes.
pub const EXPIRE: &str = "expire";
/// `Expiry::action` of an image a rule moves to archive storage.
pub const TRANSITION: &str = "transition";

const SECONDS_PER_DAY: i64 = 86_400;

/// One image of a repository, as DescribeImages reports it (times in epoch seconds).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImageInfo {
    pub digest: String,
    pub tags: Vec<String>,
    /// `imagePushedAt`.
    pub pushed_at: i64,
    /// `lastRecordedPullTime`; `None` when never pulled.
    pub last_pulled_at: Option<i64>,
    /// `imageSizeInBytes`.
    pub size_bytes: u64,
    /// `STANDARD` or `ARCHIVE` (DescribeImages' `imageStatus` `ACTIVE`/`ARCHIVED` are read
    /// the same way, case-insensitively); `None` is standard. Any other value (an image
    /// being restored, `ACTIVATING`) is selected by no rule.
    pub storage_class: Option<String>,
    /// `lastArchivedAt`: when the image last moved to archive storage.
    pub last_archived_at: Option<i64>,
    /// `lastActivatedAt`: when the image was last restored from archive storage.
    pub last_activated_at: Option<i64>,
}

/// One image a policy acts on, and the rule that does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expiry {
    pub digest: String,
    pub tags: Vec<String>,
    pub size_bytes: u64,
    pub rule_priority: i64,
    /// `EXPIRE` (the image is deleted) or `TRANSITION` (it moves to archive storage).
    pub action: String,
}

/// What a policy does to a repository's images now.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Preview {
    /// Every image some rule expires or transitions, ordered by rule priority, then push
    /// time (oldest first), then digest.
    pub expired: Vec<Expiry>,
    /// How many images were evaluated (all of them).
    pub images_considered: usize,
    /// Bytes of the images deleted (`EXPIRE`); transitioned images are not counted here,
    /// since they are still stored (and billed), only in the archive class.
    pub bytes_freed: u64,
    /// Bytes of the images moved to archive storage (`TRANSITION`).
    pub bytes_archived: u64,
}

/// Difference between the current and the new policy: images the new one expires that the
/// old did not (and vice versa). An image whose action changes (archived before, deleted
/// now) appears in both lists; one only moved from one rule to another appears in neither.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImpactDiff {
    /// As the new policy reports them, in `Preview::expired` order.
    pub newly_expired: Vec<Expiry>,
    /// As the current policy reports them, in `Preview::expired` order.
    pub no_longer_expired: Vec<Expiry>,
    /// Bytes of `newly_expired` images the new policy deletes.
    pub bytes_freed: u64,
    /// Bytes of `newly_expired` images the new policy moves to archive storage.
    pub bytes_archived: u64,
}

/// Evaluates `policy` (a lifecycle policy document) against `images` at time `now`.
pub fn evaluate(policy: &Value, images: &[ImageInfo], now: i64) -> Result<Preview, String> {
    let rules = parse_policy(policy)?;
    check_digests(images)?;
    let mut expired: Vec<Expiry> = apply(&rules, images, now)
        .into_iter()
        .map(|(rule, image)| {
            let image = &images[image];
            Expiry {
                digest: image.digest.clone(),
                tags: image.tags.clone(),
                size_bytes: image.size_bytes,
                rule_priority: rule.priority,
                action: rule.action.as_str().to_string(),
            }
        })
        .collect();
    let pushed: HashMap<&str, i64> = images
        .iter()
        .map(|i| (i.digest.as_str(), i.pushed_at))
        .collect();
    expired.sort_by(|a, b| {
        (a.rule_priority, pushed[a.digest.as_str()], &a.digest).cmp(&(
            b.rule_priority,
            pushed[b.digest.as_str()],
            &b.digest,
        ))
    });
    let (bytes_freed, bytes_archived) = byte_totals(&expired);
    Ok(Preview {
        expired,
        images_considered: images.len(),
        bytes_freed,
        bytes_archived,
    })
}

/// What replacing the `old` policy (`None`: there is none) with `new` changes for `images`.
pub fn impact(
    old: Option<&Value>,
    new: &Value,
    images: &[ImageInfo],
    now: i64,
) -> Result<ImpactDiff, String> {
    let new = evaluate(new, images, now).map_err(|e| format!("new lifecycle policy: {e}"))?;
    let old = match old {
        Some(old) => {
            evaluate(old, images, now).map_err(|e| format!("current lifecycle policy: {e}"))?
        }
        None => Preview::default(),
    };
    let actions = |p: &Preview| -> HashMap<String, String> {
        p.expired
            .iter()
            .map(|e| (e.digest.clone(), e.action.clone()))
            .collect()
    };
    let (old_actions, new_actions) = (actions(&old), actions(&new));
    let newly_expired: Vec<Expiry> = new
        .expired
        .into_iter()
        .filter(|e| old_actions.get(&e.digest) != Some(&e.action))
        .collect();
    let no_longer_expired: Vec<Expiry> = old
        .expired
        .into_iter()
        .filter(|e| new_actions.get(&e.digest) != Some(&e.action))
        .collect();
    let (bytes_freed, bytes_archived) = byte_totals(&newly_expired);
    Ok(ImpactDiff {
        newly_expired,
        no_longer_expired,
        bytes_freed,
        bytes_archived,
    })
}

fn byte_totals(expired: &[Expiry]) -> (u64, u64) {
    let total = |action: &str| {
        expired
            .iter()
            .filter(|e| e.action == action)
            .fold(0u64, |sum, e| sum.saturating_add(e.size_bytes))
    };
    (total(EXPIRE), total(TRANSITION))
}

fn check_digests(images: &[ImageInfo]) -> Result<(), String> {
    let mut seen = HashSet::new();
    for image in images {
        if !seen.insert(image.digest.as_str()) {
            return Err(format!("image {} is listed twice", image.digest));
        }
    }
    Ok(())
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Storage {
    Standard,
    Archive,
}

impl Storage {
    fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "standard" | "active" => Some(Self::Standard),
            "archive" | "archived" => Some(Self::Archive),
            _ => None,
        }
    }

    fn of(image: &ImageInfo) -> Option<Self> {
        match &image.storage_class {
            None => Some(Self::Standard),
            Some(s) => Self::parse(s),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum TagFilter {
    Any,
    Untagged,
    /// Every prefix starts some tag of the image.
    Prefixes(Vec<String>),
    /// Every pattern matches some tag of the image.
    Patterns(Vec<String>),
}

impl TagFilter {
    fn matches(&self, tags: &[String]) -> bool {
        match self {
            Self::Any => true,
            Self::Untagged => tags.is_empty(),
            Self::Prefixes(prefixes) => prefixes
                .iter()
                .all(|p| tags.iter().any(|t| t.starts_with(p.as_str()))),
            Self::Patterns(patterns) => patterns
                .iter()
                .all(|p| tags.iter().any(|t| wildcard_match(p, t))),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Count {
    /// Keep this many newest images.
    MoreThan(i64),
    /// Days since push.
    SincePushed(i64),
    /// Days since last pull (or push, or restore).
    SincePulled(i64),
    /// Days since the move to archive storage.
    SinceTransitioned(i64),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Action {
    Expire,
    Transition,
}

impl Action {
    fn as_str(self) -> &'static str {
        match self {
            Self::Expire => EXPIRE,
            Self::Transition => TRANSITION,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Rule {
    priority: i64,
    storage: Storage,
    tags: TagFilter,
    count: Count,
    action: Action,
}

impl Rule {
    /// Whether the rule selects the image: its storage class and tagging requirements.
    fn identifies(&self, image: &ImageInfo) -> bool {
        Storage::of(image) == Some(self.storage) && self.tags.matches(&image.tags)
    }

    /// The images (indexes into `images`) among `identified` that the rule's count
    /// criteria pick, ignoring every other rule.
    fn marks(&self, identified: &[usize], images: &[ImageInfo], now: i64) -> Vec<usize> {
        let older_than = |time: Option<i64>, days: i64| {
            time.is_some_and(|t| now.saturating_sub(t) > days.saturating_mul(SECONDS_PER_DAY))
        };
        match self.count {
            Count::MoreThan(keep) => {
                let mut newest_first = identified.to_vec();
                newest_first.sort_by_key(|&i| (Reverse(order_time(&images[i])), &images[i].digest));
                let keep = usize::try_from(keep).unwrap_or(usize::MAX);
                newest_first.into_iter().skip(keep).collect()
            }
            Count::SincePushed(days) => identified
                .iter()
                .copied()
                .filter(|&i| older_than(Some(images[i].pushed_at), days))
                .collect(),
            Count::SincePulled(days) => identified
                .iter()
                .copied()
                .filter(|&i| older_than(Some(pull_time(&images[i])), days))
                .collect(),
            // An archived image without an archive time cannot be aged: never marked.
            Count::SinceTransitioned(days) => identified
                .iter()
                .copied()
                .filter(|&i| older_than(images[i].last_archived_at, days))
                .collect(),
        }
    }
}

/// ECR orders images by push time, except that a restored image counts from its restore
/// ("If an image was archived and then restored ... last_activated_at is used instead of
/// pushed_at_time"); the later of the two also covers a re-push after a restore. Ties are
/// broken by digest (AWS documents no order for them).
fn order_time(image: &ImageInfo) -> i64 {
    image
        .pushed_at
        .max(image.last_activated_at.unwrap_or(i64::MIN))
}

/// `sinceImagePulled` ages from the last recorded pull; a never-pulled image from its push,
/// and an image restored from archive and not pulled since from its restore.
fn pull_time(image: &ImageInfo) -> i64 {
    image
        .last_pulled_at
        .unwrap_or(image.pushed_at)
        .max(image.last_activated_at.unwrap_or(i64::MIN))
}

/// The rules (sorted by priority) acting on images: (rule, image index), each image once.
fn apply<'r>(rules: &'r [Rule], images: &[ImageInfo], now: i64) -> Vec<(&'r Rule, usize)> {
    // Images identified by a rule already applied, i.e. one of higher priority.
    let mut claimed = vec![false; images.len()];
    let mut out = Vec::new();
    for rule in rules {
        let identified: Vec<usize> = (0..images.len())
            .filter(|&i| rule.identifies(&images[i]))
            .collect();
        for i in rule.marks(&identified, images, now) {
            if !claimed[i] {
                out.push((rule, i));
            }
        }
        for i in identified {
            claimed[i] = true;
        }
    }
    out
}

/// The document's rules, sorted by rulePriority.
fn parse_policy(policy: &Value) -> Result<Vec<Rule>, String> {
    let Some(top) = policy.as_object() else {
        return Err("a lifecycle policy must be a JSON object".into());
    };
    let Some(raw_rules) = top.get("rules").and_then(Value::as_array) else {
        return Err("the lifecycle policy has no `rules` list".into());
    };
    let mut by_priority: BTreeMap<i64, Rule> = BTreeMap::new();
    for (i, raw) in raw_rules.iter().enumerate() {
        let rule = parse_rule(raw, &format!("/rules/{i}"))?;
        let priority = rule.priority;
        if by_priority.insert(priority, rule).is_some() {
            return Err(format!(
                "/rules/{i}/rulePriority: rulePriority {priority} is used by two rules, so their order is undefined"
            ));
        }
    }
    Ok(by_priority.into_values().collect())
}

fn parse_rule(raw: &Value, at: &str) -> Result<Rule, String> {
    // Normalized alone, so that the rule keeps its index for messages; this folds the forms
    // ECR reads alike ("5" and 5.0 for 5, "ANY" for "any", "DAYS" for "days").
    let normalized = normalize(&json!({ "rules": [raw] }));
    let Some(rule) = normalized["rules"][0].as_object() else {
        return Err(format!("{at}: a rule must be an object"));
    };
    let priority = rule
        .get("rulePriority")
        .and_then(Value::as_i64)
        .ok_or_else(|| format!("{at}/rulePriority: a rule needs an integer rulePriority"))?;
    let Some(selection) = rule.get("selection").and_then(Value::as_object) else {
        return Err(format!("{at}/selection: a rule needs a selection object"));
    };
    let at_selection = format!("{at}/selection");
    let tags = parse_tags(selection, &at_selection)?;
    let count = parse_count(selection, &at_selection)?;
    let storage = match (text(selection, "storageClass", &at_selection)?, count) {
        (None, Count::SinceTransitioned(_)) => Storage::Archive,
        (None, _) => Storage::Standard,
        (Some(s), count) => match (Storage::parse(s), count) {
            (Some(Storage::Archive), Count::SinceTransitioned(_)) => Storage::Archive,
            (Some(Storage::Standard), Count::SinceTransitioned(_)) => {
                return Err(format!(
                    "{at_selection}/storageClass: countType sinceImageTransitioned ages archived images; storageClass `{s}` selects none"
                ));
            }
            (Some(Storage::Standard), _) => Storage::Standard,
            (Some(Storage::Archive), _) => {
                return Err(format!(
                    "{at_selection}/storageClass: archived images are only selected by countType sinceImageTransitioned"
                ));
            }
            (None, _) => {
                return Err(format!(
                    "{at_selection}/storageClass: `{s}` is not a storage class (standard or archive)"
                ));
            }
        },
    };
    let Some(action) = rule.get("action").and_then(Value::as_object) else {
        return Err(format!("{at}/action: a rule needs an action object"));
    };
    let at_action = format!("{at}/action");
    let target = text(action, "targetStorageClass", &at_action)?;
    let action = match text(action, "type", &at_action)? {
        Some("expire") if target.is_some() => {
            return Err(format!(
                "{at_action}/targetStorageClass: an `expire` action deletes images; only `transition` has a target storage class"
            ));
        }
        Some("expire") => Action::Expire,
        Some("transition") => {
            if target.is_some_and(|t| !t.eq_ignore_ascii_case("archive")) {
                return Err(format!(
                    "{at_action}/targetStorageClass: images can only transition to `archive`"
                ));
            }
            if storage == Storage::Archive {
                return Err(format!(
                    "{at_action}/type: archived images cannot transition to archive again"
                ));
            }
            Action::Transition
        }
        Some(other) => {
            return Err(format!(
                "{at_action}/type: `{other}` is not an action (expire or transition)"
            ));
        }
        None => return Err(format!("{at_action}: the action has no `type`")),
    };
    Ok(Rule {
        priority,
        storage,
        tags,
        count,
        action,
    })
}

fn parse_tags(selection: &Map<String, Value>, at: &str) -> Result<TagFilter, String> {
    let prefixes = string_list(selection, "tagPrefixList", at)?;
    let patterns = string_list(selection, "tagPatternList", at)?;
    match text(selection, "tagStatus", at)? {
        Some("tagged") => match (prefixes, patterns) {
            (Some(_), Some(_)) => Err(format!(
                "{at}: a rule uses tagPrefixList or tagPatternList, not both"
            )),
            (Some(prefixes), None) => Ok(TagFilter::Prefixes(prefixes)),
            (None, Some(patterns)) => Ok(TagFilter::Patterns(patterns)),
            (None, None) => Err(format!(
                "{at}: tagStatus `tagged` needs a non-empty tagPrefixList or tagPatternList"
            )),
        },
        Some(status @ ("any" | "untagged")) => {
            if prefixes.is_some() || patterns.is_some() {
                Err(format!(
                    "{at}: tag lists only apply to tagStatus `tagged`, not `{status}`"
                ))
            } else if status == "any" {
                Ok(TagFilter::Any)
            } else {
                Ok(TagFilter::Untagged)
            }
        }
        Some(other) => Err(format!(
            "{at}/tagStatus: `{other}` is not a tagStatus (tagged, untagged or any)"
        )),
        None => Err(format!("{at}: the selection has no `tagStatus`")),
    }
}

fn parse_count(selection: &Map<String, Value>, at: &str) -> Result<Count, String> {
    let number = match selection.get("countNumber") {
        None => return Err(format!("{at}: the selection has no `countNumber`")),
        Some(value) => value
            .as_i64()
            .filter(|n| *n >= 1)
            .ok_or_else(|| format!("{at}/countNumber: countNumber must be a positive integer"))?,
    };
    let unit = text(selection, "countUnit", at)?;
    let since = |make: fn(i64) -> Count| match unit {
        // `days` is the only unit, so an omitted one can only mean it.
        None | Some("days") => Ok(make(number)),
        Some(other) => Err(format!(
            "{at}/countUnit: `{other}` is not a count unit (days)"
        )),
    };
    match text(selection, "countType", at)? {
        Some("imageCountMoreThan") if unit.is_some() => Err(format!(
            "{at}/countUnit: countType imageCountMoreThan counts images, it takes no countUnit"
        )),
        Some("imageCountMoreThan") => Ok(Count::MoreThan(number)),
        Some("sinceImagePushed") => since(Count::SincePushed),
        Some("sinceImagePulled") => since(Count::SincePulled),
        Some("sinceImageTransitioned") => since(Count::SinceTransitioned),
        Some(other) => Err(format!("{at}/countType: `{other}` is not a countType")),
        None => Err(format!("{at}: the selection has no `countType`")),
    }
}

/// An optional string field; present but not a string is an error.
fn text<'a>(
    object: &'a Map<String, Value>,
    key: &str,
    at: &str,
) -> Result<Option<&'a str>, String> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(format!("{at}/{key}: {key} must be a string")),
    }
}

/// An optional list of strings; an empty list is the same as none (normalize drops it).
fn string_list(
    object: &Map<String, Value>,
    key: &str,
    at: &str,
) -> Result<Option<Vec<String>>, String> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) if items.is_empty() => Ok(None),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(j, item)| {
                item.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| format!("{at}/{key}/{j}: {key} entries must be strings"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(_) => Err(format!("{at}/{key}: {key} must be a list of strings")),
    }
}

/// ECR's tag pattern match: `*` matches any run of characters (also none); everything
/// else matches itself, case-sensitively, and the whole tag must match.
fn wildcard_match(pattern: &str, tag: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    let [first, middle @ .., last] = parts.as_slice() else {
        return pattern == tag;
    };
    let Some(mut rest) = tag.strip_prefix(first) else {
        return false;
    };
    // Leftmost matches of the middle parts leave the most room for the rest.
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.ends_with(last)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::documents::lifecycle;
    use crate::manifest::model::LifecycleRule;
    use proptest::prelude::*;

    const NOW: i64 = 1_750_000_000;
    const DAY: i64 = SECONDS_PER_DAY;

    /// An image named `label` (digest `sha256:<label>`), pushed `days_ago` days before NOW.
    fn image(label: &str, tags: &[&str], days_ago: i64) -> ImageInfo {
        ImageInfo {
            digest: format!("sha256:{label}"),
            tags: tags.iter().map(|t| t.to_string()).collect(),
            pushed_at: NOW - days_ago * DAY,
            size_bytes: 1_000,
            ..ImageInfo::default()
        }
    }

    fn rule(priority: i64, selection: Value, action: Value) -> Value {
        json!({"rulePriority": priority, "description": format!("Rule {priority}"),
               "selection": selection, "action": action})
    }

    fn expire() -> Value {
        json!({"type": "expire"})
    }

    fn archive() -> Value {
        json!({"type": "transition", "targetStorageClass": "archive"})
    }

    fn keep(status: &str, list: Option<(&str, &[&str])>, n: i64) -> Value {
        let mut s =
            json!({"tagStatus": status, "countType": "imageCountMoreThan", "countNumber": n});
        if let Some((key, items)) = list {
            s[key] = json!(items);
        }
        s
    }

    fn older(status: &str, list: Option<(&str, &[&str])>, count_type: &str, days: i64) -> Value {
        let mut s = json!({"tagStatus": status, "countType": count_type, "countUnit": "days", "countNumber": days});
        if let Some((key, items)) = list {
            s[key] = json!(items);
        }
        s
    }

    fn policy(rules: Vec<Value>) -> Value {
        json!({ "rules": rules })
    }

    /// (label, rule priority, action) of every image acted on, in output order.
    fn outcome(preview: &Preview) -> Vec<(String, i64, String)> {
        preview
            .expired
            .iter()
            .map(|e| {
                (
                    e.digest.trim_start_matches("sha256:").to_string(),
                    e.rule_priority,
                    e.action.clone(),
                )
            })
            .collect()
    }

    fn want(items: &[(&str, i64, &str)]) -> Vec<(String, i64, String)> {
        items
            .iter()
            .map(|(l, p, a)| (l.to_string(), *p, a.to_string()))
            .collect()
    }

    /// The scenarios of the ECR User Guide's "Examples of lifecycle policies", each with the
    /// repository the guide describes (or, for the syntax-only examples, one that exercises
    /// the rule) and the result the guide gives.
    #[test]
    fn aws_documented_examples() {
        let two_rule_repo = || {
            vec![
                image("A", &["beta-1", "prod-1"], 10),
                image("B", &["beta-2", "prod-2"], 9),
                image("C", &["beta-3"], 8),
            ]
        };
        let alpha_beta_repo = || {
            vec![
                image("A", &["alpha-1"], 12),
                image("B", &["beta-1"], 11),
                image("C", &["alpha-2", "beta-2"], 10),
                image("D", &["alpha-3"], 4),
                image("E", &["beta-3"], 3),
                image("F", &["alpha-4", "beta-4"], 2),
            ]
        };
        let not_exclusive_repo = || {
            vec![
                image("A", &["alpha-1", "beta-1", "gamma-1"], 10),
                image("B", &["alpha-2", "beta-2"], 9),
                image("C", &["alpha-3", "beta-3", "gamma-2"], 8),
            ]
        };
        let pulled = |mut i: ImageInfo, days_ago: Option<i64>| {
            i.last_pulled_at = days_ago.map(|d| NOW - d * DAY);
            i
        };
        let archived = |mut i: ImageInfo, days_ago: i64| {
            i.storage_class = Some("ARCHIVE".into());
            i.last_archived_at = Some(NOW - days_ago * DAY);
            i
        };
        // (scenario, policy, repository, expected (image, rule priority, action)).
        type Case<'a> = (&'a str, Value, Vec<ImageInfo>, Vec<(&'a str, i64, &'a str)>);
        let cases: Vec<Case> = vec![
            (
                "filtering on image age (tagPatternList prod*, older than 14 days)",
                policy(vec![rule(
                    1,
                    older(
                        "tagged",
                        Some(("tagPatternList", &["prod*"])),
                        "sinceImagePushed",
                        14,
                    ),
                    expire(),
                )]),
                vec![
                    image("old-prod", &["prod-1"], 15),
                    image("new-prod", &["prod-2"], 13),
                    image("production", &["production-team1"], 30),
                    image("old-dev", &["dev-1"], 30),
                    image("untagged", &[], 30),
                ],
                vec![("production", 1, EXPIRE), ("old-prod", 1, EXPIRE)],
            ),
            (
                "filtering on image age (earlier edition: untagged, older than 14 days)",
                policy(vec![rule(
                    1,
                    older("untagged", None, "sinceImagePushed", 14),
                    expire(),
                )]),
                vec![
                    image("old", &[], 20),
                    image("exactly-14", &[], 14),
                    image("new", &[], 2),
                    image("tagged", &["v1"], 20),
                ],
                vec![("old", 1, EXPIRE)],
            ),
            (
                "filtering on image count (keep one untagged image)",
                policy(vec![rule(1, keep("untagged", None, 1), expire())]),
                vec![
                    image("u1", &[], 3),
                    image("u2", &[], 2),
                    image("u3", &[], 1),
                    image("t", &["v1"], 9),
                ],
                vec![("u1", 1, EXPIRE), ("u2", 1, EXPIRE)],
            ),
            (
                "multiple rules, example A (prod then beta): A is expired",
                policy(vec![
                    rule(
                        1,
                        keep("tagged", Some(("tagPatternList", &["prod*"])), 1),
                        expire(),
                    ),
                    rule(
                        2,
                        keep("tagged", Some(("tagPatternList", &["beta*"])), 1),
                        expire(),
                    ),
                ]),
                two_rule_repo(),
                vec![("A", 1, EXPIRE)],
            ),
            (
                "multiple rules, example A with prefixes (earlier edition)",
                policy(vec![
                    rule(
                        1,
                        keep("tagged", Some(("tagPrefixList", &["prod"])), 1),
                        expire(),
                    ),
                    rule(
                        2,
                        keep("tagged", Some(("tagPrefixList", &["beta"])), 1),
                        expire(),
                    ),
                ]),
                two_rule_repo(),
                vec![("A", 1, EXPIRE)],
            ),
            (
                "multiple rules, example B (beta then prod): A and B are expired",
                policy(vec![
                    rule(
                        1,
                        keep("tagged", Some(("tagPatternList", &["beta*"])), 1),
                        expire(),
                    ),
                    rule(
                        2,
                        keep("tagged", Some(("tagPatternList", &["prod*"])), 1),
                        expire(),
                    ),
                ]),
                two_rule_repo(),
                vec![("A", 1, EXPIRE), ("B", 1, EXPIRE)],
            ),
            (
                "multiple tags in a single rule, example A (patterns): C is expired",
                policy(vec![rule(
                    1,
                    older(
                        "tagged",
                        Some(("tagPatternList", &["alpha*", "beta*"])),
                        "sinceImagePushed",
                        5,
                    ),
                    expire(),
                )]),
                alpha_beta_repo(),
                vec![("C", 1, EXPIRE)],
            ),
            (
                "multiple tags in a single rule, example A (prefixes, earlier edition)",
                policy(vec![rule(
                    1,
                    older(
                        "tagged",
                        Some(("tagPrefixList", &["alpha", "beta"])),
                        "sinceImagePushed",
                        5,
                    ),
                    expire(),
                )]),
                alpha_beta_repo(),
                vec![("C", 1, EXPIRE)],
            ),
            (
                "multiple tags in a single rule, example B (tags are not exclusive)",
                policy(vec![rule(
                    1,
                    keep("tagged", Some(("tagPatternList", &["alpha*", "beta*"])), 1),
                    expire(),
                )]),
                not_exclusive_repo(),
                vec![("A", 1, EXPIRE), ("B", 1, EXPIRE)],
            ),
            (
                "multiple tags in a single rule, example B (prefixes, earlier edition)",
                policy(vec![rule(
                    1,
                    keep("tagged", Some(("tagPrefixList", &["alpha", "beta"])), 1),
                    expire(),
                )]),
                not_exclusive_repo(),
                vec![("A", 1, EXPIRE), ("B", 1, EXPIRE)],
            ),
            (
                "all images, example A (keep one image of any kind)",
                policy(vec![rule(1, keep("any", None, 1), expire())]),
                vec![
                    image("A", &["alpha-1"], 4),
                    image("B", &["beta-1"], 3),
                    image("C", &[], 2),
                    image("D", &["alpha-2"], 1),
                ],
                vec![("A", 1, EXPIRE), ("B", 1, EXPIRE), ("C", 1, EXPIRE)],
            ),
            (
                // Rule 3 still counts A, B, C and E (identified by rules 1 and 2) when it
                // keeps one image, so it marks D; it may only act on D. The guide lists D
                // and E as both pushed "1 day ago" and keeps E, so E is the newer here.
                "all images, example B (all rule types): A, B and D are expired",
                policy(vec![
                    rule(
                        1,
                        keep("tagged", Some(("tagPatternList", &["alpha*"])), 1),
                        expire(),
                    ),
                    rule(2, older("untagged", None, "sinceImagePushed", 1), expire()),
                    rule(3, keep("any", None, 1), expire()),
                ]),
                vec![
                    image("A", &["alpha-1", "beta-1"], 4),
                    image("B", &[], 3),
                    image("C", &["alpha-2"], 2),
                    image("D", &["git hash"], 1),
                    {
                        let mut e = image("E", &[], 1);
                        e.pushed_at += 60;
                        e
                    },
                ],
                vec![("A", 1, EXPIRE), ("B", 2, EXPIRE), ("D", 3, EXPIRE)],
            ),
            (
                "filtering on last pulled time (archive images not pulled in 90 days)",
                policy(vec![rule(
                    1,
                    older("any", None, "sinceImagePulled", 90),
                    archive(),
                )]),
                vec![
                    pulled(image("pulled-long-ago", &["v1"], 300), Some(100)),
                    pulled(image("pulled-recently", &["v2"], 300), Some(10)),
                    pulled(image("never-pulled-old", &[], 120), None),
                    pulled(image("never-pulled-new", &[], 30), None),
                    archived(image("already-archived", &[], 500), 200),
                ],
                vec![
                    ("pulled-long-ago", 1, TRANSITION),
                    ("never-pulled-old", 1, TRANSITION),
                ],
            ),
            (
                "filtering on archive transition time (expire after 365 days in archive)",
                policy(vec![rule(
                    1,
                    json!({"tagStatus": "any", "storageClass": "archive", "countType": "sinceImageTransitioned", "countUnit": "days", "countNumber": 365}),
                    expire(),
                )]),
                vec![
                    archived(image("archived-long-ago", &["v1"], 800), 400),
                    archived(image("archived-recently", &["v2"], 800), 100),
                    image("standard-old", &["v0"], 1_000),
                ],
                vec![("archived-long-ago", 1, EXPIRE)],
            ),
            (
                "archiving images older than a number of days (prod*, 30 days)",
                policy(vec![rule(
                    1,
                    older(
                        "tagged",
                        Some(("tagPatternList", &["prod*"])),
                        "sinceImagePushed",
                        30,
                    ),
                    archive(),
                )]),
                vec![
                    image("old", &["prod-1"], 31),
                    image("new", &["prod-2"], 29),
                    image("dev", &["dev"], 99),
                ],
                vec![("old", 1, TRANSITION)],
            ),
            (
                // Both rules select `any` image, but of different storage classes, so rule 1
                // does not shield archived images from rule 2.
                "combining archive and expire rules",
                policy(vec![
                    rule(1, older("any", None, "sinceImagePushed", 30), archive()),
                    rule(
                        2,
                        json!({"tagStatus": "any", "storageClass": "archive", "countType": "sinceImageTransitioned", "countUnit": "days", "countNumber": 365}),
                        expire(),
                    ),
                ]),
                vec![
                    image("standard-old", &["v3"], 40),
                    image("standard-new", &["v4"], 10),
                    archived(image("archive-old", &["v1"], 900), 400),
                    archived(image("archive-new", &["v2"], 900), 200),
                ],
                vec![("standard-old", 1, TRANSITION), ("archive-old", 2, EXPIRE)],
            ),
        ];
        for (name, doc, images, expected) in cases {
            let preview = evaluate(&doc, &images, NOW).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(outcome(&preview), want(&expected), "{name}");
            assert_eq!(preview.images_considered, images.len(), "{name}");
        }
    }

    #[test]
    fn manifest_short_rules_compile_to_a_policy_the_preview_reads() {
        let rules = vec![
            LifecycleRule {
                untagged: Some(true),
                expire_after_days: Some(14),
                ..LifecycleRule::default()
            },
            LifecycleRule {
                tag_prefixes: Some(vec!["v".into()]),
                keep_last: Some(2),
                ..LifecycleRule::default()
            },
        ];
        let images = vec![
            image("u-old", &[], 20),
            image("u-new", &[], 1),
            image("v1", &["v1"], 9),
            image("v2", &["v2"], 8),
            image("v3", &["v3", "latest"], 7),
            image("other", &["nightly"], 99),
        ];
        let preview = evaluate(&lifecycle::compile(&rules), &images, NOW).unwrap();
        assert_eq!(
            outcome(&preview),
            want(&[("u-old", 1, EXPIRE), ("v1", 2, EXPIRE)])
        );
    }

    #[test]
    fn bytes_count_deletions_and_archiving_apart() {
        let mut images = vec![
            image("a", &[], 100),
            image("b", &["v1"], 100),
            image("c", &["v2"], 1),
        ];
        images[0].size_bytes = 7;
        images[1].size_bytes = 11;
        let doc = policy(vec![
            rule(1, older("untagged", None, "sinceImagePushed", 30), expire()),
            rule(
                2,
                older(
                    "tagged",
                    Some(("tagPrefixList", &["v"])),
                    "sinceImagePushed",
                    30,
                ),
                archive(),
            ),
        ]);
        let preview = evaluate(&doc, &images, NOW).unwrap();
        assert_eq!((preview.bytes_freed, preview.bytes_archived), (7, 11));
        assert_eq!(preview.images_considered, 3);
        assert_eq!(preview.expired[1].tags, vec!["v1".to_string()]);
        assert_eq!(preview.expired[1].size_bytes, 11);
    }

    #[test]
    fn output_is_ordered_by_priority_then_push_time_then_digest() {
        let images = vec![
            image("z", &[], 50),
            image("y", &[], 50),
            image("x", &[], 60),
            image("w", &["v1"], 70),
        ];
        let doc = policy(vec![
            rule(2, older("untagged", None, "sinceImagePushed", 10), expire()),
            rule(
                1,
                older(
                    "tagged",
                    Some(("tagPrefixList", &["v"])),
                    "sinceImagePushed",
                    10,
                ),
                expire(),
            ),
        ]);
        assert_eq!(
            outcome(&evaluate(&doc, &images, NOW).unwrap()),
            want(&[
                ("w", 1, EXPIRE),
                ("x", 2, EXPIRE),
                ("y", 2, EXPIRE),
                ("z", 2, EXPIRE)
            ])
        );
    }

    #[test]
    fn pull_age_counts_from_push_or_restore_when_not_pulled_since() {
        let doc = policy(vec![rule(
            1,
            older("any", None, "sinceImagePulled", 30),
            archive(),
        )]);
        let mut restored_unpulled = image("restored", &[], 400);
        restored_unpulled.last_pulled_at = Some(NOW - 300 * DAY);
        restored_unpulled.last_activated_at = Some(NOW - 5 * DAY);
        let mut restored_then_pulled_long_ago = image("restored-old", &[], 400);
        restored_then_pulled_long_ago.last_activated_at = Some(NOW - 90 * DAY);
        restored_then_pulled_long_ago.last_pulled_at = Some(NOW - 60 * DAY);
        let images = vec![restored_unpulled, restored_then_pulled_long_ago];
        assert_eq!(
            outcome(&evaluate(&doc, &images, NOW).unwrap()),
            want(&[("restored-old", 1, TRANSITION)])
        );
    }

    #[test]
    fn a_restored_image_counts_as_new_for_image_count() {
        let doc = policy(vec![rule(1, keep("any", None, 1), expire())]);
        let mut restored = image("restored", &[], 400);
        restored.last_activated_at = Some(NOW - DAY);
        let images = vec![restored, image("recent", &[], 3)];
        assert_eq!(
            outcome(&evaluate(&doc, &images, NOW).unwrap()),
            want(&[("recent", 1, EXPIRE)])
        );
    }

    #[test]
    fn storage_classes_and_statuses() {
        let doc = policy(vec![rule(1, keep("any", None, 1), expire())]);
        let with = |label: &str, days: i64, class: Option<&str>| {
            let mut i = image(label, &[], days);
            i.storage_class = class.map(str::to_string);
            i
        };
        let images = vec![
            with("active", 5, Some("ACTIVE")),
            with("standard", 4, Some("standard")),
            with("none", 3, None),
            with("archived", 9, Some("ARCHIVED")),
            with("activating", 9, Some("ACTIVATING")),
        ];
        // Only the three standard images are counted; the newest one is kept.
        assert_eq!(
            outcome(&evaluate(&doc, &images, NOW).unwrap()),
            want(&[("active", 1, EXPIRE), ("standard", 1, EXPIRE)])
        );
    }

    #[test]
    fn lenient_forms_evaluate_like_canonical_ones() {
        let images = vec![
            image("a", &["v1"], 30),
            image("b", &["v2"], 20),
            image("c", &[], 10),
        ];
        let canonical = policy(vec![
            rule(
                1,
                older(
                    "tagged",
                    Some(("tagPrefixList", &["v"])),
                    "sinceImagePushed",
                    25,
                ),
                expire(),
            ),
            rule(2, keep("any", None, 1), expire()),
        ]);
        let loose = json!({"rules": [
            {"rulePriority": "2", "selection": {"tagStatus": "ANY", "countType": "imageCountMoreThan", "countNumber": 1.0}, "action": {"type": "expire"}},
            {"rulePriority": 1.0, "selection": {"tagStatus": "Tagged", "tagPrefixList": ["v"], "tagPatternList": [], "countType": "sinceImagePushed", "countNumber": "25"}, "action": {"type": "expire"}, "comment": "unknown keys are ignored"}
        ]});
        assert_eq!(
            evaluate(&loose, &images, NOW).unwrap(),
            evaluate(&canonical, &images, NOW).unwrap()
        );
    }

    #[test]
    fn documents_without_one_meaning_are_errors() {
        let sel = |s: Value| policy(vec![rule(1, s, expire())]);
        let cases: Vec<(Value, &str)> = vec![
            (json!([]), "must be a JSON object"),
            (json!({"rule": []}), "no `rules` list"),
            (json!({"rules": [5]}), "/rules/0: a rule must be an object"),
            (
                json!({"rules": [{"selection": keep("any", None, 1), "action": expire()}]}),
                "/rules/0/rulePriority",
            ),
            (
                policy(vec![
                    rule(3, keep("untagged", None, 1), expire()),
                    rule(3, keep("any", None, 1), expire()),
                ]),
                "rulePriority 3 is used by two rules",
            ),
            (sel(keep("tag", None, 1)), "/rules/0/selection/tagStatus"),
            (
                sel(keep("tagged", None, 1)),
                "needs a non-empty tagPrefixList",
            ),
            (
                sel(keep("tagged", Some(("tagPrefixList", &[])), 1)),
                "needs a non-empty",
            ),
            (
                sel(
                    json!({"tagStatus": "tagged", "tagPrefixList": ["v"], "tagPatternList": ["v*"], "countType": "imageCountMoreThan", "countNumber": 1}),
                ),
                "not both",
            ),
            (
                sel(keep("any", Some(("tagPrefixList", &["v"])), 1)),
                "only apply to tagStatus `tagged`",
            ),
            (
                sel(keep("tagged", Some(("tagPrefixList", &["v"])), 0)),
                "positive integer",
            ),
            (sel(keep("untagged", None, -4)), "positive integer"),
            (
                sel(json!({"tagStatus": "any", "countType": "imageCountMoreThan"})),
                "no `countNumber`",
            ),
            (
                sel(json!({"tagStatus": "any", "countType": "newest", "countNumber": 1})),
                "not a countType",
            ),
            (
                sel(json!({"tagStatus": "any", "countNumber": 1})),
                "no `countType`",
            ),
            (
                sel(
                    json!({"tagStatus": "any", "countType": "imageCountMoreThan", "countUnit": "days", "countNumber": 1}),
                ),
                "takes no countUnit",
            ),
            (
                sel(
                    json!({"tagStatus": "any", "countType": "sinceImagePushed", "countUnit": "hours", "countNumber": 1}),
                ),
                "not a count unit",
            ),
            (
                sel(
                    json!({"tagStatus": "any", "storageClass": "cold", "countType": "sinceImagePushed", "countNumber": 1}),
                ),
                "not a storage class",
            ),
            (
                sel(
                    json!({"tagStatus": "any", "storageClass": "archive", "countType": "sinceImagePushed", "countNumber": 1}),
                ),
                "only selected by countType sinceImageTransitioned",
            ),
            (
                sel(
                    json!({"tagStatus": "any", "storageClass": "standard", "countType": "sinceImageTransitioned", "countNumber": 100}),
                ),
                "selects none",
            ),
            (
                sel(json!({"tagStatus": 5, "countType": "sinceImagePushed", "countNumber": 1})),
                "tagStatus must be a string",
            ),
            (
                sel(
                    json!({"tagStatus": "tagged", "tagPatternList": [1], "countType": "sinceImagePushed", "countNumber": 1}),
                ),
                "/tagPatternList/0",
            ),
            (
                policy(vec![rule(
                    1,
                    keep("any", None, 1),
                    json!({"type": "delete"}),
                )]),
                "not an action",
            ),
            (
                policy(vec![rule(1, keep("any", None, 1), json!({}))]),
                "no `type`",
            ),
            (
                json!({"rules": [{"rulePriority": 1, "selection": keep("any", None, 1)}]}),
                "needs an action",
            ),
            (
                json!({"rules": [{"rulePriority": 1, "action": expire()}]}),
                "needs a selection",
            ),
            (
                policy(vec![rule(
                    1,
                    keep("any", None, 1),
                    json!({"type": "expire", "targetStorageClass": "archive"}),
                )]),
                "only `transition`",
            ),
            (
                policy(vec![rule(
                    1,
                    keep("any", None, 1),
                    json!({"type": "transition", "targetStorageClass": "glacier"}),
                )]),
                "only transition to `archive`",
            ),
            (
                policy(vec![rule(
                    1,
                    json!({"tagStatus": "any", "storageClass": "archive", "countType": "sinceImageTransitioned", "countNumber": 100}),
                    archive(),
                )]),
                "cannot transition to archive again",
            ),
        ];
        for (doc, fragment) in cases {
            match evaluate(&doc, &[], NOW) {
                Err(e) => assert!(e.contains(fragment), "{doc}: `{e}` lacks `{fragment}`"),
                Ok(p) => panic!("{doc}: expected an error with `{fragment}`, got {p:?}"),
            }
        }
        let twice = vec![image("a", &[], 1), image("a", &["v"], 2)];
        let err = evaluate(
            &policy(vec![rule(1, keep("any", None, 1), expire())]),
            &twice,
            NOW,
        )
        .unwrap_err();
        assert!(err.contains("listed twice"), "{err}");
    }

    #[test]
    fn omitted_units_and_targets_take_their_only_value() {
        let images = vec![image("old", &[], 40), image("new", &[], 1)];
        let doc = policy(vec![rule(
            1,
            json!({"tagStatus": "any", "countType": "sinceImagePushed", "countNumber": 30}),
            json!({"type": "transition"}),
        )]);
        assert_eq!(
            outcome(&evaluate(&doc, &images, NOW).unwrap()),
            want(&[("old", 1, TRANSITION)])
        );
    }

    #[test]
    fn extreme_numbers_do_not_overflow() {
        let images = vec![image("a", &[], 1), image("b", &[], 2)];
        for selection in [
            older("any", None, "sinceImagePushed", i64::MAX),
            keep("any", None, i64::MAX),
        ] {
            let doc = policy(vec![rule(i64::MAX, selection, expire())]);
            assert_eq!(evaluate(&doc, &images, i64::MIN).unwrap().expired, vec![]);
            assert_eq!(evaluate(&doc, &images, i64::MAX).unwrap().expired, vec![]);
        }
        let doc = policy(vec![rule(
            1,
            older("any", None, "sinceImagePushed", 1),
            expire(),
        )]);
        let ancient = vec![ImageInfo {
            digest: "d".into(),
            pushed_at: i64::MIN,
            ..ImageInfo::default()
        }];
        assert_eq!(evaluate(&doc, &ancient, i64::MAX).unwrap().expired.len(), 1);
    }

    #[test]
    fn wildcard_match_table() {
        let cases = [
            ("prod*", "prod", true),
            ("prod*", "production-team1", true),
            ("prod*", "pro", false),
            ("*prod*", "repo-production", true),
            ("*prod*", "prod-team", true),
            ("*prod*", "prd", false),
            ("prod", "prod", true),
            ("prod", "prod1", false),
            ("prod", "Prod", false),
            ("*", "", true),
            ("*", "anything", true),
            ("", "", true),
            ("", "x", false),
            ("a*a", "a", false),
            ("a*a", "aa", true),
            ("a*b*c", "aXbYc", true),
            ("a*b*c", "acb", false),
            ("*test*1*2*3", "my-test-1-2-3", true),
            ("test*1*2*3*", "test1-2-3-4", true),
            ("test*1*2*3*", "test3-2-1", false),
            ("v*-rc", "v1-rc-rc", true),
            ("**", "x", true),
        ];
        for (pattern, tag, expected) in cases {
            assert_eq!(wildcard_match(pattern, tag), expected, "{pattern} vs {tag}");
        }
    }

    #[test]
    fn impact_reports_what_the_change_adds_and_removes() {
        let images: Vec<ImageInfo> = (0..6)
            .map(|i| image(&format!("i{i}"), &[&format!("v{i}")], 10 - i))
            .collect();
        let keep_n = |n: i64| {
            policy(vec![rule(
                1,
                keep("tagged", Some(("tagPrefixList", &["v"])), n),
                expire(),
            )])
        };
        let labels = |list: &[Expiry]| -> Vec<String> {
            list.iter()
                .map(|e| e.digest.trim_start_matches("sha256:").to_string())
                .collect()
        };

        // No policy yet: everything the new one expires is new.
        let diff = impact(None, &keep_n(4), &images, NOW).unwrap();
        assert_eq!(labels(&diff.newly_expired), ["i0", "i1"]);
        assert_eq!(diff.no_longer_expired, vec![]);
        assert_eq!((diff.bytes_freed, diff.bytes_archived), (2_000, 0));

        // Keeping fewer expires more.
        let diff = impact(Some(&keep_n(4)), &keep_n(2), &images, NOW).unwrap();
        assert_eq!(labels(&diff.newly_expired), ["i2", "i3"]);
        assert_eq!(diff.no_longer_expired, vec![]);
        assert_eq!(diff.bytes_freed, 2_000);

        // Keeping more releases images.
        let diff = impact(Some(&keep_n(2)), &keep_n(5), &images, NOW).unwrap();
        assert_eq!(diff.newly_expired, vec![]);
        assert_eq!(labels(&diff.no_longer_expired), ["i1", "i2", "i3"]);
        assert_eq!(diff.bytes_freed, 0);

        // The same images, now archived instead of deleted: in both lists.
        let archive_n = policy(vec![rule(
            1,
            keep("tagged", Some(("tagPrefixList", &["v"])), 4),
            archive(),
        )]);
        let diff = impact(Some(&keep_n(4)), &archive_n, &images, NOW).unwrap();
        assert_eq!(labels(&diff.newly_expired), ["i0", "i1"]);
        assert!(diff.newly_expired.iter().all(|e| e.action == TRANSITION));
        assert_eq!(labels(&diff.no_longer_expired), ["i0", "i1"]);
        assert_eq!((diff.bytes_freed, diff.bytes_archived), (0, 2_000));

        // The same outcome by another rule: no impact.
        let renumbered = policy(vec![
            rule(1, keep("untagged", None, 1), expire()),
            rule(
                7,
                keep("tagged", Some(("tagPatternList", &["v*"])), 4),
                expire(),
            ),
        ]);
        assert_eq!(
            impact(Some(&keep_n(4)), &renumbered, &images, NOW).unwrap(),
            ImpactDiff::default()
        );

        // Errors name the policy at fault.
        let bad = json!({"rules": 1});
        assert!(
            impact(Some(&bad), &keep_n(1), &images, NOW)
                .unwrap_err()
                .starts_with("current lifecycle policy")
        );
        assert!(
            impact(None, &bad, &images, NOW)
                .unwrap_err()
                .starts_with("new lifecycle policy")
        );
    }

    // ---- properties ----

    const TAGS: [&str; 8] = [
        "v1", "v2", "v10", "prod-1", "prod-2", "beta-1", "latest", "dev",
    ];

    fn arb_images() -> impl Strategy<Value = Vec<ImageInfo>> {
        proptest::collection::vec(
            (
                proptest::sample::subsequence(TAGS.to_vec(), 0..3),
                0i64..400,
                proptest::option::of(0i64..400),
                0u64..10_000,
                prop_oneof![4 => Just(None), 1 => Just(Some("ARCHIVE")), 1 => Just(Some("ACTIVATING"))],
                0i64..400,
                proptest::option::of(0i64..400),
            ),
            0..16,
        )
        .prop_map(|specs| {
            specs
                .into_iter()
                .enumerate()
                .map(|(i, (tags, pushed, pulled, size, class, archived, activated))| ImageInfo {
                    digest: format!("sha256:{i:04}"),
                    tags: tags.into_iter().map(str::to_string).collect(),
                    pushed_at: NOW - pushed * DAY - i as i64 % 3,
                    last_pulled_at: pulled.map(|d| NOW - d * DAY),
                    size_bytes: size,
                    last_archived_at: class.filter(|c| *c == "ARCHIVE").map(|_| NOW - archived * DAY),
                    storage_class: class.map(str::to_string),
                    last_activated_at: activated.map(|d| NOW - d * DAY),
                })
                .collect()
        })
    }

    fn arb_rule() -> impl Strategy<Value = (Value, Value)> {
        let tags = prop_oneof![
            Just(json!({"tagStatus": "any"})),
            Just(json!({"tagStatus": "untagged"})),
            proptest::sample::subsequence(vec!["v", "prod", "beta", "l", "v1"], 1..3)
                .prop_map(|p| json!({"tagStatus": "tagged", "tagPrefixList": p})),
            proptest::sample::subsequence(vec!["v*", "*1", "prod-*", "*e*", "latest"], 1..3)
                .prop_map(|p| json!({"tagStatus": "tagged", "tagPatternList": p})),
        ];
        let count = prop_oneof![
            (1i64..6).prop_map(|n| (json!({"countType": "imageCountMoreThan", "countNumber": n}), false)),
            (1i64..300).prop_map(|n| (json!({"countType": "sinceImagePushed", "countUnit": "days", "countNumber": n}), false)),
            (1i64..300).prop_map(|n| (json!({"countType": "sinceImagePulled", "countUnit": "days", "countNumber": n}), false)),
            (1i64..300).prop_map(|n| (json!({"countType": "sinceImageTransitioned", "storageClass": "archive", "countUnit": "days", "countNumber": n}), true)),
        ];
        (tags, count, any::<bool>()).prop_map(|(mut selection, (count, archived), transition)| {
            for (k, v) in count.as_object().unwrap() {
                selection[k] = v.clone();
            }
            let action = if transition && !archived {
                archive()
            } else {
                expire()
            };
            (selection, action)
        })
    }

    fn arb_policy() -> impl Strategy<Value = Value> {
        proptest::collection::vec(arb_rule(), 1..5)
            .prop_flat_map(|rules| {
                let n = rules.len();
                (
                    Just(rules),
                    Just((1..=n as i64).map(|p| p * 3).collect::<Vec<_>>()).prop_shuffle(),
                )
            })
            .prop_map(|(rules, priorities)| {
                policy(
                    rules
                        .into_iter()
                        .zip(priorities)
                        .map(|((selection, action), p)| rule(p, selection, action))
                        .collect(),
                )
            })
    }

    fn arb_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            (-1e3f64..1e3).prop_map(Value::from),
            prop_oneof![
                Just("rules"),
                Just("rulePriority"),
                Just("selection"),
                Just("action"),
                Just("type"),
                Just("tagStatus"),
                Just("tagged"),
                Just("any"),
                Just("countType"),
                Just("countNumber"),
                Just("imageCountMoreThan"),
                Just("sinceImagePushed"),
                Just("storageClass"),
                Just("archive"),
                Just("*"),
                Just("")
            ]
            .prop_map(Value::from),
        ];
        leaf.prop_recursive(5, 64, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
                proptest::collection::vec(
                    (
                        prop_oneof![
                            Just("rules"),
                            Just("rulePriority"),
                            Just("selection"),
                            Just("action"),
                            Just("type"),
                            Just("tagStatus"),
                            Just("tagPrefixList"),
                            Just("tagPatternList"),
                            Just("countType"),
                            Just("countUnit"),
                            Just("countNumber"),
                            Just("storageClass"),
                            Just("targetStorageClass")
                        ],
                        inner
                    ),
                    0..5
                )
                .prop_map(|kv| Value::Object(
                    kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
                )),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        /// No image is acted on twice, and never by a rule below one that identified it.
        #[test]
        fn an_image_is_expired_by_at_most_one_rule(doc in arb_policy(), images in arb_images()) {
            let preview = evaluate(&doc, &images, NOW).unwrap();
            let mut seen = HashSet::new();
            for e in &preview.expired {
                prop_assert!(seen.insert(e.digest.clone()), "{} expired twice", e.digest);
            }
            let rules = parse_policy(&doc).unwrap();
            for e in &preview.expired {
                let img = images.iter().find(|i| i.digest == e.digest).unwrap();
                prop_assert!(rules.iter().any(|r| r.priority == e.rule_priority && r.identifies(img)));
                prop_assert!(!rules.iter().any(|r| r.priority < e.rule_priority && r.identifies(img)));
            }
        }

        /// `imageCountMoreThan N` keeps the N newest images it identifies: when no
        /// higher-priority rule claims them, no rule expires them.
        #[test]
        fn image_count_keeps_the_newest(doc in arb_policy(), images in arb_images()) {
            let preview = evaluate(&doc, &images, NOW).unwrap();
            let expired: HashSet<&str> = preview.expired.iter().map(|e| e.digest.as_str()).collect();
            let rules = parse_policy(&doc).unwrap();
            for (k, r) in rules.iter().enumerate() {
                let Count::MoreThan(n) = r.count else { continue };
                let mut mine: Vec<&ImageInfo> = images.iter().filter(|i| r.identifies(i)).collect();
                mine.sort_by_key(|i| (Reverse(order_time(i)), i.digest.clone()));
                for img in mine.into_iter().take(n as usize) {
                    if rules[..k].iter().any(|h| h.identifies(img)) {
                        continue;
                    }
                    prop_assert!(!expired.contains(img.digest.as_str()), "{} is among the {n} newest of rule {}", img.digest, r.priority);
                }
            }
        }

        /// Same result however often, and whatever order the images come in.
        #[test]
        fn evaluate_is_deterministic(
            (doc, images, shuffled) in (arb_policy(), arb_images()).prop_flat_map(|(d, i)| {
                let s = Just(i.clone()).prop_shuffle();
                (Just(d), Just(i), s)
            })
        ) {
            let first = evaluate(&doc, &images, NOW).unwrap();
            prop_assert_eq!(&evaluate(&doc, &images, NOW).unwrap(), &first);
            prop_assert_eq!(&evaluate(&doc, &shuffled, NOW).unwrap(), &first);
        }

        #[test]
        fn impact_of_an_unchanged_policy_is_empty(doc in arb_policy(), images in arb_images()) {
            prop_assert_eq!(impact(Some(&doc), &doc, &images, NOW).unwrap(), ImpactDiff::default());
        }

        /// Newly expired and no-longer-expired images are exactly the outcome differences.
        #[test]
        fn impact_matches_the_two_previews(old in arb_policy(), new in arb_policy(), images in arb_images()) {
            let diff = impact(Some(&old), &new, &images, NOW).unwrap();
            let outcome = |doc: &Value| -> BTreeMap<String, String> {
                evaluate(doc, &images, NOW).unwrap().expired.into_iter().map(|e| (e.digest, e.action)).collect()
            };
            let (before, after) = (outcome(&old), outcome(&new));
            for e in &diff.newly_expired {
                prop_assert_eq!(after.get(&e.digest), Some(&e.action));
                prop_assert_ne!(before.get(&e.digest), Some(&e.action));
            }
            for e in &diff.no_longer_expired {
                prop_assert_eq!(before.get(&e.digest), Some(&e.action));
                prop_assert_ne!(after.get(&e.digest), Some(&e.action));
            }
            let changed = after.iter().filter(|(d, a)| before.get(*d) != Some(*a)).count();
            prop_assert_eq!(diff.newly_expired.len(), changed);
        }

        #[test]
        fn byte_totals_add_up(doc in arb_policy(), images in arb_images()) {
            let preview = evaluate(&doc, &images, NOW).unwrap();
            let sum = |action: &str| preview.expired.iter().filter(|e| e.action == action).map(|e| e.size_bytes).sum::<u64>();
            prop_assert_eq!(preview.bytes_freed, sum(EXPIRE));
            prop_assert_eq!(preview.bytes_archived, sum(TRANSITION));
            prop_assert!(preview.expired.len() <= images.len());
        }

        /// Any JSON at all: an answer or an error, never a panic.
        #[test]
        fn evaluate_never_panics(doc in arb_json(), images in arb_images(), now in any::<i64>()) {
            let _ = evaluate(&doc, &images, now);
            let _ = evaluate(&json!({"rules": [doc]}), &images, now);
        }

        /// A pattern made from a tag by replacing a piece with `*` matches the tag.
        #[test]
        fn a_tag_matches_its_own_wildcard_pattern(tag in "[a-z0-9.-]{0,12}", a in 0usize..13, b in 0usize..13) {
            let (a, b) = (a.min(tag.len()), b.min(tag.len()));
            let (a, b) = (a.min(b), a.max(b));
            let pattern = format!("{}*{}", &tag[..a], &tag[b..]);
            prop_assert!(wildcard_match(&pattern, &tag), "{} vs {}", pattern, tag);
            prop_assert!(wildcard_match(&tag, &tag));
        }
    }
}
