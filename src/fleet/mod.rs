//! Fleets, PURE: the fleet file (`fleet.yaml`) — targets, each an account and a region
//! with a role to assume, manifests and variables, starting from shared `defaults` — read
//! into resolved targets that remember where each setting was written, so every problem
//! (a role that cannot be assumed, an account that does not match, a manifest that does
//! not load) is reported at its line. Selecting targets by name and sharding them is in
//! `select`; the merged report in `report`. Assuming roles and planning is `ops::fleet`.

pub mod model;
pub mod report;
pub mod select;
pub mod shared;

use crate::diagnostics::{Diagnostic, Diagnostics, Span};
use crate::manifest::node::{self, Node, NodeValue};
use crate::manifest::schema_check::SchemaChecker;
use crate::manifest::{Sources, SpanIndex, pointer};
use model::{FleetFile, TargetSettings};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// A fleet file, read and checked: its targets in the order the file lists them.
#[derive(Clone, Debug)]
pub struct Fleet {
    /// The fleet file as given on the command line.
    pub file_name: String,
    /// The fleet file's text, for diagnostics.
    pub sources: Sources,
    /// `sha256:` of the fleet file's text: reports of one run share it.
    pub digest: String,
    pub targets: Vec<Target>,
    /// Where `targets:` is, for problems about the selection.
    pub targets_span: Span,
    /// Problems that do not stop the fleet (e.g. two targets on one account and region).
    pub warnings: Vec<Diagnostic>,
}

/// One target: the settings it ends with after `defaults`, `${...}` substituted.
#[derive(Clone, Debug, PartialEq)]
pub struct Target {
    pub name: String,
    /// Its position in the fleet file (0-based), which orders every report.
    pub index: usize,
    pub account_id: String,
    pub region: String,
    pub role_arn: Option<String>,
    pub external_id: Option<String>,
    pub session_name: Option<String>,
    /// Paths as written, relative to the fleet file.
    pub manifests: Vec<String>,
    pub vars: BTreeMap<String, String>,
    pub spans: TargetSpans,
}

/// Where a target's settings were written (in `defaults` when it inherited them).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TargetSpans {
    pub name: Span,
    pub account_id: Span,
    pub region: Span,
    pub role_arn: Span,
    pub manifests: Vec<Span>,
}

impl Target {
    /// The role session name: the one given, else `wharf-TARGET` (cut to AWS's 64).
    pub fn session_name(&self) -> String {
        self.session_name.clone().unwrap_or_else(|| {
            let mut name = format!("wharf-{}", self.name);
            name.truncate(64);
            name
        })
    }
}

/// The fleet file's JSON Schema (draft-07): written to `schemas/fleet.schema.json`.
pub fn fleet_schema() -> &'static serde_json::Value {
    static SCHEMA: std::sync::OnceLock<serde_json::Value> = std::sync::OnceLock::new();
    SCHEMA.get_or_init(|| {
        let generator = schemars::generate::SchemaSettings::draft07().into_generator();
        let schema = generator.into_root_schema_for::<FleetFile>();
        serde_json::to_value(schema).expect("a generated schema is valid JSON")
    })
}

/// The schema as committed: pretty JSON with a trailing newline.
pub fn fleet_schema_text() -> String {
    let mut text = serde_json::to_string_pretty(fleet_schema()).expect("schema serializes");
    text.push('\n');
    text
}

/// Reads a fleet file: every problem at its place, all at once.
pub fn load(file_name: &str, text: &str) -> Result<Fleet, Vec<Diagnostic>> {
    let sources = Sources::single(file_name, text);
    let mut diagnostics = Diagnostics::default();
    let mut tree = match node::parse(text) {
        Ok(tree) => tree,
        Err(d) => return Err(vec![d]),
    };
    if matches!(tree.value, NodeValue::Null) {
        return Err(vec![
            Diagnostic::error(tree.span, "the fleet file is empty")
                .with_hint("start with `version: 1` and `targets:`"),
        ]);
    }
    SchemaChecker::new(fleet_schema()).check(&mut tree, &mut diagnostics);
    if diagnostics.has_errors() {
        return Err(diagnostics.into_sorted());
    }
    let mut spans = SpanIndex::default();
    tree.index_spans("", &mut spans.spans);
    let file: FleetFile = match serde_json::from_value(tree.to_json()) {
        Ok(file) => file,
        Err(e) => {
            return Err(vec![Diagnostic::error(
                tree.span,
                format!("cannot read the fleet file: {e}"),
            )]);
        }
    };
    if file.version != 1 {
        diagnostics
            .error(spans.at("/version"), "unsupported fleet file version")
            .hint_mut("this wharf reads `version: 1`");
    }
    // The order of the targets is the file's (serde's map keeps it, but the tree is the
    // authority on what the file says).
    let names = target_names(&tree);
    if names.is_empty() {
        diagnostics
            .error(spans.at("/targets"), "the fleet has no targets")
            .hint_mut("list at least one target: a name with `accountId` and `region`");
    }
    let mut targets = Vec::new();
    for (index, name) in names.iter().enumerate() {
        let Some(settings) = file.targets.get(name) else {
            continue;
        };
        if let Some(target) = resolve(
            index,
            name,
            &file.defaults,
            settings,
            &spans,
            &mut diagnostics,
        ) {
            targets.push(target);
        }
    }
    warn_shared_places(&targets, &mut diagnostics);
    let all = diagnostics.into_sorted();
    if all.iter().any(Diagnostic::is_error) {
        return Err(all);
    }
    Ok(Fleet {
        file_name: file_name.to_string(),
        sources,
        digest: digest(text),
        targets,
        targets_span: spans.key("/targets"),
        warnings: all,
    })
}

/// `sha256:` over a fleet file's text.
pub fn digest(text: &str) -> String {
    let hash = Sha256::digest(text.as_bytes());
    let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

fn target_names(tree: &Node) -> Vec<String> {
    let NodeValue::Map(entries) = &tree.value else {
        return Vec::new();
    };
    entries
        .iter()
        .find(|(key, _)| key.as_str() == Some("targets"))
        .and_then(|(_, targets)| match &targets.value {
            NodeValue::Map(entries) => Some(entries.iter().map(|(k, _)| k.key_text()).collect()),
            _ => None,
        })
        .unwrap_or_default()
}

/// A target name: it names report files, CI matrix jobs and session names.
fn valid_target_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && name.len() <= 64
}

/// `eu-west-1`, `us-gov-west-1`, `cn-north-1`, `ap-southeast-5`.
pub fn valid_region(region: &str) -> bool {
    let parts: Vec<&str> = region.split('-').collect();
    parts.len() >= 3
        && parts[0].len() == 2
        && parts[0].chars().all(|c| c.is_ascii_lowercase())
        && parts[1..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()))
        && parts[parts.len() - 1].chars().all(|c| c.is_ascii_digit())
        && !parts[parts.len() - 1].is_empty()
}

/// An IAM role ARN: `arn:PARTITION:iam::ACCOUNT:role/PATH/NAME`.
fn valid_role_arn(arn: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    parts.len() == 6
        && parts[0] == "arn"
        && parts[1].starts_with("aws")
        && parts[2] == "iam"
        && parts[3].is_empty()
        && parts[4].len() == 12
        && parts[4].chars().all(|c| c.is_ascii_digit())
        && parts[5]
            .strip_prefix("role/")
            .is_some_and(|n| !n.is_empty())
}

/// The account an IAM role ARN is in.
pub fn role_account(arn: &str) -> Option<&str> {
    arn.split(':').nth(4).filter(|a| a.len() == 12)
}

/// AssumeRole's own limits on an external id and a session name (STS API Reference,
/// AssumeRole: ExternalId 2–1224 characters of `[\w+=,.@:/-]`, RoleSessionName 2–64 of
/// `[\w+=,.@-]`).
fn valid_sts_text(text: &str, max: usize, extra: &str) -> bool {
    (2..=max).contains(&text.chars().count())
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c) || extra.contains(c))
}

/// One setting of a target, from the target or else from `defaults`, with its place.
struct Setting<'a, T> {
    value: Option<&'a T>,
    span: Span,
}

fn setting<'a, T>(
    own: Option<&'a T>,
    inherited: Option<&'a T>,
    spans: &SpanIndex,
    name: &str,
    member: &str,
) -> Setting<'a, T> {
    match (own, inherited) {
        (Some(value), _) => Setting {
            value: Some(value),
            span: spans.at(&pointer(&["targets", name, member])),
        },
        (None, Some(value)) => Setting {
            value: Some(value),
            span: spans.at(&pointer(&["defaults", member])),
        },
        (None, None) => Setting {
            value: None,
            span: spans.key(&pointer(&["targets", name])),
        },
    }
}

fn resolve(
    index: usize,
    name: &str,
    defaults: &TargetSettings,
    own: &TargetSettings,
    spans: &SpanIndex,
    diagnostics: &mut Diagnostics,
) -> Option<Target> {
    let name_span = spans.key(&pointer(&["targets", name]));
    let errors_before = diagnostics.iter().filter(|d| d.is_error()).count();
    if !valid_target_name(name) {
        diagnostics
            .error(name_span, format!("`{name}` is not a usable target name"))
            .hint_mut(
                "start with a letter or digit; then letters, digits, `-`, `_` and `.` (at most 64): the name labels reports, CI jobs and role sessions",
            );
    }
    let account = setting(
        own.account_id.as_ref(),
        defaults.account_id.as_ref(),
        spans,
        name,
        "accountId",
    );
    let region = setting(
        own.region.as_ref(),
        defaults.region.as_ref(),
        spans,
        name,
        "region",
    );
    let account_id = match account.value {
        Some(id) if id.len() == 12 && id.chars().all(|c| c.is_ascii_digit()) => id.clone(),
        Some(id) => {
            diagnostics
                .error(account.span, format!("`{id}` is not an AWS account id"))
                .hint_mut("an account id is 12 digits, quoted: accountId: \"111122223333\"");
            String::new()
        }
        None => {
            diagnostics
                .error(account.span, format!("target `{name}` has no accountId"))
                .hint_mut("every target names the account it is for: accountId: \"111122223333\"");
            String::new()
        }
    };
    let region_name = match region.value {
        Some(r) if valid_region(r) => r.clone(),
        Some(r) => {
            diagnostics
                .error(region.span, format!("`{r}` is not an AWS region"))
                .hint_mut("a region looks like eu-west-1 or us-east-1");
            String::new()
        }
        None => {
            diagnostics
                .error(region.span, format!("target `{name}` has no region"))
                .hint_mut("give the target (or defaults) a region: region: eu-west-1");
            String::new()
        }
    };
    let mut context = BTreeMap::new();
    context.insert("accountId", account_id.as_str());
    context.insert("region", region_name.as_str());
    context.insert("name", name);
    let mut text = |member: &str, own: Option<&String>, inherited: Option<&String>| {
        let found = setting(own, inherited, spans, name, member);
        let value = found.value?;
        match substitute(value, &context) {
            Ok(result) => Some((result, found.span)),
            Err(unknown) => {
                diagnostics
                    .error(found.span, format!("`${{{unknown}}}` is not known here"))
                    .hint_mut("the fleet file knows ${accountId}, ${region} and ${name} (the target's); write $${ for a literal ${");
                None
            }
        }
    };
    let role = text("roleArn", own.role_arn.as_ref(), defaults.role_arn.as_ref());
    let external_id = text(
        "externalId",
        own.external_id.as_ref(),
        defaults.external_id.as_ref(),
    );
    let session_name = text(
        "sessionName",
        own.session_name.as_ref(),
        defaults.session_name.as_ref(),
    );
    if let Some((arn, span)) = &role
        && !valid_role_arn(arn)
    {
        diagnostics
            .error(*span, format!("`{arn}` is not an IAM role ARN"))
            .hint_mut("a role ARN looks like arn:aws:iam::111122223333:role/wharf-deploy");
    }
    if let Some((id, span)) = &external_id
        && !valid_sts_text(id, 1224, ":/")
    {
        diagnostics
            .error(
                *span,
                "an external id is 2 to 1224 characters: letters, digits and _+=,.@:/-",
            )
            .hint_mut("the value the role's trust policy expects in its sts:ExternalId condition");
    }
    if let Some((session, span)) = &session_name
        && !valid_sts_text(session, 64, "")
    {
        diagnostics
            .error(
                *span,
                "a role session name is 2 to 64 characters: letters, digits and _+=,.@-",
            )
            .hint_mut(
                "it shows in CloudTrail as who made each call; leave it out for wharf-TARGET",
            );
    }
    if external_id.is_some() && role.is_none() {
        diagnostics
            .error(
                external_id.as_ref().map_or(name_span, |(_, s)| *s),
                format!("target `{name}` has an externalId but no roleArn to assume"),
            )
            .hint_mut("an external id goes with the role it is for: add roleArn");
    }
    let manifests = setting(
        own.manifests.as_ref(),
        defaults.manifests.as_ref(),
        spans,
        name,
        "manifests",
    );
    let (manifest_paths, manifest_spans) = match manifests.value {
        Some(list) if !list.is_empty() => {
            let from = if own.manifests.is_some() {
                pointer(&["targets", name, "manifests"])
            } else {
                pointer(&["defaults", "manifests"])
            };
            let spans: Vec<Span> = (0..list.len())
                .map(|i| spans.at(&format!("{from}/{i}")))
                .collect();
            (list.clone(), spans)
        }
        Some(_) => {
            diagnostics
                .error(manifests.span, "the manifest list is empty")
                .hint_mut("list the manifest files, base first: manifests: [base.yaml, prod.yaml]");
            (Vec::new(), Vec::new())
        }
        None => {
            diagnostics
                .error(manifests.span, format!("target `{name}` has no manifests"))
                .hint_mut(
                    "give the target (or defaults) its manifest files: manifests: [wharf.yaml]",
                );
            (Vec::new(), Vec::new())
        }
    };
    let mut vars: BTreeMap<String, String> = defaults
        .vars
        .iter()
        .map(|(k, v)| (k.clone(), v.text()))
        .collect();
    vars.extend(own.vars.iter().map(|(k, v)| (k.clone(), v.text())));
    let errors_after = diagnostics.iter().filter(|d| d.is_error()).count();
    if errors_after > errors_before {
        return None;
    }
    Some(Target {
        name: name.to_string(),
        index,
        account_id,
        region: region_name,
        role_arn: role.as_ref().map(|(arn, _)| arn.clone()),
        external_id: external_id.map(|(id, _)| id),
        session_name: session_name.map(|(s, _)| s),
        manifests: manifest_paths,
        vars,
        spans: TargetSpans {
            name: name_span,
            account_id: account.span,
            region: region.span,
            role_arn: role.map_or(name_span, |(_, span)| span),
            manifests: manifest_spans,
        },
    })
}

/// `${accountId}`, `${region}` and `${name}`; `$${` is a literal `${`. Err names the
/// first unknown variable.
fn substitute(text: &str, context: &BTreeMap<&str, &str>) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at..];
        if let Some(tail) = after.strip_prefix("$${") {
            out.push_str("${");
            rest = tail;
        } else if let Some(tail) = after.strip_prefix("${") {
            let Some(end) = tail.find('}') else {
                return Err(tail.to_string());
            };
            let name = &tail[..end];
            match context.get(name) {
                Some(value) => out.push_str(value),
                None => return Err(name.to_string()),
            }
            rest = &tail[end + 1..];
        } else {
            out.push('$');
            rest = &after[1..];
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// Two targets on one account and region plan against the same resources: when their
/// manifests share a stack, each apply undoes the other's.
fn warn_shared_places(targets: &[Target], diagnostics: &mut Diagnostics) {
    let mut seen: BTreeMap<(&str, &str), &Target> = BTreeMap::new();
    for target in targets {
        let place = (target.account_id.as_str(), target.region.as_str());
        if let Some(first) = seen.get(&place) {
            diagnostics
                .warning(
                    target.spans.name,
                    format!(
                        "targets `{}` and `{}` are both account {} in {}",
                        first.name, target.name, target.account_id, target.region
                    ),
                )
                .hint_mut("if their manifests share a stack, each apply undoes the other's; give them different stacks, or merge them into one target");
        } else {
            seen.insert(place, target);
        }
    }
}

#[cfg(test)]
mod tests;
