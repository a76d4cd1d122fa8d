//! Validation of `registry.pullThroughCache`: the ecrRepositoryPrefix (2 to 30
//! characters, AWS's repository-name pattern), the upstreams that need a credential, the
//! credential's form (a Secrets Manager secret named `ecr-pullthroughcache/...`), the
//! custom role ARN and the upstream repository prefix.

use crate::manifest::model::PullThroughCacheRule;
use crate::manifest::spans::pointer;
use crate::manifest::validate::{ROLE_ARN, ROLE_ARN_HINT, Validator, child};
use regex::Regex;
use std::sync::LazyLock;

/// CreatePullThroughCacheRule `ecrRepositoryPrefix`: 2 to 30 characters.
const PREFIX_MIN: usize = 2;
const PREFIX_MAX: usize = 30;
/// The secret-name prefix ECR requires of a pull through cache credential.
const SECRET_PREFIX: &str = "ecr-pullthroughcache/";

/// AWS's pattern for `ecrRepositoryPrefix` (the repository-name pattern).
static PREFIX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$")
        .expect("valid regex")
});
/// A Secrets Manager secret ARN; the capture is the secret name (with AWS's suffix).
static SECRET_ARN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:(.+)$")
        .expect("valid regex")
});

/// The upstream's name when ECR requires a credential for it (Docker Hub, GitHub
/// Container Registry, GitLab Container Registry, Azure Container Registry).
pub fn needs_credential(upstream: &str) -> Option<&'static str> {
    let host = upstream.trim_end_matches('/');
    match host {
        "registry-1.docker.io" => Some("Docker Hub"),
        "ghcr.io" => Some("GitHub Container Registry"),
        "registry.gitlab.com" => Some("GitLab Container Registry"),
        _ if host.ends_with(".azurecr.io") => Some("Azure Container Registry"),
        _ => None,
    }
}

impl Validator<'_> {
    pub(crate) fn pull_through_cache(&mut self) {
        let rules = &self.manifest.registry.pull_through_cache;
        for (prefix, rule) in rules {
            self.pull_through_cache_rule(prefix, rule);
        }
    }

    fn pull_through_cache_rule(&mut self, prefix: &str, rule: &PullThroughCacheRule) {
        let base = pointer(&["registry", "pullThroughCache", prefix]);
        let length = prefix.chars().count();
        if !(PREFIX_MIN..=PREFIX_MAX).contains(&length) {
            self.error(
                self.key(&base),
                format!(
                    "the pull through cache prefix `{prefix}` is {length} characters long; ECR accepts {PREFIX_MIN} to {PREFIX_MAX}"
                ),
                None,
            );
        } else if prefix != "ROOT" && !PREFIX.is_match(prefix) {
            // ROOT (ECR-to-ECR rules) caches every repository of the upstream registry.
            self.error(
                self.key(&base),
                format!("`{prefix}` is not a valid pull through cache prefix"),
                Some(
                    "lowercase letters and digits, separated by `.`, `_`, `-` or `/`: docker-hub, ghcr/team"
                        .into(),
                ),
            );
        }
        let url = rule.upstream_registry_url.as_str();
        let url_ptr = child(&base, "upstreamRegistryUrl");
        if url.is_empty() || url.contains("://") {
            self.error(
                self.at(&url_ptr),
                format!("`{url}` is not an upstream registry host name"),
                Some("the host name alone, without https://: registry-1.docker.io, ghcr.io, public.ecr.aws".into()),
            );
        }
        if let Some(upstream) = needs_credential(url)
            && rule.credential_arn.is_none()
        {
            self.error(
                self.at(&url_ptr),
                format!("a {upstream} upstream needs a credentialArn"),
                Some(format!(
                    "store the registry credentials in a Secrets Manager secret named {SECRET_PREFIX}... and set credentialArn to its ARN"
                )),
            );
        }
        if let Some(arn) = &rule.credential_arn {
            let ptr = child(&base, "credentialArn");
            match SECRET_ARN.captures(arn) {
                None => self.error(
                    self.at(&ptr),
                    format!("`{arn}` is not a Secrets Manager secret ARN"),
                    Some(format!(
                        "arn:aws:secretsmanager:REGION:ACCOUNT:secret:{SECRET_PREFIX}NAME"
                    )),
                ),
                Some(captures) if !captures[1].starts_with(SECRET_PREFIX) => self.error(
                    self.at(&ptr),
                    format!(
                        "the secret `{}` does not begin with {SECRET_PREFIX}",
                        &captures[1]
                    ),
                    Some(format!(
                        "ECR reads pull through cache credentials only from secrets named {SECRET_PREFIX}..."
                    )),
                ),
                Some(_) => {}
            }
        }
        if let Some(arn) = &rule.custom_role_arn
            && !ROLE_ARN.is_match(arn)
        {
            self.error(
                self.at(&child(&base, "customRoleArn")),
                format!("`{arn}` is not an IAM role ARN"),
                Some(ROLE_ARN_HINT.into()),
            );
        }
        if let Some(upstream_prefix) = &rule.upstream_repository_prefix {
            let length = upstream_prefix.chars().count();
            if upstream_prefix != "ROOT"
                && (!(PREFIX_MIN..=PREFIX_MAX).contains(&length)
                    || !PREFIX.is_match(upstream_prefix))
            {
                self.error(
                    self.at(&child(&base, "upstreamRepositoryPrefix")),
                    format!("`{upstream_prefix}` is not a valid upstream repository prefix"),
                    Some(format!(
                        "ROOT, or {PREFIX_MIN} to {PREFIX_MAX} lowercase characters like a repository name: team-a"
                    )),
                );
            }
        }
    }
}

impl crate::manifest::validate::Validates
    for crate::kinds::pull_through_cache::PullThroughCacheKind
{
    fn validate(v: &mut Validator) {
        v.pull_through_cache();
    }
}

#[cfg(test)]
mod tests {
    use crate::diagnostics::Severity;

    const SECRET: &str =
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:ecr-pullthroughcache/hub-AbCdEf";

    fn diagnose(body: &str) -> (String, Vec<(Severity, String, String)>) {
        let src = format!("version: 1\nstack: shop\nregistry:\n  pullThroughCache:\n{body}");
        let found = crate::manifest::diagnostics_with_text(&src)
            .into_iter()
            .map(|(severity, message, _, text)| (severity, message, text))
            .collect();
        (src, found)
    }

    /// Exactly one diagnostic: an error with this message under this text.
    fn assert_error(body: &str, message: &str, text: &str) {
        let (src, found) = diagnose(body);
        assert_eq!(
            found,
            vec![(Severity::Error, message.to_string(), text.to_string())],
            "in\n{src}"
        );
    }

    fn assert_clean(body: &str) {
        let (src, found) = diagnose(body);
        assert!(
            found.is_empty(),
            "expected no diagnostics for\n{src}\ngot: {found:#?}"
        );
    }

    #[test]
    fn prefixes() {
        assert_error(
            "    a: { upstreamRegistryUrl: public.ecr.aws }\n",
            "the pull through cache prefix `a` is 1 characters long; ECR accepts 2 to 30",
            "a",
        );
        let long = "a".repeat(31);
        assert_error(
            &format!("    {long}: {{ upstreamRegistryUrl: public.ecr.aws }}\n"),
            &format!(
                "the pull through cache prefix `{long}` is 31 characters long; ECR accepts 2 to 30"
            ),
            &long,
        );
        assert_error(
            "    Docker_Hub: { upstreamRegistryUrl: public.ecr.aws }\n",
            "`Docker_Hub` is not a valid pull through cache prefix",
            "Docker_Hub",
        );
        assert_error(
            "    hub/: { upstreamRegistryUrl: public.ecr.aws }\n",
            "`hub/` is not a valid pull through cache prefix",
            "hub/",
        );
        assert_clean(
            "    ecr-public: { upstreamRegistryUrl: public.ecr.aws }\n    k8s/io: { upstreamRegistryUrl: registry.k8s.io }\n",
        );
    }

    #[test]
    fn upstreams_that_need_a_credential() {
        for (url, name) in [
            ("registry-1.docker.io", "Docker Hub"),
            ("ghcr.io", "GitHub Container Registry"),
            ("registry.gitlab.com", "GitLab Container Registry"),
            ("shop.azurecr.io", "Azure Container Registry"),
        ] {
            assert_error(
                &format!("    up: {{ upstreamRegistryUrl: {url} }}\n"),
                &format!("a {name} upstream needs a credentialArn"),
                url,
            );
            assert_clean(&format!(
                "    up: {{ upstreamRegistryUrl: {url}, credentialArn: \"{SECRET}\" }}\n"
            ));
        }
        assert_error(
            "    up: { upstreamRegistryUrl: \"https://quay.io\" }\n",
            "`https://quay.io` is not an upstream registry host name",
            "\"https://quay.io\"",
        );
    }

    #[test]
    fn credential_and_role_arns() {
        assert_error(
            "    hub: { upstreamRegistryUrl: registry-1.docker.io, credentialArn: \"arn:aws:iam::123456789012:role/x\" }\n",
            "`arn:aws:iam::123456789012:role/x` is not a Secrets Manager secret ARN",
            "\"arn:aws:iam::123456789012:role/x\"",
        );
        assert_error(
            "    hub: { upstreamRegistryUrl: registry-1.docker.io, credentialArn: \"arn:aws:secretsmanager:eu-west-1:123456789012:secret:dockerhub-AbCdEf\" }\n",
            "the secret `dockerhub-AbCdEf` does not begin with ecr-pullthroughcache/",
            "\"arn:aws:secretsmanager:eu-west-1:123456789012:secret:dockerhub-AbCdEf\"",
        );
        assert_error(
            "    team: { upstreamRegistryUrl: 210987654321.dkr.ecr.eu-west-1.amazonaws.com, customRoleArn: \"arn:aws:iam::210987654321:user/x\" }\n",
            "`arn:aws:iam::210987654321:user/x` is not an IAM role ARN",
            "\"arn:aws:iam::210987654321:user/x\"",
        );
        assert_error(
            "    team: { upstreamRegistryUrl: 210987654321.dkr.ecr.eu-west-1.amazonaws.com, upstreamRepositoryPrefix: Team }\n",
            "`Team` is not a valid upstream repository prefix",
            "Team",
        );
        assert_clean(
            "    team: { upstreamRegistryUrl: 210987654321.dkr.ecr.eu-west-1.amazonaws.com, customRoleArn: \"arn:aws:iam::123456789012:role/ecr-ptc\", upstreamRepositoryPrefix: team-a }\n",
        );
    }
}
