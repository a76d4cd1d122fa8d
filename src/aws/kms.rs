//! Resolves KMS key references (alias, alias ARN, key id, key ARN) to key ARNs with
//! DescribeKey, so a manifest's `alias/shop-ecr` and a live key ARN can be compared.
//! A reference that cannot be resolved is left out; planning then says it cannot tell.

use super::Aws;
use crate::live::KmsKey;
use futures::stream::{self, StreamExt};
use std::collections::BTreeMap;

pub async fn resolve(aws: &Aws, references: Vec<String>) -> BTreeMap<String, KmsKey> {
    stream::iter(references)
        .map(|reference| async move {
            let result = aws.kms.describe_key().key_id(&reference).send().await;
            match result {
                Ok(out) => out.key_metadata().map(|m| {
                    (
                        reference.clone(),
                        KmsKey {
                            key_arn: m.arn().unwrap_or(m.key_id()).to_string(),
                            aws_managed: m.key_manager()
                                == Some(&aws_sdk_kms::types::KeyManagerType::Aws),
                        },
                    )
                }),
                Err(e) => {
                    tracing::debug!(
                        "DescribeKey {reference}: {}",
                        aws_sdk_kms::error::DisplayErrorContext(&e)
                    );
                    None
                }
            }
        })
        .buffer_unordered(8)
        .filter_map(|x| async move { x })
        .collect()
        .await
}
