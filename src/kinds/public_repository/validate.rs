//! Validation of `publicRepositories`: names (ECR Public allows 2 to 205 characters, in the
//! private repositories' pattern), the catalog data's limits (RepositoryCatalogDataInput),
//! the gallery's architecture and operating-system badges, the logo path, tags (with
//! wharf's own `wharf:` keys reserved), `pull` and the raw policy, whose actions are
//! `ecr-public:...`. Whether the logo file exists and is an image is checked by the
//! command layer (`crate::logo`), which reads files; this module does no I/O.

use crate::diagnostics::{did_you_mean, plural};
use crate::kinds::public_repository::{self, LOGO_TAG};
use crate::manifest::model::{PublicRepository, Pull};
use crate::manifest::spans::pointer;
use crate::manifest::validate::{
    REPOSITORY_POLICY_MAX, TAGS_PER_RESOURCE, Validator, check_policy_document, child,
};
use serde_json::Value;

/// ECR Public's repository-name length (CreateRepository `repositoryName`).
const NAME_MIN: usize = 2;
const NAME_MAX: usize = 205;
/// RepositoryCatalogDataInput limits, in characters.
const DESCRIPTION_MAX: usize = 1_024;
const ABOUT_TEXT_MAX: usize = 25_600;
const USAGE_TEXT_MAX: usize = 25_600;
/// The architectures and operating systems the gallery shows as badges and search
/// filters. AWS stores other values too, but nobody can find the repository by them.
pub const ARCHITECTURES: [&str; 4] = ["ARM", "ARM 64", "x86", "x86-64"];
pub const OPERATING_SYSTEMS: [&str; 2] = ["Linux", "Windows"];
/// The actions of the ECR Public API (service prefix `ecr-public`).
const ECR_PUBLIC_ACTIONS: [&str; 23] = [
    "BatchCheckLayerAvailability",
    "BatchDeleteImage",
    "CompleteLayerUpload",
    "CreateRepository",
    "DeleteRepository",
    "DeleteRepositoryPolicy",
    "DescribeImageTags",
    "DescribeImages",
    "DescribeRegistries",
    "DescribeRepositories",
    "GetAuthorizationToken",
    "GetRegistryCatalogData",
    "GetRepositoryCatalogData",
    "GetRepositoryPolicy",
    "InitiateLayerUpload",
    "ListTagsForResource",
    "PutImage",
    "PutRegistryCatalogData",
    "PutRepositoryCatalogData",
    "SetRepositoryPolicy",
    "TagResource",
    "UntagResource",
    "UploadLayerPart",
];

/// The gallery's name for a common spelling of an architecture (docker's `arm64`, ...).
fn known_architecture(value: &str) -> Option<&'static str> {
    let key: String = value
        .to_lowercase()
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '_' | '/'))
        .collect();
    match key.as_str() {
        "arm" | "arm32" | "armv6" | "armv7" | "armhf" | "linuxarm" => Some("ARM"),
        "arm64" | "aarch64" | "armv8" | "linuxarm64" => Some("ARM 64"),
        "x86" | "386" | "i386" | "i686" | "x8632" | "linux386" => Some("x86"),
        "x8664" | "amd64" | "x64" | "linuxamd64" => Some("x86-64"),
        _ => None,
    }
}

fn known_operating_system(value: &str) -> Option<&'static str> {
    match value.trim().to_lowercase().as_str() {
        "linux" => Some("Linux"),
        "windows" | "win" | "windows server" => Some("Windows"),
        _ => None,
    }
}

impl Validator<'_> {
    pub(crate) fn public_repositories(&mut self) {
        for (name, repo) in self.manifest.public_repositories.iter().flatten() {
            let base = pointer(&["publicRepositories", name]);
            self.public_repository_name(name, &base);
            self.public_repository(repo, &base);
        }
    }

    fn public_repository_name(&mut self, name: &str, base: &str) {
        let length = name.chars().count();
        if !(NAME_MIN..=NAME_MAX).contains(&length) {
            self.error(
                self.key(base),
                format!(
                    "public repository name `{name}` is {length} character{} long; ECR Public needs {NAME_MIN} to {NAME_MAX}",
                    plural(length)
                ),
                None,
            );
            return;
        }
        // The same pattern as private repositories (its length check cannot fire here).
        self.repository_name(name, base);
    }

    fn public_repository(&mut self, repo: &PublicRepository, base: &str) {
        for (field, value, max) in [
            ("description", &repo.description, DESCRIPTION_MAX),
            ("aboutText", &repo.about_text, ABOUT_TEXT_MAX),
            ("usageText", &repo.usage_text, USAGE_TEXT_MAX),
        ] {
            let length = value.as_deref().map(|t| t.chars().count()).unwrap_or(0);
            if length > max {
                self.error(
                    self.at(&child(base, field)),
                    format!(
                        "{field} is {length} characters long; ECR Public accepts at most {max}"
                    ),
                    None,
                );
            }
        }
        self.badges(
            repo.architectures.as_deref(),
            &child(base, "architectures"),
            "architecture",
            &ARCHITECTURES,
            known_architecture,
        );
        self.badges(
            repo.operating_systems.as_deref(),
            &child(base, "operatingSystems"),
            "operating system",
            &OPERATING_SYSTEMS,
            known_operating_system,
        );
        if repo.logo.as_deref().is_some_and(|l| l.trim().is_empty()) {
            self.error(
                self.at(&child(base, "logo")),
                "logo is empty",
                Some("give the path of a PNG or JPEG file, relative to the manifest, or leave logo out".into()),
            );
        }
        if let Some(tags) = &repo.tags {
            let tags_ptr = child(base, "tags");
            self.tags(tags, &tags_ptr);
            for key in tags.keys() {
                // wharf:stack is reported by `tags`; the other wharf: keys are wharf's too.
                if key.starts_with("wharf:") && key != crate::kinds::common::OWNERSHIP_TAG {
                    self.error(
                        self.key(&child(&tags_ptr, key)),
                        format!("the tag key `{key}` is reserved: wharf keeps its own records in `wharf:` tags"),
                        Some(format!("choose a key without the `wharf:` prefix ({LOGO_TAG} records the logo's digest)")),
                    );
                }
            }
        }
        self.public_tag_count(repo, base);
        self.pull(repo.pull.as_ref(), base);
        self.public_policy(repo, base);
    }

    /// Gallery badges: only the values the gallery knows, with the spelling it uses.
    fn badges(
        &mut self,
        values: Option<&[String]>,
        ptr: &str,
        what: &str,
        allowed: &[&'static str],
        known: fn(&str) -> Option<&'static str>,
    ) {
        let list = allowed
            .iter()
            .map(|a| format!("`{a}`"))
            .collect::<Vec<_>>()
            .join(", ");
        for (i, value) in values.unwrap_or_default().iter().enumerate() {
            if allowed.contains(&value.as_str()) {
                continue;
            }
            let suggestion = known(value).or_else(|| did_you_mean(value, allowed.iter().copied()));
            let hint = match suggestion {
                Some(s) => format!("did you mean `{s}`? The gallery knows {list}"),
                None => format!("the gallery knows {list}"),
            };
            self.error(
                self.at(&child(ptr, &i.to_string())),
                format!("`{value}` is not an {what} the ECR Public Gallery knows"),
                Some(hint),
            );
        }
    }

    /// Defaults' tags, its own, wharf:stack and (with a logo) wharf:logo-sha256 must fit
    /// AWS's 50 tags per repository.
    fn public_tag_count(&mut self, repo: &PublicRepository, base: &str) {
        let inherited = self.manifest.defaults.tags.len() + 1;
        if repo.tags.is_none() && inherited > TAGS_PER_RESOURCE {
            return; // reported once, at defaults
        }
        let count = public_repository::desired_tags(self.manifest, repo).len()
            + usize::from(repo.logo.is_some());
        if count <= TAGS_PER_RESOURCE {
            return;
        }
        let tags_ptr = child(base, "tags");
        let logo_ptr = child(base, "logo");
        let span = if self.spans.contains(&tags_ptr) {
            self.key(&tags_ptr)
        } else if self.spans.contains(&logo_ptr) {
            self.key(&logo_ptr)
        } else {
            self.key(base)
        };
        self.too_many_tags(span, "this public repository", count);
    }

    fn public_policy(&mut self, repo: &PublicRepository, base: &str) {
        let policy_ptr = child(base, "policy");
        if let Some(raw) = &repo.policy {
            let Some((doc, inline)) = self.parse_raw(raw, &policy_ptr, "policy") else {
                return;
            };
            let problems = check_policy_document(&doc);
            if !problems.is_empty() {
                self.report_document(problems, &doc, &policy_ptr, inline);
                return;
            }
            self.private_actions(&doc, &policy_ptr, inline);
        }
        // The merged policy (pull's statement and the raw ones) must fit SetRepositoryPolicy.
        let pull = repo.pull.as_ref().map(|p| Pull {
            accounts: p
                .accounts
                .iter()
                .map(|a| format!("arn:aws:iam::{a}:root"))
                .collect(),
            roles: p.roles.clone(),
        });
        let Some(doc) = public_repository::public_policy(pull.as_ref(), repo.policy.as_ref())
        else {
            return;
        };
        let length = serde_json::to_string(&doc)
            .map(|s| s.chars().count())
            .unwrap_or(0);
        if length > REPOSITORY_POLICY_MAX {
            let span = if repo.policy.is_some() {
                self.key(&policy_ptr)
            } else {
                self.key(&child(base, "pull"))
            };
            self.error(
                span,
                format!(
                    "the repository policy would be {length} characters long; ECR Public accepts at most {REPOSITORY_POLICY_MAX}"
                ),
                Some("merge statements, or grant accounts rather than many single roles".into()),
            );
        }
    }

    /// `ecr:` actions in a public repository's policy name the private registry's API:
    /// they grant nothing here. A warning, since AWS may store such a policy anyway.
    fn private_actions(&mut self, doc: &Value, policy_ptr: &str, inline: bool) {
        let statements: Vec<(String, &Value)> = match doc.get("Statement") {
            Some(Value::Array(list)) => list
                .iter()
                .enumerate()
                .map(|(i, s)| (format!("/Statement/{i}"), s))
                .collect(),
            Some(one) => vec![("/Statement".to_string(), one)],
            None => vec![],
        };
        for (at, statement) in statements {
            for key in ["Action", "NotAction"] {
                let actions: Vec<(String, &str)> = match statement.get(key) {
                    Some(Value::String(a)) => vec![(format!("{at}/{key}"), a.as_str())],
                    Some(Value::Array(list)) => list
                        .iter()
                        .enumerate()
                        .filter_map(|(j, a)| a.as_str().map(|a| (format!("{at}/{key}/{j}"), a)))
                        .collect(),
                    _ => vec![],
                };
                for (place, action) in actions {
                    let Some(operation) = action
                        .split_once(':')
                        .filter(|(service, _)| service.eq_ignore_ascii_case("ecr"))
                        .map(|(_, operation)| operation)
                    else {
                        continue;
                    };
                    let (span, message) = if inline {
                        (
                            self.at(&format!("{policy_ptr}{place}")),
                            format!(
                                "`{action}` is an action of private ECR repositories; it grants nothing on a public repository"
                            ),
                        )
                    } else {
                        (
                            self.at(policy_ptr),
                            format!(
                                "at {place}: `{action}` is an action of private ECR repositories; it grants nothing on a public repository"
                            ),
                        )
                    };
                    let public = ECR_PUBLIC_ACTIONS
                        .iter()
                        .find(|a| a.eq_ignore_ascii_case(operation))
                        .map(|a| format!("ecr-public:{a}"))
                        .or_else(|| {
                            operation
                                .contains('*')
                                .then(|| format!("ecr-public:{operation}"))
                        });
                    let hint = match public {
                        Some(name) => format!("ECR Public's actions are named ecr-public:...; use `{name}`"),
                        None => "ECR Public's actions are named ecr-public:..., and pulling needs no permission at all".to_string(),
                    };
                    self.out.warning(span, message).hint_mut(hint);
                }
            }
        }
    }
}

impl crate::manifest::validate::Validates
    for crate::kinds::public_repository::PublicRepositoryKind
{
    fn validate(v: &mut Validator) {
        v.public_repositories();
    }
}

#[cfg(test)]
mod tests {
    use crate::diagnostics::Severity;

    fn diagnose(body: &str) -> (String, Vec<(Severity, String, String, String)>) {
        let src = format!("version: 1\nstack: shop\npublicRepositories:\n{body}");
        let found = crate::manifest::diagnostics_with_text(&src);
        (src, found)
    }

    /// Exactly one diagnostic of this severity: the message, a hint containing `hint`, and
    /// the text under its span.
    fn assert_one(body: &str, severity: Severity, message: &str, hint: &str, text: &str) {
        let (src, found) = diagnose(body);
        assert_eq!(found.len(), 1, "in\n{src}\ngot: {found:#?}");
        let (s, m, h, t) = &found[0];
        assert_eq!(
            (s, m.as_str(), t.as_str()),
            (&severity, message, text),
            "in\n{src}"
        );
        assert!(h.contains(hint), "hint {h:?} lacks {hint:?}");
    }

    fn assert_clean(body: &str) {
        let (src, found) = diagnose(body);
        assert!(found.is_empty(), "in\n{src}\ngot: {found:#?}");
    }

    #[test]
    fn a_complete_public_repository_is_clean() {
        assert_clean(concat!(
            "  shop/cli:\n",
            "    description: The shop command line\n",
            "    aboutText: |\n",
            "      # shop\n",
            "      Everything about the shop.\n",
            "    usageText: \"docker pull public.ecr.aws/shop/cli\"\n",
            "    architectures: [ARM, ARM 64, x86, x86-64]\n",
            "    operatingSystems: [Linux, Windows]\n",
            "    logo: logo.png\n",
            "    pull: { accounts: [\"111122223333\"] }\n",
            "    policy:\n",
            "      Version: \"2012-10-17\"\n",
            "      Statement:\n",
            "        - Effect: Allow\n",
            "          Principal: { AWS: \"arn:aws:iam::111122223333:root\" }\n",
            "          Action: [ecr-public:PutImage, ecr-public:InitiateLayerUpload]\n",
            "    forceDelete: true\n",
            "    tags: { app: cli }\n",
        ));
    }

    #[test]
    fn names() {
        let long = format!("a{}", "b".repeat(205));
        // (name, message, hint)
        let cases = [
            (
                "x".to_string(),
                "public repository name `x` is 1 character long; ECR Public needs 2 to 205"
                    .to_string(),
                "",
            ),
            (
                long.clone(),
                format!(
                    "public repository name `{long}` is 206 characters long; ECR Public needs 2 to 205"
                ),
                "",
            ),
            (
                "Shop/CLI".to_string(),
                "`Shop/CLI` is not a valid ECR repository name".to_string(),
                "repository names are lowercase: use `shop/cli`",
            ),
            (
                "shop//cli".to_string(),
                "`shop//cli` is not a valid ECR repository name".to_string(),
                "empty path segment",
            ),
        ];
        for (name, message, hint) in cases {
            assert_one(
                &format!("  {name}: {{}}\n"),
                Severity::Error,
                &message,
                hint,
                &name,
            );
        }
        let longest = format!("a{}", "b".repeat(204));
        assert_clean(&format!("  {longest}: {{}}\n"));
    }

    #[test]
    fn catalog_text_limits() {
        // (field, limit)
        for (field, limit) in [
            ("description", 1024),
            ("aboutText", 25600),
            ("usageText", 25600),
        ] {
            let fits = "a".repeat(limit);
            assert_clean(&format!("  shop-cli:\n    {field}: {fits}\n"));
            let over = "a".repeat(limit + 1);
            assert_one(
                &format!("  shop-cli:\n    {field}: {over}\n"),
                Severity::Error,
                &format!(
                    "{field} is {} characters long; ECR Public accepts at most {limit}",
                    limit + 1
                ),
                "",
                &over,
            );
        }
    }

    #[test]
    fn badges() {
        // (field, value, message, hint)
        let cases = [
            (
                "architectures",
                "arm64",
                "`arm64` is not an architecture the ECR Public Gallery knows",
                "did you mean `ARM 64`?",
            ),
            (
                "architectures",
                "amd64",
                "`amd64` is not an architecture the ECR Public Gallery knows",
                "did you mean `x86-64`?",
            ),
            (
                "architectures",
                "X86",
                "`X86` is not an architecture the ECR Public Gallery knows",
                "did you mean `x86`?",
            ),
            (
                "architectures",
                "riscv64",
                "`riscv64` is not an architecture the ECR Public Gallery knows",
                "the gallery knows `ARM`, `ARM 64`, `x86`, `x86-64`",
            ),
            (
                "operatingSystems",
                "linux",
                "`linux` is not an operating system the ECR Public Gallery knows",
                "did you mean `Linux`?",
            ),
            (
                "operatingSystems",
                "macOS",
                "`macOS` is not an operating system the ECR Public Gallery knows",
                "the gallery knows `Linux`, `Windows`",
            ),
        ];
        for (field, value, message, hint) in cases {
            assert_one(
                &format!("  shop-cli:\n    {field}: [\"{value}\"]\n"),
                Severity::Error,
                message,
                hint,
                &format!("\"{value}\""),
            );
        }
    }

    #[test]
    fn logo_and_tags() {
        assert_one(
            "  shop-cli: { logo: \"\" }\n",
            Severity::Error,
            "logo is empty",
            "PNG or JPEG",
            "\"\"",
        );
        assert_one(
            "  shop-cli: { tags: { wharf:logo-sha256: abc } }\n",
            Severity::Error,
            "the tag key `wharf:logo-sha256` is reserved: wharf keeps its own records in `wharf:` tags",
            "without the `wharf:` prefix",
            "wharf:logo-sha256",
        );
        assert_one(
            "  shop-cli: { tags: { wharf:stack: other } }\n",
            Severity::Error,
            "the tag key `wharf:stack` is reserved: wharf sets it to the stack name",
            "",
            "wharf:stack",
        );
        // 48 own tags, wharf:stack and the logo's digest make 50; one more is too many.
        let tags = |n: usize| {
            (0..n)
                .map(|i| format!("t{i}: v"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        assert_clean(&format!(
            "  shop-cli: {{ logo: l.png, tags: {{ {} }} }}\n",
            tags(48)
        ));
        assert_one(
            &format!("  shop-cli: {{ logo: l.png, tags: {{ {} }} }}\n", tags(49)),
            Severity::Error,
            "this public repository would carry 51 tags (defaults, its own and wharf:stack); AWS allows at most 50",
            "remove 1 tag",
            "tags",
        );
    }

    #[test]
    fn pull_and_policies() {
        assert_one(
            "  shop-cli: { pull: { accounts: [\"1234\"] } }\n",
            Severity::Error,
            "`1234` is not an AWS account id",
            "12 digits",
            "\"1234\"",
        );
        assert_one(
            "  shop-cli: { pull: { roles: [deployer] } }\n",
            Severity::Error,
            "`deployer` is neither a role of this manifest nor a role ARN",
            "",
            "deployer",
        );
        assert_one(
            "  shop-cli:\n    policy: { Version: \"2012-10-17\", Statement: [ { Effect: Allow, Action: ecr-public:PutImage } ] }\n",
            Severity::Error,
            "a repository policy statement needs a `Principal`",
            "",
            "Effect: Allow, Action: ecr-public:PutImage",
        );
        assert_one(
            "  shop-cli:\n    policy: \"{not json\"\n",
            Severity::Error,
            "policy is not valid JSON: key must be a string at line 1 column 2",
            "",
            "\"{not json\"",
        );
    }

    #[test]
    fn private_actions_are_flagged_where_they_are() {
        let statement = |action: &str| {
            format!(
                "  shop-cli:\n    policy:\n      Statement:\n        - Effect: Allow\n          Principal: {{ AWS: \"arn:aws:iam::111122223333:root\" }}\n          Action: [ecr-public:PutImage, {action}]\n"
            )
        };
        // (action, hint)
        let cases = [
            ("ecr:PutImage", "use `ecr-public:PutImage`"),
            (
                "ecr:batchcheckLayerAvailability",
                "use `ecr-public:BatchCheckLayerAvailability`",
            ),
            ("ecr:*", "use `ecr-public:*`"),
            ("ecr:BatchGetImage", "pulling needs no permission at all"),
        ];
        for (action, hint) in cases {
            assert_one(
                &statement(action),
                Severity::Warning,
                &format!(
                    "`{action}` is an action of private ECR repositories; it grants nothing on a public repository"
                ),
                hint,
                action,
            );
        }
        // In JSON text the warning names the place inside it.
        let (_, found) = diagnose(
            "  shop-cli:\n    policy: '{\"Statement\":{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"ecr:PutImage\"}}'\n",
        );
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(
            found[0].1,
            "at /Statement/Action: `ecr:PutImage` is an action of private ECR repositories; it grants nothing on a public repository"
        );
    }
}
