//! ECR Public repositories (`ecr.public_repository.NAME`): the desired state from the
//! manifest, the comparison with live state (catalog data, logo, policy, tags), and the
//! write operations that close the gap. PURE: logo files are read by the command layer
//! and reach this module as digests in the live snapshot.
//!
//! AWS facts this module encodes:
//! - public repositories live in us-east-1 and are managed there, whatever region the rest
//!   of the stack uses;
//! - only the name is fixed at CreateRepository, so nothing forces a replace;
//! - anyone can pull from a public repository, anonymously, and a repository policy cannot
//!   restrict it; `pull` therefore grants read access through the API (see `PULL_ACTIONS`);
//! - AWS does not say whether PutRepositoryCatalogData keeps fields it is not sent, so
//!   wharf always sends every field (an empty one clears it) and, when the manifest has a
//!   logo, the logo: the result is the same either way;
//! - GetRepositoryCatalogData returns only a logo URL, never the image: the logo is compared
//!   by the sha256 wharf records in the tag `wharf:logo-sha256` when it uploads one;
//! - tags given at CreateRepository land atomically, so ownership is never missing.

pub mod io;
pub mod live;
pub mod model;
pub mod operation;
pub mod validate;

use crate::documents::policy;
use crate::kinds::common::{Context, KindPlan, OWNERSHIP_TAG, non_empty};
use crate::kinds::reconcile::{Ownership, Reconcile, not_declared, reconcile};
use crate::kinds::repository;
use crate::live::{LivePublicRepository, LiveSnapshot, LogoFile};
use crate::manifest::model::{Manifest, PublicRepository, Pull};
use crate::plan::{Change, Destroys, FieldChange, Operation};
pub use operation::{Catalog, CatalogInput, LogoChange, PublicRepositoryOperation};
use serde_json::{Value, json};
use std::collections::BTreeMap;

pub const ADDRESS_PREFIX: &str = operation::ENTRY.prefix;

/// The tag in which wharf records the sha256 of the logo it uploaded. It is wharf's own
/// bookkeeping: never compared as a user tag, never declarable in the manifest.
pub const LOGO_TAG: &str = "wharf:logo-sha256";

/// What `pull` grants on a public repository. Pulling itself needs no permission (and no
/// policy can deny it), so the closest useful meaning of "may pull" is read access to the
/// repository through the ECR Public API: listing images and tags, checking layers.
pub const PULL_ACTIONS: [&str; 3] = [
    "ecr-public:BatchCheckLayerAvailability",
    "ecr-public:DescribeImageTags",
    "ecr-public:DescribeImages",
];

/// What a public repository needs first: the roles of this manifest its `pull` names.
pub fn dependencies(manifest: &Manifest, name: &str) -> Vec<String> {
    let pull = manifest
        .public_repositories
        .as_ref()
        .and_then(|p| p.get(name))
        .and_then(|r| r.pull.as_ref());
    crate::kinds::role::references::pull_dependencies(manifest, pull)
}

pub fn address(name: &str) -> String {
    format!("{ADDRESS_PREFIX}{name}")
}

/// Absent and empty text are the same (AWS omits empty catalog fields, and wharf clears a
/// field by sending ""). Trailing white space carries no meaning in Markdown, and a YAML
/// block scalar (`|`) adds a final newline: comparing without it means a `|` block never
/// reads as drift should AWS keep the text trimmed.
fn normalize_text(text: Option<&str>) -> Option<String> {
    text.map(str::trim_end)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
}

/// Architectures and operating systems are badges and search filters in the gallery:
/// their order and repeats carry no meaning.
fn normalize_badges(values: &[String]) -> Vec<String> {
    let mut out = values.to_vec();
    out.sort();
    out.dedup();
    out
}

/// The logo the manifest asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DesiredLogo {
    None,
    File(LogoFile),
    /// The manifest names a file that was not read (planning without the command layer):
    /// the logo is left as it is.
    Unread(String),
}

/// A public repository as the manifest wants it, defaults applied and policy compiled.
#[derive(Clone, Debug, PartialEq)]
pub struct DesiredPublicRepository {
    pub name: String,
    pub catalog: Catalog,
    pub logo: DesiredLogo,
    pub policy: Option<Value>,
    pub force_delete: bool,
    /// User tags and the ownership tag; the logo tag is kept apart (see `LOGO_TAG`).
    pub tags: BTreeMap<String, String>,
}

/// All tags a public repository carries apart from the logo tag: defaults.tags, then its
/// own, then the ownership tag (which nothing may override).
pub fn desired_tags(manifest: &Manifest, repo: &PublicRepository) -> BTreeMap<String, String> {
    let mut tags = manifest.defaults.tags.clone();
    if let Some(own) = &repo.tags {
        tags.extend(own.clone());
    }
    tags.remove(LOGO_TAG);
    tags.insert(OWNERSHIP_TAG.to_string(), manifest.stack.clone());
    tags
}

/// The live tags that are the user's (and the ownership tag): wharf's bookkeeping tags left out.
fn user_tags(have: &LivePublicRepository) -> BTreeMap<String, String> {
    let mut tags = have.tags.clone();
    tags.remove(LOGO_TAG);
    tags
}

/// The repository policy: `pull`'s statement first, then the raw document's statements.
/// None when neither yields a statement.
pub fn public_policy(pull: Option<&Pull>, raw: Option<&Value>) -> Option<Value> {
    let statement = pull.and_then(pull_statement);
    let raw_policy = policy::repository_policy(None, raw);
    match (statement, raw_policy) {
        (None, doc) => doc,
        (Some(statement), None) => Some(json!({
            "Version": policy::POLICY_VERSION,
            "Statement": [statement],
        })),
        (Some(statement), Some(mut doc)) => {
            if let Some(list) = doc.get_mut("Statement").and_then(Value::as_array_mut) {
                list.insert(0, statement);
            }
            Some(doc)
        }
    }
}

/// The statement granting `PULL_ACTIONS` to `pull`'s principals (already ARNs); None when
/// it names nobody.
fn pull_statement(pull: &Pull) -> Option<Value> {
    let mut principals: Vec<String> = pull
        .accounts
        .iter()
        .chain(pull.roles.iter())
        .cloned()
        .collect();
    principals.sort();
    principals.dedup();
    if principals.is_empty() {
        return None;
    }
    Some(json!({
        "Sid": policy::PULL_STATEMENT_SID,
        "Effect": "Allow",
        "Principal": { "AWS": principals },
        "Action": PULL_ACTIONS,
    }))
}

pub fn desired(
    manifest: &Manifest,
    ctx: &Context,
    logo_files: &BTreeMap<String, LogoFile>,
    name: &str,
    repo: &PublicRepository,
) -> DesiredPublicRepository {
    let logo = match &repo.logo {
        None => DesiredLogo::None,
        Some(path) => match logo_files.get(name) {
            Some(file) => DesiredLogo::File(file.clone()),
            None => DesiredLogo::Unread(path.clone()),
        },
    };
    DesiredPublicRepository {
        name: name.to_string(),
        catalog: Catalog {
            description: non_empty(repo.description.as_deref()),
            about_text: non_empty(repo.about_text.as_deref()),
            usage_text: non_empty(repo.usage_text.as_deref()),
            architectures: repo.architectures.clone().unwrap_or_default(),
            operating_systems: repo.operating_systems.clone().unwrap_or_default(),
        },
        logo,
        policy: public_policy(
            repo.pull
                .as_ref()
                .map(|p| repository::resolved_pull(manifest, ctx, p))
                .as_ref(),
            repo.policy.as_ref(),
        ),
        force_delete: repo.force_delete.unwrap_or(false),
        tags: desired_tags(manifest, repo),
    }
}

/// The catalog AWS holds.
pub fn observed_catalog(have: &LivePublicRepository) -> Catalog {
    Catalog {
        description: non_empty(have.description.as_deref()),
        about_text: non_empty(have.about_text.as_deref()),
        usage_text: non_empty(have.usage_text.as_deref()),
        architectures: have.architectures.clone(),
        operating_systems: have.operating_systems.clone(),
    }
}

/// Compares every declared public repository with live state, and (with `prune`) finds
/// owned ones the manifest no longer declares.
pub fn plan(manifest: &Manifest, ctx: &Context, live: &LiveSnapshot, prune: bool) -> KindPlan {
    plan_with(
        manifest,
        ctx,
        live,
        prune,
        crate::kinds::common::Adoption::Refuse,
    )
}

/// `plan`, adopting declared public repositories that carry no ownership tag when asked to.
pub fn plan_with(
    manifest: &Manifest,
    ctx: &Context,
    live: &LiveSnapshot,
    prune: bool,
    adoption: crate::kinds::common::Adoption,
) -> KindPlan {
    reconcile(
        &PublicRepositories {
            manifest,
            ctx,
            live,
        },
        prune,
        adoption,
    )
}

/// The public repositories of a manifest against those ECR Public holds.
struct PublicRepositories<'a> {
    manifest: &'a Manifest,
    ctx: &'a Context<'a>,
    live: &'a LiveSnapshot,
}

impl Reconcile for PublicRepositories<'_> {
    type Want = DesiredPublicRepository;
    type Have = LivePublicRepository;
    const NOUN: &'static str = "public repository";
    const PREFIX: &'static str = ADDRESS_PREFIX;
    const OWNERSHIP: Ownership = Ownership::Tagged;
    const TAG_COMMAND: &'static str = "aws ecr-public tag-resource --region us-east-1";

    fn stack(&self) -> &str {
        &self.manifest.stack
    }

    fn names(&self) -> Vec<String> {
        self.manifest
            .public_repositories
            .iter()
            .flatten()
            .map(|(name, _)| name.clone())
            .collect()
    }

    fn desired(&self, name: &str, warnings: &mut Vec<String>) -> DesiredPublicRepository {
        let repo = &self
            .manifest
            .public_repositories
            .as_ref()
            .expect("declared")[name];
        let want = desired(self.manifest, self.ctx, &self.live.logo_files, name, repo);
        if let DesiredLogo::Unread(path) = &want.logo {
            warnings.push(format!(
                "{}: logo `{path}` was not read, so the logo is left as it is",
                address(name)
            ));
        }
        want
    }

    fn find(&self, name: &str) -> Option<&LivePublicRepository> {
        self.live.public_repositories.get(name)
    }

    fn tags<'h>(&self, have: &'h LivePublicRepository) -> Option<&'h BTreeMap<String, String>> {
        Some(&have.tags)
    }

    fn create(&self, _: &str, want: &DesiredPublicRepository) -> Change {
        create_change(want)
    }

    fn diff(
        &self,
        _: &str,
        want: &DesiredPublicRepository,
        have: &LivePublicRepository,
        warnings: &mut Vec<String>,
    ) -> Result<Option<Change>, crate::kinds::common::Conflict> {
        Ok(diff(want, have, warnings))
    }

    /// Without a `publicRepositories` section ECR Public is not managed, so nothing is
    /// pruned.
    fn undeclared(&self) -> Vec<(String, &LivePublicRepository)> {
        let Some(section) = &self.manifest.public_repositories else {
            return Vec::new();
        };
        not_declared(&self.live.public_repositories, |name| {
            section.contains_key(name)
        })
    }

    fn delete(
        &self,
        _: &str,
        have: &LivePublicRepository,
    ) -> Option<Result<Change, crate::kinds::common::Conflict>> {
        Some(Ok(delete_change(self.manifest, have)))
    }
}

fn digest_text(sha256: &str) -> Value {
    json!(format!("sha256:{sha256}"))
}

fn text_value(text: &Option<String>) -> Value {
    text.as_ref().map(|t| json!(t)).unwrap_or(Value::Null)
}

fn list_value(list: &[String]) -> Value {
    if list.is_empty() {
        Value::Null
    } else {
        json!(list)
    }
}

/// (path, value) of every catalog field, as shown in the plan.
fn catalog_fields(catalog: &Catalog) -> [(&'static str, Value); 5] {
    [
        ("description", text_value(&catalog.description)),
        ("aboutText", text_value(&catalog.about_text)),
        ("usageText", text_value(&catalog.usage_text)),
        ("architectures", list_value(&catalog.architectures)),
        ("operatingSystems", list_value(&catalog.operating_systems)),
    ]
}

fn create_change(want: &DesiredPublicRepository) -> Change {
    let mut fields: Vec<FieldChange> = catalog_fields(&want.catalog)
        .into_iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(path, after)| FieldChange::new(path, Value::Null, after))
        .collect();
    let mut tags = want.tags.clone();
    let logo = match &want.logo {
        DesiredLogo::File(file) => {
            fields.push(FieldChange::new(
                "logo",
                Value::Null,
                digest_text(&file.sha256),
            ));
            // Recorded in the same call that uploads it: the digest never lags the logo.
            tags.insert(LOGO_TAG.to_string(), file.sha256.clone());
            Some(LogoChange::Upload {
                path: file.path.clone(),
                sha256: file.sha256.clone(),
            })
        }
        DesiredLogo::None | DesiredLogo::Unread(_) => None,
    };
    if let Some(doc) = &want.policy {
        fields.push(FieldChange::new("policy", Value::Null, doc.clone()));
    }
    for (k, v) in &want.tags {
        fields.push(FieldChange::new(format!("tags.{k}"), Value::Null, json!(v)));
    }
    let mut operations = vec![PublicRepositoryOperation::CreateRepository {
        name: want.name.clone(),
        catalog: CatalogInput {
            data: want.catalog.clone(),
            logo,
        },
        tags,
    }];
    if let Some(doc) = &want.policy {
        operations.push(PublicRepositoryOperation::SetRepositoryPolicy {
            name: want.name.clone(),
            document: crate::kinds::common::document_text(doc),
        });
    }
    crate::kinds::common::create_because_missing(
        address(&want.name),
        crate::kinds::common::NOT_PRESENT,
        fields,
        operations
            .into_iter()
            .map(Operation::PublicRepository)
            .collect(),
    )
}

fn delete_change(manifest: &Manifest, have: &LivePublicRepository) -> Change {
    let force_delete = repository::pruned_force_delete(manifest);
    crate::kinds::common::delete_because_not_in_manifest(
        address(&have.name),
        crate::kinds::common::owned_not_declared(&manifest.stack),
        Some(Destroys {
            images: have.image_count,
            force_delete,
        }),
        vec![Operation::PublicRepository(
            PublicRepositoryOperation::DeleteRepository {
                name: have.name.clone(),
                force: force_delete,
            },
        )],
    )
}

fn diff(
    want: &DesiredPublicRepository,
    have: &LivePublicRepository,
    warnings: &mut Vec<String>,
) -> Option<Change> {
    let name = &want.name;
    let addr = address(name);
    let mut fields = Vec::new();
    let mut ops = Vec::new();

    let have_catalog = observed_catalog(have);
    let (want_cmp, have_cmp) = (want.catalog.normalized(), have_catalog.normalized());
    let wanted = catalog_fields(&want.catalog);
    let held = catalog_fields(&have_catalog);
    let (wanted_cmp, held_cmp) = (catalog_fields(&want_cmp), catalog_fields(&have_cmp));
    for i in 0..wanted.len() {
        if wanted_cmp[i].1 != held_cmp[i].1 {
            fields.push(FieldChange::new(
                wanted[i].0,
                held[i].1.clone(),
                wanted[i].1.clone(),
            ));
        }
    }
    let catalog_differs = want_cmp != have_cmp;

    // The logo: only the digest wharf recorded when it uploaded one can say what it is.
    let recorded = have.tags.get(LOGO_TAG);
    let mut to_record: Option<String> = None;
    let mut forget = false;
    let logo = match &want.logo {
        DesiredLogo::File(file) => {
            if recorded != Some(&file.sha256) {
                let before = match (recorded, &have.logo_url) {
                    (Some(old), _) => digest_text(old),
                    (None, Some(_)) => json!("a logo wharf did not upload"),
                    (None, None) => Value::Null,
                };
                fields.push(FieldChange::new("logo", before, digest_text(&file.sha256)));
                to_record = Some(file.sha256.clone());
            }
            Some(LogoChange::Upload {
                path: file.path.clone(),
                sha256: file.sha256.clone(),
            })
        }
        // A logo wharf uploaded and the manifest dropped is removed. One set outside wharf
        // (no digest recorded) is left alone: AWS shows only its URL, and a URL that stays
        // after the removal would otherwise read as drift forever.
        DesiredLogo::None => recorded.map(|old| {
            fields.push(FieldChange::new("logo", digest_text(old), Value::Null));
            forget = true;
            LogoChange::Remove
        }),
        DesiredLogo::Unread(_) => None,
    };
    if catalog_differs || to_record.is_some() || forget {
        ops.push(PublicRepositoryOperation::PutRepositoryCatalogData {
            name: name.clone(),
            catalog: CatalogInput {
                data: want.catalog.clone(),
                logo,
            },
        });
    }

    if let Some((field, document)) = repository::policy_difference(
        &addr,
        want.policy.as_ref(),
        have.policy.as_deref(),
        warnings,
    ) {
        fields.push(field);
        ops.push(match document {
            Some(document) => PublicRepositoryOperation::SetRepositoryPolicy {
                name: name.clone(),
                document,
            },
            None => PublicRepositoryOperation::DeleteRepositoryPolicy { name: name.clone() },
        });
    }

    let (tag_fields, mut to_tag, mut to_untag) =
        crate::kinds::common::tag_changes(&want.tags, &user_tags(have));
    fields.extend(tag_fields);
    // The digest is tagged after the catalog write succeeded, so it never claims a logo
    // AWS does not have.
    if let Some(digest) = to_record {
        to_tag.insert(LOGO_TAG.to_string(), digest);
    }
    if forget {
        to_untag.push(LOGO_TAG.to_string());
    }
    ops.extend(crate::kinds::common::tag_operations(
        to_tag,
        to_untag,
        |keys| PublicRepositoryOperation::UntagResource {
            name: name.clone(),
            arn: have.arn.clone(),
            keys,
        },
        |tags| PublicRepositoryOperation::TagResource {
            name: name.clone(),
            arn: have.arn.clone(),
            tags,
        },
    ));

    if fields.is_empty() {
        return None;
    }
    Some(crate::kinds::common::update_because_drifted(
        addr,
        fields,
        ops.into_iter().map(Operation::PublicRepository).collect(),
    ))
}

/// What AWS would hold after the operation ran (a pure stand-in for ECR Public, for tests).
pub fn after(live: &mut BTreeMap<String, LivePublicRepository>, op: &PublicRepositoryOperation) {
    let set_catalog = |repo: &mut LivePublicRepository, catalog: &CatalogInput| {
        repo.description = catalog.data.description.clone();
        repo.about_text = catalog.data.about_text.clone();
        repo.usage_text = catalog.data.usage_text.clone();
        repo.architectures = catalog.data.architectures.clone();
        repo.operating_systems = catalog.data.operating_systems.clone();
        match &catalog.logo {
            Some(LogoChange::Upload { sha256, .. }) => {
                repo.logo_url = Some(format!("https://logo.example/{sha256}"))
            }
            Some(LogoChange::Remove) => repo.logo_url = None,
            None => {}
        }
    };
    match op {
        PublicRepositoryOperation::CreateRepository {
            name,
            catalog,
            tags,
        } => {
            let mut repo = LivePublicRepository {
                name: name.clone(),
                arn: format!("arn:aws:ecr-public::123456789012:repository/{name}"),
                uri: format!("public.ecr.aws/a1b2c3d4/{name}"),
                tags: tags.clone(),
                ..LivePublicRepository::default()
            };
            set_catalog(&mut repo, catalog);
            live.insert(name.clone(), repo);
        }
        PublicRepositoryOperation::DeleteRepository { name, .. } => {
            live.remove(name);
        }
        PublicRepositoryOperation::PutRepositoryCatalogData { name, catalog } => {
            if let Some(repo) = live.get_mut(name) {
                set_catalog(repo, catalog);
            }
        }
        PublicRepositoryOperation::SetRepositoryPolicy { name, document } => {
            if let Some(repo) = live.get_mut(name) {
                repo.policy = Some(document.clone());
            }
        }
        PublicRepositoryOperation::DeleteRepositoryPolicy { name } => {
            if let Some(repo) = live.get_mut(name) {
                repo.policy = None;
            }
        }
        PublicRepositoryOperation::TagResource { name, tags, .. } => {
            if let Some(repo) = live.get_mut(name) {
                repo.tags.extend(tags.clone());
            }
        }
        PublicRepositoryOperation::UntagResource { name, keys, .. } => {
            if let Some(repo) = live.get_mut(name) {
                for key in keys {
                    repo.tags.remove(key);
                }
            }
        }
    }
}

impl Catalog {
    pub fn is_empty(&self) -> bool {
        *self == Catalog::default()
    }

    /// The form two catalogs are compared in.
    pub fn normalized(&self) -> Catalog {
        Catalog {
            description: normalize_text(self.description.as_deref()),
            about_text: normalize_text(self.about_text.as_deref()),
            usage_text: normalize_text(self.usage_text.as_deref()),
            architectures: normalize_badges(&self.architectures),
            operating_systems: normalize_badges(&self.operating_systems),
        }
    }
}

/// The public repository kind, as the registry lists it.
pub struct PublicRepositoryKind;

impl crate::kinds::Kind for PublicRepositoryKind {
    fn plan(
        manifest: &Manifest,
        ctx: &crate::kinds::common::Context,
        live: &LiveSnapshot,
        prune: bool,
        adoption: crate::kinds::common::Adoption,
    ) -> crate::kinds::common::KindPlan {
        plan_with(manifest, ctx, live, prune, adoption)
    }

    fn dependencies(manifest: &Manifest, name: &str) -> Vec<String> {
        dependencies(manifest, name)
    }

    fn live_objects(live: &LiveSnapshot) -> Vec<(String, serde_json::Value)> {
        crate::kinds::kind::objects_by_name(&live.public_repositories, address)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::load;
    use crate::manifest::vars::Variables;
    use crate::plan::ChangeAction;

    const ACCOUNT: &str = "123456789012";

    fn manifest(body: &str) -> Manifest {
        let src = format!("version: 1\nstack: shop\npublicRepositories:\n{body}");
        match load("wharf.yaml", &src, &Variables::default()) {
            Ok(loaded) => loaded.manifest,
            Err(failure) => panic!("{src}\n{:#?}", failure.diagnostics),
        }
    }

    fn logo(sha256: &str) -> LogoFile {
        LogoFile {
            path: "logo.png".into(),
            sha256: sha256.into(),
        }
    }

    fn snapshot(repos: Vec<LivePublicRepository>, logos: &[(&str, LogoFile)]) -> LiveSnapshot {
        LiveSnapshot {
            account_id: ACCOUNT.into(),
            region: "eu-west-1".into(),
            public_repositories: repos.into_iter().map(|r| (r.name.clone(), r)).collect(),
            logo_files: logos
                .iter()
                .map(|(n, f)| (n.to_string(), f.clone()))
                .collect(),
            ..LiveSnapshot::default()
        }
    }

    fn owned(name: &str) -> LivePublicRepository {
        LivePublicRepository {
            name: name.into(),
            arn: format!("arn:aws:ecr-public::{ACCOUNT}:repository/{name}"),
            tags: BTreeMap::from([(OWNERSHIP_TAG.to_string(), "shop".to_string())]),
            ..LivePublicRepository::default()
        }
    }

    fn plan_of(m: &Manifest, live: &LiveSnapshot, prune: bool) -> KindPlan {
        let kms = BTreeMap::new();
        let ctx = Context {
            account_id: ACCOUNT,
            region: "eu-west-1",
            kms_keys: &kms,
        };
        plan(m, &ctx, live, prune)
    }

    /// Applies every operation of the plan to the snapshot.
    fn converge(m: &Manifest, live: &LiveSnapshot, prune: bool) -> LiveSnapshot {
        let mut next = live.clone();
        for change in plan_of(m, live, prune).changes {
            for op in &change.operations {
                let Operation::PublicRepository(op) = op else {
                    panic!("unexpected {op:?}");
                };
                after(&mut next.public_repositories, op);
            }
        }
        next
    }

    fn paths(change: &Change) -> Vec<&str> {
        change.fields.iter().map(|f| f.path.as_str()).collect()
    }

    fn op_names(change: &Change) -> Vec<String> {
        change
            .operations
            .iter()
            .map(|o| {
                o.describe()
                    .split(' ')
                    .next()
                    .unwrap_or_default()
                    .to_string()
            })
            .collect()
    }

    #[test]
    fn normalization_table() {
        // (manifest side, AWS side, same?)
        let text = |s: Option<&str>| Catalog {
            description: s.map(str::to_string),
            ..Catalog::default()
        };
        let badges = |a: &[&str]| Catalog {
            architectures: a.iter().map(|s| s.to_string()).collect(),
            ..Catalog::default()
        };
        let cases = [
            (text(None), text(None), true),
            (text(None), text(Some("")), true),
            (text(Some("")), text(None), true),
            (text(Some("CLI\n")), text(Some("CLI")), true),
            (text(Some("CLI  \n\n")), text(Some("CLI")), true),
            (text(Some("  CLI")), text(Some("CLI")), false),
            (text(Some("CLI")), text(Some("cli")), false),
            (
                badges(&["x86-64", "ARM 64"]),
                badges(&["ARM 64", "x86-64"]),
                true,
            ),
            (badges(&["ARM 64", "ARM 64"]), badges(&["ARM 64"]), true),
            (badges(&["ARM 64"]), badges(&["ARM"]), false),
            (badges(&[]), badges(&["ARM"]), false),
        ];
        for (want, have, same) in cases {
            assert_eq!(
                want.normalized() == have.normalized(),
                same,
                "{want:?} vs {have:?}"
            );
        }
    }

    #[test]
    fn the_policy_puts_pull_first_and_keeps_raw_statements() {
        let raw = json!({
            "Version": "2008-10-17",
            "Statement": { "Sid": "Push", "Effect": "Allow",
                           "Principal": { "AWS": "arn:aws:iam::111122223333:root" },
                           "Action": ["ecr-public:PutImage"] }
        });
        let pull = Pull {
            accounts: vec!["arn:aws:iam::210987654321:root".into()],
            roles: vec![],
        };
        // (pull, raw, statement sids)
        let cases: [(Option<&Pull>, Option<&Value>, Vec<&str>); 4] = [
            (None, None, vec![]),
            (Some(&pull), None, vec!["WharfPull"]),
            (None, Some(&raw), vec!["Push"]),
            (Some(&pull), Some(&raw), vec!["WharfPull", "Push"]),
        ];
        for (pull, raw, sids) in cases {
            let doc = public_policy(pull, raw);
            let found: Vec<&str> = doc
                .as_ref()
                .and_then(|d| d["Statement"].as_array())
                .map(|s| s.iter().filter_map(|s| s["Sid"].as_str()).collect())
                .unwrap_or_default();
            assert_eq!(found, sids);
        }
        let doc = public_policy(Some(&pull), Some(&raw)).expect("a policy");
        assert_eq!(doc["Version"], "2008-10-17");
        assert_eq!(doc["Statement"][0]["Action"], json!(PULL_ACTIONS));
        assert_eq!(
            public_policy(Some(&Pull::default()), None),
            None,
            "a pull naming nobody grants nothing"
        );
    }

    #[test]
    fn pull_resolves_accounts_and_manifest_roles() {
        let src = "version: 1\nstack: shop\niam:\n  roles:\n    ci: { assumedBy: [\"111122223333\"] }\npublicRepositories:\n  shop-cli:\n    pull: { accounts: [\"210987654321\"], roles: [ci] }\n";
        let m = load("wharf.yaml", src, &Variables::default())
            .expect("valid")
            .manifest;
        let created = &plan_of(&m, &snapshot(vec![], &[]), false).changes[0];
        let Operation::PublicRepository(PublicRepositoryOperation::SetRepositoryPolicy {
            document,
            ..
        }) = &created.operations[1]
        else {
            panic!("{:?}", created.operations);
        };
        let doc: Value = serde_json::from_str(document).expect("JSON");
        assert_eq!(
            doc["Statement"][0]["Principal"]["AWS"],
            json!([
                "arn:aws:iam::123456789012:role/ci",
                "arn:aws:iam::210987654321:root"
            ])
        );
    }

    #[test]
    fn a_missing_repository_is_created_with_catalog_logo_and_tags_in_one_call() {
        let m = manifest(
            "  shop-cli:\n    description: The shop CLI\n    architectures: [x86-64]\n    logo: logo.png\n    tags: { app: cli }\n",
        );
        let live = snapshot(vec![], &[("shop-cli", logo("abc"))]);
        let changes = plan_of(&m, &live, false).changes;
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].action, ChangeAction::Create);
        assert_eq!(
            paths(&changes[0]),
            [
                "description",
                "architectures",
                "logo",
                "tags.app",
                "tags.wharf:stack"
            ]
        );
        let Operation::PublicRepository(PublicRepositoryOperation::CreateRepository {
            catalog,
            tags,
            ..
        }) = &changes[0].operations[0]
        else {
            panic!("{:?}", changes[0].operations);
        };
        assert_eq!(catalog.data.description.as_deref(), Some("The shop CLI"));
        assert_eq!(
            catalog.logo,
            Some(LogoChange::Upload {
                path: "logo.png".into(),
                sha256: "abc".into()
            })
        );
        assert_eq!(tags.get(LOGO_TAG).map(String::as_str), Some("abc"));
        assert_eq!(tags.get(OWNERSHIP_TAG).map(String::as_str), Some("shop"));
        let converged = converge(&m, &live, false);
        assert!(plan_of(&m, &converged, false).changes.is_empty());
    }

    #[test]
    fn drift_is_named_field_by_field() {
        let m = manifest(
            "  shop-cli:\n    description: The shop CLI\n    usageText: \"docker pull ...\"\n    operatingSystems: [Linux]\n",
        );
        let live = snapshot(
            vec![LivePublicRepository {
                description: Some("changed in the console".into()),
                usage_text: Some("docker pull ...".into()),
                operating_systems: vec!["Linux".into(), "Windows".into()],
                about_text: Some("added in the console".into()),
                ..owned("shop-cli")
            }],
            &[],
        );
        let changes = plan_of(&m, &live, false).changes;
        assert_eq!(changes.len(), 1);
        let change = &changes[0];
        assert_eq!(change.action, ChangeAction::Update);
        assert_eq!(
            paths(change),
            ["description", "aboutText", "operatingSystems"]
        );
        assert_eq!(
            change.reason,
            "description, aboutText, operatingSystems differ"
        );
        assert_eq!(change.fields[1].after, Value::Null);
        assert_eq!(op_names(change), ["PutRepositoryCatalogData"]);
        assert!(
            plan_of(&m, &converge(&m, &live, false), false)
                .changes
                .is_empty()
        );
    }

    #[test]
    fn logo_cases() {
        // (manifest logo digest, recorded digest, AWS logo URL, logo field before/after, operations)
        type Case<'a> = (
            Option<&'a str>,
            Option<&'a str>,
            bool,
            Option<(Value, Value)>,
            Vec<&'a str>,
        );
        let cases: [Case; 6] = [
            (Some("new"), Some("new"), true, None, vec![]),
            (
                Some("new"),
                Some("old"),
                true,
                Some((json!("sha256:old"), json!("sha256:new"))),
                vec!["PutRepositoryCatalogData", "TagResource"],
            ),
            (
                Some("new"),
                None,
                true,
                Some((json!("a logo wharf did not upload"), json!("sha256:new"))),
                vec!["PutRepositoryCatalogData", "TagResource"],
            ),
            (
                Some("new"),
                None,
                false,
                Some((Value::Null, json!("sha256:new"))),
                vec!["PutRepositoryCatalogData", "TagResource"],
            ),
            (
                None,
                Some("old"),
                true,
                Some((json!("sha256:old"), Value::Null)),
                vec!["PutRepositoryCatalogData", "UntagResource"],
            ),
            // A logo set outside wharf is left alone when the manifest has none.
            (None, None, true, None, vec![]),
        ];
        for (declared, recorded, url, field, operations) in cases {
            let body = match declared {
                Some(_) => "  shop-cli: { logo: logo.png }\n",
                None => "  shop-cli: {}\n",
            };
            let m = manifest(body);
            let mut have = owned("shop-cli");
            if let Some(d) = recorded {
                have.tags.insert(LOGO_TAG.into(), d.into());
            }
            have.logo_url = url.then(|| "https://logo.example/x".to_string());
            let files: Vec<(&str, LogoFile)> = declared
                .map(|d| ("shop-cli", logo(d)))
                .into_iter()
                .collect();
            let live = snapshot(vec![have], &files);
            let changes = plan_of(&m, &live, false).changes;
            let case = format!("{declared:?} {recorded:?} {url}");
            match &field {
                None => assert!(changes.is_empty(), "{case}: {changes:#?}"),
                Some((before, after)) => {
                    assert_eq!(paths(&changes[0]), ["logo"], "{case}");
                    assert_eq!(&changes[0].fields[0].before, before, "{case}");
                    assert_eq!(&changes[0].fields[0].after, after, "{case}");
                    assert_eq!(op_names(&changes[0]), operations, "{case}");
                    let converged = converge(&m, &live, false);
                    assert!(plan_of(&m, &converged, false).changes.is_empty(), "{case}");
                }
            }
        }
    }

    #[test]
    fn a_catalog_write_always_carries_the_declared_logo() {
        // Should AWS replace catalog data whole, a description change must not drop the logo.
        let m = manifest("  shop-cli: { description: new, logo: logo.png }\n");
        let mut have = owned("shop-cli");
        have.description = Some("old".into());
        have.tags.insert(LOGO_TAG.into(), "abc".into());
        let live = snapshot(vec![have], &[("shop-cli", logo("abc"))]);
        let changes = plan_of(&m, &live, false).changes;
        assert_eq!(paths(&changes[0]), ["description"]);
        let Operation::PublicRepository(PublicRepositoryOperation::PutRepositoryCatalogData {
            catalog,
            ..
        }) = &changes[0].operations[0]
        else {
            panic!("{:?}", changes[0].operations);
        };
        assert!(matches!(catalog.logo, Some(LogoChange::Upload { .. })));
    }

    #[test]
    fn an_unread_logo_is_left_alone_with_a_warning() {
        let m = manifest("  shop-cli: { logo: logo.png }\n");
        let kind = plan_of(&m, &snapshot(vec![owned("shop-cli")], &[]), false);
        assert!(kind.changes.is_empty(), "{:#?}", kind.changes);
        assert_eq!(
            kind.warnings,
            [
                "ecr.public_repository.shop-cli: logo `logo.png` was not read, so the logo is left as it is"
            ]
        );
    }

    #[test]
    fn the_logo_tag_is_never_user_tag_drift() {
        let src = "version: 1\nstack: shop\ndefaults:\n  tags: { team: shop }\npublicRepositories:\n  shop-cli: { logo: logo.png, tags: { app: cli } }\n";
        let m = load("wharf.yaml", src, &Variables::default())
            .expect("valid")
            .manifest;
        let mut have = owned("shop-cli");
        have.tags.extend([
            (LOGO_TAG.to_string(), "abc".to_string()),
            ("team".to_string(), "shop".to_string()),
            ("app".to_string(), "cli".to_string()),
        ]);
        let live = snapshot(vec![have.clone()], &[("shop-cli", logo("abc"))]);
        assert!(plan_of(&m, &live, false).changes.is_empty());
        // A user tag added outside wharf is removed; the logo tag stays.
        have.tags.insert("owner".into(), "someone".into());
        let live = snapshot(vec![have], &[("shop-cli", logo("abc"))]);
        let changes = plan_of(&m, &live, false).changes;
        assert_eq!(paths(&changes[0]), ["tags.owner"]);
        assert_eq!(op_names(&changes[0]), ["UntagResource"]);
        let Operation::PublicRepository(PublicRepositoryOperation::UntagResource { keys, .. }) =
            &changes[0].operations[0]
        else {
            unreachable!()
        };
        assert_eq!(keys, &["owner"]);
    }

    #[test]
    fn policies_compare_by_meaning() {
        let m = manifest("  shop-cli:\n    pull: { accounts: [\"210987654321\"] }\n");
        let mut have = owned("shop-cli");
        // The same grant as AWS might return it: one principal as a string, actions reordered.
        have.policy = Some(
            json!({
                "Version": "2012-10-17",
                "Statement": [{
                    "Sid": "WharfPull", "Effect": "Allow",
                    "Principal": { "AWS": "arn:aws:iam::210987654321:root" },
                    "Action": ["ecr-public:DescribeImages", "ecr-public:BatchCheckLayerAvailability", "ecr-public:DescribeImageTags"]
                }]
            })
            .to_string(),
        );
        let live = snapshot(vec![have.clone()], &[]);
        assert!(plan_of(&m, &live, false).changes.is_empty());
        // Dropping `pull` deletes the policy.
        let bare = manifest("  shop-cli: {}\n");
        let changes = plan_of(&bare, &live, false).changes;
        assert_eq!(paths(&changes[0]), ["policy"]);
        assert_eq!(op_names(&changes[0]), ["DeleteRepositoryPolicy"]);
    }

    #[test]
    fn prune_deletes_only_owned_repositories() {
        let m = manifest("  shop-cli: {}\n");
        let mut other = owned("other-stack");
        other.tags.insert(OWNERSHIP_TAG.into(), "other".into());
        let mut unowned = owned("unowned");
        unowned.tags.clear();
        let mut gone = owned("gone");
        gone.image_count = Some(3);
        let live = snapshot(vec![owned("shop-cli"), other, unowned, gone], &[]);
        assert!(plan_of(&m, &live, false).changes.is_empty());
        let changes = plan_of(&m, &live, true).changes;
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].address, "ecr.public_repository.gone");
        assert_eq!(changes[0].action, ChangeAction::Delete);
        assert_eq!(
            changes[0].destroys,
            Some(Destroys {
                images: Some(3),
                force_delete: false
            })
        );
    }

    #[test]
    fn a_declared_repository_of_someone_else_is_a_conflict() {
        let m = manifest("  shop-cli: {}\n");
        let mut have = owned("shop-cli");
        have.tags.clear();
        let kind = plan_of(&m, &snapshot(vec![have], &[]), false);
        assert!(kind.changes.is_empty());
        assert_eq!(kind.conflicts.len(), 1);
        assert!(
            kind.conflicts[0]
                .message
                .contains("public repository `shop-cli` already exists"),
            "{:?}",
            kind.conflicts
        );
    }

    #[test]
    fn operations_serialize_with_their_kind() {
        let op = Operation::PublicRepository(PublicRepositoryOperation::PutRepositoryCatalogData {
            name: "shop-cli".into(),
            catalog: CatalogInput {
                data: Catalog {
                    description: Some("d".into()),
                    ..Catalog::default()
                },
                logo: Some(LogoChange::Upload {
                    path: "logo.png".into(),
                    sha256: "abc".into(),
                }),
            },
        });
        let value = serde_json::to_value(&op).expect("serializes");
        assert_eq!(
            value,
            json!({
                "kind": "publicRepository",
                "op": "putRepositoryCatalogData",
                "name": "shop-cli",
                "catalog": {
                    "description": "d",
                    "logo": { "action": "upload", "path": "logo.png", "sha256": "abc" }
                }
            })
        );
        let back: Operation = serde_json::from_value(value).expect("deserializes");
        assert_eq!(back, op);
    }
}
