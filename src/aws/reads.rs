//! What the snapshot read and `export` ask of each kind's I/O: its own read, and where it
//! leaves it. A leaf of `aws`: the kinds' `io.rs` implement these, `aws::snapshot` and
//! `aws::export` run them for every kind the registry lists.

use super::{Aws, AwsError};
use crate::live::LiveSnapshot;
use crate::manifest::model::Manifest;
use futures::future::BoxFuture;

/// What a kind's read leaves in the snapshot: it fills in its own part.
pub type Store = Box<dyn FnOnce(&mut LiveSnapshot) + Send>;

/// What the snapshot read asks of a kind's I/O (each kind's `io.rs` implements it on
/// the kind's registry type). A kind reads in the first wave, concurrently with every
/// other, unless it needs what that wave read (services need their clusters, templates
/// the ownership ledger): then it reads in the second.
pub trait ReadsLive {
    const SECOND_WAVE: bool = false;

    /// Reads the kind for `manifest` (with `find_owned`, also what this stack owns and
    /// the manifest no longer declares); `so_far` holds the first wave's reads.
    fn read<'a>(
        aws: &'a Aws,
        manifest: &'a Manifest,
        find_owned: bool,
        so_far: &'a LiveSnapshot,
    ) -> BoxFuture<'a, Result<Store, AwsError>>;
}

/// What `wharf export` asks of a kind's I/O: read what the selection names of this kind
/// (nothing when it names none), with notes for the reader about what could not be.
pub trait ExportsLive {
    /// Read after the first wave (services search the clusters it exported).
    const SECOND_WAVE: bool = false;

    fn read_selected<'a>(
        aws: &'a Aws,
        selection: &'a crate::export::Selection,
        stack: &'a str,
        so_far: &'a LiveSnapshot,
    ) -> BoxFuture<'a, Result<(Store, Vec<String>), AwsError>>;
}

/// A store that leaves the snapshot as it is, with no note: what a kind the selection
/// does not name reads.
pub fn nothing() -> (Store, Vec<String>) {
    (Box::new(|_| {}), Vec::new())
}
