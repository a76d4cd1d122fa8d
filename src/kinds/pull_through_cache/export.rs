//! A pull through cache rule as a manifest entry, PURE.

use crate::kinds::pull_through_cache::ROOT;
use crate::live::LivePullThroughCacheRule;
use crate::manifest::model::PullThroughCacheRule;

pub fn pull_through_cache_rule(live: &LivePullThroughCacheRule) -> PullThroughCacheRule {
    let present = |v: &Option<String>| v.clone().filter(|s| !s.is_empty());
    PullThroughCacheRule {
        upstream_registry_url: live.upstream_registry_url.clone(),
        credential_arn: present(&live.credential_arn),
        custom_role_arn: present(&live.custom_role_arn),
        // ROOT (the whole upstream registry) is AWS's default.
        upstream_repository_prefix: present(&live.upstream_repository_prefix).filter(|p| p != ROOT),
    }
}
