//! Saved plans (`plan --out FILE`, `apply FILE`): the plan's JSON (the shape docs/architecture.md gives)
//! plus a `saved` section holding what apply needs to apply exactly those changes and to
//! know whether they still make sense — the account and region, a digest of the manifest
//! files and variables, the manifest itself (so apply re-reads the same objects), the plan
//! options, and a fingerprint of every live object read. PURE: reading and writing the
//! file, and re-reading AWS, happen in the command layer.

use super::Plan;
use super::fingerprint::{self, Fingerprints};
use crate::manifest::LoadedManifest;
use crate::manifest::model::Manifest;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The `saved` section's own format; a file with another is refused.
pub const SAVED_FORMAT_VERSION: u32 = 1;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SavedPlan {
    #[serde(flatten)]
    pub plan: Plan,
    pub saved: SavedContext,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SavedContext {
    pub saved_format_version: u32,
    pub wharf_version: String,
    pub account_id: String,
    pub region: String,
    /// `sha256:...` over every manifest file (name and text) and every variable used.
    pub manifest_digest: String,
    pub manifest_files: Vec<String>,
    /// Names of the variables the manifest used (their values are in the digest only).
    pub variables: Vec<String>,
    /// The resolved manifest, so apply reads exactly the objects the plan read.
    pub manifest: Manifest,
    pub prune: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<String>,
    pub fingerprints: Fingerprints,
}

/// Everything a saved plan records beyond the plan itself.
pub struct SaveInputs<'a> {
    pub loaded: &'a LoadedManifest,
    pub account_id: &'a str,
    pub region: &'a str,
    pub prune: bool,
    pub targets: &'a [String],
    pub live: &'a crate::live::LiveSnapshot,
}

pub fn save(plan: &Plan, inputs: &SaveInputs) -> SavedPlan {
    let loaded = inputs.loaded;
    SavedPlan {
        plan: plan.clone(),
        saved: SavedContext {
            saved_format_version: SAVED_FORMAT_VERSION,
            wharf_version: env!("CARGO_PKG_VERSION").to_string(),
            account_id: inputs.account_id.to_string(),
            region: inputs.region.to_string(),
            manifest_digest: manifest_digest(loaded),
            manifest_files: loaded
                .sources
                .files()
                .iter()
                .map(|f| f.name.clone())
                .collect(),
            variables: loaded.variables_used.keys().cloned().collect(),
            manifest: loaded.manifest.clone(),
            prune: inputs.prune,
            targets: inputs.targets.to_vec(),
            fingerprints: fingerprint::fingerprints(inputs.live),
        },
    }
}

/// `sha256:` + hex over the files and the variables, each length-prefixed so no two
/// different inputs can run together into the same bytes.
pub fn manifest_digest(loaded: &LoadedManifest) -> String {
    let mut hasher = Sha256::new();
    let mut part = |bytes: &[u8]| {
        hasher.update((bytes.len() as u64).to_be_bytes());
        hasher.update(bytes);
    };
    for file in loaded.sources.files() {
        part(file.name.as_bytes());
        part(file.text.as_bytes());
    }
    for (name, value) in &loaded.variables_used {
        part(name.as_bytes());
        part(value.as_bytes());
    }
    let hash = hasher.finalize();
    format!(
        "sha256:{}",
        hash.iter().map(|b| format!("{b:02x}")).collect::<String>()
    )
}

/// Why a plan file cannot be applied at all, read from its raw JSON before decoding it
/// (so a file from another wharf version gets a clear answer, not a decode error).
pub fn check_format(raw: &serde_json::Value) -> Result<(), String> {
    let version = raw.get("formatVersion").and_then(serde_json::Value::as_u64);
    if version != Some(u64::from(super::FORMAT_VERSION)) {
        return Err(match version {
            Some(v) => format!(
                "the plan file has format version {v}; this wharf ({}) applies format version {}",
                env!("CARGO_PKG_VERSION"),
                super::FORMAT_VERSION
            ),
            None => "this is not a wharf plan file (no formatVersion)".into(),
        });
    }
    let Some(saved) = raw.get("saved") else {
        return Err(
            "the plan has no `saved` section: write plan files with `wharf plan --out FILE` (the output of `--format json` is for reading, not applying)".into(),
        );
    };
    let saved_version = saved
        .get("savedFormatVersion")
        .and_then(serde_json::Value::as_u64);
    if saved_version != Some(u64::from(SAVED_FORMAT_VERSION)) {
        return Err(format!(
            "the plan file was saved by wharf {} in a format this wharf ({}) does not read; run plan again",
            saved
                .get("wharfVersion")
                .and_then(serde_json::Value::as_str)
                .unwrap_or("of another version"),
            env!("CARGO_PKG_VERSION")
        ));
    }
    Ok(())
}

/// Why the plan was made for somewhere else, if it was.
pub fn check_target(saved: &SavedContext, account_id: &str, region: &str) -> Vec<String> {
    let mut out = Vec::new();
    if saved.account_id != account_id {
        out.push(format!(
            "the plan was made for account {}, but the credentials are for account {account_id}",
            saved.account_id
        ));
    }
    if saved.region != region {
        out.push(format!(
            "the plan was made for region {}, but wharf is configured for {region} (--region, AWS_REGION or the profile)",
            saved.region
        ));
    }
    out
}

/// One line per object the plan touches that moved since it was saved.
pub fn stale(saved: &SavedPlan, now: &Fingerprints) -> Vec<String> {
    let mut out = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for change in &saved.plan.changes {
        if !seen.insert(change.address.as_str()) {
            continue;
        }
        let before = saved.saved.fingerprints.get(&change.address);
        if let Some(how) = fingerprint::moved(before, now.get(&change.address)) {
            out.push(format!(
                "plan is stale: {} {how} since the plan; run plan again",
                change.address
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::{LiveRepository, LiveSnapshot};
    use crate::manifest::load;
    use crate::manifest::vars::Variables;
    use crate::plan::build::{PlanOptions, build};
    use serde_json::json;

    fn loaded(vars: &[(&str, &str)]) -> LoadedManifest {
        let variables = Variables {
            cli: vars
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            environment: Default::default(),
        };
        load(
            "wharf.yaml",
            "version: 1\nstack: shop\nrepositories:\n  shop/web: { imageTagMutability: \"${M:-IMMUTABLE}\" }\n",
            &variables,
        )
        .expect("loads")
    }

    fn live(mutability: &str) -> LiveSnapshot {
        let repo = LiveRepository {
            name: "shop/web".into(),
            arn: "arn:aws:ecr:eu-west-1:123456789012:repository/shop/web".into(),
            image_tag_mutability: mutability.into(),
            encryption_type: "AES256".into(),
            tags: [("wharf:stack".to_string(), "shop".to_string())].into(),
            details_read: true,
            ..Default::default()
        };
        LiveSnapshot {
            account_id: "123456789012".into(),
            region: "eu-west-1".into(),
            repositories: [(repo.name.clone(), repo)].into(),
            ..Default::default()
        }
    }

    fn saved_for(loaded: &LoadedManifest, live: &LiveSnapshot) -> SavedPlan {
        let plan = build(&loaded.manifest, live, &PlanOptions::default()).expect("plans");
        save(
            &plan,
            &SaveInputs {
                loaded,
                account_id: "123456789012",
                region: "eu-west-1",
                prune: false,
                targets: &[],
                live,
            },
        )
    }

    #[test]
    fn a_saved_plan_round_trips_through_json_and_keeps_the_plan_shape() {
        let saved = saved_for(&loaded(&[]), &live("MUTABLE"));
        let text = serde_json::to_string_pretty(&saved).unwrap();
        let raw: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(raw["formatVersion"], 1);
        assert_eq!(raw["changes"][0]["address"], "ecr.repository.shop/web");
        assert_eq!(raw["saved"]["accountId"], "123456789012");
        assert!(check_format(&raw).is_ok());
        let back: SavedPlan = serde_json::from_value(raw).unwrap();
        assert_eq!(back, saved);
    }

    #[test]
    fn the_digest_covers_text_and_variable_values() {
        let a = manifest_digest(&loaded(&[]));
        let b = manifest_digest(&loaded(&[("M", "MUTABLE")]));
        let c = manifest_digest(&loaded(&[("M", "IMMUTABLE")]));
        assert!(a.starts_with("sha256:") && a.len() == 71, "{a}");
        assert_ne!(a, b);
        assert_ne!(b, c);
        assert_eq!(c, manifest_digest(&loaded(&[("M", "IMMUTABLE")])));
    }

    #[test]
    fn another_format_or_a_plain_json_plan_is_refused() {
        let saved = saved_for(&loaded(&[]), &live("MUTABLE"));
        let mut raw = serde_json::to_value(&saved).unwrap();
        raw["formatVersion"] = json!(2);
        assert!(check_format(&raw).unwrap_err().contains("format version 2"));
        let mut raw = serde_json::to_value(&saved).unwrap();
        raw["saved"]["savedFormatVersion"] = json!(9);
        assert!(check_format(&raw).unwrap_err().contains("run plan again"));
        let plain = serde_json::to_value(&saved.plan).unwrap();
        assert!(check_format(&plain).unwrap_err().contains("plan --out"));
        assert!(check_format(&json!({"a": 1})).is_err());
    }

    #[test]
    fn another_account_or_region_is_refused() {
        let saved = saved_for(&loaded(&[]), &live("MUTABLE"));
        assert!(check_target(&saved.saved, "123456789012", "eu-west-1").is_empty());
        let wrong = check_target(&saved.saved, "210987654321", "us-east-1");
        assert_eq!(wrong.len(), 2, "{wrong:?}");
        assert!(wrong[0].contains("account 123456789012"));
        assert!(wrong[1].contains("region eu-west-1"));
    }

    #[test]
    fn a_moved_object_makes_the_plan_stale_and_is_named_with_its_field() {
        let saved = saved_for(&loaded(&[]), &live("MUTABLE"));
        let same = fingerprint::fingerprints(&live("MUTABLE"));
        assert!(stale(&saved, &same).is_empty());
        let moved = fingerprint::fingerprints(&live("IMMUTABLE_WITH_EXCLUSION"));
        assert_eq!(
            stale(&saved, &moved),
            [
                "plan is stale: ecr.repository.shop/web imageTagMutability changed since the plan; run plan again"
            ]
        );
        let gone = fingerprint::fingerprints(&LiveSnapshot::default());
        assert!(stale(&saved, &gone)[0].contains("was deleted"));
    }
}
