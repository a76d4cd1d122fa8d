//! Replay tests: responses AWS publishes in its documentation and in the AWS CLI's and the
//! SDKs' examples (DescribeServices, CreateService/UpdateService, DescribeTaskDefinition,
//! RegisterTaskDefinition, GetRepositoryPolicy, GetLifecyclePolicy, DescribeRepositories)
//! are served to wharf's own read path, and the pure planner must find nothing to do
//! against the manifest that describes each object. No emulator: a fake HTTP client
//! answers each call with the published body (tests/fixtures/replay, sources and every
//! change in SOURCES.md), so the real SDK deserializers and the pipeline the binary runs
//! (`wharf::ops::plan::plan`: identity, read, plan, enrich) see exactly what AWS sends.
//!
//! What the fake adds to a published body, and why:
//! - the ownership tag `wharf:stack=replay` on the object (ListTagsForResource for ECR,
//!   the `tags` member for ECS), as if wharf had created it; tags already there are kept;
//! - `status: ACTIVE` on a task definition that the abridged example leaves without one
//!   (DescribeTaskDefinition by family answers with the latest ACTIVE revision);
//! - timestamps the AWS CLI printed as ISO 8601 go on the wire as epoch seconds, as AWS
//!   sends them;
//! - GetRepositoryPolicy / GetLifecyclePolicy answer "not found" where no policy was
//!   published, and DescribeRepositories lists the repository by the three members the
//!   published describe-repositories examples show, when no example lists it.
//!
//! A case that plans a change today is a bug in wharf: the test fails with the plan.
//!
//! Run: `cargo test --test replay`.

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use wharf::kinds::common::Adoption;
use wharf::plan::build::PlanOptions;

const STACK: &str = "replay";
const OWNERSHIP_TAG: &str = "wharf:stack";
const ECR: &str = "AmazonEC2ContainerRegistry_V20150921";
const ECS: &str = "AmazonEC2ContainerServiceV20141113";

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/replay")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn response(name: &str) -> Value {
    serde_json::from_str(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

// ---- the fake AWS ----

/// One answer of the fake: an HTTP status and a JSON body.
#[derive(Clone, Debug)]
struct Answer {
    status: u16,
    body: String,
}

impl Answer {
    fn ok(body: Value) -> Self {
        Self {
            status: 200,
            body: body.to_string(),
        }
    }

    /// An AWS JSON-protocol error (the `__type` member names the exception).
    fn error(code: &str) -> Self {
        Self {
            status: 400,
            body: json!({"__type": code, "message": format!("{code} (replay)")}).to_string(),
        }
    }
}

/// Answers each call by its `X-Amz-Target` (service prefix and operation); a call with no
/// answer fails, naming itself.
#[derive(Clone, Debug, Default)]
struct Fake {
    answers: Arc<BTreeMap<String, Answer>>,
    calls: Arc<Mutex<Vec<String>>>,
    /// The account GetCallerIdentity answers with.
    account: Arc<Mutex<String>>,
}

impl Fake {
    fn new(answers: Vec<(String, Answer)>) -> Self {
        Self {
            answers: Arc::new(answers.into_iter().collect()),
            calls: Arc::default(),
            account: Arc::default(),
        }
    }

    fn answer(&self, request: &HttpRequest) -> HttpResponse {
        let target = request
            .headers()
            .get("x-amz-target")
            .unwrap_or_default()
            .to_string();
        self.calls.lock().unwrap().push(target.clone());
        // STS speaks the query protocol (no target header): who the credentials are.
        let body = request.body().bytes().unwrap_or_default();
        if target.is_empty() && String::from_utf8_lossy(body).contains("GetCallerIdentity") {
            let account = self.account.lock().unwrap().clone();
            let xml = format!(
                "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><GetCallerIdentityResult><Arn>arn:aws:iam::{account}:user/replay</Arn><UserId>AIDAREPLAY</UserId><Account>{account}</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>replay</RequestId></ResponseMetadata></GetCallerIdentityResponse>"
            );
            let mut response = HttpResponse::new(200.try_into().expect("200"), SdkBody::from(xml));
            response.headers_mut().insert("content-type", "text/xml");
            return response;
        }
        let answer = self
            .answers
            .get(&target)
            .cloned()
            .unwrap_or_else(|| Answer {
                status: 400,
                body: json!({"__type": "UnexpectedCall",
                "message": format!("the replay has no answer for {target:?}")})
                .to_string(),
            });
        let mut response = HttpResponse::new(
            answer.status.try_into().expect("a status code"),
            SdkBody::from(answer.body),
        );
        response
            .headers_mut()
            .insert("content-type", "application/x-amz-json-1.1");
        response
    }

    /// Clients for every service wharf reads, all answered by this fake.
    fn aws(&self, region: &str) -> wharf::aws::Aws {
        macro_rules! client {
            ($sdk:ident) => {
                $sdk::Client::from_conf(
                    $sdk::Config::builder()
                        .behavior_version($sdk::config::BehaviorVersion::latest())
                        .region($sdk::config::Region::new(region.to_string()))
                        .credentials_provider($sdk::config::Credentials::new(
                            "replay", "replay", None, None, "replay",
                        ))
                        .http_client(self.clone())
                        .build(),
                )
            };
        }
        wharf::aws::Aws {
            ecr: client!(aws_sdk_ecr),
            iam: client!(aws_sdk_iam),
            ecs: client!(aws_sdk_ecs),
            autoscaling: client!(aws_sdk_applicationautoscaling),
            kms: client!(aws_sdk_kms),
            sts: client!(aws_sdk_sts),
            ssm: client!(aws_sdk_ssm),
            ecr_public: client!(aws_sdk_ecrpublic),
            inspector: client!(aws_sdk_inspector2),
            stats: Arc::default(),
            region: region.to_string(),
        }
    }
}

impl HttpClient for Fake {
    fn http_connector(
        &self,
        _settings: &HttpConnectorSettings,
        _components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(self.clone())
    }
}

impl HttpConnector for Fake {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        HttpConnectorFuture::ready(Ok(self.answer(&request)))
    }
}

// ---- published bodies, as the fake serves them ----

/// Timestamps as AWS sends them: the AWS CLI prints ISO 8601, the wire carries epoch
/// seconds.
fn wire_timestamps(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, member) in map.iter_mut() {
                if key.ends_with("At")
                    && let Value::String(text) = member
                {
                    let parsed = aws_smithy_types::DateTime::from_str(
                        text,
                        aws_smithy_types::date_time::Format::DateTimeWithOffset,
                    )
                    .unwrap_or_else(|e| panic!("timestamp {text:?}: {e}"));
                    *member = json!(parsed.as_secs_f64());
                } else {
                    wire_timestamps(member);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(wire_timestamps),
        _ => {}
    }
}

/// `tags` (ECS's `[{key, value}]`) with the ownership tag added.
fn with_ownership(tags: Option<&Value>) -> Value {
    let mut list: Vec<Value> = tags
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|t| t["key"] != OWNERSHIP_TAG)
        .collect();
    list.push(json!({"key": OWNERSHIP_TAG, "value": STACK}));
    Value::Array(list)
}

/// DescribeServices answering with the service at `pointer` of a published response.
fn service_answers(file: &str, pointer: &str) -> Vec<(String, Answer)> {
    let mut service = response(file)
        .pointer(pointer)
        .unwrap_or_else(|| panic!("{file}: nothing at {pointer}"))
        .clone();
    wire_timestamps(&mut service);
    service["tags"] = with_ownership(service.get("tags"));
    vec![(
        format!("{ECS}.DescribeServices"),
        Answer::ok(json!({"services": [service], "failures": []})),
    )]
}

/// DescribeTaskDefinition answering with the task definition of a published response.
fn task_definition_answers(file: &str) -> Vec<(String, Answer)> {
    let published = response(file);
    let mut definition = published["taskDefinition"].clone();
    wire_timestamps(&mut definition);
    // Abridged examples leave out `status`; by family, ECS answers with the latest ACTIVE.
    if definition.get("status").is_none() {
        definition["status"] = json!("ACTIVE");
    }
    vec![(
        format!("{ECS}.DescribeTaskDefinition"),
        Answer::ok(json!({
            "taskDefinition": definition,
            "tags": with_ownership(published.get("tags")),
        })),
    )]
}

/// The ECR reads of declared repositories: DescribeRepositories, ListTagsForResource
/// (the ownership tag), GetRepositoryPolicy and GetLifecyclePolicy (None: not found).
fn repository_answers(
    repositories: Vec<Value>,
    policy: Option<Value>,
    lifecycle: Option<Value>,
) -> Vec<(String, Answer)> {
    vec![
        (
            format!("{ECR}.DescribeRepositories"),
            Answer::ok(json!({ "repositories": repositories })),
        ),
        (
            format!("{ECR}.ListTagsForResource"),
            Answer::ok(json!({"tags": [{"Key": OWNERSHIP_TAG, "Value": STACK}]})),
        ),
        (
            format!("{ECR}.GetRepositoryPolicy"),
            policy.map_or_else(
                || Answer::error("RepositoryPolicyNotFoundException"),
                Answer::ok,
            ),
        ),
        (
            format!("{ECR}.GetLifecyclePolicy"),
            lifecycle.map_or_else(
                || Answer::error("LifecyclePolicyNotFoundException"),
                Answer::ok,
            ),
        ),
    ]
}

/// A repository as the published describe-repositories examples list one, for a
/// repository no published example lists.
fn listed_repository(registry: &str, region: &str, name: &str) -> Value {
    json!({
        "registryId": registry,
        "repositoryName": name,
        "repositoryArn": format!("arn:aws:ecr:{region}:{registry}:repository/{name}"),
    })
}

// ---- planning ----

/// Reads the live snapshot through wharf's read path (answered by the fake) and plans the
/// manifest against it; the plan must have no change at `address`.
async fn assert_no_change(
    manifest_file: &str,
    answers: Vec<(String, Answer)>,
    account: &str,
    region: &str,
    address: &str,
) {
    let text = fixture(manifest_file);
    let loaded = wharf::manifest::load(manifest_file, &text, &Default::default())
        .unwrap_or_else(|f| panic!("{manifest_file} does not load: {:#?}", f.diagnostics));
    // Every plan lists the registry's repositories, declared or not.
    let mut all = vec![(
        format!("{ECR}.DescribeRepositories"),
        Answer::ok(json!({"repositories": []})),
    )];
    all.extend(answers);
    // A declared desiredCount is checked against Application Auto Scaling: none here.
    all.push((
        "AnyScaleFrontendService.DescribeScalableTargets".into(),
        Answer::ok(json!({"ScalableTargets": []})),
    ));
    let fake = Fake::new(all);
    *fake.account.lock().unwrap() = account.to_string();
    let aws = fake.aws(region);
    // The pipeline the binary runs: identity, read, plan, enrich.
    let (plan, live) =
        wharf::ops::plan::plan(&aws, &loaded, &PlanOptions::default(), Adoption::Refuse)
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "{manifest_file}: reading the replayed responses failed: {e}\ncalls: {:?}",
                    fake.calls.lock().unwrap()
                )
            });
    let plan =
        plan.unwrap_or_else(|conflicts| panic!("{manifest_file}: plan refused: {conflicts:#?}"));
    if let Some(change) = plan.changes.iter().find(|c| c.address == address) {
        // What differs, without the operations that would follow from it.
        let change = serde_json::to_string_pretty(&json!({
            "action": change.action,
            "reason": change.reason,
            "fields": change.fields,
        }))
        .unwrap();
        let document = live_document(&live, address);
        panic!(
            "{manifest_file}: the published response plans a change at {address}, \
             where the manifest describes it exactly:\n{change}\n--- live (as wharf read it)\n{document}"
        );
    }
    assert!(
        plan.changes.is_empty(),
        "{manifest_file}: unexpected changes: {:#?}",
        plan.changes
    );
}

/// What wharf read for `address`, for the failure message.
fn live_document(live: &wharf::live::LiveSnapshot, address: &str) -> String {
    let value = if let Some(name) = address.strip_prefix("ecs.service.") {
        serde_json::to_value(live.services.get(name))
    } else if let Some(family) = address.strip_prefix("ecs.task_definition.") {
        serde_json::to_value(live.task_definitions.get(family))
    } else if let Some(name) = address.strip_prefix("ecr.repository.") {
        serde_json::to_value(live.repositories.get(name))
    } else {
        Ok(Value::Null)
    };
    serde_json::to_string_pretty(&value.unwrap()).unwrap()
}

async fn service_case(file: &str, pointer: &str, account: &str, region: &str, name: &str) {
    let manifest = file.replace(".json", ".wharf.yaml");
    assert_no_change(
        &manifest,
        service_answers(file, pointer),
        account,
        region,
        &format!("ecs.service.{name}"),
    )
    .await;
}

async fn task_definition_case(file: &str, manifest: &str, region: &str, family: &str) {
    assert_no_change(
        manifest,
        task_definition_answers(file),
        "012345678910",
        region,
        &format!("ecs.task_definition.{family}"),
    )
    .await;
}

// ---- DescribeServices, CreateService and UpdateService responses ----

#[tokio::test]
async fn describe_services_cli_example() {
    service_case(
        "ecs-describe-services-cli.json",
        "/services/0",
        "123456789012",
        "us-west-2",
        "my-http-service",
    )
    .await;
}

#[tokio::test]
async fn describe_services_api_example() {
    service_case(
        "ecs-describe-services-botocore.json",
        "/services/0",
        "012345678910",
        "us-east-1",
        "ecs-simple-service",
    )
    .await;
}

#[tokio::test]
async fn describe_services_developer_guide_fargate_tutorial() {
    service_case(
        "ecs-describe-services-devguide-fargate.json",
        "/services/0",
        "123456789012",
        "us-east-1",
        "fargate-service",
    )
    .await;
}

#[tokio::test]
async fn create_service_cli_fargate_with_tags() {
    service_case(
        "ecs-create-service-cli-fargate.json",
        "/service",
        "123456789012",
        "us-west-2",
        "MyService",
    )
    .await;
}

/// No launch type and no capacity provider strategy at CreateService: AWS reports EC2.
#[tokio::test]
async fn create_service_cli_ec2_launch_type_filled_in() {
    service_case(
        "ecs-create-service-cli-ec2.json",
        "/service",
        "123456789012",
        "us-west-2",
        "ecs-simple-service",
    )
    .await;
}

#[tokio::test]
async fn create_service_cli_external_deployment_controller() {
    service_case(
        "ecs-create-service-cli-external.json",
        "/service",
        "123456789012",
        "us-west-2",
        "MyService",
    )
    .await;
}

/// `role` given by name at CreateService; DescribeServices reports `roleArn`.
#[tokio::test]
async fn create_service_cli_load_balancer_with_role() {
    service_case(
        "ecs-create-service-cli-elb.json",
        "/service",
        "123456789012",
        "us-west-2",
        "ecs-simple-service-elb",
    )
    .await;
}

/// volumeConfigurations are reported on the deployment only.
#[tokio::test]
async fn create_service_cli_ebs_volume() {
    service_case(
        "ecs-create-service-cli-ebs.json",
        "/service",
        "123456789012",
        "us-west-2",
        "ecs-simple-service-ebs",
    )
    .await;
}

#[tokio::test]
async fn create_service_api_example() {
    service_case(
        "ecs-create-service-botocore.json",
        "/service",
        "012345678910",
        "us-east-1",
        "ecs-simple-service",
    )
    .await;
}

#[tokio::test]
async fn create_service_api_example_with_role() {
    service_case(
        "ecs-create-service-botocore-elb.json",
        "/service",
        "012345678910",
        "us-east-1",
        "ecs-simple-service-elb",
    )
    .await;
}

/// serviceConnectConfiguration is reported on the deployment only.
#[tokio::test]
async fn create_service_developer_guide_service_connect() {
    service_case(
        "ecs-create-service-devguide-service-connect.json",
        "/service",
        "123456789012",
        "us-west-2",
        "service-connect-nginx-service",
    )
    .await;
}

#[tokio::test]
async fn update_service_cli_circuit_breaker_and_alarms() {
    service_case(
        "ecs-update-service-cli-task-definition.json",
        "/service",
        "123456789012",
        "us-west-2",
        "my-http-service",
    )
    .await;
}

#[tokio::test]
async fn update_service_cli_capacity_provider_and_az_rebalancing() {
    service_case(
        "ecs-update-service-cli-desired-count.json",
        "/service",
        "123456789012",
        "us-east-1",
        "my-http-service",
    )
    .await;
}

#[tokio::test]
async fn update_service_cli_ebs_volume_on_the_deployment() {
    service_case(
        "ecs-update-service-cli-ebs.json",
        "/service",
        "123456789012",
        "us-west-2",
        "my-http-service",
    )
    .await;
}

// ---- DescribeTaskDefinition and RegisterTaskDefinition responses ----

#[tokio::test]
async fn describe_task_definition_cli_example() {
    task_definition_case(
        "ecs-describe-task-definition-cli.json",
        "ecs-describe-task-definition-cli.wharf.yaml",
        "us-east-1",
        "hello_world",
    )
    .await;
}

#[tokio::test]
async fn describe_task_definition_api_example() {
    task_definition_case(
        "ecs-describe-task-definition-botocore.json",
        "ecs-describe-task-definition-botocore.wharf.yaml",
        "us-east-1",
        "hello_world",
    )
    .await;
}

#[tokio::test]
async fn register_task_definition_cli_example() {
    task_definition_case(
        "ecs-register-task-definition-cli.json",
        "ecs-register-task-definition-cli.wharf.yaml",
        "us-east-1",
        "sleep360",
    )
    .await;
}

/// The published input carries `"taskRoleArn": ""` and `"volumes": []`.
#[tokio::test]
async fn register_task_definition_api_example_with_empty_task_role() {
    task_definition_case(
        "ecs-register-task-definition-botocore.json",
        "ecs-register-task-definition-botocore.wharf.yaml",
        "us-east-1",
        "sleep360",
    )
    .await;
}

#[tokio::test]
async fn register_task_definition_developer_guide_ec2_tutorial() {
    task_definition_case(
        "ecs-register-task-definition-devguide-ec2.json",
        "ecs-register-task-definition-devguide-ec2.wharf.yaml",
        "us-east-1",
        "sleep360",
    )
    .await;
}

// ---- GetRepositoryPolicy, GetLifecyclePolicy and DescribeRepositories responses ----

/// A policy AWS returns re-formatted (`"Version" : ...`), Principal "*", Version 2008-10-17.
#[tokio::test]
async fn get_repository_policy_cli_example() {
    let published = response("ecr-get-repository-policy-cli.json");
    let registry = published["registryId"].as_str().unwrap();
    assert_no_change(
        "ecr-get-repository-policy-cli.wharf.yaml",
        repository_answers(
            vec![listed_repository(
                registry,
                "us-west-2",
                "cluster-autoscaler",
            )],
            Some(published.clone()),
            None,
        ),
        registry,
        "us-west-2",
        "ecr.repository.cluster-autoscaler",
    )
    .await;
}

/// The API reference's GetRepositoryPolicy example, on the repository its
/// DescribeRepositories example lists.
#[tokio::test]
async fn get_repository_policy_api_example() {
    let listed = response("ecr-describe-repositories-botocore.json");
    let ubuntu = listed["repositories"][0].clone();
    assert_eq!(ubuntu["repositoryName"], "ubuntu");
    assert_no_change(
        "ecr-get-repository-policy-botocore.wharf.yaml",
        repository_answers(
            vec![ubuntu],
            Some(response("ecr-get-repository-policy-botocore.json")),
            None,
        ),
        "012345678910",
        "us-west-2",
        "ecr.repository.ubuntu",
    )
    .await;
}

#[tokio::test]
async fn get_lifecycle_policy_cli_example_raw_document() {
    let published = response("ecr-get-lifecycle-policy-cli.json");
    let registry = published["registryId"].as_str().unwrap();
    assert_no_change(
        "ecr-get-lifecycle-policy-cli.wharf.yaml",
        repository_answers(
            vec![listed_repository(
                registry,
                "us-west-2",
                "project-a/amazon-ecs-sample",
            )],
            None,
            Some(published.clone()),
        ),
        registry,
        "us-west-2",
        "ecr.repository.project-a/amazon-ecs-sample",
    )
    .await;
}

/// The same response against wharf's short lifecycle form.
#[tokio::test]
async fn get_lifecycle_policy_cli_example_short_form() {
    let published = response("ecr-get-lifecycle-policy-cli.json");
    let registry = published["registryId"].as_str().unwrap();
    assert_no_change(
        "ecr-get-lifecycle-policy-cli-short.wharf.yaml",
        repository_answers(
            vec![listed_repository(
                registry,
                "us-west-2",
                "project-a/amazon-ecs-sample",
            )],
            None,
            Some(published.clone()),
        ),
        registry,
        "us-west-2",
        "ecr.repository.project-a/amazon-ecs-sample",
    )
    .await;
}

/// Repositories listed by name and ARN only (no mutability, encryption or scanning
/// members): AWS's defaults, which a manifest of `{}` asks for.
#[tokio::test]
async fn describe_repositories_cli_example() {
    let listed = response("ecr-describe-repositories-cli.json");
    let repositories = listed["repositories"].as_array().unwrap().clone();
    assert_no_change(
        "ecr-describe-repositories-cli.wharf.yaml",
        repository_answers(repositories, None, None),
        "012345678910",
        "us-west-2",
        "ecr.repository.ubuntu",
    )
    .await;
}
