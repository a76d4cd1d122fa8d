//! The real wharf binary and the real SDK against moto through the AWS-behaviour layer
//! (`Moto::start_with_aws_behaviour`): each test shows rules taking effect, and, through a
//! client aimed at moto itself, what moto alone answers instead.

use crate::common::{ACCOUNT, Moto, REGION};
use crate::support::*;
use aws_sdk_ecs::Client;
use aws_sdk_ecs::types::{
    CapacityProviderStrategyItem, ContainerDefinition, DeploymentRolloutState, Service,
    ServiceDeploymentStatus, ServiceManagedEbsVolumeConfiguration, ServiceVolumeConfiguration,
};

/// An ECS client aimed at moto itself, past the layer.
fn moto_alone(moto: &Moto) -> Client {
    let config = aws_sdk_ecs::Config::builder()
        .behavior_version(aws_sdk_ecs::config::BehaviorVersion::latest())
        .region(aws_sdk_ecs::config::Region::new(REGION))
        .endpoint_url(&moto.moto_endpoint)
        .credentials_provider(aws_sdk_ecs::config::Credentials::new(
            "testing", "testing", None, None, "test",
        ))
        .build();
    Client::from_conf(config)
}

fn stack(network: &(String, String), service_extra: &str) -> String {
    web_stack("", &shop_service(network, service_extra))
}

fn td_arn(revision: &str) -> String {
    format!("arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/{revision}")
}

fn primary(service: &Service) -> &aws_sdk_ecs::types::Deployment {
    service
        .deployments()
        .iter()
        .find(|d| d.status() == Some("PRIMARY"))
        .expect("a PRIMARY deployment")
}

fn messages(service: &Service) -> Vec<String> {
    service
        .events()
        .iter()
        .filter_map(|e| e.message().map(str::to_string))
        .collect()
}

/// An EC2 service in bridge mode that states nothing AWS fills in: no launch type, no
/// deployment configuration, no network configuration.
const EC2_STACK: &str = r#"version: 1
stack: shop
ecs:
  clusters:
    shop: {}
  taskDefinitions:
    worker:
      networkMode: bridge
      containerDefinitions:
        - name: worker
          image: public.ecr.aws/docker/library/busybox:1.36
          memory: 128
  services:
    worker:
      cluster: shop
      taskDefinition: worker
      desiredCount: 1
"#;

#[tokio::test(flavor = "multi_thread")]
async fn what_aws_fills_in_at_create_service_is_reported() {
    let moto = Moto::start_with_aws_behaviour();
    let ecs = moto.ecs().await;
    moto.manifest(EC2_STACK);
    moto.apply(&[]);

    let svc = service(&ecs, "shop", "worker").await;
    // launch_type_default: neither a launch type nor a strategy, no cluster default.
    assert_eq!(svc.launch_type().map(|l| l.as_str()), Some("EC2"));
    assert!(svc.capacity_provider_strategy().is_empty());
    // availability_zone_rebalancing_default
    assert_eq!(
        svc.availability_zone_rebalancing().map(|a| a.as_str()),
        Some("ENABLED")
    );
    // deployment_configuration_defaults and deployment_strategy_defaults
    let config = svc
        .deployment_configuration()
        .expect("deploymentConfiguration");
    assert_eq!(
        (config.maximum_percent(), config.minimum_healthy_percent()),
        (Some(200), Some(100))
    );
    let breaker = config
        .deployment_circuit_breaker()
        .expect("circuit breaker");
    assert!(!breaker.enable() && !breaker.rollback());
    assert_eq!(config.strategy().map(|s| s.as_str()), Some("ROLLING"));
    assert_eq!(config.bake_time_in_minutes(), Some(0));
    // kept_as_created: the documented default grace period.
    assert_eq!(svc.health_check_grace_period_seconds(), Some(0));
    // network_configuration_absent
    assert!(svc.network_configuration().is_none());
    // steady_state_counts: moto runs MOTO_ECS_SERVICE_RUNNING=2 tasks for 1 wanted.
    assert_eq!((svc.running_count(), svc.pending_count()), (1, 0));

    // moto alone: none of that.
    let alone = service(&moto_alone(&moto), "shop", "worker").await;
    assert!(alone.deployment_configuration().is_none());
    assert!(alone.availability_zone_rebalancing().is_none());
    assert!(alone.network_configuration().is_some(), "moto answers {{}}");
    assert_eq!((alone.running_count(), alone.pending_count()), (2, -1));

    moto.assert_converged();
}

#[tokio::test(flavor = "multi_thread")]
async fn members_moto_forgets_at_create_service_are_kept() {
    let moto = Moto::start_with_aws_behaviour();
    let ecs = moto.ecs().await;
    let network = moto.default_network();
    moto.manifest(&stack(
        &network,
        "
        desiredCount: 2
        deploymentConfiguration:
          maximumPercent: 150
          minimumHealthyPercent: 50
          deploymentCircuitBreaker: { enable: true, rollback: true }
        healthCheckGracePeriodSeconds: 30
        enableECSManagedTags: true
        propagateTags: SERVICE
        enableExecuteCommand: true
        availabilityZoneRebalancing: DISABLED
        ",
    ));
    moto.apply(&[]);

    let svc = service(&ecs, "shop", "web").await;
    let config = svc
        .deployment_configuration()
        .expect("deploymentConfiguration");
    assert_eq!(
        (config.maximum_percent(), config.minimum_healthy_percent()),
        (Some(150), Some(50))
    );
    let breaker = config
        .deployment_circuit_breaker()
        .expect("circuit breaker");
    assert!(breaker.enable() && breaker.rollback());
    assert_eq!(config.strategy().map(|s| s.as_str()), Some("ROLLING"));
    assert_eq!(svc.health_check_grace_period_seconds(), Some(30));
    assert!(svc.enable_ecs_managed_tags());
    assert!(svc.enable_execute_command());
    assert_eq!(
        svc.availability_zone_rebalancing().map(|a| a.as_str()),
        Some("DISABLED")
    );
    // fargate_platform_version_default and assign_public_ip_default
    assert_eq!(svc.platform_version(), Some("LATEST"));
    let vpc = svc
        .network_configuration()
        .and_then(|n| n.awsvpc_configuration())
        .expect("awsvpcConfiguration");
    assert_eq!(vpc.assign_public_ip().map(|a| a.as_str()), Some("DISABLED"));

    let alone = service(&moto_alone(&moto), "shop", "web").await;
    assert!(alone.deployment_configuration().is_none());
    assert_eq!(alone.health_check_grace_period_seconds(), None);
    assert!(!alone.enable_ecs_managed_tags());
    assert!(!alone.enable_execute_command());

    moto.assert_converged();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_capacity_provider_strategy_is_reported_instead_of_a_launch_type() {
    let moto = Moto::start_with_aws_behaviour();
    let ecs = moto.ecs().await;
    let network = moto.default_network();
    moto.manifest(
        &stack(
            &network,
            "
            desiredCount: 2
            capacityProviderStrategy: [ { capacityProvider: FARGATE, weight: 1 } ]
            ",
        )
        .lines()
        .filter(|l| l.trim() != "launchType: FARGATE")
        .map(|l| format!("{l}\n"))
        .collect::<String>(),
    );
    moto.apply(&[]);

    let svc = service(&ecs, "shop", "web").await;
    assert_eq!(svc.launch_type(), None);
    let strategy = svc.capacity_provider_strategy();
    assert_eq!(strategy.len(), 1, "{strategy:?}");
    assert_eq!(
        (
            strategy[0].capacity_provider(),
            strategy[0].weight(),
            strategy[0].base()
        ),
        ("FARGATE", 1, 0)
    );
    assert_eq!(primary(&svc).launch_type(), None);
    assert_eq!(svc.platform_version(), Some("LATEST"));
    let alone = service(&moto_alone(&moto), "shop", "web").await;
    assert_eq!(alone.launch_type().map(|l| l.as_str()), Some("EC2"));
    assert!(alone.capacity_provider_strategy().is_empty());
    // base 0 and platformVersion LATEST are AWS's defaults, not differences.
    moto.assert_converged();

    // A cluster with a default strategy gives it to a service created with neither.
    ecs.create_cluster()
        .cluster_name("spot")
        .capacity_providers("FARGATE_SPOT")
        .default_capacity_provider_strategy(
            CapacityProviderStrategyItem::builder()
                .capacity_provider("FARGATE_SPOT")
                .weight(1)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .expect("CreateCluster");
    ecs.create_service()
        .cluster("spot")
        .service_name("batch")
        .task_definition("web")
        .desired_count(1)
        .send()
        .await
        .expect("CreateService");
    let batch = service(&ecs, "spot", "batch").await;
    assert_eq!(batch.launch_type(), None);
    assert_eq!(
        batch.capacity_provider_strategy()[0].capacity_provider(),
        "FARGATE_SPOT"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn service_connect_and_volumes_are_reported_on_the_primary_deployment() {
    let moto = Moto::start_with_aws_behaviour();
    let ecs = moto.ecs().await;
    let network = moto.default_network();
    moto.manifest(&stack(
        &network,
        "
        desiredCount: 2
        serviceConnectConfiguration: { enabled: true, namespace: shop }
        ",
    ));
    moto.apply(&[]);

    let svc = service(&ecs, "shop", "web").await;
    let connect = primary(&svc)
        .service_connect_configuration()
        .expect("service connect on the PRIMARY deployment");
    assert!(connect.enabled());
    assert_eq!(connect.namespace(), Some("shop"));
    let alone = service(&moto_alone(&moto), "shop", "web").await;
    assert!(primary(&alone).service_connect_configuration().is_none());
    moto.assert_converged();

    // Volumes configured at launch, through the SDK.
    ecs.create_service()
        .cluster("shop")
        .service_name("db")
        .task_definition("web")
        .desired_count(1)
        .launch_type(aws_sdk_ecs::types::LaunchType::Fargate)
        .volume_configurations(
            ServiceVolumeConfiguration::builder()
                .name("data")
                .managed_ebs_volume(
                    ServiceManagedEbsVolumeConfiguration::builder()
                        .role_arn(role_arn("ebs"))
                        .size_in_gib(20)
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap(),
        )
        .send()
        .await
        .expect("CreateService");
    let db = service(&ecs, "shop", "db").await;
    let volumes = primary(&db).volume_configurations();
    assert_eq!(volumes.len(), 1);
    assert_eq!(volumes[0].name(), "data");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_role_name_reads_back_as_the_roles_arn() {
    let moto = Moto::start_with_aws_behaviour();
    let ecs = moto.ecs().await;
    moto.manifest(EC2_STACK);
    moto.apply(&[]);
    ecs.create_service()
        .cluster("shop")
        .service_name("lb")
        .task_definition("worker")
        .desired_count(1)
        .role("ecsServiceRole")
        .send()
        .await
        .expect("CreateService");
    let svc = service(&ecs, "shop", "lb").await;
    assert_eq!(svc.role_arn(), Some(role_arn("ecsServiceRole").as_str()));
    let alone = service(&moto_alone(&moto), "shop", "lb").await;
    assert_eq!(alone.role_arn(), Some("ecsServiceRole"));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_update_starts_a_new_deployment_with_the_new_revision() {
    let moto = Moto::start_with_aws_behaviour();
    let ecs = moto.ecs().await;
    let network = moto.default_network();
    moto.manifest(&stack(&network, "desiredCount: 2"));
    moto.apply(&[]);
    let first = service(&ecs, "shop", "web").await;
    let first_id = primary(&first).id().unwrap().to_string();

    let v2 = ["--var", "IMAGE_TAG=v2"];
    moto.apply(&v2);
    let svc = service(&ecs, "shop", "web").await;
    let deployment = primary(&svc);
    assert_ne!(deployment.id(), Some(first_id.as_str()));
    assert_eq!(deployment.task_definition(), Some(td_arn("web:2").as_str()));
    assert_eq!(
        deployment.rollout_state(),
        Some(&DeploymentRolloutState::Completed)
    );
    // moto alone keeps its first deployment, with the first revision.
    let alone = service(&moto_alone(&moto), "shop", "web").await;
    assert_eq!(primary(&alone).id(), Some(first_id.as_str()));
    assert_eq!(
        primary(&alone).task_definition(),
        Some(td_arn("web:1").as_str())
    );

    // service_deployments_api: two service deployments, both successful.
    let listed = ecs
        .list_service_deployments()
        .cluster("shop")
        .service("web")
        .send()
        .await
        .expect("ListServiceDeployments");
    let briefs = listed.service_deployments();
    assert_eq!(briefs.len(), 2, "{briefs:?}");
    assert!(
        briefs
            .iter()
            .all(|b| b.status() == Some(&ServiceDeploymentStatus::Successful)),
        "{briefs:?}"
    );
    assert_eq!(
        svc.current_service_deployment(),
        briefs[0].service_deployment_arn()
    );
    let revisions = ecs
        .describe_service_revisions()
        .service_revision_arns(briefs[0].target_service_revision_arn().unwrap())
        .send()
        .await
        .expect("DescribeServiceRevisions");
    assert_eq!(
        revisions.service_revisions()[0].task_definition(),
        Some(td_arn("web:2").as_str())
    );
    // moto alone has no such API.
    assert!(
        moto_alone(&moto)
            .list_service_deployments()
            .cluster("shop")
            .service("web")
            .send()
            .await
            .is_err()
    );
    assert_plan_empty(&moto, &v2);
    assert_eq!(moto.apply(&v2), 0);
}

/// A web service whose circuit breaker rolls back, applied at revision 1.
async fn rolled_out_once(moto: &Moto) -> (Client, String) {
    let ecs = moto.ecs().await;
    let network = moto.default_network();
    moto.manifest(&stack(
        &network,
        "
        desiredCount: 2
        deploymentConfiguration:
          deploymentCircuitBreaker: { enable: true, rollback: true }
        ",
    ));
    moto.apply(&[]);
    let svc = service(&ecs, "shop", "web").await;
    let id = primary(&svc).id().unwrap().to_string();
    (ecs, id)
}

/// The rollback as a poller sees it, one DescribeServices at a time.
#[tokio::test(flavor = "multi_thread")]
async fn a_rollback_is_seen_stage_by_stage() {
    let moto = Moto::start_with_aws_behaviour();
    let (ecs, first_id) = rolled_out_once(&moto).await;
    let (definition, _) = task_definition(&ecs, "web:1").await;
    let container = definition.container_definitions()[0].clone();
    let broken = ContainerDefinition::builder()
        .name(container.name().unwrap())
        .image("does-not-exist:v2")
        .build();
    ecs.register_task_definition()
        .family("web")
        .set_cpu(definition.cpu().map(str::to_string))
        .set_memory(definition.memory().map(str::to_string))
        .set_network_mode(definition.network_mode().cloned())
        .set_requires_compatibilities(Some(definition.requires_compatibilities().to_vec()))
        .container_definitions(broken)
        .send()
        .await
        .expect("RegisterTaskDefinition");

    moto.aws_behaviour().roll_back_next_deployment("web");
    let updated = ecs
        .update_service()
        .cluster("shop")
        .service("web")
        .task_definition("web")
        .send()
        .await
        .expect("UpdateService");
    let updated = updated.service().unwrap();
    assert_eq!(updated.task_definition(), Some(td_arn("web:2").as_str()));

    let state = |s: &Service| {
        s.deployments()
            .iter()
            .map(|d| {
                (
                    d.id() == Some(first_id.as_str()),
                    d.status().unwrap().to_string(),
                    d.rollout_state().map(|r| r.as_str().to_string()),
                    d.task_definition()
                        .unwrap()
                        .rsplit('/')
                        .next()
                        .unwrap()
                        .to_string(),
                )
            })
            .collect::<Vec<_>>()
    };
    let row = |first: bool, status: &str, rollout: &str, td: &str| {
        (
            first,
            status.to_string(),
            Some(rollout.to_string()),
            td.to_string(),
        )
    };
    let failing = service(&ecs, "shop", "web").await;
    assert_eq!(
        state(&failing),
        vec![
            row(false, "PRIMARY", "IN_PROGRESS", "web:2"),
            row(true, "ACTIVE", "COMPLETED", "web:1"),
        ]
    );
    let rolling_back = service(&ecs, "shop", "web").await;
    assert_eq!(
        state(&rolling_back),
        vec![
            row(true, "PRIMARY", "IN_PROGRESS", "web:1"),
            row(false, "ACTIVE", "FAILED", "web:2"),
        ]
    );
    assert_eq!(
        rolling_back.deployments()[1].rollout_state_reason(),
        Some("ECS deployment circuit breaker: tasks failed to start.")
    );
    let rolled_back = service(&ecs, "shop", "web").await;
    assert_eq!(
        state(&rolled_back),
        vec![row(true, "PRIMARY", "COMPLETED", "web:1")]
    );
    assert_eq!(
        rolled_back.task_definition(),
        Some(td_arn("web:1").as_str())
    );
    let events = messages(&rolled_back);
    assert_eq!(
        events[..4],
        [
            "(service web) has reached a steady state.".to_string(),
            format!("(service web) (deployment {first_id}) deployment completed."),
            format!("(service web) rolling back to deployment {first_id}."),
            events[3].clone(),
        ]
    );
    assert!(
        events[3].ends_with("deployment failed: tasks failed to start."),
        "{events:?}"
    );
}

/// wharf deploys revision 2 and ECS rolls it back; what AWS's APIs then say.
#[tokio::test(flavor = "multi_thread")]
async fn a_rolled_back_deployment_reads_as_aws_reports_it() {
    let moto = Moto::start_with_aws_behaviour();
    let (ecs, first_id) = rolled_out_once(&moto).await;
    moto.aws_behaviour().roll_back_next_deployment("web");
    let (code, stdout, stderr) = moto.run(&["apply", "--auto-approve", "--var", "IMAGE_TAG=v2"]);
    eprintln!("wharf apply exited {code} after a rollback\n{stdout}\n{stderr}");

    let svc = service(&ecs, "shop", "web").await;
    assert_eq!(svc.task_definition(), Some(td_arn("web:1").as_str()));
    assert_eq!(primary(&svc).id(), Some(first_id.as_str()));
    assert_eq!(
        primary(&svc).rollout_state(),
        Some(&DeploymentRolloutState::Completed)
    );
    let events = messages(&svc);
    assert!(
        events
            .iter()
            .any(|m| m == &format!("(service web) rolling back to deployment {first_id}.")),
        "{events:?}"
    );

    let listed = ecs
        .list_service_deployments()
        .cluster("shop")
        .service("web")
        .send()
        .await
        .expect("ListServiceDeployments");
    let newest = &listed.service_deployments()[0];
    assert_eq!(
        newest.status(),
        Some(&ServiceDeploymentStatus::RollbackSuccessful)
    );
    let described = ecs
        .describe_service_deployments()
        .service_deployment_arns(newest.service_deployment_arn().unwrap())
        .send()
        .await
        .expect("DescribeServiceDeployments");
    let deployment = &described.service_deployments()[0];
    let rollback = deployment.rollback().expect("the rollback member");
    let revisions = ecs
        .describe_service_revisions()
        .service_revision_arns(rollback.service_revision_arn().unwrap())
        .service_revision_arns(deployment.target_service_revision().unwrap().arn().unwrap())
        .send()
        .await
        .expect("DescribeServiceRevisions");
    let tds: Vec<_> = revisions
        .service_revisions()
        .iter()
        .map(|r| r.task_definition().unwrap().to_string())
        .collect();
    assert_eq!(tds, vec![td_arn("web:1"), td_arn("web:2")]);
}

/// A circuit-breaker rollback exits non-zero: the PRIMARY deployment a rollback leaves
/// COMPLETED is not taken for success, and the report names the revision rolled back to
/// and the events that tell the story.
#[tokio::test(flavor = "multi_thread")]
async fn wharf_apply_fails_when_ecs_rolls_the_deployment_back() {
    let moto = Moto::start_with_aws_behaviour();
    let _ = rolled_out_once(&moto).await;
    moto.aws_behaviour().roll_back_next_deployment("web");
    let (code, stdout, stderr) = moto.run(&["apply", "--auto-approve", "--var", "IMAGE_TAG=v2"]);
    let out = stdout + &stderr;
    assert_eq!(code, 1, "a rolled-back deployment is a failure:\n{out}");
    assert!(
        out.contains("rolled back to web:1"),
        "names the revision the deployment was rolled back to:\n{out}"
    );
    assert!(
        out.contains("rolling back to deployment"),
        "reports the service's events from after the rollback:\n{out}"
    );
}

/// An EXTERNAL task definition registered as bridge (or with no network mode) reads back
/// as registered; moto alone reports awsvpc, which would be a perpetual diff.
#[tokio::test(flavor = "multi_thread")]
async fn a_task_definition_reports_the_network_mode_it_was_registered_with() {
    let moto = Moto::start_with_aws_behaviour();
    moto.manifest(
        "version: 1\nstack: shop\necs:\n  taskDefinitions:\n    anywhere:\n      networkMode: bridge\n      requiresCompatibilities: [EXTERNAL]\n      containerDefinitions:\n        - { name: web, image: nginx, memory: 256 }\n    plain:\n      requiresCompatibilities: [EXTERNAL]\n      containerDefinitions:\n        - { name: web, image: nginx, memory: 256 }\n",
    );
    moto.apply(&[]);
    let ecs = moto.ecs().await;
    for (family, expected) in [("anywhere", Some("bridge")), ("plain", None)] {
        let described = ecs
            .describe_task_definition()
            .task_definition(family)
            .send()
            .await
            .expect("DescribeTaskDefinition");
        let mode = described
            .task_definition()
            .and_then(|t| t.network_mode())
            .map(|m| m.as_str().to_string());
        assert_eq!(mode.as_deref(), expected, "{family}");
    }
    let alone = moto_alone(&moto)
        .describe_task_definition()
        .task_definition("anywhere")
        .send()
        .await
        .expect("DescribeTaskDefinition");
    assert_eq!(
        alone
            .task_definition()
            .and_then(|t| t.network_mode())
            .map(|m| m.as_str()),
        Some("awsvpc"),
        "moto alone reports awsvpc (the gap the rule fills)"
    );
    moto.assert_converged();
}
