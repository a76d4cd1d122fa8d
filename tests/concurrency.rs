//! Two applies of the same stack at once corrupt nothing: each either completes or stops
//! with AWS's "already exists" for what the other created first, and the next apply
//! converges to exactly the manifest. A saved plan notices the other's changes.

mod common;

use common::{Moto, yaml};

fn manifest() -> String {
    let mut text = String::from("version: 1\nstack: shop\nrepositories:\n");
    for i in 0..16 {
        text.push_str(&format!(
            "  shop/app-{i:02}: {{ imageTagMutability: IMMUTABLE, lifecycle: [ {{ untagged: true, expireAfterDays: {} }} ], tags: {{ app: app-{i:02} }} }}\n",
            7 + i
        ));
    }
    text.push_str(
        "iam:\n  roles:\n    task-execution: { assumedBy: [ecs-tasks.amazonaws.com], pullFrom: [shop/app-00] }\n",
    );
    yaml(&text)
}

#[test]
fn two_applies_at_once_corrupt_nothing_and_the_next_converges() {
    let moto = Moto::start();
    moto.manifest(&manifest());
    let first = moto.spawn(&moto.endpoint, &["apply", "--auto-approve"]);
    let second = moto.spawn(&moto.endpoint, &["apply", "--auto-approve"]);
    for child in [first, second] {
        let out = child.wait_with_output().expect("exits");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!text.contains("panicked"), "{text}");
        match out.status.code() {
            Some(0) => {}
            Some(1) => assert!(
                text.contains("AlreadyExists") || text.contains("already exists"),
                "a failure names the race: {text}"
            ),
            other => panic!("exit {other:?}: {text}"),
        }
    }
    // Whatever each managed, one more apply brings everything to the manifest.
    moto.apply(&[]);
    moto.assert_converged();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_saved_plan_notices_what_another_apply_changed() {
    let moto = Moto::start();
    moto.manifest(&manifest());
    moto.apply(&[]);
    // Two people plan the same change; one applies first.
    moto.manifest(&manifest().replace("expireAfterDays: 7 ", "expireAfterDays: 70 "));
    moto.expect(&["plan", "--out", "mine.json"], 0);
    moto.manifest(&manifest().replace("expireAfterDays: 7 ", "expireAfterDays: 700 "));
    moto.apply(&[]);
    let (code, _, stderr) = moto.run(&["apply", "mine.json", "--auto-approve"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("plan is stale: ecr.repository.shop/app-00 lifecyclePolicy changed"),
        "{stderr}"
    );
}
