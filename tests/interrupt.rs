//! Interrupting apply: SIGINT (or SIGTERM) lets the calls in flight finish, starts no
//! new one, reports what was done and what was not, and exits 130; a re-run converges.
//! A `kill -9` mid-apply followed by a re-run converges too, with no duplicate
//! task-definition revision. Calls go through the fault proxy with added latency, so the
//! signal lands while work is still in progress.

mod common;

use common::proxy::{FaultProxy, Faults};
use common::{Moto, yaml};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

fn manifest(repositories: usize) -> String {
    let mut text = String::from(
        "
        version: 1
        stack: shop
        repositories:
        ",
    );
    for i in 0..repositories {
        text.push_str(&format!(
            "
          shop/app-{i:02}:
            lifecycle: [ {{ untagged: true, expireAfterDays: 14 }} ]
            tags: {{ app: app-{i:02} }}
            "
        ));
    }
    yaml(&text)
}

fn signal(child: &Child, name: &str) {
    let status = Command::new("kill")
        .args([format!("-{name}"), child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
}

/// Reads stdout lines until one satisfies `until`; returns everything read.
fn read_until(
    child: &mut Child,
    until: impl Fn(&str) -> bool,
) -> (String, BufReader<std::process::ChildStdout>) {
    let mut reader = BufReader::new(child.stdout.take().expect("stdout"));
    let mut seen = String::new();
    let mut line = String::new();
    while reader.read_line(&mut line).expect("read") > 0 {
        seen.push_str(&line);
        if until(&line) {
            break;
        }
        line.clear();
    }
    (seen, reader)
}

#[test]
fn sigint_finishes_calls_in_flight_starts_none_and_exits_130() {
    for signal_name in ["INT", "TERM"] {
        let moto = Moto::start();
        moto.manifest(&manifest(24));
        let proxy = FaultProxy::start(
            &moto.endpoint,
            Faults {
                latency: Duration::from_millis(250),
                ..Faults::default()
            },
            5,
        );
        let mut child = moto.spawn(&proxy.endpoint, &["apply", "--auto-approve"]);
        let (mut out, mut rest) = read_until(&mut child, |line| line.starts_with("✓"));
        assert!(out.contains("✓"), "{out}");
        signal(&child, signal_name);
        let sent_at = proxy.total_requests();
        let mut tail = String::new();
        std::io::Read::read_to_string(&mut rest, &mut tail).unwrap();
        out.push_str(&tail);
        let status = child.wait().expect("exits");
        let mut stderr = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
        assert_eq!(
            status.code(),
            Some(130),
            "SIG{signal_name}\n{out}\n{stderr}"
        );
        assert!(out.contains("Apply interrupted"), "{out}");
        assert!(out.contains("not attempted"), "some work was left: {out}");
        assert!(stderr.contains("finishing the calls in flight"), "{stderr}");
        // At most the calls already in flight (8 at once) went out after the signal.
        let after = proxy.total_requests() - sent_at;
        assert!(after <= 8, "{after} calls after SIG{signal_name}");
        // A re-run finishes the job and converges.
        moto.apply(&[]);
        moto.assert_converged();
    }
}

#[test]
fn kill_9_mid_apply_then_rerun_converges_without_a_duplicate_revision() {
    let moto = Moto::start();
    let (subnet, security_group) = moto.default_network();
    moto.manifest(&yaml(&format!(
        "
        version: 1
        stack: shop
        repositories:
          shop/web: {{}}
        iam:
          roles:
            task-execution:
              assumedBy: [ecs-tasks.amazonaws.com]
              pullFrom: [shop/web]
        ecs:
          clusters:
            shop: {{}}
          taskDefinitions:
            web:
              cpu: \"256\"
              memory: \"512\"
              networkMode: awsvpc
              requiresCompatibilities: [FARGATE]
              executionRole: task-execution
              containerDefinitions:
                - name: web
                  image: {{ repository: shop/web, tag: v1 }}
          services:
            web:
              cluster: shop
              taskDefinition: web
              desiredCount: 1
              launchType: FARGATE
              networkConfiguration:
                awsvpcConfiguration: {{ subnets: [{subnet}], securityGroups: [{security_group}] }}
        "
    )));
    // CreateService never answers: wharf is killed right after registering the revision.
    let proxy = FaultProxy::start(
        &moto.endpoint,
        Faults {
            hang_operations: vec!["CreateService".into()],
            ..Faults::default()
        },
        9,
    );
    let mut child = moto.spawn(&proxy.endpoint, &["apply", "--auto-approve"]);
    let deadline = Instant::now() + Duration::from_secs(60);
    while !proxy.requests().contains_key("CreateService") {
        assert!(Instant::now() < deadline, "{:?}", proxy.requests());
        std::thread::sleep(Duration::from_millis(20));
    }
    signal(&child, "KILL");
    let status = child.wait().expect("exits");
    assert_eq!(status.code(), None, "killed by a signal");
    assert_eq!(proxy.requests().get("RegisterTaskDefinition"), Some(&1));

    // The re-run, straight to the emulator, converges and registers nothing new.
    moto.apply(&[]);
    moto.assert_converged();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let revisions = runtime
        .block_on(async {
            moto.ecs()
                .await
                .list_task_definitions()
                .family_prefix("web")
                .send()
                .await
        })
        .unwrap();
    assert_eq!(
        revisions.task_definition_arns().len(),
        1,
        "{:?}",
        revisions.task_definition_arns()
    );
}
