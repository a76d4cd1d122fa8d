//! What a kind's planning code does, PURE (its registry line is `kinds::entry::Entry`).
//! [`Kind`] is that code's face: the kind's folder implements it on a unit
//! type, and the registry's list (`with_kinds!`) names that type, so building a plan,
//! fingerprinting the snapshot and following `--target` dependencies reach every kind
//! without naming one.

use crate::kinds::common::{Adoption, Context, KindPlan};
use crate::live::LiveSnapshot;
use crate::manifest::model::Manifest;
use serde_json::Value;

/// What executing one operation tells the rest of an apply (each kind's `io::execute`
/// returns it, so apply runs every kind's operations the same way).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Executed {
    Done,
    /// A task definition revision was registered: the services of this apply that name
    /// its family deploy this ARN.
    Registered {
        family: String,
        arn: String,
    },
    /// A service update started a deployment: apply follows it to its outcome.
    Deployment {
        service: String,
        started: crate::kinds::service::live::StartedDeployment,
    },
}

/// What a kind's planning code does.
pub trait Kind {
    /// The members of a live object that AWS changes on its own (counts of running
    /// tasks): a saved plan does not go stale when only these move.
    const VOLATILE: &'static [&'static str] = &[];

    /// Its changes, warnings and conflicts: the manifest against the snapshot.
    fn plan(
        manifest: &Manifest,
        ctx: &Context,
        live: &LiveSnapshot,
        prune: bool,
        adoption: Adoption,
    ) -> KindPlan;

    /// What the resource `name` of this kind needs to exist first, as addresses (what
    /// its manifest entry names of this manifest). `--target` brings these along.
    fn dependencies(_manifest: &Manifest, _name: &str) -> Vec<String> {
        Vec::new()
    }

    /// What the snapshot holds of this kind, by address, as JSON: what a saved plan
    /// fingerprints.
    fn live_objects(live: &LiveSnapshot) -> Vec<(String, Value)>;
}

/// Every live object of a map keyed by name, by address, as JSON.
pub fn objects_by_name<T: serde::Serialize>(
    live: &std::collections::BTreeMap<String, T>,
    address: impl Fn(&str) -> String,
) -> Vec<(String, Value)> {
    live.iter()
        .map(|(name, object)| {
            (
                address(name),
                serde_json::to_value(object).expect("live objects serialize"),
            )
        })
        .collect()
}
