//! Reading the live snapshot: every kind the registry lists reads itself (its `io.rs`
//! implements `ReadsLive`), concurrently where they do not wait on each other (services
//! wait for their clusters, templates for the ownership ledger), then the KMS keys both
//! sides name.

use super::reads::ReadsLive;
use super::{Aws, AwsError};
use crate::live::LiveSnapshot;
use crate::manifest::model::Manifest;
use futures::future::try_join_all;

/// Reads everything planning needs for this manifest into one snapshot: every kind the
/// registry lists, in two waves, then the KMS keys both sides name.
pub async fn read_snapshot(
    aws: &Aws,
    manifest: &Manifest,
    account_id: &str,
    find_owned: bool,
) -> Result<LiveSnapshot, AwsError> {
    let mut live = LiveSnapshot {
        account_id: account_id.to_string(),
        region: aws.region.clone(),
        ..LiveSnapshot::default()
    };
    for second_wave in [false, true] {
        let mut reads = Vec::new();
        macro_rules! every_kind {
            ($($variant:ident $module:ident $operation:ident $kind:ident,)*) => {
                $({
                    type K = crate::kinds::$module::$kind;
                    if <K as ReadsLive>::SECOND_WAVE == second_wave {
                        reads.push(<K as ReadsLive>::read(aws, manifest, find_owned, &live));
                    }
                })*
            };
        }
        crate::with_kinds!(every_kind);
        for store in try_join_all(reads).await? {
            store(&mut live);
        }
    }
    let no_keys = Default::default();
    let ctx = crate::kinds::common::Context {
        account_id,
        region: &aws.region,
        kms_keys: &no_keys,
    };
    let mut references =
        crate::kinds::repository::kms_references(manifest, &ctx, &live.repositories);
    references.extend(crate::kinds::creation_template::kms_references(
        manifest,
        &live.creation_templates,
    ));
    // One DescribeKey per key, even when a repository and a template both name it.
    references.sort();
    references.dedup();
    live.kms_keys = super::kms::resolve(aws, references).await;
    Ok(live)
}
