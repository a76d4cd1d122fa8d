//! Modern ECS deployments end to end, through the layer's `deployment_stages` and
//! `stop_service_deployment` rules (moto has no service deployments): apply follows a
//! canary deployment stage by stage, a failing Lambda hook rolls it back and apply fails,
//! a pause hook holds it until the wait times out, and `wharf rollback` stops a deployment
//! in flight or redeploys the revision a finished one replaced.

use crate::common::Moto;
use crate::support::*;

/// A canary service behind a load balancer with its alternate target group, a Lambda
/// hook after the test traffic shift and `hooks` more.
fn canary_stack(network: &(String, String), hooks: &str) -> String {
    let service = format!(
        r#"
        desiredCount: 2
        loadBalancers:
          - targetGroupArn: "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/blue/1"
            containerName: web
            containerPort: 8080
            advancedConfiguration:
              alternateTargetGroupArn: "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/green/2"
              productionListenerRule: "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/web/1/2/3"
              roleArn: "arn:aws:iam::123456789012:role/ecs-elb"
        deploymentConfiguration:
          strategy: CANARY
          bakeTimeInMinutes: 15
          canaryConfiguration: {{ canaryPercent: 10, canaryBakeTimeInMinutes: 10 }}
          lifecycleHooks:
            - hookTargetArn: "arn:aws:lambda:us-east-1:123456789012:function:smoke"
              roleArn: "arn:aws:iam::123456789012:role/ecs-hooks"
              lifecycleStages: [POST_TEST_TRAFFIC_SHIFT]
{hooks}
        "#
    );
    web_stack("", &shop_service(network, &service))
}

/// A pause hook after the new tasks start: the deployment waits there.
const PAUSE_HOOK: &str = "
            - targetType: PAUSE
              lifecycleStages: [POST_SCALE_UP]
              timeoutConfiguration: { timeoutInMinutes: 60, action: ROLLBACK }";

fn deployed_once(moto: &Moto, hooks: &str) {
    let network = moto.default_network();
    moto.manifest(&canary_stack(&network, hooks));
    moto.apply(&[]);
}

#[tokio::test(flavor = "multi_thread")]
async fn apply_follows_a_canary_deployment_through_its_stages() {
    let moto = Moto::start_with_aws_behaviour();
    deployed_once(&moto, "");
    let plan = moto.expect(&["plan", "--var", "IMAGE_TAG=v2"], 0);
    assert!(
        plan.contains("rollout CANARY: 10% of traffic for 10 min, then the rest; bake 15 min; hooks: POST_TEST_TRAFFIC_SHIFT lambda smoke"),
        "{plan}"
    );
    let out = moto.expect(&["apply", "--auto-approve", "--var", "IMAGE_TAG=v2"], 0);
    for seen in [
        "IN_PROGRESS at stage TEST_TRAFFIC_SHIFT, test traffic 100% on the new revision",
        "hook smoke running, times out in 24 h, then ROLLBACK",
        "hook smoke SUCCEEDED",
        "production traffic 10% on the new revision, canary bake: about 10 min left",
        "production traffic 100% on the new revision, bake time: about 15 min left",
        "SUCCESSFUL",
        "✓ ecs.service.web updated",
    ] {
        assert!(out.contains(seen), "missing {seen:?} in:\n{out}");
    }
    let ecs = moto.ecs().await;
    assert_eq!(service_revision(&ecs, "shop", "web").await, "web:2");
    // Converged: the plan is empty and a second apply writes nothing.
    let v2 = ["--var", "IMAGE_TAG=v2"];
    let plan = moto.plan_json(&v2);
    assert_eq!(
        plan["changes"].as_array().map(Vec::len),
        Some(0),
        "{plan:#}"
    );
    assert_eq!(moto.apply(&v2), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_hook_rolls_the_deployment_back_and_apply_fails() {
    let moto = Moto::start_with_aws_behaviour();
    deployed_once(&moto, "");
    moto.aws_behaviour().fail_hook_of_next_deployment("web");
    let (code, stdout, stderr) = moto.run(&["apply", "--auto-approve", "--var", "IMAGE_TAG=v2"]);
    let out = stdout + &stderr;
    assert_eq!(code, 1, "a rolled-back deployment is a failure:\n{out}");
    assert!(out.contains("hook smoke FAILED"), "{out}");
    assert!(
        out.contains("ECS rolled it back (ROLLBACK_IN_PROGRESS)")
            && out.contains("lifecycle hook arn:aws:lambda:us-east-1:123456789012:function:smoke returned FAILED")
            && out.contains("rolled back to web:1"),
        "{out}"
    );
    // ECS finished its rollback: `wharf rollback` has nothing left to do.
    let out = moto.expect(&["rollback", "ecs.service.web", "--auto-approve"], 0);
    assert!(
        out.contains(
            "nothing to roll back: its last deployment was already rolled back; it runs web:1"
        ),
        "{out}"
    );
    let ecs = moto.ecs().await;
    assert_eq!(service_revision(&ecs, "shop", "web").await, "web:1");
}

/// SIGINT while apply waits for a deployment: the deployment goes on in AWS, and apply
/// says which command rolls it back.
#[tokio::test(flavor = "multi_thread")]
async fn an_interrupted_wait_names_the_rollback_command() {
    use std::io::{BufRead, Read};
    let moto = Moto::start_with_aws_behaviour();
    deployed_once(&moto, PAUSE_HOOK);
    let mut child = moto.spawn(
        &moto.endpoint,
        &["apply", "--auto-approve", "--var", "IMAGE_TAG=v2"],
    );
    let mut reader = std::io::BufReader::new(child.stdout.take().expect("stdout"));
    let mut out = String::new();
    let mut line = String::new();
    while reader.read_line(&mut line).expect("read") > 0 {
        out.push_str(&line);
        if line.contains("pause hook waiting") {
            break;
        }
        line.clear();
    }
    assert!(out.contains("pause hook waiting"), "{out}");
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    reader.read_to_string(&mut out).expect("read");
    let code = child.wait().expect("exits").code();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr)
        .expect("read");
    assert_eq!(code, Some(130), "{out}\n{stderr}");
    assert!(
        stderr.contains("ecs.service.web: its deployment goes on in AWS; `wharf rollback ecs.service.web` rolls it back"),
        "{out}\n{stderr}"
    );
}

/// A pause hook waits for ContinueServiceDeployment: the progress line says how to go on,
/// the wait times out, and `wharf rollback` stops the deployment with ECS's rollback.
#[tokio::test(flavor = "multi_thread")]
async fn a_paused_deployment_times_out_and_rollback_stops_it() {
    let moto = Moto::start_with_aws_behaviour();
    deployed_once(&moto, PAUSE_HOOK);
    let (code, stdout, stderr) = moto.run(&[
        "apply",
        "--auto-approve",
        "--wait-timeout",
        "3s",
        "--var",
        "IMAGE_TAG=v2",
    ]);
    let out = stdout + &stderr;
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("pause hook waiting: aws ecs continue-service-deployment --service-deployment-arn arn:aws:ecs:")
            && out.contains("times out in 1 h, then ROLLBACK"),
        "{out}"
    );
    assert!(
        out.contains("deployment of web did not finish within 3s"),
        "{out}"
    );

    // Without a terminal, rollback needs --auto-approve.
    let refused = moto.expect(&["rollback", "ecs.service.web"], 1);
    assert!(refused.contains("--auto-approve"), "{refused}");
    let out = moto.expect(
        &["rollback", "ecs.service.web", "--auto-approve", "--stats"],
        0,
    );
    assert!(
        out.contains(
            "stop the deployment of web:2 in flight and let ECS roll the service back to web:1"
        ),
        "{out}"
    );
    assert!(out.contains("ROLLBACK_IN_PROGRESS"), "{out}");
    assert!(
        out.contains("✓ ecs.service.web rolled back to web:1"),
        "{out}"
    );
    assert!(
        out.contains("the next `wharf apply` deploys it again"),
        "{out}"
    );
    assert!(
        out.contains("StopServiceDeployment"),
        "--stats names the call:\n{out}"
    );
    let ecs = moto.ecs().await;
    assert_eq!(service_revision(&ecs, "shop", "web").await, "web:1");
}

/// A finished deployment cannot be stopped: rollback deploys the revision it replaced,
/// and follows that deployment like apply does.
#[tokio::test(flavor = "multi_thread")]
async fn rollback_after_a_finished_deployment_redeploys_the_previous_revision() {
    let moto = Moto::start_with_aws_behaviour();
    let network = moto.default_network();
    moto.manifest(&web_stack("", &shop_service(&network, "desiredCount: 2")));
    moto.apply(&[]);
    let nothing = moto.expect(&["rollback", "ecs.service.web", "--auto-approve"], 0);
    assert!(nothing.contains("nothing to roll back"), "{nothing}");
    moto.apply(&["--var", "IMAGE_TAG=v2"]);
    let out = moto.expect(&["rollback", "ecs.service.web", "--auto-approve"], 0);
    assert!(
        out.contains("deploy web:1 again in place of web:2 (its last deployment has finished)"),
        "{out}"
    );
    assert!(
        out.contains("✓ ecs.service.web rolled back to web:1"),
        "{out}"
    );
    let ecs = moto.ecs().await;
    assert_eq!(service_revision(&ecs, "shop", "web").await, "web:1");
    // The manifest still says v2: the plan brings it back.
    let plan = moto.plan_json(&["--var", "IMAGE_TAG=v2"]);
    assert_eq!(
        plan["changes"].as_array().map(Vec::len),
        Some(1),
        "{plan:#}"
    );

    let unknown = moto.expect(&["rollback", "ecs.service.wbe", "--auto-approve"], 1);
    assert!(
        unknown.contains("`ecs.service.wbe` is not a service of this manifest")
            && unknown.contains("did you mean `ecs.service.web`?"),
        "{unknown}"
    );
}
