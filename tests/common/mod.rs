//! Test harness: each test gets its own moto server (the local AWS emulator) on a free
//! port, so every test starts from a clean account and tests run in parallel. Also runs
//! the real `wharf` binary against it and gives tests an SDK client to change the
//! emulator behind wharf's back (drift).
#![allow(dead_code)]

pub mod aws_behaviour;
pub mod proxy;

use assert_cmd::Command;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

pub const ACCOUNT: &str = "123456789012";
pub const REGION: &str = "eu-west-1";

fn moto_server_path() -> PathBuf {
    if let Some(path) = std::env::var_os("WHARF_MOTO_SERVER") {
        return PathBuf::from(path);
    }
    let local = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/moto_server");
    if local.exists() {
        return local;
    }
    panic!(
        "moto_server not found: run the tests with scripts/test, which installs it (or set WHARF_MOTO_SERVER)"
    );
}

pub struct Moto {
    child: Child,
    /// Where wharf and the SDK clients of this struct send their calls: moto itself, or
    /// the proxy in front of it (`start_with_aws_behaviour`).
    pub endpoint: String,
    /// moto itself, whatever `endpoint` is.
    pub moto_endpoint: String,
    /// The AWS-behaviour proxy, when the test runs through it.
    pub proxy: Option<proxy::FaultProxy>,
    pub dir: tempfile::TempDir,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl Moto {
    pub fn start() -> Self {
        let server = moto_server_path();
        for _ in 0..3 {
            let port = free_port();
            let child = std::process::Command::new(&server)
                .args(["-H", "127.0.0.1", "-p", &port.to_string()])
                .env("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
                // Services report 2 running tasks, so deployments of up to 2 complete.
                .env("MOTO_ECS_SERVICE_RUNNING", "2")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start {}: {e}", server.display()));
            let mut moto = Moto {
                child,
                endpoint: format!("http://127.0.0.1:{port}"),
                moto_endpoint: format!("http://127.0.0.1:{port}"),
                proxy: None,
                dir: tempfile::tempdir().expect("a temp dir"),
            };
            let deadline = Instant::now() + Duration::from_secs(30);
            while Instant::now() < deadline {
                if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    return moto;
                }
                if let Ok(Some(_)) = moto.child.try_wait() {
                    break; // port taken by someone else meanwhile; try another
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = moto.child.kill();
        }
        panic!("moto_server did not start");
    }

    /// moto behind the AWS-behaviour proxy (tests/common/aws_behaviour.rs): wharf and the
    /// SDK clients of this struct see ECS answer as AWS documents it, where moto differs.
    pub fn start_with_aws_behaviour() -> Self {
        let mut moto = Self::start();
        let proxy =
            proxy::FaultProxy::with_aws_behaviour(&moto.moto_endpoint, proxy::Faults::default(), 0);
        moto.endpoint = proxy.endpoint.clone();
        moto.proxy = Some(proxy);
        moto
    }

    /// The AWS-behaviour layer (panics unless started `with_aws_behaviour`).
    pub fn aws_behaviour(&self) -> &aws_behaviour::AwsBehaviour {
        self.proxy
            .as_ref()
            .expect("a Moto started with_aws_behaviour")
            .aws_behaviour()
    }

    /// Writes the manifest into this test's directory and returns its path.
    pub fn manifest(&self, yaml: &str) -> PathBuf {
        let path = self.dir.path().join("wharf.yaml");
        std::fs::write(&path, yaml).expect("write manifest");
        path
    }

    /// The wharf binary, pointed at this emulator with dummy credentials and no colour.
    pub fn wharf(&self) -> Command {
        let mut cmd = Command::cargo_bin("wharf").expect("the wharf binary");
        cmd.current_dir(self.dir.path())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("AWS_ENDPOINT_URL", &self.endpoint)
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_REGION", REGION)
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_CONFIG_FILE", "/dev/null")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
            .env("NO_COLOR", "1")
            // Deployments are followed every fraction of a second, not every 10 seconds.
            .env("WHARF_DEPLOYMENT_POLL", "0.2");
        cmd
    }

    /// The wharf binary as a child process against `endpoint` (this emulator, or a proxy
    /// in front of it), stdout and stderr piped: for tests that signal or race it.
    pub fn spawn(&self, endpoint: &str, args: &[&str]) -> std::process::Child {
        std::process::Command::new(assert_cmd::cargo::cargo_bin("wharf"))
            .current_dir(self.dir.path())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("AWS_ENDPOINT_URL", endpoint)
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_REGION", REGION)
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_CONFIG_FILE", "/dev/null")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
            .env("NO_COLOR", "1")
            .env("WHARF_DEPLOYMENT_POLL", "0.2")
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("wharf starts")
    }

    /// Runs wharf with the arguments; returns (exit code, stdout, stderr).
    pub fn run(&self, args: &[&str]) -> (i32, String, String) {
        let out = self.wharf().args(args).output().expect("wharf runs");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// Runs wharf and asserts the exit code, returning stdout (stderr is shown on failure).
    pub fn expect(&self, args: &[&str], code: i32) -> String {
        let (got, stdout, stderr) = self.run(args);
        assert_eq!(
            got, code,
            "wharf {args:?} exited {got}, expected {code}\n--- stdout\n{stdout}\n--- stderr\n{stderr}"
        );
        stdout + &stderr
    }

    /// The plan as JSON.
    pub fn plan_json(&self, extra: &[&str]) -> serde_json::Value {
        let mut args = vec!["plan", "--format", "json"];
        args.extend_from_slice(extra);
        let (code, stdout, stderr) = self.run(&args);
        assert_eq!(code, 0, "plan failed\n{stdout}\n{stderr}");
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("plan JSON: {e}\n{stdout}"))
    }

    /// Applies with --auto-approve --stats and returns the number of write calls made.
    pub fn apply(&self, extra: &[&str]) -> u64 {
        let mut args = vec!["apply", "--auto-approve", "--stats"];
        args.extend_from_slice(extra);
        let output = self.expect(&args, 0);
        writes_in(&output)
    }

    /// Apply, then the plan is empty and a second apply makes zero write calls.
    pub fn assert_converged(&self) {
        let plan = self.plan_json(&[]);
        assert_eq!(
            plan["changes"].as_array().map(Vec::len),
            Some(0),
            "plan after apply is not empty: {plan:#}"
        );
        assert_eq!(self.apply(&[]), 0, "a converged apply made write calls");
    }

    pub async fn ecr(&self) -> aws_sdk_ecr::Client {
        let config = aws_sdk_ecr::Config::builder()
            .behavior_version(aws_sdk_ecr::config::BehaviorVersion::latest())
            .region(aws_sdk_ecr::config::Region::new(REGION))
            .endpoint_url(&self.endpoint)
            .credentials_provider(aws_sdk_ecr::config::Credentials::new(
                "testing", "testing", None, None, "test",
            ))
            .build();
        aws_sdk_ecr::Client::from_conf(config)
    }

    /// An IAM client against this emulator (to read back roles and change them behind
    /// wharf's back).
    pub async fn iam(&self) -> aws_sdk_iam::Client {
        let config = aws_sdk_iam::Config::builder()
            .behavior_version(aws_sdk_iam::config::BehaviorVersion::latest())
            .region(aws_sdk_iam::config::Region::new(REGION))
            .endpoint_url(&self.endpoint)
            .credentials_provider(aws_sdk_iam::config::Credentials::new(
                "testing", "testing", None, None, "test",
            ))
            .build();
        aws_sdk_iam::Client::from_conf(config)
    }

    /// An ECS client against this emulator (to read back clusters, task definitions and
    /// services, and to change them behind wharf's back).
    pub async fn ecs(&self) -> aws_sdk_ecs::Client {
        let config = aws_sdk_ecs::Config::builder()
            .behavior_version(aws_sdk_ecs::config::BehaviorVersion::latest())
            .region(aws_sdk_ecs::config::Region::new(REGION))
            .endpoint_url(&self.endpoint)
            .credentials_provider(aws_sdk_ecs::config::Credentials::new(
                "testing", "testing", None, None, "test",
            ))
            .build();
        aws_sdk_ecs::Client::from_conf(config)
    }

    pub async fn autoscaling(&self) -> aws_sdk_applicationautoscaling::Client {
        let config = aws_sdk_applicationautoscaling::Config::builder()
            .behavior_version(aws_sdk_applicationautoscaling::config::BehaviorVersion::latest())
            .region(aws_sdk_applicationautoscaling::config::Region::new(REGION))
            .endpoint_url(&self.endpoint)
            .credentials_provider(aws_sdk_applicationautoscaling::config::Credentials::new(
                "testing", "testing", None, None, "test",
            ))
            .build();
        aws_sdk_applicationautoscaling::Client::from_conf(config)
    }

    /// A subnet id and a security-group id of the emulator's default VPC (moto validates
    /// both in CreateService). Read with the venv's boto3, as aws-sdk-ec2 is not a
    /// dependency.
    pub fn default_network(&self) -> (String, String) {
        const SCRIPT: &str = r#"
import os, boto3
ec2 = boto3.client("ec2", endpoint_url=os.environ["MOTO_ENDPOINT"], region_name=os.environ["AWS_REGION"])
vpc = ec2.describe_vpcs(Filters=[{"Name": "isDefault", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"]
groups = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc]}, {"Name": "group-name", "Values": ["default"]}])["SecurityGroups"]
print(sorted(s["SubnetId"] for s in subnets)[0], groups[0]["GroupId"])
"#;
        let python = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python");
        let out = std::process::Command::new(&python)
            .args(["-c", SCRIPT])
            .env("MOTO_ENDPOINT", &self.endpoint)
            .env("AWS_REGION", REGION)
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_CONFIG_FILE", "/dev/null")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", python.display()));
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "reading the default VPC failed\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut words = stdout.split_whitespace().map(str::to_string);
        match (words.next(), words.next()) {
            (Some(subnet), Some(group)) => (subnet, group),
            _ => panic!("unexpected default VPC output: {stdout}"),
        }
    }
}

/// Parses the write count from the `aws calls: R reads, W writes` line.
pub fn writes_in(output: &str) -> u64 {
    let line = output
        .lines()
        .find(|l| l.starts_with("aws calls:"))
        .unwrap_or_else(|| panic!("no `aws calls:` line in\n{output}"));
    let after = line.split(", ").nth(1).expect("writes part");
    after
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .expect("a write count")
}

/// Changes of the plan JSON as (address, action) pairs.
pub fn actions(plan: &serde_json::Value) -> Vec<(String, String)> {
    plan["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| {
            (
                c["address"].as_str().unwrap().to_string(),
                c["action"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

pub fn field_paths(plan: &serde_json::Value, address: &str) -> Vec<String> {
    plan["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .filter(|c| c["address"] == address)
        .flat_map(|c| c["fields"].as_array().cloned().unwrap_or_default())
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect()
}

/// An indented YAML literal with its common indentation removed, so that manifests can
/// sit indented in the test code.
pub fn yaml(text: &str) -> String {
    let indent = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    let mut out: String = text
        .lines()
        .skip_while(|l| l.trim().is_empty())
        .map(|l| l.get(indent..).unwrap_or_else(|| l.trim_start()))
        .collect::<Vec<_>>()
        .join("\n");
    out.push('\n');
    out
}

/// The change at `address` in plan JSON; panics (showing the plan) when there is none.
pub fn change_at<'a>(plan: &'a serde_json::Value, address: &str) -> &'a serde_json::Value {
    plan["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .find(|c| c["address"] == address)
        .unwrap_or_else(|| panic!("no change for {address} in {plan:#}"))
}
