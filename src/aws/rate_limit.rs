//! Client-side request buckets for ECS, so wharf stays inside AWS's published ECS API
//! throttling (token buckets per account and Region, one per family of actions) instead
//! of bursting into ThrottlingException and retrying. It wraps the ECS client's HTTP
//! connector: every request, retries included, takes a token from its family's bucket
//! first, read from the `X-Amz-Target` header. ECR and IAM publish no such buckets; their
//! throttling is handled by the SDK's retries with backoff.

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A family of ECS actions sharing one bucket: burst (bucket size) and sustained rate
/// (refill per second), from the ECS API reference's "Request throttling" quotas.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Quota {
    pub burst: f64,
    pub per_second: f64,
}

/// The family (bucket) of an ECS action and its quota, by operation name.
pub fn ecs_family(operation: &str) -> (&'static str, Quota) {
    let (family, burst, per_second) = match operation {
        // Task definition modification: a burst of 20, then 1 per second.
        "RegisterTaskDefinition" | "DeregisterTaskDefinition" | "DeleteTaskDefinitions" => {
            ("task-definition-write", 20.0, 1.0)
        }
        // Service modification: 5 per second.
        "CreateService" | "UpdateService" | "DeleteService" => ("service-write", 10.0, 5.0),
        "CreateCluster"
        | "DeleteCluster"
        | "UpdateCluster"
        | "UpdateClusterSettings"
        | "PutClusterCapacityProviders" => ("cluster-write", 20.0, 1.0),
        "TagResource" | "UntagResource" => ("tag-write", 20.0, 10.0),
        // Service reads: 20 per second.
        "DescribeServices" | "ListServices" => ("service-read", 50.0, 20.0),
        "DescribeClusters" | "ListClusters" => ("cluster-read", 50.0, 20.0),
        _ => ("read", 50.0, 20.0),
    };
    (family, Quota { burst, per_second })
}

/// One token bucket. `reserve` takes a token now, or books the next one and says how long
/// to wait for it, so waiting callers are served in order.
#[derive(Debug)]
pub struct Bucket {
    quota: Quota,
    tokens: f64,
    refilled: Instant,
}

impl Bucket {
    pub fn new(quota: Quota, now: Instant) -> Self {
        Self {
            quota,
            tokens: quota.burst,
            refilled: now,
        }
    }

    pub fn reserve(&mut self, now: Instant) -> Duration {
        let elapsed = now.saturating_duration_since(self.refilled).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.quota.per_second).min(self.quota.burst);
        self.refilled = now;
        self.tokens -= 1.0;
        if self.tokens >= 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(-self.tokens / self.quota.per_second)
        }
    }
}

/// The buckets of one run, by family.
#[derive(Debug, Default)]
pub struct Buckets {
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl Buckets {
    /// Waits until `operation` may be sent.
    pub async fn acquire(&self, operation: &str) {
        let (family, quota) = ecs_family(operation);
        let wait = {
            let mut buckets = self.buckets.lock().expect("bucket lock");
            let now = Instant::now();
            buckets
                .entry(family.to_string())
                .or_insert_with(|| Bucket::new(quota, now))
                .reserve(now)
        };
        if !wait.is_zero() {
            tracing::debug!(operation, ?wait, "waiting for the ECS request bucket");
            tokio::time::sleep(wait).await;
        }
    }
}

/// An HTTP client whose every request waits for its ECS bucket first.
#[derive(Clone, Debug)]
pub struct RateLimitedClient {
    inner: SharedHttpClient,
    buckets: Arc<Buckets>,
}

impl RateLimitedClient {
    pub fn new(inner: SharedHttpClient) -> Self {
        Self {
            inner,
            buckets: Arc::default(),
        }
    }

    /// Around the SDK's own default HTTPS client (rustls with aws-lc, proxies from the
    /// environment), built the same way the SDK builds it when none is configured.
    pub fn around_default() -> Self {
        use aws_smithy_http_client::proxy::ProxyConfig;
        use aws_smithy_http_client::{Builder, ConnectorBuilder, tls};
        let client = Builder::new().build_with_connector_fn(|settings, components| {
            let mut connector = ConnectorBuilder::default().tls_provider(tls::Provider::Rustls(
                tls::rustls_provider::CryptoMode::AwsLc,
            ));
            connector.set_connector_settings(settings.cloned());
            if let Some(components) = components {
                connector.set_sleep_impl(components.sleep_impl());
            }
            connector.set_proxy_config(Some(ProxyConfig::from_env()));
            connector.build()
        });
        Self::new(client)
    }
}

impl HttpClient for RateLimitedClient {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(RateLimitedConnector {
            inner: self.inner.http_connector(settings, components),
            buckets: self.buckets.clone(),
        })
    }
}

#[derive(Debug)]
struct RateLimitedConnector {
    inner: SharedHttpConnector,
    buckets: Arc<Buckets>,
}

impl HttpConnector for RateLimitedConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        // `AmazonEC2ContainerServiceV20141113.RegisterTaskDefinition` → the operation.
        let operation = request
            .headers()
            .get("x-amz-target")
            .and_then(|target| target.rsplit('.').next())
            .unwrap_or_default()
            .to_string();
        let inner = self.inner.clone();
        let buckets = self.buckets.clone();
        HttpConnectorFuture::new(async move {
            buckets.acquire(&operation).await;
            inner.call(request).await
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn register_task_definition_bursts_20_then_one_per_second() {
        let start = Instant::now();
        let mut bucket = Bucket::new(ecs_family("RegisterTaskDefinition").1, start);
        for i in 0..20 {
            assert_eq!(bucket.reserve(start), Duration::ZERO, "request {i}");
        }
        // The 21st waits a second, the 22nd two: booked in order.
        assert_eq!(bucket.reserve(start), Duration::from_secs(1));
        assert_eq!(bucket.reserve(start), Duration::from_secs(2));
        // After a quiet minute the bucket is full again, never fuller.
        let later = start + Duration::from_secs(60);
        for _ in 0..20 {
            assert_eq!(bucket.reserve(later), Duration::ZERO);
        }
        assert!(bucket.reserve(later) > Duration::ZERO);
    }

    #[test]
    fn update_service_sustains_five_per_second() {
        let start = Instant::now();
        let mut bucket = Bucket::new(ecs_family("UpdateService").1, start);
        for _ in 0..10 {
            bucket.reserve(start);
        }
        assert_eq!(bucket.reserve(start), Duration::from_millis(200));
        // 400 ms later two more tokens have come; the one booked is spent.
        let t = start + Duration::from_millis(400);
        assert_eq!(bucket.reserve(t), Duration::ZERO);
        assert_eq!(bucket.reserve(t), Duration::from_millis(200));
    }

    #[test]
    fn families_share_buckets() {
        let family = |op| ecs_family(op).0;
        assert_eq!(family("CreateService"), family("UpdateService"));
        assert_eq!(
            family("RegisterTaskDefinition"),
            family("DeregisterTaskDefinition")
        );
        assert_ne!(family("DescribeServices"), family("UpdateService"));
        assert_eq!(ecs_family("DescribeServices").1.per_second, 20.0);
    }
}
