//! Pull through cache rules: reading the ones wharf manages (DescribePullThroughCacheRules,
//! every page, kept only for the prefixes the manifest declares or the ownership ledger
//! records: wharf never looks at the others) and executing the create, update and delete
//! operations.

use crate::aws::{Aws, AwsError, absent_on};
use crate::kinds::kind::Executed;
use crate::kinds::pull_through_cache::PullThroughCacheOperation;
use crate::live::LivePullThroughCacheRule;
use std::collections::{BTreeMap, BTreeSet};

/// The live rules with these prefixes; no call when there are none.
pub async fn read_rules(
    aws: &Aws,
    prefixes: &BTreeSet<String>,
) -> Result<BTreeMap<String, LivePullThroughCacheRule>, AwsError> {
    if prefixes.is_empty() {
        return Ok(BTreeMap::new());
    }
    read_matching(aws, |prefix| prefixes.contains(prefix)).await
}

/// The live rules whose prefixes `wanted` accepts (`export` selects them by pattern).
pub async fn read_matching(
    aws: &Aws,
    wanted: impl Fn(&str) -> bool,
) -> Result<BTreeMap<String, LivePullThroughCacheRule>, AwsError> {
    let mut out = BTreeMap::new();
    let mut next_token: Option<String> = None;
    loop {
        let page = aws
            .ecr
            .describe_pull_through_cache_rules()
            .set_next_token(next_token.take())
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("DescribePullThroughCacheRules", e))?;
        for rule in page.pull_through_cache_rules() {
            let Some(prefix) = rule.ecr_repository_prefix() else {
                continue;
            };
            if !wanted(prefix) {
                continue;
            }
            out.insert(
                prefix.to_string(),
                LivePullThroughCacheRule {
                    ecr_repository_prefix: prefix.to_string(),
                    upstream_registry_url: rule.upstream_registry_url().unwrap_or_default().into(),
                    credential_arn: rule.credential_arn().map(str::to_string),
                    custom_role_arn: rule.custom_role_arn().map(str::to_string),
                    upstream_repository_prefix: rule
                        .upstream_repository_prefix()
                        .map(str::to_string),
                },
            );
        }
        match page.next_token() {
            Some(token) if !token.is_empty() => next_token = Some(token.to_string()),
            _ => break,
        }
    }
    Ok(out)
}

pub async fn execute(
    aws: &Aws,
    operation: &PullThroughCacheOperation,
) -> Result<Executed, AwsError> {
    let ecr = &aws.ecr;
    match operation {
        PullThroughCacheOperation::CreatePullThroughCacheRule {
            prefix,
            upstream_registry_url,
            credential_arn,
            custom_role_arn,
            upstream_repository_prefix,
        } => {
            ecr.create_pull_through_cache_rule()
                .ecr_repository_prefix(prefix)
                .upstream_registry_url(upstream_registry_url)
                .set_credential_arn(credential_arn.clone())
                .set_custom_role_arn(custom_role_arn.clone())
                .set_upstream_repository_prefix(upstream_repository_prefix.clone())
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("CreatePullThroughCacheRule", e))?;
        }
        PullThroughCacheOperation::UpdatePullThroughCacheRule {
            prefix,
            credential_arn,
            custom_role_arn,
        } => {
            ecr.update_pull_through_cache_rule()
                .ecr_repository_prefix(prefix)
                .set_credential_arn(credential_arn.clone())
                .set_custom_role_arn(custom_role_arn.clone())
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("UpdatePullThroughCacheRule", e))?;
        }
        PullThroughCacheOperation::DeletePullThroughCacheRule { prefix } => {
            let result = ecr
                .delete_pull_through_cache_rule()
                .ecr_repository_prefix(prefix)
                .send()
                .await;
            absent_on(
                result,
                "PullThroughCacheRuleNotFoundException",
                "DeletePullThroughCacheRule",
            )?;
        }
    }
    Ok(Executed::Done)
}

/// This kind's part of the live snapshot.
impl crate::aws::reads::ReadsLive for crate::kinds::pull_through_cache::PullThroughCacheKind {
    fn read<'a>(
        aws: &'a Aws,
        manifest: &'a crate::manifest::model::Manifest,
        find_owned: bool,
        _so_far: &'a crate::live::LiveSnapshot,
    ) -> futures::future::BoxFuture<'a, Result<crate::aws::reads::Store, AwsError>> {
        Box::pin(async move {
            // The ledger comes with the rules: it says which of them this stack made.
            let read = read_untaggable(aws, manifest, find_owned).await?;
            let store: crate::aws::reads::Store = Box::new(move |live| {
                live.ledger = read.ledger;
                live.ledger_unreadable = read.ledger_unreadable;
                live.pull_through_cache_rules = read.pull_through_cache_rules;
            });
            Ok(store)
        })
    }
}

/// The kinds AWS cannot tag, and the ledger that says which of them wharf owns.
pub struct Untaggable {
    pub ledger: Option<crate::live::OwnershipLedger>,
    pub ledger_unreadable: Option<String>,
    pub pull_through_cache_rules:
        std::collections::BTreeMap<String, crate::live::LivePullThroughCacheRule>,
}

/// Reads the ledger when pruning or looking for drift (nothing else needs it), then the
/// declared pull through cache rules and, when pruning, the ones the ledger records. A
/// ledger that cannot be read is reported, not fatal: nothing recorded in it is pruned.
pub async fn read_untaggable(
    aws: &Aws,
    manifest: &crate::manifest::model::Manifest,
    find_owned: bool,
) -> Result<Untaggable, AwsError> {
    let (ledger, ledger_unreadable) = if find_owned {
        match crate::aws::ledger::read(aws, &manifest.stack).await {
            Ok(ledger) => (Some(ledger.unwrap_or_default()), None),
            Err(error) => (None, Some(error.message)),
        }
    } else {
        (None, None)
    };
    let mut prefixes: std::collections::BTreeSet<String> = manifest
        .registry
        .pull_through_cache
        .keys()
        .cloned()
        .collect();
    if let Some(ledger) = &ledger {
        prefixes.extend(ledger.pull_through_cache.iter().cloned());
    }
    let pull_through_cache_rules = read_rules(aws, &prefixes).await?;
    Ok(Untaggable {
        ledger,
        ledger_unreadable,
        pull_through_cache_rules,
    })
}

/// What `wharf export` reads of this kind.
impl crate::aws::reads::ExportsLive for crate::kinds::pull_through_cache::PullThroughCacheKind {
    fn read_selected<'a>(
        aws: &'a Aws,
        selection: &'a crate::export::Selection,
        _stack: &'a str,
        _so_far: &'a crate::live::LiveSnapshot,
    ) -> futures::future::BoxFuture<'a, Result<(crate::aws::reads::Store, Vec<String>), AwsError>>
    {
        Box::pin(async move {
            if selection.pull_through_cache.is_empty() {
                return Ok(crate::aws::reads::nothing());
            }
            let rules = read_matching(aws, |p| selection.pull_through_cache.matches(p)).await?;
            let store: crate::aws::reads::Store =
                Box::new(move |live| live.pull_through_cache_rules = rules);
            Ok((store, Vec::new()))
        })
    }
}
