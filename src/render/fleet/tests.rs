use super::*;
use crate::fleet::report::{ApplyOutcome, FailedChange, FleetInfo, Shard, TargetError};
use crate::plan::{Change, ChangeAction, ChangeReason, FieldChange, Plan};
use serde_json::json;

fn plan(changes: usize) -> Plan {
    let changes = (0..changes)
        .map(|i| Change {
            address: format!("ecr.repository.shop/repo-{i:04}"),
            action: ChangeAction::Update,
            reason: "imageTagMutability differs".to_string(),
            reason_code: ChangeReason::UpdateBecauseDrifted,
            fields: vec![FieldChange::new(
                "imageTagMutability",
                json!("MUTABLE"),
                json!("IMMUTABLE"),
            )],
            destroys: None,
            preview: None,
            operations: Vec::new(),
        })
        .collect();
    Plan::new("shop", changes, Vec::new())
}

fn target(name: &str, index: usize, status: Status, changes: Option<usize>) -> TargetReport {
    TargetReport {
        name: name.to_string(),
        index,
        account_id: format!("{:012}", 111_111_111_111u64 * (index as u64 % 9 + 1)),
        region: "eu-west-1".to_string(),
        role_arn: None,
        status,
        stack: Some("shop".to_string()),
        plan: changes.map(plan),
        error: None,
        apply: None,
        after: Vec::new(),
        saved: None,
    }
}

fn report(command: FleetCommand, targets: Vec<TargetReport>) -> FleetReport {
    FleetReport::new(
        command,
        FleetInfo {
            file: "fleet.yaml".to_string(),
            digest: "sha256:0".to_string(),
            selected: targets.len(),
        },
        None,
        targets,
    )
}

fn mixed() -> FleetReport {
    let mut failed = target("staging-us", 1, Status::Error, None);
    failed.error = Some(TargetError {
        message:
            "cannot assume arn:aws:iam::222222222222:role/wharf-deploy: AssumeRole: AccessDenied"
                .to_string(),
        location: Some("fleet.yaml:4:12".to_string()),
        hint: Some("the role must exist".to_string()),
        details: None,
    });
    report(
        FleetCommand::Drift,
        vec![
            target("prod-eu", 0, Status::Drift, Some(1)),
            failed,
            target("dev-eu", 2, Status::Clean, Some(0)),
        ],
    )
}

const PLAIN: Style = Style { color: false };

#[test]
fn text_per_target_then_a_summary_table() {
    insta::assert_snapshot!(render_fleet(&mixed(), Format::Text, &PLAIN));
}

#[test]
fn markdown_sections_for_what_needs_attention_then_the_table() {
    insta::assert_snapshot!(render_fleet(&mixed(), Format::Markdown, &PLAIN));
}

#[test]
fn json_is_the_report_value() {
    let text = render_fleet(&mixed(), Format::Json, &PLAIN);
    let back: FleetReport = serde_json::from_str(&text).expect("reads back");
    assert_eq!(back, mixed());
}

#[test]
fn an_apply_report_shows_outcomes_not_plans_again() {
    let mut applied = target("prod-eu", 0, Status::Failed, Some(2));
    applied.apply = Some(ApplyOutcome {
        applied: 1,
        failed: vec![FailedChange {
            address: "ecr.repository.shop/repo-0001".to_string(),
            error: "PutImageTagMutability: AccessDenied".to_string(),
        }],
        not_attempted: 0,
        interrupted: false,
    });
    let mut out = report(
        FleetCommand::Apply,
        vec![applied, target("dev-eu", 1, Status::Skipped, Some(1))],
    );
    out.shard = Some(Shard { index: 1, count: 2 });
    let text = render_fleet(&out, Format::Text, &PLAIN);
    assert!(
        text.contains("applied 1, failed 1, not attempted 0"),
        "{text}"
    );
    assert!(
        text.contains("failed: ecr.repository.shop/repo-0001: PutImageTagMutability: AccessDenied")
    );
    assert!(!text.contains("imageTagMutability: \"MUTABLE\""), "{text}");
    assert!(text.contains("shard 1/2"));
}

#[test]
fn a_huge_fleet_comment_stays_within_the_bound_and_keeps_every_row() {
    let targets: Vec<TargetReport> = (0..40)
        .map(|i| target(&format!("target-{i:02}"), i, Status::Changes, Some(200)))
        .collect();
    let out = report(FleetCommand::Plan, targets);
    let comment = markdown_report(&out, markdown::DEFAULT_LIMIT);
    assert!(
        comment.chars().count() <= markdown::DEFAULT_LIMIT,
        "{} characters",
        comment.chars().count()
    );
    for i in 0..40 {
        assert!(comment.contains(&format!("| `target-{i:02}` |")), "row {i}");
    }
    // Every target got a share: the first is not allowed to crowd out the last.
    assert!(
        comment.contains("<b>target-39</b>"),
        "the last target has its section"
    );
    assert!(
        comment.contains("_Cut to fit a comment"),
        "sections are cut, and say so"
    );
}
