//! Counts every AWS call by operation, through an SDK interceptor, so `--stats` and the
//! apply summary report exactly what was sent — and tests can prove a converged apply
//! makes zero write calls.

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeSerializationInterceptorContextRef, BeforeTransmitInterceptorContextRef,
};
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

#[derive(Debug, Default)]
pub struct CallStats {
    calls: Mutex<BTreeMap<String, u64>>,
    attempts: Mutex<u64>,
}

/// Reads are the Describe/List/Get/BatchGet family; everything else writes.
pub fn is_read(operation: &str) -> bool {
    ["Describe", "List", "Get", "BatchGet", "BatchCheck"]
        .iter()
        .any(|p| operation.starts_with(p))
}

impl CallStats {
    pub fn record(&self, operation: &str) {
        *self
            .calls
            .lock()
            .expect("stats lock")
            .entry(operation.to_string())
            .or_default() += 1;
    }

    pub fn snapshot(&self) -> BTreeMap<String, u64> {
        self.calls.lock().expect("stats lock").clone()
    }

    pub fn reads(&self) -> u64 {
        self.snapshot()
            .iter()
            .filter(|(op, _)| is_read(op))
            .map(|(_, n)| n)
            .sum()
    }

    pub fn writes(&self) -> u64 {
        self.snapshot()
            .iter()
            .filter(|(op, _)| !is_read(op))
            .map(|(_, n)| n)
            .sum()
    }

    pub fn attempts(&self) -> u64 {
        *self.attempts.lock().expect("stats lock")
    }

    /// `aws reads: DescribeRepositories=1, GetLifecyclePolicy=3, ListTasks=1`: what the
    /// reads were (the cost of a preview, of the images-in-use check, ...).
    pub fn reads_summary(&self) -> String {
        let reads: Vec<String> = self
            .snapshot()
            .into_iter()
            .filter(|(op, _)| is_read(op))
            .map(|(op, n)| format!("{op}={n}"))
            .collect();
        format!("aws reads: {}", reads.join(", "))
    }

    /// `aws calls: 7 reads, 2 writes (PutLifecyclePolicy=1, TagResource=1)`
    pub fn summary(&self) -> String {
        let writes: Vec<String> = self
            .snapshot()
            .into_iter()
            .filter(|(op, _)| !is_read(op))
            .map(|(op, n)| format!("{op}={n}"))
            .collect();
        let mut line = format!(
            "aws calls: {} reads, {} writes",
            self.reads(),
            self.writes()
        );
        if !writes.is_empty() {
            line.push_str(&format!(" ({})", writes.join(", ")));
        }
        let retries = self.attempts().saturating_sub(self.reads() + self.writes());
        if retries > 0 {
            line.push_str(&format!(", {retries} retried attempts"));
        }
        line
    }
}

#[derive(Clone, Debug)]
pub struct CountingInterceptor {
    stats: Arc<CallStats>,
}

impl CountingInterceptor {
    pub fn new(stats: Arc<CallStats>) -> Self {
        Self { stats }
    }
}

impl Intercept for CountingInterceptor {
    fn name(&self) -> &'static str {
        "wharf-call-counter"
    }

    // Once per operation, whatever the retries (read_before_execution does not see the
    // operation's metadata, which is stored after it runs).
    fn read_before_serialization(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(metadata) = cfg.load::<Metadata>() {
            self.stats.record(metadata.name());
        }
        Ok(())
    }

    fn read_before_attempt(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        *self.stats.attempts.lock().expect("stats lock") += 1;
        Ok(())
    }
}
