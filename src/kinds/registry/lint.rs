//! The registry's lint rules, PURE: repositories no signing rule covers when the stack
//! asks for signing (WHARF-ECR-008, `lint: { requireSigning: true }`), and, with
//! `--live`, a registry policy scope that is still V1 (WHARF-ECR-009). The scope is a
//! live fact: new registries are V2 (ECR User Guide, registry-permissions-account-settings),
//! so a manifest alone cannot tell.

use crate::lint::finding::{Finding, Options, Source};
use crate::lint::rules::{REGISTRY_POLICY_SCOPE_V1, UNSIGNED_REPOSITORY};
use crate::live::LiveSnapshot;
use crate::manifest::model::Manifest;
use crate::manifest::spans::{SpanIndex, pointer};

/// Whether some signing rule of the manifest signs pushes to `name`.
fn signed(m: &Manifest, name: &str) -> bool {
    m.registry.signing.as_ref().is_some_and(|signing| {
        signing.rules.iter().any(|rule| {
            rule.repository_filters.is_empty()
                || rule
                    .repository_filters
                    .iter()
                    .any(|f| crate::lint::policy::filter_matches(f, name))
        })
    })
}

pub(crate) fn manifest(m: &Manifest, spans: &SpanIndex, options: &Options) -> Vec<Finding> {
    let mut out = Vec::new();
    if options.require_signing {
        for name in m.repositories.keys().filter(|n| !signed(m, n)) {
            let mut f = Finding::new(
                &UNSIGNED_REPOSITORY,
                Source::Manifest,
                crate::kinds::repository::address(name),
            );
            f.message = format!(
                "no signing rule covers repository `{name}`, but the stack requires signed images (lint.requireSigning)"
            );
            f.hint = "add a rule to registry.signing whose repositoryFilters match it (or one without filters: every repository)".into();
            f.span = Some(spans.key(&pointer(&["repositories", name])));
            out.push(f);
        }
    }
    out
}

/// With `--live`: the registry's policy scope as read (when the manifest manages the
/// account settings or declares a registry policy).
pub(crate) fn live(m: &Manifest, spans: &SpanIndex, live: &LiveSnapshot) -> Vec<Finding> {
    let scope = live
        .registry
        .account_settings
        .as_ref()
        .and_then(|s| s.get("REGISTRY_POLICY_SCOPE"));
    if scope.map(String::as_str) != Some("V1") {
        return Vec::new();
    }
    let mut f = Finding::new(
        &REGISTRY_POLICY_SCOPE_V1,
        Source::Live,
        crate::kinds::registry::supply_chain::ACCOUNT_SETTINGS_ADDRESS.to_string(),
    );
    f.message = if m.registry.policy.is_some() {
        "the registry's policy scope is V1: the registry policy declared here governs only replication and pull through cache".into()
    } else {
        "the registry's policy scope is V1: a registry policy would govern only replication and pull through cache".into()
    };
    f.hint = "set `REGISTRY_POLICY_SCOPE: V2` under registry.accountSettings".into();
    let at = pointer(&["registry", "accountSettings"]);
    f.span = spans.contains(&at).then(|| spans.key(&at)).or_else(|| {
        m.registry
            .policy
            .is_some()
            .then(|| spans.key(&pointer(&["registry", "policy"])))
    });
    vec![f]
}
