//! The stack's ownership ledger (an SSM parameter) as a mocked SSM client, for tests at
//! the SDK boundary: what GetParameter returns, and every value PutParameter writes.
#![allow(dead_code)]

use aws_sdk_ssm::operation::delete_parameter::DeleteParameterOutput;
use aws_sdk_ssm::operation::get_parameter::{GetParameterError, GetParameterOutput};
use aws_sdk_ssm::operation::put_parameter::PutParameterOutput;
use aws_sdk_ssm::types::Parameter;
use aws_sdk_ssm::types::error::ParameterNotFound;
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
use std::sync::{Arc, Mutex};

/// The ledger parameter as a mocked SSM: what GetParameter returns, and every value
/// PutParameter wrote.
pub struct Ledger {
    pub get: Rule,
    pub put: Rule,
    pub delete: Rule,
    pub written: Arc<Mutex<Vec<String>>>,
}

pub const LEDGER: &str = "/wharf/shop/ownership";

pub fn ledger(stored: Option<&str>) -> Ledger {
    let stored = stored.map(str::to_string);
    let get =
        mock!(aws_sdk_ssm::Client::get_parameter).match_requests(|r| r.name() == Some(LEDGER));
    let get = match stored {
        Some(value) => get.then_output(move || {
            GetParameterOutput::builder()
                .parameter(Parameter::builder().name(LEDGER).value(&value).build())
                .build()
        }),
        None => get.then_error(|| {
            GetParameterError::ParameterNotFound(ParameterNotFound::builder().build())
        }),
    };
    let written = Arc::new(Mutex::new(Vec::new()));
    let record = written.clone();
    let put = mock!(aws_sdk_ssm::Client::put_parameter)
        .match_requests(move |r| {
            record
                .lock()
                .unwrap()
                .push(r.value().unwrap_or_default().to_string());
            r.name() == Some(LEDGER)
        })
        .then_output(|| PutParameterOutput::builder().build());
    let delete = mock!(aws_sdk_ssm::Client::delete_parameter)
        .match_requests(|r| r.name() == Some(LEDGER))
        .then_output(|| DeleteParameterOutput::builder().build());
    Ledger {
        get,
        put,
        delete,
        written,
    }
}

impl Ledger {
    /// An SSM client that serves this ledger.
    pub fn client(&self) -> aws_sdk_ssm::Client {
        mock_client!(
            aws_sdk_ssm,
            RuleMode::MatchAny,
            [&self.get, &self.put, &self.delete]
        )
    }

    pub fn written(&self) -> Vec<String> {
        self.written.lock().unwrap().clone()
    }
}
