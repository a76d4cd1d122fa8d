//! What a resource's `lint` block says: the findings it accepts, each with its reason.
//! A leaf of the manifest model, so the schema of ECS resources can name it too.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `wharf lint` findings this resource accepts.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ResourceLint {
    /// Rules not to report for this resource, each with the reason it is accepted.
    #[serde(default)]
    pub suppress: Vec<Suppression>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Suppression {
    /// The rule id, e.g. WHARF-ECR-002.
    pub id: String,
    /// Why the finding is accepted (required; shown in reports and SARIF).
    pub reason: String,
}
