//! Reading what `wharf export` selected into a live snapshot: every kind the registry
//! lists reads what the selection names of it (`ExportsLive` in its `io.rs`: each kind is
//! listed once to match names against the patterns, then the matches are read in full by
//! the same readers planning uses, so export sees exactly what a plan will compare),
//! concurrently, services after the clusters they may be searched in.

use super::reads::ExportsLive;
use super::{Aws, AwsError};
use crate::export::Selection;
use crate::live::LiveSnapshot;
use futures::future::try_join_all;

/// The selected objects, and notes for the reader about what could not be exported.
pub async fn read(
    aws: &Aws,
    account_id: &str,
    selection: &Selection,
    stack: &str,
) -> Result<(LiveSnapshot, Vec<String>), AwsError> {
    let mut live = LiveSnapshot {
        account_id: account_id.to_string(),
        region: aws.region.clone(),
        ..LiveSnapshot::default()
    };
    let mut notes = Vec::new();
    for second_wave in [false, true] {
        let mut reads = Vec::new();
        macro_rules! every_kind {
            ($($variant:ident $module:ident $operation:ident $kind:ident,)*) => {
                $({
                    type K = crate::kinds::$module::$kind;
                    if <K as ExportsLive>::SECOND_WAVE == second_wave {
                        reads.push(<K as ExportsLive>::read_selected(aws, selection, stack, &live));
                    }
                })*
            };
        }
        crate::with_kinds!(every_kind);
        for (store, noted) in try_join_all(reads).await? {
            store(&mut live);
            notes.extend(noted);
        }
    }
    Ok((live, notes))
}
