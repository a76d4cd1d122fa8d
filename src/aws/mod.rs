//! The AWS clients and what every kind's I/O shares: building clients from the standard
//! configuration chain, errors, call limits and statistics, the live snapshot read
//! (`snapshot`), the ledger and KMS reads. Each kind reads itself and executes its
//! operations in its own `kinds/KIND/io.rs`; nothing else talks to the network. Retries
//! on throttling and 5xx come from the SDK's adaptive retry mode.

pub mod ecs;
pub mod ecs_codec;
pub mod export;
pub mod kms;
pub mod ledger;
pub mod rate_limit;
pub mod reads;
pub mod snapshot;
pub mod stats;

use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_sdk_ecr::error::ProvideErrorMetadata;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// How to reach AWS: the global flags, else the standard chain (AWS_PROFILE, AWS_REGION,
/// AWS_ENDPOINT_URL, ~/.aws/config).
#[derive(Clone, Debug, Default)]
pub struct ConnectOptions {
    pub region: Option<String>,
    pub profile: Option<String>,
    pub endpoint_url: Option<String>,
    /// A role to assume (a fleet target's) from the credentials the chain finds.
    pub assume: Option<AssumeRole>,
}

/// A role to act as: AssumeRole from the caller's credentials, refreshed before expiry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssumeRole {
    pub role_arn: String,
    pub external_id: Option<String>,
    pub session_name: String,
}

/// The code an AssumeRole refusal carries in `AwsError::code`, whatever STS answered.
pub const ASSUME_ROLE_FAILED: &str = "AssumeRoleFailed";

/// A failed AWS call, with the SDK's full message (code and text) for the user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AwsError {
    pub message: String,
    /// AWS's error code when there is one (e.g. RepositoryNotEmptyException).
    pub code: Option<String>,
}

impl AwsError {
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            code: None,
        }
    }

    /// From any SDK error: keeps the code and the whole chain of causes.
    pub fn from_sdk<E, R>(operation: &str, error: aws_sdk_ecr::error::SdkError<E, R>) -> Self
    where
        E: aws_sdk_ecr::error::ProvideErrorMetadata + std::error::Error + 'static,
        R: fmt::Debug,
    {
        let code = error.code().map(str::to_string);
        let message = match (error.code(), error.message()) {
            (Some(code), Some(msg)) => format!("{operation}: {code}: {msg}"),
            (Some(code), None) => format!("{operation}: {code}"),
            _ => format!(
                "{operation}: {}",
                aws_sdk_ecr::error::DisplayErrorContext(&error)
            ),
        };
        Self { message, code }
    }
}

impl fmt::Display for AwsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for AwsError {}

/// A call whose "not found" error means "absent": Ok(None) for that code, the value
/// otherwise. Missing policies read as absent; deleting an absent one is already done.
pub fn absent_on<T, E, R>(
    result: Result<T, aws_sdk_ecr::error::SdkError<E, R>>,
    not_found_code: &str,
    operation: &str,
) -> Result<Option<T>, AwsError>
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: fmt::Debug,
{
    match result {
        Ok(value) => Ok(Some(value)),
        Err(e) if e.code() == Some(not_found_code) => Ok(None),
        Err(e) => Err(AwsError::from_sdk(operation, e)),
    }
}

/// The error when neither flags, manifest nor configuration name a region.
pub const NO_REGION: &str = "no AWS region configured";

/// The only region that serves the ECR Public API.
pub const ECR_PUBLIC_REGION: &str = "us-east-1";

/// How hard each call tries: attempts per call (throttling, 5xx and dropped connections
/// are retried with adaptive backoff) and how long one attempt may take before it is
/// abandoned as hung. `WHARF_AWS_MAX_ATTEMPTS` and `WHARF_AWS_ATTEMPT_TIMEOUT` (seconds)
/// override the defaults.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CallLimits {
    pub max_attempts: u32,
    pub attempt_timeout: Duration,
}

impl Default for CallLimits {
    fn default() -> Self {
        Self {
            max_attempts: 8,
            attempt_timeout: Duration::from_secs(60),
        }
    }
}

impl CallLimits {
    pub fn from_env() -> Self {
        let number = |name: &str| {
            std::env::var(name)
                .ok()
                .and_then(|v| v.trim().parse::<u64>().ok())
                .filter(|n| *n > 0)
        };
        let defaults = Self::default();
        Self {
            max_attempts: number("WHARF_AWS_MAX_ATTEMPTS")
                .map_or(defaults.max_attempts, |n| n.min(100) as u32),
            attempt_timeout: number("WHARF_AWS_ATTEMPT_TIMEOUT")
                .map_or(defaults.attempt_timeout, Duration::from_secs),
        }
    }
}

/// The clients for one run, sharing one configuration and one call counter.
#[derive(Clone)]
pub struct Aws {
    pub ecr: aws_sdk_ecr::Client,
    pub iam: aws_sdk_iam::Client,
    pub ecs: aws_sdk_ecs::Client,
    pub autoscaling: aws_sdk_applicationautoscaling::Client,
    pub kms: aws_sdk_kms::Client,
    pub sts: aws_sdk_sts::Client,
    /// SSM Parameter Store: the ownership ledger for registry objects AWS cannot tag.
    pub ssm: aws_sdk_ssm::Client,
    /// ECR Public, whose API lives in us-east-1 whatever the manifest's region.
    pub ecr_public: aws_sdk_ecrpublic::Client,
    /// Amazon Inspector: the registry's enhanced-scanning (re-scan) configuration.
    pub inspector: aws_sdk_inspector2::Client,
    pub stats: Arc<stats::CallStats>,
    pub region: String,
}

impl Aws {
    pub async fn connect(options: &ConnectOptions) -> Result<Self, AwsError> {
        let limits = CallLimits::from_env();
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .retry_config(
                RetryConfig::standard()
                    .with_max_attempts(limits.max_attempts)
                    .with_initial_backoff(Duration::from_millis(200))
                    .with_max_backoff(Duration::from_secs(20)),
            )
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(Duration::from_secs(10).min(limits.attempt_timeout))
                    .operation_attempt_timeout(limits.attempt_timeout)
                    .build(),
            );
        if let Some(region) = &options.region {
            loader = loader.region(aws_config::Region::new(region.clone()));
        }
        if let Some(profile) = &options.profile {
            loader = loader.profile_name(profile);
        }
        if let Some(url) = &options.endpoint_url {
            loader = loader.endpoint_url(url);
        }
        let mut config = loader.load().await;
        if let Some(assume) = &options.assume {
            config = assume_role(config, assume).await?;
        }
        let region = config
            .region()
            .map(|r| r.to_string())
            .ok_or_else(|| AwsError::new(NO_REGION))?;
        let stats = Arc::new(stats::CallStats::default());
        let counter = stats::CountingInterceptor::new(stats.clone());
        let ecr = aws_sdk_ecr::Client::from_conf(
            aws_sdk_ecr::config::Builder::from(&config)
                .interceptor(counter.clone())
                .build(),
        );
        let iam = aws_sdk_iam::Client::from_conf(
            aws_sdk_iam::config::Builder::from(&config)
                .interceptor(counter.clone())
                .build(),
        );
        let ecs_config = aws_sdk_ecs::config::Builder::from(&config).interceptor(counter.clone());
        // ECS publishes per-family request buckets: stay inside them rather than retry.
        let ecs_config = ecs_config.http_client(match config.http_client() {
            Some(http) => rate_limit::RateLimitedClient::new(http),
            None => rate_limit::RateLimitedClient::around_default(),
        });
        let ecs = aws_sdk_ecs::Client::from_conf(ecs_config.build());
        let autoscaling = aws_sdk_applicationautoscaling::Client::from_conf(
            aws_sdk_applicationautoscaling::config::Builder::from(&config)
                .interceptor(counter.clone())
                .build(),
        );
        let kms = aws_sdk_kms::Client::from_conf(
            aws_sdk_kms::config::Builder::from(&config)
                .interceptor(counter.clone())
                .build(),
        );
        let sts = aws_sdk_sts::Client::from_conf(
            aws_sdk_sts::config::Builder::from(&config)
                .interceptor(counter.clone())
                .build(),
        );
        let ssm = aws_sdk_ssm::Client::from_conf(
            aws_sdk_ssm::config::Builder::from(&config)
                .interceptor(counter.clone())
                .build(),
        );
        let inspector = aws_sdk_inspector2::Client::from_conf(
            aws_sdk_inspector2::config::Builder::from(&config)
                .interceptor(counter.clone())
                .build(),
        );
        let ecr_public = aws_sdk_ecrpublic::Client::from_conf(
            aws_sdk_ecrpublic::config::Builder::from(&config)
                .region(aws_config::Region::from_static(ECR_PUBLIC_REGION))
                .interceptor(counter)
                .build(),
        );
        Ok(Self {
            ecr,
            iam,
            ecs,
            autoscaling,
            kms,
            sts,
            ssm,
            ecr_public,
            inspector,
            stats,
            region,
        })
    }

    /// The account the credentials belong to (STS GetCallerIdentity).
    pub async fn account_id(&self) -> Result<String, AwsError> {
        let identity = self
            .sts
            .get_caller_identity()
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("GetCallerIdentity", e))?;
        identity
            .account()
            .map(str::to_string)
            .ok_or_else(|| AwsError::new("GetCallerIdentity returned no account"))
    }
}

/// The configuration acting as `assume.role_arn`. AssumeRole is called once here, so a
/// role that cannot be assumed is refused with STS's own reason before anything else;
/// the credentials then come from a provider that assumes it again before they expire
/// (a long apply outlives the default hour).
async fn assume_role(
    config: aws_config::SdkConfig,
    assume: &AssumeRole,
) -> Result<aws_config::SdkConfig, AwsError> {
    let sts = aws_sdk_sts::Client::new(&config);
    sts.assume_role()
        .role_arn(&assume.role_arn)
        .role_session_name(&assume.session_name)
        .set_external_id(assume.external_id.clone())
        .send()
        .await
        .map_err(|e| {
            let inner = AwsError::from_sdk("AssumeRole", e);
            AwsError {
                message: format!("cannot assume {}: {}", assume.role_arn, inner.message),
                code: Some(ASSUME_ROLE_FAILED.to_string()),
            }
        })?;
    let mut provider = aws_config::sts::AssumeRoleProvider::builder(&assume.role_arn)
        .session_name(&assume.session_name)
        .configure(&config);
    if let Some(id) = &assume.external_id {
        provider = provider.external_id(id);
    }
    let provider = provider.build().await;
    Ok(config
        .into_builder()
        .credentials_provider(
            aws_credential_types::provider::SharedCredentialsProvider::new(provider),
        )
        .build())
}
