//! The lint report as SARIF 2.1.0, for GitHub code scanning: one run whose driver lists
//! every rule (with help, `security-severity` and tags) and whose results point at the
//! manifest by a URI relative to the working directory (the repository root in CI).
//! Suppressed findings are results with a `suppressions` entry carrying the reason. PURE.

use super::rules::{RULES, Rule};
use super::{Finding, Report, Severity, Source};
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use serde_json::{Value, json};
use std::path::{Component, Path};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// Characters a URI path segment cannot hold as they are.
const PATH: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}');

/// GitHub's scale: critical above 9.0, high 7.0 to 8.9, medium 4.0 to 6.9, low below.
fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
    }
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low => "note",
    }
}

fn rule(rule: &Rule) -> Value {
    let mut tags = vec!["security".to_string(), kind_tag(rule).to_string()];
    tags.extend(
        rule.security_hub
            .iter()
            .map(|c| format!("security-hub/{c}")),
    );
    tags.extend(rule.checkov.iter().map(|c| format!("checkov/{c}")));
    let controls = rule.controls();
    let mut value = json!({
        "id": rule.id,
        "name": rule.name,
        "shortDescription": { "text": rule.title },
        "fullDescription": { "text": rule.help },
        "help": {
            "text": format!("{}\n\nMatching controls: {controls}.", rule.help),
            "markdown": format!("{}\n\n**Matching controls:** {controls}.", rule.help),
        },
        "defaultConfiguration": { "level": level(rule.severity) },
        "properties": {
            "security-severity": security_severity(rule.severity),
            "tags": tags,
            "precision": "very-high",
        },
    });
    if let Some(uri) = rule.help_uri() {
        value["helpUri"] = json!(uri);
    }
    value
}

fn kind_tag(rule: &Rule) -> &'static str {
    match rule.id.split('-').nth(1) {
        Some("ECR") => "ecr",
        Some("ECS") => "ecs",
        _ => "iam",
    }
}

fn result(f: &Finding, report: &Report, uri: &dyn Fn(&str) -> String) -> Value {
    let index = RULES
        .iter()
        .position(|r| r.id == f.rule.id)
        .expect("every finding's rule is listed");
    // A resource the manifest does not declare has no line: the result sits at the top
    // of the manifest, whose stack owns it.
    let region = match &f.location {
        Some(l) => json!({
            "startLine": l.line,
            "startColumn": l.column,
            "endLine": l.end_line,
            "endColumn": l.end_column.max(if l.end_line == l.line { l.column + 1 } else { 1 }),
        }),
        None => json!({ "startLine": 1 }),
    };
    let mut value = json!({
        "ruleId": f.rule.id,
        "ruleIndex": index,
        "level": level(f.rule.severity),
        "message": { "text": format!("{} Hint: {}.", sentence(&f.message), f.hint) },
        "locations": [{
            "physicalLocation": {
                "artifactLocation": { "uri": uri(f.location.as_ref().map_or(report.first_file.as_str(), |l| l.file.as_str())) },
                "region": region,
            },
            "logicalLocations": [{ "fullyQualifiedName": f.address, "kind": "resource" }],
        }],
        "partialFingerprints": {
            "wharfFinding/v1": format!("{}|{}|{}|{}", f.rule.id, f.address, f.subject, source(f.source)),
        },
        "properties": {
            "source": source(f.source),
            "severity": f.rule.severity.as_str(),
        },
    });
    if let Some(reason) = &f.suppressed {
        value["suppressions"] =
            json!([{ "kind": "inSource", "status": "accepted", "justification": reason }]);
    }
    value
}

fn source(source: Source) -> &'static str {
    match source {
        Source::Manifest => "manifest",
        Source::Live => "live",
    }
}

/// A message as one sentence: capitalized, ending in a full stop.
fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    let mut out: String = match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    };
    if !out.ends_with('.') {
        out.push('.');
    }
    out
}

/// Renders the report; `uri` turns a manifest file name into its URI (see `artifact_uri`).
pub fn render(report: &Report, uri: &dyn Fn(&str) -> String) -> String {
    let document = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "wharf",
                    "version": env!("CARGO_PKG_VERSION"),
                    "rules": RULES.iter().map(|r| rule(r)).collect::<Vec<_>>(),
                }
            },
            "columnKind": "unicodeCodePoints",
            "results": report.findings.iter().map(|f| result(f, report, uri)).collect::<Vec<_>>(),
            "properties": { "stack": report.stack, "failOn": report.fail_on.as_str(), "live": report.live },
        }]
    });
    let mut text = serde_json::to_string_pretty(&document).expect("SARIF serializes");
    text.push('\n');
    text
}

/// The manifest's URI as code scanning wants it: relative to `cwd` (the repository root
/// when run from it), with `/` separators and percent-encoded; a file outside `cwd` gets
/// an absolute `file://` URI.
pub fn artifact_uri(path: &Path, cwd: &Path) -> String {
    let relative = if path.is_absolute() {
        match path.strip_prefix(cwd) {
            Ok(inside) => inside.to_path_buf(),
            Err(_) => return format!("file://{}", encode(path)),
        }
    } else {
        path.to_path_buf()
    };
    encode(&relative)
}

fn encode(path: &Path) -> String {
    let mut segments = Vec::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::RootDir => segments.push(String::new()),
            Component::Prefix(prefix) => {
                segments.push(prefix.as_os_str().to_string_lossy().replace('\\', "/"))
            }
            Component::ParentDir => segments.push("..".to_string()),
            Component::Normal(part) => {
                segments.push(utf8_percent_encode(&part.to_string_lossy(), PATH).to_string())
            }
        }
    }
    match segments.as_slice() {
        [root] if root.is_empty() => "/".to_string(),
        _ => segments.join("/"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_relative_to_the_working_directory() {
        let cwd = Path::new("/repo");
        assert_eq!(artifact_uri(Path::new("wharf.yaml"), cwd), "wharf.yaml");
        assert_eq!(
            artifact_uri(Path::new("./deploy/wharf.yaml"), cwd),
            "deploy/wharf.yaml"
        );
        assert_eq!(
            artifact_uri(Path::new("/repo/deploy/my stack.yaml"), cwd),
            "deploy/my%20stack.yaml"
        );
        assert_eq!(
            artifact_uri(Path::new("/elsewhere/w.yaml"), cwd),
            "file:///elsewhere/w.yaml"
        );
        assert_eq!(
            artifact_uri(Path::new("../other/w.yaml"), cwd),
            "../other/w.yaml"
        );
    }

    #[test]
    fn severities_map_to_levels_and_github_scores() {
        assert_eq!(level(Severity::Critical), "error");
        assert_eq!(level(Severity::Medium), "warning");
        assert_eq!(level(Severity::Low), "note");
        for (severity, low, high) in [
            (Severity::Critical, 9.0, 10.0),
            (Severity::High, 7.0, 8.9),
            (Severity::Medium, 4.0, 6.9),
            (Severity::Low, 0.1, 3.9),
        ] {
            let score: f64 = security_severity(severity).parse().unwrap();
            assert!((low..=high).contains(&score), "{severity:?}");
        }
    }

    #[test]
    fn messages_read_as_sentences() {
        assert_eq!(
            sentence("repository `a` is open"),
            "Repository `a` is open."
        );
        assert_eq!(sentence("In AWS, it is."), "In AWS, it is.");
    }
}
