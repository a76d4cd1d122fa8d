//! wharf on a bad day: the real binary through a fault-injecting proxy in front of the
//! emulator (tests/common/proxy.rs). Throttling, 5xx answers and dropped connections are
//! retried with backoff and change nothing about the plan; retries are bounded; a call
//! that hangs times out with a clear message. Each test prints the attempts it saw
//! (run with --nocapture to read them).

mod common;

use common::proxy::{FaultProxy, Faults};
use common::{Moto, yaml};
use std::time::Duration;

fn manifest() -> String {
    let mut text = String::from(
        "
        version: 1
        stack: shop
        defaults:
          tags: { team: shop }
        repositories:
        ",
    );
    for i in 0..6 {
        text.push_str(&format!(
            "
          shop/app-{i}:
            imageTagMutability: IMMUTABLE
            lifecycle: [ {{ untagged: true, expireAfterDays: 14 }}, {{ tagPrefixes: [v], keepLast: 20 }} ]
            pull: {{ accounts: [\"111122223333\"] }}
            tags: {{ app: app-{i} }}
            "
        ));
    }
    text.push_str(
        "
        iam:
          roles:
            task-execution:
              assumedBy: [ecs-tasks.amazonaws.com]
              managedPolicies: [arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy]
              pullFrom: [shop/app-0]
        ecs:
          clusters:
            shop: {}
          taskDefinitions:
            web:
              cpu: \"256\"
              memory: \"512\"
              networkMode: awsvpc
              requiresCompatibilities: [FARGATE]
              executionRole: task-execution
              containerDefinitions:
                - name: web
                  image: { repository: shop/app-0, tag: v1 }
                  portMappings: [ { containerPort: 8080 } ]
        ",
    );
    yaml(&text)
}

/// wharf pointed at the proxy instead of the emulator.
fn through(proxy: &FaultProxy, moto: &Moto, args: &[&str]) -> (i32, String, String) {
    let out = moto
        .wharf()
        .env("AWS_ENDPOINT_URL", &proxy.endpoint)
        .args(args)
        .output()
        .expect("wharf runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn with_30_percent_throttled_the_plan_is_the_same_and_apply_converges() {
    let moto = Moto::start();
    moto.manifest(&manifest());
    let proxy = FaultProxy::start(
        &moto.endpoint,
        Faults {
            throttle_share: 0.3,
            ..Faults::default()
        },
        7,
    );
    let calm = moto.plan_json(&[]);
    let (code, stormy, stderr) = through(&proxy, &moto, &["plan", "--format", "json"]);
    assert_eq!(code, 0, "{stderr}");
    let stormy: serde_json::Value = serde_json::from_str(&stormy).expect("plan JSON");
    assert_eq!(stormy, calm, "throttling changed the plan");

    let (code, out, stderr) = through(&proxy, &moto, &["apply", "--auto-approve", "--stats"]);
    assert_eq!(code, 0, "{out}{stderr}");
    assert!(
        stderr.contains("retried attempts"),
        "--stats reports retries: {stderr}"
    );
    let (code, out, stderr) = through(&proxy, &moto, &["plan", "--detailed-exitcode"]);
    assert_eq!(code, 0, "converged through the storm: {out}{stderr}");
    let (code, out, stderr) = through(&proxy, &moto, &["apply", "--auto-approve", "--stats"]);
    assert_eq!(code, 0, "{out}{stderr}");
    assert_eq!(
        common::writes_in(&(out.clone() + &stderr)),
        0,
        "{out}{stderr}"
    );
    moto.assert_converged();

    let injected = proxy.injected();
    let throttled = injected.get("throttle").copied().unwrap_or(0);
    let total = proxy.total_requests();
    eprintln!(
        "30% throttling: {total} requests reached the proxy, {throttled} throttled ({:.0}%), all retried",
        100.0 * throttled as f64 / total as f64
    );
    assert!(
        throttled * 5 > total,
        "about 30% were throttled: {injected:?} of {total}"
    );
}

#[test]
fn server_errors_and_dropped_connections_are_retried() {
    let moto = Moto::start();
    moto.manifest(&manifest());
    let proxy = FaultProxy::start(
        &moto.endpoint,
        Faults {
            server_error_share: 0.15,
            drop_share: 0.1,
            ..Faults::default()
        },
        11,
    );
    let (code, out, stderr) = through(&proxy, &moto, &["apply", "--auto-approve"]);
    assert_eq!(code, 0, "{out}{stderr}");
    let (code, out, _) = through(&proxy, &moto, &["plan", "--detailed-exitcode"]);
    assert_eq!(code, 0, "{out}");
    moto.assert_converged();
    let injected = proxy.injected();
    eprintln!(
        "5xx and drops: {} requests, injected {injected:?}",
        proxy.total_requests()
    );
    assert!(injected.get("server-error").copied().unwrap_or(0) > 0);
    assert!(injected.get("drop").copied().unwrap_or(0) > 0);
}

#[test]
fn retries_are_bounded_and_the_error_says_so() {
    let moto = Moto::start();
    moto.manifest(&manifest());
    let proxy = FaultProxy::start(
        &moto.endpoint,
        Faults {
            throttle_operations: vec!["DescribeRepositories".into()],
            ..Faults::default()
        },
        1,
    );
    let out = moto
        .wharf()
        .env("AWS_ENDPOINT_URL", &proxy.endpoint)
        .env("WHARF_AWS_MAX_ATTEMPTS", "4")
        .args(["plan"])
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("ThrottlingException"), "{stderr}");
    assert!(
        stderr.contains("wharf tried it 4 times with backing-off delays"),
        "{stderr}"
    );
    let attempts = proxy.requests()["DescribeRepositories"];
    eprintln!("an always-throttled call: {attempts} attempts, then a clear error");
    assert_eq!(attempts, 4, "exactly the bound: {:?}", proxy.requests());
}

#[test]
fn a_call_that_hangs_times_out_with_a_clear_message() {
    let moto = Moto::start();
    moto.manifest(&manifest());
    let proxy = FaultProxy::start(
        &moto.endpoint,
        Faults {
            hang_operations: vec!["ListRoles".into(), "GetRole".into()],
            latency: Duration::from_millis(5),
            ..Faults::default()
        },
        3,
    );
    let out = moto
        .wharf()
        .env("AWS_ENDPOINT_URL", &proxy.endpoint)
        .env("WHARF_AWS_ATTEMPT_TIMEOUT", "1")
        .env("WHARF_AWS_MAX_ATTEMPTS", "2")
        .args(["plan"])
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("got no answer within 1s (per attempt, 2 attempts)"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    let hung = proxy.injected().get("hang").copied().unwrap_or(0);
    eprintln!("a hanging call: {hung} attempts abandoned after 1s each, then a clear error");
    assert_eq!(hung, 2);
}
