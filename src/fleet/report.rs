//! The merged fleet report, PURE: per target (in the fleet file's order) what its run
//! found — a plan, drift, an apply's outcome or an error located in the fleet file — and
//! a summary; the exit code the whole run has; and merging the JSON reports of shards
//! into the report one unsharded run would have written. A saved fleet plan is this
//! report with, per target, what `apply PLANFILE` needs (`saved`).

use crate::plan::saved::SavedContext;
use crate::plan::{Plan, Summary};
use serde::{Deserialize, Serialize};

/// The report's own format; a report of another is refused by `fleet report`.
pub const REPORT_FORMAT_VERSION: u32 = 1;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FleetCommand {
    Validate,
    Plan,
    Drift,
    Apply,
}

impl FleetCommand {
    pub fn name(self) -> &'static str {
        match self {
            Self::Validate => "validate",
            Self::Plan => "plan",
            Self::Drift => "drift",
            Self::Apply => "apply",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FleetReport {
    pub format_version: u32,
    pub command: FleetCommand,
    pub fleet: FleetInfo,
    /// Only on a shard's report: which part of the run it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<Shard>,
    pub targets: Vec<TargetReport>,
    /// Problems of the run that belong to no one target (a --target-name that matches none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<TargetError>,
    pub summary: FleetSummary,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FleetInfo {
    /// The fleet file, as named on the command line.
    pub file: String,
    /// `sha256:` of its text: the shards of one run share it.
    pub digest: String,
    /// How many targets the run selected (over all shards).
    pub selected: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Status {
    /// validate: the target's manifests load.
    Valid,
    /// plan, drift, apply: nothing to do.
    Clean,
    /// plan: changes to make.
    Changes,
    /// drift: AWS differs from the manifests.
    Drift,
    /// apply: every change applied.
    Applied,
    /// apply: a change failed (or was interrupted).
    Failed,
    /// apply: not started (an earlier wave failed with --stop-on-failure, or an interruption).
    Skipped,
    /// The target could not be read or planned (or its plan was refused).
    Error,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Self::Valid => "valid",
            Self::Clean => "clean",
            Self::Changes => "changes",
            Self::Drift => "drift",
            Self::Applied => "applied",
            Self::Failed => "failed",
            Self::Skipped => "skipped",
            Self::Error => "error",
        }
    }

    pub fn is_failure(self) -> bool {
        matches!(self, Self::Failed | Self::Skipped | Self::Error)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TargetReport {
    pub name: String,
    /// Position in the fleet file: the report's order.
    pub index: usize,
    pub account_id: String,
    pub region: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<String>,
    pub status: Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stack: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<Plan>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<TargetError>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apply: Option<ApplyOutcome>,
    /// Targets this one is applied after: the ones that plan an account-wide resource
    /// (an IAM role, an ECR Public repository) it declares too.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub after: Vec<String>,
    /// Saved fleet plans only: what applying exactly this plan needs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub saved: Option<SavedTarget>,
}

impl TargetReport {
    pub fn failed(&self, status: Status, error: TargetError) -> Self {
        Self {
            status,
            error: Some(error),
            ..self.clone()
        }
    }
}

/// What went wrong with a target, where the fleet file says so.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TargetError {
    pub message: String,
    /// `fleet.yaml:12:5`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    /// More lines (e.g. the manifest's own diagnostics), plain text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
}

/// What an apply of one target did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplyOutcome {
    pub applied: usize,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failed: Vec<FailedChange>,
    pub not_attempted: usize,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub interrupted: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailedChange {
    pub address: String,
    pub error: String,
}

/// How to reach the target again, and the saved plan's context (see `plan::saved`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SavedTarget {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    pub session_name: String,
    pub context: SavedContext,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FleetSummary {
    pub targets: usize,
    /// Targets by status name (only the statuses that occur).
    pub statuses: std::collections::BTreeMap<String, usize>,
    /// The changes of every target's plan, added up.
    pub changes: Summary,
}

impl FleetSummary {
    pub fn of(targets: &[TargetReport]) -> Self {
        let mut summary = Self {
            targets: targets.len(),
            ..Self::default()
        };
        for target in targets {
            *summary
                .statuses
                .entry(target.status.name().to_string())
                .or_default() += 1;
            if let Some(plan) = &target.plan {
                summary.changes.create += plan.summary.create;
                summary.changes.update += plan.summary.update;
                summary.changes.replace += plan.summary.replace;
                summary.changes.delete += plan.summary.delete;
            }
        }
        summary
    }

    pub fn count(&self, status: Status) -> usize {
        self.statuses.get(status.name()).copied().unwrap_or(0)
    }
}

impl FleetReport {
    pub fn new(
        command: FleetCommand,
        fleet: FleetInfo,
        shard: Option<Shard>,
        mut targets: Vec<TargetReport>,
    ) -> Self {
        targets.sort_by_key(|t| t.index);
        let summary = FleetSummary::of(&targets);
        Self {
            format_version: REPORT_FORMAT_VERSION,
            command,
            fleet,
            shard,
            targets,
            errors: Vec::new(),
            summary,
        }
    }

    /// The run's exit code: 1 when any target failed; else 2 when any drifted (or, with
    /// `detailed`, has changes); else 0.
    pub fn exit_code(&self, detailed: bool) -> i32 {
        if self.any_failure() {
            1
        } else if self
            .targets
            .iter()
            .any(|t| t.status == Status::Drift || (detailed && t.status == Status::Changes))
        {
            2
        } else {
            0
        }
    }

    pub fn any_failure(&self) -> bool {
        !self.errors.is_empty() || self.targets.iter().any(|t| t.status.is_failure())
    }
}

/// Merges reports (the shards of one run) into the report of the whole run. Refused, with
/// every reason: reports of different commands or fleet files, of different shard counts,
/// a shard missing or given twice, a target in two reports.
pub fn merge(reports: Vec<(String, FleetReport)>) -> Result<FleetReport, Vec<String>> {
    let mut problems = Vec::new();
    let Some((first_name, first)) = reports.first() else {
        return Err(vec!["no report to merge".to_string()]);
    };
    for (name, report) in &reports {
        if report.format_version != REPORT_FORMAT_VERSION {
            problems.push(format!(
                "{name} is a report of format {}; this wharf reads format {REPORT_FORMAT_VERSION}",
                report.format_version
            ));
        }
        if report.command != first.command {
            problems.push(format!(
                "{name} reports a fleet {} but {first_name} a fleet {}",
                report.command.name(),
                first.command.name()
            ));
        }
        if report.fleet.digest != first.fleet.digest {
            problems.push(format!(
                "{name} was made from another fleet file than {first_name} (or the file changed between shards)"
            ));
        }
    }
    let shards: Vec<(&String, Option<Shard>)> = reports.iter().map(|(n, r)| (n, r.shard)).collect();
    let count = first.shard.map(|s| s.count);
    match count {
        None if reports.len() > 1 => problems.push(format!(
            "{first_name} is the report of a whole run, not a shard; there is nothing to merge it with"
        )),
        None => {}
        Some(count) => {
            let mut seen = vec![Vec::new(); count as usize];
            for (name, shard) in &shards {
                match shard {
                    Some(s) if s.count == count && (1..=count).contains(&s.index) => {
                        seen[s.index as usize - 1].push(name.as_str())
                    }
                    Some(s) => problems.push(format!(
                        "{name} is shard {}/{} but {first_name} is one of {count}",
                        s.index, s.count
                    )),
                    None => problems.push(format!(
                        "{name} is the report of a whole run, not a shard"
                    )),
                }
            }
            for (i, names) in seen.iter().enumerate() {
                match names.len() {
                    0 => problems.push(format!("shard {}/{count} is missing", i + 1)),
                    1 => {}
                    _ => problems.push(format!(
                        "shard {}/{count} is given more than once ({})",
                        i + 1,
                        names.join(", ")
                    )),
                }
            }
        }
    }
    let mut targets: Vec<TargetReport> = Vec::new();
    for (name, report) in &reports {
        for target in &report.targets {
            if targets.iter().any(|t| t.name == target.name) {
                problems.push(format!(
                    "target `{}` is in more than one report ({name} among them)",
                    target.name
                ));
            } else {
                targets.push(target.clone());
            }
        }
    }
    if problems.is_empty() && targets.len() != first.fleet.selected {
        problems.push(format!(
            "the reports cover {} targets but the run selected {}",
            targets.len(),
            first.fleet.selected
        ));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut merged = FleetReport::new(first.command, first.fleet.clone(), None, targets);
    // Every shard saw the same selection problems: kept once.
    for (_, report) in &reports {
        for error in &report.errors {
            if !merged.errors.contains(error) {
                merged.errors.push(error.clone());
            }
        }
    }
    Ok(merged)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(name: &str, index: usize, status: Status) -> TargetReport {
        TargetReport {
            name: name.to_string(),
            index,
            account_id: "111111111111".to_string(),
            region: "eu-west-1".to_string(),
            role_arn: None,
            status,
            stack: Some("shop".to_string()),
            plan: None,
            error: None,
            apply: None,
            after: Vec::new(),
            saved: None,
        }
    }

    fn report(
        shard: Option<(u32, u32)>,
        targets: Vec<TargetReport>,
        selected: usize,
    ) -> FleetReport {
        FleetReport::new(
            FleetCommand::Drift,
            FleetInfo {
                file: "fleet.yaml".to_string(),
                digest: "sha256:x".to_string(),
                selected,
            },
            shard.map(|(index, count)| Shard { index, count }),
            targets,
        )
    }

    #[test]
    fn shards_merge_into_the_whole_run() {
        let whole = report(
            None,
            vec![
                target("a", 0, Status::Clean),
                target("b", 1, Status::Drift),
                target("c", 2, Status::Clean),
            ],
            3,
        );
        let one = report(
            Some((1, 2)),
            vec![target("a", 0, Status::Clean), target("c", 2, Status::Clean)],
            3,
        );
        let two = report(Some((2, 2)), vec![target("b", 1, Status::Drift)], 3);
        let merged = merge(vec![("2.json".into(), two), ("1.json".into(), one)]).unwrap();
        assert_eq!(merged, whole);
        assert_eq!(merged.exit_code(false), 2);
    }

    #[test]
    fn a_missing_or_doubled_shard_is_refused() {
        let one = report(Some((1, 3)), vec![target("a", 0, Status::Clean)], 3);
        let problems = merge(vec![
            ("1.json".into(), one.clone()),
            ("1b.json".into(), one),
        ])
        .unwrap_err();
        assert!(
            problems
                .iter()
                .any(|p| p.contains("shard 1/3 is given more than once"))
        );
        assert!(problems.iter().any(|p| p.contains("shard 2/3 is missing")));
        assert!(problems.iter().any(|p| p.contains("shard 3/3 is missing")));
    }

    #[test]
    fn reports_of_other_fleets_or_commands_are_refused() {
        let one = report(Some((1, 2)), vec![target("a", 0, Status::Clean)], 2);
        let mut two = report(Some((2, 2)), vec![target("b", 1, Status::Clean)], 2);
        two.fleet.digest = "sha256:y".to_string();
        two.command = FleetCommand::Plan;
        let problems = merge(vec![("1.json".into(), one), ("2.json".into(), two)]).unwrap_err();
        assert!(problems.iter().any(|p| p.contains("another fleet file")));
        assert!(problems.iter().any(|p| p.contains("reports a fleet plan")));
    }

    #[test]
    fn exit_codes_are_aggregated() {
        let errors = report(
            None,
            vec![target("a", 0, Status::Drift), target("b", 1, Status::Error)],
            2,
        );
        assert_eq!(errors.exit_code(false), 1);
        let changes = report(None, vec![target("a", 0, Status::Changes)], 1);
        assert_eq!(changes.exit_code(false), 0);
        assert_eq!(changes.exit_code(true), 2);
        let clean = report(None, vec![target("a", 0, Status::Clean)], 1);
        assert_eq!(clean.exit_code(true), 0);
    }
}
